/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The prometheus plugin's figures: what the events add up to, and their
 * rendering in the Prometheus text exposition format (version 0.0.4).
 * Pure: no locking, no HTTP, no host service; prometheus.c does those.
 */
#ifndef PROM_METRICS_H
#define PROM_METRICS_H

#include <smtpscope/plugin.h>

#define PROM_OUTCOME_COUNT SMTPSCOPE_OUTCOME_COUNT
#define PROM_END_COUNT (SMTPSCOPE_END_REUSED + 1)
/* Distinct reply codes given a label of their own; the rest are
 * counted under code="other". */
#define PROM_CODES_MAX 64
#define PROM_NAME_MAX 32
#define PROM_COUNTER_NAME_MAX 49     /* the host's names: 48 bytes */
#define PROM_PLUGIN_COUNTERS_MAX 512 /* 16 plugins of 32 counters */
#define PROM_LAT_BUCKETS 15
#define PROM_SIZE_BUCKETS 10
/* The exposition is a few tens of kilobytes; a cap all the same. */
#define PROM_RENDER_MAX (4u << 20)

enum prom_phase {
	PROM_PHASE_GREETING,
	PROM_PHASE_MAIL,
	PROM_PHASE_RCPT,
	PROM_PHASE_DATA,
	PROM_PHASE_END_OF_DATA,
	PROM_PHASE_COUNT
};

/* Counts per bucket (not cumulative: the rendering adds them up). The
 * last slot is +Inf. */
struct prom_hist {
	uint64_t bucket[PROM_LAT_BUCKETS + 1];
	uint64_t count;
	double sum;
};

struct prom_code {
	int code;
	uint64_t n;
};

struct prom_figures {
	uint64_t sessions_opened;
	uint64_t sessions_closed[PROM_END_COUNT];
	uint64_t transactions[PROM_OUTCOME_COUNT];
	uint64_t rcpt_total, rcpt_accepted;
	uint64_t msgs_accepted, bytes_accepted;
	struct prom_code codes[PROM_CODES_MAX]; /* sorted by code */
	size_t ncodes;
	uint64_t codes_other;
	uint64_t commands[SMTPSCOPE_VERB_COUNT];
	uint64_t starttls_offered, starttls_used, implicit_tls;
	uint64_t auth_attempts, auth_successes, auth_failures;
	uint64_t anomalies[SMTPSCOPE_ANOMALY_COUNT];
	struct prom_hist latency[PROM_PHASE_COUNT];
	struct prom_hist size;
	struct smtpscope_health health;
	/* Message tracking (ABI revision 3): messages settled, their
	 * recipients by fate, bounces, time in relays' queues. */
	uint64_t tracked, tracked_dsn;
	uint64_t fates[SMTPSCOPE_FATE_COUNT];
	uint64_t bounces_linked, bounce_missing;
	struct prom_hist queue_time;
	/* Alerts (ABI revision 4): raised, by kind, and active now. */
	uint64_t alerts[SMTPSCOPE_ALERT_COUNT];
	uint64_t alerts_active[SMTPSCOPE_ALERT_COUNT];
	/* Connections that made no session (ABI revision 5): refused,
	 * unanswered. */
	uint64_t attempts[2];
	/* Every plugin's counters (ABI revision 7, host->counters()), as
	 * of the last tick: the clickhouse plugin's spool, for one. */
	struct prom_plugin_counter {
		char plugin[PROM_NAME_MAX];
		char name[PROM_COUNTER_NAME_MAX];
		uint64_t value;
	} plugin_counters[PROM_PLUGIN_COUNTERS_MAX];
	size_t nplugin_counters;
};

/* Label values, copied from the host's tables in init(): the HTTP thread
 * must not call the host. */
struct prom_names {
	char verb[SMTPSCOPE_VERB_COUNT][PROM_NAME_MAX];
	char outcome[PROM_OUTCOME_COUNT][PROM_NAME_MAX];
	char end[PROM_END_COUNT][PROM_NAME_MAX];
	char anomaly[SMTPSCOPE_ANOMALY_COUNT][PROM_NAME_MAX];
	char fate[SMTPSCOPE_FATE_COUNT][PROM_NAME_MAX];
};

void prom_names_fill(struct prom_names *n, const struct smtpscope_host *host);
/* Adds one event, or the health of a tick, to the figures. */
void prom_figures_event(
    struct prom_figures *f, const struct smtpscope_event *ev);
void prom_figures_health(
    struct prom_figures *f, const struct smtpscope_health *h);
/* The plugins' counters of this tick (host->counters()), in place of
 * the last ones: call with n 0, then once per counter. */
void prom_figures_plugin_counter(struct prom_figures *f, const char *plugin,
    const char *name, uint64_t value);
/* The exposition as a malloc'ed text of *len bytes, NULL when out of
 * memory or over PROM_RENDER_MAX. */
char *prom_render(
    const struct prom_figures *f, const struct prom_names *n, size_t *len);

#endif
