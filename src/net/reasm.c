/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libnids glue. libnids is configured deliberately (see DESIGN.md):
 * fed through nids_params.pcap_desc = pcap_open_dead(DLT_RAW) and
 * nids_pcap_handler() with IPv4 packets that we decapsulated ourselves;
 * IPv6 rewritten to IPv4 with stand-in addresses (v6map.c); checksums
 * off unless asked; scan detection off; warnings counted, never sent to
 * syslog; idle streams freed by our own timeout.
 */
#include "net/reasm.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <inttypes.h>
#include <nids.h>
#include <pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "event/dissector.h"
#include "lib/util.h"
#include "net/decap.h"
#include "net/ipfrag.h"
#include "net/tcpq.h"
#include "net/v6map.h"

/*
 * libnids' queue of out-of-order segments (struct skbuff of its tcp.h,
 * unchanged since 1.19 and not exported): we read only the sequence
 * number of the first one, to step over a hole (fill_gap()).
 */
struct nids_queued {
	struct nids_queued *next, *prev;
	void *data;
	u_int len, truesize, urg_ptr;
	char fin, urg;
	u_int seq, ack;
};

/* One followed connection. a_tcp->user points here. */
struct conn {
	struct tcp_stream *a_tcp;
	struct smtp_session *smtp;
	double last;                /* last data, on the idle clock */
	double jump_seen;           /* R.jump_idle when last marked */
	struct conn *older, *newer; /* LRU by last data */
	uint32_t saddr, daddr;      /* as libnids sees them (stand-ins) */
	/* Segments ahead of the next expected byte, by the direction they
	 * travel (0: from the client): libnids gets them in order. */
	struct tcpq ooo[2];
	/* A SYN with a new sequence number while the connection is open:
	 * a new connection only if the server answers it (RFC 5961 4). */
	uint8_t *held_syn;
	size_t held_len;
	uint32_t held_seq;
	/* libnids' buffers of its two halves, as counted for the sessions'
	 * budget (counted_adjust()). */
	size_t nids_counted;
};

/* Out-of-order bytes held (packets and their bookkeeping, tcpq_cost()):
 * per direction of a connection, and in all (--max-ooo-bytes). Beyond
 * them a segment is dropped, or the oldest connection's queues are, and
 * counted; what they held becomes a gap once the receiver acknowledges
 * past it. */
#define REASM_OOO_DIR_MAX (256u * 1024)

/* libnids keeps a half's buffer from one data segment to the next; one
 * bigger than this (a segment over 2 KiB makes it twice the segment: a
 * 64 KiB segment of a capture with TSO, 128 KiB) is given back at once. */
#define REASM_HALF_KEEP 8192

/* Heap a session slot takes outside the counted memory: libnids' stream
 * (preallocated, tcp_init()), its share of libnids' hash table, the
 * listener libnids allocates, four slots of our table at most (never
 * over half full, doubled). */
#define REASM_NIDS_LISTENER 32

/* Seconds without data before a connection's empty buffers are freed. */
#define REASM_TRIM_AFTER 0.5

/*
 * Idle timeouts run on their own clock, so that a step of the capture's
 * clock does not time out every open session. Live, it is the monotonic
 * clock. From a file, it moves with the packets' timestamps, but a gap
 * between two packets of more than REASM_CLOCK_JUMP seconds moves it by
 * REASM_CLOCK_JUMP only, and a step back does not move it: a gap that
 * long on a link that carries mail cannot be told from the clock being
 * set, and a session that was really abandoned is timed out all the
 * same, later. Every such jump is counted; a session that goes on after
 * one is marked (clock_jump): its durations include the jump.
 */
#define REASM_CLOCK_JUMP 60.0

/* Connections counted as having data but no handshake, or closed: a
 * fixed-size set of 4-tuple hashes, so counting needs bounded memory. */
#define SEEN_SLOTS 8192

static struct {
	struct reasm_config cfg;
	struct reasm_stats st;
	struct v6map *v6;
	pcap_t *dead;
	struct pcap_pkthdr hdr; /* nids_last_pcap_header points here */
	double now;             /* the capture's clock: records' times */
	double idle;            /* the idle clock (above) */
	double last_ts;         /* the last packet's timestamp */
	double mono_off;        /* live: timestamps minus the monotonic clock */
	double jump_idle;       /* the idle clock just after the last jump */
	bool time_replaced;     /* the next packet's timestamp was replaced
				   (reasm_time_replaced()) */
	bool pkt_time_replaced; /* this packet's: its session not marked yet */
	double last_sweep;      /* on the idle clock */
	struct conn *oldest, *newest;
	struct conn *trimmed; /* newest of the trimmed oldest end */
	uint64_t next_id;
	uint64_t seen[SEEN_SLOTS];
	unsigned seen_n;
	/* Followed connections by 4-tuple, either way: one cheap probe per
	 * packet instead of libnids' hash (open addressing, at most half
	 * full, grown on demand). */
	struct conn_slot {
		uint64_t h; /* tuple_key(), never 0 */
		struct conn *c;
		/* Its stream and addresses, so that a probe reads nothing
		 * but the slot. */
		struct tcp_stream *a_tcp;
		struct tuple4 addr;
	} * ctab;
	size_t ctab_mask, ctab_n;
	uint8_t scratch[65536 + 64];
	uint8_t ackbuf[128];   /* the headers of a segment held back */
	size_t ooo_bytes;      /* held in every connection's queues */
	uint64_t closes;       /* connections closed so far */
	struct conn *trim_due; /* whose libnids buffer grew past
				  REASM_HALF_KEEP in this packet */
	struct ipfrag *frag;
	int initialised;
} R;

/* --- memory budgets ---------------------------------------------------- */

/* The size of libnids' stream table for max sessions: libnids evicts
 * when it holds more than 3/4 of n_tcp_streams, so the largest table
 * whose 3/4 is under max keeps exactly max. */
static unsigned long
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

static inline bool
port_in(const uint8_t *map, uint16_t port)
{
	return map != NULL && (map[port >> 3] & (1u << (port & 7))) != 0;
}

/* libnids calls this for every warning; count, never syslog. */
static void
nids_warning_hook(int type, int errnum, struct ip *iph, void *data)
{
	(void)type;
	(void)iph;
	(void)data;
	R.st.nids_warnings++;
	if (errnum >= 0 && errnum < REASM_NIDS_WARN_MAX)
		R.st.nids_warning[errnum]++;
	/* libnids evicted its oldest established stream for a new one: a
	 * session at --max-sessions (it was closed as timed out). */
	if (errnum == NIDS_WARN_TCP_TOOMUCH)
		R.st.sessions_evicted++;
}

static void
nids_out_of_memory(char *where)
{
	fprintf(stderr, "smtpscope: out of memory in libnids (%s)\n", where);
	exit(1);
}

/* --- bounded set of 4-tuples ------------------------------------------- */

static uint64_t
tuple_key(uint32_t a, uint16_t ap, uint32_t b, uint16_t bp)
{
	uint64_t x, y, h;

	/* The same key for both directions. */
	x = ((uint64_t)a << 16) | ap;
	y = ((uint64_t)b << 16) | bp;
	if (x > y) {
		uint64_t t = x;

		x = y;
		y = t;
	}
	h = x * 0x9e3779b97f4a7c15ull ^ (y + 0x632be59bd9b4e019ull);
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return h | 1; /* 0 marks an empty slot */
}

/* Returns true if key was new. Full: start again (may count twice). */
static bool
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

static bool
tuple_matches(const struct tuple4 *t, uint32_t saddr, uint16_t sport,
    uint32_t daddr, uint16_t dport)
{
	return (t->saddr == saddr && t->source == sport && t->daddr == daddr &&
		   t->dest == dport) ||
	    (t->saddr == daddr && t->source == dport && t->daddr == saddr &&
		t->dest == sport);
}

/* The slot of the followed connection on these addresses and ports,
 * either way, or NULL. */
static const struct conn_slot *
conn_slot_lookup(uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport)
{
	uint64_t h;
	size_t i;

	if (R.ctab == NULL)
		return NULL;
	h = tuple_key(saddr, sport, daddr, dport);
	for (i = h & R.ctab_mask; R.ctab[i].c != NULL;
	     i = (i + 1) & R.ctab_mask)
		if (R.ctab[i].h == h &&
		    tuple_matches(&R.ctab[i].addr, saddr, sport, daddr, dport))
			return &R.ctab[i];
	return NULL;
}

/* The followed connection on these addresses and ports, either way. */
static struct conn *
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

static void
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

static void
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

static void
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

static void
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

static void
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

static void
conn_close(struct conn *c, enum smtp_session_end end)
{
	struct tcp_stream *a_tcp = c->a_tcp;

	/* Segments still queued out of order: the bytes before them were
	 * never captured, and what they hold can never be delivered. */
	if (c->ooo[0].head != NULL || c->ooo[1].head != NULL) {
		R.st.gaps++;
		smtp_session_gap(c->smtp,
		    c->ooo[0].head != NULL ? SMTP_DIR_CLIENT : SMTP_DIR_SERVER,
		    0, R.now);
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
	/* libnids frees its buffers with the stream. */
	counted_adjust(0, c->nids_counted);
	if (R.trim_due == c)
		R.trim_due = NULL;
	smtp_session_close(c->smtp, end, R.now);
	if (v6map_is_standin(c->saddr))
		v6map_unref(R.v6, c->saddr);
	if (v6map_is_standin(c->daddr))
		v6map_unref(R.v6, c->daddr);
	/* Late packets of a closed connection are not "no handshake". */
	seen_insert(tuple_key(a_tcp->addr.saddr, a_tcp->addr.source,
	    a_tcp->addr.daddr, a_tcp->addr.dest));
	lru_unlink(c);
	conn_table_remove(c);
	a_tcp->user = NULL;
	cfree(c);
	R.closes++;
	R.st.active--;
}

static size_t
half_held(const struct half_stream *h)
{
	return h->data != NULL ? (size_t)h->bufsize : 0;
}

/* libnids' buffers of c, counted with the sessions' memory. */
static void
nids_account(struct conn *c)
{
	size_t now =
	    half_held(&c->a_tcp->client) + half_held(&c->a_tcp->server);

	counted_adjust(now, c->nids_counted);
	c->nids_counted = now;
}

static uint32_t expected_seq(const struct tcp_stream *a, int from_client);

void (*reasm_data_hook)(uint16_t client_port, int from_client, uint32_t seq,
    const uint8_t *p, size_t n);

static void
feed_half(struct conn *c, struct half_stream *h, enum smtp_dir dir)
{
	/* We consume everything we are given, so the buffer holds just
	 * the new bytes; nids_discard() keeps nothing back. */
	int unread = h->count - h->offset;
	const uint8_t *p = (const uint8_t *)h->data + (unread - h->count_new);
	size_t n = (size_t)h->count_new;

	if (reasm_data_hook != NULL && n > 0)
		reasm_data_hook(c->a_tcp->addr.source, dir == SMTP_DIR_CLIENT,
		    expected_seq(c->a_tcp, dir == SMTP_DIR_CLIENT) -
			(uint32_t)n,
		    p, n);
	if (n > 0)
		smtp_session_data(c->smtp, dir, p, n, R.now);
}

static void
tcp_callback(struct tcp_stream *a_tcp, void **param)
{
	struct conn *c = a_tcp->user;

	(void)param;
	switch (a_tcp->nids_state) {
	case NIDS_JUST_EST:
		if (port_in(R.cfg.portmap, a_tcp->addr.dest))
			conn_open(a_tcp);
		else /* not a mail server's port: seen, not followed */
			seen_insert(
			    tuple_key(a_tcp->addr.saddr, a_tcp->addr.source,
				a_tcp->addr.daddr, a_tcp->addr.dest));
		return;
	case NIDS_DATA:
		if (c == NULL)
			return;
		/* Bytes the server half received were sent by the client. */
		if (a_tcp->server.count_new > 0)
			feed_half(c, &a_tcp->server, SMTP_DIR_CLIENT);
		if (a_tcp->client.count_new > 0)
			feed_half(c, &a_tcp->client, SMTP_DIR_SERVER);
		nids_discard(a_tcp, a_tcp->read);
		nids_account(c);
		if (c->nids_counted > 2 * REASM_HALF_KEEP)
			R.trim_due = c; /* after the packet, outside libnids */
		c->last = R.idle;
		/* To the newest end (already there: nothing to move, unless
		 * it counts as trimmed). */
		if (c != R.newest || R.trimmed == c) {
			lru_unlink(c);
			lru_push_newest(c);
		}
		return;
	case NIDS_CLOSE:
		if (c != NULL)
			conn_close(c, SMTP_SESSION_END_FIN);
		return;
	case NIDS_RESET:
		if (c != NULL)
			conn_close(c, SMTP_SESSION_END_RST);
		return;
	case NIDS_TIMED_OUT:
		if (c != NULL)
			conn_close(c, SMTP_SESSION_END_TIMEOUT);
		return;
	case NIDS_EXITING:
		if (c != NULL)
			conn_close(c, SMTP_SESSION_END_EOF);
		return;
	default:
		return;
	}
}

/* libnids keeps each half's buffer (4 KiB or more) for the stream's
 * life, though we take every byte at once: give it back (if over keep
 * bytes); libnids allocates anew with the next data. Outside its
 * callback only. */
static void
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
		smtp_session_trim(c->smtp);
		R.trimmed = c;
	}
}

/* Free connections idle longer than the timeout, oldest first. */
static void
idle_sweep(void)
{
	struct conn *c;
	struct tcp_stream *a_tcp;

	R.last_sweep = R.idle;
	trim_quiet();
	if (R.frag != NULL)
		ipfrag_expire(R.frag, R.idle);
	while ((c = R.oldest) != NULL &&
	    c->last + (double)R.cfg.idle_timeout < R.idle) {
		a_tcp = c->a_tcp;
		R.st.idle_expired++;
		conn_close(c, SMTP_SESSION_END_TIMEOUT);
		nids_free_tcp_stream(a_tcp);
	}
}

/* --- packets ----------------------------------------------------------- */

/* The header checksum over len bytes (a multiple of 4: IHL words), in
 * host order: 0 when the header's own sum field is right. Summed 32
 * bits at a time in host order, which the one's complement sum allows
 * (RFC 1071), then turned round. */
static inline uint16_t
ipv4_header_sum(const uint8_t *h, size_t len)
{
	uint64_t sum = 0;
	uint32_t w[5];
	uint16_t half;
	size_t i;

	if (len == 20) {
		/* No options: the common header, unrolled. */
		memcpy(w, h, sizeof(w));
		sum = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
		i = len;
	} else
		i = 0;
	for (; i + 4 <= len; i += 4) {
		memcpy(&w[0], h + i, 4);
		sum += w[0];
	}
	if (i + 1 < len) {
		memcpy(&half, h + i, 2);
		sum += half;
	}
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~ntohs((uint16_t)sum);
}

static uint32_t
sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static bool
tcp6_checksum_ok(
    const uint8_t *src, const uint8_t *dst, const uint8_t *tcp, size_t len)
{
	uint8_t pseudo[8] = { 0 };
	uint32_t sum;

	pseudo[0] = (uint8_t)(len >> 24);
	pseudo[1] = (uint8_t)(len >> 16);
	pseudo[2] = (uint8_t)(len >> 8);
	pseudo[3] = (uint8_t)len;
	pseudo[7] = 6;
	sum = sum16(src, 16, 0);
	sum = sum16(dst, 16, sum);
	sum = sum16(pseudo, 8, sum);
	sum = sum16(tcp, len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * libnids' TCP layer and its closing timeouts, below nids_pcap_handler()
 * (exported by the library, not declared by nids.h), found by
 * reasm_init(); NULL: every packet goes through nids_pcap_handler().
 */
static void (*nids_process_tcp)(u_char *, int);
static void (*nids_tcp_check_timeouts)(struct timeval *);

/*
 * An IPv4 packet to libnids. nids_pcap_handler() checks the IP header,
 * passes a datagram that is no fragment through ip_defrag_stub() (which
 * changes nothing while libnids holds no fragment, and it never gets
 * one: ipfrag.c reassembles) and gives TCP to process_tcp() with the
 * buffer size libnids charges for it. A TCP packet that header check
 * would pass, without options and not a fragment, goes to process_tcp()
 * straight, with the same size and after the same timeout check: about
 * 260 instructions less a packet. Anything else takes the long way.
 */
static void
nids_feed_sum(const uint8_t *ip, size_t len, bool sum_ok)
{
	R.hdr.caplen = (bpf_u_int32)len;
	R.hdr.len = (bpf_u_int32)len;
	if (nids_process_tcp != NULL && len >= 20 && ip[0] == 0x45 &&
	    ip[9] == 6 && (ip[6] & 0x3f) == 0 && ip[7] == 0 &&
	    ((size_t)ip[2] << 8 | ip[3]) == len &&
	    (sum_ok || ipv4_header_sum(ip, 20) == 0)) {
		int skblen = (int)len + 16 + nids_params.dev_addon;

		if (nids_tcp_timeouts != NULL)
			nids_tcp_check_timeouts(&R.hdr.ts);
		nids_last_pcap_header = &R.hdr;
		nids_last_pcap_data = (u_char *)(uintptr_t)ip;
		skblen = ((skblen + 15) & ~15) + nids_params.sk_buff_size;
		nids_process_tcp((u_char *)(uintptr_t)ip, skblen);
		return;
	}
	nids_pcap_handler(NULL, &R.hdr, (u_char *)(uintptr_t)ip);
}

static void
nids_feed(const uint8_t *ip, size_t len)
{
	nids_feed_sum(ip, len, false);
}

static uint32_t
sum_tcp(const uint8_t *ip, const uint8_t *tcp, size_t len)
{
	uint8_t pseudo[12];
	uint32_t sum;

	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 6;
	pseudo[10] = (uint8_t)(len >> 8);
	pseudo[11] = (uint8_t)len;
	sum = sum16(pseudo, 12, 0);
	sum = sum16(tcp, len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The next byte the receiving half of a expects from the sender. */
static uint32_t
expected_seq(const struct tcp_stream *a, int from_client)
{
	const struct half_stream *snd = from_client ? &a->client : &a->server;
	const struct half_stream *rcv = from_client ? &a->server : &a->client;

	return snd->first_data_seq + (uint32_t)rcv->count +
	    (uint32_t)rcv->urg_count;
}

/*
 * A hole in one direction: segments wait in our queue behind bytes that
 * were never captured, and the receiver has acknowledged past the hole,
 * so the bytes did reach it and will never come. As Zeek does, we step
 * over: the dissector is told those bytes are a gap, and libnids' count
 * of the bytes it received moves past them (its buffer holds none of
 * them: count and offset move together), so that what waited goes on in
 * order. Nothing is copied, however large the hole.
 */
static void
fill_gap(struct conn *c, int from_client)
{
	struct tcp_stream *a = c->a_tcp;
	struct half_stream *rcv = from_client ? &a->server : &a->client;
	struct tcpq *q = &c->ooo[from_client ? 0 : 1];
	uint32_t exp = expected_seq(a, from_client), upto, n;

	if (q->head == NULL)
		return;
	upto = q->head->seq;
	/* Proven only when the receiver acknowledged the queued data. */
	if (!tcpq_after(upto, exp) || tcpq_before(rcv->ack_seq, upto))
		return;
	n = upto - exp;
	R.st.gaps++;
	R.st.gap_bytes += n;
	rcv->count = (int)((unsigned)rcv->count + n);
	rcv->offset = (int)((unsigned)rcv->offset + n);
	smtp_session_gap(
	    c->smtp, from_client ? SMTP_DIR_CLIENT : SMTP_DIR_SERVER, n, R.now);
}

/* libnids' stream for these addresses and ports, this way round (it
 * keeps streams client first), NULL if it follows none. */
static struct tcp_stream *
stream_lookup(uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport)
{
	struct tuple4 t;

	t.saddr = saddr;
	t.source = sport;
	t.daddr = daddr;
	t.dest = dport;
	return nids_find_tcp_stream(&t);
}

/* A TCP segment as this layer reads it. */
struct seg {
	uint32_t saddr, daddr; /* as libnids sees them */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	const uint8_t *ip; /* the IPv4 packet libnids gets */
	size_t iplen, hl;  /* its length, its header's */
	size_t off;        /* TCP header bytes */
	uint32_t datalen;
	uint64_t closes; /* R.closes when its connection was found */
	uint32_t cut;    /* payload bytes the capture did not keep (its snap
			    length): sent, and received, all the same */
	bool sum_ok;     /* its IP header's sum is known to be right */
};

#define TH_FIN_ 0x01
#define TH_SYN_ 0x02
#define TH_RST_ 0x04
#define TH_ACK_ 0x10

/* The followed connection still there after libnids ran (its callback
 * may have closed it), or NULL. */
static struct conn *
conn_again(const struct seg *g, struct conn *c)
{
	if (c != NULL && R.closes == g->closes)
		return c; /* nothing was closed meanwhile */
	return conn_lookup(g->saddr, g->sport, g->daddr, g->dport) == c ? c
									: NULL;
}

/* Whatever waits in order now (after data or a filler moved the next
 * expected byte), to libnids. */
static void
drain(struct seg *g, struct conn *c, int from_client)
{
	struct tcpq *q = &c->ooo[from_client ? 0 : 1];
	struct tcpq_seg *s;

	while ((c = conn_again(g, c)) != NULL &&
	    (s = tcpq_pop(q, expected_seq(c->a_tcp, from_client))) != NULL) {
		R.ooo_bytes -= s->truesize;
		/* A segment the bytes before it already covered whole is
		 * old: libnids would skip it. */
		if (tcpq_after(s->seq + s->len + (s->fin ? 1 : 0),
			expected_seq(c->a_tcp, from_client)))
			nids_feed(s->pkt, s->pkt_len);
		free(s);
	}
}

/* The total budget is passed: the queues of the connections quiet the
 * longest go first. */
static void
ooo_evict(struct conn *keep)
{
	struct conn *c;

	for (c = R.oldest; c != NULL && R.ooo_bytes > R.cfg.ooo_bytes;
	     c = c->newer) {
		if (c == keep ||
		    (c->ooo[0].head == NULL && c->ooo[1].head == NULL))
			continue;
		R.ooo_bytes -= tcpq_clear(&c->ooo[0]);
		R.ooo_bytes -= tcpq_clear(&c->ooo[1]);
		R.st.ooo_evicted++;
	}
}

/*
 * A segment ahead of the next expected byte: held in our queue by the
 * receiver's rules (tcpq.h); libnids gets its headers now (the ACK and
 * the window it carries) and its bytes in their turn.
 */
static void
hold_segment(const struct seg *g, struct conn *c, int from_client)
{
	struct tcpq *q = &c->ooo[from_client ? 0 : 1];
	size_t freed, was = q->bytes, hdr = g->hl + g->off;
	size_t dir_max = R.cfg.ooo_bytes < REASM_OOO_DIR_MAX
	    ? (size_t)R.cfg.ooo_bytes
	    : REASM_OOO_DIR_MAX;
	bool conflict;
	bool fin = (g->flags & TH_FIN_) != 0;

	if (q->bytes + tcpq_cost(g->iplen) > dir_max) {
		R.st.ooo_dropped++;
		return;
	}
	R.st.ooo_segments++;
	tcpq_insert(q, g->ip, g->iplen, hdr, g->seq, g->datalen, fin, &conflict,
	    &freed);
	R.ooo_bytes = R.ooo_bytes + q->bytes - was;
	if (conflict) {
		R.st.ooo_conflicts++;
		smtp_session_anomaly(
		    c->smtp, SMTP_ANOMALY_OVERLAP_CONFLICT, R.now);
	}
	if (R.ooo_bytes > R.cfg.ooo_bytes)
		ooo_evict(c);
	/* The headers alone: an ACK libnids takes at once. */
	if (hdr <= sizeof(R.ackbuf) && (g->flags & TH_ACK_)) {
		memcpy(R.ackbuf, g->ip, hdr);
		put16(R.ackbuf + 2, (uint16_t)hdr);
		R.ackbuf[10] = R.ackbuf[11] = 0;
		put16(R.ackbuf + 10, ipv4_header_sum(R.ackbuf, g->hl));
		R.ackbuf[g->hl + 13] &= (uint8_t)~TH_FIN_;
		nids_feed(R.ackbuf, hdr);
	}
}

/*
 * RFC 5961 3.2, as Linux does: a RST ends the connection only at the
 * next expected sequence number (or at what the receiver acknowledged
 * last, in case the capture missed bytes); any other is ignored.
 */
static bool
rst_accepted(const struct seg *g, const struct tcp_stream *a, int from_client)
{
	const struct half_stream *rcv = from_client ? &a->server : &a->client;

	if (g->seq == expected_seq(a, from_client) || g->seq == rcv->ack_seq)
		return true;
	/* Before the handshake completed libnids has nothing to go by. */
	return a->nids_state != NIDS_DATA;
}

/* The old connection still open (no FIN, no RST seen on it). */
static bool
conn_open_both(const struct tcp_stream *a)
{
	return a->nids_state == NIDS_DATA &&
	    a->client.state == TCP_ESTABLISHED &&
	    a->server.state == TCP_ESTABLISHED;
}

/* A SYN (no ACK) with a new sequence number on the 4-tuple of an open,
 * followed connection: held until the server says what it is. */
static void
hold_syn(const struct seg *g, struct conn *c)
{
	cfree(c->held_syn);
	c->held_syn = cmalloc(g->iplen);
	memcpy(c->held_syn, g->ip, g->iplen);
	c->held_len = g->iplen;
	c->held_seq = g->seq;
}

/*
 * A segment the capture cut short: what it kept went to libnids; the
 * bytes it did not keep reached the receiver all the same, so once the
 * kept ones are in order they are stepped over at once as a gap (as
 * fill_gap() does for a proven hole), and a FIN after them is passed on.
 */
static void
step_cut(const struct seg *g, struct conn *c, int from_client)
{
	struct tcp_stream *a = c->a_tcp;
	struct half_stream *rcv = from_client ? &a->server : &a->client;
	size_t hdr = g->hl + g->off;

	if (expected_seq(a, from_client) != g->seq + g->datalen)
		return; /* not taken in order: a hole for later */
	R.st.gaps++;
	R.st.gap_bytes += g->cut;
	rcv->count = (int)((unsigned)rcv->count + g->cut);
	rcv->offset = (int)((unsigned)rcv->offset + g->cut);
	smtp_session_gap(c->smtp,
	    from_client ? SMTP_DIR_CLIENT : SMTP_DIR_SERVER, g->cut, R.now);
	if ((g->flags & TH_FIN_) && hdr <= sizeof(R.ackbuf)) {
		uint32_t seq = g->seq + g->datalen + g->cut;

		memcpy(R.ackbuf, g->ip, hdr);
		put16(R.ackbuf + 2, (uint16_t)hdr);
		R.ackbuf[10] = R.ackbuf[11] = 0;
		put16(R.ackbuf + 10, ipv4_header_sum(R.ackbuf, g->hl));
		put16(R.ackbuf + g->hl + 4, (uint16_t)(seq >> 16));
		put16(R.ackbuf + g->hl + 6, (uint16_t)seq);
		nids_feed(R.ackbuf, hdr);
	}
}

/* The session of a packet whose timestamp the capture layer replaced
 * (capture_time()): marked, once for the packet. */
static void
mark_time_replaced(struct conn *c)
{
	if (!R.pkt_time_replaced || c == NULL)
		return;
	R.pkt_time_replaced = false;
	smtp_session_anomaly(c->smtp, SMTP_ANOMALY_TIMESTAMP_REPLACED, R.now);
}

/*
 * Pure ACKs (about one packet in six) without libnids. While its list of
 * closing timeouts (tcp_workarounds: nids_tcp_timeouts) is empty, a
 * packet's only effect outside process_tcp() is nids_last_pcap_header,
 * which always points to R.hdr.
 */

/* libnids' get_ts(), byte for byte: the last timestamp option before an
 * end of options or a length under 2. The options are inside the TCP
 * header, whose length seg_parse() checked. */
static int
ack_get_ts(const uint8_t *tcp, size_t off, uint32_t *ts)
{
	const uint8_t *o = tcp + 20;
	int len = (int)off, ind = 0, ret = 0;

	while (ind <= len - 20 - 10) {
		switch (o[ind]) {
		case 0:
			return ret;
		case 1:
			ind++;
			continue;
		case 8:
			*ts = (uint32_t)o[ind + 2] << 24 |
			    (uint32_t)o[ind + 3] << 16 |
			    (uint32_t)o[ind + 4] << 8 | o[ind + 5];
			ret = 1;
			/* fall through */
		default:
			if (o[ind + 1] < 2)
				return ret;
			ind += o[ind + 1];
		}
	}
	return ret;
}

/*
 * What libnids' process_tcp() does with a segment that carries only an
 * ACK on an established stream both of whose halves are open, with no
 * segment of its own waiting (rmem_alloc 0), done here: the window
 * check, PAWS, handle_ack() and the sender's window. True when done so;
 * false when libnids must have the packet (anything else: IP options,
 * an IP length that is not the packet's, a closing timeout pending, a
 * stream libnids could find the other way round).
 */
static bool
ack_only(const struct seg *g, struct tcp_stream *a, int from_client)
{
	const uint8_t *tcp = g->ip + g->hl;
	struct half_stream *snd, *rcv;
	uint32_t ts;

	if (g->datalen != 0 ||
	    (g->flags & (TH_FIN_ | TH_SYN_ | TH_RST_ | TH_ACK_)) != TH_ACK_ ||
	    g->hl != 20 || ((size_t)g->ip[2] << 8 | g->ip[3]) != g->iplen ||
	    (g->saddr | g->daddr) == 0 || nids_tcp_timeouts != NULL ||
	    a->listeners == NULL || !conn_open_both(a) ||
	    a->client.rmem_alloc != 0 || a->server.rmem_alloc != 0)
		return false;
	/* libnids looks the segment's way first: no stream there. */
	if (!from_client &&
	    stream_lookup(g->saddr, g->sport, g->daddr, g->dport) != NULL)
		return false;
	snd = from_client ? &a->client : &a->server;
	rcv = from_client ? &a->server : &a->client;
	if (g->seq != rcv->ack_seq &&
	    ((int32_t)(g->seq - (rcv->ack_seq + rcv->window * rcv->wscale)) >=
		    0 ||
		(int32_t)(g->seq - rcv->ack_seq) < 0))
		return true; /* outside the window: libnids drops it */
	if (rcv->ts_on && ack_get_ts(tcp, g->off, &ts) &&
	    (int32_t)(ts - snd->curr_ts) < 0)
		return true; /* PAWS */
	if ((int32_t)(g->ack - snd->ack_seq) > 0)
		snd->ack_seq = g->ack;
	snd->window = (u_short)(tcp[14] << 8 | tcp[15]);
	return true;
}

#ifdef REASM_ACK_CHECK
static unsigned long ack_checks;

__attribute__((destructor)) static void
ack_checks_say(void)
{
	if (getenv("REASM_ACK_CHECK_SAY") != NULL)
		fprintf(stderr, "ack_only checked %lu\n", ack_checks);
}

/* Checking build: libnids gets the packet too, and must leave the
 * stream as ack_only() did. */
static bool
ack_only_checked(const struct seg *g, struct tcp_stream *a, int from_client)
{
	struct tcp_stream before = *a, mine;
	bool r = ack_only(g, a, from_client);

	if (!r)
		return false;
	mine = *a;
	*a = before;
	nids_feed_sum(g->ip, g->iplen, g->sum_ok);
	if (memcmp(&mine.client, &a->client, sizeof(a->client)) != 0 ||
	    memcmp(&mine.server, &a->server, sizeof(a->server)) != 0 ||
	    mine.nids_state != a->nids_state) {
		fprintf(stderr, "ack_only differs from libnids\n");
		abort();
	}
	ack_checks++;
	return true;
}
#define ack_only ack_only_checked
#endif

/*
 * One TCP segment (in an IPv4 packet, ours or rewritten from IPv6) on a
 * mail port: what a receiver would do with it is decided here, then
 * libnids gets what the receiver keeps, in order.
 */
static void
tcp_segment_decide(struct seg *g)
{
	const struct conn_slot *e =
	    conn_slot_lookup(g->saddr, g->sport, g->daddr, g->dport);
	struct tcp_stream *a;
	struct conn *c;
	int from_client;
	uint32_t exp;

	if (e == NULL) {
		/* A SYN on a 4-tuple libnids tracks without us (not yet
		 * established): the old attempt is over. */
		if ((g->flags & (TH_SYN_ | TH_ACK_)) == TH_SYN_) {
			a = stream_lookup(
			    g->saddr, g->sport, g->daddr, g->dport);
			if (a != NULL && a->client.seq != g->seq + 1) {
				R.st.reused++;
				nids_free_tcp_stream(a);
			}
		}
		nids_feed_sum(g->ip, g->iplen, g->sum_ok);
		/* The ACK that ends a handshake opens the session. */
		if (R.pkt_time_replaced)
			mark_time_replaced(conn_lookup(
			    g->saddr, g->sport, g->daddr, g->dport));
		if (g->datalen > 0 && (g->flags & (TH_SYN_ | TH_RST_)) == 0 &&
		    conn_lookup(g->saddr, g->sport, g->daddr, g->dport) ==
			NULL &&
		    seen_insert(
			tuple_key(g->saddr, g->sport, g->daddr, g->dport)))
			R.st.no_handshake++;
		return;
	}
	c = e->c;
	a = e->a_tcp;
	g->closes = R.closes;
	from_client = g->saddr == a->addr.saddr && g->sport == a->addr.source;
	mark_time_replaced(c);
	if (c->jump_seen != R.jump_idle) {
		/* The first packet since the clock jumped: the session
		 * was open across it. */
		c->jump_seen = R.jump_idle;
		smtp_session_anomaly(c->smtp, SMTP_ANOMALY_CLOCK_JUMP, R.now);
	}

	if (c->held_syn != NULL) {
		if (!from_client &&
		    (g->flags & (TH_SYN_ | TH_ACK_)) == (TH_SYN_ | TH_ACK_) &&
		    g->ack == c->held_seq + 1) {
			/* The server took it up: the old connection ended
			 * unseen, this is a new one. */
			uint8_t *syn = c->held_syn;
			size_t len = c->held_len;

			c->held_syn = NULL;
			R.st.reused++;
			conn_close(c, SMTP_SESSION_END_REUSED);
			nids_free_tcp_stream(a);
			nids_feed(syn, len);
			cfree(syn);
			nids_feed_sum(g->ip, g->iplen, g->sum_ok);
			return;
		}
		if (!(from_client &&
			(g->flags & (TH_SYN_ | TH_ACK_)) == TH_SYN_ &&
			g->seq == c->held_seq)) {
			/* The connection goes on: the SYN was not a new
			 * one (Linux answered it with a challenge ACK). */
			cfree(c->held_syn);
			c->held_syn = NULL;
			R.st.syn_ignored++;
			smtp_session_anomaly(
			    c->smtp, SMTP_ANOMALY_SYN_ON_ESTABLISHED, R.now);
		}
	}
	if ((g->flags & (TH_SYN_ | TH_ACK_)) == TH_SYN_) {
		if (from_client && a->client.seq == g->seq + 1) {
			nids_feed_sum(
			    g->ip, g->iplen, g->sum_ok); /* retransmitted */
			return;
		}
		if (conn_open_both(a)) {
			hold_syn(g, c);
			return;
		}
		/* It was closing: the new SYN opens a new connection. */
		R.st.reused++;
		conn_close(c, SMTP_SESSION_END_REUSED);
		nids_free_tcp_stream(a);
		nids_feed_sum(g->ip, g->iplen, g->sum_ok);
		return;
	}
	if (g->flags & TH_RST_) {
		if (!rst_accepted(g, a, from_client)) {
			R.st.rst_ignored++;
			smtp_session_anomaly(
			    c->smtp, SMTP_ANOMALY_RST_IN_WINDOW, R.now);
			return;
		}
		nids_feed_sum(g->ip, g->iplen, g->sum_ok);
		return;
	}
	if (a->nids_state == NIDS_DATA && !(g->flags & TH_SYN_) &&
	    g->datalen + g->cut + (g->flags & TH_FIN_) > 0) {
		exp = expected_seq(a, from_client);
		if (tcpq_after(g->seq, exp)) {
			hold_segment(g, c, from_client);
			if ((c = conn_again(g, c)) != NULL)
				fill_gap(c, from_client);
			if ((c = conn_again(g, c)) != NULL)
				drain(g, c, from_client);
			return;
		}
		if (c->ooo[from_client ? 0 : 1].head != NULL &&
		    tcpq_conflicts(&c->ooo[from_client ? 0 : 1], g->seq,
			g->ip + g->hl + g->off, g->datalen)) {
			/* Bytes in order that the queued copies contradict:
			 * the receiver keeps these. */
			R.st.ooo_conflicts++;
			smtp_session_anomaly(
			    c->smtp, SMTP_ANOMALY_OVERLAP_CONFLICT, R.now);
		}
		nids_feed_sum(g->ip, g->iplen, g->sum_ok);
		if (g->cut > 0 && (c = conn_again(g, c)) != NULL)
			step_cut(g, c, from_client);
		if ((c = conn_again(g, c)) != NULL)
			drain(g, c, from_client);
		return;
	}
	if (c->ooo[0].head == NULL && c->ooo[1].head == NULL &&
	    ack_only(g, a, from_client))
		return; /* no hole to prove */
	nids_feed_sum(g->ip, g->iplen, g->sum_ok);
	/* An ACK may prove a hole in the other direction. */
	if ((c = conn_again(g, c)) != NULL) {
		int other = !from_client;

		if (c->ooo[other ? 0 : 1].head != NULL) {
			fill_gap(c, other);
			if ((c = conn_again(g, c)) != NULL)
				drain(g, c, other);
		}
	}
}

static void
tcp_segment(struct seg *g)
{
	struct conn *c;

	tcp_segment_decide(g);
	/* A buffer libnids grew for a big segment goes at once. */
	if ((c = R.trim_due) != NULL) {
		R.trim_due = NULL;
		half_trim(&c->a_tcp->client, REASM_HALF_KEEP);
		half_trim(&c->a_tcp->server, REASM_HALF_KEEP);
		nids_account(c);
	}
}

/* Read the TCP header of an IPv4 packet (hl header bytes, len in all)
 * into g; false when it is too short. */
static bool
seg_parse(struct seg *g, const uint8_t *ip, size_t iplen, size_t hl)
{
	const uint8_t *tcp = ip + hl;
	size_t len = iplen - hl;

	if (hl > iplen || len < 20)
		return false;
	g->ip = ip;
	g->iplen = iplen;
	g->hl = hl;
	memcpy(&g->saddr, ip + 12, 4);
	memcpy(&g->daddr, ip + 16, 4);
	g->sport = (uint16_t)(tcp[0] << 8 | tcp[1]);
	g->dport = (uint16_t)(tcp[2] << 8 | tcp[3]);
	g->seq = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 |
	    (uint32_t)tcp[6] << 8 | tcp[7];
	g->ack = (uint32_t)tcp[8] << 24 | (uint32_t)tcp[9] << 16 |
	    (uint32_t)tcp[10] << 8 | tcp[11];
	g->flags = tcp[13];
	g->off = (size_t)(tcp[12] >> 4) * 4;
	if (g->off < 20 || g->off > len)
		return false;
	g->datalen = (uint32_t)(len - g->off);
	g->cut = 0;
	g->sum_ok = false;
	return true;
}

static bool
ports_wanted(const struct decap_packet *d)
{
	uint16_t sport, dport;

	if (d->l4 == NULL || d->l4_proto != 6 || d->l4_len < 4)
		return false;
	sport = (uint16_t)(d->l4[0] << 8 | d->l4[1]);
	dport = (uint16_t)(d->l4[2] << 8 | d->l4[3]);
	return port_in(R.cfg.portmap, sport) || port_in(R.cfg.portmap, dport);
}

static void
packet_v4(const struct decap_packet *d, bool snapcut)
{
	const uint8_t *ip = d->l3;
	size_t hl = (size_t)(ip[0] & 0x0f) * 4;
	size_t total = (size_t)ip[2] << 8 | ip[3];
	struct seg g;

	if (hl > d->l3_len)
		return;
	if (ipv4_header_sum(ip, hl) != 0) {
		if (R.cfg.verify_checksums) {
			R.st.bad_checksum++;
			return;
		}
		/* libnids always checks the IP header sum; when checks are
		 * off we pass the packet on with the sum mended. */
		if (d->l3_len > sizeof(R.scratch))
			return;
		memcpy(R.scratch, ip, d->l3_len);
		R.scratch[10] = R.scratch[11] = 0;
		put16(R.scratch + 10, ipv4_header_sum(R.scratch, hl));
		ip = R.scratch;
		R.st.ip_checksum_fixed++;
	}
	if (snapcut && total > d->l3_len) {
		/* Cut by the snap length: libnids gets what was kept, as
		 * a shorter packet; the rest is a gap (step_cut()). */
		if (ip != R.scratch) {
			if (d->l3_len > sizeof(R.scratch))
				return;
			memcpy(R.scratch, ip, d->l3_len);
			ip = R.scratch;
		}
		put16(R.scratch + 2, (uint16_t)d->l3_len);
		R.scratch[10] = R.scratch[11] = 0;
		put16(R.scratch + 10, ipv4_header_sum(R.scratch, hl));
	} else
		snapcut = false;
	if (!seg_parse(&g, ip, d->l3_len, hl)) {
		nids_feed(ip, d->l3_len); /* libnids counts what is wrong */
		return;
	}
	g.sum_ok = true; /* checked or mended above */
	if (v6map_is_standin(g.saddr) || v6map_is_standin(g.daddr)) {
		R.st.class_e++;
		return;
	}
	/* What a cut segment lacks cannot be summed: it passes. */
	if (R.cfg.verify_checksums && !snapcut &&
	    sum_tcp(ip, ip + hl, d->l3_len - hl)) {
		R.st.bad_checksum++;
		return;
	}
	if (snapcut) {
		g.cut = (uint32_t)(total - d->l3_len);
		R.st.snap_cut++;
		R.st.snap_cut_bytes += g.cut;
	}
	tcp_segment(&g);
}

/* What v6map_note() leaves on the stand-ins of a SYN: the other
 * address and the ports, so that standin_in_use() can find its stream. */
static uint64_t
syn_note(uint32_t other, uint16_t sport, uint16_t dport)
{
	return (uint64_t)other | (uint64_t)sport << 32 | (uint64_t)dport << 48;
}

/* v6map asks before it recycles a stand-in no connection holds: is it
 * one end of a stream libnids holds, its handshake under way? */
static bool
standin_in_use(void *arg, uint32_t standin, uint64_t note)
{
	uint32_t other = (uint32_t)note;
	uint16_t sport = (uint16_t)(note >> 32), dport = (uint16_t)(note >> 48);

	(void)arg;
	if (note == 0)
		return false;
	return stream_lookup(standin, sport, other, dport) != NULL ||
	    stream_lookup(other, sport, standin, dport) != NULL;
}

static uint32_t
v6_fold(const uint8_t a[16])
{
	uint32_t w[4];

	memcpy(w, a, sizeof(w));
	return w[0] ^ w[1] ^ w[2] ^ w[3];
}

/* An IPv6 segment whose addresses have no stand-in: no stream libnids
 * holds is theirs. Counted like an IPv4 one of no stream. */
static void
v6_unmapped(
    const uint8_t *src, const uint8_t *dst, const uint8_t *tcp, size_t len)
{
	size_t off;
	uint16_t sport, dport;

	if (len < 20)
		return;
	off = (size_t)(tcp[12] >> 4) * 4;
	sport = (uint16_t)(tcp[0] << 8 | tcp[1]);
	dport = (uint16_t)(tcp[2] << 8 | tcp[3]);
	if (off >= 20 && off < len && (tcp[13] & (TH_SYN_ | TH_RST_)) == 0 &&
	    seen_insert(tuple_key(v6_fold(src), sport, v6_fold(dst), dport)))
		R.st.no_handshake++;
}

static void
packet_v6(const struct decap_packet *d, bool snapcut)
{
	const uint8_t *src = d->l3 + 8, *dst = d->l3 + 24;
	const uint8_t *payload = d->l4;
	size_t plen = d->l4_len, total, whole;
	uint32_t saddr, daddr;
	uint8_t *h = R.scratch;
	struct seg g;
	bool syn;

	R.st.ipv6_packets++;
	if (payload == NULL || d->l4_proto != 6)
		return;
	total = 20 + plen;
	if (total > 65535)
		return;
	/* The upper-layer bytes the packet had, kept or not. */
	whole = 40 + ((size_t)d->l3[4] << 8 | d->l3[5]);
	whole = whole > (size_t)(payload - d->l3)
	    ? whole - (size_t)(payload - d->l3)
	    : 0;
	if (!snapcut || whole <= plen)
		snapcut = false;
	if (R.cfg.verify_checksums && !snapcut &&
	    !tcp6_checksum_ok(src, dst, payload, plen)) {
		R.st.bad_checksum++;
		return;
	}
	/* New stand-ins only for a SYN, which starts every stream libnids
	 * follows: other packets from unknown addresses (a scan, backscatter)
	 * cannot push out those of handshakes under way. */
	syn = plen >= 14 &&
	    (payload[13] & (TH_SYN_ | TH_ACK_ | TH_RST_)) == TH_SYN_;
	if (syn) {
		saddr = v6map_get(R.v6, src);
		daddr = v6map_get(R.v6, dst);
		if (saddr == 0 || daddr == 0) {
			R.st.v6_table_full++;
			return;
		}
		v6map_note(R.v6, saddr,
		    syn_note(daddr, (uint16_t)(payload[0] << 8 | payload[1]),
			(uint16_t)(payload[2] << 8 | payload[3])));
		v6map_note(R.v6, daddr,
		    syn_note(saddr, (uint16_t)(payload[0] << 8 | payload[1]),
			(uint16_t)(payload[2] << 8 | payload[3])));
	} else if ((saddr = v6map_find(R.v6, src)) == 0 ||
	    (daddr = v6map_find(R.v6, dst)) == 0) {
		v6_unmapped(src, dst, payload, plen);
		return;
	}
	h[0] = 0x45;
	h[1] = (uint8_t)((d->l3[0] & 0x0f) << 4 | d->l3[1] >> 4);
	put16(h + 2, (uint16_t)total);
	h[4] = h[5] = 0;
	put16(h + 6, 0x4000); /* DF */
	h[8] = d->l3[7];      /* hop limit */
	h[9] = 6;
	h[10] = h[11] = 0;
	memcpy(h + 12, &saddr, 4);
	memcpy(h + 16, &daddr, 4);
	put16(h + 10, ipv4_header_sum(h, 20));
	memcpy(h + 20, payload, plen);
	if (seg_parse(&g, h, total, 20)) {
		if (snapcut) {
			g.cut = (uint32_t)(whole - plen);
			R.st.snap_cut++;
			R.st.snap_cut_bytes += g.cut;
		}
		tcp_segment(&g);
	} else
		nids_feed(h, total);
}

/* The connection a datagram's first fragment belongs to (an anomaly of
 * its session), if we follow it. */
static void
frag_overlap(const uint8_t *first, size_t len)
{
	struct decap_packet d;
	struct conn *c = NULL;
	uint8_t a6[16];
	uint32_t s = 0, t = 0;
	uint16_t sp, dp;

	R.st.frag_overlaps++;
	if (first == NULL ||
	    decap_packet(101 /* LINKTYPE_RAW */, first, len, &d) != DECAP_OK ||
	    d.l4 == NULL || d.l4_proto != 6 || d.l4_len < 4)
		return;
	sp = (uint16_t)(d.l4[0] << 8 | d.l4[1]);
	dp = (uint16_t)(d.l4[2] << 8 | d.l4[3]);
	if (d.ip_version == 4) {
		memcpy(&s, d.l3 + 12, 4);
		memcpy(&t, d.l3 + 16, 4);
	} else {
		memcpy(a6, d.l3 + 8, 16);
		s = v6map_find(R.v6, a6);
		memcpy(a6, d.l3 + 24, 16);
		t = v6map_find(R.v6, a6);
	}
	if (s != 0 && t != 0)
		c = conn_lookup(s, sp, t, dp);
	if (c != NULL)
		smtp_session_anomaly(
		    c->smtp, SMTP_ANOMALY_OVERLAP_CONFLICT, R.now);
}

static double
mono_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
clock_jumped(double by)
{
	R.st.clock_jumps++;
	if (by < 0)
		by = -by;
	if (by > R.st.clock_jump_max)
		R.st.clock_jump_max = by;
	/* Marks every connection open now when it next has a packet. */
	R.jump_idle = R.idle + 1e-6;
	R.idle = R.jump_idle;
}

/*
 * The clocks at a packet of timestamp ts. The capture's clock follows
 * the timestamps forward, and back only by a step of more than
 * REASM_CLOCK_JUMP (packets a little out of time order, as merged
 * captures have, leave it). The idle clock: see REASM_CLOCK_JUMP.
 */
static void
clock_packet(double ts)
{
	double d;

	if (!(ts >= 0 && ts < 1e12)) /* NaN and absurd: the clock stays */
		ts = R.now;
	if (R.st.packets == 1) {
		R.now = R.last_ts = ts;
		if (R.cfg.live) {
			R.idle = mono_now();
			R.mono_off = ts - R.idle;
		}
		return;
	}
	if (ts > R.now || ts < R.now - REASM_CLOCK_JUMP)
		R.now = ts;
	if (R.cfg.live) {
		R.idle = mono_now();
		d = ts - R.idle - R.mono_off;
		if (d > REASM_CLOCK_JUMP || d < -REASM_CLOCK_JUMP) {
			R.mono_off = ts - R.idle;
			clock_jumped(d);
		}
		return;
	}
	d = ts - R.last_ts;
	R.last_ts = ts;
	if (d > REASM_CLOCK_JUMP) {
		R.idle += REASM_CLOCK_JUMP;
		clock_jumped(d);
	} else if (d < -REASM_CLOCK_JUMP) {
		clock_jumped(d);
	} else if (d > 0) {
		R.idle += d;
	}
}

/*
 * The sessions' memory (the counted allocations: the dissector's, the
 * sinks' per-session state, libnids' buffers) is over its budget: the
 * sessions quiet the longest are closed (as timed out), oldest first,
 * until it fits.
 */
static void
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

static void
packet_in(int linktype, double ts, const uint8_t *pkt, size_t caplen,
    uint32_t wirelen)
{
	struct decap_packet d;
	bool snapcut = wirelen > caplen;

	R.pkt_time_replaced = R.time_replaced;
	R.time_replaced = false;
	R.st.packets++;
	R.st.bytes += caplen;
	clock_packet(ts);
	R.hdr.ts.tv_sec = (time_t)R.now;
	R.hdr.ts.tv_usec = (suseconds_t)((R.now - (double)(time_t)R.now) * 1e6);
	if (R.idle - R.last_sweep >= 1.0)
		idle_sweep();

	switch (decap_packet(linktype, pkt, caplen, &d)) {
	case DECAP_OK:
		break;
	case DECAP_NOT_IP:
		R.st.not_ip++;
		return;
	case DECAP_TRUNCATED:
		R.st.truncated++;
		return;
	default:
		R.st.bad_header++;
		return;
	}
	if (d.fragment) {
		/* Reassembled here by the receiver's rules (ipfrag.h):
		 * libnids never gets a fragment. */
		const uint8_t *whole;
		size_t wlen;

		R.st.fragments++;
		switch (ipfrag_add(R.frag, &d, R.idle, &whole, &wlen)) {
		case IPFRAG_DONE:
			R.st.reassembled++;
			snapcut = false;
			if (decap_packet(101 /* LINKTYPE_RAW */, whole, wlen,
				&d) != DECAP_OK ||
			    d.fragment) {
				R.st.bad_header++;
				return;
			}
			break;
		case IPFRAG_OVERLAP:
			frag_overlap(whole, wlen);
			return;
		default:
			return;
		}
	}
	if (!ports_wanted(&d)) {
		R.st.other_ports++;
		return;
	}
	R.st.tcp_packets++;
	if (d.ip_version == 4)
		packet_v4(&d, snapcut);
	else
		packet_v6(&d, snapcut);
}

void
reasm_packet(int linktype, double ts, const uint8_t *pkt, size_t caplen,
    uint32_t wirelen)
{
	packet_in(linktype, ts, pkt, caplen, wirelen);
	if (counted_bytes() > R.cfg.session_bytes)
		evict_for_memory();
}

void
reasm_time_replaced(void)
{
	R.time_replaced = true;
}

void
reasm_count_other(int linktype, const uint8_t *pkt, size_t caplen)
{
	struct decap_packet d;

	R.st.packets++;
	R.st.bytes += caplen;
	switch (decap_packet(linktype, pkt, caplen, &d)) {
	case DECAP_OK:
		R.st.other_ports++;
		break;
	case DECAP_NOT_IP:
		R.st.not_ip++;
		break;
	case DECAP_TRUNCATED:
		R.st.truncated++;
		break;
	default:
		R.st.bad_header++;
		break;
	}
}

void
reasm_clock(double now)
{
	if (!R.initialised)
		return;
	if (now > R.now)
		R.now = now;
	if (R.cfg.live && R.st.packets > 0) {
		double mono = mono_now();

		if (mono > R.idle)
			R.idle = mono;
	}
	if (R.idle - R.last_sweep >= 1.0)
		idle_sweep();
}

/* --- libnids' hash ------------------------------------------------------ */

/*
 * libnids files each stream under mkhash() of its addresses and ports
 * (its hash.c): twelve rounds over the bytes in a random order, each with
 * a modulo, for every segment and twice for a server's. It was the
 * hottest function of a run (8% of the CPU time, 0.14 s of 1.0 on the
 * benchmark corpus). libnids calls it through its PLT, so the definition
 * below replaces it (ELF interposition, as a malloc() replacement works):
 * a multiply-xorshift mix of the 96 bits under a 128-bit key drawn at
 * start, which an attacker who cannot see the key cannot aim collisions
 * at, as libnids' random permutation meant.
 *
 * Should a libnids be built so that one of its calls does not go through
 * the PLT (static, -Bsymbolic, inlined), the two hashes would file and
 * look up streams in different places: nids_hash_check() files a stream
 * and looks it up again at start, and on a miss every call goes to
 * libnids' own mkhash() (dlsym(RTLD_NEXT)), which then agrees with the
 * inlined copies.
 */
static struct {
	uint64_t k0, k1;
	unsigned (*orig)(unsigned, unsigned short, unsigned, unsigned short);
	int ours;
	uint64_t calls;
} H;

unsigned int mkhash(unsigned int src, unsigned short sport, unsigned int dest,
    unsigned short dport);

unsigned int
mkhash(unsigned int src, unsigned short sport, unsigned int dest,
    unsigned short dport)
{
	uint64_t x, y;

	if (!H.ours && H.orig != NULL)
		return H.orig(src, sport, dest, dport);
	H.calls++;
	x = ((uint64_t)src << 32 | dest) ^ H.k0;
	y = ((uint64_t)sport << 16 | dport) ^ H.k1;
	x *= 0x9e3779b97f4a7c15ull;
	y = (y ^ x ^ (x >> 29)) * 0xbf58476d1ce4e5b9ull;
	y ^= y >> 31;
	y *= 0x94d049bb133111ebull;
	/* libnids keeps it in an int before the modulo: 31 bits. */
	return (unsigned int)(y >> 33);
}

/* A SYN from 240.0.0.1:1 to 240.0.0.2:2 (stand-in space, which no real
 * packet reaches libnids with) filed by libnids and looked up again. */
static void
nids_hash_check(void)
{
	uint8_t syn[40];
	struct tuple4 t;
	struct tcp_stream *a;
	uint64_t before = H.calls;

	memset(syn, 0, sizeof(syn));
	syn[0] = 0x45;
	syn[3] = sizeof(syn);
	syn[8] = 64;
	syn[9] = 6;
	syn[12] = 240, syn[15] = 1;
	syn[16] = 240, syn[19] = 2;
	syn[21] = 1, syn[23] = 2;
	syn[27] = 1;      /* seq 1 */
	syn[32] = 5 << 4; /* data offset */
	syn[33] = 0x02;   /* SYN */
	syn[34] = 0xff;   /* window */
	put16(syn + 10, (uint16_t)~ipv4_header_sum(syn, 20));
	nids_feed(syn, sizeof(syn));
	t.saddr = htonl(0xf0000001);
	t.daddr = htonl(0xf0000002);
	t.source = 1;
	t.dest = 2;
	a = nids_find_tcp_stream(&t);
	if (a == NULL && H.calls != before) {
		/* Filed and looked up with different hashes: libnids' own
		 * from now on. */
		H.ours = 0;
	}
	if (a == NULL)
		a = nids_find_tcp_stream(&t);
	if (a != NULL)
		nids_free_tcp_stream(a);
}

/* process_tcp() and tcp_check_timeouts() of the libnids that
 * nids_pcap_handler() belongs to, or none (nids_feed() then always calls
 * nids_pcap_handler()). The IP layer must be libnids' own: no IP filter
 * (nids_params.ip_filter is left as nids_init() set it). */
static void
nids_direct_init(void)
{
	Dl_info a, b, t;
	void *p = dlsym(RTLD_DEFAULT, "process_tcp");
	void *q = dlsym(RTLD_DEFAULT, "tcp_check_timeouts");

	nids_process_tcp = NULL;
	nids_tcp_check_timeouts = NULL;
	if (p == NULL || q == NULL ||
	    dladdr((void *)(uintptr_t)nids_pcap_handler, &a) == 0 ||
	    dladdr(p, &b) == 0 || dladdr(q, &t) == 0 ||
	    a.dli_fbase != b.dli_fbase || a.dli_fbase != t.dli_fbase)
		return;
	*(void **)&nids_process_tcp = p;
	*(void **)&nids_tcp_check_timeouts = q;
}

int
reasm_init(const struct reasm_config *cfg, char *err, size_t errlen)
{
	static struct nids_chksum_ctl ctl[1];
	unsigned long streams;

	/* Everything anew: a process may run several (the fuzzer does). */
	memset(&R, 0, sizeof(R));
	R.cfg = *cfg;
	if (R.cfg.idle_timeout == 0)
		R.cfg.idle_timeout = REASM_DEFAULT_IDLE_TIMEOUT;
	if (reasm_plan(&R.cfg, err, errlen) != 0)
		return -1;
	R.v6 = v6map_new(R.cfg.v6_max);
	v6map_set_in_use(R.v6, standin_in_use, NULL);
	R.dead = pcap_open_dead(DLT_RAW, 65535);
	if (R.dead == NULL) {
		snprintf(err, errlen, "cannot set up libpcap for libnids");
		return -1;
	}
	/* libnids keeps exactly max_sessions (nids_table_size()). */
	streams = nids_table_size(R.cfg.max_sessions);
	nids_params.pcap_desc = R.dead;
	nids_params.filename = NULL;
	nids_params.device = NULL;
	nids_params.pcap_filter = NULL;
	nids_params.n_tcp_streams = (int)streams;
	nids_params.n_hosts = 1024;
	nids_params.scan_num_hosts = 0; /* no scan detection */
	nids_params.syslog = nids_warning_hook;
	nids_params.no_mem = nids_out_of_memory;
	nids_params.one_loop_less = 0;
	nids_params.multiproc = 0;
	/* Close half-closed streams 10 s after both FINs. */
	nids_params.tcp_workarounds = 1;
	/* Its own port-reuse rule frees streams without telling us: off;
	 * check_reuse() does that job. */
	nids_params.tcp_flow_timeout = 0;
	R.hdr.ts.tv_sec = 0;
	nids_last_pcap_header = &R.hdr;
	if (!nids_init()) {
		snprintf(
		    err, errlen, "libnids failed to start: %s", nids_errbuf);
		return -1;
	}
	nids_last_pcap_header = &R.hdr;
	/* Checksums are ours to check (--verify-checksums): libnids gets
	 * segments we rebuilt (IPv6 stand-ins, held headers, fillers). */
	ctl[0].netaddr = 0;
	ctl[0].mask = 0;
	ctl[0].action = NIDS_DONT_CHKSUM;
	nids_register_chksum_ctl(ctl, 1);
	{
		struct ipfrag_config fc;

		ipfrag_config_init(&fc);
		fc.verify_v4_checksum = cfg->verify_checksums;
		/* A queue costs about 256 bytes with its first fragment
		 * (Linux's 4 MiB for 16384 queues). */
		fc.budget_bytes = (size_t)R.cfg.fragment_bytes;
		fc.max_queues = (size_t)(R.cfg.fragment_bytes / 256);
		R.frag = ipfrag_new(&fc);
	}
	/* libnids' own hash only if the check below finds ours unsafe. */
	if (H.k0 == 0 && getentropy(&H.k0, sizeof(H.k0)) != 0)
		H.k0 = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^
		    (uint64_t)getpid();
	if (H.k1 == 0 && getentropy(&H.k1, sizeof(H.k1)) != 0)
		H.k1 = ~H.k0 * 0xbf58476d1ce4e5b9ull;
	*(void **)&H.orig = dlsym(RTLD_NEXT, "mkhash");
	H.ours = 1;
	nids_hash_check();
	nids_register_tcp(tcp_callback);
	nids_direct_init();
	R.initialised = 1;
	return 0;
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
static void
close_all_in_order(void)
{
	struct conn **v, *c;
	size_t n = 0, i;

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

void
reasm_finish(void)
{
	if (!R.initialised)
		return;
	R.initialised = 0;
	close_all_in_order();
	nids_exit();   /* frees libnids' streams (none of them ours now) */
	reasm_stats(); /* its last figures */
	ipfrag_free(R.frag);
	R.frag = NULL;
	free(R.ctab);
	R.ctab = NULL;
	pcap_close(R.dead);
	R.dead = NULL;
	v6map_free(R.v6);
	R.v6 = NULL;
}

const struct reasm_stats *
reasm_stats(void)
{
	if (R.v6 != NULL)
		R.st.v6_recycled = v6map_recycled_count(R.v6);
	if (R.frag != NULL) {
		const struct ipfrag_stats *f = ipfrag_stats(R.frag);

		R.st.frag_timeouts = f->timeouts;
		R.st.frag_evicted = f->evicted;
	}
	return &R.st;
}
