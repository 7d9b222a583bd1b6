#!/bin/sh
# A full disk (issue 11), on real full file systems: a small tmpfs
# mounted for the test (root; skipped when mount is not permitted) and
# /dev/full.
# - space returns mid-run: the capture is fed through a FIFO, the first
#   70% while a filler leaves 1.5 MiB free, the rest once each output has
#   said it cannot write and the filler is gone. The JSON log, the Zeek
#   log and the transcript (standard output) hold whole records only,
#   each one a record of a run on a roomy disk; what is missing is what
#   the summary's not_written counts; stderr says "No space left on
#   device" once and "writing again" once per output, with the count;
#   exit status 4;
# - always full (/dev/full): the log and the transcript count every
#   record (the JSON report's not_written), one sentence when writing
#   fails and one at the end, exit status 4;
# - a file size limit (ulimit -f) is the same: EFBIG, whole lines, exit 4
#   (not killed by SIGXFSZ);
# - reports: a report that cannot be written leaves an older one intact
#   and no temporary file, says so, exit 4; on standard output that is a
#   regular file it is cut back to where it began;
# - the plugins: eml's files on a full disk are whole (byte for byte the
#   roomy run's) or absent, no spool left; the attachments log's lines
#   are whole and its not_written counter is what is missing; each says
#   it cannot write once and that it writes again once;
# - the dashboard shows a failing output in its header.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

SANITIZER='ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer'
TESTS="fulldisk-resume-log fulldisk-resume-zeek fulldisk-resume-transcript
fulldisk-resume-stderr fulldisk-always-log fulldisk-always-transcript
fulldisk-ulimit
fulldisk-report-kept fulldisk-report-stdout fulldisk-plugins-eml
fulldisk-plugins-attachments fulldisk-plugins-stderr fulldisk-tui"

if ! command -v python3 >/dev/null 2>&1; then
	for t in $TESTS; do skip "$t" "no python3"; done
	exit 0
fi

MNT=$TMP/mnt
mounted=0
bg_pids=
cleanup() {
	for _p in $bg_pids; do
		kill -KILL "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
	[ -n "$SOCK" ] && tmux -S "$SOCK" kill-server >/dev/null 2>&1
	if [ $mounted = 1 ]; then
		umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- captures -------------------------------------------------------------
# Every Ethernet capture of captures/, N times over, one file.
big_capture() {
	_out=$1
	_n=$2
	set --
	for _c in captures/*.pcap; do
		case $(od -An -tu1 -j20 -N1 "$_c" | tr -d ' ') in
		1) set -- "$@" "$_c" ;;
		esac
	done
	_list="$*"
	set --
	for _i in $(seq 1 "$_n"); do
		# shellcheck disable=SC2086
		set -- "$@" $_list
	done
	python3 - "$_out" "$@" <<'PY'
import sys
out = open(sys.argv[1], "wb")
for i, p in enumerate(sys.argv[2:]):
    d = open(p, "rb").read()
    out.write(d if i == 0 else d[24:])
PY
}
BIG=$TMP/big.pcap
SMALL=$TMP/small.pcap
big_capture "$BIG" 40
big_capture "$SMALL" 5
# The first 70% and the rest, fed one after the other.
size=$(wc -c <"$BIG")
head -c $((size * 7 / 10)) "$BIG" >"$TMP/big.1"
tail -c +$((size * 7 / 10 + 1)) "$BIG" >"$TMP/big.2"
size=$(wc -c <"$SMALL")
head -c $((size * 7 / 10)) "$SMALL" >"$TMP/small.1"
tail -c +$((size * 7 / 10 + 1)) "$SMALL" >"$TMP/small.2"

# On a roomy disk: what every output holds.
mkdir -p "$TMP/roomy"
run_scope roomy -q -r "$BIG" -w "$TMP/roomy/log.jsonl" \
    --zeek-log "$TMP/roomy/z" --transcript || exit 0
mv "$TMP/out" "$TMP/roomy/transcript"
if [ "$rc" != 0 ] || [ -s "$TMP/err" ]; then
	for t in $TESTS; do fail "$t" "the roomy run: exit $rc: $(head -c 200 "$TMP/err")"; done
	exit 0
fi
mkdir -p "$TMP/roomy/eml"
run_scope roomy-plugins -q -r "$SMALL" \
    --plugin "eml:dir=$TMP/roomy/eml,keep=all" \
    --plugin "attachments:log=$TMP/roomy/att.jsonl" || exit 0

# The checks of the outputs against the roomy run's, in Python: CHECK
# DIR prints "name ok" or "name why" lines.
cat >"$TMP/check.py" <<'PY'
import collections, json, re, sys

roomy, full, err = sys.argv[1], sys.argv[2], sys.argv[3]
stderr = open(err, encoding="utf-8", errors="replace").read().splitlines()

def say(name, why):
    print(name, why or "ok")

def summary_of(lines):
    for l in reversed(lines):
        try:
            d = json.loads(l)
        except ValueError:
            continue
        if d.get("type") == "summary":
            return d
    return None

def sentences(who):
    nospace = [l for l in stderr if re.match(r"smtpscope: %s.*: No space left on device; " % who, l)]
    again = [l for l in stderr if re.match(r"smtpscope: %s.*: writing again; " % who, l)]
    return nospace, again

# The JSON log.
rl = open(roomy + "/log.jsonl").read().splitlines()
fl = open(full + "/log.jsonl", encoding="utf-8", errors="replace").read()
why = ""
if not fl.endswith("\n"):
    why += " does not end with a newline;"
fl = fl.splitlines()
bad = 0
for l in fl:
    try:
        json.loads(l)
    except ValueError:
        bad += 1
if bad:
    why += " %d lines are not JSON;" % bad
s = summary_of(fl)
rrec = collections.Counter(l for l in rl if '"type":"summary"' not in l)
frec = collections.Counter(l for l in fl if '"type":"summary"' not in l)
if frec - rrec:
    why += " %d lines are no record of the roomy run;" % sum((frec - rrec).values())
missing = sum(rrec.values()) - sum(frec.values())
nw = {}
if s is None:
    why += " no summary;"
else:
    nw = s.get("not_written") or {}
    if nw.get("log") != missing:
        why += " not_written.log %r, %d missing;" % (nw.get("log"), missing)
if missing == 0:
    why += " nothing missing: the disk was never full;"
say("fulldisk-resume-log", why.strip())

# The Zeek log: the header, rows of as many fields as its #fields line
# names, each a roomy row.
def zeek(path):
    head, rows = [], []
    for l in open(path, encoding="utf-8", errors="replace").read().split("\n")[:-1]:
        (head if l.startswith("#") else rows).append(l)
    return head, rows
rh, rr = zeek(roomy + "/z/smtp.log")
why = ""
try:
    fh, fr = zeek(full + "/z/smtp.log")
    strip = lambda h: [x for x in h if not x.startswith(("#open", "#close"))]
    if strip(fh) != strip(rh) or not any(x.startswith("#close") for x in fh):
        why += " the header or #close is not Zeek's;"
    nf = next((len(x.split("\t")) - 1 for x in rh if x.startswith("#fields")), 0)
    cut = [r for r in fr if r.count("\t") != nf - 1]
    if cut or nf < 20:
        why += " %d rows without their %d fields;" % (len(cut), nf)
    extra = collections.Counter(fr) - collections.Counter(rr)
    if extra:
        why += " %d rows are no row of the roomy run;" % sum(extra.values())
    missing = len(rr) - len(fr)
    if nw.get("zeek_log") != missing:
        why += " not_written.zeek_log %r, %d missing;" % (nw.get("zeek_log"), missing)
    if missing == 0:
        why += " nothing missing;"
except OSError as e:
    why += " %s;" % e
say("fulldisk-resume-zeek", why.strip())

# The transcript: each session's dialogue whole.
rt = open(roomy + "/transcript").read()
ft = open(full + "/transcript", encoding="utf-8", errors="replace").read()
blocks = lambda t: collections.Counter(b for b in t.split("\n\n") if b)
why = ""
if ft and not ft.endswith("\n\n"):
    why += " does not end with a whole dialogue;"
extra = blocks(ft) - blocks(rt)
if extra:
    why += " %d dialogues are cut or no dialogue of the roomy run;" % sum(extra.values())
missing = sum(blocks(rt).values()) - sum(blocks(ft).values())
if nw.get("transcript") != missing:
    why += " not_written.transcript %r, %d missing;" % (nw.get("transcript"), missing)
if missing == 0:
    why += " nothing missing;"
say("fulldisk-resume-transcript", why.strip())

# stderr: for each output one sentence when it fails, one when it writes
# again with the count in the summary; nothing else.
why = ""
expect = 0
for who, key in (("the log ", "log"), ("the Zeek log ", "zeek_log"),
                 (r"the transcript \(standard output\)", "transcript")):
    nospace, again = sentences(who)
    expect += len(nospace) + len(again)
    if len(nospace) != 1 or len(again) != 1:
        why += " %s: %d 'No space' and %d 'writing again' sentences;" % (key, len(nospace), len(again))
    elif "; %s record" % nw.get(key) not in again[0]:
        why += " %s: %r does not say %r;" % (key, again[0], nw.get(key))
if expect != len(stderr):
    why += " other lines: %r;" % [l for l in stderr if "No space" not in l and "writing again" not in l][:3]
say("fulldisk-resume-stderr", why.strip())
PY

# fill_leaving KB: a filler takes all of the tmpfs but KB.
fill_leaving() {
	_avail=$(df -k --output=avail "$MNT" | tail -n 1 | tr -d ' ')
	dd if=/dev/zero of="$MNT/filler" bs=1k count=$((_avail - $1)) \
	    2>/dev/null
}

# feed PART1 PART2 N: PART1, then once stderr ($TMP/err) holds N "No
# space" sentences (or after 20 s), the filler goes and a second and a
# half later comes PART2.
feed() {
	cat "$1"
	_i=0
	while [ "$(grep -c 'No space left on device' "$TMP/err")" -lt "$3" ] &&
	    [ $_i -lt 200 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	rm -f "$MNT/filler"
	sleep 1.5
	cat "$2"
}

mkdir -p "$MNT"
if ! mount -t tmpfs -o size=32m tmpfs "$MNT" 2>"$TMP/mount.err"; then
	why="cannot mount a tmpfs: $(head -c 200 "$TMP/mount.err")"
	for t in fulldisk-resume-log fulldisk-resume-zeek \
	    fulldisk-resume-transcript fulldisk-resume-stderr \
	    fulldisk-report-kept fulldisk-report-stdout \
	    fulldisk-plugins-eml fulldisk-plugins-attachments \
	    fulldisk-plugins-stderr; do
		skip "$t" "$why"
	done
else
	mounted=1
fi

# ---- 1. space returns mid-run ---------------------------------------------
if [ $mounted = 1 ]; then
	mkfifo "$TMP/fifo"
	fill_leaving 1536
	: >"$TMP/err"
	feed "$TMP/big.1" "$TMP/big.2" 3 >"$TMP/fifo" &
	fpid=$!
	bg_pids="$bg_pids $fpid"
	"$SMTPSCOPE" -q -r - -w "$MNT/log.jsonl" --zeek-log "$MNT/z" \
	    --transcript <"$TMP/fifo" >"$MNT/transcript" 2>"$TMP/err"
	rc=$?
	wait "$fpid"
	if grep -q -E "$SANITIZER" "$TMP/err"; then
		for t in fulldisk-resume-log fulldisk-resume-zeek \
		    fulldisk-resume-transcript fulldisk-resume-stderr; do
			fail "$t" "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$TMP/err")"
		done
	else
		python3 "$TMP/check.py" "$TMP/roomy" "$MNT" "$TMP/err" >"$TMP/checks"
		while read -r name why; do
			if [ "$why" != ok ]; then
				fail "$name" "$why"
			elif [ "$name" = fulldisk-resume-stderr ] && [ "$rc" != 4 ]; then
				fail "$name" "exit $rc, want 4 (records were lost)"
			else
				ok "$name"
			fi
		done <"$TMP/checks"
	fi
	rm -rf "${MNT:?}"/*
fi

# ---- 2. always full: /dev/full ---------------------------------------------
roomy_lines=$(wc -l <"$TMP/roomy/log.jsonl")
roomy_sessions=$(grep -c '^== session' "$TMP/roomy/transcript")
# not_written KEY: from the JSON report $TMP/r.json.
not_written() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["not_written"][sys.argv[2]])' \
	    "$TMP/r.json" "$1" 2>/dev/null
}
# one_failure WHO N: stderr has one "No space" sentence and one at the
# end saying N records were not written, nothing else.
one_failure() {
	[ "$(grep -c "^smtpscope: $1.*: No space left on device; the run goes on" "$TMP/err")" = 1 ] &&
		[ "$(grep -c "^smtpscope: $1.*: No space left on device, still at the end; $2 records were not written" "$TMP/err")" = 1 ] &&
		[ "$(wc -l <"$TMP/err")" = 2 ]
}
rm -f "$TMP/r.json"
run_scope fulldisk-always-log -q -r "$BIG" -w /dev/full --report json \
    -o "$TMP/r.json" &&
	if [ "$rc" = 4 ] && [ "$(not_written log)" = "$roomy_lines" ] &&
		one_failure "the log /dev/full" "$roomy_lines"; then
		ok fulldisk-always-log
	else
		fail fulldisk-always-log "exit $rc, not_written.log $(not_written log) of $roomy_lines: $(head -c 400 "$TMP/err")"
	fi
rm -f "$TMP/r.json"
"$SMTPSCOPE" -q -r "$BIG" --transcript --report json -o "$TMP/r.json" \
    >/dev/full 2>"$TMP/err"
rc=$?
if grep -q -E "$SANITIZER" "$TMP/err"; then
	fail fulldisk-always-transcript "sanitizer report"
elif [ "$rc" = 4 ] && [ "$(not_written transcript)" = "$roomy_sessions" ] &&
	one_failure 'the transcript (standard output)' "$roomy_sessions"; then
	ok fulldisk-always-transcript
else
	fail fulldisk-always-transcript "exit $rc, not_written.transcript $(not_written transcript) of $roomy_sessions: $(head -c 400 "$TMP/err")"
fi

# A file size limit: 100 blocks of 512 bytes.
(
	ulimit -f 100 && exec "$SMTPSCOPE" -q -r "$BIG" -w "$TMP/limit.jsonl"
) 2>"$TMP/err"
rc=$?
if grep -q -E "$SANITIZER" "$TMP/err"; then
	fail fulldisk-ulimit "sanitizer report"
elif [ "$rc" = 4 ] && [ "$(wc -c <"$TMP/limit.jsonl")" -le 51200 ] &&
	python3 -c '
import json, sys
t = open(sys.argv[1]).read()
assert t.endswith("\n") and all(json.loads(l) for l in t.splitlines())
' "$TMP/limit.jsonl" 2>/dev/null &&
	grep -q ': File too large; the run goes on' "$TMP/err"; then
	ok fulldisk-ulimit
else
	fail fulldisk-ulimit "exit $rc, $(wc -c <"$TMP/limit.jsonl") bytes: $(head -c 300 "$TMP/err")"
fi

# ---- 3. reports ------------------------------------------------------------
if [ $mounted = 1 ]; then
	# An older report stays as it was; no temporary file is left.
	"$SMTPSCOPE" -q -r captures/drops.pcap --report text -o "$MNT/r.txt" \
	    2>/dev/null
	cp "$MNT/r.txt" "$TMP/r.before"
	fill_leaving 0
	run_scope fulldisk-report-kept -q -r "$BIG" --report html \
	    -o "$MNT/r.txt" &&
		if [ "$rc" = 4 ] && cmp -s "$MNT/r.txt" "$TMP/r.before" &&
			[ -z "$(find "$MNT" -mindepth 1 ! -name r.txt ! -name filler)" ] &&
			[ "$(wc -l <"$TMP/err")" = 1 ] &&
			grep -q "^smtpscope: writing the report $MNT/r.txt failed: No space left on device; nothing of it was kept, and a report there before is as it was" "$TMP/err"; then
			ok fulldisk-report-kept
		else
			fail fulldisk-report-kept "exit $rc; folder: $(ls -A "$MNT" | tr '\n' ' '); stderr: $(head -c 300 "$TMP/err")"
		fi
	# On standard output, a regular file: cut back to where it began.
	rm -f "$MNT/filler" "$MNT/r.txt"
	echo "before the report" >"$MNT/out"
	fill_leaving 0
	"$SMTPSCOPE" -q -r "$BIG" --report html >>"$MNT/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" = 4 ] && [ "$(cat "$MNT/out")" = "before the report" ] &&
		[ "$(wc -l <"$TMP/err")" = 1 ] &&
		grep -q '^smtpscope: writing the report (standard output) failed: No space left on device; nothing of it was kept' "$TMP/err"; then
		ok fulldisk-report-stdout
	else
		fail fulldisk-report-stdout "exit $rc; $(wc -c <"$MNT/out") bytes in the file; stderr: $(head -c 300 "$TMP/err")"
	fi
	rm -rf "${MNT:?}"/*
fi

# ---- 4. the plugins --------------------------------------------------------
if [ $mounted = 1 ] && [ ! -f build/plugins/eml.so ] &&
	[ ! -f "$(dirname "$SMTPSCOPE")/build/plugins/eml.so" ]; then
	for t in fulldisk-plugins-eml fulldisk-plugins-attachments \
	    fulldisk-plugins-stderr; do
		skip "$t" "plugins not built (make plugins)"
	done
elif [ $mounted = 1 ]; then
	mkdir -p "$MNT/eml"
	fill_leaving 256
	: >"$TMP/err"
	feed "$TMP/small.1" "$TMP/small.2" 2 >"$TMP/fifo" &
	fpid=$!
	bg_pids="$bg_pids $fpid"
	"$SMTPSCOPE" -q -r - --plugin "eml:dir=$MNT/eml,keep=all" \
	    --plugin "attachments:log=$MNT/att.jsonl" --report json \
	    -o "$TMP/r.json" <"$TMP/fifo" 2>"$TMP/err"
	rc=$?
	wait "$fpid"
	python3 - "$TMP/roomy" "$MNT" "$TMP/r.json" "$TMP/err" >"$TMP/checks" <<'PY'
import collections, json, os, sys
roomy, full, report, err = sys.argv[1:5]
try:
    c = json.load(open(report))["plugins"]
except (OSError, ValueError, KeyError) as e:
    c = {"eml": {}, "attachments": {}}
why = ""
names = os.listdir(full + "/eml")
rnames = set(os.listdir(roomy + "/eml"))
left = [n for n in names if n.startswith(".tmp-eml")]
if left:
    why += " %d spool files left;" % len(left)
diff = [n for n in names if n not in rnames or
        open(full + "/eml/" + n, "rb").read() != open(roomy + "/eml/" + n, "rb").read()]
if diff:
    why += " %d files are not the roomy run's (cut?): %s;" % (len(diff), diff[:2])
e = c.get("eml", {})
if e.get("written") != len(names) - len(left):
    why += " written %r, %d files;" % (e.get("written"), len(names))
if (e.get("written") or 0) + (e.get("errors") or 0) != len(rnames):
    why += " written %r + errors %r, roomy %d;" % (e.get("written"), e.get("errors"), len(rnames))
if not e.get("errors"):
    why += " no error: the disk was never full;"
print("fulldisk-plugins-eml", why.strip() or "ok")

why = ""
rl = open(roomy + "/att.jsonl").read().splitlines()
fl = open(full + "/att.jsonl", encoding="utf-8", errors="replace").read()
if fl and not fl.endswith("\n"):
    why += " does not end with a newline;"
fl = fl.splitlines()
for l in fl:
    try:
        json.loads(l)
    except ValueError:
        why += " a line is not JSON: %r;" % l[:80]
        break
extra = collections.Counter(fl) - collections.Counter(rl)
if extra:
    why += " %d lines are no record of the roomy run;" % sum(extra.values())
a = c.get("attachments", {})
if a.get("not_written") != len(rl) - len(fl):
    why += " not_written %r, %d missing;" % (a.get("not_written"), len(rl) - len(fl))
if len(rl) == len(fl):
    why += " nothing missing;"
print("fulldisk-plugins-attachments", why.strip() or "ok")

why = ""
lines = open(err, encoding="utf-8", errors="replace").read().splitlines()
for who, again in (("eml", "writing in %s/eml again; " % full),
                   ("attachments", "the log %s/att.jsonl: writing again; " % full)):
    n1 = sum(1 for l in lines if l.startswith("smtpscope: plugin %s: " % who) and "No space left on device" in l)
    n2 = sum(1 for l in lines if l.startswith("smtpscope: plugin %s: " % who) and again in l)
    if n1 != 1 or n2 != 1:
        why += " %s: %d 'No space' and %d 'again' sentences;" % (who, n1, n2)
if len(lines) != 4:
    why += " %d lines on stderr: %r;" % (len(lines), lines[:6])
print("fulldisk-plugins-stderr", why.strip() or "ok")
PY
	if grep -q -E "$SANITIZER" "$TMP/err"; then
		fail fulldisk-plugins "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$TMP/err")"
	fi
	while read -r name why; do
		if [ "$why" = ok ]; then
			ok "$name"
		else
			fail "$name" "$why (exit $rc)"
		fi
	done <"$TMP/checks"
	rm -rf "${MNT:?}"/*
fi

# ---- 5. the dashboard ------------------------------------------------------
SOCK=
if ! command -v tmux >/dev/null 2>&1; then
	skip fulldisk-tui "no tmux"
	exit 0
fi
SOCK=$TMP/tmux.sock
tm() { timeout 10 tmux -S "$SOCK" -f /dev/null "$@"; }
{
	echo "'$SMTPSCOPE' -r '$BIG' --tui --speed max -w /dev/full 2>'$TMP/tui.err'"
	echo "echo \$? >'$TMP/tui.rc'"
	echo "exec sleep 600"
} >"$TMP/tui.sh"
tm new-session -d -s tui -x 100 -y 24 "sh '$TMP/tui.sh'"
tmux_replay_over tui "$TMP/screen" 300 || :
tm send-keys -t tui q
i=0
while [ ! -s "$TMP/tui.rc" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if grep -q 'replay over' "$TMP/screen" &&
	grep -q -E ' log: No space left on device, [0-9]+ not written ' "$TMP/screen" &&
	[ "$(cat "$TMP/tui.rc" 2>/dev/null)" = 4 ] &&
	grep -q '^smtpscope: the log /dev/full: No space left on device; ' "$TMP/tui.err"; then
	ok fulldisk-tui
else
	fail fulldisk-tui "exit $(cat "$TMP/tui.rc" 2>/dev/null); header: $(sed -n 1,2p "$TMP/screen" | tr '\n' '|'); stderr: $(head -c 200 "$TMP/tui.err")"
fi
