/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * View 3, the recent notable events: rejects, tempfails, bounces, lost
 * transactions, AUTH failures; each with what its code means.
 */
#include "event/codes.h"

#include "tui/views.h"

/* Its first line: when, what, the code, the session, who to whom. */
static void
event_line(const struct tui *t, int y, const struct stats_recent *r)
{
	struct pen p;
	char when[16];

	pen_at(&p, t, y, 1);
	fmt_clock(r->ts, when, sizeof(when));
	pen_printf(&p, P_DIM, "%s  ", when);
	pen_printf(&p, recent_paint(r->kind), "%-12s",
	    stats_recent_kind_name(r->kind));
	if (r->code > 0)
		pen_printf(&p, P_NORMAL, " %3d", r->code);
	else
		pen_put(&p, P_NORMAL, "    ");
	pen_printf(&p, P_DIM, "  session %" PRIu64 "  ", r->session_id);
	pen_put(&p, P_NORMAL, r->client);
	pen_put(&p, P_DIM, glyph_arrow(t));
	pen_put(&p, P_NORMAL, r->server);
}

/* Its second: the envelope and the reply's text, or the AUTH user. */
static void
event_envelope(const struct tui *t, int y, const struct stats_recent *r)
{
	struct pen p;

	pen_at(&p, t, y, 11);
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

void
view_events(struct tui *t, const struct tui_status *s, struct canvas *c)
{
	static const struct stats_recent *rl[STATS_RECENT];
	struct pen p;
	size_t n, i;
	int y;

	n = recent_list(t, s->st, rl, t->sort[t->view]);
	if (n == 0 && (y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_put(&p, P_DIM,
		    t->filter[0] ? "no event matches the filter"
				 : "no reject, tempfail, bounce, lost "
				   "transaction or AUTH failure yet");
	}
	for (i = 0; i < n; i++) {
		if ((y = cv_next(c)) >= 0)
			event_line(t, y, rl[i]);
		if ((y = cv_next(c)) >= 0)
			event_envelope(t, y, rl[i]);
		/* What the code means, on a line of its own. */
		if (rl[i]->code > 0 && (y = cv_next(c)) >= 0) {
			pen_at(&p, t, y, 11);
			pen_printf(&p, P_DIM, "%d: ", rl[i]->code);
			pen_clipped(&p, P_DIM,
			    smtp_reply_meaning(rl[i]->code, SMTP_VERB_UNKNOWN));
		}
	}
}
