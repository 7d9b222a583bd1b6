#!/usr/bin/env python3
# Rewrite a classic pcap file as pcapng (SHB, one IDB, one EPB a packet),
# so that the tests can check pcapng input without Wireshark's editcap.
# SPDX-License-Identifier: GPL-2.0-or-later
import struct
import sys


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def block(btype, body):
    total = 12 + len(body)
    return struct.pack("<II", btype, total) + body + struct.pack("<I", total)


def main(src, dst):
    with open(src, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        sys.exit("not a classic pcap file")
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    _, _, _, _, snaplen, linktype = struct.unpack(e + "HHiIII", data[4:24])
    out = [block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))]
    # if_tsresol option (9): 6 = microseconds, 9 = nanoseconds.
    opts = struct.pack("<HHB", 9, 1, 9 if nano else 6) + b"\0" * 3
    opts += struct.pack("<HH", 0, 0)
    out.append(block(1, struct.pack("<HHI", linktype & 0xFFFF, 0, snaplen) + opts))
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        ts = sec * (10**9 if nano else 10**6) + frac
        body = struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(pkt), orig)
        out.append(block(6, body + pad4(pkt)))
    with open(dst, "wb") as f:
        f.write(b"".join(out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
