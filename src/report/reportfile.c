/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where a report is written (report.h, report_open()): smtpscope's own
 * --report -o and smtpscope report's -o alike.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "report/report.h"

/*
 * What a report may be written into in place: a FIFO, a terminal or
 * /dev/null. Never another device: a link planted at the report's name
 * could point at a disk, and merely opening some (a watchdog) acts.
 * Before the open (fd -1) a terminal is known by its major number (Linux:
 * 4 and 5 the consoles and /dev/tty, 136-143 the pseudo-terminals); after
 * it, by isatty().
 */
static bool
in_place_ok(const struct stat *sb, int fd)
{
	struct stat null;
	unsigned maj;

	if (S_ISFIFO(sb->st_mode))
		return true;
	if (!S_ISCHR(sb->st_mode))
		return false;
	if (stat("/dev/null", &null) == 0 && S_ISCHR(null.st_mode) &&
	    sb->st_rdev == null.st_rdev)
		return true;
	if (fd >= 0)
		return isatty(fd) != 0;
	maj = major(sb->st_rdev);
	return maj == 4 || maj == 5 || (maj >= 136 && maj <= 143);
}

/*
 * The report's file, or NULL after one sentence on stderr. A regular file
 * (or a new one) is replaced by rename() from a temporary file that
 * mkstemp() makes beside it, ".NAME.XXXXXX": its name cannot be guessed
 * and it is created with O_EXCL, so nothing planted in the folder (a link
 * at NAME.tmp to a root-owned file) is ever followed, and a reader (or a
 * SIGUSR1 snapshot) never sees half a report. A FIFO, a terminal or
 * /dev/null is written in place (renaming over /dev/null as root would
 * replace the device); anything else is refused.
 */
FILE *
report_open(
    const char *path, mode_t mode, char *tmp, size_t tmplen, bool *atomic)
{
	const char *slash = strrchr(path, '/');
	struct stat sb;
	bool exists;
	FILE *f;
	int fd;

	*atomic = false;
	tmp[0] = '\0';
	exists = stat(path, &sb) == 0;
	if (!exists && errno != ENOENT) {
		fprintf(stderr, "smtpscope: cannot write the report %s: %s\n",
		    path, strerror(errno));
		return NULL;
	}
	if (!exists || S_ISREG(sb.st_mode)) {
		*atomic = true;
		int n = slash != NULL
		    ? snprintf(tmp, tmplen, "%.*s/.%s.XXXXXX",
			  (int)(slash - path), path, slash + 1)
		    : snprintf(tmp, tmplen, ".%s.XXXXXX", path);

		if (n < 0 || (size_t)n + 1 >= tmplen ||
		    (fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
			if (n >= 0 && (size_t)n + 1 >= tmplen)
				errno = ENAMETOOLONG;
			fprintf(stderr,
			    "smtpscope: cannot write the report %s: no "
			    "temporary file beside it: %s\n",
			    path, strerror(errno));
			tmp[0] = '\0';
			return NULL;
		}
		/* mkstemp() makes it 0600: the report's mode as a new file
		 * of ours would have (mode: --umask's). */
		(void)fchmod(fd, mode);
	} else {
		if (!in_place_ok(&sb, -1))
			goto refuse;
		fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr,
			    "smtpscope: cannot write the report %s: %s\n", path,
			    strerror(errno));
			return NULL;
		}
		if (fstat(fd, &sb) != 0 || !in_place_ok(&sb, fd)) {
			close(fd);
			goto refuse;
		}
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "smtpscope: cannot write the report %s: %s\n",
		    path, strerror(errno));
		close(fd);
		if (*atomic)
			unlink(tmp);
		return NULL;
	}
	return f;
refuse:
	fprintf(stderr,
	    "smtpscope: the report %s is neither a regular file nor a FIFO, "
	    "a terminal or /dev/null: not written\n",
	    path);
	return NULL;
}
