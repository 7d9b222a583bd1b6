/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The plugin loader: --plugin NAME[:args] finds NAME.so on the search
 * path, dlopen()s it, checks its descriptor (include/smtpscope/plugin.h)
 * and calls its init(); each loaded plugin becomes a sink on the event
 * bus. Every failure is one sentence and exit status 2, before any
 * packet is read.
 */
#ifndef SMTPSCOPE_PLUGINS_H
#define SMTPSCOPE_PLUGINS_H

#include <stdbool.h>
#include <stdio.h>

#include <smtpscope/plugin.h>

#include "event/event.h"
#include "event/health.h"
#include "report/report.h"

/*
 * Where plugins are looked for, in order: the build's plugins folder,
 * each folder of SMTPSCOPE_PLUGIN_PATH (colon-separated), the installed
 * folder. Both fixed ones come from the Makefile: the program make
 * builds in the tree (./smtpscope, the sanitizer build) has
 * SMTPSCOPE_BUILD_PLUGIN_DIR; the one make install builds
 * (build/install/smtpscope) has not, so an installed smtpscope never
 * looks into a build tree.
 *
 * A plugin runs with smtpscope's privileges, so it is loaded only from a
 * file that no one else can change: the file and every folder above it
 * must belong to root (or, when smtpscope runs as another user, to root
 * or that user) and be writable by no one but their owner; a folder
 * writable by others is accepted only with the sticky bit (/tmp), as
 * nobody else can then replace what it holds. Anything else is refused
 * with one sentence before it is opened.
 */
#ifndef SMTPSCOPE_PLUGIN_DIR
#define SMTPSCOPE_PLUGIN_DIR "/usr/local/lib/smtpscope/plugins"
#endif

#define PLUGINS_MAX 16
#define PLUGIN_COUNTERS_MAX 32

struct plugin_set;

/* Loads specs[0..n) in order ("NAME" or "NAME:args"; NAME may be a path
 * to a .so). NULL with one sentence in err when one fails; the ones
 * loaded before it are finished and unloaded. */
struct plugin_set *plugins_load(const char *const *specs, size_t n, bool quiet,
    bool live, char *err, size_t errlen);
/* After the privileges are dropped, before the outputs open: each
 * plugin's start(). -1 with one sentence in err when one refuses. */
int plugins_start(struct plugin_set *ps, char *err, size_t errlen);
/* Each plugin as a sink (with bodies if it asked). */
void plugins_subscribe(struct plugin_set *ps, struct event_bus *bus);
/* Whether a plugin asked for the JSON log's records (want_records). */
bool plugins_want_records(const struct plugin_set *ps);
/* One record of the JSON log to those plugins (SMTPSCOPE_EV_RECORD): the
 * JSON log's on_record, with arg the plugin set. */
void plugins_record(void *arg, double ts, const char *type, size_t type_len,
    const char *json, size_t len);
void plugins_tick(struct plugin_set *ps, const struct health *h);
/* A last tick, then every fini(), in reverse order of loading. The
 * counters stay readable until plugins_free(). */
void plugins_finish(struct plugin_set *ps, const struct health *h);
void plugins_free(struct plugin_set *ps);
/* The counters, for the reports and the dashboard. */
void plugins_report_counters(
    const struct plugin_set *ps, struct report_info *ri);

/* --list-plugins: every plugin on the search path, with its description,
 * or why it is refused (a refused file is never opened). Returns the
 * number found. */
int plugins_list(FILE *out);

#endif
