/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The file readers besides libpcap's own loop: a classic pcap file read
 * where it lies, mapped a window at a time (run_fast()), a pcapng file whose
 * interfaces differ read by our own reader (run_mixed()), a replay at capture
 * pace (run_paced()), and the progress bar they draw.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "lib/util.h"
#include "net/capture_int.h"
#include "net/decap.h"

static double
wall_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

void
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

void
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
	dead = pcap_open_dead(decap_linktype_to_dlt(lt), CAPTURE_SNAPLEN);
	if (dead == NULL)
		return NULL;
	if (filter_compile(dead, &e->prog, &c->cfg, c->cfg.user_filter) == 0)
		e->ok = true;
	else
		left_out(c, lt, true);
	pcap_close(dead);
	return e->ok ? e : NULL;
}

/* Our reader on the file of s anew (run_mixed()): false when it cannot
 * be, said so (a pipe, or not pcapng: libpcap's word). */
static bool
mixed_open(struct capture *c, struct source *s)
{
	char err[256] = "";

	if (s->size == 0 || (s->ngfp = fopen(s->name, "rb")) == NULL) {
		if (!mixed_interfaces(s)) {
			mark_damaged(c, s);
			return false;
		}
		c->st.damaged = true;
		snprintf(c->warning, sizeof(c->warning),
		    "%s: its interfaces have different link types or snap "
		    "lengths, which smtpscope reads only from a file, not "
		    "from a pipe; the packets before were analyzed",
		    strcmp(s->name, "-") == 0 ? "standard input" : s->name);
		return false;
	}
	s->ngbuf = xmalloc(CAPTURE_IOBUF);
	setvbuf(s->ngfp, s->ngbuf, _IOFBF, CAPTURE_IOBUF);
	if ((s->ng = pcapng_open(s->ngfp, err, sizeof(err))) == NULL) {
		mark_damaged(c, s); /* not pcapng: libpcap's word */
		return false;
	}
	return true;
}

/* Our reader stopped (rc: pcapng_next()'s, 0 at the end, -1 on damage,
 * err). Before it resumed, where libpcap stopped, the file ends or is
 * damaged: libpcap's word, unless it stopped on a block our reader
 * reads. After, damage is ours to say. */
static void
mixed_end(
    struct capture *c, struct source *s, int rc, bool resumed, const char *err)
{
	if (!resumed) {
		if (rc < 0 || !pcapng_past_libpcap(s->ng))
			mark_damaged(c, s);
		return;
	}
	if (rc < 0) {
		c->st.damaged = true;
		snprintf(c->warning, sizeof(c->warning),
		    "%s is damaged (%s); the packets before the damage were "
		    "analyzed",
		    s->name, err);
	}
}

/* A packet our reader gives before it resumes where libpcap stopped. */
enum mixed_step {
	MIXED_SKIP,    /* one libpcap handed over already */
	MIXED_DAMAGED, /* libpcap stopped where our reader sees no reason */
	MIXED_RESUMED, /* the first past where libpcap stopped */
};

static enum mixed_step
mixed_catch_up(
    struct capture *c, struct source *s, bool on_handle, uint64_t *skip)
{
	if (on_handle ? !pcapng_past_libpcap(s->ng) : *skip > 0) {
		if (*skip > 0)
			(*skip)--;
		return MIXED_SKIP;
	}
	if (!pcapng_past_libpcap(s->ng)) {
		mark_damaged(c, s);
		return MIXED_DAMAGED;
	}
	s->was_on_handle = on_handle;
	s->filter = c->cfg.user_filter != NULL && *c->cfg.user_filter != '\0'
	    ? FILTER_SOFT_PROGRAM
	    : FILTER_SOFT_PORTS;
	return MIXED_RESUMED;
}

/* A packet of our reader, with its interface's link type and the filter
 * for it, to the path libpcap's take (packet_in()); false when pacing
 * says stop. */
static bool
mixed_packet(struct capture *c, const struct pcapng_packet *pk,
    const struct link_prog *lp, void (*tick)(void *), void *tick_arg)
{
	struct pcap_pkthdr h;
	bool replaced;
	double ts;

	/* time_t holds what the reader gives (64 bits, saturated);
	 * packet_time() decides what an absurd one becomes. */
	h.ts.tv_sec = (time_t)pk->sec;
	h.ts.tv_usec = (suseconds_t)pk->usec;
	h.caplen = pk->caplen;
	h.len = pk->len;
	ts = packet_time(c, &h, &replaced);
	if (c->speed > 0 && !pace_wait(c, ts, tick, tick_arg))
		return false;
	c->cur_linktype = pk->linktype;
	c->cur_prog = &lp->prog;
	packet_in(c, &h, pk->data, ts, replaced);
	return true;
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
void
run_mixed(
    struct capture *c, struct source *s, void (*tick)(void *), void *tick_arg)
{
	char err[256] = "";
	struct pcapng_packet pk = { 0 };
	struct link_prog *lp;
	uint64_t skip = s->delivered, n = 0;
	bool on_handle = s->filter == FILTER_HANDLE, resumed = false;
	int rc;

	if (!mixed_open(c, s))
		return;
	while (!c->stop) {
		rc = pcapng_next(s->ng, &pk, err, sizeof(err));
		if (rc <= 0) {
			mixed_end(c, s, rc, resumed, err);
			break;
		}
		if (!resumed) {
			switch (mixed_catch_up(c, s, on_handle, &skip)) {
			case MIXED_SKIP:
				continue;
			case MIXED_DAMAGED:
				return;
			case MIXED_RESUMED:
				resumed = true;
				break;
			}
		}
		if ((lp = link_prog(c, s, pk.linktype)) == NULL) {
			c->st.packets++;
			c->st.skipped++;
			continue;
		}
		if (!mixed_packet(c, &pk, lp, tick, tick_arg))
			break;
		if (++n % CAPTURE_BATCH == 0) {
			if (tick != NULL)
				tick(tick_arg);
			progress_draw(c, s, false);
		}
	}
}

/*
 * A mapped file that another program cuts short while it is read: its
 * pages past the new end are gone and touching them raises SIGBUS. The
 * handler puts zero pages where they were, so the reading goes on to
 * the end of the record, and says so; run_fast() then stops there, the
 * file counted as damaged. Any other SIGBUS goes to what was there
 * before (the dashboard's terminal restore, a sanitizer, the default).
 */
static struct {
	volatile sig_atomic_t hit;
	volatile uintptr_t lo, hi; /* the window, [lo, hi); hi 0: none */
	uintptr_t page;
	struct sigaction old;
	bool on;
} bus;

static void
bus_handler(int sig, siginfo_t *si, void *ctx)
{
	uintptr_t a = (uintptr_t)si->si_addr, at;

	(void)ctx;
	if (si->si_code > 0 && a >= bus.lo && a < bus.hi) {
		at = a & ~(bus.page - 1);
		if (mmap((void *)at, bus.hi - at, PROT_READ,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
			0) != MAP_FAILED) {
			bus.hit = 1;
			return;
		}
	}
	/* A fault comes again on return, now to the old action; a signal
	 * sent is sent again. */
	sigaction(SIGBUS, &bus.old, NULL);
	if (si->si_code <= 0)
		raise(sig);
}

static void
bus_watch(void)
{
	struct sigaction sa;

	if (bus.on)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = bus_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	bus.page = (uintptr_t)sysconf(_SC_PAGESIZE);
	bus.hit = 0;
	if (sigaction(SIGBUS, &sa, &bus.old) == 0)
		bus.on = true;
}

static void
bus_unwatch(void)
{
	bus.hi = 0;
	if (bus.on)
		sigaction(SIGBUS, &bus.old, NULL);
	bus.on = false;
}

/* The window or the buffer given back (at every return of run_fast()). */
void
fast_release(struct source *s)
{
	if (s->fb_mapped) {
		bus.hi = 0;
		munmap(s->fb, s->fb_len);
		bus_unwatch();
	} else
		free(s->fb);
	s->fb = NULL;
	s->fb_mapped = false;
	bus.hit = 0; /* said, if it was (fast_shrunk()) */
	s->fb_off += s->fb_pos;
	s->fb_pos = s->fb_len = s->fb_ahead = 0;
}

/* More of the file after what is left in s->fb (moved to its start).
 * False when nothing more came (end of file, or an error libpcap will
 * meet and report when it reads from here). */
static bool
fill_read(struct source *s)
{
	size_t left = s->fb_len - s->fb_pos;
	ssize_t r;

	if (s->fb == NULL)
		s->fb = xmalloc(CAPTURE_FASTBUF);
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

/* The next window of the file, from the page of the next record: false
 * when the file holds nothing past the window (its end). The pages are
 * read where the kernel keeps them, not copied: the reader's largest
 * cost after the analysis. Where mmap() is refused (a file system
 * without it), the file is read into a buffer from there on. */
static bool
fill_map(struct source *s)
{
	uint64_t at = s->fb_off + s->fb_pos, base, len;
	struct stat sb;
	void *m;

	if (fstat(s->fd, &sb) != 0 || sb.st_size < 0)
		return false;
	/* Cut short under us between two windows (within one, SIGBUS
	 * says it): said as the handler would. */
	if ((uint64_t)sb.st_size < at) {
		bus.hit = 1;
		return false;
	}
	if ((uint64_t)sb.st_size <= s->fb_off + s->fb_len)
		return false;
	bus_watch();
	base = at & ~(uint64_t)(bus.page - 1);
	len = (uint64_t)sb.st_size - base;
	if (len > CAPTURE_MAPWIN)
		len = CAPTURE_MAPWIN;
	if (s->fb != NULL) {
		bus.hi = 0;
		munmap(s->fb, s->fb_len);
		s->fb = NULL;
	}
	m = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
	    s->fd, (off_t)base);
	if (m == MAP_FAILED) {
		bus_unwatch();
		s->fb_mapped = false;
		s->fb_unmappable = true;
		s->fb_off = at;
		s->fb_pos = s->fb_len = s->fb_ahead = 0;
		return fill_read(s);
	}
	s->fb = m;
	s->fb_mapped = true;
	s->fb_off = base;
	s->fb_pos = s->fb_ahead = (size_t)(at - base);
	s->fb_len = (size_t)len;
	bus.lo = (uintptr_t)m;
	bus.hi = (uintptr_t)m + (uintptr_t)len;
	return true;
}

static bool
fast_fill(struct source *s)
{
	if (s->fb_mapped || (s->fb == NULL && !s->fb_unmappable))
		return fill_map(s);
	return fill_read(s);
}

/* A mapped file cut short under us (bus_handler()): what came before
 * is analyzed. */
static int
fast_shrunk(struct capture *c, struct source *s)
{
	snprintf(c->warning, sizeof(c->warning),
	    "%s was cut short while it was read (by another program); the "
	    "packets before byte %llu were analyzed",
	    s->name, (unsigned long long)(s->fb_off + s->fb_pos));
	c->st.damaged = true;
	fast_release(s);
	return -1;
}

/*
 * A classic pcap file read where it lies, a window mapped at a time (or
 * read a megabyte at a time where it cannot be), each record handed
 * over where it is (libpcap reads each record's header and data with a
 * fread() each and copies the data into its own buffer): the same
 * records, time stamps and lengths that libpcap gives, for records it
 * takes as they are (caplen within the snapshot length). At the first
 * record that is not such (too long, cut short by the end of the file,
 * a read error) libpcap takes over from that record's offset and
 * decides, reports and counts it as before. Returns the packets handed
 * over since the last batch began (libpcap's pcap_dispatch() takes over
 * the rest of that batch), or -1 when stopped.
 */
int
run_fast(
    struct capture *c, struct source *s, void (*tick)(void *), void *tick_arg)
{
	struct pcap_pkthdr h;
	uint32_t rec[4];
	int n = 0;

	for (;;) {
		if (c->stop) {
			/* As pcap_dispatch() returns when broken off. */
			fast_release(s);
			if (tick != NULL)
				tick(tick_arg);
			return -1;
		}
		if (s->fb_len - s->fb_pos < sizeof(rec) &&
		    (!fast_fill(s) || s->fb_len - s->fb_pos < sizeof(rec)))
			break;
		memcpy(rec, s->fb + s->fb_pos, sizeof(rec));
		if (bus.hit)
			return fast_shrunk(c, s);
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
		if (s->fb_mapped) {
			size_t e = s->fb_pos + CAPTURE_PREFETCH;
			size_t a = s->fb_ahead;

			if (e > s->fb_len)
				e = s->fb_len;
			if (a < s->fb_pos)
				a = s->fb_pos;
			/* In a register: stored once, not at each line. */
			for (; a < e; a += 64)
				__builtin_prefetch(s->fb + a);
			s->fb_ahead = a;
		}
		packet_cb((u_char *)c, &h, s->fb + s->fb_pos);
		if (bus.hit)
			return fast_shrunk(c, s);
		s->fb_pos += rec[2];
		if (++n == CAPTURE_BATCH) {
			n = 0;
			if (tick != NULL)
				tick(tick_arg);
			if (c->stop) {
				fast_release(s);
				return -1;
			}
			progress_draw(c, s, false);
		}
	}
	if (bus.hit)
		return fast_shrunk(c, s);
	/* libpcap goes on from the record not taken. */
	s->fast = false;
	fast_release(s);
	if (fseeko(pcap_file(s->p), (off_t)s->fb_off, SEEK_SET) != 0) {
		snprintf(c->warning, sizeof(c->warning),
		    "%s is damaged (cannot seek: %s); the packets before the "
		    "damage were analyzed",
		    s->name, strerror(errno));
		c->st.damaged = true;
		return -1;
	}
	return n;
}
