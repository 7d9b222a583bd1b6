/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the writer of whole records (src/lib/recfile.c) on outputs
 * that fail for real, without root: a regular file over RLIMIT_FSIZE
 * (EFBIG after a partial write: cut back to the last whole record, then
 * written again once the limit is lifted), /dev/full (ENOSPC: every
 * record counted, one sentence when it fails and one at the end), a
 * non-blocking pipe that is full (a partial write that cannot be taken
 * back: the rest of the record goes first), a pipe whose reader went
 * away (EPIPE: nothing said), and the cap on what is held.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/recfile.h"

#include "check.h"

static char said[16][512];
static int nsaid;

static void
say(void *arg, const char *msg)
{
	(void)arg;
	if (nsaid < 16)
		snprintf(said[nsaid], sizeof(said[0]), "%s", msg);
	nsaid++;
}

/* Record i: 100 bytes, "rec NNNNNN " then dots, then a newline. */
static void
put_record(struct recfile *rf, unsigned i)
{
	struct dbuf *b = recfile_begin(rf);
	char head[16];

	snprintf(head, sizeof(head), "rec %06u ", i);
	dbuf_adds(b, head);
	while (b->len - rf->rec_start < 99)
		dbuf_addc(b, '.');
	dbuf_addc(b, '\n');
	recfile_end(rf, true);
}

/* Every line of the file a whole record, in increasing order; their
 * number in *n. */
static bool
whole_records(const char *path, unsigned *n)
{
	char line[256];
	unsigned prev = 0, v;
	bool first = true, ok = true;
	FILE *f = fopen(path, "r");

	*n = 0;
	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strlen(line) != 100 || line[99] != '\n' ||
		    sscanf(line, "rec %u ", &v) != 1 || (!first && v <= prev))
			ok = false;
		prev = v;
		first = false;
		(*n)++;
	}
	fclose(f);
	return ok;
}

static void
test_file_limit(void)
{
	char path[] = "/tmp/test_recfile.XXXXXX";
	struct rlimit rl, old;
	struct recfile rf;
	unsigned i, n;
	struct stat sb;
	int fd = mkstemp(path);

	CHECKF(fd >= 0, "fsize: temp file");
	if (fd < 0)
		return;
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	nsaid = 0;
	recfile_init_fd(&rf, fd, true, "the test log", 512, 4096);
	rf.say = say;
	/* 1050 bytes: the 11th record is cut by the limit. */
	rl.rlim_cur = 1050;
	rl.rlim_max = old.rlim_max;
	setrlimit(RLIMIT_FSIZE, &rl);
	for (i = 0; i < 30; i++)
		put_record(&rf, i);
	CHECKF(rf.failing && rf.errnum == EFBIG, "fsize: failing");
	CHECKF(nsaid == 1 &&
		strstr(said[0], "the test log: File too large") == said[0],
	    "fsize: one sentence");
	CHECKF(fstat(fd, &sb) == 0 && sb.st_size == 1000,
	    "fsize: cut back to whole records");
	CHECKF(rf.written == 10, "fsize: whole records written");
	CHECKF(rf.nmarks == 20, "fsize: held");
	CHECKF(rf.written + rf.nmarks + rf.not_written == 30,
	    "fsize: all counted");
	/* No new try before a second has passed. */
	put_record(&rf, 30);
	CHECKF(rf.failing && nsaid == 1, "fsize: no try before its time");
	/* Space returns. */
	setrlimit(RLIMIT_FSIZE, &old);
	recfile_flush(&rf, true);
	CHECKF(!rf.failing && nsaid == 2 &&
		strstr(said[1], "writing again; ") != NULL,
	    "fsize: writing again");
	for (i = 31; i < 40; i++)
		put_record(&rf, i);
	/* Everything held was written: nothing lost. */
	CHECKF(recfile_close(&rf) == 0, "fsize: close");
	CHECKF(whole_records(path, &n) && n == rf.written,
	    "fsize: the file holds whole records");
	CHECKF(rf.written == 40 && n == 40, "fsize: all written");
	CHECKF(nsaid == 2, "fsize: nothing more said");
	unlink(path);
}

static void
test_dev_full(void)
{
	struct recfile rf;
	char err[256];
	unsigned i;

	nsaid = 0;
	if (recfile_open(&rf, "/dev/full", "the log", 1000, 4096, err,
		sizeof(err)) != 0) {
		CHECKF(false, "full: open /dev/full");
		return;
	}
	rf.say = say;
	for (i = 0; i < 1000; i++)
		put_record(&rf, i);
	CHECKF(rf.failing && rf.errnum == ENOSPC && nsaid == 1,
	    "full: failing, one sentence");
	CHECKF(
	    rf.buf.len <= RECFILE_HOLD_MIN + 100, "full: never more than held");
	CHECKF(recfile_close(&rf) == -1, "full: close");
	CHECKF(rf.not_written == 1000 && rf.written == 0,
	    "full: every record counted");
	CHECKF(nsaid == 2 &&
		strstr(said[1], "1000 records were not written") != NULL,
	    "full: a sentence at the end");
}

static void
test_pipe_partial(void)
{
	struct recfile rf;
	char *got = NULL;
	size_t gotlen = 0, i;
	ssize_t r;
	char buf[65536];
	int p[2], fill = 0;
	bool whole = true;

	if (pipe(p) != 0) {
		CHECKF(false, "pipe");
		return;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	nsaid = 0;
	/* Writes over PIPE_BUF are not atomic: one is written in part. */
	recfile_init_fd(&rf, p[1], true, "the pipe", 8192, 4096);
	rf.say = say;
	/* Records until the pipe is full: one of them written in part. */
	while (!rf.failing && fill < 100000)
		put_record(&rf, (unsigned)fill++);
	CHECKF(rf.failing && nsaid == 1, "pipe: failing (EAGAIN)");
	CHECKF(rf.partial, "pipe: a record begun");
	/* Drain, then the rest goes first. */
	while ((r = read(p[0], buf, sizeof(buf))) > 0) {
		got = realloc(got, gotlen + (size_t)r);
		memcpy(got + gotlen, buf, (size_t)r);
		gotlen += (size_t)r;
	}
	recfile_flush(&rf, true);
	CHECKF(!rf.failing && nsaid == 2, "pipe: writing again");
	close(p[1]);
	rf.own_fd = false;
	while ((r = read(p[0], buf, sizeof(buf))) > 0) {
		got = realloc(got, gotlen + (size_t)r);
		memcpy(got + gotlen, buf, (size_t)r);
		gotlen += (size_t)r;
	}
	close(p[0]);
	CHECKF(gotlen % 100 == 0, "pipe: whole lines");
	for (i = 0; i + 100 <= gotlen; i += 100)
		if (got[i] != 'r' || got[i + 99] != '\n')
			whole = false;
	CHECKF(whole, "pipe: each line a record");
	CHECKF(rf.written * 100 == gotlen &&
		rf.written + rf.not_written == (uint64_t)fill,
	    "pipe: counted");
	recfile_close(&rf);
	free(got);
}

static void
test_epipe(void)
{
	struct recfile rf;
	int p[2];

	if (pipe(p) != 0) {
		CHECKF(false, "epipe");
		return;
	}
	signal(SIGPIPE, SIG_IGN);
	close(p[0]);
	nsaid = 0;
	recfile_init_fd(&rf, p[1], true, "the pipe", 0, 4096);
	rf.say = say;
	put_record(&rf, 1);
	put_record(&rf, 2);
	CHECKF(rf.broken_pipe && !rf.failing && nsaid == 0,
	    "epipe: broken, nothing said");
	CHECKF(recfile_close(&rf) == -1 && nsaid == 0, "epipe: close");
}

int
main(void)
{
	test_file_limit();
	test_dev_full();
	test_pipe_partial();
	test_epipe();
	return check_done("recfile");
}
