#!/bin/sh
# The package's life on a machine (docs/packaging.md), as root, after make
# deb, on a Debian machine that can be changed (a fresh root:
# /work/shared/tools/fresh-debian-check . 'make deb' 'sh tests/tools/deb-install-purge.sh'):
# install the packages of build/deb/, run the program and its plugins,
# verify and score the unit, use the service's places as the service
# and an administrator would, then purge and check that nothing is left.
# Prints what it does and its figures; exit status 1 on the first failure.
# SPDX-License-Identifier: GPL-2.0-or-later
set -u
cd "$(dirname "$0")/../.." || exit 2
[ "$(id -u)" = 0 ] || {
	echo "deb-install-purge: needs root (apt-get install, purge)" >&2
	exit 2
}
export DEBIAN_FRONTEND=noninteractive
die() {
	echo "deb-install-purge: FAIL: $*"
	exit 1
}
step() { printf '\n== %s\n' "$*"; }

debs=$(ls build/deb/smtpscope_*.deb build/deb/smtpscope-dev_*.deb 2>/dev/null)
[ -n "$debs" ] || die "no packages in build/deb (make deb)"
# paths: what the system holds but apt's and dpkg's own records, caches
# and logs.
paths() {
	find /etc /lib /usr /var -xdev 2>/dev/null | grep -v -E \
	    -e '^/var/(cache|lib/apt|lib/dpkg)/' \
	    -e '^/var/log/(apt|dpkg\.log|alternatives\.log)' | sort
}
# systemd for systemd-analyze, man-db for the unit's Documentation=;
# installed first so that the comparison below leaves them out.
step "apt-get install systemd man-db (for systemd-analyze)"
apt-get install -y -q --no-install-recommends systemd man-db >/tmp/apt.log 2>&1 ||
	{ apt-get update -q >/dev/null 2>&1 &&
	apt-get install -y -q --no-install-recommends systemd man-db >/tmp/apt.log 2>&1; } ||
	die "apt-get install systemd man-db: $(tail -n 3 /tmp/apt.log)"
paths >/tmp/before.paths
echo "the system before: $(wc -l </tmp/before.paths) paths"

step "apt-get install $(echo "$debs" | tr '\n' ' ')"
# shellcheck disable=SC2046 # one word a package
apt-get install -y -q $(echo "$debs" | sed 's|^|./|') >/tmp/apt.log 2>&1 ||
	die "apt-get install: $(tail -n 5 /tmp/apt.log)"
grep -E '^(Setting up|The following NEW)' /tmp/apt.log | head -n 20

step "dpkg -L smtpscope smtpscope-dev (files)"
dpkg -L smtpscope smtpscope-dev | sort -u >/tmp/pkg.paths
while read -r f; do [ -d "$f" ] || echo "$f"; done </tmp/pkg.paths
command -v smtpscope || die "no smtpscope on PATH"

step "smtpscope -V"
smtpscope -V || die "smtpscope -V: exit $?"
step "smtpscope --list-plugins"
smtpscope --list-plugins || die "--list-plugins: exit $?"
step "smtpscope -r captures/postfix-swaks.pcap --plugin example --report text"
smtpscope -q -r captures/postfix-swaks.pcap --plugin example --report text |
	head -n 12
[ "$(smtpscope -q -r captures/postfix-swaks.pcap -w - | grep -c '"type":"transaction"')" -gt 0 ] ||
	die "no transaction read from captures/postfix-swaks.pcap"
step "man -w smtpscope"
man -w smtpscope || die "no man page"

step "systemd-analyze verify smtpscope@lo.service"
systemd-analyze verify smtpscope@lo.service || die "verify: exit $?"
echo "verify: exit 0"
step "systemd-analyze security --offline=true smtpscope@lo.service"
systemd-analyze security --offline=true smtpscope@lo.service >/tmp/sec 2>&1
grep -E '✗|Overall' /tmp/sec
step "not enabled, not started"
systemctl is-enabled smtpscope@lo.service 2>&1 | head -n 1
[ -z "$(find /etc/systemd -name 'smtpscope@*' 2>/dev/null)" ] ||
	die "links to the unit after installation: $(find /etc/systemd -name 'smtpscope@*')"

# What a month of use leaves: the service's logs and state as systemd
# keeps them for a DynamicUser= service, an administrator's options,
# an instance enabled and edited.
step "systemctl enable smtpscope@lo, systemctl edit's drop-in, the service's files"
systemctl enable smtpscope@lo.service 2>&1
mkdir -p /etc/systemd/system/smtpscope@lo.service.d
printf '[Service]\nIPAddressAllow=192.0.2.0/24\n' \
	>/etc/systemd/system/smtpscope@lo.service.d/override.conf
mkdir -p /etc/smtpscope /var/log/private/smtpscope /var/lib/private/smtpscope
chmod 700 /var/log/private /var/lib/private
echo 'SMTPSCOPE_OPTS="--ports 25,2525"' >/etc/smtpscope/lo.conf
ln -s private/smtpscope /var/log/smtpscope
ln -s private/smtpscope /var/lib/smtpscope
smtpscope -q -r captures/postfix-swaks.pcap -w /var/log/smtpscope/lo.jsonl ||
	die "writing /var/log/smtpscope/lo.jsonl"
echo x >/var/log/smtpscope/lo.jsonl.1.gz
echo x >/var/lib/smtpscope/report.html
find /etc/systemd /etc/smtpscope /var/log/smtpscope/ /var/lib/smtpscope/ \
	/var/log/private /var/lib/private \( -name '*smtpscope*' -o -path '*smtpscope*/*' \)

# --autoremove: and what the installation brought (procps), as a
# package's dependencies go.
step "apt-get purge --autoremove smtpscope smtpscope-dev"
apt-get purge --autoremove -y -q smtpscope smtpscope-dev >/tmp/apt.log 2>&1 ||
	die "apt-get purge: $(tail -n 5 /tmp/apt.log)"
grep -E '^(Removing|Purging)' /tmp/apt.log

step "what is left"
left=
while read -r f; do
	[ -e "$f" ] || [ -L "$f" ] || continue
	# Folders (/lib, a link to usr/lib, among them) are shared.
	[ -d "$f" ] && continue
	left="$left $f"
done </tmp/pkg.paths
[ -z "$left" ] || die "files of the packages left:$left"
paths >/tmp/after.paths
new=$(comm -13 /tmp/before.paths /tmp/after.paths)
gone=$(comm -23 /tmp/before.paths /tmp/after.paths)
echo "new paths since before the installation: ${new:-none}"
echo "paths gone: ${gone:-none}"
[ -z "$new" ] || die "left after purge: $new"
[ -z "$gone" ] || die "gone after purge: $gone"
[ -z "$(find /var/lib/dpkg/info -name '*smtpscope*' 2>/dev/null)" ] ||
	die "left: $(find /var/lib/dpkg/info -name '*smtpscope*')"
dpkg -l 'smtpscope*' 2>&1 | grep -E '^[a-z][a-z] ' || echo "dpkg -l 'smtpscope*': no package known"
echo "deb-install-purge: ok"
