/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A map from session id to a sink's own per-session state. Sinks that
 * need state across a session's events (the Zeek log, transcripts) keep
 * it here from SESSION_OPEN to SESSION_CLOSE.
 */
#ifndef SMTPSCOPE_SESSMAP_H
#define SMTPSCOPE_SESSMAP_H

#include <stddef.h>
#include <stdint.h>

struct sessmap {
	struct sessmap_slot {
		uint64_t id; /* 0: empty */
		void *val;
	} * slot;
	size_t cap, n, tomb;
};

void sessmap_init(struct sessmap *m);
void sessmap_free(struct sessmap *m);
void *sessmap_get(const struct sessmap *m, uint64_t id);
void sessmap_put(struct sessmap *m, uint64_t id, void *val);
void *sessmap_del(struct sessmap *m, uint64_t id);
/* Calls fn for every value (e.g. to flush at exit). */
void sessmap_each(
    struct sessmap *m, void (*fn)(void *arg, void *val), void *arg);

#endif
