#!/bin/sh
# Make sure the Debian packages are there.
#   deps.sh install PKG...   install what is missing (root), else print how
#   deps.sh ensure PKG...    the same, but quiet when nothing is missing
#   deps.sh list VAR...      print the packages that packages.mk and the
#                            plugins' plugin.mk give to VAR (BUILD_PKGS,
#                            PLUGIN_PKGS, TEST_PKGS, LINT_PKGS, FUZZ_PKGS,
#                            CI_PKGS), one a line, for .ci/run
#   deps.sh tools DIR PKG:PROG,PROG...
#                            the programs the tests run from packages that
#                            are not installed (TEST_UNPACK in packages.mk:
#                            postfix would replace the host's mail server,
#                            prometheus start a server on :9090). Each PROG
#                            not on PATH (nor in /usr/sbin) comes from PKG
#                            fetched by apt-get download (any user) and
#                            unpacked by dpkg-deb -x into DIR; the tests run
#                            it through DIR/bin/PROG, which puts PKG's
#                            private libraries (DIR/usr/lib/PKG) on
#                            LD_LIBRARY_PATH. What the unpacked programs
#                            still lack comes from PKG's Depends of Section
#                            libs, installed as ordinary packages (deps.sh
#                            ensure). Never fails: a PROG it cannot provide
#                            gets its reason in DIR/why/PROG, and the tests
#                            that need it skip with that reason (find_tool
#                            and tool_why in tests/lib.sh).
#                            SMTPSCOPE_TOOLS_UNPACKED=1 unpacks even what is
#                            on PATH (and find_tool then takes the copy).
# SPDX-License-Identifier: GPL-2.0-or-later
mode=$1
shift
if [ "$mode" = tools ]; then
	top=$(cd "$(dirname "$0")/.." && pwd) || exit 2
	mkdir -p "$1/debs" "$1/bin" "$1/why" || exit 2
	dir=$(cd "$1" && pwd) || exit 2
	shift
	# missing_libs: the libraries the programs in $bins do not find.
	missing_libs() {
		for _b in $bins; do
			LD_LIBRARY_PATH=$libdir ldd "$_b" 2>/dev/null
		done | sed -n 's/^[[:space:]]*\([^ ]*\) => not found.*/\1/p' |
		    sort -u | tr '\n' ' ' | sed 's/ $//'
	}
	for spec in "$@"; do
		pkg=${spec%%:*}
		need=
		for prog in $(echo "${spec#*:}" | tr ',' ' '); do
			rm -f "$dir/why/$prog"
			if [ -z "${SMTPSCOPE_TOOLS_UNPACKED:-}" ] &&
			    { command -v "$prog" >/dev/null 2>&1 ||
			    [ -x "/usr/sbin/$prog" ]; }; then
				continue
			fi
			need="$need $prog"
		done
		[ -n "$need" ] || continue
		why=
		deb=
		for f in "$dir/debs/${pkg}"_*.deb; do [ -f "$f" ] && deb=$f; done
		if [ -z "$deb" ]; then
			echo "tests: fetching $pkg for$need (apt-get download, unpacked in ${dir#"$top"/}, not installed)"
			# As root apt fetches as the user _apt, who may not write here.
			opt=
			[ "$(id -u)" = 0 ] && opt=APT::Sandbox::User=root
			(cd "$dir/debs" && apt-get download ${opt:+-o "$opt"} "$pkg") \
			    >"$dir/$pkg.log" 2>&1 ||
			    # Stale package lists: refreshed, as root only.
			    { [ "$(id -u)" = 0 ] && apt-get update >/dev/null 2>&1 &&
			    (cd "$dir/debs" && apt-get download ${opt:+-o "$opt"} \
			    "$pkg") >"$dir/$pkg.log" 2>&1; }
			for f in "$dir/debs/${pkg}"_*.deb; do [ -f "$f" ] && deb=$f; done
			[ -n "$deb" ] ||
			    why="apt-get download $pkg failed ($(grep -m 1 '^E:' "$dir/$pkg.log" | sed 's|[a-z]*://[^ ]*/||g' | cut -c 1-160)), see ${dir#"$top"/}/$pkg.log"
		fi
		if [ -z "$why" ] && ! dpkg-deb -x "$deb" "$dir" 2>>"$dir/$pkg.log"; then
			why="dpkg-deb -x $deb failed: $(head -c 200 "$dir/$pkg.log")"
		fi
		ver=
		libdir=
		bins=
		if [ -z "$why" ]; then
			# Programs to run, not installed: no setuid or setgid bit.
			find "$dir/usr" -type f -perm /6000 -exec chmod ug-s {} +
			ver=$(dpkg-deb -f "$deb" Version)
			[ -d "$dir/usr/lib/$pkg" ] && libdir=$dir/usr/lib/$pkg
			for prog in $need; do
				bin=
				for b in "$dir/usr/sbin/$prog" "$dir/usr/bin/$prog"; do
					[ -x "$b" ] && bin=$b && break
				done
				if [ -z "$bin" ]; then
					why="$pkg $ver has no usr/sbin/$prog nor usr/bin/$prog"
					break
				fi
				bins="$bins $bin"
				{
					echo '#!/bin/sh'
					echo "# $prog of $pkg $ver, unpacked by tests/deps.sh tools, not installed."
					[ -z "$libdir" ] || printf '%s\n' \
					    "LD_LIBRARY_PATH='$libdir'\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" \
					    'export LD_LIBRARY_PATH'
					echo "exec '$bin' \"\$@\""
				} >"$dir/bin/$prog.new" && chmod 755 "$dir/bin/$prog.new" &&
				    mv "$dir/bin/$prog.new" "$dir/bin/$prog"
			done
		fi
		miss=
		[ -n "$why" ] || miss=$(missing_libs)
		if [ -n "$miss" ]; then
			# The shared libraries among PKG's Depends.
			libs=
			for d in $(dpkg-deb -f "$deb" Depends | tr ',' '\n' |
			    sed 's/|.*//; s/(.*//; s/:.*//'); do
				sec=$(apt-cache show --no-all-versions "$d" 2>/dev/null |
				    sed -n 's/^Section: //p' | head -n 1)
				[ "$sec" = libs ] && libs="$libs $d"
			done
			echo "tests: the unpacked$need lack $miss, from $pkg's Depends:$libs"
			# shellcheck disable=SC2086
			sh "$0" ensure $libs
			miss=$(missing_libs)
			[ -z "$miss" ] ||
			    why="$miss not found (libraries of $pkg; as root: apt-get install$libs)"
		fi
		if [ -n "$why" ]; then
			for prog in $need; do
				rm -f "$dir/bin/$prog"
				echo "$why" >"$dir/why/$prog"
			done
			echo "tests: no$need: $why; the tests that run them will be skipped" >&2
		else
			echo "tests:$need from $pkg $ver, unpacked in ${dir#"$top"/} (not installed)"
		fi
	done
	exit 0
fi
if [ "$mode" = list ]; then
	top=$(cd "$(dirname "$0")/.." && pwd) || exit 2
	[ -f "$top/packages.mk" ] || {
		echo "deps.sh: no $top/packages.mk" >&2
		exit 2
	}
	for var in "$@"; do
		# "VAR = a b" or "VAR += c # why": the words after the sign.
		sed -n "/^$var[[:space:]]*+\{0,1\}=/{s/#.*//;s/^[^=]*=//;p;}" \
		    "$top/packages.mk" "$top"/plugins/*/plugin.mk 2>/dev/null
	done | tr -s ' \t' '\n\n' | sed '/^$/d'
	exit 0
fi
missing=
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	[ "$mode" = install ] && echo "all packages are installed"
	exit 0
fi
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
	echo "smtpscope needs these Debian packages:$missing" >&2
	echo "install them as root with:  apt-get update && $cmd" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Nothing that would remove an installed package (an MTA replaced by
# another, say) is installed: apt-get's simulation says, package by
# package; the tests that need one left out skip, saying why.
removes() {
	apt-get install -s -y --no-install-recommends "$1" 2>/dev/null |
		sed -n 's/^Remv \([^ ]*\).*/\1/p' | tr '\n' ' '
}
keep=
for p in $missing; do
	r=$(removes "$p")
	if [ -z "$r" ] && ! apt-get install -s -y --no-install-recommends "$p" >/dev/null 2>&1; then
		apt-get update >/dev/null 2>&1
		r=$(removes "$p")
	fi
	if [ -n "$r" ]; then
		echo "not installing $p: it would remove ${r% } (the tests that need it are skipped)" >&2
	else
		keep="$keep $p"
	fi
done
missing=$keep
[ -z "$missing" ] && exit 0
echo "installing:$missing"
# No service a package brings is started (policy-rc.d, as in a Debian
# chroot), unless the host already has a policy of its own.
policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\n# smtpscope tests/deps.sh: no service starts while it installs\nexit 101\n' >/usr/sbin/policy-rc.d &&
		chmod 755 /usr/sbin/policy-rc.d && policy=/usr/sbin/policy-rc.d
fi
trap '[ -n "$policy" ] && rm -f "$policy"' EXIT
if ! apt-get install -y --no-install-recommends$missing >/tmp/smtpscope-apt.log 2>&1; then
	apt-get update >/dev/null 2>&1
	apt-get install -y --no-install-recommends$missing >/tmp/smtpscope-apt.log 2>&1 || {
		echo "installing$missing failed; see /tmp/smtpscope-apt.log" >&2
		exit 1
	}
fi
