/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Zeek smtp.log writer. Zeek's smtp script (base/protocols/smtp)
 * keeps one record per connection: MAIL FROM and RCPT TO fill it, the
 * reply to the end of data writes it and starts the next, a MAIL FROM
 * writes a record that saw client activity (a transaction that never
 * reached its data), and so does the end of the connection. trans_depth
 * counts messages transferred, so records written at MAIL share it.
 * Header fields come from the top-level message headers. This sink
 * follows those rules from our events, and Zeek's ASCII writer for the
 * format: tab-separated, "," between set elements, "-" unset,
 * "(empty)" empty, \xHH escapes.
 */
#include "sinks/zeeklog.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sinks/zeekcompat.h"

#define ZEEK_SET_MAX 1000 /* Zeek's max_rcptto_addresses and friends */
#define ZEEK_PATH_MAX 1000

struct strset {
	char **v;
	size_t n;
};

/* The record Zeek keeps in c$smtp. */
struct zrec {
	double ts;
	char *mailfrom;
	struct strset rcptto;
	char *last_reply;
	bool tls, activity;
	bool headers; /* header fields below were set */
	char *date, *from, *reply_to, *msg_id, *in_reply_to, *subject;
	char *first_received, *second_received, *user_agent, *xoip;
	struct strset to, cc, path;
};

struct zsess {
	struct zrec r;
	unsigned messages; /* messages_transferred */
	bool await_tx;     /* the end of data was answered: write at the
			      transaction event, which brings the headers */
};

static const char *const fields =
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\t"
    "helo\tmailfrom\trcptto\tdate\tfrom\tto\tcc\treply_to\tmsg_id\t"
    "in_reply_to\tsubject\tx_originating_ip\tfirst_received\t"
    "second_received\tlast_reply\tpath\tuser_agent\ttls\tfuids\t"
    "community_id";
static const char *const types =
    "time\tstring\taddr\tport\taddr\tport\tcount\tstring\tstring\t"
    "set[string]\tstring\tstring\tset[string]\tset[string]\tstring\t"
    "string\tstring\tstring\taddr\tstring\tstring\tstring\tvector[addr]\t"
    "string\tbool\tvector[string]\tstring";

/* --- sets -------------------------------------------------------------- */

static void
set_add(struct strset *st, const char *v, size_t cap, bool unique)
{
	size_t i;

	if (unique)
		for (i = 0; i < st->n; i++)
			if (strcmp(st->v[i], v) == 0)
				return;
	if (st->n >= cap)
		return;
	st->v = crealloc(st->v, (st->n + 1) * sizeof(*st->v));
	st->v[st->n++] = cstrdup(v);
}

static void
set_free(struct strset *st)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		cfree(st->v[i]);
	cfree(st->v);
	st->v = NULL;
	st->n = 0;
}

static void
set_add_cb(void *arg, const char *v)
{
	set_add(arg, v, ZEEK_SET_MAX, true);
}

/* --- records ----------------------------------------------------------- */

static char *
dup_or_null(const char *s)
{
	return s != NULL ? cstrdup(s) : NULL;
}

static void
zrec_free(struct zrec *r)
{
	cfree(r->mailfrom);
	cfree(r->last_reply);
	cfree(r->date);
	cfree(r->from);
	cfree(r->reply_to);
	cfree(r->msg_id);
	cfree(r->in_reply_to);
	cfree(r->subject);
	cfree(r->first_received);
	cfree(r->second_received);
	cfree(r->user_agent);
	cfree(r->xoip);
	set_free(&r->rcptto);
	set_free(&r->to);
	set_free(&r->cc);
	set_free(&r->path);
	memset(r, 0, sizeof(*r));
}

static void
zrec_new(struct zsess *z, double ts)
{
	zrec_free(&z->r);
	z->r.ts = ts;
}

struct path_ctx {
	struct strset *path;
	int n;
	char ip[64];
};

static void
path_ip_cb(void *arg, const char *ip)
{
	struct path_ctx *c = arg;

	/* find_address_in_smtp_header(): the second address if there
	 * are several, else the first. */
	if (c->n < 2)
		snprintf(c->ip, sizeof(c->ip), "%s", ip);
	c->n++;
}

static void
first_ip_cb(void *arg, const char *ip)
{
	char *out = arg;

	if (out[0] == '\0')
		snprintf(out, 64, "%s", ip);
}

/* Zeek compares addresses, not their spelling. */
static bool
same_addr(const char *a, const char *b)
{
	uint8_t x[16] = { 0 }, y[16] = { 0 };
	int fa = strchr(a, ':') ? AF_INET6 : AF_INET;
	int fb = strchr(b, ':') ? AF_INET6 : AF_INET;

	if (fa != fb || inet_pton(fa, a, x) != 1 || inet_pton(fb, b, y) != 1)
		return strcmp(a, b) == 0;
	return memcmp(x, y, 16) == 0;
}

static void
zrec_headers(struct zrec *r, const struct smtp_msg_info *m)
{
	char ip[64] = "";
	size_t i;

	r->headers = true;
	r->date = dup_or_null(m->date);
	r->from = dup_or_null(m->from);
	r->reply_to = dup_or_null(m->reply_to);
	r->msg_id = dup_or_null(m->msg_id);
	r->in_reply_to = dup_or_null(m->in_reply_to);
	r->subject = dup_or_null(m->subject);
	r->user_agent = dup_or_null(m->user_agent);
	if (m->to != NULL)
		zeek_split_mime_addresses(m->to, set_add_cb, &r->to);
	if (m->cc != NULL)
		zeek_split_mime_addresses(m->cc, set_add_cb, &r->cc);
	/* Each Received shifts first to second: first is the last one. */
	if (m->nreceived >= 1)
		r->first_received = cstrdup(m->received[m->nreceived - 1]);
	if (m->nreceived >= 2)
		r->second_received = cstrdup(m->received[m->nreceived - 2]);
	for (i = 0; i < m->nreceived; i++) {
		struct path_ctx c = { &r->path, 0, "" };

		zeek_ip_addresses(m->received[i], true, path_ip_cb, &c);
		if (c.n == 0)
			continue;
		if (r->path.n > 0 && same_addr(r->path.v[r->path.n - 1], c.ip))
			continue;
		set_add(&r->path, c.ip, ZEEK_PATH_MAX, false);
	}
	if (m->x_originating_ip_raw != NULL) {
		zeek_ip_addresses(
		    m->x_originating_ip_raw, false, first_ip_cb, ip);
		if (ip[0] != '\0')
			r->xoip = cstrdup(ip);
	}
}

/* --- output ------------------------------------------------------------ */

static void
put_sep(struct dbuf *b)
{
	dbuf_addc(b, '\t');
}

static void
put_string(struct dbuf *b, const char *s)
{
	size_t n;

	if (s == NULL) {
		dbuf_addc(b, '-');
		return;
	}
	n = strlen(s);
	if (n == 0)
		dbuf_adds(b, "(empty)");
	else if (strcmp(s, "-") == 0)
		dbuf_adds(b, "\\x2d");
	else if (strcmp(s, "(empty)") == 0)
		dbuf_adds(b, "\\x28empty)");
	else
		zeek_escape(b, s, n, false);
}

static void
put_set(struct dbuf *b, const struct strset *st, bool present)
{
	size_t i;

	if (!present) {
		dbuf_addc(b, '-');
		return;
	}
	if (st->n == 0) {
		dbuf_adds(b, "(empty)");
		return;
	}
	for (i = 0; i < st->n; i++) {
		if (i > 0)
			dbuf_addc(b, ',');
		zeek_escape(b, st->v[i], strlen(st->v[i]), true);
	}
}

/* Zeek's time: seconds with six decimals ("%.6f"), negative ones too
 * (a capture's clock is never before 1970: capture_time()). */
static void
put_time(struct dbuf *b, double ts)
{
	if (ts >= 0)
		dbuf_add_fixed6(b, ts);
	else
		dbuf_printf(b, "%.6f", ts);
}

static void
write_row(
    struct zeeklog *zl, struct zsess *z, const struct smtp_session_info *si)
{
	struct dbuf *b = &zl->line;
	struct zrec *r = &z->r;

	dbuf_reset(b);
	put_time(b, r->ts);
	put_sep(b);
	dbuf_adds(b, si->uid);
	put_sep(b);
	dbuf_adds(b, si->client_ip);
	put_sep(b);
	dbuf_add_u64(b, si->client.port);
	put_sep(b);
	dbuf_adds(b, si->server_ip);
	put_sep(b);
	dbuf_add_u64(b, si->server.port);
	put_sep(b);
	dbuf_add_u64(b, (uint64_t)z->messages + 1);
	put_sep(b);
	put_string(b, si->helo[0] ? si->helo : NULL);
	put_sep(b);
	put_string(b, r->mailfrom);
	put_sep(b);
	put_set(b, &r->rcptto, r->rcptto.n > 0);
	put_sep(b);
	put_string(b, r->date);
	put_sep(b);
	put_string(b, r->from);
	put_sep(b);
	put_set(b, &r->to, r->to.n > 0);
	put_sep(b);
	put_set(b, &r->cc, r->cc.n > 0);
	put_sep(b);
	put_string(b, r->reply_to);
	put_sep(b);
	put_string(b, r->msg_id);
	put_sep(b);
	put_string(b, r->in_reply_to);
	put_sep(b);
	put_string(b, r->subject);
	put_sep(b);
	dbuf_adds(b, r->xoip ? r->xoip : "-");
	put_sep(b);
	put_string(b, r->first_received);
	put_sep(b);
	put_string(b, r->second_received);
	put_sep(b);
	put_string(b, r->last_reply);
	put_sep(b);
	/* The path ends with this connection's hosts. */
	dbuf_adds(b, si->server_ip);
	dbuf_addc(b, ',');
	dbuf_adds(b, si->client_ip);
	{
		size_t i;
		const char *last = si->client_ip;

		for (i = 0; i < r->path.n; i++) {
			if (i == 0 && same_addr(last, r->path.v[0]))
				continue;
			dbuf_addc(b, ',');
			dbuf_adds(b, r->path.v[i]);
		}
	}
	put_sep(b);
	put_string(b, r->user_agent);
	put_sep(b);
	dbuf_adds(b, r->tls ? "T" : "F");
	/* fuids name Zeek's files.log entries; we write no files.log. */
	dbuf_adds(b, "\t(empty)\t");
	/* Not Zeek's smtp.log: the connection's Community ID, which Zeek
	 * writes in conn.log, so that a row joins with conn.log and eve.json
	 * by it as by uid. */
	dbuf_adds(b, si->community_id[0] ? si->community_id : "-");
	dbuf_addc(b, '\n');
	/* A row cut by the cap is not written (and counted). */
	if (b->truncated) {
		recfile_begin(&zl->out)->truncated = true;
		recfile_end(&zl->out, true);
		return;
	}
	recfile_add(&zl->out, b->p, b->len, true);
}

/* smtp_message(): write the record if the client did something. */
static void
flush_record(struct zeeklog *zl, struct zsess *z,
    const struct smtp_session_info *si, double ts)
{
	if (z->r.activity)
		write_row(zl, z, si);
	if (z->r.activity)
		zrec_new(z, ts);
}

static void
rcpt_cb(void *arg, const char *addr)
{
	struct zrec *r = arg;
	const char *p = addr;

	/* gsub(/ORCPT=rfc822;?/, "") */
	if (ascii_prefix_ci((const uint8_t *)p, strlen(p), "ORCPT=rfc822"))
		p += 12 + (p[12] == ';');
	set_add(&r->rcptto, p, ZEEK_SET_MAX, true);
}

static void
on_command(struct zeeklog *zl, struct zsess *z, const struct smtp_event *ev)
{
	char *arg, buf[SMTP_ADDR_MAX];

	/* Zeek's record takes MAIL FROM and RCPT TO; the rest (and the
	 * pseudo commands, which may carry no line) passes by. */
	if (ev->u.command.verb != SMTP_VERB_MAIL &&
	    ev->u.command.verb != SMTP_VERB_RCPT)
		return;
	/* Zeek applies its own patterns to the argument as sent (not to
	 * the dissector's parse: its log is Zeek's view, zeekcompat.c). */
	arg = cmemdup0(ev->u.command.arg, ev->u.command.arg_len);
	switch (ev->u.command.verb) {
	case SMTP_VERB_MAIL:
		if (ascii_prefix_ci(
			(const uint8_t *)arg, strlen(arg), "FROM:")) {
			flush_record(zl, z, ev->session, ev->ts);
			zeek_first_email(arg, buf, sizeof(buf));
			if (buf[0] != '\0') {
				cfree(z->r.mailfrom);
				z->r.mailfrom = cstrdup(buf);
			}
			z->r.activity = true;
		}
		break;
	case SMTP_VERB_RCPT:
		if (ascii_prefix_ci((const uint8_t *)arg, strlen(arg), "TO:")) {
			zeek_emails(arg, rcpt_cb, &z->r);
			z->r.activity = true;
		}
		break;
	default:
		break;
	}
	cfree(arg);
}

static void
on_reply(struct zeeklog *zl, struct zsess *z, const struct smtp_event *ev)
{
	/* "CODE text": Zeek's last_reply, made for every reply, in the
	 * row's buffer (free between rows), with no printf. */
	struct dbuf *b = &zl->line;

	dbuf_reset(b);
	dbuf_add_i64(b, ev->u.reply.code);
	dbuf_addc(b, ' ');
	dbuf_add(b, ev->u.reply.last_text, ev->u.reply.last_len);
	cfree(z->r.last_reply);
	z->r.last_reply = cstrdup(dbuf_str(b));
	switch (ev->u.reply.verb) {
	case SMTP_VERB_END_OF_DATA:
		z->await_tx = true;
		break;
	case SMTP_VERB_BDAT:
		if (ev->u.reply.last_chunk)
			z->await_tx = true;
		break;
	case SMTP_VERB_STARTTLS:
		if (ev->u.reply.code == 220) {
			z->r.tls = true;
			z->r.activity = true;
		}
		break;
	default:
		break;
	}
}

static void
on_transaction(struct zeeklog *zl, struct zsess *z, const struct smtp_event *ev)
{
	const struct smtp_transaction *tx = ev->u.tx;

	if (tx->msg != NULL && !z->r.headers)
		zrec_headers(&z->r, tx->msg);
	if (!z->await_tx)
		return;
	/* The end of data was answered: Zeek writes and starts anew. */
	z->await_tx = false;
	if (z->r.activity)
		write_row(zl, z, ev->session);
	z->messages++;
	zrec_new(z, ev->ts);
}

void
zeeklog_on_event(void *arg, const struct smtp_event *ev)
{
	struct zeeklog *zl = arg;
	struct zsess *z;

	if (ev->type == SMTP_EV_SESSION_OPEN) {
		z = ccalloc(1, sizeof(*z));
		z->r.ts = ev->ts;
		sessmap_put(&zl->sessions, ev->session->id, z);
		return;
	}
	if ((z = sessmap_get(&zl->sessions, ev->session->id)) == NULL)
		return;
	switch (ev->type) {
	case SMTP_EV_COMMAND:
		on_command(zl, z, ev);
		break;
	case SMTP_EV_REPLY:
		on_reply(zl, z, ev);
		break;
	case SMTP_EV_TRANSACTION:
		on_transaction(zl, z, ev);
		break;
	case SMTP_EV_SESSION_CLOSE:
		/* finalize_smtp */
		if (z->r.activity)
			write_row(zl, z, ev->session);
		zrec_free(&z->r);
		sessmap_del(&zl->sessions, ev->session->id);
		cfree(z);
		break;
	default:
		break;
	}
}

static void
stamp(char *buf, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(buf, size, "%Y-%m-%d-%H-%M-%S", &tm);
}

#define ZEEK_BATCH (1u << 20) /* rows written in blocks of this much */

/* The folder, made if it is not there. */
static int
zeek_folder(const char *dir, char *err, size_t errlen)
{
	struct stat sb;

	if (stat(dir, &sb) != 0 && mkdir(dir, 0755) != 0) {
		snprintf(err, errlen, "cannot make the folder %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen,
		    "--zeek-log wants a folder, and %s is not one", dir);
		return -1;
	}
	return 0;
}

/* The header, one record not counted as a row: at the top of a file
 * (not again in one reopened that already has rows). */
static void
zeek_header(struct recfile *out)
{
	struct dbuf *b;
	struct stat sb;
	char t[32];

	if (out->seekable && fstat(out->fd, &sb) == 0 && sb.st_size > 0)
		return;
	stamp(t, sizeof(t));
	b = recfile_begin(out);
	dbuf_printf(b,
	    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n"
	    "#unset_field\t-\n#path\tsmtp\n#open\t%s\n#fields\t%s\n"
	    "#types\t%s\n",
	    t, fields, types);
	recfile_end(out, false);
}

int
zeeklog_open(struct zeeklog *z, const char *dir, char *err, size_t errlen)
{
	return zeeklog_open_file(z, dir, NULL, err, errlen);
}

int
zeeklog_open_file(struct zeeklog *z, const char *dir, const char *file,
    char *err, size_t errlen)
{
	char *path;
	size_t n;
	int rc;

	memset(z, 0, sizeof(*z));
	if (zeek_folder(dir, err, errlen) != 0)
		return -1;
	n = strlen(dir) + (file != NULL ? strlen(file) : 8) + 2;
	path = xmalloc(n);
	snprintf(path, n, "%s/%s", dir, file != NULL ? file : "smtp.log");
	if (file != NULL)
		rc = recfile_open_append(&z->out, path, "the Zeek log",
		    ZEEK_BATCH, 1 << 22, err, errlen);
	else
		rc = recfile_open(&z->out, path, "the Zeek log", ZEEK_BATCH,
		    1 << 22, err, errlen);
	free(path);
	if (rc != 0)
		return -1;
	dbuf_init(&z->line, 1 << 22);
	sessmap_init(&z->sessions);
	zeek_header(&z->out);
	return 0;
}

/* #close at the end of a file. */
static void
zeek_close_line(struct recfile *out)
{
	char t[32], line[48];

	stamp(t, sizeof(t));
	snprintf(line, sizeof(line), "#close\t%s\n", t);
	recfile_add(out, line, strlen(line), false);
}

int
zeeklog_reopen(struct zeeklog *z, const char *dir, const char *file, char *err,
    size_t errlen)
{
	struct recfile next;
	char *path;
	size_t n;
	int rc;

	if (zeek_folder(dir, err, errlen) != 0)
		return -1;
	n = strlen(dir) + strlen(file) + 2;
	path = xmalloc(n);
	snprintf(path, n, "%s/%s", dir, file);
	rc = recfile_open_append(
	    &next, path, "the Zeek log", ZEEK_BATCH, 1 << 22, err, errlen);
	free(path);
	if (rc != 0)
		return -1;
	next.say = z->out.say;
	next.say_arg = z->out.say_arg;
	zeek_close_line(&z->out);
	(void)recfile_close(&z->out);
	z->closed_not_written += z->out.not_written;
	z->out = next;
	zeek_header(&z->out);
	return 0;
}

void
zeeklog_flush(struct zeeklog *z)
{
	if (z->out.name != NULL)
		recfile_flush(&z->out, false);
}

static void
free_sess(void *arg, void *val)
{
	struct zsess *z = val;

	(void)arg;
	zrec_free(&z->r);
	cfree(z);
}

int
zeeklog_close(struct zeeklog *z)
{
	int rc;

	if (z->out.name == NULL)
		return 0;
	zeek_close_line(&z->out);
	rc = recfile_close(&z->out);
	sessmap_each(&z->sessions, free_sess, NULL);
	sessmap_free(&z->sessions);
	dbuf_free(&z->line);
	return rc;
}
