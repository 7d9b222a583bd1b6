#!/usr/bin/python3
"""smtp-pipeline-client.py - the SMTP client of bench/make-corpus.sh that
smtp-source cannot be: it pipelines (RFC 2920), sends messages of mixed
sizes, and survives servers that disconnect.

usage: smtp-pipeline-client.py HOST:PORT [options]

  --sessions N       SMTP sessions in all (default 1000)
  --parallel N       sessions at a time (default 32)
  --messages A-B     messages per session, drawn uniformly (default 1-3)
  --rcpts A-B        recipients per message, drawn uniformly (default 1-5)
  --sizes LIST       message sizes in bytes with weights, SIZE:WEIGHT,...
                     (default 1024:30,3072:20,8192:20,20480:15,51200:8,
                     102400:5,204800:2)
  --no-pipelining    one command, one reply (lockstep), even when the
                     server offers PIPELINING
  --pipeline-quit    send QUIT in the same write as the last end of data
  --abort-every N    every Nth session closes its socket half way through
                     its first message's text (a client that goes away):
                     alternately with a FIN (close) and a reset (SO_LINGER
                     0)
  --seed N           random seed (default 1): the same options make the
                     same traffic

With pipelining (the default, when the server's EHLO reply names
PIPELINING), MAIL FROM, every RCPT TO and DATA of a transaction go in one
write, and the replies are read after; the message text and its end of data
follow the 354. Without it, each command waits for its reply.

It prints one line of ground truth on stdout, counted from what it sent and
the replies it read (never from a dissector):

  sessions S transactions T messages_accepted M recipients_accepted R
  dots D quits Q disconnects X aborts A

sessions: connections established (each got its 220 greeting: the servers
here greet every connection); transactions: MAIL FROM commands sent;
messages_accepted: ends of data answered 2xx; recipients_accepted: RCPT TO
answered 2xx; dots: ends of data sent (compare smtp-sink's mesg=); quits:
QUIT commands sent; disconnects: sessions the server ended before the
client's QUIT was answered (a 421 reply counts as one: the client sends
nothing after it); aborts: sessions the client cut (--abort-every).
Exit status 0, or 1 on an unexpected error (a session that neither ended
normally nor by a server disconnect, a timeout, a protocol surprise).

SPDX-License-Identifier: GPL-2.0-or-later
"""
import argparse
import asyncio
import random
import socket
import struct
import sys

TIMEOUT = 60.0


class Disconnected(Exception):
    """The server closed the connection."""


class Totals:
    def __init__(self):
        self.sessions = self.transactions = self.messages = self.rcpts = 0
        self.dots = self.quits = self.disconnects = self.aborts = 0
        self.errors = 0


def body_lines(size, rnd):
    """Message text of about SIZE bytes: lines of 76 letters and spaces,
    none starting with a dot."""
    alphabet = "abcdefghijklmnopqrstuvwxyz      "
    out = []
    n = 0
    while n < size:
        ln = "".join(rnd.choice(alphabet) for _ in range(76)).strip() or "x"
        ln = "B" + ln[1:]
        out.append(ln)
        n += len(ln) + 2
    return out


class Bodies:
    """One pre-made body per size (generating text per message would make
    this client, not the network, the bottleneck)."""

    def __init__(self, sizes, seed):
        rnd = random.Random(seed)
        self.text = {}
        for size in sizes:
            self.text[size] = ("\r\n".join(body_lines(size, rnd)) +
                               "\r\n").encode()


async def read_reply(reader):
    """One complete (possibly multi-line) reply: (code, lines)."""
    lines = []
    while True:
        ln = await asyncio.wait_for(reader.readline(), TIMEOUT)
        if not ln:
            raise Disconnected()
        if not ln.endswith(b"\n"):
            raise Disconnected()
        s = ln.decode("latin-1").rstrip("\r\n")
        lines.append(s)
        if len(s) < 4 or s[3] != "-":
            return s[:3], lines


def pick_range(rnd, spec):
    return rnd.randint(spec[0], spec[1])


async def session(idx, host, port, opt, bodies, totals):
    rnd = random.Random(opt.seed * 1000003 + idx)
    nmsg = pick_range(rnd, opt.messages)
    abort = opt.abort_every > 0 and idx % opt.abort_every == opt.abort_every - 1
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, limit=1 << 20), TIMEOUT)
    except (OSError, asyncio.TimeoutError) as e:
        print(f"session {idx}: connect: {e!r}", file=sys.stderr)
        totals.errors += 1
        return
    totals.sessions += 1
    quit_sent = False
    try:
        code, _ = await read_reply(reader)
        if code != "220":
            raise RuntimeError(f"greeting {code}")
        writer.write(b"EHLO client%d.bench.example\r\n" % (idx % 97))
        code, lines = await read_reply(reader)
        if code != "250":
            raise RuntimeError(f"EHLO {code}")
        offered = any(ln[4:].upper().startswith("PIPELINING") for ln in lines)
        pipelining = offered and not opt.no_pipelining
        for m in range(nmsg):
            last = m == nmsg - 1
            nrcpt = pick_range(rnd, opt.rcpts)
            size = rnd.choices(opt.size_list, opt.size_weights)[0]
            rcpts = [f"user{rnd.randrange(100000)}@rcpt{r % 7}.bench.example"
                     for r in range(nrcpt)]
            cmds = [f"MAIL FROM:<s{idx}.{m}@client.bench.example> SIZE={size}"]
            cmds += [f"RCPT TO:<{r}>" for r in rcpts]
            cmds.append("DATA")
            totals.transactions += 1
            replies = []
            if pipelining:
                writer.write("".join(c + "\r\n" for c in cmds).encode())
            for c in cmds:
                if not pipelining:
                    writer.write((c + "\r\n").encode())
                code = (await read_reply(reader))[0]
                replies.append(code)
                if c.startswith("RCPT") and code[0] == "2":
                    totals.rcpts += 1
                if code == "421":
                    raise Disconnected()
                if (not pipelining and c.startswith("MAIL") and
                        code[0] != "2"):
                    break
            if len(replies) < len(cmds) or replies[-1] != "354":
                # no data phase: reset, next transaction (or the QUIT)
                writer.write(b"RSET\r\n")
                if (await read_reply(reader))[0] == "421":
                    raise Disconnected()
                continue
            head = (f"From: <s{idx}.{m}@client.bench.example>\r\n"
                    f"To: {', '.join('<' + r + '>' for r in rcpts)}\r\n"
                    f"Subject: bench {idx}.{m} ({size} bytes)\r\n"
                    f"Message-ID: <{idx}.{m}.{opt.seed}@client.bench.example>\r\n"
                    "MIME-Version: 1.0\r\n"
                    "Content-Type: text/plain; charset=us-ascii\r\n"
                    "\r\n").encode()
            text = head + bodies.text[size]
            if abort and m == 0:
                writer.write(text[:len(text) // 2])
                await writer.drain()
                totals.aborts += 1
                if (idx // opt.abort_every) % 2:
                    sock = writer.get_extra_info("socket")
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                    struct.pack("ii", 1, 0))
                    writer.transport.abort()
                else:
                    writer.close()
                return
            tail = b".\r\n"
            both = last and pipelining and opt.pipeline_quit
            if both:
                tail += b"QUIT\r\n"
                quit_sent = True
                totals.quits += 1
            writer.write(text + tail)
            totals.dots += 1
            code, _ = await read_reply(reader)
            if code[0] == "2":
                totals.messages += 1
            if code == "421":
                raise Disconnected()
            if both:
                await read_reply(reader)
                break
            await writer.drain()
        if not quit_sent:
            writer.write(b"QUIT\r\n")
            quit_sent = True
            totals.quits += 1
            await read_reply(reader)
        # the server closes after 221; wait for its FIN, then close
        await asyncio.wait_for(reader.read(), TIMEOUT)
        writer.close()
    except Disconnected:
        if not quit_sent:
            totals.disconnects += 1
        writer.close()
    except (OSError, asyncio.TimeoutError, RuntimeError) as e:
        print(f"session {idx}: {e!r}", file=sys.stderr)
        totals.errors += 1
        writer.transport.abort()


async def main_async(opt):
    host, _, port = opt.target.rpartition(":")
    host = host.strip("[]")
    bodies = Bodies(opt.size_list, opt.seed)
    totals = Totals()
    nxt = 0

    async def worker():
        nonlocal nxt
        while nxt < opt.sessions:
            i = nxt
            nxt += 1
            await session(i, host, int(port), opt, bodies, totals)
            if opt.progress and (i + 1) % opt.progress == 0:
                print(f"   ... {i + 1} sessions", file=sys.stderr, flush=True)

    await asyncio.gather(*(worker() for _ in range(opt.parallel)))
    return totals


def parse_range(s):
    a, _, b = s.partition("-")
    return (int(a), int(b or a))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("target")
    p.add_argument("--sessions", type=int, default=1000)
    p.add_argument("--parallel", type=int, default=32)
    p.add_argument("--messages", type=parse_range, default=(1, 3))
    p.add_argument("--rcpts", type=parse_range, default=(1, 5))
    p.add_argument("--sizes", default="1024:30,3072:20,8192:20,20480:15,"
                   "51200:8,102400:5,204800:2")
    p.add_argument("--no-pipelining", action="store_true")
    p.add_argument("--pipeline-quit", action="store_true")
    p.add_argument("--abort-every", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--progress", type=int, default=0)
    opt = p.parse_args()
    opt.size_list, opt.size_weights = [], []
    for item in opt.sizes.split(","):
        s, _, w = item.partition(":")
        opt.size_list.append(int(s))
        opt.size_weights.append(int(w or 1))
    t = asyncio.run(main_async(opt))
    print(f"sessions {t.sessions} transactions {t.transactions} "
          f"messages_accepted {t.messages} recipients_accepted {t.rcpts} "
          f"dots {t.dots} quits {t.quits} disconnects {t.disconnects} "
          f"aborts {t.aborts}")
    return 1 if t.errors else 0


if __name__ == "__main__":
    sys.exit(main())
