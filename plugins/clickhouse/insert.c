/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The INSERT statements of a batch (clickhouse.h). ClickHouse 18.16 takes
 * Array columns named "P.x", "P.y" for one Nested structure, whose arrays
 * must have one length in a row; a row that lacks "P.y" while naming
 * "P.x" gets [] there from a plain INSERT, and the whole insert is
 * refused. An INSERT that names its columns has ClickHouse fill a Nested
 * column it does not name with one default per element instead; one that
 * names a column a row lacks fills [] again. So the rows of a batch are
 * grouped by the Nested columns they have, and each group is inserted
 * naming the table's columns among its rows' keys: the Nested ones the
 * group's own, the others as they come (a scalar a row lacks takes its
 * default). Keys that are not columns are left out of the list, and
 * input_format_skip_unknown_fields=1 has the server skip them in the
 * rows.
 */
#include "clickhouse.h"
#include "flatten.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLUMNS_MAX 4096 /* columns of a table we know */

struct ch_columns {
	size_t n;
	char **names;
	size_t *lens; /* of the names */
	bool *nested;
	uint32_t *slots; /* column number plus one, 0 free */
	size_t nslots;   /* a power of two, over twice n */
};

/* A column name we put in a statement between backquotes as it is:
 * letters, digits, '_' and '.'. */
static bool
plain_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 255)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '_' || c == '.'))
			return false;
	}
	return true;
}

void
ch_columns_free(struct ch_columns *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		free(c->names[i]);
	free(c->names);
	free(c->lens);
	free(c->nested);
	free(c->slots);
	free(c);
}

struct ch_columns *
ch_columns_parse(const char *tsv, size_t len)
{
	struct ch_columns *c = calloc(1, sizeof(*c));
	const char *p = tsv, *end = tsv + len;
	size_t i;

	if (c == NULL)
		return NULL;
	c->names = calloc(COLUMNS_MAX, sizeof(*c->names));
	c->lens = calloc(COLUMNS_MAX, sizeof(*c->lens));
	c->nested = calloc(COLUMNS_MAX, sizeof(*c->nested));
	c->nslots = 2 * COLUMNS_MAX;
	c->slots = calloc(c->nslots, sizeof(*c->slots));
	if (c->names == NULL || c->lens == NULL || c->nested == NULL ||
	    c->slots == NULL)
		goto fail;
	while (p < end && c->n < COLUMNS_MAX) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl != NULL ? nl : end;
		const char *tab = memchr(p, '\t', (size_t)(line_end - p));
		size_t n = tab != NULL ? (size_t)(tab - p) : 0, k;

		if (tab != NULL && plain_name(p, n) &&
		    ch_columns_find(c, p, n, NULL) < 0) {
			if ((c->names[c->n] = strndup(p, n)) == NULL)
				goto fail;
			c->lens[c->n] = n;
			c->nested[c->n] = memchr(p, '.', n) != NULL &&
			    (size_t)(line_end - tab - 1) >= 6 &&
			    memcmp(tab + 1, "Array(", 6) == 0;
			k = chf_hash(p, n) & (c->nslots - 1);
			while (c->slots[k] != 0)
				k = (k + 1) & (c->nslots - 1);
			c->slots[k] = (uint32_t)++c->n;
		}
		p = line_end + 1;
	}
	return c;
fail:
	for (i = 0; c->names != NULL && i < c->n; i++)
		free(c->names[i]);
	free(c->names);
	free(c->lens);
	free(c->nested);
	free(c->slots);
	free(c);
	return NULL;
}

size_t
ch_columns_count(const struct ch_columns *c)
{
	return c->n;
}

int
ch_columns_find(
    const struct ch_columns *c, const char *name, size_t n, bool *nested)
{
	size_t k;

	for (k = chf_hash(name, n) & (c->nslots - 1); c->slots[k] != 0;
	     k = (k + 1) & (c->nslots - 1)) {
		uint32_t i = c->slots[k] - 1;

		if (c->lens[i] == n && memcmp(c->names[i], name, n) == 0) {
			if (nested != NULL)
				*nested = c->nested[i];
			return (int)i;
		}
	}
	return -1;
}

/* ---- grouping ---------------------------------------------------------- */

struct row {
	size_t off, len;  /* the line in the batch */
	size_t ids;       /* its columns in plan.ids: the Nested ones first */
	uint32_t nnested; /* sorted */
	uint32_t ncols;
	uint32_t next; /* the next row of its group, plus one */
};

struct group {
	uint32_t first, last; /* rows, plus one */
	uint32_t hash;
	size_t rows, bytes;
};

struct plan {
	const struct ch_columns *cols;
	uint32_t *ids;
	size_t nids, ids_cap;
	struct row *rows;
	size_t nrows, rows_cap;
	struct group *groups;
	size_t ngroups, groups_cap;
	uint32_t *slots; /* group number plus one */
	size_t nslots;
	bool *mark;        /* columns of the row being read */
	uint32_t *scratch; /* as many as the columns */
	bool nomem;
};

static bool
grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t c;
	void *q;

	if (n < *cap)
		return true;
	c = *cap != 0 ? *cap * 2 : 64;
	if ((q = realloc(*p, c * size)) == NULL)
		return false;
	*p = q;
	*cap = c;
	return true;
}

#define NESTED_BIT 0x80000000u

/* A key of the row being read: its column, if the table has one and the
 * row did not name it before (marked). The table's names are all plain
 * (plain_name()): a key found among them is one too. */
static void
on_key(void *arg, const char *key, size_t len, bool array)
{
	struct plan *pl = arg;
	bool nested = false;
	int id;

	(void)array;
	if (pl->nomem ||
	    (id = ch_columns_find(pl->cols, key, len, &nested)) < 0 ||
	    pl->mark[id])
		return;
	if (!grow(
		(void **)&pl->ids, &pl->ids_cap, pl->nids, sizeof(*pl->ids))) {
		pl->nomem = true;
		return;
	}
	pl->mark[id] = true;
	pl->ids[pl->nids++] = (uint32_t)id | (nested ? NESTED_BIT : 0);
}

static int
by_id(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The row's columns (at most one each: marked) put in order: its Nested
 * ones first, sorted, then the others; the marks cleared. */
static void
row_columns(struct plan *pl, struct row *r)
{
	size_t n = pl->nids - r->ids, i, k = 0, o;
	uint32_t *ids;

	r->nnested = r->ncols = 0;
	if (n == 0)
		return;
	ids = pl->ids + r->ids;
	for (i = 0; i < n; i++)
		k += (ids[i] & NESTED_BIT) != 0;
	for (i = 0, o = k, k = 0; i < n; i++) {
		if (ids[i] & NESTED_BIT)
			pl->scratch[k++] = ids[i] & ~NESTED_BIT;
		else
			pl->scratch[o++] = ids[i];
		pl->mark[ids[i] & ~NESTED_BIT] = false;
	}
	memcpy(ids, pl->scratch, n * sizeof(*ids));
	qsort(ids, k, sizeof(*ids), by_id);
	r->nnested = (uint32_t)k;
	r->ncols = (uint32_t)n;
}

static uint32_t
sig_hash(const uint32_t *ids, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= ids[i];
		h *= 16777619u;
	}
	return h;
}

/* The group of the last row read (a new one when no other has its
 * Nested columns). */
static bool
join_group(struct plan *pl)
{
	struct row *r = &pl->rows[pl->nrows];
	const uint32_t *sig = pl->ids + r->ids;
	uint32_t h = sig_hash(sig, r->nnested), i = (uint32_t)pl->nrows;
	size_t k, g;

	if ((pl->ngroups + 1) * 2 > pl->nslots) {
		size_t nslots = pl->nslots != 0 ? pl->nslots * 2 : 64;
		uint32_t *slots = calloc(nslots, sizeof(*slots));

		if (slots == NULL)
			return false;
		for (g = 0; g < pl->ngroups; g++) {
			k = pl->groups[g].hash & (nslots - 1);
			while (slots[k] != 0)
				k = (k + 1) & (nslots - 1);
			slots[k] = (uint32_t)g + 1;
		}
		free(pl->slots);
		pl->slots = slots;
		pl->nslots = nslots;
	}
	for (k = h & (pl->nslots - 1); pl->slots[k] != 0;
	     k = (k + 1) & (pl->nslots - 1)) {
		struct group *gr = &pl->groups[pl->slots[k] - 1];
		const struct row *first = &pl->rows[gr->first - 1];

		if (gr->hash == h && first->nnested == r->nnested &&
		    memcmp(pl->ids + first->ids, sig,
			r->nnested * sizeof(*sig)) == 0) {
			pl->rows[gr->last - 1].next = i + 1;
			gr->last = i + 1;
			gr->rows++;
			gr->bytes += r->len + 1;
			return true;
		}
	}
	if (!grow((void **)&pl->groups, &pl->groups_cap, pl->ngroups,
		sizeof(*pl->groups)))
		return false;
	pl->groups[pl->ngroups].first = pl->groups[pl->ngroups].last = i + 1;
	pl->groups[pl->ngroups].hash = h;
	pl->groups[pl->ngroups].rows = 1;
	pl->groups[pl->ngroups].bytes = r->len + 1;
	pl->slots[k] = (uint32_t)++pl->ngroups;
	return true;
}

/* One group's statement and rows. */
static bool
build(const struct plan *pl, const struct group *g, const char *db,
    const char *table, const char *data, bool *mark, struct ch_request *out)
{
	size_t head = strlen(db) + strlen(table) + 64, i, n = 0;
	const struct row *r;
	uint32_t k;
	char *p;

	for (k = g->first; k != 0; k = r->next) {
		r = &pl->rows[k - 1];
		for (i = 0; i < r->ncols; i++) {
			uint32_t id = pl->ids[r->ids + i];

			if (!mark[id]) {
				mark[id] = true;
				head += strlen(pl->cols->names[id]) + 3;
			}
		}
	}
	if ((out->body = malloc(head + g->bytes + 1)) == NULL)
		return false;
	p = out->body;
	p += snprintf(p, head, "INSERT INTO `%s`.`%s` (", db, table);
	for (i = 0; i < pl->cols->n; i++)
		if (mark[i]) {
			p += snprintf(p, head - (size_t)(p - out->body),
			    "%s`%s`", n++ > 0 ? "," : "", pl->cols->names[i]);
			mark[i] = false;
		}
	p += snprintf(
	    p, head - (size_t)(p - out->body), ") FORMAT JSONEachRow\n");
	for (k = g->first; k != 0; k = r->next) {
		r = &pl->rows[k - 1];
		memcpy(p, data + r->off, r->len);
		p += r->len;
		*p++ = '\n';
	}
	*p = '\0';
	out->len = (size_t)(p - out->body);
	out->rows = g->rows;
	return true;
}

void
ch_requests_free(struct ch_request *r, size_t n)
{
	size_t i;

	for (i = 0; r != NULL && i < n; i++)
		free(r[i].body);
	free(r);
}

/* The members of a row (n bytes) kept with its batch, from keys[*k],
 * given to on_key() as chf_row_keys() would: false when they do not fit
 * the row (then the row is read instead). */
static bool
noted_keys(struct plan *pl, size_t n, const uint32_t *keys, size_t nkeys,
    size_t *k, const char *row)
{
	size_t i = *k, m, j;

	if (i >= nkeys)
		return false;
	m = keys[i++];
	if (m > (nkeys - i) / 2)
		return false;
	for (j = 0; j < m; j++) {
		uint32_t off = keys[i + 2 * j],
			 klen = keys[i + 2 * j + 1] & ~CH_KEY_ARRAY;

		if (off > n || klen > n - off)
			return false;
	}
	for (j = 0; j < m; j++, i += 2)
		on_key(pl, row + keys[i], keys[i + 1] & ~CH_KEY_ARRAY,
		    (keys[i + 1] & CH_KEY_ARRAY) != 0);
	*k = i;
	return true;
}

int
ch_requests(struct chf *w, const struct ch_columns *cols, const char *db,
    const char *table, const char *data, size_t len, const uint32_t *keys,
    size_t nkeys, struct ch_request **out, size_t *nout, size_t *lost)
{
	struct plan pl = { .cols = cols };
	const char *p = data, *end = data + len;
	struct ch_request *req = NULL;
	size_t g, k = 0;
	bool ok;
	int rc = -1;

	*out = NULL;
	*nout = 0;
	*lost = 0;
	pl.mark = calloc(cols->n + 1, sizeof(*pl.mark));
	pl.scratch = calloc(cols->n + 1, sizeof(*pl.scratch));
	if (pl.mark == NULL || pl.scratch == NULL)
		goto out;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		struct row *r;

		if (n > 0) {
			if (!grow((void **)&pl.rows, &pl.rows_cap, pl.nrows,
				sizeof(*pl.rows)) ||
			    pl.nrows >= UINT32_MAX - 1)
				goto out;
			r = &pl.rows[pl.nrows];
			memset(r, 0, sizeof(*r));
			r->off = (size_t)(p - data);
			r->len = n;
			r->ids = pl.nids;
			if (keys == NULL ||
			    !noted_keys(&pl, n, keys, nkeys, &k, p)) {
				keys = NULL;
				ok = chf_row_keys(w, p, n, on_key, &pl) ==
				    CHF_OK;
			} else {
				ok = true;
			}
			row_columns(&pl, r);
			if (pl.nomem)
				goto out;
			if (!ok || r->ncols == 0) {
				pl.nids = r->ids;
				(*lost)++;
			} else if (!join_group(&pl)) {
				goto out;
			} else {
				pl.nrows++;
			}
		}
		p += n + 1;
	}
	if (pl.ngroups > 0 && (req = calloc(pl.ngroups, sizeof(*req))) == NULL)
		goto out;
	for (g = 0; g < pl.ngroups; g++)
		if (!build(
			&pl, &pl.groups[g], db, table, data, pl.mark, &req[g]))
			goto out;
	*out = req;
	*nout = pl.ngroups;
	req = NULL;
	rc = 0;
out:
	ch_requests_free(req, pl.ngroups);
	free(pl.mark);
	free(pl.scratch);
	free(pl.ids);
	free(pl.rows);
	free(pl.groups);
	free(pl.slots);
	return rc;
}
