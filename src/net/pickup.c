/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Connections picked up mid-stream. libnids follows only a connection
 * whose handshake it saw; for one whose bytes come without it (the
 * capture began while it was open, or only one side of it is captured)
 * we make the handshake it needs from the sequence numbers of the first
 * data segment: a SYN, a SYN-ACK and an ACK, fed to libnids only (they
 * are never written anywhere: no output of ours copies the packets
 * libnids gets). Then the segment goes its ordinary way. Which end is
 * the server: the mail port's; with mail ports at both ends, what the
 * bytes say (a reply comes from the server), else the lower port.
 *
 * One-sided connections: a packet that acknowledges bytes of the other
 * side that were never captured, while not one packet of that side was,
 * shows that side is missing from the capture; so does the end of a
 * connection with no packet of one side at all. The dissector is told
 * once (smtp_session_one_sided()).
 */
#include <string.h>

#include "event/dissector.h"
#include "lib/util.h"
#include "net/reasm_int.h"

/* The window scale the synthetic handshake offers (RFC 7323's largest):
 * libnids then checks the segments of both sides against a window of a
 * GiB, whatever scale the real ends agreed on. */
#define PICKUP_WSCALE 14

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* One synthetic segment to libnids (a SYN and a SYN-ACK carry the window
 * scale option). */
static void
synth_segment(uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport,
    uint32_t seq, uint32_t ack, uint8_t flags)
{
	uint8_t p[44];
	size_t len = (flags & TH_SYN_) ? 44 : 40;

	memset(p, 0, sizeof(p));
	p[0] = 0x45;
	put16(p + 2, (uint16_t)len);
	put16(p + 6, 0x4000); /* DF */
	p[8] = 64;
	p[9] = 6;
	memcpy(p + 12, &saddr, 4);
	memcpy(p + 16, &daddr, 4);
	put16(p + 10, ipv4_header_sum(p, 20));
	put16(p + 20, sport);
	put16(p + 22, dport);
	put32(p + 24, seq);
	put32(p + 28, ack);
	p[32] = (uint8_t)(((len - 20) / 4) << 4);
	p[33] = flags;
	put16(p + 34, 0xffff);
	if (flags & TH_SYN_) {
		p[40] = 3; /* window scale */
		p[41] = 3;
		p[42] = PICKUP_WSCALE;
		p[43] = 0; /* end of options */
	}
	nids_feed(p, len);
}

/* A reply line's start: three digits, the first 2 to 5, then a space, a
 * dash or the line's end. */
static bool
looks_like_reply(const uint8_t *p, size_t n)
{
	return n >= 4 && p[0] >= '2' && p[0] <= '5' && ascii_isdigit(p[1]) &&
	    ascii_isdigit(p[2]) &&
	    (p[3] == ' ' || p[3] == '-' || p[3] == '\r' || p[3] == '\n');
}

/* Whether the sender of g is the client. */
static bool
sender_is_client(const struct seg *g)
{
	bool s_mail = port_in(R.cfg.portmap, g->tcp.sport);
	bool d_mail = port_in(R.cfg.portmap, g->tcp.dport);

	if (d_mail != s_mail)
		return d_mail;
	if (looks_like_reply(g->ip + g->hl + g->tcp.off, g->datalen))
		return false;
	return g->tcp.sport >= g->tcp.dport;
}

/*
 * A data segment on a connection nobody follows (its handshake was not
 * seen): its handshake made up and fed to libnids. True when libnids
 * follows it now, as a session (the caller passes g on again).
 */
__attribute__((noinline)) bool
pickup(struct seg *g)
{
	uint32_t caddr, saddr, cisn, sisn;
	uint16_t cport, sport;
	struct tcp_stream *a;
	struct conn *c;
	bool from_client, start[2] = { false, false };

	if (R.cfg.no_midstream || g->datalen == 0 ||
	    (g->tcp.flags & (TH_SYN_ | TH_RST_ | TH_ACK_)) != TH_ACK_)
		return false;
	from_client = sender_is_client(g);
	if (from_client) {
		caddr = g->saddr, cport = g->tcp.sport;
		saddr = g->daddr, sport = g->tcp.dport;
		cisn = g->tcp.seq - 1;
		sisn = g->tcp.ack - 1;
	} else {
		caddr = g->daddr, cport = g->tcp.dport;
		saddr = g->saddr, sport = g->tcp.sport;
		sisn = g->tcp.seq - 1;
		cisn = g->tcp.ack - 1;
	}
	/* A handshake libnids began and never finished (one side of it not
	 * captured): what it saw of it says where the streams start. */
	a = stream_lookup(caddr, cport, saddr, sport);
	if (a != NULL) {
		if (a->client.state == TCP_SYN_SENT)
			start[SMTP_DIR_CLIENT] = cisn + 1 == a->client.seq;
		if (a->server.state == TCP_SYN_RECV)
			start[SMTP_DIR_SERVER] = sisn + 1 == a->server.seq;
		nids_free_tcp_stream(a);
	}
	if ((a = stream_lookup(saddr, sport, caddr, cport)) != NULL)
		nids_free_tcp_stream(a);
	R.picking = true;
	R.pick_start[0] = start[0];
	R.pick_start[1] = start[1];
	synth_segment(caddr, cport, saddr, sport, cisn, 0, TH_SYN_);
	synth_segment(
	    saddr, sport, caddr, cport, sisn, cisn + 1, TH_SYN_ | TH_ACK_);
	synth_segment(caddr, cport, saddr, sport, cisn + 1, sisn + 1, TH_ACK_);
	R.picking = false;
	c = conn_lookup(caddr, cport, saddr, sport);
	if (c == NULL)
		return false;
	c->picked = true;
	R.st.midstream++;
	return true;
}

/* Said once: the side never captured. */
static void
one_sided(struct conn *c, int missing_client)
{
	c->sided = true;
	if (missing_client)
		R.st.one_sided_server++;
	else
		R.st.one_sided_client++;
	smtp_session_one_sided(
	    c->smtp, missing_client ? SMTP_DIR_CLIENT : SMTP_DIR_SERVER, R.now);
}

/* A packet of a picked-up connection, before it goes on: from which
 * side; whether it shows the other side missing; for a one-sided one,
 * the missing receiver acknowledges what it is sent (libnids checks the
 * sender's bytes against what the receiver acknowledged). */
__attribute__((noinline)) void
pickup_heard(struct seg *g, struct conn *c, int from_client)
{
	struct tcp_stream *a = c->a_tcp;
	struct half_stream *other = from_client ? &a->server : &a->client;
	uint8_t me = from_client ? PICK_HEARD_CLIENT : PICK_HEARD_SERVER;
	uint8_t them = from_client ? PICK_HEARD_SERVER : PICK_HEARD_CLIENT;
	uint32_t exp;

	c->heard |= me;
	c->heard_packets++;
	if (!c->sided && !(c->heard & them) && (g->tcp.flags & TH_ACK_) &&
	    tcpq_after(g->tcp.ack, other->first_data_seq))
		one_sided(c, !from_client);
	if (!c->sided || (c->heard & them))
		return;
	exp = expected_seq(a, from_client);
	if (tcpq_after(exp, other->ack_seq))
		other->ack_seq = exp;
}

/* A picked-up connection ends: a side never heard from is missing;
 * unless it ends at its first packet (evicted at once, at
 * --max-sessions), which says nothing of the other side. */
__attribute__((noinline)) void
pickup_close(struct conn *c)
{
	if (c->sided || c->heard == (PICK_HEARD_CLIENT | PICK_HEARD_SERVER) ||
	    c->heard_packets < 2)
		return;
	if (c->heard == PICK_HEARD_CLIENT)
		one_sided(c, 0);
	else if (c->heard == PICK_HEARD_SERVER)
		one_sided(c, 1);
}
