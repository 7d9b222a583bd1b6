/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Base64 (RFC 4648's alphabet), three ways, for three kinds of input:
 * strict for a whole SMTP AUTH argument, skipping for the text of an
 * RFC 2047 B word, and streaming as Python's binascii reads a MIME
 * body. Shared by the dissector and the plugins
 * (build/libsmtpscope-lib.a).
 */
#ifndef SMTPSCOPE_BASE64_H
#define SMTPSCOPE_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

/* The value of a base64 digit, or -1 (the padding '=' too). */
static inline int
base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decode base64 (padding optional, no line breaks) into out, at most
 * outmax bytes. Returns the decoded length, or -1 when the input is not
 * base64: any byte but a digit or a trailing '='.
 */
long base64_decode(const uint8_t *in, size_t len, uint8_t *out, size_t outmax);

/*
 * Decode the digits of in, every other byte (the padding too) skipped,
 * bits left over at the end dropped; appended to out. On text that
 * base64_decode() accepts, the same bytes.
 */
void base64_decode_skip(const uint8_t *in, size_t len, struct dbuf *out);

/*
 * A MIME body, split anywhere, as Python's binascii.a2b_base64 reads it
 * leniently: bytes not of the alphabet ignored, the input over at the
 * first complete padding. bad: a byte that is neither base64 nor a blank
 * or line end, anything after the end, or six bits left over
 * (base64_stream_end()).
 */
struct base64_stream {
	uint32_t acc;
	unsigned bits, quad, pads;
	bool done; /* complete padding seen */
	bool bad;
};

void base64_stream_init(struct base64_stream *d);
/* in[0..n) decoded, the bytes handed to out in chunks. */
void base64_stream_feed(struct base64_stream *d, const uint8_t *in, size_t n,
    bytes_out_fn *out, void *arg);
/* The input is over: six bits left over are bad. */
void base64_stream_end(struct base64_stream *d);

#endif
