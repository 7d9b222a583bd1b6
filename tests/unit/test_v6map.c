/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the IPv6 stand-in table (src/net/v6map.c): both ways, held
 * mappings never recycled, the unheld one used longest ago recycled
 * first, a full table of held mappings refusing.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "net/v6map.h"

#include "check.h"

static const uint8_t *
addr(unsigned i)
{
	static uint8_t a[16];

	memset(a, 0, sizeof(a));
	a[0] = 0x20;
	a[1] = 0x01;
	a[2] = 0x0d;
	a[3] = 0xb8;
	a[12] = (uint8_t)(i >> 24);
	a[13] = (uint8_t)(i >> 16);
	a[14] = (uint8_t)(i >> 8);
	a[15] = (uint8_t)i;
	return a;
}

/* The stand-ins a "half-open connection" still needs: notes 1. */
static bool
needed(void *arg, uint32_t standin, uint64_t note)
{
	(void)standin;
	++*(unsigned *)arg;
	return note == 1;
}

/* Mappings a connection under way needs (a note says so) outlive a
 * burst of new addresses; when the first V6MAP_RECYCLE_TRIES are all
 * needed, the new address is refused, not one of them recycled. */
static void
test_in_use(void)
{
	struct v6map *m = v6map_new(64);
	uint32_t s0, s1;
	unsigned asked = 0, i;

	v6map_set_in_use(m, needed, &asked);
	s0 = v6map_get(m, addr(0));
	s1 = v6map_get(m, addr(1));
	v6map_note(m, s0, 1);
	v6map_note(m, s1, 1);
	for (i = 2; i < 64; i++)
		v6map_get(m, addr(i));
	for (i = 1000; i < 1000 + 200; i++)
		v6map_get(m, addr(i));
	CHECKF(v6map_find(m, addr(0)) == s0 && v6map_find(m, addr(1)) == s1,
	    "needed mappings outlive 200 new addresses");
	CHECKF(asked >= 2, "asked about them");
	CHECKF(v6map_recycled_count(m) == 200 && v6map_find(m, addr(2)) == 0,
	    "the others recycled");
	CHECKF(v6map_full_count(m) == 0, "not full");
	/* Every mapping needed: the next new address is refused. */
	for (i = 0; i < 64; i++)
		v6map_note(m, v6map_find(m, addr(1000 + 200 - 62 + i)), 1);
	v6map_note(m, v6map_find(m, addr(0)), 1);
	asked = 0;
	CHECKF(v6map_get(m, addr(5000)) == 0 && v6map_full_count(m) == 1 &&
		asked == V6MAP_RECYCLE_TRIES,
	    "all needed: refused");
	CHECKF(v6map_find(m, addr(0)) == s0, "still there");
	CHECKF(v6map_bytes(64) >= 64 * 40, "cost of a table");
	v6map_free(m);
}

int
main(void)
{
	struct v6map *m = v6map_new(8);
	uint32_t s[8], held, x;
	uint8_t back[16];
	unsigned i;

	for (i = 0; i < 8; i++)
		s[i] = v6map_get(m, addr(i));
	CHECKF(v6map_is_standin(s[0]) && v6map_is_standin(s[7]),
	    "stand-ins are class E");
	CHECKF(v6map_get(m, addr(3)) == s[3] && v6map_find(m, addr(3)) == s[3],
	    "the same address, the same stand-in");
	CHECKF(v6map_lookup(m, s[5], back) && memcmp(back, addr(5), 16) == 0,
	    "back to the address");
	CHECKF(v6map_find(m, addr(100)) == 0, "find adds nothing");

	/* 0 is held; 1 was used last: 2..7 go first, then 1. */
	v6map_ref(m, s[0]);
	held = s[0];
	v6map_get(m, addr(1));
	for (i = 100; i < 106; i++)
		v6map_get(m, addr(i));
	CHECKF(v6map_find(m, addr(0)) == held, "held survives");
	CHECKF(v6map_find(m, addr(1)) == s[1],
	    "used last survives a burst of six");
	CHECKF(v6map_find(m, addr(2)) == 0 && v6map_find(m, addr(7)) == 0,
	    "the oldest unheld went");
	CHECKF(v6map_recycled_count(m) == 6, "recycled counted");
	v6map_get(m, addr(106));
	CHECKF(v6map_find(m, addr(1)) == 0 && v6map_find(m, addr(0)) == held,
	    "then the one used last");

	/* Seven more held: with 0 the table is all held, and an eighth
	 * new address is refused and counted. */
	for (i = 200; i < 207; i++) {
		x = v6map_get(m, addr(i));
		v6map_ref(m, x);
	}
	CHECKF(v6map_get(m, addr(300)) == 0 && v6map_full_count(m) == 1,
	    "full of held mappings");
	CHECKF(v6map_find(m, addr(0)) == held,
	    "the held one of before is still there");
	/* Released: recyclable again. */
	v6map_unref(m, v6map_find(m, addr(200)));
	CHECKF(v6map_get(m, addr(301)) != 0 && v6map_find(m, addr(200)) == 0,
	    "released: recycled for a new one");
	v6map_free(m);
	test_in_use();
	return check_done("v6map");
}
