/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An output of whole records: the lines of a log, a session's dialogue.
 * Records are built one after the other in one buffer and written in
 * batches with write(2); a record reaches the output whole or not at all.
 *
 * A write that fails (a full disk, a quota, an I/O error) is taken back:
 * a regular file is cut back (ftruncate) to the end of the last whole
 * record written; on a pipe or a device, where nothing can be taken
 * back, the rest of the record begun waits and is written first when
 * writes succeed again, so the line ends whole. Meanwhile the run goes
 * on: the records held (up to the batch size, at least one) wait for a
 * new try, at most once a second; the records that come on top of them
 * are counted and skipped, never buffered. One sentence when writing
 * fails, one when it works again with the number of records lost, never
 * one per record. A reader of a pipe that went away (EPIPE) is the
 * caller's business: nothing more is written and nothing is said.
 *
 * Also in build/libsmtpscope-lib.a, which the plugins link (the
 * attachments plugin writes its log with it): it uses only util.c.
 */
#ifndef SMTPSCOPE_RECFILE_H
#define SMTPSCOPE_RECFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

#define RECFILE_RETRY_SEC 1.0        /* a failed output is tried this often */
#define RECFILE_HOLD_MIN (64u << 10) /* held while failing, at least */
#define RECFILE_MARKS_MAX 65536      /* records in one batch, at most */

/* Where a record ends in the buffer, and whether it counts as one. */
struct recfile_mark {
	size_t end;
	bool counted;
};

struct recfile {
	int fd;
	bool own_fd;     /* closed by recfile_close() */
	bool seekable;   /* a regular file: a failed write is cut back */
	char *name;      /* for sentences: "the log out/mail.jsonl" */
	struct dbuf buf; /* records not yet written, then the one being built */
	size_t rec_start;           /* where the record being built starts */
	struct recfile_mark *marks; /* the records in buf, in order */
	size_t nmarks, marks_cap;
	bool partial; /* the first record in buf is partly written (pipe) */
	bool cut;     /* and was given up: the output ends inside it */
	size_t batch; /* written when buf holds this much (0: each record) */
	size_t hold;  /* held while failing, at most */
	bool failing;
	bool broken_pipe;     /* EPIPE: the reader went away, nothing more */
	int errnum;           /* of the last failure */
	double next_try;      /* monotonic seconds */
	uint64_t written;     /* records written */
	uint64_t size;        /* bytes in the file: what it held when opened and
				 what was written since (--rotate-size) */
	uint64_t not_written; /* records counted and skipped, in all */
	uint64_t spell;       /* of them, since writing failed last */
	/* One sentence (no "smtpscope: " before it, no newline): stderr
	 * when NULL. */
	void (*say)(void *arg, const char *msg);
	void *say_arg;
};

/*
 * Opens path for writing ("-": standard output, never closed here),
 * created with mode 0666 less the umask, or fills err. A symbolic link
 * is followed only when neither it nor its folder can be changed by a
 * user other than root and us (a sticky folder such as /tmp counts as
 * safe): a log is truncated when opened, and a planted link would
 * point that at a file of root's. name is what
 * sentences call it ("the log"; the path is added). batch: bytes held
 * before a write (0: each record at once); record_max: the largest
 * record a caller builds (the buffer's cap is twice that on top of the
 * batch).
 */
int recfile_open(struct recfile *rf, const char *path, const char *name,
    size_t batch, size_t record_max, char *err, size_t errlen);
/*
 * The same, but an existing file is kept and written at its end
 * (O_APPEND): a log reopened (SIGHUP) or a rotated file named again
 * (a run restarted within its interval) loses nothing it held.
 */
int recfile_open_append(struct recfile *rf, const char *path, const char *name,
    size_t batch, size_t record_max, char *err, size_t errlen);
/* The same on a descriptor already open (not closed by recfile_close()
 * unless own_fd); name is used as it is. */
void recfile_init_fd(struct recfile *rf, int fd, bool own_fd, const char *name,
    size_t batch, size_t record_max);

/* The buffer to append one record to, from its current end. */
struct dbuf *recfile_begin(struct recfile *rf);
/*
 * The record appended since recfile_begin() is whole: it is held, and
 * the batch written when it is full. counted: whether it is a record to
 * count (a log's header lines are not). A record cut by the buffer's cap
 * is dropped and counted as not written; false then.
 */
bool recfile_end(struct recfile *rf, bool counted);
/* One record from p: begin, append, end. */
bool recfile_add(struct recfile *rf, const void *p, size_t n, bool counted);
/*
 * Writes the records held. While writing fails, only when a new try is
 * due, or at once when force. Never with a record being built.
 */
void recfile_flush(struct recfile *rf, bool force);
/*
 * A try now (forced); what still cannot be written is counted as not
 * written, so that not_written is final for the records so far (before
 * a summary that reports it).
 */
void recfile_settle(struct recfile *rf);
/*
 * A last try (forced); what still cannot be written is counted as not
 * written; the descriptor is closed if it is ours. Returns -1 when any
 * record was not written or the reader went away.
 */
int recfile_close(struct recfile *rf);

#endif
