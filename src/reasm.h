/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TCP reassembly: our decapsulated packets go into libnids (opened on a
 * DLT_RAW pcap_open_dead handle), its reassembled streams into the SMTP
 * dissector. The only file that includes nids.h.
 */
#ifndef SMTPSCOPE_REASM_H
#define SMTPSCOPE_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "smtp/smtp.h"

#define REASM_DEFAULT_MAX_SESSIONS 65536
#define REASM_DEFAULT_IDLE_TIMEOUT 600 /* seconds without data */

struct reasm_config {
	const uint8_t *portmap; /* 65536 bits: the mail ports */
	const uint8_t *tlsmap;  /* 65536 bits: implicit-TLS ports (465) */
	bool verify_checksums;
	bool live; /* idle timeouts on the monotonic clock */
	unsigned long max_sessions;
	unsigned long idle_timeout;
	const struct event_bus *bus;
	uint32_t v6_max; /* IPv6 addresses mapped at once; 0: default */
	/* The capture's kernel drop counter (live), or NULL: a transaction
	 * lost while it grew may have been lost by the capture. */
	const uint64_t *capture_drops;
	/* Each change of a session's state, or NULL (--trace-states). */
	smtp_trace_fn trace;
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
	uint64_t reused;       /* 4-tuples taken over by a new SYN */
	uint64_t idle_expired;
	uint64_t gaps;      /* holes: stepped over, or left at the end */
	uint64_t gap_bytes; /* bytes stepped over in holes */
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
};

/* Returns 0, or -1 with a sentence in err. */
int reasm_init(const struct reasm_config *cfg, char *err, size_t errlen);
/* One captured frame of the given link type. */
void reasm_packet(int linktype, double ts, const uint8_t *pkt, size_t caplen,
    uint32_t wirelen);
/* A frame the capture's port filter leaves out (files read without -f
 * are filtered in the program, not by libpcap): counted in packets,
 * bytes and by what it holds, never followed; the clock stays. */
void reasm_count_other(int linktype, const uint8_t *pkt, size_t caplen);
/* Live runs: the wall clock moves on even when no packet comes, so that
 * idle sessions are still timed out. */
void reasm_clock(double now);
/* For the fuzzer's oracle (tests/fuzz/fuzz_reasm.c), NULL otherwise:
 * each run of stream bytes the dissector gets, with the connection's
 * client port, its direction and the sequence number of its first
 * byte. */
extern void (*reasm_data_hook)(uint16_t client_port, int from_client,
    uint32_t seq, const uint8_t *p, size_t n);
/* End: every open session is closed as "eof". */
void reasm_finish(void);
const struct reasm_stats *reasm_stats(void);
/* Names of libnids' warnings (its NIDS_WARN_* numbers), NULL past the
 * last; header-only so that sinks need not link the libnids glue. */
static inline const char *
reasm_nids_warning_name(int i)
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

#endif
