/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The prometheus plugin's figures and their exposition: see metrics.h.
 * Format: https://prometheus.io/docs/instrumenting/exposition_formats/
 * (text format 0.0.4): "# HELP" and "# TYPE" before each family, label
 * values with \\, \" and \n escaped, histograms as cumulative _bucket
 * series ending with le="+Inf", then _sum and _count.
 */
#include "metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bounds: seconds for replies (a greeting may be delayed on
 * purpose, hence the long tail), bytes for messages. */
static const double lat_bounds[PROM_LAT_BUCKETS] = { 0.001, 0.0025, 0.005, 0.01,
	0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60 };
static const double size_bounds[PROM_SIZE_BUCKETS] = { 512, 1024, 4096, 16384,
	65536, 262144, 1048576, 4194304, 16777216, 67108864 };

/* Seconds a message waited in a relay's queue: from a moment to a day. */
static const double queue_bounds[PROM_LAT_BUCKETS] = { 0.01, 0.1, 0.5, 1, 5, 10,
	30, 60, 300, 900, 1800, 3600, 7200, 21600, 86400 };

static const char *const phase_names[PROM_PHASE_COUNT] = { "greeting", "mail",
	"rcpt", "data", "end_of_data" };

/* The alert kinds as the JSON log names them (ABI revision 5's order). */
static const char *const alert_names[SMTPSCOPE_ALERT_COUNT] = { "reject_rate",
	"tempfail_rate", "lost_rate", "auth_failures", "greeting_latency",
	"final_latency", "kernel_drops", "connect_failures" };

/* A name from the host, or "unknown"; cut to fit. */
static void
copy_name(char *dst, const char *src)
{
	snprintf(dst, PROM_NAME_MAX, "%s", src != NULL ? src : "unknown");
}

void
prom_names_fill(struct prom_names *n, const struct smtpscope_host *host)
{
	int i;

	for (i = 0; i < SMTPSCOPE_VERB_COUNT; i++)
		copy_name(n->verb[i], host->verb_name((enum smtpscope_verb)i));
	for (i = 0; i < PROM_OUTCOME_COUNT; i++)
		copy_name(n->outcome[i],
		    host->outcome_name((enum smtpscope_outcome)i));
	for (i = 0; i < PROM_END_COUNT; i++)
		copy_name(n->end[i],
		    host->session_end_name((enum smtpscope_session_end)i));
	for (i = 0; i < SMTPSCOPE_ANOMALY_COUNT; i++)
		copy_name(n->anomaly[i],
		    host->anomaly_name((enum smtpscope_anomaly)i));
	for (i = 0; i < SMTPSCOPE_FATE_COUNT; i++)
		copy_name(n->fate[i],
		    SMTPSCOPE_HAS(struct smtpscope_host, host, fate_name)
			? host->fate_name((enum smtpscope_fate)i)
			: NULL);
}

static void
hist_observe(
    struct prom_hist *h, const double *bounds, size_t nbounds, double v)
{
	size_t i;

	for (i = 0; i < nbounds && v > bounds[i]; i++)
		;
	h->bucket[i]++;
	h->count++;
	h->sum += v;
}

/* A reply's latency, when one was measured. */
static void
observe_latency(
    struct prom_figures *f, enum prom_phase p, const struct smtpscope_reply *r)
{
	if (r->code != 0 && r->latency >= 0)
		hist_observe(
		    &f->latency[p], lat_bounds, PROM_LAT_BUCKETS, r->latency);
}

static void
count_code(struct prom_figures *f, int code)
{
	size_t i;

	if (code < 100 || code > 999) {
		f->codes_other++;
		return;
	}
	for (i = 0; i < f->ncodes && f->codes[i].code < code; i++)
		;
	if (i < f->ncodes && f->codes[i].code == code) {
		f->codes[i].n++;
		return;
	}
	if (f->ncodes == PROM_CODES_MAX) {
		f->codes_other++;
		return;
	}
	memmove(&f->codes[i + 1], &f->codes[i],
	    (f->ncodes - i) * sizeof(f->codes[0]));
	f->codes[i].code = code;
	f->codes[i].n = 1;
	f->ncodes++;
}

static void
count_transaction(
    struct prom_figures *f, const struct smtpscope_transaction *tx)
{
	size_t i;

	if ((unsigned)tx->outcome < PROM_OUTCOME_COUNT)
		f->transactions[tx->outcome]++;
	f->rcpt_total += tx->rcpt_total;
	f->rcpt_accepted += tx->rcpt_accepted;
	if (tx->outcome == SMTPSCOPE_OUTCOME_ACCEPTED) {
		f->msgs_accepted++;
		f->bytes_accepted += tx->size;
	}
	if (tx->data_complete)
		hist_observe(
		    &f->size, size_bounds, PROM_SIZE_BUCKETS, (double)tx->size);
	observe_latency(f, PROM_PHASE_MAIL, tx->mail);
	for (i = 0; tx->rcpt != NULL && i < tx->nrcpt; i++)
		observe_latency(f, PROM_PHASE_RCPT, tx->rcpt[i]->reply);
	observe_latency(f, PROM_PHASE_DATA, tx->data);
	observe_latency(f, PROM_PHASE_END_OF_DATA, tx->final);
}

/* A tracked message settled: its recipients' fates and its hops'
 * time in the queues of the relays they left. */
static void
count_tracked(struct prom_figures *f, const struct smtpscope_tracked *m)
{
	size_t i;

	f->tracked++;
	if (m->dsn)
		f->tracked_dsn++;
	for (i = 0; m->rcpts != NULL && i < m->nrcpt; i++) {
		const struct smtpscope_tracked_rcpt *r = m->rcpts[i];

		if ((unsigned)r->fate < SMTPSCOPE_FATE_COUNT)
			f->fates[r->fate]++;
		if (r->bounce != 0)
			f->bounces_linked++;
		if (r->bounce_missing)
			f->bounce_missing++;
	}
	for (i = 0; m->hops != NULL && i < m->nhops; i++)
		if (m->hops[i]->from_hop >= 0 && m->hops[i]->queue_time >= 0)
			hist_observe(&f->queue_time, queue_bounds,
			    PROM_LAT_BUCKETS, m->hops[i]->queue_time);
}

/* TLS and AUTH as the session ended: smtpscope's own accounting. */
static void
count_session_close(struct prom_figures *f, const struct smtpscope_session *s)
{
	if ((unsigned)s->end < PROM_END_COUNT)
		f->sessions_closed[s->end]++;
	if (s->caps & SMTPSCOPE_CAP_STARTTLS)
		f->starttls_offered++;
	if (s->tls && !s->implicit_tls)
		f->starttls_used++;
	if (s->implicit_tls)
		f->implicit_tls++;
	f->auth_attempts += s->auth_attempts;
	f->auth_failures += s->auth_failures;
	if (s->auth_result == SMTPSCOPE_AUTH_SUCCESS)
		f->auth_successes++;
}

void
prom_figures_event(struct prom_figures *f, const struct smtpscope_event *ev)
{
	struct smtpscope_reply r;

	switch (ev->type) {
	case SMTPSCOPE_EV_SESSION_OPEN:
		f->sessions_opened++;
		break;
	case SMTPSCOPE_EV_SESSION_CLOSE:
		if (ev->session != NULL)
			count_session_close(f, ev->session);
		break;
	case SMTPSCOPE_EV_COMMAND:
		if ((unsigned)ev->u.command.verb < SMTPSCOPE_VERB_COUNT)
			f->commands[ev->u.command.verb]++;
		break;
	case SMTPSCOPE_EV_REPLY:
		count_code(f, ev->u.reply.code);
		if (ev->u.reply.verb == SMTPSCOPE_VERB_GREETING) {
			memset(&r, 0, sizeof(r));
			r.code = ev->u.reply.code;
			r.latency = ev->u.reply.latency;
			observe_latency(f, PROM_PHASE_GREETING, &r);
		}
		break;
	case SMTPSCOPE_EV_TRANSACTION:
		if (ev->u.tx != NULL)
			count_transaction(f, ev->u.tx);
		break;
	case SMTPSCOPE_EV_ANOMALY:
		if ((unsigned)ev->u.anomaly.kind < SMTPSCOPE_ANOMALY_COUNT)
			f->anomalies[ev->u.anomaly.kind]++;
		break;
	case SMTPSCOPE_EV_MESSAGE:
		if (SMTPSCOPE_HAS(struct smtpscope_event, ev, u.tracked) &&
		    ev->u.tracked != NULL)
			count_tracked(f, ev->u.tracked);
		break;
	case SMTPSCOPE_EV_ALERT:
		if (SMTPSCOPE_HAS(struct smtpscope_event, ev, u.alert) &&
		    ev->u.alert != NULL &&
		    (unsigned)ev->u.alert->kind < SMTPSCOPE_ALERT_COUNT) {
			unsigned k = ev->u.alert->kind;

			if (ev->u.alert->raised) {
				f->alerts[k]++;
				f->alerts_active[k]++;
			} else if (f->alerts_active[k] > 0)
				f->alerts_active[k]--;
		}
		break;
	case SMTPSCOPE_EV_ATTEMPT:
		if (SMTPSCOPE_HAS(struct smtpscope_event, ev, u.attempt) &&
		    ev->u.attempt != NULL)
			f->attempts[ev->u.attempt->refused ? 0 : 1]++;
		break;
	default:
		break;
	}
}

void
prom_figures_health(struct prom_figures *f, const struct smtpscope_health *h)
{
	f->health = *h;
}

/* ---- rendering ---------------------------------------------------------- */

struct out {
	char *p;
	size_t len, cap;
	bool failed;
};

static void out_printf(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	size_t ncap;
	char *np;
	int n;

	if (o->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->failed = true;
			return;
		}
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		ncap = o->cap * 2;
		while (ncap - o->len <= (size_t)n)
			ncap *= 2;
		if (ncap > PROM_RENDER_MAX ||
		    (np = realloc(o->p, ncap)) == NULL) {
			o->failed = true;
			return;
		}
		o->p = np;
		o->cap = ncap;
	}
}

/* A label value, escaped as the format wants. */
static void
out_label_value(struct out *o, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\')
			out_printf(o, "\\\\");
		else if (*v == '"')
			out_printf(o, "\\\"");
		else if (*v == '\n')
			out_printf(o, "\\n");
		else
			out_printf(o, "%c", *v);
	}
}

static void
family(struct out *o, const char *name, const char *type, const char *help)
{
	out_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
value(struct out *o, const char *name, uint64_t v)
{
	out_printf(o, "%s %llu\n", name, (unsigned long long)v);
}

static void
labelled(struct out *o, const char *name, const char *label, const char *lv,
    uint64_t v)
{
	out_printf(o, "%s{%s=\"", name, label);
	out_label_value(o, lv);
	out_printf(o, "\"} %llu\n", (unsigned long long)v);
}

static void
counter(struct out *o, const char *name, const char *help, uint64_t v)
{
	family(o, name, "counter", help);
	value(o, name, v);
}

static void
gauge(struct out *o, const char *name, const char *help, double v)
{
	family(o, name, "gauge", help);
	out_printf(o, "%s %.17g\n", name, v);
}

/* One histogram's series; label (may be NULL) with value lv. */
static void
hist_series(struct out *o, const char *name, const char *label, const char *lv,
    const struct prom_hist *h, const double *bounds, size_t nbounds)
{
	uint64_t cum = 0;
	size_t i;

	for (i = 0; i <= nbounds; i++) {
		cum += h->bucket[i];
		out_printf(o, "%s_bucket{", name);
		if (label != NULL) {
			out_printf(o, "%s=\"", label);
			out_label_value(o, lv);
			out_printf(o, "\",");
		}
		if (i < nbounds)
			out_printf(o, "le=\"%.15g\"} ", bounds[i]);
		else
			out_printf(o, "le=\"+Inf\"} ");
		out_printf(o, "%llu\n", (unsigned long long)cum);
	}
	out_printf(o, "%s_sum", name);
	if (label != NULL) {
		out_printf(o, "{%s=\"", label);
		out_label_value(o, lv);
		out_printf(o, "\"}");
	}
	out_printf(o, " %.17g\n", h->sum);
	out_printf(o, "%s_count", name);
	if (label != NULL) {
		out_printf(o, "{%s=\"", label);
		out_label_value(o, lv);
		out_printf(o, "\"}");
	}
	out_printf(o, " %llu\n", (unsigned long long)h->count);
}

/* Message tracking: what became of the messages across hops. */
static void
render_tracking(
    struct out *o, const struct prom_figures *f, const struct prom_names *n)
{
	size_t i;

	counter(o, "smtpscope_tracked_messages_total",
	    "Messages followed across hops and settled (DSNs included).",
	    f->tracked);
	counter(o, "smtpscope_tracked_dsn_total",
	    "Of them, delivery status notifications.", f->tracked_dsn);
	family(o, "smtpscope_recipient_fates_total", "counter",
	    "Recipients of the messages settled, by fate (dropped: a relay "
	    "said 250 and never passed it on).");
	for (i = 0; i < SMTPSCOPE_FATE_COUNT; i++)
		labelled(o, "smtpscope_recipient_fates_total", "fate",
		    n->fate[i], f->fates[i]);
	counter(o, "smtpscope_bounces_linked_total",
	    "Recipients a DSN came back for.", f->bounces_linked);
	counter(o, "smtpscope_bounce_missing_total",
	    "Recipients refused after a relay took them, and no DSN seen.",
	    f->bounce_missing);
	family(o, "smtpscope_relay_queue_seconds", "histogram",
	    "Time a message waited in a relay's queue before it was passed "
	    "on.");
	hist_series(o, "smtpscope_relay_queue_seconds", NULL, NULL,
	    &f->queue_time, queue_bounds, PROM_LAT_BUCKETS);
}

static void
render_smtp(
    struct out *o, const struct prom_figures *f, const struct prom_names *n)
{
	char code[8];
	size_t i;

	counter(o, "smtpscope_sessions_opened_total",
	    "SMTP sessions whose TCP handshake was seen.", f->sessions_opened);
	family(o, "smtpscope_sessions_closed_total", "counter",
	    "SMTP sessions over, by how they ended.");
	for (i = 1; i < PROM_END_COUNT; i++)
		labelled(o, "smtpscope_sessions_closed_total", "end", n->end[i],
		    f->sessions_closed[i]);
	family(o, "smtpscope_transactions_total", "counter",
	    "Mail transactions over, by outcome.");
	for (i = 0; i < PROM_OUTCOME_COUNT; i++)
		if (i != SMTPSCOPE_OUTCOME_NONE || f->transactions[i] != 0)
			labelled(o, "smtpscope_transactions_total", "outcome",
			    n->outcome[i], f->transactions[i]);
	counter(o, "smtpscope_recipients_total",
	    "RCPT commands of the transactions over.", f->rcpt_total);
	counter(o, "smtpscope_recipients_accepted_total",
	    "RCPT commands answered 2xx.", f->rcpt_accepted);
	counter(o, "smtpscope_messages_accepted_total",
	    "Messages whose end of data was answered 2xx.", f->msgs_accepted);
	counter(o, "smtpscope_message_bytes_accepted_total",
	    "Bytes of the messages accepted (dot-unstuffed).",
	    f->bytes_accepted);

	family(o, "smtpscope_replies_total", "counter",
	    "Server replies by code (at most 64 codes; the rest are other).");
	for (i = 0; i < f->ncodes; i++) {
		snprintf(code, sizeof(code), "%d", f->codes[i].code);
		labelled(
		    o, "smtpscope_replies_total", "code", code, f->codes[i].n);
	}
	if (f->codes_other != 0)
		labelled(o, "smtpscope_replies_total", "code", "other",
		    f->codes_other);

	family(o, "smtpscope_commands_total", "counter",
	    "Client commands by verb.");
	for (i = 0; i < SMTPSCOPE_VERB_COUNT; i++)
		if (i < SMTPSCOPE_VERB_GREETING || f->commands[i] != 0)
			labelled(o, "smtpscope_commands_total", "verb",
			    n->verb[i], f->commands[i]);

	counter(o, "smtpscope_starttls_offered_total",
	    "Sessions over whose EHLO reply offered STARTTLS.",
	    f->starttls_offered);
	counter(o, "smtpscope_starttls_used_total",
	    "Sessions over in which TLS began after STARTTLS.",
	    f->starttls_used);
	counter(o, "smtpscope_implicit_tls_total",
	    "Sessions over with TLS from the start (port 465).",
	    f->implicit_tls);
	counter(o, "smtpscope_auth_attempts_total",
	    "AUTH commands of the sessions over.", f->auth_attempts);
	counter(o, "smtpscope_auth_successes_total",
	    "Sessions over that authenticated (235).", f->auth_successes);
	counter(o, "smtpscope_auth_failures_total",
	    "AUTH exchanges refused (4xx or 5xx) in the sessions over.",
	    f->auth_failures);

	family(o, "smtpscope_anomalies_total", "counter",
	    "Protocol anomalies by kind.");
	for (i = 0; i < SMTPSCOPE_ANOMALY_COUNT; i++)
		labelled(o, "smtpscope_anomalies_total", "kind", n->anomaly[i],
		    f->anomalies[i]);

	family(o, "smtpscope_alerts_total", "counter",
	    "Alerts raised, by kind (smtpscope(1), ALERTS).");
	for (i = 0; i < SMTPSCOPE_ALERT_COUNT; i++)
		labelled(o, "smtpscope_alerts_total", "kind", alert_names[i],
		    f->alerts[i]);
	family(o, "smtpscope_alerts_active", "gauge",
	    "Alerts raised and not cleared, by kind.");
	for (i = 0; i < SMTPSCOPE_ALERT_COUNT; i++)
		labelled(o, "smtpscope_alerts_active", "kind", alert_names[i],
		    f->alerts_active[i]);

	family(o, "smtpscope_connection_attempts_total", "counter",
	    "Connections to a mail port that made no session: refused (the "
	    "server's RST) or unanswered.");
	labelled(o, "smtpscope_connection_attempts_total", "result", "refused",
	    f->attempts[0]);
	labelled(o, "smtpscope_connection_attempts_total", "result",
	    "unanswered", f->attempts[1]);

	family(o, "smtpscope_reply_latency_seconds", "histogram",
	    "Time from a command (or the handshake) to its reply, by phase.");
	for (i = 0; i < PROM_PHASE_COUNT; i++)
		hist_series(o, "smtpscope_reply_latency_seconds", "phase",
		    phase_names[i], &f->latency[i], lat_bounds,
		    PROM_LAT_BUCKETS);
	family(o, "smtpscope_message_size_bytes", "histogram",
	    "Sizes of the messages whose end of data was seen.");
	hist_series(o, "smtpscope_message_size_bytes", NULL, NULL, &f->size,
	    size_bounds, PROM_SIZE_BUCKETS);
	render_tracking(o, f, n);
}

static void
render_health(struct out *o, const struct smtpscope_health *h)
{
	counter(
	    o, "smtpscope_capture_packets_total", "Packets read.", h->packets);
	counter(o, "smtpscope_capture_bytes_total",
	    "Bytes of the packets read, as captured.", h->bytes);
	counter(o, "smtpscope_capture_pcap_drops_total",
	    "Packets the kernel dropped (live capture).", h->pcap_drops);
	counter(o, "smtpscope_capture_pcap_ifdrops_total",
	    "Packets the interface dropped (live capture).", h->pcap_ifdrops);
	counter(o, "smtpscope_capture_sessions_total",
	    "SMTP sessions seen, as the capture counts them.", h->sessions);
	gauge(o, "smtpscope_capture_active_sessions", "SMTP sessions open.",
	    (double)h->active_sessions);
	counter(o, "smtpscope_capture_gaps_total", "Stream holes stepped over.",
	    h->gaps);
	counter(o, "smtpscope_capture_no_handshake_total",
	    "Connections seen without their handshake.", h->no_handshake);
	gauge(o, "smtpscope_capture_live",
	    "1 when capturing from an interface, 0 from a file.",
	    h->live ? 1 : 0);
	gauge(o, "smtpscope_capture_time_seconds",
	    "Capture time of the last health update, seconds since the "
	    "epoch.",
	    h->now);
}

void
prom_figures_plugin_counter(struct prom_figures *f, const char *plugin,
    const char *name, uint64_t value)
{
	struct prom_plugin_counter *c;

	if (f->nplugin_counters >= PROM_PLUGIN_COUNTERS_MAX)
		return;
	c = &f->plugin_counters[f->nplugin_counters++];
	snprintf(c->plugin, sizeof(c->plugin), "%s", plugin);
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->value = value;
}

/* The plugins' counters: some count, some are levels (a spool's depth),
 * hence untyped. */
static void
render_plugin_counters(struct out *o, const struct prom_figures *f)
{
	size_t i;

	if (f->nplugin_counters == 0)
		return;
	family(o, "smtpscope_plugin_value", "untyped",
	    "The counters plugins keep (smtpscope's reports show them with "
	    "their help), by plugin and name.");
	for (i = 0; i < f->nplugin_counters; i++) {
		const struct prom_plugin_counter *c = &f->plugin_counters[i];

		out_printf(o, "smtpscope_plugin_value{plugin=\"");
		out_label_value(o, c->plugin);
		out_printf(o, "\",name=\"");
		out_label_value(o, c->name);
		out_printf(o, "\"} %llu\n", (unsigned long long)c->value);
	}
}

char *
prom_render(
    const struct prom_figures *f, const struct prom_names *n, size_t *len)
{
	struct out o;

	o.cap = 16384;
	o.len = 0;
	o.failed = false;
	if ((o.p = malloc(o.cap)) == NULL)
		return NULL;
	o.p[0] = '\0';
	render_smtp(&o, f, n);
	render_health(&o, &f->health);
	render_plugin_counters(&o, f);
	if (o.failed) {
		free(o.p);
		return NULL;
	}
	*len = o.len;
	return o.p;
}
