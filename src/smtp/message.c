/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The message parser: lines are framed with a fixed cap, the top-level
 * header section is unfolded field by field, and a delivery status
 * notification is followed part by part along its boundary. Nothing of
 * the body is kept beyond the line being looked at.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <iconv.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../util.h"
#include "message.h"

enum msg_state {
	MSG_ST_HEADERS,      /* the top-level header section */
	MSG_ST_BODY_SKIP,    /* a body not looked at: counted only */
	MSG_ST_PREAMBLE,     /* DSN: before the first boundary */
	MSG_ST_PART_HEADERS, /* DSN: the header section of a part */
	MSG_ST_PART_BODY,    /* DSN: the body of another part */
	MSG_ST_DSN_FIELDS,   /* DSN: the message/delivery-status part */
	MSG_ST_DONE,         /* nothing left to look at: counted only */
};

enum field_id {
	F_NONE = 0,
	/* Top-level header fields. */
	F_DATE,
	F_FROM,
	F_TO,
	F_CC,
	F_REPLY_TO,
	F_MESSAGE_ID,
	F_IN_REPLY_TO,
	F_SUBJECT,
	F_X_ORIGINATING_IP,
	F_USER_AGENT,
	F_X_MAILER,
	F_RECEIVED,
	F_CONTENT_TYPE,
	F_RETURN_PATH,
	/* Fields of the delivery-status part (RFC 3464 section 2). */
	F_REPORTING_MTA,
	F_ARRIVAL_DATE,
	F_FINAL_RECIPIENT,
	F_ORIGINAL_RECIPIENT,
	F_ACTION,
	F_STATUS,
	F_DIAGNOSTIC,
	F_REMOTE_MTA,
};

struct field_name {
	const char *name;
	enum field_id id;
};

static const struct field_name top_fields[] = {
	{ "Date", F_DATE },
	{ "From", F_FROM },
	{ "To", F_TO },
	{ "Cc", F_CC },
	{ "Reply-To", F_REPLY_TO },
	{ "Message-ID", F_MESSAGE_ID },
	{ "In-Reply-To", F_IN_REPLY_TO },
	{ "Subject", F_SUBJECT },
	{ "X-Originating-IP", F_X_ORIGINATING_IP },
	{ "User-Agent", F_USER_AGENT },
	{ "X-Mailer", F_X_MAILER },
	{ "Received", F_RECEIVED },
	{ "Content-Type", F_CONTENT_TYPE },
	{ "Return-Path", F_RETURN_PATH },
};

static const struct field_name part_fields[] = {
	{ "Content-Type", F_CONTENT_TYPE },
};

static const struct field_name dsn_fields[] = {
	{ "Reporting-MTA", F_REPORTING_MTA },
	{ "Arrival-Date", F_ARRIVAL_DATE },
	{ "Final-Recipient", F_FINAL_RECIPIENT },
	{ "Original-Recipient", F_ORIGINAL_RECIPIENT },
	{ "Action", F_ACTION },
	{ "Status", F_STATUS },
	{ "Diagnostic-Code", F_DIAGNOSTIC },
	{ "Remote-MTA", F_REMOTE_MTA },
};

/* One field being unfolded: its value grows line by line, capped. */
struct field {
	enum field_id id; /* F_NONE: not kept, its folds are ignored */
	bool cut;         /* a line of it was cut at MSG_LINE_MAX */
	struct dbuf val;
};

struct msg_parser {
	struct smtp_msg_info info;
	enum msg_state state;
	bool finished;
	bool headers_given_up; /* a header cap was hit */

	/* The line being framed, without its LF; one byte over the cap
	 * tells a line that is too long from one that ends in CR. */
	uint8_t line[MSG_LINE_MAX + 1];
	size_t line_len;
	uint64_t line_total; /* bytes of the line so far, LF included */
	bool line_over;

	struct field field;
	size_t received_parts_mem; /* bytes of the received_parts blocks */

	char boundary[MSG_BOUNDARY_MAX + 1];
	size_t boundary_len;
	bool part_type_seen;
	bool part_is_status;
	struct smtp_dsn_rcpt group; /* the recipient group being read */
	bool group_used;
	size_t dsn_alloc;
	/* The top-level fields' strings (each kept once: the first of its
	 * kind), the Received fields and their hops: freed together. */
	struct arena mem;
};

/* Linear white space, CR and LF included: unfolded text may hold them. */
static bool
is_lwsp(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
ascii_eq_ci(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen; i++) {
		if (b[i] == '\0' ||
		    ascii_toupper((unsigned char)a[i]) !=
			ascii_toupper((unsigned char)b[i]))
			return false;
	}
	return b[alen] == '\0';
}

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

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && is_lwsp((unsigned char)(*s)[0])) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_lwsp((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

static void
msg_set_state(struct msg_parser *p, enum msg_state st)
{
	p->state = st;
}

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

static void
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

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = ascii_toupper(c);
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
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
		if (b64_value((unsigned char)s[i]) < 0)
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

/* Append the bytes an encoded word stands for (validated already). */
static void
encoded_word_bytes(const struct encoded_word *w, struct dbuf *raw)
{
	const char *t = w->text;
	uint32_t acc = 0;
	size_t i, bits = 0;
	int v;

	if (w->encoding == 'B') {
		for (i = 0; i < w->text_len && t[i] != '='; i++) {
			acc = (acc << 6) |
			    (uint32_t)b64_value((unsigned char)t[i]);
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				dbuf_addc(raw, (char)(acc >> bits));
				acc &= (1u << bits) - 1;
			}
		}
		return;
	}
	for (i = 0; i < w->text_len; i++) {
		if (t[i] == '_') {
			dbuf_addc(raw, ' ');
		} else if (t[i] == '=') {
			v = hex_value((unsigned char)t[i + 1]) << 4 |
			    hex_value((unsigned char)t[i + 2]);
			dbuf_addc(raw, (char)v);
			i += 2;
		} else
			dbuf_addc(raw, t[i]);
	}
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

/*
 * Addresses.
 */

/* Canonical text of the IPv4 or IPv6 address s (brackets stripped). */
static bool
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
static size_t
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
 * Take the Received value s apart into *r, its parts in one block;
 * returns the size of the block. One pass: at each ';' the clauses as
 * they stand are remembered (the keywords seen, the open clause's
 * length), and at the end what came after the last ';' is the date.
 */
static size_t
received_parse(const char *s, size_t n, struct smtp_received *r)
{
	struct received_scan sc = { false, false };
	size_t at[RP_COUNT] = { 0 }, len[RP_COUNT] = { 0 };
	size_t i = 0, w, k, semi = n, semi_len = 0, total = 0;
	enum received_part cur = RP_NONE, semi_cur = RP_NONE;
	unsigned seen = 0, semi_seen = 0;
	char **slot[RP_COUNT], *block;

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

static void
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

/*
 * Content-Type (RFC 2045 5.1): the media type and its parameters.
 */

static size_t
skip_cfws(const char *s, size_t n, size_t i)
{
	while (i < n) {
		if (is_lwsp((unsigned char)s[i]))
			i++;
		else if (s[i] == '(')
			i = skip_comment(s, n, i);
		else
			break;
	}
	return i;
}

static bool
is_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

static bool
ct_type_is(const char *s, size_t n, const char *want)
{
	size_t i = skip_cfws(s, n, 0), start = i;

	while (i < n && (is_token_char((unsigned char)s[i]) || s[i] == '/'))
		i++;
	return ascii_eq_ci(s + start, i - start, want);
}

/*
 * The value of parameter `name`, unquoted, into out; false when absent
 * or longer than size - 1.
 */
static bool
ct_param(const char *s, size_t n, const char *name, char *out, size_t size)
{
	size_t i = 0, a, alen, o;

	while (i < n) {
		/* To the next ';' outside quoted strings and comments. */
		if (s[i] == '"') {
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
			i++;
			continue;
		}
		if (s[i] == '(') {
			i = skip_comment(s, n, i);
			continue;
		}
		if (s[i++] != ';')
			continue;
		i = skip_cfws(s, n, i);
		a = i;
		while (i < n && is_token_char((unsigned char)s[i]))
			i++;
		alen = i - a;
		i = skip_cfws(s, n, i);
		if (i >= n || s[i] != '=')
			continue;
		i = skip_cfws(s, n, i + 1);
		o = 0;
		if (i < n && s[i] == '"') {
			for (i++; i < n && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < n)
					i++;
				if (o + 1 < size)
					out[o] = s[i];
				o++;
			}
			if (i < n)
				i++;
		} else {
			/* Lenient: unquoted boundaries with '/' are seen. */
			while (i < n && !is_lwsp((unsigned char)s[i]) &&
			    s[i] != ';' && s[i] != '(' && s[i] != '"') {
				if (o + 1 < size)
					out[o] = s[i];
				o++;
				i++;
			}
		}
		if (alen == 0 || !ascii_eq_ci(s + a, alen, name))
			continue;
		if (o == 0 || o >= size)
			return false;
		out[o] = '\0';
		return true;
	}
	return false;
}

/*
 * Fields: unfolding with a cap.
 */

static const struct field_name *
field_lookup(
    const struct field_name *tab, size_t ntab, const uint8_t *name, size_t len)
{
	size_t i;

	if (len == 0)
		return NULL;
	for (i = 0; i < ntab; i++)
		if (ascii_toupper(name[0]) ==
			ascii_toupper((unsigned char)tab[i].name[0]) &&
		    ascii_eq_ci((const char *)name, len, tab[i].name))
			return &tab[i];
	return NULL;
}

enum line_kind {
	LINE_EMPTY,     /* ends a header section or a DSN group */
	LINE_FOLD,      /* continues the field before it */
	LINE_FIELD,     /* name ":" value */
	LINE_MALFORMED, /* none of the above */
};

static enum line_kind
line_classify(const uint8_t *s, size_t n, size_t *name_len, size_t *value_at)
{
	size_t i, end;

	if (n == 0)
		return LINE_EMPTY;
	if (ascii_isspace(s[0]))
		return LINE_FOLD;
	for (i = 0; i < n && s[i] != ':'; i++)
		if (s[i] <= 0x20 && !ascii_isspace(s[i]))
			return LINE_MALFORMED;
	if (i == n)
		return LINE_MALFORMED;
	/* RFC 5322 4.5.3 (obsolete): blanks before the colon. */
	end = i;
	while (end > 0 && ascii_isspace(s[end - 1]))
		end--;
	if (end == 0 || memchr(s, ' ', end) != NULL ||
	    memchr(s, '\t', end) != NULL)
		return LINE_MALFORMED;
	*name_len = end;
	*value_at = i + 1;
	return LINE_FIELD;
}

static void
field_open(
    struct field *f, enum field_id id, const uint8_t *v, size_t n, bool cut)
{
	/* Leading blanks would take room under the cap. */
	while (n > 0 && ascii_isspace(v[0])) {
		v++;
		n--;
	}
	f->id = id;
	f->cut = cut;
	dbuf_reset(&f->val);
	dbuf_add(&f->val, v, n);
}

/*
 * Append a folded line. Header values keep the blanks as sent (RFC 5322
 * unfolding); DSN values join with one space, as they were before an
 * MTA folded them.
 */
static void
field_fold(
    struct field *f, const uint8_t *s, size_t n, bool cut, bool one_space)
{
	if (f->id == F_NONE)
		return;
	f->cut |= cut;
	if (one_space) {
		while (f->val.len > 0 &&
		    is_lwsp((unsigned char)f->val.p[f->val.len - 1]))
			f->val.len--;
		while (n > 0 && ascii_isspace(s[0])) {
			s++;
			n--;
		}
		if (f->val.len > 0 && n > 0)
			dbuf_addc(&f->val, ' ');
	}
	dbuf_add(&f->val, s, n);
}

/*
 * The trimmed value of the open field, valid until field_close(); false
 * when no field is open.
 */
static bool
field_value(struct msg_parser *p, const char **s, size_t *n)
{
	struct field *f = &p->field;

	if (f->id == F_NONE)
		return false;
	if (f->val.truncated || f->cut)
		p->info.values_truncated++;
	*s = dbuf_str(&f->val);
	*n = f->val.len;
	trim(s, n);
	return true;
}

static void
field_close(struct field *f)
{
	f->id = F_NONE;
	f->cut = false;
	dbuf_reset(&f->val);
}

/* Store s in *slot unless something is there already. */
static void
set_once(char **slot, const char *s, size_t n)
{
	if (*slot == NULL)
		*slot = cmemdup0(s, n);
}

/* The same, in p's arena. */
static void
set_once_mem(struct msg_parser *p, char **slot, const char *s, size_t n)
{
	if (*slot == NULL)
		*slot = arena_memdup0(&p->mem, s, n);
}

/*
 * The top-level header section.
 */

static char **
top_slot(struct smtp_msg_info *mi, enum field_id id)
{
	switch (id) {
	case F_DATE:
		return &mi->date;
	case F_FROM:
		return &mi->from;
	case F_TO:
		return &mi->to;
	case F_CC:
		return &mi->cc;
	case F_REPLY_TO:
		return &mi->reply_to;
	case F_MESSAGE_ID:
		return &mi->msg_id;
	case F_IN_REPLY_TO:
		return &mi->in_reply_to;
	case F_SUBJECT:
		return &mi->subject;
	case F_X_ORIGINATING_IP:
		return &mi->x_originating_ip_raw;
	case F_CONTENT_TYPE:
		return &mi->content_type;
	case F_RETURN_PATH:
		return &mi->return_path;
	default:
		return NULL;
	}
}

/* Is a field worth unfolding, or is it a repeat or over a cap? */
static bool
top_wanted(struct msg_parser *p, enum field_id id)
{
	struct smtp_msg_info *mi = &p->info;
	char **slot;

	switch (id) {
	case F_RECEIVED:
		if (mi->nreceived < MSG_RECEIVED_MAX)
			return true;
		mi->received_dropped++;
		return false;
	case F_USER_AGENT:
		return mi->user_agent == NULL || mi->user_agent_is_x_mailer;
	case F_X_MAILER:
		return mi->user_agent == NULL;
	default:
		slot = top_slot(mi, id);
		return slot != NULL && *slot == NULL;
	}
}

static void
content_type_apply(struct msg_parser *p, const char *s, size_t n)
{
	char rtype[32];

	if (!ct_type_is(s, n, "multipart/report") ||
	    !ct_param(s, n, "report-type", rtype, sizeof(rtype)) ||
	    !ascii_eq_ci(rtype, strlen(rtype), "delivery-status"))
		return;
	p->info.is_dsn = true;
	if (ct_param(s, n, "boundary", p->boundary, sizeof(p->boundary)))
		p->boundary_len = strlen(p->boundary);
	else
		p->info.dsn_boundary_unusable = true;
}

static void
top_field_close(struct msg_parser *p)
{
	struct smtp_msg_info *mi = &p->info;
	char ip[INET6_ADDRSTRLEN];
	enum field_id id = p->field.id;
	struct dbuf dec;
	const char *s;
	size_t n, undecoded;

	if (!field_value(p, &s, &n))
		return;
	switch (id) {
	case F_RECEIVED:
		p->received_parts_mem +=
		    received_parse(s, n, &mi->received_parts[mi->nreceived]);
		mi->received[mi->nreceived++] = arena_memdup0(&p->mem, s, n);
		/* Like Zeek: a hop repeated in a row is one hop. */
		if (msg_received_ip(s, n, ip, sizeof(ip)) &&
		    (mi->npath == 0 ||
			strcmp(mi->path[mi->npath - 1], ip) != 0))
			mi->path[mi->npath++] =
			    arena_memdup0(&p->mem, ip, strlen(ip));
		break;
	case F_USER_AGENT:
		cfree(mi->user_agent);
		mi->user_agent = cmemdup0(s, n);
		mi->user_agent_is_x_mailer = false;
		break;
	case F_X_MAILER:
		if (mi->user_agent == NULL) {
			mi->user_agent = cmemdup0(s, n);
			mi->user_agent_is_x_mailer = true;
		}
		break;
	case F_SUBJECT:
		if (mi->subject != NULL)
			break;
		mi->subject = arena_memdup0(&p->mem, s, n);
		if (memmem(s, n, "=?", 2) == NULL &&
		    n <= MSG_HEADER_VALUE_MAX) {
			/* No encoded word: decoded, it is itself. */
			mi->subject_decoded = arena_memdup0(&p->mem, s, n);
			mi->subject_words_undecoded = 0;
			break;
		}
		dbuf_init(&dec, MSG_HEADER_VALUE_MAX);
		rfc2047_decode(s, n, &dec, &undecoded);
		mi->subject_words_undecoded =
		    undecoded < UINT_MAX ? (unsigned)undecoded : UINT_MAX;
		if (dec.truncated)
			mi->values_truncated++;
		mi->subject_decoded =
		    arena_memdup0(&p->mem, dbuf_str(&dec), dec.len);
		dbuf_free(&dec);
		break;
	case F_X_ORIGINATING_IP:
		set_once_mem(p, &mi->x_originating_ip_raw, s, n);
		if (ip_canon(s, n, ip, sizeof(ip)))
			mi->x_originating_ip = cstrdup(ip);
		break;
	case F_CONTENT_TYPE:
		set_once_mem(p, &mi->content_type, s, n);
		content_type_apply(p, s, n);
		break;
	default:
		set_once_mem(p, top_slot(mi, id), s, n);
		break;
	}
	field_close(&p->field);
}

static void
headers_end(struct msg_parser *p)
{
	top_field_close(p);
	p->info.headers_done = true;
	if (p->info.is_dsn && p->boundary_len > 0)
		msg_set_state(p, MSG_ST_PREAMBLE);
	else
		msg_set_state(p, MSG_ST_BODY_SKIP);
}

static void
top_line(struct msg_parser *p, const uint8_t *s, size_t n, bool cut)
{
	struct smtp_msg_info *mi = &p->info;
	const struct field_name *fn;
	size_t name_len = 0, value_at = 0;
	enum line_kind kind;

	kind = line_classify(s, n, &name_len, &value_at);
	if (kind == LINE_EMPTY) {
		headers_end(p);
		return;
	}
	if (kind == LINE_FIELD)
		mi->header_lines++;
	/* The bytes before this line: a long line is still looked at. */
	if (!p->headers_given_up &&
	    mi->header_bytes - p->line_total >= MSG_HEADER_BYTES_MAX) {
		top_field_close(p);
		p->headers_given_up = true;
		mi->headers_truncated = true;
	}
	if (p->headers_given_up) {
		if (kind == LINE_FIELD)
			mi->headers_skipped++;
		return;
	}
	switch (kind) {
	case LINE_FOLD:
		field_fold(&p->field, s, n, cut, false);
		break;
	case LINE_MALFORMED:
		top_field_close(p);
		mi->header_malformed++;
		break;
	case LINE_FIELD:
		top_field_close(p);
		if (mi->header_lines > MSG_HEADERS_MAX) {
			mi->headers_skipped++;
			mi->headers_truncated = true;
			break;
		}
		fn = field_lookup(
		    top_fields, ARRAY_LEN(top_fields), s, name_len);
		if (fn != NULL && top_wanted(p, fn->id))
			field_open(
			    &p->field, fn->id, s + value_at, n - value_at, cut);
		break;
	case LINE_EMPTY:
		break;
	}
}

/*
 * The parts of a delivery status notification.
 */

enum boundary_kind {
	BOUNDARY_NONE,
	BOUNDARY_NEXT,  /* "--boundary": a part follows */
	BOUNDARY_CLOSE, /* "--boundary--": the last part ended */
};

static enum boundary_kind
boundary_match(const struct msg_parser *p, const uint8_t *s, size_t n, bool cut)
{
	enum boundary_kind kind = BOUNDARY_NEXT;
	size_t i, bl = p->boundary_len;

	if (cut || n < 2 + bl || s[0] != '-' || s[1] != '-' ||
	    memcmp(s + 2, p->boundary, bl) != 0)
		return BOUNDARY_NONE;
	i = 2 + bl;
	if (i + 1 < n && s[i] == '-' && s[i + 1] == '-') {
		kind = BOUNDARY_CLOSE;
		i += 2;
	}
	/* RFC 2046 5.1.1: only blanks may follow. */
	for (; i < n; i++)
		if (!ascii_isspace(s[i]))
			return BOUNDARY_NONE;
	return kind;
}

static void
part_field_close(struct msg_parser *p)
{
	const char *s;
	size_t n;

	if (!field_value(p, &s, &n))
		return;
	if (!p->part_type_seen) {
		p->part_type_seen = true;
		p->part_is_status =
		    ct_type_is(s, n, "message/delivery-status") ||
		    ct_type_is(s, n, "message/global-delivery-status");
	}
	field_close(&p->field);
}

static void
group_free(struct smtp_dsn_rcpt *r)
{
	cfree(r->final_recipient);
	cfree(r->original_recipient);
	cfree(r->action);
	cfree(r->status);
	cfree(r->diagnostic);
	cfree(r->remote_mta);
	memset(r, 0, sizeof(*r));
}

/* A blank line or the end of the part ends a recipient group. */
static void
group_end(struct msg_parser *p)
{
	struct smtp_msg_info *mi = &p->info;

	if (!p->group_used)
		return;
	p->group_used = false;
	if (mi->ndsn >= MSG_DSN_RCPT_MAX) {
		mi->dsn_dropped++;
		group_free(&p->group);
		return;
	}
	if (mi->ndsn == p->dsn_alloc) {
		p->dsn_alloc = p->dsn_alloc ? p->dsn_alloc * 2 : 4;
		if (p->dsn_alloc > MSG_DSN_RCPT_MAX)
			p->dsn_alloc = MSG_DSN_RCPT_MAX;
		mi->dsn = crealloc(mi->dsn, p->dsn_alloc * sizeof(*mi->dsn));
	}
	mi->dsn[mi->ndsn++] = p->group;
	memset(&p->group, 0, sizeof(p->group));
}

/* Remove a "type;" prefix (RFC 3464 address-type, diagnostic-type...). */
static void
strip_type(const char **s, size_t *n, const char *type)
{
	size_t tl = strlen(type), i;

	if (!ascii_prefix_ci((const uint8_t *)*s, *n, type))
		return;
	for (i = tl; i < *n && ascii_isspace((unsigned char)(*s)[i]); i++)
		;
	if (i >= *n || (*s)[i] != ';')
		return;
	*s += i + 1;
	*n -= i + 1;
	trim(s, n);
}

static void
strip_address(const char **s, size_t *n)
{
	strip_type(s, n, "rfc822");
	strip_type(s, n, "utf-8");
	if (*n >= 2 && (*s)[0] == '<' && (*s)[*n - 1] == '>') {
		(*s)++;
		*n -= 2;
	}
}

static void
dsn_field_close(struct msg_parser *p)
{
	struct smtp_msg_info *mi = &p->info;
	struct smtp_dsn_rcpt *g = &p->group;
	enum field_id id = p->field.id;
	const char *s;
	size_t n;

	if (!field_value(p, &s, &n))
		return;
	switch (id) {
	case F_REPORTING_MTA:
		strip_type(&s, &n, "dns");
		set_once_mem(p, &mi->dsn_reporting_mta, s, n);
		break;
	case F_ARRIVAL_DATE:
		set_once_mem(p, &mi->dsn_arrival_date, s, n);
		break;
	case F_FINAL_RECIPIENT:
		strip_address(&s, &n);
		set_once(&g->final_recipient, s, n);
		p->group_used = true;
		break;
	case F_ORIGINAL_RECIPIENT:
		strip_address(&s, &n);
		set_once(&g->original_recipient, s, n);
		p->group_used = true;
		break;
	case F_ACTION:
		set_once(&g->action, s, n);
		p->group_used = true;
		break;
	case F_STATUS:
		set_once(&g->status, s, n);
		p->group_used = true;
		break;
	case F_DIAGNOSTIC:
		strip_type(&s, &n, "smtp");
		set_once(&g->diagnostic, s, n);
		p->group_used = true;
		break;
	case F_REMOTE_MTA:
		strip_type(&s, &n, "dns");
		set_once(&g->remote_mta, s, n);
		p->group_used = true;
		break;
	default:
		break;
	}
	field_close(&p->field);
}

/* A header-like line of a part's header section or of the DSN fields. */
static void
fields_line(struct msg_parser *p, const uint8_t *s, size_t n, bool cut)
{
	bool dsn = p->state == MSG_ST_DSN_FIELDS;
	const struct field_name *fn;
	size_t name_len = 0, value_at = 0;

	switch (line_classify(s, n, &name_len, &value_at)) {
	case LINE_EMPTY:
		if (dsn) {
			dsn_field_close(p);
			group_end(p);
		} else {
			part_field_close(p);
			msg_set_state(p,
			    p->part_is_status ? MSG_ST_DSN_FIELDS
					      : MSG_ST_PART_BODY);
			if (p->part_is_status)
				p->info.dsn_part_seen = true;
		}
		break;
	case LINE_FOLD:
		field_fold(&p->field, s, n, cut, dsn);
		break;
	case LINE_MALFORMED:
		if (dsn)
			dsn_field_close(p);
		else
			part_field_close(p);
		break;
	case LINE_FIELD:
		if (dsn) {
			dsn_field_close(p);
			fn = field_lookup(
			    dsn_fields, ARRAY_LEN(dsn_fields), s, name_len);
		} else {
			part_field_close(p);
			fn = NULL;
			if (!p->part_type_seen)
				fn = field_lookup(part_fields,
				    ARRAY_LEN(part_fields), s, name_len);
		}
		if (fn != NULL)
			field_open(
			    &p->field, fn->id, s + value_at, n - value_at, cut);
		break;
	}
}

/* The open field and group of the state being left. */
static void
part_end(struct msg_parser *p)
{
	if (p->state == MSG_ST_DSN_FIELDS) {
		dsn_field_close(p);
		group_end(p);
	} else if (p->state == MSG_ST_PART_HEADERS)
		part_field_close(p);
	else if (p->state == MSG_ST_HEADERS)
		top_field_close(p);
}

static void
body_line(struct msg_parser *p, const uint8_t *s, size_t n, bool cut)
{
	enum boundary_kind b = boundary_match(p, s, n, cut);

	if (b != BOUNDARY_NONE) {
		part_end(p);
		/* One delivery-status part is all RFC 3464 has. */
		if (b == BOUNDARY_CLOSE || p->info.dsn_part_seen) {
			msg_set_state(p, MSG_ST_DONE);
			return;
		}
		p->part_type_seen = false;
		p->part_is_status = false;
		msg_set_state(p, MSG_ST_PART_HEADERS);
		return;
	}
	if (p->state == MSG_ST_PART_HEADERS || p->state == MSG_ST_DSN_FIELDS)
		fields_line(p, s, n, cut);
}

/*
 * Line framing.
 */

static void
line_end(struct msg_parser *p)
{
	const uint8_t *s = p->line;
	size_t n = p->line_len;
	bool cut = p->line_over;

	if (n > 0 && s[n - 1] == '\r' && !cut)
		n--;
	if (n > MSG_LINE_MAX) {
		n = MSG_LINE_MAX;
		cut = true;
	}
	if (cut)
		p->info.lines_truncated++;
	if (p->state == MSG_ST_HEADERS)
		top_line(p, s, n, cut);
	else
		body_line(p, s, n, cut);
	p->line_len = 0;
	p->line_total = 0;
	p->line_over = false;
}

static void
line_add(struct msg_parser *p, const uint8_t *s, size_t n)
{
	size_t room = sizeof(p->line) - p->line_len;

	if (n > room) {
		p->line_over = true;
		n = room;
	}
	memcpy(p->line + p->line_len, s, n);
	p->line_len += n;
}

void
msg_parser_feed(struct msg_parser *p, const uint8_t *data, size_t len)
{
	const uint8_t *lf;
	size_t n;

	if (p->finished)
		return;
	p->info.size += len;
	while (len > 0) {
		if (p->state == MSG_ST_BODY_SKIP || p->state == MSG_ST_DONE)
			return;
		lf = memchr(data, '\n', len);
		n = lf != NULL ? (size_t)(lf - data) + 1 : len;
		if (p->state == MSG_ST_HEADERS)
			p->info.header_bytes += n;
		p->line_total += n;
		line_add(p, data, lf != NULL ? n - 1 : n);
		if (lf != NULL)
			line_end(p);
		data += n;
		len -= n;
	}
}

bool
msg_parser_skipping(const struct msg_parser *p)
{
	return p->finished || p->state == MSG_ST_BODY_SKIP ||
	    p->state == MSG_ST_DONE;
}

void
msg_parser_finish(struct msg_parser *p)
{
	if (p->finished)
		return;
	if (p->line_total > 0 && p->state != MSG_ST_BODY_SKIP &&
	    p->state != MSG_ST_DONE)
		line_end(p);
	part_end(p);
	p->finished = true;
}

/*
 * Parsers freed lately, kept for the next messages: a parser is over
 * 8 KiB (its line buffer) and every message needs one, so allocating it
 * afresh each time showed in the profile. The dissector runs in one
 * thread; msg_parser_release_spares() empties the cache at exit.
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MSG_NO_SPARES
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(MSG_NO_SPARES)
#define MSG_SPARES 0 /* a reused block would hide a use after free */
#else
#define MSG_SPARES 8
#endif
static struct msg_parser *msg_spare[MSG_SPARES + 1];
static size_t msg_nspare;

struct msg_parser *
msg_parser_new(void)
{
	struct msg_parser *p;
	struct smtp_received *parts;
	char **received, **path;
	struct arena mem;
	struct dbuf val;

	if (msg_nspare == 0) {
		p = ccalloc(1, sizeof(*p));
		arena_init(&p->mem);
		p->info.received = ccalloc(MSG_RECEIVED_MAX, sizeof(char *));
		p->info.received_parts =
		    ccalloc(MSG_RECEIVED_MAX, sizeof(struct smtp_received));
		p->info.path = ccalloc(MSG_RECEIVED_MAX, sizeof(char *));
	} else {
		/* As new, but the line buffer is not zeroed: only its
		 * first line_len bytes are ever read. received_parts was
		 * zeroed entry by entry when its parts were freed. */
		p = msg_spare[--msg_nspare];
		val = p->field.val;
		received = p->info.received;
		parts = p->info.received_parts;
		path = p->info.path;
		mem = p->mem; /* emptied but its first block */
		memset(p, 0, offsetof(struct msg_parser, line));
		memset((char *)p + offsetof(struct msg_parser, line_len), 0,
		    sizeof(*p) - offsetof(struct msg_parser, line_len));
		memset(received, 0, MSG_RECEIVED_MAX * sizeof(char *));
		memset(path, 0, MSG_RECEIVED_MAX * sizeof(char *));
		p->info.received = received;
		p->info.received_parts = parts;
		p->info.path = path;
		p->mem = mem;
		p->field.val = val; /* kept, emptied */
		dbuf_reset(&p->field.val);
	}
	if (p->field.val.max == 0)
		dbuf_init_counted(&p->field.val, MSG_HEADER_VALUE_MAX);
	msg_set_state(p, MSG_ST_HEADERS);
	return p;
}

const struct smtp_msg_info *
msg_parser_info(const struct msg_parser *p)
{
	return &p->info;
}

static size_t
str_mem(const char *s)
{
	return s != NULL ? strlen(s) + 1 : 0;
}

static size_t
rcpt_mem(const struct smtp_dsn_rcpt *r)
{
	return str_mem(r->final_recipient) + str_mem(r->original_recipient) +
	    str_mem(r->action) + str_mem(r->status) + str_mem(r->diagnostic) +
	    str_mem(r->remote_mta);
}

size_t
msg_parser_mem(const struct msg_parser *p)
{
	const struct smtp_msg_info *mi = &p->info;
	size_t m, i;

	m = sizeof(*p) + 2 * MSG_RECEIVED_MAX * sizeof(char *) +
	    MSG_RECEIVED_MAX * sizeof(struct smtp_received) +
	    p->received_parts_mem + p->field.val.cap +
	    p->dsn_alloc * sizeof(struct smtp_dsn_rcpt);
	m += str_mem(mi->date) + str_mem(mi->from) + str_mem(mi->to) +
	    str_mem(mi->cc) + str_mem(mi->reply_to) + str_mem(mi->msg_id) +
	    str_mem(mi->in_reply_to) + str_mem(mi->subject) +
	    str_mem(mi->subject_decoded) + str_mem(mi->x_originating_ip) +
	    str_mem(mi->x_originating_ip_raw) + str_mem(mi->user_agent) +
	    str_mem(mi->content_type) + str_mem(mi->return_path) +
	    str_mem(mi->dsn_reporting_mta) + str_mem(mi->dsn_arrival_date);
	for (i = 0; i < mi->nreceived; i++)
		m += str_mem(mi->received[i]);
	for (i = 0; i < mi->npath; i++)
		m += str_mem(mi->path[i]);
	for (i = 0; i < mi->ndsn; i++)
		m += rcpt_mem(&mi->dsn[i]);
	return m + rcpt_mem(&p->group);
}

void
msg_parser_free(struct msg_parser *p)
{
	struct smtp_msg_info *mi;
	size_t i;

	if (p == NULL)
		return;
	mi = &p->info;
	/* The rest of the strings are in p->mem. */
	cfree(mi->x_originating_ip);
	cfree(mi->user_agent);
	for (i = 0; i < mi->nreceived; i++)
		received_free(&mi->received_parts[i]);
	for (i = 0; i < mi->ndsn; i++)
		group_free(&mi->dsn[i]);
	cfree(mi->dsn);
	group_free(&p->group);
	if (MSG_SPARES > 0 && msg_nspare + 1 <= (size_t)MSG_SPARES) {
		/* A spare keeps the arena's first block and the header
		 * value's buffer. */
		arena_reset(&p->mem);
		msg_spare[msg_nspare++] = p;
		return;
	}
	dbuf_free(&p->field.val);
	arena_free(&p->mem);
	cfree(mi->received);
	cfree(mi->received_parts);
	cfree(mi->path);
	cfree(p);
}

void
msg_parser_release_spares(void)
{
	struct msg_parser *p;

	while (msg_nspare > 0) {
		p = msg_spare[--msg_nspare];
		dbuf_free(&p->field.val);
		arena_free(&p->mem);
		cfree(p->info.received);
		cfree(p->info.received_parts);
		cfree(p->info.path);
		cfree(p);
	}
	iconv_cache_clear();
}
