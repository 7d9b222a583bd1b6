/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One SMTP session: its life (open, bytes and gaps in, close), the memory
 * kept for reuse, the server's state and its transactions. Its bytes are
 * framed and read in the client's input mode in input.c; the replies are
 * paired with the commands they answer (RFC 2920 pipelining) in reply.c.
 * A command's effect waits in the queue and applies when its reply grants
 * it (command.c has the table of effects); a transaction ends when the
 * server says so and is emitted after the reply that ended it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/internal.h"

SMTP_COLD void
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
static struct rcpt_block *rcpt_spare[SMTP_SPARES + 1];
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

_Static_assert(
    offsetof(struct smtp_session, bus) == sizeof(struct smtp_session_info),
    "nothing between the info and bus, which session_alloc() clears");

/* A session of its own memory: only until the spares fill. */
SMTP_COLD static struct smtp_session *
session_new(void)
{
	struct smtp_session *s = ccalloc(1, sizeof(struct smtp_session));

	dbuf_init_counted(&s->hold, SMTP_HOLD_MAX);
	dbuf_init_counted(&s->helo, SMTP_LINE_MAX);
	dbuf_init_counted(&s->args, SMTP_ARGS_MAX);
	return s;
}

/* A session as new: all zero but the buffers a spare kept, emptied, and
 * the info's text arrays, empty strings. */
static struct smtp_session *
session_alloc(void)
{
	struct smtp_session *s;
	struct dbuf hold, helo, args;
	struct framer f0, f1;
	struct pending *queue;
	size_t qcap;
	uint8_t *rtext;

	if (session_nspare == 0)
		return session_new();
	s = session_spare[--session_nspare];
	hold = s->hold;
	helo = s->helo;
	args = s->args;
	f0 = s->frame[0];
	f1 = s->frame[1];
	queue = s->queue;
	qcap = s->qcap;
	rtext = s->rtext;
	/* All but the text arrays (model.h keeps them at the end of the
	 * info), which need only be empty strings: 1.3 KB of 2.5 KB. */
	memset(s, 0, offsetof(struct smtp_session, info.tls_meta.sni));
	memset(&s->bus, 0, sizeof(*s) - offsetof(struct smtp_session, bus));
	s->info.tls_meta.sni[0] = '\0';
	s->info.greeting_host[0] = '\0';
	s->info.greeting_text[0] = '\0';
	s->info.auth_mechs[0] = '\0';
	s->info.auth_mech[0] = '\0';
	s->info.auth_user[0] = '\0';
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

/* A waiting recipient's block: the recipient, its address's length
 * (known as it is parsed, not counted again as it moves) and the
 * address after them. Those with an address shorter than RCPT_SMALL are
 * all the same size and kept for the next one. */
#define RCPT_SMALL 128

struct rcpt_block {
	struct smtp_rcpt r; /* first: the recipient is the block */
	size_t len;
};

static struct rcpt_block *
rcpt_block(size_t n)
{
	if (n >= RCPT_SMALL)
		return cmalloc(sizeof(struct rcpt_block) + n + 1);
	if (rcpt_nspare > 0)
		return rcpt_spare[--rcpt_nspare];
	return cmalloc(sizeof(struct rcpt_block) + RCPT_SMALL);
}

static void
rcpt_block_free(struct rcpt_block *b)
{
	if (b->len < RCPT_SMALL && rcpt_nspare + 1 <= (size_t)SMTP_SPARES) {
		rcpt_spare[rcpt_nspare++] = b;
		return;
	}
	cfree(b);
}

struct smtp_rcpt *
rcpt_parse(const uint8_t *arg, size_t len)
{
	char addr[SMTP_ADDR_MAX];
	struct rcpt_block *b;
	struct smtp_rcpt *r;
	size_t rest, n;

	smtp_parse_path(arg, len, "TO", addr, sizeof(addr), &rest);
	n = strlen(addr);
	b = rcpt_block(n);
	b->len = n;
	r = &b->r;
	memset(r, 0, sizeof(*r));
	r->addr = (char *)(b + 1);
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
	rcpt_block_free((struct rcpt_block *)r);
}

/* Recipient r joins transaction t (room made by the caller): its
 * address moves to t's arena, its parameters to t. */
void
rcpt_adopt(struct tx *t, struct smtp_rcpt *r)
{
	struct rcpt_block *b = (struct rcpt_block *)r;
	struct smtp_rcpt *k = &t->pub.rcpt[t->pub.nrcpt++];

	*k = *r;
	k->addr = arena_memdup0(&t->mem, r->addr, b->len);
	rcpt_block_free(b);
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
	/* RFC 6409: an MSA takes mail only after AUTH (which a session
	 * picked up mid-stream may have had before). */
	if (s->info.submission && s->info.auth_result != SMTP_AUTH_SUCCESS &&
	    !s->info.midstream) {
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

void
rkeep_free(struct smtp_session *s)
{
	size_t i;

	for (i = 0; i < s->nrkeep; i++)
		cfree(s->rkeep[i]);
	cfree(s->rkeep);
	s->rkeep = NULL;
	s->nrkeep = s->rkeep_dropped = 0;
}

/* The command result due (result_emit()). */
void
result_emit_due(struct smtp_session *s, bool replied, double ts)
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

/* Emit, in order, the transactions that ended (tx_flush()). */
void
tx_flush_ended(struct smtp_session *s)
{
	struct smtp_event ev;
	struct tx *t;

	while ((t = s->done_head) != NULL) {
		s->done_head = t->next;
		if (s->done_head == NULL)
			s->done_tail = NULL;
		t->pub.outcome = tx_outcome(t);
		if (s->info.missing != SMTP_MISSING_NONE)
			t->pub.partial = true;
		/* Without the server's side its word is unknown. */
		if (s->info.missing == SMTP_MISSING_SERVER)
			t->pub.outcome = SMTP_OUTCOME_UNKNOWN;
		/* Cut off before its final reply while the capture itself
		 * lost bytes (a gap) or packets (kernel drops): the reply
		 * may have been among them. Capture loss is not mail loss:
		 * its outcome is unknown, not lost. */
		if (t->pub.outcome == SMTP_OUTCOME_LOST) {
			t->pub.capture_loss = capture_loss(s);
			if (t->pub.capture_loss != 0)
				t->pub.outcome = SMTP_OUTCOME_UNKNOWN;
		} else if (t->gap) /* what it shows may be incomplete */
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

/* --- public ------------------------------------------------------------ */

/* Kept apart from the session (rare, and a session is cleared each
 * time it is reused): its own copy, cut to the cap. */
SMTP_COLD static void
tunnel_set(struct smtp_session *s, const struct smtp_session_params *p)
{
	const char *t = p->tunnel_target != NULL ? p->tunnel_target : "";
	size_t n = strnlen(t, SMTP_TUNNEL_TARGET_MAX - 1);
	char *copy = cmalloc(n + 1);

	memcpy(copy, t, n);
	copy[n] = '\0';
	s->info.tunnel = p->tunnel;
	s->info.tunnel_target = copy;
}

/* The session's Zeek uid ("C" and 17 characters of base62): Zeek's are
 * random, ours a hash of the session's number, its time and its
 * endpoints, so that a run gives the same ones again. Made once here, so
 * that the Zeek log and the JSON log write the same. */
static void
session_uid(struct smtp_session_info *si)
{
	static const char b62[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	uint64_t h = 0x9e3779b97f4a7c15ull ^ si->id;
	size_t i;

	h ^= (uint64_t)(si->ts_open * 1e6);
	for (i = 0; i < 16; i++)
		h = (h ^ si->client.addr[i] ^ si->server.addr[i]) *
		    0x100000001b3ull;
	h ^= (uint64_t)si->client.port << 16 | si->server.port;
	si->uid[0] = 'C';
	for (i = 1; i < SMTP_UID_SIZE - 1; i++) {
		h ^= h >> 29;
		h *= 0xbf58476d1ce4e5b9ull;
		/* The high half as 32 bits: the same remainder, by a
		 * shorter multiplication. */
		si->uid[i] = b62[(uint32_t)(h >> 32) % 62u];
	}
	si->uid[SMTP_UID_SIZE - 1] = '\0';
}

/* A connection picked up mid-stream: which sides are in step. */
SMTP_COLD static void
midstream_open(struct smtp_session *s, const struct smtp_session_params *p)
{
	s->info.midstream = true;
	s->synced[SMTP_DIR_CLIENT] = p->start_known[SMTP_DIR_CLIENT];
	s->synced[SMTP_DIR_SERVER] = p->start_known[SMTP_DIR_SERVER];
	s->cli_probe = !p->start_known[SMTP_DIR_CLIENT] && !p->implicit_tls;
	/* Its greeting is due only if its server's start was seen. */
	s->greeted = !p->start_known[SMTP_DIR_SERVER];
	if (s->greeted)
		smtp_state_set(s, SMTP_STATE_GREETED, "picked up");
}

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
	endpoint_addr_fmt(
	    &p->client, s->info.client_ip, sizeof(s->info.client_ip));
	endpoint_addr_fmt(
	    &p->server, s->info.server_ip, sizeof(s->info.server_ip));
	session_uid(&s->info);
	memcpy(s->info.community_id, p->community_id,
	    sizeof(s->info.community_id));
	s->info.community_id[sizeof(s->info.community_id) - 1] = '\0';
	s->info.greeting_latency = -1;
	s->info.submission = p->submission;
	if (p->tunnel != SMTP_TUNNEL_NONE)
		tunnel_set(s, p);
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
	if (p->midstream)
		midstream_open(s, p);
	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_SESSION_OPEN;
	ev.ts = p->ts;
	emit(s, &ev);
	return s;
}

void
smtp_session_anomaly(struct smtp_session *s, enum smtp_anomaly kind, double ts)
{
	if (s != NULL && (unsigned)kind < SMTP_ANOMALY_COUNT)
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
	if (s->info.midstream && !s->synced[dir]) {
		size_t skip = midstream_sync(s, dir, data, len);

		data += skip;
		len -= skip;
	}
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
		struct pending *q = queue_at(s, i);

		if (q->tx != NULL)
			q->tx->gap = true;
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
	cfree((void *)(uintptr_t)s->info.tunnel_target);
	s->info.tunnel_target = NULL;
	rkeep_free(s);
	session_release(s);
}

const struct smtp_session_info *
smtp_session_info(const struct smtp_session *s)
{
	return &s->info;
}
