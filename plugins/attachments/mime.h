/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A streaming MIME walker: a message's bytes in, split anywhere, and out
 * one record per leaf part (type, disposition, file name, transfer
 * encoding, decoded size, MD5, SHA-1, SHA-256 of the decoded content).
 * Memory is bounded whatever the input: the header section of the part
 * being read (max_header), the boundaries of the open multiparts
 * (max_depth of at most MIME_BOUNDARY_MAX bytes), one line start and the
 * small records (max_parts). No part's content is ever kept.
 *
 * The walk follows RFC 2045/2046, and where they leave room Python's
 * email package (the tests' ground truth): see README.md.
 */
#ifndef ATT_MIME_H
#define ATT_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mimehdr.h"

/* Why a record is incomplete (bits of mime_part.limits). */
#define MIME_LIMIT_GAP 0x01      /* bytes of it were never captured */
#define MIME_LIMIT_DEPTH 0x02    /* a container not descended: max_depth */
#define MIME_LIMIT_PARTS 0x04    /* parts after this one dropped */
#define MIME_LIMIT_HEADER 0x08   /* its header section over max_header */
#define MIME_LIMIT_BOUNDARY 0x10 /* a multipart whose boundary is too long */
#define MIME_LIMIT_CUT 0x20      /* the message ended inside it */

struct mime_limits {
	unsigned max_depth; /* containers nested deeper are leaves */
	unsigned max_parts; /* records per message */
	size_t max_header;  /* bytes of a part's header section read */
};

struct mime_part {
	unsigned index; /* order among the message's leaves, from 0 */
	unsigned depth; /* 0: the message itself; +1 per container */
	double ts;      /* mime_walker_set_time() when it began */
	char mime_type[MIME_TYPE_MAX];
	bool has_disposition, has_encoding;
	char disposition[MIME_TOKEN_MAX];
	char encoding[MIME_TOKEN_MAX];
	char *filename; /* UTF-8, NULL when none */
	size_t filename_len;
	uint64_t size; /* decoded bytes */
	uint8_t md5[16], sha1[20], sha256[32];
	unsigned limits;   /* MIME_LIMIT_* */
	bool bad_encoding; /* malformed base64 or quoted-printable */
};

/* Limits hit, over the walker's life. */
struct mime_stats {
	uint64_t depth, parts, header, boundary, bad_encoding;
};

struct mime_walker;

struct mime_walker *mime_walker_new(const struct mime_limits *lim);
void mime_walker_set_time(struct mime_walker *w, double ts);
void mime_walker_feed(struct mime_walker *w, const uint8_t *p, size_t n);
/* n bytes of the message never captured. */
void mime_walker_gap(struct mime_walker *w, size_t n);
/* The end of the message; complete false: it was cut short. */
void mime_walker_finish(struct mime_walker *w, bool complete);
size_t mime_walker_nparts(const struct mime_walker *w);
const struct mime_part *mime_walker_part(const struct mime_walker *w, size_t i);
const struct mime_stats *mime_walker_stats(const struct mime_walker *w);
void mime_walker_free(struct mime_walker *w);

#endif
