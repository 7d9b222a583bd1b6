/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HTML report: one self-contained page in the manner of pflogsumm,
 * from the wire, section by section. The page around the sections and
 * its inline style are html_page.c's, the charts (inline SVG) svg.c's:
 * no script and nothing fetched (a Content-Security-Policy says so too),
 * readable on screen and printable. Wire text goes through
 * html_put_wire(): text_append_escaped() (controls, bidi overrides,
 * invalid UTF-8), then HTML escaping. Numbers are formatted by format.c,
 * not by printf's %f, so that no locale puts a decimal comma into an SVG
 * coordinate.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "event/codes.h"
#include "lib/util.h"
#include "report/html.h"

#define TOP_ROWS 15       /* rows of the big top tables */
#define TOP_ROWS_SMALL 10 /* AUTH mechanisms, failing clients */
#define RECENT_ROWS 25    /* notable events listed */

/* Sessions, transactions, what was accepted. */
static void
volume_cards(struct html *h)
{
	const struct stats *st = h->st;
	uint64_t tx = st->transactions;
	char sub[200];

	snprintf(sub, sizeof(sub), "%s both ways",
	    fmt_bytes_html((double)(st->bytes_client + st->bytes_server)).s);
	html_card(h, "sessions", "", "Sessions", st->sessions, sub);
	snprintf(
	    sub, sizeof(sub), "%s RCPT commands", fmt_num(st->recipients).s);
	html_card(h, "transactions", "", "Transactions", tx, sub);
	snprintf(sub, sizeof(sub), "%s, %s in all",
	    fmt_pct(st->messages_accepted, tx).s,
	    fmt_bytes_html((double)st->message_bytes).s);
	html_card(h, "accepted", "accepted", "Messages accepted",
	    st->messages_accepted, sub);
	snprintf(sub, sizeof(sub), "%s of RCPT commands",
	    fmt_pct(st->recipients_accepted, st->recipients).s);
	html_card(h, "recipients", "accepted", "Recipients accepted",
	    st->recipients_accepted, sub);
}

/* What became of the transactions that were not accepted. */
static void
outcome_cards(struct html *h)
{
	const struct stats *st = h->st;
	uint64_t tx = st->transactions;
	uint64_t lost = st->outcome[SMTP_OUTCOME_LOST];
	char sub[200];

	snprintf(sub, sizeof(sub),
	    "5xx: %s of transactions; the sender owes a bounce",
	    fmt_pct(st->outcome[SMTP_OUTCOME_REJECTED], tx).s);
	html_card(h, "rejected", "rejected", "Rejected",
	    st->outcome[SMTP_OUTCOME_REJECTED], sub);
	snprintf(sub, sizeof(sub),
	    "4xx (421 too): %s of transactions; the sender retries",
	    fmt_pct(st->outcome[SMTP_OUTCOME_TEMPFAIL], tx).s);
	html_card(h, "tempfail", "tempfail", "Tempfail",
	    st->outcome[SMTP_OUTCOME_TEMPFAIL], sub);
	snprintf(sub, sizeof(sub), "cut off before the final reply: %s",
	    fmt_pct(lost, tx).s);
	html_card(h, "lost", "lost", "Lost", lost, sub);
	if (st->outcome[SMTP_OUTCOME_UNKNOWN] > 0) {
		snprintf(sub, sizeof(sub),
		    "the server's word not captured: %s cut off while the "
		    "capture lost bytes or packets, not lost mail",
		    fmt_num(st->loss_capture).s);
		html_card(h, "unknown", "", "Unknown",
		    st->outcome[SMTP_OUTCOME_UNKNOWN], sub);
	}
	snprintf(sub, sizeof(sub), "given up before the data: %s",
	    fmt_pct(st->outcome[SMTP_OUTCOME_ABORTED], tx).s);
	html_card(h, "aborted", "aborted", "Aborted",
	    st->outcome[SMTP_OUTCOME_ABORTED], sub);
	/* Accepted, then discarded: one session cannot show it. */
	html_card(h, "dropped", "dropped", "Dropped",
	    st->outcome[SMTP_OUTCOME_DROPPED],
	    st->tracking ? "messages a relay accepted and never passed on"
			 : "accepted, then discarded: tracking is off");
}

static void
overview(struct html *h)
{
	const struct stats *st = h->st;
	char sub[200];

	put(h,
	    "<section id=\"overview\">\n<h2>Overview</h2>\n"
	    "<div class=\"cards\">\n");
	volume_cards(h);
	outcome_cards(h);
	snprintf(
	    sub, sizeof(sub), "null sender; %s with a DSN", fmt_num(st->dsn).s);
	html_card(h, "bounces", "", "Bounces", st->bounces, sub);
	put(h, "</div>\n");
	svg_outcome_bar(h);
	put(h, "</section>\n");
}

static void
over_time(struct html *h)
{
	const struct stats *st = h->st;
	struct time_chart tc;

	put(h,
	    "<section id=\"over-time\">\n"
	    "<h2>Messages and rejections over time</h2>\n");
	if (!(st->last_ts > 0)) {
		put(h,
		    "<p class=\"none\">No SMTP traffic: nothing to chart."
		    "</p>\n</section>\n");
		return;
	}
	svg_over_time(h, &tc);
	putf(h,
	    "<p class=\"note\">Transactions by outcome, counted when they "
	    "ended, per %s",
	    tc.unit == 1 ? "second (the traffic spans under three minutes)"
		: tc.unit == 60 ? "minute"
				: time_unit_words(tc.unit));
	if (tc.unit > 60)
		put(h,
		    " (the traffic spans over a day: the whole span is shown, "
		    "its bucket grown to fit)");
	if (tc.cut)
		putf(h,
		    ". The traffic spans %s minutes; the last %s are kept and "
		    "shown",
		    fmt_num((uint64_t)tc.span).s, fmt_num(SERIES_MINUTES).s);
	if (tc.ymax == 0)
		put(h, ". No transaction ended in this window");
	/* The store keeps series of these four outcomes only. */
	put(h,
	    ". Aborted transactions are not charted over time; drops "
	    "(accepted, then discarded) need tracking across hops.</p>\n"
	    "</section>\n");
}

/* Every reply code seen, by code, with what it means. */
static void
reply_code_table(struct html *h)
{
	const struct stats *st = h->st;
	int c;

	put(h,
	    "<h3>Every reply code seen</h3>\n"
	    "<table class=\"codes\" id=\"reply-codes\"><thead><tr>"
	    "<th>Code</th><th class=\"n\">Replies</th><th class=\"n\">Share"
	    "</th><th>Meaning</th></tr></thead>\n<tbody>\n");
	for (c = 0; c < 600; c++) {
		if (st->reply_code[c] == 0)
			continue;
		putf(h,
		    "<tr><td class=\"key\">%03d</td><td class=\"n\">%s</td>"
		    "<td class=\"n\">%s</td><td class=\"meaning\">",
		    c, fmt_num(st->reply_code[c]).s,
		    fmt_pct(st->reply_code[c], st->replies).s);
		html_put_wire(h, smtp_reply_meaning(c, SMTP_VERB_UNKNOWN));
		put(h, "</td></tr>\n");
	}
	put(h,
	    "</tbody></table>\n<p class=\"note\">Meanings as RFC 5321 and "
	    "the RFCs of its extensions word them for any command; a few "
	    "codes say more as the reply to one command.</p>\n");
}

static void
reply_codes(struct html *h)
{
	const struct stats *st = h->st;
	uint64_t max = 0, classes = 0;
	int c;

	put(h, "<section id=\"replies\">\n<h2>Reply codes</h2>\n");
	for (c = 2; c <= 5; c++) {
		classes += st->reply_class[c];
		if (st->reply_class[c] > max)
			max = st->reply_class[c];
	}
	if (st->replies == 0 || max == 0) {
		put(h, "<p class=\"none\">No replies seen.</p>\n</section>\n");
		return;
	}
	svg_replies(h, max);
	if (classes < st->replies)
		putf(h,
		    "<p class=\"note\">%s replies had a first digit outside "
		    "2&ndash;5.</p>\n",
		    fmt_num(st->replies - classes).s);
	reply_code_table(h);
	put(h, "</section>\n");
}

static void
reasons(struct html *h)
{
	const struct stats *st = h->st;

	put(h,
	    "<section id=\"reasons\">\n"
	    "<h2>Rejection and deferral reasons</h2>\n");
	html_top_table(h, "reasons",
	    "Reasons (4xx and 5xx replies, addresses and "
	    "numbers masked)",
	    &st->reject_reasons, "Reply", "replies", TOP_ROWS, TOP_REASON);
	html_reasons_who(h);
	/* Every code kept, not only the frequent ones. */
	html_top_table(h, "enhanced", "Enhanced status codes (RFC 3463)",
	    &st->enhanced, "Code", "replies", TOPN_SLOTS, TOP_ENHANCED);
	put(h, "</section>\n");
}

static void
who(struct html *h)
{
	const struct stats *st = h->st;

	put(h,
	    "<section id=\"who\">\n"
	    "<h2>Servers, clients, senders and recipients</h2>\n"
	    "<div class=\"grid2\">\n<div>\n");
	html_top_table(h, "servers", "Servers", &st->servers, "Address",
	    "sessions", TOP_ROWS, TOP_PLAIN);
	put(h, "</div>\n<div>\n");
	html_top_table(h, "clients", "Clients", &st->clients, "Address",
	    "sessions", TOP_ROWS, TOP_PLAIN);
	put(h, "</div>\n<div>\n");
	html_top_table(h, "sender-domains", "Sender domains",
	    &st->by_sender_domain.keys, "Domain", "transactions", TOP_ROWS,
	    TOP_PLAIN);
	put(h, "</div>\n<div>\n");
	html_top_table(h, "recipient-domains", "Recipient domains",
	    &st->by_rcpt_domain.keys, "Domain", "recipients", TOP_ROWS,
	    TOP_PLAIN);
	put(h, "</div>\n<div>\n");
	html_top_table(h, "senders", "Senders", &st->by_sender.keys, "Address",
	    "transactions", TOP_ROWS, TOP_PLAIN);
	put(h, "</div>\n<div>\n");
	html_top_table(h, "recipients", "Recipients", &st->by_rcpt.keys,
	    "Address", "recipients", TOP_ROWS, TOP_PLAIN);
	put(h, "</div>\n</div>\n</section>\n");
}

static void
tls(struct html *h)
{
	const struct stats *st = h->st;
	char note[96];
	bool any = false;
	int v;

	html_kv_open(h, "tls");
	snprintf(note, sizeof(note), "%s of sessions",
	    fmt_pct(st->starttls_offered, st->sessions).s);
	html_kv_num(
	    h, "Sessions offered STARTTLS", st->starttls_offered, note, false);
	snprintf(note, sizeof(note), "%s of those offered",
	    fmt_pct(st->starttls_used, st->starttls_offered).s);
	html_kv_num(h, "Sessions that used STARTTLS", st->starttls_used,
	    st->starttls_offered ? note : "", false);
	html_kv_num(h, "Implicit TLS (port 465)", st->implicit_tls, "", false);
	html_kv_close(h);
	put(h, "<h3>TLS versions negotiated</h3>\n");
	for (v = 0; v < TLSV_KINDS; v++)
		any = any || st->tls_version[v] > 0;
	if (!any)
		put(h, "<p class=\"none\">No TLS handshake seen.</p>\n");
	else {
		html_kv_open(h, "tls-versions");
		for (v = 0; v < TLSV_KINDS; v++)
			if (st->tls_version[v] > 0)
				html_kv_num(h,
				    stats_tls_version_name(
					(enum stats_tls_version)v),
				    st->tls_version[v], "sessions",
				    v <= TLSV_11);
		html_kv_close(h);
	}
}

static void
auth(struct html *h)
{
	const struct stats *st = h->st;
	char note[96];

	html_kv_open(h, "auth");
	html_kv_num(
	    h, "Sessions that tried AUTH", st->auth_sessions, "", false);
	snprintf(note, sizeof(note), "%s of those sessions",
	    fmt_pct(st->auth_success, st->auth_sessions).s);
	html_kv_num(h, "Sessions authenticated", st->auth_success,
	    st->auth_sessions ? note : "", false);
	html_kv_num(h, "Failed attempts", st->auth_failures, "", true);
	html_kv_close(h);
	html_top_table(h, "auth-mechs", "Mechanisms", &st->auth_mechs,
	    "Mechanism", "sessions", TOP_ROWS_SMALL, TOP_PLAIN);
	html_top_table(h, "auth-fail-clients", "Clients failing AUTH",
	    &st->auth_fail_by_client.keys, "Address", "failures",
	    TOP_ROWS_SMALL, TOP_PLAIN);
}

static void
tls_auth(struct html *h)
{
	put(h,
	    "<section id=\"tls-auth\">\n<h2>TLS and AUTH</h2>\n"
	    "<div class=\"grid2\">\n<div>\n<h3>TLS</h3>\n");
	tls(h);
	put(h, "</div>\n<div>\n<h3>AUTH</h3>\n");
	auth(h);
	put(h, "</div>\n</div>\n</section>\n");
}

static void
security(struct html *h)
{
	const struct stats *st = h->st;

	put(h,
	    "<section id=\"security\">\n<h2>Security findings</h2>\n"
	    "<div class=\"cards\">\n");
	html_warn_card(h, "submission-no-auth", "Submission without AUTH",
	    st->submission_no_auth,
	    "transactions on port 587 or 465 with no successful AUTH: "
	    "RFC 6409 says a submission server requires it");
	html_warn_card(h, "cleartext-auth", "Clear-text AUTH",
	    st->cleartext_auth,
	    "sessions that sent AUTH PLAIN or LOGIN credentials without "
	    "TLS");
	html_warn_card(h, "auth-failures", "Failed AUTH attempts",
	    st->auth_failures, "over all sessions");
	put(h, "</div>\n</section>\n");
}

/* The verbs whose results outside transactions are counted, in order. */
static const enum smtp_verb result_verbs[] = { SMTP_VERB_VRFY, SMTP_VERB_EXPN,
	SMTP_VERB_ETRN, SMTP_VERB_ATRN, SMTP_VERB_TURN, SMTP_VERB_HELP,
	SMTP_VERB_NOOP };

static void
protocol(struct html *h)
{
	const struct stats *st = h->st;
	uint64_t other = 0;
	char note[160];
	size_t i;
	int v;
	bool listed;

	put(h,
	    "<section id=\"protocol\">\n<h2>Protocol details</h2>\n"
	    "<div class=\"grid2\">\n<div>\n<h3>Transactions</h3>\n");
	html_kv_open(h, "model");
	html_kv_num(h, "Commands refused inside transactions",
	    st->refused_in_tx,
	    "a nested MAIL, a HELO or DATA out of place: the transaction "
	    "went on without them",
	    true);
	html_kv_num(h, "Transactions with assumed effects", st->assumed,
	    "a reply never seen (capture loss, one-sided capture): its "
	    "command's effect was assumed",
	    true);
	snprintf(note, sizeof(note), "%s transactions sent after the swap",
	    fmt_num(st->reversed).s);
	html_kv_num(h, "Sessions with TURN or ATRN", st->reversed_sessions,
	    note, false);
	html_kv_num(h, "LMTP sessions", st->lmtp_sessions, "RFC 2033", false);
	html_kv_num(h, "LMTP recipients delivered", st->lmtp_delivered,
	    "2xx after the data, per recipient", false);
	html_kv_num(h, "LMTP recipients failed", st->lmtp_failed,
	    "4xx or 5xx after the data, per recipient", true);
	html_kv_close(h);
	put(h,
	    "</div>\n<div>\n<h3>Command results outside transactions"
	    "</h3>\n");
	html_kv_open(h, "command-results");
	for (i = 0; i < ARRAY_LEN(result_verbs); i++)
		html_kv_num(h, smtp_verb_name(result_verbs[i]),
		    st->results[result_verbs[i]], "", false);
	for (v = 0; v < SMTP_VERB_COUNT; v++) {
		listed = false;
		for (i = 0; i < ARRAY_LEN(result_verbs); i++)
			listed = listed || (int)result_verbs[i] == v;
		if (!listed)
			other += st->results[v];
	}
	html_kv_num(h, "Other commands out of place", other,
	    "RCPT, DATA, BDAT or unknown verbs outside any transaction", true);
	html_kv_close(h);
	put(h, "</div>\n</div>\n</section>\n");
}

/* The rows of a quantile table: n, min, p50, p90, p99, max, mean. */
static void
quantile_cells(struct html *h, const struct histo *hi, bool seconds)
{
	struct quantiles q;
	double v[6];
	size_t i;

	histo_quantiles(hi, &q);
	v[0] = q.min;
	v[1] = q.p50;
	v[2] = q.p90;
	v[3] = q.p99;
	v[4] = q.max;
	v[5] = q.mean;
	putf(h, "<td class=\"n\">%s</td>", fmt_num(hi->n).s);
	for (i = 0; i < ARRAY_LEN(v); i++)
		putf(h, "<td class=\"n\">%s</td>",
		    seconds ? fmt_secs_html(v[i]).s : fmt_bytes_html(v[i]).s);
}

static void
quantile_head(struct html *h, const char *first, const char *counted)
{
	putf(h,
	    "<table class=\"q\"><thead><tr><th>%s</th><th class=\"n\">%s</th>"
	    "<th class=\"n\">min</th><th class=\"n\">p50</th>"
	    "<th class=\"n\">p90</th><th class=\"n\">p99</th>"
	    "<th class=\"n\">max</th><th class=\"n\">mean</th></tr></thead>\n"
	    "<tbody>\n",
	    first, counted);
}

static const char *const latency_label[LAT_KINDS] = {
	[LAT_GREETING] = "Greeting (connection to banner)",
	[LAT_HELO] = "HELO / EHLO",
	[LAT_MAIL] = "MAIL FROM",
	[LAT_RCPT] = "RCPT TO",
	[LAT_DATA] = "DATA (to the 354)",
	[LAT_FINAL] = "End of data (to the final reply)",
	[LAT_OTHER] = "Other commands",
};

static void
latency(struct html *h)
{
	const struct stats *st = h->st;
	char id[32];
	int k, any = 0;

	put(h, "<section id=\"latency\">\n<h2>Latency distribution</h2>\n");
	for (k = 0; k < LAT_KINDS; k++)
		if (st->latency[k].n > 0)
			any++;
	if (!any) {
		put(h, "<p class=\"none\">No reply timed.</p>\n</section>\n");
		return;
	}
	put(h,
	    "<p class=\"note\" style=\"margin:0 0 8px\">Time from a "
	    "command (or the connection) to its reply, as seen on the "
	    "wire.</p>\n");
	quantile_head(h, "Reply to", "replies");
	for (k = 0; k < LAT_KINDS; k++) {
		if (st->latency[k].n == 0)
			continue;
		putf(h, "<tr><th>%s</th>", latency_label[k]);
		quantile_cells(h, &st->latency[k], true);
		put(h, "</tr>\n");
	}
	put(h, "</tbody></table>\n<div class=\"grid2\">\n");
	for (k = 0; k < LAT_KINDS; k++) {
		if (st->latency[k].n == 0)
			continue;
		snprintf(id, sizeof(id), "histo-latency-%s",
		    stats_latency_name((enum stats_latency)k));
		putf(h, "<figure>\n<figcaption>%s</figcaption>\n",
		    latency_label[k]);
		svg_histogram(
		    h, id, &st->latency[k], true, COL_LATENCY, "replies");
		put(h, "</figure>\n");
	}
	put(h, "</div>\n</section>\n");
}

static void
sizes(struct html *h)
{
	const struct stats *st = h->st;

	put(h, "<section id=\"sizes\">\n<h2>Message size distribution</h2>\n");
	if (st->size.n == 0) {
		put(h,
		    "<p class=\"none\">No message accepted.</p>\n"
		    "</section>\n");
		return;
	}
	quantile_head(h, "", "messages");
	put(h, "<tr><th>Accepted messages</th>");
	quantile_cells(h, &st->size, false);
	putf(h,
	    "</tr>\n</tbody></table>\n<p class=\"note\">%s in all "
	    "(after dot-unstuffing).</p>\n<div class=\"grid2\">\n"
	    "<figure>\n<figcaption>Sizes of accepted messages"
	    "</figcaption>\n",
	    fmt_bytes_html((double)st->message_bytes).s);
	svg_histogram(h, "histo-size", &st->size, false, COL_SIZE, "messages");
	put(h, "</figure>\n</div>\n</section>\n");
}

/* How the sessions ended, and the bytes they carried. */
static void
session_ends(struct html *h)
{
	static const struct {
		enum smtp_session_end e;
		const char *label;
	} ends[] = {
		{ SMTP_SESSION_END_FIN, "Closed (FIN)" },
		{ SMTP_SESSION_END_RST, "Reset (RST)" },
		{ SMTP_SESSION_END_TIMEOUT, "Idle too long, or evicted" },
		{ SMTP_SESSION_END_EOF, "Still open when the capture ended" },
		{ SMTP_SESSION_END_REUSED, "Taken over by a new SYN" },
	};
	const struct stats *st = h->st;
	size_t e;

	html_kv_open(h, "session-ends");
	for (e = 0; e < ARRAY_LEN(ends); e++)
		html_kv(h, ends[e].label, fmt_num(st->session_end[ends[e].e]).s,
		    fmt_pct(st->session_end[ends[e].e], st->sessions_closed).s,
		    false);
	html_kv_close(h);
	put(h, "<h3>Bytes</h3>\n");
	html_kv_open(h, "session-bytes");
	html_kv(h, "Client to server", fmt_num(st->bytes_client).s,
	    fmt_bytes_html((double)st->bytes_client).s, false);
	html_kv(h, "Server to client", fmt_num(st->bytes_server).s,
	    fmt_bytes_html((double)st->bytes_server).s, false);
	html_kv(h, "Message bodies accepted", fmt_num(st->message_bytes).s,
	    fmt_bytes_html((double)st->message_bytes).s, false);
	html_kv_close(h);
}

/* The commands seen, by count, highest first. */
static void
commands(struct html *h)
{
	const struct stats *st = h->st;
	int order[SMTP_VERB_COUNT], n = 0, i, j, tmp;

	for (i = 0; i < SMTP_VERB_COUNT; i++)
		if (st->commands[i] > 0)
			order[n++] = i;
	/* By count, highest first: a handful of verbs. */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 &&
		     st->commands[order[j]] > st->commands[order[j - 1]];
		     j--) {
			tmp = order[j];
			order[j] = order[j - 1];
			order[j - 1] = tmp;
		}
	if (n == 0)
		put(h, "<p class=\"none\">No command seen.</p>\n");
	else {
		html_kv_open(h, "commands");
		for (i = 0; i < n; i++)
			html_kv(h, smtp_verb_name((enum smtp_verb)order[i]),
			    fmt_num(st->commands[order[i]]).s, "",
			    order[i] == SMTP_VERB_UNKNOWN);
		html_kv_close(h);
	}
}

static void
sessions(struct html *h)
{
	put(h,
	    "<section id=\"sessions\">\n<h2>Sessions and commands</h2>\n"
	    "<div class=\"grid2\">\n<div>\n<h3>How sessions ended</h3>\n");
	session_ends(h);
	put(h, "</div>\n<div>\n<h3>Commands</h3>\n");
	commands(h);
	put(h, "</div>\n</div>\n</section>\n");
}

static const char *
recent_class(enum stats_recent_kind k)
{
	switch (k) {
	case RECENT_REJECT:
		return "reject";
	case RECENT_TEMPFAIL:
		return "tempfail";
	case RECENT_BOUNCE:
		return "bounce";
	case RECENT_LOST:
		return "lost";
	case RECENT_AUTH_FAILURE:
		return "auth";
	case RECENT_ALERT:
		return "alert";
	case RECENT_CONNECT:
		return "tempfail";
	}
	return "other";
}

/* A notable event's codes: the reply code, and the enhanced code its
 * text starts with (stats_recent keeps "ENH text"). */
static void
reason_codes_of_recent(
    const struct stats_recent *r, int *code, char *enh, size_t size)
{
	char key[sizeof(r->text) + 8];
	int ignored;

	*code = r->code;
	snprintf(key, sizeof(key), "000 %s", r->text);
	reason_key_codes(key, &ignored, enh, size);
}

static void
recent(struct html *h)
{
	const struct stats *st = h->st;
	const struct stats_recent *r;
	char enh[16];
	size_t i;
	int code;

	put(h, "<section id=\"recent\">\n<h2>Recent notable events</h2>\n");
	if (stats_recent_get(st, 0) == NULL) {
		put(h,
		    "<p class=\"none\">No rejection, deferral, bounce, lost "
		    "transaction or AUTH failure.</p>\n</section>\n");
		return;
	}
	put(h,
	    "<table class=\"recent\"><thead><tr><th>Time (UTC)</th>"
	    "<th>Event</th><th>Client &rarr; server</th><th>Sender</th>"
	    "<th>Recipient</th><th>Reply</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < RECENT_ROWS && (r = stats_recent_get(st, i)) != NULL;
	     i++) {
		putf(h,
		    "<tr><td class=\"n\">%s</td><td class=\"ev-%s\">%s</td>"
		    "<td class=\"key\">",
		    fmt_utc(r->ts, TF_FULL).s, recent_class(r->kind),
		    stats_recent_kind_name(r->kind));
		html_put_wire(h, r->client);
		put(h, " &rarr; ");
		html_put_wire(h, r->server);
		put(h, "</td><td class=\"key\">");
		if (r->kind == RECENT_AUTH_FAILURE && r->from[0] != '\0')
			put(h, "user ");
		/* (a connection attempt has no sender: its result is in
		 * from, its words under Reply) */
		html_put_wire(h,
		    r->kind == RECENT_BOUNCE        ? "<>"
			: r->kind == RECENT_CONNECT ? ""
						    : r->from);
		put(h, "</td><td class=\"key\">");
		html_put_wire(h, r->rcpt);
		put(h, "</td><td class=\"key\">");
		if (r->code > 0)
			putf(h, "%d ", r->code);
		html_put_wire(h, r->text);
		reason_codes_of_recent(r, &code, enh, sizeof(enh));
		html_code_meanings(h, code, enh[0] ? enh : NULL);
		put(h, "</td></tr>\n");
	}
	putf(h,
	    "</tbody></table>\n<p class=\"note\">The last %s of %s "
	    "notable events.</p>\n</section>\n",
	    fmt_num(i).s, fmt_num(st->recent_total).s);
}

static const char *const anomaly_meaning[SMTP_ANOMALY_COUNT] = {
	[SMTP_ANOMALY_LINE_TOO_LONG] = "a line over the line cap",
	[SMTP_ANOMALY_UNSOLICITED_REPLY] = "a reply with no command pending",
	[SMTP_ANOMALY_BAD_REPLY] = "a reply line not starting with a code",
	[SMTP_ANOMALY_COMMAND_BEFORE_GREETING] = "a command before the banner",
	[SMTP_ANOMALY_DATA_AFTER_QUIT] = "bytes after QUIT",
	[SMTP_ANOMALY_PIPELINE_OVERFLOW] = "too many commands awaiting replies",
	[SMTP_ANOMALY_TOO_MANY_RECIPIENTS] = "recipients over the cap kept",
	[SMTP_ANOMALY_BODY_BEFORE_354] = "the message before the 354",
	[SMTP_ANOMALY_BAD_BDAT] = "a malformed BDAT",
	[SMTP_ANOMALY_NON_SMTP] = "not SMTP",
	[SMTP_ANOMALY_NO_REPLY] = "a command never answered",
	[SMTP_ANOMALY_GAP] = "stream bytes never captured",
	[SMTP_ANOMALY_NOT_TLS] = "plain text where TLS was due",
	[SMTP_ANOMALY_UNKNOWN_COMMAND] = "a verb not in the command table",
	[SMTP_ANOMALY_HEADERS_TRUNCATED] = "message headers over their caps",
	[SMTP_ANOMALY_REPLY_CODE_MISMATCH] =
	    "a multi-line reply whose lines carry different codes",
	[SMTP_ANOMALY_LMTP_ON_PORT_25] =
	    "LMTP on port 25 (RFC 2033 forbids it)",
	[SMTP_ANOMALY_SUBMISSION_NO_AUTH] =
	    "a transaction on 587 or 465 without successful AUTH",
	[SMTP_ANOMALY_CLEARTEXT_AUTH] = "AUTH PLAIN or LOGIN without TLS",
	[SMTP_ANOMALY_REPLY_LOST] =
	    "a reply never seen: its command's effect was assumed",
	[SMTP_ANOMALY_OVERLAP_CONFLICT] =
	    "overlapping fragments or segments with other bytes",
	[SMTP_ANOMALY_RST_IN_WINDOW] =
	    "a RST not at the expected sequence number: ignored",
	[SMTP_ANOMALY_SYN_ON_ESTABLISHED] =
	    "a SYN on an open connection the server did not take up",
	[SMTP_ANOMALY_CLOCK_JUMP] =
	    "the capture's clock jumped by over 60 s while it was open",
	[SMTP_ANOMALY_TIMESTAMP_REPLACED] =
	    "a packet's timestamp before 1970 or after 9999: replaced",
};

/* What the capture itself said: drops, files, damage. */
static void
health_capture(struct html *h, const struct capture_stats *cs)
{
	if (cs->live) {
		html_kv_num(h, "Dropped by the kernel", cs->pcap_drops,
		    "packets never seen", true);
		html_kv_num(
		    h, "Dropped by the interface", cs->pcap_ifdrops, "", true);
	} else {
		html_kv(
		    h, "Dropped by the kernel", "n/a", "reading a file", false);
		html_kv_num(h, "Files read", cs->files_read, "", false);
	}
	if (cs->timestamps_replaced > 0)
		html_kv_num(h, "Timestamps before 1970 or after 9999",
		    cs->timestamps_replaced,
		    "each took the previous packet's time", true);
	html_kv(h, "Input damaged", cs->damaged ? "yes" : "no",
	    cs->damaged ? "figures cover what was read" : "", cs->damaged);
}

/* Records an output could not write (a full disk); keys are ours:
 * nothing to escape. */
static void
health_not_written(struct html *h)
{
	char label[96];
	size_t i;

	for (i = 0; i < h->ri->noutputs; i++)
		if (h->ri->outputs[i].not_written > 0) {
			snprintf(label, sizeof(label),
			    "Records not written (%s)", h->ri->outputs[i].key);
			html_kv_num(h, label, h->ri->outputs[i].not_written,
			    "write errors: a full disk, a quota", true);
		}
}

/* What reassembly saw: packets, streams, gaps, sessions. */
static void
health_streams(struct html *h, const struct reasm_stats *rs)
{
	html_kv_num(h, "Packets read", rs->packets, "", false);
	html_kv(h, "Bytes read", fmt_num(rs->bytes).s,
	    fmt_bytes_html((double)rs->bytes).s, false);
	html_kv_num(h, "TCP packets on mail ports", rs->tcp_packets, "", false);
	html_kv_num(h, "IPv6 packets", rs->ipv6_packets, "", false);
	html_kv_num(h, "Handshakes on mail ports", rs->sessions, "", false);
	html_kv_num(h, "Connections without handshake", rs->no_handshake,
	    "not followed", true);
	if (rs->midstream > 0) {
		html_kv_num(h, "Sessions picked up mid-stream", rs->midstream,
		    "handshake not seen", false);
		html_kv_num(h, "Only the client's side captured",
		    rs->one_sided_client, "replies unknown", true);
		html_kv_num(h, "Only the server's side captured",
		    rs->one_sided_server, "envelopes unknown", true);
	}
	html_kv_num(h, "Holes in streams (gaps)", rs->gaps, "", true);
	html_kv(h, "Bytes never captured", fmt_num(rs->gap_bytes).s,
	    fmt_bytes_html((double)rs->gap_bytes).s, rs->gap_bytes > 0);
	html_kv_num(h, "Cut by the snap length", rs->snap_cut,
	    rs->snap_cut ? "their lost bytes are gaps" : "", true);
	html_kv_num(h, "4-tuples reused by a new SYN", rs->reused, "", false);
	html_kv_num(h, "Sessions expired idle", rs->idle_expired, "", false);
	if (rs->clock_jumps > 0) {
		char j[64];

		snprintf(j, sizeof(j), "at most %.0f s; not counted idle",
		    rs->clock_jump_max);
		html_kv_num(h, "Capture clock jumps over 60 s", rs->clock_jumps,
		    j, true);
	}
	html_kv(h, "Most sessions open at once",
	    fmt_num((uint64_t)rs->active_max).s, "", false);
	html_kv_num(h, "Sessions evicted at --max-sessions",
	    rs->sessions_evicted, "", true);
	html_kv_num(h, "Sessions evicted by the memory budget",
	    rs->sessions_evicted_memory, "", true);
}

/* What the network layer set aside: not IP, bad headers, other ports. */
static void
health_packets(struct html *h, const struct reasm_stats *rs)
{
	html_kv_num(h, "Frames that were not IP", rs->not_ip, "", false);
	html_kv_num(h, "Cut inside a header", rs->truncated, "", true);
	html_kv_num(h, "Bad IP or TCP headers", rs->bad_header, "", true);
	html_kv_num(h, "Other TCP or UDP traffic", rs->other_ports,
	    "not followed", false);
	html_kv_num(h, "Bad IPv4 header sums passed on", rs->ip_checksum_fixed,
	    "", false);
	html_kv_num(h, "Dropped for bad checksums", rs->bad_checksum, "", true);
	html_kv_num(
	    h, "Class E addresses (not followed)", rs->class_e, "", true);
	html_kv_num(h, "IPv6 table full", rs->v6_table_full, "", true);
}

static void
health_nids_warnings(struct html *h, const struct reasm_stats *rs)
{
	const char *name;
	int i;

	put(h, "<h3>libnids warnings</h3>\n");
	if (rs == NULL || rs->nids_warnings == 0) {
		put(h, "<p class=\"none\">None.</p>\n");
		return;
	}
	html_kv_open(h, "nids-warnings");
	html_kv_num(h, "All warnings", rs->nids_warnings, "", true);
	for (i = 0; i < REASM_NIDS_WARN_MAX; i++) {
		name = health_nids_warning_name(i);
		if (name != NULL && rs->nids_warning[i] > 0)
			html_kv_num(h, name, rs->nids_warning[i], "", true);
	}
	html_kv_close(h);
}

static void
health_anomalies(struct html *h)
{
	const struct stats *st = h->st;
	char note[96];
	int i, any;

	put(h, "<h3>Protocol anomalies</h3>\n");
	for (i = 0, any = 0; i < SMTP_ANOMALY_COUNT; i++)
		any += st->anomaly[i] > 0;
	if (!any) {
		put(h, "<p class=\"none\">None.</p>\n");
		return;
	}
	html_kv_open(h, "anomalies");
	for (i = 0; i < SMTP_ANOMALY_COUNT; i++) {
		if (st->anomaly[i] == 0)
			continue;
		snprintf(note, sizeof(note), "%s",
		    anomaly_meaning[i] != NULL ? anomaly_meaning[i] : "");
		html_kv_num(h, smtp_anomaly_name((enum smtp_anomaly)i),
		    st->anomaly[i], note, true);
	}
	html_kv_close(h);
}

static void
health(struct html *h)
{
	const struct reasm_stats *rs = &h->ri->health->rs;

	put(h,
	    "<section id=\"health\">\n<h2>Capture health</h2>\n"
	    "<div class=\"grid2\">\n<div>\n<h3>Packets and streams</h3>\n");
	html_kv_open(h, "capture");
	health_capture(h, &h->ri->health->cs);
	health_not_written(h);
	if (rs != NULL) {
		health_streams(h, rs);
		health_packets(h, rs);
	}
	html_kv_close(h);
	put(h, "</div>\n<div>\n");
	health_nids_warnings(h, rs);
	health_anomalies(h);
	put(h, "</div>\n</div>\n</section>\n");
}

/* The counters plugins registered (names are [a-z0-9_-]; the help text
 * is the plugin's and is escaped). */
static void
plugins_section(struct html *h)
{
	const struct report_info *ri = h->ri;
	size_t k;

	if (ri->ncounters == 0)
		return;
	put(h, "<section id=\"plugins\">\n<h2>Plugins</h2>\n");
	for (k = 0; k < ri->ncounters; k++) {
		const struct report_counter *rc = &ri->counters[k];

		if (counter_starts_plugin(ri, k)) {
			if (k > 0)
				html_kv_close(h);
			put(h, "<h3>");
			html_put_wire(h, rc->plugin);
			put(h, "</h3>\n");
			putf(h,
			    "<table class=\"kv\" id=\"plugin-%s\"><tbody>\n",
			    rc->plugin);
		}
		putf(h,
		    "<tr><th>%s</th><td class=\"n\">%s</td>"
		    "<td class=\"note\">",
		    rc->name, fmt_num(*rc->value).s);
		html_put_wire(h, rc->help);
		put(h, "</td></tr>\n");
	}
	html_kv_close(h);
	put(h, "</section>\n");
}

/* Message tracking: fates, silent drops, bounces, time in relays. */
static void
messages(struct html *h)
{
	const struct stats *st = h->st;
	uint64_t all = 0;
	struct quantiles q;
	char note[256];
	size_t i;

	if (!st->tracking)
		return;
	for (i = 0; i < SMTP_FATE_COUNT; i++)
		all += st->fate[i];
	put(h,
	    "<section id=\"messages\">\n<h2>Messages across hops</h2>\n"
	    "<div class=\"cards\">\n");
	snprintf(note, sizeof(note), "%s seen at more than one hop",
	    fmt_num(st->tracked_multihop).s);
	html_card(h, "tracked", "", "Messages", st->tracked, note);
	snprintf(note, sizeof(note), "%s of recipients",
	    fmt_pct(st->fate[SMTP_FATE_DELIVERED], all).s);
	html_card(h, "delivered", "accepted", "Delivered",
	    st->fate[SMTP_FATE_DELIVERED], note);
	html_card(h, "silent-drops", "dropped", "Silently dropped",
	    st->fate[SMTP_FATE_DROPPED],
	    "recipients a relay took with 2xx and never passed on");
	html_card(h, "queued", "tempfail", "Still queued",
	    st->fate[SMTP_FATE_QUEUED],
	    "recipients in a relay's queue when the input ended");
	snprintf(note, sizeof(note),
	    "recipients a DSN came back for; %s refused with no DSN seen; "
	    "%s DSNs about no message seen",
	    fmt_num(st->bounce_missing).s, fmt_num(st->dsn_unlinked).s);
	html_card(h, "bounced", "rejected", "Bounces linked",
	    st->bounces_linked, note);
	put(h, "</div>\n");
	html_kv_open(h, "fates");
	for (i = 1; i <= SMTP_FATE_COUNT; i++) {
		size_t k = i % SMTP_FATE_COUNT;

		snprintf(note, sizeof(note), "%s", fmt_pct(st->fate[k], all).s);
		html_kv_num(h, smtp_fate_name((enum smtp_fate)k), st->fate[k],
		    note, k == SMTP_FATE_DROPPED && st->fate[k] > 0);
	}
	html_kv_close(h);
	if (st->nrelay > 0) {
		put(h,
		    "<table id=\"relay-times\"><caption>Time in each relay's "
		    "queue (acceptance to the attempt that passed it "
		    "on)</caption>\n<tr><th>Relay</th><th>Hops</th>"
		    "<th>p50</th><th>p99</th><th>max</th></tr>\n");
		for (i = 0; i < st->nrelay; i++) {
			histo_quantiles(&st->relay[i].time, &q);
			put(h, "<tr><td>");
			html_put_wire(h, st->relay[i].addr);
			put(h, "</td><td>");
			put(h, fmt_num(st->relay[i].time.n).s);
			put(h, "</td><td>");
			put(h, fmt_secs_html(q.p50).s);
			put(h, "</td><td>");
			put(h, fmt_secs_html(q.p99).s);
			put(h, "</td><td>");
			put(h, fmt_secs_html(q.max).s);
			put(h, "</td></tr>\n");
		}
		put(h, "</table>\n");
	}
	put(h, "<div class=\"grid2\">\n<div>\n");
	html_top_table(h, "drops-by-relay", "Silent drops by relay",
	    &st->drop_relays, "Relay", "recipients", TOP_ROWS, TOP_PLAIN);
	put(h, "</div>\n<div>\n");
	html_top_table(h, "queued-by-relay", "Still queued, by relay",
	    &st->queued_relays, "Relay", "recipients", TOP_ROWS, TOP_PLAIN);
	put(h, "</div>\n</div>\n");
	html_top_table(h, "bounce-causes",
	    "Bounces by cause (DSN status and diagnostic)", &st->bounce_causes,
	    "Cause", "recipients", TOP_ROWS, TOP_PLAIN);
	put(h, "</section>\n");
}

/* The alerts by kind, and the last ones kept (none with --no-alerts). */
static void
alerts(struct html *h)
{
	const struct stats *st = h->st;
	const struct stats_alert *a;
	uint64_t all = 0;
	char what[256];
	size_t i;

	if (!st->alerting)
		return;
	put(h, "<section id=\"alerts\">\n<h2>Alerts</h2>\n");
	for (i = 0; i < SMTP_ALERT_COUNT; i++)
		all += st->alerts_raised[i] + st->alerts_cleared[i];
	if (all == 0) {
		put(h,
		    "<p class=\"none\">No threshold crossed (smtpscope(1), "
		    "ALERTS, says which are watched).</p>\n</section>\n");
		return;
	}
	put(h,
	    "<table id=\"table-alert-kinds\"><thead><tr><th>Alert</th>"
	    "<th class=\"n\">Raised</th><th class=\"n\">Cleared</th>"
	    "<th class=\"n\">Active</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < SMTP_ALERT_COUNT; i++)
		if (st->alerts_raised[i] + st->alerts_cleared[i] > 0)
			putf(h,
			    "<tr><td>%s</td><td class=\"n\">%s</td>"
			    "<td class=\"n\">%s</td><td class=\"n\">%s</td>"
			    "</tr>\n",
			    smtp_alert_kind_name((enum smtp_alert_kind)i),
			    fmt_num(st->alerts_raised[i]).s,
			    fmt_num(st->alerts_cleared[i]).s,
			    fmt_num(st->alerts_active[i]).s);
	put(h,
	    "</tbody></table>\n<h3>Raised and cleared, oldest first</h3>\n"
	    "<table id=\"table-alerts\" class=\"recent\">"
	    "<thead><tr><th>Time (UTC)</th><th class=\"n\">#</th>"
	    "<th>State</th><th>Alert</th><th>Client or server</th>"
	    "<th>Measured</th></tr></thead>\n<tbody>\n");
	for (i = 0; (a = stats_alert_get(st, i)) != NULL; i++) {
		fmt_alert(a, what, sizeof(what));
		putf(h,
		    "<tr><td class=\"n\">%s</td><td class=\"n\">%" PRIu64
		    "</td><td class=\"%s\">%s</td><td>%s</td>"
		    "<td class=\"key\">",
		    fmt_utc(a->ts, TF_FULL).s, a->id,
		    a->raised ? "ev-reject" : "alert-cleared",
		    a->raised ? "raised" : "cleared",
		    smtp_alert_kind_name(a->kind));
		html_put_wire(h, a->subject[0] != '\0' ? a->subject : "(all)");
		put(h, "</td><td>");
		html_put_wire(h, what);
		put(h, "</td></tr>\n");
	}
	putf(h,
	    "</tbody></table>\n<p class=\"note\">The last %s of %s "
	    "alerts raised or cleared.</p>\n</section>\n",
	    fmt_num(st->alert_n).s, fmt_num(all).s);
}

int
report_html(FILE *f, const struct stats *st, const struct report_info *ri)
{
	struct html h;

	h.f = f;
	h.st = st;
	h.ri = ri;
	html_page_head(&h);
	html_page_header(&h);
	overview(&h);
	alerts(&h);
	messages(&h);
	security(&h);
	protocol(&h);
	over_time(&h);
	html_time_tables(&h);
	reply_codes(&h);
	reasons(&h);
	html_breakdown(&h);
	who(&h);
	tls_auth(&h);
	html_auth_users(&h);
	latency(&h);
	sizes(&h);
	sessions(&h);
	recent(&h);
	health(&h);
	plugins_section(&h);
	html_page_foot(&h);
	if (fflush(f) != 0)
		return -1;
	return ferror(f) ? -1 : 0;
}
