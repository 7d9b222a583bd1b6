/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: SMTP found by its content (src/net/content.c). The
 * input: a byte, its low bits whether each direction is done, a 2-byte
 * length of the initiator's bytes, then both directions' bytes; each is
 * copied into a buffer of exactly its size, so that ASan sees a read
 * past it. Its oracle: with both directions done (or their windows
 * full) the verdict is never "more"; SMTP results are in range (what the
 * tunnel skips within the bytes, its target printable and terminated).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/content.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_result(const struct content_result *r, size_t na, size_t nb)
{
	size_t i, n;

	if (!r->tunnel)
		return;
	if (r->skip[0] > na || r->skip[1] > nb)
		abort();
	n = strnlen(r->target, sizeof(r->target));
	if (n == 0 || n >= sizeof(r->target))
		abort();
	for (i = 0; i < n; i++)
		if (r->target[i] <= ' ' || r->target[i] >= 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct content_result r, rw;
	enum content_verdict v, whole;
	uint8_t *a, *b;
	size_t na, nb;

	if (size < 3)
		return 0;
	na = (size_t)data[1] << 8 | data[2];
	if (na > size - 3)
		na = size - 3;
	nb = size - 3 - na;
	a = malloc(na ? na : 1);
	b = malloc(nb ? nb : 1);
	memcpy(a, data + 3, na);
	memcpy(b, data + 3 + na, nb);
	v = content_classify(a, na, data[0] & 1, b, nb, data[0] & 2, &r);
	if (v == CONTENT_SMTP)
		check_result(&r, na, nb);
	if (v == CONTENT_MORE &&
	    (((data[0] & 3) == 3) ||
		(na >= CONTENT_DIR_MAX && nb >= CONTENT_DIR_MAX)))
		abort();
	/* Both directions done: the verdict is final. */
	whole = content_classify(a, na, true, b, nb, true, &rw);
	if (whole == CONTENT_MORE)
		abort();
	if (whole == CONTENT_SMTP)
		check_result(&rw, na, nb);
	free(a);
	free(b);
	return 0;
}
