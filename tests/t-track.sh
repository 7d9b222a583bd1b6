#!/bin/sh
# Message tracking across hops and smtpscope trace (issue 13), on the real
# captures Postfix made:
# - bounce-dsn (captures/README.md: swaks -> Postfix A, which relays to
#   Postfix B; B refuses nosuch@remote.test at RCPT with 550 5.1.1; A
#   sends the DSN back through B): one message with two hops linked by
#   A's queue id (A's "queued as" = the id in the Received field A
#   added), root delivered at B, nosuch rejected at hop 2 and linked to
#   the DSN, which names the message it reports on;
# - drops (greylisting 450, a client killed mid-DATA): grey deferred,
#   the cut transaction's recipient unknown, nothing dropped (one hop);
# - the same log split as two sensors would see it (one tap in front of
#   each server) and traced together equals the trace of the whole; a
#   log given twice is traced once (the copies are one transaction);
# - trace's questions (--to, --queue-id, --domain, --since) and its
#   exit statuses; --no-track writes no message record.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2
if ! command -v python3 >/dev/null 2>&1; then
	skip track "python3 not installed"
	exit 0
fi

run_scope track-bounce -q -r captures/bounce-dsn.pcap -w "$TMP/b.jsonl" &&
	pycheck track-bounce "$TMP/b.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
tx = [r for r in recs if r["type"] == "transaction"]
msgs = {r["id"]: r for r in recs if r["type"] == "message"}
def die(why):
    print(why); sys.exit(1)
if len(msgs) != 2:
    die("%d message records, not 2" % len(msgs))
m = [m for m in msgs.values() if not m["dsn"]][0]
d = [m for m in msgs.values() if m["dsn"]][0]
hops = m["hops"]
# What the wire says A and B named: A's queue id in its reply to swaks,
# then in the Received field of what A sent B.
qa = tx[0]["queue_id"]
top = tx[1]["headers"]["received_parts"][0]["id"]
if qa is None or qa != top:
    die("A's queue id %s is not the id %s in A's Received" % (qa, top))
if [h["queue_id"] for h in hops] != [qa, tx[1]["queue_id"]]:
    die("hops %s" % [h["queue_id"] for h in hops])
if hops[1]["from_hop"] != 0 or hops[1]["link"] != "queue_id":
    die("hop 2 not linked to hop 1 by queue id: %s" % hops[1])
if not (0 <= hops[1]["queue_time"] < 5):
    die("queue time %s" % hops[1]["queue_time"])
fate = {r["addr"]: r for r in m["recipients"]}
if fate["root@remote.test"]["fate"] != "delivered" or \
   fate["root@remote.test"]["hop"] != 1:
    die("root: %s" % fate["root@remote.test"])
n = fate["nosuch@remote.test"]
if n["fate"] != "rejected" or n["hop"] != 1 or n["code"] != 550 or \
   n["enh"] != "5.1.1":
    die("nosuch: %s" % n)
if n["bounce"] is None or n["bounce"]["message"] != d["id"] or \
   n["bounce"]["status"] != "5.1.1" or n["bounce_missing"]:
    die("nosuch's bounce: %s" % n["bounce"])
if d["bounce_of"] != m["id"] or d["mail_from"] != "":
    die("the DSN: bounce_of %s" % d["bounce_of"])
s = recs[-1]
if s["type"] != "summary" or s["dropped"] != 0 or \
   s["tracking"]["multi_hop"] != 1 or s["tracking"]["bounces_linked"] != 1 \
   or s["tracking"]["linked_queue_id"] != 1:
    die("summary: %s" % s.get("tracking"))
PY

# drops' messages are each seen at one hop, at a server that passes
# nothing on, with no DSN: the log writes no record for them (their
# transaction records say it all) but counts them; trace -w writes every
# message it answers with.
run_scope track-drops -q -r captures/drops.pcap -w "$TMP/d0.jsonl" &&
	"$SMTPSCOPE" trace -w "$TMP/d.jsonl" captures/drops.pcap 2>/dev/null &&
	pycheck track-drops "$TMP/d.jsonl" "$TMP/d0.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
log = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
tr = log[-1]["tracking"]
if any(r["type"] == "message" for r in log) or tr["messages"] != 4 or \
   tr["message_records"] != 0:
    print("the log: %s" % tr)
    sys.exit(1)
fates = {}
for m in (r for r in recs if r["type"] == "message"):
    if len(m["hops"]) != 1:
        print("message %d has %d hops" % (m["id"], len(m["hops"])))
        sys.exit(1)
    for r in m["recipients"]:
        fates.setdefault(r["addr"], []).append(r["fate"])
want = {"grey@example.test": ["deferred", "deferred"],
        "root@example.test": ["delivered", "unknown"],
        "nosuch1@example.test": ["rejected"],
        "nosuch2@example.test": ["rejected"]}
got = {a: sorted(f) for a, f in fates.items()}
if got != {a: sorted(f) for a, f in want.items()}:
    print("fates %s" % got)
    sys.exit(1)
if log[-1]["dropped"] != 0:
    print("dropped %s" % log[-1]["dropped"])
    sys.exit(1)
PY

# captures/track.pcap: three MTAs (a Postfix relay R, Exim as the
# destination D, a Postfix S for the senders' domain), 19 tagged messages;
# captures/track.fates is what their own logs say became of each
# (captures/README.md, "track"). Every message, recipient and DSN of it
# must be in the message records, each fate, hop, code, link equal, and
# no record left over. Bounce links are exact: a bounced recipient's
# `bounce` names the DSN record that the truth's DSN is (the one S
# accepted with the truth's queue id, from the MTA that sent it, whose
# top Received names that MTA's queue id of the DSN), and that DSN's
# `bounce_of` names the recipient's message; R's DSNs (T06, T07, T10,
# T12: the next hop refused, 5xx) and D's (T17-T19: D said 250, then
# failed them; T18 and T19 have the same sender, recipient and relays
# and only D's ids, their ENVIDs and returned headers tell them apart).
# (trace -w writes every message; the log of the run the ones a
# transaction record does not tell whole: those must be the same.)
run_scope track-truth -q -r captures/track.pcap -w "$TMP/track.jsonl" &&
	"$SMTPSCOPE" trace -w "$TMP/track-all.jsonl" "$TMP/track.jsonl" \
	    2>/dev/null &&
	pycheck track-truth "$TMP/track-all.jsonl" captures/track.fates \
	    "$TMP/track.jsonl" <<'PY'
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
log = [json.loads(l) for l in open(sys.argv[3], encoding="utf-8")]
def key(m):
    return json.dumps([m["recipients"], m["mail_from"], m["message_id"],
                       [(h["server_ip"], h["queue_id"]) for h in m["hops"]]])
inlog = set(key(m) for m in log if m["type"] == "message")
plain = [m for m in msgs if len(m["hops"]) == 1 and not m["dsn"] and
         m["bounce_of"] is None and all(
             r["fate"] in ("delivered", "rejected", "deferred", "unknown")
             and r["bounce"] is None and not r["bounce_missing"] and
             r["deferrals"] <= 1 for r in m["recipients"])]
if set(key(m) for m in msgs if m not in plain) != inlog or \
   log[-1]["tracking"]["messages"] != len(msgs):
    print("the log's message records are not trace's less the plain ones")
    sys.exit(1)
truth = [l.split() for l in open(sys.argv[2]) if l.strip()]
kv = lambda f: dict(x.split("=", 1) for x in f if "=" in x)
R, D, S = "127.0.0.2", "127.0.0.3", "127.0.0.4"
bad, used, tagmsg, nfate = [], set(), {}, 0
# the transactions of the run's log, by (session, depth): a hop's
# message headers (the DSN's top Received) and DSN fields
txs = {(r["session_id"], r["trans_depth"]): r for r in log
       if r["type"] == "transaction"}
def top_received_id(h):
    t = txs.get((h["session_id"], h["trans_depth"])) or {}
    parts = (t.get("headers") or {}).get("received_parts") or [{}]
    return parts[0].get("id"), t
# each DSN of the truth, by the queue id the MTA that made it gave it:
# the DSN record that carried it to S with the truth's queue ids
dsnrec = {}
for f in truth:
    d = kv(f)
    if f[0] != "dsn":
        continue
    c = []
    for x in msgs:
        for h in x["hops"] if x["dsn"] else []:
            rid, t = top_received_id(h)
            if h["server_ip"] == d["delivered_by"] and \
               h["queue_id"] == d["dest_qid"] and \
               h["client_ip"] == d["sent_by"] and rid == d["relay_dsn_qid"]:
                c.append((x, t))
    if len(c) != 1:
        bad.append("dsn %s %s: %d DSN records carried it to S as %s" %
                   (f[1], d["relay_dsn_qid"], len(c), d["dest_qid"]))
        continue
    x, t = c[0]
    dsnrec[d["relay_dsn_qid"]] = x
    envid = (t.get("dsn") or {}).get("original_envelope_id")
    if (envid or "-") != d["envid"]:
        bad.append("dsn %s: Original-Envelope-Id %s, truth %s" %
                   (f[1], envid, d["envid"]))
for f in truth:
    d, tag = kv(f), f[1]
    if f[0] == "message":
        if d["relay_qid"] != "-":
            c = [m for m in msgs if any(h["server_ip"] == R and
                 h["queue_id"] == d["relay_qid"] for h in m["hops"])]
        else:
            c = [m for m in msgs if m["mail_from"] == d["from"] and
                 not m["dsn"]]
        if len(c) != 1:
            bad.append("%s: %d message records" % (tag, len(c)))
            continue
        m = tagmsg[tag] = c[0]
        used.add(m["id"])
        if (m["message_id"] or "-") != d["msgid"]:
            bad.append("%s: message_id %s" % (tag, m["message_id"]))
        if m["mail_from"] != d["from"]:
            bad.append("%s: mail_from %s" % (tag, m["mail_from"]))
        for q in d["dest_qid"].split(","):
            hop = [h for h in m["hops"] if h["server_ip"] == D and
                   h["queue_id"] == q]
            if q != "-" and (len(hop) != 1 or hop[0]["from_hop"] is None
                             or m["hops"][hop[0]["from_hop"]]["queue_id"]
                             != d["relay_qid"]):
                bad.append("%s: no hop to D with %s from R's %s" %
                           (tag, q, d["relay_qid"]))
    elif f[0] == "fate":
        m = tagmsg.get(tag)
        if m is None:
            continue
        nfate += 1
        rc = [r for r in m["recipients"] if r["addr"] == f[2]]
        if len(rc) != 1:
            bad.append("%s %s: %d entries" % (tag, f[2], len(rc)))
            continue
        r = rc[0]
        hop = m["hops"][r["hop"]] if r["hop"] is not None else {}
        at = hop.get("server_ip") == d["hop"] and \
            (d["code"] == "-" or str(r["code"]) == d["code"])
        # bounced: refused by the next hop (5xx) and R's DSN, smtpscope's
        # rejected with a bounce; accepted (250) and D's own DSN,
        # smtpscope's bounced. Either way linked to the truth's DSN.
        dr = dsnrec.get(d["dsn_qid"])
        linked = dr is not None and r["bounce"] is not None and \
            r["bounce"]["message"] == dr["id"] and dr["bounce_of"] == m["id"]
        if f[3] == "bounced" and not linked:
            bad.append("%s %s: bounce %s, truth's DSN %s is record %s "
                       "(bounce_of %s)" %
                       (tag, f[2], r["bounce"] and r["bounce"]["message"],
                        d["dsn_qid"], dr and dr["id"], dr and dr["bounce_of"]))
        ok = {"delivered": r["fate"] == "delivered" and at and
              r["deferrals"] == int(d.get("retries", 0)),
              "rejected": r["fate"] == "rejected" and at and
              r["bounce"] is None and not r["bounce_missing"],
              "bounced": r["fate"] == ("bounced" if d["code"][0] == "2"
                                       else "rejected") and at and
              r["bounce"] is not None and not r["bounce_missing"],
              "deferred": r["fate"] == "deferred" and at and
              r["attempts"] - 1 == int(d.get("attempts", -9)),
              "dropped": r["fate"] == "dropped" and at}[f[3]]
        if not ok:
            bad.append("%s %s: truth %s, got %s hop %s code %s" %
                       (tag, f[2], f[3], r["fate"], hop.get("server_ip"),
                        r["code"]))
    elif f[0] == "dsn":
        m = tagmsg.get(tag)
        x = dsnrec.get(d["relay_dsn_qid"])
        if x is None:
            continue
        used.add(x["id"])
        if m is None or x["bounce_of"] != m["id"]:
            bad.append("dsn %s %s: record %d, bounce_of %s, not %s's %s" %
                       (tag, d["relay_dsn_qid"], x["id"], x["bounce_of"],
                        tag, m and m["id"]))
        # exactly the recipients the truth says it reports link it
        want = sorted((m and m["id"], g[2]) for g in truth
                      if g[0] == "fate" and g[1] == tag and
                      kv(g)["dsn_qid"] == d["relay_dsn_qid"])
        got = sorted((y["id"], r["addr"]) for y in msgs
                     for r in y["recipients"]
                     if (r["bounce"] or {}).get("message") == x["id"])
        if got != want:
            bad.append("dsn %s %s: linked by %s, truth %s" %
                       (tag, d["relay_dsn_qid"], got, want))
left = [m["id"] for m in msgs if m["id"] not in used]
if left:
    bad.append("message records not in the truth: %s" % left)
if nfate < 21 or len(tagmsg) < 19 or len(dsnrec) < 7:
    bad.append("only %d messages, %d fates, %d DSNs read" %
               (len(tagmsg), nfate, len(dsnrec)))
if bad:
    print("; ".join(bad[:8]))
    sys.exit(1)
PY

# A postmaster's questions on the track capture's log: for every
# recipient the truth names, "what happened to mail to X?" (trace --to X
# -w) gives the messages the truth has for X, each with X's fate; and
# trace's text says it in words for one of them.
if [ -f "$TMP/track.jsonl" ]; then
	rm -f "$TMP/q.bad"
	for rcpt in $(awk '$1 == "fate" { print $3 }' captures/track.fates |
	    sort -u); do
		"$SMTPSCOPE" trace --to "$rcpt" -w "$TMP/q.jsonl" \
		    "$TMP/track.jsonl" 2>/dev/null ||
			echo "trace --to $rcpt failed" >>"$TMP/q.bad"
		python3 - "$TMP/q.jsonl" captures/track.fates "$rcpt" \
		    >>"$TMP/q.bad" <<'PY'
import json, sys
got = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
rcpt = sys.argv[3]
kv = lambda f: dict(x.split("=", 1) for x in f if "=" in x)
lines = [l.split() for l in open(sys.argv[2]) if l.strip()]
qid = {f[1]: kv(f)["relay_qid"] for f in lines if f[0] == "message"}
want = {}
for f in lines:
    if f[0] == "fate" and f[2] == rcpt:
        # bounced: refused by the next hop (smtpscope's rejected), or
        # accepted with 250 and bounced by the destination
        want[qid[f[1]]] = f[3] if f[3] != "bounced" else \
            "bounced" if kv(f)["code"].startswith("2") else "rejected"
have = {}
for m in got:
    if m["dsn"]:
        continue
    q = m["hops"][0]["queue_id"] or "-"
    have[q] = [r["fate"] for r in m["recipients"] if r["addr"] == rcpt][0]
if have != want:
    print("trace --to %s: %s, the truth %s" % (rcpt, have, want))
PY
	done
	"$SMTPSCOPE" trace --to 'busy@*' "$TMP/track.jsonl" >"$TMP/q.txt" \
	    2>/dev/null
	grep -q '<busy@remote.test>  deferred at hop 5: 450' "$TMP/q.txt" ||
		echo "trace's text for busy@: $(head -c 300 "$TMP/q.txt")" \
		    >>"$TMP/q.bad"
	if [ -s "$TMP/q.bad" ]; then
		fail track-trace-truth "$(head -c 600 "$TMP/q.bad")"
	else
		ok track-trace-truth
	fi
fi

# trace's text gives every message its -w gives, in the order of their
# first hops (the tracker settles a message refused at once, such as
# grace@'s, before those that wait out their window).
if [ -f captures/track.pcap ]; then
	"$SMTPSCOPE" trace captures/track.pcap >"$TMP/all.txt" 2>/dev/null
	"$SMTPSCOPE" trace -w "$TMP/all.jsonl" captures/track.pcap 2>/dev/null
	pycheck track-trace-order "$TMP/all.txt" "$TMP/all.jsonl" <<'PY'
import json, re, sys
heads = [re.match(r'message (\d+)  (\S+ \S+)  ', l) for l in open(sys.argv[1])
         if l.startswith('message ')]
ids = [int(m.group(1)) for m in heads]
times = [m.group(2) for m in heads]
recs = [json.loads(l) for l in open(sys.argv[2])]
want = sorted(r['id'] for r in recs if r['type'] == 'message')
if sorted(ids) != want or not ids:
    print('messages %s in the text, %s in -w' % (ids, want)); sys.exit(1)
if times != sorted(times):
    print('not in the order of their first hops: %s' % list(zip(ids, times))); sys.exit(1)
settled = [r['id'] for r in recs if r['type'] == 'message']
if settled == sorted(settled):
    print('-w gave the messages in order already: the check shows nothing'); sys.exit(1)
PY
fi

# Captures made to make the tracker spend CPU without bound (a relay's
# retries of 1000 long refused recipients against 64 held messages of 256,
# DSNs of 100 recipients matching none, 20000 servers filling the relay
# table): tracking may cost at most 4 times the rest of the run, plus a
# second (before the fixes: 20 s and 10 s against 0.02 s).
if [ -x /usr/bin/time ]; then
	for spec in envelope:2 dsn:5 relays:20000; do
		kind=${spec%%:*}
		python3 tests/hostile/make-track-dos.py "$TMP/dos.pcap" "$kind" \
		    "${spec#*:}" >/dev/null || {
			fail "track-hostile-$kind" "the generator failed"
			continue
		}
		/usr/bin/time -f '%U %S' -o "$TMP/t.off" "$SMTPSCOPE" -q \
		    --no-track -r "$TMP/dos.pcap" -w /dev/null 2>/dev/null
		/usr/bin/time -f '%U %S' -o "$TMP/t.on" "$SMTPSCOPE" -q \
		    -r "$TMP/dos.pcap" -w "$TMP/dos.jsonl" 2>"$TMP/dos.err"
		rc=$?
		off=$(awk 'END { print $1 + $2 }' "$TMP/t.off")
		on=$(awk 'END { print $1 + $2 }' "$TMP/t.on")
		if [ $rc = 0 ] && [ "$(tail -n 1 "$TMP/dos.jsonl" |
		    sed -n 's/.*"tracking":{"messages":\([0-9]*\).*/\1/p')" -gt 0 ] &&
			! grep -q -E 'AddressSanitizer|runtime error' \
			    "$TMP/dos.err" &&
			awk -v on="$on" -v off="$off" \
			    'BEGIN { exit !(on <= 4 * off + 1) }'; then
			ok "track-hostile-$kind (${on} s with tracking, ${off} s without)"
		else
			fail "track-hostile-$kind" "exit $rc, ${on} s with tracking, ${off} s without: $(head -c 200 "$TMP/dos.err")"
		fi
	done
else
	skip track-hostile "no /usr/bin/time (Debian package time)"
fi

# Logs are input too: records with the wrong types where arrays and
# objects are due, numbers out of every range, an empty DSN: trace reads
# what it can and neither crashes nor reads out of bounds (run under the
# ASan build by make check).
python3 - "$TMP/hostile.jsonl" <<'PY'
import json, sys
head = {"type": "transaction", "session_id": 1, "ts": 1, "ts_end": 2,
        "client_ip": "10.0.0.1", "client_port": 1, "server_ip": "10.0.0.2",
        "server_port": 25}
long = {"k%d" % i: {"addr": "a" * 200 + "@x.test", "code": 250,
                    "final_recipient": "b" * 200}
        for i in range(50)}
recs = [dict(head, dsn={}),
        dict(head, rcpt_to=long),
        dict(head, dsn={"recipients": long}),
        dict(head, headers={"received_parts": {"id": "x"}, "msg_id": 5}),
        dict(head, session_id=-5, client_port=1e10, mail_code=1e300,
             rcpt_to=[{"addr": "a@b", "code": 1e300}], ts=-1,
             ts_end=1e300, size=-3, trans_depth=1e20, rcpt_count=-1),
        dict(head, session_id=1e300, rcpt_to=[5, "x", None, []])]
with open(sys.argv[1], "w") as f:
    for r in recs:
        f.write(json.dumps(r) + "\n")
PY
run_scope track-trace-hostile trace "$TMP/hostile.jsonl" &&
	if [ "$rc" -le 1 ]; then
		ok track-trace-hostile
	else
		fail track-trace-hostile "exit $rc: $(head -c 300 "$TMP/err")"
	fi

# Two sensors: one sees the sessions to A (127.0.0.1), the other those
# to B (127.0.0.2).
if command -v tcpdump >/dev/null 2>&1; then
	tcpdump -r captures/bounce-dsn.pcap -w "$TMP/a.pcap" \
	    'tcp and host 127.0.0.1 and not host 127.0.0.2' 2>/dev/null &&
		tcpdump -r captures/bounce-dsn.pcap -w "$TMP/z.pcap" \
		    'tcp and host 127.0.0.2' 2>/dev/null &&
		run_scope track-split-a -q -r "$TMP/a.pcap" -w "$TMP/a.jsonl" &&
		run_scope track-split-b -q -r "$TMP/z.pcap" -w "$TMP/z.jsonl" &&
		"$SMTPSCOPE" trace -w "$TMP/split.jsonl" "$TMP/a.jsonl" \
		    "$TMP/z.jsonl" 2>"$TMP/split.err" &&
		"$SMTPSCOPE" trace -w "$TMP/whole.jsonl" captures/bounce-dsn.pcap \
		    2>/dev/null &&
		"$SMTPSCOPE" trace -w "$TMP/twice.jsonl" "$TMP/b.jsonl" \
		    "$TMP/b.jsonl" 2>/dev/null
	rc=$?
	if [ $rc -ne 0 ]; then
		fail track-sensors "trace exited $rc: $(cat "$TMP/split.err")"
	else
		pycheck track-sensors "$TMP/split.jsonl" "$TMP/whole.jsonl" \
		    "$TMP/twice.jsonl" <<'PY'
import json, sys
def load(p):
    out = []
    for l in open(p, encoding="utf-8"):
        m = json.loads(l)
        # which sensor's session number: not the same in the parts
        for h in m["hops"]:
            h.pop("session_id")
        out.append(m)
    return out
split, whole, twice = (load(p) for p in sys.argv[1:4])
if len(whole) != 2 or len(whole[0]["hops"]) + len(whole[1]["hops"]) != 3:
    print("whole: %d messages" % len(whole)); sys.exit(1)
if split != whole:
    print("two sensors traced together differ from the whole capture")
    sys.exit(1)
if twice != whole:
    print("a log given twice gives %d messages" % len(twice)); sys.exit(1)
PY
	fi
else
	skip track-sensors "no tcpdump"
fi

# trace's questions, on the log.
T() {
	"$SMTPSCOPE" trace "$@" "$TMP/b.jsonl" >"$TMP/t.out" 2>"$TMP/t.err"
}
if T --to 'NOSUCH@*' && grep -q '^message 1 ' "$TMP/t.out" &&
	grep -q '<nosuch@remote.test>  rejected at hop 2: 550 5.1.1' \
	    "$TMP/t.out" && grep -q 'bounced by message 2' "$TMP/t.out" &&
	! grep -q '^message 2 ' "$TMP/t.out" &&
	grep -q '1 of the messages matched' "$TMP/t.err"; then
	ok track-trace-to
else
	fail track-trace-to "$(head -c 600 "$TMP/t.out" "$TMP/t.err")"
fi
qid=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["type"] == "transaction" and r["server_ip"] == "127.0.0.2" \
       and not r["bounce"]:
        print(r["queue_id"])' "$TMP/b.jsonl")
if [ -n "$qid" ] && T --queue-id "$qid" &&
	[ "$(grep -c '^message ' "$TMP/t.out")" = 1 ] &&
	grep -q "queue id $qid" "$TMP/t.out"; then
	ok track-trace-queue-id
else
	fail track-trace-queue-id "queue id '$qid': $(head -c 400 "$TMP/t.out")"
fi
if T --domain origin.test && [ "$(grep -c '^message ' "$TMP/t.out")" = 2 ] &&
	T --since 2099-01-01 && [ ! -s "$TMP/t.out" ] &&
	grep -q '0 of the messages matched' "$TMP/t.err"; then
	ok track-trace-domain-since
else
	fail track-trace-domain-since "$(head -c 400 "$TMP/t.out" "$TMP/t.err")"
fi
"$SMTPSCOPE" trace --since yesterday "$TMP/b.jsonl" >/dev/null 2>"$TMP/t.err"
rc1=$?
"$SMTPSCOPE" trace "$TMP/nonexistent.jsonl" >/dev/null 2>"$TMP/t2.err"
rc2=$?
"$SMTPSCOPE" trace >/dev/null 2>"$TMP/t3.err"
rc3=$?
{
	head -n 3 "$TMP/b.jsonl"
	printf '{"type":"transaction",\n'
	tail -n +4 "$TMP/b.jsonl"
} >"$TMP/bad.jsonl"
"$SMTPSCOPE" trace "$TMP/bad.jsonl" >"$TMP/t4.out" 2>"$TMP/t4.err"
rc4=$?
if [ $rc1 = 2 ] && grep -q -- '--since wants a time' "$TMP/t.err" &&
	[ $rc4 = 1 ] && grep -q '1 lines were not smtpscope records' \
	    "$TMP/t4.err" && grep -q '2 of the messages matched' "$TMP/t4.err" &&
	[ $rc2 = 3 ] && grep -q 'cannot open' "$TMP/t2.err" &&
	[ $rc3 = 2 ] && grep -q 'no input' "$TMP/t3.err"; then
	ok track-trace-usage
else
	fail track-trace-usage "exits $rc1 $rc2 $rc3 $rc4: $(cat "$TMP/t.err" \
	    "$TMP/t2.err" "$TMP/t3.err" "$TMP/t4.err")"
fi

run_scope track-off -q --no-track -r captures/bounce-dsn.pcap \
    -w "$TMP/off.jsonl" &&
	if ! grep -q '"type":"message"' "$TMP/off.jsonl" &&
		tail -1 "$TMP/off.jsonl" | grep -q '"tracking":null'; then
		ok track-off
	else
		fail track-off "message records or tracking counters written"
	fi
exit 0
