/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpscope report: the text, JSON and HTML reports made again from
 * records (JSON logs, captures, a fleet's records in ClickHouse), for any
 * span and any set of sensors.
 */
#ifndef SMTPSCOPE_REPORTCMD_H
#define SMTPSCOPE_REPORTCMD_H

/* argv[0] is "report"; version: the program's, for the reports;
 * returns the exit status. */
int reportcmd_main(int argc, char **argv, const char *version);

#endif
