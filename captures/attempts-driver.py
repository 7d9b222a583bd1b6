#!/usr/bin/env python3
# attempts-driver.py - the clients of captures/make-captures-attempts.sh:
# real sessions to Postfix's smtp-sink (127.0.0.22:25) with Python's
# smtplib, connections refused by the kernel (nothing listens on
# 127.0.0.23:25, nor on [::1]:25) and connections nobody answers
# (127.0.0.24:587 listens
# with a full accept queue: Linux drops the SYN, the client's kernel
# sends it again). Writes what each attempt met, as the client saw it
# (ConnectionRefusedError, a timeout), one JSON object a line, to OUT.
#
# usage: attempts-driver.py OUT
#
# SPDX-License-Identifier: GPL-2.0-or-later
import json
import smtplib
import socket
import sys
import time

out = open(sys.argv[1], "w", encoding="utf-8")


def note(kind, sock_or_port, server, result):
    out.write(json.dumps({"what": kind, "client_port": sock_or_port,
                          "server": server, "result": result}) + "\n")
    out.flush()


def session(n):
    """A real session to smtp-sink: one message accepted."""
    s = smtplib.SMTP("127.0.0.22", 25, local_hostname="client.test",
                     source_address=("127.0.0.21", 0), timeout=10)
    port = s.sock.getsockname()[1]
    s.sendmail("alice@client.test", ["bob@sink.test"],
               "Subject: attempts %d\r\n\r\nhello\r\n" % n)
    s.quit()
    note("session", port, "127.0.0.22 25", "accepted")


def refused(family, src, dst):
    """Nothing listens on dst: the kernel answers the SYN with RST."""
    c = socket.socket(family)
    c.bind((src, 0))
    port = c.getsockname()[1]
    try:
        c.connect((dst, 25))
        raise SystemExit("%s port 25 answered" % dst)
    except ConnectionRefusedError:
        note("attempt", port, "%s 25" % dst, "refused")
    finally:
        c.close()


def unanswered(timeout):
    """The listener's accept queue is full: the SYN is dropped, sent
    again after 1 s and 3 s, and the client gives up after timeout."""
    c = socket.socket()
    c.bind(("127.0.0.21", 0))
    port = c.getsockname()[1]
    c.settimeout(timeout)
    try:
        c.connect(("127.0.0.24", 587))
        raise SystemExit("127.0.0.24:587 answered")
    except socket.timeout:
        note("attempt", port, "127.0.0.24 587", "unanswered")
    finally:
        c.close()


# 127.0.0.24:587: backlog 0 holds one connection, never accepted.
lst = socket.socket()
lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lst.bind(("127.0.0.24", 587))
lst.listen(0)
filler = socket.create_connection(("127.0.0.24", 587), timeout=5,
                                  source_address=("127.0.0.20", 0))
time.sleep(0.5)

t0 = time.time()
session(1)
refused(socket.AF_INET, "127.0.0.21", "127.0.0.23")
refused(socket.AF_INET, "127.0.0.21", "127.0.0.23")
session(2)
unanswered(4.5)          # judged 60 s after its first SYN
refused(socket.AF_INET, "127.0.0.21", "127.0.0.23")
refused(socket.AF_INET6, "::1", "::1")
# the next packets come after 60 s: the first unanswered is judged then
time.sleep(max(0, t0 + 66 - time.time()))
session(3)
unanswered(4.5)          # judged at the end of the capture
time.sleep(1)
session(4)               # 5.5 s after that attempt's first SYN
filler.close()
lst.close()
out.close()
