/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One record of smtpscope's JSON log made into one row of ClickHouse's
 * JSONEachRow format: nested objects become dotted keys, arrays of
 * objects become ClickHouse Nested columns (one array per leaf), and the
 * row's keys sensor, run, seq and (with_record) record, the record
 * itself, whole, as a string, come first. Pure: bytes in, bytes out,
 * no I/O; a workspace keeps its buffers from one record to the next.
 *
 * The rules (README.md has them with an example):
 *  1. an object at path P: each member K at P.K (at the top: K);
 *  2. a scalar at P: "P": the value as it is;
 *  3. an array of scalars at P: "P": the array as it is;
 *  4. an array of objects at P: for each leaf path L of any element,
 *     "P.L": [one value per element, null where it has none]; an array
 *     inside an element becomes its JSON text, a string;
 *  5. any other array (objects and scalars mixed, arrays in it): "P": an
 *     array of strings, each element's JSON text;
 *  6. a null, or an empty array, (outside an element of rule 4): no key,
 *     the column's default stands for it;
 *  7. an array of rule 3 or 5 at a path with a dot in it (inside an
 *     object): "P": its JSON text, a string.
 * Rules 6 and 7 are ClickHouse 18.16's (docs/clickhouse.sql): a null
 * does not go into a column that is not Nullable, nor into an Array; and
 * Array columns named "a.x" and "a.y" are one Nested structure, whose
 * arrays must be of one length in every row, which "headers.received"
 * and "headers.path" are not.
 * Strings are written again with JSON's escapes (\u escapes decoded to
 * UTF-8, control characters as \u00XX); numbers as the input has them.
 * A key met twice (the same member twice, or "a.b" beside "a":{"b":..})
 * keeps its first value; the record's own sensor, run, seq and record
 * give way to the row's.
 *
 * Untrusted input: a record over CHF_INPUT_MAX bytes, nested deeper than
 * CHF_DEPTH_MAX, not one JSON object (RFC 8259), or whose row would pass
 * CHF_OUTPUT_MAX bytes, is refused with a status, never a crash.
 */
#ifndef CH_FLATTEN_H
#define CH_FLATTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CHF_INPUT_MAX (1u << 20)  /* bytes of one record */
#define CHF_DEPTH_MAX 32          /* objects and arrays inside each other */
#define CHF_OUTPUT_MAX (4u << 20) /* bytes of one row */

enum chf_status {
	CHF_OK = 0,
	CHF_TOO_BIG,        /* the record is over CHF_INPUT_MAX */
	CHF_TOO_DEEP,       /* nested deeper than CHF_DEPTH_MAX */
	CHF_MALFORMED,      /* not one JSON object */
	CHF_OUTPUT_TOO_BIG, /* its row would pass CHF_OUTPUT_MAX */
	CHF_NO_MEMORY,
};

/* The keys every row starts with. */
struct chf_keys {
	const char *sensor; /* any bytes, escaped in the row */
	size_t sensor_len;
	uint64_t run;     /* written as a decimal string: "run":"123" */
	uint64_t seq;     /* written as a number */
	bool with_record; /* "record": the input whole, a string */
};

struct chf;

struct chf *chf_new(void);
void chf_free(struct chf *w);
/* The row of json[0..len) in *out, *outlen bytes (one JSON object, no
 * newline; valid until the next call with w), or a status other than
 * CHF_OK (then *out is NULL). */
enum chf_status chf_flatten(struct chf *w, const char *json, size_t len,
    const struct chf_keys *keys, const char **out, size_t *outlen);
/* The members of a row (one JSON object of at most CHF_OUTPUT_MAX bytes,
 * nested at most CHF_DEPTH_MAX): fn(arg, key, key_len, array) for each,
 * in order, key as written between its quotes (escapes undecoded),
 * array whether its value is an array. */
enum chf_status chf_row_keys(struct chf *w, const char *row, size_t len,
    void (*fn)(void *arg, const char *key, size_t key_len, bool array),
    void *arg);
/* A member of a row: its key, as written between its quotes (escapes
 * undecoded), at off and len bytes in the row; array whether its value
 * is an array. */
struct chf_key {
	uint32_t off, len;
	bool array;
};

/* The members of the row chf_flatten() made last (when CHF_OK), in
 * order, *n of them: what chf_row_keys() finds in that row, noted while
 * it was written instead of read again. Valid until the next call with
 * w. */
const struct chf_key *chf_flat_keys(const struct chf *w, size_t *n);
/* A few words for a status ("nested deeper than 32"). */
const char *chf_status_text(enum chf_status s);

/* A hash of n bytes, eight at a time: the key sets' (flatten.c) and the
 * column lists' (insert.c). */
static inline uint32_t
chf_hash(const char *s, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, x;
	uint32_t u, v;
	size_t i;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&x, s, 8);
		h = (h ^ x) * 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	if (n >= 4) { /* the last four to seven: two words of four */
		memcpy(&u, s, 4);
		memcpy(&v, s + n - 4, 4);
		x = (uint64_t)u << 32 | v;
	} else {
		for (x = 0, i = 0; i < n; i++)
			x |= (uint64_t)(unsigned char)s[i] << (8 * i);
	}
	h = (h ^ x) * 0xff51afd7ed558ccdull;
	return (uint32_t)(h ^ (h >> 32));
}

#endif
