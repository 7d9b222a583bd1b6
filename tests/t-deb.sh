#!/bin/sh
# The Debian package and the systemd unit (issue 15; docs/packaging.md).
# - debian/: the version is the program's, the Build-Depends are
#   packages.mk's, the unit is installed but never enabled nor started;
# - the unit holds every hardening line docs/packaging.md lists;
# - make install DESTDIR= SYSTEMDUNITDIR= installs the unit with the
#   program's path in it, and make uninstall removes every file again;
# - systemd-analyze verify accepts that unit with that program, and
#   systemd-analyze security scores it at most SECURITY_MAX (measured
#   1.5: docs/packaging.md);
# - when make deb has left packages in build/deb/ (built from debian/
#   and dist/ as they are): lintian passes (overrides explained in
#   debian/*.lintian-overrides) and smtpscope_*.deb holds what it should.
# make deb itself takes a minute or two and installs packages: make check
# does not run it (docs/packaging.md has the fresh-root proof).
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2

# Measured 1.5 with systemd 252 (Debian 12); the margin is for a newer
# systemd's new checks, unit-hardening holds the lines themselves.
SECURITY_MAX=2.0

case $SMTPSCOPE in
*/asan/*)
	skip deb "the package and the unit do not depend on the binary under test: checked once, with ./smtpscope"
	exit 0
	;;
esac

# ---- debian/ ------------------------------------------------------------
ver=$(sed -n 's/^#define SMTPSCOPE_VERSION "\(.*\)"/\1/p' src/options.h)
debver=$(sed -n '1s/^smtpscope (\([^)]*\)).*/\1/p' debian/changelog)
if [ -n "$ver" ] && [ "$debver" = "$ver" ]; then
	ok deb-version
else
	fail deb-version "debian/changelog says $debver, src/options.h $ver"
fi

# Build-Depends: packages.mk's BUILD_PKGS and PLUGIN_PKGS but what
# build-essential brings (gcc, make, libc6-dev).
want=$(sh tests/deps.sh list BUILD_PKGS PLUGIN_PKGS |
	grep -v -x -e gcc -e make -e libc6-dev | sort -u)
have=$(sed -n '/^Build-Depends:/,/^[^ ]/p' debian/control |
	sed 's/^Build-Depends://' | tr ',' '\n' | sed 's/(.*//; s/[[:space:]]//g' |
	grep -v -e '^$' -e '^debhelper-compat' -e ':' | sort -u)
if [ "$want" = "$have" ]; then
	ok deb-build-depends
else
	fail deb-build-depends "debian/control: $(echo "$have" | tr '\n' ' '), packages.mk: $(echo "$want" | tr '\n' ' ')"
fi

if grep -q -x 'debhelper-compat (= 13),' debian/control ||
	grep -q 'debhelper-compat (= 13)' debian/control; then
	ok deb-compat-13
else
	fail deb-compat-13 "debian/control does not build-depend on debhelper-compat (= 13)"
fi

if grep -q -e '--no-enable --no-start' debian/rules; then
	ok deb-not-enabled
else
	fail deb-not-enabled "debian/rules does not call dh_installsystemd --no-enable --no-start"
fi

# ---- the unit ------------------------------------------------------------
UNIT_IN=dist/systemd/smtpscope@.service.in
missing=
# shellcheck disable=SC2016 # $MAINPID is systemd's, not the shell's
for line in DynamicUser=yes \
	AmbientCapabilities=CAP_NET_RAW CapabilityBoundingSet=CAP_NET_RAW \
	NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes \
	PrivateTmp=yes StateDirectory=smtpscope LogsDirectory=smtpscope \
	ProtectKernelTunables=yes ProtectKernelModules=yes \
	ProtectKernelLogs=yes LockPersonality=yes MemoryDenyWriteExecute=yes \
	RestrictNamespaces=yes SystemCallArchitectures=native \
	SystemCallFilter=@system-service \
	'RestrictAddressFamilies=AF_PACKET AF_UNIX AF_INET AF_INET6' \
	Restart=on-failure 'ExecReload=/bin/kill -HUP $MAINPID'; do
	grep -q -x -F "$line" "$UNIT_IN" || missing="$missing [$line]"
done
if [ -z "$missing" ]; then
	ok unit-hardening
else
	fail unit-hardening "$UNIT_IN lacks$missing"
fi

# ---- make install / uninstall ---------------------------------------------
D=$TMP/dest
UNITDIR=/usr/local/lib/systemd/system
installed=
# shellcheck disable=SC2016 # $SMTPSCOPE_OPTS is systemd's, not the shell's
EXEC='ExecStart=/usr/local/bin/smtpscope --no-tui -i %i -w /var/log/smtpscope/%i.jsonl $SMTPSCOPE_OPTS'
if ! command -v make >/dev/null 2>&1; then
	skip install-unit "no make"
elif [ ! -x build/install/smtpscope ] ||
	! make -q build/install/smtpscope 2>/dev/null; then
	skip install-unit "build/install/smtpscope is not up to date (make build/install/smtpscope plugins)"
elif ! make -s install DESTDIR="$D" SYSTEMDUNITDIR=$UNITDIR \
	>"$TMP/make.out" 2>&1; then
	fail install-unit "make install failed: $(tail -n 3 "$TMP/make.out")"
elif ! grep -q -x -F "$EXEC" "$D$UNITDIR/smtpscope@.service"; then
	fail install-unit "the installed unit runs: $(grep '^ExecStart=' "$D$UNITDIR/smtpscope@.service")"
elif grep -q '@[A-Z]*@' "$D$UNITDIR/smtpscope@.service" \
	"$D/usr/local/etc/default/smtpscope"; then
	fail install-unit "a @VARIABLE@ left in the unit or its options file"
elif ! grep -q -x -F 'EnvironmentFile=-/usr/local/etc/smtpscope/%i.conf' \
	"$D$UNITDIR/smtpscope@.service"; then
	fail install-unit "the unit does not read /usr/local/etc/smtpscope/IFACE.conf"
else
	ok install-unit
	installed=1
fi
if [ -n "$installed" ]; then
	# The administrator's options file stays; the one make install
	# wrote goes.
	mkdir -p "$TMP/keep/usr/local/etc/default"
	echo 'SMTPSCOPE_OPTS="-p"' >"$TMP/keep/usr/local/etc/default/smtpscope"
	make -s install DESTDIR="$TMP/keep" SYSTEMDUNITDIR=$UNITDIR \
		>/dev/null 2>&1
	make -s uninstall DESTDIR="$TMP/keep" SYSTEMDUNITDIR=$UNITDIR \
		>/dev/null 2>&1
	cp -R "$D" "$TMP/un"
	make -s uninstall DESTDIR="$TMP/un" SYSTEMDUNITDIR=$UNITDIR \
		>"$TMP/make.out" 2>&1
	left=$(find "$TMP/un" -type f)
	kept=$(cd "$TMP/keep" && find . -type f)
	if [ -n "$left" ]; then
		fail uninstall "make uninstall left $(echo "$left" | sed "s|$TMP/un||" | tr '\n' ' ')"
	elif [ "$kept" != ./usr/local/etc/default/smtpscope ]; then
		fail uninstall "with an options file of the administrator's, uninstall left: $kept"
	else
		ok uninstall
	fi
fi

# ---- systemd-analyze ------------------------------------------------------
if [ -z "$installed" ]; then
	skip unit-verify "no unit installed (see install-unit)"
elif ! command -v systemd-analyze >/dev/null 2>&1; then
	skip unit-verify "no systemd-analyze (package systemd)"
else
	# verify resolves ExecStart= on this system: the unit as installed,
	# the program's path made the one in DESTDIR. Documentation= is
	# looked up with man when man is there, in the page make installed.
	mkdir -p "$TMP/unit"
	sed "s|=/usr/local/bin/smtpscope |=$D/usr/local/bin/smtpscope |" \
		"$D$UNITDIR/smtpscope@.service" >"$TMP/unit/smtpscope@.service"
	man=--man=no
	command -v man >/dev/null 2>&1 && man=--man=yes
	MANPATH=$D/usr/local/share/man systemd-analyze verify $man \
		"$TMP/unit/smtpscope@lo.service" >"$TMP/verify" 2>&1
	vrc=$?
	if [ "$vrc" = 0 ] && [ ! -s "$TMP/verify" ]; then
		ok unit-verify
	else
		fail unit-verify "exit $vrc: $(head -c 400 "$TMP/verify")"
	fi
	if systemd-analyze security --offline=true \
		"$TMP/unit/smtpscope@lo.service" >"$TMP/sec" 2>&1; then
		score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' \
			"$TMP/sec")
		if [ -z "$score" ]; then
			fail unit-security "no score in: $(tail -n 2 "$TMP/sec")"
		elif awk -v s="$score" -v m="$SECURITY_MAX" 'BEGIN { exit !(s <= m) }'; then
			echo "# systemd-analyze security smtpscope@lo.service: $score (at most $SECURITY_MAX)"
			ok unit-security
		else
			fail unit-security "exposure $score > $SECURITY_MAX: $(grep '✗' "$TMP/sec" | cut -c 1-60 | tr '\n' ';')"
		fi
	elif grep -q -i -e 'unrecognized option' -e 'unknown option' "$TMP/sec"; then
		skip unit-security "systemd-analyze $(systemd-analyze --version | sed -n '1s/systemd \([0-9]*\).*/\1/p') has no --offline (systemd 250)"
	else
		fail unit-security "$(tail -n 3 "$TMP/sec")"
	fi
fi

# ---- the packages make deb built ------------------------------------------
changes=
deb=
for f in build/deb/smtpscope_*.changes; do [ -f "$f" ] && changes=$f; done
for f in build/deb/smtpscope_*_*.deb; do [ -f "$f" ] && deb=$f; done
if [ -z "$changes" ] || [ -z "$deb" ]; then
	skip deb-package "no packages in build/deb (make deb)"
	exit 0
fi
# build/deb/.copied: when make deb copied the tree.
newer=$(find debian dist -type f -newer build/deb/.copied 2>/dev/null | head -n 3)
[ -f build/deb/.copied ] || newer="build/deb/.copied "
if [ -n "$newer" ]; then
	skip deb-package "build/deb is older than $(echo "$newer" | tr '\n' ' ')(make deb)"
	exit 0
fi
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$TMP/files"
missing=
for f in /usr/bin/smtpscope /usr/share/man/man1/smtpscope.1.gz \
	/lib/systemd/system/smtpscope@.service /etc/default/smtpscope \
	/etc/logrotate.d/smtpscope /usr/share/doc/smtpscope/copyright; do
	grep -q -x -F "$f" "$TMP/files" || missing="$missing $f"
done
for p in plugins/*/; do
	p=$(basename "$p")
	grep -q -x "/usr/lib/[a-z0-9_-]*/smtpscope/plugins/$p.so" "$TMP/files" ||
		missing="$missing plugins/$p.so"
done
if [ -z "$missing" ]; then
	ok deb-files
else
	fail deb-files "$deb lacks$missing"
fi
if ! command -v lintian >/dev/null 2>&1; then
	skip deb-lintian "no lintian (make deb installs it)"
else
	lintian --fail-on error,warning,info "$changes" >"$TMP/lintian" 2>&1
	lrc=$?
	grep -v 'running with root privileges' "$TMP/lintian" >"$TMP/lintian.tags"
	if [ "$lrc" = 0 ] && [ ! -s "$TMP/lintian.tags" ]; then
		ok deb-lintian
	else
		fail deb-lintian "exit $lrc: $(head -n 5 "$TMP/lintian.tags" | tr '\n' ';')"
	fi
fi
