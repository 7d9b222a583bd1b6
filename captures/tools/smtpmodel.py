#!/usr/bin/env python3
# smtpmodel.py - ground truth for the captures of make-captures-model.sh.
#
# It reads the records that the software itself kept of each dialogue
# (never the packets, never a dissector):
#   dialog FILE.json      what tools/smtpdialog.py or tools/scriptpeer.py
#                         sent and read, in order
#   postfix-chat MAILLOG  Postfix smtpd -v: "< client: COMMAND" and
#                         "> client: REPLY" lines, session by session
#   postfix-lmtp MAILLOG  Postfix lmtp -v: "> server: COMMAND", "< server:
#                         REPLY" lines of the LMTP client
#   exim-debug FILE       Exim -d: "SMTP<< COMMAND", "SMTP>> REPLY"
#   dovecot-rawlog DIR    Dovecot lmtp_rawlog_dir: .in and .out files,
#                         every line time-stamped
#   swaks FILE            swaks transcripts (" -> ", "<- ", "<** ")
# turns each into one common form (a list of sessions, each a list of
# events: greeting, command with its reply, message data with its
# reply or, for LMTP, one reply per accepted recipient), and applies
# the model "the server's word decides" to it:
#
#   - MAIL/SEND/SOML/SAML granted (2xx/3xx) with no transaction open
#     opens one; refused with none open it is a transaction of its own
#     (rejected for 5xx, tempfail for 4xx) that keeps the recipients the
#     client tried after it (refused RCPTs, never accepted ones) until
#     the next MAIL, a granted RSET/HELO, QUIT or the end; refused while
#     one is open (a nested MAIL) it is listed in that transaction's
#     refused list
#   - RCPT inside a transaction adds a recipient (accepted if 2xx, the
#     refused ones are listed in refused too); DATA refused inside a
#     transaction is listed in refused and the transaction stays open;
#     DATA 354 then the end of data: the final reply decides (LMTP: one
#     reply per accepted recipient, accepted if one of them is 2xx)
#   - HELO/EHLO/LHLO refused inside a transaction: listed in refused;
#     granted: ends an open transaction (aborted); RSET granted and QUIT
#     likewise
#   - TURN/ATRN answered 250 swap the roles: the TCP server becomes the
#     SMTP client (reversed)
#   - VRFY, EXPN, ETRN, ATRN, TURN, HELP, NOOP, and RCPT/DATA/BDAT with
#     no transaction open are command results
#   - a command the server never answered (it hung up) has no effect
#
# and prints or writes the truth numbers (NAME.truth) and the expect
# lines (NAME.expect), see captures/README.md.
#
# usage:
#   smtpmodel.py show KIND SOURCE                the common form, as text
#   smtpmodel.py same KIND1 SRC1 KIND2 SRC2 [--from1 N] [--count1 N]
#                                                the two records agree?
#   smtpmodel.py truth KIND SOURCE [--meta M.json] --name NAME --out DIR
#   smtpmodel.py count KIND SOURCE               sessions, MAIL-family
#                                                commands, commands
#   smtpmodel.py pfcheck MAILLOG                 Postfix's counters and
#                                                queue against its transcript
#   smtpmodel.py lmtpcheck RAWLOGDIR META DOVECOT_LOG MAILDIR POSTFIX_LOG N
#                                                Dovecot's log, the maildirs
#                                                and Postfix's log (first N
#                                                sessions) against the model
#
# SPDX-License-Identifier: GPL-2.0-or-later
import argparse
import glob
import json
import os
import re
import sys

MAIL_VERBS = ("MAIL", "SEND", "SOML", "SAML")
RESULT_VERBS = ("VRFY", "EXPN", "ETRN", "ATRN", "TURN", "HELP", "NOOP")


# ------------------------------------------------------------ loaders
def load_dialog(path):
    with open(path) as f:
        d = json.load(f)
    return d["sessions"]


def _new_session():
    return {"events": []}


def _chat_to_session(items):
    """items: ("c", line) command / ("r", line) reply line, in order, of
    one session whose replies follow their commands in order. After a
    354 to DATA the next reply answers the end of data. LMTP: one reply
    per accepted recipient after the data."""
    s = _new_session()
    ev = s["events"]
    pend = []          # commands waiting for their reply, FIFO
    cur = []           # reply lines being gathered
    lmtp = False
    accepted = 0       # RCPTs answered 2xx in the current transaction
    data_left = 0      # replies still due after the end of data
    data_ev = None
    for kind, line in items:
        if kind == "c":
            if line == "." and data_ev is not None and not data_ev["replies"]:
                continue    # the end of the data (Postfix's client logs it)
            pend.append({"t": "cmd", "by": "client", "line": line, "reply": None})
            continue
        cur.append(line)
        if len(line) >= 4 and line[3] == "-":
            continue
        rep, cur = cur, []
        if data_left:
            data_ev["replies"].append(rep)
            data_left -= 1
            if data_left == 0:
                ev.append(data_ev)
                data_ev = None
            continue
        if not pend:
            if not any(e["t"] == "greeting" for e in ev):
                ev.append({"t": "greeting", "by": "server", "reply": rep})
            else:
                ev.append({"t": "unsolicited", "by": "server", "reply": rep})
            continue
        c = pend.pop(0)
        c["reply"] = rep
        ev.append(c)
        verb = c["line"].split(" ", 1)[0].upper()
        code = rep[-1][:3]
        if verb == "LHLO" and code.startswith("2"):
            lmtp = True
        if verb in MAIL_VERBS and code[0] in "23":
            accepted = 0
        if verb == "RCPT" and code.startswith("2"):
            accepted += 1
        if verb == "RSET" and code.startswith("2"):
            accepted = 0
        if verb == "DATA" and code == "354":
            data_ev = {"t": "data", "by": "client", "replies": []}
            data_left = accepted if lmtp else 1
            if data_left == 0:
                data_left = 1
            accepted = 0
    for c in pend:          # never answered
        ev.append(c)
    if data_ev is not None:
        ev.append(data_ev)
    return s


def load_postfix_chat(path, daemon="smtpd"):
    """Postfix -v chat lines. smtpd: "< peer: command", "> peer: reply".
    lmtp/smtp client: "> peer: command", "< peer: reply". Sessions of
    smtpd end at "disconnect from"; client sessions at QUIT's reply."""
    sessions = []
    cur = None
    rx = re.compile(r"postfix[^ ]*/%s\[(\d+)\]: (.*)$" % daemon)
    with open(path, errors="replace") as f:
        for raw in f:
            m = rx.search(raw.rstrip("\n"))
            if not m:
                continue
            msg = m.group(2)
            if daemon == "smtpd":
                if msg.startswith("connect from "):
                    cur = []
                    continue
                if msg.startswith("disconnect from "):
                    if cur is not None:
                        sessions.append(_chat_to_session(cur))
                    cur = None
                    continue
                mm = re.match(r"([<>]) [^ ]+\[[^]]*\]: ?(.*)$", msg)
                if not mm or cur is None:
                    continue
                cur.append(("c" if mm.group(1) == "<" else "r", mm.group(2)))
            else:
                mm = re.match(r"([<>]) [^ ]+\[[^]]*\]:\d+: ?(.*)$", msg)
                if not mm:
                    continue
                kind = "c" if mm.group(1) == ">" else "r"
                if cur is None:
                    cur = []
                cur.append((kind, mm.group(2)))
                if kind == "r" and mm.group(2).startswith("221 "):
                    sessions.append(_chat_to_session(cur))
                    cur = None
    return sessions


def load_exim_debug(path):
    """Exim -d output: "PID SMTP<< cmd" and "PID SMTP>> reply" lines, one
    process per session. Exim logs only the first line of its EHLO reply
    there; the first reply of a process is its greeting."""
    by_pid = {}
    order = []
    rx = re.compile(r"^\s*(\d+) SMTP(<<|>>) (.*)$")
    with open(path, errors="replace") as f:
        for raw in f:
            m = rx.match(raw.rstrip("\n"))
            if not m:
                continue
            pid, d, text = m.groups()
            if text.startswith("(close on process exit)"):
                continue
            if pid not in by_pid:
                by_pid[pid] = []
                order.append(pid)
            by_pid[pid].append(("c" if d == "<<" else "r", text))
    out = []
    for pid in order:
        items = by_pid[pid]
        # an EHLO reply shown as one "250-..." line: close it
        fixed = []
        for i, (k, t) in enumerate(items):
            nxt = items[i + 1] if i + 1 < len(items) else None
            if k == "r" and len(t) >= 4 and t[3] == "-" and (nxt is None or nxt[0] == "c"):
                t = t[:3] + " " + t[4:]
            fixed.append((k, t))
        out.append(_chat_to_session(fixed))
    return out


def load_dovecot_rawlog(path):
    """lmtp_rawlog_dir: per session NAME.in (client lines) and NAME.out
    (server lines), each line "SECONDS.USEC text". Message lines (after
    354 up to the lone ".") are skipped; the "." is kept as the end."""
    sessions = []
    ins = sorted(glob.glob(os.path.join(path, "*.in")))

    def read(fn):
        rows = []
        with open(fn, "rb") as f:
            for raw in f:
                raw = raw.rstrip(b"\n").rstrip(b"\r")
                ts, _, text = raw.partition(b" ")
                rows.append((float(ts), text.decode("utf-8", "replace")))
        return rows

    keyed = []
    for fin in ins:
        fout = fin[:-3] + ".out"
        cin = read(fin)
        cout = read(fout) if os.path.exists(fout) else []
        keyed.append((min([r[0] for r in cin + cout] or [0]), cin, cout))
    keyed.sort()
    for _, cin, cout in keyed:
        # interleave by time; for equal stamps a reply comes after the
        # command (a reply is written after the command was read)
        merged = [(t, 1, "c", x) for t, x in cin] + [(t, 0, "r", x) for t, x in cout]
        merged.sort(key=lambda r: (r[0], r[1] if r[2] == "c" else 2))
        # the lines of a message are not commands: skip them, which
        # needs to know which reply answers DATA (pipelining: MAIL, RCPT
        # and DATA may come in one go, their replies later)
        items = []
        indata = False
        pend = []       # verbs (or ".") waiting for their final reply
        lmtp = False
        acc = 0
        for t, _, k, x in merged:
            if k == "c":
                if indata:
                    if x == ".":
                        indata = False
                        pend.extend(["."] * (max(acc, 1) if lmtp else 1))
                        acc = 0
                    continue
                items.append(("c", x))
                pend.append(x.split(" ", 1)[0].upper())
            else:
                items.append(("r", x))
                if len(x) >= 4 and x[3] == "-":
                    continue
                v = pend.pop(0) if pend else None
                ok = x[:1] == "2"
                if v == "LHLO" and ok:
                    lmtp = True
                elif v in MAIL_VERBS and ok:
                    acc = 0
                elif v == "RCPT" and ok:
                    acc += 1
                elif v == "DATA":
                    indata = x.startswith("354")
        sessions.append(_chat_to_session(items))
    return sessions


def load_swaks(path):
    """swaks transcripts: "=== Connected to" starts a session, " -> " a
    line sent, "<- " / "<** " a line read. Message lines are skipped."""
    sessions = []
    items = None
    indata = False
    with open(path, errors="replace") as f:
        for raw in f:
            ln = raw.rstrip("\n")
            if ln.startswith("=== Connected to"):
                if items is not None:
                    sessions.append(_chat_to_session(items))
                items = []
                indata = False
                continue
            if items is None:
                continue
            if ln.startswith(" -> ") or ln == " ->":
                text = ln[4:]
                if indata:
                    if text == ".":
                        indata = False
                    continue
                items.append(("c", text))
                if text.upper() == "DATA":
                    indata = "wait"
            elif ln.startswith("<-  ") or ln.startswith("<** "):
                text = ln[4:]
                items.append(("r", text))
                if indata == "wait":
                    indata = text.startswith("354")
    if items is not None:
        sessions.append(_chat_to_session(items))
    return sessions


LOADERS = {
    "dialog": load_dialog,
    "postfix-chat": lambda p: load_postfix_chat(p, "smtpd"),
    "postfix-lmtp": lambda p: load_postfix_chat(p, "lmtp"),
    "exim-debug": load_exim_debug,
    "dovecot-rawlog": load_dovecot_rawlog,
    "swaks": load_swaks,
}


def load(kind, src):
    return LOADERS[kind](src)


# ------------------------------------------------------------- compare
def _key(ev):
    if ev["t"] == "cmd":
        r = ev["reply"]
        if r is None:
            return ("cmd", ev["line"], None)
        verb = ev["line"].split(" ", 1)[0].upper()
        if verb in ("EHLO", "LHLO"):	# Exim logs one line of it
            return ("cmd", ev["line"], r[-1][:3])
        return ("cmd", ev["line"], tuple(r))
    if ev["t"] == "data":
        return ("data", tuple(tuple(r) for r in ev["replies"]))
    if ev["t"] == "greeting":
        return ("greeting", ev["reply"][-1][:3])
    return None


def same(a, b):
    """Lists the differences between two records of the same dialogues."""
    diffs = []
    if len(a) != len(b):
        diffs.append("%d sessions against %d" % (len(a), len(b)))
    for i, (sa, sb) in enumerate(zip(a, b), 1):
        # a command never answered (the server hung up first) is not in
        # the server's record: left out
        ka = [k for k in map(_key, sa["events"]) if k and k[-1] is not None]
        kb = [k for k in map(_key, sb["events"]) if k and k[-1] is not None]
        if ka != kb:
            for j, (x, y) in enumerate(zip(ka, kb)):
                if x != y:
                    diffs.append("session %d event %d: %r against %r" % (i, j + 1, x, y))
                    break
            else:
                diffs.append("session %d: %d events against %d" % (i, len(ka), len(kb)))
    return diffs


# --------------------------------------------------------------- model
def path_of(arg):
    """The address in FROM:<...> / TO:<...> (a source route dropped as
    RFC 5321 4.1.1.3 allows; "" for <>)."""
    m = re.match(r"(?i)\s*(?:FROM|TO):\s*<([^>]*)>", arg)
    if not m:
        m = re.match(r"(?i)\s*(?:FROM|TO):\s*(\S*)", arg)
        return m.group(1) if m else arg.strip()
    a = m.group(1)
    if a.startswith("@") and ":" in a:
        a = a.split(":", 1)[1]
    return a


def code_of(rep):
    return int(rep[-1][:3]) if rep and rep[-1][:3].isdigit() else 0


def model(sessions, meta=None, txlist=None):
    """Returns (truth dict, expect lines, notes); appends each transaction
    (a dict) to txlist when given."""
    meta = meta or {}
    lines = []
    notes = []
    if txlist is None:
        txlist = []
    t = {"sessions": 0, "transactions": 0, "messages_accepted": 0,
         "recipients_accepted": 0}
    for sid, s in enumerate(sessions, 1):
        t["sessions"] += 1
        cip = s.get("client", meta.get("client", "?"))
        sip = s.get("server", meta.get("server", "?"))
        sport = s.get("server_port", meta.get("server_port", 25))
        ipof = {"client": cip, "server": sip}
        st = {"tx": None, "reversed": False, "turn": None, "lmtp": False}

        def close(outcome, final=None):
            tx = st["tx"]
            st["tx"] = None
            # a refused MAIL's record keeps the outcome of its refusal
            emit_tx(tx, tx.get("attempt_outcome", outcome), final)

        def emit_tx(tx, outcome, final):
            tx["session"] = sid
            tx["outcome"] = outcome
            tx["final"] = final
            txlist.append(tx)
            t["transactions"] += 1
            if outcome == "accepted":
                t["messages_accepted"] += 1
            acc = [a for a, c in tx["rcpts"] if 200 <= c < 300]
            t["recipients_accepted"] += len(acc)
            f = ["tx", "session=%d" % sid, "verb=%s" % tx["verb"],
                 "from=%s" % (tx["from"] or "<>"), "outcome=%s" % outcome,
                 "rcpts=%s" % (",".join(acc) or "-")]
            if not tx["lmtp"]:
                f.append("final=%s" % (final if final else "-"))
            if not tx.get("refused_mail"):
                f.append("refused=%s" % (",".join("%s:%d" % r for r in tx["refused"]) or "-"))
            f.append("reversed=%d" % tx["reversed"])
            f.append("lmtp=%d" % tx["lmtp"])
            if tx["lmtp"] and tx.get("deliveries") is not None:
                f.append("deliveries=%s" % (",".join("%s:%d" % d for d in tx["deliveries"]) or "-"))
            f.append("client=%s" % tx["client"])
            f.append("server=%s" % tx["server"])
            lines.append(" ".join(f))

        for ev in s["events"]:
            k = ev["t"]
            if k == "cmd":
                line = ev["line"]
                verb, _, arg = line.partition(" ")
                verb = verb.upper()
                rep = ev["reply"]
                if rep is None:
                    notes.append("session %d: %s never answered (no effect)" % (sid, line))
                    continue
                code = code_of(rep)
                ok = 200 <= code < 400
                if len(set(r[:3] for r in rep)) > 1:
                    lines.append("anomaly session=%d name=reply_code_mismatch" % sid)
                by = ev.get("by", "client")
                other = "server" if by == "client" else "client"
                if verb in MAIL_VERBS:
                    if st["tx"] is not None:
                        if ok or st["tx"].get("refused_mail"):
                            close("aborted")
                        else:
                            st["tx"]["refused"].append((verb, code))
                            continue
                    tx = {"verb": verb, "from": path_of(arg), "rcpts": [],
                          "refused": [], "reversed": st["reversed"],
                          "lmtp": st["lmtp"], "client": ipof[by],
                          "server": ipof[other]}
                    if not ok:
                        tx["refused_mail"] = True
                        tx["attempt_outcome"] = "rejected" if code >= 500 else "tempfail"
                    st["tx"] = tx
                elif verb == "RCPT" and st["tx"] is not None:
                    st["tx"]["rcpts"].append((path_of(arg), code))
                    if not 200 <= code < 300:
                        st["tx"]["refused"].append(("RCPT", code))
                elif verb == "DATA" and st["tx"] is not None:
                    if code != 354 and not st["tx"].get("refused_mail"):
                        st["tx"]["refused"].append(("DATA", code))
                elif verb in ("HELO", "EHLO", "LHLO"):
                    if 200 <= code < 300:
                        if st["tx"] is not None:
                            close("aborted")
                        if verb == "LHLO":
                            st["lmtp"] = True
                            if sport == 25:
                                lines.append("anomaly session=%d name=lmtp_on_port_25" % sid)
                    elif st["tx"] is not None:
                        st["tx"]["refused"].append((verb, code))
                elif verb == "RSET":
                    if 200 <= code < 300 and st["tx"] is not None:
                        close("aborted")
                elif verb == "QUIT":
                    if st["tx"] is not None:
                        close("aborted")
                elif verb in RESULT_VERBS or verb in ("RCPT", "DATA", "BDAT"):
                    f = ["command", "session=%d" % sid, "verb=%s" % verb]
                    if arg:
                        f.append("arg=%s" % arg.replace("%", "%25").replace(" ", "%20"))
                    f.append("code=%d" % code)
                    f.append("lines=%d" % len(rep))
                    lines.append(" ".join(f))
                    if verb in ("TURN", "ATRN") and code == 250:
                        st["reversed"] = not st["reversed"]
                        st["turn"] = verb
                elif verb in ("AUTH", "STARTTLS"):
                    pass
                else:
                    notes.append("session %d: %s not modelled" % (sid, verb))
            elif k == "data":
                tx = st["tx"]
                if tx is None:
                    notes.append("session %d: data outside a transaction" % sid)
                    continue
                if tx["lmtp"]:
                    acc = [a for a, c in tx["rcpts"] if 200 <= c < 300]
                    codes = [code_of(r) for r in ev["replies"]]
                    tx["deliveries"] = list(zip(acc, codes))
                    if any(200 <= c < 300 for c in codes):
                        out = "accepted"
                    elif codes and all(c >= 500 for c in codes):
                        out = "rejected"
                    else:
                        out = "tempfail"
                    close(out)
                else:
                    c = code_of(ev["replies"][0])
                    tx["final_text"] = ev["replies"][0][-1]
                    out = ("accepted" if 200 <= c < 300 else
                           "tempfail" if 400 <= c < 500 else "rejected")
                    close(out, c)
        if st["tx"] is not None:
            close("lost")
        lines.append("session id=%d reversed=%d turn=%s lmtp=%d" % (
            sid, st["reversed"], st["turn"] or "-", st["lmtp"]))
    return t, lines, notes


# ------------------------------------------------------------- checks
PF_VERBS = ("helo", "ehlo", "starttls", "auth", "mail", "rcpt", "data", "bdat",
            "rset", "noop", "vrfy", "etrn", "quit", "xclient", "xforward")


def pf_counts(sess):
    """What Postfix's "disconnect from" line should say for a session:
    per command name ok/total (ok: a 2xx or 3xx reply)."""
    cnt = {}
    for e in sess["events"]:
        if e["t"] != "cmd" or e["reply"] is None:
            continue
        v = e["line"].split(" ", 1)[0].lower()
        v = v if v in PF_VERBS else "unknown"
        okc = 1 if 200 <= code_of(e["reply"]) < 400 else 0
        a = cnt.setdefault(v, [0, 0])
        a[0] += okc
        a[1] += 1
    tot = [sum(a[0] for a in cnt.values()), sum(a[1] for a in cnt.values())]
    cnt["commands"] = tot
    return {k: (str(a[0]) if a[0] == a[1] else "%d/%d" % tuple(a)) for k, a in cnt.items()}


def pfcheck(maillog):
    """Postfix's own counters and queue against its transcript: each
    "disconnect from" line, and for each accepted transaction the queue
    id in its 250 reply, logged by qmgr with the same sender and the
    number of accepted recipients."""
    sessions = load_postfix_chat(maillog, "smtpd")
    discs = []
    qmgr = {}
    with open(maillog, errors="replace") as f:
        for ln in f:
            m = re.search(r"/smtpd\[\d+\]: disconnect from \S+ (.*)$", ln)
            if m:
                discs.append(dict(x.split("=", 1) for x in m.group(1).split()))
            m = re.search(r"/qmgr\[\d+\]: ([0-9A-F]+): from=<([^>]*)>, size=\d+, nrcpt=(\d+)", ln)
            if m:
                qmgr[m.group(1)] = (m.group(2), int(m.group(3)))
    bad = []
    if len(discs) != len(sessions):
        bad.append("%d disconnect lines, %d sessions" % (len(discs), len(sessions)))
    for i, (s, d) in enumerate(zip(sessions, discs), 1):
        want = pf_counts(s)
        if want != d:
            bad.append("session %d: Postfix counted %s, the transcript %s" % (
                i, " ".join("%s=%s" % x for x in sorted(d.items())),
                " ".join("%s=%s" % x for x in sorted(want.items()))))
        else:
            print("   session %d: Postfix's counters agree: %s" % (
                i, " ".join("%s=%s" % x for x in d.items())))
    txs = []
    model(sessions, {}, txs)
    for tx in txs:
        if tx["outcome"] != "accepted":
            continue
        m = re.search(r"queued as ([0-9A-F]+)", tx.get("final_text", ""))
        if not m:
            bad.append("session %d: no queue id in %r" % (tx["session"], tx.get("final_text")))
            continue
        q = qmgr.get(m.group(1))
        acc = [a for a, c in tx["rcpts"] if 200 <= c < 300]
        if q != (tx["from"], len(acc)):
            bad.append("session %d: queue id %s: qmgr logged %r, the model %r" % (
                tx["session"], m.group(1), q, (tx["from"], len(acc))))
        else:
            print("   session %d: %s queued, from=<%s> nrcpt=%d as in the model" % (
                tx["session"], m.group(1), q[0], q[1]))
    for b in bad:
        print("   MISMATCH: " + b)
    return 1 if bad else 0


def lmtpcheck(rawlog, metafile, dovecot_log, maildir, pflog, npf):
    """Dovecot's log, the maildirs and Postfix's log against the model of
    Dovecot's raw logs: "saved mail to INBOX" = deliveries answered 2xx,
    "Quota exceeded" = deliveries answered 552, "unknown user" = RCPTs
    answered 550, each user's maildir holds the messages delivered to
    it; Postfix (the first npf sessions) logged status=sent for each
    delivery it got 2xx for and status=bounced for each 5xx (at RCPT or
    after the data)."""
    sessions = load_dovecot_rawlog(rawlog)
    with open(metafile) as f:
        meta = json.load(f)
    for s, m in zip(sessions, meta.get("sessions", [])):
        s.update(m)
    txs = []
    model(sessions, meta, txs)
    bad = []
    saved, quota, r550 = 0, 0, 0
    per_user = {}
    pf_sent = pf_bounced = 0
    for tx in txs:
        for a, c in tx["rcpts"]:
            if c == 550:
                r550 += 1
                if tx["session"] <= npf:
                    pf_bounced += 1
        for a, c in tx.get("deliveries") or []:
            if 200 <= c < 300:
                saved += 1
                u = a.split("@")[0]
                per_user[u] = per_user.get(u, 0) + 1
                if tx["session"] <= npf:
                    pf_sent += 1
            elif c == 552:
                quota += 1
                if tx["session"] <= npf:
                    pf_bounced += 1
    log = open(dovecot_log, errors="replace").read()
    got = (len(re.findall(r": saved mail to INBOX", log)),
           len(re.findall(r": save failed to INBOX: Quota exceeded", log)),
           len(re.findall(r"passwd-file\([^)]*\): unknown user", log)))
    if got != (saved, quota, r550):
        bad.append("Dovecot logged %d saved, %d over quota, %d unknown users; the model "
                   "%d, %d, %d" % (got + (saved, quota, r550)))
    else:
        print("   Dovecot's log: %d saved mail to INBOX, %d Quota exceeded, %d unknown "
              "users, as in the model" % got)
    for u in sorted(set(per_user) | set(os.listdir(maildir))):
        n = 0
        for sub in ("new", "cur"):
            d = os.path.join(maildir, u, "Maildir", sub)
            if os.path.isdir(d):
                n += len(os.listdir(d))
        if n != per_user.get(u, 0):
            bad.append("maildir of %s holds %d messages, the model delivered %d" % (
                u, n, per_user.get(u, 0)))
        else:
            print("   maildir of %s: %d messages, as in the model" % (u, n))
    pf = open(pflog, errors="replace").read()
    got = (len(re.findall(r"/lmtp\[\d+\]: [0-9A-F]+: to=<[^>]*>.* status=sent ", pf)),
           len(re.findall(r"/lmtp\[\d+\]: [0-9A-F]+: to=<[^>]*>.* status=bounced ", pf)))
    if got != (pf_sent, pf_bounced):
        bad.append("Postfix logged %d sent, %d bounced; the model %d, %d" % (
            got + (pf_sent, pf_bounced)))
    else:
        print("   Postfix's log: %d status=sent, %d status=bounced, as in the model" % got)
    for b in bad:
        print("   MISMATCH: " + b)
    return 1 if bad else 0


def count(sessions):
    """sessions, MAIL-family commands sent (answered or not), commands"""
    nm = nc = 0
    for s in sessions:
        for e in s["events"]:
            if e["t"] == "cmd":
                nc += 1
                if e["line"].split(" ", 1)[0].upper() in MAIL_VERBS:
                    nm += 1
    return "%d %d %d" % (len(sessions), nm, nc)


# ---------------------------------------------------------------- show
def show(sessions):
    out = []
    for i, s in enumerate(sessions, 1):
        out.append("session %d %s -> %s:%s" % (i, s.get("client", "?"),
                                               s.get("server", "?"), s.get("server_port", "?")))
        for e in s["events"]:
            who = e.get("by", "")
            if e["t"] == "cmd":
                r = e["reply"]
                out.append("  %-6s %s -> %s" % (who, e["line"], " | ".join(r) if r else "(no reply)"))
            elif e["t"] == "data":
                out.append("  %-6s <data> . -> %s" % (who, " || ".join(" | ".join(r) for r in e["replies"])))
            elif e["t"] in ("greeting", "unsolicited"):
                out.append("  %-6s %s %s" % (who, e["t"], " | ".join(e["reply"])))
            else:
                out.append("  %-6s %s" % (who, e["t"]))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="op", required=True)
    p = sub.add_parser("show")
    p.add_argument("kind", choices=sorted(LOADERS))
    p.add_argument("src")
    p = sub.add_parser("same")
    p.add_argument("kind1", choices=sorted(LOADERS))
    p.add_argument("src1")
    p.add_argument("kind2", choices=sorted(LOADERS))
    p.add_argument("src2")
    p.add_argument("--from1", type=int, default=1,
                   help="compare the sessions of the first record from this one on")
    p.add_argument("--count1", type=int, default=0,
                   help="and only this many of them")
    p = sub.add_parser("count")
    p.add_argument("kind", choices=sorted(LOADERS))
    p.add_argument("src")
    p = sub.add_parser("pfcheck")
    p.add_argument("maillog")
    p = sub.add_parser("lmtpcheck")
    for x in ("rawlog", "meta", "dovecot_log", "maildir", "pflog"):
        p.add_argument(x)
    p.add_argument("npf", type=int)
    p = sub.add_parser("truth")
    p.add_argument("kind", choices=sorted(LOADERS))
    p.add_argument("src")
    p.add_argument("--meta", help="JSON: client, server, server_port, and "
                   "per-session overrides as \"sessions\": [{...}]")
    p.add_argument("--name", required=True)
    p.add_argument("--out", required=True)
    a = ap.parse_args()
    if a.op == "show":
        print(show(load(a.kind, a.src)))
        return 0
    if a.op == "count":
        print(count(load(a.kind, a.src)))
        return 0
    if a.op == "pfcheck":
        return pfcheck(a.maillog)
    if a.op == "lmtpcheck":
        return lmtpcheck(a.rawlog, a.meta, a.dovecot_log, a.maildir, a.pflog, a.npf)
    if a.op == "same":
        s1 = load(a.kind1, a.src1)[a.from1 - 1:]
        if a.count1:
            s1 = s1[:a.count1]
        d = same(s1, load(a.kind2, a.src2))
        for x in d:
            print(x)
        return 1 if d else 0
    sessions = load(a.kind, a.src)
    meta = {}
    if a.meta:
        with open(a.meta) as f:
            meta = json.load(f)
        for s, m in zip(sessions, meta.get("sessions", [])):
            s.update(m)
    t, lines, notes = model(sessions, meta)
    with open(os.path.join(a.out, a.name + ".truth"), "w") as f:
        for k in ("sessions", "transactions", "messages_accepted", "recipients_accepted"):
            f.write("%s %d\n" % (k, t[k]))
    with open(os.path.join(a.out, a.name + ".expect"), "w") as f:
        f.write("# %s: what smtpscope must log (tests/t-model.sh, captures/README.md)\n" % a.name)
        f.write("# derived by tools/smtpmodel.py from %s\n" % {
            "dialog": "the peer's own record of what it sent and read",
            "postfix-chat": "Postfix smtpd's own transcript (smtpd -v)",
            "postfix-lmtp": "Postfix lmtp's own transcript (lmtp -v)",
            "exim-debug": "Exim's own transcript (exim -d: SMTP<< / SMTP>>)",
            "dovecot-rawlog": "Dovecot's own transcript (lmtp_rawlog_dir)",
            "swaks": "the swaks transcripts"}[a.kind])
        for ln in lines:
            f.write(ln + "\n")
    print("   truth: sessions %d transactions %d messages_accepted %d recipients_accepted %d" % (
        t["sessions"], t["transactions"], t["messages_accepted"], t["recipients_accepted"]))
    for n in notes:
        print("   note: " + n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
