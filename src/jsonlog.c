/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "jsonlog.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "reasm.h"
#include "smtp/message.h"
#include "smtp/smtp.h"
#include "smtp/tls.h"
#include "stats.h"

#define JSONLOG_LINE_MAX (4u << 20) /* one record, all recipients */

int
jsonlog_open(struct jsonlog *log, const char *path, char *err, size_t errlen)
{
	memset(log, 0, sizeof(*log));
	dbuf_init(&log->line, JSONLOG_LINE_MAX);
	if (strcmp(path, "-") == 0) {
		log->f = stdout;
		log->is_stdout = true;
		return 0;
	}
	log->f = fopen(path, "w");
	if (log->f == NULL) {
		snprintf(err, errlen, "cannot write the log %s: %s", path,
		    strerror(errno));
		return -1;
	}
	setvbuf(log->f, NULL, _IOFBF, 1 << 16);
	return 0;
}

static void
log_failed(struct jsonlog *log)
{
	if (!log->error)
		log->errnum = errno;
	log->error = true;
}

static void
put_fixed6(struct dbuf *b, const char *key, double v)
{
	char num[48], *p = num + sizeof(num);
	uint64_t us = (uint64_t)(v * 1e6 + 0.5), sec = us / 1000000;
	unsigned frac = (unsigned)(us % 1000000);
	int i;

	for (i = 0; i < 6; i++) {
		*--p = (char)('0' + frac % 10);
		frac /= 10;
	}
	*--p = '.';
	do {
		*--p = (char)('0' + sec % 10);
		sec /= 10;
	} while (sec > 0);
	dbuf_adds(b, ",\"");
	dbuf_adds(b, key);
	dbuf_adds(b, "\":");
	dbuf_add(b, p, (size_t)(num + sizeof(num) - p));
}

static void
put_ts(struct dbuf *b, const char *key, double ts)
{
	put_fixed6(b, key, ts);
}

static void
put_endpoints(struct dbuf *b, const struct smtp_session_info *si)
{
	char a[ENDPOINT_ADDRSTRLEN];

	endpoint_addr_str(&si->client, a, sizeof(a));
	dbuf_printf(
	    b, ",\"client_ip\":\"%s\",\"client_port\":%u", a, si->client.port);
	endpoint_addr_str(&si->server, a, sizeof(a));
	dbuf_printf(
	    b, ",\"server_ip\":\"%s\",\"server_port\":%u", a, si->server.port);
}

static void
put_code(struct dbuf *b, const char *key, int code)
{
	if (code > 0)
		dbuf_printf(b, ",\"%s\":%d", key, code);
	else
		dbuf_printf(b, ",\"%s\":null", key);
}

static void
write_line(struct jsonlog *log)
{
	dbuf_addc(&log->line, '\n');
	if (log->line.truncated) {
		/* Never a cut JSON object: say what was lost instead. */
		log->line.len = 0;
		log->line.truncated = false;
		dbuf_adds(&log->line,
		    "{\"type\":\"error\",\"error\":\"record too large\"}\n");
	}
	if (fwrite(log->line.p, 1, log->line.len, log->f) != log->line.len)
		log_failed(log);
}

/* "key":"value" or "key":null; the first key of an object has no
 * comma before it. */
static void
put_first_str_or_null(struct dbuf *b, const char *key, const char *v)
{
	dbuf_printf(b, "\"%s\":", key);
	if (v != NULL)
		json_append_cstr(b, v);
	else
		dbuf_adds(b, "null");
}

static void
put_str_or_null(struct dbuf *b, const char *key, const char *v)
{
	dbuf_addc(b, ',');
	put_first_str_or_null(b, key, v);
}

static void
put_latency(struct dbuf *b, const char *key, double v)
{
	if (v >= 0)
		put_fixed6(b, key, v);
	else
		dbuf_printf(b, ",\"%s\":null", key);
}

/* A reply kept on a transaction: "<p>_code", "<p>_enh", "<p>_text". */
static void
put_reply(struct dbuf *b, const char *prefix, const struct smtp_reply *r)
{
	char key[32];

	snprintf(key, sizeof(key), "%s_code", prefix);
	put_code(b, key, r->code);
	snprintf(key, sizeof(key), "%s_enh", prefix);
	put_str_or_null(b, key, r->enh[0] ? r->enh : NULL);
	snprintf(key, sizeof(key), "%s_text", prefix);
	put_str_or_null(b, key, r->code ? r->text : NULL);
}

static void
put_str_array(struct dbuf *b, const char *key, char *const *v, size_t n)
{
	size_t i;

	dbuf_printf(b, ",\"%s\":[", key);
	for (i = 0; i < n; i++) {
		if (i > 0)
			dbuf_addc(b, ',');
		json_append_cstr(b, v[i]);
	}
	dbuf_addc(b, ']');
}

static void
put_headers(struct dbuf *b, const struct msg_info *m)
{
	size_t i;

	if (m == NULL || (m->header_lines == 0 && !m->headers_done)) {
		dbuf_adds(b, ",\"headers\":null");
		return;
	}
	dbuf_adds(b, ",\"headers\":{");
	put_first_str_or_null(b, "date", m->date);
	put_str_or_null(b, "from", m->from);
	put_str_or_null(b, "to", m->to);
	put_str_or_null(b, "cc", m->cc);
	put_str_or_null(b, "reply_to", m->reply_to);
	put_str_or_null(b, "msg_id", m->msg_id);
	put_str_or_null(b, "in_reply_to", m->in_reply_to);
	put_str_or_null(b, "subject", m->subject_decoded);
	put_str_or_null(b, "x_originating_ip", m->x_originating_ip);
	put_str_or_null(b, "user_agent", m->user_agent);
	put_str_array(b, "received", m->received, m->nreceived);
	put_str_array(b, "path", m->path, m->npath);
	dbuf_printf(
	    b, ",\"truncated\":%s}", m->headers_truncated ? "true" : "false");
	if (!m->is_dsn) {
		dbuf_adds(b, ",\"dsn\":null");
		return;
	}
	dbuf_adds(b, ",\"dsn\":{");
	put_first_str_or_null(b, "reporting_mta", m->dsn_reporting_mta);
	dbuf_adds(b, ",\"recipients\":[");
	for (i = 0; i < m->ndsn; i++) {
		const struct msg_dsn_rcpt *r = &m->dsn[i];

		dbuf_adds(b, i ? ",{" : "{");
		put_first_str_or_null(b, "final_recipient", r->final_recipient);
		put_str_or_null(b, "original_recipient", r->original_recipient);
		put_str_or_null(b, "action", r->action);
		put_str_or_null(b, "status", r->status);
		put_str_or_null(b, "diagnostic_code", r->diagnostic);
		put_str_or_null(b, "remote_mta", r->remote_mta);
		dbuf_addc(b, '}');
	}
	dbuf_adds(b, "]}");
}

static void
log_transaction(struct jsonlog *log, const struct smtp_event *ev)
{
	const struct smtp_session_info *si = ev->session;
	const struct smtp_transaction *tx = ev->u.tx;
	const struct smtp_mail_params *mp = &tx->params;
	struct dbuf *b = &log->line;
	size_t i;

	dbuf_reset(b);
	dbuf_printf(
	    b, "{\"type\":\"transaction\",\"session_id\":%" PRIu64, si->id);
	put_ts(b, "ts", tx->ts);
	put_endpoints(b, si);
	dbuf_printf(b, ",\"trans_depth\":%u,\"helo\":", tx->depth);
	json_append_cstr(b, si->helo);
	dbuf_adds(b, ",\"mail_from\":");
	json_append_cstr(b, tx->mail_from);
	put_reply(b, "mail", &tx->mail);
	dbuf_printf(b, ",\"mail_params\":{\"size\":%" PRIu64, mp->size);
	put_str_or_null(b, "body", mp->body[0] ? mp->body : NULL);
	put_str_or_null(b, "ret", mp->ret[0] ? mp->ret : NULL);
	put_str_or_null(b, "envid", mp->envid);
	put_str_or_null(b, "auth", mp->auth);
	dbuf_printf(b, ",\"smtputf8\":%s,\"requiretls\":%s}",
	    mp->smtputf8 ? "true" : "false", mp->requiretls ? "true" : "false");
	dbuf_adds(b, ",\"rcpt_to\":[");
	for (i = 0; i < tx->nrcpt; i++) {
		const struct smtp_rcpt *r = &tx->rcpt[i];

		dbuf_adds(b, i ? ",{\"addr\":" : "{\"addr\":");
		json_append_cstr(b, r->addr);
		put_code(b, "code", r->reply.code);
		put_str_or_null(
		    b, "enh", r->reply.enh[0] ? r->reply.enh : NULL);
		put_str_or_null(
		    b, "text", r->reply.code ? r->reply.text : NULL);
		put_latency(b, "latency", r->reply.latency);
		put_str_or_null(b, "notify", r->notify);
		put_str_or_null(b, "orcpt", r->orcpt);
		dbuf_addc(b, '}');
	}
	dbuf_printf(b, "],\"rcpt_count\":%zu,\"rcpt_accepted\":%zu",
	    tx->rcpt_total, tx->rcpt_accepted);
	put_reply(b, "data", &tx->data);
	put_reply(b, "final", &tx->final);
	put_latency(b, "mail_latency", tx->mail.latency);
	put_latency(b, "final_latency", tx->final.latency);
	dbuf_printf(b, ",\"outcome\":\"%s\",\"size\":%" PRIu64,
	    smtp_outcome_name(tx->outcome), tx->size);
	dbuf_adds(b, ",\"last_reply\":");
	if (tx->last_code > 0) {
		struct dbuf t;

		dbuf_init(&t, SMTP_REPLY_TEXT_MAX + 8);
		dbuf_printf(&t, "%d %s", tx->last_code,
		    tx->last_text ? tx->last_text : "");
		json_append_str(b, (const uint8_t *)t.p, t.len);
		dbuf_free(&t);
	} else
		dbuf_adds(b, "null");
	dbuf_printf(b,
	    ",\"bounce\":%s,\"bdat\":%s,\"bdat_chunks\":%u,\"tls\":%s",
	    tx->bounce ? "true" : "false", tx->bdat ? "true" : "false",
	    tx->bdat_chunks, si->tls ? "true" : "false");
	dbuf_printf(
	    b, ",\"ended_by\":\"%s\"", tx->ended_by ? tx->ended_by : "");
	put_ts(b, "ts_end", tx->ts_end);
	put_headers(b, tx->msg);
	dbuf_addc(b, '}');
	write_line(log);
}

static void
log_session(struct jsonlog *log, const struct smtp_event *ev)
{
	const struct smtp_session_info *si = ev->session;
	struct dbuf *b = &log->line;
	double dur = si->ts_close - si->ts_open;
	const char *vn;
	unsigned bit;
	int first = 1;

	dbuf_reset(b);
	dbuf_printf(b, "{\"type\":\"session\",\"session_id\":%" PRIu64, si->id);
	put_ts(b, "ts", si->ts_open);
	put_endpoints(b, si);
	dbuf_printf(b,
	    ",\"duration\":%.6f,\"bytes_client\":%" PRIu64
	    ",\"bytes_server\":%" PRIu64 ",\"transactions\":%u,\"end\":\"%s\"",
	    dur < 0 ? 0 : dur, si->bytes_client, si->bytes_server,
	    si->transactions, session_end_name(si->end));
	dbuf_adds(b, ",\"helo\":");
	json_append_cstr(b, si->helo);
	dbuf_printf(b, ",\"ehlo\":%s", si->ehlo ? "true" : "false");
	put_code(b, "greeting_code", si->greeting_code);
	put_str_or_null(
	    b, "greeting_host", si->greeting_code ? si->greeting_host : NULL);
	put_str_or_null(
	    b, "greeting_text", si->greeting_code ? si->greeting_text : NULL);
	put_latency(b, "greeting_latency", si->greeting_latency);
	dbuf_adds(b, ",\"capabilities\":[");
	for (bit = 0; smtp_cap_name(bit) != NULL; bit++)
		if (si->caps & (1u << bit)) {
			dbuf_printf(b, "%s\"%s\"", first ? "" : ",",
			    smtp_cap_name(bit));
			first = 0;
		}
	dbuf_adds(b, "]");
	if (si->size_limit > 0)
		dbuf_printf(b, ",\"size_limit\":%" PRIu64, si->size_limit);
	else
		dbuf_adds(b, ",\"size_limit\":null");
	put_str_or_null(
	    b, "auth_mechanisms", si->auth_mechs[0] ? si->auth_mechs : NULL);
	dbuf_printf(b, ",\"starttls\":%s,\"tls\":%s,\"implicit_tls\":%s",
	    si->starttls ? "true" : "false", si->tls ? "true" : "false",
	    si->implicit_tls ? "true" : "false");
	vn = si->tls_meta.seen ? tls_version_name(si->tls_meta.version) : NULL;
	put_str_or_null(b, "tls_version", vn);
	vn = si->tls_meta.seen ? tls_version_name(si->tls_meta.client_version)
			       : NULL;
	put_str_or_null(b, "tls_client_version", vn);
	if (si->tls_meta.seen && si->tls_meta.cipher != 0)
		dbuf_printf(
		    b, ",\"tls_cipher\":\"0x%04x\"", si->tls_meta.cipher);
	else
		dbuf_adds(b, ",\"tls_cipher\":null");
	put_str_or_null(b, "sni",
	    si->tls_meta.seen && si->tls_meta.sni[0] ? si->tls_meta.sni : NULL);
	if (si->auth_attempts > 0) {
		dbuf_adds(b, ",\"auth\":{\"mechanism\":");
		json_append_cstr(b, si->auth_mech);
		put_str_or_null(
		    b, "user", si->auth_user[0] ? si->auth_user : NULL);
		dbuf_printf(b, ",\"result\":\"%s\"",
		    smtp_auth_result_name(si->auth_result));
		put_code(b, "code", si->auth_code);
		dbuf_printf(b, ",\"attempts\":%u,\"failures\":%u}",
		    si->auth_attempts, si->auth_failures);
	} else
		dbuf_adds(b, ",\"auth\":null");
	dbuf_printf(b, ",\"commands\":%u,\"replies\":%u,\"anomalies\":%u}",
	    si->commands, si->replies, si->anomalies);
	write_line(log);
}

static void
log_anomaly(struct jsonlog *log, const struct smtp_event *ev)
{
	struct dbuf *b = &log->line;

	dbuf_reset(b);
	dbuf_printf(b, "{\"type\":\"anomaly\",\"session_id\":%" PRIu64,
	    ev->session->id);
	put_ts(b, "ts", ev->ts);
	put_endpoints(b, ev->session);
	dbuf_printf(
	    b, ",\"name\":\"%s\"}", smtp_anomaly_name(ev->u.anomaly.kind));
	write_line(log);
}

void
jsonlog_on_event(void *arg, const struct smtp_event *ev)
{
	struct jsonlog *log = arg;

	switch (ev->type) {
	case SMTP_EV_TRANSACTION:
		log_transaction(log, ev);
		break;
	case SMTP_EV_SESSION_CLOSE:
		log_session(log, ev);
		break;
	case SMTP_EV_ANOMALY:
		log_anomaly(log, ev);
		break;
	default:
		break;
	}
}

void
jsonlog_summary(struct jsonlog *log, const struct stats *st,
    const struct reasm_stats *rs, const struct capture_stats *cs)
{
	struct dbuf *b = &log->line;
	int i;

	dbuf_reset(b);
	dbuf_printf(b,
	    "{\"type\":\"summary\",\"sessions\":%" PRIu64
	    ",\"transactions\":%" PRIu64 ",\"messages_accepted\":%" PRIu64
	    ",\"recipients_accepted\":%" PRIu64 ",\"recipients\":%" PRIu64,
	    st->sessions, st->transactions, st->messages_accepted,
	    st->recipients_accepted, st->recipients);
	dbuf_printf(b,
	    ",\"rejected\":%" PRIu64 ",\"tempfail\":%" PRIu64
	    ",\"dropped\":%" PRIu64 ",\"aborted\":%" PRIu64,
	    st->outcome[OUTCOME_REJECTED], st->outcome[OUTCOME_TEMPFAIL],
	    st->outcome[OUTCOME_DROPPED], st->outcome[OUTCOME_ABORTED]);
	if (cs->live)
		dbuf_printf(b,
		    ",\"pcap_drops\":%" PRIu64 ",\"pcap_ifdrops\":%" PRIu64,
		    cs->pcap_drops, cs->pcap_ifdrops);
	else
		dbuf_adds(b, ",\"pcap_drops\":null,\"pcap_ifdrops\":null");
	dbuf_printf(b,
	    ",\"no_handshake\":%" PRIu64 ",\"packets\":%" PRIu64
	    ",\"bytes\":%" PRIu64 ",\"tcp_packets\":%" PRIu64
	    ",\"ipv6_packets\":%" PRIu64,
	    rs->no_handshake, rs->packets, rs->bytes, rs->tcp_packets,
	    rs->ipv6_packets);
	dbuf_printf(b,
	    ",\"not_ip\":%" PRIu64 ",\"truncated_headers\":%" PRIu64
	    ",\"bad_headers\":%" PRIu64 ",\"reused_tuples\":%" PRIu64
	    ",\"idle_expired\":%" PRIu64 ",\"max_active_sessions\":%lu",
	    rs->not_ip, rs->truncated, rs->bad_header, rs->reused,
	    rs->idle_expired, rs->active_max);
	dbuf_printf(b, ",\"gaps\":%" PRIu64 ",\"gap_bytes\":%" PRIu64, rs->gaps,
	    rs->gap_bytes);
	dbuf_printf(
	    b, ",\"libnids_warnings\":{\"total\":%" PRIu64, rs->nids_warnings);
	for (i = 1; i < REASM_NIDS_WARN_MAX; i++)
		if (reasm_nids_warning_name(i) != NULL)
			dbuf_printf(b, ",\"%s\":%" PRIu64,
			    reasm_nids_warning_name(i), rs->nids_warning[i]);
	dbuf_adds(b, "},\"anomalies\":{");
	for (i = 0; i < ANOMALY_COUNT; i++)
		dbuf_printf(b, "%s\"%s\":%" PRIu64, i ? "," : "",
		    smtp_anomaly_name((enum smtp_anomaly)i), st->anomaly[i]);
	dbuf_printf(
	    b, "},\"input_damaged\":%s}", cs->damaged ? "true" : "false");
	write_line(log);
}

void
jsonlog_flush(struct jsonlog *log)
{
	if (fflush(log->f) != 0)
		log_failed(log);
}

int
jsonlog_close(struct jsonlog *log)
{
	int rc = 0;

	if (log->f == NULL)
		return 0;
	if (fflush(log->f) != 0 || ferror(log->f))
		log_failed(log);
	if (!log->is_stdout && fclose(log->f) != 0)
		log_failed(log);
	log->f = NULL;
	dbuf_free(&log->line);
	if (log->error)
		rc = -1;
	return rc;
}
