#!/usr/bin/env python3
# smtpdialog.py - a scripted SMTP client over a raw socket, for the
# captures of make-captures-model.sh. It sends exactly the bytes of each
# step (one write per step: a pipelined step is one segment), reads the
# replies it expects, and writes a JSON record of every command it sent
# and every reply line it read, in order. The record is the client's own
# account of the dialogue; make-captures-model.sh derives ground truth
# from it (tools/smtpmodel.py) and cross-checks it with the server's log.
#
# usage: smtpdialog.py SCENARIO --server IP [--port N] [--source IP]
#                      --out RECORD.json
# SCENARIO: postfix-refused or exim-refused (the dialogues below).
#
# SPDX-License-Identifier: GPL-2.0-or-later
import argparse
import json
import socket
import sys
import time

CRLF = b"\r\n"


def message(frm, to, subject, lines=6):
    body = [
        "From: <%s>" % frm,
        "To: <%s>" % to,
        "Subject: %s" % subject,
        "Date: Mon, 7 Dec 2026 10:00:00 +0000",
        "Message-ID: <%s.%d@client.example.test>" % (subject.replace(" ", "-"), int(time.time())),
        "",
    ]
    for i in range(1, lines + 1):
        body.append("Line %d of a test message for the smtpscope model captures." % i)
    return "\r\n".join(body) + "\r\n"


# A scenario is a list of sessions; a session a list of steps:
#   ("cmd", LINE)            one command, one reply
#   ("pipe", [LINE, ...])    one write, one reply per line
#   ("data", TEXT)           the message after a 354 (skipped if the
#                            last DATA did not get 354), then "." and its
#                            reply (LMTP: not used here)
SCENARIOS = {
    "postfix-refused": [
        # a: nested MAIL refused, the first envelope stays
        [
            ("cmd", "EHLO client.example.test"),
            ("cmd", "MAIL FROM:<alice@example.test>"),
            ("cmd", "RCPT TO:<root@example.test>"),
            ("cmd", "MAIL FROM:<bob@example.test>"),
            ("cmd", "DATA"),
            ("data", message("alice@example.test", "root@example.test", "session a nested MAIL")),
            ("cmd", "QUIT"),
        ],
        # b: a bare EHLO in the middle of a transaction, refused
        [
            ("cmd", "EHLO client.example.test"),
            ("cmd", "MAIL FROM:<alice@example.test>"),
            ("cmd", "RCPT TO:<root@example.test>"),
            ("cmd", "EHLO"),
            ("cmd", "DATA"),
            ("data", message("alice@example.test", "root@example.test", "session b bare EHLO")),
            ("cmd", "QUIT"),
        ],
        # c: BDAT before MAIL (refused; its 5-byte chunk still follows)
        # pipelined with MAIL, RCPT and DATA in one segment: Postfix then
        # refuses all three until RSET; then RSET, MAIL, RCPT and DATA
        # pipelined in a second segment
        [
            ("cmd", "EHLO client.example.test"),
            ("pipe", ["BDAT 5", ("chunk", "Hello"), "MAIL FROM:<carol@example.test>",
                      "RCPT TO:<root@example.test>", "DATA"]),
            ("pipe", ["RSET", "MAIL FROM:<carol@example.test>",
                      "RCPT TO:<root@example.test>", "DATA"]),
            ("data", message("carol@example.test", "root@example.test", "session c pipelined after BDAT")),
            ("cmd", "QUIT"),
        ],
        # d: DATA before any RCPT
        [
            ("cmd", "EHLO client.example.test"),
            ("cmd", "MAIL FROM:<dave@example.test>"),
            ("cmd", "DATA"),
            ("cmd", "RCPT TO:<root@example.test>"),
            ("cmd", "DATA"),
            ("data", message("dave@example.test", "root@example.test", "session d DATA before RCPT")),
            ("cmd", "QUIT"),
        ],
        # e: commands outside any transaction
        [
            ("cmd", "EHLO client.example.test"),
            ("cmd", "VRFY root@example.test"),
            ("cmd", "VRFY nosuchuser@example.test"),
            ("cmd", "EXPN root@example.test"),
            ("cmd", "ETRN relay.example"),
            ("cmd", "ETRN other.example"),
            ("cmd", "HELP"),
            ("cmd", "NOOP"),
            ("cmd", "RSET"),
            ("cmd", "QUIT"),
        ],
        # f: a BDAT with bad syntax pipelined with MAIL, RCPT and DATA:
        # Postfix cannot know where the chunk ends, answers 521 and
        # hangs up; the rest is never answered
        [
            ("cmd", "EHLO client.example.test"),
            ("pipe", ["BDAT 5 X", "MAIL FROM:<erin@example.test>",
                      "RCPT TO:<root@example.test>", "DATA"]),
            ("data", message("erin@example.test", "root@example.test", "session f never sent")),
            ("cmd", "QUIT"),
        ],
    ],
    "exim-refused": [
        [
            ("cmd", "EHLO client.example.test"),
            ("cmd", "MAIL FROM:<alice@example.test>"),
            ("cmd", "RCPT TO:<nosuch@example.test>"),
            ("cmd", "DATA"),
            ("cmd", "MAIL FROM:<bob@example.test>"),
            ("cmd", "RCPT TO:<root@example.test>"),
            ("cmd", "DATA"),
            ("data", message("alice@example.test", "root@example.test", "Exim refused commands")),
            ("cmd", "QUIT"),
        ],
    ],
}


class Conn:
    def __init__(self, server, port, source, timeout):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if source:
            self.s.bind((source, 0))
        self.s.settimeout(timeout)
        self.s.connect((server, port))
        self.buf = b""

    def line(self):
        while CRLF not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("connection closed by the server")
            self.buf += chunk
        ln, self.buf = self.buf.split(CRLF, 1)
        return ln.decode("utf-8", "replace")

    def reply(self):
        lines = []
        while True:
            ln = self.line()
            lines.append(ln)
            if len(ln) < 4 or ln[3] != "-":
                return lines

    def send(self, data):
        self.s.sendall(data)


def dot_stuff(text):
    out = []
    for ln in text.split("\r\n"):
        out.append("." + ln if ln.startswith(".") else ln)
    return "\r\n".join(out)


def run_session(steps, args):
    c = Conn(args.server, args.port, args.source, args.timeout)
    rec = {
        "client": c.s.getsockname()[0], "client_port": c.s.getsockname()[1],
        "server": args.server, "server_port": args.port, "events": [],
    }
    ev = rec["events"]
    ev.append({"t": "greeting", "by": "server", "reply": c.reply()})
    last_data = None
    try:
        for kind, arg in steps:
            if kind == "cmd":
                c.send(arg.encode() + CRLF)
                r = c.reply()
                ev.append({"t": "cmd", "by": "client", "line": arg, "reply": r})
                if arg.upper() == "DATA":
                    last_data = r[-1][:3]
            elif kind == "pipe":
                raw = b""
                for x in arg:
                    if isinstance(x, tuple):	# ("chunk", TEXT): BDAT data
                        raw += x[1].encode()
                    else:
                        raw += x.encode() + CRLF
                c.send(raw)
                closed = False
                for x in arg:
                    if isinstance(x, tuple):
                        ev.append({"t": "chunk", "by": "client", "bytes": len(x[1])})
                        continue
                    r = None
                    if not closed:
                        try:
                            r = c.reply()
                        except (EOFError, ConnectionResetError):
                            closed = True
                    ev.append({"t": "cmd", "by": "client", "line": x, "reply": r,
                               "pipelined": True})
                    if x.upper() == "DATA" and r:
                        last_data = r[-1][:3]
                if closed:
                    ev.append({"t": "closed", "by": "server"})
                    break
            elif kind == "data":
                if last_data != "354":
                    continue
                body = dot_stuff(arg)
                c.send(body.encode() + b".\r\n")
                r = c.reply()
                ev.append({"t": "data", "by": "client", "bytes": len(arg),
                           "replies": [r]})
                last_data = None
    except (EOFError, ConnectionResetError) as e:
        ev.append({"t": "closed", "by": "server", "what": str(e)})
    except socket.timeout as e:
        ev.append({"t": "error", "what": "timeout: %s" % e})
    # after QUIT: wait for the server's close
    try:
        while c.s.recv(65536):
            pass
    except (socket.timeout, OSError):
        pass
    c.s.close()
    return rec


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", choices=sorted(SCENARIOS))
    ap.add_argument("--server", required=True)
    ap.add_argument("--port", type=int, default=25)
    ap.add_argument("--source")
    ap.add_argument("--timeout", type=float, default=15)
    ap.add_argument("--pause", type=float, default=0.3,
                    help="seconds between sessions")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    sessions = []
    for steps in SCENARIOS[args.scenario]:
        sessions.append(run_session(steps, args))
        time.sleep(args.pause)
    with open(args.out, "w") as f:
        json.dump({"tool": "smtpdialog", "scenario": args.scenario,
                   "sessions": sessions}, f, indent=1)
    bad = 0
    for i, s in enumerate(sessions, 1):
        for e in s["events"]:
            if e["t"] == "cmd":
                print("  %d: %s -> %s" % (i, e["line"], " / ".join(e["reply"])
                                          if e["reply"] else "(no reply)"))
            elif e["t"] == "chunk":
                print("  %d: <BDAT chunk, %d bytes>" % (i, e["bytes"]))
            elif e["t"] == "closed":
                print("  %d: the server closed the connection" % i)
            elif e["t"] == "data":
                print("  %d: <message, %d bytes> . -> %s" % (i, e["bytes"], " / ".join(e["replies"][0])))
            elif e["t"] == "greeting":
                print("  %d: greeting %s" % (i, " / ".join(e["reply"])))
            elif e["t"] == "error":
                print("  %d: ERROR %s" % (i, e["what"]))
                bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main())
