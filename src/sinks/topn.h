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
	uint16_t index[TOPN_SLOTS * 2]; /* hash -> slot + 1, 0 empty */
	/* The slots as a binary heap, least counted first (the lower slot
	 * first among equals): the one a new key replaces is heap[0]. Kept
	 * once the table is full (n == TOPN_SLOTS): before, no key is
	 * replaced. */
	uint8_t heap[TOPN_SLOTS];
	uint8_t where[TOPN_SLOTS]; /* slot -> its place in heap */
	uint8_t last;              /* the slot found last: tried first */
	size_t n;
	uint64_t total;    /* every add, kept or not */
	uint64_t replaced; /* times a key took another's place */
};

void topn_reset(struct topn *t);
void topn_add(struct topn *t, const char *key, uint64_t weight);
/*
 * The same, returning the slot (0..TOPN_SLOTS-1) the key is in, so that
 * a caller may keep figures of its own beside each key; *fresh says the
 * key has just taken the slot (new, or in another's place): the
 * caller's figures of that slot start again.
 */
size_t topn_add_slot(
    struct topn *t, const char *key, uint64_t weight, bool *fresh);
/* The entries by count, highest first; returns how many (<= max). */
size_t topn_sorted(
    const struct topn *t, const struct topn_entry **out, size_t max);

#endif
