#!/usr/bin/env python3
# Helpers for tests/t-html.sh (standard library only):
#   hostile-pcap OUT       a capture whose wire text tries to inject HTML
#   spread-pcap OUT N SEC  N sessions, one every SEC seconds
#   security-pcap OUT      submission without AUTH, AUTH PLAIN in clear
#   gap-pcap OUT           a transaction lost after a hole in the capture
#   relays-pcap OUT        messages through three relays: two with as
#                          many hops, a drop, one still queued at the end
#   inspect FILE           facts about an HTML page, one per line:
#                          svg N, script N, handlers N, external N,
#                          card ID VALUE, card-note ID TEXT,
#                          row TABLE-ID CELL|CELL|..., heading TEXT
#   log-figures JSONL      outcomes and security counts of a JSON log
#   reply-meaning CODE C   a reply code's meaning in event/codes.c
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


def session(out, t, n, dialogue, sport=25, cip=bytes([10, 0, 0, 1]),
            sip=bytes([10, 0, 0, 2])):
    """One TCP connection cip:(40000+n) -> sip:sport (10.0.0.1 and
    10.0.0.2 unless said) at time t, carrying dialogue, a list of ("C" or
    "S", bytes)."""
    cport = 40000 + n % 20000
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


def security(path):
    """A message submitted on port 587 without AUTH, and a session on
    port 25 that authenticates with AUTH PLAIN in clear text."""
    mail = [
        ("C", b"MAIL FROM:<a@source.example>\r\n"),
        ("S", b"250 2.1.0 Ok\r\n"),
        ("C", b"RCPT TO:<b@sink.example>\r\n"),
        ("S", b"250 2.1.5 Ok\r\n"),
        ("C", b"DATA\r\n"),
        ("S", b"354 go ahead\r\n"),
        ("C", b"Subject: s\r\n\r\nhello\r\n.\r\n"),
        ("S", b"250 2.0.0 Ok: queued\r\n"),
        ("C", b"QUIT\r\n"),
        ("S", b"221 2.0.0 Bye\r\n"),
    ]
    ehlo = [
        ("S", b"220 mx.example.org ESMTP\r\n"),
        ("C", b"EHLO client.example\r\n"),
        ("S", b"250-mx.example.org\r\n250-AUTH PLAIN LOGIN\r\n"
         b"250 PIPELINING\r\n"),
    ]
    out = []
    session(out, T0, 1, ehlo + mail, sport=587)
    # "\0user\0secret" in base64: a password on the wire.
    session(out, T0 + 1, 2, ehlo + [
        ("C", b"AUTH PLAIN AHVzZXIAc2VjcmV0\r\n"),
        ("S", b"235 2.7.0 Authentication successful\r\n"),
    ] + mail)
    write_pcap(path, out)


def relays(path):
    """Messages through three relays, for the dashboard's relay table:
    192.0.2.9 and 192.0.2.30 pass two messages on each (a tie: by
    address, 9 before 30, where by text "192.0.2.30" would come first),
    one of 192.0.2.9's after 190 s; 192.0.2.9 drops one (a later message
    to the same domain left before it); 192.0.2.100 passes one on and
    still holds one at the end. Hops are linked by the relay's queue id
    ("queued as") against the id in the Received field it adds."""
    out = []
    n = [0]
    origin, final = "198.51.100.7", "203.0.113.5"

    def ip(a):
        return bytes(int(x) for x in a.split("."))

    def hop(t, cip, sip, qid, prev=None, rcpt=b"b@d.example"):
        n[0] += 1
        received = b""
        if prev is not None:
            received = (b"Received: from client.example (client.example "
                        b"[" + origin.encode() + b"])\r\n\tby "
                        b"relay.example (Postfix) with ESMTP id " + prev +
                        b"\r\n\tfor <" + rcpt + b">; Tue, 14 Nov 2023 "
                        b"22:13:20 +0000\r\n")
        session(out, T0 + t, n[0], [
            ("S", b"220 mx.example ESMTP Postfix\r\n"),
            ("C", b"EHLO client.example\r\n"),
            ("S", b"250 mx.example\r\n"),
            ("C", b"MAIL FROM:<a@o.example>\r\n"),
            ("S", b"250 2.1.0 Ok\r\n"),
            ("C", b"RCPT TO:<" + rcpt + b">\r\n"),
            ("S", b"250 2.1.5 Ok\r\n"),
            ("C", b"DATA\r\n"),
            ("S", b"354 End data with <CR><LF>.<CR><LF>\r\n"),
            ("C", received + b"Subject: relay table\r\n\r\nhi\r\n.\r\n"),
            ("S", b"250 2.0.0 Ok: queued as " + qid + b"\r\n"),
            ("C", b"QUIT\r\n"),
            ("S", b"221 2.0.0 Bye\r\n"),
        ], cip=ip(cip), sip=ip(sip))

    b, a, c = "192.0.2.9", "192.0.2.30", "192.0.2.100"
    hop(0, origin, b, b"B0DROP")
    for t, relay, qid, wait in ((10, b, b"B1", 1), (20, b, b"B2", 190),
                                (30, a, b"A1", 0.5), (40, a, b"A2", 2),
                                (50, c, b"C1", 0.2)):
        hop(t, origin, relay, b"1" + qid + b"00")
        hop(t + wait, relay, final, b"F" + qid + b"00",
            prev=b"1" + qid + b"00")
    hop(300, origin, c, b"C0HOLD", rcpt=b"z@d.example")
    out.sort(key=lambda p: p[0])
    write_pcap(path, out)


def gap(path):
    """A transaction cut off inside DATA after 500 bytes the capture
    never saw: unknown (capture loss, not lost mail)."""
    cip, sip = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    seq = {"C": 1000, "S": 900000}
    step = [T0]
    out = []

    def send(side, flags, payload=b"", skip=0):
        if side == "C":
            f = frame(cip, sip, 40001, 25, seq["C"] + skip, seq["S"],
                      flags, payload)
        else:
            f = frame(sip, cip, 25, 40001, seq["S"], seq["C"], flags,
                      payload)
        out.append((step[0], f))
        step[0] += 0.001
        seq[side] += skip + len(payload) + \
            (1 if flags & (SYN | FIN) else 0)

    send("C", SYN)
    send("S", SYN | ACK)
    send("C", ACK)
    for side, data in [
            ("S", b"220 mx.example.org ESMTP\r\n"),
            ("C", b"EHLO client.example\r\n"),
            ("S", b"250 mx.example.org\r\n"),
            ("C", b"MAIL FROM:<a@source.example>\r\n"),
            ("S", b"250 2.1.0 Ok\r\n"),
            ("C", b"RCPT TO:<b@sink.example>\r\n"),
            ("S", b"250 2.1.5 Ok\r\n"),
            ("C", b"DATA\r\n"),
            ("S", b"354 go ahead\r\n"),
            ("C", b"Subject: gap\r\n\r\n")]:
        send(side, PSH | ACK, data)
    send("C", PSH | ACK, b"the end of it\r\n.\r\n", skip=500)
    send("S", ACK)
    send("S", FIN | ACK)
    send("C", FIN | ACK)
    send("S", ACK)
    write_pcap(path, out)


def log_figures(path):
    """What a JSON log (smtpscope -w) says, one "name value" a line:
    transactions by outcome (dropped: messages a relay dropped, from the
    message records), the unknown ones cut off while the capture lost
    bytes or packets (capture loss, not lost mail), the
    transactions on a submission port without AUTH, the sessions with a
    cleartext_auth anomaly."""
    import json
    names = ["accepted", "rejected", "tempfail", "lost", "aborted",
             "dropped", "unknown"]
    n = dict((k, 0) for k in names)
    n["unknown_capture"] = n["submission_no_auth"] = 0
    cleartext = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r.get("type") == "summary" and r.get("tracking"):
                # every message tracked, with a record or not
                n["messages"] = r["tracking"]["messages"]
            if r.get("type") == "message":
                # a drop: a message record with a dropped recipient
                if any(x["fate"] == "dropped" for x in r["recipients"]):
                    n["dropped"] += 1
            if r.get("type") == "transaction":
                o = r.get("outcome")
                if o not in n:
                    raise SystemExit("unknown outcome %r" % o)
                n[o] += 1
                if o == "unknown" and r.get("capture_loss"):
                    n["unknown_capture"] += 1
                if r.get("submission_without_auth"):
                    n["submission_no_auth"] += 1
            elif r.get("type") == "anomaly" and \
                    r.get("name") == "cleartext_auth":
                cleartext.add(r.get("session_id"))
    n["cleartext_auth"] = len(cleartext)
    for k, v in n.items():
        print(k, v)


def reply_meaning(code, codes_c):
    """The meaning src/event/codes.c gives reply code for any command
    (its SMTP_VERB_UNKNOWN row), its string literals joined."""
    import re
    with open(codes_c, encoding="utf-8") as f:
        src = f.read()
    m = re.search(r"\{\s*%d,\s*SMTP_VERB_UNKNOWN,\s*((?:\"(?:[^\"\\]|\\.)*\""
                  r"\s*)+)," % code, src)
    if m is None:
        return None
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))


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
        self.card_subs = []
        self.card_id = None
        self.table = None  # the id of the table being read
        self.rows = []     # (table id, [cell texts])
        self.cell = None

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
            self.card_id = a["id"][5:]
        if tag == "table" and a.get("id"):
            self.table = a["id"]
        if self.table is not None and tag == "tr":
            self.rows.append((self.table, []))
        if self.table is not None and tag in ("td", "th") and self.rows:
            self.rows[-1][1].append("")
            self.cell = self.rows[-1][1]
        if tag == "span" and self.card_id is not None and \
                a.get("class") == "s":
            self.card_subs.append([self.card_id, ""])
            self.card_id = None
            self.stack.append("card-s")
        elif tag == "span" and self.card is not None and \
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
        if tag == "table":
            self.table = None
        if tag in ("td", "th"):
            self.cell = None
        want = tag
        if tag == "span" and self.stack[-1:] in (["card-v"], ["card-s"]):
            want = self.stack[-1]
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
        if "card-s" in self.stack and self.card_subs:
            self.card_subs[-1][1] += data
        if self.cell is not None and data.strip():
            self.cell[-1] = (self.cell[-1] + " " + data.strip()).strip()
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
        for cid, v in p.card_subs:
            print("card-note", cid, " ".join(v.split()))
        for tid, cells in p.rows:
            if cells:
                print("row", tid, "|".join(cells))
        for h in p.headings:
            print("heading", " ".join(h.split()))
    elif cmd == "security-pcap" and len(argv) == 3:
        security(argv[2])
    elif cmd == "gap-pcap" and len(argv) == 3:
        gap(argv[2])
    elif cmd == "relays-pcap" and len(argv) == 3:
        relays(argv[2])
    elif cmd == "log-figures" and len(argv) == 3:
        log_figures(argv[2])
    elif cmd == "reply-meaning" and len(argv) == 4:
        m = reply_meaning(int(argv[2]), argv[3])
        if m is None:
            sys.stderr.write("no meaning of %s in %s\n" % (argv[2], argv[3]))
            return 1
        print(m)
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
                         "spread-pcap OUT N SEC | security-pcap OUT | "
                         "gap-pcap OUT | relays-pcap OUT | "
                         "inspect FILE | text FILE | png-size FILE | "
                         "log-figures JSONL | reply-meaning CODE CODES_C\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
