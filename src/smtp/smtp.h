/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SMTP dissector: a pure state machine. Bytes of each direction and
 * their timestamps go in, events (event.h) come out. It includes no
 * pcap, libnids or curses header and can be fed by a test or a fuzzer.
 */
#ifndef SMTPSCOPE_SMTP_H
#define SMTPSCOPE_SMTP_H

#include <stddef.h>
#include <stdint.h>

#include "event/event.h"

/* Named limits; each is counted (an anomaly) when hit. */
#define SMTP_LINE_MAX 4096      /* bytes kept of one line, each direction */
#define SMTP_RCPT_MAX 1000      /* recipients kept per transaction */
#define SMTP_PIPELINE_MAX 256   /* commands waiting for their reply */
#define SMTP_HOLD_MAX 65536     /* client bytes held while DATA waits */
#define SMTP_ADDR_MAX 512       /* bytes kept of an address */
#define SMTP_REPLY_TEXT_MAX 512 /* bytes kept of a reply's first line */

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
	/* The capture's count of dropped packets (kernel drops), read when
	 * a transaction is lost; NULL when there is none (files). */
	const uint64_t *capture_drops;
	smtp_trace_fn trace; /* NULL: no tracing */
	void *trace_arg;
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
/* Something the network layer saw on this session's connection (an
 * overlap, an ignored RST or SYN): counted and emitted like the
 * dissector's own anomalies. */
void smtp_session_anomaly(
    struct smtp_session *s, enum smtp_anomaly kind, double ts);
/* A quiet session gives back the buffers that hold nothing now (they are
 * allocated again when needed); any time between calls is safe. */
void smtp_session_trim(struct smtp_session *s);
/* Free the memory kept for reuse (transactions, sessions, message
 * parsers) and the cached iconv descriptors: at exit. */
void smtp_release_spares(void);
/* Ends the session: finishes its transactions, emits, frees. */
void smtp_session_close(
    struct smtp_session *s, enum smtp_session_end end, double ts);
const struct smtp_session_info *smtp_session_info(const struct smtp_session *s);

/* Command table lookup (smtp/command.c). */
enum smtp_verb smtp_verb_lookup(const uint8_t *word, size_t len);
/* The name of a state of enum smtp_state (internal.h), for traces. */
const char *smtp_state_name(unsigned state);

/*
 * Parse the path of "MAIL FROM:<path> params" or "RCPT TO:<path>"
 * starting after the verb. Writes the address (brackets and source route
 * removed) into out (NUL-terminated, cut to size). Returns 0 on success,
 * -1 when the keyword ("FROM:"/"TO:") is missing.
 */
int smtp_parse_path(const uint8_t *arg, size_t len, const char *keyword,
    char *out, size_t size, size_t *rest);

#define SMTP_PARAM_MAX 256 /* bytes kept of an ESMTP parameter value */

/* ESMTP parameters after the path (RFC 5321 4.1.2, 1870, 6152, 3461,
 * 4954, 6531, 8689). */
void smtp_parse_mail_params(
    const uint8_t *s, size_t len, struct smtp_mail_params *p);
void smtp_parse_rcpt_params(const uint8_t *s, size_t len, struct smtp_rcpt *r);

/*
 * An RFC 3463 code at the start of a reply's text, of the reply's class:
 * copied into out (NUL-terminated); returns the bytes to skip (code and
 * spaces), 0 when there is none.
 */
size_t smtp_enhanced_code(
    const uint8_t *text, size_t len, int code, char *out, size_t size);

/* What an EHLO (or LHLO) reply offers. */
struct smtp_caps {
	unsigned caps;       /* enum smtp_cap bits */
	uint64_t size_limit; /* SIZE value, 0 none */
	char auth_mechs[128];
};

/* One line of an EHLO reply after the first: a capability keyword. */
void smtp_parse_capability(
    const uint8_t *text, size_t len, struct smtp_caps *c);

/*
 * Parse a reply line. Returns 1 and sets code and *more (a '-' line) on a
 * well-formed line, 0 otherwise.
 */
int smtp_reply_line_parse(
    const uint8_t *line, size_t len, int *code, int *more);

#endif
