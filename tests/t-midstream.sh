#!/bin/sh
# Connections picked up mid-stream and one-sided connections (issue 14),
# from our own real captures, against the analysis of each whole capture
# (tests/tools/midstream.py says what is compared):
# - copies that start at chosen packets: at many points of track.pcap
#   (relays, refusals, greylisting, one connection with many
#   transactions), in the middle of DATA (sink-v4-biglo's 64 KiB
#   segments, bdat's chunks), inside a long session of many messages
#   (sink-v4, smtp-source -d), over IPv6 (sink-v6);
# - copies with only the client's packets, or only the server's
#   (tcpdump with a direction filter);
# - the summary counts them; a whole capture picks up nothing.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2
if ! command -v python3 >/dev/null 2>&1; then
	skip midstream "python3 not installed"
	exit 0
fi
M=tests/tools/midstream.py

# cut_at NAME CAPTURE FIRST...: copies from each FIRST on, compared.
cut_at() {
	_n=$1
	_c=$2
	shift 2
	if why=$(python3 "$M" cut "$SMTPSCOPE" "$_c" "$TMP" "$@" 2>&1); then
		ok "$_n"
	else
		fail "$_n" "$(echo "$why" | head -n 3 | tr '\n' ' ')"
	fi
}

# every FROM TO STEP: the packet numbers FROM, FROM+STEP... up to TO.
every() {
	seq "$1" "$3" "$2" | tr '\n' ' '
}

cut_at midstream-track captures/track.pcap $(every 2 596 7)
cut_at midstream-track-start captures/track.pcap 1 2 3 4 5 6
cut_at midstream-exim captures/exim.pcap $(every 2 126 3)
cut_at midstream-long-session captures/sink-v4.pcap $(every 2 330 4)
cut_at midstream-in-data captures/sink-v4-biglo.pcap $(every 2 213 3)
cut_at midstream-bdat captures/bdat.pcap $(every 2 46 1)
cut_at midstream-ipv6 captures/sink-v6.pcap $(every 2 313 6)
cut_at midstream-swaks captures/postfix-swaks.pcap $(every 2 199 4)

# A whole capture: nothing picked up, nothing partial.
run_scope midstream-whole -q -r captures/track.pcap -w "$TMP/w.jsonl"
if [ "$(summary_get midstream "$TMP/w.jsonl")" = 0 ] &&
	! grep -q '"partial":true\|"midstream":true' "$TMP/w.jsonl"; then
	ok midstream-whole
else
	fail midstream-whole "a whole capture has picked-up sessions"
fi

# One side only, by tcpdump's direction filter on the mail ports.
if ! command -v tcpdump >/dev/null 2>&1; then
	skip midstream-one-sided "tcpdump not installed"
	exit 0
fi
# Captures with refusals that the server's word alone decides (a nested
# MAIL refused, a RCPT after 421), LMTP's replies per recipient and
# TURN's swapped roles are left out: one side cannot show them.
for c in track exim sink-v4 sink-v6 sink-reject sink-v4-biglo bdat \
	bounce-dsn opensmtpd postfix-swaks postfix-tls-auth scripted-codes; do
	cap=captures/$c.pcap
	run_scope "midstream-full-$c" -q -r "$cap" -w "$TMP/full.jsonl"
	ports=$(sed -n 's/.*"type":"session".*"server_port":\([0-9]*\).*/\1/p' \
		"$TMP/full.jsonl" | sort -u)
	fc=""
	fs=""
	for p in $ports; do
		fc="$fc${fc:+ or }dst port $p"
		fs="$fs${fs:+ or }src port $p"
	done
	for s in client server; do
		[ $s = client ] && f=$fc || f=$fs
		if ! tcpdump -r "$cap" -w "$TMP/$s.pcap" "$f" 2>/dev/null; then
			fail "midstream-$s-only-$c" "tcpdump failed"
			continue
		fi
		run_scope "midstream-$s-only-$c" -q -r "$TMP/$s.pcap" \
			-w "$TMP/$s.jsonl" || continue
		if [ "$rc" != 0 ]; then
			fail "midstream-$s-only-$c" "exit $rc"
		elif why=$(python3 "$M" side "$TMP/full.jsonl" "$TMP/$s.jsonl" \
			$s 2>&1); then
			ok "midstream-$s-only-$c"
		else
			fail "midstream-$s-only-$c" "$(echo "$why" | head -n 3 | tr '\n' ' ')"
		fi
	done
done

# The summary counts them: every session of a client-only copy picked
# up and one-sided, every transaction's outcome unknown.
tcpdump -r captures/sink-v4.pcap -w "$TMP/c.pcap" 'dst port 25' 2>/dev/null
run_scope midstream-summary -q -r "$TMP/c.pcap" -w "$TMP/c.jsonl"
if why=$(python3 - "$TMP/c.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
s = [r for r in recs if r["type"] == "summary"][-1]
n = sum(1 for r in recs if r["type"] == "session")
t = sum(1 for r in recs if r["type"] == "transaction")
want = {"midstream": n, "one_sided_client": n, "one_sided_server": 0,
        "no_handshake": 0, "unknown": t, "sessions": n}
got = {k: s[k] for k in want}
if got != want or n != 7:
    print("got %r, want %r" % (got, want))
    sys.exit(1)
PY
); then
	ok midstream-summary
else
	fail midstream-summary "$why"
fi
# --no-midstream: only counted, as before.
run_scope midstream-off -q --no-midstream -r "$TMP/c.pcap" -w "$TMP/o.jsonl"
if [ "$(grep -c '"type":"session"' "$TMP/o.jsonl")" = 0 ] &&
	grep -q '"no_handshake":7,"midstream":0,' "$TMP/o.jsonl"; then
	ok midstream-off
else
	fail midstream-off "$(grep summary "$TMP/o.jsonl" | cut -c1-300)"
fi
