#!/bin/bash
# make-corpus.sh - record the benchmark corpus: real SMTP traffic from
# Postfix's smtp-source and this directory's pipelining client to
# smtp-sink, taken with tcpdump on the loopback interface of network
# namespaces with wire-sized segments, run after run, merged into one file,
# with its ground truth. See docs/performance.md.
#
# usage: sudo bench/make-corpus.sh
#
# Writes (bench/corpus/ is not committed; see bench/.gitignore):
#   bench/corpus/corpus.pcap      all runs, concatenated in recording order
#   bench/corpus/corpus.truth     sessions, transactions, messages_accepted,
#                                 recipients_accepted (as captures/*.truth)
#   bench/corpus/corpus.runs      one line per run: what ran, its packets,
#                                 bytes and truth
#   bench/corpus/corpus-4x.pcap   corpus.pcap four times over, each copy's
#                                 timestamps shifted past the previous one
#   bench/corpus/corpus-4x.truth  four times corpus.truth
#
# Environment: OUT=DIR writes there instead of bench/corpus; DIV=N divides
# every run's session and message counts by N (a quick trial: DIV=50);
# KEEP_WORK=1 keeps the temporary directory (per-run captures, transcripts,
# smtp-sink counters); RUNS="r01 r06 ..." records only those runs.
#
# The runs (smtp-sink -u nobody -c on 127.0.0.1:25, backlog 1024; each run
# in a fresh namespace whose lo has mtu 1500 and gso_max_size 1500, as
# captures/make-captures.sh does; tcpdump -B 262144 on that lo):
#
#   run  server (smtp-sink)  client                              what
#   r01  (accepts all)       smtp-source -s 32 -m 30000 -l 1024 -r 3   small
#   r02  (accepts all)       smtp-source -s 32 -m 8000 -l 10240 -r 2   10 KB
#   r03  (accepts all)       smtp-source -s 16 -m 1500 -l 51200 -r 5   50 KB
#   r04  (accepts all)       smtp-source -s 8 -m 500 -l 204800 -r 1    200 KB
#   r05  (accepts all)       smtp-source -d -s 20 -m 5000 -l 4096 -r 4
#                            20 sessions of 250 messages each
#   r06  (accepts all)       pipeline client, 5000 sessions, 1-3 messages
#                            of 1-200 KB (weighted to the small ones), 1-5
#                            recipients, QUIT pipelined after the last dot
#   r07  -Q .                pipeline client, 1000 sessions, 1-2 messages:
#                            421 after the first end of data, disconnect
#   r08  -q RCPT             client without pipelining, 1000 sessions: the
#                            server hangs up on the first RCPT, no reply
#   r09  (accepts all)       pipeline client, 1000 sessions, every 3rd one
#                            closes mid-message (the client goes away)
#   r10  -f RCPT             smtp-source -A -m 1500 -r 2: RCPT 500, RSET
#   r11  -r DATA             smtp-source -A -d -m 1500 -r 3: DATA 450, RSET,
#                            next MAIL, all in one session
#   r12  -Q .                smtp-source -A -m 1500 -r 2 -l 3000: 421 after
#                            the data, disconnect
#   r13  -f .                smtp-source -A -d -m 1500 -r 2 -l 2000: 500
#                            after the data, in one session
#   r14  -r MAIL             smtp-source -A -m 1500 -r 1: MAIL 450
#   r15  -q DATA             pipeline client, 1000 sessions: the server
#                            hangs up on DATA (after replying to MAIL and
#                            RCPT, or not: whatever it sent is on the wire)
#
# smtp-source never pipelines; bench/smtp-pipeline-client.py does (MAIL,
# every RCPT and DATA in one write, RFC 2920). smtp-sink's -f/-r imply -p
# (no PIPELINING offered), so the pipelined runs meet only the accepting,
# -Q and -q sinks.
#
# Ground truth, from the software that made the traffic, never from a
# dissector (the same definitions as captures/README.md):
#   - smtp-source without -A against a sink that accepts all (r01-r05):
#     every run must exit 0, so transactions = messages_accepted = m,
#     recipients_accepted = m * r; sessions = smtp-sink's "sess=" counter,
#     which must equal what the options imply (m, or s with -d).
#   - smtp-source -A (r10-r14): run one session at a time with -v, its
#     transcript parsed as captures/make-captures.sh does (sessions =
#     greetings read, transactions = MAIL sent, recipients_accepted = RCPT
#     answered 2xx, messages_accepted = ends of data answered 2xx).
#   - the pipeline client (r06-r09, r15): its own count of what it sent and
#     the replies it read (see smtp-pipeline-client.py).
# Every run is cross-checked against smtp-sink's counters (sessions, ends
# of data received) and against the packets: completed handshakes
# (SYN-ACKs) = sessions, "MAIL FROM:" on the wire = transactions; tcpdump
# must drop nothing (a run that drops is recorded again, up to 3 times)
# and the file must hold every packet tcpdump counted.
#
# Needs root, tcpdump, postfix (smtp-sink, smtp-source), python3,
# wireshark-common (mergecap, editcap, capinfos), iproute2. All traffic
# stays in namespaces this script creates; they, their processes and the
# temporary directory are removed on exit, also on failure.
#
# SPDX-License-Identifier: GPL-2.0-or-later
set -eu
export LC_ALL=C

PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE/corpus}
DIV=${DIV:-1}
CLIENT=$HERE/smtp-pipeline-client.py
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
TD_BUF=262144	# KiB of kernel capture buffer
ALL_RUNS="r01 r02 r03 r04 r05 r06 r07 r08 r09 r10 r11 r12 r13 r14 r15"
RUNS=${RUNS:-$ALL_RUNS}

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}
say() {
	echo "== $*"
}

[ "$(id -u)" = 0 ] || die "must run as root (sudo $0)"
for tool in tcpdump smtp-sink smtp-source ip mergecap editcap capinfos \
    timeout awk sed "$PY"; do
	command -v "$tool" >/dev/null 2>&1 ||
	    die "missing tool: $tool (apt-get install tcpdump postfix wireshark-common python3)"
done
case $DIV in '' | *[!0-9]* | 0) die "DIV must be a positive integer" ;; esac

WORK=$(mktemp -d /tmp/smtpscope-corpus.XXXXXX)
chmod 755 "$WORK"
PIDS=""
NSES=""
cleanup() {
	set +e
	for pid in $PIDS; do kill -TERM "$pid" 2>/dev/null; done
	for pid in $PIDS; do wait "$pid" 2>/dev/null; done
	PIDS=""
	for ns in $NSES; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	NSES=""
	[ -n "${KEEP_WORK:-}" ] && echo "work directory kept: $WORK" >&2
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ------------------------------------------------------------- helpers
# (the same ways as captures/make-captures.sh)

start_bg() {	# start_bg NS CMD...: sets BG_PID
	local ns=$1
	shift
	ip netns exec "$ns" "$@" &
	BG_PID=$!
	PIDS="$PIDS $BG_PID"
}
bg_stop() {	# bg_stop PID [SIGNAL]
	kill -"${2:-TERM}" "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}
ns_new() {	# ns_new TAG: a fresh namespace, wire-sized segments; sets NS
	NS=smtpscope-bench-$$-$1
	ip netns add "$NS" || die "ip netns add $NS failed"
	NSES="$NSES $NS"
	ip netns exec "$NS" ip link set lo mtu 1500 || die "$NS: lo mtu"
	ip netns exec "$NS" ip link set lo gso_max_size 1500 ||
	    die "$NS: lo gso_max_size"
	ip netns exec "$NS" ip link set lo up
	ip netns exec "$NS" sysctl -qw net.ipv4.tcp_min_tso_segs=1 ||
	    die "$NS: tcp_min_tso_segs"
}
ns_del() {
	local pid
	for pid in $(ip netns pids "$1" 2>/dev/null); do
		kill -KILL "$pid" 2>/dev/null
	done
	ip netns del "$1" 2>/dev/null || true
	NSES=$(echo "$NSES" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}
wait_listen() {	# wait_listen NS ADDR:PORT

	for _ in $(seq 1 100); do
		ip netns exec "$1" ss -Hltn 2>/dev/null | awk '{print $4}' |
		    grep -qxF "$2" && return 0
		sleep 0.1
	done
	die "nothing listens on $2"
}
td_start() {	# td_start NS FILE

	TD_ERR=$2.tcpdump-err
	: >"$TD_ERR"
	# no -U: at these rates a write per packet costs more than it helps;
	# tcpdump flushes its buffer when stopped with TERM
	start_bg "$1" tcpdump -i lo -s 0 -B "$TD_BUF" -Z root -w "$2" \
	    'tcp port 25' </dev/null >/dev/null 2>"$TD_ERR"
	TD_PID=$BG_PID
	for _ in $(seq 1 100); do
		grep -q '^tcpdump: listening on' "$TD_ERR" && break
		kill -0 "$TD_PID" 2>/dev/null || die "tcpdump failed: $(cat "$TD_ERR")"
		sleep 0.1
	done
	grep -q '^tcpdump: listening on' "$TD_ERR" ||
	    die "tcpdump did not start: $(cat "$TD_ERR")"
	sleep 0.3
}
# td_stop FILE: wait for the flush, stop tcpdump; sets TD_CAP, TD_DROP
td_stop() {
	local recv nfile
	sleep 2.5
	bg_stop "$TD_PID" TERM
	TD_CAP=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured$/\1/p' "$TD_ERR")
	recv=$(sed -n 's/^\([0-9]*\) packets\{0,1\} received by filter$/\1/p' "$TD_ERR")
	TD_DROP=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel$/\1/p' "$TD_ERR")
	if [ -z "$TD_CAP" ] || [ -z "$recv" ] || [ -z "$TD_DROP" ]; then
		die "$1: no tcpdump statistics: $(cat "$TD_ERR")"
	fi
	echo "   tcpdump: $TD_CAP packets captured, $recv received by filter" \
	    "(each twice on loopback), $TD_DROP dropped by kernel"
	[ "$TD_DROP" = 0 ] || return 0
	[ "$recv" = $((TD_CAP * 2)) ] ||
	    die "$1: $TD_CAP captured but $recv received by filter (want 2x)"
	nfile=$(npackets "$1")
	[ "$nfile" = "$TD_CAP" ] ||
	    die "$1: tcpdump captured $TD_CAP packets, the file holds $nfile"
}
npackets() {
	capinfos -c -M -T -r "$1" | awk -F'\t' '{print $2}'
}
sink_counter() {	# sink_counter FILE NAME
	tr '\r' '\n' <"$1" |
	    sed -n "s/^sess=[0-9]* quit=[0-9]* mesg=[0-9]*\$/&/p" |
	    tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p" | grep . || echo 0
}
synacks() {
	tcpdump -nn -r "$1" 'tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack)' \
	    2>/dev/null | wc -l
}
mailfroms() {
	# "MAIL FROM:" in client payloads. -q: the summary lines name no SMTP
	# command, so every match is payload (header bytes printed by -A can
	# hold a newline, so summary lines cannot be told apart by their
	# shape)
	tcpdump -q -nn -A -r "$1" 'tcp dst port 25' 2>/dev/null |
	    grep -o 'MAIL FROM:' | wc -l
}

# The transcript parser of captures/make-captures.sh (smtp-source -v).
# shellcheck disable=SC2016
PARSE_AWK='
function verb(s,   v) {
	v = toupper(s)
	sub(/[ :].*/, "", v)
	return v
}
$1 == "B" { qh = qt = 0; indata = 0; next }
$1 == "T" {
	text = substr($0, 3)
	if (indata) {
		if (text == ".") { indata = 0; q[qt++] = "." }
		next
	}
	v = verb(text)
	if (v == "MAIL") mail++
	q[qt++] = v
	next
}
$1 == "R" {
	text = substr($0, 3)
	code = substr(text, 1, 3)
	if (substr(text, 4, 1) == "-") next
	if (qh == qt) {
		if (code == "220") sess++; else unmatched++
		next
	}
	c = q[qh++]
	if (c == "RCPT" && code ~ /^2/) rok++
	if (c == "." && code ~ /^2/) mok++
	if (c == "DATA" && code == "354") indata = 1
	next
}
END { printf "%d %d %d %d %d\n", sess, mail, mok, rok, unmatched }
'
parse_smtp_source() {
	# smtp-source names itself by the path it was started as (the
	# unpacked one under build/tools: /.../usr/sbin/smtp-source).
	sed -e 's|^[^ :]*/smtp-source: |smtp-source: |' "$1" |
	    sed -n -e 's/^smtp-source: <<< /R /p' \
	    -e 's/^smtp-source: \(\(HELO\|EHLO\|MAIL\|RCPT\|DATA\|RSET\|QUIT\|NOOP\)\( .*\)\{0,1\}\)$/T \1/p' \
	    -e 's/^smtp-source: \.$/T ./p' | awk "$PARSE_AWK"
}

scale() {	# scale N: N / DIV, at least 1
	local n=$(($1 / DIV))
	[ "$n" -ge 1 ] || n=1
	echo "$n"
}

SRC_ID=(-M source.bench.example -f sender@source.bench.example
	-t rcpt@sink.bench.example -S "smtpscope bench")

# progress PID COUNTERS-FILE WANT: print the sink's counters every 10 s
# while PID runs
progress() {
	local pid=$1 cfile=$2 want=$3 t=0
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		t=$((t + 1))
		if [ $((t % 10)) = 0 ]; then
			echo "   ... ${t}s: sess=$(sink_counter "$cfile" sess) of $want," \
			    "mesg=$(sink_counter "$cfile" mesg)"
		fi
	done
}

# ------------------------------------------------------------- one run
# record NAME KIND SINK-OPTS CLIENT-ARGS...
#   KIND src:  smtp-source without -A (CLIENT-ARGS: its options, with
#              -m M -r R)
#   KIND srcv: smtp-source -A -v, one session at a time
#   KIND py:   smtp-pipeline-client.py
# Appends a line to $WORK/runs.
record() {
	local name=$1 kind=$2 sinkopts=$3 try
	shift 3
	for try in 1 2 3; do
		record_once "$name" "$kind" "$sinkopts" "$@"
		[ "$TD_DROP" = 0 ] && break
		echo "   tcpdump dropped $TD_DROP packets: recording $name again"
		[ "$try" = 3 ] && die "$name: tcpdump dropped packets 3 times"
	done
}

record_once() {
	local name=$1 kind=$2 sinkopts=$3 file cfile rc=0 s t m r u
	local sess quit mesg dots want_s m_opt r_opt cpid got args
	shift 3
	args="$*"
	file=$WORK/$name.pcap
	cfile=$WORK/$name.sink
	rm -f "$file"
	ns_new "$name"
	# shellcheck disable=SC2086
	start_bg "$NS" smtp-sink -u nobody -c -h sink.bench.example $sinkopts \
	    127.0.0.1:25 1024 </dev/null >"$cfile" 2>&1
	SINK_PID=$BG_PID
	wait_listen "$NS" 127.0.0.1:25
	td_start "$NS" "$file"
	case $kind in
	src)
		m_opt=$(echo " $* " | sed -n 's/.* -m \([0-9]*\) .*/\1/p')
		r_opt=$(echo " $* " | sed -n 's/.* -r \([0-9]*\) .*/\1/p')
		case " $* " in
		*" -d "*) want_s=$(echo " $* " | sed -n 's/.* -s \([0-9]*\) .*/\1/p')
			[ -n "$want_s" ] || want_s=1 ;;
		*) want_s=$m_opt ;;
		esac
		ip netns exec "$NS" timeout 3600 smtp-source "${SRC_ID[@]}" "$@" \
		    127.0.0.1:25 &
		cpid=$!
		progress "$cpid" "$cfile" "$want_s"
		wait "$cpid" || rc=$?
		[ "$rc" = 0 ] || die "$name: smtp-source $* exited $rc"
		;;
	srcv)
		ip netns exec "$NS" timeout 3600 smtp-source -v "${SRC_ID[@]}" "$@" \
		    127.0.0.1:25 2>"$WORK/$name.transcript" &
		cpid=$!
		progress "$cpid" "$cfile" "?"
		wait "$cpid" || rc=$?
		[ "$rc" = 0 ] || die "$name: smtp-source $* exited $rc"
		;;
	py)
		ip netns exec "$NS" timeout 3600 "$PY" "$CLIENT" 127.0.0.1:25 "$@" \
		    >"$WORK/$name.client" 2>"$WORK/$name.client-err" &
		cpid=$!
		progress "$cpid" "$cfile" "?"
		wait "$cpid" || rc=$?
		[ "$rc" = 0 ] || die "$name: client exited $rc: $(head -5 "$WORK/$name.client-err")"
		;;
	esac
	td_stop "$file"
	bg_stop "$SINK_PID" TERM
	ns_del "$NS"
	[ "$TD_DROP" = 0 ] || return 0
	sess=$(sink_counter "$cfile" sess)
	quit=$(sink_counter "$cfile" quit)
	mesg=$(sink_counter "$cfile" mesg)
	echo "   smtp-sink counters: sess=$sess quit=$quit mesg=$mesg"
	case $kind in
	src)
		[ "$sess" = "$want_s" ] ||
		    die "$name: smtp-sink counted $sess sessions, options say $want_s"
		[ "$quit" = "$sess" ] || die "$name: $quit QUITs in $sess sessions"
		[ "$mesg" = "$m_opt" ] ||
		    die "$name: smtp-sink got $mesg messages, smtp-source sent $m_opt"
		s=$sess t=$m_opt m=$m_opt r=$((m_opt * r_opt))
		;;
	srcv)
		read -r s t m r u <<<"$(parse_smtp_source "$WORK/$name.transcript")"
		dots=$(grep -c '^\([^ :]*/\)\{0,1\}smtp-source: \.$' "$WORK/$name.transcript" || true)
		echo "   smtp-source transcript: sessions $s transactions $t" \
		    "accepted messages $m accepted recipients $r; $dots ends of data"
		[ "$u" = 0 ] || die "$name: $u unmatched replies in the transcript"
		[ "$s" = "$sess" ] || die "$name: transcript has $s sessions, smtp-sink $sess"
		[ "$dots" = "$mesg" ] ||
		    die "$name: $dots ends of data sent, smtp-sink got $mesg"
		;;
	py)
		echo "   client: $(cat "$WORK/$name.client")"
		# shellcheck disable=SC2046
		set -- $(cat "$WORK/$name.client")
		s=$2 t=$4 m=$6 r=$8 dots=${10}
		[ "$s" = "$sess" ] || die "$name: client made $s sessions, smtp-sink counted $sess"
		[ "$dots" = "$mesg" ] ||
		    die "$name: client sent $dots ends of data, smtp-sink got $mesg"
		;;
	esac
	got=$(synacks "$file")
	[ "$got" = "$s" ] || die "$name: $got SYN-ACKs in the capture, but $s sessions"
	got=$(mailfroms "$file")
	[ "$got" = "$t" ] || die "$name: $got MAIL FROM on the wire, but $t transactions"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" \
	    "$(npackets "$file")" "$(stat -c %s "$file")" "$s" "$t" "$m" "$r" \
	    "${sinkopts:-(accept)}" "$kind $args" >>"$WORK/runs"
	echo "   $name: $(npackets "$file") packets, $(stat -c %s "$file") bytes;" \
	    "truth: sessions $s transactions $t messages_accepted $m recipients_accepted $r"
}

wants() {
	case " $RUNS " in *" $1 "*) return 0 ;; esac
	return 1
}

# ------------------------------------------------------------- the runs
: >"$WORK/runs"
mkdir -p "$OUT"
N=0
NRUNS=$(echo "$RUNS" | wc -w)
run() {	# run NAME DESCRIPTION KIND SINK-OPTS CLIENT-ARGS...
	local name=$1 desc=$2
	shift 2
	wants "$name" || return 0
	N=$((N + 1))
	say "[$N/$NRUNS] $name: $desc ($(date +%T))"
	record "$name" "$@"
}
T0=$(date +%s)

run r01 "small messages" src "" -s 32 -m "$(scale 30000)" -l 1024 -r 3
run r02 "10 KB messages" src "" -s 32 -m "$(scale 8000)" -l 10240 -r 2
run r03 "50 KB messages" src "" -s 16 -m "$(scale 1500)" -l 51200 -r 5
run r04 "200 KB messages" src "" -s 8 -m "$(scale 500)" -l 204800 -r 1
run r05 "20 long sessions" src "" -d -s 20 -m "$(scale 5000)" -l 4096 -r 4
run r06 "pipelined, mixed sizes" py "" --sessions "$(scale 5000)" \
    --parallel 32 --messages 1-3 --rcpts 1-5 --pipeline-quit --seed 6
run r07 "pipelined, 421 after the data" py "-Q ." --sessions "$(scale 1000)" \
    --parallel 16 --messages 1-2 --rcpts 1-3 --seed 7
run r08 "server hangs up on RCPT" py "-q RCPT" --sessions "$(scale 1000)" \
    --parallel 16 --no-pipelining --seed 8
run r09 "pipelined, clients that go away" py "" --sessions "$(scale 1000)" \
    --parallel 16 --abort-every 3 --seed 9
run r10 "RCPT rejected (500)" srcv "-f RCPT" -A -m "$(scale 1500)" -r 2
run r11 "DATA deferred (450), one session" srcv "-r DATA" -A -d \
    -m "$(scale 1500)" -r 3
run r12 "421 after the data" srcv "-Q ." -A -m "$(scale 1500)" -r 2 -l 3000
run r13 "500 after the data, one session" srcv "-f ." -A -d \
    -m "$(scale 1500)" -r 2 -l 2000
run r14 "MAIL deferred (450)" srcv "-r MAIL" -A -m "$(scale 1500)" -r 1
run r15 "pipelined, server hangs up on DATA" py "-q DATA" \
    --sessions "$(scale 1000)" --parallel 16 --seed 15

# ------------------------------------------------------------- merge
say "merging $(wc -l <"$WORK/runs") runs into $OUT/corpus.pcap"
files=$(awk -F'\t' -v w="$WORK" '{print w "/" $1 ".pcap"}' "$WORK/runs")
# shellcheck disable=SC2086
mergecap -F pcap -a -w "$OUT/corpus.pcap.tmp" $files ||
    die "mergecap failed"
mv -f "$OUT/corpus.pcap.tmp" "$OUT/corpus.pcap"
awk -F'\t' '{s += $4; t += $5; m += $6; r += $7}
    END {printf "sessions %d\ntransactions %d\nmessages_accepted %d\nrecipients_accepted %d\n", s, t, m, r}' \
    "$WORK/runs" >"$OUT/corpus.truth"
{
	printf '# run\tpackets\tbytes\tsessions\ttransactions\tmessages_accepted\trecipients_accepted\tsmtp-sink\tclient\n'
	cat "$WORK/runs"
} >"$OUT/corpus.runs"
PK=$(npackets "$OUT/corpus.pcap")
SZ=$(stat -c %s "$OUT/corpus.pcap")
SUMPK=$(awk -F'\t' '{n += $2} END {print n}' "$WORK/runs")
[ "$PK" = "$SUMPK" ] || die "corpus.pcap holds $PK packets, the runs $SUMPK"
echo "   corpus.pcap: $PK packets, $SZ bytes"
sed 's/^/   /' "$OUT/corpus.truth"

# ------------------------------------------------------------- 4x
say "corpus-4x.pcap: corpus.pcap 4 times, timestamps shifted"
read -r _ start end <<<"$(capinfos -a -e -S -T -r "$OUT/corpus.pcap")"
shift_s=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%d", b - a + 10}')
parts="$OUT/corpus.pcap"
for k in 1 2 3; do
	editcap -F pcap -t $((k * shift_s)) "$OUT/corpus.pcap" "$WORK/shift$k.pcap" ||
	    die "editcap failed"
	parts="$parts $WORK/shift$k.pcap"
done
# shellcheck disable=SC2086
mergecap -F pcap -a -w "$OUT/corpus-4x.pcap.tmp" $parts || die "mergecap failed"
rm -f "$WORK"/shift?.pcap
mv -f "$OUT/corpus-4x.pcap.tmp" "$OUT/corpus-4x.pcap"
awk '{print $1, 4 * $2}' "$OUT/corpus.truth" >"$OUT/corpus-4x.truth"
PK4=$(npackets "$OUT/corpus-4x.pcap")
[ "$PK4" = $((4 * PK)) ] || die "corpus-4x.pcap holds $PK4 packets, want $((4 * PK))"
echo "   corpus-4x.pcap: $PK4 packets, $(stat -c %s "$OUT/corpus-4x.pcap") bytes" \
    "(copies ${shift_s}s apart)"

S=$(awk '$1 == "sessions" {print $2}' "$OUT/corpus.truth")
if [ "$DIV" = 1 ] && [ "$RUNS" = "$ALL_RUNS" ]; then
	[ "$SZ" -ge 500000000 ] || die "corpus.pcap is only $SZ bytes (want >= 500 MB)"
	[ "$S" -ge 50000 ] || die "corpus has only $S sessions (want >= 50000)"
fi
say "done in $(($(date +%s) - T0))s: $OUT/corpus.pcap ($SZ bytes, $PK packets," \
    "$S sessions), corpus.truth, corpus.runs, corpus-4x.pcap, corpus-4x.truth"
