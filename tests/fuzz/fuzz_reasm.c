/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the layer that decides what the receiver saw (issue
 * 11) fed sequences of IP fragments and TCP segments built from the
 * input, so that the fuzzer spends its time on overlaps, orders, holes,
 * resets and reused ports instead of on pcap headers. The input is a
 * list of operations (one byte, then its arguments; a missing byte reads
 * 0) on four connections from 10.0.0.1 (two of them over IPv6, from
 * 2001:db8::1), client port 40000 + n, to port 25:
 *
 *   0 handshake        SYN, SYN-ACK, ACK
 *   1 segment          a direction, an offset in its stream, a length,
 *                      flags (PSH, FIN, ACK number), the bytes: the
 *                      stream's own or other ones (a conflicting copy)
 *   2 fragments        a segment sent as 2 to 5 IP fragments (IPv4, or
 *                      IPv6 with a Destination Options header after the
 *                      Fragment header when asked), in an order and with
 *                      overlaps and conflicting copies as the input says
 *   3 RST              at an offset of the sender's stream
 *   4 SYN again        a new ISN on the 4-tuple, a SYN-ACK when asked
 *   5 clock            seconds forward, or an hour back
 *   6 ACK              an acknowledgment number
 *   7 FIN
 *   8 raw bytes        a packet of the input's bytes
 *
 * The oracle (reasm_data_hook): every byte a segment carries is a
 * function of its sequence number (own()), or of it and the copy's
 * being a conflicting one (other()), so a byte the dissector gets at
 * sequence number s must be own(s), or other(s) in a direction that was
 * sent a conflicting copy; nothing else, never a byte from another
 * place. Raw packets (operation 8) could carry anything: the oracle is
 * off after one. Sanitizers check the rest.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "net/decap.h"
#include "net/reasm.h"
#include "sinks/stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NCONN 4
#define MAXSEG 1400

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t
u8(struct in *in)
{
	uint8_t v = 0;

	if (in->n > 0) {
		v = *in->p++;
		in->n--;
	}
	return v;
}

static uint16_t
u16(struct in *in)
{
	uint16_t v = (uint16_t)(u8(in) << 8);

	return (uint16_t)(v | u8(in));
}

static struct {
	uint32_t isn[NCONN][2]; /* [conn][0: client, 1: server] */
	int conflicted[NCONN][2];
	int unchecked;
	double ts;
	uint8_t pkt[70000];
	uint8_t body[70000];
} F;

static uint8_t
own(int conn, int from_client, uint32_t k)
{
	if (k % 40 == 38)
		return '\r';
	if (k % 40 == 39)
		return '\n';
	return (uint8_t)('A' +
	    (k / 40 + (uint32_t)conn * 3 + (from_client ? 0 : 7)) % 26);
}

static uint8_t
other(int conn, int from_client, uint32_t k)
{
	return (uint8_t)(own(conn, from_client, k) | 0x20); /* lower case */
}

static void
check(uint16_t client_port, int from_client, uint32_t seq, const uint8_t *p,
    size_t n)
{
	int conn = client_port - 40000;
	size_t i;

	if (getenv("FUZZ_REASM_SHOW") != NULL)
		fprintf(stderr, "conn %d %s seq %u: %zu bytes\n", conn,
		    from_client ? "client" : "server", seq, n);
	if (F.unchecked)
		return;
	if (conn < 0 || conn >= NCONN)
		abort(); /* a connection the input never made */
	for (i = 0; i < n; i++) {
		uint32_t k = seq + (uint32_t)i;

		if (p[i] == own(conn, from_client, k))
			continue;
		if (F.conflicted[conn][from_client ? 0 : 1] &&
		    p[i] == other(conn, from_client, k))
			continue;
		fprintf(stderr, "conn %d %s seq %u: byte 0x%02x, want 0x%02x\n",
		    conn, from_client ? "client" : "server", k, p[i],
		    own(conn, from_client, k));
		abort();
	}
}

static int
is_v6(int conn)
{
	return conn >= 2;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* FUZZ_REASM_PCAP=FILE: the packets of the inputs run are also written
 * to FILE (raw IP), to replay a finding with smtpscope -r. */
static FILE *dump;

static void
dump_pkt(size_t len)
{
	static int tried;
	uint32_t h[4];

	if (!tried) {
		const char *name = getenv("FUZZ_REASM_PCAP");
		static const uint32_t gh[6] = { 0xa1b2c3d4, 2 | 4u << 16, 0, 0,
			65535, 101 };

		tried = 1;
		if (name != NULL && (dump = fopen(name, "wb")) != NULL)
			fwrite(gh, sizeof(gh), 1, dump);
	}
	if (dump == NULL)
		return;
	h[0] = (uint32_t)F.ts;
	h[1] = (uint32_t)((F.ts - (double)h[0]) * 1e6);
	h[2] = h[3] = (uint32_t)len;
	fwrite(h, sizeof(h), 1, dump);
	fwrite(F.pkt, len, 1, dump);
	fflush(dump);
}

static void
send_pkt(size_t len)
{
	dump_pkt(len);
	reasm_packet(DECAP_LINKTYPE_RAW, F.ts, F.pkt, len, (uint32_t)len);
	F.ts += 0.001;
}

/* The IP header for conn (direction from_client) before a payload of
 * plen bytes of protocol proto; returns its length. */
static size_t
ip_header(uint8_t *h, int conn, int from_client, size_t plen, uint8_t proto,
    uint16_t id, uint16_t frag)
{
	if (!is_v6(conn)) {
		uint32_t sum = 0;
		int i;

		memset(h, 0, 20);
		h[0] = 0x45;
		put16(h + 2, (uint16_t)(20 + plen));
		put16(h + 4, id);
		put16(h + 6, frag);
		h[8] = 64;
		h[9] = proto;
		h[12] = 10, h[15] = from_client ? 1 : 2;
		h[16] = 10, h[19] = from_client ? 2 : 1;
		for (i = 0; i < 20; i += 2)
			sum += (uint32_t)(h[i] << 8 | h[i + 1]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		put16(h + 10, (uint16_t)~sum);
		return 20;
	}
	memset(h, 0, 40);
	h[0] = 0x60;
	put16(h + 4, (uint16_t)plen);
	h[6] = proto;
	h[7] = 64;
	h[8] = 0x20, h[9] = 0x01, h[10] = 0x0d, h[11] = 0xb8;
	h[23] = from_client ? 1 : 2;
	h[24] = 0x20, h[25] = 0x01, h[26] = 0x0d, h[27] = 0xb8;
	h[39] = from_client ? 2 : 1;
	return 40;
}

/* A TCP segment into F.body: returns its length. */
static size_t
tcp_segment(int conn, int from_client, uint32_t seq, uint32_t ack,
    uint8_t flags, size_t len, int conflict)
{
	uint8_t *t = F.body;
	size_t i;

	memset(t, 0, 20);
	put16(t, (uint16_t)(from_client ? 40000 + conn : 25));
	put16(t + 2, (uint16_t)(from_client ? 25 : 40000 + conn));
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 65535);
	for (i = 0; i < len; i++)
		t[20 + i] = conflict
		    ? other(conn, from_client, seq + (uint32_t)i)
		    : own(conn, from_client, seq + (uint32_t)i);
	if (conflict && len > 0)
		F.conflicted[conn][from_client ? 0 : 1] = 1;
	return 20 + len;
}

static void
send_tcp(int conn, size_t tlen, int from_client)
{
	size_t hl = ip_header(F.pkt, conn, from_client, tlen, 6, 1, 0x4000);

	memcpy(F.pkt + hl, F.body, tlen);
	send_pkt(hl + tlen);
}

static uint32_t
seq_of(int conn, int from_client, uint64_t off)
{
	return F.isn[conn][from_client ? 0 : 1] + 1 + (uint32_t)off;
}

static void
handshake(int conn)
{
	send_tcp(conn, tcp_segment(conn, 1, F.isn[conn][0], 0, 0x02, 0, 0), 1);
	send_tcp(conn,
	    tcp_segment(
		conn, 0, F.isn[conn][1], F.isn[conn][0] + 1, 0x12, 0, 0),
	    0);
	send_tcp(conn,
	    tcp_segment(
		conn, 1, seq_of(conn, 1, 0), seq_of(conn, 0, 0), 0x10, 0, 0),
	    1);
}

/*
 * The TCP segment in F.body (tlen bytes) as 2 to 5 IP fragments: their
 * boundaries (multiples of 8), the order they go in, overlaps (a
 * fragment reaching 8 bytes into the next) and conflicting copies (a
 * fragment's data bytes changed, sent before it) as the input says.
 * IPv6: the fragmentable part may start with a Destination Options
 * header, as RFC 8200 allows.
 */
static void
fragments(struct in *in, int conn, int from_client, size_t tlen)
{
	static uint32_t ident = 1;
	static uint8_t part[70000];
	size_t cut[6], n = 2 + u8(in) % 4, i, k, total, ext, data0;
	uint8_t order = u8(in), mode = u8(in);
	int v6 = is_v6(conn);
	uint32_t id = ident++;

	ext = v6 && (mode & 1) ? 8 : 0;
	if (ext) {
		memset(part, 0, 8);
		part[0] = 6; /* next: TCP */
		part[2] = 1; /* PadN, 4 bytes */
		part[3] = 4;
	}
	memcpy(part + ext, F.body, tlen);
	total = ext + tlen;
	data0 = ext + 20; /* where the segment's data starts */
	cut[0] = 0;
	for (i = 1; i < n; i++) {
		size_t at = (total / 8) ? (u8(in) % (total / 8)) * 8 : 0;

		cut[i] = at < cut[i - 1] ? cut[i - 1] : at;
	}
	cut[n] = total;
	for (k = 0; k < n; k++) {
		size_t j = (k + order) % n, from = cut[j], to = cut[j + 1];
		size_t hl, plen;
		int more = j + 1 < n;

		if (more && (mode & 2) && to + 8 <= total)
			to += 8; /* an overlap into the next fragment */
		plen = to - from;
		if (plen == 0 && !(mode & 8))
			continue; /* empty fragments only when asked */
		if (v6) {
			hl = ip_header(
			    F.pkt, conn, from_client, 8 + plen, 44, 0, 0);
			F.pkt[hl] = ext ? 60 : 6;
			F.pkt[hl + 1] = 0;
			put16(
			    F.pkt + hl + 2, (uint16_t)(from | (more ? 1 : 0)));
			put32(F.pkt + hl + 4, id);
			hl += 8;
		} else {
			hl = ip_header(F.pkt, conn, from_client, plen, 6,
			    (uint16_t)id,
			    (uint16_t)((from / 8) | (more ? 0x2000 : 0)));
		}
		memcpy(F.pkt + hl, part + from, plen);
		if ((mode & 4) && from >= data0 && plen > 0) {
			/* A conflicting copy first: the data's bytes are
			 * other()'s (own() never has bit 5 set). */
			size_t q;

			for (q = 0; q < plen; q++)
				F.pkt[hl + q] |= 0x20;
			F.conflicted[conn][from_client ? 0 : 1] = 1;
			send_pkt(hl + plen);
			memcpy(F.pkt + hl, part + from, plen);
		}
		send_pkt(hl + plen);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t portmap[8192], tlsmap[8192];
	static struct stats st;
	struct in in = { data, size };
	struct reasm_config rc;
	struct event_bus bus;
	char err[256];
	int steps = 0;
	static int ready;

	portmap[25 >> 3] |= 1u << (25 & 7);
	memset(&F.conflicted, 0, sizeof(F.conflicted));
	F.unchecked = 0;
	F.ts = 1700000000.0;
	F.isn[0][0] = 1000, F.isn[0][1] = 900000;
	F.isn[1][0] = 0xfffff000u, F.isn[1][1] = 0xffffff00u; /* wrap */
	F.isn[2][0] = 0x7fffffffu, F.isn[2][1] = 77;
	F.isn[3][0] = 123456789, F.isn[3][1] = 0x80000000u;

	if (!ready) {
		stats_init(&st);
		ready = 1;
	}
	memset(&bus, 0, sizeof(bus));
	event_bus_subscribe(&bus, stats_on_event, &st);
	memset(&rc, 0, sizeof(rc));
	rc.portmap = portmap;
	rc.tlsmap = tlsmap;
	rc.max_sessions = 16;
	rc.idle_timeout = 600;
	rc.v6_max = 16;
	rc.bus = &bus;
	if (reasm_init(&rc, err, sizeof(err)) != 0)
		return 0;
	reasm_data_hook = check;

	while (in.n > 0 && steps++ < 4096) {
		uint8_t op = u8(&in), a = u8(&in);
		int conn = a % NCONN, fc = !(a & 4);
		uint16_t off, ackoff;
		size_t len, tlen;
		uint8_t flags;

		switch (op % 9) {
		case 0:
			handshake(conn);
			break;
		case 1:
		case 2:
			off = u16(&in);
			len = u16(&in) % (MAXSEG + 1);
			flags = u8(&in);
			ackoff = u16(&in);
			tlen = tcp_segment(conn, fc, seq_of(conn, fc, off),
			    seq_of(conn, !fc, ackoff),
			    (uint8_t)(0x10 | (flags & 0x09)), len,
			    (flags & 0x80) != 0);
			if (op % 9 == 1)
				send_tcp(conn, tlen, fc);
			else
				fragments(&in, conn, fc, tlen);
			break;
		case 3:
			off = u16(&in);
			send_tcp(conn,
			    tcp_segment(
				conn, fc, seq_of(conn, fc, off), 0, 0x04, 0, 0),
			    fc);
			break;
		case 4:
			F.isn[conn][0] += 100000u + u8(&in);
			send_tcp(conn,
			    tcp_segment(conn, 1, F.isn[conn][0], 0, 0x02, 0, 0),
			    1);
			if (a & 8) {
				F.isn[conn][1] += 77777u;
				send_tcp(conn,
				    tcp_segment(conn, 0, F.isn[conn][1],
					F.isn[conn][0] + 1, 0x12, 0, 0),
				    0);
			}
			break;
		case 5:
			F.ts += (a & 0x80) ? -3600.0 : (double)(a & 0x7f);
			break;
		case 6:
		case 7:
			off = u16(&in);
			ackoff = u16(&in);
			send_tcp(conn,
			    tcp_segment(conn, fc, seq_of(conn, fc, off),
				seq_of(conn, !fc, ackoff),
				op % 9 == 6 ? 0x10 : 0x11, 0, 0),
			    fc);
			break;
		default:
			len = u8(&in);
			if (len > in.n)
				len = in.n;
			memcpy(F.pkt, in.p, len);
			in.p += len;
			in.n -= len;
			F.unchecked = 1;
			send_pkt(len);
			break;
		}
	}
	reasm_finish();
	reasm_data_hook = NULL;
	return 0;
}
