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

/* One end of a TCP connection; addr holds 4 or 16 bytes. */
struct endpoint {
	uint8_t family; /* 4 or 6 */
	uint8_t addr[16];
	uint16_t port;
};

/* Longest text form of an address, with NUL. */
#define ENDPOINT_ADDRSTRLEN 46
void endpoint_addr_str(const struct endpoint *ep, char *buf, size_t size);

enum session_end {
	SESSION_END_NONE = 0, /* still open */
	SESSION_END_FIN,      /* both sides closed with FIN */
	SESSION_END_RST,      /* a reset */
	SESSION_END_TIMEOUT,  /* idle too long, or evicted for room */
	SESSION_END_EOF,      /* the capture ended (or was stopped) first */
	SESSION_END_REUSED,   /* a new SYN took over the 4-tuple */
};
const char *session_end_name(enum session_end e);

enum smtp_outcome {
	OUTCOME_NONE = 0,
	OUTCOME_ACCEPTED, /* final reply to end of data was 2xx */
	OUTCOME_REJECTED, /* refused with 5xx */
	OUTCOME_TEMPFAIL, /* refused with 4xx, the sender retries */
	OUTCOME_DROPPED,  /* lost: closed, reset, timed out, 421, no reply */
	OUTCOME_ABORTED,  /* RSET, QUIT or a new MAIL before the data */
};
const char *smtp_outcome_name(enum smtp_outcome o);

/* Verbs, from the command table in smtp/command.c. */
enum smtp_verb {
	SMTP_VERB_UNKNOWN = 0,
	SMTP_VERB_HELO,
	SMTP_VERB_EHLO,
	SMTP_VERB_MAIL,
	SMTP_VERB_RCPT,
	SMTP_VERB_DATA,
	SMTP_VERB_BDAT,
	SMTP_VERB_RSET,
	SMTP_VERB_VRFY,
	SMTP_VERB_EXPN,
	SMTP_VERB_HELP,
	SMTP_VERB_NOOP,
	SMTP_VERB_QUIT,
	SMTP_VERB_STARTTLS,
	SMTP_VERB_AUTH,
	SMTP_VERB_ETRN,
	SMTP_VERB_ATRN,
	SMTP_VERB_TURN,
	SMTP_VERB_XCLIENT,
	SMTP_VERB_XFORWARD,
	/* Pseudo commands: what a reply may answer besides a command. */
	SMTP_VERB_GREETING,    /* the server's first reply */
	SMTP_VERB_END_OF_DATA, /* the "." that ends DATA */
	SMTP_VERB_AUTH_DATA,   /* a client line inside an AUTH exchange */
	SMTP_VERB_COUNT
};
const char *smtp_verb_name(enum smtp_verb v);

/* A recipient of a transaction with the reply to its RCPT. */
struct smtp_rcpt {
	char *addr;
	int code; /* reply code, 0 when none came */
};

/* One mail transaction, as handed to sinks when it is over. */
struct smtp_transaction {
	unsigned depth;  /* 1 for the first of the session */
	double ts;       /* time of the MAIL command */
	double ts_end;   /* time it ended */
	char *mail_from; /* without brackets, "" for the null sender */
	int mail_code;   /* reply to MAIL, 0 if none */
	struct smtp_rcpt *rcpt;
	size_t nrcpt;         /* entries in rcpt[] */
	size_t rcpt_total;    /* RCPT commands, also those over the cap */
	size_t rcpt_accepted; /* RCPT commands answered 2xx */
	int data_code;        /* reply to DATA (354...) or 0 */
	int final_code;       /* reply to end of data / BDAT LAST, 0 if none */
	bool data_seen;       /* DATA or BDAT was sent */
	bool data_complete;   /* the end of the data was seen */
	uint64_t size;        /* message bytes (dot-unstuffed) */
	enum smtp_outcome outcome;
	const char *ended_by; /* what closed it: "end_of_data", "rset"... */
};

/* What sinks may read of a session. */
struct smtp_session_info {
	uint64_t id;
	struct endpoint client, server;
	double ts_open;  /* handshake completed */
	double ts_close; /* 0 while open */
	uint64_t bytes_client, bytes_server;
	unsigned transactions;
	enum session_end end;
	char helo[256]; /* argument of the last HELO/EHLO, escaped later */
	int greeting_code;
	bool tls; /* STARTTLS succeeded: the rest was not parsed */
	unsigned anomalies;
};

enum smtp_anomaly {
	ANOMALY_LINE_TOO_LONG = 0,
	ANOMALY_UNSOLICITED_REPLY,
	ANOMALY_BAD_REPLY,
	ANOMALY_COMMAND_BEFORE_GREETING,
	ANOMALY_DATA_AFTER_QUIT,
	ANOMALY_PIPELINE_OVERFLOW,
	ANOMALY_TOO_MANY_RECIPIENTS,
	ANOMALY_BODY_BEFORE_354,
	ANOMALY_BAD_BDAT,
	ANOMALY_NON_SMTP,
	ANOMALY_NO_REPLY,
	ANOMALY_COUNT
};
const char *smtp_anomaly_name(enum smtp_anomaly a);

enum smtp_event_type {
	SMTP_EV_SESSION_OPEN,
	SMTP_EV_SESSION_CLOSE,
	SMTP_EV_COMMAND,     /* a client command line */
	SMTP_EV_REPLY,       /* a complete reply, paired with its command */
	SMTP_EV_TRANSACTION, /* a transaction is over */
	SMTP_EV_ANOMALY,
};

struct smtp_event {
	enum smtp_event_type type;
	double ts;
	const struct smtp_session_info *session;
	union {
		const struct smtp_transaction *tx;
		struct {
			enum smtp_verb verb;
			const uint8_t *line; /* the raw line, no CRLF */
			size_t len;
		} command;
		struct {
			enum smtp_verb verb; /* what it answers */
			int code;
			const uint8_t *text; /* first line after the code */
			size_t len;
			double latency; /* since the command, -1 unknown */
		} reply;
		struct {
			enum smtp_anomaly kind;
		} anomaly;
	} u;
};

typedef void (*event_fn)(void *arg, const struct smtp_event *ev);

/* The fan-out from the dissector to every subscribed sink. */
struct event_bus {
	struct {
		event_fn fn;
		void *arg;
	} sinks[16];
	size_t n;
};

void event_bus_subscribe(struct event_bus *bus, event_fn fn, void *arg);

static inline void
event_bus_emit(const struct event_bus *bus, const struct smtp_event *ev)
{
	size_t i;

	for (i = 0; i < bus->n; i++)
		bus->sinks[i].fn(bus->sinks[i].arg, ev);
}

#endif
