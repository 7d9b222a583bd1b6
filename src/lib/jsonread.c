/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small reader of JSON text (jsonread.h): recursive descent, bounded
 * depth, every read checked against the end. */
#include "lib/jsonread.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct jp {
	struct arena *a;
	const char *s, *end;
	const char *err;
	int depth;
};

static void
ws(struct jp *p)
{
	while (p->s < p->end &&
	    (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r'))
		p->s++;
}

static struct jv *
node(struct jp *p, enum jv_type t)
{
	struct jv *v =
	    arena_alloc_aligned(p->a, sizeof(*v), _Alignof(struct jv));

	memset(v, 0, sizeof(*v));
	v->type = t;
	return v;
}

static bool
lit(struct jp *p, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(p->end - p->s) < n || memcmp(p->s, word, n) != 0)
		return false;
	p->s += n;
	return true;
}

static int
hex4(const char *s)
{
	int v = 0, i;

	for (i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static size_t
put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A string after its opening quote; the unescaped text in *out. The
 * output is never longer than the input (\uXXXX is 6 bytes, at most 3 of
 * UTF-8; a pair is 12, at most 4). */
static bool
string(struct jp *p, char **out, size_t *outlen)
{
	const char *q = p->s;
	char *o, *w;

	while (q < p->end && *q != '"') {
		if (*q == '\\')
			q++;
		q++;
	}
	if (q >= p->end) {
		p->err = "unterminated string";
		return false;
	}
	w = o = arena_alloc(p->a, (size_t)(q - p->s) + 1);
	while (p->s < q) {
		unsigned char c = (unsigned char)*p->s++;
		int u, lo;

		if (c < 0x20) {
			p->err = "control character in a string";
			return false;
		}
		if (c != '\\') {
			*w++ = (char)c;
			continue;
		}
		switch (*p->s++) {
		case '"':
			*w++ = '"';
			break;
		case '\\':
			*w++ = '\\';
			break;
		case '/':
			*w++ = '/';
			break;
		case 'b':
			*w++ = '\b';
			break;
		case 'f':
			*w++ = '\f';
			break;
		case 'n':
			*w++ = '\n';
			break;
		case 'r':
			*w++ = '\r';
			break;
		case 't':
			*w++ = '\t';
			break;
		case 'u':
			if (q - p->s < 4 || (u = hex4(p->s)) < 0) {
				p->err = "bad \\u escape";
				return false;
			}
			p->s += 4;
			if (u >= 0xd800 && u < 0xdc00 && q - p->s >= 6 &&
			    p->s[0] == '\\' && p->s[1] == 'u' &&
			    (lo = hex4(p->s + 2)) >= 0xdc00 && lo < 0xe000) {
				p->s += 6;
				w += put_utf8(w,
				    0x10000 + ((uint32_t)(u - 0xd800) << 10) +
					(uint32_t)(lo - 0xdc00));
			} else if (u >= 0xd800 && u < 0xe000)
				w += put_utf8(w, 0xfffd);
			else
				w += put_utf8(w, (uint32_t)u);
			break;
		default:
			p->err = "bad escape";
			return false;
		}
	}
	p->s = q + 1;
	*w = '\0';
	*out = o;
	*outlen = (size_t)(w - o);
	return true;
}

static struct jv *value(struct jp *p);

static struct jv *
container(struct jp *p, bool obj)
{
	struct jv *v = node(p, obj ? JV_OBJ : JV_ARR), **tail = &v->child;
	char close = obj ? '}' : ']';

	if (++p->depth > JSON_DEPTH_MAX) {
		p->err = "nested too deep";
		return NULL;
	}
	ws(p);
	if (p->s < p->end && *p->s == close) {
		p->s++;
		p->depth--;
		return v;
	}
	for (;;) {
		char *key = NULL;
		size_t klen;
		struct jv *e;

		ws(p);
		if (obj) {
			if (p->s >= p->end || *p->s != '"') {
				p->err = "a key expected";
				return NULL;
			}
			p->s++;
			if (!string(p, &key, &klen))
				return NULL;
			ws(p);
			if (p->s >= p->end || *p->s != ':') {
				p->err = "':' expected";
				return NULL;
			}
			p->s++;
		}
		if ((e = value(p)) == NULL)
			return NULL;
		e->key = key;
		*tail = e;
		tail = &e->next;
		ws(p);
		if (p->s < p->end && *p->s == ',') {
			p->s++;
			continue;
		}
		if (p->s < p->end && *p->s == close) {
			p->s++;
			p->depth--;
			return v;
		}
		p->err = obj ? "',' or '}' expected" : "',' or ']' expected";
		return NULL;
	}
}

static bool
is_digit(const struct jp *p, const char *q)
{
	return q < p->end && *q >= '0' && *q <= '9';
}

/* RFC 8259's number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?,
 * within a double's range (no infinity). */
static struct jv *
number(struct jp *p)
{
	char buf[64];
	const char *q = p->s;
	struct jv *v;
	char *end;
	size_t n;

	if (q < p->end && *q == '-')
		q++;
	if (!is_digit(p, q)) {
		p->err = q == p->s ? "bad value" : "bad number";
		return NULL;
	}
	if (*q++ != '0')
		while (is_digit(p, q))
			q++;
	if (q < p->end && *q == '.') {
		if (!is_digit(p, ++q)) {
			p->err = "bad number";
			return NULL;
		}
		while (is_digit(p, q))
			q++;
	}
	if (q < p->end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < p->end && (*q == '+' || *q == '-'))
			q++;
		if (!is_digit(p, q)) {
			p->err = "bad number";
			return NULL;
		}
		while (is_digit(p, q))
			q++;
	}
	n = (size_t)(q - p->s);
	if (n >= sizeof(buf)) {
		p->err = "number too long";
		return NULL;
	}
	memcpy(buf, p->s, n);
	buf[n] = '\0';
	v = node(p, JV_NUM);
	v->num = strtod(buf, &end);
	if (*end != '\0' || !isfinite(v->num)) {
		p->err = "number out of range";
		return NULL;
	}
	p->s = q;
	return v;
}

static struct jv *
value(struct jp *p)
{
	struct jv *v;

	ws(p);
	if (p->s >= p->end) {
		p->err = "a value expected";
		return NULL;
	}
	switch (*p->s) {
	case '{':
	case '[':
		return container(p, *p->s++ == '{');
	case '"':
		p->s++;
		v = node(p, JV_STR);
		return string(p, &v->str, &v->len) ? v : NULL;
	case 't':
	case 'f':
		v = node(p, JV_BOOL);
		v->b = *p->s == 't';
		if (lit(p, v->b ? "true" : "false"))
			return v;
		break;
	case 'n':
		if (lit(p, "null"))
			return node(p, JV_NULL);
		break;
	default:
		return number(p);
	}
	p->err = "bad value";
	return NULL;
}

struct jv *
json_parse(struct arena *a, const char *text, size_t n, const char **err)
{
	struct jp p = { a, text, text + n, NULL, 0 };
	struct jv *v = value(&p);

	if (v != NULL) {
		ws(&p);
		if (p.s != p.end) {
			p.err = "text after the value";
			v = NULL;
		}
	}
	if (v == NULL && err != NULL)
		*err = p.err != NULL ? p.err : "bad JSON";
	return v;
}

const struct jv *
jv_get(const struct jv *obj, const char *key)
{
	const struct jv *e;

	if (obj == NULL || obj->type != JV_OBJ)
		return NULL;
	for (e = obj->child; e != NULL; e = e->next)
		if (e->key != NULL && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

const char *
jv_str(const struct jv *obj, const char *key)
{
	const struct jv *v = jv_get(obj, key);

	return v != NULL && v->type == JV_STR ? v->str : NULL;
}

double
jv_num(const struct jv *obj, const char *key, double def)
{
	const struct jv *v = jv_get(obj, key);

	return v != NULL && v->type == JV_NUM ? v->num : def;
}

bool
jv_bool(const struct jv *obj, const char *key)
{
	const struct jv *v = jv_get(obj, key);

	return v != NULL && v->type == JV_BOOL && v->b;
}
