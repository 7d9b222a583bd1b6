#!/bin/sh
# Plugins: the loader, the ABI and the example plugin.
# - --list-plugins finds build/plugins/example.so with its description;
# - the example plugin's counters (in the JSON and text reports) equal the
#   figures smtpscope itself reports, on every capture of captures/; with
#   body=1 its body events add up to the sizes of the logged transactions;
# - SMTPSCOPE_PLUGIN_PATH is searched;
# - a missing plugin, a file that is no plugin, a wrong ABI, a failing
#   init() and a bad name each give one sentence and exit status 2 before
#   any packet is read or any file is written;
# - start() runs after the privileges are dropped (-Z nobody: as nobody)
#   and before any output is created; its refusal is one sentence and
#   exit 2; a plugin built with a descriptor that ends at fini (without
#   start) loads, and the ASan build sees no read past its end;
# - a plugin built against the first revision of ABI 3's header
#   (tests/abi/3.0) loads into this smtpscope and reads the same events,
#   transactions and recipients as one built against the current header
#   and as the JSON log's summary, on captures with TLS, DSNs, refusals;
#   only the newer one reads the reply's meaning (revision 1), for every
#   reply, and sees no structure larger than it knows;
# - fini() runs (the ASan build reports the example's state as a leak
#   otherwise), also when the run fails after the plugins started.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

SO=build/plugins/example.so
if [ ! -f "$SO" ]; then
	skip plugins "no $SO (make plugins)"
	exit 0
fi

# check_error NAME PHRASE: exit 2, one line on stderr naming PHRASE.
check_error() {
	_lines=$(wc -l <"$TMP/err")
	if [ "$rc" != 2 ]; then
		fail "$1" "exit $rc, want 2: $(head -c 300 "$TMP/err")"
	elif [ "$_lines" != 1 ]; then
		fail "$1" "stderr has $_lines lines, want 1: $(head -c 300 "$TMP/err")"
	elif ! grep -q -E "^smtpscope: .*$2" "$TMP/err"; then
		fail "$1" "message does not say /$2/: $(head -c 300 "$TMP/err")"
	else
		ok "$1"
	fi
}

# ---- listing ------------------------------------------------------------
if run_scope list-plugins --list-plugins; then
	if [ "$rc" = 0 ] && grep -q '^example  *1\.0  *counts sessions' "$TMP/out" &&
	    grep -q "$TOP/build/plugins/example.so" "$TMP/out"; then
		ok list-plugins
	else
		fail list-plugins "exit $rc: $(head -c 300 "$TMP/out")"
	fi
fi

# ---- counters against smtpscope's own figures ----------------------------
n=0
for cap in captures/*.pcap; do
	[ -f "$cap" ] || continue
	name=plugin-counters-$(basename "$cap" .pcap)
	run_scope "$name" -q -r "$cap" --plugin example:body=1 \
	    -w "$TMP/log.jsonl" --report json -o "$TMP/r.json" || continue
	if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
		fail "$name" "exit $rc: $(head -c 300 "$TMP/err")"
		continue
	fi
	why=$(python3 - "$TMP/r.json" "$TMP/log.jsonl" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
recs = [json.loads(l) for l in open(sys.argv[2])]
tx = [x for x in recs if x["type"] == "transaction"]
p = r["plugins"].get("example")
if p is None:
    print("no plugins.example in the JSON report"); sys.exit()
want = {
    "sessions": r["sessions"],
    "transactions": r["transactions"],
    "accepted": r["messages_accepted"],
    "rejected": sum(1 for x in tx if x["outcome"] == "rejected"),
    "tempfail": sum(1 for x in tx if x["outcome"] == "tempfail"),
    "lost": sum(1 for x in tx if x["outcome"] == "lost"),
    "aborted": sum(1 for x in tx if x["outcome"] == "aborted"),
    "dropped": sum(1 for x in tx if x["outcome"] == "dropped"),
    "recipients": r["recipients_accepted"],
    "body_bytes+body_lost": sum(x["size"] for x in tx),
}
got = dict(p)
got["body_bytes+body_lost"] = p["body_bytes"] + p["body_lost"]
bad = ["%s %s, want %s" % (k, got.get(k), v) for k, v in want.items() if got.get(k) != v]
print("; ".join(bad))
PY
)
	if [ -n "$why" ]; then
		fail "$name" "$why"
	else
		ok "$name"
		n=$((n + 1))
	fi
done
[ "$n" -gt 0 ] || fail plugin-counters "no capture in captures/"

# The text report shows them under the plugin's name; without a plugin
# the JSON report's "plugins" is empty.
cap=captures/sink-reject.pcap
if run_scope plugin-text-report -q -r "$cap" --plugin example --report text; then
	if [ "$rc" = 0 ] && grep -q '^Plugins$' "$TMP/out" &&
	    grep -q '^  example$' "$TMP/out" &&
	    grep -q -E '^    rejected +[0-9]+  refused with 5xx$' "$TMP/out"; then
		ok plugin-text-report
	else
		fail plugin-text-report "exit $rc: $(tail -n 12 "$TMP/out" | head -c 400)"
	fi
fi
if run_scope plugin-none -q -r "$cap" --report json; then
	if [ "$rc" = 0 ] && python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["plugins"] != {})' "$TMP/out"; then
		ok plugin-none
	else
		fail plugin-none "exit $rc, plugins not {}"
	fi
fi

# Its log line: shown, and not with -q.
if run_scope plugin-log -r "$cap" --plugin example -w "$TMP/l.jsonl"; then
	if grep -q '^smtpscope: plugin example: counting$' "$TMP/err"; then
		ok plugin-log
	else
		fail plugin-log "no info line: $(head -c 300 "$TMP/err")"
	fi
fi

# ---- the search path ------------------------------------------------------
mkdir -p "$TMP/pp"
cp "$SO" "$TMP/pp/other.so"
if SMTPSCOPE_PLUGIN_PATH="$TMP/nowhere:$TMP/pp" run_scope plugin-path \
    -q -r "$cap" --plugin other --report json; then
	if [ "$rc" = 0 ] && python3 -c 'import json,sys; sys.exit("example" not in json.load(open(sys.argv[1]))["plugins"])' "$TMP/out"; then
		ok plugin-path
	else
		fail plugin-path "exit $rc: $(head -c 300 "$TMP/err")"
	fi
fi
if run_scope plugin-by-path -q -r "$cap" --plugin "$TMP/pp/other.so" --report json; then
	[ "$rc" = 0 ] && ok plugin-by-path || fail plugin-by-path "exit $rc: $(head -c 300 "$TMP/err")"
fi

# ---- refusals: one sentence, exit 2, before any packet or file ------------
# -i on an interface that does not exist would be exit 3: getting exit 2
# about the plugin shows that plugins come first; -w must not appear.
run_scope plugin-missing -i nosuchif0 --plugin nosuchplugin -w "$TMP/never.jsonl" &&
	check_error plugin-missing 'plugin nosuchplugin not found'
[ -e "$TMP/never.jsonl" ] && fail plugin-missing-nofile "the log was created"

run_scope plugin-fails -i nosuchif0 --plugin example:fail=1 -w "$TMP/never.jsonl" &&
	check_error plugin-fails 'plugin example: asked to fail'
[ -e "$TMP/never.jsonl" ] && fail plugin-fails-nofile "the log was created"

run_scope plugin-bad-name -r "$cap" --plugin 'Bad Name' &&
	check_error plugin-bad-name 'a plugin name is'

# The ABI this tree's header has.
abi=$(sed -n 's/^#define SMTPSCOPE_PLUGIN_ABI \([0-9][0-9]*\).*/\1/p' include/smtpscope/plugin.h)
if command -v cc >/dev/null 2>&1; then
	# A shared object without the descriptor.
	printf 'int not_a_plugin(void);\nint not_a_plugin(void) { return 1; }\n' >"$TMP/np.c"
	# A plugin built for another ABI (as a future header would make it).
	cat >"$TMP/abi.c" <<'EOF'
#include <smtpscope/plugin.h>
static int i(const struct smtpscope_host *h, const char *a, void **s,
    char *e, size_t n) { (void)h; (void)a; (void)e; (void)n; *s = 0; return 0; }
static void ev(void *s, const struct smtpscope_event *e) { (void)s; (void)e; }
__attribute__((visibility("default"))) const struct smtpscope_plugin
    smtpscope_plugin = { .abi = SMTPSCOPE_PLUGIN_ABI + 1, .name = "future",
	.version = "9", .description = "from the future", .init = i,
	.on_event = ev };
EOF
	if cc -shared -fPIC -o "$TMP/pp/notaplugin.so" "$TMP/np.c" 2>"$TMP/cc.err" &&
	    cc -shared -fPIC -Iinclude -o "$TMP/pp/future.so" "$TMP/abi.c" 2>>"$TMP/cc.err"; then
		SMTPSCOPE_PLUGIN_PATH=$TMP/pp run_scope plugin-no-symbol -r "$cap" --plugin notaplugin &&
			check_error plugin-no-symbol 'not an smtpscope plugin: it has no symbol smtpscope_plugin'
		SMTPSCOPE_PLUGIN_PATH=$TMP/pp run_scope plugin-wrong-abi -r "$cap" --plugin future &&
			check_error plugin-wrong-abi "built for plugin ABI $((abi + 1)); this smtpscope has ABI $abi"
		# --list-plugins says what is wrong with each, and goes on.
		if SMTPSCOPE_PLUGIN_PATH=$TMP/pp run_scope list-unusable --list-plugins; then
			if [ "$rc" = 0 ] && grep -q "^future\\.so .*unusable: .*ABI $((abi + 1))" "$TMP/out" &&
			    grep -q '^example ' "$TMP/out"; then
				ok list-unusable
			else
				fail list-unusable "exit $rc: $(head -c 400 "$TMP/out")"
			fi
		fi
	else
		skip plugin-no-symbol "cc failed: $(head -c 200 "$TMP/cc.err")"
		skip plugin-wrong-abi "cc failed"
	fi
	# Not a shared object at all.
	echo "junk" >"$TMP/pp/junk.so"
	SMTPSCOPE_PLUGIN_PATH=$TMP/pp run_scope plugin-junk -r "$cap" --plugin junk &&
		check_error plugin-junk 'plugin junk cannot be loaded'
else
	skip plugin-no-symbol "no cc"
	skip plugin-wrong-abi "no cc"
fi

# A run that fails after the plugins started (the log cannot be written):
# exit 4, and fini() still ran (ASan would report the state as leaked).
run_scope plugin-fini-on-failure -r "$cap" --plugin example -w /nonexistent/dir/x.jsonl
if [ "$rc" = 4 ]; then
	ok plugin-fini-on-failure
else
	fail plugin-fini-on-failure "exit $rc, want 4: $(head -c 300 "$TMP/err")"
fi

# ---- start(): after the privilege drop, before any output ---------------
# A plugin whose start() says which user it runs as, and refuses with
# fail=1; and one built with a descriptor that ends at fini (no
# start member): smtpscope must not read past its end. Under the ASan
# build the old plugin is instrumented too, so such a read would be a
# global-buffer-overflow report.
cat >"$TMP/starter.c" <<'EOF2'
#include <smtpscope/plugin.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static int fail_start;
static int i(const struct smtpscope_host *h, const char *a, void **s,
    char *e, size_t n) { (void)h; (void)e; (void)n; fail_start = strcmp(a, "fail=1") == 0; *s = 0; return 0; }
static void ev(void *s, const struct smtpscope_event *e) { (void)s; (void)e; }
static int st(void *s, char *e, size_t n)
{
	(void)s;
	if (!fail_start)
		return 0;
	snprintf(e, n, "refused in start as uid %u", (unsigned)geteuid());
	return -1;
}
SMTPSCOPE_PLUGIN_DEFINE(.name = "starter", .version = "1",
    .description = "start() test", .init = i, .on_event = ev, .start = st);
EOF2
cat >"$TMP/legacy.c" <<'EOF2'
#include <smtpscope/plugin.h>
/* A descriptor as plugins built before start() have it: up to fini. */
struct legacy_plugin {
	unsigned abi;
	const char *name, *version, *description;
	int (*init)(const struct smtpscope_host *, const char *, void **,
	    char *, size_t);
	void (*on_event)(void *, const struct smtpscope_event *);
	void (*tick)(void *, const struct smtpscope_health *);
	void (*fini)(void *);
};
static int i(const struct smtpscope_host *h, const char *a, void **s,
    char *e, size_t n) { (void)h; (void)a; (void)e; (void)n; *s = 0; return 0; }
static void ev(void *s, const struct smtpscope_event *e) { (void)s; (void)e; }
__attribute__((visibility("default"))) const struct legacy_plugin
    smtpscope_plugin = { .abi = SMTPSCOPE_PLUGIN_ABI, .name = "legacy",
	.version = "1", .description = "a plugin without start",
	.init = i, .on_event = ev };
EOF2
san=
if ldd "$SMTPSCOPE" 2>/dev/null | grep -q libasan; then
	san="-fsanitize=address -fno-omit-frame-pointer"
fi
mkdir -p "$TMP/st"
# shellcheck disable=SC2086
if cc -shared -fPIC -Iinclude -o "$TMP/st/starter.so" "$TMP/starter.c" 2>"$TMP/cc.err" &&
    cc -shared -fPIC $san -Iinclude -o "$TMP/st/legacy.so" "$TMP/legacy.c" 2>>"$TMP/cc.err"; then
	SMTPSCOPE_PLUGIN_PATH=$TMP/st run_scope plugin-start-ok -q -r "$cap" \
	    --plugin starter --plugin legacy -w "$TMP/st.jsonl"
	if [ "$rc" = 0 ] && [ ! -s "$TMP/err" ] && [ -s "$TMP/st.jsonl" ]; then
		ok plugin-start-ok
	else
		fail plugin-start-ok "exit $rc: $(head -c 300 "$TMP/err")"
	fi
	run_scope plugin-start-fails -r "$cap" --plugin "$TMP/st/starter.so:fail=1" \
	    -w "$TMP/never.jsonl" &&
		check_error plugin-start-fails 'plugin starter: refused in start as uid 0$'
	[ -e "$TMP/never.jsonl" ] && fail plugin-start-fails-nofile "the log was created"
	# With -Z, start() runs as the user the run goes on as.
	if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
		run_scope plugin-start-after-drop -r "$cap" -Z nobody \
		    --plugin "$TMP/st/starter.so:fail=1" &&
			check_error plugin-start-after-drop "refused in start as uid $(id -u nobody)\$"
	else
		skip plugin-start-after-drop "not root, or no user nobody"
	fi
else
	skip plugin-start "cc failed: $(head -c 200 "$TMP/cc.err")"
fi

# ---- ABI 3 revisions: a plugin built against an older header -----------
mkdir -p "$TMP/abi"
# shellcheck disable=SC2086
if cc -std=c11 -shared -fPIC $san -Iinclude -o "$TMP/abi/probe.so" tests/abi/probe.c 2>"$TMP/cc.err" &&
    cc -std=c11 -shared -fPIC $san -Itests/abi/3.0 -o "$TMP/abi/probe30.so" tests/abi/probe.c 2>>"$TMP/cc.err"; then
	for c in captures/postfix-tls-auth.pcap captures/bounce-dsn.pcap captures/postfix-refused.pcap captures/sink-reject.pcap \
	    captures/partial/midstream-track-cut.pcap captures/partial/onesided-exim-client.pcap captures/partial/onesided-exim-server.pcap; do
		n=abi-old-header-$(basename "$c" .pcap)
		run_scope "$n" -q -r "$c" -w "$TMP/abi/log.jsonl" \
		    --plugin "$TMP/abi/probe30.so:out=$TMP/abi/old.txt" \
		    --plugin "$TMP/abi/probe.so:records,out=$TMP/abi/new.txt" || continue
		why=$(python3 - "$TMP/abi/log.jsonl" "$TMP/abi/old.txt" "$TMP/abi/new.txt" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
summ = lines[-1]
# Revision 6: each session's uid and Community ID as the log has them,
# midstream and the side missing; the partial transactions.
want_s = sorted('%d %s %s %d %s' % (r['session_id'], r['uid'], r['community_id'] or '-',
                                    1 if r.get('midstream') else 0, r.get('missing', '-'))
                for r in lines if r['type'] == 'session')
got_s = sorted(l.rstrip('\n') for l in open(sys.argv[3] + '.sessions'))
bad0 = []
if got_s != want_s:
    bad0.append('sessions as the new plugin saw them %s, the log %s' % (got_s[:2], want_s[:2]))
partial = sum(1 for r in lines if r['type'] == 'transaction' and r.get('partial'))
def read(p):
    return {k: int(v) for k, v in (l.split() for l in open(p))}
old, new = read(sys.argv[2]), read(sys.argv[3])
bad = bad0
# Revision 7: the log's records, byte for byte, its summary included.
raw = open(sys.argv[1], 'rb').read().splitlines(True)
got_r = open(sys.argv[3] + '.records', 'rb').read().splitlines(True)
if got_r != raw:
    bad.append('records: the plugin got %d, the log has %d%s'
               % (len(got_r), len(raw),
                  '' if len(got_r) != len(raw) else ' (bytes differ)'))
if new.get("record_types_wrong") != 0:
    bad.append("%s records whose type is not their own" % new.get("record_types_wrong"))
if new.get("partial") != partial:
    bad.append("partial transactions: the new plugin %s, the log %d" % (new.get("partial"), partial))
if old["revision"] != 0 or new["revision"] < 1:
    bad.append("revisions %d %d" % (old["revision"], new["revision"]))
want = {"sessions": summ["sessions"], "transactions": summ["transactions"],
        "accepted": summ["messages_accepted"],
        "rcpt_accepted": summ["recipients_accepted"]}
for k, v in want.items():
    if old[k] != v or new[k] != v:
        bad.append("%s: old %d new %d log %d" % (k, old[k], new[k], v))
for k in ("rcpt_listed", "replies", "bytes_client", "received"):
    if old[k] != new[k]:
        bad.append("%s: old %d new %d" % (k, old[k], new[k]))
log_replies = sum(r['replies'] for r in lines if r['type'] == 'session')
if new["replies"] != log_replies:
    bad.append("replies: the plugin %d, the log's sessions %d" % (new["replies"], log_replies))
if new["meanings"] != new["replies"]:
    bad.append("meanings %d of %d replies" % (new["meanings"], new["replies"]))
if old["meanings"] != 0:
    bad.append("the old header read meanings")
# Every event is larger than the first revision's (the reply's meaning
# made the union grow): the old plugin saw them all as such.
def total_events(d):
    return d["events"]
if old["newer_event"] != total_events(old):
    bad.append("the old plugin did not see larger events (%d)" % old["newer_event"])
if new["newer_event"] or new["newer_tx"] or new["unknown_type"]:
    bad.append("new plugin saw larger structures or unknown types")
# Revision 3's event type (a tracked message settled) is one the old
# header does not know: it sees each as a type past its _COUNT.
if old["unknown_type"] != summ["tracking"]["messages"]:
    bad.append("the old plugin saw %d events of unknown types, %d messages tracked"
               % (old["unknown_type"], summ["tracking"]["messages"]))
print("; ".join(bad))
PY
)
		if [ -z "$why" ]; then ok "$n"; else fail "$n" "$why"; fi
		# Without -w the records are made for the plugin alone: the
		# same bytes (the Community ID included).
		n=abi-records-without-log-$(basename "$c" .pcap)
		mv "$TMP/abi/new.txt.records" "$TMP/abi/with-log.records"
		run_scope "$n" -q -r "$c" \
		    --plugin "$TMP/abi/probe.so:records,out=$TMP/abi/new.txt" || continue
		if cmp -s "$TMP/abi/with-log.records" "$TMP/abi/new.txt.records"; then
			ok "$n"
		else
			fail "$n" "records without -w differ from those with it: $(diff "$TMP/abi/with-log.records" "$TMP/abi/new.txt.records" | head -c 300)"
		fi
	done
else
	fail abi-old-header "the probe plugin does not compile: $(head -c 300 "$TMP/cc.err")"
fi

# docs/plugins.md shows the example whole: it must be the real one.
if python3 - docs/plugins.md plugins/example/example.c <<'PY'
import sys
doc = open(sys.argv[1]).read()
src = open(sys.argv[2]).read().rstrip("\n")
sys.exit(0 if "```c\n" + src + "\n```" in doc else 1)
PY
then
	ok plugins-doc-example
else
	fail plugins-doc-example "docs/plugins.md does not show plugins/example/example.c as it is"
fi
