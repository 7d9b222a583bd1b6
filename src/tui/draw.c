/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The dashboard's drawing primitives (draw.h). Text reaches the screen
 * only through put(): clipped at the edge, wire text escaped before.
 */
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "tui/draw.h"

#include "report/format.h"

static const struct {
	short fg, bg; /* a colour pair (bg -1: the terminal's), or fg -1 */
	attr_t with;  /* with colours */
	attr_t plain; /* without */
} paints[P_COUNT] = {
	[P_NORMAL] = { -1, -1, A_NORMAL, A_NORMAL },
	[P_TITLE] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[P_HEAD] = { COLOR_CYAN, -1, A_BOLD, A_BOLD },
	[P_GOOD] = { COLOR_GREEN, -1, A_NORMAL, A_NORMAL },
	[P_BAD] = { COLOR_RED, -1, A_BOLD, A_BOLD },
	[P_WARN] = { COLOR_YELLOW, -1, A_NORMAL, A_UNDERLINE },
	[P_DIM] = { -1, -1, A_DIM, A_NORMAL },
	[P_SELECT] = { -1, -1, A_REVERSE, A_REVERSE },
	[P_FLAG] = { COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_REVERSE | A_BOLD },
	/* Cut off: neither a refusal nor a success. */
	[P_LOST] = { COLOR_MAGENTA, -1, A_NORMAL, A_NORMAL },
};

/* The colour pairs, one a paint (after start_color()). */
void
paints_init(void)
{
	short bg = -1;
	int i;

	if (use_default_colors() != OK)
		bg = COLOR_BLACK;
	for (i = 0; i < P_COUNT; i++)
		if (paints[i].fg >= 0)
			init_pair((short)i, paints[i].fg,
			    paints[i].bg >= 0 ? paints[i].bg : bg);
}

void
paint(const struct tui *t, enum paint p)
{
	attr_t a = t->color ? paints[p].with : paints[p].plain;

	if (t->color && paints[p].fg >= 0)
		a |= COLOR_PAIR((int)p);
	attrset((int)a);
}

/*
 * The next character of s (n bytes): its length in *len and its
 * columns, or -1 when it is not to be drawn as is (a control, invalid
 * UTF-8, what the locale cannot show): then it is drawn as '?'.
 */
int
char_cells(const struct tui *t, const char *s, size_t n, size_t *len)
{
	const uint8_t *p = (const uint8_t *)s;
	mbstate_t mbs;
	wchar_t wc;
	int cw = -1;

	if (p[0] < 0x80) {
		*len = 1;
		return p[0] >= 0x20 && p[0] < 0x7f ? 1 : -1;
	}
	if ((*len = utf8_seq_len(p, n)) == 0) {
		*len = 1;
		return -1;
	}
	if (t->utf8) {
		memset(&mbs, 0, sizeof(mbs));
		if (mbrtowc(&wc, s, *len, &mbs) == *len)
			cw = wcwidth(wc);
	}
	return cw >= 1 ? cw : -1;
}

/*
 * Draws s at (y, x): at most w columns, and never past the right edge
 * (addstr would wrap). s is our own text or text_append_escaped()
 * output: printable ASCII and valid UTF-8; anything else, and what the
 * locale cannot show, becomes '?'. Returns the columns used.
 */
int
put(const struct tui *t, int y, int x, int w, const char *s)
{
	size_t n = strlen(s), i = 0, len;
	int used = 0, cw;

	if (y < 0 || y >= LINES || x < 0 || x >= COLS)
		return 0;
	if (w > COLS - x)
		w = COLS - x;
	move(y, x);
	while (i < n && used < w) {
		cw = char_cells(t, s + i, n - i, &len);
		if (cw < 0) {
			addch('?');
			used++;
		} else if (used + cw > w) {
			break;
		} else if (len == 1) {
			addch((chtype)(unsigned char)s[i]);
			used += cw;
		} else {
			addnstr(s + i, (int)len);
			used += cw;
		}
		i += len;
	}
	return used;
}

void
pen_at(struct pen *p, const struct tui *t, int y, int x)
{
	p->t = t;
	p->y = y;
	p->x = x;
	p->end = COLS;
}

void
pen_put(struct pen *p, enum paint a, const char *s)
{
	if (p->x >= p->end || p->y < 0)
		return;
	paint(p->t, a);
	p->x += put(p->t, p->y, p->x, p->end - p->x, s);
	paint(p->t, P_NORMAL);
}

/* Own ASCII text (a meaning from event/codes.c) to the end of the pen:
 * when it does not fit, cut with an ellipsis in the last column. */
void
pen_clipped(struct pen *p, enum paint a, const char *s)
{
	char buf[256];
	int room = p->end - p->x;
	size_t n = strlen(s);

	if (room <= 0)
		return;
	if (n <= (size_t)room || room < 2 || (size_t)room > sizeof(buf)) {
		pen_put(p, a, s);
		return;
	}
	memcpy(buf, s, (size_t)room - 1);
	buf[room - 1] = '\0';
	pen_put(p, a, buf);
	pen_put(p, a, p->t->utf8 ? "\u2026" : "~");
}

/* Our own text only: wire text goes through escape_into() first. */
void
pen_printf(struct pen *p, enum paint a, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pen_put(p, a, buf);
}

/* Wire text, escaped, at most w columns (0: to the end). */
void
pen_wire(struct pen *p, enum paint a, const char *raw, int w)
{
	char buf[1024];
	int end = p->end;

	escape_into(buf, sizeof(buf), raw, strlen(raw));
	if (w > 0 && p->x + w < p->end)
		p->end = p->x + w;
	pen_put(p, a, buf);
	p->end = end;
}

/* A row of the screen filled with one attribute. */
void
fill_row(const struct tui *t, int y, enum paint a)
{
	paint(t, a);
	mvhline(y, 0, ' ', COLS);
	paint(t, P_NORMAL);
}

const char *
glyph_bar(const struct tui *t)
{
	return t->utf8 ? "\u2588" : "#";
}

const char *
glyph_arrow(const struct tui *t)
{
	return t->utf8 ? " \u2192 " : " -> ";
}

void
bar(const struct tui *t, struct pen *p, enum paint a, int w, double frac)
{
	int n = (int)(frac * w + 0.5), i;

	if (frac > 0 && n == 0)
		n = 1;
	for (i = 0; i < n && p->x < p->end; i++)
		pen_put(p, a, glyph_bar(t));
}

/* The screen row of the canvas's next line; -1 when out of sight. */
int
cv_next(struct canvas *c)
{
	int l = c->line++;

	if (l < c->scroll || l >= c->scroll + c->rows)
		return -1;
	return c->top + l - c->scroll;
}

void
fmt_hms(double sec, char *buf, size_t size)
{
	unsigned long s = sec > 0 ? (unsigned long)sec : 0;

	snprintf(buf, size, "%02lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
}

/* A time of day, in UTC or, after z or --localtime, local time. */
void
fmt_clock(const struct tui *t, double ts, char *buf, size_t size)
{
	struct numstr u;
	time_t tt;
	struct tm tm;

	if (!t->localtime) {
		u = fmt_utc(ts, TF_CLOCK);
		snprintf(
		    buf, size, "%s", strcmp(u.s, "-") != 0 ? u.s : "--:--:--");
		return;
	}
	tt = (time_t)whole_seconds(ts);
	if (ts <= 0 || localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%H:%M:%S", &tm) == 0)
		snprintf(buf, size, "--:--:--");
}

/* The zone of the clocks shown: "UTC", or the local zone's name. */
const char *
clock_zone(const struct tui *t, char *buf, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;

	if (!t->localtime)
		return "UTC";
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(buf, size, "%Z", &tm) == 0)
		snprintf(buf, size, "local time");
	return buf;
}

/* A new line, its head at the left, the items from column indent (or
 * after the head, when it is longer). */
void
flow_start_at(struct flow *f, const struct tui *t, struct canvas *c,
    const char *head, int indent)
{
	int x;

	f->t = t;
	f->c = c;
	f->indent = indent;
	pen_at(&f->p, t, cv_next(c), 1);
	pen_put(&f->p, P_HEAD, head);
	x = 1 + (int)strlen(head);
	f->p.x = x + 1 > indent ? x + 1 : indent;
}

void
flow_start(
    struct flow *f, const struct tui *t, struct canvas *c, const char *head)
{
	flow_start_at(f, t, c, head, 11);
}

/* One item, two spaces after the one before it on the line. */
void
flow_item(struct flow *f, enum paint a, const char *fmt, ...)
{
	char buf[160];
	va_list ap;
	int n, y, at;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	n = (int)strlen(buf);
	at = f->p.x > f->indent ? f->p.x + 2 : f->p.x;
	if (at > f->indent && at + n > COLS - 1) {
		y = cv_next(f->c);
		pen_at(&f->p, f->t, y, f->indent);
		at = f->indent;
	}
	/* Laid out the same whether the line is in sight or not, so that
	 * the canvas counts the same lines at any scroll. */
	f->p.x = at;
	pen_put(&f->p, a, buf);
	f->p.x = at + n;
}

/* A reply code's colour, by its class. */
enum paint
code_paint(int code)
{
	return code >= 500 ? P_BAD : code >= 400 ? P_WARN : P_NORMAL;
}

/* A count that wants a look when it is not zero. */
enum paint
nonzero(uint64_t v, enum paint a)
{
	return v > 0 ? a : P_NORMAL;
}

/*
 * A notable event's colour: its outcome, in DESIGN.md's words. A
 * bounce (the null sender) is no error: the colour of the reply it got
 * (accepted green, refused red, deferred yellow), plain without one.
 */
enum paint
recent_paint(const struct stats_recent *r)
{
	switch (r->kind) {
	case RECENT_BOUNCE:
		return r->code >= 500 ? P_BAD
		    : r->code >= 400  ? P_WARN
		    : r->code >= 200  ? P_GOOD
				      : P_NORMAL;
	case RECENT_REJECT:
		return P_BAD;
	case RECENT_LOST:
		return P_LOST;
	default:
		return P_WARN;
	}
}
