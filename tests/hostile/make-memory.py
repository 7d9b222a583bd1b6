#!/usr/bin/env python3
# Writes crafted pcap files that push one memory pool of smtpscope past
# its budget, for tests/t-memory.sh (issue 11):
#
#   tests/hostile/make-memory.py OUTDIR NAME [COUNT]
#
# Ethernet, IPv4 or IPv6, TCP with real handshakes (tests/hostile/
# make-hostile.py's Pcap and Conn for IPv4); deterministic; standard
# library only. Each writes OUTDIR/NAME-COUNT.pcap (COUNT 100 if not
# given) and prints what it wrote; 300,000 fragments take a second.
#
#   ooofull N      N connections whose queues of segments ahead of a hole
#                  are full in both directions (260 KB each way, never
#                  filled): the out-of-order pool (--max-ooo-bytes)
#   fragments N    N first IPv4 fragments (more to come, never coming),
#                  each to another host: the fragment pool
#                  (--max-fragment-bytes)
#   v6acks N       an IPv6 SYN, then N ACKs from N other IPv6 sources to
#                  the same server, then the SYN-ACK and a whole session:
#                  the stand-in table (--max-ipv6-standins)
#   v6synrst N     the same with N SYNs from other sources, each refused
#                  by the server (RST): every one maps a stand-in
#   heavy N        N sessions as heavy as we know one: a 500-byte sender,
#                  1000 recipients of 500 bytes with NOTIFY and ORCPT and
#                  a long reply each, 32 refused, then 255 pipelined MAILs
#                  of 500 bytes never answered (2.1 MiB held with the Zeek
#                  log and the transcript on): --max-session-bytes
#   pipelined N    N sessions that each send 255 pipelined "MAIL FROM:<>"
#                  and get no reply: about 500 KiB held per session for
#                  3.6 KB on the wire (the sessions' pool,
#                  --max-session-bytes)
#   track N        N sessions from N clients to one server, each delivering
#                  4 messages (sender one of 16, distinct Message-IDs and
#                  queue ids, 40 distinct recipients, every tenth refused),
#                  pipelined; after every other session a DSN (null
#                  sender, multipart/report; report-type=delivery-status)
#                  to one of those senders, whose 5 Final-Recipients no
#                  message had. After the first session the server sends
#                  a message to another server: a relay, whose messages
#                  wait --track-window (900 s; the capture lasts seconds),
#                  so that only eviction settles them (--track-max and the
#                  tracker's 16 MiB)
#   trackdest N    the same without that message out: the server is a
#                  final destination, whose messages the tracker settles
#                  after 10 s or when 1024 newer ones came
# SPDX-License-Identifier: GPL-2.0-or-later
import importlib.util
import os
import struct
import sys

_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "make_hostile", os.path.join(_here, "make-hostile.py"))
H = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(H)

FIN, SYN, RST, PSH, ACK = H.FIN, H.SYN, H.RST, H.PSH, H.ACK


def client_ip(n):
    return "10.%d.%d.%d" % (64 + (n >> 16) % 64, (n >> 8) & 255, 1 + n % 250)


def ooofull(pc, n):
    # Behind a lost first segment, 178 segments of 1460 bytes (260 KB)
    # wait in each direction; the receiver acknowledges only up to the
    # hole, so nothing is ever delivered or stepped over.
    blob = bytes(range(256)) * 6
    for i in range(n):
        c = H.start(pc, 20000 + i % 40000, cip=client_ip(i), wscale=7)
        c.cmd(b"MAIL FROM:<a@example.test>\r\n", b"250 2.1.0 Ok\r\n")
        c.cmd(b"RCPT TO:<b@example.test>\r\n", b"250 2.1.5 Ok\r\n")
        c.cmd(b"DATA\r\n", b"354 go ahead\r\n")
        for k in range(1, 179):
            c.emit(True, PSH | ACK, c.cseq + 1460 * k, c.sseq, blob[:1460])
            c.emit(False, PSH | ACK, c.sseq + 1460 * k, c.cseq, blob[:1460])


def fragments(pc, n):
    # A first fragment (MF, offset 0) of a TCP segment to port 25, each
    # to another destination and with another id: a queue each.
    seg = struct.pack("!HHIIBBHHH", 40000, 25, 1, 0, 5 << 4, ACK, 65535,
                      0, 0) + b"frag"
    src = H.ip4("198.51.100.7")
    for i in range(n):
        dst = bytes([10, 128 + (i >> 16) % 64, (i >> 8) & 255, i & 255])
        pkt = pc.ip(src, dst, 6, seg[:24], frag=0x2000, ident=i & 0xFFFF)
        pc.frame(H.ETH_CLIENT, H.ETH_SERVER, pkt)


# --- IPv6 ---------------------------------------------------------------

SERVER6 = bytes.fromhex("20010db8000000000000000000000025")


def addr6(i):
    return bytes.fromhex("20010db8ffff") + struct.pack("!HIi", 0, i, 0)[:10]


def frame6(pc, src, dst, seg):
    ip = struct.pack("!IHBB16s16s", 6 << 28, len(seg), 6, 64, src, dst)
    pc.t += 10
    n = 14 + len(ip) + len(seg)
    pc.f.write(struct.pack("<IIII", pc.t // 1000000, pc.t % 1000000, n, n))
    pc.f.write(H.ETH_SERVER + H.ETH_CLIENT + b"\x86\xdd" + ip + seg)
    pc.packets += 1


def tcp6(sport, dport, seq, ack, flags, data=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF,
                       ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0, 0) + data


def v6flood(pc, n, synrst):
    """A SYN from the client, n packets from n other sources, then the
    rest of the handshake and a whole accepted message."""
    cli = addr6(1)
    cseq, sseq = 1000, 50000
    frame6(pc, cli, SERVER6, tcp6(40000, 25, cseq, 0, SYN))
    for i in range(n):
        src = addr6(100 + i)
        if synrst:
            frame6(pc, src, SERVER6, tcp6(30000, 25, 7 * i, 0, SYN))
            frame6(pc, SERVER6, src, tcp6(25, 30000, 0, 7 * i + 1,
                                          RST | ACK))
        else:
            frame6(pc, src, SERVER6, tcp6(30000, 25, 7 * i, 9 * i, ACK))
    frame6(pc, SERVER6, cli, tcp6(25, 40000, sseq, cseq + 1, SYN | ACK))
    cseq += 1
    sseq += 1
    frame6(pc, cli, SERVER6, tcp6(40000, 25, cseq, sseq, ACK))
    talk = [
        (False, b"220 mx.example.test ESMTP\r\n"),
        (True, b"EHLO v6.example.test\r\n"),
        (False, b"250 mx.example.test\r\n"),
        (True, b"MAIL FROM:<v6@example.test>\r\n"),
        (False, b"250 2.1.0 Ok\r\n"),
        (True, b"RCPT TO:<b@example.test>\r\n"),
        (False, b"250 2.1.5 Ok\r\n"),
        (True, b"DATA\r\n"),
        (False, b"354 go ahead\r\n"),
        (True, b"Subject: through the flood\r\n\r\nhello\r\n.\r\n"),
        (False, b"250 2.0.0 Ok: queued as V6FLOOD\r\n"),
        (True, b"QUIT\r\n"),
        (False, b"221 2.0.0 Bye\r\n"),
    ]
    for from_client, data in talk:
        if from_client:
            frame6(pc, cli, SERVER6, tcp6(40000, 25, cseq, sseq, PSH | ACK,
                                          data))
            cseq += len(data)
        else:
            frame6(pc, SERVER6, cli, tcp6(25, 40000, sseq, cseq, PSH | ACK,
                                          data))
            sseq += len(data)
    frame6(pc, cli, SERVER6, tcp6(40000, 25, cseq, sseq, FIN | ACK))
    cseq += 1
    frame6(pc, SERVER6, cli, tcp6(25, 40000, sseq, cseq, FIN | ACK))
    sseq += 1
    frame6(pc, cli, SERVER6, tcp6(40000, 25, cseq, sseq, ACK))


def v6acks(pc, n):
    v6flood(pc, n, False)


def v6synrst(pc, n):
    v6flood(pc, n, True)


def heavy(pc, n):
    a = b"a" * 490
    for i in range(n):
        c = H.start(pc, 30000 + i % 30000, cip=client_ip(i), wscale=7)
        c.cmd(b"MAIL FROM:<" + a + b"@x> ENVID=" + a[:250] + b"\r\n",
              b"250 2.1.0 Ok\r\n")
        for r in range(1000):
            c.cmd(b"RCPT TO:<%d" % r + a + b"@x> NOTIFY=SUCCESS ORCPT=rfc822;"
                  + a[:240] + b"\r\n",
                  b"250 2.1.5 Ok recipient accepted " + b"y" * 400 + b"\r\n")
        for r in range(32):
            c.cmd(b"RCPT TO:<z%d" % r + a + b"@x>\r\n",
                  b"550 5.1.1 no such user " + b"n" * 400 + b"\r\n")
        c.c(b"".join(b"MAIL FROM:<%d" % r + a + b"@x>\r\n"
                     for r in range(255)), mss=16000)


def pipelined(pc, n):
    mails = b"MAIL FROM:<>\r\n" * 255
    for i in range(n):
        c = H.start(pc, 20000 + i % 40000, cip=client_ip(i))
        c.c(mails, mss=4000)


TRACK_MSGS = 4      # messages a session
TRACK_RCPTS = 40    # recipients a message
TRACK_DSN_RCPTS = 5  # recipients a DSN reports on


def track_dsn(i):
    """The body of DSN i (to sender i % 16), on recipients never seen."""
    groups = b"".join(
        b"Final-Recipient: rfc822; nobody-%d-%d@nowhere.example\r\n"
        b"Original-Recipient: rfc822; nobody-%d-%d@nowhere.example\r\n"
        b"Action: failed\r\nStatus: 5.1.1\r\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 no such user\r\n\r\n"
        % (i, g, i, g) for g in range(TRACK_DSN_RCPTS))
    return (b"From: MAILER-DAEMON@mx.example.test\r\n"
            b"To: sender%d@origin.example\r\n"
            b"Subject: Undelivered Mail Returned to Sender\r\n"
            b"Message-ID: <dsn.%d@mx.example.test>\r\n"
            b"MIME-Version: 1.0\r\n"
            b"Content-Type: multipart/report; report-type=delivery-status;"
            b" boundary=\"B%d\"\r\n\r\n"
            b"--B%d\r\nContent-Type: text/plain\r\n\r\n"
            b"Your message could not be delivered.\r\n\r\n"
            b"--B%d\r\nContent-Type: message/delivery-status\r\n\r\n"
            b"Reporting-MTA: dns; mx.example.test\r\n\r\n"
            % (i % 16, i, i, i, i)
            + groups + b"--B%d--\r\n.\r\n" % i)


def track_tx(c, sender, rcpts, refused, body, qid):
    """One pipelined transaction: MAIL, the RCPTs and DATA in one
    segment, their replies in one, the message, its 250."""
    c.c(b"MAIL FROM:<" + sender + b">\r\n"
        + b"".join(b"RCPT TO:<" + r + b">\r\n" for r in rcpts)
        + b"DATA\r\n", mss=65000, ack=False)
    c.s(b"250 2.1.0 Ok\r\n"
        + b"".join(b"550 5.1.1 <" + r + b">: Recipient address rejected: "
                   b"User unknown in local recipient table\r\n"
                   if k in refused else b"250 2.1.5 Ok\r\n"
                   for k, r in enumerate(rcpts))
        + b"354 End data with <CR><LF>.<CR><LF>\r\n", mss=65000, ack=False)
    c.c(body, mss=65000, ack=False)
    c.s(b"250 2.0.0 Ok: queued as " + qid + b"\r\n", ack=False)


def track(pc, n, relay=True):
    refused = set(range(0, TRACK_RCPTS, 10))
    for i in range(n):
        if i == 1 and relay:
            # The server passes a message on: it is a relay.
            c = H.start(pc, 19999, cip="192.0.2.25", sip="203.0.113.25")
            track_tx(c, b"postmaster@example.test",
                     [b"postmaster@elsewhere.example"], (),
                     b"Subject: out\r\n\r\nhello\r\n.\r\n", b"OUT")
            c.cmd(b"QUIT\r\n", b"221 2.0.0 Bye\r\n")
            c.close()
        c = H.start(pc, 20000 + i % 40000, cip=client_ip(i))
        for k in range(TRACK_MSGS):
            m = i * TRACK_MSGS + k
            sender = b"sender%d@origin.example" % (m % 16)
            rcpts = [b"recipient-%d-%d@dest%d.example" % (m, r, r % 8)
                     for r in range(TRACK_RCPTS)]
            body = (b"From: " + sender + b"\r\n"
                    b"To: recipient-%d-0@dest0.example\r\n"
                    b"Subject: message %d\r\n"
                    b"Message-ID: <%d.%d@origin.example>\r\n\r\n"
                    b"hello\r\n.\r\n" % (m, m, m, i))
            track_tx(c, sender, rcpts, refused, body, b"Q%dX%d" % (i, k))
        if i % 2 == 1:
            track_tx(c, b"", [b"sender%d@origin.example" % (i % 16)], (),
                     track_dsn(i), b"D%d" % i)
        c.cmd(b"QUIT\r\n", b"221 2.0.0 Bye\r\n")
        c.close()


def trackdest(pc, n):
    track(pc, n, relay=False)


NAMES = {
    "track": track,
    "trackdest": trackdest,
    "ooofull": ooofull,
    "fragments": fragments,
    "v6acks": v6acks,
    "v6synrst": v6synrst,
    "heavy": heavy,
    "pipelined": pipelined,
}


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[2] not in NAMES:
        sys.stderr.write("usage: make-memory.py OUTDIR NAME [COUNT]\n"
                         "names: %s\n" % " ".join(NAMES))
        return 2
    out, name = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) == 4 else 100
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "%s-%d.pcap" % (name, count))
    pc = H.Pcap(path)
    NAMES[name](pc, count)
    pc.close()
    print("%s: %d packets" % (path, pc.packets))
    return 0


if __name__ == "__main__":
    sys.exit(main())
