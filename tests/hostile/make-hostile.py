#!/usr/bin/env python3
# Writes crafted pcap files of hostile SMTP traffic for tests/t-hostile.sh:
#
#   tests/hostile/make-hostile.py OUTDIR [NAME ...]
#
# Every file is Ethernet/IPv4/TCP with a real three-way handshake and
# correct sequence and acknowledgement numbers, so that libnids follows
# the connections; TCP checksums are 0 (smtpscope checks them only when
# asked), IP header checksums are right. The receiver of bulk data
# acknowledges it often enough to stay inside libnids' view of the window.
# Deterministic (fixed seed, fixed timestamps): the same bytes every run.
# Standard library only; the whole set takes a few seconds.
#
# Names (see NAMES below; each is OUTDIR/NAME.pcap):
#   longline     a 1 MiB MAIL command line (then a normal transaction);
#                a 1 MiB line without any line end, then the close
#   rcpt10k      one transaction with 10,000 RCPTs, each answered 250
#   synflood     100,000 SYNs from distinct addresses/ports, no data;
#                then one normal session
#   random       20 sessions of random bytes both ways after the handshake
#   overlap      retransmissions with different content, overlapping
#                segments, segments in reverse order, duplicate queued
#                segments, overlapping IP fragments; the first copy of
#                every byte is the real one, decoys say "evil"
#   replyflood   100,000 replies, no command
#   bdat2g       BDAT 2147483648 LAST, 100 KB, then the close
#   bdat2e64     BDAT 18446744073709551616 LAST and a 10^32 size, then bytes
#   oooqueue     over 64 KiB queued out of order behind a hole (libnids
#                drops its queue), then everything retransmitted
#   noop1m       1,000,000 pipelined NOOPs and their replies
#   headers100k  a message with 100,000 header lines
#   opensessions 70,000 handshakes with a greeting, never closed
#   distinct100k (only when named) 100,000 sessions an hour apart (11 years), each from its
#                own client, with its own AUTH user failing, sender
#                domain, recipient domain and refusal reason
#   week         (only when named) a week, a session every five minutes,
#                refusals at 03:00 and deferrals at 04:00 each day
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import random
import struct
import sys

ETH_CLIENT = b"\x02\x00\x00\x00\x00\x01"
ETH_SERVER = b"\x02\x00\x00\x00\x00\x02"

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def ip_sum(h):
    s = sum(struct.unpack("!10H", h))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


class Pcap:
    """A classic little-endian pcap, Ethernet, timestamps 10 us apart."""

    def __init__(self, path):
        self.f = open(path, "wb", buffering=1 << 20)
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        self.t = 1700000000 * 1000000
        self.ipid = 0
        self.packets = 0

    def frame(self, src_mac, dst_mac, ippkt):
        n = 14 + len(ippkt)
        self.t += 10
        self.f.write(struct.pack("<IIII", self.t // 1000000, self.t % 1000000, n, n))
        self.f.write(dst_mac + src_mac + b"\x08\x00")
        self.f.write(ippkt)
        self.packets += 1

    def ip(self, src, dst, proto, payload, frag=0x4000, ident=None):
        if ident is None:
            self.ipid = (self.ipid + 1) & 0xFFFF
            ident = self.ipid
        h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident,
                        frag, 64, proto, 0, src, dst)
        return h[:10] + struct.pack("!H", ip_sum(h)) + h[12:] + payload

    def close(self):
        self.f.close()


class Conn:
    """One TCP connection: client cip:cport to server sip:sport."""

    def __init__(self, pc, cip, cport, sip="192.0.2.25", sport=25,
                 cisn=None, sisn=None, wscale=None, win=65535):
        self.pc = pc
        self.cip, self.sip = ip4(cip), ip4(sip)
        self.cport, self.sport = cport, sport
        h = (cport * 2654435761 + int.from_bytes(self.cip, "big") * 40503)
        self.cseq = cisn if cisn is not None else h & 0xFFFFFFFF
        self.sseq = sisn if sisn is not None else (h * 69069 + 1) & 0xFFFFFFFF
        self.wscale = wscale
        self.win = win

    # -- raw segments ------------------------------------------------
    def tcp(self, from_client, flags, seq, ack, data=b"", opts=b""):
        if from_client:
            sp, dp, src, dst = self.cport, self.sport, self.cip, self.sip
        else:
            sp, dp, src, dst = self.sport, self.cport, self.sip, self.cip
        hl = 20 + len(opts)
        h = struct.pack("!HHIIBBHHH", sp, dp, seq & 0xFFFFFFFF,
                        ack & 0xFFFFFFFF, (hl // 4) << 4, flags, self.win, 0, 0)
        return h + opts + data

    def emit(self, from_client, flags, seq, ack, data=b"", opts=b""):
        seg = self.tcp(from_client, flags, seq, ack, data, opts)
        self.raw(from_client, seg)

    def raw(self, from_client, seg, frag=0x4000, ident=None):
        src, dst = (self.cip, self.sip) if from_client else (self.sip, self.cip)
        pkt = self.pc.ip(src, dst, 6, seg, frag, ident)
        if from_client:
            self.pc.frame(ETH_CLIENT, ETH_SERVER, pkt)
        else:
            self.pc.frame(ETH_SERVER, ETH_CLIENT, pkt)

    # -- the connection -----------------------------------------------
    def syn(self):
        opts = b""
        if self.wscale is not None:
            opts = b"\x01\x03\x03" + bytes([self.wscale])
        self.emit(True, SYN, self.cseq, 0, opts=opts)

    def handshake(self):
        opts = b""
        if self.wscale is not None:
            opts = b"\x01\x03\x03" + bytes([self.wscale])
        self.emit(True, SYN, self.cseq, 0, opts=opts)
        self.emit(False, SYN | ACK, self.sseq, self.cseq + 1, opts=opts)
        self.cseq += 1
        self.sseq += 1
        self.emit(True, ACK, self.cseq, self.sseq)
        return self

    def ack(self, from_client):
        if from_client:
            self.emit(True, ACK, self.cseq, self.sseq)
        else:
            self.emit(False, ACK, self.sseq, self.cseq)

    def send(self, from_client, data, mss=1460, ack=True):
        """data in segments of mss; the receiver acknowledges whenever
        32 KiB are unacknowledged, and at the end (unless ack=False)."""
        unacked = 0
        for i in range(0, len(data), mss):
            chunk = data[i:i + mss]
            if from_client:
                self.emit(True, PSH | ACK, self.cseq, self.sseq, chunk)
                self.cseq += len(chunk)
            else:
                self.emit(False, PSH | ACK, self.sseq, self.cseq, chunk)
                self.sseq += len(chunk)
            unacked += len(chunk)
            if unacked >= 32768:
                self.ack(not from_client)
                unacked = 0
        if ack and unacked:
            self.ack(not from_client)

    def c(self, data, **kw):
        self.send(True, data, **kw)

    def s(self, data, **kw):
        self.send(False, data, **kw)

    def cmd(self, line, reply):
        """A command and its reply, lock-step; the reply acknowledges."""
        self.emit(True, PSH | ACK, self.cseq, self.sseq, line)
        self.cseq += len(line)
        self.emit(False, PSH | ACK, self.sseq, self.cseq, reply)
        self.sseq += len(reply)

    def close(self):
        """Client FIN, server FIN, client ACK: libnids' NIDS_CLOSE."""
        self.emit(True, FIN | ACK, self.cseq, self.sseq)
        self.cseq += 1
        self.emit(False, FIN | ACK, self.sseq, self.cseq)
        self.sseq += 1
        self.emit(True, ACK, self.cseq, self.sseq)

    def reset(self, from_client=True):
        if from_client:
            self.emit(True, RST | ACK, self.cseq, self.sseq)
        else:
            self.emit(False, RST | ACK, self.sseq, self.cseq)


GREETING = b"220 mx.example.test ESMTP hostile\r\n"
EHLO_REPLY = (b"250-mx.example.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
              b"250-CHUNKING\r\n250 8BITMIME\r\n")


def normal_session(pc, cport, cip="198.51.100.7", sender=b"a@example.test",
                   rcpt=b"b@example.test"):
    """A plain, accepted message: the control that follows a flood."""
    c = Conn(pc, cip, cport).handshake()
    c.s(GREETING)
    c.cmd(b"EHLO client.example.test\r\n", EHLO_REPLY)
    c.cmd(b"MAIL FROM:<" + sender + b">\r\n", b"250 2.1.0 Ok\r\n")
    c.cmd(b"RCPT TO:<" + rcpt + b">\r\n", b"250 2.1.5 Ok\r\n")
    c.cmd(b"DATA\r\n", b"354 End data with <CR><LF>.<CR><LF>\r\n")
    c.c(b"Subject: control\r\n\r\nhello\r\n.\r\n")
    c.s(b"250 2.0.0 Ok: queued as CONTROL\r\n")
    c.cmd(b"QUIT\r\n", b"221 2.0.0 Bye\r\n")
    c.close()


def start(pc, cport, cip="198.51.100.7", **kw):
    c = Conn(pc, cip, cport, **kw).handshake()
    c.s(GREETING)
    c.cmd(b"EHLO client.example.test\r\n", EHLO_REPLY)
    return c


# --- the captures ------------------------------------------------------

def longline(pc):
    c = start(pc, 40001)
    # A MAIL command of 1 MiB: the server refuses it, then a real one.
    c.c(b"MAIL FROM:<" + b"x" * (1 << 20) + b"@example.test>\r\n")
    c.s(b"500 5.5.0 Line too long\r\n")
    c.cmd(b"MAIL FROM:<a@example.test>\r\n", b"250 2.1.0 Ok\r\n")
    c.cmd(b"RCPT TO:<b@example.test>\r\n", b"250 2.1.5 Ok\r\n")
    c.cmd(b"DATA\r\n", b"354 go ahead\r\n")
    c.c(b"Subject: after the long line\r\n\r\nbody\r\n.\r\n")
    c.s(b"250 2.0.0 Ok: queued\r\n")
    c.cmd(b"QUIT\r\n", b"221 2.0.0 Bye\r\n")
    c.close()
    # 1 MiB without a line end, in both directions, then the close.
    c = start(pc, 40002)
    c.c(b"NOOP " + b"y" * (1 << 20))
    c.s(b"250-" + b"z" * (1 << 20))
    c.close()


def rcpt10k(pc):
    c = start(pc, 40011)
    c.cmd(b"MAIL FROM:<list@example.test>\r\n", b"250 2.1.0 Ok\r\n")
    for i in range(10000):
        c.cmd(b"RCPT TO:<user%05d@example.test>\r\n" % i, b"250 2.1.5 Ok\r\n")
    c.cmd(b"DATA\r\n", b"354 go ahead\r\n")
    c.c(b"Subject: to ten thousand\r\n\r\nhi all\r\n.\r\n")
    c.s(b"250 2.0.0 Ok: queued\r\n")
    c.cmd(b"QUIT\r\n", b"221 2.0.0 Bye\r\n")
    c.close()


def synflood(pc):
    # 100,000 SYNs from 10.66.x.y, ports 1024.., never answered.
    n = 0
    ipn = 0
    while n < 100000:
        cip = "10.66.%d.%d" % (ipn // 250, ipn % 250 + 1)
        ipn += 1
        for port in range(1024, 1024 + 50000):
            if n >= 100000:
                break
            Conn(pc, cip, port, cisn=(n * 2654435761) & 0xFFFFFFFF).syn()
            n += 1
    normal_session(pc, 40021)


def random_bytes(pc):
    rnd = random.Random(25)
    for k in range(20):
        c = Conn(pc, "198.51.100.%d" % (10 + k), 41000 + k).handshake()
        for _ in range(16):
            c.c(rnd.randbytes(rnd.randint(1, 8192)))
            c.s(rnd.randbytes(rnd.randint(1, 8192)))
        if k % 2:
            c.close()
        else:
            c.reset(k % 4 == 0)


def overlap(pc):
    # The real dialogue; decoys (different bytes at the same sequence
    # numbers, sent later) say "evil". libnids keeps the first copy.
    c = start(pc, 40031, wscale=7)
    mail = b"MAIL FROM:<good@example.test>\r\n"
    # 1. a retransmission of delivered data, different content
    c.cmd(mail, b"250 2.1.0 Ok\r\n")
    c.emit(True, PSH | ACK, c.cseq - len(mail), c.sseq,
           b"MAIL FROM:<evil@example.test>\r\n")
    # 2. a segment straddling the delivered end: old part differs
    r1 = b"RCPT TO:<good1@example.test>\r\n"
    c.emit(True, PSH | ACK, c.cseq, c.sseq, r1[:12])
    c.emit(True, PSH | ACK, c.cseq + 6, c.sseq, b"evil!!" + r1[12:])
    c.cseq += len(r1)
    c.emit(False, PSH | ACK, c.sseq, c.cseq, b"250 2.1.5 Ok\r\n")
    c.sseq += 14
    # 3. segments in reverse order (all queued, then delivered), with
    # a duplicate of each queued segment carrying a decoy
    r2 = b"RCPT TO:<good2@example.test>\r\n"
    pieces = [r2[i:i + 5] for i in range(0, len(r2), 5)]
    offs = [i for i in range(0, len(r2), 5)]
    for off, p in reversed(list(zip(offs, pieces))[1:]):
        c.emit(True, PSH | ACK, c.cseq + off, c.sseq, p)
    for off, p in reversed(list(zip(offs, pieces))[1:]):
        c.emit(True, PSH | ACK, c.cseq + off, c.sseq, b"evil!"[:len(p)])
    c.emit(True, PSH | ACK, c.cseq, c.sseq, pieces[0])
    c.cseq += len(r2)
    c.emit(False, PSH | ACK, c.sseq, c.cseq, b"250 2.1.5 Ok\r\n")
    c.sseq += 14
    # 4. the same for the server: a reply retransmitted with other text
    c.cmd(b"DATA\r\n", b"354 go ahead\r\n")
    c.emit(False, PSH | ACK, c.sseq - 14, c.cseq, b"554 evil rep\r\n")
    # 5. the body in two segments that overlap by 10 bytes, sent in
    # reverse order: the later one is queued, the earlier one fills the
    # hole and is taken whole, the queued one only past it (what a TCP
    # receiver does), so the decoy is in the queued segment's overlap.
    body = b"Subject: overlap\r\n\r\nthe real body, no decoy here\r\n.\r\n"
    c.emit(True, PSH | ACK, c.cseq + 20, c.sseq, b"evilevilev" + body[30:])
    c.emit(True, PSH | ACK, c.cseq, c.sseq, body[:30])
    c.cseq += len(body)
    c.ack(False)
    # 6. IP fragments that overlap (identical bytes where they overlap),
    # the later fragment first
    reply = b"250 2.0.0 Ok: queued as FRAGMENTED, in pieces\r\n"
    seg = c.tcp(False, PSH | ACK, c.sseq, c.cseq, reply)
    c.sseq += len(reply)
    ident = 0x4242
    c.raw(False, seg[24:40], frag=0x2000 | 3, ident=ident)  # 24..39, MF
    c.raw(False, seg[16:], frag=0x0000 | 2, ident=ident)  # 16..end, last
    c.raw(False, seg[:24], frag=0x2000 | 0, ident=ident)  # 0..23, MF
    c.cmd(b"QUIT\r\n", b"221 2.0.0 Bye\r\n")
    c.close()


def replyflood(pc):
    c = start(pc, 40041)
    c.s(b"250 2.0.0 Ok\r\n" * 100000, mss=16000)
    c.cmd(b"QUIT\r\n", b"221 2.0.0 Bye\r\n")
    c.close()


def bdat2g(pc):
    c = start(pc, 40051)
    c.cmd(b"MAIL FROM:<a@example.test>\r\n", b"250 2.1.0 Ok\r\n")
    c.cmd(b"RCPT TO:<b@example.test>\r\n", b"250 2.1.5 Ok\r\n")
    c.c(b"BDAT 2147483648 LAST\r\n" + b"B" * 100000)
    c.close()


def bdat2e64(pc):
    for k, size in enumerate((b"18446744073709551616", b"1" + b"0" * 32)):
        c = start(pc, 40061 + k)
        c.cmd(b"MAIL FROM:<a@example.test>\r\n", b"250 2.1.0 Ok\r\n")
        c.cmd(b"RCPT TO:<b@example.test>\r\n", b"250 2.1.5 Ok\r\n")
        c.cmd(b"BDAT " + size + b" LAST\r\n",
              b"501 5.5.4 Syntax: BDAT size [LAST]\r\n")
        c.c(b"B" * 3000 + b"\r\n" + b"NOOP\r\n" * 3)
        c.close()


def oooqueue(pc, nlines=2400, port=40071):
    c = start(pc, port, wscale=7)
    c.cmd(b"MAIL FROM:<a@example.test>\r\n", b"250 2.1.0 Ok\r\n")
    c.cmd(b"RCPT TO:<b@example.test>\r\n", b"250 2.1.5 Ok\r\n")
    c.cmd(b"DATA\r\n", b"354 go ahead\r\n")
    lines = b"".join(b"line %06d of a message held out of order\r\n" % i
                     for i in range(nlines))
    body = b"Subject: queue\r\n\r\n" + lines + b".\r\n"
    # The first segment is lost; 70+ KiB wait behind it; the server
    # acknowledges only up to the hole (duplicate ACKs).
    segs = [(i, body[i:i + 1460]) for i in range(0, len(body), 1460)]
    for off, p in segs[1:]:
        c.emit(True, PSH | ACK, c.cseq + off, c.sseq, p)
        c.ack(False)
    # The sender retransmits all of it, from the hole on.
    for off, p in segs:
        c.emit(True, PSH | ACK, c.cseq + off, c.sseq, p)
    c.cseq += len(body)
    c.ack(False)
    c.s(b"250 2.0.0 Ok: queued\r\n")
    c.cmd(b"QUIT\r\n", b"221 2.0.0 Bye\r\n")
    c.close()
    return len(body) - 3


def c1text(pc):
    # C1 controls (U+009B is a terminal's CSI: "\xc2\x9b2J" clears the
    # screen) and a right-to-left override (U+202E) in the HELO, the
    # sender and a reply: escaped in every output, never raw.
    c = Conn(pc, "198.51.100.7", 40081).handshake()
    c.s(GREETING)
    c.cmd(b"HELO evil\xc2\x9b2J\xe2\x80\xaegpj.exe\r\n",
          b"250 hi\xc2\x9b1m\r\n")
    c.cmd(b"MAIL FROM:<a\xe2\x81\xa6b@example.test>\r\n", b"250 Ok\r\n")
    c.cmd(b"QUIT\r\n", b"221 Bye\r\n")
    c.close()


def oooqueue_big(pc):
    # 300 KB behind the hole: past a direction's budget (256 KiB).
    return oooqueue(pc, nlines=6800, port=40072)


def noop1m(pc):
    c = start(pc, 40081)
    per = 10000  # the client sends 10,000 NOOPs, the server answers them
    for _ in range(1000000 // per):
        c.c(b"NOOP\r\n" * per, mss=16000)
        c.s(b"250 2.0.0 Ok\r\n" * per, mss=16000)
    c.cmd(b"QUIT\r\n", b"221 2.0.0 Bye\r\n")
    c.close()


def headers100k(pc):
    c = start(pc, 40091)
    c.cmd(b"MAIL FROM:<a@example.test>\r\n", b"250 2.1.0 Ok\r\n")
    c.cmd(b"RCPT TO:<b@example.test>\r\n", b"250 2.1.5 Ok\r\n")
    c.cmd(b"DATA\r\n", b"354 go ahead\r\n")
    hdr = b"".join(b"X-Header-%06d: value %d\r\n" % (i, i) for i in range(100000))
    c.c(b"Subject: many headers\r\n" + hdr + b"\r\nbody\r\n.\r\n", mss=16000)
    c.s(b"250 2.0.0 Ok: queued\r\n")
    c.cmd(b"QUIT\r\n", b"221 2.0.0 Bye\r\n")
    c.close()


def opensessions(pc):
    # More than --max-sessions' default (65536): the oldest are evicted.
    for n in range(70000):
        cip = "10.77.%d.%d" % (n // 50000, 1 + (n // 250) % 200)
        c = Conn(pc, cip, 1024 + n % 50000)
        c.handshake()
        c.s(GREETING)


def letters(i):
    w = b""
    for _ in range(4):
        w += bytes([97 + i % 26])
        i //= 26
    return w


def distinct(pc, n=100000):
    """Every key new: the statistics' tables must stay within their
    budget and say what they left out."""
    import base64
    for i in range(n):
        pc.t += 3600 * 1000000
        w = letters(i)
        cip = "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)
        c = start(pc, 1024 + i % 60000, cip=cip)
        cred = base64.b64encode(b"\0user" + w + b"\0secret")
        c.cmd(b"AUTH PLAIN " + cred + b"\r\n",
              b"535 5.7.8 Authentication failed\r\n")
        c.cmd(b"MAIL FROM:<a@s" + w + b".test>\r\n", b"250 2.1.0 Ok\r\n")
        c.cmd(b"RCPT TO:<b@r" + w + b".test>\r\n",
              b"550 5.7.1 blocked by list " + w + b"\r\n")
        c.cmd(b"QUIT\r\n", b"221 2.0.0 Bye\r\n")
        c.close()


def week(pc):
    """A week of traffic, a session every five minutes from a midnight
    (UTC) on: every message accepted but those of 03:00-03:59 (refused
    at RCPT, 550) and of 04:00-04:59 (deferred at RCPT, 450)."""
    day0 = 1700006400  # 2023-11-15 00:00:00 UTC
    for i in range(7 * 24 * 12):
        pc.t = (day0 + i * 300) * 1000000
        hour = i // 12 % 24
        c = start(pc, 1024 + i % 60000, cip="198.51.100.%d" % (1 + i % 50))
        c.cmd(b"MAIL FROM:<a@week.test>\r\n", b"250 2.1.0 Ok\r\n")
        if hour == 3:
            c.cmd(b"RCPT TO:<b@example.test>\r\n",
                  b"550 5.1.1 <b@example.test>: Recipient address rejected\r\n")
        elif hour == 4:
            c.cmd(b"RCPT TO:<b@example.test>\r\n",
                  b"450 4.2.0 <b@example.test>: Greylisted\r\n")
        else:
            c.cmd(b"RCPT TO:<b@example.test>\r\n", b"250 2.1.5 Ok\r\n")
            c.cmd(b"DATA\r\n", b"354 End data with <CR><LF>.<CR><LF>\r\n")
            c.c(b"Subject: week\r\n\r\nhello\r\n.\r\n")
            c.s(b"250 2.0.0 Ok: queued as W%d\r\n" % i)
        c.cmd(b"QUIT\r\n", b"221 2.0.0 Bye\r\n")
        c.close()


NAMES = {
    "longline": longline,
    "rcpt10k": rcpt10k,
    "synflood": synflood,
    "random": random_bytes,
    "overlap": overlap,
    "oooqueue_big": oooqueue_big,
    "c1text": c1text,
    "replyflood": replyflood,
    "bdat2g": bdat2g,
    "bdat2e64": bdat2e64,
    "oooqueue": oooqueue,
    "noop1m": noop1m,
    "headers100k": headers100k,
    "opensessions": opensessions,
    "distinct100k": distinct,
    "week": week,
}


def main():
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        sys.stderr.write("usage: make-hostile.py OUTDIR [NAME ...]\nnames: %s\n"
                         % " ".join(NAMES))
        return 2
    out = sys.argv[1]
    # distinct100k (160 MB) only when named: tests/t-trouble.sh does
    names = sys.argv[2:] or [n for n in NAMES
                             if n not in ("distinct100k", "week")]
    os.makedirs(out, exist_ok=True)
    for name in names:
        if name not in NAMES:
            sys.stderr.write("make-hostile.py: no capture named %s\n" % name)
            return 2
        pc = Pcap(os.path.join(out, name + ".pcap"))
        NAMES[name](pc)
        pc.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
