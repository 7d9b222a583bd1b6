#!/usr/bin/env python3
# The messages of every SMTP session in a pcap, read from the TCP payloads
# alone (tests/tools/pcapstream.py), not from smtpscope: the client's DATA
# (after a 354 reply, dot-unstuffed up to the final CRLF) and BDAT chunks.
#   pcap_messages.py TOOLS_DIR FILE.pcap
# prints one JSON line per message: client, cport, server, sport, index
# (order within the session), complete, and the bytes in hex.
# SPDX-License-Identifier: GPL-2.0-or-later
import ipaddress
import json
import sys

sys.path.insert(0, sys.argv[1])
import pcapstream  # noqa: E402


def streams(cap):
    out = {}
    for lt, p in pcapstream.packets(cap):
        r = pcapstream.tcp(pcapstream.l3(lt, p))
        if r is None:
            continue
        src, sp, dst, dp, seq, flags, payload = r
        if dp in pcapstream.PORTS:
            key, server = (src, sp, dst, dp), 0
        elif sp in pcapstream.PORTS:
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
    return out


class Session:
    def __init__(self):
        self.mode = "cmd"
        self.cbuf = b""
        self.sbuf = b""
        self.pending = []
        self.greeted = False
        self.hold = b""
        self.msg = None
        self.bdat_left = 0
        self.bdat_last = False
        self.messages = []
        self.stopped = False
        # TURN or ATRN answered 250: the TCP server sends the mail now
        # (RFC 821 4.1.1, RFC 2645) and the TCP client answers.
        self.reversed = False

    def client(self, data):
        if self.stopped:
            return
        if self.mode == "wait354":
            self.hold += data
            return
        self.cbuf += data
        self.run_client()

    def run_client(self):
        while self.cbuf and not self.stopped:
            if self.mode == "body":
                i = self.cbuf.find(b"\n")
                if i < 0:
                    return
                line, self.cbuf = self.cbuf[:i + 1], self.cbuf[i + 1:]
                if line in (b".\r\n", b".\n"):
                    self.messages.append((self.msg, True))
                    self.msg = None
                    self.mode = "cmd"
                    continue
                if line.startswith(b"."):
                    line = line[1:]
                self.msg += line
            elif self.mode == "bdat":
                take = self.cbuf[:self.bdat_left]
                self.cbuf = self.cbuf[len(take):]
                self.msg += take
                self.bdat_left -= len(take)
                if self.bdat_left == 0:
                    if self.bdat_last:
                        self.messages.append((self.msg, True))
                        self.msg = None
                    self.mode = "cmd"
            elif self.mode == "wait354":
                self.hold += self.cbuf
                self.cbuf = b""
            else:
                i = self.cbuf.find(b"\n")
                if i < 0:
                    return
                line, self.cbuf = self.cbuf[:i + 1], self.cbuf[i + 1:]
                words = line.strip().split()
                verb = words[0].upper() if words else b""
                self.pending.append(verb)
                if verb == b"DATA":
                    self.mode = "wait354"
                    self.hold, self.cbuf = self.cbuf, b""
                elif verb == b"BDAT" and len(words) >= 2 and words[1].isdigit() and len(words[1]) <= 18:
                    if self.msg is None:
                        self.msg = b""
                    self.bdat_left = int(words[1])
                    self.bdat_last = len(words) > 2 and words[2].upper() == b"LAST"
                    self.mode = "bdat"
                    if self.bdat_left == 0:
                        if self.bdat_last:
                            self.messages.append((self.msg, True))
                            self.msg = None
                        self.mode = "cmd"
                elif verb in (b"MAIL", b"RSET"):
                    self.msg = None

    def server(self, data):
        self.sbuf += data
        while True:
            i = self.sbuf.find(b"\n")
            if i < 0:
                return
            line, self.sbuf = self.sbuf[:i + 1], self.sbuf[i + 1:]
            if len(line) < 3 or not line[:3].isdigit() or line[3:4] == b"-":
                continue
            code = int(line[:3])
            if not self.greeted:
                self.greeted = True
                continue
            if not self.pending:
                continue
            verb = self.pending.pop(0)
            if verb == b"STARTTLS" and code == 220:
                # TLS from here: nothing more can be read (a refused
                # STARTTLS leaves the dialogue in clear).
                self.stopped = True
                return
            if verb in (b"TURN", b"ATRN") and code == 250:
                rest, self.sbuf = self.sbuf, b""
                self.reversed = not self.reversed
                self.greeted = False
                self.pending = []
                self.cbuf = b""
                self.client(rest)
                return
            if verb == b"DATA" and self.mode == "wait354":
                hold, self.hold = self.hold, b""
                if code == 354:
                    self.mode = "body"
                    self.msg = b""
                else:
                    self.mode = "cmd"
                self.cbuf = hold + self.cbuf
                self.run_client()

    def end(self):
        if self.mode in ("body", "bdat") and self.msg is not None:
            self.messages.append((self.msg, False))


def addr(b):
    return str(ipaddress.ip_address(bytes(b)))


for key, s in streams(sys.argv[2]).items():
    sess = Session()
    for server, data in s["chunks"]:
        if server != sess.reversed:
            sess.server(data)
        else:
            sess.client(data)
    sess.end()
    for i, (m, complete) in enumerate(sess.messages):
        print(json.dumps({"client": addr(key[0]), "cport": key[1],
                          "server": addr(key[2]), "sport": key[3],
                          "index": i, "complete": complete, "hex": m.hex()}))
