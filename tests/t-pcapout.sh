#!/bin/sh
# --pcap-out (issue 15): the frames of the sessions followed.
# - every bundled capture of one link type: the file written, read back
#   by smtpscope, gives the same records (sessions, transactions,
#   commands, anomalies; the summary and the connection attempts aside:
#   their frames are not written), and tcpdump reads it;
# - a capture mixed with other traffic (HTTP, DNS, ARP, a SYN to port 25
#   never answered, port 25 data without a handshake: tests/tools/
#   pcapmix.py): the file holds exactly the original capture's frames,
#   byte for byte, in order; none of the others;
# - --pcap-sessions 2,4: only those two sessions, whole;
# - --pcap-out - on a pipe: the same as to a file;
# - /dev/full: one sentence, exit status 4, the logs still written;
# - mistakes refused: --pcap-sessions without --pcap-out, a bad list,
#   --pcap-out - with -w -.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

# (and the attempts: SYNs that made no session are not written)
records() {
	grep -v -E '"type":"(summary|attempt)"' "$1"
}

for cap in captures/*.pcap captures/input/*.pcap; do
	name=$(basename "$cap")
	t="pcapout-readback-$name"
	# what the capture needs (ports: --ports any), both times
	args=$(cat "${cap%.pcap}.args" 2>/dev/null)
	# shellcheck disable=SC2086
	run_scope "$t" -q $args -r "$cap" -w "$TMP/a.jsonl" \
	    --pcap-out "$TMP/o.pcap" || continue
	if [ "$rc" != 0 ]; then
		fail "$t" "exit $rc: $(head -c 200 "$TMP/err")"
		continue
	fi
	# shellcheck disable=SC2086
	run_scope "$t" -q $args -r "$TMP/o.pcap" -w "$TMP/b.jsonl" || continue
	records "$TMP/a.jsonl" >"$TMP/a"
	records "$TMP/b.jsonl" >"$TMP/b"
	if [ "$rc" != 0 ]; then
		fail "$t" "reading it back: exit $rc: $(head -c 200 "$TMP/err")"
	elif ! [ -s "$TMP/a" ] || ! cmp -s "$TMP/a" "$TMP/b"; then
		fail "$t" "$(diff "$TMP/a" "$TMP/b" | head -c 600)"
	else
		ok "$t"
	fi
done

if command -v tcpdump >/dev/null 2>&1; then
	"$SMTPSCOPE" -q -r captures/sink-v6.pcap -w /dev/null \
	    --pcap-out "$TMP/o.pcap" 2>/dev/null
	n=$(tcpdump -nr "$TMP/o.pcap" 2>"$TMP/tcpdump.err" | wc -l)
	if [ "$n" = "$(tcpdump -nr captures/sink-v6.pcap 2>/dev/null | wc -l)" ] &&
	    ! grep -qi 'error\|truncated' "$TMP/tcpdump.err"; then
		ok pcapout-tcpdump
	else
		fail pcapout-tcpdump "$n frames: $(head -c 300 "$TMP/tcpdump.err")"
	fi
else
	skip pcapout-tcpdump "no tcpdump"
fi

if command -v python3 >/dev/null 2>&1; then
	python3 tests/tools/pcapmix.py mix captures/exim.pcap "$TMP/mix.pcap"
	# --no-midstream: the port-25 data without a handshake stays
	# unfollowed (picked up, it would be a session of its own).
	run_scope pcapout-mixed -q --no-midstream -r "$TMP/mix.pcap" \
	    -w "$TMP/m.jsonl" --pcap-out "$TMP/o.pcap" &&
		if [ "$rc" != 0 ]; then
			fail pcapout-mixed "exit $rc: $(head -c 200 "$TMP/err")"
		elif python3 tests/tools/pcapmix.py same captures/exim.pcap \
		    "$TMP/o.pcap" >"$TMP/cmp" 2>&1; then
			ok pcapout-mixed
		else
			fail pcapout-mixed "$(cat "$TMP/cmp")"
		fi
	# The mixed capture had what the test wanted: a connection on
	# port 25 that was not followed.
	if [ "$(summary_get no_handshake "$TMP/m.jsonl")" = 1 ]; then
		ok pcapout-mixed-had-others
	else
		fail pcapout-mixed-had-others "no_handshake $(summary_get no_handshake "$TMP/m.jsonl")"
	fi
else
	skip pcapout-mixed "no python3"
fi

# Sessions 2 and 4 only: read back, they are the two sessions, and
# their transactions are the originals' (session_id and uid aside).
run_scope pcapout-sessions -q -r captures/exim.pcap -w "$TMP/a.jsonl" \
    --pcap-out "$TMP/o.pcap" --pcap-sessions 4,2 &&
	"$SMTPSCOPE" -q -r "$TMP/o.pcap" -w "$TMP/b.jsonl" 2>/dev/null
strip='s/"session_id":[0-9]*,"uid":"[^"]*",//'
grep -E '"session_id":(2|4),' "$TMP/a.jsonl" | sed "$strip" >"$TMP/a"
records "$TMP/b.jsonl" | sed "$strip" >"$TMP/b"
if [ "$rc" = 0 ] && [ "$(summary_get sessions "$TMP/b.jsonl")" = 2 ] &&
    [ -s "$TMP/a" ] && cmp -s "$TMP/a" "$TMP/b"; then
	ok pcapout-sessions
else
	fail pcapout-sessions "exit $rc: $(diff "$TMP/a" "$TMP/b" | head -c 600)"
fi

# Standard output, on a pipe.
"$SMTPSCOPE" -q -r captures/exim.pcap --pcap-out - 2>"$TMP/err" |
	"$SMTPSCOPE" -q -r - -w "$TMP/b.jsonl" 2>>"$TMP/err"
"$SMTPSCOPE" -q -r captures/exim.pcap -w "$TMP/a.jsonl" 2>>"$TMP/err"
records "$TMP/a.jsonl" >"$TMP/a"
records "$TMP/b.jsonl" >"$TMP/b"
if [ -s "$TMP/a" ] && cmp -s "$TMP/a" "$TMP/b"; then
	ok pcapout-stdout
else
	fail pcapout-stdout "$(head -c 300 "$TMP/err")"
fi

# A pcapng file whose interfaces differ: the frames of the first frame's
# link type, the others counted in one sentence.
run_scope pcapout-linktypes -q -r captures/input/mixed-linktypes.pcapng \
    -w /dev/null --pcap-out "$TMP/o.pcap" &&
	if [ "$rc" = 0 ] && grep -q 'link type is not the file' "$TMP/err" &&
	    "$SMTPSCOPE" -q -r "$TMP/o.pcap" -w /dev/null 2>/dev/null; then
		ok pcapout-linktypes
	else
		fail pcapout-linktypes "exit $rc: $(head -c 300 "$TMP/err")"
	fi

# A full disk: said once, exit 4, the log whole.
if [ -w /dev/full ]; then
	run_scope pcapout-full -r captures/exim.pcap -w "$TMP/a.jsonl" \
	    --pcap-out /dev/full || true
	if [ "$rc" = 4 ] && grep -q 'packet capture.*No space left' "$TMP/err" &&
	    [ "$(summary_get sessions "$TMP/a.jsonl")" = 7 ]; then
		ok pcapout-full
	else
		fail pcapout-full "exit $rc: $(head -c 300 "$TMP/err")"
	fi
else
	skip pcapout-full "no /dev/full"
fi

# Mistakes.
for args in "--pcap-sessions 1" "--pcap-out $TMP/x --pcap-sessions 0" \
    "--pcap-out $TMP/x --pcap-sessions 3-1" \
    "--pcap-out $TMP/x --pcap-sessions 1,,2" "--pcap-out - -w -"; do
	# shellcheck disable=SC2086
	run_scope pcapout-refused -r captures/exim.pcap $args || continue
	if [ "$rc" = 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ]; then
		ok "pcapout-refused $args"
	else
		fail "pcapout-refused $args" "exit $rc: $(head -c 200 "$TMP/err")"
	fi
done
