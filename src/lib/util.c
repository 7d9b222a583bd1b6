/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lib/util.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
out_of_memory(size_t n)
{
	fprintf(stderr, "smtpscope: out of memory (asked for %zu bytes)\n", n);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		out_of_memory(n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		out_of_memory(n * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		out_of_memory(n);
	return q;
}

char *
xstrdup(const char *s)
{
	return xmemdup0(s, strlen(s));
}

char *
xmemdup0(const void *p, size_t n)
{
	char *s = xmalloc(n + 1);

	if (n > 0)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* --- counted allocation ------------------------------------------------ */

static size_t counted;

/*
 * A counted block carries its size in a header before it (one
 * max_align_t, so the block stays aligned for anything): freeing it needs
 * no question to the allocator. What it takes from the heap is counted as
 * its size, the header and the allocator's own header (glibc: one
 * size_t).
 */
#define CHDR sizeof(max_align_t)

static inline size_t
cost(size_t n)
{
	return n + CHDR + sizeof(size_t);
}

static inline void *
cstamp(unsigned char *raw, size_t n)
{
	memcpy(raw, &n, sizeof(n));
	counted += cost(n);
	return raw + CHDR;
}

static inline unsigned char *
craw(void *p, size_t *n)
{
	unsigned char *raw = (unsigned char *)p - CHDR;

	memcpy(n, raw, sizeof(*n));
	return raw;
}

void *
cmalloc(size_t n)
{
	if (n > SIZE_MAX - 2 * CHDR)
		out_of_memory(n);
	return cstamp(xmalloc(n + CHDR), n);
}

void *
ccalloc(size_t n, size_t size)
{
	size_t total;

	if (size != 0 && n > (SIZE_MAX - 2 * CHDR) / size)
		out_of_memory(SIZE_MAX);
	total = n * size;
	return cstamp(xcalloc(1, total + CHDR), total);
}

void *
crealloc(void *p, size_t n)
{
	size_t was;
	unsigned char *raw;

	if (p == NULL)
		return cmalloc(n);
	if (n > SIZE_MAX - 2 * CHDR)
		out_of_memory(n);
	raw = craw(p, &was);
	counted -= cost(was);
	return cstamp(xrealloc(raw, n + CHDR), n);
}

char *
cstrdup(const char *s)
{
	return cmemdup0(s, strlen(s));
}

char *
cmemdup0(const void *p, size_t n)
{
	char *s = cmalloc(n + 1);

	if (n > 0)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

void
cfree(void *p)
{
	size_t n;
	unsigned char *raw;

	if (p == NULL)
		return;
	raw = craw(p, &n);
	counted -= cost(n);
	free(raw);
}

size_t
counted_bytes(void)
{
	return counted;
}

void
counted_adjust(size_t add, size_t sub)
{
	counted += add;
	counted -= sub;
}

/* --- growing buffers --------------------------------------------------- */

void
dbuf_init(struct dbuf *b, size_t max)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->truncated = false;
	b->counted = false;
}

void
dbuf_init_counted(struct dbuf *b, size_t max)
{
	dbuf_init(b, max);
	b->counted = true;
}

void
dbuf_free(struct dbuf *b)
{
	bool c = b->counted;

	if (c)
		cfree(b->p);
	else
		free(b->p);
	dbuf_init(b, b->max);
	b->counted = c;
}

void
dbuf_reset(struct dbuf *b)
{
	b->len = 0;
	b->truncated = false;
}

static bool
dbuf_reserve(struct dbuf *b, size_t n)
{
	size_t need, ncap;

	/* One byte more than the content for dbuf_str()'s NUL. */
	need = b->len + n + 1;
	if (need <= b->cap)
		return true;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap *= 2;
	/* Never more than max + 1 (see struct dbuf). */
	if (ncap - 1 > b->max)
		ncap = b->max + 1;
	b->p = b->counted ? crealloc(b->p, ncap) : xrealloc(b->p, ncap);
	b->cap = ncap;
	return true;
}

bool
dbuf_add_slow(struct dbuf *b, const void *data, size_t n)
{
	size_t room;

	if (n == 0)
		return true;
	room = b->max - b->len;
	if (n > room) {
		b->truncated = true;
		n = room;
		if (n == 0)
			return false;
	}
	dbuf_reserve(b, n);
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return !b->truncated;
}

/* "00" to "99": two digits a step. */
static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324"
    "25262728293031323334353637383940414243444546474849"
    "50515253545556575859606162636465666768697071727374"
    "75767778798081828384858687888990919293949596979899";

/* The decimal digits of v, ending at end; returns where they start.
 * Two digits a step, each pair one two-byte copy. */
static inline char *
u64_digits(char *end, uint64_t v)
{
	char *p = end;

	while (v >= 100) {
		uint64_t q = v / 100;

		p -= 2;
		memcpy(p, digit_pairs + (v - q * 100) * 2, 2);
		v = q;
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, digit_pairs + v * 2, 2);
	} else
		*--p = (char)('0' + v);
	return p;
}

/* Decimal digits of v: a few comparisons for the numbers a log is made
 * of (ports, codes, sizes); past them, four digits a division. */
static inline size_t
u64_len(uint64_t v)
{
	size_t n = 0;

	for (;;) {
		if (v < 10)
			return n + 1;
		if (v < 100)
			return n + 2;
		if (v < 1000)
			return n + 3;
		if (v < 10000)
			return n + 4;
		v /= 10000;
		n += 4;
	}
}

/* w (below 100,000) at o, its length by comparisons and its digits in
 * 32 bits; returns the end. */
static inline char *
u64_put_small(char *o, uint32_t w)
{
	size_t n = w < 10 ? 1 : w < 100 ? 2 : w < 1000 ? 3 : w < 10000 ? 4 : 5;
	char *p = o + n;

	while (w >= 100) {
		uint32_t q = w / 100;

		p -= 2;
		memcpy(p, digit_pairs + (w - q * 100) * 2, 2);
		w = q;
	}
	if (w >= 10)
		memcpy(p - 2, digit_pairs + w * 2, 2);
	else
		p[-1] = (char)('0' + w);
	return o + n;
}

/* UINT64_MAX has twenty digits. */
_Static_assert(UINT64_MAX / 10000000000000000000u < 10, "U64_PUT_MAX");

char *
u64_put(char *o, uint64_t v)
{
	size_t n;

	if (v < 100000)
		return u64_put_small(o, (uint32_t)v);
	n = u64_len(v);
	u64_digits(o + n, v);
	return o + n;
}

/* No room for the longest number: written aside, then added (cut at
 * max as the appends cut). */
static __attribute__((noinline)) bool
dbuf_add_u64_long(struct dbuf *b, uint64_t v)
{
	char num[U64_PUT_MAX];

	return dbuf_add(b, num, (size_t)(u64_put(num, v) - num));
}

bool
dbuf_add_u64(struct dbuf *b, uint64_t v)
{
	char *o = dbuf_space(b, U64_PUT_MAX);

	if (o == NULL)
		return dbuf_add_u64_long(b, v);
	b->len = (size_t)(u64_put(o, v) - b->p);
	return !b->truncated;
}

/* v (below 100,000,000) as eight digits at p, leading zeros included:
 * two halves of four, each two pairs, in 32 bits and no loop. */
static inline void
digits8(char *p, uint32_t v)
{
	uint32_t hi = v / 10000, lo = v - hi * 10000;
	uint32_t h = hi / 100, l = lo / 100;

	memcpy(p, digit_pairs + h * 2, 2);
	memcpy(p + 2, digit_pairs + (hi - h * 100) * 2, 2);
	memcpy(p + 4, digit_pairs + l * 2, 2);
	memcpy(p + 6, digit_pairs + (lo - l * 100) * 2, 2);
}

/* The seconds of UINT64_MAX microseconds have fourteen digits. */
_Static_assert(UINT64_MAX / 1000000 / 10000000000000u < 10, "FIXED6_PUT_MAX");

char *
fixed6_put(char *o, double v)
{
	uint64_t us = (uint64_t)(v * 1e6 + 0.5), sec = us / 1000000;
	uint32_t frac, hi, lo, mid, top = 0;
	size_t n;
	char *p;

	/* Latencies and durations are mostly below ten seconds: one digit.
	 * The seconds of a timestamp from 1973 (nine digits) to 2106 (ten)
	 * are two halves in 32 bits: the high one to 42, the low one eight
	 * digits without a loop. Any other number by the general loop. */
	if (sec < 10)
		n = 8;
	else if (sec >= 100000000 && sec <= UINT32_MAX) {
		top = (uint32_t)sec / 100000000;
		n = top < 10 ? 16 : 17;
	} else
		n = u64_len(sec) + 7;
	/* The microseconds as three pairs of digits, in 32 bits. */
	frac = (uint32_t)(us - sec * 1000000);
	hi = frac / 10000;
	lo = frac - hi * 10000;
	mid = lo / 100;
	p = o + n - 6;
	memcpy(p, digit_pairs + hi * 2, 2);
	memcpy(p + 2, digit_pairs + mid * 2, 2);
	memcpy(p + 4, digit_pairs + (lo - mid * 100) * 2, 2);
	p[-1] = '.';
	if (n == 8)
		p[-2] = (char)('0' + sec);
	else if (top == 0)
		u64_digits(p - 1, sec);
	else {
		digits8(p - 9, (uint32_t)sec - top * 100000000);
		if (top < 10)
			p[-10] = (char)('0' + top);
		else
			memcpy(p - 11, digit_pairs + top * 2, 2);
	}
	return o + n;
}

/* No room for the longest number: written aside, then added (cut at
 * max as the appends cut). */
static __attribute__((noinline)) bool
dbuf_add_fixed6_long(struct dbuf *b, double v)
{
	char num[FIXED6_PUT_MAX];

	return dbuf_add(b, num, (size_t)(fixed6_put(num, v) - num));
}

bool
dbuf_add_fixed6(struct dbuf *b, double v)
{
	char *o = dbuf_space(b, FIXED6_PUT_MAX);

	if (o == NULL)
		return dbuf_add_fixed6_long(b, v);
	b->len = (size_t)(fixed6_put(o, v) - b->p);
	return !b->truncated;
}

bool
dbuf_add_i64(struct dbuf *b, int64_t v)
{
	if (v >= 0)
		return dbuf_add_u64(b, (uint64_t)v);
	dbuf_addc(b, '-');
	/* -(v + 1) + 1: no overflow on INT64_MIN */
	return dbuf_add_u64(b, (uint64_t)(-(v + 1)) + 1);
}

bool
dbuf_adds(struct dbuf *b, const char *s)
{
	return dbuf_add(b, s, strlen(s));
}

bool
dbuf_printf(struct dbuf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return false;
	if ((size_t)n < sizeof(small))
		return dbuf_add(b, small, (size_t)n);
	{
		char *big = xmalloc((size_t)n + 1);
		bool ok;

		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		ok = dbuf_add(b, big, (size_t)n);
		free(big);
		return ok;
	}
}

struct arena_block {
	struct arena_block *next; /* older */
	size_t size;              /* bytes after this header */
};

void
arena_init(struct arena *a)
{
	a->head = NULL;
	a->next = NULL;
	a->left = 0;
}

static char *
block_data(struct arena_block *b)
{
	return (char *)(b + 1);
}

/* A new block, for n bytes at least: the current one has not room for
 * them. Out of line: the common allocation needs no call. */
static __attribute__((noinline)) void
arena_grow(struct arena *a, size_t n)
{
	struct arena_block *b;
	size_t size;

	size = a->head != NULL ? a->head->size * 2 : ARENA_FIRST;
	if (size > ARENA_BLOCK_MAX)
		size = ARENA_BLOCK_MAX;
	if (size < n)
		size = n;
	/* A length no block can hold (never from a capture's bounded
	 * buffers) ends the program as any allocation that fails. */
	if (size > SIZE_MAX / 2)
		out_of_memory(size);
	b = cmalloc(sizeof(*b) + size);
	b->size = size;
	b->next = a->head;
	a->head = b;
	a->next = block_data(b);
	a->left = size;
}

char *
arena_alloc(struct arena *a, size_t n)
{
	char *p;

	if (n > a->left)
		arena_grow(a, n);
	p = a->next;
	a->next += n;
	a->left -= n;
	return p;
}

void *
arena_alloc_aligned(struct arena *a, size_t n, size_t align)
{
	size_t pad = a->next != NULL
	    ? (size_t)(-(uintptr_t)a->next & (uintptr_t)(align - 1))
	    : 0;

	/* Not here: a new block, its data aligned for anything (cmalloc()),
	 * the rest of this one left unused. */
	if (a->next == NULL || pad > a->left || n > a->left - pad) {
		a->left = 0;
		return arena_alloc(a, n);
	}
	a->next += pad;
	a->left -= pad;
	return arena_alloc(a, n);
}

static char *arena_memdup0_grown(struct arena *a, const void *p, size_t n);

char *
arena_memdup0(struct arena *a, const void *p, size_t n)
{
	char *s;

	/* Its calls are all tail calls, so that the common path saves no
	 * register (arena_alloc() would keep p and n across its call that
	 * grows the arena). n + 1 bytes with the NUL: n < left says they
	 * fit, without the overflow of n + 1. */
	if (n >= a->left)
		return arena_memdup0_grown(a, p, n);
	s = a->next;
	a->next += n + 1;
	a->left -= n + 1;
	/* The NUL first, so that the copy is the last thing done (memcpy()
	 * returns s). */
	s[n] = '\0';
	if (n == 0)
		return s;
	return memcpy(s, p, n);
}

/* arena_memdup0() when the current block has not room: a new one. */
static __attribute__((noinline)) char *
arena_memdup0_grown(struct arena *a, const void *p, size_t n)
{
	/* n + 1 below SIZE_MAX / 2 (arena_grow()): the new block holds
	 * it, and the call below does not come back here. */
	if (n >= SIZE_MAX / 2)
		out_of_memory(n);
	arena_grow(a, n + 1);
	return arena_memdup0(a, p, n);
}

void
arena_reset(struct arena *a)
{
	struct arena_block *b = a->head, *older;

	if (b == NULL)
		return;
	while (b->next != NULL) {
		older = b->next;
		cfree(b);
		b = older;
	}
	a->head = b;
	a->next = block_data(b);
	a->left = b->size;
}

void
arena_free(struct arena *a)
{
	struct arena_block *b = a->head, *older;

	while (b != NULL) {
		older = b->next;
		cfree(b);
		b = older;
	}
	arena_init(a);
}

const char *
dbuf_str(struct dbuf *b)
{
	if (b->p == NULL) {
		b->p = b->counted ? cmalloc(1) : xmalloc(1);
		b->cap = 1;
	}
	b->p[b->len] = '\0';
	return b->p;
}

void
ascii_lower_copy(const char *d, char *out, size_t size)
{
	const uint64_t ones = 0x0101010101010101ull, high = ones << 7;
	size_t n = strnlen(d, size - 1), i = 0;
	uint64_t x, t, a, z;

	/* Eight bytes at a time (this runs for every recipient): the
	 * bytes A-Z of x get their 0x20 bit; others stay as they are. */
	for (; i + 8 <= n; i += 8) {
		memcpy(&x, d + i, 8);
		t = x & ~high;                   /* each byte's low 7 bits */
		a = t + (0x80 - 'A') * ones;     /* high bit: >= 'A' */
		z = t + (0x80 - 'Z' - 1) * ones; /* high bit: > 'Z' */
		x |= ((a ^ z) & ~x & high) >> 2;
		memcpy(out + i, &x, 8);
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)d[i];

		out[i] =
		    (char)(c | (unsigned char)((unsigned)(c - 'A') < 26u) << 5);
	}
	out[n] = '\0';
}

bool
ascii_prefix_ci(const uint8_t *s, size_t n, const char *prefix)
{
	size_t i;

	for (i = 0; prefix[i] != '\0'; i++) {
		if (i >= n ||
		    ascii_toupper(s[i]) !=
			ascii_toupper((unsigned char)prefix[i]))
			return false;
	}
	return true;
}

size_t
utf8_seq_len(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* The code point of a valid sequence of length len. */
uint32_t
utf8_decode(const uint8_t *s, size_t len)
{
	uint32_t cp;
	size_t i;

	if (len == 1)
		return s[0];
	cp = s[0] & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
	for (i = 1; i < len; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	return cp;
}

/* Bytes that go into a JSON string as they are: printable ASCII but the
 * quote and the backslash (so not NUL). */
#define JP_ROW(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
static const uint8_t json_plain[256] = { JP_ROW(0), JP_ROW(0),
	/* 0x20 - 0x2f: '"' is 0x22 */
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, JP_ROW(1), JP_ROW(1),
	/* 0x50 - 0x5f: '\\' is 0x5c */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, JP_ROW(1),
	/* 0x70 - 0x7f: DEL is not */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, JP_ROW(0), JP_ROW(0),
	JP_ROW(0), JP_ROW(0), JP_ROW(0), JP_ROW(0), JP_ROW(0), JP_ROW(0) };
#undef JP_ROW

/* Has the word x (eight bytes) one that is not plain: below 0x20, DEL
 * or above, '"' or '\\'? Each test is exact on a byte below 0x80 and no
 * sum carries out of such a byte; a byte from 0x80 up is caught by its
 * own high bit, whatever its carries make of the bytes after it. */
static inline bool
json_word_unplain(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, high = ones << 7;
	const uint64_t ge20 = x + ones * (0x80 - 0x20); /* high: x >= 0x20 */
	const uint64_t del = x + ones;                  /* high: x is 0x7f */
	const uint64_t nq = (x ^ ones * '"') + ones * 0x7f;   /* x is not '"' */
	const uint64_t nbs = (x ^ ones * '\\') + ones * 0x7f; /* nor '\\' */

	return (x | del | ~(ge20 & nq & nbs)) & high;
}

/* Length of the run of plain bytes at s, at most n. */
static size_t
json_plain_run(const uint8_t *s, size_t n)
{
	size_t i = 0;
	uint64_t x;

	for (; i + 8 <= n; i += 8) {
		memcpy(&x, s + i, 8);
		if (json_word_unplain(x))
			break;
	}
	while (i < n && json_plain[s[i]])
		i++;
	return i;
}

/* n bytes from s to o, eight at a time, and are they all plain? Never
 * a byte read or written past either end: the last word of a string of
 * eight or more ends where it ends (overlapping the one before it), a
 * shorter one is two four-byte words that overlap, or its first, middle
 * and last bytes (the rest of the word a plain 'a'). */
static inline bool
json_copy_plain(char *o, const uint8_t *s, size_t n)
{
	uint64_t x;
	uint32_t lo, hi;
	bool bad = false;
	size_t i;

	if (n >= 8) {
		for (i = 0; i + 8 <= n; i += 8) {
			memcpy(&x, s + i, 8);
			memcpy(o + i, &x, 8);
			bad |= json_word_unplain(x);
		}
		if (i < n) {
			memcpy(&x, s + n - 8, 8);
			memcpy(o + n - 8, &x, 8);
			bad |= json_word_unplain(x);
		}
		return !bad;
	}
	if (n >= 4) {
		memcpy(&lo, s, 4);
		memcpy(&hi, s + n - 4, 4);
		memcpy(o, &lo, 4);
		memcpy(o + n - 4, &hi, 4);
		return !json_word_unplain(lo | (uint64_t)hi << 32);
	}
	if (n == 0)
		return true;
	o[0] = (char)s[0];
	o[n / 2] = (char)s[n / 2];
	o[n - 1] = (char)s[n - 1];
	x = 0x6161616161000000ull | s[0] | (uint32_t)s[n / 2] << 8 |
	    (uint32_t)s[n - 1] << 16;
	return !json_word_unplain(x);
}

/* A string with a byte to escape, or no room for it yet: out of the
 * way of the common string's path. */
static __attribute__((noinline)) void
json_append_escaped(struct dbuf *b, const uint8_t *s, size_t n)
{
	dbuf_addc(b, '"');
	json_escape_str(b, s, n);
	dbuf_addc(b, '"');
}

void
json_append_str(struct dbuf *b, const uint8_t *s, size_t n)
{
	char *o = dbuf_space(b, n + 2);

	/* Most strings are plain: copied and checked in one pass, then
	 * the quotes around them. A string that is not is written again
	 * over what was copied, escaped. */
	if (o != NULL && json_copy_plain(o + 1, s, n)) {
		o[0] = '"';
		o[n + 1] = '"';
		b->len += n + 2;
		return;
	}
	json_append_escaped(b, s, n);
}

/* A code point never written raw where a person may read it: C0 and C1
 * controls (U+009B is a terminal's CSI), DEL, the line and paragraph
 * separators, and the bidirectional overrides and isolates that make
 * text read otherwise than it is stored (U+202A-202E, U+2066-2069). */
bool
unsafe_cp(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
	    cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069);
}

void
json_escape_str(struct dbuf *b, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, run, len;
	uint32_t cp;
	char esc[8];

	while (i < n) {
		/* Copy runs of plain ASCII at once: the common case. */
		run = i + json_plain_run(s + i, n - i);
		if (run > i) {
			dbuf_add(b, s + i, run - i);
			i = run;
			continue;
		}
		len = utf8_seq_len(s + i, n - i);
		if (len == 0) {
			esc[0] = '\\';
			esc[1] = '\\';
			esc[2] = 'x';
			esc[3] = hex[s[i] >> 4];
			esc[4] = hex[s[i] & 0xf];
			dbuf_add(b, esc, 5);
			i++;
			continue;
		}
		cp = utf8_decode(s + i, len);
		if (cp == '"' || cp == '\\') {
			esc[0] = '\\';
			esc[1] = (char)cp;
			dbuf_add(b, esc, 2);
		} else if (cp == '\n') {
			dbuf_add(b, "\\n", 2);
		} else if (cp == '\r') {
			dbuf_add(b, "\\r", 2);
		} else if (cp == '\t') {
			dbuf_add(b, "\\t", 2);
		} else if (unsafe_cp(cp)) {
			esc[0] = '\\';
			esc[1] = 'u';
			esc[2] = hex[(cp >> 12) & 0xf];
			esc[3] = hex[(cp >> 8) & 0xf];
			esc[4] = hex[(cp >> 4) & 0xf];
			esc[5] = hex[cp & 0xf];
			dbuf_add(b, esc, 6);
		} else
			dbuf_add(b, s + i, len);
		i += len;
	}
}

void
json_append_cstr(struct dbuf *b, const char *s)
{
	/* Its length first (strlen() reads it many bytes a step), then
	 * the check for bytes to escape a word at a time. */
	json_append_str(b, (const uint8_t *)s, strlen(s));
}

/* Out of line, where link-time optimisation would inline it in its
 * caller: a caller that writes a null pushes no register for it. */
__attribute__((noinline)) void
json_append_member(
    struct dbuf *b, const char *key, size_t keylen, const char *s)
{
	size_t n = strlen(s);
	char *o = dbuf_space(b, keylen + n + 2);

	/* The string copied and checked first, as json_append_str()
	 * does; a string to escape is written again over it. */
	if (o != NULL &&
	    json_copy_plain(o + keylen + 1, (const uint8_t *)s, n)) {
		copy_short(o, key, keylen);
		o[keylen] = '"';
		o[keylen + n + 1] = '"';
		b->len += keylen + n + 2;
		return;
	}
	dbuf_add(b, key, keylen);
	json_append_escaped(b, (const uint8_t *)s, n);
}

void
text_append_escaped(struct dbuf *b, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, len;
	uint32_t cp;
	char esc[4];

	while (i < n) {
		len = utf8_seq_len(s + i, n - i);
		cp = len ? utf8_decode(s + i, len) : 0;
		if (len == 0 || unsafe_cp(cp)) {
			/* Controls, C1, bidi overrides: never raw. */
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hex[s[i] >> 4];
			esc[3] = hex[s[i] & 0xf];
			dbuf_add(b, esc, 4);
			i++;
			continue;
		}
		if (cp == '\\')
			dbuf_add(b, "\\\\", 2);
		else
			dbuf_add(b, s + i, len);
		i += len;
	}
}

bool
parse_ulong(
    const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (s == NULL || !ascii_isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool
parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	if (s == NULL || !ascii_isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return false;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	default:
		break;
	}
	if (shift != 0)
		end++;
	if (shift != 0 && (*end == 'b' || *end == 'B'))
		end++;
	if (*end != '\0' || v > (UINT64_MAX >> shift))
		return false;
	v <<= shift;
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}
