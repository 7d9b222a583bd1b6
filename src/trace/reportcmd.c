/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpscope report (reportcmd.h): the reports made again from records,
 * for any span and any set of sensors. Each record read (records.h)
 * becomes the events the dissector made of it, and the statistics store
 * (sinks/stats.h) counts them as it counts a live run's: the report
 * code is the same. The transactions are put in the order they ended,
 * a copy another sensor saw of one left out, and followed across hops
 * by the tracker again, so that a fleet's hops seen by different
 * sensors make one message.
 *
 * What no record carries is said in the report's note: the replies to
 * the commands logged nowhere (HELO/EHLO, RSET, QUIT, NOOP inside a
 * transaction, a granted STARTTLS, AUTH but its last), and the capture's
 * health of the spans the summaries cover, which are whole runs or
 * rotated intervals, not cut to --since/--until.
 */
#include "trace/reportcmd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "event/event.h"
#include "report/report.h"
#include "sinks/stats.h"
#include "status.h"
#include "trace/records.h"
#include "track/track.h"

#define REPORTS_MAX 8
#define SEEN_MAX (8u << 20) /* sessions and commands told apart */

struct spec {
	enum { R_TEXT, R_JSON, R_HTML } format;
	const char *out; /* NULL: standard output */
};

/* Fingerprints of the sessions, commands and attempts read, and the
 * input that had each: the copy another sensor saw is left out. */
struct seen {
	struct seen_slot {
		uint64_t fp;
		unsigned file;
	} * slot;
	size_t n, cap;
	uint64_t unchecked; /* past SEEN_MAX: not told apart */
};

struct rep {
	struct recs r;
	struct stats *st;
	struct event_bus stats_bus; /* the store, and whatever else counts */
	double since, until;        /* 0: no bound */
	struct seen seen;
	struct health health; /* the summaries' sums */
	uint64_t summaries, copies;
	uint64_t sessions, commands, others; /* records counted */
	bool alerts_seen;
};

/* ---- the copies two sensors saw ---- */

static uint64_t
mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 33);
}

static uint64_t
fp_of(const char *type, double ts, const struct smtp_endpoint *c,
    const struct smtp_endpoint *s, const char *extra)
{
	uint64_t h = 0x736d7470ULL, v;
	const unsigned char *p;
	size_t i;

	for (p = (const unsigned char *)type; *p != '\0'; p++)
		h = mix(h, *p);
	memcpy(&v, &ts, sizeof(v));
	h = mix(h, v);
	for (i = 0; i < sizeof(c->addr); i++) {
		h = mix(h, c->addr[i]);
		h = mix(h, s->addr[i]);
	}
	h = mix(h, (uint64_t)c->port << 16 | s->port);
	for (p = (const unsigned char *)(extra != NULL ? extra : "");
	     *p != '\0'; p++)
		h = mix(h, *p);
	return h | 1; /* 0: an empty slot */
}

/* True when another input already had this record. */
static bool
seen_copy(struct seen *sn, uint64_t fp, unsigned file)
{
	size_t i, mask;

	if (sn->n * 2 >= sn->cap) {
		struct seen_slot *old = sn->slot;
		size_t oldcap = sn->cap, j;

		if (sn->n >= SEEN_MAX) {
			sn->unchecked++;
			return false;
		}
		sn->cap = sn->cap ? sn->cap * 2 : 4096;
		sn->slot = xcalloc(sn->cap, sizeof(*sn->slot));
		for (j = 0; j < oldcap; j++) {
			if (old[j].fp == 0)
				continue;
			for (i = old[j].fp & (sn->cap - 1); sn->slot[i].fp != 0;
			     i = (i + 1) & (sn->cap - 1))
				;
			sn->slot[i] = old[j];
		}
		free(old);
	}
	mask = sn->cap - 1;
	for (i = fp & mask; sn->slot[i].fp != 0; i = (i + 1) & mask)
		if (sn->slot[i].fp == fp && sn->slot[i].file != file)
			return true;
	sn->slot[i].fp = fp;
	sn->slot[i].file = file;
	sn->n++;
	return false;
}

/* ---- records into events ---- */

static bool
in_span(const struct rep *p, double ts)
{
	return !(p->since > 0 && ts < p->since) &&
	    !(p->until > 0 && ts >= p->until);
}

static void
emit(struct rep *p, struct smtp_event *ev)
{
	event_bus_emit(&p->stats_bus, ev);
}

/* The connection of a record (client and server as it names them). */
static bool
session_of(const struct rep *p, const struct jv *o, unsigned file,
    struct smtp_session_info *si)
{
	memset(si, 0, sizeof(*si));
	si->id = (uint64_t)file << RECS_FILE_SHIFT |
	    recs_num(
		o, "session_id", 0, ((uint64_t)1 << RECS_FILE_SHIFT) - 1, 0);
	if (!recs_endpoint(jv_str(o, "client_ip"),
		(double)recs_num(o, "client_port", 0, 65535, 0), &si->client) ||
	    !recs_endpoint(jv_str(o, "server_ip"),
		(double)recs_num(o, "server_port", 0, 65535, 0), &si->server))
		return false;
	(void)p;
	endpoint_addr_fmt(&si->client, si->client_ip, sizeof(si->client_ip));
	endpoint_addr_fmt(&si->server, si->server_ip, sizeof(si->server_ip));
	return true;
}

/* A name table's entry is s. */
static bool
is(const char *name, const char *s)
{
	return name != NULL && s != NULL && strcmp(name, s) == 0;
}

static void
copy_str(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s != NULL ? s : "");
}

static unsigned
caps_of(const struct jv *o)
{
	const struct jv *e;
	unsigned caps = 0, b;

	for (e = recs_elements(jv_get(o, "capabilities")); e != NULL;
	     e = e->next)
		for (b = 0; b < 32 && e->type == JV_STR; b++)
			if (is(smtp_cap_name(b), e->str))
				caps |= 1u << b;
	return caps;
}

static uint16_t
tls_version_of(const char *s)
{
	unsigned v;

	for (v = 0x0200; s != NULL && v <= 0x0304; v++)
		if (is(tls_version_name((uint16_t)v), s))
			return (uint16_t)v;
	return 0;
}

static void
auth_of(const struct jv *a, struct smtp_session_info *si)
{
	const char *res = jv_str(a, "result");
	int k;

	if (a == NULL || a->type != JV_OBJ)
		return;
	copy_str(si->auth_mech, sizeof(si->auth_mech), jv_str(a, "mechanism"));
	copy_str(si->auth_user, sizeof(si->auth_user), jv_str(a, "user"));
	si->auth_result = SMTP_AUTH_PENDING;
	for (k = SMTP_AUTH_PENDING; res != NULL && k <= SMTP_AUTH_CANCELLED;
	     k++)
		if (is(smtp_auth_result_name((enum smtp_auth_result)k), res))
			si->auth_result = (enum smtp_auth_result)k;
	si->auth_code = (int)recs_num(a, "code", 100, 599, 0);
	si->auth_attempts = (unsigned)recs_num(a, "attempts", 0, UINT32_MAX, 1);
	si->auth_failures = (unsigned)recs_num(a, "failures", 0, UINT32_MAX, 0);
	si->auth_cleartext = jv_bool(a, "cleartext");
}

static void
on_session(struct rep *p, const struct jv *o, unsigned file)
{
	static struct smtp_session_info si;
	const char *end = jv_str(o, "end");
	struct smtp_event ev;
	int k;

	if (!session_of(p, o, file, &si)) {
		p->r.bad_lines++;
		return;
	}
	si.ts_open = recs_time(o, "ts", 0);
	si.ts_close = si.ts_open;
	if (jv_num(o, "duration", 0) > 0 && jv_num(o, "duration", 0) < 1e9)
		si.ts_close += jv_num(o, "duration", 0);
	if (!in_span(p, si.ts_close))
		return;
	if (seen_copy(&p->seen,
		fp_of("session", si.ts_open, &si.client, &si.server, NULL),
		file)) {
		p->copies++;
		return;
	}
	p->sessions++;
	si.bytes_client = recs_num(o, "bytes_client", 0, UINT64_MAX >> 11, 0);
	si.bytes_server = recs_num(o, "bytes_server", 0, UINT64_MAX >> 11, 0);
	si.transactions =
	    (unsigned)recs_num(o, "transactions", 0, UINT32_MAX, 0);
	si.end = SMTP_SESSION_END_EOF;
	for (k = SMTP_SESSION_END_FIN;
	     end != NULL && k <= SMTP_SESSION_END_REUSED; k++)
		if (is(session_end_name((enum smtp_session_end)k), end))
			si.end = (enum smtp_session_end)k;
	si.helo = jv_str(o, "helo") != NULL ? jv_str(o, "helo") : "";
	si.ehlo = jv_bool(o, "ehlo");
	si.lmtp = jv_bool(o, "lmtp");
	si.reversed = jv_bool(o, "reversed");
	si.submission = jv_bool(o, "submission");
	si.greeting_code = (int)recs_num(o, "greeting_code", 100, 599, 0);
	copy_str(si.greeting_host, sizeof(si.greeting_host),
	    jv_str(o, "greeting_host"));
	copy_str(si.greeting_text, sizeof(si.greeting_text),
	    jv_str(o, "greeting_text"));
	si.greeting_latency = jv_num(o, "greeting_latency", -1);
	if (!(si.greeting_latency >= 0 && si.greeting_latency < 1e9))
		si.greeting_latency = -1;
	si.caps = caps_of(o);
	si.size_limit = recs_num(o, "size_limit", 0, UINT64_MAX >> 11, 0);
	copy_str(
	    si.auth_mechs, sizeof(si.auth_mechs), jv_str(o, "auth_mechanisms"));
	si.starttls = jv_bool(o, "starttls");
	si.tls = jv_bool(o, "tls");
	si.implicit_tls = jv_bool(o, "implicit_tls");
	si.tls_meta.version = tls_version_of(jv_str(o, "tls_version"));
	si.tls_meta.seen = si.tls_meta.version != 0;
	auth_of(jv_get(o, "auth"), &si);
	si.commands = (unsigned)recs_num(o, "commands", 0, UINT32_MAX, 0);
	si.replies = (unsigned)recs_num(o, "replies", 0, UINT32_MAX, 0);
	si.anomalies = (unsigned)recs_num(o, "anomalies", 0, UINT32_MAX, 0);
	si.midstream = jv_bool(o, "midstream");
	memset(&ev, 0, sizeof(ev));
	ev.session = &si;
	ev.type = SMTP_EV_SESSION_OPEN;
	ev.ts = si.ts_open;
	emit(p, &ev);
	if (si.greeting_code > 0) {
		ev.type = SMTP_EV_REPLY;
		ev.u.reply.verb = SMTP_VERB_GREETING;
		ev.u.reply.code = si.greeting_code;
		ev.u.reply.latency = si.greeting_latency;
		ev.ts = si.ts_open +
		    (si.greeting_latency > 0 ? si.greeting_latency : 0);
		emit(p, &ev);
	}
	if (si.auth_code > 0) {
		memset(&ev.u, 0, sizeof(ev.u));
		ev.type = SMTP_EV_REPLY;
		ev.u.reply.verb = SMTP_VERB_AUTH;
		ev.u.reply.code = si.auth_code;
		ev.u.reply.latency = -1;
		emit(p, &ev);
	}
	memset(&ev.u, 0, sizeof(ev.u));
	ev.type = SMTP_EV_SESSION_CLOSE;
	ev.ts = si.ts_close;
	emit(p, &ev);
}

/* One command and its reply, as the dissector tells them. */
static void
command_reply(struct rep *p, const struct smtp_session_info *si,
    enum smtp_verb verb, double ts, const struct smtp_reply *rep)
{
	struct smtp_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.session = si;
	ev.ts = ts;
	ev.type = SMTP_EV_COMMAND;
	ev.u.command.verb = verb;
	emit(p, &ev);
	if (rep->code <= 0)
		return;
	memset(&ev.u, 0, sizeof(ev.u));
	ev.type = SMTP_EV_REPLY;
	ev.u.reply.verb = verb;
	ev.u.reply.code = rep->code;
	snprintf(ev.u.reply.enh, sizeof(ev.u.reply.enh), "%s", rep->enh);
	ev.u.reply.latency = rep->latency;
	ev.u.reply.last_chunk = verb == SMTP_VERB_BDAT;
	if (rep->latency > 0)
		ev.ts += rep->latency;
	emit(p, &ev);
}

static void
on_command(struct rep *p, const struct jv *o, unsigned file)
{
	static struct smtp_session_info si;
	struct smtp_command_result cr;
	struct smtp_event ev;
	const char *verb = jv_str(o, "command"), *arg = jv_str(o, "argument");

	if (!session_of(p, o, file, &si)) {
		p->r.bad_lines++;
		return;
	}
	memset(&cr, 0, sizeof(cr));
	cr.ts = recs_time(o, "ts", 0);
	if (!in_span(p, cr.ts))
		return;
	if (seen_copy(&p->seen,
		fp_of(verb != NULL ? verb : "command", cr.ts, &si.client,
		    &si.server, arg),
		file)) {
		p->copies++;
		return;
	}
	p->commands++;
	cr.verb = recs_verb(verb, SMTP_VERB_UNKNOWN);
	cr.arg = (const uint8_t *)(arg != NULL ? arg : "");
	cr.arg_len = strlen((const char *)cr.arg);
	cr.reversed = jv_bool(o, "reversed");
	recs_reply(&p->r, o, NULL, &cr.reply);
	command_reply(p, &si, cr.verb, cr.ts, &cr.reply);
	memset(&ev, 0, sizeof(ev));
	ev.session = &si;
	ev.ts = cr.ts;
	ev.type = SMTP_EV_COMMAND_RESULT;
	ev.u.result = &cr;
	emit(p, &ev);
}

static void
on_anomaly(struct rep *p, const struct jv *o, unsigned file)
{
	static struct smtp_session_info si;
	const char *name = jv_str(o, "name");
	struct smtp_event ev;
	int k;

	if (!session_of(p, o, file, &si) || name == NULL) {
		p->r.bad_lines++;
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.ts = recs_time(o, "ts", 0);
	if (!in_span(p, ev.ts) ||
	    seen_copy(&p->seen,
		fp_of(name, ev.ts, &si.client, &si.server, "anomaly"), file))
		return;
	for (k = 0; k < SMTP_ANOMALY_COUNT; k++)
		if (is(smtp_anomaly_name((enum smtp_anomaly)k), name))
			break;
	if (k == SMTP_ANOMALY_COUNT)
		return;
	p->others++;
	ev.type = SMTP_EV_ANOMALY;
	ev.session = &si;
	ev.u.anomaly.kind = (enum smtp_anomaly)k;
	emit(p, &ev);
}

static void
on_alert(struct rep *p, const struct jv *o)
{
	const char *kind = jv_str(o, "alert");
	struct smtp_alert a;
	struct smtp_event ev;
	int k;

	memset(&ev, 0, sizeof(ev));
	ev.ts = recs_time(o, "ts", 0);
	if (!in_span(p, ev.ts))
		return;
	for (k = 0; kind != NULL && k < SMTP_ALERT_COUNT; k++)
		if (is(smtp_alert_kind_name((enum smtp_alert_kind)k), kind))
			break;
	if (kind == NULL || k == SMTP_ALERT_COUNT)
		return;
	p->others++;
	memset(&a, 0, sizeof(a));
	a.kind = (enum smtp_alert_kind)k;
	a.raised = jv_str(o, "state") != NULL &&
	    strcmp(jv_str(o, "state"), "raised") == 0;
	a.subject = jv_str(o, "subject") != NULL ? jv_str(o, "subject") : "";
	a.value = jv_num(o, "value", 0);
	a.threshold = jv_num(o, "threshold", 0);
	a.latency_limit = jv_num(o, "latency_limit", 0);
	a.samples = recs_num(o, "samples", 0, UINT64_MAX >> 11, 0);
	a.window = jv_num(o, "window", 0);
	a.id = recs_num(o, "id", 0, UINT64_MAX >> 11, 0);
	ev.type = SMTP_EV_ALERT;
	ev.u.alert = &a;
	emit(p, &ev);
}

static void
on_attempt(struct rep *p, const struct jv *o, unsigned file)
{
	const char *res = jv_str(o, "result");
	struct smtp_attempt a;
	struct smtp_event ev;

	memset(&a, 0, sizeof(a));
	if (res == NULL ||
	    !recs_endpoint(jv_str(o, "client_ip"),
		(double)recs_num(o, "client_port", 0, 65535, 0), &a.client) ||
	    !recs_endpoint(jv_str(o, "server_ip"),
		(double)recs_num(o, "server_port", 0, 65535, 0), &a.server)) {
		p->r.bad_lines++;
		return;
	}
	a.ts = recs_time(o, "ts", 0);
	a.ts_end = recs_time(o, "ts_end", a.ts);
	if (!in_span(p, a.ts) ||
	    seen_copy(&p->seen,
		fp_of("attempt", a.ts, &a.client, &a.server, NULL), file))
		return;
	p->others++;
	a.result = strcmp(res, "refused") == 0 ? SMTP_ATTEMPT_REFUSED
					       : SMTP_ATTEMPT_UNANSWERED;
	a.waited = jv_num(o, "waited", 0);
	a.syns = (uint32_t)recs_num(o, "syns", 0, UINT32_MAX, 1);
	a.at_end = jv_bool(o, "at_end");
	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_ATTEMPT;
	ev.ts = a.ts;
	ev.u.attempt = &a;
	emit(p, &ev);
}

/* A summary's figures of the capture, added up. */
static void
on_summary(struct rep *p, const struct jv *o)
{
	struct capture_stats *cs = &p->health.cs;
	struct reasm_stats *rs = &p->health.rs;
	const struct jv *w = jv_get(o, "libnids_warnings");
	uint64_t big = UINT64_MAX >> 11;

#define ADD(dst, key) (dst) += recs_num(o, key, 0, big, 0)
	p->summaries++;
	ADD(rs->packets, "packets");
	ADD(rs->bytes, "bytes");
	ADD(rs->tcp_packets, "tcp_packets");
	ADD(rs->ipv6_packets, "ipv6_packets");
	ADD(rs->not_ip, "not_ip");
	ADD(rs->truncated, "truncated_headers");
	ADD(rs->bad_header, "bad_headers");
	ADD(rs->no_handshake, "no_handshake");
	ADD(rs->reused, "reused_tuples");
	ADD(rs->idle_expired, "idle_expired");
	ADD(rs->gaps, "gaps");
	ADD(rs->gap_bytes, "gap_bytes");
	ADD(rs->snap_cut, "snaplen_cut");
	ADD(rs->snap_cut_bytes, "snaplen_cut_bytes");
	ADD(rs->bad_checksum, "bad_checksums");
	ADD(rs->ip_checksum_fixed, "ip_header_sums_mended");
	ADD(rs->midstream, "midstream");
	ADD(rs->one_sided_client, "one_sided_client");
	ADD(rs->one_sided_server, "one_sided_server");
	ADD(rs->sessions_evicted, "sessions_evicted");
	ADD(rs->sessions_evicted_memory, "sessions_evicted_memory");
	ADD(rs->attempts_refused, "attempts_refused");
	ADD(rs->attempts_unanswered, "attempts_unanswered");
	ADD(rs->attempts_untracked, "attempts_untracked");
	ADD(cs->timestamps_replaced, "timestamps_replaced");
	rs->nids_warnings += recs_num(w, "total", 0, big, 0);
#undef ADD
	/* Live runs have the kernel's drops (null reading files). */
	if (jv_get(o, "pcap_drops") != NULL &&
	    jv_get(o, "pcap_drops")->type == JV_NUM) {
		cs->live = p->health.live = true;
		cs->pcap_drops += recs_num(o, "pcap_drops", 0, big, 0);
		cs->pcap_ifdrops += recs_num(o, "pcap_ifdrops", 0, big, 0);
	}
	/* The most open at once on one sensor. */
	if (recs_num(o, "max_active_sessions", 0, big, 0) > rs->active_max)
		rs->active_max = (unsigned long)recs_num(
		    o, "max_active_sessions", 0, big, 0);
	if (jv_bool(o, "input_damaged"))
		cs->damaged = true;
	if (jv_get(o, "alerts") != NULL)
		p->alerts_seen = true;
}

static void
on_record(void *arg, const struct jv *o, const char *type, unsigned file)
{
	struct rep *p = arg;

	if (strcmp(type, "session") == 0)
		on_session(p, o, file);
	else if (strcmp(type, "command") == 0)
		on_command(p, o, file);
	else if (strcmp(type, "anomaly") == 0)
		on_anomaly(p, o, file);
	else if (strcmp(type, "alert") == 0) {
		p->alerts_seen = true;
		on_alert(p, o);
	} else if (strcmp(type, "attempt") == 0)
		on_attempt(p, o, file);
	else if (strcmp(type, "summary") == 0)
		on_summary(p, o);
	/* message records: the tracker makes them again, across the
	 * sensors; error records: nothing to count. */
}

/* A transaction, in the order they ended: its commands and replies,
 * then itself, to the store if it ended in the span; to the tracker in
 * any case (the hops around the span link its messages). */
static void
on_transaction(void *arg, const struct smtp_event *ev)
{
	struct rep *p = arg;
	const struct smtp_transaction *tx = ev->u.tx;
	const struct smtp_reply none = { 0, "", NULL, -1 };
	size_t i;

	if (!in_span(p, tx->ts_end))
		return;
	if (!tx->sender_unknown || tx->mail.code > 0)
		command_reply(p, ev->session, tx->verb, tx->ts, &tx->mail);
	for (i = 0; i < tx->nrcpt; i++)
		command_reply(
		    p, ev->session, SMTP_VERB_RCPT, tx->ts, &tx->rcpt[i].reply);
	/* A refused DATA is in refused[] too (each one, where data has
	 * the last): told once, as the store counts it. */
	for (i = 0; i < tx->nrefused; i++)
		if (tx->refused[i].verb == SMTP_VERB_DATA)
			break;
	if (i == tx->nrefused &&
	    (tx->data.code > 0 || (tx->data_seen && !tx->bdat)))
		command_reply(
		    p, ev->session, SMTP_VERB_DATA, tx->ts, &tx->data);
	for (i = 0; i < tx->nrefused; i++)
		command_reply(p, ev->session, tx->refused[i].verb, tx->ts,
		    &tx->refused[i].reply);
	/* BDAT: its chunks, the last answered by the final reply. */
	for (i = 1; tx->bdat && i < tx->bdat_chunks; i++)
		command_reply(p, ev->session, SMTP_VERB_BDAT, tx->ts, &none);
	if (tx->bdat && tx->bdat_chunks > 0)
		command_reply(
		    p, ev->session, SMTP_VERB_BDAT, tx->ts_end, &tx->final);
	else if (tx->final.code > 0)
		command_reply(p, ev->session, SMTP_VERB_END_OF_DATA, tx->ts_end,
		    &tx->final);
	/* The server closing inside it: its 421 (to whatever command). */
	if (tx->ended_by != NULL && strcmp(tx->ended_by, "421") == 0) {
		struct smtp_event r;

		memset(&r, 0, sizeof(r));
		r.type = SMTP_EV_REPLY;
		r.ts = tx->ts_end;
		r.session = ev->session;
		r.u.reply.verb = SMTP_VERB_UNKNOWN;
		r.u.reply.code = 421;
		r.u.reply.latency = -1;
		emit(p, &r);
	}
	emit(p, (struct smtp_event *)ev);
}

/* A settled message, counted when its first hop ended in the span. */
static void
on_message(void *arg, const struct smtp_event *ev)
{
	struct rep *p = arg;
	const struct smtp_message *m = ev->u.message;

	if (in_span(p, m->nhops > 0 ? m->hops[0].ts_end : m->ts_end))
		emit(p, (struct smtp_event *)ev);
}

/* ---- the report ---- */

/* The report in path ("-": standard output): whole, or not at all
 * (report_open(): a file written beside, then renamed). */
static int
write_one(
    const struct spec *sp, const struct stats *st, const struct report_info *ri)
{
	char tmp[4096];
	FILE *f = stdout;
	bool atomic = false;
	mode_t mask;
	int rc;

	if (sp->out != NULL && strcmp(sp->out, "-") != 0) {
		mask = umask(0);
		umask(mask);
		if ((f = report_open(sp->out, 0666 & ~mask, tmp, sizeof(tmp),
			 &atomic)) == NULL)
			return -1;
	}
	errno = 0;
	rc = sp->format == R_TEXT  ? report_text(f, st, ri)
	    : sp->format == R_JSON ? report_json(f, st, ri)
				   : report_html(f, st, ri);
	if (f == stdout)
		return fflush(stdout) != 0 || rc != 0 ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	if (rc == 0 && atomic && rename(tmp, sp->out) != 0)
		rc = -1;
	if (rc != 0) {
		fprintf(stderr, "smtpscope report: writing %s failed: %s\n",
		    sp->out, strerror(errno != 0 ? errno : EIO));
		if (atomic)
			unlink(tmp);
	}
	return rc;
}

/* What the records do not carry, and what the figures cover. */
static void
make_note(const struct rep *p, char *buf, size_t n)
{
	int k = snprintf(buf, n,
	    "Made from records, which keep MAIL, RCPT, DATA, BDAT, the end "
	    "of data, refused and logged commands with their replies, the "
	    "greeting, a 421 that ended a transaction and AUTH's last "
	    "reply: HELO/EHLO, AUTH, RSET, QUIT, STARTTLS and the other "
	    "commands and their replies, and the latencies of DATA and "
	    "HELO/EHLO, are in no record. ");

	if (k < 0 || (size_t)k >= n)
		return;
	if (p->summaries == 0)
		snprintf(buf + k, n - (size_t)k, "%s",
		    "No summary was read: the capture health is not known.");
	else
		snprintf(buf + k, n - (size_t)k,
		    "The capture health adds up %" PRIu64
		    " summar%s, each of a whole run or rotated interval%s.",
		    p->summaries, p->summaries == 1 ? "y" : "ies",
		    p->since > 0 || p->until > 0
			? ", not cut to --since/--until"
			: "");
}

static void __attribute__((noreturn)) usage(FILE *f, int status)
{
	fputs("usage: smtpscope report [OPTION...] INPUT...\n"
	      "       smtpscope report [OPTION...] --clickhouse URL "
	      "[INPUT...]\n"
	      "The reports (text, JSON, HTML) made again from records: for "
	      "any span, any\nset of logs, and a fleet of sensors' records "
	      "in ClickHouse.\n"
	      "INPUT: smtpscope's JSON logs (-w) or captures (pcap, "
	      "pcapng), several\nat once, from several sensors: a "
	      "connection two sensors saw counts once.\n"
	      "  -f, --format FORMAT     text (default), json or html; "
	      "repeatable, each\n"
	      "                          with its -o\n"
	      "  -o FILE                 write the last --format's report "
	      "to FILE (- stdout)\n"
	      "      --since TIME, --until TIME  the span [since, until): "
	      "UTC 2026-11-22,\n"
	      "                          2026-11-22T23:06:33, or seconds "
	      "since the epoch\n"
	      "      --localtime         days and hours in local time\n"
	      "      --track-window S    message tracking's window "
	      "(default 900)\n"
	      "      --no-track          no message tracking\n" RECS_STORE_HELP,
	    f);
	exit(status);
}

int
reportcmd_main(int argc, char **argv, const char *version)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "localtime", no_argument, NULL, 'L' },
		RECS_SPAN_OPTIONS,
		{ "no-track", no_argument, NULL, 'N' },
		RECS_STORE_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const tables[] = { "sessions", "transactions",
		"commands", "events", "summaries" };
	static struct rep p;
	static struct stats st;
	struct recs_store so;
	struct spec specs[REPORTS_MAX];
	struct track_config tc = { 0, 0, 0 };
	struct recs_span span = { 0, 0, 0 };
	struct report_info ri;
	struct event_bus bus;
	struct tracker *tr = NULL;
	char source[512], note[1024];
	size_t nspecs = 0, i;
	bool track = true, localtime_ = false;
	int ch;

	/* Each call a run of its own (a fuzzer calls it again and again). */
	memset(&p, 0, sizeof(p));
	memset(&so, 0, sizeof(so));
	recs_init(&p.r, "report");
	p.r.on_record = on_record;
	p.r.arg = &p;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (nspecs == REPORTS_MAX) {
				recs_say(
				    &p.r, "at most %d reports", REPORTS_MAX);
				return EXIT_USAGE;
			}
			if (strcmp(optarg, "text") == 0)
				specs[nspecs].format = R_TEXT;
			else if (strcmp(optarg, "json") == 0)
				specs[nspecs].format = R_JSON;
			else if (strcmp(optarg, "html") == 0)
				specs[nspecs].format = R_HTML;
			else {
				recs_say(&p.r,
				    "--format is text, json or html, not "
				    "\"%s\"",
				    optarg);
				return EXIT_USAGE;
			}
			specs[nspecs++].out = NULL;
			break;
		case 'o':
			if (nspecs == 0)
				specs[nspecs++].format = R_TEXT;
			if (specs[nspecs - 1].out != NULL) {
				recs_say(&p.r, "%s",
				    "-o names one file for each --format "
				    "(give the format before each -o)");
				return EXIT_USAGE;
			}
			specs[nspecs - 1].out = optarg;
			break;
		case 'L':
			localtime_ = true;
			break;
		case 'N':
			track = false;
			break;
		case 'h':
			usage(stdout, EXIT_OK);
		default:
			if (recs_store_option(&p.r, &so, ch, optarg) == 0 ||
			    recs_span_option(&p.r, &span, ch, optarg) == 0)
				break;
			if (RECS_IS_STORE_OPTION(ch) || RECS_IS_SPAN_OPTION(ch))
				return EXIT_USAGE;
			usage(stderr, EXIT_USAGE);
		}
	}
	if (recs_store_check(&p.r, &so, optind < argc) != 0)
		return EXIT_USAGE;
	p.since = span.since;
	p.until = span.until;
	tc.window = span.window;
	if (p.since > 0 && p.until > 0 && p.until <= p.since) {
		recs_say(&p.r, "%s", "--until is not after --since");
		return EXIT_USAGE;
	}
	if (nspecs == 0)
		specs[nspecs++] = (struct spec){ R_TEXT, NULL };
	stats_init(&st);
	p.st = &st;
	st.tracking = track;
	/* Every event, the tracker's, the alerts and attempts too. */
	event_bus_subscribe_types(
	    &p.stats_bus, stats_on_event, &st, ~0u & ~EVENT_BIT(SMTP_EV_BODY));
	for (i = (size_t)optind; i < (size_t)argc; i++)
		if (!recs_add_input(&p.r, argv[i])) {
			recs_say(&p.r, "%s", "too many inputs");
			return EXIT_USAGE;
		}
	for (i = 0; i < p.r.nfiles; i++)
		recs_read_input(&p.r, (unsigned)i);
	/* The hops of the span's messages: a window each side (a session
	 * opens before its transactions: a day more before). */
	if (so.url != NULL)
		recs_read_store(&p.r, &so, tables, 5, p.since, p.until,
		    2 * (tc.window > 0 ? tc.window : 900) + 86400,
		    2 * (tc.window > 0 ? tc.window : 900));
	recs_sort(&p.r);
	st.alerting = p.alerts_seen;
	memset(&bus, 0, sizeof(bus));
	event_bus_subscribe_types(
	    &bus, on_transaction, &p, EVENT_BIT(SMTP_EV_TRANSACTION));
	if (track) {
		tr = track_open(&tc, &bus);
		event_bus_subscribe_types(
		    &bus, on_message, &p, EVENT_BIT(SMTP_EV_MESSAGE));
	}
	p.copies += p.r.ntx - recs_feed(&p.r, &bus);
	if (tr != NULL) {
		track_finish(tr);
		track_close(tr);
	}
	/* Within the span asked for: a session that ended in it may have
	 * opened before. */
	if (p.since > 0 && st.first_ts > 0 && st.first_ts < p.since)
		st.first_ts = p.since;
	if (p.until > 0 && st.last_ts > p.until)
		st.last_ts = p.until;
	if (so.url != NULL)
		snprintf(source, sizeof(source), "%s%s%s (%zu sensor runs)",
		    so.nsensors > 0 ? "sensor " : "all sensors at ",
		    so.nsensors > 0 ? so.sensors[0] : so.url,
		    so.nsensors > 1 ? " and more" : "", p.r.nfiles);
	else
		snprintf(source, sizeof(source), "%s%s",
		    p.r.nfiles > 0 ? p.r.files[0] : "",
		    p.r.nfiles > 1 ? " (+ more)" : "");
	if (so.url != NULL && optind < argc)
		snprintf(source + strlen(source),
		    sizeof(source) - strlen(source), " and %d input%s",
		    argc - optind, argc - optind > 1 ? "s" : "");
	make_note(&p, note, sizeof(note));
	memset(&ri, 0, sizeof(ri));
	ri.source = source;
	ri.live = p.health.live;
	ri.wall_now = (double)time(NULL);
	ri.version = version;
	ri.localtime = localtime_;
	ri.health = &p.health;
	ri.note = note;
	for (i = 0; i < nspecs; i++)
		if (write_one(&specs[i], &st, &ri) != 0 &&
		    p.r.status == EXIT_OK)
			p.r.status = EXIT_OUTPUT;
	if (p.seen.unchecked > 0)
		recs_say(&p.r,
		    "%" PRIu64 " sessions, commands and attempts read past the "
		    "8 million told apart: a copy of them another input had "
		    "may count twice",
		    p.seen.unchecked);
	recs_finish(&p.r);
	fprintf(stderr,
	    "smtpscope report: %" PRIu64 " sessions, %" PRIu64
	    " transactions from %zu inputs (%" PRIu64
	    " records another input also had, counted once)\n",
	    st.sessions, st.transactions, p.r.nfiles, p.copies);
	recs_free(&p.r);
	free(p.seen.slot);
	return p.r.status;
}
