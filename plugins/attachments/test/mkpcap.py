#!/usr/bin/env python3
# A classic pcap of one SMTP session that sends each message given, the
# client's bytes cut into segments of SEG bytes (so that body events split
# lines and boundaries anywhere).
#   mkpcap.py OUT.pcap SEG MSG_FILE...
# SPDX-License-Identifier: GPL-2.0-or-later
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


CLI, SRV = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
CPORT, SPORT = 40000, 25


def packet(src, dst, sp, dp, seq, ack, flags, payload):
    tcp = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    c = csum(pseudo + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x01\x08\x00" + ip + tcp


def main():
    out, seg, msgs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    recs = []
    t = [1700000000.0]
    cs, ss = [1000], [5000]

    def emit(frame):
        t[0] += 0.001
        sec = int(t[0])
        recs.append(struct.pack("<IIII", sec, int((t[0] - sec) * 1e6), len(frame), len(frame)) + frame)

    def client(data, size=None):
        size = size or len(data)
        for i in range(0, len(data), size):
            p = data[i:i + size]
            emit(packet(CLI, SRV, CPORT, SPORT, cs[0], ss[0], 0x18, p))
            cs[0] += len(p)
        emit(packet(SRV, CLI, SPORT, CPORT, ss[0], cs[0], 0x10, b""))

    def server(data):
        emit(packet(SRV, CLI, SPORT, CPORT, ss[0], cs[0], 0x18, data))
        ss[0] += len(data)
        emit(packet(CLI, SRV, CPORT, SPORT, cs[0], ss[0], 0x10, b""))

    emit(packet(CLI, SRV, CPORT, SPORT, cs[0] - 1, 0, 0x02, b""))
    emit(packet(SRV, CLI, SPORT, CPORT, ss[0] - 1, cs[0], 0x12, b""))
    emit(packet(CLI, SRV, CPORT, SPORT, cs[0], ss[0], 0x10, b""))
    server(b"220 mx.test ESMTP\r\n")
    client(b"EHLO client.test\r\n")
    server(b"250 mx.test\r\n")
    for m in msgs:
        data = open(m, "rb").read()
        client(b"MAIL FROM:<a@client.test>\r\n")
        server(b"250 2.1.0 Ok\r\n")
        client(b"RCPT TO:<b@mx.test>\r\n")
        server(b"250 2.1.5 Ok\r\n")
        client(b"DATA\r\n")
        server(b"354 go on\r\n")
        lines = data.split(b"\n")
        stuffed = b"\n".join(b"." + l if l.startswith(b".") else l for l in lines)
        if not stuffed.endswith(b"\r\n"):
            stuffed += b"\r\n"
        client(stuffed + b".\r\n", seg)
        server(b"250 2.0.0 queued\r\n")
    client(b"QUIT\r\n")
    server(b"221 bye\r\n")
    emit(packet(CLI, SRV, CPORT, SPORT, cs[0], ss[0], 0x11, b""))
    emit(packet(SRV, CLI, SPORT, CPORT, ss[0], cs[0] + 1, 0x11, b""))
    emit(packet(CLI, SRV, CPORT, SPORT, cs[0] + 1, ss[0] + 1, 0x10, b""))
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        f.write(b"".join(recs))


main()
