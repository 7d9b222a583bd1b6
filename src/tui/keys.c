/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The dashboard's keys: the table that binds each key to an action (it
 * is also the help and the status line's hints), what each action does,
 * and the / prompt. A view takes the keys it handles itself (the
 * session list: the selection, Enter) through its row in views.c.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/views.h"

#define KEY_ESCAPE 27
#define KEY_CTRL(c) ((c)&0x1f)

const struct binding tui_bindings[] = {
	{ 'q', "q", ACT_QUIT, "quit (in a transcript or this help: back)",
	    "quit" },
	{ KEY_ESCAPE, "Esc", ACT_BACK,
	    "back from a transcript or this help; else clear the filter",
	    NULL },
	{ 'p', "p", ACT_PAUSE, "pause: a replay waits, a live display freezes",
	    "pause" },
	{ '\t', "Tab", ACT_VIEW_NEXT, "next view", "views" },
	{ KEY_BTAB, "S-Tab", ACT_VIEW_PREV, "previous view", NULL },
	/* Here in the help: the views' own keys (views.c). */
	{ 0, NULL, ACT_VIEW, NULL, NULL },
	{ KEY_UP, "Up", ACT_UP, "scroll up, or the row above", NULL },
	{ 'k', "k", ACT_UP, NULL, NULL },
	{ KEY_DOWN, "Down", ACT_DOWN, "scroll down, or the row below", NULL },
	{ 'j', "j", ACT_DOWN, NULL, NULL },
	{ KEY_PPAGE, "PgUp", ACT_PAGE_UP, "a page up", NULL },
	{ KEY_NPAGE, "PgDn", ACT_PAGE_DOWN, "a page down", NULL },
	{ ' ', "Space", ACT_PAGE_DOWN, NULL, NULL },
	{ KEY_HOME, "Home", ACT_HOME, "the top", NULL },
	{ 'g', "g", ACT_HOME, NULL, NULL },
	{ KEY_END, "End", ACT_END, "the bottom", NULL },
	{ 'G', "G", ACT_END, NULL, NULL },
	{ '\r', "Enter", ACT_OPEN,
	    "open the selected row: its transcript (3, 4), sessions (2, 7)",
	    "open" },
	{ '\n', NULL, ACT_OPEN, NULL, NULL },
	{ KEY_ENTER, NULL, ACT_OPEN, NULL, NULL },
	{ '/', "/", ACT_FILTER,
	    "filter sessions, events, top and server rows (1: matches)",
	    "filter" },
	{ 's', "s", ACT_SORT,
	    "change the order of the current table (7: the next column)",
	    "sort" },
	{ '>', ">", ACT_SORT, NULL, NULL },
	{ KEY_F(6), "F6", ACT_SORT, NULL, NULL },
	{ '<', "<", ACT_SORT_PREV, "the order (column) before", NULL },
	{ 'b', "b", ACT_TABLE,
	    "7: servers, clients, sender or recipient domains", NULL },
	{ 'r', "r", ACT_RESET, "reset the counters", "reset" },
	{ 'z', "z", ACT_ZONE, "clocks in local time or in UTC", NULL },
	{ 'h', "h", ACT_HELP, "this help", "help" },
	{ '?', "?", ACT_HELP, NULL, NULL },
	{ KEY_CTRL('l'), "^L", ACT_REDRAW, "redraw the screen", NULL },
	{ KEY_RESIZE, NULL, ACT_RESIZE, NULL, NULL },
};

const size_t tui_nbindings = ARRAY_LEN(tui_bindings);

const char *
binding_hint(const struct binding *b, char *buf, size_t size)
{
	if (b->act != ACT_VIEW_NEXT || b->hint == NULL)
		return b->hint;
	snprintf(buf, size, "%c-%c %s", tui_views[0].key,
	    tui_views[tui_nviews - 1].key, b->hint);
	return buf;
}

/* The scroll of the page; held in range here, the frame brings it back
 * to the content. */
static void
scroll_by(struct tui *t, int delta)
{
	int *scroll = tui_page_scroll(t);

	if (delta > INT32_MAX / 2 - *scroll)
		*scroll = INT32_MAX / 2;
	else if (*scroll + delta < 0)
		*scroll = 0;
	else
		*scroll += delta;
}

/* A key in the / prompt: the filter follows what is typed. */
static void
prompt_key(struct tui *t, int ch)
{
	size_t n = strlen(t->filter), v;

	if (ch == KEY_RESIZE)
		return;
	if (ch == KEY_ESCAPE) {
		memcpy(t->filter, t->filter_before, sizeof(t->filter));
		t->prompt = false;
	} else if (ch == '\r' || ch == '\n' || ch == KEY_ENTER) {
		t->prompt = false;
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == KEY_CTRL('h')) {
		if (n > 0)
			t->filter[n - 1] = '\0';
	} else if (ch == KEY_CTRL('u')) {
		t->filter[0] = '\0';
	} else if (ch >= 0x20 && ch < 0x7f && n + 1 < sizeof(t->filter)) {
		t->filter[n] = (char)ch;
		t->filter[n + 1] = '\0';
	}
	for (v = 0; v < tui_nviews; v++)
		if (tui_views[v].flags & TV_FILTER_TOP)
			t->scroll[v] = 0;
}

/* The rows a moving action moves (0: it does not move). */
static int
act_delta(const struct tui *t, enum act a)
{
	int page = t->page > 1 ? t->page - 1 : 1;

	switch (a) {
	case ACT_UP:
		return -1;
	case ACT_DOWN:
		return 1;
	case ACT_PAGE_UP:
		return -page;
	case ACT_PAGE_DOWN:
		return page;
	case ACT_HOME:
		return -(INT32_MAX / 2);
	case ACT_END:
		return INT32_MAX / 2;
	default:
		return 0;
	}
}

/* q: back from the help or a transcript, else quit. */
static enum tui_action
act_quit(struct tui *t)
{
	if (t->help || t->transcript) {
		t->help = t->transcript = false;
		return TUI_CONTINUE;
	}
	return TUI_QUIT;
}

/* Esc: back from the help or a transcript, else clear the filter. */
static void
act_back(struct tui *t)
{
	if (t->help || t->transcript)
		t->help = t->transcript = false;
	else if (t->filter[0] != '\0') {
		t->filter[0] = '\0';
		tui_notice(t, "filter cleared");
	}
}

static void
act_pause(struct tui *t, const struct tui_status *s)
{
	if (s->finished && !t->paused) {
		tui_notice(t, "the replay is over: nothing to pause");
		return;
	}
	t->paused = !t->paused;
	free(t->frozen);
	t->frozen = NULL;
	t->shown_st = NULL;
}

/* The next order (step 1) or the one before (step -1). */
static void
act_sort(struct tui *t, int step)
{
	unsigned n = tui_page(t)->sorts;

	if (n < 2) {
		tui_notice(t, "nothing to order here");
		return;
	}
	t->sort[t->view] = (t->sort[t->view] + n + (unsigned)step) % n;
	t->scroll[t->view] = 0;
}

static enum tui_action
act(struct tui *t, const struct tui_status *s, enum act a)
{
	const struct tui_view *v = tui_page(t);
	int delta = act_delta(t, a);
	unsigned n = (unsigned)tui_nviews;

	if (v->act != NULL && v->act(t, a, delta))
		return TUI_CONTINUE;
	if (delta != 0) {
		scroll_by(t, delta);
		return TUI_CONTINUE;
	}
	switch (a) {
	case ACT_QUIT:
		return act_quit(t);
	case ACT_BACK:
		act_back(t);
		break;
	case ACT_PAUSE:
		act_pause(t, s);
		break;
	case ACT_VIEW_NEXT:
		tui_view_set(t, (t->view + 1) % n);
		break;
	case ACT_VIEW_PREV:
		tui_view_set(t, (t->view + n - 1) % n);
		break;
	case ACT_OPEN:
		tui_notice(t,
		    "Enter opens a row of the top tables (2), events (3), "
		    "sessions (4) or servers (7)");
		break;
	case ACT_FILTER:
		memcpy(t->filter_before, t->filter, sizeof(t->filter));
		t->prompt = true;
		break;
	case ACT_SORT:
		act_sort(t, 1);
		break;
	case ACT_SORT_PREV:
		act_sort(t, -1);
		break;
	case ACT_TABLE:
		tui_notice(t, "b changes the table of the Servers view (7)");
		break;
	case ACT_RESET:
		free(t->frozen);
		t->frozen = NULL;
		t->shown_st = NULL;
		events_reset(t);
		tui_notice(t, "counters reset");
		return TUI_RESET;
	case ACT_ZONE:
		t->localtime = !t->localtime;
		tui_notice(
		    t, t->localtime ? "clocks in local time" : "clocks in UTC");
		break;
	case ACT_HELP:
		t->help = !t->help;
		t->help_scroll = 0;
		break;
	case ACT_REDRAW:
		clearok(curscr, TRUE);
		break;
	default:
		/* ACT_RESIZE: curses has the new LINES and COLS; the frame
		 * lays out. */
		break;
	}
	return TUI_CONTINUE;
}

/* A view's own key (1-9): shows it. */
static bool
view_key(struct tui *t, int ch)
{
	size_t v;

	for (v = 0; v < tui_nviews; v++)
		if (tui_views[v].key == ch) {
			tui_view_set(t, (unsigned)v);
			return true;
		}
	return false;
}

static enum tui_action
on_key(struct tui *t, const struct tui_status *s, int ch)
{
	size_t i;

	if (t->prompt) {
		prompt_key(t, ch);
		return TUI_CONTINUE;
	}
	for (i = 0; i < tui_nbindings; i++) {
		if (tui_bindings[i].act == ACT_VIEW) {
			if (view_key(t, ch))
				return TUI_CONTINUE;
		} else if (tui_bindings[i].key == ch) {
			return act(t, s, tui_bindings[i].act);
		}
	}
	return TUI_CONTINUE;
}

enum tui_action
keys_read(struct tui *t, const struct tui_status *s, int wait_ms)
{
	enum tui_action a = TUI_CONTINUE;
	int ch, n;

	timeout(wait_ms > 0 ? wait_ms : 0);
	for (n = 0; n < TUI_KEYS_PER_TICK && a == TUI_CONTINUE; n++) {
		if ((ch = getch()) == ERR)
			break;
		t->dirty = true;
		a = on_key(t, s, ch);
		timeout(0);
	}
	return a;
}
