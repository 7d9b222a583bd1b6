/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the files of a session share: session.c (its life, its
 * transactions), input.c (the bytes: line framing, the client's input
 * modes, bodies, gaps), reply.c (replies: assembled, paired with the
 * commands waiting, kept on records) and command.c (the command table:
 * each verb's parsing and its effects). Nothing outside src/smtp/
 * includes this.
 *
 * Two views of one connection. The session state (enum smtp_state) is the
 * server's: it changes only when a reply grants a command, through
 * smtp_state_set(). The client input mode (enum client_mode) is how the
 * client's next bytes are read; with pipelining the client runs ahead of
 * the replies, so its mode follows what it sent (a BDAT chunk) and what
 * was granted (354 to DATA, 334 to AUTH, 220 to STARTTLS).
 */
#ifndef SMTPSCOPE_SMTP_INTERNAL_H
#define SMTPSCOPE_SMTP_INTERNAL_H

#include <string.h>

#include "lib/util.h"
#include "smtp/message.h"
#include "smtp/smtp.h"
#include "smtp/tls.h"

#define SMTP_ARG_KEEP 512         /* bytes kept of a pending argument */
#define SMTP_ARGS_MAX 65536       /* of all pending arguments */
#define SMTP_REFUSED_MAX 32       /* refused commands kept per transaction */
#define SMTP_RESULT_LINES_MAX 100 /* reply lines kept for a result */
#define SMTP_HOLD_GAPS 8          /* gaps remembered in held bytes */

/* A function for what ordinary traffic never does (anomalies, gaps,
 * replies nothing asked for): kept out of its callers, and the paths to
 * it out of their hot code, which then spans fewer cache lines. */
#define SMTP_COLD __attribute__((cold, noinline))

/* The server's view, changed only by smtp_state_set(). */
enum smtp_state {
	SMTP_STATE_CONNECTED, /* no greeting yet (or roles just swapped) */
	SMTP_STATE_GREETED,   /* greeting seen, no HELO granted */
	SMTP_STATE_READY,     /* HELO, EHLO or LHLO granted; no transaction */
	SMTP_STATE_MAIL,      /* MAIL granted: a transaction is open */
	SMTP_STATE_RCPT,      /* and a recipient granted */
	SMTP_STATE_DATA,      /* 354: the message flows */
	SMTP_STATE_BDAT,      /* a BDAT chunk granted, more to come */
	SMTP_STATE_AUTH,      /* 334: inside a SASL exchange */
	SMTP_STATE_TLS,       /* 220 to STARTTLS or port 465: opaque */
	SMTP_STATE_QUIT,      /* 221 to QUIT */
	SMTP_STATE_COUNT
};

/* How the client's next bytes are read. Changed only by
 * client_mode_set(). */
enum client_mode {
	CLIENT_COMMAND, /* command lines */
	CLIENT_HOLD,    /* DATA sent, its reply not yet seen: bytes held */
	CLIENT_BODY,    /* DATA granted (354): message until "." */
	CLIENT_BDAT,    /* inside a BDAT chunk: a byte count */
	CLIENT_AUTH,    /* AUTH got 334: the next line is a response */
	CLIENT_TLS,     /* after STARTTLS, or port 465: TLS records */
};

/* Where the DATA body scanner stands in the current line. */
enum body_state {
	BODY_BOL,    /* at the beginning of a line */
	BODY_MID,    /* inside a line */
	BODY_DOT,    /* a line began with "." */
	BODY_DOT_CR, /* ".\r" at the beginning of a line */
};

/* What the next SASL response line carries (only the user is kept). */
enum auth_expect {
	AUTH_EXPECT_OTHER,
	AUTH_EXPECT_USER,     /* LOGIN after "Username:" */
	AUTH_EXPECT_PASSWORD, /* LOGIN after "Password:": never kept */
	AUTH_EXPECT_PLAIN,    /* PLAIN: authzid NUL authcid NUL password */
};

struct tx {
	struct smtp_transaction pub;
	struct msg_parser *msg; /* the message's headers, DSN */
	bool confirmed;         /* granted, refused as an attempt, or assumed */
	bool attempt;           /* MAIL refused with no transaction open */
	int closed_by;          /* 421 or 521: the server left while it was
				   open */
	bool by_connection;     /* ended because the connection ended */
	bool data_granted;      /* 354 to DATA, or a BDAT chunk granted */
	struct tx *next;        /* ended, waiting to be emitted */
	bool data_room;         /* pub.data.text has room for any reply text */
	bool gap;               /* bytes of the session were lost in a gap
				   while it was open: what it shows may
				   lack a sender, a recipient, its data */
	bool msg_cut;           /* message bytes were lost: the headers
				   parsed are those before the gap */
	/* Everything above is cleared for a new transaction; what follows
	 * is kept when a transaction's memory is reused. */
	/* Its strings: sender, HELO, recipients' addresses, the texts of
	 * the replies it keeps, refused commands' arguments. Each is put
	 * there once, but the DATA reply's text, which is rewritten in
	 * place (see tx_reply_keep()): bounded by the caps on recipients
	 * and refused commands. */
	struct arena mem;
	/* pub.last_text: the last reply line within the transaction, kept
	 * here (it changes with every reply). */
	char last_buf[SMTP_REPLY_TEXT_MAX + 1];
};

/* A command sent and not yet answered, with what it would change. */
struct pending {
	enum smtp_verb verb;
	double ts;
	struct tx *tx;          /* MAIL family: the transaction it opens */
	struct smtp_rcpt *rcpt; /* RCPT: the recipient it adds */
	uint32_t arg_off;       /* its argument in the session's args */
	uint32_t arg_len;
	uint64_t bdat_size;
	bool bdat_last;
	bool bdat_bad;      /* invalid syntax: no chunk follows */
	bool reversed;      /* sent after TURN/ATRN */
	unsigned delivered; /* LMTP end of data: replies seen so far */
};

struct framer {
	uint8_t *buf; /* grown on demand, up to SMTP_LINE_MAX */
	size_t cap;
	size_t len;
	int overflow; /* the current line passed SMTP_LINE_MAX */
};

/* What a reply does to the command it answers. */
enum reply_verdict {
	REPLY_GRANTED, /* the effect applies */
	REPLY_REFUSED, /* nothing changes */
	REPLY_NONE,    /* no reply will come (the connection ended): the
			  effect is assumed, and said so */
};

struct smtp_session;

/* One row of the command table (command.c). */
struct smtp_command {
	const char *name;
	unsigned flags; /* CMD_* */
	/* The reply codes that grant it. */
	enum { GRANT_2XX, GRANT_354, GRANT_220, GRANT_AUTH } grant;
	/* As the client sends it: parse the argument, change the client's
	 * input mode. NULL: nothing to do. */
	void (*sent)(struct smtp_session *s, struct pending *p,
	    const uint8_t *arg, size_t len, double ts);
	/* Its reply (or its absence at the end): apply or not. */
	void (*answered)(struct smtp_session *s, struct pending *p,
	    enum reply_verdict v, double ts);
};

#define CMD_RESULT \
	0x01                /* always a command result (VRFY, EXPN...): \
			       every line of its reply is kept */
#define CMD_KEEP_LINES 0x02 /* keep every line of its reply too */
#define CMD_SECRET 0x04     /* argument never leaves (AUTH) */

const struct smtp_command *smtp_command_get(enum smtp_verb verb);

struct smtp_session {
	/* First, bus right after it: session_alloc() clears a reused
	 * session but the info's text arrays, in two pieces. */
	struct smtp_session_info info;
	const struct event_bus *bus;
	smtp_trace_fn trace;
	void *trace_arg;

	enum smtp_state state;
	enum client_mode mode;
	struct framer frame[2]; /* by TCP direction (enum smtp_dir) */
	struct dbuf hold;
	struct dbuf helo;
	struct dbuf args; /* arguments of the pending commands */

	struct pending *queue; /* a ring grown on demand, up to
				  SMTP_PIPELINE_MAX */
	size_t qcap;
	size_t qhead, qlen;

	struct tx *tx;      /* the server's: open, or a refused attempt */
	struct tx *cli_tx;  /* the client's: where its next BDAT goes */
	struct tx *body_tx; /* receiving message bytes now */
	struct tx *done_head, *done_tail; /* ended, emitted after the reply */
	unsigned next_depth;              /* of the next MAIL */

	/* The reply being assembled from its lines. */
	int rcode;       /* of the last line: the one a client acts on */
	int rcode_first; /* of the first line */
	int rmulti;
	unsigned rlines;
	/* Both in one block of 2 * SMTP_REPLY_TEXT_MAX, allocated with the
	 * first reply line, freed by smtp_session_trim between replies. */
	uint8_t *rtext; /* first line, after the code */
	size_t rtext_len;
	uint8_t *rlast; /* last line, after the code */
	size_t rlast_len;
	/* Where the last line's text is: rtext while the reply has one
	 * line (it is not copied twice), else rlast. */
	const uint8_t *rlast_at;
	char **rkeep; /* every line, for a command that keeps them */
	size_t nrkeep, rkeep_dropped;
	struct smtp_caps caps; /* from the EHLO reply in progress */
	bool caps_dirty;       /* caps hold something: cleared at the
				  next reply */
	/* The enhanced code of the reply now complete, found once: valid
	 * while info.replies is renh_serial. */
	uint64_t renh_serial;
	char renh[12];
	size_t renh_skip; /* bytes of rtext before the text */

	/* A command result to emit after the reply's event. */
	struct pending result;
	bool result_due;

	enum body_state body;
	uint64_t bdat_left;
	bool bdat_last;    /* the chunk being read is the last */
	bool release_hold; /* replay the held bytes after this reply */

	enum auth_expect auth_expect;
	bool auth_cancel;

	struct tls_scan *tls;
	bool tls_flagged; /* not_tls reported */

	bool greeted;
	bool quit_sent;
	bool closing;  /* the server said 421 or 521: it processes nothing
			  more, what waits gets no reply and has no effect */
	bool reversed; /* TURN/ATRN granted (an odd number of times): the
			  SMTP client is the TCP server */
	bool resync;   /* replies were lost in a gap: pair by plausibility */
	/* Picked up mid-stream (midstream.c): each direction in step from
	 * a line's start; the client's first line in step not yet told
	 * (command or message text). */
	bool synced[2];
	bool cli_probe;
	bool had_gap;
	bool body_gap; /* the message lost bytes in a gap: its end may be
			  among them */
	/* Gaps in the client's bytes held while DATA waited: where (bytes
	 * held before each) and how many, replayed with them. */
	unsigned hold_gaps;
	size_t hold_gap_at[SMTP_HOLD_GAPS];
	size_t hold_gap_n[SMTP_HOLD_GAPS];
	const uint64_t *drops; /* the capture's drop counter, or NULL */
	uint64_t drops_at_open;
	uint32_t anomaly_seen; /* bitmask: each kind emitted once */
	unsigned anomaly_count[SMTP_ANOMALY_COUNT];
};

/* session.c, for the handlers */
void smtp_state_set(
    struct smtp_session *s, enum smtp_state st, const char *why);
void client_mode_set(struct smtp_session *s, enum client_mode mode);
SMTP_COLD void anomaly(
    struct smtp_session *s, enum smtp_anomaly kind, double ts);
const uint8_t *pending_arg(
    const struct smtp_session *s, const struct pending *p, size_t *len);

struct tx *tx_new(struct smtp_session *s, enum smtp_verb verb,
    const uint8_t *arg, size_t len, double ts);
void tx_free(struct tx *t);
/* t (from a MAIL) becomes the server's transaction, or an attempt. */
void tx_confirm(struct smtp_session *s, struct tx *t, bool attempt, double ts);
/* The server's transaction is over: emitted after the reply's event. */
void tx_end(struct smtp_session *s, const char *why, double ts);
/* A command refused inside the server's transaction. */
void tx_refused(struct smtp_session *s, const struct pending *p,
    enum smtp_verb verb, double ts);
/* Emit a command result for p after the reply's event. */
void result_due(struct smtp_session *s, const struct pending *p);
/* reply.c, for the handlers */
/* The reply now complete, kept on a record. */
void reply_keep(struct smtp_session *s, struct smtp_reply *r, double latency);
void reply_free(struct smtp_reply *r);
/* The same, on a record of transaction t: its text in t's arena. */
void tx_reply_keep(
    struct smtp_session *s, struct tx *t, struct smtp_reply *r, double latency);
/* The queue id named in the positive final reply just completed. */
void tx_queue_id(struct smtp_session *s, struct tx *t);
/* command.c, for session.c */
bool smtp_command_grants(const struct smtp_command *c, int code);
bool smtp_reply_plausible(enum smtp_verb verb, int code);
void smtp_auth_response(
    struct smtp_session *s, const uint8_t *line, size_t len, double ts);
/* A RCPT's recipient while it waits for its reply: one block with its
 * address, freed by rcpt_free() or moved into a transaction by
 * rcpt_adopt(). */
struct smtp_rcpt *rcpt_parse(const uint8_t *arg, size_t len);
void rcpt_free(struct smtp_rcpt *r);
void rcpt_adopt(struct tx *t, struct smtp_rcpt *r);

/* session.c, for reply.c; result_emit() and tx_flush() below */
void rkeep_free(struct smtp_session *s);
void result_emit_due(struct smtp_session *s, bool replied, double ts);
void tx_flush_ended(struct smtp_session *s);
/* reply.c, for input.c and session.c: the pairing queue, a server line */
void pending_arg_keep(struct smtp_session *s, struct pending *p,
    const uint8_t *arg, size_t len, size_t cap);
void queue_command(struct smtp_session *s, struct pending *p, double ts);
void pending_pop(struct smtp_session *s, struct pending *out);
void pending_release_owned(struct smtp_session *s, struct pending *p);
void reply_complete(struct smtp_session *s, double ts);
void server_line(
    struct smtp_session *s, const uint8_t *line, size_t len, double ts);
/* reply.c, for midstream.c */
void tx_last_reply(struct smtp_session *s, struct tx *t);
/* midstream.c: sessions picked up mid-stream, one-sided sessions */
bool midstream_command_like(const uint8_t *p, size_t n);
size_t midstream_sync(
    struct smtp_session *s, enum smtp_dir dir, const uint8_t *data, size_t len);
struct tx *partial_tx(struct smtp_session *s, double ts);
void midstream_in_message(struct smtp_session *s, double ts);
bool midstream_reply(struct smtp_session *s, struct smtp_event *ev, double ts);
void server_missing_answer(struct smtp_session *s, double ts);
/* input.c, for session.c and reply.c: bytes, gaps, held bytes */
void feed(struct smtp_session *s, enum smtp_dir dir, const uint8_t *data,
    size_t len, double ts);
void gap_apply(struct smtp_session *s, enum smtp_dir dir, size_t n, double ts);
void hold_replay(struct smtp_session *s, double ts);
void end_of_data(struct smtp_session *s, double ts);
SMTP_COLD void message_lost(struct smtp_session *s, size_t n, double ts);

/* The i-th command waiting. The ring's size is a power of two (doubled
 * from 8 up to SMTP_PIPELINE_MAX, itself one): a mask finds the slot, not
 * a division for every command sent and every reply. */
static inline struct pending *
queue_at(const struct smtp_session *s, size_t i)
{
	return &s->queue[(s->qhead + i) & (s->qcap - 1)];
}

/* After every reply, and most have nothing of these to do: the tests
 * here, the work out of line. */

/* An event of s to every sink that takes its type. Inline: a session
 * makes some dozens, and the bus's loop is a few instructions. */
static inline void
emit(struct smtp_session *s, struct smtp_event *ev)
{
	ev->session = &s->info;
	if (s->bus != NULL)
		event_bus_emit(s->bus, ev);
}

/* The command result due, with the reply now complete (or none). */
static inline void
result_emit(struct smtp_session *s, bool replied, double ts)
{
	if (s->result_due)
		result_emit_due(s, replied, ts);
}

/* Emit, in order, the transactions that ended. */
static inline void
tx_flush(struct smtp_session *s)
{
	if (s->done_head != NULL)
		tx_flush_ended(s);
}

/* What a command owned and nobody adopted. */
static inline void
pending_release(struct smtp_session *s, struct pending *p)
{
	if (p->tx != NULL || p->rcpt != NULL)
		pending_release_owned(s, p);
}

static inline void
copy_cstr(char *dst, size_t size, const uint8_t *src, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

#endif
