#!/usr/bin/env python3
# The JSON report's tables of issue 16 against counts computed here,
# independently, from the JSON log of the same run: the outcome split by
# server, client, sender and recipient domain; who is behind the refusal
# reasons (grouped by reply code: the report's reasons are normalised
# texts); the AUTH users and failing clients; the per-day, per-hour and
# timeline rows summing to the totals. Prints one line per problem.
# Usage: check-trouble.py LOG.jsonl REPORT.json
# SPDX-License-Identifier: GPL-2.0-or-later
import collections
import json
import sys

log = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rep = json.load(open(sys.argv[2]))
bad = []


def cut(s):
    # topn keeps 95 bytes of a key
    b = s.encode()
    return b[:95].decode(errors="ignore") if len(b) > 95 else s


def domain(addr):
    at = addr.rfind("@")
    d = addr[at + 1:] if at >= 0 and at + 1 < len(addr) else "(none)"
    return d.lower()


def outcome_of(o):
    return o if o in ("accepted", "rejected", "tempfail", "lost") else None


def new_row():
    return {"count": 0, "accepted": 0, "rejected": 0, "tempfail": 0,
            "lost": 0, "bytes": 0, "lat": [], "sessions": 0, "tls": 0,
            "greet": []}


tables = {k: collections.defaultdict(new_row) for k in
          ("servers", "clients", "sender_domains", "recipient_domains")}
who = collections.defaultdict(lambda: [collections.Counter() for _ in range(3)])
users = collections.defaultdict(lambda: {"sessions": 0, "successes": 0,
                                         "failures": 0, "ts": []})
failing = collections.defaultdict(lambda: {"failures": 0, "ts": []})


def add(row, o, size, lat):
    row["count"] += 1
    if o:
        row[o] += 1
    if o == "accepted":
        row["bytes"] += size
    if lat is not None:
        row["lat"].append(lat)


def refusal(code, client, sender, rdom):
    if code is None or code < 400:
        return
    w = who[code]
    if client is not None:
        w[0][cut(client)] += 1
    if sender is not None:
        w[1][cut(sender)] += 1
    if rdom is not None:
        w[2][cut(rdom)] += 1


for r in log:
    t = r.get("type")
    if t == "transaction":
        o = outcome_of(r["outcome"])
        lat = r.get("final_latency") if r.get("final_code") is not None else None
        size = r.get("size") or 0
        sdom = "(null sender)" if r.get("bounce") else domain(r["mail_from"])
        sender = "<>" if r.get("bounce") else r["mail_from"]
        add(tables["servers"][r["server_ip"]], o, size, lat)
        add(tables["clients"][r["client_ip"]], o, size, lat)
        add(tables["sender_domains"][cut(sdom)], o, size, lat)
        for rc in r["rcpt_to"]:
            c = rc.get("code") or 0
            if c < 400 and r.get("lmtp") and rc.get("delivery_code"):
                c = 0 if rc["delivery_code"] < 300 else rc["delivery_code"]
            ro = "rejected" if c >= 500 else "tempfail" if c >= 400 else o
            add(tables["recipient_domains"][cut(domain(rc["addr"]))], ro,
                size, lat if (rc.get("code") or 0) < 400 else None)
            refusal(rc.get("code"), r["client_ip"], sender, domain(rc["addr"]))
        first = domain(r["rcpt_to"][0]["addr"]) if r["rcpt_to"] else "(none)"
        refusal(r.get("mail_code"), r["client_ip"], sender, first)
        refused = r.get("refused") or []
        if not any(x["command"] == "DATA" for x in refused):
            refusal(r.get("data_code"), r["client_ip"], sender, first)
        refusal(r.get("final_code"), r["client_ip"], sender, first)
        for x in refused:
            refusal(x.get("code"), r["client_ip"], sender, first)
        if r.get("lmtp"):
            for rc in r["rcpt_to"]:
                if (rc.get("delivery_code") or 0) >= 400:
                    refusal(rc["delivery_code"], r["client_ip"], sender,
                            domain(rc["addr"]))
    elif t == "command":
        refusal(r.get("code"), r["client_ip"], None, None)
    elif t == "session":
        for k, ip in (("servers", r["server_ip"]), ("clients", r["client_ip"])):
            tables[k][ip]["sessions"] += 1
            tables[k][ip]["tls"] += bool(r.get("tls"))
            if r.get("greeting_latency") is not None:
                tables[k][ip]["greet"].append(r["greeting_latency"])
        a = r.get("auth")
        if a:
            u = users[cut(a.get("user") or "(unknown)")]
            u["sessions"] += 1
            u["successes"] += a.get("result") == "success"
            u["failures"] += a.get("failures") or 0
            if a.get("failures"):
                u["ts"].append(r["ts"])
                f = failing[r["client_ip"]]
                f["failures"] += a["failures"]
                f["ts"].append(r["ts"])

# 1. The outcome split.
for name, want in tables.items():
    t = rep["breakdown"][name]
    if not t["exact"]:
        bad.append("%s: not exact (left out %s) on a small capture" %
                   (name, t["left_out"]))
        continue
    got = {row["key"]: row for row in t["rows"]}
    keys = {k for k, v in want.items() if v["count"] or (
        name in ("servers", "clients") and v["sessions"])}
    if set(got) != keys:
        bad.append("%s: keys %s, log %s" % (name, sorted(got), sorted(keys)))
        continue
    for k, w in want.items():
        if k not in got:
            continue
        g = got[k]
        for f in ("count", "accepted", "rejected", "tempfail", "lost",
                  "bytes"):
            if g[f] != w[f]:
                bad.append("%s %s: %s %s, log %s" % (name, k, f, g[f], w[f]))
        if name in ("servers", "clients"):
            for f in ("sessions", "tls"):
                if g[f] != w[f]:
                    bad.append("%s %s: %s %s, log %s" %
                               (name, k, f, g[f], w[f]))
        gl = g["greeting_latency"]
        if name not in ("servers", "clients") or not w["greet"]:
            if gl is not None:
                bad.append("%s %s: a greeting latency without one in the "
                           "log" % (name, k))
        elif gl is None or gl["count"] != len(w["greet"]) or not (
                min(w["greet"]) - 1e-6 <= gl["p50"] <= max(w["greet"]) + 1e-6
                and gl["p50"] <= gl["p99"] + 1e-6):
            bad.append("%s %s: greeting latency %s, log %d in [%s, %s]" %
                       (name, k, gl, len(w["greet"]), min(w["greet"]),
                        max(w["greet"])))
        fl = g["final_latency"]
        if not w["lat"]:
            if fl is not None:
                bad.append("%s %s: a final latency without one in the log" %
                           (name, k))
        elif fl is None or fl["count"] != len(w["lat"]) or not (
                min(w["lat"]) - 1e-6 <= fl["p50"] <= max(w["lat"]) + 1e-6 and
                fl["p50"] <= fl["p99"] + 1e-6):
            bad.append("%s %s: final latency %s, log %d in [%s, %s]" %
                       (name, k, fl, len(w["lat"]), min(w["lat"]),
                        max(w["lat"])))

# 2. Who is behind the reasons, by reply code.
rs = rep["reasons"]
if rs["exact"]:
    got = collections.defaultdict(lambda: [collections.Counter() for _ in range(3)])
    for row in rs["rows"]:
        code = int(row["reason"].split()[0])
        for i, k in enumerate(("clients", "senders", "recipient_domains")):
            w = row[k]
            if not w["exact"]:
                bad.append("reason %r: %s not exact" % (row["reason"], k))
            if k == "clients" and w["total"] != row["count"]:
                bad.append("reason %r: clients total %d of %d" %
                           (row["reason"], w["total"], row["count"]))
            for e in w["top"]:
                got[code][i][e["key"]] += e["count"]
    for code in set(got) | set(who):
        for i, k in enumerate(("clients", "senders", "recipient_domains")):
            if got[code][i] != who[code][i]:
                bad.append("code %d %s: report %s, log %s" %
                           (code, k, dict(got[code][i]), dict(who[code][i])))
else:
    bad.append("reasons: not exact on a small capture")

# 3. AUTH.
ga = {r["user"]: r for r in rep["auth"]["users"]["rows"]}
if set(ga) != set(users):
    bad.append("auth users %s, log %s" % (sorted(ga), sorted(users)))
for u, w in users.items():
    g = ga.get(u)
    if g is None:
        continue
    for f in ("sessions", "successes", "failures"):
        if g[f] != w[f]:
            bad.append("auth user %s: %s %s, log %s" % (u, f, g[f], w[f]))
    if w["ts"] and (abs(g["first"] - min(w["ts"])) > 1e-5 or
                    abs(g["last"] - max(w["ts"])) > 1e-5):
        bad.append("auth user %s: first/last %s %s, log %s %s" %
                   (u, g["first"], g["last"], min(w["ts"]), max(w["ts"])))
gf = {r["client"]: r for r in rep["auth"]["failures_by_client"]["rows"]}
if set(gf) != set(failing):
    bad.append("auth failing clients %s, log %s" % (sorted(gf), sorted(failing)))
for c, w in failing.items():
    g = gf.get(c)
    if g and (g["failures"] != w["failures"] or
              abs(g["first"] - min(w["ts"])) > 1e-5 or
              abs(g["last"] - max(w["ts"])) > 1e-5):
        bad.append("auth failing client %s: %s, log %s" % (c, g, w))

# 4. The time tables sum to the totals.
tot = {"sessions": rep["sessions"], "accepted": rep["messages_accepted"],
       "rejected": rep["rejects"], "tempfail": rep["tempfails"],
       "lost": rep["lost"]}
tm = rep["time"]
for part in ("per_day", "per_hour"):
    for k, v in tot.items():
        s = sum(r[k] for r in tm[part])
        if s != v:
            bad.append("%s: %s sums to %d, total %d" % (part, k, s, v))
for k, v in tot.items():
    s = sum(b[k] for b in tm["timeline"]["buckets"])
    if s != v:
        bad.append("timeline: %s sums to %d, total %d" % (k, s, v))
if len(tm["per_hour"]) != 24:
    bad.append("per_hour: %d rows" % len(tm["per_hour"]))

for b in bad:
    print(b)
