/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * View 1, the overview: totals, outcomes, the security counters, the
 * replies by class and the commonest codes, the per-second sparklines
 * and the recent notable events.
 */
#include <time.h>

#include "report/format.h"
#include "tui/views.h"

/* One notable event on one line (the overview): the sender as well
 * only where the screen is wide. */
static void
recent_line(const struct tui *t, int y, const struct tevent *g)
{
	const struct stats_recent *r = &g->r;
	struct pen p;
	char when[16];
	int w;

	pen_at(&p, t, y, 1);
	fmt_clock(t, r->ts, when, sizeof(when));
	pen_printf(&p, P_DIM, "%s ", when);
	pen_printf(&p, recent_paint(r), "%-8.8s",
	    r->kind == RECENT_AUTH_FAILURE ? "authfail"
					   : stats_recent_kind_name(r->kind));
	if (r->code > 0)
		pen_printf(&p, P_NORMAL, " %3d ", r->code);
	else
		pen_put(&p, P_NORMAL, "     ");
	if (g->count > 1)
		pen_printf(&p, P_WARN, "%s%" PRIu64 " ",
		    t->utf8 ? "\u00d7" : "x", g->count);
	w = (COLS - p.x) * 2 / 5;
	if (r->kind == RECENT_ALERT) {
		pen_printf(&p, P_NORMAL, "%s %s ", r->from, r->rcpt);
		pen_wire(&p, P_NORMAL,
		    r->client[0] != '\0' ? r->client : r->server, 0);
		return;
	}
	if (r->kind == RECENT_AUTH_FAILURE) {
		pen_put(&p, P_NORMAL, "user ");
		pen_wire(&p, P_NORMAL, r->from, w);
		pen_put(&p, P_NORMAL, " from ");
		pen_wire(&p, P_NORMAL, r->client, 0);
		return;
	}
	if (r->kind == RECENT_CONNECT) { /* no envelope: who, to where */
		pen_wire(&p, P_NORMAL, r->client, 0);
		pen_put(&p, P_DIM, glyph_arrow(t));
		pen_wire(&p, P_NORMAL, r->server, 0);
		pen_put(&p, P_NORMAL, "  ");
		pen_put(&p, P_NORMAL, r->from); /* refused, unanswered */
		return;
	}
	if (COLS >= 120 || r->rcpt[0] == '\0') {
		pen_put(&p, P_NORMAL, "<");
		pen_wire(&p, P_NORMAL, r->from, r->rcpt[0] ? w / 2 : w);
		pen_put(&p, P_NORMAL, ">");
		if (r->rcpt[0] != '\0')
			pen_put(&p, P_DIM, glyph_arrow(t));
	}
	if (r->rcpt[0] != '\0') {
		pen_put(&p, P_NORMAL, "<");
		pen_wire(&p, P_NORMAL, r->rcpt, COLS >= 120 ? w / 2 : w);
		pen_put(&p, P_NORMAL, ">");
	}
	pen_put(&p, P_NORMAL, "  ");
	pen_wire(&p, P_NORMAL, r->text, 0);
}

/* A per-second sparkline of one series, ending at the clock. */
static void
sparkline(const struct tui *t, int y, const char *label, const struct stats *st,
    enum series_kind k, int64_t end, enum paint a)
{
	static const char *const utf8[] = { " ", "\u2581", "\u2582", "\u2583",
		"\u2584", "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char *const ascii[] = { " ", ".", ".", ":", ":", "=", "=",
		"#", "#" };
	struct pen p;
	uint32_t v, max = 0;
	int w, i, level;

	pen_at(&p, t, y, 1);
	pen_printf(&p, P_NORMAL, "%-9s", label);
	w = COLS - p.x - 16;
	if (w > SERIES_SECONDS)
		w = SERIES_SECONDS;
	if (w < 1)
		return;
	for (i = 0; i < w; i++) {
		v = series_second(&st->series, end - w + 1 + i, k);
		if (v > max)
			max = v;
	}
	pen_put(&p, P_DIM, "|");
	for (i = 0; i < w; i++) {
		v = series_second(&st->series, end - w + 1 + i, k);
		level = max == 0 || v == 0 ? 0 : (int)((v * 8 + max - 1) / max);
		pen_put(&p, a, t->utf8 ? utf8[level] : ascii[level]);
	}
	pen_put(&p, P_DIM, "|");
	pen_printf(&p, P_NORMAL, " max %" PRIu32 "/s", max);
}

/* Message tracking: what became of the recipients of the messages
 * settled so far, and the time they spend in relays' queues. */
static void
overview_messages(const struct tui *t, const struct stats *st, struct canvas *c,
    struct flow *f)
{
	const uint64_t *fa = st->fate;
	char p50[16];

	flow_start(f, t, c, "Messages");
	flow_item(f, P_NORMAL, "tracked %" PRIu64 " (%" PRIu64 " multi-hop)",
	    st->tracked, st->tracked_multihop);
	flow_item(f, P_GOOD, "delivered %" PRIu64, fa[SMTP_FATE_DELIVERED]);
	flow_item(f, nonzero(fa[SMTP_FATE_DROPPED], P_BAD),
	    "silently dropped %" PRIu64, fa[SMTP_FATE_DROPPED]);
	flow_item(f, nonzero(fa[SMTP_FATE_QUEUED], P_WARN), "queued %" PRIu64,
	    fa[SMTP_FATE_QUEUED]);
	flow_item(f, nonzero(fa[SMTP_FATE_DEFERRED], P_WARN),
	    "deferred %" PRIu64, fa[SMTP_FATE_DEFERRED]);
	/* Not the fate "bounced" (held by a relay, and only a DSN said it
	 * failed): every recipient a DSN came back for, a refusal on the
	 * wire too, as the report's "bounces linked". */
	flow_item(f, nonzero(st->bounces_linked, P_WARN),
	    "bounces linked %" PRIu64, st->bounces_linked);
	flow_item(f, nonzero(st->bounce_missing, P_FLAG),
	    "no DSN seen %" PRIu64, st->bounce_missing);
	if (st->relay_time.n > 0) {
		fmt_secs_compact(
		    histo_quantile(&st->relay_time, 0.5), p50, sizeof(p50));
		flow_item(f, P_NORMAL, "in relay queues p50 %s", p50);
	}
}

/* Totals, outcomes and the security counters, each a flowing line. */
static void
overview_totals(const struct tui *t, const struct stats *st, struct canvas *c)
{
	const uint64_t *o = st->outcome;
	struct flow f;

	flow_start(&f, t, c, "Totals");
	if (t->filter[0] != '\0')
		flow_item(&f, P_WARN, "(all traffic, unfiltered)");
	flow_item(&f, P_NORMAL, "sessions %" PRIu64, st->sessions);
	flow_item(&f, P_NORMAL, "active %" PRIu64, st->sessions_active);
	flow_item(&f, P_NORMAL, "transactions %" PRIu64, st->transactions);
	/* Alerts, once one was raised: those active stand out. */
	if (st->alerting && stats_alert_get(st, 0) != NULL)
		flow_item(&f, nonzero(stats_alerts_active(st), P_BAD),
		    "alerts active %" PRIu64, stats_alerts_active(st));
	flow_item(&f, P_NORMAL,
	    "recipients %" PRIu64 " of %" PRIu64 " accepted",
	    st->recipients_accepted, st->recipients);
	/* SYNs that made no session, once there is one. */
	if (st->attempts[0] + st->attempts[1] > 0)
		flow_item(&f, P_WARN,
		    "connections refused %" PRIu64 " unanswered %" PRIu64,
		    st->attempts[SMTP_ATTEMPT_REFUSED],
		    st->attempts[SMTP_ATTEMPT_UNANSWERED]);
	/* Lost (cut off) and dropped (accepted, then discarded) apart:
	 * DESIGN.md's words. */
	flow_start(&f, t, c, "Outcomes");
	flow_item(&f, P_GOOD, "accepted %" PRIu64, o[SMTP_OUTCOME_ACCEPTED]);
	flow_item(&f, nonzero(o[SMTP_OUTCOME_REJECTED], P_BAD),
	    "rejected %" PRIu64, o[SMTP_OUTCOME_REJECTED]);
	flow_item(&f, nonzero(o[SMTP_OUTCOME_TEMPFAIL], P_WARN),
	    "tempfail %" PRIu64, o[SMTP_OUTCOME_TEMPFAIL]);
	flow_item(&f, nonzero(o[SMTP_OUTCOME_LOST], P_LOST), "lost %" PRIu64,
	    o[SMTP_OUTCOME_LOST]);
	/* Capture loss is not mail loss: plain, apart from lost. */
	if (o[SMTP_OUTCOME_UNKNOWN] > 0)
		flow_item(&f, P_NORMAL,
		    "unknown %" PRIu64 " (%" PRIu64 " capture loss)",
		    o[SMTP_OUTCOME_UNKNOWN], st->loss_capture);
	flow_item(&f, P_NORMAL, "aborted %" PRIu64, o[SMTP_OUTCOME_ABORTED]);
	flow_item(&f, nonzero(o[SMTP_OUTCOME_DROPPED], P_BAD),
	    st->tracking ? "dropped %" PRIu64
			 : "dropped %" PRIu64 " (tracking off)",
	    o[SMTP_OUTCOME_DROPPED]);
	/* The null sender: no error (DESIGN.md); its outcome is counted
	 * above. */
	flow_item(&f, P_NORMAL, "bounces %" PRIu64, st->bounces);
	if (st->tracking)
		overview_messages(t, st, c, &f);
	/* What a postmaster must see: a flag colour when not zero. */
	flow_start(&f, t, c, "Security");
	flow_item(&f, nonzero(st->submission_no_auth, P_FLAG),
	    "submission without AUTH %" PRIu64, st->submission_no_auth);
	flow_item(&f, nonzero(st->cleartext_auth, P_FLAG),
	    "clear-text AUTH %" PRIu64, st->cleartext_auth);
	flow_item(&f, nonzero(st->auth_failures, P_BAD),
	    "AUTH failures %" PRIu64, st->auth_failures);
}

/* The replies by class (2xx, 4xx, 5xx), a bar each. */
static void
overview_classes(const struct tui *t, const struct stats *st, struct canvas *c)
{
	uint64_t top = 0;
	struct pen p;
	int y, k;

	for (k = 2; k <= 5; k++)
		if (k != 3 && st->reply_class[k] > top)
			top = st->reply_class[k];
	for (k = 2; k <= 5; k++) {
		if (k == 3)
			continue;
		if ((y = cv_next(c)) < 0)
			continue;
		pen_at(&p, t, y, 1);
		pen_put(&p, P_HEAD, k == 2 ? "Replies   " : "          ");
		pen_printf(
		    &p, P_NORMAL, "%dxx %8" PRIu64 " ", k, st->reply_class[k]);
		p.end = COLS - 1 < p.x + 50 ? COLS - 1 : p.x + 50;
		bar(t, &p,
		    k == 2       ? P_GOOD
			: k == 4 ? P_WARN
				 : P_BAD,
		    p.end - p.x,
		    top > 0 ? (double)st->reply_class[k] / (double)top : 0);
	}
}

/* The commonest reply codes, most first, into best: how many. */
static int
commonest_codes(const struct stats *st, int *best, int max)
{
	int nbest, code, j;

	for (nbest = 0; nbest < max; nbest++) {
		best[nbest] = 0;
		for (code = 100; code < 600; code++) {
			for (j = 0; j < nbest && best[j] != code; j++)
				;
			if (j == nbest &&
			    st->reply_code[code] > st->reply_code[best[nbest]])
				best[nbest] = code;
		}
		if (best[nbest] == 0)
			break;
	}
	return nbest;
}

static void
overview_codes(const struct tui *t, const struct stats *st, struct canvas *c)
{
	struct pen p;
	int y, best[8], nbest, j;

	nbest = commonest_codes(st, best, (int)ARRAY_LEN(best));
	if ((y = cv_next(c)) < 0)
		return;
	pen_at(&p, t, y, 1);
	pen_put(&p, P_HEAD, "Top codes ");
	if (nbest == 0)
		pen_put(&p, P_DIM, "none yet");
	else
		pen_put(&p, P_DIM, "(6: meanings) ");
	for (j = 0; j < nbest; j++)
		pen_printf(&p, code_paint(best[j]), "%d%s%" PRIu64 "  ",
		    best[j], t->utf8 ? " \u00d7" : " x",
		    st->reply_code[best[j]]);
}

/* Messages per second, on the capture's clock (a replay's own time). */
static void
overview_rates(
    const struct tui *t, const struct tui_status *s, struct canvas *c)
{
	const struct stats *st = s->st;
	double now = s->capture_time;
	struct timespec ts;
	struct pen p;
	char when[16], zone[32];
	int64_t clock;
	int y;

	if (s->live) {
		clock_gettime(CLOCK_REALTIME, &ts);
		if ((double)ts.tv_sec > now)
			now = (double)ts.tv_sec;
	}
	clock = (int64_t)now;
	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_put(&p, P_HEAD, "Per second");
		fmt_clock(t, now, when, sizeof(when));
		pen_printf(&p, P_DIM, "  messages, until %s %s%s", when,
		    clock_zone(t, zone, sizeof(zone)),
		    s->live ? "" : " (capture time)");
	}
	if ((y = cv_next(c)) >= 0)
		sparkline(t, y, "accepted", st, SERIES_ACCEPTED, clock, P_GOOD);
	if ((y = cv_next(c)) >= 0)
		sparkline(t, y, "rejected", st, SERIES_REJECTED, clock, P_BAD);
	if ((y = cv_next(c)) >= 0)
		sparkline(t, y, "tempfail", st, SERIES_TEMPFAIL, clock, P_WARN);
	if ((y = cv_next(c)) >= 0)
		sparkline(t, y, "lost", st, SERIES_LOST, clock, P_LOST);
}

/* The recent notable events, a line each (a group: one), newest
 * first. */
static void
overview_recent(struct tui *t, struct canvas *c)
{
	struct pen p;
	size_t n, i;
	int y;

	n = event_list(t, t->evlist, 0);
	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_put(&p, P_HEAD, "Recent events");
		pen_printf(&p, P_DIM, "  %zu lines of %" PRIu64 " events%s", n,
		    t->ev_seen, t->filter[0] ? " (filtered)" : "");
	}
	if (n == 0 && (y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 3);
		pen_put(&p, P_DIM, "none");
	}
	for (i = 0; i < n; i++)
		if ((y = cv_next(c)) >= 0)
			recent_line(t, y, t->evlist[i]);
}

/* With a filter, the store's breakdown rows it finds (view 7's), summed:
 * figures of the whole run, not only of the sessions kept. */
static void
overview_store_rows(struct tui *t, const struct stats *st, struct canvas *c)
{
	const struct bd_table *tb[TBD_TABLES];
	struct tbd_sum sum;
	struct flow f;
	size_t k;

	tbd_tables(st, tb);
	for (k = 0; k < TBD_TABLES; k++) {
		bd_matching(t, tb[k], &sum);
		if (sum.keys == 0)
			continue;
		flow_start(&f, t, c, "Whole run");
		flow_item(&f, P_NORMAL, "%s %zu", tbd_table_name[k], sum.keys);
		flow_item(&f, P_NORMAL, "%s %" PRIu64,
		    k == 3 ? "recipients" : "transactions", sum.count);
		flow_item(&f, P_GOOD, "accepted %" PRIu64, sum.accepted);
		flow_item(&f, nonzero(sum.rejected, P_BAD), "rejected %" PRIu64,
		    sum.rejected);
		flow_item(&f, nonzero(sum.tempfail, P_WARN),
		    "tempfail %" PRIu64, sum.tempfail);
		flow_item(
		    &f, nonzero(sum.lost, P_LOST), "lost %" PRIu64, sum.lost);
	}
}

/*
 * With a filter: what matches among what the dashboard keeps (its
 * sessions and event lines), then the store's rows that match. The
 * totals are the store's, of all the traffic: it keeps sums, not the
 * sessions they were summed from.
 */
static void
overview_filtered(struct tui *t, const struct stats *st, struct canvas *c)
{
	uint64_t tx = 0, o[SMTP_OUTCOME_COUNT] = { 0 }, events = 0;
	const struct tsess *ss;
	size_t n = 0, lines, i;
	struct flow f;
	int k;

	if (t->filter[0] == '\0')
		return;
	for (ss = t->newest; ss != NULL; ss = ss->older) {
		if (!sess_matches(t, ss))
			continue;
		n++;
		tx += ss->transactions;
		for (k = 0; k < SMTP_OUTCOME_COUNT; k++)
			o[k] += ss->outcome[k];
	}
	lines = event_list(t, t->evlist, 0);
	for (i = 0; i < lines; i++)
		events += t->evlist[i]->count;
	flow_start(&f, t, c, "Filtered");
	flow_item(&f, P_WARN, "\"%s\"", t->filter);
	flow_item(&f, P_NORMAL, "%zu of %zu sessions kept", n, t->nsess);
	flow_item(&f, P_NORMAL, "transactions %" PRIu64, tx);
	flow_item(&f, P_GOOD, "accepted %" PRIu64, o[SMTP_OUTCOME_ACCEPTED]);
	flow_item(&f, nonzero(o[SMTP_OUTCOME_REJECTED], P_BAD),
	    "rejected %" PRIu64, o[SMTP_OUTCOME_REJECTED]);
	flow_item(&f, nonzero(o[SMTP_OUTCOME_TEMPFAIL], P_WARN),
	    "tempfail %" PRIu64, o[SMTP_OUTCOME_TEMPFAIL]);
	flow_item(&f, nonzero(o[SMTP_OUTCOME_LOST], P_LOST), "lost %" PRIu64,
	    o[SMTP_OUTCOME_LOST]);
	flow_item(
	    &f, P_NORMAL, "events %" PRIu64 " in %zu lines", events, lines);
	overview_store_rows(t, st, c);
	cv_next(c);
}

void
view_overview(struct tui *t, const struct tui_status *s, struct canvas *c)
{
	overview_filtered(t, s->st, c);
	overview_totals(t, s->st, c);
	cv_next(c);
	overview_classes(t, s->st, c);
	overview_codes(t, s->st, c);
	cv_next(c);
	overview_rates(t, s, c);
	cv_next(c);
	overview_recent(t, c);
}
