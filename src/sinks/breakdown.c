/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sinks/breakdown.h"

#include <stdio.h>
#include <string.h>

/* Seconds at the bottom of a row's latency histogram. */
#define BD_LATENCY_BASE 1e-6

static void
row_start(struct bd_row *r)
{
	memset(r, 0, sizeof(*r));
	histo_init(&r->final_latency, BD_LATENCY_BASE);
	histo_init(&r->greeting, BD_LATENCY_BASE);
}

struct histo_point
bd_latency_point(double final_latency)
{
	static struct histo base;

	if (base.base == 0)
		histo_init(&base, BD_LATENCY_BASE);
	return histo_point(&base, final_latency);
}

void
bd_init(struct bd_table *t)
{
	size_t i;

	topn_reset(&t->keys);
	for (i = 0; i < TOPN_SLOTS; i++)
		row_start(&t->row[i]);
}

static struct bd_row *
row_for(struct bd_table *t, const char *key, size_t n)
{
	bool fresh;
	size_t slot = topn_add_slot_n(&t->keys, key, n, 1, &fresh);

	if (fresh)
		row_start(&t->row[slot]);
	return &t->row[slot];
}

void
bd_add_n(struct bd_table *t, const char *key, size_t n, enum bd_outcome o,
    uint64_t bytes, const struct histo_point *final_latency)
{
	struct bd_row *r = row_for(t, key, n);

	r->count++;
	switch (o) {
	case BD_ACCEPTED:
		r->accepted++;
		r->bytes += bytes;
		break;
	case BD_REJECTED:
		r->rejected++;
		break;
	case BD_TEMPFAIL:
		r->tempfail++;
		break;
	case BD_LOST:
		r->lost++;
		break;
	case BD_OTHER:
		break;
	}
	if (final_latency != NULL)
		histo_add_point(&r->final_latency, *final_latency);
}

void
bd_session(
    struct bd_table *t, const char *key, bool tls, double greeting_latency)
{
	struct bd_row *r = row_for(t, key, strnlen(key, TOPN_KEY_MAX - 1));

	r->sessions++;
	r->tls += tls;
	if (greeting_latency >= 0)
		histo_add(&r->greeting, greeting_latency);
}

const struct bd_row *
bd_row_of(const struct bd_table *t, const struct topn_entry *e)
{
	return &t->row[e - t->keys.e];
}

void
bd_row_values(const struct bd_row *r, double v[BDV_COUNT_OF])
{
	const struct histo *f = &r->final_latency, *g = &r->greeting;

	v[BDV_COUNT] = (double)r->count;
	v[BDV_ACCEPTED] = (double)r->accepted;
	v[BDV_REJECTED] = (double)r->rejected;
	v[BDV_TEMPFAIL] = (double)r->tempfail;
	v[BDV_LOST] = (double)r->lost;
	v[BDV_BYTES] = (double)r->bytes;
	v[BDV_FINAL_P50] = f->n ? histo_quantile(f, 0.5) : -1;
	v[BDV_FINAL_P99] = f->n ? histo_quantile(f, 0.99) : -1;
	v[BDV_TLS] =
	    r->sessions ? 100.0 * (double)r->tls / (double)r->sessions : -1;
	v[BDV_GREETING_P50] = g->n ? histo_quantile(g, 0.5) : -1;
}

const char *
who_kind_name(enum who_kind k)
{
	static const char *const n[WHO_KINDS] = { "clients", "senders",
		"recipient_domains" };

	return (unsigned)k < WHO_KINDS ? n[k] : "?";
}

void
who_add(struct who_top *w, const char *key)
{
	size_t i, min = 0, n = strnlen(key, WHO_KEY_MAX - 1);

	w->total++;
	for (i = 0; i < w->n; i++)
		if (strncmp(w->key[i], key, n) == 0 && w->key[i][n] == '\0') {
			w->count[i]++;
			return;
		}
	if (w->n < WHO_SLOTS) {
		i = w->n++;
		w->error[i] = 0;
		w->count[i] = 1;
	} else {
		/* Space-saving: the least counted gives its place. */
		for (i = 1; i < WHO_SLOTS; i++)
			if (w->count[i] < w->count[min])
				min = i;
		i = min;
		w->error[i] = w->count[i];
		w->count[i]++;
		w->replaced++;
	}
	memcpy(w->key[i], key, n);
	w->key[i][n] = '\0';
}

size_t
who_sorted(const struct who_top *w, uint8_t *idx)
{
	/* w->n never passes WHO_SLOTS; said here too, so that the compiler
	 * (GCC 12 at -O3) sees idx[] (WHO_SLOTS bytes) is never overrun. */
	size_t i, j, n = w->n < WHO_SLOTS ? w->n : WHO_SLOTS;
	uint8_t t;

	for (i = 0; i < n; i++)
		idx[i] = (uint8_t)i;
	/* Insertion sort of at most WHO_SLOTS: by count, then key. */
	for (i = 1; i < n; i++)
		for (j = i; j > 0; j--) {
			const uint8_t a = idx[j - 1], b = idx[j];

			if (w->count[a] > w->count[b] ||
			    (w->count[a] == w->count[b] &&
				strcmp(w->key[a], w->key[b]) <= 0))
				break;
			t = idx[j - 1];
			idx[j - 1] = idx[j];
			idx[j] = t;
		}
	return n;
}

void
auth_table_init(struct auth_table *t)
{
	memset(t, 0, sizeof(*t));
}

void
auth_table_add(struct auth_table *t, const char *key, uint64_t weight,
    bool success, uint64_t failures, double ts)
{
	bool fresh;
	size_t slot = topn_add_slot(&t->keys, key, weight, &fresh);
	struct auth_row *r = &t->row[slot];

	if (fresh)
		memset(r, 0, sizeof(*r));
	r->sessions++;
	r->successes += success;
	if (failures > 0) {
		if (r->failures == 0 || ts < r->first)
			r->first = ts;
		if (ts > r->last)
			r->last = ts;
		r->failures += failures;
	}
}

const struct auth_row *
auth_row_of(const struct auth_table *t, const struct topn_entry *e)
{
	return &t->row[e - t->keys.e];
}
