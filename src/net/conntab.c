/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The connections we follow: their table by 4-tuple, their age (the
 * LRU list that idle timeouts, trimming and eviction walk), opening and
 * closing them, the bounded set of connections seen but not followed,
 * and the memory budgets (reasm_plan()) they are held to.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/dissector.h"
#include "lib/util.h"
#include "net/communityid.h"
#include "net/reasm_int.h"

/* --- memory budgets ---------------------------------------------------- */

/* The size of libnids' stream table for max sessions: libnids evicts
 * when it holds more than 3/4 of n_tcp_streams, so the largest table
 * whose 3/4 is under max keeps exactly max. */
unsigned long
nids_table_size(unsigned long max)
{
	unsigned long streams = (max - 1) * 4 / 3;

	while ((streams + 1) * 3 / 4 <= max - 1)
		streams++;
	return streams;
}

/* Streams libnids holds at most (its pool, with the one it evicts). */
static unsigned long
nids_pool_size(unsigned long max)
{
	return 3 * nids_table_size(max) / 4 + 1;
}

static uint64_t
slots_bytes(unsigned long max)
{
	return (uint64_t)nids_pool_size(max) * sizeof(struct tcp_stream) +
	    (uint64_t)nids_table_size(max) * sizeof(void *) +
	    (uint64_t)max *
	    (REASM_NIDS_LISTENER + 4 * sizeof(struct conn_slot));
}

static uint64_t
pools_share(uint64_t limit)
{
	return limit > REASM_MEMORY_RESERVE
	    ? (limit - REASM_MEMORY_RESERVE) / 8 * 7
	    : 0;
}

static uint64_t
mib(uint64_t n)
{
	return (n + (1u << 20) - 1) >> 20;
}

void
reasm_plan_figures(const struct reasm_config *cfg, struct reasm_plan_figures *f)
{
	f->slots = slots_bytes(cfg->max_sessions);
	f->standins = v6map_bytes(cfg->v6_max);
	f->ooo = cfg->ooo_bytes;
	f->fragments = cfg->fragment_bytes;
	f->sessions = cfg->session_bytes;
	f->total = f->slots + f->standins + f->ooo + f->fragments + f->sessions;
	f->limit = pools_share(cfg->memory_limit);
}

int
reasm_plan(struct reasm_config *cfg, char *err, size_t errlen)
{
	struct reasm_plan_figures f;
	uint64_t share, fixed;

	if (cfg->memory_limit == 0)
		cfg->memory_limit = REASM_DEFAULT_MEMORY_LIMIT;
	if (cfg->memory_limit < REASM_MEMORY_LIMIT_MIN) {
		snprintf(err, errlen,
		    "--memory-limit must be at least %" PRIu64 " MiB",
		    mib(REASM_MEMORY_LIMIT_MIN));
		return -1;
	}
	share = pools_share(cfg->memory_limit);
	if (cfg->max_sessions == 0) {
		uint64_t n = share / REASM_SESSION_SHARE;

		cfg->max_sessions = (unsigned long)(n < 16 ? 16
			: n > REASM_DEFAULT_MAX_SESSIONS
			? REASM_DEFAULT_MAX_SESSIONS
			: n);
	}
	if (cfg->v6_max == 0) {
		/* Both addresses of every stream libnids can hold: one
		 * whose handshake is under way is never without them. */
		uint64_t n =
		    2 * ((uint64_t)nids_pool_size(cfg->max_sessions) + 1);

		cfg->v6_max = (uint32_t)(n > V6MAP_MAX ? V6MAP_MAX : n);
	}
	if (cfg->fragment_bytes == 0)
		cfg->fragment_bytes =
		    share / 256 > (256u << 10) ? share / 256 : (256u << 10);
	if (cfg->ooo_bytes == 0)
		cfg->ooo_bytes =
		    share / 32 > (1u << 20) ? share / 32 : (1u << 20);
	fixed = slots_bytes(cfg->max_sessions) + v6map_bytes(cfg->v6_max) +
	    cfg->ooo_bytes + cfg->fragment_bytes;
	if (cfg->session_bytes == 0 && fixed < share)
		cfg->session_bytes = share - fixed;
	reasm_plan_figures(cfg, &f);
	if (cfg->session_bytes < REASM_SESSION_BYTES_MIN || f.total > share) {
		snprintf(err, errlen,
		    "the memory budgets do not fit in --memory-limit %" PRIu64
		    " MiB, which leaves %" PRIu64
		    " MiB for them (48 MiB go to the rest of the program and "
		    "an eighth to the allocator): %" PRIu64
		    " MiB for %lu sessions, %" PRIu64 " MiB for %" PRIu32
		    " IPv6 stand-ins, %" PRIu64
		    " MiB of out-of-order segments, %" PRIu64
		    " MiB of fragments and %" PRIu64
		    " MiB for the sessions' data (%" PRIu64
		    " MiB at least); raise --memory-limit or lower a budget",
		    mib(cfg->memory_limit), share >> 20, mib(f.slots),
		    cfg->max_sessions, mib(f.standins), cfg->v6_max, mib(f.ooo),
		    mib(f.fragments),
		    cfg->session_bytes != 0
			? mib(cfg->session_bytes)
			: (fixed < share ? (share - fixed) >> 20 : 0),
		    mib(REASM_SESSION_BYTES_MIN));
		return -1;
	}
	return 0;
}

/* --- bounded set of 4-tuples ------------------------------------------- */

/* Returns true if key was new. Full: start again (may count twice). */
bool
seen_insert(uint64_t key)
{
	unsigned i = (unsigned)(key % SEEN_SLOTS), probes;

	for (probes = 0; probes < SEEN_SLOTS; probes++) {
		if (R.seen[i] == key)
			return false;
		if (R.seen[i] == 0)
			break;
		i = (i + 1) % SEEN_SLOTS;
	}
	if (R.seen_n >= SEEN_SLOTS * 3 / 4) {
		memset(R.seen, 0, sizeof(R.seen));
		R.seen_n = 0;
		i = (unsigned)(key % SEEN_SLOTS);
	}
	R.seen[i] = key;
	R.seen_n++;
	return true;
}

/* --- connections ------------------------------------------------------- */

/* The followed connection on these addresses and ports, either way. */
struct conn *
conn_lookup(uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport)
{
	const struct conn_slot *e =
	    conn_slot_lookup(saddr, sport, daddr, dport);

	return e != NULL ? e->c : NULL;
}

static void
ctab_put(const struct conn_slot *e)
{
	size_t i = e->h & R.ctab_mask;

	while (R.ctab[i].c != NULL)
		i = (i + 1) & R.ctab_mask;
	R.ctab[i] = *e;
}

void
conn_table_add(struct conn *c)
{
	const struct tuple4 *t = &c->a_tcp->addr;
	struct conn_slot e;

	if (R.ctab == NULL || (R.ctab_n + 1) * 2 > R.ctab_mask + 1) {
		struct conn_slot *old = R.ctab;
		size_t i, oldn = old != NULL ? R.ctab_mask + 1 : 0;
		size_t n = oldn != 0 ? oldn * 2 : 1024;

		R.ctab = xcalloc(n, sizeof(*R.ctab));
		R.ctab_mask = n - 1;
		for (i = 0; i < oldn; i++)
			if (old[i].c != NULL)
				ctab_put(&old[i]);
		free(old);
	}
	memset(&e, 0, sizeof(e));
	e.h = tuple_key(t->saddr, t->source, t->daddr, t->dest);
	e.c = c;
	e.a_tcp = c->a_tcp;
	e.addr = *t;
	ctab_put(&e);
	R.ctab_n++;
}

static void
conn_table_remove(struct conn *c)
{
	const struct tuple4 *t = &c->a_tcp->addr;
	size_t i, j, home;

	if (R.ctab == NULL)
		return;
	i = tuple_key(t->saddr, t->source, t->daddr, t->dest) & R.ctab_mask;
	while (R.ctab[i].c != c) {
		if (R.ctab[i].c == NULL)
			return;
		i = (i + 1) & R.ctab_mask;
	}
	/* Backward-shift deletion: no tombstones. */
	j = i;
	for (;;) {
		R.ctab[i].c = NULL;
		for (;;) {
			j = (j + 1) & R.ctab_mask;
			if (R.ctab[j].c == NULL) {
				R.ctab_n--;
				return;
			}
			home = R.ctab[j].h & R.ctab_mask;
			/* j's entry may move to i if its home is not in
			 * the cyclic range (i, j]. */
			if (i <= j ? (home <= i || home > j)
				   : (home <= i && home > j))
				break;
		}
		R.ctab[i] = R.ctab[j];
		i = j;
	}
}

void
lru_unlink(struct conn *c)
{
	if (R.trimmed == c)
		R.trimmed = c->older;
	if (c->older != NULL)
		c->older->newer = c->newer;
	else
		R.oldest = c->newer;
	if (c->newer != NULL)
		c->newer->older = c->older;
	else
		R.newest = c->older;
	c->older = c->newer = NULL;
}

void
lru_push_newest(struct conn *c)
{
	c->older = R.newest;
	c->newer = NULL;
	if (R.newest != NULL)
		R.newest->newer = c;
	else
		R.oldest = c;
	R.newest = c;
}

void
endpoint_from_nids(struct smtp_endpoint *ep, uint32_t addr, uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	ep->port = port;
	if (v6map_is_standin(addr) && v6map_lookup(R.v6, addr, ep->addr)) {
		ep->family = 6;
		v6map_ref(R.v6, addr);
		return;
	}
	ep->family = 4;
	memcpy(ep->addr, &addr, 4);
}

void
conn_open(struct tcp_stream *a_tcp)
{
	struct smtp_session_params p;
	struct conn *c;

	memset(&p, 0, sizeof(p));
	p.id = ++R.next_id;
	p.ts = R.now;
	endpoint_from_nids(&p.client, a_tcp->addr.saddr, a_tcp->addr.source);
	endpoint_from_nids(&p.server, a_tcp->addr.daddr, a_tcp->addr.dest);
	p.implicit_tls = port_in(R.cfg.tlsmap, a_tcp->addr.dest);
	/* RFC 6409 and RFC 8314: message submission takes mail after AUTH. */
	p.submission = a_tcp->addr.dest == 587 || a_tcp->addr.dest == 465;
	p.capture_drops = R.cfg.capture_drops;
	p.trace = R.cfg.trace;
	if (R.cfg.community_id)
		community_id_v1(p.community_id, R.cfg.community_id_seed, 6,
		    p.client.addr, p.client.port, p.server.addr, p.server.port,
		    p.client.family == 6 ? 16 : 4);
	if (R.picking) {
		p.midstream = true;
		p.start_known[0] = R.pick_start[0];
		p.start_known[1] = R.pick_start[1];
	}

	c = ccalloc(1, sizeof(*c));
	c->a_tcp = a_tcp;
	c->saddr = a_tcp->addr.saddr;
	c->daddr = a_tcp->addr.daddr;
	c->last = R.idle;
	c->jump_seen = R.jump_idle;
	c->smtp = smtp_session_open(R.cfg.bus, &p);
	lru_push_newest(c);
	conn_table_add(c);
	a_tcp->user = c;
	a_tcp->client.collect++;
	a_tcp->server.collect++;
	R.st.sessions++;
	if (++R.st.active > R.st.active_max)
		R.st.active_max = R.st.active;
}

void
conn_close(struct conn *c, enum smtp_session_end end)
{
	struct tcp_stream *a_tcp = c->a_tcp;

	/* Not yet judged by its content: judged on what it sent. */
	if (c->probe != NULL)
		content_end(c);
	if (c->release_pending)
		content_unlink_release(c);
	/* Segments still queued out of order: the bytes before them were
	 * never captured, and what they hold can never be delivered. */
	if (c->ooo[0].head != NULL || c->ooo[1].head != NULL) {
		R.st.gaps++;
		conn_gap(c, c->ooo[0].head != NULL, 0);
	}
	R.ooo_bytes -= tcpq_clear(&c->ooo[0]);
	R.ooo_bytes -= tcpq_clear(&c->ooo[1]);
	if (c->held_syn != NULL) {
		/* Never answered by the server: not a new connection. */
		R.st.syn_ignored++;
		smtp_session_anomaly(
		    c->smtp, SMTP_ANOMALY_SYN_ON_ESTABLISHED, R.now);
		cfree(c->held_syn);
	}
	if (c->picked)
		pickup_close(c);
	/* libnids frees its buffers with the stream. */
	counted_adjust(0, c->nids_counted);
	if (R.trim_due == c)
		R.trim_due = NULL;
	if (c->smtp != NULL) {
		smtp_session_close(c->smtp, end, R.now);
		if (v6map_is_standin(c->saddr))
			v6map_unref(R.v6, c->saddr);
		if (v6map_is_standin(c->daddr))
			v6map_unref(R.v6, c->daddr);
		R.st.active--;
	}
	/* Late packets of a closed connection are not "no handshake". */
	seen_insert(tuple_key(a_tcp->addr.saddr, a_tcp->addr.source,
	    a_tcp->addr.daddr, a_tcp->addr.dest));
	lru_unlink(c);
	conn_table_remove(c);
	a_tcp->user = NULL;
	cfree(c);
	R.closes++;
}

static size_t
half_held(const struct half_stream *h)
{
	return h->data != NULL ? (size_t)h->bufsize : 0;
}

/* libnids' buffers of c, counted with the sessions' memory. */
void
nids_account(struct conn *c)
{
	size_t now =
	    half_held(&c->a_tcp->client) + half_held(&c->a_tcp->server);

	counted_adjust(now, c->nids_counted);
	c->nids_counted = now;
}

/* libnids keeps each half's buffer (4 KiB or more) for the stream's
 * life, though we take every byte at once: give it back (if over keep
 * bytes); libnids allocates anew with the next data. Outside its
 * callback only. */
void
half_trim(struct half_stream *h, size_t keep)
{
	if (h->data != NULL && h->count == h->offset &&
	    (size_t)h->bufsize > keep) {
		free(h->data);
		h->data = NULL;
		h->bufsize = 0;
	}
}

/* Connections quiet for REASM_TRIM_AFTER seconds give back the buffers
 * that hold nothing: an open, idle session costs ~3 KiB instead of ~7.
 * They form the oldest end of the LRU list, up to R.trimmed. */
static void
trim_quiet(void)
{
	struct conn *c = R.trimmed != NULL ? R.trimmed->newer : R.oldest;

	for (; c != NULL && c->last + REASM_TRIM_AFTER < R.idle; c = c->newer) {
		half_trim(&c->a_tcp->client, 0);
		half_trim(&c->a_tcp->server, 0);
		nids_account(c);
		if (c->smtp != NULL)
			smtp_session_trim(c->smtp);
		R.trimmed = c;
	}
}

/* Free connections idle longer than the timeout, oldest first. */
void
idle_sweep(void)
{
	struct conn *c;
	struct tcp_stream *a_tcp;

	R.last_sweep = R.idle;
	trim_quiet();
	if (R.frag != NULL)
		ipfrag_expire(R.frag, R.idle);
	attempt_sweep();
	while ((c = R.oldest) != NULL &&
	    c->last + (double)R.cfg.idle_timeout < R.idle) {
		a_tcp = c->a_tcp;
		R.st.idle_expired++;
		conn_close(c, SMTP_SESSION_END_TIMEOUT);
		nids_free_tcp_stream(a_tcp);
	}
}

/*
 * The sessions' memory (the counted allocations: the dissector's, the
 * sinks' per-session state, libnids' buffers) is over its budget: the
 * sessions quiet the longest are closed (as timed out), oldest first,
 * until it fits. Not inlined in the packet path, which only asks
 * whether it is needed.
 */
__attribute__((noinline)) void
evict_for_memory(void)
{
	struct conn *c;
	struct tcp_stream *a_tcp;

	trim_quiet();
	while (
	    counted_bytes() > R.cfg.session_bytes && (c = R.oldest) != NULL) {
		a_tcp = c->a_tcp;
		R.st.sessions_evicted_memory++;
		conn_close(c, SMTP_SESSION_END_TIMEOUT);
		nids_free_tcp_stream(a_tcp);
	}
}

static int
conn_id_cmp(const void *a, const void *b)
{
	uint64_t x = smtp_session_info((*(struct conn *const *)a)->smtp)->id;
	uint64_t y = smtp_session_info((*(struct conn *const *)b)->smtp)->id;

	return x < y ? -1 : x > y;
}

/*
 * The end of the capture: every session still open is closed as "eof",
 * in the order the sessions opened. (libnids' nids_exit() would close
 * them in the order of its hash table, which our keyed mkhash() makes
 * different from run to run: the records of one capture came out in
 * different orders.)
 */
void
close_all_in_order(void)
{
	struct conn **v, *c;
	size_t n = 0, i;

	content_finish_all(); /* those judged by content: judged now */
	for (c = R.oldest; c != NULL; c = c->newer)
		n++;
	if (n == 0)
		return;
	v = xmalloc(n * sizeof(*v));
	for (c = R.oldest, i = 0; c != NULL && i < n; c = c->newer)
		v[i++] = c;
	qsort(v, i, sizeof(*v), conn_id_cmp);
	for (n = i, i = 0; i < n; i++)
		conn_close(v[i], SMTP_SESSION_END_EOF);
	free(v);
}
