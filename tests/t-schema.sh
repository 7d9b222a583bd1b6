#!/bin/sh
# docs/log-schema.md stays complete: every key smtpscope writes, at any
# depth, on every capture we have, is named there in backquotes.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2
command -v python3 >/dev/null 2>&1 || { skip schema "no python3"; exit 0; }
for cap in captures/*.pcap "$SHARED"/captures/zeek/*.pcap; do
	[ -f "$cap" ] && "$SMTPSCOPE" -q -r "$cap" -w - 2>/dev/null
done >"$TMP/all.jsonl"
python3 - "$TMP/all.jsonl" docs/log-schema.md <<'PY' >"$TMP/missing"
import json, sys
doc = open(sys.argv[2], encoding="utf-8").read()
keys = set()
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            keys.add(k)
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
for line in open(sys.argv[1], encoding="utf-8"):
    walk(json.loads(line))
for k in sorted(keys):
    if "`%s`" % k not in doc:
        print(k)
PY
if [ -s "$TMP/missing" ]; then
	fail schema "keys not in docs/log-schema.md: $(tr '\n' ' ' <"$TMP/missing")"
else
	ok "schema ($(wc -l <"$TMP/all.jsonl") records checked)"
fi
