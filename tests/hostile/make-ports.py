#!/usr/bin/env python3
# Writes crafted pcap files for --ports any (issue 14), for
# tests/t-ports.sh:
#
#   tests/hostile/make-ports.py OUTDIR
#
# Ethernet, IPv4, TCP with real handshakes (make-hostile.py's Pcap and
# Conn); deterministic; standard library only. Writes:
#
#   ports-swapped.pcap   the connection's initiator (198.51.100.7:40001)
#                        greets "220 ... ESMTP" and the side it called
#                        (192.0.2.25:7000) says EHLO and sends a message:
#                        one session, its client 192.0.2.25:7000
#   ports-edges.pcap     (a) a greeting that names ESMTP without a line
#                        end, then FIN: judged at the close, a session;
#                        (b) an HTTP connection let go, then a new SYN on
#                        its 4-tuple carrying SMTP: a session; (c) a
#                        connection with 200 KB of HTTP response: let go
#                        at its first line, its packets counted
#                        (released_packets); (d) a greeting split one byte
#                        a segment (more segments than runs held): a
#                        session; (e) a greeting never captured (a hole
#                        at the start of the server's bytes): the
#                        client's EHLO, first, makes it a session
#   ports-flood-N.pcap   N connections on ports 10000 and up that send
#                        "22" and nothing more (undecided: a greeting's
#                        first bytes), all open at once, then one SMTP
#                        session on 2525: with --max-sessions 64 the
#                        undecided ones are evicted and the last one found
# SPDX-License-Identifier: GPL-2.0-or-later
import importlib.util
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "make_hostile", os.path.join(_here, "make-hostile.py"))
H = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(H)
FIN, SYN, RST, PSH, ACK = H.FIN, H.SYN, H.RST, H.PSH, H.ACK

EHLO_REPLY = H.EHLO_REPLY


def message(c, port_note=b""):
    c.cmd(b"EHLO client.example.test\r\n", EHLO_REPLY)
    c.cmd(b"MAIL FROM:<a@example.test>\r\n", b"250 2.1.0 Ok\r\n")
    c.cmd(b"RCPT TO:<b@example.test>\r\n", b"250 2.1.5 Ok\r\n")
    c.cmd(b"DATA\r\n", b"354 go ahead\r\n")
    c.c(b"Subject: ports" + port_note + b"\r\n\r\nhello\r\n.\r\n")
    c.s(b"250 2.0.0 Ok: queued as PORTS\r\n")
    c.cmd(b"QUIT\r\n", b"221 2.0.0 Bye\r\n")
    c.close()


def swapped(pc):
    # The initiator is the mail server: its greeting goes first, the
    # other side's commands answer it (Conn's "client" is the initiator).
    c = H.Conn(pc, "198.51.100.7", 40001, sip="192.0.2.25", sport=7000)
    c.handshake()
    c.c(b"220 mx.example.test ESMTP swapped\r\n")
    for line, reply in ((b"EHLO client.example.test\r\n", EHLO_REPLY),
                        (b"MAIL FROM:<a@example.test>\r\n", b"250 2.1.0 Ok\r\n"),
                        (b"RCPT TO:<b@example.test>\r\n", b"250 2.1.5 Ok\r\n"),
                        (b"DATA\r\n", b"354 go ahead\r\n")):
        c.s(line)
        c.c(reply)
    c.s(b"Subject: swapped\r\n\r\nhello\r\n.\r\n")
    c.c(b"250 2.0.0 Ok: queued as SWAPPED\r\n")
    c.s(b"QUIT\r\n")
    c.c(b"221 2.0.0 Bye\r\n")
    c.close()


def edges(pc):
    # (a) judged at the close
    c = H.Conn(pc, "198.51.100.7", 41001, sport=7001).handshake()
    c.s(b"220 mx.example.test ESMTP no line end")
    c.close()
    # (b) let go, then the 4-tuple reused by SMTP
    c = H.Conn(pc, "198.51.100.7", 41002, sport=8080).handshake()
    c.c(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    c.s(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    c.close()
    c = H.Conn(pc, "198.51.100.7", 41002, sport=8080,
               cisn=0x10000000, sisn=0x20000000).handshake()
    c.s(b"220 mx.example.test ESMTP reused\r\n")
    message(c, b" reused")
    # (c) a big HTTP response: let go at its first line
    c = H.Conn(pc, "198.51.100.7", 41003, sport=8081).handshake()
    c.c(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
    c.s(b"HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n" + b"x" * 200000)
    c.close()
    # (d) a greeting one byte a segment
    c = H.Conn(pc, "198.51.100.7", 41004, sport=7004).handshake()
    for b in b"220 mx.example.test ESMTP slow\r\n":
        c.s(bytes([b]), ack=False)
    c.ack(True)
    message(c, b" slow")
    # (e) the greeting's segment never captured: the EHLO acknowledges
    # past it (a hole stepped over); the client's EHLO came first
    c = H.Conn(pc, "198.51.100.7", 41005, sport=7005).handshake()
    greet = b"220 mx.example.test\r\n"
    c.sseq += len(greet)
    c.cmd(b"EHLO client.example.test\r\n", EHLO_REPLY)
    c.cmd(b"QUIT\r\n", b"221 2.0.0 Bye\r\n")
    c.close()


def flood(pc, n):
    conns = []
    for i in range(n):
        c = H.Conn(pc, "10.%d.%d.%d" % (1 + i // 62500, (i // 250) % 250,
                                         1 + i % 250),
                   20000 + i % 40000, sport=10000 + i % 50000).handshake()
        c.s(b"22")
        conns.append(c)
    c = H.Conn(pc, "198.51.100.9", 42000, sport=2525).handshake()
    c.s(b"220 mx.example.test ESMTP after the flood\r\n")
    message(c, b" after the flood")


def main():
    out = sys.argv[1]
    for name, fn in (("ports-swapped", swapped), ("ports-edges", edges)):
        pc = H.Pcap(os.path.join(out, name + ".pcap"))
        fn(pc)
        pc.close()
        print(name)
    n = 2000
    pc = H.Pcap(os.path.join(out, "ports-flood-%d.pcap" % n))
    flood(pc, n)
    pc.close()
    print("ports-flood-%d" % n)


if __name__ == "__main__":
    main()
