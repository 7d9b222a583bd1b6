/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Community ID of a flow (version 1, github.com/corelight/
 * community-id-spec), as Zeek's conn.log and Suricata's eve.json carry
 * it in community_id: "1:" and the base64 of the SHA-1 of the seed, the
 * two endpoints in order (the lower address and port first, so that
 * both directions give the same id), the protocol and a zero byte.
 */
#ifndef SMTPSCOPE_COMMUNITYID_H
#define SMTPSCOPE_COMMUNITYID_H

#include <stddef.h>
#include <stdint.h>

/* "1:" and 28 characters of base64, with the NUL. */
#define COMMUNITY_ID_SIZE 31

/* The id of the flow between a:ap and b:bp (addresses of alen bytes in
 * network order: 4 for IPv4, 16 for IPv6) of IP protocol proto (6 for
 * TCP), into out. */
void community_id_v1(char out[COMMUNITY_ID_SIZE], uint16_t seed, uint8_t proto,
    const uint8_t *a, uint16_t ap, const uint8_t *b, uint16_t bp, size_t alen);

#endif
