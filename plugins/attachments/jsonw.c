/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Text buffer and JSON escaping: the logic of json_escape_str() in
 * smtpscope's src/lib/util.c, copied because a plugin links nothing of src/.
 */
#include "jsonw.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
jbuf_reserve(struct jbuf *b, size_t n)
{
	size_t cap;
	char *np;

	if (b->oom)
		return false;
	if (b->cap - b->len > n)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap - b->len <= n) {
		if (cap > SIZE_MAX / 2) {
			b->oom = true;
			return false;
		}
		cap *= 2;
	}
	if ((np = realloc(b->p, cap)) == NULL) {
		b->oom = true;
		return false;
	}
	b->p = np;
	b->cap = cap;
	return true;
}

void
jbuf_add(struct jbuf *b, const void *s, size_t n)
{
	if (n == 0 || !jbuf_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
jbuf_addc(struct jbuf *b, char c)
{
	jbuf_add(b, &c, 1);
}

void
jbuf_adds(struct jbuf *b, const char *s)
{
	jbuf_add(b, s, strlen(s));
}

void
jbuf_printf(struct jbuf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		jbuf_add(b, tmp,
		    (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

void
jbuf_free(struct jbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

size_t
att_utf8_seq_len(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* The code point of a valid sequence of length len. */
static uint32_t
att_utf8_decode(const uint8_t *s, size_t len)
{
	uint32_t cp;
	size_t i;

	if (len == 1)
		return s[0];
	cp = s[0] & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
	for (i = 1; i < len; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	return cp;
}

void
jbuf_json_str(struct jbuf *b, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, run, len;
	uint32_t cp;
	char esc[8];

	if (s == NULL) {
		jbuf_adds(b, "null");
		return;
	}
	jbuf_addc(b, '"');
	while (i < n) {
		run = i;
		while (run < n && s[run] >= 0x20 && s[run] < 0x7f &&
		    s[run] != '"' && s[run] != '\\')
			run++;
		if (run > i) {
			jbuf_add(b, s + i, run - i);
			i = run;
			continue;
		}
		len = att_utf8_seq_len(s + i, n - i);
		if (len == 0) {
			/* An invalid byte: the text \xNN (backslash escaped).
			 */
			esc[0] = '\\';
			esc[1] = '\\';
			esc[2] = 'x';
			esc[3] = hex[s[i] >> 4];
			esc[4] = hex[s[i] & 0xf];
			jbuf_add(b, esc, 5);
			i++;
			continue;
		}
		cp = att_utf8_decode(s + i, len);
		if (cp == '"' || cp == '\\') {
			esc[0] = '\\';
			esc[1] = (char)cp;
			jbuf_add(b, esc, 2);
		} else if (cp == '\n') {
			jbuf_add(b, "\\n", 2);
		} else if (cp == '\r') {
			jbuf_add(b, "\\r", 2);
		} else if (cp == '\t') {
			jbuf_add(b, "\\t", 2);
		} else if (cp < 0x20 || cp == 0x7f ||
		    (cp >= 0x80 && cp < 0xa0) || cp == 0x2028 || cp == 0x2029) {
			esc[0] = '\\';
			esc[1] = 'u';
			esc[2] = hex[(cp >> 12) & 0xf];
			esc[3] = hex[(cp >> 8) & 0xf];
			esc[4] = hex[(cp >> 4) & 0xf];
			esc[5] = hex[cp & 0xf];
			jbuf_add(b, esc, 6);
		} else
			jbuf_add(b, s + i, len);
		i += len;
	}
	jbuf_addc(b, '"');
}

void
jbuf_json_cstr(struct jbuf *b, const char *s)
{
	jbuf_json_str(b, (const uint8_t *)s, s != NULL ? strlen(s) : 0);
}

void
jbuf_hex(struct jbuf *b, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char two[2];
	size_t i;

	for (i = 0; i < n; i++) {
		two[0] = hex[s[i] >> 4];
		two[1] = hex[s[i] & 0xf];
		jbuf_add(b, two, 2);
	}
}
