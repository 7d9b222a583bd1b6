#!/usr/bin/env python3
# Connections picked up mid-stream and one-sided ones, checked against
# the analysis of the whole capture (tests/t-midstream.sh).
#
#   midstream.py cut SMTPSCOPE CAPTURE TMPDIR FIRST...
#       copies of CAPTURE that start at packet FIRST (1-based), each
#       analysed and compared with the whole: every transaction whose
#       MAIL came after the cut is exact (sender, recipients and their
#       replies, the replies to MAIL, DATA and the data, outcome, size,
#       queue id) and not partial; every transaction in flight at the cut
#       that ended with the end of its data has its outcome, final reply
#       and queue id, and is partial. Only one exception: a transaction
#       of which only the final reply is after the cut, a reply that
#       names no queue id, cannot be told from a reply to RCPT or RSET.
#   midstream.py side FULL.jsonl SIDE.jsonl client|server
#       a copy with only the client's (server's) packets: every session
#       is there and says the other side was missing; client: every
#       transaction with its sender, recipients, size and headers, no
#       reply code, outcome "unknown"; server: every message that got a
#       354 and a final reply has its outcome, final reply and queue id,
#       its sender null.
#
# Prints one line a difference; exit 1 if any.
# SPDX-License-Identifier: GPL-2.0-or-later
import json
import os
import struct
import subprocess
import sys


def packets(path):
    d = open(path, 'rb').read()
    e = '<' if d[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    nano = d[:4] in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d')
    off, out = 24, []
    while off + 16 <= len(d):
        sec, frac, incl = struct.unpack(e + 'III', d[off:off + 12])
        out.append((sec + frac / (1e9 if nano else 1e6),
                    d[off:off + 16 + incl]))
        off += 16 + incl
    return d[:24], out


def load(path):
    tx, ss = [], []
    for line in open(path, encoding='utf-8'):
        r = json.loads(line)
        if r['type'] == 'transaction':
            tx.append(r)
        elif r['type'] == 'session':
            ss.append(r)
    return tx, ss


def conn(r):
    return (r['client_ip'], r['client_port'], r['server_ip'],
            r['server_port'])


def at(r, f):
    return conn(r) + (round(r[f], 6),)


def rcpts(r):
    return [(x['addr'], x['code']) for x in r['rcpt_to']]


EXACT = ('verb', 'mail_from', 'mail_code', 'data_code', 'final_code',
         'final_text', 'outcome', 'size', 'queue_id', 'rcpt_count',
         'rcpt_accepted')
FINAL = ('outcome', 'final_code', 'final_text', 'queue_id')


def compare_cut(ftx, ctx, cut_ts):
    bad = []
    by_ts = {at(r, 'ts'): r for r in ctx}
    by_end = {at(r, 'ts_end'): r for r in ctx}
    for r in ftx:
        if r['ts_end'] < cut_ts:
            continue
        if r['ts'] >= cut_ts:
            c = by_ts.get(at(r, 'ts'))
            if c is None:
                bad.append('after the cut, missing: %s' % (at(r, 'ts'),))
                continue
            for f in EXACT:
                if c[f] != r[f]:
                    bad.append('%s %s: %r, not %r' % (at(r, 'ts'), f, c[f],
                                                      r[f]))
            if rcpts(c) != rcpts(r):
                bad.append('%s recipients %r, not %r' % (at(r, 'ts'),
                                                         rcpts(c), rcpts(r)))
            if c.get('partial'):
                bad.append('%s partial' % (at(r, 'ts'),))
            continue
        if r['ended_by'] != 'end_of_data':
            continue
        lat = r['final_latency']
        if lat is not None and r['ts_end'] - lat < cut_ts and \
                r['queue_id'] is None:
            continue  # only a final reply naming nothing: see above
        c = by_end.get(at(r, 'ts_end'))
        if c is None:
            bad.append('in flight, missing: %s' % (at(r, 'ts_end'),))
            continue
        for f in FINAL:
            if c[f] != r[f]:
                bad.append('%s in flight, %s: %r, not %r' %
                           (at(r, 'ts_end'), f, c[f], r[f]))
        if not c.get('partial'):
            bad.append('%s in flight, not partial' % (at(r, 'ts_end'),))
    return bad


def cut(argv):
    scope, capture, tmp = argv[0], argv[1], argv[2]
    head, pk = packets(capture)
    full = os.path.join(tmp, 'full.jsonl')
    subprocess.run([scope, '-q', '-r', capture, '-w', full], check=True,
                   stderr=subprocess.DEVNULL)
    ftx, _ = load(full)
    bad = []
    for first in (int(a) for a in argv[3:]):
        if first < 1 or first > len(pk):
            continue
        part = os.path.join(tmp, 'cut.pcap')
        log = os.path.join(tmp, 'cut.jsonl')
        with open(part, 'wb') as f:
            f.write(head + b''.join(p for _, p in pk[first - 1:]))
        r = subprocess.run([scope, '-q', '-r', part, '-w', log],
                           stderr=subprocess.PIPE, text=True)
        if r.returncode != 0 or 'Sanitizer' in r.stderr or \
                'runtime error' in r.stderr:
            bad.append('cut at %d: exit %d %s' % (first, r.returncode,
                                                  r.stderr[:200]))
            continue
        ctx, _ = load(log)
        bad += ['cut at %d: %s' % (first, b)
                for b in compare_cut(ftx, ctx, pk[first - 1][0])]
    return bad


def side(argv):
    full, part, which = argv[0], argv[1], argv[2]
    ftx, fss = load(full)
    ctx, css = load(part)
    bad = []
    by_ts = {at(r, 'ts'): r for r in ctx}
    by_end = {at(r, 'ts_end'): r for r in ctx}
    for r in ftx:
        if which == 'client':
            c = by_ts.get(at(r, 'ts'))
            if c is None:
                bad.append('missing: %s' % (at(r, 'ts'),))
                continue
            for f in ('verb', 'mail_from', 'size', 'rcpt_count', 'headers'):
                if c[f] != r[f]:
                    bad.append('%s %s: %r, not %r' % (at(r, 'ts'), f,
                                                      c[f], r[f]))
            if [x['addr'] for x in c['rcpt_to']] != \
                    [x['addr'] for x in r['rcpt_to']]:
                bad.append('%s recipients differ' % (at(r, 'ts'),))
            if c['outcome'] != 'unknown':
                bad.append('%s outcome %s' % (at(r, 'ts'), c['outcome']))
            if any(c[f] is not None for f in
                   ('mail_code', 'data_code', 'final_code')) or \
                    any(x['code'] is not None for x in c['rcpt_to']):
                bad.append('%s a reply code invented' % (at(r, 'ts'),))
            if not c.get('partial'):
                bad.append('%s not partial' % (at(r, 'ts'),))
        else:
            if r['data_code'] != 354 or r['final_code'] is None:
                continue
            c = by_end.get(at(r, 'ts_end'))
            if c is None:
                bad.append('missing: %s' % (at(r, 'ts_end'),))
                continue
            for f in FINAL:
                if c[f] != r[f]:
                    bad.append('%s %s: %r, not %r' % (at(r, 'ts_end'), f,
                                                      c[f], r[f]))
            if c['mail_from'] is not None or c['rcpt_to']:
                bad.append('%s an envelope invented' % (at(r, 'ts_end'),))
    got = {conn(s): s for s in css}
    other = 'server' if which == 'client' else 'client'
    for s in fss:
        if s['bytes_' + which] == 0:
            continue
        g = got.get(conn(s))
        if g is None:
            bad.append('session missing: %s' % (conn(s),))
        elif g.get('missing') != other or not g.get('midstream'):
            bad.append('session %s: missing %r' % (conn(s),
                                                   g.get('missing')))
    return bad


def main():
    bad = cut(sys.argv[2:]) if sys.argv[1] == 'cut' else side(sys.argv[2:])
    for b in bad[:20]:
        print(b)
    sys.exit(1 if bad else 0)


main()
