#!/bin/bash
# run.sh - smtpscope's benchmark: the cost of reading and reassembling a
# capture (two floor programs), smtpscope's analyses and tshark on the same
# file, with the targets of issue 5 beside the figures. See
# docs/performance.md.
#
# usage: bench/run.sh [CORPUS]
#
# CORPUS defaults to bench/corpus/corpus.pcap (made by
# bench/make-corpus.sh). Its ground truth is CORPUS with .truth for .pcap;
# the 4x file for the memory test is corpus-4x.pcap (and corpus-4x.truth)
# in the same directory, or the file named by CORPUS4X.
#
# Every command runs REPS times (default 5), the commands taking turns (so
# that the noise of a shared machine falls on all of them alike), under
# /usr/bin/time; the table gives the median of each column. Environment:
#   REPS=N           repetitions (default 5)
#   TSHARK_REPS=N    repetitions of tshark (default REPS; 0: skip tshark)
#   REPS4X=N         repetitions on the 4x file (default 3; 0: skip it)
#   MIXED=FILE       the corpus mixed with traffic that is not SMTP
#                    (default mixed.pcap beside CORPUS, made by
#                    bench/make-mixed.sh), OTHER=FILE that traffic alone
#                    (other.pcap); REPSMIX=N repetitions on the mix
#                    (default REPS; 0: skip it): the cost of --ports any
#   SMTPSCOPE=PATH   the binary (default ./smtpscope at the top of the tree)
#   CC=cc            compiler for the floor programs (built here when
#                    missing or older than their source)
#
# Exit status: 0 when every command ran and smtpscope's summary counts equal
# the ground truth; 1 otherwise. Targets missed are reported (MISS), not
# turned into a failure: they are figures to work on, not bugs.
#
# Needs: /usr/bin/time (Debian package time), cc, libpcap-dev,
# libnids-dev; tshark (optional).
#
# SPDX-License-Identifier: GPL-2.0-or-later
set -eu
export LC_ALL=C

PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
CORPUS=${1:-$HERE/corpus/corpus.pcap}
REPS=${REPS:-5}
TSHARK_REPS=${TSHARK_REPS:-$REPS}
REPS4X=${REPS4X:-3}
SMTPSCOPE=${SMTPSCOPE:-$TOP/smtpscope}
CC=${CC:-cc}
TIME=/usr/bin/time

# the mix of the corpus with traffic that is not SMTP (bench/make-mixed.sh)
MIXED=${MIXED:-$(dirname "$CORPUS")/mixed.pcap}
OTHER=${OTHER:-$(dirname "$CORPUS")/other.pcap}
REPSMIX=${REPSMIX:-$REPS}

# the targets of issue 5
T_CPU_RATIO=1.3 # full analysis CPU / libnids floor CPU, at most
T_TSHARK=50     # tshark CPU / smtpscope CPU, about
T_RSS_MIB=64    # peak RSS, at most
T_RSS_GROWTH=1.10 # 4x peak RSS / 1x peak RSS, at most (independent of length)

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}

[ -f "$CORPUS" ] || die "no corpus $CORPUS (make it with: sudo bench/make-corpus.sh)"
[ -x "$TIME" ] || die "$TIME missing (apt-get install time)"
[ -x "$SMTPSCOPE" ] || die "$SMTPSCOPE missing (make smtpscope)"
[ -c /dev/null ] || die "/dev/null is not a character device"
TRUTH=${CORPUS%.pcap}.truth
CORPUS4X=${CORPUS4X:-$(dirname "$CORPUS")/corpus-4x.pcap}
WHY4X="REPS4X=0"
if [ ! -f "$CORPUS4X" ]; then
	REPS4X=0
	WHY4X="no $CORPUS4X"
fi
TRUTH4X=${CORPUS4X%.pcap}.truth
WHYMIX="REPSMIX=0"
if [ ! -f "$MIXED" ] || [ ! -f "$OTHER" ]; then
	REPSMIX=0
	WHYMIX="no $MIXED (sudo bench/make-mixed.sh)"
fi

# ------------------------------------------------------------- floors
build() {	# build NAME LIBS...
	local name=$1
	shift
	if [ ! -x "$HERE/$name" ] || [ "$HERE/$name.c" -nt "$HERE/$name" ]; then
		"$CC" -O2 -Wall -Wextra -o "$HERE/$name" "$HERE/$name.c" "$@" ||
		    die "cannot build bench/$name"
	fi
}
build floor_pcap -lpcap
build floor_nids -lnids -lpcap

TSHARK_BIN=$(command -v tshark || true)
TSHARK=$TSHARK_BIN
TSHARK_WHY="not installed, apt-get install tshark"
if [ "$TSHARK_REPS" = 0 ]; then
	TSHARK=""
	TSHARK_WHY="TSHARK_REPS=0"
fi

TMP=$(mktemp -d /tmp/smtpscope-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM HUP

# ------------------------------------------------------------- the machine
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
pkgver() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo "?"; }
echo "smtpscope benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
    "$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM," \
    "Linux $(uname -r)"
echo "software: $("$SMTPSCOPE" -V 2>&1 | head -n 1), libpcap $(pkgver libpcap0.8)," \
    "libnids $(pkgver libnids1.21), $([ -n "$TSHARK_BIN" ] && "$TSHARK_BIN" -v 2>/dev/null |
	sed -n '1s/^TShark (Wireshark) \([^ ]*\).*/tshark \1/p' || echo 'no tshark')," \
    "$("$CC" --version | head -n 1)"

# ------------------------------------------------------------- the corpus
cat "$CORPUS" >/dev/null	# into the page cache: we measure CPU, not disk
read -r PACKETS _ <<<"$("$HERE/floor_pcap" "$CORPUS" | awk '{print $2, $4}')"
SIZE=$(stat -L -c %s "$CORPUS")
echo "corpus: $CORPUS: $(awk -v s="$SIZE" 'BEGIN {printf "%.1f MB", s / 1e6}'), $PACKETS packets$(
	[ -f "$TRUTH" ] && awk '{printf ", %s %s", $1, $2}' "$TRUTH")"
[ "$REPS4X" = 0 ] || echo "4x corpus: $CORPUS4X:" \
    "$(awk -v s="$(stat -L -c %s "$CORPUS4X")" 'BEGIN {printf "%.1f MB", s / 1e6}')"
if [ -n "$TSHARK" ]; then
	echo "each command $REPS times (tshark $TSHARK_REPS), taking turns; medians"
else
	echo "each command $REPS times, taking turns; medians (tshark skipped:" \
	    "$TSHARK_WHY)"
fi
echo

# ------------------------------------------------------------- measuring
# The commands, by key. FILE stands for the capture; OUT for a fresh
# directory. The report goes to a file in OUT, never to /dev/null:
# smtpscope writes a report to FILE.tmp and renames it over FILE, which
# (as root) would replace /dev/null itself with a regular file.
KEYS="pcap nids log report full zeek"
declare -A CMD LABEL
LABEL[pcap]="pcap floor (bench/floor_pcap)"
CMD[pcap]="$HERE/floor_pcap FILE"
LABEL[nids]="libnids floor (bench/floor_nids)"
CMD[nids]="$HERE/floor_nids FILE"
LABEL[log]="smtpscope -w /dev/null"
CMD[log]="$SMTPSCOPE -q -r FILE -w /dev/null"
LABEL[report]="smtpscope --report json"
CMD[report]="$SMTPSCOPE -q -r FILE --report json -o OUT/report.json"
LABEL[full]="smtpscope -w + --report json (full)"
CMD[full]="$SMTPSCOPE -q -r FILE -w /dev/null --report json -o OUT/report.json"
LABEL[zeek]="smtpscope --zeek-log DIR"
CMD[zeek]="$SMTPSCOPE -q -r FILE --zeek-log OUT"
KEYS="$KEYS any"
LABEL[any]="smtpscope full, --ports any"
CMD[any]="$SMTPSCOPE -q -r FILE --ports any -w /dev/null --report json -o OUT/report.json"
if [ -n "$TSHARK" ]; then
	KEYS="$KEYS tshark"
	LABEL[tshark]="tshark -Y smtp -T fields"
	CMD[tshark]="$TSHARK -r FILE -Y smtp -T fields -e smtp.req.command -e smtp.response.code"
fi

# The clickhouse plugin (issue 17), when it is built and a ClickHouse
# server can be run (tests/tools/clickhouse-server.sh: a private one):
# the full analysis with the plugin sending every record to it. Its
# sender thread's CPU time (the plugin's sender_cpu_ms) is taken off the
# run's: the bound is on the capture's side ("the output's own thread
# aside"); the server's own CPU is another process's.
CH_SO=$TOP/build/plugins/clickhouse.so
CH_WHY=""
CHDIR=$TMP/ch
if [ ! -f "$CH_SO" ]; then
	CH_WHY="no $CH_SO (make plugins)"
elif ! CH_PORT=$(sh "$TOP/tests/tools/clickhouse-server.sh" start "$CHDIR" 2>"$TMP/ch.err"); then
	CH_WHY="no ClickHouse server: $(head -c 200 "$TMP/ch.err")"
elif ! python3 "$TOP/tests/tools/clickhouse-load.py" "$CH_PORT" 2>"$TMP/ch.err"; then
	CH_WHY="the schema did not load: $(head -c 200 "$TMP/ch.err")"
	sh "$TOP/tests/tools/clickhouse-server.sh" stop "$CHDIR"
else
	trap 'sh "$TOP/tests/tools/clickhouse-server.sh" stop "$CHDIR" 2>/dev/null; rm -rf "$TMP"' EXIT
	KEYS="$KEYS ch"
	LABEL[ch]="smtpscope full + clickhouse plugin"
	CMD[ch]="$SMTPSCOPE -q -r FILE -w /dev/null --report json -o OUT/report.json --plugin $CH_SO:url=http://127.0.0.1:$CH_PORT,sensor=bench"
fi

# ch_settle: after a run with the clickhouse plugin, wait (60 s at most)
# until the server has stopped working on what it received (inserting,
# merging parts): its CPU time grows by less than 20 ms in half a
# second. Otherwise its work would fall on the commands measured next.
ch_settle() {
	local pid t0 t1 i=0
	pid=$(cat "$CHDIR/pid" 2>/dev/null) || return 0
	t1=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null) || return 0
	while [ "$i" -lt 120 ]; do
		sleep 0.5
		t0=$t1
		t1=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null) || return 0
		[ $((t1 - t0)) -lt 2 ] && return 0
		i=$((i + 1))
	done
}

FAILED=0
# measure KEY FILE TAG: one run; appends "TAG KEY wall user sys rss_kib"
measure() {
	local key=$1 file=$2 tag=$3 cmd rc=0
	rm -rf "$TMP/out"
	mkdir "$TMP/out"
	cmd=${CMD[$key]//FILE/$file}
	cmd=${cmd//OUT/$TMP/out}
	# shellcheck disable=SC2086
	"$TIME" -f '%e %U %S %M' -o "$TMP/time" $cmd >/dev/null 2>"$TMP/err" || rc=$?
	if [ "$rc" != 0 ]; then
		echo "$PROG: $key on $file exited $rc: $(head -c 300 "$TMP/err")" >&2
		FAILED=1
	fi
	if [ "$key" = ch ]; then
		# The sender thread's CPU time off the user time.
		read -r w u y r <<<"$(tail -n 1 "$TMP/time")"
		ms=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["plugins"]["clickhouse"]["sender_cpu_ms"])' \
		    "$TMP/out/report.json" 2>/dev/null || echo 0)
		echo "$tag $key $w $(awk -v u="$u" -v m="$ms" 'BEGIN {v = u - m / 1000; printf "%.2f", (v > 0 ? v : 0)}') $y $r" >>"$TMP/raw"
		echo "$tag $key $ms" >>"$TMP/chcpu"
		ch_settle
	else
		echo "$tag $key $(tail -n 1 "$TMP/time")" >>"$TMP/raw"
	fi
	[ -c /dev/null ] || die "/dev/null is no longer a character device" \
	    "after: $cmd (restore it: rm /dev/null; mknod -m 666 /dev/null c 1 3)"
}
progress() {	# on a terminal only
	[ -t 2 ] && printf '\r%-40s\r%s' '' "${1:+   $1 ...}" >&2
	return 0
}
: >"$TMP/raw"
for rep in $(seq 1 "$REPS"); do
	progress "run $rep of $REPS"
	for key in $KEYS; do
		[ "$key" = tshark ] && [ "$rep" -gt "$TSHARK_REPS" ] && continue
		measure "$key" "$CORPUS" 1x
	done
done
if [ "$REPS4X" != 0 ]; then
	cat "$CORPUS4X" >/dev/null
	for rep in $(seq 1 "$REPS4X"); do
		progress "4x run $rep of $REPS4X"
		for key in nids full; do
			measure "$key" "$CORPUS4X" 4x
		done
	done
fi
if [ "$REPSMIX" != 0 ]; then
	cat "$MIXED" >/dev/null
	for rep in $(seq 1 "$REPSMIX"); do
		progress "mixed run $rep of $REPSMIX"
		for key in full any; do
			measure "$key" "$MIXED" mix
		done
	done
fi
progress ""

# stat TAG KEY FIELD [min]: median (or minimum) of a field (wall, cpu, rss)
stat() {
	awk -v t="$1" -v k="$2" -v f="$3" '
	$1 == t && $2 == k {
		if (f == "wall") v = $3
		else if (f == "cpu") v = $4 + $5
		else v = $6
		print v
	}' "$TMP/raw" | sort -g | awk -v m="${4:-median}" '{v[NR] = $1}
	END {
		if (NR == 0) exit
		if (m == "min") print v[1]
		else if (NR % 2) print v[(NR + 1) / 2]
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}
med() { stat "$1" "$2" "$3"; }
least() { stat "$1" "$2" "$3" min; }

# ------------------------------------------------------------- the table
printf '%-36s %7s %7s %7s %8s %10s %8s\n' "command (1x corpus)" "wall s" \
    "CPU s" "CPU min" "MB/s" "packets/s" "RSS MiB"
for key in $KEYS; do
	awk -v l="${LABEL[$key]}" -v w="$(med 1x "$key" wall)" \
	    -v c="$(med 1x "$key" cpu)" -v cm="$(least 1x "$key" cpu)" \
	    -v r="$(med 1x "$key" rss)" -v s="$SIZE" -v p="$PACKETS" 'BEGIN {
		printf "%-36s %7.2f %7.2f %7.2f %8.1f %10.0f %8.1f\n", l, w, c,
		    cm, (w > 0 ? s / 1e6 / w : 0), (w > 0 ? p / w : 0), r / 1024
	}'
done
echo "(medians, but CPU min: the least of the runs; CPU = user + sys;" \
    "MB/s and packets/s ="
echo " file size and packet count / median wall time; RSS = peak resident set)"
echo

# ------------------------------------------------------------- ratios
verdict() {	# verdict FIGURE OP TARGET: PASS or MISS
	awk -v f="$1" -v o="$2" -v t="$3" 'BEGIN {
		ok = (o == "<=") ? (f <= t) : (f >= t)
		print ok ? "PASS" : "MISS"
	}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
# row LABEL MEDIAN MIN TARGET VERDICT
row() { printf '%-44s %8s %8s %11s  %s\n' "$@"; }
# cpu_ratio LABEL KEY-A KEY-B [OP TARGET]: CPU of A / CPU of B
cpu_ratio() {
	local m n
	m=$(ratio "$(med 1x "$2" cpu)" "$(med 1x "$3" cpu)")
	n=$(ratio "$(least 1x "$2" cpu)" "$(least 1x "$3" cpu)")
	if [ $# -ge 5 ]; then
		row "$1" "${m}x" "${n}x" "$4 $5x" "$(verdict "$m" "$4" "$5")"
	else
		row "$1" "${m}x" "${n}x" "" ""
	fi
}
row "ratio (CPU time, 1x corpus)" "median" "min" "target" "verdict (median)"
cpu_ratio "smtpscope full / libnids floor" full nids "<=" "$T_CPU_RATIO"
cpu_ratio "smtpscope -w (JSON log) / libnids floor" log nids
cpu_ratio "smtpscope --report json / libnids floor" report nids
cpu_ratio "smtpscope --zeek-log / libnids floor" zeek nids
cpu_ratio "libnids floor / pcap floor" nids pcap
if [ -z "$CH_WHY" ]; then
	cpu_ratio "full + clickhouse (its thread aside) / floor" ch nids "<=" "$T_CPU_RATIO"
	echo "(the clickhouse plugin's sender thread: $(awk '$2 == "ch" {print $3}' "$TMP/chcpu" |
	    sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}') ms of CPU a run, median; peak RSS" \
	    "with it $(mib "$(med 1x ch rss)") MiB)"
else
	echo "full + clickhouse plugin: skipped ($CH_WHY)"
fi
if [ -n "$TSHARK" ]; then
	cpu_ratio "tshark / smtpscope full" tshark full ">=" "$T_TSHARK"
	echo "(tshark target: about ${T_TSHARK}x slower; PASS from ${T_TSHARK}x)"
else
	echo "tshark / smtpscope: skipped ($TSHARK_WHY)"
fi
echo
row "peak RSS (smtpscope full)" "1x" "4x" "target" "verdict"
RSS1=$(med 1x full rss)
if [ "$REPS4X" != 0 ]; then
	RSS4=$(med 4x full rss)
	big=$(awk -v a="$RSS1" -v b="$RSS4" 'BEGIN {print (a > b ? a : b)}')
	row "peak RSS, MiB" "$(mib "$RSS1")" "$(mib "$RSS4")" "<= $T_RSS_MIB" \
	    "$(verdict "$(mib "$big")" "<=" "$T_RSS_MIB")"
	f=$(ratio "$RSS4" "$RSS1")
	row "4x / 1x (independent of the file's length)" "" "$f" \
	    "<= $T_RSS_GROWTH" "$(verdict "$f" "<=" "$T_RSS_GROWTH")"
	row "libnids floor peak RSS, MiB" "$(mib "$(med 1x nids rss)")" \
	    "$(mib "$(med 4x nids rss)")" "" ""
	row "smtpscope full CPU s (4x / 1x: $(ratio "$(med 4x full cpu)" \
	    "$(med 1x full cpu)"))" "$(med 1x full cpu)" "$(med 4x full cpu)" "" ""
else
	row "peak RSS, MiB" "$(mib "$RSS1")" "-" "<= $T_RSS_MIB" \
	    "$(verdict "$(mib "$RSS1")" "<=" "$T_RSS_MIB")"
	echo "(4x corpus skipped: $WHY4X)"
fi
echo

# ------------------------------------------------------------- --ports any
# What a packet that is not SMTP costs: the CPU time the mix takes more
# than the corpus alone, over the packets the mix has more.
echo "--ports any (issue 14)"
cpu_ratio "smtpscope full --ports any / full, corpus" any full
if [ "$REPSMIX" != 0 ]; then
	read -r OTHER_PACKETS _ <<<"$("$HERE/floor_pcap" "$OTHER" | awk '{print $2, $4}')"
	per() {	# per KEY median|min: ns a packet of OTHER
		awk -v a="$(stat mix "$1" cpu "$2")" -v b="$(stat 1x "$1" cpu "$2")" \
		    -v n="$OTHER_PACKETS" 'BEGIN {printf "%.0f", (a - b) / n * 1e9}'
	}
	echo "mix: $(basename "$MIXED"), the corpus and $OTHER_PACKETS packets of" \
	    "$(basename "$OTHER") (not SMTP, on other ports)"
	row "CPU s, the mix: full (mail ports)" "$(med mix full cpu)" \
	    "$(least mix full cpu)" "" ""
	row "CPU s, the mix: full --ports any" "$(med mix any cpu)" \
	    "$(least mix any cpu)" "" ""
	row "ns a packet not SMTP, mail ports" "$(per full median)" \
	    "$(per full min)" "" ""
	row "ns a packet not SMTP, --ports any" "$(per any median)" \
	    "$(per any min)" "" ""
	echo "(the mix's CPU time minus the corpus's, over the packets it adds;"
	echo " median and min as above: /usr/bin/time counts in 10 ms, which is"
	echo " 80 ns a packet here, and a busy machine adds more: see below)"
	# Instructions (callgrind), which noise does not move: other.pcap
	# alone, each mode, and the pcap floor, over its packets.
	if command -v valgrind >/dev/null 2>&1 && [ "${NO_VALGRIND:-}" = "" ]; then
		irefs() {
			valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.out" \
			    "$@" 2>&1 >/dev/null | sed -n 's/.*I *refs: *//p' |
			    tr -d ,
		}
		ir_pcap=$(irefs "$HERE/floor_pcap" "$OTHER")
		ir_full=$(irefs "$SMTPSCOPE" -q -r "$OTHER" -w /dev/null)
		ir_any=$(irefs "$SMTPSCOPE" -q -r "$OTHER" --ports any -w /dev/null)
		ipp() { awk -v a="$1" -v n="$OTHER_PACKETS" 'BEGIN {printf "%.0f", a / n}'; }
		row "instructions a packet of $(basename "$OTHER") alone:" "" "" "" ""
		row "  pcap floor" "$(ipp "$ir_pcap")" "" "" ""
		row "  smtpscope, mail ports" "$(ipp "$ir_full")" "" "" ""
		row "  smtpscope --ports any" "$(ipp "$ir_any")" "" "" ""
		echo "(callgrind, whole runs over the packets, start-up included;"
		echo " NO_VALGRIND=1 skips them)"
	fi
else
	echo "(the mix skipped: $WHYMIX)"
fi
echo

# ------------------------------------------------------------- truth
# check FILE TRUTH-FILE: smtpscope's summary record against the truth
check() {
	local file=$1 truth=$2 key want got bad="" line
	if [ ! -f "$truth" ]; then
		echo "ground truth $(basename "$file"): SKIP (no $truth)"
		return
	fi
	"$SMTPSCOPE" -q -r "$file" -w - 2>"$TMP/err" | tail -n 1 >"$TMP/summary" ||
	    true
	line=""
	while read -r key want; do
		got=$(grep -o "\"$key\":[0-9]*" "$TMP/summary" | head -n 1 | cut -d: -f2)
		line="$line $key ${got:-?}/$want"
		[ "$got" = "$want" ] || bad=1
	done <"$truth"
	if [ -z "$bad" ]; then
		echo "ground truth $(basename "$file") (smtpscope/truth):$line: PASS"
	else
		echo "ground truth $(basename "$file") (smtpscope/truth):$line: FAIL"
		FAILED=1
	fi
}
check "$CORPUS" "$TRUTH"
[ "$REPS4X" = 0 ] || check "$CORPUS4X" "$TRUTH4X"

if [ -n "${VERBOSE:-}" ]; then
	echo
	echo "raw runs (corpus command wall user sys maxrss_kib):"
	cat "$TMP/raw"
fi
exit "$FAILED"
