/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * View 4, the sessions the dashboard keeps: a row each, one selected;
 * Enter opens its transcript (view_transcript.c).
 */
#include <stdlib.h>
#include <string.h>

#include "tui/views.h"

static void
outcome_summary(const struct tsess *ss, char *buf, size_t size)
{
	static const char *const abbrev[SMTP_OUTCOME_COUNT] = { "open", "acc",
		"rej", "tmp", "drp", "abt", "lost" };
	size_t used = 0;
	int k;

	buf[0] = '\0';
	for (k = SMTP_OUTCOME_ACCEPTED; k < SMTP_OUTCOME_COUNT; k++)
		if (ss->outcome[k] > 0 && used < size)
			used +=
			    (size_t)snprintf(buf + used, size - used, "%s%u %s",
				used ? " " : "", ss->outcome[k], abbrev[k]);
	if (buf[0] == '\0')
		snprintf(buf, size, "-");
}

/* A session's outcomes: a refusal first, then a cut; a 421 is a
 * tempfail, not a refusal. */
static enum paint
sess_paint(const struct tsess *ss)
{
	if (ss->outcome[SMTP_OUTCOME_REJECTED] ||
	    ss->outcome[SMTP_OUTCOME_DROPPED])
		return P_BAD;
	if (ss->outcome[SMTP_OUTCOME_LOST])
		return P_LOST;
	if (ss->outcome[SMTP_OUTCOME_TEMPFAIL])
		return P_WARN;
	/* Accepted, whatever the sender (a bounce too). */
	if (ss->outcome[SMTP_OUTCOME_ACCEPTED])
		return P_GOOD;
	return P_NORMAL;
}

/* Where the columns of the session list begin. */
struct sess_cols {
	int id, client, arrow, server, helo, tx, outcome, state;
};

/* The address columns as wide as the widest address shown, within a
 * share of the width; HELO has the rest. */
static void
sess_cols(const struct tui *t, size_t n, struct sess_cols *k)
{
	int rest = COLS - 1 - 7 - 4 - 13 - 7, cw = 9, len;
	size_t i;

	for (i = 0; i < n; i++) {
		len = (int)strlen(t->list[i]->client);
		if (len > cw)
			cw = len;
		len = (int)strlen(t->list[i]->server);
		if (len > cw)
			cw = len;
	}
	cw++;
	if (cw > rest * 36 / 100)
		cw = rest * 36 / 100;
	if (cw < 10)
		cw = 10;
	k->id = 1;
	k->client = k->id + 7;
	k->arrow = k->client + cw;
	k->server = k->arrow + (t->utf8 ? 2 : 3);
	k->helo = k->server + cw + 1;
	k->state = COLS - 7;
	k->outcome = k->state - 13;
	k->tx = k->outcome - 4;
	if (k->helo > k->tx - 4)
		k->helo = k->tx - 4;
}

static void
sess_row(const struct tui *t, int y, const struct sess_cols *k,
    const struct tsess *ss, bool selected)
{
	struct pen p;
	char oc[64];

	if (selected)
		fill_row(t, y, P_SELECT);
	pen_at(&p, t, y, k->id);
	pen_printf(&p, selected ? P_SELECT : P_NORMAL, "%6" PRIu64, ss->id);
	pen_at(&p, t, y, k->client);
	p.end = k->arrow - 1;
	pen_put(&p, selected ? P_SELECT : P_NORMAL, ss->client);
	pen_at(&p, t, y, k->arrow);
	p.end = k->helo - 1;
	pen_put(&p, selected ? P_SELECT : P_DIM, t->utf8 ? "\u2192 " : "-> ");
	pen_put(&p, selected ? P_SELECT : P_NORMAL, ss->server);
	pen_at(&p, t, y, k->helo);
	p.end = k->tx - 1;
	pen_put(&p, selected ? P_SELECT : P_NORMAL, ss->helo);
	pen_at(&p, t, y, k->tx);
	pen_printf(&p, selected ? P_SELECT : P_NORMAL, "%3u", ss->transactions);
	outcome_summary(ss, oc, sizeof(oc));
	pen_at(&p, t, y, k->outcome);
	p.end = k->state - 1;
	pen_put(&p, selected ? P_SELECT : sess_paint(ss), oc);
	pen_at(&p, t, y, k->state);
	pen_put(&p,
	    selected       ? P_SELECT
		: ss->open ? P_GOOD
			   : P_DIM,
	    ss->open ? "open" : "closed");
}

static int
by_id_up(const void *a, const void *b)
{
	const struct tsess *x = *(struct tsess *const *)a;
	const struct tsess *y = *(struct tsess *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int
by_transactions(const void *a, const void *b)
{
	const struct tsess *x = *(struct tsess *const *)a;
	const struct tsess *y = *(struct tsess *const *)b;

	if (x->transactions != y->transactions)
		return x->transactions > y->transactions ? -1 : 1;
	return x->id > y->id ? -1 : x->id < y->id;
}

static int
by_client(const void *a, const void *b)
{
	const struct tsess *x = *(struct tsess *const *)a;
	const struct tsess *y = *(struct tsess *const *)b;
	int c = addr_cmp(x->client, y->client);

	return c != 0 ? c : by_id_up(a, b);
}

/* The sessions of the list: filtered, in the chosen order. */
static size_t
sess_list(struct tui *t)
{
	struct tsess *ss;
	size_t n = 0;

	for (ss = t->newest; ss != NULL && n < t->history; ss = ss->older)
		if (sess_matches(t, ss))
			t->list[n++] = ss;
	switch (t->sort[t->view]) {
	case 1:
		qsort(t->list, n, sizeof(t->list[0]), by_id_up);
		break;
	case 2:
		qsort(t->list, n, sizeof(t->list[0]), by_transactions);
		break;
	case 3:
		qsort(t->list, n, sizeof(t->list[0]), by_client);
		break;
	default:
		break;
	}
	return n;
}

/* The row of the selected session, held in range. */
static int
sess_selected(struct tui *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t->list[i]->id == t->sel_id) {
			t->sel = (int)i;
			return t->sel;
		}
	if (n == 0) {
		t->sel = 0;
		return -1;
	}
	if (t->sel < 0)
		t->sel = 0;
	if ((size_t)t->sel >= n)
		t->sel = (int)n - 1;
	t->sel_id = t->list[t->sel]->id;
	return t->sel;
}

void
view_sessions(struct tui *t, const struct tui_status *s, struct canvas *c)
{
	struct sess_cols k;
	struct pen p;
	size_t n, i;
	int y, sel;

	n = sess_list(t);
	sel = sess_selected(t, n);
	/* The selection stays in sight (line 0 is the column header). */
	if (sel >= 0 && sel + 1 <= c->scroll)
		c->scroll = sel;
	if (sel >= 0 && sel + 1 >= c->scroll + c->rows)
		c->scroll = sel + 2 - c->rows;
	sess_cols(t, n, &k);
	if ((y = cv_next(c)) >= 0) {
		paint(t, P_HEAD);
		put(t, y, k.id, 6, "    ID");
		put(t, y, k.client, k.helo - k.client, "CLIENT -> SERVER");
		put(t, y, k.helo, k.tx - k.helo, "HELO");
		put(t, y, k.tx, 3, " TX");
		put(t, y, k.outcome, 12, "OUTCOMES");
		put(t, y, k.state, 6, "STATE");
		paint(t, P_NORMAL);
	}
	if (n == 0 && (y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_put(&p, P_DIM,
		    t->filter[0] ? "no session matches the filter"
				 : "no session yet");
	}
	for (i = 0; i < n; i++)
		if ((y = cv_next(c)) >= 0)
			sess_row(t, y, &k, t->list[i], (int)i == sel);
}

/* The selection moves by delta rows, held in the list. */
static void
sess_move(struct tui *t, int delta)
{
	size_t n = sess_list(t);

	if (sess_selected(t, n) < 0)
		return;
	t->sel += delta;
	if (t->sel < 0)
		t->sel = 0;
	if ((size_t)t->sel >= n)
		t->sel = (int)n - 1;
	t->sel_id = t->list[t->sel]->id;
}

static void
sess_open_transcript(struct tui *t)
{
	size_t n = sess_list(t);

	if (sess_selected(t, n) < 0)
		return;
	t->transcript = true;
	t->transcript_id = t->list[t->sel]->id;
	t->transcript_scroll = 0;
}

/* The keys that move move the selection; Enter opens its transcript. */
bool
sessions_act(struct tui *t, enum act a, int delta)
{
	if (delta != 0) {
		sess_move(t, delta);
		return true;
	}
	if (a == ACT_OPEN) {
		sess_open_transcript(t);
		return true;
	}
	return false;
}

void
sessions_title(struct tui *t, char *buf, size_t size)
{
	struct tsess *ss;
	size_t n = 0;

	for (ss = t->newest; ss != NULL; ss = ss->older)
		n += sess_matches(t, ss);
	snprintf(buf, size, "Sessions  (%zu of %zu kept, %s)  at most %zu", n,
	    t->nsess, tui_views[t->view].sort[t->sort[t->view]], t->history);
}
