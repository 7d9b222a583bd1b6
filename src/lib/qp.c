/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lib/qp.h"

#include "lib/hex.h"

#define STREAM_CHUNK 4096 /* decoded bytes handed out at once, at most */

void
qp_decode_q(const uint8_t *in, size_t len, struct dbuf *out)
{
	size_t i;
	int v;

	for (i = 0; i < len; i++) {
		if (in[i] == '_')
			dbuf_addc(out, ' ');
		else if (in[i] == '=' && i + 2 < len &&
		    (v = hex_pair(in[i + 1], in[i + 2])) >= 0) {
			dbuf_addc(out, (char)v);
			i += 2;
		} else
			dbuf_addc(out, (char)in[i]);
	}
}

void
qp_stream_init(struct qp_stream *d)
{
	d->state = QP_NORMAL;
	d->hex = 0;
	d->bad = false;
}

void
qp_stream_feed(struct qp_stream *d, const uint8_t *in, size_t n,
    bytes_out_fn *out, void *arg)
{
	uint8_t buf[STREAM_CHUNK + 2];
	size_t i, o = 0;
	int v;

	for (i = 0; i < n; i++) {
		uint8_t c = in[i];

		if (o >= STREAM_CHUNK) {
			out(arg, buf, o);
			o = 0;
		}
		switch (d->state) {
		case QP_NORMAL:
			if (c == '=')
				d->state = QP_EQ;
			else
				buf[o++] = c;
			break;
		case QP_EQ:
			if (c == '\n') {
				d->state = QP_NORMAL;
			} else if (c == '\r') {
				d->state = QP_SOFT;
			} else if (c == '=') {
				buf[o++] = '=';
				d->state = QP_NORMAL;
				d->bad = true;
			} else if (hex_value(c) >= 0) {
				d->hex = c;
				d->state = QP_HEX1;
			} else {
				buf[o++] = '=';
				buf[o++] = c;
				d->state = QP_NORMAL;
				d->bad = true;
			}
			break;
		case QP_SOFT:
			if (c == '\n')
				d->state = QP_NORMAL;
			break;
		case QP_HEX1:
			if ((v = hex_pair(d->hex, c)) >= 0) {
				buf[o++] = (uint8_t)v;
				d->state = QP_NORMAL;
			} else {
				buf[o++] = '=';
				buf[o++] = d->hex;
				d->bad = true;
				d->state = QP_NORMAL;
				if (c == '=')
					d->state = QP_EQ;
				else
					buf[o++] = c;
			}
			break;
		}
	}
	if (o > 0)
		out(arg, buf, o);
}

void
qp_stream_end(struct qp_stream *d, bytes_out_fn *out, void *arg)
{
	uint8_t two[2];

	if (d->state != QP_HEX1)
		return;
	two[0] = '=';
	two[1] = d->hex;
	d->state = QP_NORMAL;
	d->bad = true;
	out(arg, two, 2);
}
