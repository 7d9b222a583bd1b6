/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of SMTP found by its content (src/net/content.c): greetings
 * and first client lines of real servers and clients, FTP, HTTP, TLS and
 * the like that must not be taken for SMTP, roles the other way round,
 * HTTP CONNECT tunnels, and the same exchanges cut at every length, which
 * must give "more" until they give the whole exchange's verdict.
 */
#include <stdio.h>
#include <string.h>

#include "net/content.h"

#include "check.h"

static enum content_verdict
judge(const char *a, const char *b, bool done, struct content_result *r)
{
	return content_classify((const uint8_t *)a, strlen(a), done,
	    (const uint8_t *)b, strlen(b), done, r);
}

#define VERDICT(a, b, done, want) \
	do { \
		struct content_result r_; \
		CHECK_STR(content_verdict_name(judge(a, b, done, &r_)), \
		    content_verdict_name(want)); \
	} while (0)

static void
test_smtp(void)
{
	struct content_result r;

	/* Greetings that name SMTP: enough alone. */
	VERDICT("", "220 mx.example.test ESMTP Postfix (Debian/GNU)\r\n", false,
	    CONTENT_SMTP);
	VERDICT(
	    "", "220-mx.example.test ESMTP Exim 4.96\r\n", false, CONTENT_SMTP);
	VERDICT("", "220 mail.example.com Microsoft ESMTP MAIL Service\r\n",
	    false, CONTENT_SMTP);
	VERDICT("", "220 host LMTP server ready\r\n", false, CONTENT_SMTP);
	VERDICT("", "220 host smtp\r\n", false, CONTENT_SMTP);
	VERDICT("", "554 host ESMTP not accepting\r\n", false, CONTENT_SMTP);
	/* The word before the line ends is enough. */
	VERDICT("", "220 mx ESMTP", false, CONTENT_SMTP);
	/* A greeting without the word: the client's first line decides. */
	VERDICT("", "220 mx.example.test\r\n", false, CONTENT_MORE);
	VERDICT("EHLO client.example\r\n", "220 mx.example.test\r\n", false,
	    CONTENT_SMTP);
	VERDICT("helo x\r\n", "220 hello\r\n", false, CONTENT_SMTP);
	VERDICT("LHLO x\r\n", "220 hello\r\n", false, CONTENT_SMTP);
	VERDICT("EHLO\r\n", "220\r\n", false, CONTENT_SMTP);
	VERDICT("EHLO x\r\n", "421 busy\r\n", false, CONTENT_SMTP);
	VERDICT("HELO x\r\n", "521 no mail here\r\n", false, CONTENT_SMTP);
	/* A client's HELO before any greeting (the greeting not captured). */
	VERDICT("EHLO client.example\r\n", "", false, CONTENT_SMTP);
	CHECK(judge("EHLO c\r\n", "", false, &r) == CONTENT_SMTP &&
	    !r.swapped && !r.tunnel);
	/* "ESMTPS" or "SMTPD" alone are no word of ours. */
	VERDICT("", "220 OpenSMTPD\r\n", false, CONTENT_MORE);
}

static void
test_other(void)
{
	/* FTP greets with 220; its client says USER, AUTH, FEAT. */
	VERDICT("USER anonymous\r\n", "220 (vsFTPd 3.0.3)\r\n", false,
	    CONTENT_OTHER);
	VERDICT("AUTH TLS\r\n", "220 ProFTPD Server\r\n", false, CONTENT_OTHER);
	/* A greeting without the word, then nothing more to come. */
	VERDICT("", "220 (vsFTPd 3.0.3)\r\n", true, CONTENT_OTHER);
	/* HTTP, TLS, SSH, POP3, IMAP, an echo. */
	VERDICT("GET / HTTP/1.1\r\nHost: x\r\n\r\n", "", false, CONTENT_OTHER);
	VERDICT("", "HTTP/1.1 200 OK\r\n", true, CONTENT_OTHER);
	VERDICT("GET /", "HTTP/1.1 200 OK\r\n", false, CONTENT_OTHER);
	VERDICT("\x16\x03\x01\x02\x00\x01", "", false, CONTENT_OTHER);
	VERDICT("", "SSH-2.0-OpenSSH_9.2p1\r\n", false, CONTENT_OTHER);
	VERDICT("", "+OK POP3 ready\r\n", false, CONTENT_OTHER);
	VERDICT("", "* OK IMAP4rev1 ready\r\n", false, CONTENT_OTHER);
	VERDICT("hello world\n", "hello world\n", false, CONTENT_OTHER);
	/* Close to SMTP, but not it. */
	VERDICT("", "2200 x\r\n", false, CONTENT_OTHER);
	VERDICT("", "250 ok\r\n", false, CONTENT_OTHER);
	VERDICT("HELOX\r\n", "", false, CONTENT_OTHER);
	VERDICT("EHLO x\r\n", "+OK\r\n", false, CONTENT_OTHER);
	/* Too short to tell, and no more to come. */
	VERDICT("EH", "", true, CONTENT_OTHER);
	VERDICT("", "22", true, CONTENT_OTHER);
	VERDICT("", "", true, CONTENT_OTHER);
	VERDICT("", "", false, CONTENT_MORE);
}

static void
test_swapped(void)
{
	struct content_result r;

	CHECK(judge("220 mx ESMTP\r\n", "", false, &r) == CONTENT_SMTP &&
	    r.swapped);
	CHECK(judge("220 mx\r\n", "EHLO c\r\n", false, &r) == CONTENT_SMTP &&
	    r.swapped);
	CHECK(judge("EHLO c\r\n", "220 mx\r\n", false, &r) == CONTENT_SMTP &&
	    !r.swapped);
}

static void
test_tunnel(void)
{
	static const char req[] = "CONNECT 127.0.0.1:2525 HTTP/1.1\r\n"
				  "Host: 127.0.0.1:2525\r\n\r\n";
	static const char rep[] = "HTTP/1.0 200 Connection established\r\n"
				  "Proxy-agent: tinyproxy/1.11.1\r\n\r\n";
	char a[512], b[512];
	struct content_result r;

	snprintf(a, sizeof(a), "%s", req);
	snprintf(b, sizeof(b), "%s220 mx ESMTP Postfix\r\n", rep);
	CHECK(judge(a, b, false, &r) == CONTENT_SMTP);
	CHECK(r.tunnel && !r.swapped);
	CHECK_UINT(r.skip[0], strlen(req));
	CHECK_UINT(r.skip[1], strlen(rep));
	CHECK_STR(r.target, "127.0.0.1:2525");
	/* The proxy's 200 alone: more. */
	VERDICT(req, rep, false, CONTENT_MORE);
	/* Without the greeting's word, the client's EHLO decides. */
	snprintf(a, sizeof(a), "%sEHLO c\r\n", req);
	snprintf(b, sizeof(b), "%s220 mx\r\n", rep);
	VERDICT(a, b, false, CONTENT_SMTP);
	/* A refused CONNECT, a tunnel to something else, a bad request. */
	VERDICT(req, "HTTP/1.1 403 Forbidden\r\n\r\n", false, CONTENT_OTHER);
	snprintf(b, sizeof(b), "%sSSH-2.0-x\r\n", rep);
	VERDICT(req, b, false, CONTENT_OTHER);
	VERDICT("CONNECT  HTTP/1.1\r\n\r\n", rep, false, CONTENT_OTHER);
	VERDICT("CONNECT x:1 FTP/1.1\r\n\r\n", rep, false, CONTENT_OTHER);
	/* LF alone ends lines too. */
	VERDICT("CONNECT x:25 HTTP/1.0\n\n", "HTTP/1.0 200 OK\n\n220 x ESMTP\n",
	    false, CONTENT_SMTP);
	/* A header block that never ends within the window. */
	memset(a, 'x', sizeof(a));
	memcpy(a, req, 33);
	a[sizeof(a) - 1] = '\0';
	VERDICT(a, rep, false, CONTENT_OTHER);
}

/* Each exchange cut at every pair of lengths: "more", or the verdict of
 * the whole; never another. */
static void
test_prefixes(void)
{
	static const struct {
		const char *a, *b;
	} ex[] = {
		{ "EHLO c\r\nMAIL FROM:<a@b>\r\n",
		    "220 mx ESMTP\r\n250-mx\r\n250 8BITMIME\r\n" },
		{ "USER x\r\n", "220 ftp\r\n" },
		{ "CONNECT h:25 HTTP/1.1\r\nHost: h\r\n\r\nEHLO c\r\n",
		    "HTTP/1.1 200 OK\r\n\r\n220 h\r\n" },
		{ "GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\n" },
	};
	size_t e, i, j;
	struct content_result r;

	for (e = 0; e < sizeof(ex) / sizeof(ex[0]); e++) {
		size_t na = strlen(ex[e].a), nb = strlen(ex[e].b);
		enum content_verdict whole =
		    content_classify((const uint8_t *)ex[e].a, na, true,
			(const uint8_t *)ex[e].b, nb, true, &r);

		for (i = 0; i <= na; i++)
			for (j = 0; j <= nb; j++) {
				enum content_verdict v = content_classify(
				    (const uint8_t *)ex[e].a, i, false,
				    (const uint8_t *)ex[e].b, j, false, &r);

				if (!CHECKF(v == CONTENT_MORE || v == whole,
					"exchange %zu cut at %zu/%zu: %s, "
					"whole %s",
					e, i, j, content_verdict_name(v),
					content_verdict_name(whole)))
					return;
			}
	}
}

int
main(void)
{
	test_smtp();
	test_other();
	test_swapped();
	test_tunnel();
	test_prefixes();
	return check_done("content");
}
