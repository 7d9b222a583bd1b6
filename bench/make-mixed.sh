#!/bin/bash
# make-mixed.sh - record TCP traffic that is not SMTP (HTTP: many short
# connections and some downloads; one bulk stream; short echo exchanges)
# and mix it into the benchmark corpus, for the cost of --ports any
# (issue 14): bench/run.sh measures smtpscope on the corpus and on the
# mix, with the mail ports and with --ports any, and gives the cost of
# each packet that is not SMTP. See docs/performance.md.
#
# usage: sudo bench/make-mixed.sh [CORPUS]
#
# CORPUS defaults to bench/corpus/corpus.pcap. Writes, beside it:
#   other.pcap   the traffic that is not SMTP, its timestamps shifted to
#                start with the corpus's first packet
#   mixed.pcap   CORPUS and other.pcap merged in time order (mergecap)
#   other.count  the packets of other.pcap
#
# The traffic, in a network namespace made here whose lo has mtu 1500 and
# gso_max_size 1500 (wire-sized segments, as make-corpus.sh records):
#   python3 -m http.server on 127.0.0.3:8080 serving files of 1 KB, 64 KB
#   and 1 MB; SHORT connections each fetching the 1 KB file, DOWNLOADS
#   connections fetching the 64 KB file and every 10th the 1 MB one
#   (python3's http.client, one request a connection); one bulk stream
#   of BULK_MB MB through socat to 127.0.0.4:9000; ECHO short echo
#   exchanges with socat on 127.0.0.4:7777.
# Environment: SHORT (default 3000), DOWNLOADS (300), BULK_MB (20), ECHO
# (1000), KEEP_WORK=1.
#
# Needs root, tcpdump, iproute2, python3, socat, mergecap, editcap and
# capinfos (Debian's wireshark-common, tshark's dependency). Nothing
# is installed and no service is started; everything started here stops
# on exit.
#
# SPDX-License-Identifier: GPL-2.0-or-later
set -eu
export LC_ALL=C

PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
CORPUS=${1:-$HERE/corpus/corpus.pcap}
DIR=$(cd "$(dirname "$CORPUS")" && pwd)
SHORT=${SHORT:-3000}
DOWNLOADS=${DOWNLOADS:-300}
BULK_MB=${BULK_MB:-20}
ECHO=${ECHO:-1000}
WEB=127.0.0.3
SINK=127.0.0.4

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}
[ "$(id -u)" = 0 ] || die "must run as root (sudo $0)"
for tool in tcpdump ip ss python3 socat mergecap editcap capinfos; do
	command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool"
done
[ -f "$CORPUS" ] || die "no corpus $CORPUS (sudo bench/make-corpus.sh)"

WORK=$(mktemp -d /tmp/smtpscope-mixed.XXXXXX)
chmod 755 "$WORK"
PIDS=""
NSES=""
cleanup() {
	set +e
	stop_all 0.5	# captures/lib.sh
	rm -f "$DIR/other.pcap.tmp" "$DIR/mixed.pcap.tmp"
	[ -n "${KEEP_WORK:-}" ] && echo "$PROG: kept $WORK" >&2
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
# shellcheck source=captures/lib.sh
. "$HERE/../captures/lib.sh"

ns_new mixed
for a in $WEB $SINK; do
	in_ns "$NS" ip addr add "$a/8" dev lo
done
mkdir -p "$WORK/www"
head -c 1024 /dev/urandom >"$WORK/www/small"
head -c 65536 /dev/urandom >"$WORK/www/medium"
head -c 1048576 /dev/urandom >"$WORK/www/large"
start_bg "$NS" python3 -m http.server --bind $WEB --directory "$WORK/www" \
    8080 2>"$WORK/http-server.log"
wait_listen "$NS" "$WEB:8080"
start_bg "$NS" socat TCP-LISTEN:9000,bind=$SINK,reuseaddr,fork OPEN:/dev/null
wait_listen "$NS" "$SINK:9000"
start_bg "$NS" socat TCP-LISTEN:7777,bind=$SINK,reuseaddr,fork EXEC:cat
wait_listen "$NS" "$SINK:7777"

td_start "$NS" lo "$DIR/other.pcap.tmp" tcp
in_ns "$NS" python3 - "$WEB" "$SINK" "$SHORT" "$DOWNLOADS" "$ECHO" \
    >"$WORK/http.log" 2>&1 <<'EOF_PY' || die "the clients failed: $(tail -n 5 "$WORK/http.log")"
import http.client, socket, sys
web, sink = sys.argv[1], sys.argv[2]
short, downloads, echo = map(int, sys.argv[3:6])
def get(path):
    c = http.client.HTTPConnection(web, 8080, timeout=30)
    c.request("GET", path)
    r = c.getresponse()
    r.read()
    c.close()
for i in range(max(short, downloads, echo)):
    if i < short:
        get("/small")
    if i < downloads:
        get("/large" if i % 10 == 0 else "/medium")
    if i < echo:
        s = socket.create_connection((sink, 7777), timeout=30)
        s.sendall(b"hello %d\r\n" % i)
        s.recv(100)
        s.close()
EOF_PY
head -c "$((BULK_MB * 1048576))" /dev/zero |
    in_ns "$NS" socat -u - TCP:$SINK:9000 || die "the bulk stream failed"
td_stop "$DIR/other.pcap.tmp"

# Shifted to start with the corpus, merged in time order.
t0=$(capinfos -a -S -T -r "$CORPUS" | awk -F'\t' 'NR == 1 {print $2}')
t1=$(capinfos -a -S -T -r "$DIR/other.pcap.tmp" | awk -F'\t' 'NR == 1 {print $2}')
[ -n "$t0" ] && [ -n "$t1" ] || die "capinfos gave no start times"
delta=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.6f", a - b}')
editcap -t "$delta" "$DIR/other.pcap.tmp" "$DIR/other.pcap" ||
    die "editcap failed"
mergecap -F pcap -w "$DIR/mixed.pcap.tmp" "$CORPUS" "$DIR/other.pcap" ||
    die "mergecap failed"
mv "$DIR/mixed.pcap.tmp" "$DIR/mixed.pcap"
n=$(capinfos -c -T -r "$DIR/other.pcap" | awk -F'\t' 'NR == 1 {print $2}')
echo "$n" >"$DIR/other.count"
echo "   other.pcap: $n packets, $(stat -c %s "$DIR/other.pcap") bytes;" \
    "mixed.pcap: $(stat -c %s "$DIR/mixed.pcap") bytes"
