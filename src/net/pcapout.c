/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --pcap-out (pcapout.h): frames queued as they come, decided once their
 * connection had time to be followed, written as a classic pcap file
 * through a recfile (whole frames only, a full disk counted). Costs
 * nothing when the option is off: capture.c calls in only when it is on.
 */
#include "net/pcapout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "net/decap.h"

struct pcapout_frame {
	struct pcapout_frame *next;
	uint64_t key; /* the 4-tuple's (tuple_hash()), or the datagram's */
	bool frag;    /* key is a fragmented datagram's (frag_hash()) */
	int linktype;
	double ts;
	int64_t sec, usec;
	uint32_t caplen, len;
	uint8_t data[];
};

struct pcapout_conn {
	uint64_t key;  /* 0: empty */
	double closed; /* INFINITY while open */
};

/* --- keys ---------------------------------------------------------------- */

static uint64_t
mix(uint64_t h)
{
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 29;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 32;
	return h;
}

static uint64_t
bytes_hash(uint64_t h, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* One end: its address (16 bytes, an IPv4 one in the first 4 and zeros
 * after, as struct smtp_endpoint keeps it) and port. */
static uint64_t
end_hash(int family, const uint8_t addr[16], uint16_t port)
{
	uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)family;

	h = bytes_hash(h, addr, 16);
	return mix(h ^ port);
}

/* The same for both directions; never 0. */
static uint64_t
tuple_hash(int family, const uint8_t a[16], uint16_t ap, const uint8_t b[16],
    uint16_t bp)
{
	uint64_t x = end_hash(family, a, ap), y = end_hash(family, b, bp);

	if (x > y) {
		uint64_t t = x;

		x = y;
		y = t;
	}
	return mix(x * 0x9e3779b97f4a7c15ull ^ y) | 1;
}

/* A fragmented datagram: its addresses and identification, as sent (the
 * fragments of one datagram travel one way). */
static uint64_t
frag_hash(int family, const uint8_t s[16], const uint8_t d[16], uint32_t id)
{
	uint64_t h = 0x84222325cbf29ce4ull ^ (uint64_t)family;

	h = bytes_hash(h, s, 16);
	h = bytes_hash(h, d, 16);
	return mix(h ^ id) | 1;
}

/* --- the connections followed ------------------------------------------ */

static struct pcapout_conn *
conn_find(struct pcapout *po, uint64_t key)
{
	size_t i;

	if (po->conns == NULL)
		return NULL;
	for (i = key & po->conns_mask; po->conns[i].key != 0;
	     i = (i + 1) & po->conns_mask)
		if (po->conns[i].key == key)
			return &po->conns[i];
	return NULL;
}

static void
conn_put(struct pcapout_conn *tab, size_t mask, const struct pcapout_conn *e)
{
	size_t i = e->key & mask;

	while (tab[i].key != 0)
		i = (i + 1) & mask;
	tab[i] = *e;
}

/* Keeps the open connections and those closed within PCAPOUT_LINGER of
 * the oldest frame still to decide; grows when they fill half. */
static void
conns_rebuild(struct pcapout *po)
{
	double horizon = po->head != NULL ? po->head->ts : po->newest;
	size_t i, n = po->conns != NULL ? po->conns_mask + 1 : 0, live = 0;
	size_t size;
	struct pcapout_conn *tab;

	for (i = 0; i < n; i++)
		if (po->conns[i].key != 0 &&
		    po->conns[i].closed + PCAPOUT_LINGER >= horizon)
			live++;
	size = 1024;
	while (size < (live + 1) * 4)
		size *= 2;
	tab = xcalloc(size, sizeof(*tab));
	for (i = 0; i < n; i++)
		if (po->conns[i].key != 0 &&
		    po->conns[i].closed + PCAPOUT_LINGER >= horizon)
			conn_put(tab, size - 1, &po->conns[i]);
	free(po->conns);
	po->conns = tab;
	po->conns_mask = size - 1;
	po->conns_n = live;
}

static bool
selected(const struct pcapout *po, uint64_t id)
{
	size_t lo = 0, hi = po->nids;

	if (po->nids == 0)
		return true;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (po->ids[mid] == id)
			return true;
		if (po->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

void
pcapout_on_event(void *arg, const struct smtp_event *ev)
{
	struct pcapout *po = arg;
	const struct smtp_session_info *si = ev->session;
	struct pcapout_conn *c, e;
	uint64_t key;

	if (si == NULL || !selected(po, si->id))
		return;
	key = tuple_hash(si->client.family, si->client.addr, si->client.port,
	    si->server.addr, si->server.port);
	c = conn_find(po, key);
	if (ev->type == SMTP_EV_SESSION_CLOSE) {
		if (c != NULL)
			c->closed = ev->ts;
		return;
	}
	if (ev->type != SMTP_EV_SESSION_OPEN)
		return;
	po->sessions++;
	if (c != NULL) {
		c->closed = INFINITY;
		return;
	}
	if (po->conns == NULL || (po->conns_n + 1) * 2 > po->conns_mask + 1)
		conns_rebuild(po);
	e.key = key;
	e.closed = INFINITY;
	conn_put(po->conns, po->conns_mask, &e);
	po->conns_n++;
}

/* --- the file ------------------------------------------------------------ */

static void
put32(struct dbuf *b, uint32_t v)
{
	dbuf_add(b, &v, sizeof(v)); /* the file is in this machine's order */
}

static void
file_header(struct pcapout *po, int linktype)
{
	struct dbuf *b = recfile_begin(&po->out);

	put32(b, 0xa1b2c3d4u);
	put32(b, 2u | 4u << 16); /* version 2.4 */
	put32(b, 0);             /* thiszone */
	put32(b, 0);             /* sigfigs */
	put32(b, PCAPOUT_SNAPLEN);
	put32(b, (uint32_t)linktype);
	recfile_end(&po->out, false);
	po->header = true;
	po->linktype = linktype;
}

static void
write_frame(struct pcapout *po, const struct pcapout_frame *f)
{
	struct dbuf *b;

	if (!po->header)
		file_header(po, f->linktype);
	if (f->linktype != po->linktype) {
		po->other_linktype++;
		return;
	}
	b = recfile_begin(&po->out);
	put32(b, (uint32_t)f->sec);
	put32(b, (uint32_t)f->usec);
	put32(b, f->caplen);
	put32(b, f->len);
	dbuf_add(b, f->data, f->caplen);
	if (recfile_end(&po->out, true))
		po->frames++;
}

static bool
belongs(struct pcapout *po, const struct pcapout_frame *f)
{
	const struct pcapout_conn *c;
	uint64_t key = f->key;

	if (f->frag) {
		size_t i = key % ARRAY_LEN(po->alias);

		if (po->alias[i].frag != key)
			return false;
		key = po->alias[i].tuple;
	}
	c = conn_find(po, key);
	return c != NULL && f->ts <= c->closed + PCAPOUT_LINGER;
}

/* The oldest frame decided, written if it belongs, freed. */
static void
decide_head(struct pcapout *po)
{
	struct pcapout_frame *f = po->head;

	po->head = f->next;
	if (po->head == NULL)
		po->tail = NULL;
	po->queued -= sizeof(*f) + f->caplen;
	if (belongs(po, f))
		write_frame(po, f);
	free(f);
}

/* The frames that waited long enough, or while the queue is over its
 * cap. */
static void
decide(struct pcapout *po, double now)
{
	while (po->head != NULL && po->head->ts < now - PCAPOUT_DELAY)
		decide_head(po);
	while (po->head != NULL && po->queued > PCAPOUT_QUEUE_MAX) {
		po->early++;
		decide_head(po);
	}
}

/* --- frames in ----------------------------------------------------------- */

/* The key of a frame: its TCP 4-tuple, or its fragmented datagram; false
 * for a frame no followed connection can hold (not TCP, not IP). */
static bool
frame_key(struct pcapout *po, int linktype, const uint8_t *bytes,
    uint32_t caplen, uint64_t *key, bool *frag)
{
	struct decap_packet d;
	struct decap_tcp t;
	uint8_t s[16] = { 0 }, a[16] = { 0 };
	int family;

	if (decap_packet(linktype, bytes, caplen, &d) != DECAP_OK)
		return false;
	family = d.ip_version == 6 ? 6 : 4;
	if (family == 4) {
		memcpy(s, d.l3 + 12, 4);
		memcpy(a, d.l3 + 16, 4);
	} else {
		memcpy(s, d.l3 + 8, 16);
		memcpy(a, d.l3 + 24, 16);
	}
	if (d.fragment) {
		*key = frag_hash(family, s, a, d.frag_id);
		*frag = true;
		/* The first fragment names the datagram's ports. */
		if (d.frag_offset == 0 && decap_tcp(&d, &t)) {
			size_t i = *key % ARRAY_LEN(po->alias);

			po->alias[i].frag = *key;
			po->alias[i].tuple =
			    tuple_hash(family, s, t.sport, a, t.dport);
		}
		return true;
	}
	if (!decap_tcp(&d, &t))
		return false;
	*key = tuple_hash(family, s, t.sport, a, t.dport);
	*frag = false;
	return true;
}

void
pcapout_frame(struct pcapout *po, int linktype, int64_t sec, int64_t usec,
    const uint8_t *bytes, uint32_t caplen, uint32_t len)
{
	struct pcapout_frame *f;
	uint64_t key;
	bool frag;
	double ts = (double)sec + (double)usec / 1e6;

	if (caplen > PCAPOUT_SNAPLEN ||
	    !frame_key(po, linktype, bytes, caplen, &key, &frag))
		return;
	f = xmalloc(sizeof(*f) + caplen);
	f->next = NULL;
	f->key = key;
	f->frag = frag;
	f->linktype = linktype;
	f->ts = ts;
	f->sec = sec;
	f->usec = usec;
	f->caplen = caplen;
	f->len = len;
	memcpy(f->data, bytes, caplen);
	if (po->tail != NULL)
		po->tail->next = f;
	else
		po->head = f;
	po->tail = f;
	po->queued += sizeof(*f) + caplen;
	/* The capture's clock: forward only (merged captures step back). */
	if (ts > po->newest)
		po->newest = ts;
	decide(po, po->newest);
}

void
pcapout_tick(struct pcapout *po, double now)
{
	decide(po, now > po->newest ? now : po->newest);
	recfile_flush(&po->out, false);
}

/* --- open, close --------------------------------------------------------- */

int
pcapout_open(struct pcapout *po, const char *path, const uint64_t *ids,
    size_t nids, char *err, size_t errlen)
{
	memset(po, 0, sizeof(*po));
	po->linktype = -1;
	po->ids = ids;
	po->nids = nids;
	return recfile_open(&po->out, path, "the packet capture", 256u << 10,
	    PCAPOUT_SNAPLEN + 16, err, errlen);
}

int
pcapout_close(struct pcapout *po)
{
	while (po->head != NULL)
		decide_head(po);
	/* A file with no frame is still a capture file that readers open. */
	if (!po->header)
		file_header(po, 1 /* LINKTYPE_ETHERNET */);
	return recfile_close(&po->out);
}

void
pcapout_free(struct pcapout *po)
{
	while (po->head != NULL) {
		struct pcapout_frame *f = po->head;

		po->head = f->next;
		free(f);
	}
	po->tail = NULL;
	free(po->conns);
	po->conns = NULL;
}
