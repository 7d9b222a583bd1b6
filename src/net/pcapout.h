/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --pcap-out FILE: the frames of the sessions followed, as they were
 * read (link layer and all), in the order read, with their handshake and
 * their teardown, in a classic pcap file that Wireshark and tcpdump
 * read: a conversation to hand on. Only the sessions named by
 * --pcap-sessions, when it is given.
 *
 * A frame is decided when it leaves a queue: PCAPOUT_DELAY seconds of
 * capture time after it came (a SYN before its connection is followed,
 * which happens at the handshake's last ACK), or earlier when the queue
 * holds PCAPOUT_QUEUE_MAX bytes. It is written when its connection (the
 * connection of its datagram, for an IP fragment) was followed then, or
 * had closed less than PCAPOUT_LINGER seconds before it (the last ACK,
 * a FIN sent again). Frames are written whole or not at all (recfile.h:
 * a full disk cuts the file back to its last whole frame and counts the
 * rest).
 */
#ifndef SMTPSCOPE_PCAPOUT_H
#define SMTPSCOPE_PCAPOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"
#include "lib/recfile.h"

#define PCAPOUT_DELAY 5.0             /* seconds a frame waits */
#define PCAPOUT_LINGER 10.0           /* after a connection closed */
#define PCAPOUT_QUEUE_MAX (32u << 20) /* bytes of frames waiting */
#define PCAPOUT_SNAPLEN 262144        /* the file header's */
#define PCAPOUT_SESSIONS_MAX 4096     /* ids --pcap-sessions names */

struct pcapout_frame;
struct pcapout_conn;

struct pcapout {
	struct recfile out;
	bool header;  /* the file header is written */
	int linktype; /* the file's (LINKTYPE_), -1 none yet */
	/* --pcap-sessions: the session ids to write, sorted; none: all. */
	const uint64_t *ids;
	size_t nids;
	/* Frames waiting for their decision, oldest first. */
	struct pcapout_frame *head, *tail;
	size_t queued; /* their bytes */
	double newest; /* the latest frame time seen */
	/* The connections followed (open, or closed lately), by 4-tuple. */
	struct pcapout_conn *conns;
	size_t conns_mask, conns_n;
	/* IP fragments: the datagram's 4-tuple, from its first fragment. */
	struct {
		uint64_t frag, tuple;
	} alias[1024];
	uint64_t frames;         /* written */
	uint64_t sessions;       /* followed and selected */
	uint64_t early;          /* decided before PCAPOUT_DELAY (queue full) */
	uint64_t other_linktype; /* left out: not the file's link type */
};

/* Opens path ("-": standard output), or fills err. ids: the sessions to
 * write (nids 0: all), kept by reference. */
int pcapout_open(struct pcapout *po, const char *path, const uint64_t *ids,
    size_t nids, char *err, size_t errlen);
/* A frame the capture read and its port filter passed (before it goes
 * on to reassembly): linktype is LINKTYPE_, sec and usec its own time
 * stamp, caplen the bytes kept, len its length on the wire. */
void pcapout_frame(struct pcapout *po, int linktype, int64_t sec, int64_t usec,
    const uint8_t *bytes, uint32_t caplen, uint32_t len);
/* Subscribed to SMTP_EV_SESSION_OPEN and SMTP_EV_SESSION_CLOSE. */
void pcapout_on_event(void *arg, const struct smtp_event *ev);
#define PCAPOUT_EVENTS \
	(EVENT_BIT(SMTP_EV_SESSION_OPEN) | EVENT_BIT(SMTP_EV_SESSION_CLOSE))
/* Live, between batches: the frames older than PCAPOUT_DELAY at now (the
 * wall clock) decided, and what is decided written. */
void pcapout_tick(struct pcapout *po, double now);
/* After the last session closed: every frame decided and written, the
 * file closed. -1 when a frame could not be written. The struct keeps
 * its counts until pcapout_free(). */
int pcapout_close(struct pcapout *po);
void pcapout_free(struct pcapout *po);

#endif
