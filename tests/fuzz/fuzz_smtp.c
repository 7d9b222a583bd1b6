/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the SMTP dissector fed a two-direction byte stream.
 * The input is a list of chunks, each a 2-byte header (top bit: the
 * direction, 1 = server; 15 bits: the length) and its bytes, so that the
 * fuzzer controls both the interleaving and the segment boundaries. The
 * session is closed at the end; every event goes through the statistics
 * store and the JSON log's, the transcript's and the Zeek log's
 * formatting, as in the program. An empty chunk followed by 0xff is a
 * 1000-byte gap in that direction; by 0xfe, a trim (smtp_session_trim,
 * as the idle sweep does). Each input is run twice: as a whole session,
 * and as a session picked up mid-stream, whose streams start anywhere
 * (the input's first bytes), where 0xfd after an empty chunk says that
 * direction is not captured (a one-sided connection). Message tracking
 * takes the transactions as in the program (small caps, per input).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sinks/alerts.h"
#include "sinks/jsonlog.h"
#include "sinks/stats.h"
#include "sinks/transcript.h"
#include "sinks/zeeklog.h"
#include "smtp/smtp.h"
#include "track/track.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

/*
 * One session over the input. midstream: picked up mid-stream (each
 * direction may start anywhere: in a line, a message, TLS), and a chunk
 * of length 0 followed by 0xfd says its direction is missing from the
 * capture (smtp_session_one_sided()).
 */
static void
run(struct event_bus *bus, const uint8_t *data, size_t size, bool midstream)
{
	struct smtp_session_params p;
	struct smtp_session *s;
	double ts = 1000;

	memset(&p, 0, sizeof(p));
	p.id = 1;
	p.ts = ts;
	p.client.family = 4;
	p.server.family = 4;
	p.server.port = 25;
	p.midstream = midstream;
	s = smtp_session_open(bus, &p);
	while (size >= 2) {
		int dir = data[0] >> 7;
		size_t n = (size_t)(data[0] & 0x7f) << 8 | data[1];

		data += 2;
		size -= 2;
		if (n > size)
			n = size;
		ts += 0.25;
		if (n == 0 && size > 0 && data[0] == 0xff) {
			/* A gap of 1000 bytes in that direction. */
			smtp_session_gap(s,
			    dir ? SMTP_DIR_SERVER : SMTP_DIR_CLIENT, 1000, ts);
			continue;
		}
		if (n == 0 && size > 0 && data[0] == 0xfe) {
			/* A quiet moment: the idle sweep trims the session. */
			smtp_session_trim(s);
			continue;
		}
		if (n == 0 && size > 0 && data[0] == 0xfd && midstream) {
			smtp_session_one_sided(
			    s, dir ? SMTP_DIR_SERVER : SMTP_DIR_CLIENT, ts);
			continue;
		}
		smtp_session_data(
		    s, dir ? SMTP_DIR_SERVER : SMTP_DIR_CLIENT, data, n, ts);
		data += n;
		size -= n;
	}
	smtp_session_close(s, SMTP_SESSION_END_FIN, ts + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct jsonlog log;
	static struct transcript tr;
	static struct zeeklog zl;
	static struct stats st;
	static int ready;
	struct event_bus bus;
	static struct alerts al;
	struct alerts_config ac;
	struct tracker *track;
	struct track_config tc = {
		.window = 30, .max_messages = 16, .max_bytes = 1u << 18
	};
	char err[256];

	if (!ready) {
		devnull = fopen("/dev/null", "w");
		if (jsonlog_open(&log, "/dev/null", err, sizeof(err)) != 0)
			return 0;
		transcript_init(&tr, fileno(devnull));
		recfile_init_fd(
		    &zl.out, fileno(devnull), false, "fuzz", 1 << 20, 1 << 22);
		dbuf_init(&zl.line, 1 << 22);
		sessmap_init(&zl.sessions);
		stats_init(&st);
		ready = 1;
	}
	memset(&bus, 0, sizeof(bus));
	event_bus_subscribe_types(&bus, stats_on_event, &st,
	    EVENT_ALL_BUT_BODY | EVENT_BIT(SMTP_EV_MESSAGE) |
		EVENT_BIT(SMTP_EV_ALERT));
	event_bus_subscribe_types(&bus, jsonlog_on_event, &log, JSONLOG_EVENTS);
	event_bus_subscribe(&bus, transcript_on_event, &tr);
	event_bus_subscribe(&bus, zeeklog_on_event, &zl);
	/* Alerts at thresholds any input reaches, on short windows. */
	alerts_config_default(&ac);
	ac.rate_min = ac.latency_min = ac.auth_failures = 1;
	ac.reject_rate = ac.tempfail_rate = ac.lost_rate = 0.01;
	ac.greeting_latency = ac.final_latency = 1e-6;
	ac.window = ac.auth_window = 1;
	alerts_init(&al, &ac, &bus);
	event_bus_subscribe_types(&bus, alerts_on_event, &al, ALERTS_EVENTS);
	/* As a whole session, then as one picked up mid-stream: the same
	 * bytes, starting anywhere. */
	track = track_open(&tc, &bus);
	run(&bus, data, size, false);
	run(&bus, data, size, true);
	track_finish(track);
	track_close(track);
	return 0;
}
