/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A streaming parser of one mail message as carried by DATA or BDAT
 * (already dot-unstuffed): the top-level header fields worth logging,
 * each Received field taken apart and the relay path they draw, and
 * the recipients of a delivery status notification (RFC 3464). It is
 * fed chunks split anywhere and keeps at most one capped line of the
 * message: memory stays within the limits below whatever the input.
 * Fields are looked at once each, when they end; the body is only
 * counted unless it is a DSN.
 */
#ifndef SMTPSCOPE_MESSAGE_H
#define SMTPSCOPE_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"
#include "lib/util.h"

/* Named limits; each has a counter in struct smtp_msg_info. */
#define MSG_LINE_MAX 8192           /* bytes kept of one line */
#define MSG_HEADER_VALUE_MAX 4096   /* bytes kept of one field value */
#define MSG_HEADERS_MAX 1000        /* top-level fields looked at */
#define MSG_HEADER_BYTES_MAX 262144 /* header bytes looked at */
#define MSG_RECEIVED_MAX 64         /* Received fields kept */
#define MSG_DSN_RCPT_MAX 100        /* DSN recipients kept */
#define MSG_BOUNDARY_MAX 200        /* longest MIME boundary followed */
/* RFC 2047: longer charset names (language included) are malformed;
 * distinct charsets per value handed to iconv, the rest left encoded
 * (both counted in subject_words_undecoded). */
#define RFC2047_CHARSET_MAX 64
#define RFC2047_ICONV_MAX 4

struct msg_parser;

struct msg_parser *msg_parser_new(void);
void msg_parser_feed(struct msg_parser *p, const uint8_t *data, size_t len);
/* End of data: flush a last unterminated line. Later feeds are ignored. */
void msg_parser_finish(struct msg_parser *p);
/* True once the parser only counts bytes: it may then be fed any
 * number of lines at once. */
bool msg_parser_skipping(const struct msg_parser *p);
const struct smtp_msg_info *msg_parser_info(const struct msg_parser *p);
/* Bytes the parser holds now: for tests of the caps. */
size_t msg_parser_mem(const struct msg_parser *p);
void msg_parser_free(struct msg_parser *p);
/* Free the parsers kept for reuse and close the cached iconv
 * descriptors (at exit; any time is safe). */
void msg_parser_release_spares(void);

/*
 * Decode the RFC 2047 encoded words of a header value into out, as
 * UTF-8: any charset glibc's iconv knows (an RFC 2231 language suffix,
 * "utf-8*en", is ignored), converted from its initial shift state.
 * Adjacent words of one charset are joined before the conversion, as
 * Python's email.header does, so a character split across two words
 * comes out whole (a run that does not convert is tried word by word);
 * blanks between decoded words are dropped (RFC 2047 6.2). A word in a
 * charset iconv does not know (or beyond RFC2047_ICONV_MAX charsets),
 * with bytes invalid in its charset, or malformed (shaped
 * "=?...?...?...?=" but not an encoded word) is copied as it was sent,
 * blanks around it kept, and counted in *undecoded (may be NULL); no
 * word is ever half converted. Returns the number of words decoded.
 */
size_t rfc2047_decode(
    const char *in, size_t len, struct dbuf *out, size_t *undecoded);

/*
 * The relay address a Received field names in its "from" clause, as
 * canonical text in out (INET6_ADDRSTRLEN bytes or more); false when
 * there is none.
 */
bool msg_received_ip(const char *value, size_t len, char *out, size_t size);

#endif
