/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPv4 and IPv6 fragment reassembly with the policy of the Linux
 * receiver (net/ipv4/inet_fragment.c, ip_fragment.c, ipv6/reassembly.c),
 * so that the datagrams handed on are the ones a Linux host accepted:
 *
 * - a queue per (source, destination, protocol, 16-bit id) for IPv4 and
 *   per (source, destination, 32-bit id) for IPv6, never folded;
 * - a fragment whose bytes lie inside a run of adjacent fragments
 *   already queued is a duplicate: dropped, the queue kept; any other
 *   overlap discards the whole queue (IpExtReasmOverlaps), whatever the
 *   bytes;
 * - a second last fragment with another end, data past the known end,
 *   an empty fragment, fragments of mixed ECN, a datagram over 65535
 *   bytes: the queue is discarded; an IPv6 fragment with M set and a
 *   length not a multiple of 8, one ending past 65535: the fragment
 *   alone is dropped (its queue is made all the same, as fq_find()
 *   makes it, and times out); a first IPv6 fragment without the
 *   upper-layer header: the fragment alone is dropped; an
 *   IPv4 fragment with MF set is cut to a multiple of 8 bytes; an IPv6
 *   datagram (or atomic fragment) with a second Fragment header or a
 *   Hop-by-Hop header after the Fragment header is dropped;
 * - an IPv4 queue is restarted when more than max_dist fragments from
 *   its source to its destination came in since its previous fragment
 *   (ipfrag_max_dist; Linux counts per source host);
 * - a queue not complete within the timeout is dropped (Linux: 30 s
 *   IPv4, 60 s IPv6).
 *
 * Unlike Linux, which refuses every fragment while its memory is over
 * ipfrag_high_thresh, a fragment that would pass the byte budget (or a
 * new queue past the queue cap) evicts the oldest queues first: an
 * attacker cannot blind the analyzer for a whole timeout.
 *
 * Every packet byte is read through a bounds check against d->l3_len;
 * fields of the decap_packet are checked against the bytes, never
 * trusted alone.
 */
#ifndef SMTPSCOPE_IPFRAG_H
#define SMTPSCOPE_IPFRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/decap.h"

#define IPFRAG_DEFAULT_BUDGET (4u * 1024 * 1024) /* ipfrag_high_thresh */
#define IPFRAG_DEFAULT_MAX_QUEUES 16384
#define IPFRAG_DEFAULT_TIMEOUT_V4 30.0 /* ipfrag_time */
#define IPFRAG_DEFAULT_TIMEOUT_V6 60.0 /* ip6frag_time */
#define IPFRAG_DEFAULT_MAX_DIST 64     /* ipfrag_max_dist */
/* The longest packet ipfrag_add() hands back: an IPv6 header and a
 * payload length of 65535. */
#define IPFRAG_MAX_PACKET (40 + 65535)

struct ipfrag;

struct ipfrag_config {
	size_t budget_bytes; /* queued bytes at most, all queues (0:
				default) */
	size_t max_queues;   /* queues at most (0: default) */
	double timeout_v4;   /* seconds (<= 0: default) */
	double timeout_v6;
	unsigned max_dist;       /* IPv4 ipfrag_max_dist; 0 turns it off */
	bool verify_v4_checksum; /* drop IPv4 fragments whose header sum is
				    wrong, as a receiver does */
};

struct ipfrag_stats {
	uint64_t fragments;    /* handed to ipfrag_add() */
	uint64_t reassembled;  /* datagrams completed and handed back */
	uint64_t atomic;       /* IPv6 atomic fragments handed back */
	uint64_t overlaps;     /* queues discarded: overlapping fragments */
	uint64_t duplicates;   /* fragments dropped: bytes already queued */
	uint64_t failed;       /* queues discarded: a malformed fragment or
				  datagram (not an overlap) */
	uint64_t timeouts;     /* queues expired */
	uint64_t evicted;      /* queues evicted: byte budget, queue cap */
	uint64_t too_far;      /* IPv4 queues restarted: max_dist */
	uint64_t dropped_bad;  /* fragments dropped alone: malformed */
	uint64_t bad_checksum; /* IPv4 fragments dropped: header sum */
	uint64_t truncated;    /* datagrams handed back cut short because
				  the capture cut fragments short */
	uint64_t nomem;        /* fragments dropped: no memory, or over
				  the whole budget alone */
	size_t bytes;          /* now queued (fragments and queues) */
	size_t queues;         /* now open */
	size_t bytes_max;      /* highest bytes so far */
	size_t queues_max;     /* highest queues so far */
};

/* What became of a fragment (and its datagram). */
enum ipfrag_result {
	IPFRAG_HELD,      /* queued; its datagram is not complete yet */
	IPFRAG_DONE,      /* *out, *outlen: the whole packet */
	IPFRAG_OVERLAP,   /* it overlapped a queued fragment: the queue was
			     discarded (count an overlap_conflict) */
	IPFRAG_DUPLICATE, /* dropped: its bytes were queued already */
	IPFRAG_DISCARDED, /* the queue it belonged to was discarded: a
			     malformed fragment or datagram (see above) */
	IPFRAG_DROPPED,   /* dropped alone: malformed, or no room */
};

/* Linux's defaults: 4 MiB, 30 s, 60 s, max_dist 64; checksums not
 * verified (the rest of smtpscope mends them unless asked). */
void ipfrag_config_init(struct ipfrag_config *cfg);

/* NULL: the defaults. NULL back when memory runs out. */
struct ipfrag *ipfrag_new(const struct ipfrag_config *cfg);
void ipfrag_free(struct ipfrag *f);

/*
 * d: an IPv4 or IPv6 packet as decap_packet() found it (DECAP_OK),
 * normally with d->fragment set; now: its capture time in seconds (the
 * clock never goes back: an earlier time counts as the latest seen).
 *
 * IPFRAG_DONE: *out holds *outlen bytes of a complete, unfragmented IP
 * packet, valid until the next call on f: IPv4: the first fragment's
 * header with MF and the offset cleared (DF and ECN as Linux sets
 * them), the total length set, the checksum recomputed; IPv6: the
 * first fragment's headers before the Fragment header, the Fragment
 * header removed, the Next Header before it set to the Fragment
 * header's, the payload length set (ECN as Linux sets it).
 * Where the capture cut a fragment short, *outlen stops at the first
 * byte not captured while the length in the header stays whole, as in
 * any short capture. Pass it to decap_packet() with link type 101
 * (LINKTYPE_RAW). A packet that is no fragment comes back at once as
 * it is (*out = d->l3, *outlen = d->l3_len).
 *
 * IPFRAG_OVERLAP, IPFRAG_DISCARDED: *out, *outlen: the first fragment
 * of the datagram discarded as it came (its headers, for IPv6 the
 * Fragment header, its data as captured: decap_packet() finds its
 * ports, to tell which connection was attacked), valid until the next
 * call; NULL and 0 if that fragment never came.
 *
 * On any other result *out and *outlen are left as they were.
 */
enum ipfrag_result ipfrag_add(struct ipfrag *f, const struct decap_packet *d,
    double now, const uint8_t **out, size_t *outlen);

/* Drop the queues whose time is up at `now`; ipfrag_add() does it
 * too, so this is only needed when no fragment comes for long. */
void ipfrag_expire(struct ipfrag *f, double now);

const struct ipfrag_stats *ipfrag_stats(const struct ipfrag *f);

/* A short lowercase name of a result for logs and tests. */
const char *ipfrag_result_name(enum ipfrag_result r);

#endif /* SMTPSCOPE_IPFRAG_H */
