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

#include <smtpscope/plugin.h>

/* Longest text form of an address, with NUL. */
#define ENDPOINT_ADDRSTRLEN 46
void endpoint_addr_str(const struct smtp_endpoint *ep, char *buf, size_t size);
/* The same; returns the length of the text. */
size_t endpoint_addr_fmt(
    const struct smtp_endpoint *ep, char *buf, size_t size);
const char *session_end_name(enum smtp_session_end e);
const char *smtp_outcome_name(enum smtp_outcome o);
const char *smtp_verb_name(enum smtp_verb v);
const char *smtp_cap_name(unsigned bit_index);
const char *smtp_auth_result_name(enum smtp_auth_result r);
const char *smtp_anomaly_name(enum smtp_anomaly a);

typedef void (*event_fn)(void *arg, const struct smtp_event *ev);

/* The fan-out from the dissector to every subscribed sink. SMTP_EV_BODY
 * goes only to the sinks subscribed with body true (plugins that asked);
 * the dissector makes no body event at all when there is none. */
struct event_bus {
	struct {
		event_fn fn;
		void *arg;
		bool body;
	} sinks[48];
	size_t n;
	size_t nbody; /* sinks with body */
};

void event_bus_subscribe(struct event_bus *bus, event_fn fn, void *arg);
void event_bus_subscribe_body(
    struct event_bus *bus, event_fn fn, void *arg, bool body);

static inline void
event_bus_emit(const struct event_bus *bus, const struct smtp_event *ev)
{
	size_t i;

	for (i = 0; i < bus->n; i++)
		if (ev->type != SMTP_EV_BODY || bus->sinks[i].body)
			bus->sinks[i].fn(bus->sinks[i].arg, ev);
}

#endif
