#!/bin/sh
# A classic pcap file is mapped two megabytes at a time (net/capread.c
# fast_map()), not copied: the same records as libpcap's reading and as
# the copying reader (SMTPSCOPE_READ=pread), across many windows and with
# a file cut inside a record; and a file that another program cuts short
# while smtpscope maps it (a SIGBUS for a plain mapping) gives one
# sentence and exit status 1, not a crash.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

cap=captures/sink-v4.pcap
[ -f "$cap" ] || { skip mapread "no $cap"; exit 0; }

# big.pcap: the capture again and again, each copy ten minutes after the
# one before (about 8 MB: four windows); cut.pcap: the same cut inside a
# record past the third window; huge.pcap the same, about 400 MB, for
# the shrinking file.
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
with open(tmp + '/huge.pcap', 'wb') as f:
    f.write(big)
    body = big[24:]
    for i in range(1, (400 << 20) // len(big)):
        f.write(body)
PY

# ---- the same records, read three ways ----------------------------------
for f in big cut; do
	"$SMTPSCOPE" -q -r "$TMP/$f.pcap" -w "$TMP/$f.map.jsonl" >/dev/null 2>"$TMP/$f.map.err"
	rcm=$?
	SMTPSCOPE_READ=pread "$SMTPSCOPE" -q -r "$TMP/$f.pcap" -w "$TMP/$f.copy.jsonl" >/dev/null 2>"$TMP/$f.copy.err"
	rcc=$?
	"$SMTPSCOPE" -q --speed 1000000 -r "$TMP/$f.pcap" -w "$TMP/$f.lib.jsonl" >/dev/null 2>"$TMP/$f.lib.err"
	rcl=$?
	n=$(summary_get transactions "$TMP/$f.map.jsonl")
	want=0
	[ "$f" = cut ] && want=1
	if grep -q -E 'ERROR: AddressSanitizer|runtime error:' "$TMP/$f".*.err; then
		fail "mapread-$f" "sanitizer: $(grep -h -m1 -E 'ERROR|runtime error' "$TMP/$f".*.err)"
	elif [ "$rcm/$rcc/$rcl" != "$want/$want/$want" ]; then
		fail "mapread-$f" "exit $rcm/$rcc/$rcl (mapped/copied/libpcap), want $want: $(head -c 200 "$TMP/$f.map.err")"
	elif ! cmp -s "$TMP/$f.map.err" "$TMP/$f.copy.err" || ! cmp -s "$TMP/$f.map.err" "$TMP/$f.lib.err"; then
		fail "mapread-$f" "stderr differs: $(cat "$TMP/$f.map.err") / $(cat "$TMP/$f.copy.err") / $(cat "$TMP/$f.lib.err")"
	elif ! cmp -s "$TMP/$f.map.jsonl" "$TMP/$f.copy.jsonl" || ! cmp -s "$TMP/$f.map.jsonl" "$TMP/$f.lib.jsonl"; then
		fail "mapread-$f" "logs differ: $(diff "$TMP/$f.map.jsonl" "$TMP/$f.lib.jsonl" | head -c 300)"
	elif [ -z "$n" ] || [ "$n" -lt 100 ]; then
		fail "mapread-$f" "$n transactions"
	else
		ok "mapread-$f"
	fi
done

# ---- a file cut short while it is mapped -----------------------------------
# smtpscope is stopped (SIGSTOP) as soon as a window of huge.pcap is
# mapped; the file is cut two pages before that window's end (the pages
# after the new end are gone from the mapping: touching one is a SIGBUS)
# and smtpscope goes on.
python3 - "$SMTPSCOPE" "$TMP" >"$TMP/shrink.out" <<'PY'
import os, signal, subprocess, sys, time
prog, tmp = sys.argv[1], sys.argv[2]
path = tmp + '/huge.pcap'
size = os.path.getsize(path)
err = open(tmp + '/shrink.err', 'wb')
p = subprocess.Popen([prog, '-q', '-r', path, '-w', tmp + '/shrink.jsonl'],
                     stdout=subprocess.DEVNULL, stderr=err)
win, deadline = None, time.time() + 60
while win is None and p.poll() is None and time.time() < deadline:
    try:
        maps = open('/proc/%d/maps' % p.pid).read()
    except OSError:
        break
    for line in maps.splitlines():
        f = line.split()
        if len(f) >= 6 and f[5] == path:
            os.kill(p.pid, signal.SIGSTOP)
            # the window now (it may have moved on before the stop)
            for l2 in open('/proc/%d/maps' % p.pid).read().splitlines():
                g = l2.split()
                if len(g) >= 6 and g[5] == path:
                    lo, hi = (int(x, 16) for x in g[0].split('-'))
                    win = (int(g[2], 16), hi - lo)
            break
if win is None:
    p.kill()
    p.wait()
    print('skip no window of the file was seen mapped (done too soon)')
    sys.exit(0)
start, length = win
if length < 3 * 4096 or start + length >= size:
    os.kill(p.pid, signal.SIGCONT)
    p.wait()
    print('skip the window seen was the last one')
    sys.exit(0)
new = start + length - 2 * 4096 + 7
os.truncate(path, new)
os.kill(p.pid, signal.SIGCONT)
rc = p.wait()
print('rc %d new %d' % (rc, new))
PY
read -r word rest <"$TMP/shrink.out"
case $word in
skip) skip mapread-shrink "$rest" ;;
rc)
	set -- $rest
	rcs=$1
	if grep -q -E 'ERROR: AddressSanitizer|runtime error:' "$TMP/shrink.err"; then
		fail mapread-shrink "sanitizer: $(grep -m1 -E 'ERROR|runtime error' "$TMP/shrink.err")"
	elif [ "$rcs" != 1 ]; then
		fail mapread-shrink "exit $rcs (want 1; 135 or -7 is death by SIGBUS): $(head -c 300 "$TMP/shrink.err")"
	elif ! grep -q "^smtpscope: $TMP/huge.pcap shrank while it was read (to $3 bytes); the packets before were analyzed$" "$TMP/shrink.err"; then
		fail mapread-shrink "stderr: $(head -c 300 "$TMP/shrink.err")"
	elif ! grep -q '"input_damaged":true' "$TMP/shrink.jsonl"; then
		fail mapread-shrink "the log's summary does not say the input is damaged"
	else
		ok mapread-shrink
	fi
	;;
*) fail mapread-shrink "the driver said: $(head -c 300 "$TMP/shrink.out")" ;;
esac
