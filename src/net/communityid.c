/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Community ID v1 (communityid.h), with libnettle's SHA-1 compression
 * function. Computed once a session, when the network layer opens it.
 */
#include "net/communityid.h"

#include <nettle/sha1.h>
#include <string.h>

static void
put16be(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Is a:ap the lower endpoint (address first, then port)? */
static int
endpoint_cmp(
    const uint8_t *a, uint16_t ap, const uint8_t *b, uint16_t bp, size_t alen)
{
	int c = memcmp(a, b, alen);

	if (c != 0)
		return c;
	return ap < bp ? -1 : ap > bp ? 1 : 0;
}

static void
base64_20(char *out, const uint8_t in[20])
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i + 3 <= 18; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = b64[v >> 6 & 63];
		out[o++] = b64[v & 63];
	}
	/* The last two bytes: three characters and one '='. */
	v = (uint32_t)in[18] << 16 | (uint32_t)in[19] << 8;
	out[o++] = b64[v >> 18 & 63];
	out[o++] = b64[v >> 12 & 63];
	out[o++] = b64[v >> 6 & 63];
	out[o++] = '=';
	out[o] = '\0';
}

void
community_id_v1(char out[COMMUNITY_ID_SIZE], uint16_t seed, uint8_t proto,
    const uint8_t *a, uint16_t ap, const uint8_t *b, uint16_t bp, size_t alen)
{
	/* The input, at most 40 bytes (seed, two addresses of 16 bytes,
	 * proto, 0, two ports), is one block of SHA-1 with its padding:
	 * built in place and given to nettle's compression function, the
	 * hash without the buffering of sha1_update() and sha1_digest(). */
	uint8_t block[SHA1_BLOCK_SIZE] = { 0 }, digest[SHA1_DIGEST_SIZE];
	uint32_t state[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
		0xc3d2e1f0 };
	size_t n = 0, i;

	if (alen != 4 && alen != 16) {
		out[0] = '\0';
		return;
	}
	if (endpoint_cmp(a, ap, b, bp, alen) > 0) {
		const uint8_t *t = a;
		uint16_t tp = ap;

		a = b;
		ap = bp;
		b = t;
		bp = tp;
	}
	put16be(block, seed);
	n = 2;
	memcpy(block + n, a, alen);
	n += alen;
	memcpy(block + n, b, alen);
	n += alen;
	block[n++] = proto;
	block[n++] = 0;
	put16be(block + n, ap);
	put16be(block + n + 2, bp);
	n += 4;
	/* The padding: a 1 bit, zeros, the length in bits (below 2^16). */
	block[n] = 0x80;
	put16be(block + SHA1_BLOCK_SIZE - 2, (uint16_t)(n * 8));
	nettle_sha1_compress(state, block);
	for (i = 0; i < 5; i++) {
		digest[4 * i] = (uint8_t)(state[i] >> 24);
		digest[4 * i + 1] = (uint8_t)(state[i] >> 16);
		digest[4 * i + 2] = (uint8_t)(state[i] >> 8);
		digest[4 * i + 3] = (uint8_t)state[i];
	}
	out[0] = '1';
	out[1] = ':';
	base64_20(out + 2, digest);
}
