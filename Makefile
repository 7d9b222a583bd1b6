# smtpscope - passive SMTP traffic analyzer.
# SPDX-License-Identifier: GPL-2.0-or-later
#
#   make            build ./smtpscope
#   make demo       analyze the bundled capture
#   make check      unit, golden, ground-truth, bad-input and live tests,
#                   on the normal build and on the ASan+UBSan build
#   make deps       install the Debian packages (as root) or print how
#   make test-tools unpack (not install) postfix's smtp-sink/smtp-source and
#                   prometheus's promtool under build/tools for the tests
#   make golden-update   rewrite the expected outputs after a deliberate change
#   make install    PREFIX=/usr/local DESTDIR= (SYSTEMDUNITDIR=: the unit too)
#   make uninstall  the same variables
#   make deb        the Debian packages, in build/deb/ (docs/packaging.md)
#   make format     clang-format the sources

# Where make install puts things (the FHS by the GNU names; debian/rules
# sets them for the package). The program has PLUGINDIR compiled in.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
# /etc for the system's own prefix, else PREFIX/etc (/usr/local/etc).
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
# The folder of systemd's system units: empty, no unit is installed; the
# system's is `pkg-config --variable=systemdsystemunitdir systemd`
# (/lib/systemd/system on Debian 12), /usr/local/lib/systemd/system is
# read too (systemd.unit(5)).
SYSTEMDUNITDIR ?=
DESTDIR ?=

CC ?= cc
PKG_CONFIG ?= pkg-config
# -O3: on the benchmark corpus, 5% fewer instructions than -O2 with PGO
# and 4% less CPU (docs/performance.md, 2026-12-07 17:45). A package
# build gets its distribution's flags instead (debian/rules).
CFLAGS ?= -O3 -g
# Link-time optimisation for the program (not the test and sanitizer
# builds): about 5 % less CPU on the benchmark. make LTO= turns it off.
LTO ?= -flto=auto
WARN = -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
       -Wmissing-prototypes -Wformat=2 -Wno-unused-parameter
STD = -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE

PCAP_CFLAGS := $(shell $(PKG_CONFIG) --cflags libpcap 2>/dev/null)
PCAP_LIBS := $(shell $(PKG_CONFIG) --libs libpcap 2>/dev/null || echo -lpcap)
NCURSES_CFLAGS := $(shell $(PKG_CONFIG) --cflags ncursesw 2>/dev/null)
NCURSES_LIBS := $(shell $(PKG_CONFIG) --libs ncursesw 2>/dev/null || echo -lncursesw)
# libnids ships no .pc file; the shared library brings libnet and glib.
NIDS_LIBS = -lnids
# SHA-1 of the Community ID (net/communityid.c).
NETTLE_LIBS := $(shell $(PKG_CONFIG) --libs nettle 2>/dev/null || echo -lnettle)

ALL_CFLAGS = $(STD) $(WARN) $(CPPFLAGS) $(CFLAGS) $(PCAP_CFLAGS) $(NCURSES_CFLAGS) -Isrc -Iinclude
# (smtpscope trace --clickhouse opens libcurl with dlopen(): its headers
# only at build time.)
LIBS = $(NIDS_LIBS) $(PCAP_LIBS) $(NCURSES_LIBS) $(NETTLE_LIBS) -lm -ldl

# Plugins (plugins/NAME/*.c -> build/plugins/NAME.so): where the program
# looks for them, besides SMTPSCOPE_PLUGIN_PATH. The program built here
# also looks into this tree's build/plugins; the one make install builds
# and installs (build/install/smtpscope) does not.
PLUGINDIR ?= $(LIBDIR)/smtpscope/plugins
PLUGIN_DIRS = -DSMTPSCOPE_BUILD_PLUGIN_DIR='"$(CURDIR)/build/plugins"' \
	      -DSMTPSCOPE_PLUGIN_DIR='"$(PLUGINDIR)"'
# -Isrc: a plugin includes the helper library's headers as the program
# does ("lib/util.h"), and only those (tests/lint.sh).
PLUGIN_CFLAGS = $(STD) $(WARN) $(CPPFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -Isrc \
		-Iinclude
PLUGIN_NAMES = $(notdir $(wildcard plugins/*))
PLUGINS = $(PLUGIN_NAMES:%=build/plugins/%.so)

SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	    -fno-sanitize-recover=undefined -O1 -g

# The dissector: pure, no pcap/libnids/curses (see DESIGN.md).
# The message parser alone (its unit test links only it).
MESSAGE_SRC = src/smtp/message.c src/smtp/rfc2047.c src/smtp/received.c \
	      src/smtp/dsn.c
SMTP_SRC = src/smtp/session.c src/smtp/input.c src/smtp/reply.c \
	   src/smtp/command.c src/smtp/parse.c src/smtp/tls.c \
	   $(MESSAGE_SRC) src/smtp/queueid.c src/smtp/midstream.c
# The reports (--report): read the statistics store only.
REPORT_SRC = src/report/text.c src/report/json.c src/report/html.c \
	     src/report/html_parts.c src/report/html_page.c src/report/svg.c \
	     src/report/format.c src/report/timetab.c src/report/html_trouble.c \
	     src/report/reportfile.c
# The helper library (lib/), the event model with the codes' meanings and
# the plugin ABI adapter (event/), the sinks, the reports, the dissector,
# in the order they were linked in before they had folders (but
# event/codes.c, which was in SMTP_SRC before smtp/queueid.c).
CORE_SRC = src/lib/util.c src/lib/base64.c src/lib/hex.c src/lib/qp.c \
	   src/lib/jsonread.c \
	   src/event/event.c src/sinks/stats.c src/sinks/breakdown.c \
	   src/sinks/notable.c \
	   src/sinks/topn.c src/sinks/histo.c src/sinks/jsonlog.c \
	   src/lib/recfile.c src/sinks/sessmap.c src/sinks/zeeklog.c \
	   src/sinks/zeekcompat.c src/sinks/transcript.c src/sinks/rotate.c \
	   src/sinks/alerts.c \
	   $(REPORT_SRC) \
	   src/event/plugin_abi.c $(SMTP_SRC) src/event/codes.c \
	   $(wildcard src/track/*.c)
NET_SRC = src/net/decap.c src/net/ipfrag.c src/net/ipfrag_queue.c src/net/tcpq.c src/net/v6map.c \
	  src/net/reasm.c src/net/segment.c src/net/conntab.c src/net/pickup.c \
	  src/net/attempts.c \
	  src/net/nidsglue.c src/net/capture.c src/net/capzip.c src/net/capread.c \
	  src/net/capfilter.c src/net/pcapng.c src/net/content.c \
	  src/net/bycontent.c src/net/communityid.c src/net/pcapout.c
# The dashboard: the only part that includes curses.
UI_SRC = $(wildcard src/tui/*.c)
# The plugin loader (dlopen): the program only.
APP_SRC = src/main.c src/options.c src/plugin/plugins.c \
	  $(wildcard src/trace/*.c)
SRC = $(APP_SRC) $(CORE_SRC) $(NET_SRC) $(UI_SRC)
HDR = $(wildcard src/*.h src/*/*.h include/smtpscope/*.h)

# Made from other files at build time (build/gen/, the rules below):
# docs/clickhouse.sql as a C array, for --clickhouse-schema.
GEN_SRC = build/gen/clickhouse_schema.c

OBJ = $(SRC:src/%.c=build/obj/%.o) $(GEN_SRC:build/gen/%.c=build/obj/gen/%.o)
SAN_OBJ = $(SRC:src/%.c=build/asan/%.o) \
	  $(GEN_SRC:build/gen/%.c=build/asan/gen/%.o)

UNIT_TESTS = $(basename $(notdir $(wildcard tests/unit/test_*.c)))
UNIT_BIN = $(UNIT_TESTS:%=build/tests/%)
UNIT_SAN_BIN = $(UNIT_TESTS:%=build/tests/asan-%)

.PHONY: all plugins plugin-deps demo check check-deps deps test-tools asan unit golden-update install deb fuzz fuzz-deps fuzz-coverage fuzz-plugins \
	bench bench-corpus bench-plugins \
	uninstall clean format lint

all: smtpscope plugins

# Libraries a plugin needs (its plugin.mk adds to PLUGIN_PKGS) are
# installed, or asked for, first.
plugins: $(PLUGINS)

plugin-deps:
	@sh tests/deps.sh ensure $(PLUGIN_PKGS)

# A plugin's own fragment (plugins/NAME/plugin.mk) may set PLUGIN_LIBS_NAME
# (libraries to link) and PLUGIN_CFLAGS_NAME (flags to compile its *.c).
-include $(wildcard plugins/*/plugin.mk)

# The helper library (src/lib/: buffers, JSON strings, UTF-8, base64,
# quoted-printable, hex, the writer of whole records) for the plugins:
# compiled as a plugin is (-fPIC, hidden symbols, no LTO) into an archive
# that every plugin links, so that a plugin takes in only the members it
# calls and a fix in src/lib/ reaches the plugins at their next build.
# The program compiles the same sources itself, with LTO and without
# -fPIC: its hot path inlines util.c's buffers and JSON strings.
LIB_SRC = $(wildcard src/lib/*.c)
PLUGIN_LIB = build/libsmtpscope-lib.a

$(PLUGIN_LIB): $(LIB_SRC:src/%.c=build/pic/%.o)
	@rm -f $@
	$(AR) rcs $@ $^

build/pic/%.o: src/%.c $(HDR) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(PLUGIN_CFLAGS) -c -o $@ $<

build/plugins/%.so: $(wildcard plugins/*/*.c plugins/*/*.h) \
    include/smtpscope/plugin.h $(wildcard src/lib/*.h) $(PLUGIN_LIB) \
    Makefile | plugin-deps
	@mkdir -p $(dir $@)
	$(CC) $(PLUGIN_CFLAGS) $(PLUGIN_CFLAGS_$*) -shared $(LDFLAGS) -o $@ \
	    $(wildcard plugins/$*/*.c) $(PLUGIN_LIB) $(PLUGIN_LIBS_$*)

smtpscope: $(OBJ)
	$(CC) $(ALL_CFLAGS) $(LTO) $(LDFLAGS) -o $@ $(OBJ) $(LIBS)

# Profile-guided (make PGO=1; the package is built so): the program's
# objects are first built with -fprofile-generate, that program reads the
# bundled captures (the training, a few seconds), its objects are
# deleted, and they are built again with the profile it left beside them
# (build/obj/*.gcda): the code that packets and transactions run through
# laid out together, for the instruction cache (docs/performance.md). The
# same paths both times: GCC names a static function's profile after its
# object. It doubles the build's time, so plain make builds in one pass;
# run make clean when switching.
PGO ?= 0
PGO_TRAIN = $(sort $(wildcard captures/*.pcap captures/partial/*.pcap))
ifeq ($(PGO_STAGE),generate)
PGO_FLAGS = -fprofile-generate -fprofile-update=atomic
PGO_STAMP =
else ifeq ($(PGO),1)
PGO_FLAGS = -fprofile-use -fprofile-partial-training -Wno-missing-profile
PGO_STAMP = build/obj/.pgo-trained
endif

build/obj/.pgo-trained: $(SRC) $(HDR) Makefile $(PGO_TRAIN)
	@rm -f $(OBJ) build/pgo-smtpscope
	@find build/obj -name '*.gcda' -delete 2>/dev/null || :
	@$(MAKE) --no-print-directory PGO_STAGE=generate build/pgo-smtpscope
	@echo "PGO: training on $(words $(PGO_TRAIN)) bundled captures"
	@for f in $(PGO_TRAIN); do \
	    build/pgo-smtpscope -q -r $$f -w /dev/null --report json \
	        -o /dev/null >/dev/null 2>&1 || :; \
	done
	@rm -f $(OBJ) build/pgo-smtpscope
	@touch $@

build/pgo-smtpscope: $(OBJ)
	$(CC) $(ALL_CFLAGS) $(LTO) $(PGO_FLAGS) $(LDFLAGS) -o $@ $(OBJ) $(LIBS)

build/obj/%.o: src/%.c $(HDR) Makefile $(PGO_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PLUGIN_DIRS) $(LTO) $(PGO_FLAGS) -c -o $@ $<

# docs/clickhouse.sql, the one copy of the schema, into the program
# (--clickhouse-schema): its bytes as decimal numbers by od, joined by
# awk, then a NUL (the array is never empty); written aside, then moved,
# so that a failed run leaves no half file.
build/gen/clickhouse_schema.c: docs/clickhouse.sql Makefile
	@mkdir -p $(dir $@)
	{ echo '/* Made by the Makefile from docs/clickhouse.sql: do not edit. */'; \
	  echo '#include "options.h"'; \
	  echo 'const unsigned char clickhouse_schema[] = {'; \
	  od -A n -v -t u1 docs/clickhouse.sql | \
	      awk '{ s = "\t"; for (i = 1; i <= NF; i++) s = s $$i ","; print s }'; \
	  echo '	0'; \
	  echo '};'; \
	  echo 'const size_t clickhouse_schema_len = sizeof(clickhouse_schema) - 1;'; \
	} >$@.tmp && mv $@.tmp $@

build/obj/gen/%.o: build/gen/%.c $(HDR) Makefile $(PGO_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LTO) $(PGO_FLAGS) -c -o $@ $<

# The installed program: the same objects but the plugin loader's, built
# without the build tree's plugins folder (src/plugin/plugins.h), so that no
# file planted in this tree can ever run from an installed smtpscope.
# build/install/plugindir holds PLUGINDIR: a new one rebuilds the loader
# (the file is rewritten, when it differs, each time make reads this).
INSTALL_OBJ = $(filter-out build/obj/plugin/plugins.o,$(OBJ)) \
	build/install/plugins.o

build/install/smtpscope: $(INSTALL_OBJ)
	$(CC) $(ALL_CFLAGS) $(LTO) $(LDFLAGS) -o $@ $(INSTALL_OBJ) $(LIBS)

build/install/plugins.o: src/plugin/plugins.c $(HDR) Makefile \
    build/install/plugindir
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DSMTPSCOPE_PLUGIN_DIR='"$(PLUGINDIR)"' $(LTO) \
	    -c -o $@ src/plugin/plugins.c

ifeq ($(filter clean,$(MAKECMDGOALS)),)
$(shell mkdir -p build/install && { echo '$(PLUGINDIR)' | \
    cmp -s - build/install/plugindir || \
    echo '$(PLUGINDIR)' >build/install/plugindir; })
endif

asan: build/asan/smtpscope

build/asan/smtpscope: $(SAN_OBJ)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) $(LDFLAGS) -o $@ $(SAN_OBJ) $(LIBS)

build/asan/%.o: src/%.c $(HDR) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PLUGIN_DIRS) $(SAN_FLAGS) -c -o $@ $<

build/asan/gen/%.o: build/gen/%.c $(HDR) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -c -o $@ $<

# Unit tests: tests/unit/test_NAME.c, linked with only what it tests
# (TEST_SRC_NAME), TEST_FLAGS_NAME and TEST_LIBS_NAME if it needs them.
# The decoders of src/lib/ that the dissector calls (AUTH, RFC 2047).
DECODE_SRC = src/lib/base64.c src/lib/qp.c
TEST_SRC_base64 = src/lib/base64.c src/lib/util.c
TEST_SRC_chflatten = plugins/clickhouse/flatten.c plugins/clickhouse/insert.c
TEST_SRC_codes = src/event/codes.c src/lib/util.c
TEST_SRC_communityid = src/net/communityid.c
TEST_LIBS_communityid = $(NETTLE_LIBS)
TEST_SRC_decap = src/net/decap.c
TEST_SRC_ipfrag = src/net/ipfrag.c src/net/ipfrag_queue.c src/net/decap.c
TEST_FLAGS_ipfrag = -DIPFRAG_CAPTURES='"$(CURDIR)/captures"'
TEST_SRC_hex = src/lib/hex.c src/lib/util.c
TEST_SRC_jsonread = src/lib/jsonread.c src/lib/util.c
TEST_SRC_message = $(MESSAGE_SRC) $(DECODE_SRC) src/lib/util.c
TEST_SRC_queueid = src/smtp/queueid.c
TEST_SRC_format = src/report/format.c src/sinks/histo.c src/lib/util.c
TEST_LIBS_format = -lm
TEST_SRC_plugin_abi = src/event/plugin_abi.c src/event/codes.c \
	src/lib/util.c $(DECODE_SRC) src/event/event.c $(SMTP_SRC)
TEST_SRC_qp = src/lib/qp.c src/lib/util.c
TEST_SRC_rotate = src/sinks/rotate.c
TEST_SRC_alerts = src/sinks/alerts.c src/event/event.c src/lib/util.c
TEST_LIBS_alerts = -lm
TEST_SRC_recfile = src/lib/recfile.c src/lib/util.c
TEST_SRC_smtp = src/lib/util.c $(DECODE_SRC) src/event/event.c $(SMTP_SRC)
TEST_SRC_stats = src/sinks/stats.c src/sinks/notable.c src/sinks/breakdown.c src/sinks/topn.c src/sinks/histo.c \
	src/event/codes.c src/lib/util.c $(DECODE_SRC) src/event/event.c $(SMTP_SRC)
TEST_LIBS_stats = -lm
TEST_SRC_content = src/net/content.c
TEST_SRC_tcpq = src/net/tcpq.c src/lib/util.c
TEST_SRC_tls = src/smtp/tls.c src/event/event.c src/lib/util.c
TEST_SRC_util = src/lib/util.c
TEST_SRC_v6map = src/net/v6map.c src/lib/util.c
TEST_SRC_zeekcompat = src/sinks/zeekcompat.c src/lib/util.c

.SECONDEXPANSION:
build/tests/test_%: tests/unit/test_%.c $$(TEST_SRC_$$*) tests/unit/check.h \
    $(HDR)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TEST_FLAGS_$*) -o $@ $< $(TEST_SRC_$*) \
	    $(TEST_LIBS_$*)
build/tests/asan-test_%: tests/unit/test_%.c $$(TEST_SRC_$$*) \
    tests/unit/check.h $(HDR)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) $(TEST_FLAGS_$*) -o $@ $< \
	    $(TEST_SRC_$*) $(TEST_LIBS_$*)

unit: $(UNIT_BIN) $(UNIT_SAN_BIN)

# libFuzzer (clang): make fuzz FUZZ_TIME=seconds per target.
FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined \
	     -fno-sanitize-recover=undefined
FUZZ_SMTP_SRC = tests/fuzz/fuzz_smtp.c $(CORE_SRC)

build/fuzz/fuzz_smtp: $(FUZZ_SMTP_SRC) $(HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(STD) $(FUZZ_FLAGS) -Isrc -Iinclude -o $@ $(FUZZ_SMTP_SRC)

FUZZ_PCAP_SRC = tests/fuzz/fuzz_pcap.c $(CORE_SRC) $(NET_SRC)

build/fuzz/fuzz_pcap: $(FUZZ_PCAP_SRC) $(HDR) tests/fuzz/pipeline.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(STD) $(FUZZ_FLAGS) $(PCAP_CFLAGS) -Isrc -Iinclude -o $@ \
	    $(FUZZ_PCAP_SRC) $(LIBS)

# The same with --ports any (tests/fuzz/pipeline.h): every connection
# not on 25, 587 or 465 judged by its content (net/bycontent.c).
build/fuzz/fuzz_pcap_any: $(FUZZ_PCAP_SRC) $(HDR) tests/fuzz/pipeline.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(STD) $(FUZZ_FLAGS) -DFUZZ_PORTS_ANY $(PCAP_CFLAGS) -Isrc \
	    -Iinclude -o $@ $(FUZZ_PCAP_SRC) $(LIBS)

FUZZ_REASM_SRC = tests/fuzz/fuzz_reasm.c $(CORE_SRC) $(NET_SRC)

build/fuzz/fuzz_reasm: $(FUZZ_REASM_SRC) $(HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(STD) $(FUZZ_FLAGS) $(PCAP_CFLAGS) -Isrc -Iinclude -o $@ \
	    $(FUZZ_REASM_SRC) $(LIBS)

# Our pcapng reader; FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION makes it keep
# each block in a buffer of its size, so that ASan sees a read past it.
FUZZ_PCAPNG_SRC = tests/fuzz/fuzz_pcapng.c $(CORE_SRC) $(NET_SRC)

build/fuzz/fuzz_pcapng: $(FUZZ_PCAPNG_SRC) $(HDR) tests/fuzz/pipeline.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(STD) $(FUZZ_FLAGS) -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION \
	    $(PCAP_CFLAGS) -Isrc -Iinclude -o $@ $(FUZZ_PCAPNG_SRC) $(LIBS)

# The JSON reader that smtpscope trace reads logs back with: only it and
# the helper library it carves its trees from.
FUZZ_JSONREAD_SRC = tests/fuzz/fuzz_jsonread.c src/lib/jsonread.c \
	src/lib/util.c

build/fuzz/fuzz_jsonread: $(FUZZ_JSONREAD_SRC) $(HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(STD) $(FUZZ_FLAGS) -Isrc -Iinclude -o $@ \
	    $(FUZZ_JSONREAD_SRC) -lm

# smtpscope report on a JSON log: the records read back (src/trace/), each
# turned into events, counted, tracked, and the three reports written.
FUZZ_RECORDS_SRC = tests/fuzz/fuzz_records.c $(CORE_SRC) \
	src/trace/records.c src/trace/reportcmd.c src/trace/store.c

build/fuzz/fuzz_records: $(FUZZ_RECORDS_SRC) $(HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(STD) $(FUZZ_FLAGS) -Isrc -Iinclude -o $@ \
	    $(FUZZ_RECORDS_SRC) -lm -ldl

# SMTP found by its content (--ports any): the classifier alone.
FUZZ_CONTENT_SRC = tests/fuzz/fuzz_content.c src/net/content.c

build/fuzz/fuzz_content: $(FUZZ_CONTENT_SRC) $(HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(STD) $(FUZZ_FLAGS) -Isrc -Iinclude -o $@ \
	    $(FUZZ_CONTENT_SRC)

# One program per plugin, its sources compiled in (tests/fuzz/fuzz_plugin.c)
# with the program's, src/lib/ among them (what the plugin links from
# build/libsmtpscope-lib.a): plugins/NAME/plugin.mk may set FUZZ_ARGS_NAME,
# the argument string of its init().
build/fuzz/fuzz_plugin_%: tests/fuzz/fuzz_plugin.c $(CORE_SRC) $(HDR) \
    $(wildcard plugins/*/*.c plugins/*/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(STD) $(FUZZ_FLAGS) -Isrc -Iinclude $(PLUGIN_CFLAGS_$*) \
	    -DFUZZ_PLUGIN_ARGS='"$(FUZZ_ARGS_$*)"' -o $@ \
	    tests/fuzz/fuzz_plugin.c $(CORE_SRC) $(wildcard plugins/$*/*.c) \
	    $(PLUGIN_LIBS_$*)

FUZZ_PLUGINS ?= $(PLUGIN_NAMES)
FUZZ_PLUGIN_TIME ?= $(FUZZ_TIME)

fuzz-plugins: fuzz-deps $(FUZZ_PLUGINS:%=build/fuzz/fuzz_plugin_%)
	@rm -rf build/fuzz/plugin-out && mkdir -p build/fuzz/plugin-out
	@for p in $(FUZZ_PLUGINS); do \
		mkdir -p build/fuzz/corpus-plugin-$$p; \
		cp -n tests/fuzz/corpus/smtp/* build/fuzz/corpus-plugin-$$p/ 2>/dev/null; \
		echo "== fuzz_plugin_$$p"; \
		build/fuzz/fuzz_plugin_$$p -max_total_time=$(FUZZ_PLUGIN_TIME) \
		    -max_len=65536 -dict=tests/fuzz/smtp.dict -rss_limit_mb=1024 \
		    -print_final_stats=1 -artifact_prefix=build/fuzz/plugin-$$p- \
		    build/fuzz/corpus-plugin-$$p || exit 1; \
	done

# Each target runs FUZZ_TIME seconds from the committed seeds; what it
# finds stays in build/fuzz/corpus-*. fuzz_pcap: libnids keeps a few
# bytes per init that it never frees, so leak detection is off there.
fuzz-deps:
	@command -v $(FUZZ_CC) >/dev/null 2>&1 && \
	    echo 'int LLVMFuzzerTestOneInput(const char *d, long n){(void)d;(void)n;return 0;}' | \
	    { mkdir -p build/fuzz && $(FUZZ_CC) -fsanitize=fuzzer -x c \
	      -o build/fuzz/probe - 2>/dev/null; } || { \
		echo "make fuzz: needs clang with libFuzzer: apt-get install $(FUZZ_PKGS)" >&2; \
		exit 2; }

fuzz: fuzz-deps build/fuzz/fuzz_smtp build/fuzz/fuzz_pcap build/fuzz/fuzz_reasm \
    build/fuzz/fuzz_pcapng build/fuzz/fuzz_jsonread build/fuzz/fuzz_content \
    build/fuzz/fuzz_pcap_any build/fuzz/fuzz_records fuzz-plugins
	@mkdir -p build/fuzz/corpus-smtp build/fuzz/corpus-pcap build/fuzz/corpus-reasm \
	    build/fuzz/corpus-pcapng build/fuzz/corpus-jsonread \
	    build/fuzz/corpus-content build/fuzz/corpus-pcap-any \
	    build/fuzz/corpus-records
	@cp -n tests/fuzz/corpus/smtp/* build/fuzz/corpus-smtp/ 2>/dev/null || true
	@cp -n tests/fuzz/corpus/pcap/* build/fuzz/corpus-pcap/ 2>/dev/null || true
	@cp -n tests/fuzz/corpus/reasm/* build/fuzz/corpus-reasm/ 2>/dev/null || true
	@cp -n tests/fuzz/corpus/pcapng/* build/fuzz/corpus-pcapng/ 2>/dev/null || true
	@cp -n tests/fuzz/corpus/jsonread/* build/fuzz/corpus-jsonread/ 2>/dev/null || true
	@cp -n tests/fuzz/corpus/content/* build/fuzz/corpus-content/ 2>/dev/null || true
	@cp -n tests/fuzz/corpus/records/* build/fuzz/corpus-records/ 2>/dev/null || true
	@cp -n tests/fuzz/corpus/pcap/* captures/ports.pcap build/fuzz/corpus-pcap-any/ 2>/dev/null || true
	build/fuzz/fuzz_smtp -max_total_time=$(FUZZ_TIME) -max_len=65536 \
	    -dict=tests/fuzz/smtp.dict \
	    -rss_limit_mb=1024 -print_final_stats=1 -artifact_prefix=build/fuzz/ \
	    build/fuzz/corpus-smtp
	ASAN_OPTIONS=detect_leaks=0 build/fuzz/fuzz_pcap \
	    -max_total_time=$(FUZZ_TIME) -max_len=262144 \
	    -dict=tests/fuzz/smtp.dict \
	    -rss_limit_mb=2048 -detect_leaks=0 -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/ \
	    build/fuzz/corpus-pcap
	ASAN_OPTIONS=detect_leaks=0 build/fuzz/fuzz_reasm \
	    -max_total_time=$(FUZZ_TIME) -max_len=65536 \
	    -rss_limit_mb=2048 -detect_leaks=0 -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/reasm- \
	    build/fuzz/corpus-reasm
	ASAN_OPTIONS=detect_leaks=0 build/fuzz/fuzz_pcapng \
	    -max_total_time=$(FUZZ_TIME) -max_len=262144 \
	    -dict=tests/fuzz/pcapng.dict \
	    -rss_limit_mb=2048 -detect_leaks=0 -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/pcapng- \
	    build/fuzz/corpus-pcapng
	build/fuzz/fuzz_jsonread -max_total_time=$(FUZZ_TIME) -max_len=65536 \
	    -dict=tests/fuzz/json.dict \
	    -rss_limit_mb=1024 -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/jsonread- \
	    build/fuzz/corpus-jsonread
	ASAN_OPTIONS=detect_leaks=0 build/fuzz/fuzz_pcap_any \
	    -max_total_time=$(FUZZ_TIME) -max_len=262144 \
	    -dict=tests/fuzz/smtp.dict \
	    -rss_limit_mb=2048 -detect_leaks=0 -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/pcap-any- \
	    build/fuzz/corpus-pcap-any
	build/fuzz/fuzz_content -max_total_time=$(FUZZ_TIME) -max_len=1024 \
	    -dict=tests/fuzz/content.dict \
	    -rss_limit_mb=1024 -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/content- \
	    build/fuzz/corpus-content build/fuzz/corpus-pcap-any
	build/fuzz/fuzz_records -max_total_time=$(FUZZ_TIME) -max_len=65536 \
	    -dict=tests/fuzz/json.dict \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/records- \
	    build/fuzz/corpus-records

# Line and branch coverage that the fuzzing corpora (build/fuzz/corpus-*,
# the committed seeds plus what make fuzz found) reach in src/: each
# target rebuilt with clang's source-based coverage, each input run once.
COV_FLAGS = -g -O1 -fsanitize=fuzzer -fprofile-instr-generate \
	    -fcoverage-mapping
LLVM_COV ?= llvm-cov
LLVM_PROFDATA ?= llvm-profdata

build/fuzz/cov_smtp: $(FUZZ_SMTP_SRC) $(HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(STD) $(COV_FLAGS) -Isrc -Iinclude -o $@ $(FUZZ_SMTP_SRC)

build/fuzz/cov_pcap: $(FUZZ_PCAP_SRC) $(HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(STD) $(COV_FLAGS) $(PCAP_CFLAGS) -Isrc -Iinclude -o $@ \
	    $(FUZZ_PCAP_SRC) $(LIBS)

build/fuzz/cov_reasm: $(FUZZ_REASM_SRC) $(HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(STD) $(COV_FLAGS) $(PCAP_CFLAGS) -Isrc -Iinclude -o $@ \
	    $(FUZZ_REASM_SRC) $(LIBS)

build/fuzz/cov_pcapng: $(FUZZ_PCAPNG_SRC) $(HDR) tests/fuzz/pipeline.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(STD) $(COV_FLAGS) -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION \
	    $(PCAP_CFLAGS) -Isrc -Iinclude -o $@ $(FUZZ_PCAPNG_SRC) $(LIBS)

build/fuzz/cov_jsonread: $(FUZZ_JSONREAD_SRC) $(HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(STD) $(COV_FLAGS) -Isrc -Iinclude -o $@ \
	    $(FUZZ_JSONREAD_SRC) -lm

COV_TARGETS = smtp pcap reasm pcapng jsonread

fuzz-coverage: fuzz-deps $(COV_TARGETS:%=build/fuzz/cov_%)
	@for t in $(COV_TARGETS); do \
		mkdir -p build/fuzz/corpus-$$t; \
		cp -n tests/fuzz/corpus/$$t/* build/fuzz/corpus-$$t/ 2>/dev/null || true; \
	done
	@for t in $(COV_TARGETS); do \
		rm -f build/fuzz/$$t.profraw; \
		LLVM_PROFILE_FILE=build/fuzz/$$t.profraw ASAN_OPTIONS=detect_leaks=0 \
		    build/fuzz/cov_$$t -runs=0 build/fuzz/corpus-$$t \
		    >build/fuzz/cov_$$t.log 2>&1 || exit 1; \
		$(LLVM_PROFDATA) merge -o build/fuzz/$$t.profdata \
		    build/fuzz/$$t.profraw || exit 1; \
		echo "== fuzz_$$t: $$(ls build/fuzz/corpus-$$t | wc -l) inputs"; \
		$(LLVM_COV) report build/fuzz/cov_$$t \
		    -instr-profile=build/fuzz/$$t.profdata \
		    $$(ls src/*.c src/*/*.c | grep -v -e src/main.c -e src/tui/) \
		    | sed 's/^.*src\//src\//'; \
	done

# Packages: to build, to test, to remake captures (packages.mk, also read
# by .ci/run; a plugin's in its plugin.mk).
include packages.mk
DEPS_STAMP = build/.deps-ok

deps:
	@sh tests/deps.sh install $(BUILD_PKGS) $(PLUGIN_PKGS) $(TEST_PKGS)

check-deps:
	@sh tests/deps.sh ensure $(BUILD_PKGS) $(PLUGIN_PKGS) $(TEST_PKGS)

# Programs of packages that must not be installed (TEST_UNPACK): fetched
# and unpacked under build/tools when they are not on PATH.
test-tools:
	@sh tests/deps.sh tools build/tools $(TEST_UNPACK)

demo:
	@sh tests/deps.sh ensure $(BUILD_PKGS)
	@$(MAKE) --no-print-directory smtpscope
	@mkdir -p build/demo
	@echo "== one session as a dialogue: smtpscope -r captures/exim-refused.pcap --transcript"
	@echo "   (a real Exim refusing RCPT and DATA, then taking the message)"
	@./smtpscope -q -r captures/exim-refused.pcap --transcript
	@echo "== the text report: smtpscope -r captures/track.pcap --report text"
	@echo "   (real Postfix and Exim relaying, dropping, bouncing; the first 60 lines)"
	@./smtpscope -q -r captures/track.pcap --report text | head -n 60
	@echo "   ..."
	@echo "== one message across hops: smtpscope trace --to 'late@*' captures/track.pcap (the first)"
	@./smtpscope trace --to 'late@*' captures/track.pcap 2>/dev/null | sed -n '1,/^$$/p'
	@./smtpscope -q -r captures/track.pcap -w build/demo/track.jsonl \
	    --zeek-log build/demo --report html -o build/demo/report.html
	@echo "== also written: build/demo/track.jsonl (the JSON log, $$(wc -l <build/demo/track.jsonl) records),"
	@echo "   build/demo/smtp.log (Zeek's format), build/demo/report.html (open it in a browser)"
	@echo "== the dashboard: ./smtpscope -r captures/track.pcap --tui   (1-6 views, h help, q quits)"

check:
	@sh tests/deps.sh ensure $(BUILD_PKGS) $(PLUGIN_PKGS) $(TEST_PKGS)
	@sh tests/deps.sh tools build/tools $(TEST_UNPACK)
	@$(MAKE) --no-print-directory smtpscope plugins build/asan/smtpscope unit \
	    build/install/smtpscope
	@sh tests/run.sh ./smtpscope build/asan/smtpscope

golden-update: smtpscope
	@sh tests/golden.sh --update ./smtpscope

# Benchmarks (issue 5): make the corpus once (root, several minutes,
# hundreds of MB in bench/corpus/), then compare with the floors and tshark.
bench-corpus:
	bash bench/make-corpus.sh

bench: smtpscope
	@test -f bench/corpus/corpus.pcap || { echo "no bench/corpus/corpus.pcap: run make bench-corpus (as root) first"; exit 1; }
	bash bench/run.sh

bench-plugins: smtpscope plugins
	@test -f bench/corpus/corpus.pcap || { echo "no bench/corpus/corpus.pcap: run make bench-corpus (as root) first"; exit 1; }
	bash bench/plugins.sh

# make install: the program (PLUGINDIR compiled in), its plugins, the man
# page and the plugin header; with SYSTEMDUNITDIR the unit
# smtpscope@.service and its options file SYSCONFDIR/default/smtpscope,
# which is never written over (an administrator's). The FHS places, by
# the GNU names, under PREFIX (/usr/local) and DESTDIR.
UNIT_SED = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g'

install: build/install/smtpscope plugins
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(INCLUDEDIR)/smtpscope
	install -m 755 build/install/smtpscope $(DESTDIR)$(BINDIR)/smtpscope
	install -m 644 docs/smtpscope.1 $(DESTDIR)$(MANDIR)/man1/smtpscope.1
	install -m 644 $(PLUGINS) $(DESTDIR)$(PLUGINDIR)/
	install -m 644 include/smtpscope/plugin.h \
	    $(DESTDIR)$(INCLUDEDIR)/smtpscope/plugin.h
ifneq ($(SYSTEMDUNITDIR),)
	install -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSCONFDIR)/default
	$(UNIT_SED) dist/systemd/smtpscope@.service.in \
	    >$(DESTDIR)$(SYSTEMDUNITDIR)/smtpscope@.service
	chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/smtpscope@.service
	test -e $(DESTDIR)$(SYSCONFDIR)/default/smtpscope || { \
	    $(UNIT_SED) dist/smtpscope.default.in \
	    >$(DESTDIR)$(SYSCONFDIR)/default/smtpscope && \
	    chmod 644 $(DESTDIR)$(SYSCONFDIR)/default/smtpscope; }
endif

# What make install wrote, with the same variables; the options file
# only when it is as installed, and the folders only when empty.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/smtpscope $(DESTDIR)$(MANDIR)/man1/smtpscope.1
	rm -f $(PLUGIN_NAMES:%=$(DESTDIR)$(PLUGINDIR)/%.so)
	rm -f $(DESTDIR)$(INCLUDEDIR)/smtpscope/plugin.h
	rmdir $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(PLUGINDIR)/.. \
	    $(DESTDIR)$(INCLUDEDIR)/smtpscope 2>/dev/null || true
ifneq ($(SYSTEMDUNITDIR),)
	rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/smtpscope@.service
	! $(UNIT_SED) dist/smtpscope.default.in | \
	    cmp -s - $(DESTDIR)$(SYSCONFDIR)/default/smtpscope || \
	    rm -f $(DESTDIR)$(SYSCONFDIR)/default/smtpscope
endif

# The Debian packages (debian/, docs/packaging.md): their build
# dependencies installed as make deps does (DEB_PKGS and debian/control's
# Build-Depends, the same list), dpkg-buildpackage in a copy of this tree
# (build/deb/src: debhelper's files stay out of the tree), the .deb files
# left in build/deb/, then lintian on them.
deb:
	@sh tests/deps.sh ensure $(BUILD_PKGS) $(PLUGIN_PKGS) $(DEB_PKGS)
	rm -rf build/deb && mkdir -p build/deb/src/smtpscope
	touch build/deb/.copied
	tar -c -f - --anchored --exclude=./build --exclude=./.git \
	    --exclude=./smtpscope --exclude=./bench/corpus . | \
	    tar -x -f - -C build/deb/src/smtpscope
	cd build/deb/src/smtpscope && dpkg-buildpackage -us -uc -b
	mv build/deb/src/*.*deb build/deb/src/*.buildinfo \
	    build/deb/src/*.changes build/deb/
	rm -rf build/deb/src
	lintian --fail-on error,warning build/deb/*.changes
	@ls -l build/deb/*.deb

format:
	clang-format -i $(SRC) $(HDR) tests/unit/*.c tests/unit/*.h $(wildcard plugins/*/*.c)

lint:
	@sh tests/lint.sh

clean:
	rm -rf build smtpscope
