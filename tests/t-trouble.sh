#!/bin/sh
# Issue 16's tables (docs/report-schema.md: breakdown, reasons,
# auth.users, auth.failures_by_client, time): on every bundled capture
# and on those of ../shared/captures (skipped when absent), the JSON
# report's rows equal what tests/tools/check-trouble.py counts itself
# from the JSON log of the same run; Zeek's smtp.pcap (2,119 days) shows
# both its transactions in the timeline and the per-day table;
# --localtime shifts the hours as TZ says; the text and HTML reports
# carry the tables; 100,000 distinct clients, users, domains and
# reasons keep memory flat and the report says what it left out.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

if ! command -v python3 >/dev/null 2>&1; then
	skip trouble "no python3"
	exit 0
fi
CHECK=tests/tools/check-trouble.py

# check NAME CAPTURE: the report against the log.
check() {
	run_scope "trouble-$1" -q -r "$2" -w "$TMP/log.jsonl" --report json \
	    -o "$TMP/r.json" || return
	# A damaged file (one of Suricata's) is read up to the damage.
	if [ "$rc" != 0 ] && ! { [ "$rc" = 1 ] && grep -q 'is damaged' "$TMP/err"; }; then
		fail "trouble-$1" "exit $rc: $(head -c 300 "$TMP/err")"
		return
	fi
	python3 "$CHECK" "$TMP/log.jsonl" "$TMP/r.json" >"$TMP/check" 2>&1
	if [ -s "$TMP/check" ]; then
		fail "trouble-$1" "$(head -n 5 "$TMP/check" | tr '\n' ';')"
	else
		ok "trouble-$1"
	fi
}

for cap in captures/*.pcap; do
	check "$(basename "$cap" .pcap)" "$cap"
done
if [ -d "$SHARED/captures" ]; then
	find "$SHARED/captures" -name '*.pcap' | sort >"$TMP/shared"
	while read -r cap; do
		n=${cap#"$SHARED"/captures/}
		check "shared-$(echo "$n" | tr / -)" "$cap"
	done <"$TMP/shared"
else
	skip trouble-shared "no $SHARED/captures"
fi

# The AUTH captures have users: the check above compared them; make
# sure there was something to compare.
"$SMTPSCOPE" -q -r captures/postfix-tls-auth.pcap --report json >"$TMP/a.json" 2>/dev/null
n=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); a=d["auth"]; print(len(a["users"]["rows"]), len(a["failures_by_client"]["rows"]))' "$TMP/a.json" 2>/dev/null)
[ "$n" = "1 1" ] && ok trouble-auth-rows || fail trouble-auth-rows "users and failing clients: $n (want 1 1)"
"$SMTPSCOPE" -q -r captures/track.pcap --report json >"$TMP/t.json" 2>/dev/null
n=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); b=d["breakdown"]; print(len(b["servers"]["rows"]), sum(r["rejected"] for r in b["servers"]["rows"]) > 0, sum(r["tempfail"] for r in b["servers"]["rows"]) > 0, len(d["reasons"]["rows"]) > 0)' "$TMP/t.json" 2>/dev/null)
[ "$n" = "3 True True True" ] && ok trouble-track-rows || fail trouble-track-rows "servers, rejects, tempfails, reasons: $n"

# Zeek's smtp.pcap: two transactions 2,119 days apart.
zeek=$SHARED/captures/zeek/smtp.pcap
if [ -f "$zeek" ]; then
	"$SMTPSCOPE" -q -r "$zeek" --report json >"$TMP/z.json" 2>/dev/null
	n=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["time"]
print(sum(b["accepted"] for b in d["timeline"]["buckets"]),
      " ".join(r["day"] for r in d["per_day"] if r["accepted"]))' "$TMP/z.json" 2>/dev/null)
	[ "$n" = "2 2009-10-05 2015-07-25" ] && ok trouble-zeek-span ||
		fail trouble-zeek-span "accepted in the timeline, days: '$n'"
	"$SMTPSCOPE" -q -r "$zeek" --report text >"$TMP/z.txt" 2>/dev/null
	if grep -q '^  2009-10-05 ' "$TMP/z.txt" && grep -q '^  2015-07-25 ' "$TMP/z.txt"; then
		ok trouble-zeek-span-text
	else
		fail trouble-zeek-span-text "the per-day table lacks a day"
	fi
	"$SMTPSCOPE" -q -r "$zeek" --report html -o "$TMP/z.html" 2>/dev/null
	if grep -q 'aria-label="Transactions ended per week' "$TMP/z.html" &&
	    grep -q 'class="t">accepted</tspan> 2<' "$TMP/z.html"; then
		ok trouble-zeek-span-html
	else
		fail trouble-zeek-span-html "the chart does not hold both transactions, per week"
	fi
else
	skip trouble-zeek-span "no $zeek"
fi

# --localtime: the hours move by the zone's offset (POSIX TZ "JST-9" is
# UTC+9, no summer time); without it TZ changes nothing.
TZ=JST-9 "$SMTPSCOPE" -q -r captures/track.pcap --report json >"$TMP/utc.json" 2>/dev/null
TZ=JST-9 "$SMTPSCOPE" -q -r captures/track.pcap --report json --localtime >"$TMP/loc.json" 2>/dev/null
n=$(python3 -c '
import json, sys
u = json.load(open(sys.argv[1]))["time"]
l = json.load(open(sys.argv[2]))["time"]
bad = [h for h in range(24)
       if u["per_hour"][h]["sessions"] != l["per_hour"][(h + 9) % 24]["sessions"]]
busy = [h for h in range(24) if u["per_hour"][h]["sessions"]]
print(u["zone"], l["zone"].startswith("local (JST, +09:00)"), bool(busy), bad)' "$TMP/utc.json" "$TMP/loc.json" 2>/dev/null)
[ "$n" = "UTC True True []" ] && ok trouble-localtime || fail trouble-localtime "$n"

# Bounded memory: 100,000 distinct clients, AUTH users, sender and
# recipient domains and reasons, an hour apart (11 years): peak RSS as
# with 10,000 (within 4 MiB) and under 64 MiB; every table says what it
# left out; the timeline and the per-day table (UTC days, past the hours
# kept) still hold every session.
case $(basename "$SMTPSCOPE")$SMTPSCOPE in
*asan*) asan=1 ;;
*) asan= ;;
esac
if python3 tests/hostile/make-hostile.py "$TMP/cap" distinct100k >"$TMP/gen" 2>&1; then
	run_scope trouble-distinct -q -r "$TMP/cap/distinct100k.pcap" --report json -o "$TMP/d.json"
	n=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
b = d["breakdown"]
out = [k for k in ("clients", "sender_domains", "recipient_domains")
       if b[k]["exact"] or b[k]["left_out"] < 99000 or len(b[k]["rows"]) != 128]
if d["reasons"]["exact"] or d["reasons"]["left_out"] < 99000:
    out.append("reasons")
for k in ("users", "failures_by_client"):
    if d["auth"][k]["exact"] or d["auth"][k]["left_out"] < 99000:
        out.append(k)
if d["time"]["left_out"] == 0:
    out.append("time.left_out")
if sum(x["sessions"] for x in d["time"]["timeline"]["buckets"]) != 100000:
    out.append("timeline")
# past the hours kept, the days are UTC days, all of them
if not d["time"]["per_day_utc"] or sum(x["sessions"] for x in d["time"]["per_day"]) != 100000:
    out.append("per_day")
print(" ".join(out))' "$TMP/d.json" 2>&1)
	[ "$rc" = 0 ] && [ -z "$n" ] && ok trouble-distinct || fail trouble-distinct "exit $rc; not saying what was left out: $(echo "$n" | tr "\n" " ")"
	run_scope trouble-distinct-text -q -r "$TMP/cap/distinct100k.pcap" --report text
	if grep -q "left out" "$TMP/out"; then
		ok trouble-distinct-text
	else
		fail trouble-distinct-text "the text report does not say what was left out"
	fi
	if [ -z "$asan" ] && [ -x /usr/bin/time ]; then
		python3 - "$TMP/cap/distinct100k.pcap" "$TMP/cap/d10k.pcap" <<'PY'
import struct, sys
# The first 10,000 sessions: 17 packets each.
src, dst = open(sys.argv[1], "rb"), open(sys.argv[2], "wb")
dst.write(src.read(24))
for _ in range(170000):
    h = src.read(16)
    n = struct.unpack("<IIII", h)[2]
    dst.write(h + src.read(n))
PY
		/usr/bin/time -f %M -o "$TMP/m10" "$SMTPSCOPE" -q -r "$TMP/cap/d10k.pcap" --report json -o /dev/null 2>/dev/null
		/usr/bin/time -f %M -o "$TMP/m100" "$SMTPSCOPE" -q -r "$TMP/cap/distinct100k.pcap" --report json -o /dev/null 2>/dev/null
		m10=$(tail -n 1 "$TMP/m10")
		m100=$(tail -n 1 "$TMP/m100")
		if [ "$m100" -lt 65536 ] && [ $((m100 - m10)) -lt 4096 ]; then
			ok trouble-distinct-memory
		else
			fail trouble-distinct-memory "peak RSS $m10 KiB for 10,000, $m100 KiB for 100,000"
		fi
	else
		skip trouble-distinct-memory "sanitizer build or no /usr/bin/time"
	fi
else
	fail trouble-distinct "make-hostile.py: $(tail -n 2 "$TMP/gen")"
fi

# The HTML report: the four tables hold the JSON report's rows; each
# column's places (--oN) order the rows by that column (numbers highest
# first, addresses as addresses); the reasons, AUTH and time tables are
# there; the per-day table sums to the totals.
"$SMTPSCOPE" -q -r captures/track.pcap --report json -o "$TMP/h.json" 2>/dev/null
"$SMTPSCOPE" -q -r captures/track.pcap --report html -o "$TMP/h.html" 2>/dev/null
"$SMTPSCOPE" -q -r captures/postfix-tls-auth.pcap --report html -o "$TMP/a.html" 2>/dev/null
n=$(python3 - "$TMP/h.json" "$TMP/h.html" "$TMP/a.html" 2>&1 <<'PY'
import html.parser, ipaddress, json, re, sys
rep = json.load(open(sys.argv[1]))

class Tables(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables, self.cur, self.row, self.cell = {}, None, None, None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and (a.get("id") or "").startswith("table-"):
            self.cur = self.tables.setdefault(a["id"][6:], [])
        elif tag == "tr" and self.cur is not None:
            self.row = {"style": a.get("style") or "", "cells": []}
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""
    def handle_data(self, d):
        if self.cell is not None:
            self.cell += d
    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.row is not None and self.cell is not None:
            self.row["cells"].append(self.cell.strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.cur.append(self.row)
            self.row = None
        elif tag == "table":
            self.cur = None

p = Tables()
p.feed(open(sys.argv[2]).read())
bad = []
for name, id in (("servers", "bd-servers"), ("clients", "bd-clients"),
                 ("sender_domains", "bd-sender-domains"),
                 ("recipient_domains", "bd-recipient-domains"),
                 ("senders", "bd-senders"), ("recipients", "bd-recipients")):
    rows = [r for r in p.tables.get(id, []) if r["style"]]
    want = rep["breakdown"][name]["rows"]
    got = {r["cells"][0]: r for r in rows}
    if set(got) != {w["key"] for w in want}:
        bad.append("%s: keys %s" % (id, sorted(got)))
        continue
    for w in want:
        c = got[w["key"]]["cells"]
        if [int(x.replace(",", "")) for x in c[1:6]] != [
                w["count"], w["accepted"], w["rejected"], w["tempfail"], w["lost"]]:
            bad.append("%s %s: %s" % (id, w["key"], c))
    places = [dict((int(k), int(v)) for k, v in
                   re.findall(r"--o(\d+):(\d+)", r["style"])) for r in rows]
    for col in places[0]:
        order = sorted(range(len(rows)), key=lambda i: places[i][col])
        if sorted(places[i][col] for i in range(len(rows))) != list(range(len(rows))):
            bad.append("%s: column %d places not a permutation" % (id, col))
        if col == 0:
            keys = [rows[i]["cells"][0] for i in order]
            try:
                want_keys = sorted(keys, key=ipaddress.ip_address)
            except ValueError:
                want_keys = sorted(keys)
            if keys != want_keys:
                bad.append("%s: by key %s" % (id, keys))
        elif 1 <= col <= 5:
            vals = [int(rows[i]["cells"][col].replace(",", "")) for i in order]
            if vals != sorted(vals, reverse=True):
                bad.append("%s: column %d order %s" % (id, col, vals))
for t in ("reasons-who", "per-day", "per-hour"):
    if len(p.tables.get(t, [])) < 2:
        bad.append("no table %s" % t)
day = [r["cells"] for r in p.tables.get("per-day", [])[1:]]
if sum(int(c[2].replace(",", "")) for c in day) != rep["messages_accepted"]:
    bad.append("per-day accepted")
a = Tables()
a.feed(open(sys.argv[3]).read())
if len(a.tables.get("auth-users", [])) != 2 or len(a.tables.get("auth-failing", [])) != 2:
    bad.append("AUTH tables: %s" % {k: len(v) for k, v in a.tables.items() if k.startswith("auth")})
print("; ".join(bad))
PY
)
[ -z "$n" ] && ok trouble-html || fail trouble-html "$(echo "$n" | tr "\n" " ")"
