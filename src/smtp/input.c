/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A session's bytes as they come: each direction framed into lines
 * (capped), the SMTP client's read in its input mode (command lines,
 * bytes held while DATA waits for its reply, the DATA body dot-unstuffed
 * for the message parser, BDAT chunks, a SASL exchange, TLS records), the
 * server's lines handed to reply.c; and bytes never captured (a gap), in
 * the mode they would have been read in.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/internal.h"

static void client_feed(
    struct smtp_session *s, const uint8_t *data, size_t len, double ts);

/* Bytes of dir come from the SMTP client (after TURN/ATRN: the TCP
 * server). */
static bool
from_client(const struct smtp_session *s, enum smtp_dir dir)
{
	return (dir == SMTP_DIR_CLIENT) != s->reversed;
}

/* Client bytes held while DATA waited: replay them in the new mode,
 * with the gaps that came among them where they came. */
void
hold_replay(struct smtp_session *s, double ts)
{
	struct dbuf held = s->hold;
	size_t at[SMTP_HOLD_GAPS], n[SMTP_HOLD_GAPS], off = 0;
	unsigned i, k = s->hold_gaps;

	if (held.len == 0 && k == 0)
		return;
	memcpy(at, s->hold_gap_at, sizeof(at));
	memcpy(n, s->hold_gap_n, sizeof(n));
	s->hold_gaps = 0;
	dbuf_init_counted(&s->hold, SMTP_HOLD_MAX);
	for (i = 0; i < k; i++) {
		if (at[i] > off)
			client_feed(
			    s, (const uint8_t *)held.p + off, at[i] - off, ts);
		off = at[i];
		gap_apply(s, s->reversed ? SMTP_DIR_SERVER : SMTP_DIR_CLIENT,
		    n[i], ts);
	}
	if (held.len > off)
		client_feed(
		    s, (const uint8_t *)held.p + off, held.len - off, ts);
	dbuf_free(&held);
}

/* --- client side ------------------------------------------------------- */

/* Where the argument of a command line starts: after its verb (the
 * first wlen bytes) and the blanks after it. */
static size_t
arg_at(const uint8_t *line, size_t len, size_t wlen)
{
	while (wlen < len && ascii_isspace(line[wlen]))
		wlen++;
	return wlen;
}

/* A command event: a command line (len bytes of it shown, its argument
 * from at), the end-of-data dot, or a SASL response (line NULL: its
 * text never leaves). */
static void
command_event_init(struct smtp_event *ev, enum smtp_verb verb,
    const uint8_t *line, size_t len, size_t at, double ts)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = SMTP_EV_COMMAND;
	ev->ts = ts;
	ev->u.command.verb = verb;
	ev->u.command.line = line;
	ev->u.command.len = len;
	if (line != NULL && at < len) {
		ev->u.command.arg = line + at;
		ev->u.command.arg_len = len - at;
	}
}

static void
command_event(struct smtp_session *s, enum smtp_verb verb, const uint8_t *line,
    size_t len, size_t at, double ts)
{
	struct smtp_event ev;

	command_event_init(&ev, verb, line, len, at, ts);
	emit(s, &ev);
}

/* The event of a command line whose sent() has run: for a command that
 * proposes an envelope (nothing else happened in between), the path and
 * parameters as parsed, so that no sink takes the line apart again. */
static void
command_event_parsed(struct smtp_session *s, const struct pending *p,
    const uint8_t *line, size_t shown, size_t at, double ts)
{
	struct smtp_event ev;

	command_event_init(&ev, p->verb, line, shown, at, ts);
	if (p->tx != NULL) {
		ev.u.command.path = p->tx->pub.mail_from;
		ev.u.command.mail_params = &p->tx->pub.params;
	} else if (p->rcpt != NULL) {
		ev.u.command.path = p->rcpt->addr;
		ev.u.command.rcpt = p->rcpt;
	}
	emit(s, &ev);
}

/* MAIL (SEND, SOML, SAML) and RCPT: their event waits for sent(). */
static bool
proposes_envelope(enum smtp_verb v)
{
	return v == SMTP_VERB_MAIL || v == SMTP_VERB_SEND ||
	    v == SMTP_VERB_SOML || v == SMTP_VERB_SAML || v == SMTP_VERB_RCPT;
}

static void
command_line(struct smtp_session *s, const uint8_t *line, size_t len, double ts)
{
	const struct smtp_command *cmd;
	struct pending p;
	const uint8_t *arg;
	size_t wlen = 0, alen, shown = len;

	memset(&p, 0, sizeof(p));
	p.ts = ts;
	p.reversed = s->reversed;
	if (s->mode == CLIENT_AUTH) {
		command_event(s, SMTP_VERB_AUTH_DATA, NULL, 0, 0, ts);
		smtp_auth_response(s, line, len, ts);
		p.verb = SMTP_VERB_AUTH_DATA;
		queue_command(s, &p, ts);
		return;
	}
	s->info.commands++;
	while (wlen < len && line[wlen] != ' ')
		wlen++;
	p.verb = smtp_verb_lookup(line, wlen);
	cmd = smtp_command_get(p.verb);
	arg = line + arg_at(line, len, wlen);
	alen = len - (size_t)(arg - line);
	if (!s->greeted)
		anomaly(s, SMTP_ANOMALY_COMMAND_BEFORE_GREETING, ts);
	if (s->quit_sent)
		anomaly(s, SMTP_ANOMALY_DATA_AFTER_QUIT, ts);
	if (cmd->flags & CMD_SECRET) {
		/* AUTH's initial response may hold a password: verb and
		 * mechanism only. */
		size_t m = 0;

		while (m < alen && arg[m] != ' ')
			m++;
		shown = (size_t)(arg - line) + m;
	}
	if (!proposes_envelope(p.verb))
		command_event(s, p.verb, line, shown, (size_t)(arg - line), ts);
	if (p.verb == SMTP_VERB_UNKNOWN) {
		anomaly(s, SMTP_ANOMALY_UNKNOWN_COMMAND, ts);
		/* Its own word is part of what it was. */
		pending_arg_keep(s, &p, line, len, SMTP_ARG_KEEP);
	} else if (!(cmd->flags & CMD_SECRET))
		pending_arg_keep(s, &p, arg, alen,
		    p.verb == SMTP_VERB_HELO || p.verb == SMTP_VERB_EHLO ||
			    p.verb == SMTP_VERB_LHLO
			? SMTP_LINE_MAX
			: SMTP_ARG_KEEP);
	if (cmd->sent != NULL)
		cmd->sent(s, &p, arg, alen, ts);
	if (proposes_envelope(p.verb))
		command_event_parsed(
		    s, &p, line, shown, (size_t)(arg - line), ts);
	queue_command(s, &p, ts);
}

/*
 * A command line a gap cut: its verb was seen, its argument was not
 * (whole). It waits for its reply like any command, without its
 * argument: a MAIL opens a transaction whose sender was not seen, a
 * RCPT adds a recipient whose address was not seen; the line as seen
 * goes to the command event. A BDAT (its size frames what follows), an
 * AUTH and a SASL response are not guessed at.
 */
SMTP_COLD static void
command_cut(struct smtp_session *s, const uint8_t *line, size_t len, double ts)
{
	static const uint8_t none[1];
	const struct smtp_command *cmd;
	struct pending p;
	size_t wlen = 0;

	if (s->mode != CLIENT_COMMAND)
		return;
	while (wlen < len && line[wlen] != ' ')
		wlen++;
	memset(&p, 0, sizeof(p));
	p.verb = smtp_verb_lookup(line, wlen);
	cmd = smtp_command_get(p.verb);
	if (p.verb == SMTP_VERB_UNKNOWN || p.verb == SMTP_VERB_BDAT ||
	    (cmd->flags & CMD_SECRET))
		return;
	p.ts = ts;
	p.reversed = s->reversed;
	s->info.commands++;
	command_event(s, p.verb, line, len, arg_at(line, len, wlen), ts);
	switch (p.verb) {
	case SMTP_VERB_MAIL:
	case SMTP_VERB_SEND:
	case SMTP_VERB_SOML:
	case SMTP_VERB_SAML:
		p.tx = tx_new(s, p.verb, NULL, 0, ts);
		p.tx->pub.sender_unknown = true; /* not "<>": cut */
		s->cli_tx = p.tx;
		break;
	default:
		if (cmd->sent != NULL)
			cmd->sent(s, &p, none, 0, ts);
		break;
	}
	queue_command(s, &p, ts);
}

void
end_of_data(struct smtp_session *s, double ts)
{
	static const uint8_t dot[] = ".";
	struct pending p;

	command_event(s, SMTP_VERB_END_OF_DATA, dot, 1, 1, ts);
	s->body_gap = false;
	if (s->body_tx != NULL)
		s->body_tx->pub.data_complete = true;
	if (s->cli_tx == s->body_tx)
		s->cli_tx = NULL;
	s->body_tx = NULL;
	memset(&p, 0, sizeof(p));
	p.verb = SMTP_VERB_END_OF_DATA;
	p.ts = ts;
	p.reversed = s->reversed;
	queue_command(s, &p, ts);
	client_mode_set(s, CLIENT_COMMAND);
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
	ev.u.body.offset = s->body_tx->pub.size;
	ev.u.body.depth = s->body_tx->pub.depth;
	emit(s, &ev);
}

/* Message bytes, as the server stores them, to the size and the parser. */
static void
message_bytes(struct smtp_session *s, const uint8_t *p, size_t n, double ts)
{
	struct tx *t = s->body_tx;

	if (n == 0 || t == NULL)
		return;
	if (s->bus != NULL && s->bus->nbody > 0)
		body_event(s, p, n, ts);
	t->pub.size += n;
	if (t->msg_cut)
		return;
	if (t->msg == NULL)
		t->msg = msg_parser_new();
	msg_parser_feed(t->msg, p, n);
}

/* n message bytes never captured (or read while no transaction owned
 * them): counted, and said to body readers. The headers are what came
 * before: nothing after a gap is parsed. */
SMTP_COLD void
message_lost(struct smtp_session *s, size_t n, double ts)
{
	struct tx *t = s->body_tx;

	if (n == 0 || t == NULL)
		return;
	if (s->bus != NULL && s->bus->nbody > 0)
		body_event(s, NULL, n, ts);
	t->pub.size += n;
	t->msg_cut = true;
	if (t->msg != NULL)
		msg_parser_finish(t->msg);
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

/* The body may go by in spans, not line by line: the message parser
 * frames its own lines. Only plugins that receive the message bytes
 * have them a line at a time while the parser reads them, as they
 * always did: once the header parser has seen what it wants of this
 * message (or nothing receives it), in spans too. */
static bool
body_in_spans(const struct smtp_session *s)
{
	return s->bus == NULL || s->bus->nbody == 0 || s->body_tx == NULL ||
	    (s->body_tx->msg != NULL && msg_parser_skipping(s->body_tx->msg));
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
			if (body_in_spans(s)) {
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
	f->buf = crealloc(f->buf, ncap);
	f->cap = ncap;
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
	if (s->bdat_last) {
		if (s->body_tx != NULL)
			s->body_tx->pub.data_complete = true;
		if (s->cli_tx == s->body_tx)
			s->cli_tx = NULL;
	}
	s->body_tx = NULL;
}

static void
tls_bytes(struct smtp_session *s, int client, const uint8_t *data, size_t len,
    double ts)
{
	const struct tls_info *ti;

	if (s->tls == NULL || tls_scan_done(s->tls))
		return;
	tls_scan_feed(s->tls, client, data, len);
	ti = tls_scan_info(s->tls);
	if ((ti->client_not_tls || ti->server_not_tls) && !s->tls_flagged) {
		s->tls_flagged = true;
		anomaly(s, SMTP_ANOMALY_NOT_TLS, ts);
	}
}

/* The SMTP client's bytes (dir: the TCP direction they came from).
 * Returns what one step consumed: a line, a span of body, a chunk. */
static size_t
client_step(struct smtp_session *s, enum smtp_dir dir, const uint8_t *data,
    size_t len, double ts)
{
	size_t n;

	switch (s->mode) {
	case CLIENT_COMMAND:
		if (s->cli_probe) {
			/* The first line in step of a session picked up
			 * mid-stream: a command, or message text. */
			s->cli_probe = false;
			if (!midstream_command_like(data, len)) {
				midstream_in_message(s, ts);
				return 0;
			}
		}
		/* FALLTHROUGH */
	case CLIENT_AUTH:
		return frame_one(
		    s, &s->frame[dir], data, len, ts, command_line);
	case CLIENT_HOLD:
		if (s->hold.len + len > SMTP_HOLD_MAX) {
			/* The client does not wait for 354 (or the reply
			 * is lost): take it as the body. */
			anomaly(s, SMTP_ANOMALY_BODY_BEFORE_354, ts);
			if (s->body_tx == NULL)
				s->body_tx = s->tx != NULL ? s->tx : s->cli_tx;
			client_mode_set(s, CLIENT_BODY);
			hold_replay(s, ts);
			return 0;
		}
		dbuf_add(&s->hold, data, len);
		return len;
	case CLIENT_BODY:
		return body_feed(s, data, len, ts);
	case CLIENT_BDAT:
		n = s->bdat_left < len ? (size_t)s->bdat_left : len;
		bdat_consume(s, data, n, ts);
		return n;
	case CLIENT_TLS:
	default:
		tls_bytes(s, 1, data, len, ts);
		return len;
	}
}

static size_t
server_step(struct smtp_session *s, enum smtp_dir dir, const uint8_t *data,
    size_t len, double ts)
{
	if (s->info.tls) {
		/* After the 220 to STARTTLS: the server's TLS. */
		tls_bytes(s, 0, data, len, ts);
		return len;
	}
	return frame_one(s, &s->frame[dir], data, len, ts, server_line);
}

/* Feed bytes of one TCP direction; after each step the roles are looked
 * at again (a granted TURN swaps them within a segment). */
void
feed(struct smtp_session *s, enum smtp_dir dir, const uint8_t *data, size_t len,
    double ts)
{
	size_t n;

	while (len > 0) {
		n = from_client(s, dir) ? client_step(s, dir, data, len, ts)
					: server_step(s, dir, data, len, ts);
		data += n;
		len -= n;
	}
}

static void
client_feed(struct smtp_session *s, const uint8_t *data, size_t len, double ts)
{
	feed(s, s->reversed ? SMTP_DIR_SERVER : SMTP_DIR_CLIENT, data, len, ts);
}

/* n bytes of dir never captured, in the mode the session is in. */
void
gap_apply(struct smtp_session *s, enum smtp_dir dir, size_t n, double ts)
{
	struct framer *f = &s->frame[dir];
	int code, more;
	size_t len;

	if (!from_client(s, dir)) {
		if (s->info.tls)
			return;
		/* A reply whose code was seen is that reply: the gap cut
		 * its text (and the lines after it). */
		if (f->len >= 3 && !f->overflow &&
		    smtp_reply_line_parse(f->buf, f->len, &code, &more)) {
			if (more)
				f->buf[3] = ' ';
			len = f->len;
			f->len = 0;
			server_line(s, f->buf, len, ts);
		} else if (s->rmulti) {
			s->rmulti = 0;
			reply_complete(s, ts);
		}
		/* Whole replies may be lost too: the next line starts
		 * anew, pairing by plausibility. */
		f->len = 0;
		f->overflow = 0;
		s->rmulti = 0;
		if (s->qlen > 0)
			s->resync = true;
		return;
	}
	if (s->mode == CLIENT_BDAT) {
		size_t k = s->bdat_left < n ? (size_t)s->bdat_left : n;

		bdat_consume(s, NULL, k, ts);
		n -= k;
	}
	switch (s->mode) {
	case CLIENT_BODY:
		message_lost(s, n, ts);
		s->body = BODY_MID;
		s->body_gap = true;
		break;
	case CLIENT_HOLD:
		/* Replayed with the held bytes, in the mode the reply to
		 * DATA decides. */
		if (s->hold_gaps < SMTP_HOLD_GAPS) {
			s->hold_gap_at[s->hold_gaps] = s->hold.len;
			s->hold_gap_n[s->hold_gaps++] = n;
		} else
			s->hold_gap_n[SMTP_HOLD_GAPS - 1] += n;
		break;
	case CLIENT_COMMAND:
	case CLIENT_AUTH:
		if (n > 0) {
			if (f->len > 0 && !f->overflow) {
				len = f->len;
				f->len = 0;
				command_cut(s, f->buf, len, ts);
			}
			f->len = 0;
			f->overflow = 0;
		}
		break;
	default:
		break;
	}
}
