/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The passive TLS hello scanner: record framing per direction, the
 * handshake stream reassembled up to TLS_HELLO_MAX, and the parsers of
 * the ClientHello and the ServerHello (RFC 5246 7.4.1, RFC 8446 4.1).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/cursor.h"
#include "lib/util.h"
#include "smtp/tls.h"

#define TLS_RECORD_HEADER_LEN 5
#define TLS_HANDSHAKE_HEADER_LEN 4
#define TLS_RANDOM_LEN 32
#define TLS_SESSION_ID_MAX 32

enum tls_content_type {
	TLS_CT_CHANGE_CIPHER_SPEC = 20,
	TLS_CT_ALERT = 21,
	TLS_CT_HANDSHAKE = 22,
	TLS_CT_APPLICATION_DATA = 23,
};

enum tls_handshake_type {
	TLS_HT_CLIENT_HELLO = 1,
	TLS_HT_SERVER_HELLO = 2,
};

enum tls_extension_type {
	TLS_EXT_SERVER_NAME = 0,
	TLS_EXT_SUPPORTED_VERSIONS = 43,
};

#define TLS_SNI_HOST_NAME 0
#define SSL2_MT_CLIENT_HELLO 1

/* SHA-256 of "HelloRetryRequest" (RFC 8446 4.1.3). */
static const uint8_t hrr_random[TLS_RANDOM_LEN] = { 0xcf, 0x21, 0xad, 0x74,
	0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2,
	0xc8, 0xa8, 0x33, 0x9c };

enum tls_dir_state {
	TLS_DIR_RECORD_HEADER, /* collecting a record header */
	TLS_DIR_RECORD_BODY,   /* inside a record, rec_left bytes to go */
	TLS_DIR_DONE,          /* hello parsed or given up: ignore the rest */
};

/* How a direction ended. */
enum tls_outcome {
	TLS_OUT_PARSED,
	TLS_OUT_NOT_TLS,
	TLS_OUT_SSLV2,
	TLS_OUT_TOO_BIG,
	TLS_OUT_MALFORMED,
	TLS_OUT_ALERT,
};

struct tls_dir {
	enum tls_dir_state state;
	bool client;       /* a ClientHello is expected */
	bool first_record; /* no record header completed yet */
	uint8_t rec_hdr[TLS_RECORD_HEADER_LEN];
	size_t rec_hdr_len;
	uint8_t rec_type;
	size_t rec_left;
	uint8_t alert[2]; /* level, description */
	size_t alert_len;
	uint8_t hs_hdr[TLS_HANDSHAKE_HEADER_LEN];
	size_t hs_hdr_len;
	size_t hs_need; /* body length of the hello once its header is in */
	struct dbuf hs; /* the hello's body when it comes in pieces */
};

struct tls_scan {
	struct tls_info info;
	struct tls_dir dir[2]; /* [0] server, [1] client */
};

/* What a hello says, checked whole before it is applied. */
struct hello {
	uint16_t legacy_version;
	uint16_t max_version;      /* client: highest supported_versions */
	uint16_t selected_version; /* server: supported_versions */
	uint16_t cipher;
	bool hrr;
	const uint8_t *sni;
	size_t sni_len;
	bool seen_sni, seen_versions;
};

/* RFC 8701 reserves 0x0a0a, 0x1a1a ... 0xfafa to keep servers honest. */
static bool
is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a;
}

/*
 * An order of versions: the TLS 1.3 drafts (0x7fNN) sort between
 * TLS 1.2 and TLS 1.3, anything else by value.
 */
static uint32_t
version_rank(uint16_t v)
{
	if ((v >> 8) == 0x7f)
		return ((uint32_t)TLS_VERSION_TLS12 << 9) + 1 + (v & 0xff);
	return (uint32_t)v << 9;
}

static bool
parse_server_name(struct cursor *x, struct hello *h)
{
	struct cursor list, name;
	uint8_t type;

	/* An empty extension says nothing (a server echoes it so). */
	if (cur_left(x) == 0)
		return true;
	list = cur_sub(x, cur_u16(x));
	if (x->bad || cur_left(x) != 0)
		return false;
	while (cur_left(&list) > 0) {
		type = cur_u8(&list);
		name = cur_sub(&list, cur_u16(&list));
		if (list.bad)
			return false;
		if (type == TLS_SNI_HOST_NAME && h->sni == NULL) {
			h->sni = cur_ptr(&name);
			h->sni_len = cur_left(&name);
		}
	}
	return true;
}

static bool
parse_client_versions(struct cursor *x, struct hello *h)
{
	struct cursor list;
	uint16_t v;

	list = cur_sub(x, cur_u8(x));
	if (x->bad || cur_left(x) != 0 || cur_left(&list) % 2 != 0)
		return false;
	while (cur_left(&list) > 0) {
		v = cur_u16(&list);
		if (is_grease(v))
			continue;
		if (h->max_version == 0 ||
		    version_rank(v) > version_rank(h->max_version))
			h->max_version = v;
	}
	return true;
}

static bool
parse_extensions(struct cursor *c, bool client, struct hello *h)
{
	struct cursor ext, x;
	uint16_t type;

	ext = cur_sub(c, cur_u16(c));
	if (c->bad || cur_left(c) != 0)
		return false;
	while (cur_left(&ext) > 0) {
		type = cur_u16(&ext);
		x = cur_sub(&ext, cur_u16(&ext));
		if (ext.bad)
			return false;
		switch (type) {
		case TLS_EXT_SERVER_NAME:
			if (!client)
				break;
			/* Duplicates are illegal (RFC 8446 4.2). */
			if (h->seen_sni)
				return false;
			h->seen_sni = true;
			if (!parse_server_name(&x, h))
				return false;
			break;
		case TLS_EXT_SUPPORTED_VERSIONS:
			if (h->seen_versions)
				return false;
			h->seen_versions = true;
			if (client) {
				if (!parse_client_versions(&x, h))
					return false;
			} else {
				h->selected_version = cur_u16(&x);
				if (x.bad || cur_left(&x) != 0)
					return false;
			}
			break;
		default:
			break;
		}
	}
	return true;
}

/*
 * The body of a ClientHello or a ServerHello, without its 4-byte
 * header. Extensions are optional: old hellos end after compression.
 */
static bool
parse_hello(const uint8_t *p, size_t len, bool client, struct hello *h)
{
	struct cursor c;
	size_t n;

	cur_init(&c, p, len);
	memset(h, 0, sizeof(*h));
	h->legacy_version = cur_u16(&c);
	if (cur_need(&c, TLS_RANDOM_LEN))
		h->hrr = !client &&
		    memcmp(cur_ptr(&c), hrr_random, TLS_RANDOM_LEN) == 0;
	cur_skip(&c, TLS_RANDOM_LEN);
	n = cur_u8(&c);
	if (n > TLS_SESSION_ID_MAX)
		return false;
	cur_skip(&c, n);
	if (client) {
		n = cur_u16(&c);
		if (n == 0 || n % 2 != 0)
			return false;
		cur_skip(&c, n);
		n = cur_u8(&c);
		if (n == 0)
			return false;
		cur_skip(&c, n);
	} else {
		h->cipher = cur_u16(&c);
		cur_skip(&c, 1); /* compression method */
	}
	if (c.bad)
		return false;
	if (cur_left(&c) > 0 && !parse_extensions(&c, client, h))
		return false;
	return true;
}

static void
hello_apply(struct tls_info *ti, bool client, const struct hello *h)
{
	size_t n;

	if (client) {
		ti->client_legacy_version = h->legacy_version;
		ti->client_max_version =
		    h->max_version != 0 ? h->max_version : h->legacy_version;
		n = h->sni_len;
		if (n > TLS_SNI_MAX) {
			n = TLS_SNI_MAX;
			ti->sni_truncated = true;
		}
		if (n > 0)
			memcpy(ti->sni, h->sni, n);
		ti->sni[n] = '\0';
		ti->sni_len = n;
		ti->client_hello = true;
	} else {
		ti->server_legacy_version = h->legacy_version;
		ti->version = h->selected_version != 0 ? h->selected_version
						       : h->legacy_version;
		ti->cipher = h->cipher;
		ti->hrr = h->hrr;
		ti->server_hello = true;
	}
}

/* The one place a direction changes state. */
static void
dir_set_state(struct tls_dir *d, enum tls_dir_state state)
{
	d->state = state;
	if (state == TLS_DIR_DONE)
		dbuf_free(&d->hs);
}

static void
dir_finish(struct tls_scan *t, struct tls_dir *d, enum tls_outcome out)
{
	struct tls_info *ti = &t->info;

	switch (out) {
	case TLS_OUT_PARSED:
		break;
	case TLS_OUT_NOT_TLS:
		if (d->client)
			ti->client_not_tls = true;
		else
			ti->server_not_tls = true;
		break;
	case TLS_OUT_SSLV2:
		ti->sslv2 = true;
		break;
	case TLS_OUT_TOO_BIG:
		ti->too_big = true;
		break;
	case TLS_OUT_MALFORMED:
		if (d->client)
			ti->client_malformed = true;
		else
			ti->server_malformed = true;
		break;
	case TLS_OUT_ALERT:
		if (d->client) {
			ti->client_alert = true;
			ti->client_alert_level = d->alert[0];
			ti->client_alert_desc = d->alert[1];
		} else {
			ti->server_alert = true;
			ti->server_alert_level = d->alert[0];
			ti->server_alert_desc = d->alert[1];
		}
		break;
	}
	dir_set_state(d, TLS_DIR_DONE);
}

static void
hello_parse(struct tls_scan *t, struct tls_dir *d, const uint8_t *p, size_t len)
{
	struct hello h;

	if (!parse_hello(p, len, d->client, &h)) {
		dir_finish(t, d, TLS_OUT_MALFORMED);
		return;
	}
	hello_apply(&t->info, d->client, &h);
	dir_finish(t, d, TLS_OUT_PARSED);
}

/*
 * Bytes of the handshake stream. Only the first message matters; it is
 * parsed in place when it lies whole in one chunk, else gathered.
 */
static void
handshake_bytes(
    struct tls_scan *t, struct tls_dir *d, const uint8_t *p, size_t n)
{
	const uint8_t *hh = d->hs_hdr;
	size_t take;

	while (d->hs_hdr_len < TLS_HANDSHAKE_HEADER_LEN && n > 0) {
		d->hs_hdr[d->hs_hdr_len++] = *p++;
		n--;
		if (d->hs_hdr_len < TLS_HANDSHAKE_HEADER_LEN)
			continue;
		if (hh[0] !=
		    (d->client ? TLS_HT_CLIENT_HELLO : TLS_HT_SERVER_HELLO)) {
			dir_finish(t, d, TLS_OUT_MALFORMED);
			return;
		}
		d->hs_need = (size_t)hh[1] << 16 | (size_t)hh[2] << 8 | hh[3];
		if (d->hs_need > TLS_HELLO_MAX - TLS_HANDSHAKE_HEADER_LEN) {
			dir_finish(t, d, TLS_OUT_TOO_BIG);
			return;
		}
	}
	if (d->hs_hdr_len < TLS_HANDSHAKE_HEADER_LEN)
		return;
	if (d->hs.len == 0 && n >= d->hs_need) {
		hello_parse(t, d, p, d->hs_need);
		return;
	}
	take = d->hs_need - d->hs.len;
	if (take > n)
		take = n;
	dbuf_add(&d->hs, p, take);
	if (d->hs.len == d->hs_need)
		hello_parse(t, d, (const uint8_t *)d->hs.p, d->hs.len);
}

static void
record_body(struct tls_scan *t, struct tls_dir *d, const uint8_t *p, size_t n)
{
	if (d->rec_type == TLS_CT_HANDSHAKE) {
		handshake_bytes(t, d, p, n);
		return;
	}
	/* An alert: its level and description are enough. */
	while (n > 0 && d->alert_len < sizeof(d->alert)) {
		d->alert[d->alert_len++] = *p++;
		n--;
	}
	if (d->alert_len == sizeof(d->alert))
		dir_finish(t, d, TLS_OUT_ALERT);
}

static void
record_end(struct tls_scan *t, struct tls_dir *d)
{
	if (d->rec_type == TLS_CT_ALERT) {
		/* An alert cut short by its record. */
		dir_finish(t, d, TLS_OUT_MALFORMED);
		return;
	}
	dir_set_state(d, TLS_DIR_RECORD_HEADER);
}

/*
 * The first bytes of a direction tell TLS from anything else (a server
 * that answered 220 and speaks SMTP on) as soon as they can. Returns
 * false once the direction is done.
 */
static bool
first_bytes_check(struct tls_scan *t, struct tls_dir *d)
{
	const uint8_t *h = d->rec_hdr;
	size_t n = d->rec_hdr_len;

	if (d->client && (h[0] & 0x80) != 0) {
		/* SSLv2 framing: 2-byte length, msg type, version. */
		if ((n == 3 && h[2] != SSL2_MT_CLIENT_HELLO) ||
		    (n == 4 && h[3] != 0x00 && h[3] != 0x03)) {
			dir_finish(t, d, TLS_OUT_NOT_TLS);
			return false;
		}
		if (n == TLS_RECORD_HEADER_LEN) {
			t->info.client_legacy_version =
			    (uint16_t)(h[3] << 8 | h[4]);
			t->info.client_max_version =
			    t->info.client_legacy_version;
			dir_finish(t, d, TLS_OUT_SSLV2);
			return false;
		}
		return true;
	}
	if ((n == 1 &&
		(h[0] < TLS_CT_CHANGE_CIPHER_SPEC ||
		    h[0] > TLS_CT_APPLICATION_DATA)) ||
	    (n == 2 && h[1] != 3)) {
		dir_finish(t, d, TLS_OUT_NOT_TLS);
		return false;
	}
	return true;
}

static void
record_header_byte(struct tls_scan *t, struct tls_dir *d)
{
	const uint8_t *h = d->rec_hdr;

	if (d->first_record && !first_bytes_check(t, d))
		return;
	if (d->rec_hdr_len < TLS_RECORD_HEADER_LEN)
		return;
	d->first_record = false;
	d->rec_hdr_len = 0;
	d->rec_type = h[0];
	d->rec_left = (size_t)h[3] << 8 | h[4];
	if (h[1] != 3) {
		dir_finish(t, d, TLS_OUT_MALFORMED);
		return;
	}
	if (d->rec_left > TLS_RECORD_MAX) {
		dir_finish(t, d, TLS_OUT_TOO_BIG);
		return;
	}
	/* Nothing but handshake records may come before the hello. */
	if (d->rec_type != TLS_CT_HANDSHAKE && d->rec_type != TLS_CT_ALERT) {
		dir_finish(t, d, TLS_OUT_MALFORMED);
		return;
	}
	if (d->rec_left == 0) {
		record_end(t, d);
		return;
	}
	dir_set_state(d, TLS_DIR_RECORD_BODY);
}

struct tls_scan *
tls_scan_new(void)
{
	struct tls_scan *t = ccalloc(1, sizeof(*t));
	size_t i;

	for (i = 0; i < ARRAY_LEN(t->dir); i++) {
		t->dir[i].client = i == 1;
		t->dir[i].first_record = true;
		dbuf_init_counted(&t->dir[i].hs, TLS_HELLO_MAX);
		dir_set_state(&t->dir[i], TLS_DIR_RECORD_HEADER);
	}
	return t;
}

void
tls_scan_free(struct tls_scan *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < ARRAY_LEN(t->dir); i++)
		dbuf_free(&t->dir[i].hs);
	cfree(t);
}

void
tls_scan_feed(
    struct tls_scan *t, int from_client, const uint8_t *data, size_t len)
{
	struct tls_dir *d = &t->dir[from_client ? 1 : 0];
	size_t n;

	while (len > 0 && d->state != TLS_DIR_DONE) {
		switch (d->state) {
		case TLS_DIR_RECORD_HEADER:
			d->rec_hdr[d->rec_hdr_len++] = *data++;
			len--;
			record_header_byte(t, d);
			break;
		case TLS_DIR_RECORD_BODY:
			n = len < d->rec_left ? len : d->rec_left;
			record_body(t, d, data, n);
			data += n;
			len -= n;
			d->rec_left -= n;
			if (d->rec_left == 0 && d->state != TLS_DIR_DONE)
				record_end(t, d);
			break;
		case TLS_DIR_DONE:
			break;
		}
	}
}

const struct tls_info *
tls_scan_info(const struct tls_scan *t)
{
	return &t->info;
}

bool
tls_scan_done(const struct tls_scan *t)
{
	return t->dir[0].state == TLS_DIR_DONE &&
	    t->dir[1].state == TLS_DIR_DONE;
}
