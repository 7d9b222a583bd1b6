#!/bin/sh
# A clock set while a capture runs (issue 11): idle timeouts must not
# fire on the jump. From a file: a real capture (captures/sink-v4.pcap,
# smtp-source to smtp-sink) whose timestamps step by an hour in the
# middle of two open sessions (tests/tools/pcapstep.py) must give the
# records of the capture as it was, times apart, with the jump counted
# and the sessions across it marked; a client that really vanished is
# still timed out. Live (root): smtpscope on lo while a client pauses
# inside a transaction and the wall clock, and with it the packets'
# timestamps, moves an hour on (tests/tools/clockstep.c, LD_PRELOAD):
# the message must still be seen accepted.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

CAP=captures/sink-v4.pcap
STEP=tests/tools/pcapstep.py

# norm FILE: the records without the times and the marks of the jump.
norm() {
	python3 - "$1" <<'PY'
import json, sys
def clean(o):
    if isinstance(o, dict):
        return {k: clean(v) for k, v in o.items()
                if k not in ('ts', 'ts_end', 'duration', 'anomalies', 'uid')
                and not k.endswith('latency')}
    if isinstance(o, list):
        return [clean(x) for x in o]
    return o
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r['type'] == 'summary':
        continue
    if r['type'] == 'anomaly' and r.get('name') == 'clock_jump':
        continue
    print(json.dumps(clean(r), sort_keys=True))
PY
}

# marked FILE: the client ports of the sessions marked clock_jump.
marked() {
	python3 -c '
import json, sys
print(" ".join(sorted(str(r["client_port"]) for r in map(json.loads, open(sys.argv[1]))
      if r["type"] == "anomaly" and r["name"] == "clock_jump")))' "$1"
}

if ! command -v python3 >/dev/null 2>&1; then
	skip clock-file "no python3"
else
	run_scope clock-file-base -q -r "$CAP" -w "$TMP/base.json" || exit 0
	norm "$TMP/base.json" >"$TMP/base.norm"
	# Packet 165 is in the middle of the sessions from ports 38580 and
	# 38596; both go on after it, and one more session follows.
	for s in 3600 -3600; do
		name=clock-file-step$s
		python3 "$STEP" "$CAP" "$TMP/step.pcap" 165 "$s"
		run_scope "$name" -r "$TMP/step.pcap" -w "$TMP/step.json" || continue
		norm "$TMP/step.json" >"$TMP/step.norm"
		jumps=$(summary_get clock_jumps "$TMP/step.json")
		idle=$(summary_get idle_expired "$TMP/step.json")
		m=$(marked "$TMP/step.json")
		if [ "$rc" != 0 ]; then
			fail "$name" "exit $rc: $(head -c 300 "$TMP/err")"
		elif ! cmp -s "$TMP/base.norm" "$TMP/step.norm"; then
			fail "$name" "the records differ from the capture's without the step: $(diff "$TMP/base.norm" "$TMP/step.norm" | head -n 3 | cut -c 1-300)"
		elif [ "$jumps" != 1 ] || [ "$idle" != 0 ]; then
			fail "$name" "clock_jumps $jumps idle_expired $idle, want 1 and 0"
		elif [ "$m" != "38580 38596" ]; then
			fail "$name" "sessions marked clock_jump: '$m', want the two open across the step (38580 38596)"
		elif ! grep -q "clock jumped 1 times by over 60 s (at most 3600 s)" "$TMP/err"; then
			fail "$name" "no word of the jump on stderr: $(head -c 300 "$TMP/err")"
		else
			ok "$name"
		fi
	done

	# A client that vanished (no FIN: its packets from 100 on are cut)
	# before two gaps of an hour: each gap counts 60 s on the idle
	# clock, so --idle-timeout 100 times it out and only it.
	name=clock-file-abandoned
	python3 "$STEP" "$CAP" "$TMP/ab.pcap" --cut 38566:100 150 3600 250 3600
	if run_scope "$name" -q --idle-timeout 100 -r "$TMP/ab.pcap" -w "$TMP/ab.json"; then
		ends=$(python3 -c '
import json, sys
print(" ".join("%d:%s" % (r["client_port"], r["end"]) for r in sorted(
    (r for r in map(json.loads, open(sys.argv[1])) if r["type"] == "session"),
    key=lambda r: r["session_id"])))' "$TMP/ab.json")
		idle=$(summary_get idle_expired "$TMP/ab.json")
		jumps=$(summary_get clock_jumps "$TMP/ab.json")
		want="38552:rst 38560:rst 38562:rst 38566:timeout 38580:rst 38596:rst 38608:rst"
		if [ "$rc" != 0 ] || [ "$ends" != "$want" ] || [ "$idle" != 1 ] || [ "$jumps" != 2 ]; then
			fail "$name" "exit $rc, sessions $ends (want $want), idle_expired $idle (want 1), clock_jumps $jumps (want 2)"
		else
			ok "$name"
		fi
	fi
	# A first IPv4 fragment whose rest never comes, then a SYN GAP
	# seconds later: the fragment queue times out after 30 s on the idle
	# clock (an hour's jump counts 60 s), not before.
	for gap in 20 40 3600; do
		name=clock-fragment-gap$gap
		python3 - "$TMP/frag.pcap" "$gap" <<'PY'
import struct, sys
def csum(b):
    s = sum(struct.unpack('>%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def ip(ident, flags_off, payload):
    h = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident,
                    flags_off, 64, 6, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    h = h[:10] + struct.pack('>H', csum(h)) + h[12:]
    return b'\x02' * 6 + b'\x04' * 6 + b'\x08\x00' + h + payload
syn = struct.pack('>HHIIBBHHH', 40000, 25, 1, 0, 0x50, 0x02, 65535, 0, 0)
recs = [(1700000000, ip(1, 0x2000, syn + b'x' * 16)),  # MF, offset 0
        (1700000000 + int(sys.argv[2]), ip(2, 0, syn))]
out = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
for t, p in recs:
    out += struct.pack('<IIII', t, 0, len(p), len(p)) + p
open(sys.argv[1], 'wb').write(out)
PY
		if run_scope "$name" -q -r "$TMP/frag.pcap" -w "$TMP/frag.json"; then
			got=$(sed -n 's/.*"fragment_timeouts":\([0-9]*\).*/\1/p' "$TMP/frag.json")
			want=1
			[ "$gap" = 20 ] && want=0
			if [ "$rc" != 0 ] || [ "$got" != "$want" ]; then
				fail "$name" "exit $rc, fragment_timeouts $got, want $want"
			else
				ok "$name"
			fi
		fi
	done
fi

# --- live ----------------------------------------------------------------

PORT=${SMTPSCOPE_CLOCK_PORT:-2527}
SINK=$(find_tool smtp-sink)
why=
if [ "$(id -u)" != 0 ]; then
	why="not root"
elif [ -z "$SINK" ]; then
	why=$(tool_why smtp-sink)
elif ! command -v python3 >/dev/null 2>&1; then
	why="no python3"
elif ! id nobody >/dev/null 2>&1; then
	why="no user nobody for smtp-sink -u"
elif listening "$PORT"; then
	why="something already listens on 127.0.0.1:$PORT"
elif ! ${CC:-cc} -shared -fPIC -o "$TMP/clockstep.so" tests/tools/clockstep.c 2>"$TMP/ccerr"; then
	why="cannot build tests/tools/clockstep.c: $(head -c 200 "$TMP/ccerr")"
fi
if [ -n "$why" ]; then
	skip clock-live "$why"
	exit 0
fi

name=clock-live
scope_pid=
sink_pid=
trap 'kill -KILL $scope_pid $sink_pid 2>/dev/null; rm -rf "$TMP"' EXIT
CLOCKSTEP_FILE=$TMP/stepped CLOCKSTEP_SECONDS=3600 \
	LD_PRELOAD=$TMP/clockstep.so ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0 \
	"$SMTPSCOPE" -i lo --ports "$PORT" -q -w "$TMP/live.json" \
	>"$TMP/live.out" 2>"$TMP/live.err" </dev/null &
scope_pid=$!
i=0
while ! capturing "$scope_pid" && kill -0 "$scope_pid" 2>/dev/null && [ "$i" -lt 200 ]; do
	sleep 0.1
	i=$((i + 1))
done
sleep 1
"$SINK" -u nobody -c "127.0.0.1:$PORT" 100 >"$TMP/sink.out" 2>&1 </dev/null &
sink_pid=$!
wait_listening "$PORT"
# The clock is set while the client waits between RCPT and DATA.
timeout 60 python3 - "$PORT" "$TMP/stepped" >"$TMP/client.out" 2>&1 <<'PY'
import smtplib, sys, time
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), 'client.example', timeout=30)
s.ehlo()
s.mail('sender@example.org')
s.rcpt('rcpt@example.net')
time.sleep(1)
open(sys.argv[2], 'w').close()
time.sleep(2)
code, _ = s.data(b'Subject: clock\r\n\r\nset while I waited\r\n')
print(code)
s.quit()
PY
client_rc=$?
sleep 1
stop_scope INT
if [ "$client_rc" != 0 ] || [ "$(cat "$TMP/client.out")" != 250 ]; then
	fail "$name" "the client failed (the test, not smtpscope): $(head -c 300 "$TMP/client.out")"
elif grep -q -E 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$TMP/live.err"; then
	fail "$name" "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$TMP/live.err")"
elif [ "$rc" != 0 ]; then
	fail "$name" "exit $rc: $(head -c 300 "$TMP/live.err")"
else
	got=$(python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
tx = [r for r in recs if r["type"] == "transaction"]
se = [r for r in recs if r["type"] == "session"]
an = [r["name"] for r in recs if r["type"] == "anomaly"]
su = recs[-1]
print("transactions %s sessions %s idle_expired %s clock_jumps %s anomalies %s" % (
    ",".join("%s/%s" % (t["outcome"], t["final_code"]) for t in tx),
    ",".join(s["end"] for s in se), su.get("idle_expired"), su.get("clock_jumps"),
    ",".join(an)))' "$TMP/live.json" 2>&1)
	want="transactions accepted/250 sessions fin idle_expired 0 clock_jumps 1 anomalies clock_jump"
	case $got in
	"$want" | "${want%fin*}rst${want#*fin}") ok "$name" ;;
	*) fail "$name" "$got; want $want" ;;
	esac
fi
