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
};

void series_init(struct series *s);
void series_add(struct series *s, double ts, enum series_kind k);
/* Count in the minute / second starting at t (epoch), 0 if outside. */
uint32_t series_minute(
    const struct series *s, int64_t minute, enum series_kind k);
uint32_t series_second(
    const struct series *s, int64_t second, enum series_kind k);

#endif
