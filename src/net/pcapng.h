/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small pcapng reader for what libpcap refuses: a file whose
 * interfaces have different link types (or snap lengths). libpcap 1.10
 * reads one link type per file and stops at the first interface of
 * another ("an interface has a type ... different from the type of the
 * first interface"); Wireshark's mergecap writes such files. Each packet
 * comes with its own interface's link type.
 *
 * Every byte is untrusted: each block is checked against its length and
 * the file's end, blocks are capped at PCAPNG_BLOCK_MAX bytes and
 * interfaces at PCAPNG_IFACES_MAX per section, nothing is read past what
 * a block holds. Time stamps are converted as libpcap converts them for
 * microsecond precision (if_tsresol in either form, if_tsoffset), so
 * that a file reads the same through either, except that seconds beyond
 * 64 bits saturate instead of wrapping around. A file may hold several
 * sections, each with its own byte order and interfaces.
 */
#ifndef SMTPSCOPE_PCAPNG_H
#define SMTPSCOPE_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PCAPNG_BLOCK_MAX (16u * 1024 * 1024) /* bytes in one block */
#define PCAPNG_IFACES_MAX 4096               /* interfaces a section */

struct pcapng_packet {
	int linktype;        /* LINKTYPE_ of its interface */
	uint32_t ifindex;    /* its interface in the section */
	int64_t sec;         /* time stamp: seconds since the epoch */
	uint32_t usec;       /* and microseconds (below 1000000) */
	uint32_t caplen;     /* bytes in data */
	uint32_t len;        /* bytes the packet had on the wire */
	const uint8_t *data; /* valid until the next pcapng_next() */
};

struct pcapng_reader;

/* A reader of f, which must start with a Section Header Block. NULL with
 * a sentence in err when it does not. f stays the caller's. */
struct pcapng_reader *pcapng_open(FILE *f, char *err, size_t errlen);
/* The next packet: 1, 0 at the end of the file, -1 with a sentence in
 * err when the file is damaged (what came before stands). */
int pcapng_next(struct pcapng_reader *r, struct pcapng_packet *pkt, char *err,
    size_t errlen);
/* True once the reader has passed a block where libpcap 1.10 stops
 * reading the file ("an interface has a type ... different from the
 * type of the first interface", or a snap length, or sections of
 * different byte orders): the packets before it are those libpcap
 * handed over. */
bool pcapng_past_libpcap(const struct pcapng_reader *r);
void pcapng_close(struct pcapng_reader *r);

#endif
