/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpscope trace (trace.h). A capture is read by smtpscope itself, run
 * as a child (`smtpscope -q --no-track -r FILE -w -`), and its log read
 * like any other: one way in for captures and logs alike. Every
 * transaction record is kept (in an arena, as the tracker's model wants
 * it), all of them sorted by the time they ended, the copies that two
 * sensors saw of one transaction kept once, then fed to a tracker whose
 * messages are matched against the question.
 */
#include "trace/trace.h"

#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "event/event.h"
#include "lib/util.h"
#include "report/format.h"
#include "sinks/jsonlog.h"
#include "status.h"
#include "trace/records.h"
#include "track/track.h"

#define PRINTED_MAX ((size_t)256 << 20)

struct query {
	const char *from, *to, *domain, *msgid, *qid, *client;
	double since, until;
	bool any;
};

struct trace {
	struct query q;
	struct recs r; /* the records read */
	uint64_t matched;
	struct jsonlog log;
	bool json;
	FILE *out;
	/* The text answer, each message as printed, written in the order
	 * of their first hops (the tracker settles a message refused at
	 * once before one that waits out its window). */
	struct printed {
		double ts;
		uint64_t id;
		char *text;
		size_t len;
	} * printed;
	size_t nprinted, printed_cap, printed_bytes;
};

/* Printed text held before it is written in order: PRINTED_MAX; past
 * it, what is held is written (in order within each batch). */

/* ---- matching and printing ---- */

static bool
glob(const char *pat, const char *s)
{
	return s != NULL && fnmatch(pat, s, FNM_CASEFOLD) == 0;
}

static bool
domain_is(const char *addr, const char *dom)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;

	return at != NULL && glob(dom, at + 1);
}

static bool
match(const struct query *q, const struct smtp_message *m)
{
	char a[ENDPOINT_ADDRSTRLEN];
	bool to = q->to == NULL, dom = q->domain == NULL;
	bool qid = q->qid == NULL, client = q->client == NULL;
	size_t i;

	if (q->since > 0 && m->ts_end < q->since)
		return false;
	if (q->until > 0 && m->ts > q->until)
		return false;
	if (q->from != NULL && !glob(q->from, m->mail_from))
		return false;
	if (q->msgid != NULL && !glob(q->msgid, m->message_id))
		return false;
	if (!dom && domain_is(m->mail_from, q->domain))
		dom = true;
	for (i = 0; i < m->nrcpt; i++) {
		if (!to && glob(q->to, m->rcpts[i].addr))
			to = true;
		if (!dom && domain_is(m->rcpts[i].addr, q->domain))
			dom = true;
	}
	for (i = 0; i < m->nhops; i++) {
		if (!qid && glob(q->qid, m->hops[i].queue_id))
			qid = true;
		endpoint_addr_str(&m->hops[i].client, a, sizeof(a));
		if (!client && glob(q->client, a))
			client = true;
	}
	return to && dom && qid && client;
}

/* "2026-11-22 23:06:33.829" (UTC), as the reports write times, with
 * the milliseconds. */
static void
put_time(FILE *f, double ts)
{
	fprintf(f, "%s.%03d", fmt_utc(ts, TF_FULL).s,
	    (int)((ts - (double)(int64_t)ts) * 1000) % 1000);
}

/* Wire text, printable: other bytes as \xNN. */
static void
put_text(FILE *f, const char *s)
{
	struct dbuf b;

	dbuf_init(&b, 4096);
	text_append_escaped(&b, (const uint8_t *)s, strlen(s));
	fputs(dbuf_str(&b), f);
	dbuf_free(&b);
}

static void
print_hop(struct trace *t, const struct smtp_message *m, size_t i)
{
	const struct smtp_msg_hop *h = &m->hops[i];
	char c[ENDPOINT_ADDRSTRLEN], s[ENDPOINT_ADDRSTRLEN];
	unsigned file = (unsigned)(h->session_id >> RECS_FILE_SHIFT);
	FILE *f = t->out;

	endpoint_addr_str(&h->client, c, sizeof(c));
	endpoint_addr_str(&h->server, s, sizeof(s));
	fprintf(f, "  hop %zu  ", i + 1);
	put_time(f, h->ts);
	fprintf(f, "  %s -> %s port %u", c, s, h->server.port);
	if (h->server_name != NULL) {
		fputs(" (", f);
		put_text(f, h->server_name);
		fputc(')', f);
	}
	fputc('\n', f);
	fprintf(f, "         %s", smtp_outcome_name(h->outcome));
	if (h->final_code > 0)
		fprintf(f, " %d", h->final_code);
	if (h->queue_id != NULL) {
		fputs(", queue id ", f);
		put_text(f, h->queue_id);
	}
	fprintf(f, ", %u of %u recipients accepted", h->rcpt_accepted,
	    h->rcpt_tried);
	if (h->from_hop >= 0)
		fprintf(f,
		    "; from hop %d after %.3f s in its queue (linked by %s)",
		    h->from_hop + 1, h->queue_time,
		    smtp_hop_link_name(h->link));
	fprintf(f, "\n         session %" PRIu64 " of %s%s\n",
	    h->session_id & (((uint64_t)1 << RECS_FILE_SHIFT) - 1),
	    file < t->r.nfiles ? t->r.files[file] : "?",
	    h->partial ? " (partial: capture loss or a reply not seen)" : "");
}

static void
print_message(struct trace *t, const struct smtp_message *m)
{
	FILE *f = t->out;
	size_t i;

	fprintf(f, "message %" PRIu64 "  ", m->id);
	put_time(f, m->ts);
	fputs("  from <", f);
	put_text(f, m->mail_from);
	fprintf(f, ">  %" PRIu64 " bytes", m->size);
	if (m->message_id != NULL) {
		fputs("  ", f);
		put_text(f, m->message_id);
	}
	if (m->dsn)
		fputs("  (a DSN", f);
	if (m->dsn && m->bounce_of != 0)
		fprintf(f, " about message %" PRIu64, m->bounce_of);
	if (m->dsn)
		fputc(')', f);
	fputc('\n', f);
	for (i = 0; i < m->nhops; i++)
		print_hop(t, m, i);
	for (i = 0; i < m->nrcpt; i++) {
		const struct smtp_msg_rcpt *r = &m->rcpts[i];

		fputs("  <", f);
		put_text(f, r->addr);
		fprintf(f, ">  %s", smtp_fate_name(r->fate));
		if (r->hop >= 0)
			fprintf(f, " at hop %d", r->hop + 1);
		if (r->code > 0)
			fprintf(f, ": %d", r->code);
		if (r->enh[0] != '\0')
			fprintf(f, " %s", r->enh);
		if (r->text != NULL) {
			fputc(' ', f);
			put_text(f, r->text);
		}
		if (r->deferrals > 0)
			fprintf(f, " (after %u deferral%s)", r->deferrals,
			    r->deferrals > 1 ? "s" : "");
		if (r->bounce != 0) {
			fprintf(f, "; bounced by message %" PRIu64, r->bounce);
			if (r->bounce_status != NULL) {
				fputs(" (", f);
				put_text(f, r->bounce_status);
				fputc(')', f);
			}
			if (r->bounce_link != NULL)
				fprintf(f, ", linked by %s", r->bounce_link);
		} else if (r->bounce_owed)
			fputs("; no bounce seen", f);
		fputc('\n', f);
	}
	fputc('\n', f);
}

static int
by_first_hop(const void *a, const void *b)
{
	const struct printed *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The messages held, in the order of their first hops, to stdout. */
static void
printed_flush(struct trace *t)
{
	size_t i;

	if (t->nprinted > 0)
		qsort(
		    t->printed, t->nprinted, sizeof(*t->printed), by_first_hop);
	for (i = 0; i < t->nprinted; i++) {
		fwrite(t->printed[i].text, 1, t->printed[i].len, stdout);
		free(t->printed[i].text);
	}
	t->nprinted = 0;
	t->printed_bytes = 0;
}

/* Message m as text, held for printed_flush() (printed at once when it
 * cannot be held). */
static void
print_held(struct trace *t, const struct smtp_message *m)
{
	struct printed *p;
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	if (mem == NULL) {
		print_message(t, m);
		return;
	}
	t->out = mem;
	print_message(t, m);
	t->out = stdout;
	if (fclose(mem) != 0 || text == NULL) {
		free(text);
		print_message(t, m);
		return;
	}
	if (t->printed_bytes + len > PRINTED_MAX)
		printed_flush(t);
	if (t->nprinted == t->printed_cap) {
		t->printed_cap = t->printed_cap ? t->printed_cap * 2 : 256;
		t->printed =
		    xrealloc(t->printed, t->printed_cap * sizeof(*t->printed));
	}
	p = &t->printed[t->nprinted++];
	p->ts = m->nhops > 0 ? m->hops[0].ts : m->ts;
	p->id = m->id;
	p->text = text;
	p->len = len;
	t->printed_bytes += len;
}

static void
on_message(void *arg, const struct smtp_event *ev)
{
	struct trace *t = arg;
	const struct smtp_message *m = ev->u.message;

	if (ev->type != SMTP_EV_MESSAGE || !match(&t->q, m))
		return;
	t->matched++;
	if (t->json) {
		/* Session ids as each input has them. */
		struct smtp_msg_hop hops[TRACK_HOPS_MAX];
		struct smtp_message copy = *m;
		struct smtp_event e = *ev;
		size_t i,
		    n = m->nhops < TRACK_HOPS_MAX ? m->nhops : TRACK_HOPS_MAX;

		for (i = 0; i < n; i++) {
			hops[i] = m->hops[i];
			hops[i].session_id &=
			    ((uint64_t)1 << RECS_FILE_SHIFT) - 1;
		}
		copy.hops = hops;
		copy.nhops = n;
		e.u.message = &copy;
		jsonlog_on_event(&t->log, &e);
	} else
		print_held(t, m);
}

/* ---- the run ---- */

static void __attribute__((noreturn)) usage(FILE *f, int status)
{
	fputs("usage: smtpscope trace [QUESTION...] [-w FILE] INPUT...\n"
	      "       smtpscope trace [QUESTION...] [-w FILE] --clickhouse "
	      "URL [INPUT...]\n"
	      "What happened to the mail asked about: each matching message "
	      "as the\npath it took (hops, replies, queue ids, time in each "
	      "relay's queue,\nevery recipient's fate, the bounce that came "
	      "back).\n"
	      "INPUT: captures (pcap, pcapng) or smtpscope's JSON logs (-w), "
	      "several\nat once, from several sensors: merged by time.\n"
	      "question (all given must hold; PATTERN: shell glob, any "
	      "case)\n"
	      "      --from PATTERN      envelope sender\n"
	      "      --to PATTERN        a recipient\n"
	      "      --domain PATTERN    the sender's or a recipient's "
	      "domain\n"
	      "      --message-id PATTERN\n"
	      "      --queue-id PATTERN  the queue id of any hop\n"
	      "      --client PATTERN    the client address of any hop\n"
	      "      --since TIME, --until TIME  UTC: 2026-11-22, "
	      "2026-11-22T23:06:33,\n"
	      "                          or seconds since the epoch\n"
	      "output\n"
	      "  -w FILE                 `message` records (JSON Lines; - "
	      "stdout)\n"
	      "      --track-window S    as smtpscope's (default "
	      "900)\n" RECS_STORE_HELP,
	    f);
	exit(status);
}

int
trace_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "domain", required_argument, NULL, 'D' },
		{ "message-id", required_argument, NULL, 'M' },
		{ "queue-id", required_argument, NULL, 'Q' },
		{ "client", required_argument, NULL, 'C' },
		RECS_SPAN_OPTIONS,
		RECS_STORE_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct trace t;
	static struct recs_store so;
	static const char *const tables[] = { "sessions", "transactions" };
	struct track_config tc = { 0, 0, 0 };
	struct recs_span span = { 0, 0, 0 };
	struct event_bus bus;
	struct tracker *tr;
	const char *wfile = NULL;
	char err[512];
	double window;
	int ch;
	size_t i, nfed;

	t.out = stdout;
	recs_init(&t.r, "trace");
	optind = 1;
	while ((ch = getopt_long(argc, argv, "w:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'F':
			t.q.from = optarg;
			break;
		case 'T':
			t.q.to = optarg;
			break;
		case 'D':
			t.q.domain = optarg;
			break;
		case 'M':
			t.q.msgid = optarg;
			break;
		case 'Q':
			t.q.qid = optarg;
			break;
		case 'C':
			t.q.client = optarg;
			break;
		case 'w':
			wfile = optarg;
			break;
		case 'h':
			usage(stdout, EXIT_OK);
		default:
			if (recs_store_option(&t.r, &so, ch, optarg) == 0 ||
			    recs_span_option(&t.r, &span, ch, optarg) == 0)
				break;
			if (RECS_IS_STORE_OPTION(ch) || RECS_IS_SPAN_OPTION(ch))
				return EXIT_USAGE;
			usage(stderr, EXIT_USAGE);
		}
	}
	if (recs_store_check(&t.r, &so, optind < argc) != 0)
		return EXIT_USAGE;
	t.q.since = span.since;
	t.q.until = span.until;
	tc.window = span.window;
	for (i = (size_t)optind; i < (size_t)argc; i++)
		if (!recs_add_input(&t.r, argv[i])) {
			recs_say(&t.r, "%s", "too many inputs");
			return EXIT_USAGE;
		}
	for (i = 0; i < t.r.nfiles; i++)
		recs_read_input(&t.r, (unsigned)i);
	window = tc.window > 0 ? tc.window : 900;
	/* A message's hops around the span asked about; a session opens
	 * before its transactions: a day more before. */
	if (so.url != NULL)
		recs_read_store(&t.r, &so, tables, 2, t.q.since, t.q.until,
		    2 * window + 86400, 2 * window);
	recs_sort(&t.r);
	if (wfile != NULL) {
		if (jsonlog_open(&t.log, wfile, err, sizeof(err)) != 0) {
			recs_say(&t.r, "%s", err);
			return EXIT_OUTPUT;
		}
		t.json = true;
		t.log.all_messages = true;
	}
	memset(&bus, 0, sizeof(bus));
	tr = track_open(&tc, &bus);
	event_bus_subscribe_types(
	    &bus, on_message, &t, EVENT_BIT(SMTP_EV_MESSAGE));
	nfed = recs_feed(&t.r, &bus);
	track_finish(tr);
	track_close(tr);
	printed_flush(&t);
	free(t.printed);
	if (t.json && jsonlog_close(&t.log) != 0 && t.r.status == EXIT_OK)
		t.r.status = EXIT_OUTPUT;
	recs_finish(&t.r);
	fprintf(stderr,
	    "smtpscope trace: %" PRIu64 " of the messages "
	    "matched (%zu transactions read from %zu inputs)\n",
	    t.matched, nfed, t.r.nfiles);
	return t.r.status;
}
