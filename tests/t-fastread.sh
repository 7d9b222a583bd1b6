#!/bin/sh
# A classic pcap file is read by smtpscope's own reader a window at a
# time (net/capread.c run_fast(), 4 MiB mapped); files larger than that: the
# same records, stderr and exit status as libpcap's reading (--speed
# keeps libpcap reading), across the refills, and with the file cut
# inside a record past the sixth megabyte (t-capture covers small
# files).
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

cap=captures/sink-v4.pcap
[ -f "$cap" ] || { skip fastread "no $cap"; exit 0; }

# big.pcap: the capture again and again, each copy ten minutes after the
# one before (about 8 MB: eight refills); cut.pcap: the same cut inside a
# record past 6.5 MB.
python3 - "$TMP" "$cap" <<'PY'
import struct, sys
tmp, src = sys.argv[1], sys.argv[2]
b = open(src, 'rb').read()
hdr, recs, off = b[:24], [], 24
while off + 16 <= len(b):
    ts, us, cap, ln = struct.unpack('<IIII', b[off:off + 16])
    recs.append((ts, us, cap, ln, b[off + 16:off + 16 + cap]))
    off += 16 + cap

def copies(n):
    out = bytearray(hdr)
    for i in range(n):
        for ts, us, cap, ln, data in recs:
            out += struct.pack('<IIII', ts + 600 * i, us, cap, ln) + data
    return bytes(out)

big = copies(max(1, (8 << 20) // len(b)))
open(tmp + '/big.pcap', 'wb').write(big)
# cut where no record ends: 16 bytes into the record after 6.5 MB
off, cut = 24, None
while off + 16 <= len(big):
    cap = struct.unpack('<I', big[off + 8:off + 12])[0]
    if off > (13 << 19):
        cut = off + 16 + min(cap - 1, 40)
        break
    off += 16 + cap
open(tmp + '/cut.pcap', 'wb').write(big[:cut])
PY

# ---- the same records, read both ways ----------------------------------
for f in big cut; do
	"$SMTPSCOPE" -q -r "$TMP/$f.pcap" -w "$TMP/$f.fast.jsonl" >/dev/null 2>"$TMP/$f.fast.err"
	rcf=$?
	"$SMTPSCOPE" -q --speed 1000000 -r "$TMP/$f.pcap" -w "$TMP/$f.lib.jsonl" >/dev/null 2>"$TMP/$f.lib.err"
	rcl=$?
	n=$(summary_get transactions "$TMP/$f.fast.jsonl")
	want=0
	[ "$f" = cut ] && want=1
	if grep -q -E 'ERROR: AddressSanitizer|runtime error:' "$TMP/$f".*.err; then
		fail "fastread-$f" "sanitizer: $(grep -h -m1 -E 'ERROR|runtime error' "$TMP/$f".*.err)"
	elif [ "$rcf/$rcl" != "$want/$want" ]; then
		fail "fastread-$f" "exit $rcf/$rcl (our reader/libpcap), want $want: $(head -c 200 "$TMP/$f.fast.err")"
	elif ! cmp -s "$TMP/$f.fast.err" "$TMP/$f.lib.err"; then
		fail "fastread-$f" "stderr differs: $(cat "$TMP/$f.fast.err") / $(cat "$TMP/$f.lib.err")"
	elif ! cmp -s "$TMP/$f.fast.jsonl" "$TMP/$f.lib.jsonl"; then
		fail "fastread-$f" "logs differ: $(diff "$TMP/$f.fast.jsonl" "$TMP/$f.lib.jsonl" | head -c 300)"
	elif [ -z "$n" ] || [ "$n" -lt 100 ]; then
		fail "fastread-$f" "$n transactions"
	else
		ok "fastread-$f"
	fi
done
