/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the statistics store's parts: top-N, histograms, series,
 * the normalisation of rejection reasons, the rule of notable events,
 * the breakdown rows' values. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sinks/histo.h"
#include "sinks/notable.h"
#include "sinks/stats.h"
#include "sinks/topn.h"

#include "check.h"

static void
test_topn(void)
{
	static struct topn t;
	const struct topn_entry *e[TOPN_SLOTS];
	char key[32];
	size_t n, i;
	uint32_t x = 7;
	int heavy_ok = 1;

	topn_reset(&t);
	topn_add(&t, "a", 3);
	topn_add(&t, "b", 1);
	topn_add(&t, "a", 2);
	n = topn_sorted(&t, e, 10);
	CHECKF(n == 2 && strcmp(e[0]->key, "a") == 0 && e[0]->count == 5 &&
		e[1]->count == 1 && t.total == 6,
	    "topn exact");

	/* Space-saving: 5 heavy keys among 100000 adds of 5000 light ones;
	 * every heavy key must be kept, its count within its error. */
	topn_reset(&t);
	for (i = 0; i < 100000; i++) {
		x = x * 1103515245 + 12345;
		if (x % 4 == 0)
			snprintf(key, sizeof(key), "heavy%u", (x >> 8) % 5);
		else
			snprintf(key, sizeof(key), "light%u", (x >> 8) % 5000);
		topn_add(&t, key, 1);
	}
	n = topn_sorted(&t, e, TOPN_SLOTS);
	CHECKF(n == TOPN_SLOTS && t.total == 100000, "topn bounded");
	for (i = 0; i < 5; i++)
		if (strncmp(e[i]->key, "heavy", 5) != 0 ||
		    e[i]->count - e[i]->error > 6000 || e[i]->count < 4000)
			heavy_ok = 0;
	CHECKF(heavy_ok, "topn heavy hitters first");

	/* A key longer than the cap is cut, never overflows. */
	topn_reset(&t);
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	{
		char longkey[500];

		memset(longkey, 'x', sizeof(longkey) - 1);
		longkey[sizeof(longkey) - 1] = '\0';
		topn_add(&t, longkey, 1);
		topn_add(&t, longkey, 1);
		n = topn_sorted(&t, e, 1);
		CHECKF(n == 1 && e[0]->count == 2 &&
			strlen(e[0]->key) == TOPN_KEY_MAX - 1,
		    "topn long key");
		/* Given its length, the same key is cut the same: the
		 * same entry, as the last key and after another. */
		topn_add_n(&t, longkey, sizeof(longkey) - 1, 1);
		topn_add_n(&t, "ab", 2, 1);
		topn_add_n(&t, longkey, sizeof(longkey) - 1, 1);
		/* The first bytes of a longer string are a key of their
		 * own. */
		topn_add_n(&t, "abc", 2, 1);
		n = topn_sorted(&t, e, 4);
		CHECKF(n == 2 && e[0]->count == 4 && e[1]->count == 2 &&
			strcmp(e[1]->key, "ab") == 0 && t.total == 6,
		    "topn_add_n cut and counted as topn_add");
	}
}

static void
test_histo(void)
{
	struct histo h;
	double p50, p99;
	int i;

	histo_init(&h, 1e-6);
	CHECKF(histo_quantile(&h, 0.5) == 0, "histo empty");
	for (i = 1; i <= 1000; i++)
		histo_add(&h, i * 0.001); /* 1 ms .. 1 s, uniform */
	p50 = histo_quantile(&h, 0.5);
	p99 = histo_quantile(&h, 0.99);
	/* 10 buckets a decade: within 26% of the true value. */
	CHECKF(fabs(p50 - 0.5) / 0.5 < 0.26, "histo p50");
	CHECKF(fabs(p99 - 0.99) / 0.99 < 0.26, "histo p99");
	CHECKF(h.min == 0.001 && h.max == 1.0 && h.n == 1000, "histo min max");
	histo_add(&h, -5);   /* a clock that went back counts as 0 */
	histo_add(&h, 1e30); /* far beyond the last bucket */
	CHECKF(h.n == 1002 && h.max == 1e30 && histo_quantile(&h, 1.0) <= 1e30,
	    "histo extremes");
}

/* Two histograms merged are the histogram of both sets of values. */
static void
test_histo_merge(void)
{
	static struct histo a, b, both, empty;
	int i;

	histo_init(&a, 1e-6);
	histo_init(&b, 1e-6);
	histo_init(&both, 1e-6);
	histo_init(&empty, 1e-6);
	for (i = 1; i <= 300; i++) {
		histo_add(i % 3 ? &a : &b, i * 0.01);
		histo_add(&both, i * 0.01);
	}
	histo_merge(&a, &empty); /* nothing to add: min and max kept */
	CHECKF(a.n == 200 && a.min == 0.01 && a.max == 2.99, "merge empty");
	histo_merge(&a, &b);
	CHECKF(a.n == both.n && a.min == both.min && a.max == both.max,
	    "merge n min max");
	CHECKF(fabs(a.sum - both.sum) < 1e-9, "merge sum");
	CHECKF(memcmp(a.b, both.b, sizeof(a.b)) == 0, "merge buckets");
	CHECKF(
	    histo_quantile(&a, 0.9) == histo_quantile(&both, 0.9), "merge p90");
	histo_merge(&empty, &b); /* into an empty one: b's own min */
	CHECKF(empty.n == 100 && empty.min == 0.03 && empty.max == 3.0,
	    "merge into empty");
}

/* The bucket a value lands in, as histo_add() chose it. */
static int
bucket_taken(double base, double v)
{
	static struct histo h;
	int i;

	histo_init(&h, base);
	histo_add(&h, v);
	for (i = 0; i < HISTO_BUCKETS; i++)
		if (h.b[i] != 0)
			return i;
	return -1;
}

/* The bucket by its definition: floor(10 log10(v / base)), clamped. */
static int
bucket_defined(double base, double v)
{
	double x;
	int i;

	if (!(v > base))
		return 0;
	x = log10(v / base) * 10.0;
	i = (int)x;
	return i >= HISTO_BUCKETS ? HISTO_BUCKETS - 1 : i < 0 ? 0 : i;
}

/* The bucket without a logarithm (histo.c) is the logarithm's, for
 * values spread over every bucket, on the edges, an ulp either side, and
 * through a histo_point() made once. */
static void
test_histo_buckets(void)
{
	static const double bases[] = { 1e-6, 1e-3, 1.0 };
	uint64_t r = 0x9e3779b97f4a7c15ull;
	int bad = 0, point_bad = 0, b, i, k;

	for (b = 0; b < 3; b++)
		for (i = 0; i < 200000; i++) {
			double base = bases[b], v;

			r = r * 6364136223846793005ull + 1442695040888963407ull;
			if (i % 4 == 0) {
				/* An edge, or an ulp beside it. */
				v = base *
				    pow(10.0, (double)(i / 4 % 125) / 10.0);
				v = (i / 4) % 3 == 0   ? nextafter(v, 0)
				    : (i / 4) % 3 == 1 ? nextafter(v, 1e300)
						       : v;
			} else
				v = base *
				    pow(10.0,
					(double)(r >> 11) / 9007199254740992.0 *
						13.0 -
					    0.5);
			k = bucket_defined(base, v);
			if (bucket_taken(base, v) != k)
				bad++;
			{
				static struct histo a, c;

				histo_init(&a, base);
				histo_init(&c, base);
				histo_add_point(&c, histo_point(&a, v));
				if (c.b[k] != 1)
					point_bad++;
			}
		}
	CHECKF(bad == 0, "histo buckets as log10 gives them (%d differ)", bad);
	CHECKF(point_bad == 0, "histo_point buckets (%d differ)", point_bad);
}

static void
test_series(void)
{
	static struct series s;
	int64_t t0 = 1700000000;
	int i;

	series_init(&s);
	for (i = 0; i < 10; i++)
		series_add(&s, (double)(t0 + i), SERIES_ACCEPTED);
	series_add(&s, (double)t0 + 3.5, SERIES_REJECTED);
	CHECKF(series_second(&s, t0 + 3, SERIES_ACCEPTED) == 1 &&
		series_second(&s, t0 + 3, SERIES_REJECTED) == 1 &&
		series_second(&s, t0 + 11, SERIES_ACCEPTED) == 0,
	    "series seconds");
	CHECKF(series_minute(&s, t0 / 60, SERIES_ACCEPTED) +
		    series_minute(&s, t0 / 60 + 1, SERIES_ACCEPTED) ==
		10,
	    "series minute");
	/* Two hours later: the old seconds are gone, the minutes kept. */
	series_add(&s, (double)(t0 + 7200), SERIES_ACCEPTED);
	CHECKF(series_second(&s, t0 + 3, SERIES_ACCEPTED) == 0 &&
		series_second(&s, t0 + 7200, SERIES_ACCEPTED) == 1 &&
		series_minute(&s, (t0 + 7200) / 60, SERIES_ACCEPTED) == 1 &&
		series_minute(&s, t0 / 60, SERIES_ACCEPTED) > 0,
	    "series ring");
	/* Two days later: the old minutes are gone too. */
	series_add(&s, (double)(t0 + 2 * 86400), SERIES_ACCEPTED);
	CHECKF(series_minute(&s, t0 / 60, SERIES_ACCEPTED) == 0,
	    "series minutes ring");
	/* Times near the epoch (a capture with zeroed clocks): found by
	 * fuzz_smtp, the first slot used to be computed below 0. */
	series_init(&s);
	series_add(&s, 0.5, SERIES_ACCEPTED);
	series_add(&s, 1000, SERIES_ACCEPTED);
	series_add(&s, 1000, SERIES_REJECTED);
	CHECKF(series_second(&s, 0, SERIES_ACCEPTED) == 0 &&
		series_second(&s, 1000, SERIES_ACCEPTED) == 1 &&
		series_minute(&s, 0, SERIES_ACCEPTED) == 1 &&
		series_minute(&s, 16, SERIES_REJECTED) == 1,
	    "series near the epoch");
}

static void
test_normalise(void)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{ "<bob@example.com>: Recipient address rejected: User unknown",
		    "<<addr>>: Recipient address rejected: User unknown" },
		{ "Ok: queued as 4F1A2B3C4D", "Ok: queued as N" },
		{ "Client host [192.0.2.17] blocked using zen.spamhaus.org",
		    "Client host [<ip>] blocked using zen.spamhaus.org" },
		{ "Try again in 300 seconds", "Try again in N seconds" },
		{ "Greylisted, see http://x/", "Greylisted, see http://x/" },
	};
	char out[TOPN_KEY_MAX];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		stats_normalise_reason(t[i].in, out, sizeof(out));
		check_str_at(__FILE__, __LINE__, t[i].in, out, t[i].want);
	}
}

/* The timeline: widens to hold any span, keeps every count, aligned. */
static void
test_timeline(void)
{
	static struct timeline t;
	uint64_t sum = 0;
	int i, k;

	timeline_init(&t);
	timeline_add(&t, 1000.5, SERIES_ACCEPTED);
	CHECK_INT(t.width, 1);
	timeline_add(&t, 1000.0 + 719, SERIES_ACCEPTED);
	CHECK_INT(t.width, 1);
	timeline_add(&t, 1000.0 + 720, SERIES_REJECTED);
	CHECK_INT(t.width, 2);
	/* Back in time, then six years on: weeks. */
	timeline_add(&t, 900, SERIES_LOST);
	timeline_add(&t, 1254700000.0, SERIES_ACCEPTED);
	timeline_add(&t, 1437800000.0, SERIES_ACCEPTED);
	CHECK_INT(t.width, 2419200);
	CHECK_INT(t.start % t.width, 0);
	for (i = 0; i < TIMELINE_BUCKETS; i++)
		for (k = 0; k < SERIES_KINDS; k++)
			sum += t.b[i][k];
	CHECK_UINT(sum, 6);
	CHECK_UINT(t.b[0][SERIES_ACCEPTED], 2);
	CHECK(timeline_used(&t) <= TIMELINE_BUCKETS);
}

/* topn_add_slot: a key keeps its slot; a new one when full is fresh. */
static void
test_topn_slot(void)
{
	static struct topn t;
	char k[16];
	size_t s1, s2;
	bool fresh;
	int i;

	topn_reset(&t);
	s1 = topn_add_slot(&t, "a", 1, &fresh);
	CHECK(fresh);
	s2 = topn_add_slot(&t, "a", 1, &fresh);
	CHECK(!fresh);
	CHECK_UINT(s1, s2);
	for (i = 0; i < TOPN_SLOTS + 5; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		topn_add_slot(&t, k, 1, &fresh);
		CHECK(fresh);
	}
	CHECK_UINT(t.replaced, 6);
}

/* who_add: counts, and a fixed budget with the space-saving rule. */
static void
test_who(void)
{
	static struct who_top w;
	uint8_t idx[WHO_SLOTS];
	char k[16];
	int i;

	memset(&w, 0, sizeof(w));
	who_add(&w, "x");
	who_add(&w, "y");
	who_add(&w, "x");
	CHECK_UINT(who_sorted(&w, idx), 2);
	CHECK_STR(w.key[idx[0]], "x");
	CHECK_UINT(w.count[idx[0]], 2);
	for (i = 0; i < 100; i++) {
		snprintf(k, sizeof(k), "z%d", i);
		who_add(&w, k);
	}
	CHECK_UINT(w.n, WHO_SLOTS);
	CHECK_UINT(w.total, 103);
	CHECK(w.replaced > 0);
}

/* hours: an hour once, in its slot; the cap says what it left out. */
static void
test_hours(void)
{
	static struct hours h;
	int i;

	hours_init(&h, 3600);
	hours_add(&h, 7200.5, SERIES_SESSIONS);
	hours_add(&h, 7300, SERIES_SESSIONS);
	CHECK_UINT(h.used, 1);
	for (i = 0; i < HOURS_MAX + 10; i++)
		hours_add(&h, 3600.0 * (i + 10), SERIES_ACCEPTED);
	CHECK_UINT(h.used, HOURS_MAX);
	CHECK_UINT(h.left_out, 11);
}

/* What notable_*() handed on: kinds, codes, counts. */
struct seen {
	enum stats_recent_kind kind[8];
	int code[8];
	uint64_t count[8];
	size_t n;
};

static void
seen_add(void *arg, const struct stats_recent *r, uint64_t count)
{
	struct seen *s = arg;

	if (s->n < 8) {
		s->kind[s->n] = r->kind;
		s->code[s->n] = r->code;
		s->count[s->n] = count;
		s->n++;
	}
}

static void
test_notable(void)
{
	struct smtp_session_info si;
	struct smtp_transaction tx;
	struct smtp_rcpt rc[2];
	struct seen s;
	char from[] = "a@example.org", r0[] = "x@example.net",
	     r1[] = "y@example.net";

	memset(&si, 0, sizeof(si));
	memset(&tx, 0, sizeof(tx));
	memset(rc, 0, sizeof(rc));
	rc[0].addr = r0;
	rc[0].reply.code = 550;
	rc[1].addr = r1;
	rc[1].reply.code = 250;
	tx.rcpt = rc;
	tx.nrcpt = 2;
	tx.mail_from = from;
	tx.mail.code = 250;
	tx.final.code = 554;
	tx.outcome = SMTP_OUTCOME_REJECTED;
	memset(&s, 0, sizeof(s));
	notable_transaction(&si, &tx, seen_add, &s);
	CHECKF(s.n == 2 && s.kind[0] == RECENT_REJECT && s.code[0] == 550 &&
		s.kind[1] == RECENT_REJECT && s.code[1] == 554,
	    "notable: a refused recipient, then the refused transaction");
	/* A 421 is the server closing: no reject of the transaction. */
	tx.nrcpt = 0;
	tx.final.code = 421;
	memset(&s, 0, sizeof(s));
	notable_transaction(&si, &tx, seen_add, &s);
	CHECKF(s.n == 0, "notable: no reject for a 421");
	tx.outcome = SMTP_OUTCOME_TEMPFAIL;
	memset(&s, 0, sizeof(s));
	notable_transaction(&si, &tx, seen_add, &s);
	CHECKF(s.n == 1 && s.kind[0] == RECENT_TEMPFAIL && s.code[0] == 421,
	    "notable: a 421 is a tempfail");
	tx.outcome = SMTP_OUTCOME_LOST;
	tx.final.code = 0;
	tx.bounce = true;
	memset(&s, 0, sizeof(s));
	notable_transaction(&si, &tx, seen_add, &s);
	CHECKF(
	    s.n == 2 && s.kind[0] == RECENT_LOST && s.kind[1] == RECENT_BOUNCE,
	    "notable: lost, then the bounce");
	tx.outcome = SMTP_OUTCOME_ACCEPTED;
	tx.bounce = false;
	memset(&s, 0, sizeof(s));
	notable_transaction(&si, &tx, seen_add, &s);
	CHECKF(s.n == 0, "notable: nothing in an accepted transaction");
	/* A session's AUTH failures: one, with their count. */
	si.auth_attempts = 4;
	si.auth_failures = 3;
	si.auth_code = 535;
	memset(&s, 0, sizeof(s));
	notable_close(&si, 1.0, seen_add, &s);
	CHECKF(s.n == 1 && s.kind[0] == RECENT_AUTH_FAILURE &&
		s.count[0] == 3 && s.code[0] == 535,
	    "notable: AUTH failures, one with their count");
	si.auth_failures = 0;
	memset(&s, 0, sizeof(s));
	notable_close(&si, 1.0, seen_add, &s);
	CHECKF(s.n == 0, "notable: no AUTH failure");
}

static void
test_bd_values(void)
{
	static struct bd_table t;
	const struct topn_entry *e[TOPN_SLOTS];
	double v[BDV_COUNT_OF];
	const struct histo_point half = bd_latency_point(0.5);

	bd_init(&t);
	bd_add(&t, "10.0.0.1", BD_ACCEPTED, 100, &half);
	bd_add(&t, "10.0.0.1", BD_REJECTED, 100, NULL);
	bd_session(&t, "10.0.0.1", true, 0.25);
	bd_session(&t, "10.0.0.1", false, -1);
	CHECKF(topn_sorted(&t.keys, e, TOPN_SLOTS) == 1, "bd: one key");
	bd_row_values(bd_row_of(&t, e[0]), v);
	CHECKF(v[BDV_COUNT] == 2 && v[BDV_ACCEPTED] == 1 &&
		v[BDV_REJECTED] == 1 && v[BDV_BYTES] == 100 &&
		v[BDV_TLS] == 50 && fabs(v[BDV_FINAL_P50] - 0.5) < 0.5 * 0.26 &&
		fabs(v[BDV_GREETING_P50] - 0.25) < 0.25 * 0.26,
	    "bd: the row's values");
	bd_add(&t, "10.0.0.2", BD_TEMPFAIL, 0, NULL);
	CHECKF(topn_sorted(&t.keys, e, TOPN_SLOTS) == 2, "bd: two keys");
	bd_row_values(bd_row_of(&t, e[1]), v);
	CHECKF(v[BDV_TEMPFAIL] == 1 && v[BDV_FINAL_P50] == -1 &&
		v[BDV_GREETING_P50] == -1 && v[BDV_TLS] == -1,
	    "bd: none is -1");
}

int
main(void)
{
	test_notable();
	test_bd_values();
	test_timeline();
	test_topn_slot();
	test_who();
	test_hours();
	test_topn();
	test_histo();
	test_histo_merge();
	test_histo_buckets();
	test_series();
	test_normalise();
	return check_done("stats");
}
