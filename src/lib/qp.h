/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Quoted-printable: the Q encoding of RFC 2047 words, and MIME bodies
 * (RFC 2045 6.7) split anywhere, as Python's binascii.a2b_qp reads them.
 * Shared by the dissector and the plugins (build/libsmtpscope-lib.a).
 */
#ifndef SMTPSCOPE_QP_H
#define SMTPSCOPE_QP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

/*
 * The text of an RFC 2047 Q word: '_' is a space, "=XX" the byte XX,
 * anything else (a '=' not followed by two hexadecimal digits too) as it
 * is, as Python's email package reads it. Appended to out.
 */
void qp_decode_q(const uint8_t *in, size_t len, struct dbuf *out);

enum qp_state {
	QP_NORMAL,
	QP_EQ,   /* after "=" */
	QP_SOFT, /* "=" CR: up to the LF */
	QP_HEX1, /* "=" and one hexadecimal digit */
};

/*
 * A quoted-printable body: "=XX" a byte, "=" and a line end (LF or CR LF)
 * a soft line break, "=" at the very end nothing. A malformed escape is
 * kept as it is ("==" as one "=") and marks it bad.
 */
struct qp_stream {
	enum qp_state state;
	uint8_t hex; /* the digit after "=" in QP_HEX1 */
	bool bad;
};

void qp_stream_init(struct qp_stream *d);
/* in[0..n) decoded, the bytes handed to out in chunks. */
void qp_stream_feed(struct qp_stream *d, const uint8_t *in, size_t n,
    bytes_out_fn *out, void *arg);
/* The input is over: "=X" left is handed out as it is, and bad. */
void qp_stream_end(struct qp_stream *d, bytes_out_fn *out, void *arg);

#endif
