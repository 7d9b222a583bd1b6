#!/bin/sh
# Captures as they really come (issue 11): port lists and ranges of any
# size make a small filter, compiled at once.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

cap=captures/sink-v4.pcap
[ -f "$cap" ] || { skip capture "no captures/sink-v4.pcap"; exit 0; }

# counts FILE: sessions, transactions and accepted messages of a log.
counts() {
	[ -f "$1" ] || { echo none; return; }
	echo "$(summary_get sessions "$1")/$(summary_get transactions "$1")/$(summary_get messages_accepted "$1")"
}

# timed NAME SECONDS ARGS...: run_scope under a time limit; rc 124 when
# it ran out.
timed() {
	_name=$1
	_limit=$2
	shift 2
	timeout "$_limit" "$SMTPSCOPE" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if grep -q -E 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$TMP/err"; then
		fail "$_name" "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$TMP/err")"
		return 1
	fi
	return 0
}

"$SMTPSCOPE" -q -r "$cap" -w "$TMP/ref.jsonl" 2>/dev/null
ref=$(counts "$TMP/ref.jsonl")

# ---- port lists and ranges ---------------------------------------------

# A term per port made --ports 1-1024 a 24,000-instruction program that
# took libpcap 15 s and 570 MB to compile; 1-65535 was refused (1024 ports
# at most). Each must take well under the limit and find the same mail.
scattered=25
i=1
while [ "$i" -lt 100 ]; do
	scattered="$scattered,$((1000 + i * 613 % 60000))"
	i=$((i + 1))
done
for spec in 1-1024 1-65535 "$scattered" 25,25,24-26; do
	case $spec in
	1-1024) name=ports-1-1024 ;;
	1-65535) name=ports-all ;;
	25,25*) name=ports-repeated ;;
	*) name=ports-scattered-100 ;;
	esac
	rm -f "$TMP/p.jsonl"
	timed "$name" 10 -q -r "$cap" --ports "$spec" -w "$TMP/p.jsonl" || continue
	got=$(counts "$TMP/p.jsonl")
	if [ "$rc" = 124 ]; then
		fail "$name" "still compiling the filter after 10 s"
	elif [ "$rc" != 0 ] || [ -s "$TMP/err" ]; then
		fail "$name" "exit $rc; stderr: $(head -c 300 "$TMP/err")"
	elif [ "$got" != "$ref" ]; then
		fail "$name" "sessions/transactions/accepted $got, want $ref"
	else
		ok "$name"
	fi
done

# With -f the filter is set on the handle: the same mail again.
timed ports-range-with-f 10 -q -r "$cap" --ports 1-1024 -f 'host 127.0.0.1' \
	-w "$TMP/pf.jsonl" &&
	if [ "$rc" != 0 ] || [ "$(counts "$TMP/pf.jsonl")" != "$ref" ]; then
		fail ports-range-with-f "exit $rc, $(counts "$TMP/pf.jsonl"), want $ref; $(head -c 300 "$TMP/err")"
	else
		ok ports-range-with-f
	fi
