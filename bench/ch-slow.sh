#!/bin/sh
# Issue 17, "slow server: capture rate unaffected (measured)": smtpscope
# captures live on lo while Postfix's smtp-source sends N messages to
# smtp-sink as fast as it can, three ways one after the other:
#
#   none    no plugin (the baseline)
#   direct  the clickhouse plugin sending to a private ClickHouse server
#   slow    the same plugin sending through a proxy that holds every HTTP
#           request CH_SLOW_DELAY seconds (1.5) before passing it on
#
#   sudo bench/ch-slow.sh [N]          (N messages a run, default 20000)
#
# Everything stays on 127.0.0.1: the server is tests/tools/clickhouse-
# server.sh's (its own directory and ports; the schema loaded from
# `smtpscope --clickhouse-schema`), the proxy tests/tools/slow-proxy.py,
# which reads each request's head and Content-Length, so that every
# request on a kept-alive connection is held, not only a connection's
# first one.
# smtpscope runs as `smtpscope -i lo --ports PORT --no-tui -q [-B MB] -w LOG
# --report json -o REPORT [--plugin clickhouse.so:url=...,sensor=RUN]`
# (the plugin's defaults otherwise: no spool, queue_max 8M) under
# /usr/bin/time, and gets SIGTERM 3 s after smtp-source is done.
#
# For each run it prints: smtp-source's wall time and messages a second;
# the packets the capture took and the kernel's drops (`packets`,
# `pcap_drops` + `pcap_ifdrops` of the log's summary); the transaction
# records in the log and the accepted ones, against N; smtpscope's CPU
# time (user + sys), the plugin's sender thread's (its sender_cpu_ms
# counter in the JSON report) and the difference, the capture's side (as
# bench/run.sh's `ch` row takes it); peak RSS; the plugin's counters
# (records queued and given up, rows sent and given up) and the
# transactions the store holds for the run; the ClickHouse server's own
# CPU time during the run; and the HTTP requests the proxy held. Peak
# RSS counts the kernel's capture ring, which libpcap maps into the
# process (its MiB in brackets: on lo, whose MTU is 65536, the default
# -B 64 maps 128 MiB).
#
# Root only (live capture). Environment: SMTPSCOPE (default ./smtpscope),
# CH_SLOW_PORT (2747, the sink's), CH_SLOW_SESSIONS (20: smtp-source -s),
# CH_SLOW_SIZE (1000: smtp-source -l), CH_SLOW_DELAY (1.5),
# CH_SLOW_BUFFER (smtpscope -B MB; its default, 64, if unset),
# CH_SLOW_ROUNDS (1: the three runs this many times), CH_SLOW_DIR (the
# files, kept; else a new /tmp/smtpscope-chslow.XXXXXX, removed),
# CLICKHOUSE_SERVER (else clickhouse-server on PATH, /usr/sbin, or
# build/tools/bin: make test-tools). Not part of make check.
# SPDX-License-Identifier: GPL-2.0-or-later

N=${1:-20000}
case $N in
'' | *[!0-9]*)
	echo "usage: bench/ch-slow.sh [N]" >&2
	exit 2
	;;
esac
TOP=$(cd "$(dirname "$0")/.." && pwd)
SMTPSCOPE=${SMTPSCOPE:-$TOP/smtpscope}
case $SMTPSCOPE in /*) ;; *) SMTPSCOPE=$TOP/$SMTPSCOPE ;; esac
SO=$TOP/build/plugins/clickhouse.so
CHCTL=$TOP/tests/tools/clickhouse-server.sh
PORT=${CH_SLOW_PORT:-2747}
SESSIONS=${CH_SLOW_SESSIONS:-20}
SIZE=${CH_SLOW_SIZE:-1000}
DELAY=${CH_SLOW_DELAY:-1.5}
ROUNDS=${CH_SLOW_ROUNDS:-1}
BUFFER=${CH_SLOW_BUFFER:-}
TIME=/usr/bin/time

die() {
	echo "ch-slow: $*" >&2
	exit 2
}

# tool PROG: its path on PATH, in /usr/sbin, or unpacked by make
# test-tools.
tool() {
	command -v "$1" 2>/dev/null && return 0
	[ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1" && return 0
	[ -x "$TOP/build/tools/bin/$1" ] && echo "$TOP/build/tools/bin/$1"
}
SINK=$(tool smtp-sink)
SOURCE=$(tool smtp-source)
[ "$(id -u)" = 0 ] || die "live capture on lo needs root"
[ -x "$SMTPSCOPE" ] || die "no smtpscope at $SMTPSCOPE (make smtpscope)"
[ -f "$SO" ] || die "no $SO (make plugins)"
if [ -z "$SINK" ] || [ -z "$SOURCE" ]; then
	die "no smtp-sink/smtp-source (make test-tools, or Debian's postfix)"
fi
[ -x "$TIME" ] || die "$TIME missing (apt-get install time)"
command -v python3 >/dev/null 2>&1 || die "no python3"
command -v curl >/dev/null 2>&1 || die "no curl"
id nobody >/dev/null 2>&1 || die "no user nobody for smtp-sink -u"
if [ -z "${CLICKHOUSE_SERVER:-}" ] && ! command -v clickhouse-server \
	>/dev/null 2>&1 && [ ! -x /usr/sbin/clickhouse-server ]; then
	CLICKHOUSE_SERVER=$(tool clickhouse-server)
fi
export CLICKHOUSE_SERVER

if [ -n "${CH_SLOW_DIR:-}" ]; then
	DIR=$CH_SLOW_DIR
	own_dir=
	mkdir -p "$DIR" || die "cannot make $DIR"
else
	DIR=$(mktemp -d "${TMPDIR:-/tmp}/smtpscope-chslow.XXXXXX") ||
		die "no temporary directory"
	own_dir=1
fi

scope=
time_pid=
sink_pid=
proxy_pid=
server=
cleanup() {
	for _p in $scope $time_pid $sink_pid $proxy_pid; do
		kill -KILL "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
	[ -n "$server" ] && sh "$CHCTL" stop "$server" 2>/dev/null
	[ -n "$own_dir" ] && rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

listening() {
	if command -v ss >/dev/null 2>&1; then
		ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
	else
		grep -q ":$(printf '%04X' "$1") 0*:0000 0A" /proc/net/tcp \
			/proc/net/tcp6 2>/dev/null
	fi
}
# ring PID: the KiB of the capture ring libpcap mapped into PID (a
# mapping of its packet socket), nothing before it is mapped. The socket
# is opened well before: with -B 512 the ring takes some 2 s to come,
# and what passes before it is not captured.
ring() {
	_m=$(grep -m 1 ' socket:' "/proc/$1/maps" 2>/dev/null) || return 0
	_m=${_m%% *}
	echo $(((0x${_m#*-} - 0x${_m%-*}) / 1024))
}
# cpu_ticks PID: user + system clock ticks of PID so far.
cpu_ticks() {
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'
}
# q SQL: one statement to the server; its answer.
q() {
	curl -s -m 60 --data-binary "$1" "http://127.0.0.1:$cport/"
}
now() { date +%s.%N; }

listening "$PORT" && die "something already listens on 127.0.0.1:$PORT"

# 1. The server, and the schema the program holds.
server=$DIR/ch
cport=$(sh "$CHCTL" start "$server" 2>"$DIR/ch.err") ||
	die "no ClickHouse server: $(head -c 300 "$DIR/ch.err")"
"$SMTPSCOPE" --clickhouse-schema >"$DIR/schema.sql" ||
	die "smtpscope --clickhouse-schema failed"
python3 "$TOP/tests/tools/clickhouse-load.py" "$cport" smtpscope \
	"$DIR/schema.sql" 2>"$DIR/load.err" ||
	die "the schema did not load: $(head -c 300 "$DIR/load.err")"

# 2. The slow proxy (tests/tools/slow-proxy.py): each request's head
# read, held DELAY seconds, then passed on with its body; the answers
# flow back as they come. One line in proxy.requests a request held.
: >"$DIR/proxy.requests"
python3 "$TOP/tests/tools/slow-proxy.py" "$cport" "$DELAY" "$DIR/proxy.requests" \
	>"$DIR/proxy.port" 2>"$DIR/proxy.err" &
proxy_pid=$!
i=0
while [ ! -s "$DIR/proxy.port" ] && [ "$i" -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
pport=$(head -n 1 "$DIR/proxy.port")
[ -n "$pport" ] ||
	die "the proxy did not start: $(head -c 300 "$DIR/proxy.err")"

# quiet: until the server merges nothing (60 s at most), then 2 s, so
# that one run's background work does not fall into the next.
quiet() {
	_i=0
	while [ "$_i" -lt 60 ]; do
		[ "$(q 'SELECT count() FROM system.merges')" = 0 ] && break
		sleep 1
		_i=$((_i + 1))
	done
	sleep 2
}

# run NAME: one run; its figures in DIR/NAME.*.
run() {
	name=$1
	mode=${name%-*}
	plugin=
	case $mode in
	direct) plugin="$SO:url=http://127.0.0.1:$cport,sensor=$name" ;;
	slow) plugin="$SO:url=http://127.0.0.1:$pport,sensor=$name" ;;
	esac
	quiet
	held0=$(wc -l <"$DIR/proxy.requests")
	# sh -c writes its pid, then becomes smtpscope: the pid to signal,
	# with /usr/bin/time its parent.
	# shellcheck disable=SC2016
	"$TIME" -f '%e %U %S %M' -o "$DIR/$name.time" \
		sh -c 'echo $$ >"$0"; exec "$@"' "$DIR/$name.pid" \
		"$SMTPSCOPE" -i lo --ports "$PORT" --no-tui -q ${BUFFER:+-B "$BUFFER"} \
		-w "$DIR/$name.jsonl" --report json -o "$DIR/$name.report" \
		${plugin:+--plugin "$plugin"} \
		>"$DIR/$name.out" 2>"$DIR/$name.err" </dev/null &
	time_pid=$!
	i=0
	while [ ! -s "$DIR/$name.pid" ] && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	scope=$(cat "$DIR/$name.pid" 2>/dev/null)
	[ -n "$scope" ] || die "$name: smtpscope did not start"
	i=0
	while [ -z "$(ring "$scope")" ] && kill -0 "$scope" 2>/dev/null &&
		[ "$i" -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	ring_kib=$(ring "$scope")
	sleep 1 # the filter goes on after the ring
	kill -0 "$scope" 2>/dev/null ||
		die "$name: smtpscope ended: $(head -c 300 "$DIR/$name.err")"
	"$SINK" -u nobody -c "127.0.0.1:$PORT" 1000 >"$DIR/$name.sink" 2>&1 \
		</dev/null &
	sink_pid=$!
	i=0
	while ! listening "$PORT" && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	listening "$PORT" || die "smtp-sink does not listen on $PORT"
	server_t0=$(cpu_ticks "$(cat "$server/pid")")
	t0=$(now)
	"$SOURCE" -m "$N" -s "$SESSIONS" -l "$SIZE" -f bench@example.test \
		-t sink@example.test "127.0.0.1:$PORT" >"$DIR/$name.source" 2>&1 \
		</dev/null || echo "ch-slow: $name: smtp-source failed:" \
		"$(head -c 200 "$DIR/$name.source")" >&2
	t1=$(now)
	sleep 3 # the last packets reach the capture
	kill -TERM "$scope"
	i=0
	while kill -0 "$time_pid" 2>/dev/null && [ "$i" -lt 900 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -0 "$time_pid" 2>/dev/null &&
		die "$name: smtpscope still runs 90 s after SIGTERM"
	wait "$time_pid"
	rc=$?
	time_pid=
	scope=
	server_t1=$(cpu_ticks "$(cat "$server/pid")")
	kill "$sink_pid" 2>/dev/null
	wait "$sink_pid" 2>/dev/null
	sink_pid=
	held=$(($(wc -l <"$DIR/proxy.requests") - held0))
	stored=-
	if [ -n "$plugin" ]; then
		stored=$(q "SELECT count() FROM smtpscope.transactions FINAL
		    WHERE sensor = '$name'")
	fi
	hz=$(getconf CLK_TCK 2>/dev/null || echo 100)
	echo "$name $rc $t0 $t1 $(tail -n 1 "$DIR/$name.time") $stored" \
		"$(((server_t1 - server_t0) * 100 / hz)) $held ${ring_kib:-0}" \
		>"$DIR/$name.run"
}

# figures NAME: one row of the table, from the run's files.
figures() {
	python3 - "$DIR" "$1" "$N" <<'PY'
import json, os, sys
d, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
f = open(os.path.join(d, name + ".run")).read().split()
rc, t0, t1 = f[1], float(f[2]), float(f[3])
wall, user, sys_, rss = float(f[4]), float(f[5]), float(f[6]), int(f[7])
stored, server_cs, held, ring = f[8], int(f[9]), int(f[10]), int(f[11])
recs = [json.loads(l) for l in open(os.path.join(d, name + ".jsonl"))]
tx = [r for r in recs if r["type"] == "transaction"]
acc = sum(1 for r in tx if r.get("outcome") == "accepted")
s = recs[-1] if recs and recs[-1]["type"] == "summary" else {}
drops = (s.get("pcap_drops") or 0) + (s.get("pcap_ifdrops") or 0)
try:
    rep = json.load(open(os.path.join(d, name + ".report")))
except (OSError, ValueError):
    rep = {}
c = rep.get("plugins", {}).get("clickhouse", {})
sender = c.get("sender_cpu_ms", 0) / 1000
cpu = user + sys_
cells = [
    name,
    "%.1f s, %d/s" % (t1 - t0, n / (t1 - t0)),
    "{:,}".format(s.get("packets", 0)),
    "%d" % drops,
    "%d / %d" % (len(tx), n),
    "%d" % acc,
    "%.2f" % cpu,
    "%.2f" % sender if c else "-",
    "%.2f" % (cpu - sender),
    "%.1f (%d)" % (rss / 1024, ring / 1024),
    ("{:,} / {:,}".format(c.get("records_queued", 0),
                          c.get("records_given_up", 0)) if c else "-"),
    ("{:,} / {:,}".format(c.get("rows_sent", 0), c.get("rows_given_up", 0))
     if c else "-"),
    stored,
    "%.2f" % (server_cs / 100),
    "%d" % held if name.startswith("slow") else "-",
]
if rc != "0":
    cells[0] += " (exit %s)" % rc
print("| " + " | ".join(cells) + " |")
PY
}

names=
r=1
while [ "$r" -le "$ROUNDS" ]; do
	for m in none direct slow; do
		[ "$ROUNDS" = 1 ] && nm=$m || nm=$m-$r
		echo "ch-slow: $nm: $N messages, $SESSIONS sessions at once ..." >&2
		run "$nm"
		names="$names $nm"
	done
	r=$((r + 1))
done

echo
echo "smtp-source -m $N -s $SESSIONS -l $SIZE to smtp-sink on 127.0.0.1:$PORT;" \
	"slow: every request held $DELAY s; smtpscope -B ${BUFFER:-64}; $(nproc) CPUs"
echo
echo "| run | smtp-source | packets | kernel drops | transactions / N | accepted | smtpscope CPU s | sender thread s | capture side s | peak RSS MiB (ring) | records queued / given up | rows sent / given up | transactions stored | server CPU s | requests held |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for nm in $names; do
	figures "$nm"
done
if [ -n "$own_dir" ]; then
	echo
	echo "(the files are removed; CH_SLOW_DIR=DIR keeps them)"
fi
