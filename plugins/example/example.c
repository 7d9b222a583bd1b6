/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * example: the smallest complete smtpscope plugin, and the one the tests
 * load. It counts sessions, transactions by outcome and accepted
 * recipients in counters that the reports and the dashboard show, and
 * with body=1 it asks for message bodies and counts their bytes.
 *
 *   smtpscope -r trace.pcap --report text --plugin example
 *   smtpscope -r trace.pcap --report json --plugin example:body=1
 *
 * Arguments (key=value, comma-separated): body=1 (count body bytes),
 * fail=1 (init fails: the tests check the error path). Build: make
 * plugins (build/plugins/example.so); only <smtpscope/plugin.h> needed.
 */
#include <smtpscope/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct example {
	const struct smtpscope_host *host;
	uint64_t *sessions, *transactions, *accepted, *rejected, *tempfail,
	    *lost, *aborted, *dropped, *recipients, *body_bytes, *body_lost;
};

/* The value of key in "k=v,k=v" as a flag: "1", "yes" or "true". */
static int
flag(const char *args, const char *key)
{
	size_t klen = strlen(key);
	const char *p = args;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, klen) == 0 && p[klen] == '=')
			return strncmp(p + klen + 1, "1", 1) == 0 ||
			    strncmp(p + klen + 1, "yes", 3) == 0 ||
			    strncmp(p + klen + 1, "true", 4) == 0;
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	return 0;
}

static int
example_init(const struct smtpscope_host *host, const char *args, void **state,
    char *err, size_t errlen)
{
	struct example *e;

	if (flag(args, "fail")) {
		snprintf(err, errlen, "asked to fail (fail=1)");
		return -1;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	e->host = host;
	e->sessions = host->counter(host->ctx, "sessions", "sessions closed");
	e->transactions =
	    host->counter(host->ctx, "transactions", "transactions ended");
	e->accepted = host->counter(host->ctx, "accepted", "messages accepted");
	e->rejected = host->counter(host->ctx, "rejected", "refused with 5xx");
	e->tempfail = host->counter(host->ctx, "tempfail", "refused with 4xx");
	e->lost =
	    host->counter(host->ctx, "lost", "cut off before the final reply");
	e->aborted =
	    host->counter(host->ctx, "aborted", "given up by the client");
	e->dropped = host->counter(
	    host->ctx, "dropped", "accepted, then discarded (tracking)");
	e->recipients =
	    host->counter(host->ctx, "recipients", "recipients accepted");
	if (flag(args, "body")) {
		host->want_body(host->ctx);
		e->body_bytes = host->counter(host->ctx, "body_bytes",
		    "message bytes seen (body events)");
		e->body_lost = host->counter(
		    host->ctx, "body_lost", "message bytes never captured");
	}
	if (e->sessions == NULL || e->recipients == NULL) {
		snprintf(err, errlen, "cannot register its counters");
		free(e);
		return -1;
	}
	host->log(host->ctx, SMTPSCOPE_LOG_INFO, "counting%s",
	    e->body_bytes != NULL ? ", with bodies" : "");
	*state = e;
	return 0;
}

static void
example_event(void *state, const struct smtpscope_event *ev)
{
	struct example *e = state;
	const struct smtpscope_transaction *tx;

	switch (ev->type) {
	case SMTPSCOPE_EV_SESSION_CLOSE:
		(*e->sessions)++;
		break;
	case SMTPSCOPE_EV_TRANSACTION:
		tx = ev->u.tx;
		(*e->transactions)++;
		*e->recipients += tx->rcpt_accepted;
		switch (tx->outcome) {
		case SMTPSCOPE_OUTCOME_ACCEPTED:
			(*e->accepted)++;
			break;
		case SMTPSCOPE_OUTCOME_REJECTED:
			(*e->rejected)++;
			break;
		case SMTPSCOPE_OUTCOME_TEMPFAIL:
			(*e->tempfail)++;
			break;
		case SMTPSCOPE_OUTCOME_LOST:
			(*e->lost)++;
			break;
		case SMTPSCOPE_OUTCOME_ABORTED:
			(*e->aborted)++;
			break;
		case SMTPSCOPE_OUTCOME_DROPPED:
			(*e->dropped)++;
			break;
		default:
			/* none, or an outcome added to the ABI after this
			 * plugin was built (enumerations only grow) */
			break;
		}
		break;
	case SMTPSCOPE_EV_BODY:
		/* Only after want_body(); data NULL: a hole in the capture. */
		if (ev->u.body.data != NULL)
			*e->body_bytes += ev->u.body.len;
		else
			*e->body_lost += ev->u.body.len;
		break;
	default:
		break;
	}
}

static void
example_fini(void *state)
{
	free(state);
}

SMTPSCOPE_PLUGIN_DEFINE(.name = "example", .version = "1.0",
    .description = "counts sessions, outcomes, recipients (and body bytes)",
    .init = example_init, .on_event = example_event, .tick = NULL,
    .fini = example_fini);
