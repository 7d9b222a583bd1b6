#!/usr/bin/python3
# evasionpeer.py - a crafted-packet SMTP client for the evasion captures
# (captures/make-captures-evasion.sh, issue 11): it speaks SMTP to a real
# Linux TCP stack (smtp-sink in another network namespace) over its own
# TCP (raw frames on an AF_PACKET socket: handshake, ACKs, retransmission)
# and injects one attack per case into the session. It also checks the
# capture for the attack and derives, from the receiver's own records
# (smtp-sink's dump and transcript, the receiver namespace's kernel
# counters), the .expect file smtpscope must match.
#
# usage (root):
#   evasionpeer.py offload IFACE
#       turn checksum, segmentation and GRO offloads of IFACE off (the
#       SIOCETHTOOL ioctl: no ethtool here), so the receiver's kernel
#       fills in every checksum it sends and verifies every one it gets
#   evasionpeer.py run CASE --iface IF --dmac MAC --src IP --dst IP
#                  [--port 25] --out RECORD.json
#       one SMTP session with CASE's attack. The client's address (--src)
#       is not configured on IF: the sender namespace's kernel owns no
#       socket and no address for this flow, so it never answers the
#       receiver (no RST, no ICMP) and no firewall rule is needed
#   evasionpeer.py check CASE PCAP RECORD.json
#       the attack is in the capture; checksums counted
#   evasionpeer.py truth CASE --record R --dump DIR --sink-log F
#                  --nstat-before F --nstat-after F --pcap-check F
#                  --out NAME.expect
#       the expect file, from the receiver's dump and transcript; the
#       kernel's counters in its comment lines
#
# CASE: ipv4-frag-overlap, tcp-overlap-same-seq, tcp-overlap-same-seq-longer,
# ipv6-frag-id-fold, rst-in-window, syn-on-established, ipv6-frag-destopts
#
# Needs python3-scapy (Debian: apt-get install --no-install-recommends
# python3-scapy) for building and reading packets; run it with the
# system's /usr/bin/python3.
#
# SPDX-License-Identifier: GPL-2.0-or-later
import argparse
import ctypes
import fcntl
import glob
import json
import os
import random
import re
import select
import socket
import struct
import sys
import time
from urllib.parse import quote

try:
    from scapy.config import conf
    conf.verb = 0
    from scapy.layers.l2 import Ether
    from scapy.layers.inet import IP, TCP
    from scapy.layers.inet6 import (IPv6, IPv6ExtHdrFragment,
                                    IPv6ExtHdrDestOpt, PadN)
    from scapy.packet import Raw
    from scapy.utils import rdpcap
except ImportError:
    print("evasionpeer.py: needs scapy (Debian: apt-get install "
          "--no-install-recommends python3-scapy; run /usr/bin/python3)",
          file=sys.stderr)
    sys.exit(3)

CASES = ["ipv4-frag-overlap", "tcp-overlap-same-seq",
         "tcp-overlap-same-seq-longer", "ipv6-frag-id-fold",
         "rst-in-window", "syn-on-established", "ipv6-frag-destopts"]
M32 = 0xffffffff
CRLF = b"\r\n"
SUBJECT = b"Quarterly report for the board"   # what the client means to send
FROM, RCPT = "alice@example.test", "bob@example.test"
ALNUM = [ord(c) for c in
         "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"]


def die(msg):
    print("evasionpeer.py: error: %s" % msg, file=sys.stderr)
    sys.exit(1)


# ------------------------------------------------------------ offloads
SIOCETHTOOL = 0x8946
# (get, set) ethtool commands: tx and rx checksums, scatter-gather, TSO,
# GSO, GRO
ETHTOOL = {"tx-checksum": (0x16, 0x17), "rx-checksum": (0x14, 0x15),
           "sg": (0x18, 0x19), "tso": (0x1e, 0x1f), "gso": (0x23, 0x24),
           "gro": (0x2b, 0x2c)}


def ethtool(ifname, cmd, data=0):
    buf = ctypes.create_string_buffer(struct.pack("II", cmd, data), 8)
    ifr = struct.pack("16sP", ifname.encode(), ctypes.addressof(buf)) + bytes(16)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        fcntl.ioctl(s, SIOCETHTOOL, ifr)
    finally:
        s.close()
    return struct.unpack("II", buf.raw[:8])[1]


def cmd_offload(a):
    for name in ("tx-checksum", "rx-checksum", "sg", "tso", "gso", "gro"):
        ethtool(a.iface, ETHTOOL[name][1], 0)
    left = [n for n, (g, _) in ETHTOOL.items() if ethtool(a.iface, g)]
    if left:
        die("%s: offloads still on: %s" % (a.iface, " ".join(left)))
    print("   %s: offloads off (%s)" % (a.iface, ", ".join(ETHTOOL)))


# ------------------------------------------------------------ checksums
def osum(b, odd=False):
    """16-bit ones' complement sum of b, b starting at an odd offset if odd."""
    if odd:
        b = b"\0" + b
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def balanced_decoy(clean, prefix, odd):
    """A decoy as long as clean that starts with (as much as fits of)
    prefix and holds eight letters or digits chosen so that its ones'
    complement sum (at the parity odd in the TCP segment) equals clean's:
    swapping one for the other keeps the TCP checksum valid, so a
    checksum cannot tell them apart. (Four aligned words of letters and
    digits can make any sum; three cannot.)"""
    n = len(clean)
    p = n - 8 if (n - 8 + odd) % 2 == 0 else n - 9
    head = (prefix + b"." * n)[:p]
    tail = b"." * (n - p - 8)
    target = osum(clean, odd)
    rest = osum(head + b"\0" * 8 + tail, odd)
    need = (target - rest) % 0xffff          # what the four words must add
    pairs = [(h << 8) | l for h in ALNUM for l in ALNUM]
    ok = set(pairs)
    rnd = random.Random(5961)                # the same decoy every time
    for _ in range(2000000):
        w = [rnd.choice(pairs) for _ in range(3)]
        w4 = (need - sum(w)) % 0xffff
        if w4 in ok:
            d = head + struct.pack("!HHHH", *w, w4) + tail
            assert osum(d, odd) % 0xffff == target % 0xffff
            return d
    die("no balanced decoy for %r" % clean)


# ------------------------------------------------------------ the message
def message(case, subject=SUBJECT):
    h = [b"From: Alice <%s>" % FROM.encode(),
         b"To: Bob <%s>" % RCPT.encode(),
         b"Date: Thu, 01 Jan 2026 09:00:00 +0000",
         b"Message-ID: <evasion-%s@example.test>" % case.encode(),
         b"MIME-Version: 1.0",
         b"Content-Type: text/plain; charset=us-ascii",
         b"Subject: " + subject]
    body = [b"", b"Hello Bob,", b"",
            b"the figures for the quarter are in the shared folder.",
            b".a line that starts with a dot (stuffed to two on the wire)",
            b"", b"Regards,", b"Alice"]
    return CRLF.join(h + body) + CRLF


def stuff(msg):
    """Dot-stuffing (RFC 5321 4.5.2) of a CRLF text."""
    return b"\r\n".join(b"." + ln if ln.startswith(b".") else ln
                        for ln in msg.split(b"\r\n"))


# ------------------------------------------------------------ the client
def unwrap(v, ref):
    """A 32-bit sequence number as the 64-bit one nearest to ref."""
    return ref + ((v - ref + (1 << 31)) & M32) - (1 << 31)


class Peer:
    def __init__(self, a, case):
        self.case = case
        self.iface = a.iface
        self.src, self.dst, self.dport = a.src, a.dst, a.port
        self.v6 = ":" in a.dst
        self.sport = random.randint(40000, 60999)
        with open("/sys/class/net/%s/address" % a.iface) as f:
            self.smac = f.read().strip()
        self.dmac = a.dmac
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                  socket.htons(0x0003))
        self.sock.bind((a.iface, 0))
        self.iss = random.getrandbits(32)
        self.snd_una = self.snd_nxt = self.iss
        self.irs = None
        self.rcv_nxt = None
        self.rx = bytearray()
        self.fin_rcvd = False
        self.reset_rcvd = False
        self.allow_ack_beyond = False
        self.unacked = []          # (seq, payload) of the stream, unacked
        self.last_tx = 0.0
        self.ipid = random.getrandbits(16)
        self.fragid = random.getrandbits(32)
        self.mode = "plain"        # or "frag-destopts"
        self.t0 = time.time()
        self.log = []              # every segment both ways
        self.dialog = []           # commands and replies
        self.notes = {}            # what the case observed
        self.retransmissions = 0

    # ---- sequence numbers relative to the ISNs, for the record
    def rs(self, v):
        return (v - self.iss) & M32

    def rr(self, v):
        return None if self.irs is None else (v - self.irs) & M32

    def note(self, ev, **kw):
        kw["t"] = round(time.time() - self.t0, 6)
        kw["ev"] = ev
        self.log.append(kw)

    # ---- packets
    def next_ipid(self):
        self.ipid = (self.ipid + 1) & 0xffff
        return self.ipid

    def next_fragid(self):
        self.fragid = (self.fragid + 1) & M32
        return self.fragid

    def tcp(self, flags, seq, ack=None, payload=b"", options=None):
        t = TCP(sport=self.sport, dport=self.dport, seq=seq & M32,
                ack=(ack & M32) if ack is not None else 0, flags=flags,
                window=65535, options=options or [])
        return t / Raw(payload) if payload else t

    def l3(self, seg, ipid=None):
        """seg (a TCP layer) in IPv4 or IPv6; checksums computed."""
        if not self.v6:
            return IP(src=self.src, dst=self.dst, ttl=64, flags="DF",
                      id=self.next_ipid() if ipid is None else ipid) / seg
        if self.mode == "frag-destopts":
            return (IPv6(src=self.src, dst=self.dst, hlim=64) /
                    IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0" * 4)]) / seg)
        return IPv6(src=self.src, dst=self.dst, hlim=64) / seg

    def frames(self, pkt):
        """The L2 frames that carry pkt: one, or in the frag-destopts mode
        an IPv6 Fragment header before the Destination Options header:
        an atomic fragment (offset 0, M=0) without payload, else two
        fragments whose first holds the options and the TCP header."""
        if self.mode != "frag-destopts":
            return [Ether(src=self.smac, dst=self.dmac) / pkt]
        raw = bytes(pkt)
        frag = raw[40:]                      # Destination Options + TCP
        fid = self.next_fragid()
        tcp_len = len(frag) - 8
        thl = (frag[8 + 12] >> 4) * 4
        if tcp_len == thl:
            cuts = [(0, len(frag), 0)]
        else:
            cut = max(((8 + thl + 7) // 8) * 8, ((len(frag) // 2) // 8) * 8)
            if cut >= len(frag):
                cuts = [(0, len(frag), 0)]
            else:
                cuts = [(0, cut, 1), (cut, len(frag), 0)]
        out = []
        for lo, hi, more in cuts:
            out.append(Ether(src=self.smac, dst=self.dmac) /
                       IPv6(src=self.src, dst=self.dst, hlim=64) /
                       IPv6ExtHdrFragment(nh=60, offset=lo // 8, m=more, id=fid) /
                       Raw(frag[lo:hi]))
        return out

    def send_frames(self, frames, what, **kw):
        for f in frames:
            self.sock.send(bytes(f))
        self.last_tx = time.time()
        self.note("out", what=what, frames=len(frames), **kw)

    def xmit(self, flags, seq, ack=None, payload=b"", what=None, options=None):
        pkt = self.l3(self.tcp(flags, seq, ack, payload, options))
        self.send_frames(self.frames(pkt), what or flags, flags=flags,
                         seq=self.rs(seq), ack=None if ack is None else self.rr(ack),
                         len=len(payload))

    def send_ack(self):
        self.xmit("A", self.snd_nxt, self.rcv_nxt, what="ack")

    # ---- receiving
    def parse(self, data):
        try:
            e = Ether(data)
        except Exception:
            return None
        if TCP not in e:
            return None
        ip = e[IPv6] if self.v6 and IPv6 in e else (e[IP] if IP in e else None)
        if ip is None or ip.src != self.dst or ip.dst != self.src:
            return None
        t = e[TCP]
        if t.sport != self.dport or t.dport != self.sport:
            return None
        return {"flags": str(t.flags), "seq": t.seq, "ack": t.ack,
                "payload": bytes(t.payload), "win": t.window}

    def poll(self, timeout, early=False):
        """Read and handle the receiver's segments for up to timeout s
        (early: return once something came and nothing more waits)."""
        end = time.time() + timeout
        got = []
        while True:
            rem = end - time.time()
            if rem <= 0:
                break
            if early and got:
                rem = 0
            r, _, _ = select.select([self.sock], [], [], rem)
            if not r:
                break
            data, addr = self.sock.recvfrom(65535)
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            seg = self.parse(data)
            if seg is None:
                continue
            self.handle(seg)
            got.append(seg)
        return got

    def handle(self, seg):
        f = seg["flags"]
        kw = {"flags": f, "seq": self.rr(seg["seq"]) if self.irs is not None else None,
              "ack": self.rs(seg["ack"]) if "A" in f else None,
              "len": len(seg["payload"])}
        if "R" in f:
            self.reset_rcvd = True
            self.note("in", what="reset", **kw)
            return
        if "S" in f:
            self.note("in", what="syn-ack", **kw)
            return
        if "A" in f:
            a = unwrap(seg["ack"], self.snd_una)
            if a > self.snd_nxt and not self.allow_ack_beyond:
                self.note("in", what="ack-beyond-snd-nxt", **kw)
            elif a > self.snd_una:
                self.snd_una = a
                self.unacked = [(s, p) for s, p in self.unacked
                                if s + len(p) > a]
        p = seg["payload"]
        s = unwrap(seg["seq"], self.rcv_nxt)
        need_ack = False
        if p:
            if s <= self.rcv_nxt < s + len(p):
                self.rx += p[self.rcv_nxt - s:]
                self.rcv_nxt = s + len(p)
            need_ack = True
        if "F" in f and s + len(p) == self.rcv_nxt and not self.fin_rcvd:
            self.rcv_nxt += 1
            self.fin_rcvd = True
            need_ack = True
        kw["what"] = "data" if p else ("fin" if "F" in f else "ack")
        self.note("in", **kw)
        if need_ack:
            self.send_ack()

    def wait_for(self, pred, timeout, what):
        end = time.time() + timeout
        while not pred():
            if time.time() > end:
                die("%s: timed out waiting for %s" % (self.case, what))
            if self.reset_rcvd:
                die("%s: the receiver reset the connection (%s)" % (self.case, what))
            self.poll(0.05, early=True)

    def wait_acked(self, upto, rto=1.0, tries=6):
        """Until the receiver acknowledges upto; what is unacknowledged is
        sent again, unfragmented, after rto seconds (a retransmission)."""
        n = 0
        while self.snd_una < upto:
            if self.reset_rcvd:
                die("%s: the receiver reset the connection" % self.case)
            self.poll(0.05, early=True)
            if self.snd_una >= upto:
                break
            if time.time() - self.last_tx > rto:
                n += 1
                if n > tries:
                    die("%s: no ACK for %d bytes" % (self.case, upto - self.snd_una))
                for s, p in self.unacked:
                    self.retransmissions += 1
                    self.xmit("PA", s, self.rcv_nxt, p, what="retransmission")

    # ---- the connection
    def connect(self):
        for _ in range(5):
            self.xmit("S", self.iss, None, what="syn", options=[("MSS", 1460)])
            end = time.time() + 1.0
            while time.time() < end and self.irs is None:
                for seg in self.poll(0.1, early=True):
                    if seg["flags"] == "SA" and unwrap(seg["ack"], self.iss) == self.iss + 1:
                        self.irs = seg["seq"]
            if self.irs is not None:
                break
        if self.irs is None:
            die("%s: no SYN-ACK" % self.case)
        self.rcv_nxt = unwrap(self.irs, 0) + 1
        self.snd_nxt = self.snd_una = self.iss + 1
        self.send_ack()

    def send_data(self, data, mss=1400):
        for i in range(0, len(data), mss):
            chunk = data[i:i + mss]
            self.unacked.append((self.snd_nxt, chunk))
            self.xmit("PA", self.snd_nxt, self.rcv_nxt, chunk, what="data")
            self.snd_nxt += len(chunk)
        self.wait_acked(self.snd_nxt)

    def read_reply(self, timeout=15):
        def complete():
            lines = bytes(self.rx).split(CRLF)
            return any(re.match(rb"^\d{3}( |$)", ln) for ln in lines[:-1])
        self.wait_for(complete, timeout, "a reply")
        lines = bytes(self.rx).split(CRLF)
        for i, ln in enumerate(lines[:-1]):
            if re.match(rb"^\d{3}( |$)", ln):
                reply = [x.decode("latin-1") for x in lines[:i + 1]]
                self.rx = bytearray(CRLF.join(lines[i + 1:]))
                return reply
        raise AssertionError

    def command(self, line):
        self.send_data(line.encode() + CRLF)
        r = self.read_reply()
        self.dialog.append({"command": line, "reply": r})
        return r

    def close(self):
        end = time.time() + 5
        while not self.fin_rcvd and time.time() < end:
            self.poll(0.1, early=True)
        self.notes["receiver_closed_first"] = self.fin_rcvd
        self.xmit("FA", self.snd_nxt, self.rcv_nxt, what="fin")
        self.snd_nxt += 1
        self.wait_for(lambda: self.snd_una >= self.snd_nxt, 5, "the ACK of our FIN")
        if not self.fin_rcvd:
            self.wait_for(lambda: self.fin_rcvd, 5, "the receiver's FIN")
        self.poll(0.3)

    def observe(self, secs):
        """Segments the receiver sends within secs, as a list for the record."""
        out = []
        for seg in self.poll(secs):
            out.append({"flags": seg["flags"], "seq": self.rr(seg["seq"]),
                        "ack": self.rs(seg["ack"]), "len": len(seg["payload"])})
        return out


def expect(reply, code):
    if not reply or not reply[-1].startswith(code):
        die("want %s, got %r" % (code, reply))


# ------------------------------------------------------------ the cases
def subject_offset(msg):
    return msg.index(b"Subject: ") + len(b"Subject: ")


def attack_ipv4_frag_overlap(p, msg):
    """The message as one TCP segment sent as two IPv4 fragments that
    overlap on the Subject value, the lower one (sent first) carrying a
    decoy; then (after the RTO) the segment again, whole and clean."""
    seq = p.snd_nxt
    i = subject_offset(msg)
    decoy_val = balanced_decoy(SUBJECT, b"EVILEVIL 5.7.1 rejected ", (20 + i) % 2 == 1)
    decoy = msg[:i] + decoy_val + msg[i + len(SUBJECT):]
    ipid = p.next_ipid()
    clean_b = bytes(p.l3(p.tcp("PA", seq, p.rcv_nxt, msg), ipid))[20:]
    decoy_b = bytes(p.l3(p.tcp("PA", seq, p.rcv_nxt, decoy), ipid))[20:]
    assert clean_b[16:18] == decoy_b[16:18], "decoy not balanced"
    pos = 20 + i                                 # in the IP payload
    off_b = (pos // 8) * 8
    end_a = ((pos + len(SUBJECT) + 7) // 8) * 8 + 8
    fa = IP(src=p.src, dst=p.dst, ttl=64, id=ipid, flags="MF", frag=0,
            proto=6) / Raw(decoy_b[:end_a])
    fb = IP(src=p.src, dst=p.dst, ttl=64, id=ipid, flags=0, frag=off_b // 8,
            proto=6) / Raw(clean_b[off_b:])
    p.unacked.append((seq, msg))
    p.snd_nxt = seq + len(msg)
    p.send_frames([Ether(src=p.smac, dst=p.dmac) / fa], "fragment-decoy",
                  ipid=ipid, frag=[0, end_a], seq=p.rs(seq))
    time.sleep(0.02)
    p.send_frames([Ether(src=p.smac, dst=p.dmac) / fb], "fragment-clean",
                  ipid=ipid, frag=[off_b, len(clean_b)], seq=p.rs(seq))
    seen = p.observe(0.6)
    p.notes.update({
        "ip_id": ipid, "fragment_a": [0, end_a], "fragment_b": [off_b, len(clean_b)],
        "overlap": [off_b, end_a], "decoy_subject": decoy_val.decode(),
        "decoy_in": "fragment A (offset 0, sent first)",
        "acked_after_fragments": p.snd_una >= p.snd_nxt,
        "receiver_after_fragments": seen})
    p.wait_acked(p.snd_nxt)          # the clean retransmission
    p.notes["retransmissions"] = p.retransmissions


def attack_tcp_overlap(p, msg, longer):
    """The Subject line sent out of order twice at the same sequence
    number: first the original, then a decoy (as long, or longer with an
    X-Evil line); then the bytes before it, which fill the hole."""
    i = msg.index(b"Subject: ")
    j = msg.index(CRLF, i) + 2
    s1, s2, s3 = msg[:i], msg[i:j], msg[j:]
    decoy_val = balanced_decoy(SUBJECT, b"EVILEVIL decoy ", (len(b"Subject: ") + i) % 2 == 1)
    d2 = b"Subject: " + decoy_val + CRLF
    if longer:
        d2 += b"X-Evil: 1" + CRLF
    base = p.snd_nxt
    p.unacked.append((base + len(s1), s2))
    p.xmit("PA", base + len(s1), p.rcv_nxt, s2, what="out-of-order-original")
    seen1 = p.observe(0.2)
    p.xmit("PA", base + len(s1), p.rcv_nxt, d2, what="out-of-order-decoy")
    seen2 = p.observe(0.2)
    p.allow_ack_beyond = True
    p.unacked.insert(0, (base, s1))
    p.xmit("PA", base, p.rcv_nxt, s1, what="hole-filler")
    p.snd_nxt = base + len(s1) + len(s2)
    p.wait_acked(base + len(s1) + len(s2))
    p.observe(0.2)
    p.allow_ack_beyond = False
    acked = p.snd_una - base
    p.notes.update({
        "original": s2.decode(), "decoy": d2.decode(),
        "receiver_after_original": seen1, "receiver_after_decoy": seen2,
        "receiver_acked_bytes": acked,
        "acked_matches": ("decoy (longer)" if acked == len(s1) + len(d2) and longer
                          else "original length" if acked == len(s1) + len(s2)
                          else "other")})
    p.snd_nxt = max(p.snd_nxt, p.snd_una)
    p.unacked = []
    p.send_data(s3)


def attack_ipv6_frag_id_fold(p, msg):
    """The message head as one TCP segment in two IPv6 fragments (id A);
    between them a lone tail fragment of another datagram (id B, never
    completed) at the same offset with a decoy Subject. The two 32-bit
    ids differ but fold to the same 16 bits: id ^ (id >> 16)."""
    i = msg.index(b"Subject: ")
    j = msg.index(CRLF, i) + 2
    head, rest = msg[:j], msg[j:]
    seq = p.snd_nxt
    k = j - len(SUBJECT) - 2                     # the Subject value in head
    decoy_val = balanced_decoy(SUBJECT, b"EVILEVIL decoy ", (20 + k) % 2 == 1)
    decoy = head[:k] + decoy_val + head[k + len(SUBJECT):]
    clean_b = bytes(p.l3(p.tcp("PA", seq, p.rcv_nxt, head)))[40:]
    decoy_b = bytes(p.l3(p.tcp("PA", seq, p.rcv_nxt, decoy)))[40:]
    assert clean_b[16:18] == decoy_b[16:18], "decoy not balanced"
    cut = ((20 + k) // 8) * 8
    id_a = 0x5eed0000 | random.getrandbits(16)
    fold = (id_a ^ (id_a >> 16)) & 0xffff
    hi_b = 0xc0de
    id_b = (hi_b << 16) | (fold ^ hi_b)
    assert id_a != id_b and (id_b ^ (id_b >> 16)) & 0xffff == fold

    def frag(fid, lo, data, more):
        return (Ether(src=p.smac, dst=p.dmac) /
                IPv6(src=p.src, dst=p.dst, hlim=64) /
                IPv6ExtHdrFragment(nh=6, offset=lo // 8, m=more, id=fid) /
                Raw(data))
    p.unacked.append((seq, head))
    p.snd_nxt = seq + len(head)
    p.send_frames([frag(id_a, cut, clean_b[cut:], 0)], "tail-clean",
                  fragid=id_a, frag=[cut, len(clean_b)], seq=p.rs(seq))
    time.sleep(0.02)
    p.send_frames([frag(id_b, cut, decoy_b[cut:], 0)], "tail-decoy",
                  fragid=id_b, frag=[cut, len(decoy_b)], seq=p.rs(seq))
    time.sleep(0.02)
    p.send_frames([frag(id_a, 0, clean_b[:cut], 1)], "head",
                  fragid=id_a, frag=[0, cut], seq=p.rs(seq))
    p.wait_acked(p.snd_nxt)
    p.notes.update({
        "id_a": "0x%08x" % id_a, "id_b": "0x%08x" % id_b, "fold16": "0x%04x" % fold,
        "order": "A tail (clean), B tail (decoy), A head",
        "cut": cut, "decoy_subject": decoy_val.decode(),
        "retransmissions": p.retransmissions})
    p.send_data(rest)


def attack_rst_in_window(p, msg):
    """Half the message, then a RST whose sequence number is 100 bytes
    past the next expected one (inside the window, not exact), then the
    rest of the message."""
    half = msg.index(CRLF + CRLF) + 2
    p.send_data(msg[:half])
    p.observe(0.3)
    rst_seq = p.snd_nxt + 100
    p.xmit("RA", rst_seq, p.rcv_nxt, what="rst-in-window")
    seen = p.observe(0.5)
    p.notes.update({"rst_seq_minus_next": 100,
                    "receiver_after_rst": seen,
                    "challenge_acks": [s for s in seen if s["flags"] == "A" and
                                       s["len"] == 0 and s["ack"] == p.rs(p.snd_nxt)]})
    p.send_data(msg[half:])


def attack_syn_on_established(p, msg):
    """Half the message, then a SYN with a new random ISN on the same
    addresses and ports, then the rest of the message."""
    half = msg.index(CRLF + CRLF) + 2
    p.send_data(msg[:half])
    p.observe(0.3)
    isn = (p.snd_nxt + 0x40000000 + random.getrandbits(28)) & M32
    p.xmit("S", isn, None, what="syn-on-established", options=[("MSS", 1460)])
    seen = p.observe(0.5)
    p.notes.update({"syn_isn_minus_next": (isn - p.snd_nxt) & M32,
                    "receiver_after_syn": seen,
                    "challenge_acks": [s for s in seen if s["flags"] == "A" and
                                       s["len"] == 0 and s["ack"] == p.rs(p.snd_nxt)]})
    p.send_data(msg[half:])


def cmd_run(a):
    case = a.case
    p = Peer(a, case)
    if case == "ipv6-frag-destopts":
        p.mode = "frag-destopts"
    msg = message(case)
    p.connect()
    greet = p.read_reply()
    p.dialog.append({"command": None, "reply": greet})
    expect(greet, "220")
    expect(p.command("EHLO client.example.test"), "250")
    expect(p.command("MAIL FROM:<%s>" % FROM), "250")
    expect(p.command("RCPT TO:<%s>" % RCPT), "250")
    expect(p.command("DATA"), "354")
    wire = stuff(msg)
    if case == "ipv4-frag-overlap":
        attack_ipv4_frag_overlap(p, wire)
    elif case == "tcp-overlap-same-seq":
        attack_tcp_overlap(p, wire, False)
    elif case == "tcp-overlap-same-seq-longer":
        attack_tcp_overlap(p, wire, True)
    elif case == "ipv6-frag-id-fold":
        attack_ipv6_frag_id_fold(p, wire)
    elif case == "rst-in-window":
        attack_rst_in_window(p, wire)
    elif case == "syn-on-established":
        attack_syn_on_established(p, wire)
    else:
        p.send_data(wire)
    p.send_data(b"." + CRLF)
    r = p.read_reply()
    p.dialog.append({"command": ".", "reply": r})
    p.command("QUIT")
    p.close()
    rec = {"case": case, "client": a.src, "client_port": p.sport,
           "server": a.dst, "server_port": a.port, "iss": p.iss, "irs": p.irs,
           "message_sent": msg.decode(), "dialog": p.dialog, "notes": p.notes,
           "segments": p.log, "retransmissions": p.retransmissions}
    with open(a.out, "w") as f:
        json.dump(rec, f, indent=1)
    print("   client: %s:%d -> %s:%d, end of data answered %r" % (
        a.src, p.sport, a.dst, a.port, r[-1]))


# ------------------------------------------------------------ pcap check
def tcp_ok(ip_src, ip_dst, seg, v6):
    """The TCP checksum of seg (header and data) is valid."""
    if v6:
        ph = (socket.inet_pton(socket.AF_INET6, ip_src) +
              socket.inet_pton(socket.AF_INET6, ip_dst) +
              struct.pack("!I3xB", len(seg), 6))
    else:
        ph = (socket.inet_aton(ip_src) + socket.inet_aton(ip_dst) +
              struct.pack("!xBH", 6, len(seg)))
    return osum(ph + seg) == 0xffff


def reassemble(lst, policy):
    """The bytes of a datagram from its fragments [(offset, bytes, more)]:
    "first" keeps, where fragments overlap, the bytes of the one that
    came first, "last" those of the one that came last; None while
    incomplete."""
    buf, have, total = {}, set(), None
    for off, data, more in (lst if policy == "first" else reversed(lst)):
        if not more:
            total = off + len(data)
        for i, b in enumerate(data):
            if off + i not in have:
                buf[off + i] = b
                have.add(off + i)
    if total is None or len(have) < total or any(i not in have for i in range(total)):
        return None
    return bytes(buf[i] for i in range(total))


def cmd_check(a):
    rec = json.load(open(a.record))
    case, cli = a.case, rec["client"]
    pk = rdpcap(a.pcap)
    v6 = ":" in cli
    res = {"packets": len(pk), "from_client": 0, "to_client": 0,
           "tcp_checksums_valid": 0, "tcp_checksums_bad": 0,
           "ipv4_header_checksums_bad": 0, "fragments": 0}
    frags = {}          # id -> [(offset, bytes, more)] in the order seen
    fnh = {}            # id -> next header after the Fragment header
    segs = []           # (dir, flags, seq, ack, payload, index) of whole segments
    chains = []         # client packets (IPv6): next-header chain
    for n, e in enumerate(pk):
        if v6:
            if IPv6 not in e:
                continue
            raw = bytes(e[IPv6])
            src = socket.inet_ntop(socket.AF_INET6, raw[8:24])
            dst = socket.inet_ntop(socket.AF_INET6, raw[24:40])
            plen = struct.unpack("!H", raw[4:6])[0]
            body = raw[40:40 + plen]
            if src == cli:
                res["from_client"] += 1
            else:
                res["to_client"] += 1
            if raw[6] == 44:
                off_m = struct.unpack("!H", body[2:4])[0]
                fid = struct.unpack("!I", body[4:8])[0]
                off, more = off_m & ~7, off_m & 1
                chain = [44, body[0]]
                if off == 0 and body[0] == 60 and len(body) > 8:
                    chain.append(body[8])
                if src == cli:
                    chains.append((chain, off))
                res["fragments"] += 1
                frags.setdefault(fid, []).append((off, body[8:], more))
                fnh[fid] = body[0]
                continue
            if src == cli:
                chains.append(([raw[6]], 0))
            if raw[6] != 6:
                continue
            seg = body
        else:
            if IP not in e:
                continue
            ip = e[IP]
            raw = bytes(ip)
            hl = (raw[0] & 15) * 4
            src, dst = ip.src, ip.dst
            if osum(raw[:hl]) != 0xffff:
                res["ipv4_header_checksums_bad"] += 1
            if src == cli:
                res["from_client"] += 1
            else:
                res["to_client"] += 1
            if ip.flags.MF or ip.frag:
                res["fragments"] += 1
                frags.setdefault(ip.id, []).append(
                    (ip.frag * 8, raw[hl:ip.len], int(ip.flags.MF)))
                fnh[ip.id] = 6
                continue
            if ip.proto != 6:
                continue
            seg = raw[hl:ip.len]
        ok = tcp_ok(src, dst, seg, v6)
        res["tcp_checksums_valid" if ok else "tcp_checksums_bad"] += 1
        t = TCP(seg)
        segs.append(("c" if src == cli else "s", str(t.flags), t.seq, t.ack,
                     bytes(t.payload), n))
    # each fragmented datagram: overlaps, and the TCP checksum of what a
    # "first wins" and a "last wins" reassembly make of it
    fr = {}
    for fid, lst in frags.items():
        ranges = sorted((o, o + len(b)) for o, b, _ in lst)
        overl = any(ranges[i][1] > ranges[i + 1][0] for i in range(len(ranges) - 1))
        x = {"fragments": len(lst), "ranges": ranges, "overlap": overl,
             "fold16": "0x%04x" % ((fid ^ (fid >> 16)) & 0xffff)}
        for pol in ("first", "last"):
            d = reassemble(lst, pol)
            if d is not None and fnh[fid] == 60:
                d = d[(d[1] + 1) * 8:]        # past the Destination Options
            if d is None:
                x["tcp_checksum_" + pol] = "incomplete"
            else:
                x["tcp_checksum_" + pol] = "valid" if tcp_ok(
                    rec["client"], rec["server"], d, v6) else "bad"
        fr["0x%x" % fid] = x
    res["fragment_ids"] = fr
    bad = []
    cseg = [s for s in segs if s[0] == "c"]
    sseg = [s for s in segs if s[0] == "s"]

    def need(cond, what):
        if not cond:
            bad.append(what)
    if case == "ipv4-frag-overlap":
        n = rec["notes"]
        x = fr.get("0x%x" % n["ip_id"])
        need(x and x["fragments"] == 2 and x["overlap"], "two overlapping fragments")
        if x:
            lst = frags[n["ip_id"]]
            (oa, ba, _), (ob, bb, _) = sorted(lst, key=lambda z: z[0])
            lo, hi = ob, oa + len(ba)
            need(ba[lo - oa:hi - oa] != bb[0:hi - ob], "different bytes in the overlap")
            need(b"EVILEVIL" in ba and b"EVILEVIL" not in bb, "the decoy in the first fragment")
        whole = [s for s in cseg if b"Subject: " + SUBJECT in s[4]]
        need(len(whole) == 1, "one whole clean segment with the message (the retransmission)")
        res["attack"] = "IPv4 id 0x%x: fragments %s overlap on %s with different " \
            "bytes (the decoy in the first); the TCP checksum is valid whether the " \
            "first or the last copy wins (%s, %s); then the clean segment, whole" % (
                n["ip_id"], x["ranges"] if x else "?", n["overlap"],
                x["tcp_checksum_first"] if x else "?", x["tcp_checksum_last"] if x else "?")
        need(x and x["tcp_checksum_first"] == "valid" and x["tcp_checksum_last"] == "valid",
             "valid TCP checksums either way")
    elif case.startswith("tcp-overlap-same-seq"):
        dup = {}
        for s in cseg:
            if s[4]:
                dup.setdefault(s[2], []).append(s)
        same = [v for v in dup.values() if len(v) >= 2 and len({x[4] for x in v}) >= 2]
        need(len(same) == 1, "two client segments at one sequence number, different bytes")
        if same:
            v = same[0]
            hole = [s for s in cseg if s[4] and (s[2] + len(s[4])) & M32 == v[0][2]]
            need(hole and hole[0][5] > v[1][5], "the hole filled after both were sent")
            lens = [len(x[4]) for x in v]
            if case.endswith("longer"):
                need(lens[1] > lens[0], "the second (decoy) longer")
            else:
                need(lens[0] == lens[1], "both as long")
            res["attack"] = "out of order, 2 segments at one sequence number (%d " \
                "after the ISN), %d and %d bytes, different (the decoy second); then " \
                "the segment before them" % ((v[0][2] - rec["iss"]) & M32, lens[0], lens[1])
    elif case == "ipv6-frag-id-fold":
        n = rec["notes"]
        a_, b_ = int(n["id_a"], 16), int(n["id_b"], 16)
        xa, xb = fr.get("0x%x" % a_), fr.get("0x%x" % b_)
        need(xa and xa["fragments"] == 2 and not xa["overlap"], "datagram A in two fragments")
        need(xb and xb["fragments"] == 1, "a lone fragment of datagram B")
        need(xa and xb and xa["fold16"] == xb["fold16"] and a_ != b_,
             "ids that differ and fold to the same 16 bits")
        joined = "?"
        if xa and xb:
            ta = [f for f in frags[a_] if f[0] == n["cut"]][0][1]
            tb = frags[b_][0][1]
            need(frags[b_][0][0] == n["cut"] and ta != tb, "B's tail at A's tail offset, different")
            ha = [f for f in frags[a_] if f[0] == 0][0][1]
            joined = "valid" if tcp_ok(rec["client"], rec["server"], ha + tb, v6) else "bad"
            need(xa["tcp_checksum_first"] == "valid" and joined == "valid",
                 "valid TCP checksums for A and for A's head joined to B's tail")
        res["attack"] = "IPv6 fragment ids %s and %s fold to %s; B's lone tail " \
            "(decoy) sent between A's tail and head; the TCP checksum is valid for A " \
            "and for A's head joined to B's tail (%s)" % (
                n["id_a"], n["id_b"], n["fold16"], joined)
    elif case == "rst-in-window":
        r = [s for s in cseg if "R" in s[1]]
        need(len(r) == 1, "one RST from the client")
        if r:
            before = [s for s in sseg if s[5] < r[0][5] and "A" in s[1]]
            nxt = before[-1][3] if before else None
            off = (r[0][2] - nxt) & M32 if nxt is not None else None
            need(off is not None and 0 < off < 65535, "the RST inside the window, not exact")
            after = [s for s in sseg if s[5] > r[0][5]]
            need(after and not after[0][4] and after[0][3] == nxt,
                 "an ACK of the next expected byte right after it (challenge ACK)")
            res["attack"] = "mid-DATA a RST at the next expected byte + %s (inside " \
                "the window); the receiver's next segment: %s" % (
                    off, "an ACK of the next expected byte (challenge ACK)"
                    if after and after[0][3] == nxt and not after[0][4] else "?")
        need(any("F" in s[1] for s in sseg), "the receiver's FIN at the end")
    elif case == "syn-on-established":
        syns = [s for s in cseg if s[1] == "S"]
        need(len(syns) == 2 and syns[0][2] != syns[1][2], "a second SYN with another ISN")
        if len(syns) == 2:
            after = [s for s in sseg if s[5] > syns[1][5]]
            need(after and "S" not in after[0][1] and "A" in after[0][1],
                 "an ACK (challenge ACK), no SYN-ACK, right after it")
            res["attack"] = "mid-DATA a SYN with a new ISN (the first + %d); the " \
                "receiver's next segment: %s" % (
                    (syns[1][2] - syns[0][2]) & M32,
                    "an ACK of the next expected byte (challenge ACK), no SYN-ACK"
                    if after and after[0][1] == "A" and not after[0][4] else
                    after[0][1] if after else "?")
        need(sum(1 for s in sseg if "S" in s[1]) == 1, "one SYN-ACK only")
    elif case == "ipv6-frag-destopts":
        need(res["from_client"] > 0 and len(chains) == res["from_client"] and
             all(c == ([44, 60, 6] if off == 0 else [44, 60]) for c, off in chains),
             "every client packet: Fragment header, then Destination Options, then TCP")
        multi = [f for f in fr.values() if f["fragments"] > 1]
        need(len(multi) > 0, "fragmented datagrams")
        res["attack"] = "%d client packets, each IPv6 / Fragment / Destination " \
            "Options / TCP; %d datagrams in 2 fragments, %d atomic" % (
                res["from_client"], len(multi), sum(1 for f in fr.values() if f["fragments"] == 1))
    res["problems"] = bad
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    if bad:
        die("%s: the capture does not hold the attack: %s" % (case, "; ".join(bad)))
    print("   capture: %s" % res["attack"])
    print("   capture: %d packets (%d from the client, %d from the receiver), "
          "%d fragments; TCP checksums of whole segments: %d valid, %d bad" % (
              res["packets"], res["from_client"], res["to_client"], res["fragments"],
              res["tcp_checksums_valid"], res["tcp_checksums_bad"]))


# ------------------------------------------------------------ the truth
WATCH = ["IpReasmReqds", "IpReasmOKs", "IpReasmFails", "IpReasmTimeout",
         "IpExtReasmOverlaps", "Ip6ReasmReqds", "Ip6ReasmOKs", "Ip6ReasmFails",
         "Ip6ReasmTimeout", "TcpExtTCPOFOQueue", "TcpExtTCPOFOMerge",
         "TcpExtTCPOFODrop", "TcpExtTCPDSACKOfoSent", "TcpExtTCPDSACKOldSent",
         "TcpExtTCPChallengeACK", "TcpExtTCPSYNChallenge",
         "TcpExtTCPACKSkippedChallenge", "TcpEstabResets", "TcpAttemptFails",
         "TcpInErrs", "TcpInCsumErrors", "TcpRetransSegs", "TcpPassiveOpens",
         "TcpExtTCPAbortOnData", "Ip6InDiscards", "IpInDiscards",
         "Ip6InUnknownProtos", "Ip6InHdrErrors", "IpInHdrErrors"]


def nstat_read(path):
    out = {}
    for ln in open(path):
        f = ln.split()
        if len(f) >= 2 and f[1].isdigit():
            out[f[0]] = int(f[1])
    return out


def verdict(case, d, notes):
    """The kernel's decision, in words, from the counters (and what the
    client saw); None when they do not show what the case expects."""
    g = d.get
    if case == "ipv4-frag-overlap":
        if g("IpExtReasmOverlaps", 0) >= 1 and g("IpReasmOKs", 0) == 0 and \
                not notes.get("acked_after_fragments"):
            return "IpExtReasmOverlaps +%d: the datagram of overlapping fragments " \
                "was dropped (no ACK for it); the clean retransmission was taken" % \
                g("IpExtReasmOverlaps")
    elif case.startswith("tcp-overlap-same-seq"):
        if g("TcpExtTCPOFOQueue", 0) >= 1 and g("TcpExtTCPOFOMerge", 0) >= 1:
            return "TcpExtTCPOFOQueue +%d, TcpExtTCPOFOMerge +%d: the second segment " \
                "at the same sequence number was merged into the queued one; " \
                "the receiver acknowledged %d bytes of the data" % (
                    g("TcpExtTCPOFOQueue"), g("TcpExtTCPOFOMerge"),
                    notes["receiver_acked_bytes"])
    elif case == "ipv6-frag-id-fold":
        if g("Ip6ReasmOKs", 0) >= 1 and (g("Ip6ReasmTimeout", 0) >= 1 or
                                         g("Ip6ReasmFails", 0) >= 1):
            return "Ip6ReasmOKs +%d, Ip6ReasmTimeout +%d, Ip6ReasmFails +%d: datagram " \
                "%s completed from its own fragments; %s's lone (decoy) tail timed out" % (
                    g("Ip6ReasmOKs"), g("Ip6ReasmTimeout", 0), g("Ip6ReasmFails", 0),
                    notes["id_a"], notes["id_b"])
    elif case == "rst-in-window":
        if g("TcpExtTCPChallengeACK", 0) >= 1 and g("TcpEstabResets", 0) == 0:
            return "TcpExtTCPChallengeACK +%d, TcpEstabResets +0: the RST was not " \
                "taken; a challenge ACK answered it (RFC 5961 3.2)" % g("TcpExtTCPChallengeACK")
    elif case == "syn-on-established":
        if g("TcpExtTCPSYNChallenge", 0) >= 1 and g("TcpExtTCPChallengeACK", 0) >= 1 \
                and g("TcpEstabResets", 0) == 0:
            return "TcpExtTCPSYNChallenge +%d, TcpExtTCPChallengeACK +%d, " \
                "TcpEstabResets +0: the SYN did not open or reset anything; a " \
                "challenge ACK answered it (RFC 5961 4.2)" % (
                    g("TcpExtTCPSYNChallenge"), g("TcpExtTCPChallengeACK"))
    elif case == "ipv6-frag-destopts":
        if g("Ip6ReasmOKs", 0) >= 1 and g("Ip6InUnknownProtos", 0) == 0 and \
                g("Ip6InHdrErrors", 0) == 0:
            return "Ip6ReasmReqds +%d, Ip6ReasmOKs +%d: every fragment taken, the " \
                "Destination Options passed over, TCP delivered" % (
                    g("Ip6ReasmReqds"), g("Ip6ReasmOKs"))
    return None


def parse_dump(path):
    """smtp-sink's dump: its own header lines, then the message as
    received (dot-unstuffed, one line per line), then an empty line."""
    lines = open(path, "rb").read().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    env = {"mail": [], "rcpt": []}
    i = 0
    while i < len(lines):
        ln = lines[i]
        if ln.startswith(b"X-Mail-Args: "):
            env["mail"].append(ln[13:].decode())
        elif ln.startswith(b"X-Rcpt-Args: "):
            env["rcpt"].append(ln[13:].decode())
        elif ln.startswith(b"Received: ") and i + 2 < len(lines) and \
                b"(smtp-sink)" in lines[i + 1]:
            i += 3
            break
        i += 1
    msg = lines[i:]
    if not msg or msg[-1] != b"":
        die("%s: no empty line after the message" % path)
    msg = msg[:-1]
    hdr = {}
    for ln in msg:
        if ln == b"":
            break
        k, _, v = ln.partition(b":")
        hdr.setdefault(k.decode().lower(), []).append(v.strip().decode("latin-1"))
    size = sum(len(ln) + 2 for ln in msg)
    return env, hdr, size, b"\r\n".join(msg) + b"\r\n"


def q(v):
    return quote(v, safe="<>@.-_+:=/")


def cmd_truth(a):
    rec = json.load(open(a.record))
    chk = json.load(open(a.pcap_check))
    case = a.case
    dumps = sorted(glob.glob(os.path.join(a.dump, "*")))
    if len(dumps) != 1:
        die("%s: %d smtp-sink dump files, want 1" % (case, len(dumps)))
    env, hdr, size, body = parse_dump(dumps[0])
    # smtp-sink's transcript (-v) and counters (-c)
    log = open(a.sink_log, encoding="latin-1").read()
    cmds = re.findall(r"smtp-sink: ((?:EHLO|MAIL|RCPT|DATA|QUIT)\b[^\n]*|\.)\n", log)
    want = ["EHLO client.example.test", "MAIL FROM:<%s>" % FROM, "RCPT TO:<%s>" % RCPT,
            "DATA", ".", "QUIT"]
    if cmds != want:
        die("%s: smtp-sink read %r, want %r" % (case, cmds, want))
    cnt = re.findall(r"sess=(\d+) quit=(\d+) mesg=(\d+)", log)
    if not cnt or cnt[-1] != ("1", "1", "1"):
        die("%s: smtp-sink counters %r, want sess=1 quit=1 mesg=1" % (case, cnt[-1:]))
    if env["mail"] != ["<%s>" % FROM] or env["rcpt"] != ["<%s>" % RCPT]:
        die("%s: dump envelope %r" % (case, env))
    if "disconnect" not in log:
        die("%s: smtp-sink saw no disconnect" % case)
    # the receiver's replies, as the client read them
    d = {x["command"]: x["reply"] for x in rec["dialog"]}
    final = d["."][-1]
    code = int(final[:3])
    outcome = "accepted" if 200 <= code < 300 else "rejected" if code >= 500 else "tempfail"
    subj = hdr.get("subject", [None])[0]
    msgid = hdr.get("message-id", [None])[0]
    xevil = "x-evil" in hdr
    # the kernel
    before, after = nstat_read(a.nstat_before), nstat_read(a.nstat_after)
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in WATCH}
    v = verdict(case, delta, rec["notes"])
    shown = " ".join("%s +%d" % (k, delta[k]) for k in WATCH if delta[k])
    anomaly = {"ipv4-frag-overlap": ["overlap_conflict"],
               "tcp-overlap-same-seq": ["overlap_conflict"],
               "tcp-overlap-same-seq-longer": ["overlap_conflict"],
               "rst-in-window": ["rst_in_window"],
               "syn-on-established": ["syn_on_established"]}.get(case, [])
    sent = rec["message_sent"].encode()
    same = body == sent
    lines = [
        "# evasion-%s: what smtpscope must log (tests/t-evasion.sh, captures/README.md)" % case,
        "# kernel (Linux %s, receiver namespace, nstat deltas): %s" % (os.uname().release, shown),
        "# kernel's decision: %s" % (v or "NOT THE EXPECTED ONE: see the counters"),
        "# capture: %s; TCP checksums of whole segments %d valid, %d bad" % (
            chk["attack"], chk["tcp_checksums_valid"], chk["tcp_checksums_bad"]),
        "# receiver (smtp-sink -d dump, -v transcript, -c counters sess=1 quit=1 mesg=1): "
        "Subject %r, Message-ID %s, %d bytes, %s; the message %s what the client meant to send" % (
            subj, msgid, size, "an X-Evil line" if xevil else "no X-Evil line",
            "is" if same else "is NOT"),
        "tx session=1 verb=MAIL from=%s outcome=%s rcpts=%s final=%d subject=%s msgid=%s "
        "size=%d client=%s server=%s" % (FROM, outcome, RCPT, code, q(subj or "-"),
                                         q(msgid or "-"), size, rec["client"], rec["server"]),
        "session id=1 end=fin",
    ]
    for an in anomaly:
        lines.append("anomaly session=1 name=%s" % an)
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("   receiver: %s %s, Subject %r, Message-ID %s, %d bytes%s" % (
        final, outcome, subj, msgid, size, ", X-Evil line" if xevil else ""))
    print("   kernel: %s" % shown)
    print("   kernel's decision: %s" % (v or "NOT THE EXPECTED ONE"))
    if v is None:
        sys.exit(4)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    o = sub.add_parser("offload")
    o.add_argument("iface")
    r = sub.add_parser("run")
    r.add_argument("case", choices=CASES)
    r.add_argument("--iface", required=True)
    r.add_argument("--dmac", required=True)
    r.add_argument("--src", required=True)
    r.add_argument("--dst", required=True)
    r.add_argument("--port", type=int, default=25)
    r.add_argument("--out", required=True)
    c = sub.add_parser("check")
    c.add_argument("case", choices=CASES)
    c.add_argument("pcap")
    c.add_argument("record")
    c.add_argument("--out", required=True)
    t = sub.add_parser("truth")
    t.add_argument("case", choices=CASES)
    for k in ("record", "dump", "sink-log", "nstat-before", "nstat-after",
              "pcap-check", "out"):
        t.add_argument("--" + k, required=True)
    a = ap.parse_args()
    {"offload": cmd_offload, "run": cmd_run, "check": cmd_check,
     "truth": cmd_truth}[a.cmd](a)


if __name__ == "__main__":
    main()
