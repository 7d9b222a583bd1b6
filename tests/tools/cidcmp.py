#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks the Community ID and uid of smtpscope's logs (t-communityid.sh).

usage: cidcmp.py TSHARK_FIELDS JSON_LOG ZEEK_LOG

TSHARK_FIELDS: tshark -T fields -e ip.src -e ipv6.src -e tcp.srcport
-e ip.dst -e ipv6.dst -e tcp.dstport -e communityid, Wireshark's own
Community ID of each TCP packet. Every record of the JSON log that
names a session must carry the id Wireshark gives the packets of its
4-tuple, and the same uid and id as the session's other records; every
row of the Zeek log the uid and id of its session in the JSON log.
Prints what differs; exit 0 when nothing does, 1 otherwise.
"""
import json
import sys


def main():
    tshark, jlog, zlog = sys.argv[1:4]
    wire = {}
    for line in open(tshark, encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        if len(f) < 7 or not f[6]:
            continue
        src = f[0] or f[1]
        dst = f[3] or f[4]
        # A tunnelled or fragmented packet may list several: the first.
        src, dst = src.split(",")[0], dst.split(",")[0]
        sport, dport = f[2].split(",")[0], f[5].split(",")[0]
        key = frozenset([(src, int(sport)), (dst, int(dport))])
        wire.setdefault(key, set()).add(f[6].split(",")[0])
    problems = []
    sessions = {}
    records = 0
    for line in open(jlog, encoding="utf-8"):
        r = json.loads(line)
        if "session_id" not in r or r.get("type") == "message":
            continue
        records += 1
        key = frozenset([(r["client_ip"], r["client_port"]),
                         (r["server_ip"], r["server_port"])])
        got = (r["uid"], r["community_id"])
        prev = sessions.setdefault(r["session_id"], got)
        if prev != got:
            problems.append("session %d: %s record says %s, earlier %s"
                            % (r["session_id"], r["type"], got, prev))
        want = wire.get(key)
        if want is None:
            problems.append("session %d: no packet of %s in tshark's output"
                            % (r["session_id"], sorted(key)))
        elif r["community_id"] not in want:
            problems.append("session %d %s: ours %s, Wireshark's %s"
                            % (r["session_id"], r["type"],
                               r["community_id"], sorted(want)))
    by_uid = {u: c for u, c in sessions.values()}
    if len(by_uid) != len(sessions):
        problems.append("two sessions share a uid")
    rows = 0
    fields = None
    for line in open(zlog, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("#fields"):
            fields = line.split("\t")[1:]
            continue
        if line.startswith("#"):
            continue
        row = dict(zip(fields, line.split("\t")))
        rows += 1
        if row["uid"] not in by_uid:
            problems.append("zeek row of uid %s: no such session in the "
                            "JSON log" % row["uid"])
        elif by_uid[row["uid"]] != row["community_id"]:
            problems.append("zeek row of uid %s: %s, the JSON log %s"
                            % (row["uid"], row["community_id"],
                               by_uid[row["uid"]]))
    for p in problems[:20]:
        print(p)
    print("%d sessions, %d records, %d zeek rows, %d problems"
          % (len(sessions), records, rows, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
