/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The events the SMTP dissector emits and the sinks that receive them.
 * Everything downstream of the dissector (statistics, logs, reports,
 * plugins) sees SMTP only through these structures: nothing reparses
 * wire text. Pointers in an event are valid for the call only.
 */
#ifndef SMTPSCOPE_EVENT_H
#define SMTPSCOPE_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/model.h"

/* An address as text, in at most ENDPOINT_ADDRSTRLEN bytes (model.h). */
void endpoint_addr_str(const struct smtp_endpoint *ep, char *buf, size_t size);
/* The same; returns the length of the text. */
size_t endpoint_addr_fmt(
    const struct smtp_endpoint *ep, char *buf, size_t size);
/* The address and port as "192.0.2.1:25" or "[2001:db8::1]:25". */
void endpoint_hostport_str(
    const struct smtp_endpoint *ep, char *buf, size_t size);
/* Its longest, with NUL: "[", an address, "]:", five digits. */
#define ENDPOINT_HOSTPORTSTRLEN (ENDPOINT_ADDRSTRLEN + 8)
const char *session_end_name(enum smtp_session_end e);
const char *smtp_outcome_name(enum smtp_outcome o);
const char *smtp_verb_name(enum smtp_verb v);
const char *smtp_cap_name(unsigned bit_index);
const char *smtp_auth_result_name(enum smtp_auth_result r);
const char *smtp_anomaly_name(enum smtp_anomaly a);
const char *smtp_fate_name(enum smtp_fate f);
const char *smtp_hop_link_name(enum smtp_hop_link l);
/* "reject_rate", "auth_failures"...: the names --alert takes. */
const char *smtp_alert_kind_name(enum smtp_alert_kind k);
/* "refused", "unanswered". */
const char *smtp_attempt_result_name(enum smtp_attempt_result r);
/* A TLS_VERSION_* (model.h): "SSLv2", "SSLv3", "TLSv1.0" ... "TLSv1.3";
 * NULL for any other value. */
const char *tls_version_name(uint16_t v);

typedef void (*event_fn)(void *arg, const struct smtp_event *ev);

/* Above every enum smtp_event_type: the bus lists the sinks of each. */
#define EVENT_TYPES 16
_Static_assert(SMTP_EV_ATTEMPT < EVENT_TYPES, "every event type listed");

/* The fan-out from the dissector to every subscribed sink. SMTP_EV_BODY
 * goes only to the sinks subscribed with body true (plugins that asked);
 * the dissector makes no body event at all when there is none. */
#define EVENT_SINKS_MAX 48
struct event_bus {
	/* For each type, the sinks that receive it, in the order they
	 * subscribed, each with its argument: an event goes to them without
	 * a look at every other sink, and a session makes some dozens of
	 * events. */
	struct event_sink {
		event_fn fn;
		void *arg;
	} to[EVENT_TYPES][EVENT_SINKS_MAX];
	uint8_t nto[EVENT_TYPES];
	size_t n;     /* sinks subscribed */
	size_t nbody; /* sinks with body */
};

/* The bit of an event type in a sink's types. */
#define EVENT_BIT(type) (1u << (type))
/* Every event of a session but SMTP_EV_BODY: not the tracker's
 * SMTP_EV_MESSAGE, SMTP_EV_ALERT nor SMTP_EV_ATTEMPT either (they have
 * no session),
 * which a sink asks for by name. */
#define EVENT_ALL_BUT_BODY \
	(~0u & ~EVENT_BIT(SMTP_EV_BODY) & ~EVENT_BIT(SMTP_EV_MESSAGE) & \
	    ~EVENT_BIT(SMTP_EV_ALERT) & ~EVENT_BIT(SMTP_EV_ATTEMPT))

void event_bus_subscribe(struct event_bus *bus, event_fn fn, void *arg);
void event_bus_subscribe_body(
    struct event_bus *bus, event_fn fn, void *arg, bool body);
/* Only the events of these types (EVENT_BIT()s): a sink that looks at a
 * few is not called for every command and reply. */
void event_bus_subscribe_types(
    struct event_bus *bus, event_fn fn, void *arg, unsigned types);

static inline void
event_bus_emit(const struct event_bus *bus, const struct smtp_event *ev)
{
	unsigned type = ev->type;
	const struct event_sink *k, *end;

	if (type >= EVENT_TYPES) /* no such type: nothing receives it */
		return;
	/* No sink subscribes while an event goes round: the end is read
	 * once. */
	k = bus->to[type];
	for (end = k + bus->nto[type]; k < end; k++)
		k->fn(k->arg, ev);
}

#endif
