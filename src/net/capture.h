/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Packets in: capture files read in order (pcap, pcapng, "-" for stdin)
 * or one live interface, through libpcap with the mail-port filter.
 */
#ifndef SMTPSCOPE_CAPTURE_H
#define SMTPSCOPE_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event/health.h"
#include "status.h"

struct capture_config {
	const char *const *files;
	size_t nfiles;
	const char *iface;
	const char *user_filter; /* -f, or NULL */
	const uint16_t *ports;   /* the mail ports; none (nports 0): every
				    TCP port (--ports any) */
	size_t nports;
	unsigned long buffer_mb; /* live kernel buffer */
	bool promisc;
	bool progress;        /* offline progress bar on stderr */
	double speed;         /* replay files at this multiple of capture pace;
				0: as fast as possible */
	uint64_t max_packets; /* stop after this many on the mail ports (-c),
				 0 never */
};

/*
 * The latest time smtpscope gives a packet: 9999-12-31T23:59:59 UTC, the
 * last second a record's date can write with four digits (a timestamp
 * beyond it, such as a pcapng time stamp of 2^62 at a resolution of one
 * second, would overflow the conversions of the logs and reports).
 */
#define CAPTURE_TIME_MAX 253402300799LL

/*
 * The time of a packet stamped sec and usec (seconds since the epoch):
 * itself when it lies between 1970-01-01T00:00:00 and CAPTURE_TIME_MAX
 * (and its last microsecond); else *replaced is set and it takes prev,
 * the previous packet's time, or for the first packet (prev < 0) the
 * nearer of the two bounds, so that a broken timestamp neither reaches
 * a conversion nor makes the capture's clock jump.
 */
double capture_time(int64_t sec, int64_t usec, double prev, bool *replaced);

struct capture;

/* Opens every source (so that privileges can be dropped after).
 * Returns NULL with a sentence in err and *status set. */
struct capture *capture_open(
    const struct capture_config *cfg, char *err, size_t errlen, int *status);
/* Reads everything (or until capture_stop()); calls reasm. */
void capture_run(struct capture *c, void (*tick)(void *), void *tick_arg);
/* From a signal handler. */
void capture_stop(struct capture *c);
/*
 * fn(arg, time) is called before a packet whose time reaches due goes on
 * to the reassembly (between two packets: no record is being built), and
 * returns the next due time (INFINITY: never). --rotate's clock. fn
 * NULL: no hook.
 */
void capture_clock_hook(struct capture *c, double (*fn)(void *arg, double ts),
    void *arg, double due);
/* The timestamp of the last packet read (0 before the first). */
double capture_last_ts(const struct capture *c);
const struct capture_stats *capture_stats(struct capture *c);
/* What the user should know from the start, e.g. that the kernel
 * refused the filter: a sentence, or NULL. Not damage. */
const char *capture_notice(struct capture *c);
/* What the user should know at the end that is not damage (packets
 * of a pcapng interface left out): a sentence, or NULL. */
const char *capture_end_notice(struct capture *c);
/* Several files that overlap in time (capture_run() reads them in the
 * order of their first packets): a sentence, or NULL. */
const char *capture_overlap_notice(const struct capture *c);
/* Pending warnings, e.g. a truncated file: a sentence, or NULL. */
const char *capture_warning(struct capture *c);
void capture_close(struct capture *c);
/* Each source on f, one line each: its name, its format, how it is read
 * (a decompressor, a pipe), its link type (-v). */
void capture_describe(const struct capture *c, FILE *f);
/* The interfaces one can capture on, on out as tcpdump -D lists them;
 * the exit status (0, or 3 with a sentence on err). */
int capture_list_interfaces(FILE *out, FILE *err);
/* --pcap-out: each frame the port filter passes goes to po too (NULL:
 * none, the default). */
struct pcapout;
void capture_set_pcapout(struct capture *c, struct pcapout *po);
/* The BPF program text for these ports and -f (for -d and docs). */
char *capture_filter_text(const uint16_t *ports, size_t nports,
    const char *user_filter, bool ethernet);

#endif
