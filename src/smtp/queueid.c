/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Queue ids in replies to the end of data (queueid.h). Each form is
 * recognised by the words around the id, as each MTA writes them, never
 * by the shape of a token alone: "250 2.0.0 Ok" names no id, whatever
 * follows it.
 */
#include "smtp/queueid.h"

#include <string.h>

struct span {
	const char *p;
	size_t n;
};

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static bool
is_alnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

static bool
is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Where the words w (ASCII, in lower case; wl bytes) start in s, from
 * from on; n when absent. Every form looks for its words in every reply
 * to the end of data: a position is passed over on its first byte. */
static size_t
find_ci_n(const char *s, size_t n, size_t from, const char *w, size_t wl)
{
	size_t i, j;

	for (i = from; i + wl <= n; i++) {
		if (lower((unsigned char)s[i]) != w[0])
			continue;
		for (j = 1; j < wl; j++)
			if (lower((unsigned char)s[i + j]) != w[j])
				break;
		if (j == wl)
			return i;
	}
	return n;
}

/* The same for a string literal w, its length known as it is built. */
#define find_ci(s, n, from, w) find_ci_n(s, n, from, w, sizeof(w) - 1)

/* The run of bytes from at that ok() accepts. */
static struct span
run_at(const char *s, size_t n, size_t at, bool (*ok)(int))
{
	struct span r = { s + at, 0 };

	while (at + r.n < n && ok((unsigned char)s[at + r.n]))
		r.n++;
	return r;
}

/* The word (bytes other than blanks) that ends just before end, after
 * the blanks there. */
static struct span
word_before(const char *s, size_t end)
{
	struct span r = { s + end, 0 };

	while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	while (end > 0 && s[end - 1] != ' ' && s[end - 1] != '\t') {
		end--;
		r.n++;
	}
	r.p = s + end;
	return r;
}

static bool
all(struct span w, bool (*ok)(int))
{
	size_t i;

	for (i = 0; i < w.n; i++)
		if (!ok((unsigned char)w.p[i]))
			return false;
	return w.n > 0;
}

static bool
exim_char(int c)
{
	return is_alnum(c) || c == '-';
}

static bool
gmail_char(int c)
{
	return is_alnum(c) || c == '.' || c == '-' || c == '_';
}

/* Base64 of the session id, and ":R2" for its second recipient. */
static bool
dovecot_char(int c)
{
	return is_alnum(c) || c == '+' || c == '/' || c == ':';
}

static bool
courier_char(int c)
{
	return is_hex(c) || c == '.';
}

static bool
take(struct smtp_queue_id *q, struct span w, enum smtp_qid_form form)
{
	if (w.n == 0 || w.n >= sizeof(q->id))
		return false;
	memcpy(q->id, w.p, w.n);
	q->id[w.n] = '\0';
	q->form = form;
	return true;
}

/* Postfix: "Ok: queued as 7E0E9A80167" (short ids are hex, long ones
 * base 52 with digits); amavisd and other filters in front of a Postfix
 * repeat the downstream reply, so the last "queued as" is the one. */
static bool
postfix(const char *s, size_t n, struct smtp_queue_id *q)
{
	size_t at = n, i;

	for (i = find_ci(s, n, 0, "queued as "); i < n;
	     i = find_ci(s, n, i + 1, "queued as "))
		at = i;
	if (at == n)
		return false;
	return take(q, run_at(s, n, at + 10, is_alnum),
	    find_ci(s, n, 0, "ok: queued as ") != n ? SMTP_QID_POSTFIX
						    : SMTP_QID_OTHER);
}

/* Exim: "OK id=1xa3AW-00051D-2E" (4.97 and later:
 * "id=1rqSGY-000000004uN-3Hx9"); "id=" elsewhere, as a word of its own, is
 * another MTA's. */
static bool
exim(const char *s, size_t n, struct smtp_queue_id *q)
{
	size_t i;

	for (i = find_ci(s, n, 0, "id="); i < n;
	     i = find_ci(s, n, i + 1, "id=")) {
		if (i > 0 && s[i - 1] != ' ' && s[i - 1] != '\t')
			continue;
		return take(q, run_at(s, n, i + 3, exim_char),
		    i >= 3 && find_ci(s, n, i - 3, "ok id=") == i - 3
			? SMTP_QID_EXIM
			: SMTP_QID_OTHER);
	}
	return false;
}

/* Sendmail "x8DFv2aA012345 Message accepted for delivery", OpenSMTPD
 * "3a2f7d5e Message accepted for delivery" (eight hex digits). */
static bool
accepted_for_delivery(const char *s, size_t n, struct smtp_queue_id *q)
{
	size_t at = find_ci(s, n, 0, "message accepted for delivery");
	struct span w;

	if (at == n)
		return false;
	w = word_before(s, at);
	/* The enhanced code alone before it names no id. */
	if (!all(w, is_alnum))
		return false;
	if (w.n == 8 && all(w, is_hex))
		return take(q, w, SMTP_QID_OPENSMTPD);
	return take(q, w, w.n >= 12 ? SMTP_QID_SENDMAIL : SMTP_QID_OTHER);
}

/* Exchange and Microsoft 365: "[InternalId=12345, Hostname=...]". */
static bool
exchange(const char *s, size_t n, struct smtp_queue_id *q)
{
	size_t at = find_ci(s, n, 0, "[internalid=");

	if (at == n)
		return false;
	return take(q, run_at(s, n, at + 12, is_digit), SMTP_QID_EXCHANGE);
}

/* Gmail: "OK  1607971234 a1si1234567qka.55 - gsmtp". */
static bool
gmail(const char *s, size_t n, struct smtp_queue_id *q)
{
	size_t at = find_ci(s, n, 0, " - gsmtp");
	struct span w;

	if (at == n)
		return false;
	w = word_before(s, at);
	if (!all(w, gmail_char) || all(w, is_digit))
		return false;
	return take(q, w, SMTP_QID_GMAIL);
}

/* Dovecot's LMTP: "<bob@example.org> Ya1ZFo9wl2V+OgAA+bBthw Saved". */
static bool
dovecot(const char *s, size_t n, struct smtp_queue_id *q)
{
	size_t end = n;
	struct span w;

	while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	if (end < 6 || find_ci(s, end, end - 6, " saved") != end - 6)
		return false;
	w = word_before(s, end - 6);
	if (!all(w, dovecot_char))
		return false;
	return take(q, w, SMTP_QID_DOVECOT);
}

/* Courier: "Ok. 0000000F.5E1A6B0A.00012345". */
static bool
courier(const char *s, size_t n, struct smtp_queue_id *q)
{
	size_t at = find_ci(s, n, 0, "ok. ");
	struct span w;
	size_t i, dots = 0;

	if (at == n)
		return false;
	w = run_at(s, n, at + 4, courier_char);
	for (i = 0; i < w.n; i++)
		dots += w.p[i] == '.';
	if (dots != 2 || w.p[0] == '.' || w.p[w.n - 1] == '.')
		return false;
	return take(q, w, SMTP_QID_COURIER);
}

/* qmail: "ok 1607971234 qp 12345" (qp: the queueing process, which its
 * Received field names as "qmail 12345 invoked ..."). */
static bool
qmail(const char *s, size_t n, struct smtp_queue_id *q)
{
	size_t at = find_ci(s, n, 0, " qp ");
	struct span t;

	if (at == n || find_ci(s, n < 3 ? n : 3, 0, "ok ") != 0)
		return false;
	t = run_at(s, n, 3, is_digit);
	if (t.n == 0 || 3 + t.n != at)
		return false;
	return take(q, run_at(s, n, at + 4, is_digit), SMTP_QID_QMAIL);
}

/* Bytes that a form's words need (either case for a letter): one pass
 * over the text tells which forms can match, and only those are tried.
 * The reply to most ends of data ("2.0.0 Ok") can match none, where each
 * form's search went over the whole text. */
enum {
	NEED_Q = 1u << 0,
	NEED_EQ = 1u << 1,
	NEED_BRACKET = 1u << 2,
	NEED_DASH = 1u << 3,
	NEED_V = 1u << 4,
	NEED_G = 1u << 5,
	NEED_K = 1u << 6,
	NEED_DOTS3 = 1u << 7, /* three dots or more, counted apart */
};
static const unsigned char need_of[256] = {
	['q'] = NEED_Q,
	['Q'] = NEED_Q,
	['='] = NEED_EQ,
	['['] = NEED_BRACKET,
	['-'] = NEED_DASH,
	['v'] = NEED_V,
	['V'] = NEED_V,
	['g'] = NEED_G,
	['G'] = NEED_G,
	['k'] = NEED_K,
	['K'] = NEED_K,
};

bool
smtp_queue_id_parse(const char *text, size_t n, struct smtp_queue_id *q)
{
	/* In the order tried: the first that matches names the id. Each
	 * needs one byte other than a K at least. */
	static const struct {
		bool (*parse)(const char *, size_t, struct smtp_queue_id *);
		unsigned char need;
	} form[] = {
		{ postfix, NEED_Q },                  /* "queued as " */
		{ exim, NEED_EQ },                    /* "id=" */
		{ accepted_for_delivery, NEED_V },    /* "delivery" */
		{ exchange, NEED_BRACKET | NEED_EQ }, /* "[internalid=" */
		{ gmail, NEED_DASH | NEED_G },        /* " - gsmtp" */
		{ dovecot, NEED_V },                  /* " saved" */
		{ courier, NEED_K | NEED_DOTS3 }, /* "ok. ", two in the id */
		{ qmail, NEED_Q | NEED_K },       /* "ok ", " qp " */
	};
	unsigned has = 0;
	size_t i, dots = 0;

	q->id[0] = '\0';
	q->form = SMTP_QID_NONE;
	if (text == NULL)
		return false;
	for (i = 0; i < n; i++) {
		has |= need_of[(unsigned char)text[i]];
		dots += text[i] == '.';
	}
	if (dots >= 3)
		has |= NEED_DOTS3;
	if ((has & ~(unsigned)NEED_K) == 0)
		return false;
	for (i = 0; i < sizeof(form) / sizeof(form[0]); i++) {
		if ((has & form[i].need) != form[i].need)
			continue;
		if (form[i].parse(text, n, q))
			return true;
		q->id[0] = '\0';
		q->form = SMTP_QID_NONE;
	}
	return false;
}

const char *
smtp_qid_form_name(enum smtp_qid_form form)
{
	static const char *const name[] = {
		[SMTP_QID_NONE] = "",
		[SMTP_QID_POSTFIX] = "postfix",
		[SMTP_QID_EXIM] = "exim",
		[SMTP_QID_SENDMAIL] = "sendmail",
		[SMTP_QID_OPENSMTPD] = "opensmtpd",
		[SMTP_QID_EXCHANGE] = "exchange",
		[SMTP_QID_GMAIL] = "gmail",
		[SMTP_QID_DOVECOT] = "dovecot",
		[SMTP_QID_COURIER] = "courier",
		[SMTP_QID_QMAIL] = "qmail",
		[SMTP_QID_OTHER] = "other",
	};

	if ((unsigned)form >= sizeof(name) / sizeof(name[0]))
		return "";
	return name[form];
}
