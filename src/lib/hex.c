/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lib/hex.h"

void
hex_append(struct dbuf *b, const uint8_t *s, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char two[2];
	size_t i;

	for (i = 0; i < n; i++) {
		two[0] = digits[s[i] >> 4];
		two[1] = digits[s[i] & 0xf];
		dbuf_add(b, two, 2);
	}
}
