/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libnids glue. libnids is configured deliberately (see DESIGN.md):
 * fed through nids_params.pcap_desc = pcap_open_dead(DLT_RAW) and
 * nids_pcap_handler() with IPv4 packets that we decapsulated ourselves;
 * IPv6 rewritten to IPv4 with stand-in addresses (v6map.c); checksums
 * off unless asked; scan detection off; warnings counted, never sent to
 * syslog; idle streams freed by our own timeout. Its callback hands
 * each connection's new bytes to the dissector.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event/dissector.h"
#include "lib/util.h"
#include "net/reasm_int.h"

/* libnids calls this for every warning; count, never syslog. */
static void
nids_warning_hook(int type, int errnum, struct ip *iph, void *data)
{
	(void)type;
	(void)iph;
	(void)data;
	R.st.nids_warnings++;
	if (errnum >= 0 && errnum < REASM_NIDS_WARN_MAX)
		R.st.nids_warning[errnum]++;
	/* libnids evicted its oldest established stream for a new one: a
	 * session at --max-sessions (it was closed as timed out). */
	if (errnum == NIDS_WARN_TCP_TOOMUCH)
		R.st.sessions_evicted++;
}

static void
nids_out_of_memory(char *where)
{
	fprintf(stderr, "smtpscope: out of memory in libnids (%s)\n", where);
	exit(1);
}

void (*reasm_data_hook)(uint16_t client_port, int from_client, uint32_t seq,
    const uint8_t *p, size_t n);

static void
feed_half(struct conn *c, struct half_stream *h, enum smtp_dir dir)
{
	/* We consume everything we are given, so the buffer holds just
	 * the new bytes; nids_discard() keeps nothing back. */
	int unread = h->count - h->offset;
	const uint8_t *p = (const uint8_t *)h->data + (unread - h->count_new);
	size_t n = (size_t)h->count_new;

	if (reasm_data_hook != NULL && n > 0)
		reasm_data_hook(c->a_tcp->addr.source, dir == SMTP_DIR_CLIENT,
		    expected_seq(c->a_tcp, dir == SMTP_DIR_CLIENT) -
			(uint32_t)n,
		    p, n);
	if (n > 0)
		smtp_session_data(
		    c->smtp, (enum smtp_dir)(dir ^ c->swapped), p, n, R.now);
}

/* --ports any: the new bytes of a connection not known to be SMTP yet,
 * to bycontent.c (which may open its session: the second half then
 * goes to it). Kept out of feed_half(), which it would make slower. */
static __attribute__((noinline)) void
feed_unjudged(struct conn *c)
{
	struct tcp_stream *a = c->a_tcp;
	struct half_stream *h;
	int i;

	for (i = 0; i < 2; i++) {
		h = i == 0 ? &a->server : &a->client;
		if (h->count_new <= 0)
			continue;
		if (c->smtp != NULL) {
			feed_half(
			    c, h, i == 0 ? SMTP_DIR_CLIENT : SMTP_DIR_SERVER);
			continue;
		}
		if (c->probe == NULL) /* let go: nothing more is read */
			return;
		if (reasm_data_hook != NULL)
			reasm_data_hook(a->addr.source, i == 0,
			    expected_seq(a, i == 0) - (uint32_t)h->count_new,
			    (const uint8_t *)h->data +
				(h->count - h->offset - h->count_new),
			    (size_t)h->count_new);
		content_data(c, i == 0,
		    (const uint8_t *)h->data +
			(h->count - h->offset - h->count_new),
		    (size_t)h->count_new, (size_t)(h->count - h->count_new));
	}
}

/*
 * libnids' stream lookup, told the answer. process_tcp() begins by
 * finding the segment's stream (find_stream(): nids_find_tcp_stream()
 * with the segment's addresses, then reversed), two of libnids' hashes
 * and a cache miss in its table each, for a stream our connection table
 * has just found. libnids calls nids_find_tcp_stream() through its PLT,
 * so the definition below replaces it (as mkhash() is): while a segment
 * of a known stream goes to process_tcp() (hint), that stream is the
 * answer for its own addresses, and none for the reverse (libnids files
 * a connection once, under one order: find_stream() tries both before a
 * new one is made); anything else, and every lookup with no hint, is
 * libnids' own. The hint is cleared before any callback runs (the first
 * thing tcp_callback() does), so no lookup made from a callback, and no
 * stream freed by one, ever meets it.
 */
static struct {
	struct tcp_stream *(*orig)(struct tuple4 *);
	struct tcp_stream *hint;    /* the stream of the segment in hand */
	struct tcp_stream *pending; /* the same, across the timeouts */
} F;

struct tcp_stream *
nids_find_tcp_stream(struct tuple4 *t)
{
	const struct tcp_stream *a = F.hint;

	if (a != NULL) {
		if (t->saddr == a->addr.saddr && t->daddr == a->addr.daddr &&
		    t->source == a->addr.source && t->dest == a->addr.dest)
			return F.hint;
		if (t->saddr == a->addr.daddr && t->daddr == a->addr.saddr &&
		    t->source == a->addr.dest && t->dest == a->addr.source)
			return NULL;
	}
	return F.orig(t);
}

static void
tcp_callback(struct tcp_stream *a_tcp, void **param)
{
	struct conn *c = a_tcp->user;

	(void)param;
	F.hint = NULL;
	if (a_tcp == F.pending && a_tcp->nids_state != NIDS_DATA &&
	    a_tcp->nids_state != NIDS_JUST_EST)
		F.pending = NULL; /* freed when this returns */
	switch (a_tcp->nids_state) {
	case NIDS_JUST_EST:
		if (port_in(R.cfg.portmap, a_tcp->addr.dest))
			conn_open(a_tcp);
		else if (R.cfg.any_port) /* judged by its content */
			content_open(a_tcp);
		else /* not a mail server's port: seen, not followed */
			seen_insert(
			    tuple_key(a_tcp->addr.saddr, a_tcp->addr.source,
				a_tcp->addr.daddr, a_tcp->addr.dest));
		return;
	case NIDS_DATA:
		if (c == NULL)
			return;
		if (c->smtp == NULL) {
			feed_unjudged(c);
		} else {
			/* Bytes the server half received were sent by the
			 * client. */
			if (a_tcp->server.count_new > 0)
				feed_half(c, &a_tcp->server, SMTP_DIR_CLIENT);
			if (a_tcp->client.count_new > 0)
				feed_half(c, &a_tcp->client, SMTP_DIR_SERVER);
		}
		nids_discard(a_tcp, a_tcp->read);
		nids_account(c);
		if (c->nids_counted > 2 * REASM_HALF_KEEP)
			R.trim_due = c; /* after the packet, outside libnids */
		c->last = R.idle;
		/* To the newest end (already there: nothing to move, unless
		 * it counts as trimmed). */
		if (c != R.newest || R.trimmed == c) {
			lru_unlink(c);
			lru_push_newest(c);
		}
		return;
	case NIDS_CLOSE:
		if (c != NULL)
			conn_close(c, SMTP_SESSION_END_FIN);
		return;
	case NIDS_RESET:
		if (c != NULL)
			conn_close(c, SMTP_SESSION_END_RST);
		return;
	case NIDS_TIMED_OUT:
		if (c != NULL)
			conn_close(c, SMTP_SESSION_END_TIMEOUT);
		return;
	case NIDS_EXITING:
		if (c != NULL)
			conn_close(c, SMTP_SESSION_END_EOF);
		return;
	default:
		return;
	}
}

/*
 * libnids' TCP layer and its closing timeouts, below nids_pcap_handler()
 * (exported by the library, not declared by nids.h), found by
 * reasm_init(); NULL: every packet goes through nids_pcap_handler().
 */
static void (*nids_process_tcp)(u_char *, int);
static void (*nids_tcp_check_timeouts)(struct timeval *);

/* The closing timeouts, run before a packet as nids_pcap_handler() runs
 * them: they may free a (tcp_callback() then forgets it: NULL). Out of
 * line: while none is pending, nearly always, feed() keeps nothing
 * across a call but process_tcp(). */
static __attribute__((noinline)) struct tcp_stream *
timeouts_before(struct tcp_stream *a)
{
	F.pending = a;
	nids_tcp_check_timeouts(&R.hdr.ts);
	a = F.pending;
	F.pending = NULL;
	return a;
}

/*
 * An IPv4 packet to libnids. nids_pcap_handler() checks the IP header,
 * passes a datagram that is no fragment through ip_defrag_stub() (which
 * changes nothing while libnids holds no fragment, and it never gets
 * one: ipfrag.c reassembles) and gives TCP to process_tcp() with the
 * buffer size libnids charges for it. A TCP packet that header check
 * would pass, without options and not a fragment, goes to process_tcp()
 * straight, with the same size and after the same timeout check: about
 * 260 instructions less a packet. Anything else takes the long way.
 */
static void
feed(const uint8_t *ip, size_t len, bool sum_ok, struct tcp_stream *a)
{
	R.hdr.caplen = (bpf_u_int32)len;
	R.hdr.len = (bpf_u_int32)len;
	if (nids_process_tcp != NULL && len >= 20 && ip[0] == 0x45 &&
	    ip[9] == 6 && (ip[6] & 0x3f) == 0 && ip[7] == 0 &&
	    ((size_t)ip[2] << 8 | ip[3]) == len &&
	    (sum_ok || ipv4_header_sum(ip, 20) == 0)) {
		int skblen = (int)len + 16 + nids_params.dev_addon;

		if (nids_tcp_timeouts != NULL)
			a = timeouts_before(a);
		/* nids_last_pcap_header points to R.hdr already (reasm_init()
		 * and nids_pcap_handler() set it so). */
		nids_last_pcap_data = (u_char *)(uintptr_t)ip;
		skblen = ((skblen + 15) & ~15) + nids_params.sk_buff_size;
		F.hint = a;
		nids_process_tcp((u_char *)(uintptr_t)ip, skblen);
		F.hint = NULL;
		return;
	}
	nids_pcap_handler(NULL, &R.hdr, (u_char *)(uintptr_t)ip);
}

void
nids_feed_sum(const uint8_t *ip, size_t len, bool sum_ok)
{
	feed(ip, len, sum_ok, NULL);
}

void
nids_feed_stream(
    const uint8_t *ip, size_t len, bool sum_ok, struct tcp_stream *a)
{
	feed(ip, len, sum_ok, a);
}

void
nids_feed(const uint8_t *ip, size_t len)
{
	nids_feed_sum(ip, len, false);
}

/* libnids' stream for these addresses and ports, this way round (it
 * keeps streams client first), NULL if it follows none. */
struct tcp_stream *
stream_lookup(uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport)
{
	struct tuple4 t;

	t.saddr = saddr;
	t.source = sport;
	t.daddr = daddr;
	t.dest = dport;
	return nids_find_tcp_stream(&t);
}

/* --- libnids' hash ------------------------------------------------------ */

/*
 * libnids files each stream under mkhash() of its addresses and ports
 * (its hash.c): twelve rounds over the bytes in a random order, each with
 * a modulo, for every segment and twice for a server's. It was the
 * hottest function of a run (8% of the CPU time, 0.14 s of 1.0 on the
 * benchmark corpus). libnids calls it through its PLT, so the definition
 * below replaces it (ELF interposition, as a malloc() replacement works):
 * a multiply-xorshift mix of the 96 bits under a 128-bit key drawn at
 * start, which an attacker who cannot see the key cannot aim collisions
 * at, as libnids' random permutation meant.
 *
 * Should a libnids be built so that one of its calls does not go through
 * the PLT (static, -Bsymbolic, inlined), the two hashes would file and
 * look up streams in different places: nids_hash_check() files a stream
 * and looks it up again at start, and on a miss every call goes to
 * libnids' own mkhash() (dlsym(RTLD_NEXT)), which then agrees with the
 * inlined copies.
 */
static struct {
	uint64_t k0, k1;
	unsigned (*orig)(unsigned, unsigned short, unsigned, unsigned short);
	int ours;
	uint64_t calls;
} H;

unsigned int mkhash(unsigned int src, unsigned short sport, unsigned int dest,
    unsigned short dport);

unsigned int
mkhash(unsigned int src, unsigned short sport, unsigned int dest,
    unsigned short dport)
{
	uint64_t x, y;

	if (!H.ours && H.orig != NULL)
		return H.orig(src, sport, dest, dport);
	H.calls++;
	x = ((uint64_t)src << 32 | dest) ^ H.k0;
	y = ((uint64_t)sport << 16 | dport) ^ H.k1;
	x *= 0x9e3779b97f4a7c15ull;
	y = (y ^ x ^ (x >> 29)) * 0xbf58476d1ce4e5b9ull;
	y ^= y >> 31;
	y *= 0x94d049bb133111ebull;
	/* libnids keeps it in an int before the modulo: 31 bits. */
	return (unsigned int)(y >> 33);
}

/* A SYN from 240.0.0.1:1 to 240.0.0.2:2 (stand-in space, which no real
 * packet reaches libnids with) filed by libnids and looked up again. */
static void
nids_hash_check(void)
{
	uint8_t syn[40];
	struct tuple4 t;
	struct tcp_stream *a;
	uint64_t before = H.calls;

	memset(syn, 0, sizeof(syn));
	syn[0] = 0x45;
	syn[3] = sizeof(syn);
	syn[8] = 64;
	syn[9] = 6;
	syn[12] = 240, syn[15] = 1;
	syn[16] = 240, syn[19] = 2;
	syn[21] = 1, syn[23] = 2;
	syn[27] = 1;      /* seq 1 */
	syn[32] = 5 << 4; /* data offset */
	syn[33] = 0x02;   /* SYN */
	syn[34] = 0xff;   /* window */
	put16(syn + 10, (uint16_t)~ipv4_header_sum(syn, 20));
	nids_feed(syn, sizeof(syn));
	t.saddr = htonl(0xf0000001);
	t.daddr = htonl(0xf0000002);
	t.source = 1;
	t.dest = 2;
	a = nids_find_tcp_stream(&t);
	if (a == NULL && H.calls != before) {
		/* Filed and looked up with different hashes: libnids' own
		 * from now on. */
		H.ours = 0;
	}
	if (a == NULL)
		a = nids_find_tcp_stream(&t);
	if (a != NULL)
		nids_free_tcp_stream(a);
}

/* process_tcp() and tcp_check_timeouts() of the libnids that
 * nids_pcap_handler() belongs to, or none (nids_feed() then always calls
 * nids_pcap_handler()). The IP layer must be libnids' own: no IP filter
 * (nids_params.ip_filter is left as nids_init() set it). */
static void
nids_direct_init(void)
{
	Dl_info a, b, t;
	void *p = dlsym(RTLD_DEFAULT, "process_tcp");
	void *q = dlsym(RTLD_DEFAULT, "tcp_check_timeouts");

	nids_process_tcp = NULL;
	nids_tcp_check_timeouts = NULL;
	if (p == NULL || q == NULL ||
	    dladdr((void *)(uintptr_t)nids_pcap_handler, &a) == 0 ||
	    dladdr(p, &b) == 0 || dladdr(q, &t) == 0 ||
	    a.dli_fbase != b.dli_fbase || a.dli_fbase != t.dli_fbase)
		return;
	*(void **)&nids_process_tcp = p;
	*(void **)&nids_tcp_check_timeouts = q;
}

int
reasm_init(const struct reasm_config *cfg, char *err, size_t errlen)
{
	static struct nids_chksum_ctl ctl[1];
	unsigned long streams;

	/* Everything anew: a process may run several (the fuzzer does). */
	memset(&R, 0, sizeof(R));
	R.cfg = *cfg;
	if (R.cfg.idle_timeout == 0)
		R.cfg.idle_timeout = REASM_DEFAULT_IDLE_TIMEOUT;
	if (reasm_plan(&R.cfg, err, errlen) != 0)
		return -1;
	R.v6 = v6map_new(R.cfg.v6_max);
	v6map_set_in_use(R.v6, standin_in_use, NULL);
	R.dead = pcap_open_dead(DLT_RAW, 65535);
	if (R.dead == NULL) {
		snprintf(err, errlen, "cannot set up libpcap for libnids");
		return -1;
	}
	/* libnids keeps exactly max_sessions (nids_table_size()). */
	streams = nids_table_size(R.cfg.max_sessions);
	nids_params.pcap_desc = R.dead;
	nids_params.filename = NULL;
	nids_params.device = NULL;
	nids_params.pcap_filter = NULL;
	nids_params.n_tcp_streams = (int)streams;
	nids_params.n_hosts = 1024;
	nids_params.scan_num_hosts = 0; /* no scan detection */
	nids_params.syslog = nids_warning_hook;
	nids_params.no_mem = nids_out_of_memory;
	nids_params.one_loop_less = 0;
	nids_params.multiproc = 0;
	/* Close half-closed streams 10 s after both FINs. */
	nids_params.tcp_workarounds = 1;
	/* Its own port-reuse rule frees streams without telling us: off;
	 * check_reuse() does that job. */
	nids_params.tcp_flow_timeout = 0;
	R.hdr.ts.tv_sec = 0;
	nids_last_pcap_header = &R.hdr;
	if (!nids_init()) {
		snprintf(
		    err, errlen, "libnids failed to start: %s", nids_errbuf);
		return -1;
	}
	nids_last_pcap_header = &R.hdr;
	/* Checksums are ours to check (--verify-checksums): libnids gets
	 * segments we rebuilt (IPv6 stand-ins, held headers, fillers). */
	ctl[0].netaddr = 0;
	ctl[0].mask = 0;
	ctl[0].action = NIDS_DONT_CHKSUM;
	nids_register_chksum_ctl(ctl, 1);
	{
		struct ipfrag_config fc;

		ipfrag_config_init(&fc);
		fc.verify_v4_checksum = cfg->verify_checksums;
		/* A queue costs about 256 bytes with its first fragment
		 * (Linux's 4 MiB for 16384 queues). */
		fc.budget_bytes = (size_t)R.cfg.fragment_bytes;
		fc.max_queues = (size_t)(R.cfg.fragment_bytes / 256);
		R.frag = ipfrag_new(&fc);
	}
	/* libnids' own hash only if the check below finds ours unsafe. */
	if (H.k0 == 0 && getentropy(&H.k0, sizeof(H.k0)) != 0)
		H.k0 = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^
		    (uint64_t)getpid();
	if (H.k1 == 0 && getentropy(&H.k1, sizeof(H.k1)) != 0)
		H.k1 = ~H.k0 * 0xbf58476d1ce4e5b9ull;
	*(void **)&F.orig = dlsym(RTLD_NEXT, "nids_find_tcp_stream");
	if (F.orig == NULL) {
		snprintf(err, errlen,
		    "cannot find libnids' nids_find_tcp_stream(): %s",
		    dlerror());
		return -1;
	}
	*(void **)&H.orig = dlsym(RTLD_NEXT, "mkhash");
	H.ours = 1;
	nids_hash_check();
	if (R.cfg.any_port)
		content_init();
	nids_register_tcp(tcp_callback);
	nids_direct_init();
	R.initialised = 1;
	return 0;
}

void
reasm_finish(void)
{
	if (!R.initialised)
		return;
	R.initialised = 0;
	close_all_in_order();
	attempt_finish(); /* before nids_exit(): its IPv6 stand-ins */
	nids_exit();      /* frees libnids' streams (none of them ours now) */
	/* nids_exit() keeps the callback's node, which the next
	 * nids_init() forgets: a fuzzer running many found it. */
	nids_unregister_tcp(tcp_callback);
	reasm_stats(); /* its last figures */
	ipfrag_free(R.frag);
	R.frag = NULL;
	free(R.ctab);
	R.ctab = NULL;
	content_free();
	pcap_close(R.dead);
	R.dead = NULL;
	v6map_free(R.v6);
	R.v6 = NULL;
}
