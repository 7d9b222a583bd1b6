/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The live ncurses dashboard (--tui). It reads the statistics store and
 * keeps, as an event sink, the recent sessions and their transcripts; it
 * knows nothing of packets. main.c calls tui_tick() often (between
 * packet batches, and while a replay waits for its next packet).
 */
#ifndef SMTPSCOPE_TUI_H
#define SMTPSCOPE_TUI_H

#include <stdbool.h>
#include <stddef.h>

#include "event/event.h"
#include "event/health.h"
#include "report/report.h"
#include "sinks/stats.h"

struct tui_options {
	unsigned long
	    max_frames; /* end after this many frames (tests); 0 no limit */
	bool no_color;  /* plain even where colours exist */
	/* Sessions and event lines kept (--tui-history); 0: the default. */
	unsigned long history;
	bool localtime; /* clocks in local time (--localtime), else UTC */
};

/* What the header shows besides the store. */
struct tui_status {
	const struct stats *st;
	const struct health *health; /* the capture's, one snapshot */
	const char *source;          /* file name(s) or interface */
	bool live;
	bool finished;       /* a replay is over: figures are final */
	double capture_time; /* timestamp of the last packet */
	double elapsed;      /* wall seconds since start */
	double speed;        /* replay speed; 0 = as fast as possible */
	const struct report_counter *counters; /* the plugins' */
	size_t ncounters;
	const struct report_output *outputs; /* shown while one fails */
	size_t noutputs;
};

enum tui_action {
	TUI_CONTINUE,
	TUI_QUIT,  /* q, or --max-frames reached */
	TUI_RESET, /* r: the caller resets the counters (stats_reset) */
};

struct tui;

/* Takes over the terminal; NULL with a sentence in err when stdout is not
 * a terminal or curses cannot start. */
struct tui *tui_open(const struct tui_options *o, char *err, size_t errlen);
/* The event sink (session list, transcripts for Enter). */
void tui_on_event(void *arg, const struct smtp_event *ev);
/* Redraws when a frame is due (a tick, only what changed), handles keys.
 * While paused ('p') on a replay it waits here, so the replay pauses. */
enum tui_action tui_tick(struct tui *t, const struct tui_status *s);
/* A sentence on the status line for a few seconds. */
void tui_notice(struct tui *t, const char *msg);
/* Gives the terminal back as it was. Safe to call twice. */
void tui_close(struct tui *t);

#endif
