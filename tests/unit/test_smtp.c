/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the SMTP dissector. Each dialogue is a list of chunks
 * (client or server bytes); the events it produces are written as text
 * and compared with the expected text. Every dialogue is fed whole, then
 * with each chunk split at every byte offset, then byte by byte: the
 * events must be identical every time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "smtp/message.h"
#include "smtp/smtp.h"

#include "check.h"

struct chunk {
	char dir; /* 'C' client, 'S' server, 0 ends */
	const char *data;
	size_t len; /* 0: strlen(data) */
};

static struct dbuf trace;
/* What command events carry besides the line (test_command_parsed()):
 * the argument, and for MAIL and RCPT the path and parameters. */
static struct dbuf parsed;
static int verbose; /* also record the details of issue 3's fields */
/* The session's parameters in the next runs. */
static uint16_t server_port;
static bool submission;
static int trace_states; /* record each state change too */

static void
record_details(const struct smtp_event *ev)
{
	const struct smtp_transaction *tx;
	const struct smtp_session_info *si = ev->session;
	const struct smtp_msg_info *m;
	unsigned bit;
	size_t i;

	if (ev->type == SMTP_EV_SESSION_CLOSE) {
		dbuf_printf(&trace,
		    "  greeting host=%s text=%s caps=", si->greeting_host,
		    si->greeting_text);
		for (bit = 0; smtp_cap_name(bit) != NULL; bit++)
			if (si->caps & (1u << bit))
				dbuf_printf(&trace, "%s,", smtp_cap_name(bit));
		dbuf_printf(&trace, " size=%llu auth=%s\n",
		    (unsigned long long)si->size_limit, si->auth_mechs);
		return;
	}
	if (ev->type != SMTP_EV_TRANSACTION)
		return;
	tx = ev->u.tx;
	dbuf_printf(&trace,
	    "  params size=%llu body=%s ret=%s utf8=%d envid=%s auth=%s\n",
	    (unsigned long long)tx->params.size, tx->params.body,
	    tx->params.ret, tx->params.smtputf8,
	    tx->params.envid ? tx->params.envid : "-",
	    tx->params.auth ? tx->params.auth : "-");
	dbuf_printf(&trace, "  mail enh=%s text=%s\n", tx->mail.enh,
	    tx->mail.text ? tx->mail.text : "-");
	for (i = 0; i < tx->nrcpt; i++)
		dbuf_printf(&trace, "  rcpt %s enh=%s notify=%s orcpt=%s\n",
		    tx->rcpt[i].addr, tx->rcpt[i].reply.enh,
		    tx->rcpt[i].notify ? tx->rcpt[i].notify : "-",
		    tx->rcpt[i].orcpt ? tx->rcpt[i].orcpt : "-");
	dbuf_printf(&trace, "  final enh=%s text=%s last=%d %s bounce=%d\n",
	    tx->final.enh, tx->final.text ? tx->final.text : "-", tx->last_code,
	    tx->last_text ? tx->last_text : "-", tx->bounce);
	if ((m = tx->msg) == NULL)
		return;
	dbuf_printf(&trace,
	    "  headers from=%s to=%s subject=%s id=%s "
	    "received=%zu path=",
	    m->from ? m->from : "-", m->to ? m->to : "-",
	    m->subject_decoded ? m->subject_decoded : "-",
	    m->msg_id ? m->msg_id : "-", m->nreceived);
	for (i = 0; i < m->npath; i++)
		dbuf_printf(&trace, "%s,", m->path[i]);
	dbuf_addc(&trace, '\n');
	for (i = 0; m->is_dsn && i < m->ndsn; i++)
		dbuf_printf(&trace, "  dsn %s %s %s %s\n",
		    m->dsn[i].final_recipient ? m->dsn[i].final_recipient : "-",
		    m->dsn[i].action ? m->dsn[i].action : "-",
		    m->dsn[i].status ? m->dsn[i].status : "-",
		    m->dsn[i].diagnostic ? m->dsn[i].diagnostic : "-");
}

/* Body events (SMTP_EV_BODY), per transaction depth: bytes seen, and
 * whether the offsets ran on without a hole; the text of depth 1. */
#define BODY_DEPTHS 64
static uint64_t body_seen[BODY_DEPTHS];
static int body_holes[BODY_DEPTHS];
static struct dbuf body1;

static void
record_parsed(const struct smtp_event *ev)
{
	const struct smtp_mail_params *mp = ev->u.command.mail_params;
	const struct smtp_rcpt *r = ev->u.command.rcpt;

	dbuf_printf(&parsed, "%s arg=[", smtp_verb_name(ev->u.command.verb));
	if (ev->u.command.arg != NULL)
		dbuf_add(&parsed, ev->u.command.arg, ev->u.command.arg_len);
	dbuf_adds(&parsed, "]");
	if (ev->u.command.path != NULL)
		dbuf_printf(&parsed, " path=<%s>", ev->u.command.path);
	if (mp != NULL)
		dbuf_printf(&parsed, " size=%llu body=%s smtputf8=%d envid=%s",
		    (unsigned long long)mp->size, mp->body, mp->smtputf8,
		    mp->envid != NULL ? mp->envid : "-");
	if (r != NULL)
		dbuf_printf(&parsed, " notify=%s orcpt=%s",
		    r->notify != NULL ? r->notify : "-",
		    r->orcpt != NULL ? r->orcpt : "-");
	dbuf_addc(&parsed, '\n');
}

static void
record(void *arg, const struct smtp_event *ev)
{
	const struct smtp_transaction *tx;
	unsigned d;
	size_t i;

	(void)arg;
	switch (ev->type) {
	case SMTP_EV_BODY:
		d = ev->u.body.depth % BODY_DEPTHS;
		if (ev->u.body.offset != body_seen[d] || ev->u.body.len == 0)
			body_holes[d] = 1;
		body_seen[d] += ev->u.body.len;
		if (d == 1 && ev->u.body.data != NULL)
			dbuf_add(&body1, ev->u.body.data, ev->u.body.len);
		break;
	case SMTP_EV_TRANSACTION:
		tx = ev->u.tx;
		/* The body events of a transaction add up to its size. */
		d = tx->depth % BODY_DEPTHS;
		if (body_seen[d] != tx->size || body_holes[d])
			dbuf_printf(&trace, "BODY EVENTS %llu of %llu%s\n",
			    (unsigned long long)body_seen[d],
			    (unsigned long long)tx->size,
			    body_holes[d] ? ", with holes" : "");
		body_seen[d] = 0;
		body_holes[d] = 0;
		if (tx->sender_unknown)
			dbuf_printf(&trace, "TX %u from=? mail=%d rcpt=[",
			    tx->depth, tx->mail.code);
		else
			dbuf_printf(&trace, "TX %u from=<%s> mail=%d rcpt=[",
			    tx->depth, tx->mail_from, tx->mail.code);
		for (i = 0; i < tx->nrcpt; i++)
			dbuf_printf(&trace, "%s%s:%d", i ? "," : "",
			    tx->rcpt[i].addr, tx->rcpt[i].reply.code);
		dbuf_printf(&trace,
		    "] n=%zu ok=%zu data=%d final=%d %s size=%llu by=%s",
		    tx->rcpt_total, tx->rcpt_accepted, tx->data.code,
		    tx->final.code, smtp_outcome_name(tx->outcome),
		    (unsigned long long)tx->size, tx->ended_by);
		/* What issue 10 added, only where it is not the default. */
		if (tx->verb != SMTP_VERB_MAIL)
			dbuf_printf(
			    &trace, " verb=%s", smtp_verb_name(tx->verb));
		if (tx->nrefused > 0) {
			dbuf_adds(&trace, " refused=[");
			for (i = 0; i < tx->nrefused; i++)
				dbuf_printf(&trace, "%s%s:%d", i ? "," : "",
				    smtp_verb_name(tx->refused[i].verb),
				    tx->refused[i].reply.code);
			dbuf_addc(&trace, ']');
		}
		if (tx->lmtp) {
			dbuf_adds(&trace, " lmtp=[");
			for (i = 0; i < tx->nrcpt; i++)
				dbuf_printf(&trace, "%s%d", i ? "," : "",
				    tx->rcpt[i].delivery.code);
			dbuf_printf(
			    &trace, "] delivered=%u", tx->lmtp_delivered);
		}
		if (tx->reversed)
			dbuf_adds(&trace, " reversed");
		if (tx->assumed)
			dbuf_adds(&trace, " assumed");
		if (tx->capture_loss)
			dbuf_printf(&trace, " loss=%u", tx->capture_loss);
		if (tx->submission_no_auth)
			dbuf_adds(&trace, " no_auth");
		dbuf_printf(&trace, " helo=%s\n", tx->helo);
		break;
	case SMTP_EV_COMMAND_RESULT:
		dbuf_printf(
		    &trace, "RESULT %s [", smtp_verb_name(ev->u.result->verb));
		text_append_escaped(
		    &trace, ev->u.result->arg, ev->u.result->arg_len);
		dbuf_printf(&trace, "] %d", ev->u.result->reply.code);
		if (ev->u.result->reply.enh[0])
			dbuf_printf(&trace, " %s", ev->u.result->reply.enh);
		for (i = 0; i < ev->u.result->nlines; i++)
			dbuf_printf(&trace, " |%s", ev->u.result->lines[i]);
		if (ev->u.result->reversed)
			dbuf_adds(&trace, " reversed");
		dbuf_addc(&trace, '\n');
		break;
	case SMTP_EV_ANOMALY:
		dbuf_printf(&trace, "ANOMALY %s\n",
		    smtp_anomaly_name(ev->u.anomaly.kind));
		break;
	case SMTP_EV_SESSION_CLOSE:
		dbuf_printf(&trace, "CLOSE %s tx=%u helo=%s tls=%d%s%s%s\n",
		    session_end_name(ev->session->end),
		    ev->session->transactions, ev->session->helo,
		    ev->session->tls, ev->session->lmtp ? " lmtp" : "",
		    ev->session->reversed ? " reversed" : "",
		    ev->session->auth_cleartext ? " cleartext" : "");
		if (ev->session->auth_attempts > 0)
			dbuf_printf(&trace,
			    "AUTH %s user=%s %s code=%d n=%u "
			    "fail=%u\n",
			    ev->session->auth_mech, ev->session->auth_user,
			    smtp_auth_result_name(ev->session->auth_result),
			    ev->session->auth_code, ev->session->auth_attempts,
			    ev->session->auth_failures);
		break;
	case SMTP_EV_COMMAND:
		if (ev->u.command.verb == SMTP_VERB_AUTH_DATA) {
			/* Never a line: a SASL response is secret. */
			dbuf_adds(&trace,
			    ev->u.command.line == NULL && ev->u.command.len == 0
				? "C (sasl)\n"
				: "C (sasl WITH TEXT)\n");
			break;
		}
		dbuf_adds(&trace, "C ");
		text_append_escaped(
		    &trace, ev->u.command.line, ev->u.command.len);
		dbuf_addc(&trace, '\n');
		record_parsed(ev);
		break;
	case SMTP_EV_REPLY:
		dbuf_printf(&trace, "R %s %d%s\n",
		    smtp_verb_name(ev->u.reply.verb), ev->u.reply.code,
		    ev->u.reply.granted || ev->u.reply.code >= 400 ||
			    ev->u.reply.verb == SMTP_VERB_UNKNOWN
			? ""
			: " (not granted)");
		break;
	case SMTP_EV_SESSION_OPEN:
	case SMTP_EV_MESSAGE: /* the tracker's, never the dissector's */
	case SMTP_EV_ALERT:   /* the alerts', never the dissector's */
	case SMTP_EV_ATTEMPT: /* the network layer's, no session */
		break;
	}
	if (verbose)
		record_details(ev);
}

static void
state_change(void *arg, const struct smtp_session_info *si, const char *from,
    const char *to, const char *why)
{
	(void)arg;
	(void)si;
	dbuf_printf(&trace, "STATE %s -> %s (%s)\n", from, to, why);
}

/* What the capture dropped so far (a 'K' chunk adds to it). */
static uint64_t kernel_drops;

/* Feed the dialogue; split chunk `split_chunk` at `at` (or not: -1);
 * bytewise feeds everything one byte at a time. */
static char *
run(const struct chunk *c, enum smtp_session_end end, long split_chunk,
    size_t at, int bytewise)
{
	struct smtp_session_params p;
	struct event_bus bus;
	struct smtp_session *s;
	double ts = 1000.0;
	long i;

	memset(&bus, 0, sizeof(bus));
	event_bus_subscribe_body(&bus, record, NULL, true);
	memset(&p, 0, sizeof(p));
	p.id = 1;
	p.ts = ts;
	p.server.port = server_port;
	p.submission = submission;
	p.capture_drops = &kernel_drops;
	if (trace_states)
		p.trace = state_change;
	dbuf_reset(&trace);
	dbuf_reset(&body1);
	memset(body_seen, 0, sizeof(body_seen));
	memset(body_holes, 0, sizeof(body_holes));
	s = smtp_session_open(&bus, &p);
	for (i = 0; c[i].dir != 0; i++) {
		size_t len = c[i].len ? c[i].len : strlen(c[i].data);
		enum smtp_dir d =
		    c[i].dir == 'C' ? SMTP_DIR_CLIENT : SMTP_DIR_SERVER;
		const uint8_t *b = (const uint8_t *)c[i].data;

		ts += 0.5;
		if (c[i].dir == 'K') { /* the kernel drops packets now */
			kernel_drops += 100;
			continue;
		}
		if (bytewise) {
			size_t k;

			for (k = 0; k < len; k++)
				smtp_session_data(s, d, b + k, 1, ts);
		} else if (i == split_chunk && at > 0 && at < len) {
			smtp_session_data(s, d, b, at, ts);
			smtp_session_data(s, d, b + at, len - at, ts);
		} else
			smtp_session_data(s, d, b, len, ts);
	}
	smtp_session_close(s, end, ts + 1);
	return xstrdup(dbuf_str(&trace));
}

static void
check_dialogue(const char *name, const struct chunk *c,
    enum smtp_session_end end, const char *expect)
{
	char *whole = run(c, end, -1, 0, 0), *other;
	long i;
	size_t at, len;
	int splits_ok = 1;

	if (!CHECKF(strcmp(whole, expect) == 0,
		"%s\n--- expected\n%s--- got\n%s", name, expect, whole)) {
		free(whole);
		return;
	}
	for (i = 0; c[i].dir != 0 && splits_ok; i++) {
		len = c[i].len ? c[i].len : strlen(c[i].data);
		for (at = 1; at < len; at++) {
			other = run(c, end, i, at, 0);
			if (strcmp(other, whole) != 0) {
				fprintf(stderr,
				    "FAIL %s split chunk %ld at %zu\n--- "
				    "expected\n%s--- got\n%s",
				    name, i, at, whole, other);
				splits_ok = 0;
				free(other);
				break;
			}
			free(other);
		}
	}
	other = run(c, end, -1, 0, 1);
	if (strcmp(other, whole) != 0) {
		fprintf(stderr, "FAIL %s bytewise\n--- expected\n%s--- got\n%s",
		    name, whole, other);
		splits_ok = 0;
	}
	free(other);
	CHECKF(splits_ok, "%s: split or bytewise differs", name);
	free(whole);
}

#define END \
	{ \
		0, NULL, 0 \
	}

static void
test_basic(void)
{
	static const struct chunk c[] = {
		{ 'S', "220 mx.example.test ESMTP\r\n", 0 },
		{ 'C', "EHLO client.test\r\n", 0 },
		{ 'S',
		    "250-mx.example.test\r\n250-PIPELINING\r\n250 SIZE "
		    "1000\r\n",
		    0 },
		{ 'C', "MAIL FROM:<a@x.test> SIZE=10\r\n", 0 },
		{ 'S', "250 2.1.0 Ok\r\n", 0 },
		{ 'C', "RCPT TO:<b@y.test>\r\n", 0 },
		{ 'S', "250 2.1.5 Ok\r\n", 0 },
		{ 'C', "DATA\r\n", 0 },
		{ 'S', "354 go ahead\r\n", 0 },
		{ 'C', "Subject: hi\r\n\r\nline one\r\n..dotted\r\n.\r\n", 0 },
		{ 'S', "250 2.0.0 queued\r\n", 0 },
		{ 'C', "QUIT\r\n", 0 },
		{ 'S', "221 bye\r\n", 0 },
		END,
	};

	check_dialogue("basic", c, SMTP_SESSION_END_FIN,
	    "R GREETING 220\n"
	    "C EHLO client.test\n"
	    "R EHLO 250\n"
	    "C MAIL FROM:<a@x.test> SIZE=10\n"
	    "R MAIL 250\n"
	    "C RCPT TO:<b@y.test>\n"
	    "R RCPT 250\n"
	    "C DATA\n"
	    "R DATA 354\n"
	    "C .\n"
	    "R END-OF-DATA 250\n"
	    "TX 1 from=<a@x.test> mail=250 rcpt=[b@y.test:250] n=1 ok=1 "
	    "data=354 final=250 accepted size=34 by=end_of_data "
	    "helo=client.test\n"
	    "C QUIT\n"
	    "R QUIT 221\n"
	    "CLOSE fin tx=1 helo=client.test tls=0\n");
}

/* The depth-1 message as the last run's body events gave it. */
#define CHECK_BODY(name, want) \
	check_str_at(__FILE__, __LINE__, (name), dbuf_str(&body1), (want))

static void
test_body_dots(void)
{
	/* After the header section the body goes by in spans up to each dot
	 * that starts a line: dots within lines, a dot line of "..", a
	 * stuffed dot before text, bare LF. Size as stored: unstuffed. */
	static const struct chunk c[] = {
		{ 'S', "220 mx ESMTP\r\n", 0 },
		{ 'C', "HELO c\r\n", 0 },
		{ 'S', "250 mx\r\n", 0 },
		{ 'C', "MAIL FROM:<a@x>\r\n", 0 },
		{ 'S', "250 ok\r\n", 0 },
		{ 'C', "RCPT TO:<b@y>\r\n", 0 },
		{ 'S', "250 ok\r\n", 0 },
		{ 'C', "DATA\r\n", 0 },
		{ 'S', "354 go\r\n", 0 },
		{ 'C',
		    "Subject: d\r\n\r\nwww.example.org.\r\n..\r\n.x\n..y\r\n"
		    "\r\n.\r\n",
		    0 },
		{ 'S', "250 queued\r\n", 0 },
		END,
	};

	check_dialogue("body dots", c, SMTP_SESSION_END_FIN,
	    "R GREETING 220\n"
	    "C HELO c\n"
	    "R HELO 250\n"
	    "C MAIL FROM:<a@x>\n"
	    "R MAIL 250\n"
	    "C RCPT TO:<b@y>\n"
	    "R RCPT 250\n"
	    "C DATA\n"
	    "R DATA 354\n"
	    "C .\n"
	    "R END-OF-DATA 250\n"
	    "TX 1 from=<a@x> mail=250 rcpt=[b@y:250] n=1 ok=1 "
	    "data=354 final=250 accepted size=43 by=end_of_data helo=c\n"
	    "CLOSE fin tx=1 helo=c tls=0\n");
	/* What a plugin asking for bodies got: the message as stored. */
	CHECK_BODY("body dots text",
	    "Subject: d\r\n\r\nwww.example.org.\r\n.\r\nx\n.y\r\n\r\n");
}

static void
test_pipelining(void)
{
	/* RFC 2920: everything up to DATA in one segment; two messages. */
	static const struct chunk c[] = {
		{ 'S', "220 mx ESMTP\r\n", 0 },
		{ 'C',
		    "EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<u1@d>\r\n"
		    "RCPT TO:<u2@d>\r\nRCPT TO:<u3@d>\r\nDATA\r\n",
		    0 },
		{ 'S',
		    "250-mx\r\n250 PIPELINING\r\n250 ok\r\n250 ok\r\n"
		    "550 5.1.1 no such user\r\n450 4.2.0 try later\r\n"
		    "354 go\r\n",
		    0 },
		{ 'C',
		    "body\r\n.\r\nMAIL FROM:<@relay1,@relay2:s@d>\r\n"
		    "RCPT TO:<u4@d>\r\nDATA\r\n",
		    0 },
		{ 'S', "250 queued\r\n250 ok\r\n250 ok\r\n354 go\r\n", 0 },
		{ 'C', "x\r\n.\r\nQUIT\r\n", 0 },
		{ 'S', "250 queued\r\n221 bye\r\n", 0 },
		END,
	};

	check_dialogue("pipelining", c, SMTP_SESSION_END_FIN,
	    "R GREETING 220\n"
	    "C EHLO c\n"
	    "C MAIL FROM:<>\n"
	    "C RCPT TO:<u1@d>\n"
	    "C RCPT TO:<u2@d>\n"
	    "C RCPT TO:<u3@d>\n"
	    "C DATA\n"
	    "R EHLO 250\n"
	    "R MAIL 250\n"
	    "R RCPT 250\n"
	    "R RCPT 550\n"
	    "R RCPT 450\n"
	    "R DATA 354\n"
	    "C .\n"
	    "C MAIL FROM:<@relay1,@relay2:s@d>\n"
	    "C RCPT TO:<u4@d>\n"
	    "C DATA\n"
	    "R END-OF-DATA 250\n"
	    "TX 1 from=<> mail=250 rcpt=[u1@d:250,u2@d:550,u3@d:450] n=3 "
	    "ok=1 data=354 final=250 accepted size=6 by=end_of_data "
	    "helo=c\n"
	    "R MAIL 250\n"
	    "R RCPT 250\n"
	    "R DATA 354\n"
	    "C .\n"
	    "C QUIT\n"
	    "R END-OF-DATA 250\n"
	    "TX 2 from=<s@d> mail=250 rcpt=[u4@d:250] n=1 ok=1 data=354 "
	    "final=250 accepted size=3 by=end_of_data helo=c\n"
	    "R QUIT 221\n"
	    "CLOSE fin tx=2 helo=c tls=0\n");
}

static void
test_data_refused(void)
{
	/* No 354: what follows DATA is commands, not a body. */
	static const struct chunk c[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'C', "HELO c\r\n", 0 },
		{ 'S', "250 mx\r\n", 0 },
		{ 'C',
		    "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"
		    "RSET\r\nQUIT\r\n",
		    0 },
		{ 'S',
		    "250 ok\r\n550 5.7.1 relay denied\r\n"
		    "554 5.5.1 no valid recipients\r\n250 reset\r\n"
		    "221 bye\r\n",
		    0 },
		END,
	};

	check_dialogue("data_refused", c, SMTP_SESSION_END_FIN,
	    "R GREETING 220\n"
	    "C HELO c\n"
	    "R HELO 250\n"
	    "C MAIL FROM:<a@b>\n"
	    "C RCPT TO:<c@d>\n"
	    "C DATA\n"
	    "R MAIL 250\n"
	    "R RCPT 550\n"
	    "R DATA 554\n"
	    "C RSET\n"
	    "C QUIT\n"
	    "R RSET 250\n"
	    "TX 1 from=<a@b> mail=250 rcpt=[c@d:550] n=1 ok=0 data=554 "
	    "final=0 rejected size=0 by=rset refused=[DATA:554] helo=c\n"
	    "R QUIT 221\n"
	    "CLOSE fin tx=1 helo=c tls=0\n");
}

static void
test_outcomes(void)
{
	static const struct chunk tempfail[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'C', "MAIL FROM:<a@b>\r\n", 0 },
		{ 'S', "250 ok\r\n", 0 },
		{ 'C', "RCPT TO:<c@d>\r\n", 0 },
		{ 'S', "450 4.7.1 greylisted\r\n", 0 },
		{ 'C', "QUIT\r\n", 0 },
		{ 'S', "221 bye\r\n", 0 },
		END,
	};
	static const struct chunk aborted[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'C', "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n", 0 },
		{ 'S', "250 ok\r\n250 ok\r\n", 0 },
		{ 'C', "RSET\r\n", 0 },
		{ 'S', "250 ok\r\n", 0 },
		END,
	};
	static const struct chunk drop421[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'C', "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n", 0 },
		{ 'S', "250 ok\r\n250 ok\r\n354 go\r\n", 0 },
		{ 'C', "hello\r\n.\r\n", 0 },
		{ 'S', "421 4.4.2 shutting down\r\n", 0 },
		END,
	};
	static const struct chunk drop_mid[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'C', "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n", 0 },
		{ 'S', "250 ok\r\n250 ok\r\n354 go\r\n", 0 },
		{ 'C', "half a mess", 0 },
		END,
	};
	static const struct chunk noreply[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'C', "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n", 0 },
		{ 'S', "250 ok\r\n", 0 },
		END,
	};

	check_dialogue("tempfail", tempfail, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC MAIL FROM:<a@b>\nR MAIL 250\nC RCPT TO:<c@d>\n"
	    "R RCPT 450\nC QUIT\nR QUIT 221\n"
	    "TX 1 from=<a@b> mail=250 rcpt=[c@d:450] n=1 ok=0 data=0 "
	    "final=0 tempfail size=0 by=quit helo=\n"
	    "CLOSE fin tx=1 helo= tls=0\n");
	check_dialogue("aborted", aborted, SMTP_SESSION_END_RST,
	    "R GREETING 220\nC MAIL FROM:<a@b>\nC RCPT TO:<c@d>\n"
	    "R MAIL 250\nR RCPT 250\nC RSET\nR RSET 250\n"
	    "TX 1 from=<a@b> mail=250 rcpt=[c@d:250] n=1 ok=1 data=0 "
	    "final=0 aborted size=0 by=rset helo=\n"
	    "CLOSE rst tx=1 helo= tls=0\n");
	check_dialogue("drop421", drop421, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC MAIL FROM:<a@b>\nC RCPT TO:<c@d>\nC DATA\n"
	    "R MAIL 250\nR RCPT 250\nR DATA 354\nC .\nR END-OF-DATA 421\n"
	    "TX 1 from=<a@b> mail=250 rcpt=[c@d:250] n=1 ok=1 data=354 "
	    "final=421 tempfail size=7 by=end_of_data helo=\n"
	    "CLOSE fin tx=1 helo= tls=0\n");
	check_dialogue("drop_mid_data", drop_mid, SMTP_SESSION_END_RST,
	    "R GREETING 220\nC MAIL FROM:<a@b>\nC RCPT TO:<c@d>\nC DATA\n"
	    "R MAIL 250\nR RCPT 250\nR DATA 354\n"
	    "TX 1 from=<a@b> mail=250 rcpt=[c@d:250] n=1 ok=1 data=354 "
	    "final=0 lost size=11 by=connection_end helo=\n"
	    "CLOSE rst tx=1 helo= tls=0\n");
	check_dialogue("no_reply", noreply, SMTP_SESSION_END_TIMEOUT,
	    "R GREETING 220\nC MAIL FROM:<a@b>\nC RCPT TO:<c@d>\n"
	    "R MAIL 250\nANOMALY no_reply\n"
	    "TX 1 from=<a@b> mail=250 rcpt=[c@d:0] n=1 ok=0 data=0 "
	    "final=0 lost size=0 by=connection_end assumed "
	    "helo=\n"
	    "CLOSE timeout tx=1 helo= tls=0\n");
}

static void
test_bdat(void)
{
	static const struct chunk c[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'C', "EHLO c\r\n", 0 },
		{ 'S', "250-mx\r\n250 CHUNKING\r\n", 0 },
		{ 'C',
		    "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"
		    "BDAT 13\r\nQUIT\r\n.\r\nRSETBDAT 3 LAST\r\nxyz",
		    0 },
		{ 'S', "250 ok\r\n250 ok\r\n250 12 octets\r\n250 queued\r\n",
		    0 },
		{ 'C', "MAIL FROM:<e@f>\r\nRCPT TO:<g@h>\r\nBDAT 0 LAST\r\n",
		    0 },
		{ 'S', "250 ok\r\n250 ok\r\n250 queued\r\n", 0 },
		{ 'C', "QUIT\r\n", 0 },
		{ 'S', "221 bye\r\n", 0 },
		END,
	};
	static const struct chunk bad[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'C', "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT -5\r\n", 0 },
		{ 'S', "250 ok\r\n250 ok\r\n501 bad size\r\n", 0 },
		{ 'C', "BDAT 99999999999999999999999 LAST\r\nQUIT\r\n", 0 },
		{ 'S', "501 bad size\r\n221 bye\r\n", 0 },
		END,
	};

	check_dialogue("bdat", c, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC EHLO c\nR EHLO 250\n"
	    "C MAIL FROM:<a@b>\nC RCPT TO:<c@d>\nC BDAT 13\nC BDAT 3 LAST\n"
	    "R MAIL 250\nR RCPT 250\nR BDAT 250\nR BDAT 250\n"
	    "TX 1 from=<a@b> mail=250 rcpt=[c@d:250] n=1 ok=1 data=0 "
	    "final=250 accepted size=16 by=bdat_last helo=c\n"
	    "C MAIL FROM:<e@f>\nC RCPT TO:<g@h>\nC BDAT 0 LAST\n"
	    "R MAIL 250\nR RCPT 250\nR BDAT 250\n"
	    "TX 2 from=<e@f> mail=250 rcpt=[g@h:250] n=1 ok=1 data=0 "
	    "final=250 accepted size=0 by=bdat_last helo=c\n"
	    "C QUIT\nR QUIT 221\nCLOSE fin tx=2 helo=c tls=0\n");
	check_dialogue("bdat_hostile", bad, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC MAIL FROM:<a@b>\nC RCPT TO:<c@d>\n"
	    "C BDAT -5\nANOMALY bad_bdat\n"
	    "R MAIL 250\nR RCPT 250\nR BDAT 501\n"
	    "C BDAT 99999999999999999999999 LAST\n"
	    "C QUIT\nR BDAT 501\nR QUIT 221\n"
	    "TX 1 from=<a@b> mail=250 rcpt=[c@d:250] n=1 ok=1 data=0 "
	    "final=0 aborted size=0 by=quit "
	    "refused=[BDAT:501,BDAT:501] helo=\n"
	    "CLOSE fin tx=1 helo= tls=0\n");
}

static void
test_starttls_auth(void)
{
	static const struct chunk c[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'C', "EHLO c\r\n", 0 },
		{ 'S', "250-mx\r\n250-AUTH LOGIN PLAIN\r\n250 STARTTLS\r\n",
		    0 },
		{ 'C', "AUTH LOGIN\r\n", 0 },
		{ 'S', "334 VXNlcm5hbWU6\r\n", 0 },
		{ 'C', "dXNlcg==\r\n", 0 },
		{ 'S', "334 UGFzc3dvcmQ6\r\n", 0 },
		{ 'C', "c2VjcmV0\r\n", 0 },
		{ 'S', "235 2.7.0 ok\r\n", 0 },
		{ 'C', "AUTH PLAIN AHVzZXIAc2VjcmV0\r\n", 0 },
		{ 'S', "503 already\r\n", 0 },
		{ 'C', "STARTTLS\r\n", 0 },
		{ 'S', "220 go ahead\r\n", 0 },
		{ 'C',
		    "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03MAIL "
		    "FROM:<x@y>\r\n",
		    22 },
		{ 'S', "\x16\x03\x03\x00\x5a\x02\x00\x00\x56\r\n250 fake\r\n",
		    20 },
		END,
	};

	check_dialogue("starttls_auth", c, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC EHLO c\nR EHLO 250\n"
	    "C AUTH LOGIN\nR AUTH 334\nC (sasl)\nANOMALY cleartext_auth\n"
	    "R AUTH-DATA 334\nC (sasl)\nR AUTH-DATA 235\n"
	    "C AUTH PLAIN\nR AUTH 503\n"
	    "C STARTTLS\nR STARTTLS 220\n"
	    "CLOSE fin tx=0 helo=c tls=1 cleartext\n"
	    "AUTH PLAIN user=user failure code=503 n=2 fail=1\n");
}

static void
test_details(void)
{
	static const struct chunk c[] = {
		{ 'S', "220 mx.example.test ESMTP Postfix (Debian/GNU)\r\n",
		    0 },
		{ 'C', "EHLO client.example.test\r\n", 0 },
		{ 'S',
		    "250-mx.example.test\r\n250-PIPELINING\r\n"
		    "250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n"
		    "250-AUTH PLAIN LOGIN\r\n250-AUTH=PLAIN LOGIN\r\n"
		    "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n"
		    "250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n",
		    0 },
		{ 'C',
		    "MAIL FROM:<>  SIZE=2345 BODY=8BITMIME SMTPUTF8 "
		    "RET=HDRS ENVID=QQ314159 AUTH=<>\r\n"
		    "RCPT TO:<u@d.test> NOTIFY=SUCCESS,FAILURE "
		    "ORCPT=rfc822;u@d.test\r\nRCPT TO:<nobody@d.test>\r\n"
		    "DATA\r\n",
		    0 },
		{ 'S',
		    "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"
		    "550 5.1.1 <nobody@d.test>: Recipient address rejected\r\n"
		    "354 End data with <CR><LF>.<CR><LF>\r\n",
		    0 },
		{ 'C',
		    "Received: from relay.example (relay.example "
		    "[192.0.2.7])\r\n"
		    "\tby mx.example.test (Postfix) with ESMTP id 1\r\n"
		    "Received: from [10.1.2.3] (unknown [198.51.100.9])\r\n"
		    "\tby relay.example with ESMTPSA\r\n"
		    "From: MAILER-DAEMON@relay.example\r\n"
		    "To: u@d.test\r\n"
		    "Subject: =?UTF-8?B?VW5kZWxpdmVyZWQ=?= "
		    "=?ISO-8859-1?Q?_M=E9l?=\r\n"
		    "Message-ID: <b1@relay.example>\r\n"
		    "Content-Type: multipart/report; "
		    "report-type=delivery-status;\r\n"
		    "\tboundary=\"BND\"\r\n\r\n"
		    "--BND\r\nContent-Type: text/plain\r\n\r\nsorry\r\n"
		    "..dotted line\r\n"
		    "--BND\r\nContent-Type: message/delivery-status\r\n\r\n"
		    "Reporting-MTA: dns; relay.example\r\n\r\n"
		    "Final-Recipient: rfc822; x@y.test\r\nAction: failed\r\n"
		    "Status: 5.1.1\r\n"
		    "Diagnostic-Code: smtp; 550 5.1.1 no such user\r\n\r\n"
		    "--BND--\r\n.\r\n",
		    0 },
		{ 'S', "250 2.0.0 Ok: queued as ABC123\r\n", 0 },
		END,
	};

	verbose = 1;
	check_dialogue("details", c, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC EHLO client.example.test\nR EHLO 250\n"
	    "C MAIL FROM:<>  SIZE=2345 BODY=8BITMIME SMTPUTF8 RET=HDRS "
	    "ENVID=QQ314159 AUTH=<>\n"
	    "C RCPT TO:<u@d.test> NOTIFY=SUCCESS,FAILURE "
	    "ORCPT=rfc822;u@d.test\n"
	    "C RCPT TO:<nobody@d.test>\nC DATA\n"
	    "R MAIL 250\nR RCPT 250\nR RCPT 550\nR DATA 354\nC .\n"
	    "R END-OF-DATA 250\n"
	    "TX 1 from=<> mail=250 rcpt=[u@d.test:250,nobody@d.test:550] n=2 "
	    "ok=1 data=354 final=250 accepted size=679 by=end_of_data "
	    "helo=client.example.test\n"
	    "  params size=2345 body=8BITMIME ret=HDRS utf8=1 envid=QQ314159 "
	    "auth=<>\n"
	    "  mail enh=2.1.0 text=Ok\n"
	    "  rcpt u@d.test enh=2.1.5 notify=SUCCESS,FAILURE "
	    "orcpt=rfc822;u@d.test\n"
	    "  rcpt nobody@d.test enh=5.1.1 notify=- orcpt=-\n"
	    "  final enh=2.0.0 text=Ok: queued as ABC123 last=250 2.0.0 Ok: "
	    "queued "
	    "as ABC123 bounce=1\n"
	    "  headers from=MAILER-DAEMON@relay.example to=u@d.test "
	    "subject=Undelivered M\xc3\xa9l id=<b1@relay.example> received=2 "
	    "path=192.0.2.7,198.51.100.9,\n"
	    "  dsn x@y.test failed 5.1.1 550 5.1.1 no such user\n"
	    "CLOSE fin tx=1 helo=client.example.test tls=0\n"
	    "  greeting host=mx.example.test text=ESMTP Postfix (Debian/GNU) "
	    "caps=PIPELINING,SIZE,8BITMIME,AUTH,CHUNKING,DSN,SMTPUTF8,"
	    "ENHANCEDSTATUSCODES,VRFY,ETRN, size=10240000 auth=PLAIN LOGIN\n");
	verbose = 0;
}

static void
test_starttls_plain(void)
{
	/* 220 to STARTTLS, then plain text: flagged, never parsed. */
	static const struct chunk c[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'C', "STARTTLS\r\n", 0 },
		{ 'S', "220 go ahead\r\n", 0 },
		{ 'C', "MAIL FROM:<a@b>\r\n", 0 },
		{ 'S', "250 ok\r\n", 0 },
		END,
	};

	check_dialogue("starttls_plain", c, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC STARTTLS\nR STARTTLS 220\n"
	    "ANOMALY not_tls\nCLOSE fin tx=0 helo= tls=1\n");
}

static void
test_auth_secrets(void)
{
	/* PLAIN in a 334 exchange and LOGIN with an initial response:
	 * the user is kept, the passwords appear nowhere. */
	static const struct chunk c[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'C', "AUTH PLAIN\r\n", 0 },
		{ 'S', "334 \r\n", 0 },
		/* "\0alice\0Sekr1tPass" */
		{ 'C', "AGFsaWNlAFNla3IxdFBhc3M=\r\n", 0 },
		{ 'S', "535 5.7.8 bad\r\n", 0 },
		{ 'C', "AUTH LOGIN Ym9i\r\n", 0 },
		{ 'S', "334 UGFzc3dvcmQ6\r\n", 0 },
		{ 'C', "aHVudGVyMg==\r\n", 0 }, /* "hunter2" */
		{ 'S', "235 ok\r\n", 0 },
		{ 'C', "AUTH CRAM-MD5\r\n", 0 },
		{ 'S',
		    "334 "
		    "PDQxOTI5NDIzNDEuMTI4Mjg0NzJAc291cmNlZm91ci5hbmRyZXcuY211Lm"
		    "VkdT4=\r\n",
		    0 },
		{ 'C', "*\r\n", 0 },
		{ 'S', "501 cancelled\r\n", 0 },
		END,
	};
	char *got;

	check_dialogue("auth_secrets", c, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC AUTH PLAIN\nR AUTH 334\nC (sasl)\n"
	    "ANOMALY cleartext_auth\nR AUTH-DATA 535\n"
	    "C AUTH LOGIN\nR AUTH 334\nC (sasl)\nR AUTH-DATA 235\n"
	    "C AUTH CRAM-MD5\nR AUTH 334\nC (sasl)\nR AUTH-DATA 501\n"
	    "CLOSE fin tx=0 helo= tls=0 cleartext\n"
	    "AUTH CRAM-MD5 user= cancelled code=501 n=3 fail=1\n");
	got = run(c, SMTP_SESSION_END_FIN, -1, 0, 0);
	CHECKF(!(strstr(got, "Sekr1t") || strstr(got, "hunter2") ||
		   strstr(got, "aHVudGVy") || strstr(got, "AGFsaWNl") ||
		   strstr(got, "Ym9i")),
	    "auth_secrets: a secret in\n%s", got);
	free(got);
}

static void
test_framing(void)
{
	static char longline[SMTP_LINE_MAX * 3 + 64];
	static struct chunk c[] = {
		{ 'S', "220 mx\n", 0 },
		{ 'C', "HELO bare.lf\n", 0 },
		{ 'S', "250 ok\n", 0 },
		{ 'C', NULL, 0 },
		{ 'S', "500 too long\r\n", 0 },
		{ 'C', "NOOP\r\n", 0 },
		{ 'S', "250 ok\r\n251 unasked\r\nnot a reply\r\n", 0 },
		{ 'C', "MAIL FROM:<a@b>\nRCPT TO:<c@d>\nDATA\n", 0 },
		{ 'S', "250 ok\n250 ok\n354 go\n", 0 },
		{ 'C', "a\n.\n", 0 },
		{ 'S', "250 ok\n", 0 },
		END,
	};
	size_t n;

	memcpy(longline, "VRFY ", 5);
	n = 5;
	while (n < sizeof(longline) - 3)
		longline[n++] = 'x';
	longline[n++] = '\r';
	longline[n++] = '\n';
	longline[n] = '\0';
	c[3].data = longline;
	/* The split-at-every-offset run on a 12 KB chunk is slow but
	 * worth it: it crosses the line cap at every position. */
	{
		/* The line is kept up to the cap and still paired. */
		struct dbuf want;

		dbuf_init(&want, 1 << 16);
		dbuf_adds(&want,
		    "R GREETING 220\nC HELO bare.lf\nR HELO 250\n"
		    "ANOMALY line_too_long\nC ");
		dbuf_add(&want, longline, SMTP_LINE_MAX);
		dbuf_adds(&want, "\nR VRFY 500\nRESULT VRFY [");
		dbuf_add(&want, longline + 5, 512);
		dbuf_adds(&want,
		    "] 500 |too long\nC NOOP\nR NOOP 250\nRESULT NOOP [] 250 "
		    "|ok\n"
		    "ANOMALY unsolicited_reply\nR UNKNOWN 251\n"
		    "ANOMALY bad_reply\n"
		    "C MAIL FROM:<a@b>\nC RCPT TO:<c@d>\nC DATA\n"
		    "R MAIL 250\nR RCPT 250\nR DATA 354\nC .\nR END-OF-DATA "
		    "250\n"
		    "TX 1 from=<a@b> mail=250 rcpt=[c@d:250] n=1 ok=1 data=354 "
		    "final=250 accepted size=2 by=end_of_data "
		    "helo=bare.lf\n"
		    "CLOSE fin tx=1 helo=bare.lf tls=0\n");
		check_dialogue(
		    "framing", c, SMTP_SESSION_END_FIN, dbuf_str(&want));
		dbuf_free(&want);
	}
}

static void
test_body_before_354(void)
{
	/* A client that streams the body without waiting for 354: the
	 * held bytes are taken as the body once the hold cap is passed. */
	static char body[SMTP_HOLD_MAX + 100];
	struct chunk c[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'C', "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n", 0 },
		{ 'C', NULL, 0 },
		{ 'S', "250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n", 0 },
		END,
	};
	size_t i;

	for (i = 0; i + 7 < sizeof(body); i++)
		body[i] = (i % 64 == 63) ? '\n' : 'b';
	memcpy(body + i, "\r\n.\r\n", 6);
	c[2].data = body;
	{
		char *got = run(c, SMTP_SESSION_END_FIN, -1, 0, 0);
		const char *want = "final=250 accepted";

		CHECKF(
		    strstr(got, "ANOMALY body_before_354") && strstr(got, want),
		    "body_before_354\n%s", got);
		free(got);
	}
}

static void
test_before_greeting(void)
{
	static const struct chunk c[] = {
		{ 'C', "EHLO early\r\n", 0 },
		{ 'S', "220 mx\r\n250 hello\r\n", 0 },
		{ 'C', "QUIT\r\n", 0 },
		{ 'S', "221 bye\r\n", 0 },
		{ 'C', "NOOP\r\n", 0 },
		END,
	};

	check_dialogue("before_greeting", c, SMTP_SESSION_END_FIN,
	    "ANOMALY command_before_greeting\nC EHLO early\n"
	    "R GREETING 220\nR EHLO 250\nC QUIT\nR QUIT 221\n"
	    "ANOMALY data_after_quit\nC NOOP\nANOMALY no_reply\n"
	    "RESULT NOOP [] 0\nCLOSE fin tx=0 helo=early tls=0\n");
}

static void
test_path_parse(void)
{
	static const struct {
		const char *arg, *kw, *want;
		int rc;
	} t[] = {
		{ "FROM:<a@b>", "FROM", "a@b", 0 },
		{ "from: <a@b> SIZE=5", "FROM", "a@b", 0 },
		{ "FROM:<>", "FROM", "", 0 },
		{ "FROM:a@b BODY=8BITMIME", "FROM", "a@b", 0 },
		{ "TO:<@x,@y:u@z>", "TO", "u@z", 0 },
		{ "TO:<\"odd>name\"@z>", "TO", "\"odd>name\"@z", 0 },
		{ "TO:<\xc3\xa9t\xc3\xa9@z>", "TO", "\xc3\xa9t\xc3\xa9@z", 0 },
		{ "TO <a@b>", "TO", "", -1 },
		{ "FROM:<unterminated", "FROM", "unterminated", 0 },
	};
	char out[64];
	size_t i;

	for (i = 0; i < ARRAY_LEN(t); i++) {
		int rc = smtp_parse_path((const uint8_t *)t[i].arg,
		    strlen(t[i].arg), t[i].kw, out, sizeof(out), NULL);

		CHECKF(rc == t[i].rc && strcmp(out, t[i].want) == 0,
		    "path %s: rc %d got \"%s\"", t[i].arg, rc, out);
	}
}

/* --- issue 10: the server's word decides ------------------------------ */

static void
test_nested_mail(void)
{
	/* Postfix refuses a nested MAIL; the transaction it then accepts
	 * is alice's, and the refusal is on its record. */
	static const struct chunk c[] = {
		{ 'S', "220 mx ESMTP Postfix\r\n", 0 },
		{ 'C', "EHLO c.test\r\n", 0 },
		{ 'S', "250-mx\r\n250 PIPELINING\r\n", 0 },
		{ 'C', "MAIL FROM:<alice@x.test>\r\nRCPT TO:<r@y.test>\r\n",
		    0 },
		{ 'S', "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n", 0 },
		{ 'C', "MAIL FROM:<bob@x.test>\r\n", 0 },
		{ 'S', "503 5.5.1 Error: nested MAIL command\r\n", 0 },
		{ 'C', "DATA\r\n", 0 },
		{ 'S', "354 End data with <CR><LF>.<CR><LF>\r\n", 0 },
		{ 'C', "Subject: s\r\n\r\nhi\r\n.\r\n", 0 },
		{ 'S', "250 2.0.0 Ok: queued as 7E0E9A80167\r\n", 0 },
		{ 'C', "QUIT\r\n", 0 },
		{ 'S', "221 2.0.0 Bye\r\n", 0 },
		END,
	};

	check_dialogue("nested_mail", c, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC EHLO c.test\nR EHLO 250\n"
	    "C MAIL FROM:<alice@x.test>\nC RCPT TO:<r@y.test>\n"
	    "R MAIL 250\nR RCPT 250\n"
	    "C MAIL FROM:<bob@x.test>\nR MAIL 503\n"
	    "C DATA\nR DATA 354\nC .\nR END-OF-DATA 250\n"
	    "TX 1 from=<alice@x.test> mail=250 rcpt=[r@y.test:250] n=1 ok=1 "
	    "data=354 final=250 accepted size=18 by=end_of_data "
	    "refused=[MAIL:503] helo=c.test\n"
	    "C QUIT\nR QUIT 221\nCLOSE fin tx=1 helo=c.test tls=0\n");
}

static void
test_bare_ehlo(void)
{
	/* A bare EHLO refused mid-transaction ends nothing: the message
	 * Postfix accepts right after is counted, HELO unchanged. */
	static const struct chunk c[] = {
		{ 'S', "220 mx ESMTP\r\n", 0 },
		{ 'C', "EHLO first.test\r\n", 0 },
		{ 'S', "250 mx\r\n", 0 },
		{ 'C', "MAIL FROM:<a@x>\r\n", 0 },
		{ 'S', "250 2.1.0 Ok\r\n", 0 },
		{ 'C', "RCPT TO:<b@y>\r\n", 0 },
		{ 'S', "250 2.1.5 Ok\r\n", 0 },
		{ 'C', "EHLO\r\n", 0 },
		{ 'S', "501 Syntax: EHLO hostname\r\n", 0 },
		{ 'C', "DATA\r\n", 0 },
		{ 'S', "354 go\r\n", 0 },
		{ 'C', "x\r\n.\r\n", 0 },
		{ 'S', "250 2.0.0 Ok: queued as ABC\r\n", 0 },
		END,
	};

	check_dialogue("bare_ehlo", c, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC EHLO first.test\nR EHLO 250\n"
	    "C MAIL FROM:<a@x>\nR MAIL 250\nC RCPT TO:<b@y>\nR RCPT 250\n"
	    "C EHLO\nR EHLO 501\nC DATA\nR DATA 354\nC .\n"
	    "R END-OF-DATA 250\n"
	    "TX 1 from=<a@x> mail=250 rcpt=[b@y:250] n=1 ok=1 data=354 "
	    "final=250 accepted size=3 by=end_of_data refused=[EHLO:501] "
	    "helo=first.test\n"
	    "CLOSE fin tx=1 helo=first.test tls=0\n");
}

static void
test_bdat_syntax(void)
{
	/* "BDAT 5 X" carries no chunk: what follows it is commands. */
	static const struct chunk c[] = {
		{ 'S', "220 mx ESMTP\r\n", 0 },
		{ 'C', "EHLO c\r\n", 0 },
		{ 'S', "250-mx\r\n250 CHUNKING\r\n", 0 },
		{ 'C',
		    "BDAT 5 X\r\nMAIL FROM:<carol@x>\r\nRCPT TO:<d@y>\r\n"
		    "DATA\r\n",
		    0 },
		{ 'S',
		    "501 5.5.4 Syntax: BDAT count [LAST]\r\n250 2.1.0 Ok\r\n"
		    "250 2.1.5 Ok\r\n354 go\r\n",
		    0 },
		{ 'C', "m\r\n.\r\n", 0 },
		{ 'S', "250 2.0.0 Ok: queued as DEF\r\n", 0 },
		END,
	};

	/* Postfix 3.7 itself: 521 and it hangs up; what the client
	 * pipelined was never processed, so nothing of it is assumed. */
	static const struct chunk postfix[] = {
		{ 'S', "220 mx ESMTP Postfix\r\n", 0 },
		{ 'C', "EHLO c\r\n", 0 },
		{ 'S', "250-mx\r\n250 CHUNKING\r\n", 0 },
		{ 'C',
		    "BDAT 5 X\r\nMAIL FROM:<erin@x>\r\nRCPT TO:<d@y>\r\n"
		    "DATA\r\n",
		    0 },
		{ 'S', "521 5.5.4 Syntax: BDAT count [LAST]\r\n", 0 },
		END,
	};

	check_dialogue("bdat_syntax_521", postfix, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC EHLO c\nR EHLO 250\n"
	    "C BDAT 5 X\nANOMALY bad_bdat\nC MAIL FROM:<erin@x>\n"
	    "C RCPT TO:<d@y>\nC DATA\n"
	    "R BDAT 521\nRESULT BDAT [5 X] 521 5.5.4 "
	    "|5.5.4 Syntax: BDAT count [LAST]\n"
	    "CLOSE fin tx=0 helo=c tls=0\n");
	check_dialogue("bdat_syntax", c, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC EHLO c\nR EHLO 250\n"
	    "C BDAT 5 X\nANOMALY bad_bdat\nC MAIL FROM:<carol@x>\n"
	    "C RCPT TO:<d@y>\nC DATA\n"
	    "R BDAT 501\nRESULT BDAT [5 X] 501 5.5.4 "
	    "|5.5.4 Syntax: BDAT count [LAST]\n"
	    "R MAIL 250\nR RCPT 250\nR DATA 354\nC .\nR END-OF-DATA 250\n"
	    "TX 1 from=<carol@x> mail=250 rcpt=[d@y:250] n=1 ok=1 data=354 "
	    "final=250 accepted size=3 by=end_of_data helo=c\n"
	    "CLOSE fin tx=1 helo=c tls=0\n");
}

static void
test_data_refused_kept(void)
{
	/* Exim: DATA refused with 503 keeps the transaction; a second
	 * MAIL is refused ("sender already given"); the message then
	 * accepted is the first sender's. Postfix: DATA before any RCPT. */
	static const struct chunk exim[] = {
		{ 'S', "220 mx ESMTP Exim 4.96\r\n", 0 },
		{ 'C', "HELO c\r\n", 0 },
		{ 'S', "250 mx Hello c\r\n", 0 },
		{ 'C', "MAIL FROM:<first@x>\r\n", 0 },
		{ 'S', "250 OK\r\n", 0 },
		{ 'C', "RCPT TO:<nobody@y>\r\n", 0 },
		{ 'S', "550 Unrouteable address\r\n", 0 },
		{ 'C', "DATA\r\n", 0 },
		{ 'S',
		    "503-All RCPT commands were rejected with this error:\r\n"
		    "503-Unrouteable address\r\n"
		    "503 valid RCPT command must precede DATA\r\n",
		    0 },
		{ 'C', "MAIL FROM:<second@x>\r\n", 0 },
		{ 'S', "503 sender already given\r\n", 0 },
		{ 'C', "RCPT TO:<u@y>\r\n", 0 },
		{ 'S', "250 Accepted\r\n", 0 },
		{ 'C', "DATA\r\n", 0 },
		{ 'S',
		    "354 Enter message, ending with \".\" on a line by "
		    "itself\r\n",
		    0 },
		{ 'C', "z\r\n.\r\n", 0 },
		{ 'S', "250 OK id=1xa3AW-00051D-2E\r\n", 0 },
		END,
	};
	static const struct chunk postfix[] = {
		{ 'S', "220 mx ESMTP\r\n", 0 },
		{ 'C', "MAIL FROM:<a@x>\r\nDATA\r\n", 0 },
		{ 'S', "250 2.1.0 Ok\r\n503 5.5.1 Error: need RCPT command\r\n",
		    0 },
		{ 'C', "RCPT TO:<b@y>\r\nDATA\r\n", 0 },
		{ 'S', "250 2.1.5 Ok\r\n354 go\r\n", 0 },
		{ 'C', "q\r\n.\r\n", 0 },
		{ 'S', "250 2.0.0 Ok: queued as X1\r\n", 0 },
		END,
	};

	check_dialogue("exim_data_refused", exim, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC HELO c\nR HELO 250\n"
	    "C MAIL FROM:<first@x>\nR MAIL 250\nC RCPT TO:<nobody@y>\n"
	    "R RCPT 550\nC DATA\nR DATA 503\n"
	    "C MAIL FROM:<second@x>\nR MAIL 503\nC RCPT TO:<u@y>\n"
	    "R RCPT 250\nC DATA\nR DATA 354\nC .\nR END-OF-DATA 250\n"
	    "TX 1 from=<first@x> mail=250 rcpt=[nobody@y:550,u@y:250] n=2 "
	    "ok=1 data=354 final=250 accepted size=3 by=end_of_data "
	    "refused=[DATA:503,MAIL:503] helo=c\n"
	    "CLOSE fin tx=1 helo=c tls=0\n");
	check_dialogue("data_before_rcpt", postfix, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC MAIL FROM:<a@x>\nC DATA\nR MAIL 250\n"
	    "R DATA 503\nC RCPT TO:<b@y>\nC DATA\nR RCPT 250\nR DATA 354\n"
	    "C .\nR END-OF-DATA 250\n"
	    "TX 1 from=<a@x> mail=250 rcpt=[b@y:250] n=1 ok=1 data=354 "
	    "final=250 accepted size=3 by=end_of_data refused=[DATA:503] "
	    "helo=\n"
	    "CLOSE fin tx=1 helo= tls=0\n");
}

static void
test_mail_refused(void)
{
	/* A MAIL refused outside a transaction is a record of its own,
	 * with the recipients the client tried; pipelined DATA refused. */
	static const struct chunk c[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'C', "EHLO c\r\n", 0 },
		{ 'S', "250 mx\r\n", 0 },
		{ 'C', "MAIL FROM:<spam@x>\r\nRCPT TO:<u@y>\r\nDATA\r\n", 0 },
		{ 'S',
		    "550 5.7.1 <spam@x>: Sender address rejected\r\n"
		    "503 5.5.1 Error: need MAIL command\r\n"
		    "503 5.5.1 Error: need RCPT command\r\n",
		    0 },
		{ 'C', "RCPT TO:<v@y>\r\nQUIT\r\n", 0 },
		{ 'S', "503 5.5.1 Error: need MAIL command\r\n221 Bye\r\n", 0 },
		END,
	};

	check_dialogue("mail_refused", c, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC EHLO c\nR EHLO 250\n"
	    "C MAIL FROM:<spam@x>\nC RCPT TO:<u@y>\nC DATA\n"
	    "R MAIL 550\nR RCPT 503\nR DATA 503\n"
	    "C RCPT TO:<v@y>\nC QUIT\nR RCPT 503\nR QUIT 221\n"
	    "TX 1 from=<spam@x> mail=550 rcpt=[u@y:503,v@y:503] n=2 ok=0 "
	    "data=503 final=0 rejected size=0 by=quit helo=c\n"
	    "CLOSE fin tx=1 helo=c tls=0\n");
}

static void
test_helo_in_force(void)
{
	/* Each transaction has the HELO granted before its MAIL; a refused
	 * one changes nothing, a granted EHLO ends the open transaction. */
	static const struct chunk c[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'C', "EHLO one.test\r\n", 0 },
		{ 'S', "250-mx\r\n250 SIZE 100\r\n", 0 },
		{ 'C', "MAIL FROM:<a@x>\r\n", 0 },
		{ 'S', "250 ok\r\n", 0 },
		{ 'C', "EHLO two.test\r\n", 0 },
		{ 'S', "250-mx\r\n250 8BITMIME\r\n", 0 },
		{ 'C', "HELO bad name\r\n", 0 },
		{ 'S', "501 5.5.2 bad name\r\n", 0 },
		{ 'C', "MAIL FROM:<b@x>\r\n", 0 },
		{ 'S', "250 ok\r\n", 0 },
		{ 'C', "RSET\r\n", 0 },
		{ 'S', "250 ok\r\n", 0 },
		END,
	};

	verbose = 1;
	check_dialogue("helo_in_force", c, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC EHLO one.test\nR EHLO 250\n"
	    "C MAIL FROM:<a@x>\nR MAIL 250\nC EHLO two.test\nR EHLO 250\n"
	    "TX 1 from=<a@x> mail=250 rcpt=[] n=0 ok=0 data=0 final=0 "
	    "aborted size=0 by=ehlo helo=one.test\n"
	    "  params size=0 body= ret= utf8=0 envid=- auth=-\n"
	    "  mail enh= text=ok\n"
	    "  final enh= text=- last=250 ok bounce=0\n"
	    "C HELO bad name\nR HELO 501\nRESULT HELO [bad name] 501 5.5.2 "
	    "|5.5.2 bad name\n"
	    "C MAIL FROM:<b@x>\nR MAIL 250\nC RSET\nR RSET 250\n"
	    "TX 2 from=<b@x> mail=250 rcpt=[] n=0 ok=0 data=0 final=0 "
	    "aborted size=0 by=rset helo=two.test\n"
	    "  params size=0 body= ret= utf8=0 envid=- auth=-\n"
	    "  mail enh= text=ok\n"
	    "  final enh= text=- last=250 ok bounce=0\n"
	    "CLOSE fin tx=2 helo=two.test tls=0\n"
	    "  greeting host=mx text= caps=8BITMIME, size=0 auth=\n");
	verbose = 0;
}

static void
test_rfc821_verbs(void)
{
	/* SEND, SOML and SAML open a transaction like MAIL; a refused SEND
	 * opens nothing. */
	static const struct chunk c[] = {
		{ 'S',
		    "220 beta.example Simple Mail Transfer Service Ready\r\n",
		    0 },
		{ 'C', "HELO alpha.example\r\n", 0 },
		{ 'S', "250 beta.example\r\n", 0 },
		{ 'C', "SEND FROM:<smith@alpha.example>\r\n", 0 },
		{ 'S', "250 OK\r\n", 0 },
		{ 'C', "RCPT TO:<jones@beta.example>\r\n", 0 },
		{ 'S', "250 OK\r\n", 0 },
		{ 'C', "DATA\r\n", 0 },
		{ 'S', "354 Start mail input; end with <CRLF>.<CRLF>\r\n", 0 },
		{ 'C', "hi\r\n.\r\n", 0 },
		{ 'S', "250 OK\r\n", 0 },
		{ 'C', "SOML FROM:<smith@alpha.example>\r\n", 0 },
		{ 'S', "502 Command not implemented\r\n", 0 },
		{ 'C', "SAML FROM:<smith@alpha.example>\r\n", 0 },
		{ 'S', "250 OK\r\n", 0 },
		{ 'C', "RCPT TO:<green@beta.example>\r\n", 0 },
		{ 'S', "550 No such user here\r\n", 0 },
		{ 'C', "QUIT\r\n", 0 },
		{ 'S',
		    "221 beta.example Service closing transmission "
		    "channel\r\n",
		    0 },
		END,
	};

	check_dialogue("rfc821_verbs", c, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC HELO alpha.example\nR HELO 250\n"
	    "C SEND FROM:<smith@alpha.example>\nR SEND 250\n"
	    "C RCPT TO:<jones@beta.example>\nR RCPT 250\nC DATA\n"
	    "R DATA 354\nC .\nR END-OF-DATA 250\n"
	    "TX 1 from=<smith@alpha.example> mail=250 "
	    "rcpt=[jones@beta.example:250] n=1 ok=1 data=354 final=250 "
	    "accepted size=4 by=end_of_data verb=SEND helo=alpha.example\n"
	    "C SOML FROM:<smith@alpha.example>\nR SOML 502\n"
	    "C SAML FROM:<smith@alpha.example>\nR SAML 250\n"
	    "TX 2 from=<smith@alpha.example> mail=502 rcpt=[] n=0 ok=0 "
	    "data=0 final=0 rejected size=0 by=mail verb=SOML "
	    "helo=alpha.example\n"
	    "C RCPT TO:<green@beta.example>\nR RCPT 550\nC QUIT\nR QUIT 221\n"
	    "TX 3 from=<smith@alpha.example> mail=250 "
	    "rcpt=[green@beta.example:550] n=1 ok=0 data=0 final=0 "
	    "rejected size=0 by=quit verb=SAML helo=alpha.example\n"
	    "CLOSE fin tx=3 helo=alpha.example tls=0\n");
}

static void
test_turn(void)
{
	/* RFC 821 TURN: after 250 the former client greets and answers;
	 * the former server sends the mail. 'S' chunks are still the TCP
	 * server's bytes. */
	static const struct chunk c[] = {
		{ 'S', "220 beta.example ready\r\n", 0 },
		{ 'C', "HELO alpha.example\r\n", 0 },
		{ 'S', "250 beta.example\r\n", 0 },
		{ 'C', "TURN\r\n", 0 },
		{ 'S', "250 OK\r\n", 0 },
		{ 'C',
		    "220 alpha.example Simple Mail Transfer Service Ready\r\n",
		    0 },
		{ 'S', "HELO beta.example\r\n", 0 },
		{ 'C', "250 alpha.example\r\n", 0 },
		{ 'S', "MAIL FROM:<brown@beta.example>\r\n", 0 },
		{ 'C', "250 OK\r\n", 0 },
		{ 'S', "RCPT TO:<smith@alpha.example>\r\n", 0 },
		{ 'C', "250 OK\r\n", 0 },
		{ 'S', "DATA\r\n", 0 },
		{ 'C', "354 Start mail input\r\n", 0 },
		{ 'S', "reply\r\n.\r\nQUIT\r\n", 0 },
		{ 'C', "250 OK\r\n221 alpha.example closing\r\n", 0 },
		END,
	};
	static const struct chunk refused[] = {
		{ 'S', "220 beta.example ready\r\n", 0 },
		{ 'C', "TURN\r\n", 0 },
		{ 'S', "502 Command not implemented\r\n", 0 },
		{ 'C', "QUIT\r\n", 0 },
		{ 'S', "221 bye\r\n", 0 },
		END,
	};

	check_dialogue("turn", c, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC HELO alpha.example\nR HELO 250\nC TURN\n"
	    "R TURN 250\nRESULT TURN [] 250 |OK\n"
	    "R GREETING 220\nC HELO beta.example\nR HELO 250\n"
	    "C MAIL FROM:<brown@beta.example>\nR MAIL 250\n"
	    "C RCPT TO:<smith@alpha.example>\nR RCPT 250\nC DATA\n"
	    "R DATA 354\nC .\nC QUIT\nR END-OF-DATA 250\n"
	    "TX 1 from=<brown@beta.example> mail=250 "
	    "rcpt=[smith@alpha.example:250] n=1 ok=1 data=354 final=250 "
	    "accepted size=7 by=end_of_data reversed helo=beta.example\n"
	    "R QUIT 221\nCLOSE fin tx=1 helo=beta.example tls=0 reversed\n");
	check_dialogue("turn_refused", refused, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC TURN\nR TURN 502\nRESULT TURN [] 502 "
	    "|Command not implemented\n"
	    "C QUIT\nR QUIT 221\nCLOSE fin tx=0 helo= tls=0\n");
}

static void
test_atrn(void)
{
	/* RFC 2645 ODMR: ATRN after AUTH; 250 reverses the connection. */
	static const struct chunk c[] = {
		{ 'S', "220 EXAMPLE.NET on-demand mail relay server ready\r\n",
		    0 },
		{ 'C', "EHLO example.org\r\n", 0 },
		{ 'S',
		    "250-EXAMPLE.NET\r\n250-AUTH CRAM-MD5 EXTERNAL\r\n"
		    "250 ATRN\r\n",
		    0 },
		{ 'C', "AUTH CRAM-MD5\r\n", 0 },
		{ 'S', "334 MTg5Ni42OTcxNzAxNDZAaXNwLmNvbQ==\r\n", 0 },
		{ 'C',
		    "Zm9vYmFyLm5ldCBiOTEzYTYwMmM3ZWRhN2E0OTViNGU2ZTczMzRkMzg5MA"
		    "=="
		    "\r\n",
		    0 },
		{ 'S', "235 now authenticated as example.org\r\n", 0 },
		{ 'C', "ATRN example.org,example.com\r\n", 0 },
		{ 'S', "250 OK now reversing the connection\r\n", 0 },
		{ 'C', "220 example.org ready to receive email\r\n", 0 },
		{ 'S', "EHLO EXAMPLE.NET\r\n", 0 },
		{ 'C', "250-example.org\r\n250 SIZE\r\n", 0 },
		{ 'S', "MAIL FROM:<Lester.Tester@dot.foo.org>\r\n", 0 },
		{ 'C', "250 OK\r\n", 0 },
		{ 'S', "RCPT TO:<l.eva.msg@example.com>\r\n", 0 },
		{ 'C', "250 OK, recipient accepted\r\n", 0 },
		{ 'S', "DATA\r\n", 0 },
		{ 'C', "354 OK, send data, end with CRLF.CRLF\r\n", 0 },
		{ 'S', "Testing, 1, 2, 3\r\n.\r\n", 0 },
		{ 'C', "250 OK, message accepted\r\n", 0 },
		{ 'S', "QUIT\r\n", 0 },
		{ 'C', "221 example.org closing connection\r\n", 0 },
		END,
	};
	static const struct chunk nomail[] = {
		{ 'S', "220 EXAMPLE.NET ready\r\n", 0 },
		{ 'C', "ATRN example.org\r\n", 0 },
		{ 'S', "453 You have no mail\r\n", 0 },
		{ 'C', "QUIT\r\n", 0 },
		{ 'S', "221 bye\r\n", 0 },
		END,
	};

	check_dialogue("atrn", c, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC EHLO example.org\nR EHLO 250\n"
	    "C AUTH CRAM-MD5\nR AUTH 334\nC (sasl)\nR AUTH-DATA 235\n"
	    "C ATRN example.org,example.com\nR ATRN 250\n"
	    "RESULT ATRN [example.org,example.com] 250 "
	    "|OK now reversing the connection\n"
	    "R GREETING 220\nC EHLO EXAMPLE.NET\nR EHLO 250\n"
	    "C MAIL FROM:<Lester.Tester@dot.foo.org>\nR MAIL 250\n"
	    "C RCPT TO:<l.eva.msg@example.com>\nR RCPT 250\nC DATA\n"
	    "R DATA 354\nC .\nR END-OF-DATA 250\n"
	    "TX 1 from=<Lester.Tester@dot.foo.org> mail=250 "
	    "rcpt=[l.eva.msg@example.com:250] n=1 ok=1 data=354 final=250 "
	    "accepted size=18 by=end_of_data reversed helo=EXAMPLE.NET\n"
	    "C QUIT\nR QUIT 221\n"
	    "CLOSE fin tx=1 helo=EXAMPLE.NET tls=0 reversed\n"
	    "AUTH CRAM-MD5 user= success code=235 n=1 fail=0\n");
	check_dialogue("atrn_no_mail", nomail, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC ATRN example.org\nR ATRN 453\n"
	    "RESULT ATRN [example.org] 453 |You have no mail\nC QUIT\nR QUIT "
	    "221\n"
	    "CLOSE fin tx=0 helo= tls=0\n");
}

static void
test_lmtp(void)
{
	/* RFC 2033: after the data one reply per accepted recipient; on
	 * port 25 it is flagged. */
	static const struct chunk c[] = {
		{ 'S', "220 lmtp.example LMTP ready\r\n", 0 },
		{ 'C', "LHLO mx.example\r\n", 0 },
		{ 'S',
		    "250-lmtp.example\r\n250-PIPELINING\r\n"
		    "250 ENHANCEDSTATUSCODES\r\n",
		    0 },
		{ 'C',
		    "MAIL FROM:<a@x>\r\nRCPT TO:<u1@y>\r\nRCPT "
		    "TO:<nobody@y>\r\n"
		    "RCPT TO:<u2@y>\r\nRCPT TO:<u3@y>\r\nDATA\r\n",
		    0 },
		{ 'S',
		    "250 2.1.0 OK\r\n250 2.1.5 OK\r\n"
		    "550 5.1.1 <nobody@y> User doesn't exist\r\n"
		    "250 2.1.5 OK\r\n250 2.1.5 OK\r\n354 OK\r\n",
		    0 },
		{ 'C', "body\r\n.\r\n", 0 },
		{ 'S',
		    "250 2.0.0 <u1@y> Saved\r\n"
		    "452 4.2.2 <u2@y> Quota exceeded\r\n"
		    "552 5.2.2 <u3@y> Mailbox full\r\n",
		    0 },
		{ 'C', "QUIT\r\n", 0 },
		{ 'S', "221 2.0.0 Bye\r\n", 0 },
		END,
	};

	check_dialogue("lmtp", c, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC LHLO mx.example\nR LHLO 250\n"
	    "C MAIL FROM:<a@x>\nC RCPT TO:<u1@y>\nC RCPT TO:<nobody@y>\n"
	    "C RCPT TO:<u2@y>\nC RCPT TO:<u3@y>\nC DATA\n"
	    "R MAIL 250\nR RCPT 250\nR RCPT 550\nR RCPT 250\nR RCPT 250\n"
	    "R DATA 354\nC .\nR END-OF-DATA 250\nR END-OF-DATA 452\n"
	    "R END-OF-DATA 552\n"
	    "TX 1 from=<a@x> mail=250 "
	    "rcpt=[u1@y:250,nobody@y:550,u2@y:250,u3@y:250] n=4 ok=3 "
	    "data=354 final=250 accepted size=6 by=end_of_data "
	    "lmtp=[250,0,452,552] delivered=1 helo=mx.example\n"
	    "C QUIT\nR QUIT 221\nCLOSE fin tx=1 helo=mx.example tls=0 lmtp\n");
	server_port = 25;
	check_dialogue("lmtp_port_25", c, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC LHLO mx.example\nANOMALY lmtp_on_port_25\n"
	    "R LHLO 250\n"
	    "C MAIL FROM:<a@x>\nC RCPT TO:<u1@y>\nC RCPT TO:<nobody@y>\n"
	    "C RCPT TO:<u2@y>\nC RCPT TO:<u3@y>\nC DATA\n"
	    "R MAIL 250\nR RCPT 250\nR RCPT 550\nR RCPT 250\nR RCPT 250\n"
	    "R DATA 354\nC .\nR END-OF-DATA 250\nR END-OF-DATA 452\n"
	    "R END-OF-DATA 552\n"
	    "TX 1 from=<a@x> mail=250 "
	    "rcpt=[u1@y:250,nobody@y:550,u2@y:250,u3@y:250] n=4 ok=3 "
	    "data=354 final=250 accepted size=6 by=end_of_data "
	    "lmtp=[250,0,452,552] delivered=1 helo=mx.example\n"
	    "C QUIT\nR QUIT 221\nCLOSE fin tx=1 helo=mx.example tls=0 lmtp\n");
	server_port = 0;
}

static void
test_results(void)
{
	/* Commands outside transactions keep their replies: VRFY, EXPN
	 * with every member line, ETRN, HELP, NOOP; RCPT without MAIL. */
	static const struct chunk c[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'C', "VRFY Smith\r\n", 0 },
		{ 'S', "250 Fred Smith <Smith@USC-ISIF.ARPA>\r\n", 0 },
		{ 'C', "VRFY Gourzenkyinplatz\r\n", 0 },
		{ 'S', "553 User ambiguous\r\n", 0 },
		{ 'C', "EXPN Example-People\r\n", 0 },
		{ 'S',
		    "250-Jon Postel <Postel@USC-ISIF.ARPA>\r\n"
		    "250-Fred Fonebone <Fonebone@USC-ISIQB.ARPA>\r\n"
		    "250 Sam Q. Smith <SQSmith@USC-ISIQB.ARPA>\r\n",
		    0 },
		{ 'C', "ETRN example.org\r\nETRN @bad.example\r\n", 0 },
		{ 'S',
		    "250 OK, queuing for node example.org started\r\n"
		    "459 Node bad.example not allowed: unknown\r\n",
		    0 },
		{ 'C', "HELP\r\nNOOP\r\nRCPT TO:<x@y>\r\n", 0 },
		{ 'S',
		    "214-Commands:\r\n214 HELO MAIL RCPT DATA\r\n250 OK\r\n"
		    "503 5.5.1 Error: need MAIL command\r\n",
		    0 },
		END,
	};

	check_dialogue("results", c, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC VRFY Smith\nR VRFY 250\n"
	    "RESULT VRFY [Smith] 250 |Fred Smith <Smith@USC-ISIF.ARPA>\n"
	    "C VRFY Gourzenkyinplatz\nR VRFY 553\n"
	    "RESULT VRFY [Gourzenkyinplatz] 553 |User ambiguous\n"
	    "C EXPN Example-People\nR EXPN 250\n"
	    "RESULT EXPN [Example-People] 250 "
	    "|Jon Postel <Postel@USC-ISIF.ARPA> "
	    "|Fred Fonebone <Fonebone@USC-ISIQB.ARPA> "
	    "|Sam Q. Smith <SQSmith@USC-ISIQB.ARPA>\n"
	    "C ETRN example.org\nC ETRN @bad.example\nR ETRN 250\n"
	    "RESULT ETRN [example.org] 250 "
	    "|OK, queuing for node example.org started\nR ETRN 459\n"
	    "RESULT ETRN [@bad.example] 459 "
	    "|Node bad.example not allowed: unknown\n"
	    "C HELP\nC NOOP\nC RCPT TO:<x@y>\nR HELP 214\n"
	    "RESULT HELP [] 214 |Commands: |HELO MAIL RCPT DATA\n"
	    "R NOOP 250\nRESULT NOOP [] 250 |OK\nR RCPT 503\n"
	    "RESULT RCPT [TO:<x@y>] 503 5.5.1 "
	    "|5.5.1 Error: need MAIL command\n"
	    "CLOSE fin tx=0 helo= tls=0\n");
}

static void
test_reply_details(void)
{
	/* The last line's code is the one that counts; a mismatch is
	 * flagged. A 521 greeting's enhanced code is not a host name. */
	static const struct chunk mismatch[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'C', "MAIL FROM:<a@x>\r\n", 0 },
		{ 'S', "250-first\r\n550 last\r\n", 0 },
		END,
	};
	static const struct chunk g521[] = {
		{ 'S', "521 5.3.2 Machine does not accept mail\r\n", 0 },
		{ 'C', "QUIT\r\n", 0 },
		{ 'S', "221 bye\r\n", 0 },
		END,
	};
	static const struct chunk g521host[] = {
		{ 'S', "521 mx.example.org does not accept mail\r\n", 0 },
		END,
	};

	check_dialogue("reply_code_mismatch", mismatch, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC MAIL FROM:<a@x>\n"
	    "ANOMALY reply_code_mismatch\nR MAIL 550\n"
	    "TX 1 from=<a@x> mail=550 rcpt=[] n=0 ok=0 data=0 final=0 "
	    "rejected size=0 by=connection_end helo=\n"
	    "CLOSE fin tx=1 helo= tls=0\n");
	verbose = 1;
	check_dialogue("greeting_521", g521, SMTP_SESSION_END_FIN,
	    "R GREETING 521\nC QUIT\nR QUIT 221\nCLOSE fin tx=0 helo= tls=0\n"
	    "  greeting host= text=Machine does not accept mail caps= "
	    "size=0 auth=\n");
	check_dialogue("greeting_521_host", g521host, SMTP_SESSION_END_FIN,
	    "R GREETING 521\nCLOSE fin tx=0 helo= tls=0\n"
	    "  greeting host=mx.example.org text=does not accept mail caps= "
	    "size=0 auth=\n");
	verbose = 0;
}

static void
test_assumed(void)
{
	/* Only the client's side was captured: the effects are assumed
	 * and the record says so; the message is lost. */
	static const struct chunk c[] = {
		{ 'C', "EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n",
		    0 },
		END,
	};

	check_dialogue("assumed", c, SMTP_SESSION_END_EOF,
	    "ANOMALY command_before_greeting\nC EHLO c\nC MAIL FROM:<a@x>\n"
	    "C RCPT TO:<b@y>\nC DATA\nANOMALY no_reply\n"
	    "TX 1 from=<a@x> mail=0 rcpt=[b@y:0] n=1 ok=0 data=0 final=0 "
	    "lost size=0 by=connection_end assumed helo=c\n"
	    "CLOSE eof tx=1 helo=c tls=0\n");
}

static void
test_kernel_drops(void)
{
	/* The message sent, then the connection ends without its final
	 * reply: lost mail when the capture lost nothing; unknown (loss=2,
	 * kernel drops) when the kernel dropped packets meanwhile: the
	 * reply may have been among them. */
	static const struct chunk clean[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'C', "MAIL FROM:<a@x>\r\n", 0 },
		{ 'S', "250 ok\r\n", 0 },
		{ 'C', "RCPT TO:<b@y>\r\n", 0 },
		{ 'S', "250 ok\r\n", 0 },
		{ 'C', "DATA\r\n", 0 },
		{ 'S', "354 go\r\n", 0 },
		{ 'C', "hi\r\n.\r\n", 0 },
		END,
	};
	static const struct chunk dropped[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'C', "MAIL FROM:<a@x>\r\n", 0 },
		{ 'S', "250 ok\r\n", 0 },
		{ 'C', "RCPT TO:<b@y>\r\n", 0 },
		{ 'S', "250 ok\r\n", 0 },
		{ 'C', "DATA\r\n", 0 },
		{ 'S', "354 go\r\n", 0 },
		{ 'K', "", 0 },
		{ 'C', "hi\r\n.\r\n", 0 },
		END,
	};
	const char *head = "R GREETING 220\nC MAIL FROM:<a@x>\nR MAIL 250\n"
			   "C RCPT TO:<b@y>\nR RCPT 250\nC DATA\nR DATA 354\n"
			   "C .\nANOMALY no_reply\n";
	char want[512];

	snprintf(want, sizeof(want),
	    "%sTX 1 from=<a@x> mail=250 rcpt=[b@y:250] n=1 ok=1 data=354 "
	    "final=0 lost size=4 by=connection_end helo=\n"
	    "CLOSE rst tx=1 helo= tls=0\n",
	    head);
	check_dialogue("drops-none", clean, SMTP_SESSION_END_RST, want);
	snprintf(want, sizeof(want),
	    "%sTX 1 from=<a@x> mail=250 rcpt=[b@y:250] n=1 ok=1 data=354 "
	    "final=0 unknown size=4 by=connection_end loss=2 helo=\n"
	    "CLOSE rst tx=1 helo= tls=0\n",
	    head);
	check_dialogue("drops-kernel", dropped, SMTP_SESSION_END_RST, want);
}

static void
test_submission(void)
{
	/* Port 587: a transaction without AUTH is flagged; AUTH PLAIN in
	 * clear text is flagged; after AUTH the transaction is not. */
	static const struct chunk noauth[] = {
		{ 'S', "220 msa\r\n", 0 },
		{ 'C', "MAIL FROM:<a@x>\r\n", 0 },
		{ 'S', "250 ok\r\n", 0 },
		END,
	};
	static const struct chunk auth[] = {
		{ 'S', "220 msa\r\n", 0 },
		{ 'C', "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n", 0 },
		{ 'S', "235 2.7.0 Authentication successful\r\n", 0 },
		{ 'C', "MAIL FROM:<a@x>\r\n", 0 },
		{ 'S', "250 ok\r\n", 0 },
		END,
	};

	submission = true;
	check_dialogue("submission_no_auth", noauth, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC MAIL FROM:<a@x>\n"
	    "ANOMALY submission_without_auth\nR MAIL 250\n"
	    "TX 1 from=<a@x> mail=250 rcpt=[] n=0 ok=0 data=0 final=0 "
	    "lost size=0 by=connection_end no_auth helo=\n"
	    "CLOSE fin tx=1 helo= tls=0\n");
	check_dialogue("submission_auth", auth, SMTP_SESSION_END_FIN,
	    "R GREETING 220\nC AUTH PLAIN\nANOMALY cleartext_auth\n"
	    "R AUTH 235\nC MAIL FROM:<a@x>\nR MAIL 250\n"
	    "TX 1 from=<a@x> mail=250 rcpt=[] n=0 ok=0 data=0 final=0 "
	    "lost size=0 by=connection_end helo=\n"
	    "CLOSE fin tx=1 helo= tls=0 cleartext\n"
	    "AUTH PLAIN user=alice success code=235 n=1 fail=0\n");
	submission = false;
}

static void
test_resync(void)
{
	/* Replies lost in a gap of the server's stream: the 354 pairs
	 * with DATA, the commands before it are assumed. */
	struct smtp_session_params p;
	struct event_bus bus;
	struct smtp_session *s;
	const char *want =
	    "R GREETING 220\nC MAIL FROM:<a@x>\nC RCPT TO:<b@y>\nC DATA\n"
	    "ANOMALY gap\nANOMALY reply_lost\nR DATA 354\nC .\n"
	    "R END-OF-DATA 250\n"
	    "TX 1 from=<a@x> mail=0 rcpt=[b@y:0] n=1 ok=0 data=354 "
	    "final=250 accepted size=3 by=end_of_data assumed loss=1 "
	    "helo=\n"
	    "CLOSE fin tx=1 helo= tls=0\n";
#define FEED(d, str) \
	smtp_session_data(s, d, (const uint8_t *)(str), strlen(str), 1)

	memset(&bus, 0, sizeof(bus));
	event_bus_subscribe_body(&bus, record, NULL, true);
	memset(&p, 0, sizeof(p));
	dbuf_reset(&trace);
	s = smtp_session_open(&bus, &p);
	FEED(SMTP_DIR_SERVER, "220 mx\r\n");
	FEED(SMTP_DIR_CLIENT, "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n");
	smtp_session_gap(s, SMTP_DIR_SERVER, 30, 1);
	FEED(SMTP_DIR_SERVER, "354 go\r\n");
	FEED(SMTP_DIR_CLIENT, "z\r\n.\r\n");
	FEED(SMTP_DIR_SERVER, "250 queued\r\n");
	smtp_session_close(s, SMTP_SESSION_END_FIN, 2);
#undef FEED
	CHECKF(strcmp(dbuf_str(&trace), want) == 0,
	    "resync\n--- expected\n%s--- got\n%s", want, dbuf_str(&trace));
}

/* A dialogue with gaps: 'C' and 'S' feed data, 'c' and 's' a gap of len
 * bytes in that direction. */
static void
check_gapped(const char *name, const struct chunk *c, const char *want)
{
	struct smtp_session_params p;
	struct event_bus bus;
	struct smtp_session *s;
	size_t i;

	memset(&bus, 0, sizeof(bus));
	event_bus_subscribe_body(&bus, record, NULL, true);
	memset(&p, 0, sizeof(p));
	dbuf_reset(&trace);
	memset(body_seen, 0, sizeof(body_seen));
	memset(body_holes, 0, sizeof(body_holes));
	s = smtp_session_open(&bus, &p);
	for (i = 0; c[i].dir != 0; i++) {
		enum smtp_dir d = c[i].dir == 'C' || c[i].dir == 'c'
		    ? SMTP_DIR_CLIENT
		    : SMTP_DIR_SERVER;

		if (c[i].dir == 'c' || c[i].dir == 's')
			smtp_session_gap(s, d, c[i].len, 1);
		else
			smtp_session_data(s, d, (const uint8_t *)c[i].data,
			    strlen(c[i].data), 1);
	}
	smtp_session_close(s, SMTP_SESSION_END_FIN, 2);
	CHECKF(strcmp(dbuf_str(&trace), want) == 0,
	    "%s\n--- expected\n%s--- got\n%s", name, want, dbuf_str(&trace));
}

static void
test_snapcut(void)
{
	/* What a capture with a short snap length shows (tcpdump -s 96:
	 * 30 bytes of each segment): a MAIL whose path was cut, a 354
	 * whose text was cut, a message whose end was cut. */
	static const struct chunk cut[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'C', "HELO c\r\n", 0 },
		{ 'S', "250 mx\r\n", 0 },
		{ 'C', "MAIL FROM:<sender@source.exam", 0 },
		{ 'c', NULL, 5 },
		{ 'S', "250 2.1.0 Ok\r\n", 0 },
		{ 'C', "RCPT TO:<b@y>\r\n", 0 },
		{ 'S', "250 2.1.5 Ok\r\n", 0 },
		{ 'C', "DATA\r\n", 0 },
		{ 'S', "354 End data with <CR><LF>.<CR", 0 },
		{ 's', NULL, 7 },
		{ 'C', "From: <a@x>\r\nSubject: hello th", 0 },
		{ 'c', NULL, 1400 },
		{ 'C', "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", 0 },
		{ 'c', NULL, 600 },
		{ 'S', "250 2.0.0 Ok: queued\r\n", 0 },
		{ 'C', "QUIT\r\n", 0 },
		{ 'S', "221 bye\r\n", 0 },
		END,
	};
	/* The 354 lost whole while the client sent the message: the
	 * gap in the held bytes is replayed where it came. */
	static const struct chunk held[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'C', "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n", 0 },
		{ 'S', "250 ok\r\n250 ok\r\n", 0 },
		{ 'C', "Subject: one\r\n", 0 },
		{ 'c', NULL, 100 },
		{ 'C', "tail\r\n.\r\n", 0 },
		{ 'S', "354 go\r\n250 queued\r\n", 0 },
		END,
	};
	/* A transaction whose end was in a gap and whose reply was not
	 * seen: lost, not aborted. */
	static const struct chunk unseen[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'C', "MAIL FROM:<a@x>\r\n", 0 },
		{ 'S', "250 ok\r\n", 0 },
		{ 'c', NULL, 40 },
		{ 's', NULL, 30 },
		{ 'C', "QUIT\r\n", 0 },
		{ 'S', "221 bye\r\n", 0 },
		END,
	};

	check_gapped("snapcut", cut,
	    "R GREETING 220\nC HELO c\nR HELO 250\nANOMALY gap\n"
	    "C MAIL FROM:<sender@source.exam\nR MAIL 250\n"
	    "C RCPT TO:<b@y>\nR RCPT 250\nC DATA\nR DATA 354\n"
	    "C .\nR END-OF-DATA 250\n"
	    "TX 1 from=? mail=250 rcpt=[b@y:250] n=1 ok=1 data=354 "
	    "final=250 accepted size=2060 by=end_of_data loss=1 helo=c\n"
	    "C QUIT\nR QUIT 221\nCLOSE fin tx=1 helo=c tls=0\n");
	check_gapped("snapcut-held", held,
	    "R GREETING 220\nC MAIL FROM:<a@x>\nC RCPT TO:<b@y>\nC DATA\n"
	    "R MAIL 250\nR RCPT 250\nANOMALY gap\nR DATA 354\nC .\n"
	    "R END-OF-DATA 250\n"
	    "TX 1 from=<a@x> mail=250 rcpt=[b@y:250] n=1 ok=1 data=354 "
	    "final=250 accepted size=120 by=end_of_data loss=1 helo=\n"
	    "CLOSE fin tx=1 helo= tls=0\n");
	/* The client's MAIL and RCPT lost in a gap (kernel drops, a
	 * segment --verify-checksums dropped), then a message the server
	 * accepts: its transaction as the server says, the sender not seen
	 * (not "<>"), with DATA and with BDAT. */
	static const struct chunk lost_mail_data[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'c', NULL, 40 },
		{ 'S', "250 ok\r\n250 ok\r\n", 0 },
		{ 'C', "DATA\r\n", 0 },
		{ 'S', "354 go\r\n", 0 },
		{ 'C', "Subject: x\r\n\r\nhi\r\n.\r\n", 0 },
		{ 'S', "250 2.0.0 Ok: queued as 4XyZ1\r\n", 0 },
		END,
	};
	static const struct chunk lost_mail_bdat[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'c', NULL, 40 },
		{ 'S', "250 ok\r\n250 ok\r\n", 0 },
		{ 'C', "BDAT 5\r\nhello", 0 },
		{ 'S', "250 5 octets\r\n", 0 },
		{ 'C', "BDAT 3 LAST\r\nend", 0 },
		{ 'S', "250 OK id=1xVGeC-00044A-2r\r\n", 0 },
		{ 'C', "BDAT 2 LAST\r\nno", 0 },
		{ 'S', "503 5.5.1 no transaction\r\n", 0 },
		END,
	};
	/* What the client sent in the unseen bytes (RCPT, DATA, the
	 * message?) is not known: capture loss, not lost mail. */
	check_gapped("snapcut-unseen", unseen,
	    "R GREETING 220\nC MAIL FROM:<a@x>\nR MAIL 250\nANOMALY gap\n"
	    "C QUIT\nR QUIT 221\n"
	    "TX 1 from=<a@x> mail=250 rcpt=[] n=0 ok=0 data=0 final=0 "
	    "unknown size=0 by=quit loss=1 helo=\n"
	    "CLOSE fin tx=1 helo= tls=0\n");
	check_gapped("lost-mail-data", lost_mail_data,
	    "R GREETING 220\nANOMALY gap\nANOMALY unsolicited_reply\n"
	    "R UNKNOWN 250\nR UNKNOWN 250\nC DATA\nR DATA 354\nC .\n"
	    "R END-OF-DATA 250\n"
	    "TX 1 from=? mail=0 rcpt=[] n=0 ok=0 data=354 final=250 "
	    "accepted size=18 by=end_of_data assumed loss=1 helo=\n"
	    "CLOSE fin tx=1 helo= tls=0\n");
	/* Each chunk's bytes counted once, the first (read before the
	 * server's word gave it a transaction) as not parsed; a chunk
	 * refused with none (503) opens nothing. */
	check_gapped("lost-mail-bdat", lost_mail_bdat,
	    "R GREETING 220\nANOMALY gap\nANOMALY unsolicited_reply\n"
	    "R UNKNOWN 250\nR UNKNOWN 250\nC BDAT 5\nR BDAT 250\n"
	    "C BDAT 3 LAST\nR BDAT 250\n"
	    "TX 1 from=? mail=0 rcpt=[] n=0 ok=0 data=0 final=250 "
	    "accepted size=8 by=bdat_last assumed loss=1 helo=\n"
	    "C BDAT 2 LAST\nR BDAT 503\n"
	    "RESULT BDAT [2 LAST] 503 5.5.1 |5.5.1 no transaction\n"
	    "CLOSE fin tx=1 helo= tls=0\n");
}

static void
test_states(void)
{
	/* Each change of the server's state is traced, with its cause. */
	static const struct chunk c[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'C', "EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n",
		    0 },
		{ 'S', "250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n", 0 },
		{ 'C', "x\r\n.\r\nQUIT\r\n", 0 },
		{ 'S', "250 queued\r\n221 bye\r\n", 0 },
		END,
	};

	trace_states = 1;
	check_dialogue("states", c, SMTP_SESSION_END_FIN,
	    "STATE connected -> greeted (greeting)\nR GREETING 220\n"
	    "C EHLO c\nC MAIL FROM:<a@x>\nC RCPT TO:<b@y>\nC DATA\n"
	    "STATE greeted -> ready (HELO granted)\nR EHLO 250\n"
	    "STATE ready -> mail (MAIL granted)\nR MAIL 250\n"
	    "STATE mail -> rcpt (RCPT granted)\nR RCPT 250\n"
	    "STATE rcpt -> data (354 to DATA)\nR DATA 354\nC .\nC QUIT\n"
	    "STATE data -> ready (end_of_data)\nR END-OF-DATA 250\n"
	    "TX 1 from=<a@x> mail=250 rcpt=[b@y:250] n=1 ok=1 data=354 "
	    "final=250 accepted size=3 by=end_of_data helo=c\n"
	    "STATE ready -> quit (QUIT granted)\nR QUIT 221\n"
	    "CLOSE fin tx=1 helo=c tls=0\n");
	trace_states = 0;
}

/*
 * The rule itself: a refused command never changes the envelope. Each
 * command below, refused in the middle of a transaction, leaves the same
 * record as the dialogue without it (but for its line in refused[]).
 */
static void
test_refused_changes_nothing(void)
{
	static const char *const cmds[] = {
		"MAIL FROM:<intruder@x>",
		"EHLO",
		"HELO other.name",
		"LHLO other.name",
		"RSET",
		"BDAT 7 X",
		"DATA",
		"STARTTLS",
		"AUTH PLAIN AGFsaWNlAHNlY3JldA==",
		"SEND FROM:<intruder@x>",
		"SAML FROM:<intruder@x>",
		"XCLIENT NAME=spoof",
		"TURN",
		"QUIT",
		"WHATEVER x",
	};
	static const char *const replies[] = {
		"503 5.5.1 Error: nested MAIL command",
		"501 Syntax: EHLO hostname",
		"550 5.7.1 go away",
		"500 5.5.2 Error: command not recognized",
		"454 4.3.0 try again",
		"501 5.5.4 Syntax: BDAT count [LAST]",
		"503 5.5.1 Error: need RCPT command",
		"454 4.7.0 TLS not available",
		"503 5.5.1 Error: MAIL transaction in progress",
		"502 5.5.1 Error: command not implemented",
		"502 5.5.1 Error: command not implemented",
		"550 5.7.0 Error: insufficient authorization",
		"502 5.5.1 Error: command not implemented",
		"421 4.3.2 not now",
		"500 5.5.2 Error: command not recognized",
	};
	char line[128], reply[128];
	struct chunk c[] = {
		{ 'S', "220 mx\r\n", 0 },
		{ 'C', "EHLO c\r\n", 0 },
		{ 'S', "250 mx\r\n", 0 },
		{ 'C', "MAIL FROM:<alice@x>\r\nRCPT TO:<b@y>\r\n", 0 },
		{ 'S', "250 ok\r\n250 ok\r\n", 0 },
		{ 'C', line, 0 },
		{ 'S', reply, 0 },
		{ 'C', "RCPT TO:<c@y>\r\nDATA\r\n", 0 },
		{ 'S', "250 ok\r\n354 go\r\n", 0 },
		{ 'C', "m\r\n.\r\n", 0 },
		{ 'S', "250 queued\r\n", 0 },
		END,
	};
	const char *want_tx =
	    "TX 1 from=<alice@x> mail=250 rcpt=[b@y:250,c@y:250] n=2 ok=2 "
	    "data=354 final=250 accepted size=3 by=end_of_data refused=[";
	size_t i;
	char *got;

	for (i = 0; i < ARRAY_LEN(cmds); i++) {
		const char *tx;

		/* QUIT refused with 421 is the server leaving: skip the
		 * envelope check there, 421 ends the transaction. */
		if (strncmp(replies[i], "421", 3) == 0)
			continue;
		snprintf(line, sizeof(line), "%s\r\n", cmds[i]);
		snprintf(reply, sizeof(reply), "%s\r\n", replies[i]);
		got = run(c, SMTP_SESSION_END_FIN, -1, 0, 0);
		tx = strstr(got, "TX 1 ");
		CHECKF(tx != NULL &&
			strncmp(tx, want_tx, strlen(want_tx)) == 0 &&
			strstr(tx, "helo=c\n") != NULL &&
			strstr(got, "CLOSE fin tx=1 helo=c tls=0") != NULL,
		    "refused %s changed:\n%s", cmds[i], got);
		free(got);
	}
}

static void
test_random(void)
{
	/* Any byte sequence: no crash, no leak, a close event at the end. */
	struct smtp_session_params p;
	struct event_bus bus;
	struct smtp_session *s;
	uint8_t buf[512];
	uint32_t x = 12345;
	int round, k;
	size_t i, n;
	bool closed = true;

	memset(&bus, 0, sizeof(bus));
	event_bus_subscribe(&bus, record, NULL);
	memset(&p, 0, sizeof(p));
	for (round = 0; round < 2000 && closed; round++) {
		dbuf_reset(&trace);
		s = smtp_session_open(&bus, &p);
		for (k = 0; k < 20; k++) {
			x = x * 1103515245 + 12345;
			n = (x >> 8) % sizeof(buf);
			for (i = 0; i < n; i++) {
				x = x * 1103515245 + 12345;
				/* Mostly SMTP-ish bytes, so states are
				 * reached. */
				buf[i] = (x >> 24) % 4 == 0
				    ? "\r\n.2345 -DATABDATMAIL:<>"[(x >> 8) %
					  24]
				    : (uint8_t)(x >> 16);
			}
			smtp_session_data(s, (x >> 4) & 1, buf, n, k);
		}
		smtp_session_close(s, SMTP_SESSION_END_EOF, 99);
		closed = strstr(dbuf_str(&trace), "CLOSE eof") != NULL;
	}
	CHECKF(closed, "random round %d: no close event", round - 1);
}

/* Command events carry the argument, and MAIL and RCPT the path and
 * parameters as the dissector parsed them (issue 12: no sink takes the
 * line apart again); AUTH's argument stops at the mechanism. */
static void
test_command_parsed(void)
{
	static const struct chunk c[] = {
		{ 'S', "220 mx.example ESMTP\r\n", 0 },
		{ 'C', "EHLO   client.example\r\n", 0 },
		{ 'S', "250-mx.example\r\n250 AUTH PLAIN\r\n", 0 },
		{ 'C', "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n", 0 },
		{ 'S', "235 2.7.0 ok\r\n", 0 },
		{ 'C',
		    "MAIL FROM:<alice@example.org> SIZE=1234 BODY=8BITMIME "
		    "SMTPUTF8 ENVID=abc\r\n",
		    0 },
		{ 'S', "250 2.1.0 ok\r\n", 0 },
		{ 'C',
		    "RCPT TO:<bob@example.net> NOTIFY=SUCCESS,FAILURE "
		    "ORCPT=rfc822;bob@example.net\r\n",
		    0 },
		{ 'S', "250 2.1.5 ok\r\n", 0 },
		{ 'C', "RSET\r\n", 0 },
		{ 'S', "250 ok\r\n", 0 },
		{ 'C', "MAIL FROM:<>\r\n", 0 },
		{ 'S', "250 ok\r\n", 0 },
		{ 'C', "QUIT\r\n", 0 },
		{ 'S', "221 bye\r\n", 0 },
		{ 0, NULL, 0 },
	};
	char *got;

	dbuf_reset(&parsed);
	got = run(c, SMTP_SESSION_END_FIN, -1, 0, 0);
	free(got);
	CHECK_STR(dbuf_str(&parsed),
	    "EHLO arg=[client.example]\n"
	    "AUTH arg=[PLAIN]\n"
	    "MAIL arg=[FROM:<alice@example.org> SIZE=1234 BODY=8BITMIME "
	    "SMTPUTF8 ENVID=abc] path=<alice@example.org> size=1234 "
	    "body=8BITMIME smtputf8=1 envid=abc\n"
	    "RCPT arg=[TO:<bob@example.net> NOTIFY=SUCCESS,FAILURE "
	    "ORCPT=rfc822;bob@example.net] path=<bob@example.net> "
	    "notify=SUCCESS,FAILURE orcpt=rfc822;bob@example.net\n"
	    "RSET arg=[]\n"
	    "MAIL arg=[FROM:<>] path=<> size=0 body= smtputf8=0 envid=-\n"
	    "QUIT arg=[]\n");
}

int
main(void)
{
	dbuf_init(&trace, 1 << 24);
	dbuf_init(&body1, 1 << 24);
	dbuf_init(&parsed, 1 << 20);
	test_command_parsed();
	test_basic();
	test_body_dots();
	test_pipelining();
	test_data_refused();
	test_outcomes();
	test_bdat();
	test_starttls_auth();
	test_auth_secrets();
	test_starttls_plain();
	test_details();
	test_framing();
	test_body_before_354();
	test_before_greeting();
	test_path_parse();
	test_nested_mail();
	test_bare_ehlo();
	test_bdat_syntax();
	test_data_refused_kept();
	test_mail_refused();
	test_helo_in_force();
	test_rfc821_verbs();
	test_turn();
	test_atrn();
	test_lmtp();
	test_results();
	test_reply_details();
	test_assumed();
	test_kernel_drops();
	test_submission();
	test_resync();
	test_snapcut();
	test_states();
	test_refused_changes_nothing();
	test_random();
	dbuf_free(&trace);
	dbuf_free(&parsed);
	/* Every session closed, the spares freed: the memory counted for
	 * the sessions' budget (cmalloc()) is all given back. */
	smtp_release_spares();
	CHECK_UINT(counted_bytes(), 0);
	return check_done("smtp");
}
