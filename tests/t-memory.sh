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
# 3,000 refused SYNs with 1,024 stand-ins). Most run with
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
# $rc, $rss (KiB, empty when not measured). Fails (and returns 1) on a
# timeout, a sanitizer report, an exit status but 0, anything on stderr
# or a log that does not end with the summary.
peak() {
	_cap=$1
	shift
	log=$TMP/x.json
	rm -f "$log" "$TMP/rss"
	rss=
	if [ -n "$have_time" ] && [ -z "$asan" ]; then
		/usr/bin/time -f %M -o "$TMP/rss" timeout -k 5 "$LIMIT" \
			"$SMTPSCOPE" -q -r "$_cap" -w "$log" "$@" \
			>"$TMP/out" 2>"$TMP/err" </dev/null
		rc=$?
		rss=$(tail -n 1 "$TMP/rss" 2>/dev/null)
		case $rss in '' | *[!0-9]*) rss= ;; esac
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
