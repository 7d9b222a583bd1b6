# The Debian packages smtpscope needs, listed here and nowhere else.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The Makefile includes this file (make deps, make check, make demo);
# .ci/run reads it with "sh tests/deps.sh list VAR..." before make is
# installed, so keep to one "VAR = ..." or "VAR += ..." per line, without
# continuation lines. A plugin's own libraries are in its
# plugins/NAME/plugin.mk (PLUGIN_PKGS += ...), read the same two ways.

# To build the program, the plugins and the unit tests.
BUILD_PKGS = gcc make pkg-config libc6-dev libpcap-dev libnids-dev
BUILD_PKGS += libncurses-dev
# SHA-1 for the Community ID.
BUILD_PKGS += nettle-dev
# HTTP for the clickhouse plugin, and for smtpscope trace --clickhouse
# (which opens libcurl only then).
BUILD_PKGS += libcurl4-openssl-dev
# To run make check. Nothing here may change the host's mail system or
# leave a service running.
TEST_PKGS = tcpdump iproute2 procps util-linux python3 python3-yaml
TEST_PKGS += tmux chromium time valgrind curl strace
# t-files reads captures compressed with each of them.
TEST_PKGS += xz-utils zstd bzip2
# t-capture reads the pcapng files with tshark as a second reader.
TEST_PKGS += tshark
# t-pflogsumm compares the reports with pflogsumm on Postfix's own log
# (perl and libdate-calc-perl; no MTA).
TEST_PKGS += pflogsumm
# t-plugin-clickhouse runs private ClickHouse servers: clickhouse-server
# is unpacked (TEST_UNPACK below), the library it runs on is installed
# here (libclickhouse.so, no service): deps.sh tools installs only the
# Depends of Section libs, and clickhouse-common's is database.
TEST_PKGS += clickhouse-common
# Not installed, only unpacked: installing postfix replaces the host's
# MTA (exim4, ...), installing prometheus starts a server on :9090,
# installing clickhouse-server sets up and starts a system service. make
# check fetches each PACKAGE with apt-get download and unpacks it under
# build/tools (tests/deps.sh tools) when the PROGRAMs after its colon are
# not on PATH; the tests find them with find_tool (tests/lib.sh).
# Remaking the captures needs a whole postfix (captures/README.md says
# what); make check does not.
TEST_UNPACK = postfix:smtp-sink,smtp-source prometheus:promtool
TEST_UNPACK += clickhouse-server:clickhouse-server
# make lint: the house style.
LINT_PKGS = clang-format
# make fuzz: clang with libFuzzer.
FUZZ_PKGS = clang libclang-rt-dev
# What .ci/run has always installed besides.
CI_PKGS = ca-certificates
# make deb: the Debian packages (debian/control's Build-Depends are
# BUILD_PKGS and PLUGIN_PKGS; dpkg-buildpackage wants build-essential),
# and lintian to check what it built.
DEB_PKGS = build-essential debhelper dpkg-dev lintian
