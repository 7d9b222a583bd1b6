#!/bin/sh
# Runs every test against each binary given, then prints the totals.
#   tests/run.sh ./smtpscope build/asan/smtpscope
# SPDX-License-Identifier: GPL-2.0-or-later
cd "$(dirname "$0")/.." || exit 2
results=$(mktemp)
trap 'rm -f "$results"' EXIT

section() { printf '\n== %s\n' "$1"; }

# Unit tests (each prints "NAME: N passed, N failed").
for t in build/tests/test_* build/tests/asan-test_*; do
	[ -x "$t" ] || continue
	section "unit $(basename "$t")"
	if out=$("$t" 2>&1); then
		echo "$out" | tail -n 3
		echo "ok unit-$(basename "$t")" | tee -a "$results"
	else
		echo "$out" | tail -n 20
		echo "FAIL unit-$(basename "$t"): exit status $?" | tee -a "$results"
	fi
done

for bin in "$@"; do
	for t in tests/t-*.sh; do
		section "$(basename "$t" .sh) with $bin"
		SMTPSCOPE=$bin sh "$t" 2>&1 | tee -a "$results"
	done
done

passed=$(grep -c '^ok ' "$results")
failed=$(grep -c '^FAIL ' "$results")
skipped=$(grep -c '^skip ' "$results")
echo
if [ "$failed" -gt 0 ]; then
	echo "failures:"
	grep '^FAIL ' "$results"
	echo
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
