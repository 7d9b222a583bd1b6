/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON Lines log (-w): one object per line per transaction, session
 * and anomaly, and a closing summary. Keys: docs/log-schema.md.
 */
#ifndef SMTPSCOPE_JSONLOG_H
#define SMTPSCOPE_JSONLOG_H

#include <stdbool.h>
#include <stdio.h>

#include "event.h"
#include "util.h"

struct stats;
struct reasm_stats;
struct capture_stats;

struct jsonlog {
	FILE *f;
	bool is_stdout;
	struct dbuf line; /* records not yet written, the last one being
			     built from rec_start on */
	size_t rec_start;
	bool error;
	int errnum; /* errno of the first failed write */
};

int jsonlog_open(
    struct jsonlog *log, const char *path, char *err, size_t errlen);
void jsonlog_on_event(void *arg, const struct smtp_event *ev);
/* The events that make records: subscribe with these alone. */
#define JSONLOG_EVENTS \
	(EVENT_BIT(SMTP_EV_TRANSACTION) | EVENT_BIT(SMTP_EV_SESSION_CLOSE) | \
	    EVENT_BIT(SMTP_EV_ANOMALY) | EVENT_BIT(SMTP_EV_COMMAND_RESULT))
void jsonlog_summary(struct jsonlog *log, const struct stats *st,
    const struct reasm_stats *rs, const struct capture_stats *cs);
void jsonlog_flush(struct jsonlog *log);
/* Returns -1 if any write failed. */
int jsonlog_close(struct jsonlog *log);

#endif
