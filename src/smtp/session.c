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
#include "smtp.h"

/* What the client's next bytes are. Changed only by client_mode_set(). */
enum client_mode {
	CLIENT_COMMAND, /* command lines */
	CLIENT_HOLD,    /* DATA sent, its reply not yet seen: bytes held */
	CLIENT_BODY,    /* DATA accepted (354): message until "." */
	CLIENT_BDAT,    /* inside a BDAT chunk: a byte count */
	CLIENT_AUTH,    /* AUTH got 334: the next line is a response */
	CLIENT_OPAQUE,  /* TLS or given up: bytes only counted */
};

/* Where the DATA body scanner stands in the current line. */
enum body_state {
	BODY_BOL,    /* at the beginning of a line */
	BODY_MID,    /* inside a line */
	BODY_DOT,    /* a line began with "." */
	BODY_DOT_CR, /* ".\r" at the beginning of a line */
};

struct tx {
	struct smtp_transaction pub;
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
	uint8_t buf[SMTP_LINE_MAX];
	size_t len;
	int overflow; /* the current line passed SMTP_LINE_MAX */
};

struct smtp_session {
	struct smtp_session_info info;
	const struct event_bus *bus;

	enum client_mode mode;
	struct framer cf, sf;
	struct dbuf hold;

	struct pending queue[SMTP_PIPELINE_MAX];
	size_t qhead, qlen;

	struct tx *cur;               /* open transaction, if any */
	struct tx *tx_head, *tx_tail; /* all unfinished, in order */

	/* The reply being assembled from its lines. */
	int rcode;
	int rmulti;
	double rts;
	uint8_t rtext[SMTP_REPLY_TEXT_MAX];
	size_t rtext_len;

	enum body_state body;
	uint64_t bdat_left;
	int bdat_last;

	int greeted;
	int quit_sent;
	unsigned anomaly_seen; /* bitmask: each kind emitted once */
	unsigned anomaly_count[ANOMALY_COUNT];
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
	s->mode = mode;
}

/* --- transactions ------------------------------------------------------ */

static enum smtp_outcome
tx_outcome(const struct tx *t)
{
	const struct smtp_transaction *p = &t->pub;
	size_t i;
	int any4 = 0, all5 = p->nrcpt > 0;

	if (p->final_code != 0) {
		if (p->final_code == 421)
			return OUTCOME_DROPPED;
		if (p->final_code < 300)
			return OUTCOME_ACCEPTED;
		return p->final_code < 500 ? OUTCOME_TEMPFAIL
					   : OUTCOME_REJECTED;
	}
	if (t->got_421)
		return OUTCOME_DROPPED;
	/* The message was on its way (354 seen, or a BDAT chunk sent). */
	if (p->data_complete || (p->data_seen && p->data_code == 354))
		return OUTCOME_DROPPED;
	if (p->mail_code >= 400)
		return p->mail_code < 500 ? OUTCOME_TEMPFAIL : OUTCOME_REJECTED;
	if (p->rcpt_total > 0 && p->rcpt_accepted == 0) {
		for (i = 0; i < p->nrcpt; i++) {
			if (p->rcpt[i].code >= 400 && p->rcpt[i].code < 500)
				any4 = 1;
			if (p->rcpt[i].code < 500)
				all5 = 0;
		}
		if (any4)
			return OUTCOME_TEMPFAIL;
		if (all5)
			return OUTCOME_REJECTED;
	}
	if (p->data_code >= 400)
		return p->data_code < 500 ? OUTCOME_TEMPFAIL : OUTCOME_REJECTED;
	if (p->data_seen && t->by_connection)
		return OUTCOME_DROPPED;
	if (t->by_connection)
		return OUTCOME_DROPPED;
	return OUTCOME_ABORTED;
}

static void
tx_free(struct tx *t)
{
	size_t i;

	for (i = 0; i < t->pub.nrcpt; i++)
		free(t->pub.rcpt[i].addr);
	free(t->pub.rcpt);
	free(t->pub.mail_from);
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
		memset(&ev, 0, sizeof(ev));
		ev.type = SMTP_EV_TRANSACTION;
		ev.ts = t->pub.ts_end;
		ev.u.tx = &t->pub;
		emit(s, &ev);
		tx_free(t);
	}
}

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

	t = xcalloc(1, sizeof(*t));
	t->pub.depth = ++s->info.transactions;
	t->pub.ts = ts;
	t->pub.ts_end = ts;
	smtp_parse_path(arg, len, "FROM", addr, sizeof(addr));
	t->pub.mail_from = xstrdup(addr);
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
	size_t cap;

	p->rcpt_total++;
	if (p->nrcpt >= SMTP_RCPT_MAX) {
		anomaly(s, ANOMALY_TOO_MANY_RECIPIENTS, ts);
		return SIZE_MAX;
	}
	if ((p->nrcpt & (p->nrcpt - 1)) == 0) {
		cap = p->nrcpt ? p->nrcpt * 2 : 4;
		p->rcpt = xrealloc(p->rcpt, cap * sizeof(*p->rcpt));
	}
	smtp_parse_path(arg, len, "TO", addr, sizeof(addr));
	p->rcpt[p->nrcpt].addr = xstrdup(addr);
	p->rcpt[p->nrcpt].code = 0;
	return p->nrcpt++;
}

/* --- the pairing queue ------------------------------------------------- */

static struct pending *
pending_push(struct smtp_session *s, enum smtp_verb verb, struct tx *t,
    size_t rcpt_index, double ts)
{
	struct pending *p;

	if (s->qlen >= SMTP_PIPELINE_MAX) {
		/* Its reply will be unsolicited; the older pairs stay right. */
		anomaly(s, ANOMALY_PIPELINE_OVERFLOW, ts);
		return NULL;
	}
	p = &s->queue[(s->qhead + s->qlen) % SMTP_PIPELINE_MAX];
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
	s->qhead = (s->qhead + 1) % SMTP_PIPELINE_MAX;
	s->qlen--;
	return out;
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

/* State changes a reply makes. Returns 1 when client bytes held while
 * DATA waited must now be replayed (after the reply's event). */
static int
reply_apply(struct smtp_session *s, struct pending *p, int code, double ts)
{
	struct tx *t = p->tx;
	int release = 0;

	switch (p->verb) {
	case SMTP_VERB_MAIL:
		if (t != NULL)
			t->pub.mail_code = code;
		break;
	case SMTP_VERB_RCPT:
		if (t != NULL && p->rcpt_index != SIZE_MAX)
			t->pub.rcpt[p->rcpt_index].code = code;
		if (t != NULL && code >= 200 && code < 300)
			t->pub.rcpt_accepted++;
		break;
	case SMTP_VERB_DATA:
		if (t != NULL)
			t->pub.data_code = code;
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
			t->pub.final_code = code;
		break;
	case SMTP_VERB_BDAT:
		if (t != NULL && (p->bdat_last || code >= 400))
			t->pub.final_code = code;
		if (t != NULL && code >= 400 && t == s->cur)
			tx_close_current(s, "bdat_refused", ts);
		break;
	case SMTP_VERB_STARTTLS:
		if (code == 220) {
			s->info.tls = 1;
			client_mode_set(s, CLIENT_OPAQUE);
		}
		break;
	case SMTP_VERB_AUTH:
	case SMTP_VERB_AUTH_DATA:
		client_mode_set(s, code == 334 ? CLIENT_AUTH : CLIENT_COMMAND);
		break;
	default:
		break;
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
reply_complete(struct smtp_session *s, double ts)
{
	struct smtp_event ev;
	struct pending p;
	int code = s->rcode, release;

	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_REPLY;
	ev.ts = ts;
	ev.u.reply.code = code;
	ev.u.reply.text = s->rtext;
	ev.u.reply.len = s->rtext_len;
	ev.u.reply.latency = -1;

	if (!s->greeted) {
		/* The first reply is the greeting, even when impatient
		 * clients already sent commands. */
		s->greeted = 1;
		s->info.greeting_code = code;
		ev.u.reply.verb = SMTP_VERB_GREETING;
		ev.u.reply.latency = ts - s->info.ts_open;
		emit(s, &ev);
		return;
	}
	if (pending_pop(s, &p) == NULL) {
		if (code != 421)
			anomaly(s, ANOMALY_UNSOLICITED_REPLY, ts);
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
	if (p.tx != NULL)
		p.tx->pending--;
	release = reply_apply(s, &p, code, ts);
	emit(s, &ev);
	tx_flush(s);
	if (release)
		hold_release(s, ts);
}

static void
server_line(struct smtp_session *s, const uint8_t *line, size_t len, double ts)
{
	int code, more;
	size_t n;

	if (!smtp_reply_line_parse(line, len, &code, &more)) {
		anomaly(s,
		    s->greeted || s->rmulti ? ANOMALY_BAD_REPLY
					    : ANOMALY_NON_SMTP,
		    ts);
		return;
	}
	if (!s->rmulti) {
		s->rcode = code;
		s->rts = ts;
		n = len > 4 ? len - 4 : 0;
		if (n > sizeof(s->rtext))
			n = sizeof(s->rtext);
		if (n > 0)
			memcpy(s->rtext, line + 4, n);
		s->rtext_len = n;
	}
	s->rmulti = more;
	if (!more)
		reply_complete(s, ts);
}

/* --- client side ------------------------------------------------------- */

static void
command_line(struct smtp_session *s, const uint8_t *line, size_t len, double ts)
{
	struct smtp_event ev;
	enum smtp_verb verb;
	const uint8_t *arg;
	size_t wlen = 0, alen;
	struct tx *t;
	size_t idx = SIZE_MAX;

	if (s->mode == CLIENT_AUTH) {
		/* A SASL response: never a command, never logged. */
		pending_push(s, SMTP_VERB_AUTH_DATA, NULL, SIZE_MAX, ts);
		return;
	}
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
		anomaly(s, ANOMALY_COMMAND_BEFORE_GREETING, ts);
	if (s->quit_sent)
		anomaly(s, ANOMALY_DATA_AFTER_QUIT, ts);

	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_COMMAND;
	ev.ts = ts;
	ev.u.command.verb = verb;
	ev.u.command.line = line;
	/* AUTH's initial response may carry a password: verb and
	 * mechanism only. */
	ev.u.command.len = len;
	if (verb == SMTP_VERB_AUTH) {
		size_t m = 0;

		while (m < alen && arg[m] != ' ')
			m++;
		ev.u.command.len = (size_t)(arg - line) + m;
	}
	emit(s, &ev);

	t = s->cur;
	switch (verb) {
	case SMTP_VERB_HELO:
	case SMTP_VERB_EHLO: {
		size_t n = 0;

		while (
		    n < alen && arg[n] != ' ' && n + 1 < sizeof(s->info.helo)) {
			s->info.helo[n] = (char)arg[n];
			n++;
		}
		s->info.helo[n] = '\0';
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
			if (n > (UINT64_MAX - 9) / 10)
				ok = 0;
			else
				n = n * 10 + (uint64_t)(arg[i] - '0');
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
			anomaly(s, ANOMALY_BAD_BDAT, ts);
			n = 0;
		}
		if (t != NULL)
			t->pub.data_seen = 1;
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
	default:
		break;
	}
	pending_push(s, verb, t, idx, ts);
	tx_flush(s);
}

static void
end_of_data(struct smtp_session *s, double ts)
{
	struct tx *t = s->cur;

	if (t != NULL)
		t->pub.data_complete = 1;
	pending_push(s, SMTP_VERB_END_OF_DATA, t, SIZE_MAX, ts);
	tx_close_current(s, "end_of_data", ts);
	client_mode_set(s, CLIENT_COMMAND);
	tx_flush(s);
}

/*
 * Scan DATA body bytes: count the message size after dot-unstuffing and
 * find the lone "." line. Returns the bytes consumed (all, or up to and
 * including the end of data).
 */
static size_t
body_feed(struct smtp_session *s, const uint8_t *data, size_t len, double ts)
{
	uint64_t size = 0;
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
			nl = memchr(data + i, '\n', len - i);
			n = nl ? (size_t)(nl - (data + i)) + 1 : len - i;
			size += n;
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
			size++; /* the CR was text after a removed dot */
			s->body = BODY_MID;
			continue;
		}
	}
	if (s->cur != NULL)
		s->cur->pub.size += size;
	return len;
done:
	if (s->cur != NULL)
		s->cur->pub.size += size;
	end_of_data(s, ts);
	return i + 1;
}

/*
 * Frame lines: complete lines are handed to fn straight from data when
 * possible, partial ones wait in f (capped). Returns bytes consumed: it
 * stops after each line so that the caller can see a mode change.
 */
static size_t
frame_one(struct smtp_session *s, struct framer *f, const uint8_t *data,
    size_t len, double ts,
    void (*fn)(struct smtp_session *, const uint8_t *, size_t, double))
{
	const uint8_t *nl = memchr(data, '\n', len);
	size_t take = nl ? (size_t)(nl - data) + 1 : len;
	size_t room = sizeof(f->buf) - f->len;
	const uint8_t *line;
	size_t llen;

	if (nl == NULL) {
		if (take > room) {
			take = len;
			if (!f->overflow)
				anomaly(s, ANOMALY_LINE_TOO_LONG, ts);
			f->overflow = 1;
			memcpy(f->buf + f->len, data, room);
			f->len += room;
		} else {
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
			anomaly(s, ANOMALY_LINE_TOO_LONG, ts);
			f->overflow = 1;
		}
		memcpy(f->buf + f->len, data, copy);
		f->len += copy;
		line = f->buf;
		llen = f->len;
	}
	if (line == data && llen > SMTP_LINE_MAX) {
		anomaly(s, ANOMALY_LINE_TOO_LONG, ts);
		llen = SMTP_LINE_MAX;
	}
	if (llen > 0 && line[llen - 1] == '\r' && !f->overflow)
		llen--;
	f->len = 0;
	f->overflow = 0;
	fn(s, line, llen, ts);
	return take;
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
				anomaly(s, ANOMALY_BODY_BEFORE_354, ts);
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
			s->bdat_left -= n;
			if (s->cur != NULL)
				s->cur->pub.size += n;
			if (s->bdat_left == 0) {
				client_mode_set(s, CLIENT_COMMAND);
				if (s->bdat_last && s->cur != NULL) {
					s->cur->pub.data_complete = 1;
					tx_close_current(s, "bdat_last", ts);
					tx_flush(s);
				}
			}
			break;
		case CLIENT_OPAQUE:
		default:
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
		if (s->info.tls)
			return;
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
	dbuf_init(&s->hold, SMTP_HOLD_MAX);
	client_mode_set(s, CLIENT_COMMAND);
	if (p->implicit_tls) {
		s->info.tls = 1;
		client_mode_set(s, CLIENT_OPAQUE);
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

void
smtp_session_close(struct smtp_session *s, enum session_end end, double ts)
{
	struct smtp_event ev;
	struct pending p;
	struct tx *t;

	/* Commands still waiting: their replies never came. */
	if (s->qlen > 0 && !s->info.tls)
		anomaly(s, ANOMALY_NO_REPLY, ts);
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

	s->info.ts_close = ts;
	s->info.end = end;
	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_SESSION_CLOSE;
	ev.ts = ts;
	emit(s, &ev);
	dbuf_free(&s->hold);
	free(s);
}

const struct smtp_session_info *
smtp_session_info(const struct smtp_session *s)
{
	return &s->info;
}
