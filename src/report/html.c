/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HTML report: one self-contained page in the manner of pflogsumm,
 * from the wire. Inline style, charts drawn here as inline SVG, no
 * script and nothing fetched (a Content-Security-Policy says so too),
 * readable on screen and printable. Wire text goes through
 * text_append_escaped() (controls, bidi overrides, invalid UTF-8) and
 * then HTML escaping. Numbers are formatted by format.c, not by
 * printf's %f, so that no locale puts a decimal comma into an SVG
 * coordinate.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "report.h"
#include "smtp/codes.h"
#include "util.h"

#define TOP_ROWS 15       /* rows of the big top tables */
#define TOP_ROWS_SMALL 10 /* AUTH mechanisms, failing clients */
#define CODE_BARS 12      /* individual reply codes charted */
#define RECENT_ROWS 25    /* notable events listed */
#define SECONDS_BELOW 180 /* shorter traffic is charted per second */
#define MIN_SLOTS 30      /* short charts are padded to this many bars */
#define SHARE_BAR_PX 56.0 /* widest bar in a top table */

#define COL_ACCEPTED "#2da44e"
#define COL_REJECTED "#cf222e"
#define COL_TEMPFAIL "#d18b00"
#define COL_LOST "#1b7c83"
#define COL_DROPPED "#6639ba"
#define COL_ABORTED "#8c959f"
#define COL_3XX "#0969da"
#define COL_LATENCY "#0969da"
#define COL_SIZE "#8250df"
#define COL_GRID "#e4e8ec"
#define COL_AXIS "#8c959f"

struct html {
	FILE *f;
	const struct stats *st;
	const struct report_info *ri;
};

static void put(struct html *h, const char *s);
static void putf(struct html *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
put(struct html *h, const char *s)
{
	fputs(s, h->f);
}

static void
putf(struct html *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(h->f, fmt, ap);
	va_end(ap);
}

/*
 * Text from the wire (or from the command line): made safe UTF-8 with
 * no controls first, then HTML-escaped, quotes included, so that it is
 * text in an element and in an attribute alike.
 */
static void
put_wire(struct html *h, const char *s)
{
	struct dbuf b;
	size_t n, i;

	if (s == NULL)
		s = "";
	n = strlen(s);
	/* A byte becomes at most four ("\xNN"): the cap never cuts. */
	dbuf_init(&b, 4 * n + 4);
	text_append_escaped(&b, (const uint8_t *)s, n);
	for (i = 0; i < b.len; i++) {
		switch (b.p[i]) {
		case '&':
			put(h, "&amp;");
			break;
		case '<':
			put(h, "&lt;");
			break;
		case '>':
			put(h, "&gt;");
			break;
		case '"':
			put(h, "&quot;");
			break;
		case '\'':
			put(h, "&#39;");
			break;
		default:
			fputc(b.p[i], h->f);
			break;
		}
	}
	dbuf_free(&b);
}

/* An SVG coordinate. */
static struct numstr
co(double v)
{
	return fmt_trimmed(v, 1);
}

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

static const char *const page_style =
    ":root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#eef1f4;"
    "--bg:#f6f8fa;--accent:#0969da}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:var(--bg);color:var(--fg);"
    "font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,"
    "\"Helvetica Neue\",Arial,sans-serif}\n"
    ".wrap{max-width:1120px;margin:0 auto;padding:24px 24px 40px}\n"
    "header{padding:4px 0 8px}\n"
    "h1{font-size:24px;margin:0 0 2px;font-weight:650}\n"
    "h1 small{font-size:14px;font-weight:400;color:var(--muted);"
    "margin-left:8px}\n"
    ".source{font-size:16px;margin:0 0 12px;word-break:break-all}\n"
    ".meta{display:flex;flex-wrap:wrap;gap:6px 32px;margin:0}\n"
    ".meta div{border-left:3px solid var(--line);padding-left:8px}\n"
    ".meta dt{font-size:11px;text-transform:uppercase;"
    "letter-spacing:.05em;color:var(--muted)}\n"
    ".meta dd{margin:0;font-variant-numeric:tabular-nums;"
    "white-space:nowrap}\n"
    "nav{margin:14px 0 0;font-size:13px;display:flex;flex-wrap:wrap;"
    "gap:2px 14px}\n"
    "nav a{color:var(--accent);text-decoration:none;white-space:nowrap}\n"
    "section{background:#fff;border:1px solid var(--line);"
    "border-radius:8px;padding:16px 20px 18px;margin:16px 0}\n"
    "h2{font-size:17px;margin:0 0 12px;font-weight:650}\n"
    "h3{font-size:13px;margin:14px 0 6px;color:var(--muted);"
    "font-weight:600;text-transform:uppercase;letter-spacing:.04em}\n"
    ".cards{display:grid;grid-template-columns:repeat(auto-fill,"
    "minmax(190px,1fr));gap:10px}\n"
    ".card{min-width:0;border:1px solid var(--line);border-top:4px solid "
    "var(--accent);border-radius:6px;padding:8px 12px 10px;"
    "background:#fff}\n"
    ".card .k{display:block;font-size:11px;text-transform:uppercase;"
    "letter-spacing:.05em;color:var(--muted)}\n"
    ".card .v{display:block;font-size:26px;font-weight:650;"
    "font-variant-numeric:tabular-nums;line-height:1.25;"
    "overflow-wrap:anywhere}\n"
    ".card .s{display:block;font-size:12px;color:var(--muted)}\n"
    ".card.accepted{border-top-color:" COL_ACCEPTED "}\n"
    ".card.rejected{border-top-color:" COL_REJECTED "}\n"
    ".card.tempfail{border-top-color:" COL_TEMPFAIL "}\n"
    ".card.lost{border-top-color:" COL_LOST "}\n"
    ".card.dropped{border-top-color:" COL_DROPPED "}\n"
    ".card.aborted{border-top-color:" COL_ABORTED "}\n"
    ".card.warn{border-top-color:" COL_REJECTED "}\n"
    ".card.warn .v{color:" COL_REJECTED "}\n"
    "figure{margin:8px 0 0}\n"
    "figcaption{font-size:13px;font-weight:600;margin:0 0 4px}\n"
    "svg.chart{display:block;width:100%;height:auto;max-width:100%}\n"
    "svg text{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,"
    "Arial,sans-serif;font-size:13px;fill:#59636e}\n"
    "svg text.t{fill:#1f2328}\n"
    "svg text.b{fill:#1f2328;font-weight:600}\n"
    "table{border-collapse:collapse;width:100%}\n"
    "th,td{padding:4px 8px;border-bottom:1px solid var(--soft);"
    "text-align:left;vertical-align:top}\n"
    "thead th{font-size:11px;text-transform:uppercase;"
    "letter-spacing:.04em;color:var(--muted);font-weight:600;"
    "border-bottom:1px solid var(--line);white-space:nowrap}\n"
    "tbody th{font-weight:400}\n"
    ".n{text-align:right;font-variant-numeric:tabular-nums;"
    "white-space:nowrap}\n"
    ".key{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"
    "\"Liberation Mono\",monospace;font-size:12.5px;"
    "overflow-wrap:anywhere}\n"
    "table.top{table-layout:fixed}\n"
    "table.top col.rank{width:2.6em}\n"
    "table.top col.count{width:8.5em}\n"
    "table.top col.share{width:10.5em}\n"
    "table.top td{vertical-align:baseline}\n"
    "td.rank{color:var(--muted)}\n"
    "td.share{white-space:nowrap;font-variant-numeric:tabular-nums;"
    "color:var(--muted)}\n"
    ".bar{display:inline-block;height:9px;border-radius:2px;"
    "background:var(--accent);vertical-align:baseline;margin-right:6px;"
    "-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
    "sup.err{color:var(--muted);font-size:10px;margin-left:2px}\n"
    "table.kv th,table.kv td{vertical-align:baseline}\n"
    "table.kv th{width:62%}\n"
    "table.kv td.note{color:var(--muted);font-size:12px}\n"
    ".warn{color:#9a6700;font-weight:600}\n"
    ".ev-reject{color:" COL_REJECTED "}\n"
    ".ev-tempfail{color:#9a6700}\n"
    ".ev-lost{color:" COL_LOST "}\n"
    ".ev-bounce{color:" COL_3XX "}\n"
    ".ev-auth{color:" COL_REJECTED "}\n"
    "table.recent td{font-size:12.5px}\n"
    "table.top col.code{width:5.5em}\n"
    "table.top col.meaning{width:40%}\n"
    "td.meaning,span.meaning{color:var(--muted);font-size:12.5px}\n"
    "span.meaning{display:block;font-family:system-ui,-apple-system,"
    "\"Segoe UI\",Roboto,Arial,sans-serif}\n"
    "table.codes td.meaning{width:60%}\n"
    ".grid2{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));"
    "gap:8px 28px}\n"
    ".grid2>div{min-width:0}\n"
    ".none{color:var(--muted);font-style:italic;margin:4px 0}\n"
    ".note{color:var(--muted);font-size:12px;margin:6px 0 0}\n"
    "footer{color:var(--muted);font-size:12px;margin-top:20px}\n"
    "@media (max-width:760px){.grid2{grid-template-columns:1fr}}\n"
    "@media print{\n"
    " @page{margin:12mm}\n"
    " body{background:#fff;color:#000;font-size:10pt}\n"
    " .wrap{max-width:none;padding:0}\n"
    " nav{display:none}\n"
    " section{border:none;border-top:1px solid #999;border-radius:0;"
    "padding:8px 0;margin:8px 0}\n"
    " section,figure,table,.card,.grid2>div{break-inside:avoid;"
    "page-break-inside:avoid}\n"
    " h2{break-after:avoid;page-break-after:avoid}\n"
    " svg.chart{max-width:100%;height:auto}\n"
    " .card{box-shadow:none}\n"
    "}\n";

static void
page_head(struct html *h)
{
	const struct report_info *ri = h->ri;

	put(h,
	    "<!DOCTYPE html>\n"
	    "<html lang=\"en\">\n"
	    "<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n"
	    /* Nothing to fetch and nothing to run, whatever the page holds. */
	    "<meta http-equiv=\"Content-Security-Policy\" "
	    "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
	    "<meta name=\"generator\" content=\"smtpscope ");
	put_wire(h, ri->version);
	put(h, "\">\n<title>smtpscope report: ");
	put_wire(h, ri->source);
	put(h, "</title>\n<style>\n");
	put(h, page_style);
	put(h, "</style>\n</head>\n<body>\n<div class=\"wrap\">\n");
}

static void
meta_item(struct html *h, const char *label, const char *value)
{
	putf(h, "<div><dt>%s</dt><dd>%s</dd></div>\n", label, value);
}

static void
page_header(struct html *h)
{
	const struct stats *st = h->st;
	const struct report_info *ri = h->ri;
	char buf[160];

	put(h, "<header>\n<h1>SMTP traffic report <small>smtpscope ");
	put_wire(h, ri->version);
	put(h,
	    "</small></h1>\n<p class=\"source\"><span class=\"key\" "
	    "id=\"source\">");
	put_wire(h, ri->source);
	putf(h, "</span> &middot; %s</p>\n<dl class=\"meta\">\n",
	    ri->live ? "live capture" : "capture file");
	if (st->last_ts > 0) {
		snprintf(buf, sizeof(buf), "%s &ndash; %s",
		    fmt_utc(st->first_ts, TF_FULL).s,
		    fmt_utc(st->last_ts, TF_FULL).s);
		meta_item(h, "Period covered (UTC)", buf);
		meta_item(h, "Traffic span",
		    fmt_duration(st->last_ts - st->first_ts).s);
	} else
		meta_item(h, "Period covered (UTC)", "no SMTP traffic seen");
	if (ri->live && ri->wall_start > 0)
		meta_item(h, "Capturing since (UTC)",
		    fmt_utc(ri->wall_start, TF_FULL).s);
	meta_item(h, "Report written (UTC)", fmt_utc(ri->wall_now, TF_FULL).s);
	put(h,
	    "</dl>\n<nav><a href=\"#overview\">Overview</a>"
	    "<a href=\"#security\">Security</a>"
	    "<a href=\"#protocol\">Protocol details</a>"
	    "<a href=\"#over-time\">Over time</a>"
	    "<a href=\"#replies\">Reply codes</a>"
	    "<a href=\"#reasons\">Rejections</a>"
	    "<a href=\"#who\">Servers, clients, senders</a>"
	    "<a href=\"#tls-auth\">TLS and AUTH</a>"
	    "<a href=\"#latency\">Latency</a>"
	    "<a href=\"#sizes\">Sizes</a>"
	    "<a href=\"#sessions\">Sessions</a>"
	    "<a href=\"#recent\">Recent events</a>"
	    "<a href=\"#health\">Capture health</a></nav>\n</header>\n");
}

static void
card(struct html *h, const char *id, const char *cls, const char *label,
    uint64_t v, const char *sub)
{
	putf(h,
	    "<div class=\"card %s\" id=\"card-%s\"><span class=\"k\">%s</span>"
	    "<span class=\"v\">%s</span><span class=\"s\">%s</span></div>\n",
	    cls, id, label, fmt_num(v).s, sub);
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

#define OB_W 1000.0 /* the outcome bar's width */
#define OB_ROW 20.0 /* a row of its legend */

/* One bar, 100% wide, cut by the outcomes of the transactions; the
 * legend below it on as many rows as it needs. */
static void
outcome_bar(struct html *h)
{
	const struct stats *st = h->st;
	char value[ARRAY_LEN(outcome_part)][160];
	uint64_t total = 0, v;
	double x = 0, w, lx = 0, ly = 48, height;
	int rows = 1;
	size_t i;

	for (i = 0; i < ARRAY_LEN(outcome_part); i++)
		total += st->outcome[outcome_part[i].o];
	if (total == 0)
		return;
	for (i = 0; i < ARRAY_LEN(outcome_part); i++) {
		v = st->outcome[outcome_part[i].o];
		snprintf(value[i], sizeof(value[i]), "%s (%s)", fmt_num(v).s,
		    fmt_pct(v, total).s);
		w = legend_width(outcome_part[i].name, value[i]);
		if (lx > 0 && lx + w > OB_W) {
			rows++;
			lx = 0;
		}
		lx += w;
	}
	height = 58 + (rows - 1) * OB_ROW;
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
	lx = 0;
	for (i = 0; i < ARRAY_LEN(outcome_part); i++) {
		w = legend_width(outcome_part[i].name, value[i]);
		if (lx > 0 && lx + w > OB_W) {
			ly += OB_ROW;
			lx = 0;
		}
		lx += chart_legend(h, lx, ly, outcome_part[i].name,
		    outcome_part[i].color, value[i]);
	}
	put(h, "</svg>\n</figure>\n");
}

static void
overview(struct html *h)
{
	const struct stats *st = h->st;
	uint64_t tx = st->transactions;
	uint64_t lost = st->outcome[SMTP_OUTCOME_LOST];
	char sub[200];

	put(h,
	    "<section id=\"overview\">\n<h2>Overview</h2>\n"
	    "<div class=\"cards\">\n");
	snprintf(sub, sizeof(sub), "%s both ways",
	    fmt_bytes_html((double)(st->bytes_client + st->bytes_server)).s);
	card(h, "sessions", "", "Sessions", st->sessions, sub);
	snprintf(
	    sub, sizeof(sub), "%s RCPT commands", fmt_num(st->recipients).s);
	card(h, "transactions", "", "Transactions", tx, sub);
	snprintf(sub, sizeof(sub), "%s, %s in all",
	    fmt_pct(st->messages_accepted, tx).s,
	    fmt_bytes_html((double)st->message_bytes).s);
	card(h, "accepted", "accepted", "Messages accepted",
	    st->messages_accepted, sub);
	snprintf(sub, sizeof(sub), "%s of RCPT commands",
	    fmt_pct(st->recipients_accepted, st->recipients).s);
	card(h, "recipients", "accepted", "Recipients accepted",
	    st->recipients_accepted, sub);
	snprintf(sub, sizeof(sub),
	    "5xx: %s of transactions; the sender owes a bounce",
	    fmt_pct(st->outcome[SMTP_OUTCOME_REJECTED], tx).s);
	card(h, "rejected", "rejected", "Rejected",
	    st->outcome[SMTP_OUTCOME_REJECTED], sub);
	snprintf(sub, sizeof(sub),
	    "4xx (421 too): %s of transactions; the sender retries",
	    fmt_pct(st->outcome[SMTP_OUTCOME_TEMPFAIL], tx).s);
	card(h, "tempfail", "tempfail", "Tempfail",
	    st->outcome[SMTP_OUTCOME_TEMPFAIL], sub);
	if (st->loss_capture > 0)
		snprintf(sub, sizeof(sub),
		    "cut off before the final reply: %s; of which capture "
		    "loss may explain %s",
		    fmt_pct(lost, tx).s, fmt_num(st->loss_capture).s);
	else
		snprintf(sub, sizeof(sub), "cut off before the final reply: %s",
		    fmt_pct(lost, tx).s);
	card(h, "lost", "lost", "Lost", lost, sub);
	snprintf(sub, sizeof(sub), "given up before the data: %s",
	    fmt_pct(st->outcome[SMTP_OUTCOME_ABORTED], tx).s);
	card(h, "aborted", "aborted", "Aborted",
	    st->outcome[SMTP_OUTCOME_ABORTED], sub);
	/* Accepted, then discarded: one session cannot show it. */
	card(h, "dropped", "dropped", "Dropped",
	    st->outcome[SMTP_OUTCOME_DROPPED],
	    "accepted, then discarded: needs tracking across hops");
	snprintf(
	    sub, sizeof(sub), "null sender; %s with a DSN", fmt_num(st->dsn).s);
	card(h, "bounces", "", "Bounces", st->bounces, sub);
	put(h, "</div>\n");
	outcome_bar(h);
	put(h, "</section>\n");
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
		if (w->n > SERIES_MINUTES) {
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
		w->n = MIN_SLOTS;
	}
}

/* A tick interval, in seconds, giving at most about eight ticks. */
static int64_t
time_tick(int64_t span_seconds, int64_t unit)
{
	static const int64_t steps[] = { 1, 2, 5, 10, 15, 30, 60, 120, 300, 600,
		900, 1800, 3600, 7200, 10800, 21600, 43200, 86400 };
	size_t i;

	for (i = 0; i < ARRAY_LEN(steps); i++)
		if (steps[i] >= unit && span_seconds / steps[i] <= 8)
			return steps[i];
	return 86400;
}

static void
over_time(struct html *h)
{
	const struct stats *st = h->st;
	const double pw = TS_W - TS_ML - TS_MR, ph = TS_H - TS_MT - TS_MB;
	struct time_window w;
	uint32_t(*v)[TS_PARTS];
	uint64_t total[TS_PARTS] = { 0 }, ymax = 0, ystep, ytop, y, sum;
	int64_t i, t, tick, t0, t1;
	double bw, gap, bar, x, base, hh;
	size_t k;

	put(h,
	    "<section id=\"over-time\">\n"
	    "<h2>Messages and rejections over time</h2>\n");
	if (!(st->last_ts > 0)) {
		put(h,
		    "<p class=\"none\">No SMTP traffic: nothing to chart."
		    "</p>\n</section>\n");
		return;
	}
	time_window(st, &w);
	v = xcalloc((size_t)w.n, sizeof(*v));
	for (i = 0; i < w.n; i++) {
		sum = 0;
		for (k = 0; k < TS_PARTS; k++) {
			v[i][k] = w.unit == 1 ? series_second(&st->series,
						    w.start + i, ts_part[k].k)
					      : series_minute(&st->series,
						    w.start + i, ts_part[k].k);
			total[k] += v[i][k];
			sum += v[i][k];
		}
		if (sum > ymax)
			ymax = sum;
	}
	ystep = nice_step(ymax, 5);
	ytop = round_up(ymax, ystep);
	bw = pw / (double)w.n;
	gap = bw >= 4 ? bw * 0.22 : 0;
	/* A minute of 24 hours is under a pixel: keep each bar visible. */
	bar = bw - gap < 1.5 ? 1.5 : bw - gap;

	putf(h,
	    "<figure>\n<svg class=\"chart\" id=\"chart-over-time\" "
	    "viewBox=\"0 0 %s %s\" width=\"%s\" height=\"%s\" role=\"img\" "
	    "aria-label=\"Transactions ended per %s, by outcome\">\n",
	    co(TS_W).s, co(TS_H).s, co(TS_W).s, co(TS_H).s,
	    w.unit == 1 ? "second" : "minute");
	for (k = 0, x = TS_ML; k < TS_PARTS; k++)
		x += chart_legend(h, x, 18, ts_part[k].name, ts_part[k].color,
		    fmt_num(total[k]).s);
	/* Horizontal grid and the counts. */
	for (y = 0; y <= ytop; y += ystep) {
		base = TS_MT + ph - ph * (double)y / (double)ytop;
		putf(h,
		    "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" "
		    "stroke=\"%s\"/><text x=\"%s\" y=\"%s\" "
		    "text-anchor=\"end\">%s</text>\n",
		    co(TS_ML).s, co(base).s, co(TS_ML + pw).s, co(base).s,
		    y == 0 ? COL_AXIS : COL_GRID, co(TS_ML - 8).s,
		    co(base + 4).s, fmt_num(y).s);
	}
	/* The bars, stacked. */
	for (i = 0; i < w.n; i++) {
		sum = 0;
		for (k = 0; k < TS_PARTS; k++)
			sum += v[i][k];
		if (sum == 0)
			continue;
		x = TS_ML + (double)i * bw + gap / 2;
		put(h, "<g>");
		if (w.n <= 240) {
			putf(h, "<title>%s",
			    fmt_utc((double)((w.start + i) * w.unit),
				w.unit == 1 ? TF_FULL : TF_MINUTE)
				.s);
			for (k = 0; k < TS_PARTS; k++)
				putf(h, "%s%s %s", k ? ", " : ": ",
				    ts_part[k].name, fmt_num(v[i][k]).s);
			put(h, "</title>");
		}
		base = TS_MT + ph;
		for (k = 0; k < TS_PARTS; k++) {
			if (v[i][k] == 0)
				continue;
			hh = ph * (double)v[i][k] / (double)ytop;
			putf(h,
			    "<rect x=\"%s\" y=\"%s\" width=\"%s\" "
			    "height=\"%s\" fill=\"%s\"/>",
			    co(x).s, co(base - hh).s, co(bar).s, co(hh).s,
			    ts_part[k].color);
			base -= hh;
		}
		put(h, "</g>\n");
	}
	/* Time ticks on round times. */
	t0 = w.start * w.unit;
	t1 = (w.start + w.n) * w.unit;
	tick = time_tick(t1 - t0, w.unit);
	for (t = (t0 + tick - 1) / tick * tick; t <= t1; t += tick) {
		x = TS_ML + (double)(t - t0) / (double)w.unit * bw;
		putf(h,
		    "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" "
		    "stroke=\"%s\"/><text x=\"%s\" y=\"%s\" "
		    "text-anchor=\"middle\">%s</text>\n",
		    co(x).s, co(TS_MT + ph).s, co(x).s, co(TS_MT + ph + 5).s,
		    COL_AXIS, co(x).s, co(TS_MT + ph + 19).s,
		    fmt_utc((double)t, w.unit == 1 ? TF_CLOCK : TF_CLOCK_MIN)
			.s);
	}
	putf(h,
	    "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"%s\"/>\n"
	    "<text x=\"%s\" y=\"%s\" text-anchor=\"middle\">time (UTC), "
	    "%s &ndash; %s</text>\n<text x=\"16\" y=\"%s\" "
	    "text-anchor=\"middle\" transform=\"rotate(-90 16 %s)\">"
	    "transactions per %s</text>\n</svg>\n</figure>\n",
	    co(TS_ML).s, co(TS_MT).s, co(TS_ML).s, co(TS_MT + ph).s, COL_AXIS,
	    co(TS_ML + pw / 2).s, co(TS_H - 8).s,
	    fmt_utc((double)t0, w.unit == 1 ? TF_FULL : TF_MINUTE).s,
	    fmt_utc((double)t1, w.unit == 1 ? TF_FULL : TF_MINUTE).s,
	    co(TS_MT + ph / 2).s, co(TS_MT + ph / 2).s,
	    w.unit == 1 ? "second" : "minute");
	free(v);

	putf(h,
	    "<p class=\"note\">Transactions by outcome, counted when they "
	    "ended, per %s",
	    w.unit == 1 ? "second (the traffic spans under three minutes)"
			: "minute");
	if (w.cut)
		putf(h,
		    ". The traffic spans %s minutes; the last %s are kept and "
		    "shown",
		    fmt_num((uint64_t)w.span).s, fmt_num(SERIES_MINUTES).s);
	if (ymax == 0)
		put(h, ". No transaction ended in this window");
	/* The store keeps series of these four outcomes only. */
	put(h,
	    ". Aborted transactions are not charted over time; drops "
	    "(accepted, then discarded) need tracking across hops.</p>\n"
	    "</section>\n");
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
 * Text of ours (a meaning from smtp/codes.c) escaped, cut at a word to
 * at most max characters with an ellipsis; the whole text is in the
 * reply-code table.
 */
static void
put_clipped(struct html *h, const char *s, size_t max)
{
	char buf[128];
	size_t n = strlen(s);

	if (n <= max || max + 1 > sizeof(buf)) {
		put_wire(h, s);
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
	put_wire(h, buf);
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
	put_wire(h, meaning);
	put(h, "</title>");
	put_clipped(h, meaning, RC_MEANING);
	putf(h,
	    "</text><rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"16\" "
	    "rx=\"2\" fill=\"%s\"/><text x=\"%s\" y=\"%s\"><tspan "
	    "class=\"t\">%s</tspan> (%s)</text>\n",
	    co(RC_LABEL).s, co(y).s, co(w).s, color, co(RC_LABEL + w + 8).s,
	    co(y + 12).s, fmt_num(v).s, fmt_pct(v, total).s);
}

/* Every reply code seen, by code, with what it means. */
static void
reply_code_table(struct html *h)
{
	const struct stats *st = h->st;
	int c;

	put(h,
	    "<h3>Every reply code seen</h3>\n"
	    "<table class=\"codes\" id=\"reply-codes\"><thead><tr>"
	    "<th>Code</th><th class=\"n\">Replies</th><th class=\"n\">Share"
	    "</th><th>Meaning</th></tr></thead>\n<tbody>\n");
	for (c = 0; c < 600; c++) {
		if (st->reply_code[c] == 0)
			continue;
		putf(h,
		    "<tr><td class=\"key\">%03d</td><td class=\"n\">%s</td>"
		    "<td class=\"n\">%s</td><td class=\"meaning\">",
		    c, fmt_num(st->reply_code[c]).s,
		    fmt_pct(st->reply_code[c], st->replies).s);
		put_wire(h, smtp_reply_meaning(c, SMTP_VERB_UNKNOWN));
		put(h, "</td></tr>\n");
	}
	put(h,
	    "</tbody></table>\n<p class=\"note\">Meanings as RFC 5321 and "
	    "the RFCs of its extensions word them for any command; a few "
	    "codes say more as the reply to one command.</p>\n");
}

static void
reply_codes(struct html *h)
{
	const struct stats *st = h->st;
	struct code_count cc[400];
	size_t ncc = 0, i;
	uint64_t max = 0, classes = 0;
	double y, height;
	char label[16];
	int c;

	put(h, "<section id=\"replies\">\n<h2>Reply codes</h2>\n");
	for (c = 2; c <= 5; c++) {
		classes += st->reply_class[c];
		if (st->reply_class[c] > max)
			max = st->reply_class[c];
	}
	if (st->replies == 0 || max == 0) {
		put(h, "<p class=\"none\">No replies seen.</p>\n</section>\n");
		return;
	}
	for (c = 200; c < 600; c++)
		if (st->reply_code[c] > 0) {
			cc[ncc].code = c;
			cc[ncc].n = st->reply_code[c];
			ncc++;
		}
	qsort(cc, ncc, sizeof(cc[0]), code_count_cmp);
	if (ncc > CODE_BARS)
		ncc = CODE_BARS;
	height = 8 + (double)(6 + ncc) * RC_ROW + 8;
	putf(h,
	    "<figure>\n<svg class=\"chart\" id=\"chart-replies\" "
	    "viewBox=\"0 0 1000 %s\" width=\"1000\" height=\"%s\" "
	    "role=\"img\" aria-label=\"Replies by class and by code\">\n",
	    co(height).s, co(height).s);
	y = 8;
	putf(h,
	    "<text class=\"b\" x=\"0\" y=\"%s\">By class</text>"
	    "<text x=\"%s\" y=\"%s\">replies (share of all %s)</text>\n",
	    co(y + 12).s, co(RC_LABEL).s, co(y + 12).s, fmt_num(st->replies).s);
	y += RC_ROW;
	for (c = 2; c <= 5; c++) {
		static const char *const meaning[] = { "", "", "success",
			"intermediate", "transient failure",
			"permanent failure" };

		snprintf(label, sizeof(label), "%dxx", c);
		reply_row(h, y, label, meaning[c], st->reply_class[c], max,
		    st->replies, class_color(c * 100));
		y += RC_ROW;
	}
	y += RC_ROW / 2;
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
	if (classes < st->replies)
		putf(h,
		    "<p class=\"note\">%s replies had a first digit outside "
		    "2&ndash;5.</p>\n",
		    fmt_num(st->replies - classes).s);
	reply_code_table(h);
	put(h, "</section>\n");
}

/* What the codes at the start of a text mean ("550 5.1.1 ..." as the
 * reasons table keys it, or an enhanced code alone): a line each. */
static void
put_code_meanings(struct html *h, int code, const char *enh)
{
	char buf[160];

	if (code > 0) {
		putf(h, "<span class=\"meaning\">%03d: ", code);
		put_wire(h, smtp_reply_meaning(code, SMTP_VERB_UNKNOWN));
		put(h, "</span>");
	}
	if (enh != NULL && smtp_enh_meaning(enh, buf, sizeof(buf)) != NULL) {
		put(h, "<span class=\"meaning\">");
		put_wire(h, enh);
		put(h, ": ");
		put_wire(h, buf);
		put(h, "</span>");
	}
}

/* The reply code and enhanced code a reason key starts with. */
static void
reason_codes(const char *key, int *code, char *enh, size_t size)
{
	size_t n = 0;

	*code = 0;
	enh[0] = '\0';
	if (strlen(key) < 3 || !ascii_isdigit((unsigned char)key[0]) ||
	    !ascii_isdigit((unsigned char)key[1]) ||
	    !ascii_isdigit((unsigned char)key[2]) ||
	    (key[3] != '\0' && key[3] != ' '))
		return;
	*code = (key[0] - '0') * 100 + (key[1] - '0') * 10 + (key[2] - '0');
	if (key[3] != ' ')
		return;
	key += 4;
	while (key[n] != '\0' && key[n] != ' ' && n + 1 < size) {
		enh[n] = key[n];
		n++;
	}
	enh[n] = '\0';
}

/* What a top table's rows may say besides key and count. */
enum top_meaning {
	TOP_PLAIN,
	TOP_ENHANCED, /* keys are enhanced status codes */
	TOP_REASON,   /* keys start with a reply code */
};

/*
 * A top table. Counts come from a space-saving table of TOPN_SLOTS keys:
 * when it was full, a count may be over by its error, shown as +-.
 */
static void
top_table_m(struct html *h, const char *id, const char *title,
    const struct topn *t, const char *keyname, const char *what, size_t rows,
    enum top_meaning m)
{
	const struct topn_entry *e[TOPN_SLOTS];
	size_t n, i;
	uint64_t shown = 0;
	bool approx = false;
	double w;
	char enh[16], meaning[160];
	int code;

	if (rows > TOPN_SLOTS)
		rows = TOPN_SLOTS;
	n = topn_sorted(t, e, rows);
	putf(h, "<div id=\"top-%s\">\n<h3>%s</h3>\n", id, title);
	if (n == 0) {
		put(h, "<p class=\"none\">None seen.</p>\n</div>\n");
		return;
	}
	putf(h,
	    "<table class=\"top\" id=\"table-%s\"><colgroup>"
	    "<col class=\"rank\"><col%s><col class=\"count\">"
	    "<col class=\"share\">%s</colgroup>\n"
	    "<thead><tr><th class=\"n\">#</th><th>%s</th><th class=\"n\">%s"
	    "</th><th>Share</th>%s</tr></thead>\n<tbody>\n",
	    id, m == TOP_ENHANCED ? " class=\"code\"" : "",
	    m == TOP_REASON         ? "<col class=\"meaning\">"
		: m == TOP_ENHANCED ? "<col>"
				    : "",
	    keyname, what, m != TOP_PLAIN ? "<th>Meaning</th>" : "");
	for (i = 0; i < n; i++) {
		w = SHARE_BAR_PX * (double)e[i]->count /
		    (double)(e[0]->count ? e[0]->count : 1);
		putf(h, "<tr><td class=\"n rank\">%zu</td><td class=\"key\">",
		    i + 1);
		put_wire(h, e[i]->key);
		putf(h, "</td><td class=\"n\">%s", fmt_num(e[i]->count).s);
		if (e[i]->error > 0) {
			putf(h, "<sup class=\"err\">&#177;%s</sup>",
			    fmt_num(e[i]->error).s);
			approx = true;
		}
		putf(h,
		    "</td><td class=\"share\"><span class=\"bar\" "
		    "style=\"width:%spx\"></span>%s</td>",
		    co(w < 1 ? 1 : w).s, fmt_pct(e[i]->count, t->total).s);
		if (m == TOP_ENHANCED) {
			put(h, "<td class=\"meaning\">");
			if (smtp_enh_meaning(
				e[i]->key, meaning, sizeof(meaning)) != NULL)
				put_wire(h, meaning);
			else
				put(h, "not an enhanced status code");
			put(h, "</td>");
		} else if (m == TOP_REASON) {
			reason_codes(e[i]->key, &code, enh, sizeof(enh));
			put(h, "<td>");
			put_code_meanings(h, code, enh[0] ? enh : NULL);
			put(h, "</td>");
		}
		put(h, "</tr>\n");
		shown += e[i]->count;
	}
	put(h, "</tbody></table>\n");
	if (t->total > shown || approx) {
		put(h, "<p class=\"note\">");
		if (t->total > shown)
			putf(h, "%s more %s not in these rows. ",
			    fmt_num(t->total - shown).s, what);
		if (approx)
			putf(h,
			    "Over %d distinct keys were seen: a count marked "
			    "&#177; may be over by that much.",
			    TOPN_SLOTS);
		put(h, "</p>\n");
	}
	put(h, "</div>\n");
}

static void
top_table(struct html *h, const char *id, const char *title,
    const struct topn *t, const char *keyname, const char *what, size_t rows)
{
	top_table_m(h, id, title, t, keyname, what, rows, TOP_PLAIN);
}

static void
reasons(struct html *h)
{
	const struct stats *st = h->st;

	put(h,
	    "<section id=\"reasons\">\n"
	    "<h2>Rejection and deferral reasons</h2>\n");
	top_table_m(h, "reasons",
	    "Reasons (4xx and 5xx replies, addresses and "
	    "numbers masked)",
	    &st->reject_reasons, "Reply", "replies", TOP_ROWS, TOP_REASON);
	/* Every code kept, not only the frequent ones. */
	top_table_m(h, "enhanced", "Enhanced status codes (RFC 3463)",
	    &st->enhanced, "Code", "replies", TOPN_SLOTS, TOP_ENHANCED);
	put(h, "</section>\n");
}

static void
who(struct html *h)
{
	const struct stats *st = h->st;

	put(h,
	    "<section id=\"who\">\n"
	    "<h2>Servers, clients, senders and recipients</h2>\n"
	    "<div class=\"grid2\">\n<div>\n");
	top_table(h, "servers", "Servers", &st->servers, "Address", "sessions",
	    TOP_ROWS);
	put(h, "</div>\n<div>\n");
	top_table(h, "clients", "Clients", &st->clients, "Address", "sessions",
	    TOP_ROWS);
	put(h, "</div>\n<div>\n");
	top_table(h, "sender-domains", "Sender domains", &st->sender_domains,
	    "Domain", "transactions", TOP_ROWS);
	put(h, "</div>\n<div>\n");
	top_table(h, "recipient-domains", "Recipient domains",
	    &st->rcpt_domains, "Domain", "recipients", TOP_ROWS);
	put(h, "</div>\n<div>\n");
	top_table(h, "senders", "Senders", &st->senders, "Address",
	    "transactions", TOP_ROWS);
	put(h, "</div>\n<div>\n");
	top_table(h, "recipients", "Recipients", &st->recipients_top, "Address",
	    "recipients", TOP_ROWS);
	put(h, "</div>\n</div>\n</section>\n");
}

static void
kv_open(struct html *h, const char *id)
{
	putf(h, "<table class=\"kv\" id=\"%s\"><tbody>\n", id);
}

static void
kv_close(struct html *h)
{
	put(h, "</tbody></table>\n");
}

/* A row of a key-value table; warn marks a count worth a look. */
static void
kv(struct html *h, const char *label, const char *value, const char *note,
    bool warn)
{
	putf(h,
	    "<tr><th>%s</th><td class=\"n%s\">%s</td><td class=\"note\">%s"
	    "</td></tr>\n",
	    label, warn ? " warn" : "", value, note != NULL ? note : "");
}

static void
kv_num(
    struct html *h, const char *label, uint64_t v, const char *note, bool warn)
{
	kv(h, label, fmt_num(v).s, note, warn && v > 0);
}

static void
tls_auth(struct html *h)
{
	const struct stats *st = h->st;
	char note[96];
	bool any = false;
	int v;

	put(h,
	    "<section id=\"tls-auth\">\n<h2>TLS and AUTH</h2>\n"
	    "<div class=\"grid2\">\n<div>\n<h3>TLS</h3>\n");
	kv_open(h, "tls");
	snprintf(note, sizeof(note), "%s of sessions",
	    fmt_pct(st->starttls_offered, st->sessions).s);
	kv_num(
	    h, "Sessions offered STARTTLS", st->starttls_offered, note, false);
	snprintf(note, sizeof(note), "%s of those offered",
	    fmt_pct(st->starttls_used, st->starttls_offered).s);
	kv_num(h, "Sessions that used STARTTLS", st->starttls_used,
	    st->starttls_offered ? note : "", false);
	kv_num(h, "Implicit TLS (port 465)", st->implicit_tls, "", false);
	kv_close(h);
	put(h, "<h3>TLS versions negotiated</h3>\n");
	for (v = 0; v < TLSV_KINDS; v++)
		any = any || st->tls_version[v] > 0;
	if (!any)
		put(h, "<p class=\"none\">No TLS handshake seen.</p>\n");
	else {
		kv_open(h, "tls-versions");
		for (v = 0; v < TLSV_KINDS; v++)
			if (st->tls_version[v] > 0)
				kv_num(h,
				    stats_tls_version_name(
					(enum stats_tls_version)v),
				    st->tls_version[v], "sessions",
				    v <= TLSV_11);
		kv_close(h);
	}
	put(h, "</div>\n<div>\n<h3>AUTH</h3>\n");
	kv_open(h, "auth");
	kv_num(h, "Sessions that tried AUTH", st->auth_sessions, "", false);
	snprintf(note, sizeof(note), "%s of those sessions",
	    fmt_pct(st->auth_success, st->auth_sessions).s);
	kv_num(h, "Sessions authenticated", st->auth_success,
	    st->auth_sessions ? note : "", false);
	kv_num(h, "Failed attempts", st->auth_failures, "", true);
	kv_close(h);
	top_table(h, "auth-mechs", "Mechanisms", &st->auth_mechs, "Mechanism",
	    "sessions", TOP_ROWS_SMALL);
	top_table(h, "auth-fail-clients", "Clients failing AUTH",
	    &st->auth_fail_clients, "Address", "failures", TOP_ROWS_SMALL);
	put(h, "</div>\n</div>\n</section>\n");
}

/* A count worth a postmaster's look, as a card that turns red. */
static void
warn_card(struct html *h, const char *id, const char *label, uint64_t v,
    const char *sub)
{
	card(h, id, v > 0 ? "warn" : "", label, v, sub);
}

static void
security(struct html *h)
{
	const struct stats *st = h->st;

	put(h,
	    "<section id=\"security\">\n<h2>Security findings</h2>\n"
	    "<div class=\"cards\">\n");
	warn_card(h, "submission-no-auth", "Submission without AUTH",
	    st->submission_no_auth,
	    "transactions on port 587 or 465 with no successful AUTH: "
	    "RFC 6409 says a submission server requires it");
	warn_card(h, "cleartext-auth", "Clear-text AUTH", st->cleartext_auth,
	    "sessions that sent AUTH PLAIN or LOGIN credentials without "
	    "TLS");
	warn_card(h, "auth-failures", "Failed AUTH attempts", st->auth_failures,
	    "over all sessions");
	put(h, "</div>\n</section>\n");
}

/* The verbs whose results outside transactions are counted, in order. */
static const enum smtp_verb result_verbs[] = { SMTP_VERB_VRFY, SMTP_VERB_EXPN,
	SMTP_VERB_ETRN, SMTP_VERB_ATRN, SMTP_VERB_TURN, SMTP_VERB_HELP,
	SMTP_VERB_NOOP };

static void
protocol(struct html *h)
{
	const struct stats *st = h->st;
	uint64_t other = 0;
	char note[160];
	size_t i;
	int v;
	bool listed;

	put(h,
	    "<section id=\"protocol\">\n<h2>Protocol details</h2>\n"
	    "<div class=\"grid2\">\n<div>\n<h3>Transactions</h3>\n");
	kv_open(h, "model");
	kv_num(h, "Commands refused inside transactions", st->refused_in_tx,
	    "a nested MAIL, a HELO or DATA out of place: the transaction "
	    "went on without them",
	    true);
	kv_num(h, "Transactions with assumed effects", st->assumed,
	    "a reply never seen (capture loss, one-sided capture): its "
	    "command's effect was assumed",
	    true);
	snprintf(note, sizeof(note), "%s transactions sent after the swap",
	    fmt_num(st->reversed).s);
	kv_num(h, "Sessions with TURN or ATRN", st->reversed_sessions, note,
	    false);
	kv_num(h, "LMTP sessions", st->lmtp_sessions, "RFC 2033", false);
	kv_num(h, "LMTP recipients delivered", st->lmtp_delivered,
	    "2xx after the data, per recipient", false);
	kv_num(h, "LMTP recipients failed", st->lmtp_failed,
	    "4xx or 5xx after the data, per recipient", true);
	kv_close(h);
	put(h,
	    "</div>\n<div>\n<h3>Command results outside transactions"
	    "</h3>\n");
	kv_open(h, "command-results");
	for (i = 0; i < ARRAY_LEN(result_verbs); i++)
		kv_num(h, smtp_verb_name(result_verbs[i]),
		    st->results[result_verbs[i]], "", false);
	for (v = 0; v < SMTP_VERB_COUNT; v++) {
		listed = false;
		for (i = 0; i < ARRAY_LEN(result_verbs); i++)
			listed = listed || (int)result_verbs[i] == v;
		if (!listed)
			other += st->results[v];
	}
	kv_num(h, "Other commands out of place", other,
	    "RCPT, DATA, BDAT or unknown verbs outside any transaction", true);
	kv_close(h);
	put(h, "</div>\n</div>\n</section>\n");
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

/*
 * The buckets of a histogram as bars on a logarithmic x axis, whole
 * decades from the first bucket used to the last, with the median and
 * the 90th and 99th percentiles marked.
 */
static void
histogram(struct html *h, const char *id, const struct histo *hi, bool seconds,
    const char *color, const char *counted)
{
	static const struct {
		double q;
		const char *name, *dash;
	} mark[] = {
		{ 0.5, "p50", "4 3" },
		{ 0.9, "p90", "2 3" },
		{ 0.99, "p99", "1 2" },
	};
	const double pw = HG_W - HG_ML - HG_MR, ph = HG_H - HG_MT - HG_MB;
	int i, i0 = -1, i1 = -1, d0, d1, nb, d;
	uint64_t ymax = 0, ystep, ytop, y;
	double bw, x, hh, base, pos, qv;
	size_t m;

	for (i = 0; i < HISTO_BUCKETS; i++) {
		if (hi->b[i] == 0)
			continue;
		if (i0 < 0)
			i0 = i;
		i1 = i;
		if (hi->b[i] > ymax)
			ymax = hi->b[i];
	}
	if (i0 < 0)
		return;
	d0 = i0 / 10;
	d1 = i1 / 10 + 1;
	if (d1 - d0 < 2) {
		if (d1 < HISTO_BUCKETS / 10)
			d1++;
		else
			d0--;
	}
	nb = (d1 - d0) * 10;
	bw = pw / nb;
	ystep = nice_step(ymax, 4);
	ytop = round_up(ymax, ystep);
	putf(h,
	    "<svg class=\"chart\" id=\"%s\" viewBox=\"0 0 %s %s\" "
	    "width=\"%s\" height=\"%s\" role=\"img\" aria-label=\"Histogram, "
	    "logarithmic\">\n",
	    id, co(HG_W).s, co(HG_H).s, co(HG_W).s, co(HG_H).s);
	for (y = 0; y <= ytop; y += ystep) {
		base = HG_MT + ph - ph * (double)y / (double)ytop;
		putf(h,
		    "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" "
		    "stroke=\"%s\"/><text x=\"%s\" y=\"%s\" "
		    "text-anchor=\"end\">%s</text>\n",
		    co(HG_ML).s, co(base).s, co(HG_ML + pw).s, co(base).s,
		    y == 0 ? COL_AXIS : COL_GRID, co(HG_ML - 6).s,
		    co(base + 4).s, fmt_num(y).s);
	}
	for (i = d0 * 10; i < d1 * 10; i++) {
		if (i < 0 || i >= HISTO_BUCKETS || hi->b[i] == 0)
			continue;
		x = HG_ML + (double)(i - d0 * 10) * bw;
		hh = ph * (double)hi->b[i] / (double)ytop;
		if (hh < 1)
			hh = 1;
		putf(h,
		    "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" "
		    "fill=\"%s\"><title>%s &ndash; %s: %s</title></rect>\n",
		    co(x + 0.5).s, co(HG_MT + ph - hh).s, co(bw - 1).s,
		    co(hh).s, color,
		    seconds ? fmt_secs_html(histo_bucket_lower(hi, i)).s
			    : fmt_bytes_html(histo_bucket_lower(hi, i)).s,
		    seconds ? fmt_secs_html(histo_bucket_lower(hi, i + 1)).s
			    : fmt_bytes_html(histo_bucket_lower(hi, i + 1)).s,
		    fmt_num(hi->b[i]).s);
	}
	/* Decades on the x axis. */
	for (d = d0; d <= d1; d++) {
		x = HG_ML + (double)(d - d0) * 10.0 * bw;
		qv = histo_bucket_lower(hi, d * 10);
		putf(h,
		    "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" "
		    "stroke=\"%s\"/><text x=\"%s\" y=\"%s\" "
		    "text-anchor=\"middle\">%s</text>\n",
		    co(x).s, co(HG_MT + ph).s, co(x).s, co(HG_MT + ph + 5).s,
		    COL_AXIS, co(x).s, co(HG_MT + ph + 18).s,
		    seconds ? fmt_secs_html(qv).s : fmt_bytes_html(qv).s);
	}
	for (m = 0; m < ARRAY_LEN(mark); m++) {
		qv = histo_quantile(hi, mark[m].q);
		pos = histo_position(hi, qv, d0);
		if (pos < 0)
			pos = 0;
		if (pos > nb)
			pos = nb;
		x = HG_ML + pos * bw;
		putf(h,
		    "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" "
		    "stroke=\"#1f2328\" stroke-dasharray=\"%s\"/>"
		    "<text x=\"%s\" y=\"%s\" text-anchor=\"%s\">"
		    "<tspan class=\"t\">%s</tspan> %s</text>\n",
		    co(x).s, co(4 + 13 * (double)m).s, co(x).s,
		    co(HG_MT + ph).s, mark[m].dash,
		    co(x > HG_W - 120 ? x - 4 : x + 4).s,
		    co(12 + 13 * (double)m).s, x > HG_W - 120 ? "end" : "start",
		    mark[m].name,
		    seconds ? fmt_secs_html(qv).s : fmt_bytes_html(qv).s);
	}
	putf(h,
	    "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"%s\"/>\n"
	    "<text x=\"%s\" y=\"%s\" text-anchor=\"middle\">%s (log scale)"
	    "</text>\n<text x=\"14\" y=\"%s\" text-anchor=\"middle\" "
	    "transform=\"rotate(-90 14 %s)\">%s</text>\n</svg>\n",
	    co(HG_ML).s, co(HG_MT).s, co(HG_ML).s, co(HG_MT + ph).s, COL_AXIS,
	    co(HG_ML + pw / 2).s, co(HG_H - 6).s, seconds ? "seconds" : "bytes",
	    co(HG_MT + ph / 2).s, co(HG_MT + ph / 2).s, counted);
}

/* The rows of a quantile table: n, min, p50, p90, p99, max, mean. */
static void
quantile_cells(struct html *h, const struct histo *hi, bool seconds)
{
	struct quantiles q;
	double v[6];
	size_t i;

	histo_quantiles(hi, &q);
	v[0] = q.min;
	v[1] = q.p50;
	v[2] = q.p90;
	v[3] = q.p99;
	v[4] = q.max;
	v[5] = q.mean;
	putf(h, "<td class=\"n\">%s</td>", fmt_num(hi->n).s);
	for (i = 0; i < ARRAY_LEN(v); i++)
		putf(h, "<td class=\"n\">%s</td>",
		    seconds ? fmt_secs_html(v[i]).s : fmt_bytes_html(v[i]).s);
}

static void
quantile_head(struct html *h, const char *first, const char *counted)
{
	putf(h,
	    "<table class=\"q\"><thead><tr><th>%s</th><th class=\"n\">%s</th>"
	    "<th class=\"n\">min</th><th class=\"n\">p50</th>"
	    "<th class=\"n\">p90</th><th class=\"n\">p99</th>"
	    "<th class=\"n\">max</th><th class=\"n\">mean</th></tr></thead>\n"
	    "<tbody>\n",
	    first, counted);
}

static const char *const latency_label[LAT_KINDS] = {
	[LAT_GREETING] = "Greeting (connection to banner)",
	[LAT_HELO] = "HELO / EHLO",
	[LAT_MAIL] = "MAIL FROM",
	[LAT_RCPT] = "RCPT TO",
	[LAT_DATA] = "DATA (to the 354)",
	[LAT_FINAL] = "End of data (to the final reply)",
	[LAT_OTHER] = "Other commands",
};

static void
latency(struct html *h)
{
	const struct stats *st = h->st;
	char id[32];
	int k, any = 0;

	put(h, "<section id=\"latency\">\n<h2>Latency distribution</h2>\n");
	for (k = 0; k < LAT_KINDS; k++)
		if (st->latency[k].n > 0)
			any++;
	if (!any) {
		put(h, "<p class=\"none\">No reply timed.</p>\n</section>\n");
		return;
	}
	put(h,
	    "<p class=\"note\" style=\"margin:0 0 8px\">Time from a "
	    "command (or the connection) to its reply, as seen on the "
	    "wire.</p>\n");
	quantile_head(h, "Reply to", "replies");
	for (k = 0; k < LAT_KINDS; k++) {
		if (st->latency[k].n == 0)
			continue;
		putf(h, "<tr><th>%s</th>", latency_label[k]);
		quantile_cells(h, &st->latency[k], true);
		put(h, "</tr>\n");
	}
	put(h, "</tbody></table>\n<div class=\"grid2\">\n");
	for (k = 0; k < LAT_KINDS; k++) {
		if (st->latency[k].n == 0)
			continue;
		snprintf(id, sizeof(id), "histo-latency-%s",
		    stats_latency_name((enum stats_latency)k));
		putf(h, "<figure>\n<figcaption>%s</figcaption>\n",
		    latency_label[k]);
		histogram(h, id, &st->latency[k], true, COL_LATENCY, "replies");
		put(h, "</figure>\n");
	}
	put(h, "</div>\n</section>\n");
}

static void
sizes(struct html *h)
{
	const struct stats *st = h->st;

	put(h, "<section id=\"sizes\">\n<h2>Message size distribution</h2>\n");
	if (st->size.n == 0) {
		put(h,
		    "<p class=\"none\">No message accepted.</p>\n"
		    "</section>\n");
		return;
	}
	quantile_head(h, "", "messages");
	put(h, "<tr><th>Accepted messages</th>");
	quantile_cells(h, &st->size, false);
	putf(h,
	    "</tr>\n</tbody></table>\n<p class=\"note\">%s in all "
	    "(after dot-unstuffing).</p>\n<div class=\"grid2\">\n"
	    "<figure>\n<figcaption>Sizes of accepted messages"
	    "</figcaption>\n",
	    fmt_bytes_html((double)st->message_bytes).s);
	histogram(h, "histo-size", &st->size, false, COL_SIZE, "messages");
	put(h, "</figure>\n</div>\n</section>\n");
}

static void
sessions(struct html *h)
{
	static const struct {
		enum smtp_session_end e;
		const char *label;
	} ends[] = {
		{ SMTP_SESSION_END_FIN, "Closed (FIN)" },
		{ SMTP_SESSION_END_RST, "Reset (RST)" },
		{ SMTP_SESSION_END_TIMEOUT, "Idle too long, or evicted" },
		{ SMTP_SESSION_END_EOF, "Still open when the capture ended" },
		{ SMTP_SESSION_END_REUSED, "Taken over by a new SYN" },
	};
	const struct stats *st = h->st;
	int order[SMTP_VERB_COUNT], n = 0, i, j, tmp;
	size_t e;

	put(h,
	    "<section id=\"sessions\">\n<h2>Sessions and commands</h2>\n"
	    "<div class=\"grid2\">\n<div>\n<h3>How sessions ended</h3>\n");
	kv_open(h, "session-ends");
	for (e = 0; e < ARRAY_LEN(ends); e++)
		kv(h, ends[e].label, fmt_num(st->session_end[ends[e].e]).s,
		    fmt_pct(st->session_end[ends[e].e], st->sessions_closed).s,
		    false);
	kv_close(h);
	put(h, "<h3>Bytes</h3>\n");
	kv_open(h, "session-bytes");
	kv(h, "Client to server", fmt_num(st->bytes_client).s,
	    fmt_bytes_html((double)st->bytes_client).s, false);
	kv(h, "Server to client", fmt_num(st->bytes_server).s,
	    fmt_bytes_html((double)st->bytes_server).s, false);
	kv(h, "Message bodies accepted", fmt_num(st->message_bytes).s,
	    fmt_bytes_html((double)st->message_bytes).s, false);
	kv_close(h);
	put(h, "</div>\n<div>\n<h3>Commands</h3>\n");
	for (i = 0; i < SMTP_VERB_COUNT; i++)
		if (st->commands[i] > 0)
			order[n++] = i;
	/* By count, highest first: a handful of verbs. */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 &&
		     st->commands[order[j]] > st->commands[order[j - 1]];
		     j--) {
			tmp = order[j];
			order[j] = order[j - 1];
			order[j - 1] = tmp;
		}
	if (n == 0)
		put(h, "<p class=\"none\">No command seen.</p>\n");
	else {
		kv_open(h, "commands");
		for (i = 0; i < n; i++)
			kv(h, smtp_verb_name((enum smtp_verb)order[i]),
			    fmt_num(st->commands[order[i]]).s, "",
			    order[i] == SMTP_VERB_UNKNOWN);
		kv_close(h);
	}
	put(h, "</div>\n</div>\n</section>\n");
}

static const char *
recent_class(enum stats_recent_kind k)
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
		return "auth";
	}
	return "other";
}

/* A notable event's codes: the reply code, and the enhanced code its
 * text starts with (stats_recent keeps "ENH text"). */
static void
reason_codes_of_recent(
    const struct stats_recent *r, int *code, char *enh, size_t size)
{
	char key[sizeof(r->text) + 8];
	int ignored;

	*code = r->code;
	snprintf(key, sizeof(key), "000 %s", r->text);
	reason_codes(key, &ignored, enh, size);
}

static void
recent(struct html *h)
{
	const struct stats *st = h->st;
	const struct stats_recent *r;
	char enh[16];
	size_t i;
	int code;

	put(h, "<section id=\"recent\">\n<h2>Recent notable events</h2>\n");
	if (stats_recent_get(st, 0) == NULL) {
		put(h,
		    "<p class=\"none\">No rejection, deferral, bounce, lost "
		    "transaction or AUTH failure.</p>\n</section>\n");
		return;
	}
	put(h,
	    "<table class=\"recent\"><thead><tr><th>Time (UTC)</th>"
	    "<th>Event</th><th>Client &rarr; server</th><th>Sender</th>"
	    "<th>Recipient</th><th>Reply</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < RECENT_ROWS && (r = stats_recent_get(st, i)) != NULL;
	     i++) {
		putf(h,
		    "<tr><td class=\"n\">%s</td><td class=\"ev-%s\">%s</td>"
		    "<td class=\"key\">",
		    fmt_utc(r->ts, TF_FULL).s, recent_class(r->kind),
		    stats_recent_kind_name(r->kind));
		put_wire(h, r->client);
		put(h, " &rarr; ");
		put_wire(h, r->server);
		put(h, "</td><td class=\"key\">");
		if (r->kind == RECENT_AUTH_FAILURE && r->from[0] != '\0')
			put(h, "user ");
		put_wire(h, r->kind == RECENT_BOUNCE ? "<>" : r->from);
		put(h, "</td><td class=\"key\">");
		put_wire(h, r->rcpt);
		put(h, "</td><td class=\"key\">");
		if (r->code > 0)
			putf(h, "%d ", r->code);
		put_wire(h, r->text);
		reason_codes_of_recent(r, &code, enh, sizeof(enh));
		put_code_meanings(h, code, enh[0] ? enh : NULL);
		put(h, "</td></tr>\n");
	}
	putf(h,
	    "</tbody></table>\n<p class=\"note\">The last %s of %s "
	    "notable events.</p>\n</section>\n",
	    fmt_num(i).s, fmt_num(st->recent_total).s);
}

static const char *const anomaly_meaning[SMTP_ANOMALY_COUNT] = {
	[SMTP_ANOMALY_LINE_TOO_LONG] = "a line over the line cap",
	[SMTP_ANOMALY_UNSOLICITED_REPLY] = "a reply with no command pending",
	[SMTP_ANOMALY_BAD_REPLY] = "a reply line not starting with a code",
	[SMTP_ANOMALY_COMMAND_BEFORE_GREETING] = "a command before the banner",
	[SMTP_ANOMALY_DATA_AFTER_QUIT] = "bytes after QUIT",
	[SMTP_ANOMALY_PIPELINE_OVERFLOW] = "too many commands awaiting replies",
	[SMTP_ANOMALY_TOO_MANY_RECIPIENTS] = "recipients over the cap kept",
	[SMTP_ANOMALY_BODY_BEFORE_354] = "the message before the 354",
	[SMTP_ANOMALY_BAD_BDAT] = "a malformed BDAT",
	[SMTP_ANOMALY_NON_SMTP] = "not SMTP",
	[SMTP_ANOMALY_NO_REPLY] = "a command never answered",
	[SMTP_ANOMALY_GAP] = "stream bytes never captured",
	[SMTP_ANOMALY_NOT_TLS] = "plain text where TLS was due",
	[SMTP_ANOMALY_UNKNOWN_COMMAND] = "a verb not in the command table",
	[SMTP_ANOMALY_HEADERS_TRUNCATED] = "message headers over their caps",
	[SMTP_ANOMALY_REPLY_CODE_MISMATCH] =
	    "a multi-line reply whose lines carry different codes",
	[SMTP_ANOMALY_LMTP_ON_PORT_25] =
	    "LMTP on port 25 (RFC 2033 forbids it)",
	[SMTP_ANOMALY_SUBMISSION_NO_AUTH] =
	    "a transaction on 587 or 465 without successful AUTH",
	[SMTP_ANOMALY_CLEARTEXT_AUTH] = "AUTH PLAIN or LOGIN without TLS",
	[SMTP_ANOMALY_REPLY_LOST] =
	    "a reply never seen: its command's effect was assumed",
	[SMTP_ANOMALY_OVERLAP_CONFLICT] =
	    "overlapping fragments or segments with other bytes",
	[SMTP_ANOMALY_RST_IN_WINDOW] =
	    "a RST not at the expected sequence number: ignored",
	[SMTP_ANOMALY_SYN_ON_ESTABLISHED] =
	    "a SYN on an open connection the server did not take up",
	[SMTP_ANOMALY_CLOCK_JUMP] =
	    "the capture's clock jumped by over 60 s while it was open",
	[SMTP_ANOMALY_TIMESTAMP_REPLACED] =
	    "a packet's timestamp before 1970 or after 9999: replaced",
};

static void
health(struct html *h)
{
	const struct stats *st = h->st;
	const struct reasm_stats *rs = h->ri->rs;
	const struct capture_stats *cs = h->ri->cs;
	const char *name;
	char note[96];
	int i, any;

	put(h,
	    "<section id=\"health\">\n<h2>Capture health</h2>\n"
	    "<div class=\"grid2\">\n<div>\n<h3>Packets and streams</h3>\n");
	kv_open(h, "capture");
	if (cs != NULL) {
		if (cs->live) {
			kv_num(h, "Dropped by the kernel", cs->pcap_drops,
			    "packets never seen", true);
			kv_num(h, "Dropped by the interface", cs->pcap_ifdrops,
			    "", true);
		} else {
			kv(h, "Dropped by the kernel", "n/a", "reading a file",
			    false);
			kv_num(h, "Files read", cs->files_read, "", false);
		}
		if (cs->timestamps_replaced > 0)
			kv_num(h, "Timestamps before 1970 or after 9999",
			    cs->timestamps_replaced,
			    "each took the previous packet's time", true);
		kv(h, "Input damaged", cs->damaged ? "yes" : "no",
		    cs->damaged ? "figures cover what was read" : "",
		    cs->damaged);
	}
	/* Records an output could not write (a full disk); keys are
	 * ours: nothing to escape. */
	for (i = 0; i < (int)h->ri->noutputs; i++)
		if (h->ri->outputs[i].not_written > 0) {
			snprintf(note, sizeof(note), "Records not written (%s)",
			    h->ri->outputs[i].key);
			kv_num(h, note, h->ri->outputs[i].not_written,
			    "write errors: a full disk, a quota", true);
		}
	if (rs != NULL) {
		kv_num(h, "Packets read", rs->packets, "", false);
		kv(h, "Bytes read", fmt_num(rs->bytes).s,
		    fmt_bytes_html((double)rs->bytes).s, false);
		kv_num(
		    h, "TCP packets on mail ports", rs->tcp_packets, "", false);
		kv_num(h, "IPv6 packets", rs->ipv6_packets, "", false);
		kv_num(h, "Handshakes on mail ports", rs->sessions, "", false);
		kv_num(h, "Connections without handshake", rs->no_handshake,
		    "not followed", true);
		kv_num(h, "Holes in streams (gaps)", rs->gaps, "", true);
		kv(h, "Bytes never captured", fmt_num(rs->gap_bytes).s,
		    fmt_bytes_html((double)rs->gap_bytes).s, rs->gap_bytes > 0);
		kv_num(h, "Cut by the snap length", rs->snap_cut,
		    rs->snap_cut ? "their lost bytes are gaps" : "", true);
		kv_num(
		    h, "4-tuples reused by a new SYN", rs->reused, "", false);
		kv_num(h, "Sessions expired idle", rs->idle_expired, "", false);
		if (rs->clock_jumps > 0) {
			char j[64];

			snprintf(j, sizeof(j),
			    "at most %.0f s; not counted idle",
			    rs->clock_jump_max);
			kv_num(h, "Capture clock jumps over 60 s",
			    rs->clock_jumps, j, true);
		}
		kv(h, "Most sessions open at once",
		    fmt_num((uint64_t)rs->active_max).s, "", false);
		kv_num(h, "Sessions evicted at --max-sessions",
		    rs->sessions_evicted, "", true);
		kv_num(h, "Sessions evicted by the memory budget",
		    rs->sessions_evicted_memory, "", true);
		kv_num(h, "Frames that were not IP", rs->not_ip, "", false);
		kv_num(h, "Cut inside a header", rs->truncated, "", true);
		kv_num(h, "Bad IP or TCP headers", rs->bad_header, "", true);
		kv_num(h, "Other TCP or UDP traffic", rs->other_ports,
		    "not followed", false);
		kv_num(h, "Bad IPv4 header sums passed on",
		    rs->ip_checksum_fixed, "", false);
		kv_num(
		    h, "Dropped for bad checksums", rs->bad_checksum, "", true);
		kv_num(h, "Class E addresses (not followed)", rs->class_e, "",
		    true);
		kv_num(h, "IPv6 table full", rs->v6_table_full, "", true);
	}
	kv_close(h);
	put(h, "</div>\n<div>\n<h3>libnids warnings</h3>\n");
	if (rs == NULL || rs->nids_warnings == 0)
		put(h, "<p class=\"none\">None.</p>\n");
	else {
		kv_open(h, "nids-warnings");
		kv_num(h, "All warnings", rs->nids_warnings, "", true);
		for (i = 0; i < REASM_NIDS_WARN_MAX; i++) {
			name = reasm_nids_warning_name(i);
			if (name != NULL && rs->nids_warning[i] > 0)
				kv_num(h, name, rs->nids_warning[i], "", true);
		}
		kv_close(h);
	}
	put(h, "<h3>Protocol anomalies</h3>\n");
	for (i = 0, any = 0; i < SMTP_ANOMALY_COUNT; i++)
		any += st->anomaly[i] > 0;
	if (!any)
		put(h, "<p class=\"none\">None.</p>\n");
	else {
		kv_open(h, "anomalies");
		for (i = 0; i < SMTP_ANOMALY_COUNT; i++) {
			if (st->anomaly[i] == 0)
				continue;
			snprintf(note, sizeof(note), "%s",
			    anomaly_meaning[i] != NULL ? anomaly_meaning[i]
						       : "");
			kv_num(h, smtp_anomaly_name((enum smtp_anomaly)i),
			    st->anomaly[i], note, true);
		}
		kv_close(h);
	}
	put(h, "</div>\n</div>\n</section>\n");
}

/* The counters plugins registered (names are [a-z0-9_-]; the help text
 * is the plugin's and is escaped). */
static void
plugins_section(struct html *h)
{
	const struct report_info *ri = h->ri;
	size_t k;

	if (ri->ncounters == 0)
		return;
	put(h, "<section id=\"plugins\">\n<h2>Plugins</h2>\n");
	for (k = 0; k < ri->ncounters; k++) {
		const struct report_counter *rc = &ri->counters[k];

		if (counter_starts_plugin(ri, k)) {
			if (k > 0)
				kv_close(h);
			put(h, "<h3>");
			put_wire(h, rc->plugin);
			put(h, "</h3>\n");
			putf(h,
			    "<table class=\"kv\" id=\"plugin-%s\"><tbody>\n",
			    rc->plugin);
		}
		putf(h,
		    "<tr><th>%s</th><td class=\"n\">%s</td>"
		    "<td class=\"note\">",
		    rc->name, fmt_num(*rc->value).s);
		put_wire(h, rc->help);
		put(h, "</td></tr>\n");
	}
	kv_close(h);
	put(h, "</section>\n");
}

static void
page_foot(struct html *h)
{
	put(h, "<footer>Written by smtpscope ");
	put_wire(h, h->ri->version);
	putf(h,
	    " at %s UTC from passive observation of the wire: what the "
	    "packets showed, not the servers' logs. Counts in the top tables "
	    "are exact unless marked &#177;.</footer>\n</div>\n</body>\n"
	    "</html>\n",
	    fmt_utc(h->ri->wall_now, TF_FULL).s);
}

int
report_html(FILE *f, const struct stats *st, const struct report_info *ri)
{
	struct html h;

	h.f = f;
	h.st = st;
	h.ri = ri;
	page_head(&h);
	page_header(&h);
	overview(&h);
	security(&h);
	protocol(&h);
	over_time(&h);
	reply_codes(&h);
	reasons(&h);
	who(&h);
	tls_auth(&h);
	latency(&h);
	sizes(&h);
	sessions(&h);
	recent(&h);
	health(&h);
	plugins_section(&h);
	page_foot(&h);
	if (fflush(f) != 0)
		return -1;
	return ferror(f) ? -1 : 0;
}
