/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A plugin for tests/t-plugins.sh that reads every structure of the ABI
 * and writes what it saw to the file named by its argument (out=PATH)
 * at fini(). Built twice: against include/ (the current revision) and
 * against tests/abi/3.0 (the first revision of ABI 3), so that a plugin
 * built with an older header is shown to load and read the same events
 * from the current smtpscope, and a newer member (the reply's meaning,
 * revision 1) to be read only when SMTPSCOPE_HAS says it is there.
 */
#include <smtpscope/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct probe {
	const struct smtpscope_host *host;
	char out[1024];
	unsigned long events[SMTPSCOPE_EV_COUNT + 1];
	unsigned long accepted, rcpt_accepted, rcpt_listed, replies, meanings,
	    newer_event, newer_tx, received, strings;
	unsigned long long bytes_client;
	unsigned long nevents;
	int revision;
	unsigned long partial; /* revision 6 */
	FILE *sessions;        /* revision 6: out.sessions */
	FILE *records;         /* revision 7: out.records ("records,out=") */
	unsigned long record_types_wrong;
};

static int
probe_init(const struct smtpscope_host *host, const char *args, void **state,
    char *err, size_t errlen)
{
	struct probe *p = calloc(1, sizeof(*p));
	int records = strncmp(args, "records,", 8) == 0;

	if (records)
		args += 8;
	if (p == NULL || strncmp(args, "out=", 4) != 0) {
		snprintf(err, errlen, "want out=PATH");
		free(p);
		return -1;
	}
	p->host = host;
	snprintf(p->out, sizeof(p->out), "%s", args + 4);
	p->revision = SMTPSCOPE_PLUGIN_ABI_REVISION;
#if SMTPSCOPE_PLUGIN_ABI_REVISION >= 6
	{
		char path[1100];

		snprintf(path, sizeof(path), "%s.sessions", p->out);
		p->sessions = fopen(path, "w");
	}
#endif
#if SMTPSCOPE_PLUGIN_ABI_REVISION >= 7
	if (records) {
		char path[1100];

		snprintf(path, sizeof(path), "%s.records", p->out);
		p->records = fopen(path, "w");
		host->want_records(host->ctx);
	}
#else
	(void)records;
#endif
	*state = p;
	return 0;
}

/* Touches a string the way a plugin would (a read of every byte). */
static void
touch(struct probe *p, const char *s)
{
	if (s != NULL)
		p->strings += strlen(s) > 0;
}

static void
probe_tx(struct probe *p, const struct smtpscope_transaction *tx)
{
	size_t i;

	if (tx->struct_size > sizeof(*tx))
		p->newer_tx++;
	if (tx->outcome == SMTPSCOPE_OUTCOME_ACCEPTED)
		p->accepted++;
#if SMTPSCOPE_PLUGIN_ABI_REVISION >= 6
	if (SMTPSCOPE_HAS(struct smtpscope_transaction, tx, partial) &&
	    tx->partial)
		p->partial++;
#endif
	p->rcpt_accepted += tx->rcpt_accepted;
	touch(p, tx->mail_from);
	touch(p, tx->helo);
	touch(p, tx->mail->text);
	touch(p, tx->final->text);
	touch(p, tx->params->envid);
	for (i = 0; i < tx->nrcpt; i++) {
		p->rcpt_listed++;
		touch(p, tx->rcpt[i]->addr);
		touch(p, tx->rcpt[i]->reply->text);
	}
	for (i = 0; i < tx->nrefused; i++)
		touch(p, tx->refused[i]->reply->text);
	if (tx->msg != NULL) {
		touch(p, tx->msg->subject);
		for (i = 0; i < tx->msg->nreceived; i++) {
			p->received++;
			touch(p, tx->msg->received[i]);
			if (tx->msg->received_parts != NULL)
				touch(p, tx->msg->received_parts[i]->by);
		}
	}
}

static void
probe_event(void *state, const struct smtpscope_event *ev)
{
	struct probe *p = state;

	p->events[ev->type < SMTPSCOPE_EV_COUNT ? ev->type
						: SMTPSCOPE_EV_COUNT]++;
	p->nevents++;
	if (ev->struct_size > sizeof(*ev))
		p->newer_event++;
	if (ev->session != NULL) {
		touch(p, ev->session->helo);
		touch(p, ev->session->tls_meta->sni);
		if (ev->type == SMTPSCOPE_EV_SESSION_CLOSE)
			p->bytes_client += ev->session->bytes_client;
#if SMTPSCOPE_PLUGIN_ABI_REVISION >= 6
		/* The keys that join the logs' records, and what was not
		 * seen of the session. */
		if (ev->type == SMTPSCOPE_EV_SESSION_CLOSE &&
		    p->sessions != NULL &&
		    SMTPSCOPE_HAS(
			struct smtpscope_session, ev->session, missing))
			fprintf(p->sessions, "%llu %s %s %d %s\n",
			    (unsigned long long)ev->session->id,
			    ev->session->uid,
			    ev->session->community_id[0] != '\0'
				? ev->session->community_id
				: "-",
			    ev->session->midstream,
			    ev->session->missing != NULL ? ev->session->missing
							 : "-");
#endif
	}
	switch (ev->type) {
	case SMTPSCOPE_EV_TRANSACTION:
		probe_tx(p, ev->u.tx);
		break;
	case SMTPSCOPE_EV_REPLY:
		p->replies++;
#if SMTPSCOPE_PLUGIN_ABI_REVISION >= 1
		if (SMTPSCOPE_HAS(
			struct smtpscope_event, ev, u.reply.meaning) &&
		    ev->u.reply.meaning != NULL &&
		    ev->u.reply.meaning[0] != '\0')
			p->meanings++;
#endif
		break;
	case SMTPSCOPE_EV_COMMAND_RESULT:
		touch(p, ev->u.result->reply->text);
		break;
#if SMTPSCOPE_PLUGIN_ABI_REVISION >= 7
	case SMTPSCOPE_EV_RECORD:
		/* Each record as the log has it, one a line; its type is
		 * the record's own "type". */
		if (p->records != NULL)
			fprintf(p->records, "%.*s\n", (int)ev->u.record.len,
			    ev->u.record.json);
		{
			char want[64];
			int n = snprintf(want, sizeof(want), "{\"type\":\"%s\"",
			    ev->u.record.type);

			if (n <= 0 || (size_t)n > ev->u.record.len ||
			    strncmp(ev->u.record.json, want, (size_t)n) != 0)
				p->record_types_wrong++;
		}
		break;
#endif
	default:
		break;
	}
}

static void
probe_fini(void *state)
{
	struct probe *p = state;
	FILE *f = fopen(p->out, "w");

	if (f != NULL) {
		fprintf(f,
		    "revision %d\nsessions %lu\ntransactions %lu\n"
		    "accepted %lu\nrcpt_accepted %lu\nrcpt_listed %lu\n"
		    "replies %lu\nmeanings %lu\nbytes_client %llu\n"
		    "received %lu\nnewer_event %lu\nnewer_tx %lu\n"
		    "unknown_type %lu\nevents %lu\n",
		    p->revision, p->events[SMTPSCOPE_EV_SESSION_CLOSE],
		    p->events[SMTPSCOPE_EV_TRANSACTION], p->accepted,
		    p->rcpt_accepted, p->rcpt_listed, p->replies, p->meanings,
		    p->bytes_client, p->received, p->newer_event, p->newer_tx,
		    p->events[SMTPSCOPE_EV_COUNT], p->nevents);
#if SMTPSCOPE_PLUGIN_ABI_REVISION >= 6
		fprintf(f, "partial %lu\n", p->partial);
#endif
#if SMTPSCOPE_PLUGIN_ABI_REVISION >= 7
		fprintf(f, "record_types_wrong %lu\n", p->record_types_wrong);
#endif
		fclose(f);
	}
	if (p->sessions != NULL)
		fclose(p->sessions);
	if (p->records != NULL)
		fclose(p->records);
	free(p);
}

SMTPSCOPE_PLUGIN_DEFINE(.name = "probe", .version = "1",
    .description = "reads every ABI structure (tests/t-plugins.sh)",
    .init = probe_init, .on_event = probe_event, .fini = probe_fini);
