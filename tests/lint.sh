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
# Who may include whom (docs/internals.md), by folder: the files of each
# folder of src/ include only the headers its line names (as paths from
# src/: "lib/util.h"); libpcap and libnids only in net/, curses only in
# tui/. main.c wires the layers and may include anything; options.c and
# status.h stay beside it, and no other file sits in src/ itself.
layers='lib: lib/
event: event/ lib/
smtp: smtp/ event/ lib/
net: net/ event/ lib/ status.h
sinks: sinks/ event/ lib/
track: track/ event/ lib/
trace: trace/ track/ report/ sinks/ event/ lib/ status.h
report: report/ sinks/ event/ lib/
tui: tui/ report/ sinks/ event/ lib/
plugin: plugin/ report/ sinks/ event/ lib/'
bad=
for dir in src/*/; do
	d=$(basename "$dir")
	allowed=$(echo "$layers" | sed -n "s|^$d: ||p")
	if [ -z "$allowed" ]; then
		bad="$bad
src/$d/: a folder the layer rule (tests/lint.sh) does not know"
		continue
	fi
	# "net/ status.h" -> net/[a-z0-9_]+\.h|status\.h
	re=$(echo "$allowed " | sed -e 's/\./\\./g' \
	    -e 's|/ |/[a-z0-9_]+\\.h |g' -e 's/ $//' -e 's/ /|/g')
	bad="$bad
$(grep -H -n '^#include "' "$dir"*.[ch] |
		grep -v -E "#include \"($re)\"\$")"
done
# shellcheck disable=SC2010
bad="$bad
$(ls src | grep -v -x -E '[a-z]+|main\.c|options\.[ch]|status\.h' |
	sed 's|.*|src/&: in src/ itself, not in the folder of its layer|')
$(grep -H -n -E '^#include <(pcap|nids)[./]' src/*.[ch] src/*/*.[ch] |
	grep -v '^src/net/')
$(grep -H -n -E '^#include <n?curses' src/*.[ch] src/*/*.[ch] |
	grep -v '^src/tui/')"
# A plugin (plugins/NAME/, its test/ too) includes of src/ only the
# helper library ("lib/util.h", with -Isrc; it links
# build/libsmtpscope-lib.a): the rest is the program's inside, not its ABI.
bad="$bad
$(grep -H -n '^#include "[a-z]*/' plugins/*/*.[ch] plugins/*/test/*.[ch] \
	2>/dev/null | grep -v -E '#include "lib/[a-z0-9_]+\.h"$')"
bad=$(echo "$bad" | grep -v '^$')
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
