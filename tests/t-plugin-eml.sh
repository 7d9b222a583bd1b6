#!/bin/sh
# The eml plugin (plugins/eml): one .eml file per message, with the
# envelope in X-Smtpscope-* fields before the message as sent.
# - on every capture of captures/: as many files as accepted transactions
#   in smtpscope's JSON log (keep=all: as many as transactions with a
#   message); each file's fields equal the log's record, its body is
#   exactly `size` bytes, its name is made of time, session and depth;
# - ground truth: messages sent by Python's smtplib to Postfix's smtp-sink,
#   captured live on lo, come out byte for byte (root, smtp-sink, tcpdump);
# - hostile envelopes (path traversal, CR, escapes) never reach a file
#   name or put a raw control character in the header block; BDAT
#   pipelining (depth 2's body before depth 1's end) is kept apart;
# - a synthetic run (the plugin linked with ASan+UBSan into a driver that
#   feeds events): holes (body events without data), interleaved sessions,
#   CR/LF in every wire text, spools removed on close and in fini;
# - max_size cuts, max_disk with full=oldest and full=stop (counters and
#   files on disk as a model of them predicts);
# - bad arguments: exit 2, one line "smtpscope: plugin eml: ...", no
#   packet read; no temporary file is ever left behind;
# - -Z nobody with a root-owned dir: one sentence and exit 2 after the
#   privilege drop, before the capture is read or the log created; a dir
#   nobody owns gets files owned by nobody;
# - spool files a killed run left (.tmp-eml-PID-N) are removed at the next
#   start, other names kept; not while another run holds the folder;
# - 300 messages of 100,000 bytes interleaved (beyond the 16 MiB kept in
#   memory) come out exact through an ASan driver; with strace: 2,000
#   interleaved messages cost about one openat each (not one per body
#   event), 100,000 dot-stuffed lines a few pwrite calls.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

SO=build/plugins/eml.so
if [ ! -f "$SO" ]; then
	skip plugin-eml "no $SO (make plugins)"
	exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
	skip plugin-eml "no python3"
	exit 0
fi

# The checker: python3 $TMP/check.py MODE ... prints what is wrong, or
# nothing.
cat >"$TMP/check.py" <<'PY'
import json, os, re, sys
from datetime import datetime, timezone

NAME = re.compile(r"^(\d{8}T\d{6}Z)-s(\d+)-t(\d+)(-\d+)?\.eml$")


def esc(s):
    out = ""
    for c in s.encode("utf-8", "surrogateescape"):
        if c == 0x5C:
            e = "\\\\"
        elif 0x20 <= c < 0x7F:
            e = chr(c)
        else:
            e = "\\x%02x" % c
        if len(out) + len(e) > 900 - 5:
            return out + "[...]"
        out += e
    return out


def parse(path):
    """(fields as [(name, value)], body, problems)"""
    b = open(path, "rb").read()
    bad = []
    m = re.match(rb"X-Smtpscope-Header-Length: (\d{8})\r\n", b)
    if not m:
        return [], b, ["no X-Smtpscope-Header-Length first"]
    hl = int(m.group(1))
    head, body = b[:hl], b[hl:]
    if not head.endswith(b"\r\n"):
        bad.append("header block does not end in CRLF")
    lines = head[:-2].split(b"\r\n")
    fields = []
    for l in lines:
        if len(l) > 998:
            bad.append("a line of %d bytes" % len(l))
        if any(c < 0x20 or c > 0x7E for c in l):
            bad.append("raw control or 8-bit byte in %r" % l[:80])
        if l[:1] == b" ":
            if not fields or not l.strip():
                bad.append("bad folding %r" % l[:80])
            else:
                fields[-1][1] += l.decode("ascii", "replace")
            continue
        m = re.match(rb"X-Smtpscope-([A-Za-z-]+):(.*)$", l)
        if not m:
            bad.append("not an X-Smtpscope field: %r" % l[:80])
            continue
        fields.append([m.group(1).decode(), m.group(2).decode("ascii", "replace")])
    fields = [(n, v[1:] if v.startswith(" ") else v) for n, v in fields]
    return fields, body, bad


def one(fields, name):
    v = [x for n, x in fields if n == name]
    return v[0] if len(v) == 1 else None


def iso(ts):
    d = datetime.fromtimestamp(ts, timezone.utc)
    return d


def check_tx(path, tx, max_size=None):
    fields, body, bad = parse(path)
    f = dict()
    want = {
        "Session": str(tx["session_id"]),
        "Trans-Depth": str(tx["trans_depth"]),
        "Client": ("[%s]:%d" if ":" in tx["client_ip"] else "%s:%d") % (tx["client_ip"], tx["client_port"]),
        "Server": ("[%s]:%d" if ":" in tx["server_ip"] else "%s:%d") % (tx["server_ip"], tx["server_port"]),
        "Mail-From": "%s <%s>" % (tx["mail_code"] or "none", esc(tx["mail_from"])),
        "TLS": "yes" if tx["tls"] else "no",
        "Outcome": tx["outcome"],
        "Size": str(tx["size"]),
    }
    if tx["final_code"] is None:
        want["Final-Reply"] = "none"
    else:
        want["Final-Reply"] = "%d %s" % (tx["final_code"], tx["final_enh"] or "-")
        if tx["final_text"] is not None:
            want["Final-Reply"] += " " + esc(tx["final_text"])
    for k, v in want.items():
        got = one(fields, k)
        if got != v:
            bad.append("%s %r, want %r" % (k, got, v))
    rc = [v for n, v in fields if n == "Rcpt-To"]
    wrc = ["%s <%s>" % (r["code"] or "none", esc(r["addr"])) for r in tx["rcpt_to"]]
    if rc != wrc:
        bad.append("Rcpt-To %r, want %r" % (rc, wrc))
    for k, ts in (("Time", tx["ts"]), ("Time-End", tx["ts_end"])):
        got = one(fields, k)
        try:
            t = datetime.strptime(got, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()
            if abs(t - ts) > 2e-6:
                bad.append("%s %s, want %.6f" % (k, got, ts))
        except (TypeError, ValueError):
            bad.append("%s %r unreadable" % (k, got))
    kept = tx["size"] if max_size is None else min(tx["size"], max_size)
    if len(body) != kept:
        bad.append("body %d bytes, want %d" % (len(body), kept))
    if one(fields, "Body-Bytes") != str(len(body)):
        bad.append("Body-Bytes %r, body %d" % (one(fields, "Body-Bytes"), len(body)))
    cut = one(fields, "Truncated")
    if (cut is not None) != (tx["size"] > kept):
        bad.append("Truncated field %r for size %d kept %d" % (cut, tx["size"], kept))
    inc = one(fields, "Incomplete")
    if (inc is not None) != (tx["ended_by"] not in ("end_of_data", "bdat_last")):
        bad.append("Incomplete %r with ended_by %s" % (inc, tx["ended_by"]))
    if one(fields, "Missing") is not None:
        bad.append("Missing field without a gap")
    m = NAME.match(os.path.basename(path))
    if not m or m.group(2) != want["Session"] or m.group(3) != want["Trans-Depth"] or \
            m.group(1) != iso(tx["ts"]).strftime("%Y%m%dT%H%M%SZ"):
        bad.append("file name %s" % os.path.basename(path))
    return ["%s: %s" % (os.path.basename(path), x) for x in bad]


def load(log):
    return [json.loads(l) for l in open(log)]


def has_msg(t):
    return t["size"] > 0 or t["ended_by"] in ("end_of_data", "bdat_last")


def files(d):
    names = sorted(os.listdir(d))
    other = [n for n in names if not NAME.match(n)]
    return [n for n in names if NAME.match(n)], other


def mode_captures(d, log, keep, max_size):
    max_size = int(max_size) if max_size != "-" else None
    recs = load(log)
    tx = [x for x in recs if x["type"] == "transaction"]
    want = [t for t in tx if has_msg(t) and (keep == "all" or t["outcome"] in keep.split("+"))]
    names, other = files(d)
    bad = []
    if other:
        bad.append("other files in dir: %r" % other[:5])
    if len(names) != len(want):
        bad.append("%d files, want %d (%s)" % (len(names), len(want), keep))
    by = {}
    for n in names:
        fields, _, _ = parse(os.path.join(d, n))
        by[(one(fields, "Session"), one(fields, "Trans-Depth"))] = n
    for t in want:
        n = by.get((str(t["session_id"]), str(t["trans_depth"])))
        if n is None:
            bad.append("no file for session %d depth %d" % (t["session_id"], t["trans_depth"]))
            continue
        bad += check_tx(os.path.join(d, n), t, max_size)
    print("; ".join(bad[:6]))


def mode_counters(report, *kv):
    p = json.load(open(report))["plugins"].get("eml")
    if p is None:
        print("no plugins.eml in the report")
        return
    bad = []
    for x in kv:
        k, v = x.split("=")
        if p.get(k) != int(v):
            bad.append("%s %s, want %s" % (k, p.get(k), v))
    print("; ".join(bad))


def mode_disk(dall, log, dlim, report, limit, full):
    """Models max_disk: the files of the unlimited run (dall), in the
    order of the log's transactions, written into a dir of limit bytes."""
    limit = int(limit)
    recs = load(log)
    order = [(t["session_id"], t["trans_depth"]) for t in recs
             if t["type"] == "transaction" and has_msg(t) and t["outcome"] == "accepted"]
    size = {}
    for n in files(dall)[0]:
        fields, _, _ = parse(os.path.join(dall, n))
        size[(int(one(fields, "Session")), int(one(fields, "Trans-Depth")))] = (n, os.path.getsize(os.path.join(dall, n)))
    kept, used, deleted, full_n, written = [], 0, 0, 0, 0
    for k in order:
        n, s = size[k]
        if s > limit:
            full_n += 1
            continue
        while used + s > limit and full == "oldest" and kept:
            used -= kept.pop(0)[1]
            deleted += 1
        if used + s > limit:
            full_n += 1
            continue
        kept.append((n, s))
        used += s
        written += 1
    names, other = files(dlim)
    bad = []
    if sorted(names) != sorted(n for n, _ in kept):
        bad.append("files %r, want %r" % (names, [n for n, _ in kept]))
    on_disk = sum(os.path.getsize(os.path.join(dlim, n)) for n in names)
    if on_disk > limit:
        bad.append("%d bytes on disk > max_disk %d" % (on_disk, limit))
    # The limit must have bitten the way this mode is about.
    if full == "oldest" and deleted == 0 and max(s for _, s in size.values()) <= limit:
        bad.append("full=oldest never deleted at %d: a useless check" % limit)
    if full_n == 0 and (full == "stop" or max(s for _, s in size.values()) > limit):
        bad.append("nothing refused at %d: a useless check" % limit)
    if other:
        bad.append("other files: %r" % other[:5])
    p = json.load(open(report))["plugins"]["eml"]
    for k, v in (("written", written), ("deleted_for_space", deleted),
                 ("not_written_disk_full", full_n), ("errors", 0)):
        if p[k] != v:
            bad.append("%s %d, want %d" % (k, p[k], v))
    print("; ".join(bad))


def mode_sizes(d):
    """Sorted file sizes (to choose a max_disk)."""
    print(" ".join(str(os.path.getsize(os.path.join(d, n))) for n in files(d)[0]))


def mode_hostile(d, log):
    recs = load(log)
    names, other = files(d)
    bad = []
    if other:
        bad.append("other files: %r" % other)
    tx = [t for t in recs if t["type"] == "transaction"]
    if len(names) != sum(1 for t in tx if has_msg(t)):
        bad.append("%d files for %d messages" % (len(names), len(tx)))
    saw = {}
    for n in names:
        fields, body, b = parse(os.path.join(d, n))
        bad += ["%s: %s" % (n, x) for x in b]
        saw[(one(fields, "Session"), one(fields, "Trans-Depth"))] = (fields, body)
    f, body = saw.get(("1", "1"), ([], b""))
    mf = one(f, "Mail-From") or ""
    if "\\x0dX-Injected: 1\\x1b[2J\\x7f" not in mf or not mf.startswith("250 <../../../../tmp/evil"):
        bad.append("Mail-From %r" % mf)
    if any(n == "Injected" for n, _ in f):
        bad.append("a CR in MAIL FROM made a field")
    rc = [v for n, v in f if n == "Rcpt-To"]
    t1 = [t for t in tx if t["session_id"] == 1]
    long_addr = t1[0]["rcpt_to"][1]["addr"] if t1 and len(t1[0]["rcpt_to"]) == 2 else ""
    if len(rc) != 2 or rc[0] != "250 </etc/passwd\\x0b\\x01\\\\x@ex.test>" or \
            len(long_addr) < 500 or rc[1] != "250 <%s>" % esc(long_addr):
        bad.append("Rcpt-To %r" % [x[:60] for x in rc])
    if one(f, "Final-Reply") != "250 2.0.0 Ok\\x0dX-Fake: 1\\x1b[31m queued":
        bad.append("Final-Reply %r" % one(f, "Final-Reply"))
    if one(f, "Outcome") != "accepted" or not body.startswith(b"X-Smtpscope-Outcome: rejected\r\n") or \
            b"\r\n.dot\r\n" not in body:
        bad.append("message 1: outcome %r, body %r" % (one(f, "Outcome"), body[:60]))
    # BDAT pipelining: depth 2's body arrived before depth 1 was over.
    f1, b1 = saw.get(("3", "1"), ([], b""))
    f2, b2 = saw.get(("3", "2"), ([], b""))
    if b1 != b"Subject: one\r\n\r\nfirst\r\n" or one(f1, "Outcome") != "accepted":
        bad.append("BDAT depth 1: %r %r" % (one(f1, "Outcome"), b1))
    if b2 != b"Subject: two\r\n\r\nsecond\r\n" or one(f2, "Final-Reply") != "550 5.7.1 no two":
        bad.append("BDAT depth 2: %r %r" % (one(f2, "Final-Reply"), b2))
    print("; ".join(bad[:6]))


def mode_synthetic(d, out):
    """The driver's files: see the C source in the test."""
    names, other = files(d)
    bad = []
    if other:
        bad.append("left behind: %r" % other)
    got = {}
    for n in names:
        fields, body, b = parse(os.path.join(d, n))
        bad += ["%s: %s" % (n, x) for x in b]
        got[(one(fields, "Session"), one(fields, "Trans-Depth"))] = (n, fields, body)
    if sorted(got) != [("10", "1"), ("20", "1"), ("20", "3")]:
        bad.append("files for %r" % sorted(got))
    n, f, body = got.get(("10", "1"), ("", [], b""))
    if body != b"Subject: gap\r\n\r\nbefore the hole\r\nafter the hole\r\n":
        bad.append("gap body %r" % body)
    if one(f, "Missing") != "100 bytes never captured, the first at offset 33; the message is incomplete":
        bad.append("Missing %r" % one(f, "Missing"))
    if one(f, "Size") != "149" or one(f, "Body-Bytes") != "49":
        bad.append("sizes %r %r" % (one(f, "Size"), one(f, "Body-Bytes")))
    if one(f, "Helo") != "evil\\x0d\\x0aX-Helo: 1":
        bad.append("Helo %r" % one(f, "Helo"))
    if one(f, "Mail-From") != "250 <a\\x0d\\x0aX-Evil: 1@x>":
        bad.append("Mail-From %r" % one(f, "Mail-From"))
    if one(f, "Final-Reply") != "250 2.0.0 ok\\x0d\\x0aX-Evil: 2":
        bad.append("Final-Reply %r" % one(f, "Final-Reply"))
    if one(f, "Client") != "[2001:db8::1]:40000" or one(f, "Time") != "2026-11-22T10:11:12.250000Z":
        bad.append("Client %r Time %r" % (one(f, "Client"), one(f, "Time")))
    if n != "20261122T101112Z-s10-t1.eml":
        bad.append("name %r" % n)
    # A long text folds: each line within 78+; unfolded, the value back.
    fr = [v for k, v in f if k == "Rcpt-To"]
    if len(fr) != 1 or fr[0] != "550 <" + " ".join(["word"] * 60) + ">":
        bad.append("folded Rcpt-To %r" % fr)
    raw = open(os.path.join(d, n), "rb").read()
    if b"\r\n word" not in raw:
        bad.append("the long Rcpt-To was not folded")
    mf = one(got.get(("20", "1"), ("", [], b""))[1], "Mail-From") or ""
    if not mf.startswith("250 <bbbb") or not mf.endswith("b[...]>") or len(mf) != 901:
        bad.append("capped Mail-From: %d bytes, ends %r" % (len(mf), mf[-10:]))
    for s, body in ((("20", "1"), b"first of twenty\r\n"), (("20", "3"), b"third\r\n")):
        if got.get(s, ("", [], b""))[2] != body:
            bad.append("%r body %r" % (s, got.get(s, ("", [], b""))[2]))
    print("; ".join(bad[:6]))


MODES = {"captures": mode_captures, "counters": mode_counters,
         "disk": mode_disk, "sizes": mode_sizes, "hostile": mode_hostile,
         "synthetic": mode_synthetic}
MODES[sys.argv[1]](*sys.argv[2:])
PY

# no_tmp NAME DIR: the spool files are gone.
no_tmp() {
	_left=$(find "$2" -name '.tmp-*' | head -n 3)
	if [ -n "$_left" ]; then
		fail "$1" "spool files left: $_left"
		return 1
	fi
	return 0
}

# result NAME WHY: ok when WHY is empty.
result() {
	if [ -n "$2" ]; then
		fail "$1" "$2"
	else
		ok "$1"
	fi
}

# ---- 1. every committed capture, against the JSON log -------------------
n=0
for cap in captures/*.pcap; do
	[ -f "$cap" ] || continue
	base=$(basename "$cap" .pcap)
	for keep in accepted all; do
		name=eml-$keep-$base
		d=$TMP/out-$keep-$base
		mkdir "$d"
		arg=dir=$d
		[ "$keep" = all ] && arg=$arg,keep=all
		run_scope "$name" -q -r "$cap" -w "$TMP/log.jsonl" \
		    --plugin "eml:$arg" || continue
		if [ "$rc" != 0 ]; then
			fail "$name" "exit $rc: $(head -c 300 "$TMP/err")"
			continue
		fi
		no_tmp "$name" "$d" || continue
		why=$(python3 "$TMP/check.py" captures "$d" "$TMP/log.jsonl" "$keep" -)
		result "$name" "$why"
		[ -z "$why" ] && n=$((n + 1))
	done
done
[ "$n" -gt 0 ] || fail eml-captures "no capture in captures/"

# The counters, on a capture with every outcome.
cap=captures/sink-reject.pcap
d=$TMP/counters
mkdir "$d"
if run_scope eml-counters -q -r "$cap" -w "$TMP/log.jsonl" --report json \
    -o "$TMP/r.json" --plugin "eml:dir=$d,keep=rejected+tempfail"; then
	want=$(python3 - "$TMP/log.jsonl" <<'PY'
import json, sys
tx = [json.loads(l) for l in open(sys.argv[1])]
tx = [t for t in tx if t["type"] == "transaction" and (t["size"] > 0 or t["ended_by"] in ("end_of_data", "bdat_last"))]
w = sum(1 for t in tx if t["outcome"] in ("rejected", "tempfail"))
print("written=%d skipped=%d truncated=0 errors=0" % (w, len(tx) - w))
PY
)
	why=$(python3 "$TMP/check.py" counters "$TMP/r.json" $want)
	[ "$rc" = 0 ] || why="exit $rc $why"
	case $want in written=0*) why="nothing rejected in $cap: $why" ;; esac
	why=$why$(python3 "$TMP/check.py" captures "$d" "$TMP/log.jsonl" rejected+tempfail -)
	result eml-counters "$why"
fi

# ---- max_size ---------------------------------------------------------------
cap=captures/sink-v4.pcap
d=$TMP/maxsize
mkdir "$d"
if run_scope eml-max-size -q -r "$cap" -w "$TMP/log.jsonl" --report json \
    -o "$TMP/r.json" --plugin "eml:dir=$d,max_size=2000"; then
	cut=$(python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) for t in [json.loads(l)] if t["type"] == "transaction" and t["size"] > 2000))' "$TMP/log.jsonl")
	why=$(python3 "$TMP/check.py" captures "$d" "$TMP/log.jsonl" accepted 2000)
	why=$why$(python3 "$TMP/check.py" counters "$TMP/r.json" truncated="$cut" written=12)
	[ "$cut" -gt 0 ] || why="$why no message over 2000 bytes: useless"
	result eml-max-size "$why"
fi
d=$TMP/maxsize1k
mkdir "$d"
if run_scope eml-max-size-k -q -r "$cap" -w "$TMP/log.jsonl" \
    --plugin "eml:dir=$d,max_size=1k"; then
	result eml-max-size-k "$(python3 "$TMP/check.py" captures "$d" "$TMP/log.jsonl" accepted 1024)"
fi

# ---- max_disk ---------------------------------------------------------------
# The files of an unlimited run give the sizes; the limit is the biggest
# file and half of the others: files must be deleted (full=oldest) or
# refused (full=stop) to make room for the biggest.
dall=$TMP/out-accepted-sink-v4
if [ -d "$dall" ]; then
	./smtpscope -q -r "$cap" -w "$TMP/disk.jsonl" >/dev/null 2>&1
	sizes=$(python3 "$TMP/check.py" sizes "$dall")
	limit=$(echo "$sizes" | python3 -c 'import sys; s=sorted(int(x) for x in sys.stdin.read().split()); print(s[-1] + sum(s[:-1]) // 2)')
	for full in oldest stop; do
		name=eml-max-disk-$full
		d=$TMP/disk-$full
		mkdir "$d"
		run_scope "$name" -q -r "$cap" --report json -o "$TMP/r.json" \
		    --plugin "eml:dir=$d,max_disk=$limit,full=$full" || continue
		why=$(python3 "$TMP/check.py" disk "$dall" "$TMP/disk.jsonl" "$d" "$TMP/r.json" "$limit" "$full")
		[ "$rc" = 0 ] || why="exit $rc: $why"
		no_tmp "$name" "$d" && result "$name" "$why"
	done
	# A limit below the biggest message: it is never written, the
	# others are.
	big=$(echo "$sizes" | tr ' ' '\n' | sort -n | tail -n 1)
	d=$TMP/disk-small
	mkdir "$d"
	if run_scope eml-max-disk-too-big -q -r "$cap" --report json -o "$TMP/r.json" \
	    --plugin "eml:dir=$d,max_disk=$((big - 1)),full=oldest"; then
		why=$(python3 "$TMP/check.py" disk "$dall" "$TMP/disk.jsonl" "$d" "$TMP/r.json" "$((big - 1))" oldest)
		no_tmp eml-max-disk-too-big "$d" && result eml-max-disk-too-big "$why"
	fi
else
	skip eml-max-disk "no unlimited run of sink-v4"
fi

# ---- 3. hostile envelopes, BDAT pipelining -------------------------------
cat >"$TMP/craft.py" <<'PY'
import importlib.util, os, sys
spec = importlib.util.spec_from_file_location(
    "mh", os.path.join(sys.argv[1], "tests/hostile/make-hostile.py"))
mh = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mh)
pc = mh.Pcap(sys.argv[2])
# 1: a path, CR, terminal escapes, DEL and 8-bit in MAIL FROM; a vertical
# tab and a backslash in RCPT, then a 3000-byte one; a CR in the final
# reply; a forged X-Smtpscope field and a dot-stuffed line in the body.
c = mh.start(pc, 41001)
c.cmd(b"MAIL FROM:<../../../../tmp/evil\rX-Injected: 1\x1b[2J\x7f\xff@ex.test>\r\n",
      b"250 2.1.0 Ok\x1b]0;t\x07\r\n")
c.cmd(b"RCPT TO:</etc/passwd\x0b\x01\\x@ex.test>\r\n", b"250 2.1.5 Ok\r\n")
c.cmd(b"RCPT TO:<" + b"a" * 3000 + b" b c d@ex.test>\r\n", b"250 2.1.5 Ok\r\n")
c.cmd(b"DATA\r\n", b"354 go\r\n")
c.c(b"X-Smtpscope-Outcome: rejected\r\nSubject: x\r\n\r\n..dot\r\n.\r\n")
c.s(b"250 2.0.0 Ok\rX-Fake: 1\x1b[31m queued\r\n")
c.cmd(b"QUIT\r\n", b"221 Bye\r\n")
c.close()
# 2: an ordinary message with a name-like sender.
mh.normal_session(pc, 41002, sender=b"../x/../../y@example.test")
# 3: BDAT pipelined: MAIL, RCPT and BDAT LAST of two messages in one
# segment; the replies after.
c = mh.start(pc, 41003)
m1 = b"Subject: one\r\n\r\nfirst\r\n"
m2 = b"Subject: two\r\n\r\nsecond\r\n"
c.c(b"MAIL FROM:<p@ex.test>\r\nRCPT TO:<q@ex.test>\r\nBDAT %d LAST\r\n" % len(m1) + m1 +
    b"MAIL FROM:<p2@ex.test>\r\nRCPT TO:<q2@ex.test>\r\nBDAT %d LAST\r\n" % len(m2) + m2)
c.s(b"250 Ok\r\n250 Ok\r\n250 Ok one\r\n250 Ok\r\n250 Ok\r\n550 5.7.1 no two\r\n")
c.cmd(b"QUIT\r\n", b"221 Bye\r\n")
c.close()
pc.close()
PY
if python3 "$TMP/craft.py" "$TOP" "$TMP/hostile.pcap" 2>"$TMP/craft.err"; then
	mkdir -p "$TMP/h/out"
	if run_scope eml-hostile -q -r "$TMP/hostile.pcap" -w "$TMP/log.jsonl" \
	    --plugin "eml:dir=$TMP/h/out,keep=all"; then
		why=$(python3 "$TMP/check.py" hostile "$TMP/h/out" "$TMP/log.jsonl")
		[ "$rc" = 0 ] || why="exit $rc: $why"
		# Nothing outside dir: $TMP/h holds only out.
		[ "$(ls -A "$TMP/h")" = out ] || why="$why files beside dir: $(ls -A "$TMP/h")"
		[ -z "$(find / -xdev -path /proc -prune -o -name 'evil*' -newer "$TMP/craft.py" -print 2>/dev/null | head -n 1)" ] ||
			why="$why a file named evil* appeared"
		no_tmp eml-hostile "$TMP/h/out" && result eml-hostile "$why"
	fi
else
	skip eml-hostile "cannot craft: $(head -c 200 "$TMP/craft.err")"
fi

# Whether cc builds an ASan+UBSan program at all (so that a driver that
# does not compile is a failure, not a skip).
asan_cc_ok() {
	printf 'int main(void){return 0;}\n' >"$TMP/probe.c"
	command -v cc >/dev/null 2>&1 &&
	    cc -fsanitize=address,undefined -o "$TMP/probe" "$TMP/probe.c" 2>/dev/null
}

# ---- synthetic events: holes, interleaving, CR/LF, cleanup ---------------
# The plugin's sources linked into a driver built with ASan+UBSan: it
# feeds events no capture here produces (a body event without data, LF in
# wire text) and checks that fini leaves no spool.
cat >"$TMP/driver.c" <<'EOF'
#include <smtpscope/plugin.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct smtpscope_plugin smtpscope_plugin;
static uint64_t counters[32];
static int ncounters;
static void hlog(void *c, enum smtpscope_log_level l, const char *f, ...)
{
	va_list ap;
	(void)c; (void)l;
	va_start(ap, f);
	vfprintf(stderr, f, ap);
	va_end(ap);
	fputc('\n', stderr);
}
static uint64_t *hcounter(void *c, const char *n, const char *h)
{
	(void)c; (void)h;
	printf("counter %d %s\n", ncounters, n);
	return &counters[ncounters++];
}
static void hwant(void *c) { (void)c; }
static const char *hout(enum smtpscope_outcome o)
{
	static const char *n[] = { "none", "accepted", "rejected", "tempfail", "dropped", "aborted" };
	return o <= SMTPSCOPE_OUTCOME_ABORTED ? n[o] : "none";
}
static void haddr(const struct smtpscope_endpoint *ep, char *b, size_t n)
{
	snprintf(b, n, ep->family == 6 ? "2001:db8::1" : "192.0.2.%u", ep->addr[15]);
}
static void *st;
/* Spool files in dir now. */
static int spools(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d != NULL && (de = readdir(d)) != NULL)
		n += strncmp(de->d_name, ".tmp-", 5) == 0;
	if (d != NULL)
		closedir(d);
	return n;
}
static void ev(enum smtpscope_event_type t, const struct smtpscope_session *si)
{
	struct smtpscope_event e;
	memset(&e, 0, sizeof(e));
	e.struct_size = sizeof(e);
	e.type = t;
	e.session = si;
	smtpscope_plugin.on_event(st, &e);
}
static void body(const struct smtpscope_session *si, unsigned depth, uint64_t off, const char *d, size_t n)
{
	struct smtpscope_event e;
	memset(&e, 0, sizeof(e));
	e.struct_size = sizeof(e);
	e.type = SMTPSCOPE_EV_BODY;
	e.session = si;
	e.u.body.data = (const uint8_t *)d;
	e.u.body.len = n;
	e.u.body.offset = off;
	e.u.body.depth = depth;
	smtpscope_plugin.on_event(st, &e);
}
static void tx(const struct smtpscope_session *si, struct smtpscope_transaction *t)
{
	struct smtpscope_event e;
	memset(&e, 0, sizeof(e));
	e.struct_size = sizeof(e);
	e.type = SMTPSCOPE_EV_TRANSACTION;
	e.session = si;
	e.u.tx = t;
	smtpscope_plugin.on_event(st, &e);
}
int main(int argc, char **argv)
{
	struct smtpscope_host h = { .abi = SMTPSCOPE_PLUGIN_ABI, .log = hlog,
	    .counter = hcounter, .want_body = hwant, .outcome_name = hout,
	    .addr_str = haddr };
	struct smtpscope_session a = { .id = 10, .helo = "evil\r\nX-Helo: 1" },
	    b = { .id = 20, .helo = "" }, c = { .id = 30, .helo = "" },
	    d = { .id = 40, .helo = "" };
	struct smtpscope_reply r550 = { .struct_size = sizeof(r550), .code = 550 },
	    mail = { .struct_size = sizeof(mail) },
	    final = { .struct_size = sizeof(final) };
	struct smtpscope_rcpt r = { .struct_size = sizeof(r), .addr = NULL,
	    .reply = &r550 };
	const struct smtpscope_rcpt *rcpts[1] = { &r };
	struct smtpscope_transaction t = { .struct_size = sizeof(t),
	    .helo = "evil\r\nX-Helo: 1", .mail = &mail, .final = &final };
	char err[256] = "", words[400] = "", longaddr[2100], big[2000];
	int i;

	(void)argc;
	if (smtpscope_plugin.init(&h, argv[1], &st, err, sizeof(err)) != 0) {
		printf("init: %s\n", err);
		return 1;
	}
	a.client.family = 6;
	a.client.port = 40000;
	for (i = 0; i < 60; i++)
		strcat(words, i ? " word" : "word");
	r.addr = words;
	/* Session 10: a hole of 100 bytes at offset 33; 20 interleaves. */
	body(&a, 1, 0, "Subject: gap\r\n\r\n", 16);
	body(&b, 1, 0, "first ", 6);
	body(&a, 1, 16, "before the hole\r\n", 17);
	body(&b, 2, 0, "second\r\n", 8);
	body(&a, 1, 33, NULL, 100);
	body(&b, 1, 6, "of twenty\r\n", 11);
	body(&a, 1, 133, "after the hole\r\n", 16);
	body(&b, 3, 0, "third\r\n", 7);
	t.depth = 1;
	t.ts = 1795342272.25;
	t.ts_end = 1795385473.0;
	t.mail_from = "a\r\nX-Evil: 1@x";
	mail.code = 250;
	t.rcpt = rcpts;
	t.nrcpt = 1;
	t.rcpt_total = 1;
	final.code = 250;
	strcpy(final.enh, "2.0.0");
	final.text = "ok\r\nX-Evil: 2";
	t.data_complete = true;
	t.size = 149;
	t.outcome = SMTPSCOPE_OUTCOME_ACCEPTED;
	tx(&a, &t);
	/* 20: depth 2 rejected (not kept), 1 and 3 accepted. */
	memset(longaddr, 'b', 2000);
	strcpy(longaddr + 2000, "@x");
	t.mail_from = longaddr;
	final.text = "ok";
	t.size = 8;
	t.depth = 2;
	t.outcome = SMTPSCOPE_OUTCOME_REJECTED;
	tx(&b, &t);
	t.size = 17;
	t.depth = 1;
	t.outcome = SMTPSCOPE_OUTCOME_ACCEPTED;
	tx(&b, &t);
	t.size = 7;
	t.depth = 3;
	tx(&b, &t);
	/* 30: a body too big for memory (a spool file), then the session
	 * closes without its transaction; 40: the same, then the end. */
	memset(big, 'x', sizeof(big));
	for (i = 0; i < 60; i++)
		body(&c, 1, (uint64_t)i * sizeof(big), big, sizeof(big));
	printf("spools before close %d\n", spools(argv[2]));
	ev(SMTPSCOPE_EV_SESSION_CLOSE, &c);
	printf("spools after close %d\n", spools(argv[2]));
	for (i = 0; i < 60; i++)
		body(&d, 1, (uint64_t)i * sizeof(big), big, sizeof(big));
	smtpscope_plugin.fini(st);
	for (i = 0; i < ncounters; i++)
		printf("value %d %llu\n", i, (unsigned long long)counters[i]);
	return 0;
}
EOF
if command -v cc >/dev/null 2>&1 &&
    cc -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -g -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined -Iinclude -o "$TMP/driver" \
	"$TMP/driver.c" plugins/eml/*.c 2>"$TMP/cc.err"; then
	mkdir "$TMP/syn"
	"$TMP/driver" "dir=$TMP/syn" "$TMP/syn" >"$TMP/syn.out" 2>"$TMP/syn.err"
	drc=$?
	why=$(python3 "$TMP/check.py" synthetic "$TMP/syn" "$TMP/syn.out")
	[ "$drc" = 0 ] || why="driver exit $drc: $(head -c 300 "$TMP/syn.err") $why"
	grep -q -E 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$TMP/syn.err" &&
		why="$why sanitizer: $(grep -m1 -E 'ERROR|runtime error' "$TMP/syn.err")"
	# written 3, skipped 1, everything else 0 (in registration order).
	vals=$(sed -n 's/^value [0-9]* //p' "$TMP/syn.out" | tr '\n' ' ')
	[ "$vals" = "3 1 0 0 0 0 " ] || why="$why counters: $vals"
	# Session 30's spool existed, and its close removed it.
	grep -q '^spools before close 1$' "$TMP/syn.out" &&
	    grep -q '^spools after close 0$' "$TMP/syn.out" ||
		why="$why spools on close: $(grep spools "$TMP/syn.out" | tr '\n' ' ')"
	no_tmp eml-synthetic "$TMP/syn" && result eml-synthetic "$why"
else
	if asan_cc_ok; then
		fail eml-synthetic "the driver does not compile: $(head -c 300 "$TMP/cc.err")"
	else
		skip eml-synthetic "no cc with ASan"
	fi
fi

# ---- many messages at once, beyond memory --------------------------------
# 300 messages of 100,000 bytes interleaved in chunks of 1 to 2,999 bytes
# (30 MB: beyond the 16 MiB the plugin keeps in memory, so the biggest
# buffers go to spool files while the others grow), through a driver with
# ASan+UBSan: every body exact (byte k of message s is (k + s) % 251),
# no spool left.
cat >"$TMP/stress.c" <<'EOF'
#include <smtpscope/plugin.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 300
#define SIZE 100000
extern const struct smtpscope_plugin smtpscope_plugin;
static uint64_t counters[32];
static int ncounters;
static void hlog(void *c, enum smtpscope_log_level l, const char *f, ...)
{
	va_list ap;
	(void)c; (void)l;
	va_start(ap, f);
	vfprintf(stderr, f, ap);
	va_end(ap);
	fputc('\n', stderr);
}
static uint64_t *hcounter(void *c, const char *n, const char *h)
{
	(void)c; (void)n; (void)h;
	return &counters[ncounters++];
}
static void hwant(void *c) { (void)c; }
static const char *hout(enum smtpscope_outcome o) { return o == SMTPSCOPE_OUTCOME_ACCEPTED ? "accepted" : "other"; }
static void haddr(const struct smtpscope_endpoint *ep, char *b, size_t n) { (void)ep; snprintf(b, n, "192.0.2.1"); }
int main(int argc, char **argv)
{
	struct smtpscope_host h = { .abi = SMTPSCOPE_PLUGIN_ABI, .log = hlog,
	    .counter = hcounter, .want_body = hwant, .outcome_name = hout,
	    .addr_str = haddr };
	static struct smtpscope_session si[N];
	static uint64_t off[N];
	static unsigned char chunk[3000];
	struct smtpscope_transaction t;
	struct smtpscope_reply mail, final;
	struct smtpscope_event e;
	char err[256] = "";
	void *st;
	int s, r, left = N, i;

	(void)argc;
	if (smtpscope_plugin.init(&h, argv[1], &st, err, sizeof(err)) != 0) {
		printf("init: %s\n", err);
		return 1;
	}
	for (s = 0; s < N; s++) {
		si[s].struct_size = sizeof(si[s]);
		si[s].id = 1000 + s;
		si[s].helo = "";
	}
	for (r = 0; left > 0; r++)
		for (s = 0; s < N; s++) {
			size_t n = (size_t)((r * 7 + s * 13) % 2999) + 1, k;

			if (off[s] >= SIZE)
				continue;
			if (n > SIZE - off[s])
				n = SIZE - off[s];
			for (k = 0; k < n; k++)
				chunk[k] = (unsigned char)((off[s] + k + s) % 251);
			memset(&e, 0, sizeof(e));
			e.struct_size = sizeof(e);
			e.type = SMTPSCOPE_EV_BODY;
			e.session = &si[s];
			e.u.body.data = chunk;
			e.u.body.len = n;
			e.u.body.offset = off[s];
			e.u.body.depth = 1;
			smtpscope_plugin.on_event(st, &e);
			off[s] += n;
			if (off[s] == SIZE)
				left--;
		}
	for (s = 0; s < N; s++) {
		memset(&t, 0, sizeof(t));
		t.depth = 1;
		t.ts = 1795342272.0;
		t.ts_end = 1795342273.0;
		t.mail_from = "a@x";
		t.helo = "";
		memset(&mail, 0, sizeof(mail));
		mail.struct_size = sizeof(mail);
		mail.code = 250;
		final = mail;
		t.struct_size = sizeof(t);
		t.mail = &mail;
		t.final = &final;
		t.data_complete = true;
		t.size = SIZE;
		t.outcome = SMTPSCOPE_OUTCOME_ACCEPTED;
		memset(&e, 0, sizeof(e));
		e.struct_size = sizeof(e);
		e.type = SMTPSCOPE_EV_TRANSACTION;
		e.session = &si[s];
		e.u.tx = &t;
		smtpscope_plugin.on_event(st, &e);
	}
	smtpscope_plugin.fini(st);
	for (i = 0; i < ncounters; i++)
		printf("value %d %llu\n", i, (unsigned long long)counters[i]);
	return 0;
}
EOF
if command -v cc >/dev/null 2>&1 &&
    cc -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -O1 -g -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined -Iinclude -o "$TMP/stress" \
	"$TMP/stress.c" plugins/eml/*.c 2>"$TMP/cc.err"; then
	mkdir "$TMP/stress.d"
	"$TMP/stress" "dir=$TMP/stress.d" >"$TMP/stress.out" 2>"$TMP/stress.err"
	drc=$?
	why=$(python3 - "$TMP/stress.d" <<'PY'
import os, re, sys
d = sys.argv[1]
block = bytes(range(251)) * 500
bad = []
names = sorted(os.listdir(d))
if len(names) != 300 or any(not n.endswith(".eml") for n in names):
    bad.append("%d names: %r" % (len(names), names[:3]))
for n in names:
    b = open(os.path.join(d, n), "rb").read()
    m = re.match(rb"X-Smtpscope-Header-Length: (\d{8})\r\n", b)
    s = int(re.search(rb"\r\nX-Smtpscope-Session: (\d+)\r\n", b).group(1)) - 1000
    body = b[int(m.group(1)):]
    want = (block[s % 251:] + block)[:100000]
    if body != want:
        i = next((j for j in range(min(len(body), len(want))) if body[j] != want[j]), -1)
        bad.append("%s: %d bytes, first difference at %d" % (n, len(body), i))
print("; ".join(bad[:4]))
PY
)
	[ "$drc" = 0 ] || why="driver exit $drc: $(head -c 300 "$TMP/stress.err") $why"
	grep -q -E 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$TMP/stress.err" &&
		why="$why sanitizer: $(grep -m1 -E 'ERROR|runtime error' "$TMP/stress.err")"
	vals=$(sed -n 's/^value [0-9]* //p' "$TMP/stress.out" | tr '\n' ' ')
	[ "$vals" = "300 0 0 0 0 0 " ] || why="$why counters: $vals"
	no_tmp eml-many-at-once "$TMP/stress.d" && result eml-many-at-once "$why"
else
	if asan_cc_ok; then
		fail eml-many-at-once "the driver does not compile: $(head -c 300 "$TMP/cc.err")"
	else
		skip eml-many-at-once "no cc with ASan"
	fi
fi

# ---- system calls: no open/close per body event, large writes -------------
# 2,000 interleaved messages of 100 lines (each line a body event): once
# 206,000 openat (a spool reopened per event past 64 open); now about one
# per message. 100,000 dot-stuffed lines ("..", one body event each):
# once 100,008 pwrite; now a few. Counted with strace -c.
cat >"$TMP/syscalls.py" <<'PY'
import importlib.util, os, sys
spec = importlib.util.spec_from_file_location(
    "mh", os.path.join(sys.argv[1], "tests/hostile/make-hostile.py"))
mh = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mh)
pc = mh.Pcap(sys.argv[2])
cs = []
for i in range(2000):
    c = mh.start(pc, 10000 + i, cip="10.9.%d.%d" % (i // 250, i % 250 + 1))
    c.cmd(b"MAIL FROM:<a%d@example.test>\r\n" % i, b"250 2.1.0 Ok\r\n")
    c.cmd(b"RCPT TO:<b@example.test>\r\n", b"250 2.1.5 Ok\r\n")
    c.cmd(b"DATA\r\n", b"354 go\r\n")
    c.c(b"Subject: m%d\r\n\r\n" % i)
    cs.append(c)
for k in range(100):
    for i, c in enumerate(cs):
        c.c(b"line %05d of message %05d: some text to fill the line up a bit\r\n" % (k, i))
for c in cs:
    c.c(b".\r\n")
    c.s(b"250 2.0.0 Ok\r\n")
    c.cmd(b"QUIT\r\n", b"221 Bye\r\n")
    c.close()
pc.close()
pc = mh.Pcap(sys.argv[3])
c = mh.start(pc, 40100)
c.cmd(b"MAIL FROM:<a@example.test>\r\n", b"250 2.1.0 Ok\r\n")
c.cmd(b"RCPT TO:<b@example.test>\r\n", b"250 2.1.5 Ok\r\n")
c.cmd(b"DATA\r\n", b"354 go\r\n")
c.c(b"Subject: dots\r\n\r\n" + b"..\r\n" * 100000 + b".\r\n")
c.s(b"250 2.0.0 Ok\r\n")
c.cmd(b"QUIT\r\n", b"221 Bye\r\n")
c.close()
pc.close()
PY
# calls FILE SYSCALL: the count in strace -c's table (0 if absent).
calls() {
	awk -v s="$2" '$NF == s { print $4; n = 1 } END { if (!n) print 0 }' "$1"
}
if ! command -v strace >/dev/null 2>&1; then
	skip eml-interleaved-syscalls "no strace"
	skip eml-dots-syscalls "no strace"
elif ! python3 "$TMP/syscalls.py" "$TOP" "$TMP/il.pcap" "$TMP/dots.pcap" 2>"$TMP/craft.err"; then
	skip eml-interleaved-syscalls "cannot craft: $(head -c 200 "$TMP/craft.err")"
	skip eml-dots-syscalls "cannot craft"
else
	mkdir "$TMP/il"
	# LeakSanitizer cannot run under ptrace: leaks are checked elsewhere.
	ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0 \
	    strace -f -c -o "$TMP/il.strace" -e trace=openat,pwrite64,close \
	    "$SMTPSCOPE" -q -r "$TMP/il.pcap" -w "$TMP/il.jsonl" \
	    --plugin "eml:dir=$TMP/il" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	o=$(calls "$TMP/il.strace" openat)
	w=$(calls "$TMP/il.strace" pwrite64)
	why=$(python3 "$TMP/check.py" captures "$TMP/il" "$TMP/il.jsonl" accepted -)
	if [ "$rc" != 0 ] || [ -s "$TMP/err" ]; then
		fail eml-interleaved-syscalls "exit $rc: $(head -c 300 "$TMP/err")"
	elif [ -n "$why" ]; then
		fail eml-interleaved-syscalls "$why"
	elif [ "$o" -gt 2600 ] || [ "$w" -gt 4200 ]; then
		fail eml-interleaved-syscalls "$o openat, $w pwrite64 for 2,000 messages"
	else
		no_tmp eml-interleaved-syscalls "$TMP/il" && ok eml-interleaved-syscalls
		echo "# eml-interleaved-syscalls: $o openat, $w pwrite64, $(calls "$TMP/il.strace" close) close for 2,000 messages"
	fi
	mkdir "$TMP/dots"
	ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0 \
	    strace -f -c -o "$TMP/dots.strace" -e trace=openat,pwrite64 \
	    "$SMTPSCOPE" -q -r "$TMP/dots.pcap" --plugin "eml:dir=$TMP/dots" \
	    >"$TMP/out" 2>"$TMP/err"
	rc=$?
	w=$(calls "$TMP/dots.strace" pwrite64)
	why=$(python3 - "$TMP/dots" <<'PY'
import os, re, sys
d = sys.argv[1]
n = os.listdir(d)
if len(n) != 1:
    print("files %r" % n); sys.exit()
b = open(os.path.join(d, n[0]), "rb").read()
hl = int(re.match(rb"X-Smtpscope-Header-Length: (\d{8})\r\n", b).group(1))
if b[hl:] != b"Subject: dots\r\n\r\n" + b".\r\n" * 100000:
    print("the body differs (%d bytes)" % (len(b) - hl))
PY
)
	if [ "$rc" != 0 ] || [ -s "$TMP/err" ]; then
		fail eml-dots-syscalls "exit $rc: $(head -c 300 "$TMP/err")"
	elif [ -n "$why" ]; then
		fail eml-dots-syscalls "$why"
	elif [ "$w" -gt 50 ]; then
		fail eml-dots-syscalls "$w pwrite64 for 100,000 dot-stuffed lines"
	else
		no_tmp eml-dots-syscalls "$TMP/dots" && ok eml-dots-syscalls
		echo "# eml-dots-syscalls: $w pwrite64 for 100,000 dot-stuffed lines"
	fi
fi

# ---- bad arguments: one sentence, exit 2, before any packet --------------
# -i on an interface that does not exist would be exit 3.
check_error() {
	_lines=$(wc -l <"$TMP/err")
	if [ "$rc" != 2 ]; then
		fail "$1" "exit $rc, want 2: $(head -c 300 "$TMP/err")"
	elif [ "$_lines" != 1 ]; then
		fail "$1" "stderr has $_lines lines, want 1: $(head -c 300 "$TMP/err")"
	elif ! grep -q -E "^smtpscope: plugin eml: .*$2" "$TMP/err"; then
		fail "$1" "message does not say /$2/: $(head -c 300 "$TMP/err")"
	elif [ -e "$TMP/never.jsonl" ]; then
		fail "$1" "the log was created"
	else
		ok "$1"
	fi
}
touch "$TMP/afile"
long=$(python3 -c 'print("x" * 5000)')
while IFS='|' read -r name args phrase; do
	run_scope "$name" -i nosuchif0 -w "$TMP/never.jsonl" \
	    --plugin "eml$args" && check_error "$name" "$phrase"
done <<EOF
eml-arg-no-dir||dir=PATH is required
eml-arg-dir-missing|:dir=$TMP/nosuchdir|No such file
eml-arg-dir-file|:dir=$TMP/afile|not a directory
eml-arg-dir-empty|:dir=|dir= is empty
eml-arg-unknown|:dir=$TMP,colour=red|unknown argument "colour"
eml-arg-max-size|:dir=$TMP,max_size=abc|max_size=abc is not a byte count
eml-arg-max-size-overflow|:dir=$TMP,max_size=99999999999999999999t|is not a byte count
eml-arg-max-disk-zero|:dir=$TMP,max_disk=0|max_disk=0 is not a byte count above 0
eml-arg-keep|:dir=$TMP,keep=accepted+bogus|keep=accepted\+bogus: want all
eml-arg-keep-empty|:dir=$TMP,keep=|keep=: want all
eml-arg-full|:dir=$TMP,full=maybe|full=maybe: want oldest or stop
eml-arg-twice|:dir=$TMP,dir=$TMP|dir given twice
eml-arg-no-value|:dir=$TMP,max_size|not key=value
eml-arg-trailing-comma|:dir=$TMP,|an argument is empty
eml-arg-commas|:,,,|not key=value
eml-arg-equals|:=|not key=value
eml-arg-long|:$long=1|unknown argument
EOF
if [ "$(id -u)" != 0 ]; then
	mkdir "$TMP/ro"
	chmod 555 "$TMP/ro"
	run_scope eml-arg-dir-readonly -i nosuchif0 -w "$TMP/never.jsonl" \
	    --plugin "eml:dir=$TMP/ro" && check_error eml-arg-dir-readonly 'not writable'
else
	skip eml-arg-dir-readonly "root may write anywhere"
fi
# Valid forms are accepted (exit 3: the interface, not the plugin).
for args in "dir=$TMP,keep=all,max_size=10m,max_disk=1G,full=stop" \
    "dir=$TMP,keep=accepted+rejected+tempfail+dropped+aborted,full=oldest"; do
	run_scope eml-arg-valid -i nosuchif0 -w "$TMP/never.jsonl" --plugin "eml:$args"
	if [ "$rc" != 3 ] || grep -q 'plugin eml' "$TMP/err"; then
		fail eml-arg-valid "$args: exit $rc: $(head -c 300 "$TMP/err")"
		break
	fi
done
[ "$rc" = 3 ] && ok eml-arg-valid

# ---- -Z: the folder checked as the user the run goes on as ----------------
# A root-owned folder and -Z nobody: one sentence and exit 2 once the
# privileges are dropped, before the capture is read or the log (in a
# folder nobody may write) created. A folder nobody owns: files written,
# owned by nobody.
if [ "$(id -u)" != 0 ] || ! id nobody >/dev/null 2>&1; then
	skip eml-drop-unwritable "not root, or no user nobody"
	skip eml-drop-writable "not root, or no user nobody"
else
	chmod 711 "$TMP"
	mkdir -m 755 "$TMP/rootdir"
	mkdir -m 777 "$TMP/zlog"
	run_scope eml-drop-unwritable -r captures/sink-v4.pcap -Z nobody \
	    -w "$TMP/zlog/never.jsonl" --plugin "eml:dir=$TMP/rootdir"
	if [ "$rc" != 2 ] || [ "$(wc -l <"$TMP/err")" != 1 ] ||
	    ! grep -q "^smtpscope: plugin eml: dir $TMP/rootdir is not writable by nobody, the user this run goes on as: Permission denied$" "$TMP/err"; then
		fail eml-drop-unwritable "exit $rc: $(head -c 300 "$TMP/err")"
	elif [ -e "$TMP/zlog/never.jsonl" ] || [ -n "$(ls -A "$TMP/rootdir")" ]; then
		fail eml-drop-unwritable "files were created: $(ls -A "$TMP/zlog" "$TMP/rootdir")"
	else
		ok eml-drop-unwritable
	fi
	mkdir -m 755 "$TMP/nbdir"
	chown nobody "$TMP/nbdir"
	run_scope eml-drop-writable -q -r captures/sink-v4.pcap -Z nobody \
	    --plugin "eml:dir=$TMP/nbdir"
	owners=$(stat -c %U "$TMP"/nbdir/*.eml 2>/dev/null | sort -u | tr '\n' ' ')
	if [ "$rc" = 0 ] && [ ! -s "$TMP/err" ] && [ "$owners" = "nobody " ]; then
		no_tmp eml-drop-writable "$TMP/nbdir" && ok eml-drop-writable
	else
		fail eml-drop-writable "exit $rc, owners '$owners': $(head -c 300 "$TMP/err")"
	fi
fi

# ---- spool files a killed run left ----------------------------------------
# Removed at the next start (and said once, without -q); other names are
# not touched. While another run uses the folder, they are left alone.
mkdir "$TMP/stale"
printf 'a body\r\n' >"$TMP/stale/.tmp-eml-99999-1"
printf 'another\r\n' >"$TMP/stale/.tmp-eml-1-20"
for keep in .tmp-eml-x-1 .tmp-eml-1-2.eml .tmp-eml-- notes.txt; do
	: >"$TMP/stale/$keep"
done
run_scope eml-stale-spools -r captures/sink-reject.pcap --plugin "eml:dir=$TMP/stale"
left=$(cd "$TMP/stale" && ls -A | grep -v -E '^[0-9]{8}T' | sort | tr '\n' ' ')
if [ "$rc" != 0 ]; then
	fail eml-stale-spools "exit $rc: $(head -c 300 "$TMP/err")"
elif [ "$left" != ".tmp-eml-- .tmp-eml-1-2.eml .tmp-eml-x-1 notes.txt " ]; then
	fail eml-stale-spools "left in dir: $left"
elif ! grep -q "^smtpscope: plugin eml: removed 2 spool files that a killed run left in $TMP/stale$" "$TMP/err"; then
	fail eml-stale-spools "no line about it: $(head -c 300 "$TMP/err")"
else
	ok eml-stale-spools
fi
# A slow run holds the folder: a second run leaves its spools alone.
mkdir "$TMP/busy"
"$SMTPSCOPE" -q -r captures/sink-v4.pcap --speed 0.00001 \
    --plugin "eml:dir=$TMP/busy" >/dev/null 2>"$TMP/busy.err" </dev/null &
busy_pid=$!
sleep 1 # its plugin started (the replay itself takes days)
: >"$TMP/busy/.tmp-eml-424242-1"
run_scope eml-stale-busy -q -r captures/sink-reject.pcap --plugin "eml:dir=$TMP/busy"
kill -TERM "$busy_pid" 2>/dev/null
wait_exit "$busy_pid" 20
if [ "$rc" != 0 ] || [ ! -e "$TMP/busy/.tmp-eml-424242-1" ]; then
	fail eml-stale-busy "exit $rc; the spool of a running run was removed"
else
	run_scope eml-stale-after -q -r captures/sink-reject.pcap --plugin "eml:dir=$TMP/busy"
	if [ "$rc" = 0 ] && [ ! -e "$TMP/busy/.tmp-eml-424242-1" ]; then
		ok eml-stale-busy
	else
		fail eml-stale-busy "exit $rc; once the run ended the spool stayed"
	fi
fi

# ---- 2. ground truth: smtplib -> smtp-sink, captured on lo --------------
SINK=$(find_tool smtp-sink)
if [ "$(id -u)" != 0 ]; then
	skip eml-smtp-sink "not root"
elif [ -z "$SINK" ]; then
	skip eml-smtp-sink "$(tool_why smtp-sink)"
elif ! command -v tcpdump >/dev/null 2>&1; then
	skip eml-smtp-sink "no tcpdump"
else
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$SINK" -u nobody -c "127.0.0.1:$port" 100 >"$TMP/sink.out" 2>&1 &
	sink_pid=$!
	tcpdump -i lo -U -B 65536 -w "$TMP/live.pcap" "tcp port $port" \
	    >/dev/null 2>"$TMP/tcpdump.err" &
	td_pid=$!
	i=0
	while ! grep -q 'listening on' "$TMP/tcpdump.err" && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	mkdir "$TMP/sent"
	python3 - "$port" "$TMP/sent" >"$TMP/smtplib.out" 2>&1 <<'PY'
import os, smtplib, sys, time
port, out = int(sys.argv[1]), sys.argv[2]
msgs = [
    b"From: a@example.test\r\nTo: b@example.test\r\nSubject: dots\r\n\r\n"
    b".leading dot\r\n..two dots\r\n.\r\nnot the end\r\n. space\r\n",
    b"Subject: long line\r\n\r\n" + b"L" * 20000 + b"\r\nshort\r\n",
    b"Subject: 8bit\r\nContent-Type: text/plain; charset=latin1\r\n\r\n"
    b"caf\xe9 \xff\xfe\x80 na\xefve\r\n\x01\x1b[31m controls\r\n",
    b"Subject: big\r\n\r\n" + b"".join(b"line %06d .dot..\r\n" % i for i in range(8000)),
]
# Wait for the sink.
for _ in range(50):
    try:
        s = smtplib.SMTP("127.0.0.1", port, timeout=10)
        break
    except OSError:
        time.sleep(0.1)
s.ehlo("client.example.test")
for i, m in enumerate(msgs):
    s.sendmail("sender%d@example.test" % i, ["rcpt%d@example.test" % i], m)
    open(os.path.join(out, "%d" % (i + 1)), "wb").write(m)
s.quit()
PY
	py_rc=$?
	sleep 2.5
	kill -INT "$td_pid" 2>/dev/null
	wait "$td_pid" 2>/dev/null
	kill "$sink_pid" 2>/dev/null
	wait "$sink_pid" 2>/dev/null
	if [ "$py_rc" != 0 ]; then
		fail eml-smtp-sink "smtplib failed: $(tail -n 3 "$TMP/smtplib.out")"
	elif ! grep -q '^0 packets dropped by kernel' "$TMP/tcpdump.err"; then
		fail eml-smtp-sink "tcpdump: $(tail -n 3 "$TMP/tcpdump.err")"
	else
		mkdir "$TMP/live"
		if run_scope eml-smtp-sink -q -r "$TMP/live.pcap" --ports "$port" \
		    -w "$TMP/live.jsonl" --plugin "eml:dir=$TMP/live"; then
			why=$(python3 - "$TMP/live" "$TMP/sent" <<'PY'
import os, re, sys
d, sent = sys.argv[1], sys.argv[2]
want = {n: open(os.path.join(sent, n), "rb").read() for n in os.listdir(sent)}
got = {}
for n in sorted(os.listdir(d)):
    b = open(os.path.join(d, n), "rb").read()
    hl = int(re.match(rb"X-Smtpscope-Header-Length: (\d{8})\r\n", b).group(1))
    depth = re.search(rb"\r\nX-Smtpscope-Trans-Depth: (\d+)\r\n", b[:hl]).group(1).decode()
    got[depth] = (b[hl:], b[:hl])
bad = []
if sorted(got) != sorted(want) or len(want) != 4:
    bad.append("files for depths %r, sent %r" % (sorted(got), sorted(want)))
for k, m in want.items():
    body, head = got.get(k, (b"", b""))
    if body != m:
        i = next((j for j in range(min(len(body), len(m))) if body[j] != m[j]), min(len(body), len(m)))
        bad.append("message %s differs at byte %d (%d vs %d bytes)" % (k, i, len(body), len(m)))
    if b"X-Smtpscope-Mail-From: 250 <sender%d@example.test>" % (int(k) - 1) not in head:
        bad.append("message %s: Mail-From" % k)
print("; ".join(bad))
PY
)
			[ "$rc" = 0 ] || why="exit $rc: $why"
			no_tmp eml-smtp-sink "$TMP/live" && result eml-smtp-sink "$why"
		fi
	fi
fi
