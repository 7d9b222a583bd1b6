/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The per-day and per-hour tables and the whole-span timeline of the
 * reports, in UTC or (--localtime) in the zone of the TZ variable, from
 * the statistics store's hours (sinks/histo.h). Each report format
 * prints the same rows.
 */
#ifndef SMTPSCOPE_TIMETAB_H
#define SMTPSCOPE_TIMETAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sinks/stats.h"

struct time_row {
	int64_t start;  /* epoch seconds: its first hour with counts */
	char label[32]; /* "2024-05-01", "13", "2024-05-01 13:00" */
	uint64_t n[SERIES_KINDS];
};

struct time_tables {
	struct time_row *days; /* by date, oldest first */
	size_t ndays;
	struct time_row hours[24]; /* by hour of the day, all days */
	uint64_t total[SERIES_KINDS];
	uint64_t left_out; /* events of hours the store did not keep */
	/* Over the hours kept: the days are the store's UTC days (whole,
	 * unless days_left_out), the hours of the day miss left_out. */
	bool days_utc;
	uint64_t days_left_out;
	char zone[48]; /* "UTC", or "local (CET, +01:00)" */
};

/* Build them (free with time_tables_free()). */
void time_tables_build(
    struct time_tables *tt, const struct stats *st, bool local);
void time_tables_free(struct time_tables *tt);
/* A time as the reports write it, in UTC or local time. */
void time_label(double ts, bool local, bool with_time, char *buf, size_t n);
const char *series_kind_name(enum series_kind k);

#endif
