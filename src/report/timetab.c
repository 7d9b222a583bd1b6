/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "report/timetab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/util.h"

const char *
series_kind_name(enum series_kind k)
{
	static const char *const n[SERIES_KINDS] = { "sessions", "accepted",
		"rejected", "tempfail", "lost" };

	return (unsigned)k < SERIES_KINDS ? n[k] : "?";
}

/* The broken-down time of t, in UTC or local time. */
static bool
broken_down(int64_t t, bool local, struct tm *tm)
{
	time_t tt = (time_t)t;

	return (local ? localtime_r(&tt, tm) : gmtime_r(&tt, tm)) != NULL;
}

void
time_label(double ts, bool local, bool with_time, char *buf, size_t n)
{
	struct tm tm;

	if (!(ts >= 0) || ts > 253402300799.0 ||
	    !broken_down((int64_t)ts, local, &tm) ||
	    strftime(buf, n, with_time ? "%Y-%m-%d %H:%M" : "%Y-%m-%d", &tm) ==
		0)
		snprintf(buf, n, "-");
}

static int
by_start(const void *a, const void *b)
{
	const struct time_row *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static void
zone_name(struct time_tables *tt, const struct stats *st, bool local)
{
	struct tm tm;
	long off;

	if (!local) {
		snprintf(tt->zone, sizeof(tt->zone), "UTC");
		return;
	}
	if (!broken_down((int64_t)st->last_ts, true, &tm)) {
		snprintf(tt->zone, sizeof(tt->zone), "local");
		return;
	}
	off = tm.tm_gmtoff;
	snprintf(tt->zone, sizeof(tt->zone), "local (%.16s, %c%02ld:%02ld)",
	    tm.tm_zone != NULL ? tm.tm_zone : "?", off < 0 ? '-' : '+',
	    labs(off) / 3600, labs(off) % 3600 / 60);
}

/* The days from the store's UTC days, when hours were left out. */
static void
utc_days(struct time_tables *tt, const struct hours *days)
{
	struct time_row *rows;
	struct tm tm;
	size_t i, n = 0;
	int k;

	rows = xmalloc((days->used + 1) * sizeof(*rows));
	for (i = 0; i < HOURS_SLOTS; i++) {
		const struct hour_counts *c = &days->h[i];

		if (c->hour == 0)
			continue;
		memset(&rows[n], 0, sizeof(rows[n]));
		rows[n].start = (c->hour - 1) * 86400;
		if (!broken_down(rows[n].start, false, &tm))
			continue;
		strftime(rows[n].label, sizeof(rows[n].label), "%Y-%m-%d", &tm);
		for (k = 0; k < SERIES_KINDS; k++)
			rows[n].n[k] = c->n[k];
		n++;
	}
	qsort(rows, n, sizeof(rows[0]), by_start);
	free(tt->days);
	tt->days = rows;
	tt->ndays = n;
	tt->days_utc = true;
	tt->days_left_out = days->left_out;
}

void
time_tables_build(struct time_tables *tt, const struct stats *st, bool local)
{
	const struct hours *h = &st->hours;
	struct time_row *rows;
	struct tm tm;
	size_t i, n = 0, d;
	int k;

	memset(tt, 0, sizeof(*tt));
	zone_name(tt, st, local);
	for (i = 0; i < 24; i++)
		snprintf(
		    tt->hours[i].label, sizeof(tt->hours[i].label), "%02zu", i);
	tt->left_out = h->left_out;
	/* One row an hour kept, at its day's start in the zone. */
	rows = xmalloc((h->used + 1) * sizeof(*rows));
	for (i = 0; i < HOURS_SLOTS; i++) {
		const struct hour_counts *c = &h->h[i];
		int64_t t;

		if (c->hour == 0)
			continue;
		t = (c->hour - 1) * 3600;
		if (!broken_down(t, local, &tm))
			continue;
		memset(&rows[n], 0, sizeof(rows[n]));
		rows[n].start = t;
		strftime(rows[n].label, sizeof(rows[n].label), "%Y-%m-%d", &tm);
		for (k = 0; k < SERIES_KINDS; k++) {
			rows[n].n[k] = c->n[k];
			tt->hours[tm.tm_hour].n[k] += c->n[k];
			tt->total[k] += c->n[k];
		}
		n++;
	}
	qsort(rows, n, sizeof(rows[0]), by_start);
	/* Hours of one day into one row (its first hour's start). */
	for (i = 0, d = 0; i < n; i++) {
		if (d > 0 && strcmp(rows[d - 1].label, rows[i].label) == 0) {
			for (k = 0; k < SERIES_KINDS; k++)
				rows[d - 1].n[k] += rows[i].n[k];
			continue;
		}
		rows[d++] = rows[i];
	}
	tt->days = rows;
	tt->ndays = d;
	if (h->left_out > 0)
		utc_days(tt, &st->days);
}

void
time_tables_free(struct time_tables *tt)
{
	free(tt->days);
	tt->days = NULL;
	tt->ndays = 0;
}
