#!/bin/sh
# Passwords are never logged: the AUTH PLAIN and AUTH LOGIN secrets that
# the captures carry (read from the packets by tests/tools/sasl_secrets.py)
# appear in none of smtpscope's outputs: the JSON log, the Zeek log, the
# transcript.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2
command -v python3 >/dev/null 2>&1 || { skip secrets "no python3"; exit 0; }
n=0
for cap in captures/*.pcap "$SHARED"/captures/zeek/*.pcap "$SHARED"/captures/suricata/*/*.pcap; do
	[ -f "$cap" ] || continue
	python3 tests/tools/sasl_secrets.py "$cap" >"$TMP/secrets" 2>/dev/null
	[ -s "$TMP/secrets" ] || continue
	n=$((n + 1))
	name=$(basename "$cap" .pcap)
	[ "$name" = input ] && name=$(basename "$(dirname "$cap")")
	rm -rf "$TMP/z"
	"$SMTPSCOPE" -q -r "$cap" -w "$TMP/log.jsonl" --zeek-log "$TMP/z" \
	    --transcript >"$TMP/transcript" 2>"$TMP/err"
	if grep -a -F -f "$TMP/secrets" "$TMP/log.jsonl" "$TMP/z/smtp.log" \
	    "$TMP/transcript" "$TMP/err" >"$TMP/leak"; then
		fail "secrets-$name" "a password in the output: $(head -c 200 "$TMP/leak")"
	else
		ok "secrets-$name ($(wc -l <"$TMP/secrets") secrets checked)"
	fi
done
[ $n -gt 0 ] || skip secrets "no capture with AUTH PLAIN or LOGIN"
