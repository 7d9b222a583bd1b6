/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of lib/base64: the strict decoder (SMTP AUTH), the
 * skipping one (RFC 2047 B words) and the stream (MIME bodies, read as
 * Python's binascii.a2b_base64 reads them).
 */
#include <stdio.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/util.h"

#include "check.h"

/* base64_decode() of in: the bytes as a string, or "(-1)". */
static void
expect_strict(int line, const char *in, const char *want)
{
	uint8_t out[256];
	char got[260];
	long n;

	n = base64_decode((const uint8_t *)in, strlen(in), out, sizeof(out));
	if (n < 0)
		snprintf(got, sizeof(got), "(-1)");
	else {
		memcpy(got, out, (size_t)n);
		got[n] = '\0';
	}
	check_str_at(__FILE__, line, in, got, want);
}

static void
test_strict(void)
{
	uint8_t out[4];

	expect_strict(__LINE__, "", "");
	expect_strict(__LINE__, "Zg==", "f");
	expect_strict(__LINE__, "Zm8=", "fo");
	expect_strict(__LINE__, "Zm9v", "foo");
	expect_strict(__LINE__, "Zm9vYmFy", "foobar");
	/* Padding is optional; any number of trailing '=' goes. */
	expect_strict(__LINE__, "Zg", "f");
	expect_strict(__LINE__, "Zm8", "fo");
	expect_strict(__LINE__, "Zg=====", "f");
	/* A lone sixth bit decodes to nothing. */
	expect_strict(__LINE__, "Z", "");
	expect_strict(__LINE__, "Zm9vY", "foo");
	/* Anything else is not base64: blanks, line ends, inner padding,
	 * the URL alphabet. */
	expect_strict(__LINE__, "Zm9v YmFy", "(-1)");
	expect_strict(__LINE__, "Zm9v\r\n", "(-1)");
	expect_strict(__LINE__, "Zg==Zg==", "(-1)");
	expect_strict(__LINE__, "Zm9-", "(-1)");
	expect_strict(__LINE__, "Zm9_", "(-1)");
	expect_strict(__LINE__, "+/+/", "\xfb\xff\xbf");
	/* AUTH PLAIN: NULs in the middle. */
	CHECK_INT(base64_decode((const uint8_t *)"AHVzZXIAcGFzcw==", 16, out,
		      sizeof(out)),
	    4);
	CHECK(memcmp(out, "\0use", 4) == 0);
	/* outmax cuts the output, not the count of what fitted. */
	CHECK_INT(base64_decode((const uint8_t *)"Zm9vYmFy", 8, out, 2), 2);
	CHECK(memcmp(out, "fo", 2) == 0);
}

static void
expect_skip(int line, const char *in, const char *want)
{
	struct dbuf b;

	dbuf_init(&b, 256);
	base64_decode_skip((const uint8_t *)in, strlen(in), &b);
	check_str_at(__FILE__, line, in, dbuf_str(&b), want);
	dbuf_free(&b);
}

static void
test_skip(void)
{
	expect_skip(__LINE__, "", "");
	expect_skip(__LINE__, "Zm9vYmFy", "foobar");
	expect_skip(__LINE__, "Zg==", "f");
	expect_skip(__LINE__, "Zm8", "fo");
	/* Every byte not of the alphabet is skipped, padding in the middle
	 * too: the decoding goes on across it. */
	expect_skip(__LINE__, "Zm 9v\r\nYm*Fy", "foobar");
	expect_skip(__LINE__, "Zg==Zm8=",
	    "f\x06"
	    "f");
	expect_skip(__LINE__, "====", "");
	expect_skip(__LINE__, "Z", "");
}

/* The stream's output, fed in pieces of step bytes. */
struct collect {
	char s[512];
	size_t n;
	unsigned calls;
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
	c->calls++;
}

static void
expect_stream(int line, const char *in, const char *want, bool bad)
{
	size_t n = strlen(in), step, i;
	struct base64_stream d;
	struct collect c;

	for (step = 1; step <= n + 1; step++) {
		memset(&c, 0, sizeof(c));
		base64_stream_init(&d);
		for (i = 0; i < n; i += step)
			base64_stream_feed(&d, (const uint8_t *)in + i,
			    n - i < step ? n - i : step, collect_out, &c);
		base64_stream_end(&d);
		if (!check_str_at(__FILE__, line, in, c.s, want) ||
		    !check_at(__FILE__, line, d.bad == bad,
			"%s (in pieces of %zu): bad %d, want %d", in, step,
			d.bad, bad))
			return;
	}
}

/* The large input's output, compared as it comes. */
static size_t big_at;
static bool big_same;

static void
big_out(void *arg, const uint8_t *p, size_t n)
{
	const char *want = arg;

	/* Handed out a chunk at a time, never more. */
	if (n > 4096 || memcmp(want + big_at, p, n) != 0)
		big_same = false;
	big_at += n;
}

static void
test_stream(void)
{
	char big[3 * 4096], in[4 * 4096 + 1];
	struct base64_stream d;
	struct collect c;
	size_t i;

	expect_stream(__LINE__, "", "", false);
	expect_stream(__LINE__, "Zm9vYmFy", "foobar", false);
	expect_stream(__LINE__, "Zm9v\r\nYmFy\r\n", "foobar", false);
	expect_stream(__LINE__, "Zm9v YmFy\t", "foobar", false);
	/* Padding: the end at the first complete one; what follows is bad
	 * unless blanks and line ends. */
	expect_stream(__LINE__, "Zg==", "f", false);
	expect_stream(__LINE__, "Zm8=", "fo", false);
	expect_stream(__LINE__, "Zg==\r\n", "f", false);
	expect_stream(__LINE__, "Zg==Zm8=", "f", true);
	expect_stream(__LINE__, "Zm8=\r\nx", "fo", true);
	/* Padding too early (quad 0 or 1) is skipped, and so is a lone '='
	 * of a quad that needs two. */
	expect_stream(__LINE__, "=Zm9v", "foo", false);
	expect_stream(__LINE__, "Z=m9v", "foo", false);
	expect_stream(__LINE__, "Zg=", "f", false);
	/* (The second "=" after a complete padding is past the end: bad.) */
	expect_stream(__LINE__, "Zg=x==", "f\x0c", true);
	expect_stream(__LINE__, "Zg=x=", "f\x0c", false);
	/* Invalid bytes: skipped, and bad. */
	expect_stream(__LINE__, "Zm9v*YmFy", "foobar", true);
	expect_stream(__LINE__, "Zm9-", "fo", true);
	expect_stream(__LINE__, "Zm9v\x80", "foo", true);
	/* Unpadded ends: 12 or 18 bits decode, six left over is bad. */
	expect_stream(__LINE__, "Zg", "f", false);
	expect_stream(__LINE__, "Zm8", "fo", false);
	expect_stream(__LINE__, "Zm9vY", "foo", true);
	expect_stream(__LINE__, "Z", "", true);
	/* More than one chunk out: handed out in pieces, none lost. */
	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	{
		static const char a[] =
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789+/";
		const uint8_t *u = (const uint8_t *)big;
		size_t o = 0;

		for (i = 0; i + 3 <= sizeof(big); i += 3) {
			in[o++] = a[u[i] >> 2];
			in[o++] = a[((u[i] & 3) << 4) | (u[i + 1] >> 4)];
			in[o++] = a[((u[i + 1] & 15) << 2) | (u[i + 2] >> 6)];
			in[o++] = a[u[i + 2] & 63];
		}
		in[o] = '\0';
	}
	memset(&c, 0, sizeof(c));
	big_at = 0;
	big_same = true;
	base64_stream_init(&d);
	base64_stream_feed(&d, (const uint8_t *)in, strlen(in), big_out, big);
	base64_stream_end(&d);
	CHECK(!d.bad);
	CHECK_UINT(big_at, sizeof(big));
	CHECK(big_same);
}

static void
test_value(void)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	int c, want;
	const char *p;

	for (c = 0; c < 256; c++) {
		p = c != 0 ? strchr(a, c) : NULL;
		want = p != NULL ? (int)(p - a) : -1;
		if (!CHECKF(base64_value((unsigned char)c) == want,
			"base64_value(0x%02x) = %d, want %d", c,
			base64_value((unsigned char)c), want))
			break;
	}
}

int
main(void)
{
	test_value();
	test_strict();
	test_skip();
	test_stream();
	return check_done("base64");
}
