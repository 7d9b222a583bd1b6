#!/bin/sh
# Captures as they really come (issue 11): port lists and ranges of any
# size make a small filter, compiled at once.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

cap=captures/sink-v4.pcap
[ -f "$cap" ] || { skip capture "no captures/sink-v4.pcap"; exit 0; }

# counts FILE: sessions, transactions and accepted messages of a log.
counts() {
	[ -f "$1" ] || { echo none; return; }
	echo "$(summary_get sessions "$1")/$(summary_get transactions "$1")/$(summary_get messages_accepted "$1")"
}

# timed NAME SECONDS ARGS...: run_scope under a time limit; rc 124 when
# it ran out.
timed() {
	_name=$1
	_limit=$2
	shift 2
	timeout "$_limit" "$SMTPSCOPE" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if grep -q -E 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$TMP/err"; then
		fail "$_name" "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$TMP/err")"
		return 1
	fi
	return 0
}

"$SMTPSCOPE" -q -r "$cap" -w "$TMP/ref.jsonl" 2>/dev/null
ref=$(counts "$TMP/ref.jsonl")

# ---- port lists and ranges ---------------------------------------------

# A term per port made --ports 1-1024 a 24,000-instruction program that
# took libpcap 15 s and 570 MB to compile; 1-65535 was refused (1024 ports
# at most). Each must take well under the limit and find the same mail.
scattered=25
i=1
while [ "$i" -lt 100 ]; do
	scattered="$scattered,$((1000 + i * 613 % 60000))"
	i=$((i + 1))
done
for spec in 1-1024 1-65535 "$scattered" 25,25,24-26; do
	case $spec in
	1-1024) name=ports-1-1024 ;;
	1-65535) name=ports-all ;;
	25,25*) name=ports-repeated ;;
	*) name=ports-scattered-100 ;;
	esac
	rm -f "$TMP/p.jsonl"
	timed "$name" 10 -q -r "$cap" --ports "$spec" -w "$TMP/p.jsonl" || continue
	got=$(counts "$TMP/p.jsonl")
	if [ "$rc" = 124 ]; then
		fail "$name" "still compiling the filter after 10 s"
	elif [ "$rc" != 0 ] || [ -s "$TMP/err" ]; then
		fail "$name" "exit $rc; stderr: $(head -c 300 "$TMP/err")"
	elif [ "$got" != "$ref" ]; then
		fail "$name" "sessions/transactions/accepted $got, want $ref"
	else
		ok "$name"
	fi
done

# With -f the filter is set on the handle: the same mail again.
timed ports-range-with-f 10 -q -r "$cap" --ports 1-1024 -f 'host 127.0.0.1' \
	-w "$TMP/pf.jsonl" &&
	if [ "$rc" != 0 ] || [ "$(counts "$TMP/pf.jsonl")" != "$ref" ]; then
		fail ports-range-with-f "exit $rc, $(counts "$TMP/pf.jsonl"), want $ref; $(head -c 300 "$TMP/err")"
	else
		ok ports-range-with-f
	fi

# ---- captures/input: what the software counted ------------------------

# Each captures/input/NAME.truth (made by captures/make-captures-input.sh
# with the capture) gives keys of the log's summary and their values.
for truth in captures/input/*.truth; do
	[ -f "$truth" ] || continue
	name=$(basename "$truth" .truth)
	in=captures/input/$name.pcap
	[ -f "$in" ] || in=captures/input/$name.pcapng
	run_scope "input-$name" -q -r "$in" -w "$TMP/$name.jsonl" || continue
	cp "$TMP/err" "$TMP/$name.err"
	bad=
	while read -r key want; do
		case $key in '' | '#'*) continue ;; esac
		got=$(summary_get "$key" "$TMP/$name.jsonl")
		[ "$got" = "$want" ] || bad="$bad $key=$got (truth $want)"
	done <"$truth"
	if [ "$rc" != 0 ]; then
		fail "input-$name" "exit $rc: $(head -c 300 "$TMP/err")"
	elif [ -n "$bad" ]; then
		fail "input-$name" "$bad"
	else
		ok "input-$name"
	fi
done

# ---- a short snap length (issue 11) -----------------------------------

# tcpdump -s 96 kept 30 bytes of each segment: 50 messages accepted were
# reported as 50 "dropped" (later: aborted, or not at all) without a
# word. What a frame did not keep is a gap; one sentence says so, and
# every transaction is the accepted one it was, marked as not seen whole.
snap=captures/input/snaplen-96
if [ -f "$snap.pcap" ] && [ -f "$TMP/snaplen-96.err" ]; then
	err=$TMP/snaplen-96.err
	log=$TMP/snaplen-96.jsonl
	n=$(grep -c '"type":"transaction"' "$log")
	marked=$(grep '"type":"transaction"' "$log" |
		grep '"outcome":"accepted"' | grep -c '"capture_loss":\["gap"\]')
	if [ "$(wc -l <"$err")" != 1 ] ||
		! grep -q "^smtpscope: $(awk '$1 == "snaplen_cut" { print $2 }' "$snap.truth") packets of mail sessions were cut short by the capture's snap length (96 bytes)" "$err"; then
		fail snaplen-sentence "stderr (with -q) should be one sentence on the cut packets: $(head -c 300 "$err")"
	else
		ok snaplen-sentence
	fi
	if [ "$n" = 50 ] && [ "$marked" = 50 ]; then
		ok snaplen-marked
	else
		fail snaplen-marked "$n transactions, $marked accepted with capture_loss [\"gap\"]; want 50 of 50"
	fi
	run_scope snaplen-report -q -r "$snap.pcap" --report text &&
		if grep -q 'cut by the snap length  *200$' "$TMP/out"; then
			ok snaplen-report
		else
			fail snaplen-report "the report's capture health does not count the cut segments"
		fi
fi

# ---- pcapng with interfaces of different link types (issue 11) ---------

# libpcap 1.10 reads one link type (and snap length, and byte order) per
# pcapng file and stopped at the first interface of another: "damaged",
# 0 packets analysed, where tshark reads every packet. smtpscope's own
# reader (src/net/pcapng.c) takes over where libpcap stops.
MAKE_NG=tests/tools/pcapngmake.py
mixed=captures/input/mixed-linktypes.pcapng
if [ -f "$TMP/mixed-linktypes.err" ]; then
	if [ -s "$TMP/mixed-linktypes.err" ]; then
		fail mixed-quiet "stderr: $(head -c 300 "$TMP/mixed-linktypes.err")"
	else
		ok mixed-quiet
	fi
fi
# tshark_count FILE: the packets tshark reads, or nothing without tshark.
tshark_count() {
	command -v tshark >/dev/null 2>&1 || return 0
	tshark -r "$1" -T fields -e frame.number 2>/dev/null | wc -l | tr -d ' '
}
if [ -f "$mixed" ] && [ -f "$TMP/mixed-linktypes.jsonl" ]; then
	want=$(tshark_count "$mixed")
	got=$(summary_get packets "$TMP/mixed-linktypes.jsonl")
	if [ -z "$want" ]; then
		skip mixed-tshark "no tshark"
	elif [ "$got" = "$want" ]; then
		ok mixed-tshark
	else
		fail mixed-tshark "packets $got, tshark reads $want"
	fi
fi

# sums KEY FILE...: the sum of a summary key over the logs.
sums() {
	_k=$1
	shift
	_t=0
	for _f in "$@"; do
		_t=$((_t + $(summary_get "$_k" "$_f")))
	done
	echo "$_t"
}
# keys FILE: sessions/transactions/accepted/packets of a log.
keys() {
	echo "$(summary_get sessions "$1")/$(summary_get transactions "$1")/$(summary_get messages_accepted "$1")/$(summary_get packets "$1")"
}

# Two real captures of another link type each (Ethernet, Linux cooked
# v2), merged in time order, each interface declared just before its
# first packet: libpcap reads the 330 Ethernet packets, then stops; the
# rest must be read from where it stopped, none twice, none lost. Then
# the same in sections of 100 packets of alternate byte orders (libpcap
# stops at the first big-endian one), interfaces with if_tsresol of 2^-20
# and 10^-9 and an if_tsoffset.
a=captures/sink-v4.pcap
b=captures/sink-any.pcap
if [ -f "$a" ] && [ -f "$b" ]; then
	python3 "$MAKE_NG" "$TMP/late.pcapng" "$a" "$b"
	python3 "$MAKE_NG" "$TMP/sections.pcapng" --section-every 100 \
		--swap-sections --tsresol 0:0x94 --tsresol 1:9 \
		--tsoffset 1:1000 "$a" "$b"
	# -f on the handle: libpcap hands over only what passes it (pure
	# ACKs on port 25 without data are left out here), so the packets
	# it read are not those it handed over.
	F='not port 25 or tcp[tcpflags] & tcp-push == 0 or len > 100'
	for f in "" "$F"; do
		sfx=${f:+-f}
		"$SMTPSCOPE" -q -r "$a" ${f:+-f "$f"} -w "$TMP/a$sfx.jsonl" 2>/dev/null
		"$SMTPSCOPE" -q -r "$b" ${f:+-f "$f"} -w "$TMP/b$sfx.jsonl" 2>/dev/null
		want="$(sums sessions "$TMP/a$sfx.jsonl" "$TMP/b$sfx.jsonl")/$(sums transactions "$TMP/a$sfx.jsonl" "$TMP/b$sfx.jsonl")/$(sums messages_accepted "$TMP/a$sfx.jsonl" "$TMP/b$sfx.jsonl")/$(sums packets "$TMP/a$sfx.jsonl" "$TMP/b$sfx.jsonl")"
		for name in late sections; do
			run_scope "mixed-$name$sfx" -q -r "$TMP/$name.pcapng" \
				${f:+-f "$f"} -w "$TMP/$name$sfx.jsonl" || continue
			got=$(keys "$TMP/$name$sfx.jsonl")
			if [ "$rc" != 0 ] || [ -s "$TMP/err" ]; then
				fail "mixed-$name$sfx" "exit $rc, stderr: $(head -c 300 "$TMP/err")"
			elif [ "$got" != "$want" ]; then
				fail "mixed-$name$sfx" "sessions/transactions/accepted/packets $got, want $want (the two captures apart)"
			else
				ok "mixed-$name$sfx"
			fi
		done
	done
	want=$(tshark_count "$TMP/sections.pcapng")
	if [ -n "$want" ]; then
		got=$(summary_get packets "$TMP/sections.jsonl")
		if [ "$got" = "$want" ]; then
			ok mixed-sections-tshark
		else
			fail mixed-sections-tshark "packets $got, tshark reads $want"
		fi
	fi

	# Cut inside a block past where libpcap stopped: what came before
	# stands, one sentence, exit status 1 (damaged), as for a pcap.
	size=$(wc -c <"$TMP/late.pcapng")
	head -c $((size * 3 / 4 + 7)) "$TMP/late.pcapng" >"$TMP/cut.pcapng"
	if run_scope mixed-truncated -q -r "$TMP/cut.pcapng" -w "$TMP/cut.jsonl"; then
		n=$(summary_get packets "$TMP/cut.jsonl")
		if [ "$rc" = 1 ] && [ "$(wc -l <"$TMP/err")" = 1 ] &&
			grep -q "^smtpscope: $TMP/cut.pcapng is damaged (the file ends inside a block); the packets before the damage were analyzed$" "$TMP/err" &&
			grep -q '"input_damaged":true' "$TMP/cut.jsonl" &&
			[ "$n" -gt 330 ] && [ "$n" -lt 647 ]; then
			ok mixed-truncated
		else
			fail mixed-truncated "exit $rc, $n packets, stderr: $(head -c 300 "$TMP/err")"
		fi
	fi

	# Packets of a link type smtpscope does not decode (147, USER0), or
	# for whose link type -f does not compile ("ether" on Linux cooked):
	# left out, one sentence at the end, exit 0; the rest is read.
	python3 "$MAKE_NG" "$TMP/user0.pcapng" --linktype 1:147 "$a" "$b"
	for spec in "user0||smtpscope does not read their interfaces' link types (147 (" \
		"late|ether src 00:00:00:00:00:00 or ip|the filter expression does not compile for their interfaces' link types (276 (LINUX_SLL2))"; do
		name=${spec%%|*}
		rest=${spec#*|}
		f=${rest%%|*}
		why=${rest#*|}
		run_scope "left-out-$name" -q -r "$TMP/$name.pcapng" ${f:+-f "$f"} \
			-w "$TMP/lo.jsonl" || continue
		if [ "$rc" = 0 ] && [ "$(wc -l <"$TMP/err")" = 1 ] &&
			grep -q -F "smtpscope: 317 packets were left out: $why" "$TMP/err" &&
			[ "$(keys "$TMP/lo.jsonl")" = "$(keys "$TMP/a.jsonl")" ]; then
			ok "left-out-$name"
		else
			fail "left-out-$name" "exit $rc, $(keys "$TMP/lo.jsonl") (want $(keys "$TMP/a.jsonl")), stderr: $(head -c 300 "$TMP/err")"
		fi
	done

	# One link type: libpcap reads it, as before.
	python3 "$MAKE_NG" "$TMP/one.pcapng" "$a"
	run_scope single-pcapng -q -r "$TMP/one.pcapng" -w "$TMP/one.jsonl" &&
		"$SMTPSCOPE" -q -r "$a" -w "$TMP/one-ref.jsonl" 2>/dev/null &&
		if [ "$rc" = 0 ] && [ ! -s "$TMP/err" ] && cmp -s "$TMP/one.jsonl" "$TMP/one-ref.jsonl"; then
			ok single-pcapng
		else
			fail single-pcapng "exit $rc; the records differ from the pcap's: $(diff "$TMP/one-ref.jsonl" "$TMP/one.jsonl" | head -c 300)"
		fi
fi

# ---- timestamps no record can carry (issue 11) -------------------------

# A pcapng time stamp of 2^62 at a resolution of one second (or 2^64-1,
# or before 1970 through if_tsoffset), a classic pcap's 0xffffffff (read
# as -1): converted, they were undefined behaviour in the logs and
# reports and printed garbage. Each packet takes the previous packet's
# time (the first, the nearer bound), is counted (timestamps_replaced),
# its session marked (timestamp_replaced), one sentence on stderr, exit
# 0; every time written is a valid date. Through libpcap (one link type,
# pcapng and pcap) and through our reader (two link types).
if [ -f "$a" ] && [ -f "$b" ]; then
	big=4611686018427387904 # 2^62
	max=18446744073709551615
	python3 "$MAKE_NG" "$TMP/ts-one.pcapng" --tsresol 0:0 \
		--tsoffset 0:-2000000000 --stamp 0:$big --stamp 100:$big \
		--stamp 101:$max --stamp 150:0 --pcap "$TMP/ts-one.pcap" "$a"
	python3 "$MAKE_NG" "$TMP/ts-mixed.pcapng" --tsresol 1:0 \
		--tsresol 0:0x80 --stamp 100:$big --stamp 101:$max \
		--stamp 200:$max --stamp 400:$big "$a" "$b"
	for spec in ts-one.pcapng:4:7/12 ts-one.pcap:1:7/12 ts-mixed.pcapng:4:14/24; do
		f=${spec%%:*}
		rest=${spec#*:}
		n=${rest%%:*}
		st=${rest#*:}
		rm -rf "$TMP/tz"
		run_scope "timestamps-$f" -q -r "$TMP/$f" -w "$TMP/$f.jsonl" \
			--zeek-log "$TMP/tz" --transcript --report text \
			-o "$TMP/$f.txt" || continue
		mv "$TMP/out" "$TMP/$f.transcript"
		bad=$(python3 - "$TMP/$f.jsonl" "$TMP/tz/smtp.log" "$TMP/$f.transcript" "$TMP/$f.txt" <<'PY'
import json, re, sys
MAX = 253402300799.999999
bad = []
def times(o, path=''):
    if isinstance(o, dict):
        for k, v in o.items():
            if (k in ('ts', 'ts_end') or k.endswith('latency') or k == 'duration') and isinstance(v, (int, float)):
                if not 0 <= v <= MAX:
                    bad.append('%s=%s' % (k, v))
            times(v)
    elif isinstance(o, list):
        for x in o:
            times(x)
for line in open(sys.argv[1]):
    times(json.loads(line))
for line in open(sys.argv[2]):
    if line.startswith('#'):
        continue
    ts = line.split('\t')[0]
    if not re.fullmatch(r'\d{1,12}\.\d{6}', ts) or float(ts) > MAX:
        bad.append('zeek ts ' + ts)
for line in open(sys.argv[3]):
    if line.startswith('== session'):
        if not re.search(r' (19[7-9]\d|[2-9]\d{3})-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} UTC$', line):
            bad.append('transcript: ' + line.strip())
for line in open(sys.argv[4]):
    for d in re.findall(r'-?\d+-\d\d-\d\d \d\d:\d\d', line):
        if not re.fullmatch(r'\d{4}-\d\d-\d\d \d\d:\d\d', d):
            bad.append('report: ' + d)
print(' '.join(bad[:5]))
PY
) || bad="(the check itself failed)"
		got=$(summary_get timestamps_replaced "$TMP/$f.jsonl")
		marked=$(grep -c '"type":"anomaly".*"name":"timestamp_replaced"' "$TMP/$f.jsonl")
		sentence="^smtpscope: $n packets had a timestamp before 1970 or after 9999-12-31T23:59:59 UTC, which no record can carry: each took the previous packet's time, and their sessions are marked timestamp_replaced$"
		if [ "$rc" != 0 ] || [ "$(wc -l <"$TMP/err")" != 1 ] || ! grep -q "$sentence" "$TMP/err"; then
			fail "timestamps-$f" "exit $rc, stderr: $(head -c 300 "$TMP/err")"
		elif [ "$got" != "$n" ] || [ "$marked" -lt 1 ]; then
			fail "timestamps-$f" "timestamps_replaced $got (want $n), $marked sessions marked"
		elif [ -n "$bad" ]; then
			fail "timestamps-$f" "times out of range: $bad"
		elif [ "$(summary_get sessions "$TMP/$f.jsonl")/$(summary_get transactions "$TMP/$f.jsonl")" != "$st" ]; then
			fail "timestamps-$f" "sessions/transactions $(summary_get sessions "$TMP/$f.jsonl")/$(summary_get transactions "$TMP/$f.jsonl"), want $st"
		else
			ok "timestamps-$f"
		fi
	done
fi

# ---- classic pcap files read by our own reader (capture.c run_fast()) ---
# Without -f and not paced, a classic pcap file of this machine's byte
# order is read by smtpscope itself, and libpcap takes over at the first
# record it would not take as it is. Each file below is read both ways
# (--speed 1000000 keeps libpcap reading it) and must give the same log,
# stderr and exit status: cut inside a record at several places, a record
# longer than the snapshot length, nanosecond timestamps.
python3 - "$TMP" captures/sink-v4.pcap <<'PY'
import struct, sys
tmp, src = sys.argv[1], sys.argv[2]
b = open(src, 'rb').read()
assert struct.unpack('<I', b[:4])[0] == 0xa1b2c3d4
hdr, recs, off = b[:24], [], 24
while off + 16 <= len(b):
    ts, us, cap, ln = struct.unpack('<IIII', b[off:off + 16])
    recs.append((ts, us, cap, ln, b[off + 16:off + 16 + cap]))
    off += 16 + cap
whole = b
for frac in (0.31, 0.5, 0.77):
    open('%s/cut%d.pcap' % (tmp, int(frac * 100)), 'wb').write(whole[:int(len(whole) * frac)])
# A snapshot length of 200: the records longer than it come from libpcap.
h = bytearray(hdr); struct.pack_into('<I', h, 16, 200)
open('%s/snap200.pcap' % tmp, 'wb').write(bytes(h) + whole[24:])
# Nanoseconds: the same times, the fraction times 1000.
n = bytearray(struct.pack('<I', 0xa1b23c4d) + hdr[4:])
for ts, us, cap, ln, data in recs:
    n += struct.pack('<IIII', ts, us * 1000 + 999, cap, ln) + data
open('%s/nsec.pcap' % tmp, 'wb').write(bytes(n))
PY
for f in cut31 cut50 cut77 snap200 nsec; do
	"$SMTPSCOPE" -q -r "$TMP/$f.pcap" -w "$TMP/$f.fast.jsonl" >/dev/null 2>"$TMP/$f.fast.err"
	rcf=$?
	"$SMTPSCOPE" -q --speed 1000000 -r "$TMP/$f.pcap" -w "$TMP/$f.lib.jsonl" >/dev/null 2>"$TMP/$f.lib.err"
	rcl=$?
	if grep -q -E 'ERROR: AddressSanitizer|runtime error:' "$TMP/$f.fast.err" "$TMP/$f.lib.err"; then
		fail "fast-reader-$f" "sanitizer: $(grep -h -m1 -E 'ERROR|runtime error' "$TMP/$f.fast.err" "$TMP/$f.lib.err")"
	elif [ "$rcf" != "$rcl" ] || ! cmp -s "$TMP/$f.fast.err" "$TMP/$f.lib.err" ||
		! cmp -s "$TMP/$f.fast.jsonl" "$TMP/$f.lib.jsonl"; then
		fail "fast-reader-$f" "exit $rcf/$rcl, stderr $(head -c 150 "$TMP/$f.fast.err") / $(head -c 150 "$TMP/$f.lib.err"); logs differ: $(diff "$TMP/$f.fast.jsonl" "$TMP/$f.lib.jsonl" | head -c 200)"
	elif [ "$(wc -l <"$TMP/$f.fast.jsonl")" -lt 2 ]; then
		fail "fast-reader-$f" "an empty log"
	else
		ok "fast-reader-$f"
	fi
done

# ---- the same capture, the same records, every time ----------------------
# Sessions still open at the end of a capture are closed in the order they
# opened (libnids' table order, with a hash keyed afresh for each run,
# changed from run to run). cut31: two sessions open at the end.
if [ -f "$TMP/cut31.pcap" ]; then
	: >"$TMP/runs.md5"
	for i in 1 2 3 4 5 6 7 8 9 10; do
		"$SMTPSCOPE" -q -r "$TMP/cut31.pcap" -w - 2>/dev/null | md5sum >>"$TMP/runs.md5"
	done
	n=$(sort -u "$TMP/runs.md5" | wc -l)
	open=$("$SMTPSCOPE" -q -r "$TMP/cut31.pcap" -w - 2>/dev/null | grep -c '"end":"eof"')
	if [ "$n" = 1 ] && [ "$open" -ge 2 ]; then
		ok same-records-every-run
	else
		fail same-records-every-run "$n different logs in 10 runs ($open sessions open at the end)"
	fi
fi
