#!/bin/sh
# Golden tests in the tcpdump manner: each capture in captures/ goes
# through smtpscope -w, and the log is compared with the expected one in
# tests/golden/. A test also fails on a crash, a non-zero exit status or
# any line on stderr.
#   tests/golden.sh BINARY            compare (prints ok/FAIL lines)
#   tests/golden.sh --update BINARY   rewrite the expected files
# SPDX-License-Identifier: GPL-2.0-or-later
update=0
if [ "$1" = --update ]; then
	update=1
	shift
fi
SMTPSCOPE=${1:-./smtpscope}
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2
mkdir -p tests/golden
found=0
for cap in captures/*.pcap captures/*.pcapng; do
	[ -f "$cap" ] || continue
	found=1
	name=$(basename "$cap")
	name=${name%.*}
	args=$(cat "captures/$name.args" 2>/dev/null)
	# shellcheck disable=SC2086
	run_scope "golden-$name" -q $args -r "$cap" -w "$TMP/$name.jsonl" || continue
	if [ "$rc" != 0 ] || [ -s "$TMP/err" ]; then
		fail "golden-$name" "exit $rc, stderr: $(head -c 300 "$TMP/err")"
		continue
	fi
	if [ $update = 1 ]; then
		cp "$TMP/$name.jsonl" "tests/golden/$name.jsonl"
		echo "updated tests/golden/$name.jsonl"
		continue
	fi
	if [ ! -f "tests/golden/$name.jsonl" ]; then
		fail "golden-$name" "no tests/golden/$name.jsonl (make golden-update)"
	elif diff -u "tests/golden/$name.jsonl" "$TMP/$name.jsonl" >"$TMP/diff"; then
		ok "golden-$name"
	else
		fail "golden-$name" "output differs: $(head -c 1500 "$TMP/diff")"
	fi
done
[ $found = 1 ] || fail golden "no captures in captures/"
