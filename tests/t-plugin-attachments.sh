#!/bin/sh
# The attachments plugin (plugins/attachments): MIME parts of messages.
# - its MIME walker alone (plugins/attachments/test/mime_driver.c) on
#   edge cases (RFC 2231 sections and charsets, RFC 2047 B and Q names,
#   message/rfc822 and digests inside multipart/mixed, near-miss
#   boundaries, malformed base64 and quoted-printable, no MIME, empty),
#   each compared with Python's email package (test/mime_truth.py) and
#   walked split at every byte offset and one byte at a time;
# - its limits: max_depth, max_parts, max_header, an over-long boundary,
#   and a gap, each marked on the record and counted;
# - ground truth on captures/*.pcap and ../shared/captures: the messages
#   read from the TCP payloads by test/pcap_messages.py (not by
#   smtpscope), parsed by Python, against the plugin's records in
#   smtpscope; the file names (sizes, SHA-256) that Suricata's test.yaml
#   files expect;
# - the plugin's counters in the JSON report on a crafted capture whose
#   messages arrive in 7-byte segments;
# - JSON escaping of hostile names; bad arguments and an unwritable log:
#   exit 2, one line, before anything is read.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

SO=build/plugins/attachments.so
T=plugins/attachments/test
if [ ! -f "$SO" ]; then
	skip attachments "no $SO (make build/plugins/attachments.so)"
	exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
	skip attachments "no python3"
	exit 0
fi
if ! command -v cc >/dev/null 2>&1 || [ ! -f /usr/include/nettle/md5.h ]; then
	skip attachments-walker "no cc or no nettle headers (apt-get install nettle-dev)"
	DRV=
else
	# The sanitizers when the binary under test is the ASan build.
	case $SMTPSCOPE in
	*asan*) SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -g" ;;
	*) SAN="-O1 -g" ;;
	esac
	DRV=$TMP/mime_driver
	# shellcheck disable=SC2086
	if ! cc -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -Wall -Wextra -Werror \
	    $SAN -Isrc -Iplugins/attachments -o "$DRV" $T/mime_driver.c \
	    plugins/attachments/mime.c plugins/attachments/mimehdr.c \
	    src/lib/*.c -lnettle 2>"$TMP/cc.err"; then
		fail attachments-walker-build "$(head -c 300 "$TMP/cc.err")"
		DRV=
	fi
fi

M=$TMP/msgs
mkdir -p "$M"
python3 $T/mkmsgs.py "$M" || fail attachments-mkmsgs "mkmsgs.py failed"

# drv NAME ARGS...: the walker on $M/NAME.eml into $TMP/NAME.out; split
# at every offset too (-s). Non-zero when it failed (said once).
drv() {
	_n=$1
	shift
	if ! "$DRV" -s "$@" "$M/$_n.eml" >"$TMP/$_n.out" 2>"$TMP/$_n.err"; then
		fail "attachments-$_n" "walker: $(head -c 300 "$TMP/$_n.err")"
		return 1
	fi
	if grep -q -E 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$TMP/$_n.err"; then
		fail "attachments-$_n" "sanitizer: $(grep -m1 -E 'ERROR|runtime error' "$TMP/$_n.err")"
		return 1
	fi
	return 0
}

# check NAME OUT PYTHON-EXPR: a condition on the walker's output in
# $TMP/OUT.out (parts: the records, stats: the limits line).
check() {
	_why=$(python3 - "$TMP/$2.out" "$3" 2>&1 <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
parts = [r for r in recs if "part" in r]
stats = [r for r in recs if "stats" in r][0]["stats"]
if not eval(sys.argv[2]):
    print("not %s: %s %s" % (sys.argv[2], json.dumps(stats), json.dumps([{k: p[k] for k in ("part", "mime_type", "filename", "size", "limits")} for p in parts])[:300]))
PY
)
	_st=$?
	if [ "$_st" != 0 ] || [ -n "$_why" ]; then
		fail "attachments-$1" "${_why:-exit $_st}"
	else
		ok "attachments-$1"
	fi
}

if [ -n "$DRV" ]; then
	# Against Python, split everywhere.
	for n in rfc2231 rfc2047 nested nearmiss badenc plain empty; do
		drv "$n" || continue
		why=$(python3 $T/compare.py parts "$M/$n.eml" "$TMP/$n.out")
		if [ -n "$why" ]; then
			fail "attachments-$n" "$(echo "$why" | head -n 3 | tr '\n' ';')"
		else
			ok "attachments-$n"
		fi
	done
	# What each must show beyond agreeing with Python.
	drv rfc2231 && check rfc2231-names rfc2231 '[p["filename"] for p in parts] == ["na\u00efve.txt", "\u20ac rapport final.pdf", "caf\u00e9.bin", "\u00fcber.txt"]'
	drv rfc2047 && check rfc2047-names rfc2047 '[p["filename"] for p in parts] == ["\u00e9cole.png", "r\u00e9sum\u00e9 2024.txt", "caf\u00e9.txt"]'
	drv nested && check nested-shape nested '[(p["depth"], p["mime_type"]) for p in parts] == [(1, "text/plain"), (3, "text/plain"), (3, "text/html"), (3, "text/plain"), (1, "application/pdf")] and parts[4]["size"] == 1280'
	drv badenc && check badenc-counted badenc 'stats["bad_encoding"] == 2 and parts[0]["bad_encoding"] and parts[1]["bad_encoding"] and not parts[2]["bad_encoding"]'
	# The limits: marked, counted, and the walk goes on.
	drv deep -d 2 && check limit-depth deep 'stats["depth"] == 1 and parts[0]["limits"] & 2 and parts[0]["mime_type"] == "multipart/mixed" and parts[1]["size"] == 5'
	drv many -p 3 && check limit-parts many 'stats["parts"] == 1 and len(parts) == 3 and parts[2]["limits"] & 4 and not parts[1]["limits"]'
	drv bighdr -H 1024 && check limit-header bighdr 'stats["header"] == 1 and parts[0]["limits"] & 8 and parts[1]["filename"] == "after.zip" and not parts[1]["limits"]'
	drv longbnd && check limit-boundary longbnd 'stats["boundary"] == 1 and len(parts) == 1 and parts[0]["limits"] & 16'
	if "$DRV" -g 120:20 "$M/nested.eml" >"$TMP/gap.out" 2>"$TMP/gap.err"; then
		check gap gap 'parts[0]["limits"] & 1 and not parts[4]["limits"]'
	else
		fail attachments-gap "walker: $(head -c 300 "$TMP/gap.err")"
	fi
	drv escape && check escape-walker escape 'parts[0]["filename"] == "a\x01b\x1b[31m\\xff\"q\u202e.txt"'
fi

# ---- the plugin in smtpscope ---------------------------------------------
# pcap_truth NAME CAPTURE: the plugin's records against Python's parts.
pcap_truth() {
	run_scope "$1" -q -r "$2" --plugin "attachments:log=$TMP/files.jsonl" \
	    -w /dev/null || return
	if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
		fail "$1" "exit $rc: $(head -c 300 "$TMP/err")"
		return
	fi
	if ! python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$TMP/files.jsonl" 2>"$TMP/j.err"; then
		fail "$1" "not JSON Lines: $(tail -n 1 "$TMP/j.err")"
		return
	fi
	why=$(python3 $T/compare.py pcap tests/tools "$2" "$TMP/files.jsonl" 2>&1)
	if [ "$(echo "$why" | wc -l)" -gt 1 ]; then
		fail "$1" "$(echo "$why" | head -n 3 | tr '\n' ';')"
	else
		ok "$1"
	fi
}

for cap in captures/*.pcap; do
	[ -f "$cap" ] || continue
	case $cap in
	captures/evasion-*)
		# Made to mislead a reader that does not decide fragments and
		# overlaps as the receiver does, which the Python reference
		# is not meant to: tests/t-evasion.sh checks them against the
		# receiver itself.
		continue
		;;
	esac
	pcap_truth "attachments-truth-$(basename "$cap" .pcap)" "$cap"
done
if [ -d "$SHARED/captures" ]; then
	for cap in "$SHARED"/captures/zeek/*.pcap "$SHARED"/captures/suricata/*/*.pcap; do
		[ -f "$cap" ] || continue
		case $cap in
		*/suricata/*) name=suricata-$(basename "$(dirname "$cap")") ;;
		*) name=zeek-$(basename "$cap" .pcap) ;;
		esac
		pcap_truth "attachments-truth-$name" "$cap"
	done
	# The file names (sizes, SHA-256) Suricata's tests expect.
	for y in "$SHARED"/captures/suricata/*/test.yaml; do
		grep -q 'fileinfo.filename' "$y" || continue
		dir=$(dirname "$y")
		cap=$(ls "$dir"/*.pcap | head -n 1)
		name=attachments-suricata-names-$(basename "$dir")
		run_scope "$name" -q -r "$cap" --plugin "attachments:log=$TMP/s.jsonl" -w /dev/null || continue
		why=$(python3 - "$y" "$TMP/s.jsonl" <<'PY'
import json, re, sys
want, cur = [], None
for line in open(sys.argv[1]):
    m = re.match(r'\s*fileinfo\.(filename|size|sha256):\s*"?([^"\n]*)"?', line)
    if not m:
        continue
    if m.group(1) == "filename":
        cur = {"filename": m.group(2)}
        want.append(cur)
    elif cur is not None:
        cur[m.group(1)] = int(m.group(2)) if m.group(1) == "size" else m.group(2)
got = [json.loads(l) for l in open(sys.argv[2])]
for w in want:
    if not any(all(g.get(k) == v for k, v in w.items()) for g in got):
        print("no part %s; got %s" % (w, [(g["filename"], g["size"]) for g in got]))
        break
PY
)
		[ -z "$why" ] && ok "$name" || fail "$name" "$why"
	done
else
	skip attachments-truth-shared "no $SHARED/captures"
fi

# ---- counters on a crafted capture (7-byte segments) ----------------------
python3 $T/mkpcap.py "$TMP/crafted.pcap" 7 "$M/deep.eml" "$M/many.eml" \
    "$M/bighdr.eml" "$M/longbnd.eml" "$M/rfc2231.eml" "$M/badenc.eml" "$M/escape.eml"
if run_scope attachments-counters -q -r "$TMP/crafted.pcap" \
    --plugin "attachments:log=$TMP/c.jsonl,max_depth=2,max_parts=3,max_header=1024" \
    --report json -o "$TMP/r.json"; then
	why=$(python3 - "$TMP/r.json" "$TMP/c.jsonl" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["plugins"].get("attachments")
recs = [json.loads(l) for l in open(sys.argv[2])]
if p is None:
    print("no plugins.attachments in the report"); sys.exit()
want = {"messages": 7, "depth_limit": 1, "parts_limit": 2, "header_limit": 1,
        "boundary_limit": 1, "bad_encoding": 2, "parts": len(recs),
        "attachments": sum(1 for r in recs if r["filename"] is not None)}
bad = ["%s %s, want %s" % (k, p.get(k), v) for k, v in want.items() if p.get(k) != v]
lim = sorted(set(l for r in recs for l in r["limits"]))
if lim != ["boundary", "max_depth", "max_header", "max_parts"]:
    bad.append("limits named %s" % lim)
keys = {"ts", "session_id", "trans_depth", "client_ip", "server_ip", "mail_from",
        "filename", "mime_type", "size", "md5", "sha1", "sha256", "disposition",
        "transfer_encoding", "depth", "part", "truncated"}
if recs and not keys <= set(recs[0]):
    bad.append("keys missing: %s" % sorted(keys - set(recs[0])))
if not any(r["filename"] == "a\x01b\x1b[31m\\xff\"q\u202e.txt" for r in recs):
    bad.append("hostile name not escaped as expected")
print("; ".join(bad))
PY
)
	if [ "$rc" != 0 ]; then
		fail attachments-counters "exit $rc: $(head -c 300 "$TMP/err")"
	elif [ -n "$why" ]; then
		fail attachments-counters "$why"
	else
		ok attachments-counters
	fi
	# Control characters as \u00XX, the invalid byte as the text \xff,
	# the override as \u202e (never raw, as in every log of smtpscope).
	if grep -q 'a\\u0001b\\u001b\[31m\\\\xff\\"q\\u202e.txt' "$TMP/c.jsonl"; then
		ok attachments-json-escape
	else
		fail attachments-json-escape "$(grep -o '"filename":"a[^,]*' "$TMP/c.jsonl" | head -n 1)"
	fi
fi

# ---- refusals: exit 2, one line, nothing read or written ------------------
refuse() {
	_name=$1
	_args=$2
	_phrase=$3
	run_scope "$_name" -i nosuchif0 --plugin "attachments$_args" -w "$TMP/never.jsonl" || return
	if [ "$rc" != 2 ]; then
		fail "$_name" "exit $rc, want 2: $(head -c 300 "$TMP/err")"
	elif [ "$(wc -l <"$TMP/err")" != 1 ]; then
		fail "$_name" "stderr not one line: $(head -c 300 "$TMP/err")"
	elif ! grep -q "^smtpscope: plugin attachments: .*$_phrase" "$TMP/err"; then
		fail "$_name" "message does not say /$_phrase/: $(head -c 300 "$TMP/err")"
	elif [ -e "$TMP/never.jsonl" ]; then
		fail "$_name" "the log was created"
	else
		ok "$_name"
	fi
}
refuse attachments-no-args "" 'log=PATH is required'
refuse attachments-no-log ":max_depth=3" 'log=PATH is required'
refuse attachments-unknown ":log=-,colour=red" 'unknown argument "colour"'
refuse attachments-not-kv ":log=-,verbose" 'not key=value'
refuse attachments-bad-number ":log=-,max_depth=-1" 'max_depth= must be a number from 0 to 64'
refuse attachments-too-big ":log=-,max_parts=99999999999999999999" 'max_parts= must be a number'
refuse attachments-header-small ":log=-,max_header=10" 'max_header= must be a number from 256'
refuse attachments-twice ":log=-,log=x" 'given twice'
refuse attachments-empty-log ":log=" 'log= needs a path'
refuse attachments-stray-comma ":log=-," 'stray comma'
refuse attachments-control ":log=-,$(printf 'a\033b')=1" 'unknown argument "a?b"'
refuse attachments-unwritable ":log=/nonexistent/dir/f.jsonl" 'cannot open /nonexistent/dir/f.jsonl'

# log=- writes to standard output.
if run_scope attachments-stdout -q -r captures/exim.pcap --plugin attachments:log=-; then
	if [ "$rc" = 0 ] && grep -q '"mime_type":"text/plain"' "$TMP/out"; then
		ok attachments-stdout
	else
		fail attachments-stdout "exit $rc: $(head -c 300 "$TMP/out")"
	fi
fi
