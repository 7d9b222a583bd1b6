# The clickhouse plugin sends its rows with libcurl (Debian:
# libcurl4-openssl-dev) from a thread of its own.
# SPDX-License-Identifier: GPL-2.0-or-later
PLUGIN_LIBS_clickhouse = -lcurl -lpthread
PLUGIN_PKGS += libcurl4-openssl-dev
# make fuzz-plugins: a closed port, the failed batches kept in memory.
FUZZ_ARGS_clickhouse = url=http://127.0.0.1:1,sensor=fuzz,timeout=0.5
