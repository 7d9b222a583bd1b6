#!/usr/bin/env python3
# Checks a JSON Lines log of smtpscope for tests/t-hostile.sh:
#
#   check.py LOG WANTS GOT
#
# WANTS is a file of "DESCRIPTION<TAB>EXPRESSION" lines; each EXPRESSION
# is Python over S (the summary record), T (the transactions), SS (the
# sessions), A (the anomaly records), M (the message records of message
# tracking) and L (the log's text) and must be True. Prints nothing when all hold, else one line: the descriptions of
# those that did not, and the value of the expression GOT (the figures).
# The log is parsed once, however many checks, and only the record types
# the expressions name (a log of half a million aborted transactions is
# read in seconds); every other line must still look like a record.
# SPDX-License-Identifier: GPL-2.0-or-later
import json
import re
import sys


# The record types the names stand for; a log of half a million
# records is parsed only for those the checks name.
KINDS = {"S": "summary", "T": "transaction", "SS": "session", "A": "anomaly",
         "M": "message"}


def main():
    path, wants, got = sys.argv[1:4]
    text = open(path, encoding="utf-8").read()
    with open(wants, encoding="utf-8") as f:
        checks = [line.rstrip("\n").split("\t", 1) for line in f]
    used = set(re.findall(r"\b[A-Z]+\b", got + " ".join(e for _, e in checks)))
    prefixes = tuple('{"type":"%s"' % KINDS[k] for k in KINDS
                     if k in used or k == "S")
    recs = []
    for line in text.splitlines():
        try:
            if line.startswith(prefixes):
                recs.append(json.loads(line))
            elif not (line.startswith('{"type":"') and line.endswith("}")):
                raise ValueError("not a record: %.80r" % line)
        except ValueError as e:
            print("the log is not JSON Lines: %s" % e)
            return
    summaries = [r for r in recs if r.get("type") == "summary"]
    if not summaries:
        print("no summary in the log")
        return
    env = {
        "S": summaries[-1],
        "T": [r for r in recs if r.get("type") == "transaction"],
        "SS": [r for r in recs if r.get("type") == "session"],
        "A": [r for r in recs if r.get("type") == "anomaly"],
        "M": [r for r in recs if r.get("type") == "message"],
        "L": text,
    }
    bad = []
    for desc, expr in checks:
        try:
            if eval(expr, env) is not True:
                bad.append(desc)
        except Exception as e:  # a missing key is a failed check
            bad.append("%s (%s: %s)" % (desc, type(e).__name__, e))
    if bad:
        try:
            figures = eval(got, env)
        except Exception as e:
            figures = "%s: %s" % (type(e).__name__, e)
        print("%s; got %s" % ("; ".join(bad), figures))


if __name__ == "__main__":
    main()
