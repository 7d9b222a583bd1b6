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
/* Sessions kept for the list and event lines kept (--tui-history):
 * the default, and the range the option takes. */
#define TUI_HISTORY_DEFAULT 5000
#define TUI_HISTORY_MIN 10
#define TUI_HISTORY_MAX 100000
/* Transcript bytes of all the sessions kept: past it, the oldest
 * sessions go, whatever the history. */
#define TUI_TRANSCRIPT_BUDGET (32u << 20)
/* Events of one kind, client and reason this close together make one
 * line of the Events view, with a count. */
#define TUI_GROUP_WINDOW 60.0
#define TUI_GROUP_LOOKBACK 64          /* lines looked at for the group */
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

/*
 * One line of the Events view: notable events (rejects, tempfails,
 * bounces, lost transactions, AUTH failures) of one kind, one client,
 * one server and one reason (the code and the reply text with what
 * varies masked), each at most TUI_GROUP_WINDOW after the one before.
 * r is the newest of them (its session, its envelope, its text).
 */
struct tevent {
	struct stats_recent r;
	uint64_t seq;           /* when it was last added to */
	double first;           /* the first event's time (r.ts: the last) */
	uint64_t count;         /* events */
	uint64_t first_session; /* the first event's session */
	unsigned sessions;      /* sessions it spans (changes of session) */
	char reason[128];       /* the masked text: the group's key */
};

/* The reply codes of one session kept, for the Codes view under a
 * filter: the first TUI_SESS_CODES distinct codes and enhanced codes
 * with their counts; the replies past them only counted (more). */
#define TUI_SESS_CODES 8
struct tcodes {
	uint16_t code[TUI_SESS_CODES];
	uint32_t n[TUI_SESS_CODES];
	char enh[TUI_SESS_CODES][12];
	uint32_t enh_n[TUI_SESS_CODES];
	uint8_t ncode, nenh;
	uint32_t replies; /* every reply */
	uint32_t more;    /* replies whose code or enhanced code is not kept */
};

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
	struct tcodes codes;
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
	size_t nsess, history; /* kept, and how many may be */
	size_t text_bytes;     /* their transcripts */
	uint64_t sessions_seen, sessions_evicted;
	/* The notable events, grouped: a ring of history lines. */
	struct tevent *ev;
	size_t ev_head, ev_n;
	uint64_t ev_seen, ev_seq, ev_evicted; /* events; lines let go */
	bool localtime;                       /* z: local time, else UTC */

	/* What is shown. */
	unsigned view; /* in the table of views (views.c) */
	bool help, transcript, prompt, paused, dirty;
	uint64_t transcript_id;
	int scroll[TUI_VIEWS_MAX];
	int help_scroll, transcript_scroll;
	unsigned sort[TUI_VIEWS_MAX];
	uint64_t sel_id;     /* the selected session */
	int sel;             /* and its row, when it goes away */
	uint64_t ev_sel_seq; /* the selected event line (Events) */
	int ev_sel;
	int top_sel;  /* the selected row of the Top view's tables */
	int top_rows; /* how many it had (the last frame) */
	char top_key[TOPN_KEY_MAX]; /* the selected row's key */
	/* The Servers view: which of the store's breakdown tables it
	 * shows (servers, clients, sender or recipient domains) and the
	 * selected row; its order (a column) is in sort[]. */
	unsigned bd_table;
	int bd_sel;
	/* The store the last frame showed (NULL once a pause or r let it
	 * go): a key's action reads it between frames. */
	const struct stats *shown_st;
	int page; /* rows of the last body drawn */
	char filter[TUI_FILTER_MAX];
	char filter_before[TUI_FILTER_MAX]; /* Esc in the prompt */
	char notice[256];
	double notice_until;
	struct tsess **list;          /* history rows */
	const struct tevent **evlist; /* history rows */

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

/* The sum of the rows of a breakdown table whose keys the filter
 * finds: the store's figures, of the whole run. */
struct tbd_sum {
	size_t keys; /* rows that match */
	uint64_t count, accepted, rejected, tempfail, lost, bytes;
	struct histo final_latency, greeting; /* of the rows, merged */
};

/* terminal.c: t is the dashboard that is open; curses has the screen. */
bool tui_is_open(const struct tui *t);
bool terminal_is_on(void);

/* model.c */
double now_mono(void);
void escape_into(char *dst, size_t size, const void *raw, size_t n);
void sessions_free(struct tui *t);
void model_init(struct tui *t);
void events_reset(struct tui *t);
bool sess_matches(const struct tui *t, const struct tsess *ss);
bool filter_matches_key(const struct tui *t, const char *key);
size_t event_list(
    const struct tui *t, const struct tevent **out, unsigned order);
int addr_cmp(const char *a, const char *b);
int topn_by_key(const void *a, const void *b);
size_t relay_rows(const struct stats *st, struct trelay *out, unsigned order);
/* The store's four breakdown tables (view 7's), and their names. */
#define TBD_TABLES 4
extern const char *const tbd_table_name[TBD_TABLES];
void tbd_tables(const struct stats *st, const struct bd_table *tb[TBD_TABLES]);
void bd_matching(
    const struct tui *t, const struct bd_table *tb, struct tbd_sum *sum);

#endif
