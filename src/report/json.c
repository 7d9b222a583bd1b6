/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON report: the text report's figures as one JSON object. Keys
 * are described in docs/report-schema.md.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "event/codes.h"
#include "lib/util.h"
#include "report/format.h"
#include "report/report.h"
#include "report/timetab.h"

#define JSON_TOP_ROWS 20

/* A top-N table; enhanced: its keys are enhanced status codes, each
 * row says what it means. */
static void
top_rows(struct dbuf *b, const char *key, const struct topn *t, bool enhanced)
{
	const struct topn_entry *e[JSON_TOP_ROWS];
	size_t n = topn_sorted(t, e, JSON_TOP_ROWS), i;
	char m[160];

	dbuf_printf(b, ",\"%s\":{\"total\":%" PRIu64 ",\"exact\":%s,\"top\":[",
	    key, t->total, t->replaced ? "false" : "true");
	for (i = 0; i < n; i++) {
		dbuf_adds(b, i ? ",{\"key\":" : "{\"key\":");
		json_append_cstr(b, e[i]->key);
		dbuf_printf(b, ",\"count\":%" PRIu64 ",\"error\":%" PRIu64,
		    e[i]->count, e[i]->error);
		if (enhanced) {
			dbuf_adds(b, ",\"meaning\":");
			if (smtp_enh_meaning(e[i]->key, m, sizeof(m)) != NULL)
				json_append_cstr(b, m);
			else
				dbuf_adds(b, "null");
		}
		dbuf_addc(b, '}');
	}
	dbuf_adds(b, "]}");
}

static void
top(struct dbuf *b, const char *key, const struct topn *t)
{
	top_rows(b, key, t, false);
}

static void
histo(struct dbuf *b, const struct histo *h)
{
	struct quantiles q;

	histo_quantiles(h, &q);
	dbuf_printf(b,
	    "{\"count\":%" PRIu64 ",\"min\":%.6f,\"mean\":%.6f,\"p50\":%.6f,"
	    "\"p90\":%.6f,\"p99\":%.6f,\"max\":%.6f}",
	    h->n, q.min, q.mean, q.p50, q.p90, q.p99, q.max);
}

static void
per_minute(struct dbuf *b, const struct stats *st)
{
	int64_t m, first, last = st->series.last_min;
	int n = 0;

	dbuf_adds(b, ",\"per_minute\":[");
	if (last >= 0) {
		first = st->series.first_min;
		if (first < last - SERIES_MINUTES + 1)
			first = last - SERIES_MINUTES + 1;
		for (m = first; m <= last; m++) {
			dbuf_printf(b,
			    "%s{\"minute\":%" PRId64 ",\"sessions\":%u,"
			    "\"accepted\":%u,\"rejected\":%u,\"tempfail\":%u,"
			    "\"lost\":%u}",
			    n++ ? "," : "", m * 60,
			    series_minute(&st->series, m, SERIES_SESSIONS),
			    series_minute(&st->series, m, SERIES_ACCEPTED),
			    series_minute(&st->series, m, SERIES_REJECTED),
			    series_minute(&st->series, m, SERIES_TEMPFAIL),
			    series_minute(&st->series, m, SERIES_LOST));
		}
	}
	dbuf_addc(b, ']');
}

/* Who wrote the report, on what, and the totals. */
static void
totals(struct dbuf *b, const struct stats *st, const struct report_info *ri)
{
	dbuf_printf(b, "{\"smtpscope\":\"%s\",\"source\":", ri->version);
	json_append_cstr(b, ri->source);
	if (ri->note != NULL) {
		dbuf_adds(b, ",\"note\":");
		json_append_cstr(b, ri->note);
	}
	dbuf_printf(b, ",\"live\":%s,\"first_ts\":%.6f,\"last_ts\":%.6f",
	    ri->live ? "true" : "false", st->first_ts, st->last_ts);
	if (ri->interval_seq > 0)
		dbuf_printf(b,
		    ",\"interval\":{\"seq\":%" PRIu64
		    ",\"start\":%.6f,\"end\":%.6f}",
		    ri->interval_seq, ri->interval_start, ri->interval_end);
	dbuf_printf(b,
	    ",\"sessions\":%" PRIu64 ",\"transactions\":%" PRIu64
	    ",\"messages_accepted\":%" PRIu64
	    ",\"recipients_accepted\":%" PRIu64 ",\"recipients\":%" PRIu64,
	    st->sessions, st->transactions, st->messages_accepted,
	    st->recipients_accepted, st->recipients);
	dbuf_printf(b,
	    ",\"rejects\":%" PRIu64 ",\"tempfails\":%" PRIu64
	    ",\"bounces\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"unknown\":%" PRIu64
	    ",\"unknown_capture_loss\":%" PRIu64 ",\"drops\":%" PRIu64
	    ",\"aborted\":%" PRIu64 ",\"dsn\":%" PRIu64
	    ",\"bytes_accepted\":%" PRIu64,
	    st->outcome[SMTP_OUTCOME_REJECTED],
	    st->outcome[SMTP_OUTCOME_TEMPFAIL], st->bounces,
	    st->outcome[SMTP_OUTCOME_LOST], st->outcome[SMTP_OUTCOME_UNKNOWN],
	    st->loss_capture, st->outcome[SMTP_OUTCOME_DROPPED],
	    st->outcome[SMTP_OUTCOME_ABORTED], st->dsn, st->message_bytes);
	dbuf_printf(b,
	    ",\"model\":{\"assumed\":%" PRIu64
	    ",\"refused_in_transactions\":%" PRIu64
	    ",\"reversed_transactions\":%" PRIu64
	    ",\"reversed_sessions\":%" PRIu64 ",\"lmtp_sessions\":%" PRIu64
	    ",\"lmtp_delivered\":%" PRIu64 ",\"lmtp_failed\":%" PRIu64 "}",
	    st->assumed, st->refused_in_tx, st->reversed, st->reversed_sessions,
	    st->lmtp_sessions, st->lmtp_delivered, st->lmtp_failed);
	dbuf_printf(b,
	    ",\"security\":{\"submission_without_auth\":%" PRIu64
	    ",\"cleartext_auth_sessions\":%" PRIu64 "}",
	    st->submission_no_auth, st->cleartext_auth);
}

static void
reply_codes(struct dbuf *b, const struct stats *st)
{
	int i, first = 1;

	dbuf_adds(b, ",\"reply_codes\":{");
	for (i = 0; i < 600; i++)
		if (st->reply_code[i] > 0) {
			dbuf_printf(b,
			    "%s\"%d\":{\"count\":%" PRIu64 ",\"meaning\":",
			    first ? "" : ",", i, st->reply_code[i]);
			json_append_cstr(
			    b, smtp_reply_meaning(i, SMTP_VERB_UNKNOWN));
			dbuf_addc(b, '}');
			first = 0;
		}
	dbuf_addc(b, '}');
}

/* A count per verb, the verbs never seen left out. */
static void
verb_counts(struct dbuf *b, const char *key, const uint64_t *count)
{
	int i, first = 1;

	dbuf_printf(b, ",\"%s\":{", key);
	for (i = 0; i < SMTP_VERB_COUNT; i++)
		if (count[i] > 0) {
			dbuf_printf(b, "%s\"%s\":%" PRIu64, first ? "" : ",",
			    smtp_verb_name((enum smtp_verb)i), count[i]);
			first = 0;
		}
	dbuf_addc(b, '}');
}

static void
tops(struct dbuf *b, const struct stats *st)
{
	top_rows(b, "enhanced_codes", &st->enhanced, true);
	top(b, "servers", &st->servers);
	top(b, "clients", &st->clients);
	top(b, "senders", &st->by_sender.keys);
	top(b, "recipients_top", &st->by_rcpt.keys);
	top(b, "sender_domains", &st->by_sender_domain.keys);
	top(b, "recipient_domains", &st->by_rcpt_domain.keys);
	top(b, "reject_reasons", &st->reject_reasons);
}

/* Every key a table keeps, highest first. */
static size_t
kept(const struct topn *t, const struct topn_entry **e)
{
	return topn_sorted(t, e, TOPN_SLOTS);
}

static void
auth_table(struct dbuf *b, const char *name, const char *what,
    const struct auth_table *t)
{
	const struct topn_entry *e[TOPN_SLOTS];
	size_t n = kept(&t->keys, e), i;

	dbuf_printf(b,
	    ",\"%s\":{\"total\":%" PRIu64 ",\"exact\":%s,\"left_out\":%" PRIu64
	    ",\"rows\":[",
	    name, t->keys.total, t->keys.replaced ? "false" : "true",
	    t->keys.replaced);
	for (i = 0; i < n; i++) {
		const struct auth_row *r = auth_row_of(t, e[i]);

		dbuf_printf(b, "%s{\"%s\":", i ? "," : "", what);
		json_append_cstr(b, e[i]->key);
		dbuf_printf(b,
		    ",\"error\":%" PRIu64 ",\"sessions\":%" PRIu64
		    ",\"successes\":%" PRIu64 ",\"failures\":%" PRIu64,
		    e[i]->error, r->sessions, r->successes, r->failures);
		if (r->failures > 0)
			dbuf_printf(b, ",\"first\":%.6f,\"last\":%.6f",
			    r->first, r->last);
		else
			dbuf_adds(b, ",\"first\":null,\"last\":null");
		dbuf_addc(b, '}');
	}
	dbuf_adds(b, "]}");
}

/* The outcome split of one table. */
static void
bd_table(struct dbuf *b, const char *name, const struct bd_table *t,
    const char *unit, bool sessions)
{
	const struct topn_entry *e[TOPN_SLOTS];
	size_t n = kept(&t->keys, e), i;
	struct quantiles q;

	dbuf_printf(b,
	    "\"%s\":{\"unit\":\"%s\",\"exact\":%s,\"left_out\":%" PRIu64
	    ",\"rows\":[",
	    name, unit, t->keys.replaced ? "false" : "true", t->keys.replaced);
	for (i = 0; i < n; i++) {
		const struct bd_row *r = bd_row_of(t, e[i]);

		histo_quantiles(&r->final_latency, &q);
		dbuf_adds(b, i ? ",{\"key\":" : "{\"key\":");
		json_append_cstr(b, e[i]->key);
		dbuf_printf(b,
		    ",\"error\":%" PRIu64 ",\"count\":%" PRIu64
		    ",\"accepted\":%" PRIu64 ",\"rejected\":%" PRIu64
		    ",\"tempfail\":%" PRIu64 ",\"lost\":%" PRIu64
		    ",\"bytes\":%" PRIu64,
		    e[i]->error, r->count, r->accepted, r->rejected,
		    r->tempfail, r->lost, r->bytes);
		if (r->final_latency.n > 0)
			dbuf_printf(b,
			    ",\"final_latency\":{\"count\":%" PRIu64
			    ",\"p50\":%.6f,\"p99\":%.6f}",
			    r->final_latency.n, q.p50, q.p99);
		else
			dbuf_adds(b, ",\"final_latency\":null");
		if (sessions && r->greeting.n > 0) {
			histo_quantiles(&r->greeting, &q);
			dbuf_printf(b,
			    ",\"greeting_latency\":{\"count\":%" PRIu64
			    ",\"p50\":%.6f,\"p99\":%.6f}",
			    r->greeting.n, q.p50, q.p99);
		} else
			dbuf_adds(b, ",\"greeting_latency\":null");
		if (sessions)
			dbuf_printf(b,
			    ",\"sessions\":%" PRIu64 ",\"tls\":%" PRIu64 "}",
			    r->sessions, r->tls);
		else
			dbuf_adds(b, ",\"sessions\":null,\"tls\":null}");
	}
	dbuf_adds(b, "]}");
}

static void
breakdown(struct dbuf *b, const struct stats *st)
{
	dbuf_adds(b, ",\"breakdown\":{");
	bd_table(b, "servers", &st->by_server, "transactions", true);
	dbuf_addc(b, ',');
	bd_table(b, "clients", &st->by_client, "transactions", true);
	dbuf_addc(b, ',');
	bd_table(
	    b, "sender_domains", &st->by_sender_domain, "transactions", false);
	dbuf_addc(b, ',');
	bd_table(
	    b, "recipient_domains", &st->by_rcpt_domain, "recipients", false);
	dbuf_addc(b, ',');
	bd_table(b, "senders", &st->by_sender, "transactions", false);
	dbuf_addc(b, ',');
	bd_table(b, "recipients", &st->by_rcpt, "recipients", false);
	dbuf_addc(b, '}');
}

/* "attempts": connections to a mail port that made no session, by
 * server and port (net/attempts.c). */
static void
attempts(struct dbuf *b, const struct stats *st)
{
	const struct topn_entry *e[TOPN_SLOTS];
	size_t n = kept(&st->attempt_servers, e), i;

	dbuf_printf(b,
	    ",\"attempts\":{\"refused\":%" PRIu64 ",\"unanswered\":%" PRIu64
	    ",\"exact\":%s,\"left_out\":%" PRIu64 ",\"servers\":[",
	    st->attempts[SMTP_ATTEMPT_REFUSED],
	    st->attempts[SMTP_ATTEMPT_UNANSWERED],
	    st->attempt_servers.replaced ? "false" : "true",
	    st->attempt_servers.replaced);
	for (i = 0; i < n; i++) {
		const struct stats_attempt_row *r =
		    &st->attempt_row[e[i] - st->attempt_servers.e];

		dbuf_adds(b, i ? ",{\"key\":" : "{\"key\":");
		json_append_cstr(b, e[i]->key);
		dbuf_printf(b,
		    ",\"error\":%" PRIu64 ",\"refused\":%" PRIu64
		    ",\"unanswered\":%" PRIu64 ",\"syns\":%" PRIu64
		    ",\"first\":%.6f,\"last\":%.6f,\"last_client\":",
		    e[i]->error, r->result[SMTP_ATTEMPT_REFUSED],
		    r->result[SMTP_ATTEMPT_UNANSWERED], r->syns, r->first,
		    r->last);
		json_append_cstr(b, r->last_client);
		dbuf_addc(b, '}');
	}
	dbuf_adds(b, "]}");
}

static void
who_json(struct dbuf *b, enum who_kind k, const struct who_top *w)
{
	uint8_t idx[WHO_SLOTS];
	size_t n = who_sorted(w, idx), i;

	dbuf_printf(b,
	    ",\"%s\":{\"total\":%u,\"exact\":%s,\"left_out\":%u,"
	    "\"top\":[",
	    who_kind_name(k), w->total, w->replaced ? "false" : "true",
	    w->replaced);
	for (i = 0; i < n; i++) {
		dbuf_adds(b, i ? ",{\"key\":" : "{\"key\":");
		json_append_cstr(b, w->key[idx[i]]);
		dbuf_printf(b, ",\"count\":%u,\"error\":%u}", w->count[idx[i]],
		    w->error[idx[i]]);
	}
	dbuf_adds(b, "]}");
}

/* Each refusal reason with who is behind it. */
static void
reasons(struct dbuf *b, const struct stats *st)
{
	const struct topn_entry *e[TOPN_SLOTS];
	const struct topn *t = &st->reject_reasons;
	size_t n = kept(t, e), i;
	int k;

	dbuf_printf(b,
	    ",\"reasons\":{\"total\":%" PRIu64 ",\"exact\":%s,"
	    "\"left_out\":%" PRIu64 ",\"rows\":[",
	    t->total, t->replaced ? "false" : "true", t->replaced);
	for (i = 0; i < n; i++) {
		const struct reason_who *rw = &st->reason_who[e[i] - t->e];

		dbuf_adds(b, i ? ",{\"reason\":" : "{\"reason\":");
		json_append_cstr(b, e[i]->key);
		dbuf_printf(b, ",\"count\":%" PRIu64 ",\"error\":%" PRIu64,
		    e[i]->count, e[i]->error);
		for (k = 0; k < WHO_KINDS; k++)
			who_json(b, (enum who_kind)k, &rw->who[k]);
		dbuf_addc(b, '}');
	}
	dbuf_adds(b, "]}");
}

static void
time_counts(struct dbuf *b, const uint64_t *n)
{
	int k;

	for (k = 0; k < SERIES_KINDS; k++)
		dbuf_printf(b, ",\"%s\":%" PRIu64,
		    series_kind_name((enum series_kind)k), n[k]);
}

/* Per day, per hour of the day, and the whole span. */
static void
time_tables(struct dbuf *b, const struct stats *st, bool local)
{
	const struct timeline *tl = &st->timeline;
	struct time_tables tt;
	uint64_t n[SERIES_KINDS];
	int i, used = timeline_used(tl), k;
	size_t d;

	time_tables_build(&tt, st, local);
	dbuf_adds(b, ",\"time\":{\"zone\":");
	json_append_cstr(b, tt.zone);
	dbuf_printf(b,
	    ",\"left_out\":%" PRIu64 ",\"per_day_utc\":%s"
	    ",\"per_day_left_out\":%" PRIu64 ",\"per_day\":[",
	    tt.left_out, tt.days_utc ? "true" : "false", tt.days_left_out);
	for (d = 0; d < tt.ndays; d++) {
		dbuf_printf(
		    b, "%s{\"day\":\"%s\"", d ? "," : "", tt.days[d].label);
		time_counts(b, tt.days[d].n);
		dbuf_addc(b, '}');
	}
	dbuf_adds(b, "],\"per_hour\":[");
	for (i = 0; i < 24; i++) {
		dbuf_printf(b, "%s{\"hour\":%d", i ? "," : "", i);
		time_counts(b, tt.hours[i].n);
		dbuf_addc(b, '}');
	}
	dbuf_printf(b,
	    "],\"timeline\":{\"bucket_seconds\":%" PRId64 ",\"start\":%" PRId64
	    ",\"buckets\":[",
	    tl->width, tl->start);
	for (i = 0; i < used; i++) {
		for (k = 0; k < SERIES_KINDS; k++)
			n[k] = tl->b[i][k];
		dbuf_printf(b, "%s{\"start\":%" PRId64, i ? "," : "",
		    tl->start + (int64_t)i * tl->width);
		time_counts(b, n);
		dbuf_addc(b, '}');
	}
	dbuf_adds(b, "]}}");
	time_tables_free(&tt);
}

static void
tls_auth(struct dbuf *b, const struct stats *st)
{
	int i, first = 1;

	dbuf_printf(b,
	    ",\"tls\":{\"starttls_offered\":%" PRIu64
	    ",\"starttls_used\":%" PRIu64 ",\"implicit\":%" PRIu64
	    ",\"versions\":{",
	    st->starttls_offered, st->starttls_used, st->implicit_tls);
	for (i = 0; i < TLSV_KINDS; i++)
		if (st->tls_version[i] > 0) {
			dbuf_printf(b, "%s\"%s\":%" PRIu64, first ? "" : ",",
			    stats_tls_version_name((enum stats_tls_version)i),
			    st->tls_version[i]);
			first = 0;
		}
	dbuf_printf(b,
	    "}},\"auth\":{\"sessions\":%" PRIu64 ",\"successes\":%" PRIu64
	    ",\"failures\":%" PRIu64,
	    st->auth_sessions, st->auth_success, st->auth_failures);
	top(b, "mechanisms", &st->auth_mechs);
	top(b, "failing_clients", &st->auth_fail_by_client.keys);
	auth_table(b, "users", "user", &st->auth_users);
	auth_table(b, "failures_by_client", "client", &st->auth_fail_by_client);
	dbuf_addc(b, '}');
}

static void
latency(struct dbuf *b, const struct stats *st)
{
	int i;

	dbuf_adds(b, ",\"latency\":{");
	for (i = 0; i < LAT_KINDS; i++) {
		dbuf_printf(b, "%s\"%s\":", i ? "," : "",
		    stats_latency_name((enum stats_latency)i));
		histo(b, &st->latency[i]);
	}
	dbuf_adds(b, "},\"message_size\":");
	histo(b, &st->size);
}

static void
capture(struct dbuf *b, const struct report_info *ri)
{
	const struct reasm_stats *rs = &ri->health->rs;

	dbuf_printf(b,
	    ",\"capture\":{\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
	    ",\"tcp_packets\":%" PRIu64 ",\"no_handshake\":%" PRIu64
	    ",\"midstream\":%" PRIu64 ",\"one_sided_client\":%" PRIu64
	    ",\"one_sided_server\":%" PRIu64 ",\"gaps\":%" PRIu64
	    ",\"gap_bytes\":%" PRIu64 ",\"snaplen_cut\":%" PRIu64
	    ",\"snaplen_cut_bytes\":%" PRIu64 ",\"libnids_warnings\":%" PRIu64
	    ",\"max_active_sessions\":%lu"
	    ",\"sessions_evicted\":%" PRIu64
	    ",\"sessions_evicted_memory\":%" PRIu64,
	    rs->packets, rs->bytes, rs->tcp_packets, rs->no_handshake,
	    rs->midstream, rs->one_sided_client, rs->one_sided_server, rs->gaps,
	    rs->gap_bytes, rs->snap_cut, rs->snap_cut_bytes, rs->nids_warnings,
	    rs->active_max, rs->sessions_evicted, rs->sessions_evicted_memory);
	if (rs->bad_checksum > 0)
		dbuf_printf(b, ",\"bad_checksums\":%" PRIu64, rs->bad_checksum);
	if (rs->ip_checksum_fixed > 0)
		dbuf_printf(b, ",\"ip_header_sums_mended\":%" PRIu64,
		    rs->ip_checksum_fixed);
	if (ri->live)
		dbuf_printf(b,
		    ",\"pcap_drops\":%" PRIu64 ",\"pcap_ifdrops\":%" PRIu64,
		    ri->health->cs.pcap_drops, ri->health->cs.pcap_ifdrops);
	else
		dbuf_adds(b, ",\"pcap_drops\":null,\"pcap_ifdrops\":null");
	dbuf_printf(b,
	    ",\"timestamps_replaced\":%" PRIu64 ",\"input_damaged\":%s}",
	    ri->health->cs.timestamps_replaced,
	    ri->health->cs.damaged ? "true" : "false");
}

static void
anomalies(struct dbuf *b, const struct stats *st)
{
	int i;

	dbuf_adds(b, ",\"anomalies\":{");
	for (i = 0; i < SMTP_ANOMALY_COUNT; i++)
		dbuf_printf(b, "%s\"%s\":%" PRIu64, i ? "," : "",
		    smtp_anomaly_name((enum smtp_anomaly)i), st->anomaly[i]);
	dbuf_addc(b, '}');
}

/* Records each output could not write: null for one not in use. */
static void
not_written(struct dbuf *b, const struct report_info *ri)
{
	static const char *const keys[] = { "log", "zeek_log", "transcript" };
	size_t i, j;

	dbuf_adds(b, ",\"not_written\":{");
	for (i = 0; i < ARRAY_LEN(keys); i++) {
		dbuf_printf(b, "%s\"%s\":", i ? "," : "", keys[i]);
		for (j = 0; j < ri->noutputs; j++)
			if (strcmp(ri->outputs[j].key, keys[i]) == 0)
				break;
		if (j < ri->noutputs)
			dbuf_add_u64(b, ri->outputs[j].not_written);
		else
			DBUF_LIT(b, "null");
	}
	dbuf_addc(b, '}');
}

/* The plugins' counters: {"plugin":{"counter":n,...},...} */
static void
plugins(struct dbuf *b, const struct report_info *ri)
{
	size_t k;

	dbuf_adds(b, ",\"plugins\":{");
	for (k = 0; k < ri->ncounters; k++) {
		const struct report_counter *rc = &ri->counters[k];

		if (counter_starts_plugin(ri, k)) {
			dbuf_adds(b, k > 0 ? "}," : "");
			json_append_cstr(b, rc->plugin);
			dbuf_adds(b, ":{");
		} else
			dbuf_addc(b, ',');
		json_append_cstr(b, rc->name);
		dbuf_printf(b, ":%" PRIu64, *rc->value);
	}
	dbuf_adds(b, ri->ncounters > 0 ? "}}" : "}");
}

/* Message tracking; null when it was off. */
static void
tracking(struct dbuf *b, const struct stats *st)
{
	size_t i;

	if (!st->tracking) {
		dbuf_adds(b, ",\"tracking\":null");
		return;
	}
	dbuf_printf(b,
	    ",\"tracking\":{\"messages\":%" PRIu64 ",\"multi_hop\":%" PRIu64
	    ",\"dsn\":%" PRIu64 ",\"dsn_unlinked\":%" PRIu64
	    ",\"evicted\":%" PRIu64 ",\"bounces_linked\":%" PRIu64
	    ",\"bounce_missing\":%" PRIu64 ",\"recipients\":{",
	    st->tracked, st->tracked_multihop, st->tracked_dsn,
	    st->dsn_unlinked, st->tracked_evicted, st->bounces_linked,
	    st->bounce_missing);
	for (i = 0; i < SMTP_FATE_COUNT; i++)
		dbuf_printf(b, "%s\"%s\":%" PRIu64, i ? "," : "",
		    smtp_fate_name((enum smtp_fate)i), st->fate[i]);
	dbuf_adds(b, "},\"relay_time\":");
	histo(b, &st->relay_time);
	dbuf_adds(b, ",\"relays\":[");
	for (i = 0; i < st->nrelay; i++) {
		dbuf_adds(b, i ? ",{\"relay\":" : "{\"relay\":");
		json_append_cstr(b, st->relay[i].addr);
		dbuf_adds(b, ",\"time\":");
		histo(b, &st->relay[i].time);
		dbuf_addc(b, '}');
	}
	dbuf_printf(b, "],\"relays_over\":%" PRIu64, st->relays_over);
	top(b, "drops_by_relay", &st->drop_relays);
	top(b, "queued_by_relay", &st->queued_relays);
	top(b, "bounce_causes", &st->bounce_causes);
	dbuf_addc(b, '}');
}

/* "alerts": by kind, then the last ones kept (null with --no-alerts). */
static void
alerts(struct dbuf *b, const struct stats *st)
{
	static const char *const what[3] = { "raised", "cleared", "active" };
	const uint64_t *n[3] = { st->alerts_raised, st->alerts_cleared,
		st->alerts_active };
	const struct stats_alert *a;
	uint64_t all = 0;
	size_t i, k;

	if (!st->alerting) {
		dbuf_adds(b, ",\"alerts\":null");
		return;
	}
	dbuf_adds(b, ",\"alerts\":{");
	for (k = 0; k < 3; k++) {
		dbuf_printf(b, "%s\"%s\":{", k ? "," : "", what[k]);
		for (i = 0; i < SMTP_ALERT_COUNT; i++)
			dbuf_printf(b, "%s\"%s\":%" PRIu64, i ? "," : "",
			    smtp_alert_kind_name((enum smtp_alert_kind)i),
			    n[k][i]);
		dbuf_addc(b, '}');
	}
	for (i = 0; i < SMTP_ALERT_COUNT; i++)
		all += st->alerts_raised[i] + st->alerts_cleared[i];
	dbuf_printf(
	    b, ",\"left_out\":%" PRIu64 ",\"list\":[", all - st->alert_n);
	for (i = 0; (a = stats_alert_get(st, i)) != NULL; i++) {
		dbuf_printf(b,
		    "%s{\"id\":%" PRIu64 ",\"ts\":%.6f,\"alert\":\"%s\","
		    "\"state\":\"%s\",\"subject\":",
		    i ? "," : "", a->id, a->ts, smtp_alert_kind_name(a->kind),
		    a->raised ? "raised" : "cleared");
		if (a->subject[0] != '\0')
			json_append_cstr(b, a->subject);
		else
			dbuf_adds(b, "null");
		dbuf_printf(b, ",\"value\":%.10g,\"threshold\":%.10g", a->value,
		    a->threshold);
		if (a->latency_limit > 0)
			dbuf_printf(
			    b, ",\"latency_limit\":%.10g", a->latency_limit);
		else
			dbuf_adds(b, ",\"latency_limit\":null");
		dbuf_printf(b, ",\"samples\":%" PRIu64 ",\"window\":%.10g}",
		    a->samples, a->window);
	}
	dbuf_adds(b, "]}");
}

int
report_json(FILE *f, const struct stats *st, const struct report_info *ri)
{
	struct dbuf b;

	dbuf_init(&b, 1u << 24);
	totals(&b, st, ri);
	reply_codes(&b, st);
	verb_counts(&b, "commands", st->commands);
	verb_counts(&b, "command_results", st->results);
	tops(&b, st);
	tracking(&b, st);
	tls_auth(&b, st);
	latency(&b, st);
	per_minute(&b, st);
	breakdown(&b, st);
	attempts(&b, st);
	reasons(&b, st);
	time_tables(&b, st, ri->localtime);
	capture(&b, ri);
	anomalies(&b, st);
	alerts(&b, st);
	not_written(&b, ri);
	plugins(&b, ri);
	dbuf_adds(&b, "}\n");
	fwrite(b.p, 1, b.len, f);
	dbuf_free(&b);
	fflush(f);
	return ferror(f) ? -1 : 0;
}
