#!/usr/bin/env python3
# Writes the edge-case messages of tests/t-plugin-attachments.sh into DIR.
#   mkmsgs.py DIR
# SPDX-License-Identifier: GPL-2.0-or-later
import base64
import os
import sys

d = sys.argv[1]


def w(name, text):
    if isinstance(text, str):
        text = text.encode()
    open(os.path.join(d, name + ".eml"), "wb").write(text.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


blob = bytes(range(256)) * 5
b64 = base64.encodebytes(blob).decode()

# RFC 2231: one section with a charset; continuations, mixed encoded and
# not; ISO-8859-1; a plain name beside the extended one.
w("rfc2231", """Content-Type: multipart/mixed; boundary=b1

--b1
Content-Type: text/plain
Content-Disposition: attachment; filename*=utf-8''na%C3%AFve.txt

one
--b1
Content-Type: application/octet-stream
Content-Disposition: attachment;
 filename*0*=utf-8''%E2%82%AC%20rapport;
 filename*1=" final";
 filename*2*=%2Epdf

two
--b1
Content-Type: application/octet-stream;
 name*=iso-8859-1'fr'caf%E9.bin
Content-Transfer-Encoding: base64

""" + b64 + """--b1
Content-Disposition: attachment; filename="plain.txt"; filename*=UTF-8''%C3%BCber.txt

three
--b1--
""")

# RFC 2047 names, B and Q, two words, with folding and a charset.
w("rfc2047", """Content-Type: multipart/mixed; boundary="==b2=="

--==b2==
Content-Type: image/png; name="=?UTF-8?B?w6ljb2xlLnBuZw==?="
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--==b2==
Content-Type: text/plain
Content-Disposition: attachment; filename="=?ISO-8859-1?Q?r=E9sum=E9_2024.txt?="

x
--==b2==
Content-Type: text/plain
Content-Disposition: attachment;
 filename="=?utf-8?q?caf=C3=A9?= =?utf-8?b?LnR4dA==?="

y
--==b2==--
""")

# Nesting: a message/rfc822 inside multipart/mixed, itself multipart,
# and a digest whose parts default to message/rfc822.
w("nested", """From: a@b
Content-Type: multipart/mixed; boundary=outer

preamble
--outer
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Caf=C3=A9 soft=
break=20
--outer
Content-Type: message/rfc822

Subject: inner
Content-Type: multipart/alternative; boundary=inner

--inner
Content-Type: text/plain

inner text
--inner
Content-Type: text/html

<p>x</p>
--inner--
--outer
Content-Type: multipart/digest; boundary=dig

--dig

Subject: digested

digest body
--dig--
--outer
Content-Type: application/pdf; name=doc.pdf
Content-Transfer-Encoding: base64

""" + b64 + """
--outer--
epilogue
""")

# Boundaries that are near misses: a longer line, a prefix, blanks after.
w("nearmiss", """Content-Type: multipart/mixed; boundary=abc

--abc
Content-Type: text/plain

--abcd is not a boundary
--ab neither
 --abc nor this
--abc\t 
Content-Type: text/plain

last
--abc--\t
""")

# Malformed encodings (Python reads them the same way).
w("badenc", """Content-Type: multipart/mixed; boundary=b

--b
Content-Transfer-Encoding: base64

QUJD!RE*VG
SGVsbG8=trailing
--b
Content-Transfer-Encoding: quoted-printable

bad =ZZ and =4 and == and =
soft=\r
end=4
--b
Content-Transfer-Encoding: base64

QUJDRA
--b--
""")

# Deeper than max_depth=2: multipart in multipart in multipart.
w("deep", """Content-Type: multipart/mixed; boundary=l0

--l0
Content-Type: multipart/mixed; boundary=l1

--l1
Content-Type: multipart/mixed; boundary=l2

--l2
Content-Type: text/plain

deep
--l2--
--l1--
--l0
Content-Type: text/plain

after
--l0--
""")

# More parts than max_parts=3.
w("many", "Content-Type: multipart/mixed; boundary=m\n\n" +
  "".join("--m\nContent-Type: text/plain\nContent-Disposition: attachment; filename=f%d.txt\n\npart %d\n" % (i, i)
          for i in range(6)) + "--m--\n")

# A part header section over max_header=1024, then a normal part.
w("bighdr", "Content-Type: multipart/mixed; boundary=h\n\n--h\n" +
  "".join("X-Filler-%d: %s\n" % (i, "x" * 60) for i in range(40)) +
  "Content-Type: text/plain\n\nbody one\n--h\nContent-Type: application/zip; name=after.zip\n\nzip\n--h--\n")

# A boundary over 200 bytes: not descended.
w("longbnd", "Content-Type: multipart/mixed; boundary=\"%s\"\n\n--%s\nContent-Type: text/plain\n\nx\n--%s--\n"
  % ("B" * 250, "B" * 250, "B" * 250))

# Control characters, invalid UTF-8 and a right-to-left override (U+202E:
# "q<RLO>txt.exe" reads as "qexe.txt") in a name: escaped in JSON.
open(os.path.join(d, "escape.eml"), "wb").write(
    b"Content-Type: text/plain\r\nContent-Disposition: attachment; filename=\"a\x01b\x1b[31m\xff\\\"q\xe2\x80\xae.txt\"\r\n\r\nbody\r\n")

# No MIME at all, LF line ends, and an empty message.
open(os.path.join(d, "plain.eml"), "wb").write(b"Subject: plain\n\nline one\nline two\n")
open(os.path.join(d, "empty.eml"), "wb").write(b"")
