#!/usr/bin/env python3
# Writes crafted captures that try to make message tracking (src/track/)
# spend CPU without bound, for tests/t-track.sh:
#
#   tests/hostile/make-track-dos.py OUT.pcap KIND [N]
#
#   envelope N  a relay (192.0.2.25, seen passing one message on) holds 64
#               messages of 256 recipients of 500-byte addresses from one
#               sender; then N retries from it with that sender, each of
#               1000 refused RCPTs of 500 bytes and no data: every retry
#               is looked for among the messages the relay holds
#   dsn N       the same 64 messages, then N DSNs to their sender, each
#               with 100 Final- and Original-Recipients that match none
#   relays N    N sessions to N different servers, each accepting one
#               message: the table of relays fills and must make room
#
# Real TCP with handshakes (make-hostile.py's Pcap, Conn and start());
# deterministic; standard library only. Found by a helper's review of the
# tracker: before its fixes the first two took 20 s and 10 s of CPU.
# SPDX-License-Identifier: GPL-2.0-or-later
import importlib.util
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "make_hostile", os.path.join(_here, "make-hostile.py"))
H = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(H)

PRE = b"x" * 500


def relay_and_messages(pc):
    """192.0.2.25 accepts a message, then passes one on (a relay); then
    it accepts 64 messages of 256 long recipients from s@o.example."""
    c = H.start(pc, 29998, cip="198.51.100.8")
    c.cmd(b"MAIL FROM:<a@o.example>\r\n", b"250 Ok\r\n")
    c.cmd(b"RCPT TO:<b@d.example>\r\n", b"250 Ok\r\n")
    c.cmd(b"DATA\r\n", b"354 go\r\n")
    c.c(b"Subject: x\r\n\r\nhi\r\n.\r\n", ack=False)
    c.s(b"250 Ok: queued as A1\r\n", ack=False)
    c.cmd(b"QUIT\r\n", b"221 Bye\r\n")
    c.close()
    c = H.start(pc, 29999, cip="192.0.2.25", sip="203.0.113.99")
    c.cmd(b"MAIL FROM:<a@o.example>\r\n", b"250 Ok\r\n")
    c.cmd(b"RCPT TO:<b@d.example>\r\n", b"250 Ok\r\n")
    c.cmd(b"DATA\r\n", b"354 go\r\n")
    c.c(b"Subject: x\r\n\r\nhi\r\n.\r\n", ack=False)
    c.s(b"250 Ok: queued as B1\r\n", ack=False)
    c.cmd(b"QUIT\r\n", b"221 Bye\r\n")
    c.close()
    c = H.start(pc, 30000, cip="198.51.100.9")
    for m in range(64):
        rc = [b"%s%03d.%03d@d.example" % (PRE, m, r) for r in range(256)]
        c.c(b"MAIL FROM:<s@o.example>\r\n" +
            b"".join(b"RCPT TO:<" + r + b">\r\n" for r in rc) +
            b"DATA\r\n", mss=65000, ack=False)
        c.s(b"250 Ok\r\n" + b"250 Ok\r\n" * 256 + b"354 go\r\n",
            mss=65000, ack=False)
        c.c(b"Subject: x\r\nMessage-ID: <%d@o>\r\n\r\nhi\r\n.\r\n" % m,
            ack=False)
        c.s(b"250 2.0.0 Ok: queued as M%d\r\n" % m, ack=False)
    c.cmd(b"QUIT\r\n", b"221 Bye\r\n")
    c.close()


def envelope(pc, n):
    relay_and_messages(pc)
    for t in range(n):
        c = H.start(pc, 32000 + t, cip="192.0.2.25", sip="203.0.113.5")
        c.c(b"MAIL FROM:<s@o.example>\r\n" +
            b"".join(b"RCPT TO:<%szz%d@d.example>\r\n" % (PRE, r)
                     for r in range(1000)), mss=65000, ack=False)
        c.s(b"250 Ok\r\n" + b"550 5.1.1 no\r\n" * 1000, mss=65000,
            ack=False)
        c.cmd(b"QUIT\r\n", b"221 Bye\r\n")
        c.close()


def dsn(pc, n):
    relay_and_messages(pc)
    groups = b"".join(
        b"Final-Recipient: rfc822; %szz%d@d.example\r\n"
        b"Original-Recipient: rfc822; %szz%d@d.example\r\n"
        b"Action: failed\r\nStatus: 5.1.1\r\n\r\n" % (PRE, g, PRE, g)
        for g in range(100))
    body = (b"Subject: bounce\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/report; report-type=delivery-status;"
            b" boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
            b"x\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\n"
            b"Reporting-MTA: dns; x\r\n\r\n" + groups + b"--B--\r\n.\r\n")
    for d in range(n):
        c = H.start(pc, 31000 + d, cip="198.51.100.10")
        c.c(b"MAIL FROM:<>\r\nRCPT TO:<s@o.example>\r\nDATA\r\n", ack=False)
        c.s(b"250 Ok\r\n250 Ok\r\n354 go\r\n", ack=False)
        c.c(body, mss=65000, ack=False)
        c.s(b"250 2.0.0 Ok: queued as D%d\r\n" % d, ack=False)
        c.cmd(b"QUIT\r\n", b"221 Bye\r\n")
        c.close()


def relays(pc, n):
    for i in range(n):
        sip = "10.%d.%d.%d" % (100 + (i >> 16), (i >> 8) & 255, i & 255)
        c = H.Conn(pc, "198.51.100.9", 20000 + i % 40000,
                   sip=sip).handshake()
        c.s(b"220 mx ESMTP\r\n", ack=False)
        c.c(b"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n", ack=False)
        c.s(b"250 Ok\r\n250 Ok\r\n354 go\r\n", ack=False)
        c.c(b"Subject: x\r\n\r\nhi\r\n.\r\n", ack=False)
        c.s(b"250 Ok: queued as Q%d\r\n" % i, ack=False)
        c.close()


def main():
    if len(sys.argv) not in (3, 4) or \
            sys.argv[2] not in ("envelope", "dsn", "relays"):
        sys.exit("usage: make-track-dos.py OUT.pcap envelope|dsn|relays [N]")
    n = int(sys.argv[3]) if len(sys.argv) == 4 else 2
    pc = H.Pcap(sys.argv[1])
    {"envelope": envelope, "dsn": dsn, "relays": relays}[sys.argv[2]](pc, n)
    pc.close()
    print("%s: %d packets" % (sys.argv[1], pc.packets))


if __name__ == "__main__":
    main()
