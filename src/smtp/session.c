/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One SMTP session: line framing of each direction, the queue that pairs
 * replies with the commands they answer (RFC 2920 pipelining), the client
 * input mode (commands, DATA body, BDAT chunk, AUTH exchange, TLS), the
 * server's state and its transactions. A command's effect waits in the
 * queue and applies when its reply grants it (command.c has the table of
 * effects); a transaction ends when the server says so and is emitted
 * after the reply that ended it.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void gap_apply(
    struct smtp_session *s, enum smtp_dir dir, size_t n, double ts);
static void end_of_data(struct smtp_session *s, double ts);
static void client_feed(
    struct smtp_session *s, const uint8_t *data, size_t len, double ts);

void
emit(struct smtp_session *s, struct smtp_event *ev)
{
	ev->session = &s->info;
	if (s->bus != NULL)
		event_bus_emit(s->bus, ev);
}

void
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

void
smtp_state_set(struct smtp_session *s, enum smtp_state st, const char *why)
{
	if (st == s->state)
		return;
	if (s->trace != NULL)
		s->trace(s->trace_arg, &s->info, smtp_state_name(s->state),
		    smtp_state_name(st), why);
	s->state = st;
}

void
client_mode_set(struct smtp_session *s, enum client_mode mode)
{
	if (mode == CLIENT_BODY) {
		s->body = BODY_BOL;
		s->body_gap = false;
	}
	if (mode == CLIENT_TLS && s->tls == NULL) {
		s->tls = tls_scan_new();
		s->info.tls = true;
	}
	s->mode = mode;
}

/* Bytes of dir come from the SMTP client (after TURN/ATRN: the TCP
 * server). */
static bool
from_client(const struct smtp_session *s, enum smtp_dir dir)
{
	return (dir == SMTP_DIR_CLIENT) != s->reversed;
}

/* --- replies kept on records ------------------------------------------- */

void
reply_free(struct smtp_reply *r)
{
	cfree(r->text);
	r->text = NULL;
}

/* The enhanced code of the reply now complete (found once a reply);
 * returns the bytes of rtext before the text. */
static size_t
reply_enh(struct smtp_session *s, char *enh, size_t size)
{
	if (s->renh_serial != s->info.replies) {
		s->renh_skip = smtp_enhanced_code(
		    s->rtext, s->rtext_len, s->rcode, s->renh, sizeof(s->renh));
		s->renh_serial = s->info.replies;
	}
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

/* --- memory kept for reuse --------------------------------------------- */

/*
 * Transactions and sessions freed lately, kept for the next ones (as
 * message.c keeps parsers): a transaction keeps the first block of its
 * arena, and the allocator's slow paths for these blocks showed in the
 * profile. Not under AddressSanitizer: a reused block would hide a use
 * after free. smtp_release_spares() frees them (at exit).
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SMTP_NO_SPARES
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(SMTP_NO_SPARES)
#define SMTP_SPARES 0
#else
#define SMTP_SPARES 16
#endif
static struct tx *tx_spare[SMTP_SPARES + 1];
static struct smtp_rcpt *rcpt_spare[SMTP_SPARES + 1];
static size_t rcpt_nspare;
static size_t tx_nspare;
static struct smtp_session *session_spare[SMTP_SPARES + 1];
static size_t session_nspare;

static struct tx *
tx_alloc(void)
{
	struct tx *t;

	if (tx_nspare == 0) {
		t = ccalloc(1, sizeof(*t));
		arena_init(&t->mem);
		return t;
	}
	t = tx_spare[--tx_nspare];
	memset(t, 0, offsetof(struct tx, mem));
	return t;
}

static void
tx_release(struct tx *t)
{
	if (tx_nspare + 1 <= (size_t)SMTP_SPARES) {
		arena_reset(&t->mem);
		tx_spare[tx_nspare++] = t;
		return;
	}
	arena_free(&t->mem);
	cfree(t);
}

/* The buffers a session grows as it goes: given back when it ends, or
 * kept, emptied, for the next session when it becomes a spare. */
static void
session_buffers_free(struct smtp_session *s)
{
	dbuf_free(&s->hold);
	dbuf_free(&s->helo);
	dbuf_free(&s->args);
	cfree(s->frame[0].buf);
	cfree(s->frame[1].buf);
	cfree(s->queue);
	cfree(s->rtext);
	s->frame[0].buf = s->frame[1].buf = NULL;
	s->queue = NULL;
	s->rtext = NULL;
}

/* A session as new: all zero but the buffers a spare kept, emptied. */
static struct smtp_session *
session_alloc(void)
{
	struct smtp_session *s;
	struct dbuf hold, helo, args;
	struct framer f0, f1;
	struct pending *queue;
	size_t qcap;
	uint8_t *rtext;

	if (session_nspare == 0) {
		s = ccalloc(1, sizeof(struct smtp_session));
		dbuf_init_counted(&s->hold, SMTP_HOLD_MAX);
		dbuf_init_counted(&s->helo, SMTP_LINE_MAX);
		dbuf_init_counted(&s->args, SMTP_ARGS_MAX);
		return s;
	}
	s = session_spare[--session_nspare];
	hold = s->hold;
	helo = s->helo;
	args = s->args;
	f0 = s->frame[0];
	f1 = s->frame[1];
	queue = s->queue;
	qcap = s->qcap;
	rtext = s->rtext;
	memset(s, 0, sizeof(*s));
	s->hold = hold;
	s->helo = helo;
	s->args = args;
	dbuf_reset(&s->hold);
	dbuf_reset(&s->helo);
	dbuf_reset(&s->args);
	s->frame[0].buf = f0.buf;
	s->frame[0].cap = f0.cap;
	s->frame[1].buf = f1.buf;
	s->frame[1].cap = f1.cap;
	if (queue != NULL)
		memset(queue, 0, qcap * sizeof(*queue));
	s->queue = queue;
	s->qcap = qcap;
	s->rtext = rtext;
	if (rtext != NULL)
		s->rlast = rtext + SMTP_REPLY_TEXT_MAX;
	return s;
}

static void
session_release(struct smtp_session *s)
{
	if (session_nspare + 1 <= (size_t)SMTP_SPARES) {
		session_spare[session_nspare++] = s;
		return;
	}
	session_buffers_free(s);
	cfree(s);
}

void
smtp_release_spares(void)
{
	while (tx_nspare > 0) {
		struct tx *t = tx_spare[--tx_nspare];

		arena_free(&t->mem);
		cfree(t);
	}
	while (rcpt_nspare > 0)
		cfree(rcpt_spare[--rcpt_nspare]);
	while (session_nspare > 0) {
		struct smtp_session *s = session_spare[--session_nspare];

		session_buffers_free(s);
		cfree(s);
	}
	msg_parser_release_spares();
}

/* --- recipients and transactions --------------------------------------- */

/* A waiting recipient's block: those with an address shorter than
 * RCPT_SMALL are all the same size and kept for the next one. */
#define RCPT_SMALL 128

static struct smtp_rcpt *
rcpt_block(size_t n)
{
	if (n >= RCPT_SMALL)
		return cmalloc(sizeof(struct smtp_rcpt) + n + 1);
	if (rcpt_nspare > 0)
		return rcpt_spare[--rcpt_nspare];
	return cmalloc(sizeof(struct smtp_rcpt) + RCPT_SMALL);
}

static void
rcpt_block_free(struct smtp_rcpt *r)
{
	if (strlen((const char *)(r + 1)) < RCPT_SMALL &&
	    rcpt_nspare + 1 <= (size_t)SMTP_SPARES) {
		rcpt_spare[rcpt_nspare++] = r;
		return;
	}
	cfree(r);
}

struct smtp_rcpt *
rcpt_parse(const uint8_t *arg, size_t len)
{
	char addr[SMTP_ADDR_MAX];
	struct smtp_rcpt *r;
	size_t rest, n;

	smtp_parse_path(arg, len, "TO", addr, sizeof(addr), &rest);
	n = strlen(addr);
	r = rcpt_block(n);
	memset(r, 0, sizeof(*r));
	r->addr = (char *)(r + 1);
	memcpy(r->addr, addr, n + 1);
	r->reply.latency = -1;
	r->delivery.latency = -1;
	smtp_parse_rcpt_params(arg + rest, len - rest, r);
	return r;
}

/* A waiting recipient's own memory; its reply texts (kept only when it
 * joins a transaction) are not. */
void
rcpt_free(struct smtp_rcpt *r)
{
	if (r == NULL)
		return;
	cfree(r->notify);
	cfree(r->orcpt);
	rcpt_block_free(r);
}

/* Recipient r joins transaction t (room made by the caller): its
 * address moves to t's arena, its parameters to t. */
void
rcpt_adopt(struct tx *t, struct smtp_rcpt *r)
{
	struct smtp_rcpt *k = &t->pub.rcpt[t->pub.nrcpt++];

	*k = *r;
	k->addr = arena_memdup0(&t->mem, r->addr, strlen(r->addr));
	rcpt_block_free(r);
}

/* A transaction as a MAIL (SEND, SOML, SAML) command proposes it; arg
 * NULL: one the server has that was never seen. */
struct tx *
tx_new(struct smtp_session *s, enum smtp_verb verb, const uint8_t *arg,
    size_t len, double ts)
{
	char addr[SMTP_ADDR_MAX];
	struct tx *t;
	size_t rest;

	t = tx_alloc();
	t->pub.depth = ++s->next_depth;
	t->pub.verb = verb;
	t->pub.ts = ts;
	t->pub.ts_end = ts;
	t->pub.mail.latency = -1;
	t->pub.data.latency = -1;
	t->pub.final.latency = -1;
	if (arg == NULL) {
		t->pub.mail_from = arena_memdup0(&t->mem, "", 0);
		return t;
	}
	smtp_parse_path(arg, len, "FROM", addr, sizeof(addr), &rest);
	t->pub.mail_from = arena_memdup0(&t->mem, addr, strlen(addr));
	t->pub.bounce = addr[0] == '\0';
	smtp_parse_mail_params(arg + rest, len - rest, &t->pub.params);
	return t;
}

void
tx_free(struct tx *t)
{
	size_t i;

	if (t == NULL)
		return;
	/* The strings are in the arena; parameters are the heap's. */
	for (i = 0; i < t->pub.nrcpt; i++) {
		cfree(t->pub.rcpt[i].notify);
		cfree(t->pub.rcpt[i].orcpt);
	}
	cfree(t->pub.refused);
	cfree(t->pub.params.envid);
	cfree(t->pub.params.auth);
	if (t->msg != NULL)
		msg_parser_free(t->msg);
	tx_release(t);
}

void
tx_confirm(struct smtp_session *s, struct tx *t, bool attempt, double ts)
{
	t->confirmed = true;
	t->attempt = attempt;
	s->info.transactions++;
	t->pub.helo =
	    arena_memdup0(&t->mem, s->info.helo, strlen(s->info.helo));
	t->pub.reversed = s->reversed;
	t->pub.lmtp = s->info.lmtp;
	s->tx = t;
	if (attempt)
		return;
	/* RFC 6409: an MSA takes mail only after AUTH. */
	if (s->info.submission && s->info.auth_result != SMTP_AUTH_SUCCESS) {
		t->pub.submission_no_auth = true;
		anomaly(s, SMTP_ANOMALY_SUBMISSION_NO_AUTH, ts);
	}
	smtp_state_set(s, SMTP_STATE_MAIL, "MAIL granted");
}

void
tx_end(struct smtp_session *s, const char *why, double ts)
{
	struct tx *t = s->tx;

	if (t == NULL)
		return;
	s->tx = NULL;
	t->pub.ended_by = why;
	t->pub.ts_end = ts;
	if (s->cli_tx == t)
		s->cli_tx = NULL;
	if (s->body_tx == t)
		s->body_tx = NULL;
	if (s->done_tail != NULL)
		s->done_tail->next = t;
	else
		s->done_head = t;
	s->done_tail = t;
	if (s->state >= SMTP_STATE_MAIL && s->state <= SMTP_STATE_BDAT)
		smtp_state_set(s,
		    s->info.helo[0] != '\0' ? SMTP_STATE_READY
					    : SMTP_STATE_GREETED,
		    why);
}

const uint8_t *
pending_arg(const struct smtp_session *s, const struct pending *p, size_t *len)
{
	*len = p->arg_len;
	if (p->arg_len == 0 || s->args.p == NULL)
		return (const uint8_t *)"";
	return (const uint8_t *)s->args.p + p->arg_off;
}

void
tx_refused(struct smtp_session *s, const struct pending *p, enum smtp_verb verb,
    double ts)
{
	struct smtp_transaction *t = &s->tx->pub;
	struct smtp_refused *r;
	const uint8_t *arg;
	size_t n;

	if (t->nrefused >= SMTP_REFUSED_MAX)
		return;
	if ((t->nrefused & (t->nrefused - 1)) == 0)
		t->refused = crealloc(t->refused,
		    (t->nrefused ? t->nrefused * 2 : 2) * sizeof(*t->refused));
	r = &t->refused[t->nrefused++];
	memset(r, 0, sizeof(*r));
	r->verb = verb;
	arg = pending_arg(s, p, &n);
	r->arg = arena_memdup0(&s->tx->mem, arg, n);
	tx_reply_keep(s, s->tx, &r->reply, ts - p->ts);
}

void
result_due(struct smtp_session *s, const struct pending *p)
{
	if (smtp_command_get(p->verb)->flags & CMD_SECRET)
		return;
	s->result = *p;
	s->result_due = true;
}

static void
rkeep_free(struct smtp_session *s)
{
	size_t i;

	for (i = 0; i < s->nrkeep; i++)
		cfree(s->rkeep[i]);
	cfree(s->rkeep);
	s->rkeep = NULL;
	s->nrkeep = s->rkeep_dropped = 0;
}

/* The command result due, with the reply now complete (or none). */
static void
result_emit(struct smtp_session *s, bool replied, double ts)
{
	struct smtp_command_result r;
	struct smtp_event ev;
	char *ends[2] = { NULL, NULL };

	if (!s->result_due)
		return;
	s->result_due = false;
	memset(&r, 0, sizeof(r));
	r.verb = s->result.verb;
	r.arg = pending_arg(s, &s->result, &r.arg_len);
	r.ts = s->result.ts;
	r.reversed = s->result.reversed;
	r.reply.latency = -1;
	if (replied) {
		reply_keep(s, &r.reply, ts - s->result.ts);
		r.lines = s->rkeep;
		r.nlines = s->nrkeep;
		r.lines_dropped = s->rkeep_dropped;
		if (s->nrkeep == 0) {
			/* Lines were not kept for this command: its first
			 * and last, and how many were between. */
			ends[0] = cmemdup0(s->rtext, s->rtext_len);
			if (s->rlines > 1)
				ends[1] = cmemdup0(s->rlast_at, s->rlast_len);
			r.lines = ends;
			r.nlines = s->rlines > 1 ? 2 : 1;
			r.lines_dropped = s->rlines > 2 ? s->rlines - 2 : 0;
		}
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_COMMAND_RESULT;
	ev.ts = ts;
	ev.u.result = &r;
	emit(s, &ev);
	reply_free(&r.reply);
	cfree(ends[0]);
	cfree(ends[1]);
}

/* What capture loss may explain of a transaction cut off. */
static unsigned
capture_loss(const struct smtp_session *s)
{
	unsigned bits = 0;

	if (s->had_gap)
		bits |= SMTP_LOSS_GAP;
	if (s->drops != NULL && *s->drops > s->drops_at_open)
		bits |= SMTP_LOSS_KERNEL_DROPS;
	return bits;
}

static enum smtp_outcome
class_outcome(int code)
{
	if (code >= 200 && code < 300)
		return SMTP_OUTCOME_ACCEPTED;
	return code >= 400 && code < 500 ? SMTP_OUTCOME_TEMPFAIL
					 : SMTP_OUTCOME_REJECTED;
}

static enum smtp_outcome
tx_outcome(const struct tx *t)
{
	const struct smtp_transaction *p = &t->pub;
	size_t i;
	int any4 = 0, all5 = p->nrcpt > 0;

	if (t->attempt && p->mail.code >= 400)
		return class_outcome(p->mail.code);
	if (p->final.code != 0)
		return class_outcome(p->final.code);
	if (t->closed_by != 0)
		return class_outcome(t->closed_by);
	/* The whole message was sent and its reply never seen (lost in a
	 * gap, or the connection ended first): not given up, lost. */
	if (p->data_complete && t->data_granted)
		return SMTP_OUTCOME_LOST;
	/* The message was on its way: cut off before its final reply. */
	if (t->by_connection &&
	    (t->data_granted || p->data_complete || p->bdat))
		return SMTP_OUTCOME_LOST;
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
		return class_outcome(p->data.code);
	if (t->by_connection)
		return SMTP_OUTCOME_LOST;
	/* Ended with nothing refused, but bytes of it were never seen:
	 * the data and its reply may have been among them. */
	if (t->gap)
		return SMTP_OUTCOME_LOST;
	return SMTP_OUTCOME_ABORTED;
}

/* Emit, in order, the transactions that ended. */
static void
tx_flush(struct smtp_session *s)
{
	struct smtp_event ev;
	struct tx *t;

	while ((t = s->done_head) != NULL) {
		s->done_head = t->next;
		if (s->done_head == NULL)
			s->done_tail = NULL;
		t->pub.outcome = tx_outcome(t);
		if (t->pub.outcome == SMTP_OUTCOME_LOST)
			t->pub.capture_loss = capture_loss(s);
		else if (t->gap) /* what it shows may be incomplete */
			t->pub.capture_loss = SMTP_LOSS_GAP;
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
	q = ccalloc(ncap, sizeof(*q));
	for (i = 0; i < s->qlen; i++)
		q[i] = s->queue[(s->qhead + i) % s->qcap];
	cfree(s->queue);
	s->queue = q;
	s->qcap = ncap;
	s->qhead = 0;
}

/* A command's argument, kept while it waits (capped). The arena empties
 * when nothing waits. */
static void
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
	s->queue[(s->qhead + s->qlen) % s->qcap] = *p;
	s->qlen++;
	return true;
}

static void
pending_pop(struct smtp_session *s, struct pending *out)
{
	*out = s->queue[s->qhead];
	s->qhead = (s->qhead + 1) % s->qcap;
	s->qlen--;
}

/* What a command owned and nobody adopted. */
static void
pending_release(struct smtp_session *s, struct pending *p)
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

/* --- server side ------------------------------------------------------- */

/* Client bytes held while DATA waited: replay them in the new mode,
 * with the gaps that came among them where they came. */
static void
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

static void
copy_cstr(char *dst, size_t size, const uint8_t *src, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

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
static void
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
static void
resync(struct smtp_session *s, double ts)
{
	struct pending p;
	size_t i;

	if (smtp_reply_plausible(s->queue[s->qhead].verb, s->rcode)) {
		s->resync = false;
		return;
	}
	for (i = 1; i < s->qlen; i++)
		if (smtp_reply_plausible(
			s->queue[(s->qhead + i) % s->qcap].verb, s->rcode))
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

static void
reply_complete(struct smtp_session *s, double ts)
{
	const struct smtp_command *cmd;
	struct smtp_event ev;
	struct pending p, *head;
	enum reply_verdict v;
	struct tx *t0;

	s->info.replies++;
	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_REPLY;
	ev.ts = ts;
	ev.u.reply.code = s->rcode;
	ev.u.reply.text = s->rtext;
	ev.u.reply.len = s->rtext_len;
	ev.u.reply.lines = s->rlines;
	ev.u.reply.last_text = s->rlast_at;
	ev.u.reply.last_len = s->rlast_len;
	ev.u.reply.latency = -1;
	reply_enh(s, ev.u.reply.enh, sizeof(ev.u.reply.enh));

	if (!s->greeted) {
		/* The first reply is the greeting, even when impatient
		 * clients already sent commands. */
		greeting(s, ts);
		if (s->rcode == 421 || s->rcode == 521)
			s->closing = true;
		ev.u.reply.verb = SMTP_VERB_GREETING;
		ev.u.reply.granted = s->rcode == 220;
		ev.u.reply.latency =
		    s->reversed ? -1 : s->info.greeting_latency;
		emit(s, &ev);
		return;
	}
	if (s->qlen == 0 && s->mode == CLIENT_BODY && s->body_gap) {
		/* A reply while the message was cut by a gap: its end was
		 * in the gap (the server replies to nothing else then). */
		end_of_data(s, ts);
	}
	if (s->qlen == 0) {
		if (s->tx != NULL)
			tx_last_reply(s, s->tx);
		if (!server_leaves(s, ts))
			anomaly(s, SMTP_ANOMALY_UNSOLICITED_REPLY, ts);
		ev.u.reply.verb = SMTP_VERB_UNKNOWN;
		emit(s, &ev);
		tx_flush(s);
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
		tx_last_reply(s, s->tx);
		if (lmtp_delivery(s, head, ts)) {
			emit(s, &ev); /* more replies to this data */
			return;
		}
		lmtp_final(s->tx);
		pending_pop(s, &p);
		tx_end(s,
		    p.verb == SMTP_VERB_BDAT ? "bdat_last" : "end_of_data", ts);
		emit(s, &ev);
		tx_flush(s);
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

static void
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
queue_command(struct smtp_session *s, struct pending *p, double ts)
{
	if (!pending_push(s, p, ts))
		pending_release(s, p);
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
		command_event(s, SMTP_VERB_AUTH_DATA, NULL, 0, ts);
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
	if (cmd->flags & CMD_SECRET) {
		/* AUTH's initial response may hold a password: verb and
		 * mechanism only. */
		size_t m = 0;

		while (m < alen && arg[m] != ' ')
			m++;
		shown = (size_t)(arg - line) + m;
	}
	command_event(s, p.verb, line, shown, ts);
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
static void
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
	command_event(s, p.verb, line, len, ts);
	switch (p.verb) {
	case SMTP_VERB_MAIL:
	case SMTP_VERB_SEND:
	case SMTP_VERB_SOML:
	case SMTP_VERB_SAML:
		p.tx = tx_new(s, p.verb, NULL, 0, ts);
		s->cli_tx = p.tx;
		break;
	default:
		if (cmd->sent != NULL)
			cmd->sent(s, &p, none, 0, ts);
		break;
	}
	queue_command(s, &p, ts);
}

static void
end_of_data(struct smtp_session *s, double ts)
{
	static const uint8_t dot[] = ".";
	struct pending p;

	command_event(s, SMTP_VERB_END_OF_DATA, dot, 1, ts);
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

/* n message bytes never captured: counted, and said to body readers.
 * The headers are what came before: nothing after a gap is parsed. */
static void
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

/* The header parser has seen what it wants of this message (or nothing
 * receives it): the body may go by in spans, not line by line. */
static bool
body_counted_only(const struct smtp_session *s)
{
	return s->body_tx == NULL ||
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
static void
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

/* --- public ------------------------------------------------------------ */

struct smtp_session *
smtp_session_open(
    const struct event_bus *bus, const struct smtp_session_params *p)
{
	struct smtp_session *s = session_alloc();
	struct smtp_event ev;

	s->bus = bus;
	s->trace = p->trace;
	s->trace_arg = p->trace_arg;
	s->info.id = p->id;
	s->info.client = p->client;
	s->info.server = p->server;
	s->info.ts_open = p->ts;
	s->info.greeting_latency = -1;
	s->info.submission = p->submission;
	s->drops = p->capture_drops;
	s->drops_at_open = s->drops != NULL ? *s->drops : 0;
	s->info.helo = "";
	s->state = SMTP_STATE_CONNECTED;
	client_mode_set(s, CLIENT_COMMAND);
	if (p->implicit_tls) {
		s->info.implicit_tls = true;
		client_mode_set(s, CLIENT_TLS);
		smtp_state_set(s, SMTP_STATE_TLS, "implicit TLS");
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_SESSION_OPEN;
	ev.ts = p->ts;
	emit(s, &ev);
	return s;
}

void
smtp_session_anomaly(struct smtp_session *s, enum smtp_anomaly kind, double ts)
{
	if ((unsigned)kind < SMTP_ANOMALY_COUNT)
		anomaly(s, kind, ts);
}

void
smtp_session_data(struct smtp_session *s, enum smtp_dir dir,
    const uint8_t *data, size_t len, double ts)
{
	if (dir == SMTP_DIR_CLIENT)
		s->info.bytes_client += len;
	else
		s->info.bytes_server += len;
	feed(s, dir, data, len, ts);
}

static void
framer_trim(struct framer *f)
{
	if (f->len == 0 && f->buf != NULL) {
		cfree(f->buf);
		f->buf = NULL;
		f->cap = 0;
	}
}

void
smtp_session_trim(struct smtp_session *s)
{
	framer_trim(&s->frame[0]);
	framer_trim(&s->frame[1]);
	if (s->hold.len == 0)
		dbuf_free(&s->hold);
	if (!s->rmulti && s->rtext != NULL) {
		cfree(s->rtext);
		s->rtext = s->rlast = NULL;
		s->rlast_at = NULL;
		s->rtext_len = s->rlast_len = 0;
		rkeep_free(s);
	}
	if (s->qlen == 0 && s->queue != NULL) {
		cfree(s->queue);
		s->queue = NULL;
		s->qcap = 0;
		s->qhead = 0;
	}
	if (s->qlen == 0 && !s->result_due)
		dbuf_free(&s->args);
}

/* The transactions open now lost bytes: their records say so. */
static void
tx_gap_mark(struct smtp_session *s)
{
	size_t i;

	if (s->tx != NULL)
		s->tx->gap = true;
	if (s->cli_tx != NULL)
		s->cli_tx->gap = true;
	if (s->body_tx != NULL)
		s->body_tx->gap = true;
	for (i = 0; i < s->qlen; i++) {
		struct pending *q = &s->queue[(s->qhead + i) % s->qcap];

		if (q->tx != NULL)
			q->tx->gap = true;
	}
}

/* n bytes of dir never captured, in the mode the session is in. */
static void
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

void
smtp_session_gap(struct smtp_session *s, enum smtp_dir dir, size_t n, double ts)
{
	anomaly(s, SMTP_ANOMALY_GAP, ts);
	s->had_gap = true;
	if (dir == SMTP_DIR_CLIENT)
		s->info.bytes_client += n;
	else
		s->info.bytes_server += n;
	gap_apply(s, dir, n, ts);
	tx_gap_mark(s);
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

	/* Commands still waiting: their replies never came. Their effects
	 * are assumed (a MAIL opens its transaction, a RCPT adds its
	 * recipient), and the records say so. */
	if (s->qlen > 0 && !s->info.tls && !s->closing)
		anomaly(s, SMTP_ANOMALY_NO_REPLY, ts);
	while (s->qlen > 0) {
		pending_pop(s, &p);
		if (!s->info.tls && !s->closing)
			smtp_command_get(p.verb)->answered(
			    s, &p, REPLY_NONE, ts);
		result_emit(s, false, ts);
		pending_release(s, &p);
	}
	if ((t = s->tx) != NULL) {
		t->by_connection = true;
		tx_end(s, "connection_end", ts);
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
	rkeep_free(s);
	session_release(s);
}

const struct smtp_session_info *
smtp_session_info(const struct smtp_session *s)
{
	return &s->info;
}
