/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of zeekcompat.c: Zeek's escaping of log values
 * (zeek_escape(), which writes runs of plain bytes at once) against the
 * byte-at-a-time rule it implements, on every byte value, on UTF-8 good
 * and bad, and on random strings; and Zeek's email extraction on the
 * forms RCPT and MAIL arguments take.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/zeekcompat.h"

#include "check.h"

/* The rule, one byte at a time (LogAscii with enable_utf_8, and a comma
 * escaped in a set): what zeek_escape() must write. */
static void
escape_ref(struct dbuf *b, const uint8_t *u, size_t n, bool in_set)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, len;
	char e[4] = { '\\', 'x', 0, 0 };

	while (i < n) {
		if (u[i] >= 0x80 && (len = utf8_seq_len(u + i, n - i)) > 1 &&
		    !unsafe_cp(utf8_decode(u + i, len))) {
			dbuf_add(b, u + i, len);
			i += len;
			continue;
		}
		if (u[i] < 0x20 || u[i] >= 0x7f || u[i] == '\\' ||
		    (in_set && u[i] == ',')) {
			e[2] = hex[u[i] >> 4];
			e[3] = hex[u[i] & 0xf];
			dbuf_add(b, e, 4);
		} else
			dbuf_addc(b, (char)u[i]);
		i++;
	}
}

static bool
same_escape(int line, const uint8_t *s, size_t n, bool in_set)
{
	struct dbuf got, want;
	bool ok;

	dbuf_init(&got, 1 << 16);
	dbuf_init(&want, 1 << 16);
	zeek_escape(&got, (const char *)s, n, in_set);
	escape_ref(&want, s, n, in_set);
	ok = check_str_at(
	    __FILE__, line, "zeek_escape", dbuf_str(&got), dbuf_str(&want));
	dbuf_free(&got);
	dbuf_free(&want);
	return ok;
}

static void
expect_escape(int line, const char *in, bool in_set, const char *want)
{
	struct dbuf b;

	dbuf_init(&b, 1 << 16);
	zeek_escape(&b, in, strlen(in), in_set);
	check_str_at(__FILE__, line, "zeek_escape", dbuf_str(&b), want);
	dbuf_free(&b);
}

struct got {
	char v[8][128];
	int n;
};

static void
collect(void *arg, const char *a)
{
	struct got *g = arg;

	if (g->n < 8)
		snprintf(g->v[g->n++], sizeof(g->v[0]), "%s", a);
}

static void
expect_emails(int line, const char *in, const char *want)
{
	struct got g = { .n = 0 };
	char joined[1024] = "";
	int i;

	zeek_emails(in, collect, &g);
	for (i = 0; i < g.n; i++) {
		if (i > 0)
			strcat(joined, " ");
		strcat(joined, g.v[i]);
	}
	check_str_at(__FILE__, line, "zeek_emails", joined, want);
}

int
main(void)
{
	uint8_t s[64];
	unsigned seed = 12345;
	size_t i, n;
	int c;

	/* Every byte value alone and between plain text, in and out of a
	 * set. */
	for (c = 0; c < 256; c++) {
		s[0] = 'a';
		s[1] = (uint8_t)c;
		s[2] = 'b';
		same_escape(__LINE__, s + 1, 1, false);
		same_escape(__LINE__, s, 3, false);
		same_escape(__LINE__, s, 3, true);
	}
	expect_escape(
	    __LINE__, "plain text, commas", false, "plain text, commas");
	expect_escape(__LINE__, "a,b", true, "a\\x2cb");
	expect_escape(
	    __LINE__, "back\\slash\ttab", false, "back\\x5cslash\\x09tab");
	expect_escape(__LINE__, "caf\xc3\xa9", false, "caf\xc3\xa9");
	expect_escape(__LINE__, "bad \xc3 utf8", false, "bad \\xc3 utf8");
	/* U+202E (a bidirectional override) is never written raw. */
	expect_escape(__LINE__, "x\xe2\x80\xaey", false, "x\\xe2\\x80\\xaey");
	/* Random strings, mostly plain, with every kind of byte. */
	for (i = 0; i < 200000; i++) {
		n = (size_t)(i % sizeof(s));
		for (size_t k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			c = (int)(seed >> 16) & 0xff;
			s[k] =
			    (uint8_t)((seed >> 8) % 4 == 0 ? c
							   : 0x20 + c % 0x5f);
		}
		if (!same_escape(__LINE__, s, n, i % 2 == 0))
			break;
	}

	/* Zeek's email pattern on what RCPT and MAIL carry. */
	expect_emails(__LINE__, "TO:<bob@example.net>", "bob@example.net");
	expect_emails(
	    __LINE__, "FROM:<alice@example.org> SIZE=100", "alice@example.org");
	expect_emails(__LINE__, "TO:<a@x.example>,<b@y.example>",
	    "a@x.example b@y.example");
	expect_emails(
	    __LINE__, "TO: bob@example.net NOTIFY=NEVER", "bob@example.net");
	expect_emails(
	    __LINE__, "TO:<@relay.example:bob@example.net>", "bob@example.net");
	expect_emails(__LINE__, "TO:<postmaster>", "");
	expect_emails(__LINE__, "FROM:<>", "");
	return check_done("zeekcompat");
}
