/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "net/capture.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "lib/util.h"
#include "net/decap.h"
#include "net/pcapng.h"
#include "net/reasm.h"

#define CAPTURE_SNAPLEN 262144

/* Port terms in the kernel's filter at most (port_ranges()). */
#ifndef CAPTURE_PORT_TERMS
#define CAPTURE_PORT_TERMS 8
#endif

/* Link types of one pcapng file read by our own reader (pcapng.h). */
#define CAPTURE_LINKTYPES_MAX 16

#define CAPTURE_BATCH 4096
/* What run_fast() reads at a time (at least a record of the largest
 * caplen it takes and its header). */
#define CAPTURE_FASTBUF (1u << 20)
#define CAPTURE_IOBUF \
	(1u << 20) /* stdio buffer of a capture file */ /* packets between \
							   checks of \
							   stop/progress */

struct source {
	pcap_t *p;
	const char *name;
	int linktype;
	uint64_t size; /* file bytes, 0 unknown */
	char *iobuf;   /* its stdio buffer, freed after pcap_close() */
	/* A file read without -f: the port filter is not set on the handle
	 * (libpcap would run it on every packet) but decided here, in C
	 * for the common frames, by the compiled program for the rest.
	 * Live, when the kernel refuses the whole filter (a long -f): the
	 * kernel passes the mail ports, the program here decides. */
	enum { FILTER_HANDLE, FILTER_SOFT_PORTS, FILTER_SOFT_PROGRAM } filter;
	struct bpf_program prog;
	/* A classic pcap file in this machine's byte order, read without
	 * -f and not paced, is read here rather than by libpcap (see
	 * run_fast()). */
	bool fast;
	bool fast_nsec;    /* nanosecond time stamps */
	uint32_t fast_max; /* the largest caplen libpcap takes as it is */
	int fd;
	uint8_t *fb;        /* records read ahead */
	size_t fb_len;      /* bytes in fb */
	size_t fb_pos;      /* the next record in fb */
	uint64_t fb_off;    /* file offset of fb[0] */
	bool has_prog;      /* prog holds a program */
	bool was_on_handle; /* the filter was on the handle (run_mixed()) */
	uint64_t delivered; /* packets libpcap handed over */
	/* A pcapng file whose interfaces have different link types, read
	 * by our own reader once libpcap gave up, and the filter of each
	 * link type met (compiled for it, with the VLAN variants on
	 * Ethernet). */
	struct pcapng_reader *ng;
	FILE *ngfp;
	char *ngbuf;
	struct link_prog {
		int linktype;
		bool ok; /* read and filtered; else its packets skipped */
		struct bpf_program prog;
	} lt[CAPTURE_LINKTYPES_MAX];
	size_t nlt;
};

struct capture {
	struct source *src;
	size_t n;
	bool live;
	bool progress;
	volatile sig_atomic_t stop;
	pcap_t *volatile current;
	struct capture_stats st;
	uint8_t portmap[8192]; /* the mail ports, one bit each */
	struct source *cur;    /* being read */
	uint64_t done_bytes;   /* of the files already read */
	uint64_t total_bytes;
	double last_progress;
	char warning[512];
	char notice[512]; /* said once, at the start (capture_notice()) */
	char end_notice[512];
	struct capture_config cfg;
	int cur_linktype;
	const struct bpf_program *cur_prog; /* the soft filter's program */
	double speed;
	double pace_ts0, pace_wall0; /* first packet: capture and wall time */
	double last_ts;
	double prev_time; /* the last packet's time (capture_time()), or -1 */
};

static const char *
ext_filter_alt(void)
{
	/* IPv4 non-first fragments and IPv6 with extension headers
	 * before TCP: ports not visible to BPF, checked by us. */
	return "(ip and ip[6:2] & 0x1fff != 0) or (ip6 and (ip6[6] == 0 or "
	       "ip6[6] == 43 or ip6[6] == 44 or ip6[6] == 60 or "
	       "ip6[6] == 51))";
}

/* A range of mail ports in the kernel's filter. */
struct port_range {
	unsigned lo, hi;
};

static int
gap_cmp(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/*
 * The mail ports as at most CAPTURE_PORT_TERMS ranges, ascending: ports
 * in a row make one range; beyond the limit the ranges closest to each
 * other are joined, so that the kernel passes a few ports too many and
 * the program (reasm's port map) decides each segment exactly. The
 * filter then costs about the same whatever the list: "--ports 1-1024"
 * or a hundred scattered ports compile in a millisecond to a few
 * hundred instructions, where a term per port made programs the kernel
 * refuses (over 4096 instructions) after seconds of compiling.
 * Returns the number of ranges in out (room for CAPTURE_PORT_TERMS).
 */
static size_t
port_ranges(const uint16_t *ports, size_t nports, struct port_range *out)
{
	uint8_t *map = xcalloc(8192, 1);
	struct port_range *r = NULL;
	unsigned *gaps, cut, v;
	size_t n = 0, cap = 0, i, j, join, at_cut;

	for (i = 0; i < nports; i++)
		map[ports[i] >> 3] |= (uint8_t)(1u << (ports[i] & 7));
	for (v = 0; v < 65536; v++) {
		if (!((map[v >> 3] >> (v & 7)) & 1))
			continue;
		if (n > 0 && r[n - 1].hi + 1 == v) {
			r[n - 1].hi = v;
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			r = xrealloc(r, cap * sizeof(*r));
		}
		r[n].lo = r[n].hi = v;
		n++;
	}
	free(map);
	if (n > CAPTURE_PORT_TERMS) {
		/* Join the n - CAPTURE_PORT_TERMS narrowest gaps: those
		 * under the cut, then as many at the cut as are still
		 * wanted, from the lowest port up. */
		join = n - CAPTURE_PORT_TERMS;
		gaps = xmalloc((n - 1) * sizeof(*gaps));
		for (i = 0; i + 1 < n; i++)
			gaps[i] = r[i + 1].lo - r[i].hi;
		qsort(gaps, n - 1, sizeof(*gaps), gap_cmp);
		cut = gaps[join - 1];
		at_cut = 0;
		for (i = 0; i < join; i++)
			if (gaps[i] == cut)
				at_cut++;
		free(gaps);
		for (i = 1, j = 0; i < n; i++) {
			unsigned g = r[i].lo - r[j].hi;

			if (g < cut || (g == cut && at_cut > 0)) {
				if (g == cut)
					at_cut--;
				r[j].hi = r[i].hi;
			} else
				r[++j] = r[i];
		}
		n = j + 1;
	}
	if (n > 0)
		memcpy(out, r, n * sizeof(*r));
	free(r);
	return n;
}

char *
capture_filter_text(const uint16_t *ports, size_t nports,
    const char *user_filter, bool ethernet)
{
	struct port_range r[CAPTURE_PORT_TERMS];
	struct dbuf base, all;
	size_t i, n = port_ranges(ports, nports, r);
	char *out;

	dbuf_init(&base, 1 << 20);
	dbuf_adds(&base, "((");
	for (i = 0; i < n; i++) {
		if (r[i].lo == r[i].hi)
			dbuf_printf(
			    &base, "%stcp port %u", i ? " or " : "", r[i].lo);
		else
			dbuf_printf(&base, "%stcp portrange %u-%u",
			    i ? " or " : "", r[i].lo, r[i].hi);
	}
	if (n == 0)
		dbuf_adds(&base, "tcp");
	dbuf_printf(&base, ") or %s)", ext_filter_alt());
	if (user_filter != NULL && *user_filter != '\0')
		dbuf_printf(&base, " and (%s)", user_filter);
	dbuf_init(&all, 1 << 20);
	if (ethernet) {
		/* libpcap's "vlan" shifts every later offset: nesting
		 * it matches one tag, then two (QinQ). MPLS frames pass
		 * whole; decap and the port check do the rest. */
		dbuf_printf(&all,
		    "(%s) or (ether proto 0x8847 or ether proto 0x8848) "
		    "or (vlan and ((%s) or (vlan and (%s))))",
		    dbuf_str(&base), dbuf_str(&base), dbuf_str(&base));
	} else
		dbuf_adds(&all, dbuf_str(&base));
	out = xstrdup(dbuf_str(&all));
	dbuf_free(&base);
	dbuf_free(&all);
	return out;
}

/* Would the kernel take this program as a socket filter? It is tried
 * on a socket of our own, which the kernel checks as it would the
 * capture's (length, instructions, option memory), so that libpcap is
 * never handed a program it would then run in user space after a
 * warning of its own on stderr. */
static bool
kernel_takes(const struct bpf_program *prog)
{
	struct sock_fprog fp;
	int fd, rc, e;

	if (prog->bf_len > BPF_MAXINSNS)
		return false;
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		return true; /* cannot tell: libpcap will see */
	memset(&fp, 0, sizeof(fp));
	fp.len = (unsigned short)prog->bf_len;
	fp.filter = (struct sock_filter *)prog->bf_insns;
	rc = setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp));
	e = errno;
	close(fd);
	/* A kernel without socket filters: libpcap filters in user
	 * space without a word, as it must. */
	return rc == 0 || e == ENOPROTOOPT || e == EOPNOTSUPP;
}

static void
filter_error(const struct source *s, const struct capture_config *cfg,
    pcap_t *p, char *err, size_t errlen)
{
	if (cfg->user_filter != NULL)
		snprintf(err, errlen,
		    "the filter expression \"%s\" is not valid for %s: %s",
		    cfg->user_filter, s->name, pcap_geterr(p));
	else
		snprintf(err, errlen, "cannot set the port filter on %s: %s",
		    s->name, pcap_geterr(p));
}

/* The filter compiled for p: with VLAN alternatives on Ethernet, as
 * far as p compiles them (some cannot), without otherwise. */
static int
filter_compile(pcap_t *p, struct bpf_program *prog,
    const struct capture_config *cfg, const char *user_filter)
{
	bool eth = pcap_datalink(p) == DLT_EN10MB;
	char *text =
	    capture_filter_text(cfg->ports, cfg->nports, user_filter, eth);
	int rc;

	rc = pcap_compile(p, prog, text, 1, PCAP_NETMASK_UNKNOWN);
	if (rc != 0 && eth) {
		free(text);
		text = capture_filter_text(
		    cfg->ports, cfg->nports, user_filter, false);
		rc = pcap_compile(p, prog, text, 1, PCAP_NETMASK_UNKNOWN);
	}
	free(text);
	return rc;
}

/*
 * Live, the kernel refused the whole filter: it gets the mail ports
 * alone and the whole filter runs here, compiled for the link type
 * without libpcap's Linux VLAN extensions (which read what only the
 * kernel has; libpcap puts the tags back into the frames it hands us).
 */
static int
set_filter_split(struct capture *c, struct source *s,
    const struct capture_config *cfg, const struct bpf_program *whole,
    char *err, size_t errlen)
{
	struct bpf_program ports;
	pcap_t *dead;
	bool kernel;

	if (filter_compile(s->p, &ports, cfg, NULL) != 0) {
		filter_error(s, cfg, s->p, err, errlen);
		return -1;
	}
	kernel = kernel_takes(&ports);
	if (kernel && pcap_setfilter(s->p, &ports) != 0) {
		pcap_freecode(&ports);
		snprintf(err, errlen, "cannot set the filter on %s: %s",
		    s->name, pcap_geterr(s->p));
		return -1;
	}
	pcap_freecode(&ports);
	dead = pcap_open_dead(pcap_datalink(s->p), CAPTURE_SNAPLEN);
	if (dead == NULL ||
	    filter_compile(dead, &s->prog, cfg, cfg->user_filter) != 0) {
		if (dead != NULL)
			filter_error(s, cfg, dead, err, errlen);
		else
			snprintf(err, errlen, "cannot set the filter on %s",
			    s->name);
		if (dead != NULL)
			pcap_close(dead);
		return -1;
	}
	pcap_close(dead);
	s->has_prog = true;
	s->filter = FILTER_SOFT_PROGRAM;
	snprintf(c->notice, sizeof(c->notice),
	    "the kernel refused the capture filter on %s (%u instructions "
	    "with -f): the kernel passes %s and smtpscope applies -f "
	    "itself, which costs more CPU",
	    s->name, whole->bf_len, kernel ? "the mail ports" : "every packet");
	return 0;
}

static int
set_filter(struct capture *c, struct source *s,
    const struct capture_config *cfg, bool soft, char *err, size_t errlen)
{
	struct bpf_program prog;
	int rc;

	if (filter_compile(s->p, &prog, cfg, cfg->user_filter) != 0) {
		filter_error(s, cfg, s->p, err, errlen);
		return -1;
	}
	if (soft) {
		s->prog = prog;
		s->has_prog = true;
		s->filter = FILTER_SOFT_PORTS;
		return 0;
	}
	if (c->live && !kernel_takes(&prog)) {
		rc = set_filter_split(c, s, cfg, &prog, err, errlen);
		pcap_freecode(&prog);
		return rc;
	}
	rc = pcap_setfilter(s->p, &prog);
	pcap_freecode(&prog);
	if (rc != 0) {
		snprintf(err, errlen, "cannot set the filter on %s: %s",
		    s->name, pcap_geterr(s->p));
		return -1;
	}
	return 0;
}

static int
check_linktype(pcap_t *p, const char *name, char *err, size_t errlen)
{
	int dlt = pcap_datalink(p);
	int lt = capture_dlt_to_linktype(dlt);

	if (!decap_linktype_supported(lt)) {
		const char *dn = pcap_datalink_val_to_name(dlt);

		snprintf(err, errlen,
		    "%s: link type %d (%s) is not supported; smtpscope reads "
		    "Ethernet, 802.1Q/QinQ, MPLS, Linux cooked (SLL, SLL2), "
		    "BSD loopback and raw IP captures",
		    name, lt, dn ? dn : "unknown");
		return -1;
	}
	return lt;
}

/* pcap's DLT_ values differ from LINKTYPE_ ones for a few types. */
int
capture_dlt_to_linktype(int dlt)
{
	switch (dlt) {
	case DLT_RAW:
		return 101;
#ifdef DLT_LOOP
	case DLT_LOOP:
		return 108;
#endif
	default:
		return dlt;
	}
}

static int
open_file(struct capture *c, struct source *s, const char *name,
    const struct capture_config *cfg, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct stat sb;
	int lt;

	s->name = name;
	if (strcmp(name, "-") != 0) {
		if (stat(name, &sb) != 0) {
			snprintf(err, errlen, "cannot read %s: %s", name,
			    strerror(errno));
			return -1;
		}
		if (S_ISDIR(sb.st_mode)) {
			snprintf(err, errlen,
			    "cannot read %s: it is a directory", name);
			return -1;
		}
		if (S_ISREG(sb.st_mode) && sb.st_size == 0) {
			snprintf(err, errlen, "%s is empty: not a capture file",
			    name);
			return -1;
		}
		if (access(name, R_OK) != 0) {
			snprintf(err, errlen, "cannot read %s: %s", name,
			    strerror(errno));
			return -1;
		}
		s->size = S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0;
	}
	if (strcmp(name, "-") != 0) {
		/* libpcap reads 4 KB at a time through stdio: a 1 MB buffer
		 * saves most of the read calls. Freed after pcap_close(). */
		FILE *fp = fopen(name, "rb");
		uint32_t fh[2];

		/* A classic pcap file of this machine's byte order, version
		 * 2.4, microseconds or nanoseconds, read without -f and not
		 * paced: run_fast() may read it (libpcap reads only the file
		 * header, with stdio's own small buffer). */
		if (fp != NULL && S_ISREG(sb.st_mode) &&
		    (cfg->user_filter == NULL || *cfg->user_filter == '\0') &&
		    cfg->speed <= 0 &&
		    pread(fileno(fp), fh, sizeof(fh), 0) == sizeof(fh) &&
		    (fh[0] == 0xa1b2c3d4u || fh[0] == 0xa1b23c4du) &&
		    fh[1] == (2u | 4u << 16)) {
			s->fast = true;
			s->fast_nsec = fh[0] == 0xa1b23c4du;
		} else if (fp != NULL) {
			s->iobuf = xmalloc(CAPTURE_IOBUF);
			setvbuf(fp, s->iobuf, _IOFBF, CAPTURE_IOBUF);
		}
		s->p = fp == NULL ? NULL
				  : pcap_fopen_offline_with_tstamp_precision(
					fp, PCAP_TSTAMP_PRECISION_MICRO, perr);
		if (s->p == NULL && fp != NULL)
			fclose(fp);
	} else
		s->p = pcap_open_offline_with_tstamp_precision(
		    name, PCAP_TSTAMP_PRECISION_MICRO, perr);
	if (s->p == NULL) {
		if (strstr(perr, "unknown file format") != NULL ||
		    strstr(perr, "bad dump file format") != NULL)
			snprintf(err, errlen,
			    "%s is not a capture file (pcap or pcapng)", name);
		else if (strstr(perr, "only got 0") != NULL)
			snprintf(err, errlen, "%s is empty: not a capture file",
			    name);
		else if (strstr(perr, "truncated") != NULL)
			snprintf(err, errlen,
			    "%s is too short to be a capture file", name);
		else
			snprintf(err, errlen, "cannot read %s: %s", name, perr);
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
	/* Read here only when libpcap would neither filter (-f sets the
	 * program on the handle) nor swap anything. */
	if (s->fast &&
	    (s->filter != FILTER_SOFT_PORTS || pcap_is_swapped(s->p) ||
		pcap_major_version(s->p) != 2 ||
		pcap_minor_version(s->p) != 4 || pcap_snapshot(s->p) <= 0))
		s->fast = false;
	if (s->fast) {
		off_t at = ftello(pcap_file(s->p));

		s->fd = fileno(pcap_file(s->p));
		s->fast_max = (uint32_t)pcap_snapshot(s->p);
		if (s->fast_max > CAPTURE_SNAPLEN)
			s->fast_max = CAPTURE_SNAPLEN;
		if (at < 0)
			s->fast = false;
		else
			s->fb_off = (uint64_t)at;
	}
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
	pcap_set_immediate_mode(s->p, 1);
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

struct capture *
capture_open(
    const struct capture_config *cfg, char *err, size_t errlen, int *status)
{
	struct capture *c = xcalloc(1, sizeof(*c));
	size_t i;

	*status = EXIT_NO_INPUT;
	c->cfg = *cfg;
	c->prev_time = -1;
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
	return c;
fail:
	capture_close(c);
	return NULL;
}

static double
wall_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

static void
progress_draw(struct capture *c, struct source *s, bool final)
{
	uint64_t pos = c->done_bytes;
	double now = wall_now();
	int width = 40, filled, i;
	char bar[64];
	FILE *f;
	long off;

	if (!c->progress || c->total_bytes == 0)
		return;
	if (!final && now - c->last_progress < 0.2)
		return;
	c->last_progress = now;
	if (final) {
		fprintf(stderr, "\r%*s\r", 79, "");
		return;
	}
	if (s != NULL && s->fast)
		pos += s->fb_off + s->fb_pos;
	else if (s != NULL &&
	    (f = s->ngfp != NULL ? s->ngfp : pcap_file(s->p)) != NULL &&
	    (off = ftell(f)) > 0)
		pos += (uint64_t)off;
	if (pos > c->total_bytes)
		pos = c->total_bytes;
	filled = (int)((double)pos / (double)c->total_bytes * width);
	for (i = 0; i < width; i++)
		bar[i] = i < filled ? '#' : '.';
	bar[width] = '\0';
	fprintf(stderr, "\r[%s] %3d%% %.1f/%.1f MB", bar,
	    (int)((double)pos * 100 / (double)c->total_bytes),
	    (double)pos / 1e6, (double)c->total_bytes / 1e6);
}

/* A file that ends inside a packet: what came before is analyzed. */
static void
mark_damaged(struct capture *c, struct source *s)
{
	c->st.damaged = true;
	snprintf(c->warning, sizeof(c->warning),
	    "%s is damaged (%s); the packets before the damage were analyzed",
	    s->name, pcap_geterr(s->p));
}

static bool
port_bit(const uint8_t *map, const u_char *p)
{
	unsigned port = (unsigned)p[0] << 8 | p[1];

	return (map[port >> 3] >> (port & 7)) & 1;
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

/* Would the port filter pass this frame? IPv4 or IPv6 right after an
 * Ethernet or Linux cooked header is decided in C; anything else (VLAN
 * tags, MPLS, other link types, short frames) by the program. */
static bool
soft_filter_pass(const struct capture *c, struct source *s,
    const struct pcap_pkthdr *h, const u_char *b)
{
	size_t tpos, off;
	unsigned type;
	int v = -1;

	if (s->filter == FILTER_SOFT_PROGRAM)
		return pcap_offline_filter(c->cur_prog, h, b) != 0;
	switch (c->cur_linktype) {
	case 1: /* LINKTYPE_ETHERNET */
		tpos = 12;
		off = 14;
		break;
	case 113: /* LINKTYPE_LINUX_SLL */
		tpos = 14;
		off = 16;
		break;
	case 276: /* LINKTYPE_LINUX_SLL2 */
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
static double
packet_time(struct capture *c, const struct pcap_pkthdr *h, bool *replaced)
{
	double ts = capture_time((int64_t)h->ts.tv_sec, (int64_t)h->ts.tv_usec,
	    c->prev_time, replaced);

	if (*replaced)
		c->st.timestamps_replaced++;
	c->prev_time = ts;
	return ts;
}

/* A packet and its time (packet_time()), to the soft filter and on. */
static void
packet_in(struct capture *c, const struct pcap_pkthdr *h, const u_char *bytes,
    double ts, bool replaced)
{
	struct source *s = c->cur;
	bool pass =
	    s->filter == FILTER_HANDLE || soft_filter_pass(c, s, h, bytes);

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
		reasm_count_other(c->cur_linktype, bytes, h->caplen);
		return;
	}
	c->last_ts = ts;
	if (replaced)
		reasm_time_replaced();
	reasm_packet(c->cur_linktype, ts, bytes, h->caplen, h->len);
}

static void
packet_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *c = (struct capture *)user;
	bool replaced;
	double ts = packet_time(c, h, &replaced);

	packet_in(c, h, bytes, ts, replaced);
}

/*
 * Replay at capture pace (--speed): each packet waits until its time,
 * scaled, has come; meanwhile tick() runs (the dashboard draws and reads
 * keys). Time spent inside tick() beyond a moment (a pause) moves the
 * schedule on, so that a replay resumes where it stopped. False when
 * the run was stopped meanwhile.
 */
static bool
pace_wait(struct capture *c, double ts, void (*tick)(void *), void *tick_arg)
{
	double target, now, t0, spent;

	if (c->pace_ts0 < 0) {
		c->pace_ts0 = ts;
		c->pace_wall0 = wall_now();
	}
	target = c->pace_wall0 + (ts - c->pace_ts0) / c->speed;
	while (!c->stop && (now = wall_now()) < target) {
		t0 = now;
		if (tick != NULL)
			tick(tick_arg);
		spent = wall_now() - t0;
		if (spent > 0.1) {
			c->pace_wall0 += spent;
			target += spent;
		}
		now = wall_now();
		if (now < target) {
			double d = target - now;
			struct timespec sl;

			if (d > 0.05)
				d = 0.05;
			sl.tv_sec = 0;
			sl.tv_nsec = (long)(d * 1e9);
			nanosleep(&sl, NULL);
		}
	}
	return !c->stop;
}

/* libpcap 1.10 reads one link type and one snap length per pcapng file,
 * and one byte order: it stops at the first interface or section that
 * differs. */
static bool
mixed_interfaces(struct source *s)
{
	const char *e = pcap_geterr(s->p);

	return strstr(e, "different from the type of the first interface") !=
	    NULL ||
	    strstr(e, "different from the snapshot length of the first") !=
	    NULL ||
	    strstr(e, "sections with different byte orders") != NULL;
}

static void run_mixed(
    struct capture *c, struct source *s, void (*tick)(void *), void *tick_arg);

static void
run_paced(
    struct capture *c, struct source *s, void (*tick)(void *), void *tick_arg)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	bool replaced;
	double ts;
	int rc;

	while (!c->stop) {
		rc = pcap_next_ex(s->p, &h, &data);
		if (rc == PCAP_ERROR_BREAK)
			break;
		if (rc == PCAP_ERROR) {
			run_mixed(c, s, tick, tick_arg);
			break;
		}
		if (rc != 1)
			continue;
		ts = packet_time(c, h, &replaced);
		if (!pace_wait(c, ts, tick, tick_arg))
			break;
		packet_in(c, h, data, ts, replaced);
	}
	if (tick != NULL)
		tick(tick_arg);
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

/* pcap's DLT_ value of a LINKTYPE_ number (the few that differ). */
static int
linktype_to_dlt(int lt)
{
	switch (lt) {
	case 101:
		return DLT_RAW;
#ifdef DLT_LOOP
	case 108:
		return DLT_LOOP;
#endif
	default:
		return lt;
	}
}

static void
left_out(struct capture *c, int lt, bool filter)
{
	size_t n = c->st.nleft_out;

	if (n < CAPTURE_LEFT_OUT_MAX) {
		c->st.left_out[n].linktype = lt;
		c->st.left_out[n].filter = filter;
		c->st.nleft_out++;
	}
}

/* The filter for packets of link type lt in a file read by our reader:
 * compiled at its first packet. NULL: its packets are skipped (a link
 * type smtpscope does not decode, a -f that does not compile for it, or
 * more link types than kept). */
static struct link_prog *
link_prog(struct capture *c, struct source *s, int lt)
{
	struct link_prog *e;
	pcap_t *dead;
	size_t i;

	for (i = 0; i < s->nlt; i++)
		if (s->lt[i].linktype == lt)
			return s->lt[i].ok ? &s->lt[i] : NULL;
	if (s->nlt == CAPTURE_LINKTYPES_MAX)
		return NULL;
	e = &s->lt[s->nlt++];
	e->linktype = lt;
	e->ok = false;
	if (!decap_linktype_supported(lt)) {
		left_out(c, lt, false);
		return NULL;
	}
	dead = pcap_open_dead(linktype_to_dlt(lt), CAPTURE_SNAPLEN);
	if (dead == NULL)
		return NULL;
	if (filter_compile(dead, &e->prog, &c->cfg, c->cfg.user_filter) == 0)
		e->ok = true;
	else
		left_out(c, lt, true);
	pcap_close(dead);
	return e->ok ? e : NULL;
}

/*
 * libpcap stopped reading a file with an error. When the file is a
 * pcapng file that libpcap stopped on for one of the reasons our reader
 * knows (an interface of another link type or snap length, a section of
 * another byte order: pcapng_past_libpcap()), our reader reads it anew,
 * steps over the packets libpcap handed over, and gives each packet with
 * its interface's link type to the same path, filtered here (the filter
 * of the handle is for one link type). Those libpcap handed over:
 * without a filter on the handle, each reached packet_in() and was
 * counted; with one (-f), which hands over only what passes, those
 * before the block where libpcap stopped. Anything else (a pcap file, a
 * pcapng file damaged where libpcap stopped, or where our reader sees no
 * reason to stop) is damage, as libpcap said. A pipe or standard input
 * cannot be read anew: what came before stands.
 */
static void
run_mixed(
    struct capture *c, struct source *s, void (*tick)(void *), void *tick_arg)
{
	char err[256] = "";
	struct pcapng_packet pk;
	struct pcap_pkthdr h;
	struct link_prog *lp;
	uint64_t skip = s->delivered, n = 0;
	bool on_handle = s->filter == FILTER_HANDLE, resumed = false, replaced;
	double ts;
	int rc;

	if (s->size == 0 || (s->ngfp = fopen(s->name, "rb")) == NULL) {
		if (!mixed_interfaces(s)) {
			mark_damaged(c, s);
			return;
		}
		c->st.damaged = true;
		snprintf(c->warning, sizeof(c->warning),
		    "%s: its interfaces have different link types or snap "
		    "lengths, which smtpscope reads only from a file, not "
		    "from a pipe; the packets before were analyzed",
		    strcmp(s->name, "-") == 0 ? "standard input" : s->name);
		return;
	}
	s->ngbuf = xmalloc(CAPTURE_IOBUF);
	setvbuf(s->ngfp, s->ngbuf, _IOFBF, CAPTURE_IOBUF);
	if ((s->ng = pcapng_open(s->ngfp, err, sizeof(err))) == NULL) {
		mark_damaged(c, s); /* not pcapng: libpcap's word */
		return;
	}
	while (!c->stop) {
		rc = pcapng_next(s->ng, &pk, err, sizeof(err));
		if (rc <= 0 && !resumed) {
			/* Where libpcap stopped, the file ends or is
			 * damaged: libpcap's word, unless it stopped on a
			 * block our reader reads. */
			if (rc < 0 || !pcapng_past_libpcap(s->ng))
				mark_damaged(c, s);
			break;
		}
		if (rc == 0)
			break;
		if (rc < 0) {
			c->st.damaged = true;
			snprintf(c->warning, sizeof(c->warning),
			    "%s is damaged (%s); the packets before the "
			    "damage were analyzed",
			    s->name, err);
			break;
		}
		if (!resumed) {
			if (on_handle ? !pcapng_past_libpcap(s->ng)
				      : skip > 0) {
				if (skip > 0)
					skip--;
				continue;
			}
			if (!pcapng_past_libpcap(s->ng)) {
				mark_damaged(c, s);
				break;
			}
			resumed = true;
			s->was_on_handle = on_handle;
			s->filter = c->cfg.user_filter != NULL &&
				*c->cfg.user_filter != '\0'
			    ? FILTER_SOFT_PROGRAM
			    : FILTER_SOFT_PORTS;
		}
		if ((lp = link_prog(c, s, pk.linktype)) == NULL) {
			c->st.packets++;
			c->st.skipped++;
			continue;
		}
		/* time_t holds what the reader gives (64 bits, saturated);
		 * packet_time() decides what an absurd one becomes. */
		h.ts.tv_sec = (time_t)pk.sec;
		h.ts.tv_usec = (suseconds_t)pk.usec;
		h.caplen = pk.caplen;
		h.len = pk.len;
		ts = packet_time(c, &h, &replaced);
		if (c->speed > 0 && !pace_wait(c, ts, tick, tick_arg))
			break;
		c->cur_linktype = pk.linktype;
		c->cur_prog = &lp->prog;
		packet_in(c, &h, pk.data, ts, replaced);
		if (++n % CAPTURE_BATCH == 0) {
			if (tick != NULL)
				tick(tick_arg);
			progress_draw(c, s, false);
		}
	}
}

/* More of the file after what is left in s->fb (moved to its start).
 * False when nothing more came (end of file, or an error libpcap will
 * meet and report when it reads from here). */
static bool
fast_fill(struct source *s)
{
	size_t left = s->fb_len - s->fb_pos;
	ssize_t r;

	if (s->fb_pos > 0) {
		memmove(s->fb, s->fb + s->fb_pos, left);
		s->fb_off += s->fb_pos;
		s->fb_pos = 0;
		s->fb_len = left;
	}
	do
		r = pread(s->fd, s->fb + s->fb_len, CAPTURE_FASTBUF - s->fb_len,
		    (off_t)(s->fb_off + s->fb_len));
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return false;
	s->fb_len += (size_t)r;
	return true;
}

/*
 * A classic pcap file read a megabyte at a time, each record handed over
 * where it lies (libpcap reads each record's header and data with a
 * fread() each and copies the data into its own buffer): the same
 * records, time stamps and lengths that libpcap gives, for records it
 * takes as they are (caplen within the snapshot length). At the first
 * record that is not such (too long, cut short by the end of the file,
 * a read error) libpcap takes over from that record's offset and
 * decides, reports and counts it as before. Returns the packets handed
 * over since the last batch began (libpcap's pcap_dispatch() takes over
 * the rest of that batch), or -1 when stopped.
 */
static int
run_fast(
    struct capture *c, struct source *s, void (*tick)(void *), void *tick_arg)
{
	struct pcap_pkthdr h;
	uint32_t rec[4];
	int n = 0;

	if (s->fb == NULL)
		s->fb = xmalloc(CAPTURE_FASTBUF);
	for (;;) {
		if (c->stop) {
			/* As pcap_dispatch() returns when broken off. */
			if (tick != NULL)
				tick(tick_arg);
			return -1;
		}
		if (s->fb_len - s->fb_pos < sizeof(rec) &&
		    (!fast_fill(s) || s->fb_len - s->fb_pos < sizeof(rec)))
			break;
		memcpy(rec, s->fb + s->fb_pos, sizeof(rec));
		if (rec[2] > s->fast_max)
			break;
		if (s->fb_len - s->fb_pos < sizeof(rec) + rec[2] &&
		    (!fast_fill(s) ||
			s->fb_len - s->fb_pos < sizeof(rec) + rec[2]))
			break;
		/* As libpcap: 32-bit signed fields, nanoseconds divided. */
		h.ts.tv_sec = (int32_t)rec[0];
		h.ts.tv_usec = (int32_t)rec[1];
		if (s->fast_nsec)
			h.ts.tv_usec = h.ts.tv_usec / 1000;
		h.caplen = rec[2];
		h.len = rec[3];
		s->fb_pos += sizeof(rec);
		packet_cb((u_char *)c, &h, s->fb + s->fb_pos);
		s->fb_pos += rec[2];
		if (++n == CAPTURE_BATCH) {
			n = 0;
			if (tick != NULL)
				tick(tick_arg);
			if (c->stop)
				return -1;
			progress_draw(c, s, false);
		}
	}
	/* libpcap goes on from the record not taken. */
	s->fast = false;
	if (fseeko(pcap_file(s->p), (off_t)(s->fb_off + s->fb_pos), SEEK_SET) !=
	    0) {
		snprintf(c->warning, sizeof(c->warning),
		    "%s is damaged (cannot seek: %s); the packets before the "
		    "damage were analyzed",
		    s->name, strerror(errno));
		c->st.damaged = true;
		return -1;
	}
	free(s->fb);
	s->fb = NULL;
	return n;
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
}

void
capture_run(struct capture *c, void (*tick)(void *), void *tick_arg)
{
	struct pcap_stat ps;
	size_t i;

	for (i = 0; i < c->n && !c->stop; i++)
		run_source(c, &c->src[i], tick, tick_arg);
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
		    linktype_to_dlt(c->st.left_out[i].linktype));
		dbuf_printf(b, "%s%d (%s)", n++ ? ", " : "",
		    c->st.left_out[i].linktype,
		    name != NULL ? name : "unknown");
	}
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
		free(c->src[i].fb);
	}
	free(c->src);
	free(c);
}
