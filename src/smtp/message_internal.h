/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the files of the message parser share: message.c (line framing,
 * Content-Type, the header fields, the top-level header section, the life
 * of a parser), rfc2047.c (encoded words and charsets), received.c
 * (Received fields and the addresses they name) and dsn.c (the parts of a
 * delivery status notification). Nothing outside src/smtp/ includes this:
 * the rest of the dissector sees only message.h.
 */
#ifndef SMTPSCOPE_SMTP_MESSAGE_INTERNAL_H
#define SMTPSCOPE_SMTP_MESSAGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"
#include "smtp/message.h"

enum msg_state {
	MSG_ST_HEADERS,      /* the top-level header section */
	MSG_ST_BODY_SKIP,    /* a body not looked at: counted only */
	MSG_ST_PREAMBLE,     /* DSN: before the first boundary */
	MSG_ST_PART_HEADERS, /* DSN: the header section of a part */
	MSG_ST_PART_BODY,    /* DSN: the body of another part */
	MSG_ST_DSN_FIELDS,   /* DSN: the message/delivery-status part */
	MSG_ST_RETURNED,     /* DSN: the returned message's header section */
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
	F_ORIGINAL_ENVID,   /* Original-Envelope-Id (per message) */
	F_POSTFIX_QUEUE_ID, /* X-Postfix-Queue-ID (per message) */
	F_FINAL_RECIPIENT,
	F_ORIGINAL_RECIPIENT,
	F_ACTION,
	F_STATUS,
	F_DIAGNOSTIC,
	F_REMOTE_MTA,
	/* The returned message's (or headers') fields. */
	F_RETURNED_MESSAGE_ID,
	F_RETURNED_RECEIVED,
};

struct field_name {
	const char *name;
	size_t len; /* of name: most names are told apart by it alone */
	enum field_id id;
};

/* An entry of a table of field names. */
#define FIELD_NAME(name, id) \
	{ \
		name, sizeof(name) - 1, id \
	}

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
	bool part_is_returned;      /* the returned message or its headers */
	bool returned_seen;         /* that part was read */
	unsigned parts;             /* parts of a DSN begun */
	struct smtp_dsn_rcpt group; /* the recipient group being read */
	bool group_used;
	size_t dsn_alloc;
	/* The top-level fields' strings (each kept once: the first of its
	 * kind), the Received fields and their hops: freed together. */
	struct arena mem;
};

enum line_kind {
	LINE_EMPTY,     /* ends a header section or a DSN group */
	LINE_FOLD,      /* continues the field before it */
	LINE_FIELD,     /* name ":" value */
	LINE_MALFORMED, /* none of the above */
};

/* Linear white space, CR and LF included: unfolded text may hold them. */
static inline bool
is_lwsp(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline bool
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

static inline void
trim(const char **s, size_t *n)
{
	while (*n > 0 && is_lwsp((unsigned char)(*s)[0])) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_lwsp((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/* message.c */
void msg_set_state(struct msg_parser *p, enum msg_state st);
bool ct_type_is(const char *s, size_t n, const char *want);
/* The entry of tab named name (any case; a name line_classify() found),
 * or NULL. */
const struct field_name *field_lookup(
    const struct field_name *tab, size_t ntab, const uint8_t *name, size_t len);
enum line_kind line_classify(
    const uint8_t *s, size_t n, size_t *name_len, size_t *value_at);
void field_open(
    struct field *f, enum field_id id, const uint8_t *v, size_t n, bool cut);
void field_fold(
    struct field *f, const uint8_t *s, size_t n, bool cut, bool one_space);
bool field_value(struct msg_parser *p, const char **s, size_t *n);
void field_close(struct field *f);
void set_once(char **slot, const char *s, size_t n);
void set_once_mem(struct msg_parser *p, char **slot, const char *s, size_t n);
void top_field_close(struct msg_parser *p);

/* rfc2047.c: close the cached iconv descriptors. */
void iconv_cache_clear(void);

/* received.c */
bool ip_canon(const char *s, size_t n, char *out, size_t size);
size_t skip_comment(const char *s, size_t n, size_t i);
size_t received_parse(const char *s, size_t n, struct smtp_received *r);
void received_free(struct smtp_received *r);

/* dsn.c */
void group_free(struct smtp_dsn_rcpt *r);
void part_end(struct msg_parser *p);
void body_line(struct msg_parser *p, const uint8_t *s, size_t n, bool cut);

#endif
