/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: smtpscope's own pcapng reader (src/pcapng.c), which
 * reads what libpcap refuses (interfaces of different link types, snap
 * lengths or byte orders), fed the input from memory. Built with
 * FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, the reader keeps each block
 * in a buffer of the block's size, so that the sanitizer sees any read
 * past it. Every packet it returns is checked (its bytes inside that
 * buffer, its lengths, its microseconds), its time goes through
 * capture_time() as in the program, and the packets of the link types
 * smtpscope decodes go on through decap, the IPv6 stand-ins and libnids
 * into the dissector and every sink, as fuzz_pcap does for libpcap.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "decap.h"
#include "jsonlog.h"
#include "pcapng.h"
#include "reasm.h"
#include "report/report.h"
#include "stats.h"
#include "transcript.h"
#include "zeeklog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Packets read from one input at most: the reader's cost is per block,
 * the rest of the pipeline's per packet. */
#define FUZZ_PACKETS_MAX 4096

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t portmap[8192], tlsmap[8192];
	static struct stats st;
	static FILE *devnull;
	char err[256];
	struct capture_stats cs;
	struct health health;
	struct report_info ri;
	struct reasm_config rc;
	struct event_bus bus;
	struct jsonlog log;
	struct transcript tr;
	struct zeeklog zl;
	struct pcapng_reader *r;
	struct pcapng_packet pk;
	double prev = -1, ts;
	bool replaced;
	size_t n = 0;
	int got;
	FILE *f;

	if (devnull == NULL) {
		devnull = fopen("/dev/null", "w");
		portmap[25 >> 3] |= 1u << (25 & 7);
		portmap[587 >> 3] |= 1u << (587 & 7);
		portmap[465 >> 3] |= 1u << (465 & 7);
		tlsmap[465 >> 3] |= 1u << (465 & 7);
	}
	if (size == 0 ||
	    (f = fmemopen((void *)(uintptr_t)data, size, "rb")) == NULL)
		return 0;
	if ((r = pcapng_open(f, err, sizeof(err))) == NULL) {
		if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
			abort(); /* a refusal says why */
		fclose(f);
		return 0;
	}
	stats_init(&st);
	memset(&bus, 0, sizeof(bus));
	event_bus_subscribe(&bus, stats_on_event, &st);
	if (jsonlog_open(&log, "/dev/null", err, sizeof(err)) == 0)
		event_bus_subscribe(&bus, jsonlog_on_event, &log);
	transcript_init(&tr, fileno(devnull));
	event_bus_subscribe(&bus, transcript_on_event, &tr);
	memset(&zl, 0, sizeof(zl));
	recfile_init_fd(
	    &zl.out, fileno(devnull), false, "fuzz", 1 << 20, 1 << 22);
	dbuf_init(&zl.line, 1 << 22);
	sessmap_init(&zl.sessions);
	event_bus_subscribe(&bus, zeeklog_on_event, &zl);

	memset(&cs, 0, sizeof(cs));
	memset(&rc, 0, sizeof(rc));
	rc.portmap = portmap;
	rc.tlsmap = tlsmap;
	rc.max_sessions = 64;
	rc.idle_timeout = 600;
	rc.v6_max = 256;
	rc.bus = &bus;
	if (reasm_init(&rc, err, sizeof(err)) == 0) {
		while (n++ < FUZZ_PACKETS_MAX &&
		    (got = pcapng_next(r, &pk, err, sizeof(err))) == 1) {
			/* What the reader promises (pcapng.h). */
			if (pk.usec >= 1000000 || pk.caplen > size ||
			    (pk.caplen > 0 && pk.data == NULL))
				abort();
			if (pk.caplen > 0) /* inside its block: ASan sees */
				(void)((const volatile uint8_t *)
					   pk.data)[pk.caplen - 1];
			ts = capture_time(pk.sec, pk.usec, prev, &replaced);
			if (!(ts >= 0 && ts <= (double)CAPTURE_TIME_MAX + 1))
				abort();
			prev = ts;
			if (replaced) {
				cs.timestamps_replaced++;
				reasm_time_replaced();
			}
			if (decap_linktype_supported(pk.linktype))
				reasm_packet(pk.linktype, ts, pk.data,
				    pk.caplen, pk.len);
		}
		reasm_finish();
	}
	pcapng_close(r);
	fclose(f);

	memset(&ri, 0, sizeof(ri));
	ri.source = "fuzz";
	ri.version = "fuzz";
	health.cs = cs;
	health.rs = *reasm_stats();
	ri.health = &health;
	report_text(devnull, &st, &ri);
	report_json(devnull, &st, &ri);
	report_html(devnull, &st, &ri);
	transcript_finish(&tr);
	recfile_close(&zl.out); /* devnull stays open */
	jsonlog_summary(&log, &st, &health,
	    &(struct jsonlog_not_written){ 0, 0 });
	jsonlog_close(&log);
	sessmap_free(&zl.sessions);
	dbuf_free(&zl.line);
	return 0;
}
