/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the escaping and capped buffers in util.c. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/util.h"

#include "check.h"

static void
expect_json(int line, const char *in, size_t n, const char *want)
{
	struct dbuf b;

	dbuf_init(&b, 1 << 16);
	json_append_str(&b, (const uint8_t *)in, n);
	check_str_at(__FILE__, line, "json", dbuf_str(&b), want);
	dbuf_free(&b);
}

static void
expect_text(int line, const char *in, size_t n, const char *want)
{
	struct dbuf b;

	dbuf_init(&b, 1 << 16);
	text_append_escaped(&b, (const uint8_t *)in, n);
	check_str_at(__FILE__, line, "text", dbuf_str(&b), want);
	dbuf_free(&b);
}

/* ascii_lower_copy() against a byte at a time: every byte value at
 * every place of strings of every length up to 40, and the cut. */
static void
test_lower_copy(void)
{
	char in[48], out[48], want[48];
	int bad = 0, c, n, at, k;

	for (n = 1; n <= 40; n++)
		for (at = 0; at < n; at++)
			for (c = 1; c < 256; c++) {
				for (k = 0; k < n; k++)
					in[k] = (char)('A' + (k * 7 + n) % 58);
				in[at] = (char)c;
				in[n] = '\0';
				for (k = 0; k < n; k++) {
					unsigned char u = (unsigned char)in[k];

					want[k] =
					    (char)(u >= 'A' && u <= 'Z' ? u + 32
									: u);
				}
				want[n] = '\0';
				ascii_lower_copy(in, out, sizeof(out));
				if (strcmp(out, want) != 0)
					bad++;
			}
	CHECKF(bad == 0, "ascii_lower_copy (%d differ)", bad);
	ascii_lower_copy("ABCDEFGHIJKLMNOPQRSTUVWXYZ@[]", out, 12);
	CHECK(strcmp(out, "abcdefghijk") == 0);
}

/* A string is written as it is, between quotes, exactly when each of
 * its bytes is plain (the check is eight bytes at a time): every byte
 * value at every place of strings up to 40 bytes long. */
static void
test_json_plain(void)
{
	char in[48], want[52];
	struct dbuf b;
	int bad = 0, c, n, at, k, plain;

	dbuf_init(&b, 256);
	for (n = 1; n <= 40; n++)
		for (at = 0; at < n; at++)
			for (c = 1; c < 256; c++) {
				for (k = 0; k < n; k++)
					in[k] = (char)(' ' + (k * 7 + n) % 95);
				for (k = 0; k < n; k++)
					if (in[k] == '"' || in[k] == '\\')
						in[k] = 'x';
				in[at] = (char)c;
				in[n] = '\0';
				plain = c >= 0x20 && c < 0x7f && c != '"' &&
				    c != '\\';
				snprintf(want, sizeof(want), "\"%s\"", in);
				dbuf_reset(&b);
				json_append_cstr(&b, in);
				if ((b.len == (size_t)n + 2 &&
					memcmp(b.p, want, b.len) == 0) !=
				    (plain != 0))
					bad++;
			}
	CHECKF(
	    bad == 0, "JSON strings written raw when plain (%d differ)", bad);
	dbuf_free(&b);
}

/* json_append_member() against the key added and the string after it
 * (json_append_cstr()): keys of every length up to 40, plain strings and
 * strings to escape, in buffers cut at every length up to the whole. */
static void
test_json_member(void)
{
	static const char *const vals[] = { "", "a", "ok", "2.1.5",
		"End data with <CR><LF>.<CR><LF>", "a\"b", "tab\there",
		"\xc3\xa9t\xc3\xa9", "\xff bad", "x\x7f" };
	char key[48], dst[48];
	struct dbuf got, want;
	int bad = 0, badcopy = 0;
	size_t k, v, max, i;

	for (k = 0; k < sizeof(key); k++)
		key[k] = (char)('a' + k % 26);
	/* copy_short(): every length, nothing written past it. */
	for (k = 0; k <= 40; k++) {
		memset(dst, '#', sizeof(dst));
		copy_short(dst, key, k);
		for (i = 0; i < sizeof(dst); i++)
			if (dst[i] != (i < k ? key[i] : '#'))
				badcopy++;
	}
	for (k = 1; k <= 40; k++)
		for (v = 0; v < ARRAY_LEN(vals); v++)
			for (max = 1; max <= k + 3 * strlen(vals[v]) + 16;
			     max++) {
				dbuf_init(&got, max);
				dbuf_init(&want, max);
				json_append_member(&got, key, k, vals[v]);
				dbuf_add(&want, key, k);
				json_append_cstr(&want, vals[v]);
				if (got.len != want.len ||
				    got.truncated != want.truncated ||
				    memcmp(got.p, want.p, got.len) != 0)
					bad++;
				dbuf_free(&got);
				dbuf_free(&want);
			}
	CHECKF(badcopy == 0, "copy_short (%d bytes differ)", badcopy);
	CHECKF(bad == 0, "json_append_member (%d differ)", bad);
}

int
main(void)
{
	struct dbuf b;
	unsigned long v;
	int i;

	test_lower_copy();
	test_json_plain();
	test_json_member();
	expect_json(__LINE__, "plain", 5, "\"plain\"");
	expect_json(__LINE__, "q\"b\\", 4, "\"q\\\"b\\\\\"");
	expect_json(__LINE__, "a\r\nb\t", 5, "\"a\\r\\nb\\t\"");
	expect_json(__LINE__, "\x1b[2J", 4, "\"\\u001b[2J\"");
	expect_json(__LINE__, "nul\0x", 5, "\"nul\\u0000x\"");
	expect_json(__LINE__, "\x7f", 1, "\"\\u007f\"");
	expect_json(__LINE__, "caf\xc3\xa9", 5, "\"caf\xc3\xa9\"");
	expect_json(__LINE__,
	    "\xc2\x9b"
	    "31m",
	    5, "\"\\u009b31m\""); /* C1 CSI */
	expect_json(__LINE__, "\xe2\x80\xa8", 3, "\"\\u2028\"");
	/* Bidirectional overrides and isolates: never raw (issue 11). */
	expect_json(__LINE__,
	    "\xe2\x80\xae"
	    "gpj.exe",
	    10, "\"\\u202egpj.exe\"");
	expect_json(__LINE__, "\xe2\x81\xa6x", 4, "\"\\u2066x\"");
	expect_json(
	    __LINE__, "\xe2\x80\xaf", 3, "\"\xe2\x80\xaf\""); /* U+202F: fine */
	expect_json(__LINE__, "\xff\xfe", 2, "\"\\\\xff\\\\xfe\"");
	expect_json(
	    __LINE__, "\xc0\xaf", 2, "\"\\\\xc0\\\\xaf\""); /* overlong */
	expect_json(__LINE__, "\xed\xa0\x80", 3,
	    "\"\\\\xed\\\\xa0\\\\x80\""); /* surrogate */
	expect_json(
	    __LINE__, "\xe2\x82", 2, "\"\\\\xe2\\\\x82\""); /* truncated */
	expect_json(__LINE__, "\xf0\x9f\x93\xa7", 4, "\"\xf0\x9f\x93\xa7\"");
	expect_text(
	    __LINE__, "ok \x1b]0;pwned\x07", 13, "ok \\x1b]0;pwned\\x07");
	expect_text(__LINE__, "back\\slash", 10, "back\\\\slash");
	expect_text(__LINE__,
	    "\xe2\x80\xae"
	    "evil",
	    7, "\\xe2\\x80\\xaeevil"); /* RLO */
	expect_text(__LINE__, "\xff", 1, "\\xff");

	dbuf_init(&b, 10);
	for (i = 0; i < 5; i++)
		dbuf_adds(&b, "abcd");
	CHECKF(b.len == 10 && b.truncated &&
		strcmp(dbuf_str(&b), "abcdabcdab") == 0,
	    "dbuf cap: len %zu", b.len);
	dbuf_free(&b);

	/* Numbers without printf, and the inline append at the cap. */
	dbuf_init(&b, 1 << 10);
	dbuf_add_u64(&b, 0);
	dbuf_addc(&b, ' ');
	dbuf_add_u64(&b, UINT64_MAX);
	dbuf_addc(&b, ' ');
	dbuf_add_i64(&b, INT64_MIN);
	dbuf_addc(&b, ' ');
	dbuf_add_i64(&b, -7);
	DBUF_LIT(&b, " lit");
	CHECK_STR(
	    dbuf_str(&b), "0 18446744073709551615 -9223372036854775808 -7 lit");
	dbuf_free(&b);
	dbuf_init(&b, 3);
	for (i = 0; i < 5; i++)
		dbuf_addc(&b, (char)('a' + i));
	CHECKF(b.len == 3 && b.truncated && strcmp(dbuf_str(&b), "abc") == 0 &&
		!dbuf_add_u64(&b, 12345) && b.len == 3,
	    "dbuf addc cap: len %zu", b.len);
	dbuf_free(&b);

	{
		/* The unchecked writers: the digits of every length and
		 * their boundaries, never more than their _MAX. */
		static const uint64_t nums[] = { 0, 9, 10, 99, 100, 9999, 10000,
			99999, 100000, 999999, 1000000, 4294967295u,
			4294967296u, 99999999999999999u, UINT64_MAX - 1,
			UINT64_MAX };
		static const double secs[] = { 0, 0.0000004, 0.0000005, 1.5,
			9.9999994, 9.9999996, 10, 99.25, 12345678.9,
			99999999.9999994, 100000000, 999999999.999999,
			1000000000.5, 1733500000.123456, 4294967295.999999,
			4294967296.0, 1e12, 1.8e13 };
		char out[64], want[64];
		size_t k;

		for (k = 0; k < ARRAY_LEN(nums); k++) {
			char *e;

			memset(out, '#', sizeof(out));
			e = u64_put(out, nums[k]);
			snprintf(want, sizeof(want), "%" PRIu64, nums[k]);
			CHECKF((size_t)(e - out) == strlen(want) &&
				(size_t)(e - out) <= U64_PUT_MAX &&
				memcmp(out, want, strlen(want)) == 0 &&
				out[e - out] == '#',
			    "u64_put %s", want);
		}
		for (k = 0; k < ARRAY_LEN(secs); k++) {
			uint64_t us = (uint64_t)(secs[k] * 1e6 + 0.5);
			char *e;

			memset(out, '#', sizeof(out));
			e = fixed6_put(out, secs[k]);
			snprintf(want, sizeof(want), "%" PRIu64 ".%06" PRIu64,
			    us / 1000000, us % 1000000);
			CHECKF((size_t)(e - out) == strlen(want) &&
				(size_t)(e - out) <= FIXED6_PUT_MAX &&
				memcmp(out, want, strlen(want)) == 0 &&
				out[e - out] == '#',
			    "fixed6_put %s", want);
		}
		/* At the cap: the number cut as any append is. */
		dbuf_init(&b, 20);
		DBUF_LIT(&b, "0123456789");
		dbuf_add_fixed6(&b, 1733500000.123456);
		CHECKF(b.len == 20 && b.truncated &&
			strcmp(dbuf_str(&b), "01234567891733500000") == 0,
		    "fixed6 cap: %s", dbuf_str(&b));
		dbuf_free(&b);
	}
	CHECKF(parse_ulong("65535", 1, 65535, &v) && v == 65535 &&
		!parse_ulong("65536", 1, 65535, &v) &&
		!parse_ulong("0", 1, 9, &v) && !parse_ulong("12x", 0, 99, &v) &&
		!parse_ulong("-1", 0, 99, &v) && !parse_ulong("", 0, 99, &v) &&
		!parse_ulong("99999999999999999999999", 0, 99, &v),
	    "parse_ulong");
	{
		uint64_t z;

		CHECKF(parse_size("64M", 1, UINT64_MAX, &z) && z == 64u << 20 &&
			parse_size("1g", 1, UINT64_MAX, &z) && z == 1u << 30 &&
			parse_size("512KiB", 1, UINT64_MAX, &z) == false &&
			parse_size("512KB", 1, UINT64_MAX, &z) &&
			z == 512u << 10 &&
			parse_size("4096", 1, UINT64_MAX, &z) && z == 4096 &&
			!parse_size("4096", 1, 4095, &z) &&
			!parse_size("", 0, 9, &z) &&
			!parse_size("1T", 0, 9, &z) &&
			!parse_size("-1M", 0, UINT64_MAX, &z) &&
			!parse_size("M", 0, UINT64_MAX, &z) &&
			!parse_size("17179869184G", 0, UINT64_MAX, &z) &&
			!parse_size("1M ", 0, UINT64_MAX, &z),
		    "parse_size");
	}
	{
		/* Counted memory: blocks and counted buffers in, all out. */
		size_t was = counted_bytes();
		char *p = cmalloc(100), *q = cstrdup("abc");
		struct dbuf d;

		dbuf_init_counted(&d, 1 << 20);
		dbuf_add(&d, "x", 1);
		p = crealloc(p, 5000);
		CHECKF(counted_bytes() >= was + 5000 + 4 + 2, "counted: %zu",
		    counted_bytes());
		dbuf_free(&d);
		dbuf_add(&d, "yy", 2); /* still counted after a free */
		dbuf_free(&d);
		cfree(p);
		cfree(q);
		CHECKF(counted_bytes() == was && d.counted,
		    "counted back: %zu, was %zu", counted_bytes(), was);
		/* A counted block keeps what it holds across crealloc(),
		 * and a calloc'd one starts zero. */
		p = ccalloc(3, 7);
		CHECK(p[0] == 0 && p[20] == 0);
		memcpy(p, "keep", 5);
		p = crealloc(p, 1 << 16);
		CHECK_STR(p, "keep");
		p = crealloc(p, 3);
		CHECK(memcmp(p, "kee", 3) == 0);
		cfree(p);
		cfree(NULL);
		CHECKF(counted_bytes() == was,
		    "counted back after realloc: %zu", counted_bytes());
	}
	{
		/* Aligned room in an arena, among unaligned strings; a block
		 * too small for it is left for a new one. */
		struct arena a;
		size_t was = counted_bytes();
		int k;

		arena_init(&a);
		for (k = 0; k < 200; k++) {
			char *s = arena_memdup0(&a, "abcd", (size_t)(k % 5));
			uint64_t *w = arena_alloc_aligned(
			    &a, (size_t)(k % 7 + 1) * 40, _Alignof(uint64_t));

			CHECKF(
			    ((uintptr_t)w & 7) == 0, "aligned: %p", (void *)w);
			memset(w, 0xab, (size_t)(k % 7 + 1) * 40);
			CHECKF(
			    strlen(s) == (size_t)(k % 5), "string %d kept", k);
		}
		arena_free(&a);
		CHECKF(
		    counted_bytes() == was, "arena back: %zu", counted_bytes());
	}
	return check_done("util");
}
