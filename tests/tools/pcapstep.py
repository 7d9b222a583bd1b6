#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""pcapstep.py IN OUT [--cut PORT:INDEX]... [INDEX SECONDS]...

A copy of the classic pcap IN whose packets from the INDEX-th (0-based)
on have their timestamps moved by SECONDS more, as a capture shows a
clock set while it ran. --cut leaves out the packets from the INDEX-th
on of the TCP connections with PORT at either end (Ethernet, IPv4): a
client that vanished without a FIN."""
import struct
import sys

args = sys.argv[1:]
cuts = []
while '--cut' in args:
    i = args.index('--cut')
    port, index = args[i + 1].split(':')
    cuts.append((int(port), int(index)))
    del args[i:i + 2]
src, dst = args[0], args[1]
steps = [(int(args[i]), int(args[i + 1])) for i in range(2, len(args) - 1, 2)]

data = open(src, 'rb').read()
end = '<' if data[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
linktype = struct.unpack(end + 'I', data[20:24])[0]


def ports(pkt):
    if linktype != 1 or len(pkt) < 14 + 20 + 4 or pkt[12:14] != b'\x08\x00':
        return ()
    ihl = (pkt[14] & 15) * 4
    if pkt[14 + 9] != 6 or len(pkt) < 14 + ihl + 4:
        return ()
    return struct.unpack('>HH', pkt[14 + ihl:14 + ihl + 4])


out = bytearray(data[:24])
off, i = 24, 0
while off + 16 <= len(data):
    sec, frac, incl, orig = struct.unpack(end + 'IIII', data[off:off + 16])
    pkt = data[off + 16:off + 16 + incl]
    off += 16 + incl
    i += 1
    if any(i - 1 >= index and port in ports(pkt) for port, index in cuts):
        continue
    sec += sum(shift for index, shift in steps if i - 1 >= index)
    if not 0 <= sec < 1 << 32:
        sys.exit('pcapstep.py: a timestamp out of the classic pcap range')
    out += struct.pack(end + 'IIII', sec, frac, incl, orig) + pkt
open(dst, 'wb').write(out)
