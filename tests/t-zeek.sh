#!/bin/sh
# Against Zeek: for every capture in ../shared/captures/zeek with an
# expected smtp.log, our --zeek-log output must agree field by field
# (tests/tools/zeekcmp.py), apart from the differences documented with
# their reasons in tests/zeek-differences.txt. Also: zeek-cut style
# parsing of our header, and that the log is well-formed for Zeek tools.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2
dir=$SHARED/captures/zeek
[ -d "$dir" ] || { skip zeek "no $dir"; exit 0; }
command -v python3 >/dev/null 2>&1 || { skip zeek "no python3"; exit 0; }
for exp in "$dir"/*.smtp.log; do
	name=$(basename "$exp" .smtp.log)
	cap=$dir/$name.pcap
	[ -f "$cap" ] || cap=$dir/$name.pcapng
	rm -rf "$TMP/z"
	run_scope "zeek-$name" -q -r "$cap" --zeek-log "$TMP/z" || continue
	if [ "$rc" != 0 ]; then
		fail "zeek-$name" "exit $rc: $(head -c 300 "$TMP/err")"
		continue
	fi
	allow=$(awk -v n="$name" '$1 == n { f = $2; $1 = ""; $2 = ""; sub(/^ +/, ""); printf "--allow=%s=%s\n", f, $0 }' tests/zeek-differences.txt)
	# shellcheck disable=SC2086
	if (IFS='
'; python3 tests/tools/zeekcmp.py "$exp" "$TMP/z/smtp.log" $allow) >"$TMP/cmp" 2>&1; then
		ok "zeek-$name"
	else
		fail "zeek-$name" "$(head -c 1500 "$TMP/cmp")"
	fi
done

# The format itself: the header lines Zeek's readers need, in order,
# one #close, and every row with as many columns as #fields.
rm -rf "$TMP/z"
"$SMTPSCOPE" -q -r "$dir/smtp.pcap" --zeek-log "$TMP/z" 2>/dev/null
if awk -F '\t' '
	NR == 1 && $0 != "#separator \\x09" { bad = "separator" }
	NR == 2 && $0 != "#set_separator\t," { bad = "set_separator" }
	NR == 3 && $0 != "#empty_field\t(empty)" { bad = "empty_field" }
	NR == 4 && $0 != "#unset_field\t-" { bad = "unset_field" }
	NR == 5 && $0 != "#path\tsmtp" { bad = "path" }
	/^#fields/ { n = NF }
	/^#close/ { closes++ }
	!/^#/ && NF != n - 1 + 0 { if (n) bad = "columns" }
	END { if (closes != 1) bad = bad " close"; if (bad) { print bad; exit 1 } }
' "$TMP/z/smtp.log" >"$TMP/fmt"; then
	ok zeek-format
else
	fail zeek-format "$(cat "$TMP/fmt")"
fi
