/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IP fragment reassembly the way a Linux receiver does it (ipfrag.h).
 *
 * The decisions follow net/ipv4/ip_fragment.c ip_frag_queue(),
 * net/ipv6/reassembly.c ipv6_frag_rcv() and ip6_frag_queue(), and
 * net/ipv4/inet_fragment.c inet_frag_queue_insert(): a queue keeps, as
 * Linux does, its fragments grouped in "runs" (fragments that came in
 * order, each starting where the one before ended) in a tree keyed by
 * offset.  A new fragment past the end of the last run is appended to
 * it or starts a new run; any other is looked up in the tree: inside
 * one run it is a duplicate, touching a run otherwise an overlap, else
 * it becomes a run of its own.  So a duplicate is what lies inside
 * bytes that came in order, not only a fragment with the same offset
 * and end.  The tree is an AVL tree: a lookup is O(log n) whatever the
 * order the fragments come in, an in-order fragment O(1).
 *
 * A fragment's data is copied once into its own block; the datagram is
 * copied once out of the blocks into the table's output buffer (the
 * fragment that completes it is copied there straight from the
 * packet).  Queues are found through a hash table keyed with a random
 * seed, and kept in two lists (IPv4, IPv6) in the order of their
 * deadlines, which is also their age (ipfrag_queue.c; what the two
 * files share: ipfrag_int.h).
 */
#include "net/ipfrag.h"

#include <stdlib.h>
#include <string.h>

#include "net/ipfrag_int.h"

/* The ones' complement of the ones' complement sum (RFC 1071): 0 over
 * a header whose checksum is right. */
static uint16_t
ip_sum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static bool
v6_is_ext(uint8_t nh)
{
	return nh == NH_HOPOPTS || nh == NH_ROUTING || nh == NH_FRAGMENT ||
	    nh == NH_AUTH || nh == NH_DSTOPTS;
}

static size_t
v6_ext_len(uint8_t nh, uint8_t len8)
{
	if (nh == NH_AUTH)
		return ((size_t)len8 + 2) * 4;
	return ((size_t)len8 + 1) * 8;
}

/* Reading a fragment. */

static enum parse
parse_v4(const struct ipfrag *f, const uint8_t *ip, size_t caplen,
    struct fragdesc *fd)
{
	size_t hlen, totlen, lim;
	uint16_t frag;

	if (caplen < IPV4_MIN_HLEN)
		return PARSE_BAD;
	hlen = (size_t)(ip[0] & 0x0f) * 4;
	totlen = rd16(ip + 2);
	if (hlen < IPV4_MIN_HLEN || hlen > caplen || totlen < hlen)
		return PARSE_BAD;
	frag = rd16(ip + 6);
	if ((frag & (IPV4_MF | IPV4_OFFMASK)) == 0)
		return PARSE_WHOLE;
	if (f->cfg.verify_v4_checksum && ip_sum(ip, hlen) != 0)
		return PARSE_CSUM;
	lim = caplen < totlen ? caplen : totlen;
	memcpy(fd->key.src, ip + 12, 4);
	memcpy(fd->key.dst, ip + 16, 4);
	fd->key.id = rd16(ip + 4);
	fd->key.version = 4;
	fd->key.proto = ip[9];
	fd->hdr = ip;
	fd->hdr_len = (uint32_t)hlen;
	fd->data = ip + hlen;
	fd->avail = (uint32_t)(lim - hlen);
	fd->off = (uint32_t)(frag & IPV4_OFFMASK) * 8;
	fd->end = fd->off + (uint32_t)(totlen - hlen);
	fd->more = (frag & IPV4_MF) != 0;
	fd->df = (frag & IPV4_DF) != 0;
	fd->ecn = (uint8_t)(1u << (ip[1] & 3));
	return PARSE_FRAG;
}

/*
 * ipv6frag_thdr_truncated() over ipv6_skip_exthdr(), from the end of
 * the Fragment header of a first fragment: does the fragment end
 * before the fixed part of the upper-layer header?  A header Linux
 * cannot read (past the packet's end, or No Next Header) makes the
 * answer no; so does one past what was captured (we cannot tell).
 */
static bool
v6_thdr_truncated(
    const uint8_t *ip, size_t lim, size_t iplen, size_t start, uint8_t nh)
{
	size_t need;

	while (v6_is_ext(nh) || nh == NH_NONE) {
		if (nh == NH_NONE || start + 2 > iplen || start + 2 > lim)
			return false;
		if (nh == NH_FRAGMENT) {
			if (start + 4 > iplen || start + 4 > lim)
				return false;
			if ((rd16(ip + start + 2) & IPV6_FRAG_OFFMASK) != 0)
				return false; /* a later fragment's header */
		}
		if (nh == NH_FRAGMENT)
			need = IPV6_FRAG_HLEN;
		else
			need = v6_ext_len(nh, ip[start + 1]);
		nh = ip[start];
		start += need;
	}
	switch (nh) {
	case NH_TCP:
		need = TCP_HLEN;
		break;
	case NH_UDP:
		need = UDP_HLEN;
		break;
	case NH_ICMPV6:
		need = ICMPV6_HLEN;
		break;
	default:
		need = 1;
		break;
	}
	return start + need > iplen;
}

static enum parse
parse_v6(const uint8_t *ip, size_t caplen, struct fragdesc *fd)
{
	size_t iplen, lim, off, nhpos, hl;
	uint16_t field;
	uint8_t nh, tc;

	if (caplen < IPV6_HLEN)
		return PARSE_BAD;
	iplen = IPV6_HLEN + (size_t)rd16(ip + 4);
	if (iplen == IPV6_HLEN) /* a jumbogram: no fragment header */
		return PARSE_BAD;
	lim = caplen < iplen ? caplen : iplen;

	/* The headers before the Fragment header, as decap walks them. */
	nh = ip[6];
	nhpos = 6;
	off = IPV6_HLEN;
	while (nh != NH_FRAGMENT) {
		if (!v6_is_ext(nh))
			return PARSE_WHOLE;
		if (off + 2 > lim)
			return PARSE_BAD;
		hl = v6_ext_len(nh, ip[off + 1]);
		nhpos = off;
		nh = ip[off];
		off += hl;
	}
	if (off + IPV6_FRAG_HLEN > lim)
		return PARSE_BAD;

	memcpy(fd->key.src, ip + 8, 16);
	memcpy(fd->key.dst, ip + 24, 16);
	fd->key.id = rd32(ip + off + 4);
	fd->key.version = 6;
	field = rd16(ip + off + 2);
	fd->hdr = ip;
	fd->hdr_len = (uint32_t)off;
	fd->nhoff = (uint32_t)nhpos;
	fd->nexthdr = ip[off];
	fd->data = ip + off + IPV6_FRAG_HLEN;
	fd->avail = (uint32_t)(lim - off - IPV6_FRAG_HLEN);
	fd->off = field & IPV6_FRAG_OFFMASK;
	fd->end = fd->off + (uint32_t)(iplen - off - IPV6_FRAG_HLEN);
	fd->more = (field & IPV6_FRAG_MORE) != 0;
	fd->df = false;
	tc = (uint8_t)((ip[0] & 0x0f) << 4 | ip[1] >> 4);
	fd->ecn = (uint8_t)(1u << (tc & 3));

	if (fd->off == 0 && !fd->more)
		return PARSE_ATOMIC;
	if (fd->off == 0 &&
	    v6_thdr_truncated(
		ip, lim, iplen, off + IPV6_FRAG_HLEN, fd->nexthdr))
		return PARSE_V6_DROP;
	/* ip6_frag_queue(): a parameter problem, its queue already made. */
	if (fd->end > IP_MAXLEN || (fd->more && (fd->end & 7) != 0))
		return PARSE_V6_PROB;
	return PARSE_FRAG;
}

static enum parse
parse(const struct ipfrag *f, const struct decap_packet *d, struct fragdesc *fd)
{
	memset(fd, 0, sizeof(*fd));
	if (d == NULL || d->l3 == NULL || d->l3_len == 0)
		return PARSE_BAD;
	switch (d->l3[0] >> 4) {
	case 4:
		return parse_v4(f, d->l3, d->l3_len, fd);
	case 6:
		return parse_v6(d->l3, d->l3_len, fd);
	default:
		return PARSE_BAD;
	}
}

/* Building the datagram. */

/*
 * After the Fragment header Linux refuses a second one (ipv6_frag_rcv():
 * IP6SKB_FRAGMENTED) and a Hop-by-Hop header (no inet6_protocol for it:
 * ip6_protocol_deliver_rcu() drops the packet); decap would walk over
 * both.  The walk ends where the bytes end.
 */
static bool
v6_refused_after(const uint8_t *p, size_t len, size_t start, uint8_t nh)
{
	uint8_t next;

	while (v6_is_ext(nh)) {
		if (nh == NH_FRAGMENT || nh == NH_HOPOPTS)
			return true;
		if (start + 2 > len)
			return false;
		next = p[start];
		start += v6_ext_len(nh, p[start + 1]);
		nh = next;
	}
	return false;
}

static enum ipfrag_result
v6_atomic(struct ipfrag *f, const struct fragdesc *fd, const uint8_t **out,
    size_t *outlen)
{
	uint8_t *o = f->out;
	size_t n = fd->hdr_len + fd->avail;

	memcpy(o, fd->hdr, fd->hdr_len);
	memcpy(o + fd->hdr_len, fd->data, fd->avail);
	o[fd->nhoff] = fd->nexthdr;
	wr16(o + 4, fd->end + fd->hdr_len - IPV6_HLEN);
	if (v6_refused_after(o, n, fd->hdr_len, fd->nexthdr)) {
		f->st.dropped_bad++;
		return IPFRAG_DROPPED;
	}
	if (fd->avail < fd->end)
		f->st.truncated++;
	f->st.atomic++;
	*out = o;
	*outlen = n;
	return IPFRAG_DONE;
}

/*
 * The first fragment of a datagram about to be discarded, as it came
 * (headers, the Fragment header for IPv6, the data captured), so that
 * the caller can find its ports; an empty packet if it never came.
 */
static void
head_packet(struct ipfrag *f, const struct queue *q, const struct fragdesc *fd,
    const uint8_t **out, size_t *outlen)
{
	const struct frag *h = q != NULL ? q->head : NULL;
	uint8_t *o = f->out, *fh;
	size_t n;

	*out = NULL;
	*outlen = 0;
	if (h == NULL) {
		if (fd->off != 0)
			return;
		*out = fd->hdr;
		*outlen = fd->hdr_len + fd->avail +
		    (fd->key.version == 6 ? IPV6_FRAG_HLEN : 0);
		return;
	}
	memcpy(o, h->data, h->hdr_len);
	n = h->hdr_len;
	if (q->key.version == 6) {
		/* A first fragment that is not atomic: offset 0, M set. */
		fh = o + n;
		fh[0] = q->nexthdr;
		fh[1] = 0;
		wr16(fh + 2, IPV6_FRAG_MORE);
		wr32(fh + 4, q->key.id);
		n += IPV6_FRAG_HLEN;
	}
	memcpy(o + n, h->data + h->hdr_len, h->cap);
	*out = o;
	*outlen = n + h->cap;
}

/*
 * ip_frag_reasm() / ip6_frag_reasm(): the queue's fragments and `fd`
 * (the one that completes it: [off, end), of which cap bytes were
 * captured) into f->out.  The caller destroys the queue.
 */
static enum ipfrag_result
reassemble(struct ipfrag *f, struct queue *q, const struct fragdesc *fd,
    uint32_t end, uint32_t cap, const uint8_t **out, size_t *outlen)
{
	const uint8_t *hdr;
	const struct frag *fr;
	uint32_t hlen, nhoff, cut = q->cut;
	uint8_t *o = f->out, ecn = q->ecn | fd->ecn, ecn_or = 0, nexthdr;

	if ((ecn & ECN_NOT_ECT) && (ecn & (ECN_CE | ECN_ECT_0 | ECN_ECT_1)))
		goto fail; /* ip_frag_ecn_table: 0xff */
	if ((ecn & ECN_CE) && (ecn & (ECN_ECT_0 | ECN_ECT_1)))
		ecn_or = INET_ECN_CE;
	if (fd->off == 0) {
		hdr = fd->hdr;
		hlen = fd->hdr_len;
		nhoff = fd->nhoff;
		nexthdr = fd->nexthdr;
	} else {
		hdr = q->head->data;
		hlen = q->head->hdr_len;
		nhoff = q->nhoff;
		nexthdr = q->nexthdr;
	}
	if (q->key.version == 4 ? hlen + q->len > IP_MAXLEN
				: hlen - IPV6_HLEN + q->len > IP_MAXLEN)
		goto fail;

	memcpy(o, hdr, hlen);
	for (fr = q->frags; fr != NULL; fr = fr->next)
		memcpy(o + hlen + fr->off, fr->data + fr->hdr_len, fr->cap);
	memcpy(o + hlen + fd->off, fd->data, cap);
	if (cap < end - fd->off)
		cut = min_u32(cut, fd->off + cap);

	if (q->key.version == 4) {
		o[1] |= ecn_or;
		wr16(o + 2, hlen + q->len);
		wr16(o + 6, q->max_df_size == q->max_size ? IPV4_DF : 0);
		o[10] = o[11] = 0;
		wr16(o + 10, ip_sum(o, hlen));
	} else {
		o[1] |= (uint8_t)(ecn_or << 4);
		o[nhoff] = nexthdr;
		wr16(o + 4, hlen - IPV6_HLEN + q->len);
		if (v6_refused_after(
			o, hlen + min_u32(q->len, cut), hlen, nexthdr))
			goto fail;
	}
	if (cut < q->len)
		f->st.truncated++;
	f->st.reassembled++;
	*out = o;
	*outlen = hlen + min_u32(q->len, cut);
	return IPFRAG_DONE;
fail:
	head_packet(f, q, fd, out, outlen);
	f->st.failed++;
	return IPFRAG_DISCARDED;
}

/* Linux kills the queue (discard_qp): a datagram lost if there was one. */
static enum ipfrag_result
discard(struct ipfrag *f, struct queue *q, const struct fragdesc *fd,
    const uint8_t **out, size_t *outlen)
{
	bool had = q != NULL && q->frags != NULL;

	if (had)
		head_packet(f, q, fd, out, outlen);
	if (q != NULL)
		queue_destroy(f, q);
	if (had) {
		f->st.failed++;
		return IPFRAG_DISCARDED;
	}
	f->st.dropped_bad++;
	return IPFRAG_DROPPED;
}

static void
note_sizes(struct queue *q, const struct fragdesc *fd, uint32_t end)
{
	uint32_t size = end - fd->off + fd->hdr_len;

	if (q->key.version != 4 || size > IP_MAXLEN)
		return;
	if (size > q->max_size)
		q->max_size = (uint16_t)size;
	if (fd->df && size > q->max_df_size)
		q->max_df_size = (uint16_t)size;
}

/*
 * Where fd ends and where its datagram does, by what q knows (Linux's
 * checks): *end cut to 8 bytes when more fragments follow, *len and
 * *flags as q's become. False: fd contradicts an end already known, or
 * holds nothing; its queue goes.
 */
static bool
frag_ends(const struct queue *q, const struct fragdesc *fd, uint32_t *end,
    uint32_t *len, uint8_t *flags)
{
	*end = fd->end;
	*len = q != NULL ? q->len : 0;
	*flags = q != NULL ? q->flags : 0;
	if (!fd->more) {
		/* The last fragment: nothing queued past it, one end. */
		if (*end < *len || ((*flags & Q_LAST_IN) && *end != *len))
			return false;
		*flags |= Q_LAST_IN;
		*len = *end;
	} else {
		*end &= ~7u; /* IPv4 cuts; IPv6 was checked */
		if (*end > *len) {
			if (*flags & Q_LAST_IN)
				return false;
			*len = *end;
		}
	}
	return *end != fd->off;
}

/*
 * Memory for a fragment of cost bytes, and for its queue when *qp is
 * NULL (made then, its hash h): the fragment, or NULL, counted, when
 * the budget or malloc() says no (a queue that cannot make room goes).
 */
static struct frag *
frag_alloc(struct ipfrag *f, struct queue **qp, const struct fragdesc *fd,
    uint64_t h, size_t cost)
{
	struct queue *q = *qp;
	struct frag *fr;

	if (!make_room(f, q, cost + (q == NULL ? sizeof(*q) : 0), q == NULL)) {
		if (q != NULL) {
			queue_destroy(f, q);
			f->st.evicted++;
		} else
			f->st.nomem++;
		return NULL;
	}
	if ((fr = malloc(cost)) == NULL) {
		f->st.nomem++;
		return NULL;
	}
	if (q == NULL && (q = queue_new(f, &fd->key, h)) == NULL) {
		free(fr);
		f->st.nomem++;
		return NULL;
	}
	*qp = q;
	return fr;
}

/* fr: fd's bytes from fd->off to end, cap of them captured, after its
 * headers if it is the first fragment, which becomes q's head. */
static void
frag_fill(struct queue *q, struct frag *fr, const struct fragdesc *fd,
    uint32_t end, uint32_t cap)
{
	fr->off = fd->off;
	fr->end = end;
	fr->run_end = end;
	fr->cap = cap;
	fr->hdr_len = 0;
	if (fd->off == 0) {
		fr->hdr_len = fd->hdr_len;
		memcpy(fr->data, fd->hdr, fd->hdr_len);
		q->head = fr;
		q->nhoff = fd->nhoff;
		q->nexthdr = fd->nexthdr;
	}
	memcpy(fr->data + fr->hdr_len, fd->data, cap);
}

/* fr (cost bytes, filled by frag_fill()) into q: its list, its runs
 * where run_place() found it fits, its bytes. */
static void
frag_insert(struct ipfrag *f, struct queue *q, struct frag *fr,
    const struct fragdesc *fd, enum run_fit fit, size_t cost)
{
	fr->next = q->frags;
	q->frags = fr;
	switch (fit) {
	case RUN_APPEND:
		q->last_run->run_end = fr->end;
		break;
	case RUN_FIRST:
	case RUN_NEW_LAST:
		q->last_run = fr;
		q->root = run_insert(q->root, fr);
		break;
	default:
		q->root = run_insert(q->root, fr);
		break;
	}
	bytes_add(f, q, cost);
	q->meat += fr->end - fr->off;
	q->ecn |= fd->ecn;
	if (fr->cap < fr->end - fr->off)
		q->cut = min_u32(q->cut, fr->off + fr->cap);
	note_sizes(q, fd, fr->end);
}

/* ip_frag_queue() / ip6_frag_queue() from the lookup on. */
static enum ipfrag_result
queue_fragment(struct ipfrag *f, const struct fragdesc *fd, bool prob_only,
    const uint8_t **out, size_t *outlen)
{
	struct queue *q;
	struct frag *fr;
	enum run_fit fit;
	enum ipfrag_result r;
	uint64_t h = key_hash(f, &fd->key);
	uint32_t off = fd->off, end, len, cap;
	uint8_t flags;
	size_t cost;

	q = queue_find(f, &fd->key, h);
	if (prob_only) {
		/* The fragment is dropped, its queue (made by fq_find()) is
		 * kept and times out. */
		if (q == NULL && make_room(f, NULL, sizeof(*q), true))
			(void)queue_new(f, &fd->key, h);
		f->st.dropped_bad++;
		return IPFRAG_DROPPED;
	}
	if (fd->key.version == 4)
		v4_peer_tick(f, q, &fd->key);
	if (!frag_ends(q, fd, &end, &len, &flags))
		return discard(f, q, fd, out, outlen);
	/* Kept even if the fragment turns out a duplicate, as in Linux. */
	if (q != NULL) {
		q->len = len;
		q->flags = flags;
	}
	cap = min_u32(fd->avail, end - off);

	fit = run_place(q, off, end);
	if (fit == RUN_OVERLAP) {
		head_packet(f, q, fd, out, outlen);
		queue_destroy(f, q);
		f->st.overlaps++;
		return IPFRAG_OVERLAP;
	}
	if (fit == RUN_DUP) {
		f->st.duplicates++;
		return IPFRAG_DUPLICATE;
	}

	if (off == 0)
		flags |= Q_FIRST_IN;
	if (q != NULL && flags == (Q_FIRST_IN | Q_LAST_IN) &&
	    q->meat + (end - off) == len) {
		note_sizes(q, fd, end);
		r = reassemble(f, q, fd, end, cap, out, outlen);
		queue_destroy(f, q);
		return r;
	}
	cost = sizeof(*fr) + (off == 0 ? fd->hdr_len : 0) + cap;
	if ((fr = frag_alloc(f, &q, fd, h, cost)) == NULL)
		return IPFRAG_DROPPED;
	q->len = len;
	q->flags = flags;
	frag_fill(q, fr, fd, end, cap);
	frag_insert(f, q, fr, fd, fit, cost);
	return IPFRAG_HELD;
}

/* The API. */

void
ipfrag_config_init(struct ipfrag_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->budget_bytes = IPFRAG_DEFAULT_BUDGET;
	cfg->max_queues = IPFRAG_DEFAULT_MAX_QUEUES;
	cfg->timeout_v4 = IPFRAG_DEFAULT_TIMEOUT_V4;
	cfg->timeout_v6 = IPFRAG_DEFAULT_TIMEOUT_V6;
	cfg->max_dist = IPFRAG_DEFAULT_MAX_DIST;
	cfg->verify_v4_checksum = false;
}

struct ipfrag *
ipfrag_new(const struct ipfrag_config *cfg)
{
	struct ipfrag *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	if (cfg != NULL)
		f->cfg = *cfg;
	else
		ipfrag_config_init(&f->cfg);
	if (f->cfg.budget_bytes == 0)
		f->cfg.budget_bytes = IPFRAG_DEFAULT_BUDGET;
	if (f->cfg.max_queues == 0)
		f->cfg.max_queues = IPFRAG_DEFAULT_MAX_QUEUES;
	if (!(f->cfg.timeout_v4 > 0))
		f->cfg.timeout_v4 = IPFRAG_DEFAULT_TIMEOUT_V4;
	if (!(f->cfg.timeout_v6 > 0))
		f->cfg.timeout_v6 = IPFRAG_DEFAULT_TIMEOUT_V6;
	f->max_buckets = HASH_MIN_BUCKETS;
	while (f->max_buckets < f->cfg.max_queues &&
	    f->max_buckets < HASH_MAX_BUCKETS)
		f->max_buckets *= 2;
	f->nqb = f->npb = HASH_MIN_BUCKETS;
	f->qb = calloc(f->nqb, sizeof(*f->qb));
	f->pb = calloc(f->npb, sizeof(*f->pb));
	f->out = malloc(IPFRAG_MAX_PACKET);
	if (f->qb == NULL || f->pb == NULL || f->out == NULL) {
		ipfrag_free(f);
		return NULL;
	}
	f->seed = random_seed(f);
	return f;
}

void
ipfrag_free(struct ipfrag *f)
{
	int i;

	if (f == NULL)
		return;
	for (i = 0; i < 2; i++)
		while (f->age[i].oldest != NULL)
			queue_destroy(f, f->age[i].oldest);
	free(f->qb);
	free(f->pb);
	free(f->out);
	free(f);
}

enum ipfrag_result
ipfrag_add(struct ipfrag *f, const struct decap_packet *d, double now,
    const uint8_t **out, size_t *outlen)
{
	struct fragdesc fd;

	f->st.fragments++;
	clock_advance(f, now);
	expire_due(f);
	switch (parse(f, d, &fd)) {
	case PARSE_FRAG:
		return queue_fragment(f, &fd, false, out, outlen);
	case PARSE_WHOLE:
		*out = d->l3;
		*outlen = d->l3_len;
		return IPFRAG_DONE;
	case PARSE_ATOMIC:
		return v6_atomic(f, &fd, out, outlen);
	case PARSE_V6_PROB:
		return queue_fragment(f, &fd, true, out, outlen);
	case PARSE_CSUM:
		f->st.bad_checksum++;
		return IPFRAG_DROPPED;
	case PARSE_V6_DROP:
	case PARSE_BAD:
		break;
	}
	f->st.dropped_bad++;
	return IPFRAG_DROPPED;
}

void
ipfrag_expire(struct ipfrag *f, double now)
{
	clock_advance(f, now);
	expire_due(f);
}

const struct ipfrag_stats *
ipfrag_stats(const struct ipfrag *f)
{
	return &f->st;
}

const char *
ipfrag_result_name(enum ipfrag_result r)
{
	switch (r) {
	case IPFRAG_HELD:
		return "held";
	case IPFRAG_DONE:
		return "done";
	case IPFRAG_OVERLAP:
		return "overlap";
	case IPFRAG_DUPLICATE:
		return "duplicate";
	case IPFRAG_DISCARDED:
		return "discarded";
	case IPFRAG_DROPPED:
		return "dropped";
	}
	return "unknown";
}
