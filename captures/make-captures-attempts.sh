#!/bin/bash
# make-captures-attempts.sh - record captures/attempts.pcap: connections
# to mail ports that made no session, next to real ones, for the
# "attempt" records (src/net/attempts.c). In one network namespace made
# here, Postfix's smtp-sink (unpacked from Debian's postfix, not
# installed) listens on 127.0.0.22:25; captures/attempts-driver.py
# (Python's smtplib and sockets, client 127.0.0.21) sends four messages
# to it, connects three times to 127.0.0.23:25 and once to [::1]:25,
# where nothing listens (the kernel refuses: RST), and twice to 127.0.0.24:587, whose listener
# has a full accept queue (the kernel drops the SYNs: unanswered), the
# first 66 s before the capture ends, the second 5.5 s before.
#
# Truth, as the clients met it (never from a dissector):
# captures/attempts.clients, one JSON object a line: what (session or
# attempt), the client's port, the server ("ADDRESS PORT") and the
# result (accepted, refused: ConnectionRefusedError, unanswered: the
# connect timed out); captures/attempts.truth, the counts of
# captures/README.md from that record (each session one message to one
# recipient, accepted; the never accepted filler connection a session).
#
# usage: sudo captures/make-captures-attempts.sh
# Needs root, tcpdump, iproute2, python3 and smtp-sink (make test-tools
# unpacks it under build/tools). About 75 seconds.
#
# SPDX-License-Identifier: GPL-2.0-or-later
set -eu
export LC_ALL=C
PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
PATH=$TOP/build/tools/bin:$PATH
PIDS=""
NSES=""
die() {
	echo "$PROG: error: $*" >&2
	exit 1
}
say() {
	echo "== $*"
}
# shellcheck source=captures/lib.sh
. "$HERE/lib.sh"
[ "$(id -u)" = 0 ] || die "must run as root"
for tool in tcpdump ip python3 smtp-sink; do
	command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool"
done
WORK=$(mktemp -d /tmp/smtpscope-attempts.XXXXXX)
cleanup() {
	set +e
	stop_all
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

say "attempts: smtp-sink on 127.0.0.22:25, nothing on 127.0.0.23:25, a full queue on 127.0.0.24:587"
ns_new at
td_start "$NS" lo "$WORK/attempts.pcap" "tcp port 25 or tcp port 587"
start_bg "$NS" smtp-sink -u nobody -c 127.0.0.22:25 64
wait_listen "$NS" 127.0.0.22:25
in_ns "$NS" timeout 120 python3 "$HERE/attempts-driver.py" \
    "$WORK/attempts.clients" || die "the driver failed"
td_stop "$WORK/attempts.pcap"
ns_del "$NS"
n=$(grep -c '"attempt"' "$WORK/attempts.clients")
[ "$n" = 6 ] || die "$n attempts in the driver's record, want 6"
# On the wire: three RSTs from 127.0.0.23, and 127.0.0.24's SYNs never
# answered by a SYN-ACK after the filler's.
rst=$(tcpdump -nn -r "$WORK/attempts.pcap" 'src host 127.0.0.23 and tcp[tcpflags] & tcp-rst != 0' 2>/dev/null | wc -l)
[ "$rst" = 3 ] || die "$rst RSTs from 127.0.0.23, want 3"
rst=$(tcpdump -nn -r "$WORK/attempts.pcap" 'ip6 and src port 25' 2>/dev/null | grep -c 'Flags \[R')
[ "$rst" = 1 ] || die "$rst RSTs from [::1]:25, want 1"
sa=$(tcpdump -nn -r "$WORK/attempts.pcap" 'src host 127.0.0.24 and tcp[tcpflags] & (tcp-syn|tcp-ack) = (tcp-syn|tcp-ack)' 2>/dev/null | wc -l)
[ "$sa" = 1 ] || die "$sa SYN-ACKs from 127.0.0.24, want 1 (the filler's)"
# captures/attempts.truth: each session of the record sent one message
# to one recipient, accepted; the filler's connection is a session too.
s=$(grep -c '"what": "session"' "$WORK/attempts.clients")
printf 'sessions %d\ntransactions %d\nmessages_accepted %d\nrecipients_accepted %d\n' \
    $((s + 1)) "$s" "$s" "$s" >"$WORK/attempts.truth"
cp "$WORK/attempts.pcap" "$WORK/attempts.clients" "$WORK/attempts.truth" "$HERE/"
say "done: captures/attempts.pcap, captures/attempts.clients, captures/attempts.truth"
