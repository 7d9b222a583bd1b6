/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "net/pcapng.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 1u
#define BT_PB 2u /* the obsolete Packet Block */
#define BT_SPB 3u
#define BT_EPB 6u
#define BOM 0x1A2B3C4Du
#define OPT_IF_TSRESOL 9
#define OPT_IF_TSOFFSET 14
#define USEC 1000000u

/* How an interface's time stamp fractions become microseconds, as
 * libpcap's sf-pcapng.c does it. */
enum scale { PASS, UP_DEC, DOWN_DEC, BIN };

/* The largest snap length libpcap keeps for the link types smtpscope
 * reads (its MAXIMUM_SNAPLEN): a larger or zero one means this one. */
#define SNAPLEN_MAX 262144u

struct iface {
	int linktype;
	uint32_t snaplen; /* as libpcap adjusts it: 1 to SNAPLEN_MAX */
	uint64_t tsresol; /* units a second */
	int64_t tsoffset; /* seconds added */
	enum scale scale;
	uint64_t factor; /* UP_DEC, DOWN_DEC */
	unsigned shift;  /* BIN: tsresol is 2^shift */
};

struct pcapng_reader {
	FILE *f;
	bool swap; /* the section's byte order is not ours */
	struct iface *ifaces;
	size_t nifaces, cap;
	uint8_t *buf; /* the block being read: body and trailer */
	size_t bufcap;
	/* Where libpcap 1.10 stops reading the file (pcapng_past_libpcap()):
	 * the first interface's link type and snap length, and the byte
	 * order of the first section. */
	bool have_first;
	int first_linktype;
	uint32_t first_snaplen;
	bool first_swap;
	bool past_libpcap;
};

static uint16_t
rd16(const struct pcapng_reader *r, const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return r->swap ? (uint16_t)(v >> 8 | v << 8) : v;
}

static uint32_t
swap32(uint32_t v)
{
	return v >> 24 | (v >> 8 & 0xff00u) | (v << 8 & 0xff0000u) | v << 24;
}

static uint32_t
rd32(const struct pcapng_reader *r, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return r->swap ? swap32(v) : v;
}

static uint64_t
rd64(const struct pcapng_reader *r, const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	if (r->swap)
		v = (uint64_t)swap32((uint32_t)v) << 32 |
		    swap32((uint32_t)(v >> 32));
	return v;
}

/* n bytes: 1, 0 at the end of the file before the first, -1 after
 * some. */
static int
read_exact(struct pcapng_reader *r, void *p, size_t n)
{
	size_t got = fread(p, 1, n, r->f);

	if (got == n)
		return 1;
	return got == 0 ? 0 : -1;
}

/* Units a second of an if_tsresol value: 10^v, or 2^(v & 0x7f) when
 * its top bit is set; 0 when it does not fit in 64 bits (libpcap
 * refuses those too). */
static uint64_t
tsresol_of(uint8_t v)
{
	uint64_t t = 1;
	unsigned i;

	if (v & 0x80)
		return (v & 0x7f) > 63 ? 0 : (uint64_t)1 << (v & 0x7f);
	if (v > 19) /* 10^19 is the last power of ten under 2^64 */
		return 0;
	for (i = 0; i < v; i++)
		t *= 10;
	return t;
}

static int
add_iface(struct pcapng_reader *r, const uint8_t *b, size_t n, char *err,
    size_t errlen)
{
	struct iface ifc;
	size_t off = 8;
	uint16_t code, olen;
	bool bin = false;

	if (n < 8) {
		snprintf(err, errlen, "an interface block is too short");
		return -1;
	}
	if (r->nifaces >= PCAPNG_IFACES_MAX) {
		snprintf(err, errlen, "a section declares over %u interfaces",
		    PCAPNG_IFACES_MAX);
		return -1;
	}
	memset(&ifc, 0, sizeof(ifc));
	ifc.linktype = rd16(r, b);
	ifc.snaplen = rd32(r, b + 4);
	if (ifc.snaplen == 0 || ifc.snaplen > SNAPLEN_MAX)
		ifc.snaplen = SNAPLEN_MAX;
	ifc.tsresol = USEC;
	while (off + 4 <= n) {
		code = rd16(r, b + off);
		olen = rd16(r, b + off + 2);
		off += 4;
		if (code == 0)
			break;
		if (olen > n - off) {
			snprintf(err, errlen,
			    "an interface option runs past its block");
			return -1;
		}
		if (code == OPT_IF_TSRESOL && olen >= 1) {
			bin = (b[off] & 0x80) != 0;
			ifc.shift = b[off] & 0x7fu;
			if ((ifc.tsresol = tsresol_of(b[off])) == 0) {
				snprintf(err, errlen,
				    "an interface has a time stamp resolution "
				    "of %s%u, beyond what can be read",
				    bin ? "2^-" : "10^-", b[off] & 0x7fu);
				return -1;
			}
		} else if (code == OPT_IF_TSOFFSET && olen == 8)
			ifc.tsoffset = (int64_t)rd64(r, b + off);
		off += ((size_t)olen + 3) & ~(size_t)3;
	}
	if (ifc.tsresol == USEC)
		ifc.scale = PASS;
	else if (bin)
		ifc.scale = BIN;
	else if (ifc.tsresol > USEC) {
		ifc.scale = DOWN_DEC;
		ifc.factor = ifc.tsresol / USEC;
	} else {
		ifc.scale = UP_DEC;
		ifc.factor = USEC / ifc.tsresol;
	}
	if (!r->have_first) {
		r->have_first = true;
		r->first_linktype = ifc.linktype;
		r->first_snaplen = ifc.snaplen;
	} else if (ifc.linktype != r->first_linktype ||
	    ifc.snaplen != r->first_snaplen)
		r->past_libpcap = true;
	if (r->nifaces == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		r->ifaces = xrealloc(r->ifaces, r->cap * sizeof(*r->ifaces));
	}
	r->ifaces[r->nifaces++] = ifc;
	return 0;
}

/* A Section Header Block's byte order and version; its header (type,
 * length) and byte-order magic are read. Returns the block's length. */
static int
section(struct pcapng_reader *r, uint32_t raw_len, uint32_t bom,
    uint32_t *total, char *err, size_t errlen)
{
	if (bom == BOM)
		r->swap = false;
	else if (bom == swap32(BOM))
		r->swap = true;
	else {
		snprintf(err, errlen,
		    "a section header has no byte-order "
		    "magic");
		return -1;
	}
	*total = r->swap ? swap32(raw_len) : raw_len;
	r->nifaces = 0; /* a new section: its own interfaces */
	if (r->have_first && r->swap != r->first_swap)
		r->past_libpcap = true; /* "sections with different byte
					   orders" */
	return 0;
}

/* The rest of a block of total bytes whose first `have` bytes are read,
 * into r->buf (body after those, then the trailer). */
static int
block_rest(struct pcapng_reader *r, uint32_t total, size_t have,
    uint32_t *body_len, char *err, size_t errlen)
{
	size_t rest;

	if (total % 4 != 0 || total < 12 + (have - 8) ||
	    total > PCAPNG_BLOCK_MAX) {
		snprintf(err, errlen, "a block has an impossible length (%u)",
		    total);
		return -1;
	}
	rest = total - have;
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	/* The buffer as large as the block and no more, so that the
	 * sanitizer sees a read past the block. */
	if (rest != r->bufcap) {
#else
	if (rest > r->bufcap) {
#endif
		r->bufcap = rest;
		r->buf = xrealloc(r->buf, rest);
	}
	if (read_exact(r, r->buf, rest) != 1) {
		snprintf(err, errlen, "the file ends inside a block");
		return -1;
	}
	if (rd32(r, r->buf + rest - 4) != total) {
		snprintf(err, errlen,
		    "a block's length at its end differs from its start");
		return -1;
	}
	*body_len = (uint32_t)(rest - 4);
	return 0;
}

static int
shb_body(struct pcapng_reader *r, uint32_t n, char *err, size_t errlen)
{
	uint16_t major, minor;

	if (n < 12) {
		snprintf(err, errlen, "a section header is too short");
		return -1;
	}
	major = rd16(r, r->buf);
	minor = rd16(r, r->buf + 2);
	if (major != 1 || (minor != 0 && minor != 2)) {
		snprintf(err, errlen,
		    "pcapng version %u.%u is not one libpcap "
		    "reads",
		    major, minor);
		return -1;
	}
	return 0;
}

struct pcapng_reader *
pcapng_open(FILE *f, char *err, size_t errlen)
{
	struct pcapng_reader *r = xcalloc(1, sizeof(*r));
	uint32_t h[3], total, n;

	r->f = f;
	if (read_exact(r, h, sizeof(h)) != 1 || h[0] != BT_SHB) {
		snprintf(err, errlen, "not a pcapng file");
		goto fail;
	}
	if (section(r, h[1], h[2], &total, err, errlen) != 0 ||
	    block_rest(r, total, 12, &n, err, errlen) != 0 ||
	    shb_body(r, n, err, errlen) != 0)
		goto fail;
	r->first_swap = r->swap;
	return r;
fail:
	pcapng_close(r);
	return NULL;
}

/*
 * Seconds and microseconds of time stamp t of interface ifc, as libpcap
 * converts them, but saturated where libpcap would wrap around: the
 * seconds at INT64_MIN and INT64_MAX (the capture layer decides what
 * an absurd time becomes: capture_time()).
 */
static void
stamp(const struct iface *ifc, uint64_t t, struct pcapng_packet *pkt)
{
	uint64_t sec = t / ifc->tsresol, frac = t % ifc->tsresol;
	int64_t s = sec > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)sec;

	/* s >= 0: only a positive offset can overflow. */
	if (ifc->tsoffset > 0 && s > INT64_MAX - ifc->tsoffset)
		s = INT64_MAX;
	else
		s += ifc->tsoffset;
	switch (ifc->scale) {
	case PASS:
		break;
	case UP_DEC:
		frac *= ifc->factor; /* frac < tsresol: under USEC */
		break;
	case DOWN_DEC:
		frac /= ifc->factor;
		break;
	case BIN:
		/* frac < 2^shift: frac * USEC fits in 64 bits up to a
		 * shift of 44; beyond, the bits below a microsecond's
		 * worth go first. */
		if (ifc->shift > 44)
			frac = (frac >> (ifc->shift - 44)) * USEC >> 44;
		else
			frac = frac * USEC >> ifc->shift;
		break;
	}
	pkt->sec = s;
	pkt->usec = frac < USEC ? (uint32_t)frac : USEC - 1;
}

/* A Section Header Block met between packets: the rest of its header
 * after its type and length (raw_len), then its body. */
static int
next_section(
    struct pcapng_reader *r, uint32_t raw_len, char *err, size_t errlen)
{
	uint32_t bom, total, n;

	if (read_exact(r, &bom, 4) != 1) {
		snprintf(err, errlen, "the file ends inside a block header");
		return -1;
	}
	if (section(r, raw_len, bom, &total, err, errlen) != 0 ||
	    block_rest(r, total, 12, &n, err, errlen) != 0 ||
	    shb_body(r, n, err, errlen) != 0)
		return -1;
	return 0;
}

/* A packet block of type type, its body of n bytes in r->buf, into pkt:
 * its interface's link type, its lengths (no more than the snap
 * length, as libpcap hands over) and its time. 1, or -1 and err. */
static int
packet_block(struct pcapng_reader *r, uint32_t type, uint32_t n,
    struct pcapng_packet *pkt, char *err, size_t errlen)
{
	const uint8_t *b = r->buf;
	uint32_t ifid, caplen, len;

	if (n < (type == BT_SPB ? 4 : 20)) {
		snprintf(err, errlen, "a packet block is too short");
		return -1;
	}
	if (type == BT_SPB) {
		ifid = 0;
		len = rd32(r, b);
		caplen = len < n - 4 ? len : n - 4;
		pkt->data = b + 4;
	} else {
		ifid = type == BT_EPB ? rd32(r, b) : rd16(r, b);
		caplen = rd32(r, b + 12);
		len = rd32(r, b + 16);
		if (caplen > n - 20) {
			snprintf(err, errlen,
			    "a packet's captured length (%u) runs past its "
			    "block",
			    caplen);
			return -1;
		}
		pkt->data = b + 20;
	}
	if (ifid >= r->nifaces) {
		snprintf(err, errlen,
		    "a packet of interface %u, which its section does not "
		    "declare",
		    ifid);
		return -1;
	}
	if (caplen > r->ifaces[ifid].snaplen)
		caplen = r->ifaces[ifid].snaplen;
	pkt->ifindex = ifid;
	pkt->linktype = r->ifaces[ifid].linktype;
	pkt->caplen = caplen;
	pkt->len = len;
	if (type == BT_SPB) {
		pkt->sec = 0;
		pkt->usec = 0;
	} else
		stamp(&r->ifaces[ifid],
		    (uint64_t)rd32(r, b + 4) << 32 | rd32(r, b + 8), pkt);
	return 1;
}

int
pcapng_next(struct pcapng_reader *r, struct pcapng_packet *pkt, char *err,
    size_t errlen)
{
	uint32_t h[2], type, total, n;
	int rc;

	for (;;) {
		if ((rc = read_exact(r, h, 8)) != 1) {
			if (rc < 0)
				snprintf(err, errlen,
				    "the file ends inside a block header");
			return rc;
		}
		if (h[0] == BT_SHB) {
			if (next_section(r, h[1], err, errlen) != 0)
				return -1;
			continue;
		}
		type = r->swap ? swap32(h[0]) : h[0];
		total = r->swap ? swap32(h[1]) : h[1];
		if (block_rest(r, total, 8, &n, err, errlen) != 0)
			return -1;
		switch (type) {
		case BT_IDB:
			if (add_iface(r, r->buf, n, err, errlen) != 0)
				return -1;
			continue;
		case BT_EPB:
		case BT_PB:
		case BT_SPB:
			return packet_block(r, type, n, pkt, err, errlen);
		default:
			continue; /* statistics, names, comments... */
		}
	}
}

bool
pcapng_past_libpcap(const struct pcapng_reader *r)
{
	return r->past_libpcap;
}

void
pcapng_close(struct pcapng_reader *r)
{
	if (r == NULL)
		return;
	free(r->ifaces);
	free(r->buf);
	free(r);
}
