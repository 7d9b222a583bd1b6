/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Records read back from ClickHouse (smtpscope trace --clickhouse): the
 * answer to one SELECT of "sensor, run, record" in TabSeparatedRaw,
 * streamed to on_record() a line at a time. docs/clickhouse.sql has the
 * tables.
 */
#ifndef SMTPSCOPE_STORE_H
#define SMTPSCOPE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

#define STORE_SENSOR_MAX 64 /* bytes of a sensor's name */

struct store_query {
	const char *url;  /* http://HOST:8123/ */
	const char *sql;  /* ... FORMAT TabSeparatedRaw */
	const char *user; /* X-ClickHouse-User, or NULL */
	const char *key;  /* X-ClickHouse-Key, or NULL */
	size_t line_max;  /* a longer line is skipped (counted) */
	void (*on_record)(void *arg, const char *sensor, uint64_t run,
	    const char *json, size_t len);
	void *arg;
};

struct store_result {
	uint64_t lines;   /* of the answer */
	uint64_t skipped; /* not "sensor TAB run TAB record", or too long */
};

/* 0, or -1 with one sentence in err (the server unreachable, an HTTP
 * error with ClickHouse's own words, an exception while it answered). */
int store_fetch(const struct store_query *q, struct store_result *res,
    char *err, size_t errlen);
/* s as a ClickHouse string literal, quotes included. */
void store_quote(struct dbuf *b, const char *s);

#endif
