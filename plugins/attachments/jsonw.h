/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A growing text buffer and JSON string escaping for the attachments
 * plugin (the rules of smtpscope's src/lib/util.c: control characters as
 * \u00XX, invalid UTF-8 bytes as the text \xNN, valid UTF-8 as is).
 */
#ifndef ATT_JSONW_H
#define ATT_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jbuf {
	char *p;
	size_t len, cap;
	bool oom; /* an allocation failed: the text is incomplete */
};

void jbuf_add(struct jbuf *b, const void *s, size_t n);
void jbuf_addc(struct jbuf *b, char c);
void jbuf_adds(struct jbuf *b, const char *s);
void jbuf_printf(struct jbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void jbuf_free(struct jbuf *b);
/* A JSON string, quotes included; s NULL writes null. */
void jbuf_json_str(struct jbuf *b, const uint8_t *s, size_t n);
void jbuf_json_cstr(struct jbuf *b, const char *s);
/* Lowercase hex of n bytes. */
void jbuf_hex(struct jbuf *b, const uint8_t *s, size_t n);
/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
size_t att_utf8_seq_len(const uint8_t *s, size_t n);

#endif
