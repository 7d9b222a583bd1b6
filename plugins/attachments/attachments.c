/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * attachments: one JSON line per MIME part of every message, in the
 * manner of Zeek's files.log: type, disposition, file name (RFC 2231 and
 * RFC 2047 decoded, UTF-8), transfer encoding, decoded size, MD5, SHA-1
 * and SHA-256 of the decoded content.
 *
 *   smtpscope -r trace.pcap --plugin attachments:log=files.jsonl
 *   smtpscope -i eth0 --plugin attachments:log=-,max_parts=20
 *
 * Arguments (key=value, comma-separated): log=PATH (required; "-" is
 * standard output), max_depth=N (MIME nesting, default 8), max_parts=N
 * (records per message, default 100), max_header=BYTES (of a part's
 * header section, default 16384). Messages are walked as they stream
 * (mime.c): no message or part is ever held; the records wait for the
 * end of their transaction, which brings the sender and the outcome.
 */
#include <smtpscope/plugin.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"

/* smtpscope's helper library (build/libsmtpscope-lib.a): the writer of
 * whole records, JSON strings, hex. */
#include "lib/hex.h"
#include "lib/recfile.h"
#include "lib/util.h"

#define DEFAULT_MAX_DEPTH 8
#define DEFAULT_MAX_PARTS 100
#define DEFAULT_MAX_HEADER 16384
#define BUCKETS 1024          /* of open messages, by session id */
#define LOG_BATCH (64u << 10) /* records written in blocks of this much */
#define LOG_RECORD_MAX (1u << 20)

/* A message being walked: one per session and transaction. */
struct msg {
	struct msg *next;
	uint64_t session_id;
	unsigned depth;
	struct mime_walker *w;
};

struct att {
	const struct smtpscope_host *host;
	struct recfile log; /* records whole, or counted as not written */
	struct mime_limits lim;
	struct msg *open[BUCKETS];
	uint64_t spare; /* where a counter the host refused counts */
	uint64_t *messages, *parts, *attachments, *depth_limit, *parts_limit,
	    *header_limit, *boundary_limit, *gap_parts, *cut_parts,
	    *bad_encoding, *not_written;
};

/* ---- arguments -------------------------------------------------------- */

/* Text from the command line made safe for a one-line message. */
static void
safe_text(const char *s, size_t n, char *out, size_t outsz)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 4 < outsz; i++) {
		unsigned char c = (unsigned char)s[i];

		out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (i < n && o + 4 <= outsz) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* A decimal number in [min, max] from v[0..n). */
static bool
parse_num(const char *v, size_t n, unsigned long long min,
    unsigned long long max, unsigned long long *out)
{
	unsigned long long x = 0;
	size_t i;

	if (n == 0 || n > 12)
		return false;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		x = x * 10 + (unsigned long long)(v[i] - '0');
	}
	if (x < min || x > max)
		return false;
	*out = x;
	return true;
}

struct numarg {
	const char *key;
	unsigned long long min, max;
};

static const struct numarg numargs[] = {
	{ "max_depth", 0, 64 },
	{ "max_parts", 1, 100000 },
	{ "max_header", 256, 1048576 },
};

static int
parse_args(const char *args, struct mime_limits *lim, char **path, char *err,
    size_t errlen)
{
	const char *p = args != NULL ? args : "", *end, *eq;
	unsigned long long v[3] = { DEFAULT_MAX_DEPTH, DEFAULT_MAX_PARTS,
		DEFAULT_MAX_HEADER };
	bool seen[4] = { false, false, false, false };
	char safe[64];
	size_t klen, vlen, i;

	*path = NULL;
	while (*p != '\0') {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (end == p) {
			snprintf(err, errlen,
			    "empty argument (a stray comma); use "
			    "log=PATH[,max_depth=N][,max_parts=N]"
			    "[,max_header=BYTES]");
			goto fail;
		}
		if (eq == NULL) {
			safe_text(p, (size_t)(end - p), safe, sizeof(safe));
			snprintf(err, errlen,
			    "argument \"%s\" is not key=value", safe);
			goto fail;
		}
		klen = (size_t)(eq - p);
		vlen = (size_t)(end - eq - 1);
		if (klen == 3 && strncmp(p, "log", 3) == 0) {
			if (seen[3] || vlen == 0) {
				snprintf(err, errlen, "%s",
				    seen[3] ? "log= is given twice"
					    : "log= needs a path (or - for "
					      "standard output)");
				goto fail;
			}
			seen[3] = true;
			if ((*path = strndup(eq + 1, vlen)) == NULL) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
		} else {
			for (i = 0; i < 3; i++)
				if (strlen(numargs[i].key) == klen &&
				    strncmp(p, numargs[i].key, klen) == 0)
					break;
			if (i == 3) {
				safe_text(p, klen, safe, sizeof(safe));
				snprintf(err, errlen,
				    "unknown argument \"%s\" (known: log, "
				    "max_depth, max_parts, max_header)",
				    safe);
				goto fail;
			}
			if (seen[i]) {
				snprintf(err, errlen, "%s= is given twice",
				    numargs[i].key);
				goto fail;
			}
			seen[i] = true;
			if (!parse_num(eq + 1, vlen, numargs[i].min,
				numargs[i].max, &v[i])) {
				snprintf(err, errlen,
				    "%s= must be a number from %llu to %llu",
				    numargs[i].key, numargs[i].min,
				    numargs[i].max);
				goto fail;
			}
		}
		p = *end == ',' ? end + 1 : end;
		if (*end == ',' && *p == '\0') {
			snprintf(err, errlen, "empty argument (a stray comma)");
			goto fail;
		}
	}
	if (*path == NULL) {
		snprintf(err, errlen,
		    "log=PATH is required (- for standard output)");
		goto fail;
	}
	lim->max_depth = (unsigned)v[0];
	lim->max_parts = (unsigned)v[1];
	lim->max_header = (size_t)v[2];
	return 0;
fail:
	free(*path);
	*path = NULL;
	return -1;
}

/* ---- records ------------------------------------------------------------ */

/* A JSON string, quotes included, escaped as smtpscope's own log is;
 * s NULL writes null. */
static void
json_str(struct dbuf *b, const uint8_t *s, size_t n)
{
	if (s == NULL) {
		DBUF_LIT(b, "null");
		return;
	}
	dbuf_addc(b, '"');
	json_escape_str(b, s, n);
	dbuf_addc(b, '"');
}

static void
json_cstr(struct dbuf *b, const char *s)
{
	json_str(b, (const uint8_t *)s, s != NULL ? strlen(s) : 0);
}

static void
put_endpoint(struct att *a, struct dbuf *b, const char *name,
    const struct smtpscope_endpoint *ep)
{
	char addr[64];

	a->host->addr_str(ep, addr, sizeof(addr));
	dbuf_printf(b, ",\"%s_ip\":", name);
	json_cstr(b, addr);
	dbuf_printf(b, ",\"%s_port\":%u", name, (unsigned)ep->port);
}

static void
put_limits(struct dbuf *b, unsigned limits)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ MIME_LIMIT_GAP, "gap" },
		{ MIME_LIMIT_CUT, "cut" },
		{ MIME_LIMIT_DEPTH, "max_depth" },
		{ MIME_LIMIT_PARTS, "max_parts" },
		{ MIME_LIMIT_HEADER, "max_header" },
		{ MIME_LIMIT_BOUNDARY, "boundary" },
	};
	bool first = true;
	size_t i;

	dbuf_adds(b, "[");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((limits & names[i].bit) == 0)
			continue;
		dbuf_printf(b, "%s\"%s\"", first ? "" : ",", names[i].name);
		first = false;
	}
	dbuf_adds(b, "]");
}

static void
write_part(struct att *a, const struct smtpscope_session *si,
    const struct smtpscope_transaction *tx, unsigned depth,
    const struct mime_part *pt)
{
	/* Built where it is written from: whole, or dropped and counted. */
	struct dbuf *b = recfile_begin(&a->log);

	dbuf_printf(b, "{\"ts\":%.6f,\"session_id\":%llu,\"trans_depth\":%u",
	    pt->ts, (unsigned long long)si->id, depth);
	put_endpoint(a, b, "client", &si->client);
	put_endpoint(a, b, "server", &si->server);
	dbuf_adds(b, ",\"mail_from\":");
	json_cstr(b, tx != NULL ? tx->mail_from : NULL);
	dbuf_adds(b, ",\"outcome\":");
	json_cstr(b, tx != NULL ? a->host->outcome_name(tx->outcome) : NULL);
	dbuf_printf(b, ",\"part\":%u,\"depth\":%u,\"mime_type\":", pt->index,
	    pt->depth);
	json_cstr(b, pt->mime_type);
	dbuf_adds(b, ",\"disposition\":");
	json_cstr(b,
	    pt->has_disposition && pt->disposition[0] ? pt->disposition : NULL);
	dbuf_adds(b, ",\"filename\":");
	json_str(b, (const uint8_t *)pt->filename, pt->filename_len);
	dbuf_adds(b, ",\"transfer_encoding\":");
	json_cstr(b, pt->has_encoding && pt->encoding[0] ? pt->encoding : NULL);
	dbuf_printf(
	    b, ",\"size\":%llu,\"md5\":\"", (unsigned long long)pt->size);
	hex_append(b, pt->md5, sizeof(pt->md5));
	dbuf_adds(b, "\",\"sha1\":\"");
	hex_append(b, pt->sha1, sizeof(pt->sha1));
	dbuf_adds(b, "\",\"sha256\":\"");
	hex_append(b, pt->sha256, sizeof(pt->sha256));
	dbuf_printf(b, "\",\"truncated\":%s,\"limits\":",
	    pt->limits != 0 ? "true" : "false");
	put_limits(b, pt->limits);
	dbuf_printf(
	    b, ",\"bad_encoding\":%s}\n", pt->bad_encoding ? "true" : "false");
	recfile_end(&a->log, true);
	*a->not_written = a->log.not_written;
}

/* The log's sentences (it cannot write, it writes again) go through the
 * host, like the plugin's others. */
static void
log_say(void *arg, const char *msg)
{
	struct att *a = arg;

	a->host->log(a->host->ctx, SMTPSCOPE_LOG_WARNING, "%s", msg);
}

/* The message is over: its records out, its walker gone. */
static void
msg_end(struct att *a, struct msg *m, const struct smtpscope_session *si,
    const struct smtpscope_transaction *tx, bool complete)
{
	const struct mime_stats *st;
	const struct mime_part *pt;
	size_t i, n;

	mime_walker_finish(m->w, complete);
	n = mime_walker_nparts(m->w);
	(*a->messages)++;
	for (i = 0; i < n; i++) {
		pt = mime_walker_part(m->w, i);
		(*a->parts)++;
		if (pt->filename != NULL)
			(*a->attachments)++;
		if (pt->limits & MIME_LIMIT_GAP)
			(*a->gap_parts)++;
		if (pt->limits & MIME_LIMIT_CUT)
			(*a->cut_parts)++;
		write_part(a, si, tx, m->depth, pt);
	}
	st = mime_walker_stats(m->w);
	*a->depth_limit += st->depth;
	*a->parts_limit += st->parts;
	*a->header_limit += st->header;
	*a->boundary_limit += st->boundary;
	*a->bad_encoding += st->bad_encoding;
	mime_walker_free(m->w);
	free(m);
}

static struct msg **
msg_slot(struct att *a, uint64_t id, unsigned depth)
{
	struct msg **pp = &a->open[id % BUCKETS];

	while (
	    *pp != NULL && ((*pp)->session_id != id || (*pp)->depth != depth))
		pp = &(*pp)->next;
	return pp;
}

static struct msg *
msg_open(struct att *a, uint64_t id, unsigned depth)
{
	struct msg **pp = msg_slot(a, id, depth), *m;

	if (*pp != NULL)
		return *pp;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	if ((m->w = mime_walker_new(&a->lim)) == NULL) {
		free(m);
		return NULL;
	}
	m->session_id = id;
	m->depth = depth;
	*pp = m;
	return m;
}

/* ---- the plugin --------------------------------------------------------- */

static uint64_t *
counter(struct att *a, const char *name, const char *help)
{
	uint64_t *c = a->host->counter(a->host->ctx, name, help);

	return c != NULL ? c : &a->spare;
}

static int
att_init(const struct smtpscope_host *host, const char *args, void **state,
    char *err, size_t errlen)
{
	struct mime_limits lim;
	struct att *a;
	char *path, safe[128];

	if (parse_args(args, &lim, &path, err, errlen) < 0)
		return -1;
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(path);
		return -1;
	}
	a->host = host;
	a->lim = lim;
	if (recfile_open(&a->log, path, "the log", LOG_BATCH, LOG_RECORD_MAX,
		err, errlen) != 0) {
		safe_text(path, strlen(path), safe, sizeof(safe));
		snprintf(
		    err, errlen, "cannot open %s: %s", safe, strerror(errno));
		free(path);
		free(a);
		return -1;
	}
	a->log.say = log_say;
	a->log.say_arg = a;
	free(path);
	host->want_body(host->ctx);
	a->messages = counter(a, "messages", "messages walked");
	a->parts = counter(a, "parts", "MIME parts logged");
	a->attachments = counter(a, "attachments", "parts with a file name");
	a->depth_limit =
	    counter(a, "depth_limit", "containers not descended (max_depth)");
	a->parts_limit = counter(
	    a, "parts_limit", "messages with parts not logged (max_parts)");
	a->header_limit =
	    counter(a, "header_limit", "part header sections over max_header");
	a->boundary_limit = counter(
	    a, "boundary_limit", "multiparts with an over-long boundary");
	a->gap_parts =
	    counter(a, "gap_parts", "parts with bytes never captured");
	a->cut_parts =
	    counter(a, "cut_parts", "parts of messages that ended early");
	a->bad_encoding = counter(a, "bad_encoding",
	    "parts with malformed base64 or quoted-printable");
	a->not_written = counter(a, "not_written",
	    "records not written: write errors (a full disk)");
	*state = a;
	return 0;
}

static void
att_event(void *state, const struct smtpscope_event *ev)
{
	struct att *a = state;
	struct msg **pp, *m;

	switch (ev->type) {
	case SMTPSCOPE_EV_BODY:
		m = msg_open(a, ev->session->id, ev->u.body.depth);
		if (m == NULL)
			return;
		mime_walker_set_time(m->w, ev->ts);
		if (ev->u.body.data != NULL)
			mime_walker_feed(m->w, ev->u.body.data, ev->u.body.len);
		else
			mime_walker_gap(m->w, ev->u.body.len);
		break;
	case SMTPSCOPE_EV_TRANSACTION:
		pp = msg_slot(a, ev->session->id, ev->u.tx->depth);
		if (*pp == NULL) {
			/* An empty message still has its one part (when it
			 * was taken: a refused BDAT with a bad size is also
			 * "complete", with no byte). */
			if (!ev->u.tx->data_complete ||
			    ev->u.tx->outcome != SMTPSCOPE_OUTCOME_ACCEPTED ||
			    (m = msg_open(
				 a, ev->session->id, ev->u.tx->depth)) == NULL)
				return;
			mime_walker_set_time(m->w, ev->ts);
			pp = msg_slot(a, ev->session->id, ev->u.tx->depth);
		}
		m = *pp;
		*pp = m->next;
		msg_end(a, m, ev->session, ev->u.tx, ev->u.tx->data_complete);
		break;
	case SMTPSCOPE_EV_SESSION_CLOSE:
		/* No transaction event came for these (none should). */
		pp = &a->open[ev->session->id % BUCKETS];
		while (*pp != NULL) {
			if ((*pp)->session_id != ev->session->id) {
				pp = &(*pp)->next;
				continue;
			}
			m = *pp;
			*pp = m->next;
			msg_end(a, m, ev->session, NULL, false);
		}
		break;
	default:
		break;
	}
}

static void
att_fini(void *state)
{
	struct att *a = state;
	struct msg *m;
	size_t i;

	for (i = 0; i < BUCKETS; i++) {
		while ((m = a->open[i]) != NULL) {
			a->open[i] = m->next;
			mime_walker_free(m->w);
			free(m);
		}
	}
	/* What cannot be written now is counted; the log says so. */
	recfile_close(&a->log);
	*a->not_written = a->log.not_written;
	free(a);
}

/* About once a second: records held are written (a reader of the log
 * sees them), or tried again while writing fails. */
static void
att_tick(void *state, const struct smtpscope_health *health)
{
	struct att *a = state;

	(void)health;
	recfile_flush(&a->log, false);
	*a->not_written = a->log.not_written;
}

SMTPSCOPE_PLUGIN_DEFINE(.name = "attachments", .version = "1.0",
    .description = "MIME parts of messages: names, types, sizes, hashes "
		   "(JSON Lines)",
    .init = att_init, .on_event = att_event, .tick = att_tick,
    .fini = att_fini);
