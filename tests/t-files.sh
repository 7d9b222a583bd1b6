#!/bin/sh
# Capture files as they come (issue 15): compressed with gzip, xz, zstd
# or bzip2 (read through the decompressor, found by the magic number, not
# the name), a compressed file cut short (damaged, exit 1, what came
# before analysed), a compressed file that is not a capture, a missing
# decompressor (one sentence naming the package); and several files
# given out of time order (a shell glob over tcpdump -C files: part1,
# part10, part2) read in the time order of their first packets, with
# the same records as the whole capture, said on stderr; -c, -D, -v.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

CAP=captures/sink-reject.pcap
run_scope files-plain -q -r "$CAP" -w "$TMP/plain.jsonl"

# The records without what differs from run to run: none (a replay is
# deterministic), so the logs must be equal byte for byte.
for z in gzip xz zstd bzip2; do
	if ! command -v "$z" >/dev/null 2>&1; then
		skip "files-$z" "$z not installed"
		continue
	fi
	"$z" -c <"$CAP" >"$TMP/c.pcap.$z"
	run_scope "files-$z" -q -r "$TMP/c.pcap.$z" -w "$TMP/$z.jsonl"
	if [ "$rc" = 0 ] && cmp -s "$TMP/plain.jsonl" "$TMP/$z.jsonl"; then
		ok "files-$z"
	else
		fail "files-$z" "exit $rc, log differs from the plain capture's: $(head -c 200 "$TMP/err")"
	fi
done

# A gzip file cut short: damaged (1), one sentence, the packets before
# analysed (some sessions).
if command -v gzip >/dev/null 2>&1; then
	gzip -c <"$CAP" | head -c 3000 >"$TMP/cut.pcap.gz"
	run_scope files-gzip-cut -q -r "$TMP/cut.pcap.gz" -w "$TMP/cut.jsonl"
	n=$(summary_get sessions "$TMP/cut.jsonl")
	if [ "$rc" = 1 ] && grep -q "cut.pcap.gz is damaged (gzip stopped" "$TMP/err" &&
		[ "${n:-0}" -gt 0 ] && [ "$(wc -l <"$TMP/err")" = 1 ]; then
		ok files-gzip-cut
	else
		fail files-gzip-cut "exit $rc, sessions $n: $(head -c 300 "$TMP/err")"
	fi
	echo "not a capture" | gzip >"$TMP/text.gz"
	run_scope files-gzip-text -q -r "$TMP/text.gz" -w /dev/null
	if [ "$rc" = 3 ] && grep -q "decompressed with gzip, is not a capture file" "$TMP/err"; then
		ok files-gzip-text
	else
		fail files-gzip-text "exit $rc: $(head -c 300 "$TMP/err")"
	fi
	# No decompressor on PATH: the package to install is named.
	mkdir -p "$TMP/nopath"
	PATH="$TMP/nopath" "$SMTPSCOPE" -q -r "$TMP/c.pcap.gzip" -w /dev/null \
	    >/dev/null 2>"$TMP/err"
	rc=$?
	if [ "$rc" = 3 ] && grep -q "compressed with gzip, which is not installed (apt-get install gzip)" "$TMP/err"; then
		ok files-no-gzip
	else
		fail files-no-gzip "exit $rc: $(head -c 300 "$TMP/err")"
	fi
else
	skip files-gzip-cut "gzip not installed"
fi

# Split at packets 60 and 130 into part1, part2, part10 (ls order:
# part1 part10 part2); given in that order they are read in time order.
if command -v python3 >/dev/null 2>&1; then
	python3 - "$CAP" "$TMP" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
head, off, pk = data[:24], 24, []
while off + 16 <= len(data):
    n = struct.unpack("<I", data[off + 8:off + 12])[0]
    pk.append(data[off:off + 16 + n]); off += 16 + n
for name, part in (("part1", pk[:60]), ("part2", pk[60:130]), ("part10", pk[130:])):
    open("%s/%s.pcap" % (sys.argv[2], name), "wb").write(head + b"".join(part))
PY
	run_scope files-order -q -r "$TMP/part1.pcap" -r "$TMP/part10.pcap" \
	    -r "$TMP/part2.pcap" -w "$TMP/order.jsonl"
	# The records equal the whole capture's but for the summary's
	# count of files (files are not in it) and bytes: compare without
	# the summary.
	grep -v '"type":"summary"' "$TMP/plain.jsonl" >"$TMP/p.rec"
	grep -v '"type":"summary"' "$TMP/order.jsonl" >"$TMP/o.rec"
	if [ "$rc" = 0 ] && cmp -s "$TMP/p.rec" "$TMP/o.rec" &&
		grep -q "the 3 files are read in the time order of their first packets, not in the order given (.*part2.pcap before .*part10.pcap)" "$TMP/err"; then
		ok files-order
	else
		fail files-order "exit $rc, $(diff "$TMP/p.rec" "$TMP/o.rec" | wc -l) lines differ: $(head -c 300 "$TMP/err")"
	fi
	# Two files that overlap in time: said at the end.
	run_scope files-overlap -q -r "$CAP" -r "$TMP/part2.pcap" -w /dev/null
	if grep -q "part2.pcap begins [0-9]* s before the end of" "$TMP/err"; then
		ok files-overlap
	else
		fail files-overlap "no overlap notice: $(head -c 300 "$TMP/err")"
	fi
else
	skip files-order "python3 not installed"
	skip files-overlap "python3 not installed"
fi

# tcpdump's habits: -c N stops after N packets on the mail ports (the
# summary's packets say N, from the first file only here), -D lists the
# interfaces (lo among them, exit 0), -v says each input, the filter and
# the counters at the end.
run_scope files-count -c 50 -r "$CAP" -r captures/drops.pcap -w "$TMP/c.jsonl"
if [ "$rc" = 0 ] && [ "$(summary_get packets "$TMP/c.jsonl")" = 50 ]; then
	ok files-count
else
	fail files-count "exit $rc, packets $(summary_get packets "$TMP/c.jsonl"): $(head -c 200 "$TMP/err")"
fi
run_scope files-count-bad -c 0 -r "$CAP"
if [ "$rc" = 2 ] && grep -q -- "-c wants a number of packets" "$TMP/err"; then
	ok files-count-bad
else
	fail files-count-bad "exit $rc: $(head -c 200 "$TMP/err")"
fi
"$SMTPSCOPE" -D >"$TMP/d.out" 2>"$TMP/d.err"
rc=$?
if [ "$rc" = 0 ] && grep -q -E '^[0-9]+\.lo \[Up.*Loopback\]$' "$TMP/d.out"; then
	ok files-list-interfaces
elif [ "$rc" = 3 ] && grep -q "no interface to capture on" "$TMP/d.err"; then
	skip files-list-interfaces "no interface visible here (not root)"
else
	fail files-list-interfaces "exit $rc: $(head -c 200 "$TMP/d.out") $(head -c 200 "$TMP/d.err")"
fi
run_scope files-verbose -v -r "$CAP" -w /dev/null
if [ "$rc" = 0 ] && grep -q "^smtpscope: reading $CAP, link type EN10MB" "$TMP/err" &&
	grep -q "^smtpscope: filter (Ethernet): .*tcp port 587" "$TMP/err" &&
	grep -q "^smtpscope: reassembly: [0-9]* packets" "$TMP/err"; then
	ok files-verbose
else
	fail files-verbose "exit $rc: $(head -c 300 "$TMP/err")"
fi
