/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The alerts (sinks/alerts.c) fed events by hand: each kind raised once
 * at its threshold and cleared once past its margin, the kernel's drops
 * (which no capture file has), windows that empty with time alone, the
 * table of clients full, and --alert's parsing.
 */
#include <string.h>

#include "check.h"
#include "sinks/alerts.h"

/* What reached the bus. */
static struct got {
	enum smtp_alert_kind kind;
	bool raised;
	char subject[48];
	double value;
	uint64_t samples, id;
	double ts;
} got[64];
static size_t ngot;

static void
record(void *arg, const struct smtp_event *ev)
{
	const struct smtp_alert *a = ev->u.alert;

	(void)arg;
	if (ngot == sizeof(got) / sizeof(got[0]))
		return;
	got[ngot].kind = a->kind;
	got[ngot].raised = a->raised;
	snprintf(
	    got[ngot].subject, sizeof(got[ngot].subject), "%s", a->subject);
	got[ngot].value = a->value;
	got[ngot].samples = a->samples;
	got[ngot].id = a->id;
	got[ngot].ts = ev->ts;
	ngot++;
}

static struct event_bus bus;
static struct alerts al;
static struct smtp_session_info si;

static void
start(const char *spec)
{
	struct alerts_config c;
	char err[256];

	alerts_config_default(&c);
	if (spec != NULL)
		CHECKF(alerts_config_parse(&c, spec, err, sizeof(err)) == 0,
		    "parse %s", spec);
	memset(&bus, 0, sizeof(bus));
	event_bus_subscribe_types(&bus, record, NULL, EVENT_BIT(SMTP_EV_ALERT));
	alerts_init(&al, &c, &bus);
	ngot = 0;
	memset(&si, 0, sizeof(si));
	si.client.family = 4;
	si.server.family = 4;
	memcpy(si.server.addr, "\xc0\x00\x02\x19", 4);
}

static void
client(uint8_t last)
{
	memcpy(si.client.addr, "\xc6\x33\x64", 3);
	si.client.addr[3] = last;
}

static void
tx(double ts, enum smtp_outcome o)
{
	struct smtp_transaction t;
	struct smtp_event ev;

	memset(&t, 0, sizeof(t));
	t.outcome = o;
	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_TRANSACTION;
	ev.ts = ts;
	ev.session = &si;
	ev.u.tx = &t;
	alerts_on_event(&al, &ev);
}

/* A session ends with its AUTH failures, and its greeting (code 0:
 * none) with its latency. */
static void
session_end(double ts, unsigned auth_failures, int greeting, double latency)
{
	struct smtp_event ev;

	si.auth_failures = auth_failures;
	si.greeting_code = greeting;
	si.greeting_latency = latency;
	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_SESSION_CLOSE;
	ev.ts = ts;
	ev.session = &si;
	alerts_on_event(&al, &ev);
}

static void
test_rates(void)
{
	int i;

	/* 19 rejected of 19: under rate_min, nothing; the 20th raises. */
	start(NULL);
	for (i = 0; i < 19; i++)
		tx(1000 + i, SMTP_OUTCOME_REJECTED);
	CHECK_UINT(ngot, 0);
	tx(1019, SMTP_OUTCOME_ACCEPTED);
	CHECK_UINT(ngot, 1);
	CHECKF(got[0].kind == SMTP_ALERT_REJECT_RATE && got[0].raised &&
		got[0].samples == 20 && got[0].value == 0.95 &&
		got[0].subject[0] == '\0' && got[0].id == 1,
	    "reject rate raised at 19 of 20");
	/* Accepted ones bring it down: 19/47 = 40.4% (over 40%, 80% of
	 * the threshold), 19/48 = 39.6% clears. Once. */
	for (i = 0; i < 27; i++)
		tx(1020 + i, SMTP_OUTCOME_ACCEPTED);
	CHECK_UINT(ngot, 1);
	tx(1047, SMTP_OUTCOME_ACCEPTED);
	CHECK_UINT(ngot, 2);
	CHECKF(got[1].kind == SMTP_ALERT_REJECT_RATE && !got[1].raised &&
		got[1].samples == 48 && got[1].id == 1,
	    "reject rate cleared at 19 of 48");
	for (i = 0; i < 10; i++)
		tx(1048 + i, SMTP_OUTCOME_ACCEPTED);
	CHECK_UINT(ngot, 2);
	/* Aborted and unknown transactions count for nothing. */
	start("rate_min=2");
	tx(10, SMTP_OUTCOME_ABORTED);
	tx(11, SMTP_OUTCOME_UNKNOWN);
	tx(12, SMTP_OUTCOME_LOST);
	CHECK_UINT(ngot, 0);
	tx(13, SMTP_OUTCOME_TEMPFAIL);
	CHECK_UINT(ngot, 2);
	CHECKF(got[0].kind == SMTP_ALERT_TEMPFAIL_RATE && got[0].value == 0.5,
	    "tempfail 1 of 2");
	CHECKF(got[1].kind == SMTP_ALERT_LOST_RATE && got[1].value == 0.5,
	    "lost 1 of 2");
	/* The window passes (600 s, in buckets of 60 s): both clear by
	 * time, at a tick. */
	alerts_clock(&al, 13 + 500, 0);
	CHECK_UINT(ngot, 2);
	alerts_clock(&al, 13 + 661, 0);
	CHECK_UINT(ngot, 4);
	CHECKF(!got[2].raised && !got[3].raised && got[2].samples == 0,
	    "cleared by an empty window");
}

static void
test_auth(void)
{
	int i;

	start(NULL);
	client(1);
	for (i = 0; i < 4; i++)
		session_end(100 + i * 100, 1, 0, -1);
	/* Another client's failures are its own. */
	client(2);
	session_end(450, 1, 0, -1);
	CHECK_UINT(ngot, 0);
	/* The fifth within 600 s: 200, 300, 400 and 500 still are. */
	client(1);
	session_end(650, 1, 0, -1);
	CHECK_UINT(ngot, 1);
	CHECKF(got[0].kind == SMTP_ALERT_AUTH_FAILURES && got[0].raised &&
		strcmp(got[0].subject, "198.51.100.1") == 0 &&
		got[0].value == 5,
	    "auth raised for 198.51.100.1: %s %g", got[0].subject,
	    got[0].value);
	/* More failures: no second alert. A success is no failure. */
	session_end(660, 1, 0, -1);
	session_end(670, 0, 0, -1);
	CHECK_UINT(ngot, 1);
	/* Quiet for 600 s: cleared. */
	alerts_clock(&al, 1200, 0);
	CHECK_UINT(ngot, 1);
	alerts_clock(&al, 1262, 0);
	CHECK_UINT(ngot, 2);
	CHECKF(!got[1].raised && got[1].id == got[0].id, "auth cleared");
	/* Four failures spread over more than the window: none. */
	start(NULL);
	client(3);
	for (i = 0; i < 10; i++)
		session_end(i * 200, 1, 0, -1);
	CHECK_UINT(ngot, 0);
	/* Seven failures in one session count seven, at its end. */
	start(NULL);
	client(4);
	session_end(5, 7, 220, 0.1);
	CHECK_UINT(ngot, 1);
	CHECKF(got[0].kind == SMTP_ALERT_AUTH_FAILURES && got[0].value == 7 &&
		got[0].samples == 7,
	    "seven in one session: %g", got[0].value);
	/* Off. */
	start("auth_failures=0");
	for (i = 0; i < 10; i++)
		session_end(i, 1, 0, -1);
	CHECK_UINT(ngot, 0);
	/* More clients than the table: the least recently seen go, and
	 * nothing breaks; a client raised is kept. */
	start("auth_failures=2");
	client(9);
	session_end(1, 1, 0, -1);
	session_end(2, 1, 0, -1);
	CHECK_UINT(ngot, 1);
	for (i = 0; i < ALERT_CLIENTS * 3; i++) {
		si.client.addr[2] = (uint8_t)(i >> 8);
		si.client.addr[3] = (uint8_t)i;
		si.client.addr[1] = 0;
		session_end(3 + i * 0.001, 1, 0, -1);
	}
	CHECK_UINT(ngot, 1);
	CHECKF(al.clients_evicted > 0, "clients evicted");
	client(9);
	alerts_clock(&al, 700, 0);
	CHECK_UINT(ngot, 2);
	CHECKF(!got[1].raised && strcmp(got[1].subject, "198.51.100.9") == 0,
	    "the raised client was kept and cleared");
}

static void
test_latency(void)
{
	int i;

	/* Greetings: 4 fast, then one of 6 s: 1 of 5 is 20% slow. */
	start(NULL);
	for (i = 0; i < 4; i++)
		session_end(10 + i, 0, 220, 0.1);
	CHECK_UINT(ngot, 0);
	session_end(20, 0, 220, 6);
	CHECK_UINT(ngot, 1);
	CHECKF(got[0].kind == SMTP_ALERT_GREETING_LATENCY && got[0].raised &&
		strcmp(got[0].subject, "192.0.2.25") == 0 &&
		got[0].samples == 5 && got[0].value == 0.2,
	    "greeting latency raised");
	/* 1 of 19 is 5.3%: still; 1 of 20 is 5%: cleared. */
	for (i = 0; i < 14; i++)
		session_end(21 + i, 0, 220, 0.1);
	CHECK_UINT(ngot, 1);
	session_end(40, 0, 220, 0.1);
	CHECK_UINT(ngot, 2);
	CHECKF(!got[1].raised && got[1].samples == 20, "greeting cleared");
	/* Final replies: their own limit (30 s), their own alert. */
	start("latency_min=1");
	{
		struct smtp_transaction t;
		struct smtp_event ev;

		memset(&t, 0, sizeof(t));
		t.outcome = SMTP_OUTCOME_ACCEPTED;
		t.final.code = 250;
		t.final.latency = 31;
		memset(&ev, 0, sizeof(ev));
		ev.type = SMTP_EV_TRANSACTION;
		ev.ts = 50;
		ev.session = &si;
		ev.u.tx = &t;
		alerts_on_event(&al, &ev);
		CHECK_UINT(ngot, 1);
		CHECKF(got[0].kind == SMTP_ALERT_FINAL_LATENCY &&
			got[0].value == 1,
		    "final latency raised");
		t.final.latency = 29;
		ev.ts = 51;
		alerts_on_event(&al, &ev);
		CHECK_UINT(ngot, 1);
	}
	/* An unknown latency (-1) is no sample, nor a session with no
	 * greeting. */
	start("latency_min=1,greeting_latency=0.5");
	session_end(1, 0, 220, -1);
	session_end(2, 0, 0, 9);
	CHECK_UINT(ngot, 0);
}

static void
test_drops(void)
{
	start(NULL);
	alerts_clock(&al, 100, 0);
	CHECK_UINT(ngot, 0);
	alerts_clock(&al, 101, 3);
	CHECK_UINT(ngot, 1);
	CHECKF(got[0].kind == SMTP_ALERT_KERNEL_DROPS && got[0].raised &&
		got[0].value == 3,
	    "drops raised");
	alerts_clock(&al, 200, 5);
	CHECK_UINT(ngot, 1);
	alerts_clock(&al, 700, 5);
	CHECK_UINT(ngot, 1);
	alerts_clock(&al, 861, 5);
	CHECK_UINT(ngot, 2);
	CHECKF(!got[1].raised, "drops cleared after a window without");
	/* A higher threshold: 5 in the window is not 10. */
	start("kernel_drops=10,window=60");
	alerts_clock(&al, 10, 5);
	alerts_clock(&al, 80, 9);
	CHECK_UINT(ngot, 0);
	alerts_clock(&al, 81, 15);
	CHECK_UINT(ngot, 1);
	CHECKF(got[0].value == 10, "10 in the window: %g", got[0].value);
}

/* A connection to port of server ...25.last refused (or not), at ts. */
static void
attempt(double ts, uint8_t last, uint16_t port, bool refused)
{
	struct smtp_attempt at;
	struct smtp_event ev;

	memset(&at, 0, sizeof(at));
	at.result = refused ? SMTP_ATTEMPT_REFUSED : SMTP_ATTEMPT_UNANSWERED;
	at.ts = at.ts_end = ts;
	at.syns = 1;
	at.client = si.client;
	at.server.family = 4;
	memcpy(at.server.addr, "\xc0\x00\x02", 3);
	at.server.addr[3] = last;
	at.server.port = port;
	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_ATTEMPT;
	ev.ts = ts;
	ev.u.attempt = &at;
	alerts_on_event(&al, &ev);
}

static void
test_connect(void)
{
	int i;

	/* Five to one server within 600 s (its ports together, refused or
	 * unanswered alike); another server's are its own. */
	start(NULL);
	client(1);
	for (i = 0; i < 4; i++)
		attempt(100 + i * 100, 25, i ? 25 : 587, i % 2);
	attempt(450, 26, 25, true);
	CHECK_UINT(ngot, 0);
	attempt(650, 25, 25, false);
	CHECK_UINT(ngot, 1);
	CHECKF(got[0].kind == SMTP_ALERT_CONNECT_FAILURES && got[0].raised &&
		strcmp(got[0].subject, "192.0.2.25") == 0 &&
		got[0].value == 5 && got[0].samples == 5,
	    "connect raised for 192.0.2.25: %s %g", got[0].subject,
	    got[0].value);
	attempt(660, 25, 25, true);
	CHECK_UINT(ngot, 1);
	/* Quiet for the window: cleared, once. */
	alerts_clock(&al, 1259, 0);
	CHECK_UINT(ngot, 1);
	alerts_clock(&al, 1261, 0);
	CHECK_UINT(ngot, 2);
	CHECKF(!got[1].raised && got[1].id == got[0].id &&
		got[1].kind == SMTP_ALERT_CONNECT_FAILURES,
	    "connect cleared");
	/* Spread over more than the window: none. */
	start(NULL);
	for (i = 0; i < 10; i++)
		attempt(i * 200, 25, 25, true);
	CHECK_UINT(ngot, 0);
	/* A shorter window and threshold; and off. */
	start("connect_failures=2,connect_window=10");
	attempt(1, 25, 25, true);
	attempt(12, 25, 25, true);
	CHECK_UINT(ngot, 0);
	attempt(13, 25, 25, true);
	CHECK_UINT(ngot, 1);
	start("connect_failures=0");
	for (i = 0; i < 10; i++)
		attempt(i, 25, 25, true);
	CHECK_UINT(ngot, 0);
}

static void
test_parse(void)
{
	static const char *const bad[] = { "", "x=1", "reject_rate",
		"reject_rate=", "reject_rate=1x", "reject_rate=101",
		"auth_failures=65", "auth_failures=1.5", "window=0",
		"rate_min=-1", "a=1,,b=2", "reject_rate=nan",
		"connect_failures=65", "connect_window=0" };
	struct alerts_config c;
	char err[256];
	size_t i;

	alerts_config_default(&c);
	CHECK(alerts_config_parse(&c,
		  "reject_rate=12.5,auth_failures=64,final_latency=0,"
		  "kernel_drops=1000000",
		  err, sizeof(err)) == 0);
	CHECKF(c.reject_rate == 0.125 && c.auth_failures == 64 &&
		c.final_latency == 0 && c.kernel_drops == 1000000 &&
		c.tempfail_rate == 0.3,
	    "parsed values");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECKF(alerts_config_parse(&c, bad[i], err, sizeof(err)) != 0 ||
			bad[i][0] == '\0',
		    "refused: %s", bad[i]);
	}
}

int
main(void)
{
	test_rates();
	test_auth();
	test_latency();
	test_drops();
	test_connect();
	test_parse();
	return check_done("alerts");
}
