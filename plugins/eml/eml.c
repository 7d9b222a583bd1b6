/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * eml: each message seen, as an .eml file (RFC 5322 as the server stores
 * it: dot-unstuffed, BDAT chunks joined) with X-Smtpscope-* fields giving
 * the envelope prepended.
 *
 *   smtpscope -r trace.pcap --plugin eml:dir=/var/tmp/mail,keep=all
 *
 * The outcome of a message is known only after its body, at
 * SMTPSCOPE_EV_TRANSACTION: meanwhile the body is kept per message in
 * progress, keyed by session id and trans_depth (sessions interleave, and
 * BDAT pipelining can start the body of depth N+1 before depth N is
 * over): in a buffer in memory, and beyond it in a spool file in dir
 * (".tmp-eml-PID-N", O_EXCL, mode 0600) written in large blocks. At the
 * transaction event the header block and the body are written into the
 * final file (O_EXCL|O_NOFOLLOW, 0600, named from the capture time,
 * session id and depth only), or the spool is removed. A message that
 * fits in its buffer never has a spool file: one file created per
 * message, however many interleave, and a body of a million short lines
 * (dot-stuffed ones come as one body event each) costs a few writes.
 * Memory stays bounded: at most EML_SPOOL_MAX messages in progress,
 * EML_BUF_MAX bytes buffered for one and EML_BUF_TOTAL for all (beyond,
 * the largest buffers go to their spool files first), at most
 * EML_FDS_MAX spool files open.
 *
 * Bodies are written because the user asked for them by loading this
 * plugin; nothing of a message, an address or a password is ever logged.
 */
#include "eml.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define EML_SPOOL_MAX 4096        /* messages in progress at once */
#define EML_FDS_MAX 64            /* spool files kept open at once */
#define EML_BUF_MIN 1024          /* a message's first buffer */
#define EML_BUF_MAX (64u << 10)   /* bytes of one message held in memory */
#define EML_BUF_TOTAL (16u << 20) /* bytes of all of them */
#define EML_BUCKETS 1024          /* spools hashed by session id */
#define EML_NAME_MAX 64
#define EML_NAME_TRIES 1000 /* "-2", "-3"... when a name is taken */
#define EML_COPY_BUF 65536
/* Writing works again once a message is written this long after the
 * last failure: a nearly full disk that takes one small message between
 * failures is not said twice a message. */
#define EML_CALM_SEC 1.0

struct spool {
	struct spool *next; /* in its bucket */
	uint64_t session;
	unsigned depth;
	int fd;        /* -1: closed for room (or no file yet) */
	bool has_file; /* the spool file exists (name is set) */
	uint64_t last_use;
	char name[EML_NAME_MAX];
	uint8_t *buf; /* the kept bytes not yet in the file */
	size_t buflen, bufcap;
	uint64_t flushed; /* bytes in the spool file: kept - buflen */
	uint64_t seen;    /* message bytes so far, kept or not */
	uint64_t kept;    /* bytes kept: in the file, then in buf */
	uint64_t missing; /* bytes never captured */
	uint64_t first_missing;
	bool truncated; /* cut at max_size */
	bool too_big;   /* bigger than max_disk: cannot be written */
	bool failed;    /* a write error (counted once) */
};

/* A file written, for full=oldest (only kept with max_disk). */
struct written {
	char name[EML_NAME_MAX];
	uint64_t size;
};

struct eml {
	const struct smtpscope_host *host;
	struct eml_args a;
	int dirfd;
	struct spool *bucket[EML_BUCKETS];
	size_t nspool, nopen;
	size_t bufmem; /* bufcap of every spool */
	uint64_t clock, seq;
	pid_t pid;
	/* The files written, oldest first: a ring. */
	struct written *files;
	size_t nfiles, head, fcap;
	uint64_t disk_used;
	bool failing;        /* writing fails: said; said again when it works */
	uint64_t spell;      /* messages lost since it failed */
	double last_failure; /* monotonic seconds */
	bool warned_full_spool;
	uint64_t *written, *skipped, *truncated, *deleted_for_space,
	    *not_written_disk_full, *errors;
	uint8_t copybuf[EML_COPY_BUF];
};

/*
 * A message lost to a write error: counted. Said when writing starts to
 * fail, and again when a message is written after it (writes_again()),
 * never once per message (no wire data in either).
 */
static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
write_error(struct eml *e, const char *what, int err)
{
	(*e->errors)++;
	e->spell++;
	e->last_failure = mono_now();
	if (!e->failing) {
		e->failing = true;
		e->host->log(e->host->ctx, SMTPSCOPE_LOG_WARNING,
		    "%s in %s: %s; the run goes on, and messages that cannot "
		    "be written whole are counted in errors, no file left",
		    what, e->a.dir, strerror(err));
	}
}

static void
writes_again(struct eml *e)
{
	if (!e->failing || mono_now() - e->last_failure < EML_CALM_SEC)
		return;
	e->host->log(e->host->ctx, SMTPSCOPE_LOG_WARNING,
	    "writing in %s again; %" PRIu64 " message%s not written", e->a.dir,
	    e->spell, e->spell == 1 ? " was" : "s were");
	e->failing = false;
	e->spell = 0;
}

static int
write_all(int fd, const void *p, size_t n, uint64_t off)
{
	const uint8_t *q = p;

	while (n > 0) {
		ssize_t w = pwrite(fd, q, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = ENOSPC;
			return -1;
		}
		q += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/* ---- spools ----------------------------------------------------------- */

static size_t
bucket_of(uint64_t session)
{
	return (size_t)((session * 0x9E3779B97F4A7C15ULL) >> 54) % EML_BUCKETS;
}

static struct spool *
spool_find(struct eml *e, uint64_t session, unsigned depth)
{
	struct spool *sp;

	for (sp = e->bucket[bucket_of(session)]; sp != NULL; sp = sp->next)
		if (sp->session == session && sp->depth == depth)
			return sp;
	return NULL;
}

static void
spool_close(struct eml *e, struct spool *sp)
{
	if (sp->fd >= 0) {
		close(sp->fd);
		sp->fd = -1;
		e->nopen--;
	}
}

/* Room for one more open spool: close the least recently used. */
static void
spool_make_room(struct eml *e)
{
	struct spool *sp, *lru = NULL;
	size_t i;

	if (e->nopen < EML_FDS_MAX)
		return;
	for (i = 0; i < EML_BUCKETS; i++)
		for (sp = e->bucket[i]; sp != NULL; sp = sp->next)
			if (sp->fd >= 0 &&
			    (lru == NULL || sp->last_use < lru->last_use))
				lru = sp;
	if (lru != NULL)
		spool_close(e, lru);
}

/* The spool's descriptor, reopened if it was closed for room. */
static int
spool_fd(struct eml *e, struct spool *sp)
{
	sp->last_use = ++e->clock;
	if (sp->fd >= 0)
		return sp->fd;
	if (!sp->has_file) {
		errno = ENOENT;
		return -1;
	}
	spool_make_room(e);
	sp->fd = openat(e->dirfd, sp->name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (sp->fd >= 0)
		e->nopen++;
	return sp->fd;
}

/* The spool file, made when its buffer first overflows. */
static int
spool_create(struct eml *e, struct spool *sp)
{
	int i;

	spool_make_room(e);
	for (i = 0; i < EML_NAME_TRIES; i++) {
		snprintf(sp->name, sizeof(sp->name), ".tmp-eml-%ld-%" PRIu64,
		    (long)e->pid, ++e->seq);
		sp->fd = openat(e->dirfd, sp->name,
		    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (sp->fd >= 0 || errno != EEXIST)
			break;
	}
	if (sp->fd < 0)
		return -1;
	sp->has_file = true;
	sp->last_use = ++e->clock;
	e->nopen++;
	return 0;
}

static struct spool *
spool_new(struct eml *e, uint64_t session, unsigned depth)
{
	struct spool *sp;
	size_t b;

	if (e->nspool >= EML_SPOOL_MAX) {
		if (!e->warned_full_spool) {
			e->warned_full_spool = true;
			e->host->log(e->host->ctx, SMTPSCOPE_LOG_WARNING,
			    "more than %d messages in progress: the others "
			    "are not written (counted in errors; said once)",
			    EML_SPOOL_MAX);
		}
		(*e->errors)++;
		return NULL;
	}
	if ((sp = calloc(1, sizeof(*sp))) == NULL) {
		write_error(e, "out of memory", ENOMEM);
		return NULL;
	}
	sp->session = session;
	sp->depth = depth;
	sp->fd = -1;
	b = bucket_of(session);
	sp->next = e->bucket[b];
	e->bucket[b] = sp;
	e->nspool++;
	return sp;
}

static void
spool_free_buf(struct eml *e, struct spool *sp)
{
	e->bufmem -= sp->bufcap;
	free(sp->buf);
	sp->buf = NULL;
	sp->buflen = sp->bufcap = 0;
}

/* Closes, removes and forgets a spool. */
static void
spool_drop(struct eml *e, struct spool *sp)
{
	struct spool **pp;

	for (pp = &e->bucket[bucket_of(sp->session)]; *pp != NULL;
	     pp = &(*pp)->next)
		if (*pp == sp) {
			*pp = sp->next;
			break;
		}
	spool_close(e, sp);
	if (sp->has_file)
		unlinkat(e->dirfd, sp->name, 0);
	spool_free_buf(e, sp);
	e->nspool--;
	free(sp);
}

/* Keeps nothing more of the message: no bytes in memory, an empty
 * spool file (its space given back at once). */
static void
spool_empty(struct eml *e, struct spool *sp)
{
	spool_free_buf(e, sp);
	/* Not emptied: what follows would lie behind stale bytes, so the
	 * message is given up (said once, as a write error). */
	if (sp->has_file && spool_fd(e, sp) >= 0 && ftruncate(sp->fd, 0) != 0 &&
	    !sp->failed) {
		write_error(e, "truncate", errno);
		sp->failed = true;
	}
	sp->kept = sp->flushed = 0;
}

static void
spool_fail(struct eml *e, struct spool *sp, const char *what, int err)
{
	if (!sp->failed)
		write_error(e, what, err);
	sp->failed = true;
	spool_empty(e, sp);
}

/* Appends to the spool file at its end (made if need be). */
static int
spool_write(struct eml *e, struct spool *sp, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if ((!sp->has_file && spool_create(e, sp) != 0) ||
	    spool_fd(e, sp) < 0 || write_all(sp->fd, p, n, sp->flushed) != 0)
		return -1;
	sp->flushed += n;
	return 0;
}

/* The buffer into the spool file; the buffer is kept for more. */
static int
spool_flush(struct eml *e, struct spool *sp)
{
	if (spool_write(e, sp, sp->buf, sp->buflen) != 0)
		return -1;
	sp->buflen = 0;
	return 0;
}

/* Memory for others: the spool holding the biggest buffer (but keep)
 * goes to its file and lets its buffer go. False when none is left. */
static bool
spool_evict_one(struct eml *e, const struct spool *keep)
{
	struct spool *sp, *big = NULL;
	size_t i;

	for (i = 0; i < EML_BUCKETS; i++)
		for (sp = e->bucket[i]; sp != NULL; sp = sp->next)
			if (sp != keep && sp->bufcap > 0 &&
			    (big == NULL || sp->bufcap > big->bufcap))
				big = sp;
	if (big == NULL)
		return false;
	if (spool_flush(e, big) != 0)
		spool_fail(e, big, "cannot write a spool file", errno);
	else
		spool_free_buf(e, big);
	return true;
}

/*
 * n bytes of the message: into its buffer, which grows up to
 * EML_BUF_MAX while all buffers stay under EML_BUF_TOTAL (the biggest
 * others are written out first); what does not fit goes to the spool
 * file in one write. -1 on a write error.
 */
static int
spool_append(struct eml *e, struct spool *sp, const uint8_t *data, size_t n)
{
	size_t want, cap;
	uint8_t *p;

	if (sp->buflen + n > EML_BUF_MAX) {
		if (spool_flush(e, sp) != 0)
			return -1;
		if (n >= EML_BUF_MAX / 2) {
			if (spool_write(e, sp, data, n) != 0)
				return -1;
			sp->kept += n;
			return 0;
		}
	}
	if (sp->buflen + n > sp->bufcap) {
		want = sp->buflen + n;
		cap = sp->bufcap > 0 ? sp->bufcap : EML_BUF_MIN;
		while (cap < want)
			cap *= 2;
		if (cap > EML_BUF_MAX)
			cap = EML_BUF_MAX;
		while (e->bufmem + (cap - sp->bufcap) > EML_BUF_TOTAL &&
		    spool_evict_one(e, sp))
			;
		if (e->bufmem + (cap - sp->bufcap) > EML_BUF_TOTAL ||
		    (p = realloc(sp->buf, cap)) == NULL) {
			/* No memory to be had: straight to the file. */
			if (spool_flush(e, sp) != 0 ||
			    spool_write(e, sp, data, n) != 0)
				return -1;
			sp->kept += n;
			return 0;
		}
		e->bufmem += cap - sp->bufcap;
		sp->buf = p;
		sp->bufcap = cap;
	}
	memcpy(sp->buf + sp->buflen, data, n);
	sp->buflen += n;
	sp->kept += n;
	return 0;
}

static void
on_body(struct eml *e, const struct smtpscope_event *ev)
{
	const uint8_t *data = ev->u.body.data;
	uint64_t off = ev->u.body.offset, len = ev->u.body.len, room, n;
	struct spool *sp;

	sp = spool_find(e, ev->session->id, ev->u.body.depth);
	if (sp == NULL &&
	    (sp = spool_new(e, ev->session->id, ev->u.body.depth)) == NULL)
		return;
	/* Offsets are contiguous; a jump is a hole, an overlap is skipped
	 * (neither happens today: defensive). */
	if (off > sp->seen) {
		if (sp->missing == 0)
			sp->first_missing = sp->seen;
		sp->missing += off - sp->seen;
		sp->seen = off;
	} else if (off < sp->seen) {
		uint64_t over = sp->seen - off;

		if (over >= len)
			return;
		if (data != NULL)
			data += over;
		len -= over;
	}
	if (data == NULL) {
		if (sp->missing == 0)
			sp->first_missing = sp->seen;
		sp->missing += len;
		sp->seen += len;
		return;
	}
	sp->seen += len;
	if (sp->failed || sp->too_big)
		return;
	n = len;
	if (e->a.has_max_size) {
		room = sp->kept < e->a.max_size ? e->a.max_size - sp->kept : 0;
		if (n > room) {
			n = room;
			sp->truncated = true;
		}
	}
	if (e->a.max_disk > 0 && sp->kept + n > e->a.max_disk) {
		/* The file could never fit: stop spooling it. */
		sp->too_big = true;
		spool_empty(e, sp);
		return;
	}
	if (n == 0)
		return;
	if (spool_append(e, sp, data, (size_t)n) != 0)
		spool_fail(e, sp, "cannot write a spool file", errno);
}

/* ---- the files written ------------------------------------------------ */

static void
forget_oldest(struct eml *e)
{
	struct written *w = &e->files[e->head];

	e->disk_used -= w->size < e->disk_used ? w->size : e->disk_used;
	e->head = (e->head + 1) % e->fcap;
	e->nfiles--;
}

/* Deletes the oldest file written to make room (full=oldest). */
static void
delete_oldest(struct eml *e)
{
	if (unlinkat(e->dirfd, e->files[e->head].name, 0) == 0)
		(*e->deleted_for_space)++;
	/* Gone already (removed by someone else): its room is free too. */
	forget_oldest(e);
}

static int
remember(struct eml *e, const char *name, uint64_t size)
{
	if (e->nfiles == e->fcap) {
		size_t cap = e->fcap > 0 ? e->fcap * 2 : 64, i;
		struct written *f = calloc(cap, sizeof(*f));

		if (f == NULL)
			return -1;
		for (i = 0; i < e->nfiles; i++)
			f[i] = e->files[(e->head + i) % e->fcap];
		free(e->files);
		e->files = f;
		e->fcap = cap;
		e->head = 0;
	}
	snprintf(e->files[(e->head + e->nfiles) % e->fcap].name, EML_NAME_MAX,
	    "%s", name);
	e->files[(e->head + e->nfiles) % e->fcap].size = size;
	e->nfiles++;
	e->disk_used += size;
	return 0;
}

/* Room for need more bytes under max_disk: true, or false when full=stop
 * (or nothing left to delete). */
static bool
make_disk_room(struct eml *e, uint64_t need)
{
	if (e->a.max_disk == 0)
		return true;
	if (need > e->a.max_disk)
		return false;
	while (e->disk_used + need > e->a.max_disk) {
		if (e->a.full == EML_FULL_STOP || e->nfiles == 0)
			return false;
		delete_oldest(e);
	}
	return true;
}

/* The final file: header block, then the spooled body. Its name is made
 * of the capture time, the session id and the depth only. */
static void
write_message(struct eml *e, const struct smtpscope_event *ev,
    const struct smtpscope_transaction *tx, struct spool *sp)
{
	struct eml_body_info bi = { 0 };
	struct eml_buf hb = { 0 };
	char name[EML_NAME_MAX], base[48], t[24];
	uint64_t off = 0, size;
	int fd = -1, i, err;

	if (sp != NULL) {
		bi.kept = sp->kept;
		bi.missing = sp->missing;
		bi.first_missing = sp->first_missing;
		bi.truncated = sp->truncated;
		/* Bytes announced by the transaction, never seen at all. */
		if (tx->size > sp->seen) {
			if (bi.missing == 0)
				bi.first_missing = sp->seen;
			bi.missing += tx->size - sp->seen;
		}
	} else if (tx->size > 0) {
		bi.missing = tx->size;
	}
	bi.max_size = e->a.max_size;
	eml_header_block(&hb, e->host, ev->session, tx, &bi);
	if (hb.oom) {
		write_error(e, "out of memory for a header block", ENOMEM);
		goto out;
	}
	size = hb.len + bi.kept;
	if (!make_disk_room(e, size)) {
		(*e->not_written_disk_full)++;
		goto out;
	}
	eml_time_compact(tx->ts, t, sizeof(t));
	snprintf(base, sizeof(base), "%s-s%" PRIu64 "-t%u", t, ev->session->id,
	    tx->depth);
	for (i = 1; i <= EML_NAME_TRIES; i++) {
		if (i == 1)
			snprintf(name, sizeof(name), "%s.eml", base);
		else
			snprintf(name, sizeof(name), "%s-%d.eml", base, i);
		fd = openat(e->dirfd, name,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		write_error(e, "cannot create a message file", errno);
		goto out;
	}
	if (write_all(fd, hb.p, hb.len, 0) != 0)
		goto fail;
	off = hb.len;
	/* The body: what went to the spool file, then the buffer. */
	if (sp != NULL && sp->flushed > 0) {
		uint64_t at = 0;

		if (spool_fd(e, sp) < 0)
			goto fail;
		while (at < sp->flushed) {
			size_t want = sp->flushed - at < sizeof(e->copybuf)
			    ? (size_t)(sp->flushed - at)
			    : sizeof(e->copybuf);
			ssize_t r = pread(sp->fd, e->copybuf, want, (off_t)at);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				if (r == 0)
					errno = EIO; /* the spool shrank */
				goto fail;
			}
			if (write_all(fd, e->copybuf, (size_t)r, off) != 0)
				goto fail;
			at += (uint64_t)r;
			off += (uint64_t)r;
		}
	}
	if (sp != NULL && sp->buflen > 0) {
		if (write_all(fd, sp->buf, sp->buflen, off) != 0)
			goto fail;
		off += sp->buflen;
	}
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	(*e->written)++;
	writes_again(e);
	if (bi.truncated)
		(*e->truncated)++;
	if (e->a.max_disk > 0 && remember(e, name, size) != 0) {
		/* Untracked, it could outgrow max_disk: take it back. */
		unlinkat(e->dirfd, name, 0);
		(*e->written)--;
		write_error(e, "out of memory for the list of files", ENOMEM);
	}
	goto out;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	unlinkat(e->dirfd, name, 0);
	write_error(e, "cannot write a message file", err);
out:
	eml_buf_free(&hb);
}

static void
on_transaction(struct eml *e, const struct smtpscope_event *ev)
{
	const struct smtpscope_transaction *tx = ev->u.tx;
	struct spool *sp = spool_find(e, ev->session->id, tx->depth);

	/* A message: bytes came, or at least its end (an empty one). */
	if (sp == NULL && !tx->data_complete)
		return;
	if ((e->a.keep & (1u << tx->outcome)) == 0)
		(*e->skipped)++;
	else if (sp != NULL && sp->failed)
		; /* counted in errors when it failed */
	else if (sp != NULL && sp->too_big)
		(*e->not_written_disk_full)++;
	else
		write_message(e, ev, tx, sp);
	if (sp != NULL)
		spool_drop(e, sp);
}

/* What a closed session left (nothing, normally: its transactions came
 * first). */
static void
on_close(struct eml *e, uint64_t session)
{
	struct spool *sp = e->bucket[bucket_of(session)], *next;

	for (; sp != NULL; sp = next) {
		next = sp->next;
		if (sp->session == session)
			spool_drop(e, sp);
	}
}

/* ---- the folder ------------------------------------------------------- */

/* A spool file's name: ".tmp-eml-" PID "-" N, both decimal. */
static bool
is_spool_name(const char *n)
{
	size_t i = 9, digits;

	if (strncmp(n, ".tmp-eml-", 9) != 0)
		return false;
	for (digits = 0; n[i] >= '0' && n[i] <= '9'; i++)
		digits++;
	if (digits == 0 || n[i++] != '-')
		return false;
	for (digits = 0; n[i] >= '0' && n[i] <= '9'; i++)
		digits++;
	return digits > 0 && n[i] == '\0';
}

/*
 * Spool files a killed run left behind (bodies of messages in progress)
 * are removed, but only while no other run uses the folder: every run
 * holds a shared lock on it (flock on the folder) for its lifetime, and
 * the cleaning takes the lock exclusively first. A folder another run
 * holds is left alone.
 */
static void
clean_stale_spools(struct eml *e)
{
	struct dirent *de;
	unsigned removed = 0;
	DIR *d;
	int fd;

	if (flock(e->dirfd, LOCK_EX | LOCK_NB) != 0) {
		(void)flock(e->dirfd, LOCK_SH | LOCK_NB);
		return;
	}
	if ((fd = dup(e->dirfd)) >= 0 && (d = fdopendir(fd)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (is_spool_name(de->d_name) &&
			    unlinkat(e->dirfd, de->d_name, 0) == 0)
				removed++;
		closedir(d);
	} else if (fd >= 0)
		close(fd);
	(void)flock(e->dirfd, LOCK_SH);
	if (removed > 0)
		e->host->log(e->host->ctx, SMTPSCOPE_LOG_INFO,
		    "removed %u spool file%s that a killed run left in %s",
		    removed, removed == 1 ? "" : "s", e->a.dir);
}

/* As the user the run goes on as (-Z): can it create files in dir? A
 * spool file is created and removed to find out. */
static int
eml_start(void *state, char *err, size_t errlen)
{
	struct eml *e = state;
	struct passwd *pw;
	char name[EML_NAME_MAX], who[96];
	int fd = -1, i, saved;

	for (i = 0; i < EML_NAME_TRIES; i++) {
		snprintf(name, sizeof(name), ".tmp-eml-%ld-%" PRIu64,
		    (long)e->pid, ++e->seq);
		fd = openat(e->dirfd, name,
		    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd >= 0) {
		close(fd);
		unlinkat(e->dirfd, name, 0);
		return 0;
	}
	saved = errno;
	if ((pw = getpwuid(geteuid())) != NULL)
		snprintf(who, sizeof(who), "%.64s", pw->pw_name);
	else
		snprintf(who, sizeof(who), "uid %lu", (unsigned long)geteuid());
	snprintf(err, errlen,
	    "dir %.200s is not writable by %s, the user this run goes on "
	    "as: %s",
	    e->a.dir, who, strerror(saved));
	return -1;
}

/* ---- the plugin ------------------------------------------------------- */

static void
eml_free(struct eml *e)
{
	size_t i;

	for (i = 0; i < EML_BUCKETS; i++)
		while (e->bucket[i] != NULL)
			spool_drop(e, e->bucket[i]);
	if (e->dirfd >= 0)
		close(e->dirfd);
	free(e->files);
	eml_args_free(&e->a);
	free(e);
}

static int
eml_init(const struct smtpscope_host *host, const char *args, void **state,
    char *err, size_t errlen)
{
	struct eml *e;
	struct stat sb;

	if ((e = calloc(1, sizeof(*e))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	e->dirfd = -1;
	e->host = host;
	if (eml_args_parse(host, args, &e->a, err, errlen) != 0) {
		free(e);
		return -1;
	}
	if (stat(e->a.dir, &sb) != 0) {
		snprintf(
		    err, errlen, "dir %.200s: %s", e->a.dir, strerror(errno));
		goto fail;
	}
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(
		    err, errlen, "dir %.200s is not a directory", e->a.dir);
		goto fail;
	}
	if (faccessat(AT_FDCWD, e->a.dir, W_OK | X_OK, AT_EACCESS) != 0) {
		snprintf(err, errlen, "dir %.200s is not writable: %s",
		    e->a.dir, strerror(errno));
		goto fail;
	}
	e->dirfd = open(e->a.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (e->dirfd < 0) {
		snprintf(err, errlen, "dir %.200s cannot be opened: %s",
		    e->a.dir, strerror(errno));
		goto fail;
	}
	e->pid = getpid();
	clean_stale_spools(e);
	e->written = host->counter(host->ctx, "written", "messages written");
	e->skipped = host->counter(
	    host->ctx, "skipped", "messages not written: outcome not kept");
	e->truncated = host->counter(
	    host->ctx, "truncated", "messages written cut at max_size");
	e->deleted_for_space = host->counter(host->ctx, "deleted_for_space",
	    "files deleted to stay under max_disk (full=oldest)");
	e->not_written_disk_full = host->counter(host->ctx,
	    "not_written_disk_full", "messages not written: over max_disk");
	e->errors = host->counter(
	    host->ctx, "errors", "messages not written: write errors");
	if (e->written == NULL || e->skipped == NULL || e->truncated == NULL ||
	    e->deleted_for_space == NULL || e->not_written_disk_full == NULL ||
	    e->errors == NULL) {
		snprintf(err, errlen, "cannot register its counters");
		goto fail;
	}
	host->want_body(host->ctx);
	*state = e;
	return 0;
fail:
	eml_free(e);
	return -1;
}

static void
eml_event(void *state, const struct smtpscope_event *ev)
{
	struct eml *e = state;

	switch (ev->type) {
	case SMTPSCOPE_EV_BODY:
		on_body(e, ev);
		break;
	case SMTPSCOPE_EV_TRANSACTION:
		on_transaction(e, ev);
		break;
	case SMTPSCOPE_EV_SESSION_CLOSE:
		on_close(e, ev->session->id);
		break;
	default:
		break;
	}
}

static void
eml_fini(void *state)
{
	struct eml *e = state;

	if (e->failing)
		e->host->log(e->host->ctx, SMTPSCOPE_LOG_WARNING,
		    "writing in %s still failed at the end; %" PRIu64
		    " message%s not written",
		    e->a.dir, e->spell, e->spell == 1 ? " was" : "s were");
	eml_free(e);
}

SMTPSCOPE_PLUGIN_DEFINE(.name = "eml", .version = "1.0",
    .description = "writes each message as an .eml file with its envelope",
    .init = eml_init, .on_event = eml_event, .tick = NULL, .fini = eml_fini,
    .start = eml_start);
