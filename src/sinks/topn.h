/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Top-N with a fixed budget: the space-saving algorithm (Metwally et
 * al.). A table keeps TOPN_SLOTS keys; a new key when it is full takes
 * the place of the least counted one, inheriting its count as the error
 * bound. Every key seen more than total/TOPN_SLOTS times is in it.
 */
#ifndef SMTPSCOPE_TOPN_H
#define SMTPSCOPE_TOPN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define TOPN_SLOTS 128  /* keys kept per table */
#define TOPN_KEY_MAX 96 /* bytes kept of a key */

struct topn_entry {
	char key[TOPN_KEY_MAX];
	uint64_t count;
	uint64_t error; /* the count may be over by at most this */
	uint32_t hash;
	uint8_t len; /* of key */
};

struct topn {
	struct topn_entry e[TOPN_SLOTS];
	/* hash -> slot + 1, 0 empty. Four places a slot, a quarter used
	 * at most: probes stay short where keys churn (each replaced key
	 * leaves the index and its successor enters it). */
	uint16_t index[TOPN_SLOTS * 4];
	/* The slots as a binary heap, least counted first (the lower slot
	 * first among equals): the one a new key replaces is heap[0]'s.
	 * Each place holds its slot's count and the slot, as count << 8 |
	 * slot, so that one comparison of two places orders them as the
	 * counts and then the slots would (while counts stay below 2^56,
	 * which 7 * 10^16 adds would take). Kept once the table is full
	 * (n == TOPN_SLOTS): before, no key is replaced. */
	uint64_t heap[TOPN_SLOTS];
	uint8_t where[TOPN_SLOTS]; /* slot -> its place in heap */
	uint8_t last;              /* the slot found last: tried first */
	size_t n;
	uint64_t total;    /* every add, kept or not */
	uint64_t replaced; /* times a key took another's place */
};

void topn_reset(struct topn *t);
void topn_add(struct topn *t, const char *key, uint64_t weight);
/* The same for a key of n bytes (at most TOPN_KEY_MAX - 1 are kept),
 * for callers that know its length: the n bytes at key must be readable
 * and hold no '\0'. */
void topn_add_n(struct topn *t, const char *key, size_t n, uint64_t weight);

/* Eight bytes at s, as they lie. */
static inline uint64_t
topn_load8(const char *s)
{
	uint64_t w;

	memcpy(&w, s, 8);
	return w;
}

static inline uint32_t
topn_load4(const char *s)
{
	uint32_t w;

	memcpy(&w, s, 4);
	return w;
}

/*
 * Are the n bytes at a and at b the same? Compared in words, inline:
 * the keys are short (addresses, domains, codes) and a call to memcmp()
 * cost more than the comparing. Only the n bytes of each are read, so
 * the last word may overlap the one before it.
 */
static inline bool
topn_same(const char *a, const char *b, size_t n)
{
	size_t i;

	if (n >= 8) {
		for (i = 0; i + 8 < n; i += 8)
			if (topn_load8(a + i) != topn_load8(b + i))
				return false;
		return topn_load8(a + n - 8) == topn_load8(b + n - 8);
	}
	if (n >= 4)
		return topn_load4(a) == topn_load4(b) &&
		    topn_load4(a + n - 4) == topn_load4(b + n - 4);
	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* Is e's key the n bytes at key? */
static inline bool
topn_key_is(const struct topn_entry *e, const char *key, size_t n)
{
	return e->len == n && topn_same(e->key, key, n);
}

/* The slot at place pos of a full table's heap was counted up by w: it
 * sinks to its place. */
void topn_heap_counted(struct topn *t, size_t pos, uint64_t w);

/* topn_add_slot_n() for a key other than the one found last. */
size_t topn_add_other(
    struct topn *t, const char *key, size_t n, uint64_t weight, bool *fresh);

/*
 * The same as topn_add_n(), returning the slot (0..TOPN_SLOTS-1) the
 * key is in, so that a caller may keep figures of its own beside each
 * key; *fresh says the key has just taken the slot (new, or in
 * another's place): the caller's figures of that slot start again.
 * Inline: the same key as the last time (a sender's domain, a server,
 * an enhanced code come in runs) is most adds, and needs no hash.
 */
static inline size_t
topn_add_slot_n(
    struct topn *t, const char *key, size_t n, uint64_t w, bool *fresh)
{
	struct topn_entry *e = &t->e[t->last];

	/* Keys are cut to TOPN_KEY_MAX - 1 bytes. */
	if (n > TOPN_KEY_MAX - 1)
		n = TOPN_KEY_MAX - 1;
	if (t->last < t->n && topn_key_is(e, key, n)) {
		t->total += w;
		e->count += w;
		/* Before the table is full no key gives its place, so the
		 * heap is not kept (it is made when the last slot is taken):
		 * most tables never fill, and their counting costs no
		 * upkeep. */
		if (t->n == TOPN_SLOTS)
			topn_heap_counted(t, t->where[t->last], w);
		*fresh = false;
		return t->last;
	}
	return topn_add_other(t, key, n, w, fresh);
}

/* w more for the key at slot, as topn_add_slot_n() gave it, while no
 * key has taken another's place since (replaced unchanged): the same as
 * adding the key again. */
static inline void
topn_count(struct topn *t, size_t slot, uint64_t w)
{
	t->total += w;
	t->e[slot].count += w;
	if (t->n == TOPN_SLOTS)
		topn_heap_counted(t, t->where[slot], w);
}

/* The same for a string. */
static inline size_t
topn_add_slot(struct topn *t, const char *key, uint64_t w, bool *fresh)
{
	return topn_add_slot_n(
	    t, key, strnlen(key, TOPN_KEY_MAX - 1), w, fresh);
}
/* The entries by count, highest first; returns how many (<= max). */
size_t topn_sorted(
    const struct topn *t, const struct topn_entry **out, size_t max);

#endif
