/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the plugin ABI's translation (src/event/plugin_abi.c): every
 * internal value has its own ABI value under the same name, and an
 * event's structures carry everything, each with its size. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "event/codes.h"
#include "event/plugin_abi.h"

static void
test_values(void)
{
	bool seen[64];
	unsigned i, k;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < SMTP_VERB_COUNT; i++) {
		enum smtpscope_verb v = abi_verb((enum smtp_verb)i);

		CHECKF((unsigned)v < SMTPSCOPE_VERB_COUNT, "verb in range");
		CHECKF(!seen[v], "verb distinct");
		seen[v] = true;
		CHECKF(strcmp(abi_verb_name(v),
			   smtp_verb_name((enum smtp_verb)i)) == 0,
		    "verb name");
	}
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < SMTP_OUTCOME_COUNT; i++) {
		enum smtpscope_outcome o = abi_outcome((enum smtp_outcome)i);

		CHECKF(
		    (unsigned)o < SMTPSCOPE_OUTCOME_COUNT, "outcome in range");
		CHECKF(!seen[o], "outcome distinct");
		seen[o] = true;
		CHECKF(strcmp(abi_outcome_name(o),
			   smtp_outcome_name((enum smtp_outcome)i)) == 0,
		    "outcome name");
	}
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < SMTP_FATE_COUNT; i++) {
		enum smtpscope_fate f = abi_fate((enum smtp_fate)i);

		CHECKF((unsigned)f < SMTPSCOPE_FATE_COUNT, "fate in range");
		CHECKF(!seen[f], "fate distinct");
		seen[f] = true;
		CHECKF(strcmp(abi_fate_name(f),
			   smtp_fate_name((enum smtp_fate)i)) == 0,
		    "fate name");
	}
	CHECKF(strcmp(abi_fate_name(SMTPSCOPE_FATE_COUNT), "unknown") == 0,
	    "fate past the table");
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < SMTP_ANOMALY_COUNT; i++) {
		enum smtpscope_anomaly a = abi_anomaly((enum smtp_anomaly)i);

		CHECKF(
		    (unsigned)a < SMTPSCOPE_ANOMALY_COUNT, "anomaly in range");
		CHECKF(!seen[a], "anomaly distinct");
		seen[a] = true;
		CHECKF(strcmp(abi_anomaly_name(a),
			   smtp_anomaly_name((enum smtp_anomaly)i)) == 0,
		    "anomaly name");
	}
	CHECKF(
	    strcmp(abi_anomaly_name(SMTPSCOPE_ANOMALY_COUNT), "unknown") == 0,
	    "anomaly past the table");
	CHECKF(strcmp(abi_verb_name(SMTPSCOPE_VERB_COUNT), "unknown") == 0,
	    "verb past the table");
	memset(seen, 0, sizeof(seen));
	for (i = SMTP_SESSION_END_NONE; i <= SMTP_SESSION_END_REUSED; i++) {
		enum smtpscope_session_end e =
		    abi_session_end((enum smtp_session_end)i);

		CHECKF((unsigned)e < SMTPSCOPE_END_COUNT, "end in range");
		CHECKF(!seen[e], "end distinct");
		seen[e] = true;
		CHECKF(strcmp(abi_session_end_name(e),
			   session_end_name((enum smtp_session_end)i)) == 0,
		    "end name");
	}
	memset(seen, 0, sizeof(seen));
	for (i = SMTP_AUTH_NONE; i <= SMTP_AUTH_CANCELLED; i++) {
		enum smtpscope_auth_result r =
		    abi_auth_result((enum smtp_auth_result)i);

		CHECKF(!seen[r], "auth distinct");
		seen[r] = true;
	}
	memset(seen, 0, sizeof(seen));
	for (i = SMTP_EV_SESSION_OPEN; i <= SMTP_EV_ALERT; i++) {
		enum smtpscope_event_type t =
		    abi_event_type((enum smtp_event_type)i);

		CHECKF((unsigned)t < SMTPSCOPE_EV_COUNT, "event type in range");
		CHECKF(!seen[t], "event type distinct");
		seen[t] = true;
	}
	/* Each capability bit: one ABI bit of the same name. */
	for (i = 0; smtp_cap_name(i) != NULL; i++) {
		unsigned bits = abi_caps(1u << i);

		CHECKF(bits != 0 && (bits & (bits - 1)) == 0, "cap one bit");
		for (k = 0; k < 32 && bits != 1u << k; k++)
			;
		CHECKF(abi_cap_name(k) != NULL &&
			strcmp(abi_cap_name(k), smtp_cap_name(i)) == 0,
		    "cap name");
	}
	CHECKF(abi_cap_name(31) == NULL, "cap past the last");
	CHECKF(abi_loss(SMTP_LOSS_GAP | SMTP_LOSS_KERNEL_DROPS) ==
		(SMTPSCOPE_LOSS_GAP | SMTPSCOPE_LOSS_KERNEL_DROPS),
	    "loss bits");
}

static void
test_transaction(void)
{
	struct smtp_session_info si;
	struct smtp_transaction tx;
	struct smtp_rcpt rc[2];
	struct smtp_refused rf[1];
	struct smtp_msg_info msg;
	struct smtp_received parts[2];
	char *received[2] = { "from a by b", "from c by d" };
	struct smtp_dsn_rcpt dsn[1];
	struct smtp_event ev;
	const struct smtpscope_event *o;
	const struct smtpscope_transaction *t;
	struct abi a;
	char addr[64];

	memset(&si, 0, sizeof(si));
	si.id = 77;
	si.client.family = 4;
	si.client.addr[0] = 192;
	si.client.addr[1] = 0;
	si.client.addr[2] = 2;
	si.client.addr[3] = 9;
	si.client.port = 40001;
	si.helo = "client.example";
	si.caps = SMTP_CAP_PIPELINING | SMTP_CAP_STARTTLS;
	si.end = SMTP_SESSION_END_RST;
	snprintf(si.tls_meta.sni, sizeof(si.tls_meta.sni), "mx.example");
	snprintf(si.auth_user, sizeof(si.auth_user), "alice");
	si.auth_result = SMTP_AUTH_SUCCESS;

	memset(&tx, 0, sizeof(tx));
	memset(rc, 0, sizeof(rc));
	memset(rf, 0, sizeof(rf));
	memset(&msg, 0, sizeof(msg));
	memset(parts, 0, sizeof(parts));
	memset(dsn, 0, sizeof(dsn));
	tx.depth = 2;
	tx.verb = SMTP_VERB_MAIL;
	tx.mail_from = "alice@example.org";
	tx.mail.code = 250;
	snprintf(tx.mail.enh, sizeof(tx.mail.enh), "2.1.0");
	rc[0].addr = "bob@example.net";
	rc[0].reply.code = 250;
	rc[1].addr = "nobody@example.net";
	rc[1].reply.code = 550;
	rc[1].reply.text = "no such user";
	rc[1].notify = "FAILURE";
	tx.rcpt = rc;
	tx.nrcpt = 2;
	tx.rcpt_total = 3;
	tx.rcpt_accepted = 1;
	rf[0].verb = SMTP_VERB_MAIL;
	rf[0].arg = "FROM:<bob@example.org>";
	rf[0].reply.code = 503;
	tx.refused = rf;
	tx.nrefused = 1;
	tx.params.size = 1234;
	snprintf(tx.params.body, sizeof(tx.params.body), "8BITMIME");
	tx.final.code = 250;
	tx.final.text = "queued as 7E0E9A80167";
	tx.queue_id = "7E0E9A80167";
	tx.queue_id_form = "postfix";
	tx.outcome = SMTP_OUTCOME_ACCEPTED;
	tx.capture_loss = SMTP_LOSS_GAP;
	parts[1].by = "d";
	parts[1].id = "7E0E9A80167";
	msg.received = received;
	msg.received_parts = parts;
	msg.nreceived = 2;
	msg.subject = "hello";
	dsn[0].status = "5.1.1";
	msg.dsn = dsn;
	msg.ndsn = 1;
	msg.is_dsn = true;
	tx.msg = &msg;

	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_TRANSACTION;
	ev.ts = 1700000000.5;
	ev.session = &si;
	ev.u.tx = &tx;
	abi_init(&a);
	o = abi_event(&a, &ev);
	CHECKF(o->struct_size == sizeof(*o), "event size");
	CHECKF(o->type == SMTPSCOPE_EV_TRANSACTION, "event type");
	CHECKF(o->ts == 1700000000.5, "event ts");
	CHECKF(o->session != NULL && o->session->id == 77 &&
		o->session->struct_size == sizeof(*o->session),
	    "session");
	CHECKF(strcmp(o->session->helo, "client.example") == 0, "session helo");
	CHECKF(o->session->caps ==
		(SMTPSCOPE_CAP_PIPELINING | SMTPSCOPE_CAP_STARTTLS),
	    "session caps");
	CHECKF(o->session->end == SMTPSCOPE_END_RST, "session end");
	CHECKF(o->session->tls_meta != NULL &&
		strcmp(o->session->tls_meta->sni, "mx.example") == 0,
	    "session sni");
	CHECKF(strcmp(o->session->auth_user, "alice") == 0 &&
		o->session->auth_result == SMTPSCOPE_AUTH_SUCCESS,
	    "session auth");
	abi_addr_str(&o->session->client, addr, sizeof(addr));
	CHECKF(
	    strcmp(addr, "192.0.2.9") == 0 && o->session->client.port == 40001,
	    "address");
	t = o->u.tx;
	CHECKF(t->struct_size == sizeof(*t), "tx size");
	CHECKF(t->depth == 2 && t->verb == SMTPSCOPE_VERB_MAIL &&
		strcmp(t->mail_from, "alice@example.org") == 0,
	    "tx envelope");
	CHECKF(t->mail->code == 250 && strcmp(t->mail->enh, "2.1.0") == 0 &&
		t->mail->struct_size == sizeof(*t->mail),
	    "tx mail reply");
	CHECKF(t->nrcpt == 2 && t->rcpt_total == 3 && t->rcpt_accepted == 1,
	    "tx rcpts");
	CHECKF(strcmp(t->rcpt[1]->addr, "nobody@example.net") == 0 &&
		t->rcpt[1]->reply->code == 550 &&
		strcmp(t->rcpt[1]->reply->text, "no such user") == 0 &&
		strcmp(t->rcpt[1]->notify, "FAILURE") == 0 &&
		t->rcpt[1]->delivery->code == 0,
	    "tx rcpt 1");
	CHECKF(t->nrefused == 1 && t->refused[0]->verb == SMTPSCOPE_VERB_MAIL &&
		t->refused[0]->reply->code == 503,
	    "tx refused");
	CHECKF(
	    t->params->size == 1234 && strcmp(t->params->body, "8BITMIME") == 0,
	    "tx params");
	CHECKF(t->final->code == 250 &&
		strcmp(t->final->text, "queued as 7E0E9A80167") == 0,
	    "tx final");
	CHECKF(t->outcome == SMTPSCOPE_OUTCOME_ACCEPTED, "tx outcome");
	CHECKF(SMTPSCOPE_HAS(struct smtpscope_transaction, t, queue_id_form) &&
		strcmp(t->queue_id, "7E0E9A80167") == 0 &&
		strcmp(t->queue_id_form, "postfix") == 0,
	    "tx queue id (revision 2)");
	CHECKF(t->capture_loss == SMTPSCOPE_LOSS_GAP, "tx loss");
	CHECKF(t->msg != NULL && t->msg->nreceived == 2 &&
		strcmp(t->msg->received[1], "from c by d") == 0 &&
		strcmp(t->msg->received_parts[1]->id, "7E0E9A80167") == 0 &&
		t->msg->received_parts[0]->by == NULL &&
		strcmp(t->msg->subject, "hello") == 0,
	    "msg");
	CHECKF(t->msg->is_dsn && t->msg->ndsn == 1 &&
		strcmp(t->msg->dsn[0]->status, "5.1.1") == 0,
	    "msg dsn");

	/* A command event: its argument and parsed path (revision 2). */
	{
		static const uint8_t line[] = "RCPT TO:<bob@example.net>";

		memset(&ev, 0, sizeof(ev));
		ev.type = SMTP_EV_COMMAND;
		ev.session = &si;
		ev.u.command.verb = SMTP_VERB_RCPT;
		ev.u.command.line = line;
		ev.u.command.len = sizeof(line) - 1;
		ev.u.command.arg = line + 5;
		ev.u.command.arg_len = sizeof(line) - 6;
		ev.u.command.path = "bob@example.net";
		o = abi_event(&a, &ev);
		CHECKF(o->type == SMTPSCOPE_EV_COMMAND &&
			SMTPSCOPE_HAS(
			    struct smtpscope_event, o, u.command.path) &&
			o->u.command.arg == line + 5 &&
			o->u.command.arg_len == 20 &&
			strcmp(o->u.command.path, "bob@example.net") == 0,
		    "command arg and path (revision 2)");
	}

	/* A reply event: its meaning from the tables. */
	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_REPLY;
	ev.session = &si;
	ev.u.reply.verb = SMTP_VERB_RCPT;
	ev.u.reply.code = 550;
	snprintf(ev.u.reply.enh, sizeof(ev.u.reply.enh), "5.1.1");
	o = abi_event(&a, &ev);
	CHECKF(o->type == SMTPSCOPE_EV_REPLY &&
		o->u.reply.verb == SMTPSCOPE_VERB_RCPT &&
		o->u.reply.code == 550 && strcmp(o->u.reply.enh, "5.1.1") == 0,
	    "reply");
	CHECKF(SMTPSCOPE_HAS(struct smtpscope_event, o, u.reply.meaning) &&
		o->u.reply.meaning != NULL &&
		strcmp(o->u.reply.meaning,
		    smtp_reply_meaning(550, SMTP_VERB_RCPT)) == 0,
	    "reply meaning");
	abi_free(&a);
}

/* Many recipients: the structures outgrow the first block. */
static void
test_big(void)
{
	static struct smtp_rcpt rc[5000];
	struct smtp_session_info si;
	struct smtp_transaction tx;
	struct smtp_event ev;
	const struct smtpscope_event *o;
	struct abi a;
	size_t i, ok = 0;

	memset(&si, 0, sizeof(si));
	memset(&tx, 0, sizeof(tx));
	for (i = 0; i < 5000; i++) {
		rc[i].addr = "r@example.net";
		rc[i].reply.code = (int)(200 + i % 100);
	}
	tx.rcpt = rc;
	tx.nrcpt = 5000;
	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_TRANSACTION;
	ev.session = &si;
	ev.u.tx = &tx;
	abi_init(&a);
	for (int round = 0; round < 3; round++) {
		o = abi_event(&a, &ev);
		for (i = 0, ok = 0; i < 5000; i++)
			ok += o->u.tx->rcpt[i]->reply->code ==
			    (int)(200 + i % 100);
		CHECKF(ok == 5000, "5000 recipients");
	}
	abi_free(&a);
}

/* A tracked message (revision 3): its hops and recipients behind arrays
 * of pointers, each with its struct_size, the fates and links named. */
static void
test_tracked(void)
{
	struct smtp_msg_hop hops[2];
	struct smtp_msg_rcpt rcpts[2];
	struct smtp_message m;
	struct smtp_event ev;
	const struct smtpscope_event *o;
	const struct smtpscope_tracked *t;
	struct abi a;

	memset(hops, 0, sizeof(hops));
	memset(rcpts, 0, sizeof(rcpts));
	memset(&m, 0, sizeof(m));
	hops[0].session_id = 7;
	hops[0].from_hop = -1;
	hops[0].queue_id = (char *)"4C088AEA322";
	hops[0].queue_time = -1;
	hops[0].outcome = SMTP_OUTCOME_ACCEPTED;
	hops[0].server.family = 4;
	hops[0].server.addr[0] = 127;
	hops[0].server.addr[3] = 2;
	hops[0].server.port = 25;
	hops[1].session_id = 9;
	hops[1].from_hop = 0;
	hops[1].link = SMTP_LINK_QUEUE_ID;
	hops[1].queue_time = 1.5;
	hops[1].outcome = SMTP_OUTCOME_REJECTED;
	rcpts[0].addr = (char *)"bob@remote.test";
	rcpts[0].fate = SMTP_FATE_DELIVERED;
	rcpts[0].hop = 1;
	rcpts[1].addr = (char *)"nosuch@remote.test";
	rcpts[1].fate = SMTP_FATE_REJECTED;
	rcpts[1].hop = 1;
	rcpts[1].code = 550;
	strcpy(rcpts[1].enh, "5.1.1");
	rcpts[1].bounce = 12;
	rcpts[1].bounce_link = "received_id";
	rcpts[1].bounce_status = (char *)"5.1.1";
	m.id = 11;
	m.mail_from = (char *)"alice@origin.test";
	m.envid = (char *)"QQ314159";
	m.hops = hops;
	m.nhops = 2;
	m.rcpts = rcpts;
	m.nrcpt = 2;
	m.settled = "end";
	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_MESSAGE;
	ev.u.message = &m;
	abi_init(&a);
	o = abi_event(&a, &ev);
	CHECKF(o->type == SMTPSCOPE_EV_MESSAGE, "message event type");
	CHECKF(o->session == NULL, "message event: no session");
	t = o->u.tracked;
	CHECKF(t != NULL && t->struct_size == sizeof(*t), "tracked size");
	if (t != NULL) {
		CHECKF(t->id == 11 && t->nhops == 2 && t->nrcpt == 2,
		    "tracked counts");
		CHECKF(strcmp(t->envid, "QQ314159") == 0, "tracked envid");
		CHECKF(strcmp(t->settled, "end") == 0, "tracked settled");
		CHECKF(t->hops[0]->from_hop == -1 && t->hops[0]->link == NULL,
		    "first hop unlinked");
		CHECKF(t->hops[0]->server.addr[3] == 2 &&
			t->hops[0]->server.port == 25,
		    "hop server");
		CHECKF(strcmp(t->hops[0]->queue_id, "4C088AEA322") == 0,
		    "hop queue id");
		CHECKF(t->hops[1]->from_hop == 0 &&
			strcmp(t->hops[1]->link, "queue_id") == 0 &&
			t->hops[1]->queue_time == 1.5 &&
			t->hops[1]->outcome == SMTPSCOPE_OUTCOME_REJECTED,
		    "second hop");
		CHECKF(t->rcpts[0]->fate == SMTPSCOPE_FATE_DELIVERED &&
			t->rcpts[0]->bounce == 0 &&
			t->rcpts[0]->bounce_link == NULL,
		    "rcpt delivered");
		CHECKF(t->rcpts[1]->fate == SMTPSCOPE_FATE_REJECTED &&
			t->rcpts[1]->code == 550 &&
			strcmp(t->rcpts[1]->enh, "5.1.1") == 0 &&
			t->rcpts[1]->bounce == 12 &&
			strcmp(t->rcpts[1]->bounce_link, "received_id") == 0 &&
			!t->rcpts[1]->bounce_missing,
		    "rcpt bounced");
		CHECKF(t->rcpts[1]->struct_size == sizeof(*t->rcpts[1]) &&
			t->hops[1]->struct_size == sizeof(*t->hops[1]),
		    "rcpt and hop sizes");
	}
	abi_free(&a);
}

/* An alert (revision 4): every member, each kind its own value. */
static void
test_alert(void)
{
	struct smtp_alert al;
	struct smtp_event ev;
	const struct smtpscope_event *o;
	const struct smtpscope_alert *x;
	bool seen[SMTPSCOPE_ALERT_COUNT + 1];
	struct abi a;
	int i;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < SMTP_ALERT_COUNT; i++) {
		enum smtpscope_alert_kind k =
		    abi_alert_kind((enum smtp_alert_kind)i);

		CHECKF((unsigned)k < SMTPSCOPE_ALERT_COUNT && !seen[k],
		    "alert kind %d distinct", i);
		seen[k] = true;
	}
	CHECK_INT(SMTP_ALERT_COUNT, SMTPSCOPE_ALERT_COUNT);
	memset(&al, 0, sizeof(al));
	al.kind = SMTP_ALERT_FINAL_LATENCY;
	al.raised = true;
	al.subject = "192.0.2.25";
	al.value = 0.25;
	al.threshold = 0.1;
	al.latency_limit = 30;
	al.samples = 8;
	al.window = 600;
	al.id = 3;
	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_ALERT;
	ev.ts = 1700000000.5;
	ev.u.alert = &al;
	abi_init(&a);
	o = abi_event(&a, &ev);
	CHECKF(o->type == SMTPSCOPE_EV_ALERT, "alert event type");
	CHECKF(o->session == NULL, "alert event: no session");
	x = o->u.alert;
	CHECKF(x != NULL && x->struct_size == sizeof(*x), "alert size");
	if (x != NULL) {
		CHECKF(x->kind == SMTPSCOPE_ALERT_FINAL_LATENCY, "alert kind");
		CHECK_STR(x->name, "final_latency");
		CHECK_STR(x->subject, "192.0.2.25");
		CHECKF(x->raised && x->id == 3 && x->samples == 8 &&
			x->value == 0.25 && x->threshold == 0.1 &&
			x->latency_limit == 30 && x->window == 600,
		    "alert figures");
	}
	abi_free(&a);
}

/* A connection attempt (revision 5): every member, both results. */
static void
test_attempt(void)
{
	struct smtp_attempt at;
	struct smtp_event ev;
	const struct smtpscope_event *o;
	const struct smtpscope_attempt *x;
	struct abi a;

	memset(&at, 0, sizeof(at));
	at.result = SMTP_ATTEMPT_UNANSWERED;
	at.ts = 1700000000.25;
	at.ts_end = 1700000003.25;
	at.waited = 64.5;
	at.client.family = 6;
	at.client.addr[0] = 0x20;
	at.client.addr[15] = 1;
	at.client.port = 40000;
	at.server.family = 4;
	memcpy(at.server.addr, "\xc0\x00\x02\x19", 4);
	at.server.port = 587;
	at.syns = 5;
	at.at_end = true;
	snprintf(at.community_id, sizeof(at.community_id), "1:abc=");
	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_ATTEMPT;
	ev.ts = at.ts_end;
	ev.u.attempt = &at;
	abi_init(&a);
	o = abi_event(&a, &ev);
	CHECKF(o->type == SMTPSCOPE_EV_ATTEMPT, "attempt event type");
	CHECKF(o->session == NULL, "attempt event: no session");
	CHECKF(SMTPSCOPE_HAS(struct smtpscope_event, o, u.attempt),
	    "attempt member there");
	x = o->u.attempt;
	CHECKF(x != NULL && x->struct_size == sizeof(*x), "attempt size");
	if (x != NULL) {
		CHECKF(!x->refused, "attempt unanswered");
		CHECK_STR(x->result, "unanswered");
		CHECKF(x->ts == 1700000000.25 && x->ts_end == 1700000003.25 &&
			x->waited == 64.5,
		    "attempt times");
		CHECKF(x->client.family == 6 && x->client.addr[0] == 0x20 &&
			x->client.addr[15] == 1 && x->client.port == 40000,
		    "attempt client");
		CHECKF(x->server.family == 4 &&
			memcmp(x->server.addr, "\xc0\x00\x02\x19", 4) == 0 &&
			x->server.port == 587,
		    "attempt server");
		CHECKF(x->syns == 5 && x->at_end, "attempt syns, at_end");
		CHECK_STR(x->community_id, "1:abc=");
	}
	at.result = SMTP_ATTEMPT_REFUSED;
	o = abi_event(&a, &ev);
	x = o->u.attempt;
	CHECKF(x != NULL && x->refused, "attempt refused");
	if (x != NULL)
		CHECK_STR(x->result, "refused");
	abi_free(&a);
}

int
main(void)
{
	test_values();
	test_transaction();
	test_tracked();
	test_alert();
	test_attempt();
	test_big();
	return check_done("plugin_abi");
}
