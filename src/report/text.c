/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The text report: sections in the manner of pflogsumm, but from the
 * wire. Aligned for an 80-column terminal; wire text escaped.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "event/codes.h"
#include "lib/util.h"
#include "report/format.h"
#include "report/report.h"
#include "report/timetab.h"

#define TOP_ROWS 10
#define WIDTH 80

static void
section(FILE *f, const char *title)
{
	size_t n = strlen(title);

	fprintf(f, "\n%s\n", title);
	while (n-- > 0)
		fputc('=', f);
	fputc('\n', f);
}

static void
bar(FILE *f, uint64_t v, uint64_t max, int width)
{
	int n = max ? (int)((double)v / (double)max * width + 0.5) : 0;

	if (v > 0 && n == 0)
		n = 1;
	while (n-- > 0)
		fputc('#', f);
}

/* Wire text, escaped and cut to fit a column. */
static void
put_text(FILE *f, const char *s, int width)
{
	struct dbuf b;
	size_t i, cols = 0;

	dbuf_init(&b, 4096);
	text_append_escaped(&b, (const uint8_t *)s, strlen(s));
	dbuf_str(&b);
	if (width <= 0) {
		fwrite(b.p, 1, b.len, f);
		dbuf_free(&b);
		return;
	}
	for (i = 0; i < b.len && (int)cols < width; i++) {
		/* Count columns by UTF-8 lead bytes. */
		if (((uint8_t)b.p[i] & 0xc0) != 0x80)
			cols++;
		if ((int)cols == width && i + 1 < b.len) {
			fputs("~", f);
			break;
		}
		fputc(b.p[i], f);
	}
	dbuf_free(&b);
}

static void
top_table(FILE *f, const char *title, const struct topn *t, const char *what)
{
	const struct topn_entry *e[TOP_ROWS];
	size_t n = topn_sorted(t, e, TOP_ROWS), i;

	section(f, title);
	if (n == 0) {
		fprintf(f, "  none\n");
		return;
	}
	fprintf(f, "  %10s  %6s  %s\n", what, "%", "");
	for (i = 0; i < n; i++) {
		fprintf(f, "  %10" PRIu64 "  %5.1f%%  ", e[i]->count,
		    percent_of(e[i]->count, t->total));
		put_text(f, e[i]->key, WIDTH - 23);
		fputc('\n', f);
	}
	if (t->replaced > 0)
		fprintf(f,
		    "  (counts are at most %" PRIu64
		    " high: more keys than the %d kept)\n",
		    e[n - 1]->error, TOPN_SLOTS);
}

/* Who wrote the report, on what, over which period. */
/* Plain text in lines of at most WIDTH columns, broken at blanks. */
static void
put_wrapped(FILE *f, const char *s)
{
	int n;

	while (*s != '\0') {
		n = (int)strlen(s);
		if (n > WIDTH) {
			for (n = WIDTH; n > 0 && s[n] != ' '; n--)
				;
			if (n == 0)
				n = WIDTH;
		}
		fprintf(f, "%.*s\n", n, s);
		s += n;
		while (*s == ' ')
			s++;
	}
}

static void
title(FILE *f, const struct stats *st, const struct report_info *ri)
{
	fprintf(f, "smtpscope %s report: ", ri->version);
	put_text(f, ri->source, 0);
	fprintf(f, "%s\n", ri->live ? " (live)" : "");
	fprintf(f, "period %s .. %s UTC (%.1f s of traffic)\n",
	    fmt_utc(st->first_ts, TF_FULL).s, fmt_utc(st->last_ts, TF_FULL).s,
	    st->last_ts > st->first_ts ? st->last_ts - st->first_ts : 0.0);
	if (ri->interval_seq > 0)
		fprintf(f, "interval %" PRIu64 ": %s .. %s UTC\n",
		    ri->interval_seq, fmt_utc(ri->interval_start, TF_FULL).s,
		    fmt_utc(ri->interval_end, TF_FULL).s);
	if (ri->note != NULL)
		put_wrapped(f, ri->note);
}

static void
totals(FILE *f, const struct stats *st)
{
	char a[32];

	section(f, "Overview");
	fmt_bytes_text((double)st->message_bytes, a, sizeof(a));
	fprintf(f,
	    "  %-24s %10" PRIu64 "    %-24s %10" PRIu64 "\n"
	    "  %-24s %10" PRIu64 "    %-24s %10" PRIu64 "\n"
	    "  %-24s %10" PRIu64 "    %-24s %10" PRIu64 "\n"
	    "  %-24s %10" PRIu64 "    %-24s %10s\n",
	    "sessions", st->sessions, "transactions", st->transactions,
	    "messages accepted", st->messages_accepted, "recipients accepted",
	    st->recipients_accepted, "bounces (null sender)", st->bounces,
	    "recipients", st->recipients, "DSN reports", st->dsn,
	    "bytes accepted", a);
}

static void
outcomes(FILE *f, const struct stats *st)
{
	uint64_t tx = st->transactions;
	static const struct {
		const char *name;
		enum smtp_outcome o;
	} out[] = {
		{ "accepted", SMTP_OUTCOME_ACCEPTED },
		{ "rejected (5xx)", SMTP_OUTCOME_REJECTED },
		{ "tempfail (4xx)", SMTP_OUTCOME_TEMPFAIL },
		{ "lost", SMTP_OUTCOME_LOST },
		{ "aborted", SMTP_OUTCOME_ABORTED },
		{ "dropped", SMTP_OUTCOME_DROPPED },
		{ "unknown", SMTP_OUTCOME_UNKNOWN },
	};
	uint64_t max = 0;
	size_t i;

	section(f, "Outcomes of transactions");
	for (i = 0; i < ARRAY_LEN(out); i++)
		if (st->outcome[out[i].o] > max)
			max = st->outcome[out[i].o];
	for (i = 0; i < ARRAY_LEN(out); i++) {
		fprintf(f, "  %-16s %10" PRIu64 "  %5.1f%%  ", out[i].name,
		    st->outcome[out[i].o],
		    percent_of(st->outcome[out[i].o], tx));
		bar(f, st->outcome[out[i].o], max, 40);
		fputc('\n', f);
	}
	if (st->loss_capture > 0)
		fprintf(f,
		    "  of the unknown, %" PRIu64 " cut off while the capture "
		    "itself lost bytes or\n  packets (a gap, kernel drops): "
		    "capture loss, not lost mail\n",
		    st->loss_capture);
	fprintf(f,
	    "  (rejected: the sender owes a bounce; tempfail: it retries; "
	    "lost: cut off\n   before the final reply; dropped: accepted "
	    "then discarded, which only\n   tracking across hops shows)\n");
}

/* What the model assumed or set aside, and LMTP's own counts. */
static void
refused(FILE *f, const struct stats *st)
{
	section(f, "What the server refused or the wire did not show");
	fprintf(f,
	    "  %-40s %10" PRIu64 "\n  %-40s %10" PRIu64 "\n"
	    "  %-40s %10" PRIu64 "\n",
	    "commands refused inside transactions", st->refused_in_tx,
	    "transactions with effects assumed", st->assumed,
	    "transactions after TURN/ATRN (reversed)", st->reversed);
	if (st->lmtp_sessions > 0)
		fprintf(f,
		    "  %-40s %10" PRIu64 "\n  %-40s %10" PRIu64
		    "\n  %-40s %10" PRIu64 "\n",
		    "LMTP sessions", st->lmtp_sessions,
		    "LMTP recipients delivered", st->lmtp_delivered,
		    "LMTP recipients not delivered", st->lmtp_failed);
}

static void
overview(FILE *f, const struct stats *st, const struct report_info *ri)
{
	title(f, st, ri);
	totals(f, st);
	outcomes(f, st);
	refused(f, st);
}

/* A meaning from the code table (plain ASCII) on the rest of the line,
 * cut with "..." where it would pass the 80th column (--explain has it
 * whole). */
static void
put_cut(FILE *f, const char *s, int room)
{
	int n = (int)strlen(s);

	if (n <= room)
		fprintf(f, "%s\n", s);
	else
		fprintf(f, "%.*s...\n", room - 3, s);
}

static void
reply_codes(FILE *f, const struct stats *st)
{
	uint64_t max = 0;
	int c;

	section(f, "Reply codes");
	for (c = 200; c < 600; c++)
		if (st->reply_code[c] > max)
			max = st->reply_code[c];
	if (max == 0) {
		fprintf(f, "  none\n");
		return;
	}
	for (c = 200; c < 600; c++) {
		if (st->reply_code[c] == 0)
			continue;
		fprintf(f, "  %3d %10" PRIu64 "  %5.1f%%  ", c,
		    st->reply_code[c],
		    percent_of(st->reply_code[c], st->replies));
		put_cut(
		    f, smtp_reply_meaning(c, SMTP_VERB_UNKNOWN), WIDTH - 26);
	}
}

/* The enhanced status codes with what each means. */
static void
enhanced_codes(FILE *f, const struct stats *st)
{
	const struct topn_entry *e[TOP_ROWS];
	size_t n = topn_sorted(&st->enhanced, e, TOP_ROWS), i;
	char m[160];

	section(f, "Enhanced status codes");
	if (n == 0) {
		fprintf(f, "  none\n");
		return;
	}
	for (i = 0; i < n; i++) {
		fprintf(f, "  %-9s %10" PRIu64 "  ", e[i]->key, e[i]->count);
		/* Keys are codes checked digit by digit (parse.c). */
		put_cut(f,
		    smtp_enh_meaning(e[i]->key, m, sizeof(m)) != NULL ? m : "",
		    WIDTH - 24);
	}
}

static void
tls_auth(FILE *f, const struct stats *st)
{
	int v;

	section(f, "TLS and AUTH");
	fprintf(f,
	    "  %-28s %10" PRIu64 "\n  %-28s %10" PRIu64 "\n  %-28s %10" PRIu64
	    "\n",
	    "STARTTLS offered (sessions)", st->starttls_offered,
	    "STARTTLS used (sessions)", st->starttls_used,
	    "implicit TLS (port 465)", st->implicit_tls);
	for (v = 0; v < TLSV_KINDS; v++)
		if (st->tls_version[v] > 0)
			fprintf(f, "  %-28s %10" PRIu64 "\n",
			    stats_tls_version_name((enum stats_tls_version)v),
			    st->tls_version[v]);
	fprintf(f,
	    "  %-28s %10" PRIu64 "\n  %-28s %10" PRIu64 "\n  %-28s %10" PRIu64
	    "\n",
	    "AUTH sessions", st->auth_sessions, "AUTH successes",
	    st->auth_success, "AUTH failures", st->auth_failures);
	fprintf(f, "  %-28s %10" PRIu64 "%s\n  %-28s %10" PRIu64 "%s\n",
	    "AUTH in clear text", st->cleartext_auth,
	    st->cleartext_auth ? "  (PLAIN/LOGIN passwords without TLS)" : "",
	    "submission without AUTH", st->submission_no_auth,
	    st->submission_no_auth ? "  (587/465 took mail unauthenticated)"
				   : "");
	if (st->auth_mechs.n > 0)
		top_table(f, "AUTH mechanisms", &st->auth_mechs, "sessions");
	if (st->auth_fail_by_client.keys.n > 0)
		top_table(f, "AUTH failures by client",
		    &st->auth_fail_by_client.keys, "failures");
}

static void
latencies(FILE *f, const struct stats *st)
{
	char p50[16], p90[16], p99[16], mx[16];
	struct quantiles q;
	int k;

	section(f, "Latencies (command to reply)");
	fprintf(f, "  %-12s %8s %10s %10s %10s %10s\n", "", "count", "p50",
	    "p90", "p99", "max");
	for (k = 0; k < LAT_KINDS; k++) {
		if (st->latency[k].n == 0)
			continue;
		histo_quantiles(&st->latency[k], &q);
		fmt_secs_text(q.p50, p50, sizeof(p50));
		fmt_secs_text(q.p90, p90, sizeof(p90));
		fmt_secs_text(q.p99, p99, sizeof(p99));
		fmt_secs_text(q.max, mx, sizeof(mx));
		fprintf(f, "  %-12s %8" PRIu64 " %10s %10s %10s %10s\n",
		    stats_latency_name((enum stats_latency)k), st->latency[k].n,
		    p50, p90, p99, mx);
	}
	if (st->size.n > 0) {
		histo_quantiles(&st->size, &q);
		fmt_bytes_text(q.p50, p50, sizeof(p50));
		fmt_bytes_text(q.p90, p90, sizeof(p90));
		fmt_bytes_text(q.p99, p99, sizeof(p99));
		fmt_bytes_text(q.max, mx, sizeof(mx));
		section(f, "Sizes of accepted messages");
		fprintf(f, "  %-12s %8" PRIu64 " %10s %10s %10s %10s\n", "size",
		    st->size.n, p50, p90, p99, mx);
	}
}

/* Replaced timestamps, libnids' warnings by kind, a damaged file,
 * records an output could not write. */
static void
health_troubles(FILE *f, const struct report_info *ri)
{
	const struct reasm_stats *rs = &ri->health->rs;
	int i;
	size_t k;

	if (ri->health->cs.timestamps_replaced > 0)
		fprintf(f, "  %-34s %12" PRIu64 "\n",
		    "timestamps before 1970 or after 9999",
		    ri->health->cs.timestamps_replaced);
	for (i = 1; i < REASM_NIDS_WARN_MAX; i++)
		if (rs->nids_warning[i] > 0 && health_nids_warning_name(i))
			fprintf(f, "    %-32s %12" PRIu64 "\n",
			    health_nids_warning_name(i), rs->nids_warning[i]);
	if (ri->health->cs.damaged)
		fprintf(f,
		    "  the capture file was damaged: figures cover what "
		    "was read before the damage\n");
	/* Records an output could not write (a full disk). */
	for (k = 0; k < ri->noutputs; k++)
		if (ri->outputs[k].not_written > 0) {
			char label[64];

			snprintf(label, sizeof(label), "%s records not written",
			    ri->outputs[k].key);
			fprintf(f, "  %-34s %12" PRIu64 "\n", label,
			    ri->outputs[k].not_written);
		}
}

static void
health(FILE *f, const struct report_info *ri)
{
	const struct reasm_stats *rs = &ri->health->rs;

	section(f, "Capture health");
	fprintf(f,
	    "  %-34s %12" PRIu64 "\n  %-34s %12" PRIu64 "\n"
	    "  %-34s %12" PRIu64 "\n",
	    "packets read", rs->packets, "bytes read", rs->bytes,
	    "packets on mail ports", rs->tcp_packets);
	if (ri->live)
		fprintf(f, "  %-34s %12" PRIu64 "\n  %-34s %12" PRIu64 "\n",
		    "dropped by the kernel", ri->health->cs.pcap_drops,
		    "dropped by the interface", ri->health->cs.pcap_ifdrops);
	fprintf(f,
	    "  %-34s %12" PRIu64 "\n  %-34s %12" PRIu64 "\n"
	    "  %-34s %12" PRIu64 "\n  %-34s %12" PRIu64 "\n"
	    "  %-34s %12lu\n",
	    "connections without handshake", rs->no_handshake,
	    "holes in streams (gaps)", rs->gaps, "bytes never captured",
	    rs->gap_bytes, "libnids warnings", rs->nids_warnings,
	    "most sessions open at once", rs->active_max);
	if (rs->midstream > 0)
		fprintf(f,
		    "  %-34s %12" PRIu64 "\n  %-34s %12" PRIu64
		    "\n  %-34s %12" PRIu64 "\n",
		    "sessions picked up mid-stream", rs->midstream,
		    "of them, only the client's side", rs->one_sided_client,
		    "of them, only the server's side", rs->one_sided_server);
	if (rs->sessions_evicted > 0 || rs->sessions_evicted_memory > 0)
		fprintf(f, "  %-34s %12" PRIu64 "\n  %-34s %12" PRIu64 "\n",
		    "sessions evicted: --max-sessions", rs->sessions_evicted,
		    "sessions evicted: memory budget",
		    rs->sessions_evicted_memory);
	if (rs->snap_cut > 0)
		fprintf(f, "  %-34s %12" PRIu64 "\n  %-34s %12" PRIu64 "\n",
		    "cut by the snap length", rs->snap_cut,
		    "  bytes they lost (gaps)", rs->snap_cut_bytes);
	if (rs->bad_checksum > 0)
		fprintf(f, "  %-34s %12" PRIu64 "\n",
		    "dropped for bad checksums", rs->bad_checksum);
	if (rs->ip_checksum_fixed > 0)
		fprintf(f, "  %-34s %12" PRIu64 "\n",
		    "bad IPv4 header sums passed on", rs->ip_checksum_fixed);
	health_troubles(f, ri);
}

static void
anomalies(FILE *f, const struct stats *st)
{
	int i, any;

	fprintf(f, "  sessions with anomalies:\n");
	for (i = 0, any = 0; i < SMTP_ANOMALY_COUNT; i++)
		if (st->anomaly[i] > 0) {
			any = 1;
			fprintf(f, "    %-32s %12" PRIu64 "\n",
			    smtp_anomaly_name((enum smtp_anomaly)i),
			    st->anomaly[i]);
		}
	if (!any)
		fprintf(f, "    none\n");
}

/* The counters plugins registered, under each plugin's name. */
static void
plugin_counters(FILE *f, const struct report_info *ri)
{
	size_t k;

	if (ri->ncounters == 0)
		return;
	section(f, "Plugins");
	for (k = 0; k < ri->ncounters; k++) {
		const struct report_counter *rc = &ri->counters[k];

		if (counter_starts_plugin(ri, k))
			fprintf(f, "  %s\n", rc->plugin);
		fprintf(f, "    %-32s %12" PRIu64 "  %s\n", rc->name,
		    *rc->value, rc->help);
	}
}

/* Message tracking: fates, silent drops, bounces, time in relays. */
static void
tracking(FILE *f, const struct stats *st)
{
	char p50[16], p99[16], mx[16];
	uint64_t all = 0;
	struct quantiles q;
	size_t i;

	if (!st->tracking)
		return;
	section(f, "Messages across hops");
	for (i = 0; i < SMTP_FATE_COUNT; i++)
		all += st->fate[i];
	fprintf(f,
	    "  %" PRIu64 " messages (%" PRIu64
	    " seen at more than one hop, %" PRIu64 " DSNs), %" PRIu64
	    " recipients\n",
	    st->tracked, st->tracked_multihop, st->tracked_dsn, all);
	for (i = 1; i <= SMTP_FATE_COUNT; i++) {
		size_t k = i % SMTP_FATE_COUNT; /* unknown last */

		fprintf(f, "  %-16s %10" PRIu64 "  %5.1f%%\n",
		    smtp_fate_name((enum smtp_fate)k), st->fate[k],
		    percent_of(st->fate[k], all));
	}
	fprintf(f,
	    "  (dropped: accepted by a relay that passes mail on, never "
	    "passed on;\n   queued: still in a relay's queue at the end; "
	    "bounced: a DSN said it failed)\n");
	fprintf(f,
	    "  bounces linked to what they report %10" PRIu64
	    "\n  refused after a relay took them, no DSN seen %" PRIu64 "\n",
	    st->bounces_linked, st->bounce_missing);
	if (st->dsn_unlinked > 0)
		fprintf(f,
		    "  DSNs that report on no message seen %" PRIu64 "\n",
		    st->dsn_unlinked);
	if (st->tracked_evicted > 0)
		fprintf(f,
		    "  %" PRIu64 " messages settled early: more were followed "
		    "than --track-max\n",
		    st->tracked_evicted);
	if (st->drop_relays.n > 0)
		top_table(
		    f, "Silent drops by relay", &st->drop_relays, "recipients");
	if (st->queued_relays.n > 0)
		top_table(f, "Still queued at the end, by relay",
		    &st->queued_relays, "recipients");
	if (st->bounce_causes.n > 0)
		top_table(
		    f, "Bounces by cause", &st->bounce_causes, "recipients");
	if (st->nrelay == 0)
		return;
	section(f, "Time in each relay's queue");
	fprintf(f, "  %-39s %8s %9s %9s %9s\n", "relay", "hops", "p50", "p99",
	    "max");
	for (i = 0; i < st->nrelay; i++) {
		histo_quantiles(&st->relay[i].time, &q);
		fmt_secs_text(q.p50, p50, sizeof(p50));
		fmt_secs_text(q.p99, p99, sizeof(p99));
		fmt_secs_text(q.max, mx, sizeof(mx));
		fprintf(f, "  %-39s %8" PRIu64 " %9s %9s %9s\n",
		    st->relay[i].addr, st->relay[i].time.n, p50, p99, mx);
	}
	if (st->relays_over > 0)
		fprintf(f,
		    "  (%" PRIu64 " hops through other relays: %d kept)\n",
		    st->relays_over, STATS_RELAYS);
}

/* What a table of TOPN_SLOTS keys did not keep or show. */
static void
kept_note(FILE *f, size_t shown, size_t kept, uint64_t left_out)
{
	if (kept > shown)
		fprintf(f, "  (%zu more in the JSON and HTML reports)\n",
		    kept - shown);
	if (left_out > 0)
		fprintf(f,
		    "  (%" PRIu64 " keys left out: more than the %d kept; a "
		    "key that took another's\n   place counts from then)\n",
		    left_out, TOPN_SLOTS);
}

/* The outcome split by one key. */
static void
bd_text(FILE *f, const char *title, const char *what, const struct bd_table *t,
    bool sessions)
{
	const struct topn_entry *e[TOPN_SLOTS];
	size_t n = topn_sorted(&t->keys, e, TOPN_SLOTS), i;
	char by[24], p50[16], p99[16], tls[8];
	struct quantiles q;

	section(f, title);
	if (n == 0) {
		fprintf(f, "  none\n");
		return;
	}
	fprintf(f, "  %-20s %6s %5s %5s %5s %4s %6s %6s %6s%s\n", "", what,
	    "acc", "rej", "tmpf", "lost", "bytes", "p50", "p99",
	    sessions ? "   tls" : "");
	for (i = 0; i < n && i < TOP_ROWS; i++) {
		const struct bd_row *r = bd_row_of(t, e[i]);

		put_text(f, "  ", 0);
		put_text(f, e[i]->key, 20);
		fprintf(f, "%*s",
		    20 - (int)(strlen(e[i]->key) < 20 ? strlen(e[i]->key) : 20),
		    "");
		fmt_bytes_compact((double)r->bytes, by, sizeof(by));
		snprintf(p50, sizeof(p50), "-");
		snprintf(p99, sizeof(p99), "-");
		if (r->final_latency.n > 0) {
			histo_quantiles(&r->final_latency, &q);
			fmt_secs_compact(q.p50, p50, sizeof(p50));
			fmt_secs_compact(q.p99, p99, sizeof(p99));
		}
		snprintf(tls, sizeof(tls), "%s", sessions ? " -" : "");
		if (sessions && r->sessions > 0)
			snprintf(tls, sizeof(tls), " %4.0f%%",
			    percent_of(r->tls, r->sessions));
		fprintf(f,
		    " %6" PRIu64 " %5" PRIu64 " %5" PRIu64 " %5" PRIu64
		    " %4" PRIu64 " %6s %6s %6s%s\n",
		    r->count, r->accepted, r->rejected, r->tempfail, r->lost,
		    by, p50, p99, tls);
	}
	kept_note(f, i, n, t->keys.replaced);
}

static void
breakdown(FILE *f, const struct stats *st)
{
	bd_text(f,
	    "By server (transactions; final reply latency; TLS share "
	    "of sessions)",
	    "trans", &st->by_server, true);
	bd_text(f, "By client", "trans", &st->by_client, true);
	bd_text(f, "By sender domain", "trans", &st->by_sender_domain, false);
	bd_text(f, "By recipient domain (recipients)", "rcpts",
	    &st->by_rcpt_domain, false);
	bd_text(f, "By sender", "trans", &st->by_sender, false);
	bd_text(f, "By recipient (recipients)", "rcpts", &st->by_rcpt, false);
}

/* "a (3), b (2)", cut to the line. */
static void
who_line(FILE *f, const char *label, const struct who_top *w)
{
	uint8_t idx[WHO_SLOTS];
	size_t n = who_sorted(w, idx), i;
	char buf[512];
	int o;

	if (n == 0)
		return;
	o = snprintf(buf, sizeof(buf), "%s", "");
	for (i = 0; i < n && o < (int)sizeof(buf); i++)
		o += snprintf(buf + o, sizeof(buf) - (size_t)o, "%s%s (%u)",
		    i ? ", " : "", w->key[idx[i]], w->count[idx[i]]);
	fprintf(f, "      %-18s", label);
	put_text(f, buf, WIDTH - 25);
	fputc('\n', f);
}

/* Each refusal reason with who is behind it. */
static void
reasons_who(FILE *f, const struct stats *st)
{
	const struct topn_entry *e[TOPN_SLOTS];
	const struct topn *t = &st->reject_reasons;
	size_t n = topn_sorted(t, e, TOPN_SLOTS), i;

	if (n == 0)
		return;
	section(f, "Rejections and deferrals by reason, with who");
	for (i = 0; i < n && i < TOP_ROWS; i++) {
		const struct reason_who *rw = &st->reason_who[e[i] - t->e];

		fprintf(f, "  %8" PRIu64 "  ", e[i]->count);
		put_text(f, e[i]->key, WIDTH - 12);
		fputc('\n', f);
		who_line(f, "clients", &rw->who[WHO_CLIENT]);
		who_line(f, "senders", &rw->who[WHO_SENDER]);
		who_line(f, "recipient domains", &rw->who[WHO_RCPT_DOMAIN]);
	}
	kept_note(f, i, n, t->replaced);
}

static void
auth_users(FILE *f, const struct stats *st, bool local)
{
	const struct topn_entry *e[TOPN_SLOTS];
	size_t n, i;
	char a[32], b[32];

	n = topn_sorted(&st->auth_users.keys, e, TOPN_SLOTS);
	if (n > 0) {
		section(f, "AUTH by user");
		fprintf(f, "  %-40s %10s %10s %10s\n", "user", "sessions",
		    "successes", "failures");
		for (i = 0; i < n && i < TOP_ROWS; i++) {
			const struct auth_row *r =
			    auth_row_of(&st->auth_users, e[i]);

			fputs("  ", f);
			put_text(f, e[i]->key, 40);
			fprintf(f,
			    "%*s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n",
			    40 -
				(int)(strlen(e[i]->key) < 40 ? strlen(e[i]->key)
							     : 40),
			    "", r->sessions, r->successes, r->failures);
		}
		kept_note(f, i, n, st->auth_users.keys.replaced);
	}
	n = topn_sorted(&st->auth_fail_by_client.keys, e, TOPN_SLOTS);
	if (n > 0) {
		section(f, "AUTH failures by client, first and last");
		for (i = 0; i < n && i < TOP_ROWS; i++) {
			const struct auth_row *r =
			    auth_row_of(&st->auth_fail_by_client, e[i]);

			time_label(r->first, local, true, a, sizeof(a));
			time_label(r->last, local, true, b, sizeof(b));
			fprintf(f, "  %-24s %8" PRIu64 "  %s .. %s\n",
			    e[i]->key, r->failures, a, b);
		}
		kept_note(f, i, n, st->auth_fail_by_client.keys.replaced);
	}
}

static void
time_row(FILE *f, const char *label, const uint64_t *n)
{
	fprintf(f,
	    "  %-12s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64
	    " %10" PRIu64 "\n",
	    label, n[SERIES_SESSIONS], n[SERIES_ACCEPTED], n[SERIES_REJECTED],
	    n[SERIES_TEMPFAIL], n[SERIES_LOST]);
}

static void
time_head(FILE *f, const char *first)
{
	fprintf(f, "  %-12s %10s %10s %10s %10s %10s\n", first, "sessions",
	    "accepted", "rejected", "tempfail", "lost");
}

/* Per day and per hour of the day, in the report's zone. */
static void
per_day_hour(FILE *f, const struct stats *st, bool local)
{
	struct time_tables tt;
	char title[96];
	size_t d;
	int h;

	time_tables_build(&tt, st, local);
	if (tt.ndays > 0) {
		snprintf(title, sizeof(title), "Per day (%s)",
		    tt.days_utc ? "UTC" : tt.zone);
		section(f, title);
		time_head(f, "day");
		for (d = 0; d < tt.ndays; d++)
			time_row(f, tt.days[d].label, tt.days[d].n);
		snprintf(
		    title, sizeof(title), "Per hour of the day (%s)", tt.zone);
		section(f, title);
		time_head(f, "hour");
		for (h = 0; h < 24; h++)
			time_row(f, tt.hours[h].label, tt.hours[h].n);
	}
	if (tt.left_out > 0)
		fprintf(f,
		    "  (%" PRIu64 " events left out of the hours of the day: "
		    "more than %d hours\n   kept; the days are UTC days, "
		    "%" PRIu64 " events of days left out)\n",
		    tt.left_out, HOURS_MAX, tt.days_left_out);
	time_tables_free(&tt);
}

/* The alerts raised and cleared, by kind, then the last ones kept. */
static void
alerts(FILE *f, const struct stats *st, bool local)
{
	const struct stats_alert *a;
	uint64_t raised = 0, cleared = 0;
	char t[32], what[256];
	size_t i;

	for (i = 0; i < SMTP_ALERT_COUNT; i++) {
		raised += st->alerts_raised[i];
		cleared += st->alerts_cleared[i];
	}
	if (raised + cleared == 0)
		return;
	section(f, "Alerts");
	fprintf(
	    f, "  %-18s %8s %8s %8s\n", "alert", "raised", "cleared", "active");
	for (i = 0; i < SMTP_ALERT_COUNT; i++)
		if (st->alerts_raised[i] + st->alerts_cleared[i] > 0)
			fprintf(f,
			    "  %-18s %8" PRIu64 " %8" PRIu64 " %8" PRIu64 "\n",
			    smtp_alert_kind_name((enum smtp_alert_kind)i),
			    st->alerts_raised[i], st->alerts_cleared[i],
			    st->alerts_active[i]);
	fputc('\n', f);
	for (i = 0; (a = stats_alert_get(st, i)) != NULL; i++) {
		time_label(a->ts, local, true, t, sizeof(t));
		fmt_alert(a, what, sizeof(what));
		fprintf(f, "  %s  #%-3" PRIu64 " %-7s %-16s %s\n", t, a->id,
		    a->raised ? "raised" : "cleared",
		    smtp_alert_kind_name(a->kind),
		    a->subject[0] != '\0' ? a->subject : "(all)");
		fprintf(f, "      %s\n", what);
	}
	if (raised + cleared > st->alert_n)
		fprintf(f, "  (the last %zu of %" PRIu64 " shown)\n",
		    st->alert_n, raised + cleared);
}

/* Connections to a mail port that made no session, by server and port:
 * what the clients there logged as refused or timed out, and deferred
 * their mail for. */
static void
attempts(FILE *f, const struct stats *st, bool local)
{
	const struct topn_entry *e[TOPN_SLOTS];
	size_t n = topn_sorted(&st->attempt_servers, e, TOPN_SLOTS), i;
	char t1[32];

	if (st->attempts[0] + st->attempts[1] == 0)
		return;
	section(f,
	    "Connections refused or unanswered (no session: the "
	    "client defers)");
	fprintf(f,
	    "  refused %" PRIu64 " (the server answered the SYN with RST), "
	    "unanswered %" PRIu64 "\n",
	    st->attempts[SMTP_ATTEMPT_REFUSED],
	    st->attempts[SMTP_ATTEMPT_UNANSWERED]);
	fprintf(f, "  %-20s %7s %7s %5s  %-16s  %s\n", "server", "refused",
	    "unansw.", "SYNs", "last", "last client");
	for (i = 0; i < n && i < TOP_ROWS; i++) {
		const struct stats_attempt_row *r =
		    &st->attempt_row[e[i] - st->attempt_servers.e];

		time_label(r->last, local, true, t1, sizeof(t1));
		put_text(f, "  ", 0);
		put_text(f, e[i]->key, 20);
		fprintf(f, "%*s",
		    20 - (int)(strlen(e[i]->key) < 20 ? strlen(e[i]->key) : 20),
		    "");
		fprintf(f, " %7" PRIu64 " %7" PRIu64 " %5" PRIu64 "  %-16s  ",
		    r->result[SMTP_ATTEMPT_REFUSED],
		    r->result[SMTP_ATTEMPT_UNANSWERED], r->syns, t1);
		put_text(f, r->last_client, 16);
		fputc('\n', f);
	}
	kept_note(f, i, n, st->attempt_servers.replaced);
}

int
report_text(FILE *f, const struct stats *st, const struct report_info *ri)
{
	overview(f, st, ri);
	alerts(f, st, ri->localtime);
	tracking(f, st);
	reply_codes(f, st);
	per_day_hour(f, st, ri->localtime);
	breakdown(f, st);
	attempts(f, st, ri->localtime);
	top_table(f, "Top rejection and deferral reasons", &st->reject_reasons,
	    "replies");
	reasons_who(f, st);
	top_table(f, "Top senders", &st->by_sender.keys, "messages");
	top_table(f, "Top recipients", &st->by_rcpt.keys, "recipients");
	top_table(
	    f, "Top sender domains", &st->by_sender_domain.keys, "messages");
	top_table(
	    f, "Top recipient domains", &st->by_rcpt_domain.keys, "recipients");
	top_table(f, "Top servers", &st->servers, "sessions");
	top_table(f, "Top clients", &st->clients, "sessions");
	enhanced_codes(f, st);
	tls_auth(f, st);
	auth_users(f, st, ri->localtime);
	latencies(f, st);
	health(f, ri);
	anomalies(f, st);
	plugin_counters(f, ri);
	fflush(f);
	return ferror(f) ? -1 : 0;
}
