/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the pieces of the capture share (inside src/net/ only):
 * capture.c opens the sources, runs them and takes each packet in;
 * capread.c holds the file readers (our own for classic pcap, our pcapng
 * reader for files of several link types, the paced replay); capfilter.c
 * builds and sets the port filter.
 */
#ifndef SMTPSCOPE_CAPTURE_INT_H
#define SMTPSCOPE_CAPTURE_INT_H

#include <pcap.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "net/capture.h"
#include "net/pcapng.h"

/* Names of this layer only: never exported, so that none can stand in
 * for a function of libpcap. */
#pragma GCC visibility push(hidden)

#define CAPTURE_SNAPLEN 262144

/* Port terms in the kernel's filter at most (port_ranges()). */
#ifndef CAPTURE_PORT_TERMS
#define CAPTURE_PORT_TERMS 8
#endif

/* Link types of one pcapng file read by our own reader (pcapng.h). */
#define CAPTURE_LINKTYPES_MAX 16

/* Packets between two checks of a stop and of the progress bar. */
#define CAPTURE_BATCH 4096
/* What run_fast() reads at a time (at least a record of the largest
 * caplen it takes and its header), when the file cannot be mapped. */
#define CAPTURE_FASTBUF (1u << 20)
/* The window of the file run_fast() maps at a time: its pages count in
 * the resident size while mapped, so it stays small; and how far ahead
 * of the record handed over its bytes are asked into the CPU's cache. */
#define CAPTURE_MAPWIN (4u << 20)
#define CAPTURE_PREFETCH 4096
/* The stdio buffer of a capture file libpcap reads. */
#define CAPTURE_IOBUF (1u << 20)

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
	uint8_t *fb;        /* records read ahead, or the mapped window */
	size_t fb_len;      /* bytes in fb */
	size_t fb_pos;      /* the next record in fb */
	uint64_t fb_off;    /* file offset of fb[0] */
	size_t fb_ahead;    /* fb[fb_pos..fb_ahead) asked into the cache */
	bool fb_mapped;     /* fb is a window mapped from the file */
	bool fb_unmappable; /* mmap() refused: read into a buffer */
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
	/* A compressed file: the decompressor whose output is read (its
	 * pid, -1 when none, and its name), and the first packet's time
	 * (the order of several files), -1 unknown. */
	pid_t zpid;
	const char *zprog;
	double first_ts;
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
	char overlap[512]; /* files that overlap in time */
	struct capture_config cfg;
	int cur_linktype;
	const struct bpf_program *cur_prog; /* the soft filter's program */
	double speed;
	double pace_ts0, pace_wall0; /* first packet: capture and wall time */
	double last_ts;
	double prev_time; /* the last packet's time (capture_time()), or -1 */
	uint64_t passed;  /* packets on the mail ports (-c counts them) */
	/* capture_clock_hook(): called before a packet whose time reaches
	 * clock_due goes on (INFINITY: never). */
	double clock_due;
	double (*clock_fn)(void *arg, double ts);
	void *clock_arg;
	struct pcapout *pcapout; /* --pcap-out, or NULL */
};

/* capzip.c: the decompressor (gzip, xz...) a file needs, or NULL; its
 * output as a stream (NULL: err says why), *pid its process; then its
 * exit status once the stream is closed (stop: it is killed first). */
const char *capzip_kind(const char *name);
FILE *capzip_open(
    const char *name, const char *prog, pid_t *pid, char *err, size_t errlen);
int capzip_reap(pid_t pid, bool stop);

/* capture.c */
double packet_time(
    struct capture *c, const struct pcap_pkthdr *h, bool *replaced);
void packet_in(struct capture *c, const struct pcap_pkthdr *h,
    const u_char *bytes, double ts, bool replaced);
void packet_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes);

/* capread.c */
void progress_draw(struct capture *c, struct source *s, bool final);
void run_paced(
    struct capture *c, struct source *s, void (*tick)(void *), void *tick_arg);
void run_mixed(
    struct capture *c, struct source *s, void (*tick)(void *), void *tick_arg);
void fast_release(struct source *s);
int run_fast(
    struct capture *c, struct source *s, void (*tick)(void *), void *tick_arg);

/* capfilter.c */
int filter_compile(pcap_t *p, struct bpf_program *prog,
    const struct capture_config *cfg, const char *user_filter);
int set_filter(struct capture *c, struct source *s,
    const struct capture_config *cfg, bool soft, char *err, size_t errlen);

#pragma GCC visibility pop

#endif
