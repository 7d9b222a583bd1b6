#!/usr/bin/env python3
# expectcmp.py JSONL EXPECT - checks smtpscope's JSON Lines log against
# a captures/NAME.expect file (made by captures/make-captures-model.sh
# from the servers' own records; the format is in captures/README.md).
# Prints one line per mismatch and exits 1 on any (0 when all match, 2
# on a usage or read error).
#
# Expect lines, one record each ("-" is empty or null; %XX escapes a
# byte in a value, %20 a space; "from=<>" is the null reverse path):
#   tx session=N verb=V from=A outcome=O rcpts=A,B final=C refused=CMD:C,..
#      reversed=0|1 lmtp=0|1 deliveries=A:C,.. client=IP server=IP
#      subject=S msgid=<ID> size=N
#   command session=N verb=V arg=S code=C lines=N
#   session id=N reversed=0|1 turn=TURN|ATRN|- lmtp=0|1 end=fin|rst|...
#   anomaly session=N name=NAME
# Every key but session/id is optional. The k-th tx line of a session is
# checked against the k-th "transaction" record of that session in the
# log, and the number of transactions of each session must match; the
# same for command lines against the "command" records whose verb
# appears in a command line of the file (other verbs are not compared).
# A session line is checked against the "session" record of that id,
# and there must be as many session records as session lines. An
# anomaly line needs an "anomaly" record of that session and name.
#
# rcpts lists the recipients whose RCPT got 2xx, in order; refused the
# commands the server refused inside the transaction, in order. A
# refused RCPT may be kept either in "refused" or as a non-2xx entry of
# "rcpt_to": both are accepted. Addresses are compared without an RFC
# 821 source route ("@A,@B:user@host" is "user@host").
#
# subject and msgid are the message's Subject and Message-ID as the
# receiver stored them ("headers" in the log; "-" for none), size the
# message bytes it received (the log's "size"): the evasion captures
# (captures/make-captures-evasion.sh) compare what the receiver kept, not
# only what it answered. end is the session's "end".
#
# SPDX-License-Identifier: GPL-2.0-or-later
import json
import re
import sys
from urllib.parse import unquote


def norm_addr(a):
    if a is None:
        return None
    a = a.strip()
    if a.startswith("<") and a.endswith(">"):
        a = a[1:-1]
    if a.startswith("@") and ":" in a:
        a = a.split(":", 1)[1]
    return a


def parse_expect(path):
    out = []
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            ln = raw.strip()
            if not ln or ln.startswith("#"):
                continue
            parts = ln.split()
            kv = {}
            for p in parts[1:]:
                k, _, v = p.partition("=")
                kv[k] = unquote(v)
            out.append((n, parts[0], kv, ln))
    return out


def as_bool(v):
    return v in ("1", "true", "yes")


def code(v):
    return None if v in ("-", "") else int(v)


def main():
    if len(sys.argv) != 3:
        print("usage: expectcmp.py JSONL EXPECT", file=sys.stderr)
        return 2
    jpath, epath = sys.argv[1], sys.argv[2]
    txs, cmds, sess, anoms = {}, {}, {}, {}
    try:
        with open(jpath) as f:
            for raw in f:
                raw = raw.strip()
                if not raw:
                    continue
                r = json.loads(raw)
                t = r.get("type")
                sid = r.get("session_id")
                if t == "transaction":
                    txs.setdefault(sid, []).append(r)
                elif t == "command":
                    cmds.setdefault(sid, []).append(r)
                elif t == "session":
                    sess[sid] = r
                elif t == "anomaly":
                    anoms.setdefault(sid, []).append(r.get("name"))
        exp = parse_expect(epath)
    except (OSError, ValueError) as e:
        print("expectcmp: %s" % e, file=sys.stderr)
        return 2

    bad = []

    def mis(n, what, key, got, want):
        bad.append("line %d (%s): %s: got %s, want %s" % (n, what, key, json.dumps(got), json.dumps(want)))

    cmd_verbs = {kv.get("verb") for _, t, kv, _ in exp if t == "command"}
    want_tx, want_cmd = {}, {}
    nsess = 0
    for n, t, kv, ln in exp:
        if t == "tx":
            want_tx.setdefault(int(kv["session"]), []).append((n, kv))
        elif t == "command":
            want_cmd.setdefault(int(kv["session"]), []).append((n, kv))
        elif t == "session":
            nsess += 1
        elif t != "anomaly":
            bad.append("line %d: unknown record type %r" % (n, t))

    # transactions, in order per session
    for sid in sorted(set(want_tx) | set(txs), key=lambda x: (x is None, x or 0)):
        w = want_tx.get(sid, [])
        g = txs.get(sid, [])
        if len(g) != len(w):
            bad.append("session %s: %d transaction records, want %d" % (sid, len(g), len(w)))
        for i, (n, kv) in enumerate(w):
            what = "tx session=%s #%d" % (sid, i + 1)
            if i >= len(g):
                bad.append("line %d (%s): no such transaction record" % (n, what))
                continue
            r = g[i]
            for k, v in kv.items():
                if k == "session":
                    continue
                if k == "verb":
                    if r.get("verb") != v:
                        mis(n, what, "verb", r.get("verb"), v)
                elif k == "from":
                    want = "" if v == "<>" else v
                    got = r.get("mail_from")
                    if norm_addr(got) != norm_addr(want):
                        mis(n, what, "mail_from", got, want)
                elif k == "outcome":
                    if r.get("outcome") != v:
                        mis(n, what, "outcome", r.get("outcome"), v)
                elif k == "final":
                    if r.get("final_code") != code(v):
                        mis(n, what, "final_code", r.get("final_code"), code(v))
                elif k == "rcpts":
                    want = [] if v == "-" else [norm_addr(x) for x in v.split(",")]
                    got = [norm_addr(x.get("addr")) for x in (r.get("rcpt_to") or [])
                           if isinstance(x.get("code"), int) and 200 <= x["code"] < 300]
                    if got != want:
                        mis(n, what, "rcpt_to (accepted)", got, want)
                elif k == "refused":
                    want = [] if v == "-" else [(x.split(":")[0], int(x.split(":")[1]))
                                                for x in v.split(",")]
                    ref = r.get("refused")
                    if not isinstance(ref, list):
                        mis(n, what, "refused", ref, v)
                        continue
                    got = [(str(x.get("command")).upper(), x.get("code")) for x in ref]
                    if got == want:
                        continue
                    # refused RCPTs may sit in rcpt_to instead
                    w_other = [x for x in want if x[0] != "RCPT"]
                    g_other = [x for x in got if x[0] != "RCPT"]
                    w_rcpt = sorted(x[1] for x in want if x[0] == "RCPT")
                    g_rcpt = [x[1] for x in got if x[0] == "RCPT"]
                    if not g_rcpt:
                        g_rcpt = [x.get("code") for x in (r.get("rcpt_to") or [])
                                  if not (isinstance(x.get("code"), int) and 200 <= x["code"] < 300)]
                    if g_other != w_other or sorted(c for c in g_rcpt if c is not None) != w_rcpt:
                        mis(n, what, "refused", ["%s:%s" % x for x in got], v)
                elif k == "reversed" or k == "lmtp":
                    if k not in r:
                        mis(n, what, k, "(no such key)", as_bool(v))
                    elif bool(r[k]) != as_bool(v):
                        mis(n, what, k, r[k], as_bool(v))
                elif k == "deliveries":
                    want = [] if v == "-" else [(norm_addr(x.rsplit(":", 1)[0]), int(x.rsplit(":", 1)[1]))
                                                for x in v.split(",")]
                    got = [(norm_addr(x.get("addr")), x.get("delivery_code"))
                           for x in (r.get("rcpt_to") or [])
                           if isinstance(x.get("code"), int) and 200 <= x["code"] < 300]
                    if got != want:
                        mis(n, what, "rcpt_to delivery_code", got, want)
                elif k == "client":
                    if r.get("client_ip") != v:
                        mis(n, what, "client_ip", r.get("client_ip"), v)
                elif k == "server":
                    if r.get("server_ip") != v:
                        mis(n, what, "server_ip", r.get("server_ip"), v)
                elif k in ("subject", "msgid"):
                    h = r.get("headers")
                    got = h.get("subject" if k == "subject" else "msg_id") \
                        if isinstance(h, dict) else None
                    want = None if v == "-" else v
                    if got != want:
                        mis(n, what, "headers." + ("subject" if k == "subject" else "msg_id"),
                            got, want)
                elif k == "size":
                    if r.get("size") != int(v):
                        mis(n, what, "size", r.get("size"), int(v))
                else:
                    bad.append("line %d: unknown key %r" % (n, k))

    # command results, in order per session, for the verbs the file names
    for sid in sorted(set(want_cmd) | set(cmds), key=lambda x: (x is None, x or 0)):
        w = want_cmd.get(sid, [])
        g = [r for r in cmds.get(sid, []) if str(r.get("command")).upper() in cmd_verbs]
        if len(g) != len(w):
            bad.append("session %s: %d command records (%s), want %d" % (
                sid, len(g), " ".join(sorted(cmd_verbs)), len(w)))
        for i, (n, kv) in enumerate(w):
            what = "command session=%s #%d" % (sid, i + 1)
            if i >= len(g):
                bad.append("line %d (%s %s): no such command record" % (n, what, kv.get("verb")))
                continue
            r = g[i]
            for k, v in kv.items():
                if k == "session":
                    continue
                if k == "verb":
                    if str(r.get("command")).upper() != v:
                        mis(n, what, "command", r.get("command"), v)
                elif k == "arg":
                    if r.get("argument") != v:
                        mis(n, what, "argument", r.get("argument"), v)
                elif k == "code":
                    if r.get("code") != code(v):
                        mis(n, what, "code", r.get("code"), code(v))
                elif k == "enh":
                    if r.get("enh") != (None if v == "-" else v):
                        mis(n, what, "enh", r.get("enh"), v)
                elif k == "lines":
                    ls = r.get("lines")
                    got = len(ls) if isinstance(ls, list) else ls
                    if got != int(v):
                        mis(n, what, "lines", got, int(v))
                else:
                    bad.append("line %d: unknown key %r" % (n, k))

    # sessions and anomalies
    if len(sess) != nsess:
        bad.append("%d session records, want %d" % (len(sess), nsess))
    for n, t, kv, ln in exp:
        if t == "session":
            sid = int(kv["id"])
            what = "session id=%d" % sid
            r = sess.get(sid)
            if r is None:
                bad.append("line %d (%s): no such session record" % (n, what))
                continue
            for k, v in kv.items():
                if k == "id":
                    continue
                if k in ("reversed", "lmtp"):
                    if k not in r:
                        mis(n, what, k, "(no such key)", as_bool(v))
                    elif bool(r[k]) != as_bool(v):
                        mis(n, what, k, r[k], as_bool(v))
                elif k == "turn":
                    want = None if v == "-" else v
                    if "turn" not in r:
                        mis(n, what, "turn", "(no such key)", want)
                    elif r["turn"] != want:
                        mis(n, what, "turn", r["turn"], want)
                elif k == "end":
                    if r.get("end") != v:
                        mis(n, what, "end", r.get("end"), v)
                else:
                    bad.append("line %d: unknown key %r" % (n, k))
        elif t == "anomaly":
            sid = int(kv["session"])
            if kv.get("name") not in anoms.get(sid, []):
                bad.append("line %d (anomaly session=%d): no anomaly %r (session has: %s)" % (
                    n, sid, kv.get("name"), ",".join(anoms.get(sid, [])) or "none"))

    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
