#!/bin/sh
# Ground truth: for every capture with a captures/NAME.truth file (what
# the sending software and the sink counted), the log's summary must
# give exactly those numbers. Captures of the same traffic through other
# layers (VLAN, QinQ) must give the same records as the original.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2
found=0
for truth in captures/*.truth; do
	[ -f "$truth" ] || continue
	found=1
	name=$(basename "$truth" .truth)
	cap=captures/$name.pcap
	[ -f "$cap" ] || cap=captures/$name.pcapng
	args=$(cat "captures/$name.args" 2>/dev/null)
	# shellcheck disable=SC2086
	run_scope "truth-$name" -q $args -r "$cap" -w "$TMP/$name.jsonl" || continue
	if [ "$rc" != 0 ]; then
		fail "truth-$name" "exit $rc: $(head -c 300 "$TMP/err")"
		continue
	fi
	bad=
	while read -r key want; do
		case $key in '' | '#'*) continue ;; esac
		got=$(summary_get "$key" "$TMP/$name.jsonl")
		[ "$got" = "$want" ] || bad="$bad $key=$got (truth $want)"
	done <"$truth"
	if [ -z "$bad" ]; then
		ok "truth-$name"
	else
		fail "truth-$name" "$bad"
	fi
done
[ $found = 1 ] || fail truth "no captures/*.truth files"

# Same packets, other encapsulation: identical records (the summary's
# byte counts differ by the tags, so it is left out).
same_records() {
	a=$1
	b=$2
	[ -f "captures/$a.pcap" ] && [ -f "captures/$b.pcap" ] || {
		skip "same-$a-$b" "captures/$a.pcap or captures/$b.pcap missing"
		return
	}
	"$SMTPSCOPE" -q -r "captures/$a.pcap" -w - | grep -v '"type":"summary"' >"$TMP/a"
	"$SMTPSCOPE" -q -r "captures/$b.pcap" -w - | grep -v '"type":"summary"' >"$TMP/b"
	if [ -s "$TMP/a" ] && cmp -s "$TMP/a" "$TMP/b"; then
		ok "same-$a-$b"
	else
		fail "same-$a-$b" "$(diff "$TMP/a" "$TMP/b" | head -c 600)"
	fi
}
same_records sink-v4 sink-vlan
same_records sink-v4 sink-qinq

# IPv6 and SLL2 captures are separate runs of the same smtp-source
# command: the same counts as the IPv4 run.
for other in sink-v6 sink-any; do
	if [ -f "captures/$other.truth" ] && [ -f captures/sink-v4.truth ]; then
		if cmp -s "captures/$other.truth" captures/sink-v4.truth; then
			ok "same-counts-sink-v4-$other"
		else
			fail "same-counts-sink-v4-$other" "truth files differ: the runs were not the same"
		fi
	else
		skip "same-counts-sink-v4-$other" "truth file missing"
	fi
done
