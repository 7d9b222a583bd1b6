/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sinks/stats.h"

#include <stdio.h>
#include <string.h>

#include "event/codes.h"
#include "lib/util.h"
#include "sinks/notable.h"

/*
 * The handlers of the events that count more than a figure are out of
 * line: inlined in stats_on_event(), they made every event (a command,
 * a reply: 350k on the bench's slice) save and restore the registers
 * only they use. Out of line, stats_on_event() saves none and hands
 * over with a jump.
 */
#define EVENT_HANDLER __attribute__((noinline))

const char *
stats_latency_name(enum stats_latency k)
{
	static const char *const n[LAT_KINDS] = { "greeting", "helo", "mail",
		"rcpt", "data", "end_of_data", "other" };

	return (unsigned)k < LAT_KINDS ? n[k] : "?";
}

const char *
stats_tls_version_name(enum stats_tls_version v)
{
	static const char *const n[TLSV_KINDS] = { "SSLv3", "TLSv1.0",
		"TLSv1.1", "TLSv1.2", "TLSv1.3", "other" };

	return (unsigned)v < TLSV_KINDS ? n[v] : "?";
}

const char *
stats_recent_kind_name(enum stats_recent_kind k)
{
	switch (k) {
	case RECENT_REJECT:
		return "reject";
	case RECENT_TEMPFAIL:
		return "tempfail";
	case RECENT_BOUNCE:
		return "bounce";
	case RECENT_LOST:
		return "lost";
	case RECENT_AUTH_FAILURE:
		return "auth failure";
	case RECENT_ALERT:
		return "alert";
	case RECENT_CONNECT:
		return "connect";
	}
	return "?";
}

void
stats_init(struct stats *st)
{
	int i;

	memset(st, 0, sizeof(*st));
	histo_init(&st->size, 1.0);
	histo_init(&st->relay_time, 1e-3);
	for (i = 0; i < LAT_KINDS; i++)
		histo_init(&st->latency[i], 1e-6);
	series_init(&st->series);
	hours_init(&st->hours, 3600);
	hours_init(&st->days, 86400);
	bd_init(&st->by_server);
	bd_init(&st->by_client);
	bd_init(&st->by_sender_domain);
	bd_init(&st->by_rcpt_domain);
	bd_init(&st->by_sender);
	bd_init(&st->by_rcpt);
	topn_reset(&st->attempt_servers);
}

/* An event in time: the recent rings, the whole span, the hours. */
static void
series_all(struct stats *st, double ts, enum series_kind k)
{
	series_add(&st->series, ts, k);
	timeline_add(&st->timeline, ts, k);
	hours_add(&st->hours, ts, k);
	hours_add(&st->days, ts, k);
}

void
stats_reset(struct stats *st)
{
	uint64_t active = st->sessions_active;
	uint64_t alerts_active[SMTP_ALERT_COUNT];
	bool tracking = st->tracking, alerting = st->alerting;

	memcpy(alerts_active, st->alerts_active, sizeof(alerts_active));
	stats_init(st);
	st->sessions_active = active; /* still open: not a counter */
	/* Alerts raised before and not cleared: a state, as sessions open. */
	memcpy(st->alerts_active, alerts_active, sizeof(alerts_active));
	st->tracking = tracking;
	st->alerting = alerting;
}

static const char *
domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at != NULL && at[1] != '\0' ? at + 1 : "(none)";
}

/* ASCII lower case copy of a domain, for counting. */
static void
lower_domain(const char *d, char *out, size_t size)
{
	ascii_lower_copy(d, out, size);
}

/* The domain of addr, whose length is n: *dn bytes after its last '@',
 * "(none)" as domain_of() says. */
static const char *
domain_of_n(const char *addr, size_t n, size_t *dn)
{
	const char *at = memrchr(addr, '@', n);

	if (at == NULL || at + 1 == addr + n) {
		*dn = 6;
		return "(none)";
	}
	*dn = (size_t)(addr + n - (at + 1));
	return at + 1;
}

/*
 * The domain d of n bytes as counted, lower case, from c: the domain
 * lowered last is kept with what it was lowered from. Domains come in
 * runs (a transaction's recipients, a sender's messages) and comparing
 * costs a fraction of lowering again. Only the first TOPN_KEY_MAX - 1
 * bytes make the copy, so only they are compared. The string returned
 * (of *ln bytes) lasts until c's next use.
 */
static const char *
domain_lowered(struct stats_domain *c, const char *d, size_t n, size_t *ln)
{
	if (n > sizeof(c->raw) - 1)
		n = sizeof(c->raw) - 1;
	if (n != c->len || !topn_same(d, c->raw, n)) {
		/* It lowers the same n bytes. */
		lower_domain(d, c->lower, sizeof(c->lower));
		memcpy(c->raw, d, n);
		c->raw[n] = '\0';
		c->len = n;
	}
	*ln = n;
	return c->lower;
}

static bool
is_alnum(char c)
{
	return ascii_isdigit((unsigned char)c) ||
	    ascii_isalpha((unsigned char)c);
}

void
stats_normalise_reason(const char *in, char *out, size_t size)
{
	size_t i = 0, o = 0, j, k;
	bool digits;

	while (in[i] != '\0' && o + 8 < size) {
		/* An address: word chars around an '@'. */
		if (is_alnum(in[i]) || in[i] == '.' || in[i] == '_' ||
		    in[i] == '-' || in[i] == '+') {
			j = i;
			digits = false;
			while (in[j] != '\0' &&
			    (is_alnum(in[j]) ||
				strchr("._-+@:", in[j]) != NULL)) {
				if (ascii_isdigit((unsigned char)in[j]))
					digits = true;
				j++;
			}
			k = i;
			while (k < j && in[k] != '@')
				k++;
			if (k < j && k > i && k + 1 < j) {
				memcpy(out + o, "<addr>", 6);
				o += 6;
			} else if (digits) {
				/* Numbers, IPs, queue ids: all vary. */
				size_t d = 0, l;

				for (l = i; l < j; l++)
					d += ascii_isdigit(
						 (unsigned char)in[l]) ||
					    in[l] == '.' || in[l] == ':';
				if (d == j - i &&
				    strchr(".:", in[j - 1]) == NULL &&
				    memchr(in + i, '.', j - i) != NULL &&
				    (j - i) >= 7) {
					memcpy(out + o, "<ip>", 4);
					o += 4;
				} else if (j - i <= 5 && d == j - i) {
					out[o++] = 'N';
				} else if (j - i >= 5) {
					out[o++] = 'N';
				} else {
					/* Short words with a digit (5.1.1 is
					 * kept by the caller): keep. */
					memcpy(out + o, in + i, j - i);
					o += j - i;
				}
			} else {
				size_t n = j - i;

				if (o + n + 1 > size)
					n = size - o - 1;
				memcpy(out + o, in + i, n);
				o += n;
			}
			i = j;
			continue;
		}
		out[o++] = in[i++];
	}
	out[o] = '\0';
}

/* A notable event (sinks/notable.c decides which) into the ring. */
static void
recent_store(void *arg, const struct stats_recent *r, uint64_t count)
{
	struct stats *st = arg;

	(void)count; /* a session's AUTH failures: one entry */
	st->recent[st->recent_head] = *r;
	st->recent_head = (st->recent_head + 1) % STATS_RECENT;
	if (st->recent_n < STATS_RECENT)
		st->recent_n++;
	st->recent_total++;
}

const struct stats_recent *
stats_recent_get(const struct stats *st, size_t i)
{
	if (i >= st->recent_n)
		return NULL;
	return &st->recent[(st->recent_head + STATS_RECENT - 1 - i) %
	    STATS_RECENT];
}

/* Who a refusal concerns: its client, sender, recipient's domain (NULL
 * for what is not known). */
struct who {
	const char *client, *sender, *rcpt_domain;
};

/* A refusal's reason, as "550 5.1.1 <addr>: ... unknown" counted, and
 * who is behind it. */
static __attribute__((noinline)) void
count_refusal(struct stats *st, const struct smtp_reply *r, const struct who *w)
{
	struct reason_who *rw;
	size_t slot;
	bool fresh;
	char raw[SMTP_REPLY_TEXT_MAX + 32], norm[TOPN_KEY_MAX];

	snprintf(raw, sizeof(raw), "%d %s%s%s", r->code, r->enh,
	    r->enh[0] ? " " : "", r->text ? r->text : "");
	/* Keep the codes as they are; mask the rest. */
	{
		size_t keep = strlen(r->enh) + 4 + (r->enh[0] ? 1 : 0);

		if (keep > strlen(raw))
			keep = strlen(raw);
		memcpy(norm, raw, keep);
		stats_normalise_reason(
		    raw + keep, norm + keep, sizeof(norm) - keep);
	}
	slot = topn_add_slot(&st->reject_reasons, norm, 1, &fresh);
	rw = &st->reason_who[slot];
	if (fresh)
		memset(rw, 0, sizeof(*rw));
	if (w->client != NULL)
		who_add(&rw->who[WHO_CLIENT], w->client);
	if (w->sender != NULL)
		who_add(&rw->who[WHO_SENDER], w->sender);
	if (w->rcpt_domain != NULL)
		who_add(&rw->who[WHO_RCPT_DOMAIN], w->rcpt_domain);
}

/* A reply counted if it is a refusal: the test inline, where most
 * replies (a transaction's four or more) are not. */
static inline void
count_reason(struct stats *st, const struct smtp_reply *r, const struct who *w)
{
	if (r->code >= 400)
		count_refusal(st, r, w);
}

static enum stats_latency
latency_kind(enum smtp_verb v)
{
	switch (v) {
	case SMTP_VERB_GREETING:
		return LAT_GREETING;
	case SMTP_VERB_HELO:
	case SMTP_VERB_EHLO:
	case SMTP_VERB_LHLO:
		return LAT_HELO;
	case SMTP_VERB_MAIL:
		return LAT_MAIL;
	case SMTP_VERB_RCPT:
		return LAT_RCPT;
	case SMTP_VERB_DATA:
		return LAT_DATA;
	case SMTP_VERB_END_OF_DATA:
		return LAT_FINAL;
	default:
		return LAT_OTHER;
	}
}

/* A code not in its cache entry: counted by its key, and the entry
 * made its own. Out of line: on_reply() runs for every reply, this for few. */
static __attribute__((noinline)) void
enh_seen_new(struct stats *st, struct stats_enh_seen *c, const char *enh,
    size_t n, uint64_t lo, uint32_t hi)
{
	bool fresh;

	c->slot = (uint8_t)topn_add_slot_n(&st->enhanced, enh, n, 1, &fresh);
	c->lo = lo;
	c->hi = hi;
	c->replaced = st->enhanced.replaced;
}

/*
 * A reply's enhanced code counted. Most replies have one (83k of 150k
 * on the bench's slice), and a few codes come round in every session
 * (2.1.0, 2.1.5, 2.0.0): each code's slot is kept by its 12 bytes, in a
 * table the code's first word places it in, so that a code seen before
 * is counted without its length, its hash or its lookup. A slot holds
 * its key until a key takes another's place (enhanced.replaced): then
 * the code is looked up again.
 */
static void
count_enhanced(struct stats *st, const char *enh)
{
	static const uint64_t ones = 0x0101010101010101ull;
	struct stats_enh_seen *c;
	uint64_t lo, z;
	uint32_t hi, zh;
	size_t n;

	_Static_assert(sizeof(((struct smtp_event *)0)->u.reply.enh) == 12,
	    "a code is 12 bytes");
	/* Its words, and its length from the first zero byte (the lowest
	 * byte flagged is exact: a borrow only reaches above a zero). */
	memcpy(&lo, enh, 8);
	memcpy(&hi, enh + 8, 4);
	z = (lo - ones) & ~lo & (ones << 7);
	if (z != 0) {
		n = (size_t)__builtin_ctzll(z) / 8;
		lo &= ((uint64_t)1 << (8 * n)) - 1;
		hi = 0;
	} else {
		zh = (hi - (uint32_t)ones) & ~hi & ((uint32_t)ones << 7);
		n = zh != 0 ? 8 + (size_t)__builtin_ctz(zh) / 8 : 12;
		hi &= n < 12 ? ((uint32_t)1 << (8 * (n - 8))) - 1 : ~0u;
	}
	c = &st->enh_seen[(lo * 0x9e3779b97f4a7c15ull) >> 60];
	if (c->lo == lo && c->hi == hi &&
	    c->replaced == st->enhanced.replaced) {
		topn_count(&st->enhanced, c->slot, 1);
		return;
	}
	enh_seen_new(st, c, enh, n, lo, hi);
}

static EVENT_HANDLER void
on_reply(struct stats *st, const struct smtp_event *ev)
{
	int code = ev->u.reply.code;
	enum stats_latency k;

	st->replies++;
	/* Within 0..599 the class is the first digit: one division, of an
	 * unsigned, in place of two of a signed. */
	if ((unsigned)code < 600) {
		st->reply_code[code]++;
		st->reply_class[(unsigned)code / 100]++;
	} else
		/* Unsigned: never an index below 0 (a code is three digits
		 * from the wire; this only keeps the array's bounds). */
		st->reply_class[(unsigned)code / 100 % 6]++;
	if (ev->u.reply.enh[0] != '\0')
		count_enhanced(st, ev->u.reply.enh);
	if (ev->u.reply.latency >= 0 && ev->u.reply.verb != SMTP_VERB_UNKNOWN) {
		k = latency_kind(ev->u.reply.verb);
		/* A BDAT LAST reply is the final one. */
		if (ev->u.reply.verb == SMTP_VERB_BDAT &&
		    ev->u.reply.last_chunk)
			k = LAT_FINAL;
		histo_add(&st->latency[k], ev->u.reply.latency);
	}
}

static enum bd_outcome
bd_outcome_of(enum smtp_outcome o)
{
	switch (o) {
	case SMTP_OUTCOME_ACCEPTED:
		return BD_ACCEPTED;
	case SMTP_OUTCOME_REJECTED:
		return BD_REJECTED;
	case SMTP_OUTCOME_TEMPFAIL:
		return BD_TEMPFAIL;
	case SMTP_OUTCOME_LOST:
		return BD_LOST;
	default:
		return BD_OTHER;
	}
}

/* The final reply's latency, -1 when none came. */
static double
final_latency(const struct smtp_transaction *tx)
{
	return tx->final.code != 0 && tx->final.latency >= 0 ? tx->final.latency
							     : -1;
}

/* A recipient's own outcome: its RCPT refused, else (LMTP) its
 * delivery reply, else the transaction's. */
static enum bd_outcome
rcpt_outcome(const struct smtp_transaction *tx, const struct smtp_rcpt *r)
{
	int c = r->reply.code;

	if (c < 400 && tx->lmtp && r->delivery.code != 0)
		c = r->delivery.code < 300 ? 0 : r->delivery.code;
	if (c >= 500)
		return BD_REJECTED;
	if (c >= 400)
		return BD_TEMPFAIL;
	return bd_outcome_of(tx->outcome);
}

/* Each recipient: its domain, its address, its refusal. */
static void
tx_recipients(struct stats *st, const struct smtp_transaction *tx,
    const struct histo_point *lat, struct who *w)
{
	const char *dom;
	enum bd_outcome o;
	size_t i, n, dn;

	for (i = 0; i < tx->nrcpt; i++) {
		const struct smtp_rcpt *r = &tx->rcpt[i];

		/* The address's length once, for its domain and both
		 * tables. */
		n = strlen(r->addr);
		dom = domain_of_n(r->addr, n, &dn);
		dom = domain_lowered(&st->rcpt_domain, dom, dn, &dn);
		o = rcpt_outcome(tx, r);
		bd_count_n(&st->by_rcpt, r->addr, n, o, tx->size);
		bd_add_n(&st->by_rcpt_domain, dom, dn, o, tx->size,
		    r->reply.code < 400 ? lat : NULL);
		w->rcpt_domain = dom;
		count_reason(st, &r->reply, w);
	}
}

/* The transaction's outcome: its series, its size. */
static void
tx_outcome(struct stats *st, const struct smtp_transaction *tx)
{
	switch (tx->outcome) {
	case SMTP_OUTCOME_ACCEPTED:
		st->messages_accepted++;
		st->message_bytes += tx->size;
		histo_add(&st->size, (double)tx->size);
		series_all(st, tx->ts_end, SERIES_ACCEPTED);
		break;
	case SMTP_OUTCOME_REJECTED:
		series_all(st, tx->ts_end, SERIES_REJECTED);
		break;
	case SMTP_OUTCOME_TEMPFAIL:
		series_all(st, tx->ts_end, SERIES_TEMPFAIL);
		break;
	case SMTP_OUTCOME_LOST:
		series_all(st, tx->ts_end, SERIES_LOST);
		break;
	case SMTP_OUTCOME_UNKNOWN:
		/* Not lost mail: the capture lost what would tell. */
		if (tx->capture_loss)
			st->loss_capture++;
		break;
	default:
		break;
	}
}

/* LMTP: each recipient's own delivery reply. Out of line: LMTP is rare
 * on the wire this watches. */
static __attribute__((noinline, cold)) void
tx_lmtp(struct stats *st, const struct smtp_transaction *tx, struct who *w)
{
	char dom[TOPN_KEY_MAX];
	size_t i;

	for (i = 0; i < tx->nrcpt; i++) {
		const struct smtp_reply *d = &tx->rcpt[i].delivery;

		if (d->code >= 200 && d->code < 300)
			st->lmtp_delivered++;
		else if (d->code >= 400) {
			st->lmtp_failed++;
			lower_domain(
			    domain_of(tx->rcpt[i].addr), dom, sizeof(dom));
			w->rcpt_domain = dom;
			count_reason(st, d, w);
		}
	}
}

/* The transaction by server, client and sender domain. */
static void
tx_breakdown(struct stats *st, const struct smtp_transaction *tx,
    const struct histo_point *lat, const char *server, const char *client,
    const char *sender_domain, size_t sender_domain_len)
{
	enum bd_outcome o = bd_outcome_of(tx->outcome);

	bd_add(&st->by_server, server, o, tx->size, lat);
	bd_add(&st->by_client, client, o, tx->size, lat);
	bd_add_n(&st->by_sender_domain, sender_domain, sender_domain_len, o,
	    tx->size, lat);
}

static EVENT_HANDLER void
on_transaction(struct stats *st, const struct smtp_event *ev)
{
	const struct smtp_transaction *tx = ev->u.tx;
	const struct smtp_session_info *si = ev->session;
	const char *first_rcpt = tx->nrcpt > 0 ? tx->rcpt[0].addr : "";
	const char *dom;
	char rdom[TOPN_KEY_MAX];
	/* The SMTP client: after TURN/ATRN, the TCP server. */
	const char *client = tx->reversed ? si->server_ip : si->client_ip;
	const char *server = tx->reversed ? si->client_ip : si->server_ip;
	/* The final reply's latency, once for every row it counts in. */
	const double flat = final_latency(tx);
	const struct histo_point latp = bd_latency_point(flat < 0 ? 0 : flat);
	const struct histo_point *lat = flat < 0 ? NULL : &latp;
	struct who w;
	size_t i, n, dn;

	st->transactions++;
	st->outcome[tx->outcome]++;
	st->recipients += tx->rcpt_total;
	st->recipients_accepted += tx->rcpt_accepted;
	/* The sender's length once, for its domain and its table. */
	n = strlen(tx->mail_from);
	dom = domain_of_n(tx->mail_from, n, &dn);
	dom = domain_lowered(&st->sender_domain, dom, dn, &dn);
	w.sender = tx->mail_from;
	if (tx->bounce) {
		w.sender = "<>";
		n = 2;
		dom = "(null sender)";
		dn = 13;
	}
	bd_count_n(
	    &st->by_sender, w.sender, n, bd_outcome_of(tx->outcome), tx->size);
	tx_breakdown(st, tx, lat, server, client, dom, dn);
	w.client = client;
	tx_recipients(st, tx, lat, &w);
	/* Refusals of the whole transaction: its first recipient's
	 * domain, "(none)" without one (only a refusal needs it). */
	w.rcpt_domain = "";
	if (tx->mail.code >= 400 || tx->data.code >= 400 ||
	    tx->final.code >= 400 || tx->nrefused > 0) {
		lower_domain(domain_of(first_rcpt), rdom, sizeof(rdom));
		w.rcpt_domain = rdom;
	}
	count_reason(st, &tx->mail, &w);
	/* A refused DATA is in refused[] too (each one, where data has
	 * the last): counted there, once. */
	for (i = 0; i < tx->nrefused; i++)
		if (tx->refused[i].verb == SMTP_VERB_DATA)
			break;
	if (i == tx->nrefused)
		count_reason(st, &tx->data, &w);
	count_reason(st, &tx->final, &w);
	tx_outcome(st, tx);
	st->assumed += tx->assumed;
	st->refused_in_tx += tx->nrefused;
	st->submission_no_auth += tx->submission_no_auth;
	st->reversed += tx->reversed;
	for (i = 0; i < tx->nrefused; i++)
		count_reason(st, &tx->refused[i].reply, &w);
	if (tx->lmtp)
		tx_lmtp(st, tx, &w);
	if (tx->bounce) {
		st->bounces++;
		if (tx->msg != NULL && tx->msg->is_dsn)
			st->dsn++;
	}
	notable_transaction(si, tx, recent_store, st);
}

static enum stats_tls_version
tls_kind(uint16_t v)
{
	switch (v) {
	case 0x0300:
		return TLSV_SSL3;
	case 0x0301:
		return TLSV_10;
	case 0x0302:
		return TLSV_11;
	case 0x0303:
		return TLSV_12;
	case 0x0304:
		return TLSV_13;
	default:
		return TLSV_OTHER;
	}
}

static EVENT_HANDLER void
on_close(struct stats *st, const struct smtp_event *ev)
{
	const struct smtp_session_info *si = ev->session;

	st->sessions_closed++;
	if (st->sessions_active > 0)
		st->sessions_active--;
	st->session_end[si->end]++;
	st->cleartext_auth += si->auth_cleartext;
	st->lmtp_sessions += si->lmtp;
	st->reversed_sessions += si->reversed;
	st->bytes_client += si->bytes_client;
	st->bytes_server += si->bytes_server;
	if (si->caps & SMTP_CAP_STARTTLS)
		st->starttls_offered++;
	if (si->tls && !si->implicit_tls)
		st->starttls_used++;
	if (si->implicit_tls)
		st->implicit_tls++;
	if (si->tls_meta.seen && si->tls_meta.version != 0)
		st->tls_version[tls_kind(si->tls_meta.version)]++;
	bd_session(
	    &st->by_server, si->server_ip, si->tls, si->greeting_latency);
	bd_session(
	    &st->by_client, si->client_ip, si->tls, si->greeting_latency);
	if (si->auth_attempts > 0) {
		st->auth_sessions++;
		topn_add(&st->auth_mechs, si->auth_mech, 1);
		if (si->auth_result == SMTP_AUTH_SUCCESS)
			st->auth_success++;
		auth_table_add(&st->auth_users,
		    si->auth_user[0] != '\0' ? si->auth_user : "(unknown)", 1,
		    si->auth_result == SMTP_AUTH_SUCCESS, si->auth_failures,
		    si->ts_open);
		if (si->auth_failures > 0) {
			st->auth_failures += si->auth_failures;
			auth_table_add(&st->auth_fail_by_client, si->client_ip,
			    si->auth_failures, false, si->auth_failures,
			    si->ts_open);
		}
	}
	notable_close(si, ev->ts, recent_store, st);
}

/* Time a message spent in the queue of the relay at addr. */
static void
relay_time(struct stats *st, const struct smtp_endpoint *addr, double secs)
{
	char a[ENDPOINT_ADDRSTRLEN];
	size_t i;

	endpoint_addr_str(addr, a, sizeof(a));
	for (i = 0; i < st->nrelay; i++)
		if (strcmp(st->relay[i].addr, a) == 0)
			break;
	if (i == st->nrelay) {
		if (i == STATS_RELAYS) {
			st->relays_over++;
			return;
		}
		snprintf(st->relay[i].addr, sizeof(st->relay[i].addr), "%s", a);
		histo_init(&st->relay[i].time, 1e-3);
		st->nrelay++;
	}
	histo_add(&st->relay[i].time, secs);
}

/* A settled message: its recipients' fates, its time in each relay. The
 * summary's "dropped" counts messages a relay accepted and dropped. */
static EVENT_HANDLER void
on_message(struct stats *st, const struct smtp_message *m)
{
	char a[ENDPOINT_ADDRSTRLEN], cause[TOPN_KEY_MAX + 32];
	char norm[TOPN_KEY_MAX], meaning[TOPN_KEY_MAX];
	const char *d;
	bool dropped = false;
	size_t i;

	st->tracked++;
	/* The first byte before the call: most are "window" or "final". */
	if (m->settled != NULL && m->settled[0] == 'e' &&
	    strcmp(m->settled, "evicted") == 0)
		st->tracked_evicted++;
	for (i = 0; i < m->nhops; i++)
		if (m->hops[i].link < ARRAY_LEN(st->hop_links))
			st->hop_links[m->hops[i].link]++;
	if (m->nhops > 1)
		st->tracked_multihop++;
	if (m->dsn)
		st->tracked_dsn++;
	if (m->dsn && m->bounce_of == 0)
		st->dsn_unlinked++;
	for (i = 0; i < m->nhops; i++)
		if (m->hops[i].from_hop >= 0 && m->hops[i].queue_time >= 0) {
			histo_add(&st->relay_time, m->hops[i].queue_time);
			relay_time(st, &m->hops[m->hops[i].from_hop].server,
			    m->hops[i].queue_time);
		}
	for (i = 0; i < m->nrcpt; i++) {
		const struct smtp_msg_rcpt *r = &m->rcpts[i];

		st->fate[r->fate]++;
		if (r->bounce != 0) {
			st->bounces_linked++;
			/* "5.1.1 <addr>: ... unknown": the status, then the
			 * diagnostic without its codes, what varies masked. */
			d = r->bounce_diagnostic != NULL ? r->bounce_diagnostic
							 : "";
			while (
			    *d == ' ' || *d == '.' || (*d >= '0' && *d <= '9'))
				d++;
			stats_normalise_reason(d, norm, sizeof(norm));
			/* No diagnostic: what the status means (RFC 3463),
			 * without its class, which the status says. */
			if (norm[0] == '\0' && r->bounce_status != NULL &&
			    smtp_enh_meaning(r->bounce_status, meaning,
				sizeof(meaning)) != NULL) {
				d = strstr(meaning, ": ");
				snprintf(norm, sizeof(norm),
				    "(no diagnostic: %.*s)",
				    (int)sizeof(norm) - 19,
				    d != NULL ? d + 2 : meaning);
			}
			snprintf(cause, sizeof(cause), "%.16s %s",
			    r->bounce_status != NULL ? r->bounce_status : "?",
			    norm);
			topn_add(&st->bounce_causes, cause, 1);
		} else if (r->bounce_owed)
			st->bounce_missing++;
		if (r->fate == SMTP_FATE_DROPPED && r->hop >= 0 &&
		    (size_t)r->hop < m->nhops) {
			dropped = true;
			endpoint_addr_str(
			    &m->hops[r->hop].server, a, sizeof(a));
			topn_add(&st->drop_relays, a, 1);
		}
		if (r->fate == SMTP_FATE_QUEUED && r->hop >= 0 &&
		    (size_t)r->hop < m->nhops) {
			endpoint_addr_str(
			    &m->hops[r->hop].server, a, sizeof(a));
			topn_add(&st->queued_relays, a, 1);
		}
	}
	if (dropped)
		st->outcome[SMTP_OUTCOME_DROPPED]++;
}

static EVENT_HANDLER void
on_alert(struct stats *st, double ts, const struct smtp_alert *a)
{
	struct stats_alert *k = &st->alert[st->alert_head];

	if ((unsigned)a->kind >= SMTP_ALERT_COUNT)
		return;
	if (a->raised) {
		st->alerts_raised[a->kind]++;
		st->alerts_active[a->kind]++;
	} else {
		st->alerts_cleared[a->kind]++;
		/* Raised before a reset (the dashboard's, --rotate's):
		 * not counted here. */
		if (st->alerts_active[a->kind] > 0)
			st->alerts_active[a->kind]--;
	}
	memset(k, 0, sizeof(*k));
	k->ts = ts;
	k->id = a->id;
	k->kind = a->kind;
	k->raised = a->raised;
	snprintf(k->subject, sizeof(k->subject), "%s",
	    a->subject != NULL ? a->subject : "");
	k->value = a->value;
	k->threshold = a->threshold;
	k->latency_limit = a->latency_limit;
	k->window = a->window;
	k->samples = a->samples;
	st->alert_head = (st->alert_head + 1) % STATS_ALERTS;
	if (st->alert_n < STATS_ALERTS)
		st->alert_n++;
}

static EVENT_HANDLER void
on_attempt(struct stats *st, const struct smtp_attempt *a)
{
	char key[ENDPOINT_HOSTPORTSTRLEN];
	struct stats_attempt_row *r;
	size_t slot;
	bool fresh;

	if ((unsigned)a->result > SMTP_ATTEMPT_UNANSWERED)
		return;
	st->attempts[a->result]++;
	notable_attempt(a, recent_store, st);
	endpoint_hostport_str(&a->server, key, sizeof(key));
	slot = topn_add_slot(&st->attempt_servers, key, 1, &fresh);
	r = &st->attempt_row[slot];
	if (fresh) {
		memset(r, 0, sizeof(*r));
		r->first = a->ts;
	}
	r->result[a->result]++;
	r->syns += a->syns;
	if (a->ts < r->first)
		r->first = a->ts;
	if (a->ts_end >= r->last) {
		r->last = a->ts_end;
		endpoint_addr_str(
		    &a->client, r->last_client, sizeof(r->last_client));
	}
}

static EVENT_HANDLER void
on_open(struct stats *st, const struct smtp_event *ev)
{
	st->sessions++;
	st->sessions_active++;
	topn_add(&st->servers, ev->session->server_ip, 1);
	topn_add(&st->clients, ev->session->client_ip, 1);
	series_all(st, ev->ts, SERIES_SESSIONS);
}

static EVENT_HANDLER void
on_result(struct stats *st, const struct smtp_event *ev)
{
	const struct who w = { ev->u.result->reversed ? ev->session->server_ip
						      : ev->session->client_ip,
		NULL, NULL };

	st->results[ev->u.result->verb]++;
	count_reason(st, &ev->u.result->reply, &w);
}

const struct stats_alert *
stats_alert_get(const struct stats *st, size_t i)
{
	if (i >= st->alert_n)
		return NULL;
	return &st->alert[(st->alert_head + STATS_ALERTS - st->alert_n + i) %
	    STATS_ALERTS];
}

uint64_t
stats_alerts_active(const struct stats *st)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < SMTP_ALERT_COUNT; i++)
		n += st->alerts_active[i];
	return n;
}

void
stats_on_event(void *arg, const struct smtp_event *ev)
{
	struct stats *st = arg;

	if (st->first_ts == 0 || ev->ts < st->first_ts)
		st->first_ts = ev->ts;
	if (ev->ts > st->last_ts)
		st->last_ts = ev->ts;
	switch (ev->type) {
	case SMTP_EV_SESSION_OPEN:
		on_open(st, ev);
		break;
	case SMTP_EV_SESSION_CLOSE:
		on_close(st, ev);
		break;
	case SMTP_EV_TRANSACTION:
		on_transaction(st, ev);
		break;
	case SMTP_EV_REPLY:
		on_reply(st, ev);
		break;
	case SMTP_EV_COMMAND:
		st->commands[ev->u.command.verb]++;
		break;
	case SMTP_EV_ANOMALY:
		st->anomaly[ev->u.anomaly.kind]++;
		break;
	case SMTP_EV_COMMAND_RESULT:
		on_result(st, ev);
		break;
	case SMTP_EV_MESSAGE:
		on_message(st, ev->u.message);
		break;
	case SMTP_EV_ALERT:
		on_alert(st, ev->ts, ev->u.alert);
		break;
	case SMTP_EV_ATTEMPT:
		on_attempt(st, ev->u.attempt);
		break;
	case SMTP_EV_BODY: /* not subscribed to bodies */
		break;
	}
}
