/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sinks/transcript.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event/codes.h"
#include "lib/util.h"

struct tsess {
	struct dbuf text;
	unsigned dropped; /* lines over TRANSCRIPT_SESSION_MAX */
	double t0;
};

/* Dialogues written in blocks of this much (to a terminal, each at
 * once). */
#define TRANSCRIPT_BATCH (64u << 10)

void
transcript_init(struct transcript *t, int fd)
{
	memset(t, 0, sizeof(*t));
	recfile_init_fd(&t->out, fd, false,
	    fd == STDOUT_FILENO ? "the transcript (standard output)"
				: "the transcript",
	    isatty(fd) ? 0 : TRANSCRIPT_BATCH, TRANSCRIPT_SESSION_MAX + 4096);
	sessmap_init(&t->sessions);
}

static void
line_start(struct dbuf *out, double t0, double ts, const char *who)
{
	dbuf_printf(out, "  %+9.3fs  %s ", ts - t0, who);
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
format_transaction(struct dbuf *out, double t0, const struct smtp_event *ev)
{
	const struct smtp_transaction *tx = ev->u.tx;
	const struct smtp_msg_info *m = tx->msg;
	size_t i;

	dbuf_printf(out, "  %+9.3fs  == transaction %u: %s, ", ev->ts - t0,
	    tx->depth, smtp_outcome_name(tx->outcome));
	if (tx->verb != SMTP_VERB_MAIL)
		dbuf_printf(out, "%s ", smtp_verb_name(tx->verb));
	if (tx->mail_from[0] == '\0' && !tx->bounce)
		dbuf_adds(out, "sender not seen");
	else {
		dbuf_adds(out, "from <");
		text_append_escaped(
		    out, (const uint8_t *)tx->mail_from, strlen(tx->mail_from));
		dbuf_addc(out, '>');
	}
	dbuf_printf(out, ", %zu of %zu recipients accepted", tx->rcpt_accepted,
	    tx->rcpt_total);
	if (tx->lmtp)
		dbuf_printf(out, ", %u delivered (LMTP)", tx->lmtp_delivered);
	if (tx->data_seen)
		dbuf_printf(out, ", %" PRIu64 " bytes%s", tx->size,
		    tx->bdat ? " in BDAT" : "");
	if (tx->bounce)
		dbuf_adds(out, ", a bounce");
	if (tx->reversed)
		dbuf_adds(out, ", sent by the TCP server (roles reversed)");
	if (tx->nrefused > 0)
		dbuf_printf(out, ", %zu command%s refused within it",
		    tx->nrefused, tx->nrefused > 1 ? "s" : "");
	if (tx->assumed)
		dbuf_adds(out, ", replies missing: effects assumed");
	if (tx->capture_loss)
		dbuf_printf(out, ", %s (%s%s%s)",
		    tx->outcome == SMTP_OUTCOME_LOST
			? "capture loss may explain it"
			: "not all of it was captured",
		    tx->capture_loss & SMTP_LOSS_GAP ? "a gap" : "",
		    tx->capture_loss == (SMTP_LOSS_GAP | SMTP_LOSS_KERNEL_DROPS)
			? ", "
			: "",
		    tx->capture_loss & SMTP_LOSS_KERNEL_DROPS ? "kernel drops"
							      : "");
	if (tx->submission_no_auth)
		dbuf_adds(out, ", on a submission port without AUTH");
	dbuf_addc(out, '\n');
	if (m == NULL || (m->header_lines == 0 && !m->headers_done))
		return;
	dbuf_adds(out, "              message");
	header_item(out, "From", m->from);
	header_item(out, "To", m->to);
	header_item(out, "Subject", m->subject_decoded);
	header_item(out, "Date", m->date);
	header_item(out, "Message-ID", m->msg_id);
	if (m->nreceived > 0)
		dbuf_printf(out, "; %zu Received", m->nreceived);
	dbuf_addc(out, '\n');
	for (i = 0; m->is_dsn && i < m->ndsn && i < 10; i++) {
		dbuf_adds(out, "              DSN ");
		header_item(out, "Final-Recipient", m->dsn[i].final_recipient);
		header_item(out, "Action", m->dsn[i].action);
		header_item(out, "Status", m->dsn[i].status);
		header_item(out, "Diagnostic", m->dsn[i].diagnostic);
		dbuf_addc(out, '\n');
	}
}

/* A multi-line reply to a command outside transactions (EXPN's members,
 * HELP's text): every line, as the reply line above showed only the
 * first. */
static void
format_result(struct dbuf *out, const struct smtp_command_result *r)
{
	size_t i;

	if (r->nlines < 2 || r->lines_dropped > 0 ||
	    r->verb == SMTP_VERB_UNKNOWN)
		return;
	for (i = 0; i < r->nlines; i++) {
		dbuf_adds(out, "              | ");
		text_append_escaped(
		    out, (const uint8_t *)r->lines[i], strlen(r->lines[i]));
		dbuf_addc(out, '\n');
	}
}

/* What a reply means, where it is not the everyday one. */
static void
reply_meaning(struct dbuf *out, const struct smtp_event *ev)
{
	char m[160];
	int c = ev->u.reply.code;

	if (c == 220 || c == 221 || c == 235 || c == 250 || c == 334 ||
	    c == 354)
		return;
	dbuf_printf(
	    out, "  [%d: %s", c, smtp_reply_meaning(c, ev->u.reply.verb));
	if (ev->u.reply.enh[0] != '\0' &&
	    smtp_enh_meaning(ev->u.reply.enh, m, sizeof(m)) != NULL)
		dbuf_printf(out, "; %s: %s", ev->u.reply.enh, m);
	dbuf_addc(out, ']');
}

void
transcript_format_event(
    struct dbuf *out, double t0, const struct smtp_event *ev)
{
	switch (ev->type) {
	case SMTP_EV_COMMAND:
		line_start(out, t0, ev->ts, "C:");
		if (ev->u.command.verb == SMTP_VERB_AUTH_DATA) {
			dbuf_adds(out, "[SASL response hidden]\n");
			break;
		}
		if (ev->u.command.verb == SMTP_VERB_END_OF_DATA)
			dbuf_adds(out, "[message data] ");
		text_append_escaped(out, ev->u.command.line, ev->u.command.len);
		if (ev->u.command.verb == SMTP_VERB_AUTH)
			dbuf_adds(out, " [initial response hidden]");
		dbuf_addc(out, '\n');
		break;
	case SMTP_EV_REPLY:
		line_start(out, t0, ev->ts, "S:");
		dbuf_printf(out, "%d ", ev->u.reply.code);
		text_append_escaped(out, ev->u.reply.text, ev->u.reply.len);
		if (ev->u.reply.lines > 1)
			dbuf_printf(out, " [%u lines]", ev->u.reply.lines);
		if (ev->u.reply.latency >= 0)
			dbuf_printf(out, "  (%s %.3fs)",
			    smtp_verb_name(ev->u.reply.verb),
			    ev->u.reply.latency);
		reply_meaning(out, ev);
		dbuf_addc(out, '\n');
		if (ev->u.reply.granted &&
		    (ev->u.reply.verb == SMTP_VERB_TURN ||
			ev->u.reply.verb == SMTP_VERB_ATRN))
			dbuf_adds(out,
			    "              == roles reversed: the other side "
			    "now sends mail\n");
		break;
	case SMTP_EV_TRANSACTION:
		format_transaction(out, t0, ev);
		break;
	case SMTP_EV_COMMAND_RESULT:
		format_result(out, ev->u.result);
		break;
	case SMTP_EV_ANOMALY:
		line_start(out, t0, ev->ts, "!!");
		dbuf_printf(out, "anomaly: %s\n",
		    smtp_anomaly_name(ev->u.anomaly.kind));
		break;
	default:
		break;
	}
}

void
transcript_format_open(struct dbuf *out, const struct smtp_session_info *si)
{
	char a[ENDPOINT_ADDRSTRLEN], b[ENDPOINT_ADDRSTRLEN], when[32];
	time_t sec = (time_t)si->ts_open;
	struct tm tm;

	endpoint_addr_str(&si->client, a, sizeof(a));
	endpoint_addr_str(&si->server, b, sizeof(b));
	gmtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	dbuf_printf(out,
	    "== session %" PRIu64 "  %s%s%s:%u -> %s%s%s:%u  %s.%06ld UTC\n",
	    si->id, si->client.family == 6 ? "[" : "", a,
	    si->client.family == 6 ? "]" : "", si->client.port,
	    si->server.family == 6 ? "[" : "", b,
	    si->server.family == 6 ? "]" : "", si->server.port, when,
	    (long)((si->ts_open - (double)sec) * 1e6));
	/* The target is wire text (printable ASCII), escaped all the
	 * same. */
	if (si->tunnel == SMTP_TUNNEL_HTTP_CONNECT) {
		dbuf_adds(out, "   (inside an HTTP CONNECT tunnel to ");
		text_append_escaped(out, (const uint8_t *)si->tunnel_target,
		    strlen(si->tunnel_target));
		dbuf_adds(out, ")\n");
	}
}

void
transcript_format_close(
    struct dbuf *out, double t0, const struct smtp_session_info *si)
{
	const char *v;

	if (si->end != SMTP_SESSION_END_NONE)
		dbuf_printf(out,
		    "  %+9.3fs  == end: %s; %" PRIu64 " bytes from the client, "
		    "%" PRIu64 " from the server; %u transactions\n",
		    si->ts_close - t0, session_end_name(si->end),
		    si->bytes_client, si->bytes_server, si->transactions);
	if (!si->tls)
		return;
	dbuf_adds(out, "              TLS");
	if (!si->tls_meta.seen) {
		dbuf_adds(out, " (no hello seen)");
	} else {
		dbuf_addc(out, ' ');
		if ((v = tls_version_name(si->tls_meta.version)) != NULL)
			dbuf_adds(out, v);
	}
	if (si->tls_meta.sni[0] != '\0') {
		/* The SNI is wire text. */
		dbuf_adds(out, ", SNI ");
		text_append_escaped(out, (const uint8_t *)si->tls_meta.sni,
		    strnlen(si->tls_meta.sni, sizeof(si->tls_meta.sni)));
	}
	dbuf_addc(out, '\n');
}

static void
print_session(
    struct transcript *t, struct tsess *s, const struct smtp_session_info *si)
{
	struct dbuf *b = recfile_begin(&t->out);

	/* One record: the session's whole dialogue. */
	transcript_format_open(b, si);
	if (s->text.len > 0)
		dbuf_add(b, s->text.p, s->text.len);
	if (s->dropped > 0)
		dbuf_printf(b, "  [%u more lines not shown]\n", s->dropped);
	transcript_format_close(b, s->t0, si);
	dbuf_addc(b, '\n');
	recfile_end(&t->out, true);
}

void
transcript_on_event(void *arg, const struct smtp_event *ev)
{
	struct transcript *t = arg;
	struct tsess *s;

	if (ev->type == SMTP_EV_SESSION_OPEN) {
		s = ccalloc(1, sizeof(*s));
		dbuf_init_counted(&s->text, TRANSCRIPT_SESSION_MAX);
		s->t0 = ev->ts;
		sessmap_put(&t->sessions, ev->session->id, s);
		return;
	}
	if ((s = sessmap_get(&t->sessions, ev->session->id)) == NULL)
		return;
	switch (ev->type) {
	case SMTP_EV_COMMAND:
	case SMTP_EV_REPLY:
	case SMTP_EV_TRANSACTION:
	case SMTP_EV_ANOMALY:
	case SMTP_EV_COMMAND_RESULT:
		if (room(s))
			transcript_format_event(&s->text, s->t0, ev);
		break;
	case SMTP_EV_SESSION_CLOSE:
		print_session(t, s, ev->session);
		sessmap_del(&t->sessions, ev->session->id);
		dbuf_free(&s->text);
		cfree(s);
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
	cfree(s);
}

void
transcript_flush(struct transcript *t)
{
	recfile_flush(&t->out, false);
}

int
transcript_finish(struct transcript *t)
{
	/* Sessions are all closed by the time this runs (reasm closes
	 * them as eof); anything left is freed. */
	sessmap_each(&t->sessions, free_one, NULL);
	sessmap_free(&t->sessions);
	return recfile_close(&t->out);
}
