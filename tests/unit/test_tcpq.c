/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the out-of-order segment queue (src/net/tcpq.c): Linux's
 * rules for overlapping segments (tcp_data_queue_ofo()), what comes out
 * in order, the conflicts it reports, sequence numbers that wrap, and
 * random sequences against the queue's invariants.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/tcpq.h"

#include "check.h"

/* A fake packet: 8 header bytes, then the payload. */
#define HDR 8

static enum tcpq_result
put(struct tcpq *q, uint32_t seq, const char *data, bool fin, bool *conflict)
{
	uint8_t pkt[HDR + 256];
	size_t n = strlen(data), freed;

	memset(pkt, 'h', HDR);
	memcpy(pkt + HDR, data, n);
	return tcpq_insert(
	    q, pkt, HDR + n, HDR, seq, (uint32_t)n, fin, conflict, &freed);
}

/* Deliver in order from exp as a receiver does: each segment's bytes
 * from the next expected one on. */
static void
deliver(struct tcpq *q, uint32_t exp, char *out, size_t size)
{
	struct tcpq_seg *s;
	size_t o = 0;

	while ((s = tcpq_pop(q, exp)) != NULL) {
		uint32_t skip = exp - s->seq, i;

		for (i = skip; i < s->len && o + 1 < size; i++)
			out[o++] = (char)s->pkt[s->data_off + i];
		if (tcpq_after(s->seq + s->len, exp))
			exp = s->seq + s->len;
		free(s);
	}
	out[o] = '\0';
}

static void
test_rules(void)
{
	struct tcpq q = { 0 };
	char out[256];
	bool c;

	/* The same start and length, other bytes: the first stays. */
	CHECKF(put(&q, 110, "hello", false, &c) == TCPQ_QUEUED && !c,
	    "same: first queued");
	CHECKF(put(&q, 110, "EVIL!", false, &c) == TCPQ_COVERED && c,
	    "same: second covered, a conflict");
	CHECKF(put(&q, 110, "hello", false, &c) == TCPQ_COVERED && !c,
	    "same: identical retransmission, no conflict");
	deliver(&q, 110, out, sizeof(out));
	CHECKF(strcmp(out, "hello") == 0, "same: delivered the first");

	/* The same start, the later one longer: the later one wins. */
	put(&q, 110, "hello", false, &c);
	CHECKF(put(&q, 110, "EVIL!world", false, &c) == TCPQ_QUEUED && c &&
		q.n == 1,
	    "longer: replaces");
	deliver(&q, 110, out, sizeof(out));
	CHECKF(strcmp(out, "EVIL!world") == 0, "longer: delivered the later");

	/* A partial overlap keeps both; the one that starts first gives
	 * the overlapping bytes. */
	put(&q, 100, "abcdef", false, &c);
	CHECKF(
	    put(&q, 104, "XXghij", false, &c) == TCPQ_QUEUED && c && q.n == 2,
	    "partial: kept");
	deliver(&q, 100, out, sizeof(out));
	CHECKF(strcmp(out, "abcdefghij") == 0, "partial: first start wins");

	/* A new segment covering later ones removes them. */
	put(&q, 105, "fg", false, &c);
	put(&q, 110, "kl", false, &c);
	CHECKF(put(&q, 104, "efghijklm", false, &c) == TCPQ_QUEUED && !c &&
		q.n == 1,
	    "cover: queued");
	deliver(&q, 104, out, sizeof(out));
	CHECKF(strcmp(out, "efghijklm") == 0, "cover: one segment");

	/* Inside a queued one: covered. */
	put(&q, 100, "abcdefgh", false, &c);
	CHECKF(put(&q, 102, "cd", false, &c) == TCPQ_COVERED && !c,
	    "inside: covered");
	CHECKF(put(&q, 102, "ZZ", false, &c) == TCPQ_COVERED && c,
	    "inside other bytes: conflict");
	tcpq_clear(&q);

	/* A FIN counts one past the bytes: a longer copy with the FIN at
	 * the same start takes the place. */
	put(&q, 100, "ab", false, &c);
	CHECKF(put(&q, 100, "ab", true, &c) == TCPQ_QUEUED && !c && q.n == 1 &&
		q.head->fin,
	    "fin: replaces");
	tcpq_clear(&q);

	/* Data in order against queued copies. */
	put(&q, 105, "fghij", false, &c);
	CHECKF(!tcpq_conflicts(&q, 100, (const uint8_t *)"abcdefg", 7),
	    "in order, same bytes");
	CHECKF(tcpq_conflicts(&q, 100, (const uint8_t *)"abcdeXg", 7),
	    "in order, other bytes");
	CHECKF(tcpq_pop(&q, 104) == NULL, "pop waits for its turn");
	CHECKF(tcpq_clear(&q) > 0 && q.bytes == 0 && q.head == NULL,
	    "clear gives back the bytes");
}

static void
test_wrap(void)
{
	struct tcpq q = { 0 };
	char out[64];
	bool c;

	/* Sequence numbers across 2^32. */
	put(&q, 0xfffffffeu, "ab", false, &c);
	put(&q, 2, "ef", false, &c);
	put(&q, 0, "cd", false, &c);
	CHECKF(q.n == 3 && q.head->seq == 0xfffffffeu, "wrap: order");
	deliver(&q, 0xfffffffeu, out, sizeof(out));
	CHECKF(strcmp(out, "abcdef") == 0, "wrap: delivered");
	CHECKF(tcpq_before(0xffffffffu, 1) && tcpq_after(1, 0xffffffffu),
	    "wrap: before");
}

static uint32_t rng = 2463534242u;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* Random segments over a small window: the queue stays sorted, no
 * segment covers another whole, its bytes add up, and a receiver reading
 * it gets, at each position, bytes of a segment that covered it. */
static void
test_random(void)
{
	int round, k, bad = 0;

	for (round = 0; round < 3000 && !bad; round++) {
		struct tcpq q = { 0 };
		uint32_t base = rnd();
		struct tcpq_seg *s, *t;
		size_t bytes = 0;
		unsigned n = 0;
		bool c;

		for (k = 0; k < 12; k++) {
			char data[33];
			uint32_t len = 1 + rnd() % 32, i;

			for (i = 0; i < len; i++)
				data[i] = (char)('a' + rnd() % 3);
			data[len] = '\0';
			put(&q, base + rnd() % 64, data, rnd() % 8 == 0, &c);
		}
		for (s = q.head; s != NULL; s = s->next) {
			bytes += s->truesize;
			n++;
			for (t = s->next; t != NULL; t = t->next) {
				uint32_t se = s->seq + s->len + s->fin;
				uint32_t te = t->seq + t->len + t->fin;

				if (tcpq_after(s->seq, t->seq))
					bad = 1; /* not sorted */
				if (!tcpq_after(s->seq, t->seq) &&
				    !tcpq_after(te, se))
					bad = 2; /* t covered by s */
				if (s->seq == t->seq)
					bad = 3;
			}
		}
		if (bytes != q.bytes || n != q.n)
			bad = 4;
		tcpq_clear(&q);
	}
	CHECKF(bad == 0, "random: invariants");
	if (bad)
		fprintf(
		    stderr, "  invariant %d broken in round %d\n", bad, round);
}

int
main(void)
{
	test_rules();
	test_wrap();
	test_random();
	return check_done("tcpq");
}
