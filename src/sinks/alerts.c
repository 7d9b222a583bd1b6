/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sinks/alerts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

/* The whole capture's window: its counts. */
enum { TX_ALL, TX_REJECTED, TX_TEMPFAIL, TX_LOST };
/* A server's windows: replies, and those slower than the limit. */
enum { LAT_N, LAT_SLOW };
enum { LAT_GREETING_W, LAT_FINAL_W };

/* A rate is cleared below this share of its threshold (hysteresis). */
#define ALERT_CLEAR_SHARE 0.8
/* A latency alert: more than this share of replies over the limit (the
 * 90th percentile over it); cleared at half that share. */
#define ALERT_SLOW_SHARE 0.1

void
alerts_config_default(struct alerts_config *c)
{
	c->reject_rate = 0.5;
	c->tempfail_rate = 0.3;
	c->lost_rate = 0.1;
	c->rate_min = 20;
	c->auth_failures = 5;
	c->auth_window = 600;
	c->connect_failures = 5;
	c->connect_window = 600;
	c->greeting_latency = 5;
	c->final_latency = 30;
	c->latency_min = 5;
	c->kernel_drops = 1;
	c->window = 600;
}

/* What --alert names, where it goes, and its range. */
enum setting_type { SET_PERCENT, SET_SECONDS, SET_COUNT };
static const struct setting {
	const char *name;
	enum setting_type type;
	size_t off;
	double max;
} settings[] = {
	{ "reject_rate", SET_PERCENT,
	    offsetof(struct alerts_config, reject_rate), 100 },
	{ "tempfail_rate", SET_PERCENT,
	    offsetof(struct alerts_config, tempfail_rate), 100 },
	{ "lost_rate", SET_PERCENT, offsetof(struct alerts_config, lost_rate),
	    100 },
	{ "rate_min", SET_COUNT, offsetof(struct alerts_config, rate_min),
	    1e9 },
	{ "auth_failures", SET_COUNT,
	    offsetof(struct alerts_config, auth_failures), ALERT_AUTH_MAX },
	{ "auth_window", SET_SECONDS,
	    offsetof(struct alerts_config, auth_window), 86400 * 7 },
	{ "connect_failures", SET_COUNT,
	    offsetof(struct alerts_config, connect_failures), ALERT_AUTH_MAX },
	{ "connect_window", SET_SECONDS,
	    offsetof(struct alerts_config, connect_window), 86400 * 7 },
	{ "greeting_latency", SET_SECONDS,
	    offsetof(struct alerts_config, greeting_latency), 86400 },
	{ "final_latency", SET_SECONDS,
	    offsetof(struct alerts_config, final_latency), 86400 },
	{ "latency_min", SET_COUNT, offsetof(struct alerts_config, latency_min),
	    1e9 },
	{ "kernel_drops", SET_COUNT,
	    offsetof(struct alerts_config, kernel_drops), 1e15 },
	{ "window", SET_SECONDS, offsetof(struct alerts_config, window),
	    86400 * 7 },
};

int
alerts_config_parse(
    struct alerts_config *c, const char *spec, char *err, size_t errlen)
{
	char item[128], *eq, *end;
	const char *p = spec, *q;
	size_t i, len;
	double v;

	while (*p != '\0') {
		q = strchr(p, ',');
		len = q != NULL ? (size_t)(q - p) : strlen(p);
		if (len == 0 || len >= sizeof(item)) {
			snprintf(err, errlen,
			    "--alert: an empty or too long "
			    "setting in \"%s\"",
			    spec);
			return -1;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		p += len + (q != NULL);
		if ((eq = strchr(item, '=')) == NULL) {
			snprintf(err, errlen,
			    "--alert: \"%s\" is not NAME=VALUE", item);
			return -1;
		}
		*eq++ = '\0';
		for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
			if (strcmp(settings[i].name, item) == 0)
				break;
		if (i == sizeof(settings) / sizeof(settings[0])) {
			snprintf(err, errlen,
			    "--alert: no threshold is called \"%s\" (see "
			    "smtpscope(1), ALERTS)",
			    item);
			return -1;
		}
		v = strtod(eq, &end);
		if (end == eq || *end != '\0' || !(v >= 0) ||
		    v > settings[i].max ||
		    (settings[i].type == SET_COUNT && v != floor(v)) ||
		    (settings[i].type == SET_SECONDS &&
			strcmp(item, "window") == 0 && v < 1) ||
		    (strcmp(item, "auth_window") == 0 && v < 1) ||
		    (strcmp(item, "connect_window") == 0 && v < 1)) {
			snprintf(err, errlen,
			    "--alert: %s=%s is out of range (0 to %g%s)", item,
			    eq, settings[i].max,
			    settings[i].type == SET_PERCENT       ? " per cent"
				: settings[i].type == SET_SECONDS ? " seconds"
								  : "");
			return -1;
		}
		switch (settings[i].type) {
		case SET_PERCENT:
			*(double *)((char *)c + settings[i].off) = v / 100;
			break;
		case SET_SECONDS:
			*(double *)((char *)c + settings[i].off) = v;
			break;
		case SET_COUNT:
			if (strcmp(item, "kernel_drops") == 0)
				c->kernel_drops = (uint64_t)v;
			else
				*(unsigned *)((char *)c + settings[i].off) =
				    (unsigned)v;
			break;
		}
	}
	return 0;
}

void
alerts_init(
    struct alerts *al, const struct alerts_config *c, struct event_bus *bus)
{
	memset(al, 0, sizeof(*al));
	al->c = *c;
	al->bus = bus;
	al->next_id = 1;
	al->next_sweep = -INFINITY;
	al->width = c->window / ALERT_BUCKETS;
}

/* --- windows ------------------------------------------------------------- */

static int64_t
span_of(const struct alerts *al, double ts)
{
	double e = ts / al->width;

	return e >= 0 ? (int64_t)e : (int64_t)floor(e);
}

/* The window moved to span e: the buckets it left emptied, their
 * counts off the sums. Each bucket's place is the next one's less one,
 * from the first: no division a step. */
static void
window_move(struct alert_window *w, int64_t e)
{
	int64_t k;
	size_t i;

	if (!w->started || e - w->epoch >= ALERT_BUCKETS) {
		memset(w->n, 0, sizeof(w->n));
		memset(w->sum, 0, sizeof(w->sum));
		w->started = true;
		w->epoch = e;
		w->at = (uint8_t)(((e % ALERT_BUCKETS) + ALERT_BUCKETS) %
		    ALERT_BUCKETS);
		return;
	}
	for (k = w->epoch + 1, i = w->at; k <= e; k++) {
		i = i + 1 == ALERT_BUCKETS ? 0 : i + 1;
		for (size_t c = 0; c < 4; c++)
			w->sum[c] -= w->n[i][c];
		memset(w->n[i], 0, sizeof(w->n[i]));
	}
	w->epoch = e;
	w->at = (uint8_t)i;
}

/* The window moved to the span of now, which it mostly is in already:
 * that is told here, before a call. */
static inline void
window_advance(struct alerts *al, struct alert_window *w)
{
	if (!w->started || al->span > w->epoch)
		window_move(w, al->span);
}

/* Adds v to count c of the window, at the alerts' clock. */
static void
window_add(struct alerts *al, struct alert_window *w, int c, uint32_t v)
{
	size_t i;

	window_advance(al, w);
	i = w->at;
	if (v > UINT32_MAX - w->n[i][c])
		v = UINT32_MAX - w->n[i][c];
	w->n[i][c] += v;
	w->sum[c] += v;
}

/* The counts of the window that ends at the alerts' clock. */
static const uint64_t *
window_sum(struct alerts *al, struct alert_window *w)
{
	window_advance(al, w);
	return w->sum;
}

static void
emit(struct alerts *al, const struct smtp_alert *a)
{
	struct smtp_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SMTP_EV_ALERT;
	ev.ts = al->now;
	ev.u.alert = a;
	event_bus_emit(al->bus, &ev);
}

/* Raises or clears one alert; *id is the alert's number. */
static void
say(struct alerts *al, enum smtp_alert_kind kind, bool raised, uint64_t *id,
    const char *subject, double value, double threshold, double limit,
    uint64_t samples, double window)
{
	struct smtp_alert a;

	if (raised)
		*id = al->next_id++;
	memset(&a, 0, sizeof(a));
	a.kind = kind;
	a.raised = raised;
	a.subject = subject;
	a.value = value;
	a.threshold = threshold;
	a.latency_limit = limit;
	a.samples = samples;
	a.window = window;
	a.id = *id;
	emit(al, &a);
}

/* --- the rates of the whole capture -------------------------------------- */

static void
rates_check(struct alerts *al)
{
	static const enum smtp_alert_kind kinds[3] = { SMTP_ALERT_REJECT_RATE,
		SMTP_ALERT_TEMPFAIL_RATE, SMTP_ALERT_LOST_RATE };
	const double th[3] = { al->c.reject_rate, al->c.tempfail_rate,
		al->c.lost_rate };
	const uint64_t *s = window_sum(al, &al->tx);
	const double all = (double)s[TX_ALL];
	double share;
	int i;

	for (i = 0; i < 3; i++) {
		/* Compared by products: no division per transaction. */
		if (th[i] <= 0)
			continue;
		if (!al->rate_active[i] && s[TX_ALL] >= al->c.rate_min &&
		    s[TX_ALL] > 0 && (double)s[i + 1] >= th[i] * all) {
			al->rate_active[i] = true;
			share = (double)s[i + 1] / all;
			say(al, kinds[i], true, &al->rate_id[i], "", share,
			    th[i], 0, s[TX_ALL], al->c.window);
		} else if (al->rate_active[i] &&
		    (s[TX_ALL] == 0 ||
			(double)s[i + 1] < th[i] * ALERT_CLEAR_SHARE * all)) {
			al->rate_active[i] = false;
			share = s[TX_ALL] > 0 ? (double)s[i + 1] / all : 0;
			say(al, kinds[i], false, &al->rate_id[i], "", share,
			    th[i], 0, s[TX_ALL], al->c.window);
		}
	}
}

static void
on_transaction(struct alerts *al, const struct smtp_event *ev)
{
	const struct smtp_transaction *tx = ev->u.tx;
	int k = -1;

	switch (tx->outcome) {
	case SMTP_OUTCOME_REJECTED:
		k = TX_REJECTED;
		break;
	case SMTP_OUTCOME_TEMPFAIL:
		k = TX_TEMPFAIL;
		break;
	case SMTP_OUTCOME_LOST:
		k = TX_LOST;
		break;
	case SMTP_OUTCOME_ACCEPTED:
	case SMTP_OUTCOME_DROPPED:
		break;
	default: /* aborted, unknown: no word from the server on mail */
		return;
	}
	window_add(al, &al->tx, TX_ALL, 1);
	if (k >= 0)
		window_add(al, &al->tx, k, 1);
	rates_check(al);
}

/* --- tables of clients and servers --------------------------------------- */

static void
endpoint_key(const struct smtp_endpoint *ep, uint8_t key[17])
{
	key[0] = ep->family == 6 ? 6 : 4;
	memcpy(key + 1, ep->addr, 16);
	if (key[0] == 4)
		memset(key + 5, 0, 12);
}

/* Compared in words, inline: a call to memcmp() cost more than the
 * comparing (a latency sample compares its server's key with the last
 * one's). */
static bool
key_eq(const uint8_t a[17], const uint8_t b[17])
{
	uint64_t x[2], y[2];

	memcpy(x, a + 1, 16);
	memcpy(y, b + 1, 16);
	return a[0] == b[0] && ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

static uint32_t
key_hash(const uint8_t key[17])
{
	uint32_t w[4], h;

	memcpy(w, key + 1, sizeof(w));
	h = key[0] ^ w[0] * 0x9e3779b1u ^ w[1] * 0x85ebca77u ^
	    w[2] * 0xc2b2ae3du ^ w[3] * 0x27d4eb2fu;
	return h ^ h >> 15;
}

/* The slot of key among n slots of size sz whose key and last time are
 * at key_off and last_off: its own, a free one, or the least recently
 * seen inactive one of the probe (evicted, *evicted set). */
#define ALERT_PROBE 16
static size_t
table_slot(void *base, size_t n, size_t sz, size_t key_off, size_t last_off,
    bool (*busy)(const void *), const uint8_t key[17], bool *evicted)
{
	size_t h = key_hash(key) % n, i, s, best = n;
	double oldest = INFINITY;

	*evicted = false;
	for (i = 0; i < ALERT_PROBE; i++) {
		char *e;
		const uint8_t *k;
		double last;

		s = (h + i) % n;
		e = (char *)base + s * sz;
		k = (const uint8_t *)(e + key_off);
		if (k[0] == 0)
			return s;
		if (key_eq(k, key))
			return s;
		memcpy(&last, e + last_off, sizeof(last));
		if (!busy(e) && last < oldest) {
			oldest = last;
			best = s;
		}
	}
	if (best == n)
		return n; /* every one of them is raised: not followed */
	*evicted = true;
	return best;
}

static bool
client_busy(const void *e)
{
	return ((const struct alert_client *)e)->active;
}

static bool
server_busy(const void *e)
{
	const struct alert_server *s = e;

	return s->active[0] || s->active[1];
}

static void
key_text(const uint8_t key[17], char *buf, size_t size)
{
	struct smtp_endpoint ep;

	memset(&ep, 0, sizeof(ep));
	ep.family = key[0];
	memcpy(ep.addr, key + 1, 16);
	endpoint_addr_str(&ep, buf, size);
}

/* --- AUTH failures from one client --------------------------------------- */

/* Times in c's ring within the window that ends at now. */
static unsigned
ring_recent(
    const struct alerts *al, const struct alert_client *c, double window)
{
	unsigned i, n = 0;

	for (i = 0; i < c->n; i++)
		if (c->times[i] > al->now - window)
			n++;
	return n;
}

/* A ring's alert (AUTH failures from a client, connections a server
 * refused): raised at threshold times in the window, cleared when the
 * window holds none. */
static void
ring_check(struct alerts *al, struct alert_client *c, enum smtp_alert_kind k,
    unsigned threshold, double window, unsigned *active)
{
	char a[ALERT_SUBJECT_MAX];
	unsigned n = ring_recent(al, c, window);

	if (!c->active && n >= threshold) {
		c->active = true;
		(*active)++;
		key_text(c->key, a, sizeof(a));
		say(al, k, true, &c->id, a, n, threshold, 0, n, window);
	} else if (c->active && n == 0) {
		c->active = false;
		(*active)--;
		key_text(c->key, a, sizeof(a));
		say(al, k, false, &c->id, a, n, threshold, 0, n, window);
	}
}

static void
client_check(struct alerts *al, struct alert_client *c)
{
	ring_check(al, c, SMTP_ALERT_AUTH_FAILURES, al->c.auth_failures,
	    al->c.auth_window, &al->clients_active);
}

static void
refuser_check(struct alerts *al, struct alert_client *c)
{
	ring_check(al, c, SMTP_ALERT_CONNECT_FAILURES, al->c.connect_failures,
	    al->c.connect_window, &al->refusers_active);
}

/* n more times in c's ring, at ts (the last ALERT_AUTH_MAX kept: enough
 * to count up to any threshold). */
static void
ring_add(struct alert_client *c, unsigned n, double ts)
{
	unsigned i;

	if (n > ALERT_AUTH_MAX)
		n = ALERT_AUTH_MAX;
	for (i = 0; i < n; i++) {
		c->times[c->head] = ts;
		c->head = (c->head + 1) % ALERT_AUTH_MAX;
		if (c->n < ALERT_AUTH_MAX)
			c->n++;
	}
	c->last = ts;
}

/* The ring of ep's address in tab (n of them), new or found; NULL when
 * every one is raised and none can make room. */
static struct alert_client *
ring_of(struct alert_client *tab, size_t n, const struct smtp_endpoint *ep,
    uint64_t *evictions)
{
	uint8_t key[17];
	struct alert_client *c;
	bool evicted;
	size_t s;

	endpoint_key(ep, key);
	s = table_slot(tab, n, sizeof(tab[0]),
	    offsetof(struct alert_client, key),
	    offsetof(struct alert_client, last), client_busy, key, &evicted);
	if (s == n)
		return NULL;
	c = &tab[s];
	if (evicted)
		(*evictions)++;
	if (c->key[0] == 0 || evicted) {
		memset(c, 0, sizeof(*c));
		memcpy(c->key, key, sizeof(c->key));
	}
	return c;
}

/* A session's AUTH failures, counted when it ends (one event a session,
 * not one a reply, on the hot path). */
static void
auth_failures(struct alerts *al, const struct smtp_event *ev)
{
	struct alert_client *c = ring_of(al->clients, ALERT_CLIENTS,
	    &ev->session->client, &al->clients_evicted);

	if (c == NULL)
		return;
	ring_add(c, ev->session->auth_failures, ev->ts);
	client_check(al, c);
}

/* A connection a server refused or never answered, counted against the
 * server's address (whatever the port: a host down refuses them all). */
static void
connect_failure(struct alerts *al, const struct smtp_attempt *at, double ts)
{
	struct alert_client *c = ring_of(
	    al->refusers, ALERT_SERVERS, &at->server, &al->refusers_evicted);

	if (c == NULL)
		return;
	ring_add(c, 1, ts);
	refuser_check(al, c);
}

/* --- latency per server -------------------------------------------------- */

static void
server_check(struct alerts *al, struct alert_server *sv, int w)
{
	static const enum smtp_alert_kind kinds[2] = {
		SMTP_ALERT_GREETING_LATENCY, SMTP_ALERT_FINAL_LATENCY
	};
	const double limit =
	    w == LAT_GREETING_W ? al->c.greeting_latency : al->c.final_latency;
	char a[ALERT_SUBJECT_MAX];
	const uint64_t *s = window_sum(al, &sv->w[w]);
	double share;

	/* More than 10% slow: slow * 10 > n; 5% or fewer: slow * 20 <= n,
	 * in integers. */
	if (!sv->active[w] &&
	    (s[LAT_N] < al->c.latency_min || s[LAT_SLOW] * 10 <= s[LAT_N]))
		return;
	if (sv->active[w] && s[LAT_N] > 0 && s[LAT_SLOW] * 20 > s[LAT_N])
		return;
	share = s[LAT_N] > 0 ? (double)s[LAT_SLOW] / (double)s[LAT_N] : 0;
	if (!sv->active[w]) {
		sv->active[w] = true;
		if (!sv->active[!w])
			al->servers_active++;
		key_text(sv->key, a, sizeof(a));
		say(al, kinds[w], true, &sv->id[w], a, share, ALERT_SLOW_SHARE,
		    limit, s[LAT_N], al->c.window);
	} else {
		sv->active[w] = false;
		if (!sv->active[!w])
			al->servers_active--;
		key_text(sv->key, a, sizeof(a));
		say(al, kinds[w], false, &sv->id[w], a, share, ALERT_SLOW_SHARE,
		    limit, s[LAT_N], al->c.window);
	}
}

static void
latency_sample(struct alerts *al, const struct smtp_session_info *si, int w,
    double latency, double ts)
{
	const double limit =
	    w == LAT_GREETING_W ? al->c.greeting_latency : al->c.final_latency;
	uint8_t key[17];
	struct alert_server *sv;
	bool evicted;
	size_t s;

	if (limit <= 0 || latency < 0)
		return;
	endpoint_key(&si->server, key);
	/* The server of the last sample first: most are. */
	s = al->last_server;
	evicted = false;
	if (!key_eq(al->servers[s].key, key))
		s = table_slot(al->servers, ALERT_SERVERS,
		    sizeof(al->servers[0]), offsetof(struct alert_server, key),
		    offsetof(struct alert_server, last), server_busy, key,
		    &evicted);
	if (s == ALERT_SERVERS)
		return;
	al->last_server = s;
	sv = &al->servers[s];
	if (evicted)
		al->servers_evicted++;
	if (sv->key[0] == 0 || evicted) {
		memset(sv, 0, sizeof(*sv));
		memcpy(sv->key, key, sizeof(sv->key));
	}
	sv->last = ts;
	window_add(al, &sv->w[w], LAT_N, 1);
	if (latency > limit)
		window_add(al, &sv->w[w], LAT_SLOW, 1);
	server_check(al, sv, w);
}

/* --- the clock ----------------------------------------------------------- */

/* Windows empty as time passes: what is raised may clear with no new
 * event. Once a second of capture time. */
static void
sweep(struct alerts *al)
{
	size_t i;

	if (al->now < al->next_sweep)
		return;
	al->next_sweep = al->now + 1;
	if (al->rate_active[0] || al->rate_active[1] || al->rate_active[2])
		rates_check(al);
	for (i = 0; al->clients_active > 0 && i < ALERT_CLIENTS; i++)
		if (al->clients[i].active)
			client_check(al, &al->clients[i]);
	for (i = 0; al->refusers_active > 0 && i < ALERT_SERVERS; i++)
		if (al->refusers[i].active)
			refuser_check(al, &al->refusers[i]);
	for (i = 0; al->servers_active > 0 && i < ALERT_SERVERS; i++) {
		if (al->servers[i].active[0])
			server_check(al, &al->servers[i], LAT_GREETING_W);
		if (al->servers[i].active[1])
			server_check(al, &al->servers[i], LAT_FINAL_W);
	}
}

/* The clock moves on: the span it is in worked out once, not by every
 * window it is read with. */
static void
clock_to(struct alerts *al, double ts)
{
	if (ts > al->now) {
		al->now = ts;
		al->span = span_of(al, ts);
	}
	sweep(al);
}

void
alerts_clock(struct alerts *al, double now, uint64_t drops)
{
	const uint64_t *s;

	clock_to(al, now);
	if (al->c.kernel_drops == 0)
		return;
	if (drops > al->drops_seen) {
		uint64_t d = drops - al->drops_seen;

		window_add(al, &al->drops, 0,
		    d > UINT32_MAX ? UINT32_MAX : (uint32_t)d);
		al->drops_seen = drops;
	}
	s = window_sum(al, &al->drops);
	if (!al->drops_active && s[0] >= al->c.kernel_drops) {
		al->drops_active = true;
		say(al, SMTP_ALERT_KERNEL_DROPS, true, &al->drops_id, "",
		    (double)s[0], (double)al->c.kernel_drops, 0, s[0],
		    al->c.window);
	} else if (al->drops_active && s[0] == 0) {
		al->drops_active = false;
		say(al, SMTP_ALERT_KERNEL_DROPS, false, &al->drops_id, "", 0,
		    (double)al->c.kernel_drops, 0, 0, al->c.window);
	}
}

void
alerts_on_event(void *arg, const struct smtp_event *ev)
{
	struct alerts *al = arg;
	const struct smtp_session_info *si = ev->session;

	clock_to(al, ev->ts);
	switch (ev->type) {
	case SMTP_EV_TRANSACTION:
		on_transaction(al, ev);
		if (ev->u.tx->final.code != 0)
			latency_sample(al, si, LAT_FINAL_W,
			    ev->u.tx->final.latency, ev->ts);
		break;
	case SMTP_EV_SESSION_CLOSE:
		/* The greeting and the AUTH failures once a session, when
		 * it ends. */
		if (si->greeting_code != 0 && !si->reversed)
			latency_sample(al, si, LAT_GREETING_W,
			    si->greeting_latency, ev->ts);
		if (si->auth_failures > 0 && al->c.auth_failures > 0)
			auth_failures(al, ev);
		break;
	case SMTP_EV_ATTEMPT:
		if (al->c.connect_failures > 0)
			connect_failure(al, ev->u.attempt, ev->ts);
		break;
	default:
		break;
	}
}
