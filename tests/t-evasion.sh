#!/bin/sh
# The stream the receiver saw (issue 11): for every captures/evasion-
# NAME.expect (made by captures/make-captures-evasion.sh: a crafted-packet
# client attacks a real Linux TCP stack running smtp-sink, and the expect
# file holds what that receiver stored and answered: envelope, final
# reply, Subject, Message-ID, size, how the session ended, and the
# anomaly the attack must raise), smtpscope's JSON Lines log must agree
# (tests/tools/expectcmp.py checks it). Overlapping IPv4 fragments, TCP
# segments overlapping at one sequence number, IPv6 fragment ids that
# fold to the same 16 bits, a RST inside the window, a SYN on an
# established connection, IPv6 Fragment + Destination Options headers.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2
if ! command -v python3 >/dev/null 2>&1; then
	skip evasion "python3 not installed"
	exit 0
fi
found=0
for expect in captures/evasion-*.expect; do
	[ -f "$expect" ] || continue
	found=1
	name=$(basename "$expect" .expect)
	cap=captures/$name.pcap
	if [ ! -f "$cap" ]; then
		fail "$name" "no $cap"
		continue
	fi
	run_scope "$name" -q -r "$cap" -w "$TMP/$name.jsonl" || continue
	if [ "$rc" != 0 ]; then
		fail "$name" "exit $rc: $(head -c 300 "$TMP/err")"
		continue
	fi
	if python3 "$TOP/tests/tools/expectcmp.py" "$TMP/$name.jsonl" "$expect" \
	    >"$TMP/$name.cmp" 2>&1; then
		ok "$name"
	else
		n=$(wc -l <"$TMP/$name.cmp")
		fail "$name" "$n mismatches: $(head -n 5 "$TMP/$name.cmp" | tr '\n' ';' | head -c 800)"
	fi
done
[ $found = 1 ] || skip evasion "no captures/evasion-*.expect files"
