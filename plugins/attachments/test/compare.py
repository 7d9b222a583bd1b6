#!/usr/bin/env python3
# Compares the attachments plugin's records with Python's email package.
#   compare.py parts TRUTH_MSG_FILE GOT.jsonl       one message (the driver)
#   compare.py pcap TOOLS_DIR FILE.pcap GOT.jsonl   every message of a pcap
# Prints what differs, one line each, and nothing when all agree; the last
# line of "pcap" is "compared N messages, M parts".
# SPDX-License-Identifier: GPL-2.0-or-later
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mime_truth  # noqa: E402

KEYS = ("depth", "mime_type", "disposition", "filename")
HASHES = ("size", "md5", "sha1", "sha256")


def compare(truth, got, where):
    """Differences between Python's parts and the plugin's records."""
    bad = []
    if len(truth) != len(got):
        bad.append("%s: %d parts, Python finds %d" % (where, len(got), len(truth)))
    for t, g in zip(truth, got):
        if g.get("limits") and (g["limits"] != [] and g["limits"] != 0):
            break  # a limit hit or bytes missing: the rest is not comparable
        for k in KEYS + (HASHES if t["hash"] else ()):
            if t.get(k) != g.get(k):
                bad.append("%s part %d: %s %r, Python %r" % (where, t["part"], k, g.get(k), t.get(k)))
    return bad


def main():
    if sys.argv[1] == "parts":
        truth = mime_truth.parts(open(sys.argv[2], "rb").read())
        got = [json.loads(x) for x in open(sys.argv[3]) if '"part"' in x]
        print("\n".join(compare(truth, got, os.path.basename(sys.argv[2]))))
        return
    tools, cap, log = sys.argv[2:5]
    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run([sys.executable, os.path.join(here, "pcap_messages.py"), tools, cap],
                         check=True, capture_output=True).stdout.decode()
    msgs = [json.loads(x) for x in out.splitlines()]
    recs = [json.loads(x) for x in open(log)]
    sess = {}
    for r in recs:
        key = (r["client_ip"], r["client_port"], r["server_ip"], r["server_port"])
        sess.setdefault(key, {}).setdefault(r["trans_depth"], []).append(r)
    bad, nmsg, nparts = [], 0, 0
    seen = set()
    for m in msgs:
        key = (m["client"], m["cport"], m["server"], m["sport"])
        seen.add(key)
        depths = sorted(sess.get(key, {}))
        where = "%s:%d->%s:%d #%d" % (key + (m["index"],))
        if m["index"] >= len(depths):
            bad.append("%s: no records (Python finds a message)" % where)
            continue
        got = sorted(sess[key][depths[m["index"]]], key=lambda r: r["part"])
        truth = mime_truth.parts(bytes.fromhex(m["hex"]))
        if not m["complete"]:
            got = [dict(g, limits=g["limits"] or ["cut"]) if i == len(got) - 1 else g
                   for i, g in enumerate(got)]
        bad += compare(truth, got, where)
        nmsg += 1
        nparts += len(truth)
    for key, d in sess.items():
        n = sum(1 for m in msgs if (m["client"], m["cport"], m["server"], m["sport"]) == key)
        if len(d) > n:
            bad.append("%s:%d->%s:%d: %d messages logged, Python finds %d" % (key + (len(d), n)))
    bad.append("compared %d messages, %d parts" % (nmsg, nparts))
    print("\n".join(bad))


main()
