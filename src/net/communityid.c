/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Community ID v1 (communityid.h), with libnettle's SHA-1. Computed once
 * a session, when the network layer opens it.
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
	/* seed (2), two addresses (16 each at most), proto, 0, two ports */
	uint8_t in[2 + 16 + 16 + 2 + 4], digest[SHA1_DIGEST_SIZE];
	struct sha1_ctx ctx;
	size_t n = 0;

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
	put16be(in, seed);
	n = 2;
	memcpy(in + n, a, alen);
	n += alen;
	memcpy(in + n, b, alen);
	n += alen;
	in[n++] = proto;
	in[n++] = 0;
	put16be(in + n, ap);
	put16be(in + n + 2, bp);
	n += 4;
	sha1_init(&ctx);
	sha1_update(&ctx, n, in);
	sha1_digest(&ctx, sizeof(digest), digest);
	out[0] = '1';
	out[1] = ':';
	base64_20(out + 2, digest);
}
