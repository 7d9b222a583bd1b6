#!/bin/sh
# The clickhouse plugin in a live run on lo (issue 17), postfix's
# smtp-source sending N messages to smtp-sink while smtpscope captures:
# - ch-live-server-killed: 120 messages over 15 s; the ClickHouse server
#   is killed (SIGKILL) 3 s in and started again on the same data 2 s
#   later; afterwards the store holds exactly the 120 accepted messages,
#   none twice (with FINAL, their sequence numbers distinct), as many rows
#   of each table as the JSON log has records;
# - ch-live-spool-full: no server at all, a spool of 1 MiB: the capture
#   goes on (every message in the log, no kernel drop, exit status 0) and
#   what could not be kept is counted (the plugin's counters in the JSON
#   report: rows given up > 0, batches spooled, nothing sent);
# - ch-live-slow-server: a server that answers every request 1.5 s late
#   (tests/tools/slow-proxy.py holds each request, also on a kept-alive
#   connection): the capture is unaffected (every message in the log, no
#   kernel drop); what the server had not taken when smtpscope stopped is
#   in the spool, and the next run (an empty capture, the server
#   answering at once) sends it: the store then holds every record of
#   the live run once.
# Root only. The port (2627, SMTPSCOPE_CH_LIVE_PORT to change it) stays
# clear of t-live's.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

PORT=${SMTPSCOPE_CH_LIVE_PORT:-2627}
SO=build/plugins/clickhouse.so
CHCTL=tests/tools/clickhouse-server.sh
SINK=$(find_tool smtp-sink)
SOURCE=$(find_tool smtp-source)
CLICKHOUSE_SERVER=${CLICKHOUSE_SERVER:-$(find_tool clickhouse-server)}
export CLICKHOUSE_SERVER
CHECKS="ch-live-server-killed ch-live-spool-full ch-live-slow-server"
N=400

scope_pid=
sink_pid=
src_pid=
proxy_pid=
servers=
cleanup() {
	for _p in $scope_pid $sink_pid $src_pid $proxy_pid; do
		kill -KILL "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
	for _d in $servers; do
		sh "$CHCTL" stop "$_d" 2>/dev/null
	done
	[ -n "${KEEP:-}" ] && echo "# kept $TMP" || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

skip_all() {
	for _c in $CHECKS; do
		skip "$_c" "$1"
	done
	exit 0
}
why=$(live_why)
[ -z "$why" ] || skip_all "$why"
[ -n "$SINK" ] && [ -n "$SOURCE" ] || skip_all "$(tool_why smtp-sink)"
[ -n "$CLICKHOUSE_SERVER" ] || skip_all "$(tool_why clickhouse-server)"
command -v curl >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1 ||
	skip_all "no curl or python3"
[ -f "$SO" ] || skip_all "no $SO (make plugins)"

# q PORT SQL: one statement; the answer on stdout.
q() {
	curl -s -m 60 --data-binary "$2" "http://127.0.0.1:$1/"
}

# load PORT [DB]: the schema (tests/tools/clickhouse-load.py).
load() {
	python3 tests/tools/clickhouse-load.py "$@"
}

# start_scope NAME PLUGIN-ARGS: smtpscope on lo, the plugin loaded, its
# log and report in $TMP/NAME.*; then smtp-sink.
start_scope() {
	i=0
	while listening "$PORT" && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	listening "$PORT" && return 1
	"$SMTPSCOPE" -i lo --ports "$PORT" -q -w "$TMP/$1.jsonl" \
		--report json -o "$TMP/$1.report" --plugin "$SO:$2" \
		>"$TMP/$1.out" 2>"$TMP/$1.err" </dev/null &
	scope_pid=$!
	wait_capturing "$scope_pid"
	kill -0 "$scope_pid" 2>/dev/null || return 1
	"$SINK" -u nobody -c "127.0.0.1:$PORT" 1000 >"$TMP/$1.sink" 2>&1 </dev/null &
	sink_pid=$!
	wait_listening "$PORT"
}

# finish NAME: smtpscope stopped with SIGINT (waited for, rc set), the
# sink stopped.
finish() {
	sleep 2
	stop_scope INT
	scope_pid=
	kill "$sink_pid" 2>/dev/null
	wait "$sink_pid" 2>/dev/null
	sink_pid=
}

# logcheck NAME: every message accepted in the log, no kernel drop, exit
# status 0, no sanitizer report; the reason on stdout otherwise.
logcheck() {
	if [ "$rc" != 0 ]; then
		echo "smtpscope exited $rc: $(head -c 300 "$TMP/$1.err")"
	elif grep -q -E 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$TMP/$1.err"; then
		echo "sanitizer: $(grep -m1 -E 'ERROR|runtime error' "$TMP/$1.err")"
	else
		python3 - "$TMP/$1.jsonl" "$N" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
acc = sum(1 for r in recs if r["type"] == "transaction" and r["outcome"] == "accepted")
summ = recs[-1]
drops = summ.get("capture", {}).get("pcap_drops", 0)
if acc != int(sys.argv[2]) or drops:
    other = {}
    for r in recs:
        if r["type"] == "transaction" and r["outcome"] != "accepted":
            k = "%s/%s/%s" % (r["outcome"], r.get("ended_by"), r.get("final_code"))
            other[k] = other.get(k, 0) + 1
    print("the log: %d accepted of %s, %s kernel drops; the others: %s; sessions %d"
          % (acc, sys.argv[2], drops, other, summ.get("sessions", -1)))
PY
	fi
}

# storecheck NAME PORT: the store holds the log's records of sensor NAME,
# table by table, exactly once; the accepted messages N.
storecheck() {
	python3 - "$TMP/$1.jsonl" "$2" "$1" "$N" <<'PY'
import json, sys, urllib.request
log, port, sensor, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
tables = {"session": "sessions", "transaction": "transactions", "message": "messages",
          "command": "commands", "summary": "summaries"}
want = {}
for l in open(log):
    t = tables.get(json.loads(l)["type"], "events")
    want[t] = want.get(t, 0) + 1
def q(s):
    return urllib.request.urlopen("http://127.0.0.1:%s/" % port, data=s.encode(),
                                  timeout=60).read().decode().strip()
bad = []
for t in ("sessions", "transactions", "messages", "commands", "events", "summaries"):
    got = q("SELECT count(), uniqExact(run, seq) FROM smtpscope.%s FINAL "
            "WHERE sensor = '%s' FORMAT TSV" % (t, sensor)).split("\t")
    if int(got[0]) != want.get(t, 0) or got[0] != got[1]:
        bad.append("%s: %s rows (%s distinct), the log %d" % (t, got[0], got[1], want.get(t, 0)))
acc = int(q("SELECT count() FROM smtpscope.transactions FINAL WHERE sensor = '%s' "
            "AND outcome = 'accepted'" % sensor))
if acc != n:
    bad.append("%d accepted messages in the store, %d sent" % (acc, n))
print("; ".join(bad))
PY
}

# send [ARGS]: smtp-source's N messages of 2 recipients, 4 sessions at
# once (ARGS: more of its options).
send() {
	timeout 120 "$SOURCE" -m "$N" -s 4 -r 2 -l 2000 "$@" "127.0.0.1:$PORT" \
		>"$TMP/source.out" 2>&1 </dev/null
}

CH=$TMP/ch
servers=$CH
if ! cport=$(sh "$CHCTL" start "$CH" 2>"$TMP/start.err") || ! load "$cport" 2>"$TMP/load.err"; then
	for _c in $CHECKS; do
		fail "$_c" "no server: $(cat "$TMP/start.err" "$TMP/load.err" 2>/dev/null | head -c 300)"
	done
	exit 0
fi

# ---- the server killed while the mail flows -----------------------------------
name=ch-live-server-killed
if ! start_scope "$name" "url=http://127.0.0.1:$cport,sensor=$name,spool=$TMP/spool1,flush=0.2,batch=50"; then
	fail "$name" "smtpscope or smtp-sink did not start: $(head -c 300 "$TMP/$name.err")"
else
	# 8 sessions at once, each waiting 1 s between its messages: the
	# mail flows for 15 s, the server dies 3 s in and is back 2 s later.
	N=120 send -s 8 -w 1 &
	src_pid=$!
	sleep 3
	killed=$(q "$cport" "SELECT count() FROM smtpscope.sessions WHERE sensor = '$name'")
	sh "$CHCTL" kill "$CH"
	sleep 2
	sh "$CHCTL" restart "$CH" >/dev/null 2>"$TMP/restart.err"
	wait "$src_pid"
	src_rc=$?
	src_pid=
	# The spool's batches go in after the backoff (at most 30 s).
	sleep 3
	finish "$name"
	echo "# $name: $killed sessions in the store when it was killed"
	if [ "$src_rc" != 0 ]; then
		fail "$name" "smtp-source failed: $(head -c 300 "$TMP/source.out")"
	elif why=$(N=120 logcheck "$name") && [ -n "$why" ]; then
		fail "$name" "$why"
	elif why=$(N=120 storecheck "$name" "$cport") && [ -n "$why" ]; then
		fail "$name" "$why (stderr: $(head -c 200 "$TMP/$name.err"))"
	elif ! grep -q "batches were spooled" "$TMP/$name.err" &&
		! grep -q "cannot send" "$TMP/$name.err"; then
		fail "$name" "the server's death went unnoticed: $(head -c 300 "$TMP/$name.err")"
	else
		ok "$name"
	fi
fi

# ---- no server, a spool too small ----------------------------------------------
name=ch-live-spool-full
if ! start_scope "$name" "url=http://127.0.0.1:1,sensor=$name,spool=$TMP/spool2,spool_max=1M,flush=0.2,batch=50"; then
	fail "$name" "smtpscope or smtp-sink did not start: $(head -c 300 "$TMP/$name.err")"
else
	send
	src_rc=$?
	finish "$name"
	if [ "$src_rc" != 0 ]; then
		fail "$name" "smtp-source failed: $(head -c 300 "$TMP/source.out")"
	elif why=$(logcheck "$name") && [ -n "$why" ]; then
		fail "$name" "$why"
	elif why=$(python3 - "$TMP/$name.report" "$TMP/spool2" <<'PY'
import json, os, sys
c = json.load(open(sys.argv[1])).get("plugins", {}).get("clickhouse", {})
size = sum(os.path.getsize(os.path.join(sys.argv[2], f)) for f in os.listdir(sys.argv[2]))
bad = []
given_up = sum(v for k, v in c.items() if "given_up" in k)
if given_up == 0:
    bad.append("nothing given up with a 1 MiB spool: %s" % c)
if c.get("rows_sent", 0):
    bad.append("rows sent to no server: %s" % c)
if size > 1024 * 1024:
    bad.append("the spool holds %d bytes, more than 1 MiB" % size)
print("; ".join(bad))
PY
	) && [ -n "$why" ]; then
		fail "$name" "$why"
	else
		ok "$name"
	fi
fi

# ---- a slow server ----------------------------------------------------------------
# A proxy that holds every request 1.5 s before it passes it on
# (tests/tools/slow-proxy.py: each request of a kept-alive connection).
name=ch-live-slow-server
: >"$TMP/proxy.requests"
python3 tests/tools/slow-proxy.py "$cport" 1.5 "$TMP/proxy.requests" \
	>"$TMP/proxy.port" 2>/dev/null &
proxy_pid=$!
i=0
while [ ! -s "$TMP/proxy.port" ] && [ "$i" -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
pport=$(head -n 1 "$TMP/proxy.port")
if [ -z "$pport" ] || ! start_scope "$name" "url=http://127.0.0.1:$pport,sensor=$name,flush=0.2,batch=50,timeout=30,spool=$TMP/spool3"; then
	fail "$name" "the proxy, smtpscope or smtp-sink did not start: $(head -c 300 "$TMP/$name.err")"
else
	start=$(date +%s)
	send
	src_rc=$?
	took=$(($(date +%s) - start))
	finish "$name"
	held=$(wc -l <"$TMP/proxy.requests")
	left=$(find "$TMP/spool3" -type f 2>/dev/null | wc -l)
	echo "# $name: $N messages sent in $took s through a server 1.5 s slow a request ($held requests held, $left batches spooled at the end)"
	# What the slow server had not taken when smtpscope stopped is in
	# the spool: the next run, the server answering at once, sends it.
	python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex("d4c3b2a1020004000000000000000000ffff000001000000"))' >"$TMP/empty.pcap"
	"$SMTPSCOPE" -q -r "$TMP/empty.pcap" \
		--plugin "$SO:url=http://127.0.0.1:$cport,sensor=$name-next,spool=$TMP/spool3" \
		>"$TMP/next.out" 2>"$TMP/next.err" </dev/null
	next_rc=$?
	if [ "$src_rc" != 0 ]; then
		fail "$name" "smtp-source failed: $(head -c 300 "$TMP/source.out")"
	elif why=$(logcheck "$name") && [ -n "$why" ]; then
		fail "$name" "$why"
	elif why=$(storecheck "$name" "$cport") && [ -n "$why" ]; then
		fail "$name" "$why"
	elif [ "$held" -lt 2 ]; then
		fail "$name" "the proxy held $held requests: the slowness was not tried"
	elif [ "$next_rc" != 0 ] || [ "$(find "$TMP/spool3" -type f | wc -l)" != 0 ]; then
		fail "$name" "the next run (exit $next_rc) left the spool with $(find "$TMP/spool3" -type f | wc -l) files: $(head -c 300 "$TMP/next.err")"
	else
		ok "$name"
	fi
fi
