/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Link-layer and IP decapsulation: find the IPv4 or IPv6 packet inside
 * a captured frame and the upper-layer header inside that packet.
 *
 * Nothing here calls libpcap: link types are the plain pcap LINKTYPE_
 * numbers (the table of link types also gives each one's DLT_ value,
 * libpcap's constant, for capture.c).  Every byte is read through a bounds
 * check, so any byte sequence of any length may be passed in; nothing is read
 * past caplen and every pointer handed back lies inside [pkt, pkt + caplen].
 */
#ifndef SMTPSCOPE_DECAP_H
#define SMTPSCOPE_DECAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* pcap LINKTYPE_ numbers (the numbers in savefile headers) of the link
 * types decap_packet() reads. */
#define DECAP_LINKTYPE_NULL 0 /* BSD loopback, host byte order family */
#define DECAP_LINKTYPE_ETHERNET 1
#define DECAP_LINKTYPE_RAW_12 12 /* DLT_RAW on most systems */
#define DECAP_LINKTYPE_RAW_14 14 /* DLT_RAW on OpenBSD */
#define DECAP_LINKTYPE_RAW 101
#define DECAP_LINKTYPE_LOOP 108 /* OpenBSD loopback, network byte order */
#define DECAP_LINKTYPE_LINUX_SLL 113
#define DECAP_LINKTYPE_IPV4 228
#define DECAP_LINKTYPE_IPV6 229
#define DECAP_LINKTYPE_LINUX_SLL2 276

#define DECAP_MAX_VLAN 4    /* 802.1Q/802.1ad tags passed at most */
#define DECAP_MAX_MPLS 8    /* MPLS labels popped at most */
#define DECAP_MAX_V6_EXT 16 /* IPv6 extension headers walked at most */

enum decap_status {
	DECAP_OK = 0,      /* an IPv4 or IPv6 packet was found */
	DECAP_NOT_IP,      /* a frame of another protocol (ARP, LLDP,
			      ...) */
	DECAP_TRUNCATED,   /* caplen ended inside a header */
	DECAP_BAD_HEADER,  /* a header that cannot be valid (bad version,
			      IHL<5, ...), or a stack deeper than the
			      DECAP_MAX_ limits above */
	DECAP_UNSUPPORTED, /* link type we do not decode */
};

/*
 * The result of decap_packet().  Its fields are zeroed first and fully
 * set on DECAP_OK (its padding may be left as it was).  On any other status
 * vlan_depth/vlan_id/mpls_depth/pppoe tell how far the link layer was decoded;
 * the other fields may be partly filled in and mean nothing.
 */
struct decap_packet {
	int ip_version;       /* 4 or 6 */
	const uint8_t *l3;    /* start of the IP header */
	size_t l3_len;        /* bytes from l3 that belong to the IP packet:
				 min(captured, IP total length); for IPv6
				 40 + payload length */
	uint8_t l4_proto;     /* upper-layer protocol after IPv6 extension
				 headers / IPv4 protocol field */
	const uint8_t *l4;    /* upper-layer header, NULL for a non-first
				 fragment */
	size_t l4_len;        /* captured bytes from l4 to the end of the
				 IP packet (0 when l4 is NULL) */
	bool fragment;        /* IPv4 MF or offset!=0; IPv6 fragment header
				 present */
	uint32_t frag_id;     /* IPv4 ident or IPv6 fragment identification */
	uint16_t frag_offset; /* in 8-byte units */
	bool frag_more;       /* more fragments follow */
	size_t v6_unfrag_len; /* IPv6: bytes of the headers before the
				 fragment header (40 + ext headers before
				 it) */
	unsigned vlan_depth;  /* number of 802.1Q/802.1ad tags passed */
	uint16_t vlan_id[DECAP_MAX_VLAN]; /* outermost first */
	unsigned mpls_depth;              /* number of MPLS labels passed */

	/* Additions. */
	size_t l3_offset;     /* l3 - pkt: bytes of link-layer headers */
	size_t frag_data_off; /* fragment only: offset from l3 of the
				 fragmentable part (IPv4: IHL * 4; IPv6:
				 v6_unfrag_len + 8); 0 otherwise */
	bool pppoe;           /* a PPPoE session header was passed */
};

/*
 * The TCP header of a packet, read once (decap_tcp()) for every layer
 * above: the port filter, the receiver's decisions, the IPv6 stand-ins.
 * A header cut short (under 20 bytes) has its ports, and its flags when
 * 14 bytes are there; its other fields are 0, and it is not whole.
 */
struct decap_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
	size_t off; /* header bytes: the data offset times 4 */
	size_t len; /* l4_len: the header and the data, as captured */
	bool whole; /* a header of 20 bytes or more that ends within len:
		       the data are len - off bytes */
};

/* A link type decap_packet() reads (the table in decap.c). */
struct decap_linktype {
	int linktype;      /* its LINKTYPE_ number */
	int dlt;           /* libpcap's DLT_ value for it on this system */
	const char *name;  /* "Ethernet", "Linux cooked (SLL2)", ... */
	const char *reads; /* how the list of what smtpscope reads names it
			      (rows alike name it once) */
};

/* Every link type decap_packet() reads, *n of them. */
const struct decap_linktype *decap_linktypes(size_t *n);
bool decap_linktype_supported(int linktype);
/* "Ethernet", "Linux cooked (SLL2)", ... or NULL */
const char *decap_linktype_name(int linktype);
/* libpcap's DLT_ value and the LINKTYPE_ number differ for a few link
 * types; a number the table does not know stands for itself. */
int decap_dlt_to_linktype(int dlt);
int decap_linktype_to_dlt(int linktype);
/* A short lowercase name of a status for logs and statistics. */
const char *decap_status_name(enum decap_status st);
enum decap_status decap_packet(
    int linktype, const uint8_t *pkt, size_t caplen, struct decap_packet *out);
/* The TCP header of d, a packet decap_packet() found (DECAP_OK): false,
 * and t zeroed, unless d is TCP with its header's first 4 bytes (the
 * ports) at l4. */
bool decap_tcp(const struct decap_packet *d, struct decap_tcp *t);
/* decap_packet(), then decap_tcp() on a packet it found that is no
 * fragment (*tcp: t was read), in one call: the packet path's, where the
 * two calls took 30 instructions a frame more. */
enum decap_status decap_frame(int linktype, const uint8_t *pkt, size_t caplen,
    struct decap_packet *out, struct decap_tcp *t, bool *tcp);

#endif /* SMTPSCOPE_DECAP_H */
