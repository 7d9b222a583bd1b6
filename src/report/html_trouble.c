/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HTML report's tables of who, where and when (issue 16): the
 * outcome split by server, client and domain, sortable by any column
 * without a script (the page runs none: its Content-Security-Policy):
 * one radio button a column, and each row's place for each column
 * (computed here) in a CSS custom property that the checked button's
 * rule gives to `order`; the refusal reasons with who is behind them;
 * the AUTH users and failing clients; the per-day and per-hour tables.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "report/html.h"
#include "report/timetab.h"

/* From BDC_COUNT on, in the order of enum bd_value (sinks/breakdown.h). */
enum bd_col {
	BDC_KEY,
	BDC_COUNT,
	BDC_ACC,
	BDC_REJ,
	BDC_TMPF,
	BDC_LOST,
	BDC_BYTES,
	BDC_P50,
	BDC_P99,
	BDC_TLS,
	BD_COLS
};
_Static_assert(BDC_TLS - BDC_COUNT == BDV_TLS, "columns as enum bd_value");

static const char *const col_name[BD_COLS] = { "", "", "Accepted", "Rejected",
	"Tempfail", "Lost", "Bytes", "Final p50", "Final p99", "TLS" };

struct bd_view {
	const struct topn_entry *e;
	const struct bd_row *r;
	double v[BD_COLS];
	unsigned char addr[17]; /* family byte + address, for sorting */
	bool is_addr;
	size_t rank[BD_COLS];
};

static int sort_col;

/* Addresses as addresses (10.0.0.9 before 10.0.0.10), else as text. */
static int
key_cmp(const struct bd_view *a, const struct bd_view *b)
{
	if (a->is_addr && b->is_addr)
		return memcmp(a->addr, b->addr, sizeof(a->addr));
	if (a->is_addr != b->is_addr)
		return a->is_addr ? -1 : 1;
	return strcmp(a->e->key, b->e->key);
}

static int
by_col(const void *x, const void *y)
{
	const struct bd_view *a = *(const struct bd_view *const *)x;
	const struct bd_view *b = *(const struct bd_view *const *)y;

	if (sort_col != BDC_KEY && a->v[sort_col] != b->v[sort_col])
		return a->v[sort_col] > b->v[sort_col] ? -1 : 1;
	return key_cmp(a, b);
}

static void
view_fill(
    struct bd_view *w, const struct bd_table *t, const struct topn_entry *e)
{
	double v[BDV_COUNT_OF];
	int c;

	memset(w, 0, sizeof(*w));
	w->e = e;
	w->r = bd_row_of(t, e);
	if (inet_pton(AF_INET, e->key, w->addr + 13) == 1) {
		w->addr[0] = 4;
		w->is_addr = true;
	} else if (inet_pton(AF_INET6, e->key, w->addr + 1) == 1) {
		w->addr[0] = 6;
		w->is_addr = true;
	}
	/* The columns from the count on are the store's values, in their
	 * order. */
	bd_row_values(w->r, v);
	for (c = BDC_COUNT; c < BD_COLS; c++)
		w->v[c] = v[c - BDC_COUNT];
}

static void
bd_cells(struct html *h, const struct bd_view *w, int ncols)
{
	const struct bd_row *r = w->r;
	struct quantiles q;

	put(h, "<td class=\"key\">");
	html_put_wire(h, w->e->key);
	putf(h,
	    "</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
	    "<td class=\"n\">%s</td><td class=\"n\">%s</td>"
	    "<td class=\"n\">%s</td>",
	    fmt_num(r->count).s, fmt_num(r->accepted).s, fmt_num(r->rejected).s,
	    fmt_num(r->tempfail).s, fmt_num(r->lost).s);
	putf(h, "<td class=\"n\">%s</td>", fmt_bytes_html((double)r->bytes).s);
	if (r->final_latency.n > 0) {
		histo_quantiles(&r->final_latency, &q);
		putf(h, "<td class=\"n\">%s</td>", fmt_secs_html(q.p50).s);
		putf(h, "<td class=\"n\">%s</td>", fmt_secs_html(q.p99).s);
	} else
		put(h,
		    "<td class=\"n\">&ndash;</td><td class=\"n\">&ndash;"
		    "</td>");
	if (ncols == BD_COLS) {
		if (r->sessions > 0)
			putf(h, "<td class=\"n\">%s</td>",
			    fmt_pct(r->tls, r->sessions).s);
		else
			put(h, "<td class=\"n\">&ndash;</td>");
	}
}

/* One table of the outcome split, sortable by each column. */
static void
bd_html(struct html *h, const char *id, const char *title, const char *keyname,
    const char *unit, const struct bd_table *t, bool sessions)
{
	const struct topn_entry *e[TOPN_SLOTS];
	struct bd_view *v, **by;
	size_t n = topn_sorted(&t->keys, e, TOPN_SLOTS), i;
	int c, ncols = sessions ? BD_COLS : BD_COLS - 1;

	putf(h, "<div id=\"bd-%s\">\n<h3>%s</h3>\n", id, title);
	if (n == 0) {
		put(h, "<p class=\"none\">None seen.</p>\n</div>\n");
		return;
	}
	v = xcalloc(n, sizeof(*v));
	by = xcalloc(n, sizeof(*by));
	for (i = 0; i < n; i++) {
		view_fill(&v[i], t, e[i]);
		by[i] = &v[i];
	}
	for (c = 0; c < ncols; c++) {
		sort_col = c;
		qsort(by, n, sizeof(*by), by_col);
		for (i = 0; i < n; i++)
			by[i]->rank[c] = i;
	}
	putf(h, "<div class=\"sortable c%d\">\n", ncols);
	for (c = 0; c < ncols; c++)
		putf(h,
		    "<input type=\"radio\" name=\"sort-%s\" id=\"sort-%s-%d\""
		    "%s>",
		    id, id, c, c == BDC_COUNT ? " checked" : "");
	putf(h, "\n<table class=\"bd\" id=\"table-bd-%s\">\n<thead><tr>", id);
	for (c = 0; c < ncols; c++)
		putf(h,
		    "<th%s><label for=\"sort-%s-%d\" title=\"sort by this "
		    "column\">%s</label></th>",
		    c == BDC_KEY ? "" : " class=\"n\"", id, c,
		    c == BDC_KEY         ? keyname
			: c == BDC_COUNT ? unit
					 : col_name[c]);
	put(h, "</tr></thead>\n<tbody>\n");
	for (i = 0; i < n; i++) {
		put(h, "<tr style=\"");
		for (c = 0; c < ncols; c++)
			putf(h, "--o%d:%zu;", c, v[i].rank[c]);
		put(h, "\">");
		bd_cells(h, &v[i], ncols);
		put(h, "</tr>\n");
	}
	put(h, "</tbody></table>\n</div>\n<p class=\"note\">");
	put(h, "Click a column's name to sort by it. ");
	if (t->keys.replaced > 0)
		putf(h,
		    "<span class=\"left-out\">%s keys left out</span>: more "
		    "were seen than the %d kept; a key that took another's "
		    "place counts from then. ",
		    fmt_num(t->keys.replaced).s, TOPN_SLOTS);
	put(h, "</p>\n</div>\n");
	free(by);
	free(v);
}

/* Connections to a mail port that made no session (net/attempts.c), by
 * server and port. */
static void
attempts_html(struct html *h)
{
	const struct stats *st = h->st;
	const struct topn_entry *e[TOPN_SLOTS];
	size_t n = topn_sorted(&st->attempt_servers, e, TOPN_SLOTS), i;
	char t0[32], t1[32];

	put(h,
	    "<div id=\"attempts\">\n<h3>Connections refused or "
	    "unanswered</h3>\n"
	    "<p class=\"note\">SYNs to a mail port that made no session: "
	    "refused (the server answered with RST: nothing listens, or a "
	    "firewall rejects), or unanswered (no SYN-ACK and no RST in the "
	    "time the capture saw). The client logs them as refused or "
	    "timed out and defers its mail.</p>\n");
	if (n == 0) {
		put(h, "<p class=\"none\">None seen.</p>\n</div>\n");
		return;
	}
	putf(h,
	    "<p>Refused <span class=\"n\">%s</span>, unanswered <span "
	    "class=\"n\">%s</span>.</p>\n",
	    fmt_num(st->attempts[SMTP_ATTEMPT_REFUSED]).s,
	    fmt_num(st->attempts[SMTP_ATTEMPT_UNANSWERED]).s);
	put(h,
	    "<table id=\"table-attempts\"><thead><tr><th>Server</th><th "
	    "class=\"n\">Refused</th><th "
	    "class=\"n\">Unanswered</th><th class=\"n\">SYNs</th>"
	    "<th>First</th><th>Last</th><th>Last client</th></tr></thead>\n"
	    "<tbody>\n");
	for (i = 0; i < n; i++) {
		const struct stats_attempt_row *r =
		    &st->attempt_row[e[i] - st->attempt_servers.e];

		time_label(r->first, h->ri->localtime, true, t0, sizeof(t0));
		time_label(r->last, h->ri->localtime, true, t1, sizeof(t1));
		put(h, "<tr><td class=\"key\">");
		html_put_wire(h, e[i]->key);
		putf(h,
		    "</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
		    "<td class=\"n\">%s</td><td>%s</td><td>%s</td>"
		    "<td class=\"key\">",
		    fmt_num(r->result[SMTP_ATTEMPT_REFUSED]).s,
		    fmt_num(r->result[SMTP_ATTEMPT_UNANSWERED]).s,
		    fmt_num(r->syns).s, t0, t1);
		html_put_wire(h, r->last_client);
		put(h, "</td></tr>\n");
	}
	put(h, "</tbody></table>\n");
	if (st->attempt_servers.replaced > 0)
		putf(h,
		    "<p class=\"note\"><span class=\"left-out\">%s servers "
		    "left out</span>: more than the %d kept.</p>\n",
		    fmt_num(st->attempt_servers.replaced).s, TOPN_SLOTS);
	put(h, "</div>\n");
}

void
html_breakdown(struct html *h)
{
	const struct stats *st = h->st;

	put(h,
	    "<section id=\"by-key\">\n"
	    "<h2>By server, client, domain and address</h2>\n"
	    "<p class=\"note\">Transactions (recipients, for recipient "
	    "domains) by outcome; the final reply's latency (end of data to "
	    "the reply); the share of sessions that went to TLS (what "
	    "follows STARTTLS is not seen: the domains' have none).</p>\n");
	bd_html(h, "servers", "Servers", "Server", "Transactions",
	    &st->by_server, true);
	bd_html(h, "clients", "Clients", "Client", "Transactions",
	    &st->by_client, true);
	bd_html(h, "sender-domains", "Sender domains", "Domain", "Transactions",
	    &st->by_sender_domain, false);
	bd_html(h, "recipient-domains", "Recipient domains", "Domain",
	    "Recipients", &st->by_rcpt_domain, false);
	bd_html(h, "senders", "Senders", "Address", "Transactions",
	    &st->by_sender, false);
	bd_html(h, "recipients", "Recipients", "Address", "Recipients",
	    &st->by_rcpt, false);
	attempts_html(h);
	put(h, "</section>\n");
}

static void
who_cell(struct html *h, const struct who_top *w)
{
	uint8_t idx[WHO_SLOTS];
	size_t n = who_sorted(w, idx), i;

	put(h, "<td>");
	for (i = 0; i < n; i++) {
		if (i > 0)
			put(h, ", ");
		put(h, "<span class=\"key\">");
		html_put_wire(h, w->key[idx[i]]);
		putf(h, "</span>&nbsp;(%u)", w->count[idx[i]]);
	}
	if (w->replaced > 0)
		putf(h,
		    " <span class=\"left-out\">and others (%u left "
		    "out)</span>",
		    w->replaced);
	put(h, "</td>");
}

void
html_reasons_who(struct html *h)
{
	const struct stats *st = h->st;
	const struct topn *t = &st->reject_reasons;
	const struct topn_entry *e[TOPN_SLOTS];
	size_t n = topn_sorted(t, e, TOPN_SLOTS), i;

	put(h,
	    "<div id=\"reasons-who\">\n<h3>Reasons with who is behind "
	    "them</h3>\n");
	if (n == 0) {
		put(h, "<p class=\"none\">None seen.</p>\n</div>\n");
		return;
	}
	put(h,
	    "<table class=\"who\" id=\"table-reasons-who\"><thead><tr>"
	    "<th>Reason</th><th class=\"n\">Replies</th><th>Clients</th>"
	    "<th>Senders</th><th>Recipient domains</th></tr></thead>\n"
	    "<tbody>\n");
	for (i = 0; i < n; i++) {
		const struct reason_who *rw = &st->reason_who[e[i] - t->e];

		put(h, "<tr><td class=\"key\">");
		html_put_wire(h, e[i]->key);
		putf(h, "</td><td class=\"n\">%s</td>", fmt_num(e[i]->count).s);
		who_cell(h, &rw->who[WHO_CLIENT]);
		who_cell(h, &rw->who[WHO_SENDER]);
		who_cell(h, &rw->who[WHO_RCPT_DOMAIN]);
		put(h, "</tr>\n");
	}
	put(h, "</tbody></table>\n");
	if (t->replaced > 0)
		putf(h,
		    "<p class=\"note\"><span class=\"left-out\">%s reasons "
		    "left out</span>: more than the %d kept.</p>\n",
		    fmt_num(t->replaced).s, TOPN_SLOTS);
	put(h, "</div>\n");
}

static void
auth_html(struct html *h, const char *id, const char *title,
    const char *keyname, const struct auth_table *t, bool users)
{
	const struct topn_entry *e[TOPN_SLOTS];
	size_t n = topn_sorted(&t->keys, e, TOPN_SLOTS), i;
	char a[32], b[32];

	if (n == 0)
		return;
	putf(h,
	    "<div id=\"%s\">\n<h3>%s</h3>\n<table id=\"table-%s\">"
	    "<thead><tr><th>%s</th>",
	    id, title, id, keyname);
	if (users)
		put(h,
		    "<th class=\"n\">Sessions</th><th class=\"n\">Successes"
		    "</th>");
	put(h,
	    "<th class=\"n\">Failures</th><th>First failure</th>"
	    "<th>Last failure</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < n; i++) {
		const struct auth_row *r = auth_row_of(t, e[i]);

		put(h, "<tr><td class=\"key\">");
		html_put_wire(h, e[i]->key);
		put(h, "</td>");
		if (users)
			putf(h,
			    "<td class=\"n\">%s</td><td class=\"n\">%s</td>",
			    fmt_num(r->sessions).s, fmt_num(r->successes).s);
		time_label(r->failures ? r->first : -1, h->ri->localtime, true,
		    a, sizeof(a));
		time_label(r->failures ? r->last : -1, h->ri->localtime, true,
		    b, sizeof(b));
		putf(h, "<td class=\"n\">%s</td><td>%s</td><td>%s</td></tr>\n",
		    fmt_num(r->failures).s, a, b);
	}
	put(h, "</tbody></table>\n");
	if (t->keys.replaced > 0)
		putf(h,
		    "<p class=\"note\"><span class=\"left-out\">%s left "
		    "out</span>: more than the %d kept.</p>\n",
		    fmt_num(t->keys.replaced).s, TOPN_SLOTS);
	put(h, "</div>\n");
}

void
html_auth_users(struct html *h)
{
	auth_html(
	    h, "auth-users", "AUTH by user", "User", &h->st->auth_users, true);
	auth_html(h, "auth-failing", "AUTH failures by client", "Client",
	    &h->st->auth_fail_by_client, false);
}

static void
time_rows(struct html *h, const char *id, const char *first,
    const struct time_row *rows, size_t n)
{
	size_t i;
	int k;

	putf(h, "<table id=\"table-%s\"><thead><tr><th>%s</th>", id, first);
	for (k = 0; k < SERIES_KINDS; k++)
		putf(h, "<th class=\"n\">%s</th>",
		    series_kind_name((enum series_kind)k));
	put(h, "</tr></thead>\n<tbody>\n");
	for (i = 0; i < n; i++) {
		putf(h, "<tr><td>%s</td>", rows[i].label);
		for (k = 0; k < SERIES_KINDS; k++)
			putf(h, "<td class=\"n\">%s</td>",
			    fmt_num(rows[i].n[k]).s);
		put(h, "</tr>\n");
	}
	put(h, "</tbody></table>\n");
}

void
html_time_tables(struct html *h)
{
	const struct timeline *tl = &h->st->timeline;
	struct time_tables tt;
	char a[32], b[32];

	time_tables_build(&tt, h->st, h->ri->localtime);
	put(h,
	    "<section id=\"per-day-hour\">\n<h2>Per day and per hour</h2>"
	    "\n<p class=\"note\">Times in ");
	html_put_wire(h, tt.zone);
	if (tl->width > 0) {
		time_label(
		    (double)tl->start, h->ri->localtime, true, a, sizeof(a));
		time_label((double)(tl->start +
			       (int64_t)timeline_used(tl) * tl->width),
		    h->ri->localtime, true, b, sizeof(b));
		putf(h,
		    ". The whole span, %s to %s, is kept in %d buckets of "
		    "<span id=\"timeline-bucket\">%s</span> s each",
		    a, b, TIMELINE_BUCKETS, fmt_num((uint64_t)tl->width).s);
	}
	put(h, ".</p>\n");
	if (tt.left_out > 0)
		putf(h,
		    "<p class=\"note\"><span class=\"left-out\">%s events "
		    "left out</span> of the hours of the day: more than %d "
		    "hours of traffic. The days are UTC days (%s events "
		    "left out).</p>\n",
		    fmt_num(tt.left_out).s, HOURS_MAX,
		    fmt_num(tt.days_left_out).s);
	put(h, "<div class=\"grid2\">\n<div>\n<h3>Per day</h3>\n");
	time_rows(h, "per-day", "Day", tt.days, tt.ndays);
	put(h, "</div>\n<div>\n<h3>Per hour of the day</h3>\n");
	time_rows(h, "per-hour", "Hour", tt.hours, 24);
	put(h, "</div>\n</div>\n</section>\n");
	time_tables_free(&tt);
}
