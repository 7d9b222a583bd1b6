#!/bin/sh
# Rotation and periodic reports: --rotate splits the JSON log, the Zeek
# log and the reports into files named from their pattern, each record in
# exactly one file, each rotated log ending with the summary of its own
# records; --report-every replaces its report files atomically; --report
# is repeatable, each with the -o after it, and two formats never share
# a file or standard output. Live (root, postfix's smtp-source and
# smtp-sink): the rotated logs together hold each accepted message once,
# and a SIGHUP after the log was moved away (logrotate's create) loses
# nothing. The port is chosen from the pid (SMTPSCOPE_ROTATE_PORT).
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

CAP=captures/track.pcap # 25 s of capture time

# --- files: by capture time -----------------------------------------------

mkdir -p "$TMP/rot" "$TMP/suf" "$TMP/lr"
run_scope rotate-files -q -r "$CAP" -w "$TMP/rot/smtp-%Y%m%d-%H%M%S.jsonl" \
	--zeek-log "$TMP/rot/zeek" --report text -o "$TMP/rot/r.txt" \
	--report json -o "$TMP/rot/r-%H%M%S.json" --rotate 5
if [ "$rc" != 0 ] || [ -s "$TMP/err" ]; then
	fail rotate-files "exit $rc: $(head -c 300 "$TMP/err")"
fi
run_scope rotate-files-whole -q -r "$CAP" -w "$TMP/whole.jsonl" \
	--zeek-log "$TMP/wholez"
bad=$(python3 - "$TMP/rot" "$TMP/whole.jsonl" "$TMP/wholez/smtp.log" 5 <<'PY'
import collections, glob, json, os, re, sys, time
d, whole, wholez, every = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
bad = []
files = sorted(glob.glob(d + '/smtp-*.jsonl'))
if len(files) < 3:
    bad.append('%d log files, want 3 or more' % len(files))
got = collections.Counter()
prev_seq = 0
for f in files:
    lines = open(f).read().splitlines()
    recs = [json.loads(l) for l in lines]
    if not recs or recs[-1].get('type') != 'summary':
        bad.append('%s does not end with a summary' % f)
        continue
    s = recs[-1]
    body = lines[:-1]
    if any(r.get('type') == 'summary' for r in recs[:-1]):
        bad.append('%s: a summary before its end' % f)
    got.update(body)
    n = collections.Counter(r.get('type') for r in recs[:-1])
    iv = s.get('interval') or {}
    want = {
        'transactions': (s['transactions'], n['transaction']),
        'sessions_closed': (iv.get('sessions_closed'), n['session']),
        'message_records': (s['tracking']['message_records'], n['message']),
        'anomalies': (sum(s['anomalies'].values()), n['anomaly']),
    }
    for k, (a, b) in want.items():
        if a != b:
            bad.append('%s: summary %s %s, records %s' % (os.path.basename(f), k, a, b))
    if iv.get('seq') != prev_seq + 1:
        bad.append('%s: interval seq %s after %s' % (f, iv.get('seq'), prev_seq))
    prev_seq = iv.get('seq', prev_seq)
    start = iv.get('start', -1)
    if start % every != 0:
        bad.append('%s: interval start %s not on a multiple of %d s' % (f, start, every))
    name = time.strftime('smtp-%Y%m%d-%H%M%S.jsonl', time.gmtime(start))
    if os.path.basename(f) != name:
        bad.append('%s: named for %s' % (f, name))
    for r in recs[:-1]:
        if r.get('type') == 'transaction' and not (start <= r['ts_end'] < iv['end'] + 1e-6):
            bad.append('%s: a transaction that ended at %s' % (f, r['ts_end']))
            break
want = collections.Counter(l for l in open(whole).read().splitlines()
                           if '"type":"summary"' not in l)
if got != want:
    extra = got - want
    missing = want - got
    bad.append('records: %d extra or repeated, %d missing' % (sum(extra.values()), sum(missing.values())))
# The Zeek log: each file whole (its header, its #close), the rows of
# the unrotated run each once.
rows = collections.Counter()
zf = sorted(glob.glob(d + '/zeek/smtp.*.log'))
if len(zf) != len(files):
    bad.append('%d Zeek logs for %d JSON logs' % (len(zf), len(files)))
for f in zf:
    if not re.search(r'/smtp\.\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.log$', f):
        bad.append('Zeek log named %s' % f)
    text = open(f).read().splitlines()
    if not text or not text[0].startswith('#separator') or not text[-1].startswith('#close'):
        bad.append('%s: no header or no #close' % f)
    rows.update(l for l in text if not l.startswith('#'))
wrows = collections.Counter(l for l in open(wholez).read().splitlines() if not l.startswith('#'))
if rows != wrows:
    bad.append('Zeek rows: %d extra, %d missing' % (sum((rows - wrows).values()), sum((wrows - rows).values())))
# One report of each format per interval, covering it.
texts = sorted(glob.glob(d + '/r.*.txt'))
jsons = sorted(glob.glob(d + '/r-*.json'))
if len(texts) != len(files) or len(jsons) != len(files):
    bad.append('%d text and %d JSON reports for %d intervals' % (len(texts), len(jsons), len(files)))
for f, j in zip(files, jsons):
    s = json.loads(open(f).read().splitlines()[-1])
    r = json.load(open(j))
    if r.get('interval', {}).get('start') != s['interval']['start'] or \
            r['transactions'] != s['transactions']:
        bad.append('%s: interval %s, %s transactions; its log says %s, %s' % (
            j, r.get('interval'), r['transactions'], s['interval'], s['transactions']))
print('; '.join(bad))
PY
)
[ -z "$bad" ] && ok rotate-files || fail rotate-files "$bad"

# A name without a pattern gets the interval's start before its extension.
run_scope rotate-suffix -q -r "$CAP" -w "$TMP/suf/mail.jsonl" --rotate 10
names=$(cd "$TMP/suf" 2>/dev/null && ls | tr '\n' ' ')
if [ "$rc" = 0 ] && ls "$TMP/suf" | grep -q -E '^mail\.[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2}\.jsonl$' &&
	! ls "$TMP/suf" | grep -q -v -E '^mail\.[0-9-]{19}\.jsonl$'; then
	ok rotate-suffix
else
	fail rotate-suffix "exit $rc, files: $names"
fi

# refused NAME WORDS ARGS...: exit 2 and one sentence on stderr holding
# WORDS, nothing written.
refused() {
	name=$1
	words=$2
	shift 2
	run_scope "$name" -q -r "$CAP" "$@" || return
	lines=$(wc -l <"$TMP/err")
	if [ "$rc" = 2 ] && [ "$lines" = 1 ] && grep -q -F -- "$words" "$TMP/err" &&
		grep -q '^smtpscope: ' "$TMP/err" && [ ! -s "$TMP/out" ]; then
		ok "$name"
	else
		fail "$name" "exit $rc, $lines lines on stderr: $(head -c 300 "$TMP/err")"
	fi
}
# --rotate-size: a new interval when a log reaches the size; each file but
# the last at least that big, the records each once, each summary its own.
mkdir -p "$TMP/size"
run_scope rotate-size -q -r "$CAP" -w "$TMP/size/s-%H%M%S.jsonl" --zeek-log "$TMP/size/z" \
	--rotate-size 8K
bad=$(python3 - "$TMP/whole.jsonl" "$TMP"/size/s-*.jsonl <<'PY'
import collections, json, os, sys
whole = collections.Counter(l for l in open(sys.argv[1]).read().splitlines()
                            if '"type":"summary"' not in l)
files = sorted(sys.argv[2:], key=lambda f: json.loads(open(f).read().splitlines()[-1])['interval']['seq'])
got = collections.Counter()
bad = []
if len(files) < 3:
    bad.append('%d files' % len(files))
for i, f in enumerate(files):
    lines = open(f).read().splitlines()
    s = json.loads(lines[-1])
    n = sum(1 for l in lines[:-1] if '"type":"transaction"' in l)
    if s['transactions'] != n:
        bad.append('%s: summary %d transactions, %d records' % (f, s['transactions'], n))
    if i < len(files) - 1 and os.path.getsize(f) < 8192:
        bad.append('%s: %d bytes, rotated before 8K' % (f, os.path.getsize(f)))
    if i > 0 and s['interval']['start'] != json.loads(open(files[i - 1]).read().splitlines()[-1])['interval']['end']:
        bad.append('%s: begins where the one before did not end' % f)
    got.update(lines[:-1])
if got != whole:
    bad.append('records: %d extra or repeated, %d missing' % (sum((got - whole).values()), sum((whole - got).values())))
print('; '.join(bad))
PY
)
if [ "$rc" = 0 ] && [ -z "$bad" ]; then
	ok rotate-size
else
	fail rotate-size "exit $rc: $bad $(head -c 200 "$TMP/err")"
fi
refused refuse-rotate-size-nothing "--rotate-size measures the logs" --rotate-size 1M \
	--report json -o "$TMP/q.json"

# Without --rotate nothing changes: one file, the run's summary.
if [ "$(grep -c '"type":"summary"' "$TMP/whole.jsonl")" = 1 ] &&
	! grep -q '"interval"' "$TMP/whole.jsonl"; then
	ok rotate-off
else
	fail rotate-off "the unrotated log has $(grep -c '"type":"summary"' "$TMP/whole.jsonl") summaries or an interval"
fi

# A write error (a file size limit of 4 KiB: EFBIG) in rotated files: the
# run goes on, each file holds whole records, none twice, exit status 4.
mkdir -p "$TMP/lim"
(
	ulimit -f 8 && exec "$SMTPSCOPE" -q -r "$CAP" -w "$TMP/lim/l-%H%M%S.jsonl" --rotate 5
) >"$TMP/out" 2>"$TMP/err"
rc=$?
bad=$(python3 - "$TMP/whole.jsonl" "$TMP"/lim/l-*.jsonl <<'PY'
import collections, sys
whole = collections.Counter(open(sys.argv[1]).read().splitlines())
got = collections.Counter()
bad = []
for f in sys.argv[2:]:
    t = open(f).read()
    if t and not t.endswith('\n'):
        bad.append('%s ends inside a record' % f)
    got.update(l for l in t.splitlines() if '"type":"summary"' not in l)
if got - whole:
    bad.append('%d records not in the unrotated log or written twice' % sum((got - whole).values()))
print('; '.join(bad))
PY
)
if grep -q -E 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$TMP/err"; then
	fail rotate-write-error "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$TMP/err")"
elif [ "$rc" = 4 ] && [ -z "$bad" ] && grep -q 'File too large; the run goes on' "$TMP/err"; then
	ok rotate-write-error
else
	fail rotate-write-error "exit $rc; $bad; $(head -c 300 "$TMP/err")"
fi

# --- --report-every: replaced atomically, advancing ------------------------

mkdir -p "$TMP/every"
python3 - "$TMP/every/r.html" "$TMP/every/r.json" "$TMP/every/stop" >"$TMP/every/poll" <<'PY' &
import json, os, sys, time
html, js, stop = sys.argv[1:4]
reads = partial = 0
seen = set()
bad = []
while not os.path.exists(stop):
    for p in (html, js):
        try:
            data = open(p, 'rb').read()
        except FileNotFoundError:
            continue
        reads += 1
        if p == html:
            if not data.rstrip().endswith(b'</html>'):
                partial += 1
        else:
            try:
                seen.add(json.loads(data)['transactions'])
            except ValueError:
                partial += 1
    time.sleep(0.002)
print(reads, partial, len(seen), max(seen) if seen else -1)
PY
poll_pid=$!
want_tx=$("$SMTPSCOPE" -q -r "$CAP" --report json 2>/dev/null |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["transactions"])' 2>/dev/null)
run_scope report-every -q -r "$CAP" --speed 8 --report html -o "$TMP/every/r.html" \
	--report json -o "$TMP/every/r.json" --report-every 2
touch "$TMP/every/stop"
wait "$poll_pid"
read -r reads partial distinct last <"$TMP/every/poll"
final=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["transactions"])' "$TMP/every/r.json" 2>/dev/null)
leftover=$(ls -A "$TMP/every" | grep '^\.' | head -n 1)
if [ "$rc" != 0 ]; then
	fail report-every "exit $rc: $(head -c 300 "$TMP/err")"
elif [ "${partial:-1}" != 0 ] || [ "${reads:-0}" -lt 20 ]; then
	fail report-every "$partial of $reads reads saw a partial report"
elif [ "${distinct:-0}" -lt 3 ]; then
	fail report-every "the report took $distinct different contents while polled, want 3 or more (it does not advance)"
elif [ "$final" != "$want_tx" ] || [ -n "$leftover" ]; then
	fail report-every "the last report counts $final transactions (want $want_tx, as a run without --report-every), temporary file left: $leftover"
else
	ok report-every
fi

# --- --report with its own -o ----------------------------------------------

run_scope report-pairs -q -r "$CAP" --report html -o "$TMP/p.html" --report text -o "$TMP/p.txt" \
	--report json -o "$TMP/p.json"
if [ "$rc" = 0 ] && head -c 200 "$TMP/p.html" | grep -q -i '<!doctype html' &&
	head -n 1 "$TMP/p.txt" | grep -q '^smtpscope .* report: ' &&
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/p.json" && [ ! -s "$TMP/out" ]; then
	ok report-pairs
else
	fail report-pairs "exit $rc; html: $(head -c 40 "$TMP/p.html"); text: $(head -n 1 "$TMP/p.txt")"
fi
# The case of issue 15: html into its file, text (no -o after it) on stdout.
rm -f "$TMP/p.html"
run_scope report-pair-stdout -q -r "$CAP" --report html -o "$TMP/p.html" --report text
if [ "$rc" = 0 ] && head -c 200 "$TMP/p.html" | grep -q -i '<!doctype html' &&
	! grep -q '^smtpscope .* report: ' "$TMP/p.html" &&
	head -n 1 "$TMP/out" | grep -q '^smtpscope .* report: '; then
	ok report-pair-stdout
else
	fail report-pair-stdout "exit $rc; r.html starts $(head -c 40 "$TMP/p.html"); stdout starts $(head -c 40 "$TMP/out")"
fi
# Single-report usage as before: -o before or after --report.
run_scope report-legacy -q -o "$TMP/l.json" -r "$CAP" --report json
if [ "$rc" = 0 ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/l.json" && [ ! -s "$TMP/out" ]; then
	ok report-legacy
else
	fail report-legacy "exit $rc: $(head -c 300 "$TMP/err")"
fi

# /dev/null holds nothing: any number of outputs may go there.
run_scope report-devnull-shared -q -r "$CAP" -w /dev/null --report json -o /dev/null \
	--report text -o /dev/null
[ "$rc" = 0 ] && [ ! -s "$TMP/err" ] && ok report-devnull-shared ||
	fail report-devnull-shared "exit $rc: $(head -c 300 "$TMP/err")"
refused refuse-two-stdout "would both go to standard output" --report text --report json
refused refuse-one-file "one file holds one format" --report html -o "$TMP/x" --report text -o "$TMP/x"
refused refuse-log-and-report "-w - and --report text both want standard output" -w - --report text
refused refuse-transcript-and-report "--transcript and --report json both want standard output" \
	--transcript --report json
refused refuse-log-is-report "one file holds one format" -w "$TMP/y" --report json -o "$TMP/y"
refused refuse-two-o "each --report takes the one -o after it" --report text -o "$TMP/a" -o "$TMP/b"
refused refuse-early-o "comes before any --report" -o "$TMP/a" --report text --report json -o "$TMP/b"
refused refuse-every-stdout "--report-every replaces the report's file" --report text --report-every 5
refused refuse-every-alone "--report-every wants a --report" --report-every 5
refused refuse-rotate-stdout "--rotate cannot rotate standard output" --rotate 5 -w -
refused refuse-rotate-nothing "--rotate wants something to rotate" --rotate 5
refused refuse-rotate-report-stdout "--rotate writes a report each interval" --rotate 5 --report text
refused refuse-rotate-zero "--rotate wants seconds" --rotate 0 -w "$TMP/z.jsonl"

# --- live, by wall time ------------------------------------------------------

PORT=${SMTPSCOPE_ROTATE_PORT:-$((30000 + $$ % 20000))}
SINK=$(find_tool smtp-sink)
SOURCE=$(find_tool smtp-source)
scope_pid=
sink_pid=
cleanup() {
	for _p in $scope_pid $sink_pid; do
		kill -KILL "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

why=$(live_why "$PORT")
if [ -n "$why" ]; then
	skip live-rotate "$why"
	skip live-sighup "$why"
	exit 0
fi

# live_start NAME ARGS...: smtpscope on lo capturing, smtp-sink
# listening; false (and a FAIL line) if either did not start.
live_start() {
	name=$1
	shift
	"$SMTPSCOPE" -i lo --ports "$PORT" -q "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null &
	scope_pid=$!
	wait_capturing "$scope_pid"
	if ! kill -0 "$scope_pid" 2>/dev/null; then
		wait "$scope_pid"
		fail "$name" "smtpscope ended before traffic, exit $?: $(head -c 300 "$TMP/$name.err")"
		scope_pid=
		return 1
	fi
	"$SINK" -u nobody -c "127.0.0.1:$PORT" 100 >"$TMP/$name.sink" 2>&1 </dev/null &
	sink_pid=$!
	wait_listening "$PORT"
	if ! listening "$PORT"; then
		fail "$name" "smtp-sink does not listen on 127.0.0.1:$PORT"
		return 1
	fi
	return 0
}

# live_send NAME N: N messages, one a second, one recipient each.
live_send() {
	timeout 60 "$SOURCE" -m "$2" -s 1 -r 1 -l 500 -w 1 "127.0.0.1:$PORT" \
		>>"$TMP/$1.source" 2>&1 </dev/null
}

# live_stop NAME: SIGINT, then the exit status in $rc.
live_stop() {
	sleep 1 # the last packets reach the capture
	stop_scope INT
	if grep -q -E 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$TMP/$1.err"; then
		fail "$1" "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$TMP/$1.err")"
		return 1
	fi
	if [ "$rc" != 0 ] || [ -s "$TMP/$1.err" ]; then
		fail "$1" "exit $rc after SIGINT: $(head -c 300 "$TMP/$1.err")"
		return 1
	fi
	return 0
}

# accepted_once N FILE...: "" when the files hold N accepted transactions,
# each once (a session id each, one session per message), each file
# ending with a summary; else why not.
accepted_once() {
	python3 - "$@" <<'PY'
import collections, json, sys
n, files = int(sys.argv[1]), sys.argv[2:]
ids = collections.Counter()
bad = []
for f in files:
    recs = [json.loads(l) for l in open(f)]
    if not recs or recs[-1].get('type') != 'summary':
        bad.append('%s does not end with a summary' % f)
    for r in recs:
        if r.get('type') == 'transaction' and r.get('outcome') == 'accepted':
            ids[r['session_id']] += 1
twice = sum(1 for v in ids.values() if v > 1)
if len(ids) != n or twice:
    bad.append('%d accepted messages (%d more than once) in %d files, want %d' % (len(ids), twice, len(files), n))
print('; '.join(bad))
PY
}

N=8
name=live-rotate
if live_start "$name" -w "$TMP/lr/live-%H%M%S.jsonl" --zeek-log "$TMP/lr/z" \
	--report json -o "$TMP/lr/r-%H%M%S.json" --rotate 2; then
	live_send "$name" "$N"
	if live_stop "$name"; then
		set -- "$TMP"/lr/live-*.jsonl
		bad=$(accepted_once "$N" "$@")
		nz=$(ls "$TMP/lr/z" | wc -l)
		nr=$(ls "$TMP"/lr/r-*.json | wc -l)
		if [ "$#" -lt 3 ]; then
			fail "$name" "$# log files over about $N s, rotated every 2 s"
		elif [ -n "$bad" ]; then
			fail "$name" "$bad"
		elif [ "$nz" != "$#" ] || [ "$nr" != "$#" ]; then
			fail "$name" "$# logs, $nz Zeek logs, $nr reports"
		else
			ok "$name"
		fi
	fi
fi

# SIGHUP: the log moved away (logrotate's create), then HUP; the old file
# and the new hold every message once, and nothing is lost.
name=live-sighup
half=$((N / 2))
if live_start "$name" -w "$TMP/h.jsonl" --zeek-log "$TMP/hz"; then
	live_send "$name" "$half"
	mv "$TMP/h.jsonl" "$TMP/h.jsonl.1"
	mv "$TMP/hz/smtp.log" "$TMP/hz/smtp.log.1"
	timeout 60 "$SOURCE" -m "$((N - half))" -s 1 -r 1 -l 500 -w 1 "127.0.0.1:$PORT" \
		>>"$TMP/$name.source" 2>&1 </dev/null &
	src_pid=$!
	sleep 1.5 # HUP while messages are on the wire
	kill -HUP "$scope_pid"
	wait "$src_pid"
	if live_stop "$name"; then
		# The moved file ends where the HUP came: no summary there.
		echo '{"type":"summary"}' >>"$TMP/h.jsonl.1"
		bad=$(accepted_once "$N" "$TMP/h.jsonl.1" "$TMP/h.jsonl")
		new=$(grep -c '"outcome":"accepted"' "$TMP/h.jsonl" 2>/dev/null)
		zrows=$(cat "$TMP/hz/smtp.log.1" "$TMP/hz/smtp.log" 2>/dev/null | grep -v -c '^#')
		zhead=$(grep -c '^#fields' "$TMP/hz/smtp.log" 2>/dev/null)
		if [ -n "$bad" ]; then
			fail "$name" "$bad"
		elif [ "${new:-0}" = 0 ]; then
			fail "$name" "nothing was written in the reopened log"
		elif [ "$zrows" != "$N" ] || [ "$zhead" != 1 ]; then
			fail "$name" "the Zeek logs hold $zrows rows (want $N), the new one $zhead headers"
		else
			ok "$name"
		fi
	fi
fi
