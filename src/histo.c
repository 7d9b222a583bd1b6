/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "histo.h"

#include <math.h>
#include <string.h>

void
histo_init(struct histo *h, double base)
{
	memset(h, 0, sizeof(*h));
	h->base = base;
}

static int
bucket_of(const struct histo *h, double v)
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
