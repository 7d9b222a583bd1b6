/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * View 5: latencies, TLS, AUTH, protocol details, the capture's health,
 * the plugins' counters and what the dashboard keeps.
 */
#include <string.h>

#include "report/format.h"
#include "tui/views.h"

static void
latency_row(const struct tui *t, struct canvas *c, const char *name,
    const struct histo *h, bool seconds)
{
	static const double qs[3] = { 0.5, 0.9, 0.99 };
	struct pen p;
	char v[32];
	int y, i;

	if ((y = cv_next(c)) < 0)
		return;
	pen_at(&p, t, y, 3);
	pen_printf(&p, P_NORMAL, "%-14s %8" PRIu64, name, h->n);
	for (i = 0; i < 4; i++) {
		double x = i < 3 ? histo_quantile(h, qs[i]) : h->max;

		if (h->n == 0)
			snprintf(v, sizeof(v), "-");
		else if (seconds)
			fmt_secs_compact(x, v, sizeof(v));
		else
			fmt_bytes_compact(x, v, sizeof(v));
		pen_printf(&p, P_NORMAL, " %10s", v);
	}
}

/* The verbs whose results outside transactions are listed by name. */
static const enum smtp_verb result_verbs[] = { SMTP_VERB_VRFY, SMTP_VERB_EXPN,
	SMTP_VERB_ETRN, SMTP_VERB_ATRN, SMTP_VERB_TURN, SMTP_VERB_HELP,
	SMTP_VERB_NOOP };

/* What the server's-word model adds: refusals inside transactions,
 * assumed effects, role swaps, LMTP, command results. */
static void
protocol_lines(const struct tui *t, const struct stats *st, struct canvas *c)
{
	uint64_t other = 0;
	struct flow f;
	size_t i;
	int v;
	bool listed;

	flow_start(&f, t, c, "Protocol");
	flow_item(&f, nonzero(st->refused_in_tx, P_WARN),
	    "refused in transactions %" PRIu64, st->refused_in_tx);
	flow_item(&f, nonzero(st->assumed, P_WARN), "assumed effects %" PRIu64,
	    st->assumed);
	flow_item(&f, P_NORMAL,
	    "TURN/ATRN sessions %" PRIu64 " (%" PRIu64 " transactions)",
	    st->reversed_sessions, st->reversed);
	flow_item(&f, P_NORMAL, "LMTP sessions %" PRIu64, st->lmtp_sessions);
	flow_item(&f, P_NORMAL, "delivered %" PRIu64, st->lmtp_delivered);
	flow_item(&f, nonzero(st->lmtp_failed, P_WARN), "failed %" PRIu64,
	    st->lmtp_failed);
	flow_start(&f, t, c, "Results");
	for (i = 0; i < ARRAY_LEN(result_verbs); i++)
		flow_item(&f, P_NORMAL, "%s %" PRIu64,
		    smtp_verb_name(result_verbs[i]),
		    st->results[result_verbs[i]]);
	for (v = 0; v < SMTP_VERB_COUNT; v++) {
		listed = false;
		for (i = 0; i < ARRAY_LEN(result_verbs); i++)
			listed = listed || (int)result_verbs[i] == v;
		if (!listed)
			other += st->results[v];
	}
	flow_item(&f, nonzero(other, P_WARN), "out of place %" PRIu64, other);
}

/* The pen at column x of the canvas's next line, if it is in sight. */
static bool
line_at(struct pen *p, const struct tui *t, struct canvas *c, int x)
{
	int y = cv_next(c);

	if (y < 0)
		return false;
	pen_at(p, t, y, x);
	return true;
}

/* The quantiles of each latency, and of the message sizes. */
static void
latency_table(const struct tui *t, const struct stats *st, struct canvas *c)
{
	struct pen p;
	int k;

	if (line_at(&p, t, c, 1))
		pen_printf(&p, P_HEAD, "%-16s %8s %10s %10s %10s %10s",
		    "Latency", "count", "p50", "p90", "p99", "max");
	for (k = 0; k < LAT_KINDS; k++)
		latency_row(t, c, stats_latency_name((enum stats_latency)k),
		    &st->latency[k], true);
	latency_row(t, c, "message size", &st->size, false);
}

/*
 * With a filter: the final-reply and greeting latencies of the store's
 * breakdown rows it finds (view 7's), merged: of the whole run, as the
 * table above, but only of the servers, clients or domains that match.
 */
static void
latency_filtered(struct tui *t, const struct stats *st, struct canvas *c)
{
	const struct bd_table *tb[TBD_TABLES];
	struct tbd_sum sum;
	struct pen p;
	size_t k, shown = 0;

	if (t->filter[0] == '\0')
		return;
	tbd_tables(st, tb);
	for (k = 0; k < TBD_TABLES; k++) {
		bd_matching(t, tb[k], &sum);
		if (sum.keys == 0)
			continue;
		if (line_at(&p, t, c, 1))
			pen_printf(&p, P_HEAD, "Of the %zu %s matching \"%s\"",
			    sum.keys, tbd_table_name[k], t->filter);
		latency_row(t, c, "final reply", &sum.final_latency, true);
		latency_row(t, c, "greeting", &sum.greeting, true);
		shown++;
	}
	if (shown == 0 && line_at(&p, t, c, 1))
		pen_printf(&p, P_DIM,
		    "No server, client or domain matches \"%s\"", t->filter);
}

static void
tls_lines(const struct tui *t, const struct stats *st, struct canvas *c)
{
	struct pen p;
	int k;

	if (line_at(&p, t, c, 1)) {
		pen_put(&p, P_HEAD, "TLS");
		pen_printf(&p, P_NORMAL,
		    "   STARTTLS offered %" PRIu64 "  used %" PRIu64
		    "  implicit (465) %" PRIu64,
		    st->starttls_offered, st->starttls_used, st->implicit_tls);
	}
	if (line_at(&p, t, c, 7)) {
		pen_put(&p, P_NORMAL, "versions:");
		for (k = 0; k < TLSV_KINDS; k++)
			pen_printf(&p,
			    k <= TLSV_11 && st->tls_version[k] ? P_WARN
							       : P_NORMAL,
			    " %s %" PRIu64,
			    stats_tls_version_name((enum stats_tls_version)k),
			    st->tls_version[k]);
	}
}

/* "label: key count key count...", the first of a top table, each key
 * at most w columns. */
static void
top_line(const struct tui *t, struct canvas *c, const char *label,
    const struct topn *tn, int w, enum paint a)
{
	const struct topn_entry *e[8];
	struct pen p;
	size_t n, i;

	if (!line_at(&p, t, c, 7))
		return;
	pen_put(&p, P_NORMAL, label);
	n = topn_sorted(tn, e, ARRAY_LEN(e));
	if (n == 0)
		pen_put(&p, P_DIM, " none");
	for (i = 0; i < n; i++) {
		pen_put(&p, P_NORMAL, " ");
		pen_wire(&p, a, e[i]->key, w);
		pen_printf(&p, P_NORMAL, " %" PRIu64, e[i]->count);
	}
}

static void
auth_lines(const struct tui *t, const struct stats *st, struct canvas *c)
{
	struct pen p;

	if (line_at(&p, t, c, 1)) {
		pen_put(&p, P_HEAD, "AUTH");
		pen_printf(&p, P_NORMAL,
		    "  sessions %" PRIu64 "  success %" PRIu64,
		    st->auth_sessions, st->auth_success);
		pen_printf(&p, st->auth_failures ? P_BAD : P_NORMAL,
		    "  failures %" PRIu64, st->auth_failures);
	}
	top_line(t, c, "mechanisms:", &st->auth_mechs, 24, P_NORMAL);
	top_line(
	    t, c, "failing clients:", &st->auth_fail_by_client.keys, 48, P_BAD);
}

/* The capture's and the reassembly's health. */
static void
capture_lines(const struct tui *t, const struct tui_status *s, struct canvas *c)
{
	const struct reasm_stats *rs = &s->health->rs;
	struct pen p;
	int k;

	if (line_at(&p, t, c, 1)) {
		pen_put(&p, P_HEAD, "Capture");
		pen_printf(&p, P_NORMAL,
		    "  packets %" PRIu64 "  bytes %" PRIu64
		    "  mail TCP %" PRIu64 "  IPv6 %" PRIu64,
		    rs->packets, rs->bytes, rs->tcp_packets, rs->ipv6_packets);
	}
	if (line_at(&p, t, c, 7)) {
		pen_printf(&p, rs->no_handshake ? P_WARN : P_NORMAL,
		    "no handshake %" PRIu64, rs->no_handshake);
		pen_printf(&p,
		    rs->one_sided_client + rs->one_sided_server ? P_WARN
								: P_NORMAL,
		    "  mid-stream %" PRIu64 " (client only %" PRIu64
		    ", server only %" PRIu64 ")",
		    rs->midstream, rs->one_sided_client, rs->one_sided_server);
		pen_printf(&p, rs->gaps ? P_WARN : P_NORMAL,
		    "  gaps %" PRIu64 " (%" PRIu64 " bytes)", rs->gaps,
		    rs->gap_bytes);
		pen_printf(&p, P_NORMAL,
		    "  idle expired %" PRIu64 "  reused %" PRIu64,
		    rs->idle_expired, rs->reused);
	}
	if (line_at(&p, t, c, 7))
		pen_printf(&p, P_NORMAL,
		    "not IP %" PRIu64 "  truncated %" PRIu64
		    "  bad headers %" PRIu64 "  class E %" PRIu64
		    "  IPv6 table full %" PRIu64,
		    rs->not_ip, rs->truncated, rs->bad_header, rs->class_e,
		    rs->v6_table_full);
	if (line_at(&p, t, c, 7)) {
		pen_printf(&p, s->health->cs.pcap_drops ? P_BAD : P_NORMAL,
		    "kernel drops %" PRIu64 "  interface drops %" PRIu64,
		    s->health->cs.pcap_drops, s->health->cs.pcap_ifdrops);
		pen_printf(&p, rs->nids_warnings ? P_WARN : P_NORMAL,
		    "  libnids warnings %" PRIu64, rs->nids_warnings);
		for (k = 0; k < REASM_NIDS_WARN_MAX; k++)
			if (rs->nids_warning[k] > 0 &&
			    health_nids_warning_name(k) != NULL)
				pen_printf(&p, P_WARN, " %s %" PRIu64,
				    health_nids_warning_name(k),
				    rs->nids_warning[k]);
	}
}

static void
anomalies_line(const struct tui *t, const struct stats *st, struct canvas *c)
{
	struct pen p;
	size_t n = 0;
	int k;

	if (!line_at(&p, t, c, 1))
		return;
	pen_put(&p, P_HEAD, "Anomalies");
	for (k = 0; k < SMTP_ANOMALY_COUNT; k++)
		if (st->anomaly[k] > 0) {
			pen_printf(&p, P_WARN, " %s %" PRIu64,
			    smtp_anomaly_name((enum smtp_anomaly)k),
			    st->anomaly[k]);
			n++;
		}
	if (n == 0)
		pen_put(&p, P_DIM, " none");
}

/* Counters the plugins registered: a line per plugin, "name value"
 * pairs, wrapped under it (their help texts are in the reports). */
static void
plugin_lines(const struct tui *t, const struct tui_status *s, struct canvas *c)
{
	const struct report_counter *rc;
	struct flow f;
	char head[80];
	size_t pk;

	for (pk = 0; pk < s->ncounters; pk++) {
		rc = &s->counters[pk];
		if (pk == 0 ||
		    strcmp(rc->plugin, s->counters[pk - 1].plugin) != 0) {
			snprintf(head, sizeof(head), "Plugin %s", rc->plugin);
			flow_start_at(&f, t, c, head, 18);
		}
		flow_item(&f, P_NORMAL, "%s %" PRIu64, rc->name, *rc->value);
	}
}

/* What the dashboard itself keeps, and its limits (--tui-history). */
static void
dashboard_line(const struct tui *t, struct canvas *c)
{
	struct flow f;

	flow_start(&f, t, c, "Dashboard");
	flow_item(&f, P_NORMAL,
	    "keeps %zu sessions (limit %zu, %" PRIu64 " let go)", t->nsess,
	    t->history, t->sessions_evicted);
	flow_item(&f, P_NORMAL, "%u KiB of transcript each",
	    TUI_TRANSCRIPT_MAX >> 10);
	flow_item(&f, P_NORMAL, "%zu KiB of transcripts (at most %u MiB)",
	    t->text_bytes >> 10, TUI_TRANSCRIPT_BUDGET >> 20);
	flow_item(&f, P_NORMAL,
	    "%zu event lines (limit %zu, %" PRIu64 " let go) of %" PRIu64
	    " events",
	    t->ev_n, t->history, t->ev_evicted, t->ev_seen);
}

void
view_latency(struct tui *t, const struct tui_status *s, struct canvas *c)
{
	view_unfiltered_note(t, c, true);
	latency_table(t, s->st, c);
	latency_filtered(t, s->st, c);
	cv_next(c);
	tls_lines(t, s->st, c);
	auth_lines(t, s->st, c);
	cv_next(c);
	protocol_lines(t, s->st, c);
	cv_next(c);
	capture_lines(t, s, c);
	anomalies_line(t, s->st, c);
	plugin_lines(t, s, c);
	dashboard_line(t, c);
}
