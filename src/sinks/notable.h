/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which events are notable: the one rule that the statistics store (its
 * ring of recent events, which the HTML report lists) and the dashboard
 * (its Events view, grouped) both follow. A refused or deferred
 * recipient, a refused (not by a 421), deferred or lost transaction, an
 * LMTP delivery refused or deferred, a bounce, a session's AUTH
 * failures, a connection refused or unanswered: each is handed to the caller as
 * a struct stats_recent, with how many events it stands for (a session's AUTH
 * failures: one line, its count).
 */
#ifndef SMTPSCOPE_NOTABLE_H
#define SMTPSCOPE_NOTABLE_H

#include <stdint.h>

#include "event/event.h"
#include "sinks/stats.h"

typedef void (*notable_fn)(
    void *arg, const struct stats_recent *r, uint64_t count);

/* The notable events of a transaction that ended, in a fixed order:
 * its recipients', its own, its LMTP deliveries', its bounce. */
void notable_transaction(const struct smtp_session_info *si,
    const struct smtp_transaction *tx, notable_fn fn, void *arg);
/* Those of a session that closed at ts: its AUTH failures. */
void notable_close(
    const struct smtp_session_info *si, double ts, notable_fn fn, void *arg);
/* A connection to a mail port that made no session: refused, or
 * unanswered (session_id 0: it has none; from: the result's name). */
void notable_attempt(const struct smtp_attempt *a, notable_fn fn, void *arg);

#endif
