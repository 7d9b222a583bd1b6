/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Each TCP segment on a mail port, decided as the receiver would before
 * libnids gets it: in order it goes on, ahead of its turn it waits in
 * the connection's queue (tcpq.h), a proven hole is stepped over as a
 * gap, RSTs and SYNs on an open connection by RFC 5961, a segment the
 * capture cut short, and pure ACKs done without libnids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/dissector.h"
#include "lib/util.h"
#include "net/reasm_int.h"

/* The next byte the receiving half of a expects from the sender. */
uint32_t
expected_seq(const struct tcp_stream *a, int from_client)
{
	const struct half_stream *snd = from_client ? &a->client : &a->server;
	const struct half_stream *rcv = from_client ? &a->server : &a->client;

	return snd->first_data_seq + (uint32_t)rcv->count +
	    (uint32_t)rcv->urg_count;
}

/*
 * A hole in one direction: segments wait in our queue behind bytes that
 * were never captured, and the receiver has acknowledged past the hole,
 * so the bytes did reach it and will never come. As Zeek does, we step
 * over: the dissector is told those bytes are a gap, and libnids' count
 * of the bytes it received moves past them (its buffer holds none of
 * them: count and offset move together), so that what waited goes on in
 * order. Nothing is copied, however large the hole.
 */
static __attribute__((noinline, cold)) void
fill_gap(struct conn *c, int from_client)
{
	struct tcp_stream *a = c->a_tcp;
	struct half_stream *rcv = from_client ? &a->server : &a->client;
	struct tcpq *q = &c->ooo[from_client ? 0 : 1];
	uint32_t exp = expected_seq(a, from_client), upto, n;

	if (q->head == NULL)
		return;
	upto = q->head->seq;
	/* Proven only when the receiver acknowledged the queued data. */
	if (!tcpq_after(upto, exp) || tcpq_before(rcv->ack_seq, upto))
		return;
	n = upto - exp;
	R.st.gaps++;
	R.st.gap_bytes += n;
	rcv->count = (int)((unsigned)rcv->count + n);
	rcv->offset = (int)((unsigned)rcv->offset + n);
	conn_gap(c, from_client, n);
}

/* conn_again() when something was closed meanwhile: c looked up anew. */
static __attribute__((noinline, cold)) struct conn *
conn_found_again(const struct seg *g, struct conn *c)
{
	return conn_lookup(g->saddr, g->tcp.sport, g->daddr, g->tcp.dport) == c
	    ? c
	    : NULL;
}

/* The followed connection still there after libnids ran (its callback
 * may have closed it), or NULL. Asked after nearly every segment, when
 * nothing was closed: that is told here without a call. */
static inline struct conn *
conn_again(const struct seg *g, struct conn *c)
{
	if (c != NULL && R.closes == g->closes)
		return c; /* nothing was closed meanwhile */
	return conn_found_again(g, c);
}

/* Whatever waits in order now (after data or a filler moved the next
 * expected byte), to libnids. */
static __attribute__((noinline)) void
drain_queue(struct seg *g, struct conn *c, int from_client)
{
	struct tcpq *q = &c->ooo[from_client ? 0 : 1];
	struct tcpq_seg *s;

	while ((c = conn_again(g, c)) != NULL &&
	    (s = tcpq_pop(q, expected_seq(c->a_tcp, from_client))) != NULL) {
		R.ooo_bytes -= s->truesize;
		/* A segment the bytes before it already covered whole is
		 * old: libnids would skip it. */
		if (tcpq_after(s->seq + s->len + (s->fin ? 1 : 0),
			expected_seq(c->a_tcp, from_client)))
			nids_feed(s->pkt, s->pkt_len);
		free(s);
	}
}

/* drain_queue() on c, still there (conn_again()): called after every
 * segment, whose direction's queue is nearly always empty, so that is
 * seen here without a call. */
static inline void
drain(struct seg *g, struct conn *c, int from_client)
{
	if (c->ooo[from_client ? 0 : 1].head != NULL)
		drain_queue(g, c, from_client);
}

/* The total budget is passed: the queues of the connections quiet the
 * longest go first. */
static void
ooo_evict(struct conn *keep)
{
	struct conn *c;

	for (c = R.oldest; c != NULL && R.ooo_bytes > R.cfg.ooo_bytes;
	     c = c->newer) {
		if (c == keep ||
		    (c->ooo[0].head == NULL && c->ooo[1].head == NULL))
			continue;
		R.ooo_bytes -= tcpq_clear(&c->ooo[0]);
		R.ooo_bytes -= tcpq_clear(&c->ooo[1]);
		R.st.ooo_evicted++;
	}
}

/*
 * A segment ahead of the next expected byte: held in our queue by the
 * receiver's rules (tcpq.h); libnids gets its headers now (the ACK and
 * the window it carries) and its bytes in their turn.
 */
static __attribute__((noinline, cold)) void
hold_segment(const struct seg *g, struct conn *c, int from_client)
{
	struct tcpq *q = &c->ooo[from_client ? 0 : 1];
	size_t freed, was = q->bytes, hdr = g->hl + g->tcp.off;
	size_t dir_max = R.cfg.ooo_bytes < REASM_OOO_DIR_MAX
	    ? (size_t)R.cfg.ooo_bytes
	    : REASM_OOO_DIR_MAX;
	bool conflict;
	bool fin = (g->tcp.flags & TH_FIN_) != 0;

	if (q->bytes + tcpq_cost(g->iplen) > dir_max) {
		R.st.ooo_dropped++;
		return;
	}
	R.st.ooo_segments++;
	tcpq_insert(q, g->ip, g->iplen, hdr, g->tcp.seq, g->datalen, fin,
	    &conflict, &freed);
	R.ooo_bytes = R.ooo_bytes + q->bytes - was;
	if (conflict) {
		R.st.ooo_conflicts++;
		smtp_session_anomaly(
		    c->smtp, SMTP_ANOMALY_OVERLAP_CONFLICT, R.now);
	}
	if (R.ooo_bytes > R.cfg.ooo_bytes)
		ooo_evict(c);
	/* The headers alone: an ACK libnids takes at once. */
	if (hdr <= sizeof(R.ackbuf) && (g->tcp.flags & TH_ACK_)) {
		memcpy(R.ackbuf, g->ip, hdr);
		put16(R.ackbuf + 2, (uint16_t)hdr);
		R.ackbuf[10] = R.ackbuf[11] = 0;
		put16(R.ackbuf + 10, ipv4_header_sum(R.ackbuf, g->hl));
		R.ackbuf[g->hl + 13] &= (uint8_t)~TH_FIN_;
		nids_feed(R.ackbuf, hdr);
	}
}

/*
 * RFC 5961 3.2, as Linux does: a RST ends the connection only at the
 * next expected sequence number (or at what the receiver acknowledged
 * last, in case the capture missed bytes); any other is ignored.
 */
static bool
rst_accepted(const struct seg *g, const struct tcp_stream *a, int from_client)
{
	const struct half_stream *rcv = from_client ? &a->server : &a->client;

	if (g->tcp.seq == expected_seq(a, from_client) ||
	    g->tcp.seq == rcv->ack_seq)
		return true;
	/* Before the handshake completed libnids has nothing to go by. */
	return a->nids_state != NIDS_DATA;
}

/* The old connection still open (no FIN, no RST seen on it). */
static bool
conn_open_both(const struct tcp_stream *a)
{
	return a->nids_state == NIDS_DATA &&
	    a->client.state == TCP_ESTABLISHED &&
	    a->server.state == TCP_ESTABLISHED;
}

/* A SYN (no ACK) with a new sequence number on the 4-tuple of an open,
 * followed connection: held until the server says what it is. */
static void
hold_syn(const struct seg *g, struct conn *c)
{
	cfree(c->held_syn);
	c->held_syn = cmalloc(g->iplen);
	memcpy(c->held_syn, g->ip, g->iplen);
	c->held_len = g->iplen;
	c->held_seq = g->tcp.seq;
}

/*
 * A segment the capture cut short: what it kept went to libnids; the
 * bytes it did not keep reached the receiver all the same, so once the
 * kept ones are in order they are stepped over at once as a gap (as
 * fill_gap() does for a proven hole), and a FIN after them is passed on.
 */
static __attribute__((noinline, cold)) void
step_cut(const struct seg *g, struct conn *c, int from_client)
{
	struct tcp_stream *a = c->a_tcp;
	struct half_stream *rcv = from_client ? &a->server : &a->client;
	size_t hdr = g->hl + g->tcp.off;

	if (expected_seq(a, from_client) != g->tcp.seq + g->datalen)
		return; /* not taken in order: a hole for later */
	R.st.gaps++;
	R.st.gap_bytes += g->cut;
	rcv->count = (int)((unsigned)rcv->count + g->cut);
	rcv->offset = (int)((unsigned)rcv->offset + g->cut);
	conn_gap(c, from_client, g->cut);
	if ((g->tcp.flags & TH_FIN_) && hdr <= sizeof(R.ackbuf)) {
		uint32_t seq = g->tcp.seq + g->datalen + g->cut;

		memcpy(R.ackbuf, g->ip, hdr);
		put16(R.ackbuf + 2, (uint16_t)hdr);
		R.ackbuf[10] = R.ackbuf[11] = 0;
		put16(R.ackbuf + 10, ipv4_header_sum(R.ackbuf, g->hl));
		put16(R.ackbuf + g->hl + 4, (uint16_t)(seq >> 16));
		put16(R.ackbuf + g->hl + 6, (uint16_t)seq);
		nids_feed(R.ackbuf, hdr);
	}
}

/* The session of a packet whose timestamp the capture layer replaced
 * (capture_time(); R.pkt_time_replaced, which the callers test): marked,
 * once for the packet. */
static __attribute__((noinline, cold)) void
mark_time_replaced(struct conn *c)
{
	if (c == NULL)
		return;
	R.pkt_time_replaced = false;
	smtp_session_anomaly(c->smtp, SMTP_ANOMALY_TIMESTAMP_REPLACED, R.now);
}

/*
 * Pure ACKs (about one packet in six) without libnids. While its list of
 * closing timeouts (tcp_workarounds: nids_tcp_timeouts) is empty, a
 * packet's only effect outside process_tcp() is nids_last_pcap_header,
 * which always points to R.hdr.
 */

/* libnids' get_ts(), byte for byte: the last timestamp option before an
 * end of options or a length under 2. The options are inside the TCP
 * header, whose length decap_tcp() checked. */
static int
ack_get_ts(const uint8_t *tcp, size_t off, uint32_t *ts)
{
	const uint8_t *o = tcp + 20;
	int len = (int)off, ind = 0, ret = 0;

	/* The options nearly every stack sends (NOP, NOP, the timestamp),
	 * read at once: what the walk below finds in them. */
	if (off == 32 && o[0] == 1 && o[1] == 1 && o[2] == 8 && o[3] == 10) {
		*ts = (uint32_t)o[4] << 24 | (uint32_t)o[5] << 16 |
		    (uint32_t)o[6] << 8 | o[7];
		return 1;
	}
	while (ind <= len - 20 - 10) {
		switch (o[ind]) {
		case 0:
			return ret;
		case 1:
			ind++;
			continue;
		case 8:
			*ts = (uint32_t)o[ind + 2] << 24 |
			    (uint32_t)o[ind + 3] << 16 |
			    (uint32_t)o[ind + 4] << 8 | o[ind + 5];
			ret = 1;
			/* fall through */
		default:
			if (o[ind + 1] < 2)
				return ret;
			ind += o[ind + 1];
		}
	}
	return ret;
}

/*
 * What libnids' process_tcp() does with a segment that carries only an
 * ACK on an established stream both of whose halves are open, with no
 * segment of its own waiting (rmem_alloc 0), done here: the window
 * check, PAWS, handle_ack() and the sender's window. True when done so;
 * false when libnids must have the packet (anything else: IP options,
 * an IP length that is not the packet's, a closing timeout pending, a
 * stream libnids could find the other way round).
 */
static bool
ack_only(const struct seg *g, struct tcp_stream *a, int from_client)
{
	const uint8_t *tcp = g->ip + g->hl;
	struct half_stream *snd, *rcv;
	uint32_t ts;

	if (g->datalen != 0 ||
	    (g->tcp.flags & (TH_FIN_ | TH_SYN_ | TH_RST_ | TH_ACK_)) !=
		TH_ACK_ ||
	    g->hl != 20 || ((size_t)g->ip[2] << 8 | g->ip[3]) != g->iplen ||
	    (g->saddr | g->daddr) == 0 || nids_tcp_timeouts != NULL ||
	    a->listeners == NULL || !conn_open_both(a) ||
	    a->client.rmem_alloc != 0 || a->server.rmem_alloc != 0)
		return false;
	/* libnids looks the segment's way first: no stream there. */
	if (!from_client &&
	    stream_lookup(g->saddr, g->tcp.sport, g->daddr, g->tcp.dport) !=
		NULL)
		return false;
	snd = from_client ? &a->client : &a->server;
	rcv = from_client ? &a->server : &a->client;
	if (g->tcp.seq != rcv->ack_seq &&
	    ((int32_t)(g->tcp.seq -
		 (rcv->ack_seq + rcv->window * rcv->wscale)) >= 0 ||
		(int32_t)(g->tcp.seq - rcv->ack_seq) < 0))
		return true; /* outside the window: libnids drops it */
	if (rcv->ts_on && ack_get_ts(tcp, g->tcp.off, &ts) &&
	    (int32_t)(ts - snd->curr_ts) < 0)
		return true; /* PAWS */
	if ((int32_t)(g->tcp.ack - snd->ack_seq) > 0)
		snd->ack_seq = g->tcp.ack;
	snd->window = g->tcp.window;
	return true;
}

#ifdef REASM_ACK_CHECK
static unsigned long ack_checks;

__attribute__((destructor)) static void
ack_checks_say(void)
{
	if (getenv("REASM_ACK_CHECK_SAY") != NULL)
		fprintf(stderr, "ack_only checked %lu\n", ack_checks);
}

/* Checking build: libnids gets the packet too, and must leave the
 * stream as ack_only() did. */
static bool
ack_only_checked(const struct seg *g, struct tcp_stream *a, int from_client)
{
	struct tcp_stream before = *a, mine;
	bool r = ack_only(g, a, from_client);

	if (!r)
		return false;
	mine = *a;
	*a = before;
	nids_feed_sum(g->ip, g->iplen, g->sum_ok);
	if (memcmp(&mine.client, &a->client, sizeof(a->client)) != 0 ||
	    memcmp(&mine.server, &a->server, sizeof(a->server)) != 0 ||
	    mine.nids_state != a->nids_state) {
		fprintf(stderr, "ack_only differs from libnids\n");
		abort();
	}
	ack_checks++;
	return true;
}
#define ack_only ack_only_checked
#endif

/* A segment on a 4-tuple we do not follow: to libnids, which may open
 * a session with it (the ACK that ends a handshake); a SYN there ends an
 * attempt libnids still tracks. True when data without a handshake
 * picked the connection up (pickup.c): g is to be decided again. */
static __attribute__((noinline)) bool
segment_unfollowed(struct seg *g)
{
	struct tcp_stream *a;

	/* A SYN on a 4-tuple libnids tracks without us (not yet
	 * established): the old attempt is over. */
	if ((g->tcp.flags & (TH_SYN_ | TH_ACK_)) == TH_SYN_) {
		a = stream_lookup(
		    g->saddr, g->tcp.sport, g->daddr, g->tcp.dport);
		if (a != NULL && a->client.seq != g->tcp.seq + 1) {
			R.st.reused++;
			nids_free_tcp_stream(a);
		}
	}
	/* Before libnids, which forgets an attempt the server reset. */
	attempt_segment(g);
	nids_feed_sum(g->ip, g->iplen, g->sum_ok);
	/* The ACK that ends a handshake opens the session. */
	if (R.pkt_time_replaced)
		mark_time_replaced(conn_lookup(
		    g->saddr, g->tcp.sport, g->daddr, g->tcp.dport));
	/* (--ports any: only those on a mail port; the others, whatever
	 * they carry, were never known to be mail.) */
	if (g->datalen > 0 && (g->tcp.flags & (TH_SYN_ | TH_RST_)) == 0 &&
	    (!R.cfg.any_port || port_in(R.cfg.portmap, g->tcp.sport) ||
		port_in(R.cfg.portmap, g->tcp.dport)) &&
	    conn_lookup(g->saddr, g->tcp.sport, g->daddr, g->tcp.dport) ==
		NULL &&
	    seen_insert(
		tuple_key(g->saddr, g->tcp.sport, g->daddr, g->tcp.dport))) {
		/* Data, no handshake: picked up (pickup.c), g again. */
		if (pickup(g))
			return true;
		R.st.no_handshake++;
	}
	return false;
}

/* A SYN held on c (hold_syn()) meets the next segment: the server's
 * SYN-ACK to it makes it a new connection (true: g is dealt with);
 * anything else but the SYN again means the connection goes on. */
static __attribute__((noinline, cold)) bool
held_syn_resolved(
    struct seg *g, struct conn *c, struct tcp_stream *a, int from_client)
{
	if (!from_client &&
	    (g->tcp.flags & (TH_SYN_ | TH_ACK_)) == (TH_SYN_ | TH_ACK_) &&
	    g->tcp.ack == c->held_seq + 1) {
		/* The server took it up: the old connection ended
		 * unseen, this is a new one. */
		uint8_t *syn = c->held_syn;
		size_t len = c->held_len;

		c->held_syn = NULL;
		R.st.reused++;
		conn_close(c, SMTP_SESSION_END_REUSED);
		nids_free_tcp_stream(a);
		nids_feed(syn, len);
		cfree(syn);
		nids_feed_sum(g->ip, g->iplen, g->sum_ok);
		return true;
	}
	if (!(from_client && (g->tcp.flags & (TH_SYN_ | TH_ACK_)) == TH_SYN_ &&
		g->tcp.seq == c->held_seq)) {
		/* The connection goes on: the SYN was not a new
		 * one (Linux answered it with a challenge ACK). */
		cfree(c->held_syn);
		c->held_syn = NULL;
		R.st.syn_ignored++;
		smtp_session_anomaly(
		    c->smtp, SMTP_ANOMALY_SYN_ON_ESTABLISHED, R.now);
	}
	return false;
}

/* A SYN (no ACK) on a followed connection: a retransmission, a SYN to
 * hold while the connection is open (RFC 5961 4), or a new connection
 * on a closing one. */
static __attribute__((noinline, cold)) void
segment_syn(
    struct seg *g, struct conn *c, struct tcp_stream *a, int from_client)
{
	if (from_client && a->client.seq == g->tcp.seq + 1) {
		nids_feed_sum(g->ip, g->iplen, g->sum_ok); /* retransmitted */
		return;
	}
	if (conn_open_both(a)) {
		hold_syn(g, c);
		return;
	}
	/* It was closing: the new SYN opens a new connection. */
	R.st.reused++;
	conn_close(c, SMTP_SESSION_END_REUSED);
	nids_free_tcp_stream(a);
	nids_feed_sum(g->ip, g->iplen, g->sum_ok);
}

/* Bytes (or a FIN) on an established connection: ahead of the next
 * expected byte they wait in order; in order they go to libnids, then
 * what waited behind them. */
static void
segment_data(
    struct seg *g, struct conn *c, struct tcp_stream *a, int from_client)
{
	uint32_t exp = expected_seq(a, from_client);

	if (tcpq_after(g->tcp.seq, exp)) {
		hold_segment(g, c, from_client);
		if ((c = conn_again(g, c)) != NULL)
			fill_gap(c, from_client);
		if ((c = conn_again(g, c)) != NULL)
			drain(g, c, from_client);
		return;
	}
	if (c->ooo[from_client ? 0 : 1].head != NULL &&
	    tcpq_conflicts(&c->ooo[from_client ? 0 : 1], g->tcp.seq,
		g->ip + g->hl + g->tcp.off, g->datalen)) {
		/* Bytes in order that the queued copies contradict:
		 * the receiver keeps these. */
		R.st.ooo_conflicts++;
		smtp_session_anomaly(
		    c->smtp, SMTP_ANOMALY_OVERLAP_CONFLICT, R.now);
	}
	nids_feed_stream(g->ip, g->iplen, g->sum_ok, a);
	if (g->cut > 0 && (c = conn_again(g, c)) != NULL)
		step_cut(g, c, from_client);
	if ((c = conn_again(g, c)) != NULL)
		drain(g, c, from_client);
}

/*
 * A one-sided connection (pickup.c): no receiver will acknowledge past a
 * hole, so a hole is taken as proven once PICKUP_HOLE_SEGMENTS segments
 * (or a FIN) wait behind it: reordering in a capture is shorter than
 * that, a retransmission would have filled it.
 */
#define PICKUP_HOLE_SEGMENTS 3

static __attribute__((noinline)) void
one_sided_step(struct seg *g, struct conn *c, int from_client)
{
	struct tcpq *q = &c->ooo[from_client ? 0 : 1];
	struct half_stream *rcv;
	bool fin = false;
	const struct tcpq_seg *s;

	if ((c = conn_again(g, c)) == NULL || q->head == NULL)
		return;
	for (s = q->head; s != NULL; s = s->next)
		fin |= s->fin;
	if (q->n < PICKUP_HOLE_SEGMENTS && !fin)
		return;
	rcv = from_client ? &c->a_tcp->server : &c->a_tcp->client;
	if (tcpq_before(rcv->ack_seq, q->head->seq))
		rcv->ack_seq = q->head->seq;
	fill_gap(c, from_client);
	if ((c = conn_again(g, c)) != NULL)
		drain(g, c, from_client);
}

/* A segment without bytes: skipped when nothing waits (ack_only()),
 * else to libnids; an ACK may prove a hole in the other direction. */
static void
segment_ack(
    struct seg *g, struct conn *c, struct tcp_stream *a, int from_client)
{
	int other = !from_client;

	if (c->ooo[0].head == NULL && c->ooo[1].head == NULL &&
	    ack_only(g, a, from_client))
		return; /* no hole to prove */
	nids_feed_stream(g->ip, g->iplen, g->sum_ok, a);
	if ((c = conn_again(g, c)) != NULL &&
	    c->ooo[other ? 0 : 1].head != NULL) {
		fill_gap(c, other);
		if ((c = conn_again(g, c)) != NULL)
			drain(g, c, other);
	}
}

/*
 * One TCP segment (in an IPv4 packet, ours or rewritten from IPv6) on a
 * mail port: what a receiver would do with it is decided here, then
 * libnids gets what the receiver keeps, in order.
 */
static bool
tcp_segment_decide(struct seg *g)
{
	const struct conn_slot *e =
	    conn_slot_lookup(g->saddr, g->tcp.sport, g->daddr, g->tcp.dport);
	struct tcp_stream *a;
	struct conn *c;
	int from_client;

	if (e == NULL)
		return segment_unfollowed(g);
	c = e->c;
	a = e->a_tcp;
	g->closes = R.closes;
	from_client =
	    g->saddr == a->addr.saddr && g->tcp.sport == a->addr.source;
	if (R.pkt_time_replaced)
		mark_time_replaced(c);
	if (c->picked)
		pickup_heard(g, c, from_client);
	if (c->jump_seen != R.jump_idle) {
		/* The first packet since the clock jumped: the session
		 * was open across it. */
		c->jump_seen = R.jump_idle;
		smtp_session_anomaly(c->smtp, SMTP_ANOMALY_CLOCK_JUMP, R.now);
	}
	if (c->held_syn != NULL && held_syn_resolved(g, c, a, from_client))
		return false;
	if ((g->tcp.flags & (TH_SYN_ | TH_ACK_)) == TH_SYN_) {
		segment_syn(g, c, a, from_client);
		return false;
	}
	if (g->tcp.flags & TH_RST_) {
		if (!rst_accepted(g, a, from_client)) {
			R.st.rst_ignored++;
			smtp_session_anomaly(
			    c->smtp, SMTP_ANOMALY_RST_IN_WINDOW, R.now);
			return false;
		}
		nids_feed_stream(g->ip, g->iplen, g->sum_ok, a);
		return false;
	}
	if (a->nids_state == NIDS_DATA && !(g->tcp.flags & TH_SYN_) &&
	    g->datalen + g->cut + (g->tcp.flags & TH_FIN_) > 0) {
		bool sided = c->sided;

		segment_data(g, c, a, from_client);
		if (sided)
			one_sided_step(g, c, from_client);
		return false;
	}
	segment_ack(g, c, a, from_client);
	return false;
}

/* A buffer libnids grew for a big segment goes at once. */
static __attribute__((noinline, cold)) void
trim_due(void)
{
	struct conn *c = R.trim_due;

	R.trim_due = NULL;
	half_trim(&c->a_tcp->client, REASM_HALF_KEEP);
	half_trim(&c->a_tcp->server, REASM_HALF_KEEP);
	nids_account(c);
}

void
tcp_segment(struct seg *g)
{
	int round;

	/* Once more for a connection just picked up (pickup.c); one call
	 * site, so that it inlines here. */
	for (round = 0; round < 2 && tcp_segment_decide(g); round++)
		continue;
	if (R.trim_due != NULL)
		trim_due();
}

/* The rest of segment g, whose header decap_tcp() read into g->tcp: its
 * IPv4 packet (ours, or the stand-in of an IPv6 one) that libnids gets,
 * ip, iplen bytes, hl of them its header. False when g->tcp is no whole
 * header (libnids is to be told what is wrong). */
bool
seg_init(struct seg *g, const uint8_t *ip, size_t iplen, size_t hl)
{
	if (!g->tcp.whole)
		return false;
	g->ip = ip;
	g->iplen = iplen;
	g->hl = hl;
	memcpy(&g->saddr, ip + 12, 4);
	memcpy(&g->daddr, ip + 16, 4);
	g->datalen = (uint32_t)(g->tcp.len - g->tcp.off);
	g->cut = 0;
	g->sum_ok = false;
	return true;
}
