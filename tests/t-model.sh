#!/bin/sh
# The model "the server's word decides", on real captures: for every
# captures/NAME.expect (made by captures/make-captures-model.sh from the
# servers' own records: Postfix's and Exim's transcripts, Dovecot's raw
# log, the scripted peer's record), smtpscope's JSON Lines log must hold
# each transaction, command result, session and anomaly listed, in
# order per session (tests/tools/expectcmp.py checks it).
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2
if ! command -v python3 >/dev/null 2>&1; then
	skip model "python3 not installed"
	exit 0
fi
found=0
for expect in captures/*.expect; do
	[ -f "$expect" ] || continue
	name=$(basename "$expect" .expect)
	# captures/evasion-*: tests/t-evasion.sh checks them (issue 11)
	case $name in evasion-*) continue ;; esac
	found=1
	cap=captures/$name.pcap
	[ -f "$cap" ] || cap=captures/$name.pcapng
	if [ ! -f "$cap" ]; then
		fail "model-$name" "no captures/$name.pcap"
		continue
	fi
	args=$(cat "captures/$name.args" 2>/dev/null)
	# shellcheck disable=SC2086
	run_scope "model-$name" -q $args -r "$cap" -w "$TMP/$name.jsonl" || continue
	if [ "$rc" != 0 ]; then
		fail "model-$name" "exit $rc: $(head -c 300 "$TMP/err")"
		continue
	fi
	if python3 "$TOP/tests/tools/expectcmp.py" "$TMP/$name.jsonl" "$expect" \
	    >"$TMP/$name.cmp" 2>&1; then
		ok "model-$name"
	else
		n=$(wc -l <"$TMP/$name.cmp")
		fail "model-$name" "$n mismatches: $(head -n 3 "$TMP/$name.cmp" | tr '\n' ';' | head -c 600)"
	fi
done
[ $found = 1 ] || skip model "no captures/*.expect files"

# The public captures of other projects (../shared/captures), with what
# the servers in them answered: tests/model/NAME.expect names its capture
# on a "# capture: PATH" line.
for expect in tests/model/*.expect; do
	[ -f "$expect" ] || continue
	name=$(basename "$expect" .expect)
	rel=$(sed -n 's/^# capture: //p' "$expect" | head -n 1)
	cap=$SHARED/captures/$rel
	if [ ! -f "$cap" ]; then
		skip "model-$name" "no $cap"
		continue
	fi
	run_scope "model-$name" -q -r "$cap" -w "$TMP/$name.jsonl" || continue
	if [ "$rc" != 0 ]; then
		fail "model-$name" "exit $rc: $(head -c 300 "$TMP/err")"
	elif python3 "$TOP/tests/tools/expectcmp.py" "$TMP/$name.jsonl" \
	    "$expect" >"$TMP/$name.cmp" 2>&1; then
		ok "model-$name"
	else
		fail "model-$name" "$(head -n 3 "$TMP/$name.cmp" | tr '\n' ';' | head -c 600)"
	fi
done
