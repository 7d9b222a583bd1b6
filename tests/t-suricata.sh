#!/bin/sh
# Against Suricata: for each test in ../shared/captures/suricata, the
# smtp events its test.yaml expects (helo, mail_from, rcpt_to, To/Cc,
# how many) must appear in our JSON log (tests/tools/suricmp.py), apart
# from the differences documented in tests/suricata-differences.txt.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2
dir=$SHARED/captures/suricata
[ -d "$dir" ] || { skip suricata "no $dir"; exit 0; }
python3 -c 'import yaml' 2>/dev/null || { skip suricata "python3 has no yaml module (Debian: python3-yaml)"; exit 0; }
for t in "$dir"/*/; do
	name=$(basename "$t")
	[ -f "$t/test.yaml" ] || continue
	cap=$(ls "$t"*.pcap 2>/dev/null | head -n 1)
	[ -n "$cap" ] || { skip "suricata-$name" "no capture"; continue; }
	run_scope "suricata-$name" -q -r "$cap" -w "$TMP/s.jsonl" || continue
	# smtp-to-comma is damaged on purpose: status 1, log complete.
	if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
		fail "suricata-$name" "exit $rc: $(head -c 300 "$TMP/err")"
		continue
	fi
	allow=$(awk -v n="$name" '$1 == n { k = $2; $1 = ""; $2 = ""; sub(/^ +/, ""); printf "--allow=%s=%s\n", k, $0 }' tests/suricata-differences.txt)
	if (IFS='
'; python3 tests/tools/suricmp.py "$t/test.yaml" "$TMP/s.jsonl" $allow) >"$TMP/cmp" 2>&1; then
		ok "suricata-$name ($(tail -n 1 "$TMP/cmp"))"
	else
		fail "suricata-$name" "$(head -c 1200 "$TMP/cmp")"
	fi
done
