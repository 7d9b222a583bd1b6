/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HTML report's charts, drawn as inline SVG: the outcomes of the
 * transactions as one bar, the transactions over time, the reply codes,
 * the latency and size histograms. Coordinates go through co() (a
 * decimal point whatever the locale); text of ours only, or escaped.
 */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/codes.h"
#include "lib/util.h"
#include "report/html.h"

#define CODE_BARS 12      /* individual reply codes charted */
#define SECONDS_BELOW 180 /* shorter traffic is charted per second */
#define MIN_SLOTS 30      /* short charts are padded to this many bars */

/* About `ticks` steps from 0 to max: 1, 2 or 5 times a power of ten. */
static uint64_t
nice_step(uint64_t max, uint64_t ticks)
{
	uint64_t raw = (max + ticks - 1) / ticks, p;

	for (p = 1; p < UINT64_MAX / 10; p *= 10) {
		if (p >= raw)
			return p;
		if (2 * p >= raw)
			return 2 * p;
		if (5 * p >= raw)
			return 5 * p;
	}
	return p;
}

static uint64_t
round_up(uint64_t v, uint64_t step)
{
	uint64_t r = (v + step - 1) / step * step;

	return r > 0 ? r : step;
}

/* A chart's plot area: its left and top margins, width and height. */
struct plot {
	double ml, mt, pw, ph;
};

/* The horizontal grid from 0 to ytop, each line's count at its left. */
static void
y_grid(struct html *h, const struct plot *p, uint64_t ytop, uint64_t ystep,
    double label_gap)
{
	uint64_t y;
	double base;

	for (y = 0; y <= ytop; y += ystep) {
		base = p->mt + p->ph - p->ph * (double)y / (double)ytop;
		putf(h,
		    "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" "
		    "stroke=\"%s\"/><text x=\"%s\" y=\"%s\" "
		    "text-anchor=\"end\">%s</text>\n",
		    co(p->ml).s, co(base).s, co(p->ml + p->pw).s, co(base).s,
		    y == 0 ? COL_AXIS : COL_GRID, co(p->ml - label_gap).s,
		    co(base + 4).s, fmt_num(y).s);
	}
}

/* A tick under the plot at x, its label label_dy below the plot. */
static void
x_tick(struct html *h, const struct plot *p, double x, double label_dy,
    const char *label)
{
	putf(h,
	    "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" "
	    "stroke=\"%s\"/><text x=\"%s\" y=\"%s\" "
	    "text-anchor=\"middle\">%s</text>\n",
	    co(x).s, co(p->mt + p->ph).s, co(x).s, co(p->mt + p->ph + 5).s,
	    COL_AXIS, co(x).s, co(p->mt + p->ph + label_dy).s, label);
}

/* The y axis, the names of both axes (the x axis' at xname_y, the y
 * axis' turned, at yname_x), and the end of the chart. */
static void
plot_frame(struct html *h, const struct plot *p, double xname_y,
    const char *xname, double yname_x, const char *yname)
{
	putf(h,
	    "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"%s\"/>\n"
	    "<text x=\"%s\" y=\"%s\" text-anchor=\"middle\">%s</text>\n"
	    "<text x=\"%s\" y=\"%s\" text-anchor=\"middle\" "
	    "transform=\"rotate(-90 %s %s)\">%s</text>\n</svg>\n",
	    co(p->ml).s, co(p->mt).s, co(p->ml).s, co(p->mt + p->ph).s,
	    COL_AXIS, co(p->ml + p->pw / 2).s, co(xname_y).s, xname,
	    co(yname_x).s, co(p->mt + p->ph / 2).s, co(yname_x).s,
	    co(p->mt + p->ph / 2).s, yname);
}

/* Font size 13 in the charts: a character is about this wide. */
#define CHAR_PX 7.4

/* The width a legend entry takes. */
static double
legend_width(const char *name, const char *value)
{
	return 17 + CHAR_PX * (double)(strlen(name) + 1 + strlen(value)) + 28;
}

/* A legend entry: a swatch, the name, a value; returns its width. */
static double
chart_legend(struct html *h, double x, double y, const char *name,
    const char *color, const char *value)
{
	putf(h,
	    "<rect x=\"%s\" y=\"%s\" width=\"12\" height=\"12\" rx=\"2\" "
	    "fill=\"%s\"/><text x=\"%s\" y=\"%s\"><tspan class=\"t\">%s"
	    "</tspan> %s</text>\n",
	    co(x).s, co(y - 10).s, color, co(x + 17).s, co(y).s, name, value);
	return legend_width(name, value);
}

/* Every outcome, in the order the overview shows them. */
static const struct {
	enum smtp_outcome o;
	const char *name, *color;
} outcome_part[] = {
	{ SMTP_OUTCOME_ACCEPTED, "accepted", COL_ACCEPTED },
	{ SMTP_OUTCOME_REJECTED, "rejected", COL_REJECTED },
	{ SMTP_OUTCOME_TEMPFAIL, "tempfail", COL_TEMPFAIL },
	{ SMTP_OUTCOME_LOST, "lost", COL_LOST },
	{ SMTP_OUTCOME_ABORTED, "aborted", COL_ABORTED },
	{ SMTP_OUTCOME_DROPPED, "dropped", COL_DROPPED },
};

#define OB_W 1000.0  /* the outcome bar's width */
#define OB_ROW 20.0  /* a row of its legend */
#define OB_VALUE 160 /* an outcome's count and share */

/* Each outcome's count and share into value[]; returns the rows the
 * legend takes. */
static int
outcome_values(const struct stats *st, uint64_t total, char value[][OB_VALUE])
{
	double w, lx = 0;
	uint64_t v;
	int rows = 1;
	size_t i;

	for (i = 0; i < ARRAY_LEN(outcome_part); i++) {
		v = st->outcome[outcome_part[i].o];
		snprintf(value[i], OB_VALUE, "%s (%s)", fmt_num(v).s,
		    fmt_pct(v, total).s);
		w = legend_width(outcome_part[i].name, value[i]);
		if (lx > 0 && lx + w > OB_W) {
			rows++;
			lx = 0;
		}
		lx += w;
	}
	return rows;
}

/* The legend under the bar, a new row where an entry would overflow. */
static void
outcome_legend(struct html *h, char value[][OB_VALUE])
{
	double w, lx = 0, ly = 48;
	size_t i;

	for (i = 0; i < ARRAY_LEN(outcome_part); i++) {
		w = legend_width(outcome_part[i].name, value[i]);
		if (lx > 0 && lx + w > OB_W) {
			ly += OB_ROW;
			lx = 0;
		}
		lx += chart_legend(h, lx, ly, outcome_part[i].name,
		    outcome_part[i].color, value[i]);
	}
}

/* One bar, 100% wide, cut by the outcomes of the transactions; the
 * legend below it on as many rows as it needs. */
void
svg_outcome_bar(struct html *h)
{
	const struct stats *st = h->st;
	char value[ARRAY_LEN(outcome_part)][OB_VALUE];
	uint64_t total = 0, v;
	double x = 0, w, height;
	size_t i;

	for (i = 0; i < ARRAY_LEN(outcome_part); i++)
		total += st->outcome[outcome_part[i].o];
	if (total == 0)
		return;
	height = 58 + (outcome_values(st, total, value) - 1) * OB_ROW;
	putf(h,
	    "<figure>\n<figcaption>Outcomes of transactions</figcaption>\n"
	    "<svg class=\"chart\" id=\"chart-outcomes\" viewBox=\"0 0 %s %s\" "
	    "width=\"%s\" height=\"%s\" role=\"img\" aria-label=\"Outcomes of "
	    "transactions\">\n",
	    co(OB_W).s, co(height).s, co(OB_W).s, co(height).s);
	for (i = 0; i < ARRAY_LEN(outcome_part); i++) {
		v = st->outcome[outcome_part[i].o];
		if (v == 0)
			continue;
		w = OB_W * (double)v / (double)total;
		putf(h,
		    "<rect x=\"%s\" y=\"0\" width=\"%s\" height=\"22\" "
		    "fill=\"%s\"><title>%s: %s</title></rect>\n",
		    co(x).s, co(w).s, outcome_part[i].color,
		    outcome_part[i].name, value[i]);
		x += w;
	}
	outcome_legend(h, value);
	put(h, "</svg>\n</figure>\n");
}

/* The outcomes charted over time, bottom to top. */
static const struct {
	enum series_kind k;
	const char *name, *color;
} ts_part[] = {
	{ SERIES_ACCEPTED, "accepted", COL_ACCEPTED },
	{ SERIES_REJECTED, "rejected", COL_REJECTED },
	{ SERIES_TEMPFAIL, "tempfail", COL_TEMPFAIL },
	{ SERIES_LOST, "lost", COL_LOST },
};
#define TS_PARTS (sizeof(ts_part) / sizeof(ts_part[0]))

/* The time chart's geometry. */
#define TS_W 1000.0
#define TS_H 330.0
#define TS_ML 62.0
#define TS_MR 14.0
#define TS_MT 40.0
#define TS_MB 52.0

struct time_window {
	int64_t start; /* first slot, in units since the epoch */
	int64_t n;     /* slots */
	int64_t unit;  /* 1 (seconds) or 60 (minutes) */
	int64_t span;  /* slots of traffic, before padding or cutting */
	bool cut;      /* only the last SERIES_MINUTES shown */
	/* Over SERIES_MINUTES minutes: the store's timeline, whose bucket
	 * (unit) grows with the span; slot i is its bucket i - tl_off. */
	bool tl;
	int64_t tl_off;
};

static void
time_window(const struct stats *st, struct time_window *w)
{
	int64_t first = whole_seconds(st->first_ts);
	int64_t last = whole_seconds(st->last_ts);
	int64_t pad;

	memset(w, 0, sizeof(*w));
	if (last < first)
		last = first;
	if (last - first < SECONDS_BELOW) {
		w->unit = 1;
		w->start = first;
		w->n = last - first + 1;
	} else {
		w->unit = 60;
		w->start = first / 60;
		w->n = last / 60 - w->start + 1;
		if (w->n > SERIES_MINUTES && st->timeline.width > 0) {
			/* The whole span, in the timeline's buckets. */
			w->tl = true;
			w->unit = st->timeline.width;
			w->start = st->timeline.start / w->unit;
			w->n = timeline_used(&st->timeline);
		} else if (w->n > SERIES_MINUTES) {
			w->span = w->n;
			w->start = last / 60 - SERIES_MINUTES + 1;
			w->n = SERIES_MINUTES;
			w->cut = true;
		}
	}
	if (w->span == 0)
		w->span = w->n;
	if (w->n < MIN_SLOTS) {
		pad = (MIN_SLOTS - w->n) / 2;
		w->start -= pad;
		w->tl_off = pad;
		w->n = MIN_SLOTS;
	}
}

const char *
time_unit_words(int64_t unit)
{
	static const struct {
		int64_t s;
		const char *words;
	} u[] = { { 1, "second" }, { 2, "2 seconds" }, { 10, "10 seconds" },
		{ 60, "minute" }, { 300, "5 minutes" }, { 600, "10 minutes" },
		{ 3600, "hour" }, { 7200, "2 hours" }, { 21600, "6 hours" },
		{ 86400, "day" }, { 604800, "week" }, { 2419200, "4 weeks" },
		{ 31449600, "52 weeks" } };
	size_t i;

	for (i = 0; i < ARRAY_LEN(u); i++)
		if (u[i].s == unit)
			return u[i].words;
	return "bucket";
}

/* A tick interval, in seconds, giving at most about eight ticks. */
static int64_t
time_tick(int64_t span_seconds, int64_t unit)
{
	static const int64_t steps[] = { 1, 2, 5, 10, 15, 30, 60, 120, 300, 600,
		900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800,
		604800, 1209600, 2419200, 7257600, 31449600, 62899200,
		157248000, 314496000 };
	size_t i;

	for (i = 0; i < ARRAY_LEN(steps); i++)
		if (steps[i] >= unit && span_seconds / steps[i] <= 8)
			return steps[i];
	return span_seconds / 8 > unit ? span_seconds / 8 : unit;
}

/* The transactions ended in each slot, by outcome, and in all; returns
 * the most in one slot. */
static uint64_t
time_counts(const struct stats *st, const struct time_window *w,
    uint32_t (*v)[TS_PARTS], uint64_t *total)
{
	uint64_t ymax = 0, sum;
	int64_t i;
	size_t k;

	for (i = 0; i < w->n; i++) {
		sum = 0;
		for (k = 0; k < TS_PARTS; k++) {
			int64_t j = i - w->tl_off;

			if (w->tl) {
				v[i][k] = j >= 0 && j < TIMELINE_BUCKETS
				    ? st->timeline.b[j][ts_part[k].k]
				    : 0;
				total[k] += v[i][k];
				sum += v[i][k];
				continue;
			}
			v[i][k] = w->unit == 1
			    ? series_second(
				  &st->series, w->start + i, ts_part[k].k)
			    : series_minute(
				  &st->series, w->start + i, ts_part[k].k);
			total[k] += v[i][k];
			sum += v[i][k];
		}
		if (sum > ymax)
			ymax = sum;
	}
	return ymax;
}

/* Slot i's bars, stacked from x, each bar wide, under a tooltip when
 * the slots are few enough. */
static void
time_slot(struct html *h, const struct time_window *w, const struct plot *p,
    int64_t i, const uint32_t *v, double x, double bar, uint64_t ytop)
{
	double base = p->mt + p->ph, hh;
	size_t k;

	put(h, "<g>");
	if (w->n <= 240) {
		putf(h, "<title>%s",
		    fmt_utc((double)((w->start + i) * w->unit),
			w->unit == 1 ? TF_FULL : TF_MINUTE)
			.s);
		for (k = 0; k < TS_PARTS; k++)
			putf(h, "%s%s %s", k ? ", " : ": ", ts_part[k].name,
			    fmt_num(v[k]).s);
		put(h, "</title>");
	}
	for (k = 0; k < TS_PARTS; k++) {
		if (v[k] == 0)
			continue;
		hh = p->ph * (double)v[k] / (double)ytop;
		putf(h,
		    "<rect x=\"%s\" y=\"%s\" width=\"%s\" "
		    "height=\"%s\" fill=\"%s\"/>",
		    co(x).s, co(base - hh).s, co(bar).s, co(hh).s,
		    ts_part[k].color);
		base -= hh;
	}
	put(h, "</g>\n");
}

static void
time_bars(struct html *h, const struct time_window *w, const struct plot *p,
    uint32_t (*v)[TS_PARTS], uint64_t ytop)
{
	double bw = p->pw / (double)w->n, gap = bw >= 4 ? bw * 0.22 : 0;
	/* A minute of 24 hours is under a pixel: keep each bar visible. */
	double bar = bw - gap < 1.5 ? 1.5 : bw - gap;
	uint64_t sum;
	int64_t i;
	size_t k;

	for (i = 0; i < w->n; i++) {
		sum = 0;
		for (k = 0; k < TS_PARTS; k++)
			sum += v[i][k];
		if (sum == 0)
			continue;
		time_slot(h, w, p, i, v[i], p->ml + (double)i * bw + gap / 2,
		    bar, ytop);
	}
}

/* Time ticks on round times, and the axes' names. */
static void
time_axis(struct html *h, const struct time_window *w, const struct plot *p)
{
	int64_t t0 = w->start * w->unit, t1 = (w->start + w->n) * w->unit;
	int64_t tick = time_tick(t1 - t0, w->unit), t;
	double bw = p->pw / (double)w->n;
	enum time_form form = w->unit == 1 ? TF_FULL : TF_MINUTE;
	char xname[160], yname[64];

	for (t = (t0 + tick - 1) / tick * tick; t <= t1; t += tick)
		x_tick(h, p, p->ml + (double)(t - t0) / (double)w->unit * bw,
		    19,
		    fmt_utc((double)t,
			tick >= 86400      ? TF_DATE
			    : w->unit == 1 ? TF_CLOCK
					   : TF_CLOCK_MIN)
			.s);
	snprintf(xname, sizeof(xname), "time (UTC), %s &ndash; %s",
	    fmt_utc((double)t0, form).s, fmt_utc((double)t1, form).s);
	snprintf(yname, sizeof(yname), "transactions per %s",
	    time_unit_words(w->unit));
	plot_frame(h, p, TS_H - 8, xname, 16, yname);
}

void
svg_over_time(struct html *h, struct time_chart *tc)
{
	const struct plot p = { TS_ML, TS_MT, TS_W - TS_ML - TS_MR,
		TS_H - TS_MT - TS_MB };
	struct time_window w;
	uint32_t(*v)[TS_PARTS];
	uint64_t total[TS_PARTS] = { 0 }, ystep, ytop;
	double x;
	size_t k;

	time_window(h->st, &w);
	v = xcalloc((size_t)w.n, sizeof(*v));
	tc->ymax = time_counts(h->st, &w, v, total);
	ystep = nice_step(tc->ymax, 5);
	ytop = round_up(tc->ymax, ystep);
	putf(h,
	    "<figure>\n<svg class=\"chart\" id=\"chart-over-time\" "
	    "viewBox=\"0 0 %s %s\" width=\"%s\" height=\"%s\" role=\"img\" "
	    "aria-label=\"Transactions ended per %s, by outcome\">\n",
	    co(TS_W).s, co(TS_H).s, co(TS_W).s, co(TS_H).s,
	    time_unit_words(w.unit));
	for (k = 0, x = TS_ML; k < TS_PARTS; k++)
		x += chart_legend(h, x, 18, ts_part[k].name, ts_part[k].color,
		    fmt_num(total[k]).s);
	y_grid(h, &p, ytop, ystep, 8);
	time_bars(h, &w, &p, v, ytop);
	time_axis(h, &w, &p);
	put(h, "</figure>\n");
	free(v);
	tc->unit = w.unit;
	tc->span = w.span;
	tc->cut = w.cut;
}

static const char *
class_color(int code)
{
	switch (code / 100) {
	case 2:
		return COL_ACCEPTED;
	case 3:
		return COL_3XX;
	case 4:
		return COL_TEMPFAIL;
	default:
		return COL_REJECTED;
	}
}

struct code_count {
	int code;
	uint64_t n;
};

static int
code_count_cmp(const void *a, const void *b)
{
	const struct code_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x->code - y->code;
}

#define RC_ROW 24.0
#define RC_LABEL 400.0 /* where the bars start */
#define RC_BARS 460.0  /* the widest bar */
#define RC_MEANING 44  /* characters of a meaning that fit before them */

/*
 * Text of ours (a meaning from event/codes.c) escaped, cut at a word to
 * at most max characters with an ellipsis; the whole text is in the
 * reply-code table.
 */
static void
put_clipped(struct html *h, const char *s, size_t max)
{
	char buf[128];
	size_t n = strlen(s);

	if (n <= max || max + 1 > sizeof(buf)) {
		html_put_wire(h, s);
		return;
	}
	n = max - 1;
	while (n > max / 2 && s[n] != ' ')
		n--;
	while (n > 0 &&
	    (s[n - 1] == ' ' || s[n - 1] == ',' || s[n - 1] == ';' ||
		s[n - 1] == ':'))
		n--;
	memcpy(buf, s, n);
	buf[n] = '\0';
	html_put_wire(h, buf);
	put(h, "&#8230;");
}

static void
reply_row(struct html *h, double y, const char *label, const char *meaning,
    uint64_t v, uint64_t max, uint64_t total, const char *color)
{
	double w = max ? RC_BARS * (double)v / (double)max : 0;

	if (v > 0 && w < 1)
		w = 1;
	putf(h, "<text class=\"b\" x=\"16\" y=\"%s\">%s</text>", co(y + 12).s,
	    label);
	putf(h, "<text x=\"60\" y=\"%s\"><title>", co(y + 12).s);
	html_put_wire(h, meaning);
	put(h, "</title>");
	put_clipped(h, meaning, RC_MEANING);
	putf(h,
	    "</text><rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"16\" "
	    "rx=\"2\" fill=\"%s\"/><text x=\"%s\" y=\"%s\"><tspan "
	    "class=\"t\">%s</tspan> (%s)</text>\n",
	    co(RC_LABEL).s, co(y).s, co(w).s, color, co(RC_LABEL + w + 8).s,
	    co(y + 12).s, fmt_num(v).s, fmt_pct(v, total).s);
}

/* The codes seen, most frequent first: at most CODE_BARS into cc. */
static size_t
frequent_codes(const struct stats *st, struct code_count *cc)
{
	size_t ncc = 0;
	int c;

	for (c = 200; c < 600; c++)
		if (st->reply_code[c] > 0) {
			cc[ncc].code = c;
			cc[ncc].n = st->reply_code[c];
			ncc++;
		}
	qsort(cc, ncc, sizeof(cc[0]), code_count_cmp);
	return ncc > CODE_BARS ? CODE_BARS : ncc;
}

/* The rows of the classes 2xx to 5xx from y; returns where they end. */
static double
reply_classes(struct html *h, double y, uint64_t max)
{
	static const char *const meaning[] = { "", "", "success",
		"intermediate", "transient failure", "permanent failure" };
	const struct stats *st = h->st;
	char label[16];
	int c;

	putf(h,
	    "<text class=\"b\" x=\"0\" y=\"%s\">By class</text>"
	    "<text x=\"%s\" y=\"%s\">replies (share of all %s)</text>\n",
	    co(y + 12).s, co(RC_LABEL).s, co(y + 12).s, fmt_num(st->replies).s);
	y += RC_ROW;
	for (c = 2; c <= 5; c++) {
		snprintf(label, sizeof(label), "%dxx", c);
		reply_row(h, y, label, meaning[c], st->reply_class[c], max,
		    st->replies, class_color(c * 100));
		y += RC_ROW;
	}
	return y;
}

void
svg_replies(struct html *h, uint64_t max)
{
	const struct stats *st = h->st;
	struct code_count cc[400];
	size_t ncc = frequent_codes(st, cc), i;
	double y, height;
	char label[16];

	height = 8 + (double)(6 + ncc) * RC_ROW + 8;
	putf(h,
	    "<figure>\n<svg class=\"chart\" id=\"chart-replies\" "
	    "viewBox=\"0 0 1000 %s\" width=\"1000\" height=\"%s\" "
	    "role=\"img\" aria-label=\"Replies by class and by code\">\n",
	    co(height).s, co(height).s);
	y = reply_classes(h, 8, max) + RC_ROW / 2;
	putf(h,
	    "<text class=\"b\" x=\"0\" y=\"%s\">Most frequent codes</text>\n",
	    co(y + 12).s);
	y += RC_ROW;
	for (i = 0; i < ncc; i++) {
		snprintf(label, sizeof(label), "%d", cc[i].code);
		reply_row(h, y, label,
		    smtp_reply_meaning(cc[i].code, SMTP_VERB_UNKNOWN), cc[i].n,
		    max, st->replies, class_color(cc[i].code));
		y += RC_ROW;
	}
	put(h, "</svg>\n</figure>\n");
}

/* The histogram's geometry. */
#define HG_W 500.0
#define HG_H 260.0
#define HG_ML 52.0
#define HG_MR 30.0
#define HG_MT 46.0 /* room for the quantile labels, one row each */
#define HG_MB 44.0

/* Where value v falls, in buckets from the left edge of decade d0. */
static double
histo_position(const struct histo *hi, double v, int d0)
{
	double pos = v > hi->base ? log10(v / hi->base) * 10.0 : 0;

	return pos - (double)d0 * 10.0;
}

/* A histogram's chart: its plot, the decades shown, a bucket's width. */
struct histo_chart {
	const struct histo *hi;
	struct plot p;
	bool seconds; /* of a time, else of a size */
	int d0, d1;   /* whole decades, d0 to d1 */
	int nb;       /* buckets across */
	double bw;    /* the width of one */
};

static struct numstr
histo_label(const struct histo_chart *c, double v)
{
	return c->seconds ? fmt_secs_html(v) : fmt_bytes_html(v);
}

/* The decades to show, at least two, around the buckets used, and the
 * largest bucket; false if the histogram is empty. */
static bool
histo_decades(struct histo_chart *c, uint64_t *ymax)
{
	const struct histo *hi = c->hi;
	int i, i0 = -1, i1 = -1;

	*ymax = 0;
	for (i = 0; i < HISTO_BUCKETS; i++) {
		if (hi->b[i] == 0)
			continue;
		if (i0 < 0)
			i0 = i;
		i1 = i;
		if (hi->b[i] > *ymax)
			*ymax = hi->b[i];
	}
	if (i0 < 0)
		return false;
	c->d0 = i0 / 10;
	c->d1 = i1 / 10 + 1;
	if (c->d1 - c->d0 < 2) {
		if (c->d1 < HISTO_BUCKETS / 10)
			c->d1++;
		else
			c->d0--;
	}
	c->nb = (c->d1 - c->d0) * 10;
	c->bw = c->p.pw / c->nb;
	return true;
}

static void
histo_bars(struct html *h, const struct histo_chart *c, uint64_t ytop,
    const char *color)
{
	const struct histo *hi = c->hi;
	double x, hh;
	int i;

	for (i = c->d0 * 10; i < c->d1 * 10; i++) {
		if (i < 0 || i >= HISTO_BUCKETS || hi->b[i] == 0)
			continue;
		x = c->p.ml + (double)(i - c->d0 * 10) * c->bw;
		hh = c->p.ph * (double)hi->b[i] / (double)ytop;
		if (hh < 1)
			hh = 1;
		putf(h,
		    "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" "
		    "fill=\"%s\"><title>%s &ndash; %s: %s</title></rect>\n",
		    co(x + 0.5).s, co(c->p.mt + c->p.ph - hh).s,
		    co(c->bw - 1).s, co(hh).s, color,
		    histo_label(c, histo_bucket_lower(hi, i)).s,
		    histo_label(c, histo_bucket_lower(hi, i + 1)).s,
		    fmt_num(hi->b[i]).s);
	}
}

/* The median and the 90th and 99th percentiles, as dashed lines
 * labelled above the plot. */
static void
histo_marks(struct html *h, const struct histo_chart *c)
{
	static const struct {
		double q;
		const char *name, *dash;
	} mark[] = {
		{ 0.5, "p50", "4 3" },
		{ 0.9, "p90", "2 3" },
		{ 0.99, "p99", "1 2" },
	};
	double x, pos, qv;
	size_t m;

	for (m = 0; m < ARRAY_LEN(mark); m++) {
		qv = histo_quantile(c->hi, mark[m].q);
		pos = histo_position(c->hi, qv, c->d0);
		if (pos < 0)
			pos = 0;
		if (pos > c->nb)
			pos = c->nb;
		x = c->p.ml + pos * c->bw;
		putf(h,
		    "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" "
		    "stroke=\"#1f2328\" stroke-dasharray=\"%s\"/>"
		    "<text x=\"%s\" y=\"%s\" text-anchor=\"%s\">"
		    "<tspan class=\"t\">%s</tspan> %s</text>\n",
		    co(x).s, co(4 + 13 * (double)m).s, co(x).s,
		    co(c->p.mt + c->p.ph).s, mark[m].dash,
		    co(x > HG_W - 120 ? x - 4 : x + 4).s,
		    co(12 + 13 * (double)m).s, x > HG_W - 120 ? "end" : "start",
		    mark[m].name, histo_label(c, qv).s);
	}
}

/*
 * The buckets of a histogram as bars on a logarithmic x axis, whole
 * decades from the first bucket used to the last, with the median and
 * the 90th and 99th percentiles marked.
 */
void
svg_histogram(struct html *h, const char *id, const struct histo *hi,
    bool seconds, const char *color, const char *counted)
{
	struct histo_chart c = { .hi = hi,
		.p = { HG_ML, HG_MT, HG_W - HG_ML - HG_MR,
		    HG_H - HG_MT - HG_MB },
		.seconds = seconds };
	uint64_t ymax, ystep, ytop;
	char xname[32];
	int d;

	if (!histo_decades(&c, &ymax))
		return;
	ystep = nice_step(ymax, 4);
	ytop = round_up(ymax, ystep);
	putf(h,
	    "<svg class=\"chart\" id=\"%s\" viewBox=\"0 0 %s %s\" "
	    "width=\"%s\" height=\"%s\" role=\"img\" aria-label=\"Histogram, "
	    "logarithmic\">\n",
	    id, co(HG_W).s, co(HG_H).s, co(HG_W).s, co(HG_H).s);
	y_grid(h, &c.p, ytop, ystep, 6);
	histo_bars(h, &c, ytop, color);
	/* Decades on the x axis. */
	for (d = c.d0; d <= c.d1; d++)
		x_tick(h, &c.p, c.p.ml + (double)(d - c.d0) * 10.0 * c.bw, 18,
		    histo_label(&c, histo_bucket_lower(hi, d * 10)).s);
	histo_marks(h, &c);
	snprintf(xname, sizeof(xname), "%s (log scale)",
	    seconds ? "seconds" : "bytes");
	plot_frame(h, &c.p, HG_H - 6, xname, 14, counted);
}
