/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpscope trace (trace.h). A capture is read by smtpscope itself, run
 * as a child (`smtpscope -q --no-track -r FILE -w -`), and its log read
 * like any other: one way in for captures and logs alike. Every
 * transaction record is kept (in an arena, as the tracker's model wants
 * it), all of them sorted by the time they ended, the copies that two
 * sensors saw of one transaction kept once, then fed to a tracker whose
 * messages are matched against the question.
 */
#include "trace/trace.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "event/event.h"
#include "lib/jsonread.h"
#include "lib/util.h"
#include "report/format.h"
#include "sinks/jsonlog.h"
#include "status.h"
#include "trace/store.h"
#include "track/track.h"

#define LINE_MAX_BYTES (8u << 20)  /* a log line longer is skipped */
#define TX_MAX (4u << 20)          /* transactions read in all */
#define KEEP_MAX ((size_t)1 << 30) /* and the memory they may hold */
#define SESSIONS_MAX (16u << 20)   /* session ids of one input */
#define FILE_SHIFT 40              /* hop session ids: file << 40 | id */
#define INPUTS_MAX (1u << 20)      /* files, and sensors' runs */
#define SENSORS_MAX 64             /* --sensor given */

struct ttx {
	struct smtp_transaction tx;
	uint64_t sid; /* FILE_SHIFT-coded */
	struct smtp_endpoint client, server;
	unsigned file;
};

struct query {
	const char *from, *to, *domain, *msgid, *qid, *client;
	double since, until;
	bool any;
};

struct trace {
	struct query q;
	const char **files; /* each input's name */
	size_t nfiles, files_cap;
	struct arena keep; /* the transactions, until the end */
	struct ttx **tx;
	size_t ntx, txcap;
	char ***hosts; /* per input, per session id: greeting host */
	size_t *nhosts;
	size_t lines_skipped, bad_lines;
	size_t full; /* transactions past TX_MAX or KEEP_MAX */
	uint64_t matched;
	struct jsonlog log;
	bool json;
	FILE *out;
	int status;
	/* The text answer, each message as printed, written in the order
	 * of their first hops (the tracker settles a message refused at
	 * once before one that waits out its window). */
	struct printed {
		double ts;
		uint64_t id;
		char *text;
		size_t len;
	} * printed;
	size_t nprinted, printed_cap, printed_bytes;
};

/* Printed text held before it is written in order; past it, what is
 * held is written (in order within each batch). */
#define PRINTED_MAX ((size_t)256 << 20)

static void tsay(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
tsay(const char *fmt, ...)
{
	va_list ap;

	fputs("smtpscope trace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- a transaction record into the model ---- */

/* A number of a record as an integer from lo to hi (def when absent, not
 * a number, or out of range): a log is input like any other. */
static uint64_t
num_in(
    const struct jv *o, const char *key, uint64_t lo, uint64_t hi, uint64_t def)
{
	double v = jv_num(o, key, -1);

	if (!(v >= (double)lo && v <= (double)hi))
		return def;
	return (uint64_t)v;
}

/* A time: seconds since the epoch, up to the year 9999. */
static double
time_in(const struct jv *o, const char *key, double def)
{
	double v = jv_num(o, key, def);

	return v >= 0 && v < 253402300800.0 ? v : def;
}

static char *
keep_str(struct trace *t, const char *s)
{
	return s != NULL ? arena_memdup0(&t->keep, s, strlen(s)) : NULL;
}

static void
reply_from(struct trace *t, const struct jv *o, const char *prefix,
    struct smtp_reply *r)
{
	char key[64];
	const char *enh;

	snprintf(key, sizeof(key), "%s_code", prefix);
	r->code = (int)num_in(o, key, 100, 599, 0);
	snprintf(key, sizeof(key), "%s_enh", prefix);
	enh = jv_str(o, key);
	snprintf(r->enh, sizeof(r->enh), "%s", enh != NULL ? enh : "");
	snprintf(key, sizeof(key), "%s_text", prefix);
	r->text = keep_str(t, jv_str(o, key));
	r->latency = -1;
}

static bool
endpoint_from(const char *ip, double port, struct smtp_endpoint *e)
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

/* The elements of an array (an absent key or another type: none). */
static const struct jv *
elements(const struct jv *a)
{
	return a != NULL && a->type == JV_ARR ? a->child : NULL;
}

static size_t
count(const struct jv *a)
{
	const struct jv *e;
	size_t n = 0;

	if (a == NULL || a->type != JV_ARR)
		return 0;
	for (e = a->child; e != NULL; e = e->next)
		n++;
	return n;
}

static void
rcpts_from(struct trace *t, const struct jv *o, struct smtp_transaction *tx)
{
	const struct jv *a = jv_get(o, "rcpt_to"), *e;
	size_t n = count(a), i = 0;

	tx->rcpt = arena_alloc_aligned(
	    &t->keep, (n + 1) * sizeof(*tx->rcpt), _Alignof(struct smtp_rcpt));
	memset(tx->rcpt, 0, (n + 1) * sizeof(*tx->rcpt));
	for (e = elements(a); e != NULL && i < n; e = e->next, i++) {
		struct smtp_rcpt *r = &tx->rcpt[i];

		r->addr = keep_str(t, jv_str(e, "addr"));
		if (r->addr == NULL)
			r->addr = keep_str(t, "");
		r->reply.code = (int)num_in(e, "code", 100, 599, 0);
		snprintf(r->reply.enh, sizeof(r->reply.enh), "%s",
		    jv_str(e, "enh") != NULL ? jv_str(e, "enh") : "");
		r->reply.text = keep_str(t, jv_str(e, "text"));
		r->orcpt = keep_str(t, jv_str(e, "orcpt"));
		reply_from(t, e, "delivery", &r->delivery);
	}
	tx->nrcpt = n;
	tx->rcpt_total = (size_t)num_in(o, "rcpt_count", n, UINT32_MAX, n);
	tx->rcpt_accepted =
	    (size_t)num_in(o, "rcpt_accepted", 0, tx->rcpt_total, 0);
}

static void
msg_from(struct trace *t, const struct jv *o, struct smtp_transaction *tx)
{
	const struct jv *h = jv_get(o, "headers"), *d = jv_get(o, "dsn");
	const struct jv *rp, *e;
	struct smtp_msg_info *mi;
	size_t i;

	if ((h == NULL || h->type != JV_OBJ) &&
	    (d == NULL || d->type != JV_OBJ))
		return;
	mi = arena_alloc_aligned(
	    &t->keep, sizeof(*mi), _Alignof(struct smtp_msg_info));
	memset(mi, 0, sizeof(*mi));
	mi->msg_id = keep_str(t, jv_str(h, "msg_id"));
	rp = jv_get(h, "received_parts");
	if ((mi->nreceived = count(rp)) > 0) {
		/* The top one is all the tracker reads. */
		mi->received_parts =
		    arena_alloc_aligned(&t->keep, sizeof(*mi->received_parts),
			_Alignof(struct smtp_received));
		memset(mi->received_parts, 0, sizeof(*mi->received_parts));
		mi->received_parts[0].id =
		    keep_str(t, jv_str(elements(rp), "id"));
		mi->received_parts[0].by =
		    keep_str(t, jv_str(elements(rp), "by"));
		mi->nreceived = 1;
	}
	if (d != NULL && d->type == JV_OBJ) {
		const struct jv *ra = jv_get(d, "recipients");

		mi->is_dsn = true;
		mi->dsn_queue_id = keep_str(t, jv_str(d, "queue_id"));
		mi->dsn_envid = keep_str(t, jv_str(d, "original_envelope_id"));
		mi->dsn_returned_msg_id =
		    keep_str(t, jv_str(d, "returned_message_id"));
		mi->dsn_returned_qid =
		    keep_str(t, jv_str(d, "returned_queue_id"));
		mi->dsn_returned_by = keep_str(t, jv_str(d, "returned_by"));
		mi->ndsn = count(ra);
		mi->dsn = arena_alloc_aligned(&t->keep,
		    (mi->ndsn + 1) * sizeof(*mi->dsn),
		    _Alignof(struct smtp_dsn_rcpt));
		memset(mi->dsn, 0, (mi->ndsn + 1) * sizeof(*mi->dsn));
		for (e = elements(ra), i = 0; e != NULL && i < mi->ndsn;
		     e = e->next, i++) {
			mi->dsn[i].final_recipient =
			    keep_str(t, jv_str(e, "final_recipient"));
			mi->dsn[i].original_recipient =
			    keep_str(t, jv_str(e, "original_recipient"));
			mi->dsn[i].action = keep_str(t, jv_str(e, "action"));
			mi->dsn[i].status = keep_str(t, jv_str(e, "status"));
			mi->dsn[i].diagnostic =
			    keep_str(t, jv_str(e, "diagnostic_code"));
		}
	}
	tx->msg = mi;
	tx->data_complete = true;
}

static void
add_transaction(struct trace *t, const struct jv *o, unsigned file)
{
	struct ttx *x;
	struct smtp_transaction *tx;
	const struct jv *loss = jv_get(o, "capture_loss");
	uint64_t sid =
	    num_in(o, "session_id", 1, ((uint64_t)1 << FILE_SHIFT) - 1, 0);

	if (t->ntx >= TX_MAX || counted_bytes() > KEEP_MAX) {
		if (t->full++ == 0)
			tsay("%s",
			    "the transactions read fill what trace keeps "
			    "(4 million, 1 GiB): the rest are skipped");
		t->lines_skipped++;
		return;
	}
	x = arena_alloc_aligned(&t->keep, sizeof(*x), _Alignof(struct ttx));
	memset(x, 0, sizeof(*x));
	x->file = file;
	x->sid = (uint64_t)file << FILE_SHIFT | sid;
	if (!endpoint_from(jv_str(o, "client_ip"),
		num_in(o, "client_port", 0, 65535, 0), &x->client) ||
	    !endpoint_from(jv_str(o, "server_ip"),
		num_in(o, "server_port", 0, 65535, 0), &x->server)) {
		t->bad_lines++;
		return;
	}
	tx = &x->tx;
	tx->depth = (unsigned)num_in(o, "trans_depth", 1, UINT32_MAX, 1);
	tx->ts = time_in(o, "ts", 0);
	tx->ts_end = time_in(o, "ts_end", tx->ts);
	tx->mail_from = keep_str(t, jv_str(o, "mail_from"));
	if (tx->mail_from == NULL)
		tx->mail_from = keep_str(t, "");
	tx->lmtp = jv_bool(o, "lmtp");
	tx->assumed = jv_bool(o, "assumed");
	tx->capture_loss = count(loss) > 0 ? SMTP_LOSS_GAP : 0;
	reply_from(t, o, "mail", &tx->mail);
	reply_from(t, o, "data", &tx->data);
	reply_from(t, o, "final", &tx->final);
	tx->queue_id = keep_str(t, jv_str(o, "queue_id"));
	tx->params.envid =
	    keep_str(t, jv_str(jv_get(o, "mail_params"), "envid"));
	tx->outcome = outcome_from(jv_str(o, "outcome"));
	tx->size = num_in(o, "size", 0, (uint64_t)1 << 53, 0);
	tx->bounce = jv_bool(o, "bounce");
	tx->data_seen = tx->data.code > 0 || jv_bool(o, "bdat");
	rcpts_from(t, o, tx);
	msg_from(t, o, tx);
	if (tx->final.code > 0)
		tx->data_complete = true;
	/* The client and server as the record has them: already the
	 * SMTP roles (reversed taken into account). */
	tx->reversed = false;
	if (t->ntx == t->txcap) {
		t->txcap = t->txcap ? t->txcap * 2 : 1024;
		t->tx = xrealloc(t->tx, t->txcap * sizeof(*t->tx));
	}
	t->tx[t->ntx++] = x;
}

static void
add_session(struct trace *t, const struct jv *o, unsigned file)
{
	size_t i = (size_t)num_in(o, "session_id", 1, SESSIONS_MAX - 1, 0), n;
	const char *host = jv_str(o, "greeting_host");

	if (host == NULL || i == 0)
		return;
	if (i >= t->nhosts[file]) {
		n = t->nhosts[file] ? t->nhosts[file] : 1024;
		while (n <= i)
			n *= 2;
		t->hosts[file] = xrealloc(t->hosts[file], n * sizeof(char *));
		memset(t->hosts[file] + t->nhosts[file], 0,
		    (n - t->nhosts[file]) * sizeof(char *));
		t->nhosts[file] = n;
	}
	t->hosts[file][i] = keep_str(t, host);
}

static void
read_line(struct trace *t, struct arena *scratch, const char *s, size_t n,
    unsigned file)
{
	const char *err = NULL, *type;
	struct jv *v;

	arena_reset(scratch);
	if ((v = json_parse(scratch, s, n, &err)) == NULL) {
		t->bad_lines++;
		return;
	}
	if ((type = jv_str(v, "type")) == NULL)
		return;
	if (strcmp(type, "transaction") == 0)
		add_transaction(t, v, file);
	else if (strcmp(type, "session") == 0)
		add_session(t, v, file);
}

/* Every line of fd; lines over LINE_MAX_BYTES are skipped. */
static void
read_lines(struct trace *t, int fd, unsigned file)
{
	struct arena scratch;
	struct dbuf line;
	char buf[65536];
	bool skipping = false;
	ssize_t r;

	arena_init(&scratch);
	dbuf_init(&line, LINE_MAX_BYTES);
	while ((r = read(fd, buf, sizeof(buf))) != 0) {
		char *p = buf, *end, *nl;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			tsay("%s: %s", t->files[file], strerror(errno));
			t->status = EXIT_DAMAGED;
			break;
		}
		end = buf + r;
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
				t->lines_skipped++;
			else if (line.len > 0)
				read_line(t, &scratch, line.p, line.len, file);
			dbuf_reset(&line);
			line.truncated = false;
			skipping = false;
			p = nl + 1;
		}
	}
	if (!skipping && line.len > 0)
		read_line(t, &scratch, line.p, line.len, file);
	dbuf_free(&line);
	arena_free(&scratch);
}

/* A capture: smtpscope reads it, its log comes back on a pipe. */
static void
read_capture(struct trace *t, unsigned file)
{
	int fds[2], st;
	pid_t pid;

	if (pipe(fds) != 0) {
		tsay("pipe: %s", strerror(errno));
		t->status = EXIT_OUTPUT;
		return;
	}
	if ((pid = fork()) < 0) {
		tsay("fork: %s", strerror(errno));
		t->status = EXIT_OUTPUT;
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		char *argv[] = { "smtpscope", "-q", "--no-track", "--no-tui",
			"-r", (char *)t->files[file], "-w", "-", NULL };

		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(fds[1]);
	read_lines(t, fds[0], file);
	close(fds[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		/* It said why, on standard error. */
		if (WIFEXITED(st) && WEXITSTATUS(st) == EXIT_DAMAGED)
			t->status = EXIT_DAMAGED;
		else
			t->status = WIFEXITED(st) && WEXITSTATUS(st) != 127
			    ? WEXITSTATUS(st)
			    : EXIT_NO_INPUT;
	}
}

static void
read_input(struct trace *t, unsigned file)
{
	const char *path = t->files[file];
	unsigned char first = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY)) < 0) {
		tsay("cannot open %s: %s", path, strerror(errno));
		t->status = EXIT_NO_INPUT;
		return;
	}
	while ((r = read(fd, &first, 1)) < 0 && errno == EINTR)
		;
	if (r == 1 && (first == '{' || first == '\n' || first == ' ')) {
		lseek(fd, 0, SEEK_SET);
		read_lines(t, fd, file);
		close(fd);
		return;
	}
	close(fd);
	read_capture(t, file);
}

/* An input more (a file, or a sensor's run in the store): its name
 * kept; false past INPUTS_MAX. */
static bool
add_input(struct trace *t, const char *name)
{
	if (t->nfiles >= INPUTS_MAX)
		return false;
	if (t->nfiles == t->files_cap) {
		size_t n = t->files_cap ? t->files_cap * 2 : 16;

		t->files = xrealloc(t->files, n * sizeof(*t->files));
		t->hosts = xrealloc(t->hosts, n * sizeof(*t->hosts));
		t->nhosts = xrealloc(t->nhosts, n * sizeof(*t->nhosts));
		t->files_cap = n;
	}
	t->files[t->nfiles] = keep_str(t, name);
	t->hosts[t->nfiles] = NULL;
	t->nhosts[t->nfiles] = 0;
	t->nfiles++;
	return true;
}

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

/* --clickhouse: the records of a fleet's sensors (docs/clickhouse.sql),
 * each sensor's run an input of its own (session ids are a run's). */
struct from_store {
	struct trace *t;
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
		if (!add_input(fs->t, name)) {
			fs->full = true;
			return;
		}
		snprintf(fs->sensor, sizeof(fs->sensor), "%s", sensor);
		fs->run = run;
		fs->open = true;
		fs->file = (unsigned)(fs->t->nfiles - 1);
	}
	if (!fs->full)
		read_line(fs->t, &fs->scratch, json, n, fs->file);
}

struct store_opts {
	const char *url, *database, *user, *password_file;
	const char *sensors[SENSORS_MAX];
	size_t nsensors;
};

/* The rows' condition: the sensors asked for, and a time span around
 * the one asked about (margin on each side: a message's hops). */
static void
store_where(struct dbuf *b, const struct store_opts *so, const struct query *q,
    double margin)
{
	size_t i;

	dbuf_adds(b, " WHERE 1");
	if (so->nsensors > 0) {
		dbuf_adds(b, " AND sensor IN (");
		for (i = 0; i < so->nsensors; i++) {
			if (i > 0)
				dbuf_addc(b, ',');
			store_quote(b, so->sensors[i]);
		}
		dbuf_addc(b, ')');
	}
	if (q->since > 0)
		dbuf_printf(b, " AND ts >= %.6f", q->since - margin);
	if (q->until > 0)
		dbuf_printf(b, " AND ts <= %.6f", q->until + margin);
}

static void
read_store(struct trace *t, const struct store_opts *so, double window)
{
	struct store_query sq;
	struct store_result res;
	struct from_store fs;
	struct dbuf sql, db;
	char err[1536], key[256];
	const char *tables[] = { "sessions", "transactions" };
	size_t i;

	memset(&fs, 0, sizeof(fs));
	fs.t = t;
	arena_init(&fs.scratch);
	key[0] = '\0';
	if (so->password_file != NULL &&
	    read_first_line(
		so->password_file, key, sizeof(key), err, sizeof(err)) != 0) {
		tsay("%s", err);
		t->status = EXIT_USAGE;
		return;
	}
	dbuf_init(&db, 256);
	dbuf_init(&sql, 1u << 16);
	/* The database's name as an identifier: `...` */
	dbuf_addc(&db, '`');
	for (const char *c = so->database; *c != '\0'; c++)
		if (*c != '`' && *c != '\\' && (unsigned char)*c >= 0x20)
			dbuf_addc(&db, *c);
	dbuf_addc(&db, '`');
	dbuf_adds(&sql, "SELECT sensor, run, record FROM (");
	for (i = 0; i < 2; i++) {
		if (i > 0)
			dbuf_adds(&sql, " UNION ALL ");
		dbuf_printf(&sql,
		    "SELECT sensor, run, seq, record FROM %s.%s FINAL",
		    dbuf_str(&db), tables[i]);
		/* A session opens before its transactions: a day more
		 * before. */
		store_where(&sql, so, &t->q, 2 * window + (i == 0 ? 86400 : 0));
	}
	dbuf_adds(&sql, ") ORDER BY sensor, run, seq FORMAT TabSeparatedRaw");
	memset(&sq, 0, sizeof(sq));
	sq.url = so->url;
	sq.sql = dbuf_str(&sql);
	sq.user = so->user;
	sq.key = key[0] != '\0' ? key : NULL;
	sq.line_max = LINE_MAX_BYTES;
	sq.on_record = store_record;
	sq.arg = &fs;
	if (store_fetch(&sq, &res, err, sizeof(err)) != 0) {
		tsay("%s", err);
		t->status = EXIT_NO_INPUT;
	}
	t->lines_skipped += res.skipped;
	if (fs.full) {
		tsay("more than %u sensors' runs: the rest not read",
		    INPUTS_MAX);
		t->status = EXIT_DAMAGED;
	}
	explicit_bzero(key, sizeof(key));
	dbuf_free(&sql);
	dbuf_free(&db);
	arena_free(&fs.scratch);
}

/* ---- matching and printing ---- */

static bool
glob(const char *pat, const char *s)
{
	return s != NULL && fnmatch(pat, s, FNM_CASEFOLD) == 0;
}

static bool
domain_is(const char *addr, const char *dom)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;

	return at != NULL && glob(dom, at + 1);
}

static bool
match(const struct query *q, const struct smtp_message *m)
{
	char a[ENDPOINT_ADDRSTRLEN];
	bool to = q->to == NULL, dom = q->domain == NULL;
	bool qid = q->qid == NULL, client = q->client == NULL;
	size_t i;

	if (q->since > 0 && m->ts_end < q->since)
		return false;
	if (q->until > 0 && m->ts > q->until)
		return false;
	if (q->from != NULL && !glob(q->from, m->mail_from))
		return false;
	if (q->msgid != NULL && !glob(q->msgid, m->message_id))
		return false;
	if (!dom && domain_is(m->mail_from, q->domain))
		dom = true;
	for (i = 0; i < m->nrcpt; i++) {
		if (!to && glob(q->to, m->rcpts[i].addr))
			to = true;
		if (!dom && domain_is(m->rcpts[i].addr, q->domain))
			dom = true;
	}
	for (i = 0; i < m->nhops; i++) {
		if (!qid && glob(q->qid, m->hops[i].queue_id))
			qid = true;
		endpoint_addr_str(&m->hops[i].client, a, sizeof(a));
		if (!client && glob(q->client, a))
			client = true;
	}
	return to && dom && qid && client;
}

/* "2026-11-22 23:06:33.829" (UTC), as the reports write times, with
 * the milliseconds. */
static void
put_time(FILE *f, double ts)
{
	fprintf(f, "%s.%03d", fmt_utc(ts, TF_FULL).s,
	    (int)((ts - (double)(int64_t)ts) * 1000) % 1000);
}

/* Wire text, printable: other bytes as \xNN. */
static void
put_text(FILE *f, const char *s)
{
	struct dbuf b;

	dbuf_init(&b, 4096);
	text_append_escaped(&b, (const uint8_t *)s, strlen(s));
	fputs(dbuf_str(&b), f);
	dbuf_free(&b);
}

static void
print_hop(struct trace *t, const struct smtp_message *m, size_t i)
{
	const struct smtp_msg_hop *h = &m->hops[i];
	char c[ENDPOINT_ADDRSTRLEN], s[ENDPOINT_ADDRSTRLEN];
	unsigned file = (unsigned)(h->session_id >> FILE_SHIFT);
	FILE *f = t->out;

	endpoint_addr_str(&h->client, c, sizeof(c));
	endpoint_addr_str(&h->server, s, sizeof(s));
	fprintf(f, "  hop %zu  ", i + 1);
	put_time(f, h->ts);
	fprintf(f, "  %s -> %s port %u", c, s, h->server.port);
	if (h->server_name != NULL) {
		fputs(" (", f);
		put_text(f, h->server_name);
		fputc(')', f);
	}
	fputc('\n', f);
	fprintf(f, "         %s", smtp_outcome_name(h->outcome));
	if (h->final_code > 0)
		fprintf(f, " %d", h->final_code);
	if (h->queue_id != NULL) {
		fputs(", queue id ", f);
		put_text(f, h->queue_id);
	}
	fprintf(f, ", %u of %u recipients accepted", h->rcpt_accepted,
	    h->rcpt_tried);
	if (h->from_hop >= 0)
		fprintf(f,
		    "; from hop %d after %.3f s in its queue (linked by %s)",
		    h->from_hop + 1, h->queue_time,
		    smtp_hop_link_name(h->link));
	fprintf(f, "\n         session %" PRIu64 " of %s%s\n",
	    h->session_id & (((uint64_t)1 << FILE_SHIFT) - 1),
	    file < t->nfiles ? t->files[file] : "?",
	    h->partial ? " (partial: capture loss or a reply not seen)" : "");
}

static void
print_message(struct trace *t, const struct smtp_message *m)
{
	FILE *f = t->out;
	size_t i;

	fprintf(f, "message %" PRIu64 "  ", m->id);
	put_time(f, m->ts);
	fputs("  from <", f);
	put_text(f, m->mail_from);
	fprintf(f, ">  %" PRIu64 " bytes", m->size);
	if (m->message_id != NULL) {
		fputs("  ", f);
		put_text(f, m->message_id);
	}
	if (m->dsn)
		fputs("  (a DSN", f);
	if (m->dsn && m->bounce_of != 0)
		fprintf(f, " about message %" PRIu64, m->bounce_of);
	if (m->dsn)
		fputc(')', f);
	fputc('\n', f);
	for (i = 0; i < m->nhops; i++)
		print_hop(t, m, i);
	for (i = 0; i < m->nrcpt; i++) {
		const struct smtp_msg_rcpt *r = &m->rcpts[i];

		fputs("  <", f);
		put_text(f, r->addr);
		fprintf(f, ">  %s", smtp_fate_name(r->fate));
		if (r->hop >= 0)
			fprintf(f, " at hop %d", r->hop + 1);
		if (r->code > 0)
			fprintf(f, ": %d", r->code);
		if (r->enh[0] != '\0')
			fprintf(f, " %s", r->enh);
		if (r->text != NULL) {
			fputc(' ', f);
			put_text(f, r->text);
		}
		if (r->deferrals > 0)
			fprintf(f, " (after %u deferral%s)", r->deferrals,
			    r->deferrals > 1 ? "s" : "");
		if (r->bounce != 0) {
			fprintf(f, "; bounced by message %" PRIu64, r->bounce);
			if (r->bounce_status != NULL) {
				fputs(" (", f);
				put_text(f, r->bounce_status);
				fputc(')', f);
			}
			if (r->bounce_link != NULL)
				fprintf(f, ", linked by %s", r->bounce_link);
		} else if (r->bounce_owed)
			fputs("; no bounce seen", f);
		fputc('\n', f);
	}
	fputc('\n', f);
}

static int
by_first_hop(const void *a, const void *b)
{
	const struct printed *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The messages held, in the order of their first hops, to stdout. */
static void
printed_flush(struct trace *t)
{
	size_t i;

	if (t->nprinted > 0)
		qsort(
		    t->printed, t->nprinted, sizeof(*t->printed), by_first_hop);
	for (i = 0; i < t->nprinted; i++) {
		fwrite(t->printed[i].text, 1, t->printed[i].len, stdout);
		free(t->printed[i].text);
	}
	t->nprinted = 0;
	t->printed_bytes = 0;
}

/* Message m as text, held for printed_flush() (printed at once when it
 * cannot be held). */
static void
print_held(struct trace *t, const struct smtp_message *m)
{
	struct printed *p;
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	if (mem == NULL) {
		print_message(t, m);
		return;
	}
	t->out = mem;
	print_message(t, m);
	t->out = stdout;
	if (fclose(mem) != 0 || text == NULL) {
		free(text);
		print_message(t, m);
		return;
	}
	if (t->printed_bytes + len > PRINTED_MAX)
		printed_flush(t);
	if (t->nprinted == t->printed_cap) {
		t->printed_cap = t->printed_cap ? t->printed_cap * 2 : 256;
		t->printed =
		    xrealloc(t->printed, t->printed_cap * sizeof(*t->printed));
	}
	p = &t->printed[t->nprinted++];
	p->ts = m->nhops > 0 ? m->hops[0].ts : m->ts;
	p->id = m->id;
	p->text = text;
	p->len = len;
	t->printed_bytes += len;
}

static void
on_message(void *arg, const struct smtp_event *ev)
{
	struct trace *t = arg;
	const struct smtp_message *m = ev->u.message;

	if (ev->type != SMTP_EV_MESSAGE || !match(&t->q, m))
		return;
	t->matched++;
	if (t->json) {
		/* Session ids as each input has them. */
		struct smtp_msg_hop hops[TRACK_HOPS_MAX];
		struct smtp_message copy = *m;
		struct smtp_event e = *ev;
		size_t i,
		    n = m->nhops < TRACK_HOPS_MAX ? m->nhops : TRACK_HOPS_MAX;

		for (i = 0; i < n; i++) {
			hops[i] = m->hops[i];
			hops[i].session_id &= ((uint64_t)1 << FILE_SHIFT) - 1;
		}
		copy.hops = hops;
		copy.nhops = n;
		e.u.message = &copy;
		jsonlog_on_event(&t->log, &e);
	} else
		print_held(t, m);
}

/* ---- the run ---- */

static int
by_end(const void *a, const void *b)
{
	const struct ttx *x = *(const struct ttx *const *)a;
	const struct ttx *y = *(const struct ttx *const *)b;

	if (x->tx.ts_end != y->tx.ts_end)
		return x->tx.ts_end < y->tx.ts_end ? -1 : 1;
	if (x->tx.ts != y->tx.ts)
		return x->tx.ts < y->tx.ts ? -1 : 1;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return x->sid < y->sid ? -1 : x->sid > y->sid;
}

/* The same transaction seen by two sensors. */
static bool
same(const struct ttx *x, const struct ttx *y)
{
	return x->file != y->file && x->tx.ts == y->tx.ts &&
	    x->tx.depth == y->tx.depth &&
	    memcmp(&x->client, &y->client, sizeof(x->client)) == 0 &&
	    memcmp(&x->server, &y->server, sizeof(x->server)) == 0;
}

static void
feed(struct trace *t, struct event_bus *bus)
{
	static struct smtp_session_info si;
	struct smtp_event ev;
	size_t i;

	for (i = 0; i < t->ntx; i++) {
		const struct ttx *x = t->tx[i];
		size_t sid =
		    (size_t)(x->sid & (((uint64_t)1 << FILE_SHIFT) - 1));
		const char *host =
		    sid < t->nhosts[x->file] ? t->hosts[x->file][sid] : NULL;

		if (i > 0 && same(t->tx[i - 1], x))
			continue;
		memset(&si, 0, sizeof(si));
		si.id = x->sid;
		si.client = x->client;
		si.server = x->server;
		endpoint_addr_fmt(
		    &si.client, si.client_ip, sizeof(si.client_ip));
		endpoint_addr_fmt(
		    &si.server, si.server_ip, sizeof(si.server_ip));
		snprintf(si.greeting_host, sizeof(si.greeting_host), "%s",
		    host != NULL ? host : "");
		memset(&ev, 0, sizeof(ev));
		ev.type = SMTP_EV_TRANSACTION;
		ev.ts = x->tx.ts_end;
		ev.session = &si;
		ev.u.tx = &x->tx;
		event_bus_emit(bus, &ev);
	}
}

/* "2026-11-22", "2026-11-22T23:06", "2026-11-22 23:06:33" (UTC), or
 * seconds since the epoch. */
static bool
parse_time(const char *s, double *out)
{
	struct tm tm;
	char *end;
	const char *r;

	memset(&tm, 0, sizeof(tm));
	if ((r = strptime(s, "%Y-%m-%d", &tm)) != NULL) {
		if (*r == 'T' || *r == ' ') {
			const char *r2 = strptime(r + 1, "%H:%M:%S", &tm);

			if (r2 == NULL)
				r2 = strptime(r + 1, "%H:%M", &tm);
			r = r2;
		}
		if (r == NULL || (*r != '\0' && strcmp(r, "Z") != 0))
			return false;
		*out = (double)timegm(&tm);
		return true;
	}
	errno = 0;
	*out = strtod(s, &end);
	return errno == 0 && end != s && *end == '\0' && *out >= 0;
}

static void __attribute__((noreturn)) usage(FILE *f, int status)
{
	fputs("usage: smtpscope trace [QUESTION...] [-w FILE] INPUT...\n"
	      "       smtpscope trace [QUESTION...] [-w FILE] --clickhouse "
	      "URL [INPUT...]\n"
	      "What happened to the mail asked about: each matching message "
	      "as the\npath it took (hops, replies, queue ids, time in each "
	      "relay's queue,\nevery recipient's fate, the bounce that came "
	      "back).\n"
	      "INPUT: captures (pcap, pcapng) or smtpscope's JSON logs (-w), "
	      "several\nat once, from several sensors: merged by time.\n"
	      "question (all given must hold; PATTERN: shell glob, any "
	      "case)\n"
	      "      --from PATTERN      envelope sender\n"
	      "      --to PATTERN        a recipient\n"
	      "      --domain PATTERN    the sender's or a recipient's "
	      "domain\n"
	      "      --message-id PATTERN\n"
	      "      --queue-id PATTERN  the queue id of any hop\n"
	      "      --client PATTERN    the client address of any hop\n"
	      "      --since TIME, --until TIME  UTC: 2026-11-22, "
	      "2026-11-22T23:06:33,\n"
	      "                          or seconds since the epoch\n"
	      "output\n"
	      "  -w FILE                 `message` records (JSON Lines; - "
	      "stdout)\n"
	      "      --track-window S    as smtpscope's (default 900)\n"
	      "the records of a fleet of sensors in ClickHouse (the "
	      "clickhouse plugin)\n"
	      "      --clickhouse URL    read them from ClickHouse's HTTP "
	      "interface\n"
	      "                          (http://HOST:8123/), besides any "
	      "INPUT\n"
	      "      --database DB       its database (default smtpscope)\n"
	      "      --sensor NAME       only this sensor's (repeatable)\n"
	      "      --clickhouse-user USER, --clickhouse-password-file "
	      "FILE\n",
	    f);
	exit(status);
}

int
trace_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "domain", required_argument, NULL, 'D' },
		{ "message-id", required_argument, NULL, 'M' },
		{ "queue-id", required_argument, NULL, 'Q' },
		{ "client", required_argument, NULL, 'C' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "track-window", required_argument, NULL, 'W' },
		{ "clickhouse", required_argument, NULL, 'K' },
		{ "database", required_argument, NULL, 'B' },
		{ "sensor", required_argument, NULL, 'N' },
		{ "clickhouse-user", required_argument, NULL, 'O' },
		{ "clickhouse-password-file", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct trace t;
	static struct store_opts so;
	struct track_config tc = { 0, 0, 0 };
	struct event_bus bus;
	struct tracker *tr;
	const char *wfile = NULL;
	char err[512];
	unsigned long win;
	int ch;
	size_t i;

	t.out = stdout;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "w:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'F':
			t.q.from = optarg;
			break;
		case 'T':
			t.q.to = optarg;
			break;
		case 'D':
			t.q.domain = optarg;
			break;
		case 'M':
			t.q.msgid = optarg;
			break;
		case 'Q':
			t.q.qid = optarg;
			break;
		case 'C':
			t.q.client = optarg;
			break;
		case 'S':
		case 'U':
			if (!parse_time(
				optarg, ch == 'S' ? &t.q.since : &t.q.until)) {
				tsay("--%s wants a time like "
				     "2026-11-22T23:06:33 "
				     "(UTC) or seconds since the epoch, not "
				     "\"%s\"",
				    ch == 'S' ? "since" : "until", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'W':
			if (!parse_ulong(optarg, 1, 86400 * 30, &win)) {
				tsay("--track-window wants seconds from 1 to "
				     "2592000, not \"%s\"",
				    optarg);
				return EXIT_USAGE;
			}
			tc.window = (double)win;
			break;
		case 'w':
			wfile = optarg;
			break;
		case 'K':
			so.url = optarg;
			break;
		case 'B':
			so.database = optarg;
			break;
		case 'N':
			if (so.nsensors == SENSORS_MAX ||
			    strlen(optarg) > STORE_SENSOR_MAX) {
				tsay("--sensor: at most %d, of at most %d "
				     "bytes each",
				    SENSORS_MAX, STORE_SENSOR_MAX);
				return EXIT_USAGE;
			}
			so.sensors[so.nsensors++] = optarg;
			break;
		case 'O':
			so.user = optarg;
			break;
		case 'P':
			so.password_file = optarg;
			break;
		case 'h':
			usage(stdout, EXIT_OK);
		default:
			usage(stderr, EXIT_USAGE);
		}
	}
	if (optind >= argc && so.url == NULL) {
		tsay("%s",
		    "no input: name captures or JSON logs, or a ClickHouse "
		    "with --clickhouse URL (see smtpscope trace --help)");
		return EXIT_USAGE;
	}
	if (so.url == NULL &&
	    (so.database != NULL || so.nsensors > 0 || so.user != NULL ||
		so.password_file != NULL)) {
		tsay("%s",
		    "--database, --sensor and the ClickHouse user and "
		    "password go with --clickhouse URL");
		return EXIT_USAGE;
	}
	if (so.database == NULL)
		so.database = "smtpscope";
	if ((size_t)(argc - optind) > INPUTS_MAX) {
		tsay("%s", "too many inputs");
		return EXIT_USAGE;
	}
	arena_init(&t.keep);
	for (i = (size_t)optind; i < (size_t)argc; i++)
		add_input(&t, argv[i]);
	for (i = 0; i < t.nfiles; i++)
		read_input(&t, (unsigned)i);
	if (so.url != NULL)
		read_store(&t, &so, tc.window > 0 ? tc.window : 900);
	if (t.ntx > 0)
		qsort(t.tx, t.ntx, sizeof(*t.tx), by_end);
	if (wfile != NULL) {
		if (jsonlog_open(&t.log, wfile, err, sizeof(err)) != 0) {
			tsay("%s", err);
			return EXIT_OUTPUT;
		}
		t.json = true;
		t.log.all_messages = true;
	}
	memset(&bus, 0, sizeof(bus));
	tr = track_open(&tc, &bus);
	event_bus_subscribe_types(
	    &bus, on_message, &t, EVENT_BIT(SMTP_EV_MESSAGE));
	feed(&t, &bus);
	track_finish(tr);
	track_close(tr);
	printed_flush(&t);
	free(t.printed);
	if (t.json && jsonlog_close(&t.log) != 0 && t.status == EXIT_OK)
		t.status = EXIT_OUTPUT;
	/* Results cover what could be read: exit status 1, as for a
	 * damaged capture. */
	if (t.bad_lines > 0)
		tsay("%zu lines were not smtpscope records (skipped)",
		    t.bad_lines);
	if (t.lines_skipped > 0)
		tsay("%zu records over the limits were skipped",
		    t.lines_skipped);
	if ((t.bad_lines > 0 || t.lines_skipped > 0) && t.status == EXIT_OK)
		t.status = EXIT_DAMAGED;
	if (fflush(stdout) != 0 && t.status == EXIT_OK)
		t.status = EXIT_OUTPUT;
	fprintf(stderr,
	    "smtpscope trace: %" PRIu64 " of the messages "
	    "matched (%zu transactions read from %zu inputs)\n",
	    t.matched, t.ntx, t.nfiles);
	return t.status;
}
