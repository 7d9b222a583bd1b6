/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "topn.h"

#include <stdlib.h>
#include <string.h>

static uint32_t
key_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

void
topn_reset(struct topn *t)
{
	memset(t, 0, sizeof(*t));
}

/* Rebuild the hash index after a replacement (128 slots: cheap). */
static void
reindex(struct topn *t)
{
	size_t i, j, mask = TOPN_SLOTS * 2 - 1;

	memset(t->index, 0, sizeof(t->index));
	for (i = 0; i < t->n; i++) {
		j = t->e[i].hash & mask;
		while (t->index[j] != 0)
			j = (j + 1) & mask;
		t->index[j] = (uint16_t)(i + 1);
	}
}

static struct topn_entry *
find(struct topn *t, const char *key)
{
	size_t j, mask = TOPN_SLOTS * 2 - 1, probes;

	j = key_hash(key) & mask;
	for (probes = 0; probes <= mask && t->index[j] != 0; probes++) {
		struct topn_entry *e = &t->e[t->index[j] - 1];

		if (strcmp(e->key, key) == 0)
			return e;
		j = (j + 1) & mask;
	}
	return NULL;
}

static void
set_key(struct topn_entry *e, const char *key)
{
	size_t n = strlen(key);

	if (n >= sizeof(e->key))
		n = sizeof(e->key) - 1;
	memcpy(e->key, key, n);
	e->key[n] = '\0';
	e->hash = key_hash(e->key);
}

void
topn_add(struct topn *t, const char *key, uint64_t w)
{
	char cut[TOPN_KEY_MAX];
	struct topn_entry *e, *min;
	size_t i, n = strlen(key);

	t->total += w;
	if (n >= TOPN_KEY_MAX) {
		memcpy(cut, key, TOPN_KEY_MAX - 1);
		cut[TOPN_KEY_MAX - 1] = '\0';
		key = cut;
	}
	if ((e = find(t, key)) != NULL) {
		e->count += w;
		return;
	}
	if (t->n < TOPN_SLOTS) {
		e = &t->e[t->n++];
		set_key(e, key);
		e->count = w;
		e->error = 0;
		reindex(t);
		return;
	}
	min = &t->e[0];
	for (i = 1; i < t->n; i++)
		if (t->e[i].count < min->count)
			min = &t->e[i];
	min->error = min->count;
	min->count += w;
	set_key(min, key);
	t->replaced++;
	reindex(t);
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
