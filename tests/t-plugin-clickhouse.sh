#!/bin/sh
# The clickhouse plugin (build/plugins/clickhouse.so) and the tables it
# writes into (docs/clickhouse.sql), against private ClickHouse servers
# (tests/tools/clickhouse-server.sh; Debian's clickhouse-server is
# unpacked by make test-tools, not installed):
# - the servers: one starts and answers on free ports; a second one runs
#   beside it; a restarted one keeps its data;
# - smtpscope --clickhouse-schema prints docs/clickhouse.sql byte for
#   byte (checked first, with or without a server);
# - the schema loads statement by statement over HTTP, and again (it
#   creates only what is missing); what --clickhouse-schema printed loads
#   into a fresh database with the same tables and columns;
# - the schema itself, without the plugin: every record of every capture
#   (captures/, ../shared/captures; also with --ports any, alerts raised
#   at once, a rotated log without tracking; an "error" record), turned
#   into a row by the rules in the schema's header (ch.py below, written
#   apart from the plugin's flatten.c), is taken with
#   input_format_skip_unknown_fields=0 (a key without a column fails),
#   read back with every value the same, and inserted twice is still one
#   row each with FINAL;
# - the plugin, when built: on captures with sessions, transactions, LMTP,
#   DSNs, messages, commands, attempts, alerts and tunnels, and a rotated
#   log, each table holds with FINAL as many rows of the run's sensor as
#   the JSON log has records of its types (the summaries included), with
#   the same values, `record` the log's line
#   (the sum of rcpt_count, the outcomes and senders checked apart too),
#   and smtpscope trace --clickhouse finds the same messages in them as
#   in the log;
#   with dump= every key of every row dumped is a column; the dump
#   inserted twice more adds nothing; with the server down and spool=
#   the run ends with status 0 and the rows spooled, and the next run, on
#   an empty capture, delivers them all and empties the spool; the
#   sensor's own figures (batches failed and spooled, spool bytes, then
#   rows and batches sent, the spool empty) in the Prometheus metrics
#   and the JSON report of each run, the same in both; the server
#   killed (SIGKILL) during a replay and restarted: every record arrives,
#   none twice.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

SO=build/plugins/clickhouse.so
CHCTL=tests/tools/clickhouse-server.sh
SQL=docs/clickhouse.sql
DB=smtpscope
SANITIZER='ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer'
# The server's program: $CLICKHOUSE_SERVER, else find_tool's.
CLICKHOUSE_SERVER=${CLICKHOUSE_SERVER:-$(find_tool clickhouse-server)}
export CLICKHOUSE_SERVER

PLUGIN_CHECKS="ch-plugin-run ch-plugin-counts ch-plugin-fields ch-plugin-values
ch-plugin-trace ch-plugin-dump-columns ch-plugin-dump-twice ch-plugin-spool
ch-plugin-spool-replay ch-plugin-figures ch-plugin-server-killed"
ALL_CHECKS="ch-server ch-second-server ch-schema-load ch-schema-reload
ch-schema-print-load ch-schema-columns ch-schema-insert ch-schema-values ch-schema-twice
ch-server-restart $PLUGIN_CHECKS"

# first FILE [BYTES]: the start of FILE (300 bytes) on one line.
first() {
	head -c "${2:-300}" "$1" | tr '\n' ' '
}

# skip_all WHY [CHECK...]: a skip line for each CHECK (default: all).
skip_all() {
	_why=$1
	shift
	# shellcheck disable=SC2086
	[ $# -gt 0 ] || set -- $ALL_CHECKS
	for _c in "$@"; do
		skip "$_c" "$_why"
	done
}

# The schema the program holds is the file's, byte for byte.
"$SMTPSCOPE" --clickhouse-schema >"$TMP/printed.sql" 2>"$TMP/printed.err"
rc=$?
if [ "$rc" != 0 ]; then
	fail ch-schema-print "exit $rc: $(first "$TMP/printed.err")"
elif [ -s "$TMP/printed.err" ]; then
	fail ch-schema-print "stderr: $(first "$TMP/printed.err")"
elif ! cmp -s "$TMP/printed.sql" "$SQL"; then
	fail ch-schema-print "not $SQL: $(cmp "$TMP/printed.sql" "$SQL" 2>&1)"
else
	ok ch-schema-print
fi

if ! command -v curl >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
	skip_all "no curl or python3"
	exit 0
fi
if [ -z "$CLICKHOUSE_SERVER" ]; then
	skip_all "$(tool_why clickhouse-server)"
	exit 0
fi

scope_pid=
servers=
cleanup() {
	if [ -n "$scope_pid" ]; then
		kill -KILL "$scope_pid" 2>/dev/null
		wait "$scope_pid" 2>/dev/null
	fi
	for _d in $servers; do
		sh "$CHCTL" stop "$_d" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ch.py: ClickHouse over HTTP and the flattening the plugin does.
cat >"$TMP/ch.py" <<'PY'
"""ClickHouse over HTTP for t-plugin-clickhouse.sh, and the flattening
of JSON log records into rows that the clickhouse plugin does (the rules
in docs/clickhouse.sql), written again here to check the schema and the
plugin's rows against. Prints one line on failure and exits 1.

  ch.py load URL SQL             every statement of SQL, one per request
  ch.py rows SENSOR RUN LOG...   the rows of the logs' records (JSON lines
                                 {"table": T, "row": {...}}) on stdout; the
                                 Nth LOG is run RUN+N-1, its records seq 1,
                                 2...; RUN "-": rows without run and seq
  ch.py plugin-rows SENSOR LOG...  the rows the plugin sends for one run
                                 (its log's files in order): no run, no
                                 seq
  ch.py columns URL DB ROWS      every key of every row is a column of its
                                 table
  ch.py insert URL DB ROWS       insert the rows (by table and key set)
  ch.py counts URL DB SENSOR ROWS  SELECT count() FINAL per table equals
                                 the rows' (and no (run, seq) twice)
  ch.py fields URL DB SENSOR ROWS  the transactions' sum of rcpt_count,
                                 outcomes and senders equal the rows'
  ch.py same URL DB SENSOR ROWS  the table's rows of SENSOR (FINAL, by run
                                 and seq) hold the rows' values, the other
                                 columns their defaults

ROWS: JSON lines, each {"table": T, "row": {...}}, or "T<TAB>row" (the
plugin's dump=), or a row alone (its table from its "type", or from the
last line "INSERT INTO DB.T ...").
"""
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

TABLES = {
    "session": "sessions",
    "transaction": "transactions",
    "message": "messages",
    "command": "commands",
    "anomaly": "events",
    "alert": "events",
    "attempt": "events",
    "error": "events",
    "summary": "summaries",
}
ALL_TABLES = sorted(set(TABLES.values()))


def json_text(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def flatten(rec):
    """The row of one record: the rules of docs/clickhouse.sql."""
    row = {}

    def leaves(prefix, v, out):
        # Inside an element of an array of objects: objects flattened,
        # arrays as JSON text, nulls kept (one value per element).
        if isinstance(v, dict):
            for k, x in v.items():
                leaves(prefix + "." + k if prefix else k, x, out)
        elif isinstance(v, list):
            out[prefix] = json_text(v)
        else:
            out[prefix] = v

    def walk(path, v):
        if isinstance(v, dict):
            for k, x in v.items():
                walk(path + "." + k if path else k, x)
        elif v is None or v == []:
            pass
        elif isinstance(v, list):
            if all(isinstance(x, dict) for x in v):
                elems = []
                for x in v:
                    e = {}
                    leaves("", x, e)
                    elems.append(e)
                keys = []
                for e in elems:
                    keys += [k for k in e if k not in keys]
                for k in keys:
                    row[path + "." + k] = [e.get(k) for e in elems]
            elif "." in path:
                row[path] = json_text(v)
            elif any(isinstance(x, (dict, list)) for x in v):
                row[path] = [json_text(x) for x in v]
            else:
                row[path] = v
        else:
            row[path] = v

    walk("", rec)
    return row


class Server:
    def __init__(self, url):
        self.url = url.rstrip("/") + "/"

    def post(self, query, body=b"", **settings):
        params = {"query": query, "output_format_json_quote_64bit_integers": 0}
        params.update(settings)
        req = urllib.request.Request(
            self.url + "?" + urllib.parse.urlencode(params), data=body, method="POST"
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return True, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return False, e.read().decode("utf-8", "replace").strip()
        except OSError as e:
            return False, str(e)

    def query(self, q):
        ok, text = self.post(q)
        if not ok:
            die("%s: %s" % (q[:120], text[:300]))
        return text

    def select(self, q):
        # FINAL reads every part at once: smaller buffers than 1 MiB a
        # column keep it within the test server's 1 GB.
        ok, text = self.post(q + " FORMAT JSONEachRow", max_read_buffer_size=65536)
        if not ok:
            die("%s: %s" % (q[:120], text[:300]))
        return [json.loads(l) for l in text.splitlines() if l]

    def columns(self, db, table):
        text = self.query("DESCRIBE TABLE %s.%s FORMAT TSV" % (db, table))
        cols = {}
        for line in text.splitlines():
            f = line.split("\t")
            cols[f[0]] = f[1]
        return cols


def die(msg):
    print(msg.replace("\n", " ")[:600])
    sys.exit(1)


def statements(path):
    """The statements of an SQL file: each ends with ';' at a line end."""
    out, cur = [], []
    for line in open(path, encoding="utf-8"):
        s = line.strip()
        if s.startswith("--"):
            continue
        cur.append(line)
        if s.endswith(";"):
            out.append("".join(cur).strip().rstrip(";"))
            cur = []
    if "".join(cur).strip():
        out.append("".join(cur).strip())
    return [s for s in out if s]


def read_rows(path):
    """(table, row) of each line of a ROWS file."""
    table = None
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.strip()
        if not line:
            continue
        if line.upper().startswith("INSERT INTO"):
            name = line.split()[2].split("(")[0]
            table = name.split(".")[-1].strip("`")
            continue
        if "\t" in line and not line.startswith("{"):
            # The plugin's dump: TABLE, a tab, the row.
            t, line = line.split("\t", 1)
            table = t.strip()
            try:
                yield table, json.loads(line)
            except ValueError:
                die("%s:%d: not JSON after the table: %s" % (path, n, line[:100]))
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            die("%s:%d: not JSON: %s" % (path, n, line[:100]))
        if isinstance(obj, dict) and set(obj) == {"table", "row"}:
            yield obj["table"], obj["row"]
        elif isinstance(obj, dict):
            t = TABLES.get(obj.get("type")) or table
            if t is None:
                die("%s:%d: no table for this row" % (path, n))
            yield t, obj


def cmd_load(url, sql):
    srv = Server(url)
    for st in statements(sql):
        ok, text = srv.post(st)
        if not ok:
            die("%s: %s" % (st.split("\n")[0][:80], text[:300]))


def cmd_rows(sensor, run, *logs):
    for i, log in enumerate(logs):
        for seq, line in enumerate(open(log, encoding="utf-8"), 1):
            rec = json.loads(line)
            row = {"sensor": sensor}
            if run != "-":
                row.update(run=int(run) + i, seq=seq)
            row.update(flatten(rec))
            row["record"] = line.rstrip("\n")
            print(json_text({"table": TABLES[rec["type"]], "row": row}))


def cmd_plugin_rows(sensor, *logs):
    """The rows the plugin sends for one run's log (its files, in
    order): every record, the summaries included."""
    lines = [l for log in logs for l in open(log, encoding="utf-8")]
    for line in lines:
        rec = json.loads(line)
        row = {"sensor": sensor}
        row.update(flatten(rec))
        row["record"] = line.rstrip("\n")
        print(json_text({"table": TABLES[rec["type"]], "row": row}))


def cmd_columns(url, db, rows):
    srv = Server(url)
    cols = {t: srv.columns(db, t) for t in ALL_TABLES}
    missing = {}
    n = 0
    for t, row in read_rows(rows):
        n += 1
        if t not in cols:
            die("no table %s.%s" % (db, t))
        for k in row:
            if k not in cols[t]:
                missing.setdefault(t, set()).add(k)
    if missing:
        die("keys without a column: " + "; ".join(
            "%s: %s" % (t, ", ".join(sorted(ks))) for t, ks in sorted(missing.items())))
    if n == 0:
        die("no rows")


def nested_keys(row):
    """The keys of a row that ClickHouse takes for Nested columns."""
    return tuple(sorted(k for k, v in row.items() if isinstance(v, list) and k.count(".") == 1))


def cmd_insert(url, db, rows):
    """The rows with the same Nested columns go together, under the
    columns they have: ClickHouse fills a Nested column left out of the
    list with NULLs, one per element, but one left out of a row given
    with JSONEachRow with [] (18.16: the row is then refused); any other
    key left out of a row takes its column's default."""
    srv = Server(url)
    groups = {}
    for t, row in read_rows(rows):
        groups.setdefault((t, nested_keys(row)), []).append(row)
    bad = []
    for (t, _), rs in sorted(groups.items()):
        keys = sorted(set(k for r in rs for k in r))
        cols = ", ".join("`%s`" % k.replace("`", "\\`") for k in keys)
        for i in range(0, len(rs), 1000):
            body = "\n".join(json_text(r) for r in rs[i:i + 1000]).encode("utf-8")
            ok, text = srv.post(
                "INSERT INTO %s.%s (%s) FORMAT JSONEachRow" % (db, t, cols), body,
                input_format_skip_unknown_fields=0)
            if not ok:
                bad.append("%s (%d rows): %s" % (t, len(rs[i:i + 1000]), text[:300]))
    if bad:
        die("%d inserts refused: %s" % (len(bad), " | ".join(bad[:3])))


def quote(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def cmd_counts(url, db, sensor, rows):
    srv = Server(url)
    want = dict.fromkeys(ALL_TABLES, 0)
    for t, row in read_rows(rows):
        want[t] += 1
    bad = []
    for t in ALL_TABLES:
        r = srv.select("SELECT count() AS n, uniqExact(run, seq) AS u FROM %s.%s FINAL "
                       "WHERE sensor = %s" % (db, t, quote(sensor)))[0]
        if r["n"] != want[t] or r["u"] != r["n"]:
            bad.append("%s: %s rows (%s distinct), want %d" % (t, r["n"], r["u"], want[t]))
    if bad:
        die("; ".join(bad))


def cmd_fields(url, db, sensor, rows):
    """A few figures of the transactions, from the rows and the table."""
    srv = Server(url)
    tx = [row for t, row in read_rows(rows) if t == "transactions"]
    want = {
        "rcpt": sum(r.get("rcpt_count", 0) for r in tx),
        "outcomes": sorted(set(r["outcome"] for r in tx)),
        "senders": [r.get("mail_from") for r in tx],
    }
    where = "FROM %s.transactions FINAL WHERE sensor = %s" % (db, quote(sensor))
    r = srv.select("SELECT sum(rcpt_count) AS rcpt, arraySort(groupUniqArray(outcome)) "
                   "AS outcomes " + where)[0]
    got = {"rcpt": r["rcpt"], "outcomes": r["outcomes"],
           "senders": [x["mail_from"] for x in srv.select(
               "SELECT mail_from " + where + " ORDER BY run, seq")]}
    bad = ["%s %s, want %s" % (k, json_text(got[k])[:150], json_text(want[k])[:150])
           for k in want if got[k] != want[k]]
    if bad:
        die("; ".join(bad))


def is_default(v):
    return v in (None, [], 0, "", 0.0) or (isinstance(v, list) and all(x is None for x in v))


def same(a, b):
    """a (the row's value) and b (the table's) are the same value."""
    if isinstance(a, bool):
        a = int(a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(b, bool):
        return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))
    if isinstance(a, str) and isinstance(b, str) and a != b:
        try:  # JSON text: the same value, whatever the escapes
            return json.loads(a) == json.loads(b)
        except ValueError:
            return False
    return a == b


def cmd_same(url, db, sensor, rows):
    srv = Server(url)
    want = {t: [] for t in ALL_TABLES}
    for t, row in read_rows(rows):
        want[t].append(row)
    bad = []
    diff = {}  # (table, column): [rows that differ, the first of them]
    for t in ALL_TABLES:
        got = srv.select("SELECT * FROM %s.%s FINAL WHERE sensor = %s ORDER BY run, seq"
                         % (db, t, quote(sensor)))
        exp = sorted(want[t], key=lambda r: (r.get("run", 0), r.get("seq", 0)))
        if len(got) != len(exp):
            bad.append("%s: %d rows, want %d" % (t, len(got), len(exp)))
            continue
        for e, g in zip(exp, got):
            for k, v in g.items():
                if k in ("run", "seq") and k not in e:
                    continue  # the plugin's numbers
                if same(e[k], v) if k in e else is_default(v):
                    continue
                d = diff.setdefault((t, k), [0, None])
                d[0] += 1
                if d[1] is None:
                    d[1] = "seq %s: %s, want %s" % (
                        g.get("seq"), json_text(v)[:80], json_text(e.get(k, "(default)"))[:80])
    for (t, k), (n, first) in sorted(diff.items()):
        bad.append("%s.%s differs in %d rows (%s)" % (t, k, n, first))
    if bad:
        die("; ".join(bad[:6]) + ("; ..." if len(bad) > 6 else ""))


if __name__ == "__main__":
    cmds = {"load": cmd_load, "rows": cmd_rows, "columns": cmd_columns,
            "insert": cmd_insert, "counts": cmd_counts, "fields": cmd_fields,
            "same": cmd_same, "plugin-rows": cmd_plugin_rows}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        die(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])
PY

# ch NAME COMMAND ARG...: ok NAME when ch.py COMMAND succeeds, else FAIL
# NAME with what it printed.
ch() {
	_name=$1
	shift
	if _why=$(python3 "$TMP/ch.py" "$@" 2>&1); then
		ok "$_name"
	else
		fail "$_name" "$_why"
	fi
}

# ---- the servers ---------------------------------------------------------
CH=$TMP/ch1
servers=$CH
if ! port=$(sh "$CHCTL" start "$CH" 2>"$TMP/ch-start.err"); then
	fail ch-server "$(first "$TMP/ch-start.err" 600)"
	skip_all "no server" $(echo "$ALL_CHECKS" | tr ' ' '\n' | sed 1d)
	exit 0
fi
URL=http://127.0.0.1:$port
ok ch-server

CH2=$TMP/ch2
servers="$CH $CH2"
if ! port2=$(sh "$CHCTL" start "$CH2" 2>"$TMP/ch-start.err"); then
	fail ch-second-server "$(first "$TMP/ch-start.err" 600)"
elif [ "$port2" = "$port" ]; then
	fail ch-second-server "both on port $port"
elif [ "$(curl -s -m 5 "http://127.0.0.1:$port2/?query=SELECT%202")" != 2 ]; then
	fail ch-second-server "no answer on port $port2"
else
	pid2=$(cat "$CH2/pid")
	sh "$CHCTL" stop "$CH2"
	if kill -0 "$pid2" 2>/dev/null; then
		fail ch-second-server "still running after stop (pid $pid2)"
	elif [ "$(curl -s -m 5 "$URL/?query=SELECT%201")" != 1 ]; then
		fail ch-second-server "stopping it stopped the first one"
	else
		ok ch-second-server
	fi
fi
servers=$CH

ch ch-schema-load load "$URL" "$SQL"
ch ch-schema-reload load "$URL" "$SQL"

# What --clickhouse-schema printed, into a database of its own: the same
# tables with the same columns, in order, as the file's.
columns() {
	curl -s -m 10 --data-binary "SELECT table, name, type FROM system.columns WHERE database = '$1' ORDER BY table, position FORMAT TSV" "$URL/"
}
if ! why=$(python3 tests/tools/clickhouse-load.py "$port" printed \
	"$TMP/printed.sql" 2>&1); then
	fail ch-schema-print-load "$why"
else
	columns smtpscope >"$TMP/cols-file"
	columns printed >"$TMP/cols-printed"
	if [ ! -s "$TMP/cols-file" ]; then
		fail ch-schema-print-load "no columns in the database smtpscope"
	elif ! cmp -s "$TMP/cols-file" "$TMP/cols-printed"; then
		fail ch-schema-print-load "$(wc -l <"$TMP/cols-printed") columns in the printed schema's database, $(wc -l <"$TMP/cols-file") in the file's: $(diff "$TMP/cols-file" "$TMP/cols-printed" | sed -n 2,4p | tr '\n' ' ')"
	else
		ok ch-schema-print-load
	fi
fi

# ---- the schema, without the plugin ---------------------------------------
# The logs of every capture, three ways: as is (with a capture's .args),
# with --ports any and every alert raised at once, and rotated every 60 s
# without tracking nor alerts. Then an "error" record, which no capture
# makes.
mkdir -p "$TMP/logs"
n=0
for f in captures/*.pcap* captures/input/*.pcap* captures/partial/*.pcap* \
	$(find "$SHARED/captures" -type f \( -name '*.pcap' -o -name '*.pcapng' \
	-o -name '*.cap' \) 2>/dev/null | sort); do
	[ -f "$f" ] || continue
	n=$((n + 1))
	args=
	[ -f "${f%.pcap}.args" ] && args=$(cat "${f%.pcap}.args")
	# shellcheck disable=SC2086
	"$SMTPSCOPE" -q -r "$f" -w "$TMP/logs/$n-a.jsonl" $args >/dev/null 2>&1
	"$SMTPSCOPE" -q -r "$f" -w "$TMP/logs/$n-b.jsonl" --ports any \
		--alert reject_rate=1,tempfail_rate=1,lost_rate=1,rate_min=1,auth_failures=1,greeting_latency=0.001,final_latency=0.001,latency_min=1 \
		--track-window 1 >/dev/null 2>&1
	"$SMTPSCOPE" -q -r "$f" -w "$TMP/logs/$n-c-%s.jsonl" --rotate 60 \
		--no-track --no-alerts >/dev/null 2>&1
done
echo '{"type":"error","error":"record too large"}' >"$TMP/logs/error.jsonl"
# Empty logs (a capture smtpscope refused) make no rows.
find "$TMP/logs" -type f -size 0 -exec rm -f {} +
if python3 "$TMP/ch.py" rows s 1 "$TMP"/logs/*.jsonl >"$TMP/rows.jsonl" 2>"$TMP/rows.err"; then
	echo "# schema: $(wc -l <"$TMP/rows.jsonl") rows from $(ls "$TMP/logs" | wc -l) logs of $n captures"
	ch ch-schema-columns columns "$URL" "$DB" "$TMP/rows.jsonl"
	ch ch-schema-insert insert "$URL" "$DB" "$TMP/rows.jsonl"
	ch ch-schema-values same "$URL" "$DB" s "$TMP/rows.jsonl"
	python3 "$TMP/ch.py" insert "$URL" "$DB" "$TMP/rows.jsonl" >/dev/null 2>&1
	ch ch-schema-twice counts "$URL" "$DB" s "$TMP/rows.jsonl"
else
	for c in ch-schema-columns ch-schema-insert ch-schema-values ch-schema-twice; do
		fail "$c" "ch.py rows: $(first "$TMP/rows.err" 300)"
	done
fi

# A server restarted on the same ports keeps what it holds.
if ! sh "$CHCTL" restart "$CH" >"$TMP/restart.out" 2>"$TMP/restart.err"; then
	fail ch-server-restart "$(first "$TMP/restart.err" 600)"
	skip_all "the server did not restart" $PLUGIN_CHECKS
	exit 0
elif [ "$(cat "$TMP/restart.out")" != "$port" ]; then
	fail ch-server-restart "port $(cat "$TMP/restart.out"), was $port"
else
	ch ch-server-restart counts "$URL" "$DB" s "$TMP/rows.jsonl"
fi

# ---- the plugin ----------------------------------------------------------
if [ ! -f "$SO" ]; then
	skip_all "no $SO (make build/plugins/clickhouse.so)" $PLUGIN_CHECKS
	exit 0
fi

# plugin_run NAME LOG SENSOR CAPTURE [ARGS [PLUGIN ARGS]]: smtpscope -r
# CAPTURE -w LOG with the plugin (url, database, sensor SENSOR and PLUGIN
# ARGS); $rc its status; false, with a FAIL line, on a sanitizer report;
# $why says what went wrong, if anything (a status not 0, stderr).
plugin_run() {
	_name=$1
	_log=$2
	_sensor=$3
	_cap=$4
	why=
	# shellcheck disable=SC2086
	run_scope "$_name" -q -r "$_cap" -w "$_log" ${5:-} \
		--plugin "clickhouse:url=${PURL:-$URL},database=$DB,sensor=$_sensor${6:+,$6}" \
		</dev/null || return 1
	if [ "$rc" != 0 ]; then
		why="$_cap: exit $rc: $(first "$TMP/err" 300)"
	elif [ -s "$TMP/err" ]; then
		why="$_cap: stderr with -q: $(first "$TMP/err" 300)"
	fi
	return 0
}

# all_ok NAME RESULTS: ok NAME when the file RESULTS is empty, else FAIL
# NAME with its first lines.
all_ok() {
	if [ -s "$2" ]; then
		fail "$1" "$(head -n 3 "$2" | tr '\n' ' ' | cut -c 1-600)"
	else
		ok "$1"
	fi
}

# a. Each capture under a sensor of its own: the tables hold its records,
# the closing summary (and a rotated log's intervals' summaries)
# included.
: >"$TMP/a-run"
: >"$TMP/a-counts"
: >"$TMP/a-fields"
: >"$TMP/a-same"
k=0
while read -r cap args; do
	k=$((k + 1))
	s=a$k
	# A sanitizer report is a FAIL line of its own.
	plugin_run "ch-plugin-run-$cap" "$TMP/a$k.jsonl" "$s" "captures/$cap" \
		"$args" || continue
	[ -z "$why" ] || echo "$why" >>"$TMP/a-run"
	# With --rotate the log is a$k.DATE.jsonl, one file an interval.
	# shellcheck disable=SC2046
	python3 "$TMP/ch.py" plugin-rows "$s" $(ls "$TMP/a$k.jsonl" \
		"$TMP/a$k".*.jsonl 2>/dev/null) >"$TMP/a$k.rows"
	for c in counts fields same; do
		r=$(python3 "$TMP/ch.py" "$c" "$URL" "$DB" "$s" "$TMP/a$k.rows" 2>&1) ||
			echo "$cap: $r" >>"$TMP/a-$c"
	done
done <<'CAPS'
track.pcap
lmtp.pcap
bounce-dsn.pcap
scripted-codes.pcap
scripted-rfc821.pcap
scripted-dsnkeys.pcap
attempts.pcap
postfix-tls-auth.pcap
sink-reject.pcap --alert reject_rate=1,rate_min=1
ports.pcap --ports any
track.pcap --rotate 5
CAPS
all_ok ch-plugin-run "$TMP/a-run"
all_ok ch-plugin-counts "$TMP/a-counts"
all_ok ch-plugin-fields "$TMP/a-fields"
all_ok ch-plugin-values "$TMP/a-same"

# smtpscope trace reads the rows back (their `record`): the same messages
# from ClickHouse as from the log (track.pcap, sensor a1).
if ! "$SMTPSCOPE" trace --clickhouse "$URL" --sensor a1 -w "$TMP/trace-ch.jsonl" \
	>"$TMP/trace-ch.out" 2>&1; then
	fail ch-plugin-trace "trace --clickhouse: $(first "$TMP/trace-ch.out" 300)"
elif ! "$SMTPSCOPE" trace "$TMP/a1.jsonl" -w "$TMP/trace-log.jsonl" \
	>"$TMP/trace-log.out" 2>&1; then
	fail ch-plugin-trace "trace of the log: $(first "$TMP/trace-log.out" 300)"
elif ! cmp -s "$TMP/trace-ch.jsonl" "$TMP/trace-log.jsonl"; then
	fail ch-plugin-trace "$(wc -l <"$TMP/trace-ch.jsonl") message records from ClickHouse, $(wc -l <"$TMP/trace-log.jsonl") from the log; trace --clickhouse said: $(first "$TMP/trace-ch.out")"
else
	ok ch-plugin-trace
fi

# b. The rows as sent (dump=): every key is a column of its table.
# c. The same rows inserted twice more: still one row each with FINAL.
if plugin_run ch-plugin-dump-columns "$TMP/b.jsonl" b captures/track.pcap "" \
	"dump=$TMP/dump.jsonl"; then
	python3 "$TMP/ch.py" plugin-rows b "$TMP/b.jsonl" >"$TMP/b.rows"
	if [ -n "$why" ]; then
		fail ch-plugin-dump-columns "$why"
		skip ch-plugin-dump-twice "the run failed"
	elif [ ! -s "$TMP/dump.jsonl" ]; then
		fail ch-plugin-dump-columns "nothing in the dump"
		skip ch-plugin-dump-twice "no dump"
	else
		ch ch-plugin-dump-columns columns "$URL" "$DB" "$TMP/dump.jsonl"
		python3 "$TMP/ch.py" insert "$URL" "$DB" "$TMP/dump.jsonl" >"$TMP/b.ins" 2>&1
		python3 "$TMP/ch.py" insert "$URL" "$DB" "$TMP/dump.jsonl" >>"$TMP/b.ins" 2>&1
		if [ -s "$TMP/b.ins" ]; then
			fail ch-plugin-dump-twice "inserting the dump: $(first "$TMP/b.ins" 300)"
		else
			ch ch-plugin-dump-twice counts "$URL" "$DB" b "$TMP/b.rows"
		fi
	fi
else
	skip ch-plugin-dump-twice "the run failed"
fi

# d. Nothing listens at the URL: the rows go to the spool, the run ends
# well; the next run (another sensor, an empty capture) sends them.
dead=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
spool=$TMP/spool
mkdir -p "$spool"
python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex("d4c3b2a1020004000000000000000000ffff000001000000"))' >"$TMP/empty.pcap"
if PURL=http://127.0.0.1:$dead plugin_run ch-plugin-spool "$TMP/d.jsonl" d \
	captures/track.pcap "--report json -o $TMP/d-report.json --plugin prometheus:textfile=$TMP/d.prom" \
	"spool=$spool"; then
	python3 "$TMP/ch.py" plugin-rows d "$TMP/d.jsonl" >"$TMP/d.rows"
	spooled=$(find "$spool" -type f | wc -l)
	if [ "$rc" != 0 ]; then
		fail ch-plugin-spool "exit $rc: $(first "$TMP/err" 300)"
	elif [ "$spooled" = 0 ]; then
		fail ch-plugin-spool "nothing in the spool"
	else
		ok ch-plugin-spool
		echo "# ch-plugin-spool: $spooled files spooled; stderr: $(first "$TMP/err" 200)"
	fi
	if plugin_run ch-plugin-spool-replay "$TMP/d2.jsonl" d2 "$TMP/empty.pcap" \
		"--report json -o $TMP/d2-report.json --plugin prometheus:textfile=$TMP/d2.prom" \
		"spool=$spool"; then
		left=$(find "$spool" -type f | wc -l)
		if [ -n "$why" ]; then
			fail ch-plugin-spool-replay "$why"
		elif [ "$left" != 0 ]; then
			fail ch-plugin-spool-replay "$left files left in the spool"
		else
			ch ch-plugin-spool-replay same "$URL" "$DB" d "$TMP/d.rows"
		fi
	fi
	# The sensor's figures: while the server was away, then when it
	# came back; Prometheus's and the report's the same.
	if why=$(python3 - "$TMP/d.prom" "$TMP/d-report.json" "$TMP/d2.prom" \
		"$TMP/d2-report.json" "$TMP/d.jsonl" "$TMP/d2.jsonl" <<'PY'
import json, re, sys
def prom(path):
    got = {}
    for ln in open(path):
        m = re.match(r'^smtpscope_plugin_value\{plugin="clickhouse",name="([a-z0-9_]+)"\} (\d+)$', ln)
        if m:
            got[m.group(1)] = int(m.group(2))
    return got
bad = []
away, back = prom(sys.argv[1]), prom(sys.argv[3])
for p, r, name in ((away, sys.argv[2], "away"), (back, sys.argv[4], "back")):
    rep = json.load(open(r))["plugins"].get("clickhouse")
    if p != rep:
        bad.append("%s: Prometheus %s, the report %s" % (name, p, rep))
records = sum(1 for _ in open(sys.argv[5]))
records2 = sum(1 for _ in open(sys.argv[6]))
if not (away.get("batches_failed", 0) > 0 and away.get("batches_spooled", 0) > 0
        and away.get("spool_bytes", 0) > 0 and away.get("rows_sent", 1) == 0):
    bad.append("the server away: %s" % away)
if not (back.get("batches_spooled", 1) == 0 and back.get("spool_bytes", 1) == 0
        and back.get("batches_sent", 0) > 0
        and back.get("rows_sent", 0) == records + records2):
    bad.append("the server back: %s (records %d + %d)" % (back, records, records2))
print("; ".join(bad))
PY
	) && [ -z "$why" ]; then
		ok ch-plugin-figures
	else
		fail ch-plugin-figures "$why"
	fi
else
	skip ch-plugin-spool-replay "the first run failed"
	skip ch-plugin-figures "the first run failed"
fi

# e. The server killed during a slowed replay (22 s of track.pcap at
# twice its pace), restarted 2 s later: every record arrives once.
"$SMTPSCOPE" -q -r captures/track.pcap --speed 2 -w "$TMP/e.jsonl" \
	--plugin "clickhouse:url=$URL,database=$DB,sensor=e,batch=5,flush=1,spool=$TMP/spool-e" \
	>"$TMP/e.out" 2>"$TMP/e.err" </dev/null &
scope_pid=$!
sleep 4
before=$(curl -s -m 5 "$URL/?query=SELECT%20count()%20FROM%20$DB.sessions%20WHERE%20sensor='e'")
running=no
kill -0 "$scope_pid" 2>/dev/null && running=yes
sh "$CHCTL" kill "$CH"
sleep 2
if ! sh "$CHCTL" restart "$CH" >/dev/null 2>"$TMP/restart.err"; then
	fail ch-plugin-server-killed "the server did not restart: $(first "$TMP/restart.err" 300)"
	exit 0
fi
wait_exit "$scope_pid" 60
scope_pid=
python3 "$TMP/ch.py" plugin-rows e "$TMP/e.jsonl" >"$TMP/e.rows"
if grep -q -E "$SANITIZER" "$TMP/e.err"; then
	fail ch-plugin-server-killed "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$TMP/e.err")"
elif [ "$wrc" != 0 ]; then
	fail ch-plugin-server-killed "exit $wrc: $(first "$TMP/e.err" 300)"
else
	echo "# ch-plugin-server-killed: $before sessions in before the kill, smtpscope running then: $running; stderr: $(first "$TMP/e.err" 200)"
	ch ch-plugin-server-killed same "$URL" "$DB" e "$TMP/e.rows"
fi
