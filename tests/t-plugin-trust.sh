#!/bin/sh
# Plugins someone else could have planted (issue 11).
# - a plugin file writable by others (0666), in a folder of mode 0777 (or
#   with such a folder higher up), owned by another user (nobody), in a
#   folder owned by nobody, or reached through a symbolic link into such a
#   folder: refused with exit 2 and one sentence that names the file or
#   folder and why; --list-plugins says "refused:" with the same reason;
#   neither ever opens the file (the planted plugin's constructor would
#   leave a marker);
# - a sticky folder writable by all (like /tmp) with a root-owned plugin
#   in it is accepted;
# - as the user nobody: its own plugin (0644, in its own folder) loads,
#   the same file made writable by others, or one owned by a third user,
#   is refused;
# - the installed program (build/install/smtpscope, what make install
#   installs) has no trace of this tree's build/plugins and never loads a
#   plugin planted there; it still finds SMTPSCOPE_PLUGIN_PATH; make
#   install DESTDIR=... installs that program.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

SO=build/plugins/example.so
cap=captures/sink-reject.pcap
if [ ! -f "$SO" ]; then
	skip plugin-trust "no $SO (make plugins)"
	exit 0
fi
if ! command -v cc >/dev/null 2>&1; then
	skip plugin-trust "no cc to build the planted plugin"
	exit 0
fi
PLANTED=
cleanup() {
	[ -n "$PLANTED" ] && rm -f "$PLANTED"
	rm -rf "$TMP"
}
trap cleanup EXIT

# A valid plugin whose constructor leaves a marker: if the file is ever
# opened (dlopen runs constructors), $TMP/ran appears.
cat >"$TMP/planted.c" <<EOF
#include <smtpscope/plugin.h>
#include <fcntl.h>
#include <unistd.h>
__attribute__((constructor)) static void planted(void)
{
	int fd = open("$TMP/ran", O_WRONLY | O_CREAT, 0666);
	if (fd >= 0)
		close(fd);
}
static int i(const struct smtpscope_host *h, const char *a, void **s,
    char *e, size_t n) { (void)h; (void)a; (void)e; (void)n; *s = 0; return 0; }
static void ev(void *s, const struct smtpscope_event *e) { (void)s; (void)e; }
SMTPSCOPE_PLUGIN_DEFINE(.name = "planted", .version = "1",
    .description = "leaves a marker when opened", .init = i, .on_event = ev);
EOF
if ! cc -shared -fPIC -Iinclude -o "$TMP/planted.so" "$TMP/planted.c" 2>"$TMP/cc.err"; then
	skip plugin-trust "cc failed: $(head -c 200 "$TMP/cc.err")"
	exit 0
fi
chmod 644 "$TMP/planted.so"

# refused NAME PHRASE: exit 2, one line naming PHRASE, not opened.
refused() {
	_lines=$(wc -l <"$TMP/err")
	if [ "$rc" != 2 ]; then
		fail "$1" "exit $rc, want 2: $(head -c 300 "$TMP/err")"
	elif [ "$_lines" != 1 ]; then
		fail "$1" "stderr has $_lines lines, want 1: $(head -c 300 "$TMP/err")"
	elif ! grep -q -E "^smtpscope: plugin [^ ]+ refused: .*$2.*; smtpscope runs a plugin only from a file and folders that no one but root( and you)? can change$" "$TMP/err"; then
		fail "$1" "message does not say /$2/: $(head -c 300 "$TMP/err")"
	elif [ -e "$TMP/ran" ]; then
		fail "$1" "the refused plugin was opened (its constructor ran)"
	else
		ok "$1"
	fi
	rm -f "$TMP/ran"
}

# listed_refused NAME PHRASE: --list-plugins on $SMTPSCOPE_PLUGIN_PATH
# says "refused:" with PHRASE and does not open the file.
listed_refused() {
	run_scope "$1" --list-plugins || return
	if [ "$rc" != 0 ]; then
		fail "$1" "exit $rc: $(head -c 300 "$TMP/err")"
	elif ! grep -q -E "^planted\\.so +refused: .*$2" "$TMP/out"; then
		fail "$1" "no refused line /$2/: $(grep planted "$TMP/out" | head -c 300)"
	elif [ -e "$TMP/ran" ]; then
		fail "$1" "--list-plugins opened the refused plugin"
	else
		ok "$1"
	fi
	rm -f "$TMP/ran"
}

if [ "$(id -u)" != 0 ]; then
	skip plugin-trust-root "not root (the checks chown to nobody)"
else
	# A world-writable plugin file in a good folder.
	mkdir -m 755 "$TMP/ww"
	cp -p "$TMP/planted.so" "$TMP/ww/planted.so"
	chmod 666 "$TMP/ww/planted.so"
	SMTPSCOPE_PLUGIN_PATH=$TMP/ww run_scope trust-file-0666 -q -r "$cap" --plugin planted &&
		refused trust-file-0666 "$TMP/ww/planted\\.so is writable by others than its owner \\(mode 0666\\)"
	SMTPSCOPE_PLUGIN_PATH=$TMP/ww listed_refused trust-list-0666 "writable by others than its owner \\(mode 0666\\)"
	# By path, too; and group-writable is as bad.
	chmod 664 "$TMP/ww/planted.so"
	run_scope trust-file-0664-by-path -q -r "$cap" --plugin "$TMP/ww/planted.so" &&
		refused trust-file-0664-by-path "mode 0664"

	# A good file in a folder of mode 0777, and two levels under one.
	mkdir -m 755 "$TMP/open"
	chmod 777 "$TMP/open"
	cp -p "$TMP/planted.so" "$TMP/open/planted.so"
	SMTPSCOPE_PLUGIN_PATH=$TMP/open run_scope trust-folder-0777 -q -r "$cap" --plugin planted &&
		refused trust-folder-0777 "$TMP/open is writable by others than its owner \\(mode 0777\\)"
	SMTPSCOPE_PLUGIN_PATH=$TMP/open listed_refused trust-list-folder-0777 "$TMP/open is writable"
	mkdir -p "$TMP/open/a/b"
	chmod 755 "$TMP/open/a" "$TMP/open/a/b"
	cp -p "$TMP/planted.so" "$TMP/open/a/b/planted.so"
	SMTPSCOPE_PLUGIN_PATH=$TMP/open/a/b run_scope trust-ancestor-0777 -q -r "$cap" --plugin planted &&
		refused trust-ancestor-0777 "$TMP/open is writable by others"

	# Owned by another user: the file, then the folder.
	mkdir -m 755 "$TMP/nb"
	cp -p "$TMP/planted.so" "$TMP/nb/planted.so"
	chown nobody "$TMP/nb/planted.so"
	SMTPSCOPE_PLUGIN_PATH=$TMP/nb run_scope trust-file-nobody -q -r "$cap" --plugin planted &&
		refused trust-file-nobody "$TMP/nb/planted\\.so belongs to nobody, not to root"
	SMTPSCOPE_PLUGIN_PATH=$TMP/nb listed_refused trust-list-nobody "belongs to nobody, not to root"
	mkdir -m 755 "$TMP/nbdir"
	cp -p "$TMP/planted.so" "$TMP/nbdir/planted.so"
	chown nobody "$TMP/nbdir"
	SMTPSCOPE_PLUGIN_PATH=$TMP/nbdir run_scope trust-folder-nobody -q -r "$cap" --plugin planted &&
		refused trust-folder-nobody "$TMP/nbdir belongs to nobody"

	# A symbolic link in a good folder to a file in a bad one: the file
	# the loader would open is what counts.
	mkdir -m 755 "$TMP/links"
	ln -s "$TMP/open/planted.so" "$TMP/links/planted.so"
	SMTPSCOPE_PLUGIN_PATH=$TMP/links run_scope trust-symlink -q -r "$cap" --plugin planted &&
		refused trust-symlink "$TMP/open is writable by others"

	# A sticky folder writable by all, like /tmp: a root-owned plugin in
	# it loads (and was opened: the marker).
	mkdir -m 755 "$TMP/sticky"
	chmod 1777 "$TMP/sticky"
	cp -p "$TMP/planted.so" "$TMP/sticky/planted.so"
	if SMTPSCOPE_PLUGIN_PATH=$TMP/sticky run_scope trust-sticky -q -r "$cap" --plugin planted; then
		if [ "$rc" = 0 ] && [ ! -s "$TMP/err" ] && [ -e "$TMP/ran" ]; then
			ok trust-sticky
		else
			fail trust-sticky "exit $rc: $(head -c 300 "$TMP/err")"
		fi
	fi
	rm -f "$TMP/ran"
fi

# ---- as another user -------------------------------------------------------
nobody_uid=$(id -u nobody 2>/dev/null)
nobody_gid=$(id -g nobody 2>/dev/null)
other=$(id -u daemon 2>/dev/null)
why=
if [ "$(id -u)" != 0 ]; then
	why="not root (setpriv to nobody)"
elif ! command -v setpriv >/dev/null 2>&1; then
	why="no setpriv"
elif [ -z "$nobody_uid" ] || [ -z "$other" ]; then
	why="no user nobody or daemon"
elif ! setpriv --reuid="$nobody_uid" --regid="$nobody_gid" --clear-groups \
	test -x "$SMTPSCOPE"; then
	why="nobody cannot run $SMTPSCOPE"
fi
if [ -n "$why" ]; then
	skip trust-user-own "$why"
	skip trust-user-0666 "$why"
	skip trust-user-other "$why"
else
	chmod 711 "$TMP"
	mkdir -m 755 "$TMP/mine"
	cp -p "$TMP/planted.so" "$TMP/mine/planted.so"
	cp "$cap" "$TMP/mine/c.pcap"
	chown -R nobody "$TMP/mine"
	as_nobody() {
		SMTPSCOPE_PLUGIN_PATH=$TMP/mine setpriv --reuid="$nobody_uid" \
		    --regid="$nobody_gid" --clear-groups "$SMTPSCOPE" "$@" \
		    >"$TMP/out" 2>"$TMP/err"
		rc=$?
	}
	as_nobody -q -r "$TMP/mine/c.pcap" --plugin planted
	if [ "$rc" = 0 ] && [ ! -s "$TMP/err" ]; then
		ok trust-user-own
	else
		fail trust-user-own "exit $rc: $(head -c 300 "$TMP/err")"
	fi
	rm -f "$TMP/ran"
	chmod 666 "$TMP/mine/planted.so"
	as_nobody -q -r "$TMP/mine/c.pcap" --plugin planted
	refused trust-user-0666 "planted\\.so is writable by others than its owner"
	chmod 644 "$TMP/mine/planted.so"
	chown daemon "$TMP/mine/planted.so"
	as_nobody -q -r "$TMP/mine/c.pcap" --plugin planted
	refused trust-user-other "planted\\.so belongs to daemon, not to root or you"
fi

# ---- the installed program ---------------------------------------------------
INST=build/install/smtpscope
if [ ! -x "$INST" ]; then
	skip install-no-build-dir "no $INST (make build/install/smtpscope)"
	exit 0
fi
if grep -q -a -F "$TOP/build/plugins" "$INST"; then
	fail install-no-build-dir "$INST holds the path $TOP/build/plugins"
else
	ok install-no-build-dir
fi
# A plugin planted in this tree's build/plugins: the program built here
# lists it, the installed one does not and will not load it.
PLANTED=$TOP/build/plugins/zzplanted$$.so
cp -p "$TMP/planted.so" "$PLANTED"
"$TOP/smtpscope" --list-plugins >"$TMP/dev.out" 2>&1
rm -f "$TMP/ran"
"$INST" --list-plugins >"$TMP/out" 2>"$TMP/err"
rc=$?
if ! grep -q "zzplanted$$" "$TMP/dev.out"; then
	fail install-ignores-build-dir "the planted file is not seen by ./smtpscope either: a useless check"
elif grep -q -e "zzplanted" -e "$TOP/build" "$TMP/out" || [ -e "$TMP/ran" ]; then
	fail install-ignores-build-dir "$INST --list-plugins: $(head -c 300 "$TMP/out")"
else
	ok install-ignores-build-dir
fi
"$INST" -q -r "$cap" --plugin "zzplanted$$" >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ "$rc" = 2 ] && grep -q "plugin zzplanted$$ not found" "$TMP/err" &&
	! grep -q "$TOP/build" "$TMP/err" && [ ! -e "$TMP/ran" ]; then
	ok install-not-found
else
	fail install-not-found "exit $rc: $(head -c 300 "$TMP/err")"
fi
rm -f "$PLANTED"
PLANTED=
mkdir -p "$TMP/pp"
cp "$SO" "$TMP/pp/other.so"
SMTPSCOPE_PLUGIN_PATH=$TMP/pp "$INST" -q -r "$cap" --plugin other \
	--report json >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ "$rc" = 0 ] && grep -q '"example"' "$TMP/out"; then
	ok install-plugin-path
else
	fail install-plugin-path "exit $rc: $(head -c 300 "$TMP/err")"
fi
# make install installs that program (only when it is up to date: this
# test builds nothing).
if ! command -v make >/dev/null 2>&1; then
	skip install-destdir "no make"
elif ! make -q build/install/smtpscope 2>/dev/null; then
	skip install-destdir "$INST is not up to date (make build/install/smtpscope)"
elif ! make -s install DESTDIR="$TMP/dest" >"$TMP/make.out" 2>&1; then
	fail install-destdir "make install failed: $(tail -n 3 "$TMP/make.out")"
elif ! cmp -s "$INST" "$TMP/dest/usr/local/bin/smtpscope"; then
	fail install-destdir "the installed program is not $INST"
elif [ ! -f "$TMP/dest/usr/local/lib/smtpscope/plugins/example.so" ]; then
	fail install-destdir "no plugins installed"
else
	ok install-destdir
fi
