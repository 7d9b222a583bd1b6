/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * View 6: every reply code and enhanced status code seen, with its
 * meaning (event/codes.c).
 */
#include <stdlib.h>

#include "event/codes.h"

#include "tui/views.h"

struct code_count {
	int code;
	uint64_t n;
};

/* Most first, ties by code. */
static int
by_code_count(const void *a, const void *b)
{
	const struct code_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x->code - y->code;
}

/* A table's header row, and "none yet" under it when it is empty. */
static void
codes_head(const struct tui *t, struct canvas *c, const char *what,
    const char *meaning, size_t n)
{
	struct pen p;
	int y;

	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_printf(&p, P_HEAD, "%-9s %9s %6s  %s", what, "count",
		    "share", meaning);
	}
	if (n == 0 && (y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 3);
		pen_put(&p, P_DIM, "none yet");
	}
}

/* The reply codes seen (by count or by code), with their meanings. */
static void
reply_codes(const struct tui *t, const struct stats *st, struct canvas *c)
{
	static struct code_count cc[600];
	int n = 0, i, y;
	struct pen p;

	for (i = 0; i < 600; i++)
		if (st->reply_code[i] > 0) {
			cc[n].code = i;
			cc[n++].n = st->reply_code[i];
		}
	if (t->sort[t->view] == 0)
		qsort(cc, (size_t)n, sizeof(cc[0]), by_code_count);
	codes_head(t, c, "Reply", "meaning", (size_t)n);
	for (i = 0; i < n; i++) {
		if ((y = cv_next(c)) < 0)
			continue;
		pen_at(&p, t, y, 1);
		pen_printf(&p, code_paint(cc[i].code), "%-9d", cc[i].code);
		pen_printf(&p, P_NORMAL, " %9" PRIu64 " %5.1f%%  ", cc[i].n,
		    st->replies ? 100.0 * (double)cc[i].n / (double)st->replies
				: 0.0);
		pen_clipped(&p, P_NORMAL,
		    smtp_reply_meaning(cc[i].code, SMTP_VERB_UNKNOWN));
	}
}

/* One enhanced status code: the code, its count and share, its
 * meaning. */
static void
enhanced_row(const struct tui *t, int y, const struct topn *tn,
    const struct topn_entry *e)
{
	char meaning[160];
	struct pen p;

	pen_at(&p, t, y, 1);
	p.end = 10 < COLS ? 10 : COLS;
	pen_wire(&p, code_paint((e->key[0] - '0') * 100), e->key, 0);
	pen_at(&p, t, y, 10);
	pen_printf(&p, P_NORMAL, "%c%9" PRIu64 " %5.1f%%  ",
	    e->error > 0 ? '~' : ' ', e->count,
	    tn->total ? 100.0 * (double)e->count / (double)tn->total : 0.0);
	pen_clipped(&p, P_NORMAL,
	    smtp_enh_meaning(e->key, meaning, sizeof(meaning)) != NULL
		? meaning
		: "not an enhanced status code");
}

/* The enhanced status codes seen (by count or by code). */
static void
enhanced_codes(const struct tui *t, const struct stats *st, struct canvas *c)
{
	static const struct topn_entry *e[TOPN_SLOTS];
	size_t ne, k;
	int y;

	ne = topn_sorted(&st->enhanced, e, ARRAY_LEN(e));
	if (t->sort[t->view] == 1)
		qsort(e, ne, sizeof(e[0]), topn_by_key);
	codes_head(t, c, "Enhanced", "meaning (RFC 3463)", ne);
	for (k = 0; k < ne; k++)
		if ((y = cv_next(c)) >= 0)
			enhanced_row(t, y, &st->enhanced, e[k]);
}

/* Every reply code and enhanced status code seen, with its meaning; a
 * meaning is cut at the right edge, never wrapped. */
void
view_codes(struct tui *t, const struct tui_status *s, struct canvas *c)
{
	view_unfiltered_note(t, c, false);
	reply_codes(t, s->st, c);
	cv_next(c);
	enhanced_codes(t, s->st, c);
}
