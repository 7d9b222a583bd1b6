/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sinks/jsonlog.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/health.h"
#include "sinks/stats.h"

#define JSONLOG_LINE_MAX (4u << 20) /* one record, all recipients */
/* Records are built one after the other in one buffer and handed to
 * stdio in blocks of this much: stdio then writes them without copying
 * (the JSON log is most of what a full analysis writes). */
#define JSONLOG_BATCH (1u << 20)

int
jsonlog_open(struct jsonlog *log, const char *path, char *err, size_t errlen)
{
	memset(log, 0, sizeof(*log));
	log->is_stdout = strcmp(path, "-") == 0;
	return recfile_open(&log->out, path, "the log", JSONLOG_BATCH,
	    JSONLOG_LINE_MAX, err, errlen);
}

void
jsonlog_open_records(struct jsonlog *log)
{
	memset(log, 0, sizeof(*log));
	log->records_only = true;
	log->out.fd = -1;
	dbuf_init(&log->out.buf, 2 * (size_t)JSONLOG_LINE_MAX);
}

int
jsonlog_reopen(struct jsonlog *log, const char *path, char *err, size_t errlen)
{
	struct recfile next;

	if (recfile_open_append(&next, path, "the log", JSONLOG_BATCH,
		JSONLOG_LINE_MAX, err, errlen) != 0)
		return -1;
	next.say = log->out.say;
	next.say_arg = log->out.say_arg;
	if (log->out.name != NULL) {
		(void)recfile_close(&log->out);
		log->closed_not_written += log->out.not_written;
	}
	log->out = next;
	return 0;
}

/* ,"name": before a value; name is a string literal. Records are built
 * with these appends, never printf: the log is the hot path's output. */
#define KEY(b, name) DBUF_LIT(b, ",\"" name "\":")

/*
 * ,"name":null: the key of a value that may be null and the null in one
 * literal, and its length. A value that is there is written after all
 * but the literal's last four bytes, the key; a null is one append, the
 * whole literal (a record has dozens).
 */
#define KEY_NULL(name) ",\"" name "\":null", sizeof(",\"" name "\":null") - 1
#define NULL_LEN 4 /* "null" */

/* The key and the value, true or false, one literal. */
#define PUT_BOOL(b, name, v) \
	((v) ? DBUF_LIT(b, ",\"" name "\":true") \
	     : DBUF_LIT(b, ",\"" name "\":false"))

/*
 * A span: members of a record whose longest text is known (keys,
 * numbers, timestamps, booleans, nulls; never a string from the wire),
 * their room checked once and then written at o without a check. With
 * no room for the longest, near the buffer's end, they are written
 * aside and added as one piece, which is cut at max as their appends
 * one by one would be. The room a span takes is the sum of its
 * members' *_MAX, checked against SPAN_MAX when it is compiled.
 */
#define SPAN_MAX 256

struct span {
	char *o0;    /* where the span begins in the buffer, or NULL */
	char *start; /* where it is written: o0, or aside */
	size_t max;
	char aside[SPAN_MAX];
};

/* A span wrote more than the room it took: its sum of *_MAX is wrong
 * (a member added without its maximum). Seen once the span is written,
 * so the bytes past its room are already there: the program stops at
 * once rather than go on with them, but only a right sum keeps them
 * from being written at all. */
static __attribute__((noinline, noreturn, cold)) void
span_overrun(size_t wrote, size_t max)
{
	fprintf(stderr,
	    "smtpscope: internal error: a JSON record's fixed part took %zu "
	    "bytes, more than the %zu it counted on\n",
	    wrote, max);
	abort();
}

/* n bytes written aside, near the buffer's end, added (and cut) as one
 * piece: rare, out of its many callers' lines. */
static __attribute__((noinline, cold)) void
span_add_aside(struct dbuf *b, const char *aside, size_t n)
{
	dbuf_add(b, aside, n);
}

static inline char *
span_open(struct dbuf *b, struct span *sp, size_t max)
{
	sp->o0 = dbuf_space(b, max);
	sp->start = sp->o0 != NULL ? sp->o0 : sp->aside;
	sp->max = max;
	return sp->start;
}

#define SPAN_OPEN(b, sp, max) \
	((void)sizeof(char[(max) <= SPAN_MAX ? 1 : -1]), span_open(b, sp, max))

static inline void
span_close(struct dbuf *b, struct span *sp, char *o)
{
	size_t wrote = (size_t)(o - sp->start);

	if (wrote > sp->max)
		span_overrun(wrote, sp->max);
	if (sp->o0 != NULL)
		b->len = (size_t)(o - b->p);
	else
		span_add_aside(b, sp->aside, (size_t)(o - sp->aside));
}

/* Each member at o, and the most it writes. */
#define KEY_MAX(name) (sizeof(",\"" name "\":") - 1)
#define S_U64(o, name, v) u64_put(PUT_LIT(o, ",\"" name "\":"), v)
#define S_U64_MAX(name) (KEY_MAX(name) + U64_PUT_MAX)
#define S_TS(o, name, v) fixed6_put(PUT_LIT(o, ",\"" name "\":"), v)
#define S_TS_MAX(name) (KEY_MAX(name) + FIXED6_PUT_MAX)
#define S_BOOL(o, name, v) \
	((v) ? PUT_LIT(o, ",\"" name "\":true") \
	     : PUT_LIT(o, ",\"" name "\":false"))
#define S_BOOL_MAX(name) (KEY_MAX(name) + sizeof("false") - 1)
/* A reply code, or null. */
#define S_CODE(o, name, code) \
	((code) > 0 ? u64_put(PUT_LIT(o, ",\"" name "\":"), (uint64_t)(code)) \
		    : PUT_LIT(o, ",\"" name "\":null"))
#define S_CODE_MAX(name) S_U64_MAX(name)
/* A latency, or null. */
#define S_LATENCY(o, name, v) \
	((v) >= 0 ? fixed6_put(PUT_LIT(o, ",\"" name "\":"), v) \
		  : PUT_LIT(o, ",\"" name "\":null"))
#define S_LATENCY_MAX(name) S_TS_MAX(name)

/* One member as a span of its own (S_x() and S_x_MAX()). */
#define PUT_SPAN(b, S, SMAX, name, v) \
	do { \
		struct span sp_; \
		char *o_ = SPAN_OPEN(b, &sp_, SMAX(name)); \
		span_close(b, &sp_, S(o_, name, v)); \
	} while (0)
#define PUT_U64(b, name, v) PUT_SPAN(b, S_U64, S_U64_MAX, name, v)
#define PUT_TS(b, name, ts) PUT_SPAN(b, S_TS, S_TS_MAX, name, ts)

/* A non-negative number of seconds with six decimals. */
static void
put_fixed6_val(struct dbuf *b, double v)
{
	dbuf_add_fixed6(b, v);
}

/*
 * The four keys a session's every record repeats, as last written for
 * the same two endpoints (a session writes several records, others in
 * between): a small cache keyed by the endpoints' values themselves.
 */
#define EP_CACHE 64
#define EP_TEXT_MAX 192

static struct ep_cached {
	struct smtp_endpoint c, s;
	uint8_t len; /* 0: empty */
	char text[EP_TEXT_MAX];
} ep_cache[EP_CACHE];

static bool
ep_same(const struct smtp_endpoint *a, const struct smtp_endpoint *b)
{
	return a->port == b->port && a->family == b->family &&
	    memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/* The cache's entry for the endpoints of si; its text is theirs when
 * ep_hit() says so. */
static inline struct ep_cached *
ep_slot(const struct smtp_session_info *si, bool reversed)
{
	const struct smtp_endpoint *c = reversed ? &si->server : &si->client;
	const struct smtp_endpoint *s = reversed ? &si->client : &si->server;

	return &ep_cache[(c->port ^ (unsigned)s->port << 3 ^ c->addr[15] ^
			     s->addr[15]) %
	    EP_CACHE];
}

static inline bool
ep_hit(const struct ep_cached *e, const struct smtp_session_info *si,
    bool reversed)
{
	return e->len > 0 &&
	    ep_same(&e->c, reversed ? &si->server : &si->client) &&
	    ep_same(&e->s, reversed ? &si->client : &si->server);
}

/* The longest text of the endpoints: the four keys, two addresses and
 * two ports. */
#define EP_TEXT_LONGEST \
	(sizeof(",\"client_ip\":\"\",\"client_port\":") - 1 + \
	    sizeof(",\"server_ip\":\"\",\"server_port\":") - 1 + \
	    2 * ENDPOINT_ADDRSTRLEN + 2 * (sizeof("65535") - 1))
_Static_assert(EP_TEXT_LONGEST < EP_TEXT_MAX, "EP_TEXT_MAX");

/* The endpoints' text not in the cache: written in e, then added. The
 * SMTP client and server: after TURN/ATRN (reversed) the TCP server is
 * the side that sends the mail. */
static void
put_endpoints_miss(struct dbuf *b, struct ep_cached *e,
    const struct smtp_session_info *si, bool reversed)
{
	const struct smtp_endpoint *c = reversed ? &si->server : &si->client;
	const struct smtp_endpoint *s = reversed ? &si->client : &si->server;
	const char *ctext = reversed ? si->server_ip : si->client_ip;
	const char *stext = reversed ? si->client_ip : si->server_ip;
	char *o = e->text;
	size_t n;

	_Static_assert(sizeof(si->client_ip) == ENDPOINT_ADDRSTRLEN &&
		sizeof(si->server_ip) == ENDPOINT_ADDRSTRLEN &&
		sizeof(c->port) == 2,
	    "EP_TEXT_LONGEST");
	o = PUT_LIT(o, ",\"client_ip\":\"");
	n = strnlen(ctext, ENDPOINT_ADDRSTRLEN);
	memcpy(o, ctext, n);
	o = u64_put(PUT_LIT(o + n, "\",\"client_port\":"), c->port);
	o = PUT_LIT(o, ",\"server_ip\":\"");
	n = strnlen(stext, ENDPOINT_ADDRSTRLEN);
	memcpy(o, stext, n);
	o = u64_put(PUT_LIT(o + n, "\",\"server_port\":"), s->port);
	n = (size_t)(o - e->text);
	/* Kept for the next record unless it was cut. */
	e->len = 0;
	if (dbuf_add(b, e->text, n)) {
		e->len = (uint8_t)n;
		e->c = *c;
		e->s = *s;
	}
}

#define PUT_CODE(b, name, code) PUT_SPAN(b, S_CODE, S_CODE_MAX, name, code)

static struct dbuf *
begin_record(struct jsonlog *log)
{
	return recfile_begin(&log->out);
}

/* The record just built (from rec_start, newline included) to
 * on_record: its type is the first member every record begins with. */
static void
deliver(struct jsonlog *log)
{
	const struct dbuf *b = &log->out.buf;
	const char *rec = b->p + log->out.rec_start;
	size_t n = b->len - log->out.rec_start - 1;
	const char *type = "", *end;

	if (n > 9 && memcmp(rec, "{\"type\":\"", 9) == 0 &&
	    (end = memchr(rec + 9, '"', n - 9)) != NULL)
		type = rec + 9;
	else
		end = type;
	log->on_record(
	    log->on_record_arg, log->ts, type, (size_t)(end - type), rec, n);
}

static void
write_line(struct jsonlog *log)
{
	struct dbuf *b = &log->out.buf;

	dbuf_addc(b, '\n');
	if (b->truncated || b->len - log->out.rec_start > JSONLOG_LINE_MAX) {
		/* Never a cut JSON object: say what was lost instead. */
		b->len = log->out.rec_start;
		b->truncated = false;
		dbuf_adds(
		    b, "{\"type\":\"error\",\"error\":\"record too large\"}\n");
	}
	if (log->on_record != NULL)
		deliver(log);
	if (log->records_only) {
		b->len = log->out.rec_start;
		return;
	}
	recfile_end(&log->out, true);
}

/* The key and a string, or null (see KEY_NULL). */
static __attribute__((noinline)) void
put_str_or_null(struct dbuf *b, const char *keynull, size_t n, const char *v)
{
	char *o;

	if (v != NULL) {
		json_append_member(b, keynull, n - NULL_LEN, v);
		return;
	}
	o = dbuf_space(b, n);
	if (o == NULL) {
		dbuf_add_slow(b, keynull, n);
		return;
	}
	copy_short(o, keynull, n);
	b->len += n;
}

/* "name":"value" or "name":null; FIRST_STR for the first key of an
 * object (no comma before it). */
#define PUT_STR(b, name, v) put_str_or_null(b, KEY_NULL(name), v)
#define FIRST_STR(b, name, v) \
	put_str_or_null( \
	    b, "\"" name "\":null", sizeof("\"" name "\":null") - 1, v)

#define PUT_LATENCY(b, name, v) PUT_SPAN(b, S_LATENCY, S_LATENCY_MAX, name, v)

/* A reply kept on a transaction: "<p>_code", "<p>_enh", "<p>_text". */
#define PUT_REPLY(b, prefix, r) \
	do { \
		PUT_CODE(b, prefix "_code", (r)->code); \
		PUT_STR(b, prefix "_enh", (r)->enh[0] ? (r)->enh : NULL); \
		PUT_STR(b, prefix "_text", (r)->code ? (r)->text : NULL); \
	} while (0)

static void
put_str_array_val(struct dbuf *b, char *const *v, size_t n)
{
	size_t i;

	dbuf_addc(b, '[');
	for (i = 0; i < n; i++) {
		if (i > 0)
			dbuf_addc(b, ',');
		json_append_cstr(b, v[i]);
	}
	dbuf_addc(b, ']');
}

static void put_dsn(struct dbuf *b, const struct smtp_msg_info *m);

static void
put_headers(struct dbuf *b, const struct smtp_msg_info *m)
{
	size_t i;

	if (m == NULL || (m->header_lines == 0 && !m->headers_done)) {
		DBUF_LIT(b, ",\"headers\":null");
		return;
	}
	DBUF_LIT(b, ",\"headers\":{");
	FIRST_STR(b, "date", m->date);
	PUT_STR(b, "from", m->from);
	PUT_STR(b, "to", m->to);
	PUT_STR(b, "cc", m->cc);
	PUT_STR(b, "reply_to", m->reply_to);
	PUT_STR(b, "msg_id", m->msg_id);
	PUT_STR(b, "in_reply_to", m->in_reply_to);
	PUT_STR(b, "subject", m->subject_decoded);
	PUT_STR(b, "x_originating_ip", m->x_originating_ip);
	PUT_STR(b, "user_agent", m->user_agent);
	PUT_U64(b, "subject_words_undecoded", m->subject_words_undecoded);
	PUT_STR(b, "return_path", m->return_path);
	KEY(b, "received");
	put_str_array_val(b, m->received, m->nreceived);
	DBUF_LIT(b, ",\"received_parts\":[");
	for (i = 0; m->received_parts != NULL && i < m->nreceived; i++) {
		const struct smtp_received *r = &m->received_parts[i];

		if (i > 0)
			dbuf_addc(b, ',');
		dbuf_addc(b, '{');
		FIRST_STR(b, "from", r->from);
		PUT_STR(b, "by", r->by);
		PUT_STR(b, "via", r->via);
		PUT_STR(b, "with", r->with);
		PUT_STR(b, "id", r->id);
		PUT_STR(b, "for", r->for_);
		PUT_STR(b, "date", r->date);
		dbuf_addc(b, '}');
	}
	dbuf_addc(b, ']');
	KEY(b, "path");
	put_str_array_val(b, m->path, m->npath);
	PUT_BOOL(b, "truncated", m->headers_truncated);
	dbuf_addc(b, '}');
	if (!m->is_dsn) {
		DBUF_LIT(b, ",\"dsn\":null");
		return;
	}
	put_dsn(b, m);
}

/* ,"dsn":{...}: a delivery status notification's report, out of the
 * common record's lines. */
static __attribute__((noinline, cold)) void
put_dsn(struct dbuf *b, const struct smtp_msg_info *m)
{
	size_t i;

	DBUF_LIT(b, ",\"dsn\":{");
	FIRST_STR(b, "reporting_mta", m->dsn_reporting_mta);
	PUT_STR(b, "original_envelope_id", m->dsn_envid);
	PUT_STR(b, "queue_id", m->dsn_queue_id);
	PUT_STR(b, "returned_message_id", m->dsn_returned_msg_id);
	PUT_STR(b, "returned_queue_id", m->dsn_returned_qid);
	PUT_STR(b, "returned_by", m->dsn_returned_by);
	DBUF_LIT(b, ",\"recipients\":[");
	for (i = 0; i < m->ndsn; i++) {
		const struct smtp_dsn_rcpt *r = &m->dsn[i];

		if (i > 0)
			dbuf_addc(b, ',');
		dbuf_addc(b, '{');
		FIRST_STR(b, "final_recipient", r->final_recipient);
		PUT_STR(b, "original_recipient", r->original_recipient);
		PUT_STR(b, "action", r->action);
		PUT_STR(b, "status", r->status);
		PUT_STR(b, "diagnostic_code", r->diagnostic);
		PUT_STR(b, "remote_mta", r->remote_mta);
		dbuf_addc(b, '}');
	}
	DBUF_LIT(b, "]}");
}

/* {"type":"T","session_id":N,"ts":... and the endpoints; type is a
 * string literal. */
#define put_record_head(b, type, si, ts, reversed) \
	do { \
		_Static_assert( \
		    sizeof("{\"type\":\"" type "\",\"session_id\":") - 1 <= \
			HEAD_LIT_MAX, \
		    "HEAD_LIT_MAX"); \
		put_record_head_lit(b, \
		    "{\"type\":\"" type "\",\"session_id\":", \
		    sizeof("{\"type\":\"" type "\",\"session_id\":") - 1, si, \
		    ts, reversed); \
	} while (0)

/* The longest literal a record begins with (put_record_head()). */
#define HEAD_LIT_MAX 40
/* The head's most: its literal, the session id, the uid's and the
 * community id's arrays whole with their keys, the timestamp and the
 * endpoints' cached text. */
#define HEAD_MAX \
	(HEAD_LIT_MAX + U64_PUT_MAX + sizeof(",\"uid\":\"") - 1 + \
	    SMTP_UID_SIZE + sizeof("\",\"community_id\":\"") - 1 + \
	    SMTP_COMMUNITY_ID_SIZE + 1 + sizeof(",\"ts\":") - 1 + \
	    FIXED6_PUT_MAX + EP_TEXT_MAX)

static inline __attribute__((always_inline)) void
put_record_head_lit(struct dbuf *b, const char *head, size_t headlen,
    const struct smtp_session_info *si, double ts, bool reversed)
{
	struct ep_cached *e = ep_slot(si, reversed);
	bool hit = ep_hit(e, si, reversed);
	char aside[HEAD_MAX], *o0 = dbuf_space(b, HEAD_MAX), *o;

	/* Room for all of it checked once and written without a check,
	 * or, near the buffer's end, written aside and added (cut as the
	 * appends cut). The uid and the community id are copied whole
	 * (their arrays' sizes, the room taken for them) and counted to
	 * their NUL: made once a session (smtp_session_info), base62 and
	 * base64, no byte to escape. */
	_Static_assert(sizeof(si->uid) == SMTP_UID_SIZE, "uid");
	_Static_assert(
	    sizeof(si->community_id) == SMTP_COMMUNITY_ID_SIZE, "community");
	o = o0 != NULL ? o0 : aside;
	memcpy(o, head, headlen);
	o = u64_put(o + headlen, si->id);
	o = PUT_LIT(o, ",\"uid\":\"");
	memcpy(o, si->uid, sizeof(si->uid));
	o += strnlen(si->uid, sizeof(si->uid));
	if (si->community_id[0] != '\0') {
		o = PUT_LIT(o, "\",\"community_id\":\"");
		memcpy(o, si->community_id, sizeof(si->community_id));
		o += strnlen(si->community_id, sizeof(si->community_id));
		*o++ = '"';
	} else
		o = PUT_LIT(o, "\",\"community_id\":null");
	o = fixed6_put(PUT_LIT(o, ",\"ts\":"), ts);
	if (hit) {
		memcpy(o, e->text, e->len);
		o += e->len;
	}
	if ((size_t)(o - (o0 != NULL ? o0 : aside)) > HEAD_MAX)
		span_overrun((size_t)(o - (o0 != NULL ? o0 : aside)), HEAD_MAX);
	if (o0 != NULL)
		b->len = (size_t)(o - b->p);
	else
		span_add_aside(b, aside, (size_t)(o - aside));
	if (!hit)
		put_endpoints_miss(b, e, si, reversed);
}

/* A verb's name as a JSON string. */
static void
put_verb_val(struct dbuf *b, enum smtp_verb v)
{
	dbuf_addc(b, '"');
	dbuf_adds(b, smtp_verb_name(v));
	dbuf_addc(b, '"');
}

/* ,"mail_params":{...},"rcpt_to":[ : the recipients' array is opened
 * in the same append (put_rcpts() fills and closes it). */
static void
put_mail_params(struct dbuf *b, const struct smtp_mail_params *mp)
{
	DBUF_LIT(b, ",\"mail_params\":{\"size\":");
	dbuf_add_u64(b, mp->size);
	PUT_STR(b, "body", mp->body[0] ? mp->body : NULL);
	PUT_STR(b, "ret", mp->ret[0] ? mp->ret : NULL);
	PUT_STR(b, "envid", mp->envid);
	PUT_STR(b, "auth", mp->auth);
	PUT_BOOL(b, "smtputf8", mp->smtputf8);
	PUT_BOOL(b, "requiretls", mp->requiretls);
	DBUF_LIT(b, "},\"rcpt_to\":[");
}

/* A recipient's end with NOTIFY or ORCPT, or by LMTP its delivery: out
 * of the common recipient's lines. */
static __attribute__((noinline)) void
put_rcpt_end(struct dbuf *b, const struct smtp_transaction *tx,
    const struct smtp_rcpt *r)
{
	PUT_LATENCY(b, "latency", r->reply.latency);
	PUT_STR(b, "notify", r->notify);
	PUT_STR(b, "orcpt", r->orcpt);
	if (tx->lmtp) {
		PUT_REPLY(b, "delivery", &r->delivery);
		PUT_LATENCY(b, "delivery_latency", r->delivery.latency);
	}
	dbuf_addc(b, '}');
}

/* Each recipient of "rcpt_to" and its reply (and, by LMTP, its
 * delivery), and the array's end. */
static void
put_rcpts(struct dbuf *b, const struct smtp_transaction *tx)
{
	struct span sp;
	size_t i;
	char *o;

	for (i = 0; i < tx->nrcpt; i++) {
		const struct smtp_rcpt *r = &tx->rcpt[i];

		if (i > 0)
			DBUF_LIT(b, ",{\"addr\":");
		else
			DBUF_LIT(b, "{\"addr\":");
		json_append_cstr(b, r->addr);
		PUT_CODE(b, "code", r->reply.code);
		PUT_STR(b, "enh", r->reply.enh[0] ? r->reply.enh : NULL);
		PUT_STR(b, "text", r->reply.code ? r->reply.text : NULL);
		if (r->notify == NULL && r->orcpt == NULL && !tx->lmtp) {
			/* The common recipient's end: one span. */
			o = SPAN_OPEN(b, &sp,
			    S_LATENCY_MAX("latency") +
				sizeof(",\"notify\":null,\"orcpt\":null}") - 1);
			o = S_LATENCY(o, "latency", r->reply.latency);
			o = PUT_LIT(o, ",\"notify\":null,\"orcpt\":null}");
			span_close(b, &sp, o);
			continue;
		}
		put_rcpt_end(b, tx, r);
	}
	dbuf_addc(b, ']');
}

/* ,"last_reply":"CODE TEXT" or null. */
static void
put_last_reply(struct dbuf *b, const struct smtp_transaction *tx)
{
	KEY(b, "last_reply");
	if (tx->last_code > 0) {
		dbuf_addc(b, '"');
		dbuf_add_u64(b, (uint64_t)tx->last_code);
		dbuf_addc(b, ' ');
		if (tx->last_text != NULL)
			json_escape_str(b, (const uint8_t *)tx->last_text,
			    strlen(tx->last_text));
		dbuf_addc(b, '"');
	} else
		DBUF_LIT(b, "null");
}

/* ,"refused":[...]: the commands the server refused inside it. */
static void
put_refused(struct dbuf *b, const struct smtp_transaction *tx)
{
	size_t i;

	DBUF_LIT(b, ",\"refused\":[");
	for (i = 0; i < tx->nrefused; i++) {
		const struct smtp_refused *r = &tx->refused[i];

		if (i > 0)
			dbuf_addc(b, ',');
		DBUF_LIT(b, "{\"command\":");
		put_verb_val(b, r->verb);
		KEY(b, "argument");
		json_append_cstr(b, r->arg != NULL ? r->arg : "");
		PUT_CODE(b, "code", r->reply.code);
		PUT_STR(b, "enh", r->reply.enh[0] ? r->reply.enh : NULL);
		PUT_STR(b, "text", r->reply.code ? r->reply.text : NULL);
		dbuf_addc(b, '}');
	}
	dbuf_addc(b, ']');
}

/* ,"capture_loss":["gap","kernel_drops"], either, or null. */
static void
put_capture_loss(struct dbuf *b, unsigned loss)
{
	KEY(b, "capture_loss");
	if (loss == 0) {
		DBUF_LIT(b, "null");
		return;
	}
	dbuf_addc(b, '[');
	if (loss & SMTP_LOSS_GAP)
		DBUF_LIT(b, "\"gap\"");
	if (loss & SMTP_LOSS_KERNEL_DROPS) {
		if (loss & SMTP_LOSS_GAP)
			dbuf_addc(b, ',');
		DBUF_LIT(b, "\"kernel_drops\"");
	}
	dbuf_addc(b, ']');
}

static void
log_transaction(struct jsonlog *log, const struct smtp_event *ev)
{
	const struct smtp_session_info *si = ev->session;
	const struct smtp_transaction *tx = ev->u.tx;
	struct dbuf *b = begin_record(log);
	struct span sp;
	char *o;

	put_record_head(b, "transaction", si, tx->ts, tx->reversed);
	o = SPAN_OPEN(b, &sp, S_U64_MAX("trans_depth") + KEY_MAX("helo"));
	o = S_U64(o, "trans_depth", tx->depth);
	o = PUT_LIT(o, ",\"helo\":");
	span_close(b, &sp, o);
	json_append_cstr(b, tx->helo != NULL ? tx->helo : "");
	KEY(b, "verb");
	put_verb_val(b, tx->verb);
	KEY(b, "mail_from");
	if (tx->sender_unknown)
		DBUF_LIT(b, "null"); /* its MAIL was not seen */
	else
		json_append_cstr(b, tx->mail_from);
	PUT_REPLY(b, "mail", &tx->mail);
	put_mail_params(b, &tx->params);
	put_rcpts(b, tx);
	o = SPAN_OPEN(b, &sp,
	    S_U64_MAX("rcpt_count") + S_U64_MAX("rcpt_accepted") +
		S_CODE_MAX("data_code"));
	o = S_U64(o, "rcpt_count", tx->rcpt_total);
	o = S_U64(o, "rcpt_accepted", tx->rcpt_accepted);
	o = S_CODE(o, "data_code", tx->data.code);
	span_close(b, &sp, o);
	PUT_STR(b, "data_enh", tx->data.enh[0] ? tx->data.enh : NULL);
	PUT_STR(b, "data_text", tx->data.code ? tx->data.text : NULL);
	PUT_REPLY(b, "final", &tx->final);
	o = SPAN_OPEN(b, &sp,
	    S_LATENCY_MAX("mail_latency") + S_LATENCY_MAX("final_latency"));
	o = S_LATENCY(o, "mail_latency", tx->mail.latency);
	o = S_LATENCY(o, "final_latency", tx->final.latency);
	span_close(b, &sp, o);
	PUT_STR(b, "queue_id", tx->queue_id);
	PUT_STR(b, "queue_id_form", tx->queue_id_form);
	DBUF_LIT(b, ",\"outcome\":\"");
	dbuf_adds(b, smtp_outcome_name(tx->outcome));
	o = SPAN_OPEN(b, &sp, KEY_MAX("size") + 1 + U64_PUT_MAX);
	o = PUT_LIT(o, "\",\"size\":");
	if (si->missing == SMTP_MISSING_CLIENT)
		o = PUT_LIT(o, "null"); /* the message was not captured */
	else
		o = u64_put(o, tx->size);
	span_close(b, &sp, o);
	put_last_reply(b, tx);
	o = SPAN_OPEN(b, &sp,
	    S_BOOL_MAX("bounce") + S_BOOL_MAX("bdat") +
		S_U64_MAX("bdat_chunks") + S_BOOL_MAX("tls") +
		KEY_MAX("ended_by") + 1);
	o = S_BOOL(o, "bounce", tx->bounce);
	o = S_BOOL(o, "bdat", tx->bdat);
	o = S_U64(o, "bdat_chunks", tx->bdat_chunks);
	o = S_BOOL(o, "tls", si->tls);
	o = PUT_LIT(o, ",\"ended_by\":\"");
	span_close(b, &sp, o);
	dbuf_adds(b, tx->ended_by ? tx->ended_by : "");
	o = SPAN_OPEN(b, &sp, 1 + S_TS_MAX("ts_end"));
	*o++ = '"';
	o = S_TS(o, "ts_end", tx->ts_end);
	span_close(b, &sp, o);
	put_refused(b, tx);
	o = SPAN_OPEN(b, &sp,
	    S_BOOL_MAX("reversed") + S_BOOL_MAX("lmtp") +
		S_BOOL_MAX("assumed") + sizeof(",\"partial\":true") - 1);
	o = S_BOOL(o, "reversed", tx->reversed);
	o = S_BOOL(o, "lmtp", tx->lmtp);
	o = S_BOOL(o, "assumed", tx->assumed);
	/* Only on what was not seen whole: records of whole sessions keep
	 * their fields. */
	if (tx->partial)
		o = PUT_LIT(o, ",\"partial\":true");
	span_close(b, &sp, o);
	put_capture_loss(b, tx->capture_loss);
	PUT_BOOL(b, "submission_without_auth", tx->submission_no_auth);
	put_headers(b, tx->msg);
	dbuf_addc(b, '}');
	write_line(log);
}

/* ,"capabilities":[...]: the EHLO reply's, by name. */
static void
put_caps(struct dbuf *b, unsigned caps)
{
	const char *name;
	bool first = true;

	DBUF_LIT(b, ",\"capabilities\":[");
	/* The bits set, lowest first, up to the first without a name (the
	 * names' end): a session offers a few of them. */
	for (; caps != 0; caps &= caps - 1) {
		name = smtp_cap_name((unsigned)__builtin_ctz(caps));
		if (name == NULL)
			break;
		if (!first)
			dbuf_addc(b, ',');
		dbuf_addc(b, '"');
		dbuf_adds(b, name);
		dbuf_addc(b, '"');
		first = false;
	}
	dbuf_addc(b, ']');
}

/* ,"tls_version" ... "sni": what the TLS hellos said, if seen. */
static void
put_tls(struct dbuf *b, const struct smtp_session_info *si)
{
	static const char hex[] = "0123456789abcdef";
	const char *vn;

	vn = si->tls_meta.seen ? tls_version_name(si->tls_meta.version) : NULL;
	PUT_STR(b, "tls_version", vn);
	vn = si->tls_meta.seen ? tls_version_name(si->tls_meta.client_version)
			       : NULL;
	PUT_STR(b, "tls_client_version", vn);
	KEY(b, "tls_cipher");
	if (si->tls_meta.seen && si->tls_meta.cipher != 0) {
		unsigned c = si->tls_meta.cipher;
		char x[8] = { '"', '0', 'x', hex[(c >> 12) & 0xf],
			hex[(c >> 8) & 0xf], hex[(c >> 4) & 0xf], hex[c & 0xf],
			'"' };

		dbuf_add(b, x, sizeof(x));
	} else
		DBUF_LIT(b, "null");
	PUT_STR(b, "sni",
	    si->tls_meta.seen && si->tls_meta.sni[0] ? si->tls_meta.sni : NULL);
}

/* ,"auth":{...}: out of line, most sessions have no AUTH (put_auth()). */
static __attribute__((noinline)) void
put_auth_obj(struct dbuf *b, const struct smtp_session_info *si)
{
	DBUF_LIT(b, ",\"auth\":{\"mechanism\":");
	json_append_cstr(b, si->auth_mech);
	PUT_STR(b, "user", si->auth_user[0] ? si->auth_user : NULL);
	DBUF_LIT(b, ",\"result\":\"");
	dbuf_adds(b, smtp_auth_result_name(si->auth_result));
	dbuf_addc(b, '"');
	PUT_CODE(b, "code", si->auth_code);
	PUT_U64(b, "attempts", si->auth_attempts);
	PUT_U64(b, "failures", si->auth_failures);
	PUT_BOOL(b, "cleartext", si->auth_cleartext);
	dbuf_addc(b, '}');
}

/* ,"auth":{...} or null. */
static void
put_auth(struct dbuf *b, const struct smtp_session_info *si)
{
	if (si->auth_attempts == 0)
		DBUF_LIT(b, ",\"auth\":null");
	else
		put_auth_obj(b, si);
}

/* ,"tunnel":{...}: a session inside an HTTP CONNECT, rare. */
static __attribute__((noinline, cold)) void
put_tunnel(struct dbuf *b, const struct smtp_session_info *si)
{
	DBUF_LIT(b, ",\"tunnel\":{\"type\":\"http-connect\",\"target\":");
	json_append_cstr(b, si->tunnel_target);
	dbuf_addc(b, '}');
}

static void
log_session(struct jsonlog *log, const struct smtp_session_info *si)
{
	struct dbuf *b = begin_record(log);
	double dur = si->ts_close - si->ts_open;
	struct span sp;
	char *o;

	put_record_head(b, "session", si, si->ts_open, false);
	o = SPAN_OPEN(b, &sp,
	    S_TS_MAX("duration") + S_U64_MAX("bytes_client") +
		S_U64_MAX("bytes_server") + S_U64_MAX("transactions") +
		KEY_MAX("end") + 1);
	o = S_TS(o, "duration", dur < 0 ? 0 : dur);
	o = S_U64(o, "bytes_client", si->bytes_client);
	o = S_U64(o, "bytes_server", si->bytes_server);
	o = S_U64(o, "transactions", si->transactions);
	o = PUT_LIT(o, ",\"end\":\"");
	span_close(b, &sp, o);
	dbuf_adds(b, session_end_name(si->end));
	dbuf_addc(b, '"');
	KEY(b, "helo");
	json_append_cstr(b, si->helo);
	o = SPAN_OPEN(b, &sp, S_BOOL_MAX("ehlo") + S_CODE_MAX("greeting_code"));
	o = S_BOOL(o, "ehlo", si->ehlo);
	o = S_CODE(o, "greeting_code", si->greeting_code);
	span_close(b, &sp, o);
	PUT_STR(
	    b, "greeting_host", si->greeting_code ? si->greeting_host : NULL);
	PUT_STR(
	    b, "greeting_text", si->greeting_code ? si->greeting_text : NULL);
	PUT_LATENCY(b, "greeting_latency", si->greeting_latency);
	put_caps(b, si->caps);
	KEY(b, "size_limit");
	if (si->size_limit > 0)
		dbuf_add_u64(b, si->size_limit);
	else
		DBUF_LIT(b, "null");
	PUT_STR(
	    b, "auth_mechanisms", si->auth_mechs[0] ? si->auth_mechs : NULL);
	o = SPAN_OPEN(b, &sp,
	    S_BOOL_MAX("starttls") + S_BOOL_MAX("tls") +
		S_BOOL_MAX("implicit_tls"));
	o = S_BOOL(o, "starttls", si->starttls);
	o = S_BOOL(o, "tls", si->tls);
	o = S_BOOL(o, "implicit_tls", si->implicit_tls);
	span_close(b, &sp, o);
	put_tls(b, si);
	put_auth(b, si);
	o = SPAN_OPEN(b, &sp,
	    S_U64_MAX("commands") + S_U64_MAX("replies") +
		S_U64_MAX("anomalies") + S_BOOL_MAX("lmtp") +
		S_BOOL_MAX("reversed"));
	o = S_U64(o, "commands", si->commands);
	o = S_U64(o, "replies", si->replies);
	o = S_U64(o, "anomalies", si->anomalies);
	o = S_BOOL(o, "lmtp", si->lmtp);
	o = S_BOOL(o, "reversed", si->reversed);
	span_close(b, &sp, o);
	KEY(b, "turn");
	if (si->reversed)
		put_verb_val(b, si->turn_verb);
	else
		DBUF_LIT(b, "null");
	PUT_BOOL(b, "submission", si->submission);
	/* Only when it has one: the records of sessions straight on TCP
	 * stay as they were. */
	if (si->tunnel == SMTP_TUNNEL_HTTP_CONNECT)
		put_tunnel(b, si);
	/* Only on sessions not seen whole (docs/log-schema.md). */
	if (si->midstream)
		DBUF_LIT(b, ",\"midstream\":true");
	if (si->missing == SMTP_MISSING_SERVER)
		DBUF_LIT(b, ",\"missing\":\"server\"");
	else if (si->missing == SMTP_MISSING_CLIENT)
		DBUF_LIT(b, ",\"missing\":\"client\"");
	dbuf_addc(b, '}');
	write_line(log);
}

static void
log_anomaly(struct jsonlog *log, const struct smtp_event *ev)
{
	struct dbuf *b = begin_record(log);

	put_record_head(b, "anomaly", ev->session, ev->ts, false);
	DBUF_LIT(b, ",\"name\":\"");
	dbuf_adds(b, smtp_anomaly_name(ev->u.anomaly.kind));
	DBUF_LIT(b, "\"}");
	write_line(log);
}

/* A command outside any transaction and its reply. */
static void
log_result(struct jsonlog *log, const struct smtp_event *ev)
{
	const struct smtp_command_result *r = ev->u.result;
	struct dbuf *b = begin_record(log);

	put_record_head(b, "command", ev->session, r->ts, r->reversed);
	KEY(b, "command");
	put_verb_val(b, r->verb);
	KEY(b, "argument");
	json_append_str(b, r->arg, r->arg_len);
	PUT_CODE(b, "code", r->reply.code);
	PUT_STR(b, "enh", r->reply.enh[0] ? r->reply.enh : NULL);
	PUT_STR(b, "text", r->reply.code ? r->reply.text : NULL);
	KEY(b, "lines");
	put_str_array_val(b, r->lines, r->nlines);
	PUT_U64(b, "lines_dropped", r->lines_dropped);
	PUT_LATENCY(b, "latency", r->reply.latency);
	PUT_BOOL(b, "reversed", r->reversed);
	dbuf_addc(b, '}');
	write_line(log);
}

static void log_message(struct jsonlog *log, const struct smtp_message *m);

/* A threshold crossed, or back (sinks/alerts.c). */
static void
log_alert(struct jsonlog *log, double ts, const struct smtp_alert *a)
{
	struct dbuf *b = begin_record(log);

	DBUF_LIT(b, "{\"type\":\"alert\",\"id\":");
	dbuf_add_u64(b, a->id);
	PUT_TS(b, "ts", ts);
	PUT_STR(b, "alert", smtp_alert_kind_name(a->kind));
	PUT_STR(b, "state", a->raised ? "raised" : "cleared");
	PUT_STR(b, "subject", a->subject[0] != '\0' ? a->subject : NULL);
	dbuf_printf(
	    b, ",\"value\":%.10g,\"threshold\":%.10g", a->value, a->threshold);
	KEY(b, "latency_limit");
	if (a->latency_limit > 0)
		dbuf_printf(b, "%.6g", a->latency_limit);
	else
		DBUF_LIT(b, "null");
	PUT_U64(b, "samples", a->samples);
	dbuf_printf(b, ",\"window\":%.6g}", a->window);
	write_line(log);
}

/* A connection to a mail port that made no session (net/attempts.c). */
static void
log_attempt(struct jsonlog *log, const struct smtp_attempt *a)
{
	struct dbuf *b = begin_record(log);
	char ip[ENDPOINT_ADDRSTRLEN];

	DBUF_LIT(b, "{\"type\":\"attempt\"");
	PUT_TS(b, "ts", a->ts);
	PUT_TS(b, "ts_end", a->ts_end);
	endpoint_addr_str(&a->client, ip, sizeof(ip));
	PUT_STR(b, "client_ip", ip);
	PUT_U64(b, "client_port", a->client.port);
	endpoint_addr_str(&a->server, ip, sizeof(ip));
	PUT_STR(b, "server_ip", ip);
	PUT_U64(b, "server_port", a->server.port);
	PUT_STR(b, "community_id",
	    a->community_id[0] != '\0' ? a->community_id : NULL);
	PUT_STR(b, "result", smtp_attempt_result_name(a->result));
	PUT_U64(b, "syns", a->syns);
	KEY(b, "waited");
	put_fixed6_val(b, a->waited);
	PUT_BOOL(b, "at_end", a->at_end);
	dbuf_addc(b, '}');
	write_line(log);
}

void
jsonlog_on_event(void *arg, const struct smtp_event *ev)
{
	struct jsonlog *log = arg;

	log->ts = ev->ts;
	switch (ev->type) {
	case SMTP_EV_TRANSACTION:
		log_transaction(log, ev);
		break;
	case SMTP_EV_SESSION_CLOSE:
		log_session(log, ev->session);
		break;
	case SMTP_EV_ANOMALY:
		log_anomaly(log, ev);
		break;
	case SMTP_EV_COMMAND_RESULT:
		log_result(log, ev);
		break;
	case SMTP_EV_MESSAGE:
		log_message(log, ev->u.message);
		break;
	case SMTP_EV_ALERT:
		log_alert(log, ev->ts, ev->u.alert);
		break;
	case SMTP_EV_ATTEMPT:
		log_attempt(log, ev->u.attempt);
		break;
	default:
		break;
	}
}

/* "name":N, or null for an output not in use. */
static void
put_not_written(struct dbuf *b, const char *name, int64_t n)
{
	dbuf_printf(b, ",\"%s\":", name);
	if (n >= 0)
		dbuf_add_u64(b, (uint64_t)n);
	else
		DBUF_LIT(b, "null");
}

static void put_tracking(
    struct dbuf *b, const struct stats *st, uint64_t records);

/* {"type":"summary" and the counts of the statistics store. */
static void
put_summary_counts(struct dbuf *b, const struct stats *st)
{
	dbuf_printf(b,
	    "{\"type\":\"summary\",\"sessions\":%" PRIu64
	    ",\"transactions\":%" PRIu64 ",\"messages_accepted\":%" PRIu64
	    ",\"recipients_accepted\":%" PRIu64 ",\"recipients\":%" PRIu64,
	    st->sessions, st->transactions, st->messages_accepted,
	    st->recipients_accepted, st->recipients);
	dbuf_printf(b,
	    ",\"rejected\":%" PRIu64 ",\"tempfail\":%" PRIu64
	    ",\"lost\":%" PRIu64 ",\"aborted\":%" PRIu64 ",\"dropped\":%" PRIu64
	    ",\"unknown\":%" PRIu64,
	    st->outcome[SMTP_OUTCOME_REJECTED],
	    st->outcome[SMTP_OUTCOME_TEMPFAIL], st->outcome[SMTP_OUTCOME_LOST],
	    st->outcome[SMTP_OUTCOME_ABORTED],
	    st->outcome[SMTP_OUTCOME_DROPPED],
	    st->outcome[SMTP_OUTCOME_UNKNOWN]);
	dbuf_printf(b,
	    ",\"unknown_capture_loss\":%" PRIu64 ",\"assumed\":%" PRIu64
	    ",\"refused_in_transactions\":%" PRIu64
	    ",\"submission_without_auth\":%" PRIu64
	    ",\"cleartext_auth_sessions\":%" PRIu64
	    ",\"lmtp_sessions\":%" PRIu64 ",\"reversed_sessions\":%" PRIu64,
	    st->loss_capture, st->assumed, st->refused_in_tx,
	    st->submission_no_auth, st->cleartext_auth, st->lmtp_sessions,
	    st->reversed_sessions);
}

/* The capture's and the reassembly's figures, up to the receiver's. */
static void
put_summary_capture(struct dbuf *b, const struct health *h)
{
	const struct reasm_stats *rs = &h->rs;
	const struct capture_stats *cs = &h->cs;

	if (cs->live)
		dbuf_printf(b,
		    ",\"pcap_drops\":%" PRIu64 ",\"pcap_ifdrops\":%" PRIu64,
		    cs->pcap_drops, cs->pcap_ifdrops);
	else
		dbuf_adds(b, ",\"pcap_drops\":null,\"pcap_ifdrops\":null");
	dbuf_printf(b,
	    ",\"no_handshake\":%" PRIu64 ",\"midstream\":%" PRIu64
	    ",\"one_sided_client\":%" PRIu64 ",\"one_sided_server\":%" PRIu64
	    ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
	    ",\"tcp_packets\":%" PRIu64 ",\"ipv6_packets\":%" PRIu64,
	    rs->no_handshake, rs->midstream, rs->one_sided_client,
	    rs->one_sided_server, rs->packets, rs->bytes, rs->tcp_packets,
	    rs->ipv6_packets);
	dbuf_printf(b,
	    ",\"attempts_refused\":%" PRIu64 ",\"attempts_unanswered\":%" PRIu64
	    ",\"attempts_untracked\":%" PRIu64,
	    rs->attempts_refused, rs->attempts_unanswered,
	    rs->attempts_untracked);
	dbuf_printf(b,
	    ",\"not_ip\":%" PRIu64 ",\"truncated_headers\":%" PRIu64
	    ",\"bad_headers\":%" PRIu64 ",\"reused_tuples\":%" PRIu64
	    ",\"idle_expired\":%" PRIu64 ",\"max_active_sessions\":%lu"
	    ",\"sessions_evicted\":%" PRIu64
	    ",\"sessions_evicted_memory\":%" PRIu64,
	    rs->not_ip, rs->truncated, rs->bad_header, rs->reused,
	    rs->idle_expired, rs->active_max, rs->sessions_evicted,
	    rs->sessions_evicted_memory);
	dbuf_printf(b,
	    ",\"clock_jumps\":%" PRIu64 ",\"clock_jump_max\":%.6f"
	    ",\"timestamps_replaced\":%" PRIu64,
	    rs->clock_jumps, rs->clock_jump_max, cs->timestamps_replaced);
	dbuf_printf(b,
	    ",\"gaps\":%" PRIu64 ",\"gap_bytes\":%" PRIu64
	    ",\"snaplen_cut\":%" PRIu64 ",\"snaplen_cut_bytes\":%" PRIu64,
	    rs->gaps, rs->gap_bytes, rs->snap_cut, rs->snap_cut_bytes);
	/* Checksums: only when a packet had a wrong one, so that the
	 * summaries of clean captures stay as they were. */
	if (rs->bad_checksum > 0)
		dbuf_printf(b, ",\"bad_checksums\":%" PRIu64, rs->bad_checksum);
	if (rs->ip_checksum_fixed > 0)
		dbuf_printf(b, ",\"ip_header_sums_mended\":%" PRIu64,
		    rs->ip_checksum_fixed);
	/* --ports any: only when it judged a connection, so that the
	 * summaries of runs on the mail ports stay as they were. */
	if (rs->content_judged > 0)
		dbuf_printf(b,
		    ",\"by_content\":{\"judged\":%" PRIu64 ",\"smtp\":%" PRIu64
		    ",\"tunnels\":%" PRIu64 ",\"released\":%" PRIu64
		    ",\"released_packets\":%" PRIu64 "}",
		    rs->content_judged, rs->content_smtp, rs->content_tunnels,
		    rs->content_released, rs->content_released_packets);
}

/* ,"receiver":{...} (what the receiver's rules decided) and
 * ,"libnids_warnings":{... (left open). */
static void
put_summary_receiver(struct dbuf *b, const struct reasm_stats *rs)
{
	int i;

	dbuf_printf(b,
	    ",\"receiver\":{\"fragments\":%" PRIu64 ",\"reassembled\":%" PRIu64
	    ",\"fragment_overlaps\":%" PRIu64 ",\"fragment_timeouts\":%" PRIu64
	    ",\"fragment_evicted\":%" PRIu64 ",\"segments_held\":%" PRIu64
	    ",\"segment_conflicts\":%" PRIu64 ",\"segments_dropped\":%" PRIu64
	    ",\"queues_evicted\":%" PRIu64 ",\"rst_ignored\":%" PRIu64
	    ",\"syn_ignored\":%" PRIu64 ",\"ipv6_standins_recycled\":%" PRIu64
	    ",\"ipv6_standins_full\":%" PRIu64 "}",
	    rs->fragments, rs->reassembled, rs->frag_overlaps,
	    rs->frag_timeouts, rs->frag_evicted, rs->ooo_segments,
	    rs->ooo_conflicts, rs->ooo_dropped, rs->ooo_evicted,
	    rs->rst_ignored, rs->syn_ignored, rs->v6_recycled,
	    rs->v6_table_full);
	dbuf_printf(
	    b, ",\"libnids_warnings\":{\"total\":%" PRIu64, rs->nids_warnings);
	for (i = 1; i < REASM_NIDS_WARN_MAX; i++)
		if (health_nids_warning_name(i) != NULL)
			dbuf_printf(b, ",\"%s\":%" PRIu64,
			    health_nids_warning_name(i), rs->nids_warning[i]);
}

void
jsonlog_summary(struct jsonlog *log, const struct stats *st,
    const struct health *h, const struct jsonlog_not_written *nw)
{
	struct dbuf *b;
	int i;

	/* Its count of records not written is final up to here. */
	recfile_settle(&log->out);
	b = begin_record(log);

	put_summary_counts(b, st);
	put_summary_capture(b, h);
	put_summary_receiver(b, &h->rs);
	dbuf_adds(b, "},\"anomalies\":{");
	for (i = 0; i < SMTP_ANOMALY_COUNT; i++)
		dbuf_printf(b, "%s\"%s\":%" PRIu64, i ? "," : "",
		    smtp_anomaly_name((enum smtp_anomaly)i), st->anomaly[i]);
	/* Alerts by kind (sinks/alerts.c): raised and cleared in this
	 * file's span, active at its end; all zero with --no-alerts. */
	dbuf_adds(b, "},\"alerts\":{");
	for (i = 0; i < SMTP_ALERT_COUNT; i++)
		dbuf_printf(b,
		    "%s\"%s\":{\"raised\":%" PRIu64 ",\"cleared\":%" PRIu64
		    ",\"active\":%" PRIu64 "}",
		    i ? "," : "", smtp_alert_kind_name((enum smtp_alert_kind)i),
		    st->alerts_raised[i], st->alerts_cleared[i],
		    st->alerts_active[i]);
	dbuf_printf(
	    b, "},\"input_damaged\":%s", h->cs.damaged ? "true" : "false");
	/* A rotated file's own; else the run's, over files reopened. */
	dbuf_printf(b, ",\"not_written\":{\"log\":%" PRIu64,
	    log->out.not_written +
		(log->interval.on ? 0 : log->closed_not_written));
	put_not_written(b, "zeek_log", nw->zeek_log);
	put_not_written(b, "transcript", nw->transcript);
	DBUF_LIT(b, "}");
	put_tracking(b, st, log->message_records);
	if (log->interval.on) {
		DBUF_LIT(b, ",\"interval\":{\"seq\":");
		dbuf_add_u64(b, log->interval.seq);
		PUT_TS(b, "start", log->interval.start);
		PUT_TS(b, "end", log->interval.end);
		PUT_U64(b, "sessions_closed", st->sessions_closed);
		dbuf_addc(b, '}');
	}
	dbuf_addc(b, '}');
	write_line(log);
}

void
jsonlog_flush(struct jsonlog *log)
{
	recfile_flush(&log->out, false);
}

int
jsonlog_close(struct jsonlog *log)
{
	if (log->records_only) {
		dbuf_free(&log->out.buf);
		log->records_only = false;
		return 0;
	}
	if (log->out.name == NULL)
		return 0;
	return recfile_close(&log->out);
}

/* ---- message records (message tracking, src/track/) ---- */

bool
jsonlog_message_plain(const struct smtp_message *m)
{
	size_t i;

	if (m->nhops != 1 || m->dsn || m->bounce_of != 0 ||
	    m->hops_dropped > 0 || m->rcpts_dropped > 0)
		return false;
	for (i = 0; i < m->nrcpt; i++) {
		const struct smtp_msg_rcpt *r = &m->rcpts[i];

		if (r->bounce != 0 || r->bounce_owed || r->deferrals > 1)
			return false;
		switch (r->fate) {
		case SMTP_FATE_DELIVERED:
		case SMTP_FATE_REJECTED:
		case SMTP_FATE_DEFERRED:
		case SMTP_FATE_UNKNOWN:
			break;
		default: /* dropped, queued, bounced */
			return false;
		}
	}
	return true;
}

static void
put_ip_val(struct dbuf *b, const struct smtp_endpoint *e)
{
	char a[ENDPOINT_ADDRSTRLEN];
	size_t n = endpoint_addr_fmt(e, a, sizeof(a));

	dbuf_addc(b, '"');
	dbuf_add(b, a, n);
	dbuf_addc(b, '"');
}

static void
put_index_val(struct dbuf *b, int i)
{
	if (i >= 0)
		dbuf_add_u64(b, (uint64_t)i);
	else
		DBUF_LIT(b, "null");
}

static void
put_msg_hop(struct dbuf *b, const struct smtp_msg_hop *h)
{
	DBUF_LIT(b, "{\"session_id\":");
	dbuf_add_u64(b, h->session_id);
	PUT_U64(b, "trans_depth", h->trans_depth);
	PUT_TS(b, "ts", h->ts);
	KEY(b, "client_ip");
	put_ip_val(b, &h->client);
	KEY(b, "server_ip");
	put_ip_val(b, &h->server);
	PUT_U64(b, "server_port", h->server.port);
	PUT_STR(b, "server_name", h->server_name);
	PUT_STR(b, "queue_id", h->queue_id);
	KEY(b, "from_hop");
	put_index_val(b, h->from_hop);
	PUT_STR(b, "link", smtp_hop_link_name(h->link));
	PUT_LATENCY(b, "queue_time", h->queue_time);
	dbuf_addc(b, '}');
}

static void
put_msg_rcpt(struct dbuf *b, const struct smtp_msg_rcpt *r)
{
	/* The fate, its key and the next key, as one piece. */
	static const struct {
		const char *s;
		size_t n;
	} fate[SMTP_FATE_COUNT] = {
#define FATE(f, name) \
	[f] = { ",\"fate\":\"" name "\",\"hop\":", \
		sizeof(",\"fate\":\"" name "\",\"hop\":") - 1 }
		FATE(SMTP_FATE_UNKNOWN, "unknown"),
		FATE(SMTP_FATE_DELIVERED, "delivered"),
		FATE(SMTP_FATE_REJECTED, "rejected"),
		FATE(SMTP_FATE_DEFERRED, "deferred"),
		FATE(SMTP_FATE_DROPPED, "dropped"),
		FATE(SMTP_FATE_QUEUED, "queued"),
		FATE(SMTP_FATE_BOUNCED, "bounced"),
#undef FATE
	};

	FIRST_STR(b, "addr", r->addr);
	if ((unsigned)r->fate < SMTP_FATE_COUNT)
		dbuf_add(b, fate[r->fate].s, fate[r->fate].n);
	else
		DBUF_LIT(b, ",\"fate\":\"unknown\",\"hop\":");
	put_index_val(b, r->hop);
	PUT_CODE(b, "code", r->code);
	/* An enhanced code the dissector parsed is digits and dots: no
	 * escaping to do (one read back from a log by trace is checked). */
	KEY(b, "enh");
	if (r->enh[0] == '\0')
		DBUF_LIT(b, "null");
	else if (strspn(r->enh, "0123456789.") == strlen(r->enh)) {
		dbuf_addc(b, '"');
		dbuf_adds(b, r->enh);
		dbuf_addc(b, '"');
	} else
		json_append_cstr(b, r->enh);
	PUT_STR(b, "text", r->text);
	PUT_U64(b, "attempts", r->attempts);
	PUT_U64(b, "deferrals", r->deferrals);
	KEY(b, "bounce");
	if (r->bounce != 0) {
		DBUF_LIT(b, "{\"message\":");
		dbuf_add_u64(b, r->bounce);
		PUT_STR(b, "link", r->bounce_link);
		PUT_STR(b, "action", r->bounce_action);
		PUT_STR(b, "status", r->bounce_status);
		PUT_STR(b, "diagnostic", r->bounce_diagnostic);
		dbuf_addc(b, '}');
	} else
		DBUF_LIT(b, "null");
	PUT_BOOL(b, "bounce_missing", r->bounce_owed && r->bounce == 0);
}

static void
log_message(struct jsonlog *log, const struct smtp_message *m)
{
	struct dbuf *b;
	size_t i;

	if (!log->all_messages && jsonlog_message_plain(m))
		return;
	log->message_records++;
	b = begin_record(log);

	DBUF_LIT(b, "{\"type\":\"message\",\"id\":");
	dbuf_add_u64(b, m->id);
	PUT_TS(b, "ts", m->ts);
	PUT_TS(b, "ts_end", m->ts_end);
	PUT_STR(b, "message_id", m->message_id);
	PUT_STR(b, "mail_from", m->mail_from);
	PUT_STR(b, "envid", m->envid);
	PUT_U64(b, "size", m->size);
	PUT_BOOL(b, "dsn", m->dsn);
	KEY(b, "bounce_of");
	if (m->bounce_of != 0)
		dbuf_add_u64(b, m->bounce_of);
	else
		DBUF_LIT(b, "null");
	KEY(b, "recipients");
	dbuf_addc(b, '[');
	for (i = 0; i < m->nrcpt; i++) {
		if (i > 0)
			dbuf_addc(b, ',');
		dbuf_addc(b, '{');
		put_msg_rcpt(b, &m->rcpts[i]);
		dbuf_addc(b, '}');
	}
	dbuf_addc(b, ']');
	PUT_U64(b, "recipients_dropped", m->rcpts_dropped);
	KEY(b, "hops");
	dbuf_addc(b, '[');
	for (i = 0; i < m->nhops; i++) {
		if (i > 0)
			dbuf_addc(b, ',');
		put_msg_hop(b, &m->hops[i]);
	}
	dbuf_addc(b, ']');
	PUT_U64(b, "hops_dropped", m->hops_dropped);
	PUT_STR(b, "settled", m->settled);
	PUT_BOOL(b, "partial", m->partial);
	dbuf_addc(b, '}');
	write_line(log);
}

/* The summary's "tracking": what the settled messages came to. */
static void
put_tracking(struct dbuf *b, const struct stats *st, uint64_t records)
{
	size_t i;

	KEY(b, "tracking");
	if (!st->tracking) {
		DBUF_LIT(b, "null");
		return;
	}
	DBUF_LIT(b, "{\"messages\":");
	dbuf_add_u64(b, st->tracked);
	PUT_U64(b, "message_records", records);
	PUT_U64(b, "multi_hop", st->tracked_multihop);
	PUT_U64(b, "dsn", st->tracked_dsn);
	PUT_U64(b, "dsn_unlinked", st->dsn_unlinked);
	PUT_U64(b, "evicted", st->tracked_evicted);
	PUT_U64(b, "linked_queue_id", st->hop_links[SMTP_LINK_QUEUE_ID]);
	PUT_U64(b, "linked_envelope", st->hop_links[SMTP_LINK_ENVELOPE]);
	PUT_U64(b, "linked_message_id", st->hop_links[SMTP_LINK_MESSAGE_ID]);
	PUT_U64(b, "bounces_linked", st->bounces_linked);
	PUT_U64(b, "bounce_missing", st->bounce_missing);
	KEY(b, "recipients");
	dbuf_addc(b, '{');
	for (i = 0; i < SMTP_FATE_COUNT; i++) {
		if (i > 0)
			dbuf_addc(b, ',');
		dbuf_addc(b, '"');
		dbuf_adds(b, smtp_fate_name((enum smtp_fate)i));
		DBUF_LIT(b, "\":");
		dbuf_add_u64(b, st->fate[i]);
	}
	DBUF_LIT(b, "}}");
}
