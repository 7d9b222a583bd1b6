/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the whole pipeline fed a capture file. The input is
 * read by libpcap from memory (pcap or pcapng), every packet goes through
 * decap, the IPv6 stand-ins and libnids into the dissector, and every
 * event into the statistics store, the JSON log, the Zeek log, the
 * transcript and the three reports, as in the program.
 */
#include <pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "capture.h"
#include "decap.h"
#include "jsonlog.h"
#include "reasm.h"
#include "report/report.h"
#include "stats.h"
#include "transcript.h"
#include "zeeklog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t portmap[8192], tlsmap[8192];
	static struct stats st;
	static FILE *devnull;
	char errbuf[PCAP_ERRBUF_SIZE], err[256];
	struct capture_stats cs;
	struct health health;
	struct report_info ri;
	struct reasm_config rc;
	struct event_bus bus;
	struct jsonlog log;
	struct transcript tr;
	struct zeeklog zl;
	struct pcap_pkthdr *h;
	const u_char *pkt;
	pcap_t *p;
	FILE *f;
	int lt;

	if (devnull == NULL) {
		devnull = fopen("/dev/null", "w");
		portmap[25 >> 3] |= 1u << (25 & 7);
		portmap[587 >> 3] |= 1u << (587 & 7);
		portmap[465 >> 3] |= 1u << (465 & 7);
		tlsmap[465 >> 3] |= 1u << (465 & 7);
	}
	if ((f = fmemopen((void *)(uintptr_t)data, size, "rb")) == NULL)
		return 0;
	if ((p = pcap_fopen_offline(f, errbuf)) == NULL) {
		fclose(f);
		return 0;
	}
	lt = capture_dlt_to_linktype(pcap_datalink(p));
	if (!decap_linktype_supported(lt)) {
		pcap_close(p);
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

	memset(&rc, 0, sizeof(rc));
	rc.portmap = portmap;
	rc.tlsmap = tlsmap;
	rc.max_sessions = 64;
	rc.idle_timeout = 600;
	rc.v6_max = 256;
	rc.bus = &bus;
	if (reasm_init(&rc, err, sizeof(err)) == 0) {
		while (pcap_next_ex(p, &h, &pkt) == 1)
			reasm_packet(lt,
			    (double)h->ts.tv_sec + (double)h->ts.tv_usec / 1e6,
			    pkt, h->caplen, h->len);
		reasm_finish();
	}
	pcap_close(p);

	memset(&cs, 0, sizeof(cs));
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
