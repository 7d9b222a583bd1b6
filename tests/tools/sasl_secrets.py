#!/usr/bin/env python3
# Print the SASL secrets (passwords, in clear and in base64) that the
# captures carry in AUTH PLAIN and AUTH LOGIN exchanges, one a line, read
# straight from the packets, to check that smtpscope never writes them.
#   sasl_secrets.py CAPTURE...
# SPDX-License-Identifier: GPL-2.0-or-later
import base64
import binascii
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import pcapstream  # noqa: E402


def b64(s):
    try:
        return base64.b64decode(s + b"=" * (-len(s) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def secrets(chunks):
    buf = [b"", b""]
    expect = None  # "plain", "password"
    for server, data in chunks:
        buf[server] += data
        while b"\n" in buf[server]:
            line, buf[server] = buf[server].split(b"\n", 1)
            line = line.rstrip(b"\r")
            if server:
                if line.startswith(b"334 "):
                    text = b64(line[4:].strip()) or b""
                    if text.lower().startswith(b"pass"):
                        expect = "password"
                    elif line[4:].strip() == b"" and expect == "plain?":
                        expect = "plain"
                continue
            words = line.split()
            if len(words) >= 2 and words[0].upper() == b"AUTH":
                mech = words[1].upper()
                if mech == b"PLAIN" and len(words) >= 3:
                    yield from plain(words[2])
                expect = "plain?" if mech == b"PLAIN" else None
            elif expect == "password":
                yield line
                d = b64(line)
                if d:
                    yield d
                expect = None
            elif expect == "plain":
                yield from plain(line)
                expect = None


def plain(blob):
    d = b64(blob)
    if d and d.count(b"\0") >= 2:
        yield blob
        yield d.split(b"\0")[2]


def main():
    seen = set()
    for cap in sys.argv[1:]:
        for chunks in pcapstream.sessions(cap):
            for s in secrets(chunks):
                if len(s) >= 4 and s not in seen:
                    seen.add(s)
                    sys.stdout.buffer.write(s + b"\n")


if __name__ == "__main__":
    main()
