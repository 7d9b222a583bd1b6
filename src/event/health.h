/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The capture's health: what the capture (net/capture.c) and the
 * reassembly (net/reasm.c) counted, as plain figures. main.c takes one
 * snapshot of it (health_snapshot() there) for everything that shows it:
 * the JSON log's summary, the reports, the dashboard and, translated,
 * the plugins' tick(). They include this header, never net/capture.h or
 * net/reasm.h: it is in the event layer, which both sides may include.
 */
#ifndef SMTPSCOPE_HEALTH_H
#define SMTPSCOPE_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Link types of left-out packets named at the end (capture_end_notice()). */
#define CAPTURE_LEFT_OUT_MAX 8

struct capture_stats {
	bool live;
	bool damaged; /* a file ended in the middle */
	uint64_t packets;
	uint64_t pcap_drops, pcap_ifdrops;
	size_t files_read;
	uint32_t snaplen; /* what frames cut by the snap length kept, 0:
			     none was cut */
	uint64_t skipped; /* pcapng packets our reader left out, of the
			     link types in left_out */
	struct {
		int linktype;
		bool filter; /* -f does not compile for it; else smtpscope
				does not decode it */
	} left_out[CAPTURE_LEFT_OUT_MAX];
	size_t nleft_out;
	uint64_t timestamps_replaced; /* packets whose timestamp no record
					 can carry (capture_time()) */
};

enum {
	REASM_NIDS_WARN_MAX = 16,
};

struct reasm_stats {
	uint64_t packets;     /* packets handed to reasm */
	uint64_t bytes;       /* their captured bytes */
	uint64_t tcp_packets; /* TCP on a mail port, fed to libnids */
	uint64_t ipv6_packets;
	uint64_t not_ip;    /* frames that were no IP */
	uint64_t truncated; /* cut inside a link or IP header */
	uint64_t bad_header;
	uint64_t other_ports;       /* TCP/other traffic we do not follow */
	uint64_t ip_checksum_fixed; /* bad IPv4 header sums passed on */
	uint64_t bad_checksum;      /* dropped by --verify-checksums */
	uint64_t class_e;           /* real 240/4 addresses: not followed */
	uint64_t v6_table_full;
	uint64_t v6_recycled;  /* stand-ins recycled for new addresses */
	uint64_t no_handshake; /* connections with data, no handshake */
	uint64_t sessions;     /* handshakes seen on a mail port */
	/* SYNs to a mail port that made no session (net/attempts.c):
	 * answered by RST, or by nothing; untracked: let go too young to
	 * judge (the table full, or the capture's end). */
	uint64_t attempts_refused, attempts_unanswered, attempts_untracked;
	uint64_t reused; /* 4-tuples taken over by a new SYN */
	uint64_t idle_expired;
	uint64_t gaps;           /* holes: stepped over, or left at the end */
	uint64_t gap_bytes;      /* bytes stepped over in holes */
	uint64_t snap_cut;       /* mail segments the snap length cut short */
	uint64_t snap_cut_bytes; /* their payload bytes not captured */
	/* What a receiver's stack decides, decided before libnids. */
	uint64_t fragments;     /* IP fragments (reassembled first) */
	uint64_t reassembled;   /* datagrams they made */
	uint64_t frag_overlaps; /* datagrams discarded: fragments that
				   overlap (Linux drops them whole) */
	uint64_t frag_timeouts; /* datagrams never completed in time */
	uint64_t frag_evicted;  /* queues evicted by the fragment budget */
	uint64_t ooo_segments;  /* segments held until their turn */
	uint64_t ooo_conflicts; /* overlapping segments, other bytes */
	uint64_t ooo_dropped;   /* over a direction's budget */
	uint64_t ooo_evicted;   /* connections whose queues the total
				   budget took */
	uint64_t rst_ignored;   /* RSTs not at the expected sequence */
	uint64_t syn_ignored;   /* SYNs on open connections, unanswered */
	uint64_t clock_jumps;   /* the capture's clock moved by more than
				   60 s between packets (or live, away
				   from the monotonic clock) */
	double clock_jump_max;  /* the largest, in seconds */
	uint64_t nids_warnings; /* all libnids warnings */
	uint64_t nids_warning[REASM_NIDS_WARN_MAX];
	unsigned long active; /* sessions open now */
	unsigned long active_max;
	/* Evictions by the memory budgets (those of fragments, segments
	 * and stand-ins are above). */
	uint64_t sessions_evicted;        /* at --max-sessions */
	uint64_t sessions_evicted_memory; /* at --max-session-bytes */
	/* TCP segments on ports not followed (of other_ports): with no
	 * session, the summary suggests --ports. */
	uint64_t other_tcp_packets;
	/* --ports any: connections judged by their first bytes, those
	 * found to be SMTP (of them inside an HTTP CONNECT tunnel), those
	 * let go, and the packets of those let go after it (of
	 * other_tcp_packets). */
	uint64_t content_judged, content_smtp, content_tunnels;
	uint64_t content_released, content_released_packets;

	/* Sessions picked up mid-stream, their handshake synthesized (also
	 * in sessions; no_handshake counts those not picked up), and of
	 * them those with only the client's side seen, or only the
	 * server's. */
	uint64_t midstream;
	uint64_t one_sided_client;
	uint64_t one_sided_server;
};

/* Names of libnids' warnings (its NIDS_WARN_* numbers), NULL past the
 * last; header-only so that sinks need not link the libnids glue. */
static inline const char *
health_nids_warning_name(int i)
{
	static const char *const names[] = {
		"undefined",
		"ip_oversized",
		"ip_invalid_fragment_list",
		"ip_overlapping_fragments",
		"ip_bad_header",
		"ip_source_routed",
		"tcp_too_many_streams",
		"tcp_bad_header",
		"tcp_queue_too_big",
		"tcp_bad_flags",
	};

	if (i >= 0 && (size_t)i < sizeof(names) / sizeof(names[0]))
		return names[i];
	return NULL;
}

/* One snapshot of both, and of the capture's clock. */
struct health {
	struct capture_stats cs;
	struct reasm_stats rs;
	double now; /* the capture's time of the last packet */
	bool live;  /* from an interface */
};

#endif
