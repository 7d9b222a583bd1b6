#!/bin/sh
# Memory budgets (issue 11): each pool that grows with the traffic is
# pushed past its budget by a crafted capture (tests/hostile/
# make-memory.py and make-hostile.py, made under $TMP at test time), and
# the run must evict (the summary's counters say how many) and stay
# under a peak RSS derived from the budgets that --memory-plan prints:
#
#   the same options on a capture of one session (the base)
#   + twice the budget of the pool pushed (the allocator's slack)
#   + 4 MiB (what else the run touches: the log's buffers, the
#     sessions that come with the pool's load),
#   and never over --memory-limit.
#
# Pools: the sessions' data (255 pipelined MAILs a session, never
# answered: 2000 sessions want 1 GiB; 12 sessions of 1000 recipients
# and 255 pipelined MAILs, 2.1 MiB each), the session slots (70,000 never
# closed), out-of-order segments (40 connections with 260 KB waiting
# each way), IP fragments (300,000 first fragments to as many hosts),
# IPv6 stand-ins (300,000 other sources between a SYN and its SYN-ACK;
# 3,000 refused SYNs with 1,024 stand-ins), message tracking (4N
# messages of 40 recipients and N/2 DSNs to nowhere: flat from N to 4N,
# see its section). Most run with
# --memory-limit 64M (the smallest) so that a few MB of capture
# overflow them; the sessions, fragments and stand-ins also at the
# defaults (1 GiB). Peak RSS is measured with /usr/bin/time (Debian's
# "time"), on the normal build only: ASan's shadow memory inflates it,
# so under ASan only the counters are checked, and the runs at the
# default limit, which fill hundreds of MiB, are skipped.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

GEN=tests/hostile/make-memory.py
LIMIT=${SMTPSCOPE_HOSTILE_TIMEOUT:-120} # seconds per run

case $(basename "$SMTPSCOPE")$SMTPSCOPE in
*asan*) asan=1 ;;
*) asan= ;;
esac
if ! command -v python3 >/dev/null 2>&1; then
	skip memory "no python3 to write the captures"
	exit 0
fi
have_time=
[ -x /usr/bin/time ] && have_time=1
if [ -n "$asan" ]; then
	skip memory-rss "ASan build: shadow memory inflates RSS, not checked"
elif [ -z "$have_time" ]; then
	skip memory-rss "no /usr/bin/time (Debian package \"time\"): RSS not measured"
fi

# gen NAME COUNT: $TMP/cap/NAME-COUNT.pcap; false (and a failure) if the
# generator fails.
gen() {
	if [ -f "$TMP/cap/$1-$2.pcap" ] || python3 "$GEN" "$TMP/cap" "$1" "$2" >"$TMP/gen.out" 2>&1; then
		return 0
	fi
	fail "memory-generate-$1" "$GEN failed: $(tail -n 3 "$TMP/gen.out")"
	return 1
}

# plan KEY[+KEY...] ARGS...: the value of KEY in --memory-plan with
# ARGS (the sum of those named).
plan() {
	_k=$1
	shift
	"$SMTPSCOPE" --memory-plan "$@" >"$TMP/plan" || return
	_sum=0
	for _key in $(echo "$_k" | tr + ' '); do
		_v=$(sed -n "s/^$_key //p" "$TMP/plan")
		[ -n "$_v" ] || return
		_sum=$((_sum + _v))
	done
	echo "$_sum"
}

# peak CAPTURE ARGS...: runs smtpscope -q -r CAPTURE -w $TMP/x.json ARGS;
# $rc, $rss (KiB), $cpu (user + system time) and $wall (elapsed), both
# in hundredths of a second (all three empty when not measured). Fails
# (and returns 1) on a timeout, a sanitizer report, an exit status but
# 0, anything on stderr or a log that does not end with the summary.
peak() {
	_cap=$1
	shift
	log=$TMP/x.json
	rm -f "$log" "$TMP/rss"
	rss= cpu= wall=
	if [ -n "$have_time" ] && [ -z "$asan" ]; then
		/usr/bin/time -f '%e %U %S %M' -o "$TMP/rss" \
			timeout -k 5 "$LIMIT" \
			"$SMTPSCOPE" -q -r "$_cap" -w "$log" "$@" \
			>"$TMP/out" 2>"$TMP/err" </dev/null
		rc=$?
		_t=$(tail -n 1 "$TMP/rss" 2>/dev/null)
		rss=$(echo "$_t" | awk 'NF == 4 { print $4 }')
		case $rss in '' | *[!0-9]*) rss= ;; esac
		if [ -n "$rss" ]; then
			cpu=$(echo "$_t" | awk '{ printf "%d", ($2 + $3) * 100 + 0.5 }')
			wall=$(echo "$_t" | awk '{ printf "%d", $1 * 100 + 0.5 }')
		fi
	else
		timeout -k 5 "$LIMIT" "$SMTPSCOPE" -q -r "$_cap" -w "$log" "$@" \
			>"$TMP/out" 2>"$TMP/err" </dev/null
		rc=$?
	fi
	if grep -q -E 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$TMP/err"; then
		fail "$tname" "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$TMP/err")"
		return 1
	fi
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		fail "$tname" "still running after ${LIMIT} s (killed)"
		return 1
	fi
	if [ "$rc" != 0 ] || [ -s "$TMP/err" ]; then
		fail "$tname" "exit $rc, stderr: $(head -c 300 "$TMP/err")"
		return 1
	fi
	case $(tail -n 1 "$log" 2>/dev/null) in
	'{"type":"summary"'*) ;;
	*)
		fail "$tname" "the log does not end with the summary"
		return 1
		;;
	esac
	return 0
}

# A capture of one ordinary session, for the base of each bound.
python3 tests/hostile/make-hostile.py "$TMP/cap" c1text >/dev/null 2>&1 ||
	fail memory-generate-base "make-hostile.py c1text failed"

# memtest NAME CAPTURE POOLKEY ARGS...: runs CAPTURE with ARGS as the
# check memory-NAME (the wants added before are its checks), then, on
# the normal build, checks its peak RSS as memory-NAME-rss against the
# base (ARGS on the one-session capture) plus twice the budget POOLKEY
# (KEY+KEY: their sum) of --memory-plan with ARGS, and against
# --memory-limit.
memtest() {
	tname=memory-$1
	_capfile=$2
	_pool=$3
	shift 3
	_budget=$(plan "$_pool" "$@")
	_limit=$(plan memory_limit "$@")
	if [ -z "$_budget" ] || [ -z "$_limit" ]; then
		rm -f "$TMP/wants"
		fail "$tname" "--memory-plan $* gave no $_pool or memory_limit"
		return
	fi
	if [ -n "$have_time" ] && [ -z "$asan" ]; then
		/usr/bin/time -f %M -o "$TMP/rss" "$SMTPSCOPE" -q \
			-r "$TMP/cap/c1text.pcap" -w /dev/null "$@" >/dev/null 2>&1
		_base=$(tail -n 1 "$TMP/rss")
	fi
	_t0=$(date +%s)
	if ! peak "$_capfile" "$@"; then
		rm -f "$TMP/wants"
		return
	fi
	verdict
	[ -n "$rss" ] || return
	_bound=$((_base + 2 * _budget / 1024 + 4096))
	[ "$_bound" -le $((_limit / 1024)) ] || _bound=$((_limit / 1024))
	echo "# $tname: $(($(date +%s) - _t0)) s, peak RSS $rss KiB; base $_base KiB, $_pool $((_budget / 1024)) KiB: bound $_bound KiB"
	if [ "$rss" -le "$_bound" ]; then
		ok "$tname-rss"
	else
		fail "$tname-rss" "peak RSS $rss KiB, over $_bound KiB (base $_base KiB + 2 x $_pool $((_budget / 1024)) KiB + 4096 KiB, limit $((_limit / 1024)) KiB)"
	fi
}

# The sessions' data: 400 sessions of 255 pipelined MAILs want about
# 200 MiB; 64M leaves the sessions about 10 MiB: those quiet the longest
# are closed, each session is still logged.
if gen pipelined 400; then
	want "400 sessions, each logged" 'S["sessions"] == 400 and len(SS) == 400'
	want "evicted for memory" 'S["sessions_evicted_memory"] >= 300'
	want "not at --max-sessions" 'S["sessions_evicted"] == 0'
	got='dict(sessions=S["sessions"], evicted_memory=S["sessions_evicted_memory"], max_active=S["max_active_sessions"])'
	memtest sessions-64M "$TMP/cap/pipelined-400.pcap" max_session_bytes --memory-limit 64M
fi
# The same at the default limit: 2000 sessions want 1 GiB, the sessions'
# budget is about 790 MiB.
if [ -n "$asan" ]; then
	skip memory-sessions-default "ASan build: about 1 GiB of sessions"
elif gen pipelined 2000; then
	want "2000 sessions" 'S["sessions"] == 2000 and len(SS) == 2000'
	want "evicted for memory" 'S["sessions_evicted_memory"] >= 100'
	got='dict(sessions=S["sessions"], evicted_memory=S["sessions_evicted_memory"], max_active=S["max_active_sessions"])'
	memtest sessions-default "$TMP/cap/pipelined-2000.pcap" max_session_bytes
fi

# The heaviest sessions we know (2.1 MiB each with the Zeek log and the
# transcript, whose per-session state is counted too): 12 of them at 64M.
if gen heavy 12; then
	want "12 sessions" 'S["sessions"] == 12 and len(SS) == 12'
	want "evicted for memory" 'S["sessions_evicted_memory"] >= 4'
	want "every recipient counted" 'S["recipients"] == 12 * 1032'
	got='dict(sessions=S["sessions"], evicted_memory=S["sessions_evicted_memory"], recipients=S["recipients"])'
	memtest heavy-64M "$TMP/cap/heavy-12.pcap" max_session_bytes --memory-limit 64M --zeek-log "$TMP/zeek" --transcript
fi

# Session slots: 70,000 handshakes never closed; 64M gives about 1200
# slots, the oldest session goes for each new one.
slots=$(plan max_sessions --memory-limit 64M)
if python3 tests/hostile/make-hostile.py "$TMP/cap" opensessions >/dev/null 2>&1; then
	want "70000 sessions" 'S["sessions"] == 70000 and len(SS) == 70000'
	want "at most $slots open" "S[\"max_active_sessions\"] == $slots"
	want "every eviction counted" "S[\"sessions_evicted\"] == 70000 - $slots and S[\"libnids_warnings\"][\"tcp_too_many_streams\"] == 70000 - $slots and S[\"sessions_evicted_memory\"] == 0"
	got='dict(sessions=S["sessions"], max_active=S["max_active_sessions"], evicted=S["sessions_evicted"], evicted_memory=S["sessions_evicted_memory"])'
	memtest slots-64M "$TMP/cap/opensessions.pcap" session_slots_bytes+max_session_bytes --memory-limit 64M
else
	fail memory-generate-opensessions "make-hostile.py opensessions failed"
fi

# Out-of-order segments: 40 connections, 260 KB waiting behind a hole
# each way; a direction holds 256 KiB at most, all of them 1 MiB at 64M:
# the queues of the connections quiet the longest are evicted.
if gen ooofull 40; then
	want "40 sessions" 'S["sessions"] == 40'
	want "queues evicted" 'S["receiver"]["queues_evicted"] >= 30'
	want "over a direction's budget: dropped" 'S["receiver"]["segments_dropped"] >= 80'
	want "libnids queued nothing" 'S["libnids_warnings"]["tcp_queue_too_big"] == 0'
	got='dict(receiver=S["receiver"], warnings=S["libnids_warnings"])'
	memtest ooo-64M "$TMP/cap/ooofull-40.pcap" max_ooo_bytes --memory-limit 64M
fi

# IP fragments: 300,000 first fragments to as many hosts (before the
# fragment pool, libnids kept them all: 134 MiB).
if gen fragments 300000; then
	want "all seen" 'S["receiver"]["fragments"] == 300000'
	want "oldest evicted" 'S["receiver"]["fragment_evicted"] >= 299000'
	got='dict(receiver=S["receiver"])'
	memtest fragments-64M "$TMP/cap/fragments-300000.pcap" max_fragment_bytes --memory-limit 64M
	want "all seen" 'S["receiver"]["fragments"] == 300000'
	want "oldest evicted" 'S["receiver"]["fragment_evicted"] >= 280000'
	got='dict(receiver=S["receiver"])'
	memtest fragments-default "$TMP/cap/fragments-300000.pcap" max_fragment_bytes
fi

# IPv6 stand-ins: between a SYN and its SYN-ACK, ACKs from 300,000 other
# IPv6 sources (more than the 262,144 stand-ins there were): they map
# nothing, the session is followed. Then 3,000 SYNs from other sources,
# each refused by the server, with 1,024 stand-ins: they are recycled,
# but never the two the handshake under way needs.
if gen v6acks 300000; then
	want "the session followed" 'S["sessions"] == 1 and S["messages_accepted"] == 1 and [t["mail_from"] for t in T] == ["v6@example.test"]'
	want "no stand-in for an ACK" 'S["receiver"]["ipv6_standins_recycled"] == 0 and S["receiver"]["ipv6_standins_full"] == 0'
	got='dict(sessions=S["sessions"], accepted=S["messages_accepted"], receiver=S["receiver"], no_handshake=S["no_handshake"])'
	memtest v6-acks-default "$TMP/cap/v6acks-300000.pcap" ipv6_standins_bytes
fi
if gen v6synrst 3000; then
	want "the session followed" 'S["sessions"] == 1 and S["messages_accepted"] == 1'
	want "stand-ins recycled" 'S["receiver"]["ipv6_standins_recycled"] >= 1900'
	want "none refused" 'S["receiver"]["ipv6_standins_full"] == 0'
	got='dict(sessions=S["sessions"], accepted=S["messages_accepted"], receiver=S["receiver"])'
	memtest v6-synrst-1024 "$TMP/cap/v6synrst-3000.pcap" ipv6_standins_bytes --max-ipv6-standins 1024
fi

# Message tracking (issue 13): make-memory.py track N writes N sessions
# of 4 messages (distinct Message-IDs and queue ids, 40 recipients, every
# tenth refused) and a DSN to nowhere after every other session, 4.5 N
# messages, to a server seen passing a message on (a relay): its
# messages wait the window (900 s; the capture lasts seconds), so only
# eviction settles them. The tracker follows at most --track-max (20000)
# holding at most 16 MiB: at N it is already full (about 1,070 of these
# held at once), so at 4N its peak RSS stays where it was: within 10 % of
# N's, and under 64 MiB (--no-track's on the same capture, 27 MiB, plus
# twice the 16 MiB, plus 4 MiB). Its CPU time grows with the input and
# no faster: 4N under 5 times N (N's taken as 0.2 s at least, so that
# noise makes no ratio). trackdest N is the same to a final destination
# (never seen sending): the tracker settles its messages after 10 s or
# when 1024 newer came; flat as well. --track-max 100 holds 100 (its peak
# under --no-track's plus 4 MiB); --no-track writes no message record.
# RSS and time on the normal build only.
TRACK_N=${SMTPSCOPE_TRACK_N:-1000}
n1=$TRACK_N
n4=$((4 * TRACK_N))
# track_wants KIND N: the counters of a run with the defaults on KIND-N
# (track: the relay's session out, one message more).
track_wants() {
	if [ "$1" = track ]; then
		_s=$(($2 + 1)) _m=$(($2 * 4 + $2 / 2 + 1))
		want "the oldest evicted" \
			"S[\"tracking\"][\"evicted\"] > 0"
	else
		_s=$2 _m=$(($2 * 4 + $2 / 2))
		want "settled after 256 newer, none evicted" \
			"S[\"tracking\"][\"evicted\"] == 0"
	fi
	want "$_s sessions" "S[\"sessions\"] == $_s"
	# A message at one hop and nothing more to say gets no record of
	# its own (docs/log-schema.md); a DSN always does.
	want "every message and DSN followed, the DSNs written" \
		"S[\"tracking\"][\"messages\"] == $_m and S[\"tracking\"][\"message_records\"] == $(($2 / 2)) and L.count('{\"type\":\"message\"') == $(($2 / 2))"
	want "every DSN seen, none linked to anything" \
		"S[\"tracking\"][\"dsn\"] == $(($2 / 2)) and S[\"tracking\"][\"bounces_linked\"] == 0 and S[\"tracking\"][\"multi_hop\"] == 0"
	want "every recipient's fate" \
		"S[\"tracking\"][\"recipients\"][\"delivered\"] == $(($2 * 4 * 36 + $2 / 2 + $_s - $2)) and S[\"tracking\"][\"recipients\"][\"rejected\"] == $(($2 * 4 * 4))"
	got='S["tracking"]'
}
# track_flat KIND: KIND at N and 4N; $rss4 and $cpu4 are 4N's.
track_flat() {
	gen "$1" "$n1" && gen "$1" "$n4" || return
	tname=memory-$1-$n1
	track_wants "$1" "$n1"
	want "distinct Message-IDs" 'len(M) == len(set(m["message_id"] for m in M))'
	peak "$TMP/cap/$1-$n1.pcap" && verdict
	rm -f "$TMP/wants"
	_rss1=$rss _cpu1=$cpu _wall1=$wall
	tname=memory-$1-$n4
	track_wants "$1" "$n4"
	peak "$TMP/cap/$1-$n4.pcap" && verdict
	rm -f "$TMP/wants"
	rss4=$rss cpu4=$cpu
	[ -n "$_rss1" ] && [ -n "$rss4" ] || return
	echo "# memory-$1: peak RSS $_rss1 KiB at $n1 sessions, $rss4 KiB at $n4; CPU $_cpu1 cs, $cpu4 cs; elapsed $_wall1 cs, $wall cs"
	if [ $((rss4 * 100)) -le $((_rss1 * 110)) ] && [ "$rss4" -le 65536 ]; then
		ok "memory-$1-rss-flat"
	else
		fail "memory-$1-rss-flat" "peak RSS $rss4 KiB at $n4 sessions, $_rss1 KiB at $n1: want within 10 % and under 65536 KiB"
	fi
	_floor=$_cpu1
	[ "$_floor" -ge 20 ] || _floor=20
	if [ "$cpu4" -lt $((5 * _floor)) ]; then
		ok "memory-$1-time"
	else
		fail "memory-$1-time" "CPU $cpu4 cs at $n4 sessions, $_cpu1 cs at $n1: want under 5 times"
	fi
}
track_flat trackdest
track_flat track
if [ -f "$TMP/cap/track-$n4.pcap" ]; then
	tname=memory-track-max100
	want "at most 100 followed: all but 100 evicted" \
		"S[\"tracking\"][\"messages\"] == $((n4 * 4 + n4 / 2 + 1)) and S[\"tracking\"][\"evicted\"] >= S[\"tracking\"][\"messages\"] - 100 and L.count('\"settled\":\"end\"') <= 100"
	got='S["tracking"]'
	peak "$TMP/cap/track-$n4.pcap" --track-max 100 && verdict
	rm -f "$TMP/wants"
	rss100=$rss
	tname=memory-track-off
	want "no message record" "L.count('{\"type\":\"message\"') == 0"
	want "no tracking counters" 'S["tracking"] is None and S["dropped"] == 0'
	want "$((n4 + 1)) sessions" "S[\"sessions\"] == $((n4 + 1)) and S[\"transactions\"] == $((n4 * 4 + n4 / 2 + 1))"
	got='dict(sessions=S["sessions"], tracking=S["tracking"], dropped=S["dropped"])'
	peak "$TMP/cap/track-$n4.pcap" --no-track && verdict
	rm -f "$TMP/wants"
	rss0=$rss
	if [ -n "$rss100" ] && [ -n "$rss0" ] && [ -n "$rss4" ]; then
		echo "# memory-track-max100: peak RSS $rss100 KiB with --track-max 100, $rss0 KiB with --no-track, $rss4 KiB with the defaults ($n4 sessions)"
		if [ "$rss100" -le $((rss0 + 4096)) ] && [ "$rss100" -lt "$rss4" ]; then
			ok memory-track-max100-rss
		else
			fail memory-track-max100-rss "peak RSS $rss100 KiB with --track-max 100, $rss0 KiB with --no-track, $rss4 KiB with the defaults: want at most --no-track's + 4096 KiB"
		fi
	fi
fi
