/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The statistics store: counters fed by the dissector's events. It
 * knows nothing of packets; reports and the log's summary read it.
 */
#ifndef SMTPSCOPE_STATS_H
#define SMTPSCOPE_STATS_H

#include <stdint.h>

#include "event.h"

struct stats {
	uint64_t sessions;
	uint64_t sessions_closed;
	uint64_t transactions;
	uint64_t messages_accepted;
	uint64_t recipients;          /* RCPT commands */
	uint64_t recipients_accepted; /* RCPT answered 2xx */
	uint64_t outcome[OUTCOME_ABORTED + 1];
	uint64_t session_end[SESSION_END_REUSED + 1];
	uint64_t bytes_client, bytes_server;
	uint64_t message_bytes; /* of accepted messages */
	uint64_t replies;
	uint64_t reply_class[6]; /* by first digit */
	uint64_t anomaly[ANOMALY_COUNT];
};

void stats_on_event(void *arg, const struct smtp_event *ev);

#endif
