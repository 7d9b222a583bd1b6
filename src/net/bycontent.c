/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --ports any: every TCP connection on a port not listed is followed
 * from its handshake, without a session, while its first bytes (at most
 * CONTENT_DIR_MAX a direction, with their times) are judged
 * (content.h). Found to be SMTP, it gets its session, opened at the
 * handshake (inside an HTTP CONNECT tunnel: at the proxy's reply), and
 * what was held is given to it in the order and at the times it came;
 * found not to be, it is let go after the packet: libnids forgets it,
 * and its 4-tuple goes into a bounded set that packet_in() looks up, so
 * that its later packets cost a lookup and nothing more.
 */
#include <stdlib.h>
#include <string.h>

#include "event/dissector.h"
#include "lib/util.h"
#include "net/communityid.h"
#include "net/content.h"
#include "net/reasm_int.h"

/* Runs of bytes held with their times: beyond, the last run grows while
 * its direction goes on, and a run of the other direction makes what is
 * held all there is. */
#define CONTENT_CHUNKS 16
/* The 4-tuples of connections let go: 512 KiB, a slot each, found
 * within CONTENT_RELEASED_PROBES of its home or forgotten (a forgotten
 * connection's next packets reach libnids, which knows no such stream
 * and drops them). */
#define CONTENT_RELEASED_SLOTS 65536
#define CONTENT_RELEASED_PROBES 8

struct content_probe {
	uint8_t buf[2][CONTENT_DIR_MAX]; /* 0: the initiator's bytes */
	uint16_t len[2];
	bool done[2]; /* no more bytes of that direction are judged */
	struct {
		uint16_t start, end; /* in buf[dir] */
		uint8_t dir;
		double ts;
	} chunk[CONTENT_CHUNKS];
	unsigned nchunks;
	double ts_open; /* the handshake */
};

void
content_init(void)
{
	R.released = xcalloc(CONTENT_RELEASED_SLOTS, sizeof(*R.released));
	R.released_mask = CONTENT_RELEASED_SLOTS - 1;
}

void
content_free(void)
{
	free(R.released);
	R.released = NULL;
}

/* Is key a connection let go? A SYN on it (syn) starts a new one: it
 * is forgotten, and the new one judged. */
bool
content_released(uint64_t key, bool syn)
{
	size_t i, k;

	if (R.released == NULL)
		return false;
	for (k = 0, i = key & R.released_mask; k < CONTENT_RELEASED_PROBES;
	     k++, i = (i + 1) & R.released_mask)
		if (R.released[i] == key) {
			if (syn) {
				R.released[i] = 0;
				return false;
			}
			return true;
		}
	return false;
}

static void
released_insert(uint64_t key)
{
	size_t i, k, home = key & R.released_mask;

	for (k = 0, i = home; k < CONTENT_RELEASED_PROBES;
	     k++, i = (i + 1) & R.released_mask)
		if (R.released[i] == 0 || R.released[i] == key) {
			R.released[i] = key;
			return;
		}
	R.released[home] = key; /* full there: the oldest is forgotten */
}

/* The key packet_in() computes for the connection's segments: IPv4
 * addresses as they are, IPv6 ones folded (v6_fold()). */
static uint64_t
conn_key(const struct conn *c)
{
	const struct tuple4 *t = &c->a_tcp->addr;
	uint32_t s = t->saddr, d = t->daddr;
	uint8_t a6[16];

	if (v6map_is_standin(s) && v6map_lookup(R.v6, s, a6))
		s = v6_fold(a6);
	if (v6map_is_standin(d) && v6map_lookup(R.v6, d, a6))
		d = v6_fold(a6);
	return tuple_key(s, t->source, d, t->dest);
}

void
content_open(struct tcp_stream *a_tcp)
{
	struct conn *c = ccalloc(1, sizeof(*c));

	c->a_tcp = a_tcp;
	c->saddr = a_tcp->addr.saddr;
	c->daddr = a_tcp->addr.daddr;
	c->last = R.idle;
	c->jump_seen = R.jump_idle;
	c->probe = ccalloc(1, sizeof(*c->probe));
	c->probe->ts_open = R.now;
	lru_push_newest(c);
	conn_table_add(c);
	a_tcp->user = c;
	a_tcp->client.collect++;
	a_tcp->server.collect++;
	R.st.content_judged++;
}

/* The time the tunnel opened: when the byte that ended the proxy's
 * reply came. */
static double
tunnel_time(const struct content_probe *q, size_t skip)
{
	unsigned i;

	for (i = 0; i < q->nchunks; i++)
		if (q->chunk[i].dir == 1 && q->chunk[i].end >= skip)
			return q->chunk[i].ts;
	return R.now;
}

/* Found to be SMTP: its session, opened at the handshake (or the
 * tunnel's opening), given what was held as it came. */
static void
open_smtp(struct conn *c, const struct content_result *r, double ts_open)
{
	struct content_probe *q = c->probe;
	const struct tuple4 *t = &c->a_tcp->addr;
	struct smtp_session_params p;
	unsigned i;

	c->swapped = r->swapped;
	memset(&p, 0, sizeof(p));
	p.id = ++R.next_id;
	p.ts = r->tunnel ? tunnel_time(q, r->skip[1]) : ts_open;
	if (!c->swapped) {
		endpoint_from_nids(&p.client, t->saddr, t->source);
		endpoint_from_nids(&p.server, t->daddr, t->dest);
	} else {
		endpoint_from_nids(&p.client, t->daddr, t->dest);
		endpoint_from_nids(&p.server, t->saddr, t->source);
	}
	p.submission = p.server.port == 587 || p.server.port == 465;
	p.capture_drops = R.cfg.capture_drops;
	p.trace = R.cfg.trace;
	if (r->tunnel) {
		p.tunnel = SMTP_TUNNEL_HTTP_CONNECT;
		p.tunnel_target = r->target;
		R.st.content_tunnels++;
	}
	/* The connection's own (the proxy's, for a tunnel): what Zeek's
	 * and Suricata's records of it carry. */
	if (R.cfg.community_id)
		community_id_v1(p.community_id, R.cfg.community_id_seed, 6,
		    p.client.addr, p.client.port, p.server.addr, p.server.port,
		    p.client.family == 6 ? 16 : 4);
	c->smtp = smtp_session_open(R.cfg.bus, &p);
	R.st.content_smtp++;
	R.st.sessions++;
	if (++R.st.active > R.st.active_max)
		R.st.active_max = R.st.active;
	c->probe = NULL;
	for (i = 0; i < q->nchunks; i++) {
		unsigned d = q->chunk[i].dir;
		size_t s = q->chunk[i].start, e = q->chunk[i].end;

		if (s < r->skip[d])
			s = r->skip[d] < e ? r->skip[d] : e;
		if (e > s)
			smtp_session_data(c->smtp, conn_dir(c, d == 0),
			    q->buf[d] + s, e - s, q->chunk[i].ts);
	}
	cfree(q);
}

/* Found not to be SMTP: let go after the packet (libnids is inside its
 * callback now). */
static void
release(struct conn *c)
{
	cfree(c->probe);
	c->probe = NULL;
	c->release_pending = true;
	c->release_next = R.release_due;
	R.release_due = c;
}

void
content_unlink_release(struct conn *c)
{
	struct conn **pp;

	for (pp = &R.release_due; *pp != NULL; pp = &(*pp)->release_next)
		if (*pp == c) {
			*pp = c->release_next;
			break;
		}
	c->release_pending = false;
	c->release_next = NULL;
}

void
content_release_due(void)
{
	struct conn *c;
	struct tcp_stream *a_tcp;
	uint64_t key;

	while ((c = R.release_due) != NULL) {
		R.release_due = c->release_next;
		c->release_pending = false;
		a_tcp = c->a_tcp;
		key = conn_key(c);
		conn_close(c, SMTP_SESSION_END_EOF); /* no session: quiet */
		nids_free_tcp_stream(a_tcp);
		released_insert(key);
		R.st.content_released++;
	}
}

static enum content_verdict
judge(struct conn *c, struct content_result *r)
{
	const struct content_probe *q = c->probe;

	return content_classify(q->buf[0], q->len[0], q->done[0], q->buf[1],
	    q->len[1], q->done[1], r);
}

/*
 * n new bytes from the initiator (or the other side), before of that
 * direction's bytes before them (what libnids counted: more than was
 * held when a hole was stepped over). Held and judged; once SMTP, the
 * session gets what was held, the hole, and what was not held of them.
 */
void
content_data(struct conn *c, bool from_initiator, const uint8_t *p, size_t n,
    size_t before)
{
	struct content_probe *q = c->probe;
	int d = from_initiator ? 0 : 1;
	size_t held = 0, hole = 0, room;
	struct content_result r;
	double ts_open = q->ts_open;

	if (before != q->len[d] || q->done[d]) {
		/* After a hole, or past the window: not the first bytes. */
		hole = before > q->len[d] ? before - q->len[d] : 0;
		q->done[d] = true;
	} else if (q->nchunks == CONTENT_CHUNKS &&
	    q->chunk[q->nchunks - 1].dir != d) {
		q->done[0] = q->done[1] = true;
	} else {
		room = CONTENT_DIR_MAX - q->len[d];
		held = n < room ? n : room;
		memcpy(q->buf[d] + q->len[d], p, held);
		if (q->nchunks == CONTENT_CHUNKS) {
			/* Full (bytes a few at a time): the run grows, and
			 * takes the time of its last bytes, when its lines
			 * ended. */
			q->chunk[q->nchunks - 1].end += (uint16_t)held;
			q->chunk[q->nchunks - 1].ts = R.now;
		} else {
			q->chunk[q->nchunks].start = q->len[d];
			q->chunk[q->nchunks].end = (uint16_t)(q->len[d] + held);
			q->chunk[q->nchunks].dir = (uint8_t)d;
			q->chunk[q->nchunks].ts = R.now;
			q->nchunks++;
		}
		q->len[d] = (uint16_t)(q->len[d] + held);
		if (held < n || q->len[d] == CONTENT_DIR_MAX)
			q->done[d] = true;
	}
	switch (judge(c, &r)) {
	case CONTENT_SMTP:
		open_smtp(c, &r, ts_open);
		if (hole > 0)
			smtp_session_gap(
			    c->smtp, conn_dir(c, from_initiator), hole, R.now);
		if (held < n)
			smtp_session_data(c->smtp, conn_dir(c, from_initiator),
			    p + held, n - held, R.now);
		return;
	case CONTENT_OTHER:
		release(c);
		return;
	default:
		return;
	}
}

/* The connection ends (or the capture does) before its first bytes
 * said: judged on what it sent. */
void
content_end(struct conn *c)
{
	struct content_result r;

	c->probe->done[0] = c->probe->done[1] = true;
	if (judge(c, &r) == CONTENT_SMTP) {
		open_smtp(c, &r, c->probe->ts_open);
		return;
	}
	cfree(c->probe);
	c->probe = NULL;
	R.st.content_released++;
}

/* The end of the capture: every connection not yet judged is, now;
 * those not SMTP are closed. */
void
content_finish_all(void)
{
	struct conn *c, *next;

	for (c = R.oldest; c != NULL; c = next) {
		next = c->newer;
		if (c->probe != NULL)
			content_end(c);
		if (c->smtp == NULL)
			conn_close(c, SMTP_SESSION_END_EOF);
	}
}
