#!/bin/sh
# The live soak: smtpscope on lo while Postfix's smtp-source sends to
# smtp-sink on 127.0.0.1:2727 as fast as this machine allows, for SECONDS
# (default 60):
#
#   bench/soak.sh [SECONDS]
#
# smtp-source runs in batches (SOAK_BATCH messages, SOAK_SESSIONS sessions
# in parallel, SOAK_SIZE bytes, one session per message, or a session for
# many with SOAK_PERSIST=1) until the time is up; the last batch is let
# finish. smtpscope's RSS (VmRSS) is sampled every second. Then smtpscope
# gets SIGTERM, and the soak checks that
#   - every message smtp-sink received (its -c counter) is in the
#     summary's messages_accepted, or the kernel's drops (pcap_drops,
#     pcap_ifdrops) are reported non-zero;
#   - RSS is flat: every sample of the last 30 s (the last half of a
#     shorter run) is within 10% of the run's maximum;
#   - smtpscope exits 0 within 30 s, with nothing on stderr (-q);
#   - the log is JSON Lines and its last line is the summary (every line
#     flushed); the JSON report exists, parses and has the log's
#     messages_accepted.
# Root only (live capture). Exit status 0 if all hold, 1 if not, 2 if the
# soak could not run. The files are in $SOAK_DIR, kept; without SOAK_DIR
# in a new /tmp/smtpscope-soak.XXXXXX, removed after a pass (the log is
# some 1.8 KB a message) and kept after a failure: log.jsonl, report.json,
# rss.txt ("second KiB cpu-ticks"), sink.out, source.out, scope.err.
# Environment: SMTPSCOPE (default ./smtpscope), SOAK_PORT (2727),
# SOAK_SESSIONS (20), SOAK_BATCH (5000), SOAK_SIZE (1000), SOAK_PERSIST,
# SOAK_BUFFER (smtpscope -B MB; its default if unset), SOAK_NICE (run
# smtp-source and smtp-sink under nice -n N, so that on a small machine
# they do not starve smtpscope of CPU; 0 by default).
# SPDX-License-Identifier: GPL-2.0-or-later

SECONDS_WANTED=${1:-60}
case $SECONDS_WANTED in
'' | *[!0-9]*)
	echo "usage: bench/soak.sh [SECONDS]" >&2
	exit 2
	;;
esac
TOP=$(cd "$(dirname "$0")/.." && pwd)
SMTPSCOPE=${SMTPSCOPE:-$TOP/smtpscope}
case $SMTPSCOPE in /*) ;; *) SMTPSCOPE=$TOP/$SMTPSCOPE ;; esac
PORT=${SOAK_PORT:-2727}
SESSIONS=${SOAK_SESSIONS:-20}
BATCH=${SOAK_BATCH:-5000}
SIZE=${SOAK_SIZE:-1000}
SINK=/usr/sbin/smtp-sink
SOURCE=/usr/sbin/smtp-source
[ -x "$SINK" ] || SINK=$(command -v smtp-sink 2>/dev/null)
[ -x "$SOURCE" ] || SOURCE=$(command -v smtp-source 2>/dev/null)

die() {
	echo "soak: $*" >&2
	exit 2
}
[ "$(id -u)" = 0 ] || die "live capture on lo needs root"
[ -x "$SMTPSCOPE" ] || die "no smtpscope at $SMTPSCOPE (make smtpscope)"
if [ -z "$SINK" ] || [ -z "$SOURCE" ]; then
	die "no smtp-sink/smtp-source (Debian package postfix)"
fi
id nobody >/dev/null 2>&1 || die "no user nobody for smtp-sink -u"

if [ -n "$SOAK_DIR" ]; then
	DIR=$SOAK_DIR
	own_dir=
else
	DIR=$(mktemp -d "${TMPDIR:-/tmp}/smtpscope-soak.XXXXXX") || die "no temporary directory"
	own_dir=1
fi
mkdir -p "$DIR" || die "cannot make $DIR"
rm -f "$DIR/log.jsonl" "$DIR/report.json" "$DIR/rss.txt" "$DIR/sink.out" \
	"$DIR/source.out" "$DIR/scope.err"

scope_pid=
sink_pid=
sampler_pid=
source_pid=
cleanup() {
	for _p in $source_pid $sampler_pid $scope_pid $sink_pid; do
		kill -KILL "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

listening() {
	if command -v ss >/dev/null 2>&1; then
		ss -Hltn "sport = :$PORT" 2>/dev/null | grep -q .
	else
		grep -q ":$(printf '%04X' "$PORT") 00000000:0000 0A" /proc/net/tcp
	fi
}
capturing() {
	for _fd in "/proc/$1/fd/"*; do
		case $(readlink "$_fd" 2>/dev/null) in
		socket:*) return 0 ;;
		esac
	done
	return 1
}
now() { date +%s; }

listening && die "something already listens on 127.0.0.1:$PORT"

# 1. smtpscope
bufopt=
[ -n "$SOAK_BUFFER" ] && bufopt="-B $SOAK_BUFFER"
# shellcheck disable=SC2086 # $bufopt is one option and its value, or none
"$SMTPSCOPE" -i lo --ports "$PORT" --no-tui -q $bufopt --report json \
	-o "$DIR/report.json" -w "$DIR/log.jsonl" \
	>/dev/null 2>"$DIR/scope.err" </dev/null &
scope_pid=$!
i=0
while ! capturing "$scope_pid" && kill -0 "$scope_pid" 2>/dev/null && [ "$i" -lt 200 ]; do
	sleep 0.1
	i=$((i + 1))
done
sleep 1 # the filter goes on after the socket opens
kill -0 "$scope_pid" 2>/dev/null ||
	die "smtpscope ended before traffic: $(head -c 300 "$DIR/scope.err")"

# 2. its RSS, every second: "SECONDS KiB CPU-TICKS" (user + system)
(
	t0=$(now)
	while kill -0 "$scope_pid" 2>/dev/null; do
		r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$scope_pid/status" 2>/dev/null)
		c=$(sed 's/.*) //' "/proc/$scope_pid/stat" 2>/dev/null | awk '{ print $12 + $13 }')
		[ -n "$r" ] && echo "$(($(now) - t0)) $r ${c:-0}"
		sleep 1
	done
) >"$DIR/rss.txt" &
sampler_pid=$!

# 3. smtp-sink
NICE=${SOAK_NICE:-0}
nice -n "$NICE" "$SINK" -u nobody -c "127.0.0.1:$PORT" 1000 >"$DIR/sink.out" 2>&1 </dev/null &
sink_pid=$!
i=0
while ! listening && [ "$i" -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
listening || die "smtp-sink does not listen on 127.0.0.1:$PORT: $(head -c 300 "$DIR/sink.out")"

# 4. smtp-source, batch after batch until the time is up
persist=
[ -n "$SOAK_PERSIST" ] && persist=-d
start=$(now)
deadline=$((start + SECONDS_WANTED))
batches=0
source_fail=0
while [ "$(now)" -lt "$deadline" ]; do
	# shellcheck disable=SC2086 # $persist is one option or none
	nice -n "$NICE" "$SOURCE" $persist -m "$BATCH" -s "$SESSIONS" -l "$SIZE" \
		-f soak@example.test -t sink@example.test "127.0.0.1:$PORT" \
		>>"$DIR/source.out" 2>&1 </dev/null &
	source_pid=$!
	wait "$source_pid" || source_fail=$((source_fail + 1))
	source_pid=
	batches=$((batches + 1))
done
elapsed=$(($(now) - start))
sleep 3 # the last packets reach the capture

# 5. stop smtpscope, then the sink
kill -TERM "$scope_pid"
i=0
while kill -0 "$scope_pid" 2>/dev/null && [ "$i" -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
if kill -0 "$scope_pid" 2>/dev/null; then
	kill -KILL "$scope_pid"
	wait "$scope_pid" 2>/dev/null
	scope_rc=timeout
else
	wait "$scope_pid"
	scope_rc=$?
fi
scope_pid=
wait "$sampler_pid" 2>/dev/null
sampler_pid=
kill "$sink_pid" 2>/dev/null
wait "$sink_pid" 2>/dev/null
sink_pid=

# 6. the figures
# smtp-sink -c: "sess=N quit=N mesg=N" after each event, with \r
counters=$(tr '\r' '\n' <"$DIR/sink.out" | grep 'mesg=' | tail -n 1)
sunk=$(echo "$counters" | sed -n 's/.*mesg=\([0-9]*\).*/\1/p')
sunk_sess=$(echo "$counters" | sed -n 's/.*sess=\([0-9]*\).*/\1/p')
summary=$(tail -n 1 "$DIR/log.jsonl" 2>/dev/null)
sget() {
	echo "$summary" | sed -n "s/.*\"$1\":\\([0-9][0-9]*\\|null\\|true\\|false\\).*/\\1/p"
}
case $summary in
'{"type":"summary"'*) last_is_summary=yes ;;
*) last_is_summary=no ;;
esac
accepted=$(sget messages_accepted)
sessions=$(sget sessions)
transactions=$(sget transactions)
drops=$(sget pcap_drops)
ifdrops=$(sget pcap_ifdrops)
nohs=$(sget no_handshake)
gaps=$(sget gaps)
packets=$(sget packets)
lines=$(wc -l <"$DIR/log.jsonl" 2>/dev/null || echo 0)
log_bytes=$(wc -c <"$DIR/log.jsonl" 2>/dev/null || echo 0)

if command -v python3 >/dev/null 2>&1; then
	if python3 -c '
import json, sys
n = 0
with open(sys.argv[1], encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        json.loads(line)
' "$DIR/log.jsonl" 2>"$DIR/py.err"; then
		log_json=yes
	else
		log_json="no: $(tail -n 1 "$DIR/py.err")"
	fi
	if [ ! -s "$DIR/report.json" ]; then
		report="missing or empty"
	elif report_acc=$(python3 -c '
import json, sys
print(json.load(open(sys.argv[1])).get("messages_accepted"))' \
		"$DIR/report.json" 2>"$DIR/py.err"); then
		if [ "$report_acc" = "$accepted" ]; then
			report="parses, messages_accepted $report_acc as in the log"
		else
			report="parses, but messages_accepted $report_acc, the log says $accepted"
		fi
	else
		report="does not parse: $(tail -n 1 "$DIR/py.err")"
	fi
else
	log_json="not checked (no python3)"
	if [ -s "$DIR/report.json" ]; then report="exists (not parsed: no python3)"; else report="missing or empty"; fi
fi

# RSS: first, min, max, last; the last 30 s (the last half of a shorter
# run) within 10% of the maximum.
window=30
total_s=$(tail -n 1 "$DIR/rss.txt" | cut -d' ' -f1)
[ -n "$total_s" ] || total_s=0
[ "$window" -gt $((total_s / 2)) ] && window=$((total_s / 2))
rss_stats=$(awk -v from=$((total_s - window)) '
	NR == 1 { first = $2; min = $2; max = $2 }
	{ if ($2 < min) min = $2; if ($2 > max) max = $2; last = $2
	  if ($1 >= from) { if (wmin == "" || $2 < wmin) wmin = $2; if ($2 > wmax) wmax = $2 } }
	END { if (NR == 0) { print "0 0 0 0 0 0 0"; exit }
	      print NR, first, min, max, last, wmin, wmax }' "$DIR/rss.txt")
# shellcheck disable=SC2086 # split into the seven figures
set -- $rss_stats
rss_n=$1 rss_first=$2 rss_min=$3 rss_max=$4 rss_last=$5 rss_wmin=$6 rss_wmax=$7
if [ "$rss_n" -ge 4 ] && [ $((rss_wmin * 10)) -ge $((rss_max * 9)) ]; then
	rss_flat=yes
else
	rss_flat=no
fi

stderr_lines=$(grep -c . "$DIR/scope.err")

# 7. the verdict
problems=
add() { problems="${problems:+$problems; }$1"; }
[ -n "$sunk" ] || add "no counter from smtp-sink"
[ "$source_fail" = 0 ] || add "$source_fail smtp-source batches failed (see source.out)"
[ "$scope_rc" = 0 ] || add "smtpscope exit $scope_rc after SIGTERM"
[ "$last_is_summary" = yes ] || add "the last log line is not the summary"
[ "$log_json" = yes ] || [ "$log_json" = "not checked (no python3)" ] || add "log: $log_json"
case $report in "parses, messages_accepted"* | exists*) ;; *) add "report.json $report" ;; esac
[ "$rss_flat" = yes ] || add "RSS not flat: last ${window} s $rss_wmin..$rss_wmax KiB, max $rss_max KiB"
[ "$stderr_lines" = 0 ] || add "stderr: $(head -c 200 "$DIR/scope.err")"
drops_reported=no
if [ "${drops:-0}" != 0 ] && [ "${drops:-null}" != null ]; then drops_reported=yes; fi
if [ "${ifdrops:-0}" != 0 ] && [ "${ifdrops:-null}" != null ]; then drops_reported=yes; fi
if [ -n "$sunk" ] && [ "$accepted" != "$sunk" ]; then
	if [ "$drops_reported" = yes ]; then
		count_verdict="differ, but the kernel's drops are reported"
	else
		count_verdict=DIFFER
		add "messages_accepted $accepted != $sunk received by smtp-sink, and no drops reported"
	fi
else
	count_verdict=equal
fi
rate=0
[ "$elapsed" -gt 0 ] && [ -n "$sunk" ] && rate=$((sunk / elapsed))
# smtpscope's CPU: ticks over the sampled time, as % of one CPU
cpu=$(awk -v hz="$(getconf CLK_TCK 2>/dev/null || echo 100)" '
	NR == 1 { t0 = $1; c0 = $3 } { t = $1; c = $3 }
	END { if (t > t0) printf "%d", 100 * (c - c0) / hz / (t - t0); else print "?" }' "$DIR/rss.txt")

printf '\n== smtpscope soak: %s s on lo, port %s\n' "$elapsed" "$PORT"
printf '%-34s %s\n' \
	"traffic" "$batches batches of smtp-source -m $BATCH -s $SESSIONS -l $SIZE${persist:+ -d}, nice $NICE" \
	"smtpscope options" "-i lo --ports $PORT --no-tui -q${bufopt:+ $bufopt} --report json -o -w" \
	"smtpscope CPU" "$cpu% of one CPU (of $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo ?))" \
	"messages received by smtp-sink" "${sunk:-?} (sessions ${sunk_sess:-?}), $rate msg/s" \
	"smtpscope messages_accepted" "${accepted:-?} ($count_verdict)" \
	"sessions / transactions" "${sessions:-?} / ${transactions:-?}" \
	"pcap_drops / pcap_ifdrops" "${drops:-?} / ${ifdrops:-?}" \
	"no_handshake / gaps" "${nohs:-?} / ${gaps:-?}" \
	"packets" "${packets:-?}" \
	"RSS KiB first/min/max/last" "$rss_first / $rss_min / $rss_max / $rss_last ($rss_n samples)" \
	"RSS KiB last ${window} s" "$rss_wmin..$rss_wmax, within 10% of max: $rss_flat" \
	"smtpscope exit after SIGTERM" "$scope_rc" \
	"log" "$lines lines, $log_bytes bytes, JSON: $log_json, last line summary: $last_is_summary" \
	"report.json" "$report" \
	"files" "$DIR${own_dir:+ (removed after a pass)}"
if [ -z "$problems" ]; then
	echo "RESULT: PASS"
	[ -n "$own_dir" ] && rm -rf "$DIR"
	exit 0
fi
echo "RESULT: FAIL: $problems"
exit 1
