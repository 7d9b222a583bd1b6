/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the JSON reader (src/lib/jsonread.c) that smtpscope
 * trace reads its logs back with, fed the input as one value. A value
 * read is checked (every string terminated at its length, no nesting past
 * JSON_DEPTH_MAX, numbers finite), read with the accessors as trace
 * reads a record, then written back as JSON and read again: the second
 * reading must succeed and give the same tree (types, numbers, the bytes
 * of strings and keys, order). Seeds: lines of smtpscope -w logs
 * (tests/fuzz/corpus/jsonread); dictionary tests/fuzz/json.dict.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jsonread.h"
#include "lib/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The tree's shape and contents; aborts where they are wrong. */
static void
walk(const struct jv *v, int depth, bool member)
{
	const struct jv *e;

	if ((v->key != NULL) != member)
		abort();
	switch (v->type) {
	case JV_NULL:
	case JV_BOOL:
		break;
	case JV_NUM:
		if (!isfinite(v->num))
			abort();
		break;
	case JV_STR:
		if (v->str == NULL || v->str[v->len] != '\0' ||
		    strlen(v->str) > v->len)
			abort();
		break;
	case JV_ARR:
	case JV_OBJ:
		if (depth + 1 > JSON_DEPTH_MAX)
			abort();
		for (e = v->child; e != NULL; e = e->next)
			walk(e, depth + 1, v->type == JV_OBJ);
		break;
	default:
		abort();
	}
}

static void
put_str(struct dbuf *b, const char *s, size_t n)
{
	char esc[8];
	size_t i;

	dbuf_add(b, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == '"' || c == '\\') {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			dbuf_add(b, esc, 6);
		} else
			dbuf_add(b, &s[i], 1);
	}
	dbuf_add(b, "\"", 1);
}

/* v as JSON text. */
static void
put(struct dbuf *b, const struct jv *v)
{
	const struct jv *e;
	char num[40];
	int n;

	switch (v->type) {
	case JV_NULL:
		dbuf_add(b, "null", 4);
		break;
	case JV_BOOL:
		dbuf_add(b, v->b ? "true" : "false", v->b ? 4 : 5);
		break;
	case JV_NUM:
		n = snprintf(num, sizeof(num), "%.17g", v->num);
		dbuf_add(b, num, (size_t)n);
		break;
	case JV_STR:
		put_str(b, v->str, v->len);
		break;
	case JV_ARR:
	case JV_OBJ:
		dbuf_add(b, v->type == JV_ARR ? "[" : "{", 1);
		for (e = v->child; e != NULL; e = e->next) {
			if (e != v->child)
				dbuf_add(b, ",", 1);
			if (v->type == JV_OBJ) {
				put_str(b, e->key, strlen(e->key));
				dbuf_add(b, ":", 1);
			}
			put(b, e);
		}
		dbuf_add(b, v->type == JV_ARR ? "]" : "}", 1);
		break;
	}
}

/* The same tree (a key is compared as the C string it is). */
static bool
same(const struct jv *a, const struct jv *b)
{
	const struct jv *x, *y;

	if (a->type != b->type)
		return false;
	if ((a->key == NULL) != (b->key == NULL) ||
	    (a->key != NULL && strcmp(a->key, b->key) != 0))
		return false;
	switch (a->type) {
	case JV_NULL:
		return true;
	case JV_BOOL:
		return a->b == b->b;
	case JV_NUM:
		return a->num == b->num && signbit(a->num) == signbit(b->num);
	case JV_STR:
		return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
	case JV_ARR:
	case JV_OBJ:
		for (x = a->child, y = b->child; x != NULL && y != NULL;
		     x = x->next, y = y->next)
			if (!same(x, y))
				return false;
		return x == NULL && y == NULL;
	}
	return false;
}

/* What trace does with a record: members by name, an array's elements. */
static void
read_like_trace(const struct jv *v)
{
	static const char *keys[] = { "type", "session_id", "ts", "ts_end",
		"client_ip", "rcpt_to", "headers", "dsn", "recipients", "addr",
		"code", "bounce", "" };
	const struct jv *e;
	volatile double sum = 0;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *s = jv_str(v, keys[i]);
		const struct jv *m = jv_get(v, keys[i]);

		if (s != NULL)
			sum += (double)strlen(s);
		sum += jv_num(v, keys[i], 0) + jv_bool(v, keys[i]);
		if (m != NULL && m->type == JV_ARR)
			for (e = m->child; e != NULL; e = e->next)
				sum += jv_num(e, "code", 0);
	}
	(void)sum;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	struct dbuf b;
	const char *err = NULL;
	struct jv *v, *w;

	arena_init(&a);
	v = json_parse(&a, (const char *)data, size, &err);
	if (v == NULL) {
		if (err == NULL)
			abort();
		arena_free(&a);
		return 0;
	}
	walk(v, 0, false);
	read_like_trace(v);
	dbuf_init(&b, (size_t)1 << 30);
	put(&b, v);
	if (b.truncated)
		abort();
	err = NULL;
	w = json_parse(&a, b.p, b.len, &err);
	if (w == NULL) {
		fprintf(stderr, "written back, refused (%s): %.*s\n", err,
		    (int)(b.len < 300 ? b.len : 300), b.p);
		abort();
	}
	if (!same(v, w)) {
		fprintf(stderr, "written back, read otherwise: %.*s\n",
		    (int)(b.len < 300 ? b.len : 300), b.p);
		abort();
	}
	dbuf_free(&b);
	arena_free(&a);
	return 0;
}
