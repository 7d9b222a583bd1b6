/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for src/net/ipfrag.c: datagrams cut into fragments in every
 * order come back byte for byte and decode with decap_packet();
 * duplicates, overlaps, malformed fragments, timeouts, the byte budget,
 * the queue cap and ipfrag_max_dist as the Linux receiver handles them;
 * the evasion captures recorded against Linux 6.18; hostile input; and
 * thousands of random fragment sequences against a plain model of
 * Linux's rules written here.  Each packet is copied into a malloc'd
 * buffer of exactly its captured length so that AddressSanitizer
 * catches any read past it.
 *
 * cc -std=c11 -Wall -Wextra -Isrc tests/unit/test_ipfrag.c src/net/ipfrag.c \
 *     src/net/decap.c
 */
#include "net/decap.h"
#include "net/ipfrag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define LT_ETHERNET 1
#define LT_RAW 101

#ifndef IPFRAG_CAPTURES
#define IPFRAG_CAPTURES "captures"
#endif
#ifndef RANDOM_RUNS
#define RANDOM_RUNS 3000 /* random fragment sequences against the model */
#endif
#define RANDOM_STEPS 120 /* fragments in each */
#define HOSTILE_PACKETS 200000

#define DGRAM_MAX 70000
#define V4_DF 0x4000
#define V4_MF 0x2000

/* Test bookkeeping. */

static void
report(const char *fmt, ...)
{
	va_list ap;

	fputs("test_ipfrag: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A small deterministic PRNG (xorshift64*), fixed seed (-DRNG_SEED=n
 * for another run). */
#ifndef RNG_SEED
#define RNG_SEED 0x1f2a5eed0badcafeULL
#endif
static uint64_t rng_state = RNG_SEED;

static uint32_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

static uint32_t
rnd(uint32_t n)
{
	return n == 0 ? 0 : rng() % n;
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n > 0 ? n : 1);

	if (p == NULL) {
		perror("malloc");
		exit(2);
	}
	return p;
}

static void
wr16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
wr32(uint8_t *p, uint32_t v)
{
	wr16(p, v >> 16);
	wr16(p + 2, v & 0xffff);
}

static unsigned
rd16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint16_t
cksum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The byte at `pos` of datagram `id`, generation `gen`, copy `salt`. */
static uint8_t
pattern(uint32_t id, uint32_t gen, uint32_t salt, uint32_t pos)
{
	uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ULL ^
	    (uint64_t)gen * 0xc2b2ae3d27d4eb4fULL ^ (uint64_t)salt << 40 ^ pos;

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 29;
	return (uint8_t)h;
}

/* Feeding: each packet into a buffer of exactly caplen bytes, kept
 * until the next feed (a packet that is no fragment comes back as it
 * is, pointing into it). */

static uint8_t *fed_buf;

static enum ipfrag_result
feed_lt(struct ipfrag *f, int lt, const uint8_t *pkt, size_t caplen, double now,
    const uint8_t **out, size_t *outlen)
{
	struct decap_packet d;
	enum decap_status st;

	free(fed_buf);
	fed_buf = xmalloc(caplen);
	memcpy(fed_buf, pkt, caplen);
	*out = NULL;
	*outlen = 0;
	st = decap_packet(lt, fed_buf, caplen, &d);
	if (st != DECAP_OK) {
		report(
		    "decap refused a test packet: %s", decap_status_name(st));
		abort();
	}
	return ipfrag_add(f, &d, now, out, outlen);
}

static enum ipfrag_result
feed(struct ipfrag *f, const uint8_t *pkt, size_t caplen, double now,
    const uint8_t **out, size_t *outlen)
{
	return feed_lt(f, LT_RAW, pkt, caplen, now, out, outlen);
}

/* Is `out` a whole unfragmented packet that decap takes, its upper
 * layer `proto` at `l4_off`? */
static bool
decodes(const uint8_t *out, size_t outlen, uint8_t proto, size_t l4_off)
{
	struct decap_packet d;
	uint8_t *copy = xmalloc(outlen);
	bool ok;

	memcpy(copy, out, outlen);
	ok = decap_packet(LT_RAW, copy, outlen, &d) == DECAP_OK &&
	    !d.fragment && d.l4_proto == proto && d.l4 == copy + l4_off &&
	    d.l4_len == outlen - l4_off;
	free(copy);
	return ok;
}

/* IPv4 datagrams and fragments. */

struct v4dg {
	uint8_t b[DGRAM_MAX];
	size_t ihl, len; /* header, whole datagram */
};

static const uint8_t v4_src[4] = { 192, 0, 2, 10 };
static const uint8_t v4_dst[4] = { 192, 0, 2, 25 };

/* A TCP datagram with `plen` bytes of IP payload (plen >= 20). */
static void
v4_datagram(struct v4dg *g, size_t ihl, uint16_t id, uint8_t tos, size_t plen,
    uint32_t gen)
{
	size_t i;

	memset(g->b, 0, ihl);
	g->ihl = ihl;
	g->len = ihl + plen;
	g->b[0] = (uint8_t)(0x40 | ihl / 4);
	g->b[1] = tos;
	wr16(g->b + 2, (unsigned)g->len);
	wr16(g->b + 4, id);
	g->b[8] = 64;
	g->b[9] = 6;
	memcpy(g->b + 12, v4_src, 4);
	memcpy(g->b + 16, v4_dst, 4);
	for (i = 20; i < ihl; i++)
		g->b[i] = 1; /* NOP options */
	for (i = 0; i < plen; i++)
		g->b[ihl + i] = pattern(id, gen, 0, (uint32_t)i);
	if (plen >= 20) {
		wr16(g->b + ihl, 47401);
		wr16(g->b + ihl + 2, 25);
		g->b[ihl + 12] = 0x50;
	}
	wr16(g->b + 10, cksum(g->b, ihl));
}

/* A fragment of g: payload [off, end), data from `data` (NULL: g's). */
static size_t
v4_frag_data(uint8_t *p, const struct v4dg *g, size_t off, size_t end,
    bool more, bool df, const uint8_t *data)
{
	size_t n = g->ihl + (end - off);

	memcpy(p, g->b, g->ihl);
	memcpy(
	    p + g->ihl, data != NULL ? data : g->b + g->ihl + off, end - off);
	wr16(p + 2, (unsigned)n);
	wr16(
	    p + 6, (df ? V4_DF : 0) | (more ? V4_MF : 0) | (unsigned)(off / 8));
	p[10] = p[11] = 0;
	wr16(p + 10, cksum(p, g->ihl));
	return n;
}

static size_t
v4_frag(uint8_t *p, const struct v4dg *g, size_t off, size_t end, bool more)
{
	return v4_frag_data(p, g, off, end, more, false, NULL);
}

/* IPv6 datagrams and fragments. */

struct v6dg {
	uint8_t b[DGRAM_MAX];
	size_t len;    /* whole datagram */
	size_t unfrag; /* headers before the fragmentable part */
	size_t nhoff;  /* the Next Header byte naming that part */
	uint8_t first; /* the first header of the fragmentable part */
	size_t l4_off;
};

static const uint8_t v6_src[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x25, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0x10 };
static const uint8_t v6_dst[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x25, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0x25 };

/* IPv6 [Hop-by-Hop] | [Destination Options] TCP, plen bytes of TCP. */
static void
v6_datagram(struct v6dg *g, bool hbh, bool dstopts, uint8_t tc, size_t plen,
    uint32_t id, uint32_t gen)
{
	size_t pos, i;

	memset(g->b, 0, 64);
	g->b[0] = (uint8_t)(0x60 | tc >> 4);
	g->b[1] = (uint8_t)(tc << 4);
	g->b[7] = 64;
	memcpy(g->b + 8, v6_src, 16);
	memcpy(g->b + 24, v6_dst, 16);
	g->first = dstopts ? 60 : 6;
	pos = 40;
	g->nhoff = 6;
	if (hbh) {
		g->b[6] = 0;
		g->b[40] = g->first;
		g->b[41] = 0;
		g->b[42] = 1; /* PadN */
		g->b[43] = 4;
		g->nhoff = 40;
		pos = 48;
	} else
		g->b[6] = g->first;
	g->unfrag = pos;
	if (dstopts) {
		g->b[pos] = 6;
		g->b[pos + 1] = 0;
		g->b[pos + 2] = 1;
		g->b[pos + 3] = 4;
		memset(g->b + pos + 4, 0, 4);
		pos += 8;
	}
	g->l4_off = pos;
	for (i = 0; i < plen; i++)
		g->b[pos + i] = pattern(id, gen, 0, (uint32_t)i);
	if (plen >= 20) {
		wr16(g->b + pos, 47401);
		wr16(g->b + pos + 2, 25);
		g->b[pos + 12] = 0x50;
	}
	g->len = pos + plen;
	wr16(g->b + 4, (unsigned)(g->len - 40));
}

/* A fragment of g: [off, end) of its fragmentable part. */
static size_t
v6_frag_data(uint8_t *p, const struct v6dg *g, size_t off, size_t end,
    bool more, uint32_t id, const uint8_t *data)
{
	size_t n = g->unfrag + 8 + (end - off);
	uint8_t *fh = p + g->unfrag;

	memcpy(p, g->b, g->unfrag);
	p[g->nhoff] = 44;
	fh[0] = g->first;
	fh[1] = 0;
	wr16(fh + 2, (unsigned)off | (more ? 1 : 0));
	wr32(fh + 4, id);
	memcpy(fh + 8, data != NULL ? data : g->b + g->unfrag + off, end - off);
	wr16(p + 4, (unsigned)(n - 40));
	return n;
}

static size_t
v6_frag(uint8_t *p, const struct v6dg *g, size_t off, size_t end, bool more,
    uint32_t id)
{
	return v6_frag_data(p, g, off, end, more, id, NULL);
}

/* The pieces of a fragmentable part of `len` bytes in chunks of `chunk`
 * (a multiple of 8), the first at least `first` bytes, in the order
 * `order`: 0 in order, 1 reversed, 2 shuffled. */
struct plan {
	size_t n;
	size_t off[9000], end[9000];
};

static void
plan_make(struct plan *pl, size_t len, size_t chunk, size_t first, int order)
{
	size_t i, j, t, step;

	pl->n = 0;
	for (i = 0; i < len; i += step) {
		step = i == 0 && chunk < first ? first : chunk;
		pl->off[pl->n] = i;
		pl->end[pl->n] = i + step < len ? i + step : len;
		pl->n++;
	}
	for (i = 0; order != 0 && i < pl->n; i++) {
		j = order == 1 ? pl->n - 1 - i : i + rnd((uint32_t)(pl->n - i));
		if (order == 1 && j <= i)
			break;
		t = pl->off[i];
		pl->off[i] = pl->off[j];
		pl->off[j] = t;
		t = pl->end[i];
		pl->end[i] = pl->end[j];
		pl->end[j] = t;
	}
}

static struct ipfrag *
table(size_t budget, size_t max_queues)
{
	struct ipfrag_config c;
	struct ipfrag *f;

	ipfrag_config_init(&c);
	if (budget != 0)
		c.budget_bytes = budget;
	if (max_queues != 0)
		c.max_queues = max_queues;
	if ((f = ipfrag_new(&c)) == NULL) {
		report("ipfrag_new failed");
		exit(2);
	}
	return f;
}

static uint8_t pkt[DGRAM_MAX + 128];
static struct v4dg g4, g4b;
static struct v6dg g6;
static struct plan pl;

/* Every order, several sizes: the datagram comes back whole. */
static void
case_orders_v4(void)
{
	static const size_t plens[] = { 21, 100, 1480, 3001, 65515 };
	static const size_t chunks[] = { 8, 64, 1480 };
	static const size_t ihls[] = { 20, 24, 60 };
	const uint8_t *out;
	size_t outlen, i, c, k, o, n;
	enum ipfrag_result r;
	struct ipfrag *f;
	bool ok;

	for (i = 0; i < sizeof(plens) / sizeof(plens[0]); i++)
		for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++)
			for (o = 0; o < 3; o++) {
				k = (i + c + o) % 3;
				if (ihls[k] + plens[i] > 65535)
					k = 0;
				v4_datagram(&g4, ihls[k], (uint16_t)(7 + i), 0,
				    plens[i], 1);
				plan_make(&pl, plens[i], chunks[c], 0, (int)o);
				if (pl.n < 2)
					continue;
				f = table(0, 0);
				ok = true;
				for (n = 0; n < pl.n; n++) {
					r = feed(f, pkt,
					    v4_frag(pkt, &g4, pl.off[n],
						pl.end[n],
						pl.end[n] != plens[i]),
					    1.0, &out, &outlen);
					if (r !=
					    (n + 1 < pl.n ? IPFRAG_HELD
							  : IPFRAG_DONE))
						ok = false;
				}
				ok = ok && outlen == g4.len &&
				    memcmp(out, g4.b, g4.len) == 0 &&
				    decodes(out, outlen, 6, g4.ihl) &&
				    ipfrag_stats(f)->reassembled == 1 &&
				    ipfrag_stats(f)->queues == 0 &&
				    ipfrag_stats(f)->bytes == 0;
				CHECKF(ok,
				    "v4 ihl %zu payload %zu chunk %zu order "
				    "%zu",
				    g4.ihl, plens[i], chunks[c], o);
				ipfrag_free(f);
			}

	/* Every fragment with DF: Linux sets DF on the datagram. */
	f = table(0, 0);
	v4_datagram(&g4, 20, 99, 0, 200, 1);
	(void)feed(f, pkt, v4_frag_data(pkt, &g4, 0, 104, true, true, NULL),
	    1.0, &out, &outlen);
	r = feed(f, pkt, v4_frag_data(pkt, &g4, 104, 200, false, true, NULL),
	    1.0, &out, &outlen);
	CHECKF(r == IPFRAG_DONE && rd16(out + 6) == V4_DF &&
		cksum(out, 20) == 0 && memcmp(out + 20, g4.b + 20, 200) == 0,
	    "v4 DF fragments");
	/* The largest without DF: no DF. */
	(void)feed(f, pkt, v4_frag_data(pkt, &g4, 0, 104, true, false, NULL),
	    1.0, &out, &outlen);
	r = feed(f, pkt, v4_frag_data(pkt, &g4, 104, 200, false, true, NULL),
	    1.0, &out, &outlen);
	CHECKF(r == IPFRAG_DONE && rd16(out + 6) == 0, "v4 DF on the smaller");
	ipfrag_free(f);
}

static void
case_orders_v6(void)
{
	static const size_t plens[] = { 20, 100, 1440, 3001, 65000 };
	static const size_t chunks[] = { 8, 64, 1440 };
	const uint8_t *out;
	size_t outlen, i, c, o, n, flen;
	enum ipfrag_result r;
	struct ipfrag *f;
	bool ok, hbh, dst;

	for (i = 0; i < sizeof(plens) / sizeof(plens[0]); i++)
		for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++)
			for (o = 0; o < 3; o++) {
				hbh = (i + o) % 2 == 1;
				dst = (i + c) % 2 == 0;
				v6_datagram(&g6, hbh, dst, 0, plens[i], 5, 1);
				flen = g6.len - g6.unfrag;
				plan_make(&pl, flen, chunks[c], 32, (int)o);
				if (pl.n < 2)
					continue;
				f = table(0, 0);
				ok = true;
				for (n = 0; n < pl.n; n++) {
					r = feed(f, pkt,
					    v6_frag(pkt, &g6, pl.off[n],
						pl.end[n], pl.end[n] != flen,
						0x5eedf171),
					    1.0, &out, &outlen);
					if (r !=
					    (n + 1 < pl.n ? IPFRAG_HELD
							  : IPFRAG_DONE))
						ok = false;
				}
				ok = ok && outlen == g6.len &&
				    memcmp(out, g6.b, g6.len) == 0 &&
				    decodes(out, outlen, 6, g6.l4_off) &&
				    ipfrag_stats(f)->reassembled == 1 &&
				    ipfrag_stats(f)->queues == 0 &&
				    ipfrag_stats(f)->bytes == 0;
				CHECKF(ok,
				    "v6 hbh %d dstopts %d payload %zu chunk "
				    "%zu order %zu",
				    hbh, dst, plens[i], chunks[c], o);
				ipfrag_free(f);
			}
}

/*
 * The evasion case ipv6-frag-destopts: Fragment then Destination
 * Options then TCP, in two fragments and as an atomic fragment.
 */
static void
case_v6_destopts(void)
{
	const uint8_t *out;
	size_t outlen;
	enum ipfrag_result r;
	struct ipfrag *f = table(0, 0);

	v6_datagram(&g6, false, true, 0, 220, 1, 1);
	r = feed(f, pkt, v6_frag(pkt, &g6, 32, g6.len - 40, false, 77), 1.0,
	    &out, &outlen);
	CHECKF(r == IPFRAG_HELD, "destopts: tail held");
	r = feed(
	    f, pkt, v6_frag(pkt, &g6, 0, 32, true, 77), 1.0, &out, &outlen);
	CHECKF(r == IPFRAG_DONE && outlen == g6.len &&
		memcmp(out, g6.b, g6.len) == 0 && out[6] == 60 &&
		decodes(out, outlen, 6, 48),
	    "destopts: reassembled, TCP after the Destination Options");

	v6_datagram(&g6, false, true, 0, 20, 1, 2);
	r = feed(f, pkt, v6_frag(pkt, &g6, 0, g6.len - 40, false, 78), 2.0,
	    &out, &outlen);
	CHECKF(r == IPFRAG_DONE && outlen == g6.len &&
		memcmp(out, g6.b, g6.len) == 0 && decodes(out, outlen, 6, 48) &&
		ipfrag_stats(f)->atomic == 1 && ipfrag_stats(f)->queues == 0,
	    "destopts: an atomic fragment handed back at once");

	v6_datagram(&g6, true, true, 0, 20, 1, 3);
	r = feed(f, pkt, v6_frag(pkt, &g6, 0, g6.len - 48, false, 79), 2.0,
	    &out, &outlen);
	CHECKF(r == IPFRAG_DONE && outlen == g6.len &&
		memcmp(out, g6.b, g6.len) == 0 && out[40] == 60 &&
		decodes(out, outlen, 6, 56),
	    "hop-by-hop, fragment, destopts: atomic");
	ipfrag_free(f);
}

/* Duplicates: dropped, the datagram completes. */
static void
case_duplicates(void)
{
	const uint8_t *out;
	size_t outlen;
	enum ipfrag_result r1, r2, r3, r4, r5;
	struct ipfrag *f = table(0, 0);

	v4_datagram(&g4, 20, 1, 0, 40, 1);
	r1 = feed(f, pkt, v4_frag(pkt, &g4, 0, 16, true), 1, &out, &outlen);
	r2 = feed(f, pkt, v4_frag(pkt, &g4, 16, 32, true), 1, &out, &outlen);
	r3 = feed(f, pkt, v4_frag(pkt, &g4, 16, 32, true), 1, &out, &outlen);
	r4 = feed(f, pkt, v4_frag(pkt, &g4, 0, 16, true), 1, &out, &outlen);
	r5 = feed(f, pkt, v4_frag(pkt, &g4, 32, 40, false), 1, &out, &outlen);
	CHECKF(r1 == IPFRAG_HELD && r2 == IPFRAG_HELD &&
		r3 == IPFRAG_DUPLICATE && r4 == IPFRAG_DUPLICATE &&
		r5 == IPFRAG_DONE && memcmp(out, g4.b, g4.len) == 0 &&
		ipfrag_stats(f)->duplicates == 2,
	    "exact duplicates dropped, the datagram completes");

	/* Inside a run of fragments that came in order: a duplicate, even
	 * with other bytes (Linux keeps the first). */
	r1 = feed(f, pkt, v4_frag(pkt, &g4, 0, 16, true), 2, &out, &outlen);
	r2 = feed(f, pkt, v4_frag(pkt, &g4, 16, 32, true), 2, &out, &outlen);
	memset(pkt + 200, 'X', 16);
	r3 = feed(f, pkt, v4_frag_data(pkt, &g4, 8, 24, true, false, pkt + 200),
	    2, &out, &outlen);
	r4 = feed(f, pkt, v4_frag(pkt, &g4, 32, 40, false), 2, &out, &outlen);
	CHECKF(r1 == IPFRAG_HELD && r2 == IPFRAG_HELD &&
		r3 == IPFRAG_DUPLICATE && r4 == IPFRAG_DONE &&
		memcmp(out, g4.b, g4.len) == 0,
	    "inside a run: duplicate, the first bytes kept");

	/* A last fragment again. */
	r1 = feed(f, pkt, v4_frag(pkt, &g4, 32, 40, false), 3, &out, &outlen);
	r2 = feed(f, pkt, v4_frag(pkt, &g4, 32, 40, false), 3, &out, &outlen);
	r3 = feed(f, pkt, v4_frag(pkt, &g4, 0, 32, true), 3, &out, &outlen);
	CHECKF(r1 == IPFRAG_HELD && r2 == IPFRAG_DUPLICATE &&
		r3 == IPFRAG_DONE && memcmp(out, g4.b, g4.len) == 0,
	    "the last fragment twice");

	/* Linux sets the end from a last fragment even when it is then
	 * dropped as a duplicate: [8,16) then [8,16) with MF clear. */
	r1 = feed(f, pkt, v4_frag(pkt, &g4, 8, 16, true), 4, &out, &outlen);
	r2 = feed(f, pkt, v4_frag(pkt, &g4, 8, 16, false), 4, &out, &outlen);
	r3 = feed(f, pkt, v4_frag(pkt, &g4, 8, 16, true), 4, &out, &outlen);
	r4 = feed(f, pkt, v4_frag(pkt, &g4, 16, 24, true), 4, &out, &outlen);
	CHECKF(r1 == IPFRAG_HELD && r2 == IPFRAG_DUPLICATE &&
		r3 == IPFRAG_DUPLICATE && r4 == IPFRAG_DISCARDED &&
		ipfrag_stats(f)->queues == 0,
	    "a duplicate last fragment still sets the end");
	ipfrag_free(f);
}

/* Overlap: the whole queue discarded, whatever the bytes. */
static void
case_overlaps(void)
{
	static const struct {
		const char *name;
		size_t off, end;
		bool more;
		enum ipfrag_result want;
	} cases[] = {
		/* queued: [16, 48) with MF */
		{ "head", 8, 24, true, IPFRAG_OVERLAP },
		{ "tail", 40, 56, true, IPFRAG_OVERLAP },
		{ "covering", 8, 56, true, IPFRAG_OVERLAP },
		{ "covering, same end", 8, 48, true, IPFRAG_OVERLAP },
		{ "same start, longer", 16, 56, true, IPFRAG_OVERLAP },
		{ "same start, longer, last", 16, 60, false, IPFRAG_OVERLAP },
		{ "same start, shorter", 16, 32, true, IPFRAG_DUPLICATE },
		{ "inside", 24, 40, true, IPFRAG_DUPLICATE },
		{ "same end, later start", 32, 48, true, IPFRAG_DUPLICATE },
		{ "before, touching", 8, 16, true, IPFRAG_HELD },
		{ "after, touching", 48, 56, true, IPFRAG_HELD },
	};
	const uint8_t *out;
	size_t outlen, i, v;
	enum ipfrag_result r0, r;
	struct ipfrag *f;

	v4_datagram(&g4, 20, 3, 0, 200, 1);
	v6_datagram(&g6, false, false, 0, 200, 3, 1);
	for (v = 0; v < 2; v++)
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			f = table(0, 0);
			if (v == 0) {
				r0 = feed(f, pkt,
				    v4_frag(pkt, &g4, 16, 48, true), 1, &out,
				    &outlen);
				r = feed(f, pkt,
				    v4_frag(pkt, &g4, cases[i].off,
					cases[i].end, cases[i].more),
				    1, &out, &outlen);
			} else {
				r0 = feed(f, pkt,
				    v6_frag(pkt, &g6, 16, 48, true, 3), 1, &out,
				    &outlen);
				r = feed(f, pkt,
				    v6_frag(pkt, &g6, cases[i].off,
					cases[i].end, cases[i].more, 3),
				    1, &out, &outlen);
			}
			CHECKF(r0 == IPFRAG_HELD && r == cases[i].want &&
				ipfrag_stats(f)->queues ==
				    (r == IPFRAG_OVERLAP ? 0u : 1u) &&
				ipfrag_stats(f)->overlaps ==
				    (r == IPFRAG_OVERLAP ? 1u : 0u),
			    "v%d overlap %s: %s", v == 0 ? 4 : 6, cases[i].name,
			    ipfrag_result_name(r));
			if (r == IPFRAG_OVERLAP) {
				/* The datagram is lost: a fresh queue now. */
				r = feed(f, pkt,
				    v == 0 ? v4_frag(pkt, &g4, 16, 48, true)
					   : v6_frag(pkt, &g6, 16, 48, true, 3),
				    1, &out, &outlen);
				CHECKF(r == IPFRAG_HELD &&
					ipfrag_stats(f)->queues == 1,
				    "after an overlap, a new queue");
			}
			ipfrag_free(f);
		}

	/* Runs: [0,16) then [16,32) in order form one run, [8,24) inside
	 * it is a duplicate; [16,32) first and [0,16) after are two runs,
	 * and [8,24) across them an overlap. */
	f = table(0, 0);
	(void)feed(f, pkt, v4_frag(pkt, &g4, 0, 16, true), 1, &out, &outlen);
	(void)feed(f, pkt, v4_frag(pkt, &g4, 16, 32, true), 1, &out, &outlen);
	r = feed(f, pkt, v4_frag(pkt, &g4, 8, 24, true), 1, &out, &outlen);
	CHECKF(r == IPFRAG_DUPLICATE, "in order: one run, a duplicate");
	ipfrag_free(f);
	f = table(0, 0);
	(void)feed(f, pkt, v4_frag(pkt, &g4, 16, 32, true), 1, &out, &outlen);
	(void)feed(f, pkt, v4_frag(pkt, &g4, 0, 16, true), 1, &out, &outlen);
	r = feed(f, pkt, v4_frag(pkt, &g4, 8, 24, true), 1, &out, &outlen);
	CHECKF(r == IPFRAG_OVERLAP, "out of order: two runs, an overlap");
	ipfrag_free(f);

	/* The first fragment of the datagram discarded comes back, to
	 * tell the connection attacked. */
	for (v = 0; v < 4; v++) {
		struct decap_packet d;
		uint8_t *copy;
		bool ok;

		f = table(0, 0);
		if (v % 2 == 0) {
			(void)feed(f, pkt,
			    v4_frag(pkt, &g4, v < 2 ? 0 : 16, 48, true), 1,
			    &out, &outlen);
			r = feed(f, pkt,
			    v4_frag(pkt, &g4, v < 2 ? 40 : 0, 56, true), 1,
			    &out, &outlen);
		} else {
			(void)feed(f, pkt,
			    v6_frag(pkt, &g6, v < 2 ? 0 : 16, 48, true, 3), 1,
			    &out, &outlen);
			r = feed(f, pkt,
			    v6_frag(pkt, &g6, v < 2 ? 40 : 0, 56, true, 3), 1,
			    &out, &outlen);
		}
		copy = xmalloc(outlen);
		memcpy(copy, out, outlen);
		ok = r == IPFRAG_OVERLAP && outlen > 0 &&
		    decap_packet(LT_RAW, copy, outlen, &d) == DECAP_OK &&
		    d.fragment && d.frag_offset == 0 && d.frag_more &&
		    d.frag_id == 3 && d.l4 != NULL && d.l4_len >= 4 &&
		    rd16(d.l4) == 47401 && rd16(d.l4 + 2) == 25;
		CHECKF(ok, "overlap: the first fragment back, v%d, %s",
		    v % 2 ? 6 : 4,
		    v < 2 ? "queued" : "the one that overlapped");
		free(copy);
		ipfrag_free(f);
	}
	f = table(0, 0);
	(void)feed(f, pkt, v4_frag(pkt, &g4, 16, 48, true), 1, &out, &outlen);
	r = feed(f, pkt, v4_frag(pkt, &g4, 8, 24, true), 1, &out, &outlen);
	CHECKF(r == IPFRAG_OVERLAP && out == NULL && outlen == 0,
	    "overlap: no first fragment, nothing back");
	ipfrag_free(f);

	/* The bytes do not matter: an overlap of identical bytes. */
	f = table(0, 0);
	(void)feed(f, pkt, v4_frag(pkt, &g4, 0, 104, true), 1, &out, &outlen);
	r = feed(f, pkt, v4_frag(pkt, &g4, 96, 200, false), 1, &out, &outlen);
	CHECKF(r == IPFRAG_OVERLAP && ipfrag_stats(f)->reassembled == 0,
	    "identical overlapping bytes: discarded");
	ipfrag_free(f);
}

/* IPv6 ids that fold to the same 16 bits stay apart (the evasion case
 * ipv6-frag-id-fold). */
static void
case_v6_ids(void)
{
	const uint8_t *out;
	size_t outlen, tail;
	enum ipfrag_result r1, r2, r3;
	struct ipfrag *f = table(0, 0);
	uint8_t decoy[64];

	CHECKF((0x5eedf171u ^ 0x5eedf171u >> 16) % 65536 ==
		(0xc0de6f42u ^ 0xc0de6f42u >> 16) % 65536,
	    "the two ids fold alike");
	v6_datagram(&g6, false, false, 0, 260, 1, 1);
	tail = g6.len - 40;
	memset(decoy, 'E', sizeof(decoy));
	r1 = feed(f, pkt, v6_frag(pkt, &g6, 240, tail, false, 0x5eedf171), 1,
	    &out, &outlen);
	r2 = feed(f, pkt,
	    v6_frag_data(pkt, &g6, 240, tail, false, 0xc0de6f42, decoy), 1,
	    &out, &outlen);
	r3 = feed(f, pkt, v6_frag(pkt, &g6, 0, 240, true, 0x5eedf171), 1, &out,
	    &outlen);
	CHECKF(r1 == IPFRAG_HELD && r2 == IPFRAG_HELD && r3 == IPFRAG_DONE &&
		outlen == g6.len && memcmp(out, g6.b, g6.len) == 0 &&
		ipfrag_stats(f)->queues == 1,
	    "folded ids: A whole from its own fragments, B left alone");
	ipfrag_expire(f, 60.9);
	CHECKF(ipfrag_stats(f)->queues == 1, "B before 60 s");
	ipfrag_expire(f, 61.0);
	CHECKF(ipfrag_stats(f)->queues == 0 && ipfrag_stats(f)->timeouts == 1,
	    "B times out after 60 s");

	/* IPv4: the protocol is part of the key. */
	v4_datagram(&g4, 20, 9, 0, 40, 1);
	(void)feed(f, pkt, v4_frag(pkt, &g4, 0, 16, true), 100, &out, &outlen);
	g4.b[9] = 17;
	r1 = feed(f, pkt, v4_frag(pkt, &g4, 16, 40, false), 100, &out, &outlen);
	CHECKF(r1 == IPFRAG_HELD && ipfrag_stats(f)->queues == 2,
	    "v4: another protocol, another queue");
	ipfrag_free(f);
}

static void
case_timeouts(void)
{
	struct ipfrag_config c;
	const uint8_t *out;
	size_t outlen;
	enum ipfrag_result r;
	struct ipfrag *f = table(0, 0);

	v4_datagram(&g4, 20, 1, 0, 40, 1);
	v6_datagram(&g6, false, false, 0, 40, 1, 1);
	(void)feed(f, pkt, v4_frag(pkt, &g4, 0, 16, true), 100, &out, &outlen);
	(void)feed(
	    f, pkt, v6_frag(pkt, &g6, 0, 24, true, 1), 100, &out, &outlen);
	ipfrag_expire(f, 129.99);
	CHECKF(ipfrag_stats(f)->queues == 2, "nothing expired before 30 s");
	ipfrag_expire(f, 130.0);
	CHECKF(ipfrag_stats(f)->queues == 1 && ipfrag_stats(f)->timeouts == 1,
	    "IPv4 after 30 s");
	ipfrag_expire(f, 159.99);
	CHECKF(ipfrag_stats(f)->queues == 1, "IPv6 not before 60 s");
	ipfrag_expire(f, 160.0);
	CHECKF(ipfrag_stats(f)->queues == 0 && ipfrag_stats(f)->timeouts == 2 &&
		ipfrag_stats(f)->bytes == 0,
	    "IPv6 after 60 s");

	/* A fragment after the deadline starts over. */
	(void)feed(f, pkt, v4_frag(pkt, &g4, 0, 16, true), 200, &out, &outlen);
	r = feed(f, pkt, v4_frag(pkt, &g4, 16, 40, false), 231, &out, &outlen);
	CHECKF(r == IPFRAG_HELD && ipfrag_stats(f)->timeouts == 3,
	    "expired before the last fragment came");
	/* The clock never goes back. */
	r = feed(f, pkt, v4_frag(pkt, &g4, 0, 16, true), 10, &out, &outlen);
	CHECKF(r == IPFRAG_DONE, "an earlier time is the latest");
	ipfrag_free(f);

	ipfrag_config_init(&c);
	c.timeout_v4 = 5;
	c.timeout_v6 = 3;
	f = ipfrag_new(&c);
	(void)feed(f, pkt, v4_frag(pkt, &g4, 0, 16, true), 0, &out, &outlen);
	(void)feed(f, pkt, v6_frag(pkt, &g6, 0, 24, true, 1), 0, &out, &outlen);
	ipfrag_expire(f, 3);
	CHECKF(ipfrag_stats(f)->queues == 1, "timeout_v6 3 s");
	ipfrag_expire(f, 5);
	CHECKF(ipfrag_stats(f)->queues == 0, "timeout_v4 5 s");
	ipfrag_free(f);
}

/* The byte budget and the queue cap evict the oldest. */
static void
case_budget(void)
{
	const uint8_t *out;
	size_t outlen, i;
	enum ipfrag_result r;
	struct ipfrag *f;
	bool ok = true;

	f = table(20000, 0);
	for (i = 0; i < 40; i++) {
		v4_datagram(&g4, 20, (uint16_t)(100 + i), 0, 2000, 1);
		r = feed(f, pkt, v4_frag(pkt, &g4, 0, 1000, true),
		    (double)i * 0.01, &out, &outlen);
		if (r != IPFRAG_HELD || ipfrag_stats(f)->bytes > 20000)
			ok = false;
	}
	CHECKF(ok && ipfrag_stats(f)->evicted > 0 &&
		ipfrag_stats(f)->bytes_max <= 20000 &&
		ipfrag_stats(f)->queues + ipfrag_stats(f)->evicted == 40,
	    "budget: bytes stay under it, evictions counted (%zu queues, "
	    "%llu evicted)",
	    ipfrag_stats(f)->queues,
	    (unsigned long long)ipfrag_stats(f)->evicted);
	/* The newest completes, the oldest was evicted. */
	v4_datagram(&g4, 20, 139, 0, 2000, 1);
	r = feed(
	    f, pkt, v4_frag(pkt, &g4, 1000, 2000, false), 1, &out, &outlen);
	CHECKF(r == IPFRAG_DONE && memcmp(out, g4.b, g4.len) == 0,
	    "budget: the newest kept");
	v4_datagram(&g4, 20, 100, 0, 2000, 1);
	r = feed(
	    f, pkt, v4_frag(pkt, &g4, 1000, 2000, false), 1, &out, &outlen);
	CHECKF(r == IPFRAG_HELD, "budget: the oldest gone");
	ipfrag_free(f);

	f = table(0, 4);
	for (i = 0; i < 6; i++) {
		v6_datagram(&g6, false, false, 0, 100, 1, 1);
		(void)feed(f, pkt, v6_frag(pkt, &g6, 0, 64, true, 500 + i),
		    (double)i, &out, &outlen);
	}
	CHECKF(ipfrag_stats(f)->queues == 4 && ipfrag_stats(f)->evicted == 2 &&
		ipfrag_stats(f)->queues_max == 4,
	    "queue cap: 4 kept, 2 evicted");
	r = feed(f, pkt, v6_frag(pkt, &g6, 64, g6.len - 40, false, 500), 7,
	    &out, &outlen);
	CHECKF(r == IPFRAG_HELD, "queue cap: the oldest gone");
	r = feed(f, pkt, v6_frag(pkt, &g6, 64, g6.len - 40, false, 505), 7,
	    &out, &outlen);
	CHECKF(r == IPFRAG_DONE && memcmp(out, g6.b, g6.len) == 0,
	    "queue cap: the newest kept");
	ipfrag_free(f);

	/* Many queues: the hash table grows, the defaults hold. */
	f = table(0, 0);
	v6_datagram(&g6, false, false, 0, 100, 1, 1);
	ok = true;
	for (i = 0; i < 40000; i++) {
		r = feed(f, pkt,
		    v6_frag(pkt, &g6, 0, 64, true, (uint32_t)i * 7919),
		    (double)i * 1e-4, &out, &outlen);
		if (r != IPFRAG_HELD ||
		    ipfrag_stats(f)->bytes > IPFRAG_DEFAULT_BUDGET ||
		    ipfrag_stats(f)->queues > IPFRAG_DEFAULT_MAX_QUEUES)
			ok = false;
	}
	for (i = 39000; i < 40000; i++) {
		r = feed(f, pkt,
		    v6_frag(pkt, &g6, 64, 100, false, (uint32_t)i * 7919), 5,
		    &out, &outlen);
		if (r != IPFRAG_DONE || memcmp(out, g6.b, g6.len) != 0)
			ok = false;
	}
	CHECKF(ok && ipfrag_stats(f)->evicted > 20000,
	    "40,000 queues: bounded, the newest complete (%zu queues, %zu "
	    "bytes at most)",
	    ipfrag_stats(f)->queues_max, ipfrag_stats(f)->bytes_max);
	ipfrag_free(f);

	/* One datagram larger than the whole budget. */
	f = table(3000, 0);
	v4_datagram(&g4, 20, 1, 0, 8000, 1);
	r = IPFRAG_HELD;
	for (i = 0; i < 8 && r == IPFRAG_HELD; i++)
		r = feed(f, pkt,
		    v4_frag(pkt, &g4, i * 1000, i * 1000 + 1000, true), 1, &out,
		    &outlen);
	CHECKF(r == IPFRAG_DROPPED && ipfrag_stats(f)->queues == 0 &&
		ipfrag_stats(f)->evicted == 1 && ipfrag_stats(f)->bytes == 0,
	    "a datagram over the budget alone: evicted");
	ipfrag_free(f);
}

/* ipfrag_max_dist: more than 64 fragments from the same source (to the
 * same destination) between two of a queue restart it. */
static void
case_max_dist(void)
{
	struct ipfrag_config c;
	const uint8_t *out;
	size_t outlen, i, k;
	enum ipfrag_result r;
	struct ipfrag *f;

	for (k = 63; k <= 64; k++) {
		f = table(0, 0);
		v4_datagram(&g4, 20, 1, 0, 40, 1);
		(void)feed(
		    f, pkt, v4_frag(pkt, &g4, 0, 16, true), 1, &out, &outlen);
		for (i = 0; i < k; i++) {
			v4_datagram(
			    &g4b, 20, (uint16_t)(1000 + i % 7), 0, 40, 1);
			(void)feed(f, pkt, v4_frag(pkt, &g4b, 0, 8, true), 1,
			    &out, &outlen);
		}
		r = feed(
		    f, pkt, v4_frag(pkt, &g4, 16, 40, false), 1, &out, &outlen);
		if (k == 63)
			CHECKF(
			    r == IPFRAG_DONE && ipfrag_stats(f)->too_far == 0,
			    "63 fragments between: reassembled");
		else
			CHECKF(
			    r == IPFRAG_HELD && ipfrag_stats(f)->too_far == 1,
			    "64 fragments between: restarted");
		ipfrag_free(f);
	}

	/* Fragments to another destination do not count. */
	f = table(0, 0);
	v4_datagram(&g4, 20, 1, 0, 40, 1);
	(void)feed(f, pkt, v4_frag(pkt, &g4, 0, 16, true), 1, &out, &outlen);
	for (i = 0; i < 200; i++) {
		v4_datagram(&g4b, 20, (uint16_t)(1000 + i), 0, 40, 1);
		g4b.b[19] = 26;
		(void)feed(
		    f, pkt, v4_frag(pkt, &g4b, 0, 8, true), 1, &out, &outlen);
	}
	r = feed(f, pkt, v4_frag(pkt, &g4, 16, 40, false), 1, &out, &outlen);
	CHECKF(r == IPFRAG_DONE, "another destination: not counted");
	ipfrag_free(f);

	/* The restart is the Linux evasion defence: decoy, 64 others, the
	 * real first fragment, the rest: the real datagram. */
	f = table(0, 0);
	v4_datagram(&g4, 20, 1, 0, 40, 1);
	memset(pkt + 1000, 'E', 16);
	(void)feed(f, pkt,
	    v4_frag_data(pkt, &g4, 0, 16, true, false, pkt + 1000), 1, &out,
	    &outlen);
	for (i = 0; i < 64; i++) {
		v4_datagram(&g4b, 20, (uint16_t)(2000 + i), 0, 40, 1);
		(void)feed(
		    f, pkt, v4_frag(pkt, &g4b, 0, 8, true), 1, &out, &outlen);
	}
	r = feed(f, pkt, v4_frag(pkt, &g4, 0, 16, true), 1, &out, &outlen);
	CHECKF(r == IPFRAG_HELD, "the real head after 64 others: held");
	r = feed(f, pkt, v4_frag(pkt, &g4, 16, 40, false), 1, &out, &outlen);
	CHECKF(r == IPFRAG_DONE && memcmp(out, g4.b, g4.len) == 0,
	    "the real datagram, not the decoy");
	ipfrag_free(f);

	ipfrag_config_init(&c);
	c.max_dist = 0;
	f = ipfrag_new(&c);
	v4_datagram(&g4, 20, 1, 0, 40, 1);
	(void)feed(f, pkt, v4_frag(pkt, &g4, 0, 16, true), 1, &out, &outlen);
	for (i = 0; i < 100; i++) {
		v4_datagram(&g4b, 20, (uint16_t)(1000 + i), 0, 40, 1);
		(void)feed(
		    f, pkt, v4_frag(pkt, &g4b, 0, 8, true), 1, &out, &outlen);
	}
	r = feed(f, pkt, v4_frag(pkt, &g4, 16, 40, false), 1, &out, &outlen);
	CHECKF(r == IPFRAG_DONE, "max_dist 0: off");
	ipfrag_free(f);
}

/* Linux's other rules, each from the kernel source. */
static void
case_malformed(void)
{
	const uint8_t *out;
	size_t outlen, n, i;
	enum ipfrag_result r1, r2, r3, r4;
	struct ipfrag *f = table(0, 0);
	struct decap_packet d;
	uint8_t head[64];

	v4_datagram(&g4, 20, 1, 0, 64, 1);

	/* ip_frag_queue(): a second last fragment with another end. */
	r1 = feed(f, pkt, v4_frag(pkt, &g4, 0, 8, true), 1, &out, &outlen);
	r2 = feed(f, pkt, v4_frag(pkt, &g4, 16, 24, false), 1, &out, &outlen);
	r3 = feed(f, pkt, v4_frag(pkt, &g4, 24, 32, false), 1, &out, &outlen);
	CHECKF(r1 == IPFRAG_HELD && r2 == IPFRAG_HELD &&
		r3 == IPFRAG_DISCARDED && ipfrag_stats(f)->queues == 0 &&
		ipfrag_stats(f)->failed == 1 && outlen == 28 &&
		v4_frag(head, &g4, 0, 8, true) == 28 &&
		memcmp(out, head, 28) == 0,
	    "a second last fragment, another end: discarded, the first "
	    "fragment back");
	/* Data past the known end. */
	r1 = feed(f, pkt, v4_frag(pkt, &g4, 16, 24, false), 1, &out, &outlen);
	r2 = feed(f, pkt, v4_frag(pkt, &g4, 24, 32, true), 1, &out, &outlen);
	CHECKF(r1 == IPFRAG_HELD && r2 == IPFRAG_DISCARDED,
	    "past the end of the last fragment: discarded");
	/* A last fragment ending before queued data. */
	r1 = feed(f, pkt, v4_frag(pkt, &g4, 16, 32, true), 1, &out, &outlen);
	r2 = feed(f, pkt, v4_frag(pkt, &g4, 8, 16, false), 1, &out, &outlen);
	CHECKF(r1 == IPFRAG_HELD && r2 == IPFRAG_DISCARDED,
	    "a last fragment before queued data: discarded");
	/* Empty fragments. */
	r1 = feed(f, pkt, v4_frag(pkt, &g4, 8, 8, true), 1, &out, &outlen);
	CHECKF(r1 == IPFRAG_DROPPED && ipfrag_stats(f)->queues == 0,
	    "an empty fragment alone: dropped");
	r1 = feed(f, pkt, v4_frag(pkt, &g4, 0, 8, true), 1, &out, &outlen);
	r2 = feed(f, pkt, v4_frag(pkt, &g4, 16, 16, true), 1, &out, &outlen);
	CHECKF(r1 == IPFRAG_HELD && r2 == IPFRAG_DISCARDED,
	    "an empty fragment: its queue discarded");
	/* IPv4 with MF: cut to a multiple of 8. */
	v4_datagram(&g4, 20, 2, 0, 30, 1);
	r1 = feed(f, pkt, v4_frag(pkt, &g4, 0, 20, true), 1, &out, &outlen);
	r2 = feed(f, pkt, v4_frag(pkt, &g4, 16, 30, false), 1, &out, &outlen);
	CHECKF(r1 == IPFRAG_HELD && r2 == IPFRAG_DONE && outlen == g4.len &&
		memcmp(out, g4.b, g4.len) == 0,
	    "v4 MF 20 bytes: 16 kept");
	r1 = feed(f, pkt, v4_frag(pkt, &g4, 0, 5, true), 1, &out, &outlen);
	CHECKF(r1 == IPFRAG_DROPPED, "v4 MF 5 bytes: empty, dropped");

	/* ip_frag_reasm(): over 65535 bytes. */
	v4_datagram(&g4, 20, 3, 0, 65515, 1);
	r1 = feed(f, pkt, v4_frag(pkt, &g4, 0, 8, true), 1, &out, &outlen);
	r2 = feed(f, pkt, v4_frag(pkt, &g4, 8, 32768, true), 1, &out, &outlen);
	r3 = feed(f, pkt,
	    v4_frag_data(pkt, &g4, 65528, 65628, false, false, g4.b + 1000), 1,
	    &out, &outlen);
	r4 = feed(
	    f, pkt, v4_frag(pkt, &g4, 32768, 65528, true), 1, &out, &outlen);
	CHECKF(r1 == IPFRAG_HELD && r2 == IPFRAG_HELD && r3 == IPFRAG_HELD &&
		r4 == IPFRAG_DISCARDED && ipfrag_stats(f)->queues == 0 &&
		ipfrag_stats(f)->bytes == 0,
	    "v4 over 65535 bytes: discarded");

	/* ECN (ip_frag_ecn_table): Not-ECT with ECT: discarded; CE with
	 * ECT: CE. */
	v4_datagram(&g4, 20, 4, 2, 40, 1);
	r1 = feed(f, pkt, v4_frag(pkt, &g4, 0, 16, true), 1, &out, &outlen);
	g4.b[1] = 0;
	r2 = feed(f, pkt, v4_frag(pkt, &g4, 16, 40, false), 1, &out, &outlen);
	CHECKF(r1 == IPFRAG_HELD && r2 == IPFRAG_DISCARDED,
	    "Not-ECT and ECT(0) fragments: discarded");
	g4.b[1] = 2;
	r1 = feed(f, pkt, v4_frag(pkt, &g4, 0, 16, true), 1, &out, &outlen);
	g4.b[1] = 3;
	r2 = feed(f, pkt, v4_frag(pkt, &g4, 16, 40, false), 1, &out, &outlen);
	CHECKF(r1 == IPFRAG_HELD && r2 == IPFRAG_DONE && out[1] == 3 &&
		cksum(out, 20) == 0,
	    "ECT(0) and CE fragments: CE");
	v6_datagram(&g6, false, false, 0x02, 40, 1, 1);
	r1 = feed(f, pkt, v6_frag(pkt, &g6, 0, 24, true, 4), 1, &out, &outlen);
	g6.b[1] = 0x30;
	r2 =
	    feed(f, pkt, v6_frag(pkt, &g6, 24, 40, false, 4), 1, &out, &outlen);
	CHECKF(r1 == IPFRAG_HELD && r2 == IPFRAG_DONE && (out[1] >> 4 & 3) == 3,
	    "v6 ECT(0) and CE: CE");

	/* IPv6: M set and a length not a multiple of 8: dropped alone, an
	 * empty queue made (it times out). */
	v6_datagram(&g6, false, false, 0, 100, 1, 1);
	r1 = feed(f, pkt, v6_frag(pkt, &g6, 0, 24, true, 6), 1, &out, &outlen);
	r2 = feed(f, pkt, v6_frag(pkt, &g6, 24, 30, true, 6), 1, &out, &outlen);
	r3 = feed(
	    f, pkt, v6_frag(pkt, &g6, 24, 100, false, 6), 1, &out, &outlen);
	CHECKF(r1 == IPFRAG_HELD && r2 == IPFRAG_DROPPED && r3 == IPFRAG_DONE &&
		memcmp(out, g6.b, g6.len) == 0,
	    "v6 M set, 6 bytes: dropped, the datagram completes");
	r1 = feed(f, pkt, v6_frag(pkt, &g6, 24, 30, true, 7), 1, &out, &outlen);
	CHECKF(r1 == IPFRAG_DROPPED && ipfrag_stats(f)->queues == 1,
	    "v6 M set, 6 bytes: an empty queue");
	r1 = feed(f, pkt, v6_frag(pkt, &g6, 0, 24, true, 7), 59, &out, &outlen);
	r2 = feed(
	    f, pkt, v6_frag(pkt, &g6, 24, 100, false, 7), 61, &out, &outlen);
	CHECKF(r1 == IPFRAG_HELD && r2 == IPFRAG_HELD,
	    "v6: the empty queue's timer ran from the bad fragment");
	ipfrag_expire(f, 1000);
	/* Past 65535. */
	memset(pkt + 5000, 1, 16);
	r1 = feed(f, pkt,
	    v6_frag_data(pkt, &g6, 65528, 65544, false, 8, pkt + 5000), 1000,
	    &out, &outlen);
	CHECKF(r1 == IPFRAG_DROPPED, "v6 past 65535: dropped");
	/* Over 65535 bytes with the unfragmentable part. */
	v6_datagram(&g6, true, false, 0, 65535 - 8 - 8, 1, 1);
	r1 = feed(
	    f, pkt, v6_frag(pkt, &g6, 0, 32768, true, 9), 1000, &out, &outlen);
	r2 = feed(f, pkt,
	    v6_frag_data(
		pkt, &g6, 32768, 65535, false, 9, g6.b + g6.unfrag + 32768),
	    1000, &out, &outlen);
	CHECKF(r1 == IPFRAG_HELD && r2 == IPFRAG_DISCARDED,
	    "v6 payload over 65535: discarded");
	/* A first fragment without the whole TCP header. */
	v6_datagram(&g6, false, false, 0, 100, 1, 1);
	n = ipfrag_stats(f)->queues;
	r1 = feed(
	    f, pkt, v6_frag(pkt, &g6, 0, 16, true, 10), 1000, &out, &outlen);
	CHECKF(r1 == IPFRAG_DROPPED && ipfrag_stats(f)->queues == n,
	    "v6 first fragment, TCP header cut: dropped, no queue");
	v6_datagram(&g6, false, true, 0, 100, 1, 1);
	r1 = feed(
	    f, pkt, v6_frag(pkt, &g6, 0, 24, true, 10), 1000, &out, &outlen);
	CHECKF(
	    r1 == IPFRAG_DROPPED, "v6 destopts then 16 bytes of TCP: dropped");

	/* A Fragment header inside the reassembled part: Linux drops the
	 * datagram (IP6SKB_FRAGMENTED). decap refuses such a first
	 * fragment, so it is handed in by hand here. */
	v6_datagram(&g6, false, false, 0, 100, 1, 1);
	g6.first = 44;
	g6.b[40] = 6;
	memset(g6.b + 41, 0, 7);
	n = v6_frag(pkt, &g6, 0, 48, true, 11);
	memset(&d, 0, sizeof(d));
	d.ip_version = 6;
	d.l3 = pkt;
	d.l3_len = n;
	d.fragment = true;
	r1 = ipfrag_add(f, &d, 1000, &out, &outlen);
	r2 = feed(
	    f, pkt, v6_frag(pkt, &g6, 48, 100, false, 11), 1000, &out, &outlen);
	CHECKF(r1 == IPFRAG_HELD && r2 == IPFRAG_DISCARDED,
	    "v6 a Fragment header again after reassembly: discarded");

	/* A Hop-by-Hop header after the Fragment header: no handler in
	 * Linux for it there (ip6_protocol_deliver_rcu()). */
	v6_datagram(&g6, false, true, 0, 100, 1, 1);
	g6.first = 0;
	r1 = feed(
	    f, pkt, v6_frag(pkt, &g6, 0, 32, true, 12), 1000, &out, &outlen);
	r2 = feed(
	    f, pkt, v6_frag(pkt, &g6, 32, 108, false, 12), 1000, &out, &outlen);
	r3 = feed(
	    f, pkt, v6_frag(pkt, &g6, 0, 108, false, 13), 1000, &out, &outlen);
	CHECKF(
	    r1 == IPFRAG_HELD && r2 == IPFRAG_DISCARDED && r3 == IPFRAG_DROPPED,
	    "v6 Hop-by-Hop after the Fragment header: refused");

	/* Not fragments: handed back as they are. */
	v4_datagram(&g4, 20, 1, 0, 64, 1);
	r1 = feed(f, g4.b, g4.len, 1000, &out, &outlen);
	CHECKF(r1 == IPFRAG_DONE && out == fed_buf && outlen == g4.len,
	    "v4 whole: handed back");
	v6_datagram(&g6, false, true, 0, 64, 1, 1);
	r1 = feed(f, g6.b, g6.len, 1000, &out, &outlen);
	CHECKF(r1 == IPFRAG_DONE && out == fed_buf && outlen == g6.len,
	    "v6 whole: handed back");

	/* The IPv4 header sum, when asked. */
	ipfrag_free(f);
	{
		struct ipfrag_config c;

		ipfrag_config_init(&c);
		c.verify_v4_checksum = true;
		f = ipfrag_new(&c);
	}
	v4_datagram(&g4, 20, 1, 0, 64, 1);
	n = v4_frag(pkt, &g4, 0, 32, true);
	pkt[10] ^= 0x55;
	r1 = feed(f, pkt, n, 1, &out, &outlen);
	CHECKF(r1 == IPFRAG_DROPPED && ipfrag_stats(f)->bad_checksum == 1,
	    "verify_v4_checksum: a wrong sum dropped");
	r1 = feed(f, pkt, v4_frag(pkt, &g4, 0, 32, true), 1, &out, &outlen);
	CHECKF(r1 == IPFRAG_HELD, "verify_v4_checksum: a right sum held");
	ipfrag_free(f);

	/* Offsets at the top: the queue takes them (Linux does), the
	 * datagram never completes, memory is counted. */
	f = table(0, 0);
	v4_datagram(&g4, 20, 1, 0, 65515, 1);
	for (i = 0; i < 3; i++) {
		r1 = feed(f, pkt,
		    v4_frag_data(
			pkt, &g4, 65528, 65528 + 65000, true, false, g4.b + 20),
		    1, &out, &outlen);
		CHECKF(r1 == (i == 0 ? IPFRAG_HELD : IPFRAG_DUPLICATE),
		    "offset 65528, 65000 bytes");
	}
	CHECKF(ipfrag_stats(f)->bytes > 65000, "counted");
	ipfrag_free(f);
}

/* A capture that cut fragments short: the datagram comes back cut
 * short where the first missing byte is, its header whole. */
static void
case_truncated(void)
{
	const uint8_t *out;
	size_t outlen, n;
	enum ipfrag_result r1, r2, r3;
	struct ipfrag *f = table(0, 0);
	struct decap_packet d;

	v4_datagram(&g4, 20, 1, 0, 4000, 1);
	n = v4_frag(pkt, &g4, 1480, 2960, true);
	r1 = feed(f, pkt, n - 1400, 1, &out, &outlen);
	r2 = feed(
	    f, pkt, v4_frag(pkt, &g4, 2960, 4000, false), 1, &out, &outlen);
	r3 = feed(f, pkt, v4_frag(pkt, &g4, 0, 1480, true), 1, &out, &outlen);
	CHECKF(r1 == IPFRAG_HELD && r2 == IPFRAG_HELD && r3 == IPFRAG_DONE &&
		outlen == 20 + 1480 + 80 && rd16(out + 2) == g4.len &&
		memcmp(out, g4.b, outlen) == 0 &&
		ipfrag_stats(f)->truncated == 1,
	    "v4 cut short: handed back up to the first missing byte");
	CHECKF(decap_packet(LT_RAW, out, outlen, &d) == DECAP_OK &&
		d.l3_len == outlen && !d.fragment && d.l4_len == 1560,
	    "decap takes it as a short capture");

	/* The cut fragment completing it. */
	(void)feed(f, pkt, v4_frag(pkt, &g4, 0, 1480, true), 2, &out, &outlen);
	n = v4_frag(pkt, &g4, 1480, 4000, false);
	r1 = feed(f, pkt, n - 2000, 2, &out, &outlen);
	CHECKF(r1 == IPFRAG_DONE && outlen == n - 2000 + 1480, "cut last");

	/* Cut short, still an overlap by its header. */
	(void)feed(f, pkt, v4_frag(pkt, &g4, 0, 1480, true), 3, &out, &outlen);
	n = v4_frag(pkt, &g4, 1000, 2000, true);
	r1 = feed(f, pkt, 30, 3, &out, &outlen);
	CHECKF(r1 == IPFRAG_OVERLAP, "cut short, an overlap all the same");

	/* IPv6 atomic, cut. */
	v6_datagram(&g6, false, true, 0, 500, 1, 1);
	n = v6_frag(pkt, &g6, 0, g6.len - 40, false, 1);
	r1 = feed(f, pkt, 100, 3, &out, &outlen);
	CHECKF(r1 == IPFRAG_DONE && outlen == 92 && rd16(out + 4) == 508 &&
		memcmp(out, g6.b, 92) == 0,
	    "v6 atomic cut short");
	ipfrag_free(f);
}

/* Hostile input: nothing crashes, nothing is read out of bounds (the
 * ASan build), memory stays counted and bounded. */
static void
case_hostile(void)
{
	struct decap_packet d;
	const uint8_t *out;
	size_t outlen, i, n, k;
	enum ipfrag_result r;
	struct ipfrag *f = table(200000, 500);
	uint8_t *p;
	bool ok = true;

	for (i = 0; i < HOSTILE_PACKETS; i++) {
		n = rnd(160);
		p = xmalloc(n);
		for (k = 0; k < n; k++)
			p[k] = (uint8_t)rng();
		if (n > 0 && rnd(2) == 0) {
			/* A plausible header, fields left random. */
			if (rnd(2) == 0 && n >= 20) {
				p[0] = (uint8_t)(0x40 | (5 + rnd(3)));
				wr16(p + 2,
				    rnd(4) == 0 ? rng()
						: (unsigned)(n + rnd(8)));
				p[6] = (uint8_t)(rnd(2) ? 0x20 : 0) |
				    (uint8_t)rnd(4);
				memcpy(p + 12, v4_src, 4);
				p[4] = 0;
				p[5] = (uint8_t)rnd(4);
			} else if (n >= 48) {
				p[0] = 0x60;
				wr16(p + 4,
				    rnd(4) == 0 ? rng() : (unsigned)(n - 40));
				p[6] = rnd(4) == 0 ? (uint8_t)rng() : 44;
				p[40] = rnd(2) ? 6 : (uint8_t)rng();
				p[44] = p[45] = 0;
				memcpy(p + 8, v6_src, 16);
			}
		}
		if (decap_packet(LT_RAW, p, n, &d) == DECAP_OK) {
			r = ipfrag_add(f, &d, (double)i * 1e-3, &out, &outlen);
			if (r == IPFRAG_DONE &&
			    (outlen > IPFRAG_MAX_PACKET ||
				decap_packet(LT_RAW, out, outlen, &d) ==
				    DECAP_UNSUPPORTED))
				ok = false;
		}
		if (ipfrag_stats(f)->bytes > 200000 ||
		    ipfrag_stats(f)->queues > 500)
			ok = false;
		free(p);
	}
	CHECKF(ok, "random packets: bounded, no crash (%llu reassembled)",
	    (unsigned long long)ipfrag_stats(f)->reassembled);

	/* decap_packet structures that decap never makes. */
	memset(&d, 0, sizeof(d));
	r = ipfrag_add(f, &d, 1, &out, &outlen);
	CHECKF(r == IPFRAG_DROPPED, "empty decap_packet");
	r = ipfrag_add(f, NULL, 1, &out, &outlen);
	CHECKF(r == IPFRAG_DROPPED, "NULL decap_packet");
	p = xmalloc(1);
	p[0] = 0x45;
	d.l3 = p;
	d.l3_len = 1;
	d.fragment = true;
	r = ipfrag_add(f, &d, 1, &out, &outlen);
	CHECKF(r == IPFRAG_DROPPED, "1-byte IPv4");
	p[0] = 0x60;
	r = ipfrag_add(f, &d, 1, &out, &outlen);
	CHECKF(r == IPFRAG_DROPPED, "1-byte IPv6");
	free(p);
	v6_datagram(&g6, false, false, 0, 100, 1, 1);
	for (k = 40; k < 48; k++) {
		n = v6_frag(pkt, &g6, 8, 32, true, 1);
		p = xmalloc(k);
		memcpy(p, pkt, k);
		d.l3 = p;
		d.l3_len = k;
		r = ipfrag_add(f, &d, 1, &out, &outlen);
		CHECKF(
		    r == IPFRAG_DROPPED, "IPv6 fragment header cut at %zu", k);
		free(p);
	}
	(void)n;

	/* Many tiny fragments in random order: the tree stays fast. */
	ipfrag_free(f);
	f = table(0, 0);
	v4_datagram(&g4, 20, 77, 0, 65512, 1);
	plan_make(&pl, 65512, 8, 0, 2);
	r = IPFRAG_HELD;
	for (i = 0; i < pl.n; i++)
		r = feed(f, pkt,
		    v4_frag(pkt, &g4, pl.off[i], pl.end[i], pl.end[i] != 65512),
		    1, &out, &outlen);
	CHECKF(r == IPFRAG_DONE && memcmp(out, g4.b, g4.len) == 0,
	    "8,189 fragments of 8 bytes, shuffled");
	ipfrag_free(f);
}

/*
 * The model: Linux's rules written out plainly, runs in an array, a
 * linear scan, the data in one flat buffer per queue.
 */
#define M_QUEUES 64
#define M_RUNS 2048
#define M_DATA 140000

struct mqueue {
	bool used;
	int ver;
	uint32_t id;
	uint32_t rs[M_RUNS], re[M_RUNS];
	int nruns, lastrun;
	uint32_t len, meat, cut, rid;
	bool first, last;
	uint8_t ecn;
	double deadline;
	uint16_t max_size, max_df;
	uint8_t hdr[128];
	uint32_t hlen, nhoff;
	uint8_t nexthdr;
	uint8_t data[M_DATA];
};

static struct mqueue mq[M_QUEUES];
static uint8_t mout[DGRAM_MAX + 128];
static struct {
	double now;
	uint32_t prid, max_dist;
	uint64_t reassembled, atomic, overlaps, duplicates, failed, timeouts,
	    too_far, dropped_bad, truncated;
} ms;

/* A fragment for the model, as the test built it. */
struct mfrag {
	int ver;
	uint32_t id;
	uint32_t off, end; /* end as in the header */
	bool more, df;
	uint8_t ecnbit;
	const uint8_t *hdr; /* the packet */
	uint32_t hlen;      /* IPv4 IHL*4, IPv6 unfragmentable part */
	uint32_t nhoff;
	uint8_t nexthdr;
	const uint8_t *data;
	uint32_t avail; /* data captured */
};

static struct mqueue *
m_find(int ver, uint32_t id)
{
	int i;

	for (i = 0; i < M_QUEUES; i++)
		if (mq[i].used && mq[i].ver == ver && mq[i].id == id)
			return &mq[i];
	return NULL;
}

static void
m_clear(struct mqueue *q)
{
	q->nruns = 0;
	q->lastrun = -1;
	q->len = q->meat = 0;
	q->cut = UINT32_MAX;
	q->first = q->last = false;
	q->ecn = 0;
	q->hlen = 0;
}

static struct mqueue *
m_new(int ver, uint32_t id)
{
	int i;

	for (i = 0; i < M_QUEUES; i++)
		if (!mq[i].used) {
			mq[i].used = true;
			mq[i].ver = ver;
			mq[i].id = id;
			m_clear(&mq[i]);
			mq[i].max_size = mq[i].max_df = 0;
			mq[i].deadline = ms.now + (ver == 4 ? 30 : 60);
			mq[i].rid = ms.prid;
			return &mq[i];
		}
	report("model: out of queues");
	exit(2);
}

static enum ipfrag_result
m_discard(struct mqueue *q)
{
	bool had = q != NULL && q->nruns > 0;

	if (q != NULL)
		q->used = false;
	if (had) {
		ms.failed++;
		return IPFRAG_DISCARDED;
	}
	ms.dropped_bad++;
	return IPFRAG_DROPPED;
}

static void
m_sizes(struct mqueue *q, const struct mfrag *fr, uint32_t end)
{
	uint32_t size = end - fr->off + fr->hlen;

	if (fr->ver != 4)
		return;
	if (size > q->max_size)
		q->max_size = (uint16_t)size;
	if (fr->df && size > q->max_df)
		q->max_df = (uint16_t)size;
}

static enum ipfrag_result
m_add(const struct mfrag *fr, const uint8_t **out, size_t *outlen)
{
	struct mqueue *q;
	uint32_t off = fr->off, end = fr->end, len, cap, tail, n, cut;
	bool first, last;
	int kind, k;
	uint8_t ecn, ecn_or;

	for (k = 0; k < M_QUEUES; k++)
		if (mq[k].used && mq[k].deadline <= ms.now) {
			mq[k].used = false;
			ms.timeouts++;
		}
	if (fr->ver == 4 && off == 0 && !fr->more) {
		/* No fragment at all: the packet as it is. */
		*out = fr->hdr;
		*outlen = fr->hlen + fr->avail;
		return IPFRAG_DONE;
	}
	if (fr->ver == 6) {
		if (off == 0 && !fr->more) {
			memcpy(mout, fr->hdr, fr->hlen);
			memcpy(mout + fr->hlen, fr->data, fr->avail);
			mout[fr->nhoff] = fr->nexthdr;
			wr16(mout + 4, fr->hlen - 40 + end);
			if (fr->avail < end)
				ms.truncated++;
			ms.atomic++;
			*out = mout;
			*outlen = fr->hlen + fr->avail;
			return IPFRAG_DONE;
		}
		/* TCP follows the Fragment header here. */
		if (off == 0 && end < 20) {
			ms.dropped_bad++;
			return IPFRAG_DROPPED;
		}
		if (end > 65535 || (fr->more && end % 8 != 0)) {
			if (m_find(6, fr->id) == NULL)
				(void)m_new(6, fr->id);
			ms.dropped_bad++;
			return IPFRAG_DROPPED;
		}
	}
	q = m_find(fr->ver, fr->id);
	if (fr->ver == 4) {
		ms.prid++;
		if (q != NULL) {
			if (ms.max_dist > 0 && q->nruns > 0 &&
			    ms.prid - q->rid > ms.max_dist) {
				m_clear(q);
				q->deadline = ms.now + 30;
				ms.too_far++;
			}
			q->rid = ms.prid;
		}
	}
	len = q != NULL ? q->len : 0;
	first = q != NULL && q->first;
	last = q != NULL && q->last;
	if (!fr->more) {
		if (end < len || (last && end != len))
			return m_discard(q);
		last = true;
		len = end;
	} else {
		end -= end % 8;
		if (end > len) {
			if (last)
				return m_discard(q);
			len = end;
		}
	}
	if (end == off)
		return m_discard(q);
	if (q != NULL) {
		q->len = len;
		q->last = last;
	}
	cap = fr->avail < end - off ? fr->avail : end - off;

	/* 0 first, 1 append, 2 new last run, 3 new run, 4 dup, 5 overlap */
	if (q == NULL || q->nruns == 0)
		kind = 0;
	else {
		tail = q->re[q->lastrun];
		if (end > tail)
			kind = off < tail ? 5 : off == tail ? 1 : 2;
		else {
			kind = 3;
			for (k = 0; k < q->nruns; k++)
				if (off < q->re[k] && end > q->rs[k]) {
					kind =
					    off >= q->rs[k] && end <= q->re[k]
					    ? 4
					    : 5;
					break;
				}
		}
	}
	if (kind == 5) {
		q->used = false;
		ms.overlaps++;
		return IPFRAG_OVERLAP;
	}
	if (kind == 4) {
		ms.duplicates++;
		return IPFRAG_DUPLICATE;
	}
	if (q == NULL) {
		q = m_new(fr->ver, fr->id);
		q->len = len;
		q->last = last;
	}
	if (off == 0) {
		first = true;
		memcpy(q->hdr, fr->hdr, fr->hlen);
		q->hlen = fr->hlen;
		q->nhoff = fr->nhoff;
		q->nexthdr = fr->nexthdr;
	}
	q->first = first;
	memcpy(q->data + off, fr->data, cap);
	if (cap < end - off && off + cap < q->cut)
		q->cut = off + cap;
	q->meat += end - off;
	q->ecn |= fr->ecnbit;
	m_sizes(q, fr, end);
	if (kind == 1)
		q->re[q->lastrun] = end;
	else {
		if (q->nruns == M_RUNS) {
			report("model: out of runs");
			exit(2);
		}
		q->rs[q->nruns] = off;
		q->re[q->nruns] = end;
		if (kind != 3)
			q->lastrun = q->nruns;
		q->nruns++;
	}
	if (!(q->first && q->last && q->meat == q->len))
		return IPFRAG_HELD;

	/* Complete. */
	q->used = false;
	ecn = q->ecn;
	if ((ecn & 1) && (ecn & 14)) {
		ms.failed++;
		return IPFRAG_DISCARDED;
	}
	ecn_or = (ecn & 8) && (ecn & 6) ? 3 : 0;
	if (q->ver == 4 ? q->hlen + q->len > 65535
			: q->hlen - 40 + q->len > 65535) {
		ms.failed++;
		return IPFRAG_DISCARDED;
	}
	cut = q->cut < q->len ? q->cut : q->len;
	memcpy(mout, q->hdr, q->hlen);
	memcpy(mout + q->hlen, q->data, cut);
	n = q->hlen + cut;
	if (q->ver == 4) {
		mout[1] |= ecn_or;
		wr16(mout + 2, q->hlen + q->len);
		wr16(mout + 6, q->max_df == q->max_size ? V4_DF : 0);
		mout[10] = mout[11] = 0;
		wr16(mout + 10, cksum(mout, q->hlen));
	} else {
		mout[1] |= (uint8_t)(ecn_or << 4);
		mout[q->nhoff] = q->nexthdr;
		wr16(mout + 4, q->hlen - 40 + q->len);
	}
	if (cut < q->len)
		ms.truncated++;
	ms.reassembled++;
	*out = mout;
	*outlen = n;
	return IPFRAG_DONE;
}

/* One datagram a random sequence sends pieces of. */
struct rdgram {
	int ver;
	uint32_t id, gen;
	uint32_t len;  /* of the fragmentable part */
	uint32_t hlen; /* IPv4 IHL*4; IPv6 40 or 48 */
	uint8_t ecn;   /* tos / traffic class low bits */
	bool df;
	size_t npieces, next;
	uint32_t poff[64], pend[64];
};

static void
rdgram_new(struct rdgram *g, int ver, uint32_t id)
{
	uint32_t pos, step;
	size_t i, j, t;

	g->ver = ver;
	g->id = id;
	g->gen++;
	g->len = 8 + rnd(rnd(8) == 0 ? 6000 : 700);
	if (rnd(50) == 0)
		g->len = 65000 + rnd(600);
	if (ver == 4)
		g->hlen = rnd(4) == 0 ? 24 : 20;
	else
		g->hlen = rnd(4) == 0 ? 48 : 40;
	g->ecn = rnd(10) == 0 ? (uint8_t)rnd(4) : 0;
	g->df = rnd(10) == 0;
	g->npieces = 0;
	for (pos = 0; pos < g->len;) {
		step = 8 * (1 + rnd(g->len > 20000 ? 2000 : 100));
		if (pos == 0 && step < 24)
			step = 24;
		if (g->npieces == 62 || pos + step > 65528)
			step = g->len - pos; /* the offset field ends there */
		g->poff[g->npieces] = pos;
		g->pend[g->npieces] = pos + step < g->len ? pos + step : g->len;
		pos = g->pend[g->npieces++];
	}
	for (i = 0; i < g->npieces; i++) {
		j = i + rnd((uint32_t)(g->npieces - i));
		t = g->poff[i];
		g->poff[i] = g->poff[j];
		g->poff[j] = (uint32_t)t;
		t = g->pend[i];
		g->pend[i] = g->pend[j];
		g->pend[j] = (uint32_t)t;
	}
	g->next = 0;
}

/* Build the packet of [off, end) of g (salt 0: the real bytes), feed
 * it to both, compare. */
static bool
random_one(struct ipfrag *f, struct rdgram *g, uint32_t off, uint32_t end,
    bool more, uint32_t salt, bool cut)
{
	static uint8_t p[DGRAM_MAX + 128], data[DGRAM_MAX];
	struct mfrag mf;
	const uint8_t *out, *mo;
	size_t outlen, moutlen, n, caplen, i;
	enum ipfrag_result r, mr;
	uint32_t dlen = end - off;
	uint8_t *h;

	for (i = 0; i < dlen; i++)
		data[i] = pattern(g->id, g->gen, salt, off + (uint32_t)i);
	if (off == 0 && dlen >= 20)
		data[12] = 0x50; /* a TCP data offset decap accepts */
	memset(&mf, 0, sizeof(mf));
	mf.ver = g->ver;
	mf.id = g->id;
	mf.off = off;
	mf.end = end;
	mf.more = more;
	mf.df = g->df;
	mf.ecnbit = (uint8_t)(1u << g->ecn);
	mf.hdr = p;
	mf.hlen = g->hlen;
	h = p;
	memset(h, 0, g->hlen + 8);
	if (g->ver == 4) {
		n = g->hlen + dlen;
		h[0] = (uint8_t)(0x40 | g->hlen / 4);
		h[1] = g->ecn;
		wr16(h + 2, (unsigned)n);
		wr16(h + 4, g->id);
		wr16(h + 6, (g->df ? V4_DF : 0) | (more ? V4_MF : 0) | off / 8);
		h[8] = 64;
		h[9] = 6;
		memcpy(h + 12, v4_src, 4);
		memcpy(h + 16, v4_dst, 4);
		for (i = 20; i < g->hlen; i++)
			h[i] = 1;
		wr16(h + 10, cksum(h, g->hlen));
	} else {
		n = g->hlen + 8 + dlen;
		h[0] = 0x60;
		h[1] = (uint8_t)(g->ecn << 4);
		wr16(h + 4, (unsigned)(n - 40));
		h[6] = g->hlen == 48 ? 0 : 44;
		h[7] = 64;
		memcpy(h + 8, v6_src, 16);
		memcpy(h + 24, v6_dst, 16);
		if (g->hlen == 48) {
			h[40] = 44;
			h[42] = 1;
			h[43] = 4;
		}
		mf.nhoff = g->hlen == 48 ? 40 : 6;
		mf.nexthdr = 6;
		h[g->hlen] = 6;
		wr16(h + g->hlen + 2, off | (more ? 1 : 0));
		wr32(h + g->hlen + 4, g->id);
	}
	memcpy(p + n - dlen, data, dlen);
	caplen = n;
	if (cut && dlen > 0)
		caplen = n - dlen + rnd(dlen);
	mf.data = p + n - dlen;
	mf.avail = (uint32_t)(caplen - (n - dlen));

	r = feed(f, p, caplen, ms.now, &out, &outlen);
	mr = m_add(&mf, &mo, &moutlen);
	if (r != mr) {
		report("random: v%d id %u [%u,%u) more %d: %s, model %s",
		    g->ver, g->id, off, end, more, ipfrag_result_name(r),
		    ipfrag_result_name(mr));
		return false;
	}
	if ((r == IPFRAG_OVERLAP || r == IPFRAG_DISCARDED) && outlen > 0) {
		struct decap_packet d;
		uint8_t *copy = xmalloc(outlen);
		bool ok;

		memcpy(copy, out, outlen);
		ok = decap_packet(LT_RAW, copy, outlen, &d) == DECAP_OK &&
		    d.fragment && d.frag_offset == 0 && d.frag_more &&
		    d.frag_id == g->id;
		free(copy);
		if (!ok) {
			report("random: v%d id %u: the first fragment back "
			       "does not decode",
			    g->ver, g->id);
			return false;
		}
	}
	if (r == IPFRAG_DONE &&
	    (outlen != moutlen || memcmp(out, mo, outlen) != 0)) {
		report("random: v%d id %u [%u,%u) more %d cap %zu/%zu: output "
		       "differs (%zu, model %zu)",
		    g->ver, g->id, off, end, more, caplen, n, outlen, moutlen);
		return false;
	}
	return true;
}

static void
case_random_model(void)
{
	struct rdgram gs[12];
	uint64_t sum[9] = { 0 };
	struct ipfrag_config c;
	const struct ipfrag_stats *st;
	struct ipfrag *f;
	struct rdgram *g;
	uint32_t off, end, run, step, k;
	bool ok = true, more;
	int bad = 0;

	memset(gs, 0, sizeof(gs));
	for (run = 0; run < RANDOM_RUNS && bad < 5; run++) {
		memset(mq, 0, sizeof(mq));
		memset(&ms, 0, sizeof(ms));
		ms.now = 1;
		ms.max_dist = run % 3 == 0 ? 64 : run % 3 == 1 ? 6 : 0;
		ipfrag_config_init(&c);
		c.budget_bytes = 1u << 30;
		c.max_dist = ms.max_dist;
		if ((f = ipfrag_new(&c)) == NULL)
			exit(2);
		for (k = 0; k < 12; k++)
			rdgram_new(&gs[k], k < 6 ? 4 : 6, 40 + k % 6);
		for (step = 0; step < RANDOM_STEPS && ok; step++) {
			k = rnd(20);
			if (k == 0)
				ms.now += rnd(4) == 0 ? 45 : 7;
			else
				ms.now += rnd(100) * 1e-3;
			g = &gs[rnd(12)];
			k = rnd(100);
			if (k < 65 && g->next < g->npieces) {
				off = g->poff[g->next];
				end = g->pend[g->next];
				g->next++;
				ok = random_one(f, g, off, end, end != g->len,
				    0, rnd(30) == 0);
			} else if (k < 80 && g->next > 0) {
				/* Again, or a part of a piece sent. */
				k = (uint32_t)rnd((uint32_t)g->next);
				off = g->poff[k];
				end = g->pend[k];
				if (rnd(2) && end - off > 8)
					off += 8 * rnd((end - off) / 8);
				if (off > 65528) /* the offset field's end */
					off = g->poff[k];
				ok = random_one(f, g, off, end, end != g->len,
				    rnd(2), false);
			} else if (k < 97) {
				/* Anywhere, any length, any flag. */
				off = 8 * rnd(g->len / 8 + 3);
				if (rnd(40) == 0 || off > 65528)
					off = 8 * rnd(8192);
				end = off + rnd(rnd(3) == 0 ? 300 : 40);
				more = rnd(3) != 0;
				ok = random_one(
				    f, g, off, end, more, 2, rnd(20) == 0);
			} else
				rdgram_new(g, g->ver, g->id);
			if (g->next == g->npieces && rnd(4) == 0)
				rdgram_new(g, g->ver, g->id);
			if (ipfrag_stats(f)->bytes > ipfrag_stats(f)->bytes_max)
				ok = false;
		}
		st = ipfrag_stats(f);
		if (ok &&
		    (st->reassembled != ms.reassembled ||
			st->atomic != ms.atomic ||
			st->overlaps != ms.overlaps ||
			st->duplicates != ms.duplicates ||
			st->failed != ms.failed ||
			st->timeouts != ms.timeouts ||
			st->too_far != ms.too_far ||
			st->dropped_bad != ms.dropped_bad ||
			st->truncated != ms.truncated || st->evicted != 0)) {
			report("random run %u: counters differ from the model",
			    run);
			ok = false;
		}
		sum[0] += ms.reassembled;
		sum[1] += ms.atomic;
		sum[2] += ms.overlaps;
		sum[3] += ms.duplicates;
		sum[4] += ms.failed;
		sum[5] += ms.timeouts;
		sum[6] += ms.too_far;
		sum[7] += ms.dropped_bad;
		sum[8] += ms.truncated;
		if (!CHECKF(ok, "random run %u against the model", run)) {
			bad++;
			ok = true;
		}
		ipfrag_free(f);
	}
	CHECKF(bad == 0, "random sequences against the model (%u runs)", run);
	/* Every way out taken, many times. */
	for (k = 0; k < 9; k++)
		CHECKF(sum[k] >= 50, "random: outcome %u seen %llu times", k,
		    (unsigned long long)sum[k]);
}

/* The evasion captures (captures/README.md), classic pcap, Ethernet. */

struct pcap_rec {
	double ts;
	uint8_t *data;
	size_t len;
};

static size_t
pcap_read(const char *name, struct pcap_rec *recs, size_t max)
{
	char path[512];
	uint8_t h[24], rh[16];
	FILE *fp;
	size_t n = 0, len;

	snprintf(path, sizeof(path), "%s/%s", IPFRAG_CAPTURES, name);
	if ((fp = fopen(path, "rb")) == NULL) {
		report("%s: cannot open", path);
		return 0;
	}
	if (fread(h, 1, 24, fp) != 24 || h[0] != 0xd4 || h[1] != 0xc3) {
		report("%s: not a little-endian pcap", path);
		fclose(fp);
		return 0;
	}
	while (n < max && fread(rh, 1, 16, fp) == 16) {
		len = (size_t)rh[8] | (size_t)rh[9] << 8 |
		    (size_t)rh[10] << 16 | (size_t)rh[11] << 24;
		if (len > 262144)
			break;
		recs[n].ts =
		    (double)((uint32_t)rh[0] | (uint32_t)rh[1] << 8 |
			(uint32_t)rh[2] << 16 | (uint32_t)rh[3] << 24) +
		    ((uint32_t)rh[4] | (uint32_t)rh[5] << 8 |
			(uint32_t)rh[6] << 16 | (uint32_t)rh[7] << 24) *
			1e-6;
		recs[n].data = xmalloc(len);
		recs[n].len = len;
		if (fread(recs[n].data, 1, len, fp) != len) {
			free(recs[n].data);
			break;
		}
		n++;
	}
	fclose(fp);
	return n;
}

static bool
contains(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(p + i, s, k) == 0)
			return true;
	return false;
}

static void
case_captures(void)
{
	static struct pcap_rec recs[64];
	struct ipfrag_config c;
	struct decap_packet d;
	const struct ipfrag_stats *st;
	const uint8_t *out;
	size_t outlen, n, i, frags, done, decoded, subject, evil, ports;
	enum ipfrag_result r;
	struct ipfrag *f;
	int which;

	for (which = 0; which < 3; which++) {
		static const char *const names[] = {
			"evasion-ipv4-frag-overlap.pcap",
			"evasion-ipv6-frag-id-fold.pcap",
			"evasion-ipv6-frag-destopts.pcap",
		};
		n = pcap_read(names[which], recs, 64);
		if (!CHECKF(n > 30, "%s read", names[which]))
			continue;
		ipfrag_config_init(&c);
		c.timeout_v6 = 3; /* as in the receiver's namespace */
		f = ipfrag_new(&c);
		frags = done = decoded = subject = evil = ports = 0;
		for (i = 0; i < n; i++) {
			if (decap_packet(LT_ETHERNET, recs[i].data, recs[i].len,
				&d) != DECAP_OK ||
			    !d.fragment)
				continue;
			frags++;
			r = ipfrag_add(f, &d, recs[i].ts, &out, &outlen);
			if (r == IPFRAG_OVERLAP && outlen > 0 &&
			    decap_packet(LT_RAW, out, outlen, &d) == DECAP_OK &&
			    d.l4 != NULL && d.l4_len >= 4 &&
			    rd16(d.l4) == 47401 && rd16(d.l4 + 2) == 25)
				ports++;
			if (r != IPFRAG_DONE)
				continue;
			done++;
			if (decodes(out, outlen, 6,
				out[0] >> 4 == 4   ? 20
				    : out[6] == 60 ? 48
						   : 40))
				decoded++;
			if (contains(out, outlen,
				"bject: Quarterly report for the board"))
				subject++;
			if (contains(out, outlen, "EVILEVIL"))
				evil++;
		}
		ipfrag_expire(f, recs[n - 1].ts + 100);
		st = ipfrag_stats(f);
		switch (which) {
		case 0:
			/* IpReasmReqds +2, IpExtReasmOverlaps +1 */
			CHECKF(frags == 2 && done == 0 && st->overlaps == 1 &&
				st->queues == 0 && ports == 1,
			    "ipv4-frag-overlap: 2 fragments, an overlap on "
			    "47401 -> 25, nothing delivered");
			break;
		case 1:
			/* Ip6ReasmReqds +3, OKs +1, Timeout +1 */
			CHECKF(frags == 3 && done == 1 && decoded == 1 &&
				subject == 1 && evil == 0 &&
				st->reassembled == 1 && st->timeouts == 1,
			    "ipv6-frag-id-fold: A whole, B timed out");
			break;
		default:
			/* Ip6ReasmReqds +24, Ip6ReasmOKs +18 */
			CHECKF(frags == 24 && done == 18 && decoded == 18 &&
				st->reassembled == 6 && st->atomic == 12 &&
				st->queues == 0,
			    "ipv6-frag-destopts: 6 reassembled, 12 atomic, "
			    "all TCP (%zu/%zu/%zu)",
			    frags, done, decoded);
			break;
		}
		ipfrag_free(f);
		for (i = 0; i < n; i++)
			free(recs[i].data);
	}
}

int
main(void)
{
	case_orders_v4();
	case_orders_v6();
	case_v6_destopts();
	case_duplicates();
	case_overlaps();
	case_v6_ids();
	case_timeouts();
	case_budget();
	case_max_dist();
	case_malformed();
	case_truncated();
	case_hostile();
	case_random_model();
	case_captures();
	free(fed_buf);

	return check_done("ipfrag");
}
