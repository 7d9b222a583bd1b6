#!/bin/sh
# The HTML report (smtpscope -r FILE --report html -o OUT.html): one
# self-contained page that fetches nothing, is valid UTF-8, carries the
# capture's figures and its charts, renders in headless Chromium (when
# /usr/bin/chromium is there), and shows hostile wire text as text.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2
HELPER=tests/tools/htmlreport.py
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
cap=captures/sink-reject.pcap
[ -f "$cap" ] || { skip html "no $cap"; exit 0; }
have_python=0
command -v python3 >/dev/null 2>&1 && have_python=1

# html_report NAME CAPTURE OUT: writes the report, or says FAIL NAME.
html_report() {
	run_scope "$1" -q -r "$2" --report html -o "$3" || return 1
	if [ "$rc" != 0 ] || [ ! -s "$3" ]; then
		fail "$1" "exit $rc, no report: $(head -c 300 "$TMP/err")"
		return 1
	fi
	return 0
}

# chrome ARGS...: headless Chromium with nothing of its own on the network.
chrome() {
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --disable-quic --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync \
	    --user-data-dir="$TMP/chrome" "$@" 2>>"$TMP/chrome.err"
}

# self_contained NAME FILE: nothing to fetch, and a whole page.
self_contained() {
	# A URL, a scheme-relative src/href, a style sheet or script
	# from elsewhere, a CSS import or url().
	q='["'\'']?'
	re="https?://|(src|href|action)[[:space:]]*=[[:space:]]*$q//"
	re="$re|<link[^>]*stylesheet|<script[^>]*src|@import|url\\("
	if grep -E -i -n "$re" "$2" >"$TMP/ext"; then
		fail "$1" "refers outside the page: $(head -c 200 "$TMP/ext")"
		return
	fi
	if ! tail -c 20 "$2" | grep -q '</html>'; then
		fail "$1" "the page is not complete (no </html> at the end)"
		return
	fi
	if [ $have_python = 1 ]; then
		if ! python3 "$HELPER" inspect "$2" >"$TMP/facts" 2>"$TMP/perr"; then
			fail "$1" "not valid UTF-8 HTML: $(tail -n 1 "$TMP/perr")"
			return
		fi
		n=$(sed -n 's/^external //p' "$TMP/facts")
		if [ "$n" != 0 ]; then
			fail "$1" "$n src/href attributes point outside the page"
			return
		fi
	fi
	ok "$1"
}

# figures NAME FACTS: the overview cards give the capture's ground truth,
# the chart titles are there and so are the SVG charts.
figures() {
	bad=
	while read -r key want; do
		case $key in
		sessions) id=sessions ;;
		transactions) id=transactions ;;
		messages_accepted) id=accepted ;;
		recipients_accepted) id=recipients ;;
		*) continue ;;
		esac
		got=$(sed -n "s/^card $id //p" "$2" | tr -d ',')
		[ "$got" = "$want" ] || bad="$bad $key=$got (truth $want)"
	done <captures/sink-reject.truth
	for title in 'Overview' 'Messages and rejections over time' \
	    'Reply codes' 'Latency distribution' 'Message size distribution' \
	    'TLS and AUTH' 'Capture health'; do
		grep -q -x -F "heading $title" "$2" || bad="$bad no \"$title\""
	done
	n=$(sed -n 's/^svg //p' "$2")
	[ "${n:-0}" -ge 4 ] || bad="$bad only ${n:-0} svg charts"
	if [ -z "$bad" ]; then
		ok "$1"
	else
		fail "$1" "$bad"
	fi
}

# harmless NAME FILE: hostile text shown as text, nothing runs.
harmless() {
	if ! python3 "$HELPER" inspect "$2" >"$TMP/hfacts" 2>"$TMP/perr" ||
		! python3 "$HELPER" text "$2" >"$TMP/htext" 2>>"$TMP/perr"; then
		fail "$1" "not valid UTF-8 HTML: $(tail -n 1 "$TMP/perr")"
		return
	fi
	bad=
	grep -q -x 'script 0' "$TMP/hfacts" || bad="$bad a script element;"
	grep -q -x 'handlers 0' "$TMP/hfacts" || bad="$bad an on* attribute;"
	for t in '"<script>alert(1)</script>"@victim.example' \
	    '"onmouseover=alert(1)"@evil.example' \
	    "x\\xff\\xfe\\xe2\\x80\\xae'<script>alert(1)</script>@bad.example"; do
		grep -q -F -- "$t" "$TMP/htext" || bad="$bad no text $t;"
	done
	if [ -z "$bad" ]; then
		ok "$1"
	else
		fail "$1" "$bad"
	fi
}

# 1. A real capture: the page, its figures, nothing fetched.
if html_report html-write "$cap" "$TMP/r.html"; then
	ok html-write
	self_contained html-self-contained "$TMP/r.html"
	if [ $have_python = 1 ]; then
		figures html-figures "$TMP/facts"
	else
		skip html-figures "no python3"
	fi
	if grep -q 'per second' "$TMP/r.html"; then
		ok html-per-second
	else
		fail html-per-second "a capture of seconds not charted per second"
	fi
fi

# 1a. The same page made again from the capture's JSON log by smtpscope
#     report: nothing fetched, the same figures, and the note that says
#     what the records do not carry.
if "$SMTPSCOPE" -q -r "$cap" -w "$TMP/rec.jsonl" 2>/dev/null &&
	"$SMTPSCOPE" report -f html -o "$TMP/rec.html" "$TMP/rec.jsonl" \
		2>"$TMP/rec.err"; then
	self_contained html-records-self-contained "$TMP/rec.html"
	if [ $have_python = 1 ]; then
		figures html-records-figures "$TMP/facts"
	else
		skip html-records-figures "no python3"
	fi
	if grep -q '<p class="note" id="note">Made from records' "$TMP/rec.html"; then
		ok html-records-note
	else
		fail html-records-note "no note under the title"
	fi
else
	fail html-records-self-contained "smtpscope report: $(head -c 300 "$TMP/rec.err")"
fi

# 1b. The outcomes in the words of DESIGN.md, on a capture with a 421
#     (a tempfail, not a drop) and a connection cut inside DATA (lost):
#     each of the six outcome cards holds what the JSON log of the same
#     capture says, lost and dropped apart; dropped says that it needs
#     tracking across hops; lost names capture loss only when the log
#     does. The reply-code table has a Meaning cell for 421 with the
#     text of src/event/codes.c, and every reply code and enhanced code
#     shown has a meaning.
dcap=captures/drops.pcap
if [ $have_python = 0 ]; then
	skip html-outcomes "no python3"
	skip html-meanings "no python3"
elif [ ! -f "$dcap" ]; then
	skip html-outcomes "no $dcap"
	skip html-meanings "no $dcap"
elif html_report html-outcomes "$dcap" "$TMP/d.html"; then
	python3 "$HELPER" inspect "$TMP/d.html" >"$TMP/dfacts"
	"$SMTPSCOPE" -q -r "$dcap" -w "$TMP/d.jsonl" 2>/dev/null
	bad=
	python3 "$HELPER" log-figures "$TMP/d.jsonl" >"$TMP/dlog" ||
		bad="the JSON log cannot be read;"
	for o in accepted rejected tempfail lost aborted dropped; do
		want=$(sed -n "s/^$o //p" "$TMP/dlog")
		got=$(sed -n "s/^card $o //p" "$TMP/dfacts" | tr -d ',')
		[ -n "$want" ] && [ "$got" = "$want" ] ||
			bad="$bad card $o '$got' (log ${want:-none});"
	done
	grep -q -x 'lost 1' "$TMP/dlog" && grep -q -x 'tempfail 2' "$TMP/dlog" ||
		bad="$bad the log of $dcap lacks its cut DATA or its 421 as tempfail;"
	grep -q '^card-note dropped .*never passed on' "$TMP/dfacts" ||
		bad="$bad the dropped card does not say what a drop is;"
	lc=$(sed -n 's/^unknown_capture //p' "$TMP/dlog")
	if [ "${lc:-0}" -gt 0 ]; then
		grep -q "^card-note unknown .*: $lc cut off while the capture lost" \
			"$TMP/dfacts" || bad="$bad no '$lc cut off while the capture lost';"
	elif grep -q '^card-note lost .*capture' "$TMP/dfacts"; then
		bad="$bad capture loss named on the lost card;"
	fi
	if [ -z "$bad" ]; then ok html-outcomes; else fail html-outcomes "$bad"; fi

	bad=
	want=$(python3 "$HELPER" reply-meaning 421 src/event/codes.c)
	row=$(grep '^row reply-codes 421|' "$TMP/dfacts")
	[ -n "$want" ] && [ "${row##*|}" = "$want" ] ||
		bad="421's Meaning is '${row##*|}', codes.c says '$want';"
	grep -q '^row reply-codes Code|Replies|Share|Meaning$' "$TMP/dfacts" ||
		bad="$bad no Meaning column in the reply-code table;"
	grep -q '^row table-enhanced #|Code|replies|Share|Meaning$' "$TMP/dfacts" ||
		bad="$bad no Meaning column in the enhanced-code table;"
	n=$(grep -c -E '^row reply-codes [0-9]{3}\|' "$TMP/dfacts")
	[ "$n" -ge 5 ] || bad="$bad only $n reply codes listed;"
	empty=$(grep -E '^row (reply-codes [0-9]{3}|table-enhanced [0-9]+)\|' \
		"$TMP/dfacts" | grep -E '\|$|not an enhanced status code$')
	[ -z "$empty" ] || bad="$bad a code without a meaning: $empty;"
	grep -q '&lt;CRLF&gt;' "$TMP/d.html" ||
		bad="$bad 354's meaning not escaped;"
	if [ -z "$bad" ]; then ok html-meanings; else fail html-meanings "$bad"; fi
	self_contained html-outcomes-self-contained "$TMP/d.html"
fi

# 1c. Security findings: a message submitted on 587 without AUTH and a
#     session that sends AUTH PLAIN in clear text are counted, as the
#     JSON log counts them, on cards marked as warnings; the protocol
#     details (refusals, assumed effects, TURN/ATRN, LMTP, command
#     results) are there.
if [ $have_python = 0 ]; then
	skip html-security "no python3 to make the capture"
elif python3 "$HELPER" security-pcap "$TMP/sec.pcap" &&
	html_report html-security "$TMP/sec.pcap" "$TMP/sec.html"; then
	python3 "$HELPER" inspect "$TMP/sec.html" >"$TMP/secfacts"
	"$SMTPSCOPE" -q -r "$TMP/sec.pcap" -w "$TMP/sec.jsonl" 2>/dev/null
	python3 "$HELPER" log-figures "$TMP/sec.jsonl" >"$TMP/seclog"
	bad=
	for kv in submission_no_auth:submission-no-auth \
	    cleartext_auth:cleartext-auth; do
		want=$(sed -n "s/^${kv%%:*} //p" "$TMP/seclog")
		got=$(sed -n "s/^card ${kv#*:} //p" "$TMP/secfacts")
		[ "$want" = 1 ] && [ "$got" = 1 ] ||
			bad="$bad ${kv#*:} card '$got', log '$want' (1 made);"
		grep -q "class=\"card warn\" id=\"card-${kv#*:}\"" \
			"$TMP/sec.html" || bad="$bad ${kv#*:} not marked;"
	done
	grep -q 'class="card warn" id="card-submission-no-auth"' "$TMP/r.html" &&
		bad="$bad a zero count marked on $cap;"
	for title in 'Security findings' 'Protocol details'; do
		grep -q -x -F "heading $title" "$TMP/secfacts" ||
			bad="$bad no \"$title\";"
	done
	for r in 'Commands refused inside transactions' \
	    'Transactions with assumed effects' 'Sessions with TURN or ATRN' \
	    'LMTP recipients delivered' 'LMTP recipients failed'; do
		grep -q "^row model $r|0|" "$TMP/secfacts" || bad="$bad no '$r 0';"
	done
	grep -q '^row command-results VRFY|0|' "$TMP/secfacts" ||
		bad="$bad no command results;"
	if [ -z "$bad" ]; then ok html-security; else fail html-security "$bad"; fi
fi

# 1d. A transaction cut off after bytes the capture never saw: not
#     lost mail but unknown (capture loss), on a card of its own that
#     says so, as the JSON log counts them; the lost card says 0.
if [ $have_python = 0 ]; then
	skip html-capture-loss "no python3 to make the capture"
elif python3 "$HELPER" gap-pcap "$TMP/gap.pcap" &&
	html_report html-capture-loss "$TMP/gap.pcap" "$TMP/gap.html"; then
	python3 "$HELPER" inspect "$TMP/gap.html" >"$TMP/gapfacts"
	"$SMTPSCOPE" -q -r "$TMP/gap.pcap" -w "$TMP/gap.jsonl" 2>/dev/null
	python3 "$HELPER" log-figures "$TMP/gap.jsonl" >"$TMP/gaplog"
	lost=$(sed -n 's/^lost //p' "$TMP/gaplog")
	unk=$(sed -n 's/^unknown //p' "$TMP/gaplog")
	lc=$(sed -n 's/^unknown_capture //p' "$TMP/gaplog")
	if [ "$lost" = 0 ] && [ "$unk" = 1 ] && [ "$lc" = 1 ] &&
		grep -q -x "card lost 0" "$TMP/gapfacts" &&
		grep -q -x "card unknown $unk" "$TMP/gapfacts" &&
		grep -q "^card-note unknown .*: $lc cut off while the capture lost bytes or packets, not lost mail\$" \
			"$TMP/gapfacts"; then
		ok html-capture-loss
	else
		fail html-capture-loss "log: lost $lost, unknown $unk, capture loss $lc (0, 1 and 1 \
		    made); $(grep '^card.* \(lost\|unknown\) ' "$TMP/gapfacts" | tr '\n' '|')"
	fi
fi

# 2. Headless Chromium renders it: a screenshot of the asked size, and
#    the rendered DOM holds the figures and the charts.
if [ ! -x "$CHROMIUM" ]; then
	skip html-render "no $CHROMIUM (Debian package chromium)"
	skip html-dom "no $CHROMIUM"
elif [ ! -s "$TMP/r.html" ]; then
	fail html-render "no report to render"
else
	chrome --screenshot="$TMP/r.png" --window-size=1200,3000 \
	    "file://$TMP/r.html" >/dev/null
	if [ ! -s "$TMP/r.png" ]; then
		fail html-render "no screenshot: $(tail -n 2 "$TMP/chrome.err")"
	elif [ $have_python = 1 ]; then
		size=$(python3 "$HELPER" png-size "$TMP/r.png")
		bytes=$(wc -c <"$TMP/r.png")
		# A blank page of that size compresses to a few kB.
		if [ "$size" = "1200 3000" ] && [ "$bytes" -gt 30000 ]; then
			ok "html-render (PNG $size, $bytes bytes)"
		else
			fail html-render "PNG $size, $bytes bytes"
		fi
	elif file "$TMP/r.png" | grep -q 'PNG image data, 1200 x 3000'; then
		ok html-render
	else
		fail html-render "$(file "$TMP/r.png")"
	fi
	chrome --dump-dom "file://$TMP/r.html" >"$TMP/dom.html"
	if [ ! -s "$TMP/dom.html" ]; then
		fail html-dom "no DOM dump: $(tail -n 2 "$TMP/chrome.err")"
	elif [ $have_python = 1 ]; then
		python3 "$HELPER" inspect "$TMP/dom.html" >"$TMP/domfacts" &&
			figures html-dom "$TMP/domfacts"
	elif grep -q 'id="card-sessions"' "$TMP/dom.html" &&
		grep -q '<svg' "$TMP/dom.html"; then
		ok html-dom
	else
		fail html-dom "no overview cards or no svg in the DOM"
	fi
fi

# 3. Hostile wire text (HELO, MAIL FROM, RCPT TO, replies: markup,
#    quotes, invalid UTF-8, a bidi override) is escaped.
if [ $have_python = 0 ]; then
	skip html-hostile "no python3 to make the capture"
elif python3 "$HELPER" hostile-pcap "$TMP/hostile.pcap" &&
	html_report html-hostile "$TMP/hostile.pcap" "$TMP/h.html"; then
	bad=
	grep -q '<script>alert' "$TMP/h.html" && bad="$bad raw <script>alert;"
	grep -q -F '"onmouseover=' "$TMP/h.html" && bad="$bad raw \"onmouseover=;"
	grep -q -F '&lt;script&gt;alert(1)&lt;/script&gt;' "$TMP/h.html" ||
		bad="$bad no escaped <script>;"
	grep -q -F '&quot;onmouseover=alert(1)&quot;' "$TMP/h.html" ||
		bad="$bad no escaped quote;"
	if [ -n "$bad" ]; then
		fail html-hostile-raw "$bad"
	else
		ok html-hostile-raw
	fi
	self_contained html-hostile-self-contained "$TMP/h.html"
	harmless html-hostile-text "$TMP/h.html"
	if [ -x "$CHROMIUM" ]; then
		chrome --dump-dom "file://$TMP/h.html" >"$TMP/hdom.html"
		if [ -s "$TMP/hdom.html" ]; then
			harmless html-hostile-dom "$TMP/hdom.html"
		else
			fail html-hostile-dom "no DOM dump"
		fi
	else
		skip html-hostile-dom "no $CHROMIUM"
	fi
fi

# 4. Longer traffic is charted per minute; over a day, the whole span in
#    the store's timeline (its bucket grown: 5 minutes for 26 hours;
#    all 21 accepted transactions in it),
#    said so. No traffic at all: still a whole page.
if [ $have_python = 1 ]; then
	python3 "$HELPER" spread-pcap "$TMP/m.pcap" 31 60 &&
		html_report html-per-minute "$TMP/m.pcap" "$TMP/m.html" &&
		if grep -q 'per minute' "$TMP/m.html" &&
			! grep -q 'are kept and shown' "$TMP/m.html"; then
			ok html-per-minute
		else
			fail html-per-minute "30 minutes not charted per minute"
		fi
	python3 "$HELPER" spread-pcap "$TMP/d.pcap" 27 3600 &&
		html_report html-last-day "$TMP/d.pcap" "$TMP/d.html" &&
		if grep -q 'per 5 minutes (the traffic spans over a day: the whole span is shown' "$TMP/d.html" &&
			grep -q 'class="t">accepted</tspan> 21<' "$TMP/d.html"; then
			ok html-last-day
		else
			fail html-last-day "26 hours: not charted whole, per 5 minutes"
		fi
	python3 "$HELPER" spread-pcap "$TMP/e.pcap" 0 1 &&
		html_report html-empty "$TMP/e.pcap" "$TMP/e.html" &&
		if grep -q 'No SMTP traffic' "$TMP/e.html" &&
			tail -c 20 "$TMP/e.html" | grep -q '</html>'; then
			ok html-empty
		else
			fail html-empty "no whole page for an empty capture"
		fi
else
	skip html-per-minute "no python3"
fi
