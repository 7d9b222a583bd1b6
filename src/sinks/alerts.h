/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Alerts: thresholds over sliding windows of the capture's clock, fed
 * by the same events as the statistics store. A threshold crossed
 * raises one alert (an SMTP_EV_ALERT on the bus, which the JSON log,
 * the statistics, the dashboard and the plugins receive); back on the
 * right side of it by a margin, the alert is cleared, once. Memory is
 * fixed: the windows are rings of ALERT_BUCKETS buckets, and the
 * clients (AUTH) and servers (latency, connections refused) watched are
 * tables of fixed size
 * whose least recently seen entry makes room.
 */
#ifndef SMTPSCOPE_ALERTS_H
#define SMTPSCOPE_ALERTS_H

#include <stdbool.h>
#include <stdint.h>

#include "event/event.h"

#define ALERT_BUCKETS 10     /* a window is this many buckets */
#define ALERT_CLIENTS 512    /* clients followed for AUTH failures */
#define ALERT_SERVERS 256    /* servers followed for latency */
#define ALERT_AUTH_MAX 64    /* the largest auth_failures threshold */
#define ALERT_SUBJECT_MAX 48 /* an address as text, with NUL */

/* The thresholds; 0 turns a kind off. Rates are shares (0..1). */
struct alerts_config {
	double reject_rate;        /* default 0.5 */
	double tempfail_rate;      /* default 0.3 */
	double lost_rate;          /* default 0.1 */
	unsigned rate_min;         /* transactions in the window, default 20 */
	unsigned auth_failures;    /* from one client, default 5 */
	double auth_window;        /* seconds, default 600 */
	unsigned connect_failures; /* to one server, default 5 */
	double connect_window;     /* seconds, default 600 */
	double greeting_latency;   /* seconds, default 5 */
	double final_latency;      /* seconds, default 30 */
	unsigned latency_min;      /* replies in the window, default 5 */
	uint64_t kernel_drops;     /* packets in the window, default 1 */
	double window;             /* seconds, rates, latency, drops: 600 */
};

/* The defaults a postmaster would pick. */
void alerts_config_default(struct alerts_config *c);
/* Sets thresholds from "name=value[,name=value...]": 0, or -1 with a
 * sentence in err. */
int alerts_config_parse(
    struct alerts_config *c, const char *spec, char *err, size_t errlen);

/* A window: ALERT_BUCKETS buckets of window / ALERT_BUCKETS seconds,
 * each of up to four counts, the newest the span numbered epoch, and
 * the sums of them all, kept as buckets come and go: reading a window
 * costs no loop. */
struct alert_window {
	int64_t epoch;
	bool started;
	uint8_t at; /* the bucket of epoch */
	uint32_t n[ALERT_BUCKETS][4];
	uint64_t sum[4];
};

struct alert_client {
	uint8_t key[17]; /* family, address; key[0] 0: free */
	bool active;
	uint64_t id;                  /* of the alert raised */
	double times[ALERT_AUTH_MAX]; /* the last failures, a ring */
	unsigned head, n;             /* in the ring */
	double last;
};

struct alert_server {
	uint8_t key[17];
	bool active[2]; /* greeting, final */
	uint64_t id[2];
	double last;
	struct alert_window w[2]; /* replies, slow ones */
};

struct alerts {
	struct alerts_config c;
	struct event_bus *bus;
	uint64_t next_id;
	double now, next_sweep;
	double width; /* of a bucket: window / ALERT_BUCKETS */
	int64_t span; /* the span now is in, numbered from 0: now / width */
	/* The whole capture: transactions, rejected, tempfail, lost. */
	struct alert_window tx;
	bool rate_active[3];
	uint64_t rate_id[3];
	/* Kernel drops: the count seen last, and their increase. */
	struct alert_window drops;
	uint64_t drops_seen;
	bool drops_active;
	uint64_t drops_id;
	struct alert_client clients[ALERT_CLIENTS];
	struct alert_server servers[ALERT_SERVERS];
	unsigned clients_active, servers_active;
	/* Connections refused or unanswered, by server: a ring of their
	 * times each, as the clients' AUTH failures. */
	struct alert_client refusers[ALERT_SERVERS];
	unsigned refusers_active;
	uint64_t refusers_evicted;
	size_t last_server; /* the slot of the last latency sample */
	uint64_t clients_evicted, servers_evicted;
};

/* Alerts go on bus (which must outlive al). */
void alerts_init(
    struct alerts *al, const struct alerts_config *c, struct event_bus *bus);
/* Subscribe to it with ALERTS_EVENTS. */
void alerts_on_event(void *arg, const struct smtp_event *ev);
#define ALERTS_EVENTS \
	(EVENT_BIT(SMTP_EV_TRANSACTION) | EVENT_BIT(SMTP_EV_SESSION_CLOSE) | \
	    EVENT_BIT(SMTP_EV_ATTEMPT))
/* The capture's clock and its kernel drops so far (pcap_drops and
 * pcap_ifdrops), between packets; also lets windows empty when no
 * event comes. */
void alerts_clock(struct alerts *al, double now, uint64_t drops);

#endif
