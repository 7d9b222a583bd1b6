/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: smtpscope report on a JSON log (src/trace/records.c,
 * src/trace/reportcmd.c), the input being the log: every line parsed,
 * each record turned back into the events it was made of, counted by the
 * statistics store, followed across hops by the tracker, and the three
 * reports written (to /dev/null). A log is input like any other: no
 * value in it may crash, hang or grow memory without bound. Seeds: the
 * logs of tests/fuzz/corpus/records (whole smtpscope -w logs of our
 * captures); dictionary tests/fuzz/json.dict.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "trace/reportcmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char path[64];
	char *argv[] = { "report", "-f", "json", "-o", "/dev/null", "-f",
		"text", "-o", "/dev/null", "-f", "html", "-o", "/dev/null",
		"--track-window", "60", path, NULL };

	if (fd < 0 && (fd = memfd_create("log", 0)) < 0)
		abort();
	/* A line end first: read as a log, never as a capture (which
	 * would run /proc/self/exe: this program). */
	if (ftruncate(fd, 0) != 0 || pwrite(fd, "\n", 1, 0) != 1 ||
	    (size > 0 && pwrite(fd, data, size, 1) != (ssize_t)size))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	(void)reportcmd_main(16, argv, "fuzz");
	return 0;
}
