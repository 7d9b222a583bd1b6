#!/bin/sh
# Connections to a mail port that made no session (src/net/attempts.c):
# refused by the server's RST, or unanswered. captures/attempts.pcap
# (captures/make-captures-attempts.sh) holds real sessions to Postfix's
# smtp-sink, connections the kernel refused and connections a full
# accept queue never answered; captures/attempts.clients says what each
# client met (its own exception, never a dissector). pflogsumm.pcap holds
# two connections Postfix itself logged as "Connection refused".
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2
if ! command -v python3 >/dev/null 2>&1; then
	skip attempts "python3 not installed"
	exit 0
fi
CAP=captures/attempts.pcap

# check NAME LOG WANT-REFUSED WANT-UNANSWERED WANT-UNTRACKED [STRICT]:
# the log's attempt records against captures/attempts.clients (STRICT:
# each client port with its server and result; the first unanswered
# judged by the 60 s wait, the second at the end) and the summary.
check() {
	pycheck "$1" "$2" captures/attempts.clients "$3" "$4" "$5" "${6:-}" <<'PY'
import json, sys
def die(m):
    print(m)
    sys.exit(1)
log, exp, want_r, want_u, want_x, strict = sys.argv[1:7]
recs = [json.loads(l) for l in open(log, encoding="utf-8")]
att = [r for r in recs if r["type"] == "attempt"]
summ = [r for r in recs if r["type"] == "summary"][-1]
keys = ["type", "ts", "ts_end", "client_ip", "client_port", "server_ip",
        "server_port", "community_id", "result", "syns", "waited", "at_end"]
bad = [list(r) for r in att if list(r) != keys]
if bad:
    die("keys %s" % bad[0])
n = {"refused": 0, "unanswered": 0}
for r in att:
    n[r["result"]] += 1
got = (n["refused"], n["unanswered"], summ["attempts_refused"],
       summ["attempts_unanswered"], summ["attempts_untracked"])
want = (int(want_r), int(want_u), int(want_r), int(want_u), int(want_x))
if got != want:
    die("refused, unanswered (records, summary), untracked: %s, want %s"
             % (got, want))
if strict:
    e = [json.loads(l) for l in open(exp, encoding="utf-8")]
    ea = sorted((x["client_port"], x["server"], x["result"])
                for x in e if x["what"] == "attempt")
    ga = sorted((r["client_port"], "%s %d" % (r["server_ip"],
                 r["server_port"]), r["result"]) for r in att)
    if ga != ea:
        die("attempts %s, the clients met %s" % (ga, ea))
    if any(r["client_ip"] != ("::1" if r["server_ip"] == "::1"
                              else "127.0.0.21") for r in att):
        die("a client other than 127.0.0.21 (::1 over IPv6)")
    for r in att:
        if r["result"] == "refused" and (r["syns"] != 1 or r["at_end"]
                                         or not 0 <= r["waited"] < 0.1):
            die("refused: %s" % r)
        if r["result"] == "unanswered" and r["syns"] < 2:
            die("unanswered after %d SYN: %s" % (r["syns"], r))
    un = sorted((r for r in att if r["result"] == "unanswered"),
                key=lambda r: r["ts"])
    if [r["at_end"] for r in un] != [False, True] or \
            un[0]["waited"] < 60 or not 3 <= un[1]["waited"] < 60:
        die("unanswered: %s" % un)
    if summ["sessions"] != sum(1 for x in e if x["what"] == "session") + 1:
        die("sessions %d" % summ["sessions"])
PY
}

run_scope attempts "-q" -r "$CAP" -w "$TMP/a.jsonl"
[ "$rc" = 0 ] && check attempts "$TMP/a.jsonl" 4 2 0 strict ||
	[ "$rc" = 0 ] || fail attempts "exit $rc: $(head -c 300 "$TMP/err")"

# Cut off just after the second unanswered attempt's first SYN: too
# young to judge at the end (untracked), and nothing else changes.
port=$(sed -n 's/.*"client_port": \([0-9]*\), "server": "127.0.0.24 587".*/\1/p' \
	captures/attempts.clients | tail -n 1)
n=$(tcpdump -nn -r "$CAP" 2>/dev/null |
	grep -n "127.0.0.21.$port > 127.0.0.24.587: Flags \\[S\\]" |
	sed -n 's/:.*//p' | head -n 1)
if [ -n "$n" ]; then
	run_scope attempts-young -q -r "$CAP" -c "$n" -w "$TMP/y.jsonl"
	check attempts-young "$TMP/y.jsonl" 4 1 1
else
	skip attempts-young "tcpdump cannot read $CAP"
fi

# An RST that does not acknowledge the SYN is not believed (a blind
# reset): with every RST's acknowledgment number moved (IPv4 and IPv6),
# the four refused attempts are never answered: all six are judged
# unanswered, the four after 60 s without an answer.
python3 - "$CAP" "$TMP/blind.pcap" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
o = 24
while o + 16 <= len(d):
    cap = struct.unpack_from("<I", d, o + 8)[0]
    p = o + 16
    ip = p + 14
    et = d[p + 12] << 8 | d[p + 13]
    tcp = None
    if et == 0x0800 and d[ip + 9] == 6:
        tcp = ip + (d[ip] & 15) * 4
    elif et == 0x86DD and d[ip + 6] == 6:
        tcp = ip + 40
    if tcp is not None:
        if d[tcp + 13] & 4:
            ack = struct.unpack_from(">I", d, tcp + 8)[0]
            struct.pack_into(">I", d, tcp + 8, (ack + 1000) & 0xffffffff)
    o = p + cap
open(sys.argv[2], "wb").write(d)
PY
run_scope attempts-blind-rst -q -r "$TMP/blind.pcap" -w "$TMP/b.jsonl"
check attempts-blind-rst "$TMP/b.jsonl" 0 6 0

# Floods: every SYN is accounted for once, the table stays bounded. A
# made capture (tests write it): 8,000 SYNs to port 25 in one second,
# never answered, then the capture ends (all too young: untracked); and
# 6,000 at 100 a second, then one more 75 s after the last (each
# unanswered, judged when the table made room, after 60 s, or at the
# end; the last one young: untracked).
python3 - "$TMP/flood1.pcap" "$TMP/flood2.pcap" <<'PY'
import struct, sys
def pkt(ts, src, sport, dst, seq):
    tcp = struct.pack(">HHIIBBHHH", sport, 25, seq, 0, 5 << 4, 0x02,
                      64240, 0, 0)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000,
                     64, 6, 0, bytes(src), bytes(dst))
    s = sum(struct.unpack(">10H", ip))
    s = (s & 0xffff) + (s >> 16)
    ip = ip[:10] + struct.pack(">H", ~s & 0xffff) + ip[12:]
    f = b"\x00\x11\x22\x33\x44\x55" * 2 + b"\x08\x00" + ip + tcp
    sec = int(ts)
    return struct.pack("<IIII", sec, int((ts - sec) * 1e6), len(f),
                       len(f)) + f
hdr = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
with open(sys.argv[1], "wb") as o:
    o.write(hdr)
    for i in range(8000):
        o.write(pkt(1000 + i / 8000.0, [10, 1, i >> 8 & 255, i & 255],
                    40000 + i % 20000, [10, 9, 9, 9], i * 7919))
with open(sys.argv[2], "wb") as o:
    o.write(hdr)
    for i in range(6000):
        o.write(pkt(1000 + i / 100.0, [10, 2, i >> 8 & 255, i & 255],
                    40000 + i % 20000, [10, 9, 9, 10], i * 7919))
    o.write(pkt(1000 + 59.99 + 75, [10, 3, 0, 1], 50000, [10, 9, 9, 11], 1))
PY
flood() {
	_n=$1 _file=$2 _want=$3
	run_scope "attempts-$_n" -q -r "$_file" -w "$TMP/$_n.jsonl"
	if [ "$rc" != 0 ]; then
		fail "attempts-$_n" "exit $rc: $(head -c 300 "$TMP/err")"
		return
	fi
	got=$(python3 -c 'import json,sys
n = 0
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["type"] == "attempt":
        n += 1
print(n, r["attempts_refused"], r["attempts_unanswered"],
      r["attempts_untracked"], r["sessions"])' "$TMP/$_n.jsonl")
	if [ "$got" = "$_want" ]; then
		ok "attempts-$_n"
	else
		fail "attempts-$_n" "records, refused, unanswered, untracked, sessions: '$got', want '$_want'"
	fi
}
flood flood-young "$TMP/flood1.pcap" "0 0 0 8000 0"
flood flood-slow "$TMP/flood2.pcap" "6000 0 6000 1 0"

# The reports: by server and port, in text and JSON.
run_scope attempts-report -q -r "$CAP" -w /dev/null --report json \
    -o "$TMP/r.json" --report text -o "$TMP/r.txt"
if [ "$rc" = 0 ] &&
	python3 -c 'import json,sys
a = json.load(open(sys.argv[1]))["attempts"]
rows = {r["key"]: (r["refused"], r["unanswered"], r["last_client"])
        for r in a["servers"]}
assert (a["refused"], a["unanswered"], a["exact"]) == (4, 2, True), a
assert rows == {"127.0.0.23:25": (3, 0, "127.0.0.21"),
                "[::1]:25": (1, 0, "::1"),
                "127.0.0.24:587": (0, 2, "127.0.0.21")}, rows' "$TMP/r.json" &&
	grep -q -E '^  127\.0\.0\.23:25 +3 +0 +3 ' "$TMP/r.txt" &&
	grep -q -E '^  127\.0\.0\.24:587 +0 +2 +[0-9]+ ' "$TMP/r.txt" &&
	grep -q '^  refused 4 (the server answered the SYN with RST), unanswered 2$' "$TMP/r.txt"; then
	ok attempts-report
else
	fail attempts-report "exit $rc: $(grep -A4 '^Connections refused' "$TMP/r.txt" | tr '\n' '|')"
fi

# Postfix's own word: each "connect to HOST[ADDR]:PORT: Connection
# refused" its smtp client logged is one refused attempt to ADDR PORT.
PF=captures/pflogsumm
run_scope attempts-postfix -q -r "$PF.pcap" -w "$TMP/p.jsonl"
want=$(sed -n 's/.*postfix\/smtp\[[0-9]*\]: connect to [^[]*\[\([^]]*\)\]:\([0-9]*\): Connection refused$/\1 \2/p' \
	"$PF.maillog" | sort | uniq -c | tr -s ' ' | tr '\n' ';')
got=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["type"] == "attempt":
        print(r["result"], r["server_ip"], r["server_port"])' "$TMP/p.jsonl" |
	sed -n 's/^refused //p' | sort | uniq -c | tr -s ' ' | tr '\n' ';')
if [ "$rc" = 0 ] && [ -n "$want" ] && [ "$got" = "$want" ] &&
	! grep -q '"result":"unanswered"' "$TMP/p.jsonl"; then
	ok attempts-postfix
else
	fail attempts-postfix "Postfix logged '$want', the log has '$got'"
fi

# The alert connect_failures (smtpscope(1), ALERTS), by server address:
# by default (5 in 600 s) none; at 3 in 60 s, 127.0.0.23's three refusals
# raise it, and it clears once 60 s have passed without one; at 2 in
# 600 s, 127.0.0.24's two unanswered raise it too (the second at the
# end), and nothing clears.
connect_alerts() {
	_n=$1 _want=$2
	shift 2
	run_scope "attempts-alert-$_n" -q -r "$CAP" -w "$TMP/al.jsonl" "$@"
	if [ "$rc" != 0 ]; then
		fail "attempts-alert-$_n" "exit $rc: $(head -c 300 "$TMP/err")"
		return
	fi
	pycheck "attempts-alert-$_n" "$TMP/al.jsonl" "$_want" <<'PY'
import json, sys
got = []
for l in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(l)
    if r["type"] == "alert" and r["alert"] == "connect_failures":
        got.append("%s %s %d" % (r["state"], r["subject"], r["value"]))
want = [w.strip() for w in sys.argv[2].split(";") if w.strip()]
if got != want:
    print("got %s, want %s" % (got, want))
    sys.exit(1)
PY
}
connect_alerts default ""
connect_alerts 3-in-60 "raised 127.0.0.23 3; cleared 127.0.0.23 0" \
    --alert connect_failures=3,connect_window=60
connect_alerts 2-in-600 "raised 127.0.0.23 2; raised 127.0.0.24 2" \
    --alert connect_failures=2
connect_alerts off "" --alert connect_failures=0 --alert connect_window=1

# The plugins get them (ABI revision 5): the prometheus plugin counts
# them by result, as the log.
SO=build/plugins/prometheus.so
if [ ! -f "$SO" ]; then
	skip attempts-prometheus "no $SO"
else
	run_scope attempts-prometheus -q -r "$CAP" \
	    --plugin "prometheus:textfile=$TMP/a.prom"
	if [ "$rc" = 0 ] &&
		grep -qx 'smtpscope_connection_attempts_total{result="refused"} 4' "$TMP/a.prom" &&
		grep -qx 'smtpscope_connection_attempts_total{result="unanswered"} 2' "$TMP/a.prom"; then
		ok attempts-prometheus
	else
		fail attempts-prometheus "exit $rc: $(grep attempts "$TMP/a.prom" | tr '\n' ' ') $(head -c 200 "$TMP/err")"
	fi
fi

# The dashboard (tmux, 80x24): the totals count them, the Events view
# lists them with no session, Enter on one says it has none, and the
# Servers view lists them under its table.
if ! command -v tmux >/dev/null 2>&1; then
	skip attempts-tui "no tmux"
	exit 0
fi
SOCK="$TMP/tmux.sock"
tm() { timeout 10 tmux -S "$SOCK" -f /dev/null "$@"; }
trap 'tm kill-server >/dev/null 2>&1; rm -rf "$TMP"' EXIT
printf "'%s' --tui --speed max -r '%s' 2>'%s'; sleep 60\n" "$SMTPSCOPE" \
    "$CAP" "$TMP/tui.err" >"$TMP/tui.sh"
tm new-session -d -s at -x 80 -y 24 "sh '$TMP/tui.sh'"
tmux_replay_over at "$TMP/ov.screen" || :
tm send-keys -t at 3
sleep 1
tm capture-pane -p -t at >"$TMP/ev.screen"
tm send-keys -t at Enter
sleep 0.5
tm capture-pane -p -t at >"$TMP/enter.screen"
tm send-keys -t at 7
sleep 1
tm capture-pane -p -t at >"$TMP/srv.screen"
ref=$(grep -E ' connect .*no session +127\.0\.0\.21 .*127\.0\.0\.23:25$' \
	"$TMP/ev.screen" | sed -n 's/.*[x×]\([0-9]*\) .*/\1/p;t;s/.*/1/p' |
	awk '{ n += $1 } END { print n + 0 }')
una=$(grep -c -E ' connect .*no session +127\.0\.0\.21 .*127\.0\.0\.24:587$' \
	"$TMP/ev.screen")
if tr '\n' ' ' <"$TMP/ov.screen" |
	grep -q -E 'connections refused 4 +unanswered 2' &&
	[ "$ref" = 3 ] && [ "$una" -ge 1 ] &&
	grep -q 'connection refused or unanswered has no session' \
	    "$TMP/enter.screen" &&
	grep -q -E '^ +connection refused: the server answered the SYN with RST$' \
	    "$TMP/ev.screen" &&
	grep -q -E '^ +3 events since [0-9:]+ \(the newest shown\)$' \
	    "$TMP/ev.screen" &&
	! grep -q -E '<> |session [0-9]' "$TMP/ev.screen" &&
	grep -q -E '^ Connections refused +refused +unanswered +last +last client$' \
	    "$TMP/srv.screen" &&
	grep -q -E '^ 127\.0\.0\.23:25 +3 +0  [0-9:]+  127\.0\.0\.21$' \
	    "$TMP/srv.screen" &&
	grep -q -E '^ 127\.0\.0\.24:587 +0 +2  [0-9:]+  127\.0\.0\.21$' \
	    "$TMP/srv.screen" &&
	grep -q -E '^ \[::1\]:25 +1 +0  [0-9:]+  ::1$' "$TMP/srv.screen"; then
	ok attempts-tui
else
	fail attempts-tui "refused lines $ref, unanswered $una: $(tr '\n' '|' <"$TMP/ev.screen" | head -c 900); servers: $(tr '\n' '|' <"$TMP/srv.screen" | head -c 900)"
fi
