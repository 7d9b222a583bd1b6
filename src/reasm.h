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

#define REASM_DEFAULT_MAX_SESSIONS 65536 /* and the most derived */
#define REASM_DEFAULT_IDLE_TIMEOUT 600   /* seconds without data */

/*
 * Memory (reasm_plan()). --memory-limit L is shared out among the pools
 * that grow with the traffic; each has its own budget, derived from L
 * unless given, and evicts the oldest when full:
 *
 *   P = (L - REASM_MEMORY_RESERVE) * 7 / 8
 *   P >= slots(sessions) + standins(n) + ooo + fragments + session bytes
 *
 * REASM_MEMORY_RESERVE is the rest of the program (6 MiB measured with
 * 16 sessions, the dashboard's 500 transcripts of 64 KiB at most, the
 * Zeek log's line); the eighth left is the allocator's slack. Derived:
 * sessions = P / 12 KiB (16 to 65536), n = 2 * (libnids' streams + 1),
 * ooo = P / 32 (at least 1 MiB), fragments = P / 256 (at least 256 KiB),
 * session bytes = what remains (at least REASM_SESSION_BYTES_MIN).
 */
#define REASM_DEFAULT_MEMORY_LIMIT (1ull << 30)
#define REASM_MEMORY_LIMIT_MIN (64ull << 20)
#define REASM_MEMORY_RESERVE (48ull << 20)
/* Of P, for each session slot: an open session holds 7 KiB while it
 * talks (libnids' buffers, ours), 3 KiB once quiet. */
#define REASM_SESSION_SHARE (12u << 10)
/* One session held 2.1 MiB at most in our measurements (1000 recipients
 * with their parameters, 32 refused, 255 pipelined MAILs, its Zeek row
 * and transcript): the sessions' budget is never below four of those. */
#define REASM_SESSION_BYTES_MIN (8ull << 20)

struct reasm_config {
	const uint8_t *portmap; /* 65536 bits: the mail ports */
	const uint8_t *tlsmap;  /* 65536 bits: implicit-TLS ports (465) */
	bool verify_checksums;
	bool live;                  /* idle timeouts on the monotonic clock */
	unsigned long max_sessions; /* 0: from the memory limit */
	unsigned long idle_timeout;
	const struct event_bus *bus;
	uint32_t v6_max; /* IPv6 addresses mapped at once; 0: from the
			    sessions */
	/* Budgets in bytes (0: from the memory limit; see reasm_plan()). */
	uint64_t memory_limit;   /* 0: REASM_DEFAULT_MEMORY_LIMIT */
	uint64_t session_bytes;  /* the sessions' counted memory (cmalloc()) */
	uint64_t ooo_bytes;      /* segments held out of order, in all */
	uint64_t fragment_bytes; /* IP fragments held */
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
};

/*
 * Fill in the budgets of cfg left 0 from its memory limit (formula
 * above); 0, or -1 with a sentence in err when the budgets given do not
 * fit in the limit.
 */
int reasm_plan(struct reasm_config *cfg, char *err, size_t errlen);
/* What the pools of a planned cfg take at most, in bytes: their sum is
 * at most (memory_limit - REASM_MEMORY_RESERVE) * 7 / 8. */
struct reasm_plan_figures {
	uint64_t slots, standins, ooo, fragments, sessions, total, limit;
};
void reasm_plan_figures(
    const struct reasm_config *cfg, struct reasm_plan_figures *f);

/* Returns 0, or -1 with a sentence in err. */
int reasm_init(const struct reasm_config *cfg, char *err, size_t errlen);
/* One captured frame of the given link type. */
void reasm_packet(int linktype, double ts, const uint8_t *pkt, size_t caplen,
    uint32_t wirelen);
/* A frame the capture's port filter leaves out (files read without -f
 * are filtered in the program, not by libpcap): counted in packets,
 * bytes and by what it holds, never followed; the clock stays. */
void reasm_count_other(int linktype, const uint8_t *pkt, size_t caplen);
/* The next packet's timestamp was replaced by the capture layer (it was
 * before 1970 or after 9999: capture_time()): its session, once there,
 * is marked with the anomaly timestamp_replaced. */
void reasm_time_replaced(void);
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
