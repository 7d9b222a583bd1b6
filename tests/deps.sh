#!/bin/sh
# Make sure the Debian packages are there.
#   deps.sh install PKG...   install what is missing (root), else print how
#   deps.sh ensure PKG...    the same, but quiet when nothing is missing
#   deps.sh list VAR...      print the packages that packages.mk and the
#                            plugins' plugin.mk give to VAR (BUILD_PKGS,
#                            PLUGIN_PKGS, TEST_PKGS, LINT_PKGS, FUZZ_PKGS,
#                            CI_PKGS), one a line, for .ci/run
# SPDX-License-Identifier: GPL-2.0-or-later
mode=$1
shift
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
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# postfix asks questions at install time: answer them for a local-only setup.
echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections 2>/dev/null
echo "postfix postfix/mailname string localhost" | debconf-set-selections 2>/dev/null
if ! apt-get install -y --no-install-recommends$missing >/tmp/smtpscope-apt.log 2>&1; then
	apt-get update >/dev/null 2>&1
	apt-get install -y --no-install-recommends$missing >/tmp/smtpscope-apt.log 2>&1 || {
		echo "installing$missing failed; see /tmp/smtpscope-apt.log" >&2
		exit 1
	}
fi
