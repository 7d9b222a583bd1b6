/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SMTP found by its content (content.h): the first line of each
 * direction sorted into a kind, the two kinds judged together, once
 * each way round; an HTTP CONNECT tunnel's header blocks stepped over
 * first. Every read is within the lengths given.
 */
#include "net/content.h"

#include <string.h>

/* What the first line of one direction is, as far as it goes. */
enum line_kind {
	K_EMPTY,      /* no byte yet */
	K_PREFIX,     /* the start of a kind below, too short to tell */
	K_GREET_OPEN, /* a greeting code, its line not ended, no word yet */
	K_GREET,      /* a greeting line without SMTP named */
	K_GREET_SMTP, /* a greeting line that names SMTP, ESMTP or LMTP */
	K_HELO,       /* HELO, EHLO or LHLO */
	K_CONNECT,    /* an HTTP CONNECT request */
	K_OTHER,      /* anything else */
};

enum judgement { NO, MAYBE, YES };

static unsigned char
upper(unsigned char c)
{
	return c >= 'a' && c <= 'z' ? (unsigned char)(c - 'a' + 'A') : c;
}

static bool
alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z');
}

/* 0: p does not start like lit; 1: p is shorter than lit and starts it;
 * 2: p starts with lit. ci: case does not matter. */
static int
starts(const uint8_t *p, size_t n, const char *lit, bool ci)
{
	size_t i, len = strlen(lit);

	for (i = 0; i < len && i < n; i++) {
		unsigned char c = p[i], l = (unsigned char)lit[i];

		if (ci ? upper(c) != l : c != l)
			return 0;
	}
	return n < len ? 1 : 2;
}

/* SMTP, ESMTP or LMTP as a word of p (any case). */
static bool
names_smtp(const uint8_t *p, size_t n)
{
	static const char *const words[] = { "SMTP", "ESMTP", "LMTP" };
	size_t i = 0, j, w, len;

	while (i < n) {
		if (!alnum(p[i])) {
			i++;
			continue;
		}
		for (j = i; j < n && alnum(p[j]); j++)
			;
		len = j - i;
		for (w = 0; w < sizeof(words) / sizeof(words[0]); w++)
			if (len == strlen(words[w]) &&
			    starts(p + i, len, words[w], true) == 2)
				return true;
		i = j;
	}
	return false;
}

static bool
line_sep(unsigned char c)
{
	return c == ' ' || c == '-' || c == '\r' || c == '\n';
}

/* The kind of the first line of p (n bytes); done: no more will come. */
static enum line_kind
line_kind(const uint8_t *p, size_t n, bool done)
{
	static const char *const codes[] = { "220", "421", "521", "554" };
	static const char *const helos[] = { "HELO", "EHLO", "LHLO" };
	const uint8_t *eol;
	bool prefix = false;
	size_t i, end;

	if (n == 0)
		return K_EMPTY;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		int s = starts(p, n, codes[i], false);

		if (s == 1 || (s == 2 && n == 3)) {
			prefix = true;
			continue;
		}
		if (s == 0 || !line_sep(p[3]))
			continue;
		eol = memchr(p, '\n', n);
		end = eol != NULL ? (size_t)(eol - p) : n;
		if (names_smtp(p + 3, end - 3))
			return K_GREET_SMTP;
		return eol != NULL || done ? K_GREET : K_GREET_OPEN;
	}
	for (i = 0; i < sizeof(helos) / sizeof(helos[0]); i++) {
		int s = starts(p, n, helos[i], true);

		if (s == 1 || (s == 2 && n == 4)) {
			prefix = true;
			continue;
		}
		if (s == 2 &&
		    (p[4] == ' ' || p[4] == '\t' || p[4] == '\r' ||
			p[4] == '\n'))
			return K_HELO;
	}
	switch (starts(p, n, "CONNECT ", false)) {
	case 1:
		prefix = true;
		break;
	case 2:
		return K_CONNECT;
	default:
		break;
	}
	/* Too short to tell and nothing more to come: the bytes that are
	 * there are a whole "220", "HELO" or nothing. */
	if (prefix && done) {
		if (n == 3)
			for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
				if (starts(p, n, codes[i], false) == 2)
					return K_GREET;
		if (n == 4)
			for (i = 0; i < sizeof(helos) / sizeof(helos[0]); i++)
				if (starts(p, n, helos[i], true) == 2)
					return K_HELO;
		return K_OTHER;
	}
	return prefix ? K_PREFIX : K_OTHER;
}

/* Is it SMTP with s the server and c the client, by their first lines? */
static enum judgement
smtp_with_server(enum line_kind s, enum line_kind c)
{
	if (s == K_GREET_SMTP)
		return YES;
	if (c == K_HELO) {
		if (s == K_EMPTY || s == K_GREET || s == K_GREET_OPEN)
			return YES;
		return s == K_PREFIX ? MAYBE : NO;
	}
	if (s == K_GREET_OPEN)
		return MAYBE; /* the word may come later in the line */
	if ((s == K_EMPTY || s == K_PREFIX || s == K_GREET) &&
	    (c == K_EMPTY || c == K_PREFIX))
		return MAYBE;
	return NO;
}

static enum content_verdict
classify_plain(const uint8_t *a, size_t na, bool done_a, const uint8_t *b,
    size_t nb, bool done_b, struct content_result *r)
{
	enum line_kind ka = line_kind(a, na, done_a);
	enum line_kind kb = line_kind(b, nb, done_b);
	enum judgement normal = smtp_with_server(kb, ka);
	enum judgement swapped = smtp_with_server(ka, kb);

	if (normal == YES) {
		r->swapped = false;
		return CONTENT_SMTP;
	}
	if (swapped == YES) {
		r->swapped = true;
		return CONTENT_SMTP;
	}
	if ((normal == MAYBE || swapped == MAYBE) && !(done_a && done_b))
		return CONTENT_MORE;
	return CONTENT_OTHER;
}

/* The end of the header block that starts at p: the offset just past
 * its empty line, 0 if it has not ended within n bytes. */
static size_t
header_block_end(const uint8_t *p, size_t n)
{
	size_t i = 0;
	const uint8_t *eol;

	while (i < n && (eol = memchr(p + i, '\n', n - i)) != NULL) {
		size_t len = (size_t)(eol - (p + i));

		if (i > 0 && (len == 0 || (len == 1 && p[i] == '\r')))
			return (size_t)(eol - p) + 1;
		i = (size_t)(eol - p) + 1;
	}
	return 0;
}

/* "HTTP/1.x" then a blank at p: its length (9), 0 if not, -1 too
 * short to tell. */
static int
http_version(const uint8_t *p, size_t n)
{
	int s = starts(p, n, "HTTP/1.", false);

	if (s == 0)
		return 0;
	if (s == 1 || n < 9)
		return -1;
	return p[7] >= '0' && p[7] <= '9' && p[8] == ' ' ? 9 : 0;
}

/* "HTTP/1.x" and the line's end (CR LF or LF at eol) from p on. */
static bool
request_version(const uint8_t *p, const uint8_t *eol)
{
	size_t n = (size_t)(eol - p);

	return starts(p, n, "HTTP/1.", false) == 2 && n >= 8 && p[7] >= '0' &&
	    p[7] <= '9' && (n == 8 || (n == 9 && p[8] == '\r'));
}

/* An HTTP CONNECT tunnel (a starts "CONNECT "): its header blocks
 * stepped over, the rest judged as plain SMTP. */
static enum content_verdict
classify_tunnel(const uint8_t *a, size_t na, bool done_a, const uint8_t *b,
    size_t nb, bool done_b, struct content_result *r)
{
	size_t i, t0 = 8, tlen, skip_a, skip_b;
	const uint8_t *eol = memchr(a, '\n', na);
	int v;
	enum content_verdict got;

	/* The request line: "CONNECT target HTTP/1.x". */
	if (eol == NULL)
		return done_a ? CONTENT_OTHER : CONTENT_MORE;
	for (i = t0; a + i < eol && a[i] > ' ' && a[i] < 0x7f; i++)
		;
	tlen = i - t0;
	if (tlen == 0 || tlen >= CONTENT_TARGET_MAX || a + i >= eol ||
	    a[i] != ' ' || !request_version(a + i + 1, eol))
		return CONTENT_OTHER;
	if ((skip_a = header_block_end(a, na)) == 0)
		return done_a ? CONTENT_OTHER : CONTENT_MORE;
	/* The proxy's reply: "HTTP/1.x 2xx", then its header block. */
	v = http_version(b, nb);
	if (v == 0)
		return CONTENT_OTHER;
	if (v < 0 || nb < 13)
		return done_b ? CONTENT_OTHER : CONTENT_MORE;
	if (b[9] != '2' || b[10] < '0' || b[10] > '9' || b[11] < '0' ||
	    b[11] > '9' || !(b[12] == ' ' || b[12] == '\r' || b[12] == '\n'))
		return CONTENT_OTHER;
	if ((skip_b = header_block_end(b, nb)) == 0)
		return done_b ? CONTENT_OTHER : CONTENT_MORE;
	got = classify_plain(a + skip_a, na - skip_a, done_a, b + skip_b,
	    nb - skip_b, done_b, r);
	if (got == CONTENT_SMTP) {
		r->tunnel = true;
		r->skip[0] = skip_a;
		r->skip[1] = skip_b;
		memcpy(r->target, a + t0, tlen);
		r->target[tlen] = '\0';
	}
	return got;
}

enum content_verdict
content_classify(const uint8_t *a, size_t na, bool done_a, const uint8_t *b,
    size_t nb, bool done_b, struct content_result *r)
{
	memset(r, 0, sizeof(*r));
	if (na >= CONTENT_DIR_MAX) {
		na = CONTENT_DIR_MAX;
		done_a = true;
	}
	if (nb >= CONTENT_DIR_MAX) {
		nb = CONTENT_DIR_MAX;
		done_b = true;
	}
	switch (line_kind(a, na, done_a)) {
	case K_CONNECT:
		return classify_tunnel(a, na, done_a, b, nb, done_b, r);
	case K_EMPTY:
	case K_PREFIX:
		/* A proxy's reply before its request was seen whole. */
		if (!done_a && starts(a, na, "CONNECT ", false) != 0 &&
		    starts(b, nb, "HTTP/1.", false) != 0)
			return CONTENT_MORE;
		break;
	default:
		break;
	}
	return classify_plain(a, na, done_a, b, nb, done_b, r);
}

const char *
content_verdict_name(enum content_verdict v)
{
	switch (v) {
	case CONTENT_MORE:
		return "more";
	case CONTENT_SMTP:
		return "smtp";
	default:
		return "other";
	}
}
