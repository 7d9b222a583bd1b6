/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lib/base64.h"

#define STREAM_CHUNK 4096 /* decoded bytes handed out at once, at most */

long
base64_decode(const uint8_t *in, size_t len, uint8_t *out, size_t outmax)
{
	uint32_t acc = 0;
	size_t i, o = 0;
	int bits = 0, v;

	while (len > 0 && in[len - 1] == '=')
		len--;
	for (i = 0; i < len; i++) {
		if ((v = base64_value(in[i])) < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o < outmax)
				out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return (long)o;
}

void
base64_decode_skip(const uint8_t *in, size_t len, struct dbuf *out)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t i;
	int v;

	for (i = 0; i < len; i++) {
		if ((v = base64_value(in[i])) < 0)
			continue;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			dbuf_addc(out, (char)(acc >> bits));
			acc &= (1u << bits) - 1;
		}
	}
}

void
base64_stream_init(struct base64_stream *d)
{
	d->acc = 0;
	d->bits = d->quad = d->pads = 0;
	d->done = false;
	d->bad = false;
}

static bool
blank_or_eol(uint8_t c)
{
	return c == '\r' || c == '\n' || c == ' ' || c == '\t';
}

void
base64_stream_feed(struct base64_stream *d, const uint8_t *in, size_t n,
    bytes_out_fn *out, void *arg)
{
	uint8_t buf[STREAM_CHUNK];
	size_t i, o = 0;
	int v;

	for (i = 0; i < n; i++) {
		uint8_t c = in[i];

		if (d->done) {
			if (!blank_or_eol(c))
				d->bad = true;
			continue;
		}
		if (c == '=') {
			if (d->quad >= 2 && d->quad + ++d->pads >= 4) {
				d->done = true;
				d->quad = d->bits = 0;
				d->acc = 0;
			}
			continue;
		}
		if ((v = base64_value(c)) < 0) {
			if (!blank_or_eol(c))
				d->bad = true;
			continue;
		}
		d->pads = 0;
		d->acc = (d->acc << 6) | (uint32_t)v;
		d->bits += 6;
		d->quad = (d->quad + 1) % 4;
		if (d->bits >= 8) {
			d->bits -= 8;
			buf[o++] = (uint8_t)(d->acc >> d->bits);
			d->acc &= (1u << d->bits) - 1;
		}
		if (d->quad == 0) {
			d->bits = 0;
			d->acc = 0;
		}
		if (o == sizeof(buf)) {
			out(arg, buf, o);
			o = 0;
		}
	}
	if (o > 0)
		out(arg, buf, o);
}

void
base64_stream_end(struct base64_stream *d)
{
	if (!d->done && d->quad == 1)
		d->bad = true; /* six bits left over */
}
