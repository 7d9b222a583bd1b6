/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * View 7, by server: the statistics store's breakdown tables (the
 * report's "By server", "By client", "By sender domain", "By recipient
 * domain": sinks/breakdown.c), a row a key, with the outcome split,
 * bytes, the final reply's and the greeting's latency and the TLS
 * share; b the next table, s > < F6 the column it is ordered by, Enter
 * the sessions of the selected row.
 */
#include <stdlib.h>
#include <string.h>

#include "report/format.h"
#include "tui/views.h"

/* The columns, left to right; the view's orders (.sort in views.c) are
 * the same from the count on, the name last: order i is column
 * (i + 1) % BC_COLS, and the first order, the report's, most first. */
enum bd_col {
	BC_KEY,
	BC_COUNT,
	BC_ACC,
	BC_REJ,
	BC_TMPF,
	BC_LOST,
	BC_BYTES,
	BC_P50,
	BC_P99,
	BC_GREET,
	BC_TLS,
	BC_COLS
};

static const struct {
	const char *head;
	int w;
} bd_cols[BC_COLS] = { { "", 0 }, { "trans", 6 }, { "acc", 5 }, { "rej", 5 },
	{ "tmpf", 5 }, { "lost", 4 }, { "bytes", 6 }, { "p50", 6 },
	{ "p99", 6 }, { "greet", 6 }, { "tls", 4 } };

#define BD_KEY_MIN 12 /* columns of the key, at the least */
#define BD_KEY_MAX 39 /* an IPv6 address, written out */

/* The store's four tables, as the reports title them. */
enum { BT_SERVERS, BT_CLIENTS, BT_SENDER_DOMAINS, BT_RCPT_DOMAINS, BT_COUNT };
static const struct {
	const char *title; /* the view's title */
	const char *name;  /* what b goes to */
	const char *head;  /* its head */
	bool sessions;     /* greeting and TLS: servers and clients */
} bd_tables[BT_COUNT] = {
	{ "By server", "servers", "trans", true },
	{ "By client", "clients", "trans", true },
	{ "By sender domain", "sender domains", "trans", false },
	{ "By recipient domain", "recipient domains", "rcpts", false },
};

/* A row as shown: the store's row and its figures as numbers to order
 * by (-1: none). */
struct bd_line {
	const struct topn_entry *e;
	const struct bd_row *r;
	double v[BC_COLS];
};

static const struct bd_table *
bd_table_of(const struct stats *st, unsigned which)
{
	switch (which) {
	case BT_CLIENTS:
		return &st->by_client;
	case BT_SENDER_DOMAINS:
		return &st->by_sender_domain;
	case BT_RCPT_DOMAINS:
		return &st->by_rcpt_domain;
	default:
		return &st->by_server;
	}
}

/* Whether column k is shown for the table (greeting and TLS: only of
 * sessions). */
static bool
bd_col_shown(unsigned which, int k)
{
	return (k != BC_GREET && k != BC_TLS) || bd_tables[which].sessions;
}

/* The store's value of each column after the key (enum bd_value). */
static const enum bd_value bd_value_of[BC_COLS] = { BDV_COUNT, BDV_COUNT,
	BDV_ACCEPTED, BDV_REJECTED, BDV_TEMPFAIL, BDV_LOST, BDV_BYTES,
	BDV_FINAL_P50, BDV_FINAL_P99, BDV_GREETING_P50, BDV_TLS };

static void
bd_line_fill(
    struct bd_line *l, const struct bd_table *tb, const struct topn_entry *e)
{
	double v[BDV_COUNT_OF];
	int k;

	l->e = e;
	l->r = bd_row_of(tb, e);
	bd_row_values(l->r, v);
	l->v[BC_KEY] = 0;
	for (k = 1; k < BC_COLS; k++)
		l->v[k] = v[bd_value_of[k]];
}

static int bd_sort_col; /* for the comparison: qsort has no argument */

/* The column the view is ordered by. */
static int
bd_by(const struct tui *t)
{
	return (int)((t->sort[t->view] + 1) % BC_COLS);
}

/* The highest first (the name: in the order of addresses), then by
 * name. */
static int
bd_line_cmp(const void *a, const void *b)
{
	const struct bd_line *x = a, *y = b;
	double vx = x->v[bd_sort_col], vy = y->v[bd_sort_col];

	if (bd_sort_col != BC_KEY && vx != vy)
		return vx > vy ? -1 : 1;
	return addr_cmp(x->e->key, y->e->key);
}

/*
 * The rows of the table shown, from st: those the filter finds (all
 * without one), in the chosen order, into out (TOPN_SLOTS). Returns how
 * many; the table's replaced keys in *left_out.
 */
static size_t
bd_lines(const struct tui *t, const struct stats *st, struct bd_line *out,
    uint64_t *left_out)
{
	const struct bd_table *tb = bd_table_of(st, t->bd_table);
	const struct topn_entry *e[TOPN_SLOTS];
	size_t n = topn_sorted(&tb->keys, e, TOPN_SLOTS), i, k = 0;

	for (i = 0; i < n; i++)
		if (filter_matches_key(t, e[i]->key))
			bd_line_fill(&out[k++], tb, e[i]);
	bd_sort_col = bd_by(t);
	qsort(out, k, sizeof(out[0]), bd_line_cmp);
	if (left_out != NULL)
		*left_out = tb->keys.replaced;
	return k;
}

/* The key's width: the rest of the line after the columns shown, within
 * bounds (a narrow terminal loses the last columns). */
static int
bd_key_width(unsigned which)
{
	int w = COLS - 2, k;

	for (k = 1; k < BC_COLS; k++)
		if (bd_col_shown(which, k))
			w -= 1 + bd_cols[k].w;
	return w > BD_KEY_MAX ? BD_KEY_MAX : w < BD_KEY_MIN ? BD_KEY_MIN : w;
}

/* A row: the key (clipped with a mark), then the columns that fit
 * before the last column of the screen, in base or each in its a[k]. */
static void
bd_cells(const struct tui *t, int y, enum paint base, const char *key,
    char cell[BC_COLS][24], const enum paint *a)
{
	struct pen p;
	int w = bd_key_width(t->bd_table), k;

	pen_at(&p, t, y, 1);
	p.end = 1 + w < COLS ? 1 + w : COLS;
	pen_wire(&p, base, key, w);
	p.x = 1 + w;
	p.end = COLS;
	for (k = 1; k < BC_COLS; k++) {
		if (!bd_col_shown(t->bd_table, k))
			continue;
		if (p.x + 1 + bd_cols[k].w > COLS - 1)
			break;
		pen_printf(
		    &p, a != NULL ? a[k] : base, " %*s", bd_cols[k].w, cell[k]);
	}
}

static void
count_cell(char *buf, size_t size, uint64_t v)
{
	snprintf(buf, size, "%" PRIu64, v);
}

static void
bd_secs(char *buf, size_t size, double v)
{
	if (v < 0)
		snprintf(buf, size, "-");
	else
		fmt_secs_compact(v, buf, size);
}

/* A row of the table: the report's figures, in its units. */
static void
bd_line_draw(const struct tui *t, int y, const struct bd_line *l, bool sel)
{
	const struct bd_row *r = l->r;
	char cell[BC_COLS][24];
	enum paint a[BC_COLS] = { P_NORMAL, P_NORMAL,
		nonzero(r->accepted, P_GOOD), nonzero(r->rejected, P_BAD),
		nonzero(r->tempfail, P_WARN), nonzero(r->lost, P_LOST),
		P_NORMAL, P_NORMAL, P_NORMAL, P_NORMAL, P_NORMAL };

	cell[BC_KEY][0] = '\0';
	count_cell(cell[BC_COUNT], sizeof(cell[0]), r->count);
	count_cell(cell[BC_ACC], sizeof(cell[0]), r->accepted);
	count_cell(cell[BC_REJ], sizeof(cell[0]), r->rejected);
	count_cell(cell[BC_TMPF], sizeof(cell[0]), r->tempfail);
	count_cell(cell[BC_LOST], sizeof(cell[0]), r->lost);
	fmt_bytes_compact((double)r->bytes, cell[BC_BYTES], sizeof(cell[0]));
	bd_secs(cell[BC_P50], sizeof(cell[0]), l->v[BC_P50]);
	bd_secs(cell[BC_P99], sizeof(cell[0]), l->v[BC_P99]);
	bd_secs(cell[BC_GREET], sizeof(cell[0]), l->v[BC_GREET]);
	if (l->v[BC_TLS] < 0)
		snprintf(cell[BC_TLS], sizeof(cell[0]), "-");
	else
		snprintf(cell[BC_TLS], sizeof(cell[0]), "%.0f%%", l->v[BC_TLS]);
	if (sel) {
		fill_row(t, y, P_SELECT);
		bd_cells(t, y, P_SELECT, l->e->key, cell, NULL);
		return;
	}
	bd_cells(t, y, P_NORMAL, l->e->key, cell, a);
}

/* The head: the column ordered by in the selection's colours, as htop
 * marks it. */
static void
bd_head(const struct tui *t, int y)
{
	char cell[BC_COLS][24];
	enum paint a[BC_COLS];
	unsigned which = t->bd_table;
	int k, by = bd_by(t);

	for (k = 0; k < BC_COLS; k++) {
		snprintf(cell[k], sizeof(cell[0]), "%s",
		    k == BC_COUNT ? bd_tables[which].head : bd_cols[k].head);
		a[k] = k == by ? P_SELECT : P_HEAD;
	}
	bd_cells(t, y, by == BC_KEY ? P_SELECT : P_HEAD,
	    which == BT_SERVERS       ? "SERVER"
		: which == BT_CLIENTS ? "CLIENT"
				      : "DOMAIN",
	    cell, a);
}

/* The selected row, held in range: -1 without rows. */
static int
bd_selected(struct tui *t, size_t n)
{
	if (n == 0) {
		t->bd_sel = 0;
		return -1;
	}
	if (t->bd_sel < 0)
		t->bd_sel = 0;
	if ((size_t)t->bd_sel >= n)
		t->bd_sel = (int)n - 1;
	return t->bd_sel;
}

/* Under the servers: the connections they refused or never answered
 * (no session: not in the table), those the filter finds. */
static void
attempts_lines(const struct tui *t, const struct stats *st, struct canvas *c)
{
	const struct topn_entry *e[TOPN_SLOTS];
	size_t n = topn_sorted(&st->attempt_servers, e, TOPN_SLOTS), i;
	struct pen p;
	char when[16];
	int y;
	bool head = false;

	for (i = 0; i < n; i++) {
		const struct stats_attempt_row *r =
		    &st->attempt_row[e[i] - st->attempt_servers.e];

		if (!filter_matches_key(t, e[i]->key))
			continue;
		if (!head) {
			cv_next(c);
			if ((y = cv_next(c)) >= 0) {
				pen_at(&p, t, y, 1);
				pen_printf(&p, P_HEAD,
				    "%-*s %8s %10s  %-8s  %s", BD_KEY_MIN + 10,
				    "Connections refused", "refused",
				    "unanswered", "last", "last client");
			}
			head = true;
		}
		if ((y = cv_next(c)) < 0)
			continue;
		fmt_clock(t, r->last, when, sizeof(when));
		pen_at(&p, t, y, 1);
		pen_wire(&p, P_NORMAL, e[i]->key, BD_KEY_MIN + 10);
		pen_at(&p, t, y, 1 + BD_KEY_MIN + 10);
		pen_printf(&p, nonzero(r->result[SMTP_ATTEMPT_REFUSED], P_WARN),
		    " %8" PRIu64, r->result[SMTP_ATTEMPT_REFUSED]);
		pen_printf(&p,
		    nonzero(r->result[SMTP_ATTEMPT_UNANSWERED], P_WARN),
		    " %10" PRIu64, r->result[SMTP_ATTEMPT_UNANSWERED]);
		pen_printf(&p, P_DIM, "  %-8s  ", when);
		pen_wire(&p, P_NORMAL, r->last_client, 0);
	}
}

void
view_servers(struct tui *t, const struct tui_status *s, struct canvas *c)
{
	static struct bd_line lines[TOPN_SLOTS];
	uint64_t left_out;
	struct pen p;
	size_t n, i;
	int y, sel;

	n = bd_lines(t, s->st, lines, &left_out);
	sel = bd_selected(t, n);
	/* The selection stays in sight (line 0 is the column head). */
	if (sel >= 0 && sel + 1 <= c->scroll)
		c->scroll = sel;
	if (sel >= 0 && sel + 1 >= c->scroll + c->rows)
		c->scroll = sel + 2 - c->rows;
	if ((y = cv_next(c)) >= 0)
		bd_head(t, y);
	if (n == 0 && (y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 3);
		pen_put(&p, P_DIM,
		    t->filter[0] ? "none matches the filter" : "none yet");
	}
	for (i = 0; i < n; i++)
		if ((y = cv_next(c)) >= 0)
			bd_line_draw(t, y, &lines[i], (int)i == sel);
	if (left_out > 0 && (y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_printf(&p, P_DIM,
		    "(%" PRIu64 " keys left out: more than the %d kept; a "
		    "key that took another's place counts from then)",
		    left_out, TOPN_SLOTS);
	}
	if (t->bd_table == BT_SERVERS)
		attempts_lines(t, s->st, c);
}

/* The rows now, from the store the last frame showed (a key's action
 * comes between frames). */
static size_t
bd_lines_now(struct tui *t, struct bd_line *out)
{
	if (t->shown_st == NULL)
		return 0;
	return bd_lines(t, t->shown_st, out, NULL);
}

/* The next column to order by (step 1 or -1), past those the table
 * does not show. */
static void
bd_sort_step(struct tui *t, int step)
{
	unsigned *by = &t->sort[t->view];

	do
		*by = (*by + BC_COLS + (unsigned)step) % BC_COLS;
	while (!bd_col_shown(t->bd_table, bd_by(t)));
	t->scroll[t->view] = 0;
	t->bd_sel = 0;
}

/* Up, Down...: the selection; s > F6 and <: the column ordered by; b:
 * the next table; Enter: the sessions of the selected row. */
bool
servers_act(struct tui *t, enum act a, int delta)
{
	static struct bd_line lines[TOPN_SLOTS];
	size_t n;

	if (delta != 0) {
		if (delta < 0 && t->bd_sel < -delta)
			t->bd_sel = 0;
		else if (delta > 0 && t->bd_sel > INT32_MAX / 2 - delta)
			t->bd_sel = INT32_MAX / 2;
		else
			t->bd_sel += delta;
		return true; /* the frame holds it in range */
	}
	switch (a) {
	case ACT_SORT:
	case ACT_SORT_PREV:
		bd_sort_step(t, a == ACT_SORT ? 1 : -1);
		return true;
	case ACT_TABLE:
		t->bd_table = (t->bd_table + 1) % BT_COUNT;
		if (!bd_col_shown(t->bd_table, bd_by(t)))
			t->sort[t->view] = 0; /* by count */
		t->scroll[t->view] = 0;
		t->bd_sel = 0;
		return true;
	case ACT_OPEN:
		n = bd_lines_now(t, lines);
		if (bd_selected(t, n) < 0) {
			tui_notice(t, "no row to open here");
			return true;
		}
		tui_open_sessions_of(t, lines[t->bd_sel].e->key);
		return true;
	default:
		return false;
	}
}

void
servers_title(struct tui *t, char *buf, size_t size)
{
	static struct bd_line lines[TOPN_SLOTS];
	size_t n = bd_lines_now(t, lines);

	snprintf(buf, size, "%s  (%zu %s, by %s)  b: %s",
	    bd_tables[t->bd_table].title, n, n == 1 ? "row" : "rows",
	    tui_views[t->view].sort[t->sort[t->view] % BC_COLS],
	    bd_tables[(t->bd_table + 1) % BT_COUNT].name);
}
