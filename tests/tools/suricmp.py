#!/usr/bin/env python3
# Check Suricata's test.yaml expectations for its "smtp" events against
# our JSON log. Suricata logs one smtp event per SMTP transaction, with
# helo, mail_from and rcpt_to (addresses in angle brackets); a session
# that never sent MAIL still gives one event with its helo. We map our
# records the same way: one per transaction (with the session's helo),
# plus one per session without transactions that sent any command.
# Checks of other event types (alert, fileinfo, anomaly, flow, stats)
# describe Suricata's own engine and are listed as not applicable.
#   suricmp.py TEST_YAML OUR_LOG [--allow=KEY=REASON ...]
# SPDX-License-Identifier: GPL-2.0-or-later
import json
import re
import sys

import yaml


def split_addresses(v):
    """Suricata's email.to/cc: split on commas outside quotes, trimmed."""
    out, cur, q = [], "", False
    for ch in v or "":
        if ch == '"':
            q = not q
        if ch == "," and not q:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    out.append(cur.strip())
    return [x for x in out if x]


def our_events(path):
    txs, sessions = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            if d["type"] == "transaction":
                txs.append(d)
            elif d["type"] == "session":
                sessions.append(d)
    events = []
    for t in txs:
        h = t.get("headers") or {}
        events.append({
            "tx_id": t["trans_depth"] - 1,
            "smtp.helo": t["helo"] or None,
            "smtp.mail_from": "<%s>" % t["mail_from"],
            "smtp.rcpt_to": ["<%s>" % r["addr"] for r in t["rcpt_to"]],
            "email.from": h.get("from") or None,
            "email.to": split_addresses(h.get("to")),
            "email.cc": split_addresses(h.get("cc")),
        })
    for s in sessions:
        if s["transactions"] == 0 and s["commands"] > 0:
            events.append({"tx_id": 0, "smtp.helo": s["helo"] or None,
                           "smtp.mail_from": None, "smtp.rcpt_to": [],
                           "email.from": None, "email.to": [],
                           "email.cc": []})
    return events


# Keys that describe Suricata's own engine or its file extraction.
NOT_APPLICABLE = re.compile(r"^(email\.(attachment|status|url|body_md5|"
                            r"subject_md5)|fileinfo|pcap_cnt|pkt_src|"
                            r"src_|dest_|proto|app_proto|flow)")


def value(ev, key):
    m = re.fullmatch(r"(smtp\.rcpt_to|email\.to|email\.cc)\[(\d+)\]", key)
    if m:
        lst, i = ev[m.group(1)], int(m.group(2))
        return lst[i] if i < len(lst) else None
    v = ev.get(key)
    return v if v != [] else None


def matches(ev, match):
    for k, v in match.items():
        if k == "event_type" or NOT_APPLICABLE.match(k):
            continue
        if k == "not-has-key":
            for nk in ([v] if isinstance(v, str) else v):
                if not NOT_APPLICABLE.match(nk) and value(ev, nk) is not None:
                    return False
            continue
        if k == "tx_id":
            if ev["tx_id"] != int(v):
                return False
            continue
        if value(ev, k) != str(v):
            return False
    return True


def main():
    spec = yaml.safe_load(open(sys.argv[1]))
    events = our_events(sys.argv[2])
    allow = {}
    for a in sys.argv[3:]:
        if a.startswith("--allow="):
            k, _, reason = a[len("--allow="):].partition("=")
            allow[k] = reason
    bad, checked, skipped = [], 0, 0
    for c in spec.get("checks", []) or []:
        f = c.get("filter")
        if not f:
            skipped += 1
            continue
        m = f.get("match", {}) or {}
        req = f.get("requires") or {}
        if "lt-version" in req:
            skipped += 1  # describes older Suricata releases
            continue
        if m.get("event_type") != "smtp":
            skipped += 1
            continue
        checked += 1
        m = {k: v for k, v in m.items() if k not in allow}
        want = int(f.get("count", 1))
        got = sum(1 for e in events if matches(e, m))
        if got != want:
            keys = {k: (v if len(str(v)) < 60 else str(v)[:57] + "...")
                    for k, v in m.items() if k.startswith("smtp.")}
            bad.append("smtp events %s: suricata %d, ours %d" % (keys, want, got))
    for b in bad:
        print(b)
    for k, reason in allow.items():
        print("allowed difference in %s: %s" % (k, reason))
    print("%d smtp checks, %d other checks not applicable" % (checked, skipped))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
