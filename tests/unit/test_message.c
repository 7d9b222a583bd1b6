/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the message parser. Every test message is fed whole,
 * split in two at every byte offset and byte by byte: the parsed result,
 * written out as text, must be the same every time. The caps are tested
 * with messages far over them, fed in chunks, and with the memory the
 * parser holds measured.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/message.h"
#include "util.h"

static int passed, failed;

#define CHECK(cond) check((cond), #cond, __FILE__, __LINE__)

static void
check(int ok, const char *what, const char *file, int line)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	fprintf(stderr, "%s:%d: FAIL: %s\n", file, line, what);
}

static int
streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

#define CHECK_STR(got, want) check_str((got), (want), __FILE__, __LINE__)

static void
check_str(const char *got, const char *want, const char *file, int line)
{
	if (streq(got, want)) {
		passed++;
		return;
	}
	failed++;
	fprintf(stderr, "%s:%d: FAIL: got \"%s\", want \"%s\"\n", file, line,
	    got ? got : "(null)", want ? want : "(null)");
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
	dump_str(&b, "x_originating_ip", mi->x_originating_ip);
	dump_str(&b, "x_originating_ip_raw", mi->x_originating_ip_raw);
	dump_str(&b, "user_agent", mi->user_agent);
	dump_str(&b, "content_type", mi->content_type);
	for (i = 0; i < mi->nreceived; i++)
		dump_str(&b, "received", mi->received[i]);
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
	size_t words;
};

static void
test_rfc2047(void)
{
	static const struct decode_case cases[] = {
		{ "=?UTF-8?B?Q2Fmw6k=?=", "Caf\xc3\xa9", 1 },
		{ "=?utf-8?b?Q2Fmw6k?=", "Caf\xc3\xa9", 1 }, /* no padding */
		{ "=?utf-8?q?Caf=C3=A9_au_lait?=", "Caf\xc3\xa9 au lait", 1 },
		{ "=?ISO-8859-1?Q?Caf=E9?=", "Caf\xc3\xa9", 1 },
		{ "=?iso-8859-1?b?Q2Fm6Q==?=", "Caf\xc3\xa9", 1 },
		{ "=?latin1?q?=FF?=", "\xc3\xbf", 1 },
		{ "=?iso-8859-1?q?=80?=", "\xc2\x80", 1 }, /* a C1 control */
		{ "=?windows-1252?q?=80_=93x=94?=",
		    "\xe2\x82\xac \xe2\x80\x9cx\xe2\x80\x9d", 1 },
		{ "=?windows-1252?q?=81?=", "\xc2\x81", 1 }, /* undefined */
		{ "=?us-ascii?q?plain?=", "plain", 1 },
		{ "=?koi8-r?q?=C1?=", "\xc1", 1 }, /* bytes kept */
		{ "=?utf-8*en?q?lang?=", "lang", 1 },
		/* RFC 2047 section 8. */
		{ "(=?ISO-8859-1?Q?a?=)", "(a)", 1 },
		{ "(=?ISO-8859-1?Q?a?= b)", "(a b)", 1 },
		{ "(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)", 2 },
		{ "(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)", 2 },
		{ "(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)", 2 },
		{ "(=?ISO-8859-1?Q?a_b?=)", "(a b)", 1 },
		{ "(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)", 2 },
		{ "a =?utf-8?q?b?= c", "a b c", 1 },
		/* A character split over two words. */
		{ "=?utf-8?b?ww==?= =?utf-8?b?qQ==?=", "\xc3\xa9", 2 },
		/* Malformed words stay as they are. */
		{ "=?utf-8?x?abc?=", "=?utf-8?x?abc?=", 0 },
		{ "=?utf-8?b?@@@@?=", "=?utf-8?b?@@@@?=", 0 },
		{ "=?utf-8?b?Q?=", "=?utf-8?b?Q?=", 0 },
		{ "=?utf-8?q?=ZZ?=", "=?utf-8?q?=ZZ?=", 0 },
		{ "=?utf-8?q?a=?=", "=?utf-8?q?a=?=", 0 },
		{ "=?utf-8?q?no end", "=?utf-8?q?no end", 0 },
		{ "=??q?a?=", "=??q?a?=", 0 },
		{ "=?utf-8?q?sp ace?=", "=?utf-8?q?sp ace?=", 0 },
		{ "=?", "=?", 0 },
		{ "=?utf-8?x?a?= =?utf-8?q?b?=", "=?utf-8?x?a?= b", 1 },
		{ "=?utf-8?q?a?= =?utf-8?x?b?=", "a =?utf-8?x?b?=", 1 },
		{ "", "", 0 },
	};
	struct dbuf out;
	size_t i, w;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		dbuf_init(&out, 1024);
		w = rfc2047_decode(cases[i].in, strlen(cases[i].in), &out);
		CHECK_STR(dbuf_str(&out), cases[i].out);
		CHECK(w == cases[i].words);
		dbuf_free(&out);
	}
	/* The output cap holds. */
	dbuf_init(&out, 4);
	rfc2047_decode("=?utf-8?q?abcdef?=", 18, &out);
	CHECK(out.len == 4 && out.truncated);
	dbuf_free(&out);
}

static void
test_subject_decoded(void)
{
	static const char msg[] =
	    "Subject: =?UTF-8?B?SGVsbG8g8J+Qnw==?=\r\n"
	    " =?ISO-8859-1?Q?_caf=E9?= =?utf-8?q?bad?x?= end\r\n"
	    "\r\n";
	struct msg_parser *p = parse_all_splits(msg, sizeof(msg) - 1);
	const struct smtp_msg_info *mi = info_of(p);

	CHECK_STR(mi->subject,
	    "=?UTF-8?B?SGVsbG8g8J+Qnw==?= =?ISO-8859-1?Q?_"
	    "caf=E9?= =?utf-8?q?bad?x?= end");
	CHECK_STR(mi->subject_decoded,
	    "Hello \xf0\x9f\x90\x9f caf\xc3\xa9 =?utf-8?q?bad?x?= end");
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
	size_t i, peak;

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

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
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

int
main(void)
{
	test_ordinary();
	test_folding_case_duplicates();
	test_x_mailer_only();
	test_no_empty_line();
	test_bare_lf();
	test_rfc2047();
	test_subject_decoded();
	test_received_ip();
	test_postfix_bounce();
	test_hand_dsn();
	test_attached_message();
	test_dsn_detection();
	test_cap_many_headers();
	test_cap_long_line();
	test_cap_body();
	test_cap_dsn();
	test_fuzz();
	printf("message: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
