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

#include "sinks/transcript.h"
#include "tui/model.h"

double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
endpoint_text(const struct smtp_endpoint *ep, char *buf, size_t size)
{
	char a[ENDPOINT_ADDRSTRLEN];

	endpoint_addr_str(ep, a, sizeof(a));
	snprintf(buf, size, ep->family == 6 ? "[%s]:%u" : "%s:%u", a, ep->port);
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
	t->nsess--;
	t->sessions_evicted++;
	sess_free(ss);
}

/* Room for one more: the oldest closed session goes first, then the
 * oldest open one; never the transcript on the screen. */
static void
sess_make_room(struct tui *t)
{
	struct tsess *ss, *victim = NULL;

	if (t->nsess < TUI_SESSIONS_MAX)
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
	endpoint_text(&si->client, ss->client, sizeof(ss->client));
	endpoint_text(&si->server, ss->server, sizeof(ss->server));
	dbuf_init(&ss->text, TUI_TRANSCRIPT_MAX);
	transcript_format_open(&ss->text, si);
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

void
tui_on_event(void *arg, const struct smtp_event *ev)
{
	struct tui *t = arg;
	struct tsess *ss;
	const struct smtp_session_info *si = ev->session;
	size_t i;

	if (!tui_is_open(t) || si == NULL)
		return;
	if (ev->type == SMTP_EV_SESSION_OPEN) {
		sess_open(t, ev);
		return;
	}
	if ((ss = sessmap_get(&t->byid, si->id)) == NULL)
		return;
	switch (ev->type) {
	case SMTP_EV_COMMAND:
	case SMTP_EV_REPLY:
	case SMTP_EV_ANOMALY:
	/* VRFY, EXPN, HELP... with every reply line: the transcript
	 * formatter writes them, as --transcript shows them. */
	case SMTP_EV_COMMAND_RESULT:
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

bool
sess_matches(const struct tui *t, const struct tsess *ss)
{
	const char *f = t->filter;

	return f[0] == '\0' || contains_ci(ss->client, f) ||
	    contains_ci(ss->server, f) || contains_ci(ss->helo, f) ||
	    contains_ci(ss->envelope, f);
}

static bool
recent_matches(const struct tui *t, const struct stats_recent *r)
{
	const char *f = t->filter;

	return f[0] == '\0' || contains_ci(r->client, f) ||
	    contains_ci(r->server, f) || contains_ci(r->from, f) ||
	    contains_ci(r->rcpt, f);
}

static int
by_code(const void *a, const void *b)
{
	const struct stats_recent *x = *(const struct stats_recent *const *)a;
	const struct stats_recent *y = *(const struct stats_recent *const *)b;

	if (x->code != y->code)
		return x->code > y->code ? -1 : 1;
	return x->ts > y->ts ? -1 : x->ts < y->ts;
}

/* The notable events shown: filtered, in the chosen order. */
size_t
recent_list(const struct tui *t, const struct stats *st,
    const struct stats_recent **out, unsigned order)
{
	const struct stats_recent *r, *tmp;
	size_t i, n = 0;

	for (i = 0; (r = stats_recent_get(st, i)) != NULL; i++)
		if (recent_matches(t, r))
			out[n++] = r;
	if (order == 1) {
		for (i = 0; i < n / 2; i++) {
			tmp = out[i];
			out[i] = out[n - 1 - i];
			out[n - 1 - i] = tmp;
		}
	} else if (order == 2) {
		qsort(out, n, sizeof(out[0]), by_code);
	}
	return n;
}

/* Top-table entries by their keys. */
int
topn_by_key(const void *a, const void *b)
{
	const struct topn_entry *x = *(const struct topn_entry *const *)a;
	const struct topn_entry *y = *(const struct topn_entry *const *)b;

	return strcmp(x->key, y->key);
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
