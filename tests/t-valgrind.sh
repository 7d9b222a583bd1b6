#!/bin/sh
# Every capture under Valgrind's memcheck, normal build only: the
# repository's captures/*.pcap, the public ones of ../shared/captures
# (zeek/*.pcap, suricata/*/*.pcap) when that folder exists, and the
# hostile captures of tests/hostile/make-hostile.py (but opensessions). Each run writes every
# output (JSON log, Zeek log, transcript, JSON report) and must end with
# no memcheck error and no definite or indirect leak at exit ("still
# reachable" blocks of libnids and glib are fine), with exit 0 (or 1 for a
# capture that is damaged, with its one "damaged" sentence).
# Skipped for the ASan build (Valgrind cannot run it) and without valgrind.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
# What smtpscope says even with -q, about the capture rather than itself
# (the README's "Exit status"): a snap length that cut mail segments,
# impossible timestamps, packets of interfaces left out.
QUIET_SAID="^smtpscope: [0-9]+ packets (of mail sessions were cut short by the capture's snap length|had a timestamp before 1970|were left out: )"
cd "$TOP" || exit 2

case $(basename "$SMTPSCOPE")$SMTPSCOPE in
*asan*)
	skip valgrind "$SMTPSCOPE is the ASan build (Valgrind runs the normal one)"
	exit 0
	;;
esac
if ! command -v valgrind >/dev/null 2>&1; then
	skip valgrind "no valgrind (Debian package \"valgrind\")"
	exit 0
fi
LIMIT=${SMTPSCOPE_VALGRIND_TIMEOUT:-300} # seconds per run

# first_error LOGFILE: the first error or leak record of a Valgrind log,
# on one line (what, then the stack), for the failure message.
first_error() {
	sed 's/^==[0-9]*== \{0,1\}//' "$1" | awk '
		!started && /^(Invalid |Conditional jump|Use of uninitialised|Syscall param|Mismatched free|Source and destination overlap|Argument .* of function|.* (definitely|indirectly) lost in )/ {
			started = 1
		}
		started && /^$/ { exit }
		started { sub(/^ +/, ""); printf "%s%s", sep, $0; sep = " | "; n++ }
		started && n >= 14 { exit }
		END { print "" }'
}

# vg_run NAME CAPTURE: one capture under memcheck.
vg_run() {
	_name=valgrind/$1
	_cap=$2
	rm -rf "$TMP/zeek" "$TMP/vg.log" "$TMP/x.json" "$TMP/report.json"
	mkdir -p "$TMP/zeek"
	timeout "$LIMIT" valgrind --tool=memcheck --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=42 \
		--log-file="$TMP/vg.log" \
		"$SMTPSCOPE" -q -r "$_cap" -w "$TMP/x.json" --zeek-log "$TMP/zeek" \
		--transcript --report json -o "$TMP/report.json" \
		>"$TMP/out" 2>"$TMP/err" </dev/null
	_rc=$?
	_lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$TMP/vg.log" | tr -d ,)
	_ind=$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' "$TMP/vg.log" | tr -d ,)
	_errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$TMP/vg.log")
	if [ "$_rc" = 124 ]; then
		fail "$_name" "still running under valgrind after $LIMIT s"
	elif [ "$_rc" = 42 ] || [ "${_errs:-0}" != 0 ] ||
		[ "${_lost:-0}" != 0 ] || [ "${_ind:-0}" != 0 ]; then
		fail "$_name" "memcheck: ${_errs:-?} errors, definitely lost ${_lost:-0} B, indirectly lost ${_ind:-0} B; first: $(first_error "$TMP/vg.log")"
	elif [ -z "$_errs" ]; then
		fail "$_name" "no valgrind summary (exit $_rc): $(tail -n 3 "$TMP/vg.log" | tr '\n' ' ')"
	elif [ "$_rc" = 1 ] && [ "$(wc -l <"$TMP/err")" = 1 ] &&
		grep -q '^smtpscope: .*damaged' "$TMP/err"; then
		ok "$_name" # a damaged capture: the one sentence, no error
	elif [ "$_rc" != 0 ]; then
		fail "$_name" "exit $_rc, want 0; stderr: $(head -c 300 "$TMP/err")"
	elif [ -s "$TMP/err" ] && grep -v -q -E "$QUIET_SAID" "$TMP/err"; then
		fail "$_name" "stderr with -q: $(head -c 300 "$TMP/err")"
	else
		case $(tail -n 1 "$TMP/x.json" 2>/dev/null) in
		'{"type":"summary"'*) ok "$_name" ;;
		*) fail "$_name" "the log does not end with the summary" ;;
		esac
	fi
}

n=0
for f in captures/*.pcap; do
	[ -f "$f" ] || continue
	vg_run "${f#captures/}" "$f"
	n=$((n + 1))
done
[ "$n" -gt 0 ] || skip valgrind/captures "no captures/*.pcap"

if [ -d "$SHARED/captures" ]; then
	for f in "$SHARED"/captures/zeek/*.pcap "$SHARED"/captures/suricata/*/*.pcap; do
		[ -f "$f" ] || continue
		vg_run "shared/${f#"$SHARED/captures/"}" "$f"
	done
else
	skip valgrind/shared "no $SHARED/captures"
fi

# The hostile captures but the 70,000 open sessions (1.5 GB, minutes).
if command -v python3 >/dev/null 2>&1 &&
	python3 tests/hostile/make-hostile.py "$TMP/hostile" longline rcpt10k \
		synflood random overlap replyflood bdat2g bdat2e64 oooqueue noop1m \
		headers100k >"$TMP/gen.out" 2>&1; then
	for f in "$TMP"/hostile/*.pcap; do
		vg_run "hostile/$(basename "$f")" "$f"
	done
else
	skip valgrind/hostile "no python3, or make-hostile.py failed: $(tail -n 1 "$TMP/gen.out" 2>/dev/null)"
fi
