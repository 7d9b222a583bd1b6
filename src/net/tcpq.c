/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "net/tcpq.h"

#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

static uint32_t
seg_end(const struct tcpq_seg *s)
{
	return s->seq + s->len + (s->fin ? 1 : 0);
}

/* Bytes [seq, seq + len) against segment s where both hold payload:
 * true when they differ. */
static bool
differs(
    const struct tcpq_seg *s, uint32_t seq, const uint8_t *data, uint32_t len)
{
	uint32_t from = tcpq_after(seq, s->seq) ? seq : s->seq;
	uint32_t to_a = seq + len, to_b = s->seq + s->len;
	uint32_t to = tcpq_before(to_a, to_b) ? to_a : to_b;

	if (!tcpq_before(from, to))
		return false;
	return memcmp(data + (from - seq),
		   s->pkt + s->data_off + (from - s->seq), to - from) != 0;
}

static struct tcpq_seg *
seg_new(const uint8_t *pkt, size_t pkt_len, size_t data_off, uint32_t seq,
    uint32_t len, bool fin)
{
	struct tcpq_seg *s = xmalloc(sizeof(*s) + pkt_len);

	s->next = NULL;
	s->seq = seq;
	s->len = len;
	s->fin = fin;
	s->data_off = data_off;
	s->pkt_len = pkt_len;
	s->truesize = tcpq_cost(pkt_len);
	memcpy(s->pkt, pkt, pkt_len);
	return s;
}

static size_t
seg_free(struct tcpq *q, struct tcpq_seg *s)
{
	size_t n = s->truesize;

	q->bytes -= n;
	q->n--;
	free(s);
	return n;
}

enum tcpq_result
tcpq_insert(struct tcpq *q, const uint8_t *pkt, size_t pkt_len, size_t data_off,
    uint32_t seq, uint32_t len, bool fin, bool *conflict, size_t *freed)
{
	const uint8_t *data = pkt + data_off;
	uint32_t end = seq + len + (fin ? 1 : 0);
	struct tcpq_seg **pp = &q->head, **at = &q->head, *s, *n;

	*conflict = false;
	*freed = 0;
	/* Every queued segment that starts at or before seq: does one
	 * cover the new one, or start with it? (tcp_data_queue_ofo()'s
	 * walk down the tree, over the list.) */
	for (; (s = *pp) != NULL && !tcpq_after(s->seq, seq); pp = &s->next) {
		at = &s->next;
		if (!tcpq_before(seq, seg_end(s)))
			continue;
		if (differs(s, seq, data, len))
			*conflict = true;
		if (!tcpq_after(end, seg_end(s)))
			return TCPQ_COVERED; /* all the bits are there */
		if (s->seq == seq) {
			/* The same start and longer: it takes the place. */
			n = seg_new(pkt, pkt_len, data_off, seq, len, fin);
			n->next = s->next;
			*pp = n;
			q->bytes += n->truesize;
			q->n++;
			*freed += seg_free(q, s);
			at = pp;
			goto merge_right;
		}
	}
	n = seg_new(pkt, pkt_len, data_off, seq, len, fin);
	n->next = *at;
	*at = n;
	q->bytes += n->truesize;
	q->n++;
merge_right:
	/* Segments after it that it covers whole go. */
	n = *at;
	while ((s = n->next) != NULL && tcpq_after(end, s->seq)) {
		if (differs(s, seq, data, len))
			*conflict = true;
		if (tcpq_before(end, seg_end(s)))
			break;
		n->next = s->next;
		*freed += seg_free(q, s);
	}
	return TCPQ_QUEUED;
}

struct tcpq_seg *
tcpq_pop(struct tcpq *q, uint32_t exp)
{
	struct tcpq_seg *s = q->head;

	if (s == NULL || tcpq_after(s->seq, exp))
		return NULL;
	q->head = s->next;
	q->bytes -= s->truesize;
	q->n--;
	s->next = NULL;
	return s;
}

bool
tcpq_conflicts(
    const struct tcpq *q, uint32_t seq, const uint8_t *data, uint32_t len)
{
	const struct tcpq_seg *s;

	for (s = q->head; s != NULL && tcpq_before(s->seq, seq + len);
	     s = s->next)
		if (differs(s, seq, data, len))
			return true;
	return false;
}

size_t
tcpq_clear(struct tcpq *q)
{
	struct tcpq_seg *s;
	size_t n = 0;

	while ((s = q->head) != NULL) {
		q->head = s->next;
		n += s->truesize;
		free(s);
	}
	q->bytes = 0;
	q->n = 0;
	return n;
}
