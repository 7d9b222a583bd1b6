/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Received fields: the relay address each names in its "from" clause
 * (the path of relays the message took) and the field taken apart into
 * its clauses; with the address and comment syntax the other header
 * fields share.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "lib/util.h"
#include "smtp/message.h"
#include "smtp/message_internal.h"

/*
 * Addresses.
 */

/* Canonical text of the IPv4 or IPv6 address s (brackets stripped). */
bool
ip_canon(const char *s, size_t n, char *out, size_t size)
{
	unsigned char addr[16];
	char tmp[64];

	trim(&s, &n);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
		trim(&s, &n);
	}
	if (n > 5 && ascii_prefix_ci((const uint8_t *)s, n, "IPv6:")) {
		s += 5;
		n -= 5;
	}
	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, addr) == 1)
		return inet_ntop(AF_INET, addr, out, (socklen_t)size) != NULL;
	if (inet_pton(AF_INET6, tmp, addr) == 1)
		return inet_ntop(AF_INET6, addr, out, (socklen_t)size) != NULL;
	return false;
}

/* Does the text just before s[at] claim a HELO name ("helo=", "HELO ")? */
static bool
after_helo(const char *s, size_t at)
{
	if (at < 5)
		return false;
	return ascii_prefix_ci((const uint8_t *)s + at - 5, 5, "helo=") ||
	    ascii_prefix_ci((const uint8_t *)s + at - 5, 5, "helo ") ||
	    ascii_prefix_ci((const uint8_t *)s + at - 5, 5, "ehlo=") ||
	    ascii_prefix_ci((const uint8_t *)s + at - 5, 5, "ehlo ");
}

/* Skip a comment starting at s[i] == '(': nested, with quoted pairs. */
size_t
skip_comment(const char *s, size_t n, size_t i)
{
	size_t depth = 0;

	for (; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		else if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			return i + 1;
	}
	return n;
}

static bool
is_clause_end(const char *w, size_t n)
{
	return ascii_eq_ci(w, n, "by") || ascii_eq_ci(w, n, "via") ||
	    ascii_eq_ci(w, n, "with") || ascii_eq_ci(w, n, "id") ||
	    ascii_eq_ci(w, n, "for");
}

/*
 * Zeek takes an address wrapped in [] or () from each Received field.
 * Here only the "from" clause is searched (not the "by" host's own
 * address, which Exchange writes the same way), and of its literals
 * the last one that is not a HELO claim: the one the receiving MTA saw
 * ("from helo (rdns [ip])", "from [ip] (helo=x)", "from x (ip)").
 */
bool
msg_received_ip(const char *s, size_t n, char *out, size_t size)
{
	size_t i = 0, start = 0, end = 0, w, k;
	bool found = false, in_from = false;

	/* The clause: from the word "from" to the next clause word. */
	while (i < n) {
		if (is_lwsp((unsigned char)s[i])) {
			i++;
			continue;
		}
		if (s[i] == '(') {
			i = skip_comment(s, n, i);
			continue;
		}
		if (s[i] == ';')
			break;
		w = i;
		while (i < n && !is_lwsp((unsigned char)s[i]) && s[i] != '(' &&
		    s[i] != ';')
			i++;
		if (!in_from && ascii_eq_ci(s + w, i - w, "from")) {
			in_from = true;
			start = i;
		} else if (in_from && is_clause_end(s + w, i - w)) {
			end = w;
			break;
		}
	}
	if (!in_from)
		return false;
	if (end == 0)
		end = i;
	for (i = start; i < end; i++) {
		if (s[i] == '[') {
			for (k = i + 1; k < end && s[k] != ']' && s[k] != '[';
			     k++)
				;
			if (k < end && s[k] == ']' && !after_helo(s, i) &&
			    ip_canon(s + i + 1, k - i - 1, out, size))
				found = true;
		} else if (s[i] == '(') {
			/* A comment that is an address and nothing else. */
			for (k = i + 1; k < end && s[k] != ')' && s[k] != '(';
			     k++)
				;
			if (k < end && s[k] == ')' &&
			    ip_canon(s + i + 1, k - i - 1, out, size))
				found = true;
		}
	}
	return found;
}

/*
 * Received fields taken apart (RFC 5321 4.4): the "from", "by", "via",
 * "with", "id" and "for" clauses in any order (Exchange writes "via"
 * after "id", DragonFly "id" before "by"), each running to the next
 * clause keyword, and the date after the last ';'. A keyword counts
 * only as a word of its own outside comments, quoted strings and angle
 * brackets: "(using TLSv1.3 with cipher ...)" starts no clause. What
 * comes before the first keyword (qmail's lone comment), a clause named
 * a second time, and the additional clauses of RFC 5321 (RFC 8314's
 * "tls", which Exim writes) are dropped rather than run into a known
 * clause. Other words stay in the clause before them: Exchange's "with
 * Microsoft SMTP Server (...)" and "via Frontend Transport". Each part
 * is a piece of the field's value, so MSG_HEADER_VALUE_MAX caps it.
 */

enum received_part {
	RP_FROM,
	RP_BY,
	RP_VIA,
	RP_WITH,
	RP_ID,
	RP_FOR,
	RP_DATE,
	RP_COUNT,
	RP_NONE = RP_COUNT, /* a clause not kept */
};

static const struct received_keyword {
	const char *name;
	enum received_part part;
} received_keywords[] = {
	{ "from", RP_FROM },
	{ "by", RP_BY },
	{ "via", RP_VIA },
	{ "with", RP_WITH },
	{ "id", RP_ID },
	{ "for", RP_FOR },
	{ "tls", RP_NONE },
};

/* The parts in struct order: the order of their block (one allocation,
 * starting with the first part present). */
static void
received_slots(struct smtp_received *r, char **slot[RP_COUNT])
{
	slot[RP_FROM] = &r->from;
	slot[RP_BY] = &r->by;
	slot[RP_VIA] = &r->via;
	slot[RP_WITH] = &r->with;
	slot[RP_ID] = &r->id;
	slot[RP_FOR] = &r->for_;
	slot[RP_DATE] = &r->date;
}

/* Unclosed quoted strings and angle brackets seen so far. */
struct received_scan {
	bool quote_never, angle_never;
};

/*
 * The end of the quoted string or angle address at s[i], or i + 1 when
 * it never closes: then it is an ordinary character. Once one never
 * closes, no later one does either, so the scan stays linear.
 */
static size_t
skip_delimited(struct received_scan *sc, const char *s, size_t n, size_t i)
{
	bool quote = s[i] == '"';
	bool *never = quote ? &sc->quote_never : &sc->angle_never;
	size_t k;

	if (*never)
		return i + 1;
	for (k = i + 1; k < n; k++) {
		if (quote && s[k] == '\\' && k + 1 < n)
			k++;
		else if (s[k] == (quote ? '"' : '>'))
			return k + 1;
	}
	*never = true;
	return i + 1;
}

/* Bytes a word stops at: to look at (RW_STOP) or to skip whole. */
#define RW_STOP 1  /* a blank, '(' or ';' ends it */
#define RW_DELIM 2 /* '"' or '<' opens what a keyword cannot be in */

static const uint8_t received_class[256] = {
	[' '] = RW_STOP,
	['\t'] = RW_STOP,
	['\r'] = RW_STOP,
	['\n'] = RW_STOP,
	['('] = RW_STOP,
	[';'] = RW_STOP,
	['"'] = RW_DELIM,
	['<'] = RW_DELIM,
};

/* Where the word at s[i] (not a blank, '(' or ';') ends. */
static size_t
received_word_end(struct received_scan *sc, const char *s, size_t n, size_t i)
{
	uint8_t cls;

	while (i < n) {
		cls = received_class[(unsigned char)s[i]];
		if (cls == 0)
			i++;
		else if (cls == RW_DELIM)
			i = skip_delimited(sc, s, n, i);
		else
			break;
	}
	return i;
}

static bool
received_keyword(const char *w, size_t n, size_t *index)
{
	size_t i;

	/* Most words are no keyword: "from" to "tls", f b v w i t. */
	if (n < 2 || n > 4 || memchr("fbvwitFBVWIT", w[0], 12) == NULL)
		return false;
	for (i = 0; i < ARRAY_LEN(received_keywords); i++) {
		if (ascii_eq_ci(w, n, received_keywords[i].name)) {
			*index = i;
			return true;
		}
	}
	return false;
}

/*
 * The parts found, len[k] bytes of s from at[k], into *r in one block
 * (none when no part was found); returns the size of the block.
 */
static size_t
received_store(const char *s, const size_t at[RP_COUNT],
    const size_t len[RP_COUNT], struct smtp_received *r)
{
	char **slot[RP_COUNT], *block;
	size_t k, total = 0;

	memset(r, 0, sizeof(*r));
	for (k = 0; k < RP_COUNT; k++)
		if (len[k] > 0)
			total += len[k] + 1;
	if (total == 0)
		return 0;
	block = cmalloc(total);
	received_slots(r, slot);
	for (k = 0; k < RP_COUNT; k++) {
		if (len[k] == 0)
			continue;
		memcpy(block, s + at[k], len[k]);
		block[len[k]] = '\0';
		*slot[k] = block;
		block += len[k] + 1;
	}
	return total;
}

/*
 * Take the Received value s apart into *r, its parts in one block;
 * returns the size of the block. One pass: at each ';' the clauses as
 * they stand are remembered (the keywords seen, the open clause's
 * length), and at the end what came after the last ';' is the date.
 */
size_t
received_parse(const char *s, size_t n, struct smtp_received *r)
{
	struct received_scan sc = { false, false };
	size_t at[RP_COUNT] = { 0 }, len[RP_COUNT] = { 0 };
	size_t i = 0, w, k, semi = n, semi_len = 0;
	enum received_part cur = RP_NONE, semi_cur = RP_NONE;
	unsigned seen = 0, semi_seen = 0;

	while (i < n) {
		switch (s[i]) {
		case ' ':
		case '\t':
		case '\r':
		case '\n':
			i++;
			continue;
		case ';':
			semi = i++;
			semi_seen = seen;
			semi_cur = cur;
			semi_len = cur != RP_NONE ? len[cur] : 0;
			continue;
		case '(':
			w = i;
			i = skip_comment(s, n, i);
			break;
		default:
			w = i;
			i = received_word_end(&sc, s, n, i);
			if (received_keyword(s + w, i - w, &k)) {
				cur = (seen & (1u << k)) != 0
				    ? RP_NONE
				    : received_keywords[k].part;
				seen |= 1u << k;
				continue;
			}
			break;
		}
		if (cur == RP_NONE)
			continue;
		if (len[cur] == 0)
			at[cur] = w;
		len[cur] = i - at[cur];
	}
	if (semi < n) {
		/* The clauses as they were at the last ';' (keyword k of
		 * the table names part k, "tls" aside). */
		for (k = 0; k < RP_DATE; k++)
			if ((semi_seen & (1u << k)) == 0)
				len[k] = 0;
		if (semi_cur != RP_NONE)
			len[semi_cur] = semi_len;
		at[RP_DATE] = semi + 1;
		len[RP_DATE] = n - semi - 1;
		while (len[RP_DATE] > 0 &&
		    is_lwsp((unsigned char)s[at[RP_DATE]])) {
			at[RP_DATE]++;
			len[RP_DATE]--;
		}
		while (len[RP_DATE] > 0 &&
		    is_lwsp((unsigned char)s[at[RP_DATE] + len[RP_DATE] - 1]))
			len[RP_DATE]--;
	}
	return received_store(s, at, len, r);
}

void
received_free(struct smtp_received *r)
{
	char **slot[RP_COUNT];
	size_t k;

	received_slots(r, slot);
	for (k = 0; k < RP_COUNT; k++) {
		if (*slot[k] != NULL) {
			cfree(*slot[k]);
			break;
		}
	}
	memset(r, 0, sizeof(*r));
}
