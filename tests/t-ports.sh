#!/bin/sh
# SMTP found by its content (issue 14), on captures/ports.pcap (a real
# Postfix on 2525 and 10025, swaks through a real tinyproxy's CONNECT
# tunnel, HTTP, an echo and an FTP-like greeting beside them; see
# captures/README.md, "ports"):
# - on the default ports nothing is found, and the summary says why in
#   one sentence and suggests --ports any;
# - with --ports any (also "2525,any", and with -f on the handle), every
#   SMTP session is found: those of 2525 and 10025 with records equal to
#   those of --ports 2525,10025 (but for their ids), the tunnelled one
#   marked, with its target; the connections that carry no SMTP (HTTP
#   direct and tunnelled, the echo, the FTP-like greeting) give none;
# - every message Postfix queued (captures/ports.queued, from its log) is
#   an accepted transaction with its queue id, server and client port,
#   sender and recipients; the tunnelled one with the same queue id,
#   sender and recipients as the proxy's own leg; the refused recipient
#   refused with 550.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2
CAP=captures/ports.pcap
TRUTH=captures/ports.queued
if ! command -v python3 >/dev/null 2>&1; then
	skip ports "python3 not installed"
	exit 0
fi
if [ ! -f "$CAP" ] || [ ! -f "$TRUTH" ]; then
	fail ports "no $CAP or $TRUTH"
	exit 0
fi

# The hint on the default ports.
if run_scope ports-hint -r "$CAP" -w "$TMP/default.jsonl"; then
	want="smtpscope: no SMTP on ports 25,465,587,24,366: 170 TCP packets on other ports; try --ports any"
	if [ "$rc" != 0 ]; then
		fail ports-hint "exit status $rc: $(cat "$TMP/err")"
	elif ! grep -qxF "$want" "$TMP/err"; then
		fail ports-hint "no hint: $(cat "$TMP/err")"
	elif grep -q '"type":"session"' "$TMP/default.jsonl"; then
		fail ports-hint "sessions on the default ports"
	else
		ok ports-hint
	fi
fi
# No hint where there is SMTP, nor with --ports any.
if run_scope ports-no-hint -r captures/sink-v4.pcap -w /dev/null &&
    ! grep -q 'try --ports' "$TMP/err"; then
	ok ports-no-hint
else
	fail ports-no-hint "$(cat "$TMP/err")"
fi

run_scope ports-explicit -q -r "$CAP" --ports 2525,10025 \
    -w "$TMP/explicit.jsonl" || exit 0
for mode in any 2525,any any-f; do
	case $mode in
	any-f) args="--ports any -f tcp" ;;
	*) args="--ports $mode" ;;
	esac
	# shellcheck disable=SC2086
	run_scope "ports-$mode" -r "$CAP" $args -w "$TMP/$mode.jsonl" ||
	    continue
	if [ "$rc" != 0 ] || grep -q 'try --ports' "$TMP/err"; then
		fail "ports-$mode" "exit status $rc: $(cat "$TMP/err")"
		continue
	fi
	if why=$(python3 - "$TMP/$mode.jsonl" "$TMP/explicit.jsonl" "$TRUTH" <<'PY'
import json, sys

def load(path):
    out = {"session": [], "transaction": [], "command": []}
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        if r["type"] in out:
            out[r["type"]].append(r)
    return out

def key(r):
    r = dict(r)
    r.pop("session_id", None)
    r.pop("uid", None)  # a hash of the session number, which differs
    return json.dumps(r, sort_keys=True)

got, ref = load(sys.argv[1]), load(sys.argv[2])
bad = []
tunnel_ids = {s["session_id"] for s in got["session"] if "tunnel" in s}
plain = {t: [key(r) for r in got[t] if r["session_id"] not in tunnel_ids]
         for t in got}
for t in got:
    want = sorted(key(r) for r in ref[t])
    if sorted(plain[t]) != want:
        bad.append("%s records differ from --ports 2525,10025 (%d, want %d)"
                   % (t, len(plain[t]), len(want)))
if any("tunnel" in s for s in ref["session"]):
    bad.append("a tunnel with explicit ports")
tunnels = [s for s in got["session"] if "tunnel" in s]
if len(tunnels) != 1:
    bad.append("%d tunnelled sessions, want 1" % len(tunnels))
else:
    s = tunnels[0]
    if s["tunnel"] != {"type": "http-connect", "target": "127.0.0.2:2525"}:
        bad.append("tunnel %r" % s["tunnel"])
    if s["server_port"] != 8888 or s["greeting_code"] != 220:
        bad.append("tunnelled session: port %r greeting %r"
                   % (s["server_port"], s["greeting_code"]))
ports = sorted({s["server_port"] for s in got["session"]})
if ports != [2525, 8888, 10025]:
    bad.append("sessions on ports %s" % ports)

tx = got["transaction"]
def accepted(r):
    return sorted(x["addr"] for x in r["rcpt_to"] if 200 <= x["code"] < 300)
proxy_qid = None
for line in open(sys.argv[3]):
    qid, sport, cip, cport, frm, rcpts = line.split()
    rcpts = sorted(rcpts.split(","))
    m = [r for r in tx if r["queue_id"] == qid and
         r["session_id"] not in tunnel_ids]
    if len(m) != 1:
        bad.append("%s: %d transactions" % (qid, len(m)))
        continue
    r = m[0]
    if (r["server_port"], r["client_ip"], r["client_port"], r["mail_from"],
            accepted(r), r["outcome"]) != (int(sport), cip, int(cport), frm,
                                          rcpts, "accepted"):
        bad.append("%s: %r" % (qid, (r["server_port"], r["client_ip"],
                   r["client_port"], r["mail_from"], accepted(r),
                   r["outcome"])))
    if cip == "127.0.0.9":
        proxy_qid = (qid, frm, rcpts)
t = [r for r in tx if r["session_id"] in tunnel_ids]
if proxy_qid is None or len(t) != 1 or \
        (t[0]["queue_id"], t[0]["mail_from"], accepted(t[0])) != proxy_qid or \
        t[0]["outcome"] != "accepted":
    bad.append("tunnelled transaction %r, proxy's leg %r"
               % ([(r["queue_id"], r["mail_from"], accepted(r)) for r in t],
                  proxy_qid))
refused = [x for r in tx for x in r["rcpt_to"]
           if x["addr"] == "nobody@example.test"]
if len(refused) != 1 or refused[0]["code"] != 550:
    bad.append("nobody@example.test: %r" % refused)
print("; ".join(bad) if bad else
      "%d sessions, %d transactions, 1 tunnelled" %
      (len(got["session"]), len(tx)))
sys.exit(1 if bad else 0)
PY
	); then
		ok "ports-$mode ($why)"
	else
		fail "ports-$mode" "$why"
	fi
done

# Crafted captures (tests/hostile/make-ports.py): roles the other way
# round, judged at the close, a 4-tuple let go then reused by SMTP, a
# big response let go at its first line, a greeting a byte a segment, a
# hole before the greeting, and 2000 undecided connections at once under
# --max-sessions 64.
if python3 tests/hostile/make-ports.py "$TMP" >/dev/null 2>"$TMP/gen.err"; then
	for case in swapped edges flood-2000; do
		run_scope "ports-$case" -q -r "$TMP/ports-$case.pcap" --ports any \
		    --max-sessions 64 -w "$TMP/$case.jsonl" || continue
		if [ "$rc" != 0 ]; then
			fail "ports-$case" "exit status $rc: $(cat "$TMP/err")"
			continue
		fi
		if why=$(python3 - "$case" "$TMP/$case.jsonl" <<'PY'
import json, sys
case = sys.argv[1]
recs = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
ses = [r for r in recs if r["type"] == "session"]
tx = [r for r in recs if r["type"] == "transaction"]
summ = [r for r in recs if r["type"] == "summary"][0]
bc = summ.get("by_content", {})
got = sorted((s["client_ip"], s["client_port"], s["server_ip"],
              s["server_port"]) for s in ses)
subj = sorted(t["headers"]["subject"] for t in tx
              if t["outcome"] == "accepted")
want = {
    "swapped": ([("192.0.2.25", 7000, "198.51.100.7", 40001)],
                ["swapped"]),
    "edges": ([("198.51.100.7", 41001, "192.0.2.25", 7001),
               ("198.51.100.7", 41002, "192.0.2.25", 8080),
               ("198.51.100.7", 41004, "192.0.2.25", 7004),
               ("198.51.100.7", 41005, "192.0.2.25", 7005)],
              ["ports reused", "ports slow"]),
    "flood-2000": ([("198.51.100.9", 42000, "192.0.2.25", 2525)],
                   ["ports after the flood"]),
}[case]
bad = []
if (got, subj) != want:
    bad.append("sessions %s, messages %s; want %s" % (got, subj, want))
if case == "edges" and not bc.get("released_packets", 0) > 0:
    bad.append("no packet of a connection let go was counted: %r" % bc)
if case == "flood-2000" and (bc.get("judged") != 2001 or
                             summ["sessions_evicted"] == 0):
    bad.append("judged %r, evicted %r" % (bc.get("judged"),
                                          summ["sessions_evicted"]))
print("; ".join(bad) if bad else "%d sessions" % len(ses))
sys.exit(1 if bad else 0)
PY
		); then
			ok "ports-$case ($why)"
		else
			fail "ports-$case" "$why"
		fi
	done
else
	fail ports-crafted "make-ports.py: $(cat "$TMP/gen.err")"
fi

# --ports wants a list, "any" or both; nothing else.
if run_scope ports-usage -r "$CAP" --ports any,x && [ "$rc" = 2 ] &&
    grep -q 'or any' "$TMP/err"; then
	ok ports-usage
else
	fail ports-usage "exit status $rc: $(cat "$TMP/err")"
fi
