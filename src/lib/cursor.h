/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bounds-checked reader of untrusted bytes (STYLE.md, habit 9): the
 * decapsulation of packets (net/decap.c) and the TCP header, the TLS
 * hellos (smtp/tls.c). buf[0 .. len) may be read, off is the next byte,
 * and off <= len always holds. Multi-byte fields are in network
 * (big-endian) byte order, read a byte at a time.
 *
 * Every read checks the bytes left before it reads. One that would run
 * past the end reads nothing and moves nothing; a get, a skip or a sub
 * that fails also marks the cursor bad, and bad sticks: every read after
 * fails too (a value read is then 0). So a parser may check each read
 * and stop at the first that fails (decapsulation), or read a run of
 * fields and look at `bad` once (the TLS hellos). A peek only looks: it
 * fails on a bad cursor, and its failure marks nothing.
 *
 * Header only, each function always inlined, so that on the packet path a
 * read is a length check and a load (left to itself, the link-time
 * optimiser has made calls of the TCP header's peeks once the packet
 * path grew: 70 instructions a frame more).
 */
#ifndef SMTPSCOPE_CURSOR_H
#define SMTPSCOPE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cursor {
	const uint8_t *buf;
	size_t len;
	size_t off;
	bool bad; /* a read failed: every later one fails */
};

static inline __attribute__((always_inline)) void
cur_init(struct cursor *c, const uint8_t *buf, size_t len)
{
	c->buf = buf;
	c->len = len;
	c->off = 0;
	c->bad = false;
}

/* Bytes left after the position (0 once bad). */
static inline __attribute__((always_inline)) size_t
cur_left(const struct cursor *c)
{
	return c->bad ? 0 : c->len - c->off;
}

/* The position (buf + off: buf is not NULL). */
static inline __attribute__((always_inline)) const uint8_t *
cur_ptr(const struct cursor *c)
{
	return c->buf + c->off;
}

/* Are n bytes readable `at` bytes past the position? */
static inline __attribute__((always_inline)) bool
cur_has(const struct cursor *c, size_t at, size_t n)
{
	size_t left = c->len - c->off;

	return !c->bad && at <= left && n <= left - at;
}

/* Are n bytes readable at the position? If not, the cursor is bad. */
static inline __attribute__((always_inline)) bool
cur_need(struct cursor *c, size_t n)
{
	if (cur_has(c, 0, n))
		return true;
	c->bad = true;
	return false;
}

/* Peeks: the field `at` bytes past the position, which does not move. */
static inline __attribute__((always_inline)) bool
cur_peek8(const struct cursor *c, size_t at, uint8_t *v)
{
	if (!cur_has(c, at, 1))
		return false;
	*v = c->buf[c->off + at];
	return true;
}

static inline __attribute__((always_inline)) bool
cur_peek16(const struct cursor *c, size_t at, uint16_t *v)
{
	const uint8_t *p;

	if (!cur_has(c, at, 2))
		return false;
	p = c->buf + c->off + at;
	*v = (uint16_t)((unsigned)p[0] << 8 | p[1]);
	return true;
}

static inline __attribute__((always_inline)) bool
cur_peek32(const struct cursor *c, size_t at, uint32_t *v)
{
	const uint8_t *p;

	if (!cur_has(c, at, 4))
		return false;
	p = c->buf + c->off + at;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
	    (uint32_t)p[3];
	return true;
}

/* Gets: the field at the position, which moves past it. */
static inline __attribute__((always_inline)) bool
cur_skip(struct cursor *c, size_t n)
{
	if (!cur_need(c, n))
		return false;
	c->off += n;
	return true;
}

static inline __attribute__((always_inline)) bool
cur_get8(struct cursor *c, uint8_t *v)
{
	if (!cur_peek8(c, 0, v)) {
		c->bad = true;
		return false;
	}
	c->off += 1;
	return true;
}

static inline __attribute__((always_inline)) bool
cur_get16(struct cursor *c, uint16_t *v)
{
	if (!cur_peek16(c, 0, v)) {
		c->bad = true;
		return false;
	}
	c->off += 2;
	return true;
}

static inline __attribute__((always_inline)) bool
cur_get32(struct cursor *c, uint32_t *v)
{
	if (!cur_peek32(c, 0, v)) {
		c->bad = true;
		return false;
	}
	c->off += 4;
	return true;
}

/* The same as values, 0 when the read fails (then `bad` tells). */
static inline __attribute__((always_inline)) uint8_t
cur_u8(struct cursor *c)
{
	uint8_t v = 0;

	(void)cur_get8(c, &v);
	return v;
}

static inline __attribute__((always_inline)) uint16_t
cur_u16(struct cursor *c)
{
	uint16_t v = 0;

	(void)cur_get16(c, &v);
	return v;
}

static inline __attribute__((always_inline)) uint32_t
cur_u32(struct cursor *c)
{
	uint32_t v = 0;

	(void)cur_get32(c, &v);
	return v;
}

/* The next n bytes as a cursor of their own, and c past them; a bad
 * cursor (and c bad) when they are not there. */
static inline __attribute__((always_inline)) struct cursor
cur_sub(struct cursor *c, size_t n)
{
	struct cursor sub = { NULL, 0, 0, true };

	if (!cur_need(c, n))
		return sub;
	cur_init(&sub, cur_ptr(c), n);
	c->off += n;
	return sub;
}

#endif /* SMTPSCOPE_CURSOR_H */
