/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rotation of the outputs (--rotate SECONDS), in Zeek's manner: intervals
 * aligned on multiples of their length since the epoch (an hour's begin
 * on the hour), each output's file of an interval named from the time
 * the interval begins (UTC). What main.c does at a boundary (the JSON
 * log's summary, the reports, new files) is there; here are the clock,
 * the names and the capture's figures of one interval.
 */
#ifndef SMTPSCOPE_ROTATE_H
#define SMTPSCOPE_ROTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/health.h"

/* What a name without a strftime conversion gets before its extension:
 * Zeek's format for rotated logs (smtp.log -> smtp.2026-01-31-13-00-00.log). */
#define ROTATE_STAMP "%Y-%m-%d-%H-%M-%S"

/* The interval of length every (seconds) that holds t: its start. */
double rotate_interval_start(double t, double every);

/*
 * The name of a file of the interval that begins at start: pattern with
 * its strftime(3) conversions in UTC when it has a '%', else pattern
 * with "." and ROTATE_STAMP inserted before its extension (the last dot
 * of its last component, not a leading one), or appended when it has
 * none. Returns -1 when the name does not fit in outlen or expands to
 * nothing.
 */
int rotate_name(const char *pattern, double start, char *out, size_t outlen);

/* The same, and for nth > 0 (the nth interval of the run to begin in
 * the same second as the first: --rotate-size) ".nth" before the
 * extension: smtp-130000.2.jsonl. */
int rotate_name_nth(
    const char *pattern, double start, unsigned nth, char *out, size_t outlen);

/* Whether a name is a pattern (has a strftime conversion). */
bool rotate_is_pattern(const char *pattern);

/*
 * The capture's figures of an interval: each counter of now less its
 * value at base (the interval's beginning); what is no counter (live,
 * the snap length, the sessions open, the largest figures) as now.
 */
void rotate_health_since(
    const struct health *now, const struct health *base, struct health *out);

#endif
