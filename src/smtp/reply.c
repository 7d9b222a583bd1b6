/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The server's replies: assembled from their lines, paired with the
 * oldest command waiting in the queue (RFC 2920 pipelining) whose effect
 * they grant or refuse (the server's word decides), the greeting, LMTP's
 * reply per recipient, the server leaving (421, 521), and replies kept on
 * the records.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/internal.h"
#include "smtp/queueid.h"

/* --- replies kept on records ------------------------------------------- */

void
reply_free(struct smtp_reply *r)
{
	cfree(r->text);
	r->text = NULL;
}

static void
reply_enh_find(struct smtp_session *s)
{
	s->renh_skip = smtp_enhanced_code(
	    s->rtext, s->rtext_len, s->rcode, s->renh, sizeof(s->renh));
	s->renh_serial = s->info.replies;
}

/* The enhanced code of the reply now complete (found once a reply, and
 * asked for by its event and each record that keeps it: the test is
 * inline); returns the bytes of rtext before the text. */
static inline size_t
reply_enh(struct smtp_session *s, char *enh, size_t size)
{
	if (s->renh_serial != s->info.replies)
		reply_enh_find(s);
	memcpy(enh, s->renh, size < sizeof(s->renh) ? size : sizeof(s->renh));
	return s->renh_skip;
}

void
reply_keep(struct smtp_session *s, struct smtp_reply *r, double latency)
{
	size_t skip;

	reply_free(r);
	r->code = s->rcode;
	r->latency = latency;
	skip = reply_enh(s, r->enh, sizeof(r->enh));
	r->text = cmemdup0(s->rtext + skip, s->rtext_len - skip);
}

void
tx_reply_keep(
    struct smtp_session *s, struct tx *t, struct smtp_reply *r, double latency)
{
	size_t skip, n;

	r->code = s->rcode;
	r->latency = latency;
	skip = reply_enh(s, r->enh, sizeof(r->enh));
	n = s->rtext_len - skip;
	if (r->text == NULL || r != &t->pub.data) {
		/* Every other record is kept once. */
		r->text = arena_memdup0(&t->mem, s->rtext + skip, n);
		return;
	}
	/* DATA refused, then sent again in the same transaction: its
	 * reply is rewritten in a text with room for any. */
	if (!t->data_room) {
		r->text = arena_alloc(&t->mem, SMTP_REPLY_TEXT_MAX + 1);
		t->data_room = true;
	}
	memcpy(r->text, s->rtext + skip, n);
	r->text[n] = '\0';
}

/* The queue id text names (smtp/queueid.c), kept on t; false none. */
static bool
tx_queue_id_in(struct tx *t, const uint8_t *text, size_t n)
{
	struct smtp_queue_id q;

	if (text == NULL || !smtp_queue_id_parse((const char *)text, n, &q))
		return false;
	t->pub.queue_id = arena_memdup0(&t->mem, q.id, strlen(q.id));
	t->pub.queue_id_form = smtp_qid_form_name(q.form);
	return true;
}

/* The queue id named in the reply just completed, a positive answer to
 * the end of data: in its last line, where MTAs write it, else in its
 * first (a one-line reply is read once). */
void
tx_queue_id(struct smtp_session *s, struct tx *t)
{
	if (s->rlast_at == NULL || s->rlast_at == s->rtext) {
		tx_queue_id_in(t, s->rtext, s->rtext_len);
		return;
	}
	if (!tx_queue_id_in(t, s->rlast_at, s->rlast_len))
		tx_queue_id_in(t, s->rtext, s->rtext_len);
}

/* --- the pairing queue ------------------------------------------------- */

/* Most sessions wait for a few replies at a time: the ring starts small
 * (an idle session costs little) and doubles up to SMTP_PIPELINE_MAX,
 * its size a power of two (queue_at()). */
_Static_assert((SMTP_PIPELINE_MAX & (SMTP_PIPELINE_MAX - 1)) == 0 &&
	SMTP_PIPELINE_MAX >= 8,
    "the pairing queue's size is a power of two");
static void
queue_grow(struct smtp_session *s)
{
	size_t ncap = s->qcap ? s->qcap * 2 : 8, i;
	struct pending *q;

	if (ncap > SMTP_PIPELINE_MAX)
		ncap = SMTP_PIPELINE_MAX;
	q = ccalloc(ncap, sizeof(*q));
	for (i = 0; i < s->qlen; i++)
		q[i] = *queue_at(s, i);
	cfree(s->queue);
	s->queue = q;
	s->qcap = ncap;
	s->qhead = 0;
}

/* A command's argument, kept while it waits (capped). The arena empties
 * when nothing waits. */
void
pending_arg_keep(struct smtp_session *s, struct pending *p, const uint8_t *arg,
    size_t len, size_t cap)
{
	if (s->qlen == 0 && !s->result_due)
		dbuf_reset(&s->args);
	if (len > cap)
		len = cap;
	p->arg_off = (uint32_t)s->args.len;
	if (!dbuf_add(&s->args, arg, len))
		len = 0; /* over SMTP_ARGS_MAX: kept empty */
	p->arg_off = len ? p->arg_off : 0;
	p->arg_len = (uint32_t)len;
}

static bool
pending_push(struct smtp_session *s, const struct pending *p, double ts)
{
	if (s->qlen == s->qcap && s->qcap < SMTP_PIPELINE_MAX)
		queue_grow(s);
	if (s->qlen >= s->qcap) {
		/* Its reply will be unsolicited; the older pairs stay right. */
		anomaly(s, SMTP_ANOMALY_PIPELINE_OVERFLOW, ts);
		return false;
	}
	*queue_at(s, s->qlen) = *p;
	s->qlen++;
	return true;
}

void
pending_pop(struct smtp_session *s, struct pending *out)
{
	*out = s->queue[s->qhead];
	s->qhead = (s->qhead + 1) & (s->qcap - 1);
	s->qlen--;
}

/* What a command owned and nobody adopted (pending_release()). */
void
pending_release_owned(struct smtp_session *s, struct pending *p)
{
	if (p->tx != NULL) {
		/* A transaction that will never be: nothing points to it. */
		if (s->cli_tx == p->tx)
			s->cli_tx = s->tx;
		if (s->body_tx == p->tx)
			s->body_tx = NULL;
	}
	tx_free(p->tx);
	p->tx = NULL;
	rcpt_free(p->rcpt);
	p->rcpt = NULL;
}

void
queue_command(struct smtp_session *s, struct pending *p, double ts)
{
	if (!pending_push(s, p, ts))
		pending_release(s, p);
	else if (s->info.missing == SMTP_MISSING_SERVER)
		server_missing_answer(s, ts); /* no reply will be seen */
}

/* --- server side ------------------------------------------------------- */

/* A word that can name a host: a domain or an address literal. Only a
 * 220 greeting must start with one (RFC 5321 4.2); in others ("521 Machine
 * does not accept mail") a word without a dot is taken as text. */
static bool
host_like(const uint8_t *w, size_t n, bool must)
{
	size_t i;
	bool alpha = false, dot = false;

	if (n == 0)
		return false;
	if (w[0] == '[')
		return w[n - 1] == ']';
	for (i = 0; i < n; i++) {
		if (ascii_isalpha(w[i]))
			alpha = true;
		else if (w[i] == '.')
			dot = true;
		else if (!ascii_isdigit(w[i]) && w[i] != '-' && w[i] != '_')
			return false;
	}
	return alpha && (must || dot);
}

static void
greeting(struct smtp_session *s, double ts)
{
	char enh[12];
	size_t h, t, start;

	s->greeted = true;
	smtp_state_set(s, SMTP_STATE_GREETED, "greeting");
	/* The first greeting names the server; one after TURN is the
	 * other side's. */
	if (s->info.greeting_code != 0)
		return;
	s->info.greeting_code = s->rcode;
	s->info.greeting_latency = ts - s->info.ts_open;
	/* "521 5.3.2 mx.example does not accept mail": the host after
	 * the enhanced code, and only a word that can be one. */
	start = reply_enh(s, enh, sizeof(enh));
	h = start;
	while (h < s->rtext_len && s->rtext[h] != ' ')
		h++;
	t = start;
	if (host_like(s->rtext + start, h - start, s->rcode == 220)) {
		copy_cstr(s->info.greeting_host, sizeof(s->info.greeting_host),
		    s->rtext + start, h - start);
		t = h;
	}
	while (t < s->rtext_len && s->rtext[t] == ' ')
		t++;
	copy_cstr(s->info.greeting_text, sizeof(s->info.greeting_text),
	    s->rtext + t, s->rtext_len - t);
}

/* The last word within a transaction, for Zeek's last_reply. */
void
tx_last_reply(struct smtp_session *s, struct tx *t)
{
	if (t == NULL)
		return;
	t->pub.last_code = s->rcode;
	memcpy(t->last_buf, s->rlast_at, s->rlast_len);
	t->last_buf[s->rlast_len] = '\0';
	t->pub.last_text = t->last_buf;
}

/* Commands whose granted reply ends the transaction rather than
 * belonging to it. */
static bool
ends_transaction(enum smtp_verb v)
{
	switch (v) {
	case SMTP_VERB_HELO:
	case SMTP_VERB_EHLO:
	case SMTP_VERB_LHLO:
	case SMTP_VERB_RSET:
	case SMTP_VERB_QUIT:
	case SMTP_VERB_STARTTLS:
	case SMTP_VERB_TURN:
	case SMTP_VERB_ATRN:
	case SMTP_VERB_XCLIENT:
		return true;
	default:
		return false;
	}
}

/* Replies lost in a gap: drop the waiting commands this reply cannot
 * answer, their effects assumed, up to the first one it can. */
SMTP_COLD static void
resync(struct smtp_session *s, double ts)
{
	struct pending p;
	size_t i;

	if (smtp_reply_plausible(s->queue[s->qhead].verb, s->rcode)) {
		s->resync = false;
		return;
	}
	for (i = 1; i < s->qlen; i++)
		if (smtp_reply_plausible(queue_at(s, i)->verb, s->rcode))
			break;
	if (i == s->qlen)
		return;
	s->resync = false;
	while (i-- > 0) {
		pending_pop(s, &p);
		anomaly(s, SMTP_ANOMALY_REPLY_LOST, ts);
		smtp_command_get(p.verb)->answered(s, &p, REPLY_NONE, ts);
		result_emit(s, false, ts);
		pending_release(s, &p);
	}
}

/* LMTP (RFC 2033 4.2): after the data, one reply per recipient the
 * server accepted, in order. Returns true while more are due. */
static bool
lmtp_delivery(struct smtp_session *s, struct pending *head, double ts)
{
	struct smtp_transaction *t = &s->tx->pub;
	size_t i, k = 0;
	unsigned due = t->rcpt_accepted > 0 ? (unsigned)t->rcpt_accepted : 1;

	for (i = 0; i < t->nrcpt; i++) {
		struct smtp_rcpt *r = &t->rcpt[i];

		if (r->reply.code < 200 || r->reply.code >= 300)
			continue;
		if (k++ == head->delivered) {
			tx_reply_keep(s, s->tx, &r->delivery, ts - head->ts);
			break;
		}
	}
	if (s->rcode >= 200 && s->rcode < 300)
		t->lmtp_delivered++;
	head->delivered++;
	return head->delivered < due;
}

/* The final reply of an LMTP transaction: its first delivery, else its
 * first tempfail, else its first refusal. */
static void
lmtp_final(struct tx *tx)
{
	struct smtp_transaction *t = &tx->pub;
	const struct smtp_reply *pick = NULL;
	size_t i;
	int want;

	for (want = 2; want <= 5 && pick == NULL; want++)
		for (i = 0; i < t->nrcpt && pick == NULL; i++)
			if (t->rcpt[i].delivery.code / 100 == want)
				pick = &t->rcpt[i].delivery;
	/* Both in the arena, kept for the transaction's life. */
	if (pick != NULL)
		t->final = *pick;
	/* Dovecot names the message it saved in each delivery's reply. */
	if (pick != NULL && pick->code / 100 == 2 && pick->text != NULL)
		tx_queue_id_in(
		    tx, (const uint8_t *)pick->text, strlen(pick->text));
}

/*
 * 421 (RFC 5321 3.8) and 521 (RFC 7504): the server closes the connection.
 * An open transaction ends with that code; commands still waiting will
 * never be processed, so none of their effects is assumed.
 */
static bool
server_leaves(struct smtp_session *s, double ts)
{
	if (s->rcode != 421 && s->rcode != 521)
		return false;
	s->closing = true;
	if (s->tx != NULL) {
		s->tx->closed_by = s->rcode;
		tx_end(s, s->rcode == 421 ? "421" : "521", ts);
	}
	return true;
}

/* The event of the reply now complete: what pairs it fills in the rest
 * (its verb, whether it grants, its latency). */
static void
reply_event(struct smtp_session *s, struct smtp_event *ev, double ts)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = SMTP_EV_REPLY;
	ev->ts = ts;
	ev->u.reply.code = s->rcode;
	ev->u.reply.text = s->rtext;
	ev->u.reply.len = s->rtext_len;
	ev->u.reply.lines = s->rlines;
	ev->u.reply.last_text = s->rlast_at;
	ev->u.reply.last_len = s->rlast_len;
	ev->u.reply.latency = -1;
	reply_enh(s, ev->u.reply.enh, sizeof(ev->u.reply.enh));
}

/* The first reply is the greeting, even when impatient clients already
 * sent commands. */
static void
greeting_reply(struct smtp_session *s, struct smtp_event *ev, double ts)
{
	greeting(s, ts);
	if (s->rcode == 421 || s->rcode == 521)
		s->closing = true;
	ev->u.reply.verb = SMTP_VERB_GREETING;
	ev->u.reply.granted = s->rcode == 220;
	ev->u.reply.latency = s->reversed ? -1 : s->info.greeting_latency;
	emit(s, ev);
}

/* A reply with no command waiting: the server leaving, or unsolicited. */
SMTP_COLD static void
unsolicited_reply(struct smtp_session *s, struct smtp_event *ev, double ts)
{
	if (s->tx != NULL)
		tx_last_reply(s, s->tx);
	/* Picked up mid-stream, or without the client's side: its command
	 * was not seen, which is no anomaly. */
	if (!server_leaves(s, ts) && !s->info.midstream)
		anomaly(s, SMTP_ANOMALY_UNSOLICITED_REPLY, ts);
	ev->u.reply.verb = SMTP_VERB_UNKNOWN;
	emit(s, ev);
	tx_flush(s);
}

/* An LMTP reply to the end of the data (or to the last BDAT chunk), head:
 * one per recipient accepted; the last ends the transaction. */
static void
lmtp_data_reply(struct smtp_session *s, struct pending *head,
    struct smtp_event *ev, double ts)
{
	struct pending p;

	tx_last_reply(s, s->tx);
	if (lmtp_delivery(s, head, ts)) {
		emit(s, ev); /* more replies to this data */
		return;
	}
	lmtp_final(s->tx);
	pending_pop(s, &p);
	tx_end(s, p.verb == SMTP_VERB_BDAT ? "bdat_last" : "end_of_data", ts);
	emit(s, ev);
	tx_flush(s);
}

void
reply_complete(struct smtp_session *s, double ts)
{
	const struct smtp_command *cmd;
	struct smtp_event ev;
	struct pending p, *head;
	enum reply_verdict v;
	struct tx *t0;

	s->info.replies++;
	reply_event(s, &ev, ts);
	if (!s->greeted) {
		greeting_reply(s, &ev, ts);
		return;
	}
	if (s->qlen == 0 && s->mode == CLIENT_BODY && s->body_gap) {
		/* A reply while the message was cut by a gap: its end was
		 * in the gap (the server replies to nothing else then). */
		end_of_data(s, ts);
	}
	if (s->qlen == 0 && s->info.midstream && s->info.greeting_code == 0 &&
	    s->info.replies == 1 && s->rcode == 220) {
		/* Picked up at a greeting. */
		greeting_reply(s, &ev, ts);
		return;
	}
	if (s->qlen == 0) {
		if (s->info.midstream && midstream_reply(s, &ev, ts))
			return;
		unsolicited_reply(s, &ev, ts);
		return;
	}
	if (s->resync)
		resync(s, ts);
	head = &s->queue[s->qhead];
	cmd = smtp_command_get(head->verb);
	v = smtp_command_grants(cmd, s->rcode) ? REPLY_GRANTED : REPLY_REFUSED;
	ev.u.reply.verb = head->verb;
	ev.u.reply.latency = ts - head->ts;
	ev.u.reply.last_chunk = head->bdat_last;
	ev.u.reply.granted = v == REPLY_GRANTED;
	if ((head->verb == SMTP_VERB_END_OF_DATA ||
		(head->verb == SMTP_VERB_BDAT && head->bdat_last &&
		    !head->bdat_bad)) &&
	    s->info.lmtp && s->tx != NULL && s->rcode != 421 &&
	    s->rcode != 521) {
		lmtp_data_reply(s, head, &ev, ts);
		return;
	}
	pending_pop(s, &p);
	t0 = s->tx;
	cmd->answered(s, &p, v, ts);
	server_leaves(s, ts);
	if (t0 != NULL &&
	    !(v == REPLY_GRANTED &&
		(ends_transaction(p.verb) || p.verb == SMTP_VERB_MAIL ||
		    p.verb == SMTP_VERB_SEND || p.verb == SMTP_VERB_SOML ||
		    p.verb == SMTP_VERB_SAML)))
		tx_last_reply(s, t0);
	if (s->tx != NULL && s->tx != t0)
		tx_last_reply(s, s->tx);
	emit(s, &ev);
	result_emit(s, true, ts);
	tx_flush(s);
	pending_release(s, &p);
	if (s->release_hold) {
		s->release_hold = false;
		hold_replay(s, ts);
	}
}

void
server_line(struct smtp_session *s, const uint8_t *line, size_t len, double ts)
{
	const uint8_t *text;
	size_t n;
	int code, more;
	enum smtp_verb head;

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
		s->rtext = cmalloc(2 * SMTP_REPLY_TEXT_MAX);
		s->rlast = s->rtext + SMTP_REPLY_TEXT_MAX;
	}
	head = s->greeted && s->qlen > 0 ? s->queue[s->qhead].verb
					 : SMTP_VERB_GREETING;
	if (!s->rmulti) {
		s->rcode_first = code;
		s->rlines = 0;
		memcpy(s->rtext, text, n);
		s->rtext_len = n;
		if (s->caps_dirty) {
			memset(&s->caps, 0, sizeof(s->caps));
			s->caps_dirty = false;
		}
		rkeep_free(s);
	} else {
		if (code != s->rcode_first)
			anomaly(s, SMTP_ANOMALY_REPLY_CODE_MISMATCH, ts);
		if ((head == SMTP_VERB_EHLO || head == SMTP_VERB_LHLO) &&
		    s->rcode_first == 250) {
			smtp_parse_capability(text, n, &s->caps);
			s->caps_dirty = true;
		}
	}
	if (smtp_command_get(head)->flags & (CMD_RESULT | CMD_KEEP_LINES)) {
		if (s->nrkeep < SMTP_RESULT_LINES_MAX) {
			if ((s->nrkeep & (s->nrkeep - 1)) == 0)
				s->rkeep = crealloc(s->rkeep,
				    (s->nrkeep ? s->nrkeep * 2 : 2) *
					sizeof(*s->rkeep));
			s->rkeep[s->nrkeep++] = cmemdup0(text, n);
		} else
			s->rkeep_dropped++;
	}
	/* The last line's code is the one a client acts on. */
	s->rcode = code;
	s->rlines++;
	if (s->rlines == 1) {
		s->rlast_at = s->rtext;
	} else {
		memcpy(s->rlast, text, n);
		s->rlast_at = s->rlast;
	}
	s->rlast_len = n;
	s->rmulti = more;
	if (!more)
		reply_complete(s, ts);
}
