/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A receiver's queue of out-of-order TCP segments, kept by Linux's rules
 * (net/ipv4/tcp_input.c, tcp_data_queue_ofo() and tcp_ofo_queue()), so
 * that what smtpscope reads of overlapping segments is what a Linux
 * receiver delivered. reasm.c holds the segments that arrive ahead of
 * the next expected byte here and hands them to libnids, whole and in
 * order, once the bytes before them came: libnids never sees a segment
 * out of order, and never decides an overlap by its own rules.
 *
 * The rules, for a new segment [seq, end) (end counts a FIN):
 * - if a queued segment starting at or before seq covers it whole, the
 *   new one is dropped (the first copy stays);
 * - if one starts exactly at seq and the new one is longer, the new one
 *   takes its place (the later copy wins);
 * - a partial overlap keeps both: the bytes of the segment that starts
 *   first are the ones delivered;
 * - queued segments the new one covers whole are removed.
 * Where overlapping copies hold different bytes, the insert says so:
 * someone may be trying to show a monitor another message than the
 * receiver got (an anomaly, overlap_conflict).
 */
#ifndef SMTPSCOPE_TCPQ_H
#define SMTPSCOPE_TCPQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tcpq_seg {
	struct tcpq_seg *next;
	uint32_t seq;    /* of its first payload byte */
	uint32_t len;    /* payload bytes */
	bool fin;        /* a FIN after them */
	size_t data_off; /* of the payload in pkt */
	size_t pkt_len;  /* the whole packet as libnids takes it */
	size_t truesize; /* what it costs, for the budgets: tcpq_cost() */
	uint8_t pkt[];
};

struct tcpq {
	struct tcpq_seg *head; /* by sequence number */
	size_t bytes;          /* truesize of all */
	unsigned n;
};

/* What a queued packet of pkt_len bytes takes from the heap: the
 * segment, and the allocator's header and rounding (glibc: an 8-byte
 * header, chunks of 16 bytes). */
static inline size_t
tcpq_cost(size_t pkt_len)
{
	return (sizeof(struct tcpq_seg) + pkt_len + sizeof(size_t) + 15) &
	    ~(size_t)15;
}

/* seq arithmetic (RFC 793 3.3). */
static inline bool
tcpq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool
tcpq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(b - a) < 0;
}

enum tcpq_result {
	TCPQ_QUEUED,  /* kept (perhaps in another's place) */
	TCPQ_COVERED, /* dropped: queued segments cover it */
};

/*
 * Queue a copy of the packet pkt (pkt_len bytes, the payload of len
 * bytes at data_off, sequence number seq, fin). *conflict is set when
 * an overlap with a queued segment holds other bytes. *freed: truesize
 * of the segments it removed (the caller's budgets).
 */
enum tcpq_result tcpq_insert(struct tcpq *q, const uint8_t *pkt, size_t pkt_len,
    size_t data_off, uint32_t seq, uint32_t len, bool fin, bool *conflict,
    size_t *freed);

/* The first segment if it starts at or before exp, taken off the queue
 * (the caller frees it), else NULL. */
struct tcpq_seg *tcpq_pop(struct tcpq *q, uint32_t exp);

/* Do the queued segments hold other bytes than data (len bytes at seq)
 * where they overlap it? For data that arrives in order. */
bool tcpq_conflicts(
    const struct tcpq *q, uint32_t seq, const uint8_t *data, uint32_t len);

/* Free every segment; returns the truesize freed. */
size_t tcpq_clear(struct tcpq *q);

#endif
