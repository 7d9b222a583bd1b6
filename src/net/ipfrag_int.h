/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the two halves of the fragment reassembly share (inside src/net/
 * only): ipfrag.c reads each fragment and builds the datagram by
 * Linux's rules; ipfrag_queue.c keeps the queues (their hash table, the
 * tree of runs, their age, the byte budget, the IPv4 peers).
 */
#ifndef SMTPSCOPE_IPFRAG_INT_H
#define SMTPSCOPE_IPFRAG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/ipfrag.h"

/* Names of this layer only: never exported. */
#pragma GCC visibility push(hidden)

#define IPV4_MIN_HLEN 20
#define IPV4_DF 0x4000
#define IPV4_MF 0x2000
#define IPV4_OFFMASK 0x1fff
#define IPV6_HLEN 40
#define IPV6_FRAG_HLEN 8
#define IPV6_FRAG_OFFMASK 0xfff8
#define IPV6_FRAG_MORE 0x0001
#define IP_MAXLEN 65535 /* IPv4 total length, IPv6 payload length */

#define NH_HOPOPTS 0
#define NH_TCP 6
#define NH_UDP 17
#define NH_ROUTING 43
#define NH_FRAGMENT 44
#define NH_AUTH 51
#define NH_ICMPV6 58
#define NH_NONE 59
#define NH_DSTOPTS 60

/* The fixed part of an upper-layer header a first IPv6 fragment must
 * hold (ipv6frag_thdr_truncated()). */
#define TCP_HLEN 20
#define UDP_HLEN 8
#define ICMPV6_HLEN 8

/* Queue flags (INET_FRAG_FIRST_IN, INET_FRAG_LAST_IN). */
#define Q_FIRST_IN 0x01
#define Q_LAST_IN 0x02

/* ECN code points seen in a queue's fragments (IPFRAG_ECN_*): the bit
 * 1 << (tos & 3). */
#define ECN_NOT_ECT 0x01
#define ECN_ECT_1 0x02
#define ECN_ECT_0 0x04
#define ECN_CE 0x08
#define INET_ECN_CE 0x03

#define HASH_MIN_BUCKETS 64
#define HASH_MAX_BUCKETS (1u << 22)

/* One fragment queued: its data, and for the first fragment (offset 0)
 * the headers before it. */
struct frag {
	struct frag *next;         /* the queue's fragments */
	struct frag *left, *right; /* the tree of runs: run heads only */
	uint32_t off, end;         /* in the fragmentable part */
	uint32_t run_end;          /* run heads: where their run ends */
	uint32_t cap;              /* bytes of data captured, <= end - off */
	uint32_t hdr_len;          /* the first fragment's headers */
	int height;                /* in the tree */
	uint8_t data[];            /* hdr_len bytes of headers, cap of data */
};

/* Compared with memcmp: always zeroed first. */
struct qkey {
	uint8_t src[16];
	uint8_t dst[16];
	uint32_t id;
	uint8_t version;
	uint8_t proto; /* IPv4 only */
	uint8_t pad[2];
};
_Static_assert(sizeof(struct qkey) % 8 == 0, "hashed in 8-byte words");

/* The fragments from one IPv4 source to one destination, counted for
 * ipfrag_max_dist (Linux's inet_peer rid).  It lives as long as a queue
 * refers to it: the count matters only between a queue's fragments. */
struct peer {
	struct peer *hnext;
	uint64_t addrs; /* source << 32 | destination */
	uint64_t hash;
	uint32_t rid;
	uint32_t refs;
};

struct queue {
	struct queue *hnext;
	struct queue *older, *newer; /* its age list */
	struct qkey key;
	uint64_t hash;
	double born, deadline;
	struct frag *frags;    /* every fragment, newest first */
	struct frag *root;     /* the tree of runs */
	struct frag *last_run; /* the run that ends last */
	struct frag *head;     /* the fragment at offset 0 */
	struct peer *peer;
	uint32_t rid;  /* the peer's count at the last fragment */
	uint32_t len;  /* the datagram's end, as far as known */
	uint32_t meat; /* bytes queued */
	uint32_t cut;  /* data captured up to here at most; UINT32_MAX:
			  every fragment whole */
	size_t bytes;  /* counted in the budget */
	uint16_t max_size, max_df_size; /* IPv4, for DF */
	uint32_t nhoff;                 /* IPv6: the Next Header byte that
					   names the Fragment header */
	uint8_t flags;
	uint8_t ecn;
	uint8_t nexthdr; /* IPv6: the first fragment's Fragment header's */
};

struct agelist {
	struct queue *oldest, *newest;
};

struct ipfrag {
	struct ipfrag_config cfg;
	struct ipfrag_stats st;
	struct queue **qb;
	size_t nqb;
	struct peer **pb;
	size_t npb, npeers;
	size_t max_buckets;
	struct agelist age[2]; /* IPv4, IPv6 */
	uint64_t seed;
	double now;
	bool have_now;
	uint8_t *out; /* IPFRAG_MAX_PACKET bytes */
};

/* A fragment as read from its packet. */
struct fragdesc {
	struct qkey key;
	const uint8_t *hdr; /* the packet: its headers come first */
	uint32_t hdr_len;   /* IPv4: IHL * 4; IPv6: the unfragmentable
			       part */
	const uint8_t *data;
	uint32_t avail; /* bytes of data captured */
	uint32_t off, end;
	bool more;
	bool df;
	uint8_t ecn;     /* ECN_* bit */
	uint32_t nhoff;  /* IPv6 */
	uint8_t nexthdr; /* IPv6 */
};

enum parse {
	PARSE_FRAG,    /* a fragment to queue */
	PARSE_WHOLE,   /* no fragment at all */
	PARSE_ATOMIC,  /* IPv6, offset 0 and M clear */
	PARSE_BAD,     /* not an IP packet decap could have passed */
	PARSE_CSUM,    /* IPv4 header sum wrong */
	PARSE_V6_DROP, /* IPv6: Linux drops it before any queue */
	PARSE_V6_PROB, /* IPv6: Linux drops it, its queue made */
};

enum run_fit {
	RUN_FIRST,    /* the queue is empty */
	RUN_APPEND,   /* right after the last run: joins it */
	RUN_NEW_LAST, /* past the last run, a gap before */
	RUN_NEW,      /* in a gap before the last run */
	RUN_DUP,
	RUN_OVERLAP,
};

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline void
wr16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	wr16(p, v >> 16);
	wr16(p + 2, v & 0xffff);
}

static inline uint32_t
min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* ipfrag_queue.c */
void bytes_add(struct ipfrag *f, struct queue *q, size_t n);
uint64_t key_hash(const struct ipfrag *f, const struct qkey *k);
uint64_t random_seed(const struct ipfrag *f);
struct frag *run_insert(struct frag *t, struct frag *n);
enum run_fit run_place(const struct queue *q, uint32_t off, uint32_t end);
struct queue *queue_find(
    const struct ipfrag *f, const struct qkey *k, uint64_t h);
void queue_destroy(struct ipfrag *f, struct queue *q);
struct queue *queue_new(struct ipfrag *f, const struct qkey *k, uint64_t h);
bool make_room(
    struct ipfrag *f, const struct queue *keep, size_t cost, bool newq);
void clock_advance(struct ipfrag *f, double now);
void expire_due(struct ipfrag *f);
void v4_peer_tick(struct ipfrag *f, struct queue *q, const struct qkey *k);

#pragma GCC visibility pop

#endif
