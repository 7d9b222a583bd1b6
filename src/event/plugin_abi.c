/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "event/plugin_abi.h"

#include <stdlib.h>
#include <string.h>

#include "event/codes.h"
#include "lib/util.h"

/* ---- the values -------------------------------------------------------- */

/* Internal value -> ABI value. Written out one by one: the internal
 * enumerations may be reordered or grown, the ABI's only grow at the
 * end (tests/unit/test_plugin_abi.c checks every internal value has its
 * own ABI value of the same name). */
static void tr_endpoint(
    struct smtpscope_endpoint *o, const struct smtp_endpoint *e);

static const enum smtpscope_verb verb_map[SMTP_VERB_COUNT] = {
	[SMTP_VERB_UNKNOWN] = SMTPSCOPE_VERB_UNKNOWN,
	[SMTP_VERB_HELO] = SMTPSCOPE_VERB_HELO,
	[SMTP_VERB_EHLO] = SMTPSCOPE_VERB_EHLO,
	[SMTP_VERB_MAIL] = SMTPSCOPE_VERB_MAIL,
	[SMTP_VERB_RCPT] = SMTPSCOPE_VERB_RCPT,
	[SMTP_VERB_DATA] = SMTPSCOPE_VERB_DATA,
	[SMTP_VERB_BDAT] = SMTPSCOPE_VERB_BDAT,
	[SMTP_VERB_RSET] = SMTPSCOPE_VERB_RSET,
	[SMTP_VERB_VRFY] = SMTPSCOPE_VERB_VRFY,
	[SMTP_VERB_EXPN] = SMTPSCOPE_VERB_EXPN,
	[SMTP_VERB_HELP] = SMTPSCOPE_VERB_HELP,
	[SMTP_VERB_NOOP] = SMTPSCOPE_VERB_NOOP,
	[SMTP_VERB_QUIT] = SMTPSCOPE_VERB_QUIT,
	[SMTP_VERB_STARTTLS] = SMTPSCOPE_VERB_STARTTLS,
	[SMTP_VERB_AUTH] = SMTPSCOPE_VERB_AUTH,
	[SMTP_VERB_ETRN] = SMTPSCOPE_VERB_ETRN,
	[SMTP_VERB_ATRN] = SMTPSCOPE_VERB_ATRN,
	[SMTP_VERB_TURN] = SMTPSCOPE_VERB_TURN,
	[SMTP_VERB_XCLIENT] = SMTPSCOPE_VERB_XCLIENT,
	[SMTP_VERB_XFORWARD] = SMTPSCOPE_VERB_XFORWARD,
	[SMTP_VERB_LHLO] = SMTPSCOPE_VERB_LHLO,
	[SMTP_VERB_SEND] = SMTPSCOPE_VERB_SEND,
	[SMTP_VERB_SOML] = SMTPSCOPE_VERB_SOML,
	[SMTP_VERB_SAML] = SMTPSCOPE_VERB_SAML,
	[SMTP_VERB_GREETING] = SMTPSCOPE_VERB_GREETING,
	[SMTP_VERB_END_OF_DATA] = SMTPSCOPE_VERB_END_OF_DATA,
	[SMTP_VERB_AUTH_DATA] = SMTPSCOPE_VERB_AUTH_DATA,
};

static const enum smtpscope_outcome outcome_map[SMTP_OUTCOME_COUNT] = {
	[SMTP_OUTCOME_NONE] = SMTPSCOPE_OUTCOME_NONE,
	[SMTP_OUTCOME_ACCEPTED] = SMTPSCOPE_OUTCOME_ACCEPTED,
	[SMTP_OUTCOME_REJECTED] = SMTPSCOPE_OUTCOME_REJECTED,
	[SMTP_OUTCOME_TEMPFAIL] = SMTPSCOPE_OUTCOME_TEMPFAIL,
	[SMTP_OUTCOME_DROPPED] = SMTPSCOPE_OUTCOME_DROPPED,
	[SMTP_OUTCOME_ABORTED] = SMTPSCOPE_OUTCOME_ABORTED,
	[SMTP_OUTCOME_LOST] = SMTPSCOPE_OUTCOME_LOST,
	[SMTP_OUTCOME_UNKNOWN] = SMTPSCOPE_OUTCOME_UNKNOWN,
};

static const enum smtpscope_anomaly anomaly_map[SMTP_ANOMALY_COUNT] = {
	[SMTP_ANOMALY_LINE_TOO_LONG] = SMTPSCOPE_ANOMALY_LINE_TOO_LONG,
	[SMTP_ANOMALY_UNSOLICITED_REPLY] = SMTPSCOPE_ANOMALY_UNSOLICITED_REPLY,
	[SMTP_ANOMALY_BAD_REPLY] = SMTPSCOPE_ANOMALY_BAD_REPLY,
	[SMTP_ANOMALY_COMMAND_BEFORE_GREETING] =
	    SMTPSCOPE_ANOMALY_COMMAND_BEFORE_GREETING,
	[SMTP_ANOMALY_DATA_AFTER_QUIT] = SMTPSCOPE_ANOMALY_DATA_AFTER_QUIT,
	[SMTP_ANOMALY_PIPELINE_OVERFLOW] = SMTPSCOPE_ANOMALY_PIPELINE_OVERFLOW,
	[SMTP_ANOMALY_TOO_MANY_RECIPIENTS] =
	    SMTPSCOPE_ANOMALY_TOO_MANY_RECIPIENTS,
	[SMTP_ANOMALY_BODY_BEFORE_354] = SMTPSCOPE_ANOMALY_BODY_BEFORE_354,
	[SMTP_ANOMALY_BAD_BDAT] = SMTPSCOPE_ANOMALY_BAD_BDAT,
	[SMTP_ANOMALY_NON_SMTP] = SMTPSCOPE_ANOMALY_NON_SMTP,
	[SMTP_ANOMALY_NO_REPLY] = SMTPSCOPE_ANOMALY_NO_REPLY,
	[SMTP_ANOMALY_GAP] = SMTPSCOPE_ANOMALY_GAP,
	[SMTP_ANOMALY_NOT_TLS] = SMTPSCOPE_ANOMALY_NOT_TLS,
	[SMTP_ANOMALY_UNKNOWN_COMMAND] = SMTPSCOPE_ANOMALY_UNKNOWN_COMMAND,
	[SMTP_ANOMALY_HEADERS_TRUNCATED] = SMTPSCOPE_ANOMALY_HEADERS_TRUNCATED,
	[SMTP_ANOMALY_REPLY_CODE_MISMATCH] =
	    SMTPSCOPE_ANOMALY_REPLY_CODE_MISMATCH,
	[SMTP_ANOMALY_LMTP_ON_PORT_25] = SMTPSCOPE_ANOMALY_LMTP_ON_PORT_25,
	[SMTP_ANOMALY_SUBMISSION_NO_AUTH] =
	    SMTPSCOPE_ANOMALY_SUBMISSION_NO_AUTH,
	[SMTP_ANOMALY_CLEARTEXT_AUTH] = SMTPSCOPE_ANOMALY_CLEARTEXT_AUTH,
	[SMTP_ANOMALY_REPLY_LOST] = SMTPSCOPE_ANOMALY_REPLY_LOST,
	[SMTP_ANOMALY_OVERLAP_CONFLICT] = SMTPSCOPE_ANOMALY_OVERLAP_CONFLICT,
	[SMTP_ANOMALY_RST_IN_WINDOW] = SMTPSCOPE_ANOMALY_RST_IN_WINDOW,
	[SMTP_ANOMALY_SYN_ON_ESTABLISHED] =
	    SMTPSCOPE_ANOMALY_SYN_ON_ESTABLISHED,
	[SMTP_ANOMALY_CLOCK_JUMP] = SMTPSCOPE_ANOMALY_CLOCK_JUMP,
	[SMTP_ANOMALY_TIMESTAMP_REPLACED] =
	    SMTPSCOPE_ANOMALY_TIMESTAMP_REPLACED,
};

/* Bit index of each internal capability -> the ABI's bit index. */
static const struct {
	unsigned internal, abi;
} cap_map[] = {
	{ SMTP_CAP_PIPELINING, SMTPSCOPE_CAP_PIPELINING },
	{ SMTP_CAP_SIZE, SMTPSCOPE_CAP_SIZE },
	{ SMTP_CAP_8BITMIME, SMTPSCOPE_CAP_8BITMIME },
	{ SMTP_CAP_STARTTLS, SMTPSCOPE_CAP_STARTTLS },
	{ SMTP_CAP_AUTH, SMTPSCOPE_CAP_AUTH },
	{ SMTP_CAP_CHUNKING, SMTPSCOPE_CAP_CHUNKING },
	{ SMTP_CAP_DSN, SMTPSCOPE_CAP_DSN },
	{ SMTP_CAP_SMTPUTF8, SMTPSCOPE_CAP_SMTPUTF8 },
	{ SMTP_CAP_ENHANCEDSTATUSCODES, SMTPSCOPE_CAP_ENHANCEDSTATUSCODES },
	{ SMTP_CAP_BINARYMIME, SMTPSCOPE_CAP_BINARYMIME },
	{ SMTP_CAP_VRFY, SMTPSCOPE_CAP_VRFY },
	{ SMTP_CAP_ETRN, SMTPSCOPE_CAP_ETRN },
	{ SMTP_CAP_XCLIENT, SMTPSCOPE_CAP_XCLIENT },
	{ SMTP_CAP_XFORWARD, SMTPSCOPE_CAP_XFORWARD },
	{ SMTP_CAP_REQUIRETLS, SMTPSCOPE_CAP_REQUIRETLS },
	{ SMTP_CAP_DELIVERBY, SMTPSCOPE_CAP_DELIVERBY },
	{ SMTP_CAP_HELP, SMTPSCOPE_CAP_HELP },
	{ SMTP_CAP_ATRN, SMTPSCOPE_CAP_ATRN },
};

enum smtpscope_verb
abi_verb(enum smtp_verb v)
{
	return (unsigned)v < SMTP_VERB_COUNT ? verb_map[v]
					     : SMTPSCOPE_VERB_UNKNOWN;
}

enum smtpscope_outcome
abi_outcome(enum smtp_outcome o)
{
	return (unsigned)o < SMTP_OUTCOME_COUNT ? outcome_map[o]
						: SMTPSCOPE_OUTCOME_NONE;
}

enum smtpscope_anomaly
abi_anomaly(enum smtp_anomaly k)
{
	/* Every internal anomaly has an ABI value (the unit test); past
	 * the table, a value no plugin knows. */
	return (unsigned)k < SMTP_ANOMALY_COUNT ? anomaly_map[k]
						: SMTPSCOPE_ANOMALY_COUNT;
}

enum smtpscope_session_end
abi_session_end(enum smtp_session_end e)
{
	switch (e) {
	case SMTP_SESSION_END_NONE:
		return SMTPSCOPE_END_NONE;
	case SMTP_SESSION_END_FIN:
		return SMTPSCOPE_END_FIN;
	case SMTP_SESSION_END_RST:
		return SMTPSCOPE_END_RST;
	case SMTP_SESSION_END_TIMEOUT:
		return SMTPSCOPE_END_TIMEOUT;
	case SMTP_SESSION_END_EOF:
		return SMTPSCOPE_END_EOF;
	case SMTP_SESSION_END_REUSED:
		return SMTPSCOPE_END_REUSED;
	}
	return SMTPSCOPE_END_NONE;
}

enum smtpscope_auth_result
abi_auth_result(enum smtp_auth_result r)
{
	switch (r) {
	case SMTP_AUTH_NONE:
		return SMTPSCOPE_AUTH_NONE;
	case SMTP_AUTH_PENDING:
		return SMTPSCOPE_AUTH_PENDING;
	case SMTP_AUTH_SUCCESS:
		return SMTPSCOPE_AUTH_SUCCESS;
	case SMTP_AUTH_FAILURE:
		return SMTPSCOPE_AUTH_FAILURE;
	case SMTP_AUTH_CANCELLED:
		return SMTPSCOPE_AUTH_CANCELLED;
	}
	return SMTPSCOPE_AUTH_NONE;
}

enum smtpscope_event_type
abi_event_type(enum smtp_event_type t)
{
	switch (t) {
	case SMTP_EV_SESSION_OPEN:
		return SMTPSCOPE_EV_SESSION_OPEN;
	case SMTP_EV_SESSION_CLOSE:
		return SMTPSCOPE_EV_SESSION_CLOSE;
	case SMTP_EV_COMMAND:
		return SMTPSCOPE_EV_COMMAND;
	case SMTP_EV_REPLY:
		return SMTPSCOPE_EV_REPLY;
	case SMTP_EV_TRANSACTION:
		return SMTPSCOPE_EV_TRANSACTION;
	case SMTP_EV_ANOMALY:
		return SMTPSCOPE_EV_ANOMALY;
	case SMTP_EV_BODY:
		return SMTPSCOPE_EV_BODY;
	case SMTP_EV_COMMAND_RESULT:
		return SMTPSCOPE_EV_COMMAND_RESULT;
	case SMTP_EV_MESSAGE:
		return SMTPSCOPE_EV_MESSAGE;
	case SMTP_EV_ALERT:
		return SMTPSCOPE_EV_ALERT;
	case SMTP_EV_ATTEMPT:
		return SMTPSCOPE_EV_ATTEMPT;
	}
	return SMTPSCOPE_EV_COUNT;
}

unsigned
abi_caps(unsigned internal_bits)
{
	unsigned out = 0;
	size_t i;

	for (i = 0; i < ARRAY_LEN(cap_map); i++)
		if (internal_bits & cap_map[i].internal)
			out |= cap_map[i].abi;
	return out;
}

unsigned
abi_loss(unsigned internal_bits)
{
	return ((internal_bits & SMTP_LOSS_GAP) ? SMTPSCOPE_LOSS_GAP : 0) |
	    ((internal_bits & SMTP_LOSS_KERNEL_DROPS)
		    ? SMTPSCOPE_LOSS_KERNEL_DROPS
		    : 0);
}

void
abi_health(const struct health *in, struct smtpscope_health *out)
{
	memset(out, 0, sizeof(*out));
	out->struct_size = sizeof(*out);
	out->now = in->now;
	out->live = in->live;
	out->packets = in->rs.packets;
	out->bytes = in->rs.bytes;
	out->pcap_drops = in->cs.pcap_drops;
	out->pcap_ifdrops = in->cs.pcap_ifdrops;
	out->sessions = in->rs.sessions;
	out->active_sessions = in->rs.active;
	out->gaps = in->rs.gaps;
	out->no_handshake = in->rs.no_handshake;
}

/* ---- names (host services) --------------------------------------------- */

const char *
abi_verb_name(enum smtpscope_verb v)
{
	unsigned i;

	for (i = 0; i < SMTP_VERB_COUNT; i++)
		if (verb_map[i] == v)
			return smtp_verb_name((enum smtp_verb)i);
	return "unknown";
}

const char *
abi_outcome_name(enum smtpscope_outcome o)
{
	unsigned i;

	for (i = 0; i < SMTP_OUTCOME_COUNT; i++)
		if (outcome_map[i] == o)
			return smtp_outcome_name((enum smtp_outcome)i);
	return "unknown";
}

const char *
abi_anomaly_name(enum smtpscope_anomaly a)
{
	unsigned i;

	for (i = 0; i < SMTP_ANOMALY_COUNT; i++)
		if (anomaly_map[i] == a)
			return smtp_anomaly_name((enum smtp_anomaly)i);
	return "unknown";
}

const char *
abi_session_end_name(enum smtpscope_session_end e)
{
	static const enum smtp_session_end all[] = { SMTP_SESSION_END_NONE,
		SMTP_SESSION_END_FIN, SMTP_SESSION_END_RST,
		SMTP_SESSION_END_TIMEOUT, SMTP_SESSION_END_EOF,
		SMTP_SESSION_END_REUSED };
	size_t i;

	for (i = 0; i < ARRAY_LEN(all); i++)
		if (abi_session_end(all[i]) == e)
			return session_end_name(all[i]);
	return "unknown";
}

const char *
abi_cap_name(unsigned bit_index)
{
	size_t i;
	unsigned k;

	if (bit_index >= 32)
		return NULL;
	for (i = 0; i < ARRAY_LEN(cap_map); i++) {
		if (cap_map[i].abi != 1u << bit_index)
			continue;
		for (k = 0; k < 32; k++)
			if (cap_map[i].internal == 1u << k)
				return smtp_cap_name(k);
	}
	return NULL;
}

void
abi_addr_str(const struct smtpscope_endpoint *ep, char *buf, size_t size)
{
	struct smtp_endpoint in;

	memset(&in, 0, sizeof(in));
	if (ep != NULL) {
		in.family = ep->family;
		memcpy(in.addr, ep->addr, sizeof(in.addr));
		in.port = ep->port;
	}
	endpoint_addr_str(&in, buf, size);
}

void
abi_host_services(struct smtpscope_host *host)
{
	host->abi = SMTPSCOPE_PLUGIN_ABI;
	host->struct_size = sizeof(*host);
	host->outcome_name = abi_outcome_name;
	host->verb_name = abi_verb_name;
	host->anomaly_name = abi_anomaly_name;
	host->session_end_name = abi_session_end_name;
	host->cap_name = abi_cap_name;
	host->addr_str = abi_addr_str;
	host->fate_name = abi_fate_name;
}

/* ---- the structures ---------------------------------------------------- */

#define ABI_BLOCK (64u << 10)

struct abi_block {
	struct abi_block *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
};

static struct abi_block *
block_new(size_t cap)
{
	struct abi_block *b = xmalloc(sizeof(*b) + cap);

	b->next = NULL;
	b->used = 0;
	b->cap = cap;
	return b;
}

void
abi_init(struct abi *a)
{
	memset(a, 0, sizeof(*a));
	a->blocks = a->cur = block_new(ABI_BLOCK);
}

void
abi_free(struct abi *a)
{
	struct abi_block *b, *next;

	for (b = a->blocks; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	memset(a, 0, sizeof(*a));
}

/* Everything of the last event given back; the first block kept. */
static void
reset(struct abi *a)
{
	struct abi_block *b, *next;

	for (b = a->blocks->next; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->blocks->next = NULL;
	a->blocks->used = 0;
	a->cur = a->blocks;
}

/* n zeroed bytes aligned for any member, valid until the next event. */
static void *
take(struct abi *a, size_t n)
{
	struct abi_block *b = a->cur;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (b->cap - b->used < n) {
		b = block_new(n > ABI_BLOCK ? n : ABI_BLOCK);
		a->cur->next = b;
		a->cur = b;
	}
	p = b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

static const struct smtpscope_reply *
tr_reply(struct abi *a, const struct smtp_reply *r)
{
	struct smtpscope_reply *o = take(a, sizeof(*o));

	o->struct_size = sizeof(*o);
	o->code = r->code;
	memcpy(o->enh, r->enh, sizeof(o->enh));
	o->enh[sizeof(o->enh) - 1] = '\0';
	o->text = r->text;
	o->latency = r->latency;
	return o;
}

static const struct smtpscope_message *
tr_message(struct abi *a, const struct smtp_msg_info *m)
{
	struct smtpscope_message *o = take(a, sizeof(*o));
	const struct smtpscope_received **rp = NULL;
	const struct smtpscope_dsn_rcpt **dp = NULL;
	size_t i;

	o->struct_size = sizeof(*o);
	o->date = m->date;
	o->from = m->from;
	o->to = m->to;
	o->cc = m->cc;
	o->reply_to = m->reply_to;
	o->msg_id = m->msg_id;
	o->in_reply_to = m->in_reply_to;
	o->subject = m->subject;
	o->subject_decoded = m->subject_decoded;
	o->subject_words_undecoded = m->subject_words_undecoded;
	o->return_path = m->return_path;
	o->x_originating_ip = m->x_originating_ip;
	o->x_originating_ip_raw = m->x_originating_ip_raw;
	o->user_agent = m->user_agent;
	o->user_agent_is_x_mailer = m->user_agent_is_x_mailer;
	o->content_type = m->content_type;
	o->received = (const char *const *)m->received;
	if (m->nreceived > 0 && m->received_parts != NULL) {
		rp = take(a, m->nreceived * sizeof(*rp));
		for (i = 0; i < m->nreceived; i++) {
			const struct smtp_received *in = &m->received_parts[i];
			struct smtpscope_received *r = take(a, sizeof(*r));

			r->struct_size = sizeof(*r);
			r->from = in->from;
			r->by = in->by;
			r->via = in->via;
			r->with = in->with;
			r->id = in->id;
			r->for_ = in->for_;
			r->date = in->date;
			rp[i] = r;
		}
	}
	o->received_parts = rp;
	o->nreceived = m->nreceived;
	o->received_dropped = m->received_dropped;
	o->path = (const char *const *)m->path;
	o->npath = m->npath;
	o->headers_done = m->headers_done;
	o->headers_truncated = m->headers_truncated;
	o->header_lines = m->header_lines;
	o->headers_skipped = m->headers_skipped;
	o->header_malformed = m->header_malformed;
	o->header_bytes = m->header_bytes;
	o->values_truncated = m->values_truncated;
	o->lines_truncated = m->lines_truncated;
	o->size = m->size;
	o->is_dsn = m->is_dsn;
	o->dsn_part_seen = m->dsn_part_seen;
	o->dsn_boundary_unusable = m->dsn_boundary_unusable;
	o->dsn_reporting_mta = m->dsn_reporting_mta;
	o->dsn_arrival_date = m->dsn_arrival_date;
	if (m->ndsn > 0 && m->dsn != NULL) {
		dp = take(a, m->ndsn * sizeof(*dp));
		for (i = 0; i < m->ndsn; i++) {
			const struct smtp_dsn_rcpt *in = &m->dsn[i];
			struct smtpscope_dsn_rcpt *d = take(a, sizeof(*d));

			d->struct_size = sizeof(*d);
			d->final_recipient = in->final_recipient;
			d->original_recipient = in->original_recipient;
			d->action = in->action;
			d->status = in->status;
			d->diagnostic = in->diagnostic;
			d->remote_mta = in->remote_mta;
			dp[i] = d;
		}
	}
	o->dsn = dp;
	o->ndsn = dp != NULL ? m->ndsn : 0;
	o->dsn_dropped = m->dsn_dropped;
	return o;
}

enum smtpscope_fate
abi_fate(enum smtp_fate f)
{
	switch (f) {
	case SMTP_FATE_DELIVERED:
		return SMTPSCOPE_FATE_DELIVERED;
	case SMTP_FATE_REJECTED:
		return SMTPSCOPE_FATE_REJECTED;
	case SMTP_FATE_DEFERRED:
		return SMTPSCOPE_FATE_DEFERRED;
	case SMTP_FATE_DROPPED:
		return SMTPSCOPE_FATE_DROPPED;
	case SMTP_FATE_QUEUED:
		return SMTPSCOPE_FATE_QUEUED;
	case SMTP_FATE_BOUNCED:
		return SMTPSCOPE_FATE_BOUNCED;
	default:
		return SMTPSCOPE_FATE_UNKNOWN;
	}
}

const char *
abi_fate_name(enum smtpscope_fate f)
{
	static const enum smtp_fate all[] = { SMTP_FATE_UNKNOWN,
		SMTP_FATE_DELIVERED, SMTP_FATE_REJECTED, SMTP_FATE_DEFERRED,
		SMTP_FATE_DROPPED, SMTP_FATE_QUEUED, SMTP_FATE_BOUNCED };
	size_t i;

	for (i = 0; i < ARRAY_LEN(all); i++)
		if (abi_fate(all[i]) == f)
			return smtp_fate_name(all[i]);
	return "unknown";
}

/* A tracked message (SMTP_EV_MESSAGE): its hops and recipients, each a
 * structure of its own behind an array of pointers. */
static const struct smtpscope_tracked *
tr_tracked(struct abi *a, const struct smtp_message *m)
{
	struct smtpscope_tracked *o = take(a, sizeof(*o));
	const struct smtpscope_tracked_hop **hops;
	const struct smtpscope_tracked_rcpt **rcpts;
	size_t i;

	o->struct_size = sizeof(*o);
	o->id = m->id;
	o->ts = m->ts;
	o->ts_end = m->ts_end;
	o->message_id = m->message_id;
	o->mail_from = m->mail_from;
	o->envid = m->envid;
	o->size = m->size;
	o->dsn = m->dsn;
	o->bounce_of = m->bounce_of;
	o->settled = m->settled;
	o->partial = m->partial;
	o->nhops = m->nhops;
	o->hops_dropped = m->hops_dropped;
	o->nrcpt = m->nrcpt;
	o->rcpts_dropped = m->rcpts_dropped;
	hops = take(a, (m->nhops + 1) * sizeof(*hops));
	for (i = 0; i < m->nhops; i++) {
		const struct smtp_msg_hop *h = &m->hops[i];
		struct smtpscope_tracked_hop *oh = take(a, sizeof(*oh));

		oh->struct_size = sizeof(*oh);
		oh->session_id = h->session_id;
		oh->trans_depth = h->trans_depth;
		oh->ts = h->ts;
		oh->ts_end = h->ts_end;
		tr_endpoint(&oh->client, &h->client);
		tr_endpoint(&oh->server, &h->server);
		oh->server_name = h->server_name;
		oh->queue_id = h->queue_id;
		oh->from_hop = h->from_hop;
		oh->link =
		    h->from_hop >= 0 ? smtp_hop_link_name(h->link) : NULL;
		oh->queue_time = h->queue_time;
		oh->final_code = h->final_code;
		oh->outcome = abi_outcome(h->outcome);
		oh->partial = h->partial;
		hops[i] = oh;
	}
	o->hops = hops;
	rcpts = take(a, (m->nrcpt + 1) * sizeof(*rcpts));
	for (i = 0; i < m->nrcpt; i++) {
		const struct smtp_msg_rcpt *r = &m->rcpts[i];
		struct smtpscope_tracked_rcpt *orc = take(a, sizeof(*orc));

		orc->struct_size = sizeof(*orc);
		orc->addr = r->addr;
		orc->fate = abi_fate(r->fate);
		orc->hop = r->hop;
		orc->code = r->code;
		memcpy(orc->enh, r->enh, sizeof(orc->enh));
		orc->enh[sizeof(orc->enh) - 1] = '\0';
		orc->text = r->text;
		orc->attempts = r->attempts;
		orc->deferrals = r->deferrals;
		orc->bounce = r->bounce;
		orc->bounce_link = r->bounce_link;
		orc->bounce_action = r->bounce_action;
		orc->bounce_status = r->bounce_status;
		orc->bounce_diagnostic = r->bounce_diagnostic;
		orc->bounce_missing = r->bounce_owed && r->bounce == 0;
		rcpts[i] = orc;
	}
	o->rcpts = rcpts;
	return o;
}

static const struct smtpscope_transaction *
tr_transaction(struct abi *a, const struct smtp_transaction *t)
{
	struct smtpscope_transaction *o = take(a, sizeof(*o));
	struct smtpscope_mail_params *p = take(a, sizeof(*p));
	const struct smtpscope_refused **rf = NULL;
	const struct smtpscope_rcpt **rc = NULL;
	size_t i;

	o->struct_size = sizeof(*o);
	o->depth = t->depth;
	o->ts = t->ts;
	o->ts_end = t->ts_end;
	o->verb = abi_verb(t->verb);
	o->mail_from = t->mail_from;
	o->helo = t->helo;
	o->reversed = t->reversed;
	o->lmtp = t->lmtp;
	o->assumed = t->assumed;
	o->capture_loss = abi_loss(t->capture_loss);
	o->submission_no_auth = t->submission_no_auth;
	if (t->nrefused > 0 && t->refused != NULL) {
		rf = take(a, t->nrefused * sizeof(*rf));
		for (i = 0; i < t->nrefused; i++) {
			struct smtpscope_refused *r = take(a, sizeof(*r));

			r->struct_size = sizeof(*r);
			r->verb = abi_verb(t->refused[i].verb);
			r->arg = t->refused[i].arg;
			r->reply = tr_reply(a, &t->refused[i].reply);
			rf[i] = r;
		}
	}
	o->refused = rf;
	o->nrefused = rf != NULL ? t->nrefused : 0;
	p->struct_size = sizeof(*p);
	p->size = t->params.size;
	memcpy(p->body, t->params.body, sizeof(p->body));
	p->body[sizeof(p->body) - 1] = '\0';
	memcpy(p->ret, t->params.ret, sizeof(p->ret));
	p->ret[sizeof(p->ret) - 1] = '\0';
	p->smtputf8 = t->params.smtputf8;
	p->requiretls = t->params.requiretls;
	p->envid = t->params.envid;
	p->auth = t->params.auth;
	o->params = p;
	o->mail = tr_reply(a, &t->mail);
	if (t->nrcpt > 0 && t->rcpt != NULL) {
		rc = take(a, t->nrcpt * sizeof(*rc));
		for (i = 0; i < t->nrcpt; i++) {
			const struct smtp_rcpt *in = &t->rcpt[i];
			struct smtpscope_rcpt *r = take(a, sizeof(*r));

			r->struct_size = sizeof(*r);
			r->addr = in->addr;
			r->reply = tr_reply(a, &in->reply);
			r->notify = in->notify;
			r->orcpt = in->orcpt;
			r->delivery = tr_reply(a, &in->delivery);
			rc[i] = r;
		}
	}
	o->rcpt = rc;
	o->nrcpt = rc != NULL ? t->nrcpt : 0;
	o->rcpt_total = t->rcpt_total;
	o->rcpt_accepted = t->rcpt_accepted;
	o->data = tr_reply(a, &t->data);
	o->final = tr_reply(a, &t->final);
	o->last_code = t->last_code;
	o->last_text = t->last_text;
	o->lmtp_delivered = t->lmtp_delivered;
	o->data_seen = t->data_seen;
	o->data_complete = t->data_complete;
	o->bdat = t->bdat;
	o->bdat_chunks = t->bdat_chunks;
	o->size = t->size;
	o->bounce = t->bounce;
	o->msg = t->msg != NULL ? tr_message(a, t->msg) : NULL;
	o->outcome = abi_outcome(t->outcome);
	o->ended_by = t->ended_by;
	o->queue_id = t->queue_id;
	o->queue_id_form = t->queue_id_form;
	o->partial = t->partial;
	return o;
}

static const struct smtpscope_command_result *
tr_result(struct abi *a, const struct smtp_command_result *r)
{
	struct smtpscope_command_result *o = take(a, sizeof(*o));

	o->struct_size = sizeof(*o);
	o->verb = abi_verb(r->verb);
	o->arg = r->arg;
	o->arg_len = r->arg_len;
	o->ts = r->ts;
	o->reversed = r->reversed;
	o->reply = tr_reply(a, &r->reply);
	o->lines = (const char *const *)r->lines;
	o->nlines = r->lines != NULL ? r->nlines : 0;
	o->lines_dropped = r->lines_dropped;
	return o;
}

static void
tr_endpoint(struct smtpscope_endpoint *o, const struct smtp_endpoint *e)
{
	o->family = e->family;
	memcpy(o->addr, e->addr, sizeof(o->addr));
	o->port = e->port;
}

static const struct smtpscope_session *
tr_session(struct abi *a, const struct smtp_session_info *s)
{
	struct smtpscope_session *o = &a->session;
	struct smtpscope_tls *t = &a->tls;

	memset(o, 0, sizeof(*o));
	memset(t, 0, sizeof(*t));
	o->struct_size = sizeof(*o);
	o->id = s->id;
	tr_endpoint(&o->client, &s->client);
	tr_endpoint(&o->server, &s->server);
	o->ts_open = s->ts_open;
	o->ts_close = s->ts_close;
	o->bytes_client = s->bytes_client;
	o->bytes_server = s->bytes_server;
	o->transactions = s->transactions;
	o->end = abi_session_end(s->end);
	o->helo = s->helo != NULL ? s->helo : "";
	o->ehlo = s->ehlo;
	o->lmtp = s->lmtp;
	o->reversed = s->reversed;
	o->turn_verb = abi_verb(s->turn_verb);
	o->submission = s->submission;
	o->greeting_code = s->greeting_code;
	o->greeting_host = s->greeting_host;
	o->greeting_text = s->greeting_text;
	o->greeting_latency = s->greeting_latency;
	o->caps = abi_caps(s->caps);
	o->size_limit = s->size_limit;
	o->auth_mechs = s->auth_mechs;
	o->starttls = s->starttls;
	o->tls = s->tls;
	o->implicit_tls = s->implicit_tls;
	t->struct_size = sizeof(*t);
	t->seen = s->tls_meta.seen;
	t->client_version = s->tls_meta.client_version;
	t->version = s->tls_meta.version;
	t->cipher = s->tls_meta.cipher;
	t->sni = s->tls_meta.sni;
	o->tls_meta = t;
	o->auth_mech = s->auth_mech;
	o->auth_user = s->auth_user;
	o->auth_result = abi_auth_result(s->auth_result);
	o->auth_code = s->auth_code;
	o->auth_attempts = s->auth_attempts;
	o->auth_failures = s->auth_failures;
	o->auth_cleartext = s->auth_cleartext;
	o->commands = s->commands;
	o->replies = s->replies;
	o->anomalies = s->anomalies;
	o->uid = s->uid;
	o->community_id = s->community_id;
	o->midstream = s->midstream;
	o->missing = s->missing == SMTP_MISSING_SERVER ? "server"
	    : s->missing == SMTP_MISSING_CLIENT        ? "client"
						       : NULL;
	return o;
}

/* The ABI numbers the alert kinds as the model does; one table all the
 * same, so that the model may move. */
enum smtpscope_alert_kind
abi_alert_kind(enum smtp_alert_kind k)
{
	static const enum smtpscope_alert_kind map[SMTP_ALERT_COUNT] = {
		[SMTP_ALERT_REJECT_RATE] = SMTPSCOPE_ALERT_REJECT_RATE,
		[SMTP_ALERT_TEMPFAIL_RATE] = SMTPSCOPE_ALERT_TEMPFAIL_RATE,
		[SMTP_ALERT_LOST_RATE] = SMTPSCOPE_ALERT_LOST_RATE,
		[SMTP_ALERT_AUTH_FAILURES] = SMTPSCOPE_ALERT_AUTH_FAILURES,
		[SMTP_ALERT_GREETING_LATENCY] =
		    SMTPSCOPE_ALERT_GREETING_LATENCY,
		[SMTP_ALERT_FINAL_LATENCY] = SMTPSCOPE_ALERT_FINAL_LATENCY,
		[SMTP_ALERT_KERNEL_DROPS] = SMTPSCOPE_ALERT_KERNEL_DROPS,
		[SMTP_ALERT_CONNECT_FAILURES] =
		    SMTPSCOPE_ALERT_CONNECT_FAILURES,
	};

	return (unsigned)k < SMTP_ALERT_COUNT ? map[k] : SMTPSCOPE_ALERT_COUNT;
}

static const struct smtpscope_alert *
tr_alert(struct abi *a, const struct smtp_alert *in)
{
	struct smtpscope_alert *o = &a->alert;

	memset(o, 0, sizeof(*o));
	o->struct_size = sizeof(*o);
	o->kind = abi_alert_kind(in->kind);
	o->name = smtp_alert_kind_name(in->kind);
	o->raised = in->raised;
	o->id = in->id;
	o->subject = in->subject;
	o->value = in->value;
	o->threshold = in->threshold;
	o->latency_limit = in->latency_limit;
	o->samples = in->samples;
	o->window = in->window;
	return o;
}

static const struct smtpscope_attempt *
tr_attempt(struct abi *a, const struct smtp_attempt *in)
{
	struct smtpscope_attempt *o = &a->attempt;

	memset(o, 0, sizeof(*o));
	o->struct_size = sizeof(*o);
	o->refused = in->result == SMTP_ATTEMPT_REFUSED;
	o->result = smtp_attempt_result_name(in->result);
	o->ts = in->ts;
	o->ts_end = in->ts_end;
	o->waited = in->waited;
	tr_endpoint(&o->client, &in->client);
	tr_endpoint(&o->server, &in->server);
	o->syns = in->syns;
	o->at_end = in->at_end;
	o->community_id = in->community_id;
	return o;
}

const struct smtpscope_event *
abi_event(struct abi *a, const struct smtp_event *ev)
{
	struct smtpscope_event *o = &a->ev;

	reset(a);
	memset(o, 0, sizeof(*o));
	o->struct_size = sizeof(*o);
	o->type = abi_event_type(ev->type);
	o->ts = ev->ts;
	o->session = ev->session != NULL ? tr_session(a, ev->session) : NULL;
	switch (ev->type) {
	case SMTP_EV_TRANSACTION:
		o->u.tx = tr_transaction(a, ev->u.tx);
		break;
	case SMTP_EV_COMMAND_RESULT:
		o->u.result = tr_result(a, ev->u.result);
		break;
	case SMTP_EV_COMMAND:
		o->u.command.verb = abi_verb(ev->u.command.verb);
		o->u.command.line = ev->u.command.line;
		o->u.command.len = ev->u.command.len;
		o->u.command.arg = ev->u.command.arg;
		o->u.command.arg_len = ev->u.command.arg_len;
		o->u.command.path = ev->u.command.path;
		break;
	case SMTP_EV_REPLY:
		o->u.reply.verb = abi_verb(ev->u.reply.verb);
		o->u.reply.code = ev->u.reply.code;
		o->u.reply.text = ev->u.reply.text;
		o->u.reply.len = ev->u.reply.len;
		o->u.reply.lines = ev->u.reply.lines;
		o->u.reply.last_text = ev->u.reply.last_text;
		o->u.reply.last_len = ev->u.reply.last_len;
		o->u.reply.granted = ev->u.reply.granted;
		memcpy(o->u.reply.enh, ev->u.reply.enh, sizeof(o->u.reply.enh));
		o->u.reply.enh[sizeof(o->u.reply.enh) - 1] = '\0';
		o->u.reply.last_chunk = ev->u.reply.last_chunk;
		o->u.reply.latency = ev->u.reply.latency;
		o->u.reply.meaning =
		    smtp_reply_meaning(ev->u.reply.code, ev->u.reply.verb);
		break;
	case SMTP_EV_ANOMALY:
		o->u.anomaly.kind = abi_anomaly(ev->u.anomaly.kind);
		break;
	case SMTP_EV_BODY:
		o->u.body.data = ev->u.body.data;
		o->u.body.len = ev->u.body.len;
		o->u.body.offset = ev->u.body.offset;
		o->u.body.depth = ev->u.body.depth;
		break;
	case SMTP_EV_MESSAGE:
		o->u.tracked = tr_tracked(a, ev->u.message);
		break;
	case SMTP_EV_ALERT:
		o->u.alert = tr_alert(a, ev->u.alert);
		break;
	case SMTP_EV_ATTEMPT:
		o->u.attempt = tr_attempt(a, ev->u.attempt);
		break;
	case SMTP_EV_SESSION_OPEN:
	case SMTP_EV_SESSION_CLOSE:
		break;
	}
	return o;
}

void
abi_record_event(struct smtpscope_event *ev, char tname[ABI_RECORD_TYPE_MAX],
    double ts, const char *type, size_t type_len, const char *json, size_t len)
{
	/* Records' types are short words; a longer one is cut, never read
	 * past. */
	if (type_len >= ABI_RECORD_TYPE_MAX)
		type_len = ABI_RECORD_TYPE_MAX - 1;
	memcpy(tname, type, type_len);
	tname[type_len] = '\0';
	memset(ev, 0, sizeof(*ev));
	ev->struct_size = sizeof(*ev);
	ev->type = SMTPSCOPE_EV_RECORD;
	ev->ts = ts;
	ev->u.record.type = tname;
	ev->u.record.json = json;
	ev->u.record.len = len;
}
