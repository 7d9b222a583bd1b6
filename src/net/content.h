/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SMTP found by its content (--ports any): the first bytes of the two
 * directions of a TCP connection say whether it carries SMTP, which side
 * is the server, and whether it does so inside an HTTP CONNECT tunnel.
 * A pure function of those bytes: no packet, no state, any byte sequence
 * of any length may be passed in (tests/unit/test_content.c,
 * tests/fuzz/fuzz_content.c).
 *
 * What is SMTP, as Zeek's dpd signatures and Suricata's probing read it
 * and a little stricter where they would take FTP: a first server line
 * with a greeting code (220, or 421, 521 (RFC 7504) and 554, the
 * refusals a server may greet with) followed by a space, a hyphen or the line
 * end, whose text names SMTP, ESMTP or LMTP as a word; or such a greeting (with
 * any text) or none yet, and a first client line HELO, EHLO or LHLO. FTP greets
 * with 220 too, but its client says USER, AUTH or FEAT. The server is the side
 * that greeted, or the side the HELO went to: the initiator of the connection
 * normally, the other way round when it was the initiator that greeted.
 *
 * An HTTP CONNECT tunnel: the initiator's first line "CONNECT target
 * HTTP/1.x", the other side's "HTTP/1.x 2xx"; past both header blocks,
 * the tunnelled bytes are judged as above (no tunnel inside a tunnel).
 */
#ifndef SMTPSCOPE_CONTENT_H
#define SMTPSCOPE_CONTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The bytes of each direction judged at most: beyond them a connection
 * not yet known to be SMTP is taken as something else. A header block
 * of a CONNECT request or reply must fit in them, with the first SMTP
 * line after it. */
#define CONTENT_DIR_MAX 256
/* The tunnel's target ("host:port") kept at most, in bytes. */
#define CONTENT_TARGET_MAX 128

enum content_verdict {
	CONTENT_MORE,  /* cannot tell yet: more bytes are needed */
	CONTENT_SMTP,  /* SMTP */
	CONTENT_OTHER, /* not SMTP */
};

struct content_result {
	/* The initiator of the connection is the SMTP server. */
	bool swapped;
	/* Inside an HTTP CONNECT tunnel: skip[] bytes of each direction
	 * (0: the initiator's) are the tunnel's header blocks, before the
	 * SMTP bytes; target its request's target, printable ASCII. */
	bool tunnel;
	size_t skip[2];
	char target[CONTENT_TARGET_MAX];
};

/*
 * The first bytes of the connection's initiator (a, na) and of the other
 * side (b, nb), each at most CONTENT_DIR_MAX bytes are read; done_a and
 * done_b: no more bytes will be judged in that direction (its window is
 * full, a hole, the connection closed), so that what is there is all
 * there is. *r is filled for CONTENT_SMTP.
 */
enum content_verdict content_classify(const uint8_t *a, size_t na, bool done_a,
    const uint8_t *b, size_t nb, bool done_b, struct content_result *r);

/* The verdict's name ("more", "smtp", "other"), for tests and traces. */
const char *content_verdict_name(enum content_verdict v);

#endif
