/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the Community ID (src/net/communityid.c) against the
 * values the spec publishes (community-id-spec, baseline/README.md and
 * baseline_deflt.json, baseline_seed1.json): TCP over IPv4 and IPv6,
 * UDP and SCTP, seeds 0 and 1, each flow both ways.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "net/communityid.h"

#include "check.h"

struct vector {
	unsigned proto;
	const char *saddr, *daddr;
	uint16_t sport, dport;
	uint16_t seed;
	const char *id;
};

static const struct vector vectors[] = {
	{ 6, "1.2.3.4", "5.6.7.8", 1122, 3344, 0,
	    "1:wCb3OG7yAFWelaUydu0D+125CLM=" },
	{ 6, "1.2.3.4", "5.6.7.8", 1122, 3344, 1,
	    "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=" },
	{ 17, "1.2.3.4", "5.6.7.8", 1122, 3344, 0,
	    "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=" },
	{ 17, "1.2.3.4", "5.6.7.8", 1122, 3344, 1,
	    "1:OShq+iKDAMVouh/4bMxB9Sz4amw=" },
	{ 132, "1.2.3.4", "5.6.7.8", 1122, 3344, 0,
	    "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=" },
	{ 132, "1.2.3.4", "5.6.7.8", 1122, 3344, 1,
	    "1:uitchpn5MMGAQKBJh7bIr/bAr7s=" },
	{ 6, "128.232.110.120", "66.35.250.204", 34855, 80, 0,
	    "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" },
	{ 6, "128.232.110.120", "66.35.250.204", 34855, 80, 1,
	    "1:3V71V58M3Ksw/yuFALMcW0LAHvc=" },
	/* SMTP over IPv6, from the spec's pcaps/ipv6.pcap. */
	{ 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a",
	    63943, 25, 0, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=" },
	{ 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a",
	    63943, 25, 1, "1:eJYTW6AOzFLlSUoESovMjnu7rMw=" },
	{ 17, "192.168.1.52", "8.8.8.8", 54585, 53, 0,
	    "1:d/FP5EW3wiY1vCndhwleRRKHowQ=" },
	{ 17, "192.168.1.52", "8.8.8.8", 54585, 53, 1,
	    "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=" },
	/* Same port both sides: the addresses decide. */
	{ 132, "192.168.170.8", "192.168.170.56", 7, 7, 0,
	    "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=" },
	{ 132, "192.168.170.8", "192.168.170.56", 7, 7, 1,
	    "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg=" },
};

static size_t
parse(const char *text, uint8_t out[16])
{
	if (inet_pton(AF_INET, text, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, text, out) == 1)
		return 16;
	return 0;
}

static void
test_vectors(void)
{
	size_t i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];
		uint8_t a[16], b[16];
		char id[COMMUNITY_ID_SIZE];
		size_t alen = parse(v->saddr, a);

		CHECK(alen != 0 && parse(v->daddr, b) == alen);
		community_id_v1(id, v->seed, (uint8_t)v->proto, a, v->sport, b,
		    v->dport, alen);
		CHECK_STR(id, v->id);
		/* The other direction gives the same id. */
		community_id_v1(id, v->seed, (uint8_t)v->proto, b, v->dport, a,
		    v->sport, alen);
		CHECK_STR(id, v->id);
	}
}

/* Equal addresses: the ports decide, either way round. */
static void
test_same_address(void)
{
	uint8_t a[4] = { 127, 0, 0, 1 };
	char x[COMMUNITY_ID_SIZE], y[COMMUNITY_ID_SIZE];

	community_id_v1(x, 0, 6, a, 40000, a, 25, 4);
	community_id_v1(y, 0, 6, a, 25, a, 40000, 4);
	CHECK_STR(x, y);
	CHECK_UINT(strlen(x), COMMUNITY_ID_SIZE - 1);
}

static void
test_bad_length(void)
{
	uint8_t a[16] = { 0 };
	char x[COMMUNITY_ID_SIZE] = "junk";

	community_id_v1(x, 0, 6, a, 1, a, 2, 8);
	CHECK_STR(x, "");
}

int
main(void)
{
	test_vectors();
	test_same_address();
	test_bad_length();
	return check_done("communityid");
}
