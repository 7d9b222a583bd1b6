/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command table: for each verb its name (written once), the replies
 * that grant it, what sending it changes on the client's side, and what
 * its reply changes. The server's word decides: an effect applies when a
 * reply grants it and is dropped when the server refuses it; a command
 * whose reply never comes (the connection ended) has its effect assumed,
 * and the record says so. Adding a verb is one row and its handlers.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "smtp/internal.h"

/* --- helpers ----------------------------------------------------------- */

static bool
in_transaction(const struct smtp_session *s)
{
	return s->tx != NULL && !s->tx->attempt;
}

/* Where the session stands once no transaction is open. */
static enum smtp_state
state_idle(const struct smtp_session *s)
{
	return s->info.helo[0] != '\0' ? SMTP_STATE_READY : SMTP_STATE_GREETED;
}

/* A refused command: on the transaction it happened in, else a result
 * (a refused MAIL's record keeps only the envelope tried after it). */
static void
refused_here(struct smtp_session *s, const struct pending *p, double ts)
{
	if (in_transaction(s))
		tx_refused(s, p, p->verb, ts);
	else
		result_due(s, p);
}

/* The reply's verdict applies to every command alike: refused ones go on
 * the record, granted ones change nothing. */
static void
plain_answered(
    struct smtp_session *s, struct pending *p, enum reply_verdict v, double ts)
{
	if (v == REPLY_REFUSED)
		refused_here(s, p, ts);
}

/* --- HELO, EHLO, LHLO -------------------------------------------------- */

static void
helo_answered(
    struct smtp_session *s, struct pending *p, enum reply_verdict v, double ts)
{
	const uint8_t *arg;
	size_t n;

	if (v == REPLY_REFUSED) {
		/* "501 Syntax: EHLO hostname": the session and the
		 * transaction go on as they were. */
		refused_here(s, p, ts);
		return;
	}
	/* RFC 5321 4.1.4: a granted EHLO resets like RSET. */
	if (s->tx != NULL)
		tx_end(s,
		    p->verb == SMTP_VERB_HELO       ? "helo"
			: p->verb == SMTP_VERB_EHLO ? "ehlo"
						    : "lhlo",
		    ts);
	arg = pending_arg(s, p, &n);
	/* The whole argument, as Zeek keeps it; trailing blanks cut. */
	while (n > 0 && ascii_isspace(arg[n - 1]))
		n--;
	dbuf_reset(&s->helo);
	dbuf_add(&s->helo, arg, n);
	s->info.helo = dbuf_str(&s->helo);
	s->info.ehlo = p->verb != SMTP_VERB_HELO;
	s->info.lmtp = p->verb == SMTP_VERB_LHLO;
	if (p->verb != SMTP_VERB_HELO) {
		/* A new EHLO reply says it all again; without a reply
		 * nothing is known of it. */
		if (v == REPLY_GRANTED) {
			s->info.caps = s->caps.caps;
			s->info.size_limit = s->caps.size_limit;
			memcpy(s->info.auth_mechs, s->caps.auth_mechs,
			    sizeof(s->info.auth_mechs));
		} else {
			s->info.caps = 0;
			s->info.size_limit = 0;
			s->info.auth_mechs[0] = '\0';
		}
	}
	if (s->info.lmtp && s->info.server.port == 25 && !s->reversed)
		anomaly(s, SMTP_ANOMALY_LMTP_ON_PORT_25, ts);
	if (s->state != SMTP_STATE_TLS)
		smtp_state_set(s, SMTP_STATE_READY,
		    v == REPLY_GRANTED ? "HELO granted" : "HELO assumed");
}

/* --- MAIL, SEND, SOML, SAML -------------------------------------------- */

static void
mail_sent(struct smtp_session *s, struct pending *p, const uint8_t *arg,
    size_t len, double ts)
{
	p->tx = tx_new(s, p->verb, arg, len, ts);
	s->cli_tx = p->tx;
}

/* A tentative transaction that will never be: later MAIL commands
 * waiting for their replies take its depth. */
static void
mail_discard(struct smtp_session *s, struct pending *p)
{
	size_t i;

	s->next_depth--;
	for (i = 0; i < s->qlen; i++) {
		struct pending *q = queue_at(s, i);

		if (q->tx != NULL)
			q->tx->pub.depth--;
	}
	if (s->cli_tx == p->tx)
		s->cli_tx = s->tx;
	if (s->body_tx == p->tx)
		s->body_tx = s->tx;
}

static void
mail_answered(
    struct smtp_session *s, struct pending *p, enum reply_verdict v, double ts)
{
	struct tx *t = p->tx;

	if (t == NULL)
		return;
	if (v == REPLY_REFUSED && in_transaction(s)) {
		/* "503 5.5.1 Error: nested MAIL command": the open
		 * transaction keeps its sender. */
		tx_refused(s, p, p->verb, ts);
		mail_discard(s, p);
		return;
	}
	if (v != REPLY_NONE)
		tx_reply_keep(s, t, &t->pub.mail, ts - p->ts);
	/* A MAIL granted while a transaction was open ends it. */
	if (s->tx != NULL)
		tx_end(s, "mail", ts);
	tx_confirm(s, t, v == REPLY_REFUSED, ts);
	if (v == REPLY_NONE)
		t->pub.assumed = true;
	p->tx = NULL; /* the session owns it now */
}

/* --- RCPT -------------------------------------------------------------- */

static void
rcpt_sent(struct smtp_session *s, struct pending *p, const uint8_t *arg,
    size_t len, double ts)
{
	p->rcpt = rcpt_parse(arg, len);
}

static void
rcpt_answered(
    struct smtp_session *s, struct pending *p, enum reply_verdict v, double ts)
{
	struct smtp_transaction *t;
	size_t cap;

	if (s->tx == NULL && s->info.midstream && v != REPLY_REFUSED &&
	    s->next_depth == 0)
		partial_tx(s, ts); /* its MAIL before the pickup */
	if (s->tx == NULL) {
		/* "503 5.5.1 Error: need MAIL command" */
		result_due(s, p);
		return;
	}
	t = &s->tx->pub;
	t->rcpt_total++;
	if (v == REPLY_GRANTED) {
		t->rcpt_accepted++;
		if (!s->tx->attempt)
			smtp_state_set(s, SMTP_STATE_RCPT, "RCPT granted");
	} else if (v == REPLY_NONE)
		t->assumed = true;
	if (t->nrcpt >= SMTP_RCPT_MAX) {
		anomaly(s, SMTP_ANOMALY_TOO_MANY_RECIPIENTS, ts);
		return;
	}
	if (v != REPLY_NONE)
		tx_reply_keep(s, s->tx, &p->rcpt->reply, ts - p->ts);
	/* Room for 4, then doubled when full. */
	if (t->nrcpt == 0 ||
	    (t->nrcpt >= 4 && (t->nrcpt & (t->nrcpt - 1)) == 0)) {
		struct smtp_rcpt *grown;

		/* In the transaction's arena: freed with it, the smaller
		 * arrays left behind cost at most as much again. */
		cap = t->nrcpt ? t->nrcpt * 2 : 4;
		grown = arena_alloc_aligned(&s->tx->mem, cap * sizeof(*t->rcpt),
		    _Alignof(struct smtp_rcpt));
		if (t->nrcpt > 0)
			memcpy(grown, t->rcpt, t->nrcpt * sizeof(*t->rcpt));
		t->rcpt = grown;
	}
	rcpt_adopt(s->tx, p->rcpt);
	p->rcpt = NULL;
}

/* --- DATA and its end -------------------------------------------------- */

static void
data_sent(struct smtp_session *s, struct pending *p, const uint8_t *arg,
    size_t len, double ts)
{
	client_mode_set(s, CLIENT_HOLD);
}

/* The server has a transaction our view lacks (its MAIL was lost, or a
 * refused MAIL's reply was misread): take it as the server says. */
static struct tx *
tx_for_data(struct smtp_session *s, const struct pending *p, double ts)
{
	struct tx *t = s->tx;

	if (t == NULL && s->info.midstream)
		return partial_tx(s, ts); /* its MAIL before the pickup */
	if (t == NULL) {
		t = tx_new(s, SMTP_VERB_MAIL, NULL, 0, p->ts);
		tx_confirm(s, t, false, ts);
		t->pub.assumed = true;
		t->pub.sender_unknown = true; /* not "<>": not seen */
		t->gap = s->had_gap;          /* its MAIL in a gap, likely */
	} else if (t->attempt) {
		t->attempt = false;
		t->pub.assumed = true;
	}
	return t;
}

static void
data_answered(
    struct smtp_session *s, struct pending *p, enum reply_verdict v, double ts)
{
	struct tx *t = s->tx;

	if (v == REPLY_NONE && s->info.missing == SMTP_MISSING_SERVER &&
	    s->mode == CLIENT_HOLD) {
		/* No reply will be seen: the client's next bytes say what
		 * it does, its message or commands again (midstream.c). */
		if (t != NULL) {
			t->pub.data_seen = true;
			t->pub.assumed = true;
		}
		client_mode_set(s, CLIENT_COMMAND);
		s->cli_probe = true;
		s->release_hold = true;
		return;
	}
	if (v == REPLY_GRANTED) {
		t = tx_for_data(s, p, ts);
		tx_reply_keep(s, t, &t->pub.data, ts - p->ts);
		t->pub.data_seen = true;
		t->data_granted = true;
		smtp_state_set(s, SMTP_STATE_DATA, "354 to DATA");
		if (s->mode == CLIENT_HOLD) {
			s->body_tx = t;
			client_mode_set(s, CLIENT_BODY);
			s->release_hold = true;
		}
		return;
	}
	if (t != NULL) {
		t->pub.data_seen = true;
		if (v == REPLY_REFUSED) {
			/* The transaction stays open: Exim's "503 valid
			 * RCPT command must precede DATA". */
			tx_reply_keep(s, t, &t->pub.data, ts - p->ts);
			if (!t->attempt)
				tx_refused(s, p, p->verb, ts);
		}
	} else if (v == REPLY_REFUSED)
		result_due(s, p);
	/* What the client sent after DATA is commands again. */
	if (s->mode == CLIENT_HOLD) {
		client_mode_set(s, CLIENT_COMMAND);
		s->release_hold = true;
	}
}

static void
eod_answered(
    struct smtp_session *s, struct pending *p, enum reply_verdict v, double ts)
{
	struct tx *t = s->tx;

	if (t != NULL && v == REPLY_NONE &&
	    s->info.missing == SMTP_MISSING_SERVER) {
		tx_end(s, "end_of_data", ts); /* its reply not captured */
		return;
	}
	if (v == REPLY_NONE || t == NULL)
		return; /* lost, at the connection's end */
	tx_reply_keep(s, t, &t->pub.final, ts - p->ts);
	if (v == REPLY_GRANTED)
		tx_queue_id(s, t);
	tx_end(s, "end_of_data", ts);
}

/* --- BDAT -------------------------------------------------------------- */

/*
 * "BDAT" SP chunk-size [SP "LAST"] (RFC 3030), blanks as servers split
 * words. Anything else is refused by the server before any chunk: what
 * follows is commands (Postfix: "501 5.5.4 Syntax: BDAT count [LAST]").
 */
static bool
bdat_parse(const uint8_t *a, size_t len, uint64_t *size, bool *last)
{
	size_t i = 0;
	uint64_t n = 0;

	if (len == 0 || !ascii_isdigit(a[0]))
		return false;
	while (i < len && ascii_isdigit(a[i])) {
		uint64_t d = (uint64_t)(a[i] - '0');

		if (n > (UINT64_MAX - d) / 10)
			return false; /* over 64 bits */
		n = n * 10 + d;
		i++;
	}
	*size = n;
	*last = false;
	while (i < len && ascii_isspace(a[i]))
		i++;
	if (i < len) {
		if (len - i < 4 || !ascii_prefix_ci(a + i, 4, "LAST") ||
		    (len - i > 4 && !ascii_isspace(a[i + 4])))
			return false;
		*last = true;
		i += 4;
		while (i < len && ascii_isspace(a[i]))
			i++;
	}
	return i == len;
}

static void
bdat_sent(struct smtp_session *s, struct pending *p, const uint8_t *arg,
    size_t len, double ts)
{
	struct tx *t = s->cli_tx;

	if (!bdat_parse(arg, len, &p->bdat_size, &p->bdat_last)) {
		anomaly(s, SMTP_ANOMALY_BAD_BDAT, ts);
		p->bdat_bad = true;
		return;
	}
	/* The chunk follows at once, before any reply: it goes to the
	 * transaction the client is building. */
	s->body_tx = t;
	if (t != NULL) {
		t->pub.data_seen = true;
		t->pub.bdat = true;
		t->pub.bdat_chunks++;
	}
	s->bdat_last = p->bdat_last;
	s->bdat_left = p->bdat_size;
	if (p->bdat_size > 0)
		client_mode_set(s, CLIENT_BDAT);
	else if (p->bdat_last) {
		if (t != NULL)
			t->pub.data_complete = true;
		s->body_tx = NULL;
		s->cli_tx = NULL;
	}
}

static void
bdat_answered(
    struct smtp_session *s, struct pending *p, enum reply_verdict v, double ts)
{
	struct tx *t = s->tx;

	if (p->bdat_bad) {
		/* No chunk was read; the server kept its state. */
		if (v == REPLY_GRANTED)
			result_due(s, p);
		else if (v == REPLY_REFUSED)
			refused_here(s, p, ts);
		return;
	}
	if (v == REPLY_NONE)
		return;
	if (t == NULL && v == REPLY_GRANTED) {
		/* A chunk taken for a transaction our view lacks (its MAIL
		 * lost in a gap or sent before a pickup; without one the
		 * server answers 503): as the server says, with this chunk's
		 * bytes, read while nothing owned them. */
		struct tx *reading = s->body_tx;

		t = tx_for_data(s, p, ts);
		t->pub.data_seen = true;
		t->pub.bdat = true;
		t->pub.bdat_chunks++;
		/* The chunk's bytes, counted but not parsed (the message's
		 * start may be in the gap). */
		s->body_tx = t;
		message_lost(s, (size_t)p->bdat_size, ts);
		s->body_tx = reading;
		if (!p->bdat_last && s->cli_tx == NULL)
			s->cli_tx = t; /* the client's next chunks */
	}
	if (t == NULL) {
		/* A chunk refused with no transaction: read and thrown
		 * away. */
		result_due(s, p);
		return;
	}
	if (v == REPLY_GRANTED && !p->bdat_last) {
		t->data_granted = true;
		smtp_state_set(s, SMTP_STATE_BDAT, "BDAT chunk granted");
		return;
	}
	if (v == REPLY_GRANTED)
		t->data_granted = true;
	/* The last chunk's reply, or a refused chunk: RFC 3030 2, the
	 * transaction has failed. */
	tx_reply_keep(s, t, &t->pub.final, ts - p->ts);
	if (p->bdat_last && v == REPLY_GRANTED)
		tx_queue_id(s, t);
	tx_end(s,
	    p->bdat_last && v == REPLY_GRANTED ? "bdat_last" : "bdat_refused",
	    ts);
}

/* --- RSET, QUIT -------------------------------------------------------- */

static void
rset_answered(
    struct smtp_session *s, struct pending *p, enum reply_verdict v, double ts)
{
	if (v == REPLY_REFUSED) {
		refused_here(s, p, ts);
		return;
	}
	if (s->tx != NULL)
		tx_end(s, "rset", ts);
	if (s->state != SMTP_STATE_TLS)
		smtp_state_set(s, state_idle(s), "RSET granted");
}

static void
quit_sent(struct smtp_session *s, struct pending *p, const uint8_t *arg,
    size_t len, double ts)
{
	s->quit_sent = true;
}

static void
quit_answered(
    struct smtp_session *s, struct pending *p, enum reply_verdict v, double ts)
{
	if (v == REPLY_REFUSED) {
		refused_here(s, p, ts);
		return;
	}
	if (s->tx != NULL)
		tx_end(s, "quit", ts);
	smtp_state_set(s, SMTP_STATE_QUIT, "QUIT granted");
}

/* --- STARTTLS ---------------------------------------------------------- */

static void
starttls_sent(struct smtp_session *s, struct pending *p, const uint8_t *arg,
    size_t len, double ts)
{
	s->info.starttls = true;
}

static void
starttls_answered(
    struct smtp_session *s, struct pending *p, enum reply_verdict v, double ts)
{
	if (v == REPLY_REFUSED)
		refused_here(s, p, ts);
	if (v == REPLY_NONE && s->info.missing == SMTP_MISSING_SERVER) {
		/* Its reply not captured: TLS if the client's next bytes
		 * are (midstream.c looks at them). */
		s->synced[s->reversed ? SMTP_DIR_SERVER : SMTP_DIR_CLIENT] =
		    false;
		if (s->tx != NULL)
			tx_end(s, "starttls", ts);
		return;
	}
	if (v != REPLY_GRANTED)
		return;
	/* RFC 3207 4.2: both sides forget what came before. */
	if (s->tx != NULL)
		tx_end(s, "starttls", ts);
	client_mode_set(s, CLIENT_TLS);
	smtp_state_set(s, SMTP_STATE_TLS, "220 to STARTTLS");
}

/* --- AUTH -------------------------------------------------------------- */

static void
sasl_user(struct smtp_session *s, const uint8_t *b64, size_t len, int plain)
{
	uint8_t buf[512];
	long n;
	size_t i, start = 0;

	n = base64_decode(b64, len, buf, sizeof(buf));
	if (n <= 0)
		return;
	if (plain) {
		/* authzid NUL authcid NUL password: keep authcid only. */
		for (i = 0; i < (size_t)n && buf[i] != '\0'; i++)
			;
		if (i >= (size_t)n)
			return;
		start = ++i;
		while (i < (size_t)n && buf[i] != '\0')
			i++;
		n = (long)i; /* the password after it is never copied */
	}
	i = (size_t)n - start;
	if (i >= sizeof(s->info.auth_user))
		i = sizeof(s->info.auth_user) - 1;
	memcpy(s->info.auth_user, buf + start, i);
	s->info.auth_user[i] = '\0';
	memset(buf, 0, sizeof(buf));
}

/* PLAIN and LOGIN carry the password itself: in clear text outside TLS. */
static void
auth_secret_sent(struct smtp_session *s, double ts)
{
	if (s->info.tls ||
	    (strcmp(s->info.auth_mech, "PLAIN") != 0 &&
		strcmp(s->info.auth_mech, "LOGIN") != 0))
		return;
	s->info.auth_cleartext = true;
	anomaly(s, SMTP_ANOMALY_CLEARTEXT_AUTH, ts);
}

static void
auth_sent(struct smtp_session *s, struct pending *p, const uint8_t *arg,
    size_t alen, double ts)
{
	size_t m = 0, r;

	while (m < alen && arg[m] != ' ')
		m++;
	r = m < sizeof(s->info.auth_mech) ? m : sizeof(s->info.auth_mech) - 1;
	memcpy(s->info.auth_mech, arg, r);
	s->info.auth_mech[r] = '\0';
	for (r = 0; s->info.auth_mech[r] != '\0'; r++)
		s->info.auth_mech[r] =
		    (char)ascii_toupper((unsigned char)s->info.auth_mech[r]);
	s->info.auth_attempts++;
	s->info.auth_result = SMTP_AUTH_PENDING;
	s->info.auth_user[0] = '\0';
	s->auth_cancel = false;
	r = m;
	while (r < alen && arg[r] == ' ')
		r++;
	/* An initial response (RFC 4954): "=" is an empty one. */
	if (r < alen && !(alen - r == 1 && arg[r] == '=')) {
		if (strcmp(s->info.auth_mech, "PLAIN") == 0)
			sasl_user(s, arg + r, alen - r, 1);
		else if (strcmp(s->info.auth_mech, "LOGIN") == 0)
			sasl_user(s, arg + r, alen - r, 0);
		auth_secret_sent(s, ts);
	}
}

/* A SASL response line: never a command, never logged. */
void
smtp_auth_response(
    struct smtp_session *s, const uint8_t *line, size_t len, double ts)
{
	if (len == 1 && line[0] == '*')
		s->auth_cancel = true;
	else {
		if (s->auth_expect == AUTH_EXPECT_USER)
			sasl_user(s, line, len, 0);
		else if (s->auth_expect == AUTH_EXPECT_PLAIN)
			sasl_user(s, line, len, 1);
		auth_secret_sent(s, ts);
	}
	s->auth_expect = AUTH_EXPECT_OTHER;
}

/* What a 334 challenge asks for (LOGIN sends "Username:"/"Password:"). */
static enum auth_expect
auth_challenge(struct smtp_session *s)
{
	uint8_t buf[64];
	long n;

	if (strcmp(s->info.auth_mech, "PLAIN") == 0)
		return AUTH_EXPECT_PLAIN;
	if (strcmp(s->info.auth_mech, "LOGIN") != 0)
		return AUTH_EXPECT_OTHER;
	n = base64_decode(s->rtext, s->rtext_len, buf, sizeof(buf));
	if (n >= 4 && ascii_prefix_ci(buf, (size_t)n, "USER"))
		return AUTH_EXPECT_USER;
	if (n >= 4 && ascii_prefix_ci(buf, (size_t)n, "PASS"))
		return AUTH_EXPECT_PASSWORD;
	/* Unusual prompts: first the user, then the password. */
	return s->info.auth_user[0] == '\0' ? AUTH_EXPECT_USER
					    : AUTH_EXPECT_PASSWORD;
}

static void
auth_answered(
    struct smtp_session *s, struct pending *p, enum reply_verdict v, double ts)
{
	int code = s->rcode;

	if (v == REPLY_NONE)
		return;
	s->info.auth_code = code;
	if (v == REPLY_GRANTED && code == 334) {
		s->auth_expect = auth_challenge(s);
		client_mode_set(s, CLIENT_AUTH);
		if (s->state != SMTP_STATE_TLS)
			smtp_state_set(s, SMTP_STATE_AUTH, "334 to AUTH");
		return;
	}
	client_mode_set(s, CLIENT_COMMAND);
	if (s->state == SMTP_STATE_AUTH)
		smtp_state_set(s, state_idle(s), "AUTH over");
	if (v == REPLY_GRANTED) {
		s->info.auth_result = SMTP_AUTH_SUCCESS;
		return;
	}
	if (s->auth_cancel)
		s->info.auth_result = SMTP_AUTH_CANCELLED;
	else {
		s->info.auth_result = SMTP_AUTH_FAILURE;
		s->info.auth_failures++;
	}
	/* "503 5.5.1 Error: MAIL transaction in progress" */
	if (p->verb == SMTP_VERB_AUTH && in_transaction(s))
		tx_refused(s, p, p->verb, ts);
}

/* --- TURN, ATRN: the roles swap ---------------------------------------- */

static void
turn_answered(
    struct smtp_session *s, struct pending *p, enum reply_verdict v, double ts)
{
	if (v == REPLY_NONE)
		return;
	if (v == REPLY_REFUSED && in_transaction(s)) {
		tx_refused(s, p, p->verb, ts);
		return;
	}
	result_due(s, p);
	if (v != REPLY_GRANTED)
		return;
	/* RFC 821 4.1.1, RFC 2645 4: the side that sent TURN is now the
	 * server, in the initial state of a new connection: it greets. */
	if (s->tx != NULL)
		tx_end(s, p->verb == SMTP_VERB_TURN ? "turn" : "atrn", ts);
	s->reversed = !s->reversed;
	s->info.reversed = true;
	s->info.turn_verb = p->verb;
	s->greeted = false;
	dbuf_reset(&s->helo);
	s->info.helo = dbuf_str(&s->helo);
	s->info.ehlo = false;
	s->info.lmtp = false;
	client_mode_set(s, CLIENT_COMMAND);
	smtp_state_set(s, SMTP_STATE_CONNECTED,
	    p->verb == SMTP_VERB_TURN ? "TURN granted" : "ATRN granted");
}

/* --- XCLIENT (Postfix): the session starts again ----------------------- */

static void
xclient_answered(
    struct smtp_session *s, struct pending *p, enum reply_verdict v, double ts)
{
	if (v == REPLY_REFUSED)
		refused_here(s, p, ts);
	if (v != REPLY_GRANTED)
		return;
	if (s->tx != NULL)
		tx_end(s, "xclient", ts);
	dbuf_reset(&s->helo);
	s->info.helo = dbuf_str(&s->helo);
	smtp_state_set(s, SMTP_STATE_GREETED, "XCLIENT granted");
}

/* Commands kept as results: their reply is the point. */
static void
result_answered(
    struct smtp_session *s, struct pending *p, enum reply_verdict v, double ts)
{
	result_due(s, p);
}

/* A verb not in the table: a result, or refused within a transaction. */
static void
unknown_answered(
    struct smtp_session *s, struct pending *p, enum reply_verdict v, double ts)
{
	if (v == REPLY_REFUSED && in_transaction(s))
		tx_refused(s, p, p->verb, ts);
	else
		result_due(s, p);
}

/* --- the table --------------------------------------------------------- */

#define CMD_PSEUDO 0x100 /* not a verb a client sends */

static const struct smtp_command commands[SMTP_VERB_COUNT] = {
	[SMTP_VERB_UNKNOWN] = { "UNKNOWN", CMD_PSEUDO | CMD_KEEP_LINES,
	    GRANT_2XX, NULL, unknown_answered },
	[SMTP_VERB_HELO] = { "HELO", 0, GRANT_2XX, NULL, helo_answered },
	[SMTP_VERB_EHLO] = { "EHLO", 0, GRANT_2XX, NULL, helo_answered },
	[SMTP_VERB_LHLO] = { "LHLO", 0, GRANT_2XX, NULL, helo_answered },
	[SMTP_VERB_MAIL] = { "MAIL", 0, GRANT_2XX, mail_sent, mail_answered },
	[SMTP_VERB_SEND] = { "SEND", 0, GRANT_2XX, mail_sent, mail_answered },
	[SMTP_VERB_SOML] = { "SOML", 0, GRANT_2XX, mail_sent, mail_answered },
	[SMTP_VERB_SAML] = { "SAML", 0, GRANT_2XX, mail_sent, mail_answered },
	[SMTP_VERB_RCPT] = { "RCPT", 0, GRANT_2XX, rcpt_sent, rcpt_answered },
	[SMTP_VERB_DATA] = { "DATA", 0, GRANT_354, data_sent, data_answered },
	[SMTP_VERB_BDAT] = { "BDAT", 0, GRANT_2XX, bdat_sent, bdat_answered },
	[SMTP_VERB_RSET] = { "RSET", 0, GRANT_2XX, NULL, rset_answered },
	[SMTP_VERB_VRFY] = { "VRFY", CMD_RESULT, GRANT_2XX, NULL,
	    result_answered },
	[SMTP_VERB_EXPN] = { "EXPN", CMD_RESULT, GRANT_2XX, NULL,
	    result_answered },
	[SMTP_VERB_HELP] = { "HELP", CMD_RESULT, GRANT_2XX, NULL,
	    result_answered },
	[SMTP_VERB_NOOP] = { "NOOP", CMD_RESULT, GRANT_2XX, NULL,
	    result_answered },
	[SMTP_VERB_QUIT] = { "QUIT", 0, GRANT_2XX, quit_sent, quit_answered },
	[SMTP_VERB_STARTTLS] = { "STARTTLS", 0, GRANT_220, starttls_sent,
	    starttls_answered },
	[SMTP_VERB_AUTH] = { "AUTH", CMD_SECRET, GRANT_AUTH, auth_sent,
	    auth_answered },
	[SMTP_VERB_ETRN] = { "ETRN", CMD_RESULT, GRANT_2XX, NULL,
	    result_answered },
	[SMTP_VERB_ATRN] = { "ATRN", CMD_RESULT, GRANT_2XX, NULL,
	    turn_answered },
	[SMTP_VERB_TURN] = { "TURN", CMD_RESULT, GRANT_2XX, NULL,
	    turn_answered },
	[SMTP_VERB_XCLIENT] = { "XCLIENT", 0, GRANT_2XX, NULL,
	    xclient_answered },
	[SMTP_VERB_XFORWARD] = { "XFORWARD", 0, GRANT_2XX, NULL,
	    plain_answered },
	[SMTP_VERB_GREETING] = { "GREETING", CMD_PSEUDO, GRANT_2XX, NULL,
	    NULL },
	[SMTP_VERB_END_OF_DATA] = { "END-OF-DATA", CMD_PSEUDO, GRANT_2XX, NULL,
	    eod_answered },
	[SMTP_VERB_AUTH_DATA] = { "AUTH-DATA", CMD_PSEUDO | CMD_SECRET,
	    GRANT_AUTH, NULL, auth_answered },
};

/* Every verb has its row (test_plugin_abi names each one): only the
 * range is checked, for every command line and every reply line. */
const struct smtp_command *
smtp_command_get(enum smtp_verb verb)
{
	if ((unsigned)verb >= SMTP_VERB_COUNT)
		verb = SMTP_VERB_UNKNOWN;
	return &commands[verb];
}

const char *
smtp_verb_name(enum smtp_verb v)
{
	return smtp_command_get(v)->name;
}

/* Up to 8 bytes packed into a number, the first lowest, in upper case. */
static inline uint64_t
verb_pack(const uint8_t *w, size_t len)
{
	uint64_t k = 0;
	size_t j;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (len >= 4 && len <= 8) {
		const uint64_t high = 0x8080808080808080ull;
		uint64_t low7, ge_a, gt_z;
		uint32_t head, tail;

		/* The first four bytes and the last four (the same four
		 * when len is 4): where they overlap they are the same
		 * bytes, so or-ing them packs the word. */
		memcpy(&head, w, 4);
		memcpy(&tail, w + len - 4, 4);
		k = head | (uint64_t)tail << (8 * (len - 4));
		/* a-z in every byte at once: a byte's top bit is set in
		 * ge_a when its low seven bits are 'a' or above, in gt_z
		 * when they are above 'z' (no carry leaves a byte); bytes
		 * of 0x80 and above are left alone. */
		low7 = k & ~high;
		ge_a = low7 + 0x1f1f1f1f1f1f1f1full; /* 0x80 - 'a' */
		gt_z = low7 + 0x0505050505050505ull; /* 0x7f - 'z' */
		return k ^ ((ge_a & ~gt_z & ~k & high) >> 2);
	}
#endif
	for (j = 0; j < len; j++)
		k |= (uint64_t)ascii_toupper(w[j]) << (8 * j);
	return k;
}

/* The verbs a client sends, by their packed names: an open-addressed
 * table with room to spare, so that a command line costs a probe or two
 * rather than a walk along the command table. */
#define VERB_SLOTS 64
_Static_assert(SMTP_VERB_COUNT < VERB_SLOTS, "a verb table with room");

static size_t
verb_slot(uint64_t k)
{
	return (size_t)((k * 0x9e3779b97f4a7c15ull) >> 58); /* 6 bits */
}

/* Each verb's name packed, its length (0: an empty slot) and the verb,
 * made once from the table. */
static struct {
	uint64_t key;
	uint8_t len;
	uint8_t verb;
} verb_slots[VERB_SLOTS];
static bool verb_slots_made;

/* Out of line: made once, it keeps the lookup's own code short. */
static __attribute__((noinline)) void
verb_slots_make(void)
{
	uint64_t k;
	size_t i, h;

	for (i = 0; i < SMTP_VERB_COUNT; i++) {
		const char *name = commands[i].name;
		size_t n;

		if (name == NULL || (commands[i].flags & CMD_PSEUDO) ||
		    (n = strlen(name)) > 8)
			continue;
		k = verb_pack((const uint8_t *)name, n);
		for (h = verb_slot(k); verb_slots[h].len != 0;
		     h = (h + 1) % VERB_SLOTS)
			;
		verb_slots[h].key = k;
		verb_slots[h].len = (uint8_t)n;
		verb_slots[h].verb = (uint8_t)i;
	}
	verb_slots_made = true;
}

enum smtp_verb
smtp_verb_lookup(const uint8_t *word, size_t len)
{
	uint64_t k;
	size_t h;

	if (!verb_slots_made)
		verb_slots_make();
	/* Verbs are 4 letters but STARTTLS, XCLIENT and XFORWARD. */
	if (len < 4 || len > 8)
		return SMTP_VERB_UNKNOWN;
	k = verb_pack(word, len);
	/* Fewer verbs than slots: an empty one ends every search. */
	for (h = verb_slot(k); verb_slots[h].len != 0; h = (h + 1) % VERB_SLOTS)
		if (verb_slots[h].key == k && verb_slots[h].len == len)
			return (enum smtp_verb)verb_slots[h].verb;
	return SMTP_VERB_UNKNOWN;
}

bool
smtp_command_grants(const struct smtp_command *c, int code)
{
	switch (c->grant) {
	case GRANT_354:
		return code == 354;
	case GRANT_220:
		return code == 220;
	case GRANT_AUTH:
		return code == 334 || (code >= 200 && code < 300);
	case GRANT_2XX:
		break;
	}
	return code >= 200 && code < 300;
}

/*
 * Codes only one kind of command can get. After replies were lost in a
 * gap, a reply that cannot answer the oldest waiting command is paired
 * with the first one it can answer.
 */
bool
smtp_reply_plausible(enum smtp_verb verb, int code)
{
	if (code >= 400)
		return true;
	switch (verb) {
	case SMTP_VERB_DATA:
		return code == 354;
	case SMTP_VERB_QUIT:
		return code == 221;
	case SMTP_VERB_AUTH:
	case SMTP_VERB_AUTH_DATA:
		return code == 334 || code == 235;
	case SMTP_VERB_STARTTLS:
	case SMTP_VERB_XCLIENT:
		return code == 220;
	default:
		return code != 354 && code != 221 && code != 334 &&
		    code != 235 && code != 220;
	}
}

const char *
smtp_state_name(unsigned state)
{
	static const char *const names[SMTP_STATE_COUNT] = {
		[SMTP_STATE_CONNECTED] = "connected",
		[SMTP_STATE_GREETED] = "greeted",
		[SMTP_STATE_READY] = "ready",
		[SMTP_STATE_MAIL] = "mail",
		[SMTP_STATE_RCPT] = "rcpt",
		[SMTP_STATE_DATA] = "data",
		[SMTP_STATE_BDAT] = "bdat",
		[SMTP_STATE_AUTH] = "auth",
		[SMTP_STATE_TLS] = "tls",
		[SMTP_STATE_QUIT] = "quit",
	};

	return state < SMTP_STATE_COUNT ? names[state] : "?";
}
