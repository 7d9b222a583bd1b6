/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * View 3, the recent notable events: rejects, tempfails, bounces, lost
 * transactions, AUTH failures, alerts raised and cleared; each with what its
 * code means. Events of one kind, client, server and reason close together are
 * one line with a count (model.c). A line is selected; Enter opens the
 * transcript of its session (the newest of the line's), as in the session list.
 */
#include "event/codes.h"

#include "tui/views.h"

/* Its first line: when, what, the code, how many, the session, who to
 * whom. */
static void
event_line(const struct tui *t, int y, const struct tevent *g, bool selected)
{
	const struct stats_recent *r = &g->r;
	struct pen p;
	char when[16];

	if (selected)
		fill_row(t, y, P_SELECT);
	pen_at(&p, t, y, 1);
	fmt_clock(t, r->ts, when, sizeof(when));
	pen_printf(&p, selected ? P_SELECT : P_DIM, "%s  ", when);
	pen_printf(&p, selected ? P_SELECT : recent_paint(r), "%-12s",
	    stats_recent_kind_name(r->kind));
	if (r->code > 0)
		pen_printf(&p, selected ? P_SELECT : P_NORMAL, " %3d", r->code);
	else
		pen_put(&p, selected ? P_SELECT : P_NORMAL, "    ");
	if (g->count > 1)
		pen_printf(&p, selected ? P_SELECT : P_WARN, " %s%" PRIu64,
		    t->utf8 ? "\u00d7" : "x", g->count);
	if (r->kind == RECENT_ALERT) {
		/* No session: what it is about, the client or the server. */
		pen_printf(&p, selected ? P_SELECT : P_DIM, "  %s  ", r->rcpt);
		pen_put(&p, selected ? P_SELECT : P_NORMAL, r->from);
		pen_put(&p, selected ? P_SELECT : P_NORMAL, "  ");
		pen_put(&p, selected ? P_SELECT : P_NORMAL,
		    r->client[0] != '\0'       ? r->client
			: r->server[0] != '\0' ? r->server
					       : "(all traffic)");
		return;
	}
	if (r->kind == RECENT_CONNECT) /* no session */
		pen_put(&p, selected ? P_SELECT : P_DIM, "  no session  ");
	else
		pen_printf(&p, selected ? P_SELECT : P_DIM,
		    "  session %" PRIu64 "  ", r->session_id);
	pen_put(&p, selected ? P_SELECT : P_NORMAL, r->client);
	pen_put(&p, selected ? P_SELECT : P_DIM, glyph_arrow(t));
	pen_put(&p, selected ? P_SELECT : P_NORMAL, r->server);
}

/* Its second: the envelope and the reply's text, or the AUTH user. */
static void
event_envelope(const struct tui *t, int y, const struct stats_recent *r)
{
	struct pen p;

	pen_at(&p, t, y, 11);
	if (r->kind == RECENT_ALERT || r->kind == RECENT_CONNECT) {
		pen_wire(&p, P_NORMAL, r->text, 0);
		return;
	}
	if (r->kind == RECENT_AUTH_FAILURE) {
		pen_put(&p, P_NORMAL, "user ");
		pen_wire(&p, P_NORMAL, r->from, 0);
		return;
	}
	pen_put(&p, P_NORMAL, "<");
	pen_wire(&p, P_NORMAL, r->from, COLS / 3);
	pen_put(&p, P_NORMAL, ">");
	pen_put(&p, P_DIM, glyph_arrow(t));
	pen_put(&p, P_NORMAL, "<");
	pen_wire(&p, P_NORMAL, r->rcpt, COLS / 3);
	pen_put(&p, P_NORMAL, ">  ");
	pen_wire(&p, P_NORMAL, r->text, 0);
}

/* A group: how many, since when, in how many sessions. */
static void
event_group(const struct tui *t, int y, const struct tevent *g)
{
	struct pen p;
	char when[16];

	fmt_clock(t, g->first, when, sizeof(when));
	pen_at(&p, t, y, 11);
	if (g->r.kind == RECENT_CONNECT) /* none has a session */
		pen_printf(&p, P_DIM,
		    "%" PRIu64 " events since %s (the newest shown)", g->count,
		    when);
	else
		pen_printf(&p, P_DIM,
		    "%" PRIu64 " events since %s in %u session%s (the newest "
		    "shown)",
		    g->count, when, g->sessions, g->sessions == 1 ? "" : "s");
}

/* The virtual lines an event line takes. */
static int
event_height(const struct tevent *g)
{
	return 2 + (g->r.code > 0) + (g->count > 1);
}

/* The selected line, held in range: its row in the list, -1 for none. */
static int
event_selected(struct tui *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t->evlist[i]->seq == t->ev_sel_seq) {
			t->ev_sel = (int)i;
			return t->ev_sel;
		}
	if (n == 0) {
		t->ev_sel = 0;
		return -1;
	}
	if (t->ev_sel < 0)
		t->ev_sel = 0;
	if ((size_t)t->ev_sel >= n)
		t->ev_sel = (int)n - 1;
	t->ev_sel_seq = t->evlist[t->ev_sel]->seq;
	return t->ev_sel;
}

void
view_events(struct tui *t, const struct tui_status *s, struct canvas *c)
{
	struct pen p;
	size_t n, i;
	int y, sel, at = 0, h = 0;

	(void)s;
	n = event_list(t, t->evlist, t->sort[t->view]);
	sel = event_selected(t, n);
	/* The selection stays in sight. */
	for (i = 0; sel >= 0 && i <= (size_t)sel; i++) {
		h = event_height(t->evlist[i]);
		if (i < (size_t)sel)
			at += h;
	}
	if (sel >= 0 && at < c->scroll)
		c->scroll = at;
	if (sel >= 0 && at + h > c->scroll + c->rows)
		c->scroll = at + h - c->rows;
	if (n == 0 && (y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_put(&p, P_DIM,
		    t->filter[0] ? "no event matches the filter"
				 : "no reject, tempfail, bounce, lost "
				   "transaction or AUTH failure yet");
	}
	for (i = 0; i < n; i++) {
		const struct tevent *g = t->evlist[i];

		if ((y = cv_next(c)) >= 0)
			event_line(t, y, g, (int)i == sel);
		if ((y = cv_next(c)) >= 0)
			event_envelope(t, y, &g->r);
		if (g->count > 1 && (y = cv_next(c)) >= 0)
			event_group(t, y, g);
		/* What the code means, on a line of its own. */
		if (g->r.code > 0 && (y = cv_next(c)) >= 0) {
			pen_at(&p, t, y, 11);
			pen_printf(&p, P_DIM, "%d: ", g->r.code);
			pen_clipped(&p, P_DIM,
			    smtp_reply_meaning(g->r.code, SMTP_VERB_UNKNOWN));
		}
	}
}

static void
event_move(struct tui *t, int delta)
{
	size_t n = event_list(t, t->evlist, t->sort[t->view]);

	if (event_selected(t, n) < 0)
		return;
	if (delta < 0 && t->ev_sel < -delta)
		t->ev_sel = 0;
	else if (delta > 0 && (size_t)t->ev_sel + (size_t)delta >= n)
		t->ev_sel = (int)n - 1;
	else
		t->ev_sel += delta;
	t->ev_sel_seq = t->evlist[t->ev_sel]->seq;
}

/* Enter: the transcript of the selected line's session, when kept. */
static void
event_open(struct tui *t)
{
	size_t n = event_list(t, t->evlist, t->sort[t->view]);
	uint64_t id;
	char msg[160];

	if (event_selected(t, n) < 0) {
		tui_notice(t, "no event to open");
		return;
	}
	if (t->evlist[t->ev_sel]->r.kind == RECENT_ALERT) {
		tui_notice(t, "an alert has no session of its own");
		return;
	}
	if (t->evlist[t->ev_sel]->r.kind == RECENT_CONNECT) {
		tui_notice(t,
		    "a connection refused or unanswered has no "
		    "session");
		return;
	}
	id = t->evlist[t->ev_sel]->r.session_id;
	if (sessmap_get(&t->byid, id) == NULL) {
		snprintf(msg, sizeof(msg),
		    "session %" PRIu64 " is no longer kept (the last %zu "
		    "are: --tui-history)",
		    id, t->history);
		tui_notice(t, msg);
		return;
	}
	t->transcript = true;
	t->transcript_id = id;
	t->transcript_scroll = 0;
}

/* The keys that move move the selection; Enter opens its session. */
bool
events_act(struct tui *t, enum act a, int delta)
{
	if (delta != 0) {
		event_move(t, delta);
		return true;
	}
	if (a == ACT_OPEN) {
		event_open(t);
		return true;
	}
	return false;
}

void
events_title(struct tui *t, char *buf, size_t size)
{
	char zone[32];
	size_t n = event_list(t, t->evlist, 0);

	snprintf(buf, size,
	    "Recent events  (%s)  %zu of %zu lines, at most %zu, %s",
	    tui_views[t->view].sort[t->sort[t->view]], n, t->ev_n, t->history,
	    clock_zone(t, zone, sizeof(zone)));
}
