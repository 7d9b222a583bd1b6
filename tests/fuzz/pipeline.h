/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What fuzz_pcap and fuzz_pcapng share: the program's pipeline behind
 * the packets, every sink writing to /dev/null as in a run with all the
 * outputs (the statistics store, the JSON log, the Zeek log, the
 * transcript, then the three reports and the summary).
 *
 *   if (fuzz_pipeline_open(&fp)) { ...reasm_packet()...; reasm_finish(); }
 *   fuzz_pipeline_close(&fp, &capture_stats);
 */
#ifndef SMTPSCOPE_FUZZ_PIPELINE_H
#define SMTPSCOPE_FUZZ_PIPELINE_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "event/health.h"
#include "net/reasm.h"
#include "report/report.h"
#include "sinks/jsonlog.h"
#include "sinks/stats.h"
#include "sinks/transcript.h"
#include "sinks/zeeklog.h"
#include "track/track.h"

struct fuzz_pipeline {
	FILE *devnull;
	struct event_bus bus;
	struct jsonlog log;
	struct transcript tr;
	struct zeeklog zl;
	struct reasm_config rc;
	struct tracker *track; /* message tracking, as the program runs it */
};

/* The sinks on the bus and reassembly started (mail ports 25, 587, 465,
 * TLS on 465); false when reassembly could not start (the sinks are
 * still to be closed). */
static inline bool
fuzz_pipeline_open(struct fuzz_pipeline *fp, struct stats *st)
{
	static uint8_t portmap[8192], tlsmap[8192];
	static FILE *devnull;
	char err[256];

	if (devnull == NULL) {
		devnull = fopen("/dev/null", "w");
		portmap[25 >> 3] |= 1u << (25 & 7);
		portmap[587 >> 3] |= 1u << (587 & 7);
		portmap[465 >> 3] |= 1u << (465 & 7);
		tlsmap[465 >> 3] |= 1u << (465 & 7);
	}
	memset(fp, 0, sizeof(*fp));
	fp->devnull = devnull;
	stats_init(st);
	event_bus_subscribe_types(&fp->bus, stats_on_event, st,
	    EVENT_ALL_BUT_BODY | EVENT_BIT(SMTP_EV_MESSAGE));
	if (jsonlog_open(&fp->log, "/dev/null", err, sizeof(err)) == 0)
		event_bus_subscribe_types(
		    &fp->bus, jsonlog_on_event, &fp->log, JSONLOG_EVENTS);
	transcript_init(&fp->tr, fileno(devnull));
	event_bus_subscribe(&fp->bus, transcript_on_event, &fp->tr);
	recfile_init_fd(
	    &fp->zl.out, fileno(devnull), false, "fuzz", 1 << 20, 1 << 22);
	dbuf_init(&fp->zl.line, 1 << 22);
	sessmap_init(&fp->zl.sessions);
	event_bus_subscribe(&fp->bus, zeeklog_on_event, &fp->zl);
	/* Small caps, so that eviction and the grace list are reached. */
	{
		struct track_config tc = {
			.window = 30, .max_messages = 64, .max_bytes = 1u << 20
		};

		fp->track = track_open(&tc, &fp->bus);
		st->tracking = true;
	}
	fp->rc.portmap = portmap;
	fp->rc.tlsmap = tlsmap;
	fp->rc.max_sessions = 64;
	fp->rc.idle_timeout = 600;
	fp->rc.v6_max = 256;
	fp->rc.bus = &fp->bus;
#ifdef FUZZ_PORTS_ANY
	/* fuzz_pcap_any: --ports any, every other port judged by content. */
	fp->rc.any_port = true;
#endif
	return reasm_init(&fp->rc, err, sizeof(err)) == 0;
}

/* The reports and the summary from the store, then every sink closed. */
static inline void
fuzz_pipeline_close(struct fuzz_pipeline *fp, const struct stats *st,
    const struct capture_stats *cs)
{
	struct health health;
	struct report_info ri;

	memset(&health, 0, sizeof(health));
	memset(&ri, 0, sizeof(ri));
	ri.source = "fuzz";
	ri.version = "fuzz";
	health.cs = *cs;
	health.rs = *reasm_stats();
	ri.health = &health;
	track_finish(fp->track);
	report_text(fp->devnull, st, &ri);
	report_json(fp->devnull, st, &ri);
	report_html(fp->devnull, st, &ri);
	transcript_finish(&fp->tr);
	recfile_close(&fp->zl.out); /* devnull stays open */
	jsonlog_summary(
	    &fp->log, st, &health, &(struct jsonlog_not_written){ 0, 0 });
	jsonlog_close(&fp->log);
	sessmap_free(&fp->zl.sessions);
	dbuf_free(&fp->zl.line);
	track_close(fp->track);
}

#endif
