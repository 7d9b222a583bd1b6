/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Message tracking across hops (track.h). A message is a struct tmsg:
 * its public part (struct smtp_message: hops, recipients) and its place
 * in the order of last activity. Three indexes find a message: by the
 * queue id a hop's server gave it, by its Message-ID and by its envelope
 * sender; a table of relays remembers, per destination domain, the
 * latest acceptance among the messages seen leaving each relay.
 */
#include "track/track.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

#define RCPTS_MAX 256     /* recipients kept of one message */
#define CANDIDATES_MAX 64 /* entries of one key looked at */
#define RELAYS_MAX 4096
#define RELAY_DOMAINS 16 /* destinations remembered per relay */
#define TEXT_MAX 256     /* bytes kept of a reply's text */

struct tmsg;

/* An entry of an index: a key (a string of the message's) and the
 * message (and hop) it names. */
struct tkey {
	struct tkey *next, **pprev; /* in its bucket */
	struct tkey *msg_next;      /* the message's next entry */
	struct tmsg *msg;
	const char *key;
	uint32_t hash;
	int hop;
};

/* A block more of a message's memory, when its first is full. */
struct tchunk {
	struct tchunk *next;
	size_t size;
};

/*
 * A message and everything it holds (strings, its hops and recipients,
 * its index entries) in one block sized for it when it is made, and in
 * more blocks (chunks) if it grows: freed all at once.
 */
struct tmsg {
	struct smtp_message m;
	size_t hops_cap, rcpt_cap;
	struct tmsg *prev, *next; /* by last activity, oldest first */
	uint8_t list;             /* the LIST_ it is on */
	bool linked;              /* on it */
	double last;
	struct tkey *keys; /* its entries in the indexes */
	struct tkey k_sender;
	bool by_sender;            /* k_sender is in the index */
	const char *last_text_src; /* the reply text last kept */
	char *last_text;           /* its copy */
	char *at;                  /* free room in the current block */
	size_t left;
	size_t bytes; /* all its blocks */
	size_t first; /* the size of its first block (this one) */
	struct tchunk *chunks;
};

/*
 * What most transactions never take (a full table, a DSN, a relay's
 * refused retry, a block outgrown): out of on_transaction()'s lines, so
 * that the common path, run once a transaction with its code gone from
 * the instruction cache since, fetches fewer of them.
 */
#define RARE __attribute__((cold, noinline))

#define CHUNK_MIN 512
/* A settled message's first block is kept for the next message if it
 * is no larger than this (tracker.spare). */
#define SPARE_MAX 4096
#define INDEX_BUCKETS_MAX ((size_t)1 << 16)
#define ENVELOPE_RCPTS 16 /* recipients of a retry looked for */
#define CLOCK_STEP_MAX 60.0
/* A message only servers that never sent mail on hold: settled after
 * this long without news (a relay's first message out comes sooner). */
#define GRACE 120.0
#define GRACE_MAX 256 /* and at most this many of them at once */

enum { LIST_GRACE, LIST_WINDOW };

struct tindex {
	struct tkey **b;
	size_t mask;
};

struct relay_dom {
	uint32_t hash;      /* of the domain, 0 unused */
	double left_accept; /* the latest acceptance of a message gone */
	double used;
};

struct relay {
	struct relay *next;
	struct smtp_endpoint addr; /* port 0 */
	uint16_t accept_port;      /* where it accepted mail first */
	uint8_t ndom;              /* dom[] entries in use */
	bool sends;                /* seen sending mail to another server */
	double used;               /* capture time it was last looked at */
	uint64_t accepted;         /* messages it accepted */
	struct relay_dom dom[RELAY_DOMAINS];
};

struct tracker {
	struct track_config cfg;
	struct event_bus *bus;
	struct tindex by_qid, by_sender;
	struct relay **relays;
	size_t relay_mask, nrelays;
	/* The relay last looked up (a transaction looks up the same
	 * server several times): NULL none or not one. */
	struct smtp_endpoint last_addr;
	struct relay *last_relay;
	bool last_valid;
	/* Messages by last activity: those some relay (a server seen
	 * sending mail to another) may still pass on wait the window;
	 * those only servers that never sent any hold, the grace. */
	struct {
		struct tmsg *oldest, *newest;
		size_t n;
	} lru[2];
	size_t bytes; /* held by the messages followed */
	uint64_t next_id;
	/* The tracker's clock: the capture's time, but a step of more than
	 * CLOCK_STEP_MAX counts that much, a step back nothing (a clock set
	 * during the capture settles nothing early; the idle clock of
	 * net/reasm.c does the same). */
	double now, raw, last_sweep;
	struct track_stats st;
	/*
	 * The first block of the message settled last, of spare_size
	 * bytes, for the next one (NULL none): a message's block is past
	 * the allocator's small sizes, where a malloc() and a free() cost
	 * some 400 instructions, and messages come and go one for one.
	 * What a message holds is counted as asked for, whichever block
	 * it is in.
	 */
	struct tmsg *spare;
	size_t spare_size;
};

/* ---- keys ---- */

static uint32_t
hash_bytes(const char *s, size_t n, bool fold)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (fold && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		h = (h ^ c) * 16777619u;
	}
	return h != 0 ? h : 1;
}

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static bool
key_eq(const char *a, const char *b, bool fold)
{
	if (!fold)
		return strcmp(a, b) == 0;
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (lower((unsigned char)*a) != lower((unsigned char)*b))
			return false;
	return *a == *b;
}

static void
index_init(struct tindex *x, size_t want)
{
	size_t n = 1024;

	/* The byte cap holds some tens of thousands of messages at most:
	 * more buckets would be memory for nothing. */
	while (n < want * 2 && n < INDEX_BUCKETS_MAX)
		n <<= 1;
	x->b = xcalloc(n, sizeof(*x->b));
	x->mask = n - 1;
}

/* k (the message's memory) into x under key (a string of the message). */
static void
index_add(struct tindex *x, struct tkey *k, const char *key, bool fold,
    struct tmsg *m, int hop)
{
	k->hash = hash_bytes(key, strlen(key), fold);
	k->msg = m;
	k->hop = hop;
	k->key = key;
	k->pprev = &x->b[k->hash & x->mask];
	k->next = *k->pprev;
	if (k->next != NULL)
		k->next->pprev = &k->next;
	*k->pprev = k;
	k->msg_next = m->keys;
	m->keys = k;
}

/* Every entry of m, from whichever index holds it. */
static void
index_del_msg(struct tmsg *m)
{
	struct tkey *k, *next;

	for (k = m->keys; k != NULL; k = next) {
		next = k->msg_next;
		*k->pprev = k->next;
		if (k->next != NULL)
			k->next->pprev = k->pprev;
	}
	m->keys = NULL;
}

/* The first entry of key after k (NULL: from the start). */
static struct tkey *
index_next(const struct tindex *x, const char *key, uint32_t h, bool fold,
    struct tkey *k)
{
	k = k == NULL ? x->b[h & x->mask] : k->next;
	for (; k != NULL; k = k->next)
		if (k->hash == h && key_eq(k->key, key, fold))
			return k;
	return NULL;
}

/* ---- relays ---- */

/* An address's slot: a multiplicative hash of its 4 bytes, or of the
 * 16 of an IPv6 address folded to 4. */
static uint32_t
addr_hash(const struct smtp_endpoint *e)
{
	uint32_t w[4] = { 0, 0, 0, 0 };

	memcpy(w, e->addr, e->family == 6 ? 16 : 4);
	return ((w[0] ^ w[1] ^ w[2] ^ w[3]) * 2654435761u) >> 8;
}

/* Compared in words, inline: a call to memcmp() of 4 or 16 bytes cost
 * more than the comparing (this runs for every transaction and message,
 * often more than once). */
static bool
addr_eq(const struct smtp_endpoint *a, const struct smtp_endpoint *b)
{
	uint64_t x[2], y[2];
	uint32_t u, v;

	if (a->family != b->family)
		return false;
	if (a->family == 6) {
		memcpy(x, a->addr, 16);
		memcpy(y, b->addr, 16);
		return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
	}
	memcpy(&u, a->addr, 4);
	memcpy(&v, b->addr, 4);
	return u == v;
}

static bool
ep_eq(const struct smtp_endpoint *a, const struct smtp_endpoint *b)
{
	return a->port == b->port && addr_eq(a, b);
}

static struct relay *
relay_find(struct tracker *t, const struct smtp_endpoint *e)
{
	struct relay *r;

	if (t->last_valid && addr_eq(&t->last_addr, e))
		return t->last_relay;
	for (r = t->relays[addr_hash(e) & t->relay_mask]; r != NULL;
	     r = r->next)
		if (addr_eq(&r->addr, e))
			break;
	t->last_addr = *e;
	t->last_relay = r;
	t->last_valid = true;
	return r;
}

/* Room for more: the relays looked at longest ago go, an eighth of the
 * table's span of times at once (one pass, not one a new relay). */
static RARE void
relay_evict(struct tracker *t)
{
	struct relay **pp, *r;
	double lo = 0, hi = 0, cut;

	t->last_valid = false;
	size_t i, budget = t->nrelays / 8 + 1;
	bool any = false;

	for (i = 0; i <= t->relay_mask; i++)
		for (r = t->relays[i]; r != NULL; r = r->next) {
			if (!any || r->used < lo)
				lo = r->used;
			if (!any || r->used > hi)
				hi = r->used;
			any = true;
		}
	cut = lo + (hi - lo) / 8;
	for (i = 0; i <= t->relay_mask; i++)
		for (pp = &t->relays[i]; (r = *pp) != NULL && budget > 0;) {
			if (r->used <= cut) {
				budget--;
				*pp = r->next;
				free(r);
				t->nrelays--;
			} else
				pp = &r->next;
		}
}

static struct relay *
relay_get(struct tracker *t, const struct smtp_endpoint *e)
{
	struct relay *r = relay_find(t, e);
	size_t slot;

	if (r != NULL) {
		r->used = t->now;
		return r;
	}
	if (t->nrelays >= RELAYS_MAX) {
		t->st.relays_full++;
		relay_evict(t);
	}
	r = xcalloc(1, sizeof(*r));
	t->last_valid = false;
	r->used = t->now;
	r->addr = *e;
	r->addr.port = 0;
	slot = addr_hash(e) & t->relay_mask;
	r->next = t->relays[slot];
	t->relays[slot] = r;
	t->nrelays++;
	return r;
}

static uint32_t
domain_hash(const char *addr)
{
	const char *at = strrchr(addr, '@');
	const char *d = at != NULL ? at + 1 : addr;

	return hash_bytes(d, strlen(d), true);
}

static struct relay_dom *
relay_dom(struct relay *r, uint32_t dh, bool add, double now)
{
	struct relay_dom *oldest = &r->dom[0];
	size_t i;

	for (i = 0; i < RELAY_DOMAINS; i++) {
		if (r->dom[i].hash == dh)
			return &r->dom[i];
		if (r->dom[i].used < oldest->used)
			oldest = &r->dom[i];
	}
	if (!add)
		return NULL;
	if (oldest->hash == 0)
		r->ndom++;
	memset(oldest, 0, sizeof(*oldest));
	oldest->hash = dh;
	oldest->used = now;
	return oldest;
}

/* A message accepted by relay at accepted is seen leaving it for addr's
 * domain. */
static void
relay_left(struct tracker *t, const struct smtp_endpoint *relay,
    const char *addr, double accepted)
{
	struct relay *r = relay_get(t, relay);
	struct relay_dom *d;

	if (r == NULL)
		return;
	d = relay_dom(r, domain_hash(addr), true, t->now);
	d->used = t->now;
	if (accepted > d->left_accept)
		d->left_accept = accepted;
}

/* Some server that accepted m has been seen sending mail to another
 * server (or m waits on a refusal: its client, a relay, retries). */
static bool
holder_sends(struct tracker *t, const struct smtp_message *m)
{
	const struct relay *rl;
	size_t i;

	for (i = 0; i < m->nhops; i++) {
		const struct smtp_msg_hop *h = &m->hops[i];

		if (h->from_hop >= 0)
			return true;
		if (h->outcome == SMTP_OUTCOME_ACCEPTED &&
		    (rl = relay_find(t, &h->server)) != NULL && rl->sends)
			return true;
	}
	return false;
}

/* A transaction from client to server: client, if it accepts mail
 * itself (somewhere else), passes mail on. */
static void lru_touch(struct tracker *t, struct tmsg *m);

/* A server just seen sending mail on: the messages it holds that waited
 * as at a final destination (LIST_GRACE, at most GRACE_MAX) now wait as
 * at a relay, found by their sender (its DSNs, its retries). */
static RARE void
grace_promote(struct tracker *t, const struct smtp_endpoint *addr)
{
	struct tmsg *m, *next;
	size_t i;

	for (m = t->lru[LIST_GRACE].oldest; m != NULL; m = next) {
		next = m->next;
		for (i = 0; i < m->m.nhops; i++)
			if (m->m.hops[i].outcome == SMTP_OUTCOME_ACCEPTED &&
			    addr_eq(&m->m.hops[i].server, addr))
				break;
		if (i < m->m.nhops)
			lru_touch(t, m);
	}
}

static void
relay_sends(struct tracker *t, const struct smtp_endpoint *client,
    const struct smtp_endpoint *server)
{
	struct relay *rl = relay_find(t, client);

	if (rl == NULL || rl->sends)
		return;
	if (!addr_eq(client, server) ||
	    (rl->accept_port != 0 && server->port != rl->accept_port)) {
		rl->sends = true;
		grace_promote(t, client);
	}
}

/* ---- messages ---- */

/* A block more for n bytes (aligned): the first, sized for the message
 * when it was made, is full. */
static RARE void
m_chunk(struct tracker *t, struct tmsg *tm, size_t n)
{
	size_t size = n > CHUNK_MIN ? n : CHUNK_MIN;
	struct tchunk *c = xmalloc(sizeof(*c) + 8 + size);

	c->size = sizeof(*c) + 8 + size;
	c->next = tm->chunks;
	tm->chunks = c;
	tm->at = (char *)c + ((sizeof(*c) + 7) & ~(size_t)7);
	tm->left = size;
	tm->bytes += c->size;
	t->bytes += c->size;
}

/* n bytes of the message's memory, aligned for any of its structures. */
static void *
m_alloc(struct tracker *t, struct tmsg *tm, size_t n)
{
	char *p;

	n = (n + 7) & ~(size_t)7;
	if (n > tm->left)
		m_chunk(t, tm, n);
	p = tm->at;
	tm->at += n;
	tm->left -= n;
	return p;
}

static char *
m_memdup(struct tracker *t, struct tmsg *tm, const char *s, size_t n)
{
	char *p = m_alloc(t, tm, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* A copy of s (at most TEXT_MAX bytes of it), or NULL. */
static char *
m_dup(struct tracker *t, struct tmsg *tm, const char *s)
{
	if (s == NULL)
		return NULL;
	return m_memdup(t, tm, s, strnlen(s, TEXT_MAX));
}

static char *
m_dup_whole(struct tracker *t, struct tmsg *tm, const char *s)
{
	return m_memdup(t, tm, s, strlen(s));
}

static void
lru_unlink(struct tracker *t, struct tmsg *m)
{
	if (!m->linked)
		return;
	m->linked = false;
	t->lru[m->list].n--;
	if (m->prev != NULL)
		m->prev->next = m->next;
	else if (t->lru[m->list].oldest == m)
		t->lru[m->list].oldest = m->next;
	if (m->next != NULL)
		m->next->prev = m->prev;
	else if (t->lru[m->list].newest == m)
		t->lru[m->list].newest = m->prev;
	m->prev = m->next = NULL;
}

/* m to the new end of a list: LIST_WINDOW when a server that holds it
 * has been seen sending mail on. */
static void
lru_touch(struct tracker *t, struct tmsg *m)
{
	uint8_t list = holder_sends(t, &m->m) ? LIST_WINDOW : LIST_GRACE;

	if (t->lru[m->list].newest == m && m->list == list)
		return;
	lru_unlink(t, m);
	/* Found by its sender (a DSN back to it, a relay's retry) once a
	 * relay holds it. */
	if (list == LIST_WINDOW && !m->by_sender) {
		m->by_sender = true;
		index_add(
		    &t->by_sender, &m->k_sender, m->m.mail_from, true, m, -1);
	}
	m->list = list;
	m->linked = true;
	t->lru[list].n++;
	m->prev = t->lru[list].newest;
	m->next = NULL;
	if (t->lru[list].newest != NULL)
		t->lru[list].newest->next = m;
	else
		t->lru[list].oldest = m;
	t->lru[list].newest = m;
}

static void
msg_free(struct tracker *t, struct tmsg *tm)
{
	struct tchunk *c, *next;

	index_del_msg(tm);
	for (c = tm->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	t->bytes -= tm->bytes;
	if (tm->first > SPARE_MAX) {
		free(tm);
		return;
	}
	free(t->spare);
	t->spare = tm;
	t->spare_size = tm->first;
}

/* The lengths of a new message's strings, as copied (msg_estimate()
 * measures them, msg_new() copies them). */
struct msg_lens {
	size_t from, mid, envid;
};

/* What a message made from tx holds at first, about. */
static size_t
msg_estimate(const struct smtp_session_info *s,
    const struct smtp_transaction *tx, struct msg_lens *len)
{
	size_t n = sizeof(struct smtp_msg_hop) + 16 + 24 +
	    tx->nrcpt * (sizeof(struct smtp_msg_rcpt) + 8) + 64;
	size_t i;

	n += strnlen(s->greeting_host, sizeof(s->greeting_host));
	len->from = tx->mail_from != NULL ? strlen(tx->mail_from) : 0;
	n += len->from;
	len->mid = tx->msg != NULL && tx->msg->msg_id != NULL
	    ? strnlen(tx->msg->msg_id, TEXT_MAX)
	    : 0;
	n += len->mid;
	if (tx->queue_id != NULL)
		n += strlen(tx->queue_id) + sizeof(struct tkey);
	len->envid =
	    tx->params.envid != NULL ? strnlen(tx->params.envid, TEXT_MAX) : 0;
	n += len->envid;
	for (i = 0; i < tx->nrcpt; i++) {
		if (tx->rcpt[i].addr != NULL)
			n += strlen(tx->rcpt[i].addr);
		if (tx->rcpt[i].reply.code >= 300 && tx->rcpt[i].reply.text)
			n += strnlen(tx->rcpt[i].reply.text, TEXT_MAX);
	}
	if (tx->final.code >= 300 && tx->final.text != NULL)
		n += tx->nrcpt * strnlen(tx->final.text, TEXT_MAX);
	return n + tx->nrcpt * 8;
}

static struct tmsg *
msg_new(struct tracker *t, const struct smtp_session_info *s,
    const struct smtp_transaction *tx)
{
	struct msg_lens len;
	size_t room = msg_estimate(s, tx, &len);
	size_t head = (sizeof(struct tmsg) + 7) & ~(size_t)7;
	size_t first = head + room;
	struct tmsg *tm;
	struct smtp_message *m;

	if (t->spare != NULL && t->spare_size >= first) {
		tm = t->spare;
		first = t->spare_size;
		t->spare = NULL;
	} else
		tm = xmalloc(first);
	m = &tm->m;
	memset(tm, 0, sizeof(*tm));
	tm->first = first;
	tm->at = (char *)tm + head;
	tm->left = room;
	tm->bytes = head + room;
	t->bytes += tm->bytes;
	m->id = ++t->next_id;
	m->ts = tx->ts;
	m->mail_from = m_memdup(
	    t, tm, tx->mail_from != NULL ? tx->mail_from : "", len.from);
	if (tx->msg != NULL && tx->msg->msg_id != NULL)
		m->message_id = m_memdup(t, tm, tx->msg->msg_id, len.mid);
	if (tx->params.envid != NULL)
		m->envid = m_memdup(t, tm, tx->params.envid, len.envid);
	m->size = tx->data_complete ? tx->size : 0;
	m->dsn = tx->bounce && tx->msg != NULL && tx->msg->is_dsn;
	/* Found by its sender (a DSN back to it, a relay's retry): once
	 * some server accepted it (hop_add()). */
	t->st.tracking++;
	if (t->st.tracking > t->st.tracking_max)
		t->st.tracking_max = t->st.tracking;
	return tm;
}

/* The recipient addr of m: hashes compared first, so that a message of
 * many long recipients costs one pass. */
static struct smtp_msg_rcpt *
rcpt_find(struct smtp_message *m, const char *addr)
{
	uint32_t h;
	size_t i;

	if (addr == NULL || m->nrcpt == 0)
		return NULL;
	h = hash_bytes(addr, strlen(addr), true);
	for (i = 0; i < m->nrcpt; i++) {
		struct smtp_msg_rcpt *r = &m->rcpts[i];

		/* Hashed when first looked for (hash_bytes() is never 0). */
		if (r->addr_hash == 0)
			r->addr_hash =
			    hash_bytes(r->addr, strlen(r->addr), true);
		if (r->addr_hash == h && key_eq(r->addr, addr, true))
			return r;
	}
	return NULL;
}

/* "rfc822;bob@example.org" (ORCPT=, xtext already as sent) to the
 * address, or NULL. */
static const char *
orcpt_addr(const char *orcpt)
{
	const char *semi;

	if (orcpt == NULL || (semi = strchr(orcpt, ';')) == NULL)
		return NULL;
	return semi + 1;
}

/* Room for n more recipients at once (not doubling: what a message
 * outgrows stays in its memory until it goes). */
static void
rcpt_room(struct tracker *t, struct tmsg *tm, size_t n)
{
	struct smtp_message *m = &tm->m;
	struct smtp_msg_rcpt *old = m->rcpts;
	size_t want = m->nrcpt + n;

	if (want > RCPTS_MAX)
		want = RCPTS_MAX;
	if (want <= tm->rcpt_cap)
		return;
	m->rcpts = m_alloc(t, tm, want * sizeof(*m->rcpts));
	if (m->nrcpt > 0)
		memcpy(m->rcpts, old, m->nrcpt * sizeof(*m->rcpts));
	tm->rcpt_cap = want;
}

static struct smtp_msg_rcpt *
rcpt_get(struct tracker *t, struct tmsg *tm, const struct smtp_rcpt *rc)
{
	struct smtp_message *m = &tm->m;
	struct smtp_msg_rcpt *r;

	/* The first hop of a message names each recipient once as far as
	 * tracking goes: a repeated RCPT is one more entry. */
	if (m->nhops > 1 &&
	    ((r = rcpt_find(m, orcpt_addr(rc->orcpt))) != NULL ||
		(r = rcpt_find(m, rc->addr)) != NULL))
		return r;
	if (m->nrcpt >= RCPTS_MAX) {
		m->rcpts_dropped++;
		return NULL;
	}
	if (m->nrcpt == tm->rcpt_cap)
		rcpt_room(t, tm, 1);
	r = &m->rcpts[m->nrcpt++];
	memset(r, 0, sizeof(*r));
	r->addr = m_dup_whole(t, tm, rc->addr != NULL ? rc->addr : "");
	r->hop = -1;
	return r;
}

static void
rcpt_decide(struct tracker *t, struct tmsg *tm, struct smtp_msg_rcpt *r,
    enum smtp_fate f, int hop, const struct smtp_reply *rep)
{
	r->fate = f;
	r->hop = hop;
	r->code = rep->code;
	memcpy(r->enh, rep->enh, sizeof(r->enh));
	r->enh[sizeof(r->enh) - 1] = '\0';
	/* The text of a refusal (the same one for each recipient
	 * refused after the data, kept once). */
	if (f == SMTP_FATE_DELIVERED || rep->text == NULL)
		r->text = NULL;
	else if (tm->last_text_src != rep->text)
		r->text = tm->last_text = m_dup(t, tm, rep->text);
	else
		r->text = tm->last_text;
	if (r->text != NULL)
		tm->last_text_src = rep->text;
}

/* A recipient the hop's server accepted and now holds (held: fate
 * DELIVERED until it leaves or the message is settled). */
static bool
held(const struct smtp_msg_rcpt *r)
{
	return r->fate == SMTP_FATE_DELIVERED && r->accepted_at > 0;
}

/* The reply that decided a recipient's fate at this hop: its own refusal
 * at RCPT; after an accepted RCPT, its LMTP delivery reply, the reply to
 * the end of the data, or the refusal of DATA; a refused MAIL for
 * recipients never answered. NULL: none came (lost, aborted). */
static const struct smtp_reply *
deciding_reply(const struct smtp_transaction *tx, const struct smtp_rcpt *rc)
{
	int code = rc->reply.code;

	if (code >= 300)
		return &rc->reply;
	if (code >= 200) {
		if (tx->lmtp && rc->delivery.code > 0)
			return &rc->delivery;
		if (tx->final.code > 0)
			return &tx->final;
		if (tx->data.code >= 400)
			return &tx->data;
		return NULL;
	}
	if (tx->mail.code >= 400)
		return &tx->mail;
	return NULL;
}

/* What hop h (transaction tx) says of each recipient it tried. */
static void
hop_rcpts(struct tracker *t, struct tmsg *tm, int h,
    const struct smtp_transaction *tx)
{
	struct smtp_msg_hop *hop = &tm->m.hops[h];
	size_t i;

	tm->last_text_src = NULL; /* an earlier transaction's memory */
	rcpt_room(t, tm, tx->nrcpt);
	for (i = 0; i < tx->nrcpt; i++) {
		const struct smtp_rcpt *rc = &tx->rcpt[i];
		const struct smtp_reply *d = deciding_reply(tx, rc);
		struct smtp_msg_rcpt *r = rcpt_get(t, tm, rc);

		if (r == NULL)
			continue;
		r->attempts++;
		if (d != NULL && d->code >= 500) {
			rcpt_decide(t, tm, r, SMTP_FATE_REJECTED, h, d);
			r->bounce_owed = hop->from_hop >= 0;
		} else if (d != NULL && d->code >= 400) {
			rcpt_decide(t, tm, r, SMTP_FATE_DEFERRED, h, d);
			r->deferrals++;
		} else if (d != NULL && d->code >= 200 && d->code < 300) {
			rcpt_decide(t, tm, r, SMTP_FATE_DELIVERED, h, d);
			/* LMTP's delivery is the last hop's word. */
			r->accepted_at = tx->lmtp ? 0 : t->now;
		} else if (r->hop < 0) {
			/* No final answer: lost, aborted, or no reply seen;
			 * a relay that held it still does. */
			rcpt_decide(t, tm, r, SMTP_FATE_UNKNOWN, h,
			    d != NULL ? d : &rc->reply);
		}
	}
}

/* m left the relay of hop from that held it: for each destination, the
 * relay is seen passing mail on (with when it took this one). Out of
 * line: a message's first hop, most of them, has no relay before it. */
static __attribute__((noinline)) void
hop_left(struct tracker *t, struct smtp_message *m,
    const struct smtp_transaction *tx, int from)
{
	size_t i;

	for (i = 0; i < tx->nrcpt; i++) {
		const struct smtp_rcpt *rc = &tx->rcpt[i];
		struct smtp_msg_rcpt *r = rcpt_find(m, orcpt_addr(rc->orcpt));

		if (r == NULL)
			r = rcpt_find(m, rc->addr);
		if (r != NULL && r->accepted_at > 0)
			relay_left(
			    t, &m->hops[from].server, rc->addr, r->accepted_at);
	}
}

static int
hop_add(struct tracker *t, struct tmsg *tm, const struct smtp_session_info *s,
    const struct smtp_transaction *tx, int from, enum smtp_hop_link link)
{
	struct smtp_message *m = &tm->m;
	struct smtp_msg_hop *h;

	if (m->nhops >= TRACK_HOPS_MAX) {
		m->hops_dropped++;
		return -1;
	}
	if (m->nhops == tm->hops_cap) {
		struct smtp_msg_hop *old = m->hops;

		tm->hops_cap = tm->hops_cap ? tm->hops_cap * 2 : 1;
		m->hops = m_alloc(t, tm, tm->hops_cap * sizeof(*m->hops));
		if (m->nhops > 0)
			memcpy(m->hops, old, m->nhops * sizeof(*m->hops));
	}
	h = &m->hops[m->nhops];
	memset(h, 0, sizeof(*h));
	h->session_id = s->id;
	h->trans_depth = tx->depth;
	h->ts = tx->ts;
	h->ts_end = tx->ts_end;
	h->client = tx->reversed ? s->server : s->client;
	h->server = tx->reversed ? s->client : s->server;
	if (s->greeting_host[0] != '\0' && !tx->reversed)
		h->server_name = m_memdup(t, tm, s->greeting_host,
		    strnlen(s->greeting_host, sizeof(s->greeting_host)));
	h->from_hop = from;
	h->link = link;
	h->queue_time = from >= 0 ? tx->ts - m->hops[from].ts_end : -1;
	if (h->queue_time < 0 && from >= 0)
		h->queue_time = 0;
	h->final_code = tx->final.code;
	h->outcome = tx->outcome;
	h->rcpt_tried = (unsigned)tx->rcpt_total;
	h->rcpt_accepted = (unsigned)tx->rcpt_accepted;
	h->partial = tx->assumed || tx->capture_loss != 0;
	if (h->partial)
		m->partial = true;
	if (tx->outcome == SMTP_OUTCOME_ACCEPTED) {
		struct relay *rl = relay_get(t, &h->server);

		if (rl != NULL && rl->accepted++ == 0)
			rl->accept_port = h->server.port;
	}
	if (tx->queue_id != NULL && tx->outcome == SMTP_OUTCOME_ACCEPTED) {
		h->queue_id = m_dup(t, tm, tx->queue_id);
		index_add(&t->by_qid, m_alloc(t, tm, sizeof(struct tkey)),
		    h->queue_id, false, tm, (int)m->nhops);
	}
	if (m->size == 0 && tx->data_complete)
		m->size = tx->size;
	/* A relay adds the Message-ID its client did not send. */
	if (m->message_id == NULL && tx->msg != NULL && tx->msg->msg_id != NULL)
		m->message_id = m_dup(t, tm, tx->msg->msg_id);
	if (m->envid == NULL && tx->params.envid != NULL)
		m->envid = m_dup(t, tm, tx->params.envid);
	if (tx->ts_end > m->ts_end)
		m->ts_end = tx->ts_end;
	m->nhops++;
	if (from >= 0)
		hop_left(t, m, tx, from);
	hop_rcpts(t, tm, (int)(m->nhops - 1), tx);
	return (int)(m->nhops - 1);
}

/* ---- linking ---- */

/* The first word of a Received "by" clause. */
static size_t
by_host(const char *by, const char **host)
{
	size_t n = 0;

	*host = by;
	if (by == NULL)
		return 0;
	while (by[n] != '\0' && by[n] != ' ' && by[n] != '\t' && by[n] != '(')
		n++;
	return n;
}

/* The message whose hop's server named the queue id in tx's top Received
 * field, and that hop; the relay's address or name must agree when more
 * than one did. */
static struct tmsg *
link_queue_id(struct tracker *t, const struct smtp_transaction *tx,
    const struct smtp_endpoint *client, int *from)
{
	const struct smtp_received *rv;
	struct tkey *k = NULL, *best = NULL;
	int best_score = -1, seen = 0;
	const char *host;
	size_t hl;
	uint32_t h;

	if (tx->msg == NULL || tx->msg->nreceived == 0 ||
	    tx->msg->received_parts == NULL)
		return NULL;
	rv = &tx->msg->received_parts[0];
	if (rv->id == NULL || rv->id[0] == '\0')
		return NULL;
	hl = by_host(rv->by, &host);
	h = hash_bytes(rv->id, strlen(rv->id), false);
	while ((k = index_next(&t->by_qid, rv->id, h, false, k)) != NULL &&
	    seen++ < CANDIDATES_MAX) {
		const struct smtp_msg_hop *hp = &k->msg->m.hops[k->hop];
		int score = 0;

		if (addr_eq(&hp->server, client))
			score += 2;
		if (hp->server_name != NULL && hl > 0 &&
		    strlen(hp->server_name) == hl &&
		    strncasecmp(hp->server_name, host, hl) == 0)
			score += 1;
		if (score > best_score) {
			best_score = score;
			best = k;
		}
	}
	/* Several servers with that id and none of them this relay: not
	 * a link to make. */
	if (best == NULL || (best_score == 0 && seen > 1))
		return NULL;
	*from = best->hop;
	return best->msg;
}

/* Some hop of m was accepted by client's address, at another server
 * than the one tx goes to. */
static bool
holds(const struct smtp_message *m, const struct smtp_endpoint *client,
    const struct smtp_endpoint *server)
{
	size_t i;

	for (i = 0; i < m->nhops; i++)
		if (m->hops[i].outcome == SMTP_OUTCOME_ACCEPTED &&
		    addr_eq(&m->hops[i].server, client) &&
		    !ep_eq(&m->hops[i].server, server))
			return true;
	return false;
}

/* A message that the client (a relay) holds for one of tx's recipients,
 * with tx's sender (and Message-ID, when both have one): the oldest. */
static RARE struct tmsg *
link_envelope(struct tracker *t, const struct smtp_transaction *tx,
    const struct smtp_endpoint *client, const struct smtp_endpoint *server,
    int *from, enum smtp_hop_link *how)
{
	const char *from_addr = tx->mail_from != NULL ? tx->mail_from : "";
	const char *mid = tx->msg != NULL ? tx->msg->msg_id : NULL;
	struct tkey *k = NULL;
	struct tmsg *best = NULL;
	double best_at = 0;
	int seen = 0, best_hop = -1, hh;
	uint32_t h = hash_bytes(from_addr, strlen(from_addr), true);
	size_t i;

	while ((k = index_next(&t->by_sender, from_addr, h, true, k)) != NULL &&
	    seen++ < CANDIDATES_MAX) {
		struct smtp_message *m = &k->msg->m;

		if (mid != NULL && m->message_id != NULL &&
		    strncmp(mid, m->message_id, TEXT_MAX) != 0)
			continue;
		if (!holds(m, client, server))
			continue;
		for (i = 0; i < tx->nrcpt && i < ENVELOPE_RCPTS; i++) {
			struct smtp_msg_rcpt *r =
			    rcpt_find(m, tx->rcpt[i].addr);

			if (r == NULL || r->hop < 0)
				continue;
			/* The hop that took it to the relay holding it (for
			 * a refused attempt, the hop before). A relay passes
			 * a message on to another server, never back to the
			 * one where it holds it. */
			hh = held(r) ? r->hop : m->hops[r->hop].from_hop;
			if (hh < 0 || ep_eq(&m->hops[hh].server, server))
				continue;
			/* Held by this relay, or refused by the next hop
			 * and still held (deferred). */
			if (!(held(r) || r->fate == SMTP_FATE_DEFERRED))
				continue;
			if (held(r) &&
			    !addr_eq(&m->hops[r->hop].server, client))
				continue;
			if (r->fate == SMTP_FATE_DEFERRED &&
			    !addr_eq(&m->hops[r->hop].client, client))
				continue;
			if (best == NULL || r->accepted_at < best_at) {
				best = k->msg;
				best_at = r->accepted_at;
				best_hop = hh;
			}
			break;
		}
	}
	if (best == NULL || best_hop < 0)
		return NULL;
	*from = best_hop;
	*how = mid != NULL && best->m.message_id != NULL ? SMTP_LINK_MESSAGE_ID
							 : SMTP_LINK_ENVELOPE;
	return best;
}

/* ---- bounces ---- */

static const char *
dsn_rcpt_addr(const struct smtp_dsn_rcpt *g, int which)
{
	return which == 0 ? g->original_recipient : g->final_recipient;
}

/* The hop server of a DSN's original: at the address the DSN comes from,
 * or named as the by host of the returned message's top Received. */
static bool
dsn_hop_is(const struct smtp_msg_hop *hp, const struct smtp_endpoint *client,
    const char *by)
{
	const char *host;
	size_t hl = by_host(by, &host);

	if (addr_eq(&hp->server, client))
		return true;
	return hl > 0 && hp->server_name != NULL &&
	    strlen(hp->server_name) == hl &&
	    strncasecmp(hp->server_name, host, hl) == 0;
}

/* The recipient of DSN group d in the message a server gave queue id
 * qid: the server at client's address, or (by not NULL) the one by names. */
static struct smtp_msg_rcpt *
dsn_by_queue_id(struct tracker *t, const char *qid, const char *by,
    const struct smtp_dsn_rcpt *d, const struct smtp_endpoint *client,
    struct tmsg **fm)
{
	uint32_t h = hash_bytes(qid, strlen(qid), false);
	struct tkey *k = NULL;
	int seen = 0, which;

	while ((k = index_next(&t->by_qid, qid, h, false, k)) != NULL &&
	    seen++ < CANDIDATES_MAX) {
		struct smtp_message *m = &k->msg->m;

		if (m->dsn || !dsn_hop_is(&m->hops[k->hop], client, by))
			continue;
		for (which = 0; which < 2; which++) {
			struct smtp_msg_rcpt *r =
			    rcpt_find(m, dsn_rcpt_addr(d, which));

			if (r != NULL && r->hop >= 0 && r->bounce == 0) {
				*fm = k->msg;
				return r;
			}
		}
	}
	return NULL;
}

/* How well message m matches what DSN mi names of its original: -1 it
 * cannot be the one (another ENVID or Message-ID), else 2 for the same
 * ENVID plus 1 for the same Message-ID. */
static int
dsn_ids_score(const struct smtp_message *m, const struct smtp_msg_info *mi)
{
	int score = 0;

	if (mi->dsn_envid != NULL && m->envid != NULL) {
		if (strncmp(mi->dsn_envid, m->envid, TEXT_MAX) != 0)
			return -1;
		score += 2;
	}
	if (mi->dsn_returned_msg_id != NULL && m->message_id != NULL) {
		if (strncmp(mi->dsn_returned_msg_id, m->message_id, TEXT_MAX) !=
		    0)
			return -1;
		score += 1;
	}
	return score;
}

/* Among the messages from sender (the DSN's addressee) that passed
 * through the DSN's sender (client), the recipient group d reports on;
 * the ENVID and the returned Message-ID choose between several and rule
 * out those that differ. */
static struct smtp_msg_rcpt *
dsn_by_sender(struct tracker *t, struct tmsg *dsn, const char *sender,
    const struct smtp_msg_info *mi, const struct smtp_dsn_rcpt *d,
    const struct smtp_endpoint *client, struct tmsg **fm, int *score)
{
	uint32_t h = hash_bytes(sender, strlen(sender), true);
	struct smtp_msg_rcpt *found = NULL;
	struct tkey *k = NULL;
	int seen = 0, which, best = -1;
	size_t i;

	while ((k = index_next(&t->by_sender, sender, h, true, k)) != NULL &&
	    seen++ < CANDIDATES_MAX) {
		struct smtp_message *m = &k->msg->m;
		int sc;

		if (k->msg == dsn || m->dsn)
			continue;
		sc = dsn_ids_score(m, mi);
		if (sc <= best)
			continue;
		for (which = 0; which < 2; which++) {
			struct smtp_msg_rcpt *r =
			    rcpt_find(m, dsn_rcpt_addr(d, which));

			if (r == NULL || r->hop < 0 || r->bounce != 0)
				continue;
			for (i = 0; i < m->nhops; i++)
				if (addr_eq(&m->hops[i].server, client))
					break;
			if (i == m->nhops)
				continue;
			found = r;
			*fm = k->msg;
			best = sc;
			break;
		}
	}
	*score = best;
	return found;
}

/* The recipient that DSN group g reports on, strongest key first: the
 * reporting MTA's queue id of the message (Postfix's X-Postfix-Queue-ID,
 * else the id in the top Received field of the returned headers), then
 * a message from the DSN's addressee, with that recipient, which the
 * DSN's sender (client) accepted or tried to pass on, chosen by its
 * ENVID and Message-ID when they are known. */
static RARE void
dsn_link(struct tracker *t, struct tmsg *dsn, const struct smtp_transaction *tx,
    const struct smtp_endpoint *client)
{
	const struct smtp_msg_info *mi = tx->msg;
	size_t g;

	t->st.dsn++;
	if (mi == NULL || tx->nrcpt == 0 || tx->rcpt[0].addr == NULL)
		return;
	for (g = 0; g < mi->ndsn; g++) {
		const struct smtp_dsn_rcpt *d = &mi->dsn[g];
		struct smtp_msg_rcpt *found = NULL;
		struct tmsg *fm = NULL;
		const char *how = "queue_id";
		int score = 0;

		if (mi->dsn_queue_id != NULL)
			found = dsn_by_queue_id(
			    t, mi->dsn_queue_id, NULL, d, client, &fm);
		if (found == NULL && mi->dsn_returned_qid != NULL) {
			how = "received_id";
			found = dsn_by_queue_id(t, mi->dsn_returned_qid,
			    mi->dsn_returned_by, d, client, &fm);
		}
		if (found == NULL) {
			found = dsn_by_sender(t, dsn, tx->rcpt[0].addr, mi, d,
			    client, &fm, &score);
			how = score >= 2 ? "envid"
			    : score == 1 ? "message_id"
					 : "recipient";
		}
		if (found == NULL) {
			t->st.dsn_unmatched++;
			continue;
		}
		found->bounce = dsn->m.id;
		found->bounce_link = how;
		found->bounce_action = m_dup(t, fm, d->action);
		found->bounce_status = m_dup(t, fm, d->status);
		found->bounce_diagnostic = m_dup(t, fm, d->diagnostic);
		if (held(found) && d->action != NULL &&
		    strncasecmp(d->action, "failed", 6) == 0)
			found->fate = SMTP_FATE_BOUNCED;
		dsn->m.bounce_of = fm->m.id;
		t->st.dsn_linked++;
		lru_touch(t, fm);
		fm->last = t->now;
	}
}

/* ---- settling ---- */

/* Where a held recipient stands when its message is settled. */
static enum smtp_fate
held_fate(struct tracker *t, struct relay *rl, const struct smtp_msg_rcpt *r)
{
	struct relay_dom *d;

	/* A relay seen passing mail on for some destination, at least. */
	if (rl == NULL || rl->ndom == 0 ||
	    (d = relay_dom(rl, domain_hash(r->addr), false, 0)) == NULL)
		return SMTP_FATE_DELIVERED;
	if (d->left_accept > r->accepted_at ||
	    t->now - r->accepted_at >= t->cfg.window)
		return SMTP_FATE_DROPPED;
	return SMTP_FATE_QUEUED;
}

static void
settle(struct tracker *t, struct tmsg *tm, const char *why)
{
	struct smtp_message *m = &tm->m;
	struct smtp_event ev;
	struct relay *rl = NULL;
	bool dropped = false;
	int rl_hop = -1;
	size_t i;

	for (i = 0; i < m->nrcpt; i++) {
		struct smtp_msg_rcpt *r = &m->rcpts[i];

		if (held(r)) {
			if (r->hop != rl_hop) {
				rl_hop = r->hop;
				rl = relay_find(t, &m->hops[r->hop].server);
			}
			r->fate = held_fate(t, rl, r);
		}
		if (r->fate == SMTP_FATE_DROPPED)
			dropped = true;
		if (r->bounce_owed && r->bounce == 0)
			t->st.bounce_missing++;
		t->st.fates[r->fate]++;
	}
	if (dropped)
		t->st.dropped_messages++;
	m->settled = why;
	t->st.messages++;
	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_MESSAGE;
	ev.ts = m->ts_end;
	ev.u.message = m;
	if (t->bus != NULL)
		event_bus_emit(t->bus, &ev);
	lru_unlink(t, tm);
	t->st.tracking--;
	msg_free(t, tm);
}

/* Nothing more can change: every recipient refused where no relay owes
 * a bounce, or its bounce is in. */
static bool
final(const struct smtp_message *m)
{
	size_t i;

	if (m->nrcpt == 0)
		return true;
	for (i = 0; i < m->nrcpt; i++) {
		const struct smtp_msg_rcpt *r = &m->rcpts[i];

		if (r->fate == SMTP_FATE_REJECTED && r->bounce_owed &&
		    r->bounce == 0)
			return false;
		if (r->fate != SMTP_FATE_REJECTED &&
		    r->fate != SMTP_FATE_BOUNCED)
			return false;
	}
	return true;
}

/* The message without news the longest, of both lists. */
static struct tmsg *
oldest(const struct tracker *t)
{
	struct tmsg *a = t->lru[LIST_GRACE].oldest;
	struct tmsg *b = t->lru[LIST_WINDOW].oldest;

	if (a == NULL ||
	    (b != NULL &&
		(b->last < a->last ||
		    (b->last == a->last && b->m.id < a->m.id))))
		return b;
	return a;
}

/* The grace of m is over: settled, unless a server holding it has
 * been seen sending mail on since. */
static void
grace_over(struct tracker *t, struct tmsg *m)
{
	if (holder_sends(t, &m->m))
		lru_touch(t, m);
	else
		settle(t, m, "window");
}

static void
sweep(struct tracker *t)
{
	struct tmsg *m;

	if (t->now - t->last_sweep < 1.0 && t->last_sweep > 0)
		return;
	t->last_sweep = t->now;
	while (t->lru[LIST_WINDOW].oldest != NULL &&
	    t->now - t->lru[LIST_WINDOW].oldest->last >= t->cfg.window)
		settle(t, t->lru[LIST_WINDOW].oldest, "window");
	while ((m = t->lru[LIST_GRACE].oldest) != NULL &&
	    t->now - m->last >= GRACE)
		grace_over(t, m);
}

/* ---- events ---- */

static void
clock_at(struct tracker *t, double ts)
{
	double d = ts - t->raw;

	if (t->raw == 0)
		d = t->now == 0 ? ts : 0;
	t->raw = ts;
	if (d > CLOCK_STEP_MAX && t->now > 0)
		d = CLOCK_STEP_MAX;
	if (d > 0)
		t->now += d;
}

/* Room for a message more: the oldest settled until the caps hold. */
static RARE void
evict(struct tracker *t)
{
	struct tmsg *old;

	while ((t->st.tracking >= t->cfg.max_messages ||
		   t->bytes > t->cfg.max_bytes) &&
	    (old = oldest(t)) != NULL) {
		t->st.evicted++;
		settle(t, old, "evicted");
	}
}

static void
on_transaction(struct tracker *t, const struct smtp_event *ev)
{
	const struct smtp_transaction *tx = ev->u.tx;
	const struct smtp_session_info *s = ev->session;
	const struct smtp_endpoint *client =
	    tx->reversed ? &s->server : &s->client;
	const struct smtp_endpoint *server =
	    tx->reversed ? &s->client : &s->server;
	enum smtp_hop_link how = SMTP_LINK_QUEUE_ID;
	struct tmsg *tm;
	struct relay *rl;
	int from = -1;

	clock_at(t, tx->ts_end);
	/* No recipient tried and no data: no message was offered. */
	if (tx->nrcpt == 0 && !tx->data_seen)
		return;
	t->st.hops++;
	relay_sends(t, client, server);
	tm = link_queue_id(t, tx, client, &from);
	/* Without a Received id to go by: a transaction that carried no
	 * message (refused before the data), from a client that some
	 * server address accepted mail at (so it can hold a message). */
	if (tm == NULL && !tx->data_complete &&
	    (rl = relay_find(t, client)) != NULL && rl->accepted > 0)
		tm = link_envelope(t, tx, client, server, &from, &how);
	if (tm == NULL) {
		if (t->st.tracking >= t->cfg.max_messages ||
		    t->bytes > t->cfg.max_bytes)
			evict(t);
		tm = msg_new(t, s, tx);
		how = SMTP_LINK_NONE;
		from = -1;
	}
	t->st.linked[how]++;
	hop_add(t, tm, s, tx, from, how);
	if (how == SMTP_LINK_NONE && tm->m.dsn)
		dsn_link(t, tm, tx, client);
	tm->last = t->now;
	lru_touch(t, tm);
	while (t->lru[LIST_GRACE].n > GRACE_MAX)
		grace_over(t, t->lru[LIST_GRACE].oldest);
	if (final(&tm->m))
		settle(t, tm, "final");
	sweep(t);
}

void
track_on_event(void *arg, const struct smtp_event *ev)
{
	struct tracker *t = arg;

	switch (ev->type) {
	case SMTP_EV_TRANSACTION:
		on_transaction(t, ev);
		break;
	case SMTP_EV_SESSION_OPEN:
		clock_at(t, ev->ts);
		sweep(t);
		break;
	default:
		break;
	}
}

struct tracker *
track_open(const struct track_config *cfg, struct event_bus *bus)
{
	struct tracker *t = xcalloc(1, sizeof(*t));
	size_t n = 1024;

	t->cfg = *cfg;
	if (t->cfg.max_messages == 0)
		t->cfg.max_messages = TRACK_MAX_DEFAULT;
	if (!(t->cfg.window > 0))
		t->cfg.window = TRACK_WINDOW_DEFAULT;
	if (t->cfg.max_bytes == 0)
		t->cfg.max_bytes = TRACK_BYTES_DEFAULT;
	t->bus = bus;
	index_init(&t->by_qid, t->cfg.max_messages);
	index_init(&t->by_sender, t->cfg.max_messages);
	while (n < RELAYS_MAX)
		n <<= 1;
	t->relays = xcalloc(n, sizeof(*t->relays));
	t->relay_mask = n - 1;
	if (bus != NULL)
		event_bus_subscribe_types(bus, track_on_event, t, TRACK_EVENTS);
	return t;
}

void
track_finish(struct tracker *t)
{
	if (t == NULL)
		return;
	struct tmsg *m;

	while ((m = oldest(t)) != NULL)
		settle(t, m, "end");
}

const struct track_stats *
track_stats(const struct tracker *t)
{
	return &t->st;
}

void
track_close(struct tracker *t)
{
	size_t i;

	if (t == NULL)
		return;
	while (oldest(t) != NULL) {
		struct tmsg *tm = oldest(t);

		lru_unlink(t, tm);
		msg_free(t, tm);
	}
	free(t->spare);
	free(t->by_qid.b);
	free(t->by_sender.b);
	for (i = 0; i <= t->relay_mask; i++)
		while (t->relays[i] != NULL) {
			struct relay *r = t->relays[i];

			t->relays[i] = r->next;
			free(r);
		}
	free(t->relays);
	free(t);
}
