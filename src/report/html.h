/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HTML report's insides, shared by its sections (html.c), the page
 * around them (html_page.c: head, stylesheet, header, footer), the parts
 * they are built of (html_parts.c: escaping, cards, key-value and top
 * tables) and the charts (svg.c). Not for use outside src/report/.
 */
#ifndef SMTPSCOPE_REPORT_HTML_H
#define SMTPSCOPE_REPORT_HTML_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report/format.h"
#include "report/report.h"

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

/* The page being written and what it reports. */
struct html {
	FILE *f;
	const struct stats *st;
	const struct report_info *ri;
};

static inline void put(struct html *h, const char *s);
static inline void putf(struct html *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Our own markup and text, as is. */
static inline void
put(struct html *h, const char *s)
{
	fputs(s, h->f);
}

static inline void
putf(struct html *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(h->f, fmt, ap);
	va_end(ap);
}

/* An SVG coordinate, or a length in CSS pixels. */
static inline struct numstr
co(double v)
{
	return fmt_trimmed(v, 1);
}

/* html_page.c: the page around the sections. */
void html_page_head(struct html *h);
void html_page_header(struct html *h);
void html_page_foot(struct html *h);

/* html_parts.c */
void html_put_wire(struct html *h, const char *s);
void html_card(struct html *h, const char *id, const char *cls,
    const char *label, uint64_t v, const char *sub);
void html_warn_card(struct html *h, const char *id, const char *label,
    uint64_t v, const char *sub);
void html_kv_open(struct html *h, const char *id);
void html_kv_close(struct html *h);
void html_kv(struct html *h, const char *label, const char *value,
    const char *note, bool warn);
void html_kv_num(
    struct html *h, const char *label, uint64_t v, const char *note, bool warn);

/* What a top table's rows may say besides key and count. */
enum top_meaning {
	TOP_PLAIN,
	TOP_ENHANCED, /* keys are enhanced status codes */
	TOP_REASON,   /* keys start with a reply code */
};
void html_top_table(struct html *h, const char *id, const char *title,
    const struct topn *t, const char *keyname, const char *what, size_t rows,
    enum top_meaning m);
void html_code_meanings(struct html *h, int code, const char *enh);
void reason_key_codes(const char *key, int *code, char *enh, size_t size);

/* svg.c: the charts, each a <figure> (the histogram an <svg> alone). */
void svg_outcome_bar(struct html *h);

/* What the chart over time showed, for the note under it. */
struct time_chart {
	int64_t unit;  /* seconds a slot: 1, 60, or the timeline's bucket */
	int64_t span;  /* slots of traffic, before padding or cutting */
	bool cut;      /* only the last SERIES_MINUTES shown */
	uint64_t ymax; /* the most transactions ended in one slot */
};
void svg_over_time(struct html *h, struct time_chart *tc);
/* "second", "minute", "5 minutes", "week"...: a chart's bucket. */
const char *time_unit_words(int64_t unit);
/* The replies by class and the most frequent codes; max is the largest
 * class. */
void svg_replies(struct html *h, uint64_t max);
void svg_histogram(struct html *h, const char *id, const struct histo *hi,
    bool seconds, const char *color, const char *counted);

/* html_trouble.c: who, where and when. */
void html_breakdown(struct html *h);
void html_reasons_who(struct html *h);
void html_auth_users(struct html *h);
void html_time_tables(struct html *h);

#endif
