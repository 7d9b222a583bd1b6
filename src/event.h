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

/* A reply as kept on a transaction: code, RFC 3463 code, first line. */
struct smtp_reply {
	int code;       /* 0 when no reply came */
	char enh[12];   /* enhanced status code "5.1.1", or "" */
	char *text;     /* first line after the codes (capped), or NULL */
	double latency; /* seconds since its command, -1 unknown */
};

/* A recipient of a transaction with the reply to its RCPT. */
struct smtp_rcpt {
	char *addr;
	struct smtp_reply reply;
	char *notify; /* NOTIFY= (RFC 3461), or NULL */
	char *orcpt;  /* ORCPT=, or NULL */
};

/* ESMTP parameters of MAIL FROM. */
struct smtp_mail_params {
	uint64_t size; /* SIZE=, 0 absent */
	char body[16]; /* BODY= 7BIT, 8BITMIME, BINARYMIME, or "" */
	char ret[8];   /* RET= FULL or HDRS, or "" */
	bool smtputf8; /* SMTPUTF8 */
	bool requiretls;
	char *envid; /* ENVID=, or NULL */
	char *auth;  /* AUTH=, or NULL */
};

struct msg_info; /* smtp/message.h: headers and DSN of the message */

/* One mail transaction, as handed to sinks when it is over. */
struct smtp_transaction {
	unsigned depth;  /* 1 for the first of the session */
	double ts;       /* time of the MAIL command */
	double ts_end;   /* time it ended */
	char *mail_from; /* without brackets, "" for the null sender */
	struct smtp_mail_params params;
	struct smtp_reply mail;
	struct smtp_rcpt *rcpt;
	size_t nrcpt;            /* entries in rcpt[] */
	size_t rcpt_total;       /* RCPT commands, also those over the cap */
	size_t rcpt_accepted;    /* RCPT commands answered 2xx */
	struct smtp_reply data;  /* reply to DATA (354...) */
	struct smtp_reply final; /* reply to end of data / BDAT LAST */
	int last_code;           /* last reply within the transaction */
	char *last_text;         /* its last line, for Zeek's last_reply */
	bool data_seen;          /* DATA or BDAT was sent */
	bool data_complete;      /* the end of the data was seen */
	bool bdat;               /* the message came in BDAT chunks */
	unsigned bdat_chunks;
	uint64_t size;              /* message bytes (dot-unstuffed) */
	bool bounce;                /* null reverse path */
	const struct msg_info *msg; /* headers, DSN; NULL without data */
	enum smtp_outcome outcome;
	const char *ended_by; /* what closed it: "end_of_data", "rset"... */
};

/* Capabilities from the EHLO reply. */
enum smtp_cap {
	SMTP_CAP_PIPELINING = 1u << 0,
	SMTP_CAP_SIZE = 1u << 1,
	SMTP_CAP_8BITMIME = 1u << 2,
	SMTP_CAP_STARTTLS = 1u << 3,
	SMTP_CAP_AUTH = 1u << 4,
	SMTP_CAP_CHUNKING = 1u << 5,
	SMTP_CAP_DSN = 1u << 6,
	SMTP_CAP_SMTPUTF8 = 1u << 7,
	SMTP_CAP_ENHANCEDSTATUSCODES = 1u << 8,
	SMTP_CAP_BINARYMIME = 1u << 9,
	SMTP_CAP_VRFY = 1u << 10,
	SMTP_CAP_ETRN = 1u << 11,
	SMTP_CAP_XCLIENT = 1u << 12,
	SMTP_CAP_XFORWARD = 1u << 13,
	SMTP_CAP_REQUIRETLS = 1u << 14,
	SMTP_CAP_DELIVERBY = 1u << 15,
	SMTP_CAP_HELP = 1u << 16,
};
const char *smtp_cap_name(unsigned bit_index);

enum smtp_auth_result {
	SMTP_AUTH_NONE = 0, /* no AUTH */
	SMTP_AUTH_PENDING,  /* no final reply seen */
	SMTP_AUTH_SUCCESS,  /* 235 */
	SMTP_AUTH_FAILURE,  /* 5xx/4xx */
	SMTP_AUTH_CANCELLED /* the client sent "*" */
};
const char *smtp_auth_result_name(enum smtp_auth_result r);

/* TLS metadata from the hellos after STARTTLS or on port 465. */
struct smtp_tls_meta {
	bool seen;               /* a TLS hello was parsed */
	uint16_t client_version; /* highest offered */
	uint16_t version;        /* negotiated */
	uint16_t cipher;
	char sni[256];
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
	const char *helo; /* argument of the last HELO/EHLO, "" none;
			     up to SMTP_LINE_MAX bytes */
	bool ehlo;        /* it was EHLO */
	int greeting_code;
	char greeting_host[256]; /* first word of the greeting */
	char greeting_text[256]; /* the rest: software, banner */
	double greeting_latency; /* handshake to greeting, -1 none */
	unsigned caps;           /* enum smtp_cap bits from EHLO */
	uint64_t size_limit;     /* EHLO SIZE value, 0 none */
	char auth_mechs[128];    /* EHLO AUTH mechanisms, space-joined */
	bool starttls;           /* the client sent STARTTLS */
	bool tls;                /* TLS began (220 to STARTTLS, or port 465) */
	bool implicit_tls;
	struct smtp_tls_meta tls_meta;
	char auth_mech[32];  /* last AUTH mechanism */
	char auth_user[256]; /* user PLAIN or LOGIN revealed, "" */
	enum smtp_auth_result auth_result;
	int auth_code;
	unsigned auth_attempts, auth_failures;
	unsigned commands, replies;
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
	ANOMALY_GAP,               /* stream bytes missing (never captured) */
	ANOMALY_NOT_TLS,           /* plain bytes where TLS was due */
	ANOMALY_UNKNOWN_COMMAND,   /* a verb not in the command table */
	ANOMALY_HEADERS_TRUNCATED, /* message headers over their caps */
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
			unsigned lines; /* lines of a multi-line reply */
			const uint8_t *last_text; /* its last line\'s text */
			size_t last_len;
			bool last_chunk; /* answers BDAT ... LAST */
			double latency;  /* since the command, -1 unknown */
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
