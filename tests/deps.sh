#!/bin/sh
# Make sure the Debian packages are there.
#   deps.sh install PKG...   install what is missing (root), else print how
#   deps.sh ensure PKG...    the same, but quiet when nothing is missing
# SPDX-License-Identifier: GPL-2.0-or-later
mode=$1
shift
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
