/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Zeek's own ways of taking SMTP text apart, for the Zeek log: what
 * Zeek would write, quirks included (zeekcompat.c).
 */
#ifndef SMTPSCOPE_ZEEKCOMPAT_H
#define SMTPSCOPE_ZEEKCOMPAT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/util.h"

/* A value as LogAscii writes it (UTF-8 kept, the rest \xHH; in a set
 * the commas too). */
void zeek_escape(struct dbuf *b, const char *s, size_t n, bool in_set);
/* find_all() with Zeek's email regex: fn for each address in s. */
void zeek_emails(
    const char *s, void (*fn)(void *arg, const char *addr), void *arg);
/* extract_first_email_addr(): the first address in s, "" if none. */
void zeek_first_email(const char *s, char *out, size_t size);
/* extract_ip_addresses(s, check_wrapping): calls fn for each. */
void zeek_ip_addresses(const char *s, bool check_wrapping,
    void (*fn)(void *arg, const char *ip), void *arg);
/* split_mime_email_addresses(): /(\"[^"]*\")?[^,]+/, each stripped,
 * to fn. */
void zeek_split_mime_addresses(
    const char *s, void (*fn)(void *arg, const char *addr), void *arg);

#endif
