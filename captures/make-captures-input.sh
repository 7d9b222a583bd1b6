#!/bin/bash
# make-captures-input.sh - record the captures of issue 11 ("captures as
# they really come") in captures/input/: traffic of Postfix's smtp-source
# and smtp-sink recorded the way captures come from the field, with what
# the software itself counted as their truth (NAME.truth). See
# captures/README.md, section "captures/input".
#
# usage: sudo captures/make-captures-input.sh [NAME...]
#
# NAME is one of (all of them when none is given):
#
#   snaplen-96       smtp-source -> smtp-sink, 50 messages of 2 recipients
#                    and 2000 bytes, recorded by tcpdump -s 96 (each frame
#                    keeps 96 bytes: Ethernet, IP and TCP headers with
#                    timestamps are 66, so 30 bytes of each segment's
#                    payload are kept)
#   mixed-linktypes  four smtp-source runs, each recorded with another link
#                    type (tcpdump -i lo: EN10MB; -i any -y LINUX_SLL and
#                    -y LINUX_SLL2; and a lo recording whose Ethernet
#                    headers editcap -C 14 -T rawip cut off: RAW), merged by
#                    mergecap into one pcapng with four interfaces
#
# Both run in a network namespace whose lo has wire-sized segments (mtu
# 1500, gso_max_size 1500, tcp_min_tso_segs 1), as make-captures.sh does.
# Truth: smtp-source exits 0 only when every reply was the positive one it
# expects, and smtp-sink (no reject options) answers 250 to every MAIL,
# RCPT and end of data, so messages_accepted = transactions = the messages
# sent and recipients_accepted = their recipients; sessions = smtp-sink's
# own counter (-c), which must equal what the options imply. Cross-checks:
# tcpdump's statistics (nothing dropped), the SYN-ACKs and MAIL commands
# on the wire, for snaplen-96 the frames tshark finds cut short (its
# snaplen_cut key), for mixed-linktypes that tshark reads every frame with
# its interface's link type (capinfos) and finds every session.
#
# Needs root, tcpdump, iproute2 (ip, ss), Postfix's smtp-sink and
# smtp-source, and wireshark-common and tshark (mergecap, editcap,
# capinfos, tshark). It installs nothing, touches no mail system and no
# file outside captures/input/; every process, the namespace and the
# temporary directory are removed on exit, also on failure (KEEP_WORK=1
# keeps the directory).
#
# SPDX-License-Identifier: GPL-2.0-or-later
set -eu
export LC_ALL=C

PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE/input
ALL="snaplen-96 mixed-linktypes"
MAX_SIZE=1000000

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}
say() {
	echo "== $*"
}

[ "$(id -u)" = 0 ] || die "must run as root (sudo $0)"
for tool in tcpdump smtp-sink smtp-source ip ss timeout mergecap editcap \
    capinfos tshark; do
	command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool"
done
id nobody >/dev/null 2>&1 || die "no user nobody (smtp-sink -u nobody)"

WANT=" ${*:-$ALL} "
for w in $WANT; do
	case " $ALL " in
	*" $w "*) ;;
	*) die "unknown capture '$w' (want one of: $ALL)" ;;
	esac
done
wants() {
	case $WANT in *" $1 "*) return 0 ;; esac
	return 1
}

# ---------------------------------------------------------------- cleanup
WORK=$(mktemp -d /tmp/smtpscope-input.XXXXXX)
chmod 755 "$WORK"
PIDS=""
NSES=""

cleanup() {
	set +e
	for pid in $PIDS; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in $PIDS; do
		wait "$pid" 2>/dev/null
	done
	for ns in $NSES; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	rm -f "$OUT"/*.tmp
	[ -n "${KEEP_WORK:-}" ] && echo "$PROG: kept $WORK" >&2
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---------------------------------------------------------------- helpers
# shellcheck source=captures/lib.sh
. "$HERE/lib.sh"

sink_counter() {
	tr '\r' '\n' <"$1" |
	    sed -n "s/^sess=[0-9]* quit=[0-9]* mesg=[0-9]*\$/&/p" |
	    tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p" | grep . || echo 0
}

SRC_ID=(-M source.example -f sender@source.example -t rcpt@sink.example
	-S "smtpscope capture")

# run NS ADDR M R L: smtp-source -m M -r R -l L to ADDR:25, one session a
# message, against a smtp-sink started on ADDR:25 for it; checks the
# sink's counters; adds to TRUTH_S, TRUTH_M, TRUTH_R.
TRUTH_S=0 TRUTH_M=0 TRUTH_R=0
run() {
	local x=$1 addr=$2 m=$3 r=$4 l=$5 cfile sink sess mesg
	cfile=$WORK/sink-$addr.out
	start_bg "$x" smtp-sink -u nobody -c -h sink.example "$addr:25" 64 \
	    </dev/null >"$cfile" 2>&1
	sink=$BG_PID
	wait_listen "$x" "$addr:25"
	in_ns "$x" timeout 120 smtp-source "${SRC_ID[@]}" -m "$m" -r "$r" \
	    -l "$l" "$addr:25" || die "smtp-source -m $m -r $r to $addr failed"
	sleep 0.5
	bg_stop "$sink" TERM
	sess=$(sink_counter "$cfile" sess)
	mesg=$(sink_counter "$cfile" mesg)
	echo "   smtp-sink $addr: sess=$sess mesg=$mesg"
	[ "$sess" = "$m" ] || die "smtp-sink $addr counted $sess sessions of $m"
	[ "$mesg" = "$m" ] || die "smtp-sink $addr got $mesg messages of $m"
	TRUTH_S=$((TRUTH_S + m))
	TRUTH_M=$((TRUTH_M + m))
	TRUTH_R=$((TRUTH_R + m * r))
}

# tshark_count FILE FILTER: frames of FILE that FILTER matches
tshark_count() {
	tshark -n -r "$1" -Y "$2" 2>/dev/null | wc -l
}

# install NAME FILE EXTRA-TRUTH-LINES: write NAME.truth and the capture
install_capture() {
	local name=$1 file=$2 extra=$3 ext size
	ext=${file##*.}
	size=$(stat -c %s "$file")
	[ "$size" -lt "$MAX_SIZE" ] || die "$name: $size bytes, too big"
	mkdir -p "$OUT"
	{
		echo "# $name: made by captures/make-captures-input.sh"
		printf 'sessions %s\ntransactions %s\nmessages_accepted %s\nrecipients_accepted %s\n' \
		    "$TRUTH_S" "$TRUTH_M" "$TRUTH_M" "$TRUTH_R"
		printf '%s' "$extra"
	} >"$OUT/$name.truth.tmp"
	cp "$file" "$OUT/$name.$ext.tmp"
	mv -f "$OUT/$name.$ext.tmp" "$OUT/$name.$ext"
	mv -f "$OUT/$name.truth.tmp" "$OUT/$name.truth"
	chmod 644 "$OUT/$name.$ext" "$OUT/$name.truth"
	echo "   $name.$ext: $size bytes; truth:"
	sed 's/^/     /' "$OUT/$name.truth"
}

# check_wire FILE: SYN-ACKs and MAIL commands tshark finds equal the truth
check_wire() {
	local synack mail
	synack=$(tshark_count "$1" 'tcp.flags.syn == 1 && tcp.flags.ack == 1')
	[ "$synack" = "$TRUTH_S" ] ||
	    die "$1: $synack SYN-ACKs, but $TRUTH_S sessions"
	# A MAIL command cut by the snap length is still a MAIL to tshark
	mail=$(tshark_count "$1" 'smtp.req.command == "MAIL"')
	[ "$mail" = "$TRUTH_M" ] ||
	    die "$1: tshark finds $mail MAIL commands, but $TRUTH_M messages"
}

# ============================================================ snaplen-96
if wants snaplen-96; then
	say "snaplen-96: 50 messages, tcpdump -s 96 on lo, namespace"
	TRUTH_S=0 TRUTH_M=0 TRUTH_R=0
	ns_new snap
	f=$WORK/snaplen-96.pcap
	td_start "$NS" lo "$f" 'tcp port 25' -s 96
	run "$NS" 127.0.0.1 50 2 2000
	td_stop "$f"
	check_wire "$f"
	cut=$(tshark_count "$f" 'frame.cap_len < frame.len')
	lost=$(tshark -n -r "$f" -Y 'frame.cap_len < frame.len' \
	    -T fields -e frame.len -e frame.cap_len 2>/dev/null |
	    awk '{ s += $1 - $2 } END { print s + 0 }')
	[ "$cut" -gt 0 ] || die "snaplen-96: no frame was cut"
	# every cut frame kept its headers whole: what it lost is payload
	short=$(tshark_count "$f" 'frame.cap_len < frame.len && frame.cap_len < 66')
	[ "$short" = 0 ] || die "snaplen-96: $short frames cut inside a header"
	echo "   $cut frames cut by the snap length, $lost bytes lost"
	install_capture snaplen-96 "$f" \
	    "$(printf 'snaplen_cut %s\nsnaplen_cut_bytes %s\n' "$cut" "$lost")
"
fi

# ======================================================= mixed-linktypes
# Four runs at once, each to its own sink address and recorded by its own
# tcpdump with its own link type, so that the merged file interleaves
# the interfaces' packets:
#   addr         tcpdump                  smtp-source
#   127.0.0.11   -i lo (EN10MB)           -m 2 -r 2 -l 1500
#   127.0.0.12   -i any -y LINUX_SLL      -m 2 -r 1 -l 3000
#   127.0.0.13   -i any -y LINUX_SLL2     -m 1 -r 3 -l 500
#   127.0.0.14   -i lo, then editcap -C 14 -T rawip (RAW)
#                                         -m 2 -r 1 -l 800
if wants mixed-linktypes; then
	say "mixed-linktypes: EN10MB, LINUX_SLL, LINUX_SLL2 and RAW in one pcapng"
	TRUTH_S=0 TRUTH_M=0 TRUTH_R=0
	ns_new mixed
	d=$WORK/mixed
	mkdir -p "$d"
	set -- "11 lo 1-en10mb 2 2 1500" "12 any 2-sll 2 1 3000 -y LINUX_SLL" \
	    "13 any 3-sll2 1 3 500 -y LINUX_SLL2" "14 lo 4-lo 2 1 800"
	tds=""
	for spec in "$@"; do
		# shellcheck disable=SC2086
		set -- $spec
		start_bg "$NS" smtp-sink -u nobody -c -h sink.example \
		    "127.0.0.$1:25" 64 </dev/null >"$d/sink-$1.out" 2>&1
		echo "$BG_PID" >"$d/sink-$1.pid"
		wait_listen "$NS" "127.0.0.$1:25"
		a=$1 ifc=$2 name=$3
		shift 6
		td_start "$NS" "$ifc" "$d/$name.pcap" "host 127.0.0.$a" -s 0 "$@"
		tds="$tds $TD_PID:$d/$name.pcap:$TD_ERR"
	done
	srcs=""
	for spec in "11 2 2 1500" "12 2 1 3000" "13 1 3 500" "14 2 1 800"; do
		# shellcheck disable=SC2086
		set -- $spec
		in_ns "$NS" timeout 120 smtp-source "${SRC_ID[@]}" -m "$2" \
		    -r "$3" -l "$4" "127.0.0.$1:25" &
		srcs="$srcs $!:$1:$2:$3"
		TRUTH_S=$((TRUTH_S + $2))
		TRUTH_M=$((TRUTH_M + $2))
		TRUTH_R=$((TRUTH_R + $2 * $3))
	done
	for s in $srcs; do
		wait "${s%%:*}" || die "smtp-source to 127.0.0.$(echo "$s" | cut -d: -f2) failed"
	done
	for t in $tds; do
		TD_PID=${t%%:*}
		rest=${t#*:}
		TD_ERR=${rest#*:}
		td_stop "${rest%%:*}"
	done
	for spec in "11 2" "12 2" "13 1" "14 2"; do
		# shellcheck disable=SC2086
		set -- $spec
		bg_stop "$(cat "$d/sink-$1.pid")" TERM
		m=$(sink_counter "$d/sink-$1.out" mesg)
		sess=$(sink_counter "$d/sink-$1.out" sess)
		echo "   smtp-sink 127.0.0.$1: sess=$sess mesg=$m"
		[ "$sess" = "$2" ] && [ "$m" = "$2" ] ||
		    die "smtp-sink 127.0.0.$1: sess=$sess mesg=$m, want $2"
	done
	# Raw IP: the same frames without their 14 bytes of Ethernet
	editcap -C 14 -T rawip "$d/4-lo.pcap" "$d/4-raw.pcap" ||
	    die "editcap -C 14 -T rawip failed"
	f=$WORK/mixed-linktypes.pcapng
	mergecap -F pcapng -w "$f" "$d/1-en10mb.pcap" "$d/2-sll.pcap" \
	    "$d/3-sll2.pcap" "$d/4-raw.pcap" || die "mergecap failed"
	types=$(capinfos -I "$f" 2>/dev/null | sed -n 's/.*Encapsulation = //p')
	echo "   interfaces:" $types
	for want in 'Ethernet (1' 'Linux cooked-mode capture v1 (25' \
	    'Linux cooked-mode capture v2 (210' 'Raw IP (7'; do
		case $types in
		*"$want"*) ;;
		*) die "mixed-linktypes: no interface of type $want ($types)" ;;
		esac
	done
	frames=0
	for p in "$d/1-en10mb.pcap" "$d/2-sll.pcap" "$d/3-sll2.pcap" \
	    "$d/4-raw.pcap"; do
		frames=$((frames + $(tcpdump -nn -r "$p" 2>/dev/null | wc -l)))
	done
	got=$(tshark -n -r "$f" 2>/dev/null | wc -l)
	[ "$got" = "$frames" ] ||
	    die "mixed-linktypes: tshark reads $got frames of $frames"
	# the interfaces take turns: not one block per interface
	turns=$(tshark -n -r "$f" -T fields -e frame.interface_id 2>/dev/null |
	    uniq | wc -l)
	echo "   $frames frames; the interface changes $((turns - 1)) times"
	[ "$turns" -gt 4 ] || die "mixed-linktypes: the runs did not overlap"
	check_wire "$f"
	install_capture mixed-linktypes "$f" "$(printf 'packets %s\n' "$frames")
"
fi
