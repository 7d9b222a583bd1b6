#!/bin/sh
# Bounces linked to what they report, by each key a DSN carries (issue
# 13): the reporting MTA's queue id (Postfix's X-Postfix-Queue-ID), the
# id in the top Received field of the returned headers, the
# Original-Envelope-Id (the ENVID of the original MAIL) and the returned
# Message-ID, strongest first; a DSN whose keys name no message seen is
# linked to none.
# - scripted-dsnkeys (captures/README.md): a relay that names no queue
#   id takes three messages alice -> bob (ENVID QQ314159, ENVID
#   QQ271828, none), then sends four DSNs back: by ENVID QQ271828 only,
#   by the returned Message-ID <m3@example.org> only (its Received field
#   has no id), by ENVID QQ314159, by an ENVID no message had. The
#   sender and recipient are the same for all: only the keys tell them
#   apart. Truth: the peer's own record of what it sent.
# - track (Postfix's DSNs): the returned headers' Received id equals
#   X-Postfix-Queue-ID and the returned Message-ID is the original's as
#   captures/track.fates says.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2
if ! command -v python3 >/dev/null 2>&1; then
	skip dsnlink "python3 not installed"
	exit 0
fi

run_scope dsnlink-keys -q -r captures/scripted-dsnkeys.pcap \
    -w "$TMP/k.jsonl" &&
	pycheck dsnlink-keys "$TMP/k.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
msgs = {r["id"]: r for r in recs if r["type"] == "message"}
summ = [r for r in recs if r["type"] == "summary"][-1]
def die(why):
    print(why); sys.exit(1)
# The DSNs in the order the relay sent them (session 2, transactions
# 1-4), and what each reports on, by the peer's script.
dsn = {}
for m in msgs.values():
    if m["dsn"]:
        h = m["hops"][0]
        dsn[(h["session_id"], h["trans_depth"])] = m
want = {1: ("<m2@example.org>", "envid"), 2: ("<m3@example.org>", "message_id"),
        3: ("<m1@example.org>", "envid"), 4: (None, None)}
if sorted(dsn) != [(2, d) for d in sorted(want)]:
    die("DSN messages at %s, not session 2 transactions 1-4" % sorted(dsn))
orig = {m["message_id"]: m for m in msgs.values() if not m["dsn"]}
if sorted(orig) != ["<m1@example.org>", "<m2@example.org>", "<m3@example.org>"]:
    die("original messages %s" % sorted(orig))
for depth, (mid, link) in want.items():
    d = dsn[(2, depth)]
    if mid is None:
        if d["bounce_of"] is not None:
            die("DSN %d (ENVID no message had) linked to %s" % (depth, d["bounce_of"]))
        continue
    o = orig[mid]
    r = o["recipients"][0]
    if d["bounce_of"] != o["id"]:
        die("DSN %d reports on message %s, not %s (%s)" % (depth, d["bounce_of"], o["id"], mid))
    b = r["bounce"]
    if r["addr"] != "bob@example.net" or r["fate"] != "bounced" or b is None:
        die("%s: recipient %s" % (mid, r))
    if b["message"] != d["id"] or b["link"] != link:
        die("%s: bounce %s, want DSN %s by %s" % (mid, b, d["id"], link))
    if b["status"] != "5.1.1" or b["action"] != "failed":
        die("%s: bounce %s" % (mid, b))
envid = {o["message_id"]: o["envid"] for o in orig.values()}
if envid != {"<m1@example.org>": "QQ314159", "<m2@example.org>": "QQ271828",
             "<m3@example.org>": None}:
    die("envids %s" % envid)
t = summ["tracking"]
if (t["dsn"], t["bounces_linked"], t["dsn_unlinked"]) != (4, 3, 1):
    die("summary dsn %s bounces_linked %s dsn_unlinked %s" %
        (t["dsn"], t["bounces_linked"], t["dsn_unlinked"]))
PY

# The text report says how many DSNs reported on no message seen.
run_scope dsnlink-report -q -r captures/scripted-dsnkeys.pcap \
    -w /dev/null --report text -o "$TMP/k.txt" &&
	if grep -q "DSNs that report on no message seen 1$" "$TMP/k.txt"; then
		ok dsnlink-report
	else
		fail dsnlink-report "no 'DSNs that report on no message seen 1' line"
	fi

# Postfix's DSNs: what the returned headers say of the original.
if [ -f captures/track.fates ]; then
	run_scope dsnlink-returned -q -r captures/track.pcap \
	    -w "$TMP/t.jsonl" &&
		pycheck dsnlink-returned "$TMP/t.jsonl" captures/track.fates <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
def die(why):
    print(why); sys.exit(1)
# relay_qid and msgid of each tag
msgid, relay = {}, {}
for ln in open(sys.argv[2], encoding="utf-8"):
    w = ln.split()
    if not w or w[0] != "message":
        continue
    kv = dict(x.split("=", 1) for x in w[2:] if "=" in x)
    if w[0] == "message":
        msgid[w[1]] = kv.get("msgid")
        relay[w[1]] = kv.get("relay_qid")
seen = 0
for r in recs:
    if r["type"] != "transaction" or not r.get("dsn") or r["queue_id"] is None:
        continue
    d = r["dsn"]
    tag = next((t for t, q in relay.items() if q == d["queue_id"]), None)
    if tag is None:
        continue
    seen += 1
    if d["returned_queue_id"] != d["queue_id"]:
        die("%s: returned Received id %s, X-Postfix-Queue-ID %s" %
            (tag, d["returned_queue_id"], d["queue_id"]))
    if d["returned_message_id"] != msgid[tag]:
        die("%s: returned Message-ID %s, the truth %s" %
            (tag, d["returned_message_id"], msgid[tag]))
if seen < 4:
    die("%d DSNs of the relay checked, want at least 4" % seen)
PY
fi

# trace from the JSON log links them the same way, and says by what.
if [ -f "$TMP/k.jsonl" ]; then
	"$SMTPSCOPE" trace -w "$TMP/kt.jsonl" "$TMP/k.jsonl" 2>"$TMP/kt.err"
	rc=$?
	"$SMTPSCOPE" trace --to bob@example.net "$TMP/k.jsonl" \
	    >"$TMP/kt.txt" 2>>"$TMP/kt.err"
	if [ "$rc" -ne 0 ]; then
		fail dsnlink-trace "trace exit status $rc: $(head -n 1 "$TMP/kt.err")"
	elif ! grep -q 'bounced by message [0-9]* (5.1.1), linked by message_id$' "$TMP/kt.txt"; then
		fail dsnlink-trace "no 'linked by message_id' in the trace: $(head -n 5 "$TMP/kt.txt")"
	else
		pycheck dsnlink-trace "$TMP/k.jsonl" "$TMP/kt.jsonl" <<'PY'
import json, sys
def links(path):
    out = {}
    for l in open(path, encoding="utf-8"):
        r = json.loads(l)
        if r["type"] != "message" or r["dsn"]:
            continue
        b = r["recipients"][0]["bounce"]
        out[r["message_id"]] = b and b["link"]
    return out
a, b = links(sys.argv[1]), links(sys.argv[2])
if a != b or len(a) != 3:
    print("capture %s, trace of its log %s" % (a, b)); sys.exit(1)
PY
	fi
fi
