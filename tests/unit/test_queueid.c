/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the queue ids named in replies to the end of data
 * (src/smtp/queueid.c): each MTA's own words, and texts that name none. */
#include <stdio.h>
#include <string.h>

#include "smtp/queueid.h"

#include "check.h"

static void
expect(int line, const char *text, const char *id, const char *form)
{
	struct smtp_queue_id q;
	bool found = smtp_queue_id_parse(text, strlen(text), &q);

	check_str_at(__FILE__, line, "id", q.id, id);
	check_str_at(__FILE__, line, "form", smtp_qid_form_name(q.form), form);
	check_at(__FILE__, line, found == (id[0] != '\0'), "found %d", found);
}

int
main(void)
{
	struct smtp_queue_id q;
	char big[200];
	size_t i;

	/* Postfix, short (hex) and long queue ids. */
	expect(__LINE__, "2.0.0 Ok: queued as 7E0E9A80167", "7E0E9A80167",
	    "postfix");
	expect(__LINE__, "2.0.0 Ok: queued as 4Kx7wH0Vn9z9sDd",
	    "4Kx7wH0Vn9z9sDd", "postfix");
	expect(__LINE__, "Ok: queued as 3F1A2B", "3F1A2B", "postfix");
	/* amavisd repeating the downstream Postfix: the last id. */
	expect(__LINE__,
	    "2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as "
	    "D2E1F40012",
	    "D2E1F40012", "postfix");
	/* Exim, old and new id forms. */
	expect(__LINE__, "OK id=1xa3AW-00051D-2E", "1xa3AW-00051D-2E", "exim");
	expect(__LINE__, "OK id=1rqSGY-000000004uN-3Hx9",
	    "1rqSGY-000000004uN-3Hx9", "exim");
	expect(__LINE__, "2.0.0 Accepted id=ABC123", "ABC123", "other");
	/* Sendmail and OpenSMTPD. */
	expect(__LINE__, "2.0.0 x8DFv2aA012345 Message accepted for delivery",
	    "x8DFv2aA012345", "sendmail");
	expect(__LINE__, "2.0.0 3a2f7d5e Message accepted for delivery",
	    "3a2f7d5e", "opensmtpd");
	expect(__LINE__, "2.0.0 Message accepted for delivery", "", "");
	expect(__LINE__, "Message accepted for delivery", "", "");
	/* Exchange and Microsoft 365. */
	expect(__LINE__,
	    "2.6.0 <0d2c1f@EX01.example.org> [InternalId=12884901889, "
	    "Hostname=EX01.example.org] Queued mail for delivery",
	    "12884901889", "exchange");
	expect(__LINE__,
	    "2.6.0 <abc@PR3P191MB.eurprd.prod.outlook.com> "
	    "[InternalId=5617817, Hostname=AM0PR10MB] 9813 bytes in 0.082, "
	    "116.520 KB/sec Queued mail for delivery",
	    "5617817", "exchange");
	/* Gmail. */
	expect(__LINE__, "2.0.0 OK  1607971234 a1si1234567qka.55 - gsmtp",
	    "a1si1234567qka.55", "gmail");
	/* Dovecot's LMTP, one reply a recipient. */
	expect(__LINE__, "2.0.0 <bob@example.org> Ya1ZFo9wl2V+OgAA+bBthw Saved",
	    "Ya1ZFo9wl2V+OgAA+bBthw", "dovecot");
	expect(__LINE__,
	    "2.0.0 <u1@example.test> 3EydIS7tFGv5HAAAg+zDdQ:R2 Saved",
	    "3EydIS7tFGv5HAAAg+zDdQ:R2", "dovecot");
	/* Courier and qmail. */
	expect(__LINE__, "Ok. 0000000F.5E1A6B0A.00012345",
	    "0000000F.5E1A6B0A.00012345", "courier");
	expect(__LINE__, "ok 1607971234 qp 12345", "12345", "qmail");
	/* Each form's words in the other case: the bytes looked for
	 * first (smtp_queue_id_parse()) are found in either. */
	expect(__LINE__, "2.0.0 OK: QUEUED AS 7E0E9A80167", "7E0E9A80167",
	    "postfix");
	expect(__LINE__, "ok ID=1xa3AW-00051D-2E", "1xa3AW-00051D-2E", "exim");
	expect(__LINE__, "X8DFV2AA012345 MESSAGE ACCEPTED FOR DELIVERY",
	    "X8DFV2AA012345", "sendmail");
	expect(__LINE__, "<a@b> [INTERNALID=42, HOSTNAME=h]", "42", "exchange");
	expect(__LINE__, "OK 1607971234 A1SI1234567QKA.55 - GSMTP",
	    "A1SI1234567QKA.55", "gmail");
	expect(__LINE__, "<bob@example.org> YA1ZFO9WL2V+OGAA SAVED \t",
	    "YA1ZFO9WL2V+OGAA", "dovecot");
	expect(__LINE__, "OK 1607971234 QP 12345", "12345", "qmail");
	/* Courier's three dots at least, its id the shortest. */
	expect(__LINE__, "OK. A.B.C", "A.B.C", "courier");
	expect(__LINE__, "2.0.0 OK. A.B", "", "");
	/* Replies that name no id. */
	expect(__LINE__, "2.0.0 Ok", "", "");
	expect(__LINE__, "2.0.0 Ok: queued", "", "");
	expect(__LINE__, "2.0.0 Ok: queued as ", "", "");
	expect(__LINE__, "OK", "", "");
	expect(__LINE__, "", "", "");
	expect(__LINE__, "2.0.0 OK mid=12", "", "");
	expect(__LINE__, "2.0.0 OK  1607971234 - gsmtp", "", "");
	expect(__LINE__, "ok 16079x qp 12345", "", "");
	expect(__LINE__, "Ok. ABC", "", "");
	/* No id is that long: what is there is something else. */
	memcpy(big, "Ok: queued as ", 14);
	for (i = 14; i < sizeof(big) - 1; i++)
		big[i] = 'A';
	big[sizeof(big) - 1] = '\0';
	expect(__LINE__, big, "", "");
	/* Never past n: the id ends where the text given ends. */
	CHECK(smtp_queue_id_parse("Ok: queued as ABCDEF99", 17, &q) &&
	    strcmp(q.id, "ABC") == 0);
	CHECK(!smtp_queue_id_parse(NULL, 0, &q) && q.id[0] == '\0');
	CHECK_STR(smtp_qid_form_name((enum smtp_qid_form)99), "");
	return check_done("queueid");
}
