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

#include "net/capture.h"
#include "net/decap.h"
#include "pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct stats st;
	char errbuf[PCAP_ERRBUF_SIZE];
	struct capture_stats cs;
	struct fuzz_pipeline fp;
	struct pcap_pkthdr *h;
	const u_char *pkt;
	pcap_t *p;
	FILE *f;
	int lt;

	if ((f = fmemopen((void *)(uintptr_t)data, size, "rb")) == NULL)
		return 0;
	if ((p = pcap_fopen_offline(f, errbuf)) == NULL) {
		fclose(f);
		return 0;
	}
	lt = decap_dlt_to_linktype(pcap_datalink(p));
	if (!decap_linktype_supported(lt)) {
		pcap_close(p);
		return 0;
	}
	if (fuzz_pipeline_open(&fp, &st)) {
		while (pcap_next_ex(p, &h, &pkt) == 1)
			reasm_packet(lt,
			    (double)h->ts.tv_sec + (double)h->ts.tv_usec / 1e6,
			    pkt, h->caplen, h->len);
		reasm_finish();
	}
	pcap_close(p);
	memset(&cs, 0, sizeof(cs));
	fuzz_pipeline_close(&fp, &st, &cs);
	return 0;
}
