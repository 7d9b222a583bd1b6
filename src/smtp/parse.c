/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parsers of what commands and replies carry: the path and the ESMTP
 * parameters of MAIL and RCPT, reply lines, enhanced status codes and the
 * capabilities of an EHLO reply. Every byte is read within its length.
 */
#include <string.h>

#include "lib/util.h"
#include "smtp/smtp.h"

int
smtp_parse_path(const uint8_t *arg, size_t len, const char *keyword, char *out,
    size_t size, size_t *rest)
{
	size_t i = 0, kw, start, end, o = 0;
	int quoted = 0;

	if (rest != NULL)
		*rest = len;
	if (size == 0)
		return -1;
	out[0] = '\0';
	while (i < len && ascii_isspace(arg[i]))
		i++;
	/* The keyword without its colon (compared as ascii_prefix_ci()
	 * would, in the same walk that finds its length), then optional
	 * spaces, a colon. */
	for (kw = 0; keyword[kw] != '\0'; kw++, i++)
		if (i >= len ||
		    ascii_toupper(arg[i]) !=
			ascii_toupper((unsigned char)keyword[kw]))
			return -1;
	while (i < len && ascii_isspace(arg[i]))
		i++;
	if (i >= len || arg[i] != ':')
		return -1;
	i++;
	while (i < len && ascii_isspace(arg[i]))
		i++;
	if (i < len && arg[i] == '<') {
		const uint8_t *gt;

		start = ++i;
		/* No quote or backslash before the '>' (the common path):
		 * it ends the path. */
		gt = memchr(arg + i, '>', len - i);
		if (gt == NULL)
			gt = arg + len;
		if (memchr(arg + i, '"', (size_t)(gt - (arg + i))) == NULL &&
		    memchr(arg + i, '\\', (size_t)(gt - (arg + i))) == NULL)
			i = (size_t)(gt - arg);
		while (i < len) {
			if (arg[i] == '\\' && i + 1 < len) {
				i += 2;
				continue;
			}
			if (arg[i] == '"')
				quoted = !quoted;
			else if (arg[i] == '>' && !quoted)
				break;
			i++;
		}
		end = i;
		if (i < len)
			i++; /* the '>' */
	} else {
		start = i;
		while (i < len && !ascii_isspace(arg[i]))
			i++;
		end = i;
	}
	if (rest != NULL)
		*rest = i;
	/* A source route "@a,@b:user@c" (RFC 5321 4.1.2) names hops. */
	if (start < end && arg[start] == '@') {
		size_t k;

		for (k = start; k < end; k++)
			if (arg[k] == ':') {
				start = k + 1;
				break;
			}
	}
	o = end - start < size - 1 ? end - start : size - 1;
	memcpy(out, arg + start, o);
	out[o] = '\0';
	return 0;
}

/* Copy a parameter value (xtext left as is: RFC 3461 4) capped. */
static char *
param_value(const uint8_t *v, size_t n)
{
	if (n > SMTP_PARAM_MAX)
		n = SMTP_PARAM_MAX;
	return cmemdup0(v, n);
}

static void
copy_upper(char *dst, size_t size, const uint8_t *v, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < size; i++)
		dst[i] = (char)ascii_toupper(v[i]);
	dst[i] = '\0';
}

/*
 * Walk "KEY[=VALUE] KEY[=VALUE]..." and hand each to fn. Unknown keys
 * are ignored: extensions come and go.
 */
static void
params_walk(const uint8_t *s, size_t len,
    void (*fn)(void *, const uint8_t *, size_t, const uint8_t *, size_t),
    void *arg)
{
	size_t i = 0, k0, klen, v0, vlen;

	while (i < len) {
		while (i < len && ascii_isspace(s[i]))
			i++;
		k0 = i;
		while (i < len && !ascii_isspace(s[i]) && s[i] != '=')
			i++;
		klen = i - k0;
		v0 = i;
		vlen = 0;
		if (i < len && s[i] == '=') {
			v0 = ++i;
			while (i < len && !ascii_isspace(s[i]))
				i++;
			vlen = i - v0;
		}
		if (klen > 0)
			fn(arg, s + k0, klen, s + v0, vlen);
	}
}

/* Keyword k (n bytes) is name (len bytes), in any case: the lengths
 * first. */
static bool
key_is_n(const uint8_t *k, size_t n, const char *name, size_t len)
{
	return len == n && ascii_prefix_ci(k, n, name);
}

/* The same for a string literal name, its length known as it is built. */
#define key_is(k, n, name) key_is_n(k, n, name, sizeof(name) - 1)

static void
mail_param(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
	struct smtp_mail_params *p = arg;
	uint64_t n = 0;
	size_t i;

	if (key_is(k, kl, "SIZE")) {
		for (i = 0; i < vl && ascii_isdigit(v[i]); i++) {
			if (n > (UINT64_MAX - 9) / 10)
				break;
			n = n * 10 + (uint64_t)(v[i] - '0');
		}
		p->size = n;
	} else if (key_is(k, kl, "BODY"))
		copy_upper(p->body, sizeof(p->body), v, vl);
	else if (key_is(k, kl, "RET"))
		copy_upper(p->ret, sizeof(p->ret), v, vl);
	else if (key_is(k, kl, "SMTPUTF8"))
		p->smtputf8 = true;
	else if (key_is(k, kl, "REQUIRETLS"))
		p->requiretls = true;
	else if (key_is(k, kl, "ENVID") && p->envid == NULL)
		p->envid = param_value(v, vl);
	else if (key_is(k, kl, "AUTH") && p->auth == NULL)
		p->auth = param_value(v, vl);
}

void
smtp_parse_mail_params(const uint8_t *s, size_t len, struct smtp_mail_params *p)
{
	params_walk(s, len, mail_param, p);
}

static void
rcpt_param(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
	struct smtp_rcpt *r = arg;

	if (key_is(k, kl, "NOTIFY") && r->notify == NULL)
		r->notify = param_value(v, vl);
	else if (key_is(k, kl, "ORCPT") && r->orcpt == NULL)
		r->orcpt = param_value(v, vl);
}

void
smtp_parse_rcpt_params(const uint8_t *s, size_t len, struct smtp_rcpt *r)
{
	params_walk(s, len, rcpt_param, r);
}

size_t
smtp_enhanced_code(
    const uint8_t *t, size_t len, int code, char *out, size_t size)
{
	size_t i = 0, n, part;

	out[0] = '\0';
	/* class.subject.detail: the class is the reply's first digit. */
	if (len < 5 || t[0] != '0' + code / 100 || t[1] != '.')
		return 0;
	i = 2;
	for (part = 0; part < 2; part++) {
		n = 0;
		while (i < len && ascii_isdigit(t[i]) && n < 3) {
			i++;
			n++;
		}
		if (n == 0 || (i < len && ascii_isdigit(t[i])))
			return 0;
		if (part == 0) {
			if (i >= len || t[i] != '.')
				return 0;
			i++;
		}
	}
	if (i < len && t[i] != ' ')
		return 0;
	if (i + 1 > size)
		return 0;
	memcpy(out, t, i);
	out[i] = '\0';
	while (i < len && t[i] == ' ')
		i++;
	return i;
}

/* The capability keywords, by bit of enum smtp_cap: written once, with
 * their lengths (every line of every EHLO reply is compared with them). */
#define CAP(name) \
	{ \
		name, sizeof(name) - 1 \
	}
static const struct {
	const char *name;
	size_t len;
} caps[] = {
	CAP("PIPELINING"),
	CAP("SIZE"),
	CAP("8BITMIME"),
	CAP("STARTTLS"),
	CAP("AUTH"),
	CAP("CHUNKING"),
	CAP("DSN"),
	CAP("SMTPUTF8"),
	CAP("ENHANCEDSTATUSCODES"),
	CAP("BINARYMIME"),
	CAP("VRFY"),
	CAP("ETRN"),
	CAP("XCLIENT"),
	CAP("XFORWARD"),
	CAP("REQUIRETLS"),
	CAP("DELIVERBY"),
	CAP("HELP"),
	CAP("ATRN"),
};

const char *
smtp_cap_name(unsigned bit)
{
	return bit < ARRAY_LEN(caps) ? caps[bit].name : NULL;
}

void
smtp_parse_capability(const uint8_t *t, size_t len, struct smtp_caps *c)
{
	size_t kl = 0, i, o;
	unsigned bit;

	while (kl < len && t[kl] != ' ' && t[kl] != '=')
		kl++;
	/* The names differ: a keyword is one of them at most. */
	for (bit = 0; bit < ARRAY_LEN(caps); bit++)
		if (key_is_n(t, kl, caps[bit].name, caps[bit].len))
			break;
	if (bit == ARRAY_LEN(caps))
		return;
	c->caps |= 1u << bit;
	if (1u << bit == SMTP_CAP_SIZE) {
		uint64_t n = 0;

		for (i = kl + 1; i < len && ascii_isdigit(t[i]); i++)
			if (n <= (UINT64_MAX - 9) / 10)
				n = n * 10 + (uint64_t)(t[i] - '0');
		c->size_limit = n;
	} else if (1u << bit == SMTP_CAP_AUTH && c->auth_mechs[0] == '\0') {
		/* "AUTH PLAIN LOGIN" or the old "AUTH=PLAIN LOGIN". */
		for (i = kl + 1, o = 0;
		     i < len && o + 1 < sizeof(c->auth_mechs); i++, o++)
			c->auth_mechs[o] = (char)ascii_toupper(t[i]);
		c->auth_mechs[o] = '\0';
	}
}
