/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libnids knows only IPv4. Each IPv6 address gets a stand-in IPv4
 * address from 240.0.0.0/4 (class E, never on a real wire) for as long
 * as a connection uses it; this table maps both ways.
 */
#ifndef SMTPSCOPE_V6MAP_H
#define SMTPSCOPE_V6MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define V6MAP_DEFAULT_MAX 262144 /* addresses mapped at once */
#define V6MAP_MAX \
	0x0effffffu /* stand-ins there are (240/4 less \
		       255/8) */
/* Candidates looked at, oldest first, before a new address is refused:
 * those a half-open connection still needs are kept. */
#define V6MAP_RECYCLE_TRIES 16

struct v6map;

/* The memory a table of max mappings takes at most (its entries and
 * buckets; allocated at once, touched as they fill). */
size_t v6map_bytes(uint32_t max);
struct v6map *v6map_new(uint32_t max);
void v6map_free(struct v6map *m);
/* Stand-in (network byte order) for addr, 0 if the table is full. */
uint32_t v6map_get(struct v6map *m, const uint8_t addr[16]);
/* The stand-in addr has now, 0 if none (nothing is added). */
uint32_t v6map_find(const struct v6map *m, const uint8_t addr[16]);
/* The IPv6 address behind a stand-in; false if it is none of ours. */
bool v6map_lookup(const struct v6map *m, uint32_t standin, uint8_t out[16]);
/* A connection holds (ref) or releases (unref) a mapping; only mappings
 * no connection holds are recycled when the table is full. */
void v6map_ref(struct v6map *m, uint32_t standin);
void v6map_unref(struct v6map *m, uint32_t standin);
/*
 * Before a mapping no connection holds is recycled, in_use(arg, standin,
 * note) is asked whether it is still needed (by a connection whose
 * handshake is under way, which holds nothing yet); note is what
 * v6map_note() last left on it. A needed one is kept (as if just used)
 * and the next oldest is tried, V6MAP_RECYCLE_TRIES at most.
 */
void v6map_set_in_use(struct v6map *m,
    bool (*in_use)(void *arg, uint32_t standin, uint64_t note), void *arg);
void v6map_note(struct v6map *m, uint32_t standin, uint64_t note);
uint64_t v6map_full_count(const struct v6map *m);
/* Mappings recycled for new addresses (the oldest unheld one each). */
uint64_t v6map_recycled_count(const struct v6map *m);

static inline bool
v6map_is_standin(uint32_t addr_net)
{
	const uint8_t *b = (const uint8_t *)&addr_net;

	return (b[0] & 0xf0) == 0xf0 && b[0] != 0xff;
}

#endif
