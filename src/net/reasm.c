/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Packets in (reasm.h): the clocks, decapsulation, IP fragments, the
 * mail ports, the checks of the sums, IPv6 rewritten to IPv4 with
 * stand-in addresses (v6map.c), each TCP segment to segment.c. The rest
 * of the layer: conntab.c, segment.c, nidsglue.c (reasm_int.h).
 */
#include "net/reasm.h"

#include <time.h>

#include "event/dissector.h"
#include "lib/util.h"
#include "net/decap.h"
#include "net/reasm_int.h"

struct reasm_state R;

/* --- packets ----------------------------------------------------------- */

static uint32_t
sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

/* The TCP checksums (--verify-checksums): out of the packet path, which
 * their summing loops (unrolled for each length) made twice as big. */
static __attribute__((noinline)) bool
tcp6_checksum_ok(
    const uint8_t *src, const uint8_t *dst, const uint8_t *tcp, size_t len)
{
	uint8_t pseudo[8] = { 0 };
	uint32_t sum;

	pseudo[0] = (uint8_t)(len >> 24);
	pseudo[1] = (uint8_t)(len >> 16);
	pseudo[2] = (uint8_t)(len >> 8);
	pseudo[3] = (uint8_t)len;
	pseudo[7] = 6;
	sum = sum16(src, 16, 0);
	sum = sum16(dst, 16, sum);
	sum = sum16(pseudo, 8, sum);
	sum = sum16(tcp, len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

static __attribute__((noinline)) uint32_t
sum_tcp(const uint8_t *ip, const uint8_t *tcp, size_t len)
{
	uint8_t pseudo[12];
	uint32_t sum;

	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 6;
	pseudo[10] = (uint8_t)(len >> 8);
	pseudo[11] = (uint8_t)len;
	sum = sum16(pseudo, 12, 0);
	sum = sum16(tcp, len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static bool
ports_listed(const struct decap_tcp *t)
{
	return port_in(R.cfg.portmap, t->sport) ||
	    port_in(R.cfg.portmap, t->dport);
}

/* --ports any: a segment of a connection judged not SMTP, which goes no
 * further (a SYN there starts a new connection, judged anew). */
static __attribute__((noinline)) bool
released_segment(const struct decap_packet *d, const struct decap_tcp *t)
{
	uint32_t s, a;

	if (d->ip_version == 4) {
		memcpy(&s, d->l3 + 12, 4);
		memcpy(&a, d->l3 + 16, 4);
	} else {
		s = v6_fold(d->l3 + 8);
		a = v6_fold(d->l3 + 24);
	}
	return content_released(tuple_key(s, t->sport, a, t->dport),
	    (t->flags & (TH_SYN_ | TH_ACK_)) == TH_SYN_);
}

/* A segment to follow: on a mail port, or any with --ports any (but
 * those of connections let go). */
static bool
ports_wanted(const struct decap_packet *d, const struct decap_tcp *t)
{
	if (ports_listed(t))
		return true;
	if (!R.cfg.any_port)
		return false;
	if (released_segment(d, t)) {
		R.st.content_released_packets++;
		return false;
	}
	return true;
}

/* packet_v4()'s rare cases, out of its way: a header whose sum is wrong
 * (dropped, or mended when checks are off) and a packet the snap length
 * cut (libnids gets what was kept, as a shorter packet; the rest is a
 * gap: step_cut()). The packet to go on with (d's, or its copy in
 * R.scratch), NULL when it goes no further; *cut, the payload bytes the
 * capture did not keep. */
static __attribute__((noinline, cold)) const uint8_t *
v4_mend(const struct decap_packet *d, size_t hl, bool snapcut, uint32_t *cut)
{
	const uint8_t *ip = d->l3;
	size_t total = (size_t)ip[2] << 8 | ip[3];

	if (ipv4_header_sum(ip, hl) != 0) {
		if (R.cfg.verify_checksums) {
			R.st.bad_checksum++;
			return NULL;
		}
		/* libnids always checks the IP header sum; when checks are
		 * off we pass the packet on with the sum mended. */
		if (d->l3_len > sizeof(R.scratch))
			return NULL;
		memcpy(R.scratch, ip, d->l3_len);
		R.scratch[10] = R.scratch[11] = 0;
		put16(R.scratch + 10, ipv4_header_sum(R.scratch, hl));
		ip = R.scratch;
		R.st.ip_checksum_fixed++;
	}
	if (snapcut && total > d->l3_len) {
		if (ip != R.scratch) {
			if (d->l3_len > sizeof(R.scratch))
				return NULL;
			memcpy(R.scratch, ip, d->l3_len);
			ip = R.scratch;
		}
		put16(R.scratch + 2, (uint16_t)d->l3_len);
		R.scratch[10] = R.scratch[11] = 0;
		put16(R.scratch + 10, ipv4_header_sum(R.scratch, hl));
		*cut = (uint32_t)(total - d->l3_len);
	}
	return ip;
}

/* An IPv4 segment g on a mail port (g->tcp read): its IP header's sum
 * checked or mended, a cut by the snap length noted, to segment.c. */
static void
packet_v4(const struct decap_packet *d, struct seg *g, bool snapcut)
{
	const uint8_t *ip = d->l3;
	size_t hl = (size_t)(ip[0] & 0x0f) * 4;
	size_t total = (size_t)ip[2] << 8 | ip[3];
	uint32_t cut = 0;

	if (hl > d->l3_len)
		return;
	if ((ipv4_header_sum(ip, hl) != 0 || (snapcut && total > d->l3_len)) &&
	    (ip = v4_mend(d, hl, snapcut, &cut)) == NULL)
		return;
	if (!seg_init(g, ip, d->l3_len, hl)) {
		nids_feed(ip, d->l3_len); /* libnids counts what is wrong */
		return;
	}
	g->sum_ok = true; /* checked or mended above */
	if (v6map_is_standin(g->saddr) || v6map_is_standin(g->daddr)) {
		R.st.class_e++;
		return;
	}
	/* What a cut segment lacks cannot be summed: it passes. */
	if (R.cfg.verify_checksums && cut == 0 &&
	    sum_tcp(ip, ip + hl, d->l3_len - hl)) {
		R.st.bad_checksum++;
		return;
	}
	if (cut > 0) {
		g->cut = cut;
		R.st.snap_cut++;
		R.st.snap_cut_bytes += cut;
	}
	tcp_segment(g);
}

/* What v6map_note() leaves on the stand-ins of a SYN: the other
 * address and the ports, so that standin_in_use() can find its stream. */
static uint64_t
syn_note(uint32_t other, uint16_t sport, uint16_t dport)
{
	return (uint64_t)other | (uint64_t)sport << 32 | (uint64_t)dport << 48;
}

/* v6map asks before it recycles a stand-in no connection holds: is it
 * one end of a stream libnids holds, its handshake under way? */
bool
standin_in_use(void *arg, uint32_t standin, uint64_t note)
{
	uint32_t other = (uint32_t)note;
	uint16_t sport = (uint16_t)(note >> 32), dport = (uint16_t)(note >> 48);

	(void)arg;
	if (note == 0)
		return false;
	return stream_lookup(standin, sport, other, dport) != NULL ||
	    stream_lookup(other, sport, standin, dport) != NULL;
}

uint32_t
v6_fold(const uint8_t a[16])
{
	uint32_t w[4];

	memcpy(w, a, sizeof(w));
	return w[0] ^ w[1] ^ w[2] ^ w[3];
}

/* An IPv6 segment whose addresses have no stand-in: no stream libnids
 * holds is theirs. Counted like an IPv4 one of no stream. */
static void
v6_unmapped(const uint8_t *src, const uint8_t *dst, const struct decap_tcp *t)
{
	if (t->whole && t->off < t->len &&
	    (t->flags & (TH_SYN_ | TH_RST_)) == 0 &&
	    seen_insert(
		tuple_key(v6_fold(src), t->sport, v6_fold(dst), t->dport)))
		R.st.no_handshake++;
}

/* An IPv6 segment g on a mail port (g->tcp read): rewritten as an IPv4
 * one whose addresses are stand-ins (v6map.c), to segment.c. Out of
 * packet_in(), whose IPv4 path it made twice as long. */
static __attribute__((noinline)) void
packet_v6(const struct decap_packet *d, struct seg *g, bool snapcut)
{
	const uint8_t *src = d->l3 + 8, *dst = d->l3 + 24;
	const uint8_t *payload = d->l4;
	const struct decap_tcp *t = &g->tcp;
	size_t plen = d->l4_len, total, whole;
	uint32_t saddr, daddr;
	uint8_t *h = R.scratch;
	bool syn;

	R.st.ipv6_packets++;
	total = 20 + plen;
	if (total > 65535)
		return;
	/* The upper-layer bytes the packet had, kept or not. */
	whole = 40 + ((size_t)d->l3[4] << 8 | d->l3[5]);
	whole = whole > (size_t)(payload - d->l3)
	    ? whole - (size_t)(payload - d->l3)
	    : 0;
	if (!snapcut || whole <= plen)
		snapcut = false;
	if (R.cfg.verify_checksums && !snapcut &&
	    !tcp6_checksum_ok(src, dst, payload, plen)) {
		R.st.bad_checksum++;
		return;
	}
	/* New stand-ins only for a SYN, which starts every stream libnids
	 * follows: other packets from unknown addresses (a scan, backscatter)
	 * cannot push out those of handshakes under way. */
	syn = (t->flags & (TH_SYN_ | TH_ACK_ | TH_RST_)) == TH_SYN_;
	if (syn) {
		saddr = v6map_get(R.v6, src);
		daddr = v6map_get(R.v6, dst);
		if (saddr == 0 || daddr == 0) {
			R.st.v6_table_full++;
			return;
		}
		v6map_note(R.v6, saddr, syn_note(daddr, t->sport, t->dport));
		v6map_note(R.v6, daddr, syn_note(saddr, t->sport, t->dport));
	} else if ((saddr = v6map_find(R.v6, src)) == 0 ||
	    (daddr = v6map_find(R.v6, dst)) == 0) {
		/* Data without a handshake: stand-ins for its pickup
		 * (pickup.c), as for a SYN. */
		if (R.cfg.no_midstream || !t->whole || t->off >= t->len ||
		    (t->flags & (TH_SYN_ | TH_RST_ | TH_ACK_)) != TH_ACK_) {
			v6_unmapped(src, dst, t);
			return;
		}
		saddr = v6map_get(R.v6, src);
		daddr = v6map_get(R.v6, dst);
		if (saddr == 0 || daddr == 0) {
			R.st.v6_table_full++;
			return;
		}
	}
	h[0] = 0x45;
	h[1] = (uint8_t)((d->l3[0] & 0x0f) << 4 | d->l3[1] >> 4);
	put16(h + 2, (uint16_t)total);
	h[4] = h[5] = 0;
	put16(h + 6, 0x4000); /* DF */
	h[8] = d->l3[7];      /* hop limit */
	h[9] = 6;
	h[10] = h[11] = 0;
	memcpy(h + 12, &saddr, 4);
	memcpy(h + 16, &daddr, 4);
	put16(h + 10, ipv4_header_sum(h, 20));
	memcpy(h + 20, payload, plen);
	if (seg_init(g, h, total, 20)) {
		if (snapcut) {
			g->cut = (uint32_t)(whole - plen);
			R.st.snap_cut++;
			R.st.snap_cut_bytes += g->cut;
		}
		tcp_segment(g);
	} else
		nids_feed(h, total);
}

/* The connection a datagram's first fragment belongs to (an anomaly of
 * its session), if we follow it. Rare: kept out of packet_in(), which it
 * would make too big to be inlined where it is called (20 instructions
 * more a packet, measured). */
static __attribute__((noinline)) void
frag_overlap(const uint8_t *first, size_t len)
{
	struct decap_packet d;
	struct decap_tcp th;
	struct conn *c = NULL;
	uint8_t a6[16];
	uint32_t s = 0, t = 0;

	R.st.frag_overlaps++;
	if (first == NULL ||
	    decap_packet(DECAP_LINKTYPE_RAW, first, len, &d) != DECAP_OK ||
	    !decap_tcp(&d, &th))
		return;
	if (d.ip_version == 4) {
		memcpy(&s, d.l3 + 12, 4);
		memcpy(&t, d.l3 + 16, 4);
	} else {
		memcpy(a6, d.l3 + 8, 16);
		s = v6map_find(R.v6, a6);
		memcpy(a6, d.l3 + 24, 16);
		t = v6map_find(R.v6, a6);
	}
	if (s != 0 && t != 0)
		c = conn_lookup(s, th.sport, t, th.dport);
	if (c != NULL)
		smtp_session_anomaly(
		    c->smtp, SMTP_ANOMALY_OVERLAP_CONFLICT, R.now);
}

/* Live captures only: out of packet_in(). */
static __attribute__((noinline)) double
mono_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static __attribute__((noinline, cold)) void
clock_jumped(double by)
{
	R.st.clock_jumps++;
	if (by < 0)
		by = -by;
	if (by > R.st.clock_jump_max)
		R.st.clock_jump_max = by;
	/* Marks every connection open now when it next has a packet. */
	R.jump_idle = R.idle + 1e-6;
	R.idle = R.jump_idle;
}

/*
 * The clocks at a packet of timestamp ts. The capture's clock follows
 * the timestamps forward, and back only by a step of more than
 * REASM_CLOCK_JUMP (packets a little out of time order, as merged
 * captures have, leave it). The idle clock: see REASM_CLOCK_JUMP.
 */
static void
clock_packet(double ts)
{
	double d;

	if (R.st.packets == 1) {
		R.now = R.last_ts = ts;
		if (R.cfg.live) {
			R.idle = mono_now();
			R.mono_off = ts - R.idle;
		}
		return;
	}
	if (ts > R.now || ts < R.now - REASM_CLOCK_JUMP)
		R.now = ts;
	if (R.cfg.live) {
		R.idle = mono_now();
		d = ts - R.idle - R.mono_off;
		if (d > REASM_CLOCK_JUMP || d < -REASM_CLOCK_JUMP) {
			R.mono_off = ts - R.idle;
			clock_jumped(d);
		}
		return;
	}
	d = ts - R.last_ts;
	R.last_ts = ts;
	if (d > REASM_CLOCK_JUMP) {
		R.idle += REASM_CLOCK_JUMP;
		clock_jumped(d);
	} else if (d < -REASM_CLOCK_JUMP) {
		clock_jumped(d);
	} else if (d > 0) {
		R.idle += d;
	}
}

/* The frame's headers, read once: pure, so that the capture's filter
 * may read the ports before the clocks move. */
void
reasm_decode(
    int linktype, const uint8_t *pkt, size_t caplen, struct reasm_frame *f)
{
	f->st = decap_frame(linktype, pkt, caplen, &f->d, &f->g.tcp, &f->tcp);
	f->mail_port = false;
}

/*
 * Any frame but a TCP segment that is no fragment (reasm_decode()'s
 * f->tcp), counted by what it holds; a fragment reassembled here by the
 * receiver's rules (ipfrag.h: libnids never gets one). True when a
 * datagram made whole is a TCP segment, to go on (f->tcp, g->tcp read
 * anew). Out of packet_in()'s way: nearly every frame is a segment.
 */
static __attribute__((noinline, cold)) bool
frame_other(struct reasm_frame *f)
{
	struct decap_packet *d = &f->d;
	const uint8_t *whole;
	size_t wlen;

	switch (f->st) {
	case DECAP_OK:
		break;
	case DECAP_NOT_IP:
		R.st.not_ip++;
		return false;
	case DECAP_TRUNCATED:
		R.st.truncated++;
		return false;
	default:
		R.st.bad_header++;
		return false;
	}
	if (!d->fragment) {
		/* Not TCP, or not even its ports were captured. */
		R.st.other_ports++;
		return false;
	}
	R.st.fragments++;
	switch (ipfrag_add(R.frag, d, R.idle, &whole, &wlen)) {
	case IPFRAG_DONE:
		R.st.reassembled++;
		if (decap_packet(DECAP_LINKTYPE_RAW, whole, wlen, d) !=
			DECAP_OK ||
		    d->fragment) {
			R.st.bad_header++;
			return false;
		}
		/* The TCP header of the whole datagram. */
		if (!(f->tcp = decap_tcp(d, &f->g.tcp))) {
			R.st.other_ports++;
			return false;
		}
		return true;
	case IPFRAG_OVERLAP:
		frag_overlap(whole, wlen);
		return false;
	default:
		return false;
	}
}

static void
packet_in(struct reasm_frame *f, double ts, size_t caplen, uint32_t wirelen)
{
	struct decap_packet *d = &f->d;
	struct seg *g = &f->g;
	bool snapcut = wirelen > caplen;

	R.pkt_time_replaced = R.time_replaced;
	R.time_replaced = false;
	R.st.packets++;
	R.st.bytes += caplen;
	clock_packet(ts);
	R.hdr.ts.tv_sec = (time_t)R.now;
	R.hdr.ts.tv_usec = (suseconds_t)((R.now - (double)(time_t)R.now) * 1e6);
	if (R.idle - R.last_sweep >= 1.0)
		idle_sweep();

	/* A TCP segment (f->tcp) was decapsulated and is no fragment: any
	 * other frame is frame_other()'s, and what the capture cut of a
	 * datagram's last fragment is no cut of the whole. */
	if (!f->tcp) {
		if (!frame_other(f))
			return;
		snapcut = false;
	}
	if (!f->mail_port && !ports_wanted(d, &g->tcp)) {
		R.st.other_ports++;
		R.st.other_tcp_packets++;
		return;
	}
	R.st.tcp_packets++;
	if (d->ip_version == 4)
		packet_v4(d, g, snapcut);
	else
		packet_v6(d, g, snapcut);
}

/* --ports any: the connections judged not SMTP during the packet let go
 * (bycontent.c), out of reasm_frame()'s way. */
static __attribute__((noinline, cold)) void
release_due(void)
{
	content_release_due();
}

void
reasm_frame(struct reasm_frame *f, double ts, size_t caplen, uint32_t wirelen)
{
	packet_in(f, ts, caplen, wirelen);
	if (R.release_due != NULL)
		release_due();
	if (counted_bytes() > R.cfg.session_bytes)
		evict_for_memory();
}

void
reasm_packet(int linktype, double ts, const uint8_t *pkt, size_t caplen,
    uint32_t wirelen)
{
	struct reasm_frame f;

	/* NaN and absurd: the clock stays (the capture's times are never
	 * so: capture_time()). */
	if (!(ts >= 0 && ts < 1e12))
		ts = R.now;
	reasm_decode(linktype, pkt, caplen, &f);
	reasm_frame(&f, ts, caplen, wirelen);
}

void
reasm_time_replaced(void)
{
	R.time_replaced = true;
}

void
reasm_other(const struct reasm_frame *f, size_t caplen)
{
	R.st.packets++;
	R.st.bytes += caplen;
	switch (f->st) {
	case DECAP_OK:
		R.st.other_ports++;
		if (f->tcp)
			R.st.other_tcp_packets++;
		break;
	case DECAP_NOT_IP:
		R.st.not_ip++;
		break;
	case DECAP_TRUNCATED:
		R.st.truncated++;
		break;
	default:
		R.st.bad_header++;
		break;
	}
}

void
reasm_clock(double now)
{
	if (!R.initialised)
		return;
	if (now > R.now)
		R.now = now;
	if (R.cfg.live && R.st.packets > 0) {
		double mono = mono_now();

		if (mono > R.idle)
			R.idle = mono;
	}
	if (R.idle - R.last_sweep >= 1.0)
		idle_sweep();
}

const struct reasm_stats *
reasm_stats(void)
{
	if (R.v6 != NULL)
		R.st.v6_recycled = v6map_recycled_count(R.v6);
	if (R.frag != NULL) {
		const struct ipfrag_stats *f = ipfrag_stats(R.frag);

		R.st.frag_timeouts = f->timeouts;
		R.st.frag_evicted = f->evicted;
	}
	return &R.st;
}
