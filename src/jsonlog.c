/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "jsonlog.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "reasm.h"
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
put_ts(struct dbuf *b, const char *key, double ts)
{
	dbuf_printf(b, ",\"%s\":%.6f", key, ts);
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
		log->error = true;
}

static void
log_transaction(struct jsonlog *log, const struct smtp_event *ev)
{
	const struct smtp_session_info *si = ev->session;
	const struct smtp_transaction *tx = ev->u.tx;
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
	put_code(b, "mail_code", tx->mail_code);
	dbuf_adds(b, ",\"rcpt_to\":[");
	for (i = 0; i < tx->nrcpt; i++) {
		dbuf_adds(b, i ? ",{\"addr\":" : "{\"addr\":");
		json_append_cstr(b, tx->rcpt[i].addr);
		put_code(b, "code", tx->rcpt[i].code);
		dbuf_addc(b, '}');
	}
	dbuf_printf(b, "],\"rcpt_count\":%zu,\"rcpt_accepted\":%zu",
	    tx->rcpt_total, tx->rcpt_accepted);
	put_code(b, "data_code", tx->data_code);
	put_code(b, "final_code", tx->final_code);
	dbuf_printf(b, ",\"outcome\":\"%s\",\"size\":%" PRIu64,
	    smtp_outcome_name(tx->outcome), tx->size);
	dbuf_printf(
	    b, ",\"ended_by\":\"%s\"", tx->ended_by ? tx->ended_by : "");
	put_ts(b, "ts_end", tx->ts_end);
	dbuf_addc(b, '}');
	write_line(log);
}

static void
log_session(struct jsonlog *log, const struct smtp_event *ev)
{
	const struct smtp_session_info *si = ev->session;
	struct dbuf *b = &log->line;
	double dur = si->ts_close - si->ts_open;

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
	put_code(b, "greeting_code", si->greeting_code);
	dbuf_printf(b, ",\"tls\":%s,\"anomalies\":%u}",
	    si->tls ? "true" : "false", si->anomalies);
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
		log->error = true;
}

int
jsonlog_close(struct jsonlog *log)
{
	int rc = 0;

	if (log->f == NULL)
		return 0;
	if (fflush(log->f) != 0 || ferror(log->f))
		log->error = true;
	if (!log->is_stdout && fclose(log->f) != 0)
		log->error = true;
	log->f = NULL;
	dbuf_free(&log->line);
	if (log->error)
		rc = -1;
	return rc;
}
