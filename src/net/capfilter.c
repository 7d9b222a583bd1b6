/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The capture's filter: the BPF program text for the mail ports and -f
 * (capture_filter_text()), compiled for a handle, on the handle, in the
 * kernel or, where the kernel refuses it, applied by the program.
 */
#include <errno.h>
#include <linux/filter.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/util.h"
#include "net/capture_int.h"

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
int
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

int
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
