/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: smtpscope's own pcapng reader (src/net/pcapng.c), which
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

#include "net/capture.h"
#include "net/decap.h"
#include "net/pcapng.h"
#include "pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Packets read from one input at most: the reader's cost is per block,
 * the rest of the pipeline's per packet. */
#define FUZZ_PACKETS_MAX 4096

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct stats st;
	char err[256];
	struct capture_stats cs;
	struct fuzz_pipeline fp;
	struct pcapng_reader *r;
	struct pcapng_packet pk;
	double prev = -1, ts;
	bool replaced;
	size_t n = 0;
	int got;
	FILE *f;

	if (size == 0 ||
	    (f = fmemopen((void *)(uintptr_t)data, size, "rb")) == NULL)
		return 0;
	if ((r = pcapng_open(f, err, sizeof(err))) == NULL) {
		if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
			abort(); /* a refusal says why */
		fclose(f);
		return 0;
	}
	memset(&cs, 0, sizeof(cs));
	if (fuzz_pipeline_open(&fp, &st)) {
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

	fuzz_pipeline_close(&fp, &st, &cs);
	return 0;
}
