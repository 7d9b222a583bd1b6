/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpscope's plugin ABI: the only header a plugin includes.
 *
 * A plugin is a shared object that exports one object,
 *
 *     const struct smtpscope_plugin smtpscope_plugin = { ... };
 *
 * (SMTPSCOPE_PLUGIN_DEFINE below writes it). smtpscope loads it with
 * dlopen() when the user asks (--plugin NAME[:key=value,...]), checks its
 * abi field against SMTPSCOPE_PLUGIN_ABI, calls init() once before any
 * packet is read, then on_event() for every event of the SMTP dissector,
 * tick() about once a second, and fini() once at the end, after the last
 * event. Everything runs on smtpscope's one thread; a plugin that starts
 * threads of its own must not call the host's services from them.
 *
 * These structures are the plugin's view of the SMTP dissector's events,
 * apart from the program's own model (which changes with the program):
 * smtpscope fills them for each event. Pointers in an event are valid
 * for the call only: copy what you keep; a session is known by its id.
 *
 * Growing without breaking plugins. Every structure smtpscope hands a
 * plugin starts with struct_size, the size of that structure as the
 * running smtpscope knows it, and is only ever extended by appending
 * members (in a union, at the end of one of its members), each marked
 * with the ABI revision that added it. No structure is embedded in
 * another or laid out in an array, except struct smtpscope_endpoint,
 * which never changes: arrays are arrays of pointers. So a plugin built
 * against an older revision of this header reads the members it knows
 * and works unchanged, and a plugin that reads a newer member checks it
 * is there first (SMTPSCOPE_HAS). Enumerations are extended only at
 * their end: a value at or past the _COUNT a plugin was built with is
 * one added later (a switch keeps a default:). Anything else (removing
 * or reordering a member or an enumerator, changing a type or a
 * meaning) raises SMTPSCOPE_PLUGIN_ABI, and smtpscope refuses plugins
 * built for another ABI. docs/plugins.md has the whole story and a
 * complete example.
 */
#ifndef SMTPSCOPE_PLUGIN_H
#define SMTPSCOPE_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SMTPSCOPE_PLUGIN_ABI 3
/* Revisions of ABI 3 (members appended): 0 first; 1 the reply event's
 * meaning and the anomaly timestamp_replaced; 2 the transaction's queue
 * id, and the command event's argument and parsed path; 3 the tracked
 * message event (SMTPSCOPE_EV_MESSAGE, u.tracked), the host's
 * fate_name, and the outcome unknown (one-sided captures); 4 the
 * alert event (SMTPSCOPE_EV_ALERT, u.alert); 5 the connection attempt
 * event (SMTPSCOPE_EV_ATTEMPT, u.attempt) and the alert kind
 * SMTPSCOPE_ALERT_CONNECT_FAILURES; 6 the session's uid, community_id,
 * midstream and missing, the transaction's partial; 7 the JSON log's
 * records (SMTPSCOPE_EV_RECORD, u.record, host want_records and
 * records_only) and every plugin's counters (host counters). */
#define SMTPSCOPE_PLUGIN_ABI_REVISION 7

/* Whether *p (of type TYPE, with struct_size) has MEMBER: false when the
 * smtpscope that filled it predates the member. MEMBER may be a path
 * such as u.reply.meaning. */
#define SMTPSCOPE_HAS(TYPE, p, MEMBER) \
	((p) != NULL && \
	    offsetof(TYPE, MEMBER) + sizeof(((TYPE *)0)->MEMBER) <= \
		(p)->struct_size)

/* ---- enumerations ------------------------------------------------------ */

enum smtpscope_session_end {
	SMTPSCOPE_END_NONE = 0, /* still open */
	SMTPSCOPE_END_FIN,      /* both sides closed with FIN */
	SMTPSCOPE_END_RST,      /* a reset */
	SMTPSCOPE_END_TIMEOUT,  /* idle too long, or evicted for room */
	SMTPSCOPE_END_EOF,      /* the capture ended (or was stopped) first */
	SMTPSCOPE_END_REUSED,   /* a new SYN took over the 4-tuple */
	SMTPSCOPE_END_COUNT
};

/* Outcomes in the words mail people use. */
enum smtpscope_outcome {
	SMTPSCOPE_OUTCOME_NONE = 0,
	SMTPSCOPE_OUTCOME_ACCEPTED, /* final reply to the data was 2xx */
	SMTPSCOPE_OUTCOME_REJECTED, /* refused with 5xx: the sender owes a
				       bounce */
	SMTPSCOPE_OUTCOME_TEMPFAIL, /* refused with 4xx (421 too): it
				       retries */
	SMTPSCOPE_OUTCOME_DROPPED,  /* accepted, then discarded: only
				       tracking across hops can show it */
	SMTPSCOPE_OUTCOME_ABORTED,  /* RSET, QUIT or a new MAIL before the
				       data */
	SMTPSCOPE_OUTCOME_LOST,     /* cut off (closed, reset, timed out)
				       before its final reply */
	SMTPSCOPE_OUTCOME_UNKNOWN,  /* revision 3: only the client's side
				       was captured, the server's word is
				       unknown */
	SMTPSCOPE_OUTCOME_COUNT
};

enum smtpscope_verb {
	SMTPSCOPE_VERB_UNKNOWN = 0,
	SMTPSCOPE_VERB_HELO,
	SMTPSCOPE_VERB_EHLO,
	SMTPSCOPE_VERB_MAIL,
	SMTPSCOPE_VERB_RCPT,
	SMTPSCOPE_VERB_DATA,
	SMTPSCOPE_VERB_BDAT,
	SMTPSCOPE_VERB_RSET,
	SMTPSCOPE_VERB_VRFY,
	SMTPSCOPE_VERB_EXPN,
	SMTPSCOPE_VERB_HELP,
	SMTPSCOPE_VERB_NOOP,
	SMTPSCOPE_VERB_QUIT,
	SMTPSCOPE_VERB_STARTTLS,
	SMTPSCOPE_VERB_AUTH,
	SMTPSCOPE_VERB_ETRN,
	SMTPSCOPE_VERB_ATRN,
	SMTPSCOPE_VERB_TURN,
	SMTPSCOPE_VERB_XCLIENT,
	SMTPSCOPE_VERB_XFORWARD,
	SMTPSCOPE_VERB_LHLO, /* LMTP's greeting (RFC 2033) */
	SMTPSCOPE_VERB_SEND, /* RFC 821: deliver to terminals */
	SMTPSCOPE_VERB_SOML, /* send or mail */
	SMTPSCOPE_VERB_SAML, /* send and mail */
	/* Pseudo commands: what a reply may answer besides a command. */
	SMTPSCOPE_VERB_GREETING,    /* the server's first reply */
	SMTPSCOPE_VERB_END_OF_DATA, /* the "." that ends DATA */
	SMTPSCOPE_VERB_AUTH_DATA,   /* a client line inside an AUTH exchange */
	SMTPSCOPE_VERB_COUNT
};

enum smtpscope_anomaly {
	SMTPSCOPE_ANOMALY_LINE_TOO_LONG = 0,
	SMTPSCOPE_ANOMALY_UNSOLICITED_REPLY,
	SMTPSCOPE_ANOMALY_BAD_REPLY,
	SMTPSCOPE_ANOMALY_COMMAND_BEFORE_GREETING,
	SMTPSCOPE_ANOMALY_DATA_AFTER_QUIT,
	SMTPSCOPE_ANOMALY_PIPELINE_OVERFLOW,
	SMTPSCOPE_ANOMALY_TOO_MANY_RECIPIENTS,
	SMTPSCOPE_ANOMALY_BODY_BEFORE_354,
	SMTPSCOPE_ANOMALY_BAD_BDAT,
	SMTPSCOPE_ANOMALY_NON_SMTP,
	SMTPSCOPE_ANOMALY_NO_REPLY,
	SMTPSCOPE_ANOMALY_GAP,     /* stream bytes missing (never captured) */
	SMTPSCOPE_ANOMALY_NOT_TLS, /* plain bytes where TLS was due */
	SMTPSCOPE_ANOMALY_UNKNOWN_COMMAND,     /* a verb not in the table */
	SMTPSCOPE_ANOMALY_HEADERS_TRUNCATED,   /* headers over their caps */
	SMTPSCOPE_ANOMALY_REPLY_CODE_MISMATCH, /* a multi-line reply's lines
						  carry different codes */
	SMTPSCOPE_ANOMALY_LMTP_ON_PORT_25,     /* RFC 2033 4: MUST NOT */
	SMTPSCOPE_ANOMALY_SUBMISSION_NO_AUTH,  /* a transaction on 587/465
						  without successful AUTH */
	SMTPSCOPE_ANOMALY_CLEARTEXT_AUTH,      /* AUTH PLAIN/LOGIN without
						  TLS */
	SMTPSCOPE_ANOMALY_REPLY_LOST,          /* a reply never seen: the
						  effect of its command was
						  assumed */
	SMTPSCOPE_ANOMALY_OVERLAP_CONFLICT,    /* overlapping fragments or
						  segments with other bytes:
						  the receiver's copy is
						  followed */
	SMTPSCOPE_ANOMALY_RST_IN_WINDOW,       /* a RST not at the expected
						  sequence number: ignored
						  (RFC 5961) */
	SMTPSCOPE_ANOMALY_SYN_ON_ESTABLISHED,  /* a SYN on an open
						  connection the server did
						  not take up: ignored */
	SMTPSCOPE_ANOMALY_CLOCK_JUMP,          /* the capture's clock moved
						  by over 60 s while the
						  session was open */
	/* Revision 1: */
	SMTPSCOPE_ANOMALY_TIMESTAMP_REPLACED, /* a packet's timestamp was
						 before 1970 or after 9999: it
						 took the previous packet's
						 time */
	SMTPSCOPE_ANOMALY_COUNT
};

enum smtpscope_auth_result {
	SMTPSCOPE_AUTH_NONE = 0, /* no AUTH */
	SMTPSCOPE_AUTH_PENDING,  /* no final reply seen */
	SMTPSCOPE_AUTH_SUCCESS,  /* 235 */
	SMTPSCOPE_AUTH_FAILURE,  /* 5xx/4xx */
	SMTPSCOPE_AUTH_CANCELLED /* the client sent "*" */
};

/* Capabilities from the EHLO reply (bits of smtpscope_session.caps). */
enum smtpscope_cap {
	SMTPSCOPE_CAP_PIPELINING = 1u << 0,
	SMTPSCOPE_CAP_SIZE = 1u << 1,
	SMTPSCOPE_CAP_8BITMIME = 1u << 2,
	SMTPSCOPE_CAP_STARTTLS = 1u << 3,
	SMTPSCOPE_CAP_AUTH = 1u << 4,
	SMTPSCOPE_CAP_CHUNKING = 1u << 5,
	SMTPSCOPE_CAP_DSN = 1u << 6,
	SMTPSCOPE_CAP_SMTPUTF8 = 1u << 7,
	SMTPSCOPE_CAP_ENHANCEDSTATUSCODES = 1u << 8,
	SMTPSCOPE_CAP_BINARYMIME = 1u << 9,
	SMTPSCOPE_CAP_VRFY = 1u << 10,
	SMTPSCOPE_CAP_ETRN = 1u << 11,
	SMTPSCOPE_CAP_XCLIENT = 1u << 12,
	SMTPSCOPE_CAP_XFORWARD = 1u << 13,
	SMTPSCOPE_CAP_REQUIRETLS = 1u << 14,
	SMTPSCOPE_CAP_DELIVERBY = 1u << 15,
	SMTPSCOPE_CAP_HELP = 1u << 16,
	SMTPSCOPE_CAP_ATRN = 1u << 17, /* RFC 2645 */
};

/* What capture loss, rather than the network, may explain (bits). */
enum smtpscope_capture_loss {
	SMTPSCOPE_LOSS_GAP = 1u << 0,          /* bytes never seen */
	SMTPSCOPE_LOSS_KERNEL_DROPS = 1u << 1, /* the capture dropped packets
						  while the session was open */
};

enum smtpscope_event_type {
	SMTPSCOPE_EV_SESSION_OPEN,
	SMTPSCOPE_EV_SESSION_CLOSE,
	SMTPSCOPE_EV_COMMAND,     /* a client command line */
	SMTPSCOPE_EV_REPLY,       /* a complete reply, paired with its
				     command */
	SMTPSCOPE_EV_TRANSACTION, /* a transaction is over */
	SMTPSCOPE_EV_ANOMALY,
	SMTPSCOPE_EV_BODY,           /* message bytes: only to plugins that
					ask for them */
	SMTPSCOPE_EV_COMMAND_RESULT, /* a command outside any transaction,
					with its reply */
	/* Revision 3: a message followed across hops is settled (message
	 * tracking; not sent with --no-track): u.tracked, session NULL. */
	SMTPSCOPE_EV_MESSAGE,
	/* Revision 4: a threshold crossed or back (--alert): u.alert,
	 * session NULL. Not sent with --no-alerts. */
	SMTPSCOPE_EV_ALERT,
	/* Revision 5: a connection to a mail port that made no session,
	 * refused or unanswered: u.attempt, session NULL. */
	SMTPSCOPE_EV_ATTEMPT,
	/* Revision 7: one record of the JSON log (u.record), to a plugin
	 * that asked for them (want_records), session NULL. */
	SMTPSCOPE_EV_RECORD,
	SMTPSCOPE_EV_COUNT
};

/* Revision 4: what an alert watches (smtpscope(1), ALERTS). */
enum smtpscope_alert_kind {
	SMTPSCOPE_ALERT_REJECT_RATE,      /* share of transactions, 5xx */
	SMTPSCOPE_ALERT_TEMPFAIL_RATE,    /* share of transactions, 4xx */
	SMTPSCOPE_ALERT_LOST_RATE,        /* share of transactions, lost */
	SMTPSCOPE_ALERT_AUTH_FAILURES,    /* AUTH failures from a client */
	SMTPSCOPE_ALERT_GREETING_LATENCY, /* a server's greetings slow */
	SMTPSCOPE_ALERT_FINAL_LATENCY,    /* a server's final replies slow */
	SMTPSCOPE_ALERT_KERNEL_DROPS,     /* packets the capture dropped */
	/* Revision 5: connections a server refused or never answered. */
	SMTPSCOPE_ALERT_CONNECT_FAILURES,
	SMTPSCOPE_ALERT_COUNT
};

/* Revision 4: an alert raised, or cleared (SMTPSCOPE_EV_ALERT), as the
 * JSON log's "alert" record has it (docs/log-schema.md). */
struct smtpscope_alert {
	size_t struct_size;
	enum smtpscope_alert_kind kind;
	const char *name;    /* "reject_rate"..., as the log writes it */
	bool raised;         /* false: cleared */
	uint64_t id;         /* from 1; a clearing has the id it clears */
	const char *subject; /* the client or server address, "" none */
	double value, threshold;
	double latency_limit; /* seconds (latencies), else 0 */
	uint64_t samples;
	double window; /* seconds */
};

/* Revision 3: what became of a recipient of a tracked message, as the
 * wire shows it (docs/log-schema.md, "message" records). */
enum smtpscope_fate {
	SMTPSCOPE_FATE_UNKNOWN = 0, /* no final answer seen */
	SMTPSCOPE_FATE_DELIVERED,   /* accepted by the last hop seen */
	SMTPSCOPE_FATE_REJECTED,    /* refused with 5xx */
	SMTPSCOPE_FATE_DEFERRED,    /* refused with 4xx, no later success */
	SMTPSCOPE_FATE_DROPPED,     /* accepted by a relay, never passed on */
	SMTPSCOPE_FATE_QUEUED,      /* in a relay's queue at the end */
	SMTPSCOPE_FATE_BOUNCED,     /* accepted, then a DSN said it failed */
	SMTPSCOPE_FATE_COUNT
};

/* ---- structures -------------------------------------------------------- */

/* One end of a TCP connection; addr holds 4 or 16 bytes. Fixed: never
 * extended (it is embedded in struct smtpscope_session). */
struct smtpscope_endpoint {
	uint8_t family; /* 4 or 6 */
	uint8_t addr[16];
	uint16_t port;
};

/* Revision 5: a client's SYNs to a mail port that made no session
 * (SMTPSCOPE_EV_ATTEMPT), as the JSON log's "attempt" record has it
 * (docs/log-schema.md). */
struct smtpscope_attempt {
	size_t struct_size;
	bool refused;       /* the server's RST; false: unanswered */
	const char *result; /* "refused", "unanswered" */
	double ts;          /* the first SYN */
	double ts_end;      /* the RST, or the last SYN */
	double waited;      /* seconds seen without an answer */
	struct smtpscope_endpoint client, server;
	uint32_t syns;            /* SYNs, retransmissions included */
	bool at_end;              /* judged when the capture ended */
	const char *community_id; /* "" when off */
};

/* A reply as kept on a transaction or a command result. */
struct smtpscope_reply {
	size_t struct_size;
	int code;         /* 0 when no reply came */
	char enh[12];     /* enhanced status code "5.1.1", or "" */
	const char *text; /* first line after the codes (capped), or NULL */
	double latency;   /* seconds since its command, -1 unknown */
};

/* A recipient of a transaction with the reply to its RCPT. */
struct smtpscope_rcpt {
	size_t struct_size;
	const char *addr;
	const struct smtpscope_reply *reply; /* code 0: no reply seen */
	const char *notify;                  /* NOTIFY= (RFC 3461), or NULL */
	const char *orcpt;                   /* ORCPT=, or NULL */
	/* LMTP (RFC 2033): this recipient's own reply after the data, the
	 * last hop's delivery to the mailbox; code 0 when none. */
	const struct smtpscope_reply *delivery;
};

/* A command the server refused inside a transaction (a nested MAIL, a
 * HELO or DATA out of place): the transaction went on without it. */
struct smtpscope_refused {
	size_t struct_size;
	enum smtpscope_verb verb;
	const char *arg; /* the argument as sent (capped), "" none */
	const struct smtpscope_reply *reply;
};

/* ESMTP parameters of MAIL FROM. */
struct smtpscope_mail_params {
	size_t struct_size;
	uint64_t size;     /* SIZE=, 0 absent */
	char body[16];     /* BODY= 7BIT, 8BITMIME, BINARYMIME, or "" */
	char ret[8];       /* RET= FULL or HDRS, or "" */
	bool smtputf8;     /* SMTPUTF8 */
	bool requiretls;   /* REQUIRETLS */
	const char *envid; /* ENVID=, or NULL */
	const char *auth;  /* AUTH=, or NULL */
};

/* One Received field taken apart (RFC 5321 4.4): each clause's value as
 * sent (comments kept), NULL when absent. */
struct smtpscope_received {
	size_t struct_size;
	const char *from, *by, *via, *with, *id, *for_, *date;
};

/* One recipient of a delivery status notification (RFC 3464). */
struct smtpscope_dsn_rcpt {
	size_t struct_size;
	const char *final_recipient;    /* "rfc822;" or "utf-8;" removed */
	const char *original_recipient; /* same */
	const char *action;             /* failed, delayed, delivered... */
	const char *status;             /* e.g. 5.1.1 */
	const char *diagnostic;         /* "smtp;" removed, unfolded */
	const char *remote_mta;         /* "dns;" removed */
};

/*
 * Headers and DSN of a message. Values are the unfolded field bodies
 * without the leading and trailing blanks, raw bytes otherwise (escape
 * them for output). NULL when absent.
 */
struct smtpscope_message {
	size_t struct_size;
	const char *date, *from, *to, *cc, *reply_to, *msg_id, *in_reply_to;
	const char *subject;
	const char *subject_decoded; /* RFC 2047 decoded to UTF-8 */
	/* Encoded words of the subject left as sent: an unknown charset,
	 * bytes invalid in theirs, or a malformed word. */
	unsigned subject_words_undecoded;
	const char *return_path;          /* Return-Path, as sent */
	const char *x_originating_ip;     /* validated address, or NULL */
	const char *x_originating_ip_raw; /* the field as sent */
	const char *user_agent;           /* User-Agent, else X-Mailer */
	bool user_agent_is_x_mailer;
	const char *content_type;

	const char *const *received; /* all Received fields, header order */
	const struct smtpscope_received *const *received_parts; /* each of
								   them taken
								   apart */
	size_t nreceived;
	size_t received_dropped; /* beyond the 64 kept */
	const char *const *path; /* relay IPs from Received, header order */
	size_t npath;

	bool headers_done;       /* the empty line was seen */
	bool headers_truncated;  /* a header cap was hit: fields skipped */
	size_t header_lines;     /* fields seen; a folded field is one */
	size_t headers_skipped;  /* fields not looked at (caps) */
	size_t header_malformed; /* lines neither field nor folding */
	uint64_t header_bytes;   /* up to and including the empty line */
	size_t values_truncated; /* values cut at 4096 bytes */
	size_t lines_truncated;  /* lines cut at 8192 bytes */
	uint64_t size;           /* bytes of the message */

	bool is_dsn;        /* multipart/report; report-type=delivery-status */
	bool dsn_part_seen; /* its message/delivery-status part was found */
	bool dsn_boundary_unusable;    /* no boundary, or over 200 bytes */
	const char *dsn_reporting_mta; /* "dns;" removed */
	const char *dsn_arrival_date;
	const struct smtpscope_dsn_rcpt *const *dsn;
	size_t ndsn;
	size_t dsn_dropped; /* beyond the 100 kept */
};

/*
 * One mail transaction, when it is over. The server's word decides: the
 * envelope holds what the server granted (a refused MAIL or HELO
 * changes nothing; refused commands are listed in refused[]). Where a
 * reply was never seen (capture loss, a one-sided capture) the effect is
 * assumed and assumed is set.
 */
struct smtpscope_transaction {
	size_t struct_size;
	unsigned depth;           /* 1 for the first of the session */
	double ts;                /* time of the MAIL command */
	double ts_end;            /* time it ended */
	enum smtpscope_verb verb; /* MAIL, or RFC 821's SEND, SOML, SAML */
	const char *mail_from;    /* without brackets, "" for the null
				     sender */
	const char *helo;         /* the HELO/EHLO/LHLO in force when MAIL
				     was accepted, "" none */
	bool reversed;            /* sent after TURN/ATRN: the SMTP client
				     was the TCP server */
	bool lmtp;                /* LMTP: rcpt[]->delivery holds the
				     replies */
	bool assumed;             /* an effect applied without its reply */
	unsigned capture_loss;    /* enum smtpscope_capture_loss bits */
	bool submission_no_auth;  /* on a submission port without AUTH */
	const struct smtpscope_refused *const *refused;
	size_t nrefused; /* entries in refused[] (up to 32 kept) */
	const struct smtpscope_mail_params *params;
	const struct smtpscope_reply *mail;
	const struct smtpscope_rcpt *const *rcpt;
	size_t nrcpt;                        /* entries in rcpt[] */
	size_t rcpt_total;                   /* RCPT commands, also those
						over the cap */
	size_t rcpt_accepted;                /* RCPT commands answered 2xx */
	const struct smtpscope_reply *data;  /* reply to DATA (354...) */
	const struct smtpscope_reply *final; /* reply to the end of data or
						BDAT LAST */
	int last_code;                       /* last reply within it */
	const char *last_text;               /* its last line */
	unsigned lmtp_delivered; /* LMTP: recipients delivered (2xx) */
	bool data_seen;          /* DATA or BDAT was sent */
	bool data_complete;      /* the end of the data was seen */
	bool bdat;               /* the message came in BDAT chunks */
	unsigned bdat_chunks;
	uint64_t size;                       /* message bytes (unstuffed) */
	bool bounce;                         /* null reverse path */
	const struct smtpscope_message *msg; /* NULL without data */
	enum smtpscope_outcome outcome;
	const char *ended_by; /* what closed it: "end_of_data", "rset"... */
	/* Revision 2: the queue id the server named in its positive final
	 * reply ("7E0E9A80167"), and its form ("postfix", "exim",
	 * "sendmail", "opensmtpd", "exchange", "gmail", "dovecot",
	 * "courier", "qmail", "other"); NULL when it named none. */
	const char *queue_id;
	const char *queue_id_form;
	/* Revision 6: not seen whole (the JSON log's "partial"): its
	 * connection was picked up mid-stream while it was under way, or
	 * only one side of it was captured. What was not seen is NULL or
	 * empty (mail_from NULL, the replies of the side not captured code
	 * 0); what is there is exact. */
	bool partial;
};

/* TLS metadata from the hellos after STARTTLS or on port 465. */
struct smtpscope_tls {
	size_t struct_size;
	bool seen;               /* a TLS hello was parsed */
	uint16_t client_version; /* highest offered */
	uint16_t version;        /* negotiated */
	uint16_t cipher;
	const char *sni; /* server name, "" none */
};

/* A session as it stands at the event. */
struct smtpscope_session {
	size_t struct_size;
	uint64_t id; /* the session's key from open to close */
	struct smtpscope_endpoint client, server;
	double ts_open;  /* handshake completed */
	double ts_close; /* 0 while open */
	uint64_t bytes_client, bytes_server;
	unsigned transactions;
	enum smtpscope_session_end end;
	const char *helo; /* the last HELO/EHLO/LHLO the server granted,
			     "" none */
	bool ehlo;        /* it was EHLO (or LHLO) */
	bool lmtp;        /* LHLO granted: LMTP (RFC 2033) */
	bool reversed;    /* TURN or ATRN granted: the roles swapped */
	enum smtpscope_verb turn_verb; /* which; SMTPSCOPE_VERB_UNKNOWN none */
	bool submission;               /* on a submission port (587, 465) */
	int greeting_code;
	const char *greeting_host; /* first word of the greeting */
	const char *greeting_text; /* the rest: software, banner */
	double greeting_latency;   /* handshake to greeting, -1 none */
	unsigned caps;             /* enum smtpscope_cap bits from EHLO */
	uint64_t size_limit;       /* EHLO SIZE value, 0 none */
	const char *auth_mechs;    /* EHLO AUTH mechanisms, space-joined */
	bool starttls;             /* the client sent STARTTLS */
	bool tls;          /* TLS began (220 to STARTTLS, or port 465) */
	bool implicit_tls; /* port 465 */
	const struct smtpscope_tls *tls_meta;
	const char *auth_mech; /* last AUTH mechanism, "" none */
	const char *auth_user; /* user PLAIN or LOGIN revealed, "" */
	enum smtpscope_auth_result auth_result;
	int auth_code;
	unsigned auth_attempts, auth_failures;
	bool auth_cleartext; /* AUTH PLAIN or LOGIN outside TLS */
	unsigned commands, replies;
	unsigned anomalies;
	/* Revision 6: the keys the JSON log and the Zeek log give the
	 * session (Zeek's uid, "C" and 17 base62 characters; the Community
	 * ID, "" when off), so that a plugin's records join theirs; a
	 * session picked up mid-stream (its handshake not seen, what came
	 * before unknown); and a one-sided one: the side never captured,
	 * "server" (only the client's packets) or "client", NULL when both
	 * were. */
	const char *uid;
	const char *community_id;
	bool midstream;
	const char *missing;
};

/* A command outside any transaction and the reply that answered it. */
struct smtpscope_command_result {
	size_t struct_size;
	enum smtpscope_verb verb;
	const uint8_t *arg; /* the argument as sent (wire bytes), capped */
	size_t arg_len;
	double ts;     /* when it was sent */
	bool reversed; /* sent after TURN/ATRN: by the TCP server */
	const struct smtpscope_reply *reply; /* code 0: no reply came */
	/* Every line of the reply (EXPN's members, HELP's text) after the
	 * code, capped at 100 lines; lines_dropped counts the rest. */
	const char *const *lines;
	size_t nlines, lines_dropped;
};

/* Revision 3: one hop of a tracked message: a transaction that carried
 * it (or tried to). */
struct smtpscope_tracked_hop {
	size_t struct_size;
	uint64_t session_id;
	unsigned trans_depth;
	double ts, ts_end;
	struct smtpscope_endpoint client, server;
	const char *server_name; /* the server's greeting host, or NULL */
	const char *queue_id;    /* the id the server gave it, or NULL */
	int from_hop;     /* index of the hop it left from, -1 the first seen */
	const char *link; /* how it was linked to from_hop: "queue_id",
			     "envelope", "message_id"; NULL the first */
	double queue_time; /* seconds in from_hop's server's queue, -1 */
	int final_code;    /* reply to the data, 0 none */
	enum smtpscope_outcome outcome;
	bool partial; /* an effect assumed, or capture loss */
};

/* Revision 3: a recipient of a tracked message and its fate. */
struct smtpscope_tracked_rcpt {
	size_t struct_size;
	const char *addr;
	enum smtpscope_fate fate;
	int hop;          /* index of the hop whose answer decided it, -1 */
	int code;         /* that answer's code, 0 none */
	char enh[12];     /* its enhanced status code, or "" */
	const char *text; /* its first line, or NULL */
	unsigned attempts, deferrals;
	uint64_t bounce;         /* the DSN (a tracked message id), 0 none */
	const char *bounce_link; /* what linked it: "queue_id",
				    "received_id", "envid", "message_id",
				    "recipient"; NULL */
	const char *bounce_action, *bounce_status, *bounce_diagnostic;
	bool bounce_missing; /* refused after a relay took it, no DSN seen */
};

/* Revision 3: a message followed across the hops the capture shows,
 * settled (SMTPSCOPE_EV_MESSAGE). */
struct smtpscope_tracked {
	size_t struct_size;
	uint64_t id; /* the tracker's number, from 1 */
	double ts, ts_end;
	const char *message_id; /* Message-ID, or NULL */
	const char *mail_from;  /* the first hop's envelope sender */
	const char *envid;      /* ENVID= of the first hop with one, or NULL */
	uint64_t size;
	bool dsn;           /* a delivery status notification */
	uint64_t bounce_of; /* a DSN: the message it reports on, 0 */
	const struct smtpscope_tracked_rcpt *const *rcpts;
	size_t nrcpt, rcpts_dropped;
	const struct smtpscope_tracked_hop *const *hops;
	size_t nhops, hops_dropped;
	const char *settled; /* "final", "window", "end", "evicted"... */
	bool partial;
};

struct smtpscope_event {
	size_t struct_size;
	enum smtpscope_event_type type;
	double ts;
	const struct smtpscope_session *session;
	union {
		const struct smtpscope_transaction *tx;
		const struct smtpscope_command_result *result;
		struct {
			enum smtpscope_verb verb;
			const uint8_t *line; /* the raw line, no CRLF; NULL
						for AUTH data (secrets never
						leave the dissector) */
			size_t len;
			/* Revision 2: the argument (after the verb and its
			 * blanks, within len; NULL none), and for MAIL,
			 * SEND, SOML, SAML and RCPT the path as parsed
			 * ("" the null path; NULL for other verbs). */
			const uint8_t *arg;
			size_t arg_len;
			const char *path;
		} command;
		struct {
			enum smtpscope_verb verb; /* what it answers */
			int code;
			const uint8_t *text; /* first line after the code */
			size_t len;
			unsigned lines; /* lines of a multi-line reply */
			const uint8_t *last_text; /* its last line's text */
			size_t last_len;
			bool granted;    /* the command's effect applied */
			char enh[12];    /* its enhanced status code, or "" */
			bool last_chunk; /* answers BDAT ... LAST */
			double latency;  /* since the command, -1 unknown */
			/* Revision 1: what the code means as an answer to
			 * this verb ("mailbox unavailable"), from the RFCs'
			 * tables. */
			const char *meaning;
		} reply;
		struct {
			enum smtpscope_anomaly kind;
		} anomaly;
		/* A chunk of the message of the open transaction, as the
		 * server stores it (dot-unstuffed; BDAT chunks joined), in
		 * order, split anywhere. data NULL: len bytes here were
		 * never captured. The transaction event follows the last. */
		struct {
			const uint8_t *data;
			size_t len;
			uint64_t offset; /* of data[0] in the message */
			unsigned depth;  /* the transaction's depth */
		} body;
		/* Revision 3: SMTPSCOPE_EV_MESSAGE. */
		const struct smtpscope_tracked *tracked;
		/* Revision 4: SMTPSCOPE_EV_ALERT. */
		const struct smtpscope_alert *alert;
		/* Revision 5: SMTPSCOPE_EV_ATTEMPT. */
		const struct smtpscope_attempt *attempt;
		/* Revision 7: SMTPSCOPE_EV_RECORD: a record exactly as the
		 * JSON log writes it (docs/log-schema.md; the same bytes as
		 * -w, when -w is given), one JSON object without its
		 * newline. Records of every type come this way, the
		 * "summary" of the run (or of each --rotate interval)
		 * included, before fini(). */
		struct {
			const char *type; /* its "type": "session", ... */
			const char *json;
			size_t len;
		} record;
	} u;
};

/* ---- the plugin interface ---------------------------------------------- */

enum smtpscope_log_level {
	SMTPSCOPE_LOG_ERROR,
	SMTPSCOPE_LOG_WARNING,
	SMTPSCOPE_LOG_INFO, /* shown unless smtpscope runs with -q */
};

/* Capture health, given to tick(). */
struct smtpscope_health {
	size_t struct_size;
	double now;          /* capture time, seconds since the epoch */
	bool live;           /* from an interface, not a file */
	uint64_t packets;    /* read so far */
	uint64_t bytes;      /* of those packets, as captured */
	uint64_t pcap_drops; /* dropped by the kernel (live only) */
	uint64_t pcap_ifdrops;
	uint64_t sessions;        /* SMTP sessions so far */
	uint64_t active_sessions; /* open now */
	uint64_t gaps;            /* stream holes stepped over */
	uint64_t no_handshake;    /* connections seen without one */
};

/* What smtpscope offers a plugin. Valid from init() until fini() returns;
 * call only from the plugin's callbacks. ctx is the first argument of
 * each service. */
struct smtpscope_host {
	unsigned abi; /* the host's SMTPSCOPE_PLUGIN_ABI */
	size_t struct_size;
	void *ctx;
	/* A line on stderr: "smtpscope: plugin NAME: ..." (no newline
	 * needed). Never put wire data or secrets in it unescaped. */
	void (*log)(void *ctx, enum smtpscope_log_level level, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));
	/* A counter the reports (text, JSON, HTML) and the dashboard show
	 * under the plugin's name, in order of registration; the plugin adds
	 * to *the returned pointer. name: [a-z0-9_], at most 48 bytes. NULL
	 * when the name is bad or taken, or after 32 counters. */
	uint64_t *(*counter)(void *ctx, const char *name, const char *help);
	/* Ask for SMTPSCOPE_EV_BODY events (message bytes). Without this
	 * call the plugin never sees a message body. Call from init(). */
	void (*want_body)(void *ctx);
	/* Names as the JSON log writes them ("unknown" for a value the
	 * host does not know). */
	const char *(*outcome_name)(enum smtpscope_outcome o);
	const char *(*verb_name)(enum smtpscope_verb v);
	const char *(*anomaly_name)(enum smtpscope_anomaly a);
	const char *(*session_end_name)(enum smtpscope_session_end e);
	/* The capability of bit 1 << bit_index of caps; NULL past the
	 * last. */
	const char *(*cap_name)(unsigned bit_index);
	/* An address as text (IPv4 dotted, IPv6 RFC 5952); size >= 46. */
	void (*addr_str)(
	    const struct smtpscope_endpoint *ep, char *buf, size_t size);
	bool live; /* capturing from an interface */
	/* Revision 3: a fate's name as the JSON log writes it. */
	const char *(*fate_name)(enum smtpscope_fate f);
	/* Revision 7: ask for SMTPSCOPE_EV_RECORD events (the JSON log's
	 * records, written for the plugin when no -w is given). Call from
	 * init(). */
	void (*want_records)(void *ctx);
	/* Revision 7: this plugin takes no event but SMTPSCOPE_EV_RECORD
	 * (and those only after want_records()): smtpscope does not put the
	 * dissector's events in the ABI's structures for it, which is most
	 * of what a plugin costs the capture. Call from init(). */
	void (*records_only)(void *ctx);
	/* Revision 7: every plugin's counters (counter() above) as the
	 * reports show them, in order of registration: fn is called once
	 * for each, before this returns (the prometheus plugin exports
	 * them). */
	void (*counters)(void *ctx,
	    void (*fn)(void *arg, const char *plugin, const char *name,
		const char *help, uint64_t value),
	    void *arg);
};

struct smtpscope_plugin {
	unsigned abi;            /* SMTPSCOPE_PLUGIN_ABI when built */
	const char *name;        /* [a-z0-9_-], as given to --plugin */
	const char *version;     /* the plugin's own */
	const char *description; /* one line, for --list-plugins */
	/*
	 * args: the text after "NAME:" on the command line ("" if none),
	 * conventionally key=value pairs separated by commas. On success
	 * return 0 and set *state (passed back to every call). On failure
	 * return -1 with one sentence in err (no newline): smtpscope prints
	 * it and exits 2 before reading any packet. fini() is not called
	 * after a failed init().
	 */
	int (*init)(const struct smtpscope_host *host, const char *args,
	    void **state, char *err, size_t errlen);
	void (*on_event)(void *state, const struct smtpscope_event *ev);
	/* About once a second of capture time (live: of wall time), and
	 * once more before fini(). May be NULL. */
	void (*tick)(void *state, const struct smtpscope_health *health);
	/* Release everything; flush what is written. May be NULL. */
	void (*fini)(void *state);
	/*
	 * Once, after smtpscope dropped its privileges (-Z) and before it
	 * opens its outputs and reads the first packet: the moment to check
	 * what the plugin will need as the user the run goes on as (a folder
	 * it must write). Return 0, or -1 with one sentence in err:
	 * smtpscope prints it and exits 2 (fini() is called). May be NULL.
	 * Members appended here later are read by smtpscope only from a
	 * descriptor large enough to hold them (the size of its symbol).
	 */
	int (*start)(void *state, char *err, size_t errlen);
};

#define SMTPSCOPE_PLUGIN_SYMBOL "smtpscope_plugin"

/* Exports the descriptor under the name smtpscope looks for. */
#define SMTPSCOPE_PLUGIN_DEFINE(...) \
	__attribute__((visibility("default"))) \
	const struct smtpscope_plugin smtpscope_plugin = { \
		.abi = SMTPSCOPE_PLUGIN_ABI, __VA_ARGS__ \
	}

#ifdef __cplusplus
}
#endif

#endif
