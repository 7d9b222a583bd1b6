/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * View 6: every reply code and enhanced status code seen, with its
 * meaning (smtp/codes.c).
 */
#include <stdlib.h>

#include "smtp/codes.h"

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

/* Every reply code and enhanced status code seen, with its meaning; a
 * meaning is cut at the right edge, never wrapped. */
void
view_codes(struct tui *t, const struct tui_status *s, struct canvas *c)
{
	static const struct topn_entry *e[TOPN_SLOTS];
	static struct code_count cc[600];
	const struct stats *st = s->st;
	int n = 0, i, y;
	char meaning[160];
	struct pen p;
	size_t ne, k;

	for (i = 0; i < 600; i++)
		if (st->reply_code[i] > 0) {
			cc[n].code = i;
			cc[n++].n = st->reply_code[i];
		}
	if (t->sort[t->view] == 0)
		qsort(cc, (size_t)n, sizeof(cc[0]), by_code_count);
	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_printf(&p, P_HEAD, "%-9s %9s %6s  %s", "Reply", "count",
		    "share", "meaning");
	}
	if (n == 0 && (y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 3);
		pen_put(&p, P_DIM, "none yet");
	}
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
	cv_next(c);

	ne = topn_sorted(&st->enhanced, e, ARRAY_LEN(e));
	if (t->sort[t->view] == 1)
		qsort(e, ne, sizeof(e[0]), topn_by_key);
	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_printf(&p, P_HEAD, "%-9s %9s %6s  %s", "Enhanced", "count",
		    "share", "meaning (RFC 3463)");
	}
	if (ne == 0 && (y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 3);
		pen_put(&p, P_DIM, "none yet");
	}
	for (k = 0; k < ne; k++) {
		if ((y = cv_next(c)) < 0)
			continue;
		pen_at(&p, t, y, 1);
		p.end = 10 < COLS ? 10 : COLS;
		pen_wire(
		    &p, code_paint((e[k]->key[0] - '0') * 100), e[k]->key, 0);
		pen_at(&p, t, y, 10);
		pen_printf(&p, P_NORMAL, "%c%9" PRIu64 " %5.1f%%  ",
		    e[k]->error > 0 ? '~' : ' ', e[k]->count,
		    st->enhanced.total ? 100.0 * (double)e[k]->count /
			    (double)st->enhanced.total
				       : 0.0);
		pen_clipped(&p, P_NORMAL,
		    smtp_enh_meaning(e[k]->key, meaning, sizeof(meaning)) !=
			    NULL
			? meaning
			: "not an enhanced status code");
	}
}
