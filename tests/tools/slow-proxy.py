#!/usr/bin/env python3
# slow-proxy.py BACKPORT DELAY [LOG]: an HTTP proxy on 127.0.0.1 (its port
# printed on the first line) in front of 127.0.0.1:BACKPORT that holds
# every request DELAY seconds before passing it on: each request's head
# read, held, then sent on with its body (Content-Length); the answers
# flow back as they come. Every request on a kept-alive connection is
# held, not only a connection's first. LOG, when given: one line a
# request held (its body's length). A slow ClickHouse for
# tests/t-clickhouse-live.sh and bench/ch-slow.sh.
# SPDX-License-Identifier: GPL-2.0-or-later
import socket, sys, threading, time
back, delay = int(sys.argv[1]), float(sys.argv[2])
log = sys.argv[3] if len(sys.argv) > 3 else None
lock = threading.Lock()
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(64)
print(ls.getsockname()[1], flush=True)

def close(*socks):
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

def answers(s, c):
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            c.sendall(d)
    except OSError:
        pass
    close(s, c)

def requests(c, s):
    buf = b""
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                d = c.recv(65536)
                if not d:
                    return
                buf += d
            head, buf = buf.split(b"\r\n\r\n", 1)
            head += b"\r\n\r\n"
            n, chunked = 0, False
            for line in head.split(b"\r\n")[1:]:
                k, _, v = line.partition(b":")
                k = k.strip().lower()
                if k == b"content-length":
                    n = int(v.strip())
                elif k == b"transfer-encoding" and b"chunked" in v.lower():
                    chunked = True
            time.sleep(delay)
            if log is not None:
                with lock, open(log, "a") as f:
                    f.write("%d\n" % n)
            s.sendall(head)
            if chunked:  # not what libcurl sends here: passed on as is
                s.sendall(buf)
                while True:
                    d = c.recv(65536)
                    if not d:
                        return
                    s.sendall(d)
            body, buf = buf[:n], buf[n:]
            s.sendall(body)
            n -= len(body)
            while n > 0:
                d = c.recv(min(n, 65536))
                if not d:
                    return
                s.sendall(d)
                n -= len(d)
    except OSError:
        pass
    finally:
        close(c, s)

while True:
    c, _ = ls.accept()
    s = socket.create_connection(("127.0.0.1", back))
    threading.Thread(target=requests, args=(c, s), daemon=True).start()
    threading.Thread(target=answers, args=(s, c), daemon=True).start()
