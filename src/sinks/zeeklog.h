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
#include <stdio.h>

#include "event/event.h"
#include "lib/recfile.h"
#include "lib/util.h"
#include "sinks/sessmap.h"

struct zeeklog {
	struct recfile out; /* DIR/smtp.log, rows whole */
	struct sessmap sessions;
	struct dbuf line;
};

int zeeklog_open(struct zeeklog *z, const char *dir, char *err, size_t errlen);
void zeeklog_on_event(void *arg, const struct smtp_event *ev);
void zeeklog_flush(struct zeeklog *z);
/* Writes #close. Returns -1 if a row was not written. */
int zeeklog_close(struct zeeklog *z);

#endif
