#!/bin/sh
# A small lint in the manner of curl's checksrc: functions that have no
# place in code that reads untrusted bytes.
# SPDX-License-Identifier: GPL-2.0-or-later
cd "$(dirname "$0")/.." || exit 2
bad=$(grep -n -E '\<(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|atof|strncpy)[[:space:]]*\(' \
	src/*.c src/*/*.c src/*.h src/*/*.h include/*/*.h plugins/*/*.c \
	plugins/*/*.h 2>/dev/null)
if [ -n "$bad" ]; then
	echo "lint: banned functions (use snprintf, memcpy with a checked length, parse_ulong):"
	echo "$bad"
	exit 1
fi
echo "lint: banned functions: none"
# Who may include whom (docs/internals.md): the dissector includes only
# the event model, the helper library and its own headers; nothing above
# the network layer includes the network's headers, libpcap's or
# libnids' (the capture's health reaches it as health.h).
bad=$(grep -H -n '^#include' src/smtp/*.c src/smtp/*.h |
	grep -v -E '#include (<[a-z0-9_/]+\.h>|"(lib/util|event/event|event/model)\.h"|"smtp/(smtp|internal|message|message_internal|queueid|tls)\.h")$')
above=$(ls src/sinks/* src/lib/* src/event/* src/plugin/* \
	src/report/* src/tui/* src/smtp/* 2>/dev/null)
# shellcheck disable=SC2086
bad="$bad$(grep -H -n -E '^#include ([<"](pcap|nids)[./]|"net/)' $above)"
if [ -n "$bad" ]; then
	echo "lint: includes across the layers (docs/internals.md):"
	echo "$bad" | sort -u
	exit 1
fi
echo "lint: layers ok"
# The man page names the version the program prints.
ver=$(sed -n 's/^#define SMTPSCOPE_VERSION "\(.*\)"/\1/p' src/options.h)
if ! grep -q "^\.TH SMTPSCOPE 1 .*\"smtpscope $ver\"" docs/smtpscope.1; then
	echo "lint: docs/smtpscope.1's .TH does not name smtpscope $ver (src/options.h)"
	exit 1
fi
echo "lint: man page version $ver"
if command -v clang-format >/dev/null 2>&1; then
	if ! clang-format --dry-run -Werror src/*.c src/*.h src/*/*.c src/*/*.h \
		include/*/*.h $(ls plugins/*/*.c plugins/*/*.h 2>/dev/null) \
		tests/unit/*.c tests/unit/*.h >/tmp/smtpscope-format.log 2>&1; then
		echo "lint: not in the house style (make format):"
		head -n 20 /tmp/smtpscope-format.log
		exit 1
	fi
	echo "lint: clang-format ok"
fi
