/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sinks/histo.h"

#include <math.h>
#include <string.h>

/* The bucket as log10() gives it: floor(10 log10(v / base)), within
 * [0, HISTO_BUCKETS). Out of line: inlined in bucket_of(), its call of
 * log10() made every value's path save and restore registers it never
 * uses. */
static __attribute__((noinline)) int
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

/*
 * Octaves of v / base below edge[HISTO_BUCKETS] (10^12 < 2^40), cut in
 * 64 by the top bits of the mantissa; for each piece the bucket where
 * it starts, and PIECE_EDGE if an edge is in it or near it (within a
 * relative 1e-8). A piece spans under a tenth of a decade: it meets one
 * edge at most. Most pieces have none: every value in one of them is in
 * its bucket, and far from its edges.
 */
#define HISTO_OCTAVES 40
#define HISTO_PIECES 64
#define PIECE_EDGE 0x80
_Static_assert(HISTO_BUCKETS < PIECE_EDGE, "buckets below the flag");
static uint8_t bucket_at[HISTO_OCTAVES * HISTO_PIECES];

static void
edges_init(void)
{
	double lo, hi;
	int i, k, b;

	for (i = 0; i <= HISTO_BUCKETS; i++)
		edge[i] = pow(10.0, (double)i / 10.0);
	for (i = 0, b = 0; i < HISTO_OCTAVES * HISTO_PIECES; i++) {
		lo = ldexp(1.0 + (double)(i % HISTO_PIECES) / HISTO_PIECES,
		    i / HISTO_PIECES);
		hi = ldexp(1.0 + (double)(i % HISTO_PIECES + 1) / HISTO_PIECES,
		    i / HISTO_PIECES);
		k = b;
		while (k + 1 < HISTO_BUCKETS && edge[k + 1] <= lo)
			k++;
		bucket_at[i] = (uint8_t)k;
		if (edge[k] >= lo * (1 - 1e-8) ||
		    edge[k + 1] <= hi * (1 + 1e-8))
			bucket_at[i] |= PIECE_EDGE;
		b = k;
	}
}

/* The edges are made with the first histogram, not looked for with
 * every value: a histogram is only counted in after histo_init(). */
void
histo_init(struct histo *h, double base)
{
	if (edge[0] == 0)
		edges_init();
	memset(h, 0, sizeof(*h));
	h->base = base;
	h->per_base = 1.0 / base;
}

/*
 * The same bucket without a logarithm (this runs for every reply): that
 * of the piece of the octave holding v / base when no edge is near it;
 * else the bucket where the piece starts, or the next. Near an edge
 * (within a relative 1e-9) the rounding of log10() decides, so it is
 * asked: the buckets are those of bucket_by_log(), always.
 */
static inline int
bucket_of(const struct histo *h, double v)
{
	uint64_t bits;
	double x, lo, hi;
	int i, e;

	if (!(v > h->base))
		return 0;
	/* A product, not a quotient (it may be an ulp off v / base: the
	 * check near the edges below covers it). */
	x = v * h->per_base;
	if (!(x >= 1.0 && x < edge[HISTO_BUCKETS]))
		return bucket_by_log(h, v);
	memcpy(&bits, &x, sizeof(bits));
	e = (int)(bits >> 52) - 1023;
	if (e >= HISTO_OCTAVES)
		return bucket_by_log(h, v);
	i = bucket_at[e * HISTO_PIECES + (int)((bits >> 46) & 63)];
	if (!(i & PIECE_EDGE))
		return i;
	i &= ~PIECE_EDGE;
	/* Without a branch: which side of the one edge a piece may span
	 * is as likely as not. x is below edge[HISTO_BUCKETS], so i stays
	 * below HISTO_BUCKETS. */
	i += x >= edge[i + 1];
	lo = edge[i];
	hi = edge[i + 1];
	/* Within [lo, hi) and not within a relative 1e-9 of either edge
	 * (one test, rarely false). */
	if ((x - lo >= lo * 1e-9) & (hi - x >= hi * 1e-9))
		return i;
	return bucket_by_log(h, v);
}

double
histo_bucket_lower(const struct histo *h, int i)
{
	return h->base * pow(10.0, (double)i / 10.0);
}

struct histo_point
histo_point(const struct histo *h, double v)
{
	struct histo_point p;

	if (!(v >= 0)) /* NaN or negative: clock went back */
		v = 0;
	p.v = v;
	p.bucket = bucket_of(h, v);
	return p;
}

void
histo_add_point(struct histo *h, struct histo_point p)
{
	if (h->n == 0 || p.v < h->min)
		h->min = p.v;
	if (h->n == 0 || p.v > h->max)
		h->max = p.v;
	h->n++;
	h->sum += p.v;
	h->b[p.bucket]++;
}

void
histo_add(struct histo *h, double v)
{
	histo_add_point(h, histo_point(h, v));
}

void
histo_merge(struct histo *dst, const struct histo *src)
{
	int i;

	if (src->n == 0)
		return;
	if (dst->n == 0 || src->min < dst->min)
		dst->min = src->min;
	if (dst->n == 0 || src->max > dst->max)
		dst->max = src->max;
	dst->n += src->n;
	dst->sum += src->sum;
	for (i = 0; i < HISTO_BUCKETS; i++)
		dst->b[i] += src->b[i];
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
	/* The last second (it is in the last minute, which is seen and the
	 * newest). */
	if (sec == s->last_sec) {
		s->sec[s->last_sec_at][k]++;
		s->min[s->last_min_at][k]++;
		return;
	}
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
		s->last_sec_at = (uint32_t)(sec % SERIES_SECONDS);
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
		s->last_min_at = (uint32_t)(min % SERIES_MINUTES);
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

void
timeline_init(struct timeline *t)
{
	memset(t, 0, sizeof(*t));
}

/* The width after w. */
static int64_t
timeline_wider(int64_t w)
{
	static const int64_t ladder[] = { 1, 2, 10, 60, 300, 600, 3600, 7200,
		21600, 86400, 604800, 2419200, 31449600 };
	size_t i;

	for (i = 0; i + 1 < sizeof(ladder) / sizeof(ladder[0]); i++)
		if (ladder[i] == w)
			return ladder[i + 1];
	return w * 10;
}

static int64_t
floor_to(int64_t v, int64_t w)
{
	int64_t q = v / w;

	if (v % w != 0 && v < 0)
		q--;
	return q * w;
}

/* Widen until [lo, hi] fits, merging the buckets. */
static void
timeline_widen(struct timeline *t, int64_t lo, int64_t hi)
{
	uint32_t old[TIMELINE_BUCKETS][SERIES_KINDS];
	int64_t w = t->width, start, ostart = t->start, ow = t->width;
	int i, j, k;

	do {
		w = timeline_wider(w);
		start = floor_to(lo, w);
	} while (hi >= start + (int64_t)TIMELINE_BUCKETS * w);
	memcpy(old, t->b, sizeof(old));
	memset(t->b, 0, sizeof(t->b));
	for (i = 0; i < TIMELINE_BUCKETS; i++) {
		j = (int)((ostart + (int64_t)i * ow - start) / w);
		if (j < 0 || j >= TIMELINE_BUCKETS)
			continue; /* empty: past the last one used */
		for (k = 0; k < SERIES_KINDS; k++)
			t->b[j][k] += old[i][k];
	}
	t->width = w;
	t->start = start;
	t->last_sec = -1;
}

void
timeline_add(struct timeline *t, double ts, enum series_kind k)
{
	int64_t sec, end;

	if (!(ts >= 0) || ts > 253402300799.0)
		return;
	sec = (int64_t)ts;
	/* The second counted last: its bucket, without a division. */
	if (t->width != 0 && sec == t->last_sec) {
		t->b[t->last_at][k]++;
		return;
	}
	if (t->width == 0) {
		t->width = 1;
		t->start = sec;
	}
	end = t->start + (int64_t)TIMELINE_BUCKETS * t->width;
	if (sec < t->start)
		timeline_widen(t, sec,
		    t->start + (int64_t)timeline_used(t) * t->width - 1);
	else if (sec >= end)
		timeline_widen(t, t->start, sec);
	t->last_sec = sec;
	t->last_at = (int)((sec - t->start) / t->width);
	t->b[t->last_at][k]++;
}

int
timeline_used(const struct timeline *t)
{
	int i, k;

	if (t->width == 0)
		return 0;
	for (i = TIMELINE_BUCKETS - 1; i > 0; i--)
		for (k = 0; k < SERIES_KINDS; k++)
			if (t->b[i][k] != 0)
				return i + 1;
	return 1;
}

void
hours_init(struct hours *h, int64_t period)
{
	memset(h, 0, sizeof(*h));
	h->period = period;
}

void
hours_add(struct hours *h, double ts, enum series_kind k)
{
	int64_t key;
	uint32_t j;

	if (ts >= h->last_lo && ts < h->last_hi) {
		h->h[h->last].n[k]++;
		return;
	}
	if (!(ts >= 0) || ts > 253402300799.0)
		return;
	key = (int64_t)ts / h->period + 1;
	if (h->h[h->last].hour == key) {
		h->h[h->last].n[k]++;
		return;
	}
	j = (uint32_t)((uint64_t)key * 0x9e3779b97f4a7c15ull >> 51) &
	    (HOURS_SLOTS - 1);
	while (h->h[j].hour != 0 && h->h[j].hour != key)
		j = (j + 1) & (HOURS_SLOTS - 1);
	if (h->h[j].hour == 0) {
		if (h->used >= HOURS_MAX) {
			h->left_out++;
			return;
		}
		h->h[j].hour = key;
		h->used++;
	}
	h->h[j].n[k]++;
	h->last = j;
	h->last_lo = (double)((key - 1) * h->period);
	h->last_hi = (double)(key * h->period);
}
