/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Message tracking across hops: between the dissector's events and the
 * sinks. It takes every transaction as it ends, links the transactions
 * that carried one message from relay to relay, and when the message is
 * settled publishes one SMTP_EV_MESSAGE (event/model.h) with each
 * recipient's fate: delivered, rejected, deferred, dropped, queued,
 * bounced.
 *
 * Links, strongest first: the queue id a relay named in its "250 ...
 * queued as ID" equals the id in the top Received field of a message
 * that relay later sends (SMTP_LINK_QUEUE_ID); a transaction from the
 * relay holding a message, with its sender and recipients (a retry
 * refused before the data, SMTP_LINK_ENVELOPE) and the same Message-ID
 * when there is one (SMTP_LINK_MESSAGE_ID). A DSN is linked to the
 * recipient it reports on (its Final-/Original-Recipient) by the queue id
 * the relay that sends it gave the original (X-Postfix-Queue-ID, else
 * the id in the top Received field of the returned headers), else among
 * the messages from the sender it is addressed to that passed through
 * that relay, by the original's ENVID (Original-Envelope-Id) and
 * Message-ID (of the returned headers) when known.
 *
 * Memory is bounded: at most max_messages are followed at once, holding
 * at most max_bytes (beyond, the oldest is settled early, "evicted",
 * when a new one comes), and a
 * message is settled once nothing happened to it for window seconds of
 * capture time, or at the end of the input.
 */
#ifndef SMTPSCOPE_TRACK_H
#define SMTPSCOPE_TRACK_H

#include <stddef.h>
#include <stdint.h>

#include "event/event.h"

#define TRACK_WINDOW_DEFAULT 900.0 /* seconds */
#define TRACK_MAX_DEFAULT 20000    /* messages followed at once */
#define TRACK_HOPS_MAX 32 /* hops kept of one message (smtp_message.hops) */
#define TRACK_BYTES_DEFAULT (16u << 20) /* and the memory they hold */

struct track_config {
	double window;
	size_t max_messages;
	size_t max_bytes;
};

struct track_stats {
	uint64_t messages;         /* settled and published */
	uint64_t hops;             /* transactions taken in */
	uint64_t linked[4];        /* hops linked, by enum smtp_hop_link */
	uint64_t dsn;              /* DSNs seen */
	uint64_t dsn_linked;       /* recipients a DSN was linked to */
	uint64_t dsn_unmatched;    /* DSN recipients no message matched */
	uint64_t evicted;          /* settled early: max_messages reached */
	uint64_t bounce_missing;   /* refused after a relay, no DSN seen */
	uint64_t dropped_messages; /* messages with a dropped recipient */
	uint64_t fates[SMTP_FATE_COUNT]; /* recipients, by fate */
	uint64_t relays_full;            /* relays forgotten: table full */
	size_t tracking;                 /* messages followed now */
	size_t tracking_max;             /* the most at once */
};

struct tracker;

/* A tracker publishing its messages on bus (it subscribes itself there
 * to the events it needs, TRACK_EVENTS). */
struct tracker *track_open(
    const struct track_config *cfg, struct event_bus *bus);
#define TRACK_EVENTS \
	(EVENT_BIT(SMTP_EV_TRANSACTION) | EVENT_BIT(SMTP_EV_SESSION_OPEN))
void track_on_event(void *arg, const struct smtp_event *ev);
/* Settles every message still followed (the end of the input). */
void track_finish(struct tracker *t);
const struct track_stats *track_stats(const struct tracker *t);
void track_close(struct tracker *t);

#endif
