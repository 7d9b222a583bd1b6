#!/bin/sh
# The prometheus plugin (build/plugins/prometheus.so).
# - bad arguments (an address that does not parse, a port out of range, a
#   port another listener holds, an unknown key) give exit status 2 and
#   one line "smtpscope: plugin prometheus: ..." before anything is read;
#   odd argument strings never crash it;
# - during a (slowed) -r replay the endpoint answers: GET and HEAD
#   /metrics 200 with the text format 0.0.4 that promtool accepts, other
#   paths 404, other methods 405; the JSON report then shows the scrapes
#   and scrape_errors counters;
# - live on lo (root, postfix's smtp-sink and smtp-source, curl): after N
#   messages of 2 recipients the scrape says N sessions, N accepted
#   transactions and messages, 2N accepted recipients, with consistent
#   histograms; after more traffic the counters grew and equal the JSON
#   log's summary after SIGTERM; smtpscope exits 0 and frees the port;
# - slow clients (a small Python client sending a header line every half
#   second): one is cut after 5 s (before: never); 40 from one address
#   keep at most 4 connections while /metrics answers another address at
#   once (before: all 32 taken, /metrics unavailable); 40 from 40
#   addresses leave it unavailable for at most about 5 s; the report
#   counts the connections cut (requests_cut).
# Ports: metrics on 9139, SMTP on 2529 (SMTPSCOPE_PROM_PORT and
# SMTPSCOPE_PROM_SMTP_PORT to change them); traffic on loopback only.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

MPORT=${SMTPSCOPE_PROM_PORT:-9139}
SPORT=${SMTPSCOPE_PROM_SMTP_PORT:-2529}
SO=build/plugins/prometheus.so
CAP=captures/sink-v4.pcap
SINK=$(find_tool smtp-sink)
SOURCE=$(find_tool smtp-source)
CURL=$(command -v curl 2>/dev/null)
PROMTOOL=$(find_tool promtool)

if [ ! -f "$SO" ]; then
	skip prometheus "no $SO (make build/plugins/prometheus.so)"
	exit 0
fi

scope_pid=
sink_pid=
holder_pid=
cleanup() {
	for _p in $scope_pid $sink_pid $holder_pid; do
		kill -KILL "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

SANITIZER='ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer'

# wait_free PORT: waits up to 5 s for PORT to be free; false if it is not.
wait_free() {
	_i=0
	while listening "$1" && [ "$_i" -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	! listening "$1"
}

# check_error NAME PHRASE: exit 2, one line on stderr naming PHRASE, and
# the log ($TMP/never.jsonl) not created.
check_error() {
	_lines=$(wc -l <"$TMP/err")
	if [ "$rc" != 2 ]; then
		fail "$1" "exit $rc, want 2: $(head -c 300 "$TMP/err")"
	elif [ "$_lines" != 1 ]; then
		fail "$1" "stderr has $_lines lines, want 1: $(head -c 300 "$TMP/err")"
	elif ! grep -q -E "^smtpscope: plugin prometheus: .*$2" "$TMP/err"; then
		fail "$1" "message does not say /$2/: $(head -c 300 "$TMP/err")"
	elif [ -e "$TMP/never.jsonl" ]; then
		fail "$1" "the log was created"
	else
		ok "$1"
	fi
	rm -f "$TMP/never.jsonl"
}

# metric FILE SERIES: the value of one series ('name' or 'name{labels}').
metric() {
	awk -v s="$2" '$1 == s { print $2; n++ } END { if (!n) print "none" }' "$1"
}

# metric_sum FILE NAME: the sum over every label set of NAME.
metric_sum() {
	awk -v s="$2" '/^#/ { next } { k = $1; sub(/\{.*/, "", k) }
	    k == s { t += $2; n++ } END { print n ? t : "none" }' "$1"
}

# histograms_ok FILE: prints what is wrong with the histograms (bucket
# counts decreasing, +Inf bucket not _count, a series without +Inf).
histograms_ok() {
	awk '
	/^#/ { next }
	$1 ~ /_bucket[{]/ {
		k = $1; sub(/_bucket[{]/, "{", k); sub(/,?le="[^"]*"/, "", k)
		sub(/[{][}]$/, "", k)
		if (k in last && $2 + 0 < last[k] + 0)
			bad = bad "; " k " buckets decrease"
		last[k] = $2
		if ($1 ~ /le="\+Inf"/) inf[k] = $2
		next
	}
	$1 ~ /_count([{]|$)/ { k = $1; sub(/_count/, "", k); cnt[k] = $2 }
	END {
		for (k in last) {
			if (!(k in inf)) bad = bad "; " k " has no +Inf bucket"
			else if (!(k in cnt)) bad = bad "; " k " has no _count"
			else if (inf[k] != cnt[k])
				bad = bad "; " k " +Inf " inf[k] " != _count " cnt[k]
			nh++
		}
		if (!nh) bad = "; no histogram"
		print substr(bad, 3)
	}' "$1"
}

# promtool_ok NAME FILE: promtool check metrics (lint included) accepts it.
promtool_ok() {
	if [ -z "$PROMTOOL" ]; then
		skip "$1" "$(tool_why promtool)"
		return
	fi
	if "$PROMTOOL" check metrics <"$2" >"$TMP/promtool.out" 2>&1 &&
		! grep -q . "$TMP/promtool.out"; then
		ok "$1"
	else
		fail "$1" "promtool check metrics: $(head -c 400 "$TMP/promtool.out")"
	fi
}

# scrape FILE [CURL ARGS...]: GET /metrics, body in FILE, headers in
# FILE.h, status in $code.
scrape() {
	_f=$1
	shift
	code=$("$CURL" -s -m 10 -D "$_f.h" -o "$_f" -w '%{http_code}' "$@" \
		"http://127.0.0.1:$MPORT/metrics")
}

# ---- refusals: one sentence, exit 2, nothing read ------------------------
if ! wait_free "$MPORT"; then
	skip prometheus "something already listens on port $MPORT"
	exit 0
fi
run_scope prom-listen-nonsense -q -r "$CAP" -w "$TMP/never.jsonl" \
	--plugin prometheus:listen=nonsense &&
	check_error prom-listen-nonsense 'listen=nonsense is not ADDR:PORT'
run_scope prom-listen-bad-port -q -r "$CAP" -w "$TMP/never.jsonl" \
	--plugin prometheus:listen=127.0.0.1:99999 &&
	check_error prom-listen-bad-port 'listen=127.0.0.1:99999 is not ADDR:PORT'
run_scope prom-unknown-arg -q -r "$CAP" -w "$TMP/never.jsonl" \
	--plugin prometheus:port=9139 &&
	check_error prom-unknown-arg 'unknown argument "port=9139"'
run_scope prom-listen-twice -q -r "$CAP" -w "$TMP/never.jsonl" \
	--plugin "prometheus:listen=127.0.0.1:$MPORT,listen=127.0.0.1:$MPORT" &&
	check_error prom-listen-twice 'listen is given twice'
# Before the capture: with an interface that does not exist, exit 2
# (the plugin) and not 3 (the interface).
run_scope prom-before-capture -i nosuchif0 -w "$TMP/never.jsonl" \
	--plugin prometheus:listen=bad &&
	check_error prom-before-capture 'listen=bad is not ADDR:PORT'

# The port held by another listener.
if command -v python3 >/dev/null 2>&1; then
	python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
print("up", flush=True)
time.sleep(60)
' "$MPORT" >"$TMP/holder.out" 2>&1 &
	holder_pid=$!
	i=0
	while ! grep -q up "$TMP/holder.out" && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if ! grep -q up "$TMP/holder.out"; then
		skip prom-port-in-use "cannot hold the port: $(tail -n 1 "$TMP/holder.out")"
	elif run_scope prom-port-in-use -q -r "$CAP" -w "$TMP/never.jsonl" \
		--plugin "prometheus:listen=127.0.0.1:$MPORT"; then
		check_error prom-port-in-use "cannot listen on 127.0.0.1:$MPORT: Address already in use"
	fi
	kill "$holder_pid" 2>/dev/null
	wait "$holder_pid" 2>/dev/null
	holder_pid=
	wait_free "$MPORT" || fail prom-port-in-use "port $MPORT still held"
else
	skip prom-port-in-use "no python3 to hold the port"
fi

# Odd argument strings: refused or accepted, never a crash.
bad=
for a in ",listen=127.0.0.1:$MPORT," ",,,listen=127.0.0.1:$MPORT,,," '=' 'listen' 'listen=' 'listen=:' 'listen=[' \
	'listen=[]:1' 'listen=[::1]' 'listen=[::1]:' 'listen=[::1]:0' \
	'listen=1.2.3.4:' 'listen=:80' 'listen=1.2.3.4:+80' \
	'listen=1.2.3.4:-1' 'listen=1.2.3.4:0x50' 'listen=1.2.3.4:80 ' \
	'listen=%s%n%s' "listen=$(printf 'a\033[2Jb')" \
	"$(printf 'x%.0s' $(seq 1 300))" \
	"listen=$(printf '9%.0s' $(seq 1 300))" "listen=[::1]:$MPORT," \
	"listen=$(printf '[%.0s' $(seq 1 200))"; do
	"$SMTPSCOPE" -q -r "$CAP" -w "$TMP/odd.jsonl" \
		--plugin "prometheus:$a" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	case $rc in
	0 | 2) ;;
	*) bad="$bad; [$a] exit $rc" ;;
	esac
	if grep -q -E "$SANITIZER" "$TMP/err"; then
		bad="$bad; [$a] sanitizer report"
	fi
	if [ "$rc" = 2 ] && { [ "$(wc -l <"$TMP/err")" != 1 ] ||
		! grep -q '^smtpscope: plugin prometheus: ' "$TMP/err"; }; then
		bad="$bad; [$a] not one line: $(head -c 200 "$TMP/err")"
	fi
	rm -f "$TMP/odd.jsonl"
done
if [ -z "$bad" ]; then
	ok prom-odd-arguments
else
	fail prom-odd-arguments "${bad#; }"
fi
wait_free "$MPORT" || fail prom-odd-arguments "port $MPORT held after the runs"

# A -r run serves too; the JSON report shows its counters.
if run_scope prom-replay-report -q -r "$CAP" -w "$TMP/r.jsonl" \
	--plugin "prometheus:listen=127.0.0.1:$MPORT" --report json; then
	if [ "$rc" = 0 ] && [ ! -s "$TMP/err" ] && python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))["plugins"]["prometheus"]
sys.exit(p != {"scrapes": 0, "scrape_errors": 0, "requests_cut": 0})' "$TMP/out" 2>/dev/null; then
		ok prom-replay-report
	else
		fail prom-replay-report "exit $rc: $(head -c 300 "$TMP/err") $(grep -o '"plugins":{[^}]*}*' "$TMP/out" | head -c 200)"
	fi
fi

# IPv6 in brackets, where the host has ::1.
if [ -f /proc/net/if_inet6 ] && grep -q '^0*1 ' /proc/net/if_inet6; then
	if run_scope prom-listen-ipv6 -q -r "$CAP" -w "$TMP/r6.jsonl" \
		--plugin "prometheus:listen=[::1]:$MPORT"; then
		if [ "$rc" = 0 ] && [ ! -s "$TMP/err" ]; then
			ok prom-listen-ipv6
		else
			fail prom-listen-ipv6 "exit $rc: $(head -c 300 "$TMP/err")"
		fi
	fi
else
	skip prom-listen-ipv6 "no ::1 on this host"
fi

# ---- textfile=: message tracking's figures, written at the end ---------------
# The recipients by fate, the messages and DSNs, the bounces linked equal
# the JSON log's summary of the same run (captures/track.pcap: three
# MTAs, drops, bounces); promtool accepts the file; no HTTP server is
# started; a folder that is not there is refused before anything is read.
if run_scope prom-textfile -q -r captures/track.pcap -w "$TMP/t.jsonl" \
	--plugin "prometheus:textfile=$TMP/t.prom"; then
	if why=$(python3 - "$TMP/t.jsonl" "$TMP/t.prom" <<'PY'
import json, re, sys
summ = [json.loads(l) for l in open(sys.argv[1]) if '"type":"summary"' in l][-1]
t = summ["tracking"]
prom = {}
for ln in open(sys.argv[2]):
    m = re.match(r'^(smtpscope_[a-z_]+)(\{fate="([a-z]+)"\})? (\S+)$', ln)
    if m:
        prom[(m.group(1), m.group(3))] = float(m.group(4))
bad = []
for fate, n in t["recipients"].items():
    if prom.get(("smtpscope_recipient_fates_total", fate)) != n:
        bad.append("fate %s: %s, log %s" % (fate, prom.get(("smtpscope_recipient_fates_total", fate)), n))
for key, name in (("messages", "smtpscope_tracked_messages_total"),
                  ("dsn", "smtpscope_tracked_dsn_total"),
                  ("bounces_linked", "smtpscope_bounces_linked_total"),
                  ("bounce_missing", "smtpscope_bounce_missing_total")):
    if prom.get((name, None)) != t[key]:
        bad.append("%s %s, log %s" % (name, prom.get((name, None)), t[key]))
if t["recipients"]["dropped"] == 0 or t["bounces_linked"] == 0:
    bad.append("no drop or bounce in the capture: nothing shown")
if bad:
    print("; ".join(bad)); sys.exit(1)
PY
	); then
		if [ -n "$PROMTOOL" ] && ! "$PROMTOOL" check metrics <"$TMP/t.prom" >"$TMP/pt.out" 2>&1; then
			fail prom-textfile "promtool: $(head -c 300 "$TMP/pt.out")"
		elif grep -q "serving http" "$TMP/err"; then
			fail prom-textfile "an HTTP server was started"
		else
			ok prom-textfile
		fi
	else
		fail prom-textfile "$why"
	fi
fi
# ---- every plugin's counters (ABI revision 7) --------------------------------
# A plugin loaded after it (eml, which counts the messages it wrote): its
# counters in the file equal the JSON report's "plugins" of the same run,
# and prometheus's own are there too.
mkdir -p "$TMP/eml"
if run_scope prom-plugin-counters -q -r captures/track.pcap \
	--report json -o "$TMP/pc.json" \
	--plugin "prometheus:textfile=$TMP/pc.prom" \
	--plugin "eml:dir=$TMP/eml"; then
	if why=$(python3 - "$TMP/pc.json" "$TMP/pc.prom" <<'PY'
import json, re, sys
want = json.load(open(sys.argv[1]))["plugins"]
got = {}
for ln in open(sys.argv[2]):
    m = re.match(r'^smtpscope_plugin_value\{plugin="([a-z0-9_-]+)",name="([a-z0-9_]+)"\} (\d+)$', ln)
    if m:
        got.setdefault(m.group(1), {})[m.group(2)] = int(m.group(3))
bad = []
if got != want:
    bad.append("the file has %s, the report %s" % (got, want))
if want.get("eml", {}).get("written", 0) == 0:
    bad.append("eml wrote nothing: nothing shown")
print("; ".join(bad))
PY
	) && [ -z "$why" ]; then
		# promtool's lint included: no word of it.
		if [ -n "$PROMTOOL" ] && { ! "$PROMTOOL" check metrics <"$TMP/pc.prom" >"$TMP/pt.out" 2>&1 ||
			grep -q . "$TMP/pt.out"; }; then
			fail prom-plugin-counters "promtool: $(head -c 300 "$TMP/pt.out")"
		else
			ok prom-plugin-counters
		fi
	else
		fail prom-plugin-counters "$why"
	fi
fi
run_scope prom-textfile-bad -q -r "$CAP" -w "$TMP/never.jsonl" \
	--plugin "prometheus:textfile=$TMP/nosuchdir/x.prom"
if [ "$rc" = 2 ] && grep -q "plugin prometheus: textfile=.*cannot write in" "$TMP/err" &&
	[ ! -s "$TMP/never.jsonl" ]; then
	ok prom-textfile-bad
else
	fail prom-textfile-bad "exit $rc: $(head -c 200 "$TMP/err")"
fi

# ---- scraping during a slowed replay ----------------------------------------
if [ -z "$CURL" ]; then
	skip prom-http "no curl"
else
	wait_free "$MPORT"
	"$SMTPSCOPE" -q -r "$CAP" --speed 0.00001 -w "$TMP/slow.jsonl" \
		--report json -o "$TMP/slow.json" \
		--plugin "prometheus:listen=127.0.0.1:$MPORT" \
		>"$TMP/slow.out" 2>"$TMP/slow.err" </dev/null &
	scope_pid=$!
	i=0
	while ! listening "$MPORT" && kill -0 "$scope_pid" 2>/dev/null &&
		[ "$i" -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	# Until the replay runs (its health reached tick()): smtpscope
	# takes SIGTERM as a request to stop only from then on.
	i=0
	while [ "$i" -lt 100 ]; do
		scrape "$TMP/m0"
		p=$(metric "$TMP/m0" smtpscope_capture_packets_total)
		[ "$code" = 200 ] && [ "$p" != none ] && [ "$p" -gt 0 ] && break
		sleep 0.1
		i=$((i + 1))
	done
	c_get=$code
	scrape "$TMP/m0head" -I
	c_head=$code
	c_404=$("$CURL" -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/")
	c_404b=$("$CURL" -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/metrics/x")
	c_405=$("$CURL" -s -m 10 -o /dev/null -w '%{http_code}' -X POST -d a=b "http://127.0.0.1:$MPORT/metrics")
	kill -TERM "$scope_pid" 2>/dev/null
	wait_exit "$scope_pid" 30
	scope_pid=
	ctype=$(tr -d '\r' <"$TMP/m0.h" | sed -n 's/^[Cc]ontent-[Tt]ype: *//p')
	if [ "$c_get" != 200 ] || [ "$c_head" != 200 ] || [ "$c_404" != 404 ] ||
		[ "$c_404b" != 404 ] || [ "$c_405" != 405 ]; then
		fail prom-http "GET $c_get HEAD $c_head / $c_404 /metrics/x $c_404b POST $c_405, want 200 200 404 404 405"
	elif [ "$ctype" != "text/plain; version=0.0.4" ]; then
		fail prom-http "Content-Type \"$ctype\""
	elif ! grep -q '^# TYPE smtpscope_sessions_opened_total counter$' "$TMP/m0"; then
		fail prom-http "no smtpscope_sessions_opened_total: $(head -c 200 "$TMP/m0")"
	else
		ok prom-http
	fi
	promtool_ok prom-http-promtool "$TMP/m0"
	if grep -q -E "$SANITIZER" "$TMP/slow.err"; then
		fail prom-http-exit "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$TMP/slow.err")"
	elif [ "$wrc" != 0 ] || [ -s "$TMP/slow.err" ]; then
		fail prom-http-exit "exit $wrc after SIGTERM: $(head -c 300 "$TMP/slow.err")"
	elif ! python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))["plugins"]["prometheus"]
sys.exit(p["scrapes"] < 2 or p["scrape_errors"] != 3)' "$TMP/slow.json" 2>/dev/null; then
		fail prom-http-exit "report counters: $(grep -o '"prometheus":{[^}]*}' "$TMP/slow.json"), want scrapes >= 2, scrape_errors 3"
	elif ! wait_free "$MPORT"; then
		fail prom-http-exit "port $MPORT still held after exit"
	else
		ok prom-http-exit
	fi
fi

# ---- slow clients ----------------------------------------------------------
# A client that sends its request's header lines one every half second
# (each resets libmicrohttpd's 10 s timeout of silence) is cut once its
# request has taken 5 s; 40 of them from one address hold at most 4
# connections while /metrics answers another address at once; 40 of
# them from 40 addresses (more than the 32 connections) leave /metrics
# unavailable for no more than those 5 s. The JSON report counts the
# connections cut.
cat >"$TMP/slow.py" <<'PY'
import select, socket, sys, time

mode, port = sys.argv[1], int(sys.argv[2])


def open_slow(src):
    s = socket.socket()
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    return s


def alive(s):
    """False once the server closed the connection."""
    try:
        r, _, _ = select.select([s], [], [], 0)
        return not r or s.recv(4096) != b""
    except OSError:
        return False


def drip(s):
    try:
        s.sendall(b"X-Slow: 1\r\n")
        return True
    except OSError:
        return False


if mode == "one":
    # Seconds until the server cut the connection, or "never" (15 s).
    s = open_slow("127.0.0.1")
    t0 = time.monotonic()
    while time.monotonic() - t0 < 15:
        time.sleep(0.5)
        if not drip(s) or not alive(s):
            print("%.1f" % (time.monotonic() - t0))
            sys.exit(0)
    print("never")
else:
    # hold SRC N SECONDS FLAG: N slow clients from SRC (SRC ending in
    # "." : from SRC1, SRC2 ...); FLAG gets how many the server kept
    # after a moment; they drip for SECONDS, never reconnecting.
    src, n, secs, flag = sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
    socks = []
    for i in range(n):
        try:
            socks.append(open_slow(src + str(i + 1) if src.endswith(".") else src))
        except OSError:
            pass
    time.sleep(0.5)
    for s in socks:
        drip(s)
    time.sleep(0.3)
    open(flag, "w").write("%d %d\n" % (len(socks), sum(1 for s in socks if alive(s))))
    t0 = time.monotonic()
    while time.monotonic() - t0 < secs:
        time.sleep(0.5)
        for s in socks:
            drip(s)
PY
# Seconds since T0 (date +%s.%N), to the millisecond: awk, which every
# Debian has (bc is not installed on a fresh one).
since() {
	awk -v t0="$1" -v t1="$(date +%s.%N)" 'BEGIN { printf "%.3f", t1 - t0 }'
}
if [ -z "$CURL" ] || ! command -v python3 >/dev/null 2>&1; then
	for n in prom-slow-cut prom-slow-per-address prom-slow-many-addresses prom-slow-report; do
		skip "$n" "no curl or python3"
	done
elif ! python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.2", 0)); s.close(); s = socket.socket(); s.bind(("127.0.1.40", 0))' 2>/dev/null; then
	for n in prom-slow-cut prom-slow-per-address prom-slow-many-addresses prom-slow-report; do
		skip "$n" "cannot use 127.0.0.2 and 127.0.1.x as source addresses"
	done
else
	wait_free "$MPORT"
	"$SMTPSCOPE" -q -r "$CAP" --speed 0.00001 -w "$TMP/slowc.jsonl" \
		--report json -o "$TMP/slowc.json" \
		--plugin "prometheus:listen=127.0.0.1:$MPORT" \
		>"$TMP/slowc.out" 2>"$TMP/slowc.err" </dev/null &
	scope_pid=$!
	i=0
	while ! listening "$MPORT" && kill -0 "$scope_pid" 2>/dev/null &&
		[ "$i" -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	i=0
	while [ "$i" -lt 100 ]; do
		scrape "$TMP/s0"
		p=$(metric "$TMP/s0" smtpscope_capture_packets_total)
		[ "$code" = 200 ] && [ "$p" != none ] && [ "$p" -gt 0 ] && break
		sleep 0.1
		i=$((i + 1))
	done

	took=$(python3 "$TMP/slow.py" one "$MPORT")
	case $took in
	never) fail prom-slow-cut "a client sending a header line every 0.5 s was never cut (15 s)" ;;
	*)
		if awk "BEGIN { exit !($took >= 4 && $took <= 8) }"; then
			ok prom-slow-cut
			echo "# prom-slow-cut: cut after $took s"
		else
			fail prom-slow-cut "cut after $took s, want about 5"
		fi
		;;
	esac

	# 40 from 127.0.0.2; scrapes from 127.0.0.1 meanwhile.
	rm -f "$TMP/held"
	python3 "$TMP/slow.py" hold "$MPORT" 127.0.0.2 40 8 "$TMP/held" &
	holder_pid=$!
	i=0
	while [ ! -s "$TMP/held" ] && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	codes=
	for k in 1 2 3; do
		t0=$(date +%s.%N)
		code=$("$CURL" -s -m 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/metrics")
		codes="$codes $code($(since "$t0")s)"
		sleep 0.3
	done
	held=$(cat "$TMP/held" 2>/dev/null)
	if [ -z "$held" ]; then
		fail prom-slow-per-address "the slow clients did not connect"
	elif [ "${held#* }" -gt 4 ]; then
		fail prom-slow-per-address "$held (connected, kept): more than 4 from one address"
	elif [ "$(echo "$codes" | grep -o '200(' | wc -l)" != 3 ]; then
		fail prom-slow-per-address "scrapes:$codes while 40 slow clients ($held) held 127.0.0.2"
	else
		ok prom-slow-per-address
		echo "# prom-slow-per-address: 40 slow clients from 127.0.0.2, connected and kept: $held; scrapes:$codes"
	fi
	wait "$holder_pid" 2>/dev/null
	holder_pid=

	# 40 from 40 addresses: /metrics back within the 5 s (and a margin).
	rm -f "$TMP/held"
	python3 "$TMP/slow.py" hold "$MPORT" 127.0.1. 40 12 "$TMP/held" &
	holder_pid=$!
	i=0
	while [ ! -s "$TMP/held" ] && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	t0=$(date +%s.%N)
	code=000
	while [ "$code" != 200 ] &&
		awk "BEGIN { exit !($(since "$t0") < 12) }"; do
		code=$("$CURL" -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/metrics")
	done
	waited=$(since "$t0")
	if [ "$code" = 200 ] && awk "BEGIN { exit !($waited <= 7.5) }"; then
		ok prom-slow-many-addresses
		echo "# prom-slow-many-addresses: 40 slow clients from 40 addresses; /metrics answered after $waited s"
	else
		fail prom-slow-many-addresses "HTTP $code after $waited s with 40 slow clients from 40 addresses"
	fi
	wait "$holder_pid" 2>/dev/null
	holder_pid=

	kill -TERM "$scope_pid" 2>/dev/null
	wait_exit "$scope_pid" 30
	scope_pid=
	cut=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["plugins"]["prometheus"]["requests_cut"])' "$TMP/slowc.json" 2>/dev/null)
	if grep -q -E "$SANITIZER" "$TMP/slowc.err"; then
		fail prom-slow-report "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$TMP/slowc.err")"
	elif [ "$wrc" != 0 ] || [ -s "$TMP/slowc.err" ]; then
		fail prom-slow-report "exit $wrc after SIGTERM: $(head -c 300 "$TMP/slowc.err")"
	elif [ -z "$cut" ] || [ "$cut" -lt 37 ]; then
		fail prom-slow-report "requests_cut ${cut:-absent}, want at least 1 + 4 + 32"
	else
		ok prom-slow-report
		echo "# prom-slow-report: requests_cut $cut"
	fi
	wait_free "$MPORT" || fail prom-slow-report "port $MPORT still held after exit"
fi

# ---- live on lo ----------------------------------------------------------------
why=
if [ "$(id -u)" != 0 ]; then
	why="not root"
elif [ -z "$SINK" ] || [ -z "$SOURCE" ]; then
	why=$(tool_why smtp-sink smtp-source)
elif [ -z "$CURL" ]; then
	why="no curl"
elif ! id nobody >/dev/null 2>&1; then
	why="no user nobody for smtp-sink -u"
elif ! wait_free "$SPORT"; then
	why="something already listens on port $SPORT"
elif ! wait_free "$MPORT"; then
	why="something already listens on port $MPORT"
fi
if [ -n "$why" ]; then
	skip prom-live "$why"
	skip prom-live-grow "$why"
	skip prom-live-exit "$why"
	exit 0
fi

N=20
M=5
LOG=$TMP/live.jsonl
"$SMTPSCOPE" -i lo --ports "$SPORT" -q -w "$LOG" \
	--plugin "prometheus:listen=127.0.0.1:$MPORT" \
	>"$TMP/live.out" 2>"$TMP/live.err" </dev/null &
scope_pid=$!
wait_capturing "$scope_pid"
if ! kill -0 "$scope_pid" 2>/dev/null; then
	wait "$scope_pid"
	fail prom-live "smtpscope ended before traffic, exit $?: $(head -c 300 "$TMP/live.err")"
	scope_pid=
	exit 0
fi
"$SINK" -u nobody -c "127.0.0.1:$SPORT" 1000 >"$TMP/sink.out" 2>&1 </dev/null &
sink_pid=$!
i=0
while ! listening "$SPORT" && [ "$i" -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done

# send COUNT: COUNT messages of 2 recipients, one session each.
send() {
	timeout 120 "$SOURCE" -m "$1" -s 2 -r 2 -l 2000 "127.0.0.1:$SPORT" \
		>"$TMP/source.out" 2>&1 </dev/null
}

# scrape_until FILE SESSIONS: scrapes until SESSIONS sessions are over
# and the capture's health (given to tick() once a second) has them too
# (at most 10 s).
scrape_until() {
	_i=0
	while [ "$_i" -lt 20 ]; do
		scrape "$1"
		[ "$code" = 200 ] &&
			[ "$(metric_sum "$1" smtpscope_sessions_closed_total)" = "$2" ] &&
			[ "$(metric "$1" smtpscope_capture_sessions_total)" = "$2" ] &&
			return 0
		sleep 0.5
		_i=$((_i + 1))
	done
	return 1
}

# figures FILE: the figures checked, as one line.
figures() {
	echo "sessions opened $(metric "$1" smtpscope_sessions_opened_total)," \
		"closed $(metric_sum "$1" smtpscope_sessions_closed_total)," \
		"accepted transactions $(metric "$1" 'smtpscope_transactions_total{outcome="accepted"}')," \
		"all transactions $(metric_sum "$1" smtpscope_transactions_total)," \
		"messages accepted $(metric "$1" smtpscope_messages_accepted_total)," \
		"recipients accepted $(metric "$1" smtpscope_recipients_accepted_total)," \
		"recipients $(metric "$1" smtpscope_recipients_total)"
}

# want_figures N: the line figures() gives after N messages.
want_figures() {
	echo "sessions opened $1, closed $1, accepted transactions $1," \
		"all transactions $1, messages accepted $1," \
		"recipients accepted $(($1 * 2)), recipients $(($1 * 2))"
}

if ! send "$N"; then
	fail prom-live "smtp-source failed: $(head -c 300 "$TMP/source.out")"
elif ! scrape_until "$TMP/m1" "$N"; then
	fail prom-live "HTTP $code; $(figures "$TMP/m1"); $(want_figures "$N")"
else
	got=$(figures "$TMP/m1")
	want=$(want_figures "$N")
	hist=$(histograms_ok "$TMP/m1")
	mail_n=$(metric "$TMP/m1" 'smtpscope_reply_latency_seconds_count{phase="mail"}')
	eod_n=$(metric "$TMP/m1" 'smtpscope_reply_latency_seconds_count{phase="end_of_data"}')
	size_n=$(metric "$TMP/m1" smtpscope_message_size_bytes_count)
	code250=$(metric "$TMP/m1" 'smtpscope_replies_total{code="250"}')
	if [ "$got" != "$want" ]; then
		fail prom-live "$got; $want"
	elif [ -n "$hist" ]; then
		fail prom-live "histograms: $hist"
	elif [ "$mail_n" != "$N" ] || [ "$eod_n" != "$N" ] || [ "$size_n" != "$N" ]; then
		fail prom-live "histogram counts: mail $mail_n, end_of_data $eod_n, size $size_n; want $N"
	elif [ "$code250" = none ] || [ "$code250" -lt $((N * 4)) ]; then
		fail prom-live "replies code 250: $code250, want >= $((N * 4))"
	else
		ok prom-live
	fi
	promtool_ok prom-live-promtool "$TMP/m1"
fi

# More traffic: the counters grew.
if ! send "$M"; then
	fail prom-live-grow "smtp-source failed: $(head -c 300 "$TMP/source.out")"
elif ! scrape_until "$TMP/m2" $((N + M)); then
	fail prom-live-grow "HTTP $code; $(figures "$TMP/m2"); $(want_figures $((N + M)))"
else
	got=$(figures "$TMP/m2")
	want=$(want_figures $((N + M)))
	p1=$(metric "$TMP/m1" smtpscope_capture_packets_total)
	p2=$(metric "$TMP/m2" smtpscope_capture_packets_total)
	if [ "$got" != "$want" ]; then
		fail prom-live-grow "$got; $want"
	elif [ "$p1" = none ] || [ "$p2" = none ] || [ "$p2" -le "$p1" ]; then
		fail prom-live-grow "capture packets $p1 then $p2"
	elif [ -n "$(histograms_ok "$TMP/m2")" ]; then
		fail prom-live-grow "histograms: $(histograms_ok "$TMP/m2")"
	else
		ok prom-live-grow
	fi
fi

stop_scope TERM
if grep -q -E "$SANITIZER" "$TMP/live.err"; then
	fail prom-live-exit "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$TMP/live.err")"
elif [ "$rc" != 0 ]; then
	fail prom-live-exit "exit $rc after SIGTERM, want 0: $(head -c 300 "$TMP/live.err")"
elif [ -s "$TMP/live.err" ]; then
	fail prom-live-exit "stderr with -q: $(head -c 300 "$TMP/live.err")"
elif ! wait_free "$MPORT"; then
	fail prom-live-exit "port $MPORT still held after exit"
else
	sessions=$(summary_get sessions "$LOG")
	transactions=$(summary_get transactions "$LOG")
	accepted=$(summary_get messages_accepted "$LOG")
	rcpts=$(summary_get recipients_accepted "$LOG")
	s_got="sessions $sessions, transactions $transactions, accepted $accepted, recipients accepted $rcpts"
	m_got="sessions $(metric "$TMP/m2" smtpscope_sessions_opened_total), transactions $(metric_sum "$TMP/m2" smtpscope_transactions_total), accepted $(metric "$TMP/m2" smtpscope_messages_accepted_total), recipients accepted $(metric "$TMP/m2" smtpscope_recipients_accepted_total)"
	if [ "$s_got" != "$m_got" ]; then
		fail prom-live-exit "JSON summary: $s_got; last scrape: $m_got"
	else
		ok prom-live-exit
	fi
fi
