/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "event/event.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
endpoint_addr_str(const struct smtp_endpoint *ep, char *buf, size_t size)
{
	endpoint_addr_fmt(ep, buf, size);
}

/* Each octet's digits (up to three, the rest zero) and their count. */
struct octet_text {
	char d[3];
	uint8_t n;
};
#define OCTET(o) \
	{ \
		{ (char)((o) >= 100   ? '0' + (o) / 100 \
			  : (o) >= 10 ? '0' + (o) / 10 \
				      : '0' + (o)), \
			(char)((o) >= 100   ? '0' + (o) / 10 % 10 \
				: (o) >= 10 ? '0' + (o) % 10 \
					    : 0), \
			(char)((o) >= 100 ? '0' + (o) % 10 : 0) }, \
		    (uint8_t)((o) >= 100 ? 3 \
			    : (o) >= 10  ? 2 \
					 : 1) \
	}
#define OCTET4(o) OCTET(o), OCTET((o) + 1), OCTET((o) + 2), OCTET((o) + 3)
#define OCTET16(o) OCTET4(o), OCTET4((o) + 4), OCTET4((o) + 8), OCTET4((o) + 12)
#define OCTET64(o) \
	OCTET16(o), OCTET16((o) + 16), OCTET16((o) + 32), OCTET16((o) + 48)
static const struct octet_text octets[256] = { OCTET64(0), OCTET64(64),
	OCTET64(128), OCTET64(192) };

size_t
endpoint_addr_fmt(const struct smtp_endpoint *ep, char *buf, size_t size)
{
	/* IPv4 by hand: inet_ntop formats each octet with sprintf, and this
	 * runs for every session. Each octet's three bytes are copied
	 * whole from the table (the unused ones zero, then written over):
	 * the last octet's reach buf[14] at most, its end buf[15], within
	 * the 16 bytes asked. */
	if (ep->family != 6 && size >= 16) {
		const struct octet_text *o;
		char *p = buf;
		int i;

		for (i = 0; i < 4; i++) {
			if (i > 0)
				*p++ = '.';
			o = &octets[ep->addr[i]];
			memcpy(p, o->d, sizeof(o->d));
			p += o->n;
		}
		*p = '\0';
		return (size_t)(p - buf);
	}
	if (inet_ntop(ep->family == 6 ? AF_INET6 : AF_INET, ep->addr, buf,
		(socklen_t)size) == NULL)
		snprintf(buf, size, "?");
	return strlen(buf);
}

void
endpoint_hostport_str(const struct smtp_endpoint *ep, char *buf, size_t size)
{
	char a[ENDPOINT_ADDRSTRLEN];

	endpoint_addr_fmt(ep, a, sizeof(a));
	snprintf(buf, size, ep->family == 6 ? "[%s]:%u" : "%s:%u", a, ep->port);
}

const char *
session_end_name(enum smtp_session_end e)
{
	switch (e) {
	case SMTP_SESSION_END_FIN:
		return "fin";
	case SMTP_SESSION_END_RST:
		return "rst";
	case SMTP_SESSION_END_TIMEOUT:
		return "timeout";
	case SMTP_SESSION_END_EOF:
		return "eof";
	case SMTP_SESSION_END_REUSED:
		return "reused";
	case SMTP_SESSION_END_NONE:
		break;
	}
	return "open";
}

const char *
smtp_attempt_result_name(enum smtp_attempt_result r)
{
	return r == SMTP_ATTEMPT_REFUSED ? "refused" : "unanswered";
}

const char *
smtp_alert_kind_name(enum smtp_alert_kind k)
{
	static const char *const n[SMTP_ALERT_COUNT] = { "reject_rate",
		"tempfail_rate", "lost_rate", "auth_failures",
		"greeting_latency", "final_latency", "kernel_drops",
		"connect_failures" };

	return (unsigned)k < SMTP_ALERT_COUNT ? n[k] : "unknown";
}

const char *
smtp_fate_name(enum smtp_fate f)
{
	switch (f) {
	case SMTP_FATE_DELIVERED:
		return "delivered";
	case SMTP_FATE_REJECTED:
		return "rejected";
	case SMTP_FATE_DEFERRED:
		return "deferred";
	case SMTP_FATE_DROPPED:
		return "dropped";
	case SMTP_FATE_QUEUED:
		return "queued";
	case SMTP_FATE_BOUNCED:
		return "bounced";
	case SMTP_FATE_UNKNOWN:
	case SMTP_FATE_COUNT:
		break;
	}
	return "unknown";
}

const char *
smtp_hop_link_name(enum smtp_hop_link l)
{
	switch (l) {
	case SMTP_LINK_QUEUE_ID:
		return "queue_id";
	case SMTP_LINK_ENVELOPE:
		return "envelope";
	case SMTP_LINK_MESSAGE_ID:
		return "message_id";
	case SMTP_LINK_NONE:
		break;
	}
	return NULL;
}

const char *
smtp_outcome_name(enum smtp_outcome o)
{
	switch (o) {
	case SMTP_OUTCOME_ACCEPTED:
		return "accepted";
	case SMTP_OUTCOME_REJECTED:
		return "rejected";
	case SMTP_OUTCOME_TEMPFAIL:
		return "tempfail";
	case SMTP_OUTCOME_DROPPED:
		return "dropped";
	case SMTP_OUTCOME_ABORTED:
		return "aborted";
	case SMTP_OUTCOME_LOST:
		return "lost";
	case SMTP_OUTCOME_UNKNOWN:
		return "unknown";
	case SMTP_OUTCOME_COUNT:
		break;
	case SMTP_OUTCOME_NONE:
		break;
	}
	return "none";
}

const char *
smtp_anomaly_name(enum smtp_anomaly a)
{
	static const char *const names[SMTP_ANOMALY_COUNT] = {
		[SMTP_ANOMALY_LINE_TOO_LONG] = "line_too_long",
		[SMTP_ANOMALY_UNSOLICITED_REPLY] = "unsolicited_reply",
		[SMTP_ANOMALY_BAD_REPLY] = "bad_reply",
		[SMTP_ANOMALY_COMMAND_BEFORE_GREETING] =
		    "command_before_greeting",
		[SMTP_ANOMALY_DATA_AFTER_QUIT] = "data_after_quit",
		[SMTP_ANOMALY_PIPELINE_OVERFLOW] = "pipeline_overflow",
		[SMTP_ANOMALY_TOO_MANY_RECIPIENTS] = "too_many_recipients",
		[SMTP_ANOMALY_BODY_BEFORE_354] = "body_before_354",
		[SMTP_ANOMALY_BAD_BDAT] = "bad_bdat",
		[SMTP_ANOMALY_NON_SMTP] = "non_smtp",
		[SMTP_ANOMALY_NO_REPLY] = "no_reply",
		[SMTP_ANOMALY_GAP] = "gap",
		[SMTP_ANOMALY_NOT_TLS] = "not_tls",
		[SMTP_ANOMALY_UNKNOWN_COMMAND] = "unknown_command",
		[SMTP_ANOMALY_HEADERS_TRUNCATED] = "headers_truncated",
		[SMTP_ANOMALY_REPLY_CODE_MISMATCH] = "reply_code_mismatch",
		[SMTP_ANOMALY_LMTP_ON_PORT_25] = "lmtp_on_port_25",
		[SMTP_ANOMALY_SUBMISSION_NO_AUTH] = "submission_without_auth",
		[SMTP_ANOMALY_CLEARTEXT_AUTH] = "cleartext_auth",
		[SMTP_ANOMALY_REPLY_LOST] = "reply_lost",
		[SMTP_ANOMALY_OVERLAP_CONFLICT] = "overlap_conflict",
		[SMTP_ANOMALY_RST_IN_WINDOW] = "rst_in_window",
		[SMTP_ANOMALY_SYN_ON_ESTABLISHED] = "syn_on_established",
		[SMTP_ANOMALY_CLOCK_JUMP] = "clock_jump",
		[SMTP_ANOMALY_TIMESTAMP_REPLACED] = "timestamp_replaced",
	};

	if ((unsigned)a < SMTP_ANOMALY_COUNT && names[a] != NULL)
		return names[a];
	return "unknown";
}

const char *
smtp_auth_result_name(enum smtp_auth_result r)
{
	switch (r) {
	case SMTP_AUTH_PENDING:
		return "pending";
	case SMTP_AUTH_SUCCESS:
		return "success";
	case SMTP_AUTH_FAILURE:
		return "failure";
	case SMTP_AUTH_CANCELLED:
		return "cancelled";
	case SMTP_AUTH_NONE:
		break;
	}
	return "none";
}

const char *
tls_version_name(uint16_t v)
{
	switch (v) {
	case TLS_VERSION_SSL2:
		return "SSLv2";
	case TLS_VERSION_SSL3:
		return "SSLv3";
	case TLS_VERSION_TLS10:
		return "TLSv1.0";
	case TLS_VERSION_TLS11:
		return "TLSv1.1";
	case TLS_VERSION_TLS12:
		return "TLSv1.2";
	case TLS_VERSION_TLS13:
		return "TLSv1.3";
	default:
		return NULL;
	}
}

void
event_bus_subscribe_types(
    struct event_bus *bus, event_fn fn, void *arg, unsigned types)
{
	unsigned t;

	if (bus->n >= EVENT_SINKS_MAX) {
		fprintf(stderr, "smtpscope: too many event sinks\n");
		abort();
	}
	for (t = 0; t < EVENT_TYPES; t++)
		if (types & EVENT_BIT(t)) {
			bus->to[t][bus->nto[t]].fn = fn;
			bus->to[t][bus->nto[t]++].arg = arg;
		}
	bus->n++;
	if (types & EVENT_BIT(SMTP_EV_BODY))
		bus->nbody++;
}

void
event_bus_subscribe_body(
    struct event_bus *bus, event_fn fn, void *arg, bool body)
{
	event_bus_subscribe_types(bus, fn, arg,
	    EVENT_ALL_BUT_BODY | (body ? EVENT_BIT(SMTP_EV_BODY) : 0));
}

void
event_bus_subscribe(struct event_bus *bus, event_fn fn, void *arg)
{
	event_bus_subscribe_body(bus, fn, arg, false);
}
