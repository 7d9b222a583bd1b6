#!/bin/sh
# Every public capture under ../shared/captures (Zeek's and Suricata's test
# traces): no crash, no sanitizer report, no hang; exit 0, or 1 with a
# "damaged" message for a corrupt file; the log is valid JSON Lines and
# ends with a summary that agrees with the exit status.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

if [ ! -d "$SHARED/captures" ]; then
	skip shared "no $SHARED/captures"
	exit 0
fi
if command -v python3 >/dev/null 2>&1; then
	have_python=1
else
	have_python=
fi

find "$SHARED/captures" -type f \( -name '*.pcap' -o -name '*.pcapng' \) |
	LC_ALL=C sort >"$TMP/list"
if [ ! -s "$TMP/list" ]; then
	skip shared "no .pcap or .pcapng under $SHARED/captures"
	exit 0
fi

while IFS= read -r f; do
	name=shared/${f#"$SHARED/captures/"}
	rm -f "$TMP/x.json"
	timeout 60 "$SMTPSCOPE" -q -r "$f" -w "$TMP/x.json" \
		>"$TMP/out" 2>"$TMP/err" </dev/null
	rc=$?
	if grep -q -E 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$TMP/err"; then
		fail "$name" "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$TMP/err")"
		continue
	fi
	case $f in
	*/smtp-to-comma/*) want_damaged=1 ;; # corrupt after packet 18 (README)
	*) want_damaged= ;;
	esac
	if [ -n "$want_damaged" ] && [ "$rc" = 0 ]; then
		fail "$name" "exit 0, but the file is damaged after packet 18 (want 1)"
		continue
	fi
	case $rc in
	0)
		# The one warning a whole file may give: segments its snap
		# length cut short (zeek/tcp_truncated-header.pcap, 68 bytes).
		grep -v "^smtpscope: [0-9]* packets of mail sessions were cut short by the capture's snap length" \
			"$TMP/err" >"$TMP/err.rest"
		if [ -s "$TMP/err.rest" ]; then
			fail "$name" "exit 0 but stderr (with -q): $(head -c 300 "$TMP/err")"
			continue
		fi
		damaged=false
		;;
	1)
		if [ "$(wc -l <"$TMP/err")" != 1 ] || ! grep -q '^smtpscope: .*damaged' "$TMP/err"; then
			fail "$name" "exit 1 without one \"damaged\" sentence: $(head -c 300 "$TMP/err")"
			continue
		fi
		damaged=true
		;;
	124)
		fail "$name" "still running after 60 s"
		continue
		;;
	*)
		if [ "$rc" -gt 128 ]; then
			fail "$name" "killed by signal $((rc - 128)); stderr: $(head -c 300 "$TMP/err")"
		else
			fail "$name" "exit $rc; stderr: $(head -c 300 "$TMP/err")"
		fi
		continue
		;;
	esac
	if [ ! -s "$TMP/x.json" ]; then
		fail "$name" "exit $rc, but no log"
		continue
	fi
	if [ -n "$have_python" ] &&
		! python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' \
			<"$TMP/x.json" 2>"$TMP/pyerr"; then
		fail "$name" "the log is not JSON Lines: $(tail -n 1 "$TMP/pyerr")"
		continue
	fi
	last=$(tail -n 1 "$TMP/x.json")
	case $last in
	'{"type":"summary"'*) ;;
	*)
		fail "$name" "the log does not end with a summary: $(printf '%s' "$last" | head -c 200)"
		continue
		;;
	esac
	if [ "$(grep -c '"type":"summary"' "$TMP/x.json")" != 1 ]; then
		fail "$name" "more than one summary in the log"
		continue
	fi
	case $last in
	*"\"input_damaged\":$damaged"*) ok "$name" ;;
	*) fail "$name" "exit $rc but the summary does not say \"input_damaged\":$damaged" ;;
	esac
done <"$TMP/list"
[ -n "$have_python" ] || skip shared-json "no python3: JSON not validated"
