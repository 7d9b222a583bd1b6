/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SMTP dissector: a pure state machine. Bytes of each direction and
 * their timestamps go in, events (event.h) come out. It includes no
 * pcap, libnids or curses header and can be fed by a test or a fuzzer.
 */
#ifndef SMTPSCOPE_SMTP_H
#define SMTPSCOPE_SMTP_H

#include <stddef.h>
#include <stdint.h>

#include "event/dissector.h"
#include "event/event.h"

/* Named limits; each is counted (an anomaly) when hit. */
#define SMTP_LINE_MAX 4096    /* bytes kept of one line, each direction */
#define SMTP_RCPT_MAX 1000    /* recipients kept per transaction */
#define SMTP_PIPELINE_MAX 256 /* commands waiting for their reply */
#define SMTP_HOLD_MAX 65536   /* client bytes held while DATA waits */
/* SMTP_ADDR_MAX and SMTP_REPLY_TEXT_MAX, the caps of the model's text
 * that the sinks size their buffers by, are in event/model.h. */

/* The sessions the network layer opens and feeds (smtp_session_open(),
 * smtp_session_data()...) are declared in event/dissector.h, which the
 * network layer includes instead of this header; session.c defines
 * them. */

/* Free the memory kept for reuse (transactions, sessions, message
 * parsers) and the cached iconv descriptors: at exit. */
void smtp_release_spares(void);

/* Command table lookup (smtp/command.c). */
enum smtp_verb smtp_verb_lookup(const uint8_t *word, size_t len);
/* The name of a state of enum smtp_state (internal.h), for traces. */
const char *smtp_state_name(unsigned state);

/*
 * Parse the path of "MAIL FROM:<path> params" or "RCPT TO:<path>"
 * starting after the verb. Writes the address (brackets and source route
 * removed) into out (NUL-terminated, cut to size). Returns 0 on success,
 * -1 when the keyword ("FROM:"/"TO:") is missing.
 */
int smtp_parse_path(const uint8_t *arg, size_t len, const char *keyword,
    char *out, size_t size, size_t *rest);

#define SMTP_PARAM_MAX 256 /* bytes kept of an ESMTP parameter value */

/* ESMTP parameters after the path (RFC 5321 4.1.2, 1870, 6152, 3461,
 * 4954, 6531, 8689). */
void smtp_parse_mail_params(
    const uint8_t *s, size_t len, struct smtp_mail_params *p);
void smtp_parse_rcpt_params(const uint8_t *s, size_t len, struct smtp_rcpt *r);

/*
 * An RFC 3463 code at the start of a reply's text, of the reply's class:
 * copied into out (NUL-terminated); returns the bytes to skip (code and
 * spaces), 0 when there is none.
 */
size_t smtp_enhanced_code(
    const uint8_t *text, size_t len, int code, char *out, size_t size);

/* What an EHLO (or LHLO) reply offers. */
struct smtp_caps {
	unsigned caps;       /* enum smtp_cap bits */
	uint64_t size_limit; /* SIZE value, 0 none */
	char auth_mechs[128];
};

/* One line of an EHLO reply after the first: a capability keyword. */
void smtp_parse_capability(
    const uint8_t *text, size_t len, struct smtp_caps *c);

/*
 * Parse a reply line. Returns 1 and sets code and *more (a '-' line) on a
 * well-formed line, 0 otherwise. Inline: it runs for every reply line,
 * and its results then stay out of memory.
 */
static inline int
smtp_reply_line_parse(const uint8_t *line, size_t len, int *code, int *more)
{
	if (len < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' ||
	    line[1] > '9' || line[2] < '0' || line[2] > '9')
		return 0;
	if (len > 3 && line[3] != ' ' && line[3] != '-')
		return 0;
	*code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	*more = len > 3 && line[3] == '-';
	return 1;
}

#endif
