#!/bin/sh
# The Community ID and the Zeek uid in the logs (issue 15): on every
# bundled capture and every shared one of Zeek's and Suricata's tests,
# each JSON record of a session carries the Community ID that
# Wireshark's own implementation (tshark --enable-protocol communityid)
# gives the packets of its 4-tuple, with the default seed and with
# --community-id-seed 4242; all records of a session carry the same uid
# and id; each Zeek log row the uid and id of its session in the JSON
# log (tests/tools/cidcmp.py). The spec's published values are unit
# tests (tests/unit/test_communityid.c). Also: a seed out of range is
# refused.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

for bad in 65536 -1 x 1.5 ''; do
	run_scope "cid-seed-refused-$bad" -r captures/exim.pcap -w /dev/null \
	    --community-id-seed "$bad" || continue
	if [ "$rc" = 2 ] && grep -q 'community-id-seed wants' "$TMP/err"; then
		ok "cid-seed-refused-$bad"
	else
		fail "cid-seed-refused-$bad" "exit $rc: $(head -c 200 "$TMP/err")"
	fi
done

if ! command -v tshark >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
	skip cid-wireshark "no tshark or no python3 (apt-get install tshark python3)"
	exit 0
fi
if ! tshark -G protocols 2>/dev/null | grep -q '	communityid$'; then
	skip cid-wireshark "this tshark has no Community ID (Wireshark 3.4 or later)"
	exit 0
fi

caps=$(ls captures/*.pcap captures/input/*.pcap* 2>/dev/null)
[ -d "$SHARED/captures" ] &&
	caps="$caps $(find "$SHARED/captures" -name '*.pcap' -o -name '*.pcapng' | sort)"
for cap in $caps; do
	name=$(basename "$cap")
	for seed in 0 4242; do
		t="cid-$name-seed$seed"
		rm -rf "$TMP/z"
		# what the capture needs (ports: --ports any, sessions found
		# by their content)
		args=$(cat "${cap%.pcap}.args" 2>/dev/null)
		# shellcheck disable=SC2086
		run_scope "$t" -q $args -r "$cap" -w "$TMP/log" --zeek-log "$TMP/z" \
		    --community-id-seed $seed || continue
		if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
			fail "$t" "exit $rc: $(head -c 200 "$TMP/err")"
			continue
		fi
		tshark -r "$cap" -o communityid.seed:$seed \
		    --enable-protocol communityid -Y tcp -T fields \
		    -e ip.src -e ipv6.src -e tcp.srcport -e ip.dst \
		    -e ipv6.dst -e tcp.dstport -e communityid \
		    >"$TMP/wire" 2>/dev/null
		if python3 tests/tools/cidcmp.py "$TMP/wire" "$TMP/log" \
		    "$TMP/z/smtp.log" >"$TMP/cmp" 2>&1; then
			ok "$t"
		else
			fail "$t" "$(head -c 1500 "$TMP/cmp")"
		fi
	done
done
