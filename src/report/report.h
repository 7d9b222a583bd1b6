/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reports (--report text|json|html, -o FILE): what happened to the mail,
 * from the statistics store. Written at the end of a -r run, and for
 * live runs at SIGINT/SIGTERM and on SIGUSR1. They read the store only.
 */
#ifndef SMTPSCOPE_REPORT_H
#define SMTPSCOPE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "event/health.h"
#include "sinks/stats.h"

/* A counter a plugin registered (shown under the plugin's name). */
struct report_counter {
	const char *plugin;
	const char *name;
	const char *help;
	const uint64_t *value;
};

/* An output of records (the JSON log, the Zeek log, the transcript) and
 * what it could not write: a full disk, a quota, an I/O error. */
struct report_output {
	const char *key;      /* "log", "zeek_log", "transcript" */
	const char *name;     /* "the log out/mail.jsonl" */
	uint64_t not_written; /* records counted and skipped */
	bool failing;         /* writing fails now */
	int errnum;           /* of the last failure */
};

struct report_info {
	const char *source; /* "trouble.pcap (+2 more)" or "eth1" */
	bool live;
	double wall_start; /* epoch seconds smtpscope started */
	double wall_now;   /* when the report is written */
	const char *version;
	bool localtime; /* days and hours in local time (--localtime) */
	const struct health *health;           /* the capture's, one snapshot */
	const struct report_counter *counters; /* plugins' */
	size_t ncounters;
	const struct report_output *outputs; /* those in use */
	size_t noutputs;
	/* --rotate: the interval the report covers, [start, end) in
	 * capture time (wall time live); seq 0: the whole run. */
	uint64_t interval_seq;
	double interval_start, interval_end;
	/* smtpscope report: what the records it was made from do not
	 * carry (a sentence or a few), or NULL. */
	const char *note;
};

/*
 * The report's file path, or NULL after one sentence on stderr. A
 * regular file (or a new one) is written to a temporary file beside it
 * (its name in tmp, *atomic set; mode its mode) for the caller to
 * rename() over it when whole, or unlink() if not; a FIFO, a terminal or
 * /dev/null in place; anything else is refused.
 */
FILE *report_open(
    const char *path, mode_t mode, char *tmp, size_t tmplen, bool *atomic);

/* Each returns 0, or -1 if writing failed. */
int report_text(FILE *f, const struct stats *st, const struct report_info *ri);
int report_json(FILE *f, const struct stats *st, const struct report_info *ri);
int report_html(FILE *f, const struct stats *st, const struct report_info *ri);

#endif
