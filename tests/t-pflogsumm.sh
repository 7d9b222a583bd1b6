#!/bin/sh
# smtpscope's report set beside pflogsumm's on the same traffic (issue
# 16): captures/pflogsumm.pcap is real Postfix traffic (rejects, deferrals,
# a bounce, AUTH, several domains) and captures/pflogsumm.maillog that
# Postfix's own log (captures/make-captures-pflogsumm.sh). pflogsumm
# reads the log; smtpscope reads the capture twice, with a filter: what
# the Postfix received (its smtpd on 127.0.0.10) and what its smtp client
# sent on (from 127.0.0.11). Every count pflogsumm prints that the wire
# can show must be equal (tests/tools/check-pflogsumm.py, one check a
# table, naming both numbers); what the wire cannot show (deliveries
# without SMTP, attempts that never connected, Postfix's own message
# sizes) is taken from the log and named: docs/pflogsumm.md.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2
PFLOGSUMM=$(command -v pflogsumm 2>/dev/null || true)
[ -z "$PFLOGSUMM" ] && [ -x /usr/sbin/pflogsumm ] && PFLOGSUMM=/usr/sbin/pflogsumm
if [ -z "$PFLOGSUMM" ]; then
	skip pflogsumm "pflogsumm not installed (apt-get install pflogsumm)"
	exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
	skip pflogsumm "python3 not installed"
	exit 0
fi

# The log's times are UTC (the capture script runs Postfix with TZ=UTC),
# as smtpscope's per-hour table is by default.
if ! TZ=UTC "$PFLOGSUMM" --smtpd-stats captures/pflogsumm.maillog \
    >"$TMP/pflogsumm.txt" 2>"$TMP/pflogsumm.err"; then
	fail pflogsumm-run "pflogsumm failed: $(head -c 300 "$TMP/pflogsumm.err")"
	exit 0
fi
for side in in:127.0.0.10 out:127.0.0.11; do
	name=${side%%:*}
	run_scope "pflogsumm-scope-$name" -q -r captures/pflogsumm.pcap \
	    -f "host ${side#*:}" --report json -o "$TMP/$name.json" \
	    --report text -o "$TMP/$name.txt" || exit 0
	if [ "$rc" != 0 ] || [ -s "$TMP/err" ]; then
		fail "pflogsumm-scope-$name" "exit $rc: $(head -c 300 "$TMP/err")"
		exit 0
	fi
done
python3 tests/tools/check-pflogsumm.py "$TMP/pflogsumm.txt" \
    captures/pflogsumm.maillog "$TMP/in.json" "$TMP/out.json" \
    "$TMP/in.txt" "$TMP/out.txt" 2>"$TMP/py.err" ||
	fail pflogsumm-check "$(tail -n 1 "$TMP/py.err")"
