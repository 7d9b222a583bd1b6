/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: a plugin's entry points fed by the dissector. The
 * plugin's sources are compiled into this program (one program per
 * plugin: build/fuzz/fuzz_plugin_NAME), so that the fuzzer sees their
 * coverage and the sanitizers check them; the host services are a small
 * stand-in for src/plugin/plugins.c, the events put in the ABI's
 * structures by the host's own src/event/plugin_abi.c. The input is
 * fuzz_smtp's: chunks of a two-direction stream (2-byte header, top bit
 * the direction, 15 bits the length); an empty chunk followed by 0xff is
 * a 1000-byte gap. Each input is one session (or several: an empty chunk
 * followed by 0xfd closes the session and opens the next), every event
 * goes to the plugin, bodies included when it asks, and the JSON log's
 * records (a log without a file, src/sinks/jsonlog.c) when it asks for
 * them (the clickhouse plugin). init() runs once with
 * FUZZ_PLUGIN_ARGS (from the Makefile), tick() every 64 chunks, fini() at
 * exit.
 */
#include <smtpscope/plugin.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "event/plugin_abi.h"
#include "sinks/jsonlog.h"
#include "smtp/smtp.h"

#ifndef FUZZ_PLUGIN_ARGS
#define FUZZ_PLUGIN_ARGS ""
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern const struct smtpscope_plugin smtpscope_plugin;

static struct {
	struct smtpscope_host host;
	void *state;
	bool want_body;
	bool want_records;
	struct jsonlog reclog; /* when the plugin wants records */
	uint64_t counters[64];
	size_t ncounters;
	bool ready;
	uint64_t next_id;
	struct abi abi;
} F;

static void
fz_log(void *ctx, enum smtpscope_log_level level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	(void)ctx;
	(void)level;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
}

static uint64_t *
fz_counter(void *ctx, const char *name, const char *help)
{
	(void)ctx;
	(void)help;
	if (name == NULL || F.ncounters >= 64)
		return NULL;
	return &F.counters[F.ncounters++];
}

static void
fz_want_body(void *ctx)
{
	(void)ctx;
	F.want_body = true;
}

static void
fz_want_records(void *ctx)
{
	(void)ctx;
	F.want_records = true;
}

/* A record of the log to the plugin, as src/plugin/plugins.c gives it. */
static void
fz_record(void *arg, double ts, const char *type, size_t type_len,
    const char *json, size_t len)
{
	struct smtpscope_event ev;
	char tname[ABI_RECORD_TYPE_MAX];

	(void)arg;
	abi_record_event(&ev, tname, ts, type, type_len, json, len);
	smtpscope_plugin.on_event(F.state, &ev);
}

static void
sink(void *arg, const struct smtp_event *ev)
{
	(void)arg;
	smtpscope_plugin.on_event(F.state, abi_event(&F.abi, ev));
}

static void
at_exit(void)
{
	struct smtpscope_health h;

	if (!F.ready)
		return;
	memset(&h, 0, sizeof(h));
	h.struct_size = sizeof(h);
	if (smtpscope_plugin.tick != NULL)
		smtpscope_plugin.tick(F.state, &h);
	if (smtpscope_plugin.fini != NULL)
		smtpscope_plugin.fini(F.state);
	if (F.want_records)
		jsonlog_close(&F.reclog);
	abi_free(&F.abi);
	F.ready = false;
}

static void
setup(void)
{
	char err[512];

	abi_init(&F.abi);
	abi_host_services(&F.host);
	F.host.log = fz_log;
	F.host.counter = fz_counter;
	F.host.want_body = fz_want_body;
	F.host.want_records = fz_want_records;
	if (smtpscope_plugin.init(
		&F.host, FUZZ_PLUGIN_ARGS, &F.state, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_plugin: init failed: %s\n", err);
		abort();
	}
	if (F.want_records) {
		jsonlog_open_records(&F.reclog);
		F.reclog.on_record = fz_record;
	}
	F.ready = true;
	atexit(at_exit);
}

static struct smtp_session *
open_session(struct event_bus *bus, double ts)
{
	struct smtp_session_params p;

	memset(&p, 0, sizeof(p));
	p.id = ++F.next_id;
	p.ts = ts;
	p.client.family = 4;
	p.client.addr[0] = 192;
	p.client.addr[3] = 2;
	p.client.port = 40000;
	p.server.family = 4;
	p.server.addr[0] = 192;
	p.server.addr[3] = 25;
	p.server.port = 25;
	return smtp_session_open(bus, &p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtpscope_health h;
	struct event_bus bus;
	struct smtp_session *s;
	double ts = 1700000000;
	unsigned chunks = 0;

	if (!F.ready)
		setup();
	memset(&bus, 0, sizeof(bus));
	event_bus_subscribe_body(&bus, sink, NULL, F.want_body);
	if (F.want_records)
		event_bus_subscribe_types(
		    &bus, jsonlog_on_event, &F.reclog, JSONLOG_EVENTS);
	s = open_session(&bus, ts);
	while (size >= 2) {
		int dir = data[0] >> 7;
		size_t n = (size_t)(data[0] & 0x7f) << 8 | data[1];

		data += 2;
		size -= 2;
		if (n > size)
			n = size;
		ts += 0.25;
		if (++chunks % 64 == 0 && smtpscope_plugin.tick != NULL) {
			memset(&h, 0, sizeof(h));
			h.struct_size = sizeof(h);
			h.now = ts;
			smtpscope_plugin.tick(F.state, &h);
		}
		if (n == 0 && size > 0 && data[0] == 0xff) {
			smtp_session_gap(s,
			    dir ? SMTP_DIR_SERVER : SMTP_DIR_CLIENT, 1000, ts);
			continue;
		}
		if (n == 0 && size > 0 && data[0] == 0xfd) {
			smtp_session_close(s, SMTP_SESSION_END_FIN, ts);
			s = open_session(&bus, ts);
			continue;
		}
		smtp_session_data(
		    s, dir ? SMTP_DIR_SERVER : SMTP_DIR_CLIENT, data, n, ts);
		data += n;
		size -= n;
	}
	smtp_session_close(s, SMTP_SESSION_END_FIN, ts + 1);
	return 0;
}
