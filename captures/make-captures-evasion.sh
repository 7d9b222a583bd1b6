#!/bin/bash
# make-captures-evasion.sh - record the evasion captures of issue 11 ("the
# stream the receiver saw"): a crafted-packet SMTP client attacks a real
# Linux TCP stack, and what that receiver stored is the ground truth
# smtpscope must match (captures/evasion-NAME.pcap and .expect). See
# captures/README.md, section "The evasion captures".
#
# usage: sudo captures/make-captures-evasion.sh [NAME...]
#
# NAME is one of (all of them when none is given):
#
#   ipv4-frag-overlap       the message as one TCP segment sent as two IPv4
#                           fragments that overlap on the Subject value with
#                           different bytes (the first carries a decoy),
#                           then, after the client's RTO, the same segment
#                           whole and clean (a retransmission)
#   tcp-overlap-same-seq    the Subject line sent out of order twice at the
#                           same sequence number, as long, the second a
#                           decoy; then the bytes before it fill the hole
#   tcp-overlap-same-seq-longer
#                           the same with a longer second (decoy) segment
#                           that adds an X-Evil line
#   ipv6-frag-id-fold       over IPv6: the message head in two fragments
#                           (32-bit id A); between them a lone tail fragment
#                           of another id B at the same offset with a decoy
#                           Subject; A and B differ but fold to the same 16
#                           bits (id ^ (id >> 16))
#   rst-in-window           mid-DATA a RST 100 bytes past the next expected
#                           sequence number (inside the window); then the
#                           rest of the message, ".", QUIT
#   syn-on-established      mid-DATA a SYN with a new ISN on the same
#                           addresses and ports; then the rest
#   ipv6-frag-destopts      over IPv6, every packet of the client is an
#                           IPv6 Fragment header, then a Destination Options
#                           header, then TCP (data segments in two
#                           fragments, the rest atomic fragments)
#
# Each case runs in two network namespaces made for it, a sender and a
# receiver joined by a veth pair (mtu 1500; the receiver's end has its
# checksum, segmentation and GRO offloads off, so its kernel verifies
# every checksum it gets and fills in every one it sends). The receiver
# has 192.0.2.25/24 and 2001:db8:25::25/64 and runs Postfix's smtp-sink
# (-u nobody -c -v -d DIR: it writes each message it receives, with its
# envelope, into DIR). The client is tools/evasionpeer.py: its own TCP
# over an AF_PACKET socket on the sender's end, from 192.0.2.10 or
# 2001:db8:25::10, addresses the sender's kernel does not have (it has no
# IPv4 address and IPv6 off), so that kernel neither resets the flow nor
# answers it and no firewall rule is needed; the receiver reaches the
# client through permanent neighbour entries. tcpdump records on the
# receiver's end of the link (host CLIENT: every fragment too).
#
# The truth of each case comes from the receiver only: smtp-sink's dump
# (envelope, Subject, Message-ID, the message's size), its transcript
# (-v: the commands it read) and counters (-c), and the replies the
# client read from it. The receiver namespace's kernel counters (nstat
# before and after: IpExtReasmOverlaps, Ip6ReasmTimeout,
# TcpExtTCPOFOMerge, TcpExtTCPChallengeACK, TcpExtTCPSYNChallenge ...)
# show the kernel's decision: the script prints them and writes them
# into the comment lines at the top of each .expect file, and stops when
# they do not show the decision the case is about. It also checks that
# the capture holds the attack (the overlapping fragments, the two
# segments at one sequence number, the RST and its challenge ACK ...),
# that every checksum in it is valid, the link type and the size.
#
# Needs root, tcpdump, iproute2 (ip, ss, nstat), Postfix's smtp-sink, and
# /usr/bin/python3 with scapy (Debian's python3-scapy; install it with
# "apt-get install --no-install-recommends python3-scapy": this script
# installs nothing). The host's mail system is not touched (smtp-sink is
# a private process, no Postfix instance is started, /etc is not
# changed); all traffic stays inside the namespaces.
#
# It stops with an error when a check fails (the captures already made
# stay in captures/, the failing one is not written); every process it
# started, both namespaces and the temporary directory are removed on
# exit, also on failure or interruption (KEEP_WORK=1 keeps the directory:
# client records, smtp-sink dumps and logs, counters).
#
# SPDX-License-Identifier: GPL-2.0-or-later
#
# "[ check ] && [ check ] || die ...": die exits (if-not-then, on purpose)
# shellcheck disable=SC2015
set -eu
export LC_ALL=C

PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE
TOOL=$HERE/tools/evasionpeer.py
PY=/usr/bin/python3	# Debian's python3-scapy is for the system python
ALL="ipv4-frag-overlap tcp-overlap-same-seq tcp-overlap-same-seq-longer \
ipv6-frag-id-fold rst-in-window syn-on-established ipv6-frag-destopts"
MAX_SIZE=100000	# every capture stays under this many bytes
C4=192.0.2.10 R4=192.0.2.25	# TEST-NET-1 (RFC 5737)
C6=2001:db8:25::10 R6=2001:db8:25::25	# documentation prefix (RFC 3849)

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}
say() {
	echo "== $*"
}

[ "$(id -u)" = 0 ] || die "must run as root (sudo $0)"
for tool in tcpdump ip ss nstat smtp-sink timeout; do
	command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool"
done
[ -x "$PY" ] || die "missing $PY"
[ -f "$TOOL" ] || die "missing $TOOL"
"$PY" -c 'import scapy.layers.inet6' 2>/dev/null ||
    die "scapy is missing for $PY: apt-get install --no-install-recommends python3-scapy"
id nobody >/dev/null 2>&1 || die "no user nobody (smtp-sink -u nobody)"

WANT=" ${*:-$ALL} "
for w in $WANT; do
	case " $ALL " in
	*" $w "*) ;;
	*) die "unknown capture '$w' (want one of: $ALL)" ;;
	esac
done
PEER() { "$PY" "$TOOL" "$@"; }

# ---------------------------------------------------------------- cleanup
WORK=$(mktemp -d /tmp/smtpscope-evasion.XXXXXX)
chmod 755 "$WORK"	# smtp-sink runs as nobody and writes its dumps below
PIDS=""		# background processes started here
NSES=""		# network namespaces created here

cleanup() {
	set +e
	for pid in $PIDS; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in $PIDS; do
		wait "$pid" 2>/dev/null
	done
	PIDS=""
	# whatever still runs in our own namespaces was started by us
	for ns in $NSES; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -TERM "$pid" 2>/dev/null
		done
	done
	sleep 0.3
	for ns in $NSES; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	NSES=""
	rm -f "$OUT"/evasion-*.tmp
	[ -n "${KEEP_WORK:-}" ] && echo "$PROG: kept $WORK" >&2
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---------------------------------------------------------------- helpers
# The shared helpers: namespaces, background processes, tcpdump.
# shellcheck source=captures/lib.sh
. "$HERE/lib.sh"
TD_SEEN=1	# on a veth tcpdump sees each packet once

# ns_pair TAG: a sender namespace NS_S and a receiver namespace NS_R
# joined by a veth pair (evs in NS_S, evr in NS_R, mtu 1500); sets RMAC
ns_pair() {
	NS_S=smtpscope-$$-$1-s
	NS_R=smtpscope-$$-$1-r
	ip netns add "$NS_S" || die "ip netns add $NS_S failed"
	NSES="$NSES $NS_S"
	ip netns add "$NS_R" || die "ip netns add $NS_R failed"
	NSES="$NSES $NS_R"
	ip link add evs netns "$NS_S" type veth peer name evr netns "$NS_R" ||
	    die "cannot make the veth pair"
	# the sender's kernel: no IPv4 address, IPv6 off: it owns nothing of
	# the client's flow and stays silent (no RST, no ICMP)
	in_ns "$NS_S" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	in_ns "$NS_S" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	in_ns "$NS_S" sysctl -qw net.ipv4.ip_forward=0
	in_ns "$NS_S" ip link set lo up
	in_ns "$NS_S" ip link set evs mtu 1500 up
	# the receiver
	in_ns "$NS_R" sysctl -qw net.ipv6.conf.all.accept_dad=0
	in_ns "$NS_R" sysctl -qw net.ipv6.conf.default.accept_dad=0
	in_ns "$NS_R" sysctl -qw net.ipv6.ip6frag_time=3
	in_ns "$NS_R" ip link set lo up
	in_ns "$NS_R" ip link set evr mtu 1500
	in_ns "$NS_R" ip addr add "$R4/24" dev evr
	in_ns "$NS_R" ip addr add "$R6/64" dev evr nodad
	in_ns "$NS_R" ip link set evr up
	in_ns "$NS_R" "$PY" "$TOOL" offload evr ||
	    die "cannot turn the offloads of evr off"
	local smac
	smac=$(in_ns "$NS_S" cat /sys/class/net/evs/address)
	RMAC=$(in_ns "$NS_R" cat /sys/class/net/evr/address)
	in_ns "$NS_R" ip neigh add "$C4" lladdr "$smac" dev evr nud permanent
	in_ns "$NS_R" ip -6 neigh add "$C6" lladdr "$smac" dev evr nud permanent
	echo "   namespaces $NS_S (client $C4, $C6: not its own) and $NS_R" \
	    "($R4, $R6), veth mtu 1500"
}

# ================================================================ a case
evasion() {
	local name=$1 v=$2 cli srv listen d got size
	local file=$WORK/evasion-$name.pcap
	if [ "$v" = 6 ]; then
		cli=$C6 srv=$R6 listen="[$R6]:25"
	else
		cli=$C4 srv=$R4 listen="$R4:25"
	fi
	say "evasion-$name: tools/evasionpeer.py -> smtp-sink (Linux $(uname -r)), IPv$v"
	ns_pair "${name%%-*}"
	d=$WORK/$name
	mkdir -p "$d/dump"
	chown nobody "$d/dump"
	start_bg "$NS_R" smtp-sink -u nobody -c -v -d "$d/dump/%H%M%S." \
	    "$listen" 10 >"$d/sink.log" 2>&1
	SINK_PID=$BG_PID
	wait_listen "$NS_R" "$listen"
	td_start "$NS_R" evr "$file" "host $cli"
	in_ns "$NS_R" nstat -asz >"$d/nstat.before"
	in_ns "$NS_S" timeout 60 "$PY" "$TOOL" run "$name" --iface evs \
	    --dmac "$RMAC" --src "$cli" --dst "$srv" --out "$d/client.json" ||
	    die "$name: the client failed"
	# the lone fragment of ipv6-frag-id-fold expires after ip6frag_time (3 s)
	if [ "$name" = ipv6-frag-id-fold ]; then sleep 4; else sleep 0.5; fi
	in_ns "$NS_R" nstat -asz >"$d/nstat.after"
	td_stop "$file"
	bg_stop "$SINK_PID" TERM
	ns_del "$NS_S"
	ns_del "$NS_R"
	got=$(linktype "$file")
	[ "$got" = EN10MB ] || die "$name: link type $got, want EN10MB"
	size=$(stat -c %s "$file")
	[ "$size" -lt "$MAX_SIZE" ] || die "$name: $size bytes, too big"
	PEER check "$name" "$file" "$d/client.json" --out "$d/check.json" ||
	    die "$name: the capture does not hold the attack"
	"$PY" - "$d/check.json" <<'EOF' || die "$name: bad checksums in the capture"
import json, sys
c = json.load(open(sys.argv[1]))
sys.exit(1 if c["tcp_checksums_bad"] or c["ipv4_header_checksums_bad"] else 0)
EOF
	PEER truth "$name" --record "$d/client.json" --dump "$d/dump" \
	    --sink-log "$d/sink.log" --nstat-before "$d/nstat.before" \
	    --nstat-after "$d/nstat.after" --pcap-check "$d/check.json" \
	    --out "$d/evasion-$name.expect" ||
	    die "$name: no truth (see above)"
	cp "$file" "$OUT/evasion-$name.pcap.tmp"
	mv -f "$OUT/evasion-$name.pcap.tmp" "$OUT/evasion-$name.pcap"
	cp "$d/evasion-$name.expect" "$OUT/evasion-$name.expect.tmp"
	mv -f "$OUT/evasion-$name.expect.tmp" "$OUT/evasion-$name.expect"
	chmod 644 "$OUT/evasion-$name.pcap" "$OUT/evasion-$name.expect"
	echo "   evasion-$name.pcap: $(tcpdump -nn -r "$file" 2>/dev/null | wc -l)" \
	    "packets, $size bytes, checksums valid; evasion-$name.expect:" \
	    "$(grep -vc '^#' "$OUT/evasion-$name.expect") lines"
}

for w in $WANT; do
	case $w in
	ipv6-*) evasion "$w" 6 ;;
	*) evasion "$w" 4 ;;
	esac
done
say "done:$WANT"
