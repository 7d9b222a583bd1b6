/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --transcript: each session as a readable dialogue (relative time,
 * direction, command and reply with its latency, the message summarised),
 * printed when the session ends. Every wire byte is escaped.
 */
#ifndef SMTPSCOPE_TRANSCRIPT_H
#define SMTPSCOPE_TRANSCRIPT_H

#include <stdbool.h>
#include <stdio.h>

#include "event.h"
#include "sessmap.h"

#define TRANSCRIPT_SESSION_MAX (256u << 10) /* bytes kept per session */

struct transcript {
	FILE *f;
	struct sessmap sessions;
	bool error;
};

void transcript_init(struct transcript *t, FILE *f);
void transcript_on_event(void *arg, const struct smtp_event *ev);
/* Prints what open sessions have so far (at exit), frees. */
void transcript_finish(struct transcript *t);

#endif
