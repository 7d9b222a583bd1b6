#!/bin/sh
# Alerts (issue 16): thresholds over windows of capture time, raised once
# and cleared once, as "alert" records in the JSON log and in every
# report. scripted-authguess.pcap (captures/README.md) has six AUTH
# failures from 127.0.0.21 within two seconds, one from 127.0.0.23, a
# greeting a second late, then a pause of three seconds; sink-reject.pcap
# has twelve transactions: rejected, rejected, tempfail x4, lost,
# rejected, rejected, tempfail, accepted, accepted. Each check names the
# exact records it wants, and a threshold raised past what the capture
# reaches must make its alert disappear.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2
if ! command -v python3 >/dev/null 2>&1; then
	skip alerts "python3 not installed"
	exit 0
fi
AG=captures/scripted-authguess.pcap
SR=captures/sink-reject.pcap
WIN=auth_window=2,window=2,greeting_latency=0.5,latency_min=2

# alerts NAME CAPTURE WANT [OPTIONS...]: the log's alert records, in
# order, as "alert state subject value samples id" lines (value with
# four decimals), must be WANT (lines separated by ";", "" none).
alerts() {
	_n=$1 _cap=$2 _want=$3
	shift 3
	run_scope "alerts-$_n" -q -r "$_cap" -w "$TMP/$_n.jsonl" "$@" ||
	    return
	if [ "$rc" != 0 ]; then
		fail "alerts-$_n" "exit status $rc: $(head -c 300 "$TMP/err")"
		return
	fi
	pycheck "alerts-$_n" "$TMP/$_n.jsonl" "$_want" <<'PY'
import json, sys
got = []
by = {}
summary = None
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if r["type"] == "summary":
        summary = r
    if r["type"] != "alert":
        continue
    k = by.setdefault(r["alert"], {"raised": 0, "cleared": 0, "active": 0})
    k[r["state"]] += 1
    k["active"] += 1 if r["state"] == "raised" else -1
    keys = ["type", "id", "ts", "alert", "state", "subject", "value",
            "threshold", "latency_limit", "samples", "window"]
    if list(r) != keys:
        print("keys %s" % list(r))
        sys.exit(1)
    got.append("%s %s %s %.4f %d %d" % (r["alert"], r["state"],
               r["subject"] or "-", r["value"], r["samples"], r["id"]))
want = [w.strip() for w in sys.argv[2].split(";") if w.strip()]
if got != want:
    print("got %s, want %s" % (got, want))
    sys.exit(1)
# The summary counts the same alerts, by kind.
zero = {"raised": 0, "cleared": 0, "active": 0}
sa = summary["alerts"] if summary else None
if sa is None or set(by) - set(sa) or any(
        sa[k] != by.get(k, zero) for k in sa):
    print("summary alerts %s, records %s" % (sa, by))
    sys.exit(1)
PY
}

# AUTH failures, counted as each session ends: the default threshold (5
# in 10 min) is crossed when 127.0.0.21's third session ends (2 + 2 + 2
# failures); 127.0.0.23's one raises nothing; the window of 600 s never
# empties, so it stays raised.
alerts auth-default "$AG" "auth_failures raised 127.0.0.21 6.0000 6 1"
alerts auth-6 "$AG" "auth_failures raised 127.0.0.21 6.0000 6 1" \
    --alert auth_failures=6
alerts auth-7 "$AG" "" --alert auth_failures=7
alerts auth-off "$AG" "" --alert auth_failures=0
# scripted-codes: five AUTH failures (538, 534, 504, 432, 454) in one
# session, then a success.
alerts auth-codes captures/scripted-codes.pcap \
    "auth_failures raised 127.0.0.21 5.0000 5 1"

# Short windows: the slow greeting is half of the server's first two
# (more than 10% over 0.5 s); both alerts clear when the pause has
# emptied their windows, noticed when the next session ends.
alerts windows "$AG" "greeting_latency raised 127.0.0.22 0.5000 2 1;
    auth_failures raised 127.0.0.21 6.0000 6 2;
    auth_failures cleared 127.0.0.21 0.0000 0 2;
    greeting_latency cleared 127.0.0.22 0.0000 0 1" --alert "$WIN"
# A limit over the slow greeting (1 s), and too few replies to judge.
alerts greeting-2s "$AG" "auth_failures raised 127.0.0.21 6.0000 6 1;
    auth_failures cleared 127.0.0.21 0.0000 0 1" \
    --alert "$WIN,greeting_latency=2"
alerts greeting-min "$AG" "auth_failures raised 127.0.0.21 6.0000 6 1;
    auth_failures cleared 127.0.0.21 0.0000 0 1" \
    --alert "$WIN,latency_min=6"
# The default greeting limit (5 s) sees nothing slow.
alerts greeting-default "$AG" "auth_failures raised 127.0.0.21 6.0000 6 1" \
    --alert latency_min=2

# Rates over sink-reject's twelve transactions, judged from the fifth:
# tempfail peaks at 4 of 6 and falls to 4 of 8 (under 80% of 66%:
# cleared), rejected reaches 4 of 9 and falls to 4 of 12 (under 80% of
# 44%), lost is 1 of 7 (and 1 of 12, 8.3%, stays over 80% of 10%: not
# cleared).
alerts rates "$SR" "tempfail_rate raised - 0.6667 6 1;
    lost_rate raised - 0.1429 7 2;
    tempfail_rate cleared - 0.5000 8 1;
    reject_rate raised - 0.4444 9 3;
    reject_rate cleared - 0.3333 12 3" \
    --alert rate_min=5,reject_rate=44,tempfail_rate=66
alerts rates-higher "$SR" "lost_rate raised - 0.1429 7 1;
    reject_rate raised - 0.4444 9 2;
    reject_rate cleared - 0.3333 12 2" \
    --alert rate_min=5,reject_rate=44,tempfail_rate=67
alerts rates-min "$SR" "" --alert rate_min=13,reject_rate=1,tempfail_rate=1
alerts rates-default "$SR" ""
# --alert twice: the last value of a name counts.
alerts rates-twice "$SR" "lost_rate raised - 0.1429 7 1" \
    --alert rate_min=5,tempfail_rate=66 --alert tempfail_rate=0

# --no-alerts: no record, the JSON report's alerts null, no section.
alerts none "$AG" "" --no-alerts --alert "$WIN"
run_scope alerts-none-reports -q -r "$AG" --no-alerts \
    --report json -o "$TMP/none.json" --report text -o "$TMP/none.txt"
if [ "$rc" = 0 ] && grep -q '"alerts":null' "$TMP/none.json" &&
    ! grep -q '^Alerts$' "$TMP/none.txt"; then
	ok alerts-none-reports
else
	fail alerts-none-reports "exit $rc, or alerts in a report"
fi

# The reports: the same alerts as the log, counted by kind.
run_scope alerts-reports -q -r "$AG" --alert "$WIN" -w "$TMP/rep.jsonl" \
    --report json -o "$TMP/rep.json" --report text -o "$TMP/rep.txt" \
    --report html -o "$TMP/rep.html"
if [ "$rc" != 0 ]; then
	fail alerts-reports "exit status $rc"
else
	pycheck alerts-reports "$TMP/rep.jsonl" "$TMP/rep.json" \
	    "$TMP/rep.txt" "$TMP/rep.html" <<'PY'
import json, re, sys
log = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
log = [r for r in log if r["type"] == "alert"]
rep = json.load(open(sys.argv[2], encoding="utf-8"))["alerts"]
text = open(sys.argv[3], encoding="utf-8").read()
html = open(sys.argv[4], encoding="utf-8").read()
def fail(why):
    print(why)
    sys.exit(1)
for r in log:
    del r["type"]
if rep["list"] != log:
    fail("the JSON report's list is not the log's records")
want = {"auth_failures": 1, "greeting_latency": 1}
for k in ("raised", "cleared"):
    got = {n: v for n, v in rep[k].items() if v}
    if got != want:
        fail("%s %s, want %s" % (k, got, want))
if any(rep["active"].values()) or rep["left_out"] != 0:
    fail("active %s left_out %s" % (rep["active"], rep["left_out"]))
if len(rep["raised"]) != 8:
    fail("kinds %s" % sorted(rep["raised"]))
m = re.search(r"\nAlerts\n=+\n(.*?)\n\n", text, re.S)
if not m:
    fail("no Alerts section in the text report")
rows = [l.split() for l in m.group(1).splitlines()[1:]]
if rows != [["auth_failures", "1", "1", "0"],
            ["greeting_latency", "1", "1", "0"]]:
    fail("text report rows %s" % rows)
if text.count("6 AUTH failures in 2 s (threshold 5)") != 1:
    fail("text report: no words for the AUTH alert")
if text.count("50% of 2 greetings in 2 s slower than 500.0 ms") != 1:
    fail("text report: no words for the greeting alert")
sec = re.search(r'<section id="alerts">(.*?)</section>', html, re.S)
if not sec or 'href="#alerts"' not in html:
    fail("no alerts section or link in the HTML report")
body = re.search(r'id="table-alerts".*?<tbody>(.*?)</tbody>',
                 sec.group(1), re.S)
if not body or body.group(1).count("<tr>") != 4:
    fail("HTML alert rows")
PY
fi

# Mistakes: one sentence, exit status 2, before anything is read.
for bad in foo=1 reject_rate=101 auth_failures=65 auth_failures=2.5 \
    window=0 reject_rate rate_min=-1 "reject_rate=50,,lost_rate=5"; do
	run_scope "alerts-bad-$bad" -r "$AG" --alert "$bad"
	if [ "$rc" = 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ] &&
	    grep -q '^smtpscope: --alert' "$TMP/err"; then
		ok "alerts-bad-$bad"
	else
		fail "alerts-bad-$bad" "exit $rc: $(head -c 200 "$TMP/err")"
	fi
done

# The prometheus plugin: smtpscope_alerts_total and _active by kind, as
# the log says (raised twice, cleared once with the short windows).
SO=build/plugins/prometheus.so
if [ ! -f "$SO" ]; then
	skip alerts-prometheus "no $SO"
else
	run_scope alerts-prometheus -q -r "$AG" -w "$TMP/p.jsonl" \
	    --alert "$WIN,greeting_latency=2" --alert auth_window=600 \
	    --plugin "prometheus:textfile=$TMP/p.prom"
	if [ "$rc" != 0 ]; then
		fail alerts-prometheus "exit $rc: $(head -c 300 "$TMP/err")"
	else
		pycheck alerts-prometheus "$TMP/p.prom" <<'PY'
import re, sys
got = {}
for ln in open(sys.argv[1]):
    m = re.match(r'^(smtpscope_alerts_[a-z]+)\{kind="([a-z_]+)"\} (\S+)$', ln)
    if m:
        got[(m.group(1), m.group(2))] = float(m.group(3))
kinds = ["reject_rate", "tempfail_rate", "lost_rate", "auth_failures",
         "greeting_latency", "final_latency", "kernel_drops",
         "connect_failures"]
want = {}
for k in kinds:
    want[("smtpscope_alerts_total", k)] = 1.0 if k == "auth_failures" else 0.0
    want[("smtpscope_alerts_active", k)] = 1.0 if k == "auth_failures" else 0.0
if got != want:
    print("got %s" % sorted((k, v) for k, v in got.items() if v))
    sys.exit(1)
PY
	fi
	# With the two-second windows: raised, then cleared: the gauge at 0.
	run_scope alerts-prometheus-cleared -q -r "$AG" --alert "$WIN" \
	    --plugin "prometheus:textfile=$TMP/q.prom"
	if [ "$rc" = 0 ] &&
	    grep -qx 'smtpscope_alerts_total{kind="auth_failures"} 1' "$TMP/q.prom" &&
	    grep -qx 'smtpscope_alerts_total{kind="greeting_latency"} 1' "$TMP/q.prom" &&
	    grep -qx 'smtpscope_alerts_active{kind="auth_failures"} 0' "$TMP/q.prom" &&
	    grep -qx 'smtpscope_alerts_active{kind="greeting_latency"} 0' "$TMP/q.prom"; then
		ok alerts-prometheus-cleared
	else
		fail alerts-prometheus-cleared "exit $rc: $(grep alerts "$TMP/q.prom" | grep -v '^#' | tr '\n' ' ')"
	fi
fi

# A plugin built against the first revision of ABI 3 (tests/abi/3.0)
# loads beside one built against this header and reads the same
# sessions and transactions; the alerts are, to it, events of a type past
# its _COUNT (as the tracked messages are), to the new one none.
if command -v cc >/dev/null 2>&1 && mkdir -p "$TMP/abi" &&
    cc -std=c11 -shared -fPIC -Iinclude -o "$TMP/abi/probe.so" \
	tests/abi/probe.c 2>"$TMP/cc.err" &&
    cc -std=c11 -shared -fPIC -Itests/abi/3.0 -o "$TMP/abi/probe30.so" \
	tests/abi/probe.c 2>>"$TMP/cc.err"; then
	run_scope alerts-abi-old -q -r "$AG" --alert "$WIN" -w "$TMP/abi.jsonl" \
	    --plugin "$TMP/abi/probe30.so:out=$TMP/abi/old.txt" \
	    --plugin "$TMP/abi/probe.so:out=$TMP/abi/new.txt"
	if [ "$rc" != 0 ]; then
		fail alerts-abi-old "exit $rc: $(head -c 300 "$TMP/err")"
	else
		pycheck alerts-abi-old "$TMP/abi.jsonl" "$TMP/abi/old.txt" \
		    "$TMP/abi/new.txt" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
alerts = sum(1 for r in recs if r["type"] == "alert")
msgs = recs[-1]["tracking"]["messages"]
def read(f):
    return dict(l.split() for l in open(f))
old, new = read(sys.argv[2]), read(sys.argv[3])
if alerts != 4:
    print("%d alert records, want 4" % alerts); sys.exit(1)
if int(old["unknown_type"]) != msgs + alerts or new["unknown_type"] != "0":
    print("unknown types: old %s new %s, want %d and 0" %
          (old["unknown_type"], new["unknown_type"], msgs + alerts))
    sys.exit(1)
for k in ("sessions", "transactions", "accepted", "replies", "events"):
    if old[k] != new[k]:
        print("%s: old %s new %s" % (k, old[k], new[k])); sys.exit(1)
PY
	fi
else
	fail alerts-abi-old "the probe does not compile: $(head -c 300 "$TMP/cc.err")"
fi

# The dashboard (tmux, 80x24): the Events view lists each alert raised
# and cleared on a line of its own (never joined), the overview counts
# those active.
if ! command -v tmux >/dev/null 2>&1; then
	skip alerts-tui "no tmux"
	exit 0
fi
SOCK="$TMP/tmux.sock"
tm() { timeout 10 tmux -S "$SOCK" -f /dev/null "$@"; }
trap 'tm kill-server >/dev/null 2>&1; rm -rf "$TMP"' EXIT
# tui NAME ARGS...: smtpscope --tui ARGS, replayed at full speed, until
# it says the replay is over (its screen in $TMP/NAME.screen).
tui() {
	_n=$1
	shift
	printf "'%s' --tui --speed max" "$SMTPSCOPE" >"$TMP/$_n.sh"
	for _a in "$@"; do printf " '%s'" "$_a" >>"$TMP/$_n.sh"; done
	printf " 2>'%s'; sleep 60\n" "$TMP/$_n.err" >>"$TMP/$_n.sh"
	tm new-session -d -s "$_n" -x 80 -y 24 "sh '$TMP/$_n.sh'"
	tmux_replay_over "$_n" "$TMP/$_n.screen"
}
if tui tw -r "$AG" --alert "$WIN"; then
	ov=$(grep -c -E 'alerts active 0( |$)' "$TMP/tw.screen")
	tm send-keys -t tw 3
	sleep 1
	tm capture-pane -p -t tw >"$TMP/tw.screen"
	r=$(grep -c -E '^ [0-9:]+ +alert +raised +(auth_failures +127\.0\.0\.21|greeting_latency +127\.0\.0\.22)$' "$TMP/tw.screen")
	c=$(grep -c -E '^ [0-9:]+ +alert +cleared +(auth_failures +127\.0\.0\.21|greeting_latency +127\.0\.0\.22)$' "$TMP/tw.screen")
	w=$(grep -c 'raised: 6 AUTH failures in 2 s (threshold 5)' "$TMP/tw.screen")
	if [ "$ov" = 1 ] && [ "$r" = 2 ] && [ "$c" = 2 ] && [ "$w" = 1 ] &&
	    ! grep -q -E 'alert .*×|alert .*x[0-9]' "$TMP/tw.screen"; then
		ok alerts-tui
	else
		fail alerts-tui "overview $ov, raised $r, cleared $c, words $w: $(tr '\n' '|' <"$TMP/tw.screen" | head -c 600)"
	fi
else
	fail alerts-tui "the replay did not end: $(tr '\n' '|' <"$TMP/tw.screen" | head -c 300)"
fi
if tui td -r "$AG" && grep -q -E 'alerts active 1( |$)' "$TMP/td.screen"; then
	ok alerts-tui-active
else
	fail alerts-tui-active "$(sed -n 5p "$TMP/td.screen")"
fi
if tui tn -r "$AG" --no-alerts && ! grep -q 'alerts active' "$TMP/tn.screen"; then
	tm send-keys -t tn 3
	sleep 1
	tm capture-pane -p -t tn >"$TMP/tn.screen"
	if grep -q -E '^ [0-9:]+ +alert ' "$TMP/tn.screen"; then
		fail alerts-tui-none "an alert line with --no-alerts"
	else
		ok alerts-tui-none
	fi
else
	fail alerts-tui-none "$(sed -n 5p "$TMP/tn.screen")"
fi
