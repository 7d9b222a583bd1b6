/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fixed-bucket histograms (logarithmic: 10 buckets a decade) and rate
 * series (per second and per minute, in rings): bounded memory whatever
 * the traffic.
 */
#ifndef SMTPSCOPE_HISTO_H
#define SMTPSCOPE_HISTO_H

#include <stdint.h>

#define HISTO_BUCKETS 120 /* 10 a decade over 12 decades */

struct histo {
	double base;     /* lower edge of bucket 0 (values below count there) */
	double per_base; /* 1 / base */
	uint64_t b[HISTO_BUCKETS];
	uint64_t n;
	double sum, min, max;
};

void histo_init(struct histo *h, double base);
void histo_add(struct histo *h, double v);

/* A value with its bucket worked out once, for adding the same value to
 * several histograms of one base (a transaction's latency to each of
 * its breakdown rows). */
struct histo_point {
	double v;
	int bucket;
};
/* The point of v in the histograms of h's base. */
struct histo_point histo_point(const struct histo *h, double v);
/* As histo_add(h, p.v), for h of the base p was made for. */
void histo_add_point(struct histo *h, struct histo_point p);
/* Adds src's values to dst (of the same base): the histogram of both. */
void histo_merge(struct histo *dst, const struct histo *src);
/* The q-quantile (0..1), interpolated within its bucket; 0 when empty. */
double histo_quantile(const struct histo *h, double q);
/* Bucket i covers [lower, upper). */
double histo_bucket_lower(const struct histo *h, int i);

#define SERIES_SECONDS 600  /* the last 10 minutes, per second */
#define SERIES_MINUTES 1440 /* the last 24 hours, per minute */

enum series_kind {
	SERIES_SESSIONS,
	SERIES_ACCEPTED,
	SERIES_REJECTED,
	SERIES_TEMPFAIL,
	SERIES_LOST, /* cut off before the final reply */
	SERIES_KINDS
};

struct series {
	int64_t sec0; /* the second slot 0 stands for, in the ring */
	int64_t last_sec;
	uint32_t sec[SERIES_SECONDS][SERIES_KINDS];
	int64_t last_min;
	uint32_t min[SERIES_MINUTES][SERIES_KINDS];
	int64_t first_min; /* the first minute seen, -1 none */
	/* The slots of last_sec and last_min: most times fall in the last
	 * second, and need no division. */
	uint32_t last_sec_at, last_min_at;
};

void series_init(struct series *s);
void series_add(struct series *s, double ts, enum series_kind k);
/* Count in the minute / second starting at t (epoch), 0 if outside. */
uint32_t series_minute(
    const struct series *s, int64_t minute, enum series_kind k);
uint32_t series_second(
    const struct series *s, int64_t second, enum series_kind k);

/*
 * The whole span in fixed memory: TIMELINE_BUCKETS buckets whose width
 * grows with the span (1 s, 2 s, 10 s, 1 min, 5 min, 10 min, 1 h, 2 h,
 * 6 h, 1 day, 1 week, 4 weeks, 52 weeks, then tenfold), each width a
 * multiple of the one before, buckets aligned on multiples of their
 * width since the epoch (UTC): when a time falls outside, the width
 * grows and the buckets merge.
 */
#define TIMELINE_BUCKETS 720

struct timeline {
	int64_t width; /* seconds a bucket; 0 before the first time */
	int64_t start; /* the first bucket's start, a multiple of width */
	uint32_t b[TIMELINE_BUCKETS][SERIES_KINDS];
	/* The second counted last and its bucket (-1: none since the
	 * buckets last changed), for the times after it in that second. */
	int64_t last_sec;
	int last_at;
};

void timeline_init(struct timeline *t);
void timeline_add(struct timeline *t, double ts, enum series_kind k);
/* Buckets in use: from start to the last bucket with a count. */
int timeline_used(const struct timeline *t);

/*
 * Counts per hour since the epoch (UTC), for the per-hour and per-day
 * tables in UTC or local time: an open-addressed table of HOURS_SLOTS
 * hours (over 300 days of traffic every hour); hours past that are
 * left out and counted.
 */
#define HOURS_SLOTS 8192
#define HOURS_MAX (HOURS_SLOTS * 7 / 8)

struct hour_counts {
	int64_t hour; /* epoch hour + 1; 0 empty */
	uint32_t n[SERIES_KINDS];
};

struct hours {
	struct hour_counts h[HOURS_SLOTS];
	int64_t period; /* seconds: 3600 (hours), or 86400 (UTC days) */
	uint32_t used;
	uint32_t last;           /* the slot found last: tried first */
	uint64_t left_out;       /* counts of periods not kept */
	double last_lo, last_hi; /* the times last's period spans: no
				    division while they come in it */
};

/* Hours (period 3600) or, for spans past the hours kept, UTC days
 * (86400: 7,168 days, over 19 years). The field hour is then the
 * period's number + 1. */
void hours_init(struct hours *h, int64_t period);
void hours_add(struct hours *h, double ts, enum series_kind k);

#endif
