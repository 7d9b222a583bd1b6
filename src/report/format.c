/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the three reports share (format.h): numbers, durations, sizes and
 * times formatted once for all of them.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "report/format.h"

/* Scale changes a hair early in the HTML report, so that 0.000999999 is
 * "1 ms". */
#define UNIT_EPS 1.000001

double
percent_of(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

struct numstr
fmt_num(uint64_t v)
{
	struct numstr r;
	char digits[24];
	int n, i, o = 0;

	n = snprintf(digits, sizeof(digits), "%" PRIu64, v);
	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			r.s[o++] = ',';
		r.s[o++] = digits[i];
	}
	r.s[o] = '\0';
	return r;
}

struct numstr
fmt_fixed(double v, int decimals)
{
	struct numstr r;
	long long scale = 1, x;
	const char *sign = "";
	int i;

	if (decimals < 0 || decimals > 6)
		decimals = decimals < 0 ? 0 : 6;
	for (i = 0; i < decimals; i++)
		scale *= 10;
	if (!isfinite(v))
		v = 0;
	if (v < 0) {
		sign = "-";
		v = -v;
	}
	if (v > 1e12)
		v = 1e12;
	x = llround(v * (double)scale);
	if (x == 0)
		sign = "";
	if (decimals > 0)
		snprintf(r.s, sizeof(r.s), "%s%lld.%0*lld", sign, x / scale,
		    decimals, x % scale);
	else
		snprintf(r.s, sizeof(r.s), "%s%lld", sign, x);
	return r;
}

struct numstr
fmt_trimmed(double v, int decimals)
{
	struct numstr r = fmt_fixed(v, decimals);
	size_t n = strlen(r.s);

	if (strchr(r.s, '.') == NULL)
		return r;
	while (n > 0 && r.s[n - 1] == '0')
		r.s[--n] = '\0';
	if (n > 0 && r.s[n - 1] == '.')
		r.s[--n] = '\0';
	return r;
}

struct numstr
fmt_sig3(double v)
{
	return fmt_trimmed(v, v >= 99.95 ? 0 : v >= 9.995 ? 1 : 2);
}

struct numstr
fmt_pct(uint64_t part, uint64_t whole)
{
	struct numstr r;

	snprintf(r.s, sizeof(r.s), "%.40s%%",
	    fmt_fixed(percent_of(part, whole), 1).s);
	return r;
}

enum secs_unit
secs_unit(double v, double eps)
{
	if (v * eps < 1e-3)
		return SECS_US;
	if (v * eps < 1)
		return SECS_MS;
	return SECS_S;
}

int
scale_thousands(double *v, double eps)
{
	int u = 0;

	while (*v * eps >= 1000 && u < 4) {
		*v /= 1000;
		u++;
	}
	return u;
}

void
fmt_secs_text(double v, char *buf, size_t size)
{
	switch (secs_unit(v, 1.0)) {
	case SECS_US:
		snprintf(buf, size, "%.0f us", v * 1e6);
		break;
	case SECS_MS:
		snprintf(buf, size, "%.1f ms", v * 1e3);
		break;
	case SECS_S:
		snprintf(buf, size, "%.2f s", v);
		break;
	}
}

void
fmt_secs_compact(double v, char *buf, size_t size)
{
	if (v >= 100) {
		snprintf(buf, size, "%.0fs", v);
		return;
	}
	switch (secs_unit(v, 1.0)) {
	case SECS_US:
		snprintf(buf, size, "%.0fus", v * 1e6);
		break;
	case SECS_MS:
		snprintf(buf, size, "%.1fms", v * 1e3);
		break;
	case SECS_S:
		snprintf(buf, size, "%.2fs", v);
		break;
	}
}

void
fmt_bytes_compact(double v, char *buf, size_t size)
{
	if (v < 1e4)
		snprintf(buf, size, "%.0f", v);
	else if (v < 1e7)
		snprintf(buf, size, "%.1fk", v / 1e3);
	else
		snprintf(buf, size, "%.1fM", v / 1e6);
}

void
fmt_bytes_text(double v, char *buf, size_t size)
{
	static const char *const unit[] = { "B", "KB", "MB", "GB", "TB" };
	int u = scale_thousands(&v, 1.0);

	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

struct numstr
fmt_secs_html(double v)
{
	struct numstr r;

	if (!(v > 0)) {
		snprintf(r.s, sizeof(r.s), "0");
		return r;
	}
	switch (secs_unit(v, UNIT_EPS)) {
	case SECS_US:
		snprintf(
		    r.s, sizeof(r.s), "%.40s &#181;s", fmt_sig3(v * 1e6).s);
		break;
	case SECS_MS:
		snprintf(r.s, sizeof(r.s), "%.40s ms", fmt_sig3(v * 1e3).s);
		break;
	case SECS_S:
		snprintf(r.s, sizeof(r.s), "%.40s s", fmt_sig3(v).s);
		break;
	}
	return r;
}

struct numstr
fmt_bytes_html(double v)
{
	static const char *const unit[] = { "B", "kB", "MB", "GB", "TB" };
	struct numstr r;
	int u;

	if (!(v > 0))
		v = 0;
	u = scale_thousands(&v, UNIT_EPS);
	snprintf(r.s, sizeof(r.s), "%.40s %s",
	    u == 0 ? fmt_fixed(v, 0).s : fmt_sig3(v).s, unit[u]);
	return r;
}

struct numstr
fmt_duration(double s)
{
	struct numstr r;
	uint64_t t;

	if (!(s >= 1)) {
		snprintf(r.s, sizeof(r.s), "under a second");
		return r;
	}
	t = (uint64_t)(s + 0.5);
	if (t < 60)
		snprintf(r.s, sizeof(r.s), "%" PRIu64 " s", t);
	else if (t < 3600)
		snprintf(r.s, sizeof(r.s), "%" PRIu64 " min %" PRIu64 " s",
		    t / 60, t % 60);
	else if (t < 86400)
		snprintf(r.s, sizeof(r.s), "%" PRIu64 " h %02" PRIu64 " min",
		    t / 3600, t / 60 % 60);
	else
		snprintf(r.s, sizeof(r.s), "%" PRIu64 " d %" PRIu64 " h",
		    t / 86400, t / 3600 % 24);
	return r;
}

/* An alert's window: "10 min", "90 s". */
static struct numstr
fmt_window(double w)
{
	struct numstr r;

	if (w >= 60 && fmod(w, 60) == 0)
		snprintf(
		    r.s, sizeof(r.s), "%.40s min", fmt_trimmed(w / 60, 2).s);
	else
		snprintf(r.s, sizeof(r.s), "%.40s s", fmt_trimmed(w, 2).s);
	return r;
}

void
fmt_alert(const struct stats_alert *a, char *buf, size_t size)
{
	static const char *const what[3] = { "rejected", "deferred (4xx)",
		"lost" };
	struct numstr w = fmt_window(a->window);
	const char *win = w.s;
	char lim[32];

	switch (a->kind) {
	case SMTP_ALERT_REJECT_RATE:
	case SMTP_ALERT_TEMPFAIL_RATE:
	case SMTP_ALERT_LOST_RATE:
		snprintf(buf, size,
		    "%s%% of %" PRIu64 " transactions in %s %s "
		    "(threshold %s%%)",
		    fmt_trimmed(a->value * 100, 1).s, a->samples, win,
		    what[a->kind - SMTP_ALERT_REJECT_RATE],
		    fmt_trimmed(a->threshold * 100, 1).s);
		break;
	case SMTP_ALERT_AUTH_FAILURES:
		snprintf(buf, size, "%s AUTH failures in %s (threshold %s)",
		    fmt_trimmed(a->value, 0).s, win,
		    fmt_trimmed(a->threshold, 0).s);
		break;
	case SMTP_ALERT_GREETING_LATENCY:
	case SMTP_ALERT_FINAL_LATENCY:
		fmt_secs_text(a->latency_limit, lim, sizeof(lim));
		snprintf(buf, size,
		    "%s%% of %" PRIu64 " %s in %s slower than %s "
		    "(threshold: over %s%%)",
		    fmt_trimmed(a->value * 100, 1).s, a->samples,
		    a->kind == SMTP_ALERT_GREETING_LATENCY ? "greetings"
							   : "final replies",
		    win, lim, fmt_trimmed(a->threshold * 100, 1).s);
		break;
	case SMTP_ALERT_CONNECT_FAILURES:
		snprintf(buf, size,
		    "%s connections refused or unanswered in %s (threshold "
		    "%s)",
		    fmt_trimmed(a->value, 0).s, win,
		    fmt_trimmed(a->threshold, 0).s);
		break;
	case SMTP_ALERT_KERNEL_DROPS:
		snprintf(buf, size,
		    "%s packets dropped by the kernel in %s (threshold %s)",
		    fmt_trimmed(a->value, 0).s, win,
		    fmt_trimmed(a->threshold, 0).s);
		break;
	default:
		snprintf(buf, size, "%s", "?");
		break;
	}
}

int64_t
whole_seconds(double ts)
{
	if (!(ts > 0))
		return 0;
	return ts < 1e13 ? (int64_t)floor(ts) : (int64_t)1e13;
}

struct numstr
fmt_utc(double ts, enum time_form form)
{
	struct numstr r;
	time_t t = (time_t)whole_seconds(ts);
	struct tm tm;
	size_t n = 0;

	if (ts > 0 && gmtime_r(&t, &tm) != NULL) {
		switch (form) {
		case TF_FULL:
			n = strftime(
			    r.s, sizeof(r.s), "%Y-%m-%d %H:%M:%S", &tm);
			break;
		case TF_MINUTE:
			n = strftime(r.s, sizeof(r.s), "%Y-%m-%d %H:%M", &tm);
			break;
		case TF_CLOCK:
			n = strftime(r.s, sizeof(r.s), "%H:%M:%S", &tm);
			break;
		case TF_CLOCK_MIN:
			n = strftime(r.s, sizeof(r.s), "%H:%M", &tm);
			break;
		case TF_DATE:
			n = strftime(r.s, sizeof(r.s), "%Y-%m-%d", &tm);
			break;
		}
	}
	if (n == 0)
		snprintf(r.s, sizeof(r.s), "-");
	return r;
}

void
histo_quantiles(const struct histo *h, struct quantiles *q)
{
	q->min = h->n ? h->min : 0.0;
	q->p50 = histo_quantile(h, 0.5);
	q->p90 = histo_quantile(h, 0.9);
	q->p99 = histo_quantile(h, 0.99);
	q->max = h->max;
	q->mean = h->n ? h->sum / (double)h->n : 0.0;
}

bool
counter_starts_plugin(const struct report_info *ri, size_t k)
{
	return k == 0 ||
	    strcmp(ri->counters[k].plugin, ri->counters[k - 1].plugin) != 0;
}
