#!/usr/bin/env python3
# Helpers for tests/t-html.sh (standard library only):
#   hostile-pcap OUT       a capture whose wire text tries to inject HTML
#   spread-pcap OUT N SEC  N sessions, one every SEC seconds
#   inspect FILE           facts about an HTML page, one per line:
#                          svg N, script N, handlers N, external N,
#                          card ID VALUE, heading TEXT
#   text FILE              the page's text content, one node a line
#   png-size FILE          "WIDTH HEIGHT" of a PNG (from its IHDR)
# SPDX-License-Identifier: GPL-2.0-or-later
import struct
import sys
from html.parser import HTMLParser

T0 = 1700000000  # 2023-11-14 22:13:20 UTC


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                      65535, 0, 0) + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000,
                     64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    return eth + ip + tcp


FIN, SYN, PSH, ACK = 0x01, 0x02, 0x08, 0x10


def session(out, t, n, dialogue):
    """One TCP connection 10.0.0.1:(40000+n) -> 10.0.0.2:25 at time t,
    carrying dialogue, a list of ("C" or "S", bytes)."""
    cip, sip = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    cport, sport = 40000 + n % 20000, 25
    seq = {"C": 1000 + n, "S": 900000 + n}
    step = [t]

    def send(side, flags, payload=b""):
        other = "S" if side == "C" else "C"
        if side == "C":
            f = frame(cip, sip, cport, sport, seq["C"], seq["S"], flags,
                      payload)
        else:
            f = frame(sip, cip, sport, cport, seq["S"], seq["C"], flags,
                      payload)
        out.append((step[0], f))
        step[0] += 0.001
        seq[side] += len(payload) + (1 if flags & (SYN | FIN) else 0)
        return other

    send("C", SYN)
    send("S", SYN | ACK)
    send("C", ACK)
    for side, data in dialogue:
        other = send(side, PSH | ACK, data)
        send(other, ACK)
    send("C", FIN | ACK)
    send("S", FIN | ACK)
    send("C", ACK)


def write_pcap(path, packets):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t, p in packets:
            sec = int(t)
            usec = int(round((t - sec) * 1e6))
            f.write(struct.pack("<IIII", sec, usec, len(p), len(p)) + p)


def hostile(path):
    s = "<script>alert(1)</script>"
    d = [
        ("S", b"220 mx.example.org ESMTP\r\n"),
        ("C", b"EHLO " + s.encode() + b"\r\n"),
        ("S", b"250-mx.example.org\r\n250 PIPELINING\r\n"),
        ("C", b'MAIL FROM:<"onmouseover=alert(1)"@evil.example>\r\n'),
        ("S", b"250 2.1.0 Ok\r\n"),
        ("C", b'RCPT TO:<"' + s.encode() + b'"@victim.example>\r\n'),
        ("S", b"550 5.1.1 Recipient address rejected: " + s.encode() +
         b"\r\n"),
        ("C", b'RCPT TO:<ok@"' + s.encode() + b'">\r\n'),
        ("S", b"250 2.1.5 Ok\r\n"),
        ("C", b"DATA\r\n"),
        ("S", b"354 End data with <CR><LF>.<CR><LF>\r\n"),
        ("C", b"Subject: hi\r\n\r\nhello\r\n.\r\n"),
        ("S", b"250 2.0.0 Ok: queued as 4TQ2\r\n"),
        # Invalid UTF-8, a bidi override and a quote, without brackets.
        ("C", b"MAIL FROM:x\xff\xfe\xe2\x80\xae'" + s.encode() +
         b"@bad.example\r\n"),
        ("S", b"451 4.3.0 Try again later " + s.encode() + b"\r\n"),
        ("C", b"QUIT\r\n"),
        ("S", b"221 2.0.0 Bye\r\n"),
    ]
    out = []
    session(out, T0, 1, d)
    write_pcap(path, out)


def spread(path, n, interval):
    out = []
    for i in range(n):
        final = b"451 4.3.0 Try again later\r\n" if i % 4 == 3 else \
            b"250 2.0.0 Ok: queued\r\n"
        d = [
            ("S", b"220 mx.example.org ESMTP\r\n"),
            ("C", b"EHLO client.example\r\n"),
            ("S", b"250 mx.example.org\r\n"),
            ("C", b"MAIL FROM:<a%d@source.example>\r\n" % (i % 5)),
            ("S", b"250 2.1.0 Ok\r\n"),
            ("C", b"RCPT TO:<b@sink.example>\r\n"),
            ("S", b"250 2.1.5 Ok\r\n"),
            ("C", b"DATA\r\n"),
            ("S", b"354 go ahead\r\n"),
            ("C", b"Subject: n\r\n\r\n" + b"x" * (100 * (i % 7 + 1)) +
             b"\r\n.\r\n"),
            ("S", final),
            ("C", b"MAIL FROM:<c@source.example>\r\n"),
            ("S", b"250 2.1.0 Ok\r\n"),
            ("C", b"RCPT TO:<nobody@sink.example>\r\n"),
            ("S", b"550 5.1.1 No such user\r\n"),
            ("C", b"QUIT\r\n"),
            ("S", b"221 2.0.0 Bye\r\n"),
        ]
        session(out, T0 + i * interval, i, d)
    write_pcap(path, out)


class Facts(HTMLParser):
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input",
            "link", "meta", "source", "track", "wbr"}
    URL_ATTRS = {"src", "href", "xlink:href", "action", "formaction",
                 "data", "poster", "background", "srcset", "manifest"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.svg = self.script = self.handlers = self.external = 0
        self.cards = []
        self.headings = []
        self.texts = []
        self.stack = []
        self.card = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg":
            self.svg += 1
        if tag == "script":
            self.script += 1
        for k, v in attrs:
            if k.startswith("on"):
                self.handlers += 1
            if k in self.URL_ATTRS and v is not None and \
                    not v.startswith("#") and not v.startswith("data:"):
                self.external += 1
        if tag == "link" and a.get("href"):
            self.external += 1
        if tag == "div" and (a.get("id") or "").startswith("card-"):
            self.card = [a["id"][5:], None]
        if tag == "span" and self.card is not None and \
                a.get("class") == "v":
            self.stack.append("card-v")
        elif tag in ("h1", "h2", "h3", "figcaption"):
            self.stack.append(tag)
            self.headings.append("")
        elif tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        want = "card-v" if tag == "span" and "card-v" in self.stack[-1:] \
            else tag
        if want not in self.stack:
            return
        while self.stack:
            top = self.stack.pop()
            if top == "card-v" and self.card is not None:
                self.cards.append(self.card)
                self.card = None
            if top == want:
                break

    def handle_data(self, data):
        if self.stack[-1:] == ["style"]:
            return
        if data.strip():
            self.texts.append(data.strip())
        if "card-v" in self.stack and self.card is not None:
            self.card[1] = (self.card[1] or "") + data.strip()
        for t in reversed(self.stack):
            if t in ("h1", "h2", "h3", "figcaption"):
                self.headings[-1] += data
                break


def parse(path):
    p = Facts()
    with open(path, "rb") as f:
        p.feed(f.read().decode("utf-8", "strict"))
    p.close()
    return p


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "hostile-pcap" and len(argv) == 3:
        hostile(argv[2])
    elif cmd == "spread-pcap" and len(argv) == 5:
        spread(argv[2], int(argv[3]), float(argv[4]))
    elif cmd == "inspect" and len(argv) == 3:
        p = parse(argv[2])
        print("svg", p.svg)
        print("script", p.script)
        print("handlers", p.handlers)
        print("external", p.external)
        for cid, v in p.cards:
            print("card", cid, v)
        for h in p.headings:
            print("heading", " ".join(h.split()))
    elif cmd == "text" and len(argv) == 3:
        for t in parse(argv[2]).texts:
            print(t)
    elif cmd == "png-size" and len(argv) == 3:
        with open(argv[2], "rb") as f:
            head = f.read(24)
        if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
            print("not-a-png")
            return 1
        print(*struct.unpack(">II", head[16:24]))
    else:
        sys.stderr.write("usage: htmlreport.py hostile-pcap OUT | "
                         "spread-pcap OUT N SEC | inspect FILE | "
                         "text FILE | png-size FILE\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
