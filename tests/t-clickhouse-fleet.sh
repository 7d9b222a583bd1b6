#!/bin/sh
# A fleet of sensors in ClickHouse (issue 17): two sensors each see some
# hops of the same mail (captures/bounce-dsn.pcap split by server: one
# tap in front of 127.0.0.1, one in front of 127.0.0.2), each ships its
# records with the clickhouse plugin, and smtpscope trace --clickhouse
# gives the same messages, fates and bounce links as a trace of the
# whole capture:
# - fleet-one-store: both sensors into one server;
# - fleet-cluster-*: two servers as the two shards of a cluster, local
#   tables on each (docs/clickhouse.sql) and a database of Distributed
#   tables over them sharded by cityHash64(sensor), each sensor writing
#   to a different server: every sensor's rows on one shard
#   (fleet-cluster-shards), the trace through either server equal to the
#   whole capture's (fleet-cluster-trace-1, -2), and the rows counted
#   through the Distributed tables equal to the logs'
#   (fleet-cluster-counts);
# - fleet-report-*: smtpscope report --clickhouse (every sensor, one
#   sensor, through the cluster's Distributed tables) writes the JSON
#   report that smtpscope report writes from the same sensors' JSON logs:
#   every figure, message fates and bounce links across the sensors
#   included (tests/tools/report-compare.py);
# - fleet-queries: every query of docs/clickhouse-queries.sql runs on the
#   store, and the first two and the fates give the logs' figures.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

SO=build/plugins/clickhouse.so
CHCTL=tests/tools/clickhouse-server.sh
CHECKS="fleet-one-store fleet-report-one-store fleet-report-sensor fleet-report-span
fleet-cluster-shards fleet-cluster-counts fleet-cluster-trace-1
fleet-cluster-trace-2 fleet-report-cluster fleet-queries"
CLICKHOUSE_SERVER=${CLICKHOUSE_SERVER:-$(find_tool clickhouse-server)}
export CLICKHOUSE_SERVER

skip_all() {
	for _c in $CHECKS; do
		skip "$_c" "$1"
	done
	exit 0
}

command -v curl >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1 ||
	skip_all "no curl or python3"
command -v tcpdump >/dev/null 2>&1 || skip_all "no tcpdump"
[ -n "$CLICKHOUSE_SERVER" ] || skip_all "$(tool_why clickhouse-server)"
[ -f "$SO" ] || skip_all "no $SO (make plugins)"

servers=
cleanup() {
	for _d in $servers; do
		sh "$CHCTL" stop "$_d" 2>/dev/null
	done
	[ -n "${KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# q PORT SQL: one statement over HTTP; its answer on stdout, false (the
# answer on stderr) when ClickHouse refuses it.
q() {
	_code=$(curl -s -m 60 -o "$TMP/q.out" -w '%{http_code}' \
		--data-binary "$2" "http://127.0.0.1:$1/")
	if [ "$_code" = 200 ]; then
		cat "$TMP/q.out"
	else
		echo "HTTP $_code: $(head -c 300 "$TMP/q.out")" >&2
		return 1
	fi
}

# load PORT [DB]: the schema (tests/tools/clickhouse-load.py).
load() {
	python3 tests/tools/clickhouse-load.py "$@"
}

TABLES="sessions transactions messages commands events summaries"

# sensor PCAP NAME PORT DB: smtpscope reads PCAP as sensor NAME, its log
# in $TMP/NAME.jsonl, its records into DB on the server at PORT.
sensor() {
	"$SMTPSCOPE" -q -r "$1" -w "$TMP/$2.jsonl" \
		--plugin "$SO:url=http://127.0.0.1:$3,database=$4,sensor=$2" \
		>"$TMP/$2.out" 2>"$TMP/$2.err"
}

# same NAME TRACE: the trace's messages (session numbers aside: the
# sensors' are their own) equal the whole capture's.
same() {
	if why=$(python3 - "$2" "$TMP/whole.jsonl" <<'PY'
import json, sys
def load(p):
    out = []
    for l in open(p, encoding="utf-8"):
        m = json.loads(l)
        for h in m["hops"]:
            h.pop("session_id")
        out.append(m)
    return out
got, whole = load(sys.argv[1]), load(sys.argv[2])
if len(whole) != 2 or sum(len(m["hops"]) for m in whole) != 3:
    print("the whole capture: %d messages" % len(whole))
elif got != whole:
    print("%d messages through the store, %d in the whole capture; first: %s"
          % (len(got), len(whole), json.dumps(got[:1])[:300]))
PY
	) && [ -z "$why" ]; then
		ok "$1"
	else
		fail "$1" "$why"
	fi
}

tcpdump -r captures/bounce-dsn.pcap -w "$TMP/a.pcap" \
	'tcp and host 127.0.0.1 and not host 127.0.0.2' 2>/dev/null &&
	tcpdump -r captures/bounce-dsn.pcap -w "$TMP/z.pcap" \
		'tcp and host 127.0.0.2' 2>/dev/null ||
	skip_all "tcpdump cannot split the capture"
"$SMTPSCOPE" trace -w "$TMP/whole.jsonl" captures/bounce-dsn.pcap \
	2>/dev/null || skip_all "trace of the whole capture failed"

S1=$TMP/s1
S2=$TMP/s2
servers="$S1 $S2"
p1=$(sh "$CHCTL" start "$S1" 2>"$TMP/start.err") &&
	p2=$(sh "$CHCTL" start "$S2" 2>>"$TMP/start.err") || {
	for _c in $CHECKS; do
		fail "$_c" "no server: $(head -c 300 "$TMP/start.err")"
	done
	exit 0
}

# ---- one store, two sensors --------------------------------------------------
# (a database of its own: the cluster's below must hold only its rows)
if load "$p1" onestore 2>"$TMP/load.err" &&
	sensor "$TMP/a.pcap" mx-a "$p1" onestore &&
	sensor "$TMP/z.pcap" mx-z "$p1" onestore &&
	"$SMTPSCOPE" trace -w "$TMP/one.jsonl" --database onestore \
		--clickhouse "http://127.0.0.1:$p1/" 2>"$TMP/one.err"; then
	same fleet-one-store "$TMP/one.jsonl"
else
	fail fleet-one-store "$(cat "$TMP/load.err" "$TMP"/mx-*.err "$TMP/one.err" 2>/dev/null | head -c 400)"
fi

# report NAME JSON-FROM-STORE LOG...: the report from the store equals
# the one from the sensors' logs.
report_same() {
	_n=$1 _got=$2
	shift 2
	if ! "$SMTPSCOPE" report -f json "$@" >"$TMP/$_n.files.json" 2>"$TMP/$_n.ferr"; then
		fail "$_n" "report of the logs: $(head -c 300 "$TMP/$_n.ferr")"
	elif why=$(python3 tests/tools/report-compare.py "$TMP/$_n.files.json" "$_got") &&
		[ -z "$why" ] && grep -q '"transactions":[1-9]' "$_got" &&
		grep -q '"capture":{"packets":[1-9]' "$_got"; then
		ok "$_n"
	else
		fail "$_n" "${why:-no transaction or no summary in the report}"
	fi
}

if "$SMTPSCOPE" report -f json --database onestore \
	--clickhouse "http://127.0.0.1:$p1/" >"$TMP/rep-one.json" 2>"$TMP/rep-one.err"; then
	report_same fleet-report-one-store "$TMP/rep-one.json" "$TMP/mx-a.jsonl" "$TMP/mx-z.jsonl"
else
	fail fleet-report-one-store "$(head -c 300 "$TMP/rep-one.err")"
fi
if "$SMTPSCOPE" report -f json --database onestore --sensor mx-z \
	--clickhouse "http://127.0.0.1:$p1/" >"$TMP/rep-z.json" 2>"$TMP/rep-z.err"; then
	report_same fleet-report-sensor "$TMP/rep-z.json" "$TMP/mx-z.jsonl"
else
	fail fleet-report-sensor "$(head -c 300 "$TMP/rep-z.err")"
fi

if why=$(python3 - "$p1" docs/clickhouse-queries.sql "$TMP/mx-a.jsonl" "$TMP/mx-z.jsonl" <<'PY'
import collections, json, re, sys, urllib.error, urllib.request
port, path = sys.argv[1:3]
text = open(path, encoding="utf-8").read()
stmts = [s for s in re.split(r";\s*\n", text)
         if re.sub(r"--[^\n]*", "", s).strip()]
answers, bad = [], []
for s in stmts:
    q = re.sub(r"\bsmtpscope\.", "onestore.", s) + " FORMAT TSV"
    try:
        answers.append(urllib.request.urlopen("http://127.0.0.1:%s/" % port,
                       data=q.encode(), timeout=60).read().decode())
    except urllib.error.HTTPError as e:
        bad.append("%s: %s" % (s.strip().splitlines()[-1][:60], e.read()[:200]))
        answers.append("")
want = collections.Counter()
fates = collections.Counter()
per_minute = 0
for p, name in ((sys.argv[3], "mx-a"), (sys.argv[4], "mx-z")):
    for l in open(p):
        r = json.loads(l)
        if r["type"] == "transaction":
            want[(name, r["outcome"])] += 1
        elif r["type"] == "message":
            for rc in r["recipients"]:
                fates[rc["fate"]] += 1
if len(stmts) < 10:
    bad.append("only %d statements" % len(stmts))
elif not bad:
    got = collections.Counter()
    for line in answers[0].splitlines():
        sensor, outcome, n = line.split("\t")
        got[(sensor, outcome)] = int(n)
    if got != want:
        bad.append("by sensor and outcome %s, the logs %s" % (dict(got), dict(want)))
    accepted = sum(int(l.split("\t")[1]) for l in answers[1].splitlines())
    if accepted != sum(n for (s, o), n in want.items() if o == "accepted"):
        bad.append("per minute: %d accepted" % accepted)
    got_f = collections.Counter({l.split("\t")[0]: int(l.split("\t")[1])
                                 for l in answers[4].splitlines()})
    if got_f != fates or not fates:
        bad.append("fates %s, the logs %s" % (dict(got_f), dict(fates)))
print("; ".join(bad))
PY
) && [ -z "$why" ]; then
	ok fleet-queries
else
	fail fleet-queries "$why"
fi
# A span: the store asked for that span (the runs' summaries through the
# runs that have records in it) gives the report of the logs' same span.
T=$(python3 - "$TMP/mx-a.jsonl" "$TMP/mx-z.jsonl" <<'PY'
import json, sys
ends = sorted(r["ts_end"] for p in sys.argv[1:] for r in map(json.loads, open(p))
              if r["type"] == "transaction")
print("%.6f" % ((ends[0] + ends[-1]) / 2))
PY
)
if "$SMTPSCOPE" report -f json --database onestore --since "$T" \
	--clickhouse "http://127.0.0.1:$p1/" >"$TMP/rep-span.json" 2>"$TMP/rep-span.err"; then
	report_same fleet-report-span "$TMP/rep-span.json" --since "$T" "$TMP/mx-a.jsonl" "$TMP/mx-z.jsonl"
else
	fail fleet-report-span "$(head -c 300 "$TMP/rep-span.err")"
fi

# ---- two shards ----------------------------------------------------------------
# The cluster "fleet" on both servers (their TCP ports are known now), a
# restart each to read it.
for d in "$S1" "$S2"; do
	mkdir -p "$d/config.d"
	cat >"$d/config.d/fleet.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <remote_servers>
        <fleet>
            <shard><replica><host>127.0.0.1</host><port>$(cat "$S1/tcp_port")</port></replica></shard>
            <shard><replica><host>127.0.0.1</host><port>$(cat "$S2/tcp_port")</port></replica></shard>
        </fleet>
    </remote_servers>
</yandex>
EOF
	sh "$CHCTL" restart "$d" >/dev/null 2>>"$TMP/start.err" || {
		for _c in fleet-cluster-shards fleet-cluster-counts fleet-cluster-trace-1 fleet-cluster-trace-2 fleet-report-cluster; do
			fail "$_c" "restart: $(head -c 300 "$TMP/start.err")"
		done
		exit 0
	}
done
# Two sensor names the cluster sends to different shards (shard
# cityHash64(name) % 2, both of weight 1), so that the trace needs both.
names=$(q "$p1" "SELECT arrayJoin(['mx1','mx2','mx3','mx4','mx5','mx6','mx7','mx8']) AS n, cityHash64(n) % 2 FORMAT TSV" |
	awk '!seen[$2]++ { printf "%s ", $1 }')
set -- $names
na=${1:-} nz=${2:-}
ready=true
for p in "$p1" "$p2"; do
	load "$p" smtpscope 2>>"$TMP/load2.err" || ready=false
	q "$p" "CREATE DATABASE IF NOT EXISTS smtpscope_cluster" >/dev/null 2>>"$TMP/load2.err" || ready=false
	for t in $TABLES; do
		q "$p" "CREATE TABLE IF NOT EXISTS smtpscope_cluster.$t AS smtpscope.$t ENGINE = Distributed(fleet, smtpscope, $t, cityHash64(sensor))" \
			>/dev/null 2>>"$TMP/load2.err" || ready=false
	done
done
if [ "$ready" != true ] || [ -z "$nz" ]; then
	for _c in fleet-cluster-shards fleet-cluster-counts fleet-cluster-trace-1 fleet-cluster-trace-2; do
		fail "$_c" "the cluster's tables: ${nz:-no two names on two shards} $(head -c 300 "$TMP/load2.err")"
	done
	exit 0
fi
# Each sensor writes to a server of its own, through the Distributed
# tables: the rows go to the shard of their sensor.
sensor "$TMP/a.pcap" "$na" "$p1" smtpscope_cluster &&
	sensor "$TMP/z.pcap" "$nz" "$p2" smtpscope_cluster
rc=$?
# The Distributed tables pass rows on in the background: until every
# transaction of both logs is there (30 s at most).
want=$(cat "$TMP/$na.jsonl" "$TMP/$nz.jsonl" | grep -c '"type":"transaction"')
i=0
while [ "$i" -lt 60 ]; do
	n=$(q "$p1" "SELECT count() FROM smtpscope_cluster.transactions FINAL" 2>/dev/null)
	[ "$n" = "$want" ] && break
	sleep 0.5
	i=$((i + 1))
done
if [ "$rc" != 0 ]; then
	fail fleet-cluster-shards "a sensor exited $rc: $(cat "$TMP/$na.err" "$TMP/$nz.err" | head -c 300)"
else
	# Where each sensor's rows are, table by table: one shard only, the
	# one its hash names, and none lost.
	for p in "$p1" "$p2"; do
		for t in $TABLES; do
			q "$p" "SELECT '$p', '$t', sensor, count() FROM smtpscope.$t GROUP BY sensor FORMAT TSV"
		done
	done >"$TMP/where"
	if why=$(python3 - "$p1" "$p2" "$na" "$nz" "$TMP/where" <<'PY'
import sys
p1, p2, na, nz = sys.argv[1:5]
home = {na: p1, nz: p2}
bad = []
seen = set()
for line in open(sys.argv[5]):
    f = line.rstrip("\n").split("\t")
    if len(f) != 4:
        continue
    port, table, sensor, n = f
    if sensor not in home:
        bad.append("%s rows of sensor %s" % (n, sensor))
    elif port != home[sensor]:
        bad.append("%s rows of %s's %s on the other shard" % (n, sensor, table))
    else:
        seen.add(sensor)
if seen != {na, nz}:
    bad.append("rows of %s only" % sorted(seen))
print("; ".join(bad))
PY
	) && [ -z "$why" ]; then
		ok fleet-cluster-shards
	else
		fail fleet-cluster-shards "$why"
	fi
fi
if why=$(python3 - "$TMP/$na.jsonl" "$TMP/$nz.jsonl" "$p1" <<'PY'
import json, sys, urllib.request
tables = {"session": "sessions", "transaction": "transactions", "message": "messages",
          "command": "commands", "summary": "summaries"}
want = {}
for p in sys.argv[1:3]:
    for l in open(p):
        t = tables.get(json.loads(l)["type"], "events")
        want[t] = want.get(t, 0) + 1
bad = []
for t in ("sessions", "transactions", "messages", "commands", "events", "summaries"):
    q = "SELECT count() FROM smtpscope_cluster.%s FINAL" % t
    got = int(urllib.request.urlopen("http://127.0.0.1:%s/" % sys.argv[3],
                                     data=q.encode(), timeout=60).read())
    if got != want.get(t, 0):
        bad.append("%s: %d rows, the logs %d" % (t, got, want.get(t, 0)))
print("; ".join(bad))
PY
) && [ -z "$why" ]; then
	ok fleet-cluster-counts
else
	fail fleet-cluster-counts "$why"
fi
for k in 1 2; do
	eval "p=\$p$k"
	if "$SMTPSCOPE" trace -w "$TMP/cluster-$k.jsonl" \
		--clickhouse "http://127.0.0.1:$p/" --database smtpscope_cluster \
		2>"$TMP/cluster-$k.err"; then
		same "fleet-cluster-trace-$k" "$TMP/cluster-$k.jsonl"
	else
		fail "fleet-cluster-trace-$k" "$(head -c 300 "$TMP/cluster-$k.err")"
	fi
done
if "$SMTPSCOPE" report -f json --database smtpscope_cluster \
	--clickhouse "http://127.0.0.1:$p2/" >"$TMP/rep-cluster.json" 2>"$TMP/rep-cluster.err"; then
	report_same fleet-report-cluster "$TMP/rep-cluster.json" "$TMP/$na.jsonl" "$TMP/$nz.jsonl"
else
	fail fleet-report-cluster "$(head -c 300 "$TMP/rep-cluster.err")"
fi
