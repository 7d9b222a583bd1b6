/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The queue id a server names in its reply to the end of data: the key a
 * postmaster greps the MTA's own log for, and the one the relay writes
 * into the Received field it adds when it passes the message on. Pure:
 * the reply's text in, the id and the form it came in out.
 */
#ifndef SMTPSCOPE_SMTP_QUEUEID_H
#define SMTPSCOPE_SMTP_QUEUEID_H

#include <stdbool.h>
#include <stddef.h>

/* The forms, by the software known to write them. */
enum smtp_qid_form {
	SMTP_QID_NONE,
	SMTP_QID_POSTFIX,   /* "Ok: queued as 7E0E9A80167" */
	SMTP_QID_EXIM,      /* "OK id=1xa3AW-00051D-2E" */
	SMTP_QID_SENDMAIL,  /* "x8DFv2aA012345 Message accepted for delivery" */
	SMTP_QID_OPENSMTPD, /* "3a2f7d5e Message accepted for delivery" */
	SMTP_QID_EXCHANGE,  /* "<msgid> [InternalId=123, Hostname=h] Queued" */
	SMTP_QID_GMAIL,     /* "OK  1607971234 a1si1234567qka.55 - gsmtp" */
	SMTP_QID_DOVECOT,   /* LMTP: "<rcpt> Ya1ZFo9wl2V+OgAA+bBthw Saved" */
	SMTP_QID_COURIER,   /* "Ok. 0000000F.5E1A6B0A.00012345" */
	SMTP_QID_QMAIL,     /* "ok 1607971234 qp 12345" */
	SMTP_QID_OTHER,     /* "... id=ABC123" or "queued as" in another form */
};

#define SMTP_QID_MAX 64 /* bytes kept of an id, with its NUL */

struct smtp_queue_id {
	char id[SMTP_QID_MAX]; /* "" when none */
	enum smtp_qid_form form;
};

/*
 * The queue id in a positive reply's text (after the code; the enhanced
 * code, if any, may still lead it). False, and q->id "", when the text
 * names none in a form known here. Never reads past text[n - 1]; an id
 * longer than SMTP_QID_MAX - 1 bytes is not taken (no id is that long:
 * what is there is something else).
 */
bool smtp_queue_id_parse(const char *text, size_t n, struct smtp_queue_id *q);

/* "postfix", "exim", ... "other"; "" for SMTP_QID_NONE. */
const char *smtp_qid_form_name(enum smtp_qid_form form);

#endif
