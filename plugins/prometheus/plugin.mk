# The prometheus plugin serves HTTP with libmicrohttpd (Debian:
# libmicrohttpd-dev).
# SPDX-License-Identifier: GPL-2.0-or-later
PLUGIN_LIBS_prometheus = -lmicrohttpd
PLUGIN_PKGS += libmicrohttpd-dev
# make fuzz-plugins: a port of its own while fuzzing.
FUZZ_ARGS_prometheus = listen=127.0.0.1:9147
