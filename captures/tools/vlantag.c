/*
 * vlantag - insert 802.1Q (and optionally an outer 802.1ad/QinQ) tag into
 * every Ethernet frame of a pcap file, keeping every packet and timestamp.
 *
 * usage: vlantag IN OUT VID [OUTER_TPID:OUTER_VID]
 *
 *   IN          input pcap file, link type EN10MB (Ethernet)
 *   OUT         output pcap file (written with pcap_dump)
 *   VID         VLAN id of the inner 802.1Q tag (TPID 0x8100), 0..4095
 *   OUTER_TPID  TPID of an outer tag, e.g. 0x88a8 (802.1ad) or 0x8100
 *   OUTER_VID   VLAN id of the outer tag, 0..4095
 *
 * The tags go right after the two MAC addresses; PCP and DEI are 0. The
 * captured and the original lengths both grow by 4 bytes per tag. The
 * output keeps the input's timestamp precision: a microsecond pcap gives a
 * microsecond pcap, a nanosecond pcap (or a pcapng, which libpcap also
 * reads) a nanosecond pcap.
 *
 * Exit status: 0 on success, 1 on an error while reading or writing, 2 on
 * bad usage or arguments. On error the output file is removed.
 *
 * Built by captures/make-captures.sh with: cc -std=c11 -Wall -Wextra -O2
 * vlantag.c -lpcap
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#define ETH_ADDRS_LEN 12 /* destination + source MAC */
#define TAG_LEN 4        /* TPID + TCI */
#define TPID_8021Q 0x8100
#define MAX_TAGS 2
#define MAX_FRAME (262144 + MAX_TAGS * TAG_LEN)

static const char *progname = "vlantag";

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s IN OUT VID [OUTER_TPID:OUTER_VID]\n"
	    "  VID, OUTER_VID: 0..4095; OUTER_TPID: 0x0600..0xffff, "
	    "e.g. 0x88a8\n"
	    "  example: %s in.pcap out.pcap 100 0x88a8:200\n",
	    progname, progname);
	exit(2);
}

/* parse an unsigned number (decimal, or hex with 0x) within [lo, hi] */
static int
parse_num(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s == '\0' || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* nanosecond timestamps in the file? (nanosecond pcap or pcapng) */
static u_int
file_precision(const char *path)
{
	unsigned char m[4];
	FILE *f = fopen(path, "rb");
	int nano = 0;

	if (f == NULL)
		return PCAP_TSTAMP_PRECISION_MICRO; /* pcap reports the error */
	if (fread(m, 1, sizeof(m), f) == sizeof(m)) {
		static const unsigned char nano_be[4] = { 0xa1, 0xb2, 0x3c,
			0x4d };
		static const unsigned char nano_le[4] = { 0x4d, 0x3c, 0xb2,
			0xa1 };
		static const unsigned char shb[4] = { 0x0a, 0x0d, 0x0d, 0x0a };

		nano = memcmp(m, nano_be, 4) == 0 ||
		    memcmp(m, nano_le, 4) == 0 || memcmp(m, shb, 4) == 0;
	}
	fclose(f);
	return nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO;
}

static void
put16(unsigned char *p, unsigned long v)
{
	p[0] = (unsigned char)((v >> 8) & 0xff);
	p[1] = (unsigned char)(v & 0xff);
}

int
main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	unsigned char tags[MAX_TAGS * TAG_LEN];
	size_t ntags_len = 0;
	unsigned long vid, otpid = 0, ovid = 0;
	const char *in_path, *out_path;
	pcap_t *in, *dead;
	pcap_dumper_t *dumper;
	struct pcap_pkthdr *hdr;
	const u_char *data;
	unsigned char *buf;
	unsigned long count = 0;
	u_int prec;
	int snaplen, rc, status = 0;

	if (argc > 0 && argv[0] != NULL && argv[0][0] != '\0') {
		const char *slash = strrchr(argv[0], '/');
		progname = slash != NULL ? slash + 1 : argv[0];
	}
	if (argc != 4 && argc != 5)
		usage();
	in_path = argv[1];
	out_path = argv[2];
	if (parse_num(argv[3], 0, 4095, &vid) != 0) {
		fprintf(stderr, "%s: bad VID '%s' (want 0..4095)\n", progname,
		    argv[3]);
		usage();
	}
	if (argc == 5) {
		char *spec = strdup(argv[4]);
		char *colon;

		if (spec == NULL) {
			perror(progname);
			return 1;
		}
		colon = strchr(spec, ':');
		if (colon == NULL) {
			fprintf(stderr,
			    "%s: bad outer tag '%s' (want TPID:VID, e.g. "
			    "0x88a8:200)\n",
			    progname, argv[4]);
			free(spec);
			usage();
		}
		*colon = '\0';
		if (parse_num(spec, 0x0600, 0xffff, &otpid) != 0) {
			fprintf(stderr,
			    "%s: bad outer TPID '%s' (want 0x0600..0xffff)\n",
			    progname, spec);
			free(spec);
			usage();
		}
		if (parse_num(colon + 1, 0, 4095, &ovid) != 0) {
			fprintf(stderr,
			    "%s: bad outer VID '%s' (want 0..4095)\n", progname,
			    colon + 1);
			free(spec);
			usage();
		}
		free(spec);
		put16(tags, otpid);
		put16(tags + 2, ovid);
		ntags_len += TAG_LEN;
	}
	put16(tags + ntags_len, TPID_8021Q);
	put16(tags + ntags_len + 2, vid);
	ntags_len += TAG_LEN;

	prec = file_precision(in_path);
	in = pcap_open_offline_with_tstamp_precision(in_path, prec, errbuf);
	if (in == NULL) {
		fprintf(stderr, "%s: %s: %s\n", progname, in_path, errbuf);
		return 1;
	}
	if (pcap_datalink(in) != DLT_EN10MB) {
		const char *name = pcap_datalink_val_to_name(pcap_datalink(in));

		fprintf(stderr,
		    "%s: %s: link type %s (%d), not EN10MB (Ethernet)\n",
		    progname, in_path, name != NULL ? name : "unknown",
		    pcap_datalink(in));
		pcap_close(in);
		return 1;
	}
	snaplen = pcap_snapshot(in);
	if (snaplen <= 0 || snaplen > INT_MAX - (int)ntags_len)
		snaplen = 262144;
	snaplen += (int)ntags_len;

	/* timestamps are written with the precision they were read with */
	dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, snaplen, prec);
	if (dead == NULL) {
		fprintf(stderr, "%s: pcap_open_dead failed\n", progname);
		pcap_close(in);
		return 1;
	}
	dumper = pcap_dump_open(dead, out_path);
	if (dumper == NULL) {
		fprintf(stderr, "%s: %s: %s\n", progname, out_path,
		    pcap_geterr(dead));
		pcap_close(dead);
		pcap_close(in);
		return 1;
	}
	buf = malloc(MAX_FRAME);
	if (buf == NULL) {
		perror(progname);
		status = 1;
		goto out;
	}

	while ((rc = pcap_next_ex(in, &hdr, &data)) == 1) {
		struct pcap_pkthdr oh;

		count++;
		if (hdr->caplen < ETH_ADDRS_LEN ||
		    hdr->caplen > MAX_FRAME - ntags_len) {
			fprintf(stderr,
			    "%s: %s: packet %lu: captured length %u is not a "
			    "taggable Ethernet frame\n",
			    progname, in_path, count, hdr->caplen);
			status = 1;
			goto out;
		}
		memcpy(buf, data, ETH_ADDRS_LEN);
		memcpy(buf + ETH_ADDRS_LEN, tags, ntags_len);
		memcpy(buf + ETH_ADDRS_LEN + ntags_len, data + ETH_ADDRS_LEN,
		    hdr->caplen - ETH_ADDRS_LEN);
		oh = *hdr;
		oh.caplen = hdr->caplen + (bpf_u_int32)ntags_len;
		oh.len = hdr->len + (bpf_u_int32)ntags_len;
		pcap_dump((u_char *)dumper, &oh, buf);
	}
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "%s: %s: read error after %lu packets: %s\n",
		    progname, in_path, count, pcap_geterr(in));
		status = 1;
	}
out:
	free(buf);
	if (pcap_dump_flush(dumper) != 0) {
		fprintf(stderr, "%s: %s: write error\n", progname, out_path);
		status = 1;
	}
	pcap_dump_close(dumper);
	pcap_close(dead);
	pcap_close(in);
	if (status != 0) {
		if (unlink(out_path) != 0 && errno != ENOENT)
			fprintf(stderr, "%s: cannot remove %s: %s\n", progname,
			    out_path, strerror(errno));
		return status;
	}
	fprintf(stderr, "%s: %lu packets tagged\n", progname, count);
	return 0;
}
