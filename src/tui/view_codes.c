/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * View 6: every reply code and enhanced status code seen, with its
 * meaning (event/codes.c); under a / filter, those of the sessions kept
 * that match.
 */
#include <stdlib.h>
#include <string.h>

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

/* The reply codes counted in count[600] (by count or by code) with
 * their meanings; shares of total replies. */
static void
reply_codes(const struct tui *t, const uint64_t *count, uint64_t total,
    struct canvas *c)
{
	static struct code_count cc[600];
	int n = 0, i, y;
	struct pen p;

	for (i = 0; i < 600; i++)
		if (count[i] > 0) {
			cc[n].code = i;
			cc[n++].n = count[i];
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
		    total ? 100.0 * (double)cc[i].n / (double)total : 0.0);
		pen_clipped(&p, P_NORMAL,
		    smtp_reply_meaning(cc[i].code, SMTP_VERB_UNKNOWN));
	}
}

/* One enhanced status code: the code, its count and share of total
 * (approx: the count may be over, a top table's error), its meaning. */
static void
enhanced_row(const struct tui *t, int y, const char *key, uint64_t count,
    bool approx, uint64_t total)
{
	char meaning[160];
	struct pen p;

	pen_at(&p, t, y, 1);
	p.end = 10 < COLS ? 10 : COLS;
	pen_wire(&p, code_paint((key[0] - '0') * 100), key, 0);
	pen_at(&p, t, y, 10);
	pen_printf(&p, P_NORMAL, "%c%9" PRIu64 " %5.1f%%  ", approx ? '~' : ' ',
	    count, total ? 100.0 * (double)count / (double)total : 0.0);
	pen_clipped(&p, P_NORMAL,
	    smtp_enh_meaning(key, meaning, sizeof(meaning)) != NULL
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
			enhanced_row(t, y, e[k]->key, e[k]->count,
			    e[k]->error > 0, st->enhanced.total);
}

/* ---- under a / filter: the sessions kept that match ---------------- */

/* The enhanced codes of the matching sessions: as many distinct ones as
 * the dashboard keeps sessions could name, capped. */
#define FILTERED_ENH_MAX 512

struct enh_count {
	const char *key;
	uint64_t n;
};

static int
enh_by_count(const void *a, const void *b)
{
	const struct enh_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->key, y->key);
}

static int
enh_by_key(const void *a, const void *b)
{
	const struct enh_count *x = a, *y = b;

	return strcmp(x->key, y->key);
}

/* The distinct enhanced codes in a table of twice as many slots, by a
 * hash of the code (there may be 100,000 sessions to add up a frame). */
#define FILTERED_ENH_SLOTS (2 * FILTERED_ENH_MAX)

struct filtered_codes {
	uint64_t reply[600];
	uint64_t replies, more, enh_total;
	struct enh_count enh[FILTERED_ENH_MAX];
	size_t nenh;
	size_t sessions;
	int16_t slot[FILTERED_ENH_SLOTS]; /* index into enh, -1 empty */
};

static size_t
enh_hash(const char *s)
{
	size_t h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % FILTERED_ENH_SLOTS;
}

static void
filtered_add(struct filtered_codes *f, const struct tcodes *k)
{
	size_t i, j;
	int16_t *e;

	f->sessions++;
	f->replies += k->replies;
	f->more += k->more;
	for (i = 0; i < k->ncode; i++)
		f->reply[k->code[i]] += k->n[i];
	for (i = 0; i < k->nenh; i++) {
		f->enh_total += k->enh_n[i];
		for (j = enh_hash(k->enh[i]); *(e = &f->slot[j]) >= 0 &&
		     strcmp(f->enh[*e].key, k->enh[i]) != 0;
		     j = (j + 1) % FILTERED_ENH_SLOTS)
			continue;
		if (*e < 0) {
			if (f->nenh == FILTERED_ENH_MAX) {
				f->more += k->enh_n[i];
				continue;
			}
			*e = (int16_t)f->nenh;
			f->enh[f->nenh].key = k->enh[i];
			f->enh[f->nenh++].n = 0;
		}
		f->enh[*e].n += k->enh_n[i];
	}
}

/* The codes of the replies in the kept sessions the filter finds (the
 * Sessions view's), said so above them. */
static void
view_codes_filtered(struct tui *t, struct canvas *c)
{
	static struct filtered_codes f;
	const struct tsess *ss;
	struct flow fl;
	size_t k;
	int y;

	memset(&f, 0, sizeof(f));
	memset(f.slot, 0xff, sizeof(f.slot));
	for (ss = t->oldest; ss != NULL; ss = ss->newer)
		if (sess_matches(t, ss))
			filtered_add(&f, &ss->codes);
	flow_start(&fl, t, c, "Filter");
	flow_item(&fl, P_WARN,
	    "\"%s\": the replies of the %zu of %zu sessions kept that match",
	    t->filter, f.sessions, t->nsess);
	if (f.more > 0)
		flow_item(&fl, P_WARN,
		    "(%" PRIu64 " past %d codes a session or %d in all not "
		    "listed)",
		    f.more, TUI_SESS_CODES, FILTERED_ENH_MAX);
	cv_next(c);
	reply_codes(t, f.reply, f.replies, c);
	cv_next(c);
	qsort(f.enh, f.nenh, sizeof(f.enh[0]),
	    t->sort[t->view] == 1 ? enh_by_key : enh_by_count);
	codes_head(t, c, "Enhanced", "meaning (RFC 3463)", f.nenh);
	for (k = 0; k < f.nenh; k++)
		if ((y = cv_next(c)) >= 0)
			enhanced_row(
			    t, y, f.enh[k].key, f.enh[k].n, false, f.enh_total);
}

/* Every reply code and enhanced status code seen, with its meaning; a
 * meaning is cut at the right edge, never wrapped. Under a filter, those
 * of the sessions kept that match. */
void
view_codes(struct tui *t, const struct tui_status *s, struct canvas *c)
{
	if (t->filter[0] != '\0') {
		view_codes_filtered(t, c);
		return;
	}
	reply_codes(t, s->st->reply_code, s->st->replies, c);
	cv_next(c);
	enhanced_codes(t, s->st, c);
}
