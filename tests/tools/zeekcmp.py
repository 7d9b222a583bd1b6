#!/usr/bin/env python3
# Compare our --zeek-log smtp.log with Zeek's expected one, field by field.
# Rows are matched on the 4-tuple and trans_depth (in order when Zeek
# writes several rows with the same depth); set-typed columns compare as
# sets. ts, uid and fuids are Zeek's own (masked or random) and skipped.
#   zeekcmp.py EXPECTED OURS [--allow FIELD=REASON ...]
# Exit 0 when they agree (apart from allowed fields), 1 otherwise.
# SPDX-License-Identifier: GPL-2.0-or-later
import sys

SKIP = {"ts", "uid", "fuids"}


def read(path):
    fields, types, rows = None, None, []
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#fields"):
                fields = line.split("\t")[1:]
            elif line.startswith("#types"):
                types = line.split("\t")[1:]
            elif line.startswith("#") or not line:
                continue
            else:
                rows.append(dict(zip(fields, line.split("\t"))))
    return fields, dict(zip(fields, types)), rows


def key(r):
    return (r["id.orig_h"], r["id.orig_p"], r["id.resp_h"], r["id.resp_p"],
            r["trans_depth"])


def norm(v, t):
    if t.startswith("set[") and v not in ("-", "(empty)"):
        return frozenset(v.split(","))
    return v


def main():
    exp_path, our_path = sys.argv[1], sys.argv[2]
    allow = {}
    for a in sys.argv[3:]:
        if a.startswith("--allow="):
            f, _, reason = a[len("--allow="):].partition("=")
            allow[f] = reason
    fields, types, exp = read(exp_path)
    ofields, _, ours = read(our_path)
    problems = []
    # Zeek's columns, in Zeek's order; ours adds community_id at the end
    # (the connection's Community ID, which Zeek writes in its conn.log).
    if fields + ["community_id"] != ofields:
        problems.append("#fields differ: %s" % ofields)
    groups = {}
    for r in ours:
        groups.setdefault(key(r), []).append(r)
    seen = {}
    for r in exp:
        k = key(r)
        i = seen.get(k, 0)
        seen[k] = i + 1
        cands = groups.get(k, [])
        if i >= len(cands):
            problems.append("missing row %s #%d" % (k, i + 1))
            continue
        o = cands[i]
        for f in fields:
            if f in SKIP or f in allow:
                continue
            if norm(r[f], types[f]) != norm(o.get(f), types[f]):
                problems.append("%s #%d %s: zeek %r, ours %r" %
                                (k, i + 1, f, r[f], o.get(f)))
    for k, rs in groups.items():
        if len(rs) > seen.get(k, 0):
            problems.append("extra row(s) %s: %d" % (k, len(rs) - seen.get(k, 0)))
    for p in problems:
        print(p)
    for f, reason in allow.items():
        print("allowed difference in %s: %s" % (f, reason))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
