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

#include "event/dissector.h"
#include "event/event.h"
#include "event/health.h"
#include "net/decap.h"

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
	/* --ports any: a connection on a port not in portmap is followed
	 * until its first bytes say whether it carries SMTP (content.h). */
	bool any_port;
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
	/* Each session's Community ID (about 0.3 us a session: only when a
	 * log writes it), and its seed (--community-id-seed). */
	bool community_id;
	uint16_t community_id_seed;
	/* Connections whose handshake was not seen are only counted
	 * (no_handshake), not picked up (--no-midstream). */
	bool no_midstream;
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
/* A TCP segment as this layer reads it (reasm_int.h, segment.c); here
 * only for struct reasm_frame, which holds one. */
struct seg {
	struct decap_tcp tcp;  /* its header, read once (decap_tcp()) */
	uint32_t saddr, daddr; /* as libnids sees them */
	const uint8_t *ip;     /* the IPv4 packet libnids gets */
	size_t iplen, hl;      /* its length, its header's */
	uint32_t datalen;      /* tcp.len - tcp.off */
	uint64_t closes;       /* R.closes when its connection was found */
	uint32_t cut; /* payload bytes the capture did not keep (its snap
			 length): sent, and received, all the same */
	bool sum_ok;  /* its IP header's sum is known to be right */
};

/*
 * A captured frame decapsulated once (reasm_decode()): the capture's port
 * filter reads its ports there, and reasm_frame() or reasm_other() goes
 * on without reading the headers again. g.tcp is read into where the
 * segment keeps it, so that it is not copied.
 */
struct reasm_frame {
	enum decap_status st; /* decap_packet()'s */
	bool tcp;             /* g.tcp read: DECAP_OK, no fragment, TCP */
	/* The capture's port filter found a port of g.tcp on its list of
	 * mail ports, which is reasm_config.portmap: not looked up again
	 * (false from reasm_decode()). */
	bool mail_port;
	struct decap_packet d;
	struct seg g;
};

void reasm_decode(
    int linktype, const uint8_t *pkt, size_t caplen, struct reasm_frame *f);
/* One captured frame of the given link type. */
void reasm_packet(int linktype, double ts, const uint8_t *pkt, size_t caplen,
    uint32_t wirelen);
/* The same, decoded by reasm_decode() (f may be changed), at a time
 * capture_time() gave: from 0 to CAPTURE_TIME_MAX, below 1e12. */
void reasm_frame(
    struct reasm_frame *f, double ts, size_t caplen, uint32_t wirelen);
/* A frame the capture's port filter leaves out (files read without -f
 * are filtered in the program, not by libpcap), decoded by
 * reasm_decode(): counted in packets, bytes and by what it holds, never
 * followed; the clock stays. */
void reasm_other(const struct reasm_frame *f, size_t caplen);
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
#endif
