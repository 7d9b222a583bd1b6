/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The meanings of SMTP reply codes, by the command they answer, and of
 * RFC 3463 enhanced status codes, and smtpscope --explain.
 *
 * The tables are data, written from the texts: RFC 5321 4.2.2, 4.2.3,
 * 4.3.2 and 4.5.3.1.10 (with RFC 821 4.2.1 and 4.3 for TURN), RFC 1845
 * (355), RFC 1846 and RFC 7504 (521, 556), RFC 1985 (ETRN), RFC 2645
 * (ATRN), RFC 3030 (BDAT), RFC 3207 (STARTTLS), RFC 4954 (AUTH), and the
 * IANA "SMTP Enhanced Status Codes" registry with the RFC each entry
 * names. RFC 2033 (LMTP) gives its replies the meanings of RFC 5321 (one
 * reply per accepted recipient after the end of data): no rows of its
 * own. A meaning is a short fragment worded as its RFC words it.
 */
#include <stdio.h>
#include <string.h>

#include "event/codes.h"
#include "event/event.h"
#include "lib/util.h"

#define RFC5321 "RFC 5321"
#define RFC3463 "RFC 3463"

struct reply_row {
	int code;
	enum smtp_verb verb; /* SMTP_VERB_UNKNOWN: whatever it answers */
	const char *text;
	const char *rfc;
};

/*
 * A code with a row for SMTP_VERB_UNKNOWN has that meaning for every
 * command without a row of its own; a code without one is defined only
 * as a reply to the commands listed (453 answers ATRN only).
 */
static const struct reply_row reply_table[] = {
	{ 211, SMTP_VERB_UNKNOWN, "system status, or system help reply",
	    RFC5321 },
	{ 214, SMTP_VERB_UNKNOWN,
	    "help message (how to use the receiver), for the human user",
	    RFC5321 },
	{ 220, SMTP_VERB_UNKNOWN, "service ready", RFC5321 },
	{ 220, SMTP_VERB_STARTTLS, "ready to start TLS", "RFC 3207" },
	{ 221, SMTP_VERB_UNKNOWN, "service closing transmission channel",
	    RFC5321 },
	{ 235, SMTP_VERB_AUTH, "authentication succeeded", "RFC 4954" },
	{ 235, SMTP_VERB_AUTH_DATA, "authentication succeeded", "RFC 4954" },
	{ 250, SMTP_VERB_UNKNOWN, "requested mail action okay, completed",
	    RFC5321 },
	{ 250, SMTP_VERB_BDAT,
	    "OK, chunk received (after BDAT LAST: message accepted)",
	    "RFC 3030" },
	{ 250, SMTP_VERB_TURN,
	    "OK, the roles reverse: the server now sends its mail", "RFC 821" },
	{ 250, SMTP_VERB_ETRN, "OK, queuing for node started", "RFC 1985" },
	{ 250, SMTP_VERB_ATRN, "OK, now reversing the connection", "RFC 2645" },
	{ 251, SMTP_VERB_UNKNOWN,
	    "user not local; will forward to <forward-path>", RFC5321 },
	{ 251, SMTP_VERB_ETRN, "OK, no messages waiting for node", "RFC 1985" },
	{ 252, SMTP_VERB_UNKNOWN,
	    "cannot VRFY user, but will accept message and attempt delivery",
	    RFC5321 },
	{ 252, SMTP_VERB_ETRN, "OK, pending messages for node started",
	    "RFC 1985" },
	{ 253, SMTP_VERB_ETRN, "OK, <n> pending messages for node started",
	    "RFC 1985" },
	{ 334, SMTP_VERB_AUTH,
	    "server challenge (base64): the authentication exchange goes on",
	    "RFC 4954" },
	{ 334, SMTP_VERB_AUTH_DATA,
	    "server challenge (base64): the authentication exchange goes on",
	    "RFC 4954" },
	{ 354, SMTP_VERB_UNKNOWN, "start mail input; end with <CRLF>.<CRLF>",
	    RFC5321 },
	{ 355, SMTP_VERB_MAIL,
	    "octet-offset is the transaction offset (checkpoint/restart)",
	    "RFC 1845" },
	{ 421, SMTP_VERB_UNKNOWN,
	    "service not available, closing transmission channel", RFC5321 },
	{ 432, SMTP_VERB_AUTH, "a password transition is needed", "RFC 4954" },
	{ 432, SMTP_VERB_AUTH_DATA, "a password transition is needed",
	    "RFC 4954" },
	{ 450, SMTP_VERB_UNKNOWN,
	    "requested mail action not taken: mailbox unavailable", RFC5321 },
	{ 450, SMTP_VERB_ATRN, "ATRN request refused", "RFC 2645" },
	{ 451, SMTP_VERB_UNKNOWN,
	    "requested action aborted: local error in processing", RFC5321 },
	{ 451, SMTP_VERB_ATRN, "unable to process ATRN request now",
	    "RFC 2645" },
	{ 452, SMTP_VERB_UNKNOWN,
	    "requested action not taken: insufficient system storage",
	    RFC5321 },
	{ 452, SMTP_VERB_RCPT,
	    "too many recipients, or insufficient system storage", RFC5321 },
	{ 453, SMTP_VERB_ATRN, "you have no mail", "RFC 2645" },
	{ 454, SMTP_VERB_STARTTLS, "TLS not available due to temporary reason",
	    "RFC 3207" },
	{ 454, SMTP_VERB_AUTH, "temporary authentication failure", "RFC 4954" },
	{ 454, SMTP_VERB_AUTH_DATA, "temporary authentication failure",
	    "RFC 4954" },
	{ 455, SMTP_VERB_UNKNOWN, "server unable to accommodate parameters",
	    RFC5321 },
	{ 458, SMTP_VERB_ETRN, "unable to queue messages for node",
	    "RFC 1985" },
	{ 459, SMTP_VERB_ETRN, "node not allowed: <reason>", "RFC 1985" },
	{ 500, SMTP_VERB_UNKNOWN, "syntax error, command unrecognized",
	    RFC5321 },
	{ 500, SMTP_VERB_AUTH_DATA, "authentication exchange line is too long",
	    "RFC 4954" },
	{ 501, SMTP_VERB_UNKNOWN, "syntax error in parameters or arguments",
	    RFC5321 },
	{ 501, SMTP_VERB_STARTTLS, "syntax error (no parameters allowed)",
	    "RFC 3207" },
	{ 501, SMTP_VERB_AUTH,
	    "syntax error, or the initial response is not valid base64",
	    "RFC 4954" },
	{ 501, SMTP_VERB_AUTH_DATA,
	    "authentication cancelled (\"*\"), or the response is not base64",
	    "RFC 4954" },
	{ 502, SMTP_VERB_UNKNOWN, "command not implemented", RFC5321 },
	{ 503, SMTP_VERB_UNKNOWN, "bad sequence of commands", RFC5321 },
	{ 503, SMTP_VERB_AUTH,
	    "bad sequence: already authenticated, or AUTH inside a transaction",
	    "RFC 4954" },
	{ 504, SMTP_VERB_UNKNOWN, "command parameter not implemented",
	    RFC5321 },
	{ 504, SMTP_VERB_AUTH, "unrecognized authentication type", "RFC 4954" },
	{ 521, SMTP_VERB_UNKNOWN, "host does not accept mail",
	    "RFC 7504 (first RFC 1846)" },
	{ 530, SMTP_VERB_UNKNOWN,
	    "authentication required, or must issue a STARTTLS command first",
	    "RFC 4954, RFC 3207" },
	{ 530, SMTP_VERB_AUTH, "must issue a STARTTLS command first",
	    "RFC 3207" },
	{ 534, SMTP_VERB_AUTH, "authentication mechanism is too weak",
	    "RFC 4954" },
	{ 534, SMTP_VERB_AUTH_DATA, "authentication mechanism is too weak",
	    "RFC 4954" },
	{ 535, SMTP_VERB_AUTH, "authentication credentials invalid",
	    "RFC 4954" },
	{ 535, SMTP_VERB_AUTH_DATA, "authentication credentials invalid",
	    "RFC 4954" },
	{ 538, SMTP_VERB_AUTH,
	    "encryption required for requested authentication mechanism",
	    "RFC 4954" },
	{ 550, SMTP_VERB_UNKNOWN,
	    "requested action not taken: mailbox unavailable", RFC5321 },
	{ 551, SMTP_VERB_UNKNOWN, "user not local; please try <forward-path>",
	    RFC5321 },
	{ 552, SMTP_VERB_UNKNOWN,
	    "requested mail action aborted: exceeded storage allocation",
	    RFC5321 },
	/*
	 * RFC 5321 4.5.3.1.10: RFC 821 listed "too many recipients" as 552;
	 * the right code is 452, and a client takes such a 552 as temporary.
	 */
	{ 552, SMTP_VERB_RCPT,
	    "exceeded storage allocation, or (as RFC 821 had it) too many "
	    "recipients",
	    RFC5321 },
	{ 553, SMTP_VERB_UNKNOWN,
	    "requested action not taken: mailbox name not allowed", RFC5321 },
	{ 554, SMTP_VERB_UNKNOWN, "transaction failed", RFC5321 },
	{ 554, SMTP_VERB_GREETING, "no SMTP service here", RFC5321 },
	{ 555, SMTP_VERB_UNKNOWN,
	    "MAIL FROM/RCPT TO parameters not recognized or not implemented",
	    RFC5321 },
	{ 556, SMTP_VERB_UNKNOWN, "domain does not accept mail", "RFC 7504" },
};

/* RFC 5321 4.2.1: the first digit. */
static const char *const reply_class[6] = {
	[2] = "2xx: positive completion",
	[3] = "3xx: positive intermediate",
	[4] = "4xx: transient negative completion",
	[5] = "5xx: permanent negative completion",
};

/* RFC 5321 4.2.1: the second digit. */
static const char *const reply_category[6] = {
	[0] = "syntax",
	[1] = "information",
	[2] = "connections",
	[3] = "unspecified",
	[4] = "unspecified",
	[5] = "mail system",
};

static const char *const enh_class[6] = {
	[2] = "success",
	[4] = "persistent transient failure",
	[5] = "permanent failure",
};

/* The subject sub-codes of the registry, all from RFC 3463. */
static const char *const enh_subject[8] = {
	[0] = "other or undefined status",
	[1] = "addressing status",
	[2] = "mailbox status",
	[3] = "mail system status",
	[4] = "network and routing status",
	[5] = "mail delivery protocol status",
	[6] = "message content or media status",
	[7] = "security or policy status",
};

struct enh_row {
	int subject, detail;
	const char *text;
	const char *rfc;
};

/* The enumerated codes X.S.D of the IANA registry. */
static const struct enh_row enh_table[] = {
	{ 0, 0, "other undefined status", RFC3463 },
	{ 1, 0, "other address status", RFC3463 },
	{ 1, 1, "bad destination mailbox address", RFC3463 },
	{ 1, 2, "bad destination system address", RFC3463 },
	{ 1, 3, "bad destination mailbox address syntax", RFC3463 },
	{ 1, 4, "destination mailbox address ambiguous", RFC3463 },
	{ 1, 5, "destination address valid", RFC3463 },
	{ 1, 6, "destination mailbox has moved, no forwarding address",
	    RFC3463 },
	{ 1, 7, "bad sender's mailbox address syntax", RFC3463 },
	{ 1, 8, "bad sender's system address", RFC3463 },
	{ 1, 9, "message relayed to non-compliant mailer", "RFC 3886" },
	{ 1, 10, "recipient address has null MX", "RFC 7505, RFC 7504" },
	{ 2, 0, "other or undefined mailbox status", RFC3463 },
	{ 2, 1, "mailbox disabled, not accepting messages", RFC3463 },
	{ 2, 2, "mailbox full", RFC3463 },
	{ 2, 3, "message length exceeds administrative limit", RFC3463 },
	{ 2, 4, "mailing list expansion problem", RFC3463 },
	{ 3, 0, "other or undefined mail system status", RFC3463 },
	{ 3, 1, "mail system full", RFC3463 },
	{ 3, 2, "system not accepting network messages", "RFC 3463, RFC 7504" },
	{ 3, 3, "system not capable of selected features", RFC3463 },
	{ 3, 4, "message too big for system", RFC3463 },
	{ 3, 5, "system incorrectly configured", RFC3463 },
	{ 3, 6, "requested priority was changed", "RFC 6710" },
	{ 4, 0, "other or undefined network or routing status", RFC3463 },
	{ 4, 1, "no answer from host", RFC3463 },
	{ 4, 2, "bad connection", RFC3463 },
	{ 4, 3, "directory server failure", RFC3463 },
	{ 4, 4, "unable to route", RFC3463 },
	{ 4, 5, "mail system congestion", RFC3463 },
	{ 4, 6, "routing loop detected", RFC3463 },
	{ 4, 7, "delivery time expired", RFC3463 },
	{ 5, 0, "other or undefined protocol status", RFC3463 },
	{ 5, 1, "invalid command", RFC3463 },
	{ 5, 2, "syntax error", RFC3463 },
	{ 5, 3, "too many recipients", RFC3463 },
	{ 5, 4, "invalid command arguments", RFC3463 },
	{ 5, 5, "wrong protocol version", RFC3463 },
	{ 5, 6, "authentication exchange line is too long", "RFC 4954" },
	{ 6, 0, "other or undefined media error", RFC3463 },
	{ 6, 1, "media not supported", RFC3463 },
	{ 6, 2, "conversion required and prohibited", RFC3463 },
	{ 6, 3, "conversion required but not supported", RFC3463 },
	{ 6, 4, "conversion with loss performed", RFC3463 },
	{ 6, 5, "conversion failed", RFC3463 },
	{ 6, 6, "message content not available", "RFC 4468" },
	{ 6, 7, "non-ASCII addresses not permitted for that sender/recipient",
	    "RFC 6531" },
	{ 6, 8,
	    "UTF-8 string reply is required, but not permitted by the "
	    "SMTP client",
	    "RFC 6531" },
	{ 6, 9,
	    "UTF-8 header message cannot be transferred to one or more "
	    "recipients",
	    "RFC 6531" },
	{ 6, 10, "deprecated duplicate of X.6.8 (UTF-8 reply not permitted)",
	    "RFC 6531" },
	{ 7, 0, "other or undefined security status", RFC3463 },
	{ 7, 1, "delivery not authorized, message refused", RFC3463 },
	{ 7, 2, "mailing list expansion prohibited", RFC3463 },
	{ 7, 3, "security conversion required but not possible", RFC3463 },
	{ 7, 4, "security features not supported", RFC3463 },
	{ 7, 5, "cryptographic failure", RFC3463 },
	{ 7, 6, "cryptographic algorithm not supported", RFC3463 },
	{ 7, 7, "message integrity failure", RFC3463 },
	{ 7, 8, "authentication credentials invalid", "RFC 4954" },
	{ 7, 9, "authentication mechanism is too weak", "RFC 4954" },
	{ 7, 10, "encryption needed", "RFC 5248" },
	{ 7, 11, "encryption required for requested authentication mechanism",
	    "RFC 4954" },
	{ 7, 12, "a password transition is needed", "RFC 4954" },
	{ 7, 13, "user account disabled", "RFC 5248" },
	{ 7, 14, "trust relationship required", "RFC 5248" },
	{ 7, 15, "priority level is too low", "RFC 6710" },
	{ 7, 16, "message is too big for the specified priority", "RFC 6710" },
	{ 7, 17, "mailbox owner has changed", "RFC 7293" },
	{ 7, 18, "domain owner has changed", "RFC 7293" },
	{ 7, 19, "RRVS test cannot be completed", "RFC 7293" },
	{ 7, 20, "no passing DKIM signature found", "RFC 7372" },
	{ 7, 21, "no acceptable DKIM signature found", "RFC 7372" },
	{ 7, 22, "no valid author-matched DKIM signature found", "RFC 7372" },
	{ 7, 23, "SPF validation failed", "RFC 7372" },
	{ 7, 24, "SPF validation error", "RFC 7372" },
	{ 7, 25, "reverse DNS validation failed", "RFC 7372" },
	{ 7, 26, "multiple authentication checks failed", "RFC 7372" },
	{ 7, 27, "sender address has null MX", "RFC 7505" },
	{ 7, 28, "mail flood detected", "draft-levine-mailbomb-header" },
	{ 7, 29, "ARC validation failure", "RFC 8617" },
	{ 7, 30, "REQUIRETLS support required", "RFC 8689" },
};

/*
 * The row of code for verb: the verb's own, else the row for any
 * command, else (verb SMTP_VERB_UNKNOWN) the first row of the code.
 */
static const struct reply_row *
reply_lookup(int code, enum smtp_verb verb)
{
	const struct reply_row *any = NULL, *first = NULL;
	size_t i;

	for (i = 0; i < ARRAY_LEN(reply_table); i++) {
		const struct reply_row *r = &reply_table[i];

		if (r->code != code)
			continue;
		if (verb != SMTP_VERB_UNKNOWN && r->verb == verb)
			return r;
		if (r->verb == SMTP_VERB_UNKNOWN)
			any = r;
		else if (first == NULL)
			first = r;
	}
	if (any != NULL)
		return any;
	return verb == SMTP_VERB_UNKNOWN ? first : NULL;
}

static bool
reply_code_valid(int code)
{
	return code >= 200 && code <= 599;
}

const char *
smtp_reply_meaning(int code, enum smtp_verb verb)
{
	const struct reply_row *r = reply_lookup(code, verb);

	if (r != NULL)
		return r->text;
	if (!reply_code_valid(code))
		return "not an SMTP reply code";
	return reply_class[code / 100];
}

const char *
smtp_reply_meaning_rfc(int code, enum smtp_verb verb)
{
	const struct reply_row *r = reply_lookup(code, verb);

	return r != NULL ? r->rfc : RFC5321;
}

static const struct enh_row *
enh_lookup(int subject, int detail)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(enh_table); i++)
		if (enh_table[i].subject == subject &&
		    enh_table[i].detail == detail)
			return &enh_table[i];
	return NULL;
}

/* 1 to 3 digits, no leading zero (RFC 3463 section 2); -1 when not. */
static int
enh_number(const char *s, size_t n, size_t *used)
{
	size_t i = 0;
	int v = 0;

	while (i < n && i < 4 && ascii_isdigit((unsigned char)s[i]))
		v = v * 10 + (s[i++] - '0');
	if (i == 0 || i > 3 || (i > 1 && s[0] == '0'))
		return -1;
	*used = i;
	return v;
}

/*
 * An enhanced status code at the start of s (n bytes), ending at the
 * end of s or before a space or tab: the bytes it takes, 0 when none.
 */
static size_t
enh_parse(const char *s, size_t n, int *cls, int *subject, int *detail)
{
	size_t i, k;

	if (n < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return 0;
	*cls = s[0] - '0';
	i = 2;
	if ((*subject = enh_number(s + i, n - i, &k)) < 0)
		return 0;
	i += k;
	if (i >= n || s[i] != '.')
		return 0;
	i++;
	if ((*detail = enh_number(s + i, n - i, &k)) < 0)
		return 0;
	i += k;
	if (i < n && !ascii_isspace((unsigned char)s[i]))
		return 0;
	return i;
}

static void
enh_format(int cls, int subject, int detail, char *buf, size_t size)
{
	const struct enh_row *r = enh_lookup(subject, detail);

	if (r != NULL)
		snprintf(buf, size, "%s: %s", enh_class[cls], r->text);
	else if (subject < (int)ARRAY_LEN(enh_subject))
		snprintf(buf, size, "%s: %s (detail %d not registered)",
		    enh_class[cls], enh_subject[subject], detail);
	else
		snprintf(buf, size, "%s (subject %d not registered)",
		    enh_class[cls], subject);
}

const char *
smtp_enh_meaning(const char *enh, char *buf, size_t size)
{
	int cls, subject, detail;
	size_t n;

	if (enh == NULL || buf == NULL || size == 0)
		return NULL;
	n = strlen(enh);
	if (n == 0 || enh_parse(enh, n, &cls, &subject, &detail) != n)
		return NULL;
	enh_format(cls, subject, detail, buf, size);
	return buf;
}

/* How --explain names what a reply answers. */
static const char *const verb_labels[SMTP_VERB_COUNT] = {
	[SMTP_VERB_UNKNOWN] = "an unknown command",
	[SMTP_VERB_HELO] = "HELO",
	[SMTP_VERB_EHLO] = "EHLO",
	[SMTP_VERB_MAIL] = "MAIL",
	[SMTP_VERB_RCPT] = "RCPT",
	[SMTP_VERB_DATA] = "DATA",
	[SMTP_VERB_BDAT] = "BDAT",
	[SMTP_VERB_RSET] = "RSET",
	[SMTP_VERB_VRFY] = "VRFY",
	[SMTP_VERB_EXPN] = "EXPN",
	[SMTP_VERB_HELP] = "HELP",
	[SMTP_VERB_NOOP] = "NOOP",
	[SMTP_VERB_QUIT] = "QUIT",
	[SMTP_VERB_STARTTLS] = "STARTTLS",
	[SMTP_VERB_AUTH] = "AUTH",
	[SMTP_VERB_ETRN] = "ETRN",
	[SMTP_VERB_ATRN] = "ATRN",
	[SMTP_VERB_TURN] = "TURN",
	[SMTP_VERB_XCLIENT] = "XCLIENT",
	[SMTP_VERB_XFORWARD] = "XFORWARD",
	[SMTP_VERB_LHLO] = "LHLO",
	[SMTP_VERB_SEND] = "SEND",
	[SMTP_VERB_SOML] = "SOML",
	[SMTP_VERB_SAML] = "SAML",
	[SMTP_VERB_GREETING] = "the greeting",
	[SMTP_VERB_END_OF_DATA] = "the end of data",
	[SMTP_VERB_AUTH_DATA] = "AUTH data",
};

static const char *
verb_label(enum smtp_verb v)
{
	if ((unsigned)v < SMTP_VERB_COUNT && verb_labels[v] != NULL)
		return verb_labels[v];
	return "a command";
}

/*
 * The rows of code for particular commands, those with the same meaning
 * on one line: "  to AUTH, AUTH data: ... (RFC 4954)".
 */
static void
explain_variants(int code, struct dbuf *out)
{
	bool done[ARRAY_LEN(reply_table)] = { false };
	size_t i, j;

	for (i = 0; i < ARRAY_LEN(reply_table); i++) {
		const struct reply_row *r = &reply_table[i];

		if (r->code != code || r->verb == SMTP_VERB_UNKNOWN || done[i])
			continue;
		dbuf_printf(out, "  %s %s",
		    r->verb == SMTP_VERB_GREETING ? "as" : "to",
		    verb_label(r->verb));
		for (j = i + 1; j < ARRAY_LEN(reply_table); j++)
			if (reply_table[j].code == code &&
			    reply_table[j].verb != SMTP_VERB_UNKNOWN &&
			    strcmp(reply_table[j].text, r->text) == 0) {
				dbuf_printf(out, ", %s",
				    verb_label(reply_table[j].verb));
				done[j] = true;
			}
		dbuf_printf(out, ": %s (%s)\n", r->text, r->rfc);
	}
}

static void
explain_reply(int code, struct dbuf *out)
{
	const struct reply_row *any = NULL, *first = NULL;
	size_t i, j, texts = 0;
	int second = code / 10 % 10;

	/* texts: how many different meanings the verbs' own rows give */
	for (i = 0; i < ARRAY_LEN(reply_table); i++) {
		const struct reply_row *r = &reply_table[i];

		if (r->code != code)
			continue;
		if (r->verb == SMTP_VERB_UNKNOWN) {
			any = r;
			continue;
		}
		if (first == NULL)
			first = r;
		for (j = 0; j < i; j++)
			if (reply_table[j].code == code &&
			    reply_table[j].verb != SMTP_VERB_UNKNOWN &&
			    strcmp(reply_table[j].text, r->text) == 0)
				break;
		if (j == i)
			texts++;
	}
	if (any != NULL)
		dbuf_printf(out, "%d: %s (%s)\n", code, any->text, any->rfc);
	else if (first != NULL && texts == 1) {
		dbuf_printf(out, "%d: %s (%s), a reply to %s", code,
		    first->text, first->rfc, verb_label(first->verb));
		for (i = first - reply_table + 1; i < ARRAY_LEN(reply_table);
		     i++)
			if (reply_table[i].code == code)
				dbuf_printf(out, ", %s",
				    verb_label(reply_table[i].verb));
		dbuf_adds(out, " only\n");
	} else if (first != NULL)
		dbuf_printf(
		    out, "%d: its meaning depends on the command\n", code);
	else
		dbuf_printf(
		    out, "%d: no meaning of its own is defined\n", code);
	dbuf_printf(out, "  class %s; x%dz: %s (%s)\n", reply_class[code / 100],
	    second, second <= 5 ? reply_category[second] : "not defined",
	    RFC5321);
	if (any != NULL || texts > 1)
		explain_variants(code, out);
}

static void
explain_enh(int cls, int subject, int detail, struct dbuf *out)
{
	const struct enh_row *r = enh_lookup(subject, detail);
	char buf[160];

	enh_format(cls, subject, detail, buf, sizeof(buf));
	dbuf_printf(out, "%d.%d.%d: %s\n", cls, subject, detail, buf);
	dbuf_printf(out, "  class %d: %s (%s)\n", cls, enh_class[cls], RFC3463);
	if (subject < (int)ARRAY_LEN(enh_subject))
		dbuf_printf(out, "  subject %d: %s (%s)\n", subject,
		    enh_subject[subject], RFC3463);
	else
		dbuf_printf(out, "  subject %d: not registered\n", subject);
	if (r != NULL)
		dbuf_printf(out, "  detail %d.%d: %s (%s)\n", subject, detail,
		    r->text, r->rfc);
	else
		dbuf_printf(
		    out, "  detail %d.%d: not registered\n", subject, detail);
}

static size_t
skip_blanks(const char *s, size_t i, size_t n)
{
	while (i < n && ascii_isspace((unsigned char)s[i]))
		i++;
	return i;
}

int
smtp_explain(const char *query, struct dbuf *out)
{
	int code = 0, cls = 0, subject = 0, detail = 0;
	bool enh = false;
	size_t i, n, k;

	if (query == NULL)
		query = "";
	n = strlen(query);
	while (n > 0 &&
	    (ascii_isspace((unsigned char)query[n - 1]) ||
		query[n - 1] == '\r' || query[n - 1] == '\n'))
		n--;
	i = skip_blanks(query, 0, n);
	/* A reply code: three digits, then the end, a space or a '-'. */
	if (n - i >= 3 && ascii_isdigit((unsigned char)query[i]) &&
	    ascii_isdigit((unsigned char)query[i + 1]) &&
	    ascii_isdigit((unsigned char)query[i + 2]) &&
	    (n - i == 3 || ascii_isspace((unsigned char)query[i + 3]) ||
		query[i + 3] == '-')) {
		code = (query[i] - '0') * 100 + (query[i + 1] - '0') * 10 +
		    (query[i + 2] - '0');
		i += 3;
		if (i < n && query[i] == '-')
			i++;
		i = skip_blanks(query, i, n);
	}
	if ((k = enh_parse(query + i, n - i, &cls, &subject, &detail)) > 0) {
		enh = true;
		i = skip_blanks(query, i + k, n);
	}
	if ((code == 0 && !enh) || (code != 0 && !reply_code_valid(code))) {
		dbuf_adds(out, "\"");
		text_append_escaped(out, (const uint8_t *)query, strlen(query));
		dbuf_adds(out,
		    "\" is neither an SMTP reply code (three digits, "
		    "the first 2 to 5) nor an enhanced status code "
		    "(class.subject.detail, class 2, 4 or 5).\n");
		return -1;
	}
	if (code != 0)
		explain_reply(code, out);
	if (enh)
		explain_enh(cls, subject, detail, out);
	if (code != 0 && enh && code / 100 != cls)
		dbuf_printf(out,
		    "  note: the enhanced code's class %d does not match the "
		    "reply's class %d; they should agree\n",
		    cls, code / 100);
	if (i < n)
		dbuf_adds(
		    out, "  (the text after the code is not explained)\n");
	return 0;
}
