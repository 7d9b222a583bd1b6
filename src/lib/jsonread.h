/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small reader of JSON text (RFC 8259), for smtpscope's own logs read
 * back (smtpscope trace): one value, a tree carved from an arena, freed
 * at once with it. Untrusted input: nesting deeper than JSON_DEPTH_MAX,
 * bad escapes, control characters in strings, numbers outside RFC 8259's
 * grammar, beyond a double's range or longer than 63 characters, and
 * trailing garbage are refused; \u escapes become UTF-8 (a lone surrogate
 * becomes U+FFFD); a NUL in a string ends its C string (len keeps the
 * whole).
 */
#ifndef SMTPSCOPE_JSONREAD_H
#define SMTPSCOPE_JSONREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/util.h"

#define JSON_DEPTH_MAX 64

enum jv_type { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ };

struct jv {
	enum jv_type type;
	bool b;
	double num;
	char *str; /* JV_STR: NUL-terminated */
	size_t len;
	struct jv *child; /* JV_ARR, JV_OBJ: the first element or member */
	struct jv *next;  /* the next element or member */
	char *key;        /* a member's key */
};

/* The value of text[0..n), or NULL (then *err says where, what). */
struct jv *json_parse(
    struct arena *a, const char *text, size_t n, const char **err);
/* An object's member, or NULL. */
const struct jv *jv_get(const struct jv *obj, const char *key);
/* The string of a member, or NULL when absent or not a string. */
const char *jv_str(const struct jv *obj, const char *key);
/* The number of a member, or def when absent or not a number. */
double jv_num(const struct jv *obj, const char *key, double def);
bool jv_bool(const struct jv *obj, const char *key);

#endif
