/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The statistics store: everything the reports and the dashboard show,
 * fed by the dissector's events. Bounded memory whatever the traffic:
 * fixed arrays, top-N tables with a fixed budget (topn.h), fixed-bucket
 * histograms and ring series (histo.h). It knows nothing of packets.
 */
#ifndef SMTPSCOPE_STATS_H
#define SMTPSCOPE_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "event/event.h"
#include "sinks/breakdown.h"
#include "sinks/histo.h"
#include "sinks/topn.h"

/* Latencies kept: the greeting, the replies to these commands. */
enum stats_latency {
	LAT_GREETING,
	LAT_HELO, /* HELO and EHLO */
	LAT_MAIL,
	LAT_RCPT,
	LAT_DATA,  /* DATA to 354 */
	LAT_FINAL, /* end of data (or BDAT LAST) to the final reply */
	LAT_OTHER, /* any other command */
	LAT_KINDS
};
const char *stats_latency_name(enum stats_latency k);

enum stats_tls_version {
	TLSV_SSL3,
	TLSV_10,
	TLSV_11,
	TLSV_12,
	TLSV_13,
	TLSV_OTHER,
	TLSV_KINDS
};
const char *stats_tls_version_name(enum stats_tls_version v);

/* A notable event for the dashboard's scrolling list. */
enum stats_recent_kind {
	RECENT_REJECT,
	RECENT_TEMPFAIL,
	RECENT_BOUNCE,
	RECENT_LOST,
	RECENT_AUTH_FAILURE,
	RECENT_ALERT,   /* the dashboard's: an alert raised or cleared */
	RECENT_CONNECT, /* a connection refused or unanswered: no session */
};
const char *stats_recent_kind_name(enum stats_recent_kind k);

#define STATS_RECENT 256 /* notable events kept */

struct stats_recent {
	double ts;
	enum stats_recent_kind kind;
	uint64_t session_id;
	char client[ENDPOINT_ADDRSTRLEN];
	char server[ENDPOINT_HOSTPORTSTRLEN]; /* a connection's: and port */
	char from[96]; /* raw wire text: escape before showing */
	char rcpt[96];
	int code;
	char text[128];
};

#define STATS_RELAYS 16
#define STATS_ALERTS 64 /* alerts kept for the reports, the last */

/* An alert as the reports list it (struct smtp_alert, kept). */
struct stats_alert {
	double ts;
	uint64_t id;
	enum smtp_alert_kind kind;
	bool raised;
	char subject[ENDPOINT_ADDRSTRLEN];
	double value, threshold, latency_limit, window;
	uint64_t samples;
};

/* What became of the SYNs to one server's port that made no session. */
struct stats_attempt_row {
	uint64_t result[2]; /* refused, unanswered */
	uint64_t syns;
	double first, last;                    /* the first and last SYNs */
	char last_client[ENDPOINT_ADDRSTRLEN]; /* of the newest attempt */
};

/* An enhanced code's slot in stats.enhanced, by the code's 12 bytes
 * (stats.c). */
struct stats_enh_seen {
	uint64_t lo;       /* bytes 0-7, zero past the code's end */
	uint32_t hi;       /* bytes 8-11, the same */
	uint8_t slot;      /* its slot */
	uint64_t replaced; /* enhanced.replaced when it was found */
};
#define STATS_ENH_SEEN 16

/* A domain lowered for counting, with what it was lowered from: the
 * next one is lowered only when it differs (stats.c). */
struct stats_domain {
	char raw[TOPN_KEY_MAX];
	char lower[TOPN_KEY_MAX];
	size_t len; /* of raw and of lower */
};

struct stats {
	/* Totals. */
	uint64_t sessions;
	uint64_t sessions_closed;
	uint64_t sessions_active;
	uint64_t transactions;
	uint64_t messages_accepted;
	uint64_t recipients;          /* RCPT commands */
	uint64_t recipients_accepted; /* RCPT answered 2xx */
	uint64_t outcome[SMTP_OUTCOME_COUNT];
	uint64_t bounces;       /* transactions with the null sender */
	uint64_t assumed;       /* transactions with effects assumed */
	uint64_t loss_capture;  /* of the unknown, cut off while the capture
				   lost bytes or packets */
	uint64_t refused_in_tx; /* commands refused inside transactions */
	uint64_t submission_no_auth; /* on 587/465 without AUTH */
	uint64_t reversed;           /* transactions sent after TURN/ATRN */
	uint64_t lmtp_delivered, lmtp_failed; /* LMTP recipients after data */
	uint64_t results[SMTP_VERB_COUNT];    /* command results, by verb */
	uint64_t cleartext_auth; /* sessions: AUTH PLAIN/LOGIN in clear */
	uint64_t lmtp_sessions, reversed_sessions;
	uint64_t dsn; /* of those, with a DSN body */
	uint64_t session_end[SMTP_SESSION_END_REUSED + 1];
	uint64_t bytes_client, bytes_server;
	uint64_t message_bytes; /* of accepted messages */

	/* Replies and commands. */
	uint64_t replies;
	uint64_t reply_code[600]; /* by code, 0..599 */
	uint64_t reply_class[6];  /* by first digit */
	uint64_t commands[SMTP_VERB_COUNT];
	struct topn enhanced; /* enhanced status codes of replies */
	struct stats_enh_seen enh_seen[STATS_ENH_SEEN];

	/* Who. */
	struct topn servers;        /* sessions per server address */
	struct topn clients;        /* sessions per client address */
	struct topn reject_reasons; /* 4xx/5xx texts, normalised */
	/* Who is behind each reason kept in reject_reasons, by its slot. */
	struct reason_who reason_who[TOPN_SLOTS];

	/* The outcome split by server, client, sender and recipient
	 * domain (breakdown.h). The top sender domains (transactions per
	 * MAIL FROM domain) are by_sender_domain.keys, the top recipient
	 * domains (RCPTs per domain) by_rcpt_domain.keys: one count each. */
	struct bd_table by_server, by_client, by_sender_domain;
	struct bd_table by_rcpt_domain; /* recipients */
	/* And by address, as pflogsumm's senders and recipients: the keys
	 * are the top tables of senders (transactions per MAIL FROM
	 * address) and recipients (RCPTs per address), so the split costs
	 * no lookup of its own. */
	struct bd_table by_sender, by_rcpt;
	/* The sender's and the recipients' domains lowered last. */
	struct stats_domain sender_domain, rcpt_domain;

	/* TLS and AUTH. */
	uint64_t starttls_offered; /* sessions whose EHLO said STARTTLS */
	uint64_t starttls_used;    /* sessions that went to TLS */
	uint64_t implicit_tls;     /* port 465 sessions */
	uint64_t tls_version[TLSV_KINDS];
	uint64_t auth_sessions, auth_success, auth_failures;
	struct topn auth_mechs;
	/* Failed attempts by client: auth_fail_by_client.keys. */
	struct auth_table auth_users;          /* sessions by AUTH user */
	struct auth_table auth_fail_by_client; /* failed attempts */

	/* Distributions and rates. */
	struct histo size;               /* accepted message sizes, bytes */
	struct histo latency[LAT_KINDS]; /* seconds */
	struct series series;
	struct timeline timeline; /* the whole span */
	struct hours hours;       /* per hour, for per-hour and per-day */
	struct hours days;        /* per UTC day: per-day past the hours */

	/* The scrolling list of notable events. */
	struct stats_recent recent[STATS_RECENT];
	size_t recent_head, recent_n;
	uint64_t recent_total;

	/* Message tracking: the settled messages (SMTP_EV_MESSAGE). */
	bool tracking;                  /* on (main.c sets it) */
	uint64_t tracked;               /* messages */
	uint64_t tracked_evicted;       /* settled early: the cap */
	uint64_t hop_links[4];          /* hops, by enum smtp_hop_link */
	uint64_t tracked_multihop;      /* seen at more than one hop */
	uint64_t tracked_dsn;           /* of them, DSNs */
	uint64_t dsn_unlinked;          /* DSNs linked to no message */
	uint64_t fate[SMTP_FATE_COUNT]; /* recipients, by fate */
	uint64_t bounces_linked;        /* recipients a DSN came back for */
	uint64_t bounce_missing;        /* refused after a relay: no DSN */
	struct histo relay_time;        /* seconds in a relay's queue */
	struct topn drop_relays;        /* dropped recipients, by relay */
	struct topn bounce_causes;      /* DSN status and diagnostic */
	struct topn queued_relays;      /* still queued at the end */
	/* Time in each relay's queue, for the first STATS_RELAYS relays. */
	struct stats_relay {
		char addr[48];
		struct histo time;
	} relay[STATS_RELAYS];
	size_t nrelay;
	uint64_t relays_over; /* hops through relays past those */

	uint64_t anomaly[SMTP_ANOMALY_COUNT];
	double first_ts, last_ts; /* of the events seen */

	/* Alerts (sinks/alerts.c): on (main.c sets it, as tracking);
	 * raised and cleared by kind, raised and
	 * not cleared now, and the last STATS_ALERTS of either, a ring. */
	bool alerting;
	uint64_t alerts_raised[SMTP_ALERT_COUNT];
	uint64_t alerts_cleared[SMTP_ALERT_COUNT];
	uint64_t alerts_active[SMTP_ALERT_COUNT];
	struct stats_alert alert[STATS_ALERTS];
	size_t alert_head, alert_n;

	/* Connection attempts that made no session (net/attempts.c), by
	 * result, and by the server's address and port ("ip port"). */
	uint64_t attempts[2]; /* [enum smtp_attempt_result] */
	struct topn attempt_servers;
	struct stats_attempt_row attempt_row[TOPN_SLOTS];
};

void stats_init(struct stats *st);
/* Counters back to zero (the dashboard's 'r'). */
void stats_reset(struct stats *st);
void stats_on_event(void *arg, const struct smtp_event *ev);
/* The i-th alert kept, oldest first, NULL past the end. */
const struct stats_alert *stats_alert_get(const struct stats *st, size_t i);
/* Alerts raised and not cleared, of every kind. */
uint64_t stats_alerts_active(const struct stats *st);
/* The i-th most recent notable event (0 = newest), NULL past the end. */
const struct stats_recent *stats_recent_get(const struct stats *st, size_t i);
/*
 * A reply text with what varies masked, so that the same reason counts
 * once: addresses become <addr>, IPs <ip>, numbers and queue ids N.
 */
void stats_normalise_reason(const char *in, char *out, size_t size);

#endif
