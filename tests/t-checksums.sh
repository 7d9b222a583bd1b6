#!/bin/sh
# --verify-checksums: a segment with a wrong TCP checksum or IPv4 header
# sum is dropped and counted (bad_checksums in the log's summary, the
# JSON and text reports); without it nothing is checked but the IPv4
# header sum, which is mended in a copy (ip_header_sums_mended), since a
# loopback or offloading capture has wrong TCP sums on every segment it
# sent. What a dropped segment carried is a gap: a message the server
# accepted after it is still logged, as the server says, with what the
# gap hid (the sender, the recipients) unknown, never "<>".
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

cap=captures/bdat.pcap
[ -f "$cap" ] || { skip checksums "no $cap"; exit 0; }

# valid.pcap: every IPv4 header sum and TCP checksum made right;
# tcpbad.pcap, ipbad.pcap: the same with the TCP checksum, the IPv4
# header sum, of the client segment carrying the first RCPT made wrong.
# Prints the number of TCP segments whose sum is wrong as captured.
if ! wrong=$(python3 - "$cap" "$TMP" <<'PY'
import struct, sys
src, out = sys.argv[1], sys.argv[2]
b = open(src, 'rb').read()
if b[:4] != b'\xd4\xc3\xb2\xa1' or struct.unpack('<I', b[20:24])[0] != 1:
    sys.exit('not a little-endian Ethernet pcap')
recs, off = [], 24
while off + 16 <= len(b):
    cap = struct.unpack('<I', b[off + 8:off + 12])[0]
    recs.append((b[off:off + 16], bytearray(b[off + 16:off + 16 + cap])))
    off += 16 + cap


def fold(s):
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def words(d):
    d = bytes(d) + (b'\0' if len(d) % 2 else b'')
    return sum(struct.unpack('>%dH' % (len(d) // 2), d))


wrong, victim = 0, None
for i, (h, p) in enumerate(recs):
    if p[12:14] != b'\x08\x00' or p[23] != 6:
        continue
    ihl = (p[14] & 15) * 4
    tot = struct.unpack('>H', p[16:18])[0]
    tcp = 14 + ihl
    pseudo = p[26:34] + struct.pack('>BBH', 0, 6, tot - ihl)
    if fold(words(pseudo) + words(p[tcp:14 + tot])) != 0xffff:
        wrong += 1
    p[24:26] = b'\0\0'
    p[24:26] = struct.pack('>H', 0xffff - fold(words(p[14:tcp])))
    p[tcp + 16:tcp + 18] = b'\0\0'
    s = 0xffff - fold(words(pseudo) + words(p[tcp:14 + tot]))
    p[tcp + 16:tcp + 18] = struct.pack('>H', s)
    data = bytes(p[tcp + (p[tcp + 12] >> 4) * 4:14 + tot])
    if victim is None and b'RCPT TO:' in data.upper():
        victim = (i, tcp)
if victim is None:
    sys.exit('no RCPT in ' + src)


def write(name, recs):
    with open(out + '/' + name, 'wb') as f:
        f.write(b[:24])
        for h, p in recs:
            f.write(h + bytes(p))


write('valid.pcap', recs)
i, tcp = victim
for name, at in (('tcpbad.pcap', tcp + 16), ('ipbad.pcap', 24)):
    r = [(h, bytearray(p)) for h, p in recs]
    r[i][1][at] ^= 0x5a
    write(name, r)
print(wrong)
PY
); then
	fail checksums-make "$wrong"
	exit 0
fi

# scan NAME.pcap [OPTION]: its log, JSON and text reports as NAME[OPTION].*
scan() {
	run_scope "checksums-$1$2" -q -r "$TMP/$1.pcap" $2 -w "$TMP/$1$2.log" \
	    --report json -o "$TMP/$1$2.json" --report text \
	    -o "$TMP/$1$2.txt" || return 1
	[ "$rc" = 0 ] || { fail "checksums-$1$2" "exit $rc: $(cat "$TMP/err")"; return 1; }
}
records() { grep -v '"type":"summary"' "$1"; }

cp "$cap" "$TMP/raw.pcap"
for f in raw valid tcpbad ipbad; do
	scan "$f" || exit 0
	scan "$f" --verify-checksums || exit 0
done

# Right sums: checking them changes nothing, and no counter is shown.
if cmp -s "$TMP/valid.log" "$TMP/valid--verify-checksums.log" &&
    ! grep -q 'bad_checksums\|ip_header_sums_mended' "$TMP/valid.log"; then
	ok checksums-valid
else
	fail checksums-valid "the log changed with --verify-checksums, or counts bad sums"
fi

# As captured on loopback: unchecked, the same records as with the sums
# made right; checked, every TCP segment is dropped and counted.
n=$(summary_get bad_checksums "$TMP/raw--verify-checksums.log")
t=$(summary_get transactions "$TMP/raw--verify-checksums.log")
if [ "$(records "$TMP/raw.log")" = "$(records "$TMP/valid.log")" ]; then
	if [ "$wrong" -gt 0 ] && [ "$n" = "$wrong" ] && [ "$t" = 0 ]; then
		ok checksums-offloaded
	else
		fail checksums-offloaded "bad_checksums $n (python: $wrong), transactions $t"
	fi
else
	fail checksums-offloaded "the unchecked log differs from the one with right sums"
fi

# A wrong TCP checksum, unchecked: nothing changes.
if cmp -s "$TMP/valid.log" "$TMP/tcpbad.log"; then
	ok checksums-tcp-unchecked
else
	fail checksums-tcp-unchecked "the log differs from the one with right sums"
fi

# A wrong IPv4 header sum, unchecked: mended, counted, the same records.
n=$(summary_get ip_header_sums_mended "$TMP/ipbad.log")
if [ "$n" = 1 ] && [ "$(records "$TMP/ipbad.log")" = "$(records "$TMP/valid.log")" ]; then
	ok checksums-ip-mended
else
	fail checksums-ip-mended "ip_header_sums_mended $n, or the records differ"
fi

# Checked, either wrong sum: one segment dropped, counted in the log and
# both reports; the message the server accepted after the gap is there,
# its queue id as with right sums, what the gap hid unknown.
for f in tcpbad ipbad; do
	pycheck "checksums-$f-dropped" "$TMP/$f--verify-checksums" \
	    "$TMP/valid.log" <<'PY'
import json, sys
base, valid = sys.argv[1], sys.argv[2]


def bad(why):
    print(why)
    sys.exit(1)


recs = [json.loads(l) for l in open(base + '.log')]
summ = recs[-1]
if summ.get('bad_checksums') != 1 or summ.get('gaps') != 1:
    bad('summary: bad_checksums %s, gaps %s' %
             (summ.get('bad_checksums'), summ.get('gaps')))
cap = json.load(open(base + '.json')).get('capture', {})
if cap.get('bad_checksums') != 1:
    bad('JSON report: capture.bad_checksums %s' % cap.get('bad_checksums'))
txt = open(base + '.txt').read()
if not any(l.split()[:4] == ['dropped', 'for', 'bad', 'checksums'] and
           l.split()[-1] == '1' for l in txt.splitlines()):
    bad('text report: no "dropped for bad checksums 1" line')
want = [json.loads(l) for l in open(valid)]
want = [r for r in want if r['type'] == 'transaction']
got = [r for r in recs if r['type'] == 'transaction']
if sorted(r['queue_id'] for r in got) != sorted(r['queue_id'] for r in want):
    bad('queue ids %s, with right sums %s' %
             ([r['queue_id'] for r in got], [r['queue_id'] for r in want]))
hit = [r for r in got if r['rcpt_to'] != [] or r['mail_from'] is not None]
cut = [r for r in got if r not in hit]
if len(cut) != 1:
    bad('%d transactions with an unknown envelope, not 1' % len(cut))
c = cut[0]
if not (c['assumed'] and c['outcome'] == 'accepted' and
        c['final_code'] == 250 and c['size'] > 0 and
        c['capture_loss'] is not None):
    bad('the transaction after the gap: %s' % json.dumps(
        {k: c[k] for k in ('assumed', 'outcome', 'final_code', 'size',
                           'capture_loss')}))
PY
done
