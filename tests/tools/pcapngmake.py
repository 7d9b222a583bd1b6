#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""pcapngmake.py OUT [OPTION]... IN.pcap...

A pcapng file OUT made of the packets of the classic pcap files IN, each
file an interface with its own link type, merged in time order (stable),
as Wireshark's mergecap merges captures of different link types, which
libpcap 1.10 refuses to read past the first interface of another type.
Each interface is declared (its Interface Description Block) just before
its first packet in a section, so that libpcap reads some packets before
it stops. Options, I an interface (0-based, the order of IN), K a packet
(0-based, in OUT's order):

  --section-every N   a new section every N packets (interfaces declared
                      anew in each)
  --swap-sections     sections alternate little- and big-endian
  --big-endian        every section big-endian
  --tsresol I:B       interface I's if_tsresol byte B (6: microseconds,
                      the default; 0: seconds; 0x80|k: 2^-k)
  --tsoffset I:S      interface I's if_tsoffset, S seconds (may be < 0)
  --snaplen I:S       interface I's snap length
  --linktype I:L      interface I's link type L instead of its file's
  --stamp K:RAW       packet K's raw 64-bit timestamp, in its interface's
                      units (e.g. 4611686018427387904 = 2^62)
  --block K:spb|pb    packet K as a Simple or obsolete Packet Block
  --cut N             write only the first N bytes of OUT
  --pcap OUT2         also write the packets as classic pcap (the first
                      IN's link type; with --stamp K:RAW, seconds RAW)

Made for the tests (tests/t-capture.sh) and the fuzzing seeds
(tests/fuzz/corpus/pcapng): it checks nothing it is told to write."""
import struct
import sys

BT_SHB, BT_IDB, BT_PB, BT_SPB, BT_EPB = 0x0A0D0D0A, 1, 2, 3, 6


def read_pcap(path):
    data = open(path, 'rb').read()
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '>'
    else:
        sys.exit('pcapngmake.py: %s: not a classic pcap file' % path)
    nano = magic in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d')
    snaplen, linktype = struct.unpack(e + 'II', data[16:24])
    pkts, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + 'IIII', data[off:off + 16])
        usec = frac // 1000 if nano else frac
        pkts.append((sec * 1000000 + usec, data[off + 16:off + 16 + incl],
                     orig))
        off += 16 + incl
    return linktype & 0xFFFF, snaplen, pkts


def pad4(b):
    return b + b'\0' * (-len(b) % 4)


def units(tsresol):
    return 2 ** (tsresol & 0x7F) if tsresol & 0x80 else 10 ** tsresol


def main(argv):
    opts = {'every': 0, 'swap': False, 'be': False, 'cut': None,
            'pcap': None}
    tsresol, tsoffset, snaplen, stamps, blocks = {}, {}, {}, {}, {}
    linktype = {}
    files = []
    out = argv[0]
    i = 1
    while i < len(argv):
        a = argv[i]
        if a in ('--section-every', '--tsresol', '--tsoffset', '--snaplen',
                 '--linktype', '--stamp', '--block', '--cut', '--pcap'):
            v = argv[i + 1]
            i += 2
            if a == '--section-every':
                opts['every'] = int(v)
            elif a == '--cut':
                opts['cut'] = int(v)
            elif a == '--pcap':
                opts['pcap'] = v
            else:
                k, x = v.split(':')
                if a == '--tsresol':
                    tsresol[int(k)] = int(x, 0)
                elif a == '--tsoffset':
                    tsoffset[int(k)] = int(x)
                elif a == '--snaplen':
                    snaplen[int(k)] = int(x)
                elif a == '--linktype':
                    linktype[int(k)] = int(x)
                elif a == '--stamp':
                    stamps[int(k)] = int(x)
                else:
                    blocks[int(k)] = x
            continue
        if a == '--swap-sections':
            opts['swap'] = True
        elif a == '--big-endian':
            opts['be'] = True
        else:
            files.append(a)
        i += 1
    ifaces = [read_pcap(f) for f in files]
    merged = sorted(((p[0], n, j, p) for n, f in enumerate(ifaces)
                     for j, p in enumerate(f[2])), key=lambda x: x[:3])
    chunks, declared, section, e = [], {}, -1, '<'

    def block(btype, body):
        total = 12 + len(body)
        return struct.pack(e + 'II', btype, total) + body + \
            struct.pack(e + 'I', total)

    def new_section():
        nonlocal section, e, declared
        section += 1
        e = '>' if opts['be'] or (opts['swap'] and section % 2) else '<'
        declared = {}
        chunks.append(block(BT_SHB, struct.pack(e + 'IHHq', 0x1A2B3C4D, 1, 0,
                                                -1)))

    def declare(n):
        lt, snap, _ = ifaces[n]
        body = struct.pack(e + 'HHI', linktype.get(n, lt), 0,
                           snaplen.get(n, snap))
        if n in tsresol:
            body += struct.pack(e + 'HHB', 9, 1, tsresol[n]) + b'\0' * 3
        if n in tsoffset:
            body += struct.pack(e + 'HHq', 14, 8, tsoffset[n])
        body += struct.pack(e + 'HH', 0, 0)
        chunks.append(block(BT_IDB, body))
        declared[n] = len(declared)

    classic = []
    for k, (usec, n, _, (_, pkt, orig)) in enumerate(merged):
        if section < 0 or (opts['every'] and k and k % opts['every'] == 0):
            new_section()
        if n not in declared:
            declare(n)
        ifid = declared[n]
        res = units(tsresol.get(n, 6))
        raw = stamps.get(k, usec * res // 1000000 -
                         tsoffset.get(n, 0) * res) & (2 ** 64 - 1)
        kind = blocks.get(k, 'epb')
        if kind == 'spb':
            chunks.append(block(BT_SPB, struct.pack(e + 'I', orig) +
                                pad4(pkt)))
        elif kind == 'pb':
            chunks.append(block(BT_PB, struct.pack(
                e + 'HHIIII', ifid, 0, raw >> 32, raw & 0xFFFFFFFF, len(pkt),
                orig) + pad4(pkt)))
        else:
            chunks.append(block(BT_EPB, struct.pack(
                e + 'IIIII', ifid, raw >> 32, raw & 0xFFFFFFFF, len(pkt),
                orig) + pad4(pkt)))
        sec = stamps[k] & 0xFFFFFFFF if k in stamps else usec // 1000000
        classic.append(struct.pack('<IIII', sec, usec % 1000000, len(pkt),
                                   orig) + pkt)
    data = b''.join(chunks)
    if opts['cut'] is not None:
        data = data[:opts['cut']]
    open(out, 'wb').write(data)
    if opts['pcap']:
        lt, snap, _ = ifaces[0]
        open(opts['pcap'], 'wb').write(
            struct.pack('<IHHiIII', 0xA1B2C3D4, 2, 4, 0, 0, snap, lt) +
            b''.join(classic))


if __name__ == '__main__':
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1:])
