/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sinks/notable.h"

#include <stdio.h>
#include <string.h>

/* Wire text cut to a field (raw: escaped when shown). */
static void
copy_cut(char *dst, size_t size, const char *src)
{
	size_t n = src != NULL ? strlen(src) : 0;

	if (n >= size)
		n = size - 1;
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

static void
notable(const struct smtp_session_info *si, double ts,
    enum stats_recent_kind kind, const char *from, const char *rcpt,
    const struct smtp_reply *rep, notable_fn fn, void *arg)
{
	struct stats_recent r;

	memset(&r, 0, sizeof(r));
	r.ts = ts;
	r.kind = kind;
	r.session_id = si->id;
	memcpy(r.client, si->client_ip, sizeof(r.client));
	memcpy(r.server, si->server_ip, sizeof(si->server_ip));
	copy_cut(r.from, sizeof(r.from), from);
	copy_cut(r.rcpt, sizeof(r.rcpt), rcpt);
	if (rep != NULL) {
		r.code = rep->code;
		snprintf(r.text, sizeof(r.text), "%s%s%s", rep->enh,
		    rep->enh[0] ? " " : "", rep->text ? rep->text : "");
	}
	fn(arg, &r, 1);
}

/* A refusal: 5xx a reject, 4xx a tempfail. */
static enum stats_recent_kind
refusal_kind(int code)
{
	return code >= 500 ? RECENT_REJECT : RECENT_TEMPFAIL;
}

void
notable_transaction(const struct smtp_session_info *si,
    const struct smtp_transaction *tx, notable_fn fn, void *arg)
{
	const struct smtp_reply *why = NULL, *d;
	const char *first = tx->nrcpt > 0 ? tx->rcpt[0].addr : "";
	double ts = tx->ts_end;
	size_t i;

	for (i = 0; i < tx->nrcpt; i++)
		if (tx->rcpt[i].reply.code >= 400)
			notable(si, ts, refusal_kind(tx->rcpt[i].reply.code),
			    tx->mail_from, tx->rcpt[i].addr, &tx->rcpt[i].reply,
			    fn, arg);
	/* The reply that refused the whole transaction. */
	if (tx->mail.code >= 400)
		why = &tx->mail;
	else if (tx->data.code >= 400)
		why = &tx->data;
	else if (tx->final.code >= 400)
		why = &tx->final;
	/* A 421 closing the session is a tempfail, never a reject. */
	if (tx->outcome == SMTP_OUTCOME_REJECTED && why != NULL &&
	    why->code != 421)
		notable(
		    si, ts, RECENT_REJECT, tx->mail_from, first, why, fn, arg);
	else if (tx->outcome == SMTP_OUTCOME_TEMPFAIL && why != NULL)
		notable(si, ts, RECENT_TEMPFAIL, tx->mail_from, first, why, fn,
		    arg);
	else if (tx->outcome == SMTP_OUTCOME_LOST)
		notable(si, ts, RECENT_LOST, tx->mail_from, first,
		    tx->final.code ? &tx->final : NULL, fn, arg);
	for (i = 0; tx->lmtp && i < tx->nrcpt; i++) {
		d = &tx->rcpt[i].delivery;
		if (d->code >= 400)
			notable(si, ts, refusal_kind(d->code), tx->mail_from,
			    tx->rcpt[i].addr, d, fn, arg);
	}
	if (tx->bounce)
		notable(si, ts, RECENT_BOUNCE, "", first,
		    tx->final.code ? &tx->final : NULL, fn, arg);
}

void
notable_close(
    const struct smtp_session_info *si, double ts, notable_fn fn, void *arg)
{
	struct stats_recent r;

	if (si->auth_attempts == 0 || si->auth_failures == 0)
		return;
	memset(&r, 0, sizeof(r));
	r.ts = ts;
	r.kind = RECENT_AUTH_FAILURE;
	r.session_id = si->id;
	r.code = si->auth_code;
	memcpy(r.client, si->client_ip, sizeof(r.client));
	memcpy(r.server, si->server_ip, sizeof(si->server_ip));
	copy_cut(r.from, sizeof(r.from), si->auth_user);
	fn(arg, &r, si->auth_failures);
}

void
notable_attempt(const struct smtp_attempt *a, notable_fn fn, void *arg)
{
	struct stats_recent r;

	memset(&r, 0, sizeof(r));
	r.ts = a->ts_end;
	r.kind = RECENT_CONNECT;
	endpoint_addr_str(&a->client, r.client, sizeof(r.client));
	endpoint_hostport_str(&a->server, r.server, sizeof(r.server));
	/* No envelope: its result where a sender would be. */
	snprintf(
	    r.from, sizeof(r.from), "%s", smtp_attempt_result_name(a->result));
	if (a->result == SMTP_ATTEMPT_REFUSED)
		snprintf(r.text, sizeof(r.text),
		    "connection refused: the server answered the SYN with RST");
	else
		snprintf(r.text, sizeof(r.text),
		    "connection unanswered: %u SYNs, no answer in %.0f s",
		    (unsigned)a->syns, a->waited);
	fn(arg, &r, 1);
}
