/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One SMTP session: line framing of each direction, the queue that pairs
 * replies with the commands they answer (RFC 2920 pipelining), the client
 * input mode (commands, DATA body, BDAT chunk, AUTH exchange, TLS) and the
 * transactions, each finished only when every reply it waits for is in.
 */
#include <stdlib.h>
#include <string.h>

#include "../util.h"
#include "message.h"
#include "smtp.h"
#include "tls.h"

/* What the client's next bytes are. Changed only by client_mode_set(). */
enum client_mode {
	CLIENT_COMMAND, /* command lines */
	CLIENT_HOLD,    /* DATA sent, its reply not yet seen: bytes held */
	CLIENT_BODY,    /* DATA accepted (354): message until "." */
	CLIENT_BDAT,    /* inside a BDAT chunk: a byte count */
	CLIENT_AUTH,    /* AUTH got 334: the next line is a response */
	CLIENT_TLS,     /* after STARTTLS, or port 465: TLS records */
};

/* Where the DATA body scanner stands in the current line. */
enum body_state {
	BODY_BOL,    /* at the beginning of a line */
	BODY_MID,    /* inside a line */
	BODY_DOT,    /* a line began with "." */
	BODY_DOT_CR, /* ".\r" at the beginning of a line */
};

/* What the next SASL response line carries (only the user is kept). */
enum auth_expect {
	AUTH_EXPECT_OTHER,
	AUTH_EXPECT_USER,     /* LOGIN after "Username:" */
	AUTH_EXPECT_PASSWORD, /* LOGIN after "Password:": never kept */
	AUTH_EXPECT_PLAIN,    /* PLAIN: authzid NUL authcid NUL password */
};

struct tx {
	struct smtp_transaction pub;
	struct msg_parser *msg; /* the message's headers, DSN */
	unsigned pending;  /* commands of this transaction awaiting reply */
	int closed;        /* no further command belongs to it */
	int by_connection; /* closed because the connection ended */
	int got_421;
	struct tx *next;
};

struct pending {
	enum smtp_verb verb;
	double ts;
	struct tx *tx;     /* the transaction it belongs to, or NULL */
	size_t rcpt_index; /* RCPT: index in tx->pub.rcpt, or SIZE_MAX */
	int bdat_last;
};

struct framer {
	uint8_t *buf; /* grown on demand, up to SMTP_LINE_MAX */
	size_t cap;
	size_t len;
	int overflow; /* the current line passed SMTP_LINE_MAX */
};

struct smtp_session {
	struct smtp_session_info info;
	const struct event_bus *bus;

	enum client_mode mode;
	struct framer cf, sf;
	struct dbuf hold;
	struct dbuf helo;

	struct pending *queue; /* a ring grown on demand, up to
				  SMTP_PIPELINE_MAX */
	size_t qcap;
	size_t qhead, qlen;

	struct tx *cur;               /* open transaction, if any */
	struct tx *tx_head, *tx_tail; /* all unfinished, in order */

	/* The reply being assembled from its lines. */
	int rcode;
	int rmulti;
	unsigned rlines;
	/* Both in one block of 2 * SMTP_REPLY_TEXT_MAX, allocated with the
	 * first reply line, freed by smtp_session_trim between replies. */
	uint8_t *rtext; /* first line, after the code */
	size_t rtext_len;
	uint8_t *rlast; /* last line, after the code */
	size_t rlast_len;

	enum body_state body;
	uint64_t bdat_left;
	int bdat_last;

	enum auth_expect auth_expect;
	int auth_cancel;

	struct tls_scan *tls;
	int tls_flagged; /* not_tls reported */

	int greeted;
	int quit_sent;
	unsigned anomaly_seen; /* bitmask: each kind emitted once */
	unsigned anomaly_count[SMTP_ANOMALY_COUNT];
};

static void client_feed(
    struct smtp_session *s, const uint8_t *data, size_t len, double ts);

static void
emit(struct smtp_session *s, struct smtp_event *ev)
{
	ev->session = &s->info;
	if (s->bus != NULL)
		event_bus_emit(s->bus, ev);
}

static void
anomaly(struct smtp_session *s, enum smtp_anomaly kind, double ts)
{
	struct smtp_event ev;

	s->anomaly_count[kind]++;
	s->info.anomalies++;
	/* Each kind is reported once per session; the count keeps the rest. */
	if (s->anomaly_seen & (1u << kind))
		return;
	s->anomaly_seen |= 1u << kind;
	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_ANOMALY;
	ev.ts = ts;
	ev.u.anomaly.kind = kind;
	emit(s, &ev);
}

static void
client_mode_set(struct smtp_session *s, enum client_mode mode)
{
	if (mode == CLIENT_BODY)
		s->body = BODY_BOL;
	if (mode == CLIENT_TLS && s->tls == NULL) {
		s->tls = tls_scan_new();
		s->info.tls = true;
	}
	s->mode = mode;
}

static void
copy_cstr(char *dst, size_t size, const uint8_t *src, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* --- transactions ------------------------------------------------------ */

static enum smtp_outcome
tx_outcome(const struct tx *t)
{
	const struct smtp_transaction *p = &t->pub;
	size_t i;
	int any4 = 0, all5 = p->nrcpt > 0;

	if (p->final.code != 0) {
		if (p->final.code == 421)
			return SMTP_OUTCOME_DROPPED;
		if (p->final.code < 300)
			return SMTP_OUTCOME_ACCEPTED;
		return p->final.code < 500 ? SMTP_OUTCOME_TEMPFAIL
					   : SMTP_OUTCOME_REJECTED;
	}
	if (t->got_421)
		return SMTP_OUTCOME_DROPPED;
	/* The message was on its way (354 seen, or a BDAT chunk sent). */
	if (p->data_complete || (p->data_seen && p->data.code == 354) ||
	    (p->bdat && t->by_connection))
		return SMTP_OUTCOME_DROPPED;
	if (p->mail.code >= 400)
		return p->mail.code < 500 ? SMTP_OUTCOME_TEMPFAIL
					  : SMTP_OUTCOME_REJECTED;
	if (p->rcpt_total > 0 && p->rcpt_accepted == 0) {
		for (i = 0; i < p->nrcpt; i++) {
			if (p->rcpt[i].reply.code >= 400 &&
			    p->rcpt[i].reply.code < 500)
				any4 = 1;
			if (p->rcpt[i].reply.code < 500)
				all5 = 0;
		}
		if (any4)
			return SMTP_OUTCOME_TEMPFAIL;
		if (all5)
			return SMTP_OUTCOME_REJECTED;
	}
	if (p->data.code >= 400)
		return p->data.code < 500 ? SMTP_OUTCOME_TEMPFAIL
					  : SMTP_OUTCOME_REJECTED;
	if (t->by_connection)
		return SMTP_OUTCOME_DROPPED;
	return SMTP_OUTCOME_ABORTED;
}

static void
reply_free(struct smtp_reply *r)
{
	free(r->text);
	r->text = NULL;
}

static void
tx_free(struct tx *t)
{
	size_t i;

	for (i = 0; i < t->pub.nrcpt; i++) {
		free(t->pub.rcpt[i].addr);
		free(t->pub.rcpt[i].notify);
		free(t->pub.rcpt[i].orcpt);
		reply_free(&t->pub.rcpt[i].reply);
	}
	free(t->pub.rcpt);
	free(t->pub.mail_from);
	free(t->pub.params.envid);
	free(t->pub.params.auth);
	reply_free(&t->pub.mail);
	reply_free(&t->pub.data);
	reply_free(&t->pub.final);
	free(t->pub.last_text);
	if (t->msg != NULL)
		msg_parser_free(t->msg);
	free(t);
}

/* Emit, in order, every transaction that is closed and fully answered. */
static void
tx_flush(struct smtp_session *s)
{
	struct smtp_event ev;
	struct tx *t;

	while ((t = s->tx_head) != NULL && t->closed && t->pending == 0) {
		s->tx_head = t->next;
		if (s->tx_head == NULL)
			s->tx_tail = NULL;
		t->pub.outcome = tx_outcome(t);
		if (t->msg != NULL) {
			msg_parser_finish(t->msg);
			t->pub.msg = msg_parser_info(t->msg);
			if (t->pub.msg->headers_truncated)
				anomaly(s, SMTP_ANOMALY_HEADERS_TRUNCATED,
				    t->pub.ts_end);
		}
		memset(&ev, 0, sizeof(ev));
		ev.type = SMTP_EV_TRANSACTION;
		ev.ts = t->pub.ts_end;
		ev.u.tx = &t->pub;
		emit(s, &ev);
		tx_free(t);
	}
}

/* No further command belongs to the current transaction. It is emitted
 * by tx_flush() once every reply it waits for is in. */
static void
tx_close_current(struct smtp_session *s, const char *why, double ts)
{
	if (s->cur == NULL)
		return;
	s->cur->closed = 1;
	s->cur->pub.ended_by = why;
	s->cur->pub.ts_end = ts;
	s->cur = NULL;
}

static struct tx *
tx_begin(struct smtp_session *s, const uint8_t *arg, size_t len, double ts)
{
	char addr[SMTP_ADDR_MAX];
	struct tx *t;
	size_t rest;

	t = xcalloc(1, sizeof(*t));
	t->pub.depth = ++s->info.transactions;
	t->pub.ts = ts;
	t->pub.ts_end = ts;
	t->pub.mail.latency = -1;
	t->pub.data.latency = -1;
	t->pub.final.latency = -1;
	smtp_parse_path(arg, len, "FROM", addr, sizeof(addr), &rest);
	t->pub.mail_from = xstrdup(addr);
	t->pub.bounce = addr[0] == '\0';
	smtp_parse_mail_params(arg + rest, len - rest, &t->pub.params);
	if (s->tx_tail != NULL)
		s->tx_tail->next = t;
	else
		s->tx_head = t;
	s->tx_tail = t;
	s->cur = t;
	return t;
}

static size_t
tx_add_rcpt(struct smtp_session *s, struct tx *t, const uint8_t *arg,
    size_t len, double ts)
{
	char addr[SMTP_ADDR_MAX];
	struct smtp_transaction *p = &t->pub;
	struct smtp_rcpt *r;
	size_t cap, rest;

	p->rcpt_total++;
	if (p->nrcpt >= SMTP_RCPT_MAX) {
		anomaly(s, SMTP_ANOMALY_TOO_MANY_RECIPIENTS, ts);
		return SIZE_MAX;
	}
	if ((p->nrcpt & (p->nrcpt - 1)) == 0) {
		cap = p->nrcpt ? p->nrcpt * 2 : 4;
		p->rcpt = xrealloc(p->rcpt, cap * sizeof(*p->rcpt));
	}
	r = &p->rcpt[p->nrcpt];
	memset(r, 0, sizeof(*r));
	r->reply.latency = -1;
	smtp_parse_path(arg, len, "TO", addr, sizeof(addr), &rest);
	r->addr = xstrdup(addr);
	smtp_parse_rcpt_params(arg + rest, len - rest, r);
	return p->nrcpt++;
}

/* The message parser of the current transaction, made on first use. */
static struct msg_parser *
tx_msg(struct smtp_session *s)
{
	if (s->cur == NULL)
		return NULL;
	if (s->cur->msg == NULL)
		s->cur->msg = msg_parser_new();
	return s->cur->msg;
}

/* --- the pairing queue ------------------------------------------------- */

/* Most sessions wait for a few replies at a time: the ring starts small
 * (an idle session costs little) and doubles up to SMTP_PIPELINE_MAX. */
static void
queue_grow(struct smtp_session *s)
{
	size_t ncap = s->qcap ? s->qcap * 2 : 8, i;
	struct pending *q;

	if (ncap > SMTP_PIPELINE_MAX)
		ncap = SMTP_PIPELINE_MAX;
	q = xcalloc(ncap, sizeof(*q));
	for (i = 0; i < s->qlen; i++)
		q[i] = s->queue[(s->qhead + i) % s->qcap];
	free(s->queue);
	s->queue = q;
	s->qcap = ncap;
	s->qhead = 0;
}

static struct pending *
pending_push(struct smtp_session *s, enum smtp_verb verb, struct tx *t,
    size_t rcpt_index, double ts)
{
	struct pending *p;

	if (s->qlen == s->qcap && s->qcap < SMTP_PIPELINE_MAX)
		queue_grow(s);
	if (s->qlen >= s->qcap) {
		/* Its reply will be unsolicited; the older pairs stay right. */
		anomaly(s, SMTP_ANOMALY_PIPELINE_OVERFLOW, ts);
		return NULL;
	}
	p = &s->queue[(s->qhead + s->qlen) % s->qcap];
	p->verb = verb;
	p->ts = ts;
	p->tx = t;
	p->rcpt_index = rcpt_index;
	p->bdat_last = 0;
	if (t != NULL)
		t->pending++;
	s->qlen++;
	return p;
}

static struct pending *
pending_pop(struct smtp_session *s, struct pending *out)
{
	if (s->qlen == 0)
		return NULL;
	*out = s->queue[s->qhead];
	s->qhead = (s->qhead + 1) % s->qcap;
	s->qlen--;
	return out;
}

static enum smtp_verb
pending_head_verb(const struct smtp_session *s)
{
	return s->qlen > 0 ? s->queue[s->qhead].verb : SMTP_VERB_UNKNOWN;
}

/* --- server side ------------------------------------------------------- */

/* Client bytes held while DATA waited: replay them in the new mode. */
static void
hold_release(struct smtp_session *s, double ts)
{
	struct dbuf held = s->hold;

	if (held.len == 0)
		return;
	dbuf_init(&s->hold, SMTP_HOLD_MAX);
	client_feed(s, (const uint8_t *)held.p, held.len, ts);
	dbuf_free(&held);
}

/* Keep the reply now complete on a transaction's record. */
static void
reply_keep(struct smtp_session *s, struct smtp_reply *r, double latency)
{
	size_t skip;

	reply_free(r);
	r->code = s->rcode;
	r->latency = latency;
	skip = smtp_enhanced_code(
	    s->rtext, s->rtext_len, s->rcode, r->enh, sizeof(r->enh));
	r->text = xmemdup0(s->rtext + skip, s->rtext_len - skip);
}

static void
sasl_user(struct smtp_session *s, const uint8_t *b64, size_t len, int plain)
{
	uint8_t buf[512];
	long n;
	size_t i, start = 0;

	n = base64_decode(b64, len, buf, sizeof(buf));
	if (n <= 0)
		return;
	if (plain) {
		/* authzid NUL authcid NUL password: keep authcid only. */
		for (i = 0; i < (size_t)n && buf[i] != '\0'; i++)
			;
		if (i >= (size_t)n)
			return;
		start = ++i;
		while (i < (size_t)n && buf[i] != '\0')
			i++;
		n = (long)i; /* the password after it is never copied */
	}
	copy_cstr(s->info.auth_user, sizeof(s->info.auth_user), buf + start,
	    (size_t)n - start);
	memset(buf, 0, sizeof(buf));
}

/* What a 334 challenge asks for (LOGIN sends "Username:"/"Password:"). */
static enum auth_expect
auth_challenge(struct smtp_session *s)
{
	uint8_t buf[64];
	long n;

	if (strcmp(s->info.auth_mech, "PLAIN") == 0)
		return AUTH_EXPECT_PLAIN;
	if (strcmp(s->info.auth_mech, "LOGIN") != 0)
		return AUTH_EXPECT_OTHER;
	n = base64_decode(s->rtext, s->rtext_len, buf, sizeof(buf));
	if (n >= 4 && ascii_prefix_ci(buf, (size_t)n, "USER"))
		return AUTH_EXPECT_USER;
	if (n >= 4 && ascii_prefix_ci(buf, (size_t)n, "PASS"))
		return AUTH_EXPECT_PASSWORD;
	/* Unusual prompts: first the user, then the password. */
	return s->info.auth_user[0] == '\0' ? AUTH_EXPECT_USER
					    : AUTH_EXPECT_PASSWORD;
}

/* State changes a reply makes. Returns 1 when client bytes held while
 * DATA waited must now be replayed (after the reply's event). */
static int
reply_apply(struct smtp_session *s, struct pending *p, double ts)
{
	struct tx *t = p->tx;
	int code = s->rcode, release = 0;
	double lat = ts - p->ts;

	switch (p->verb) {
	case SMTP_VERB_MAIL:
		if (t != NULL)
			reply_keep(s, &t->pub.mail, lat);
		break;
	case SMTP_VERB_RCPT:
		if (t != NULL && p->rcpt_index != SIZE_MAX)
			reply_keep(s, &t->pub.rcpt[p->rcpt_index].reply, lat);
		if (t != NULL && code >= 200 && code < 300)
			t->pub.rcpt_accepted++;
		break;
	case SMTP_VERB_DATA:
		if (t != NULL)
			reply_keep(s, &t->pub.data, lat);
		if (code == 354) {
			if (s->mode == CLIENT_HOLD) {
				client_mode_set(s, CLIENT_BODY);
				release = 1;
			}
		} else {
			/* Refused: the transaction is over; held bytes are
			 * commands again (RSET, QUIT, a new MAIL...). */
			if (t != NULL && t == s->cur)
				tx_close_current(s, "data_refused", ts);
			if (s->mode == CLIENT_HOLD) {
				client_mode_set(s, CLIENT_COMMAND);
				release = 1;
			}
		}
		break;
	case SMTP_VERB_END_OF_DATA:
		if (t != NULL)
			reply_keep(s, &t->pub.final, lat);
		break;
	case SMTP_VERB_BDAT:
		if (t != NULL && (p->bdat_last || code >= 400))
			reply_keep(s, &t->pub.final, lat);
		if (t != NULL && code >= 400 && t == s->cur)
			tx_close_current(s, "bdat_refused", ts);
		break;
	case SMTP_VERB_STARTTLS:
		if (code == 220)
			client_mode_set(s, CLIENT_TLS);
		break;
	case SMTP_VERB_AUTH:
	case SMTP_VERB_AUTH_DATA:
		s->info.auth_code = code;
		if (code == 334) {
			s->auth_expect = auth_challenge(s);
			client_mode_set(s, CLIENT_AUTH);
			break;
		}
		client_mode_set(s, CLIENT_COMMAND);
		if (code >= 200 && code < 300)
			s->info.auth_result = SMTP_AUTH_SUCCESS;
		else if (s->auth_cancel)
			s->info.auth_result = SMTP_AUTH_CANCELLED;
		else {
			s->info.auth_result = SMTP_AUTH_FAILURE;
			s->info.auth_failures++;
		}
		break;
	default:
		break;
	}
	if (t != NULL) {
		t->pub.last_code = code;
		free(t->pub.last_text);
		t->pub.last_text = xmemdup0(s->rlast, s->rlast_len);
	}
	if (code == 421) {
		/* The server is closing the connection. */
		if (t != NULL)
			t->got_421 = 1;
		if (s->cur != NULL) {
			s->cur->got_421 = 1;
			tx_close_current(s, "421", ts);
		}
	}
	return release;
}

static void
greeting(struct smtp_session *s, double ts)
{
	size_t h = 0, t;

	s->greeted = 1;
	s->info.greeting_code = s->rcode;
	s->info.greeting_latency = ts - s->info.ts_open;
	while (h < s->rtext_len && s->rtext[h] != ' ')
		h++;
	copy_cstr(
	    s->info.greeting_host, sizeof(s->info.greeting_host), s->rtext, h);
	t = h;
	while (t < s->rtext_len && s->rtext[t] == ' ')
		t++;
	copy_cstr(s->info.greeting_text, sizeof(s->info.greeting_text),
	    s->rtext + t, s->rtext_len - t);
}

static void
reply_complete(struct smtp_session *s, double ts)
{
	struct smtp_event ev;
	struct pending p;
	int release;

	s->info.replies++;
	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_REPLY;
	ev.ts = ts;
	ev.u.reply.code = s->rcode;
	ev.u.reply.text = s->rtext;
	ev.u.reply.len = s->rtext_len;
	ev.u.reply.lines = s->rlines;
	ev.u.reply.last_text = s->rlast;
	ev.u.reply.last_len = s->rlast_len;
	ev.u.reply.latency = -1;

	if (!s->greeted) {
		/* The first reply is the greeting, even when impatient
		 * clients already sent commands. */
		greeting(s, ts);
		ev.u.reply.verb = SMTP_VERB_GREETING;
		ev.u.reply.latency = s->info.greeting_latency;
		emit(s, &ev);
		return;
	}
	if (pending_pop(s, &p) == NULL) {
		if (s->cur != NULL) {
			/* Still the last word within the transaction. */
			s->cur->pub.last_code = s->rcode;
			free(s->cur->pub.last_text);
			s->cur->pub.last_text =
			    xmemdup0(s->rlast, s->rlast_len);
		}
		if (s->rcode != 421)
			anomaly(s, SMTP_ANOMALY_UNSOLICITED_REPLY, ts);
		else if (s->cur != NULL) {
			s->cur->got_421 = 1;
			tx_close_current(s, "421", ts);
		}
		ev.u.reply.verb = SMTP_VERB_UNKNOWN;
		emit(s, &ev);
		tx_flush(s);
		return;
	}
	ev.u.reply.verb = p.verb;
	ev.u.reply.latency = ts - p.ts;
	ev.u.reply.last_chunk = p.bdat_last != 0;
	if (p.tx != NULL)
		p.tx->pending--;
	release = reply_apply(s, &p, ts);
	emit(s, &ev);
	tx_flush(s);
	if (release)
		hold_release(s, ts);
}

static void
server_line(struct smtp_session *s, const uint8_t *line, size_t len, double ts)
{
	const uint8_t *text;
	size_t n;
	int code, more;

	if (!smtp_reply_line_parse(line, len, &code, &more)) {
		anomaly(s,
		    s->greeted || s->rmulti ? SMTP_ANOMALY_BAD_REPLY
					    : SMTP_ANOMALY_NON_SMTP,
		    ts);
		return;
	}
	text = line + (len > 4 ? 4 : len);
	n = len > 4 ? len - 4 : 0;
	if (n > SMTP_REPLY_TEXT_MAX)
		n = SMTP_REPLY_TEXT_MAX;
	if (s->rtext == NULL) {
		s->rtext = xmalloc(2 * SMTP_REPLY_TEXT_MAX);
		s->rlast = s->rtext + SMTP_REPLY_TEXT_MAX;
	}
	if (!s->rmulti) {
		s->rcode = code;
		s->rlines = 0;
		memcpy(s->rtext, text, n);
		s->rtext_len = n;
	} else if (pending_head_verb(s) == SMTP_VERB_EHLO && s->rcode == 250)
		smtp_parse_capability(text, n, &s->info);
	s->rlines++;
	memcpy(s->rlast, text, n);
	s->rlast_len = n;
	s->rmulti = more;
	if (!more)
		reply_complete(s, ts);
}

/* --- client side ------------------------------------------------------- */

/* A command event: a command line, the end-of-data dot, or a SASL
 * response (line NULL: its text never leaves). */
static void
command_event(struct smtp_session *s, enum smtp_verb verb, const uint8_t *line,
    size_t len, double ts)
{
	struct smtp_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_COMMAND;
	ev.ts = ts;
	ev.u.command.verb = verb;
	ev.u.command.line = line;
	ev.u.command.len = len;
	emit(s, &ev);
}

static void
auth_response(
    struct smtp_session *s, const uint8_t *line, size_t len, double ts)
{
	/* A SASL response: never a command, never logged. */
	if (len == 1 && line[0] == '*')
		s->auth_cancel = 1;
	else if (s->auth_expect == AUTH_EXPECT_USER)
		sasl_user(s, line, len, 0);
	else if (s->auth_expect == AUTH_EXPECT_PLAIN)
		sasl_user(s, line, len, 1);
	s->auth_expect = AUTH_EXPECT_OTHER;
	command_event(s, SMTP_VERB_AUTH_DATA, NULL, 0, ts);
	pending_push(s, SMTP_VERB_AUTH_DATA, NULL, SIZE_MAX, ts);
}

static void
auth_command(struct smtp_session *s, const uint8_t *arg, size_t alen)
{
	size_t m = 0, r;

	while (m < alen && arg[m] != ' ')
		m++;
	copy_cstr(s->info.auth_mech, sizeof(s->info.auth_mech), arg, m);
	for (r = 0; s->info.auth_mech[r] != '\0'; r++)
		s->info.auth_mech[r] =
		    (char)ascii_toupper((unsigned char)s->info.auth_mech[r]);
	s->info.auth_attempts++;
	s->info.auth_result = SMTP_AUTH_PENDING;
	s->info.auth_user[0] = '\0';
	s->auth_cancel = 0;
	r = m;
	while (r < alen && arg[r] == ' ')
		r++;
	/* An initial response (RFC 4954): "=" is an empty one. */
	if (r < alen && !(alen - r == 1 && arg[r] == '=')) {
		if (strcmp(s->info.auth_mech, "PLAIN") == 0)
			sasl_user(s, arg + r, alen - r, 1);
		else if (strcmp(s->info.auth_mech, "LOGIN") == 0)
			sasl_user(s, arg + r, alen - r, 0);
	}
}

static void
command_line(struct smtp_session *s, const uint8_t *line, size_t len, double ts)
{
	enum smtp_verb verb;
	const uint8_t *arg;
	size_t wlen = 0, alen;
	struct tx *t;
	size_t idx = SIZE_MAX;

	if (s->mode == CLIENT_AUTH) {
		auth_response(s, line, len, ts);
		return;
	}
	s->info.commands++;
	while (wlen < len && line[wlen] != ' ')
		wlen++;
	verb = smtp_verb_lookup(line, wlen);
	arg = line + wlen;
	alen = len - wlen;
	while (alen > 0 && ascii_isspace(*arg)) {
		arg++;
		alen--;
	}
	if (!s->greeted)
		anomaly(s, SMTP_ANOMALY_COMMAND_BEFORE_GREETING, ts);
	if (s->quit_sent)
		anomaly(s, SMTP_ANOMALY_DATA_AFTER_QUIT, ts);

	{
		/* AUTH's initial response may hold a password: verb and
		 * mechanism only. */
		size_t shown = len;

		if (verb == SMTP_VERB_AUTH) {
			size_t m = 0;

			while (m < alen && arg[m] != ' ')
				m++;
			shown = (size_t)(arg - line) + m;
		}
		command_event(s, verb, line, shown, ts);
	}
	if (verb == SMTP_VERB_UNKNOWN)
		anomaly(s, SMTP_ANOMALY_UNKNOWN_COMMAND, ts);

	t = s->cur;
	switch (verb) {
	case SMTP_VERB_HELO:
	case SMTP_VERB_EHLO: {
		size_t n = alen;

		/* The whole argument, as Zeek keeps it; trailing blanks cut. */
		while (n > 0 && ascii_isspace(arg[n - 1]))
			n--;
		dbuf_reset(&s->helo);
		dbuf_add(&s->helo, arg, n);
		s->info.helo = dbuf_str(&s->helo);
		s->info.ehlo = verb == SMTP_VERB_EHLO;
		if (s->info.ehlo) {
			/* A new EHLO reply says it all again. */
			s->info.caps = 0;
			s->info.size_limit = 0;
			s->info.auth_mechs[0] = '\0';
		}
		tx_close_current(
		    s, verb == SMTP_VERB_HELO ? "helo" : "ehlo", ts);
		t = NULL;
		break;
	}
	case SMTP_VERB_MAIL:
		tx_close_current(s, "mail", ts);
		t = tx_begin(s, arg, alen, ts);
		break;
	case SMTP_VERB_RCPT:
		if (t != NULL)
			idx = tx_add_rcpt(s, t, arg, alen, ts);
		break;
	case SMTP_VERB_DATA:
		if (t != NULL)
			t->pub.data_seen = 1;
		client_mode_set(s, CLIENT_HOLD);
		break;
	case SMTP_VERB_BDAT: {
		struct pending *pp;
		uint64_t n = 0;
		size_t i = 0;
		int ok = alen > 0 && ascii_isdigit(arg[0]);

		while (i < alen && ascii_isdigit(arg[i])) {
			uint64_t d = (uint64_t)(arg[i] - '0');

			if (n > (UINT64_MAX - d) / 10)
				ok = 0; /* over 64 bits */
			else
				n = n * 10 + d;
			i++;
		}
		if (i < alen && arg[i] != ' ')
			ok = 0;
		while (i < alen && arg[i] == ' ')
			i++;
		s->bdat_last =
		    alen - i >= 4 && ascii_prefix_ci(arg + i, alen - i, "LAST");
		if (!ok) {
			/* Without a size the chunk cannot be found: treat
			 * what follows as commands, keep the pairing. */
			anomaly(s, SMTP_ANOMALY_BAD_BDAT, ts);
			n = 0;
		}
		if (t != NULL) {
			t->pub.data_seen = 1;
			t->pub.bdat = 1;
			t->pub.bdat_chunks++;
		}
		if ((pp = pending_push(s, verb, t, SIZE_MAX, ts)) != NULL)
			pp->bdat_last = s->bdat_last;
		s->bdat_left = n;
		if (n > 0)
			client_mode_set(s, CLIENT_BDAT);
		else if (s->bdat_last && t != NULL) {
			t->pub.data_complete = 1;
			tx_close_current(s, "bdat_last", ts);
		}
		tx_flush(s);
		return;
	}
	case SMTP_VERB_RSET:
		tx_close_current(s, "rset", ts);
		t = NULL;
		break;
	case SMTP_VERB_QUIT:
		tx_close_current(s, "quit", ts);
		t = NULL;
		s->quit_sent = 1;
		break;
	case SMTP_VERB_STARTTLS:
		s->info.starttls = true;
		break;
	case SMTP_VERB_AUTH:
		auth_command(s, arg, alen);
		break;
	default:
		break;
	}
	pending_push(s, verb, t, idx, ts);
	tx_flush(s);
}

static void
end_of_data(struct smtp_session *s, double ts)
{
	static const uint8_t dot[] = ".";
	struct tx *t = s->cur;

	command_event(s, SMTP_VERB_END_OF_DATA, dot, 1, ts);
	if (t != NULL)
		t->pub.data_complete = 1;
	pending_push(s, SMTP_VERB_END_OF_DATA, t, SIZE_MAX, ts);
	tx_close_current(s, "end_of_data", ts);
	client_mode_set(s, CLIENT_COMMAND);
	tx_flush(s);
}

/* A body event for the plugins that asked for message bytes (data NULL:
 * n bytes lost in a gap). Called before the size grows: offset. */
static void
body_event(struct smtp_session *s, const uint8_t *p, size_t n, double ts)
{
	struct smtp_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_BODY;
	ev.ts = ts;
	ev.u.body.data = p;
	ev.u.body.len = n;
	ev.u.body.offset = s->cur->pub.size;
	ev.u.body.depth = s->cur->pub.depth;
	emit(s, &ev);
}

/* Message bytes, as the server stores them, to the size and the parser. */
static void
message_bytes(struct smtp_session *s, const uint8_t *p, size_t n, double ts)
{
	struct msg_parser *m;

	if (n == 0 || s->cur == NULL)
		return;
	if (s->bus != NULL && s->bus->nbody > 0)
		body_event(s, p, n, ts);
	s->cur->pub.size += n;
	if ((m = tx_msg(s)) != NULL)
		msg_parser_feed(m, p, n);
}

/* n message bytes never captured: counted, and said to body readers. */
static void
message_lost(struct smtp_session *s, size_t n, double ts)
{
	if (n == 0 || s->cur == NULL)
		return;
	if (s->bus != NULL && s->bus->nbody > 0)
		body_event(s, NULL, n, ts);
	s->cur->pub.size += n;
}

/* Bytes of data[0..n) before the first "." that starts a line (data[0]
 * itself never does: the caller is within a line there), or n. */
static size_t
body_span(const uint8_t *data, size_t n)
{
	const uint8_t *q = data + 1, *end = data + n, *dot;

	while (q < end && (dot = memchr(q, '.', (size_t)(end - q))) != NULL) {
		if (dot[-1] == '\n')
			return (size_t)(dot - data);
		q = dot + 1;
	}
	return n;
}

/* The header parser has seen what it wants of this message (or there is
 * no transaction): the body may go by in spans, not line by line. */
static bool
body_counted_only(const struct smtp_session *s)
{
	return s->cur == NULL ||
	    (s->cur->msg != NULL && msg_parser_skipping(s->cur->msg));
}

/*
 * Scan DATA body bytes: dot-unstuff, count, parse, and find the lone "."
 * line. Returns the bytes consumed (all, or up to and including the end
 * of data).
 */
static size_t
body_feed(struct smtp_session *s, const uint8_t *data, size_t len, double ts)
{
	static const uint8_t cr = '\r';
	const uint8_t *nl;
	size_t i = 0, n;

	while (i < len) {
		switch (s->body) {
		case BODY_BOL:
			if (data[i] == '.') {
				s->body = BODY_DOT;
				i++;
				continue;
			}
			s->body = BODY_MID;
			/* FALLTHROUGH */
		case BODY_MID:
			if (body_counted_only(s)) {
				/* Up to the next dot at the start of a line:
				 * dots are rarer than line ends (base64 has
				 * none), so this jumps far. */
				n = body_span(data + i, len - i);
				message_bytes(s, data + i, n, ts);
				i += n;
				s->body = i < len || data[len - 1] == '\n'
				    ? BODY_BOL
				    : BODY_MID;
				continue;
			}
			nl = memchr(data + i, '\n', len - i);
			n = nl ? (size_t)(nl - (data + i)) + 1 : len - i;
			message_bytes(s, data + i, n, ts);
			i += n;
			if (nl != NULL)
				s->body = BODY_BOL;
			continue;
		case BODY_DOT:
			if (data[i] == '\r') {
				s->body = BODY_DOT_CR;
				i++;
				continue;
			}
			if (data[i] == '\n')
				goto done;
			/* A stuffed dot: removed, the rest is text. */
			s->body = BODY_MID;
			continue;
		case BODY_DOT_CR:
			if (data[i] == '\n')
				goto done;
			message_bytes(
			    s, &cr, 1, ts); /* text after a removed dot */
			s->body = BODY_MID;
			continue;
		}
	}
	return len;
done:
	end_of_data(s, ts);
	return i + 1;
}

/*
 * Frame lines: complete lines are handed to fn straight from data when
 * possible, partial ones wait in f (capped). Returns bytes consumed: it
 * stops after each line so that the caller can see a mode change.
 */
/* Room for n more bytes in the framer's buffer (n fits under the cap). */
static void
framer_reserve(struct framer *f, size_t n)
{
	size_t need = f->len + n, ncap;

	if (need <= f->cap)
		return;
	ncap = f->cap ? f->cap : 128;
	while (ncap < need)
		ncap *= 2;
	if (ncap > SMTP_LINE_MAX)
		ncap = SMTP_LINE_MAX;
	f->buf = xrealloc(f->buf, ncap);
	f->cap = ncap;
}

static size_t
frame_one(struct smtp_session *s, struct framer *f, const uint8_t *data,
    size_t len, double ts,
    void (*fn)(struct smtp_session *, const uint8_t *, size_t, double))
{
	const uint8_t *nl = memchr(data, '\n', len);
	size_t take = nl ? (size_t)(nl - data) + 1 : len;
	size_t room = SMTP_LINE_MAX - f->len;
	const uint8_t *line;
	size_t llen;
	int cut;

	if (nl == NULL) {
		if (take > room) {
			take = len;
			if (!f->overflow)
				anomaly(s, SMTP_ANOMALY_LINE_TOO_LONG, ts);
			f->overflow = 1;
			if (room > 0) {
				framer_reserve(f, room);
				memcpy(f->buf + f->len, data, room);
				f->len += room;
			}
		} else {
			framer_reserve(f, take);
			memcpy(f->buf + f->len, data, take);
			f->len += take;
		}
		return len;
	}
	llen = take - 1; /* without LF */
	if (f->len == 0 && !f->overflow) {
		line = data;
	} else {
		size_t copy = llen < room ? llen : room;

		if (llen > room && !f->overflow) {
			anomaly(s, SMTP_ANOMALY_LINE_TOO_LONG, ts);
			f->overflow = 1;
		}
		if (copy > 0) {
			framer_reserve(f, copy);
			memcpy(f->buf + f->len, data, copy);
			f->len += copy;
		}
		line = f->buf;
		llen = f->len;
	}
	cut = f->overflow;
	if (line == data && llen > SMTP_LINE_MAX) {
		anomaly(s, SMTP_ANOMALY_LINE_TOO_LONG, ts);
		llen = SMTP_LINE_MAX;
		cut = 1;
	}
	/* The CR of CRLF; a line cut at the cap keeps what it has. */
	if (llen > 0 && line[llen - 1] == '\r' && !cut)
		llen--;
	f->len = 0;
	f->overflow = 0;
	fn(s, line, llen, ts);
	return take;
}

/* n bytes of a BDAT chunk (data NULL: lost in a gap, counted only). */
static void
bdat_consume(struct smtp_session *s, const uint8_t *data, size_t n, double ts)
{
	s->bdat_left -= n;
	if (data != NULL)
		message_bytes(s, data, n, ts);
	else
		message_lost(s, n, ts);
	if (s->bdat_left > 0)
		return;
	client_mode_set(s, CLIENT_COMMAND);
	if (s->bdat_last && s->cur != NULL) {
		s->cur->pub.data_complete = 1;
		tx_close_current(s, "bdat_last", ts);
		tx_flush(s);
	}
}

static void
tls_bytes(struct smtp_session *s, int from_client, const uint8_t *data,
    size_t len, double ts)
{
	const struct tls_info *ti;

	if (s->tls == NULL || tls_scan_done(s->tls))
		return;
	tls_scan_feed(s->tls, from_client, data, len);
	ti = tls_scan_info(s->tls);
	if ((ti->client_not_tls || ti->server_not_tls) && !s->tls_flagged) {
		s->tls_flagged = 1;
		anomaly(s, SMTP_ANOMALY_NOT_TLS, ts);
	}
}

static void
client_feed(struct smtp_session *s, const uint8_t *data, size_t len, double ts)
{
	size_t n;

	while (len > 0) {
		switch (s->mode) {
		case CLIENT_COMMAND:
		case CLIENT_AUTH:
			n = frame_one(s, &s->cf, data, len, ts, command_line);
			break;
		case CLIENT_HOLD:
			n = len;
			if (s->hold.len + len > SMTP_HOLD_MAX) {
				/* The client does not wait for 354 (or the
				 * reply is lost): take it as the body. */
				anomaly(s, SMTP_ANOMALY_BODY_BEFORE_354, ts);
				client_mode_set(s, CLIENT_BODY);
				hold_release(s, ts);
				n = 0;
				break;
			}
			dbuf_add(&s->hold, data, len);
			break;
		case CLIENT_BODY:
			n = body_feed(s, data, len, ts);
			break;
		case CLIENT_BDAT:
			n = s->bdat_left < len ? (size_t)s->bdat_left : len;
			bdat_consume(s, data, n, ts);
			break;
		case CLIENT_TLS:
		default:
			tls_bytes(s, 1, data, len, ts);
			n = len;
			break;
		}
		data += n;
		len -= n;
	}
}

static void
server_feed(struct smtp_session *s, const uint8_t *data, size_t len, double ts)
{
	size_t n;

	while (len > 0) {
		if (s->info.tls) {
			/* After the 220 to STARTTLS: the server's TLS. */
			tls_bytes(s, 0, data, len, ts);
			return;
		}
		n = frame_one(s, &s->sf, data, len, ts, server_line);
		data += n;
		len -= n;
	}
}

/* --- public ------------------------------------------------------------ */

struct smtp_session *
smtp_session_open(
    const struct event_bus *bus, const struct smtp_session_params *p)
{
	struct smtp_session *s = xcalloc(1, sizeof(*s));
	struct smtp_event ev;

	s->bus = bus;
	s->info.id = p->id;
	s->info.client = p->client;
	s->info.server = p->server;
	s->info.ts_open = p->ts;
	s->info.greeting_latency = -1;
	dbuf_init(&s->hold, SMTP_HOLD_MAX);
	dbuf_init(&s->helo, SMTP_LINE_MAX);
	s->info.helo = "";
	client_mode_set(s, CLIENT_COMMAND);
	if (p->implicit_tls) {
		s->info.implicit_tls = true;
		client_mode_set(s, CLIENT_TLS);
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_SESSION_OPEN;
	ev.ts = p->ts;
	emit(s, &ev);
	return s;
}

void
smtp_session_data(struct smtp_session *s, enum smtp_dir dir,
    const uint8_t *data, size_t len, double ts)
{
	if (dir == SMTP_DIR_CLIENT) {
		s->info.bytes_client += len;
		client_feed(s, data, len, ts);
	} else {
		s->info.bytes_server += len;
		server_feed(s, data, len, ts);
	}
}

static void
framer_trim(struct framer *f)
{
	if (f->len == 0 && f->buf != NULL) {
		free(f->buf);
		f->buf = NULL;
		f->cap = 0;
	}
}

void
smtp_session_trim(struct smtp_session *s)
{
	framer_trim(&s->cf);
	framer_trim(&s->sf);
	if (s->hold.len == 0)
		dbuf_free(&s->hold);
	if (!s->rmulti && s->rtext != NULL) {
		free(s->rtext);
		s->rtext = s->rlast = NULL;
		s->rtext_len = s->rlast_len = 0;
	}
	if (s->qlen == 0 && s->queue != NULL) {
		free(s->queue);
		s->queue = NULL;
		s->qcap = 0;
		s->qhead = 0;
	}
}

void
smtp_session_gap(struct smtp_session *s, enum smtp_dir dir, size_t n, double ts)
{
	anomaly(s, SMTP_ANOMALY_GAP, ts);
	if (dir == SMTP_DIR_SERVER) {
		s->info.bytes_server += n;
		/* A reply in progress is lost; the next line starts anew. */
		s->sf.len = 0;
		s->sf.overflow = 0;
		s->rmulti = 0;
		return;
	}
	s->info.bytes_client += n;
	if (s->mode == CLIENT_BDAT) {
		size_t k = s->bdat_left < n ? (size_t)s->bdat_left : n;

		bdat_consume(s, NULL, k, ts);
		n -= k;
	}
	switch (s->mode) {
	case CLIENT_BODY:
		message_lost(s, n, ts);
		s->body = BODY_MID;
		break;
	case CLIENT_COMMAND:
	case CLIENT_AUTH:
		if (n > 0) {
			s->cf.len = 0;
			s->cf.overflow = 0;
		}
		break;
	default:
		break;
	}
}

static void
tls_meta_fill(struct smtp_session *s)
{
	const struct tls_info *ti;
	struct smtp_tls_meta *m = &s->info.tls_meta;

	if (s->tls == NULL)
		return;
	ti = tls_scan_info(s->tls);
	if (!ti->client_hello && !ti->server_hello)
		return;
	m->seen = true;
	m->client_version = ti->client_max_version;
	m->version = ti->version;
	m->cipher = ti->cipher;
	copy_cstr(
	    m->sni, sizeof(m->sni), (const uint8_t *)ti->sni, ti->sni_len);
}

void
smtp_session_close(struct smtp_session *s, enum smtp_session_end end, double ts)
{
	struct smtp_event ev;
	struct pending p;
	struct tx *t;

	/* Commands still waiting: their replies never came. */
	if (s->qlen > 0 && !s->info.tls)
		anomaly(s, SMTP_ANOMALY_NO_REPLY, ts);
	while (pending_pop(s, &p) != NULL)
		if (p.tx != NULL)
			p.tx->pending--;
	if (s->cur != NULL) {
		s->cur->by_connection = 1;
		tx_close_current(s, "connection_end", ts);
	}
	for (t = s->tx_head; t != NULL; t = t->next) {
		t->closed = 1;
		t->pending = 0;
	}
	tx_flush(s);

	tls_meta_fill(s);
	s->info.ts_close = ts;
	s->info.end = end;
	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_SESSION_CLOSE;
	ev.ts = ts;
	emit(s, &ev);
	if (s->tls != NULL)
		tls_scan_free(s->tls);
	dbuf_free(&s->hold);
	dbuf_free(&s->helo);
	free(s->cf.buf);
	free(s->sf.buf);
	free(s->queue);
	free(s->rtext);
	free(s);
}

const struct smtp_session_info *
smtp_session_info(const struct smtp_session *s)
{
	return &s->info;
}
