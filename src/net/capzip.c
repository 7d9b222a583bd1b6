/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Compressed captures (capture_int.h): a file that starts with the magic
 * number of gzip, xz, zstd or bzip2 is read through that program's
 * decompressor in a child process (as "gzip -dc < FILE"), whose output
 * libpcap reads as a stream; its exit status says at the end whether
 * the compressed file was whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/util.h"
#include "net/capture_int.h"

static const struct capzip_kind {
	uint8_t magic[6];
	size_t len;
	const char *prog;    /* its decompressor, on PATH */
	const char *package; /* Debian's package of it */
} kinds[] = {
	{ { 0x1f, 0x8b }, 2, "gzip", "gzip" },
	{ { 0xfd, '7', 'z', 'X', 'Z', 0 }, 6, "xz", "xz-utils" },
	{ { 0x28, 0xb5, 0x2f, 0xfd }, 4, "zstd", "zstd" },
	{ { 'B', 'Z', 'h' }, 3, "bzip2", "bzip2" },
};

const char *
capzip_kind(const char *name)
{
	uint8_t head[6];
	ssize_t n;
	size_t i;
	int fd = open(name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	n = pread(fd, head, sizeof(head), 0);
	close(fd);
	for (i = 0; n > 0 && i < ARRAY_LEN(kinds); i++)
		if ((size_t)n >= kinds[i].len &&
		    memcmp(head, kinds[i].magic, kinds[i].len) == 0)
			return kinds[i].prog;
	return NULL;
}

/* The path of prog on PATH into buf, or false. */
static bool
on_path(const char *prog, char *buf, size_t size)
{
	const char *path = getenv("PATH");
	const char *p, *end;

	if (path == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		if (end == p)
			continue;
		if ((size_t)snprintf(
			buf, size, "%.*s/%s", (int)(end - p), p, prog) < size &&
		    access(buf, X_OK) == 0)
			return true;
	}
	return false;
}

static const struct capzip_kind *
kind_of(const char *prog)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(kinds); i++)
		if (strcmp(kinds[i].prog, prog) == 0)
			return &kinds[i];
	return NULL;
}

FILE *
capzip_open(
    const char *name, const char *prog, pid_t *pid, char *err, size_t errlen)
{
	const struct capzip_kind *k = kind_of(prog);
	char path[4096];
	int in, fds[2];
	FILE *fp;

	*pid = -1;
	if (k == NULL || !on_path(prog, path, sizeof(path))) {
		snprintf(err, errlen,
		    "%s is compressed with %s, which is not installed "
		    "(apt-get install %s)",
		    name, prog, k != NULL ? k->package : prog);
		return NULL;
	}
	if ((in = open(name, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(
		    err, errlen, "cannot read %s: %s", name, strerror(errno));
		return NULL;
	}
	if (pipe2(fds, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "cannot decompress %s: %s", name,
		    strerror(errno));
		close(in);
		return NULL;
	}
	fflush(NULL);
	*pid = fork();
	if (*pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		/* The child: FILE in, the stream out, its complaints
		 * away (its exit status says enough). */
		signal(SIGPIPE, SIG_DFL);
		if (dup2(in, 0) < 0 || dup2(fds[1], 1) < 0 ||
		    (null >= 0 && dup2(null, 2) < 0))
			_exit(126);
		execl(path, prog, "-dc", (char *)NULL);
		_exit(127);
	}
	close(in);
	close(fds[1]);
	if (*pid < 0) {
		snprintf(err, errlen, "cannot decompress %s: %s", name,
		    strerror(errno));
		close(fds[0]);
		return NULL;
	}
	if ((fp = fdopen(fds[0], "rb")) == NULL) {
		snprintf(err, errlen, "cannot decompress %s: %s", name,
		    strerror(errno));
		close(fds[0]);
		capzip_reap(*pid, true);
		*pid = -1;
	}
	return fp;
}

int
capzip_reap(pid_t pid, bool stop)
{
	int st;

	if (pid <= 0)
		return 0;
	if (stop)
		kill(pid, SIGTERM);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 0;
	if (stop)
		return 0;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	/* Killed by a signal: SIGPIPE when the reader closed first. */
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE ? 0 : 128;
}
