/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sinks/histo.h"

#include <math.h>
#include <string.h>

void
histo_init(struct histo *h, double base)
{
	memset(h, 0, sizeof(*h));
	h->base = base;
	h->per_base = 1.0 / base;
}

/* The bucket as log10() gives it: floor(10 log10(v / base)), within
 * [0, HISTO_BUCKETS). */
static int
bucket_by_log(const struct histo *h, double v)
{
	double x;
	int i;

	if (!(v > h->base))
		return 0;
	x = log10(v / h->base) * 10.0;
	i = (int)x;
	if (i >= HISTO_BUCKETS)
		i = HISTO_BUCKETS - 1;
	return i < 0 ? 0 : i;
}

/* 10^(i/10) for i in [0, HISTO_BUCKETS]: the bucket edges over base. */
static double edge[HISTO_BUCKETS + 1];

/* Octaves of v / base below edge[HISTO_BUCKETS] (10^12 < 2^40), cut in
 * 16 by the top bits of the mantissa; for each piece the bucket where
 * it starts. A piece spans under a tenth of a decade: it meets one edge
 * at most. */
#define HISTO_OCTAVES 40
static uint8_t bucket_at[HISTO_OCTAVES * 16];

static void
edges_init(void)
{
	double x;
	int i, k, b;

	for (i = 0; i <= HISTO_BUCKETS; i++)
		edge[i] = pow(10.0, (double)i / 10.0);
	for (i = 0, b = 0; i < HISTO_OCTAVES * 16; i++) {
		x = ldexp(1.0 + (double)(i % 16) / 16.0, i / 16);
		k = b;
		while (k + 1 < HISTO_BUCKETS && edge[k + 1] <= x)
			k++;
		bucket_at[i] = (uint8_t)k;
		b = k;
	}
}

/*
 * The same bucket without a logarithm (this runs for every reply): the
 * bucket where the piece of the octave holding v / base starts, or the
 * next. Near an edge (within a relative 1e-9) the rounding of log10()
 * decides, so it is asked: the buckets are those of bucket_by_log(),
 * always.
 */
static int
bucket_of(const struct histo *h, double v)
{
	uint64_t bits;
	double x;
	int i, e;

	if (!(v > h->base))
		return 0;
	if (edge[0] == 0)
		edges_init();
	/* A product, not a quotient (it may be an ulp off v / base: the
	 * check near the edges below covers it). */
	x = v * h->per_base;
	if (!(x >= 1.0 && x < edge[HISTO_BUCKETS]))
		return bucket_by_log(h, v);
	memcpy(&bits, &x, sizeof(bits));
	e = (int)(bits >> 52) - 1023;
	if (e >= HISTO_OCTAVES)
		return bucket_by_log(h, v);
	i = bucket_at[e * 16 + (int)((bits >> 48) & 15)];
	if (x >= edge[i + 1] && i + 1 < HISTO_BUCKETS)
		i++;
	if (x - edge[i] < edge[i] * 1e-9 ||
	    edge[i + 1] - x < edge[i + 1] * 1e-9 || !(x >= edge[i]) ||
	    !(x < edge[i + 1]))
		return bucket_by_log(h, v);
	return i;
}

double
histo_bucket_lower(const struct histo *h, int i)
{
	return h->base * pow(10.0, (double)i / 10.0);
}

void
histo_add(struct histo *h, double v)
{
	if (!(v >= 0)) /* NaN or negative: clock went back */
		v = 0;
	if (h->n == 0 || v < h->min)
		h->min = v;
	if (h->n == 0 || v > h->max)
		h->max = v;
	h->n++;
	h->sum += v;
	h->b[bucket_of(h, v)]++;
}

double
histo_quantile(const struct histo *h, double q)
{
	double target, lo, hi, frac;
	uint64_t seen = 0;
	int i;

	if (h->n == 0)
		return 0;
	target = q * (double)h->n;
	for (i = 0; i < HISTO_BUCKETS; i++) {
		if (h->b[i] == 0)
			continue;
		if ((double)(seen + h->b[i]) >= target) {
			lo = i == 0 ? h->min : histo_bucket_lower(h, i);
			hi = histo_bucket_lower(h, i + 1);
			if (lo < h->min)
				lo = h->min;
			if (hi > h->max)
				hi = h->max;
			frac = (target - (double)seen) / (double)h->b[i];
			if (frac < 0)
				frac = 0;
			return lo + (hi - lo) * frac;
		}
		seen += h->b[i];
	}
	return h->max;
}

void
series_init(struct series *s)
{
	memset(s, 0, sizeof(*s));
	s->last_sec = -1;
	s->last_min = -1;
	s->first_min = -1;
}

void
series_add(struct series *s, double ts, enum series_kind k)
{
	int64_t sec = (int64_t)ts, min = sec / 60, t;

	if (ts < 0)
		return;
	/* Time moves on: clear the slots between the last one and now. */
	if (sec > s->last_sec) {
		t = s->last_sec < 0 || sec - s->last_sec > SERIES_SECONDS
		    ? sec - SERIES_SECONDS
		    : s->last_sec;
		if (t < -1) /* times near the epoch: no slot below 0 */
			t = -1;
		for (t = t + 1; t <= sec; t++)
			memset(
			    s->sec[t % SERIES_SECONDS], 0, sizeof(s->sec[0]));
		s->last_sec = sec;
	}
	if (min > s->last_min) {
		t = s->last_min < 0 || min - s->last_min > SERIES_MINUTES
		    ? min - SERIES_MINUTES
		    : s->last_min;
		if (t < -1)
			t = -1;
		for (t = t + 1; t <= min; t++)
			memset(
			    s->min[t % SERIES_MINUTES], 0, sizeof(s->min[0]));
		s->last_min = min;
	}
	if (s->first_min < 0 || min < s->first_min)
		s->first_min = min;
	if (sec > s->last_sec - SERIES_SECONDS)
		s->sec[sec % SERIES_SECONDS][k]++;
	if (min > s->last_min - SERIES_MINUTES)
		s->min[min % SERIES_MINUTES][k]++;
}

uint32_t
series_minute(const struct series *s, int64_t minute, enum series_kind k)
{
	if (minute > s->last_min || minute <= s->last_min - SERIES_MINUTES ||
	    minute < 0)
		return 0;
	return s->min[minute % SERIES_MINUTES][k];
}

uint32_t
series_second(const struct series *s, int64_t second, enum series_kind k)
{
	if (second > s->last_sec || second <= s->last_sec - SERIES_SECONDS ||
	    second < 0)
		return 0;
	return s->sec[second % SERIES_SECONDS][k];
}
