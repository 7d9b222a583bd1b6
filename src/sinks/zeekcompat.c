/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How Zeek's smtp scripts take text apart (base/protocols/smtp/main.zeek,
 * base/utils/email.zeek, base/utils/addrs.zeek), copied so that the Zeek
 * log (zeeklog.c) holds what Zeek would: its escaping of log values, its
 * email and IP address extraction, its split of To and Cc fields. Kept
 * apart from the log's writer: this is Zeek's behaviour, not ours
 * (tests/zeek-differences.txt lists where we knowingly differ).
 */
#include "sinks/zeekcompat.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "event/model.h"

void
zeek_escape(struct dbuf *b, const char *s, size_t n, bool in_set)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *u = (const uint8_t *)s;
	size_t i = 0, len;
	char e[4] = { '\\', 'x', 0, 0 };

	while (i < n) {
		/* A run of printable ASCII that needs no escape, at once. */
		for (len = i; len < n && u[len] >= 0x20 && u[len] < 0x7f &&
		     u[len] != '\\' && !(in_set && u[len] == ',');
		     len++)
			continue;
		if (len > i) {
			dbuf_add(b, u + i, len - i);
			i = len;
			continue;
		}
		if (u[i] >= 0x80 && (len = utf8_seq_len(u + i, n - i)) > 1 &&
		    !unsafe_cp(utf8_decode(u + i, len))) {
			dbuf_add(b, u + i, len); /* LogAscii::enable_utf_8 */
			i += len;
			continue;
		}
		/* A C1 control (U+009B is a terminal's CSI) or a
		 * bidirectional override in UTF-8: its bytes as \xHH. */
		if (u[i] < 0x20 || u[i] >= 0x7f || u[i] == '\\' ||
		    (in_set && u[i] == ',')) {
			e[2] = hex[u[i] >> 4];
			e[3] = hex[u[i] & 0xf];
			dbuf_add(b, e, 4);
		} else
			dbuf_addc(b, (char)u[i]);
		i++;
	}
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The character classes of Zeek's email regex, one bit each, for a
 * byte a lookup (every RCPT of a run goes through them). */
enum {
	C_LEAD = 1,  /* <,: and blanks: before an address */
	C_LOCAL = 2, /* those and @: not in its local part */
	C_END = 4,   /* >,; and blanks: after its domain */
	C_DROP = 8,  /* <>,:; and blanks: not in the address kept */
};

static const uint8_t email_class[256] = {
	['<'] = C_LEAD | C_LOCAL | C_DROP,
	[','] = C_LEAD | C_LOCAL | C_END | C_DROP,
	[':'] = C_LEAD | C_LOCAL | C_DROP,
	[' '] = C_LEAD | C_LOCAL | C_END | C_DROP,
	['\t'] = C_LEAD | C_LOCAL | C_END | C_DROP,
	['@'] = C_LOCAL,
	['>'] = C_END | C_DROP,
	[';'] = C_END | C_DROP,
};

static bool
in_class(char c, unsigned cls)
{
	return (email_class[(unsigned char)c] & cls) != 0;
}

/*
 * One match of Zeek's email regex at s+i:
 * (^|[<,:[:blank:]])[^<,:[:blank:]@]+"@"[^>,;[:blank:]]+([>,;[:blank:]]|$)
 * On success *end is past the match and the address (the match without
 * <>,:; and blanks) is in out.
 */
static bool
email_at(
    const char *s, size_t len, size_t i, size_t *end, char *out, size_t size)
{
	size_t j = i, l0, o = 0, k;

	if (i > 0 || in_class(s[i], C_LEAD)) {
		if (!in_class(s[i], C_LEAD))
			return false;
		j++;
	}
	l0 = j;
	while (j < len && !in_class(s[j], C_LOCAL))
		j++;
	if (j == l0 || j >= len || s[j] != '@')
		return false;
	j++;
	k = j;
	while (j < len && !in_class(s[j], C_END))
		j++;
	if (j == k)
		return false;
	if (j < len)
		j++; /* the terminator */
	for (k = i; k < j && o + 1 < size; k++)
		if (!in_class(s[k], C_DROP))
			out[o++] = s[k];
	out[o] = '\0';
	*end = j;
	return true;
}

void
zeek_emails(const char *s, void (*fn)(void *, const char *), void *arg)
{
	size_t len = strlen(s), i = 0, end;
	char addr[SMTP_ADDR_MAX];

	while (i < len) {
		if (email_at(s, len, i, &end, addr, sizeof(addr))) {
			fn(arg, addr);
			i = end;
		} else
			i++;
	}
}

static void
first_email_cb(void *arg, const char *a)
{
	char **out = arg;

	if ((*out)[0] == '\0')
		memcpy(*out, a, strlen(a) + 1);
}

void
zeek_first_email(const char *s, char *out, size_t size)
{
	char buf[SMTP_ADDR_MAX] = "";
	char *p = buf;

	zeek_emails(s, first_email_cb, &p);
	snprintf(out, size, "%s", buf);
}

static bool
ip_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F') || c == '.' || c == ':';
}

static bool
valid_ip(const char *s)
{
	uint8_t buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1;
}

void
zeek_ip_addresses(const char *s, bool check_wrapping,
    void (*fn)(void *arg, const char *ip), void *arg)
{
	size_t len = strlen(s), i = 0, j, k;
	char ip[64];

	while (i < len) {
		if (!ip_char(s[i])) {
			i++;
			continue;
		}
		j = i;
		while (j < len && ip_char(s[j]))
			j++;
		/* Trim what cannot end or start an address. */
		k = j;
		while (k > i && s[k - 1] == '.')
			k--;
		if (k - i < sizeof(ip) && k > i) {
			memcpy(ip, s + i, k - i);
			ip[k - i] = '\0';
			if (valid_ip(ip)) {
				char p1 = i > 0 ? s[i - 1] : '\0';
				char p3 = k < len ? s[k] : '\0';

				if (!check_wrapping || (i == 0 && k == len) ||
				    (p1 == '[' && p3 == ']') ||
				    (p1 == '(' && p3 == ')') ||
				    (p1 == '{' && p3 == '}') ||
				    (p1 == ' ' && p3 == ' '))
					fn(arg, ip);
			}
		}
		i = j;
	}
}

/* split_mime_email_addresses(): /(\"[^"]*\")?[^,]+/, each stripped. */
void
zeek_split_mime_addresses(
    const char *s, void (*fn)(void *arg, const char *addr), void *arg)
{
	size_t len = strlen(s), i = 0, j, a, b, best;
	char *v;

	while (i < len) {
		best = i;
		j = i;
		while (j < len && s[j] != ',')
			j++;
		best = j;
		if (s[i] == '"') {
			const char *q = memchr(s + i + 1, '"', len - i - 1);

			if (q != NULL) {
				j = (size_t)(q - s) + 1;
				if (j < len && s[j] != ',') {
					while (j < len && s[j] != ',')
						j++;
					if (j > best)
						best = j;
				}
			}
		}
		if (best == i) {
			i++;
			continue;
		}
		a = i;
		b = best;
		while (a < b && is_blank(s[a]))
			a++;
		while (b > a && is_blank(s[b - 1]))
			b--;
		v = cmemdup0(s + a, b - a);
		fn(arg, v);
		cfree(v);
		i = best;
	}
}
