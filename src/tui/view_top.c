/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * View 2, the top tables: servers, clients, domains, senders,
 * recipients, rejection reasons, enhanced codes, AUTH failures; two
 * side by side when there is room.
 */
#include <stdlib.h>
#include <string.h>

#include "event/codes.h"

#include "tui/views.h"

struct top_table {
	const char *title;
	const char *unit; /* what the counts count */
	/* What the keys are, for their meanings: an enhanced status code,
	 * a refusal starting with its reply code, or anything else. */
	enum { TT_PLAIN, TT_ENHANCED, TT_REASON } keys;
	const struct topn *tn;
	const struct topn_entry *e[TOPN_SLOTS];
	size_t n;
};

static void
top_fetch(const struct tui *t, struct top_table *tt, const char *title,
    const char *unit, const struct topn *tn)
{
	tt->title = title;
	tt->unit = unit;
	tt->keys = TT_PLAIN;
	tt->tn = tn;
	tt->n = topn_sorted(tn, tt->e, TOPN_SLOTS);
	if (t->sort[t->view] == 1)
		qsort(tt->e, tt->n, sizeof(tt->e[0]), topn_by_key);
	if (tt->n > TUI_TOP_ROWS)
		tt->n = TUI_TOP_ROWS;
}

/* Row i of a table (-1: its title) in the columns [x, x + w). */
static void
top_cell(
    const struct tui *t, int y, int x, int w, const struct top_table *tt, int i)
{
	const struct topn_entry *e;
	struct pen p;
	char meaning[160];

	pen_at(&p, t, y, x);
	p.end = x + w < COLS ? x + w : COLS;
	if (i < 0) {
		pen_put(&p, P_HEAD, tt->title);
		pen_printf(
		    &p, P_DIM, "  %" PRIu64 " %s", tt->tn->total, tt->unit);
		return;
	}
	if ((size_t)i >= tt->n) {
		if (i == 0)
			pen_put(&p, P_DIM, "   none yet");
		return;
	}
	e = tt->e[i];
	pen_printf(&p, P_NORMAL, "%c%7" PRIu64 " %5.1f%%  ",
	    e->error > 0 ? '~' : ' ', e->count,
	    tt->tn->total ? 100.0 * (double)e->count / (double)tt->tn->total
			  : 0.0);
	pen_wire(&p, P_NORMAL, e->key, 0);
	if (tt->keys == TT_ENHANCED &&
	    smtp_enh_meaning(e->key, meaning, sizeof(meaning)) != NULL) {
		pen_put(&p, P_NORMAL, "  ");
		pen_clipped(&p, P_DIM, meaning);
	} else if (tt->keys == TT_REASON &&
	    ascii_isdigit((unsigned char)e->key[0]) &&
	    ascii_isdigit((unsigned char)e->key[1]) &&
	    ascii_isdigit((unsigned char)e->key[2])) {
		pen_put(&p, P_NORMAL, "  ");
		pen_clipped(&p, P_DIM,
		    smtp_reply_meaning((e->key[0] - '0') * 100 +
			    (e->key[1] - '0') * 10 + (e->key[2] - '0'),
			SMTP_VERB_UNKNOWN));
	}
}

/* Two tables side by side when there is room, else one after the other. */
static void
top_pair(const struct tui *t, struct canvas *c, const struct top_table *a,
    const struct top_table *b)
{
	int i, y, rows, half = COLS / 2;

	if (b != NULL && COLS >= 2 * 36) {
		rows = (int)(a->n > b->n ? a->n : b->n);
		if (rows == 0)
			rows = 1;
		for (i = -1; i < rows; i++) {
			if ((y = cv_next(c)) < 0)
				continue;
			top_cell(t, y, 1, half - 2, a, i);
			top_cell(t, y, half + 1, COLS - half - 1, b, i);
		}
		cv_next(c);
		return;
	}
	rows = a->n > 0 ? (int)a->n : 1;
	for (i = -1; i < rows; i++)
		if ((y = cv_next(c)) >= 0)
			top_cell(t, y, 1, COLS - 1, a, i);
	cv_next(c);
	if (b != NULL)
		top_pair(t, c, b, NULL);
}

void
view_top(struct tui *t, const struct tui_status *s, struct canvas *c)
{
	static struct top_table tt[9];
	const struct stats *st = s->st;

	top_fetch(t, &tt[0], "Servers", "sessions", &st->servers);
	top_fetch(t, &tt[1], "Clients", "sessions", &st->clients);
	top_fetch(
	    t, &tt[2], "Sender domains", "transactions", &st->sender_domains);
	top_fetch(t, &tt[3], "Recipient domains", "RCPTs", &st->rcpt_domains);
	top_fetch(t, &tt[4], "Rejection reasons", "4xx and 5xx replies",
	    &st->reject_reasons);
	top_fetch(t, &tt[5], "Senders", "transactions", &st->senders);
	top_fetch(t, &tt[6], "Recipients", "RCPTs", &st->recipients_top);
	top_fetch(t, &tt[7], "Enhanced status codes", "replies", &st->enhanced);
	tt[7].keys = TT_ENHANCED;
	tt[4].keys = TT_REASON;
	top_fetch(t, &tt[8], "AUTH failures by client", "failures",
	    &st->auth_fail_clients);
	top_pair(t, c, &tt[0], &tt[1]);
	top_pair(t, c, &tt[2], &tt[3]);
	top_pair(t, c, &tt[4], NULL);
	top_pair(t, c, &tt[5], &tt[6]);
	/* Alone on their rows: room for the meanings. */
	top_pair(t, c, &tt[7], NULL);
	top_pair(t, c, &tt[8], NULL);
}
