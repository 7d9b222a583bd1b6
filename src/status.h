/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpscope's exit statuses, all of them (documented in the README's
 * "Exit status" and the man page's EXIT STATUS).
 */
#ifndef SMTPSCOPE_STATUS_H
#define SMTPSCOPE_STATUS_H

enum {
	EXIT_OK = 0,
	EXIT_DAMAGED = 1, /* input damaged: results cover what was read */
	EXIT_USAGE = 2,
	EXIT_NO_INPUT = 3, /* a capture could not be opened */
	EXIT_OUTPUT = 4,   /* a log could not be written */
	/* Standard output was a pipe (or socket) whose reader went away:
	 * the run stopped at once. 128 + SIGPIPE, what a shell shows for a
	 * program that a broken pipe killed; smtpscope still finishes its
	 * other outputs. */
	EXIT_BROKEN_PIPE = 141,
};

#endif
