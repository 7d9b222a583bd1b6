/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpscope's internal event model: what the SMTP dissector emits and
 * the statistics, the JSON and Zeek logs, the transcript, the reports
 * and the dashboard are made from. It is the program's own and changes
 * with it: plugins never see it. They see the plugin ABI
 * (include/smtpscope/plugin.h), whose structures the plugin host
 * (src/event/plugin_abi.c) fills from these for each event.
 */
#ifndef SMTPSCOPE_MODEL_H
#define SMTPSCOPE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One end of a TCP connection; addr holds 4 or 16 bytes. */
struct smtp_endpoint {
	uint8_t family; /* 4 or 6 */
	uint8_t addr[16];
	uint16_t port;
};

/* Longest text form of an address, with NUL. */
#define ENDPOINT_ADDRSTRLEN 46

enum smtp_session_end {
	SMTP_SESSION_END_NONE = 0, /* still open */
	SMTP_SESSION_END_FIN,      /* both sides closed with FIN */
	SMTP_SESSION_END_RST,      /* a reset */
	SMTP_SESSION_END_TIMEOUT,  /* idle too long, or evicted for room */
	SMTP_SESSION_END_EOF,    /* the capture ended (or was stopped) first */
	SMTP_SESSION_END_REUSED, /* a new SYN took over the 4-tuple */
};

/* Outcomes in the words mail people use (DESIGN.md). */
enum smtp_outcome {
	SMTP_OUTCOME_NONE = 0,
	SMTP_OUTCOME_ACCEPTED, /* final reply to the data was 2xx */
	SMTP_OUTCOME_REJECTED, /* refused with 5xx: the sender owes a bounce */
	SMTP_OUTCOME_TEMPFAIL, /* refused with 4xx (421 too): it retries */
	SMTP_OUTCOME_DROPPED,  /* accepted, then discarded: only tracking
				  across hops can show it */
	SMTP_OUTCOME_ABORTED,  /* RSET, QUIT or a new MAIL before the data */
	SMTP_OUTCOME_LOST,     /* cut off (closed, reset, timed out) before
				  its final reply */
	SMTP_OUTCOME_UNKNOWN,  /* the server's word was not captured: its
				  side never was (a one-sided capture), or
				  it was cut off while the capture lost
				  bytes or packets (capture_loss) */
	SMTP_OUTCOME_COUNT
};

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
	SMTP_VERB_LHLO, /* LMTP's greeting (RFC 2033) */
	SMTP_VERB_SEND, /* RFC 821: deliver to terminals */
	SMTP_VERB_SOML, /* send or mail */
	SMTP_VERB_SAML, /* send and mail */
	/* Pseudo commands: what a reply may answer besides a command. */
	SMTP_VERB_GREETING,    /* the server's first reply */
	SMTP_VERB_END_OF_DATA, /* the "." that ends DATA */
	SMTP_VERB_AUTH_DATA,   /* a client line inside an AUTH exchange */
	SMTP_VERB_COUNT
};

/* The caps the dissector puts on the model's text, which the sinks size
 * their buffers by (smtp/smtp.h has the dissector's other limits). */
#define SMTP_ADDR_MAX 512       /* bytes kept of an address */
#define SMTP_REPLY_TEXT_MAX 512 /* bytes kept of a reply's first line */

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
	struct smtp_reply reply; /* code 0: no reply seen */
	char *notify;            /* NOTIFY= (RFC 3461), or NULL */
	char *orcpt;             /* ORCPT=, or NULL */
	/* LMTP (RFC 2033): this recipient's own reply after the data, the
	 * last hop's delivery to the mailbox; code 0 when none. */
	struct smtp_reply delivery;
};

/* A command the server refused inside a transaction (a nested MAIL, a
 * HELO or DATA out of place): the transaction went on without it. */
struct smtp_refused {
	enum smtp_verb verb;
	char *arg; /* the argument as sent (capped), "" none */
	struct smtp_reply reply;
};

/* What capture loss, rather than the network, may explain (bits). */
enum smtp_capture_loss {
	SMTP_LOSS_GAP = 1u << 0,          /* bytes of the session never seen */
	SMTP_LOSS_KERNEL_DROPS = 1u << 1, /* the capture dropped packets
					     while the session was open */
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

/* One Received field taken apart (RFC 5321 4.4): each clause's value as
 * sent (comments kept), NULL when absent. */
struct smtp_received {
	char *from, *by, *via, *with, *id, *for_, *date;
};

struct smtp_dsn_rcpt {
	char *final_recipient;    /* "rfc822;" or "utf-8;" type removed */
	char *original_recipient; /* same */
	char *action;             /* failed, delayed, delivered... as sent */
	char *status;             /* e.g. 5.1.1 */
	char *diagnostic;         /* "smtp;" type removed, folds unfolded */
	char *remote_mta;         /* "dns;" type removed */
};

/*
 * Headers and DSN of a message. Values are the unfolded field bodies without
 * the leading and trailing blanks, raw bytes otherwise (the caller escapes them
 * for output). A NUL byte in a value ends the C string. NULL when absent.
 */
struct smtp_msg_info {
	char *date, *from, *to, *cc, *reply_to, *msg_id, *in_reply_to;
	char *subject;
	char *subject_decoded; /* RFC 2047 decoded to UTF-8 (iconv) */
	/* Encoded words of the subject left as sent: an unknown charset,
	 * bytes invalid in theirs, or a malformed word. */
	unsigned subject_words_undecoded;
	char *return_path;          /* Return-Path, as sent */
	char *x_originating_ip;     /* validated address, or NULL */
	char *x_originating_ip_raw; /* the field as sent */
	char *user_agent;           /* User-Agent, else X-Mailer */
	bool user_agent_is_x_mailer;
	char *content_type;

	char **received; /* all Received fields, in header order */
	struct smtp_received *received_parts; /* each of them taken apart */
	size_t nreceived;
	size_t received_dropped; /* beyond the 64 kept */
	char **path;             /* relay IPs from Received, header order */
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
	bool dsn_boundary_unusable; /* no boundary, or over 200 bytes */
	char *dsn_reporting_mta;    /* "dns;" type removed */
	char *dsn_arrival_date;
	char *dsn_envid;    /* Original-Envelope-Id: the ENVID of its MAIL */
	char *dsn_queue_id; /* X-Postfix-Queue-ID: the reporting MTA's queue
			       id of the message it reports on */
	/* The returned message (message/rfc822, text/rfc822-headers or
	 * their global forms): its Message-ID and its top Received
	 * field's id and by host, the reporting MTA's queue id when it
	 * added that field. */
	char *dsn_returned_msg_id;
	char *dsn_returned_qid;
	char *dsn_returned_by;
	struct smtp_dsn_rcpt *dsn;
	size_t ndsn;
	size_t dsn_dropped; /* beyond the 100 kept */
};

/*
 * One mail transaction, as handed to sinks when it is over. The server's
 * word decides: the envelope holds what the server granted (a refused
 * MAIL or HELO changes nothing; refused commands are listed in refused[]).
 * A transaction whose MAIL was refused outside any transaction is kept
 * too, with the recipients the client tried. Where a reply was never
 * seen (capture loss, a one-sided capture) the effect is assumed and
 * assumed is set.
 */
struct smtp_transaction {
	unsigned depth;          /* 1 for the first of the session */
	double ts;               /* time of the MAIL command */
	double ts_end;           /* time it ended */
	enum smtp_verb verb;     /* MAIL, or RFC 821's SEND, SOML, SAML */
	char *mail_from;         /* without brackets, "" for the null sender */
	const char *helo;        /* the HELO/EHLO/LHLO in force when MAIL was
				    accepted, "" none */
	bool reversed;           /* sent after TURN/ATRN: the SMTP client was
				    the TCP server (session->server) */
	bool lmtp;               /* LMTP: rcpt[].delivery holds the replies */
	bool assumed;            /* an effect applied without its reply */
	unsigned capture_loss;   /* enum smtp_capture_loss bits, when lost */
	bool submission_no_auth; /* on a submission port without AUTH */
	struct smtp_refused *refused;
	size_t nrefused; /* entries in refused[] (up to 32 kept) */
	struct smtp_mail_params params;
	struct smtp_reply mail;
	struct smtp_rcpt *rcpt;
	size_t nrcpt;            /* entries in rcpt[] */
	size_t rcpt_total;       /* RCPT commands, also those over the cap */
	size_t rcpt_accepted;    /* RCPT commands answered 2xx */
	struct smtp_reply data;  /* reply to DATA (354...) */
	struct smtp_reply final; /* reply to end of data / BDAT LAST */
	/* The queue id the server named in its positive final reply
	 * ("queued as 7E0E9A80167"), and the form it came in ("postfix",
	 * "exim"...: smtp/queueid.h); NULL when it named none. */
	const char *queue_id;
	const char *queue_id_form;
	int last_code;           /* last reply within the transaction */
	char *last_text;         /* its last line, for Zeek's last_reply */
	unsigned lmtp_delivered; /* LMTP: recipients delivered (2xx) */
	bool data_seen;          /* DATA or BDAT was sent */
	bool data_complete;      /* the end of the data was seen */
	bool bdat;               /* the message came in BDAT chunks */
	unsigned bdat_chunks;
	uint64_t size;                   /* message bytes (dot-unstuffed) */
	bool bounce;                     /* null reverse path */
	const struct smtp_msg_info *msg; /* headers, DSN; NULL without data */
	enum smtp_outcome outcome;
	const char *ended_by; /* what closed it: "end_of_data", "rset"... */

	/* Part of it happened before the capture (a connection picked up
	 * mid-stream) or on the side not captured: what was not seen is
	 * unknown, what is shown is exact. */
	bool partial;
	/* Its MAIL was not seen: mail_from is "" and means nothing (the
	 * logs write null). */
	bool sender_unknown;
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
	SMTP_CAP_ATRN = 1u << 17, /* RFC 2645 */
};

enum smtp_auth_result {
	SMTP_AUTH_NONE = 0, /* no AUTH */
	SMTP_AUTH_PENDING,  /* no final reply seen */
	SMTP_AUTH_SUCCESS,  /* 235 */
	SMTP_AUTH_FAILURE,  /* 5xx/4xx */
	SMTP_AUTH_CANCELLED /* the client sent "*" */
};

/* The protocol versions a TLS hello names (tls_version_name() in
 * event.h: "SSLv3", "TLSv1.2"...). */
#define TLS_VERSION_SSL2 0x0002
#define TLS_VERSION_SSL3 0x0300
#define TLS_VERSION_TLS10 0x0301
#define TLS_VERSION_TLS11 0x0302
#define TLS_VERSION_TLS12 0x0303
#define TLS_VERSION_TLS13 0x0304

/* TLS metadata from the hellos after STARTTLS or on port 465. */
struct smtp_tls_meta {
	bool seen;               /* a TLS hello was parsed */
	uint16_t client_version; /* highest offered */
	uint16_t version;        /* negotiated */
	uint16_t cipher;
	char sni[256];
};

/* What a session was carried in, when not straight on TCP (--ports
 * any finds it). */
enum smtp_tunnel {
	SMTP_TUNNEL_NONE = 0,
	SMTP_TUNNEL_HTTP_CONNECT, /* an HTTP proxy's CONNECT */
};
#define SMTP_TUNNEL_TARGET_MAX 128
/* "1:" and 28 characters of base64, with the NUL (net/communityid.h). */
#define SMTP_COMMUNITY_ID_SIZE 31
/* "C" and 17 characters of base62, with the NUL. */
#define SMTP_UID_SIZE 19

/* What sinks may read of a session. */
struct smtp_session_info {
	uint64_t id;
	struct smtp_endpoint client, server;
	double ts_open;  /* handshake completed */
	double ts_close; /* 0 while open */
	uint64_t bytes_client, bytes_server;
	unsigned transactions;
	enum smtp_session_end end;
	const char *helo; /* argument of the last HELO/EHLO/LHLO the server
			     granted, "" none; up to SMTP_LINE_MAX bytes */
	bool ehlo;        /* it was EHLO (or LHLO) */
	bool lmtp;        /* LHLO granted: LMTP (RFC 2033) */
	bool reversed;    /* TURN or ATRN granted: the roles swapped */
	enum smtp_verb turn_verb; /* which, SMTP_VERB_UNKNOWN none */
	bool submission;          /* on a submission port (587, 465) */
	int greeting_code;
	double greeting_latency; /* handshake to greeting, -1 none */
	unsigned caps;           /* enum smtp_cap bits from EHLO */
	uint64_t size_limit;     /* EHLO SIZE value, 0 none */
	bool starttls;           /* the client sent STARTTLS */
	bool tls;                /* TLS began (220 to STARTTLS, or port 465) */
	bool implicit_tls;
	enum smtp_auth_result auth_result;
	int auth_code;
	unsigned auth_attempts, auth_failures;
	bool auth_cleartext; /* AUTH PLAIN or LOGIN outside TLS */
	unsigned commands, replies;
	unsigned anomalies;
	enum smtp_tunnel tunnel;
	const char *tunnel_target; /* the CONNECT's "host:port"; NULL
				      when not tunnelled */
	/* Picked up mid-stream: the handshake was not seen, what came
	 * before is unknown. */
	bool midstream;
	/* A one-sided connection: the side never captured (enum
	 * smtp_side_missing). */
	int missing;
	/* The text arrays last, from tls_meta.sni on (its other members
	 * before it): a session the dissector reuses is cleared up to
	 * there, and these 1.3 KB are only made empty strings or written
	 * at the open (session_alloc() in smtp/session.c). */
	struct smtp_tls_meta tls_meta;
	/* The connection as other tools name it, made once at the open:
	 * the Zeek uid that the Zeek log writes (the JSON log too, so that
	 * the two join), and the Community ID of its 4-tuple ("" when the
	 * network layer gave none). */
	char uid[SMTP_UID_SIZE];
	char community_id[SMTP_COMMUNITY_ID_SIZE];
	/* The two addresses as text (endpoint_addr_fmt()), made once at
	 * the open: the sinks name them in every record and table. */
	char client_ip[ENDPOINT_ADDRSTRLEN], server_ip[ENDPOINT_ADDRSTRLEN];
	char greeting_host[256]; /* first word of the greeting */
	char greeting_text[256]; /* the rest: software, banner */
	char auth_mechs[128];    /* EHLO AUTH mechanisms, space-joined */
	char auth_mech[32];      /* last AUTH mechanism */
	char auth_user[256];     /* user PLAIN or LOGIN revealed, "" */
};

enum smtp_side_missing {
	SMTP_MISSING_NONE = 0,
	SMTP_MISSING_SERVER, /* only the client's packets were captured */
	SMTP_MISSING_CLIENT, /* only the server's */
};

enum smtp_anomaly {
	SMTP_ANOMALY_LINE_TOO_LONG = 0,
	SMTP_ANOMALY_UNSOLICITED_REPLY,
	SMTP_ANOMALY_BAD_REPLY,
	SMTP_ANOMALY_COMMAND_BEFORE_GREETING,
	SMTP_ANOMALY_DATA_AFTER_QUIT,
	SMTP_ANOMALY_PIPELINE_OVERFLOW,
	SMTP_ANOMALY_TOO_MANY_RECIPIENTS,
	SMTP_ANOMALY_BODY_BEFORE_354,
	SMTP_ANOMALY_BAD_BDAT,
	SMTP_ANOMALY_NON_SMTP,
	SMTP_ANOMALY_NO_REPLY,
	SMTP_ANOMALY_GAP,     /* stream bytes missing (never captured) */
	SMTP_ANOMALY_NOT_TLS, /* plain bytes where TLS was due */
	SMTP_ANOMALY_UNKNOWN_COMMAND,     /* a verb not in the command table */
	SMTP_ANOMALY_HEADERS_TRUNCATED,   /* message headers over their caps */
	SMTP_ANOMALY_REPLY_CODE_MISMATCH, /* a multi-line reply's lines carry
					     different codes */
	SMTP_ANOMALY_LMTP_ON_PORT_25,     /* RFC 2033 4: MUST NOT */
	SMTP_ANOMALY_SUBMISSION_NO_AUTH,  /* a transaction on 587/465
					     without successful AUTH */
	SMTP_ANOMALY_CLEARTEXT_AUTH,      /* AUTH PLAIN/LOGIN without TLS */
	SMTP_ANOMALY_REPLY_LOST,          /* a reply never seen: the effect
					     of its command was assumed */
	SMTP_ANOMALY_OVERLAP_CONFLICT,    /* overlapping IP fragments or TCP
					     segments with other bytes: the
					     receiver's copy is followed */
	SMTP_ANOMALY_RST_IN_WINDOW,       /* a RST not at the expected
					     sequence number: ignored, as
					     the receiver does (RFC 5961) */
	SMTP_ANOMALY_SYN_ON_ESTABLISHED,  /* a SYN on an open connection
					     that the server did not take
					     up: ignored (RFC 5961) */
	SMTP_ANOMALY_CLOCK_JUMP,          /* the capture's clock moved by
					     over 60 s while the session
					     was open: its durations hold
					     the jump */
	SMTP_ANOMALY_TIMESTAMP_REPLACED,  /* a packet's timestamp was before
					     1970 or after 9999: it took
					     the previous packet's time */
	SMTP_ANOMALY_COUNT
};

/*
 * Message tracking across hops (src/track/): what became of a message and
 * of each of its recipients, as the wire shows it. Fates in the words
 * mail people use (DESIGN.md).
 */
enum smtp_fate {
	SMTP_FATE_UNKNOWN = 0, /* no final answer seen (lost, aborted) */
	SMTP_FATE_DELIVERED,   /* accepted by the last hop seen, a server
				  never seen passing mail on */
	SMTP_FATE_REJECTED,    /* 5xx at RCPT or after the data */
	SMTP_FATE_DEFERRED,    /* 4xx, and no later attempt succeeded */
	SMTP_FATE_DROPPED,     /* accepted by a relay seen passing mail on,
				  and never passed on: later messages to
				  the same destination left, or the window
				  passed */
	SMTP_FATE_QUEUED,      /* accepted by a relay and not passed on yet
				  when the input ended (within the window) */
	SMTP_FATE_BOUNCED,     /* accepted, then a DSN reported it failed */
	SMTP_FATE_COUNT
};

/* How a hop was found to carry the message of an earlier hop. */
enum smtp_hop_link {
	SMTP_LINK_NONE = 0,  /* the first hop seen */
	SMTP_LINK_QUEUE_ID,  /* its top Received names the queue id the
				earlier hop's server gave */
	SMTP_LINK_ENVELOPE,  /* the same sender and recipients leaving the
				relay that holds them (no data yet, e.g. a
				retry refused at RCPT) */
	SMTP_LINK_MESSAGE_ID /* the same Message-ID, sender, recipients
				leaving the relay that holds them */
};

/* One hop: one transaction that carried the message (or tried to). */
struct smtp_msg_hop {
	uint64_t session_id;
	unsigned trans_depth;
	double ts, ts_end;
	struct smtp_endpoint client, server;
	char *server_name; /* the server's greeting host, or NULL */
	char *queue_id;    /* the id the server gave it, or NULL */
	int from_hop;      /* the hop it left from, -1 the first seen */
	enum smtp_hop_link link;
	double queue_time; /* seconds between its acceptance by the relay
			      and this attempt to pass it on, -1 */
	int final_code;    /* reply to the data, 0 none */
	enum smtp_outcome outcome;
	unsigned rcpt_tried, rcpt_accepted;
	bool partial; /* an effect assumed, or capture loss */
};

/* A recipient's fate. */
struct smtp_msg_rcpt {
	char *addr;
	uint32_t addr_hash; /* of addr in any case: the tracker's own */
	enum smtp_fate fate;
	int hop;            /* the hop whose answer decided it, -1 */
	int code;           /* that answer's code, 0 none */
	char enh[12];       /* its enhanced status code, or "" */
	char *text;         /* its first line, or NULL */
	unsigned attempts;  /* hops that tried this recipient */
	unsigned deferrals; /* of them answered 4xx */
	double accepted_at; /* when the holding relay accepted it, 0 (on
			       the tracker's own clock, not a time) */
	uint64_t bounce;    /* the DSN (a message id) that reported it */
	/* What linked that DSN to it (a static string): "queue_id",
	 * "received_id", "envid", "message_id" or "recipient". */
	const char *bounce_link;
	char *bounce_action; /* that DSN's Action, Status, Diagnostic-Code */
	char *bounce_status;
	char *bounce_diagnostic;
	bool bounce_owed; /* refused after a relay accepted it: the
			     relay owes the sender a DSN */
};

/* A message followed across the hops the capture shows. */
struct smtp_message {
	uint64_t id;        /* the tracker's number, from 1 */
	double ts, ts_end;  /* first hop's start, last hop's end */
	char *message_id;   /* Message-ID as sent, or NULL */
	char *mail_from;    /* envelope sender of the first hop */
	char *envid;        /* ENVID= (RFC 3461) of the first hop with one */
	uint64_t size;      /* bytes at the first hop with data */
	bool dsn;           /* a delivery status notification */
	uint64_t bounce_of; /* DSN: the message it reports on, 0 */
	struct smtp_msg_hop *hops;
	size_t nhops, hops_dropped;
	struct smtp_msg_rcpt *rcpts;
	size_t nrcpt, rcpts_dropped;
	const char *settled; /* "window", "end", "evicted" */
	bool partial;        /* some hop partial */
};

enum smtp_event_type {
	SMTP_EV_SESSION_OPEN,
	SMTP_EV_SESSION_CLOSE,
	SMTP_EV_COMMAND,     /* a client command line */
	SMTP_EV_REPLY,       /* a complete reply, paired with its command */
	SMTP_EV_TRANSACTION, /* a transaction is over */
	SMTP_EV_ANOMALY,
	SMTP_EV_BODY, /* message bytes: only to plugins that ask for them */
	SMTP_EV_COMMAND_RESULT, /* a command outside any transaction, with
				   its reply: VRFY, EXPN, ETRN, ATRN, TURN,
				   HELP, NOOP, and RCPT/DATA/BDAT/unknown
				   verbs that found no transaction */
	SMTP_EV_MESSAGE,        /* a tracked message is settled (src/track/) */
	SMTP_EV_ALERT,          /* a threshold crossed (sinks/alerts.c) */
	SMTP_EV_ATTEMPT,        /* a connection the server refused or never
				   answered (net/attempts.c): no session */
};

/* How a connection attempt to a mail port ended without a session. */
enum smtp_attempt_result {
	SMTP_ATTEMPT_REFUSED,    /* the server answered the SYN with RST */
	SMTP_ATTEMPT_UNANSWERED, /* no SYN-ACK, no RST in the time seen */
};

/* A client's SYNs to a mail port that never made a connection: what a
 * client logs as "connection refused" or "connection timed out" and
 * defers its mail for. ts is the first SYN; ts_end the RST, or the last
 * SYN; waited how long the capture saw the attempt go unanswered (from
 * the first SYN to the RST, or to when it was judged). */
struct smtp_attempt {
	enum smtp_attempt_result result;
	double ts, ts_end, waited;
	struct smtp_endpoint client, server;
	uint32_t syns; /* SYNs seen, retransmissions included */
	bool at_end;   /* judged when the capture ended */
	char community_id[SMTP_COMMUNITY_ID_SIZE]; /* "" when off */
};

/* What an alert watches (sinks/alerts.c has the thresholds). */
enum smtp_alert_kind {
	SMTP_ALERT_REJECT_RATE,      /* share of transactions refused 5xx */
	SMTP_ALERT_TEMPFAIL_RATE,    /* share refused 4xx */
	SMTP_ALERT_LOST_RATE,        /* share cut off before their reply */
	SMTP_ALERT_AUTH_FAILURES,    /* AUTH failures from one client */
	SMTP_ALERT_GREETING_LATENCY, /* one server's greetings slow */
	SMTP_ALERT_FINAL_LATENCY,    /* one server's final replies slow */
	SMTP_ALERT_KERNEL_DROPS,     /* packets the capture dropped */
	SMTP_ALERT_CONNECT_FAILURES, /* connections one server refused or
					never answered */
	SMTP_ALERT_COUNT
};

/* A threshold crossed (raised) or back on the right side of it
 * (cleared), on the capture's clock. value is what was compared with
 * threshold: a share (0..1) for the rates and, for the latencies, the
 * share of replies slower than latency_limit seconds; a count for AUTH
 * failures and kernel drops. */
struct smtp_alert {
	enum smtp_alert_kind kind;
	bool raised;         /* false: cleared */
	const char *subject; /* the client (AUTH) or the server (latency)
				address; "" for the whole capture */
	double value, threshold;
	double latency_limit; /* latencies: seconds; else 0 */
	uint64_t samples;     /* what the window held: transactions,
				 failures, replies, packets dropped */
	double window;        /* seconds */
	uint64_t id;          /* the alert's number, from 1; a clearing
				 has the number of what it clears */
};

/* A command and the reply that answered it (SMTP_EV_COMMAND_RESULT). */
struct smtp_command_result {
	enum smtp_verb verb;
	const uint8_t *arg; /* the argument as sent (wire bytes), capped */
	size_t arg_len;
	double ts;               /* when it was sent */
	bool reversed;           /* sent after TURN/ATRN: by the TCP server */
	struct smtp_reply reply; /* code 0: no reply came */
	/* Every line of the reply (EXPN's members, HELP's text) after the
	 * code, capped at 100 lines; lines_dropped counts the rest. */
	char *const *lines;
	size_t nlines, lines_dropped;
};

struct smtp_event {
	enum smtp_event_type type;
	double ts;
	const struct smtp_session_info *session;
	union {
		const struct smtp_transaction *tx;
		const struct smtp_command_result *result;
		const struct smtp_message *message;
		const struct smtp_alert *alert;
		const struct smtp_attempt *attempt;
		struct {
			enum smtp_verb verb;
			const uint8_t *line; /* the raw line, no CRLF */
			size_t len;
			/* The argument: the line after the verb and the
			 * blanks after it, within len (AUTH: the mechanism
			 * only); arg_len 0 when none. */
			const uint8_t *arg;
			size_t arg_len;
			/* MAIL, SEND, SOML, SAML and RCPT, as the
			 * dissector parsed them (NULL for other verbs):
			 * the path ("" the null path), and the parameters
			 * of MAIL or of RCPT (rcpt: its address and its
			 * NOTIFY and ORCPT; no reply yet). */
			const char *path;
			const struct smtp_mail_params *mail_params;
			const struct smtp_rcpt *rcpt;
		} command;
		struct {
			enum smtp_verb verb; /* what it answers */
			int code;
			const uint8_t *text; /* first line after the code */
			size_t len;
			unsigned lines; /* lines of a multi-line reply */
			const uint8_t *last_text; /* its last line\'s text */
			size_t last_len;
			bool granted;    /* the command's effect applied */
			char enh[12];    /* its enhanced status code, or "" */
			bool last_chunk; /* answers BDAT ... LAST */
			double latency;  /* since the command, -1 unknown */
		} reply;
		struct {
			enum smtp_anomaly kind;
		} anomaly;
		/* A chunk of the message of the open transaction, as the
		 * server stores it (dot-unstuffed; BDAT chunks joined), in
		 * order, split anywhere. data NULL: len bytes here were
		 * never captured. The transaction event follows the last. */
		struct {
			const uint8_t *data;
			size_t len;
			uint64_t offset; /* of data[0] in the message */
			unsigned depth;  /* the transaction's trans_depth */
		} body;
	} u;
};

#endif
