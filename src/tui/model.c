/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The dashboard's event sink and what its views list. tui_on_event()
 * only records (the recent sessions and their transcripts, bounded);
 * the frame only reads. The / filter and the orders of the lists are
 * here too, the rows of the relay table, and the notice on the status
 * line.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/format.h"
#include "sinks/notable.h"
#include "sinks/transcript.h"
#include "tui/model.h"

double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wire text, escaped, into a fixed buffer; cut on a character. */
void
escape_into(char *dst, size_t size, const void *raw, size_t n)
{
	struct dbuf b;
	size_t len;

	if (size == 0)
		return;
	dbuf_init(&b, size * 4 + 16);
	text_append_escaped(&b, raw, n);
	len = b.len < size - 1 ? b.len : size - 1;
	if (len < b.len)
		while (len > 0 && ((unsigned char)b.p[len] & 0xc0) == 0x80)
			len--;
	if (len > 0)
		memcpy(dst, b.p, len);
	dst[len] = '\0';
	dbuf_free(&b);
}

static void
sess_free(struct tsess *ss)
{
	dbuf_free(&ss->text);
	free(ss);
}

/* The transcript bytes of the sessions kept, after ss's text changed
 * from before bytes. */
static void
text_account(struct tui *t, const struct tsess *ss, size_t before)
{
	t->text_bytes += ss->text.len;
	t->text_bytes -= before < t->text_bytes ? before : t->text_bytes;
}

static void
sess_unlink(struct tui *t, struct tsess *ss)
{
	if (ss->older != NULL)
		ss->older->newer = ss->newer;
	else
		t->oldest = ss->newer;
	if (ss->newer != NULL)
		ss->newer->older = ss->older;
	else
		t->newest = ss->older;
	sessmap_del(&t->byid, ss->id);
	t->text_bytes -=
	    ss->text.len < t->text_bytes ? ss->text.len : t->text_bytes;
	t->nsess--;
	t->sessions_evicted++;
	sess_free(ss);
}

/* Room for one more (the history, the transcripts' budget): the
 * oldest closed session goes first, then the oldest open one; never
 * the transcript on the screen. */
static void
sess_make_room(struct tui *t)
{
	struct tsess *ss, *victim = NULL;

	if (t->nsess < t->history &&
	    t->text_bytes + TUI_TRANSCRIPT_MAX <= TUI_TRANSCRIPT_BUDGET)
		return;
	for (ss = t->oldest; ss != NULL; ss = ss->newer) {
		if (t->transcript && ss->id == t->transcript_id)
			continue;
		if (!ss->open) {
			victim = ss;
			break;
		}
		if (victim == NULL)
			victim = ss;
	}
	if (victim != NULL)
		sess_unlink(t, victim);
}

static bool
transcript_room(struct tsess *ss)
{
	if (ss->text.len + TUI_TRANSCRIPT_LINE_ROOM < TUI_TRANSCRIPT_MAX)
		return true;
	ss->dropped++;
	return false;
}

/* A reply of a session kept: its code and enhanced code counted as the
 * store counts them (stats.c on_reply()), within the session's room. */
static void
codes_add(struct tcodes *k, int code, const char *enh)
{
	bool lost = false;
	size_t i;

	k->replies++;
	if (code >= 0 && code < 600) {
		for (i = 0; i < k->ncode && k->code[i] != code; i++)
			continue;
		if (i == k->ncode && k->ncode < TUI_SESS_CODES) {
			k->code[k->ncode++] = (uint16_t)code;
			k->n[i] = 0;
		}
		if (i < k->ncode)
			k->n[i]++;
		else
			lost = true;
	}
	if (enh[0] != '\0') {
		for (i = 0; i < k->nenh && strcmp(k->enh[i], enh) != 0; i++)
			continue;
		if (i == k->nenh && k->nenh < TUI_SESS_CODES) {
			snprintf(k->enh[i], sizeof(k->enh[i]), "%s", enh);
			k->enh_n[k->nenh++] = 0;
		}
		if (i < k->nenh)
			k->enh_n[i]++;
		else
			lost = true;
	}
	if (lost)
		k->more++;
}

static void
sess_open(struct tui *t, const struct smtp_event *ev)
{
	const struct smtp_session_info *si = ev->session;
	struct tsess *ss;

	if (sessmap_get(&t->byid, si->id) != NULL)
		return;
	sess_make_room(t);
	ss = xcalloc(1, sizeof(*ss));
	ss->id = si->id;
	ss->open = true;
	ss->t0 = ev->ts;
	endpoint_hostport_str(&si->client, ss->client, sizeof(ss->client));
	endpoint_hostport_str(&si->server, ss->server, sizeof(ss->server));
	dbuf_init(&ss->text, TUI_TRANSCRIPT_MAX);
	transcript_format_open(&ss->text, si);
	text_account(t, ss, 0);
	ss->older = t->newest;
	if (t->newest != NULL)
		t->newest->newer = ss;
	else
		t->oldest = ss;
	t->newest = ss;
	sessmap_put(&t->byid, ss->id, ss);
	t->nsess++;
	t->sessions_seen++;
}

/* An envelope address, kept once, so that / finds the session by it. */
static void
envelope_add(struct tsess *ss, const char *addr)
{
	char e[TUI_ENVELOPE_MAX];
	size_t have = strlen(ss->envelope), n;

	if (addr == NULL || addr[0] == '\0')
		return;
	escape_into(e, sizeof(e), addr, strlen(addr));
	if (strstr(ss->envelope, e) != NULL)
		return;
	n = strlen(e);
	if (have + n + 2 > sizeof(ss->envelope))
		return;
	if (have > 0)
		ss->envelope[have++] = ' ';
	memcpy(ss->envelope + have, e, n + 1);
}

/* The HELO text is copied (escaped) only when it may have changed. */
static bool
helo_may_change(const struct smtp_event *ev)
{
	enum smtp_verb v;

	if (ev->type == SMTP_EV_SESSION_CLOSE)
		return true;
	if (ev->type == SMTP_EV_COMMAND)
		v = ev->u.command.verb;
	else if (ev->type == SMTP_EV_REPLY)
		v = ev->u.reply.verb;
	else
		return false;
	return v == SMTP_VERB_HELO || v == SMTP_VERB_EHLO ||
	    v == SMTP_VERB_LHLO;
}

/* ---- the notable events, grouped ---- */

/*
 * The Events view's lines: the notable events, by the store's rule
 * (sinks/notable.c), kept here because the dashboard keeps as many as
 * its history says, grouped.
 */
static bool
event_joins(
    const struct tevent *g, const struct stats_recent *r, const char *reason)
{
	double d = r->ts - g->r.ts;

	return g->r.kind == r->kind && g->r.code == r->code &&
	    d <= TUI_GROUP_WINDOW && d >= -TUI_GROUP_WINDOW &&
	    strcmp(g->r.client, r->client) == 0 &&
	    strcmp(g->r.server, r->server) == 0 &&
	    strcmp(g->reason, reason) == 0;
}

static void
event_add(void *arg, const struct stats_recent *r, uint64_t n)
{
	struct tui *t = arg;
	char reason[sizeof(((struct tevent *)0)->reason)];
	struct tevent *g;
	size_t i, k;

	stats_normalise_reason(r->text, reason, sizeof(reason));
	t->ev_seen += n;
	for (i = 0; i < t->ev_n && i < TUI_GROUP_LOOKBACK; i++) {
		k = (t->ev_head + t->history - 1 - i) % t->history;
		g = &t->ev[k];
		if (!event_joins(g, r, reason))
			continue;
		if (r->ts < g->first)
			g->first = r->ts;
		if (g->r.session_id != r->session_id)
			g->sessions++;
		g->count += n;
		g->r = *r;
		g->seq = ++t->ev_seq;
		return;
	}
	g = &t->ev[t->ev_head];
	if (t->ev_n == t->history)
		t->ev_evicted++;
	else
		t->ev_n++;
	t->ev_head = (t->ev_head + 1) % t->history;
	memset(g, 0, sizeof(*g));
	g->r = *r;
	g->first = r->ts;
	g->count = n;
	g->first_session = r->session_id;
	g->sessions = 1;
	snprintf(g->reason, sizeof(g->reason), "%s", reason);
	g->seq = ++t->ev_seq;
}

/* An alert raised or cleared: a line of its own, about the client
 * (AUTH) or the server (latency) it names; from holds its name, rcpt
 * "raised" or "cleared", text the same and what it measured (so that a
 * clearing never joins the line of its raising). */
static void
events_of_alert(struct tui *t, double ts, const struct smtp_alert *a)
{
	struct stats_alert k;
	struct stats_recent r;
	char what[200];

	memset(&k, 0, sizeof(k));
	k.kind = a->kind;
	k.value = a->value;
	k.threshold = a->threshold;
	k.latency_limit = a->latency_limit;
	k.samples = a->samples;
	k.window = a->window;
	fmt_alert(&k, what, sizeof(what));
	memset(&r, 0, sizeof(r));
	r.ts = ts;
	r.kind = RECENT_ALERT;
	if (a->kind == SMTP_ALERT_AUTH_FAILURES)
		snprintf(r.client, sizeof(r.client), "%s", a->subject);
	else
		snprintf(r.server, sizeof(r.server), "%s", a->subject);
	snprintf(r.from, sizeof(r.from), "%s", smtp_alert_kind_name(a->kind));
	snprintf(
	    r.rcpt, sizeof(r.rcpt), "%s", a->raised ? "raised" : "cleared");
	snprintf(r.text, sizeof(r.text), "%s: %.*s",
	    a->raised ? "raised" : "cleared", (int)sizeof(r.text) - 10, what);
	event_add(t, &r, 1);
}

/* r: the counters went back to zero; the events with them. */
void
events_reset(struct tui *t)
{
	t->ev_head = t->ev_n = 0;
	t->ev_seen = t->ev_evicted = 0;
}

/* What the history allows, allocated once. */
void
model_init(struct tui *t)
{
	unsigned long h = t->o.history;

	if (h == 0)
		h = TUI_HISTORY_DEFAULT;
	if (h < TUI_HISTORY_MIN)
		h = TUI_HISTORY_MIN;
	if (h > TUI_HISTORY_MAX)
		h = TUI_HISTORY_MAX;
	t->history = h;
	t->list = xcalloc(h, sizeof(t->list[0]));
	t->evlist = xcalloc(h, sizeof(t->evlist[0]));
	t->ev = xcalloc(h, sizeof(t->ev[0]));
	t->localtime = t->o.localtime;
}

void
tui_on_event(void *arg, const struct smtp_event *ev)
{
	struct tui *t = arg;
	struct tsess *ss;
	const struct smtp_session_info *si = ev->session;
	size_t i, before;

	if (tui_is_open(t) && ev->type == SMTP_EV_ALERT) {
		events_of_alert(t, ev->ts, ev->u.alert);
		return;
	}
	if (tui_is_open(t) && ev->type == SMTP_EV_ATTEMPT) {
		notable_attempt(ev->u.attempt, event_add, t);
		return;
	}
	if (!tui_is_open(t) || si == NULL)
		return;
	if (ev->type == SMTP_EV_SESSION_OPEN) {
		sess_open(t, ev);
		return;
	}
	if (ev->type == SMTP_EV_TRANSACTION)
		notable_transaction(si, ev->u.tx, event_add, t);
	else if (ev->type == SMTP_EV_SESSION_CLOSE)
		notable_close(si, ev->ts, event_add, t);
	if ((ss = sessmap_get(&t->byid, si->id)) == NULL)
		return;
	before = ss->text.len;
	switch (ev->type) {
	case SMTP_EV_COMMAND:
	case SMTP_EV_ANOMALY:
	/* VRFY, EXPN, HELP... with every reply line: the transcript
	 * formatter writes them, as --transcript shows them. */
	case SMTP_EV_COMMAND_RESULT:
		if (transcript_room(ss))
			transcript_format_event(&ss->text, ss->t0, ev);
		break;
	case SMTP_EV_REPLY:
		codes_add(&ss->codes, ev->u.reply.code, ev->u.reply.enh);
		if (transcript_room(ss))
			transcript_format_event(&ss->text, ss->t0, ev);
		break;
	case SMTP_EV_TRANSACTION:
		if (transcript_room(ss))
			transcript_format_event(&ss->text, ss->t0, ev);
		ss->transactions++;
		if ((unsigned)ev->u.tx->outcome < SMTP_OUTCOME_COUNT)
			ss->outcome[ev->u.tx->outcome]++;
		envelope_add(ss, ev->u.tx->mail_from);
		for (i = 0; i < ev->u.tx->nrcpt; i++)
			envelope_add(ss, ev->u.tx->rcpt[i].addr);
		break;
	case SMTP_EV_SESSION_CLOSE:
		ss->open = false;
		transcript_format_close(&ss->text, ss->t0, si);
		break;
	default:
		break;
	}
	text_account(t, ss, before);
	if (helo_may_change(ev) && si->helo != NULL)
		escape_into(
		    ss->helo, sizeof(ss->helo), si->helo, strlen(si->helo));
}

static void
free_sess(void *arg, void *val)
{
	(void)arg;
	sess_free(val);
}

void
sessions_free(struct tui *t)
{
	sessmap_each(&t->byid, free_sess, NULL);
	sessmap_free(&t->byid);
	free(t->list);
	free(t->evlist);
	free(t->ev);
}

/* ---- the filter, the lists, the notice ---- */

static bool
contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle), i, k;

	if (n == 0)
		return true;
	for (i = 0; hay[i] != '\0'; i++) {
		for (k = 0; k < n && hay[i + k] != '\0'; k++)
			if (ascii_toupper((unsigned char)hay[i + k]) !=
			    ascii_toupper((unsigned char)needle[k]))
				break;
		if (k == n)
			return true;
	}
	return false;
}

void
tui_notice(struct tui *t, const char *msg)
{
	snprintf(t->notice, sizeof(t->notice), "%s", msg);
	t->notice_until = now_mono() + TUI_NOTICE_SEC;
}

/*
 * An address in text ("192.0.2.1", "192.0.2.1:25", "[2001:db8::1]:25",
 * "2001:db8::1") as numbers: family 4 or 6, 0 when it is none.
 */
static int
addr_parse(const char *s, uint8_t bin[16])
{
	char a[ENDPOINT_ADDRSTRLEN];
	const char *end, *colon;
	size_t n;

	memset(bin, 0, 16);
	if (s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL)
			return 0;
		s++;
	} else if ((colon = strchr(s, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		end = colon; /* IPv4 and its port */
	} else {
		end = s + strlen(s);
	}
	n = (size_t)(end - s);
	if (n == 0 || n >= sizeof(a))
		return 0;
	memcpy(a, s, n);
	a[n] = '\0';
	if (inet_pton(AF_INET, a, bin) == 1)
		return 4;
	if (inet_pton(AF_INET6, a, bin) == 1)
		return 6;
	return 0;
}

/* The filter is an address: it matches addresses whole ("10.0.0.1" not
 * "10.0.0.10"); anything else matches as a part of the text. */
static bool
field_matches(const struct tui *t, const char *field, bool is_addr)
{
	uint8_t fb[16], b[16];
	int ff;

	if (t->filter[0] == '\0')
		return true;
	/* Only a bare address: "10.0.0.1:25" stays a piece of text. */
	memset(fb, 0, sizeof(fb));
	ff = inet_pton(AF_INET, t->filter, fb) == 1   ? 4
	    : inet_pton(AF_INET6, t->filter, fb) == 1 ? 6
						      : 0;
	if (is_addr && ff != 0)
		return addr_parse(field, b) == ff && memcmp(fb, b, 16) == 0;
	return contains_ci(field, t->filter);
}

bool
sess_matches(const struct tui *t, const struct tsess *ss)
{
	return t->filter[0] == '\0' || field_matches(t, ss->client, true) ||
	    field_matches(t, ss->server, true) ||
	    contains_ci(ss->helo, t->filter) ||
	    contains_ci(ss->envelope, t->filter);
}

/* A row of a top table: its key, an address or a name. */
bool
filter_matches_key(const struct tui *t, const char *key)
{
	return field_matches(t, key, true);
}

static bool
event_matches(const struct tui *t, const struct tevent *g)
{
	const struct stats_recent *r = &g->r;

	return t->filter[0] == '\0' || field_matches(t, r->client, true) ||
	    field_matches(t, r->server, true) ||
	    contains_ci(r->from, t->filter) ||
	    contains_ci(r->rcpt, t->filter) || contains_ci(r->text, t->filter);
}

static int
ev_by_newest(const void *a, const void *b)
{
	const struct tevent *x = *(const struct tevent *const *)a;
	const struct tevent *y = *(const struct tevent *const *)b;

	return x->seq > y->seq ? -1 : x->seq < y->seq;
}

static int
ev_by_oldest(const void *a, const void *b)
{
	return ev_by_newest(b, a);
}

static int
ev_by_code(const void *a, const void *b)
{
	const struct tevent *x = *(const struct tevent *const *)a;
	const struct tevent *y = *(const struct tevent *const *)b;

	if (x->r.code != y->r.code)
		return x->r.code > y->r.code ? -1 : 1;
	return ev_by_newest(a, b);
}

static int
ev_by_count(const void *a, const void *b)
{
	const struct tevent *x = *(const struct tevent *const *)a;
	const struct tevent *y = *(const struct tevent *const *)b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return ev_by_newest(a, b);
}

/* The event lines shown: filtered, in the chosen order (0 newest
 * first, 1 oldest first, 2 by code, 3 most events first). */
size_t
event_list(const struct tui *t, const struct tevent **out, unsigned order)
{
	static int (*const by[])(const void *, const void *) = { ev_by_newest,
		ev_by_oldest, ev_by_code, ev_by_count };
	size_t i, n = 0;

	for (i = 0; i < t->ev_n; i++)
		if (event_matches(t, &t->ev[i]))
			out[n++] = &t->ev[i];
	qsort(out, n, sizeof(out[0]), by[order < 4 ? order : 0]);
	return n;
}

/* Names in order: addresses as numbers (IPv4 before IPv6, then the
 * port), before anything else, which goes as text. */
int
addr_cmp(const char *a, const char *b)
{
	uint8_t x[16], y[16];
	int fx = addr_parse(a, x), fy = addr_parse(b, y), d;

	if (fx == 0 || fy == 0)
		return fx != fy ? (fx == 0 ? 1 : -1) : strcmp(a, b);
	if (fx != fy)
		return fx < fy ? -1 : 1;
	if ((d = memcmp(x, y, 16)) != 0)
		return d;
	return strcmp(a, b) == 0     ? 0
	    : strlen(a) != strlen(b) ? (strlen(a) < strlen(b) ? -1 : 1)
				     : strcmp(a, b);
}

/* Top-table entries by their keys. */
int
topn_by_key(const void *a, const void *b)
{
	const struct topn_entry *x = *(const struct topn_entry *const *)a;
	const struct topn_entry *y = *(const struct topn_entry *const *)b;

	return addr_cmp(x->key, y->key);
}

const char *const tbd_table_name[TBD_TABLES] = { "servers", "clients",
	"sender domains", "recipient domains" };

void
tbd_tables(const struct stats *st, const struct bd_table *tb[TBD_TABLES])
{
	tb[0] = &st->by_server;
	tb[1] = &st->by_client;
	tb[2] = &st->by_sender_domain;
	tb[3] = &st->by_rcpt_domain;
}

/* The rows of a breakdown table that the filter finds, summed. */
void
bd_matching(const struct tui *t, const struct bd_table *tb, struct tbd_sum *sum)
{
	const struct topn_entry *e[TOPN_SLOTS];
	const struct bd_row *r;
	size_t n = topn_sorted(&tb->keys, e, TOPN_SLOTS), i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < n; i++) {
		if (!filter_matches_key(t, e[i]->key))
			continue;
		r = bd_row_of(tb, e[i]);
		if (sum->keys == 0) {
			sum->final_latency = r->final_latency;
			sum->greeting = r->greeting;
		} else {
			histo_merge(&sum->final_latency, &r->final_latency);
			histo_merge(&sum->greeting, &r->greeting);
		}
		sum->keys++;
		sum->count += r->count;
		sum->accepted += r->accepted;
		sum->rejected += r->rejected;
		sum->tempfail += r->tempfail;
		sum->lost += r->lost;
		sum->bytes += r->bytes;
	}
}

/* ---- the relay table: the store's three views of its relays, as one ---- */

/* The row of addr, added when new (the caller keeps n under the cap). */
static struct trelay *
relay_row(struct trelay *rows, size_t *n, const char *addr)
{
	struct trelay *r;
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp(rows[i].addr, addr) == 0)
			return &rows[i];
	r = &rows[(*n)++];
	memset(r, 0, sizeof(*r));
	r->addr = addr;
	/* Ordered as numbers: IPv4 before IPv6; anything else last. */
	if (inet_pton(AF_INET, addr, r->bin) == 1)
		r->family = 4;
	else if (inet_pton(AF_INET6, addr, r->bin) == 1)
		r->family = 6;
	else
		r->family = UINT8_MAX;
	return r;
}

static int
relay_by_addr(const struct trelay *x, const struct trelay *y)
{
	int d;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if ((d = memcmp(x->bin, y->bin, sizeof(x->bin))) != 0)
		return d;
	return strcmp(x->addr, y->addr);
}

static uint64_t
relay_hops(const struct trelay *r)
{
	return r->time != NULL ? r->time->n : 0;
}

static int
relay_by_hops(const void *a, const void *b)
{
	const struct trelay *x = a, *y = b;

	if (relay_hops(x) != relay_hops(y))
		return relay_hops(x) > relay_hops(y) ? -1 : 1;
	return relay_by_addr(x, y);
}

static int
relay_by_name(const void *a, const void *b)
{
	return relay_by_addr(a, b);
}

/*
 * The relays of the Top view's table, into out (TUI_RELAYS_MAX rows):
 * those whose queue times the store keeps, and those its tables of
 * dropped and still-queued recipients name. Order 0: most hops first,
 * ties by address; 1: by address. Returns how many.
 */
size_t
relay_rows(const struct stats *st, struct trelay *out, unsigned order)
{
	const struct topn_entry *e[TOPN_SLOTS];
	struct trelay *r;
	size_t n = 0, i, k;

	for (i = 0; i < st->nrelay && i < STATS_RELAYS; i++)
		relay_row(out, &n, st->relay[i].addr)->time =
		    &st->relay[i].time;
	k = topn_sorted(&st->drop_relays, e, TOPN_SLOTS);
	for (i = 0; i < k; i++) {
		r = relay_row(out, &n, e[i]->key);
		r->dropped = e[i]->count;
		r->dropped_approx = e[i]->error > 0;
	}
	k = topn_sorted(&st->queued_relays, e, TOPN_SLOTS);
	for (i = 0; i < k; i++) {
		r = relay_row(out, &n, e[i]->key);
		r->queued = e[i]->count;
		r->queued_approx = e[i]->error > 0;
	}
	qsort(
	    out, n, sizeof(out[0]), order == 1 ? relay_by_name : relay_by_hops);
	return n;
}
