#!/usr/bin/env python3
# check-pflogsumm.py PFLOGSUMM-OUT MAILLOG IN.json OUT.json IN.txt OUT.txt
#
# tests/t-pflogsumm.sh: every count pflogsumm prints from Postfix's own
# log (captures/pflogsumm.maillog) set beside smtpscope's report on the
# capture of the same traffic (captures/pflogsumm.pcap). IN is the report
# of what the Postfix received (its smtpd, 127.0.0.10), OUT of what its
# smtp client sent on (from 127.0.0.11). What the wire cannot show is
# taken from the log and named in the check's line (docs/pflogsumm.md).
# Prints one "ok NAME" or "FAIL NAME: why" line a check, each naming the
# numbers both sides gave.
# SPDX-License-Identifier: GPL-2.0-or-later
import json
import re
import sys

pfl_path, log_path, in_path, out_path, intxt_path, outtxt_path = sys.argv[1:7]
PF = open(pfl_path, encoding="utf-8", errors="replace").read()
LOG = open(log_path, encoding="utf-8", errors="replace").read().splitlines()
IN = json.load(open(in_path))
OUT = json.load(open(out_path))
INTXT = open(intxt_path, encoding="utf-8").read()
OUTTXT = open(outtxt_path, encoding="utf-8").read()


def say(name, good, why):
    if good:
        print("ok pflogsumm-%s" % name)
    else:
        print("FAIL pflogsumm-%s: %s" % (name, why))


def num(s):
    """pflogsumm's numbers: 123, 12k, 3m (adj_int_units)."""
    s = s.strip()
    m = re.fullmatch(r"(\d+)([km]?)", s)
    if not m:
        raise ValueError("not a pflogsumm number: %r" % s)
    return int(m.group(1)) * {"": 1, "k": 1024, "m": 1048576}[m.group(2)]


# ---------------------------------------------------------- pflogsumm
def section(title):
    """The lines of a section: after its title and the dashes under it,
    to the first empty line."""
    lines = PF.splitlines()
    for i, l in enumerate(lines):
        if l.strip() == title and i + 1 < len(lines) and \
                set(lines[i + 1].strip()) == {"-"}:
            body = []
            for l2 in lines[i + 2:]:
                if not l2.strip():
                    if body:
                        break
                    continue
                body.append(l2)
            return body
    return None


def grand_lines():
    """Grand Totals has blank lines inside: to the next titled section."""
    lines = PF.splitlines()
    out, on = [], False
    for i, l in enumerate(lines):
        under = i + 1 < len(lines) and lines[i + 1].strip() and \
            set(lines[i + 1].strip()) == {"-"}
        if under:
            if on:
                break
            on = l.strip() == "Grand Totals"
        elif on:
            out.append(l)
    return out


grand = {}
for l in grand_lines():
    m = re.match(r"\s*(\d+[km]?)\s+(.*?)\s*$", l)
    if m:
        grand[re.sub(r"\s*\(.*$", "", m.group(2))] = num(m.group(1))
        d = re.search(r"\((\d+[km]?)\s+deferrals\)", m.group(2))
        if d:
            grand["deferrals"] = num(d.group(1))


def rows(title, ncols):
    """A table's rows: ncols numbers (dly columns skipped), then a key."""
    out = {}
    for l in section(title) or []:
        f = l.split()
        if not f or not re.fullmatch(r"\d+[km]?", f[0]):
            continue
        nums = [x for x in f[:-1] if re.fullmatch(r"\d+[km]?", x)]
        out[f[-1]] = [num(x) for x in nums[:ncols]]
    return out


delivery = rows("Host/Domain Summary: Message Delivery", 3)
received_by = rows("Host/Domain Summary: Messages Received", 2)
senders_n = {k: v[0] for k, v in rows("Senders by message count", 1).items()}
rcpts_n = {k: v[0] for k, v in rows("Recipients by message count", 1).items()}
senders_b = {k: v[0] for k, v in rows("Senders by message size", 1).items()}
rcpts_b = {k: v[0] for k, v in rows("Recipients by message size", 1).items()}
conns = {k: v[0] for k, v in
         rows("Host/Domain Summary: SMTPD Connections", 1).items()}
per_hour = {}
for l in section("Per-Hour Traffic Summary") or []:
    m = re.match(r"\s*(\d\d)00-\d{4}\s+(.*)$", l)
    if m:
        per_hour[int(m.group(1))] = [num(x) for x in m.group(2).split()]


def detail(title):
    """A nested detail section: {group: {reason: {who: count}}} (a
    reason's own lines are its "who" under it; a two-level section, as
    the deferral detail, has the reasons as its "who")."""
    out = {}
    lines = section(title) or []
    group = reason = None
    for l in lines:
        ind = len(l) - len(l.lstrip())
        t = l.strip()
        m = re.match(r"(\d+)\s+(.*)$", t)
        if m and reason is not None and ind > 6:
            out[group][reason][m.group(2)] = int(m.group(1))
        elif m and group is not None:
            out[group].setdefault("", {})[m.group(2)] = int(m.group(1))
        elif ind <= 2:
            group = re.sub(r"\s*\(total: \d+\)$", "", t)
            out[group] = {}
            reason = None
        else:
            reason = re.sub(r"\s*\(total: \d+\)$", "", t)
            out[group][reason] = {}
    return out


rejects = detail("message reject detail")
deferrals = detail("message deferral detail")
bounces = detail("message bounce detail (by relay)")
warnings = detail("Warnings")

# ---------------------------------------------------------- the log
# Deliveries by a Postfix delivery agent that speaks no SMTP (local,
# discard, virtual, pipe, error): no wire shows them.
local_sent = {}          # recipient -> deliveries
local_dom = {}           # domain -> deliveries
for l in LOG:
    m = re.search(r"postfix[^ ]*/(local|discard|virtual|pipe|error)\[\d+\]: "
                  r"\w+: to=<([^>]*)>.*status=sent", l)
    if m:
        r = m.group(2).lower()
        local_sent[r] = local_sent.get(r, 0) + 1
        d = r.split("@")[-1]
        local_dom[d] = local_dom.get(d, 0) + 1
# Deferrals of attempts that never reached an SMTP dialogue (connection
# refused or timed out, no route, DNS): a SYN at most on the wire.
unconnected = {}         # domain -> deferrals
for l in LOG:
    m = re.search(r"/smtp\[\d+\]: \w+: to=<([^>]*)>, .*status=deferred "
                  r"\((connect to|lost connection|Host or domain name not "
                  r"found|delivery temporarily suspended)", l)
    if m:
        d = m.group(1).lower().split("@")[-1]
        unconnected[d] = unconnected.get(d, 0) + 1
# Of those, the connections the next hop refused: Postfix's smtp client
# logs each once ("connect to HOST[ADDR]:PORT: Connection refused"),
# whatever the recipients; the wire has their SYN and RST.
refused_conns = sum(1 for l in LOG if re.search(
    r"/smtp\[\d+\]: connect to [^ ]+: Connection refused$", l.rstrip()))


# ---------------------------------------------------------- smtpscope
def bd(rep, table):
    return {r["key"]: r for r in rep["breakdown"][table]["rows"]}


in_send = bd(IN, "senders")
in_sdom = bd(IN, "sender_domains")
in_clients = bd(IN, "clients")
out_rcpt = bd(OUT, "recipients")
out_rdom = bd(OUT, "recipient_domains")
out_servers = bd(OUT, "servers")


def acc(t, k, f="accepted"):
    return t[k][f] if k in t else 0


# ---------------------------------------------------------- the checks
got, want = IN["messages_accepted"], grand.get("received")
say("received", got == want,
    "pflogsumm received %s, smtpscope messages_accepted %s (to the "
    "Postfix)" % (want, got))

n = grand.get("delivered")
wire = sum(r["accepted"] for r in out_rcpt.values())
loc = sum(local_sent.values())
say("delivered", n == wire + loc,
    "pflogsumm delivered %s, smtpscope %s recipients accepted by next hops "
    "+ %s delivered without SMTP (the log)" % (n, wire, loc))

n = grand.get("deferrals")
wire = sum(r["tempfail"] for r in out_rdom.values())
unc = sum(unconnected.values())
say("deferrals", n == wire + unc,
    "pflogsumm %s deferrals, smtpscope %s recipients refused 4xx by next "
    "hops + %s attempts that never connected (the log)" % (n, wire, unc))

got = OUT["attempts"]["refused"]
say("refused-connections", got == refused_conns and got > 0,
    "Postfix logged %s connections refused, smtpscope %s attempts refused "
    "(the deferrals that never connected above)" % (refused_conns, got))

n = grand.get("bounced")
wire = sum(r["rejected"] for r in out_rdom.values())
say("bounced", n == wire,
    "pflogsumm bounced %s, smtpscope %s recipients refused 5xx by next "
    "hops" % (n, wire))

n = grand.get("rejected")
wire = IN["reject_reasons"]["total"]
say("rejected", n == wire,
    "pflogsumm rejected %s, smtpscope %s refusals (reject_reasons, to the "
    "Postfix)" % (n, wire))

n = grand.get("bytes delivered")
wire = sum(r["bytes"] for r in out_rcpt.values())
loc = sum(rcpts_b.get(r, 0) for r in local_sent)
say("bytes-delivered", n == wire + loc,
    "pflogsumm bytes delivered %s, smtpscope %s (recipients accepted by "
    "next hops) + %s delivered without SMTP" % (n, wire, loc))

# Postfix counts the message it queued: what the client sent plus the
# Received: header it prepends (one a message, 100 to 300 bytes here).
n, wire, k = grand.get("bytes received"), IN["bytes_accepted"], \
    IN["messages_accepted"]
say("bytes-received", n is not None and k > 0 and
    100 * k <= n - wire <= 300 * k,
    "pflogsumm bytes received %s, smtpscope bytes_accepted %s for %s "
    "messages: not the Received: header's 100 to 300 bytes a message"
    % (n, wire, k))

n = grand.get("senders")
wire = sum(1 for r in in_send.values() if r["accepted"] > 0)
say("senders", n == wire,
    "pflogsumm %s senders, smtpscope %s senders with a message accepted"
    % (n, wire))

n = grand.get("sending hosts/domains")
wire = sum(1 for r in in_sdom.values() if r["accepted"] > 0)
say("sending-domains", n == wire,
    "pflogsumm %s sending hosts/domains, smtpscope %s sender domains with "
    "a message accepted" % (n, wire))

n = grand.get("recipients")
wire = set(k for k, r in out_rcpt.items() if r["accepted"] > 0)
loc = set(local_sent) - wire
say("recipients", n == len(wire) + len(loc),
    "pflogsumm %s recipients, smtpscope %s recipients accepted by next "
    "hops + %s delivered only without SMTP" % (n, len(wire), len(loc)))

n = grand.get("recipient hosts/domains")
wire = set(k for k, r in out_rdom.items() if r["accepted"] > 0)
loc = set(local_dom) - wire
say("recipient-domains", n == len(wire) + len(loc),
    "pflogsumm %s recipient hosts/domains, smtpscope %s + %s delivered only "
    "without SMTP" % (n, len(wire), len(loc)))

# Host/Domain Summary: Message Delivery: sent cnt, bytes, defers
bad = []
for d, (sent, byts, defers) in sorted(delivery.items()):
    if local_dom.get(d):
        if sent != local_dom[d] + acc(out_rdom, d):
            bad.append("%s: sent %s, local %s + wire %s" %
                       (d, sent, local_dom[d], acc(out_rdom, d)))
        continue
    w = (acc(out_rdom, d), acc(out_rdom, d, "bytes"),
         acc(out_rdom, d, "tempfail") + unconnected.get(d, 0))
    if (sent, byts, defers) != w:
        bad.append("%s: pflogsumm sent %s bytes %s defers %s, smtpscope "
                   "accepted %s bytes %s tempfail+unconnected %s" %
                   ((d, sent, byts, defers) + w))
extra = [d for d, r in out_rdom.items()
         if (r["accepted"] or r["tempfail"]) and d not in delivery]
if extra:
    bad.append("smtpscope only: %s" % extra)
say("per-domain-delivery", delivery and not bad, "; ".join(bad) or
    "no Message Delivery table")

# Host/Domain Summary: Messages Received: msg cnt (bytes: as above)
bad = []
for d, (cnt, byts) in sorted(received_by.items()):
    w = acc(in_sdom, d)
    wb = acc(in_sdom, d, "bytes")
    if cnt != w or not 100 * cnt <= byts - wb <= 300 * cnt:
        bad.append("%s: pflogsumm %s messages %s bytes, smtpscope %s "
                   "accepted %s bytes" % (d, cnt, byts, w, wb))
extra = [d for d, r in in_sdom.items()
         if r["accepted"] and d not in received_by]
if extra:
    bad.append("smtpscope only: %s" % extra)
say("per-domain-received", received_by and not bad, "; ".join(bad) or
    "no Messages Received table")

# Senders by message count and size
bad = []
for s, cnt in sorted(senders_n.items()):
    if cnt != acc(in_send, s):
        bad.append("%s: pflogsumm %s, smtpscope accepted %s" %
                   (s, cnt, acc(in_send, s)))
extra = [s for s, r in in_send.items() if r["accepted"] and s not in senders_n]
if extra:
    bad.append("smtpscope only: %s" % extra)
say("senders-by-count", senders_n and not bad, "; ".join(bad) or
    "no Senders by message count")
bad = []
for s, byts in sorted(senders_b.items()):
    k, wb = senders_n.get(s, 0), acc(in_send, s, "bytes")
    if not 100 * k <= byts - wb <= 300 * k:
        bad.append("%s: pflogsumm %s bytes for %s messages, smtpscope %s" %
                   (s, byts, k, wb))
say("senders-by-size", senders_b and not bad, "; ".join(bad) or
    "no Senders by message size")

# Recipients by message count and size
bad = []
for r, cnt in sorted(rcpts_n.items()):
    if cnt != acc(out_rcpt, r) + local_sent.get(r, 0):
        bad.append("%s: pflogsumm %s, smtpscope accepted %s + local %s" %
                   (r, cnt, acc(out_rcpt, r), local_sent.get(r, 0)))
    byts = rcpts_b.get(r)
    if not local_sent.get(r) and byts != acc(out_rcpt, r, "bytes"):
        bad.append("%s: pflogsumm %s bytes, smtpscope %s" %
                   (r, byts, acc(out_rcpt, r, "bytes")))
extra = [r for r, x in out_rcpt.items() if x["accepted"] and r not in rcpts_n]
if extra:
    bad.append("smtpscope only: %s" % extra)
say("recipients-by-count-size", rcpts_n and not bad, "; ".join(bad) or
    "no Recipients by message count")

# Rejects by reason, with who: the reason's text in smtpscope's
# (normalised) reason, the same count, and each who (a client address,
# or a recipient whose domain) among those smtpscope names.
bad = []
srows = IN["reasons"]["rows"]
for typ, reasons in sorted(rejects.items()):
    for reason, who in sorted(reasons.items()):
        n = sum(who.values())
        m = [r for r in srows if reason in r["reason"]]
        if len(m) != 1:
            bad.append("%s %r: %d smtpscope reasons" % (typ, reason, len(m)))
            continue
        r = m[0]
        if r["count"] != n:
            bad.append("%r: pflogsumm %s, smtpscope %s" %
                       (reason, n, r["count"]))
        for w, c in who.items():
            if "@" in w:
                t, key = r["recipient_domains"], w.split("@")[-1].lower()
            else:
                t, key = r["clients"], w
            have = {x["key"]: x["count"] for x in t["top"]}
            if have.get(key) != c:
                bad.append("%r: %s %s, smtpscope %s" %
                           (reason, key, c, have.get(key)))
got = sum(r["count"] for r in srows)
want = sum(sum(w.values()) for rs in rejects.values() for w in rs.values())
if got != want:
    bad.append("in all: pflogsumm %s, smtpscope %s" % (want, got))
say("rejects-by-reason", rejects and not bad, "; ".join(bad) or
    "no reject detail")

# Deferrals by reason: a next hop's reply (pflogsumm keeps its enhanced
# code and text, and what it replied to) against smtpscope's 4xx
# reasons; the attempts that never connected are the log's.
bad = []
said = {}
for grp in deferrals.values():
    for reason, who in grp.items():
        for text, c in who.items():
            if re.match(r"\d\.\d+\.\d+ ", text):
                key = re.sub(r"\s*\(in reply to .*$", "", text)
                said[key] = said.get(key, 0) + c
orows = OUT["reasons"]["rows"]
for key, c in sorted(said.items()):
    m = [r for r in orows if r["reason"].startswith("4")
         and r["reason"][4:] == key]
    got = m[0]["count"] if m else 0
    if got != c:
        bad.append("%r: pflogsumm %s, smtpscope %s" % (key, c, got))
n = sum(r["count"] for r in orows if r["reason"].startswith("4"))
if n != sum(said.values()):
    bad.append("4xx in all: pflogsumm %s, smtpscope %s" %
               (sum(said.values()), n))
say("deferrals-by-reason", said and not bad, "; ".join(bad) or
    "no deferral replies")

# Bounces by relay: the next hop's 5xx refusals
bad = []
for relay, grp in sorted(bounces.items()):
    ip = re.sub(r"\[.*$", "", relay)
    n = sum(c for who in grp.values() for c in who.values())
    if acc(out_servers, ip, "rejected") != n:
        bad.append("%s: pflogsumm %s, smtpscope rejected %s" %
                   (ip, n, acc(out_servers, ip, "rejected")))
say("bounces-by-relay", bounces and not bad, "; ".join(bad) or
    "no bounce detail")

# Warnings: failed SASL authentication against AUTH failures
n = sum(c for grp in warnings.values() for who in grp.values()
        for t, c in who.items() if "authentication failed" in t)
say("auth-failures", n == IN["auth"]["failures"] and n > 0,
    "pflogsumm %s 'SASL ... authentication failed' warnings, smtpscope "
    "auth.failures %s" % (n, IN["auth"]["failures"]))

# SMTPD connections by client (pflogsumm --smtpd-stats)
bad = ["%s: pflogsumm %s, smtpscope %s" % (h, c, acc(in_clients, h,
                                                     "sessions"))
       for h, c in sorted(conns.items())
       if acc(in_clients, h, "sessions") != c]
if sum(conns.values()) != IN["sessions"]:
    bad.append("in all: pflogsumm %s, smtpscope %s" %
               (sum(conns.values()), IN["sessions"]))
say("smtpd-connections", conns and not bad, "; ".join(bad) or
    "no SMTPD Connections table")

# Per hour: received (a message each on both sides; the other columns
# count recipients in pflogsumm, transactions in smtpscope)
bad = []
for h in range(24):
    n = per_hour.get(h, [0])[0]
    got = IN["time"]["per_hour"][h]["accepted"]
    if n != got:
        bad.append("%02d: pflogsumm %s, smtpscope %s" % (h, n, got))
say("per-hour-received", per_hour and not bad, "; ".join(bad) or
    "no Per-Hour Traffic Summary")


# The text report: its By sender and By recipient tables agree.
def text_rows(txt, title):
    out, on = {}, False
    for l in txt.splitlines():
        if l == title:
            on = True
            continue
        if on and l.startswith("  ") and l.split()[0] not in ("trans",
                                                              "rcpts"):
            f = l.split()
            out[f[0]] = int(f[2])
        elif on and l and not l.startswith("=") and not l.startswith(" "):
            break
    return out


t = text_rows(INTXT, "By sender")
bad = ["%s: pflogsumm %s, text %s" % (s, c, t.get(s))
       for s, c in sorted(senders_n.items()) if t.get(s) != c]
say("text-by-sender", t and not bad, "; ".join(bad) or "no By sender table")
t = text_rows(OUTTXT, "By recipient (recipients)")
bad = ["%s: pflogsumm %s, text %s" % (r, c, t.get(r))
       for r, c in sorted(rcpts_n.items())
       if not local_sent.get(r) and t.get(r) != c]
say("text-by-recipient", t and not bad, "; ".join(bad) or
    "no By recipient table")
