/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The dashboard's state, shared by its files (src/tui/): what it
 * collected from the events (model.c: the recent sessions and their
 * transcripts, bounded) and what it shows (the view, the scroll, the
 * filter, a notice), which the keys change and the frame reads.
 */
#ifndef SMTPSCOPE_TUI_MODEL_H
#define SMTPSCOPE_TUI_MODEL_H

#include <curses.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/util.h"
#include "sinks/sessmap.h"
#include "sinks/stats.h"
#include "tui/tui.h"

/* Named limits: what the dashboard keeps, and how often it draws. */
#define TUI_SESSIONS_MAX 500           /* sessions kept for the list */
#define TUI_TRANSCRIPT_MAX (64u << 10) /* transcript bytes per session */
#define TUI_TRANSCRIPT_LINE_ROOM 1024  /* kept free for the last lines */
#define TUI_HELO_MAX 80                /* bytes of a HELO kept, escaped */
#define TUI_ENVELOPE_MAX 512           /* envelope addresses kept for / */
#define TUI_FILTER_MAX 64              /* bytes of the / filter */
#define TUI_FRAME_MS 250               /* a frame this often */
#define TUI_PAUSE_POLL_MS 100          /* key wait while a replay pauses */
#define TUI_KEYS_PER_TICK 64           /* keys handled in one call */
#define TUI_TOP_ROWS 20                /* entries shown per top table */
#define TUI_NOTICE_SEC 3.0             /* a notice stays this long */
#define TUI_MIN_COLS 40                /* smaller: "too small" */
#define TUI_MIN_LINES 10
#define TUI_VIEWS_MAX 9 /* views in the table (views.c): keys 1-9 */
/* Relays the Top view's relay table can gather: those the store times,
 * and those its drop and still-queued tables name. */
#define TUI_RELAYS_MAX (STATS_RELAYS + 2 * TOPN_SLOTS)

/* One session of the list, with its transcript. */
struct tsess {
	uint64_t id;
	struct tsess *older, *newer;          /* in opening order */
	char client[ENDPOINT_ADDRSTRLEN + 8]; /* "addr:port", ours */
	char server[ENDPOINT_ADDRSTRLEN + 8];
	char helo[TUI_HELO_MAX];         /* escaped */
	char envelope[TUI_ENVELOPE_MAX]; /* escaped addresses, for / */
	double t0;                       /* opening: transcript times */
	unsigned transactions;
	unsigned outcome[SMTP_OUTCOME_COUNT];
	bool open;
	struct dbuf text; /* the transcript, TUI_TRANSCRIPT_MAX at most */
	unsigned dropped; /* lines past the cap */
};

struct tui {
	struct tui_options o;
	SCREEN *scr;
	FILE *tty_in; /* /dev/tty when stdin is not the terminal */
	bool color, utf8;

	/* Collected from the events. */
	struct sessmap byid;
	struct tsess *oldest, *newest;
	size_t nsess;
	uint64_t sessions_seen, sessions_evicted;

	/* What is shown. */
	unsigned view; /* in the table of views (views.c) */
	bool help, transcript, prompt, paused, dirty;
	uint64_t transcript_id;
	int scroll[TUI_VIEWS_MAX];
	int help_scroll, transcript_scroll;
	unsigned sort[TUI_VIEWS_MAX];
	uint64_t sel_id; /* the selected session */
	int sel;         /* and its row, when it goes away */
	int page;        /* rows of the last body drawn */
	char filter[TUI_FILTER_MAX];
	char filter_before[TUI_FILTER_MAX]; /* Esc in the prompt */
	char notice[256];
	double notice_until;
	struct tsess *list[TUI_SESSIONS_MAX];

	/* A live run paused: the figures as they were. */
	struct stats *frozen;
	struct health frozen_health;

	/* Frames and rates. */
	double next_frame;
	unsigned long frames;
	bool rate_valid;
	double rate_elapsed, pps, mbps;
	uint64_t rate_packets, rate_bytes;
};

/* One row of the relay table: what the store says of one relay. */
struct trelay {
	const char *addr;         /* in the store: valid for one frame */
	uint8_t family, bin[16];  /* the address as numbers, to order */
	const struct histo *time; /* its queue times; NULL: not kept */
	uint64_t dropped, queued; /* recipients */
	bool dropped_approx, queued_approx; /* top-N counts, maybe high */
};

/* terminal.c: t is the dashboard that is open; curses has the screen. */
bool tui_is_open(const struct tui *t);
bool terminal_is_on(void);

/* model.c */
double now_mono(void);
void escape_into(char *dst, size_t size, const void *raw, size_t n);
void sessions_free(struct tui *t);
bool sess_matches(const struct tui *t, const struct tsess *ss);
size_t recent_list(const struct tui *t, const struct stats *st,
    const struct stats_recent **out, unsigned order);
int topn_by_key(const void *a, const void *b);
size_t relay_rows(const struct stats *st, struct trelay *out, unsigned order);

#endif
