/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Link-layer and IP decapsulation.
 *
 * All reads from the packet go through the cursor of lib/cursor.h: the
 * remaining length is checked before each read, and multi-byte fields
 * are read in network (big-endian) byte order one byte at a time.
 */
#include "net/decap.h"

#include <pcap/dlt.h> /* the DLT_ constants only: no libpcap code */
#include <string.h>

#include "lib/cursor.h"

#ifndef DLT_LINUX_SLL2 /* libpcap before 1.10 */
#define DLT_LINUX_SLL2 276
#endif

/* Address families seen in NULL/LOOP headers. */
#define LOOP_AF_INET 2
#define LOOP_AF_INET6_LINUX 10
#define LOOP_AF_INET6_BSD 24 /* NetBSD, OpenBSD, BSD/OS */
#define LOOP_AF_INET6_FREEBSD 28
#define LOOP_AF_INET6_DARWIN 30

#define ETHER_HDR_LEN 14
#define ETHER_MAX_PAYLOAD 1500 /* type fields up to this are lengths */
#define ETHER_TYPE_MIN 0x0600  /* type fields from this are ethertypes */

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100
#define ETHERTYPE_MPLS 0x8847
#define ETHERTYPE_MPLS_MC 0x8848
#define ETHERTYPE_PPPOE_SESS 0x8864

#define VLAN_VID_MASK 0x0fff

#define MPLS_LSE_LEN 4
#define MPLS_BOS 0x00000100 /* bottom-of-stack bit of a label entry */

#define LLC_SNAP_SAP 0xaa
#define LLC_UI 0x03
#define SNAP_OUI_RFC1042 0x000000
#define SNAP_OUI_8021H 0x0000f8 /* bridge tunnel */

#define PPPOE_VER_TYPE 0x11
#define PPPOE_CODE_SESS 0x00
#define PPP_IPV4 0x0021
#define PPP_IPV6 0x0057

#define SLL_PROTO_OFF 14
#define SLL2_HDR_LEN 20
#define SLL_P_802_2 0x0004 /* an 802.2 LLC header follows */

#define IPV4_MIN_HLEN 20
#define IPV4_MF 0x2000
#define IPV4_OFFMASK 0x1fff

#define IPV6_HDR_LEN 40
#define IPV6_FRAG_LEN 8
#define IPV6_FRAG_MORE 0x0001

#define IPPROTO_TCP_ 6
#define TCP_MIN_HLEN 20

#define IPPROTO_V6_HOPOPTS 0
#define IPPROTO_V6_ROUTING 43
#define IPPROTO_V6_FRAGMENT 44
#define IPPROTO_V6_AH 51
#define IPPROTO_V6_DSTOPTS 60

static uint32_t
bswap32(uint32_t v)
{
	return (v >> 24) | (v >> 8 & 0x0000ff00) | (v & 0x0000ff00) << 8 |
	    (v & 0x000000ff) << 24;
}

static size_t
min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/*
 * IPv4 header at the cursor.  l3_len stops at the total length, so
 * Ethernet padding never counts as IP payload.
 */
static enum decap_status
decap_ipv4(const struct cursor *c, struct decap_packet *out)
{
	uint8_t vhl, proto;
	uint16_t totlen, ident, frag;
	size_t hlen, iplen;

	if (!cur_peek8(c, 0, &vhl))
		return DECAP_TRUNCATED;
	if (vhl >> 4 != 4)
		return DECAP_BAD_HEADER;
	hlen = (size_t)(vhl & 0x0f) * 4;
	if (hlen < IPV4_MIN_HLEN)
		return DECAP_BAD_HEADER;
	if (!cur_peek16(c, 2, &totlen))
		return DECAP_TRUNCATED;
	if (totlen < hlen)
		return DECAP_BAD_HEADER;
	if (!cur_has(c, 0, hlen))
		return DECAP_TRUNCATED;
	if (!cur_peek16(c, 4, &ident) || !cur_peek16(c, 6, &frag) ||
	    !cur_peek8(c, 9, &proto))
		return DECAP_TRUNCATED;

	iplen = min_size(cur_left(c), totlen);
	out->ip_version = 4;
	out->l3_offset = c->off;
	out->l3 = cur_ptr(c);
	out->l3_len = iplen;
	out->l4_proto = proto;
	out->frag_id = ident;
	out->frag_offset = frag & IPV4_OFFMASK;
	out->frag_more = (frag & IPV4_MF) != 0;
	out->fragment = out->frag_more || out->frag_offset != 0;
	if (out->fragment)
		out->frag_data_off = hlen;
	if (out->frag_offset == 0) {
		out->l4 = out->l3 + hlen;
		out->l4_len = iplen - hlen;
	}
	return DECAP_OK;
}

static bool
ipv6_is_ext(uint8_t nh)
{
	switch (nh) {
	case IPPROTO_V6_HOPOPTS:
	case IPPROTO_V6_ROUTING:
	case IPPROTO_V6_FRAGMENT:
	case IPPROTO_V6_AH:
	case IPPROTO_V6_DSTOPTS:
		return true;
	default:
		return false;
	}
}

/*
 * An IPv6 extension header did not fit in the captured part of the
 * packet.  If it would not even fit in the payload length, the packet
 * is malformed; otherwise the capture was cut short.
 */
static enum decap_status
ipv6_short(size_t need_end, size_t iplen)
{
	return need_end > iplen ? DECAP_BAD_HEADER : DECAP_TRUNCATED;
}

/* IPv6 header at the cursor, then its chain of extension headers. */
static enum decap_status
decap_ipv6(const struct cursor *c, struct decap_packet *out)
{
	struct cursor ip;
	uint8_t vfc, nh, next, extlen8;
	uint16_t plen, fragfield;
	uint32_t ident;
	size_t iplen, extlen;
	unsigned n;

	if (!cur_peek8(c, 0, &vfc))
		return DECAP_TRUNCATED;
	if (vfc >> 4 != 6)
		return DECAP_BAD_HEADER;
	if (!cur_peek16(c, 4, &plen) || !cur_peek8(c, 6, &nh))
		return DECAP_TRUNCATED;
	if (plen == 0) /* jumbogram or garbage */
		return DECAP_BAD_HEADER;
	if (!cur_has(c, 0, IPV6_HDR_LEN))
		return DECAP_TRUNCATED;

	iplen = IPV6_HDR_LEN + (size_t)plen;
	out->ip_version = 6;
	out->l3_offset = c->off;
	out->l3 = cur_ptr(c);
	out->l3_len = min_size(cur_left(c), iplen);

	/* Walk the extension headers within the IP packet only. */
	cur_init(&ip, out->l3, out->l3_len);
	if (!cur_skip(&ip, IPV6_HDR_LEN))
		return DECAP_TRUNCATED;
	for (n = 0; ipv6_is_ext(nh); n++) {
		if (n == DECAP_MAX_V6_EXT)
			return DECAP_BAD_HEADER;
		if (nh == IPPROTO_V6_FRAGMENT) {
			if (out->fragment) /* a second one */
				return DECAP_BAD_HEADER;
			if (!cur_peek8(&ip, 0, &next) ||
			    !cur_peek16(&ip, 2, &fragfield) ||
			    !cur_peek32(&ip, 4, &ident))
				return ipv6_short(
				    ip.off + IPV6_FRAG_LEN, iplen);
			out->fragment = true;
			out->frag_id = ident;
			out->frag_offset = (uint16_t)(fragfield >> 3);
			out->frag_more = (fragfield & IPV6_FRAG_MORE) != 0;
			out->v6_unfrag_len = ip.off;
			out->frag_data_off = ip.off + IPV6_FRAG_LEN;
			if (!cur_skip(&ip, IPV6_FRAG_LEN))
				return DECAP_TRUNCATED;
			nh = next;
			if (out->frag_offset != 0) {
				/* The upper-layer header is elsewhere. */
				out->l4_proto = nh;
				return DECAP_OK;
			}
			continue;
		}
		if (!cur_peek8(&ip, 0, &next) || !cur_peek8(&ip, 1, &extlen8))
			return ipv6_short(ip.off + 2, iplen);
		if (nh == IPPROTO_V6_AH)
			extlen = ((size_t)extlen8 + 2) * 4;
		else
			extlen = ((size_t)extlen8 + 1) * 8;
		if (!cur_skip(&ip, extlen))
			return ipv6_short(ip.off + extlen, iplen);
		nh = next;
	}
	out->l4_proto = nh;
	out->l4 = cur_ptr(&ip);
	out->l4_len = cur_left(&ip);
	return DECAP_OK;
}

/* An IP packet whose version is told by its first nibble. */
static enum decap_status
decap_ip_any(const struct cursor *c, struct decap_packet *out)
{
	uint8_t v;

	if (!cur_peek8(c, 0, &v))
		return DECAP_TRUNCATED;
	switch (v >> 4) {
	case 4:
		return decap_ipv4(c, out);
	case 6:
		return decap_ipv6(c, out);
	default:
		return DECAP_BAD_HEADER;
	}
}

/* The IP version of a NULL/LOOP address family, 0 if not IP. */
static int
af_version(uint32_t af)
{
	switch (af) {
	case LOOP_AF_INET:
		return 4;
	case LOOP_AF_INET6_LINUX:
	case LOOP_AF_INET6_BSD:
	case LOOP_AF_INET6_FREEBSD:
	case LOOP_AF_INET6_DARWIN:
		return 6;
	default:
		return 0;
	}
}

static enum decap_status
decap_loop(struct cursor *c, bool any_order, struct decap_packet *out)
{
	uint32_t af;
	int v;

	if (!cur_get32(c, &af))
		return DECAP_TRUNCATED;
	v = af_version(af);
	if (v == 0 && any_order)
		v = af_version(bswap32(af));
	switch (v) {
	case 4:
		return decap_ipv4(c, out);
	case 6:
		return decap_ipv6(c, out);
	default:
		return DECAP_NOT_IP;
	}
}

/*
 * An 802.2 LLC header.  Only SNAP with an encapsulated ethertype can
 * carry IP; *type is set to that ethertype.
 */
static enum decap_status
decap_llc(struct cursor *c, uint16_t *type)
{
	uint8_t dsap, ssap, ctl, o[3];
	uint32_t oui;

	if (!cur_get8(c, &dsap) || !cur_get8(c, &ssap) || !cur_get8(c, &ctl))
		return DECAP_TRUNCATED;
	if (dsap != LLC_SNAP_SAP || ssap != LLC_SNAP_SAP || ctl != LLC_UI)
		return DECAP_NOT_IP;
	if (!cur_get8(c, &o[0]) || !cur_get8(c, &o[1]) || !cur_get8(c, &o[2]) ||
	    !cur_get16(c, type))
		return DECAP_TRUNCATED;
	oui = (uint32_t)o[0] << 16 | (uint32_t)o[1] << 8 | o[2];
	if (oui != SNAP_OUI_RFC1042 && oui != SNAP_OUI_8021H)
		return DECAP_NOT_IP;
	return DECAP_OK;
}

static enum decap_status
decap_mpls(struct cursor *c, struct decap_packet *out)
{
	uint32_t lse;
	uint8_t first;

	do {
		if (out->mpls_depth == DECAP_MAX_MPLS)
			return DECAP_BAD_HEADER;
		if (!cur_get32(c, &lse))
			return DECAP_TRUNCATED;
		out->mpls_depth++;
	} while ((lse & MPLS_BOS) == 0);

	/* No protocol field: guess from the first nibble, as everyone does. */
	if (!cur_peek8(c, 0, &first))
		return DECAP_TRUNCATED;
	switch (first >> 4) {
	case 4:
		return decap_ipv4(c, out);
	case 6:
		return decap_ipv6(c, out);
	default:
		return DECAP_NOT_IP; /* pseudowire, control word, ... */
	}
}

static enum decap_status
decap_pppoe(struct cursor *c, struct decap_packet *out)
{
	uint8_t vertype, code, b;
	uint16_t proto;

	/* Version/type, code, then session id and length, not needed. */
	if (!cur_get8(c, &vertype) || !cur_get8(c, &code) || !cur_skip(c, 4))
		return DECAP_TRUNCATED;
	if (vertype != PPPOE_VER_TYPE || code != PPPOE_CODE_SESS)
		return DECAP_BAD_HEADER;
	out->pppoe = true;

	/* PPP protocol; an odd first byte means a compressed 1-byte field. */
	if (!cur_get8(c, &b))
		return DECAP_TRUNCATED;
	proto = b;
	if ((b & 1) == 0) {
		if (!cur_get8(c, &b))
			return DECAP_TRUNCATED;
		proto = (uint16_t)(proto << 8 | b);
	}
	switch (proto) {
	case PPP_IPV4:
		return decap_ipv4(c, out);
	case PPP_IPV6:
		return decap_ipv6(c, out);
	default:
		return DECAP_NOT_IP; /* LCP, IPCP, ... */
	}
}

/*
 * The payload of an Ethernet-like type field: ethertypes, VLAN tags,
 * and (once, if llc_ok) an 802.3 length field followed by LLC/SNAP.
 */
static enum decap_status
decap_ethertype(
    struct cursor *c, uint16_t type, bool llc_ok, struct decap_packet *out)
{
	enum decap_status st;
	uint16_t tci;

	for (;;) {
		switch (type) {
		case ETHERTYPE_IPV4:
			return decap_ipv4(c, out);
		case ETHERTYPE_IPV6:
			return decap_ipv6(c, out);
		case ETHERTYPE_VLAN:
		case ETHERTYPE_QINQ:
		case ETHERTYPE_QINQ_OLD:
			if (out->vlan_depth == DECAP_MAX_VLAN)
				return DECAP_BAD_HEADER;
			if (!cur_get16(c, &tci) || !cur_get16(c, &type))
				return DECAP_TRUNCATED;
			out->vlan_id[out->vlan_depth++] = tci & VLAN_VID_MASK;
			continue;
		case ETHERTYPE_MPLS:
		case ETHERTYPE_MPLS_MC:
			return decap_mpls(c, out);
		case ETHERTYPE_PPPOE_SESS:
			return decap_pppoe(c, out);
		default:
			break;
		}
		if (type > ETHER_MAX_PAYLOAD || !llc_ok)
			return DECAP_NOT_IP;
		/* An 802.3 length: LLC follows. */
		if ((st = decap_llc(c, &type)) != DECAP_OK)
			return st;
		llc_ok = false;
	}
}

/*
 * The link types decap_packet() reads (decap_walk()'s switch below), one
 * row each: a new one needs its row here and its case there. capture.c
 * accepts a capture by this table and lists what smtpscope reads from
 * it. Rows whose DLT_ value is the same: the first one is what libpcap's
 * value means (DLT_RAW is 12 on most systems, 14 on OpenBSD, where
 * DLT_LOOP is 12).
 */
static const struct decap_linktype linktypes[] = {
	{ DECAP_LINKTYPE_ETHERNET, DLT_EN10MB, "Ethernet",
	    "Ethernet, 802.1Q/QinQ, MPLS" },
	{ DECAP_LINKTYPE_LINUX_SLL, DLT_LINUX_SLL, "Linux cooked (SLL)",
	    "Linux cooked (SLL, SLL2)" },
	{ DECAP_LINKTYPE_LINUX_SLL2, DLT_LINUX_SLL2, "Linux cooked (SLL2)",
	    "Linux cooked (SLL, SLL2)" },
	{ DECAP_LINKTYPE_NULL, DLT_NULL, "BSD loopback (NULL)",
	    "BSD loopback" },
	{ DECAP_LINKTYPE_LOOP, DLT_LOOP, "OpenBSD loopback (LOOP)",
	    "BSD loopback" },
	{ DECAP_LINKTYPE_RAW, DLT_RAW, "Raw IP", "raw IP" },
	/* Raw IP as old files name it: libpcap's number is the file's. */
	{ DECAP_LINKTYPE_RAW_12, 12, "Raw IP", "raw IP" },
	{ DECAP_LINKTYPE_RAW_14, 14, "Raw IP", "raw IP" },
	{ DECAP_LINKTYPE_IPV4, DLT_IPV4, "Raw IPv4", "raw IP" },
	{ DECAP_LINKTYPE_IPV6, DLT_IPV6, "Raw IPv6", "raw IP" },
};

const struct decap_linktype *
decap_linktypes(size_t *n)
{
	*n = sizeof(linktypes) / sizeof(linktypes[0]);
	return linktypes;
}

static const struct decap_linktype *
linktype_row(int linktype)
{
	size_t i;

	for (i = 0; i < sizeof(linktypes) / sizeof(linktypes[0]); i++)
		if (linktypes[i].linktype == linktype)
			return &linktypes[i];
	return NULL;
}

static const char *
linktype_name(int linktype)
{
	const struct decap_linktype *r = linktype_row(linktype);

	return r != NULL ? r->name : NULL;
}

int
decap_dlt_to_linktype(int dlt)
{
	size_t i;

	for (i = 0; i < sizeof(linktypes) / sizeof(linktypes[0]); i++)
		if (linktypes[i].dlt == dlt)
			return linktypes[i].linktype;
	return dlt;
}

int
decap_linktype_to_dlt(int linktype)
{
	const struct decap_linktype *r = linktype_row(linktype);

	return r != NULL ? r->dlt : linktype;
}

bool
decap_linktype_supported(int linktype)
{
	return linktype_name(linktype) != NULL;
}

const char *
decap_linktype_name(int linktype)
{
	return linktype_name(linktype);
}

const char *
decap_status_name(enum decap_status st)
{
	switch (st) {
	case DECAP_OK:
		return "ok";
	case DECAP_NOT_IP:
		return "not IP";
	case DECAP_TRUNCATED:
		return "truncated";
	case DECAP_BAD_HEADER:
		return "bad header";
	case DECAP_UNSUPPORTED:
		return "unsupported link type";
	}
	return "unknown";
}

/*
 * The frame nearly every capture is made of, Ethernet II carrying a whole
 * IPv4 packet (no fragment) with its header captured, decoded at once:
 * what the cursor walk (decap_walk()) finds for it, field for field.
 * False: any other frame, left to the walk. Always inlined: in
 * decap_frame() its fields stay in registers for the TCP header's reading
 * (the link-time optimiser, left to itself, has called it: 7 instructions
 * a frame more).
 */
static inline __attribute__((always_inline)) bool
decap_common(
    int linktype, const uint8_t *pkt, size_t caplen, struct decap_packet *out)
{
	const uint8_t *ip = pkt + ETHER_HDR_LEN;
	size_t hlen, totlen, iplen;

	if (linktype != DECAP_LINKTYPE_ETHERNET ||
	    caplen < ETHER_HDR_LEN + IPV4_MIN_HLEN || pkt[12] != 0x08 ||
	    pkt[13] != 0x00 || ip[0] >> 4 != 4)
		return false;
	hlen = (size_t)(ip[0] & 0x0f) * 4;
	totlen = (size_t)ip[2] << 8 | ip[3];
	if (hlen < IPV4_MIN_HLEN || totlen < hlen ||
	    hlen > caplen - ETHER_HDR_LEN ||
	    ((ip[6] << 8 | ip[7]) & (IPV4_MF | IPV4_OFFMASK)) != 0)
		return false;
	iplen = min_size(caplen - ETHER_HDR_LEN, totlen);
	/* Every field, those the walk leaves zero too: decap_packet()
	 * zeroes the struct only for the walk. */
	out->ip_version = 4;
	out->l3 = ip;
	out->l3_len = iplen;
	out->l4_proto = ip[9];
	out->l4 = ip + hlen;
	out->l4_len = iplen - hlen;
	out->fragment = false;
	out->frag_id = (uint32_t)(ip[4] << 8 | ip[5]);
	out->frag_offset = 0;
	out->frag_more = false;
	out->v6_unfrag_len = 0;
	out->vlan_depth = 0;
	memset(out->vlan_id, 0, sizeof(out->vlan_id));
	out->mpls_depth = 0;
	out->l3_offset = ETHER_HDR_LEN;
	out->frag_data_off = 0;
	out->pppoe = false;
	return true;
}

/*
 * Any frame decap_common() leaves, layer by layer through the cursor. Out
 * of line: inlined in decap_packet(), with the cursor's reads inlined in
 * it, it made the common frame's path save and restore registers it
 * never uses (4 instructions a frame, measured; the walk pays a call).
 */
static __attribute__((noinline)) enum decap_status
decap_walk(
    int linktype, const uint8_t *pkt, size_t caplen, struct decap_packet *out)
{
	struct cursor c;
	enum decap_status st;
	uint16_t proto;

	cur_init(&c, pkt, caplen);

	switch (linktype) {
	case DECAP_LINKTYPE_ETHERNET:
		if (!cur_skip(&c, ETHER_HDR_LEN - 2) || !cur_get16(&c, &proto))
			return DECAP_TRUNCATED;
		return decap_ethertype(&c, proto, true, out);
	case DECAP_LINKTYPE_RAW_12:
	case DECAP_LINKTYPE_RAW_14:
	case DECAP_LINKTYPE_RAW:
		return decap_ip_any(&c, out);
	case DECAP_LINKTYPE_IPV4:
		return decap_ipv4(&c, out);
	case DECAP_LINKTYPE_IPV6:
		return decap_ipv6(&c, out);
	case DECAP_LINKTYPE_NULL:
		return decap_loop(&c, true, out);
	case DECAP_LINKTYPE_LOOP:
		return decap_loop(&c, false, out);
	case DECAP_LINKTYPE_LINUX_SLL:
		if (!cur_skip(&c, SLL_PROTO_OFF) || !cur_get16(&c, &proto))
			return DECAP_TRUNCATED;
		break;
	case DECAP_LINKTYPE_LINUX_SLL2:
		if (!cur_get16(&c, &proto) || !cur_skip(&c, SLL2_HDR_LEN - 2))
			return DECAP_TRUNCATED;
		break;
	default:
		return DECAP_UNSUPPORTED;
	}

	/* Linux cooked: the protocol is an ethertype, or 802.2 LLC. */
	if (proto == SLL_P_802_2) {
		if ((st = decap_llc(&c, &proto)) != DECAP_OK)
			return st;
	} else if (proto < ETHER_TYPE_MIN)
		return DECAP_NOT_IP;
	return decap_ethertype(&c, proto, false, out);
}

enum decap_status
decap_packet(
    int linktype, const uint8_t *pkt, size_t caplen, struct decap_packet *out)
{
	if (pkt == NULL)
		caplen = 0;
	if (decap_common(linktype, pkt, caplen, out))
		return DECAP_OK;
	memset(out, 0, sizeof(*out));
	return decap_walk(linktype, pkt, caplen, out);
}

/* decap_tcp()'s reading, inlined in decap_frame() too: there, after the
 * common frame, the IP header's fields are still in registers and its
 * first checks are known to pass. */
static inline __attribute__((always_inline)) bool
tcp_header(const struct decap_packet *d, struct decap_tcp *t)
{
	struct cursor c;
	size_t len = d->l4_len;
	uint8_t off = 0;

	if (d->l4 == NULL || d->l4_proto != IPPROTO_TCP_ || len < 4) {
		memset(t, 0, sizeof(*t));
		return false;
	}
	cur_init(&c, d->l4, len);
	t->len = len;
	if (!cur_has(&c, 0, TCP_MIN_HLEN)) {
		/* Cut short: its ports, its flags if they are there. */
		memset(t, 0, sizeof(*t));
		t->len = len;
		(void)cur_peek16(&c, 0, &t->sport);
		(void)cur_peek16(&c, 2, &t->dport);
		(void)cur_peek8(&c, 13, &t->flags);
		return true;
	}
	/* The fixed header is there: no peek below fails, and the compiler
	 * drops their checks. */
	(void)cur_peek16(&c, 0, &t->sport);
	(void)cur_peek16(&c, 2, &t->dport);
	(void)cur_peek32(&c, 4, &t->seq);
	(void)cur_peek32(&c, 8, &t->ack);
	(void)cur_peek8(&c, 12, &off);
	(void)cur_peek8(&c, 13, &t->flags);
	(void)cur_peek16(&c, 14, &t->window);
	t->off = (size_t)(off >> 4) * 4;
	t->whole = t->off >= TCP_MIN_HLEN && t->off <= len;
	return true;
}

bool
decap_tcp(const struct decap_packet *d, struct decap_tcp *t)
{
	return tcp_header(d, t);
}

/* decap_packet() and decap_tcp() in one: the common frame (decap_common())
 * with its TCP header, any other through the walk. */
enum decap_status
decap_frame(int linktype, const uint8_t *pkt, size_t caplen,
    struct decap_packet *out, struct decap_tcp *t, bool *tcp)
{
	enum decap_status st;

	if (pkt == NULL)
		caplen = 0;
	if (decap_common(linktype, pkt, caplen, out)) {
		*tcp = tcp_header(out, t);
		return DECAP_OK;
	}
	memset(out, 0, sizeof(*out));
	st = decap_walk(linktype, pkt, caplen, out);
	*tcp = st == DECAP_OK && !out->fragment && tcp_header(out, t);
	return st;
}
