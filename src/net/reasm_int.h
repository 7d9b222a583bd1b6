/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the pieces of the TCP layer share (inside src/net/ only):
 * reasm.c takes the packets in (decapsulation, fragments, the IPv6
 * rewrite, the clocks), segment.c decides each TCP segment as the
 * receiver would before libnids gets it, conntab.c keeps the followed
 * connections (their table, their age, the memory budgets) and
 * nidsglue.c configures, feeds and answers libnids. One state, R,
 * defined in reasm.c.
 */
#ifndef SMTPSCOPE_REASM_INT_H
#define SMTPSCOPE_REASM_INT_H

#include <nids.h>
#include <pcap.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net/decap.h"
#include "net/ipfrag.h"
#include "net/reasm.h"
#include "net/tcpq.h"
#include "net/v6map.h"

/* Names of this layer only: never exported, so that none can stand in
 * for a function of libnids or libpcap (as mkhash() does on purpose). */
#pragma GCC visibility push(hidden)

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
	/* --ports any (bycontent.c): the first bytes of a connection not
	 * yet known to be SMTP, while smtp is NULL; swapped: the SMTP
	 * server is the connection's initiator (libnids' client). */
	struct content_probe *probe;
	struct conn *release_next; /* on R.release_due, once judged not
				      SMTP: let go after the packet */
	bool release_pending;
	bool swapped;
	/* Picked up mid-stream (pickup.c): its handshake synthesized. */
	bool picked;
	uint8_t heard;          /* PICK_HEARD_*: the sides a packet came from */
	bool sided;             /* said one-sided (smtp_session_one_sided()) */
	uint32_t heard_packets; /* since the pickup */
};

#define PICK_HEARD_CLIENT 1u
#define PICK_HEARD_SERVER 2u

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

/* Followed connections by 4-tuple, either way: one cheap probe per
 * packet instead of libnids' hash (open addressing, at most half full,
 * grown on demand). */
struct conn_slot {
	uint64_t h; /* tuple_key(), never 0 */
	struct conn *c;
	/* Its stream and addresses, so that a probe reads nothing but
	 * the slot. */
	struct tcp_stream *a_tcp;
	struct tuple4 addr;
};

struct reasm_state {
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
	struct conn_slot *ctab;
	size_t ctab_mask, ctab_n;
	uint8_t scratch[65536 + 64];
	uint8_t ackbuf[128];   /* the headers of a segment held back */
	size_t ooo_bytes;      /* held in every connection's queues */
	uint64_t closes;       /* connections closed so far */
	struct conn *trim_due; /* whose libnids buffer grew past
				  REASM_HALF_KEEP in this packet */
	struct ipfrag *frag;
	/* --ports any (bycontent.c): connections judged not SMTP during
	 * this packet, and the 4-tuples of those let go (their packets go
	 * no further than packet_in()). */
	struct conn *release_due;
	uint64_t *released;
	size_t released_mask;
	int initialised;
	/* pickup.c is making a handshake up: the session libnids opens now
	 * is picked up, each direction's start known or not. */
	bool picking;
	bool pick_start[2];
};

extern struct reasm_state R;

/* struct seg, a TCP segment as this layer reads it: reasm.h. */

#define TH_FIN_ 0x01
#define TH_SYN_ 0x02
#define TH_RST_ 0x04
#define TH_ACK_ 0x10

static inline bool
port_in(const uint8_t *map, uint16_t port)
{
	return map != NULL && (map[port >> 3] & (1u << (port & 7))) != 0;
}

/* The header checksum over len bytes (a multiple of 4: IHL words), in
 * host order: 0 when the header's own sum field is right. Summed 32
 * bits at a time in host order, which the one's complement sum allows
 * (RFC 1071), then folded and turned round. Always inlined: GCC called
 * it once a packet, a dozen instructions more than the sum itself. */
static inline __attribute__((always_inline)) uint16_t
ipv4_header_sum(const uint8_t *h, size_t len)
{
	uint64_t sum = 0;
	uint32_t w[5], s32;
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
	/* A word plus itself rotated by half its width holds in its upper
	 * half the one's complement sum of its two halves (the carry out
	 * of the lower half is the end-around carry): 64 bits folded to 32,
	 * then to 16, in three instructions each, where folding by shifts
	 * and masks took five steps. */
	sum += sum >> 32 | sum << 32;
	s32 = (uint32_t)(sum >> 32);
	s32 += s32 >> 16 | s32 << 16;
	return (uint16_t)~ntohs((uint16_t)(s32 >> 16));
}

static inline void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The dissector's direction of bytes the connection's initiator
 * (libnids' client) sent, or the other side: the other way round when
 * the initiator is the SMTP server (bycontent.c). */
static inline enum smtp_dir
conn_dir(const struct conn *c, bool from_initiator)
{
	return from_initiator != c->swapped ? SMTP_DIR_CLIENT : SMTP_DIR_SERVER;
}

/* A connection's key in the table of those followed and in the set of
 * those seen (conntab.c), the same either way. */
static inline uint64_t
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

static inline bool
tuple_matches(const struct tuple4 *t, uint32_t saddr, uint16_t sport,
    uint32_t daddr, uint16_t dport)
{
	return (t->saddr == saddr && t->source == sport && t->daddr == daddr &&
		   t->dest == dport) ||
	    (t->saddr == daddr && t->source == dport && t->daddr == saddr &&
		t->dest == sport);
}

/* The slot of the followed connection on these addresses and ports,
 * either way, or NULL. Inline: the lookup of every segment, where a call
 * took a dozen instructions more than the probe. */
static inline const struct conn_slot *
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

/* n bytes of one direction never captured, to the session if it has
 * one (a connection judged by its content has none until it is). */
static inline void
conn_gap(const struct conn *c, bool from_initiator, size_t n)
{
	if (c->smtp != NULL)
		smtp_session_gap(
		    c->smtp, conn_dir(c, from_initiator), n, R.now);
}

/* conntab.c */
unsigned long nids_table_size(unsigned long max);

/* attempts.c: SYNs to a mail port that never made a session. */
void attempt_segment(const struct seg *g); /* a segment no session took */
void attempt_sweep(void);                  /* the idle sweep's turn */
void attempt_finish(void);                 /* the end of the capture */
bool seen_insert(uint64_t key);
struct conn *conn_lookup(
    uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport);
void lru_unlink(struct conn *c);
void lru_push_newest(struct conn *c);
void conn_table_add(struct conn *c);
void endpoint_from_nids(struct smtp_endpoint *ep, uint32_t addr, uint16_t port);
void conn_open(struct tcp_stream *a_tcp);
void conn_close(struct conn *c, enum smtp_session_end end);
void nids_account(struct conn *c);
void half_trim(struct half_stream *h, size_t keep);
void idle_sweep(void);
void evict_for_memory(void);
void close_all_in_order(void);

/* segment.c */
uint32_t expected_seq(const struct tcp_stream *a, int from_client);
bool seg_init(struct seg *g, const uint8_t *ip, size_t iplen, size_t hl);
void tcp_segment(struct seg *g);

/* nidsglue.c */
void nids_feed_sum(const uint8_t *ip, size_t len, bool sum_ok);
void nids_feed_stream(
    const uint8_t *ip, size_t len, bool sum_ok, struct tcp_stream *a);
void nids_feed(const uint8_t *ip, size_t len);
struct tcp_stream *stream_lookup(
    uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport);

/* pickup.c */
bool pickup(struct seg *g);
void pickup_heard(struct seg *g, struct conn *c, int from_client);
void pickup_close(struct conn *c);

/* reasm.c */
bool standin_in_use(void *arg, uint32_t standin, uint64_t note);
uint32_t v6_fold(const uint8_t a[16]);

/* bycontent.c (--ports any) */
void content_init(void);
void content_free(void);
void content_open(struct tcp_stream *a_tcp);
void content_data(struct conn *c, bool from_initiator, const uint8_t *p,
    size_t n, size_t before);
void content_end(struct conn *c);
void content_finish_all(void);
void content_release_due(void);
void content_unlink_release(struct conn *c);
bool content_released(uint64_t key, bool syn);

#pragma GCC visibility pop

#endif
