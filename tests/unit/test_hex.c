/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of lib/hex: digit values, pairs, digests written. */
#include <stdio.h>
#include <string.h>

#include "lib/hex.h"
#include "lib/util.h"

#include "check.h"

static void
test_value(void)
{
	int c, want;

	for (c = 0; c < 256; c++) {
		if (c >= '0' && c <= '9')
			want = c - '0';
		else if (c >= 'a' && c <= 'f')
			want = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			want = c - 'A' + 10;
		else
			want = -1;
		if (!CHECKF(hex_value((unsigned char)c) == want,
			"hex_value(0x%02x) = %d, want %d", c,
			hex_value((unsigned char)c), want))
			break;
	}
}

static void
test_pair(void)
{
	CHECK_INT(hex_pair('0', '0'), 0);
	CHECK_INT(hex_pair('f', 'F'), 255);
	CHECK_INT(hex_pair('3', 'd'), 0x3d);
	CHECK_INT(hex_pair('A', '9'), 0xa9);
	/* Either digit invalid: -1, whatever the other. */
	CHECK_INT(hex_pair('g', '0'), -1);
	CHECK_INT(hex_pair('0', 'g'), -1);
	CHECK_INT(hex_pair('=', '4'), -1);
	CHECK_INT(hex_pair('4', '\0'), -1);
	CHECK_INT(hex_pair(' ', '1'), -1);
	CHECK_INT(hex_pair(0xc3, 0xa9), -1);
}

static void
test_append(void)
{
	static const uint8_t bytes[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
	struct dbuf b;

	dbuf_init(&b, 64);
	hex_append(&b, bytes, sizeof(bytes));
	CHECK_STR(dbuf_str(&b), "00017f80abff");
	hex_append(&b, bytes, 0);
	CHECK_STR(dbuf_str(&b), "00017f80abff");
	dbuf_free(&b);
	/* Cut by the buffer's cap like any dbuf append. */
	dbuf_init(&b, 5);
	hex_append(&b, bytes, sizeof(bytes));
	CHECK_STR(dbuf_str(&b), "00017");
	CHECK(b.truncated);
	dbuf_free(&b);
}

int
main(void)
{
	test_value();
	test_pair();
	test_append();
	return check_done("hex");
}
