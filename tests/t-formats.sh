#!/bin/sh
# Input forms: pcapng gives what pcap gives; stdin; several files in
# order; connections whose handshake is missing are counted, not lost.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2
cap=captures/sink-v4.pcap
[ -f "$cap" ] || cap=$SHARED/captures/zeek/smtp.pcap
[ -f "$cap" ] || { skip formats "no capture to work on"; exit 0; }

"$SMTPSCOPE" -q -r "$cap" -w "$TMP/ref.jsonl" 2>"$TMP/err"
if command -v python3 >/dev/null 2>&1; then
	python3 tests/tools/pcap2pcapng.py "$cap" "$TMP/x.pcapng"
	run_scope pcapng -q -r "$TMP/x.pcapng" -w "$TMP/ng.jsonl" &&
		if [ "$rc" = 0 ] && cmp -s "$TMP/ref.jsonl" "$TMP/ng.jsonl"; then
			ok pcapng
		else
			fail pcapng "exit $rc; $(diff "$TMP/ref.jsonl" "$TMP/ng.jsonl" | head -c 400)"
		fi
else
	skip pcapng "no python3"
fi

run_scope stdin -q -r - -w "$TMP/stdin.jsonl" <"$cap" &&
	if [ "$rc" = 0 ] && cmp -s "$TMP/ref.jsonl" "$TMP/stdin.jsonl"; then
		ok stdin
	else
		fail stdin "exit $rc; output differs from -r FILE"
	fi

# Two files read in order: the sessions of both.
cap2=captures/postfix-swaks.pcap
[ -f "$cap2" ] || cap2=$SHARED/captures/zeek/smtp-mail-transactions-invalid.pcap
if [ -f "$cap2" ] && [ "$cap2" != "$cap" ]; then
	"$SMTPSCOPE" -q -r "$cap2" -w "$TMP/ref2.jsonl" 2>/dev/null
	run_scope two-files -q -r "$cap" -r "$cap2" -w "$TMP/two.jsonl" &&
		one=$(summary_get sessions "$TMP/ref.jsonl") &&
		other=$(summary_get sessions "$TMP/ref2.jsonl") &&
		two=$(summary_get sessions "$TMP/two.jsonl") &&
		if [ "$rc" = 0 ] && [ "$two" = $((one + other)) ] && [ "$one" -gt 0 ]; then
			ok two-files
		else
			fail two-files "exit $rc, sessions $one + $other, together $two"
		fi
else
	skip two-files "no second capture"
fi

# Without the SYNs, libnids cannot follow a connection: each is picked
# up mid-stream (issue 14), or with --no-midstream only counted.
if command -v tcpdump >/dev/null 2>&1; then
	tcpdump -r "$cap" -w "$TMP/nosyn.pcap" 'not (tcp[13] & 2 != 0)' 2>/dev/null
	run_scope no-handshake -q -r "$TMP/nosyn.pcap" -w "$TMP/nosyn.jsonl" &&
		want=$(summary_get sessions "$TMP/ref.jsonl") &&
		got=$(summary_get midstream "$TMP/nosyn.jsonl") &&
		sess=$(summary_get sessions "$TMP/nosyn.jsonl") &&
		if [ "$rc" = 0 ] && [ "$got" = "$want" ] && [ "$sess" = "$want" ]; then
			ok no-handshake
		else
			fail no-handshake "exit $rc, midstream $got (want $want), sessions $sess"
		fi
	run_scope no-handshake-off -q --no-midstream -r "$TMP/nosyn.pcap" \
		-w "$TMP/nosyn.jsonl" &&
		got=$(summary_get no_handshake "$TMP/nosyn.jsonl") &&
		sess=$(summary_get sessions "$TMP/nosyn.jsonl") &&
		if [ "$rc" = 0 ] && [ "$got" = "$want" ] && [ "$sess" = 0 ]; then
			ok no-handshake-off
		else
			fail no-handshake-off "exit $rc, no_handshake $got (want $want), sessions $sess"
		fi
else
	skip no-handshake "no tcpdump"
fi

# One-sided capture (only the client's packets, as on an asymmetric tap):
# libnids needs both halves of the handshake; each connection is picked
# up and said to be missing its server's side (with --no-midstream only
# counted as without handshake).
if command -v tcpdump >/dev/null 2>&1 && [ -f captures/sink-v4.pcap ]; then
	tcpdump -r captures/sink-v4.pcap -w "$TMP/oneside.pcap" 'tcp dst port 25' 2>/dev/null
	"$SMTPSCOPE" -q -r captures/sink-v4.pcap -w "$TMP/both.jsonl" 2>/dev/null
	run_scope one-sided -q -r "$TMP/oneside.pcap" -w "$TMP/oneside.jsonl" &&
		want=$(summary_get sessions "$TMP/both.jsonl") &&
		got=$(summary_get one_sided_client "$TMP/oneside.jsonl") &&
		sess=$(summary_get sessions "$TMP/oneside.jsonl") &&
		if [ "$rc" = 0 ] && [ "$got" = "$want" ] && [ "$sess" = "$want" ]; then
			ok one-sided
		else
			fail one-sided "exit $rc, one_sided_client $got (want $want), sessions $sess"
		fi
	run_scope one-sided-off -q --no-midstream -r "$TMP/oneside.pcap" \
		-w "$TMP/oneside.jsonl" &&
		got=$(summary_get no_handshake "$TMP/oneside.jsonl") &&
		sess=$(summary_get sessions "$TMP/oneside.jsonl") &&
		if [ "$rc" = 0 ] && [ "$got" = "$want" ] && [ "$sess" = 0 ]; then
			ok one-sided-off
		else
			fail one-sided-off "exit $rc, no_handshake $got (want $want), sessions $sess"
		fi
else
	skip one-sided "no tcpdump or captures/sink-v4.pcap"
fi
