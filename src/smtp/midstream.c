/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sessions joined mid-way and one-sided ones. A connection picked up
 * mid-stream may start anywhere in each direction: in a line, in a
 * message, in TLS. Each direction starts at its first line end, unless
 * its first bytes are plainly a line's start (a command, a reply); the
 * client's first line tells commands from message text, and replies
 * with no command waiting say what came before (a 354: a message flows;
 * a final reply naming a queue id: a message ended). Nothing that was
 * not seen is invented: a transaction whose start was not seen is
 * partial, its sender unknown; what is seen of it is exact.
 *
 * With one side missing from the capture (the network layer says so,
 * smtp_session_one_sided()): only the client's: every command is taken
 * as sent with its reply unknown (never granted), its effect assumed,
 * and the outcome of each transaction is unknown; only the server's:
 * the replies alone give each message's outcome (a 354, then its final
 * reply).
 */
#include <stddef.h>
#include <string.h>

#include "smtp/internal.h"
#include "smtp/queueid.h"

/* A TLS record's first bytes: handshake, alert, change cipher spec or
 * application data, version 3.x. */
static bool
looks_like_tls(const uint8_t *p, size_t n)
{
	return n >= 3 && p[0] >= 0x14 && p[0] <= 0x17 && p[1] == 3 && p[2] <= 4;
}

static bool
looks_like_reply(const uint8_t *p, size_t n)
{
	return n >= 4 && p[0] >= '2' && p[0] <= '5' && ascii_isdigit(p[1]) &&
	    ascii_isdigit(p[2]) &&
	    (p[3] == ' ' || p[3] == '-' || p[3] == '\r' || p[3] == '\n');
}

static bool
prefix_ci(const uint8_t *p, size_t n, const char *word)
{
	size_t i, k = strlen(word);

	if (n < k)
		return false;
	for (i = 0; i < k; i++)
		if (ascii_toupper(p[i]) != (uint8_t)word[i])
			return false;
	return true;
}

/*
 * A command line's start, as clients write them: a verb of the table in
 * capitals, then a blank or the line's end; MAIL and RCPT with their
 * FROM: and TO:. Message text has lines like "Help me" or "Mail me":
 * capitals and the paths keep them out.
 */
bool
midstream_command_like(const uint8_t *p, size_t n)
{
	size_t w = 0;
	enum smtp_verb v;

	while (w < n && w < 9 && p[w] >= 'A' && p[w] <= 'Z')
		w++;
	if (w < 4 || w > 8 ||
	    (w < n && p[w] != ' ' && p[w] != '\r' && p[w] != '\n'))
		return false;
	v = smtp_verb_lookup(p, w);
	if (v == SMTP_VERB_UNKNOWN)
		return false;
	if (v == SMTP_VERB_MAIL)
		return prefix_ci(p + w, n - w, " FROM:");
	if (v == SMTP_VERB_RCPT)
		return prefix_ci(p + w, n - w, " TO:");
	return true;
}

/*
 * The first bytes of a direction of a session picked up mid-stream:
 * returns how many to skip (up to its first line end), and marks the
 * direction in step when a line starts after them.
 */
__attribute__((noinline)) size_t
midstream_sync(
    struct smtp_session *s, enum smtp_dir dir, const uint8_t *data, size_t len)
{
	const uint8_t *nl;
	bool client = (dir == SMTP_DIR_CLIENT) != s->reversed;

	if (looks_like_tls(data, len)) {
		/* Joined inside TLS: opaque from here on. */
		s->synced[dir] = true;
		if (!s->info.tls) {
			client_mode_set(s, CLIENT_TLS);
			smtp_state_set(s, SMTP_STATE_TLS, "picked up in TLS");
		}
		return 0;
	}
	if (client ? midstream_command_like(data, len)
		   : looks_like_reply(data, len)) {
		s->synced[dir] = true;
		return 0;
	}
	nl = memchr(data, '\n', len);
	if (nl == NULL)
		return len;
	s->synced[dir] = true;
	return (size_t)(nl - data) + 1;
}

/* The transaction a message whose start was not seen belongs to: the
 * open one, or one whose sender is unknown. */
struct tx *
partial_tx(struct smtp_session *s, double ts)
{
	struct tx *t = s->tx;

	if (t == NULL) {
		t = tx_new(s, SMTP_VERB_MAIL, NULL, 0, ts);
		tx_confirm(s, t, false, ts);
		t->pub.sender_unknown = true;
		t->pub.partial = true;
	} else if (t->attempt) {
		t->attempt = false;
		t->pub.partial = true;
	}
	return t;
}

/* The client's first line in step is not a command: the text of a
 * message whose start was not seen. The body scanner takes it from a
 * line's start. */
__attribute__((noinline)) void
midstream_in_message(struct smtp_session *s, double ts)
{
	struct tx *t = partial_tx(s, ts);

	t->pub.partial = true;
	t->data_granted = true;
	t->pub.data_seen = true;
	s->body_tx = t;
	s->cli_tx = t;
	client_mode_set(s, CLIENT_BODY);
	smtp_state_set(s, SMTP_STATE_DATA, "picked up in a message");
}

/* The queue id in the reply now complete, if it names one: a final
 * reply to a message's data. */
static bool
reply_names_queue_id(const struct smtp_session *s)
{
	struct smtp_queue_id q;

	if (s->rlast_at != NULL &&
	    smtp_queue_id_parse((const char *)s->rlast_at, s->rlast_len, &q))
		return true;
	return s->rtext != NULL &&
	    smtp_queue_id_parse((const char *)s->rtext, s->rtext_len, &q);
}

/*
 * A reply with no command waiting, in a session picked up mid-stream or
 * without its client's side: what it says of what was not seen. True
 * when it was taken as such (its event emitted).
 */
__attribute__((noinline)) bool
midstream_reply(struct smtp_session *s, struct smtp_event *ev, double ts)
{
	struct tx *t;

	if (s->rcode == 354) {
		t = partial_tx(s, ts);
		tx_reply_keep(s, t, &t->pub.data, -1);
		t->pub.data_seen = true;
		t->data_granted = true;
		smtp_state_set(s, SMTP_STATE_DATA, "354");
		if (s->mode == CLIENT_COMMAND && s->cli_probe) {
			/* The client's next bytes are the message. */
			s->cli_probe = false;
			s->body_tx = t;
			s->cli_tx = t;
			client_mode_set(s, CLIENT_BODY);
		}
		ev->u.reply.verb = SMTP_VERB_DATA;
		ev->u.reply.granted = true;
		emit(s, ev);
		tx_flush(s);
		return true;
	}
	if (s->rcode < 200)
		return false;
	t = s->tx;
	if ((t == NULL || !t->data_granted || t->pub.final.code != 0) &&
	    s->rcode / 100 == 2 && s->info.midstream &&
	    reply_names_queue_id(s)) {
		/* The final reply to a message sent before the pickup; what
		 * was open is over. */
		if (t != NULL)
			tx_end(s, "mail", ts);
		t = tx_new(s, SMTP_VERB_MAIL, NULL, 0, ts);
		tx_confirm(s, t, false, ts);
		t->pub.sender_unknown = true;
		t->pub.partial = true;
		t->data_granted = true;
	}
	if (t == NULL || !t->data_granted || t->pub.final.code != 0)
		return false;
	/* The final reply to the data of the message the 354 opened. */
	t->pub.data_complete = true;
	tx_reply_keep(s, t, &t->pub.final, -1);
	if (s->rcode / 100 == 2)
		tx_queue_id(s, t);
	tx_last_reply(s, t);
	if (s->body_tx == t && s->mode == CLIENT_BODY)
		client_mode_set(s, CLIENT_COMMAND);
	tx_end(s, "end_of_data", ts);
	ev->u.reply.verb = SMTP_VERB_END_OF_DATA;
	ev->u.reply.granted = s->rcode / 100 == 2;
	emit(s, ev);
	tx_flush(s);
	return true;
}

/* Without the server's side: the commands waiting are answered by
 * nothing, their effects assumed. */
__attribute__((noinline)) void
server_missing_answer(struct smtp_session *s, double ts)
{
	struct pending p;

	while (s->qlen > 0) {
		pending_pop(s, &p);
		smtp_command_get(p.verb)->answered(s, &p, REPLY_NONE, ts);
		result_emit(s, false, ts);
		pending_release(s, &p);
	}
	tx_flush(s);
	if (s->release_hold) {
		s->release_hold = false;
		hold_replay(s, ts);
	}
}

void
smtp_session_one_sided(struct smtp_session *s, enum smtp_dir missing, double ts)
{
	if (s->info.missing != SMTP_MISSING_NONE)
		return;
	if ((missing == SMTP_DIR_SERVER) != s->reversed) {
		s->info.missing = SMTP_MISSING_SERVER;
		/* Whatever waits was sent before: in order now. */
		if (s->mode == CLIENT_HOLD)
			s->release_hold = true;
		server_missing_answer(s, ts);
	} else {
		s->info.missing = SMTP_MISSING_CLIENT;
		s->greeted = true;
	}
}
