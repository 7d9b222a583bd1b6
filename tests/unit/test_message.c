/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the message parser. Every test message is fed whole,
 * split in two at every byte offset and byte by byte: the parsed result,
 * written out as text, must be the same every time. The caps are tested
 * with messages far over them, fed in chunks, and with the memory the
 * parser holds measured.
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "smtp/message.h"

#include "check.h"

static int
streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void
base64_encode_into(struct dbuf *b, const uint8_t *s, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t v;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		dbuf_addc(b, tab[v >> 18]);
		dbuf_addc(b, tab[(v >> 12) & 63]);
		dbuf_addc(b, tab[(v >> 6) & 63]);
		dbuf_addc(b, tab[v & 63]);
	}
	if (n - i == 1) {
		v = (uint32_t)s[i] << 16;
		dbuf_addc(b, tab[v >> 18]);
		dbuf_addc(b, tab[(v >> 12) & 63]);
		dbuf_adds(b, "==");
	} else if (n - i == 2) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
		dbuf_addc(b, tab[v >> 18]);
		dbuf_addc(b, tab[(v >> 12) & 63]);
		dbuf_addc(b, tab[(v >> 6) & 63]);
		dbuf_addc(b, '=');
	}
}

static void
dump_str(struct dbuf *b, const char *name, const char *s)
{
	dbuf_printf(b, "%s=", name);
	if (s == NULL)
		dbuf_adds(b, "(null)");
	else
		text_append_escaped(b, (const uint8_t *)s, strlen(s));
	dbuf_addc(b, '\n');
}

/* Everything the parser found, as text. */
static char *
dump(const struct smtp_msg_info *mi)
{
	struct dbuf b;
	size_t i;

	dbuf_init(&b, 1 << 24);
	dump_str(&b, "date", mi->date);
	dump_str(&b, "from", mi->from);
	dump_str(&b, "to", mi->to);
	dump_str(&b, "cc", mi->cc);
	dump_str(&b, "reply_to", mi->reply_to);
	dump_str(&b, "msg_id", mi->msg_id);
	dump_str(&b, "in_reply_to", mi->in_reply_to);
	dump_str(&b, "subject", mi->subject);
	dump_str(&b, "subject_decoded", mi->subject_decoded);
	dbuf_printf(&b, "undecoded=%u\n", mi->subject_words_undecoded);
	dump_str(&b, "return_path", mi->return_path);
	dump_str(&b, "x_originating_ip", mi->x_originating_ip);
	dump_str(&b, "x_originating_ip_raw", mi->x_originating_ip_raw);
	dump_str(&b, "user_agent", mi->user_agent);
	dump_str(&b, "content_type", mi->content_type);
	for (i = 0; i < mi->nreceived; i++) {
		dump_str(&b, "received", mi->received[i]);
		dump_str(&b, " from", mi->received_parts[i].from);
		dump_str(&b, " by", mi->received_parts[i].by);
		dump_str(&b, " via", mi->received_parts[i].via);
		dump_str(&b, " with", mi->received_parts[i].with);
		dump_str(&b, " id", mi->received_parts[i].id);
		dump_str(&b, " for", mi->received_parts[i].for_);
		dump_str(&b, " date", mi->received_parts[i].date);
	}
	for (i = 0; i < mi->npath; i++)
		dump_str(&b, "path", mi->path[i]);
	dbuf_printf(&b,
	    "ua_xm=%d rdrop=%zu done=%d trunc=%d lines=%zu skipped=%zu "
	    "malformed=%zu hbytes=%llu vtrunc=%zu ltrunc=%zu size=%llu\n",
	    mi->user_agent_is_x_mailer, mi->received_dropped, mi->headers_done,
	    mi->headers_truncated, mi->header_lines, mi->headers_skipped,
	    mi->header_malformed, (unsigned long long)mi->header_bytes,
	    mi->values_truncated, mi->lines_truncated,
	    (unsigned long long)mi->size);
	dbuf_printf(&b, "dsn=%d part=%d unusable=%d ndsn=%zu dropped=%zu\n",
	    mi->is_dsn, mi->dsn_part_seen, mi->dsn_boundary_unusable, mi->ndsn,
	    mi->dsn_dropped);
	dump_str(&b, "reporting_mta", mi->dsn_reporting_mta);
	dump_str(&b, "arrival_date", mi->dsn_arrival_date);
	dump_str(&b, "returned_msg_id", mi->dsn_returned_msg_id);
	dump_str(&b, "returned_qid", mi->dsn_returned_qid);
	dump_str(&b, "returned_by", mi->dsn_returned_by);
	for (i = 0; i < mi->ndsn; i++) {
		dump_str(&b, " final", mi->dsn[i].final_recipient);
		dump_str(&b, " original", mi->dsn[i].original_recipient);
		dump_str(&b, " action", mi->dsn[i].action);
		dump_str(&b, " status", mi->dsn[i].status);
		dump_str(&b, " diagnostic", mi->dsn[i].diagnostic);
		dump_str(&b, " remote_mta", mi->dsn[i].remote_mta);
	}
	dbuf_str(&b);
	return b.p;
}

/* Feed msg in chunks of `chunk` bytes, or split once at `at` when
 * chunk is 0; returns the dump. */
static char *
parse_dump(const char *msg, size_t len, size_t chunk, size_t at)
{
	struct msg_parser *p = msg_parser_new();
	const uint8_t *m = (const uint8_t *)msg;
	size_t i, n;
	char *d;

	if (chunk == 0) {
		msg_parser_feed(p, m, at);
		msg_parser_feed(p, m + at, len - at);
	} else {
		for (i = 0; i < len; i += n) {
			n = len - i < chunk ? len - i : chunk;
			msg_parser_feed(p, m + i, n);
		}
	}
	msg_parser_finish(p);
	d = dump(msg_parser_info(p));
	msg_parser_free(p);
	return d;
}

/*
 * Parse msg whole; then split at every offset and byte by byte, which
 * must give the same result. The caller frees the returned parser.
 */
static struct msg_parser *
parse_all_splits(const char *msg, size_t len)
{
	struct msg_parser *p = msg_parser_new();
	size_t at, bad = 0;
	char *whole, *d;

	msg_parser_feed(p, (const uint8_t *)msg, len);
	msg_parser_finish(p);
	whole = dump(msg_parser_info(p));
	for (at = 0; at <= len; at++) {
		d = parse_dump(msg, len, 0, at);
		if (strcmp(d, whole) != 0 && bad++ == 0)
			fprintf(stderr, "split at %zu differs:\n%s---\n%s", at,
			    d, whole);
		free(d);
	}
	d = parse_dump(msg, len, 1, 0);
	if (strcmp(d, whole) != 0 && bad++ == 0)
		fprintf(stderr, "byte by byte differs:\n%s---\n%s", d, whole);
	free(d);
	CHECK(bad == 0);
	free(whole);
	return p;
}

static const struct smtp_msg_info *
info_of(struct msg_parser *p)
{
	return msg_parser_info(p);
}

static void
test_ordinary(void)
{
	static const char msg[] =
	    "Received: from client.example.org (client.example.org "
	    "[192.0.2.10])\r\n"
	    "\tby mx.example.net (Postfix) with ESMTPS id 4Xyz;\r\n"
	    "\tSun, 22 Nov 2026 10:00:00 +0000 (UTC)\r\n"
	    "Received: from [10.0.0.5] (unknown [198.51.100.7])\r\n"
	    "\tby client.example.org with ESMTPSA; Sun, 22 Nov 2026\r\n"
	    "Received: from localhost (localhost [127.0.0.1])\r\n"
	    "\tby client.example.org; Sun, 22 Nov 2026\r\n"
	    "Received: from localhost (localhost [127.0.0.1])\r\n"
	    "\tby client.example.org; Sun, 22 Nov 2026\r\n"
	    "Received: by client.example.org (Postfix, from userid 0)\r\n"
	    "Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n"
	    "From: Alice <alice@example.org>\r\n"
	    "To: Bob <bob@example.net>, carol@example.net\r\n"
	    "Cc: dave@example.net\r\n"
	    "Reply-To: alice+replies@example.org\r\n"
	    "Message-ID: <abc.123@example.org>\r\n"
	    "In-Reply-To: <xyz.9@example.net>\r\n"
	    "Subject: Hello there\r\n"
	    "X-Originating-IP: [192.0.2.44]\r\n"
	    "User-Agent: Mutt/2.2.12\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "\r\n"
	    "Hi Bob,\r\n"
	    "Subject: not a header\r\n";
	struct msg_parser *p = parse_all_splits(msg, sizeof(msg) - 1);
	const struct smtp_msg_info *mi = info_of(p);
	const char *body = strstr(msg, "\r\n\r\n") + 4;

	CHECK_STR(mi->date, "Sun, 22 Nov 2026 10:00:00 +0000");
	CHECK_STR(mi->from, "Alice <alice@example.org>");
	CHECK_STR(mi->to, "Bob <bob@example.net>, carol@example.net");
	CHECK_STR(mi->cc, "dave@example.net");
	CHECK_STR(mi->reply_to, "alice+replies@example.org");
	CHECK_STR(mi->msg_id, "<abc.123@example.org>");
	CHECK_STR(mi->in_reply_to, "<xyz.9@example.net>");
	CHECK_STR(mi->subject, "Hello there");
	CHECK_STR(mi->subject_decoded, "Hello there");
	CHECK_STR(mi->x_originating_ip, "192.0.2.44");
	CHECK_STR(mi->x_originating_ip_raw, "[192.0.2.44]");
	CHECK_STR(mi->user_agent, "Mutt/2.2.12");
	CHECK(!mi->user_agent_is_x_mailer);
	CHECK_STR(mi->content_type, "text/plain; charset=us-ascii");
	CHECK(mi->nreceived == 5);
	CHECK_STR(mi->received[0],
	    "from client.example.org (client.example.org [192.0.2.10])"
	    "\tby mx.example.net (Postfix) with ESMTPS id 4Xyz;"
	    "\tSun, 22 Nov 2026 10:00:00 +0000 (UTC)");
	CHECK_STR(mi->received[4],
	    "by client.example.org (Postfix, from "
	    "userid 0)");
	/* Header order; a hop repeated in a row counts once. */
	CHECK(mi->npath == 3);
	if (mi->npath == 3) {
		CHECK_STR(mi->path[0], "192.0.2.10");
		CHECK_STR(mi->path[1], "198.51.100.7");
		CHECK_STR(mi->path[2], "127.0.0.1");
	}
	CHECK(mi->headers_done);
	CHECK(!mi->headers_truncated);
	CHECK(mi->header_lines == 17);
	CHECK(mi->header_bytes == (uint64_t)(body - msg));
	CHECK(mi->size == sizeof(msg) - 1);
	CHECK(mi->values_truncated == 0 && mi->received_dropped == 0);
	CHECK(!mi->is_dsn && mi->ndsn == 0);
	msg_parser_free(p);
}

static void
test_folding_case_duplicates(void)
{
	static const char msg[] = "SUBJECT: first\r\n"
				  "  line two\r\n"
				  "\tline three  \r\n"
				  "subject: second subject\r\n"
				  "x-mailer: Foo Mailer 1.0\r\n"
				  "tO:\r\n"
				  " a@example.org,\r\n"
				  " b@example.org\r\n"
				  "FROM : old-style@example.org\r\n"
				  " continuation without a field is fine\r\n"
				  "no colon on this line\r\n"
				  "Message-Id: <one@x>\r\n"
				  "MESSAGE-ID: <two@x>\r\n"
				  "user-AGENT: Real UA\r\n"
				  "X-Mailer: Second Mailer\r\n"
				  "\r\n";
	struct msg_parser *p = parse_all_splits(msg, sizeof(msg) - 1);
	const struct smtp_msg_info *mi = info_of(p);

	/* RFC 5322 unfolding keeps the blanks of the folded lines. */
	CHECK_STR(mi->subject, "first  line two\tline three");
	CHECK_STR(mi->to, "a@example.org, b@example.org");
	CHECK_STR(mi->from,
	    "old-style@example.org continuation without a "
	    "field is fine");
	CHECK_STR(mi->msg_id, "<one@x>");
	CHECK_STR(mi->user_agent, "Real UA");
	CHECK(!mi->user_agent_is_x_mailer);
	CHECK(mi->header_malformed == 1);
	CHECK(mi->header_lines == 9);
	CHECK(mi->headers_done);
	msg_parser_free(p);
}

static void
test_x_mailer_only(void)
{
	static const char msg[] = "X-Mailer: Microsoft Outlook 16.0\r\n"
				  "X-Mailer: ignored\r\n"
				  "X-Originating-IP: not an address\r\n"
				  "\r\nbody";
	struct msg_parser *p = parse_all_splits(msg, sizeof(msg) - 1);
	const struct smtp_msg_info *mi = info_of(p);

	CHECK_STR(mi->user_agent, "Microsoft Outlook 16.0");
	CHECK(mi->user_agent_is_x_mailer);
	CHECK_STR(mi->x_originating_ip, NULL);
	CHECK_STR(mi->x_originating_ip_raw, "not an address");
	msg_parser_free(p);
}

static void
test_no_empty_line(void)
{
	static const char msg[] = "From: a@example.org\r\n"
				  "Subject: headers only\r\n"
				  " folded at the end";
	struct msg_parser *p = parse_all_splits(msg, sizeof(msg) - 1);
	const struct smtp_msg_info *mi = info_of(p);

	CHECK_STR(mi->from, "a@example.org");
	CHECK_STR(mi->subject, "headers only folded at the end");
	CHECK(!mi->headers_done);
	CHECK(mi->header_bytes == sizeof(msg) - 1);
	CHECK(mi->size == sizeof(msg) - 1);
	msg_parser_free(p);
}

static void
test_bare_lf(void)
{
	static const char msg[] = "From: a@example.org\n"
				  "Subject: bare\n"
				  "\tLF\r\n"
				  "To: b@example.org\n"
				  "\n"
				  "To: c@example.org\n";
	struct msg_parser *p = parse_all_splits(msg, sizeof(msg) - 1);
	const struct smtp_msg_info *mi = info_of(p);

	CHECK_STR(mi->from, "a@example.org");
	CHECK_STR(mi->subject, "bare\tLF");
	CHECK_STR(mi->to, "b@example.org");
	CHECK(mi->headers_done);
	CHECK(mi->header_bytes == (uint64_t)(strstr(msg, "\n\n") + 2 - msg));
	msg_parser_free(p);
}

struct decode_case {
	const char *in;
	const char *out;
	size_t words, undecoded;
};

static void
check_decode(const struct decode_case *c, const char *file, int line)
{
	struct dbuf out;
	size_t w, bad = 99;

	dbuf_init(&out, 1024);
	w = rfc2047_decode(c->in, strlen(c->in), &out, &bad);
	check_str_at(file, line, c->in, dbuf_str(&out), c->out);
	check_at(file, line, w == c->words && bad == c->undecoded,
	    "\"%s\": %zu decoded, %zu not; want %zu, %zu", c->in, w, bad,
	    c->words, c->undecoded);
	dbuf_free(&out);
}

static void
test_rfc2047(void)
{
	static const struct decode_case cases[] = {
		{ "=?UTF-8?B?Q2Fmw6k=?=", "Caf\xc3\xa9", 1, 0 },
		{ "=?utf-8?b?Q2Fmw6k?=", "Caf\xc3\xa9", 1, 0 }, /* no pad */
		{ "=?utf-8?q?Caf=C3=A9_au_lait?=", "Caf\xc3\xa9 au lait", 1,
		    0 },
		{ "=?ISO-8859-1?Q?Caf=E9?=", "Caf\xc3\xa9", 1, 0 },
		{ "=?iso-8859-1?b?Q2Fm6Q==?=", "Caf\xc3\xa9", 1, 0 },
		{ "=?latin1?q?=FF?=", "\xc3\xbf", 1, 0 },
		{ "=?iso-8859-1?q?=80?=", "\xc2\x80", 1, 0 }, /* a C1 control */
		{ "=?windows-1252?q?=80_=93x=94?=",
		    "\xe2\x82\xac \xe2\x80\x9cx\xe2\x80\x9d", 1, 0 },
		/* Undefined in windows-1252: iconv refuses it. */
		{ "=?windows-1252?q?=81?=", "=?windows-1252?q?=81?=", 0, 1 },
		{ "=?us-ascii?q?plain?=", "plain", 1, 0 },
		{ "=?us-ascii?q?=E9?=", "=?us-ascii?q?=E9?=", 0, 1 },
		{ "=?koi8-r?q?=C1?=", "\xd0\xb0", 1, 0 },
		{ "=?utf-8*en?q?lang?=", "lang", 1, 0 },
		{ "[=?utf-8?q?\?=]", "[]", 1, 0 }, /* empty */
		{ "[=?koi8-r?b?\?=]", "[]", 1, 0 },
		{ "=?UTF-8*en-US?Q?=C3=A9?=", "\xc3\xa9", 1, 0 },
		/* RFC 2047 section 8. */
		{ "(=?ISO-8859-1?Q?a?=)", "(a)", 1, 0 },
		{ "(=?ISO-8859-1?Q?a?= b)", "(a b)", 1, 0 },
		{ "(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)", 2, 0 },
		{ "(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)", 2, 0 },
		{ "(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)", 2,
		    0 },
		{ "(=?ISO-8859-1?Q?a_b?=)", "(a b)", 1, 0 },
		{ "(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)", 2, 0 },
		{ "a =?utf-8?q?b?= c", "a b c", 1, 0 },
		/* A character split over two words: joined, as Python
		 * does; B and Q words of one charset join too. */
		{ "=?utf-8?b?ww==?= =?utf-8?b?qQ==?=", "\xc3\xa9", 2, 0 },
		{ "=?utf-8?b?w6ni?= =?UTF-8?Q?=82=AC?=", "\xc3\xa9\xe2\x82\xac",
		    2, 0 },
		{ "=?utf-8?b?ww==?=", "=?utf-8?b?ww==?=", 0, 1 },
		/* One bad word in a run: the others are decoded alone. */
		{ "=?utf-8?q?a?= =?utf-8?q?=FF?= =?utf-8?q?b?=",
		    "a =?utf-8?q?=FF?= b", 2, 1 },
		/* Malformed words stay as they are and are counted. */
		{ "=?utf-8?x?abc?=", "=?utf-8?x?abc?=", 0, 1 },
		{ "=?utf-8?b?@@@@?=", "=?utf-8?b?@@@@?=", 0, 1 },
		{ "=?utf-8?b?Q?=", "=?utf-8?b?Q?=", 0, 1 },
		{ "=?utf-8?q?=ZZ?=", "=?utf-8?q?=ZZ?=", 0, 1 },
		{ "=?utf-8?q?a=?=", "=?utf-8?q?a=?=", 0, 1 },
		{ "=??q?a?=", "=??q?a?=", 0, 1 },
		{ "=?utf-8?x?a?= =?utf-8?q?b?=", "=?utf-8?x?a?= b", 1, 1 },
		{ "=?utf-8?q?a?= =?utf-8?x?b?=", "a =?utf-8?x?b?=", 1, 1 },
		/* A malformed word never swallows the next one. */
		{ "=?x?y=?utf-8?q?a?=", "=?x?ya", 1, 0 },
		{ "=?a?b?c=?utf-8?q?d?=?=", "=?a?b?cd?=", 1, 0 },
		/* Not shaped like an encoded word: plain text. */
		{ "=?utf-8?q?no end", "=?utf-8?q?no end", 0, 0 },
		{ "=?utf-8?q?sp ace?=", "=?utf-8?q?sp ace?=", 0, 0 },
		{ "=?", "=?", 0, 0 },
		{ "a=?b =?c", "a=?b =?c", 0, 0 },
		{ "", "", 0, 0 },
	};
	struct dbuf out;
	size_t i;

	for (i = 0; i < ARRAY_LEN(cases); i++)
		check_decode(&cases[i], __FILE__, __LINE__);
	/* The output cap holds. */
	dbuf_init(&out, 4);
	rfc2047_decode("=?utf-8?q?abcdef?=", 18, &out, NULL);
	CHECK(out.len == 4 && out.truncated);
	dbuf_free(&out);
	dbuf_init(&out, 4);
	rfc2047_decode("=?koi8-r?b?8NLJ18XU?=", 21, &out, NULL);
	CHECK(out.len == 4 && out.truncated &&
	    memcmp(out.p, "\xd0\x9f\xd1\x80", 4) == 0);
	dbuf_free(&out);
}

/* Charsets only iconv knows; each literal checked with Python 3
 * ("Привет".encode("koi8-r"), then base64). */
static void
test_rfc2047_iconv(void)
{
	static const struct decode_case cases[] = {
		{ "=?KOI8-R?B?8NLJ18XU?=",
		    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 1, 0 },
		{ "=?KOI8-R*ru?Q?=F0=D2=C9=D7=C5=D4?=",
		    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 1, 0 },
		{ "=?windows-1251?B?z/Do4uXy?=",
		    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 1, 0 },
		{ "=?ISO-2022-JP?B?GyRCJEskWyRzGyhC?=",
		    "\xe3\x81\xab\xe3\x81\xbb\xe3\x82\x93", 1, 0 },
		{ "=?GB2312?B?1tDOxA==?=", "\xe4\xb8\xad\xe6\x96\x87", 1, 0 },
		{ "=?GBK?B?1tDOxA==?=", "\xe4\xb8\xad\xe6\x96\x87", 1, 0 },
		{ "=?GB18030?B?1tDOxKLj?=",
		    "\xe4\xb8\xad\xe6\x96\x87\xe2\x82\xac", 1, 0 },
		{ "=?Big5?B?pKSk5Q==?=", "\xe4\xb8\xad\xe6\x96\x87", 1, 0 },
		{ "=?Shift_JIS?B?k/qWe4zq?=",
		    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 1, 0 },
		{ "=?EUC-JP?B?xvzL3Ljs?=",
		    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 1, 0 },
		/* The brief's x9GxucX+ is "한국퉜": 어 is BE EE. */
		{ "=?EUC-KR?B?x9Gxub7u?=",
		    "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4", 1, 0 },
		{ "=?ISO-8859-7?B?xevr5+3p6tw=?=",
		    "\xce\x95\xce\xbb\xce\xbb\xce\xb7\xce\xbd\xce\xb9\xce\xba"
		    "\xce\xac",
		    1, 0 },
		{ "=?iso-8859-2?q?Za=BF=F3=B3=E6?=",
		    "Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87", 1, 0 },
		{ "=?UTF-16?B?//6sIA==?=", "\xe2\x82\xac", 1, 0 },
		{ "=?UTF-16BE?B?IKwAeA==?=", "\xe2\x82\xacx", 1, 0 },
		/* Mixed with plain words and other charsets. */
		{ "Re: =?KOI8-R?B?8NLJ18XU?= and =?GB2312?B?1tDOxA==?= !",
		    "Re: \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 and "
		    "\xe4\xb8\xad\xe6\x96\x87 !",
		    2, 0 },
		{ "=?KOI8-R?B?8NLJ18XU?= =?GB2312?B?1tDOxA==?=",
		    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"
		    "\xe4\xb8\xad\xe6\x96\x87",
		    2, 0 },
		/* Split characters: Shift_JIS after three bytes, ISO-2022-JP
		 * in JIS X 0208 mode; joined as Python joins them. */
		{ "=?Shift_JIS?B?k/qW?= =?shift_jis?B?e4zq?=",
		    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 2, 0 },
		{ "=?ISO-2022-JP?B?GyRCJEs=?=\r\n "
		  "=?ISO-2022-JP?B?JFskcxsoQg==?=",
		    "\xe3\x81\xab\xe3\x81\xbb\xe3\x82\x93", 2, 0 },
		/* Unknown to iconv, or a name iconv would read options
		 * from: kept, blanks and all. */
		{ "=?X-NOPE?Q?abc?=", "=?X-NOPE?Q?abc?=", 0, 1 },
		{ "a =?X-NOPE?Q?abc?= =?utf-8?q?d?=", "a =?X-NOPE?Q?abc?= d", 1,
		    1 },
		{ "=?X-NOPE?Q?a?= =?x-nope?Q?b?=",
		    "=?X-NOPE?Q?a?= =?x-nope?Q?b?=", 0, 2 },
		{ "=?UTF-8//IGNORE?Q?a?=", "=?UTF-8//IGNORE?Q?a?=", 0, 1 },
		{ "=?UTF-8,TRANSLIT?Q?a?=", "=?UTF-8,TRANSLIT?Q?a?=", 0, 1 },
		/* Bytes invalid in their charset: nothing half converted. */
		{ "=?UTF-8?B?/w==?=", "=?UTF-8?B?/w==?=", 0, 1 },
		{ "=?UTF-8?B?QUJD/w==?=", "=?UTF-8?B?QUJD/w==?=", 0, 1 },
		{ "=?UTF-8?B?7aCA?=", "=?UTF-8?B?7aCA?=", 0, 1 }, /* D800 */
		{ "=?ISO-2022-JP?B?GyRC?=", "=?ISO-2022-JP?B?GyRC?=", 0, 1 },
		{ "=?ISO-2022-JP?B?GyRCJEs=?=", "=?ISO-2022-JP?B?GyRCJEs=?=", 0,
		    1 },
		{ "=?Shift_JIS?B?k/qW?=", "=?Shift_JIS?B?k/qW?=", 0, 1 },
		{ "=?GB2312?B?1tDO?=", "=?GB2312?B?1tDO?=", 0, 1 },
		/* A run left in JIS X 0208 does not leak into the next. */
		{ "=?ISO-2022-JP?B?GyRCJEs=?= x =?ISO-2022-JP?B?QUJD?=",
		    "=?ISO-2022-JP?B?GyRCJEs=?= x ABC", 1, 1 },
		{ "x =?KOI8-R?B?8NLJ18XU?= =?EUC-KR?B?/w==?= y",
		    "x \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 "
		    "=?EUC-KR?B?/w==?= y",
		    1, 1 },
		/* At most RFC2047_ICONV_MAX charsets go to iconv. */
		{ "=?koi8-r?q?=C1?==?koi8-u?q?=C1?==?cp1251?q?=E0?="
		  "=?iso-8859-5?q?=D0?==?cp866?q?=A0?=",
		    "\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0=?cp866?q?=A0?=", 4, 1 },
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(cases); i++)
		check_decode(&cases[i], __FILE__, __LINE__);
}

/* Each conversion starts from the initial state, whatever the last
 * one on a cached descriptor left; more charsets than the cache holds
 * still decode. */
static void
test_rfc2047_iconv_cache(void)
{
	static const struct decode_case cases[] = {
		{ "=?ISO-2022-JP?B?GyRCJEs=?=", "=?ISO-2022-JP?B?GyRCJEs=?=", 0,
		    1 },
		{ "=?ISO-2022-JP?B?QUJD?=", "ABC", 1, 0 },
		{ "=?Shift_JIS?B?k/qW?=", "=?Shift_JIS?B?k/qW?=", 0, 1 },
		{ "=?Shift_JIS?B?QUJD?=", "ABC", 1, 0 },
	};
	static const char *const names[] = { "koi8-r", "koi8-u", "cp1251",
		"iso-8859-5", "cp866", "iso-8859-2", "iso-8859-3", "iso-8859-4",
		"iso-8859-9", "iso-8859-10", "iso-8859-13", "iso-8859-14",
		"iso-8859-15", "iso-8859-16", "cp1250", "cp1253", "cp1254",
		"cp1257", "gbk", "big5", "euc-jp", "shift_jis", "euc-kr",
		"x-nope-1", "x-nope-2" };
	char in[128];
	struct dbuf out;
	size_t i, round, bad;

	for (i = 0; i < ARRAY_LEN(cases); i++)
		check_decode(&cases[i], __FILE__, __LINE__);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < ARRAY_LEN(names); i++) {
			snprintf(in, sizeof(in), "=?%s?q?A_b?=", names[i]);
			dbuf_init(&out, 64);
			CHECK(rfc2047_decode(in, strlen(in), &out, &bad) ==
			    (strncmp(names[i], "x-nope", 6) != 0));
			if (strncmp(names[i], "x-nope", 6) != 0)
				CHECK_STR(dbuf_str(&out), "A b");
			else
				CHECK_STR(dbuf_str(&out), in);
			dbuf_free(&out);
		}
	}
	msg_parser_release_spares();
	check_decode(&cases[1], __FILE__, __LINE__);
}

/*
 * The fast paths (UTF-8, US-ASCII, ISO-8859-1, windows-1252) against
 * iconv itself: every byte, every pair of bytes, and random strings,
 * the same output or the same refusal.
 */
static size_t
iconv_expect(iconv_t cd, const uint8_t *s, size_t n, char *out, size_t size)
{
	char *in = (char *)(uintptr_t)s, *o = out;
	size_t inleft = n, oleft = size;

	iconv(cd, NULL, NULL, NULL, NULL);
	if (iconv(cd, &in, &inleft, &o, &oleft) == (size_t)-1)
		return (size_t)-1;
	return size - oleft;
}

static bool
fast_path_agrees(iconv_t cd, const char *cs, const uint8_t *s, size_t n)
{
	char want[256], word[256];
	struct dbuf out, b64;
	size_t wlen, w, bad;
	bool ok;

	dbuf_init(&b64, 200);
	base64_encode_into(&b64, s, n);
	snprintf(word, sizeof(word), "=?%s?B?%s?=", cs, dbuf_str(&b64));
	dbuf_free(&b64);
	wlen = iconv_expect(cd, s, n, want, sizeof(want));
	dbuf_init(&out, 256);
	w = rfc2047_decode(word, strlen(word), &out, &bad);
	if (wlen == (size_t)-1)
		ok = w == 0 && bad == 1 && strcmp(dbuf_str(&out), word) == 0;
	else
		ok = w == 1 && bad == 0 && out.len == wlen &&
		    memcmp(out.p, want, wlen) == 0;
	if (!ok)
		fprintf(stderr, "%s: fast path differs from iconv\n", word);
	dbuf_free(&out);
	return ok;
}

static void
test_rfc2047_fast_paths(void)
{
	static const char *const names[] = { "utf-8", "UTF8", "us-ascii",
		"ASCII", "iso-8859-1", "latin1", "l1", "ibm819", "windows-1252",
		"cp1252" };
	uint8_t s[8];
	size_t i, a, b, n, bad = 0;
	iconv_t cd;

	for (i = 0; i < ARRAY_LEN(names); i++) {
		cd = iconv_open("UTF-8", names[i]);
		CHECK(cd != (iconv_t)-1);
		if (cd == (iconv_t)-1)
			continue;
		for (a = 0; a < 256; a++) {
			s[0] = (uint8_t)a;
			if (!fast_path_agrees(cd, names[i], s, 1))
				bad++;
			for (b = 0; b < 256 && i < 2; b++) {
				s[1] = (uint8_t)b;
				if (!fast_path_agrees(cd, names[i], s, 2))
					bad++;
			}
		}
		for (a = 0; a < 20000; a++) {
			n = 1 + rng() % sizeof(s);
			for (b = 0; b < n; b++)
				s[b] = (uint8_t)(rng() % 4 == 0
					? rng()
					: 0x80 + rng() % 0x78);
			if (!fast_path_agrees(cd, names[i], s, n))
				bad++;
		}
		iconv_close(cd);
		CHECK(bad == 0);
	}
}

static void
test_subject_decoded(void)
{
	static const char msg[] =
	    "Subject: =?UTF-8?B?SGVsbG8g8J+Qnw==?=\r\n"
	    " =?ISO-8859-1?Q?_caf=E9?= =?utf-8?q?bad?x?= end\r\n"
	    "\r\n";
	static const char msg2[] =
	    "Subject: Re: =?KOI8-R?B?8NLJ18XU?= =?X-NOPE?Q?abc?=\r\n"
	    " =?ISO-2022-JP?B?GyRCJEs=?=\r\n"
	    "\t=?ISO-2022-JP?B?JFskcxsoQg==?= =?UTF-8?B?/w==?=\r\n"
	    "\r\n";
	struct msg_parser *p = parse_all_splits(msg, sizeof(msg) - 1);
	const struct smtp_msg_info *mi = info_of(p);

	CHECK_STR(mi->subject,
	    "=?UTF-8?B?SGVsbG8g8J+Qnw==?= =?ISO-8859-1?Q?_"
	    "caf=E9?= =?utf-8?q?bad?x?= end");
	CHECK_STR(mi->subject_decoded,
	    "Hello \xf0\x9f\x90\x9f caf\xc3\xa9 =?utf-8?q?bad?x?= end");
	CHECK(mi->subject_words_undecoded == 1);
	msg_parser_free(p);

	p = parse_all_splits(msg2, sizeof(msg2) - 1);
	mi = info_of(p);
	CHECK_STR(mi->subject_decoded,
	    "Re: \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 "
	    "=?X-NOPE?Q?abc?= \xe3\x81\xab\xe3\x81\xbb\xe3\x82\x93 "
	    "=?UTF-8?B?/w==?=");
	CHECK(mi->subject_words_undecoded == 2);
	msg_parser_free(p);
}

struct received_case {
	const char *value;
	const char *ip; /* NULL: none */
};

static void
test_received_ip(void)
{
	static const struct received_case cases[] = {
		/* Postfix: "from helo (rdns [ip])". */
		{ "from mail.example.com (mail.example.com [192.0.2.1])\r\n"
		  "\tby mx.example.net (Postfix) with ESMTPS id X for <a@b>;"
		  " date",
		    "192.0.2.1" },
		/* A HELO address literal, then the address seen. */
		{ "from [10.0.0.1] (unknown [198.51.100.7]) by mx",
		    "198.51.100.7" },
		/* Exim: "from [ip] (helo=x)", "from rdns ([ip] helo=x)". */
		{ "from [203.0.113.5] (helo=[10.1.1.1]) by mx with esmtp",
		    "203.0.113.5" },
		{ "from host.example ([203.0.113.6] helo=foo.example)\r\n"
		  "\tby mx with esmtps (Exim 4.96)",
		    "203.0.113.6" },
		/* Exchange: the "by" host's address is not the sender's. */
		{ "from EX1.contoso.com (10.0.0.1) by EX2.contoso.com "
		  "(10.0.0.2) "
		  "with Microsoft SMTP Server id 15.1.2",
		    "10.0.0.1" },
		{ "from x (x [192.0.2.1]) by y ([198.51.100.2])", "192.0.2.1" },
		/* qmail. */
		{ "from unknown (HELO mail.example.com) (192.0.2.9)\r\n"
		  "  by mx.example.net with SMTP",
		    "192.0.2.9" },
		/* IPv6, written canonically. */
		{ "from mail.example ([IPv6:2001:DB8::1]) by mx",
		    "2001:db8::1" },
		{ "from x (x [2001:db8:0:0::25]) by y", "2001:db8::25" },
		{ "from x (x [::ffff:192.0.2.3]) by y", "::ffff:192.0.2.3" },
		/* No from clause, or no address in it. */
		{ "by mail.sender.test (Postfix, from userid 0) id X", NULL },
		{ "(qmail 1234 invoked from network); 1 Jan 2026", NULL },
		{ "from user by host with local (Exim 4.96)", NULL },
		{ "from x ([999.1.1.1]) by y", NULL },
		{ "from x (x [192.0.2.1", NULL },
		{ "from x (192.0.2.1 port 25) by y", NULL },
		{ "", NULL },
		{ "from", NULL },
		{ "FROM a ([192.0.2.77]);", "192.0.2.77" },
	};
	char ip[64];
	size_t i;
	bool ok;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		ok = msg_received_ip(
		    cases[i].value, strlen(cases[i].value), ip, sizeof(ip));
		CHECK_STR(ok ? ip : NULL, cases[i].ip);
	}
}

struct received_parts_case {
	const char *value;
	const char *from, *by, *via, *with, *id, *for_, *date;
};

/* Real Received fields of common MTAs, and odd ones. */
static const struct received_parts_case received_parts_cases[] = {
	/* Postfix. */
	{ "from client.example (client.example [192.0.2.1]) by "
	  "mx.example.org (Postfix) with ESMTPS id 4Wq2Xk1ZxVz9sGp for "
	  "<bob@example.net>; Tue, 1 Oct 2024 10:00:00 +0200 (CEST)",
	    "client.example (client.example [192.0.2.1])",
	    "mx.example.org (Postfix)", NULL, "ESMTPS", "4Wq2Xk1ZxVz9sGp",
	    "<bob@example.net>", "Tue, 1 Oct 2024 10:00:00 +0200 (CEST)" },
	/* Postfix with its TLS comment: "with" inside it is no clause. */
	{ "from client.example (client.example [192.0.2.1])\r\n"
	  "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 "
	  "bits)\r\n"
	  "\t key-exchange X25519 server-signature RSA-PSS (2048 bits) "
	  "server-digest SHA256)\r\n"
	  "\t(No client certificate requested)\r\n"
	  "\tby mx.example.org (Postfix) with ESMTPS id 4Wq2Xk1ZxVz9sGp\r\n"
	  "\tfor <bob@example.net>; Tue, 1 Oct 2024 10:00:00 +0200 (CEST)",
	    "client.example (client.example [192.0.2.1])"
	    "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 "
	    "bits)"
	    "\t key-exchange X25519 server-signature RSA-PSS (2048 bits) "
	    "server-digest SHA256)"
	    "\t(No client certificate requested)",
	    "mx.example.org (Postfix)", NULL, "ESMTPS", "4Wq2Xk1ZxVz9sGp",
	    "<bob@example.net>", "Tue, 1 Oct 2024 10:00:00 +0200 (CEST)" },
	/* Postfix, local submission. */
	{ "by mail.sender.test (Postfix, from userid 0)\r\n"
	  "\tid 57993A7236F; Sun, 22 Nov 2026 22:26:40 +0000 (UTC)",
	    NULL, "mail.sender.test (Postfix, from userid 0)", NULL, NULL,
	    "57993A7236F", NULL, "Sun, 22 Nov 2026 22:26:40 +0000 (UTC)" },
	/* Exim: its "tls" clause (RFC 8314) stays out of "with". */
	{ "from [10.0.0.5] (helo=client.example) by mail.example.org with "
	  "esmtpsa (TLS1.3) tls TLS_AES_256_GCM_SHA384 (Exim 4.96) "
	  "(envelope-from <alice@example.org>) id 1xa3AW-00051D-2E for "
	  "bob@example.net; Mon, 07 Oct 2024 12:00:00 +0000",
	    "[10.0.0.5] (helo=client.example)", "mail.example.org", NULL,
	    "esmtpsa (TLS1.3)", "1xa3AW-00051D-2E", "bob@example.net",
	    "Mon, 07 Oct 2024 12:00:00 +0000" },
	{ "from vger.kernel.org ([209.132.180.67])\r\n"
	  "\tby plane.gmane.org with esmtp (Exim 4.69)\r\n"
	  "\t(envelope-from <git-owner@vger.kernel.org>)\r\n"
	  "\tid 1YE4d2-0000SX-Ob\r\n"
	  "\tfor gcvg-git-2@plane.gmane.org; Thu, 22 Jan 2015 00:24:05 "
	  "+0100",
	    "vger.kernel.org ([209.132.180.67])", "plane.gmane.org", NULL,
	    "esmtp (Exim 4.69)"
	    "\t(envelope-from <git-owner@vger.kernel.org>)",
	    "1YE4d2-0000SX-Ob", "gcvg-git-2@plane.gmane.org",
	    "Thu, 22 Jan 2015 00:24:05 +0100" },
	/* Sendmail. */
	{ "from host.example (host.example [192.0.2.9]) by relay.example "
	  "(8.17.1/8.17.1) with ESMTP id 49ABCDEF012345 for "
	  "<u@example.net>; Mon, 7 Oct 2024 12:00:00 +0200",
	    "host.example (host.example [192.0.2.9])",
	    "relay.example (8.17.1/8.17.1)", NULL, "ESMTP", "49ABCDEF012345",
	    "<u@example.net>", "Mon, 7 Oct 2024 12:00:00 +0200" },
	{ "(from alice@localhost)\r\n"
	  "\tby host.example (8.17.1/8.17.1/Submit) id 497C0a1b012345;\r\n"
	  "\tMon, 7 Oct 2024 12:00:00 +0200",
	    NULL, "host.example (8.17.1/8.17.1/Submit)", NULL, NULL,
	    "497C0a1b012345", NULL, "Mon, 7 Oct 2024 12:00:00 +0200" },
	/* Gmail: no from clause. */
	{ "by 2002:a05:6000:1a8d:b0:37d:4f1b:361c with SMTP id "
	  "5b1f17b1804b1-42f584a3f8emr71234835e9.12;\r\n"
	  "        Mon, 07 Oct 2024 05:01:02 -0700 (PDT)",
	    NULL, "2002:a05:6000:1a8d:b0:37d:4f1b:361c", NULL, "SMTP",
	    "5b1f17b1804b1-42f584a3f8emr71234835e9.12", NULL,
	    "Mon, 07 Oct 2024 05:01:02 -0700 (PDT)" },
	{ "from mail-sor-f41.google.com (mail-sor-f41.google.com. "
	  "[209.85.220.41])\r\n"
	  "        by mx.google.com with SMTPS id "
	  "a640c23a62f3a-a99a80f2c3csor1234567866b.8\r\n"
	  "        for <bob@example.net>\r\n"
	  "        (Google Transport Security);\r\n"
	  "        Mon, 07 Oct 2024 05:01:03 -0700 (PDT)",
	    "mail-sor-f41.google.com (mail-sor-f41.google.com. "
	    "[209.85.220.41])",
	    "mx.google.com", NULL, "SMTPS",
	    "a640c23a62f3a-a99a80f2c3csor1234567866b.8",
	    "<bob@example.net>        (Google Transport Security)",
	    "Mon, 07 Oct 2024 05:01:03 -0700 (PDT)" },
	/* Microsoft: HTTPS, and "with" of several words, "via" after
	 * "id". */
	{ "from AM0PR01MB1234.eurprd01.prod.exchangelabs.com "
	  "(2603:10a6:208:10::15) by "
	  "AM9PR01MB5678.eurprd01.prod.exchangelabs.com with HTTPS; Mon, 7 "
	  "Oct 2024 12:00:00 +0000",
	    "AM0PR01MB1234.eurprd01.prod.exchangelabs.com "
	    "(2603:10a6:208:10::15)",
	    "AM9PR01MB5678.eurprd01.prod.exchangelabs.com", NULL, "HTTPS", NULL,
	    NULL, "Mon, 7 Oct 2024 12:00:00 +0000" },
	{ "from AS8PR04CA0123.eurprd04.prod.outlook.com "
	  "(2603:10a6:20b:127::8) by DB9PR01MB7654.eurprd01.prod.outlook.com "
	  "(2603:10a6:10:2d3::9) with Microsoft SMTP Server "
	  "(version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id "
	  "15.20.8026.20 via Frontend Transport; Mon, 7 Oct 2024 12:00:01 "
	  "+0000",
	    "AS8PR04CA0123.eurprd04.prod.outlook.com (2603:10a6:20b:127::8)",
	    "DB9PR01MB7654.eurprd01.prod.outlook.com (2603:10a6:10:2d3::9)",
	    "Frontend Transport",
	    "Microsoft SMTP Server (version=TLS1_2, "
	    "cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)",
	    "15.20.8026.20", NULL, "Mon, 7 Oct 2024 12:00:01 +0000" },
	{ "from mail pickup service by EX1.contoso.com with Microsoft "
	  "SMTPSVC; Mon, 7 Oct 2024 12:00:00 -0700",
	    "mail pickup service", "EX1.contoso.com", NULL, "Microsoft SMTPSVC",
	    NULL, NULL, "Mon, 7 Oct 2024 12:00:00 -0700" },
	/* OpenSMTPD. */
	{ "from client.example (client.example [192.0.2.3]) by "
	  "mx.example.org (OpenSMTPD) with ESMTPS id 2b5c1f0e "
	  "(TLSv1.3:TLS_AES_256_GCM_SHA384:256:NO) for <bob@example.net>; "
	  "Mon, 7 Oct 2024 12:00:00 +0200 (CEST)",
	    "client.example (client.example [192.0.2.3])",
	    "mx.example.org (OpenSMTPD)", NULL, "ESMTPS",
	    "2b5c1f0e (TLSv1.3:TLS_AES_256_GCM_SHA384:256:NO)",
	    "<bob@example.net>", "Mon, 7 Oct 2024 12:00:00 +0200 (CEST)" },
	/* qmail: a comment and a date. */
	{ "(qmail 12345 invoked by uid 1000); 7 Oct 2024 12:00:00 -0000", NULL,
	    NULL, NULL, NULL, NULL, NULL, "7 Oct 2024 12:00:00 -0000" },
	{ "from unknown (HELO client.example) (192.0.2.4)\r\n"
	  "  by mx.example.org with SMTP; 7 Oct 2024 12:00:00 -0000",
	    "unknown (HELO client.example) (192.0.2.4)", "mx.example.org", NULL,
	    "SMTP", NULL, NULL, "7 Oct 2024 12:00:00 -0000" },
	/* DragonFly's order: id before by. */
	{ "from rob (uid 1000) (envelope-from rob@rob-hp-laptop) id 22040c\r\n"
	  " by rob-hp-laptop (DragonFly Mail Agent v0.11);\r\n"
	  " Wed, 15 Jan 2020 09:43:35 -0600",
	    "rob (uid 1000) (envelope-from rob@rob-hp-laptop)",
	    "rob-hp-laptop (DragonFly Mail Agent v0.11)", NULL, NULL, "22040c",
	    NULL, "Wed, 15 Jan 2020 09:43:35 -0600" },
	/* RFC 821, and RFC 5321's via. */
	{ "from GHI.ARPA by JKL.ARPA ; 27 Oct 81 15:27:39 PST", "GHI.ARPA",
	    "JKL.ARPA", NULL, NULL, NULL, NULL, "27 Oct 81 15:27:39 PST" },
	{ "from a by b via UUCP with smtp id x; Mon, 7 Oct 2024 12:00:00 "
	  "+0000",
	    "a", "b", "UUCP", "smtp", "x", NULL,
	    "Mon, 7 Oct 2024 12:00:00 +0000" },
	{ "(majordomo@vger.kernel.org) by vger.kernel.org via listexpand\r\n"
	  "\tid S1752839AbbAUXYD (ORCPT <rfc822;gcvg-git-2@m.gmane.org>);\r\n"
	  "\tWed, 21 Jan 2015 18:24:03 -0500",
	    NULL, "vger.kernel.org", "listexpand", NULL,
	    "S1752839AbbAUXYD (ORCPT <rfc822;gcvg-git-2@m.gmane.org>)", NULL,
	    "Wed, 21 Jan 2015 18:24:03 -0500" },
	/* Keywords in any case; glued to a comment. */
	{ "FROM a(x) BY b(Postfix) With ESMTP ID 1 For <c>;d", "a(x)",
	    "b(Postfix)", NULL, "ESMTP", "1", "<c>", "d" },
	/* Keywords inside quoted strings and angle brackets. */
	{ "from \"by with\" by mx.example with ESMTP id 1A2B for "
	  "<\"with id; for\"@example.net>; Mon, 7 Oct 2024 12:00:00 +0000",
	    "\"by with\"", "mx.example", NULL, "ESMTP", "1A2B",
	    "<\"with id; for\"@example.net>",
	    "Mon, 7 Oct 2024 12:00:00 +0000" },
	{ "from a by b for \"x \\\" by y\"@example.net; date", "a", "b", NULL,
	    NULL, NULL, "\"x \\\" by y\"@example.net", "date" },
	/* The date is after the last ';' outside comments. */
	{ "from a by b; id x; Mon, 7 Oct 2024 (a; b)", "a", "b", NULL, NULL,
	    "x", NULL, "Mon, 7 Oct 2024 (a; b)" },
	{ "from a by b; c d; e", "a", "b; c d", NULL, NULL, NULL, NULL, "e" },
	{ "from a;by b", "a", NULL, NULL, NULL, NULL, NULL, "by b" },
	/* A clause named twice: the first kept, the repeat dropped. */
	{ "from a by b with c with d id e; f", "a", "b", NULL, "c", "e", NULL,
	    "f" },
	/* Malformed: no keywords, no date; empty clauses; unclosed. */
	{ "garbage without any clause words", NULL, NULL, NULL, NULL, NULL,
	    NULL, NULL },
	{ "from by  with ; ", NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "from a by b for <c; d", "a", "b", NULL, NULL, NULL, "<c", "d" },
	{ "from a by b for \"c; d", "a", "b", NULL, NULL, NULL, "\"c", "d" },
	{ "from a (b by c; d", "a (b by c; d", NULL, NULL, NULL, NULL, NULL,
	    NULL },
	{ "from", NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ ";", NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "", NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

static void
test_received_parts(void)
{
	const struct received_parts_case *c;
	const struct smtp_received *r;
	const struct smtp_msg_info *mi;
	struct msg_parser *p;
	struct dbuf m;
	size_t i;

	for (i = 0; i < ARRAY_LEN(received_parts_cases); i++) {
		c = &received_parts_cases[i];
		dbuf_init(&m, 8192);
		dbuf_printf(&m, "Received: %s\r\nSubject: x\r\n\r\n", c->value);
		p = parse_all_splits(m.p, m.len);
		mi = info_of(p);
		CHECK(mi->nreceived == 1);
		if (mi->nreceived == 1) {
			r = &mi->received_parts[0];
			CHECK_STR(r->from, c->from);
			CHECK_STR(r->by, c->by);
			CHECK_STR(r->via, c->via);
			CHECK_STR(r->with, c->with);
			CHECK_STR(r->id, c->id);
			CHECK_STR(r->for_, c->for_);
			CHECK_STR(r->date, c->date);
		}
		msg_parser_free(p);
		dbuf_free(&m);
	}
}

/* received_parts[] runs beside received[]; Return-Path is kept once. */
static void
test_received_parts_message(void)
{
	static const char msg[] =
	    "Return-Path: <bounces+123@lists.example.org>\r\n"
	    "Received: from mx.example.org (mx.example.org [192.0.2.20])\r\n"
	    "\tby mail.example.net (Postfix) with ESMTPS id 4Wq2Xk1ZxVz9sGp\r\n"
	    "\tfor <bob@example.net>; Tue, 1 Oct 2024 10:00:02 +0200 (CEST)\r\n"
	    "Received: (qmail 12345 invoked by uid 1000); 1 Oct 2024\r\n"
	    "Return-Path: <second@example.org>\r\n"
	    "Received: from [10.0.0.5] (helo=client.example)\r\n"
	    "\tby mx.example.org with esmtpsa (TLS1.3) tls\r\n"
	    "\tTLS_AES_256_GCM_SHA384 (Exim 4.96)\r\n"
	    "\t(envelope-from <alice@example.org>) id 1xa3AW-00051D-2E\r\n"
	    "\tfor bob@example.net; Tue, 01 Oct 2024 10:00:00 +0000\r\n"
	    "Subject: hi\r\n"
	    "\r\n"
	    "Received: from body (body [192.0.2.99]) by x; y\r\n";
	struct msg_parser *p = parse_all_splits(msg, sizeof(msg) - 1);
	const struct smtp_msg_info *mi = info_of(p);

	CHECK_STR(mi->return_path, "<bounces+123@lists.example.org>");
	CHECK(mi->nreceived == 3);
	if (mi->nreceived == 3) {
		CHECK_STR(mi->received_parts[0].from,
		    "mx.example.org (mx.example.org [192.0.2.20])");
		CHECK_STR(mi->received_parts[0].id, "4Wq2Xk1ZxVz9sGp");
		CHECK_STR(mi->received_parts[1].from, NULL);
		CHECK_STR(mi->received_parts[1].date, "1 Oct 2024");
		CHECK_STR(mi->received_parts[2].from,
		    "[10.0.0.5] (helo=client.example)");
		CHECK_STR(mi->received_parts[2].with, "esmtpsa (TLS1.3)");
		CHECK_STR(mi->received_parts[2].id, "1xa3AW-00051D-2E");
		CHECK_STR(mi->received_parts[2].for_, "bob@example.net");
		CHECK_STR(mi->received_parts[2].date,
		    "Tue, 01 Oct 2024 10:00:00 +0000");
	}
	CHECK(mi->npath == 2);
	msg_parser_free(p);
}

static void
test_return_path(void)
{
	static const char folded[] = "return-path:\r\n"
				     "  <a@example.org>  \r\n"
				     "\r\n";
	static const char none[] = "Subject: none\r\n\r\nReturn-Path: <x>\r\n";
	static const char null_path[] = "Return-Path: <>\r\n\r\n";
	struct msg_parser *p;

	p = parse_all_splits(folded, sizeof(folded) - 1);
	CHECK_STR(info_of(p)->return_path, "<a@example.org>");
	msg_parser_free(p);
	p = parse_all_splits(none, sizeof(none) - 1);
	CHECK_STR(info_of(p)->return_path, NULL);
	msg_parser_free(p);
	p = parse_all_splits(null_path, sizeof(null_path) - 1);
	CHECK_STR(info_of(p)->return_path, "<>");
	msg_parser_free(p);
}

/*
 * Parsers are reused from a free-list: one that held everything, freed
 * and taken again, must hold nothing of it (ASan builds keep no spares;
 * the plain build does, so this runs there).
 */
static void
test_reuse(void)
{
	static const char full[] =
	    "Return-Path: <a@example.org>\r\n"
	    "Received: from a (a [192.0.2.1]) by b with ESMTP id 1 for <c>; "
	    "d\r\n"
	    "Received: by b id 2; e\r\n"
	    "Subject: =?KOI8-R?B?8NLJ18XU?= =?X-NOPE?Q?a?=\r\n"
	    "From: a@example.org\r\n"
	    "\r\n";
	static const char empty[] = "X-Other: 1\r\n\r\n";
	struct msg_parser *p, *q;
	const struct smtp_msg_info *mi;
	size_t fresh, i;

	p = msg_parser_new();
	fresh = msg_parser_mem(p);
	msg_parser_free(p);
	for (i = 0; i < 20; i++) {
		p = msg_parser_new();
		CHECK(msg_parser_mem(p) == fresh);
		msg_parser_feed(p, (const uint8_t *)full, sizeof(full) - 1);
		msg_parser_finish(p);
		mi = msg_parser_info(p);
		CHECK(mi->nreceived == 2 && mi->subject_words_undecoded == 1);
		CHECK(
		    mi->nreceived == 2 && streq(mi->received_parts[1].id, "2"));
		CHECK(msg_parser_mem(p) > fresh);
		msg_parser_free(p);
		q = msg_parser_new();
		msg_parser_feed(q, (const uint8_t *)empty, sizeof(empty) - 1);
		msg_parser_finish(q);
		mi = msg_parser_info(q);
		CHECK(mi->nreceived == 0 && mi->npath == 0);
		CHECK(mi->return_path == NULL && mi->subject == NULL &&
		    mi->subject_decoded == NULL && mi->from == NULL);
		CHECK(mi->subject_words_undecoded == 0);
		CHECK(mi->received_parts != NULL);
		msg_parser_free(q);
	}
}

/*
 * A real bounce: postfix 3.7.11 (Debian), run in private namespaces,
 * sent a message to an unknown local user and to a domain whose MX
 * (postfix's own smtpd on 127.0.0.2) refused the recipient; the DSN was
 * taken from /var/mail/root, less the mbox "From " line and the three
 * fields local(8) adds at delivery, with the CRLFs of the wire.
 */
static const char postfix_bounce[] =
    "Received: by mail.sender.test (Postfix)\r\n"
    "\tid 714DCA72374; Sun, 22 Nov 2026 22:26:40 +0000 (UTC)\r\n"
    "Date: Sun, 22 Nov 2026 22:26:40 +0000 (UTC)\r\n"
    "From: Mail Delivery System <MAILER-DAEMON@mail.sender.test>\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\n"
    "To: root@localhost\r\n"
    "Auto-Submitted: auto-replied\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
    "\tboundary=\"57993A7236F.1795386400/mail.sender.test\"\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "Message-Id: <20261122222640.714DCA72374@mail.sender.test>\r\n"
    "\r\n"
    "This is a MIME-encapsulated message.\r\n"
    "\r\n"
    "--57993A7236F.1795386400/mail.sender.test\r\n"
    "Content-Description: Notification\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "This is the mail system at host mail.sender.test.\r\n"
    "\r\n"
    "I'm sorry to have to inform you that your message could not\r\n"
    "be delivered to one or more recipients. It's attached below.\r\n"
    "\r\n"
    "For further assistance, please send mail to postmaster.\r\n"
    "\r\n"
    "If you do so, please include this problem report. You can\r\n"
    "delete your own text from the attached returned message.\r\n"
    "\r\n"
    "                   The mail system\r\n"
    "\r\n"
    "<nobody-here@localhost>: unknown user: \"nobody-here\"\r\n"
    "\r\n"
    "<nosuchuser@example.test>: host 127.0.0.2[127.0.0.2] said: 5"
    "50 5.1.1\r\n"
    "    <nosuchuser@example.test>: Recipient address rejected: U"
    "ser unknown in\r\n"
    "    local recipient table (in reply to RCPT TO command)\r\n"
    "\r\n"
    "--57993A7236F.1795386400/mail.sender.test\r\n"
    "Content-Description: Delivery report\r\n"
    "Content-Type: message/delivery-status\r\n"
    "\r\n"
    "Reporting-MTA: dns; mail.sender.test\r\n"
    "X-Postfix-Queue-ID: 57993A7236F\r\n"
    "X-Postfix-Sender: rfc822; root@localhost\r\n"
    "Arrival-Date: Sun, 22 Nov 2026 22:26:40 +0000 (UTC)\r\n"
    "\r\n"
    "Final-Recipient: rfc822; nobody-here@localhost\r\n"
    "Original-Recipient: rfc822;nobody-here@localhost\r\n"
    "Action: failed\r\n"
    "Status: 5.1.1\r\n"
    "Diagnostic-Code: X-Postfix; unknown user: \"nobody-here\"\r\n"
    "\r\n"
    "Final-Recipient: rfc822; nosuchuser@example.test\r\n"
    "Original-Recipient: rfc822;nosuchuser@example.test\r\n"
    "Action: failed\r\n"
    "Status: 5.1.1\r\n"
    "Remote-MTA: dns; 127.0.0.2\r\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <nosuchuser@example.test>: "
    "Recipient address\r\n"
    "    rejected: User unknown in local recipient table\r\n"
    "\r\n"
    "--57993A7236F.1795386400/mail.sender.test\r\n"
    "Content-Description: Undelivered Message\r\n"
    "Content-Type: message/rfc822\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "Return-Path: <root@localhost>\r\n"
    "Received: by mail.sender.test (Postfix, from userid 0)\r\n"
    "\tid 57993A7236F; Sun, 22 Nov 2026 22:26:40 +0000 (UTC)\r\n"
    "From: Root <root@sender.test>\r\n"
    "To: nosuchuser@example.test\r\n"
    "Subject: =?UTF-8?Q?Caf=C3=A9_test?=\r\n"
    "Message-ID: <test.1@sender.test>\r\n"
    "Date: Sun, 22 Nov 2026 22:26:40 +0000 (UTC)\r\n"
    "\r\n"
    "Hello.\r\n"
    "\r\n"
    "--57993A7236F.1795386400/mail.sender.test--\r\n";

static void
test_postfix_bounce(void)
{
	struct msg_parser *p =
	    parse_all_splits(postfix_bounce, sizeof(postfix_bounce) - 1);
	const struct smtp_msg_info *mi = info_of(p);

	CHECK(mi->is_dsn);
	CHECK(mi->dsn_part_seen);
	CHECK_STR(mi->subject, "Undelivered Mail Returned to Sender");
	CHECK_STR(mi->from,
	    "Mail Delivery System <MAILER-DAEMON@mail.sender."
	    "test>");
	CHECK_STR(mi->to, "root@localhost");
	/* The returned message's own fields are not the bounce's. */
	CHECK_STR(mi->msg_id, "<20261122222640.714DCA72374@mail.sender.test>");
	CHECK_STR(mi->user_agent, NULL);
	CHECK(mi->nreceived == 1);
	CHECK(mi->npath == 0);
	CHECK_STR(mi->dsn_reporting_mta, "mail.sender.test");
	CHECK_STR(
	    mi->dsn_arrival_date, "Sun, 22 Nov 2026 22:26:40 +0000 (UTC)");
	CHECK(mi->ndsn == 2 && mi->dsn_dropped == 0);
	if (mi->ndsn == 2) {
		CHECK_STR(mi->dsn[0].final_recipient, "nobody-here@localhost");
		CHECK_STR(
		    mi->dsn[0].original_recipient, "nobody-here@localhost");
		CHECK_STR(mi->dsn[0].action, "failed");
		CHECK_STR(mi->dsn[0].status, "5.1.1");
		CHECK_STR(mi->dsn[0].diagnostic,
		    "X-Postfix; unknown user: \"nobody-here\"");
		CHECK_STR(mi->dsn[0].remote_mta, NULL);
		CHECK_STR(
		    mi->dsn[1].final_recipient, "nosuchuser@example.test");
		CHECK_STR(mi->dsn[1].action, "failed");
		CHECK_STR(mi->dsn[1].status, "5.1.1");
		CHECK_STR(mi->dsn[1].remote_mta, "127.0.0.2");
		CHECK_STR(mi->dsn[1].diagnostic,
		    "550 5.1.1 <nosuchuser@example.test>: Recipient address "
		    "rejected: User unknown in local recipient table");
	}
	CHECK(mi->size == sizeof(postfix_bounce) - 1);
	msg_parser_free(p);
}

/*
 * Written by hand after RFC 3464 section 6 and RFC 6533: folded and
 * upper-case parameters, an unquoted boundary, a line that only starts
 * like a boundary, padded boundary lines, no per-message group, several
 * blank lines between groups, and a returned message that is itself a
 * DSN with fields of its own.
 */
static const char hand_dsn[] =
    "Date: Thu, 7 Jul 1994 17:16:05 -0400\r\n"
    "From: Mail Delivery Subsystem <MAILER-DAEMON@CS.UTK.EDU>\r\n"
    "Message-Id: <199407072116.RAA14128@CS.UTK.EDU>\r\n"
    "Subject: Returned mail: Cannot send message for 5 days\r\n"
    "To: <owner-info-mime@cs.utk.edu>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: Multipart/Report;\r\n"
    "      REPORT-TYPE=\"Delivery-Status\" (a comment);\r\n"
    "\tBoundary=RAA14128.773615765-CS.UTK.EDU\r\n"
    "\r\n"
    "preamble\r\n"
    "--RAA14128.773615765-CS.UTK.EDU\r\n"
    "\r\n"
    "--RAA14128.773615765-CS.UTK.EDUnot-a-boundary\r\n"
    "Final-Recipient: rfc822; decoy@example.org\r\n"
    "\r\n"
    "--RAA14128.773615765-CS.UTK.EDU  \r\n"
    "content-type: message/global-delivery-status\r\n"
    "Content-Description: DSN\r\n"
    "\r\n"
    "Original-Recipient: rfc822;louisl@larry.slip.umd.edu\r\n"
    "Final-Recipient: RFC822; <louisl@larry.slip.umd.edu>\r\n"
    "Action: failed\r\n"
    "Status: 4.0.0\r\n"
    "Diagnostic-Code: SMTP; 426 connection timed out\r\n"
    "   with larry.slip.umd.edu.\r\n"
    "Last-Attempt-Date: Thu, 7 Jul 1994 17:15:49 -0400\r\n"
    "\r\n"
    "\r\n"
    "final-recipient: utf-8; \xd0\xb8\xd0\xb2\xd0\xb0\xd0\xbd@example.ru\r\n"
    "action: delayed\r\n"
    "status: 4.4.7 (delivery time expired)\r\n"
    "remote-mta: DNS; mx.example.ru\r\n"
    "X-Unknown: ignored\r\n"
    "\r\n"
    "Reporting-MTA: dns; cs.utk.edu\r\n"
    "--RAA14128.773615765-CS.UTK.EDU\r\n"
    "content-type: message/rfc822\r\n"
    "\r\n"
    "Subject: inner subject\r\n"
    "Message-ID: <inner@example.org>\r\n"
    "User-Agent: Inner/1.0\r\n"
    "Received: from inner ([192.0.2.99]) by inner\r\n"
    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
    " boundary=inner\r\n"
    "\r\n"
    "--inner\r\n"
    "Content-Type: message/delivery-status\r\n"
    "\r\n"
    "Final-Recipient: rfc822; inner@example.org\r\n"
    "Action: failed\r\n"
    "\r\n"
    "--inner--\r\n"
    "--RAA14128.773615765-CS.UTK.EDU--  \r\n"
    "epilogue\r\n";

/* An Exim-style DSN returning headers only (RET=HDRS): the top Received
 * field, folded, names the reporting MTA's queue id; the one below it
 * and the Message-ID of the DSN itself are not taken. */
static const char headers_dsn[] =
    "Message-Id: <E1dsn-0001@mx.remote.test>\r\n"
    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
    " boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "Received: from decoy by decoy with esmtp id DECOY\r\n"
    "--b1\r\n"
    "Content-Type: message/delivery-status\r\n"
    "\r\n"
    "Reporting-MTA: dns; mx.remote.test\r\n"
    "Original-Envelope-Id: T18-envid\r\n"
    "\r\n"
    "Action: failed\r\n"
    "Final-Recipient: rfc822;late@remote.test\r\n"
    "Status: 5.0.0\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/rfc822-headers\r\n"
    "\r\n"
    "Received: from relay.example.test ([127.0.0.2])\r\n"
    "\tby mx.remote.test with esmtp (Exim 4.96)\r\n"
    "\t(envelope-from <alice@origin.test>)\r\n"
    "\tid 1xaDpG-0005YJ-1F\r\n"
    "\tfor late@remote.test;\r\n"
    "\tSun, 06 Dec 2026 15:06:54 +0000\r\n"
    "Received: from client by relay.example.test (Postfix) with ESMTP id "
    "4C088AEA322\r\n"
    "Message-ID: <orig@origin.test>\r\n"
    "Subject: T18\r\n"
    "--b1--\r\n";

static void
test_headers_dsn(void)
{
	struct msg_parser *p =
	    parse_all_splits(headers_dsn, sizeof(headers_dsn) - 1);
	const struct smtp_msg_info *mi = info_of(p);

	CHECK(mi->is_dsn && mi->dsn_part_seen && mi->ndsn == 1);
	CHECK_STR(mi->msg_id, "<E1dsn-0001@mx.remote.test>");
	CHECK_STR(mi->dsn_envid, "T18-envid");
	CHECK_STR(mi->dsn_returned_msg_id, "<orig@origin.test>");
	CHECK_STR(mi->dsn_returned_qid, "1xaDpG-0005YJ-1F");
	CHECK_STR(mi->dsn_returned_by, "mx.remote.test");
	msg_parser_free(p);
}

static void
test_hand_dsn(void)
{
	struct msg_parser *p = parse_all_splits(hand_dsn, sizeof(hand_dsn) - 1);
	const struct smtp_msg_info *mi = info_of(p);

	CHECK(mi->is_dsn && mi->dsn_part_seen);
	CHECK_STR(mi->subject, "Returned mail: Cannot send message for 5 days");
	CHECK_STR(mi->msg_id, "<199407072116.RAA14128@CS.UTK.EDU>");
	CHECK_STR(mi->user_agent, NULL);
	CHECK(mi->nreceived == 0);
	CHECK_STR(mi->dsn_reporting_mta, "cs.utk.edu");
	/* The returned message's own fields, not the DSN's; its Received
	 * names no id. */
	CHECK_STR(mi->dsn_returned_msg_id, "<inner@example.org>");
	CHECK_STR(mi->dsn_returned_qid, NULL);
	CHECK_STR(mi->dsn_returned_by, "inner");
	CHECK_STR(mi->dsn_arrival_date, NULL);
	CHECK(mi->ndsn == 2);
	if (mi->ndsn == 2) {
		CHECK_STR(
		    mi->dsn[0].final_recipient, "louisl@larry.slip.umd.edu");
		CHECK_STR(
		    mi->dsn[0].original_recipient, "louisl@larry.slip.umd.edu");
		CHECK_STR(mi->dsn[0].action, "failed");
		CHECK_STR(mi->dsn[0].status, "4.0.0");
		CHECK_STR(mi->dsn[0].diagnostic,
		    "426 connection timed out with larry.slip.umd.edu.");
		CHECK_STR(mi->dsn[1].final_recipient,
		    "\xd0\xb8\xd0\xb2\xd0\xb0\xd0\xbd@example.ru");
		CHECK_STR(mi->dsn[1].action, "delayed");
		CHECK_STR(mi->dsn[1].status, "4.4.7 (delivery time expired)");
		CHECK_STR(mi->dsn[1].remote_mta, "mx.example.ru");
		CHECK_STR(mi->dsn[1].original_recipient, NULL);
	}
	msg_parser_free(p);
}

/* A message/rfc822 attachment of an ordinary message. */
static void
test_attached_message(void)
{
	static const char msg[] =
	    "From: forwarder@example.org\r\n"
	    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
	    "\r\n"
	    "--b1\r\n"
	    "Content-Type: text/plain\r\n"
	    "\r\n"
	    "See attached.\r\n"
	    "--b1\r\n"
	    "Content-Type: message/rfc822\r\n"
	    "\r\n"
	    "Subject: attached subject\r\n"
	    "From: original@example.net\r\n"
	    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
	    "Received: from evil ([203.0.113.66]) by x\r\n"
	    "X-Mailer: Attached/1.0\r\n"
	    "Content-Type: multipart/report; report-type=delivery-status;"
	    " boundary=b2\r\n"
	    "\r\n"
	    "--b2\r\n"
	    "Content-Type: message/delivery-status\r\n"
	    "\r\n"
	    "Final-Recipient: rfc822; x@example.net\r\n"
	    "Action: failed\r\n"
	    "\r\n"
	    "--b2--\r\n"
	    "--b1--\r\n";
	struct msg_parser *p = parse_all_splits(msg, sizeof(msg) - 1);
	const struct smtp_msg_info *mi = info_of(p);

	CHECK_STR(mi->from, "forwarder@example.org");
	CHECK_STR(mi->subject, NULL);
	CHECK_STR(mi->date, NULL);
	CHECK_STR(mi->user_agent, NULL);
	CHECK(mi->nreceived == 0 && mi->npath == 0);
	CHECK_STR(mi->content_type, "multipart/mixed; boundary=\"b1\"");
	CHECK(!mi->is_dsn && mi->ndsn == 0);
	CHECK(mi->header_lines == 2);
	msg_parser_free(p);
}

/* Content-Type forms that are not a DSN, or a DSN that cannot be
 * followed. */
static void
test_dsn_detection(void)
{
	static const struct {
		const char *ct;
		bool dsn, unusable;
	} cases[] = {
		{ "multipart/report; report-type=delivery-status; boundary=x",
		    true, false },
		{ "multipart/report;report-type=\"delivery-status\";"
		  "boundary=\"x y\"",
		    true, false },
		{ "multipart/report; report-type=disposition-notification; "
		  "boundary=x",
		    false, false },
		{ "multipart/mixed; report-type=delivery-status; boundary=x",
		    false, false },
		{ "multipart/report; boundary=x", false, false },
		{ "multipart/report; report-type=delivery-status", true, true },
		{ "multipart/report; x=\"; report-type=foo\"; "
		  "report-type=delivery-status; boundary=x",
		    true, false },
	};
	struct msg_parser *p;
	const struct smtp_msg_info *mi;
	struct dbuf m;
	size_t i;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		dbuf_init(&m, 4096);
		dbuf_printf(&m, "Content-Type: %s\r\n\r\n", cases[i].ct);
		p = parse_all_splits(m.p, m.len);
		mi = msg_parser_info(p);
		CHECK(mi->is_dsn == cases[i].dsn);
		CHECK(mi->dsn_boundary_unusable == cases[i].unusable);
		msg_parser_free(p);
		dbuf_free(&m);
	}
}

/* Feed m in chunks of `chunk` bytes, tracking the most memory held. */
static struct msg_parser *
feed_chunks(const char *m, size_t len, size_t chunk, size_t *peak)
{
	struct msg_parser *p = msg_parser_new();
	size_t i, n, mem;

	*peak = 0;
	for (i = 0; i < len; i += n) {
		n = len - i < chunk ? len - i : chunk;
		msg_parser_feed(p, (const uint8_t *)m + i, n);
		mem = msg_parser_mem(p);
		if (mem > *peak)
			*peak = mem;
	}
	msg_parser_finish(p);
	return p;
}

/* The same result for a few chunk sizes; returns the first parser. */
static struct msg_parser *
feed_compare(const char *m, size_t len, size_t *peak)
{
	static const size_t chunks[] = { 65536, 1, 7, 4093 };
	struct msg_parser *p, *q;
	char *d0, *d;
	size_t i, pk;

	p = feed_chunks(m, len, chunks[0], peak);
	d0 = dump(msg_parser_info(p));
	for (i = 1; i < ARRAY_LEN(chunks); i++) {
		q = feed_chunks(m, len, chunks[i], &pk);
		d = dump(msg_parser_info(q));
		CHECK(strcmp(d, d0) == 0);
		if (pk > *peak)
			*peak = pk;
		free(d);
		msg_parser_free(q);
	}
	free(d0);
	return p;
}

/* Bounded: the fixed part, the kept values, a little slack. */
#define MEM_BOUND (64 * 1024)

static void
test_cap_many_headers(void)
{
	struct msg_parser *p;
	const struct smtp_msg_info *mi;
	struct dbuf m;
	size_t i, j, peak;

	dbuf_init(&m, 1 << 24);
	for (i = 0; i < 100000; i++)
		dbuf_adds(&m, "X-H: v\r\n");
	dbuf_adds(&m, "Subject: late\r\n\r\nbody\r\n");
	p = feed_compare(m.p, m.len, &peak);
	mi = msg_parser_info(p);
	CHECK(mi->header_lines == 100001);
	CHECK(mi->headers_skipped == 100001 - MSG_HEADERS_MAX);
	CHECK(mi->headers_truncated);
	CHECK(mi->headers_done);
	CHECK_STR(mi->subject, NULL);
	CHECK(mi->header_bytes == m.len - 6);
	CHECK(peak < MEM_BOUND);
	msg_parser_free(p);

	/* Received: 64 kept, the rest of the first 1000 counted. */
	dbuf_reset(&m);
	for (i = 0; i < 100000; i++)
		dbuf_adds(&m, "Received: from a ([192.0.2.1]) by b\r\n");
	dbuf_adds(&m, "\r\n");
	p = feed_compare(m.p, m.len, &peak);
	mi = msg_parser_info(p);
	CHECK(mi->nreceived == MSG_RECEIVED_MAX);
	CHECK(mi->received_dropped == MSG_HEADERS_MAX - MSG_RECEIVED_MAX);
	CHECK(mi->npath == 1);
	CHECK(mi->headers_truncated);
	CHECK(peak < MEM_BOUND);
	CHECK(mi->nreceived > 0 && streq(mi->received_parts[63].by, "b"));
	msg_parser_free(p);

	/* Received fields near the value cap, as many as the header byte
	 * cap lets in: each kept whole and in parts, and no more. */
	dbuf_reset(&m);
	for (i = 0; i < 80; i++) {
		dbuf_adds(&m, "Received: from a (");
		for (j = 0; j < 2020; j++)
			dbuf_addc(&m, (char)('a' + j % 26));
		dbuf_adds(&m, ")\r\n by b (");
		for (j = 0; j < 2020; j++)
			dbuf_addc(&m, 'b');
		dbuf_adds(&m, ") with c id d for <e>; f\r\n");
	}
	dbuf_adds(&m, "\r\n");
	p = feed_compare(m.p, m.len, &peak);
	mi = msg_parser_info(p);
	CHECK(mi->nreceived == MSG_RECEIVED_MAX);
	CHECK(mi->received_dropped == 1 && mi->headers_truncated);
	CHECK(mi->nreceived > 0 && streq(mi->received_parts[63].for_, "<e>"));
	CHECK(mi->nreceived > 0 && mi->received_parts[63].by != NULL &&
	    strlen(mi->received_parts[63].by) == 2 + 2020 + 2);
	CHECK(peak > MSG_RECEIVED_MAX * 2 * (MSG_HEADER_VALUE_MAX - 20) &&
	    peak < MEM_BOUND + MSG_RECEIVED_MAX * 2 * MSG_HEADER_VALUE_MAX);
	msg_parser_free(p);

	/* Over MSG_HEADER_BYTES_MAX before MSG_HEADERS_MAX. */
	dbuf_reset(&m);
	for (i = 0; i < 300; i++) {
		dbuf_adds(&m, "X-Long: ");
		while (m.len % 1000 != 998)
			dbuf_addc(&m, 'a');
		dbuf_adds(&m, "\r\n");
	}
	dbuf_adds(&m, "Subject: after the cap\r\n\r\nbody");
	p = feed_compare(m.p, m.len, &peak);
	mi = msg_parser_info(p);
	CHECK(mi->headers_truncated && mi->headers_done);
	CHECK(mi->header_lines == 301);
	CHECK(mi->headers_skipped == 301 - (MSG_HEADER_BYTES_MAX + 999) / 1000);
	CHECK_STR(mi->subject, NULL);
	msg_parser_free(p);
	dbuf_free(&m);
}

static void
test_cap_long_line(void)
{
	struct msg_parser *p;
	const struct smtp_msg_info *mi;
	struct dbuf m;
	size_t i, peak;

	dbuf_init(&m, 1 << 24);
	dbuf_adds(&m, "To: early@example.org\r\nSubject: ");
	for (i = 0; i < (1u << 20); i++)
		dbuf_addc(&m, (char)('a' + i % 26));
	dbuf_adds(&m, "\r\nFrom: late@example.org\r\n\r\nbody\r\n");
	p = feed_compare(m.p, m.len, &peak);
	mi = msg_parser_info(p);
	CHECK_STR(mi->to, "early@example.org");
	CHECK(
	    mi->subject != NULL && strlen(mi->subject) == MSG_HEADER_VALUE_MAX);
	CHECK(mi->subject != NULL && strncmp(mi->subject, "abcdef", 6) == 0);
	CHECK(mi->subject_decoded != NULL &&
	    strlen(mi->subject_decoded) == MSG_HEADER_VALUE_MAX);
	CHECK(mi->values_truncated == 1);
	CHECK(mi->lines_truncated == 1);
	/* The long line passed MSG_HEADER_BYTES_MAX: later fields skipped. */
	CHECK_STR(mi->from, NULL);
	CHECK(mi->headers_truncated && mi->headers_done);
	CHECK(peak < MEM_BOUND);
	msg_parser_free(p);

	/* A 1 MB value made of folded lines. */
	dbuf_reset(&m);
	dbuf_adds(&m, "Subject: start\r\n");
	for (i = 0; i < 10000; i++)
		dbuf_adds(&m,
		    " 0123456789012345678901234567890123456789"
		    "01234567890123456789012345678901234567890"
		    "1234567\r\n");
	dbuf_adds(&m, "\r\n");
	p = feed_compare(m.p, m.len, &peak);
	mi = msg_parser_info(p);
	CHECK(
	    mi->subject != NULL && strlen(mi->subject) == MSG_HEADER_VALUE_MAX);
	CHECK(mi->values_truncated == 1 && mi->lines_truncated == 0);
	CHECK(peak < MEM_BOUND);
	msg_parser_free(p);
	dbuf_free(&m);
}

static void
test_cap_body(void)
{
	struct msg_parser *p;
	const struct smtp_msg_info *mi;
	struct dbuf m;
	size_t i, peak, hdr;

	/* 10 MB of an ordinary body. */
	dbuf_init(&m, 1 << 25);
	dbuf_adds(&m, "Subject: big\r\n\r\n");
	hdr = m.len;
	while (m.len < (10u << 20))
		dbuf_adds(&m,
		    "Lorem ipsum dolor sit amet, consectetur "
		    "adipiscing elit, sed do eiusmod tempor.\r\n");
	p = msg_parser_new();
	msg_parser_feed(p, (const uint8_t *)m.p, hdr);
	peak = msg_parser_mem(p);
	for (i = hdr; i < m.len; i += 65536)
		msg_parser_feed(p, (const uint8_t *)m.p + i,
		    m.len - i < 65536 ? m.len - i : 65536);
	msg_parser_finish(p);
	mi = msg_parser_info(p);
	CHECK(msg_parser_mem(p) == peak);
	CHECK(mi->size == m.len);
	CHECK(mi->header_bytes == hdr);
	CHECK_STR(mi->subject, "big");
	msg_parser_free(p);

	/* A DSN whose text part is 10 MB of lines then one 10 MB line. */
	dbuf_reset(&m);
	dbuf_adds(&m,
	    "Content-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"=_b\"\r\n\r\n"
	    "--=_b\r\nContent-Type: text/plain\r\n\r\n");
	while (m.len < (10u << 20))
		dbuf_adds(&m, "--=_ not the boundary, a line of text\r\n");
	for (i = 0; i < (10u << 20); i++)
		dbuf_addc(&m, 'x');
	dbuf_adds(&m,
	    "\r\n--=_b\r\nContent-Type: message/delivery-status\r\n"
	    "\r\nReporting-MTA: dns; mx.example.org\r\n\r\n"
	    "Final-Recipient: rfc822; a@example.org\r\n"
	    "Action: failed\r\nStatus: 5.0.0\r\n\r\n--=_b--\r\n");
	p = feed_compare(m.p, m.len, &peak);
	mi = msg_parser_info(p);
	CHECK(mi->is_dsn && mi->ndsn == 1);
	CHECK(mi->ndsn == 1 && streq(mi->dsn[0].status, "5.0.0"));
	CHECK(mi->lines_truncated == 1);
	CHECK(mi->size == m.len);
	CHECK(peak < MEM_BOUND);
	msg_parser_free(p);
	dbuf_free(&m);
}

static void
test_cap_dsn(void)
{
	struct msg_parser *p;
	const struct smtp_msg_info *mi;
	struct dbuf m;
	size_t i, peak;

	dbuf_init(&m, 1 << 24);
	dbuf_adds(&m,
	    "Content-Type: multipart/report; boundary=B; "
	    "report-type=delivery-status\r\n\r\n--B\r\n"
	    "Content-Type: message/delivery-status\r\n\r\n"
	    "Reporting-MTA: dns; mx.example.org\r\n");
	for (i = 0; i < 150; i++) {
		dbuf_printf(&m,
		    "\r\nFinal-Recipient: rfc822; u%zu@example.org\r\n"
		    "Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp;",
		    i);
		if (i == 0) {
			/* A 100 KB diagnostic, folded. */
			while (m.len < 100000)
				dbuf_adds(&m, " 550 no such user\r\n");
		} else
			dbuf_adds(&m, " 550 5.1.1 no\r\n");
	}
	dbuf_adds(&m, "\r\n--B--\r\n");
	p = feed_compare(m.p, m.len, &peak);
	mi = msg_parser_info(p);
	CHECK(mi->ndsn == MSG_DSN_RCPT_MAX);
	CHECK(mi->dsn_dropped == 150 - MSG_DSN_RCPT_MAX);
	CHECK(mi->ndsn > 0 && mi->dsn[0].diagnostic != NULL &&
	    strlen(mi->dsn[0].diagnostic) <= MSG_HEADER_VALUE_MAX);
	CHECK(mi->values_truncated == 1);
	CHECK(mi->ndsn > 99 &&
	    streq(mi->dsn[99].final_recipient, "u99@example.org"));
	CHECK(peak < MEM_BOUND);
	msg_parser_free(p);

	/* A boundary over MSG_BOUNDARY_MAX is not followed. */
	dbuf_reset(&m);
	dbuf_adds(&m,
	    "Content-Type: multipart/report; "
	    "report-type=delivery-status; boundary=");
	for (i = 0; i < MSG_BOUNDARY_MAX + 1; i++)
		dbuf_addc(&m, 'b');
	dbuf_adds(&m, "\r\n\r\n");
	p = feed_compare(m.p, m.len, &peak);
	mi = msg_parser_info(p);
	CHECK(mi->is_dsn && mi->dsn_boundary_unusable && !mi->dsn_part_seen);
	msg_parser_free(p);
	dbuf_free(&m);
}

static bool
part_ok(const char *s)
{
	return s == NULL || (s[0] != '\0' && strlen(s) <= MSG_HEADER_VALUE_MAX);
}

/* The caps hold whatever the input. */
static bool
invariants_hold(const struct smtp_msg_info *mi)
{
	size_t i;

	if (mi->nreceived > MSG_RECEIVED_MAX || mi->npath > mi->nreceived ||
	    mi->ndsn > MSG_DSN_RCPT_MAX)
		return false;
	if ((mi->subject != NULL &&
		strlen(mi->subject) > MSG_HEADER_VALUE_MAX) ||
	    (mi->subject_decoded != NULL &&
		strlen(mi->subject_decoded) > MSG_HEADER_VALUE_MAX))
		return false;
	for (i = 0; i < mi->ndsn; i++)
		if (mi->dsn[i].diagnostic != NULL &&
		    strlen(mi->dsn[i].diagnostic) > MSG_HEADER_VALUE_MAX)
			return false;
	for (i = 0; i < mi->nreceived; i++)
		if (!part_ok(mi->received_parts[i].from) ||
		    !part_ok(mi->received_parts[i].by) ||
		    !part_ok(mi->received_parts[i].via) ||
		    !part_ok(mi->received_parts[i].with) ||
		    !part_ok(mi->received_parts[i].id) ||
		    !part_ok(mi->received_parts[i].for_) ||
		    !part_ok(mi->received_parts[i].date))
			return false;
	if (mi->return_path != NULL &&
	    strlen(mi->return_path) > MSG_HEADER_VALUE_MAX)
		return false;
	return true;
}

/* Random bytes, and the real bounce with bytes changed: no crash, and
 * the result does not depend on where the chunks are cut. */
static void
test_fuzz(void)
{
	static const char alphabet[] = "\r\n\r\n:;=?-- \t[]()\"<>BQbq.0123"
				       "456789abcdefFromReceivedSubject";
	struct msg_parser *p;
	char buf[4096], *d0, *d;
	size_t i, j, n, len, bad = 0;

	for (i = 0; i < 3000; i++) {
		len = rng() % sizeof(buf);
		for (j = 0; j < len; j++)
			buf[j] = rng() % 3 == 0
			    ? (char)rng()
			    : alphabet[rng() % (sizeof(alphabet) - 1)];
		p = msg_parser_new();
		for (j = 0; j < len; j += n) {
			n = 1 + rng() % 300;
			if (n > len - j)
				n = len - j;
			msg_parser_feed(p, (const uint8_t *)buf + j, n);
		}
		msg_parser_finish(p);
		if (!invariants_hold(msg_parser_info(p)))
			bad++;
		msg_parser_free(p);
	}
	for (i = 0; i < 500; i++) {
		len = sizeof(postfix_bounce) - 1;
		memcpy(buf, postfix_bounce, len);
		for (j = 1 + rng() % 8; j > 0; j--)
			buf[rng() % len] = rng() % 2
			    ? (char)rng()
			    : alphabet[rng() % (sizeof(alphabet) - 1)];
		d0 = parse_dump(buf, len, 0, 0);
		d = parse_dump(buf, len, 0, rng() % (len + 1));
		if (strcmp(d, d0) != 0)
			bad++;
		free(d);
		d = parse_dump(buf, len, 1 + rng() % 64, 0);
		if (strcmp(d, d0) != 0)
			bad++;
		free(d);
		free(d0);
	}
	CHECK(bad == 0);
}

/* Token soup for the encoded words and the Received clauses: no crash,
 * the caps hold, the same result however the message is cut. */
static void
test_fuzz_tokens(void)
{
	static const char *const tokens[] = { "=?", "?=", "?", "utf-8",
		"ISO-2022-JP", "koi8-r", "X-NOPE", "*en", "B", "Q", "q", " ",
		"\t", "\r\n ", "GyRC", "GyhC", "8NLJ", "/w==", "=C1", "=", "_",
		"(", ")", "\"", "\\", "<", ">", ";", "from", "by", "with", "id",
		"for", "via", "tls", "[", "]", "a", "0" };
	struct msg_parser *p;
	struct dbuf v, m, out;
	size_t i, j, n, bad = 0, undecoded;
	char *d0, *d;

	dbuf_init(&v, 8192);
	dbuf_init(&m, 16384);
	for (i = 0; i < 3000; i++) {
		dbuf_reset(&v);
		n = rng() % 200;
		for (j = 0; j < n; j++) {
			if (rng() % 16 == 0)
				dbuf_addc(&v, (char)(1 + rng() % 255));
			else
				dbuf_adds(
				    &v, tokens[rng() % ARRAY_LEN(tokens)]);
		}
		dbuf_init(&out, 256);
		rfc2047_decode(dbuf_str(&v), v.len, &out, &undecoded);
		if (out.len > 256)
			bad++;
		dbuf_free(&out);
		dbuf_reset(&m);
		dbuf_adds(&m, "Received: ");
		dbuf_add(&m, v.p, v.len);
		dbuf_adds(&m, "\r\nSubject: ");
		dbuf_add(&m, v.p, v.len);
		dbuf_adds(&m, "\r\n\r\n");
		p = msg_parser_new();
		msg_parser_feed(p, (const uint8_t *)m.p, m.len);
		msg_parser_finish(p);
		if (!invariants_hold(msg_parser_info(p)))
			bad++;
		msg_parser_free(p);
		d0 = parse_dump(m.p, m.len, 0, 0);
		d = parse_dump(m.p, m.len, 0, rng() % (m.len + 1));
		if (strcmp(d, d0) != 0)
			bad++;
		free(d);
		free(d0);
	}
	dbuf_free(&v);
	dbuf_free(&m);
	CHECK(bad == 0);
}

int
main(void)
{
	test_ordinary();
	test_folding_case_duplicates();
	test_x_mailer_only();
	test_no_empty_line();
	test_bare_lf();
	test_rfc2047();
	test_rfc2047_iconv();
	test_rfc2047_iconv_cache();
	test_rfc2047_fast_paths();
	test_subject_decoded();
	test_received_ip();
	test_received_parts();
	test_received_parts_message();
	test_return_path();
	test_reuse();
	test_postfix_bounce();
	test_hand_dsn();
	test_headers_dsn();
	test_attached_message();
	test_dsn_detection();
	test_cap_many_headers();
	test_cap_long_line();
	test_cap_body();
	test_cap_dsn();
	test_fuzz();
	test_fuzz_tokens();
	msg_parser_release_spares();
	CHECK_UINT(counted_bytes(), 0);
	return check_done("message");
}
