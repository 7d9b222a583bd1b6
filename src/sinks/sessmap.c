/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sinks/sessmap.h"

#include <stdlib.h>

#include "lib/util.h"

#define TOMBSTONE ((void *)&tombstone_marker)
static const char tombstone_marker;

static size_t
hash_id(uint64_t id, size_t cap)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdull;
	id ^= id >> 33;
	return (size_t)id & (cap - 1);
}

void
sessmap_init(struct sessmap *m)
{
	m->cap = 64;
	m->n = 0;
	m->tomb = 0;
	m->slot = xcalloc(m->cap, sizeof(*m->slot));
}

void
sessmap_free(struct sessmap *m)
{
	free(m->slot);
	m->slot = NULL;
	m->cap = m->n = m->tomb = 0;
}

static struct sessmap_slot *
find(const struct sessmap *m, uint64_t id)
{
	size_t i = hash_id(id, m->cap), k;

	for (k = 0; k < m->cap; k++) {
		struct sessmap_slot *s = &m->slot[(i + k) & (m->cap - 1)];

		if (s->id == 0 && s->val != TOMBSTONE)
			return NULL;
		if (s->id == id)
			return s;
	}
	return NULL;
}

static void
grow(struct sessmap *m, size_t cap)
{
	struct sessmap_slot *old = m->slot;
	size_t oldcap = m->cap, i;

	m->slot = xcalloc(cap, sizeof(*m->slot));
	m->cap = cap;
	m->n = 0;
	m->tomb = 0;
	for (i = 0; i < oldcap; i++)
		if (old[i].id != 0)
			sessmap_put(m, old[i].id, old[i].val);
	free(old);
}

void *
sessmap_get(const struct sessmap *m, uint64_t id)
{
	struct sessmap_slot *s = find(m, id);

	return s ? s->val : NULL;
}

void
sessmap_put(struct sessmap *m, uint64_t id, void *val)
{
	struct sessmap_slot *old = find(m, id);
	size_t i, k;

	if (old != NULL) {
		old->val = val;
		return;
	}
	if ((m->n + m->tomb + 1) * 4 > m->cap * 3)
		grow(m, (m->n + 1) * 4 > m->cap ? m->cap * 2 : m->cap);
	i = hash_id(id, m->cap);
	for (k = 0; k < m->cap; k++) {
		struct sessmap_slot *s = &m->slot[(i + k) & (m->cap - 1)];

		if (s->id == 0) {
			if (s->val == TOMBSTONE)
				m->tomb--;
			s->id = id;
			s->val = val;
			m->n++;
			return;
		}
	}
}

void *
sessmap_del(struct sessmap *m, uint64_t id)
{
	struct sessmap_slot *s = find(m, id);
	void *v;

	if (s == NULL)
		return NULL;
	v = s->val;
	s->id = 0;
	s->val = TOMBSTONE;
	m->n--;
	m->tomb++;
	return v;
}

void
sessmap_each(struct sessmap *m, void (*fn)(void *arg, void *val), void *arg)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		if (m->slot[i].id != 0)
			fn(arg, m->slot[i].val);
}
