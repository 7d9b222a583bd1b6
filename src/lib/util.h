/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small helpers used everywhere: checked allocation, capped growing
 * buffers, ASCII-only character classes and escaping of untrusted text.
 * Built into the program and, as build/libsmtpscope-lib.a with the rest
 * of src/lib/, into the plugins that use it.
 */
#ifndef SMTPSCOPE_UTIL_H
#define SMTPSCOPE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Where a decoder hands its output, a chunk at a time. */
typedef void bytes_out_fn(void *arg, const uint8_t *p, size_t n);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xmemdup0(const void *p, size_t n);

/*
 * Counted allocation: the heap held by what these allocate (each block's
 * usable size, as the allocator reports it, and its header) is summed in
 * one counter,
 * counted_bytes(), until cfree() gives it back. The sessions' memory (the
 * dissector's, the per-session state of sinks, the libnids glue's) is
 * allocated through them, so that reasm.c can hold all of it to one
 * budget (--max-session-bytes). A counted block is given back only with
 * cfree() or crealloc(), never free().
 */
void *cmalloc(size_t n);
void *ccalloc(size_t n, size_t size);
void *crealloc(void *p, size_t n);
char *cstrdup(const char *s);
char *cmemdup0(const void *p, size_t n);
void cfree(void *p);
size_t counted_bytes(void);
/* Memory that another allocator holds for the sessions (libnids' stream
 * buffers): added to, and later taken from, the same counter. */
void counted_adjust(size_t add, size_t sub);

/*
 * A growing byte buffer with a hard cap: appends beyond `max` are cut
 * and remembered in `truncated`, never an unbounded allocation.
 */
struct dbuf {
	char *p;
	size_t len;
	/* Bytes allocated: one more than the content at least, for
	 * dbuf_str()'s NUL, and never more than max + 1, so that room
	 * below cap is room below max (the appends check only cap). */
	size_t cap;
	size_t max;
	bool truncated;
	bool counted; /* its memory is counted (cmalloc()) */
};

void dbuf_init(struct dbuf *b, size_t max);
/* The same, its memory counted (see cmalloc()). */
void dbuf_init_counted(struct dbuf *b, size_t max);
void dbuf_free(struct dbuf *b);
void dbuf_reset(struct dbuf *b);
/* The append that grows the buffer or cuts: rare where it matters (the
 * JSON log's buffer is sized for a batch), so cold: its callers keep
 * the call out of their hot path's lines. */
bool dbuf_add_slow(struct dbuf *b, const void *data, size_t n)
    __attribute__((cold));
bool dbuf_adds(struct dbuf *b, const char *s);
/* A decimal number, without printf. */
bool dbuf_add_u64(struct dbuf *b, uint64_t v);
bool dbuf_add_i64(struct dbuf *b, int64_t v);
/* A non-negative number of seconds with six decimals (rounded to the
 * microsecond), without printf. */
bool dbuf_add_fixed6(struct dbuf *b, double v);
/*
 * Unchecked writers, for room already taken with dbuf_space(): each
 * writes at o at most its _MAX bytes and returns the end of what it
 * wrote (then counted with b->len = end - b->p).
 */
#define U64_PUT_MAX 20 /* the digits of UINT64_MAX */
char *u64_put(char *o, uint64_t v);
/* The seconds of UINT64_MAX microseconds, the point and six decimals. */
#define FIXED6_PUT_MAX 21
char *fixed6_put(char *o, double v);
/* A string literal at o; the end. */
#define PUT_LIT(o, lit) \
	((char *)memcpy((o), "" lit, sizeof(lit) - 1) + sizeof(lit) - 1)
/* A string literal, its length known at compile time: always inline,
 * its copy a few stores (out of line, it is a call to memcpy()). */
#define DBUF_LIT(b, lit) dbuf_add_inline((b), "" lit, sizeof(lit) - 1)

/* Append n bytes (cut at max, then truncated is set; false once cut). The
 * common case, room in the buffer already, is inline. */
static inline __attribute__((always_inline)) bool
dbuf_add_inline(struct dbuf *b, const void *data, size_t n)
{
	/* cap counts one byte more than the content for dbuf_str()'s NUL */
	if (n < b->cap - b->len) {
		memcpy(b->p + b->len, data, n);
		b->len += n;
		return !b->truncated;
	}
	return dbuf_add_slow(b, data, n);
}

/* The same, where the compiler may call it out of line. */
static inline bool
dbuf_add(struct dbuf *b, const void *data, size_t n)
{
	return dbuf_add_inline(b, data, n);
}

/* Where n more bytes can be written straight into the buffer (then
 * counted with b->len += n), or NULL when they do not fit: dbuf_add()
 * then, which cuts and sets truncated. */
static inline char *
dbuf_space(struct dbuf *b, size_t n)
{
	if (n < b->cap - b->len)
		return b->p + b->len;
	return NULL;
}

static inline bool
dbuf_addc(struct dbuf *b, char c)
{
	if (b->len + 1 < b->cap) {
		b->p[b->len++] = c;
		return !b->truncated;
	}
	return dbuf_add_slow(b, &c, 1);
}

/* n bytes from s to o, a few (a key, a short literal), in words that
 * overlap, never a byte past either end: no call to memcpy() for a
 * length not known at compile time. */
static inline void
copy_short(char *o, const char *s, size_t n)
{
	uint64_t a, z;
	uint32_t lo, hi;
	size_t i;

	if (n >= 8) {
		for (i = 0; i + 8 < n; i += 8) {
			memcpy(&a, s + i, 8);
			memcpy(o + i, &a, 8);
		}
		memcpy(&z, s + n - 8, 8);
		memcpy(o + n - 8, &z, 8);
	} else if (n >= 4) {
		memcpy(&lo, s, 4);
		memcpy(&hi, s + n - 4, 4);
		memcpy(o, &lo, 4);
		memcpy(o + n - 4, &hi, 4);
	} else if (n > 0) {
		o[0] = s[0];
		o[n / 2] = s[n / 2];
		o[n - 1] = s[n - 1];
	}
}

bool dbuf_printf(struct dbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A NUL-terminated view of the contents (the NUL is not counted). */
const char *dbuf_str(struct dbuf *b);

/*
 * Strings that die together (those of one transaction): carved from
 * blocks of the heap, all freed at once. An arena only grows; what it
 * holds is bounded by what its owner puts in it. arena_reset() keeps
 * the first block for the next owner. Its blocks are counted (see
 * cmalloc()): arenas hold the strings of sessions.
 */
struct arena_block;
struct arena {
	struct arena_block *head; /* the block being filled, newest first */
	char *next;               /* its first free byte */
	size_t left;              /* free bytes from next */
};

#define ARENA_FIRST 1024      /* bytes of the first block */
#define ARENA_BLOCK_MAX 65536 /* blocks double up to this */

void arena_init(struct arena *a);
char *arena_alloc(struct arena *a, size_t n);
/* n bytes of p and a NUL. */
char *arena_memdup0(struct arena *a, const void *p, size_t n);
/* n bytes aligned to align (a power of two, at most max_align_t's). */
void *arena_alloc_aligned(struct arena *a, size_t n, size_t align);
void arena_reset(struct arena *a);
void arena_free(struct arena *a);

static inline bool
ascii_isdigit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool
ascii_isalpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool
ascii_isspace(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static inline unsigned char
ascii_toupper(unsigned char c)
{
	return (c >= 'a' && c <= 'z') ? (unsigned char)(c - 'a' + 'A') : c;
}

bool ascii_prefix_ci(const uint8_t *s, size_t n, const char *prefix);
/* s to out (size > 0 bytes, cut, NUL-ended) with A-Z in lower case;
 * every other byte as it is. */
void ascii_lower_copy(const char *s, char *out, size_t size);

/* Control characters (C0, C1, DEL), U+2028/2029 and the bidirectional
 * overrides and isolates: escaped wherever text is written. */
bool unsafe_cp(uint32_t cp);
/* The code point of a valid UTF-8 sequence of len bytes. */
uint32_t utf8_decode(const uint8_t *s, size_t len);

/*
 * Length of the valid UTF-8 sequence starting at s (1-4), or 0 when the
 * bytes there are not valid UTF-8 (overlong, surrogate, truncated...).
 */
size_t utf8_seq_len(const uint8_t *s, size_t n);

/*
 * Append s as a JSON string literal with quotes. Control characters,
 * C1 controls, U+2028/2029 become \u escapes; bytes that are not valid
 * UTF-8 become the six characters \\xNN so the output stays valid
 * UTF-8 and no wire byte reaches a terminal raw.
 */
void json_append_str(struct dbuf *b, const uint8_t *s, size_t n);
/* The same escaping without the quotes around it. */
void json_escape_str(struct dbuf *b, const uint8_t *s, size_t n);
void json_append_cstr(struct dbuf *b, const char *s);
/* A member of an object: key (keylen bytes, as is: ,"name": with its
 * comma and colon) and s after it as json_append_cstr() writes it, the
 * room for both checked once. */
void json_append_member(
    struct dbuf *b, const char *key, size_t keylen, const char *s);

/*
 * Append s escaped for a terminal or a text report: printable ASCII and
 * valid non-control UTF-8 as is, everything else as \xNN (\\ for a
 * backslash).
 */
void text_append_escaped(struct dbuf *b, const uint8_t *s, size_t n);

/* Parse a decimal number in [min, max]; false on junk or overflow. */
bool parse_ulong(
    const char *s, unsigned long min, unsigned long max, unsigned long *out);
/* A size in bytes: a decimal number with an optional K, M or G (KiB,
 * MiB, GiB; either case, a B after it allowed), in [min, max]; false on
 * junk or overflow. */
bool parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
