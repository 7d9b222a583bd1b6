/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the table of reply and enhanced status code meanings
 * (event/codes.c) and of the text of --explain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/codes.h"
#include "lib/util.h"

#include "check.h"

/* A meaning is short plain ASCII. */
static bool
plain_short(const char *s, size_t max)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= max)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < ' ' || s[i] > '~')
			return false;
	return true;
}

/* The class fallback ("5xx: ...") is not a meaning of the code. */
static bool
generic(const char *m)
{
	return strlen(m) > 4 && m[1] == 'x' && m[2] == 'x' && m[3] == ':';
}

static void
expect_reply(int line, int code, enum smtp_verb verb, const char *want,
    const char *want_rfc)
{
	const char *m = smtp_reply_meaning(code, verb);
	const char *rfc = smtp_reply_meaning_rfc(code, verb);

	check_at(__FILE__, line, strcmp(m, want) == 0,
	    "%d to verb %d: want \"%s\" got \"%s\"", code, (int)verb, want, m);
	if (want_rfc != NULL)
		check_at(__FILE__, line, strcmp(rfc, want_rfc) == 0,
		    "%d to verb %d: want %s got %s", code, (int)verb, want_rfc,
		    rfc);
}

static void
expect_enh(int line, const char *enh, const char *want)
{
	char buf[160];
	const char *m = smtp_enh_meaning(enh, buf, sizeof(buf));

	if (want == NULL)
		check_at(__FILE__, line, m == NULL,
		    "\"%s\": want NULL got \"%s\"", enh, m != NULL ? m : "");
	else
		check_at(__FILE__, line, m != NULL && strcmp(m, want) == 0,
		    "\"%s\": want \"%s\" got \"%s\"", enh, want,
		    m != NULL ? m : "(null)");
}

/* --explain accepts query and its text holds each of the wanted lines. */
static void
expect_explain(int line, const char *query, const char *const *want)
{
	struct dbuf b;
	int rc;

	dbuf_init(&b, 1 << 16);
	rc = smtp_explain(query, &b);
	check_at(__FILE__, line, rc == 0, "explain \"%s\": returned %d: %s",
	    query, rc, dbuf_str(&b));
	for (; *want != NULL; want++)
		check_at(__FILE__, line, strstr(dbuf_str(&b), *want) != NULL,
		    "explain \"%s\": no \"%s\" in:\n%s", query, *want,
		    dbuf_str(&b));
	dbuf_free(&b);
}

/* --explain refuses query with one sentence on one line. */
static void
expect_refused(int line, const char *query)
{
	struct dbuf b;
	const char *s;
	int rc;

	dbuf_init(&b, 1 << 16);
	rc = smtp_explain(query, &b);
	s = dbuf_str(&b);
	check_at(__FILE__, line,
	    rc == -1 && b.len > 0 && strchr(s, '\n') == s + b.len - 1,
	    "explain \"%s\": want refused, got %d: %s",
	    query != NULL ? query : "(null)", rc, s);
	dbuf_free(&b);
}

#define W(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* The replies the user's reference (seeds/002) lists, and 455, 555. */
static const int seed_replies[] = { 211, 214, 220, 221, 250, 251, 252, 253, 354,
	355, 421, 432, 450, 451, 452, 453, 454, 455, 458, 459, 500, 501, 502,
	503, 504, 521, 530, 534, 538, 550, 551, 552, 553, 554, 555, 556 };

static void
test_reply_table(void)
{
	const char *m = NULL, *r = NULL;
	size_t i;
	int code, v;
	bool plain = true;

	for (i = 0; i < ARRAY_LEN(seed_replies); i++) {
		m = smtp_reply_meaning(seed_replies[i], 0);
		CHECKF(!generic(m), "%d has only \"%s\"", seed_replies[i], m);
		CHECKF(strncmp(smtp_reply_meaning_rfc(seed_replies[i], 0),
			   "RFC ", 4) == 0,
		    "%d: no RFC", seed_replies[i]);
	}
	/* Every code for every verb: some short ASCII text and an RFC. */
	for (code = 0; code < 1000 && plain; code++)
		for (v = 0; v < SMTP_VERB_COUNT && plain; v++) {
			m = smtp_reply_meaning(code, v);
			r = smtp_reply_meaning_rfc(code, v);
			plain = plain_short(m, 90) && plain_short(r, 40);
		}
	if (!CHECKF(plain, "%d to %d: \"%s\" %s", code - 1, v - 1, m, r))
		return;

	/* RFC 5321 4.2.3 and the class fallback. */
	expect_reply(__LINE__, 550, SMTP_VERB_RCPT,
	    "requested action not taken: mailbox unavailable", "RFC 5321");
	expect_reply(__LINE__, 299, SMTP_VERB_UNKNOWN,
	    "2xx: positive completion", "RFC 5321");
	expect_reply(__LINE__, 399, SMTP_VERB_UNKNOWN,
	    "3xx: positive intermediate", "RFC 5321");
	expect_reply(__LINE__, 499, SMTP_VERB_MAIL,
	    "4xx: transient negative completion", "RFC 5321");
	expect_reply(__LINE__, 599, SMTP_VERB_DATA,
	    "5xx: permanent negative completion", "RFC 5321");
	expect_reply(
	    __LINE__, 650, SMTP_VERB_UNKNOWN, "not an SMTP reply code", NULL);
	expect_reply(
	    __LINE__, 0, SMTP_VERB_UNKNOWN, "not an SMTP reply code", NULL);
	expect_reply(
	    __LINE__, 199, SMTP_VERB_UNKNOWN, "not an SMTP reply code", NULL);

	/* Variants by command. */
	expect_reply(__LINE__, 250, SMTP_VERB_MAIL,
	    "requested mail action okay, completed", "RFC 5321");
	expect_reply(__LINE__, 250, SMTP_VERB_ETRN,
	    "OK, queuing for node started", "RFC 1985");
	expect_reply(__LINE__, 251, SMTP_VERB_ETRN,
	    "OK, no messages waiting for node", "RFC 1985");
	expect_reply(__LINE__, 252, SMTP_VERB_ETRN,
	    "OK, pending messages for node started", "RFC 1985");
	expect_reply(__LINE__, 253, SMTP_VERB_ETRN,
	    "OK, <n> pending messages for node started", "RFC 1985");
	expect_reply(__LINE__, 458, SMTP_VERB_ETRN,
	    "unable to queue messages for node", "RFC 1985");
	expect_reply(__LINE__, 459, SMTP_VERB_ETRN,
	    "node not allowed: <reason>", "RFC 1985");
	expect_reply(__LINE__, 252, SMTP_VERB_VRFY,
	    "cannot VRFY user, but will accept message and attempt delivery",
	    "RFC 5321");
	expect_reply(__LINE__, 251, SMTP_VERB_RCPT,
	    "user not local; will forward to <forward-path>", "RFC 5321");
	expect_reply(__LINE__, 250, SMTP_VERB_ATRN,
	    "OK, now reversing the connection", "RFC 2645");
	expect_reply(
	    __LINE__, 450, SMTP_VERB_ATRN, "ATRN request refused", "RFC 2645");
	expect_reply(__LINE__, 450, SMTP_VERB_RCPT,
	    "requested mail action not taken: mailbox unavailable", "RFC 5321");
	expect_reply(__LINE__, 451, SMTP_VERB_ATRN,
	    "unable to process ATRN request now", "RFC 2645");
	expect_reply(
	    __LINE__, 453, SMTP_VERB_ATRN, "you have no mail", "RFC 2645");
	expect_reply(
	    __LINE__, 453, SMTP_VERB_UNKNOWN, "you have no mail", "RFC 2645");
	/* 453 is defined for ATRN only: to MAIL it has just its class. */
	expect_reply(__LINE__, 453, SMTP_VERB_MAIL,
	    "4xx: transient negative completion", "RFC 5321");
	expect_reply(
	    __LINE__, 220, SMTP_VERB_GREETING, "service ready", "RFC 5321");
	expect_reply(__LINE__, 220, SMTP_VERB_STARTTLS, "ready to start TLS",
	    "RFC 3207");
	expect_reply(__LINE__, 454, SMTP_VERB_STARTTLS,
	    "TLS not available due to temporary reason", "RFC 3207");
	expect_reply(__LINE__, 501, SMTP_VERB_STARTTLS,
	    "syntax error (no parameters allowed)", "RFC 3207");
	expect_reply(__LINE__, 530, SMTP_VERB_AUTH,
	    "must issue a STARTTLS command first", "RFC 3207");
	expect_reply(__LINE__, 554, SMTP_VERB_GREETING, "no SMTP service here",
	    "RFC 5321");
	expect_reply(__LINE__, 554, SMTP_VERB_END_OF_DATA, "transaction failed",
	    "RFC 5321");
	CHECKF(strstr(smtp_reply_meaning(334, SMTP_VERB_AUTH), "challenge") !=
		NULL,
	    "334 to AUTH: %s", smtp_reply_meaning(334, SMTP_VERB_AUTH));
	CHECKF(strstr(smtp_reply_meaning(334, SMTP_VERB_AUTH_DATA),
		   "challenge") != NULL,
	    "334 to AUTH data");
	expect_reply(__LINE__, 235, SMTP_VERB_AUTH_DATA,
	    "authentication succeeded", "RFC 4954");
	expect_reply(__LINE__, 432, SMTP_VERB_AUTH,
	    "a password transition is needed", "RFC 4954");
	expect_reply(__LINE__, 454, SMTP_VERB_AUTH,
	    "temporary authentication failure", "RFC 4954");
	expect_reply(__LINE__, 500, SMTP_VERB_AUTH_DATA,
	    "authentication exchange line is too long", "RFC 4954");
	expect_reply(__LINE__, 500, SMTP_VERB_MAIL,
	    "syntax error, command unrecognized", "RFC 5321");
	expect_reply(__LINE__, 504, SMTP_VERB_AUTH,
	    "unrecognized authentication type", "RFC 4954");
	expect_reply(__LINE__, 534, SMTP_VERB_AUTH,
	    "authentication mechanism is too weak", "RFC 4954");
	expect_reply(__LINE__, 535, SMTP_VERB_AUTH_DATA,
	    "authentication credentials invalid", "RFC 4954");
	expect_reply(__LINE__, 538, SMTP_VERB_AUTH,
	    "encryption required for requested authentication mechanism",
	    "RFC 4954");
	expect_reply(__LINE__, 355, SMTP_VERB_MAIL,
	    "octet-offset is the transaction offset (checkpoint/restart)",
	    "RFC 1845");
	expect_reply(__LINE__, 521, SMTP_VERB_GREETING,
	    "host does not accept mail", NULL);
	expect_reply(__LINE__, 556, SMTP_VERB_RCPT,
	    "domain does not accept mail", "RFC 7504");
}

/* The enumerated codes of the IANA registry, by subject: last detail. */
static const int registry_last[8] = { 0, 10, 4, 6, 7, 6, 10, 30 };

static void
test_enh_table(void)
{
	static const char classes[] = { '2', '4', '5' };
	char enh[16], buf[160];
	size_t c;
	int s, d;

	for (c = 0; c < sizeof(classes); c++)
		for (s = 0; s < 8; s++)
			for (d = 0; d <= registry_last[s]; d++) {
				const char *m;

				snprintf(enh, sizeof(enh), "%c.%d.%d",
				    classes[c], s, d);
				m = smtp_enh_meaning(enh, buf, sizeof(buf));
				CHECKF(m != NULL &&
					strstr(m, "not registered") == NULL &&
					plain_short(m, 120),
				    "%s: %s", enh, m != NULL ? m : "(null)");
			}

	expect_enh(__LINE__, "5.1.1",
	    "permanent failure: bad destination mailbox address");
	expect_enh(
	    __LINE__, "4.2.2", "persistent transient failure: mailbox full");
	expect_enh(__LINE__, "2.1.5", "success: destination address valid");
	expect_enh(__LINE__, "2.0.0", "success: other undefined status");
	expect_enh(__LINE__, "5.1.10",
	    "permanent failure: recipient address has null MX");
	expect_enh(__LINE__, "5.7.26",
	    "permanent failure: multiple authentication checks failed");
	expect_enh(__LINE__, "5.7.30",
	    "permanent failure: REQUIRETLS support required");
	expect_enh(__LINE__, "5.1.99",
	    "permanent failure: addressing status (detail 99 not registered)");
	expect_enh(__LINE__, "4.7.31",
	    "persistent transient failure: security or policy status (detail "
	    "31 not registered)");
	expect_enh(
	    __LINE__, "5.8.1", "permanent failure (subject 8 not registered)");
	expect_enh(__LINE__, "5.999.999",
	    "permanent failure (subject 999 not registered)");
	expect_enh(__LINE__, "5.1", NULL);
	expect_enh(__LINE__, "9.1.1", NULL);
	expect_enh(__LINE__, "3.1.1", NULL);
	expect_enh(__LINE__, "5.01.1", NULL);
	expect_enh(__LINE__, "5.1.01", NULL);
	expect_enh(__LINE__, "5.1.1000", NULL);
	expect_enh(__LINE__, "5.1.1 ", NULL);
	expect_enh(__LINE__, " 5.1.1", NULL);
	expect_enh(__LINE__, "5..1", NULL);
	expect_enh(__LINE__, "5.1.", NULL);
	expect_enh(__LINE__, "", NULL);
	expect_enh(__LINE__, "abc", NULL);
	expect_enh(__LINE__, "X.1.1", NULL);

	/* Cut to the buffer, NUL-terminated. */
	CHECKF(strcmp(smtp_enh_meaning("5.1.1", buf, 10), "permanent") == 0,
	    "cut: \"%s\"", buf);
	CHECKF(smtp_enh_meaning("5.1.1", buf, 0) == NULL &&
		smtp_enh_meaning(NULL, buf, sizeof(buf)) == NULL,
	    "size 0 or NULL");
}

static void
test_explain(void)
{
	struct dbuf b;
	unsigned long seed = 12345;
	char q[16];
	int i, j, rc = 0;
	bool sane = true;

	expect_explain(__LINE__, "550",
	    W("550: requested action not taken: mailbox unavailable (RFC "
	      "5321)",
		"class 5xx: permanent negative completion; x5z: mail system"));
	expect_explain(__LINE__, "5.1.1",
	    W("5.1.1: permanent failure: bad destination mailbox address",
		"class 5: permanent failure (RFC 3463)",
		"subject 1: addressing status (RFC 3463)",
		"detail 1.1: bad destination mailbox address (RFC 3463)"));
	expect_explain(__LINE__, "550 5.7.1",
	    W("550: requested action not taken",
		"5.7.1: permanent failure: delivery not authorized, message "
		"refused",
		"subject 7: security or policy status"));
	expect_explain(__LINE__, "550-5.7.1",
	    W("550: requested action not taken",
		"5.7.1: permanent failure: delivery not authorized"));
	expect_explain(__LINE__, "  421 4.4.2 ",
	    W("421: service not available, closing transmission channel",
		"x2z: connections",
		"4.4.2: persistent transient failure: bad connection"));
	expect_explain(__LINE__, "\t535 5.7.8\r\n",
	    W("535: authentication credentials invalid (RFC 4954), a reply to "
	      "AUTH, AUTH data only",
		"detail 7.8: authentication credentials invalid (RFC 4954)"));
	expect_explain(__LINE__, "250",
	    W("250: requested mail action okay, completed (RFC 5321)",
		"  to ETRN: OK, queuing for node started (RFC 1985)",
		"  to ATRN: OK, now reversing the connection (RFC 2645)"));
	expect_explain(__LINE__, "252",
	    W("252: cannot VRFY user, but will accept message and attempt "
	      "delivery (RFC 5321)",
		"to ETRN: OK, pending messages for node started"));
	expect_explain(__LINE__, "220",
	    W("220: service ready (RFC 5321)",
		"to STARTTLS: ready to start TLS (RFC 3207)"));
	expect_explain(__LINE__, "554",
	    W("as the greeting: no SMTP service here (RFC 5321)"));
	expect_explain(__LINE__, "453",
	    W("453: you have no mail (RFC 2645), a reply to ATRN only"));
	expect_explain(__LINE__, "454",
	    W("454: its meaning depends on the command",
		"to STARTTLS: TLS not available due to temporary reason (RFC "
		"3207)",
		"to AUTH, AUTH data: temporary authentication failure (RFC "
		"4954)"));
	expect_explain(__LINE__, "500",
	    W("to AUTH data: authentication exchange line is too long"));
	expect_explain(__LINE__, "599",
	    W("599: no meaning of its own is defined",
		"class 5xx: permanent negative completion; x9z: not defined"));
	expect_explain(__LINE__, "5.1.99",
	    W("subject 1: addressing status", "detail 1.99: not registered"));
	expect_explain(__LINE__, "550 2.1.1",
	    W("550: requested action not taken", "2.1.1: success: ",
		"note: the enhanced code's class 2 does not match the reply's "
		"class 5"));
	expect_explain(__LINE__, "550 5.1.1 <bob@example.org>: User unknown",
	    W("5.1.1: permanent failure",
		"(the text after the code is not explained)"));

	expect_refused(__LINE__, "abc");
	expect_refused(__LINE__, "650");
	expect_refused(__LINE__, "650 5.1.1");
	expect_refused(__LINE__, "5.1");
	expect_refused(__LINE__, "9.1.1");
	expect_refused(__LINE__, "");
	expect_refused(__LINE__, "   ");
	expect_refused(__LINE__, "5501");
	expect_refused(__LINE__, "55");
	expect_refused(__LINE__, "550x");
	expect_refused(__LINE__, "X.1.1");
	expect_refused(__LINE__, NULL);
	expect_refused(__LINE__, "\x1b[2J");

	/* The refusal escapes what it repeats. */
	dbuf_init(&b, 1 << 16);
	smtp_explain("\x1b]0;x\x07", &b);
	CHECKF(strchr(dbuf_str(&b), 0x1b) == NULL &&
		strchr(dbuf_str(&b), 0x07) == NULL,
	    "refusal not escaped: %s", dbuf_str(&b));
	dbuf_free(&b);

	/* Any short string of code-like bytes: 0 or -1, never a crash. */
	for (i = 0; i < 200000 && sane; i++) {
		static const char alphabet[] = "0123456789.- \tx";
		int n;

		seed = seed * 1103515245 + 12345;
		n = (int)((seed >> 16) % 13);
		for (j = 0; j < n; j++) {
			seed = seed * 1103515245 + 12345;
			q[j] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		q[n] = '\0';
		dbuf_init(&b, 1 << 12);
		rc = smtp_explain(q, &b);
		sane = (rc == 0 || rc == -1) && b.len > 0;
		dbuf_free(&b);
	}
	CHECKF(sane, "explain \"%s\": %d", q, rc);
}

int
main(void)
{
	test_reply_table();
	test_enh_table();
	test_explain();
	return check_done("codes");
}
