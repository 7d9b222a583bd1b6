/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What SMTP reply codes and enhanced status codes mean: a table written
 * from the RFCs and the IANA "SMTP Enhanced Status Codes" registry, and
 * the text of smtpscope --explain. Pure: no I/O but a struct dbuf.
 */
#ifndef SMTPSCOPE_EVENT_CODES_H
#define SMTPSCOPE_EVENT_CODES_H

#include <stddef.h>

#include "event/event.h"
#include "lib/util.h"

/*
 * The meaning of a reply code answering verb (SMTP_VERB_UNKNOWN: any);
 * a generic meaning of its class when the code is not in the table
 * ("2xx: positive completion" etc.), never NULL.
 */
const char *smtp_reply_meaning(int code, enum smtp_verb verb);
/* The RFC that defines that meaning, e.g. "RFC 5321", never NULL. */
const char *smtp_reply_meaning_rfc(int code, enum smtp_verb verb);

/*
 * The meaning of an enhanced status code "C.S.D" (class 2, 4 or 5): the
 * class's meaning joined with the subject.detail's, e.g. for "5.1.1"
 * "permanent failure: bad destination mailbox address"; a subject-only
 * meaning ("5.1.99": "permanent failure: addressing status (detail 99 not
 * registered)") when the detail is unknown; NULL when not a code. The
 * text is written into buf (cut to size) and buf is returned.
 */
const char *smtp_enh_meaning(const char *enh, char *buf, size_t size);

/*
 * --explain: the query is "550", "5.1.1", "550 5.7.1", "550-5.7.1",
 * "  421 4.4.2 " (a whole reply line is accepted, its text is not
 * explained); writes a few human lines into out: the code, its meaning,
 * the variants by command where they differ, the RFC; for an enhanced
 * code, class + subject + detail and the RFC. Returns 0, or -1 (and one
 * sentence in out) when the query is not a code.
 */
int smtp_explain(const char *query, struct dbuf *out);

#endif
