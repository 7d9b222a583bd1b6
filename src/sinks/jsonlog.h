/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON Lines log (-w): one object per line per transaction, session
 * and anomaly, and a closing summary. Keys: docs/log-schema.md.
 */
#ifndef SMTPSCOPE_JSONLOG_H
#define SMTPSCOPE_JSONLOG_H

#include <stdbool.h>
#include <stdio.h>

#include "event/event.h"
#include "lib/recfile.h"
#include "lib/util.h"

struct stats;
struct health;

struct jsonlog {
	struct recfile out; /* records not yet written, whole */
	bool is_stdout;
	/* Message records: of every message (trace), or (the log of a
	 * run) of those whose one transaction record does not say it all
	 * (jsonlog_message_plain()). */
	bool all_messages;
	uint64_t message_records; /* written */
	/* --rotate: the interval the file holds, said by its summary. */
	struct jsonlog_interval {
		bool on;
		uint64_t seq;      /* 1 for the run's first */
		double start, end; /* end: the next's start, or the run's */
	} interval;
	uint64_t closed_not_written; /* in files closed by a reopen */
	/* Each record as written, without its newline, and the type it
	 * says, to the plugins that asked (SMTPSCOPE_EV_RECORD), the
	 * summaries included. ts: the time of the event that made it.
	 * NULL: none. */
	void (*on_record)(void *arg, double ts, const char *type,
	    size_t type_len, const char *json, size_t len);
	void *on_record_arg;
	double ts;         /* of the event being logged */
	bool records_only; /* no file: jsonlog_open_records() */
};

/* A message seen at one hop only, at a server never seen passing mail
 * on, no DSN to or from it, each recipient's fate what that hop's reply
 * said: its transaction record is the whole story. */
bool jsonlog_message_plain(const struct smtp_message *m);

int jsonlog_open(
    struct jsonlog *log, const char *path, char *err, size_t errlen);
/* A log without a file, whose records only go to on_record (set it
 * after this call): the plugins' records when no -w is given. */
void jsonlog_open_records(struct jsonlog *log);
void jsonlog_on_event(void *arg, const struct smtp_event *ev);
/* The events that make records: subscribe with these alone. */
#define JSONLOG_EVENTS \
	(EVENT_BIT(SMTP_EV_TRANSACTION) | EVENT_BIT(SMTP_EV_SESSION_CLOSE) | \
	    EVENT_BIT(SMTP_EV_ANOMALY) | EVENT_BIT(SMTP_EV_COMMAND_RESULT) | \
	    EVENT_BIT(SMTP_EV_MESSAGE) | EVENT_BIT(SMTP_EV_ALERT) | \
	    EVENT_BIT(SMTP_EV_ATTEMPT))
/* The closing summary; not_written: the records other outputs did not
 * write (this log's own are counted here). */
struct jsonlog_not_written {
	int64_t zeek_log, transcript; /* -1: no such output */
};
void jsonlog_summary(struct jsonlog *log, const struct stats *st,
    const struct health *h, const struct jsonlog_not_written *nw);
void jsonlog_flush(struct jsonlog *log);
/*
 * The log goes on in the file at path (--rotate's next, or the same name
 * again on SIGHUP), which is kept and written at its end if it exists:
 * what is held is written to the old file, which is closed. When path
 * cannot be opened, -1 with a sentence in err, and the old file goes on.
 */
int jsonlog_reopen(
    struct jsonlog *log, const char *path, char *err, size_t errlen);
/* Returns -1 if a record was not written or the reader went away
 * (log->out.broken_pipe). */
int jsonlog_close(struct jsonlog *log);

#endif
