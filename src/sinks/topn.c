/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sinks/topn.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(TOPN_SLOTS <= 256, "heap places are bytes");
_Static_assert(TOPN_KEY_MAX <= 256, "key lengths are bytes");

#define INDEX_MASK (TOPN_SLOTS * 4 - 1)

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

	/* At most a quarter of the index is used: an empty place ends the
	 * probe. */
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

/* Place pos of the heap holds key (its slot's count << 8 | the slot). */
static void
heap_set(struct topn *t, size_t pos, uint64_t key)
{
	t->heap[pos] = key;
	t->where[key & 0xff] = (uint8_t)pos;
}

/* The place pos of the heap was counted up: it sinks to its place. */
static void
heap_down(struct topn *t, size_t pos)
{
	uint64_t key = t->heap[pos], least;
	size_t c;

	/* The heap is kept only while the table is full. */
	while ((c = 2 * pos + 1) < TOPN_SLOTS) {
		least = t->heap[c];
		if (c + 1 < TOPN_SLOTS && t->heap[c + 1] < least)
			least = t->heap[++c];
		if (!(least < key))
			break;
		heap_set(t, pos, least);
		pos = c;
	}
	heap_set(t, pos, key);
}

/* A leaf stays where it is (the most counted keys sink to the leaves
 * and are the ones counted most): that is told here, before a call. */
void
topn_heap_counted(struct topn *t, size_t pos, uint64_t w)
{
	t->heap[pos] += w << 8;
	if (2 * pos + 1 < TOPN_SLOTS)
		heap_down(t, pos);
}

/* The table has just filled: its slots made a heap, bottom up. */
static void
heap_make(struct topn *t)
{
	size_t i;

	for (i = 0; i < TOPN_SLOTS; i++)
		heap_set(t, i, t->e[i].count << 8 | i);
	for (i = TOPN_SLOTS / 2; i-- > 0;)
		heap_down(t, i);
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
		if (t->n == TOPN_SLOTS)
			topn_heap_counted(t, t->where[t->last], w);
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
	slot = t->heap[0] & 0xff;
	e = &t->e[slot];
	index_remove(t, slot);
	e->error = e->count;
	e->count += w;
	set_key(e, key, n, h);
	index_put(t, slot);
	t->replaced++;
	t->heap[0] += w << 8;
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
