#!/bin/bash
# make-captures.sh - record the real SMTP captures in captures/ and derive
# their ground truth (captures/NAME.truth) from the software that made the
# traffic. See captures/README.md.
#
# usage: sudo captures/make-captures.sh [NAME...]
#
# With no NAME every capture is remade; NAME is one of sink-v4, sink-vlan,
# sink-qinq, sink-v4-biglo, sink-v6, sink-any, sink-reject, postfix-swaks
# (sink-vlan and sink-qinq are made from captures/sink-v4.pcap), or one of
# the mail-server captures postfix-tls-auth, bounce-dsn, drops, exim,
# bdat, opensmtpd, which this script has make-captures-mta.sh make (after
# its own; see that script: it installs Exim and OpenSMTPD in turn and
# puts Postfix back).
#
# Needs root, tcpdump, postfix (smtp-sink, smtp-source, postfix, postconf),
# swaks, iproute2 (ip, ss), cc and libpcap-dev. All traffic stays on
# loopback: in network namespaces this script creates, except
# sink-v4-biglo, which is taken on the host's lo (address 127.0.25.1).
# Every process, namespace and temporary file it makes is removed on exit,
# also on failure. The Postfix used is a private instance (its own config,
# queue and log in the temporary directory), so /etc/postfix and the
# system's mail queue are left alone.
#
# It prints what it did and the checks it made; it stops with an error
# (and leaves the captures already in captures/ as they were) when a
# check fails. KEEP_WORK=1 keeps the temporary directory (transcripts,
# counters, the Postfix log) for inspection.
#
# SPDX-License-Identifier: GPL-2.0-or-later
set -eu
export LC_ALL=C

PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE
ALL="sink-v4 sink-vlan sink-qinq sink-v4-biglo sink-v6 sink-any sink-reject postfix-swaks"
# made by make-captures-mta.sh, called at the end
MTA_ALL="postfix-tls-auth bounce-dsn drops exim bdat opensmtpd"
BIGLO_ADDR=127.0.25.1	# host lo address of the sink-v4-biglo sink
MAX_SIZE=1000000	# every capture stays under this many bytes

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}
say() {
	echo "== $*"
}

[ "$(id -u)" = 0 ] || die "must run as root (sudo $0)"
for tool in tcpdump smtp-sink smtp-source swaks postfix postconf ip ss cc \
    timeout awk sed; do
	command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool"
done

WANT=" ${*:-$ALL $MTA_ALL} "
for w in $WANT; do
	case " $ALL $MTA_ALL " in
	*" $w "*) ;;
	*) die "unknown capture '$w' (want one of: $ALL $MTA_ALL)" ;;
	esac
done
wants() {
	case $WANT in *" $1 "*) return 0 ;; esac
	return 1
}

# ---------------------------------------------------------------- cleanup
WORK=$(mktemp -d /tmp/smtpscope-captures.XXXXXX)
chmod 755 "$WORK"	# the postfix and nobody users must reach into it
PIDS=""		# background processes started here (host side)
NSES=""		# network namespaces created here
PF_CONF=""	# config dir of the private Postfix instance, once started

cleanup() {
	set +e
	if [ -n "$PF_CONF" ]; then
		postfix -c "$PF_CONF" stop >/dev/null 2>&1
		PF_CONF=""
	fi
	stop_all 0.2	# captures/lib.sh
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---------------------------------------------------------------- helpers

# Where a command runs is given by a namespace name; HOST (empty) is the
# host itself.
HOST=""

# The shared helpers: namespaces, background processes, tcpdump.
# shellcheck source=captures/lib.sh
. "$HERE/lib.sh"

# sink_start NS COUNTERS-FILE SMTP-SINK-ARGS...: start smtp-sink with -c
# (its running counters "sess=N quit=N mesg=N" go to COUNTERS-FILE)
sink_start() {
	local x=$1 cfile=$2
	shift 2
	start_bg "$x" smtp-sink -u nobody -c -h sink.example "$@" \
	    </dev/null >"$cfile" 2>&1
	SINK_PID=$BG_PID
}

# sink_counter FILE NAME: last value of counter NAME (sess, quit, mesg)
sink_counter() {
	tr '\r' '\n' <"$1" |
	    sed -n "s/^sess=[0-9]* quit=[0-9]* mesg=[0-9]*\$/&/p" |
	    tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p" | grep . || echo 0
}

# Cross-checks against the packets, independent of the software's own
# numbers: server SYN-ACKs (completed handshakes, no retransmissions
# here) and MAIL FROM commands on the wire.
synacks() {
	tcpdump -nn -r "$1" 2>/dev/null | grep -c 'Flags \[S\.\]' || true
}
mailfroms() {
	# -A dumps each packet after its summary line; the summary line
	# (which tcpdump's SMTP printer fills with the first command) is
	# left out.
	tcpdump -tt -nn -A -r "$1" 2>/dev/null |
	    grep -v '^[0-9][0-9]*\.[0-9]* ' | grep -o 'MAIL FROM:' | wc -l
}

# finish NAME FILE LINKTYPE SESSIONS TRANSACTIONS MESSAGES RECIPIENTS:
# check the capture and install it with its truth file into captures/
finish() {
	local name=$1 file=$2 lt=$3 s=$4 t=$5 m=$6 r=$7 got size
	got=$(linktype "$file")
	[ "$got" = "$lt" ] || die "$name: link type $got, want $lt"
	size=$(stat -c %s "$file")
	[ "$size" -lt "$MAX_SIZE" ] || die "$name: $size bytes, too big"
	got=$(synacks "$file")
	[ "$got" = "$s" ] ||
	    die "$name: $got SYN-ACKs in the capture, but $s sessions"
	got=$(mailfroms "$file")
	[ "$got" = "$t" ] ||
	    die "$name: $got MAIL FROM in the capture, but $t transactions"
	printf 'sessions %s\ntransactions %s\nmessages_accepted %s\nrecipients_accepted %s\n' \
	    "$s" "$t" "$m" "$r" >"$WORK/$name.truth"
	cp "$file" "$OUT/$name.pcap.tmp"
	mv -f "$OUT/$name.pcap.tmp" "$OUT/$name.pcap"
	mv -f "$WORK/$name.truth" "$OUT/$name.truth"
	chmod 644 "$OUT/$name.pcap" "$OUT/$name.truth"
	echo "   $name.pcap: $(tcpdump -nn -r "$file" 2>/dev/null | wc -l)" \
	    "packets, $lt, $size bytes; truth: sessions $s" \
	    "transactions $t messages_accepted $m recipients_accepted $r"
}

# Transcript parser shared by the smtp-source -v and swaks transcripts,
# after a per-tool front end turned them into lines of:
#   B          a new connection or client run: forget pending commands
#   T TEXT     a line the client sent (a command, or message text)
#   R TEXT     a reply line the client received ("250-..." continues)
# Replies are matched to commands in order (a pipelining client sends
# several before reading the replies). A final reply with no command
# pending is the greeting: one per session. Lines sent after a 354 reply
# to DATA are message text up to the lone ".", which is the end-of-data
# "command". Prints: sessions transactions messages_accepted
# recipients_accepted unmatched-replies.
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
	    sed -n -e 's/^### run.*/B/p' -e 's/^smtp-source: <<< /R /p' \
	    -e 's/^smtp-source: \(\(HELO\|EHLO\|MAIL\|RCPT\|DATA\|RSET\|QUIT\|NOOP\)\( .*\)\{0,1\}\)$/T \1/p' \
	    -e 's/^smtp-source: \.$/T ./p' | awk "$PARSE_AWK"
}
parse_swaks() {
	sed -n -e 's/^=== Connected to .*/B/p' -e 's/^ -> /T /p' \
	    -e 's/^ ->$/T /p' -e 's/^<-  /R /p' -e 's/^<\*\* /R /p' "$1" |
	    awk "$PARSE_AWK"
}

# Build the VLAN tagging tool.
VLANTAG=$WORK/vlantag
build_vlantag() {
	[ -x "$VLANTAG" ] && return 0
	cc -std=c11 -Wall -Wextra -O2 -o "$VLANTAG" \
	    "$HERE/tools/vlantag.c" -lpcap || die "cannot build vlantag"
}

# ------------------------------------------- the standard smtp-source run
#
# sink-v4, sink-v4-biglo, sink-v6 and sink-any all record this same
# smtp-source workload against a plain smtp-sink (no reject options), so
# their truth files are identical:
#   run  smtp-source options        sessions messages rcpts/message
#   1    -m 3 -r 2 -l 1500                 3        3        2
#   2    -d -m 4 -r 3 -l 6000              1        4        3
#   3    -d -s 2 -m 4 -r 1 -l 300          2        4        1  (parallel)
#   4    -m 1 -r 5 -l 100000               1        1        5  (100 KB)
# (-d: several messages per session; -s: sessions in parallel; -l: size)
#
# Truth: smtp-source run without -A aborts ("fatal: ... rejected") at the
# first reply that is not the expected positive one, and smtp-sink without
# -f/-r/-q/-Q answers 250 to every MAIL, RCPT and end of data. So when
# every run exits 0, each of the sum(m) messages smtp-source was told to
# send was one accepted transaction with r accepted recipients:
# transactions = messages_accepted = sum(m), recipients_accepted =
# sum(m * r). sessions = smtp-sink's own session counter (-c, "sess="),
# which must equal what the options imply (m per run without -d, s with
# -d); its "mesg=" counter (ends of data received) must equal sum(m).
STD_M="3 4 4 1"
STD_R="2 3 1 5"
STD_X=("-l 1500" "-d -l 6000" "-d -s 2 -l 300" "-l 100000")
SRC_ID=(-M source.example -f sender@source.example -t rcpt@sink.example
	-S "smtpscope capture")

# std_run NAME NS LISTEN TARGET FILE TCPDUMP-IFACE TCPDUMP-FILTER [TD-OPT...]
std_run() {
	local name=$1 x=$2 listen=$3 target=$4 file=$5 ifc=$6 filter=$7
	local i=0 m r sum_m=0 sum_mr=0 want_s=0 sess quit mesg opts s_opt
	shift 7
	sink_start "$x" "$WORK/$name.sink" "$listen" 64
	wait_listen "$x" "$listen"
	td_start "$x" "$ifc" "$file" "$filter" "$@"
	# shellcheck disable=SC2086
	set -- $STD_R
	for m in $STD_M; do
		r=$1
		shift
		opts=${STD_X[$i]}
		i=$((i + 1))
		# shellcheck disable=SC2086
		in_ns "$x" timeout 120 smtp-source "${SRC_ID[@]}" $opts -m "$m" \
		    -r "$r" "$target" ||
		    die "$name: smtp-source $opts -m $m -r $r failed"
		sum_m=$((sum_m + m))
		sum_mr=$((sum_mr + m * r))
		# sessions implied: m without -d; with -d, the -s value (1)
		case " $opts " in
		*" -d "*)
			case " $opts " in
			*" -s "*)
				s_opt=${opts#*-s }
				want_s=$((want_s + ${s_opt%% *}))
				;;
			*) want_s=$((want_s + 1)) ;;
			esac
			;;
		*) want_s=$((want_s + m)) ;;
		esac
	done
	td_stop "$file"
	bg_stop "$SINK_PID" TERM
	sess=$(sink_counter "$WORK/$name.sink" sess)
	quit=$(sink_counter "$WORK/$name.sink" quit)
	mesg=$(sink_counter "$WORK/$name.sink" mesg)
	echo "   smtp-sink counters: sess=$sess quit=$quit mesg=$mesg"
	[ "$sess" = "$want_s" ] ||
	    die "$name: smtp-sink counted $sess sessions, options say $want_s"
	[ "$quit" = "$sess" ] || die "$name: $quit QUITs in $sess sessions"
	[ "$mesg" = "$sum_m" ] ||
	    die "$name: smtp-sink got $mesg messages, smtp-source sent $sum_m"
	STD_TRUTH="$sess $sum_m $sum_m $sum_mr"
}

# ================================================================ sink-v4
# In a namespace (lo: mtu 1500, gso_max_size 1500): wire-sized segments,
# Ethernet link type (DLT_EN10MB) as lo always has. Truth: see std_run.
if wants sink-v4; then
	say "sink-v4: smtp-source -> smtp-sink, 127.0.0.1:25, namespace lo"
	ns_new v4
	std_run sink-v4 "$NS" 127.0.0.1:25 127.0.0.1:25 "$WORK/sink-v4.pcap" \
	    lo 'tcp port 25'
	# shellcheck disable=SC2086
	finish sink-v4 "$WORK/sink-v4.pcap" EN10MB $STD_TRUTH
fi

# ===================================================== sink-vlan, sink-qinq
# sink-v4.pcap with one 802.1Q tag (VLAN 100), and with an 802.1ad outer
# tag (TPID 0x88a8, VLAN 200) over it: the same packets and timestamps,
# so the truth is sink-v4's.
for tagged in sink-vlan sink-qinq; do
	wants "$tagged" || continue
	say "$tagged: captures/sink-v4.pcap retagged with tools/vlantag.c"
	if [ ! -f "$OUT/sink-v4.pcap" ] || [ ! -f "$OUT/sink-v4.truth" ]; then
		die "$tagged needs captures/sink-v4.pcap (make sink-v4 first)"
	fi
	build_vlantag
	if [ "$tagged" = sink-vlan ]; then
		"$VLANTAG" "$OUT/sink-v4.pcap" "$WORK/$tagged.pcap" 100 ||
		    die "vlantag failed"
		want="vlan 100, p 0, ethertype IPv4"
	else
		"$VLANTAG" "$OUT/sink-v4.pcap" "$WORK/$tagged.pcap" 100 \
		    0x88a8:200 || die "vlantag failed"
		want="ethertype 802.1Q-QinQ (0x88a8), length [0-9]*: vlan 200, p 0, ethertype 802.1Q (0x8100), vlan 100, p 0, ethertype IPv4"
	fi
	tcpdump -tt -nn -r "$OUT/sink-v4.pcap" 2>/dev/null |
	    awk '{print $1}' >"$WORK/ts.orig"
	tcpdump -tt -nn -r "$WORK/$tagged.pcap" 2>/dev/null |
	    awk '{print $1}' >"$WORK/ts.tagged"
	cmp -s "$WORK/ts.orig" "$WORK/ts.tagged" ||
	    die "$tagged: packets or timestamps differ from sink-v4.pcap"
	n=$(wc -l <"$WORK/ts.orig")
	got=$(tcpdump -nn -e -r "$WORK/$tagged.pcap" 2>/dev/null |
	    grep -c "$want" || true)
	[ "$got" = "$n" ] || die "$tagged: $got of $n packets tagged as wanted"
	# shellcheck disable=SC2046
	finish "$tagged" "$WORK/$tagged.pcap" EN10MB \
	    $(awk '{print $2}' "$OUT/sink-v4.truth")
done

# ========================================================== sink-v4-biglo
# The host's own lo (MTU 65536, GSO): segments of up to tens of KB (the
# 100 KB message goes in ~32 KB segments), as captures taken on a mail
# server look. The sink listens on 127.0.25.1 (not
# 127.0.0.1) and the filter names that address, so other loopback traffic
# on this machine neither collides nor gets in. Truth: see std_run.
if wants sink-v4-biglo; then
	say "sink-v4-biglo: the same run on the host's lo ($BIGLO_ADDR:25)"
	std_run sink-v4-biglo "$HOST" "$BIGLO_ADDR:25" "$BIGLO_ADDR:25" \
	    "$WORK/sink-v4-biglo.pcap" lo "host $BIGLO_ADDR and tcp port 25"
	# shellcheck disable=SC2086
	finish sink-v4-biglo "$WORK/sink-v4-biglo.pcap" EN10MB $STD_TRUTH
fi

# ================================================================ sink-v6
# The same run over IPv6 [::1]:25 in a namespace. Truth: see std_run.
if wants sink-v6; then
	say "sink-v6: the same run over [::1]:25, namespace lo"
	ns_new v6
	std_run sink-v6 "$NS" '[::1]:25' '[::1]:25' "$WORK/sink-v6.pcap" \
	    lo 'tcp port 25'
	# shellcheck disable=SC2086
	finish sink-v6 "$WORK/sink-v6.pcap" EN10MB $STD_TRUTH
fi

# =============================================================== sink-any
# The same run recorded with tcpdump -i any: Linux cooked v2 (SLL2)
# headers, forced with -y LINUX_SLL2. Truth: see std_run.
if wants sink-any; then
	say "sink-any: the same run, tcpdump -i any -y LINUX_SLL2, namespace"
	ns_new any
	std_run sink-any "$NS" 127.0.0.1:25 127.0.0.1:25 \
	    "$WORK/sink-any.pcap" any 'tcp port 25' -y LINUX_SLL2
	# shellcheck disable=SC2086
	finish sink-any "$WORK/sink-any.pcap" LINUX_SLL2 $STD_TRUTH
fi

# ============================================================ sink-reject
# One recording in a namespace; one smtp-sink per behaviour, each on its
# own address, port 25; smtp-source runs one after the other (never in
# parallel), with -A (go on after a negative reply) where noted:
#   addr        smtp-sink     smtp-source          what happens
#   127.0.0.2   -f RCPT       -A -m 2 -r 2         RCPT 500 x2, RSET, QUIT;
#                                                  2 sessions
#   127.0.0.3   -r DATA       -A -d -m 2 -r 3      DATA 450, RSET, next
#                                                  MAIL in the same session
#   127.0.0.4   -Q .          -A -m 2 -r 2 -l 3000 421 after the data, then
#                                                  the server disconnects
#   127.0.0.5   -q RCPT       -m 1 -r 2            no reply to RCPT, server
#                                                  disconnects; smtp-source
#                                                  exits 1 (expected)
#   127.0.0.6   -f .          -A -d -m 2 -r 2 -l 2000  500 after the data
#   127.0.0.7   -r MAIL       -A -m 1 -r 1         MAIL 450, RSET, QUIT
#   127.0.0.8   (none)        -d -m 2 -r 2 -l 1000 both accepted
#
# Truth: from smtp-source's own transcript (-v prints every command it
# sends and every reply line it reads, "<<< "), parsed by PARSE_AWK:
# sessions = greetings read, transactions = MAIL commands sent,
# recipients_accepted = RCPT commands answered 2xx, messages_accepted =
# ends of data answered 2xx. Cross-checked with the smtp-sinks' counters:
# their "sess=" sum must equal the sessions, their "mesg=" sum (ends of
# data received) the "." lines sent.
REJ_ADDR="127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 127.0.0.6 127.0.0.7
127.0.0.8"
REJ_SINK=("-f RCPT" "-r DATA" "-Q ." "-q RCPT" "-f ." "-r MAIL" "")
REJ_SRC=("-A -m 2 -r 2" "-A -d -m 2 -r 3" "-A -m 2 -r 2 -l 3000"
	"-m 1 -r 2" "-A -d -m 2 -r 2 -l 2000" "-A -m 1 -r 1"
	"-d -m 2 -r 2 -l 1000")
REJ_RC=(0 0 0 1 0 0 0)
if wants sink-reject; then
	say "sink-reject: smtp-sink rejecting, deferring, dropping; namespace"
	ns_new rej
	i=0
	REJ_PIDS=""
	for a in $REJ_ADDR; do
		# shellcheck disable=SC2086
		sink_start "$NS" "$WORK/rej-$i.sink" ${REJ_SINK[$i]} "$a:25" 64
		REJ_PIDS="$REJ_PIDS $SINK_PID"
		i=$((i + 1))
	done
	for a in $REJ_ADDR; do
		wait_listen "$NS" "$a:25"
	done
	td_start "$NS" lo "$WORK/sink-reject.pcap" 'tcp port 25'
	: >"$WORK/rej.transcript"
	i=0
	for a in $REJ_ADDR; do
		echo "### run $i: smtp-sink ${REJ_SINK[$i]}; smtp-source ${REJ_SRC[$i]}" \
		    >>"$WORK/rej.transcript"
		rc=0
		# shellcheck disable=SC2086
		in_ns "$NS" timeout 120 smtp-source -v "${SRC_ID[@]}" ${REJ_SRC[$i]} \
		    "$a:25" 2>>"$WORK/rej.transcript" || rc=$?
		[ "$rc" = "${REJ_RC[$i]}" ] ||
		    die "sink-reject: smtp-source ${REJ_SRC[$i]} against" \
		    "smtp-sink ${REJ_SINK[$i]} exited $rc, want ${REJ_RC[$i]}"
		i=$((i + 1))
	done
	td_stop "$WORK/sink-reject.pcap"
	sum_sess=0
	sum_mesg=0
	for pid in $REJ_PIDS; do
		bg_stop "$pid" TERM
	done
	for i in $(seq 0 $((${#REJ_SINK[@]} - 1))); do
		s=$(sink_counter "$WORK/rej-$i.sink" sess)
		g=$(sink_counter "$WORK/rej-$i.sink" mesg)
		echo "   smtp-sink ${REJ_SINK[$i]:-(accept all)}: sess=$s mesg=$g"
		sum_sess=$((sum_sess + s))
		sum_mesg=$((sum_mesg + g))
	done
	read -r s t m r u <<<"$(parse_smtp_source "$WORK/rej.transcript")"
	dots=$(grep -c '^\([^ :]*/\)\{0,1\}smtp-source: \.$' "$WORK/rej.transcript" || true)
	echo "   smtp-source transcript: sessions $s transactions $t" \
	    "accepted messages $m accepted recipients $r; $dots ends of data"
	[ "$u" = 0 ] || die "sink-reject: $u unmatched replies in transcript"
	[ "$s" = "$sum_sess" ] ||
	    die "sink-reject: transcript has $s sessions, smtp-sinks $sum_sess"
	[ "$dots" = "$sum_mesg" ] ||
	    die "sink-reject: $dots ends of data sent, smtp-sinks got $sum_mesg"
	finish sink-reject "$WORK/sink-reject.pcap" EN10MB "$s" "$t" "$m" "$r"
fi

# ========================================================== postfix-swaks
# A real Postfix (a private instance: its own main.cf/master.cf, queue,
# data directory and log file under the temporary directory, started with
# postfix -c DIR inside a namespace, stopped at the end) driven by swaks
# over 127.0.0.1 and [::1]. mydestination = localhost, example.test;
# local delivery goes to the discard transport, so no mailbox is written.
# The swaks runs:
#   1  root@example.test                      plain, accepted
#   2  --pipeline root@, postmaster@localhost  pipelined, 2 recipients
#   3  nosuchuser@example.test                550 5.1.1, no DATA
#   4  root@ + nosuchuser@, 20 KB body        1 of 2 recipients; accepted
#   5  --quit-after RCPT postmaster@localhost  transaction aborted by QUIT
#   6  [::1] --pipeline root@, 8 KB body      IPv6, pipelined, accepted
#   7  --quit-after HELO                      session without transaction
#   8  --pipeline nosuchuser@, root@          pipelined, first RCPT 550
#   9  --pipeline nosuchuser@                 pipelined, DATA 554 (no
#                                             valid recipients)
#  10  --drop-after RCPT root@                client disconnects, no QUIT
#
# Truth: from the swaks transcripts ("=== Connected", " -> " sent lines,
# "<- " and "<** " replies), parsed by PARSE_AWK as for sink-reject.
# Cross-checked with Postfix's own log (maillog_file): smtpd "connect
# from" and "disconnect from" lines = sessions; the disconnect lines'
# command counts (mail=N or mail=OK/TOTAL) give the MAIL commands (their
# totals) and the accepted RCPTs (rcpt= successes); qmgr "(queue active)"
# lines = accepted messages.
PFX_BODY_20K=$WORK/body20k.txt
PFX_BODY_8K=$WORK/body8k.txt
if wants postfix-swaks; then
	say "postfix-swaks: swaks -> a real Postfix (private instance)"
	ns_new pfx
	for n in $(seq 1 280); do
		printf 'Line %03d of a longer body: the quick brown fox jumps over the lazy dog.\n' "$n"
	done >"$PFX_BODY_20K"
	head -n 110 "$PFX_BODY_20K" >"$PFX_BODY_8K"
	P=$WORK/postfix
	pf_base "$P"
	postconf -c "$P/etc" -e \
	    "inet_interfaces = loopback-only" \
	    "inet_protocols = all" \
	    "myhostname = mail.example.test" \
	    "mydestination = localhost, example.test" \
	    "mynetworks = 127.0.0.0/8 [::1]/128" \
	    "alias_maps = inline:{ postmaster=root }" \
	    "alias_database =" \
	    "local_transport = discard:" \
	    "smtpd_banner = \$myhostname ESMTP \$mail_name" \
	    "compatibility_level = 3.6" || die "postconf failed"
	postconf -c "$P/etc" -F '*/*/chroot = n' || die "postconf -F failed"
	PF_CONF=$P/etc	# from now on, cleanup stops it
	in_ns "$NS" postfix -c "$P/etc" start >"$WORK/postfix-start.log" 2>&1 ||
	    die "postfix start failed: $(cat "$WORK/postfix-start.log"
	    cat "$P/maillog" 2>/dev/null)"
	wait_listen "$NS" 127.0.0.1:25
	wait_listen "$NS" '[::1]:25'
	td_start "$NS" lo "$WORK/postfix-swaks.pcap" 'tcp port 25'
	SW=(--helo client.example.test --from alice@example.test)
	T=$WORK/swaks.transcript
	: >"$T"
	swaks_run() {
		local rc=0
		in_ns "$NS" timeout 60 swaks "${SW[@]}" "$@" >>"$T" 2>&1 || rc=$?
		echo "   swaks $* -> exit $rc"
	}
	swaks_run --server 127.0.0.1 --to root@example.test \
	    --header "Subject: plain message"
	swaks_run --server 127.0.0.1 --pipeline \
	    --to root@example.test,postmaster@localhost
	swaks_run --server 127.0.0.1 --to nosuchuser@example.test
	swaks_run --server 127.0.0.1 --to root@example.test,nosuchuser@example.test \
	    --body "$PFX_BODY_20K"
	swaks_run --server 127.0.0.1 --quit-after RCPT \
	    --to postmaster@localhost
	swaks_run --server ::1 --pipeline --to root@example.test \
	    --body "$PFX_BODY_8K"
	swaks_run --server 127.0.0.1 --quit-after HELO --to root@example.test
	swaks_run --server 127.0.0.1 --pipeline \
	    --to nosuchuser@example.test,root@example.test
	swaks_run --server 127.0.0.1 --pipeline --to nosuchuser@example.test
	swaks_run --server 127.0.0.1 --drop-after RCPT --to root@example.test
	td_stop "$WORK/postfix-swaks.pcap"
	read -r s t m r u <<<"$(parse_swaks "$T")"
	[ "$u" = 0 ] || die "postfix-swaks: $u unmatched replies in transcript"
	[ "$(grep -c '^=== Connected to' "$T")" = "$s" ] ||
	    die "postfix-swaks: connections and greetings differ"
	echo "   swaks transcripts: sessions $s transactions $t" \
	    "accepted messages $m accepted recipients $r"
	# The log is written asynchronously: wait for every session's end.
	L=$P/maillog
	for i in $(seq 1 100); do
		ends=$(grep -Ec 'postfix/smtpd\[[0-9]+\]: disconnect from ' "$L" || true)
		act=$(grep -Ec 'postfix/qmgr\[[0-9]+\]: [0-9A-F]+: from=.*\(queue active\)' "$L" || true)
		[ "$ends" = "$s" ] && [ "$act" = "$m" ] && break
		sleep 0.2
	done
	lconn=$(grep -Ec 'postfix/smtpd\[[0-9]+\]: connect from ' "$L" || true)
	# mail=OK or mail=OK/TOTAL, rcpt likewise, in the disconnect lines
	read -r lmail lrcpt <<<"$(grep -E 'postfix/smtpd\[[0-9]+\]: disconnect from ' "$L" |
	    awk '{
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] != "mail" && kv[1] != "rcpt") continue
			n = split(kv[2], f, "/")
			if (kv[1] == "mail") mail += (n == 2 ? f[2] : f[1])
			else rcpt += f[1]
		}
	    } END { printf "%d %d\n", mail, rcpt }')"
	echo "   Postfix log: $lconn connects, $ends disconnects," \
	    "mail= total $lmail, rcpt= accepted $lrcpt, $act queued"
	if [ "$lconn" != "$s" ] || [ "$ends" != "$s" ]; then
		die "postfix-swaks: Postfix logged $lconn/$ends sessions, swaks $s"
	fi
	[ "$lmail" = "$t" ] ||
	    die "postfix-swaks: Postfix counted $lmail MAIL, swaks sent $t"
	[ "$lrcpt" = "$r" ] ||
	    die "postfix-swaks: Postfix accepted $lrcpt RCPT, swaks saw $r"
	[ "$act" = "$m" ] ||
	    die "postfix-swaks: Postfix queued $act messages, swaks saw $m"
	in_ns "$NS" postfix -c "$P/etc" stop >/dev/null 2>&1 ||
	    die "postfix stop failed"
	PF_CONF=""
	for i in $(seq 1 50); do
		[ -z "$(ip netns pids "$NS")" ] && break
		sleep 0.1
	done
	finish postfix-swaks "$WORK/postfix-swaks.pcap" EN10MB \
	    "$s" "$t" "$m" "$r"
fi

# ====================================================== the MTA captures
# postfix-tls-auth, bounce-dsn, drops, exim, bdat, opensmtpd: see
# make-captures-mta.sh (it can also be run by itself).
MTA_WANT=""
for w in $MTA_ALL; do
	if wants "$w"; then
		MTA_WANT="$MTA_WANT $w"
	fi
done
if [ -n "$MTA_WANT" ]; then
	say "mail-server captures:$MTA_WANT (make-captures-mta.sh)"
	# shellcheck disable=SC2086
	"$HERE/make-captures-mta.sh" $MTA_WANT ||
	    die "make-captures-mta.sh$MTA_WANT failed"
fi

say "done:$WANT"
