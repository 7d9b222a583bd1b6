/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpscope's JSON records read back (records.h): from logs, from
 * captures through a child smtpscope, from ClickHouse. A log is input
 * like any other: every number is checked against its range, every
 * string kept as text, a line that is no record counted and skipped.
 */
#include "trace/records.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "status.h"
#include "trace/store.h"

#define TX_MAX (4u << 20)          /* transactions read in all */
#define KEEP_MAX ((size_t)1 << 30) /* and the memory they may hold */
#define SESSIONS_MAX (16u << 20)   /* session ids of one input */
#define INPUTS_MAX (1u << 20)      /* files, and sensors' runs */

void
recs_say(const struct recs *r, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "smtpscope %s: ", r->who);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
recs_init(struct recs *r, const char *who)
{
	memset(r, 0, sizeof(*r));
	r->who = who;
	arena_init(&r->keep);
}

void
recs_free(struct recs *r)
{
	size_t i;

	for (i = 0; i < r->nfiles; i++)
		free(r->hosts[i]);
	free(r->hosts);
	free(r->nhosts);
	free(r->files);
	free(r->tx);
	arena_free(&r->keep);
}

/* ---- a record's values ---- */

/* A number of a record as an integer from lo to hi (def when absent, not
 * a number, or out of range). */
uint64_t
recs_num(
    const struct jv *o, const char *key, uint64_t lo, uint64_t hi, uint64_t def)
{
	double v = jv_num(o, key, -1);

	if (!(v >= (double)lo && v <= (double)hi))
		return def;
	return (uint64_t)v;
}

/* A time: seconds since the epoch, up to the year 9999. */
double
recs_time(const struct jv *o, const char *key, double def)
{
	double v = jv_num(o, key, def);

	return v >= 0 && v < 253402300800.0 ? v : def;
}

char *
recs_keep(struct recs *r, const char *s)
{
	return s != NULL ? arena_memdup0(&r->keep, s, strlen(s)) : NULL;
}

/* A latency: 0 to a year, -1 when absent. */
static double
latency_in(const struct jv *o, const char *key)
{
	double v = jv_num(o, key, -1);

	return v >= 0 && v < 86400.0 * 366 ? v : -1;
}

void
recs_reply(struct recs *r, const struct jv *o, const char *prefix,
    struct smtp_reply *rep)
{
	char key[64];
	const char *enh;
	const char *p = prefix != NULL ? prefix : "";
	const char *sep = prefix != NULL ? "_" : "";

	snprintf(key, sizeof(key), "%s%scode", p, sep);
	rep->code = (int)recs_num(o, key, 100, 599, 0);
	snprintf(key, sizeof(key), "%s%senh", p, sep);
	enh = jv_str(o, key);
	snprintf(rep->enh, sizeof(rep->enh), "%s", enh != NULL ? enh : "");
	snprintf(key, sizeof(key), "%s%stext", p, sep);
	rep->text = recs_keep(r, jv_str(o, key));
	snprintf(key, sizeof(key), "%s%slatency", p, sep);
	rep->latency = latency_in(o, key);
}

bool
recs_endpoint(const char *ip, double port, struct smtp_endpoint *e)
{
	memset(e, 0, sizeof(*e));
	if (ip == NULL)
		return false;
	e->port = (uint16_t)port;
	if (inet_pton(AF_INET, ip, e->addr) == 1) {
		e->family = 4;
		return true;
	}
	if (inet_pton(AF_INET6, ip, e->addr) == 1) {
		e->family = 6;
		return true;
	}
	return false;
}

static enum smtp_outcome
outcome_from(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < SMTP_OUTCOME_COUNT; i++)
		if (strcmp(s, smtp_outcome_name((enum smtp_outcome)i)) == 0)
			return (enum smtp_outcome)i;
	return SMTP_OUTCOME_NONE;
}

enum smtp_verb
recs_verb(const char *s, enum smtp_verb def)
{
	int i;

	for (i = 0; s != NULL && i < SMTP_VERB_COUNT; i++)
		if (smtp_verb_name((enum smtp_verb)i) != NULL &&
		    strcmp(s, smtp_verb_name((enum smtp_verb)i)) == 0)
			return (enum smtp_verb)i;
	return def;
}

const struct jv *
recs_elements(const struct jv *a)
{
	return a != NULL && a->type == JV_ARR ? a->child : NULL;
}

size_t
recs_count(const struct jv *a)
{
	const struct jv *e;
	size_t n = 0;

	if (a == NULL || a->type != JV_ARR)
		return 0;
	for (e = a->child; e != NULL; e = e->next)
		n++;
	return n;
}

/* ---- a transaction record into the model ---- */

static void
rcpts_from(struct recs *r, const struct jv *o, struct smtp_transaction *tx)
{
	const struct jv *a = jv_get(o, "rcpt_to"), *e;
	size_t n = recs_count(a), i = 0;

	tx->rcpt = arena_alloc_aligned(
	    &r->keep, (n + 1) * sizeof(*tx->rcpt), _Alignof(struct smtp_rcpt));
	memset(tx->rcpt, 0, (n + 1) * sizeof(*tx->rcpt));
	for (e = recs_elements(a); e != NULL && i < n; e = e->next, i++) {
		struct smtp_rcpt *rc = &tx->rcpt[i];

		rc->addr = recs_keep(r, jv_str(e, "addr"));
		if (rc->addr == NULL)
			rc->addr = recs_keep(r, "");
		recs_reply(r, e, NULL, &rc->reply);
		rc->orcpt = recs_keep(r, jv_str(e, "orcpt"));
		recs_reply(r, e, "delivery", &rc->delivery);
	}
	tx->nrcpt = n;
	tx->rcpt_total = (size_t)recs_num(o, "rcpt_count", n, UINT32_MAX, n);
	tx->rcpt_accepted =
	    (size_t)recs_num(o, "rcpt_accepted", 0, tx->rcpt_total, 0);
}

/* The commands refused while it was open. */
static void
refused_from(struct recs *r, const struct jv *o, struct smtp_transaction *tx)
{
	const struct jv *a = jv_get(o, "refused"), *e;
	size_t n = recs_count(a), i = 0;

	if (n == 0)
		return;
	tx->refused = arena_alloc_aligned(
	    &r->keep, n * sizeof(*tx->refused), _Alignof(struct smtp_refused));
	memset(tx->refused, 0, n * sizeof(*tx->refused));
	for (e = recs_elements(a); e != NULL && i < n; e = e->next, i++) {
		struct smtp_refused *f = &tx->refused[i];

		f->verb = recs_verb(jv_str(e, "command"), SMTP_VERB_UNKNOWN);
		f->arg = recs_keep(r, jv_str(e, "argument"));
		if (f->arg == NULL)
			f->arg = recs_keep(r, "");
		recs_reply(r, e, NULL, &f->reply);
	}
	tx->nrefused = n;
}

static void
msg_from(struct recs *r, const struct jv *o, struct smtp_transaction *tx)
{
	const struct jv *h = jv_get(o, "headers"), *d = jv_get(o, "dsn");
	const struct jv *rp, *e;
	struct smtp_msg_info *mi;
	size_t i;

	if ((h == NULL || h->type != JV_OBJ) &&
	    (d == NULL || d->type != JV_OBJ))
		return;
	mi = arena_alloc_aligned(
	    &r->keep, sizeof(*mi), _Alignof(struct smtp_msg_info));
	memset(mi, 0, sizeof(*mi));
	mi->msg_id = recs_keep(r, jv_str(h, "msg_id"));
	rp = jv_get(h, "received_parts");
	if ((mi->nreceived = recs_count(rp)) > 0) {
		/* The top one is all the tracker reads. */
		mi->received_parts =
		    arena_alloc_aligned(&r->keep, sizeof(*mi->received_parts),
			_Alignof(struct smtp_received));
		memset(mi->received_parts, 0, sizeof(*mi->received_parts));
		mi->received_parts[0].id =
		    recs_keep(r, jv_str(recs_elements(rp), "id"));
		mi->received_parts[0].by =
		    recs_keep(r, jv_str(recs_elements(rp), "by"));
		mi->nreceived = 1;
	}
	if (d != NULL && d->type == JV_OBJ) {
		const struct jv *ra = jv_get(d, "recipients");

		mi->is_dsn = true;
		mi->dsn_queue_id = recs_keep(r, jv_str(d, "queue_id"));
		mi->dsn_envid = recs_keep(r, jv_str(d, "original_envelope_id"));
		mi->dsn_returned_msg_id =
		    recs_keep(r, jv_str(d, "returned_message_id"));
		mi->dsn_returned_qid =
		    recs_keep(r, jv_str(d, "returned_queue_id"));
		mi->dsn_returned_by = recs_keep(r, jv_str(d, "returned_by"));
		mi->ndsn = recs_count(ra);
		mi->dsn = arena_alloc_aligned(&r->keep,
		    (mi->ndsn + 1) * sizeof(*mi->dsn),
		    _Alignof(struct smtp_dsn_rcpt));
		memset(mi->dsn, 0, (mi->ndsn + 1) * sizeof(*mi->dsn));
		for (e = recs_elements(ra), i = 0; e != NULL && i < mi->ndsn;
		     e = e->next, i++) {
			mi->dsn[i].final_recipient =
			    recs_keep(r, jv_str(e, "final_recipient"));
			mi->dsn[i].original_recipient =
			    recs_keep(r, jv_str(e, "original_recipient"));
			mi->dsn[i].action = recs_keep(r, jv_str(e, "action"));
			mi->dsn[i].status = recs_keep(r, jv_str(e, "status"));
			mi->dsn[i].diagnostic =
			    recs_keep(r, jv_str(e, "diagnostic_code"));
		}
	}
	tx->msg = mi;
	tx->data_complete = true;
}

static void
add_transaction(struct recs *r, const struct jv *o, unsigned file)
{
	struct rec_tx *x;
	struct smtp_transaction *tx;
	const struct jv *loss = jv_get(o, "capture_loss");
	const struct jv *mp = jv_get(o, "mail_params");
	uint64_t sid = recs_num(
	    o, "session_id", 1, ((uint64_t)1 << RECS_FILE_SHIFT) - 1, 0);

	if (r->ntx >= TX_MAX || counted_bytes() > KEEP_MAX) {
		if (r->full++ == 0)
			recs_say(r, "%s",
			    "the transactions read fill what is kept "
			    "(4 million, 1 GiB): the rest are skipped");
		r->lines_skipped++;
		return;
	}
	x = arena_alloc_aligned(&r->keep, sizeof(*x), _Alignof(struct rec_tx));
	memset(x, 0, sizeof(*x));
	x->file = file;
	x->sid = (uint64_t)file << RECS_FILE_SHIFT | sid;
	if (!recs_endpoint(jv_str(o, "client_ip"),
		(double)recs_num(o, "client_port", 0, 65535, 0), &x->client) ||
	    !recs_endpoint(jv_str(o, "server_ip"),
		(double)recs_num(o, "server_port", 0, 65535, 0), &x->server)) {
		r->bad_lines++;
		return;
	}
	tx = &x->tx;
	tx->depth = (unsigned)recs_num(o, "trans_depth", 1, UINT32_MAX, 1);
	tx->ts = recs_time(o, "ts", 0);
	tx->ts_end = recs_time(o, "ts_end", tx->ts);
	tx->verb = recs_verb(jv_str(o, "verb"), SMTP_VERB_MAIL);
	tx->mail_from = recs_keep(r, jv_str(o, "mail_from"));
	tx->sender_unknown = tx->mail_from == NULL;
	if (tx->mail_from == NULL)
		tx->mail_from = recs_keep(r, "");
	tx->helo = recs_keep(r, jv_str(o, "helo"));
	tx->lmtp = jv_bool(o, "lmtp");
	tx->reversed = jv_bool(o, "reversed");
	tx->assumed = jv_bool(o, "assumed");
	tx->partial = jv_bool(o, "partial");
	tx->submission_no_auth = jv_bool(o, "submission_without_auth");
	tx->capture_loss = recs_count(loss) > 0 ? SMTP_LOSS_GAP : 0;
	recs_reply(r, o, "mail", &tx->mail);
	recs_reply(r, o, "data", &tx->data);
	recs_reply(r, o, "final", &tx->final);
	tx->queue_id = recs_keep(r, jv_str(o, "queue_id"));
	tx->queue_id_form = recs_keep(r, jv_str(o, "queue_id_form"));
	tx->params.size = recs_num(mp, "size", 0, UINT64_MAX >> 11, 0);
	tx->params.envid = recs_keep(r, jv_str(mp, "envid"));
	tx->outcome = outcome_from(jv_str(o, "outcome"));
	tx->size = recs_num(o, "size", 0, (uint64_t)1 << 53, 0);
	tx->bounce = jv_bool(o, "bounce");
	tx->bdat = jv_bool(o, "bdat");
	tx->bdat_chunks =
	    (unsigned)recs_num(o, "bdat_chunks", 0, UINT32_MAX, 0);
	tx->data_seen = tx->data.code > 0 || tx->bdat;
	tx->ended_by = recs_keep(r, jv_str(o, "ended_by"));
	rcpts_from(r, o, tx);
	refused_from(r, o, tx);
	msg_from(r, o, tx);
	if (tx->final.code > 0)
		tx->data_complete = true;
	if (r->ntx == r->txcap) {
		r->txcap = r->txcap ? r->txcap * 2 : 1024;
		r->tx = xrealloc(r->tx, r->txcap * sizeof(*r->tx));
	}
	r->tx[r->ntx++] = x;
}

/* A session's greeting host, for the hops the tracker names. */
static void
add_host(struct recs *r, const struct jv *o, unsigned file)
{
	size_t i = (size_t)recs_num(o, "session_id", 1, SESSIONS_MAX - 1, 0), n;
	const char *host = jv_str(o, "greeting_host");

	if (host == NULL || i == 0)
		return;
	if (i >= r->nhosts[file]) {
		n = r->nhosts[file] ? r->nhosts[file] : 1024;
		while (n <= i)
			n *= 2;
		r->hosts[file] = xrealloc(r->hosts[file], n * sizeof(char *));
		memset(r->hosts[file] + r->nhosts[file], 0,
		    (n - r->nhosts[file]) * sizeof(char *));
		r->nhosts[file] = n;
	}
	r->hosts[file][i] = recs_keep(r, host);
}

const char *
recs_host(const struct recs *r, unsigned file, uint64_t sid)
{
	sid &= ((uint64_t)1 << RECS_FILE_SHIFT) - 1;
	return file < r->nfiles && sid < r->nhosts[file] ? r->hosts[file][sid]
							 : NULL;
}

/* ---- reading ---- */

static void
read_line(struct recs *r, struct arena *scratch, const char *s, size_t n,
    unsigned file)
{
	const char *err = NULL, *type;
	struct jv *v;

	arena_reset(scratch);
	if ((v = json_parse(scratch, s, n, &err)) == NULL) {
		r->bad_lines++;
		return;
	}
	if ((type = jv_str(v, "type")) == NULL)
		return;
	if (strcmp(type, "transaction") == 0) {
		add_transaction(r, v, file);
		return;
	}
	if (strcmp(type, "session") == 0)
		add_host(r, v, file);
	if (r->on_record != NULL)
		r->on_record(r->arg, v, type, file);
}

/* Every line of fd; lines over RECS_LINE_MAX are skipped. */
static void
read_lines(struct recs *r, int fd, unsigned file)
{
	struct arena scratch;
	struct dbuf line;
	char buf[65536];
	bool skipping = false;
	ssize_t n;

	arena_init(&scratch);
	dbuf_init(&line, RECS_LINE_MAX);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		char *p = buf, *end, *nl;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			recs_say(r, "%s: %s", r->files[file], strerror(errno));
			r->status = EXIT_DAMAGED;
			break;
		}
		end = buf + n;
		while (p < end) {
			nl = memchr(p, '\n', (size_t)(end - p));
			if (!skipping)
				dbuf_add(
				    &line, p, (size_t)((nl ? nl : end) - p));
			if (line.truncated)
				skipping = true;
			if (nl == NULL)
				break;
			if (skipping)
				r->lines_skipped++;
			else if (line.len > 0)
				read_line(r, &scratch, line.p, line.len, file);
			dbuf_reset(&line);
			line.truncated = false;
			skipping = false;
			p = nl + 1;
		}
	}
	if (!skipping && line.len > 0)
		read_line(r, &scratch, line.p, line.len, file);
	dbuf_free(&line);
	arena_free(&scratch);
}

/* A capture: smtpscope reads it, its log comes back on a pipe. */
static void
read_capture(struct recs *r, unsigned file)
{
	int fds[2], st;
	pid_t pid;

	if (pipe(fds) != 0) {
		recs_say(r, "pipe: %s", strerror(errno));
		r->status = EXIT_OUTPUT;
		return;
	}
	if ((pid = fork()) < 0) {
		recs_say(r, "fork: %s", strerror(errno));
		r->status = EXIT_OUTPUT;
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		char *argv[] = { "smtpscope", "-q", "--no-track", "--no-tui",
			"-r", (char *)r->files[file], "-w", "-", NULL };

		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(fds[1]);
	read_lines(r, fds[0], file);
	close(fds[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		/* It said why, on standard error. */
		if (WIFEXITED(st) && WEXITSTATUS(st) == EXIT_DAMAGED)
			r->status = EXIT_DAMAGED;
		else
			r->status = WIFEXITED(st) && WEXITSTATUS(st) != 127
			    ? WEXITSTATUS(st)
			    : EXIT_NO_INPUT;
	}
}

void
recs_read_input(struct recs *r, unsigned file)
{
	const char *path = r->files[file];
	unsigned char first = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY)) < 0) {
		recs_say(r, "cannot open %s: %s", path, strerror(errno));
		r->status = EXIT_NO_INPUT;
		return;
	}
	while ((n = read(fd, &first, 1)) < 0 && errno == EINTR)
		;
	if (n == 1 && (first == '{' || first == '\n' || first == ' ')) {
		lseek(fd, 0, SEEK_SET);
		read_lines(r, fd, file);
		close(fd);
		return;
	}
	close(fd);
	read_capture(r, file);
}

bool
recs_add_input(struct recs *r, const char *name)
{
	if (r->nfiles >= INPUTS_MAX)
		return false;
	if (r->nfiles == r->files_cap) {
		size_t n = r->files_cap ? r->files_cap * 2 : 16;

		r->files = xrealloc(r->files, n * sizeof(*r->files));
		r->hosts = xrealloc(r->hosts, n * sizeof(*r->hosts));
		r->nhosts = xrealloc(r->nhosts, n * sizeof(*r->nhosts));
		r->files_cap = n;
	}
	r->files[r->nfiles] = recs_keep(r, name);
	r->hosts[r->nfiles] = NULL;
	r->nhosts[r->nfiles] = 0;
	r->nfiles++;
	return true;
}

/* ---- ClickHouse ---- */

/* The first line of path (a password), without its line end. */
static int
read_first_line(const char *path, char *out, size_t n, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	size_t len;

	if (f == NULL) {
		snprintf(
		    err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if (fgets(out, (int)n, f) == NULL)
		out[0] = '\0';
	fclose(f);
	len = strcspn(out, "\r\n");
	out[len] = '\0';
	return 0;
}

/* Each sensor's run an input of its own (session ids are a run's). */
struct from_store {
	struct recs *r;
	struct arena scratch;
	char sensor[STORE_SENSOR_MAX + 1];
	uint64_t run;
	bool open, full;
	unsigned file;
};

static void
store_record(
    void *arg, const char *sensor, uint64_t run, const char *json, size_t n)
{
	struct from_store *fs = arg;

	if (!fs->open || fs->run != run || strcmp(fs->sensor, sensor) != 0) {
		char name[STORE_SENSOR_MAX + 48];

		snprintf(name, sizeof(name), "sensor %s (run %" PRIu64 ")",
		    sensor, run);
		if (!recs_add_input(fs->r, name)) {
			fs->full = true;
			return;
		}
		snprintf(fs->sensor, sizeof(fs->sensor), "%s", sensor);
		fs->run = run;
		fs->open = true;
		fs->file = (unsigned)(fs->r->nfiles - 1);
	}
	if (!fs->full)
		read_line(fs->r, &fs->scratch, json, n, fs->file);
}

/* The sensors asked for. */
static void
where_sensors(struct dbuf *b, const struct recs_store *so)
{
	size_t i;

	dbuf_adds(b, " WHERE 1");
	if (so->nsensors == 0)
		return;
	dbuf_adds(b, " AND sensor IN (");
	for (i = 0; i < so->nsensors; i++) {
		if (i > 0)
			dbuf_addc(b, ',');
		store_quote(b, so->sensors[i]);
	}
	dbuf_addc(b, ')');
}

void
recs_read_store(struct recs *r, const struct recs_store *so,
    const char *const *tables, size_t ntables, double since, double until,
    double before, double after)
{
	struct store_query sq;
	struct store_result res;
	struct from_store fs;
	struct dbuf sql, db, runs;
	char err[1536], key[256];
	size_t i, ntimed = 0;

	memset(&fs, 0, sizeof(fs));
	fs.r = r;
	arena_init(&fs.scratch);
	key[0] = '\0';
	if (so->password_file != NULL &&
	    read_first_line(
		so->password_file, key, sizeof(key), err, sizeof(err)) != 0) {
		recs_say(r, "%s", err);
		r->status = EXIT_USAGE;
		arena_free(&fs.scratch);
		return;
	}
	dbuf_init(&db, 256);
	dbuf_init(&sql, 1u << 16);
	dbuf_init(&runs, 1u << 16);
	/* The database's name as an identifier: `...` */
	dbuf_addc(&db, '`');
	for (const char *c = so->database; *c != '\0'; c++)
		if (*c != '`' && *c != '\\' && (unsigned char)*c >= 0x20)
			dbuf_addc(&db, *c);
	dbuf_addc(&db, '`');
	/* The runs with records in the span: those whose summaries count. */
	for (i = 0; i < ntables; i++) {
		if (strcmp(tables[i], "summaries") == 0)
			continue;
		if (ntimed++ > 0)
			dbuf_adds(&runs, " UNION ALL ");
		dbuf_printf(&runs, "SELECT sensor, run FROM %s.%s",
		    dbuf_str(&db), tables[i]);
		where_sensors(&runs, so);
		if (since > 0)
			dbuf_printf(&runs, " AND ts >= %.6f", since - before);
		if (until > 0)
			dbuf_printf(&runs, " AND ts <= %.6f", until + after);
	}
	dbuf_adds(&sql, "SELECT sensor, run, record FROM (");
	for (i = 0; i < ntables; i++) {
		bool summaries = strcmp(tables[i], "summaries") == 0;

		if (i > 0)
			dbuf_adds(&sql, " UNION ALL ");
		dbuf_printf(&sql,
		    "SELECT sensor, run, seq, record FROM %s.%s FINAL",
		    dbuf_str(&db), tables[i]);
		where_sensors(&sql, so);
		if (summaries && ntimed > 0 && (since > 0 || until > 0))
			dbuf_printf(&sql, " AND (sensor, run) IN (%s)",
			    dbuf_str(&runs));
		if (summaries)
			continue;
		/* A session opens before its transactions: before covers
		 * it. */
		if (since > 0)
			dbuf_printf(&sql, " AND ts >= %.6f", since - before);
		if (until > 0)
			dbuf_printf(&sql, " AND ts <= %.6f", until + after);
	}
	dbuf_adds(&sql, ") ORDER BY sensor, run, seq FORMAT TabSeparatedRaw");
	memset(&sq, 0, sizeof(sq));
	sq.url = so->url;
	sq.sql = dbuf_str(&sql);
	sq.user = so->user;
	sq.key = key[0] != '\0' ? key : NULL;
	sq.line_max = RECS_LINE_MAX;
	sq.on_record = store_record;
	sq.arg = &fs;
	memset(&res, 0, sizeof(res));
	if (store_fetch(&sq, &res, err, sizeof(err)) != 0) {
		recs_say(r, "%s", err);
		r->status = EXIT_NO_INPUT;
	}
	r->lines_skipped += res.skipped;
	if (fs.full) {
		recs_say(r, "more than %u sensors' runs: the rest not read",
		    INPUTS_MAX);
		r->status = EXIT_DAMAGED;
	}
	explicit_bzero(key, sizeof(key));
	dbuf_free(&runs);
	dbuf_free(&sql);
	dbuf_free(&db);
	arena_free(&fs.scratch);
}

/* ---- the transactions in order ---- */

static int
by_end(const void *a, const void *b)
{
	const struct rec_tx *x = *(const struct rec_tx *const *)a;
	const struct rec_tx *y = *(const struct rec_tx *const *)b;

	if (x->tx.ts_end != y->tx.ts_end)
		return x->tx.ts_end < y->tx.ts_end ? -1 : 1;
	if (x->tx.ts != y->tx.ts)
		return x->tx.ts < y->tx.ts ? -1 : 1;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return x->sid < y->sid ? -1 : x->sid > y->sid;
}

void
recs_sort(struct recs *r)
{
	if (r->ntx > 0)
		qsort(r->tx, r->ntx, sizeof(*r->tx), by_end);
}

/* The same transaction seen by two sensors. */
static bool
same(const struct rec_tx *x, const struct rec_tx *y)
{
	return x->file != y->file && x->tx.ts == y->tx.ts &&
	    x->tx.depth == y->tx.depth &&
	    memcmp(&x->client, &y->client, sizeof(x->client)) == 0 &&
	    memcmp(&x->server, &y->server, sizeof(x->server)) == 0;
}

size_t
recs_feed(struct recs *r, struct event_bus *bus)
{
	static struct smtp_session_info si;
	struct smtp_event ev;
	size_t i, n = 0;

	for (i = 0; i < r->ntx; i++) {
		const struct rec_tx *x = r->tx[i];
		const char *host = recs_host(r, x->file, x->sid);

		if (i > 0 && same(r->tx[i - 1], x))
			continue;
		memset(&si, 0, sizeof(si));
		si.id = x->sid;
		/* The connection's roles: after TURN/ATRN the SMTP client
		 * was the TCP server. */
		si.client = x->tx.reversed ? x->server : x->client;
		si.server = x->tx.reversed ? x->client : x->server;
		endpoint_addr_fmt(
		    &si.client, si.client_ip, sizeof(si.client_ip));
		endpoint_addr_fmt(
		    &si.server, si.server_ip, sizeof(si.server_ip));
		snprintf(si.greeting_host, sizeof(si.greeting_host), "%s",
		    host != NULL ? host : "");
		si.lmtp = x->tx.lmtp;
		si.reversed = x->tx.reversed;
		memset(&ev, 0, sizeof(ev));
		ev.type = SMTP_EV_TRANSACTION;
		ev.ts = x->tx.ts_end;
		ev.session = &si;
		ev.u.tx = &x->tx;
		event_bus_emit(bus, &ev);
		n++;
	}
	return n;
}

bool
recs_parse_time(const char *s, double *out)
{
	struct tm tm;
	char *end;
	const char *p;

	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(s, "%Y-%m-%d", &tm)) != NULL) {
		if (*p == 'T' || *p == ' ') {
			const char *p2 = strptime(p + 1, "%H:%M:%S", &tm);

			if (p2 == NULL)
				p2 = strptime(p + 1, "%H:%M", &tm);
			p = p2;
		}
		if (p == NULL || (*p != '\0' && strcmp(p, "Z") != 0))
			return false;
		*out = (double)timegm(&tm);
		return true;
	}
	errno = 0;
	*out = strtod(s, &end);
	return errno == 0 && end != s && *end == '\0' && *out >= 0;
}

/* ---- the options ---- */

int
recs_store_option(
    const struct recs *r, struct recs_store *so, int ch, const char *arg)
{
	switch (ch) {
	case 0x101:
		so->url = arg;
		return 0;
	case 0x102:
		so->database = arg;
		return 0;
	case 0x103:
		if (so->nsensors == RECS_SENSORS_MAX ||
		    strlen(arg) > STORE_SENSOR_MAX) {
			recs_say(r,
			    "--sensor: at most %d, of at most %d bytes each",
			    RECS_SENSORS_MAX, STORE_SENSOR_MAX);
			return -1;
		}
		so->sensors[so->nsensors++] = arg;
		return 0;
	case 0x104:
		so->user = arg;
		return 0;
	case 0x105:
		so->password_file = arg;
		return 0;
	default:
		return -1;
	}
}

int
recs_store_check(const struct recs *r, struct recs_store *so, bool inputs)
{
	if (!inputs && so->url == NULL) {
		recs_say(r,
		    "no input: name captures or JSON logs, or a ClickHouse "
		    "with --clickhouse URL (see smtpscope %s --help)",
		    r->who);
		return -1;
	}
	if (so->url == NULL &&
	    (so->database != NULL || so->nsensors > 0 || so->user != NULL ||
		so->password_file != NULL)) {
		recs_say(r, "%s",
		    "--database, --sensor and the ClickHouse user and "
		    "password go with --clickhouse URL");
		return -1;
	}
	if (so->database == NULL)
		so->database = "smtpscope";
	return 0;
}

int
recs_span_option(
    const struct recs *r, struct recs_span *sp, int ch, const char *arg)
{
	unsigned long win;

	if (ch == 0x106 || ch == 0x107) {
		if (recs_parse_time(arg, ch == 0x106 ? &sp->since : &sp->until))
			return 0;
		recs_say(r,
		    "--%s wants a time like 2026-11-22T23:06:33 (UTC) or "
		    "seconds since the epoch, not \"%s\"",
		    ch == 0x106 ? "since" : "until", arg);
		return -1;
	}
	if (ch != 0x108)
		return -1;
	if (!parse_ulong(arg, 1, 86400 * 30, &win)) {
		recs_say(r,
		    "--track-window wants seconds from 1 to 2592000, not "
		    "\"%s\"",
		    arg);
		return -1;
	}
	sp->window = (double)win;
	return 0;
}

void
recs_finish(struct recs *r)
{
	if (r->bad_lines > 0)
		recs_say(r, "%zu lines were not smtpscope records (skipped)",
		    r->bad_lines);
	if (r->lines_skipped > 0)
		recs_say(r, "%zu records over the limits were skipped",
		    r->lines_skipped);
	if ((r->bad_lines > 0 || r->lines_skipped > 0) && r->status == EXIT_OK)
		r->status = EXIT_DAMAGED;
	if (fflush(stdout) != 0 && r->status == EXIT_OK)
		r->status = EXIT_OUTPUT;
}
