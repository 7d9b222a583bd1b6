/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The X-Smtpscope-* header block put before each message. Every value that
 * comes from the wire is escaped: printable ASCII stays, a backslash
 * becomes "\\", any other byte (controls, CR, LF, DEL, 8-bit) "\xNN", so
 * the block is plain ASCII without a stray line break. A value is capped
 * at EML_VALUE_MAX bytes (then ends in "[...]") and folded before a blank
 * past column EML_FOLD_AT, so that unfolding gives the value back and no
 * line exceeds RFC 5322's 998 bytes.
 */
#include "eml.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BUF_MAX ((size_t)64 << 20) /* never reached: a sanity cap */

void
eml_buf_add(struct eml_buf *b, const void *p, size_t n)
{
	if (b->oom || n == 0)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap > 0 ? b->cap : 1024;
		char *q;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > BUF_MAX || (q = realloc(b->p, cap)) == NULL) {
			b->oom = true;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
eml_buf_free(struct eml_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static void
buf_str(struct eml_buf *b, const char *s)
{
	eml_buf_add(b, s, strlen(s));
}

/* s[0..n) escaped into v (at most EML_VALUE_MAX bytes with the marker). */
static void
escape(struct eml_buf *v, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		char e[4];
		size_t elen;

		if (s[i] == '\\') {
			e[0] = e[1] = '\\';
			elen = 2;
		} else if (s[i] >= 0x20 && s[i] < 0x7f) {
			e[0] = (char)s[i];
			elen = 1;
		} else {
			e[0] = '\\';
			e[1] = 'x';
			e[2] = hex[s[i] >> 4];
			e[3] = hex[s[i] & 15];
			elen = 4;
		}
		if (v->len + elen > EML_VALUE_MAX - 5) {
			buf_str(v, "[...]");
			return;
		}
		eml_buf_add(v, e, elen);
	}
}

static void
escape_str(struct eml_buf *v, const char *s)
{
	if (s != NULL)
		escape(v, (const uint8_t *)s, strlen(s));
}

/* "X-Smtpscope-NAME: VALUE\r\n", folded before blanks past EML_FOLD_AT
 * (never so that a line would be blanks only). */
static void
field(struct eml_buf *b, const char *name, const struct eml_buf *v)
{
	size_t col, i, start = 0;
	const char *p = v->p != NULL ? v->p : "";
	size_t n = v->len;

	buf_str(b, "X-Smtpscope-");
	buf_str(b, name);
	buf_str(b, ":");
	col = strlen("X-Smtpscope-") + strlen(name) + 1;
	if (n > 0 && p[0] != ' ') {
		buf_str(b, " ");
		col++;
	}
	for (i = 0; i < n; i++) {
		if (p[i] == ' ' && col + (i - start) >= EML_FOLD_AT &&
		    i > start && i + strspn(p + i, " ") < n) {
			eml_buf_add(b, p + start, i - start);
			buf_str(b, "\r\n");
			col = 0;
			start = i;
		}
	}
	eml_buf_add(b, p + start, n - start);
	buf_str(b, "\r\n");
}

/* A field whose value is printf-made from trusted data. */
static void fieldf(struct eml_buf *b, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fieldf(struct eml_buf *b, const char *name, const char *fmt, ...)
{
	struct eml_buf v = { 0 };
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	buf_str(&v, text);
	field(b, name, &v);
	if (v.oom)
		b->oom = true;
	eml_buf_free(&v);
}

/* "2026-11-22T10:11:12.123456Z" */
static void
time_iso(double ts, char *buf, size_t size)
{
	struct tm tm;
	time_t t;
	double fl;
	long us;

	if (!(ts >= 0 && ts < 253402300799.0))
		ts = 0;
	fl = (double)(int64_t)ts; /* ts >= 0: floor() without libm */
	us = (long)((ts - fl) * 1e6 + 0.5);
	if (us >= 1000000) {
		fl += 1;
		us = 0;
	}
	t = (time_t)fl;
	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, size, "unknown");
		return;
	}
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, us);
}

void
eml_time_compact(double ts, char *buf, size_t size)
{
	struct tm tm;
	time_t t;

	if (!(ts >= 0 && ts < 253402300799.0))
		ts = 0;
	t = (time_t)ts;
	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	snprintf(buf, size, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void
endpoint(struct eml_buf *b, const struct smtpscope_host *host, const char *name,
    const struct smtpscope_endpoint *ep)
{
	char addr[64];

	host->addr_str(ep, addr, sizeof(addr));
	if (ep->family == 6)
		fieldf(b, name, "[%s]:%u", addr, (unsigned)ep->port);
	else
		fieldf(b, name, "%s:%u", addr, (unsigned)ep->port);
}

/* "CODE <address>", code "none" without a reply. */
static void
path_field(struct eml_buf *b, const char *name, int code, const char *addr)
{
	struct eml_buf v = { 0 };
	char c[16];

	if (code > 0)
		snprintf(c, sizeof(c), "%d <", code);
	else
		snprintf(c, sizeof(c), "none <");
	buf_str(&v, c);
	escape_str(&v, addr);
	buf_str(&v, ">");
	field(b, name, &v);
	if (v.oom)
		b->oom = true;
	eml_buf_free(&v);
}

/* "CODE ENH TEXT": ENH "-" when there is none; "none" without a reply. */
static void
reply_field(
    struct eml_buf *b, const char *name, const struct smtpscope_reply *r)
{
	struct eml_buf v = { 0 };
	char c[16];

	if (r->code <= 0) {
		buf_str(&v, "none");
	} else {
		snprintf(c, sizeof(c), "%d ", r->code);
		buf_str(&v, c);
		if (r->enh[0] != '\0')
			escape(&v, (const uint8_t *)r->enh,
			    strnlen(r->enh, sizeof(r->enh)));
		else
			buf_str(&v, "-");
		if (r->text != NULL) {
			buf_str(&v, " ");
			escape_str(&v, r->text);
		}
	}
	field(b, name, &v);
	if (v.oom)
		b->oom = true;
	eml_buf_free(&v);
}

void
eml_header_block(struct eml_buf *b, const struct smtpscope_host *host,
    const struct smtpscope_session *si, const struct smtpscope_transaction *tx,
    const struct eml_body_info *bi)
{
	struct eml_buf v = { 0 };
	char t[64], len[16];
	size_t i;

	/* Patched at the end: the length is fixed-width. */
	fieldf(b, "Header-Length", "%08u", 0u);
	fieldf(b, "Session", "%" PRIu64, si->id);
	fieldf(b, "Trans-Depth", "%u", tx->depth);
	/* After TURN/ATRN the TCP server sent the mail. */
	endpoint(b, host, "Client", tx->reversed ? &si->server : &si->client);
	endpoint(b, host, "Server", tx->reversed ? &si->client : &si->server);
	/* The HELO in force when the server took the MAIL. */
	if (tx->helo != NULL && tx->helo[0] != '\0') {
		escape_str(&v, tx->helo);
		field(b, "Helo", &v);
	}
	path_field(b, "Mail-From", tx->mail->code, tx->mail_from);
	for (i = 0; i < tx->nrcpt; i++)
		path_field(
		    b, "Rcpt-To", tx->rcpt[i]->reply->code, tx->rcpt[i]->addr);
	if (tx->rcpt_total > tx->nrcpt)
		fieldf(b, "Rcpt-Not-Listed", "%zu", tx->rcpt_total - tx->nrcpt);
	reply_field(b, "Final-Reply", tx->final);
	time_iso(tx->ts, t, sizeof(t));
	fieldf(b, "Time", "%s", t);
	time_iso(tx->ts_end, t, sizeof(t));
	fieldf(b, "Time-End", "%s", t);
	fieldf(b, "TLS", "%s", si->tls ? "yes" : "no");
	fieldf(b, "Outcome", "%s", host->outcome_name(tx->outcome));
	fieldf(b, "Size", "%" PRIu64, tx->size);
	fieldf(b, "Body-Bytes", "%" PRIu64, bi->kept);
	if (bi->missing > 0)
		fieldf(b, "Missing",
		    "%" PRIu64 " bytes never captured, the first at offset "
		    "%" PRIu64 "; the message is incomplete",
		    bi->missing, bi->first_missing);
	if (!tx->data_complete)
		fieldf(b, "Incomplete", "the end of the data was not seen");
	if (bi->truncated)
		fieldf(b, "Truncated",
		    "cut at max_size=%" PRIu64 " of %" PRIu64 " bytes",
		    bi->max_size, tx->size);
	if (v.oom)
		b->oom = true;
	eml_buf_free(&v);
	if (!b->oom && b->len < 100000000) {
		/* "X-Smtpscope-Header-Length: " is 27 bytes. */
		snprintf(len, sizeof(len), "%08zu", b->len);
		memcpy(b->p + 27, len, 8);
	}
}
