/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sinks/topn.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(TOPN_SLOTS <= 256, "heap places are bytes");
_Static_assert(TOPN_KEY_MAX <= 256, "key lengths are bytes");

#define INDEX_MASK (TOPN_SLOTS * 2 - 1)

static uint32_t
key_hash(const char *s, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;
	size_t i;

	if (n >= 8) {
		for (i = 0; i + 8 < n; i += 8) {
			h = (h ^ topn_load8(s + i)) * 0xbf58476d1ce4e5b9ull;
			h ^= h >> 31;
		}
		w = topn_load8(s + n - 8);
	} else if (n >= 4)
		w = topn_load4(s) | (uint64_t)topn_load4(s + n - 4) << 32;
	else
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

		if (e->hash == h && topn_key_is(e, key, n))
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

void
topn_heap_down(struct topn *t, size_t pos)
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

/* The table has just filled: its slots made a heap, bottom up. */
static void
heap_make(struct topn *t)
{
	size_t i;

	for (i = 0; i < TOPN_SLOTS; i++)
		heap_set(t, i, i);
	for (i = TOPN_SLOTS / 2; i-- > 0;)
		topn_heap_down(t, i);
}

static void
set_key(struct topn_entry *e, const char *key, size_t n, uint32_t h)
{
	memcpy(e->key, key, n);
	e->key[n] = '\0';
	e->len = (uint8_t)n;
	e->hash = h;
}

/* Out of line: the inline path of the last key saves no registers. n
 * is already cut to TOPN_KEY_MAX - 1. */
size_t
topn_add_other(
    struct topn *t, const char *key, size_t n, uint64_t w, bool *fresh)
{
	struct topn_entry *e;
	size_t slot;
	uint32_t h = key_hash(key, n);

	t->total += w;
	if ((e = find(t, key, n, h)) != NULL) {
		e->count += w;
		t->last = (uint8_t)(e - t->e);
		topn_heap_counted(t, t->where[t->last]);
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
		if (t->n == TOPN_SLOTS)
			heap_make(t);
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
	topn_heap_down(t, 0);
	t->last = (uint8_t)slot;
	return slot;
}

void
topn_add(struct topn *t, const char *key, uint64_t w)
{
	bool fresh;

	(void)topn_add_slot(t, key, w, &fresh);
}

void
topn_add_n(struct topn *t, const char *key, size_t n, uint64_t w)
{
	bool fresh;

	(void)topn_add_slot_n(t, key, n, w, &fresh);
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
