/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "capture.h"

#include <errno.h>
#include <pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "decap.h"
#include "reasm.h"
#include "util.h"

#define CAPTURE_SNAPLEN 262144

#define CAPTURE_BATCH 4096
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
	 * for the common frames, by the compiled program for the rest. */
	bool soft_filter;
	struct bpf_program prog;
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
	int cur_linktype;
	double speed;
	double pace_ts0, pace_wall0; /* first packet: capture and wall time */
	double last_ts;
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

char *
capture_filter_text(const uint16_t *ports, size_t nports,
    const char *user_filter, bool ethernet)
{
	struct dbuf base, all;
	size_t i;
	char *out;

	dbuf_init(&base, 1 << 20);
	dbuf_adds(&base, "((");
	for (i = 0; i < nports; i++)
		dbuf_printf(&base, "%stcp port %u", i ? " or " : "", ports[i]);
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

static int
set_filter(struct source *s, const struct capture_config *cfg, bool soft,
    char *err, size_t errlen)
{
	pcap_t *p = s->p;
	const char *name = s->name;
	struct bpf_program prog;
	bool eth = pcap_datalink(p) == DLT_EN10MB;
	char *text =
	    capture_filter_text(cfg->ports, cfg->nports, cfg->user_filter, eth);
	int rc;

	rc = pcap_compile(p, &prog, text, 1, PCAP_NETMASK_UNKNOWN);
	if (rc != 0 && eth) {
		free(text);
		text = capture_filter_text(
		    cfg->ports, cfg->nports, cfg->user_filter, false);
		rc = pcap_compile(p, &prog, text, 1, PCAP_NETMASK_UNKNOWN);
	}
	free(text);
	if (rc != 0) {
		if (cfg->user_filter != NULL)
			snprintf(err, errlen,
			    "the filter expression \"%s\" is not valid for "
			    "%s: %s",
			    cfg->user_filter, name, pcap_geterr(p));
		else
			snprintf(err, errlen,
			    "cannot set the port filter on "
			    "%s: %s",
			    name, pcap_geterr(p));
		return -1;
	}
	if (soft) {
		s->prog = prog;
		s->soft_filter = true;
		return 0;
	}
	rc = pcap_setfilter(p, &prog);
	pcap_freecode(&prog);
	if (rc != 0) {
		snprintf(err, errlen, "cannot set the filter on %s: %s", name,
		    pcap_geterr(p));
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

		if (fp != NULL) {
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
	return set_filter(s, cfg,
	    cfg->user_filter == NULL || *cfg->user_filter == '\0', err, errlen);
}

static int
open_live(struct source *s, const struct capture_config *cfg, char *err,
    size_t errlen, int *status)
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
	if (set_filter(s, cfg, false, err, errlen) != 0) {
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
	if (cfg->iface != NULL) {
		c->live = true;
		c->st.live = true;
		c->src = xcalloc(1, sizeof(*c->src));
		c->n = 1;
		if (open_live(&c->src[0], cfg, err, errlen, status) != 0)
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
	if (s != NULL && (f = pcap_file(s->p)) != NULL && (off = ftell(f)) > 0)
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

	switch (s->linktype) {
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
		v = pcap_offline_filter(&s->prog, h, b) != 0;
	return v != 0;
}

static void
packet_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *c = (struct capture *)user;
	double ts = (double)h->ts.tv_sec + (double)h->ts.tv_usec / 1e6;

	c->st.packets++;
	if (c->cur->soft_filter && !soft_filter_pass(c, c->cur, h, bytes)) {
		/* What a filter on the handle would have dropped unseen:
		 * counted, never followed, and the clock does not move. */
		reasm_count_other(c->cur_linktype, bytes, h->caplen);
		return;
	}
	c->last_ts = ts;
	reasm_packet(c->cur_linktype, ts, bytes, h->caplen, h->len);
}

/*
 * Replay at capture pace (--speed): each packet waits until its time,
 * scaled, has come; meanwhile tick() runs (the dashboard draws and reads
 * keys). Time spent inside tick() beyond a moment (a pause) moves the
 * schedule on, so that a replay resumes where it stopped.
 */
static void
run_paced(
    struct capture *c, struct source *s, void (*tick)(void *), void *tick_arg)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	double ts, target, now, t0, spent;
	int rc;

	while (!c->stop) {
		rc = pcap_next_ex(s->p, &h, &data);
		if (rc == PCAP_ERROR_BREAK)
			break;
		if (rc == PCAP_ERROR) {
			mark_damaged(c, s);
			break;
		}
		if (rc != 1)
			continue;
		ts = (double)h->ts.tv_sec + (double)h->ts.tv_usec / 1e6;
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
		if (c->stop)
			break;
		packet_cb((u_char *)c, h, data);
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

static void
run_source(
    struct capture *c, struct source *s, void (*tick)(void *), void *tick_arg)
{
	int rc;

	c->current = s->p;
	c->cur = s;
	c->cur_linktype = s->linktype;
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
	while (!c->stop) {
		rc = pcap_dispatch(
		    s->p, c->live ? -1 : CAPTURE_BATCH, packet_cb, (u_char *)c);
		if (tick != NULL)
			tick(tick_arg);
		if (rc == PCAP_ERROR_BREAK)
			break;
		if (rc == PCAP_ERROR) {
			mark_damaged(c, s);
			break;
		}
		if (rc == 0 && !c->live)
			break;
		progress_draw(c, s, false);
	}
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
capture_warning(struct capture *c)
{
	return c->warning[0] ? c->warning : NULL;
}

void
capture_close(struct capture *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		if (c->src[i].p != NULL)
			pcap_close(c->src[i].p);
		if (c->src[i].soft_filter)
			pcap_freecode(&c->src[i].prog);
		free(c->src[i].iobuf);
	}
	free(c->src);
	free(c);
}
