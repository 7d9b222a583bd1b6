/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "net/v6map.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

struct v6entry {
	uint64_t note; /* v6map_note() */
	uint8_t addr[16];
	uint32_t refs;
	uint32_t next; /* index + 1 of the next in the bucket, 0 ends */
	/* Unreferenced mappings in the order of their last use (index + 1,
	 * 0 ends): the one unused longest is recycled first, so that a
	 * stand-in that a half-open connection still needs (its SYN-ACK is
	 * on the way) outlives a burst of new addresses. */
	uint32_t older, newer;
	uint8_t used;
	uint8_t listed;
};

struct v6map {
	struct v6entry *e;
	uint32_t *bucket; /* index + 1 of the first entry, 0 empty */
	uint32_t nbucket; /* power of two */
	uint32_t max, n;
	uint32_t lru_old, lru_new; /* index + 1 */
	uint64_t full, recycled;
	bool (*in_use)(void *arg, uint32_t standin, uint64_t note);
	void *in_use_arg;
};

/* 240.0.0.1 ... 255.254.x.x excluded: index i maps to 0xF0000001 + i. */
#define STANDIN_BASE 0xf0000001u
#define STANDIN_LIMIT V6MAP_MAX /* keeps clear of 255.0.0.0/8 */

static uint32_t
buckets_for(uint32_t max)
{
	uint32_t n = 1;

	while (n < max)
		n <<= 1;
	return n;
}

size_t
v6map_bytes(uint32_t max)
{
	if (max == 0 || max > STANDIN_LIMIT)
		max = V6MAP_DEFAULT_MAX;
	return sizeof(struct v6map) + (size_t)max * sizeof(struct v6entry) +
	    (size_t)buckets_for(max) * sizeof(uint32_t);
}

static uint32_t
v6hash(const uint8_t a[16])
{
	uint64_t h = 0xcbf29ce484222325ull;
	int i;

	for (i = 0; i < 16; i++) {
		h ^= a[i];
		h *= 0x100000001b3ull;
	}
	return (uint32_t)(h ^ (h >> 32));
}

struct v6map *
v6map_new(uint32_t max)
{
	struct v6map *m = xcalloc(1, sizeof(*m));

	if (max == 0 || max > STANDIN_LIMIT)
		max = V6MAP_DEFAULT_MAX;
	m->max = max;
	m->nbucket = buckets_for(max);
	m->e = xcalloc(max, sizeof(*m->e));
	m->bucket = xcalloc(m->nbucket, sizeof(*m->bucket));
	return m;
}

void
v6map_free(struct v6map *m)
{
	if (m == NULL)
		return;
	free(m->e);
	free(m->bucket);
	free(m);
}

static void
lru_out(struct v6map *m, uint32_t idx)
{
	struct v6entry *x = &m->e[idx];

	if (!x->listed)
		return;
	if (x->older != 0)
		m->e[x->older - 1].newer = x->newer;
	else
		m->lru_old = x->newer;
	if (x->newer != 0)
		m->e[x->newer - 1].older = x->older;
	else
		m->lru_new = x->older;
	x->older = x->newer = 0;
	x->listed = 0;
}

/* To the newest end: unreferenced, just used. */
static void
lru_in(struct v6map *m, uint32_t idx)
{
	struct v6entry *x = &m->e[idx];

	lru_out(m, idx);
	x->older = m->lru_new;
	x->newer = 0;
	if (m->lru_new != 0)
		m->e[m->lru_new - 1].newer = idx + 1;
	else
		m->lru_old = idx + 1;
	m->lru_new = idx + 1;
	x->listed = 1;
}

static void
unlink_entry(struct v6map *m, uint32_t idx)
{
	uint32_t *pp = &m->bucket[v6hash(m->e[idx].addr) & (m->nbucket - 1)];

	while (*pp != 0) {
		if (*pp == idx + 1) {
			*pp = m->e[idx].next;
			break;
		}
		pp = &m->e[*pp - 1].next;
	}
	m->e[idx].used = 0;
}

uint32_t
v6map_find(const struct v6map *m, const uint8_t addr[16])
{
	uint32_t i = m->bucket[v6hash(addr) & (m->nbucket - 1)];

	for (; i != 0; i = m->e[i - 1].next)
		if (memcmp(m->e[i - 1].addr, addr, 16) == 0)
			return htonl(STANDIN_BASE + i - 1);
	return 0;
}

/* The oldest mapping no connection holds that nobody needs now, taken
 * out of the table; false if none of the first few may go. */
static bool
recycle(struct v6map *m, uint32_t *out)
{
	uint32_t idx;
	int tries;

	for (tries = 0; tries < V6MAP_RECYCLE_TRIES; tries++) {
		if (m->lru_old == 0)
			return false;
		idx = m->lru_old - 1;
		if (m->in_use != NULL &&
		    m->in_use(m->in_use_arg, htonl(STANDIN_BASE + idx),
			m->e[idx].note)) {
			lru_in(m, idx); /* kept: as if just used */
			continue;
		}
		lru_out(m, idx);
		unlink_entry(m, idx);
		m->recycled++;
		*out = idx;
		return true;
	}
	return false;
}

uint32_t
v6map_get(struct v6map *m, const uint8_t addr[16])
{
	uint32_t b = v6hash(addr) & (m->nbucket - 1), i, idx;

	for (i = m->bucket[b]; i != 0; i = m->e[i - 1].next)
		if (memcmp(m->e[i - 1].addr, addr, 16) == 0) {
			if (m->e[i - 1].refs == 0)
				lru_in(m, i - 1);
			return htonl(STANDIN_BASE + i - 1);
		}
	if (m->n < m->max) {
		idx = m->n++;
	} else if (!recycle(m, &idx)) {
		/* Every mapping is held or needed: the packet goes. */
		m->full++;
		return 0;
	}
	memcpy(m->e[idx].addr, addr, 16);
	m->e[idx].note = 0;
	m->e[idx].refs = 0;
	m->e[idx].used = 1;
	m->e[idx].next = m->bucket[b];
	m->bucket[b] = idx + 1;
	lru_in(m, idx);
	return htonl(STANDIN_BASE + idx);
}

static bool
standin_index(const struct v6map *m, uint32_t standin, uint32_t *idx)
{
	uint32_t h = ntohl(standin);

	if (h < STANDIN_BASE || h - STANDIN_BASE >= m->n)
		return false;
	*idx = h - STANDIN_BASE;
	return m->e[*idx].used != 0;
}

bool
v6map_lookup(const struct v6map *m, uint32_t standin, uint8_t out[16])
{
	uint32_t idx;

	if (!standin_index(m, standin, &idx))
		return false;
	memcpy(out, m->e[idx].addr, 16);
	return true;
}

void
v6map_ref(struct v6map *m, uint32_t standin)
{
	uint32_t idx;

	if (standin_index(m, standin, &idx) && m->e[idx].refs++ == 0)
		lru_out(m, idx);
}

void
v6map_unref(struct v6map *m, uint32_t standin)
{
	uint32_t idx;

	if (standin_index(m, standin, &idx) && m->e[idx].refs > 0 &&
	    --m->e[idx].refs == 0)
		lru_in(m, idx);
}

void
v6map_set_in_use(struct v6map *m,
    bool (*in_use)(void *arg, uint32_t standin, uint64_t note), void *arg)
{
	m->in_use = in_use;
	m->in_use_arg = arg;
}

void
v6map_note(struct v6map *m, uint32_t standin, uint64_t note)
{
	uint32_t idx;

	if (standin_index(m, standin, &idx))
		m->e[idx].note = note;
}

uint64_t
v6map_full_count(const struct v6map *m)
{
	return m->full;
}

uint64_t
v6map_recycled_count(const struct v6map *m)
{
	return m->recycled;
}
