#!/bin/sh
# Outputs and careless operators (issue 11).
# - a broken pipe on standard output ends the run at once with exit
#   status 141, the same for -w -, --transcript and the report: with a
#   pipe whose reader is gone from the start (each run stops within a
#   few packet batches of a big capture, says nothing under -q, and its
#   other outputs are still complete), with `| head -1` on a big capture
#   (captures/*.pcap joined by mergecap), and live on lo under a
#   continuous smtp-source (root): the run ends within seconds of head's
#   exit, also for a report written on SIGUSR1; a reader that stays
#   gets exit 0;
# - the report's temporary file: a symbolic link planted at FILE.tmp (by
#   nobody, in a folder of mode 0777) to a root-owned 0600 file leaves
#   that file intact, the report is written, no temporary file is left;
#   a report name that leads to a device other than a terminal or
#   /dev/null is refused (exit 4, one sentence), a FIFO is written in
#   place;
# - a log named by a symbolic link (it is truncated when opened): one
#   planted by nobody, or in a folder others can write (mode 0777, not
#   sticky; -w and --zeek-log), is refused with exit 4 and one sentence,
#   the file behind it intact; our own link in a 0755 folder and
#   -w /dev/stdout are followed;
# - modes: logs (-w, --zeek-log) and reports are created 0640 under the
#   usual umask 022, 0600 under umask 077; --umask 022 gives 0644 and
#   --umask 0 0666 while eml's files stay 0600; a bad --umask is exit 2.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

PORT=${SMTPSCOPE_PIPE_PORT:-2533}
SINK=$(find_tool smtp-sink)
SOURCE=$(find_tool smtp-source)
SANITIZER='ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer'

bg_pids=
cleanup() {
	for _p in $bg_pids; do
		kill -KILL "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! command -v python3 >/dev/null 2>&1; then
	skip outputs "no python3"
	exit 0
fi

# ---- a big capture --------------------------------------------------------
# Every Ethernet capture of captures/, twenty times over, one file.
set --
for c in captures/*.pcap; do
	case $(od -An -tu1 -j20 -N1 "$c" | tr -d ' ') in
	1) set -- "$@" "$c" ;;
	esac
done
list="$*"
set --
for i in $(seq 1 20); do
	# shellcheck disable=SC2086
	set -- "$@" $list
done
BIG=$TMP/big.pcap
if command -v mergecap >/dev/null 2>&1; then
	mergecap -a -F pcap -w "$BIG" "$@" 2>"$TMP/merge.err"
else
	python3 - "$BIG" "$@" <<'PY'
import sys
out = open(sys.argv[1], "wb")
for i, p in enumerate(sys.argv[2:]):
    d = open(p, "rb").read()
    out.write(d if i == 0 else d[24:])
PY
fi
if [ ! -s "$BIG" ]; then
	skip outputs "cannot make the big capture: $(head -c 200 "$TMP/merge.err")"
	exit 0
fi
"$SMTPSCOPE" -q -r "$BIG" --report json -o "$TMP/full.json" >/dev/null 2>"$TMP/full.err"
TOTAL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["capture"]["packets"])' "$TMP/full.json" 2>/dev/null)
if [ -z "$TOTAL" ] || [ "$TOTAL" -lt 40000 ]; then
	skip outputs "the big capture has ${TOTAL:-no} packets: $(head -c 200 "$TMP/full.err")"
	exit 0
fi

# report_packets FILE: packets analysed, from a JSON report.
report_packets() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["capture"]["packets"])' "$1" 2>/dev/null
}

# closed_pipe ARGS...: smtpscope with standard output a pipe whose reader
# is already gone; exit status in $rc, stderr in $TMP/err.
closed_pipe() {
	python3 -c '
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
err = open(sys.argv[1], "wb")
sys.exit(subprocess.run(sys.argv[2:], stdout=w, stderr=err).returncode)
' "$TMP/err" "$SMTPSCOPE" "$@"
	rc=$?
}

# stopped_early NAME PACKETS: exit 141, nothing on stderr (-q), and far
# fewer packets analysed than the capture holds.
stopped_early() {
	if grep -q -E "$SANITIZER" "$TMP/err"; then
		fail "$1" "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$TMP/err")"
	elif [ "$rc" != 141 ]; then
		fail "$1" "exit $rc, want 141: $(head -c 300 "$TMP/err")"
	elif [ -s "$TMP/err" ]; then
		fail "$1" "stderr with -q: $(head -c 300 "$TMP/err")"
	elif [ -z "$2" ] || [ "$2" -gt $((TOTAL / 3)) ]; then
		fail "$1" "${2:-no} packets analysed of $TOTAL: not stopped at once"
	else
		ok "$1"
	fi
}

# ---- 1. the reader is gone from the start ---------------------------------
closed_pipe -q -r "$BIG" -w - --report json -o "$TMP/r1.json"
stopped_early pipe-closed-jsonlog "$(report_packets "$TMP/r1.json")"
closed_pipe -q -r "$BIG" --transcript --report json -o "$TMP/r2.json"
stopped_early pipe-closed-transcript "$(report_packets "$TMP/r2.json")"
# The report on stdout: the JSON log (a file) is complete and says how
# far the run went.
closed_pipe -q -r "$BIG" --report text -w "$TMP/r3.jsonl"
p=$(summary_get packets "$TMP/r3.jsonl")
stopped_early pipe-closed-report "$p"
case $(tail -n 1 "$TMP/r3.jsonl") in
'{"type":"summary"'*) ok pipe-closed-other-outputs ;;
*) fail pipe-closed-other-outputs "the -w file does not end with its summary" ;;
esac

# ---- 2. | head -1 ------------------------------------------------------------
# head_case NAME ARGS...: smtpscope ARGS | head -1; its status in $rc.
head_case() {
	_n=$1
	shift
	{
		"$SMTPSCOPE" "$@" 2>"$TMP/err"
		echo $? >"$TMP/rc"
	} | head -n 1 >"$TMP/first"
	rc=$(cat "$TMP/rc")
}
head_case pipe-head-jsonlog -q -r "$BIG" -w - --report json -o "$TMP/h1.json"
p=$(report_packets "$TMP/h1.json")
if grep -q '^{"type":' "$TMP/first"; then
	stopped_early pipe-head-jsonlog "$p"
else
	fail pipe-head-jsonlog "first line: $(head -c 100 "$TMP/first")"
fi
head_case pipe-head-transcript -q -r "$BIG" --transcript --report json -o "$TMP/h2.json"
p=$(report_packets "$TMP/h2.json")
if grep -q '^== session' "$TMP/first"; then
	stopped_early pipe-head-transcript "$p"
else
	fail pipe-head-transcript "first line: $(head -c 100 "$TMP/first")"
fi
# An HTML report larger than a pipe's buffer: written at the end, the
# write fails once head has its line.
"$SMTPSCOPE" -q -r "$BIG" --report html -o "$TMP/big.html" 2>/dev/null
if [ "$(wc -c <"$TMP/big.html")" -le 81920 ]; then
	skip pipe-head-report "the HTML report is only $(wc -c <"$TMP/big.html") bytes"
else
	head_case pipe-head-report -q -r "$BIG" --report html
	if [ "$rc" = 141 ] && [ ! -s "$TMP/err" ] && grep -q -i '^<!doctype html' "$TMP/first"; then
		ok pipe-head-report
	else
		fail pipe-head-report "exit $rc: $(head -c 300 "$TMP/err")"
	fi
fi
# A reader that reads everything: exit 0.
{
	"$SMTPSCOPE" -q -r "$BIG" -w - 2>"$TMP/err"
	echo $? >"$TMP/rc"
} | cat >/dev/null
rc=$(cat "$TMP/rc")
[ "$rc" = 0 ] && ok pipe-reader-stays || fail pipe-reader-stays "exit $rc: $(head -c 300 "$TMP/err")"

# ---- 3. live, | head -1 ----------------------------------------------------
why=$(live_why "$PORT")
if [ -n "$why" ]; then
	for n in jsonlog transcript report; do
		skip "pipe-live-$n" "$why"
	done
else
	"$SINK" -u nobody -c "127.0.0.1:$PORT" 1000 >"$TMP/sink.out" 2>&1 </dev/null &
	sink_pid=$!
	bg_pids="$bg_pids $sink_pid"
	wait_listening "$PORT"
	# live_case NAME KIND ARGS...: smtpscope -i lo ARGS | head -1 under
	# traffic that does not stop; KIND usr1 sends SIGUSR1 once it
	# captures (the report goes out then). The run must end within 5 s
	# of head's exit, with 141.
	live_case() {
		_n=$1
		_kind=$2
		shift 2
		rm -f "$TMP/rc" "$TMP/first" "$TMP/scope.pid"
		{
			sh -c 'echo $$ >"$0"; exec "$@"' "$TMP/scope.pid" \
			    "$SMTPSCOPE" -i lo --ports "$PORT" -q "$@" \
			    2>"$TMP/err" </dev/null
			echo $? >"$TMP/rc"
		} | head -n 1 >"$TMP/first" &
		_pipe=$!
		bg_pids="$bg_pids $_pipe"
		i=0
		while [ ! -s "$TMP/scope.pid" ] && [ "$i" -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		_spid=$(cat "$TMP/scope.pid" 2>/dev/null)
		i=0
		while [ -n "$_spid" ] && ! capturing "$_spid" &&
			kill -0 "$_spid" 2>/dev/null && [ "$i" -lt 200 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		sleep 1
		timeout 60 "$SOURCE" -m 100000 -s 2 -l 500 "127.0.0.1:$PORT" \
		    >/dev/null 2>&1 </dev/null &
		_src=$!
		bg_pids="$bg_pids $_src"
		if [ "$_kind" = usr1 ]; then
			sleep 1
			kill -USR1 "$_spid" 2>/dev/null
		fi
		# head's line, then smtpscope's end.
		i=0
		while [ ! -s "$TMP/first" ] && [ "$i" -lt 200 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		_t0=$(date +%s.%N)
		i=0
		while [ ! -s "$TMP/rc" ] && [ "$i" -lt 100 ]; do
			sleep 0.05
			i=$((i + 1))
		done
		_t1=$(date +%s.%N)
		rc=$(cat "$TMP/rc" 2>/dev/null)
		if [ -z "$rc" ]; then
			kill -KILL "$_spid" 2>/dev/null
			fail "$_n" "still running 5 s after head had its line ($(wc -c <"$TMP/first") bytes)"
		elif grep -q -E "$SANITIZER" "$TMP/err"; then
			fail "$_n" "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$TMP/err")"
		elif [ "$rc" != 141 ] || [ -s "$TMP/err" ]; then
			fail "$_n" "exit $rc, want 141: $(head -c 300 "$TMP/err")"
		else
			ok "$_n"
			echo "# $_n: ended $(awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.3f", b - a }') s after head's line"
		fi
		kill "$_src" 2>/dev/null
		wait "$_src" 2>/dev/null
		wait "$_pipe" 2>/dev/null
	}
	live_case pipe-live-jsonlog - -w -
	live_case pipe-live-transcript - --transcript
	live_case pipe-live-report usr1 --report text
fi

# ---- 4. the report's temporary file -----------------------------------------
mkdir "$TMP/rep"
chmod 711 "$TMP"
chmod 777 "$TMP/rep"
printf 'root secret\n' >"$TMP/rootfile"
chmod 600 "$TMP/rootfile"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
	# Planted by another user, as in the issue.
	setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups \
	    ln -s "$TMP/rootfile" "$TMP/rep/report.html.tmp"
else
	ln -s "$TMP/rootfile" "$TMP/rep/report.html.tmp"
fi
if run_scope report-tmp-link -q -r captures/sink-v4.pcap --report html -o "$TMP/rep/report.html"; then
	left=$(find "$TMP/rep" -name '.report.html.*' | head -n 3)
	if [ "$rc" != 0 ]; then
		fail report-tmp-link "exit $rc: $(head -c 300 "$TMP/err")"
	elif [ "$(cat "$TMP/rootfile")" != "root secret" ]; then
		fail report-tmp-link "the root-owned file behind the link was overwritten"
	elif ! grep -q -i '<!doctype html' "$TMP/rep/report.html"; then
		fail report-tmp-link "no report written"
	elif [ -n "$left" ]; then
		fail report-tmp-link "temporary files left: $left"
	elif [ ! -L "$TMP/rep/report.html.tmp" ]; then
		fail report-tmp-link "the planted link was replaced"
	else
		ok report-tmp-link
	fi
fi
# The report's own name a link to a device: refused, not written.
ln -s /dev/zero "$TMP/rep/dev.txt"
run_scope report-device -q -r captures/sink-v4.pcap --report text -o "$TMP/rep/dev.txt" &&
	if [ "$rc" = 4 ] && [ "$(wc -l <"$TMP/err")" = 1 ] &&
		grep -q '^smtpscope: the report .*dev.txt is neither a regular file nor a FIFO, a terminal or /dev/null' "$TMP/err"; then
		ok report-device
	else
		fail report-device "exit $rc: $(head -c 300 "$TMP/err")"
	fi
# A FIFO is written in place.
if mkfifo "$TMP/rep/fifo" 2>/dev/null; then
	cat "$TMP/rep/fifo" >"$TMP/fifo.out" &
	cat_pid=$!
	run_scope report-fifo -q -r captures/sink-v4.pcap --report json -o "$TMP/rep/fifo"
	wait "$cat_pid"
	if [ "$rc" = 0 ] && [ -p "$TMP/rep/fifo" ] &&
		python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/fifo.out" 2>/dev/null; then
		ok report-fifo
	else
		fail report-fifo "exit $rc: $(head -c 300 "$TMP/err")"
	fi
fi

# ---- 4b. a log named by a symbolic link ---------------------------------------
# A log is truncated when opened: a link another user planted, or one in
# a folder others can change, is refused; the file behind it untouched.
printf 'root secret\n' >"$TMP/rootfile"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
	setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups \
	    ln -s "$TMP/rootfile" "$TMP/rep/planted.jsonl"
	run_scope log-link-planted -q -r captures/sink-v4.pcap -w "$TMP/rep/planted.jsonl" &&
		if [ "$rc" = 4 ] && [ "$(cat "$TMP/rootfile")" = "root secret" ] &&
			grep -q "symbolic link of another user's" "$TMP/err"; then
			ok log-link-planted
		else
			fail log-link-planted "exit $rc, target now $(head -c 40 "$TMP/rootfile"): $(head -c 300 "$TMP/err")"
		fi
fi
mkdir "$TMP/rep/zeek" && chmod 777 "$TMP/rep/zeek" && ln -s "$TMP/rootfile" "$TMP/rep/zeek/smtp.log"
for c in "own -w $TMP/rep/own.jsonl" "zeek --zeek-log $TMP/rep/zeek"; do
	set -- $c
	n=$1
	shift
	[ "$n" = own ] && ln -s "$TMP/rootfile" "$TMP/rep/own.jsonl"
	run_scope "log-link-$n" -q -r captures/sink-v4.pcap "$@" &&
		if [ "$rc" = 4 ] && [ "$(cat "$TMP/rootfile")" = "root secret" ] &&
			grep -q 'symbolic link in a folder other users can change' "$TMP/err"; then
			ok "log-link-$n"
		else
			fail "log-link-$n" "exit $rc: $(head -c 300 "$TMP/err")"
		fi
done
# Our own link in a folder only we can change is followed.
mkdir "$TMP/safe" && chmod 755 "$TMP/safe"
: >"$TMP/target.jsonl"
ln -s "$TMP/target.jsonl" "$TMP/safe/mail.jsonl"
run_scope log-link-safe -q -r captures/sink-v4.pcap -w "$TMP/safe/mail.jsonl" &&
	if [ "$rc" = 0 ] && [ -L "$TMP/safe/mail.jsonl" ] &&
		tail -n 1 "$TMP/target.jsonl" | grep -q '"type":"summary"'; then
		ok log-link-safe
	else
		fail log-link-safe "exit $rc: $(head -c 300 "$TMP/err")"
	fi
run_scope log-dev-stdout -q -r captures/sink-v4.pcap -w /dev/stdout &&
	if [ "$rc" = 0 ] && tail -n 1 "$TMP/out" | grep -q '"type":"summary"'; then
		ok log-dev-stdout
	else
		fail log-dev-stdout "exit $rc: $(head -c 300 "$TMP/err")"
	fi

# ---- 5. modes ------------------------------------------------------------------
# modes NAME WANT [UMASK] -- ARGS: a run under the shell umask UMASK
# (default 022); the log, the Zeek log and the report must have mode WANT.
modes() {
	_n=$1
	_want=$2
	_um=$3
	shift 3
	rm -rf "$TMP/m"
	mkdir "$TMP/m"
	(umask "$_um" && exec "$SMTPSCOPE" -q -r captures/sink-v4.pcap \
	    -w "$TMP/m/log.jsonl" --zeek-log "$TMP/m" --report html \
	    -o "$TMP/m/report.html" "$@") >"$TMP/out" 2>"$TMP/err"
	rc=$?
	_got=$(stat -c %a "$TMP/m/log.jsonl" "$TMP/m/smtp.log" "$TMP/m/report.html" 2>/dev/null | tr '\n' ' ')
	if [ "$rc" != 0 ]; then
		fail "$_n" "exit $rc: $(head -c 300 "$TMP/err")"
	elif [ "$_got" != "$_want $_want $_want " ]; then
		fail "$_n" "modes $_got, want $_want for the log, smtp.log and the report"
	else
		ok "$_n"
	fi
}
modes mode-default 640 022
modes mode-umask-077 600 077
modes mode-option-022 644 022 --umask 022
modes mode-option-0 666 077 --umask 0
# eml's files stay 0600 whatever the mask.
if [ -f build/plugins/eml.so ]; then
	mkdir "$TMP/eml"
	run_scope mode-eml -q -r captures/sink-v4.pcap --umask 0 --plugin "eml:dir=$TMP/eml"
	got=$(stat -c %a "$TMP"/eml/*.eml 2>/dev/null | sort -u | tr '\n' ' ')
	if [ "$rc" = 0 ] && [ "$got" = "600 " ]; then
		ok mode-eml
	else
		fail mode-eml "exit $rc, modes $got: $(head -c 300 "$TMP/err")"
	fi
fi
for bad in 8 0888 10000 abc -1 ''; do
	run_scope umask-bad -q -r captures/sink-v4.pcap --umask "$bad" || continue
	if [ "$rc" != 2 ] || [ "$(wc -l <"$TMP/err")" != 1 ] ||
		! grep -q "^smtpscope: --umask wants an octal mask" "$TMP/err"; then
		fail umask-bad "--umask '$bad': exit $rc: $(head -c 300 "$TMP/err")"
		bad=x
		break
	fi
done
[ "$bad" = x ] || ok umask-bad
