#!/bin/sh
# Bad input and user mistakes: each gets its exit status (2 usage, 3 no
# capture, 1 damaged, 4 no log) and one sentence on stderr that starts with
# "smtpscope: " and names the problem; a damaged capture still gets a log
# that covers the packets before the damage.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

# check_error NAME STATUS PHRASE: after run_scope (or run_nobody), the exit
# status is STATUS and stderr is exactly one line, "smtpscope: ...", that
# contains PHRASE (an extended regular expression, case-insensitive).
check_error() {
	_lines=$(wc -l <"$TMP/err")
	_first=$(head -n 1 "$TMP/err")
	if [ "$rc" != "$2" ]; then
		fail "$1" "exit $rc, want $2; stderr: $(head -c 300 "$TMP/err")"
	elif [ "$_lines" != 1 ]; then
		fail "$1" "stderr has $_lines lines, want 1: $(head -c 300 "$TMP/err")"
	else
		case $_first in
		"smtpscope: "*)
			if grep -q -i -E -e "$3" "$TMP/err"; then
				ok "$1"
			else
				fail "$1" "message does not say /$3/: $_first"
			fi
			;;
		*) fail "$1" "message does not start with \"smtpscope: \": $_first" ;;
		esac
	fi
}

# at_most_one_tagged NAME: no more than one "smtpscope:" line on stderr.
at_most_one_tagged() {
	_n=$(grep -c 'smtpscope:' "$TMP/err")
	[ "$_n" -le 1 ] && return 0
	fail "$1" "$_n \"smtpscope:\" lines on stderr: $(head -c 300 "$TMP/err")"
	return 1
}

# A capture to cut: one of the repository's, else the shared one. Classic
# pcap only (the cut walks its record headers).
cap=
for c in captures/sink-v4.pcap captures/*.pcap "$SHARED/captures/zeek/smtp.pcap"; do
	[ -f "$c" ] || continue
	case $(od -An -tx1 -N4 "$c" | tr -d ' \n') in
	d4c3b2a1 | a1b2c3d4 | 4d3cb2a1 | a1b23c4d) cap=$c && break ;;
	esac
done

# ---- files that cannot be read ----------------------------------------

run_scope missing-file -r "$TMP/no-such-file.pcap" &&
	check_error missing-file 3 'no such file|does not exist|not found'

: >"$TMP/empty.pcap"
run_scope empty-file -r "$TMP/empty.pcap" && check_error empty-file 3 'empty'

printf 'HELO example.test\r\nMAIL FROM:<a@example.test>\r\nThis is text, not packets.\r\n' \
	>"$TMP/text.pcap"
run_scope not-a-capture -r "$TMP/text.pcap" &&
	check_error not-a-capture 3 'not a capture'

# A pcap with link type 147 (LINKTYPE_USER0) and one 20-byte packet,
# little-endian, written byte by byte.
{
	printf '\324\303\262\241\002\000\004\000' # magic, version 2.4
	printf '\000\000\000\000\000\000\000\000' # thiszone, sigfigs
	printf '\377\377\000\000\223\000\000\000' # snaplen 65535, linktype 147
	printf '\001\000\000\000\000\000\000\000' # ts 1.000000
	printf '\024\000\000\000\024\000\000\000' # caplen 20, len 20
	printf 'EHLO x.example.test\n'
} >"$TMP/user0.pcap"
run_scope linktype -r "$TMP/user0.pcap" &&
	check_error linktype 3 'not supported'

# ---- a capture cut in the middle of a packet ---------------------------

# cut_points FILE: prints "DATA HEADER", two byte counts at which to cut
# FILE: in the middle of the data of a packet about three quarters of the
# way through, and in the middle of that packet's record header.
cut_points() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
e = "<" if d[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
recs, off = [], 24
while off + 16 <= len(d):
    caplen = struct.unpack(e + "I", d[off + 8:off + 12])[0]
    recs.append((off, caplen))
    off += 16 + caplen
for off, caplen in recs[len(recs) * 3 // 4:]:
    if len(recs) >= 4 and caplen >= 2 and off + 16 + caplen <= len(d):
        print(off + 16 + caplen // 2, off + 8)
        break
' "$1"
		return
	fi
	# Without python3: od, one record header at a time (small files only).
	_size=$(wc -c <"$1")
	[ "$_size" -le 2000000 ] || return 1
	case $(od -An -tx1 -N4 "$1" | tr -d ' \n') in
	d4c3b2a1 | 4d3cb2a1) _endian=little ;;
	*) _endian=big ;;
	esac
	_off=24
	: >"$TMP/offsets"
	while [ $((_off + 16)) -le "$_size" ]; do
		_caplen=$(od -An -tu1 -j $((_off + 8)) -N4 "$1" | awk -v e="$_endian" '{
			if (e == "little") print $1 + 256 * ($2 + 256 * ($3 + 256 * $4))
			else print $4 + 256 * ($3 + 256 * ($2 + 256 * $1)) }')
		[ -n "$_caplen" ] || break
		echo "$_off $_caplen" >>"$TMP/offsets"
		_off=$((_off + 16 + _caplen))
	done
	_n=$(wc -l <"$TMP/offsets")
	[ "$_n" -ge 4 ] || return 1
	awk -v k=$((_n * 3 / 4 + 1)) -v size="$_size" '
		NR >= k && $2 >= 2 && $1 + 16 + $2 <= size {
			print $1 + 16 + int($2 / 2), $1 + 8; exit }' "$TMP/offsets"
}

if [ -z "$cap" ]; then
	skip truncated "no capture to cut (no captures/*.pcap, no ../shared)"
else
	pts=$(cut_points "$cap")
	if [ -z "$pts" ]; then
		fail truncated "cannot walk the records of $cap"
	else
		cut_data=${pts% *}
		cut_hdr=${pts#* }
		run_scope truncated-baseline -q -r "$cap" -w "$TMP/full.jsonl" &&
			if [ "$rc" = 0 ] && [ ! -s "$TMP/err" ]; then
				ok truncated-baseline
			else
				fail truncated-baseline "the whole of $cap: exit $rc, want 0; stderr: $(head -c 300 "$TMP/err")"
			fi
		full_s=$(summary_get sessions "$TMP/full.jsonl")
		full_t=$(summary_get transactions "$TMP/full.jsonl")
		for where in data header; do
			if [ "$where" = data ]; then n=$cut_data; else n=$cut_hdr; fi
			name=truncated-in-$where
			head -c "$n" "$cap" >"$TMP/cut.pcap"
			rm -f "$TMP/cut.jsonl"
			run_scope "$name" -q -r "$TMP/cut.pcap" -w "$TMP/cut.jsonl" || continue
			check_error "$name" 1 'damaged'
			# What was read before the cut is in the log.
			name=$name-log
			s=$(summary_get sessions "$TMP/cut.jsonl")
			t=$(summary_get transactions "$TMP/cut.jsonl")
			d=$(grep '"type":"summary"' "$TMP/cut.jsonl" 2>/dev/null | grep -c '"input_damaged":true')
			last=$(tail -n 1 "$TMP/cut.jsonl" 2>/dev/null)
			case $last in
			'{"type":"summary"'*)
				if [ -z "$s" ] || [ -z "$t" ] || [ -z "$full_s" ] || [ -z "$full_t" ]; then
					fail "$name" "no sessions/transactions in the summaries (cut: $s/$t, whole: $full_s/$full_t)"
				elif [ "$s" -gt "$full_s" ] || [ "$t" -gt "$full_t" ]; then
					fail "$name" "cut at byte $n of $cap: $s sessions, $t transactions; more than the whole file's $full_s, $full_t"
				elif [ "$full_s" -gt 0 ] && [ "$s" = 0 ]; then
					fail "$name" "cut at byte $n of $cap (late): no sessions; the whole file has $full_s"
				elif [ "$full_t" -gt 0 ] && [ "$t" = 0 ]; then
					fail "$name" "cut at byte $n of $cap (late): no transactions; the whole file has $full_t"
				elif [ "$d" != 1 ]; then
					fail "$name" "the summary does not say \"input_damaged\":true"
				else
					ok "$name"
				fi
				;;
			*) fail "$name" "cut at byte $n of $cap: the log does not end with a summary" ;;
			esac
		done
	fi
fi

# ---- a capture cut short by another program while it is read -----------
# A big classic pcap (copies of one, later in time) is read as it lies in
# the page cache (mapped); smtpscope writes its log into a FIFO nobody
# reads yet, so it stops early in the file, waiting; the file is then cut
# to 100 kB under it. The pages it had mapped are gone: the reading must
# stop there with the one sentence and exit 1, the log ending with a
# summary that says input_damaged, never a crash (SIGBUS).
shrink_src=captures/sink-v4.pcap
if ! command -v python3 >/dev/null 2>&1 || [ ! -f "$shrink_src" ]; then
	skip shrunk-while-read "no python3 or no $shrink_src"
else
	python3 - "$shrink_src" "$TMP/grow.pcap" 200 <<'PY'
import struct, sys
src, dst, copies = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = open(src, 'rb').read()
recs, i = [], 24
while i + 16 <= len(d):
    ts, us, cap, wire = struct.unpack('<IIII', d[i:i + 16])
    recs.append((ts, us, cap, wire, d[i + 16:i + 16 + cap]))
    i += 16 + cap
span = recs[-1][0] - recs[0][0] + 2
with open(dst, 'wb') as o:
    o.write(d[:24])
    for k in range(copies):
        for ts, us, cap, wire, pkt in recs:
            o.write(struct.pack('<IIII', ts + k * span, us, cap, wire) + pkt)
PY
	rm -f "$TMP/shrink.fifo" "$TMP/shrink.jsonl"
	mkfifo "$TMP/shrink.fifo"
	"$SMTPSCOPE" -q -r "$TMP/grow.pcap" -w "$TMP/shrink.fifo" 2>"$TMP/err" &
	spid=$!
	exec 3<"$TMP/shrink.fifo"
	# Until it waits on the full FIFO (or has ended).
	i=0
	while [ $i -lt 100 ] && kill -0 "$spid" 2>/dev/null &&
	    [ "$(cat /proc/$spid/wchan 2>/dev/null)" != pipe_write ] &&
	    [ "$(cat /proc/$spid/wchan 2>/dev/null)" != anon_pipe_write ]; do
		sleep 0.1
		i=$((i + 1))
	done
	truncate -s 100000 "$TMP/grow.pcap"
	cat <&3 >"$TMP/shrink.jsonl"
	exec 3<&-
	wait "$spid"
	rc=$?
	if grep -q -E 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$TMP/err"; then
		fail shrunk-while-read "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$TMP/err")"
	else
		check_error shrunk-while-read 1 'cut short while it was read'
		case $(tail -n 1 "$TMP/shrink.jsonl") in
		'{"type":"summary"'*'"input_damaged":true'*) ok shrunk-while-read-log ;;
		*) fail shrunk-while-read-log "the log does not end with a summary saying input_damaged: $(tail -c 200 "$TMP/shrink.jsonl")" ;;
		esac
	fi
fi

# ---- live captures that cannot be opened, files that cannot be read ----

if [ "$(id -u)" != 0 ]; then
	skip no-interface "not root (a user gets \"permission\" first)"
else
	run_scope no-interface -i nosuchif0 && check_error no-interface 3 'no interface'
fi

# run_nobody NAME ARGS...: run_scope as the user nobody.
run_nobody() {
	_name=$1
	shift
	setpriv --reuid="$nobody_uid" --regid="$nobody_gid" --clear-groups \
		"$SMTPSCOPE" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if grep -q -E 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$TMP/err"; then
		fail "$_name" "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$TMP/err")"
		return 1
	fi
	return 0
}

nobody_uid=$(id -u nobody 2>/dev/null)
nobody_gid=$(id -g nobody 2>/dev/null)
why=
if [ "$(id -u)" != 0 ]; then
	why="not root"
elif ! command -v setpriv >/dev/null 2>&1; then
	why="no setpriv"
elif [ -z "$nobody_uid" ]; then
	why="no user nobody"
elif ! setpriv --reuid="$nobody_uid" --regid="$nobody_gid" --clear-groups \
	test -x "$SMTPSCOPE"; then
	why="nobody cannot run $SMTPSCOPE"
fi
if [ -n "$why" ]; then
	skip no-permission-live "$why"
	skip no-permission-file "$why"
else
	run_nobody no-permission-live -i lo &&
		check_error no-permission-live 3 'permission'
	# nobody may enter $TMP but not read the file in it
	chmod 711 "$TMP"
	cp "${cap:-$TMP/user0.pcap}" "$TMP/secret.pcap"
	chmod 600 "$TMP/secret.pcap"
	run_nobody no-permission-file -r "$TMP/secret.pcap" &&
		check_error no-permission-file 3 'permission'
fi

# ---- usage errors ------------------------------------------------------

any=${cap:-$TMP/user0.pcap}

run_scope no-input &&
	if [ "$rc" != 2 ]; then
		fail no-input "exit $rc, want 2"
	elif ! grep -q -i 'usage' "$TMP/err"; then
		fail no-input "no usage on stderr: $(head -c 200 "$TMP/err")"
	elif at_most_one_tagged no-input; then
		ok no-input
	fi

run_scope ports-zero -r "$any" --ports 0 && check_error ports-zero 2 'ports'
run_scope ports-abc -r "$any" --ports abc && check_error ports-abc 2 'ports'
run_scope bad-filter -r "$any" -f 'tcp port ((( and' &&
	check_error bad-filter 2 'filter'
run_scope log-unwritable -r "$any" -w /nonexistent/dir/x.json &&
	check_error log-unwritable 4 '/nonexistent/dir/x.json'

# More mistakes: one sentence each, never two "smtpscope:" lines.
run_scope both-r-and-i -r "$any" -i lo && check_error both-r-and-i 2 '-r.*-i'
run_scope extra-argument -r "$any" stray && check_error extra-argument 2 'stray'
run_scope buffer-abc -i lo -B abc && check_error buffer-abc 2 'abc'
run_scope max-sessions-0 -r "$any" --max-sessions 0 &&
	check_error max-sessions-0 2 'max-sessions'
run_scope idle-timeout-x -r "$any" --idle-timeout x &&
	check_error idle-timeout-x 2 'idle-timeout'
# Memory budgets: sizes out of range or malformed, budgets that do not
# fit in the limit (issue 11).
run_scope memory-limit-small -r "$any" --memory-limit 10M &&
	check_error memory-limit-small 2 'memory-limit.*64M'
run_scope memory-limit-junk -r "$any" --memory-limit 1T &&
	check_error memory-limit-junk 2 'memory-limit.*1T'
run_scope ooo-bytes-junk -r "$any" --max-ooo-bytes 12q &&
	check_error ooo-bytes-junk 2 'max-ooo-bytes'
run_scope fragment-bytes-small -r "$any" --max-fragment-bytes 1K &&
	check_error fragment-bytes-small 2 'max-fragment-bytes'
run_scope standins-0 -r "$any" --max-ipv6-standins 0 &&
	check_error standins-0 2 'max-ipv6-standins'
run_scope session-bytes-over -r "$any" --max-session-bytes 2G &&
	check_error session-bytes-over 2 'do not fit in --memory-limit 1024 MiB'
run_scope sessions-over -r "$any" --memory-limit 64M --max-sessions 100000 &&
	check_error sessions-over 2 'do not fit.*100000 sessions'
run_scope no-such-user -r "$any" -Z nosuchuser9 && check_error no-such-user 2 'nosuchuser9'

# getopt's own complaints: exit 2, at most one "smtpscope:" line, and the
# sentence starts with "smtpscope: " like every other error, whatever path
# the program was run by (usage may follow).
for args in --bogus-option -x -r; do
	name="bad-option$args"
	run_scope "$name" "$args" || continue
	first=$(head -n 1 "$TMP/err")
	if [ "$rc" != 2 ]; then
		fail "$name" "exit $rc, want 2"
	elif at_most_one_tagged "$name"; then
		case $first in
		"smtpscope: "*) ok "$name" ;;
		*) fail "$name" "the first line does not start with \"smtpscope: \": $first" ;;
		esac
	fi
done

# Clocks near the epoch (a capture from a device that never set its
# clock): the statistics' time rings used to index below their first
# slot (found by fuzz_smtp). The whole capture is moved to start at 0 s.
if [ -n "$cap" ] && command -v python3 >/dev/null; then
	python3 - "$cap" "$TMP/epoch.pcap" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
e = "<" if d[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
out, off, base = bytearray(d[:24]), 24, None
while off + 16 <= len(d):
    sec, frac, incl, orig = struct.unpack(e + "IIII", d[off:off + 16])
    if base is None:
        base = sec
    out += struct.pack(e + "IIII", sec - base, frac, incl, orig)
    out += d[off + 16:off + 16 + incl]
    off += 16 + incl
open(sys.argv[2], "wb").write(out)
PY
	if run_scope epoch-clock -r "$TMP/epoch.pcap" -w "$TMP/epoch.jsonl" \
	    --report json -o "$TMP/epoch-report.json"; then
		if [ "$rc" = 0 ] && grep -q '"type":"session"' "$TMP/epoch.jsonl" &&
		    grep -q '"ts":0\.' "$TMP/epoch.jsonl" && [ -s "$TMP/epoch-report.json" ]; then
			ok epoch-clock
		else
			fail epoch-clock "exit $rc; $(head -c 300 "$TMP/err")"
		fi
	fi
fi
