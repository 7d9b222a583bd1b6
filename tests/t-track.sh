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

# python3 CHECK LOG: the check's one-line complaint, or nothing.
check() {
	name=$1
	shift
	if why=$(python3 - "$@"); then
		ok "$name"
	else
		fail "$name" "$why"
	fi
}

run_scope track-bounce -q -r captures/bounce-dsn.pcap -w "$TMP/b.jsonl" &&
	check track-bounce "$TMP/b.jsonl" <<'PY'
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

run_scope track-drops -q -r captures/drops.pcap -w "$TMP/d.jsonl" &&
	check track-drops "$TMP/d.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
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
if recs[-1]["dropped"] != 0:
    print("dropped %s" % recs[-1]["dropped"])
    sys.exit(1)
PY

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
		check track-sensors "$TMP/split.jsonl" "$TMP/whole.jsonl" \
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
if [ $rc1 = 2 ] && grep -q -- '--since wants a time' "$TMP/t.err" &&
	[ $rc2 = 3 ] && grep -q 'cannot open' "$TMP/t2.err" &&
	[ $rc3 = 2 ] && grep -q 'no input' "$TMP/t3.err"; then
	ok track-trace-usage
else
	fail track-trace-usage "exits $rc1 $rc2 $rc3: $(cat "$TMP/t.err" \
	    "$TMP/t2.err" "$TMP/t3.err")"
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
