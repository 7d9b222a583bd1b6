#!/usr/bin/env python3
# Read the TCP streams of mail sessions from a classic pcap file: enough
# for the tests' tools (fuzz seeds, secrets), not a general reassembler:
# in-order segments only, retransmissions and reordering skipped.
# SPDX-License-Identifier: GPL-2.0-or-later
import struct

# smtpscope's default ports: SMTP, submission (TLS, plain), LMTP, ODMR.
PORTS = {25, 465, 587, 24, 366}


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



def sessions(cap):
    """Each mail session's payload chunks, in capture order, as a list of
    (server, bytes) where server is 1 for the server's bytes."""
    out = {}
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
        s = out.setdefault(key, {"next": [None, None], "chunks": []})
        if flags & 2:
            s["next"][server] = (seq + 1) & 0xffffffff
            continue
        if not payload or s["next"][server] is None:
            continue
        if seq != s["next"][server]:
            continue
        s["next"][server] = (seq + len(payload)) & 0xffffffff
        s["chunks"].append((server, payload))
    return [s["chunks"] for s in out.values()]
