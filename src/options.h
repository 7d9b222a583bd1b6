/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command line: every option into struct options, every mistake
 * into one sentence and exit status 2 (EXIT_USAGE) before anything is
 * opened. --help, --version, --list-plugins, --explain and --memory-plan
 * answer and exit here.
 */
#ifndef SMTPSCOPE_OPTIONS_H
#define SMTPSCOPE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "net/reasm.h"
#include "plugin/plugins.h"
#include "status.h"

#define SMTPSCOPE_VERSION "0.2.0"
#define MAX_FILES 4096
#define MAX_PORTS 65535
enum report_format { REPORT_NONE, REPORT_TEXT, REPORT_JSON, REPORT_HTML };

struct options {
	const char *files[MAX_FILES];
	size_t nfiles;
	const char *iface, *filter, *wfile, *user, *zeekdir, *outfile;
	uint16_t ports[MAX_PORTS];
	size_t nports;
	unsigned long max_sessions, idle, buffer_mb, max_frames;
	unsigned long count; /* -c: stop after this many packets, 0 never */
	unsigned verbose;    /* -v, repeatable */
	/* Memory: the limit and the pools' budgets (0: derived). */
	uint64_t memory_limit, session_bytes, ooo_bytes, fragment_bytes;
	unsigned long v6_max;
	unsigned long stats_interval;
	double speed; /* -1: not given */
	enum report_format report;
	bool verify, quiet, promisc, transcript, tui, no_tui, no_color;
	bool trace_states;
	bool memory_plan; /* --memory-plan: print the budgets, exit */
	bool no_track;    /* --no-track */
	bool localtime;   /* --localtime: the reports' days and hours */
	unsigned long track_window, track_max; /* 0: the defaults */
	const char *plugins[PLUGINS_MAX];      /* --plugin, in order */
	size_t nplugins;
	mode_t umask; /* --umask */
	bool umask_set;
};

/* One sentence on stderr ("smtpscope: ..."), then exit(status). */
void fail(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* argv into *o, with the defaults; exits on a mistake or an answer. */
void options_parse(int argc, char **argv, struct options *o);

/* The memory options into a reassembly configuration. */
void options_memory_config(const struct options *o, struct reasm_config *rc);

#endif
