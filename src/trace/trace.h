/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpscope trace: what happened to the mail a postmaster asks about,
 * from captures and from JSON logs (several, from several sensors,
 * merged by time): the transactions of every input are put in the order
 * they ended, followed across hops by the tracker (src/track/), and the
 * messages that match the question are printed as a path, or written as
 * `message` records with -w.
 */
#ifndef SMTPSCOPE_TRACE_H
#define SMTPSCOPE_TRACE_H

/* argv[0] is "trace"; returns the exit status. */
int trace_main(int argc, char **argv);

#endif
