/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Packets in (capture.h): each source opened (files, one live
 * interface), read in order, each packet timed, through the port filter
 * and on to reasm. The file readers are in capread.c, the filter in
 * capfilter.c (capture_int.h).
 */
#include "net/capture.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"
#include "net/capture_int.h"
#include "net/decap.h"
#include "net/pcapout.h"
#include "net/reasm.h"

/* What smtpscope reads, as the table of link types (decap.h) says:
 * "Ethernet, ..., BSD loopback and raw IP". */
static void
linktypes_read(struct dbuf *b)
{
	const struct decap_linktype *t;
	const char *said[16];
	size_t n, i, j, nsaid = 0;

	t = decap_linktypes(&n);
	for (i = 0; i < n; i++) {
		for (j = 0; j < nsaid && strcmp(said[j], t[i].reads) != 0; j++)
			;
		if (j == nsaid && nsaid < sizeof(said) / sizeof(said[0]))
			said[nsaid++] = t[i].reads;
	}
	for (i = 0; i < nsaid; i++) {
		if (i > 0)
			dbuf_adds(b, i + 1 == nsaid ? " and " : ", ");
		dbuf_adds(b, said[i]);
	}
}

static int
check_linktype(pcap_t *p, const char *name, char *err, size_t errlen)
{
	int dlt = pcap_datalink(p);
	int lt = decap_dlt_to_linktype(dlt);

	if (!decap_linktype_supported(lt)) {
		const char *dn = pcap_datalink_val_to_name(dlt);
		struct dbuf reads;

		dbuf_init(&reads, 1024);
		linktypes_read(&reads);
		snprintf(err, errlen,
		    "%s: link type %d (%s) is not supported; smtpscope reads "
		    "%s captures",
		    name, lt, dn ? dn : "unknown", dbuf_str(&reads));
		dbuf_free(&reads);
		return -1;
	}
	return lt;
}

/* A file named on the command line that is there, not a folder, not
 * empty, and readable (its size in s->size); sb its stat. */
static int
file_usable(struct source *s, const char *name, struct stat *sb, char *err,
    size_t errlen)
{
	if (stat(name, sb) != 0) {
		snprintf(
		    err, errlen, "cannot read %s: %s", name, strerror(errno));
		return -1;
	}
	if (S_ISDIR(sb->st_mode)) {
		snprintf(
		    err, errlen, "cannot read %s: it is a directory", name);
		return -1;
	}
	if (S_ISREG(sb->st_mode) && sb->st_size == 0) {
		snprintf(err, errlen, "%s is empty: not a capture file", name);
		return -1;
	}
	if (access(name, R_OK) != 0) {
		snprintf(
		    err, errlen, "cannot read %s: %s", name, strerror(errno));
		return -1;
	}
	s->size = S_ISREG(sb->st_mode) ? (uint64_t)sb->st_size : 0;
	return 0;
}

/* The file opened for libpcap (NULL, perr said why): through our own
 * stdio stream, with a big buffer, or marked for run_fast(). */
static pcap_t *
file_open(struct source *s, const char *name, const struct stat *sb,
    const struct capture_config *cfg, char *perr)
{
	/* libpcap reads 4 KB at a time through stdio: a 1 MB buffer
	 * saves most of the read calls. Freed after pcap_close(). */
	FILE *fp;
	uint32_t fh[2];
	pcap_t *p;

	if (S_ISREG(sb->st_mode) && (s->zprog = capzip_kind(name)) != NULL) {
		/* Read through its decompressor: a stream, size unknown. */
		s->size = 0;
		fp = capzip_open(
		    name, s->zprog, &s->zpid, perr, PCAP_ERRBUF_SIZE);
		if (fp == NULL)
			return NULL;
		s->iobuf = xmalloc(CAPTURE_IOBUF);
		setvbuf(fp, s->iobuf, _IOFBF, CAPTURE_IOBUF);
		p = pcap_fopen_offline_with_tstamp_precision(
		    fp, PCAP_TSTAMP_PRECISION_MICRO, perr);
		if (p == NULL)
			fclose(fp);
		return p;
	}
	if ((fp = fopen(name, "rb")) == NULL)
		return NULL;
	/* A classic pcap file of this machine's byte order, version
	 * 2.4, microseconds or nanoseconds, read without -f and not
	 * paced: run_fast() may read it (libpcap reads only the file
	 * header, with stdio's own small buffer). */
	if (S_ISREG(sb->st_mode) &&
	    (cfg->user_filter == NULL || *cfg->user_filter == '\0') &&
	    cfg->speed <= 0 &&
	    pread(fileno(fp), fh, sizeof(fh), 0) == sizeof(fh) &&
	    (fh[0] == 0xa1b2c3d4u || fh[0] == 0xa1b23c4du) &&
	    fh[1] == (2u | 4u << 16)) {
		s->fast = true;
		s->fast_nsec = fh[0] == 0xa1b23c4du;
	} else {
		s->iobuf = xmalloc(CAPTURE_IOBUF);
		setvbuf(fp, s->iobuf, _IOFBF, CAPTURE_IOBUF);
	}
	p = pcap_fopen_offline_with_tstamp_precision(
	    fp, PCAP_TSTAMP_PRECISION_MICRO, perr);
	if (p == NULL)
		fclose(fp);
	return p;
}

/* libpcap's refusal of name, said in one sentence. */
static void
open_failed(const char *name, const char *perr, char *err, size_t errlen)
{
	if (strstr(perr, "unknown file format") != NULL ||
	    strstr(perr, "bad dump file format") != NULL)
		snprintf(err, errlen,
		    "%s is not a capture file (pcap or pcapng)", name);
	else if (strstr(perr, "only got 0") != NULL)
		snprintf(err, errlen, "%s is empty: not a capture file", name);
	else if (strstr(perr, "truncated") != NULL)
		snprintf(
		    err, errlen, "%s is too short to be a capture file", name);
	else
		snprintf(err, errlen, "cannot read %s: %s", name, perr);
}

/* A compressed file that did not open as a capture: the decompressor's
 * own refusal (not installed), or what it gave is not one. */
static void
zip_failed(struct source *s, const char *perr, char *err, size_t errlen)
{
	if (s->zpid < 0) {
		snprintf(err, errlen, "%s", perr);
		return;
	}
	if (capzip_reap(s->zpid, false) != 0)
		snprintf(err, errlen, "%s: %s cannot decompress it", s->name,
		    s->zprog);
	else
		snprintf(err, errlen,
		    "%s, decompressed with %s, is not a capture file (pcap or "
		    "pcapng)",
		    s->name, s->zprog);
	s->zpid = -1;
}

/* Read by run_fast() only when libpcap would neither filter (-f sets
 * the program on the handle) nor swap anything. */
static void
fast_decide(struct source *s)
{
	off_t at;

	if (s->fast &&
	    (s->filter != FILTER_SOFT_PORTS || pcap_is_swapped(s->p) ||
		pcap_major_version(s->p) != 2 ||
		pcap_minor_version(s->p) != 4 || pcap_snapshot(s->p) <= 0))
		s->fast = false;
	if (!s->fast)
		return;
	at = ftello(pcap_file(s->p));
	s->fd = fileno(pcap_file(s->p));
	s->fast_max = (uint32_t)pcap_snapshot(s->p);
	if (s->fast_max > CAPTURE_SNAPLEN)
		s->fast_max = CAPTURE_SNAPLEN;
	if (at < 0)
		s->fast = false;
	else
		s->fb_off = (uint64_t)at;
}

static int
open_file(struct capture *c, struct source *s, const char *name,
    const struct capture_config *cfg, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct stat sb;
	int lt;

	s->name = name;
	s->zpid = -1;
	s->first_ts = -1;
	if (strcmp(name, "-") != 0) {
		if (file_usable(s, name, &sb, err, errlen) != 0)
			return -1;
		s->p = file_open(s, name, &sb, cfg, perr);
		if (s->p == NULL && s->zprog != NULL) {
			zip_failed(s, perr, err, errlen);
			return -1;
		}
	} else
		s->p = pcap_open_offline_with_tstamp_precision(
		    name, PCAP_TSTAMP_PRECISION_MICRO, perr);
	if (s->p == NULL) {
		open_failed(name, perr, err, errlen);
		return -1;
	}
	if ((lt = check_linktype(s->p, name, err, errlen)) < 0)
		return -1;
	s->linktype = lt;
	c->total_bytes += s->size;
	if (set_filter(c, s, cfg,
		cfg->user_filter == NULL || *cfg->user_filter == '\0', err,
		errlen) != 0)
		return -1;
	fast_decide(s);
	return 0;
}

static int
open_live(struct capture *c, struct source *s, const struct capture_config *cfg,
    char *err, size_t errlen, int *status)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	int rc, lt;

	s->name = cfg->iface;
	s->p = pcap_create(cfg->iface, perr);
	if (s->p == NULL) {
		snprintf(
		    err, errlen, "cannot capture on %s: %s", cfg->iface, perr);
		return -1;
	}
	pcap_set_snaplen(s->p, CAPTURE_SNAPLEN);
	pcap_set_promisc(s->p, cfg->promisc);
	/* Not immediate: TPACKET_V3 packs packets of any size into the
	 * ring's blocks, which the kernel hands over full or after the
	 * timeout (200 ms at most behind). Immediate mode (TPACKET_V2)
	 * gives every packet a slot sized for the MTU (64 KiB on lo, and
	 * with offloads), wakes us every few packets, and on lo dropped
	 * thousands of packets of 400,000 at 2.7 s of CPU where this
	 * drops none at 0.5 s (docs/performance.md). */
	pcap_set_immediate_mode(s->p, 0);
	pcap_set_timeout(s->p, 200);
	pcap_set_buffer_size(s->p, (int)(cfg->buffer_mb << 20));
	rc = pcap_activate(s->p);
	if (rc < 0) {
		switch (rc) {
		case PCAP_ERROR_NO_SUCH_DEVICE:
			snprintf(err, errlen,
			    "there is no interface named %s (see ip link)",
			    cfg->iface);
			break;
		case PCAP_ERROR_PERM_DENIED:
			snprintf(err, errlen,
			    "no permission to capture on %s: run as root or "
			    "give smtpscope the CAP_NET_RAW capability",
			    cfg->iface);
			break;
		case PCAP_ERROR_IFACE_NOT_UP:
			snprintf(
			    err, errlen, "interface %s is down", cfg->iface);
			break;
		default:
			snprintf(err, errlen, "cannot capture on %s: %s",
			    cfg->iface, pcap_geterr(s->p));
			break;
		}
		*status = EXIT_NO_INPUT;
		return -1;
	}
	if ((lt = check_linktype(s->p, cfg->iface, err, errlen)) < 0)
		return -1;
	s->linktype = lt;
	if (set_filter(c, s, cfg, false, err, errlen) != 0) {
		*status = cfg->user_filter ? EXIT_USAGE : EXIT_NO_INPUT;
		return -1;
	}
	return 0;
}

/* The time of the first packet of the file of s, read through a handle
 * of its own (the source's is left as it is); -1 when it has none or
 * cannot be read again (standard input). */
static double
first_time(const struct source *s)
{
	char perr[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *b;
	double t = -1;
	pid_t pid = -1;
	FILE *fp = NULL;
	pcap_t *p;

	if (strcmp(s->name, "-") == 0)
		return -1;
	if (s->zprog != NULL) {
		if ((fp = capzip_open(
			 s->name, s->zprog, &pid, perr, sizeof(perr))) == NULL)
			return -1;
		p = pcap_fopen_offline_with_tstamp_precision(
		    fp, PCAP_TSTAMP_PRECISION_MICRO, perr);
		if (p == NULL)
			fclose(fp);
	} else
		p = pcap_open_offline_with_tstamp_precision(
		    s->name, PCAP_TSTAMP_PRECISION_MICRO, perr);
	if (p != NULL && pcap_next_ex(p, &h, &b) == 1)
		t = (double)h->ts.tv_sec + (double)h->ts.tv_usec / 1e6;
	if (p != NULL)
		pcap_close(p);
	capzip_reap(pid, true);
	return t;
}

/*
 * Several files are read in the time order of their first packets,
 * whatever the command line's order (a shell glob over tcpdump -C or -W
 * files gives part1, part10, part2...), so that no packet is older than
 * the clock already is. Said when it changes the order. Standard input,
 * or a file without a packet, keeps the order given.
 */
static void
files_in_time_order(struct capture *c)
{
	struct source tmp;
	size_t i, j, moved = 0;
	const char *early = NULL, *late = NULL;

	if (c->n < 2)
		return;
	for (i = 0; i < c->n; i++)
		if ((c->src[i].first_ts = first_time(&c->src[i])) < 0)
			return;
	/* Insertion sort: stable, and a list given in order costs n. */
	for (i = 1; i < c->n; i++) {
		tmp = c->src[i];
		for (j = i; j > 0 && c->src[j - 1].first_ts > tmp.first_ts; j--)
			c->src[j] = c->src[j - 1];
		if (j != i) {
			if (early == NULL) {
				early = tmp.name;
				late = c->src[i].name;
			}
			moved++;
		}
		c->src[j] = tmp;
	}
	if (moved > 0)
		snprintf(c->notice, sizeof(c->notice),
		    "the %zu files are read in the time order of their first "
		    "packets, not in the order given (%s before %s)",
		    c->n, early, late);
}

struct capture *
capture_open(
    const struct capture_config *cfg, char *err, size_t errlen, int *status)
{
	struct capture *c = xcalloc(1, sizeof(*c));
	size_t i;

	*status = EXIT_NO_INPUT;
	c->cfg = *cfg;
	c->prev_time = -1;
	c->clock_due = INFINITY;
	if (cfg->iface != NULL) {
		c->live = true;
		c->st.live = true;
		c->src = xcalloc(1, sizeof(*c->src));
		c->n = 1;
		if (open_live(c, &c->src[0], cfg, err, errlen, status) != 0)
			goto fail;
		return c;
	}
	for (i = 0; i < cfg->nports; i++)
		c->portmap[cfg->ports[i] >> 3] |=
		    (uint8_t)(1u << (cfg->ports[i] & 7));
	if (cfg->nports == 0) /* --ports any: the filter is "tcp" */
		memset(c->portmap, 0xff, sizeof(c->portmap));
	c->src = xcalloc(cfg->nfiles, sizeof(*c->src));
	c->n = cfg->nfiles;
	c->progress = cfg->progress;
	c->speed = cfg->speed;
	c->pace_ts0 = -1;
	for (i = 0; i < cfg->nfiles; i++) {
		if (open_file(c, &c->src[i], cfg->files[i], cfg, err, errlen) !=
		    0) {
			if (c->src[i].p != NULL && cfg->user_filter != NULL &&
			    strstr(err, "filter expression") != NULL)
				*status = EXIT_USAGE;
			goto fail;
		}
	}
	files_in_time_order(c);
	return c;
fail:
	capture_close(c);
	return NULL;
}

static bool
port_set(const uint8_t *map, unsigned port)
{
	return (map[port >> 3] >> (port & 7)) & 1;
}

static bool
port_bit(const uint8_t *map, const u_char *p)
{
	return port_set(map, (unsigned)p[0] << 8 | p[1]);
}

/*
 * The port filter (capture_filter_text() without -f) on a frame whose
 * IP packet of the given ethertype starts at off, as its compiled
 * program decides: IPv4, a TCP segment on a mail port or a fragment
 * after the first; IPv6, TCP on a mail port or an extension header
 * first. -1 when the frame is too short to tell: the program decides.
 */
static int
ports_filter_ip(const uint8_t *map, const u_char *b, size_t caplen, size_t off,
    unsigned type)
{
	const u_char *ip = b + off;
	size_t hl;

	if (type == 0x0800) {
		if (caplen < off + 20)
			return -1;
		if (((ip[6] << 8 | ip[7]) & 0x1fff) != 0)
			return 1;
		if (ip[9] != 6)
			return 0;
		hl = (size_t)(ip[0] & 0x0f) * 4;
		if (caplen < off + hl + 4)
			return -1;
		return port_bit(map, ip + hl) || port_bit(map, ip + hl + 2);
	}
	if (caplen < off + 44)
		return -1;
	switch (ip[6]) {
	case 6:
		return port_bit(map, ip + 40) || port_bit(map, ip + 42);
	case 0:
	case 43:
	case 44:
	case 51:
	case 60:
		return 1;
	default:
		return 0;
	}
}

/* soft_filter_pass() on any frame but TCP right after an Ethernet
 * header, out of its way: the ports of an IP packet right after an
 * Ethernet or Linux cooked header, read here, else the program. */
static __attribute__((noinline)) bool
soft_filter_other(
    const struct capture *c, const struct pcap_pkthdr *h, const u_char *b)
{
	size_t tpos, off;
	unsigned type;
	int v = -1;

	switch (c->cur_linktype) {
	case DECAP_LINKTYPE_ETHERNET:
		tpos = 12;
		off = 14;
		break;
	case DECAP_LINKTYPE_LINUX_SLL:
		tpos = 14;
		off = 16;
		break;
	case DECAP_LINKTYPE_LINUX_SLL2:
		tpos = 0;
		off = 20;
		break;
	default:
		tpos = off = 0;
		break;
	}
	if (off > 0 && h->caplen >= off) {
		type = (unsigned)b[tpos] << 8 | b[tpos + 1];
		if (type == 0x0800 || type == 0x86dd)
			v = ports_filter_ip(
			    c->portmap, b, h->caplen, off, type);
	}
	if (v < 0)
		v = pcap_offline_filter(c->cur_prog, h, b) != 0;
	return v != 0;
}

/* Would the port filter pass this frame? IPv4 or IPv6 right after an
 * Ethernet or Linux cooked header is decided in C; anything else (VLAN
 * tags, MPLS, other link types, short frames) by the program. A mail
 * port found in f->g.tcp is told to reasm (f->mail_port). */
static bool
soft_filter_pass(const struct capture *c, struct source *s,
    const struct pcap_pkthdr *h, const u_char *b, struct reasm_frame *f)
{
	if (s->filter == FILTER_SOFT_PROGRAM)
		return pcap_offline_filter(c->cur_prog, h, b) != 0;
	/*
	 * TCP right after an Ethernet header, its ports read (f->tcp): the
	 * ethertype was IPv4's or IPv6's (any tag or label puts l3 further),
	 * an IPv4 packet is no fragment and its ports are at its header's
	 * end, an IPv6 one has no extension header. soft_filter_other() would
	 * read the same two ports.
	 */
	if (f->tcp && c->cur_linktype == DECAP_LINKTYPE_ETHERNET &&
	    f->d.l3_offset == 14 &&
	    (f->d.ip_version == 4 || f->d.l4 == f->d.l3 + 40)) {
		if (!port_set(c->portmap, f->g.tcp.sport) &&
		    !port_set(c->portmap, f->g.tcp.dport))
			return false;
		/* With --ports any every port is on the map: none is
		 * known to be a mail port. */
		f->mail_port = c->cfg.nports > 0;
		return true;
	}
	return soft_filter_other(c, h, b);
}

/* reasm_frame() takes these times as they are: its clock stays on NaN
 * and on times of 1e12 or more (reasm_packet()). */
_Static_assert(
    CAPTURE_TIME_MAX + 1 < 1000000000000LL, "capture times stay below 1e12");

double
capture_time(int64_t sec, int64_t usec, double prev, bool *replaced)
{
	/* int64_t to double is defined for every value; the sum of two
	 * finite doubles this size is finite. */
	double t = (double)sec + (double)usec / 1e6;

	*replaced = false;
	if (t >= 0 && t < (double)CAPTURE_TIME_MAX + 1)
		return t;
	*replaced = true;
	if (prev >= 0)
		return prev;
	return t < 0 ? 0 : (double)CAPTURE_TIME_MAX;
}

/* The time of the packet with header h (capture_time()): a timestamp no
 * record can carry is counted, and its packet's session marked. */
double
packet_time(struct capture *c, const struct pcap_pkthdr *h, bool *replaced)
{
	double ts = capture_time((int64_t)h->ts.tv_sec, (int64_t)h->ts.tv_usec,
	    c->prev_time, replaced);

	if (*replaced)
		c->st.timestamps_replaced++;
	c->prev_time = ts;
	return ts;
}

/* --pcap-out: the frame to its file. Out of packet_in(), where the
 * link-time optimiser inlined pcapout_frame() whole. */
static __attribute__((noinline, cold)) void
pcapout_put(struct capture *c, const struct pcap_pkthdr *h, const u_char *bytes)
{
	pcapout_frame(c->pcapout, c->cur_linktype, (int64_t)h->ts.tv_sec,
	    (int64_t)h->ts.tv_usec, bytes, h->caplen, h->len);
}

/* A packet and its time (packet_time()), to the soft filter and on. */
void
packet_in(struct capture *c, const struct pcap_pkthdr *h, const u_char *bytes,
    double ts, bool replaced)
{
	struct source *s = c->cur;
	struct reasm_frame f;
	bool pass;

	/* Decapsulated once, for the port filter and all after it. */
	reasm_decode(c->cur_linktype, bytes, h->caplen, &f);
	pass =
	    s->filter == FILTER_HANDLE || soft_filter_pass(c, s, h, bytes, &f);

	s->delivered++;
	/* A file whose -f was on the handle until our reader took over:
	 * what fails it stays unseen and uncounted, as before. */
	if (!pass && s->was_on_handle)
		return;
	c->st.packets++;
	if (h->caplen < h->len && h->caplen > c->st.snaplen)
		c->st.snaplen = h->caplen;
	if (!pass) {
		/* What a filter on the handle would have dropped unseen:
		 * counted, never followed, and the clock does not move. */
		reasm_other(&f, h->caplen);
		return;
	}
	c->last_ts = ts;
	if (replaced)
		reasm_time_replaced();
	if (ts >= c->clock_due)
		c->clock_due = c->clock_fn(c->clock_arg, ts);
	if (c->pcapout != NULL)
		pcapout_put(c, h, bytes);
	reasm_frame(&f, ts, h->caplen, h->len);
	if (c->cfg.max_packets > 0 && ++c->passed >= c->cfg.max_packets)
		capture_stop(c);
}

void
packet_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *c = (struct capture *)user;
	bool replaced;
	double ts = packet_time(c, h, &replaced);

	packet_in(c, h, bytes, ts, replaced);
}

/*
 * Live: non-blocking reads after poll() with a short timeout, so that
 * tick() runs even when no packet comes (idle timeouts, the dashboard,
 * a SIGUSR1 report) and a signal is seen at once.
 */
static void
run_live(
    struct capture *c, struct source *s, void (*tick)(void *), void *tick_arg)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pollfd pfd;
	int rc, fd;

	fd = pcap_get_selectable_fd(s->p);
	if (fd >= 0 && pcap_setnonblock(s->p, 1, errbuf) != 0)
		fd = -1;
	while (!c->stop) {
		if (fd >= 0) {
			pfd.fd = fd;
			pfd.events = POLLIN;
			pfd.revents = 0;
			poll(&pfd, 1, 200);
		}
		rc = pcap_dispatch(s->p, -1, packet_cb, (u_char *)c);
		if (tick != NULL)
			tick(tick_arg);
		if (rc == PCAP_ERROR) {
			snprintf(c->warning, sizeof(c->warning),
			    "capture on %s failed: %s", s->name,
			    pcap_geterr(s->p));
			c->st.damaged = true;
			break;
		}
	}
}

/* A compressed file read to its end: its decompressor's word on it. */
static void
zip_done(struct capture *c, struct source *s)
{
	int st;

	if (s->zpid < 0)
		return;
	pcap_close(s->p);
	s->p = NULL;
	st = capzip_reap(s->zpid, c->stop != 0);
	s->zpid = -1;
	if (st != 0 && !c->stop) {
		c->st.damaged = true;
		snprintf(c->warning, sizeof(c->warning),
		    "%s is damaged (%s stopped with status %d: the compressed "
		    "data is cut or corrupt); the packets before the damage "
		    "were analyzed",
		    s->name, s->zprog, st);
	}
}

static void
run_source(
    struct capture *c, struct source *s, void (*tick)(void *), void *tick_arg)
{
	int rc, done = 0;

	c->current = s->p;
	c->cur = s;
	c->cur_linktype = s->linktype;
	c->cur_prog = &s->prog;
	if (!c->live && c->speed > 0) {
		run_paced(c, s, tick, tick_arg);
		c->current = NULL;
		c->st.files_read++;
		return;
	}
	if (c->live) {
		run_live(c, s, tick, tick_arg);
		c->current = NULL;
		return;
	}
	if (s->fast && (done = run_fast(c, s, tick, tick_arg)) < 0)
		goto out;
	while (!c->stop) {
		rc = pcap_dispatch(
		    s->p, CAPTURE_BATCH - done, packet_cb, (u_char *)c);
		/* The batch run_fast() began counts as one. */
		if (rc >= 0)
			rc += done;
		done = 0;
		if (tick != NULL)
			tick(tick_arg);
		if (rc == PCAP_ERROR_BREAK)
			break;
		if (rc == PCAP_ERROR) {
			run_mixed(c, s, tick, tick_arg);
			break;
		}
		if (rc == 0 && !c->live)
			break;
		progress_draw(c, s, false);
	}
out:
	c->current = NULL;
	if (!c->live && s->size > 0)
		c->done_bytes += s->size;
	c->st.files_read++;
	zip_done(c, s);
}

void
capture_run(struct capture *c, void (*tick)(void *), void *tick_arg)
{
	struct pcap_stat ps;
	size_t i;

	for (i = 0; i < c->n && !c->stop; i++) {
		/* Files that overlap in time: said once, at the end. */
		if (i > 0 && c->src[i].first_ts >= 0 && c->last_ts > 0 &&
		    c->src[i].first_ts < c->last_ts - 1 &&
		    c->overlap[0] == '\0')
			snprintf(c->overlap, sizeof(c->overlap),
			    "%s begins %.0f s before the end of %s: the files "
			    "overlap in time, and a packet up to a minute "
			    "older than one before it is given that one's time",
			    c->src[i].name, c->last_ts - c->src[i].first_ts,
			    c->src[i - 1].name);
		run_source(c, &c->src[i], tick, tick_arg);
	}
	progress_draw(c, NULL, true);
	if (c->live && pcap_stats(c->src[0].p, &ps) == 0) {
		c->st.pcap_drops = ps.ps_drop;
		c->st.pcap_ifdrops = ps.ps_ifdrop;
	}
}

void
capture_stop(struct capture *c)
{
	pcap_t *p;

	c->stop = 1;
	if ((p = c->current) != NULL)
		pcap_breakloop(p);
}

const struct capture_stats *
capture_stats(struct capture *c)
{
	struct pcap_stat ps;

	if (c->live && c->src[0].p != NULL &&
	    pcap_stats(c->src[0].p, &ps) == 0) {
		c->st.pcap_drops = ps.ps_drop;
		c->st.pcap_ifdrops = ps.ps_ifdrop;
	}
	return &c->st;
}

void
capture_clock_hook(struct capture *c, double (*fn)(void *arg, double ts),
    void *arg, double due)
{
	c->clock_fn = fn;
	c->clock_arg = arg;
	c->clock_due = fn != NULL ? due : INFINITY;
}

double
capture_last_ts(const struct capture *c)
{
	return c->last_ts;
}

const char *
capture_notice(struct capture *c)
{
	return c->notice[0] ? c->notice : NULL;
}

/* ", 101 (RAW)" for each link type left out because of why. */
static void
left_out_list(struct capture *c, struct dbuf *b, bool filter)
{
	const char *name;
	size_t i, n = 0;

	for (i = 0; i < c->st.nleft_out; i++) {
		if (c->st.left_out[i].filter != filter)
			continue;
		name = pcap_datalink_val_to_name(
		    decap_linktype_to_dlt(c->st.left_out[i].linktype));
		dbuf_printf(b, "%s%d (%s)", n++ ? ", " : "",
		    c->st.left_out[i].linktype,
		    name != NULL ? name : "unknown");
	}
}

const char *
capture_overlap_notice(const struct capture *c)
{
	return c->overlap[0] ? c->overlap : NULL;
}

const char *
capture_end_notice(struct capture *c)
{
	struct dbuf b, no, nf;

	if (c->st.skipped == 0)
		return NULL;
	dbuf_init(&no, 1024);
	dbuf_init(&nf, 1024);
	left_out_list(c, &no, false);
	left_out_list(c, &nf, true);
	dbuf_init(&b, sizeof(c->end_notice) - 1);
	dbuf_printf(&b, "%" PRIu64 " packets were left out: ", c->st.skipped);
	if (no.len > 0)
		dbuf_printf(&b,
		    "smtpscope does not read their interfaces' link types "
		    "(%s)%s",
		    dbuf_str(&no), nf.len > 0 ? "; " : "");
	if (nf.len > 0)
		dbuf_printf(&b,
		    "the filter expression does not compile for their "
		    "interfaces' link types (%s)",
		    dbuf_str(&nf));
	snprintf(c->end_notice, sizeof(c->end_notice), "%s", dbuf_str(&b));
	dbuf_free(&b);
	dbuf_free(&no);
	dbuf_free(&nf);
	return c->end_notice;
}

void
capture_set_pcapout(struct capture *c, struct pcapout *po)
{
	c->pcapout = po;
}

const char *
capture_warning(struct capture *c)
{
	return c->warning[0] ? c->warning : NULL;
}

void
capture_close(struct capture *c)
{
	size_t i, j;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		if (c->src[i].p != NULL)
			pcap_close(c->src[i].p);
		capzip_reap(c->src[i].zpid, true);
		if (c->src[i].has_prog)
			pcap_freecode(&c->src[i].prog);
		for (j = 0; j < c->src[i].nlt; j++)
			if (c->src[i].lt[j].ok)
				pcap_freecode(&c->src[i].lt[j].prog);
		pcapng_close(c->src[i].ng);
		if (c->src[i].ngfp != NULL)
			fclose(c->src[i].ngfp);
		free(c->src[i].ngbuf);
		free(c->src[i].iobuf);
		if (c->src[i].fb != NULL)
			fast_release(&c->src[i]);
	}
	free(c->src);
	free(c);
}

void
capture_describe(const struct capture *c, FILE *f)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		const struct source *s = &c->src[i];
		int dlt = s->p != NULL ? pcap_datalink(s->p) : -1;
		const char *dn =
		    dlt >= 0 ? pcap_datalink_val_to_name(dlt) : NULL;

		if (c->live)
			fprintf(f, "smtpscope: capturing on %s, link type %s",
			    s->name, dn != NULL ? dn : "?");
		else
			fprintf(f, "smtpscope: reading %s%s%s, link type %s",
			    strcmp(s->name, "-") == 0 ? "standard input"
						      : s->name,
			    s->zprog != NULL ? " through " : "",
			    s->zprog != NULL ? s->zprog : "",
			    dn != NULL ? dn : "?");
		if (!c->live && s->first_ts >= 0)
			fprintf(f, ", first packet at %.6f", s->first_ts);
		if (s->p != NULL && pcap_snapshot(s->p) > 0)
			fprintf(f, ", snap length %d", pcap_snapshot(s->p));
		fputc('\n', f);
	}
}

int
capture_list_interfaces(FILE *out, FILE *err)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	pcap_if_t *all = NULL, *d;
	int i = 0;

	if (pcap_findalldevs(&all, perr) != 0) {
		fprintf(
		    err, "smtpscope: cannot list the interfaces: %s\n", perr);
		return EXIT_NO_INPUT;
	}
	for (d = all; d != NULL; d = d->next) {
		fprintf(out, "%d.%s", ++i, d->name);
		if (d->description != NULL)
			fprintf(out, " (%s)", d->description);
		fprintf(out, " [%s%s%s]", d->flags & PCAP_IF_UP ? "Up" : "Down",
		    d->flags & PCAP_IF_RUNNING ? ", Running" : "",
		    d->flags & PCAP_IF_LOOPBACK ? ", Loopback" : "");
		fputc('\n', out);
	}
	if (i == 0)
		fprintf(err,
		    "smtpscope: no interface to capture on (not root? give "
		    "smtpscope the CAP_NET_RAW capability)\n");
	pcap_freealldevs(all);
	return i > 0 ? EXIT_OK : EXIT_NO_INPUT;
}
