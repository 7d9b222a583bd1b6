/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The parts of a delivery status notification (RFC 3464), once the
 * top-level Content-Type has announced one and its boundary (message.c):
 * the parts followed along the boundary, and the fields of the
 * message/delivery-status part read recipient group by recipient group,
 * and of the returned message (or its headers) the Message-ID and the
 * top Received field: what the DSN is linked by (track/).
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "lib/util.h"
#include "smtp/message.h"
#include "smtp/message_internal.h"

static const struct field_name part_fields[] = {
	FIELD_NAME("Content-Type", F_CONTENT_TYPE),
};

static const struct field_name dsn_fields[] = {
	FIELD_NAME("Reporting-MTA", F_REPORTING_MTA),
	FIELD_NAME("Arrival-Date", F_ARRIVAL_DATE),
	FIELD_NAME("Original-Envelope-Id", F_ORIGINAL_ENVID),
	FIELD_NAME("X-Postfix-Queue-ID", F_POSTFIX_QUEUE_ID),
	FIELD_NAME("Final-Recipient", F_FINAL_RECIPIENT),
	FIELD_NAME("Original-Recipient", F_ORIGINAL_RECIPIENT),
	FIELD_NAME("Action", F_ACTION),
	FIELD_NAME("Status", F_STATUS),
	FIELD_NAME("Diagnostic-Code", F_DIAGNOSTIC),
	FIELD_NAME("Remote-MTA", F_REMOTE_MTA),
};

static const struct field_name returned_fields[] = {
	FIELD_NAME("Message-ID", F_RETURNED_MESSAGE_ID),
	FIELD_NAME("Received", F_RETURNED_RECEIVED),
};

/* Parts of a DSN looked at: RFC 3464 has three (text, status, returned
 * message); a few more are tolerated before giving up. */
#define DSN_PARTS_MAX 8

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
		p->part_is_returned = !p->returned_seen &&
		    (ct_type_is(s, n, "message/rfc822") ||
			ct_type_is(s, n, "message/global") ||
			ct_type_is(s, n, "text/rfc822-headers") ||
			ct_type_is(s, n, "message/global-headers"));
	}
	field_close(&p->field);
}

void
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
	case F_ORIGINAL_ENVID:
		set_once_mem(p, &mi->dsn_envid, s, n);
		break;
	case F_POSTFIX_QUEUE_ID:
		set_once_mem(p, &mi->dsn_queue_id, s, n);
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

/* A field of the returned message's header section: its Message-ID, and
 * the id and by host of its top Received field (the first one). */
static void
returned_field_close(struct msg_parser *p)
{
	struct smtp_msg_info *mi = &p->info;
	struct smtp_received rv;
	const char *s;
	size_t n;

	if (!field_value(p, &s, &n))
		return;
	if (p->field.id == F_RETURNED_MESSAGE_ID)
		set_once_mem(p, &mi->dsn_returned_msg_id, s, n);
	else if (p->field.id == F_RETURNED_RECEIVED &&
	    mi->dsn_returned_qid == NULL && mi->dsn_returned_by == NULL) {
		memset(&rv, 0, sizeof(rv));
		received_parse(s, n, &rv);
		if (rv.id != NULL)
			set_once_mem(
			    p, &mi->dsn_returned_qid, rv.id, strlen(rv.id));
		if (rv.by != NULL)
			set_once_mem(
			    p, &mi->dsn_returned_by, rv.by, strlen(rv.by));
		/* Only the top field: an empty mark if it had neither. */
		if (mi->dsn_returned_by == NULL)
			set_once_mem(p, &mi->dsn_returned_by, "", 0);
		received_free(&rv);
	}
	field_close(&p->field);
}

/* A line of the returned message's header section. */
static void
returned_line(struct msg_parser *p, const uint8_t *s, size_t n, bool cut)
{
	const struct field_name *fn;
	size_t name_len = 0, value_at = 0;

	switch (line_classify(s, n, &name_len, &value_at)) {
	case LINE_EMPTY:
		returned_field_close(p);
		p->returned_seen = true;
		msg_set_state(p, MSG_ST_PART_BODY);
		break;
	case LINE_FOLD:
		field_fold(&p->field, s, n, cut, false);
		break;
	case LINE_MALFORMED:
		returned_field_close(p);
		break;
	case LINE_FIELD:
		returned_field_close(p);
		fn = field_lookup(
		    returned_fields, ARRAY_LEN(returned_fields), s, name_len);
		if (fn != NULL && fn->id == F_RETURNED_RECEIVED &&
		    p->info.dsn_returned_by != NULL)
			fn = NULL;
		if (fn != NULL)
			field_open(
			    &p->field, fn->id, s + value_at, n - value_at, cut);
		break;
	}
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
			    p->part_is_status         ? MSG_ST_DSN_FIELDS
				: p->part_is_returned ? MSG_ST_RETURNED
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
void
part_end(struct msg_parser *p)
{
	if (p->state == MSG_ST_DSN_FIELDS) {
		dsn_field_close(p);
		group_end(p);
	} else if (p->state == MSG_ST_RETURNED) {
		returned_field_close(p);
		p->returned_seen = true;
	} else if (p->state == MSG_ST_PART_HEADERS)
		part_field_close(p);
	else if (p->state == MSG_ST_HEADERS)
		top_field_close(p);
}

void
body_line(struct msg_parser *p, const uint8_t *s, size_t n, bool cut)
{
	enum boundary_kind b = boundary_match(p, s, n, cut);

	if (b != BOUNDARY_NONE) {
		part_end(p);
		/* One delivery-status part and one returned message are
		 * all RFC 3464 has. */
		if (b == BOUNDARY_CLOSE ||
		    (p->info.dsn_part_seen && p->returned_seen) ||
		    ++p->parts > DSN_PARTS_MAX) {
			msg_set_state(p, MSG_ST_DONE);
			return;
		}
		p->part_type_seen = false;
		p->part_is_status = false;
		p->part_is_returned = false;
		msg_set_state(p, MSG_ST_PART_HEADERS);
		return;
	}
	if (p->state == MSG_ST_PART_HEADERS || p->state == MSG_ST_DSN_FIELDS)
		fields_line(p, s, n, cut);
	else if (p->state == MSG_ST_RETURNED)
		returned_line(p, s, n, cut);
}
