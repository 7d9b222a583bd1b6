/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A passive scanner of TLS hellos. After STARTTLS is answered 220, or
 * from the first byte on port 465, each direction of the stream is TLS;
 * the dissector hands the bytes of each direction here in any chunks.
 * The scanner reassembles the first handshake message of each direction
 * (up to TLS_HELLO_MAX) and takes the versions, the cipher suite and the
 * server name from the ClientHello and the ServerHello. Once both are
 * parsed or given up, more bytes cost nothing and allocate nothing.
 */
#ifndef SMTPSCOPE_TLS_H
#define SMTPSCOPE_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/model.h"

/* Named limits. */
#define TLS_HELLO_MAX 16384  /* bytes of a hello, 4-byte header included */
#define TLS_RECORD_MAX 16384 /* plaintext record length (RFC 8446 5.1) */
#define TLS_SNI_MAX 255      /* bytes kept of the server name */

/* The TLS_VERSION_* values are in event/model.h, with the fields that
 * hold them. */

struct tls_info {
	uint16_t client_legacy_version; /* 0 until seen */
	uint16_t client_max_version;    /* highest supported_versions, else
					   legacy */
	uint16_t server_legacy_version;
	uint16_t version; /* negotiated: server's selected, else legacy */
	uint16_t cipher;  /* server's cipher suite */
	/*
	 * Raw bytes of the first host_name, cut to TLS_SNI_MAX; may hold
	 * any byte, NUL included: use sni_len and escape before display.
	 */
	char sni[TLS_SNI_MAX + 1];
	size_t sni_len;
	bool sni_truncated;                  /* the name was longer */
	bool client_hello, server_hello;     /* parsed */
	bool client_not_tls, server_not_tls; /* first bytes not TLS */
	bool too_big; /* a hello passed TLS_HELLO_MAX, or a record
			 TLS_RECORD_MAX */
	bool sslv2;   /* SSLv2-compatible ClientHello, not parsed; its
			 version is in client_legacy/max_version */
	bool hrr;     /* the ServerHello was a HelloRetryRequest */
	/*
	 * TLS records, but no well-formed hello: a broken hello, another
	 * handshake message or record type first, a bad record version.
	 */
	bool client_malformed, server_malformed;
	/* An alert came before the hello (a server refusing the client). */
	bool client_alert, server_alert;
	uint8_t client_alert_level, client_alert_desc;
	uint8_t server_alert_level, server_alert_desc;
};

struct tls_scan;

struct tls_scan *tls_scan_new(void);
void tls_scan_free(struct tls_scan *t);
/* Bytes of one direction, in order, in chunks of any size. */
void tls_scan_feed(
    struct tls_scan *t, int from_client, const uint8_t *data, size_t len);
const struct tls_info *tls_scan_info(const struct tls_scan *t);
/* Both directions parsed or given up: nothing more to learn. */
bool tls_scan_done(const struct tls_scan *t);

#endif
