/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The queues of fragment reassembly (ipfrag.h): found through a hash
 * table keyed with a random seed, each with its fragments' runs in an
 * AVL tree keyed by offset, kept in two lists (IPv4, IPv6) in the order
 * of their deadlines, which is also their age, evicted oldest first
 * when the byte budget or the queue cap is reached; and the IPv4 peers
 * that ipfrag_max_dist counts by.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net/ipfrag_int.h"

/* Accounting. */

void
bytes_add(struct ipfrag *f, struct queue *q, size_t n)
{
	f->st.bytes += n;
	if (f->st.bytes > f->st.bytes_max)
		f->st.bytes_max = f->st.bytes;
	if (q != NULL)
		q->bytes += n;
}

static void
bytes_sub(struct ipfrag *f, struct queue *q, size_t n)
{
	f->st.bytes -= n;
	if (q != NULL)
		q->bytes -= n;
}

/* Hashing, with a seed an attacker cannot know. */

static uint64_t
mix(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

uint64_t
key_hash(const struct ipfrag *f, const struct qkey *k)
{
	uint64_t w[sizeof(*k) / 8], h = f->seed;
	size_t i;

	memcpy(w, k, sizeof(w));
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		h = mix(h, w[i]);
	return h ^ (h >> 32);
}

static uint64_t
addrs_hash(const struct ipfrag *f, uint64_t addrs)
{
	uint64_t h = mix(mix(f->seed, addrs), 0x70656572);

	return h ^ (h >> 32);
}

uint64_t
random_seed(const struct ipfrag *f)
{
	uint64_t seed;

	if (getentropy(&seed, sizeof(seed)) == 0)
		return seed;
	return mix(mix((uint64_t)(uintptr_t)f, (uint64_t)time(NULL)),
	    (uint64_t)clock());
}

/* Bucket arrays double as entries come, up to max_buckets. */
static void
queues_grow(struct ipfrag *f)
{
	struct queue **nb, *q, *next;
	size_t n = f->nqb * 2, i;

	if (n > f->max_buckets || (nb = calloc(n, sizeof(*nb))) == NULL)
		return;
	for (i = 0; i < f->nqb; i++)
		for (q = f->qb[i]; q != NULL; q = next) {
			next = q->hnext;
			q->hnext = nb[q->hash & (n - 1)];
			nb[q->hash & (n - 1)] = q;
		}
	free(f->qb);
	f->qb = nb;
	f->nqb = n;
}

static void
peers_grow(struct ipfrag *f)
{
	struct peer **nb, *p, *next;
	size_t n = f->npb * 2, i;

	if (n > f->max_buckets || (nb = calloc(n, sizeof(*nb))) == NULL)
		return;
	for (i = 0; i < f->npb; i++)
		for (p = f->pb[i]; p != NULL; p = next) {
			next = p->hnext;
			p->hnext = nb[p->hash & (n - 1)];
			nb[p->hash & (n - 1)] = p;
		}
	free(f->pb);
	f->pb = nb;
	f->npb = n;
}

/* Peers (IPv4 max_dist). */

static struct peer *
peer_find(const struct ipfrag *f, uint64_t addrs, uint64_t h)
{
	struct peer *p;

	for (p = f->pb[h & (f->npb - 1)]; p != NULL; p = p->hnext)
		if (p->addrs == addrs)
			return p;
	return NULL;
}

static uint64_t
key_addrs(const struct qkey *k)
{
	return (uint64_t)rd32(k->src) << 32 | rd32(k->dst);
}

/* The peer of a new queue, made if needed; NULL if memory ran out (the
 * queue then goes without max_dist, as in Linux). */
static struct peer *
peer_get(struct ipfrag *f, const struct qkey *k)
{
	uint64_t addrs = key_addrs(k), h = addrs_hash(f, addrs);
	struct peer *p = peer_find(f, addrs, h);

	if (p != NULL)
		return p;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->addrs = addrs;
	p->hash = h;
	p->hnext = f->pb[h & (f->npb - 1)];
	f->pb[h & (f->npb - 1)] = p;
	bytes_add(f, NULL, sizeof(*p));
	if (++f->npeers > f->npb)
		peers_grow(f);
	return p;
}

static void
peer_put(struct ipfrag *f, struct peer *p)
{
	struct peer **pp;

	if (p == NULL || --p->refs > 0)
		return;
	for (pp = &f->pb[p->hash & (f->npb - 1)]; *pp != p; pp = &(*pp)->hnext)
		;
	*pp = p->hnext;
	f->npeers--;
	bytes_sub(f, NULL, sizeof(*p));
	free(p);
}

/* The tree of runs. */

static int
run_height(const struct frag *n)
{
	return n != NULL ? n->height : 0;
}

static void
run_fix(struct frag *n)
{
	int l = run_height(n->left), r = run_height(n->right);

	n->height = (l > r ? l : r) + 1;
}

static struct frag *
run_rotate_right(struct frag *n)
{
	struct frag *l = n->left;

	n->left = l->right;
	l->right = n;
	run_fix(n);
	run_fix(l);
	return l;
}

static struct frag *
run_rotate_left(struct frag *n)
{
	struct frag *r = n->right;

	n->right = r->left;
	r->left = n;
	run_fix(n);
	run_fix(r);
	return r;
}

static struct frag *
run_balance(struct frag *n)
{
	int b;

	run_fix(n);
	b = run_height(n->left) - run_height(n->right);
	if (b > 1) {
		if (run_height(n->left->left) < run_height(n->left->right))
			n->left = run_rotate_left(n->left);
		return run_rotate_right(n);
	}
	if (b < -1) {
		if (run_height(n->right->right) < run_height(n->right->left))
			n->right = run_rotate_right(n->right);
		return run_rotate_left(n);
	}
	return n;
}

/* Runs never overlap, so their offsets are distinct; the depth is at
 * most about 1.44 log2 of their number (< 25 for 16,384 runs). */
struct frag *
run_insert(struct frag *t, struct frag *n)
{
	if (t == NULL) {
		n->left = n->right = NULL;
		n->height = 1;
		return n;
	}
	if (n->off < t->off)
		t->left = run_insert(t->left, n);
	else
		t->right = run_insert(t->right, n);
	return run_balance(t);
}

/* Where [off, end) goes (inet_frag_queue_insert()). */
enum run_fit
run_place(const struct queue *q, uint32_t off, uint32_t end)
{
	const struct frag *t;

	if (q == NULL || q->last_run == NULL)
		return RUN_FIRST;
	if (q->last_run->run_end < end) {
		/* The common case: past the end of what is queued. */
		if (off < q->last_run->run_end)
			return RUN_OVERLAP;
		if (off == q->last_run->run_end)
			return RUN_APPEND;
		return RUN_NEW_LAST;
	}
	for (t = q->root; t != NULL;) {
		if (end <= t->off)
			t = t->left;
		else if (off >= t->run_end)
			t = t->right;
		else if (off >= t->off && end <= t->run_end)
			return RUN_DUP;
		else
			return RUN_OVERLAP;
	}
	return RUN_NEW;
}

/* Queues. */

static struct agelist *
age_of(struct ipfrag *f, const struct queue *q)
{
	return &f->age[q->key.version == 6];
}

static double
timeout_of(const struct ipfrag *f, int version)
{
	return version == 6 ? f->cfg.timeout_v6 : f->cfg.timeout_v4;
}

static void
age_unlink(struct agelist *a, struct queue *q)
{
	if (q->older != NULL)
		q->older->newer = q->newer;
	else
		a->oldest = q->newer;
	if (q->newer != NULL)
		q->newer->older = q->older;
	else
		a->newest = q->older;
	q->older = q->newer = NULL;
}

/* Made or restarted now: the newest, its deadline the latest. */
static void
age_append(struct ipfrag *f, struct queue *q)
{
	struct agelist *a = age_of(f, q);

	q->born = f->now;
	q->deadline = f->now + timeout_of(f, q->key.version);
	q->older = a->newest;
	q->newer = NULL;
	if (a->newest != NULL)
		a->newest->newer = q;
	else
		a->oldest = q;
	a->newest = q;
}

struct queue *
queue_find(const struct ipfrag *f, const struct qkey *k, uint64_t h)
{
	struct queue *q;

	for (q = f->qb[h & (f->nqb - 1)]; q != NULL; q = q->hnext)
		if (q->hash == h && memcmp(&q->key, k, sizeof(*k)) == 0)
			return q;
	return NULL;
}

static void
queue_free_frags(struct ipfrag *f, struct queue *q)
{
	struct frag *fr, *next;

	for (fr = q->frags; fr != NULL; fr = next) {
		next = fr->next;
		bytes_sub(f, q, sizeof(*fr) + fr->hdr_len + fr->cap);
		free(fr);
	}
	q->frags = q->root = q->last_run = q->head = NULL;
}

void
queue_destroy(struct ipfrag *f, struct queue *q)
{
	struct queue **pp;

	queue_free_frags(f, q);
	for (pp = &f->qb[q->hash & (f->nqb - 1)]; *pp != q; pp = &(*pp)->hnext)
		;
	*pp = q->hnext;
	age_unlink(age_of(f, q), q);
	peer_put(f, q->peer);
	bytes_sub(f, q, sizeof(*q));
	f->st.queues--;
	free(q);
}

/* ip_frag_reinit(): the fragments dropped, the timer restarted; the
 * largest sizes seen are kept, as there. */
static void
queue_restart(struct ipfrag *f, struct queue *q)
{
	queue_free_frags(f, q);
	q->flags = 0;
	q->len = q->meat = 0;
	q->ecn = 0;
	q->cut = UINT32_MAX;
	age_unlink(age_of(f, q), q);
	age_append(f, q);
}

struct queue *
queue_new(struct ipfrag *f, const struct qkey *k, uint64_t h)
{
	struct queue *q;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->key = *k;
	q->hash = h;
	q->cut = UINT32_MAX;
	if (k->version == 4 && f->cfg.max_dist > 0 &&
	    (q->peer = peer_get(f, k)) != NULL) {
		q->peer->refs++;
		q->rid = q->peer->rid;
	}
	q->hnext = f->qb[h & (f->nqb - 1)];
	f->qb[h & (f->nqb - 1)] = q;
	age_append(f, q);
	bytes_add(f, q, sizeof(*q));
	if (++f->st.queues > f->st.queues_max)
		f->st.queues_max = f->st.queues;
	if (f->st.queues > f->nqb)
		queues_grow(f);
	return q;
}

/* The oldest queue but `keep`. */
static struct queue *
queue_oldest(struct ipfrag *f, const struct queue *keep)
{
	struct queue *a = f->age[0].oldest, *b = f->age[1].oldest;

	if (a != NULL && a == keep)
		a = a->newer;
	if (b != NULL && b == keep)
		b = b->newer;
	if (a == NULL)
		return b;
	if (b == NULL)
		return a;
	return a->born <= b->born ? a : b;
}

/* Evict the oldest queues but `keep` until `cost` more bytes (and a new
 * queue, if `newq`) fit.  False: they cannot, even alone. */
bool
make_room(struct ipfrag *f, const struct queue *keep, size_t cost, bool newq)
{
	struct queue *victim;

	while (f->st.bytes + cost > f->cfg.budget_bytes ||
	    (newq && f->st.queues >= f->cfg.max_queues)) {
		if ((victim = queue_oldest(f, keep)) == NULL)
			return false;
		queue_destroy(f, victim);
		f->st.evicted++;
	}
	return true;
}

void
clock_advance(struct ipfrag *f, double now)
{
	if (now == now && (!f->have_now || now > f->now)) {
		f->now = now;
		f->have_now = true;
	}
}

void
expire_due(struct ipfrag *f)
{
	struct queue *q;
	int i;

	for (i = 0; i < 2; i++)
		while (
		    (q = f->age[i].oldest) != NULL && q->deadline <= f->now) {
			queue_destroy(f, q);
			f->st.timeouts++;
		}
}

/* ip_frag_too_far(): count the fragment for its peer, and restart its
 * queue if more than max_dist others came in since its last one. */
void
v4_peer_tick(struct ipfrag *f, struct queue *q, const struct qkey *k)
{
	struct peer *p;
	uint64_t addrs;

	if (f->cfg.max_dist == 0)
		return;
	if (q != NULL)
		p = q->peer;
	else {
		addrs = key_addrs(k);
		p = peer_find(f, addrs, addrs_hash(f, addrs));
	}
	if (p == NULL)
		return;
	p->rid++;
	if (q == NULL)
		return;
	if (q->frags != NULL && p->rid - q->rid > f->cfg.max_dist) {
		queue_restart(f, q);
		f->st.too_far++;
	}
	q->rid = p->rid;
}
