/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of lib/qp: RFC 2047 Q words, and quoted-printable bodies
 * split anywhere, read as Python's binascii.a2b_qp reads them (the
 * expected outputs are its).
 */
#include <stdio.h>
#include <string.h>

#include "lib/qp.h"
#include "lib/util.h"

#include "check.h"

static void
expect_q(int line, const char *in, const char *want)
{
	struct dbuf b;

	dbuf_init(&b, 256);
	qp_decode_q((const uint8_t *)in, strlen(in), &b);
	check_str_at(__FILE__, line, in, dbuf_str(&b), want);
	dbuf_free(&b);
}

static void
test_q(void)
{
	expect_q(__LINE__, "", "");
	expect_q(__LINE__, "plain", "plain");
	expect_q(__LINE__, "a_b", "a b");
	expect_q(__LINE__, "caf=C3=A9", "caf\xc3\xa9");
	expect_q(__LINE__, "=3d=3D", "==");
	expect_q(__LINE__, "=5F_", "_ ");
	/* Not "=XX": kept as it is, and what follows read on. */
	expect_q(__LINE__, "=", "=");
	expect_q(__LINE__, "a=", "a=");
	expect_q(__LINE__, "=4", "=4");
	expect_q(__LINE__, "=4g", "=4g");
	expect_q(__LINE__, "=g4", "=g4");
	expect_q(__LINE__, "=_41", "= 41");
	expect_q(__LINE__, "==41", "=A");
	expect_q(__LINE__, "=4=41", "=4A");
}

struct collect {
	char s[256];
	size_t n;
};

static void
collect_out(void *arg, const uint8_t *p, size_t n)
{
	struct collect *c = arg;

	if (c->n + n < sizeof(c->s)) {
		memcpy(c->s + c->n, p, n);
		c->n += n;
	}
	c->s[c->n] = '\0';
}

/* A large output, compared as it comes. */
static size_t big_at;
static bool big_same;

static void
big_out(void *arg, const uint8_t *p, size_t n)
{
	const char *want = arg;

	if (big_at + n > 4096 + 2 || memcmp(want + big_at, p, n) != 0)
		big_same = false;
	big_at += n;
}

/* The stream on in, whole and in pieces of every size. */
static void
expect_stream(int line, const char *in, const char *want, bool bad)
{
	size_t n = strlen(in), step, i;
	struct qp_stream d;
	struct collect c;

	for (step = 1; step <= n + 1; step++) {
		memset(&c, 0, sizeof(c));
		qp_stream_init(&d);
		for (i = 0; i < n; i += step)
			qp_stream_feed(&d, (const uint8_t *)in + i,
			    n - i < step ? n - i : step, collect_out, &c);
		qp_stream_end(&d, collect_out, &c);
		if (!check_str_at(__FILE__, line, in, c.s, want) ||
		    !check_at(__FILE__, line, d.bad == bad,
			"%s (in pieces of %zu): bad %d, want %d", in, step,
			d.bad, bad))
			return;
	}
}

static void
test_stream(void)
{
	static char in[3 * 4096 + 1], want[4096 + 2] = { 0 };
	struct qp_stream d;
	size_t i;

	expect_stream(__LINE__, "", "", false);
	expect_stream(__LINE__, "plain text\r\n", "plain text\r\n", false);
	expect_stream(__LINE__, "a=3Db", "a=b", false);
	expect_stream(__LINE__, "caf=c3=A9", "caf\xc3\xa9", false);
	/* '_' is no space here. */
	expect_stream(__LINE__, "a_b", "a_b", false);
	/* Soft line breaks: "=" LF and "=" CR LF. */
	expect_stream(__LINE__, "a=\r\nb=\nc", "abc", false);
	/* "=" CR: what follows up to the LF goes too. */
	expect_stream(__LINE__, "a=\rxyz\nb", "ab", false);
	/* '=' at the very end: a soft break, nothing. */
	expect_stream(__LINE__, "a=", "a", false);
	expect_stream(__LINE__, "=", "", false);
	/* "=X" at the end: kept, bad. */
	expect_stream(__LINE__, "a=4", "a=4", true);
	/* Invalid hex: kept as it is, bad. */
	expect_stream(__LINE__, "=zz", "=zz", true);
	expect_stream(__LINE__, "=4x", "=4x", true);
	expect_stream(__LINE__, "=4=41", "=4A", true);
	expect_stream(__LINE__, "=4=", "=4", true);
	expect_stream(__LINE__, "= \r\n", "= \r\n", true);
	/* "==": one '=', bad. */
	expect_stream(__LINE__, "==41", "=41", true);
	/* Bytes pass as they are, NUL and 8-bit too. */
	expect_stream(__LINE__, "\x80\xff", "\x80\xff", false);
	/* Output over one chunk: all of it, in order. */
	for (i = 0; i < 4096; i++) {
		memcpy(in + 3 * i, i % 2 ? "=41" : "=62", 3);
		want[i] = i % 2 ? 'A' : 'b';
	}
	memcpy(want + 4096, "=4", 2);
	qp_stream_init(&d);
	big_at = 0;
	big_same = true;
	qp_stream_feed(&d, (const uint8_t *)in, 3 * 4096, big_out, want);
	CHECK(!d.bad);
	qp_stream_feed(&d, (const uint8_t *)"=4", 2, big_out, want);
	qp_stream_end(&d, big_out, want);
	CHECK(d.bad);
	CHECK_UINT(big_at, 4096 + 2);
	CHECK(big_same);
}

int
main(void)
{
	test_q();
	test_stream();
	return check_done("qp");
}
