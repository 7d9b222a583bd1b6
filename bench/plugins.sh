#!/bin/bash
# plugins.sh - the cost of the plugins on the benchmark corpus (issue 6):
# the full analysis without plugins, with each of the shipped plugins, and
# with eml, attachments and prometheus loaded together, with peak RSS
# beside the 64 MiB cap. Figures: medians of REPS runs (default 3).
#
# usage: bench/plugins.sh [CORPUS]     (default bench/corpus/corpus.pcap)
#
# eml writes into a temporary folder capped at 64 MB (full=oldest), the
# attachments log goes to a temporary file, prometheus listens on
# 127.0.0.1:9152 (PROM_PORT to change). Exit status 1 when a run fails or
# the peak RSS passes the cap.
# SPDX-License-Identifier: GPL-2.0-or-later
set -eu
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
CORPUS=${1:-$HERE/corpus/corpus.pcap}
REPS=${REPS:-3}
PROM_PORT=${PROM_PORT:-9152}
SMTPSCOPE=${SMTPSCOPE:-$TOP/smtpscope}
CAP_MIB=64
[ -f "$CORPUS" ] || { echo "plugins.sh: no corpus $CORPUS (sudo bench/make-corpus.sh)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "plugins.sh: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
for p in example eml attachments prometheus; do
	[ -f "$TOP/build/plugins/$p.so" ] || { echo "plugins.sh: no build/plugins/$p.so (make plugins)" >&2; exit 1; }
done
TMP=$(mktemp -d /tmp/smtpscope-bench-plugins.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
cat "$CORPUS" >/dev/null

declare -A ARGS
KEYS="none example eml attachments prometheus all3"
ARGS[none]=""
ARGS[example]="--plugin example:body=1"
ARGS[eml]="--plugin eml:dir=$TMP/eml,max_disk=64m,full=oldest"
ARGS[attachments]="--plugin attachments:log=$TMP/att.jsonl"
ARGS[prometheus]="--plugin prometheus:listen=127.0.0.1:$PROM_PORT"
ARGS[all3]="${ARGS[eml]} ${ARGS[attachments]} ${ARGS[prometheus]}"

FAILED=0
: >"$TMP/raw"
for rep in $(seq 1 "$REPS"); do
	for key in $KEYS; do
		rm -rf "$TMP/eml" "$TMP/att.jsonl" "$TMP/r.json"
		mkdir "$TMP/eml"
		# shellcheck disable=SC2086
		if ! /usr/bin/time -f '%e %U %S %M' -o "$TMP/time" "$SMTPSCOPE" -q \
		    -r "$CORPUS" -w /dev/null --report json -o "$TMP/r.json" \
		    ${ARGS[$key]} >/dev/null 2>"$TMP/err"; then
			echo "plugins.sh: $key failed: $(head -c 300 "$TMP/err")" >&2
			FAILED=1
		fi
		echo "$key $(tail -n 1 "$TMP/time")" >>"$TMP/raw"
		if [ "$key" = all3 ] && [ "$rep" = 1 ]; then
			python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("all3 counters:", json.dumps(r["plugins"]))' "$TMP/r.json" >"$TMP/counters" 2>/dev/null || true
		fi
	done
done

echo "smtpscope plugins on $(basename "$CORPUS") ($(awk -v s="$(stat -c %s "$CORPUS")" 'BEGIN {printf "%.1f MB", s / 1e6}')), $REPS runs each, medians"
printf '%-34s %8s %8s %10s %10s\n' "run" "wall s" "CPU s" "RSS MiB" "vs none"
base=
for key in $KEYS; do
	read -r wall cpu rss <<<"$(awk -v k="$key" '$1 == k {print $2, $3 + $4, $5}' "$TMP/raw" |
		sort -k2 -g | awk '{w[NR]=$1; c[NR]=$2; r[NR]=$3} END {m=int((NR+1)/2); print w[m], c[m], r[m]}')"
	[ -z "$base" ] && base=$cpu
	mib=$(awk -v r="$rss" 'BEGIN {printf "%.1f", r / 1024}')
	printf '%-34s %8.2f %8.2f %10s %9.2fx\n' "$key" \
	    "$wall" "$cpu" "$mib" "$(awk -v c="$cpu" -v b="$base" 'BEGIN {print c / b}')"
	if awk -v r="$rss" -v cap="$CAP_MIB" 'BEGIN {exit !(r / 1024 > cap)}'; then
		echo "  peak RSS over the ${CAP_MIB} MiB cap" >&2
		FAILED=1
	fi
done
cat "$TMP/counters" 2>/dev/null || true
echo "(cap: peak RSS <= $CAP_MIB MiB for every run; eml's files capped at 64 MB, oldest deleted)"
exit "$FAILED"
