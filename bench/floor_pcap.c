/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * floor_pcap - the cost of reading a capture file with libpcap and doing
 * nothing with its packets: pcap_loop() with a callback that only counts.
 * The lowest floor of bench/run.sh.
 *
 *   cc -O2 -Wall -Wextra -o bench/floor_pcap bench/floor_pcap.c -lpcap
 *   bench/floor_pcap FILE     prints "packets N bytes B" (captured bytes)
 */
#include <pcap.h>
#include <stdio.h>

static void
on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	unsigned long long *count = (unsigned long long *)(void *)user;

	(void)bytes;
	count[0]++;
	count[1] += h->caplen;
}

int
main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	unsigned long long count[2] = { 0, 0 };
	pcap_t *p;

	if (argc != 2) {
		fprintf(stderr, "usage: floor_pcap FILE\n");
		return 2;
	}
	if ((p = pcap_open_offline(argv[1], err)) == NULL) {
		fprintf(stderr, "floor_pcap: %s\n", err);
		return 3;
	}
	if (pcap_loop(p, -1, on_packet, (u_char *)count) == -1) {
		fprintf(stderr, "floor_pcap: %s\n", pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	printf("packets %llu bytes %llu\n", count[0], count[1]);
	return 0;
}
