/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The dashboard's frame and its tick. A frame is drawn whole into
 * curses' virtual screen, and doupdate() sends only the cells that
 * changed: the header (source, state, health, the tab bar), the title
 * of the page, the page itself (views.c's table), the status line.
 * tui_tick() reads the keys and draws when a frame is due (a tick went
 * by, or a key came); while a replay is paused it waits here.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "tui/views.h"

/* Row 0: what, where from, how long. */
static void
header_source(struct tui *t, const struct tui_status *s)
{
	char src[256], el[32], right[80], mode[32];
	struct pen p;
	int rw;

	fill_row(t, 0, P_TITLE);
	escape_into(src, sizeof(src), s->source ? s->source : "",
	    s->source ? strlen(s->source) : 0);
	if (s->live)
		snprintf(mode, sizeof(mode), "live");
	else if (s->speed > 0)
		snprintf(mode, sizeof(mode), "replay %gx", s->speed);
	else
		snprintf(mode, sizeof(mode), "replay max");
	fmt_hms(s->elapsed, el, sizeof(el));
	snprintf(right, sizeof(right), "elapsed %s ", el);
	rw = (int)strlen(right);
	pen_at(&p, t, 0, 1);
	p.end = COLS - rw - 1;
	pen_put(&p, P_TITLE, "smtpscope  ");
	pen_put(&p, P_TITLE, src);
	pen_printf(&p, P_TITLE, "  %s", mode);
	if (COLS - rw > 0) {
		pen_at(&p, t, 0, COLS - rw);
		pen_put(&p, P_TITLE, right);
	}
}

/* Row 1: the state, then the capture's health. */
static void
header_state(struct tui *t, const struct tui_status *s)
{
	const struct capture_stats *cs = &s->health->cs;
	const struct reasm_stats *rs = &s->health->rs;
	struct pen p;
	size_t i;

	pen_at(&p, t, 1, 1);
	if (s->finished)
		pen_printf(&p, P_FLAG, " replay over %s press q ",
		    t->utf8 ? "\u2014" : "-");
	if (t->paused)
		pen_put(&p, P_FLAG, " PAUSED ");
	/* An output that cannot be written (a full disk) stays in sight
	 * while it fails; what it lost, after. */
	for (i = 0; i < s->noutputs; i++)
		if (s->outputs[i].failing)
			pen_printf(&p, P_FLAG,
			    " %s: %s, %" PRIu64 " not written ",
			    s->outputs[i].key, strerror(s->outputs[i].errnum),
			    s->outputs[i].not_written);
	if (p.x > 1)
		pen_put(&p, P_NORMAL, "  ");
	pen_printf(&p, P_NORMAL, "pkt/s %.0f  Mbit/s %.2f", t->pps, t->mbps);
	pen_printf(&p, cs->pcap_drops ? P_BAD : P_NORMAL, "  drops %" PRIu64,
	    cs->pcap_drops);
	pen_printf(&p, rs->nids_warnings ? P_WARN : P_NORMAL,
	    "  nids warn %" PRIu64, rs->nids_warnings);
	pen_printf(&p, P_NORMAL, "  active %" PRIu64, s->st->sessions_active);
	for (i = 0; i < s->noutputs; i++)
		if (!s->outputs[i].failing && s->outputs[i].not_written > 0)
			pen_printf(&p, P_BAD, "  %s not written %" PRIu64,
			    s->outputs[i].key, s->outputs[i].not_written);
}

/* Row 2: the views, from their table; where their names do not all
 * fit, the others' keys alone. */
static void
header_tabs(struct tui *t)
{
	struct pen p;
	size_t v, w = 0;

	for (v = 0; v < tui_nviews; v++)
		w += strlen(tui_views[v].label) + 5;
	pen_at(&p, t, 2, 0);
	for (v = 0; v < tui_nviews; v++) {
		if (v == t->view)
			pen_printf(&p, P_SELECT, "[%c %s]", tui_views[v].key,
			    tui_views[v].label);
		else if (w <= (size_t)COLS)
			pen_printf(&p, P_DIM, " %c %s ", tui_views[v].key,
			    tui_views[v].label);
		else
			pen_printf(&p, P_DIM, " %c ", tui_views[v].key);
		pen_put(&p, P_NORMAL, " ");
	}
}

static void
draw_header(struct tui *t, const struct tui_status *s)
{
	header_source(t, s);
	header_state(t, s);
	header_tabs(t);
}

/* Row 3: the page's title, its filter, where the scroll is. */
static void
draw_title(struct tui *t, const struct canvas *c, int total)
{
	const struct tui_view *v = tui_page(t);
	char pos[48], what[256];
	struct pen p;

	if (v->title_line != NULL)
		v->title_line(t, what, sizeof(what));
	else if (v->sorts > 1)
		snprintf(what, sizeof(what), "%s  (%s; s: order)", v->title,
		    v->sort[t->sort[t->view]]);
	else
		snprintf(what, sizeof(what), "%s", v->title);
	pos[0] = '\0';
	if (total > c->rows)
		snprintf(pos, sizeof(pos), " %d-%d of %d ", c->scroll + 1,
		    c->scroll + c->rows < total ? c->scroll + c->rows : total,
		    total);
	pen_at(&p, t, 3, 1);
	p.end = COLS - (int)strlen(pos);
	pen_put(&p, P_HEAD, what);
	if (t->filter[0] != '\0' && (v->flags & TV_FILTER_SHOWN)) {
		pen_put(&p, P_NORMAL, "  filter \"");
		pen_put(&p, P_WARN, t->filter);
		pen_put(&p, P_NORMAL, "\"");
	}
	if (pos[0] != '\0') {
		pen_at(&p, t, 3, COLS - (int)strlen(pos));
		pen_put(&p, P_DIM, pos);
	}
}

/* The last row: the / prompt, a notice, or the keys' hints. */
static void
draw_status(struct tui *t)
{
	struct pen p;
	int y = LINES - 1;
	char hint[32];
	const char *h;
	size_t i;

	pen_at(&p, t, y, 0);
	if (t->prompt) {
		pen_put(&p, P_HEAD, "Filter (address or domain): ");
		pen_put(&p, P_NORMAL, t->filter);
		curs_set(1);
		move(y, p.x < COLS ? p.x : COLS - 1);
		return;
	}
	if (t->notice[0] != '\0' && now_mono() < t->notice_until) {
		pen_put(&p, P_WARN, t->notice);
		return;
	}
	t->notice[0] = '\0';
	/* The hints come from the key table too. */
	for (i = 0; i < tui_nbindings; i++)
		if ((h = binding_hint(&tui_bindings[i], hint, sizeof(hint))) !=
		    NULL)
			pen_printf(&p, P_DIM, "%s%s %s", p.x > 0 ? "  " : "",
			    tui_bindings[i].name, h);
}

/* Rates from the change of the counters between frames. */
static void
rates_update(struct tui *t, const struct tui_status *s)
{
	double dt = s->elapsed - t->rate_elapsed;

	if (t->paused)
		return;
	if (!t->rate_valid || s->health->rs.packets < t->rate_packets) {
		t->rate_valid = true;
	} else if (dt >= 1.0) {
		t->pps = (double)(s->health->rs.packets - t->rate_packets) / dt;
		t->mbps = (double)(s->health->rs.bytes - t->rate_bytes) * 8 /
		    dt / 1e6;
	} else {
		return;
	}
	t->rate_elapsed = s->elapsed;
	t->rate_packets = s->health->rs.packets;
	t->rate_bytes = s->health->rs.bytes;
}

/* A live run paused shows the figures of the moment it paused: the
 * status to draw, in *frozen_s when it is that. */
static const struct tui_status *
frozen_status(
    struct tui *t, const struct tui_status *live_s, struct tui_status *frozen_s)
{
	if (!t->paused || !live_s->live) {
		rates_update(t, live_s);
		return live_s;
	}
	if (t->frozen == NULL) {
		t->frozen = xmalloc(sizeof(*t->frozen));
		memcpy(t->frozen, live_s->st, sizeof(*t->frozen));
		t->frozen_health = *live_s->health;
	}
	*frozen_s = *live_s;
	frozen_s->st = t->frozen;
	frozen_s->health = &t->frozen_health;
	return frozen_s;
}

static void
draw_too_small(const struct tui *t)
{
	char msg[64];

	snprintf(
	    msg, sizeof(msg), "smtpscope: %dx%d is too small", COLS, LINES);
	put(t, 0, 0, COLS, msg);
	put(t, 1, 0, COLS, "q quits");
}

static void
draw(struct tui *t, const struct tui_status *live_s)
{
	struct tui_status frozen_s;
	const struct tui_status *s = frozen_status(t, live_s, &frozen_s);
	const struct tui_view *v = tui_page(t);
	struct canvas c;
	int *scroll, total;

	erase();
	curs_set(0);
	if (COLS < TUI_MIN_COLS || LINES < TUI_MIN_LINES) {
		draw_too_small(t);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	draw_header(t, s);
	t->shown_st = s->st;
	scroll = tui_page_scroll(t);
	c.top = 4;
	c.rows = LINES - 5;
	c.scroll = *scroll;
	c.line = 0;
	t->page = c.rows;
	v->draw(t, s, &c);
	total = c.line;
	if (c.scroll > 0 && c.scroll > total - c.rows) {
		/* Past the end (End, or the content shrank): again, in range.
		 */
		c.scroll = total - c.rows > 0 ? total - c.rows : 0;
		c.line = 0;
		erase();
		draw_header(t, s);
		v->draw(t, s, &c);
	}
	*scroll = c.scroll;
	draw_title(t, &c, total);
	draw_status(t);
	wnoutrefresh(stdscr);
	doupdate();
}

/* A frame if one is due (a tick went by, or a key came). */
static enum tui_action
frame(struct tui *t, const struct tui_status *s)
{
	double now = now_mono();

	if (!t->dirty && now < t->next_frame)
		return TUI_CONTINUE;
	draw(t, s);
	t->dirty = false;
	t->next_frame = now + TUI_FRAME_MS / 1e3;
	t->frames++;
	if (t->o.max_frames > 0 && t->frames >= t->o.max_frames)
		return TUI_QUIT;
	return TUI_CONTINUE;
}

static int
ms_to_next_frame(const struct tui *t)
{
	double d = (t->next_frame - now_mono()) * 1e3;

	if (d < 1)
		return 1;
	return d > TUI_FRAME_MS ? TUI_FRAME_MS : (int)d;
}

/* main's SIGINT or SIGTERM came while they were held. */
static bool
stop_pending(void)
{
	sigset_t pending;

	return sigpending(&pending) == 0 &&
	    (sigismember(&pending, SIGINT) == 1 ||
		sigismember(&pending, SIGTERM) == 1);
}

enum tui_action
tui_tick(struct tui *t, const struct tui_status *s)
{
	enum tui_action a;
	sigset_t hold, old;

	if (!tui_is_open(t) || !terminal_is_on())
		return TUI_QUIT;
	if ((a = keys_read(t, s, 0)) != TUI_CONTINUE)
		return a;
	if (t->paused && !s->live && !s->finished) {
		/*
		 * A paused replay waits here. main's SIGINT and SIGTERM are
		 * held meanwhile and looked for between keys; one of them
		 * ends the pause, and released, it reaches main's handler,
		 * which stops the run (and calls here once more: unpaused).
		 */
		sigemptyset(&hold);
		sigaddset(&hold, SIGINT);
		sigaddset(&hold, SIGTERM);
		sigprocmask(SIG_BLOCK, &hold, &old);
		while (t->paused && a == TUI_CONTINUE) {
			if (stop_pending()) {
				t->paused = false;
				break;
			}
			if ((a = frame(t, s)) == TUI_CONTINUE)
				a = keys_read(t, s, TUI_PAUSE_POLL_MS);
		}
		sigprocmask(SIG_SETMASK, &old, NULL);
		return a;
	}
	if ((a = frame(t, s)) != TUI_CONTINUE)
		return a;
	/* Over: the figures stay; wait here for a key or the next tick
	 * rather than have main spin. */
	if (s->finished)
		a = keys_read(t, s, ms_to_next_frame(t));
	return a;
}
