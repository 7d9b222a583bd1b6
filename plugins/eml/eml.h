/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The eml plugin's parts: its arguments (args.c), the X-Smtpscope header
 * block (header.c) and the plugin itself with its spool files (eml.c).
 */
#ifndef SMTPSCOPE_EML_H
#define SMTPSCOPE_EML_H

#include <smtpscope/plugin.h>

#define EML_VALUE_MAX 900 /* bytes of one escaped header value */
#define EML_FOLD_AT 76    /* fold a field at a blank past this column */

enum eml_full { EML_FULL_OLDEST, EML_FULL_STOP };

struct eml_args {
	char *dir;
	unsigned keep; /* bit 1 << enum smtpscope_outcome for each kept */
	uint64_t max_size;
	bool has_max_size;
	uint64_t max_disk; /* 0: no limit */
	enum eml_full full;
};

/* Parses "dir=PATH,keep=...,max_size=N,max_disk=N,full=oldest|stop".
 * 0, or -1 with one sentence in err (a->dir then freed). */
int eml_args_parse(const struct smtpscope_host *host, const char *args,
    struct eml_args *a, char *err, size_t errlen);
void eml_args_free(struct eml_args *a);

/* A growing text, capped by its user. */
struct eml_buf {
	char *p;
	size_t len, cap;
	bool oom;
};

void eml_buf_add(struct eml_buf *b, const void *p, size_t n);
void eml_buf_free(struct eml_buf *b);

/* What the header block says besides the transaction itself. */
struct eml_body_info {
	uint64_t kept;          /* message bytes in the file */
	uint64_t missing;       /* never captured */
	uint64_t first_missing; /* offset of the first hole */
	bool truncated;         /* cut at max_size */
	uint64_t max_size;
};

/* The X-Smtpscope-* fields of one message, CRLF-terminated, into b; the
 * first one, X-Smtpscope-Header-Length, gives the block's length. */
void eml_header_block(struct eml_buf *b, const struct smtpscope_host *host,
    const struct smtpscope_session *si, const struct smtpscope_transaction *tx,
    const struct eml_body_info *bi);

/* "20261122T101112Z" for a capture time (the epoch when out of range). */
void eml_time_compact(double ts, char *buf, size_t size);

#endif
