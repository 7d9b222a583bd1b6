/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The clickhouse plugin's parts: its arguments (args.c) and its HTTP
 * client (http.c); clickhouse.c has the queue, the sender thread and the
 * plugin's descriptor, flatten.c the rows, spool.c the spool.
 */
#ifndef CH_CLICKHOUSE_H
#define CH_CLICKHOUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CH_DEFAULT_DATABASE "smtpscope"
#define CH_DEFAULT_BATCH 5000
#define CH_DEFAULT_FLUSH 1.0
#define CH_DEFAULT_TIMEOUT 10.0
#define CH_DEFAULT_QUEUE_MAX (8ull << 20)
#define CH_DEFAULT_SPOOL_MAX (256ull << 20)       /* on disk */
#define CH_DEFAULT_MEMORY_SPOOL_MAX (16ull << 20) /* without spool= */
#define CH_URL_MAX 1024
#define CH_NAME_MAX 64    /* a database or user name */
#define CH_SENSOR_MAX 255 /* bytes of the sensor's name */
#define CH_PASSWORD_MAX 1024

struct ch_args {
	char *url;      /* http(s)://HOST[:PORT][/PATH], no trailing slash */
	char *database; /* [A-Za-z0-9_]+ */
	char *sensor;   /* sensor=, else the host's name */
	char *spool;    /* spool=DIR, or NULL: in memory */
	uint64_t spool_max, queue_max;
	unsigned long batch;
	double flush, timeout; /* seconds */
	char *user;            /* user=, or NULL */
	char *password;        /* password_file='s first line, or NULL */
	char *dump;            /* dump=FILE, or NULL */
};

/* The arguments ("key=value,..."), checked; -1 with one sentence in err
 * (never the password). */
int ch_args_parse(
    const char *args, struct ch_args *a, char *err, size_t errlen);
void ch_args_free(struct ch_args *a);

/* The HTTP client: one libcurl handle, used by the sender thread only. */
struct ch_http;

/* An answer kept whole, up to max bytes (malloc'd p). */
struct ch_answer {
	char *p;
	size_t len, max;
	bool over; /* longer than max */
};

/* stop(arg) true: a request under way gives up (smtpscope is ending and
 * its time is over). */
struct ch_http *ch_http_new(
    const struct ch_args *a, bool (*stop)(void *), void *stop_arg);
void ch_http_free(struct ch_http *h);
/* POST data to url: 0 when the server answered 200 (its answer in
 * *answer when not NULL), else -1 with what went wrong in why (the
 * server's words cut short, or libcurl's). */
int ch_http_post(struct ch_http *h, const char *url, const char *data,
    size_t len, double timeout, struct ch_answer *answer, char *why,
    size_t whylen);
/* The URL requests go to: base with ClickHouse's settings. NULL when out
 * of memory. */
char *ch_http_url(const char *base);

/* The columns of a table, from "name<TAB>type" lines (system.columns):
 * names of letters, digits, '_' and '.' only (no other is ever named in
 * a statement), at most 4096. NULL when out of memory. */
struct ch_columns;
struct ch_columns *ch_columns_parse(const char *tsv, size_t len);
void ch_columns_free(struct ch_columns *c);
size_t ch_columns_count(const struct ch_columns *c);
/* The column's number, or -1; *nested (when not NULL) whether it is an
 * Array column with a dot in its name: a part of a Nested structure. */
int ch_columns_find(
    const struct ch_columns *c, const char *name, size_t n, bool *nested);

/* One INSERT statement with its rows, ready to send (len bytes, and a
 * NUL). */
struct ch_request {
	char *body;
	size_t len, rows;
};

/* A row's members as the batch keeps them with it (chf_flat_keys()):
 * their number, then for each its key's offset in the row and its
 * length, with CH_KEY_ARRAY when its value is an array. */
#define CH_KEY_ARRAY 0x80000000u

struct chf;
/* The requests that insert a batch's rows (data: one row a line) into
 * db.table (insert.c says why more than one); *lost counts the rows left
 * out: not one JSON object, or without any column of the table. keys
 * (nkeys numbers), when not NULL, has the members of each row in turn
 * (CH_KEY_ARRAY): the rows are not read again for them. -1 when out of
 * memory. */
int ch_requests(struct chf *w, const struct ch_columns *cols, const char *db,
    const char *table, const char *data, size_t len, const uint32_t *keys,
    size_t nkeys, struct ch_request **out, size_t *nout, size_t *lost);
void ch_requests_free(struct ch_request *r, size_t n);

#endif
