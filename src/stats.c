/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "stats.h"

void
stats_on_event(void *arg, const struct smtp_event *ev)
{
	struct stats *st = arg;
	const struct smtp_transaction *tx;

	switch (ev->type) {
	case SMTP_EV_SESSION_OPEN:
		st->sessions++;
		break;
	case SMTP_EV_SESSION_CLOSE:
		st->sessions_closed++;
		st->session_end[ev->session->end]++;
		st->bytes_client += ev->session->bytes_client;
		st->bytes_server += ev->session->bytes_server;
		break;
	case SMTP_EV_TRANSACTION:
		tx = ev->u.tx;
		st->transactions++;
		st->outcome[tx->outcome]++;
		st->recipients += tx->rcpt_total;
		st->recipients_accepted += tx->rcpt_accepted;
		if (tx->outcome == OUTCOME_ACCEPTED) {
			st->messages_accepted++;
			st->message_bytes += tx->size;
		}
		break;
	case SMTP_EV_REPLY:
		st->replies++;
		st->reply_class[ev->u.reply.code / 100 % 6]++;
		break;
	case SMTP_EV_ANOMALY:
		st->anomaly[ev->u.anomaly.kind]++;
		break;
	case SMTP_EV_COMMAND:
		break;
	}
}
