/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * clockstep.so: the wall clock set while a program runs, for a test
 * (LD_PRELOAD). Once the file $CLOCKSTEP_FILE exists, the wall clock
 * (gettimeofday, clock_gettime of CLOCK_REALTIME, time) and the
 * timestamps of the packets pcap_dispatch() hands on read
 * $CLOCKSTEP_SECONDS later, as they do when the clock is set: the
 * kernel stamps packets with the same clock. The monotonic clock is
 * left alone, as setting the clock leaves it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long
step(void)
{
	const char *f = getenv("CLOCKSTEP_FILE");
	const char *s = getenv("CLOCKSTEP_SECONDS");

	if (f == NULL || s == NULL || access(f, F_OK) != 0)
		return 0;
	return strtol(s, NULL, 10);
}

int
gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	static int (*real)(struct timeval *restrict, void *restrict);
	int r;

	if (real == NULL)
		real = (int (*)(struct timeval *restrict, void *restrict))dlsym(
		    RTLD_NEXT, "gettimeofday");
	r = real(tv, tz);
	if (r == 0)
		tv->tv_sec += step();
	return r;
}

int
clock_gettime(clockid_t id, struct timespec *ts)
{
	static int (*real)(clockid_t, struct timespec *);
	int r;

	if (real == NULL)
		real = (int (*)(clockid_t, struct timespec *))dlsym(
		    RTLD_NEXT, "clock_gettime");
	r = real(id, ts);
	if (r == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
		ts->tv_sec += step();
	return r;
}

time_t
time(time_t *t)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	if (t != NULL)
		*t = tv.tv_sec;
	return tv.tv_sec;
}

static pcap_handler user_cb;

static void
stepped(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct pcap_pkthdr c = *h;

	c.ts.tv_sec += step();
	user_cb(user, &c, bytes);
}

int
pcap_dispatch(pcap_t *p, int cnt, pcap_handler cb, u_char *user)
{
	static int (*real)(pcap_t *, int, pcap_handler, u_char *);

	if (real == NULL)
		real = (int (*)(pcap_t *, int, pcap_handler, u_char *))dlsym(
		    RTLD_NEXT, "pcap_dispatch");
	user_cb = cb;
	return real(p, cnt, stepped, user);
}
