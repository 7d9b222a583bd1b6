#!/bin/sh
# Reports: the text and JSON reports agree with each capture's ground
# truth; the text fits 80 columns; the JSON report's keys are documented;
# -o writes the file; SIGUSR1 writes a report during a live run.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2
for truth in captures/*.truth; do
	name=$(basename "$truth" .truth)
	cap=captures/$name.pcap
	# what the capture needs, as t-truth (ports: --ports any)
	args=$(cat "captures/$name.args" 2>/dev/null)
	# shellcheck disable=SC2086
	run_scope "report-json-$name" -q $args -r "$cap" --report json -o "$TMP/r.json" || continue
	if [ "$rc" != 0 ]; then
		fail "report-json-$name" "exit $rc: $(head -c 300 "$TMP/err")"
		continue
	fi
	bad=
	while read -r key want; do
		got=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$TMP/r.json" "$key" 2>/dev/null)
		[ "$got" = "$want" ] || bad="$bad $key=$got (truth $want)"
	done <"$truth"
	[ -z "$bad" ] && ok "report-json-$name" || fail "report-json-$name" "$bad"

	# shellcheck disable=SC2086
	run_scope "report-text-$name" -q $args -r "$cap" --report text || continue
	sessions=$(awk '$1 == "sessions" { print $2 }' "$truth")
	accepted=$(awk '$1 == "messages_accepted" { print $2 }' "$truth")
	long=$(awk 'length($0) > 80' "$TMP/out" | head -n 1)
	if [ "$rc" = 0 ] && [ -z "$long" ] &&
	    grep -q "^  sessions  *$sessions " "$TMP/out" &&
	    grep -q "^  messages accepted  *$accepted " "$TMP/out"; then
		ok "report-text-$name"
	else
		fail "report-text-$name" "exit $rc; over 80 columns: '$long'; or totals missing"
	fi
done

# Every key of the JSON report is in docs/report-schema.md.
"$SMTPSCOPE" -q -r captures/postfix-swaks.pcap --report json >"$TMP/r.json" 2>/dev/null
missing=$(python3 - "$TMP/r.json" docs/report-schema.md <<'PY'
import json, sys
doc = open(sys.argv[2]).read()
d = json.load(open(sys.argv[1]))
keys = set(d)
for k in ("tls", "auth", "capture", "latency", "message_size", "model",
          "security"):
    if isinstance(d.get(k), dict):
        keys |= set(d[k])
keys -= set(d["reply_codes"]) | set(d["commands"]) | set(d["anomalies"])
keys -= set(d["command_results"])
# each reply code: its count and what it means
for c, v in d["reply_codes"].items():
    if not (isinstance(v, dict) and isinstance(v.get("count"), int) and
            isinstance(v.get("meaning"), str) and v["meaning"]):
        print("reply_codes.%s: %r" % (c, v))
    keys |= set(v) if isinstance(v, dict) else set()
keys -= set(d["tls"].get("versions", {}))
print(" ".join(sorted(k for k in keys if "`%s`" % k not in doc)))
PY
)
[ -z "$missing" ] && ok report-schema || fail report-schema "undocumented: $missing"

# -o to something that is not a regular file is written in place, never
# replaced: as root a rename over /dev/null would replace the device.
run_scope report-devnull -q -r captures/sink-v4.pcap --report json -o /dev/null || true
if [ -c /dev/null ] && [ "$rc" = 0 ] && [ ! -e /dev/null.tmp ]; then
	ok report-devnull
else
	fail report-devnull "exit $rc; /dev/null is $(ls -l /dev/null)"
fi
if mkfifo "$TMP/fifo" 2>/dev/null; then
	(cat "$TMP/fifo" >"$TMP/fifo.out") &
	reader=$!
	run_scope report-fifo -q -r captures/sink-v4.pcap --report json -o "$TMP/fifo" || true
	wait $reader
	if [ "$rc" = 0 ] && [ -p "$TMP/fifo" ] &&
	    grep -q '"sessions": *7' "$TMP/fifo.out"; then
		ok report-fifo
	else
		fail report-fifo "exit $rc; the FIFO was replaced or got no report"
	fi
fi

# Live: SIGUSR1 writes the report without stopping; SIGTERM the last one.
SINK=$(find_tool smtp-sink)
SOURCE=$(find_tool smtp-source)
if [ "$(id -u)" = 0 ] && [ -n "$SINK" ] && [ -n "$SOURCE" ]; then
	# A port of its own: two runs at once on one host (two checkouts,
	# a fresh root sharing the network) must not count each other's
	# mail, as they did on 2626 for both.
	port=${SMTPSCOPE_LIVE_PORT:-$((2626 + $$ % 300))}
	while ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; do
		port=$((port + 1))
	done
	"$SMTPSCOPE" -i lo --ports "$port" -q --no-tui --report json \
	    -o "$TMP/live.json" 2>"$TMP/live.err" &
	pid=$!
	sink=
	trap 'kill $pid $sink 2>/dev/null; rm -rf "$TMP"' EXIT
	sleep 2
	"$SINK" -u nobody 127.0.0.1:"$port" 100 &
	sink=$!
	sleep 0.5
	timeout 30 "$SOURCE" -m 5 -r 2 127.0.0.1:"$port" 2>/dev/null
	sleep 2
	kill -USR1 $pid
	sleep 1
	if [ -f "$TMP/live.json" ] && kill -0 $pid 2>/dev/null &&
	    [ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["messages_accepted"])' "$TMP/live.json")" = 5 ]; then
		ok report-sigusr1
	else
		fail report-sigusr1 "no report after SIGUSR1, or not 5 accepted, or smtpscope stopped"
	fi
	timeout 30 "$SOURCE" -m 3 127.0.0.1:"$port" 2>/dev/null
	sleep 2
	kill -TERM $pid
	wait $pid
	rc=$?
	kill $sink 2>/dev/null
	got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["messages_accepted"])' "$TMP/live.json" 2>/dev/null)
	if [ "$rc" = 0 ] && [ "$got" = 8 ] && ! grep -q 'ERROR\|runtime error' "$TMP/live.err"; then
		ok report-sigterm
	else
		fail report-sigterm "exit $rc, accepted $got (want 8): $(head -c 300 "$TMP/live.err")"
	fi
elif [ "$(id -u)" != 0 ]; then
	skip report-live "not root"
else
	skip report-live "$(tool_why smtp-sink smtp-source)"
fi

# Each refusal counts once among the reasons: a refused DATA is the
# transaction's DATA reply and one of the commands it refused, but one
# reply on the wire (postfix-swaks has one "554 5.5.1 Error: no valid
# recipients", tests/golden/postfix-swaks.transcript).
if command -v python3 >/dev/null 2>&1; then
	wire=$(grep -c '554 5.5.1 Error: no valid recipients' \
	    tests/golden/postfix-swaks.transcript)
	run_scope report-reasons-once -q -r captures/postfix-swaks.pcap \
	    --report json -o "$TMP/reasons.json" &&
		got=$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))["reject_reasons"]["top"]
print(sum(e["count"] for e in r if "no valid recipients" in e["key"]))' \
		    "$TMP/reasons.json" 2>&1)
	if [ "$wire" -ge 1 ] && [ "$got" = "$wire" ]; then
		ok "report-reasons-once ($got)"
	else
		fail report-reasons-once "$got in the report, $wire on the wire"
	fi
fi
