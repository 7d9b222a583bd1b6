/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sinks/rotate.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int insert_before_ext(char *name, size_t outlen, const char *suffix);

double
rotate_interval_start(double t, double every)
{
	if (!(every > 0) || !(t > 0))
		return t > 0 ? t : 0;
	/* t > 0: truncation is floor(), without libm. */
	return (double)(int64_t)(t / every) * every;
}

bool
rotate_is_pattern(const char *pattern)
{
	return strchr(pattern, '%') != NULL;
}

/* ".SUFFIX" inserted into name (in place, size outlen) before the
 * extension of its last component, or appended. */
static int
insert_before_ext(char *name, size_t outlen, const char *suffix)
{
	char tmp[4200];
	const char *base = strrchr(name, '/');
	const char *dot;
	size_t n;

	base = base != NULL ? base + 1 : name;
	dot = strrchr(base, '.');
	if (dot == NULL || dot == base)
		n = (size_t)snprintf(tmp, sizeof(tmp), "%s.%s", name, suffix);
	else
		n = (size_t)snprintf(tmp, sizeof(tmp), "%.*s.%s%s",
		    (int)(dot - name), name, suffix, dot);
	if (n >= sizeof(tmp) || n >= outlen)
		return -1;
	memcpy(name, tmp, n + 1);
	return 0;
}

int
rotate_name_nth(
    const char *pattern, double start, unsigned nth, char *out, size_t outlen)
{
	char stamp[64], num[16];
	struct tm tm;
	time_t t = (time_t)start;
	size_t n;

	if (gmtime_r(&t, &tm) == NULL || outlen == 0)
		return -1;
	num[0] = '\0';
	if (nth > 0)
		snprintf(num, sizeof(num), "%u", nth);
	if (rotate_is_pattern(pattern)) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		/* The user's pattern: what strftime() takes, by design.
		 * It returns 0 for "doesn't fit" and for an empty result
		 * alike: either is refused. */
		n = strftime(out, outlen, pattern, &tm);
#pragma GCC diagnostic pop
		if (n == 0)
			return -1;
		return nth > 0 ? insert_before_ext(out, outlen, num) : 0;
	}
	n = strftime(stamp, sizeof(stamp), ROTATE_STAMP, &tm);
	if (n == 0 ||
	    (nth > 0 &&
		(size_t)snprintf(stamp + n, sizeof(stamp) - n, ".%s", num) >=
		    sizeof(stamp) - n))
		return -1;
	n = (size_t)snprintf(out, outlen, "%s", pattern);
	return n < outlen ? insert_before_ext(out, outlen, stamp) : -1;
}

int
rotate_name(const char *pattern, double start, char *out, size_t outlen)
{
	return rotate_name_nth(pattern, start, 0, out, outlen);
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
	RS(attempts_refused);
	RS(attempts_unanswered);
	RS(attempts_untracked);
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
