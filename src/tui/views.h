/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The dashboard's views: one table (views.c), one file a view
 * (view_*.c). A view is an entry: its key, its name in the tab bar, its
 * title, its line in the help, its orders, the function that draws it
 * and the one that takes the keys it handles itself. The help and a
 * session's transcript are pages drawn over the views, entries of their
 * own outside the table.
 *
 * To add a view: write view_NAME.c with its draw function (and, if it
 * needs them, a key handler and a title), declare them below, and give
 * it a row in the table in views.c.
 */
#ifndef SMTPSCOPE_TUI_VIEWS_H
#define SMTPSCOPE_TUI_VIEWS_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/draw.h"
#include "tui/keys.h"

#define TV_FILTER_SHOWN 1u /* the / filter is named in its title */
#define TV_FILTER_TOP 2u   /* back to its top when the filter changes */
#define TV_SORTS_MAX 12    /* orders a view may have */

struct tui_view {
	int key;           /* selects it */
	const char *label; /* in the tab bar */
	const char *title; /* the view's own title line */
	const char *help;  /* its line in the help */
	unsigned flags;    /* TV_ */
	unsigned sorts;    /* orders 's' cycles through */
	const char *sort[TV_SORTS_MAX];
	void (*draw)(
	    struct tui *t, const struct tui_status *s, struct canvas *c);
	/* A key's action, offered to the view first: true when taken
	 * (delta: the rows it moves, for the moving ones). */
	bool (*act)(struct tui *t, enum act a, int delta);
	/* Its title line, when it says more than the title. */
	void (*title_line)(struct tui *t, char *buf, size_t size);
};

extern const struct tui_view tui_views[];
extern const size_t tui_nviews;

/* The page on the screen: the help, a transcript or a view. */
const struct tui_view *tui_page(const struct tui *t);
/* Its scroll. */
int *tui_page_scroll(struct tui *t);
/* Shows view v of the table. */
void tui_view_set(struct tui *t, unsigned v);

/* view_overview.c */
void view_overview(struct tui *t, const struct tui_status *s, struct canvas *c);
/* view_top.c */
void view_top(struct tui *t, const struct tui_status *s, struct canvas *c);
bool top_act(struct tui *t, enum act a, int delta);
void top_title(struct tui *t, char *buf, size_t size);
/* view_events.c */
void view_events(struct tui *t, const struct tui_status *s, struct canvas *c);
bool events_act(struct tui *t, enum act a, int delta);
void events_title(struct tui *t, char *buf, size_t size);
/* view_sessions.c */
void view_sessions(struct tui *t, const struct tui_status *s, struct canvas *c);
bool sessions_act(struct tui *t, enum act a, int delta);
void sessions_title(struct tui *t, char *buf, size_t size);
/* view_latency.c */
void view_latency(struct tui *t, const struct tui_status *s, struct canvas *c);
/* view_servers.c */
void view_servers(struct tui *t, const struct tui_status *s, struct canvas *c);
bool servers_act(struct tui *t, enum act a, int delta);
void servers_title(struct tui *t, char *buf, size_t size);
/* The session list, filtered by key (Enter on a row that names it). */
void tui_open_sessions_of(struct tui *t, const char *key);
/* With a filter, a line that says the view's figures are of all the
 * traffic (those the filter does not narrow: latencies, codes). */
void view_unfiltered_note(const struct tui *t, struct canvas *c, bool below);
/* view_codes.c */
void view_codes(struct tui *t, const struct tui_status *s, struct canvas *c);
/* view_help.c */
void view_help(struct tui *t, const struct tui_status *s, struct canvas *c);
/* view_transcript.c */
void view_transcript(
    struct tui *t, const struct tui_status *s, struct canvas *c);
void transcript_title(struct tui *t, char *buf, size_t size);

#endif
