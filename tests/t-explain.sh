#!/bin/sh
# smtpscope --explain CODE: the meaning of a reply code, an enhanced
# status code or both, from the table the reports use (src/event/codes.c);
# anything else is refused with one sentence and exit status 2.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

# explain NAME QUERY PATTERN...: exit 0, nothing on stderr, and every
# pattern (a grep -E expression) in the output.
explain() {
	_name=$1
	_q=$2
	shift 2
	run_scope "$_name" --explain "$_q" || return
	if [ "$rc" != 0 ] || [ -s "$TMP/err" ]; then
		fail "$_name" "exit $rc: $(head -c 200 "$TMP/err")"
		return
	fi
	for _p in "$@"; do
		if ! grep -q -E -e "$_p" "$TMP/out"; then
			fail "$_name" "no /$_p/ in: $(head -c 300 "$TMP/out")"
			return
		fi
	done
	ok "$_name"
}

explain explain-550 550 '^550: requested action not taken: mailbox unavailable' 'RFC 5321'
explain explain-5.1.1 5.1.1 '^5\.1\.1: permanent failure: bad destination mailbox address' 'RFC 3463'
explain explain-both "550 5.7.1" '^550: ' '^5\.7\.1: permanent failure: delivery not authorized'
explain explain-line "421-4.4.2 closing now" '^421: service not available' '^4\.4\.2: ' 'not explained'
# Meanings by the command answered (RFC 2645, RFC 1985, RFC 3207).
explain explain-453 453 'you have no mail' 'RFC 2645'
explain explain-250 250 'ETRN' 'queuing for node started' 'ATRN'
explain explain-220 220 'STARTTLS' 'ready to start TLS'
explain explain-355 355 'octet-offset is the transaction offset' 'RFC 1845'
explain explain-521 521 'does not accept mail'
explain explain-5.7.30 5.7.30 'REQUIRETLS'

for q in 650 abc "" 5.1 9.1.1 5501 "55 0"; do
	run_scope "explain-refuses-[$q]" --explain "$q" || continue
	if [ "$rc" = 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ] &&
	    grep -q '^smtpscope: .* is neither an SMTP reply code' "$TMP/err" &&
	    [ ! -s "$TMP/out" ]; then
		ok "explain-refuses-[$q]"
	else
		fail "explain-refuses-[$q]" "exit $rc: $(head -c 200 "$TMP/err")"
	fi
done
