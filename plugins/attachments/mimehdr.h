/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fields of a MIME header section that the attachments plugin reads:
 * Content-Type (type, boundary, name), Content-Disposition (type,
 * filename), Content-Transfer-Encoding. Parameters as RFC 2045 and the
 * extensions of RFC 2231 (charset, continuations); file names also with
 * RFC 2047 encoded words; names come out in UTF-8.
 */
#ifndef ATT_MIMEHDR_H
#define ATT_MIMEHDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIME_TYPE_MAX 128     /* "type/subtype", lowercased, cut there */
#define MIME_TOKEN_MAX 32     /* disposition, transfer encoding */
#define MIME_NAME_MAX 1024    /* a decoded file name, bytes of UTF-8 */
#define MIME_BOUNDARY_MAX 200 /* longer: the multipart is not descended */

struct mime_fields {
	bool has_type;
	char type[MIME_TYPE_MAX]; /* "" when absent or not "a/b" */
	bool has_disposition;
	char disposition[MIME_TOKEN_MAX];
	bool has_encoding;
	char encoding[MIME_TOKEN_MAX];
	char *boundary; /* NULL when absent or empty */
	size_t boundary_len;
	bool boundary_too_long; /* over MIME_BOUNDARY_MAX: boundary NULL */
	char *filename;         /* NUL-terminated UTF-8 (maybe invalid) */
	size_t filename_len;
};

/* Reads hdr[0..len) (the raw header section, lines ending in LF or CRLF).
 * Never fails: what is not there stays empty. */
void mime_fields_parse(const uint8_t *hdr, size_t len, struct mime_fields *f);
void mime_fields_free(struct mime_fields *f);

#endif
