/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The message parser: lines are framed with a fixed cap, the top-level
 * header section is unfolded field by field, and a delivery status
 * notification is followed part by part along its boundary (dsn.c).
 * Nothing of the body is kept beyond the line being looked at. Encoded
 * words are decoded in rfc2047.c, Received fields taken apart in
 * received.c; message_internal.h has what these files share.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "smtp/message.h"
#include "smtp/message_internal.h"

static const struct field_name top_fields[] = {
	FIELD_NAME("Date", F_DATE),
	FIELD_NAME("From", F_FROM),
	FIELD_NAME("To", F_TO),
	FIELD_NAME("Cc", F_CC),
	FIELD_NAME("Reply-To", F_REPLY_TO),
	FIELD_NAME("Message-ID", F_MESSAGE_ID),
	FIELD_NAME("In-Reply-To", F_IN_REPLY_TO),
	FIELD_NAME("Subject", F_SUBJECT),
	FIELD_NAME("X-Originating-IP", F_X_ORIGINATING_IP),
	FIELD_NAME("User-Agent", F_USER_AGENT),
	FIELD_NAME("X-Mailer", F_X_MAILER),
	FIELD_NAME("Received", F_RECEIVED),
	FIELD_NAME("Content-Type", F_CONTENT_TYPE),
	FIELD_NAME("Return-Path", F_RETURN_PATH),
};

void
msg_set_state(struct msg_parser *p, enum msg_state st)
{
	p->state = st;
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

bool
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

/* Bytes of a and b with bit 0x20 set in each, compared a word at a time
 * (the words cover the len bytes, the last overlapping the one before):
 * equal as field_lookup() compares names. */
static inline bool
name_eq_20(const uint8_t *a, const uint8_t *b, size_t len)
{
	const uint64_t bits8 = 0x2020202020202020ull;
	const uint32_t bits4 = 0x20202020u;
	uint64_t x, y;
	uint32_t u, v;
	size_t j;

	if (len >= 8) {
		for (j = 0; j + 8 < len; j += 8) {
			memcpy(&x, a + j, 8);
			memcpy(&y, b + j, 8);
			if ((x | bits8) != (y | bits8))
				return false;
		}
		memcpy(&x, a + len - 8, 8);
		memcpy(&y, b + len - 8, 8);
		return (x | bits8) == (y | bits8);
	}
	if (len >= 4) {
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		if ((u | bits4) != (v | bits4))
			return false;
		memcpy(&u, a + len - 4, 4);
		memcpy(&v, b + len - 4, 4);
		return (u | bits4) == (v | bits4);
	}
	for (j = 0; j < len; j++)
		if ((a[j] | 0x20) != (b[j] | 0x20))
			return false;
	return true;
}

const struct field_name *
field_lookup(
    const struct field_name *tab, size_t ntab, const uint8_t *name, size_t len)
{
	size_t i;

	/* The lengths first: a header section is mostly fields no table
	 * names, and those of the same length are few. The names are
	 * letters, digits and '-', and a name line_classify() found has
	 * no byte below 0x21: with bit 0x20 set in both, they compare as
	 * they would in one case. */
	for (i = 0; i < ntab; i++)
		if (tab[i].len == len &&
		    name_eq_20(name, (const uint8_t *)tab[i].name, len))
			return &tab[i];
	return NULL;
}

/* The bytes of s (n) before the first blank, control character or
 * colon: eight at a time while eight are left (a byte below 0x21 sets
 * its top bit in lt, a colon in colon; the first byte flagged in
 * either is exact, the borrows only reach the bytes after it), then one
 * at a time. */
static size_t
name_run(const uint8_t *s, size_t n)
{
	size_t i = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t high = 0x8080808080808080ull;
	uint64_t w, lt, colon;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		lt = (w - 0x21 * ones) & ~w & high;
		colon =
		    ((w ^ (':' * ones)) - ones) & ~(w ^ (':' * ones)) & high;
		if ((lt | colon) != 0)
			return i + (size_t)__builtin_ctzll(lt | colon) / 8;
	}
#endif
	while (i < n && s[i] > 0x20 && s[i] != ':')
		i++;
	return i;
}

enum line_kind
line_classify(const uint8_t *s, size_t n, size_t *name_len, size_t *value_at)
{
	size_t i, end = 0;

	if (n == 0)
		return LINE_EMPTY;
	if (ascii_isspace(s[0]))
		return LINE_FOLD;
	/* One pass to the colon: no control character, and blanks only
	 * between the name and the colon (RFC 5322 4.5.3, obsolete); end
	 * follows the name's last byte. The name's bytes first, in a loop
	 * of their own: until the first blank or control character they
	 * only move end. */
	i = name_run(s, n);
	end = i;
	for (; i < n && s[i] != ':'; i++) {
		if (s[i] > 0x20) {
			if (end != i) /* a blank within the name */
				return LINE_MALFORMED;
			end = i + 1;
		} else if (!ascii_isspace(s[i]))
			return LINE_MALFORMED;
	}
	if (i == n || end == 0)
		return LINE_MALFORMED;
	*name_len = end;
	*value_at = i + 1;
	return LINE_FIELD;
}

void
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
void
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
bool
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

void
field_close(struct field *f)
{
	f->id = F_NONE;
	f->cut = false;
	dbuf_reset(&f->val);
}

/* Store s in *slot unless something is there already. */
void
set_once(char **slot, const char *s, size_t n)
{
	if (*slot == NULL)
		*slot = cmemdup0(s, n);
}

/* The same, in p's arena. */
void
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

/* Whether s (n bytes) holds "=?", where an encoded word (RFC 2047)
 * starts: a memchr() for each '=', which a subject seldom has, where
 * memmem() goes a byte at a time. */
static bool
has_encoded_word(const char *s, size_t n)
{
	const char *eq, *end = s + n;

	while ((eq = memchr(s, '=', (size_t)(end - s))) != NULL) {
		if (end - eq > 1 && eq[1] == '?')
			return true;
		s = eq + 1;
	}
	return false;
}

void
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
		if (!has_encoded_word(s, n) && n <= MSG_HEADER_VALUE_MAX) {
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
 * Line framing.
 */

/* A line's n bytes (its LF left out) at s, kept whole unless cut. */
static void
line_take(struct msg_parser *p, const uint8_t *s, size_t n, bool cut)
{
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

/* The line gathered in p->line. */
static void
line_end(struct msg_parser *p)
{
	line_take(p, p->line, p->line_len, p->line_over);
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
		if (lf != NULL && p->line_len == 0 && !p->line_over) {
			/* A whole line within data: read where it is, not
			 * copied first, cut where line_add() would cut it.
			 * Nothing keeps a pointer into it. */
			size_t k = n - 1;
			bool over = k > sizeof(p->line);

			line_take(p, data, over ? sizeof(p->line) : k, over);
		} else {
			line_add(p, data, lf != NULL ? n - 1 : n);
			if (lf != NULL)
				line_end(p);
		}
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
	size_t nreceived, npath;

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
		 * zeroed entry by entry when its parts were freed; received
		 * and path are written only at their counts, so the entries
		 * past the last message's are still zero. */
		p = msg_spare[--msg_nspare];
		val = p->field.val;
		received = p->info.received;
		nreceived = p->info.nreceived;
		parts = p->info.received_parts;
		path = p->info.path;
		npath = p->info.npath;
		mem = p->mem; /* emptied but its first block */
		memset(p, 0, offsetof(struct msg_parser, line));
		memset((char *)p + offsetof(struct msg_parser, line_len), 0,
		    sizeof(*p) - offsetof(struct msg_parser, line_len));
		memset(received, 0, nreceived * sizeof(char *));
		memset(path, 0, npath * sizeof(char *));
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
	    str_mem(mi->dsn_reporting_mta) + str_mem(mi->dsn_arrival_date) +
	    str_mem(mi->dsn_envid) + str_mem(mi->dsn_queue_id) +
	    str_mem(mi->dsn_returned_msg_id) + str_mem(mi->dsn_returned_qid) +
	    str_mem(mi->dsn_returned_by);
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
