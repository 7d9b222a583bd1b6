/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "transcript.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smtp/message.h"
#include "smtp/tls.h"
#include "util.h"

struct tsess {
	struct dbuf text;
	unsigned dropped; /* lines over TRANSCRIPT_SESSION_MAX */
	double t0;
};

void
transcript_init(struct transcript *t, FILE *f)
{
	memset(t, 0, sizeof(*t));
	t->f = f;
	sessmap_init(&t->sessions);
}

static void
line_start(struct tsess *s, double ts, const char *who)
{
	dbuf_printf(&s->text, "  %+9.3fs  %s ", ts - s->t0, who);
}

/* Room for one more line? Past the cap lines are only counted. */
static bool
room(struct tsess *s)
{
	if (s->text.len + 1024 < TRANSCRIPT_SESSION_MAX)
		return true;
	s->dropped++;
	return false;
}

static void
header_item(struct dbuf *b, const char *name, const char *v)
{
	if (v == NULL)
		return;
	dbuf_printf(b, "; %s: ", name);
	text_append_escaped(
	    b, (const uint8_t *)v, strlen(v) > 200 ? 200 : strlen(v));
}

static void
on_transaction(struct tsess *s, const struct smtp_event *ev)
{
	const struct smtp_transaction *tx = ev->u.tx;
	const struct msg_info *m = tx->msg;
	size_t i;

	if (!room(s))
		return;
	dbuf_printf(&s->text, "  %+9.3fs  == transaction %u: %s, ",
	    ev->ts - s->t0, tx->depth, smtp_outcome_name(tx->outcome));
	dbuf_adds(&s->text, "from <");
	text_append_escaped(
	    &s->text, (const uint8_t *)tx->mail_from, strlen(tx->mail_from));
	dbuf_printf(&s->text, ">, %zu of %zu recipients accepted",
	    tx->rcpt_accepted, tx->rcpt_total);
	if (tx->data_seen)
		dbuf_printf(&s->text, ", %" PRIu64 " bytes%s", tx->size,
		    tx->bdat ? " in BDAT" : "");
	if (tx->bounce)
		dbuf_adds(&s->text, ", a bounce");
	dbuf_addc(&s->text, '\n');
	if (m == NULL || (m->header_lines == 0 && !m->headers_done))
		return;
	dbuf_adds(&s->text, "              message");
	header_item(&s->text, "From", m->from);
	header_item(&s->text, "To", m->to);
	header_item(&s->text, "Subject", m->subject_decoded);
	header_item(&s->text, "Date", m->date);
	header_item(&s->text, "Message-ID", m->msg_id);
	if (m->nreceived > 0)
		dbuf_printf(&s->text, "; %zu Received", m->nreceived);
	dbuf_addc(&s->text, '\n');
	for (i = 0; m->is_dsn && i < m->ndsn && i < 10; i++) {
		dbuf_adds(&s->text, "              DSN ");
		header_item(
		    &s->text, "Final-Recipient", m->dsn[i].final_recipient);
		header_item(&s->text, "Action", m->dsn[i].action);
		header_item(&s->text, "Status", m->dsn[i].status);
		header_item(&s->text, "Diagnostic", m->dsn[i].diagnostic);
		dbuf_addc(&s->text, '\n');
	}
}

static void
print_session(
    struct transcript *t, struct tsess *s, const struct smtp_session_info *si)
{
	char a[ENDPOINT_ADDRSTRLEN], b[ENDPOINT_ADDRSTRLEN], when[32];
	time_t sec = (time_t)si->ts_open;
	struct tm tm;

	endpoint_addr_str(&si->client, a, sizeof(a));
	endpoint_addr_str(&si->server, b, sizeof(b));
	gmtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(t->f,
	    "== session %" PRIu64 "  %s%s%s:%u -> %s%s%s:%u  %s.%06ld UTC\n",
	    si->id, si->client.family == 6 ? "[" : "", a,
	    si->client.family == 6 ? "]" : "", si->client.port,
	    si->server.family == 6 ? "[" : "", b,
	    si->server.family == 6 ? "]" : "", si->server.port, when,
	    (long)((si->ts_open - (double)sec) * 1e6));
	if (s->text.len > 0)
		fwrite(s->text.p, 1, s->text.len, t->f);
	if (s->dropped > 0)
		fprintf(t->f, "  [%u more lines not shown]\n", s->dropped);
	if (si->end != SESSION_END_NONE)
		fprintf(t->f,
		    "  %+9.3fs  == end: %s; %" PRIu64 " bytes from the client, "
		    "%" PRIu64 " from the server; %u transactions\n",
		    si->ts_close - s->t0, session_end_name(si->end),
		    si->bytes_client, si->bytes_server, si->transactions);
	if (si->tls)
		fprintf(t->f, "              TLS%s%s%s%s\n",
		    si->tls_meta.seen ? " " : " (no hello seen)",
		    si->tls_meta.seen && tls_version_name(si->tls_meta.version)
			? tls_version_name(si->tls_meta.version)
			: "",
		    si->tls_meta.sni[0] ? ", SNI " : "",
		    si->tls_meta.sni[0] ? si->tls_meta.sni : "");
	fputc('\n', t->f);
	if (ferror(t->f))
		t->error = true;
}

void
transcript_on_event(void *arg, const struct smtp_event *ev)
{
	struct transcript *t = arg;
	struct tsess *s;

	if (ev->type == SMTP_EV_SESSION_OPEN) {
		s = xcalloc(1, sizeof(*s));
		dbuf_init(&s->text, TRANSCRIPT_SESSION_MAX);
		s->t0 = ev->ts;
		sessmap_put(&t->sessions, ev->session->id, s);
		return;
	}
	if ((s = sessmap_get(&t->sessions, ev->session->id)) == NULL)
		return;
	switch (ev->type) {
	case SMTP_EV_COMMAND:
		if (!room(s))
			break;
		line_start(s, ev->ts, "C:");
		text_append_escaped(
		    &s->text, ev->u.command.line, ev->u.command.len);
		if (ev->u.command.verb == SMTP_VERB_AUTH)
			dbuf_adds(&s->text, " [initial response hidden]");
		dbuf_addc(&s->text, '\n');
		break;
	case SMTP_EV_REPLY:
		if (!room(s))
			break;
		if (ev->u.reply.verb == SMTP_VERB_AUTH_DATA) {
			line_start(s, ev->ts, "C:");
			dbuf_adds(&s->text, "[SASL response hidden]\n");
		} else if (ev->u.reply.verb == SMTP_VERB_END_OF_DATA) {
			line_start(s, ev->ts, "C:");
			dbuf_adds(&s->text, "[message data, then .]\n");
		}
		line_start(s, ev->ts, "S:");
		dbuf_printf(&s->text, "%d ", ev->u.reply.code);
		text_append_escaped(
		    &s->text, ev->u.reply.text, ev->u.reply.len);
		if (ev->u.reply.lines > 1)
			dbuf_printf(&s->text, " [%u lines]", ev->u.reply.lines);
		if (ev->u.reply.latency >= 0)
			dbuf_printf(&s->text, "  (%s %.3fs)",
			    smtp_verb_name(ev->u.reply.verb),
			    ev->u.reply.latency);
		dbuf_addc(&s->text, '\n');
		break;
	case SMTP_EV_TRANSACTION:
		on_transaction(s, ev);
		break;
	case SMTP_EV_ANOMALY:
		if (!room(s))
			break;
		line_start(s, ev->ts, "!!");
		dbuf_printf(&s->text, "anomaly: %s\n",
		    smtp_anomaly_name(ev->u.anomaly.kind));
		break;
	case SMTP_EV_SESSION_CLOSE:
		print_session(t, s, ev->session);
		sessmap_del(&t->sessions, ev->session->id);
		dbuf_free(&s->text);
		free(s);
		break;
	default:
		break;
	}
}

static void
free_one(void *arg, void *val)
{
	struct tsess *s = val;

	(void)arg;
	dbuf_free(&s->text);
	free(s);
}

void
transcript_finish(struct transcript *t)
{
	/* Sessions are all closed by the time this runs (reasm closes
	 * them as eof); anything left is freed. */
	sessmap_each(&t->sessions, free_one, NULL);
	sessmap_free(&t->sessions);
	if (fflush(t->f) != 0)
		t->error = true;
}
