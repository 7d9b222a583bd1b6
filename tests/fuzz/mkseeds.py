#!/usr/bin/env python3
# Make fuzz seeds from captures: each TCP session on a mail port becomes
# one input in fuzz_smtp.c's format (2-byte header: top bit server, 15
# bits length; then the bytes), in capture order. A simple in-order
# reassembly: enough for the loopback captures this project records.
#   mkseeds.py OUTDIR CAPTURE...
# SPDX-License-Identifier: GPL-2.0-or-later
import hashlib
import os
import struct
import sys

PORTS = {25, 465, 587}


def packets(path):
    data = open(path, "rb").read()
    magic = data[:4]
    e = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    linktype = struct.unpack(e + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        yield linktype, data[off + 16:off + 16 + incl]
        off += 16 + incl


def l3(linktype, p):
    if linktype == 1:
        off, et = 12, None
        while off + 2 <= len(p):
            et = struct.unpack(">H", p[off:off + 2])[0]
            if et in (0x8100, 0x88a8, 0x9100):
                off += 4
                continue
            return p[off + 2:]
        return b""
    if linktype == 276:
        return p[20:]
    if linktype == 113:
        return p[16:]
    if linktype in (0, 108):
        return p[4:]
    return p


def tcp(ip):
    if not ip:
        return None
    v = ip[0] >> 4
    if v == 4:
        hl = (ip[0] & 15) * 4
        if ip[9] != 6:
            return None
        total = struct.unpack(">H", ip[2:4])[0]
        src, dst, t = ip[12:16], ip[16:20], ip[hl:total]
    elif v == 6:
        if ip[6] != 6:
            return None
        plen = struct.unpack(">H", ip[4:6])[0]
        src, dst, t = ip[8:24], ip[24:40], ip[40:40 + plen]
    else:
        return None
    if len(t) < 20:
        return None
    sp, dp, seq = struct.unpack(">HHI", t[:8])
    off = (t[12] >> 4) * 4
    return src, sp, dst, dp, seq, t[13], t[off:]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for cap in sys.argv[2:]:
        sessions = {}
        for lt, p in packets(cap):
            r = tcp(l3(lt, p))
            if r is None:
                continue
            src, sp, dst, dp, seq, flags, payload = r
            if dp in PORTS:
                key, server = (src, sp, dst, dp), 0
            elif sp in PORTS:
                key, server = (dst, dp, src, sp), 1
            else:
                continue
            s = sessions.setdefault(key, {"next": [None, None], "chunks": []})
            if flags & 2:
                s["next"][server] = (seq + 1) & 0xffffffff
                continue
            if not payload or s["next"][server] is None:
                continue
            if seq != s["next"][server]:
                continue  # retransmission or out of order: skip
            s["next"][server] = (seq + len(payload)) & 0xffffffff
            s["chunks"].append((server, payload))
        for s in sessions.values():
            blob = b""
            for server, payload in s["chunks"]:
                while payload:
                    piece, payload = payload[:32767], payload[32767:]
                    blob += struct.pack(">H", (server << 15) | len(piece)) + piece
            if not blob or len(blob) > 65536:
                continue
            name = hashlib.sha1(blob).hexdigest()[:16]
            open(os.path.join(out, name), "wb").write(blob)


if __name__ == "__main__":
    main()
