/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command line: every option into struct options, every mistake
 * into one sentence and exit status 2 (EXIT_USAGE) before anything is
 * opened. --help, --version, --list-plugins, --clickhouse-schema,
 * --explain and --memory-plan answer and exit here.
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
#include "sinks/alerts.h"
#include "status.h"

#define SMTPSCOPE_VERSION "0.2.0"
#define MAX_FILES 4096
#define MAX_PORTS 65535
#define MAX_PCAP_SESSIONS 4096
enum report_format { REPORT_NONE, REPORT_TEXT, REPORT_JSON, REPORT_HTML };
#define REPORTS_MAX 8 /* --report given this often, at most */

/* One --report and the -o after it (NULL or "-": standard output). */
struct report_spec {
	enum report_format format;
	const char *outfile;
};

struct options {
	const char *files[MAX_FILES];
	size_t nfiles;
	const char *iface, *filter, *wfile, *user, *zeekdir, *outfile;
	uint16_t ports[MAX_PORTS];
	size_t nports;
	bool ports_any; /* "any" in --ports: others judged by content */
	unsigned long max_sessions, idle, buffer_mb, max_frames;
	unsigned long count; /* -c: stop after this many packets, 0 never */
	unsigned verbose;    /* -v, repeatable */
	/* Memory: the limit and the pools' budgets (0: derived). */
	uint64_t memory_limit, session_bytes, ooo_bytes, fragment_bytes;
	unsigned long v6_max;
	unsigned long stats_interval;
	double speed; /* -1: not given */
	enum report_format report;
	bool no_midstream; /* --no-midstream */
	bool verify, quiet, promisc, transcript, tui, no_tui, no_color;
	unsigned long tui_history; /* --tui-history: 0, the default */
	bool localtime; /* --localtime: the reports' days and hours and the
			   dashboard's clocks in local time */
	bool trace_states;
	bool memory_plan; /* --memory-plan: print the budgets, exit */
	bool no_track;    /* --no-track */
	unsigned long track_window, track_max; /* 0: the defaults */
	const char *plugins[PLUGINS_MAX];      /* --plugin, in order */
	size_t nplugins;
	mode_t umask; /* --umask */
	bool umask_set;
	/* Every --report with its -o, in order; report and outfile above
	 * are the first's. */
	struct report_spec reports[REPORTS_MAX];
	size_t nreports;
	unsigned long rotate;       /* --rotate SECONDS, 0: never */
	uint64_t rotate_size;       /* --rotate-size SIZE, 0: never */
	unsigned long report_every; /* --report-every SECONDS, 0: never */
	/* Joining other tools' records: the seed of the Community ID. */
	unsigned long community_id_seed;
	/* --pcap-out FILE, and the sessions it takes (sorted; none: all). */
	const char *pcap_out;
	uint64_t pcap_sessions[MAX_PCAP_SESSIONS];
	size_t npcap_sessions;
	/* --alert NAME=VALUE,... over the defaults; --no-alerts. */
	struct alerts_config alerts;
	bool no_alerts;
};

/* docs/clickhouse.sql, byte for byte, and its length (without the NUL
 * that follows it): build/gen/clickhouse_schema.c, which the Makefile
 * writes from the file, so that the SQL lives in one place. */
extern const unsigned char clickhouse_schema[];
extern const size_t clickhouse_schema_len;

/* The name of a report format ("text"). */
const char *report_format_name(enum report_format f);

/* One sentence on stderr ("smtpscope: ..."), then exit(status). */
void fail(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* argv into *o, with the defaults; exits on a mistake or an answer. */
void options_parse(int argc, char **argv, struct options *o);

/* The memory options into a reassembly configuration. */
void options_memory_config(const struct options *o, struct reasm_config *rc);

#endif
