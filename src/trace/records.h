/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpscope's JSON records read back, for the commands that answer from
 * them (smtpscope trace, smtpscope report): from JSON logs (-w), from
 * captures (read by smtpscope itself, run as a child, its log read like
 * any other), and from the records a fleet of sensors stored in
 * ClickHouse (docs/clickhouse.sql). Each input (a file, a sensor's run)
 * keeps its own session ids.
 *
 * The transactions are kept (in an arena, as the model has them) and put
 * in the order they ended, the copies two sensors saw of one transaction
 * kept once: what the tracker wants. Every other record is handed, as
 * parsed, to the reader's on_record(): the report counts them as they
 * come.
 */
#ifndef SMTPSCOPE_RECORDS_H
#define SMTPSCOPE_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"
#include "lib/jsonread.h"
#include "lib/util.h"

#define RECS_FILE_SHIFT 40       /* session ids: input << 40 | id */
#define RECS_SENSORS_MAX 64      /* --sensor given */
#define RECS_LINE_MAX (8u << 20) /* a longer line is skipped */

/* A transaction record as the model has it. client and server are the
 * SMTP roles, as the record names them (after TURN/ATRN, the TCP server
 * is the client: tx.reversed). */
struct rec_tx {
	struct smtp_transaction tx;
	uint64_t sid; /* RECS_FILE_SHIFT-coded */
	struct smtp_endpoint client, server;
	unsigned file;
};

struct recs {
	const char *who;    /* "trace", "report": what messages begin with */
	const char **files; /* each input's name */
	size_t nfiles, files_cap;
	struct arena keep; /* the transactions, until the end */
	struct rec_tx **tx;
	size_t ntx, txcap;
	char ***hosts; /* per input, per session id: greeting host */
	size_t *nhosts;
	size_t lines_skipped, bad_lines;
	size_t full; /* transactions past what is kept */
	int status;  /* an exit status (status.h) */
	/* Every record but a transaction, parsed (o) and its "type" (a
	 * session's greeting host is kept besides). */
	void (*on_record)(
	    void *arg, const struct jv *o, const char *type, unsigned file);
	void *arg;
};

/* Where to read a fleet's records: --clickhouse and its options. */
struct recs_store {
	const char *url, *database, *user, *password_file;
	const char *sensors[RECS_SENSORS_MAX];
	size_t nsensors;
};

/* --clickhouse and the options that go with it, for getopt_long(): */
#define RECS_STORE_OPTIONS \
	{ "clickhouse", required_argument, NULL, 0x101 }, \
	    { "database", required_argument, NULL, 0x102 }, \
	    { "sensor", required_argument, NULL, 0x103 }, \
	    { "clickhouse-user", required_argument, NULL, 0x104 }, \
	{ \
		"clickhouse-password-file", required_argument, NULL, 0x105 \
	}
#define RECS_IS_STORE_OPTION(ch) ((ch) >= 0x101 && (ch) <= 0x105)
/* --since, --until and --track-window: */
#define RECS_SPAN_OPTIONS \
	{ "since", required_argument, NULL, 0x106 }, \
	    { "until", required_argument, NULL, 0x107 }, \
	{ \
		"track-window", required_argument, NULL, 0x108 \
	}
#define RECS_IS_SPAN_OPTION(ch) ((ch) >= 0x106 && (ch) <= 0x108)

/* The span asked about, and message tracking's window (0: none given). */
struct recs_span {
	double since, until, window;
};
/* And their lines of --help. */
#define RECS_STORE_HELP \
	"the records of a fleet of sensors in ClickHouse (the clickhouse " \
	"plugin)\n" \
	"      --clickhouse URL    read them from ClickHouse's HTTP " \
	"interface\n" \
	"                          (http://HOST:8123/), besides any INPUT\n" \
	"      --database DB       its database (default smtpscope)\n" \
	"      --sensor NAME       only this sensor's (repeatable)\n" \
	"      --clickhouse-user USER, --clickhouse-password-file FILE\n"

void recs_init(struct recs *r, const char *who);
/* Option ch of RECS_STORE_OPTIONS into so: 0; -1 for another option, or
 * (said why) one refused. */
int recs_store_option(
    const struct recs *r, struct recs_store *so, int ch, const char *arg);
/* After the options (inputs: files were named): 0, or -1 said why (no
 * input at all; a store option without --clickhouse). */
int recs_store_check(const struct recs *r, struct recs_store *so, bool inputs);
/* Option ch of RECS_SPAN_OPTIONS into sp: 0; -1 for another option, or
 * (said why) one refused (TIME: recs_parse_time()). */
int recs_span_option(
    const struct recs *r, struct recs_span *sp, int ch, const char *arg);
/* The end: what was skipped said, and in the status (1: the results
 * cover what could be read, as for a damaged capture). */
void recs_finish(struct recs *r);
void recs_free(struct recs *r);
/* One sentence on standard error: "smtpscope WHO: ...". */
void recs_say(const struct recs *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* An input more (a file, or a sensor's run in the store); false past
 * the inputs one run may have. */
bool recs_add_input(struct recs *r, const char *name);
/* Reads input number i: a JSON log, or a capture. */
void recs_read_input(struct recs *r, unsigned i);
/*
 * The records of the tables named (docs/clickhouse.sql) whose ts is
 * in [since - before, until + after] (since, until 0: no bound; tables
 * without ts, the summaries: those of the runs whose other records
 * were read), each sensor's run an input of its own, in the order the
 * sensor wrote them.
 */
void recs_read_store(struct recs *r, const struct recs_store *so,
    const char *const *tables, size_t ntables, double since, double until,
    double before, double after);
/* The transactions in the order they ended. */
void recs_sort(struct recs *r);
/* Each transaction once (a copy another sensor saw left out), as a
 * SMTP_EV_TRANSACTION, in that order; returns how many. */
size_t recs_feed(struct recs *r, struct event_bus *bus);
/* The greeting host of a session of an input, or NULL. */
const char *recs_host(const struct recs *r, unsigned file, uint64_t sid);

/* The record's helpers, for on_record(). */
uint64_t recs_num(const struct jv *o, const char *key, uint64_t lo, uint64_t hi,
    uint64_t def);
double recs_time(const struct jv *o, const char *key, double def);
bool recs_endpoint(const char *ip, double port, struct smtp_endpoint *e);
/* A reply's PREFIX_code, _enh, _text and _latency, or with prefix NULL
 * code, enh, text and latency (text kept in the arena: it lives until
 * recs_free()). */
void recs_reply(struct recs *r, const struct jv *o, const char *prefix,
    struct smtp_reply *rep);
char *recs_keep(struct recs *r, const char *s);
/* A verb by its name (smtp_verb_name()), def when none has it. */
enum smtp_verb recs_verb(const char *s, enum smtp_verb def);
/* The elements of an array (none for another type or an absent key). */
const struct jv *recs_elements(const struct jv *a);
size_t recs_count(const struct jv *a);

/* "2026-11-22", "2026-11-22T23:06", "2026-11-22 23:06:33" (UTC), or
 * seconds since the epoch. */
bool recs_parse_time(const char *s, double *out);

#endif
