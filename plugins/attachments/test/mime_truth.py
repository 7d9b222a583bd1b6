#!/usr/bin/env python3
# The parts of a message as Python's email package sees them: the tests'
# ground truth for the attachments plugin, computed independently of it.
#   mime_truth.py FILE       one JSON line per leaf part
# Leaves are walked as the plugin walks them: message/delivery-status is a
# leaf (its hashes are not compared: "hash": false); a multipart whose
# boundary never shows is skipped (Python makes it a text leaf).
# SPDX-License-Identifier: GPL-2.0-or-later
import email
import email.header
import email.policy
import hashlib
import json
import sys


def decode_2047(s):
    if "=?" not in s:
        return s
    try:
        return str(email.header.make_header(email.header.decode_header(s)))
    except Exception:
        return s


def filename(m):
    # An RFC 2231 (extended) name first, as the plugin does, then a plain
    # one, in Content-Disposition then Content-Type.
    for hdr, key in (("content-disposition", "filename"),
                     ("content-type", "name")):
        params = m.get_params(header=hdr) or []
        plain = None
        for k, v in params[1:]:
            if k.lower() != key:
                continue
            if isinstance(v, tuple):
                return email.utils.collapse_rfc2231_value(v).strip()
            if plain is None:
                plain = email.utils.collapse_rfc2231_value(v).strip()
        if plain is not None:
            return decode_2047(plain).strip()
    return None


def leaves(m, depth):
    ct = m.get_content_type()
    if ct == "message/delivery-status":
        yield m, depth, False
    elif m.is_multipart():
        for p in m.get_payload():
            yield from leaves(p, depth + 1)
    elif m.get_content_maintype() == "multipart" and m.get_boundary():
        return
    else:
        yield m, depth, True


def parts(data):
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    out = []
    for i, (m, depth, hashed) in enumerate(leaves(msg, 0)):
        body = m.get_payload(decode=True) if hashed else None
        if body is None:
            body = b""
        cd = m.get("content-disposition")
        rec = {
            "part": i,
            "depth": depth,
            "mime_type": m.get_content_type(),
            "disposition": (m.get_content_disposition() or None) if cd is not None else None,
            "filename": filename(m),
            "hash": hashed,
        }
        if hashed:
            rec.update({
                "size": len(body),
                "md5": hashlib.md5(body).hexdigest(),
                "sha1": hashlib.sha1(body).hexdigest(),
                "sha256": hashlib.sha256(body).hexdigest(),
            })
        out.append(rec)
    return out


if __name__ == "__main__":
    for rec in parts(open(sys.argv[1], "rb").read()):
        print(json.dumps(rec, ensure_ascii=False))
