/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hexadecimal: the value of a digit, the byte of two (quoted-printable
 * "=XX", RFC 2047 Q, RFC 2231 "%XX"), bytes written as lowercase digits.
 * Shared by the dissector and the plugins (build/libsmtpscope-lib.a).
 */
#ifndef SMTPSCOPE_HEX_H
#define SMTPSCOPE_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

/* The value of a hexadecimal digit, either case, or -1. */
static inline int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The byte two hexadecimal digits stand for, or -1 unless both are. */
static inline int
hex_pair(unsigned char hi, unsigned char lo)
{
	int h = hex_value(hi), l = hex_value(lo);

	return h >= 0 && l >= 0 ? h * 16 + l : -1;
}

/* n bytes as 2n lowercase hexadecimal digits (a digest). */
void hex_append(struct dbuf *b, const uint8_t *s, size_t n);

#endif
