/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sinks/rotate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

double
rotate_interval_start(double t, double every)
{
	if (!(every > 0) || !(t > 0))
		return t > 0 ? t : 0;
	return floor(t / every) * every;
}

bool
rotate_is_pattern(const char *pattern)
{
	return strchr(pattern, '%') != NULL;
}

int
rotate_name(const char *pattern, double start, char *out, size_t outlen)
{
	char stamp[64];
	const char *base, *dot;
	struct tm tm;
	time_t t = (time_t)start;
	size_t n;

	if (gmtime_r(&t, &tm) == NULL || outlen == 0)
		return -1;
	if (rotate_is_pattern(pattern)) {
		/* strftime() returns 0 for "doesn't fit" and for an empty
		 * result alike: either is refused. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		/* The user's pattern: what strftime() takes, by design. */
		n = strftime(out, outlen, pattern, &tm);
#pragma GCC diagnostic pop
		return n == 0 ? -1 : 0;
	}
	if (strftime(stamp, sizeof(stamp), ROTATE_STAMP, &tm) == 0)
		return -1;
	base = strrchr(pattern, '/');
	base = base != NULL ? base + 1 : pattern;
	dot = strrchr(base, '.');
	if (dot == NULL || dot == base)
		n = (size_t)snprintf(out, outlen, "%s.%s", pattern, stamp);
	else
		n = (size_t)snprintf(out, outlen, "%.*s.%s%s",
		    (int)(dot - pattern), pattern, stamp, dot);
	return n < outlen ? 0 : -1;
}

void
rotate_health_since(
    const struct health *now, const struct health *base, struct health *out)
{
	const struct capture_stats *c = &now->cs, *cb = &base->cs;
	const struct reasm_stats *r = &now->rs, *rb = &base->rs;
	int i;

	*out = *now;
#define CS(f) out->cs.f = c->f - cb->f
#define RS(f) out->rs.f = r->f - rb->f
	CS(packets);
	CS(pcap_drops);
	CS(pcap_ifdrops);
	CS(files_read);
	CS(skipped);
	CS(timestamps_replaced);
	RS(packets);
	RS(bytes);
	RS(tcp_packets);
	RS(ipv6_packets);
	RS(not_ip);
	RS(truncated);
	RS(bad_header);
	RS(other_ports);
	RS(ip_checksum_fixed);
	RS(bad_checksum);
	RS(class_e);
	RS(v6_table_full);
	RS(v6_recycled);
	RS(no_handshake);
	RS(sessions);
	RS(reused);
	RS(idle_expired);
	RS(gaps);
	RS(gap_bytes);
	RS(snap_cut);
	RS(snap_cut_bytes);
	RS(fragments);
	RS(reassembled);
	RS(frag_overlaps);
	RS(frag_timeouts);
	RS(frag_evicted);
	RS(ooo_segments);
	RS(ooo_conflicts);
	RS(ooo_dropped);
	RS(ooo_evicted);
	RS(rst_ignored);
	RS(syn_ignored);
	RS(clock_jumps);
	RS(nids_warnings);
	RS(sessions_evicted);
	RS(sessions_evicted_memory);
	for (i = 0; i < REASM_NIDS_WARN_MAX; i++)
		RS(nids_warning[i]);
#undef CS
#undef RS
}
