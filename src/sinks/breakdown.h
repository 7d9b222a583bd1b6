/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who, where and why, in bounded memory: the outcome split by a key
 * (a server, a client, a sender's or a recipient's domain), the clients,
 * senders and recipient domains behind each refusal reason, the AUTH
 * users. Each table keeps its keys in a top-N (topn.h: the space-saving
 * algorithm, a fixed budget) and its figures beside each kept key; a key
 * that takes another's place starts its figures again, and the table
 * says how many keys it left out (replaced).
 */
#ifndef SMTPSCOPE_BREAKDOWN_H
#define SMTPSCOPE_BREAKDOWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sinks/histo.h"
#include "sinks/topn.h"

/* The figures of one key. The unit is the transaction for servers,
 * clients and sender domains, the recipient (RCPT) for recipient
 * domains. */
struct bd_row {
	uint64_t count; /* transactions, or recipients */
	uint64_t accepted, rejected, tempfail, lost;
	uint64_t bytes;             /* of accepted messages */
	uint64_t sessions, tls;     /* sessions closed, of them with TLS */
	struct histo final_latency; /* end of data to the final reply */
	struct histo greeting;      /* of its sessions: connect to greeting */
};

/* Outcomes of a row, as the transaction's (or recipient's) own. */
enum bd_outcome {
	BD_OTHER, /* aborted: counted, nothing else */
	BD_ACCEPTED,
	BD_REJECTED,
	BD_TEMPFAIL,
	BD_LOST,
};

struct bd_table {
	struct topn keys; /* weight: transactions (recipients) + sessions */
	struct bd_row row[TOPN_SLOTS];
};

void bd_init(struct bd_table *t);
/* The point of a final reply's latency in every row's histogram
 * (histo.h): worked out once for all the rows a transaction counts in. */
struct histo_point bd_latency_point(double final_latency);
/* One transaction (or recipient) of key, of n bytes (topn_add_n()):
 * its outcome, bytes when accepted, the final reply's latency (NULL:
 * none). bd_add() is the same for a string. */
void bd_add_n(struct bd_table *t, const char *key, size_t n, enum bd_outcome o,
    uint64_t bytes, const struct histo_point *final_latency);
static inline void
bd_add(struct bd_table *t, const char *key, enum bd_outcome o, uint64_t bytes,
    const struct histo_point *final_latency)
{
	bd_add_n(
	    t, key, strnlen(key, TOPN_KEY_MAX - 1), o, bytes, final_latency);
}

/* The same without latency, for tables of addresses (a new key nearly
 * every time): a new key clears its counts only; its histogram stays
 * as bd_init() left it, empty. Inline: measured, the call cost more
 * than the counting. */
static inline void
bd_count_n(struct bd_table *t, const char *key, size_t n, enum bd_outcome o,
    uint64_t bytes)
{
	bool fresh;
	struct bd_row *r =
	    &t->row[topn_add_slot_n(&t->keys, key, n, 1, &fresh)];

	if (fresh)
		memset(r, 0, offsetof(struct bd_row, final_latency));
	r->count++;
	if (o == BD_ACCEPTED) {
		r->accepted++;
		r->bytes += bytes;
	} else if (o == BD_REJECTED)
		r->rejected++;
	else if (o == BD_TEMPFAIL)
		r->tempfail++;
	else if (o == BD_LOST)
		r->lost++;
}

static inline void
bd_count(struct bd_table *t, const char *key, enum bd_outcome o, uint64_t bytes)
{
	bd_count_n(t, key, strnlen(key, TOPN_KEY_MAX - 1), o, bytes);
}

/* One session of key closed, with TLS or not, its greeting's latency
 * (< 0: none). */
void bd_session(
    struct bd_table *t, const char *key, bool tls, double greeting_latency);
/* The row of an entry topn_sorted() gave. */
const struct bd_row *bd_row_of(
    const struct bd_table *t, const struct topn_entry *e);

/* A row's figures as numbers to order rows by, -1 for one it has none
 * of: the HTML report's sortable tables and the dashboard's Servers
 * view order by these. */
enum bd_value {
	BDV_COUNT,
	BDV_ACCEPTED,
	BDV_REJECTED,
	BDV_TEMPFAIL,
	BDV_LOST,
	BDV_BYTES,
	BDV_FINAL_P50,
	BDV_FINAL_P99,
	BDV_TLS,          /* percent of its sessions */
	BDV_GREETING_P50, /* of its sessions */
	BDV_COUNT_OF
};
void bd_row_values(const struct bd_row *r, double v[BDV_COUNT_OF]);

/* Who is behind each refusal reason: a few of each kind, a fixed
 * budget (a small space-saving table each). */
#define WHO_SLOTS 8
#define WHO_KEY_MAX 64

struct who_top {
	char key[WHO_SLOTS][WHO_KEY_MAX];
	uint32_t count[WHO_SLOTS];
	uint32_t error[WHO_SLOTS];
	uint8_t n;
	uint32_t total;
	uint32_t replaced; /* times a key took another's place */
};

enum who_kind { WHO_CLIENT, WHO_SENDER, WHO_RCPT_DOMAIN, WHO_KINDS };
const char *who_kind_name(enum who_kind k);

struct reason_who {
	struct who_top who[WHO_KINDS];
};

void who_add(struct who_top *w, const char *key);
/* Indexes of w's keys by count, highest first; returns how many. */
size_t who_sorted(const struct who_top *w, uint8_t *idx);

/* AUTH users: sessions, successes, failed attempts; failures by client
 * with their first and last time. */
struct auth_row {
	uint64_t sessions, successes, failures;
	double first, last; /* first and last failure (session times) */
};

struct auth_table {
	struct topn keys;
	struct auth_row row[TOPN_SLOTS];
};

void auth_table_init(struct auth_table *t);
void auth_table_add(struct auth_table *t, const char *key, uint64_t weight,
    bool success, uint64_t failures, double ts);
const struct auth_row *auth_row_of(
    const struct auth_table *t, const struct topn_entry *e);

#endif
