/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the passive TLS hello scanner (smtp/tls.c): real hellos
 * recorded from openssl s_client and s_server on loopback, the same
 * bytes split at every offset, built hellos for the odd cases, every
 * truncation, and a fixed-seed fuzz loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "event/event.h"
#include "lib/util.h"
#include "smtp/tls.h"

#include "check.h"

/*
 * Recorded with tcpdump -i lo from openssl 3.0 s_client -servername
 * mail.example.test against s_server with a throwaway self-signed
 * certificate: the first record of each direction.
 */

/* TLS 1.3: the ClientHello record */
static const uint8_t tls13_client_hello[251] = { 0x16, 0x03, 0x01, 0x00, 0xf6,
	0x01, 0x00, 0x00, 0xf2, 0x03, 0x03, 0xf4, 0xb2, 0x8e, 0xf6, 0xd5, 0xdd,
	0x78, 0x32, 0x9e, 0xe8, 0x18, 0x47, 0xa8, 0xa9, 0x37, 0x94, 0xf5, 0xbf,
	0x3d, 0x8e, 0x25, 0x73, 0x8f, 0x90, 0x98, 0xa1, 0xe7, 0x1d, 0xcf, 0xbe,
	0x32, 0xfc, 0x20, 0xdd, 0x71, 0x8c, 0xdb, 0x0e, 0x9e, 0xbb, 0xfc, 0x17,
	0xa8, 0x19, 0x1a, 0xe8, 0xd7, 0xed, 0x26, 0xa7, 0x88, 0x4c, 0x87, 0xc2,
	0xcf, 0x13, 0x04, 0x55, 0x21, 0xa7, 0xfd, 0x44, 0xa1, 0xf4, 0xe0, 0x00,
	0x08, 0x13, 0x02, 0x13, 0x03, 0x13, 0x01, 0x00, 0xff, 0x01, 0x00, 0x00,
	0xa1, 0x00, 0x00, 0x00, 0x16, 0x00, 0x14, 0x00, 0x00, 0x11, 0x6d, 0x61,
	0x69, 0x6c, 0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x74,
	0x65, 0x73, 0x74, 0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00,
	0x0a, 0x00, 0x16, 0x00, 0x14, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00,
	0x19, 0x00, 0x18, 0x01, 0x00, 0x01, 0x01, 0x01, 0x02, 0x01, 0x03, 0x01,
	0x04, 0x00, 0x23, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x17, 0x00,
	0x00, 0x00, 0x0d, 0x00, 0x1e, 0x00, 0x1c, 0x04, 0x03, 0x05, 0x03, 0x06,
	0x03, 0x08, 0x07, 0x08, 0x08, 0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08,
	0x04, 0x08, 0x05, 0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x00,
	0x2b, 0x00, 0x03, 0x02, 0x03, 0x04, 0x00, 0x2d, 0x00, 0x02, 0x01, 0x01,
	0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0xdc, 0x80,
	0xcf, 0x6b, 0x36, 0xaf, 0xbe, 0xdd, 0x47, 0xac, 0x81, 0x9f, 0xc3, 0xc8,
	0xe8, 0x7d, 0x5c, 0x68, 0x45, 0xeb, 0xf5, 0x3d, 0x55, 0x79, 0xf3, 0xd6,
	0x5f, 0x38, 0x5f, 0xae, 0xea, 0x62 };

/* TLS 1.3: the ServerHello record */
static const uint8_t tls13_server_hello[127] = { 0x16, 0x03, 0x03, 0x00, 0x7a,
	0x02, 0x00, 0x00, 0x76, 0x03, 0x03, 0x98, 0x9e, 0x28, 0x8c, 0x56, 0x6f,
	0x8d, 0xfe, 0x88, 0x81, 0xbf, 0x2a, 0x50, 0xd6, 0x61, 0x41, 0xfd, 0x34,
	0xa5, 0x54, 0xd3, 0xed, 0xde, 0x6d, 0xf8, 0xb6, 0xce, 0x22, 0xf1, 0xc6,
	0xd0, 0x5a, 0x20, 0xdd, 0x71, 0x8c, 0xdb, 0x0e, 0x9e, 0xbb, 0xfc, 0x17,
	0xa8, 0x19, 0x1a, 0xe8, 0xd7, 0xed, 0x26, 0xa7, 0x88, 0x4c, 0x87, 0xc2,
	0xcf, 0x13, 0x04, 0x55, 0x21, 0xa7, 0xfd, 0x44, 0xa1, 0xf4, 0xe0, 0x13,
	0x02, 0x00, 0x00, 0x2e, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33,
	0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0x91, 0x7a, 0x26, 0x8d, 0x48, 0x10,
	0x63, 0xc7, 0x24, 0xbe, 0xde, 0x86, 0x7b, 0xed, 0xde, 0x57, 0x39, 0x88,
	0x44, 0x06, 0x13, 0xce, 0x4f, 0x9c, 0xd8, 0x42, 0xd2, 0xd5, 0x01, 0x9e,
	0x25, 0x10 };

/* TLS 1.2 (-tls1_2): the ClientHello record */
static const uint8_t tls12_client_hello[214] = { 0x16, 0x03, 0x01, 0x00, 0xd1,
	0x01, 0x00, 0x00, 0xcd, 0x03, 0x03, 0xc7, 0x34, 0x12, 0x2c, 0x10, 0xb5,
	0xd7, 0x7b, 0x83, 0x70, 0xec, 0x71, 0xc8, 0xae, 0x03, 0xe6, 0xcd, 0x47,
	0x72, 0x4c, 0xf9, 0x18, 0x2b, 0x08, 0x09, 0xf3, 0xfb, 0x3e, 0xbf, 0x80,
	0x9a, 0x25, 0x00, 0x00, 0x38, 0xc0, 0x2c, 0xc0, 0x30, 0x00, 0x9f, 0xcc,
	0xa9, 0xcc, 0xa8, 0xcc, 0xaa, 0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9e, 0xc0,
	0x24, 0xc0, 0x28, 0x00, 0x6b, 0xc0, 0x23, 0xc0, 0x27, 0x00, 0x67, 0xc0,
	0x0a, 0xc0, 0x14, 0x00, 0x39, 0xc0, 0x09, 0xc0, 0x13, 0x00, 0x33, 0x00,
	0x9d, 0x00, 0x9c, 0x00, 0x3d, 0x00, 0x3c, 0x00, 0x35, 0x00, 0x2f, 0x00,
	0xff, 0x01, 0x00, 0x00, 0x6c, 0x00, 0x00, 0x00, 0x16, 0x00, 0x14, 0x00,
	0x00, 0x11, 0x6d, 0x61, 0x69, 0x6c, 0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70,
	0x6c, 0x65, 0x2e, 0x74, 0x65, 0x73, 0x74, 0x00, 0x0b, 0x00, 0x04, 0x03,
	0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x0c, 0x00, 0x0a, 0x00, 0x1d, 0x00,
	0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18, 0x00, 0x23, 0x00, 0x00, 0x00,
	0x16, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x2a, 0x00,
	0x28, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07, 0x08, 0x08, 0x08,
	0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06, 0x04,
	0x01, 0x05, 0x01, 0x06, 0x01, 0x03, 0x03, 0x03, 0x01, 0x03, 0x02, 0x04,
	0x02, 0x05, 0x02, 0x06, 0x02 };

/* TLS 1.2 (-tls1_2): the ServerHello record */
static const uint8_t tls12_server_hello[70] = { 0x16, 0x03, 0x03, 0x00, 0x41,
	0x02, 0x00, 0x00, 0x3d, 0x03, 0x03, 0x92, 0xc5, 0xf7, 0xbf, 0x84, 0x94,
	0x46, 0x8b, 0x63, 0x17, 0x36, 0x82, 0x21, 0x0e, 0xd1, 0x1b, 0xe4, 0x3b,
	0x3e, 0xa8, 0xe5, 0xfe, 0x40, 0xf4, 0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52,
	0x44, 0x01, 0x00, 0xc0, 0x30, 0x00, 0x00, 0x15, 0xff, 0x01, 0x00, 0x01,
	0x00, 0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x23, 0x00,
	0x00, 0x00, 0x17, 0x00, 0x00 };

/*
 * TLS 1.3 against a server limited to P-384 (-groups P-384): the client
 * offered an X25519 key share, so the server answered with a
 * HelloRetryRequest.
 */
static const uint8_t hrr_server_hello[93] = { 0x16, 0x03, 0x03, 0x00, 0x58,
	0x02, 0x00, 0x00, 0x54, 0x03, 0x03, 0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a,
	0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2,
	0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8,
	0x33, 0x9c, 0x20, 0xc5, 0xe0, 0x7a, 0x7f, 0xec, 0x7c, 0x01, 0x42, 0x31,
	0x5f, 0xa6, 0xab, 0xb8, 0xd6, 0xa7, 0xb8, 0x0b, 0x03, 0xf1, 0x0f, 0xc5,
	0xf4, 0x5d, 0xc1, 0x9b, 0x29, 0x7c, 0x24, 0x45, 0xe9, 0xa9, 0x6b, 0x13,
	0x02, 0x00, 0x00, 0x0c, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33,
	0x00, 0x02, 0x00, 0x18 };

/* A recorded hello and what the scanner must make of it. */
struct sample {
	const char *name;
	const uint8_t *rec;
	size_t len;
	int from_client;
	size_t fixed_len; /* body bytes before the extensions */
};

static const struct sample samples[] = {
	{ "tls13 client", tls13_client_hello, sizeof(tls13_client_hello), 1,
	    79 },
	{ "tls13 server", tls13_server_hello, sizeof(tls13_server_hello), 0,
	    70 },
	{ "tls12 client", tls12_client_hello, sizeof(tls12_client_hello), 1,
	    95 },
	{ "tls12 server", tls12_server_hello, sizeof(tls12_server_hello), 0,
	    38 },
	{ "hrr server", hrr_server_hello, sizeof(hrr_server_hello), 0, 70 },
};

#define SNI_TEST "mail.example.test"
#define REC_HDR 5
#define HS_HDR 4

/*
 * Feed a copy in an exact-size heap buffer, so that a read past the
 * end is caught by AddressSanitizer.
 */
static void
feed_copy(struct tls_scan *t, int from_client, const uint8_t *p, size_t len)
{
	uint8_t *copy = xmalloc(len);

	if (len > 0)
		memcpy(copy, p, len);
	tls_scan_feed(t, from_client, copy, len);
	free(copy);
}

/* Scan one direction fed in pieces of `step` bytes (0: all at once). */
static struct tls_info
scan_steps(const uint8_t *p, size_t len, int from_client, size_t step)
{
	struct tls_scan *t = tls_scan_new();
	struct tls_info ti;
	size_t off, n;

	if (step == 0)
		step = len;
	for (off = 0; off < len; off += n) {
		n = len - off < step ? len - off : step;
		feed_copy(t, from_client, p + off, n);
	}
	ti = *tls_scan_info(t);
	tls_scan_free(t);
	return ti;
}

static struct tls_info
scan_split(const uint8_t *p, size_t len, int from_client, size_t split)
{
	struct tls_scan *t = tls_scan_new();
	struct tls_info ti;

	feed_copy(t, from_client, p, split);
	feed_copy(t, from_client, p + split, len - split);
	ti = *tls_scan_info(t);
	tls_scan_free(t);
	return ti;
}

static bool
same_info(const struct tls_info *a, const struct tls_info *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static bool
info_is_empty(const struct tls_info *ti)
{
	static const struct tls_info zero;

	return same_info(ti, &zero);
}

/* Heap bytes in use, to show that a finished scan allocates nothing. */
static size_t
heap_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
	return mallinfo2().uordblks;
#else
	return 0;
#endif
}

/* A small builder of hellos and records. */
#define BUILD_MAX (TLS_HELLO_MAX + 4096)

struct build {
	uint8_t b[BUILD_MAX];
	size_t len;
};

static void
put8(struct build *m, unsigned v)
{
	if (m->len >= BUILD_MAX)
		abort();
	m->b[m->len++] = (uint8_t)v;
}

static void
put16(struct build *m, unsigned v)
{
	put8(m, v >> 8 & 0xff);
	put8(m, v & 0xff);
}

static void
put24(struct build *m, unsigned v)
{
	put8(m, v >> 16 & 0xff);
	put16(m, v & 0xffff);
}

static void
putn(struct build *m, const void *p, size_t n)
{
	if (n > BUILD_MAX - m->len)
		abort();
	if (n > 0)
		memcpy(m->b + m->len, p, n);
	m->len += n;
}

static void
put_fill(struct build *m, int c, size_t n)
{
	while (n-- > 0)
		put8(m, (unsigned)c);
}

/* A ClientHello message; ext NULL: no extensions block at all. */
static void
client_hello_msg(struct build *m, uint16_t legacy, const struct build *ext)
{
	size_t start;

	put8(m, 1);
	start = m->len;
	put24(m, 0);
	put16(m, legacy);
	put_fill(m, 0x5a, 32); /* random */
	put8(m, 0);            /* session id */
	put16(m, 4);
	put16(m, 0x1301);
	put16(m, 0xc02f);
	put8(m, 1); /* compression: null */
	put8(m, 0);
	if (ext != NULL) {
		put16(m, (unsigned)ext->len);
		putn(m, ext->b, ext->len);
	}
	m->b[start] = (uint8_t)((m->len - start - 3) >> 16);
	m->b[start + 1] = (uint8_t)((m->len - start - 3) >> 8);
	m->b[start + 2] = (uint8_t)(m->len - start - 3);
}

static void
ext_sni(struct build *e, const uint8_t *name, size_t n)
{
	put16(e, 0);
	put16(e, (unsigned)n + 5);
	put16(e, (unsigned)n + 3);
	put8(e, 0);
	put16(e, (unsigned)n);
	putn(e, name, n);
}

static void
ext_versions(struct build *e, const uint16_t *v, size_t n)
{
	size_t i;

	put16(e, 43);
	put16(e, (unsigned)(1 + 2 * n));
	put8(e, (unsigned)(2 * n));
	for (i = 0; i < n; i++)
		put16(e, v[i]);
}

/* Wrap a handshake stream in records of at most `max` bytes. */
static void
records(
    struct build *out, uint8_t type, const uint8_t *p, size_t len, size_t max)
{
	size_t n;

	do {
		n = len < max ? len : max;
		put8(out, type);
		put16(out, 0x0303);
		put16(out, (unsigned)n);
		putn(out, p, n);
		p += n;
		len -= n;
	} while (len > 0);
}

static struct tls_info
scan_client_msg(const struct build *msg)
{
	static struct build rec;

	rec.len = 0;
	records(&rec, 22, msg->b, msg->len, TLS_RECORD_MAX);
	return scan_steps(rec.b, rec.len, 1, 0);
}

static void
test_real(void)
{
	struct tls_scan *t;
	const struct tls_info *ti;

	t = tls_scan_new();
	tls_scan_feed(t, 1, tls13_client_hello, sizeof(tls13_client_hello));
	CHECKF(!tls_scan_done(t), "tls13: done after the client alone");
	tls_scan_feed(t, 0, tls13_server_hello, sizeof(tls13_server_hello));
	ti = tls_scan_info(t);
	CHECKF(tls_scan_done(t), "tls13: not done");
	CHECKF(ti->client_hello && ti->server_hello, "tls13: hellos %d %d",
	    ti->client_hello, ti->server_hello);
	CHECKF(ti->client_legacy_version == 0x0303 &&
		ti->client_max_version == 0x0304,
	    "tls13: client versions %04x %04x", ti->client_legacy_version,
	    ti->client_max_version);
	CHECKF(ti->server_legacy_version == 0x0303 && ti->version == 0x0304,
	    "tls13: server versions %04x %04x", ti->server_legacy_version,
	    ti->version);
	CHECKF(ti->cipher == 0x1302, "tls13: cipher %04x", ti->cipher);
	CHECKF(
	    ti->sni_len == strlen(SNI_TEST) && strcmp(ti->sni, SNI_TEST) == 0,
	    "tls13: sni '%s'", ti->sni);
	CHECKF(!ti->hrr && !ti->too_big && !ti->sslv2 && !ti->client_not_tls &&
		!ti->server_not_tls && !ti->client_malformed &&
		!ti->server_malformed && !ti->sni_truncated,
	    "tls13: a flag set");
	tls_scan_free(t);

	t = tls_scan_new();
	tls_scan_feed(t, 0, tls12_server_hello, sizeof(tls12_server_hello));
	tls_scan_feed(t, 1, tls12_client_hello, sizeof(tls12_client_hello));
	ti = tls_scan_info(t);
	CHECKF(tls_scan_done(t) && ti->client_hello && ti->server_hello,
	    "tls12: not parsed");
	/* -tls1_2: no supported_versions, the legacy version counts. */
	CHECKF(ti->client_legacy_version == 0x0303 &&
		ti->client_max_version == 0x0303,
	    "tls12: client versions %04x %04x", ti->client_legacy_version,
	    ti->client_max_version);
	CHECKF(ti->server_legacy_version == 0x0303 && ti->version == 0x0303,
	    "tls12: version %04x", ti->version);
	CHECKF(ti->cipher == 0xc030, "tls12: cipher %04x", ti->cipher);
	CHECKF(strcmp(ti->sni, SNI_TEST) == 0, "tls12: sni '%s'", ti->sni);
	tls_scan_free(t);

	t = tls_scan_new();
	tls_scan_feed(t, 0, hrr_server_hello, sizeof(hrr_server_hello));
	ti = tls_scan_info(t);
	CHECKF(ti->server_hello && ti->hrr && ti->version == 0x0304 &&
		ti->cipher == 0x1302,
	    "hrr: hello %d hrr %d version %04x cipher %04x", ti->server_hello,
	    ti->hrr, ti->version, ti->cipher);
	tls_scan_free(t);
}

/* Every split in two, byte by byte, odd steps: the same result. */
static void
test_splits(void)
{
	const struct sample *s;
	struct tls_info whole, ti;
	size_t i, k;
	int bad;

	for (i = 0; i < ARRAY_LEN(samples); i++) {
		s = &samples[i];
		whole = scan_steps(s->rec, s->len, s->from_client, 0);
		CHECKF(s->from_client ? whole.client_hello : whole.server_hello,
		    "%s: not parsed whole", s->name);
		bad = 0;
		for (k = 0; k <= s->len; k++) {
			ti = scan_split(s->rec, s->len, s->from_client, k);
			if (!same_info(&ti, &whole) && bad++ == 0)
				fprintf(stderr, "%s: split at %zu differs\n",
				    s->name, k);
		}
		CHECKF(bad == 0, "%s: %d splits differ", s->name, bad);
		for (k = 1; k <= 7; k++) {
			ti = scan_steps(s->rec, s->len, s->from_client, k);
			CHECKF(same_info(&ti, &whole),
			    "%s: steps of %zu differ", s->name, k);
		}
	}
}

/* A hello over two records, at every cut, and over many records. */
static void
test_multi_record(void)
{
	static struct build out;
	const uint8_t *msg = tls13_client_hello + REC_HDR;
	size_t len = sizeof(tls13_client_hello) - REC_HDR, k;
	struct tls_info whole, ti;
	int bad = 0;

	whole =
	    scan_steps(tls13_client_hello, sizeof(tls13_client_hello), 1, 0);
	for (k = 0; k <= len; k++) {
		out.len = 0;
		records(&out, 22, msg, k, k);
		records(&out, 22, msg + k, len - k, len);
		ti = scan_steps(out.b, out.len, 1, 0);
		if (!same_info(&ti, &whole) && bad++ == 0)
			fprintf(stderr, "two records: cut at %zu differs\n", k);
		ti = scan_steps(out.b, out.len, 1, 1);
		if (!same_info(&ti, &whole) && bad++ == 0)
			fprintf(stderr, "two records bytewise: cut %zu\n", k);
	}
	CHECKF(bad == 0, "two records: %d cuts differ", bad);
	for (k = 1; k <= 16; k++) {
		out.len = 0;
		records(&out, 22, msg, len, k);
		ti = scan_steps(out.b, out.len, 1, 3);
		CHECKF(
		    same_info(&ti, &whole), "records of %zu bytes differ", k);
	}
}

/* The hello and the next message in one record, then more records. */
static void
test_two_messages(void)
{
	static struct build stream, out;
	const uint8_t *msg = tls12_server_hello + REC_HDR;
	size_t len = sizeof(tls12_server_hello) - REC_HDR, k;
	struct tls_info whole, ti;
	int bad = 0;

	whole =
	    scan_steps(tls12_server_hello, sizeof(tls12_server_hello), 0, 0);
	stream.len = 0;
	putn(&stream, msg, len);
	put8(&stream, 11); /* Certificate */
	put24(&stream, 40);
	put_fill(&stream, 0xee, 40);
	put8(&stream, 14); /* ServerHelloDone */
	put24(&stream, 0);
	out.len = 0;
	records(&out, 22, stream.b, stream.len, stream.len);
	ti = scan_steps(out.b, out.len, 0, 0);
	CHECKF(same_info(&ti, &whole), "two messages in a record differ");
	for (k = 0; k <= out.len; k++) {
		ti = scan_split(out.b, out.len, 0, k);
		if (!same_info(&ti, &whole) && bad++ == 0)
			fprintf(stderr, "two messages: split %zu\n", k);
	}
	CHECKF(bad == 0, "two messages: %d splits differ", bad);
	/* The next message starts in the record the hello ends in. */
	out.len = 0;
	records(&out, 22, stream.b, stream.len, len + 7);
	put8(&out, 20); /* ChangeCipherSpec: after the hello, ignored */
	put16(&out, 0x0303);
	put16(&out, 1);
	put8(&out, 1);
	ti = scan_steps(out.b, out.len, 0, 1);
	CHECKF(same_info(&ti, &whole), "messages across records differ");
}

static void
test_built(void)
{
	static struct build msg, ext;
	static const uint16_t grease[] = { 0x2a2a, 0x0304, 0x0303, 0xfafa };
	static const uint16_t only_grease[] = { 0x1a1a };
	static const uint16_t drafts[] = { 0x7f1c, 0x0303 };
	static const uint16_t drafts13[] = { 0x7f1c, 0x0304, 0x0303 };
	static const uint16_t old[] = { 0x0300, 0x0302, 0x0301 };
	uint8_t name[300];
	struct tls_info ti;
	size_t i;

	msg.len = 0;
	client_hello_msg(&msg, 0x0301, NULL);
	ti = scan_client_msg(&msg);
	CHECKF(ti.client_hello && ti.client_legacy_version == 0x0301 &&
		ti.client_max_version == 0x0301 && ti.sni_len == 0 &&
		ti.sni[0] == '\0',
	    "no extensions: hello %d max %04x", ti.client_hello,
	    ti.client_max_version);

	msg.len = 0;
	ext.len = 0;
	client_hello_msg(&msg, 0x0300, &ext);
	ti = scan_client_msg(&msg);
	CHECKF(ti.client_hello && ti.client_max_version == 0x0300,
	    "empty extensions block");

	for (i = 0; i < sizeof(name); i++)
		name[i] = (uint8_t)('a' + i % 26);
	name[3] = 0x1b; /* raw bytes kept, the caller escapes */
	msg.len = 0;
	ext.len = 0;
	ext_sni(&ext, name, sizeof(name));
	client_hello_msg(&msg, 0x0303, &ext);
	ti = scan_client_msg(&msg);
	CHECKF(ti.client_hello && ti.sni_len == TLS_SNI_MAX &&
		ti.sni_truncated && ti.sni[TLS_SNI_MAX] == '\0' &&
		memcmp(ti.sni, name, TLS_SNI_MAX) == 0,
	    "long sni: len %zu truncated %d", ti.sni_len, ti.sni_truncated);

	msg.len = 0;
	ext.len = 0;
	ext_sni(&ext, name, TLS_SNI_MAX);
	client_hello_msg(&msg, 0x0303, &ext);
	ti = scan_client_msg(&msg);
	CHECKF(ti.sni_len == TLS_SNI_MAX && !ti.sni_truncated,
	    "255-byte sni: len %zu truncated %d", ti.sni_len, ti.sni_truncated);

	msg.len = 0;
	ext.len = 0;
	ext_versions(&ext, grease, ARRAY_LEN(grease));
	ext_sni(&ext, (const uint8_t *)"mx", 2);
	client_hello_msg(&msg, 0x0303, &ext);
	ti = scan_client_msg(&msg);
	CHECKF(ti.client_hello && ti.client_max_version == 0x0304 &&
		strcmp(ti.sni, "mx") == 0,
	    "grease: max %04x sni '%s'", ti.client_max_version, ti.sni);

	msg.len = 0;
	ext.len = 0;
	ext_versions(&ext, only_grease, ARRAY_LEN(only_grease));
	client_hello_msg(&msg, 0x0303, &ext);
	ti = scan_client_msg(&msg);
	CHECKF(ti.client_hello && ti.client_max_version == 0x0303,
	    "only grease: max %04x", ti.client_max_version);

	msg.len = 0;
	ext.len = 0;
	ext_versions(&ext, drafts, ARRAY_LEN(drafts));
	client_hello_msg(&msg, 0x0303, &ext);
	ti = scan_client_msg(&msg);
	CHECKF(ti.client_max_version == 0x7f1c, "draft: max %04x",
	    ti.client_max_version);

	msg.len = 0;
	ext.len = 0;
	ext_versions(&ext, drafts13, ARRAY_LEN(drafts13));
	client_hello_msg(&msg, 0x0303, &ext);
	ti = scan_client_msg(&msg);
	CHECKF(ti.client_max_version == 0x0304, "draft and 1.3: max %04x",
	    ti.client_max_version);

	msg.len = 0;
	ext.len = 0;
	ext_versions(&ext, old, ARRAY_LEN(old));
	client_hello_msg(&msg, 0x0301, &ext);
	ti = scan_client_msg(&msg);
	CHECKF(ti.client_max_version == 0x0302, "old: max %04x",
	    ti.client_max_version);

	/* Two server_name extensions: illegal, the hello is malformed. */
	msg.len = 0;
	ext.len = 0;
	ext_sni(&ext, (const uint8_t *)"a", 1);
	ext_sni(&ext, (const uint8_t *)"b", 1);
	client_hello_msg(&msg, 0x0303, &ext);
	ti = scan_client_msg(&msg);
	CHECKF(!ti.client_hello && ti.client_malformed && ti.sni_len == 0,
	    "duplicate sni: hello %d malformed %d", ti.client_hello,
	    ti.client_malformed);

	/* An extensions block one byte longer than the message. */
	msg.len = 0;
	ext.len = 0;
	ext_sni(&ext, (const uint8_t *)"mx", 2);
	client_hello_msg(&msg, 0x0303, &ext);
	msg.b[msg.len - ext.len - 1]++;
	ti = scan_client_msg(&msg);
	CHECKF(!ti.client_hello && ti.client_malformed,
	    "long extensions block: not malformed");
}

/* A ServerHello without extensions (TLS 1.2 and before). */
static void
test_server_no_ext(void)
{
	static struct build msg, rec;
	struct tls_info ti;

	msg.len = 0;
	put8(&msg, 2);
	put24(&msg, 2 + 32 + 1 + 2 + 1);
	put16(&msg, 0x0301);
	put_fill(&msg, 0x11, 32);
	put8(&msg, 0);
	put16(&msg, 0x002f);
	put8(&msg, 0);
	rec.len = 0;
	records(&rec, 22, msg.b, msg.len, msg.len);
	ti = scan_steps(rec.b, rec.len, 0, 0);
	CHECKF(ti.server_hello && ti.version == 0x0301 && ti.cipher == 0x002f &&
		ti.server_legacy_version == 0x0301,
	    "server without extensions: version %04x", ti.version);
}

static void
test_not_tls(void)
{
	static const uint8_t ok[] = "250 OK\r\n";
	static const uint8_t ehlo[] = "EHLO mx.example\r\n";
	static const uint8_t sslv2[] = { 0x80, 0x2e, 0x01, 0x03, 0x01, 0x00,
		0x15, 0x00, 0x00, 0x00, 0x10 };
	static const uint8_t alert[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02,
		0x46 };
	static const uint8_t cert_first[] = { 0x16, 0x03, 0x03, 0x00, 0x04,
		0x0b, 0x00, 0x00, 0x00 };
	static const uint8_t appdata[] = { 0x17, 0x03, 0x03, 0x00, 0x01, 0x00 };
	static const uint8_t bad_major[] = { 0x16, 0x02, 0x00 };
	struct tls_scan *t;
	struct tls_info ti;
	const struct tls_info *tp;
	size_t k;

	t = tls_scan_new();
	tls_scan_feed(t, 1, tls13_client_hello, sizeof(tls13_client_hello));
	tls_scan_feed(t, 0, ok, sizeof(ok) - 1);
	tp = tls_scan_info(t);
	CHECKF(tp->server_not_tls && !tp->server_hello && !tp->client_not_tls &&
		tp->client_hello && tls_scan_done(t),
	    "250 OK: server_not_tls %d", tp->server_not_tls);
	tls_scan_free(t);

	for (k = 1; k <= sizeof(ok) - 1; k++) {
		ti = scan_steps(ok, sizeof(ok) - 1, 0, k);
		CHECKF(ti.server_not_tls, "250 OK in steps of %zu", k);
	}
	ti = scan_steps(ehlo, sizeof(ehlo) - 1, 1, 1);
	CHECKF(ti.client_not_tls && !ti.client_hello, "EHLO: not flagged");
	ti = scan_steps(bad_major, sizeof(bad_major), 0, 1);
	CHECKF(ti.server_not_tls, "0x16 0x02: not flagged");

	for (k = 1; k <= 3; k++) {
		ti = scan_steps(sslv2, sizeof(sslv2), 1, k);
		CHECKF(ti.sslv2 && !ti.client_hello && !ti.client_not_tls &&
			ti.client_legacy_version == 0x0301 &&
			ti.client_max_version == 0x0301,
		    "sslv2: flag %d version %04x", ti.sslv2,
		    ti.client_legacy_version);
	}
	/* High bit but not an SSLv2 CLIENT-HELLO. */
	ti = scan_steps((const uint8_t *)"\x80\x2e\x07\x03\x01", 5, 1, 0);
	CHECKF(ti.client_not_tls && !ti.sslv2, "bad sslv2: not not-tls");
	ti = scan_steps(sslv2, sizeof(sslv2), 0, 0);
	CHECKF(ti.server_not_tls && !ti.sslv2, "sslv2 from the server");

	ti = scan_steps(alert, sizeof(alert), 0, 1);
	CHECKF(ti.server_alert && ti.server_alert_level == 2 &&
		ti.server_alert_desc == 70 && !ti.server_not_tls &&
		!ti.server_hello,
	    "alert: %d %u %u", ti.server_alert, ti.server_alert_level,
	    ti.server_alert_desc);
	ti = scan_steps(cert_first, sizeof(cert_first), 0, 0);
	CHECKF(ti.server_malformed && !ti.server_hello && !ti.server_not_tls,
	    "certificate first: malformed %d", ti.server_malformed);
	ti = scan_steps(appdata, sizeof(appdata), 1, 0);
	CHECKF(ti.client_malformed && !ti.client_not_tls,
	    "application data first: malformed %d", ti.client_malformed);
}

static void
test_too_big(void)
{
	static const uint8_t big_record[] = { 0x16, 0x03, 0x01, 0x40, 0x01,
		0x01, 0x00, 0x00, 0x40 };
	static const uint8_t big_hello[] = { 0x16, 0x03, 0x01, 0x00, 0x04, 0x01,
		0x00, 0x3f, 0xfd };
	static const uint8_t huge_hello[] = { 0x16, 0x03, 0x01, 0x00, 0x04,
		0x01, 0xff, 0xff, 0xff };
	static struct build msg, ext, rec;
	struct tls_scan *t;
	struct tls_info ti;
	size_t before, pad;

	ti = scan_steps(big_record, sizeof(big_record), 1, 1);
	CHECKF(ti.too_big && !ti.client_hello, "record of 2^14+1: too_big %d",
	    ti.too_big);
	ti = scan_steps(big_hello, sizeof(big_hello), 1, 0);
	CHECKF(ti.too_big, "hello of TLS_HELLO_MAX+1: too_big %d", ti.too_big);

	t = tls_scan_new();
	before = heap_in_use();
	tls_scan_feed(t, 1, huge_hello, sizeof(huge_hello));
	CHECKF(tls_scan_info(t)->too_big && heap_in_use() == before,
	    "hello of 2^24-1: too_big %d, heap grew %zu",
	    tls_scan_info(t)->too_big, heap_in_use() - before);
	tls_scan_free(t);

	/* A hello of exactly TLS_HELLO_MAX over two records: parsed. */
	msg.len = 0;
	client_hello_msg(&msg, 0x0303, NULL);
	pad = TLS_HELLO_MAX - msg.len - 2 - 4;
	msg.len = 0;
	ext.len = 0;
	put16(&ext, 21); /* padding */
	put16(&ext, (unsigned)pad);
	put_fill(&ext, 0, pad);
	client_hello_msg(&msg, 0x0303, &ext);
	CHECKF(msg.len == TLS_HELLO_MAX, "built hello is %zu", msg.len);
	ti = scan_client_msg(&msg);
	CHECKF(ti.client_hello && !ti.too_big, "hello of TLS_HELLO_MAX: %d %d",
	    ti.client_hello, ti.too_big);
	rec.len = 0;
	records(&rec, 22, msg.b, msg.len, 1000);
	ti = scan_steps(rec.b, rec.len, 1, 333);
	CHECKF(ti.client_hello && !ti.too_big, "in 17 records: %d %d",
	    ti.client_hello, ti.too_big);

	/* One byte more. */
	msg.len = 0;
	ext.len = 0;
	put16(&ext, 21);
	put16(&ext, (unsigned)pad + 1);
	put_fill(&ext, 0, pad + 1);
	client_hello_msg(&msg, 0x0303, &ext);
	ti = scan_client_msg(&msg);
	CHECKF(!ti.client_hello && ti.too_big, "hello of TLS_HELLO_MAX+1");
}

/*
 * Every prefix of a hello: nothing learnt, nothing flagged. Every
 * shortened hello (lengths made consistent): malformed unless it ends
 * where the extensions would begin.
 */
static void
test_truncated(void)
{
	static struct build rec;
	const struct sample *s;
	struct tls_info ti;
	size_t i, k, body_len;
	bool ok, want;
	int bad;

	for (i = 0; i < ARRAY_LEN(samples); i++) {
		s = &samples[i];
		bad = 0;
		for (k = 0; k < s->len; k++) {
			ti = scan_steps(s->rec, k, s->from_client, 0);
			if (!info_is_empty(&ti) && bad++ == 0)
				fprintf(stderr, "%s: prefix %zu flagged\n",
				    s->name, k);
		}
		CHECKF(bad == 0, "%s: %d prefixes not empty", s->name, bad);

		bad = 0;
		body_len = s->len - REC_HDR - HS_HDR;
		for (k = 0; k <= body_len; k++) {
			rec.len = 0;
			put8(&rec, 22);
			put16(&rec, 0x0303);
			put16(&rec, (unsigned)(HS_HDR + k));
			put8(&rec, s->from_client ? 1 : 2);
			put24(&rec, (unsigned)k);
			putn(&rec, s->rec + REC_HDR + HS_HDR, k);
			ti = scan_steps(rec.b, rec.len, s->from_client, 0);
			ok = s->from_client ? ti.client_hello : ti.server_hello;
			want = k == body_len || k == s->fixed_len;
			if ((ok != want ||
				(!ok &&
				    !(s->from_client ? ti.client_malformed
						     : ti.server_malformed))) &&
			    bad++ == 0)
				fprintf(stderr, "%s: body of %zu: parsed %d\n",
				    s->name, k, ok);
		}
		CHECKF(bad == 0, "%s: %d shortened bodies wrong", s->name, bad);
	}
}

/* Once both hellos are in, more bytes change nothing and cost nothing. */
static void
test_done(void)
{
	static uint8_t junk[65536];
	struct tls_scan *t;
	struct tls_info before;
	size_t heap, i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 7);
	t = tls_scan_new();
	heap = heap_in_use();
	/* Whole hellos: parsed, nothing kept. */
	tls_scan_feed(t, 1, tls13_client_hello, sizeof(tls13_client_hello));
	tls_scan_feed(t, 0, tls13_server_hello, sizeof(tls13_server_hello));
	CHECKF(heap_in_use() == heap, "whole hellos allocated %zu bytes",
	    heap_in_use() - heap);
	CHECKF(tls_scan_done(t), "not done");
	before = *tls_scan_info(t);
	for (i = 0; i < 64; i++) {
		tls_scan_feed(t, 0, junk, sizeof(junk));
		tls_scan_feed(t, 1, junk, sizeof(junk));
	}
	tls_scan_feed(t, 0, NULL, 0);
	CHECKF(same_info(&before, tls_scan_info(t)) && tls_scan_done(t),
	    "bytes after done changed the info");
	CHECKF(heap_in_use() == heap, "bytes after done allocated %zu",
	    heap_in_use() - heap);
	tls_scan_free(t);

	/* Split hellos are gathered, and freed once parsed. */
	t = tls_scan_new();
	heap = heap_in_use();
	for (i = 0; i < sizeof(tls12_client_hello); i++)
		tls_scan_feed(t, 1, tls12_client_hello + i, 1);
	CHECKF(tls_scan_info(t)->client_hello && heap_in_use() == heap,
	    "bytewise hello: heap grew %zu", heap_in_use() - heap);
	tls_scan_free(t);

	tls_scan_free(NULL);
}

static void
test_version_names(void)
{
	CHECKF(strcmp(tls_version_name(0x0300), "SSLv3") == 0, "SSLv3");
	CHECKF(strcmp(tls_version_name(0x0301), "TLSv1.0") == 0, "TLSv1.0");
	CHECKF(strcmp(tls_version_name(0x0302), "TLSv1.1") == 0, "TLSv1.1");
	CHECKF(strcmp(tls_version_name(0x0303), "TLSv1.2") == 0, "TLSv1.2");
	CHECKF(strcmp(tls_version_name(0x0304), "TLSv1.3") == 0, "TLSv1.3");
	CHECKF(strcmp(tls_version_name(0x0002), "SSLv2") == 0, "SSLv2");
	CHECKF(tls_version_name(0x0305) == NULL &&
		tls_version_name(0x7f1c) == NULL &&
		tls_version_name(0) == NULL && tls_version_name(0x0a0a) == NULL,
	    "unknown versions named");
}

/* xorshift64: the same inputs on every machine. */
static uint64_t rng_state = 0x5eed5eed12345678ULL;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

#define FUZZ_RUNS 100000
#define FUZZ_MAX 600

/*
 * Random bytes, mostly behind a handshake record header, or a real
 * hello with a few bytes changed: no crash, no read past the data,
 * and the same result however the bytes are cut.
 */
static void
test_fuzz(void)
{
	static uint8_t in[FUZZ_MAX];
	const struct sample *s;
	struct tls_scan *t;
	struct tls_info whole;
	size_t len, off, n, i;
	int run, from_client, differ = 0, parsed = 0;
	uint32_t kind;

	for (run = 0; run < FUZZ_RUNS; run++) {
		kind = rng() % 8;
		from_client = (int)(rng() & 1);
		if (kind < 3) {
			s = &samples[rng() % ARRAY_LEN(samples)];
			from_client = s->from_client;
			len = s->len;
			memcpy(in, s->rec, len);
			for (i = rng() % 6 + 1; i > 0; i--)
				in[rng() % len] = (uint8_t)rng();
			if (rng() % 4 == 0)
				len = rng() % len + 1;
		} else {
			len = rng() % (FUZZ_MAX + 1);
			for (i = 0; i < len; i++)
				in[i] = (uint8_t)rng();
			if (kind < 7 && len >= 9) {
				in[0] = 0x16;
				in[1] = 0x03;
				in[2] = (uint8_t)(rng() % 5);
				n = rng() % 2 ? len - 5 : rng() % 0x4100;
				in[3] = (uint8_t)(n >> 8);
				in[4] = (uint8_t)n;
				in[5] = (uint8_t)(rng() % 3);
				n = rng() % 2 ? len - 9 : rng() % 0x500;
				in[6] = 0;
				in[7] = (uint8_t)(n >> 8);
				in[8] = (uint8_t)n;
			}
		}
		whole = scan_steps(in, len, from_client, 0);
		if (whole.client_hello || whole.server_hello)
			parsed++;
		t = tls_scan_new();
		for (off = 0; off < len; off += n) {
			n = rng() % 64 + 1;
			if (n > len - off)
				n = len - off;
			feed_copy(t, from_client, in + off, n);
		}
		if (!same_info(&whole, tls_scan_info(t)) && differ++ == 0)
			fprintf(stderr, "fuzz run %d: chunks differ\n", run);
		tls_scan_free(t);
	}
	CHECKF(differ == 0, "fuzz: %d runs differ when chunked", differ);
	CHECKF(parsed > 0, "fuzz: no input parsed at all");
}

int
main(void)
{
	test_real();
	test_splits();
	test_multi_record();
	test_two_messages();
	test_built();
	test_server_no_ext();
	test_not_tls();
	test_too_big();
	test_truncated();
	test_done();
	test_version_names();
	test_fuzz();
	return check_done("tls");
}
