/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * floor_nids - the cost of TCP reassembly by libnids alone: libnids reads
 * the capture file itself (nids_params.filename), with the settings
 * smtpscope gives it (TCP checksums not verified, scan detection off, a
 * large stream table, warnings counted instead of sent to syslog), and a
 * TCP callback that collects both directions of every connection and only
 * counts the reassembled bytes. What smtpscope adds above this is its own
 * work: decapsulation, the SMTP dissector, the logs and the statistics.
 *
 *   cc -O2 -Wall -Wextra -o bench/floor_nids bench/floor_nids.c -lnids -lpcap
 *   bench/floor_nids FILE
 *
 * prints "streams N client_bytes C server_bytes S closed F reset R
 * warnings W" (client_bytes: the bytes the clients sent).
 */
#include <nids.h>
#include <stdio.h>
#include <string.h>

/* 65536 sessions at a time, as smtpscope's default --max-sessions:
 * libnids keeps at most 3/4 of n_tcp_streams. */
#define STREAMS (65536 / 3 * 4 + 4)

static unsigned long long streams, client_bytes, server_bytes, closed,
    resets, warnings;

static void
on_tcp(struct tcp_stream *a, void **param)
{
	(void)param;
	switch (a->nids_state) {
	case NIDS_JUST_EST:
		a->client.collect++;
		a->server.collect++;
		streams++;
		break;
	case NIDS_DATA:
		/* the server half holds what the client sent */
		server_bytes += (unsigned long long)a->client.count_new;
		client_bytes += (unsigned long long)a->server.count_new;
		break;
	case NIDS_CLOSE:
	case NIDS_TIMED_OUT:
	case NIDS_EXITING:
		closed++;
		break;
	case NIDS_RESET:
		resets++;
		break;
	default:
		break;
	}
}

static void
on_warning(int type, int err, struct ip *iph, void *data)
{
	(void)type;
	(void)err;
	(void)iph;
	(void)data;
	warnings++;
}

int
main(int argc, char **argv)
{
	static struct nids_chksum_ctl ctl[1];

	if (argc != 2) {
		fprintf(stderr, "usage: floor_nids FILE\n");
		return 2;
	}
	nids_params.filename = argv[1];
	nids_params.device = NULL;
	nids_params.pcap_filter = NULL;
	nids_params.n_tcp_streams = STREAMS;
	nids_params.n_hosts = 1024;
	nids_params.scan_num_hosts = 0; /* no scan detection */
	nids_params.syslog = on_warning;
	nids_params.one_loop_less = 0;
	nids_params.multiproc = 0;
	nids_params.tcp_workarounds = 1;
	if (!nids_init()) {
		fprintf(stderr, "floor_nids: %s\n", nids_errbuf);
		return 3;
	}
	memset(ctl, 0, sizeof(ctl));
	ctl[0].netaddr = 0;
	ctl[0].mask = 0;
	ctl[0].action = NIDS_DONT_CHKSUM;
	nids_register_chksum_ctl(ctl, 1);
	nids_register_tcp(on_tcp);
	nids_run();
	nids_exit();
	printf("streams %llu client_bytes %llu server_bytes %llu closed %llu "
	       "reset %llu warnings %llu\n",
	    streams, client_bytes, server_bytes, closed, resets, warnings);
	return 0;
}
