/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for src/net/decap.c: hand-built frames under every link type,
 * every truncation of each, mutated copies, and random bytes.  Each
 * packet is copied into a malloc'd buffer of exactly its length so that
 * AddressSanitizer catches any read past caplen.
 *
 * cc -std=c11 -Wall -Wextra -Isrc tests/unit/test_decap.c src/net/decap.c
 */
#include "net/decap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define LT_NULL 0
#define LT_ETHERNET 1
#define LT_RAW_12 12
#define LT_RAW_14 14
#define LT_RAW 101
#define LT_LOOP 108
#define LT_SLL 113
#define LT_IPV4 228
#define LT_IPV6 229
#define LT_SLL2 276

#ifndef FUZZ_PACKETS
#define FUZZ_PACKETS 100000 /* random packets per link type */
#endif
#define FUZZ_MAXLEN 200
#define MUTANTS 3000

/*
 * What decap_packet() must say about a whole test frame.  For a frame
 * expected to decode, hdr_end is where the headers end (l4, or the end
 * of the fragment header of a non-first fragment): shorter captures
 * must be DECAP_TRUNCATED, longer ones must decode the same way.
 */
struct expect {
	enum decap_status st;
	int version;
	uint8_t proto;
	size_t l3_off;
	size_t hdr_end;
	bool l4_null;
	size_t ip_end;
	bool fragment;
	bool frag_more;
	uint32_t frag_id;
	uint16_t frag_offset;
	size_t v6_unfrag_len;
	size_t frag_data_off;
	unsigned vlan_depth;
	uint16_t vlan_id[DECAP_MAX_VLAN];
	unsigned mpls_depth;
	bool pppoe;
};

struct tcase {
	char name[96];
	int linktype;
	uint8_t pkt[1024];
	size_t len;
	struct expect e;
};

static const char payload[] = "EHLO client.example.org\r\n";
#define PAYLOAD_LEN (sizeof(payload) - 1)
#define TCP_HLEN 20

/* Test bookkeeping. */

static void
report(const char *fmt, ...)
{
	va_list ap;

	fputs("test_decap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A small deterministic PRNG (xorshift64*), fixed seed. */
static uint64_t rng_state = 0x5eed5eed12345678ULL;

static uint32_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

/* Frame building. */

static void
tc_init(struct tcase *t, int linktype, const char *fmt, ...)
{
	va_list ap;

	memset(t, 0, sizeof(*t));
	t->linktype = linktype;
	va_start(ap, fmt);
	vsnprintf(t->name, sizeof(t->name), fmt, ap);
	va_end(ap);
	t->e.st = DECAP_OK;
}

static void
put8(struct tcase *t, unsigned v)
{
	if (t->len >= sizeof(t->pkt)) {
		report("%s: test frame too long", t->name);
		abort();
	}
	t->pkt[t->len++] = (uint8_t)v;
}

static void
put16(struct tcase *t, unsigned v)
{
	put8(t, v >> 8 & 0xff);
	put8(t, v & 0xff);
}

static void
put32(struct tcase *t, uint32_t v)
{
	put16(t, v >> 16);
	put16(t, v & 0xffff);
}

static void
put32le(struct tcase *t, uint32_t v)
{
	put8(t, v & 0xff);
	put8(t, v >> 8 & 0xff);
	put8(t, v >> 16 & 0xff);
	put8(t, v >> 24);
}

static void
putn(struct tcase *t, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		put8(t, b[i]);
}

static void
patch16(struct tcase *t, size_t off, unsigned v)
{
	t->pkt[off] = (uint8_t)(v >> 8);
	t->pkt[off + 1] = (uint8_t)v;
}

static void
eth(struct tcase *t, unsigned type)
{
	static const uint8_t dst[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
	static const uint8_t src[6] = { 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30 };

	putn(t, dst, sizeof(dst));
	putn(t, src, sizeof(src));
	put16(t, type);
}

static void
vlan(struct tcase *t, unsigned pcp, unsigned vid, unsigned type)
{
	put16(t, pcp << 13 | vid);
	put16(t, type);
	if (t->e.vlan_depth < DECAP_MAX_VLAN)
		t->e.vlan_id[t->e.vlan_depth] = (uint16_t)vid;
	t->e.vlan_depth++;
}

static void
mpls(struct tcase *t, uint32_t label, bool bos)
{
	put32(t, label << 12 | (bos ? 0x100u : 0) | 64);
	t->e.mpls_depth++;
}

static void
pppoe(struct tcase *t, unsigned pppproto, size_t paylen)
{
	put8(t, 0x11);
	put8(t, 0x00);
	put16(t, 0x1234);
	put16(t, (unsigned)paylen + 2);
	put16(t, pppproto);
	t->e.pppoe = true;
}

static void
sll(struct tcase *t, unsigned proto)
{
	static const uint8_t addr[8] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };

	put16(t, 0); /* packet type: to us */
	put16(t, 1); /* ARPHRD_ETHER */
	put16(t, 6); /* address length */
	putn(t, addr, sizeof(addr));
	put16(t, proto);
}

static void
sll2(struct tcase *t, unsigned proto)
{
	static const uint8_t addr[8] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };

	put16(t, proto);
	put16(t, 0); /* reserved */
	put32(t, 3); /* interface index */
	put16(t, 1); /* ARPHRD_ETHER */
	put8(t, 0);  /* packet type */
	put8(t, 6);  /* address length */
	putn(t, addr, sizeof(addr));
}

/* An 802.2 LLC/SNAP header with the RFC 1042 OUI. */
static void
snap(struct tcase *t, unsigned type)
{
	put8(t, 0xaa);
	put8(t, 0xaa);
	put8(t, 0x03);
	put8(t, 0x00);
	put8(t, 0x00);
	put8(t, 0x00);
	put16(t, type);
}

static void
tcp(struct tcase *t, bool with_payload)
{
	put16(t, 49152);      /* source port */
	put16(t, 25);         /* destination port */
	put32(t, 0x01020304); /* seq */
	put32(t, 0x05060708); /* ack */
	put8(t, 5 << 4);      /* data offset */
	put8(t, 0x18);        /* PSH|ACK */
	put16(t, 65535);      /* window */
	put16(t, 0);          /* checksum */
	put16(t, 0);          /* urgent */
	if (with_payload)
		putn(t, payload, PAYLOAD_LEN);
}

/*
 * IPv4 + TCP.  optwords: 32-bit words of options; frag: the 16-bit
 * flags/offset field.
 */
static void
ip4_tcp_frag(struct tcase *t, unsigned optwords, unsigned frag, unsigned ident,
    bool with_payload)
{
	size_t start = t->len, hlen = 20 + 4 * (size_t)optwords;
	unsigned i;

	t->e.version = 4;
	t->e.proto = 6;
	t->e.l3_off = start;
	put8(t, 0x40 | (5 + optwords));
	put8(t, 0);  /* TOS */
	put16(t, 0); /* total length, patched below */
	put16(t, ident);
	put16(t, frag);
	put8(t, 64);          /* TTL */
	put8(t, 6);           /* TCP */
	put16(t, 0);          /* checksum */
	put32(t, 0xc0000201); /* 192.0.2.1 */
	put32(t, 0xc6336402); /* 198.51.100.2 */
	for (i = 0; i < optwords; i++)
		put32(t, i + 1 < optwords ? 0x01010101 : 0x01010100);
	tcp(t, with_payload);
	patch16(t, start + 2, (unsigned)(t->len - start));

	t->e.ip_end = t->len;
	t->e.hdr_end = start + hlen;
	t->e.frag_id = ident;
	t->e.frag_offset = frag & 0x1fff;
	t->e.frag_more = (frag & 0x2000) != 0;
	t->e.fragment = t->e.frag_more || t->e.frag_offset != 0;
	t->e.frag_data_off = t->e.fragment ? hlen : 0;
	t->e.l4_null = t->e.frag_offset != 0;
}

static void
ip4_tcp(struct tcase *t)
{
	ip4_tcp_frag(t, 0, 0x4000, 0x1234, true); /* DF */
}

/*
 * IPv6 + extension headers (given by protocol number) + TCP.  Each
 * fragment header gets fragoff/more.
 */
static void
ip6_tcp_ext(struct tcase *t, const uint8_t *ext, size_t next, unsigned fragoff,
    bool more)
{
	size_t start = t->len, i, j, hlen;
	uint8_t nh;

	t->e.version = 6;
	t->e.proto = 6;
	t->e.l3_off = start;
	put32(t, 0x60000000 | 0x12345); /* version, class, flow label */
	put16(t, 0);                    /* payload length, patched below */
	put8(t, next > 0 ? ext[0] : 6);
	put8(t, 64);          /* hop limit */
	put32(t, 0x20010db8); /* 2001:db8::1 */
	put32(t, 0);
	put32(t, 0);
	put32(t, 1);
	put32(t, 0x20010db8); /* 2001:db8::2 */
	put32(t, 0);
	put32(t, 0);
	put32(t, 2);
	t->e.hdr_end = 0;
	for (i = 0; i < next; i++) {
		nh = i + 1 < next ? ext[i + 1] : 6;
		switch (ext[i]) {
		case 44:
			if (!t->e.fragment) {
				t->e.fragment = true;
				t->e.v6_unfrag_len = t->len - start;
				t->e.frag_data_off = t->len - start + 8;
				t->e.frag_offset = (uint16_t)fragoff;
				t->e.frag_more = more;
				t->e.frag_id = 0xdeadbeef;
			}
			put8(t, nh);
			put8(t, 0);
			put16(t, fragoff << 3 | (more ? 1 : 0));
			put32(t, 0xdeadbeef);
			if (fragoff != 0 && t->e.hdr_end == 0) {
				t->e.hdr_end = t->len;
				t->e.l4_null = true;
				t->e.proto = nh;
			}
			break;
		case 51: /* AH: 24 bytes, length in 4-byte units - 2 */
			put8(t, nh);
			put8(t, 24 / 4 - 2);
			put16(t, 0);
			put32(t, 0x1000); /* SPI */
			put32(t, 1);      /* sequence */
			for (j = 0; j < 12; j++)
				put8(t, 0xa5); /* ICV */
			break;
		default: /* options or routing: 8 * (i % 3 + 1) bytes */
			hlen = 8 * (i % 3 + 1);
			put8(t, nh);
			put8(t, (unsigned)(hlen / 8 - 1));
			if (ext[i] == 43) {
				put8(t, 4); /* segment routing */
				put8(t, 0); /* segments left */
				j = 4;
			} else {
				put8(t, 1); /* PadN */
				put8(t, (unsigned)(hlen - 4));
				j = 4;
			}
			for (; j < hlen; j++)
				put8(t, 0);
			break;
		}
	}
	if (t->e.hdr_end == 0)
		t->e.hdr_end = t->len;
	tcp(t, true);
	patch16(t, start + 4, (unsigned)(t->len - start - 40));
	t->e.ip_end = t->len;
}

static void
ip6_tcp(struct tcase *t)
{
	ip6_tcp_ext(t, NULL, 0, 0, false);
}

/* Checks. */

/* The properties every answer must have, whatever the input. */
static bool
check_sane(const char *name, const uint8_t *p, size_t n, enum decap_status st,
    const struct decap_packet *d)
{
	const uint8_t *end = p + n;

	if (st != DECAP_OK && st != DECAP_NOT_IP && st != DECAP_TRUNCATED &&
	    st != DECAP_BAD_HEADER && st != DECAP_UNSUPPORTED) {
		report("%s (caplen %zu): status %d out of range", name, n,
		    (int)st);
		return false;
	}
	if (d->vlan_depth > DECAP_MAX_VLAN || d->mpls_depth > DECAP_MAX_MPLS) {
		report("%s (caplen %zu): vlan_depth %u mpls_depth %u", name, n,
		    d->vlan_depth, d->mpls_depth);
		return false;
	}
	if (st != DECAP_OK)
		return true;
	if ((d->ip_version != 4 && d->ip_version != 6) || d->l3 == NULL ||
	    d->l3 < p || d->l3 > end || d->l3_len > (size_t)(end - d->l3) ||
	    d->l3_offset != (size_t)(d->l3 - p)) {
		report("%s (caplen %zu): l3 outside the capture", name, n);
		return false;
	}
	if (d->l4 == NULL) {
		if (d->l4_len != 0 || !d->fragment || d->frag_offset == 0) {
			report("%s (caplen %zu): l4 NULL but not a non-first "
			       "fragment",
			    name, n);
			return false;
		}
	} else if (d->l4 < d->l3 || d->l4 > d->l3 + d->l3_len ||
	    d->l4_len != (size_t)(d->l3 + d->l3_len - d->l4) ||
	    d->l4_len > (size_t)(end - d->l4)) {
		report("%s (caplen %zu): l4 outside the IP packet "
		       "(l4_len %zu)",
		    name, n, d->l4_len);
		return false;
	}
	if (d->ip_version == 6 && d->fragment &&
	    (d->v6_unfrag_len < 40 || d->v6_unfrag_len + 8 > d->l3_len ||
		d->frag_data_off != d->v6_unfrag_len + 8)) {
		report("%s (caplen %zu): v6_unfrag_len %zu", name, n,
		    d->v6_unfrag_len);
		return false;
	}
	return true;
}

#define EXPECT(cond) \
	do { \
		if (!(cond)) { \
			report("%s (caplen %zu): %s", t->name, n, #cond); \
			ok = false; \
		} \
	} while (0)

/* The answer for the first n bytes of test frame t. */
static bool
check_case(const struct tcase *t, size_t n, const uint8_t *p,
    enum decap_status st, const struct decap_packet *d)
{
	const struct expect *e = &t->e;
	bool ok = true;
	size_t end;
	unsigned i;

	if (!check_sane(t->name, p, n, st, d))
		return false;
	if (e->st != DECAP_OK) {
		if (n == t->len)
			EXPECT(st == e->st);
		else
			EXPECT(st == e->st || st == DECAP_TRUNCATED);
		if (!ok)
			report("%s (caplen %zu): got %s, expected %s", t->name,
			    n, decap_status_name(st), decap_status_name(e->st));
		return ok;
	}
	if (n < e->hdr_end) {
		EXPECT(st == DECAP_TRUNCATED);
		if (!ok)
			report("%s (caplen %zu): got %s", t->name, n,
			    decap_status_name(st));
		return ok;
	}
	EXPECT(st == DECAP_OK);
	if (!ok) {
		report("%s (caplen %zu): got %s", t->name, n,
		    decap_status_name(st));
		return false;
	}
	end = n < e->ip_end ? n : e->ip_end;
	EXPECT(d->ip_version == e->version);
	EXPECT(d->l3 == p + e->l3_off);
	EXPECT(d->l3_offset == e->l3_off);
	EXPECT(d->l3_len == end - e->l3_off);
	EXPECT(d->l4_proto == e->proto);
	if (e->l4_null) {
		EXPECT(d->l4 == NULL);
		EXPECT(d->l4_len == 0);
	} else {
		EXPECT(d->l4 == p + e->hdr_end);
		EXPECT(d->l4_len == end - e->hdr_end);
	}
	EXPECT(d->fragment == e->fragment);
	EXPECT(d->frag_data_off == e->frag_data_off);
	if (e->fragment) {
		EXPECT(d->frag_id == e->frag_id);
		EXPECT(d->frag_offset == e->frag_offset);
		EXPECT(d->frag_more == e->frag_more);
		if (e->version == 6)
			EXPECT(d->v6_unfrag_len == e->v6_unfrag_len);
	}
	EXPECT(d->vlan_depth == e->vlan_depth);
	for (i = 0; i < e->vlan_depth && i < DECAP_MAX_VLAN; i++)
		EXPECT(d->vlan_id[i] == e->vlan_id[i]);
	EXPECT(d->mpls_depth == e->mpls_depth);
	EXPECT(d->pppoe == e->pppoe);
	return ok;
}

/* decap_packet() on an exact-size heap copy of p[0 .. n). */
static enum decap_status
run(int linktype, const uint8_t *p, size_t n, uint8_t **copy,
    struct decap_packet *d)
{
	*copy = malloc(n);
	if (*copy == NULL && n > 0) {
		perror("malloc");
		exit(2);
	}
	if (n > 0)
		memcpy(*copy, p, n);
	return decap_packet(linktype, *copy, n, d);
}

/* The frame, every truncation of it, and mutated copies. */
static void
run_case(const struct tcase *t)
{
	struct decap_packet d;
	enum decap_status st;
	uint8_t *copy, mut[sizeof(t->pkt)];
	size_t n, k, nmut;
	unsigned i;
	bool ok;

	for (n = 0; n <= t->len; n++) {
		st = run(t->linktype, t->pkt, n, &copy, &d);
		CHECKF(check_case(t, n, copy, st, &d), "%s (caplen %zu)",
		    t->name, n);
		free(copy);
	}

	ok = true;
	for (i = 0; i < MUTANTS; i++) {
		memcpy(mut, t->pkt, t->len);
		nmut = 1 + rng() % 4;
		for (k = 0; k < nmut && t->len > 0; k++)
			mut[rng() % t->len] = (uint8_t)rng();
		n = rng() % (t->len + 1);
		st = run(t->linktype, mut, n, &copy, &d);
		if (!check_sane(t->name, copy, n, st, &d))
			ok = false;
		free(copy);
	}
	CHECKF(ok, "%s: %d mutants", t->name, MUTANTS);
}

/* Test frames. */

static void
case_ip_under_linktypes(void)
{
	static const int raw[] = { LT_RAW, LT_RAW_12, LT_RAW_14 };
	static const uint32_t af6[] = { 24, 28, 30, 10 };
	struct tcase t;
	size_t i;
	int big;

	tc_init(&t, LT_ETHERNET, "ethernet ipv4");
	eth(&t, 0x0800);
	ip4_tcp(&t);
	run_case(&t);
	tc_init(&t, LT_ETHERNET, "ethernet ipv6");
	eth(&t, 0x86dd);
	ip6_tcp(&t);
	run_case(&t);

	for (i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
		tc_init(&t, raw[i], "raw(%d) ipv4", raw[i]);
		ip4_tcp(&t);
		run_case(&t);
		tc_init(&t, raw[i], "raw(%d) ipv6", raw[i]);
		ip6_tcp(&t);
		run_case(&t);
		tc_init(&t, raw[i], "raw(%d) version 5", raw[i]);
		ip4_tcp(&t);
		t.pkt[0] = 0x55;
		t.e.st = DECAP_BAD_HEADER;
		run_case(&t);
	}

	tc_init(&t, LT_IPV4, "ipv4 linktype ipv4");
	ip4_tcp(&t);
	run_case(&t);
	tc_init(&t, LT_IPV4, "ipv4 linktype with ipv6");
	ip6_tcp(&t);
	t.e.st = DECAP_BAD_HEADER;
	run_case(&t);
	tc_init(&t, LT_IPV6, "ipv6 linktype ipv6");
	ip6_tcp(&t);
	run_case(&t);
	tc_init(&t, LT_IPV6, "ipv6 linktype with ipv4");
	ip4_tcp(&t);
	t.e.st = DECAP_BAD_HEADER;
	run_case(&t);

	/* NULL: the family in either byte order. */
	for (big = 0; big <= 1; big++) {
		tc_init(&t, LT_NULL, "null %s ipv4", big ? "be" : "le");
		if (big)
			put32(&t, 2);
		else
			put32le(&t, 2);
		ip4_tcp(&t);
		run_case(&t);
		for (i = 0; i < sizeof(af6) / sizeof(af6[0]); i++) {
			tc_init(&t, LT_NULL, "null %s af %u ipv6",
			    big ? "be" : "le", (unsigned)af6[i]);
			if (big)
				put32(&t, af6[i]);
			else
				put32le(&t, af6[i]);
			ip6_tcp(&t);
			run_case(&t);
		}
		tc_init(&t, LT_NULL, "null %s af 7", big ? "be" : "le");
		if (big)
			put32(&t, 7);
		else
			put32le(&t, 7);
		ip4_tcp(&t);
		t.e.st = DECAP_NOT_IP;
		run_case(&t);
	}

	/* LOOP: network byte order only. */
	tc_init(&t, LT_LOOP, "loop ipv4");
	put32(&t, 2);
	ip4_tcp(&t);
	run_case(&t);
	for (i = 0; i < sizeof(af6) / sizeof(af6[0]); i++) {
		tc_init(&t, LT_LOOP, "loop af %u ipv6", (unsigned)af6[i]);
		put32(&t, af6[i]);
		ip6_tcp(&t);
		run_case(&t);
	}
	tc_init(&t, LT_LOOP, "loop little-endian af");
	put32le(&t, 2);
	ip4_tcp(&t);
	t.e.st = DECAP_NOT_IP;
	run_case(&t);

	tc_init(&t, LT_SLL, "sll ipv4");
	sll(&t, 0x0800);
	ip4_tcp(&t);
	run_case(&t);
	tc_init(&t, LT_SLL, "sll ipv6");
	sll(&t, 0x86dd);
	ip6_tcp(&t);
	run_case(&t);
	tc_init(&t, LT_SLL2, "sll2 ipv4");
	sll2(&t, 0x0800);
	ip4_tcp(&t);
	run_case(&t);
	tc_init(&t, LT_SLL2, "sll2 ipv6");
	sll2(&t, 0x86dd);
	ip6_tcp(&t);
	run_case(&t);
}

static void
case_vlan(void)
{
	struct tcase t;
	unsigned i;

	tc_init(&t, LT_ETHERNET, "vlan ipv4");
	eth(&t, 0x8100);
	vlan(&t, 0, 100, 0x0800);
	ip4_tcp(&t);
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "qinq 88a8 ipv6");
	eth(&t, 0x88a8);
	vlan(&t, 1, 200, 0x8100);
	vlan(&t, 5, 300, 0x86dd);
	ip6_tcp(&t);
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "qinq 9100 ipv4");
	eth(&t, 0x9100);
	vlan(&t, 0, 10, 0x8100);
	vlan(&t, 7, 4095, 0x0800);
	ip4_tcp(&t);
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "4 vlan tags");
	eth(&t, 0x88a8);
	for (i = 0; i < 4; i++)
		vlan(&t, 0, 11 + i, i < 3 ? 0x8100 : 0x0800);
	ip4_tcp(&t);
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "5 vlan tags");
	eth(&t, 0x88a8);
	for (i = 0; i < 5; i++)
		vlan(&t, 0, 11 + i, i < 4 ? 0x8100 : 0x0800);
	ip4_tcp(&t);
	t.e.st = DECAP_BAD_HEADER;
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "vlan arp");
	eth(&t, 0x8100);
	vlan(&t, 0, 100, 0x0806);
	put32(&t, 0x00010800);
	put32(&t, 0x06040001);
	t.e.st = DECAP_NOT_IP;
	run_case(&t);

	tc_init(&t, LT_SLL, "sll vlan ipv4");
	sll(&t, 0x8100);
	vlan(&t, 0, 5, 0x0800);
	ip4_tcp(&t);
	run_case(&t);

	tc_init(&t, LT_SLL2, "sll2 vlan ipv6");
	sll2(&t, 0x8100);
	vlan(&t, 0, 6, 0x86dd);
	ip6_tcp(&t);
	run_case(&t);
}

static void
case_mpls_pppoe(void)
{
	struct tcase t;
	unsigned i;

	tc_init(&t, LT_ETHERNET, "mpls 2 labels ipv4");
	eth(&t, 0x8847);
	mpls(&t, 16, false);
	mpls(&t, 17, true);
	ip4_tcp(&t);
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "mpls 2 labels ipv6 (8848)");
	eth(&t, 0x8848);
	mpls(&t, 1000, false);
	mpls(&t, 2, true);
	ip6_tcp(&t);
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "vlan mpls ipv4");
	eth(&t, 0x8100);
	vlan(&t, 0, 42, 0x8847);
	mpls(&t, 20, true);
	ip4_tcp(&t);
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "mpls 8 labels");
	eth(&t, 0x8847);
	for (i = 0; i < 8; i++)
		mpls(&t, 100 + i, i == 7);
	ip4_tcp(&t);
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "mpls 9 labels");
	eth(&t, 0x8847);
	for (i = 0; i < 9; i++)
		mpls(&t, 100 + i, i == 8);
	ip4_tcp(&t);
	t.e.st = DECAP_BAD_HEADER;
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "mpls pseudowire");
	eth(&t, 0x8847);
	mpls(&t, 100, true);
	put32(&t, 0); /* control word */
	eth(&t, 0x0800);
	ip4_tcp(&t);
	t.e.st = DECAP_NOT_IP;
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "pppoe ipv4");
	eth(&t, 0x8864);
	pppoe(&t, 0x0021, 20 + TCP_HLEN + PAYLOAD_LEN);
	ip4_tcp(&t);
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "pppoe ipv6");
	eth(&t, 0x8864);
	pppoe(&t, 0x0057, 40 + TCP_HLEN + PAYLOAD_LEN);
	ip6_tcp(&t);
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "vlan pppoe ipv4");
	eth(&t, 0x8100);
	vlan(&t, 0, 7, 0x8864);
	pppoe(&t, 0x0021, 20 + TCP_HLEN + PAYLOAD_LEN);
	ip4_tcp(&t);
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "pppoe compressed protocol ipv4");
	eth(&t, 0x8864);
	put8(&t, 0x11);
	put8(&t, 0);
	put16(&t, 1);
	put16(&t, 1 + 20 + TCP_HLEN + PAYLOAD_LEN);
	put8(&t, 0x21);
	t.e.pppoe = true;
	ip4_tcp(&t);
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "pppoe lcp");
	eth(&t, 0x8864);
	pppoe(&t, 0xc021, 4);
	put32(&t, 0x01010004);
	t.e.st = DECAP_NOT_IP;
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "pppoe discovery code");
	eth(&t, 0x8864);
	pppoe(&t, 0x0021, 20 + TCP_HLEN + PAYLOAD_LEN);
	t.pkt[15] = 0x09; /* PADI */
	ip4_tcp(&t);
	t.e.st = DECAP_BAD_HEADER;
	run_case(&t);
}

static void
case_ipv4(void)
{
	struct tcase t;

	tc_init(&t, LT_ETHERNET, "ipv4 options");
	eth(&t, 0x0800);
	ip4_tcp_frag(&t, 3, 0, 7, true);
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "ipv4 max options");
	eth(&t, 0x0800);
	ip4_tcp_frag(&t, 10, 0, 7, true);
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "ipv4 padding");
	eth(&t, 0x0800);
	ip4_tcp_frag(&t, 0, 0x4000, 9, false);
	while (t.len < 60)
		put8(&t, 0);
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "ipv4 first fragment");
	eth(&t, 0x0800);
	ip4_tcp_frag(&t, 0, 0x2000, 0xbeef, true);
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "ipv4 non-first fragment");
	eth(&t, 0x0800);
	ip4_tcp_frag(&t, 0, 0x2000 | 185, 0xbeef, true);
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "ipv4 last fragment");
	eth(&t, 0x0800);
	ip4_tcp_frag(&t, 1, 370, 0xbeef, true);
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "ipv4 version 6 under 0800");
	eth(&t, 0x0800);
	ip6_tcp(&t);
	t.e.st = DECAP_BAD_HEADER;
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "ipv4 ihl 4");
	eth(&t, 0x0800);
	ip4_tcp(&t);
	t.pkt[14] = 0x44;
	t.e.st = DECAP_BAD_HEADER;
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "ipv4 total length < ihl");
	eth(&t, 0x0800);
	ip4_tcp_frag(&t, 2, 0, 1, true);
	patch16(&t, 16, 24);
	t.e.st = DECAP_BAD_HEADER;
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "ipv4 total length = ihl");
	eth(&t, 0x0800);
	ip4_tcp(&t);
	patch16(&t, 16, 20);
	t.e.ip_end = 14 + 20;
	run_case(&t);
}

static void
case_ipv6(void)
{
	static const uint8_t hdf[] = { 0, 60, 44 };
	static const uint8_t rtah[] = { 43, 51 };
	static const uint8_t dfd[] = { 60, 44, 60 };
	static const uint8_t ff[] = { 44, 44 };
	uint8_t many[DECAP_MAX_V6_EXT + 1];
	struct tcase t;
	size_t i;

	tc_init(&t, LT_ETHERNET, "ipv6 hbh dstopts frag first");
	eth(&t, 0x86dd);
	ip6_tcp_ext(&t, hdf, sizeof(hdf), 0, true);
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "ipv6 hbh dstopts frag non-first");
	eth(&t, 0x86dd);
	ip6_tcp_ext(&t, hdf, sizeof(hdf), 185, true);
	run_case(&t);

	tc_init(&t, LT_RAW, "ipv6 atomic fragment");
	ip6_tcp_ext(&t, hdf + 2, 1, 0, false);
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "ipv6 dstopts frag dstopts last");
	eth(&t, 0x86dd);
	ip6_tcp_ext(&t, dfd, sizeof(dfd), 0, false);
	run_case(&t);

	tc_init(&t, LT_SLL2, "ipv6 routing ah");
	sll2(&t, 0x86dd);
	ip6_tcp_ext(&t, rtah, sizeof(rtah), 0, false);
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "ipv6 two fragment headers");
	eth(&t, 0x86dd);
	ip6_tcp_ext(&t, ff, sizeof(ff), 0, true);
	t.e.st = DECAP_BAD_HEADER;
	run_case(&t);

	for (i = 0; i < sizeof(many); i++)
		many[i] = 60;
	tc_init(&t, LT_RAW, "ipv6 16 ext headers");
	ip6_tcp_ext(&t, many, DECAP_MAX_V6_EXT, 0, false);
	run_case(&t);
	tc_init(&t, LT_RAW, "ipv6 17 ext headers");
	ip6_tcp_ext(&t, many, DECAP_MAX_V6_EXT + 1, 0, false);
	t.e.st = DECAP_BAD_HEADER;
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "ipv6 no next header");
	eth(&t, 0x86dd);
	ip6_tcp(&t);
	t.pkt[14 + 6] = 59;
	t.e.proto = 59;
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "ipv6 jumbogram");
	eth(&t, 0x86dd);
	ip6_tcp_ext(&t, hdf, 1, 0, false);
	patch16(&t, 14 + 4, 0);
	t.e.st = DECAP_BAD_HEADER;
	run_case(&t);

	tc_init(&t, LT_RAW, "ipv6 payload length 0");
	ip6_tcp(&t);
	patch16(&t, 4, 0);
	t.e.st = DECAP_BAD_HEADER;
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "ipv6 ext header past payload length");
	eth(&t, 0x86dd);
	ip6_tcp_ext(&t, hdf, 1, 0, false);
	patch16(&t, 14 + 4, 4);
	t.e.st = DECAP_BAD_HEADER;
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "ipv6 short payload, padding");
	eth(&t, 0x86dd);
	ip6_tcp(&t);
	patch16(&t, 14 + 4, TCP_HLEN);
	t.e.ip_end = 14 + 40 + TCP_HLEN;
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "ipv6 version 4 under 86dd");
	eth(&t, 0x86dd);
	ip4_tcp(&t);
	t.e.st = DECAP_BAD_HEADER;
	run_case(&t);
}

static void
case_not_ip(void)
{
	struct tcase t;

	tc_init(&t, LT_ETHERNET, "arp");
	eth(&t, 0x0806);
	put32(&t, 0x00010800);
	put32(&t, 0x06040001);
	t.e.st = DECAP_NOT_IP;
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "lldp");
	eth(&t, 0x88cc);
	put16(&t, 0x0207);
	t.e.st = DECAP_NOT_IP;
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "802.3 stp");
	eth(&t, 38);
	put8(&t, 0x42);
	put8(&t, 0x42);
	put8(&t, 0x03);
	put32(&t, 0);
	t.e.st = DECAP_NOT_IP;
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "802.3 snap cdp");
	eth(&t, 100);
	put8(&t, 0xaa);
	put8(&t, 0xaa);
	put8(&t, 0x03);
	put8(&t, 0x00);
	put8(&t, 0x00);
	put8(&t, 0x0c);
	put16(&t, 0x2000);
	put32(&t, 0x02b40000);
	t.e.st = DECAP_NOT_IP;
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "802.3 snap ipv4");
	eth(&t, 8 + 20 + TCP_HLEN + PAYLOAD_LEN);
	snap(&t, 0x0800);
	ip4_tcp(&t);
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "802.3 snap in snap");
	eth(&t, 16 + 20 + TCP_HLEN + PAYLOAD_LEN);
	snap(&t, 8 + 20 + TCP_HLEN + PAYLOAD_LEN);
	snap(&t, 0x0800);
	ip4_tcp(&t);
	t.e.st = DECAP_NOT_IP;
	run_case(&t);

	tc_init(&t, LT_SLL, "sll 802.2 snap ipv6");
	sll(&t, 0x0004);
	snap(&t, 0x86dd);
	ip6_tcp(&t);
	run_case(&t);

	tc_init(&t, LT_SLL, "sll netlink-ish protocol");
	sll(&t, 0x0010);
	put32(&t, 0x11223344);
	t.e.st = DECAP_NOT_IP;
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "type 1536 unknown");
	eth(&t, 0x0600);
	ip4_tcp(&t);
	t.e.st = DECAP_NOT_IP;
	run_case(&t);

	tc_init(&t, LT_ETHERNET, "type 1501 undefined");
	eth(&t, 1501);
	ip4_tcp(&t);
	t.e.st = DECAP_NOT_IP;
	run_case(&t);
}

static void
case_linktypes(void)
{
	static const int ok[] = { LT_NULL, LT_ETHERNET, LT_RAW_12, LT_RAW_14,
		LT_RAW, LT_LOOP, LT_SLL, LT_IPV4, LT_IPV6, LT_SLL2 };
	static const int bad[] = { -1, 2, 9, 105, 127, 147, 277, 100000 };
	struct decap_packet d;
	uint8_t buf[64];
	size_t i;
	bool good;

	memset(buf, 0x45, sizeof(buf));
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		good = decap_linktype_supported(ok[i]) &&
		    decap_linktype_name(ok[i]) != NULL;
		CHECKF(good, "linktype %d not supported", ok[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		good = !decap_linktype_supported(bad[i]) &&
		    decap_linktype_name(bad[i]) == NULL &&
		    decap_packet(bad[i], buf, sizeof(buf), &d) ==
			DECAP_UNSUPPORTED;
		CHECKF(good, "linktype %d should be unsupported", bad[i]);
	}
	good = strcmp(decap_linktype_name(LT_ETHERNET), "Ethernet") == 0 &&
	    strcmp(decap_linktype_name(LT_SLL2), "Linux cooked (SLL2)") == 0;
	CHECKF(good, "linktype names");

	/* The table capture.c reads: every row is a link type the switch of
	 * decap_packet() reads, and its DLT_ value comes back to it (but
	 * the old raw-IP numbers, whose DLT_ value is DLT_RAW's or another
	 * type's). */
	{
		const struct decap_linktype *t;
		size_t n;

		t = decap_linktypes(&n);
		CHECKF(n == sizeof(ok) / sizeof(ok[0]), "linktype rows %zu", n);
		for (i = 0; i < n; i++) {
			good = decap_linktype_supported(t[i].linktype) &&
			    decap_packet(t[i].linktype, buf, sizeof(buf), &d) !=
				DECAP_UNSUPPORTED &&
			    decap_linktype_to_dlt(t[i].linktype) == t[i].dlt &&
			    (t[i].linktype == LT_RAW_12 ||
				t[i].linktype == LT_RAW_14 ||
				decap_dlt_to_linktype(t[i].dlt) ==
				    t[i].linktype) &&
			    t[i].name != NULL && t[i].reads != NULL;
			CHECKF(good, "linktype row %d", t[i].linktype);
		}
		good = decap_dlt_to_linktype(147) == 147 &&
		    decap_linktype_to_dlt(147) == 147;
		CHECKF(good, "unknown link type stands for itself");
	}

	/* A NULL packet pointer is an empty capture. */
	good = decap_packet(LT_ETHERNET, NULL, 100, &d) == DECAP_TRUNCATED;
	CHECKF(good, "NULL packet pointer");
}

static void
case_random(void)
{
	static const int lts[] = { LT_NULL, LT_ETHERNET, LT_RAW_12, LT_RAW_14,
		LT_RAW, LT_LOOP, LT_SLL, LT_IPV4, LT_IPV6, LT_SLL2, 147 };
	struct decap_packet d;
	enum decap_status st;
	uint8_t *p;
	size_t i, j, k, n;
	char name[64];
	bool ok;

	for (i = 0; i < sizeof(lts) / sizeof(lts[0]); i++) {
		snprintf(name, sizeof(name), "random linktype %d", lts[i]);
		ok = true;
		for (j = 0; j < FUZZ_PACKETS; j++) {
			n = rng() % (FUZZ_MAXLEN + 1);
			p = malloc(n);
			if (p == NULL && n > 0) {
				perror("malloc");
				exit(2);
			}
			for (k = 0; k < n; k++)
				p[k] = (uint8_t)rng();
			st = decap_packet(lts[i], p, n, &d);
			if (!check_sane(name, p, n, st, &d))
				ok = false;
			free(p);
		}
		CHECKF(ok, "%s", name);
	}
}

int
main(void)
{
	case_linktypes();
	case_ip_under_linktypes();
	case_vlan();
	case_mpls_pppoe();
	case_ipv4();
	case_ipv6();
	case_not_ip();
	case_random();

	return check_done("decap");
}
