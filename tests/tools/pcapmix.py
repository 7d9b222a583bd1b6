#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Capture helpers for t-pcapout.sh (classic pcap, Ethernet).

pcapmix.py mix IN OUT: IN's frames with, after every third, frames of
other traffic: HTTP on port 80, DNS over UDP, ARP, and on port 25 a SYN
never answered and data of a connection whose handshake is not there
(neither is a session smtpscope follows).

pcapmix.py same A B: exit 0 when B holds exactly A's frames (time
stamps, lengths, bytes), in order; else says the first difference.
"""
import struct
import sys


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        sys.exit("%s: not a little-endian classic pcap" % path)
    head, recs, off = data[:24], [], 24
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        recs.append((sec, usec, orig, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return head, recs


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(src, dst, proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0x4000,
                    64, proto, 0, bytes(src), bytes(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def tcp(src, dst, sport, dport, flags, payload=b"", seq=1000):
    t = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags,
                    65535, 0, 0) + payload
    pseudo = bytes(src) + bytes(dst) + struct.pack("!BBH", 0, 6, len(t))
    t = t[:16] + struct.pack("!H", csum(pseudo + t)) + t[18:]
    return ip4(src, dst, 6, t)


def udp(src, dst, sport, dport, payload):
    return ip4(src, dst, 17, struct.pack("!HHHH", sport, dport,
                                         8 + len(payload), 0) + payload)


def eth(payload, etype=0x0800):
    return b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02" + struct.pack("!H", etype) + \
        payload


def others(n):
    a, b = [10, 1, 1, 1], [10, 1, 1, 2]
    out = [
        eth(tcp(a, b, 40000 + n % 7, 80, 0x18, b"GET / HTTP/1.1\r\n\r\n")),
        eth(udp(a, [10, 1, 1, 53], 5353 + n, 53, b"\x12\x34\x01\x00" +
                b"\0" * 8)),
        eth(struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1,
                        b"\x02\0\0\0\0\x01", bytes(a), b"\0" * 6,
                        bytes(b)), 0x0806),
    ]
    if n == 5:
        out.append(eth(tcp([10, 9, 9, 9], [10, 9, 9, 10], 5555, 25, 0x02)))
    if n == 8:
        out.append(eth(tcp([10, 7, 7, 7], [10, 7, 7, 8], 5556, 25, 0x18,
                           b"EHLO mid.example\r\n")))
    return out


def mix(src, dst):
    head, recs = read(src)
    out = []
    for i, (sec, usec, orig, data) in enumerate(recs):
        out.append((sec, usec, orig, data))
        if i % 3 == 2:
            for k, f in enumerate(others(i)):
                out.append((sec, usec, len(f), f))
    with open(dst, "wb") as f:
        f.write(head)
        for sec, usec, orig, data in out:
            f.write(struct.pack("<IIII", sec, usec, len(data), orig) + data)


def same(a, b):
    _, ra = read(a)
    _, rb = read(b)
    for i, (x, y) in enumerate(zip(ra, rb)):
        if x != y:
            print("frame %d differs: %r... against %r..." %
                  (i + 1, x[:3], y[:3]))
            return 1
    if len(ra) != len(rb):
        print("%d frames against %d" % (len(ra), len(rb)))
        return 1
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "mix":
        mix(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "same":
        sys.exit(same(sys.argv[2], sys.argv[3]))
