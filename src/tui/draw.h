/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The dashboard's drawing: paints (colours, or attributes without),
 * text clipped at the edge and never wrapped, a pen that writes a row
 * left to right, the canvas of a view's virtual lines, items that flow
 * onto the next line, and the formats of times and sizes.
 */
#ifndef SMTPSCOPE_TUI_DRAW_H
#define SMTPSCOPE_TUI_DRAW_H

#include <inttypes.h>
#include <stdint.h>

#include "sinks/stats.h"
#include "tui/model.h"

/* What the drawing asks for; the colours or, without, attributes. */
enum paint {
	P_NORMAL,
	P_TITLE,
	P_HEAD,
	P_GOOD,
	P_BAD,
	P_WARN,
	P_DIM,
	P_SELECT,
	P_FLAG,
	P_LOST,
	P_COUNT
};

/* A row being written left to right. */
struct pen {
	const struct tui *t;
	int y, x, end;
};

/*
 * Virtual lines of a view: the view writes them all, the canvas says
 * which screen row each one lands on (-1: scrolled away), and counts
 * them so that the scroll can be held in range.
 */
struct canvas {
	int top, rows, scroll, line;
};

/*
 * Items on a line of a view that go on to the next line, under the
 * first item, when the next does not fit: no item is cut or wraps into
 * another column. Own text only (ASCII: a byte is a column).
 */
struct flow {
	const struct tui *t;
	struct canvas *c;
	struct pen p;
	int indent;
};

void paints_init(void);
void paint(const struct tui *t, enum paint p);
int char_cells(const struct tui *t, const char *s, size_t n, size_t *len);
int put(const struct tui *t, int y, int x, int w, const char *s);
void fill_row(const struct tui *t, int y, enum paint a);
const char *glyph_bar(const struct tui *t);
const char *glyph_arrow(const struct tui *t);

void pen_at(struct pen *p, const struct tui *t, int y, int x);
void pen_put(struct pen *p, enum paint a, const char *s);
void pen_clipped(struct pen *p, enum paint a, const char *s);
void pen_printf(struct pen *p, enum paint a, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void pen_wire(struct pen *p, enum paint a, const char *raw, int w);
void bar(const struct tui *t, struct pen *p, enum paint a, int w, double frac);

int cv_next(struct canvas *c);

void flow_start_at(struct flow *f, const struct tui *t, struct canvas *c,
    const char *head, int indent);
void flow_start(
    struct flow *f, const struct tui *t, struct canvas *c, const char *head);
void flow_item(struct flow *f, enum paint a, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void fmt_hms(double sec, char *buf, size_t size);
void fmt_clock(const struct tui *t, double ts, char *buf, size_t size);
const char *clock_zone(const struct tui *t, char *buf, size_t size);

enum paint code_paint(int code);
enum paint nonzero(uint64_t v, enum paint a);
enum paint recent_paint(const struct stats_recent *r);

#endif
