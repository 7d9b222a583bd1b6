#!/bin/sh
# Live capture on lo: postfix's smtp-source (find_tool) sends N messages of 2
# recipients each to smtp-sink while smtpscope listens; SIGINT (and
# SIGTERM) then stops smtpscope, which must exit 0 with every session,
# transaction and the summary in its log, and no packet dropped; and a
# capture made to fall behind (live-kernel-drops) says so: its drops, the
# kernel_drops alert, and no mail called lost for them.
# Root only. The port (2525, SMTPSCOPE_LIVE_PORT to change it) stays clear
# of a mail server on 25.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

PORT=${SMTPSCOPE_LIVE_PORT:-2525}
SINK=$(find_tool smtp-sink)
SOURCE=$(find_tool smtp-source)

scope_pid=
sink_pid=
client_pid=
cleanup() {
	for _p in $scope_pid $sink_pid $client_pid; do
		kill -KILL "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

why=$(live_why)
if [ -n "$why" ]; then
	skip live-sigint "$why"
	skip live-sigterm "$why"
	skip live-drop-privileges "$why"
	skip live-filter-refused "$why"
	skip live-kernel-drops "$why"
	exit 0
fi

# live_case NAME SIGNAL N [USER]: with USER, smtpscope runs with -Z USER
# and must have dropped to that user (all four of its uids and gids)
# once it captures; its log is then written as USER, in a directory USER
# owns (-w is opened after the drop, as tcpdump -Z does).
live_case() {
	name=$1
	sig=$2
	n=$3
	user=${4:-}
	log=$TMP/$name.json
	sink_out=$TMP/$name.sink
	set --
	if [ -n "$user" ]; then
		zdir=$(mktemp -d /tmp/smtpscope-z.XXXXXX) || return
		chown "$user" "$zdir"
		chmod 755 "$zdir"
		log=$zdir/$name.json
		set -- -Z "$user"
	fi

	i=0
	while listening "$PORT" && [ "$i" -lt 50 ]; do # a previous sink still going
		sleep 0.1
		i=$((i + 1))
	done
	if listening "$PORT"; then
		skip "$name" "something already listens on 127.0.0.1:$PORT"
		return
	fi

	"$SMTPSCOPE" -i lo --ports "$PORT" -q -w "$log" "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null &
	scope_pid=$!
	wait_capturing "$scope_pid"
	if ! kill -0 "$scope_pid" 2>/dev/null; then
		wait "$scope_pid"
		fail "$name" "smtpscope ended before traffic, exit $?: $(head -c 300 "$TMP/$name.err")"
		scope_pid=
		return
	fi
	if [ -n "$user" ]; then
		want_id="$(id -u "$user") $(id -u "$user") $(id -u "$user") $(id -u "$user")/$(id -g "$user") $(id -g "$user") $(id -g "$user") $(id -g "$user")"
		got_id="$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$scope_pid/status")/$(awk '/^Gid:/ {print $2, $3, $4, $5}' "/proc/$scope_pid/status")"
		if [ "$got_id" != "$want_id" ]; then
			fail "$name" "after -Z $user: uids/gids $got_id, want $want_id"
			kill -KILL "$scope_pid" 2>/dev/null
			wait "$scope_pid" 2>/dev/null
			scope_pid=
			return
		fi
	fi

	"$SINK" -u nobody -c "127.0.0.1:$PORT" 1000 >"$sink_out" 2>&1 </dev/null &
	sink_pid=$!
	wait_listening "$PORT"
	if ! listening "$PORT"; then
		fail "$name" "smtp-sink does not listen on 127.0.0.1:$PORT: $(head -c 300 "$sink_out")"
		kill -INT "$scope_pid"
		wait_exit "$scope_pid" 10
		scope_pid=
		kill "$sink_pid" 2>/dev/null
		wait "$sink_pid" 2>/dev/null
		sink_pid=
		return
	fi

	timeout 120 "$SOURCE" -m "$n" -s 2 -r 2 -l 2000 "127.0.0.1:$PORT" \
		>"$TMP/$name.source" 2>&1 </dev/null
	src_rc=$?
	sleep 2 # the last packets reach the capture
	stop_scope "$sig"
	# smtp-sink -c: "sess=N quit=N mesg=N" after each event, with \r
	sunk=$(tr '\r' '\n' <"$sink_out" | sed -n 's/.*mesg=\([0-9]*\).*/\1/p' | tail -n 1)

	if [ "$src_rc" != 0 ]; then
		fail "$name" "smtp-source failed (exit $src_rc): $(head -c 300 "$TMP/$name.source")"
		return
	fi
	if [ -n "$sunk" ] && [ "$sunk" != "$n" ]; then
		fail "$name" "smtp-sink received $sunk messages of $n: the test, not smtpscope, went wrong"
		return
	fi
	if grep -q -E 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$TMP/$name.err"; then
		fail "$name" "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$TMP/$name.err")"
		return
	fi
	if [ "$rc" = 124 ]; then
		fail "$name" "still running 30 s after SIG$sig"
		return
	fi
	if [ "$rc" != 0 ]; then
		fail "$name" "exit $rc after SIG$sig, want 0; stderr: $(head -c 300 "$TMP/$name.err")"
		return
	fi
	if [ -s "$TMP/$name.err" ]; then
		fail "$name" "stderr with -q: $(head -c 300 "$TMP/$name.err")"
		return
	fi
	last=$(tail -n 1 "$log" 2>/dev/null)
	case $last in
	'{"type":"summary"'*) ;;
	*)
		fail "$name" "the log does not end with a summary (lost at SIG$sig?): $(printf '%s' "$last" | head -c 200)"
		return
		;;
	esac
	if command -v python3 >/dev/null 2>&1 &&
		! python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' \
			<"$log" 2>"$TMP/pyerr"; then
		fail "$name" "the log is not JSON Lines: $(tail -n 1 "$TMP/pyerr")"
		return
	fi

	sessions=$(summary_get sessions "$log")
	transactions=$(summary_get transactions "$log")
	accepted=$(summary_get messages_accepted "$log")
	rcpts=$(summary_get recipients_accepted "$log")
	drops=$(summary_get pcap_drops "$log")
	nohs=$(summary_get no_handshake "$log")
	session_lines=$(grep -c '"type":"session"' "$log")
	accepted_lines=$(grep '"type":"transaction"' "$log" | grep -c '"outcome":"accepted"')
	got="sessions $sessions ($session_lines lines), transactions $transactions, accepted $accepted ($accepted_lines lines), recipients accepted $rcpts, pcap_drops $drops, no_handshake $nohs"
	want="want $n sessions, $n transactions, $n accepted, $((2 * n)) recipients, 0 drops"
	if [ "$drops" != 0 ]; then
		fail "$name" "packets dropped on lo: $got; $want"
	elif [ "$accepted" != "$n" ] || [ "$rcpts" != $((2 * n)) ] ||
		[ "$transactions" != "$n" ] || [ "$accepted_lines" != "$n" ]; then
		fail "$name" "$got; $want"
	elif [ "$sessions" != "$session_lines" ] || [ "$sessions" != "$n" ]; then
		# smtp-source without -d opens one session per message
		fail "$name" "$got; $want"
	elif [ "$nohs" != 0 ]; then
		fail "$name" "$got; $want (no connection without handshake)"
	else
		ok "$name"
	fi
}

# live_refused NAME: a -f so long (1500 alternatives, about 9,300
# instructions with the VLAN variants) that the kernel refuses the
# filter. smtpscope says so in one sentence (even with -q; libpcap's own
# "Warning: Kernel filter failed" never shows) and applies -f itself:
# of two sinks on mail ports, the one -f leaves out is not followed.
live_refused() {
	name=$1
	log=$TMP/$name.json
	other=$((PORT + 1))
	if listening "$PORT" || listening "$other"; then
		skip "$name" "something already listens on 127.0.0.1:$PORT or :$other"
		return
	fi
	long=$(awk 'BEGIN { s = "not ("; for (i = 1; i <= 1500; i++) s = s (i > 1 ? " or " : "") "len = " (100000 + i); print s ")" }')
	"$SMTPSCOPE" -i lo --ports "$PORT,$other" -q -w "$log" \
		-f "($long) and not port $other" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null &
	scope_pid=$!
	# The sentence comes once the filter is set (compiling it takes
	# seconds; libpcap drops what came before).
	i=0
	while [ ! -s "$TMP/$name.err" ] && kill -0 "$scope_pid" 2>/dev/null &&
		[ "$i" -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.5
	if ! kill -0 "$scope_pid" 2>/dev/null; then
		wait "$scope_pid"
		fail "$name" "smtpscope ended before traffic, exit $?: $(head -c 300 "$TMP/$name.err")"
		scope_pid=
		return
	fi
	for p in "$PORT" "$other"; do
		"$SINK" -u nobody "127.0.0.1:$p" 1000 >/dev/null 2>&1 </dev/null &
		sink_pid="$sink_pid $!"
	done
	i=0
	while { ! listening "$PORT" || ! listening "$other"; } && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	timeout 60 "$SOURCE" -m 3 -r 1 "127.0.0.1:$PORT" >/dev/null 2>&1 </dev/null
	timeout 60 "$SOURCE" -m 4 -r 1 "127.0.0.1:$other" >/dev/null 2>&1 </dev/null
	sleep 2
	stop_scope INT
	sessions=$(summary_get sessions "$log")
	lines=$(wc -l <"$TMP/$name.err")
	if grep -q -E 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$TMP/$name.err"; then
		fail "$name" "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$TMP/$name.err")"
	elif [ "$rc" != 0 ]; then
		fail "$name" "exit $rc; stderr: $(head -c 300 "$TMP/$name.err")"
	elif [ "$lines" != 1 ] || ! grep -q '^smtpscope: the kernel refused the capture filter' "$TMP/$name.err"; then
		fail "$name" "stderr should be one sentence about the refused filter: $(head -c 400 "$TMP/$name.err")"
	elif [ "$sessions" != 3 ]; then
		fail "$name" "$sessions sessions, want the 3 on port $PORT (-f leaves out $other)"
	else
		ok "$name"
	fi
}

# live_drops NAME: a capture that falls behind. Python's smtplib sends
# 300 messages of 14 KB to smtp-sink, one session each, 20 ms apart
# (more than six seconds); smtpscope, with a kernel buffer of 1 MB,
# is stopped (SIGSTOP) for 2.5 s of that, so that the kernel drops what
# comes meanwhile. libpcap's drops must be in the summary (pcap_drops),
# the kernel_drops alert raised (its record and the summary's alerts),
# mail accepted before the stop and after it (the capture recovers),
# and no transaction the drops cut called lost mail: each
# is accepted, or unknown with the capture loss that explains it (a
# session cut by the drops). What it saw goes to the log as a comment.
live_drops() {
	name=$1
	log=$TMP/$name.json
	if listening "$PORT"; then
		skip "$name" "something already listens on 127.0.0.1:$PORT"
		return
	fi
	"$SINK" -u nobody "127.0.0.1:$PORT" 1000 >/dev/null 2>&1 </dev/null &
	sink_pid=$!
	"$SMTPSCOPE" -i lo --ports "$PORT" -B 1 -q -w "$log" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null &
	scope_pid=$!
	i=0
	while { ! capturing "$scope_pid" || ! listening "$PORT"; } &&
		kill -0 "$scope_pid" 2>/dev/null && [ "$i" -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 1
	: >"$TMP/$name.client"
	timeout 120 python3 - "$PORT" >"$TMP/$name.client" 2>&1 <<'PY' &
import smtplib, sys, time
body = "Subject: paced\r\n\r\n" + ("x" * 70 + "\r\n") * 200
for i in range(300):
    s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30)
    s.sendmail("sender@src.example", ["rcpt@dst.example"], body)
    s.quit()
    print(i, flush=True)
    time.sleep(0.02)
PY
	client_pid=$!
	# stopped once 30 messages went through, seen whole
	i=0
	while [ "$(wc -l <"$TMP/$name.client")" -lt 30 ] &&
		kill -0 "$client_pid" 2>/dev/null && [ "$i" -lt 300 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	kill -STOP "$scope_pid"
	stopped=$(date +%s.%N)
	sleep 2.5
	kill -CONT "$scope_pid"
	resumed=$(date +%s.%N)
	wait "$client_pid"
	client_rc=$?
	client_pid=
	sleep 2 # the last packets read, the counters asked
	stop_scope INT
	if [ "$client_rc" != 0 ]; then
		fail "$name" "the client failed (exit $client_rc): $(head -c 300 "$TMP/$name.client")"
		return
	fi
	if grep -q -E 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$TMP/$name.err"; then
		fail "$name" "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$TMP/$name.err")"
		return
	fi
	if [ "$rc" != 0 ]; then
		fail "$name" "exit $rc; stderr: $(head -c 300 "$TMP/$name.err")"
		return
	fi
	pycheck "$name" "$log" "$stopped" "$resumed" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
stopped, resumed = float(sys.argv[2]), float(sys.argv[3])
summ = recs[-1]
if summ.get('type') != 'summary':
    print('no summary at the end'); sys.exit(1)
drops = summ.get('pcap_drops') or 0
if drops == 0:
    print('the kernel dropped nothing (pcap_drops 0): the stop did not make the capture fall behind')
    sys.exit(1)
bad = []
al = [r for r in recs if r['type'] == 'alert' and r['alert'] == 'kernel_drops']
if not al or al[0]['state'] != 'raised' or al[0]['value'] < 1:
    bad.append('no kernel_drops alert raised (%s)' % al[:1])
if summ['alerts']['kernel_drops']['raised'] != 1:
    bad.append("the summary's alerts say %s" % summ['alerts']['kernel_drops'])
tx = [r for r in recs if r['type'] == 'transaction']
acc = sum(1 for r in tx if r['outcome'] == 'accepted')
before = sum(1 for r in tx if r['outcome'] == 'accepted' and r['ts_end'] < stopped)
after = sum(1 for r in tx if r['outcome'] == 'accepted' and r['ts'] > resumed)
if before == 0 or after == 0:
    bad.append('messages accepted before the stop %d, begun after it %d: want both (%d packets dropped)'
               % (before, after, drops))
if summ['lost'] != 0:
    bad.append('%d transactions lost with %d packets dropped' % (summ['lost'], drops))
for r in tx:
    if r['outcome'] != 'accepted' and (r['outcome'] != 'unknown' or not r.get('capture_loss')):
        bad.append('transaction %d/%d is %s, capture_loss %s, with %d packets dropped'
                   % (r['session_id'], r['trans_depth'], r['outcome'], r.get('capture_loss'), drops))
        break
if bad:
    print('; '.join(bad))
    sys.exit(1)
# what it saw, for the record: the drops may fall on acknowledgements only
sys.stderr.write('# %s: %d packets dropped, %d of 300 accepted (%d before the stop, %d begun after it), %d unknown (capture loss)\n'
                 % (sys.argv[1].rsplit('/', 1)[-1], drops, acc, before, after,
                    sum(1 for r in tx if r['outcome'] == 'unknown')))
PY
}

live_case live-sigint INT 30
live_case live-sigterm TERM 10
live_case live-drop-privileges TERM 10 nobody
live_refused live-filter-refused
live_drops live-kernel-drops
if [ -n "${zdir:-}" ]; then rm -rf "$zdir"; fi
