/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RFC 2047 encoded words, decoded to UTF-8 with iconv(3).
 *
 * Adjacent encoded words of one charset form a run whose bytes are
 * joined before the conversion, as Python's email.header does and mail
 * clients show: RFC 2047 wants each word self-contained, but mailers
 * split UTF-8 and ISO-2022-JP characters across words. A run that does
 * not convert is tried again word by word. A word that still does not
 * (a charset iconv does not know, bytes invalid in it) is kept as sent,
 * as is a malformed one, and counted: nothing half converted is shown.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/hex.h"
#include "lib/qp.h"
#include "lib/util.h"
#include "smtp/message.h"
#include "smtp/message_internal.h"

/* Do a and b, both n bytes, match but for ASCII case? */
static bool
ascii_eq_ci_n(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ascii_toupper((unsigned char)a[i]) !=
		    ascii_toupper((unsigned char)b[i]))
			return false;
	return true;
}

enum charset_kind {
	CS_ICONV,  /* no fast path: iconv */
	CS_UTF8,   /* valid UTF-8 is copied */
	CS_ASCII,  /* US-ASCII is copied */
	CS_LATIN1, /* ISO-8859-1 by arithmetic */
	CS_CP1252, /* windows-1252 by table */
};

/*
 * Names with a fast path: only aliases glibc's iconv knows, so that a
 * name means the same with or without the fast path.
 */
static const struct charset_name {
	const char *name;
	enum charset_kind kind;
} fast_charsets[] = {
	{ "utf-8", CS_UTF8 },
	{ "utf8", CS_UTF8 },
	{ "us-ascii", CS_ASCII },
	{ "ascii", CS_ASCII },
	{ "iso-8859-1", CS_LATIN1 },
	{ "iso8859-1", CS_LATIN1 },
	{ "iso_8859-1", CS_LATIN1 },
	{ "latin1", CS_LATIN1 },
	{ "l1", CS_LATIN1 },
	{ "iso-ir-100", CS_LATIN1 },
	{ "cp819", CS_LATIN1 },
	{ "ibm819", CS_LATIN1 },
	{ "windows-1252", CS_CP1252 },
	{ "cp1252", CS_CP1252 },
};

/* windows-1252 at 0x80-0x9f; 0 where it defines nothing (iconv refuses
 * those bytes). */
static const uint16_t cp1252_high[32] = { 0x20ac, 0, 0x201a, 0x0192, 0x201e,
	0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0,
	0x017d, 0, 0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178 };

/* The code point of a windows-1252 byte, 0 for one it leaves undefined. */
static uint32_t
cp1252_cp(uint8_t b)
{
	return b >= 0x80 && b < 0xa0 ? cp1252_high[b - 0x80] : b;
}

/* The charset of an encoded word, as iconv is asked about it. */
struct charset {
	char name[RFC2047_CHARSET_MAX + 1]; /* lower case, language removed */
	bool valid;   /* a name iconv may be given ("//" or "," would be
			 read as iconv_open options) */
	bool iso2022; /* stateful: must end in its initial state */
	enum charset_kind kind;
};

static bool
charset_name_char(unsigned char c)
{
	return ascii_isalpha(c) || ascii_isdigit(c) || c == '-' || c == '_' ||
	    c == '.' || c == ':' || c == '+';
}

/* The length of a charset name without its RFC 2231 language: "utf-8*en"
 * is UTF-8 in English (RFC 2231 5). */
static size_t
charset_len(const char *s, size_t n)
{
	const char *star = memchr(s, '*', n);

	return star != NULL ? (size_t)(star - s) : n;
}

static void
charset_parse(const char *s, size_t n, struct charset *cs)
{
	unsigned char c;
	size_t i;

	n = charset_len(s, n);
	if (n > RFC2047_CHARSET_MAX)
		n = RFC2047_CHARSET_MAX;
	cs->valid = n > 0;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (!charset_name_char(c))
			cs->valid = false;
		cs->name[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	cs->name[n] = '\0';
	cs->kind = CS_ICONV;
	for (i = 0; i < ARRAY_LEN(fast_charsets); i++) {
		if (cs->name[0] == fast_charsets[i].name[0] &&
		    strcmp(cs->name, fast_charsets[i].name) == 0) {
			cs->kind = fast_charsets[i].kind;
			break;
		}
	}
	cs->iso2022 = strncmp(cs->name, "iso-2022", 8) == 0 ||
	    strncmp(cs->name, "iso2022", 7) == 0 ||
	    strncmp(cs->name, "csiso2022", 9) == 0;
}

static void
put_utf8(struct dbuf *out, uint32_t cp)
{
	char u[3];

	if (cp < 0x80) {
		dbuf_addc(out, (char)cp);
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		dbuf_add(out, u, 2);
	} else {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		dbuf_add(out, u, 3);
	}
}

/*
 * The fast paths, each giving exactly what iconv gives (the unit test
 * compares them byte for byte): false when the bytes need iconv's
 * verdict, which then refuses them (or, for UTF-8, accepts what it
 * accepts beyond RFC 3629).
 */
static bool
convert_fast(
    enum charset_kind kind, const uint8_t *s, size_t n, struct dbuf *out)
{
	size_t i, l;

	if (n == 0)
		return kind != CS_ICONV;
	switch (kind) {
	case CS_UTF8:
		for (i = 0; i < n; i += l)
			if ((l = utf8_seq_len(s + i, n - i)) == 0)
				return false;
		dbuf_add(out, s, n);
		return true;
	case CS_ASCII:
		for (i = 0; i < n; i++)
			if (s[i] >= 0x80)
				return false;
		dbuf_add(out, s, n);
		return true;
	case CS_LATIN1:
		for (i = 0; i < n; i++)
			put_utf8(out, s[i]);
		return true;
	case CS_CP1252:
		for (i = 0; i < n; i++)
			if (cp1252_cp(s[i]) == 0 && s[i] != 0)
				return false;
		for (i = 0; i < n; i++)
			put_utf8(out, cp1252_cp(s[i]));
		return true;
	default:
		return false;
	}
}

/*
 * iconv descriptors, opened once per charset name and kept: iconv_open
 * costs tens of microseconds where a conversion costs tens of
 * nanoseconds. A small cache shared by all parsers (the dissector has
 * one thread), least recently used out first, emptied by
 * msg_parser_release_spares(). Names iconv does not know are cached
 * too, as (iconv_t)-1.
 */
#define ICONV_CACHE_MAX 16

static struct iconv_slot {
	char name[RFC2047_CHARSET_MAX + 1];
	iconv_t cd;
	uint64_t used;
} iconv_cache[ICONV_CACHE_MAX];
static size_t iconv_ncache;
static uint64_t iconv_clock;

static iconv_t
iconv_get(const char *name)
{
	struct iconv_slot *slot;
	size_t i, lru = 0;

	for (i = 0; i < iconv_ncache; i++) {
		if (strcmp(iconv_cache[i].name, name) == 0) {
			iconv_cache[i].used = ++iconv_clock;
			return iconv_cache[i].cd;
		}
		if (iconv_cache[i].used < iconv_cache[lru].used)
			lru = i;
	}
	if (iconv_ncache < ICONV_CACHE_MAX)
		lru = iconv_ncache++;
	else if (iconv_cache[lru].cd != (iconv_t)-1)
		iconv_close(iconv_cache[lru].cd);
	slot = &iconv_cache[lru];
	memcpy(slot->name, name, strlen(name) + 1);
	slot->cd = iconv_open("UTF-8", name);
	slot->used = ++iconv_clock;
	return slot->cd;
}

void
iconv_cache_clear(void)
{
	size_t i;

	for (i = 0; i < iconv_ncache; i++)
		if (iconv_cache[i].cd != (iconv_t)-1)
			iconv_close(iconv_cache[i].cd);
	iconv_ncache = 0;
}

/* All of s, from the initial shift state, or false (out then holds a
 * part that must be thrown away). */
static bool
convert_iconv(iconv_t cd, const uint8_t *s, size_t n, struct dbuf *out)
{
	char buf[1024], *in = (char *)(uintptr_t)s, *o;
	size_t inleft = n, oleft, r;
	bool ok = true;

	iconv(cd, NULL, NULL, NULL, NULL);
	while (inleft > 0) {
		o = buf;
		oleft = sizeof(buf);
		r = iconv(cd, &in, &inleft, &o, &oleft);
		dbuf_add(out, buf, (size_t)(o - buf));
		/* E2BIG: buf is full, go on; with nothing done, give up. */
		if (r == (size_t)-1 && (errno != E2BIG || o == buf)) {
			ok = false;
			break;
		}
	}
	o = buf;
	oleft = sizeof(buf);
	iconv(cd, NULL, NULL, &o, &oleft);
	dbuf_add(out, buf, (size_t)(o - buf));
	return ok;
}

/*
 * ISO-2022 text must end back in ASCII (or JIS-Roman) with SI after any
 * SO (RFC 1468, RFC 1557): glibc accepts a dangling "ESC $ B", which
 * would hide a truncated word.
 */
static bool
iso2022_ends_initial(const uint8_t *s, size_t n)
{
	bool g0_ascii = true, shifted_out = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == 0x0e) {
			shifted_out = true;
		} else if (s[i] == 0x0f) {
			shifted_out = false;
		} else if (s[i] == 0x1b && i + 2 < n) {
			/* ESC ( F and ESC $ F, ESC $ ( F designate G0;
			 * ESC $ ) F and the like designate G1 to G3. */
			if (s[i + 1] == '(')
				g0_ascii = s[i + 2] == 'B' || s[i + 2] == 'J';
			else if (s[i + 1] == '$' &&
			    (s[i + 2] == '@' || s[i + 2] == 'A' ||
				s[i + 2] == 'B' || s[i + 2] == '('))
				g0_ascii = false;
		}
	}
	return g0_ascii && !shifted_out;
}

struct encoded_word {
	const char *charset;
	size_t charset_len;
	char encoding; /* 'B' or 'Q' */
	const char *text;
	size_t text_len;
	size_t len; /* of the whole word, "=?" to "?=" */
};

static bool
b64_valid(const char *s, size_t n)
{
	size_t i, pad = 0;

	while (pad < n && pad < 2 && s[n - 1 - pad] == '=')
		pad++;
	for (i = 0; i < n - pad; i++)
		if (base64_value((unsigned char)s[i]) < 0)
			return false;
	/* Padding is often left out; a lone sixth bit never decodes. */
	if (pad > 0)
		return n % 4 == 0;
	return n % 4 != 1;
}

static bool
q_valid(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] != '=')
			continue;
		if (i + 2 >= n || hex_value((unsigned char)s[i + 1]) < 0 ||
		    hex_value((unsigned char)s[i + 2]) < 0)
			return false;
		i += 2;
	}
	return true;
}

/*
 * An encoded word at the start of s, validated whole: anything that
 * does not parse or decode is malformed and stays as it is.
 */
static bool
encoded_word_parse(const char *s, size_t n, struct encoded_word *w)
{
	size_t i = 2;

	if (n < 2 || s[0] != '=' || s[1] != '?')
		return false;
	w->charset = s + i;
	while (i < n && s[i] != '?') {
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
		if (i - 2 >= RFC2047_CHARSET_MAX)
			return false;
		i++;
	}
	w->charset_len = i - 2;
	if (i >= n || w->charset_len == 0)
		return false;
	i++;
	if (i + 1 >= n || s[i + 1] != '?')
		return false;
	w->encoding = (char)ascii_toupper((unsigned char)s[i]);
	if (w->encoding != 'B' && w->encoding != 'Q')
		return false;
	i += 2;
	w->text = s + i;
	while (i < n && s[i] != '?') {
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
		i++;
	}
	if (i + 1 >= n || s[i + 1] != '=')
		return false;
	w->text_len = (size_t)(s + i - w->text);
	w->len = i + 2;
	if (w->encoding == 'B')
		return b64_valid(w->text, w->text_len);
	return q_valid(w->text, w->text_len);
}

/*
 * The length of a malformed word at the start of s: "=?", then no blank
 * and no other "=?" up to a "?=" after at least two more '?' (the shape
 * of an encoded word); 0 when there is none. Each scan stops at the
 * next "=?", so the scans of a value never overlap.
 */
static size_t
malformed_word_len(const char *s, size_t n)
{
	size_t i, q = 0;

	for (i = 2; i < n && !is_lwsp((unsigned char)s[i]); i++) {
		if (s[i] == '?' && ++q >= 3 && i + 1 < n && s[i + 1] == '=')
			return i + 2;
		/* Another word, unless it is "=" and the "?=" closing. */
		if (s[i] == '=' && i + 1 < n && s[i + 1] == '?' &&
		    !(q >= 2 && i + 2 < n && s[i + 2] == '='))
			return 0;
	}
	return 0;
}

/* Append the bytes an encoded word stands for. Validated already: the
 * padding, and a '=' that is not "=XX", are never met. */
static void
encoded_word_bytes(const struct encoded_word *w, struct dbuf *raw)
{
	const uint8_t *t = (const uint8_t *)w->text;

	if (w->encoding == 'B')
		base64_decode_skip(t, w->text_len, raw);
	else
		qp_decode_q(t, w->text_len, raw);
}

enum run_result {
	RUN_DECODED,
	RUN_BAD_BYTES,  /* the bytes do not convert: try word by word */
	RUN_NO_CHARSET, /* unknown to iconv, or over RFC2047_ICONV_MAX */
};

/* What one rfc2047_decode() call works with. */
struct rfc2047_ctx {
	struct dbuf raw;  /* the bytes of a run */
	struct dbuf conv; /* a run in UTF-8 */
	char iconv_names[RFC2047_ICONV_MAX][RFC2047_CHARSET_MAX + 1];
	size_t niconv;
};

/* May this value ask iconv about one more charset? */
static bool
iconv_allowed(struct rfc2047_ctx *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->niconv; i++)
		if (strcmp(c->iconv_names[i], name) == 0)
			return true;
	if (c->niconv == RFC2047_ICONV_MAX)
		return false;
	memcpy(c->iconv_names[c->niconv++], name, strlen(name) + 1);
	return true;
}

static enum run_result
run_convert(struct rfc2047_ctx *c, const struct charset *cs)
{
	const uint8_t *s = (const uint8_t *)c->raw.p;
	size_t n = c->raw.len;
	iconv_t cd;

	dbuf_reset(&c->conv);
	if (!cs->valid)
		return RUN_NO_CHARSET;
	if (convert_fast(cs->kind, s, n, &c->conv))
		return RUN_DECODED;
	dbuf_reset(&c->conv);
	if (!iconv_allowed(c, cs->name) ||
	    (cd = iconv_get(cs->name)) == (iconv_t)-1)
		return RUN_NO_CHARSET;
	if (!convert_iconv(cd, s, n, &c->conv) ||
	    (cs->iso2022 && !iso2022_ends_initial(s, n)))
		return RUN_BAD_BYTES;
	return RUN_DECODED;
}

/*
 * Decode the run of encoded words that starts with w at in[at] (only w
 * when single) into c->conv. Returns the end of the run; *nwords: its
 * words.
 */
static size_t
run_decode(struct rfc2047_ctx *c, const char *in, size_t len, size_t at,
    const struct encoded_word *w, bool single, size_t *nwords,
    enum run_result *res)
{
	struct encoded_word next;
	struct charset cs;
	size_t end = at + w->len, j, cl;

	charset_parse(w->charset, w->charset_len, &cs);
	cl = charset_len(w->charset, w->charset_len);
	dbuf_reset(&c->raw);
	encoded_word_bytes(w, &c->raw);
	*nwords = 1;
	while (!single) {
		for (j = end; j < len && is_lwsp((unsigned char)in[j]); j++)
			;
		if (!encoded_word_parse(in + j, len - j, &next) ||
		    charset_len(next.charset, next.charset_len) != cl ||
		    !ascii_eq_ci_n(next.charset, w->charset, cl))
			break;
		encoded_word_bytes(&next, &c->raw);
		end = j + next.len;
		(*nwords)++;
	}
	*res = run_convert(c, &cs);
	return end;
}

static bool
all_lwsp(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_lwsp((unsigned char)s[i]))
			return false;
	return true;
}

size_t
rfc2047_decode(const char *in, size_t len, struct dbuf *out, size_t *undecoded)
{
	struct rfc2047_ctx c;
	struct encoded_word w;
	enum run_result res;
	size_t i = 0, text = 0, end, nw, m, single_until = 0;
	size_t words = 0, bad = 0;
	bool prev_decoded = false;

	dbuf_init(&c.raw, len);
	dbuf_init(&c.conv, out->max);
	c.niconv = 0;
	while (i < len) {
		if (in[i] != '=' || i + 1 >= len || in[i + 1] != '?') {
			i++;
			continue;
		}
		if (encoded_word_parse(in + i, len - i, &w)) {
			end = run_decode(
			    &c, in, len, i, &w, i < single_until, &nw, &res);
			if (res == RUN_BAD_BYTES && nw > 1) {
				single_until = end;
				continue;
			}
			/* RFC 2047 6.2: blanks between encoded words go. */
			if (res != RUN_DECODED || !prev_decoded ||
			    !all_lwsp(in + text, i - text))
				dbuf_add(out, in + text, i - text);
			if (res == RUN_DECODED) {
				if (c.conv.len > 0)
					dbuf_add(out, c.conv.p, c.conv.len);
				/* Over out's cap already: out is cut too. */
				if (c.conv.truncated)
					out->truncated = true;
				words += nw;
			} else {
				dbuf_add(out, in + i, end - i);
				bad += nw;
			}
			prev_decoded = res == RUN_DECODED;
			i = text = end;
			continue;
		}
		if ((m = malformed_word_len(in + i, len - i)) == 0) {
			i++;
			continue;
		}
		dbuf_add(out, in + text, i + m - text);
		bad++;
		prev_decoded = false;
		i = text = i + m;
	}
	dbuf_add(out, in + text, len - text);
	dbuf_free(&c.raw);
	dbuf_free(&c.conv);
	if (undecoded != NULL)
		*undecoded = bad;
	return words;
}
