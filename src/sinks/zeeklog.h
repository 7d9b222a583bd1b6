/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --zeek-log DIR: DIR/smtp.log in Zeek's ASCII log format, one row per
 * transaction as Zeek's smtp script writes them, so that zeek-cut and
 * existing Zeek pipelines read it unchanged.
 */
#ifndef SMTPSCOPE_ZEEKLOG_H
#define SMTPSCOPE_ZEEKLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event/event.h"
#include "lib/recfile.h"
#include "lib/util.h"
#include "sinks/sessmap.h"

struct zeeklog {
	struct recfile out; /* DIR/smtp.log, rows whole */
	struct sessmap sessions;
	struct dbuf line;
	uint64_t closed_not_written; /* rows lost in files closed before */
};

int zeeklog_open(struct zeeklog *z, const char *dir, char *err, size_t errlen);
/* DIR/file instead of DIR/smtp.log, kept and written at its end if it
 * exists (--rotate); file NULL: DIR/smtp.log, as zeeklog_open(). */
int zeeklog_open_file(struct zeeklog *z, const char *dir, const char *file,
    char *err, size_t errlen);
/*
 * The rows go on in DIR/file (--rotate's next, or the same name again on
 * SIGHUP), kept and written at its end if it exists, with the header
 * when it is empty; the old file gets its #close. The sessions under
 * way stay. When it cannot be opened, -1 with a sentence in err, and the
 * old file goes on.
 */
int zeeklog_reopen(struct zeeklog *z, const char *dir, const char *file,
    char *err, size_t errlen);
void zeeklog_on_event(void *arg, const struct smtp_event *ev);
void zeeklog_flush(struct zeeklog *z);
/* Writes #close. Returns -1 if a row was not written. */
int zeeklog_close(struct zeeklog *z);

#endif
