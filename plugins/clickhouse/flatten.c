/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The flattener (flatten.h): the record is parsed into a tree of nodes
 * that point into its text (a number keeps its digits, a string its
 * escapes), then walked once to write the row. Every buffer has the
 * row's cap; the work spent on keys (hashing paths, whose length grows
 * with the nesting) has a budget too, so that a record of many members
 * under long keys cannot make the walk slow.
 */
#include "flatten.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "lib/hex.h"

/* Bytes of key paths hashed for one record: well above any real one (a
 * record of 1 MiB with short keys spends about 2 MiB). */
#define CHF_WORK_MAX (32u << 20)

enum node_type { N_OBJ, N_ARR, N_STR, N_NUM, N_TRUE, N_FALSE, N_NULL };

/* A value of the record. Offsets are into the record's text: a string's
 * text between its quotes, escapes and all; a number's digits; a
 * member's key likewise. Links are node numbers plus one (0: none). */
struct node {
	uint32_t off, len;
	uint32_t key_off, key_len;
	uint32_t child, next;
	uint32_t count; /* members or elements */
	uint8_t type;
	uint8_t esc; /* ESC_TEXT, ESC_KEY: a backslash in the text, the key */
};

#define ESC_TEXT 1
#define ESC_KEY 2

/* A growing byte buffer with a cap; err says why it stopped growing. */
struct buf {
	char *p;
	size_t len, cap, max;
	enum chf_status err;
};

/* A set of byte strings (keys), each with the number it was added as. */
struct kentry {
	uint32_t off, len; /* in pool */
	uint32_t hash, slot;
};

struct keyset {
	struct buf pool;
	struct kentry *ents;
	size_t n, nents_cap;
	uint32_t *slots; /* entry number plus one, 0: free */
	size_t nslots;   /* a power of two */
};

/* A leaf of an element of an array of objects. */
struct pair {
	uint32_t leaf, elem, node;
};

struct chf {
	const char *in;
	size_t inlen;
	struct node *nodes;
	size_t nnodes, nodes_cap;
	struct buf out;       /* the row */
	struct buf path;      /* the key path being walked, decoded */
	struct buf rel;       /* a leaf's path inside an array's element */
	struct buf str;       /* a string decoded */
	struct buf text;      /* a value's JSON text */
	struct keyset seen;   /* the keys of the row */
	struct keyset leaves; /* the leaf paths of an array of objects */
	struct pair *pairs, *sorted;
	size_t npairs, pairs_cap;
	uint32_t *start; /* where each leaf's pairs begin in sorted */
	size_t start_cap;
	struct chf_key *keys; /* the row's members, as written */
	size_t nkeys, keys_cap;
	size_t work;
	enum chf_status err;
};

/* ---- buffers ----------------------------------------------------------- */

static void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

static bool
buf_grow(struct buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->err != CHF_OK)
		return false;
	if (n > b->max - b->len) {
		b->err = CHF_OUTPUT_TOO_BIG;
		return false;
	}
	if (b->len + n <= b->cap)
		return true;
	cap = b->cap != 0 ? b->cap : 256;
	while (cap < b->len + n)
		cap *= 2;
	if (cap > b->max)
		cap = b->max;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->err = CHF_NO_MEMORY;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

/* Room for n more bytes. The capacity never passes the cap, so that
 * room within it is room under the cap; buf_grow() sees to the rest. */
static inline bool
buf_room(struct buf *b, size_t n)
{
	if (b->err == CHF_OK && n <= b->cap - b->len)
		return true;
	return buf_grow(b, n);
}

/* n bytes copied: those of a key or a short value (most) by a few
 * words, without a call. */
static inline void
copy_bytes(char *d, const char *s, size_t n)
{
	uint64_t x, y;
	uint32_t u, v;

	if (n >= 8 && n <= 16) {
		memcpy(&x, s, 8);
		memcpy(&y, s + n - 8, 8);
		memcpy(d, &x, 8);
		memcpy(d + n - 8, &y, 8);
	} else if (n >= 4 && n < 8) {
		memcpy(&u, s, 4);
		memcpy(&v, s + n - 4, 4);
		memcpy(d, &u, 4);
		memcpy(d + n - 4, &v, 4);
	} else if (n > 16) {
		memcpy(d, s, n);
	} else {
		while (n-- > 0)
			*d++ = *s++;
	}
}

static inline void
buf_add(struct buf *b, const void *data, size_t n)
{
	if (n > 0 && buf_room(b, n)) {
		copy_bytes(b->p + b->len, data, n);
		b->len += n;
	}
}

static void
buf_addc(struct buf *b, char c)
{
	if (buf_room(b, 1))
		b->p[b->len++] = c;
}

static void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
buf_add_u64(struct buf *b, uint64_t v)
{
	char digits[20];
	size_t n = 0;

	do {
		digits[sizeof(digits) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	buf_add(b, digits + sizeof(digits) - n, n);
}

/* A byte a JSON string cannot hold as it is: '"', '\\', or below 0x20. */
static inline bool
is_special(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\';
}

#if defined(__SSE2__)
/* Bytes first_special() looks at in one step. */
#define SCAN_STEP 16

/* Where the first special byte is among the SCAN_STEP at s, or
 * SCAN_STEP: sixteen compared at once (a byte is below 0x20 when the
 * larger of it and 0x1f is 0x1f). */
static inline size_t
first_special(const char *s)
{
	const __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
	const __m128i low = _mm_set1_epi8(0x1f);
	unsigned m = (unsigned)_mm_movemask_epi8(
	    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
			     _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
		_mm_cmpeq_epi8(_mm_max_epu8(x, low), low)));

	return m != 0 ? (size_t)__builtin_ctz(m) : SCAN_STEP;
}
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SCAN_STEP 8

/* Where the first special byte is among the SCAN_STEP at s, or
 * SCAN_STEP: eight at a time in a word. A word with no such byte sets
 * no high bit below; a word with one may set others after it, never one
 * before it, so that on a little-endian machine the lowest high bit set
 * is the first such byte's. */
static inline size_t
first_special(const char *s)
{
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t high = 0x8080808080808080ull;
	uint64_t x, q, b, t;

	memcpy(&x, s, 8);
	q = x ^ (ones * '"');
	b = x ^ (ones * '\\');
	t = (((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x)) &
	    high;
	return t != 0 ? (size_t)__builtin_ctzll(t) / 8 : SCAN_STEP;
}
#endif

/* How many bytes of s[0..n) come before the first special one: a step
 * of first_special() at a time where the machine has one (a record is
 * mostly plain bytes), then one by one in the last few. */
static size_t
plain_run(const char *s, size_t n)
{
	size_t i = 0;
#ifdef SCAN_STEP
	size_t k;

	for (; i + SCAN_STEP <= n; i += SCAN_STEP)
		if ((k = first_special(s + i)) < SCAN_STEP)
			return i + k;
#endif
	while (i < n && !is_special((unsigned char)s[i]))
		i++;
	return i;
}

/* Whether s[0..n) has no special byte: a key, most often, whose bytes
 * then go as they are. Fewer bytes than a step are looked at in a copy
 * padded with plain ones; the last step of more overlaps the one
 * before. */
static bool
all_plain(const char *s, size_t n)
{
#ifdef SCAN_STEP
	char pad[SCAN_STEP];
	size_t i;

	if (n < SCAN_STEP) {
		memset(pad, ' ', sizeof(pad));
		if (n > 0) /* s may be NULL then */
			memcpy(pad, s, n);
		return first_special(pad) == SCAN_STEP;
	}
	for (i = 0; i + SCAN_STEP < n; i += SCAN_STEP)
		if (first_special(s + i) < SCAN_STEP)
			return false;
	return first_special(s + n - SCAN_STEP) == SCAN_STEP;
#else
	return plain_run(s, n) == n;
#endif
}

/* The escape of a byte a JSON string cannot hold as it is, at o: its
 * end. */
static char *
put_escape(char *o, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	*o++ = '\\';
	switch (c) {
	case '"':
	case '\\':
		*o++ = (char)c;
		break;
	case '\b':
		*o++ = 'b';
		break;
	case '\f':
		*o++ = 'f';
		break;
	case '\n':
		*o++ = 'n';
		break;
	case '\r':
		*o++ = 'r';
		break;
	case '\t':
		*o++ = 't';
		break;
	default:
		memcpy(o, "u00", 3);
		o[3] = hex[c >> 4];
		o[4] = hex[c & 15];
		o += 5;
		break;
	}
	return o;
}

/* Bytes of s[0..n) written into b escaped, a byte at a time past the
 * runs plain_run() finds. */
static void
escape_slow(struct buf *b, const char *s, size_t n)
{
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		char esc[6];
		size_t elen;

		i += plain_run(s + i, n - i);
		if (i >= n)
			break;
		buf_add(b, s + run, i - run);
		run = i + 1;
		elen = (size_t)(put_escape(esc, (unsigned char)s[i]) - esc);
		if (buf_room(b, elen)) {
			memcpy(b->p + b->len, esc, elen);
			b->len += elen;
		}
	}
	buf_add(b, s + run, n - run);
}

/* Input bytes escaped in one go: room is made for the worst (six bytes
 * out for each in) first. */
#define ESCAPE_CHUNK 512

/* Bytes as the inside of a JSON string: the quote and the backslash
 * escaped, control characters as short escapes or \u00XX, every other
 * byte as it is. Where the machine has first_special(), a step of bytes
 * is read at a time and written whole into the room made for it, and
 * the output moves on past those before the first special one. */
static void
buf_add_escaped(struct buf *b, const char *s, size_t n)
{
#ifdef SCAN_STEP
	size_t i = 0, end, k;
	char *o;

	while (i < n) {
		end = n - i < ESCAPE_CHUNK ? n : i + ESCAPE_CHUNK;
		if (b->err != CHF_OK ||
		    b->max - b->len < 6 * ESCAPE_CHUNK + SCAN_STEP ||
		    !buf_room(b, 6 * ESCAPE_CHUNK + SCAN_STEP))
			break; /* near the cap: byte by byte */
		o = b->p + b->len;
		while (i < end) {
			unsigned char c;

			if (end - i >= SCAN_STEP) {
				k = first_special(s + i);
				memcpy(o, s + i, SCAN_STEP);
				i += k;
				o += k;
				if (k == SCAN_STEP)
					continue;
				c = (unsigned char)s[i++];
			} else {
				c = (unsigned char)s[i++];
				if (!is_special(c)) {
					*o++ = (char)c;
					continue;
				}
			}
			if (c == '"' || c == '\\') {
				o[0] = '\\';
				o[1] = (char)c;
				o += 2;
			} else {
				o = put_escape(o, c);
			}
		}
		b->len = (size_t)(o - b->p);
	}
	escape_slow(b, s + i, n - i);
#else
	escape_slow(b, s, n);
#endif
}

static void
buf_add_quoted(struct buf *b, const char *s, size_t n)
{
	if (all_plain(s, n)) {
		if (buf_room(b, n + 2)) {
			b->p[b->len] = '"';
			copy_bytes(b->p + b->len + 1, s, n);
			b->p[b->len + 1 + n] = '"';
			b->len += n + 2;
		}
		return;
	}
	buf_addc(b, '"');
	buf_add_escaped(b, s, n);
	buf_addc(b, '"');
}

/* ---- key sets ---------------------------------------------------------- */

static void
keyset_clear(struct keyset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		s->slots[s->ents[i].slot] = 0;
	s->n = 0;
	s->pool.len = 0;
	s->pool.err = CHF_OK;
}

static void
keyset_free(struct keyset *s)
{
	free(s->pool.p);
	free(s->ents);
	free(s->slots);
}

/* Slots for twice as many entries as now (a power of two, at least
 * 64), the entries placed again. */
static bool
keyset_grow(struct keyset *s)
{
	size_t nslots = s->nslots != 0 ? s->nslots * 2 : 64, i;
	uint32_t *slots = calloc(nslots, sizeof(*slots));

	if (slots == NULL)
		return false;
	for (i = 0; i < s->n; i++) {
		size_t k = s->ents[i].hash & (nslots - 1);

		while (slots[k] != 0)
			k = (k + 1) & (nslots - 1);
		slots[k] = (uint32_t)i + 1;
		s->ents[i].slot = (uint32_t)k;
	}
	free(s->slots);
	s->slots = slots;
	s->nslots = nslots;
	return true;
}

/* Adds key (n bytes): 1 when new, 0 when it was there, -1 on error (in
 * w->err); *id its number in the order of adding. */
static int
keyset_add(
    struct chf *w, struct keyset *s, const char *key, size_t n, uint32_t *id)
{
	uint32_t h;
	size_t k;

	w->work += n + 1;
	if (w->work > CHF_WORK_MAX) {
		w->err = CHF_OUTPUT_TOO_BIG;
		return -1;
	}
	h = chf_hash(key, n);
	if (s->nslots != 0) {
		for (k = h & (s->nslots - 1); s->slots[k] != 0;
		     k = (k + 1) & (s->nslots - 1)) {
			const struct kentry *e = &s->ents[s->slots[k] - 1];

			if (e->hash == h && e->len == n &&
			    memcmp(s->pool.p + e->off, key, n) == 0) {
				*id = s->slots[k] - 1;
				return 0;
			}
		}
	}
	/* At most half full. */
	if ((s->n + 1) * 2 > s->nslots && !keyset_grow(s)) {
		w->err = CHF_NO_MEMORY;
		return -1;
	}
	if (s->n == s->nents_cap) {
		size_t cap = s->nents_cap != 0 ? s->nents_cap * 2 : 64;
		struct kentry *e = realloc(s->ents, cap * sizeof(*e));

		if (e == NULL) {
			w->err = CHF_NO_MEMORY;
			return -1;
		}
		s->ents = e;
		s->nents_cap = cap;
	}
	buf_add(&s->pool, key, n);
	if (s->pool.err != CHF_OK) {
		w->err = s->pool.err;
		return -1;
	}
	for (k = h & (s->nslots - 1); s->slots[k] != 0;
	     k = (k + 1) & (s->nslots - 1))
		;
	s->ents[s->n].off = (uint32_t)(s->pool.len - n);
	s->ents[s->n].len = (uint32_t)n;
	s->ents[s->n].hash = h;
	s->ents[s->n].slot = (uint32_t)k;
	s->slots[k] = (uint32_t)s->n + 1;
	*id = (uint32_t)s->n++;
	return 1;
}

/* ---- parsing ----------------------------------------------------------- */

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline void
skip_ws(const struct chf *w, size_t *pos)
{
	while (*pos < w->inlen && is_ws(w->in[*pos]))
		(*pos)++;
}

/* A string whose opening quote is at *pos: its text between the quotes
 * in *off and *len, *pos past its closing quote, *esc whether it has an
 * escape (without one, the text is the string as it is, and a JSON
 * string can hold it as it is). */
static bool
parse_string(
    struct chf *w, size_t *pos, uint32_t *off, uint32_t *len, bool *esc)
{
	size_t i = *pos + 1, k;

	*esc = false;
#ifdef SCAN_STEP
	/* Most strings (keys, short values) end in the first step, without
	 * an escape. */
	if (w->inlen - i >= SCAN_STEP &&
	    (k = first_special(w->in + i)) < SCAN_STEP && w->in[i + k] == '"') {
		*off = (uint32_t)i;
		*len = (uint32_t)k;
		*pos = i + k + 1;
		return true;
	}
#endif
	while (i < w->inlen) {
		unsigned char c;

		i += plain_run(w->in + i, w->inlen - i);
		if (i >= w->inlen)
			break;
		c = (unsigned char)w->in[i];
		if (c == '"') {
			*off = (uint32_t)(*pos + 1);
			*len = (uint32_t)(i - *pos - 1);
			*pos = i + 1;
			return true;
		}
		if (c < 0x20)
			return false;
		/* c is a backslash */
		*esc = true;
		if (i + 1 >= w->inlen)
			return false;
		switch (w->in[i + 1]) {
		case '"':
		case '\\':
		case '/':
		case 'b':
		case 'f':
		case 'n':
		case 'r':
		case 't':
			i += 2;
			break;
		case 'u':
			if (w->inlen - i < 6)
				return false;
			for (k = 2; k < 6; k++)
				if (hex_value(w->in[i + k]) < 0)
					return false;
			i += 6;
			break;
		default:
			return false;
		}
	}
	return false;
}

/* How many digits s[i..n) starts with, i past them: eight at a time on
 * a little-endian machine. Of a byte's low seven bits y, y + 0x50 has
 * its high bit set when y is 0x30 or more, y + 0x46 when y is 0x3a or
 * more, and neither carries into the next byte: a byte is not a digit
 * when the first is clear, the second set, or its own high bit set. */
static size_t
skip_digits(const char *s, size_t i, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t high = 0x8080808080808080ull;
	uint64_t x, y, t;

	for (; i + 8 <= n; i += 8) {
		memcpy(&x, s + i, 8);
		y = x & ~high;
		t = (~(y + ones * 0x50) | (y + ones * 0x46) | x) & high;
		if (t != 0)
			return i + (size_t)__builtin_ctzll(t) / 8;
	}
#endif
	while (i < n && is_digit(s[i]))
		i++;
	return i;
}

/* A number by RFC 8259's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?
 * ([eE][+-]?[0-9]+)? */
static bool
parse_number(const struct chf *w, size_t *pos)
{
	const char *s = w->in;
	size_t i = *pos, n = w->inlen;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && is_digit(s[i]))
		i = skip_digits(s, i, n);
	else
		return false;
	if (i < n && s[i] == '.') {
		if (++i >= n || !is_digit(s[i]))
			return false;
		i = skip_digits(s, i, n);
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || !is_digit(s[i]))
			return false;
		while (i < n && is_digit(s[i]))
			i++;
	}
	*pos = i;
	return true;
}

static bool
parse_word(const struct chf *w, size_t *pos, const char *word)
{
	size_t n = strlen(word);

	if (w->inlen - *pos < n || memcmp(w->in + *pos, word, n) != 0)
		return false;
	*pos += n;
	return true;
}

/* A new node (its number), or -1 on error (in w->err). */
static long
node_new(struct chf *w, enum node_type type, size_t off)
{
	struct node *nd;

	if (w->nnodes == w->nodes_cap) {
		/* Each node takes one byte of the record at least: the
		 * array never grows past the record's length. */
		size_t cap = w->nodes_cap != 0 ? w->nodes_cap * 2 : 256;

		if ((nd = realloc(w->nodes, cap * sizeof(*nd))) == NULL) {
			w->err = CHF_NO_MEMORY;
			return -1;
		}
		w->nodes = nd;
		w->nodes_cap = cap;
	}
	nd = &w->nodes[w->nnodes];
	memset(nd, 0, sizeof(*nd));
	nd->type = (uint8_t)type;
	nd->off = (uint32_t)off;
	return (long)w->nnodes++;
}

static long parse_value(struct chf *w, size_t *pos, unsigned depth);

/* An object or an array whose opening bracket is at *pos, nested at
 * depth (the record's own object: 1). */
static long
parse_container(struct chf *w, size_t *pos, unsigned depth)
{
	bool obj = w->in[*pos] == '{';
	char close = obj ? '}' : ']';
	long self, child;
	uint32_t last = 0, key_off = 0, key_len = 0;
	bool key_esc = false;

	if (depth > CHF_DEPTH_MAX) {
		w->err = CHF_TOO_DEEP;
		return -1;
	}
	if ((self = node_new(w, obj ? N_OBJ : N_ARR, *pos)) < 0)
		return -1;
	(*pos)++;
	skip_ws(w, pos);
	if (*pos < w->inlen && w->in[*pos] == close) {
		(*pos)++;
		w->nodes[self].len = (uint32_t)(*pos - w->nodes[self].off);
		return self;
	}
	for (;;) {
		skip_ws(w, pos);
		if (obj) {
			if (*pos >= w->inlen || w->in[*pos] != '"' ||
			    !parse_string(w, pos, &key_off, &key_len, &key_esc))
				goto malformed;
			skip_ws(w, pos);
			if (*pos >= w->inlen || w->in[*pos] != ':')
				goto malformed;
			(*pos)++;
		}
		if ((child = parse_value(w, pos, depth + 1)) < 0)
			return -1;
		w->nodes[child].key_off = key_off;
		w->nodes[child].key_len = key_len;
		if (key_esc)
			w->nodes[child].esc |= ESC_KEY;
		if (last == 0)
			w->nodes[self].child = (uint32_t)child + 1;
		else
			w->nodes[last - 1].next = (uint32_t)child + 1;
		last = (uint32_t)child + 1;
		w->nodes[self].count++;
		skip_ws(w, pos);
		if (*pos >= w->inlen)
			goto malformed;
		if (w->in[*pos] == close) {
			(*pos)++;
			break;
		}
		if (w->in[*pos] != ',')
			goto malformed;
		(*pos)++;
	}
	w->nodes[self].len = (uint32_t)(*pos - w->nodes[self].off);
	return self;
malformed:
	w->err = CHF_MALFORMED;
	return -1;
}

static long
parse_value(struct chf *w, size_t *pos, unsigned depth)
{
	size_t start;
	long self;
	enum node_type type;
	uint32_t off, len;
	bool esc;

	skip_ws(w, pos);
	if (*pos >= w->inlen)
		goto malformed;
	start = *pos;
	switch (w->in[*pos]) {
	case '{':
	case '[':
		return parse_container(w, pos, depth);
	case '"':
		if (!parse_string(w, pos, &off, &len, &esc))
			goto malformed;
		if ((self = node_new(w, N_STR, off)) >= 0) {
			w->nodes[self].len = len;
			w->nodes[self].esc = esc ? ESC_TEXT : 0;
		}
		return self;
	case 't':
		type = N_TRUE;
		if (!parse_word(w, pos, "true"))
			goto malformed;
		break;
	case 'f':
		type = N_FALSE;
		if (!parse_word(w, pos, "false"))
			goto malformed;
		break;
	case 'n':
		type = N_NULL;
		if (!parse_word(w, pos, "null"))
			goto malformed;
		break;
	default:
		type = N_NUM;
		if (!parse_number(w, pos))
			goto malformed;
		break;
	}
	if ((self = node_new(w, type, start)) >= 0)
		w->nodes[self].len = (uint32_t)(*pos - start);
	return self;
malformed:
	w->err = CHF_MALFORMED;
	return -1;
}

/* ---- writing ----------------------------------------------------------- */

static void
put_utf8(struct buf *b, uint32_t cp)
{
	char u[4];

	if (cp < 0x80) {
		buf_addc(b, (char)cp);
		return;
	}
	if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		buf_add(b, u, 2);
		return;
	}
	if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		buf_add(b, u, 3);
		return;
	}
	u[0] = (char)(0xf0 | (cp >> 18));
	u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	u[3] = (char)(0x80 | (cp & 0x3f));
	buf_add(b, u, 4);
}

static uint32_t
hex4(const char *s)
{
	return (uint32_t)(hex_value(s[0]) << 12 | hex_value(s[1]) << 8 |
	    hex_value(s[2]) << 4 | hex_value(s[3]));
}

/* The bytes a string's text (checked by parse_string()) stands for,
 * appended to b: escapes decoded, \u escapes as UTF-8 (a surrogate pair
 * as one character, a lone surrogate as U+FFFD). */
static void
decode_string(const struct chf *w, struct buf *b, uint32_t off, uint32_t len)
{
	const char *s = w->in + off;
	size_t i = 0, run = 0;

	while (i < len) {
		uint32_t cp, lo;
		char c;

		if (s[i] != '\\') {
			i++;
			continue;
		}
		buf_add(b, s + run, i - run);
		c = s[i + 1];
		i += 2;
		switch (c) {
		case 'b':
			buf_addc(b, '\b');
			break;
		case 'f':
			buf_addc(b, '\f');
			break;
		case 'n':
			buf_addc(b, '\n');
			break;
		case 'r':
			buf_addc(b, '\r');
			break;
		case 't':
			buf_addc(b, '\t');
			break;
		case 'u':
			cp = hex4(s + i);
			i += 4;
			if (cp >= 0xd800 && cp <= 0xdbff && len - i >= 6 &&
			    s[i] == '\\' && s[i + 1] == 'u' &&
			    (lo = hex4(s + i + 2)) >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
				i += 6;
			} else if (cp >= 0xd800 && cp <= 0xdfff) {
				cp = 0xfffd;
			}
			put_utf8(b, cp);
			break;
		default: /* " \ / */
			buf_addc(b, c);
			break;
		}
		run = i;
	}
	buf_add(b, s + run, len - run);
}

/* A string's text (off, len; esc: it has an escape) as a JSON string,
 * escaped again. Without an escape the text has no byte to escape
 * (parse_string() stops at a quote and refuses a control character):
 * it goes as it is. */
static void
write_text(struct chf *w, struct buf *b, uint32_t off, uint32_t len, bool esc)
{
	if (!esc) {
		if (buf_room(b, (size_t)len + 2)) {
			b->p[b->len] = '"';
			copy_bytes(b->p + b->len + 1, w->in + off, len);
			b->p[b->len + 1 + len] = '"';
			b->len += (size_t)len + 2;
		}
		return;
	}
	w->str.len = 0;
	decode_string(w, &w->str, off, len);
	if (w->str.err != CHF_OK) {
		b->err = w->str.err;
		return;
	}
	buf_add_quoted(b, w->str.p, w->str.len);
}

/* A string node as a JSON string, escaped again. */
static void
write_string(struct chf *w, struct buf *b, const struct node *nd)
{
	write_text(w, b, nd->off, nd->len, (nd->esc & ESC_TEXT) != 0);
}

static const struct node *
node_at(const struct chf *w, uint32_t link)
{
	return link != 0 ? &w->nodes[link - 1] : NULL;
}

/* A value's JSON text, compact, strings escaped again, numbers as they
 * were. */
static void
write_json(struct chf *w, struct buf *b, const struct node *nd)
{
	const struct node *c;
	bool obj = nd->type == N_OBJ;

	switch (nd->type) {
	case N_OBJ:
	case N_ARR:
		buf_addc(b, obj ? '{' : '[');
		for (c = node_at(w, nd->child); c != NULL && b->err == CHF_OK;
		     c = node_at(w, c->next)) {
			if (c != node_at(w, nd->child))
				buf_addc(b, ',');
			if (obj) {
				write_text(w, b, c->key_off, c->key_len,
				    (c->esc & ESC_KEY) != 0);
				buf_addc(b, ':');
			}
			write_json(w, b, c);
		}
		buf_addc(b, obj ? '}' : ']');
		break;
	case N_STR:
		write_string(w, b, nd);
		break;
	default: /* numbers, true, false, null: as they were */
		buf_add(b, w->in + nd->off, nd->len);
		break;
	}
}

/* A value's JSON text as a JSON string. */
static void
write_json_as_string(struct chf *w, struct buf *b, const struct node *nd)
{
	w->text.len = 0;
	write_json(w, &w->text, nd);
	if (w->text.err != CHF_OK) {
		b->err = w->text.err;
		return;
	}
	buf_add_quoted(b, w->text.p, w->text.len);
}

static bool
is_scalar(const struct node *nd)
{
	return nd->type != N_OBJ && nd->type != N_ARR;
}

/* A member's key (n bytes) written into the row ("\"K\":") and noted
 * in w->keys; chf_flatten() tells arrays once their values are
 * written. */
static void
key_put(struct chf *w, const char *key, size_t n)
{
	size_t start = w->out.len + 1;

	buf_add_quoted(&w->out, key, n);
	buf_addc(&w->out, ':');
	if (w->out.err != CHF_OK)
		return;
	if (w->nkeys == w->keys_cap) {
		/* A member takes four bytes of the row at least: the
		 * array never grows past the row's length. */
		size_t cap = w->keys_cap != 0 ? w->keys_cap * 2 : 64;
		struct chf_key *k = realloc(w->keys, cap * sizeof(*k));

		if (k == NULL) {
			w->err = CHF_NO_MEMORY;
			return;
		}
		w->keys = k;
		w->keys_cap = cap;
	}
	w->keys[w->nkeys].off = (uint32_t)start;
	w->keys[w->nkeys].len = (uint32_t)(w->out.len - 2 - start);
	w->keys[w->nkeys].array = false;
	w->nkeys++;
}

/* The key of the row at w->path begins (",\"P\":"), or false when the
 * row has it already (or on error). */
static bool
key_begin(struct chf *w)
{
	uint32_t id;
	int r = keyset_add(w, &w->seen, w->path.p, w->path.len, &id);

	if (r <= 0)
		return false;
	buf_addc(&w->out, ',');
	key_put(w, w->path.p, w->path.len);
	return true;
}

/* Appends ".KEY" to b (first: "KEY"), the member's key decoded. */
static void
path_push(struct chf *w, struct buf *b, const struct node *member, bool first)
{
	if (!first)
		buf_addc(b, '.');
	if (member->esc & ESC_KEY)
		decode_string(w, b, member->key_off, member->key_len);
	else
		buf_add(b, w->in + member->key_off, member->key_len);
}

/* The leaves of an element of an array of objects (rule 4): each scalar
 * or array under it at its path inside the element (w->rel). */
static void
collect_leaves(struct chf *w, const struct node *obj, uint32_t elem, bool first)
{
	const struct node *m;
	size_t saved = w->rel.len;
	uint32_t id;

	for (m = node_at(w, obj->child); m != NULL && w->err == CHF_OK;
	     m = node_at(w, m->next)) {
		path_push(w, &w->rel, m, first);
		if (w->rel.err != CHF_OK) {
			w->err = w->rel.err;
			return;
		}
		if (m->type == N_OBJ) {
			collect_leaves(w, m, elem, false);
		} else if (keyset_add(
			       w, &w->leaves, w->rel.p, w->rel.len, &id) >= 0) {
			if (w->npairs == w->pairs_cap) {
				size_t cap =
				    w->pairs_cap != 0 ? w->pairs_cap * 2 : 64;
				struct pair *p =
				    realloc(w->pairs, cap * sizeof(*p));

				if (p == NULL) {
					w->err = CHF_NO_MEMORY;
					return;
				}
				w->pairs = p;
				w->pairs_cap = cap;
			}
			w->pairs[w->npairs].leaf = id;
			w->pairs[w->npairs].elem = elem;
			w->pairs[w->npairs].node = (uint32_t)(m - w->nodes);
			w->npairs++;
		}
		w->rel.len = saved;
	}
}

/* The pairs in w->sorted by leaf, in element order within a leaf
 * (a counting sort: stable); w->start[leaf] where each leaf's begin,
 * w->start[nleaves] their end. */
static bool
sort_pairs(struct chf *w, size_t nleaves)
{
	struct pair *sorted;
	uint32_t *start;
	size_t i;

	if ((sorted = realloc(w->sorted, (w->npairs + 1) * sizeof(*sorted))) ==
	    NULL)
		return false;
	w->sorted = sorted;
	if (nleaves + 2 > w->start_cap) {
		if ((start = realloc(
			 w->start, (nleaves + 2) * sizeof(*start))) == NULL)
			return false;
		w->start = start;
		w->start_cap = nleaves + 2;
	}
	memset(w->start, 0, (nleaves + 2) * sizeof(*w->start));
	for (i = 0; i < w->npairs; i++)
		w->start[w->pairs[i].leaf + 2]++;
	for (i = 2; i < nleaves + 2; i++)
		w->start[i] += w->start[i - 1];
	/* start[leaf + 1]: where the next pair of leaf goes. */
	for (i = 0; i < w->npairs; i++)
		w->sorted[w->start[w->pairs[i].leaf + 1]++] = w->pairs[i];
	return true;
}

/* Rule 4: an array of objects at w->path as Nested columns. */
static void
write_nested(struct chf *w, const struct node *arr)
{
	const struct node *e;
	size_t saved = w->path.len, nleaves, leaf;
	uint32_t elem = 0, i, k, end;
	const struct kentry *ke;

	keyset_clear(&w->leaves);
	w->npairs = 0;
	w->rel.len = 0;
	for (e = node_at(w, arr->child); e != NULL && w->err == CHF_OK;
	     e = node_at(w, e->next))
		collect_leaves(w, e, elem++, true);
	if (w->err != CHF_OK)
		return;
	nleaves = w->leaves.n;
	if (!sort_pairs(w, nleaves)) {
		w->err = CHF_NO_MEMORY;
		return;
	}
	for (leaf = 0; leaf < nleaves && w->out.err == CHF_OK; leaf++) {
		ke = &w->leaves.ents[leaf];
		buf_addc(&w->path, '.');
		buf_add(&w->path, w->leaves.pool.p + ke->off, ke->len);
		if (w->path.err != CHF_OK) {
			w->err = w->path.err;
			return;
		}
		if (key_begin(w)) {
			buf_addc(&w->out, '[');
			k = w->start[leaf];
			end = w->start[leaf + 1];
			for (i = 0; i < elem && w->out.err == CHF_OK; i++) {
				const struct node *v;

				if (i > 0)
					buf_addc(&w->out, ',');
				if (k >= end || w->sorted[k].elem != i) {
					buf_adds(&w->out, "null");
					continue;
				}
				v = &w->nodes[w->sorted[k].node];
				if (v->type == N_ARR)
					write_json_as_string(w, &w->out, v);
				else
					write_json(w, &w->out, v);
				/* The same key twice in an element: the
				 * first. */
				while (k < end && w->sorted[k].elem == i)
					k++;
			}
			buf_addc(&w->out, ']');
		}
		w->path.len = saved;
		if (w->err != CHF_OK)
			return;
	}
}

/* The value at w->path into the row, by the rules (root: the record
 * itself, whose members' paths are their keys). */
static void
write_flat(struct chf *w, const struct node *nd, bool root)
{
	const struct node *c;
	size_t saved = w->path.len;
	uint32_t scalars = 0, objects = 0;

	if (nd->type == N_OBJ) {
		for (c = node_at(w, nd->child);
		     c != NULL && w->err == CHF_OK && w->out.err == CHF_OK;
		     c = node_at(w, c->next)) {
			path_push(w, &w->path, c, root);
			if (w->path.err != CHF_OK) {
				w->err = w->path.err;
				return;
			}
			write_flat(w, c, false);
			w->path.len = saved;
		}
		return;
	}
	if (nd->type == N_NULL || (nd->type == N_ARR && nd->count == 0))
		return; /* rule 6: the column's default stands for it */
	if (nd->type != N_ARR) {
		if (key_begin(w))
			write_json(w, &w->out, nd);
		return;
	}
	for (c = node_at(w, nd->child); c != NULL; c = node_at(w, c->next)) {
		scalars += is_scalar(c);
		objects += c->type == N_OBJ;
	}
	if (objects == nd->count) { /* rule 4 */
		write_nested(w, nd);
	} else if (!key_begin(w)) {
		return;
	} else if (memchr(w->path.p, '.', w->path.len) != NULL) { /* rule 7 */
		write_json_as_string(w, &w->out, nd);
	} else if (scalars == nd->count) { /* rule 3 */
		write_json(w, &w->out, nd);
	} else { /* rule 5 */
		buf_addc(&w->out, '[');
		for (c = node_at(w, nd->child);
		     c != NULL && w->out.err == CHF_OK;
		     c = node_at(w, c->next)) {
			if (c != node_at(w, nd->child))
				buf_addc(&w->out, ',');
			write_json_as_string(w, &w->out, c);
		}
		buf_addc(&w->out, ']');
	}
}

/* ---- the interface ----------------------------------------------------- */

struct chf *
chf_new(void)
{
	struct chf *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	buf_init(&w->out, CHF_OUTPUT_MAX);
	buf_init(&w->path, CHF_OUTPUT_MAX);
	buf_init(&w->rel, CHF_OUTPUT_MAX);
	buf_init(&w->str, CHF_OUTPUT_MAX);
	buf_init(&w->text, CHF_OUTPUT_MAX);
	buf_init(&w->seen.pool, CHF_OUTPUT_MAX);
	buf_init(&w->leaves.pool, CHF_OUTPUT_MAX);
	return w;
}

void
chf_free(struct chf *w)
{
	if (w == NULL)
		return;
	free(w->nodes);
	free(w->out.p);
	free(w->path.p);
	free(w->rel.p);
	free(w->str.p);
	free(w->text.p);
	keyset_free(&w->seen);
	keyset_free(&w->leaves);
	free(w->pairs);
	free(w->sorted);
	free(w->start);
	free(w->keys);
	free(w);
}

enum chf_status
chf_flatten(struct chf *w, const char *json, size_t len,
    const struct chf_keys *keys, const char **out, size_t *outlen)
{
	static const char *const ours[] = { "sensor", "run", "seq", "record" };
	size_t pos = 0, i;
	uint32_t id;
	long top;

	*out = NULL;
	*outlen = 0;
	if (len > CHF_INPUT_MAX)
		return CHF_TOO_BIG;
	w->in = json;
	w->inlen = len;
	w->nnodes = 0;
	w->nkeys = 0;
	w->work = 0;
	w->err = CHF_OK;
	w->out.len = w->path.len = w->rel.len = 0;
	w->out.err = w->path.err = w->rel.err = CHF_OK;
	w->str.err = w->text.err = CHF_OK;
	keyset_clear(&w->seen);
	keyset_clear(&w->leaves);

	skip_ws(w, &pos);
	if (pos >= len || json[pos] != '{')
		return CHF_MALFORMED;
	if ((top = parse_value(w, &pos, 1)) < 0)
		return w->err;
	skip_ws(w, &pos);
	if (pos != len)
		return CHF_MALFORMED;

	for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		if (keyset_add(w, &w->seen, ours[i], strlen(ours[i]), &id) < 0)
			return w->err;
	buf_addc(&w->out, '{');
	key_put(w, "sensor", 6);
	buf_add_quoted(&w->out, keys->sensor, keys->sensor_len);
	buf_addc(&w->out, ',');
	key_put(w, "run", 3);
	buf_addc(&w->out, '"');
	buf_add_u64(&w->out, keys->run);
	buf_adds(&w->out, "\",");
	key_put(w, "seq", 3);
	buf_add_u64(&w->out, keys->seq);
	/* The record whole, for what reads it back as the log's line
	 * (smtpscope trace --clickhouse). */
	if (keys->with_record) {
		buf_addc(&w->out, ',');
		key_put(w, "record", 6);
		buf_add_quoted(&w->out, json, len);
	}
	write_flat(w, &w->nodes[top], true);
	buf_addc(&w->out, '}');
	if (w->err != CHF_OK)
		return w->err;
	if (w->out.err != CHF_OK)
		return w->out.err;
	/* Each value follows its key's closing quote and the colon. */
	for (i = 0; i < w->nkeys; i++)
		w->keys[i].array =
		    w->out.p[w->keys[i].off + w->keys[i].len + 2] == '[';
	*out = w->out.p;
	*outlen = w->out.len;
	return CHF_OK;
}

enum chf_status
chf_row_keys(struct chf *w, const char *row, size_t len,
    void (*fn)(void *arg, const char *key, size_t key_len, bool array),
    void *arg)
{
	const struct node *m;
	size_t pos = 0;
	long top;

	if (len > CHF_OUTPUT_MAX)
		return CHF_TOO_BIG;
	w->in = row;
	w->inlen = len;
	w->nnodes = 0;
	w->err = CHF_OK;
	skip_ws(w, &pos);
	if (pos >= len || row[pos] != '{')
		return CHF_MALFORMED;
	if ((top = parse_value(w, &pos, 1)) < 0)
		return w->err;
	skip_ws(w, &pos);
	if (pos != len)
		return CHF_MALFORMED;
	for (m = node_at(w, w->nodes[top].child); m != NULL;
	     m = node_at(w, m->next))
		fn(arg, row + m->key_off, m->key_len, m->type == N_ARR);
	return CHF_OK;
}

const struct chf_key *
chf_flat_keys(const struct chf *w, size_t *n)
{
	*n = w->nkeys;
	return w->keys;
}

const char *
chf_status_text(enum chf_status s)
{
	switch (s) {
	case CHF_OK:
		return "ok";
	case CHF_TOO_BIG:
		return "over 1 MiB";
	case CHF_TOO_DEEP:
		return "nested deeper than 32";
	case CHF_MALFORMED:
		return "not one JSON object";
	case CHF_OUTPUT_TOO_BIG:
		return "over 4 MiB once flattened";
	case CHF_NO_MEMORY:
		return "out of memory";
	}
	return "unknown";
}
