/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sinks/topn.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(TOPN_SLOTS <= 256, "heap places are bytes");
_Static_assert(TOPN_KEY_MAX <= 256, "key lengths are bytes");

#define INDEX_MASK (TOPN_SLOTS * 2 - 1)

/* A key of n bytes, eight at a time. */
static uint32_t
key_hash(const char *s, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;
	size_t i;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
	}
	for (w = 0, i = 0; i < n; i++)
		w |= (uint64_t)(unsigned char)s[i] << (8 * i);
	h = (h ^ w) * 0x94d049bb133111ebull;
	h ^= h >> 29;
	return (uint32_t)(h ^ (h >> 32));
}

void
topn_reset(struct topn *t)
{
	memset(t, 0, sizeof(*t));
}

static struct topn_entry *
find(struct topn *t, const char *key, size_t n, uint32_t h)
{
	size_t j;

	/* At most half the index is used: an empty place ends the probe. */
	for (j = h & INDEX_MASK; t->index[j] != 0; j = (j + 1) & INDEX_MASK) {
		struct topn_entry *e = &t->e[t->index[j] - 1];

		if (e->hash == h && e->len == n && memcmp(e->key, key, n) == 0)
			return e;
	}
	return NULL;
}

static void
index_put(struct topn *t, size_t slot)
{
	size_t j = t->e[slot].hash & INDEX_MASK;

	while (t->index[j] != 0)
		j = (j + 1) & INDEX_MASK;
	t->index[j] = (uint16_t)(slot + 1);
}

/* Backward-shift deletion: no tombstones, probes stay short. */
static void
index_remove(struct topn *t, size_t slot)
{
	size_t i = t->e[slot].hash & INDEX_MASK, j, home;

	while (t->index[i] != slot + 1)
		i = (i + 1) & INDEX_MASK;
	j = i;
	for (;;) {
		t->index[i] = 0;
		for (;;) {
			j = (j + 1) & INDEX_MASK;
			if (t->index[j] == 0)
				return;
			home = t->e[t->index[j] - 1].hash & INDEX_MASK;
			/* j's entry may move to i if its home is not in the
			 * cyclic range (i, j]. */
			if (i <= j ? (home <= i || home > j)
				   : (home <= i && home > j))
				break;
		}
		t->index[i] = t->index[j];
		i = j;
	}
}

/* Is slot a before slot b: fewer counts, or as many and a lower slot
 * (the slot a scan from the first would pick). */
static bool
heap_before(const struct topn *t, size_t a, size_t b)
{
	if (t->e[a].count != t->e[b].count)
		return t->e[a].count < t->e[b].count;
	return a < b;
}

static void
heap_set(struct topn *t, size_t pos, size_t slot)
{
	t->heap[pos] = (uint8_t)slot;
	t->where[slot] = (uint8_t)pos;
}

static void
heap_up(struct topn *t, size_t pos)
{
	size_t slot = t->heap[pos], parent;

	while (pos > 0) {
		parent = (pos - 1) / 2;
		if (!heap_before(t, slot, t->heap[parent]))
			break;
		heap_set(t, pos, t->heap[parent]);
		pos = parent;
	}
	heap_set(t, pos, slot);
}

/* The slot at pos was counted up: it sinks to its place. */
static void
heap_down(struct topn *t, size_t pos)
{
	size_t slot = t->heap[pos], c;

	while ((c = 2 * pos + 1) < t->n) {
		if (c + 1 < t->n && heap_before(t, t->heap[c + 1], t->heap[c]))
			c++;
		if (!heap_before(t, t->heap[c], slot))
			break;
		heap_set(t, pos, t->heap[c]);
		pos = c;
	}
	heap_set(t, pos, slot);
}

static void
set_key(struct topn_entry *e, const char *key, size_t n, uint32_t h)
{
	memcpy(e->key, key, n);
	e->key[n] = '\0';
	e->len = (uint8_t)n;
	e->hash = h;
}

size_t
topn_add_slot(struct topn *t, const char *key, uint64_t w, bool *fresh)
{
	struct topn_entry *e;
	size_t n = strnlen(key, TOPN_KEY_MAX - 1), slot;
	uint32_t h;

	/* Keys are cut to TOPN_KEY_MAX - 1 bytes. */
	t->total += w;
	/* The same key as the last time (a sender's domain, a server, an
	 * enhanced code come in runs): no hash. */
	e = &t->e[t->last];
	if (t->last < t->n && e->len == n && memcmp(e->key, key, n) == 0) {
		e->count += w;
		heap_down(t, t->where[t->last]);
		*fresh = false;
		return t->last;
	}
	h = key_hash(key, n);
	if ((e = find(t, key, n, h)) != NULL) {
		e->count += w;
		t->last = (uint8_t)(e - t->e);
		heap_down(t, t->where[t->last]);
		*fresh = false;
		return t->last;
	}
	*fresh = true;
	if (t->n < TOPN_SLOTS) {
		slot = t->n++;
		e = &t->e[slot];
		set_key(e, key, n, h);
		e->count = w;
		e->error = 0;
		index_put(t, slot);
		heap_set(t, slot, slot);
		heap_up(t, slot);
		t->last = (uint8_t)slot;
		return slot;
	}
	/* Full: the least counted key gives its place (space-saving). */
	slot = t->heap[0];
	e = &t->e[slot];
	index_remove(t, slot);
	e->error = e->count;
	e->count += w;
	set_key(e, key, n, h);
	index_put(t, slot);
	t->replaced++;
	heap_down(t, 0);
	t->last = (uint8_t)slot;
	return slot;
}

void
topn_add(struct topn *t, const char *key, uint64_t w)
{
	bool fresh;

	(void)topn_add_slot(t, key, w, &fresh);
}

static int
by_count(const void *a, const void *b)
{
	const struct topn_entry *x = *(const struct topn_entry *const *)a;
	const struct topn_entry *y = *(const struct topn_entry *const *)b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

size_t
topn_sorted(const struct topn *t, const struct topn_entry **out, size_t max)
{
	const struct topn_entry *all[TOPN_SLOTS];
	size_t i;

	for (i = 0; i < t->n; i++)
		all[i] = &t->e[i];
	qsort(all, t->n, sizeof(all[0]), by_count);
	if (max > t->n)
		max = t->n;
	memcpy(out, all, max * sizeof(all[0]));
	return max;
}
