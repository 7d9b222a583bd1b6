#!/bin/sh
# Golden tests in the tcpdump manner: each case of tests/golden/TESTLIST
# (a name, a capture, options) goes through smtpscope -w --zeek-log
# --transcript, and the JSON log, the Zeek log and the transcript are
# compared with the expected ones, tests/golden/NAME.jsonl, .zeek and
# .transcript. A test also fails on a crash, a non-zero exit status or
# any line on stderr, and a capture in captures/ without a case fails.
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
LIST=tests/golden/TESTLIST
[ -f "$LIST" ] || {
	fail golden "no $LIST"
	exit 1
}
found=0
while read -r name cap args; do
	case $name in '' | '#'*) continue ;; esac
	found=1
	if [ ! -f "$cap" ]; then
		fail "golden-$name" "no capture $cap ($LIST)"
		continue
	fi
	rm -rf "$TMP/z"
	# shellcheck disable=SC2086
	run_scope "golden-$name" -q $args -r "$cap" -w "$TMP/$name.jsonl" \
	    --zeek-log "$TMP/z" --transcript </dev/null || continue
	if [ "$rc" != 0 ] || [ -s "$TMP/err" ]; then
		fail "golden-$name" "exit $rc, stderr: $(head -c 300 "$TMP/err")"
		continue
	fi
	mv "$TMP/out" "$TMP/$name.transcript"
	# The #open and #close lines carry the time of the run.
	sed 's/^\(#open\|#close\)\t.*/\1\tXXXX-XX-XX-XX-XX-XX/' "$TMP/z/smtp.log" >"$TMP/$name.zeek"
	for kind in jsonl transcript zeek; do
		if [ $update = 1 ]; then
			cp "$TMP/$name.$kind" "tests/golden/$name.$kind"
			echo "updated tests/golden/$name.$kind"
			continue
		fi
		if [ ! -f "tests/golden/$name.$kind" ]; then
			fail "golden-$name.$kind" "no tests/golden/$name.$kind (make golden-update)"
		elif diff -u "tests/golden/$name.$kind" "$TMP/$name.$kind" >"$TMP/diff"; then
			ok "golden-$name.$kind"
		else
			fail "golden-$name.$kind" "output differs: $(head -c 1500 "$TMP/diff")"
		fi
	done
done <"$LIST"
[ $found = 1 ] || fail golden "no cases in $LIST"
# A capture nobody listed would go untested.
for cap in captures/*.pcap captures/*.pcapng; do
	[ -f "$cap" ] || continue
	awk -v c="$cap" '$1 !~ /^#/ && $2 == c { f = 1 } END { exit !f }' \
	    "$LIST" || fail "golden-$cap" "not in $LIST: add a case"
done
