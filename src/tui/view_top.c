/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * View 2, the top tables: servers, clients, the relays messages
 * crossed (message tracking), domains, senders, recipients, rejection
 * reasons, bounce causes, enhanced codes, AUTH failures; two side by
 * side when there is room.
 */
#include <stdlib.h>
#include <string.h>

#include "event/codes.h"
#include "report/format.h"

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
	bool pick; /* its rows name what the filter finds: selectable */
	int first; /* the selection's index of its first row */
};

/* The selection over the selectable rows of the view, as drawn. */
struct top_pick {
	struct tui *t;
	int next;     /* the index the next selectable row gets */
	int sel_line; /* the canvas line of the selected row, -1 */
};

/* A table's rows: those the filter finds (all without one), by count
 * or (s) by name, addresses as numbers. */
static void
top_fetch(const struct tui *t, struct top_table *tt, const char *title,
    const char *unit, const struct topn *tn)
{
	size_t i, k = 0;

	tt->title = title;
	tt->unit = unit;
	tt->keys = TT_PLAIN;
	tt->tn = tn;
	tt->pick = false;
	tt->first = -1;
	tt->n = topn_sorted(tn, tt->e, TOPN_SLOTS);
	for (i = 0; i < tt->n; i++)
		if (filter_matches_key(t, tt->e[i]->key))
			tt->e[k++] = tt->e[i];
	tt->n = k;
	if (t->sort[t->view] == 1)
		qsort(tt->e, tt->n, sizeof(tt->e[0]), topn_by_key);
	if (tt->n > TUI_TOP_ROWS)
		tt->n = TUI_TOP_ROWS;
}

/* Numbers the selectable rows of a table; the selected one's key. */
static void
top_number(struct top_pick *k, struct top_table *tt)
{
	size_t i;

	if (!tt->pick)
		return;
	tt->first = k->next;
	for (i = 0; i < tt->n; i++, k->next++)
		if (k->next == k->t->top_sel)
			snprintf(k->t->top_key, sizeof(k->t->top_key), "%s",
			    tt->e[i]->key);
}

static bool
top_is_selected(const struct top_table *tt, const struct tui *t, int i)
{
	return tt->pick && i >= 0 && tt->first + i == t->top_sel;
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
			pen_put(&p, P_DIM,
			    t->filter[0] ? "   none matches" : "   none yet");
		return;
	}
	e = tt->e[i];
	pen_printf(&p, top_is_selected(tt, t, i) ? P_SELECT : P_NORMAL,
	    "%c%7" PRIu64 " %5.1f%%  ", e->error > 0 ? '~' : ' ', e->count,
	    tt->tn->total ? 100.0 * (double)e->count / (double)tt->tn->total
			  : 0.0);
	pen_wire(
	    &p, top_is_selected(tt, t, i) ? P_SELECT : P_NORMAL, e->key, 0);
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
    const struct top_table *b, struct top_pick *k)
{
	int i, y, rows, half = COLS / 2;

	if (b != NULL && COLS >= 2 * 36) {
		rows = (int)(a->n > b->n ? a->n : b->n);
		if (rows == 0)
			rows = 1;
		for (i = -1; i < rows; i++) {
			if (top_is_selected(a, t, i) ||
			    top_is_selected(b, t, i))
				k->sel_line = c->line;
			if ((y = cv_next(c)) < 0)
				continue;
			top_cell(t, y, 1, half - 2, a, i);
			top_cell(t, y, half + 1, COLS - half - 1, b, i);
		}
		cv_next(c);
		return;
	}
	rows = a->n > 0 ? (int)a->n : 1;
	for (i = -1; i < rows; i++) {
		if (top_is_selected(a, t, i))
			k->sel_line = c->line;
		if ((y = cv_next(c)) >= 0)
			top_cell(t, y, 1, COLS - 1, a, i);
	}
	cv_next(c);
	if (b != NULL)
		top_pair(t, c, b, NULL, k);
}

/* The relay table's columns after the address, each whole or not at
 * all (a narrow terminal loses the last ones). */
enum { RC_HOPS, RC_P50, RC_P99, RC_MAX, RC_DROPPED, RC_QUEUED, RC_COUNT };
static const struct {
	const char *head;
	int w;
} relay_cols[RC_COUNT] = { { "hops", 6 }, { "p50", 7 }, { "p99", 7 },
	{ "max", 7 }, { "dropped", 7 }, { "queued", 6 } };
#define RELAY_ADDR_MAX 39 /* an IPv6 address, written out */
#define RELAY_ADDR_MIN 15 /* an IPv4 one */

static int
relay_addr_width(void)
{
	int w = COLS - 2, i;

	for (i = 0; i < RC_COUNT; i++)
		w -= 1 + relay_cols[i].w;
	return w > RELAY_ADDR_MAX ? RELAY_ADDR_MAX
	    : w < RELAY_ADDR_MIN  ? RELAY_ADDR_MIN
				  : w;
}

/* A row: the address (clipped with a mark), then the columns that fit
 * before the last column of the screen, in base or each in its a[i]. */
static void
relay_cells(const struct tui *t, int y, enum paint base, const char *addr,
    char cell[RC_COUNT][24], const enum paint *a)
{
	struct pen p;
	int w = relay_addr_width(), i;

	pen_at(&p, t, y, 1);
	p.end = 1 + w < COLS ? 1 + w : COLS;
	pen_clipped(&p, base, addr); /* ours: endpoint_addr_str() */
	p.x = 1 + w;
	p.end = COLS;
	for (i = 0; i < RC_COUNT; i++) {
		if (p.x + 1 + relay_cols[i].w > COLS - 1)
			break;
		pen_printf(&p, a != NULL ? a[i] : base, " %*s", relay_cols[i].w,
		    cell[i]);
	}
}

/* A queue time as the latency view writes them; "-" for a relay not
 * timed. */
static void
relay_secs(const struct histo *h, double v, char *buf, size_t size)
{
	if (h == NULL)
		snprintf(buf, size, "-");
	else
		fmt_secs_compact(v, buf, size);
}

static void
relay_line(const struct tui *t, int y, const struct trelay *r, bool selected)
{
	char cell[RC_COUNT][24];
	enum paint a[RC_COUNT] = { P_NORMAL, P_NORMAL, P_NORMAL, P_NORMAL,
		nonzero(r->dropped, P_BAD), nonzero(r->queued, P_WARN) };
	struct quantiles q;

	/* The report's quantiles (histo_quantiles()), in narrow columns. */
	if (r->time != NULL) {
		snprintf(
		    cell[RC_HOPS], sizeof(cell[0]), "%" PRIu64, r->time->n);
		histo_quantiles(r->time, &q);
	} else {
		snprintf(cell[RC_HOPS], sizeof(cell[0]), "-");
		memset(&q, 0, sizeof(q));
	}
	relay_secs(r->time, q.p50, cell[RC_P50], sizeof(cell[0]));
	relay_secs(r->time, q.p99, cell[RC_P99], sizeof(cell[0]));
	relay_secs(r->time, q.max, cell[RC_MAX], sizeof(cell[0]));
	snprintf(cell[RC_DROPPED], sizeof(cell[0]), "%s%" PRIu64,
	    r->dropped_approx ? "~" : "", r->dropped);
	snprintf(cell[RC_QUEUED], sizeof(cell[0]), "%s%" PRIu64,
	    r->queued_approx ? "~" : "", r->queued);
	if (selected) {
		fill_row(t, y, P_SELECT);
		relay_cells(t, y, P_SELECT, r->addr, cell, NULL);
		return;
	}
	relay_cells(t, y, P_NORMAL, r->addr, cell, a);
}

/*
 * The relays messages crossed, from message tracking: each relay's
 * hops (messages it passed on, timed), the time they spent in its queue
 * (p50, p99, max), its recipients dropped and still queued at the end.
 * Sorted by hops (s: by address), the first TUI_TOP_ROWS.
 */
static void
relay_table(const struct tui *t, const struct stats *st, struct canvas *c,
    struct top_pick *k)
{
	static struct trelay rows[TUI_RELAYS_MAX];
	char head[RC_COUNT][24];
	size_t n, i, m, shown;
	struct pen p;
	int y;

	if (!st->tracking)
		return;
	n = relay_rows(st, rows, t->sort[t->view]);
	for (i = m = 0; i < n; i++)
		if (filter_matches_key(t, rows[i].addr))
			rows[m++] = rows[i];
	n = m;
	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_put(&p, P_HEAD, "Relays");
		pen_clipped(&p, P_DIM,
		    "  time in each relay's queue, recipients "
		    "it dropped or still holds");
	}
	if ((y = cv_next(c)) >= 0) {
		for (i = 0; i < RC_COUNT; i++)
			snprintf(
			    head[i], sizeof(head[0]), "%s", relay_cols[i].head);
		relay_cells(t, y, P_DIM, "relay", head, NULL);
	}
	if (n == 0 && (y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 3);
		pen_put(&p, P_DIM, "none yet");
	}
	shown = n > TUI_TOP_ROWS ? TUI_TOP_ROWS : n;
	for (i = 0; i < shown; i++, k->next++) {
		if (k->next == k->t->top_sel) {
			k->sel_line = c->line;
			snprintf(k->t->top_key, sizeof(k->t->top_key), "%s",
			    rows[i].addr);
		}
		if ((y = cv_next(c)) >= 0)
			relay_line(t, y, &rows[i], k->next == t->top_sel);
	}
	if (n > shown && (y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_printf(&p, P_DIM, "(%zu more relays)", n - shown);
	}
	if (st->relays_over > 0 && (y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_printf(&p, P_DIM,
		    "(%" PRIu64 " hops through relays past the %d timed)",
		    st->relays_over, STATS_RELAYS);
	}
	cv_next(c);
}

/* The view once, on canvas c; the selection numbered in *k. */
static void
top_draw(
    struct tui *t, const struct stats *st, struct canvas *c, struct top_pick *k)
{
	static struct top_table tt[10];

	k->t = t;
	k->next = 0;
	k->sel_line = -1;
	t->top_key[0] = '\0';
	top_fetch(t, &tt[0], "Servers", "sessions", &st->servers);
	top_fetch(t, &tt[1], "Clients", "sessions", &st->clients);
	top_fetch(t, &tt[2], "Sender domains", "transactions",
	    &st->by_sender_domain.keys);
	top_fetch(
	    t, &tt[3], "Recipient domains", "RCPTs", &st->by_rcpt_domain.keys);
	top_fetch(t, &tt[4], "Rejection reasons", "4xx and 5xx replies",
	    &st->reject_reasons);
	top_fetch(t, &tt[5], "Senders", "transactions", &st->by_sender.keys);
	top_fetch(t, &tt[6], "Recipients", "RCPTs", &st->by_rcpt.keys);
	top_fetch(t, &tt[7], "Enhanced status codes", "replies", &st->enhanced);
	tt[7].keys = TT_ENHANCED;
	tt[4].keys = TT_REASON;
	top_fetch(t, &tt[8], "AUTH failures by client", "failures",
	    &st->auth_fail_by_client.keys);
	top_fetch(
	    t, &tt[9], "Bounces by cause", "recipients", &st->bounce_causes);
	/* Enter on a row of these lists the sessions it names. */
	tt[0].pick = tt[1].pick = tt[2].pick = tt[3].pick = true;
	tt[5].pick = tt[6].pick = tt[8].pick = true;
	top_number(k, &tt[0]);
	top_number(k, &tt[1]);
	top_pair(t, c, &tt[0], &tt[1], k);
	relay_table(t, st, c, k);
	top_number(k, &tt[2]);
	top_number(k, &tt[3]);
	top_pair(t, c, &tt[2], &tt[3], k);
	top_pair(t, c, &tt[4], NULL, k);
	if (st->tracking)
		top_pair(t, c, &tt[9], NULL, k);
	top_number(k, &tt[5]);
	top_number(k, &tt[6]);
	top_pair(t, c, &tt[5], &tt[6], k);
	/* Alone on their rows: room for the meanings. */
	top_pair(t, c, &tt[7], NULL, k);
	top_number(k, &tt[8]);
	top_pair(t, c, &tt[8], NULL, k);
}

void
view_top(struct tui *t, const struct tui_status *s, struct canvas *c)
{
	struct top_pick k;
	struct canvas dry = *c;

	/* Once out of sight, to find the selected row and keep it in
	 * sight; then drawn. */
	dry.rows = 0;
	top_draw(t, s->st, &dry, &k);
	t->top_rows = k.next;
	if (k.next > 0 && t->top_sel >= k.next) {
		t->top_sel = k.next - 1;
		dry = *c;
		dry.rows = 0;
		top_draw(t, s->st, &dry, &k);
	}
	if (k.sel_line >= 0 && k.sel_line < c->scroll)
		c->scroll = k.sel_line > 1 ? k.sel_line - 1 : 0;
	if (k.sel_line >= 0 && k.sel_line >= c->scroll + c->rows)
		c->scroll = k.sel_line - c->rows + 1;
	top_draw(t, s->st, c, &k);
}

/* The rows as they are now (the keys of this tick may have changed
 * the view since the last frame), from the store it showed: how many
 * are selectable, the selected one's key. */
static void
top_rows_now(struct tui *t)
{
	struct top_pick k;
	struct canvas dry = { 0, 0, 0, 0 };

	t->top_key[0] = '\0';
	if (t->shown_st == NULL)
		return;
	top_draw(t, t->shown_st, &dry, &k);
	t->top_rows = k.next;
}

/* Up, Down...: the selection; Enter: the session list, filtered by the
 * selected row's key. */
bool
top_act(struct tui *t, enum act a, int delta)
{
	if (delta != 0) {
		top_rows_now(t);
		if (delta < 0 && t->top_sel < -delta)
			t->top_sel = 0;
		else if (delta > 0 && t->top_sel + delta >= t->top_rows)
			t->top_sel = t->top_rows > 0 ? t->top_rows - 1 : 0;
		else
			t->top_sel += delta;
		return true;
	}
	if (a != ACT_OPEN)
		return false;
	top_rows_now(t);
	if (t->top_key[0] == '\0') {
		tui_notice(t, "no row to open here");
		return true;
	}
	tui_open_sessions_of(t, t->top_key);
	return true;
}

void
top_title(struct tui *t, char *buf, size_t size)
{
	snprintf(buf, size, "Top tables  (%s)  %s",
	    tui_views[t->view].sort[t->sort[t->view]],
	    t->filter[0] ? "rows that match" : "Enter: the sessions of a row");
}
