/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the network layer hands the SMTP dissector: a session opened for
 * each connection on a mail port, the bytes of each direction in order,
 * the holes in them, what the network saw on the connection, its end.
 * The network layer (net/reasm.c) includes this header, never src/smtp/;
 * the dissector (smtp/session.c) defines these functions and main.c
 * links the two. Sessions emit the events of event.h on the bus.
 */
#ifndef SMTPSCOPE_EVENT_DISSECTOR_H
#define SMTPSCOPE_EVENT_DISSECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"

enum smtp_dir {
	SMTP_DIR_CLIENT = 0, /* bytes the client sent */
	SMTP_DIR_SERVER = 1, /* bytes the server sent */
};

struct smtp_session;

/* Called at each change of a session's state (smtp_state_set): from and
 * to are state names, why the cause ("MAIL granted", "421"...). */
typedef void (*smtp_trace_fn)(void *arg, const struct smtp_session_info *si,
    const char *from, const char *to, const char *why);

struct smtp_session_params {
	uint64_t id;
	struct smtp_endpoint client, server;
	double ts;        /* when the handshake completed */
	int implicit_tls; /* port 465: TLS from the first byte */
	bool submission;  /* a submission port (587, 465): AUTH expected */
	/* Picked up mid-stream: each direction may start anywhere (in a
	 * line, in a message); start_known[dir]: that direction's first
	 * byte is the connection's first (its SYN was seen). */
	bool midstream;
	bool start_known[2];
	/* The capture's count of dropped packets (kernel drops), read when
	 * a transaction is lost; NULL when there is none (files). */
	const uint64_t *capture_drops;
	smtp_trace_fn trace; /* NULL: no tracing */
	void *trace_arg;
	/* Found inside a tunnel (--ports any): which, and its target
	 * (printable ASCII, cut to SMTP_TUNNEL_TARGET_MAX - 1 bytes). */
	enum smtp_tunnel tunnel;
	const char *tunnel_target;
	/* The connection's Community ID, "" none (smtp_session_info). */
	char community_id[SMTP_COMMUNITY_ID_SIZE];
};

struct smtp_session *smtp_session_open(
    const struct event_bus *bus, const struct smtp_session_params *p);
void smtp_session_data(struct smtp_session *s, enum smtp_dir dir,
    const uint8_t *data, size_t len, double ts);
/*
 * n bytes of one direction were never captured (0: an unknown amount,
 * at the end). What they held is skipped: a BDAT chunk or a message body
 * goes on counting, a command line in progress is dropped.
 */
void smtp_session_gap(
    struct smtp_session *s, enum smtp_dir dir, size_t n, double ts);
/* One side of the connection is not in the capture (missing: the
 * direction never seen): its replies (or commands) are unknown from now
 * on and nothing waits for them. Once a session. */
void smtp_session_one_sided(
    struct smtp_session *s, enum smtp_dir missing, double ts);
/* Something the network layer saw on this session's connection (an
 * overlap, an ignored RST or SYN): counted and emitted like the
 * dissector's own anomalies. s NULL (a connection not yet known to be
 * SMTP, --ports any): nothing. */
void smtp_session_anomaly(
    struct smtp_session *s, enum smtp_anomaly kind, double ts);
/* A quiet session gives back the buffers that hold nothing now (they are
 * allocated again when needed); any time between calls is safe. */
void smtp_session_trim(struct smtp_session *s);
/* Ends the session: finishes its transactions, emits, frees. */
void smtp_session_close(
    struct smtp_session *s, enum smtp_session_end end, double ts);
const struct smtp_session_info *smtp_session_info(const struct smtp_session *s);

#endif
