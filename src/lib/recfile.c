/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lib/recfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void say(struct recfile *rf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(struct recfile *rf, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rf->say != NULL)
		rf->say(rf->say_arg, msg);
	else
		fprintf(stderr, "smtpscope: %s\n", msg);
}

void
recfile_init_fd(struct recfile *rf, int fd, bool own_fd, const char *name,
    size_t batch, size_t record_max)
{
	struct stat sb;

	memset(rf, 0, sizeof(*rf));
	rf->fd = fd;
	rf->own_fd = own_fd;
	rf->seekable = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
	if (rf->seekable)
		rf->size = (uint64_t)sb.st_size;
	rf->name = xstrdup(name);
	rf->batch = batch;
	rf->hold = batch > RECFILE_HOLD_MIN ? batch : RECFILE_HOLD_MIN;
	dbuf_init(&rf->buf, rf->hold + 2 * record_max);
}

/*
 * A log named by a symbolic link is written through it only when nobody
 * else could have planted or swapped the link: the link belongs to root
 * or to us, and so does its folder, which no one else may write to
 * unless it is sticky (as /tmp). Otherwise a user who can write in the
 * log's folder could point the link at any file root can write, which
 * the log would truncate (O_TRUNC). /dev/stdout and the like are links
 * of root's in root's /dev: followed.
 */
static bool
link_trusted(const char *path, char *err, size_t errlen, const char *name)
{
	struct stat ln, dir;
	char parent[4200];
	const char *slash = strrchr(path, '/');
	uid_t me = geteuid();

	if (slash == NULL)
		snprintf(parent, sizeof(parent), ".");
	else if (slash == path)
		snprintf(parent, sizeof(parent), "/");
	else
		snprintf(
		    parent, sizeof(parent), "%.*s", (int)(slash - path), path);
	if (lstat(path, &ln) != 0 || stat(parent, &dir) != 0) {
		snprintf(err, errlen, "cannot write %s %s: %s", name, path,
		    strerror(errno));
		return false;
	}
	if (ln.st_uid != 0 && ln.st_uid != me) {
		snprintf(err, errlen,
		    "%s %s is a symbolic link of another user's (uid %u): "
		    "smtpscope does not write through it; name the file it "
		    "points to",
		    name, path, (unsigned)ln.st_uid);
		return false;
	}
	if ((dir.st_uid != 0 && dir.st_uid != me) ||
	    ((dir.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
		(dir.st_mode & S_ISVTX) == 0)) {
		snprintf(err, errlen,
		    "%s %s is a symbolic link in a folder other users can "
		    "change: smtpscope does not write through it; name the "
		    "file it points to",
		    name, path);
		return false;
	}
	return true;
}

/* recfile_open() and recfile_open_append(): mode is O_TRUNC or
 * O_APPEND. */
static int
open_path(struct recfile *rf, const char *path, const char *name, size_t batch,
    size_t record_max, int mode, char *err, size_t errlen)
{
	char full[4200];
	int fd;

	if (strcmp(path, "-") == 0) {
		snprintf(full, sizeof(full), "%s (standard output)", name);
		recfile_init_fd(
		    rf, STDOUT_FILENO, false, full, batch, record_max);
		return 0;
	}
	fd = open(path,
	    O_WRONLY | O_CREAT | mode | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW,
	    0666);
	if (fd < 0 && errno == ELOOP) {
		if (!link_trusted(path, err, errlen, name))
			return -1;
		fd = open(path,
		    O_WRONLY | O_CREAT | mode | O_NOCTTY | O_CLOEXEC, 0666);
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot write %s %s: %s", name, path,
		    strerror(errno));
		return -1;
	}
	snprintf(full, sizeof(full), "%s %s", name, path);
	recfile_init_fd(rf, fd, true, full, batch, record_max);
	return 0;
}

int
recfile_open(struct recfile *rf, const char *path, const char *name,
    size_t batch, size_t record_max, char *err, size_t errlen)
{
	return open_path(
	    rf, path, name, batch, record_max, O_TRUNC, err, errlen);
}

int
recfile_open_append(struct recfile *rf, const char *path, const char *name,
    size_t batch, size_t record_max, char *err, size_t errlen)
{
	return open_path(
	    rf, path, name, batch, record_max, O_APPEND, err, errlen);
}

struct dbuf *
recfile_begin(struct recfile *rf)
{
	rf->rec_start = rf->buf.len;
	return &rf->buf;
}

/* Records (the newest first) given up: counted as not written. */
static void
drop_newest(struct recfile *rf, size_t keep)
{
	while (rf->nmarks > keep) {
		struct recfile_mark *m = &rf->marks[--rf->nmarks];

		if (m->counted) {
			rf->not_written++;
			rf->spell++;
		}
	}
	rf->buf.len = rf->nmarks > 0 ? rf->marks[rf->nmarks - 1].end : 0;
	rf->rec_start = rf->buf.len;
	if (rf->nmarks == 0)
		rf->partial = false;
}

/* The first n bytes of buf are done with: the first k records wholly. */
static void
consume(struct recfile *rf, size_t n, size_t k)
{
	size_t i;

	for (i = 0; i < k; i++)
		if (rf->marks[i].counted)
			rf->written++;
	rf->size += n;
	memmove(
	    rf->marks, rf->marks + k, (rf->nmarks - k) * sizeof(*rf->marks));
	rf->nmarks -= k;
	for (i = 0; i < rf->nmarks; i++)
		rf->marks[i].end -= n;
	if (n < rf->buf.len)
		memmove(rf->buf.p, rf->buf.p + n, rf->buf.len - n);
	rf->buf.len -= n;
	rf->rec_start = rf->buf.len;
	if (n > 0)
		rf->partial = false; /* what is left starts a record */
}

/*
 * A write failed with err after written bytes of the held records went
 * out. A regular file is cut back to the end of the last whole record
 * among them; elsewhere the rest of a record begun stays first in line.
 */
static void
write_failed(struct recfile *rf, size_t written, int err)
{
	size_t k = 0, whole = 0;
	bool cut = false;

	while (k < rf->nmarks && rf->marks[k].end <= written)
		whole = rf->marks[k++].end;
	if (err == EPIPE) {
		/* No one reads any more: nothing more is written. */
		consume(rf, written, k);
		rf->broken_pipe = true;
		rf->errnum = EPIPE;
		drop_newest(rf, 0);
		return;
	}
	if (written > whole && rf->seekable) {
		off_t end = lseek(rf->fd, 0, SEEK_CUR);
		off_t to = end - (off_t)(written - whole);

		if (end >= 0 && ftruncate(rf->fd, to) == 0 &&
		    lseek(rf->fd, to, SEEK_SET) == to)
			cut = true;
	}
	if (written > whole && !cut) {
		/* Part of a record is out and cannot be taken back: the
		 * rest goes first, when writes succeed again. */
		consume(rf, written, k);
		rf->partial = true;
	} else {
		consume(rf, whole, k);
	}
	/* Hold at most rf->hold bytes, at least the first record. */
	if (rf->buf.len > rf->hold && rf->nmarks > 1) {
		size_t keep = 1;

		while (keep < rf->nmarks && rf->marks[keep].end <= rf->hold)
			keep++;
		drop_newest(rf, keep);
	}
	rf->errnum = err;
	rf->next_try = mono_now() + RECFILE_RETRY_SEC;
	if (!rf->failing) {
		rf->failing = true;
		say(rf,
		    "%s: %s; the run goes on: %zu KiB of records wait for a "
		    "new try every second, others are counted and skipped",
		    rf->name, strerror(err), rf->hold >> 10);
	}
}

void
recfile_flush(struct recfile *rf, bool force)
{
	size_t len, done = 0;
	ssize_t w;

	if (rf->nmarks == 0 || rf->broken_pipe)
		return;
	if (rf->failing && !force && mono_now() < rf->next_try)
		return;
	len = rf->marks[rf->nmarks - 1].end;
	while (done < len) {
		w = write(rf->fd, rf->buf.p + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			write_failed(rf, done, w < 0 ? errno : ENOSPC);
			return;
		}
		done += (size_t)w;
	}
	consume(rf, len, rf->nmarks);
	if (rf->failing) {
		rf->failing = false;
		if (rf->spell == 0)
			say(rf, "%s: writing again; no record was lost",
			    rf->name);
		else
			say(rf,
			    "%s: writing again; %" PRIu64 " record%s not "
			    "written",
			    rf->name, rf->spell,
			    rf->spell == 1 ? " was" : "s were");
		rf->spell = 0;
	}
}

bool
recfile_end(struct recfile *rf, bool counted)
{
	struct recfile_mark *m;

	if (rf->buf.truncated || rf->broken_pipe) {
		/* Never a cut record. */
		rf->buf.len = rf->rec_start;
		rf->buf.truncated = false;
		if (counted) {
			rf->not_written++;
			rf->spell++;
		}
		return false;
	}
	if (rf->buf.len == rf->rec_start)
		return true; /* nothing in it */
	if (rf->nmarks == rf->marks_cap) {
		rf->marks_cap = rf->marks_cap ? rf->marks_cap * 2 : 256;
		rf->marks =
		    xrealloc(rf->marks, rf->marks_cap * sizeof(*rf->marks));
	}
	m = &rf->marks[rf->nmarks++];
	m->end = rf->buf.len;
	m->counted = counted;
	rf->rec_start = rf->buf.len;
	if (rf->buf.len >= rf->batch || rf->nmarks >= RECFILE_MARKS_MAX) {
		recfile_flush(rf, false);
		/* Still failing: what is held stays, this one is given up
		 * when there is no room for it. */
		if (rf->failing &&
		    (rf->buf.len > rf->hold ||
			rf->nmarks >= RECFILE_MARKS_MAX) &&
		    rf->nmarks > 1)
			drop_newest(rf, rf->nmarks - 1);
	}
	return true;
}

bool
recfile_add(struct recfile *rf, const void *p, size_t n, bool counted)
{
	dbuf_add(recfile_begin(rf), p, n);
	return recfile_end(rf, counted);
}

void
recfile_settle(struct recfile *rf)
{
	recfile_flush(rf, true);
	if (rf->failing) {
		rf->cut |= rf->partial;
		drop_newest(rf, 0);
	}
}

int
recfile_close(struct recfile *rf)
{
	bool was_failing = rf->failing;
	int rc = 0;

	recfile_settle(rf);
	if (rf->failing) {
		bool cut = rf->cut;

		say(rf, "%s: %s%s; %" PRIu64 " record%s not written%s",
		    rf->name, strerror(rf->errnum),
		    was_failing ? ", still at the end" : "", rf->not_written,
		    rf->not_written == 1 ? " was" : "s were",
		    cut ? " (the last one is cut: a pipe cannot be taken "
			  "back)"
			: "");
	}
	if (rf->not_written > 0 || rf->broken_pipe)
		rc = -1;
	if (rf->own_fd && rf->fd >= 0 && close(rf->fd) != 0 && rc == 0) {
		/* Too late to take anything back (NFS): say so. */
		rf->errnum = errno;
		say(rf, "%s: %s when closing it", rf->name,
		    strerror(rf->errnum));
		rc = -1;
	}
	rf->fd = -1;
	dbuf_free(&rf->buf);
	free(rf->marks);
	rf->marks = NULL;
	rf->nmarks = rf->marks_cap = 0;
	free(rf->name);
	rf->name = NULL;
	return rc;
}
