#!/usr/bin/env python3
# Make fuzz seeds from captures: each TCP session on a mail port becomes
# one input in fuzz_smtp.c's format (2-byte header: top bit server, 15
# bits length; then the bytes), in capture order.
#   mkseeds.py OUTDIR CAPTURE...
# SPDX-License-Identifier: GPL-2.0-or-later
import hashlib
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
import pcapstream  # noqa: E402


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for cap in sys.argv[2:]:
        for chunks in pcapstream.sessions(cap):
            blob = b""
            for server, payload in chunks:
                while payload:
                    piece, payload = payload[:32767], payload[32767:]
                    blob += struct.pack(">H", (server << 15) | len(piece)) + piece
            if not blob or len(blob) > 65536:
                continue
            name = hashlib.sha1(blob).hexdigest()[:16]
            open(os.path.join(out, name), "wb").write(blob)


if __name__ == "__main__":
    main()
