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

#include "event/event.h"
#include "lib/recfile.h"
#include "lib/util.h"
#include "sinks/sessmap.h"

#define TRANSCRIPT_SESSION_MAX (256u << 10) /* bytes kept per session */

struct transcript {
	struct recfile out; /* each session's dialogue whole */
	struct sessmap sessions;
};

/* Onto fd (standard output: the fd is not closed). */
void transcript_init(struct transcript *t, int fd);
void transcript_on_event(void *arg, const struct smtp_event *ev);
/* Writes the dialogues held (a live run's tick). */
void transcript_flush(struct transcript *t);
/* Frees what open sessions had (none: reasm closed them), writes the
 * rest. Returns -1 if a dialogue was not written or the reader went away
 * (t->out.broken_pipe). */
int transcript_finish(struct transcript *t);

/*
 * The formatting, for other sinks that show dialogues (the dashboard):
 * the "== session" line of a session; the lines one event adds to it
 * (command, reply, transaction, anomaly; times relative to t0, the
 * session's opening); the "== end" and TLS lines of a closed session.
 * Every wire byte is escaped.
 */
void transcript_format_open(
    struct dbuf *out, const struct smtp_session_info *si);
void transcript_format_event(
    struct dbuf *out, double t0, const struct smtp_event *ev);
void transcript_format_close(
    struct dbuf *out, double t0, const struct smtp_session_info *si);

#endif
