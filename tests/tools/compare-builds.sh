#!/bin/sh
# Compares every output of two smtpscope builds, byte for byte, on every
# capture: the renovation's proof (issue 12) that moving code changed
# nothing a user sees.
#
#   tests/tools/compare-builds.sh OLD_BINARY NEW_BINARY [CAPTURE...]
#
# Without captures: captures/*.pcap*, captures/input/*, ../shared/captures
# (when present, or $SMTPSCOPE_SHARED/captures), and, with CORPUS=1, the
# benchmark corpus bench/corpus/corpus.pcap. For each: the JSON log, the
# Zeek log, the transcript, the text, JSON and HTML reports, stderr and
# the exit status. The only lines allowed to differ are the ones that
# carry the time they were written (Zeek's #open/#close, the reports'
# "written" lines). Prints one line per capture that differs and the
# first lines of its diff; exit 0 when every output is the same.
# SPDX-License-Identifier: GPL-2.0-or-later
set -u
cd "$(dirname "$0")/../.." || exit 2
[ $# -ge 2 ] || {
	echo "usage: $0 OLD_BINARY NEW_BINARY [CAPTURE...]" >&2
	exit 2
}
old=$1
new=$2
shift 2
for b in "$old" "$new"; do
	[ -x "$b" ] || {
		echo "$0: $b is not an executable" >&2
		exit 2
	}
done
shared=${SMTPSCOPE_SHARED:-../shared}
if [ $# -eq 0 ]; then
	set -- $(ls captures/*.pcap* captures/input/* 2>/dev/null |
		grep -E '\.(pcap|pcapng)(\.gz)?$')
	if [ -d "$shared/captures" ]; then
		set -- "$@" $(find "$shared/captures" -type f \
			\( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) | sort)
	fi
	if [ "${CORPUS:-0}" = 1 ] && [ -f bench/corpus/corpus.pcap ]; then
		set -- "$@" bench/corpus/corpus.pcap
	fi
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# outputs BIN CAPTURE DIR: every output of one run into DIR.
outputs() {
	mkdir -p "$3/zeek"
	"$1" -q -r "$2" -w "$3/log.jsonl" --zeek-log "$3/zeek" \
	    --report json -o "$3/report.json" >/dev/null 2>"$3/stderr"
	echo "exit $?" >>"$3/stderr"
	"$1" -q -r "$2" --transcript >"$3/transcript" 2>>"$3/stderr"
	echo "exit $?" >>"$3/stderr"
	"$1" -q -r "$2" --report text -o "$3/report.txt" 2>>"$3/stderr"
	echo "exit $?" >>"$3/stderr"
	"$1" -q -r "$2" --report html -o "$3/report.html" 2>>"$3/stderr"
	echo "exit $?" >>"$3/stderr"
}

n=0
bad=0
for c in "$@"; do
	n=$((n + 1))
	outputs "$old" "$c" "$tmp/old"
	outputs "$new" "$c" "$tmp/new"
	if ! diff -r -I '^#open' -I '^#close' -I 'Report written (UTC)' \
	    -I '<footer>Written by' "$tmp/old" "$tmp/new" >"$tmp/diff" 2>&1; then
		bad=$((bad + 1))
		echo "DIFFERS $c"
		head -n 12 "$tmp/diff" | sed 's/^/    /' | cut -c 1-200
	fi
	rm -rf "$tmp/old" "$tmp/new"
done
echo "$n captures, $bad differ"
[ "$bad" -eq 0 ]
