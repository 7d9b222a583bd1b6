/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MIME header fields and parameters. The splitting follows what Python's
 * email package does (the test suite's ground truth) where RFCs leave
 * room: a field is found by its exact name, case aside, and its first
 * occurrence counts; parameters split at ";" outside quotes; RFC 2231
 * sections are joined in the order of their numbers. One deliberate
 * difference: an extended file name (filename*=) wins over a plain one,
 * as RFC 6266 advises and mail programs do.
 */
#include "mimehdr.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/base64.h"
#include "lib/hex.h"
#include "lib/qp.h"
#include "lib/util.h"

#define SECTIONS_MAX 64     /* RFC 2231 sections kept of one parameter */
#define PARAM_TEXT_MAX 4096 /* bytes of a parameter value looked at */
/*
 * The cap of every buffer here, never reached: a field's text is cut at
 * PARAM_TEXT_MAX * 4 bytes (find_field()), and no charset turns a byte
 * into more than a few characters of UTF-8.
 */
#define SCRATCH_MAX (16u << 20)

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool
is_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	    c == '\v';
}

/* A scratch buffer (dbuf_free() when done). */
static void
scratch(struct dbuf *b)
{
	dbuf_init(b, SCRATCH_MAX);
}

/* n bytes of p (NULL when n is 0) appended. */
static void
put(struct dbuf *b, const void *p, size_t n)
{
	if (n > 0)
		dbuf_add(b, p, n);
}

/* A span of bytes. */
struct span {
	const uint8_t *p;
	size_t n;
};

static struct span
trim(struct span s)
{
	while (s.n > 0 && is_ws(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && is_ws(s.p[s.n - 1]))
		s.n--;
	return s;
}

static bool
span_ieq(struct span s, const char *lit)
{
	size_t i, n = strlen(lit);

	if (s.n != n)
		return false;
	for (i = 0; i < n; i++)
		if (lower(s.p[i]) != lower((unsigned char)lit[i]))
			return false;
	return true;
}

/*
 * The unfolded value of the first field called name in the header
 * section, into out (CR and LF of folds removed), or false.
 */
static bool
find_field(const uint8_t *h, size_t len, const char *name, struct dbuf *out)
{
	size_t i = 0, eol, nlen = strlen(name), k;
	bool found = false;

	while (i < len) {
		const uint8_t *nl = memchr(h + i, '\n', len - i);

		eol = nl != NULL ? (size_t)(nl - h) + 1 : len;
		if (found) {
			if (h[i] != ' ' && h[i] != '\t')
				break;
		} else if (eol - i > nlen && h[i + nlen] == ':') {
			struct span nm = { h + i, nlen };

			if (span_ieq(nm, name)) {
				found = true;
				i += nlen + 1;
				while (i < eol && (h[i] == ' ' || h[i] == '\t'))
					i++;
			}
		}
		if (found)
			for (k = i; k < eol; k++)
				if (h[k] != '\r' && h[k] != '\n' &&
				    out->len < PARAM_TEXT_MAX * 4)
					dbuf_addc(out, (char)h[k]);
		i = eol;
	}
	return found;
}

/* Python's email.utils.unquote: "..." with \\ and \" undone (in two
 * passes, as it does), or <...>. Into out. */
static void
unquote(struct span v, struct dbuf *out)
{
	struct dbuf tmp;
	size_t i;

	scratch(&tmp);
	if (v.n > 1 && v.p[0] == '"' && v.p[v.n - 1] == '"') {
		for (i = 1; i + 1 < v.n; i++) {
			if (v.p[i] == '\\' && i + 2 < v.n && v.p[i + 1] == '\\')
				i++;
			dbuf_addc(&tmp, (char)v.p[i]);
		}
		for (i = 0; i < tmp.len; i++) {
			if (tmp.p[i] == '\\' && i + 1 < tmp.len &&
			    tmp.p[i + 1] == '"')
				i++;
			dbuf_addc(out, tmp.p[i]);
		}
		dbuf_free(&tmp);
		return;
	}
	if (v.n > 1 && v.p[0] == '<' && v.p[v.n - 1] == '>') {
		put(out, v.p + 1, v.n - 2);
		return;
	}
	put(out, v.p, v.n);
}

/* One parameter of a field value: name (lowercased by the caller's
 * compare) and value, trimmed. */
struct param {
	struct span name, value;
};

/*
 * The next parameter after *pos in v (Python's _parseparam: split at ";"
 * where the quotes before it, escaped ones aside, are even).
 */
static bool
next_param(struct span v, size_t *pos, struct param *pr)
{
	size_t i = *pos, start, end, q = 0, eq = 0, k;
	struct span f;

	if (i >= v.n || v.p[i] != ';')
		return false;
	start = ++i;
	end = v.n;
	for (; i < v.n; i++) {
		if (v.p[i] == '"') {
			q++;
			if (i > start && v.p[i - 1] == '\\')
				eq++;
		} else if (v.p[i] == ';' && (i == start || (q - eq) % 2 == 0)) {
			end = i;
			break;
		}
	}
	*pos = end;
	f.p = v.p + start;
	f.n = end - start;
	for (k = 0; k < f.n && f.p[k] != '='; k++)
		;
	if (k < f.n) {
		pr->name = trim((struct span){ f.p, k });
		pr->value = trim((struct span){ f.p + k + 1, f.n - k - 1 });
	} else {
		pr->name = trim(f);
		pr->value = (struct span){ f.p + f.n, 0 };
	}
	return true;
}

/* Where the parameters begin: the first ";" (the main value is before). */
static size_t
params_start(struct span v)
{
	const uint8_t *semi;

	if (v.n == 0) /* an empty field value: v.p may be NULL */
		return 0;
	semi = memchr(v.p, ';', v.n);
	return semi != NULL ? (size_t)(semi - v.p) : v.n;
}

/* The main value (before any ";"), trimmed, lowercased into out. */
static void
main_value(struct span v, char *out, size_t outsz)
{
	struct span m = trim((struct span){ v.p, params_start(v) });
	size_t i;

	for (i = 0; i < m.n && i + 1 < outsz; i++)
		out[i] = (char)lower(m.p[i]);
	out[i] = '\0';
}

/* in[0..n) in charset cs appended to out as UTF-8; bytes that do not
 * convert become U+FFFD; an unknown charset leaves the bytes as they are
 * (the JSON writer escapes what is not UTF-8). */
static void
to_utf8(const char *cs, const uint8_t *in, size_t n, struct dbuf *out)
{
	static const char repl[] = "\xef\xbf\xbd";
	char buf[512], *ip, *op;
	size_t il, ol, r;
	iconv_t cd;

	if (cs[0] == '\0' || strcasecmp(cs, "utf-8") == 0 ||
	    strcasecmp(cs, "utf8") == 0 || strcasecmp(cs, "us-ascii") == 0 ||
	    strcasecmp(cs, "ascii") == 0) {
		put(out, in, n);
		return;
	}
	if ((cd = iconv_open("UTF-8", cs)) == (iconv_t)-1) {
		put(out, in, n);
		return;
	}
	ip = (char *)(uintptr_t)in;
	il = n;
	while (il > 0) {
		op = buf;
		ol = sizeof(buf);
		r = iconv(cd, &ip, &il, &op, &ol);
		put(out, buf, (size_t)(op - buf));
		if (r == (size_t)-1 && errno != E2BIG) {
			/* EILSEQ, EINVAL: one byte replaced, and on. */
			put(out, repl, 3);
			ip++;
			il--;
			iconv(cd, NULL, NULL, NULL, NULL);
		}
	}
	iconv_close(cd);
}

/* A charset name from wire bytes: ASCII letters, digits, -_:.(), capped;
 * an RFC 2231 language suffix ("*en") removed. */
static void
charset_name(const uint8_t *p, size_t n, char *out, size_t outsz)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 1 < outsz; i++) {
		uint8_t c = p[i];

		if (c == '*')
			break;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == ':' || c == '.' || c == '(' || c == ')')
			out[o++] = (char)c;
		else {
			o = 0; /* not a charset name: none */
			break;
		}
	}
	out[o] = '\0';
}

/* RFC 2047 encoded words in s decoded (and the blanks between two of
 * them dropped), the rest copied, into out as UTF-8. */
static void
decode_2047(const uint8_t *s, size_t n, struct dbuf *out)
{
	size_t i = 0, gap_start = 0, j, cs_end, enc, text, end;
	bool after_word = false;
	struct dbuf raw;
	char cs[64];

	scratch(&raw);

	while (i < n) {
		if (!(s[i] == '=' && i + 1 < n && s[i + 1] == '?')) {
			i++;
			continue;
		}
		/* =?charset?X?text?= */
		for (cs_end = i + 2; cs_end < n && s[cs_end] != '?'; cs_end++)
			;
		enc = cs_end + 1;
		text = enc + 2;
		if (text > n || s[text - 1] != '?' ||
		    (lower(s[enc]) != 'b' && lower(s[enc]) != 'q')) {
			i++;
			continue;
		}
		for (end = text; end + 1 < n; end++)
			if (s[end] == '?' && s[end + 1] == '=')
				break;
		if (end + 1 >= n) {
			i++;
			continue;
		}
		/* The text before it, unless blanks between two words. */
		for (j = gap_start; j < i && is_ws(s[j]); j++)
			;
		if (!(after_word && j == i))
			put(out, s + gap_start, i - gap_start);
		charset_name(s + i + 2, cs_end - i - 2, cs, sizeof(cs));
		dbuf_reset(&raw);
		if (lower(s[enc]) == 'q')
			qp_decode_q(s + text, end - text, &raw);
		else
			base64_decode_skip(s + text, end - text, &raw);
		to_utf8(cs, (const uint8_t *)raw.p, raw.len, out);
		i = end + 2;
		gap_start = i;
		after_word = true;
	}
	put(out, s + gap_start, n - gap_start);
	dbuf_free(&raw);
}

/* A %XX-encoded RFC 2231 value: bytes. */
static void
pct_decode(const uint8_t *p, size_t n, struct dbuf *out)
{
	size_t i;
	int v;

	for (i = 0; i < n; i++) {
		if (p[i] == '%' && i + 2 < n &&
		    (v = hex_pair(p[i + 1], p[i + 2])) >= 0) {
			dbuf_addc(out, (char)v);
			i += 2;
		} else
			dbuf_addc(out, (char)p[i]);
	}
}

struct section {
	long num; /* -1: name* without a number */
	bool encoded;
	struct span value; /* raw, unquoted later */
};

static int
section_cmp(const void *a, const void *b)
{
	const struct section *x = a, *y = b;

	return (x->num > y->num) - (x->num < y->num);
}

/*
 * Whether pname is want*, want*N or want*N* (RFC 2231); sets *num and
 * *encoded.
 */
static bool
is_section(struct span pname, const char *want, long *num, bool *encoded)
{
	size_t wl = strlen(want), i;
	long v = 0;

	if (pname.n <= wl || pname.p[wl] != '*' ||
	    !span_ieq((struct span){ pname.p, wl }, want))
		return false;
	if (pname.n == wl + 1) {
		*num = -1;
		*encoded = true;
		return true;
	}
	for (i = wl + 1; i < pname.n && pname.p[i] >= '0' && pname.p[i] <= '9';
	     i++) {
		if (v < 100000)
			v = v * 10 + (pname.p[i] - '0');
	}
	if (i == wl + 1)
		return false;
	if (i == pname.n) {
		*encoded = false;
	} else if (i + 1 == pname.n && pname.p[i] == '*') {
		*encoded = true;
	} else
		return false;
	*num = v;
	return true;
}

/*
 * The parameter want of field value v into out (UTF-8 when decode; raw
 * otherwise), trimmed. RFC 2231 sections are preferred to a plain one.
 */
static bool
param_get(struct span v, const char *want, bool decode, struct dbuf *out)
{
	struct section sec[SECTIONS_MAX];
	size_t nsec = 0, pos = params_start(v), i, k;
	struct span plain = { NULL, 0 };
	bool have_plain = false, extended = false;
	struct dbuf joined, piece, res;
	struct param pr;
	long num;
	bool encoded;

	while (next_param(v, &pos, &pr)) {
		if (span_ieq(pr.name, want)) {
			if (!have_plain) {
				plain = pr.value;
				have_plain = true;
			}
		} else if (nsec < SECTIONS_MAX &&
		    is_section(pr.name, want, &num, &encoded)) {
			sec[nsec].num = num;
			sec[nsec].encoded = encoded;
			sec[nsec].value = pr.value;
			nsec++;
		}
	}
	if (nsec == 0 && !have_plain)
		return false;
	scratch(&joined);
	scratch(&piece);
	scratch(&res);
	if (nsec > 0) {
		qsort(sec, nsec, sizeof(sec[0]), section_cmp);
		for (i = 0; i < nsec && joined.len < PARAM_TEXT_MAX; i++) {
			dbuf_reset(&piece);
			unquote(sec[i].value, &piece);
			if (sec[i].encoded) {
				pct_decode((const uint8_t *)piece.p, piece.len,
				    &joined);
				extended = true;
			} else
				put(&joined, piece.p, piece.len);
		}
	} else
		unquote(plain, &joined);
	if (extended) {
		/* charset'language'text */
		const uint8_t *p = (const uint8_t *)joined.p;
		const uint8_t *t1 =
		    joined.len ? memchr(p, '\'', joined.len) : NULL;
		const uint8_t *t2 = t1 != NULL
		    ? memchr(t1 + 1, '\'', joined.len - (size_t)(t1 + 1 - p))
		    : NULL;
		char cs[64];

		if (t2 != NULL) {
			charset_name(p, (size_t)(t1 - p), cs, sizeof(cs));
			k = (size_t)(t2 + 1 - p);
			if (decode)
				to_utf8(cs, p + k, joined.len - k, &res);
			else
				put(&res, p + k, joined.len - k);
		} else
			put(&res, joined.p, joined.len);
	} else if (decode)
		decode_2047((const uint8_t *)joined.p, joined.len, &res);
	else
		put(&res, joined.p, joined.len);
	{
		struct span t = { (const uint8_t *)res.p, res.len };

		t = trim(t);
		put(out, t.p, t.n);
	}
	dbuf_free(&joined);
	dbuf_free(&piece);
	dbuf_free(&res);
	return true;
}

/* A copy of b's text, NUL-terminated, cut at max bytes (at a character
 * boundary when it is UTF-8). */
static char *
dup_capped(const struct dbuf *b, size_t max, size_t *lenp)
{
	size_t n = b->len, i = 0, l;
	char *s;

	if (n > max) {
		while (i < max) {
			l = utf8_seq_len((const uint8_t *)b->p + i, b->len - i);
			if (l == 0)
				l = 1;
			if (i + l > max)
				break;
			i += l;
		}
		n = i;
	}
	if ((s = malloc(n + 1)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(s, b->p, n);
	s[n] = '\0';
	*lenp = n;
	return s;
}

void
mime_fields_parse(const uint8_t *hdr, size_t len, struct mime_fields *f)
{
	struct dbuf ct, cd, te, val;
	struct span v;
	size_t slashes = 0, i;

	memset(f, 0, sizeof(*f));
	scratch(&ct);
	scratch(&cd);
	scratch(&te);
	scratch(&val);
	if (find_field(hdr, len, "content-type", &ct)) {
		v = (struct span){ (const uint8_t *)ct.p, ct.len };
		f->has_type = true;
		main_value(v, f->type, sizeof(f->type));
		for (i = 0; f->type[i] != '\0'; i++)
			slashes += f->type[i] == '/';
		if (slashes != 1)
			f->type[0] = '\0';
		if (param_get(v, "boundary", false, &val)) {
			/* Python strips trailing blanks of a boundary. */
			while (
			    val.len > 0 && is_ws((uint8_t)val.p[val.len - 1]))
				val.len--;
			if (val.len > MIME_BOUNDARY_MAX)
				f->boundary_too_long = true;
			else if (val.len > 0)
				f->boundary =
				    dup_capped(&val, val.len, &f->boundary_len);
		}
	}
	if (find_field(hdr, len, "content-disposition", &cd)) {
		v = (struct span){ (const uint8_t *)cd.p, cd.len };
		f->has_disposition = true;
		main_value(v, f->disposition, sizeof(f->disposition));
		dbuf_reset(&val);
		if (param_get(v, "filename", true, &val))
			f->filename =
			    dup_capped(&val, MIME_NAME_MAX, &f->filename_len);
	}
	if (f->filename == NULL && ct.len > 0) {
		v = (struct span){ (const uint8_t *)ct.p, ct.len };
		dbuf_reset(&val);
		if (param_get(v, "name", true, &val))
			f->filename =
			    dup_capped(&val, MIME_NAME_MAX, &f->filename_len);
	}
	if (find_field(hdr, len, "content-transfer-encoding", &te)) {
		struct span t =
		    trim((struct span){ (const uint8_t *)te.p, te.len });

		f->has_encoding = true;
		for (i = 0; i < t.n && i + 1 < sizeof(f->encoding); i++)
			f->encoding[i] = (char)lower(t.p[i]);
		f->encoding[i] = '\0';
	}
	dbuf_free(&ct);
	dbuf_free(&cd);
	dbuf_free(&te);
	dbuf_free(&val);
}

void
mime_fields_free(struct mime_fields *f)
{
	free(f->boundary);
	free(f->filename);
	memset(f, 0, sizeof(*f));
}
