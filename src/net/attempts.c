/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Connection attempts that never became sessions: a client's SYN to a
 * mail port answered by the server's RST (refused: nothing listens, or
 * a firewall rejects), or by nothing at all (unanswered: the host is
 * down, a firewall drops, the listen queue is full). A client logs these
 * as "Connection refused" or "Connection timed out" and defers its mail;
 * libnids never shows them (it calls back only once a handshake is
 * complete), so they are followed here, on the segments no session
 * takes, in a small table of the SYNs not yet answered.
 *
 * An attempt is answered, and forgotten, by the server's SYN-ACK, or by
 * anything else that shows the connection went on (the client's ACK or
 * data: a capture of the client's side only). It is refused by an RST
 * from the server that acknowledges the SYN (a blind RST, with another
 * number, is not believed). It is unanswered when ATTEMPT_WAIT seconds
 * of the idle clock pass after its first SYN, or, at the end of the
 * capture, when it had waited ATTEMPT_WAIT_END seconds: at least one
 * retransmission's worth (Linux resends a SYN after 1 s, then 3 s).
 * Younger ones at the end are left unsaid: the capture cannot tell.
 *
 * The table holds ATTEMPT_SLOTS attempts (a SYN flood or a scan cannot
 * grow it); when it is half full, all but the newest quarter go, each
 * judged as at the end (unanswered if it waited long enough, counted as
 * not followed otherwise).
 */
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "lib/util.h"
#include "net/communityid.h"
#include "net/reasm_int.h"

#define ATTEMPT_SLOTS 4096 /* a power of two */
#define ATTEMPT_WAIT 60.0  /* seconds without an answer: unanswered */
#define ATTEMPT_WAIT_END 3.0

struct attempt {
	uint64_t h; /* tuple_key(client, server); 0: free */
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t seq;       /* the SYN's sequence number */
	uint32_t syns;      /* SYNs seen */
	double first, last; /* first and last SYN, on the capture's clock */
	double first_idle;  /* the first SYN on the idle clock */
	uint64_t order;     /* insertion number: the oldest goes first */
};

static struct attempt *tab;
static size_t tab_n;
static uint64_t next_order;

static struct attempt *
find(uint64_t h, uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport)
{
	size_t i;

	for (i = h & (ATTEMPT_SLOTS - 1); tab[i].h != 0;
	     i = (i + 1) & (ATTEMPT_SLOTS - 1))
		if (tab[i].h == h && tab[i].saddr == saddr &&
		    tab[i].sport == sport && tab[i].daddr == daddr &&
		    tab[i].dport == dport)
			return &tab[i];
	return NULL;
}

/* Removes the entry at e, keeping every probe chain whole (backward
 * shift deletion for linear probing). */
static void
drop(struct attempt *e)
{
	size_t i = (size_t)(e - tab), j = i, k;

	for (;;) {
		j = (j + 1) & (ATTEMPT_SLOTS - 1);
		if (tab[j].h == 0)
			break;
		k = tab[j].h & (ATTEMPT_SLOTS - 1);
		/* tab[j] may move to i when its home k is not in (i, j]. */
		if ((j > i && (k <= i || k > j)) ||
		    (j < i && k <= i && k > j)) {
			tab[i] = tab[j];
			i = j;
		}
	}
	tab[i].h = 0;
	tab_n--;
}

/* The attempt at e is over without a session: said on the bus. */
static void
judge(struct attempt *e, enum smtp_attempt_result result, double end,
    double waited, bool at_end)
{
	struct smtp_attempt a;
	struct smtp_event ev;

	memset(&a, 0, sizeof(a));
	a.result = result;
	a.ts = e->first;
	a.ts_end = end;
	a.waited = waited > 0 ? waited : 0;
	a.syns = e->syns;
	a.at_end = at_end;
	endpoint_from_nids(&a.client, e->saddr, e->sport);
	endpoint_from_nids(&a.server, e->daddr, e->dport);
	if (R.cfg.community_id)
		community_id_v1(a.community_id, R.cfg.community_id_seed, 6,
		    a.client.addr, a.client.port, a.server.addr, a.server.port,
		    a.client.family == 6 ? 16 : 4);
	if (result == SMTP_ATTEMPT_REFUSED)
		R.st.attempts_refused++;
	else
		R.st.attempts_unanswered++;
	if (R.cfg.bus != NULL) {
		memset(&ev, 0, sizeof(ev));
		ev.type = SMTP_EV_ATTEMPT;
		ev.ts = end;
		ev.u.attempt = &a;
		event_bus_emit(R.cfg.bus, &ev);
	}
	/* endpoint_from_nids() took a reference on an IPv6 stand-in. */
	if (a.client.family == 6)
		v6map_unref(R.v6, e->saddr);
	if (a.server.family == 6)
		v6map_unref(R.v6, e->daddr);
}

/* Let go of e: unanswered if it waited long enough (min_wait on the
 * idle clock), else not followed to its end. */
static void
expire(struct attempt *e, double min_wait, bool at_end)
{
	double waited = R.idle - e->first_idle;

	if (waited >= min_wait)
		judge(e, SMTP_ATTEMPT_UNANSWERED, e->last, waited, at_end);
	else
		R.st.attempts_untracked++;
	drop(e);
}

/* The table is half full (a SYN flood, a scan): all but the newest
 * quarter of it go at once, judged as at the end, so that a flood costs
 * one pass over the table every ATTEMPT_SLOTS / 4 SYNs, not one a SYN. */
static void
oldest_out(void)
{
	uint64_t keep = next_order - ATTEMPT_SLOTS / 4;
	size_t i;

	for (i = 0; i < ATTEMPT_SLOTS; i++)
		while (tab[i].h != 0 && tab[i].order < keep)
			/* drop() may move the next one here: look again */
			expire(&tab[i], ATTEMPT_WAIT_END, false);
}

/* A client's SYN (no ACK) on a 4-tuple no session holds. */
static void
syn_seen(const struct seg *g, uint64_t h)
{
	struct attempt *e;
	size_t i;

	/* Only to a mail port (with --ports any, a SYN to any port
	 * passes: those are judged by content, not here). */
	if (!port_in(R.cfg.portmap, g->tcp.dport))
		return;
	if (tab == NULL)
		tab = xcalloc(ATTEMPT_SLOTS, sizeof(*tab));
	if ((e = find(h, g->saddr, g->tcp.sport, g->daddr, g->tcp.dport)) !=
	    NULL) {
		/* Again: a retransmission (or the client's next try on
		 * the same port, as good as one). */
		e->syns++;
		e->seq = g->tcp.seq;
		e->last = R.now;
		return;
	}
	if (tab_n >= ATTEMPT_SLOTS / 2)
		oldest_out();
	for (i = h & (ATTEMPT_SLOTS - 1); tab[i].h != 0;
	     i = (i + 1) & (ATTEMPT_SLOTS - 1))
		;
	e = &tab[i];
	e->h = h;
	e->saddr = g->saddr;
	e->daddr = g->daddr;
	e->sport = g->tcp.sport;
	e->dport = g->tcp.dport;
	e->seq = g->tcp.seq;
	e->syns = 1;
	e->first = e->last = R.now;
	e->first_idle = R.idle;
	e->order = next_order++;
	tab_n++;
}

void
attempt_segment(const struct seg *g)
{
	uint8_t f = g->tcp.flags;
	struct attempt *e;

	if ((f & (TH_SYN_ | TH_ACK_ | TH_RST_)) == TH_SYN_) {
		syn_seen(g,
		    tuple_key(g->saddr, g->tcp.sport, g->daddr, g->tcp.dport));
		return;
	}
	if (tab_n == 0)
		return;
	/* From the server (the 4-tuple turned round)? */
	e = find(tuple_key(g->daddr, g->tcp.dport, g->saddr, g->tcp.sport),
	    g->daddr, g->tcp.dport, g->saddr, g->tcp.sport);
	if (e != NULL) {
		if ((f & TH_RST_) != 0) {
			/* Believed when it acknowledges the SYN. */
			if ((f & TH_ACK_) == 0 || g->tcp.ack != e->seq + 1)
				return;
			judge(e, SMTP_ATTEMPT_REFUSED, R.now, R.now - e->first,
			    false);
		}
		/* A SYN-ACK, or anything else from the server: answered. */
		drop(e);
		return;
	}
	/* From the client, no SYN: its ACK or data (the server's side not
	 * captured), or its own RST: the attempt went on, or was given
	 * up by the client. */
	e = find(tuple_key(g->saddr, g->tcp.sport, g->daddr, g->tcp.dport),
	    g->saddr, g->tcp.sport, g->daddr, g->tcp.dport);
	if (e != NULL)
		drop(e);
}

void
attempt_sweep(void)
{
	size_t i;

	if (tab_n == 0)
		return;
	for (i = 0; i < ATTEMPT_SLOTS; i++)
		while (
		    tab[i].h != 0 && R.idle - tab[i].first_idle >= ATTEMPT_WAIT)
			/* drop() may move the next one here: look again */
			expire(&tab[i], ATTEMPT_WAIT, false);
}

static int
by_order(const void *a, const void *b)
{
	const struct attempt *x = a, *y = b;

	return x->order < y->order ? -1 : x->order > y->order;
}

void
attempt_finish(void)
{
	struct attempt *v;
	size_t n = 0, i;

	if (tab == NULL)
		return;
	/* In the order they began, so that a run's records come out the
	 * same each time. */
	v = xmalloc((tab_n + 1) * sizeof(*v));
	for (i = 0; i < ATTEMPT_SLOTS; i++)
		if (tab[i].h != 0)
			v[n++] = tab[i];
	qsort(v, n, sizeof(*v), by_order);
	for (i = 0; i < n; i++) {
		double waited = R.idle - v[i].first_idle;

		if (waited >= ATTEMPT_WAIT_END)
			judge(&v[i], SMTP_ATTEMPT_UNANSWERED, v[i].last, waited,
			    true);
		else
			R.st.attempts_untracked++;
	}
	free(v);
	free(tab);
	tab = NULL;
	tab_n = 0;
	next_order = 0;
}
