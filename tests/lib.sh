# Shared by the test scripts: sourced, not run.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A test script gets the binary under test in $SMTPSCOPE (a normal or a
# sanitizer build) and reports each check on stdout as one line:
#   ok NAME | FAIL NAME: why | skip NAME: why
# tests/run.sh counts them.

TOP=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SMTPSCOPE_SHARED:-$TOP/../shared}
: "${SMTPSCOPE:=$TOP/smtpscope}"
case $SMTPSCOPE in /*) ;; *) SMTPSCOPE=$TOP/$SMTPSCOPE ;; esac
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=98}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/smtpscope-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

ok() { echo "ok $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "skip $1: $2"; }
# pycheck NAME [ARG...]: the Python program on standard input run with
# the ARGs; ok NAME when it exits 0, else fail NAME with what it printed
# (its one-line complaint).
pycheck() {
	_name=$1
	shift
	if _why=$(python3 - "$@"); then
		ok "$_name"
	else
		fail "$_name" "$_why"
	fi
}

# run_scope NAME ARGS...: runs smtpscope, stdout to $TMP/out, stderr to
# $TMP/err, exit status in $rc. A sanitizer report is always a failure.
run_scope() {
	_name=$1
	shift
	"$SMTPSCOPE" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if grep -q -E 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$TMP/err"; then
		fail "$_name" "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$TMP/err")"
		return 1
	fi
	return 0
}

# json_get KEY FILE: the value of a numeric key in the summary record.
summary_get() {
	grep '"type":"summary"' "$2" | tail -n 1 |
		sed -n "s/.*\"$1\":\\([0-9][0-9]*\\|null\\).*/\\1/p"
}

# find_tool PROG: prints the path of PROG (smtp-sink, smtp-source,
# promtool) found on PATH or in /usr/sbin, else of the copy make check
# unpacked (tests/deps.sh tools: build/tools/bin/PROG, a wrapper that
# runs it with its private libraries); false when neither.
# SMTPSCOPE_TOOLS_UNPACKED=1 takes the unpacked copy only.
find_tool() {
	if [ -z "${SMTPSCOPE_TOOLS_UNPACKED:-}" ]; then
		command -v "$1" 2>/dev/null && return 0
		[ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1" && return 0
	fi
	[ -x "$TOP/build/tools/bin/$1" ] && echo "$TOP/build/tools/bin/$1"
}

# tool_why PROG...: for a skip line, why the first PROG that find_tool
# does not find is missing.
tool_why() {
	for _t in "$@"; do
		find_tool "$_t" >/dev/null && continue
		if [ -s "$TOP/build/tools/why/$_t" ]; then
			echo "no $_t: $(cat "$TOP/build/tools/why/$_t")"
		else
			echo "no $_t on PATH nor unpacked in build/tools (make test-tools)"
		fi
		return 0
	done
}

# listening PORT: true when something listens on TCP PORT (v4 or v6).
listening() {
	if command -v ss >/dev/null 2>&1; then
		ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
	else
		grep -q ":$(printf '%04X' "$1") 0*:0000 0A" /proc/net/tcp /proc/net/tcp6 2>/dev/null
	fi
}

# wait_listening PORT: until something listens on PORT (5 s at most);
# true when it does.
wait_listening() {
	_i=0
	while ! listening "$1" && [ "$_i" -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	listening "$1"
}

# wait_exit PID SECONDS: waits for PID to end; its status in $wrc, 124
# (and the process killed) if it is still running after SECONDS.
wait_exit() {
	_i=0
	while kill -0 "$1" 2>/dev/null && [ "$_i" -lt $(($2 * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		wrc=124
	else
		wait "$1"
		wrc=$?
	fi
}

# stop_scope SIG: SIG to smtpscope ($scope_pid), waited for (30 s at
# most: its exit status in $rc, 124 when it went on and was killed),
# then the smtp-sinks in $sink_pid stopped; both variables emptied (a
# script's cleanup kills what they still name).
stop_scope() {
	kill "-$1" "$scope_pid"
	wait_exit "$scope_pid" 30
	rc=$wrc
	scope_pid=
	for _p in $sink_pid; do
		kill "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
	sink_pid=
}

# capturing PID: true once PID holds a socket (pcap's packet socket).
capturing() {
	for _fd in "/proc/$1/fd/"*; do
		case $(readlink "$_fd" 2>/dev/null) in
		socket:*) return 0 ;;
		esac
	done
	return 1
}

# wait_capturing PID: until PID holds its capture socket, or has ended
# (20 s at most), then a second more: the filter goes on after the socket
# opens.
wait_capturing() {
	_i=0
	while ! capturing "$1" && kill -0 "$1" 2>/dev/null && [ "$_i" -lt 200 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	sleep 1
}

# For the tests that check a log with tests/hostile/check.py (t-hostile,
# t-memory): $log, $got and $tname are the caller's.
# want DESCRIPTION EXPR: a check of the current log; EXPR is Python over
# S (the summary), T (the transactions), SS (the sessions), A (the anomaly
# records), M (the message records) and L (the log's text) and must be
# True (tests/hostile/check.py).
want() {
	printf '%s\t%s\n' "$1" "$2" >>"$TMP/wants"
}

# verdict: ok, or FAIL with the checks that did not hold and the figures
# ($got, a Python expression in the same terms). One pass over the log.
verdict() {
	_res=$(python3 tests/hostile/check.py "$log" "$TMP/wants" "$got" 2>&1)
	rm -f "$TMP/wants"
	if [ -z "$_res" ]; then
		ok "$tname"
	else
		fail "$tname" "$_res"
	fi
}

# live_why [PORT]: why the live tests with Postfix's smtp-sink and
# smtp-source (SINK and SOURCE, from find_tool) cannot run here: not
# root, a tool missing (tool_why), no user nobody for smtp-sink -u, or
# PORT already taken on 127.0.0.1; nothing when they can.
live_why() {
	if [ "$(id -u)" != 0 ]; then
		echo "not root"
	elif [ -z "$SINK" ] || [ -z "$SOURCE" ]; then
		tool_why smtp-sink smtp-source
	elif ! id nobody >/dev/null 2>&1; then
		echo "no user nobody for smtp-sink -u"
	elif [ -n "${1:-}" ] && listening "$1"; then
		echo "something already listens on 127.0.0.1:$1"
	fi
}

# tmux_replay_over SESSION FILE [TENTHS]: capture the dashboard in tmux
# session SESSION (the caller's tm() runs tmux on its own socket) into
# FILE until it says the replay is over, at most TENTHS tenths of a
# second (default 100); false if it never does.
tmux_replay_over() {
	_i=0
	while [ "$_i" -lt "${3:-100}" ]; do
		tm capture-pane -p -t "$1" >"$2" 2>/dev/null
		grep -q 'replay over' "$2" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
