/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * clickhouse: streams smtpscope's JSON records into ClickHouse over its
 * HTTP interface (INSERT ... FORMAT JSONEachRow), one table per kind of
 * record, each record flattened into a row (flatten.c) that starts with
 * the keys sensor, run and seq.
 *
 *   smtpscope -i eth1 --plugin clickhouse:url=http://ch:8123,sensor=mx1
 *   smtpscope -i eth1 --plugin clickhouse:url=http://ch:8123,spool=/x
 *
 * Threads. smtpscope's thread (on_event) only copies each record, with
 * the number it gets in this run, into a bounded queue and wakes the
 * sender thread; live, a full queue gives the record up and counts it
 * (reading a file, it waits for room: no packet can be lost then). The
 * sender thread owns everything else: the flattener, one batch a table,
 * libcurl and the spool (spool.c). It never calls the host: its counts
 * are atomics, and what it has to say (the server stopped answering, or
 * answers again) waits under the mutex for tick() to say it.
 *
 * Batches. A table's batch leaves when it has batch= rows (or 8 MiB), or
 * flush= seconds after its first row, and at the end. HTTP 200 is
 * success; anything else puts the batch in the spool, and while the
 * spool holds anything every new batch goes behind it, so that the order
 * is kept; its oldest batch is tried again after 1 s, then 2, 4... up to
 * 30 s between tries. The rows carry their keys (sensor, run, seq), and
 * the tables are ReplacingMergeTree ordered by them: a batch sent twice
 * (a timeout after the server took it) collapses into one. A batch goes
 * as one INSERT naming its columns for each set of Nested columns its
 * rows have (insert.c says why), the table's columns asked of the server
 * (system.columns).
 */
#include "clickhouse.h"
#include "flatten.h"
#include "spool.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <smtpscope/plugin.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CH_BATCH_BYTES_MAX (2u << 20) /* a batch leaves at this size */
#define CH_POLL 0.05             /* the sender looks at the queue this often */
#define CH_WAKE_RECORDS 1024     /* or is woken when this many wait */
#define CH_WAKE_BYTES (1u << 20) /* or this many bytes */
#define CH_BACKOFF_FIRST 1.0     /* seconds before the first retry */
#define CH_BACKOFF_MAX 30.0
#define CH_TAKE_MAX 256          /* chunks taken off the queue at once */
#define CH_CHUNK (64u << 10)     /* bytes of records handed over at once */
#define CH_TAKE_BYTES (1u << 20) /* and their bytes, past the first */
#define CH_WHY_MAX 256           /* bytes of a reason or a note */
#define CH_NOTES 4               /* notes waiting for tick() */
#define CH_NEVER 1e300
#define CH_COLUMNS_TTL 60.0 /* seconds a table's columns are trusted */
#define CH_COLUMNS_ANSWER_MAX (1u << 20)

enum ch_table {
	T_SESSIONS,
	T_TRANSACTIONS,
	T_MESSAGES,
	T_COMMANDS,
	T_EVENTS,
	T_SUMMARIES,
	T_COUNT
};

static const char *const table_names[T_COUNT] = {
	[T_SESSIONS] = "sessions",
	[T_TRANSACTIONS] = "transactions",
	[T_MESSAGES] = "messages",
	[T_COMMANDS] = "commands",
	[T_EVENTS] = "events",
	[T_SUMMARIES] = "summaries",
};

/* A record waiting for the sender thread, with the number it got. */
/* Records as smtpscope's thread hands them over: a chunk of them (one
 * allocation and one lock for some CH_CHUNK bytes of records, not one
 * each), each record a struct rec_head, then its JSON, 8-byte aligned. */
struct qent {
	struct qent *next;
	size_t used, cap; /* bytes of data[] */
	uint32_t nrec;
	_Alignas(8) char data[];
};

struct rec_head {
	uint64_t seq;
	uint32_t len;
	uint32_t table; /* enum ch_table */
};

#define REC_SIZE(len) (sizeof(struct rec_head) + (((len) + 7) & ~(size_t)7))

/* A table's rows not sent yet, one a line, with each row's members as
 * the flattener wrote them (ch_requests()): the rows are not read again
 * to find them. */
struct batch {
	char *buf;
	size_t len, cap, rows;
	uint32_t *keys;
	size_t nkeys, keys_cap;
	double first_at; /* monotonic seconds of its first row */
};

struct ch {
	const struct smtpscope_host *host;
	struct ch_args a;
	uint64_t run;
	char *url; /* where requests go, with ClickHouse's settings */
	FILE *dump;

	pthread_mutex_t lock;
	pthread_cond_t wake; /* the sender: records, or the end */
	pthread_cond_t room; /* smtpscope's thread: room in the queue */
	/* Under lock. */
	struct qent *qhead, *qtail;
	size_t qbytes, qcount; /* qcount: records */
	bool woken;            /* signalled since the sender last took */
	/* smtpscope's thread's: the chunk being filled (handed over when
	 * full, at each tick and at the end). */
	struct qent *chunk;
	bool stopping;
	bool failing;                     /* the last attempt failed */
	char why[CH_WHY_MAX];             /* how it failed */
	uint64_t outage_spooled;          /* batches spooled since it began */
	uint64_t recovered_spooled;       /* that figure when it ended */
	char notes[CH_NOTES][CH_WHY_MAX]; /* said once each by tick() */
	size_t nnotes;

	/* The monotonic millisecond by which the end must be over, once
	 * fini() began (0 before): a request still under way then gives
	 * up. */
	atomic_llong exit_deadline_ms;

	/* The sender thread's own (init(), start() and fini() touch them
	 * only while it does not run). */
	struct ch_http *http;
	struct chf *flat;   /* records into rows */
	struct chf *reader; /* the keys of rows, for the INSERTs */
	struct ch_columns *cols[T_COUNT]; /* each table's, or NULL */
	double cols_at[T_COUNT];          /* when they were asked */
	struct batch batches[T_COUNT];
	struct spool spool;
	double backoff, retry_at;
	bool exit_failed; /* at the end: the server failed, spool the rest */
	bool said_full, said_io, said_skip, said_dump, said_lost;

	/* The thread's counts, handed to the host's counters by tick(). */
	atomic_ullong skipped, rows_sent, batches_sent, batches_failed,
	    spooled_now, spool_bytes, rows_given_up;
	atomic_ullong cpu_ms; /* the thread's CPU time */

	/* smtpscope's thread. */
	pthread_t thread;
	bool thread_running;
	uint64_t seq, queued, given_up, skipped_here;
	bool said_failing, said_queue_full;
	uint64_t *c_queued, *c_given_up, *c_skipped, *c_rows_sent,
	    *c_batches_sent, *c_batches_failed, *c_spooled, *c_spool_bytes,
	    *c_rows_given_up, *c_cpu_ms;
};

static enum ch_table
table_of(const char *type)
{
	if (type == NULL)
		return T_EVENTS;
	if (strcmp(type, "session") == 0)
		return T_SESSIONS;
	if (strcmp(type, "transaction") == 0)
		return T_TRANSACTIONS;
	if (strcmp(type, "message") == 0)
		return T_MESSAGES;
	if (strcmp(type, "command") == 0)
		return T_COMMANDS;
	if (strcmp(type, "summary") == 0)
		return T_SUMMARIES;
	return T_EVENTS; /* anomaly, alert, attempt, error, any other */
}

static int
table_index(const char *name)
{
	int t;

	for (t = 0; t < T_COUNT; t++)
		if (strcmp(table_names[t], name) == 0)
			return t;
	return -1;
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long long
mono_ms(void)
{
	return (long long)(mono() * 1000);
}

/* ---- the sender thread ------------------------------------------------- */

/* Something for tick() to say once (a warning). */
static void note(struct ch *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
note(struct ch *c, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&c->lock);
	if (c->nnotes < CH_NOTES) {
		va_start(ap, fmt);
		vsnprintf(c->notes[c->nnotes++], CH_WHY_MAX, fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&c->lock);
}

static void
set_failing(struct ch *c, const char *why)
{
	pthread_mutex_lock(&c->lock);
	if (!c->failing) {
		c->failing = true;
		c->outage_spooled = 0;
	}
	snprintf(c->why, sizeof(c->why), "%s", why);
	pthread_mutex_unlock(&c->lock);
}

static void
set_working(struct ch *c)
{
	pthread_mutex_lock(&c->lock);
	if (c->failing) {
		c->failing = false;
		c->recovered_spooled = c->outage_spooled;
	}
	pthread_mutex_unlock(&c->lock);
}

static bool
exiting(struct ch *c)
{
	return atomic_load(&c->exit_deadline_ms) != 0;
}

/* The end's time is over (libcurl's progress callback asks too). */
static bool
exit_time_over(void *arg)
{
	struct ch *c = arg;
	long long d = atomic_load(&c->exit_deadline_ms);

	return d != 0 && mono_ms() >= d;
}

static void
spool_gauges(struct ch *c)
{
	atomic_store(&c->spooled_now, c->spool.count);
	atomic_store(&c->spool_bytes, c->spool.bytes);
}

/* Each row of a batch sent, "TABLE<TAB>row", into dump=. */
static void
dump_rows(struct ch *c, const char *table, const char *data, size_t len)
{
	const char *p = data, *end = data + len, *nl;

	if (c->dump == NULL)
		return;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		fprintf(c->dump, "%s\t%.*s\n", table, (int)(nl - p), p);
		p = nl + 1;
	}
	if (fflush(c->dump) != 0 && !c->said_dump) {
		c->said_dump = true;
		note(c, "cannot write the dump file %.150s: %s", c->a.dump,
		    strerror(errno));
	}
}

/* Seconds a request may take: timeout=, or what is left of the end's. */
static double
request_time(struct ch *c)
{
	long long d = atomic_load(&c->exit_deadline_ms);
	double timeout = c->a.timeout;

	if (d != 0 && (double)(d - mono_ms()) / 1000 < timeout)
		timeout = (double)(d - mono_ms()) / 1000;
	return timeout;
}

/* Table t's columns, asked of the server when unknown, or known for a
 * minute (a column added with ALTER TABLE is filled from then on). */
static int
columns_of(struct ch *c, int t, char *why, size_t whylen)
{
	struct ch_answer a = { .max = CH_COLUMNS_ANSWER_MAX };
	struct ch_columns *cols;
	char q[256];

	if (c->cols[t] != NULL && mono() - c->cols_at[t] < CH_COLUMNS_TTL)
		return 0;
	snprintf(q, sizeof(q),
	    "SELECT name, type FROM system.columns WHERE database = '%s' "
	    "AND table = '%s' FORMAT TabSeparated",
	    c->a.database, table_names[t]);
	if (ch_http_post(c->http, c->url, q, strlen(q), request_time(c), &a,
		why, whylen) != 0) {
		free(a.p);
		return -1;
	}
	cols = ch_columns_parse(a.p != NULL ? a.p : "", a.len);
	free(a.p);
	if (cols == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if (ch_columns_count(cols) == 0) {
		ch_columns_free(cols);
		snprintf(why, whylen,
		    "no table %s.%s (docs/clickhouse.sql creates the tables)",
		    c->a.database, table_names[t]);
		return -1;
	}
	ch_columns_free(c->cols[t]);
	c->cols[t] = cols;
	c->cols_at[t] = mono();
	return 0;
}

/* The requests of a batch sent, one after the other; *taken the rows
 * they held. */
static int
send_requests(struct ch *c, int t, const char *data, size_t len,
    const uint32_t *keys, size_t nkeys, size_t *taken, char *why, size_t whylen)
{
	struct ch_request *req;
	size_t n, lost, i;
	double timeout;
	int rc = 0;

	*taken = 0;
	if (columns_of(c, t, why, whylen) != 0)
		return -1;
	if (ch_requests(c->reader, c->cols[t], c->a.database, table_names[t],
		data, len, keys, nkeys, &req, &n, &lost) != 0) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		if ((timeout = request_time(c)) <= 0) {
			snprintf(why, whylen, "no time left at the end");
			rc = -1;
		} else {
			rc = ch_http_post(c->http, c->url, req[i].body,
			    req[i].len, timeout, NULL, why, whylen);
		}
		if (rc == 0)
			*taken += req[i].rows;
	}
	ch_requests_free(req, n);
	if (rc != 0) {
		/* The table may have changed: its columns are asked again. */
		ch_columns_free(c->cols[t]);
		c->cols[t] = NULL;
		return -1;
	}
	if (lost > 0) {
		atomic_fetch_add(&c->rows_given_up, lost);
		if (!c->said_lost)
			note(c,
			    "%zu rows for %s.%s were left out: not JSON, or "
			    "without any of the table's columns (rows_given_up "
			    "counts them)",
			    lost, c->a.database, table_names[t]);
		c->said_lost = true;
	}
	return 0;
}

/* One attempt to send a batch (one row a line; keys: its rows' members,
 * or NULL) into table t: 0 when the server took it. A batch sent in part
 * before a failure is sent whole again later: its rows keep their keys,
 * and the table merges the copies. */
static int
post(struct ch *c, int t, const char *data, size_t len, const uint32_t *keys,
    size_t nkeys)
{
	char why[CH_WHY_MAX];
	size_t taken;

	if (request_time(c) <= 0) {
		snprintf(why, sizeof(why), "no time left at the end");
	} else if (send_requests(c, t, data, len, keys, nkeys, &taken, why,
		       sizeof(why)) == 0) {
		set_working(c);
		atomic_fetch_add(&c->rows_sent, taken);
		atomic_fetch_add(&c->batches_sent, 1);
		dump_rows(c, table_names[t], data, len);
		return 0;
	}
	atomic_fetch_add(&c->batches_failed, 1);
	set_failing(c, why);
	if (exiting(c))
		c->exit_failed = true;
	return -1;
}

/* A batch into the spool; given up (and counted) when it cannot be. */
static void
to_spool(struct ch *c, int t, const char *data, size_t len, size_t rows)
{
	switch (spool_push(&c->spool, table_names[t], data, len, rows)) {
	case SPOOL_OK:
		pthread_mutex_lock(&c->lock);
		c->outage_spooled++;
		pthread_mutex_unlock(&c->lock);
		break;
	case SPOOL_FULL:
		atomic_fetch_add(&c->rows_given_up, rows);
		if (!c->said_full)
			note(c,
			    "the spool is full (spool_max=%llu bytes): batches "
			    "are given up (rows_given_up counts them)",
			    (unsigned long long)c->spool.max);
		c->said_full = true;
		break;
	case SPOOL_IO:
		atomic_fetch_add(&c->rows_given_up, rows);
		if (!c->said_io)
			note(c,
			    "cannot write the spool folder %.150s: %s: "
			    "batches are given up (rows_given_up counts them)",
			    c->spool.dir != NULL ? c->spool.dir : "(memory)",
			    strerror(errno));
		c->said_io = true;
		break;
	}
	spool_gauges(c);
}

static void
backoff_after_failure(struct ch *c)
{
	c->retry_at = mono() + c->backoff;
	c->backoff *= 2;
	if (c->backoff > CH_BACKOFF_MAX)
		c->backoff = CH_BACKOFF_MAX;
}

/* Table t's batch leaves: sent, or spooled behind what the spool holds. */
static void
ship(struct ch *c, int t)
{
	struct batch *b = &c->batches[t];

	if (b->rows == 0)
		return;
	if (!spool_empty(&c->spool) || c->exit_failed) {
		to_spool(c, t, b->buf, b->len, b->rows);
	} else if (post(c, t, b->buf, b->len, b->keys, b->nkeys) != 0) {
		to_spool(c, t, b->buf, b->len, b->rows);
		c->backoff = CH_BACKOFF_FIRST;
		backoff_after_failure(c);
	}
	b->len = 0;
	b->nkeys = 0;
	b->rows = 0;
}

/* The oldest spooled batch tried again. */
static void
retry_head(struct ch *c)
{
	struct spool_item *head = c->spool.head;
	int t = table_index(head->table);
	size_t len, rows;
	char *data;

	if (t < 0 || spool_read_head(&c->spool, &data, &len, &rows) != 0) {
		note(c,
		    "cannot read the spooled batch %012llu.%s: %s: it is left "
		    "aside",
		    (unsigned long long)head->num, head->table,
		    t < 0 ? "no such table" : strerror(errno));
		atomic_fetch_add(&c->rows_given_up, head->rows);
		spool_forget_head(&c->spool);
		spool_gauges(c);
		return;
	}
	if (post(c, t, data, len, NULL, 0) == 0) {
		spool_drop_head(&c->spool);
		c->backoff = CH_BACKOFF_FIRST;
		c->retry_at = 0;
		if (spool_empty(&c->spool))
			c->said_full = c->said_io = false;
	} else {
		backoff_after_failure(c);
	}
	free(data);
	spool_gauges(c);
}

/* A record flattened into its table's batch. */
static void
add_record(struct ch *c, const struct rec_head *e, const char *json)
{
	struct batch *b = &c->batches[e->table];
	struct chf_keys keys = { .sensor = c->a.sensor,
		.sensor_len = strlen(c->a.sensor),
		.run = c->run,
		.seq = e->seq,
		.with_record = true };
	const struct chf_key *k;
	enum chf_status st;
	const char *row;
	size_t len, nk, need, i;
	uint32_t *kp;

	st = chf_flatten(c->flat, json, e->len, &keys, &row, &len);
	if (st != CHF_OK) {
		atomic_fetch_add(&c->skipped, 1);
		if (!c->said_skip)
			note(c,
			    "a record (seq %llu) was skipped: %s "
			    "(records_skipped counts them)",
			    (unsigned long long)e->seq, chf_status_text(st));
		c->said_skip = true;
		return;
	}
	if (b->rows > 0 && b->len + len + 1 > CH_BATCH_BYTES_MAX)
		ship(c, (int)e->table);
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap != 0 ? b->cap : 65536;
		char *p;

		while (cap < b->len + len + 1)
			cap *= 2;
		if ((p = realloc(b->buf, cap)) == NULL) {
			atomic_fetch_add(&c->rows_given_up, 1);
			return;
		}
		b->buf = p;
		b->cap = cap;
	}
	/* The row's members: as many as a quarter of its bytes at most. */
	k = chf_flat_keys(c->flat, &nk);
	need = 1 + 2 * nk;
	if (b->nkeys + need > b->keys_cap) {
		size_t cap = b->keys_cap != 0 ? b->keys_cap : 4096;

		while (cap < b->nkeys + need)
			cap *= 2;
		if ((kp = realloc(b->keys, cap * sizeof(*kp))) == NULL) {
			atomic_fetch_add(&c->rows_given_up, 1);
			return;
		}
		b->keys = kp;
		b->keys_cap = cap;
	}
	kp = b->keys + b->nkeys;
	*kp++ = (uint32_t)nk;
	for (i = 0; i < nk; i++) {
		*kp++ = k[i].off;
		*kp++ = k[i].len | (k[i].array ? CH_KEY_ARRAY : 0);
	}
	b->nkeys += need;
	memcpy(b->buf + b->len, row, len);
	b->buf[b->len + len] = '\n';
	b->len += len + 1;
	if (++b->rows == 1)
		b->first_at = mono();
	if (b->rows >= c->a.batch)
		ship(c, (int)e->table);
}

/* When the thread has something to do without a new record. */
static double
next_due(const struct ch *c)
{
	double due = CH_NEVER;
	int t;

	for (t = 0; t < T_COUNT; t++)
		if (c->batches[t].rows > 0 &&
		    c->batches[t].first_at + c->a.flush < due)
			due = c->batches[t].first_at + c->a.flush;
	if (!spool_empty(&c->spool) && c->retry_at < due)
		due = c->retry_at;
	return due;
}

/* Up to CH_TAKE_MAX chunks (CH_TAKE_BYTES) off the queue, after
 * waiting for one while nothing else is due; *stop when smtpscope ends
 * and none is left. */
static struct qent *
take(struct ch *c, bool *stop)
{
	struct qent *list, *last;
	struct timespec until;
	size_t n, recs = 0, bytes = 0;
	double wait;

	pthread_mutex_lock(&c->lock);
	while (c->qhead == NULL && !c->stopping) {
		wait = next_due(c) - mono();
		if (wait <= 0)
			break;
		if (wait > CH_POLL)
			wait = CH_POLL; /* records come without a wake-up */
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += (time_t)wait;
		until.tv_nsec += (long)((wait - (double)(time_t)wait) * 1e9);
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&c->wake, &c->lock, &until);
	}
	list = c->qhead;
	for (last = NULL, n = 0;
	     c->qhead != NULL && n < CH_TAKE_MAX && bytes < CH_TAKE_BYTES;
	     n++) {
		last = c->qhead;
		c->qhead = last->next;
		c->qbytes -= sizeof(*last) + last->used;
		bytes += last->used;
		recs += last->nrec;
	}
	if (last != NULL)
		last->next = NULL;
	if (c->qhead == NULL)
		c->qtail = NULL;
	c->qcount -= recs;
	c->woken = false;
	*stop = c->stopping && list == NULL;
	if (list != NULL)
		pthread_cond_signal(&c->room);
	pthread_mutex_unlock(&c->lock);
	return list;
}

/* Batches whose time has come leave; the spool's oldest is tried when
 * its time has come. */
static void
service(struct ch *c)
{
	double now = mono();
	int t;

	for (t = 0; t < T_COUNT; t++)
		if (c->batches[t].rows > 0 &&
		    now - c->batches[t].first_at >= c->a.flush)
			ship(c, t);
	if (!spool_empty(&c->spool) && mono() >= c->retry_at)
		retry_head(c);
}

static void
sleep_until(double when)
{
	double left = when - mono();
	struct timespec ts;

	if (left <= 0)
		return;
	ts.tv_sec = (time_t)left;
	ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* smtpscope ends: every batch leaves; the spool is sent for as long as
 * the server takes it and there is time. A spool folder keeps what is
 * left for the next run; in memory, it is given up. */
static void
drain(struct ch *c)
{
	double deadline = (double)atomic_load(&c->exit_deadline_ms) / 1000;
	int t;

	for (t = 0; t < T_COUNT; t++)
		ship(c, t);
	while (!spool_empty(&c->spool) && !exit_time_over(c)) {
		if (c->exit_failed) {
			if (c->spool.dir != NULL)
				break;
			sleep_until(
			    c->retry_at < deadline ? c->retry_at : deadline);
			c->exit_failed = false;
			continue;
		}
		retry_head(c);
	}
	if (c->spool.dir == NULL)
		while (!spool_empty(&c->spool)) {
			atomic_fetch_add(
			    &c->rows_given_up, c->spool.head->rows);
			spool_drop_head(&c->spool);
		}
	spool_gauges(c);
}

/* This thread's CPU time so far, for the cpu_ms counter: what the
 * output costs apart from the capture (bench/run.sh subtracts it). */
static void
thread_cpu(struct ch *c)
{
	struct timespec t;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) == 0)
		atomic_store(&c->cpu_ms,
		    (unsigned long long)t.tv_sec * 1000 +
			(unsigned long long)t.tv_nsec / 1000000);
}

static void *
sender_main(void *arg)
{
	struct ch *c = arg;
	struct qent *list, *e;
	bool stop;

	for (;;) {
		list = take(c, &stop);
		while ((e = list) != NULL) {
			size_t off = 0;

			list = e->next;
			while (off + sizeof(struct rec_head) <= e->used) {
				const struct rec_head *h =
				    (const struct rec_head *)(e->data + off);

				add_record(c, h, e->data + off + sizeof(*h));
				off += REC_SIZE(h->len);
			}
			free(e);
		}
		thread_cpu(c);
		if (stop)
			break;
		service(c);
	}
	drain(c);
	thread_cpu(c);
	return NULL;
}

/* ---- smtpscope's thread ------------------------------------------------ */

static void
sync_counters(struct ch *c)
{
	struct {
		uint64_t *counter;
		uint64_t value;
	} v[] = {
		{ c->c_queued, c->queued },
		{ c->c_given_up, c->given_up },
		{ c->c_skipped, c->skipped_here + atomic_load(&c->skipped) },
		{ c->c_rows_sent, atomic_load(&c->rows_sent) },
		{ c->c_batches_sent, atomic_load(&c->batches_sent) },
		{ c->c_batches_failed, atomic_load(&c->batches_failed) },
		{ c->c_spooled, atomic_load(&c->spooled_now) },
		{ c->c_spool_bytes, atomic_load(&c->spool_bytes) },
		{ c->c_rows_given_up, atomic_load(&c->rows_given_up) },
		{ c->c_cpu_ms, atomic_load(&c->cpu_ms) },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (v[i].counter != NULL)
			*v[i].counter = v[i].value;
}

/* What the sender thread has to say, said: the server stopped taking
 * rows, or takes them again, and its notes. */
static void
report(struct ch *c)
{
	char why[CH_WHY_MAX], notes[CH_NOTES][CH_WHY_MAX];
	uint64_t recovered;
	size_t nnotes, i;
	bool failing;

	pthread_mutex_lock(&c->lock);
	failing = c->failing;
	recovered = c->recovered_spooled;
	memcpy(why, c->why, sizeof(why));
	nnotes = c->nnotes;
	memcpy(notes, c->notes, sizeof(notes));
	c->nnotes = 0;
	pthread_mutex_unlock(&c->lock);
	if (failing && !c->said_failing)
		c->host->log(c->host->ctx, SMTPSCOPE_LOG_WARNING,
		    "cannot send to %s (%s): batches go to %s%s until it "
		    "answers",
		    c->a.url, why, c->a.spool != NULL ? "the spool " : "memory",
		    c->a.spool != NULL ? c->a.spool : "");
	else if (!failing && c->said_failing)
		c->host->log(c->host->ctx, SMTPSCOPE_LOG_WARNING,
		    "%s takes rows again; %llu batches were spooled meanwhile "
		    "and go first",
		    c->a.url, (unsigned long long)recovered);
	c->said_failing = failing;
	for (i = 0; i < nnotes; i++)
		c->host->log(
		    c->host->ctx, SMTPSCOPE_LOG_WARNING, "%s", notes[i]);
}

/* The chunk being filled, to the queue (smtpscope's thread). */
static void
hand_over(struct ch *c)
{
	struct qent *e = c->chunk;
	size_t size;

	if (e == NULL)
		return;
	c->chunk = NULL;
	if (e->nrec == 0) {
		free(e);
		return;
	}
	size = sizeof(*e) + e->used;
	pthread_mutex_lock(&c->lock);
	/* Reading a file, nothing is lost by waiting for the sender: wait,
	 * once the queue is full, until half of it is free. Let go as soon
	 * as one chunk had left, this thread would run a few milliseconds
	 * at a time, each time coming back to caches that the sender and
	 * the database had filled meanwhile. Live, the capture must not
	 * wait: the records are given up. */
	if (!c->host->live && c->qbytes + size > c->a.queue_max)
		while (c->thread_running && c->qhead != NULL &&
		    c->qbytes + size > c->a.queue_max / 2)
			pthread_cond_wait(&c->room, &c->lock);
	if (c->qbytes + size > c->a.queue_max) {
		pthread_mutex_unlock(&c->lock);
		c->given_up += e->nrec;
		free(e);
		if (!c->said_queue_full)
			c->host->log(c->host->ctx, SMTPSCOPE_LOG_WARNING,
			    "the queue is full (queue_max=%llu bytes): records "
			    "are given up (records_given_up counts them)",
			    (unsigned long long)c->a.queue_max);
		c->said_queue_full = true;
		return;
	}
	e->next = NULL;
	if (c->qtail != NULL)
		c->qtail->next = e;
	else
		c->qhead = e;
	c->qtail = e;
	c->qbytes += size;
	/* The sender is woken when a good many records wait, never for
	 * each (a wake-up is a system call, a record a few microseconds);
	 * else it looks every CH_POLL seconds. */
	c->qcount += e->nrec;
	if (!c->woken &&
	    (c->qcount >= CH_WAKE_RECORDS || c->qbytes >= CH_WAKE_BYTES)) {
		c->woken = true;
		pthread_cond_signal(&c->wake);
	}
	c->queued += e->nrec;
	pthread_mutex_unlock(&c->lock);
}

static void
ch_event(void *state, const struct smtpscope_event *ev)
{
	struct ch *c = state;
	struct rec_head *h;
	size_t len, need;

	if (ev->type != SMTPSCOPE_EV_RECORD ||
	    !SMTPSCOPE_HAS(struct smtpscope_event, ev, u.record.len) ||
	    ev->u.record.json == NULL)
		return;
	len = ev->u.record.len;
	c->seq++;
	if (len > CHF_INPUT_MAX) {
		c->skipped_here++;
		return;
	}
	need = REC_SIZE(len);
	if (c->chunk != NULL && c->chunk->used + need > c->chunk->cap)
		hand_over(c);
	if (c->chunk == NULL) {
		size_t cap = need > CH_CHUNK ? need : CH_CHUNK;

		if ((c->chunk = malloc(sizeof(*c->chunk) + cap)) == NULL) {
			c->given_up++;
			return;
		}
		c->chunk->next = NULL;
		c->chunk->used = 0;
		c->chunk->cap = cap;
		c->chunk->nrec = 0;
	}
	h = (struct rec_head *)(c->chunk->data + c->chunk->used);
	h->seq = c->seq;
	h->len = (uint32_t)len;
	h->table = (uint32_t)table_of(ev->u.record.type);
	memcpy(c->chunk->data + c->chunk->used + sizeof(*h), ev->u.record.json,
	    len);
	c->chunk->used += need;
	c->chunk->nrec++;
	if (c->chunk->used >= CH_CHUNK)
		hand_over(c);
}

static void
ch_tick(void *state, const struct smtpscope_health *h)
{
	struct ch *c = state;

	(void)h;
	/* A record waits a second at most in smtpscope's thread. */
	hand_over(c);
	report(c);
	sync_counters(c);
}

/* Everything freed (init()'s failures and fini()); the thread is not
 * running. */
static void
ch_destroy(struct ch *c, bool locks)
{
	struct qent *e;
	int t;

	while ((e = c->qhead) != NULL) {
		c->qhead = e->next;
		free(e);
	}
	free(c->chunk);
	c->chunk = NULL;
	for (t = 0; t < T_COUNT; t++) {
		ch_columns_free(c->cols[t]);
		free(c->batches[t].buf);
		free(c->batches[t].keys);
	}
	free(c->url);
	ch_http_free(c->http);
	chf_free(c->flat);
	chf_free(c->reader);
	spool_close(&c->spool);
	if (c->dump != NULL)
		fclose(c->dump);
	if (locks) {
		pthread_cond_destroy(&c->room);
		pthread_cond_destroy(&c->wake);
		pthread_mutex_destroy(&c->lock);
	}
	ch_args_free(&c->a);
	free(c);
	curl_global_cleanup();
}

/* The mutex and the conditions (wake's timed waits on the monotonic
 * clock); all or none. */
static int
init_locks(struct ch *c)
{
	pthread_condattr_t ca;
	int rc = -1;

	if (pthread_condattr_init(&ca) != 0)
		return -1;
	if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
	    pthread_mutex_init(&c->lock, NULL) == 0) {
		if (pthread_cond_init(&c->wake, &ca) != 0)
			pthread_mutex_destroy(&c->lock);
		else if (pthread_cond_init(&c->room, NULL) != 0) {
			pthread_cond_destroy(&c->wake);
			pthread_mutex_destroy(&c->lock);
		} else
			rc = 0;
	}
	pthread_condattr_destroy(&ca);
	return rc;
}

static void
register_counters(struct ch *c)
{
	const struct smtpscope_host *h = c->host;

	c->c_queued = h->counter(
	    h->ctx, "records_queued", "records taken into the queue");
	c->c_given_up = h->counter(h->ctx, "records_given_up",
	    "records given up: the queue was full (queue_max)");
	c->c_skipped = h->counter(h->ctx, "records_skipped",
	    "records not sent: malformed, over 1 MiB, or nested deeper than "
	    "32");
	c->c_rows_sent =
	    h->counter(h->ctx, "rows_sent", "rows ClickHouse took (HTTP 200)");
	c->c_batches_sent =
	    h->counter(h->ctx, "batches_sent", "batches ClickHouse took");
	c->c_batches_failed = h->counter(
	    h->ctx, "batches_failed", "attempts to send a batch that failed");
	c->c_spooled =
	    h->counter(h->ctx, "batches_spooled", "batches in the spool now");
	c->c_spool_bytes =
	    h->counter(h->ctx, "spool_bytes", "bytes in the spool now");
	c->c_rows_given_up = h->counter(h->ctx, "rows_given_up",
	    "rows given up: the spool was full or could not be written, or "
	    "the server did not take them in time at the end");
	c->c_cpu_ms = h->counter(h->ctx, "sender_cpu_ms",
	    "CPU time of the sender thread, milliseconds (flattening, "
	    "HTTP, the spool)");
}

static int
ch_init(const struct smtpscope_host *host, const char *args, void **state,
    char *err, size_t errlen)
{
	struct ch *c;

	if (!SMTPSCOPE_HAS(struct smtpscope_host, host, want_records)) {
		snprintf(err, errlen,
		    "this smtpscope hands plugins no records (the plugin ABI's "
		    "revision 7 is needed)");
		return -1;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->host = host;
	c->spool.dirfd = -1;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "cannot start libcurl");
		free(c);
		return -1;
	}
	if (ch_args_parse(args, &c->a, err, errlen) != 0) {
		ch_destroy(c, false);
		return -1;
	}
	/* This run's number: with the sensor and each record's seq, the
	 * key that makes a row sent twice one row. */
	if (getentropy(&c->run, sizeof(c->run)) != 0) {
		snprintf(err, errlen, "cannot draw the run's number: %s",
		    strerror(errno));
		ch_destroy(c, false);
		return -1;
	}
	if (c->run == 0)
		c->run = 1;
	if ((c->url = ch_http_url(c->a.url)) == NULL) {
		snprintf(err, errlen, "out of memory");
		ch_destroy(c, false);
		return -1;
	}
	if (spool_open(&c->spool, c->a.spool, c->a.spool_max, table_names,
		T_COUNT, err, errlen) != 0) {
		ch_destroy(c, false);
		return -1;
	}
	if (c->a.dump != NULL && (c->dump = fopen(c->a.dump, "ae")) == NULL) {
		snprintf(err, errlen, "cannot open dump=%.200s: %s", c->a.dump,
		    strerror(errno));
		ch_destroy(c, false);
		return -1;
	}
	if ((c->flat = chf_new()) == NULL || (c->reader = chf_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		ch_destroy(c, false);
		return -1;
	}
	if (init_locks(c) != 0) {
		snprintf(err, errlen, "cannot create a mutex");
		ch_destroy(c, false);
		return -1;
	}
	c->backoff = CH_BACKOFF_FIRST;
	c->retry_at = 0; /* a spool of an earlier run: at once */
	atomic_init(&c->exit_deadline_ms, 0);
	spool_gauges(c);
	register_counters(c);
	if (host->want_records != NULL)
		host->want_records(host->ctx);
	/* Nothing but the records: the host then builds no other event. */
	if (SMTPSCOPE_HAS(struct smtpscope_host, host, records_only) &&
	    host->records_only != NULL)
		host->records_only(host->ctx);
	host->log(host->ctx, SMTPSCOPE_LOG_INFO,
	    "sending records to %s, database %s, as sensor \"%s\", run %llu",
	    c->a.url, c->a.database, c->a.sensor, (unsigned long long)c->run);
	if (c->spool.found > 0)
		host->log(host->ctx, SMTPSCOPE_LOG_INFO,
		    "%zu batches (%llu bytes) an earlier run left in the spool "
		    "%s are sent first",
		    c->spool.found, (unsigned long long)c->spool.bytes,
		    c->a.spool);
	if (c->spool.skipped > 0)
		host->log(host->ctx, SMTPSCOPE_LOG_WARNING,
		    "%zu files in the spool %s are left alone: not regular, "
		    "empty, or over 64 MiB",
		    c->spool.skipped, c->a.spool);
	*state = c;
	return 0;
}

/* As the user smtpscope goes on as: the spool folder writable, the
 * sender thread started (every signal blocked in it, so that SIGINT and
 * SIGTERM reach smtpscope's thread). */
static int
ch_start(void *state, char *err, size_t errlen)
{
	struct ch *c = state;
	sigset_t all, old;
	int rc;

	if (spool_check(&c->spool, err, errlen) != 0)
		return -1;
	if ((c->http = ch_http_new(&c->a, exit_time_over, c)) == NULL) {
		snprintf(err, errlen, "cannot set up libcurl");
		return -1;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&c->thread, NULL, sender_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the sender thread: %s",
		    strerror(rc));
		return -1;
	}
	c->thread_running = true;
	return 0;
}

static void
ch_fini(void *state)
{
	struct ch *c = state;
	uint64_t given_up;
	struct qent *e;

	hand_over(c);
	if (c->thread_running) {
		pthread_mutex_lock(&c->lock);
		c->stopping = true;
		atomic_store(&c->exit_deadline_ms,
		    mono_ms() + (long long)(c->a.timeout * 1000));
		pthread_cond_signal(&c->wake);
		pthread_mutex_unlock(&c->lock);
		pthread_join(c->thread, NULL);
		c->thread_running = false;
	}
	/* Records no thread took (start() failed). */
	while ((e = c->qhead) != NULL) {
		c->qhead = e->next;
		c->given_up += e->nrec;
		free(e);
	}
	c->qtail = NULL;
	report(c);
	sync_counters(c);
	given_up = c->given_up + atomic_load(&c->rows_given_up);
	c->host->log(c->host->ctx, SMTPSCOPE_LOG_INFO,
	    "%llu rows sent in %llu batches",
	    (unsigned long long)atomic_load(&c->rows_sent),
	    (unsigned long long)atomic_load(&c->batches_sent));
	if (given_up > 0)
		c->host->log(c->host->ctx, SMTPSCOPE_LOG_WARNING,
		    "%llu records or rows were given up (records_given_up, "
		    "rows_given_up)",
		    (unsigned long long)given_up);
	if (!spool_empty(&c->spool))
		c->host->log(c->host->ctx, SMTPSCOPE_LOG_WARNING,
		    "%zu batches (%llu bytes) wait in the spool %s: they are "
		    "sent first when smtpscope runs again with it",
		    c->spool.count, (unsigned long long)c->spool.bytes,
		    c->a.spool);
	ch_destroy(c, true);
}

SMTPSCOPE_PLUGIN_DEFINE(.name = "clickhouse", .version = "1.0",
    .description = "streams the JSON records into ClickHouse over HTTP",
    .init = ch_init, .on_event = ch_event, .tick = ch_tick, .fini = ch_fini,
    .start = ch_start);
