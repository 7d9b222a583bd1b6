#!/usr/bin/env python3
# report-compare.py [--records] A.json B.json: prints what differs between
# two JSON reports (--report json, smtpscope report -f json), nothing when
# they agree. Never compared: the source, the note and when each was
# written. Times and latencies agree to 1e-5 s (the log keeps
# microseconds). --records: B was made from A's records, which keep no
# HELO/EHLO, AUTH, RSET, QUIT, STARTTLS... (smtpscope report's note): the
# reply codes, enhanced codes, command counts and the latencies those
# make are left out.
# SPDX-License-Identifier: GPL-2.0-or-later
import json
import sys

args = sys.argv[1:]
records = args[:1] == ["--records"]
if records:
    args = args[1:]
a, b = (json.load(open(p, encoding="utf-8")) for p in args)
SKIP = {"source", "note", "not_written"}
RECORDS_SKIP = {"reply_codes", "enhanced_codes", "commands", "latency",
                "replies", "reply_classes"}
out = []


def walk(x, y, path):
    if len(out) > 8:
        return
    if isinstance(x, dict) and isinstance(y, dict):
        for k in sorted(set(x) | set(y)):
            if k in SKIP or (records and path == "" and k in RECORDS_SKIP):
                continue
            if k not in x or k not in y:
                out.append("%s.%s only in %s" % (path, k, args[0] if k in x else args[1]))
                continue
            walk(x[k], y[k], path + "." + k)
    elif isinstance(x, list) and isinstance(y, list):
        if len(x) != len(y):
            out.append("%s: %d elements against %d" % (path, len(x), len(y)))
            return
        for i, (u, v) in enumerate(zip(x, y)):
            walk(u, v, "%s[%d]" % (path, i))
    elif isinstance(x, float) or isinstance(y, float):
        if not (isinstance(x, (int, float)) and isinstance(y, (int, float))
                and abs(x - y) <= 1e-5 + 1e-6 * abs(x)):
            out.append("%s: %s against %s" % (path, x, y))
    elif x != y:
        out.append("%s: %s against %s" % (path, str(x)[:80], str(y)[:80]))


walk(a, b, "")
print("; ".join(out[:8]))
