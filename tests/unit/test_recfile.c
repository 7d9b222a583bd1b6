/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the writer of whole records (src/recfile.c) on outputs
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

#include "recfile.h"

static int passed, failed;

#define CHECK(name, cond) \
	do { \
		if (cond) \
			passed++; \
		else { \
			failed++; \
			fprintf( \
			    stderr, "FAIL %s (line %d)\n", name, __LINE__); \
		} \
	} while (0)

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

	CHECK("fsize: temp file", fd >= 0);
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
	CHECK("fsize: failing", rf.failing && rf.errnum == EFBIG);
	CHECK("fsize: one sentence",
	    nsaid == 1 &&
		strstr(said[0], "the test log: File too large") == said[0]);
	CHECK("fsize: cut back to whole records",
	    fstat(fd, &sb) == 0 && sb.st_size == 1000);
	CHECK("fsize: whole records written", rf.written == 10);
	CHECK("fsize: held", rf.nmarks == 20);
	CHECK("fsize: all counted",
	    rf.written + rf.nmarks + rf.not_written == 30);
	/* No new try before a second has passed. */
	put_record(&rf, 30);
	CHECK("fsize: no try before its time", rf.failing && nsaid == 1);
	/* Space returns. */
	setrlimit(RLIMIT_FSIZE, &old);
	recfile_flush(&rf, true);
	CHECK("fsize: writing again",
	    !rf.failing && nsaid == 2 &&
		strstr(said[1], "writing again; ") != NULL);
	for (i = 31; i < 40; i++)
		put_record(&rf, i);
	/* Everything held was written: nothing lost. */
	CHECK("fsize: close", recfile_close(&rf) == 0);
	CHECK("fsize: the file holds whole records",
	    whole_records(path, &n) && n == rf.written);
	CHECK("fsize: all written", rf.written == 40 && n == 40);
	CHECK("fsize: nothing more said", nsaid == 2);
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
		CHECK("full: open /dev/full", false);
		return;
	}
	rf.say = say;
	for (i = 0; i < 1000; i++)
		put_record(&rf, i);
	CHECK("full: failing, one sentence",
	    rf.failing && rf.errnum == ENOSPC && nsaid == 1);
	CHECK(
	    "full: never more than held", rf.buf.len <= RECFILE_HOLD_MIN + 100);
	CHECK("full: close", recfile_close(&rf) == -1);
	CHECK("full: every record counted",
	    rf.not_written == 1000 && rf.written == 0);
	CHECK("full: a sentence at the end",
	    nsaid == 2 &&
		strstr(said[1], "1000 records were not written") != NULL);
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
		CHECK("pipe", false);
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
	CHECK("pipe: failing (EAGAIN)", rf.failing && nsaid == 1);
	CHECK("pipe: a record begun", rf.partial);
	/* Drain, then the rest goes first. */
	while ((r = read(p[0], buf, sizeof(buf))) > 0) {
		got = realloc(got, gotlen + (size_t)r);
		memcpy(got + gotlen, buf, (size_t)r);
		gotlen += (size_t)r;
	}
	recfile_flush(&rf, true);
	CHECK("pipe: writing again", !rf.failing && nsaid == 2);
	close(p[1]);
	rf.own_fd = false;
	while ((r = read(p[0], buf, sizeof(buf))) > 0) {
		got = realloc(got, gotlen + (size_t)r);
		memcpy(got + gotlen, buf, (size_t)r);
		gotlen += (size_t)r;
	}
	close(p[0]);
	CHECK("pipe: whole lines", gotlen % 100 == 0);
	for (i = 0; i + 100 <= gotlen; i += 100)
		if (got[i] != 'r' || got[i + 99] != '\n')
			whole = false;
	CHECK("pipe: each line a record", whole);
	CHECK("pipe: counted",
	    rf.written * 100 == gotlen &&
		rf.written + rf.not_written == (uint64_t)fill);
	recfile_close(&rf);
	free(got);
}

static void
test_epipe(void)
{
	struct recfile rf;
	int p[2];

	if (pipe(p) != 0) {
		CHECK("epipe", false);
		return;
	}
	signal(SIGPIPE, SIG_IGN);
	close(p[0]);
	nsaid = 0;
	recfile_init_fd(&rf, p[1], true, "the pipe", 0, 4096);
	rf.say = say;
	put_record(&rf, 1);
	put_record(&rf, 2);
	CHECK("epipe: broken, nothing said",
	    rf.broken_pipe && !rf.failing && nsaid == 0);
	CHECK("epipe: close", recfile_close(&rf) == -1 && nsaid == 0);
}

int
main(void)
{
	test_file_limit();
	test_dev_full();
	test_pipe_partial();
	test_epipe();
	printf("recfile: %d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
