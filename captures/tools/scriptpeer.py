#!/usr/bin/env python3
# scriptpeer.py - plays both ends of SMTP dialogues that no Debian server
# speaks (RFC 821's SEND, SOML, SAML and TURN; RFC 2645's ATRN; rare
# reply codes), over real TCP, for make-captures-model.sh. One process
# holds both sockets: the TCP client (bound to --client) connects to the
# TCP server (listening on --server:--port); each step is written by one
# side in one write and read in full by the other before the next step,
# so every line crosses the wire as the dialogue says, in order. After a
# TURN or ATRN answered 250 the roles swap: the TCP server becomes the
# SMTP client in the same connection.
#
# Every line is taken from the RFCs named beside it (RFC 821's examples
# and scenarios, RFC 2645 section 6, RFC 1985 section 5, RFC 1845,
# RFC 4954 section 6, RFC 3207, RFC 5321 4.2.3, RFC 7504, RFC 1846).
# The record this program writes (what each side sent and read, in
# order) is the ground truth of the scripted captures.
#
# The dsnkeys scenario is not from a seed: a relay that names no queue id
# in its replies takes three messages with the same sender and recipient,
# then sends DSNs back (RFC 3461 ENVID, RFC 3464 Original-Envelope-Id and
# text/rfc822-headers) that only their ENVID or the returned Message-ID
# tell apart; its second session goes from the relay (--server) to the
# senders' MX (--mx).
#
# The authguess scenario is not from a seed either: password guessing on
# AUTH (RFC 4954's 535 5.7.8) from one client, for the alerts.
#
# usage: scriptpeer.py {rfc821,atrn,codes,dsnkeys,authguess} --client IP
#                      --server IP
#                      [--port N] --out RECORD.json
#
# SPDX-License-Identifier: GPL-2.0-or-later
import argparse
import base64
import hashlib
import hmac
import json
import socket
import sys
import time

CRLF = "\r\n"


def cram(user, secret, stamp):
    """An RFC 2195 CRAM-MD5 exchange: (challenge, response) in base64."""
    ch = "<%s>" % stamp
    digest = hmac.new(secret.encode(), ch.encode(), hashlib.md5).hexdigest()
    return (base64.b64encode(ch.encode()).decode(),
            base64.b64encode(("%s %s" % (user, digest)).encode()).decode())


BLAH = "Blah blah blah...\r\n...etc. etc. etc.\r\n"   # RFC 821 example 1

# Steps of a session:
#   ("G", [reply lines])              greeting by the SMTP server side
#   ("C", "command", [reply lines])   a command and its reply
#   ("A", "base64", [reply lines])    a line of an AUTH exchange
#   ("P", ["cmd", ...], [[reply], ...])  pipelined: one write each way
#   ("D", "message text", [reply lines])  after 354: the text (dot-
#                                     stuffed on the wire), ".", reply
#   ("S", seconds)                    a pause (a slow server)
# The SMTP server side closes after its reply to QUIT.

EX6_MSG = (  # RFC 821 example 7 (the seed's example 6)
    "Date: 23 Oct 81 11:22:33\r\n"
    "From: SMTP@HOSTY.ARPA\r\n"
    "To: JOE@HOSTW.ARPA\r\n"
    "Subject: Mail System Problem\r\n"
    "\r\n"
    "  Sorry JOE, your message to SAM@HOSTZ.ARPA lost.\r\n"
    "  HOSTZ.ARPA said this:\r\n"
    "   \"550 No Such User\"\r\n")

EX7_MSG = (  # RFC 821 example 8 (the seed's example 7)
    "Return-Path: <@GHI.ARPA,@DEF.ARPA,@ABC.ARPA:JOE@ABC.ARPA>\r\n"
    "Received: from GHI.ARPA by JKL.ARPA ; 27 Oct 81 15:27:39 PST\r\n"
    "Received: from DEF.ARPA by GHI.ARPA ; 27 Oct 81 15:15:13 PST\r\n"
    "Received: from ABC.ARPA by DEF.ARPA ; 27 Oct 81 15:01:59 PST\r\n"
    "Date: 27 Oct 81 15:01:01 PST\r\n"
    "From: JOE@ABC.ARPA\r\n"
    "Subject: Improved Mailing System Installed\r\n"
    "To: SAM@JKL.ARPA\r\n"
    "\r\n"
    "This is to inform you that ...\r\n")

BOARD_MSG = (  # RFC 821 scenario 3
    "Date: 2 Nov 81 22:33:44\r\n"
    "From: John Q. Public <JQP@MIT-AI.ARPA>\r\n"
    "Subject:  The Next Meeting of the Board\r\n"
    "To: Jones@BBN-Vax.ARPA\r\n"
    "\r\n"
    "Bill:\r\n"
    "The next meeting of the board of directors will be\r\n"
    "on Tuesday.\r\n"
    "                                             John.\r\n")

S354 = ["354 Start mail input; end with <CRLF>.<CRLF>"]


def rfc821():
    s1 = [  # the seed's examples 5, 1, 6 and 7; RFC 821 example 6 closing
        ("G", ["220 BBN-UNIX.ARPA Simple Mail Transfer Service Ready"]),
        ("C", "HELO USC-ISIF.ARPA", ["250 BBN-UNIX.ARPA"]),
        ("C", "MAIL FROM:<Smith@Alpha.ARPA>", ["250 OK"]),
        ("C", "RCPT TO:<Jones@Beta.ARPA>", ["250 OK"]),
        ("C", "RCPT TO:<Green@Beta.ARPA>", ["550 No such user here"]),
        ("C", "RCPT TO:<Brown@Beta.ARPA>", ["250 OK"]),
        ("C", "DATA", S354),
        ("D", BLAH, ["250 OK"]),
        ("C", "MAIL FROM:<>", ["250 ok"]),
        ("C", "RCPT TO:<@HOSTX.ARPA:JOE@HOSTW.ARPA>", ["250 ok"]),
        ("C", "DATA", ["354 send the mail data, end with ."]),
        ("D", EX6_MSG, ["250 ok"]),
        ("C", "MAIL FROM:<@GHI.ARPA,@DEF.ARPA,@ABC.ARPA:JOE@ABC.ARPA>", ["250 OK"]),
        ("C", "RCPT TO:<SAM@JKL.ARPA>", ["250 OK"]),
        ("C", "DATA", S354),
        ("D", EX7_MSG, ["250 OK"]),
        ("C", "QUIT", ["221 BBN-UNIX.ARPA Service closing transmission channel"]),
    ]
    s2 = [  # RFC 821 scenarios 4-6 (SEND, SOML), SAML, a refused SEND,
            # then TURN (3.8, 4.1.1): the roles swap in the connection
        ("G", ["220 SU-SCORE.ARPA Simple Mail Transfer Service Ready"]),
        ("C", "HELO MIT-MC.ARPA", ["250 SU-SCORE.ARPA"]),
        ("C", "VRFY Crispin", ["250 Mark Crispin <Admin.MRC@SU-SCORE.ARPA>"]),
        ("C", "SEND FROM:<EAK@MIT-MC.ARPA>", ["250 OK"]),
        ("C", "RCPT TO:<Admin.MRC@SU-SCORE.ARPA>", ["250 OK"]),
        ("C", "DATA", S354),
        ("D", BLAH, ["250 OK"]),
        ("C", "SOML FROM:<EAK@MIT-MC.ARPA>", ["250 OK"]),
        ("C", "RCPT TO:<Admin.MRC@SU-SCORE.ARPA>", ["250 User not active now, so will do mail."]),
        ("C", "DATA", S354),
        ("D", BLAH, ["250 OK"]),
        ("C", "SAML FROM:<EAK@MIT-MC.ARPA>", ["250 OK"]),
        ("C", "RCPT TO:<Admin.MRC@SU-SCORE.ARPA>", ["250 OK"]),
        ("C", "DATA", S354),
        ("D", BLAH, ["250 OK"]),
        ("C", "SEND FROM:<EAK@MIT-MC.ARPA>", ["502 Command not implemented"]),
        ("C", "MAIL FROM:<EAK@MIT-MC.ARPA>", ["250 OK"]),
        ("C", "RCPT TO:<Admin.MRC@SU-SCORE.ARPA>", ["250 OK"]),
        ("C", "DATA", S354),
        ("D", BLAH, ["250 OK"]),
        ("C", "TURN", ["250 OK"]),
        # program-A (the TCP client) is now the receiver-SMTP
        ("G", ["220 MIT-MC.ARPA Simple Mail Transfer Service Ready"]),
        ("C", "HELO SU-SCORE.ARPA", ["250 MIT-MC.ARPA"]),
        ("C", "MAIL FROM:<Admin.MRC@SU-SCORE.ARPA>", ["250 OK"]),
        ("C", "RCPT TO:<EAK@MIT-MC.ARPA>", ["250 OK"]),
        ("C", "DATA", S354),
        ("D", BOARD_MSG, ["250 OK"]),
        ("C", "QUIT", ["221 MIT-MC.ARPA Service closing transmission channel"]),
    ]
    s3 = [  # TURN refused (RFC 821 3.8: 502), the roles stay; then
            # RFC 821 scenario 10 (552 to a RCPT)
        ("G", ["220 BERKELEY.ARPA Simple Mail Transfer Service Ready"]),
        ("C", "HELO USC-ISIF.ARPA", ["250 BERKELEY.ARPA"]),
        ("C", "TURN", ["502 Command not implemented"]),
        ("C", "MAIL FROM:<Postel@USC-ISIF.ARPA>", ["250 OK"]),
        ("C", "RCPT TO:<fabry@BERKELEY.ARPA>", ["250 OK"]),
        ("C", "RCPT TO:<eric@BERKELEY.ARPA>",
         ["552 Recipient storage full, try again in another transaction"]),
        ("C", "DATA", S354),
        ("D", BLAH, ["250 OK"]),
        ("C", "QUIT", ["221 BERKELEY.ARPA Service closing transmission channel"]),
    ]
    return [s1, s2, s3]


def atrn():
    ehlo = ["250-EXAMPLE.NET", "250-AUTH CRAM-MD5 EXTERNAL", "250 ATRN"]
    sessions = []
    for n, (stamp, tail) in enumerate((
            ("1896.697170952@EXAMPLE.NET", "granted"),
            ("1897.697170960@EXAMPLE.NET", "453"),
            ("1898.697170971@EXAMPLE.NET", "450")), 1):
        ch, resp = cram("example.org", "tanstaaftanstaaf", stamp)
        s = [
            ("G", ["220 EXAMPLE.NET on-demand mail relay server ready"]),
            ("C", "EHLO example.org", ehlo),
        ]
        if tail == "450":	# RFC 2645 7: 530 before AUTH
            s.append(("C", "ATRN example.org,example.com", ["530 Authentication required"]))
        s += [
            ("C", "AUTH CRAM-MD5", ["334 " + ch]),
            ("A", resp, ["235 now authenticated as example.org"]),
        ]
        if tail == "granted":	# RFC 2645 section 6
            s += [
                ("C", "ATRN example.org,example.com", ["250 OK now reversing the connection"]),
                ("G", ["220 example.org ready to receive email"]),
                ("C", "EHLO EXAMPLE.NET", ["250-example.org", "250 SIZE"]),
                ("C", "MAIL FROM: <Lester.Tester@dot.foo.bar>", ["250 OK"]),
                ("C", "RCPT TO: <l.eva.msg@example.com>", ["250 OK, recipient accepted"]),
                ("C", "RCPT TO: <postmaster@example.org>", ["250 OK, recipient accepted"]),
                ("C", "DATA", S354),
                ("D", "From: Lester Tester <Lester.Tester@dot.foo.bar>\r\n"
                      "To: l.eva.msg@example.com, postmaster@example.org\r\n"
                      "Subject: relayed on demand (ATRN)\r\n"
                      "Date: 7 Dec 2026 10:00:00 +0000\r\n"
                      "\r\n"
                      "Held at EXAMPLE.NET until example.org asked for it.\r\n", ["250 OK"]),
                ("C", "QUIT", ["221 example.org closing connection"]),
            ]
        elif tail == "453":
            s += [
                ("C", "ATRN example.org", ["453 You have no mail"]),
                ("C", "QUIT", ["221 EXAMPLE.NET closing connection"]),
            ]
        else:
            s += [
                ("C", "ATRN example.com", ["450 ATRN request refused"]),
                ("C", "QUIT", ["221 EXAMPLE.NET closing connection"]),
            ]
        sessions.append(s)
    return sessions


def codes():
    ch1, r1 = cram("alice", "old-password", "4711.1796600001@mx.codes.example")
    ch2, r2 = cram("alice", "new-password", "4712.1796600002@mx.codes.example")
    ch3, r3 = cram("alice", "new-password", "4713.1796600003@mx.codes.example")
    s1 = [  # RFC 821 examples 2, 3 and 4 (the seed's), 252 (RFC 5321
            # 3.5.3), a multi-line reply whose lines carry two codes
        ("G", ["220 USC-ISIF.ARPA Simple Mail Transfer Service Ready"]),
        ("C", "HELO LBL-UNIX.ARPA", ["250 USC-ISIF.ARPA"]),
        ("C", "MAIL FROM:<mo@LBL-UNIX.ARPA>", ["250 OK"]),
        ("C", "RCPT TO:<Postel@USC-ISI.ARPA>", ["251 User not local; will forward to <Postel@USC-ISIF.ARPA>"]),
        ("C", "RCPT TO:<Paul@USC-ISIB.ARPA>", ["551 User not local; please try <Mockapetris@USC-ISIF.ARPA>"]),
        ("C", "DATA", S354),
        ("D", BLAH, ["250 OK"]),
        ("C", "VRFY Smith", ["250 Fred Smith <Smith@USC-ISIF.ARPA>"]),
        ("C", "VRFY Smith", ["251 User not local; will forward to <Smith@USC-ISIQ.ARPA>"]),
        ("C", "VRFY Jones", ["550 String does not match anything."]),
        ("C", "VRFY Jones", ["551 User not local; please try <Jones@USC-ISIQ.ARPA>"]),
        ("C", "VRFY Gourzenkyinplatz", ["553 User ambiguous."]),
        ("C", "VRFY postmaster", ["252 Cannot VRFY user, but will accept message and attempt delivery"]),
        ("C", "EXPN Example-People", [
            "250-Jon Postel <Postel@USC-ISIF.ARPA>",
            "250-Fred Fonebone <Fonebone@USC-ISIQ.ARPA>",
            "250-Sam Q. Smith <SQSmith@USC-ISIQ.ARPA>",
            "250-Quincy Smith <@USC-ISIF.ARPA:Q-Smith@ISI-VAXA.ARPA>",
            "250-<joe@foo-unix.ARPA>",
            "250 <xyz@bar-unix.ARPA>"]),
        ("C", "EXPN Executive-Washroom-List", ["550 Access Denied to You."]),
        ("C", "NOOP", ["250-first", "251 last"]),
        ("C", "QUIT", ["221 USC-ISIF.ARPA Service closing transmission channel"]),
    ]
    s2 = [  # RFC 1985 section 5: every ETRN reply
        ("G", ["220 mail.isp.example ESMTP ready"]),
        ("C", "EHLO client.example", ["250-mail.isp.example", "250-ETRN", "250 8BITMIME"]),
        ("C", "ETRN client.example", ["250 OK, queuing for node client.example started"]),
        ("C", "ETRN client.example", ["251 OK, no messages waiting for node client.example"]),
        ("C", "ETRN client.example", ["252 OK, pending messages for node client.example started"]),
        ("C", "ETRN client.example", ["253 OK, 14 pending messages for node client.example started"]),
        ("C", "ETRN client.example", ["458 Unable to queue messages for node client.example"]),
        ("C", "ETRN other.example", ["459 Node other.example not allowed: Unable to resolve name."]),
        # RFC 5321 4.1.1.8 and 4.3.2: HELP, 214 (multi-line) and 504
        ("C", "HELP", ["214-This is mail.isp.example, a test server",
                       "214-Commands: HELO EHLO MAIL RCPT DATA RSET NOOP QUIT HELP VRFY EXPN ETRN",
                       "214 End of HELP info"]),
        ("C", "HELP FOO", ["504 5.5.1 Command parameter not implemented"]),
        ("C", "QUIT", ["221 mail.isp.example Service closing transmission channel"]),
    ]
    s3 = [  # RFC 3207 (454, 530), RFC 4954 section 6 (538, 534, 432,
            # 454, 235), RFC 1870 / RFC 5321 (552, 555, 455, 553),
            # RFC 7504 (556)
        ("G", ["220 mx.codes.example ESMTP"]),
        ("C", "EHLO client.example", ["250-mx.codes.example", "250-STARTTLS",
                                      "250-AUTH PLAIN LOGIN CRAM-MD5", "250-SIZE 1000000",
                                      "250 ENHANCEDSTATUSCODES"]),
        ("C", "MAIL FROM:<alice@client.example>", ["530 5.7.0 Must issue a STARTTLS command first"]),
        ("C", "STARTTLS", ["454 4.7.0 TLS not available due to temporary reason"]),
        ("C", "AUTH PLAIN", ["538 5.7.11 Encryption required for requested authentication mechanism"]),
        ("C", "AUTH LOGIN", ["534 5.7.9 Authentication mechanism is too weak"]),
        ("C", "AUTH FOO", ["504 5.5.4 Unrecognized authentication type"]),
        ("C", "AUTH CRAM-MD5", ["334 " + ch1]),
        ("A", r1, ["432 4.7.12 A password transition is needed"]),
        ("C", "AUTH CRAM-MD5", ["334 " + ch2]),
        ("A", r2, ["454 4.7.0 Temporary authentication failure"]),
        ("C", "AUTH CRAM-MD5", ["334 " + ch3]),
        ("A", r3, ["235 2.7.0 Authentication successful"]),
        ("C", "MAIL FROM:<alice@client.example> SIZE=5000000",
         ["552 5.3.4 Message size exceeds fixed maximum message size"]),
        ("C", "MAIL FROM:<alice@client.example> FOO=BAR",
         ["555 5.5.4 MAIL FROM/RCPT TO parameters not recognized or not implemented"]),
        ("C", "MAIL FROM:<alice@client.example> SIZE=900000",
         ["455 4.3.1 Server unable to accommodate parameters"]),
        ("C", "MAIL FROM:<alice@client.example>", ["250 2.1.0 OK"]),
        ("C", "RCPT TO:<bad..name@mx.codes.example>",
         ["553 5.1.3 Requested action not taken: mailbox name not allowed"]),
        ("C", "RCPT TO:<bob@nomail.example>", ["556 5.1.10 Domain does not accept mail"]),
        ("C", "RCPT TO:<bob@mx.codes.example>", ["250 2.1.5 OK"]),
        ("C", "DATA", ["354 Start mail input; end with <CRLF>.<CRLF>"]),
        ("D", "From: alice@client.example\r\nTo: bob@mx.codes.example\r\n"
              "Subject: after the refusals\r\n\r\n" + BLAH, ["250 2.0.0 OK"]),
        ("C", "QUIT", ["221 2.0.0 Bye"]),
    ]
    s4 = [  # RFC 1845: MAIL with TRANSID answered 355 (restart), then a
            # transaction refused at the end of the data
        ("G", ["220 mx.codes.example ESMTP"]),
        ("C", "EHLO client.example", ["250-mx.codes.example", "250 CHECKPOINT"]),
        ("C", "MAIL FROM:<alice@client.example> TRANSID=<12345@client.example>",
         ["355 1024 is the transaction offset"]),
        ("C", "RCPT TO:<bob@mx.codes.example>", ["250 OK"]),
        ("C", "DATA", S354),
        ("D", "the rest of a message whose first 1024 octets came before the break\r\n", ["250 OK"]),
        # RFC 5321 4.2.3: 452 to a RCPT, 451 to the end of data (tempfail)
        ("C", "MAIL FROM:<alice@client.example>", ["250 OK"]),
        ("C", "RCPT TO:<carol@mx.codes.example>",
         ["452 4.3.1 Requested action not taken: insufficient system storage"]),
        ("C", "RCPT TO:<bob@mx.codes.example>", ["250 OK"]),
        ("C", "DATA", S354),
        ("D", "Subject: this one fails at the end\r\n\r\n" + BLAH,
         ["451 4.3.0 Requested action aborted: local error in processing"]),
        ("C", "RSET", ["250 OK"]),
        ("C", "QUIT", ["221 mx.codes.example Service closing transmission channel"]),
    ]
    s5 = [  # RFC 1846 (RFC 7504): a server that takes no mail
        ("G", ["521 5.3.2 Machine does not accept mail"]),
        ("C", "HELO client.example", ["521 5.3.2 Machine does not accept mail"]),
        ("C", "MAIL FROM:<alice@client.example>", ["521 5.3.2 Machine does not accept mail"]),
        ("C", "QUIT", ["221 2.0.0 Bye"]),
    ]
    return [s1, s2, s3, s4, s5]


def dsn_msg(boundary, envid, returned):
    """A DSN (RFC 3464) from the relay for bob@example.net: the
    Original-Envelope-Id when envid, the returned headers when given."""
    parts = [
        "From: Mail Delivery System <MAILER-DAEMON@relay.example.net>\r\n"
        "To: <alice@example.org>\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status;\r\n"
        "\tboundary=\"%s\"\r\n\r\n" % boundary,
        "--%s\r\nContent-Type: text/plain\r\n\r\n"
        "Your message could not be delivered to <bob@example.net>.\r\n\r\n"
        % boundary,
        "--%s\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; relay.example.net\r\n" % boundary
        + ("Original-Envelope-Id: %s\r\n" % envid if envid else "")
        + "\r\nFinal-Recipient: rfc822; bob@example.net\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <bob@example.net>: no such user\r\n"
        "\r\n",
    ]
    if returned:
        parts.append("--%s\r\nContent-Type: text/rfc822-headers\r\n\r\n%s"
                     % (boundary, returned))
    parts.append("--%s--\r\n" % boundary)
    return "".join(parts)


def dsnkeys_msg(n):
    return ("Received: from client.example.org ([127.0.0.21])\r\n"
            "\tby relay.example.net; Sun, 6 Dec 2026 18:00:0%d +0000\r\n"
            "From: <alice@example.org>\r\nTo: <bob@example.net>\r\n"
            "Message-ID: <m%d@example.org>\r\nSubject: message %d\r\n\r\n"
            "Body of message %d.\r\n" % (n, n, n, n))


def dsnkeys():
    ehlo = ["250-relay.example.net", "250-PIPELINING", "250-DSN", "250 8BITMIME"]
    s1 = [  # three messages alice -> bob; the relay names no queue id
        ("G", ["220 relay.example.net ESMTP"]),
        ("C", "EHLO client.example.org", ehlo),
        ("C", "MAIL FROM:<alice@example.org> ENVID=QQ314159", ["250 2.1.0 Ok"]),
        ("C", "RCPT TO:<bob@example.net> NOTIFY=FAILURE ORCPT=rfc822;bob@example.net",
         ["250 2.1.5 Ok"]),
        ("C", "DATA", S354),
        ("D", dsnkeys_msg(1), ["250 2.0.0 Ok"]),
        ("C", "MAIL FROM:<alice@example.org> ENVID=QQ271828", ["250 2.1.0 Ok"]),
        ("C", "RCPT TO:<bob@example.net> NOTIFY=FAILURE", ["250 2.1.5 Ok"]),
        ("C", "DATA", S354),
        ("D", dsnkeys_msg(2), ["250 2.0.0 Ok"]),
        ("C", "MAIL FROM:<alice@example.org>", ["250 2.1.0 Ok"]),
        ("C", "RCPT TO:<bob@example.net>", ["250 2.1.5 Ok"]),
        ("C", "DATA", S354),
        ("D", dsnkeys_msg(3), ["250 2.0.0 Ok"]),
        ("C", "QUIT", ["221 2.0.0 Bye"]),
    ]
    ok = ["250 2.0.0 Ok"]
    s2 = [  # the relay's DSNs to the senders' MX: for message 2 by its
            # ENVID alone; for message 3 by the returned Message-ID alone
            # (its Received field names no id); for message 1 by its
            # ENVID; one whose ENVID no message had (links to none)
        ("G", ["220 mx.example.org ESMTP"]),
        ("C", "EHLO relay.example.net", ["250-mx.example.org", "250 DSN"]),
        ("C", "MAIL FROM:<>", ok), ("C", "RCPT TO:<alice@example.org>", ok),
        ("C", "DATA", S354),
        ("D", dsn_msg("b2", "QQ271828", None), ok),
        ("C", "MAIL FROM:<>", ok), ("C", "RCPT TO:<alice@example.org>", ok),
        ("C", "DATA", S354),
        ("D", dsn_msg("b3", None, dsnkeys_msg(3).split("\r\n\r\n")[0] + "\r\n"), ok),
        ("C", "MAIL FROM:<>", ok), ("C", "RCPT TO:<alice@example.org>", ok),
        ("C", "DATA", S354),
        ("D", dsn_msg("b1", "QQ314159", None), ok),
        ("C", "MAIL FROM:<>", ok), ("C", "RCPT TO:<alice@example.org>", ok),
        ("C", "DATA", S354),
        ("D", dsn_msg("b9", "QQ999999", None), ok),
        ("C", "QUIT", ["221 2.0.0 Bye"]),
    ]
    return [s1, {"client": "server", "server": "mx", "steps": s2}]


def authguess():
    """Password guessing on submission (RFC 4954 section 6's 535 5.7.8):
    one client (--client) fails AUTH twice in each of three sessions,
    the first greeted a second late; another (--mx) fails once; after a
    pause the first logs in and sends a message. For the alerts: six
    failures from one client within two seconds, one from another, a
    slow greeting, then quiet long enough for a short window to empty."""
    ehlo = ["250-mx.guess.example", "250-PIPELINING", "250-AUTH PLAIN LOGIN",
            "250 ENHANCEDSTATUSCODES"]
    bad = ["535 5.7.8 Authentication credentials invalid"]
    b64 = lambda t: base64.b64encode(t.encode()).decode()

    def guesses(user, pw1, pw2):
        return [
            ("C", "AUTH PLAIN " + b64("\0%s\0%s" % (user, pw1)), bad),
            ("C", "AUTH LOGIN", ["334 VXNlcm5hbWU6"]),
            ("A", b64(user), ["334 UGFzc3dvcmQ6"]),
            ("A", b64(pw2), bad),
        ]

    greet = ("G", ["220 mx.guess.example ESMTP"])
    sessions = []
    for n, (pw1, pw2) in enumerate((("123456", "password"),
                                    ("qwerty", "letmein"),
                                    ("admin", "welcome1")), 1):
        s = [("S", 1.0)] if n == 1 else []
        s += [greet, ("C", "EHLO guesser.example", ehlo)]
        s += guesses("alice@guess.example", pw1, pw2)
        s.append(("C", "QUIT", ["221 2.0.0 Bye"]))
        sessions.append(s)
    sessions.append({"client": "mx", "server": "server", "steps": [
        greet, ("C", "EHLO other.example", ehlo),
        ("C", "AUTH PLAIN " + b64("\0bob@guess.example\0hunter2"), bad),
        ("C", "QUIT", ["221 2.0.0 Bye"])]})
    sessions.append(("pause", 3.0))
    sessions.append([
        greet, ("C", "EHLO guesser.example", ehlo),
        ("C", "AUTH PLAIN " + b64("\0alice@guess.example\0correct horse"),
         ["235 2.7.0 Authentication successful"]),
        ("C", "MAIL FROM:<alice@guess.example>", ["250 2.1.0 Ok"]),
        ("C", "RCPT TO:<carol@dest.example>", ["250 2.1.5 Ok"]),
        ("C", "DATA", ["354 End data with <CR><LF>.<CR><LF>"]),
        ("D", "From: alice@guess.example\r\nTo: carol@dest.example\r\n"
              "Subject: at last\r\nDate: 7 Dec 2026 10:00:00 +0000\r\n"
              "Message-ID: <authguess.1@guess.example>\r\n\r\n"
              "The password was not 123456.\r\n",
         ["250 2.0.0 Ok: queued as 4AB12C0D3E"]),
        ("C", "QUIT", ["221 2.0.0 Bye"])])
    return sessions


SCENARIOS = {"rfc821": rfc821, "atrn": atrn, "codes": codes,
             "dsnkeys": dsnkeys, "authguess": authguess}


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("peer closed")
        buf += chunk
    return buf


def dot_stuff(text):
    out = []
    for ln in text.split("\r\n"):
        out.append("." + ln if ln.startswith(".") else ln)
    return "\r\n".join(out)


def play(steps, args, client, server):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((server, args.port))
    ls.listen(1)
    cs = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    cs.bind((client, 0))
    cs.connect((server, args.port))
    ss, _ = ls.accept()
    ls.close()
    for s in (cs, ss):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.settimeout(10)
    side = {"client": cs, "server": ss}
    rec = {"client": client, "client_port": cs.getsockname()[1],
           "server": server, "server_port": args.port, "events": []}
    ev = rec["events"]
    smtp_client = "client"     # the TCP side that sends commands now

    def other(x):
        return "server" if x == "client" else "client"

    def xfer(frm, text):
        data = text.encode()
        side[frm].sendall(data)
        got = read_exact(side[other(frm)], len(data))
        assert got == data, (got, data)
        time.sleep(args.gap)

    def reply_text(lines):
        return "".join(ln + CRLF for ln in lines)

    last_quit = False
    for st in steps:
        kind = st[0]
        srv = other(smtp_client)
        if kind == "S":
            time.sleep(st[1])
        elif kind == "G":
            xfer(srv, reply_text(st[1]))
            ev.append({"t": "greeting", "by": srv, "reply": st[1]})
        elif kind in ("C", "A"):
            xfer(smtp_client, st[1] + CRLF)
            xfer(srv, reply_text(st[2]))
            ev.append({"t": "cmd" if kind == "C" else "auth", "by": smtp_client,
                       "line": st[1], "reply": st[2]})
            verb = st[1].split(" ", 1)[0].upper()
            if kind == "C" and verb in ("TURN", "ATRN") and st[2][-1][:3] == "250":
                smtp_client = srv
            last_quit = kind == "C" and verb == "QUIT"
        elif kind == "P":
            xfer(smtp_client, "".join(c + CRLF for c in st[1]))
            xfer(srv, "".join(reply_text(r) for r in st[2]))
            for c, r in zip(st[1], st[2]):
                ev.append({"t": "cmd", "by": smtp_client, "line": c, "reply": r,
                           "pipelined": True})
        elif kind == "D":
            xfer(smtp_client, dot_stuff(st[1]) + "." + CRLF)
            xfer(srv, reply_text(st[2]))
            ev.append({"t": "data", "by": smtp_client, "bytes": len(st[1]),
                       "replies": [st[2]]})
    # the receiver closes after its reply to QUIT (RFC 821 4.1.1), then
    # the sender
    closer = other(smtp_client) if last_quit else smtp_client
    side[closer].close()
    try:
        rest = side[other(closer)].recv(100)
        assert rest == b"", rest
    except socket.timeout:
        pass
    side[other(closer)].close()
    rec["closed_first_by"] = closer
    return rec


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", choices=sorted(SCENARIOS))
    ap.add_argument("--client", required=True, help="TCP client address")
    ap.add_argument("--server", required=True, help="TCP server address")
    ap.add_argument("--mx", default="127.0.0.23",
                    help="the senders' MX (dsnkeys)")
    ap.add_argument("--port", type=int, default=25)
    ap.add_argument("--gap", type=float, default=0.01,
                    help="seconds after each write")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    sessions = []
    addr = {"client": args.client, "server": args.server, "mx": args.mx}
    for steps in SCENARIOS[args.scenario]():
        # a session is its steps (--client to --server), or names the
        # ends it goes between
        if isinstance(steps, tuple) and steps[0] == "pause":
            time.sleep(steps[1])
            continue
        if isinstance(steps, dict):
            sessions.append(play(steps["steps"], args,
                                 addr[steps["client"]], addr[steps["server"]]))
        else:
            sessions.append(play(steps, args, args.client, args.server))
        time.sleep(0.3)
    with open(args.out, "w") as f:
        json.dump({"tool": "scriptpeer", "scenario": args.scenario,
                   "sessions": sessions}, f, indent=1)
    for i, s in enumerate(sessions, 1):
        n = sum(1 for e in s["events"] if e["t"] in ("cmd", "auth", "data"))
        print("   session %d: %d exchanges, %s:%d -> %s:%d, closed first by the TCP %s" % (
            i, n, s["client"], s["client_port"], s["server"], s["server_port"],
            s["closed_first_by"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
