/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The dashboard. Collection and drawing stay apart: tui_on_event() only
 * records (the recent sessions and their transcripts, bounded), and
 * tui_tick() only reads (the statistics store, that session list) and
 * draws, on a tick or at once after a key. Each frame is drawn whole
 * into curses' virtual screen and doupdate() sends only the cells that
 * changed. Keys are bound to actions in one table, which is also the
 * help screen. The terminal is given back on every way out: tui_close,
 * exit (atexit) and the fatal signals.
 */
#include "tui.h"

#include <curses.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "sessmap.h"
#include "smtp/codes.h"
#include "transcript.h"
#include "util.h"

/* Named limits: what the dashboard keeps, and how often it draws. */
#define TUI_SESSIONS_MAX 500           /* sessions kept for the list */
#define TUI_TRANSCRIPT_MAX (64u << 10) /* transcript bytes per session */
#define TUI_TRANSCRIPT_LINE_ROOM 1024  /* kept free for the last lines */
#define TUI_HELO_MAX 80                /* bytes of a HELO kept, escaped */
#define TUI_ENVELOPE_MAX 512           /* envelope addresses kept for / */
#define TUI_FILTER_MAX 64              /* bytes of the / filter */
#define TUI_FRAME_MS 250               /* a frame this often */
#define TUI_PAUSE_POLL_MS 100          /* key wait while a replay pauses */
#define TUI_KEYS_PER_TICK 64           /* keys handled in one call */
#define TUI_TOP_ROWS 20                /* entries shown per top table */
#define TUI_NOTICE_SEC 3.0             /* a notice stays this long */
#define TUI_MIN_COLS 40                /* smaller: "too small" */
#define TUI_MIN_LINES 10

/* One session of the list, with its transcript. */
struct tsess {
	uint64_t id;
	struct tsess *older, *newer;          /* in opening order */
	char client[ENDPOINT_ADDRSTRLEN + 8]; /* "addr:port", ours */
	char server[ENDPOINT_ADDRSTRLEN + 8];
	char helo[TUI_HELO_MAX];         /* escaped */
	char envelope[TUI_ENVELOPE_MAX]; /* escaped addresses, for / */
	double t0;                       /* opening: transcript times */
	unsigned transactions;
	unsigned outcome[SMTP_OUTCOME_COUNT];
	bool open;
	struct dbuf text; /* the transcript, TUI_TRANSCRIPT_MAX at most */
	unsigned dropped; /* lines past the cap */
};

enum view {
	VIEW_OVERVIEW,
	VIEW_TOP,
	VIEW_EVENTS,
	VIEW_SESSIONS,
	VIEW_LATENCY,
	VIEW_CODES,
	VIEW_COUNT
};

static const struct {
	const char *label; /* in the tab bar */
	const char *title; /* the view's own title line */
	unsigned sorts;    /* orders 's' cycles through */
	const char *sort[4];
} views[VIEW_COUNT] = {
	{ "Overview", "Overview", 1, { "" } },
	{ "Top", "Top tables", 2, { "by count", "by name" } },
	{ "Events", "Recent events", 3,
	    { "newest first", "oldest first", "by code" } },
	{ "Sessions", "Sessions", 4,
	    { "newest first", "oldest first", "most transactions",
		"by client" } },
	{ "Latency/TLS", "Latencies, TLS and AUTH", 1, { "" } },
	{ "Codes", "Reply codes and what they mean", 2,
	    { "by count", "by code" } },
};

/* What a key does. */
enum act {
	ACT_QUIT,
	ACT_BACK,
	ACT_PAUSE,
	ACT_VIEW_NEXT,
	ACT_VIEW_PREV,
	ACT_VIEW_1,
	ACT_VIEW_2,
	ACT_VIEW_3,
	ACT_VIEW_4,
	ACT_VIEW_5,
	ACT_VIEW_6,
	ACT_UP,
	ACT_DOWN,
	ACT_PAGE_UP,
	ACT_PAGE_DOWN,
	ACT_HOME,
	ACT_END,
	ACT_OPEN,
	ACT_FILTER,
	ACT_SORT,
	ACT_RESET,
	ACT_HELP,
	ACT_REDRAW,
	ACT_RESIZE,
};

#define KEY_ESCAPE 27
#define KEY_CTRL(c) ((c)&0x1f)

/*
 * The key table: every key the dashboard knows, its action and its line
 * in the help. A row without help is another key for the action of the
 * row above it with help (the help lists it beside that one).
 */
static const struct binding {
	int key;
	const char *name; /* in the help; NULL: not listed */
	enum act act;
	const char *help;
	const char *hint; /* in the status line, after the name */
} bindings[] = {
	{ 'q', "q", ACT_QUIT, "quit (in a transcript or this help: back)",
	    "quit" },
	{ KEY_ESCAPE, "Esc", ACT_BACK,
	    "back from a transcript or this help; else clear the filter",
	    NULL },
	{ 'p', "p", ACT_PAUSE, "pause: a replay waits, a live display freezes",
	    "pause" },
	{ '\t', "Tab", ACT_VIEW_NEXT, "next view", "1-6 views" },
	{ KEY_BTAB, "S-Tab", ACT_VIEW_PREV, "previous view", NULL },
	{ '1', "1", ACT_VIEW_1, "overview", NULL },
	{ '2', "2", ACT_VIEW_2,
	    "top tables: servers, clients, domains, reasons", NULL },
	{ '3', "3", ACT_VIEW_3,
	    "recent events: rejects, tempfails, bounces, lost, AUTH failures",
	    NULL },
	{ '4', "4", ACT_VIEW_4, "sessions (Enter: the transcript)", NULL },
	{ '5', "5", ACT_VIEW_5,
	    "latencies, TLS, AUTH, protocol details, capture health", NULL },
	{ '6', "6", ACT_VIEW_6,
	    "reply codes and enhanced status codes, with their meanings",
	    NULL },
	{ KEY_UP, "Up", ACT_UP, "scroll up, or the session above", NULL },
	{ 'k', "k", ACT_UP, NULL, NULL },
	{ KEY_DOWN, "Down", ACT_DOWN, "scroll down, or the session below",
	    NULL },
	{ 'j', "j", ACT_DOWN, NULL, NULL },
	{ KEY_PPAGE, "PgUp", ACT_PAGE_UP, "a page up", NULL },
	{ KEY_NPAGE, "PgDn", ACT_PAGE_DOWN, "a page down", NULL },
	{ ' ', "Space", ACT_PAGE_DOWN, NULL, NULL },
	{ KEY_HOME, "Home", ACT_HOME, "the top", NULL },
	{ 'g', "g", ACT_HOME, NULL, NULL },
	{ KEY_END, "End", ACT_END, "the bottom", NULL },
	{ 'G', "G", ACT_END, NULL, NULL },
	{ '\r', "Enter", ACT_OPEN, "open the selected session's transcript",
	    "open" },
	{ '\n', NULL, ACT_OPEN, NULL, NULL },
	{ KEY_ENTER, NULL, ACT_OPEN, NULL, NULL },
	{ '/', "/", ACT_FILTER,
	    "filter sessions and events by address or domain", "filter" },
	{ 's', "s", ACT_SORT, "change the order of the current table", "sort" },
	{ 'r', "r", ACT_RESET, "reset the counters", "reset" },
	{ 'h', "h", ACT_HELP, "this help", "help" },
	{ '?', "?", ACT_HELP, NULL, NULL },
	{ KEY_CTRL('l'), "^L", ACT_REDRAW, "redraw the screen", NULL },
	{ KEY_RESIZE, NULL, ACT_RESIZE, NULL, NULL },
};

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

struct tui {
	struct tui_options o;
	SCREEN *scr;
	FILE *tty_in; /* /dev/tty when stdin is not the terminal */
	bool color, utf8;

	/* Collected from the events. */
	struct sessmap byid;
	struct tsess *oldest, *newest;
	size_t nsess;
	uint64_t sessions_seen, sessions_evicted;

	/* What is shown. */
	enum view view;
	bool help, transcript, prompt, paused, dirty;
	uint64_t transcript_id;
	int scroll[VIEW_COUNT];
	int help_scroll, transcript_scroll;
	unsigned sort[VIEW_COUNT];
	uint64_t sel_id; /* the selected session */
	int sel;         /* and its row, when it goes away */
	int page;        /* rows of the last body drawn */
	char filter[TUI_FILTER_MAX];
	char filter_before[TUI_FILTER_MAX]; /* Esc in the prompt */
	char notice[256];
	double notice_until;
	struct tsess *list[TUI_SESSIONS_MAX];

	/* A live run paused: the figures as they were. */
	struct stats *frozen;
	struct reasm_stats frozen_rs;
	struct capture_stats frozen_cs;

	/* Frames and rates. */
	double next_frame;
	unsigned long frames;
	bool rate_valid;
	double rate_elapsed, pps, mbps;
	uint64_t rate_packets, rate_bytes;
};

/*
 * The terminal, for the ways out that cannot call curses: the fatal
 * signal handlers write these bytes and restore these modes (both
 * async-signal-safe), then let the signal do what it did before.
 */
static struct tui *the_tui;
static volatile sig_atomic_t curses_on;
static struct termios tty_saved;
static bool tty_saved_ok;
static char restore_seq[256];
static size_t restore_len;
static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGABRT, SIGILL };
static struct sigaction fatal_old[ARRAY_LEN(fatal_signals)];
static bool atexit_done;

static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the terminal ---- */

static void
fatal_signal(int sig)
{
	ssize_t n;
	size_t i;

	if (curses_on) {
		curses_on = 0;
		n = write(STDOUT_FILENO, restore_seq, restore_len);
		(void)n;
		if (tty_saved_ok)
			tcsetattr(STDOUT_FILENO, TCSANOW, &tty_saved);
	}
	/* Again with what was there before (the default, or a sanitizer's
	 * report): raised now, delivered when this handler returns. */
	for (i = 0; i < ARRAY_LEN(fatal_signals); i++)
		if (fatal_signals[i] == sig)
			sigaction(sig, &fatal_old[i], NULL);
	raise(sig);
}

static void
restore_add(const char *cap)
{
	const char *s = tigetstr(cap);
	size_t i;

	if (s == NULL || s == (const char *)-1)
		return;
	for (i = 0; s[i] != '\0'; i++) {
		/* Padding ("$<5>") is for curses' timing, not the terminal. */
		if (s[i] == '$' && s[i + 1] == '<' && strchr(s + i, '>')) {
			i = (size_t)(strchr(s + i, '>') - s);
			continue;
		}
		if (restore_len + 1 < sizeof(restore_seq))
			restore_seq[restore_len++] = s[i];
	}
}

static void
signals_catch(void)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fatal_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_LEN(fatal_signals); i++)
		sigaction(fatal_signals[i], &sa, &fatal_old[i]);
}

static void
signals_release(void)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(fatal_signals); i++)
		sigaction(fatal_signals[i], &fatal_old[i], NULL);
}

static void
terminal_restore(void)
{
	if (!curses_on)
		return;
	curses_on = 0;
	endwin();
}

static void
at_exit(void)
{
	if (the_tui != NULL)
		terminal_restore();
}

/* ---- collection: the event sink ---- */

static void
endpoint_text(const struct smtp_endpoint *ep, char *buf, size_t size)
{
	char a[ENDPOINT_ADDRSTRLEN];

	endpoint_addr_str(ep, a, sizeof(a));
	snprintf(buf, size, ep->family == 6 ? "[%s]:%u" : "%s:%u", a, ep->port);
}

/* Wire text, escaped, into a fixed buffer; cut on a character. */
static void
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

	if (t == NULL || t != the_tui || si == NULL)
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

/* ---- drawing helpers ---- */

static void
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
static int
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
static int
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

/* A row being written left to right. */
struct pen {
	const struct tui *t;
	int y, x, end;
};

static void
pen_at(struct pen *p, const struct tui *t, int y, int x)
{
	p->t = t;
	p->y = y;
	p->x = x;
	p->end = COLS;
}

static void
pen_put(struct pen *p, enum paint a, const char *s)
{
	if (p->x >= p->end || p->y < 0)
		return;
	paint(p->t, a);
	p->x += put(p->t, p->y, p->x, p->end - p->x, s);
	paint(p->t, P_NORMAL);
}

/* Own ASCII text (a meaning from smtp/codes.c) to the end of the pen:
 * when it does not fit, cut with an ellipsis in the last column. */
static void
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

static void pen_printf(struct pen *p, enum paint a, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Our own text only: wire text goes through escape_into() first. */
static void
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
static void
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
static void
fill_row(const struct tui *t, int y, enum paint a)
{
	paint(t, a);
	mvhline(y, 0, ' ', COLS);
	paint(t, P_NORMAL);
}

static const char *
glyph_bar(const struct tui *t)
{
	return t->utf8 ? "\u2588" : "#";
}

static const char *
glyph_arrow(const struct tui *t)
{
	return t->utf8 ? " \u2192 " : " -> ";
}

static void
bar(const struct tui *t, struct pen *p, enum paint a, int w, double frac)
{
	int n = (int)(frac * w + 0.5), i;

	if (frac > 0 && n == 0)
		n = 1;
	for (i = 0; i < n && p->x < p->end; i++)
		pen_put(p, a, glyph_bar(t));
}

/*
 * Virtual lines of a view: the view writes them all, the canvas says
 * which screen row each one lands on (-1: scrolled away), and counts
 * them so that the scroll can be held in range.
 */
struct canvas {
	int top, rows, scroll, line;
};

static int
cv_next(struct canvas *c)
{
	int l = c->line++;

	if (l < c->scroll || l >= c->scroll + c->rows)
		return -1;
	return c->top + l - c->scroll;
}

static void
fmt_hms(double sec, char *buf, size_t size)
{
	unsigned long s = sec > 0 ? (unsigned long)sec : 0;

	snprintf(buf, size, "%02lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
}

static void
fmt_clock(double ts, char *buf, size_t size)
{
	time_t sec = (time_t)ts;
	struct tm tm;

	if (ts <= 0 || gmtime_r(&sec, &tm) == NULL) {
		snprintf(buf, size, "--:--:--");
		return;
	}
	strftime(buf, size, "%H:%M:%S", &tm);
}

static void
fmt_seconds(double v, char *buf, size_t size)
{
	if (v < 1e-3)
		snprintf(buf, size, "%.0fus", v * 1e6);
	else if (v < 1)
		snprintf(buf, size, "%.1fms", v * 1e3);
	else if (v < 100)
		snprintf(buf, size, "%.2fs", v);
	else
		snprintf(buf, size, "%.0fs", v);
}

static void
fmt_bytes(double v, char *buf, size_t size)
{
	if (v < 1e4)
		snprintf(buf, size, "%.0f", v);
	else if (v < 1e7)
		snprintf(buf, size, "%.1fk", v / 1e3);
	else
		snprintf(buf, size, "%.1fM", v / 1e6);
}

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

static void
notice(struct tui *t, const char *msg)
{
	snprintf(t->notice, sizeof(t->notice), "%s", msg);
	t->notice_until = now_mono() + TUI_NOTICE_SEC;
}

void
tui_notice(struct tui *t, const char *msg)
{
	notice(t, msg);
}

/* ---- the lists the views show ---- */

static bool
sess_matches(const struct tui *t, const struct tsess *ss)
{
	const char *f = t->filter;

	return f[0] == '\0' || contains_ci(ss->client, f) ||
	    contains_ci(ss->server, f) || contains_ci(ss->helo, f) ||
	    contains_ci(ss->envelope, f);
}

static int
by_id_up(const void *a, const void *b)
{
	const struct tsess *x = *(struct tsess *const *)a;
	const struct tsess *y = *(struct tsess *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int
by_transactions(const void *a, const void *b)
{
	const struct tsess *x = *(struct tsess *const *)a;
	const struct tsess *y = *(struct tsess *const *)b;

	if (x->transactions != y->transactions)
		return x->transactions > y->transactions ? -1 : 1;
	return x->id > y->id ? -1 : x->id < y->id;
}

static int
by_client(const void *a, const void *b)
{
	const struct tsess *x = *(struct tsess *const *)a;
	const struct tsess *y = *(struct tsess *const *)b;
	int c = strcmp(x->client, y->client);

	return c != 0 ? c : by_id_up(a, b);
}

/* The sessions of the list: filtered, in the chosen order. */
static size_t
sess_list(struct tui *t)
{
	struct tsess *ss;
	size_t n = 0;

	for (ss = t->newest; ss != NULL && n < TUI_SESSIONS_MAX; ss = ss->older)
		if (sess_matches(t, ss))
			t->list[n++] = ss;
	switch (t->sort[VIEW_SESSIONS]) {
	case 1:
		qsort(t->list, n, sizeof(t->list[0]), by_id_up);
		break;
	case 2:
		qsort(t->list, n, sizeof(t->list[0]), by_transactions);
		break;
	case 3:
		qsort(t->list, n, sizeof(t->list[0]), by_client);
		break;
	default:
		break;
	}
	return n;
}

/* The row of the selected session, held in range. */
static int
sess_selected(struct tui *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t->list[i]->id == t->sel_id) {
			t->sel = (int)i;
			return t->sel;
		}
	if (n == 0) {
		t->sel = 0;
		return -1;
	}
	if (t->sel < 0)
		t->sel = 0;
	if ((size_t)t->sel >= n)
		t->sel = (int)n - 1;
	t->sel_id = t->list[t->sel]->id;
	return t->sel;
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
static size_t
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

static enum paint
recent_paint(enum stats_recent_kind k)
{
	switch (k) {
	case RECENT_REJECT:
	case RECENT_BOUNCE:
		return P_BAD;
	case RECENT_LOST:
		return P_LOST;
	default:
		return P_WARN;
	}
}

/* ---- the views ---- */

/* One notable event on one line (the overview): the sender as well
 * only where the screen is wide. */
static void
recent_line(const struct tui *t, int y, const struct stats_recent *r)
{
	struct pen p;
	char when[16];
	int w;

	pen_at(&p, t, y, 1);
	fmt_clock(r->ts, when, sizeof(when));
	pen_printf(&p, P_DIM, "%s ", when);
	pen_printf(&p, recent_paint(r->kind), "%-8.8s",
	    r->kind == RECENT_AUTH_FAILURE ? "authfail"
					   : stats_recent_kind_name(r->kind));
	if (r->code > 0)
		pen_printf(&p, P_NORMAL, " %3d ", r->code);
	else
		pen_put(&p, P_NORMAL, "     ");
	w = (COLS - p.x) * 2 / 5;
	if (r->kind == RECENT_AUTH_FAILURE) {
		pen_put(&p, P_NORMAL, "user ");
		pen_wire(&p, P_NORMAL, r->from, w);
		pen_put(&p, P_NORMAL, " from ");
		pen_wire(&p, P_NORMAL, r->client, 0);
		return;
	}
	if (COLS >= 120 || r->rcpt[0] == '\0') {
		pen_put(&p, P_NORMAL, "<");
		pen_wire(&p, P_NORMAL, r->from, r->rcpt[0] ? w / 2 : w);
		pen_put(&p, P_NORMAL, ">");
		if (r->rcpt[0] != '\0')
			pen_put(&p, P_DIM, glyph_arrow(t));
	}
	if (r->rcpt[0] != '\0') {
		pen_put(&p, P_NORMAL, "<");
		pen_wire(&p, P_NORMAL, r->rcpt, COLS >= 120 ? w / 2 : w);
		pen_put(&p, P_NORMAL, ">");
	}
	pen_put(&p, P_NORMAL, "  ");
	pen_wire(&p, P_NORMAL, r->text, 0);
}

/* A per-second sparkline of one series, ending at the clock. */
static void
sparkline(const struct tui *t, int y, const char *label, const struct stats *st,
    enum series_kind k, int64_t end, enum paint a)
{
	static const char *const utf8[] = { " ", "\u2581", "\u2582", "\u2583",
		"\u2584", "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char *const ascii[] = { " ", ".", ".", ":", ":", "=", "=",
		"#", "#" };
	struct pen p;
	uint32_t v, max = 0;
	int w, i, level;

	pen_at(&p, t, y, 1);
	pen_printf(&p, P_NORMAL, "%-9s", label);
	w = COLS - p.x - 16;
	if (w > SERIES_SECONDS)
		w = SERIES_SECONDS;
	if (w < 1)
		return;
	for (i = 0; i < w; i++) {
		v = series_second(&st->series, end - w + 1 + i, k);
		if (v > max)
			max = v;
	}
	pen_put(&p, P_DIM, "|");
	for (i = 0; i < w; i++) {
		v = series_second(&st->series, end - w + 1 + i, k);
		level = max == 0 || v == 0 ? 0 : (int)((v * 8 + max - 1) / max);
		pen_put(&p, a, t->utf8 ? utf8[level] : ascii[level]);
	}
	pen_put(&p, P_DIM, "|");
	pen_printf(&p, P_NORMAL, " max %" PRIu32 "/s", max);
}

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

/* A new line, its head at the left, the items from column indent (or
 * after the head, when it is longer). */
static void
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

static void
flow_start(
    struct flow *f, const struct tui *t, struct canvas *c, const char *head)
{
	flow_start_at(f, t, c, head, 11);
}

static void flow_item(struct flow *f, enum paint a, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One item, two spaces after the one before it on the line. */
static void
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
static enum paint
code_paint(int code)
{
	return code >= 500 ? P_BAD : code >= 400 ? P_WARN : P_NORMAL;
}

/* A count that wants a look when it is not zero. */
static enum paint
nonzero(uint64_t v, enum paint a)
{
	return v > 0 ? a : P_NORMAL;
}

static void
view_overview(struct tui *t, const struct tui_status *s, struct canvas *c)
{
	const struct stats *st = s->st;
	const struct stats_recent *rl[STATS_RECENT];
	const uint64_t *o = st->outcome;
	uint64_t top = 0;
	struct flow f;
	struct pen p;
	size_t n, i;
	int y, k, code, best[8], nbest, j;
	int64_t clock;
	char when[16];
	double now;

	flow_start(&f, t, c, "Totals");
	flow_item(&f, P_NORMAL, "sessions %" PRIu64, st->sessions);
	flow_item(&f, P_NORMAL, "active %" PRIu64, st->sessions_active);
	flow_item(&f, P_NORMAL, "transactions %" PRIu64, st->transactions);
	flow_item(&f, P_NORMAL,
	    "recipients %" PRIu64 " of %" PRIu64 " accepted",
	    st->recipients_accepted, st->recipients);
	/* Lost (cut off) and dropped (accepted, then discarded) apart:
	 * DESIGN.md's words. */
	flow_start(&f, t, c, "Outcomes");
	flow_item(&f, P_GOOD, "accepted %" PRIu64, o[SMTP_OUTCOME_ACCEPTED]);
	flow_item(&f, nonzero(o[SMTP_OUTCOME_REJECTED], P_BAD),
	    "rejected %" PRIu64, o[SMTP_OUTCOME_REJECTED]);
	flow_item(&f, nonzero(o[SMTP_OUTCOME_TEMPFAIL], P_WARN),
	    "tempfail %" PRIu64, o[SMTP_OUTCOME_TEMPFAIL]);
	if (st->loss_capture > 0)
		flow_item(&f, P_LOST,
		    "lost %" PRIu64 " (%" PRIu64 " maybe capture loss)",
		    o[SMTP_OUTCOME_LOST], st->loss_capture);
	else
		flow_item(&f, nonzero(o[SMTP_OUTCOME_LOST], P_LOST),
		    "lost %" PRIu64, o[SMTP_OUTCOME_LOST]);
	flow_item(&f, P_NORMAL, "aborted %" PRIu64, o[SMTP_OUTCOME_ABORTED]);
	flow_item(&f, nonzero(o[SMTP_OUTCOME_DROPPED], P_BAD),
	    "dropped %" PRIu64 " (needs tracking across hops)",
	    o[SMTP_OUTCOME_DROPPED]);
	flow_item(
	    &f, nonzero(st->bounces, P_WARN), "bounces %" PRIu64, st->bounces);
	/* What a postmaster must see: a flag colour when not zero. */
	flow_start(&f, t, c, "Security");
	flow_item(&f, nonzero(st->submission_no_auth, P_FLAG),
	    "submission without AUTH %" PRIu64, st->submission_no_auth);
	flow_item(&f, nonzero(st->cleartext_auth, P_FLAG),
	    "clear-text AUTH %" PRIu64, st->cleartext_auth);
	flow_item(&f, nonzero(st->auth_failures, P_BAD),
	    "AUTH failures %" PRIu64, st->auth_failures);
	cv_next(c);

	/* Replies by class, then the commonest codes. */
	for (k = 2; k <= 5; k++)
		if (k != 3 && st->reply_class[k] > top)
			top = st->reply_class[k];
	for (k = 2; k <= 5; k++) {
		if (k == 3)
			continue;
		if ((y = cv_next(c)) < 0)
			continue;
		pen_at(&p, t, y, 1);
		pen_put(&p, P_HEAD, k == 2 ? "Replies   " : "          ");
		pen_printf(
		    &p, P_NORMAL, "%dxx %8" PRIu64 " ", k, st->reply_class[k]);
		p.end = COLS - 1 < p.x + 50 ? COLS - 1 : p.x + 50;
		bar(t, &p,
		    k == 2       ? P_GOOD
			: k == 4 ? P_WARN
				 : P_BAD,
		    p.end - p.x,
		    top > 0 ? (double)st->reply_class[k] / (double)top : 0);
	}
	for (nbest = 0; nbest < (int)ARRAY_LEN(best); nbest++) {
		best[nbest] = 0;
		for (code = 100; code < 600; code++) {
			for (j = 0; j < nbest && best[j] != code; j++)
				;
			if (j == nbest &&
			    st->reply_code[code] > st->reply_code[best[nbest]])
				best[nbest] = code;
		}
		if (best[nbest] == 0)
			break;
	}
	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_put(&p, P_HEAD, "Top codes ");
		if (nbest == 0)
			pen_put(&p, P_DIM, "none yet");
		else
			pen_put(&p, P_DIM, "(6: meanings) ");
		for (j = 0; j < nbest; j++)
			pen_printf(&p, code_paint(best[j]), "%d%s%" PRIu64 "  ",
			    best[j], t->utf8 ? " \u00d7" : " x",
			    st->reply_code[best[j]]);
	}
	cv_next(c);

	/* Rates, on the capture's clock (a replay's own time). */
	now = s->capture_time;
	if (s->live) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		if ((double)ts.tv_sec > now)
			now = (double)ts.tv_sec;
	}
	clock = (int64_t)now;
	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_put(&p, P_HEAD, "Per second");
		fmt_clock(now, when, sizeof(when));
		pen_printf(&p, P_DIM, "  messages, until %s UTC%s", when,
		    s->live ? "" : " (capture time)");
	}
	if ((y = cv_next(c)) >= 0)
		sparkline(t, y, "accepted", st, SERIES_ACCEPTED, clock, P_GOOD);
	if ((y = cv_next(c)) >= 0)
		sparkline(t, y, "rejected", st, SERIES_REJECTED, clock, P_BAD);
	if ((y = cv_next(c)) >= 0)
		sparkline(t, y, "tempfail", st, SERIES_TEMPFAIL, clock, P_WARN);
	if ((y = cv_next(c)) >= 0)
		sparkline(t, y, "lost", st, SERIES_LOST, clock, P_LOST);
	cv_next(c);

	n = recent_list(t, st, rl, 0);
	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_put(&p, P_HEAD, "Recent events");
		pen_printf(&p, P_DIM, "  %zu of %" PRIu64 "%s", n,
		    st->recent_total, t->filter[0] ? " (filtered)" : "");
	}
	if (n == 0 && (y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 3);
		pen_put(&p, P_DIM, "none");
	}
	for (i = 0; i < n; i++)
		if ((y = cv_next(c)) >= 0)
			recent_line(t, y, rl[i]);
}

static int
by_key(const void *a, const void *b)
{
	const struct topn_entry *x = *(const struct topn_entry *const *)a;
	const struct topn_entry *y = *(const struct topn_entry *const *)b;

	return strcmp(x->key, y->key);
}

struct top_table {
	const char *title;
	const char *unit; /* what the counts count */
	/* What the keys are, for their meanings: an enhanced status code,
	 * a refusal starting with its reply code, or anything else. */
	enum { TT_PLAIN, TT_ENHANCED, TT_REASON } keys;
	const struct topn *tn;
	const struct topn_entry *e[TOPN_SLOTS];
	size_t n;
};

static void
top_fetch(const struct tui *t, struct top_table *tt, const char *title,
    const char *unit, const struct topn *tn)
{
	tt->title = title;
	tt->unit = unit;
	tt->keys = TT_PLAIN;
	tt->tn = tn;
	tt->n = topn_sorted(tn, tt->e, TOPN_SLOTS);
	if (t->sort[VIEW_TOP] == 1)
		qsort(tt->e, tt->n, sizeof(tt->e[0]), by_key);
	if (tt->n > TUI_TOP_ROWS)
		tt->n = TUI_TOP_ROWS;
}

/* Row i of a table (-1: its title) in the columns [x, x + w). */
static void
top_cell(
    const struct tui *t, int y, int x, int w, const struct top_table *tt, int i)
{
	const struct topn_entry *e;
	struct pen p;
	char meaning[160];

	pen_at(&p, t, y, x);
	p.end = x + w < COLS ? x + w : COLS;
	if (i < 0) {
		pen_put(&p, P_HEAD, tt->title);
		pen_printf(
		    &p, P_DIM, "  %" PRIu64 " %s", tt->tn->total, tt->unit);
		return;
	}
	if ((size_t)i >= tt->n) {
		if (i == 0)
			pen_put(&p, P_DIM, "   none yet");
		return;
	}
	e = tt->e[i];
	pen_printf(&p, P_NORMAL, "%c%7" PRIu64 " %5.1f%%  ",
	    e->error > 0 ? '~' : ' ', e->count,
	    tt->tn->total ? 100.0 * (double)e->count / (double)tt->tn->total
			  : 0.0);
	pen_wire(&p, P_NORMAL, e->key, 0);
	if (tt->keys == TT_ENHANCED &&
	    smtp_enh_meaning(e->key, meaning, sizeof(meaning)) != NULL) {
		pen_put(&p, P_NORMAL, "  ");
		pen_clipped(&p, P_DIM, meaning);
	} else if (tt->keys == TT_REASON &&
	    ascii_isdigit((unsigned char)e->key[0]) &&
	    ascii_isdigit((unsigned char)e->key[1]) &&
	    ascii_isdigit((unsigned char)e->key[2])) {
		pen_put(&p, P_NORMAL, "  ");
		pen_clipped(&p, P_DIM,
		    smtp_reply_meaning((e->key[0] - '0') * 100 +
			    (e->key[1] - '0') * 10 + (e->key[2] - '0'),
			SMTP_VERB_UNKNOWN));
	}
}

/* Two tables side by side when there is room, else one after the other. */
static void
top_pair(const struct tui *t, struct canvas *c, const struct top_table *a,
    const struct top_table *b)
{
	int i, y, rows, half = COLS / 2;

	if (b != NULL && COLS >= 2 * 36) {
		rows = (int)(a->n > b->n ? a->n : b->n);
		if (rows == 0)
			rows = 1;
		for (i = -1; i < rows; i++) {
			if ((y = cv_next(c)) < 0)
				continue;
			top_cell(t, y, 1, half - 2, a, i);
			top_cell(t, y, half + 1, COLS - half - 1, b, i);
		}
		cv_next(c);
		return;
	}
	rows = a->n > 0 ? (int)a->n : 1;
	for (i = -1; i < rows; i++)
		if ((y = cv_next(c)) >= 0)
			top_cell(t, y, 1, COLS - 1, a, i);
	cv_next(c);
	if (b != NULL)
		top_pair(t, c, b, NULL);
}

static void
view_top(struct tui *t, const struct tui_status *s, struct canvas *c)
{
	static struct top_table tt[9];
	const struct stats *st = s->st;

	top_fetch(t, &tt[0], "Servers", "sessions", &st->servers);
	top_fetch(t, &tt[1], "Clients", "sessions", &st->clients);
	top_fetch(
	    t, &tt[2], "Sender domains", "transactions", &st->sender_domains);
	top_fetch(t, &tt[3], "Recipient domains", "RCPTs", &st->rcpt_domains);
	top_fetch(t, &tt[4], "Rejection reasons", "4xx and 5xx replies",
	    &st->reject_reasons);
	top_fetch(t, &tt[5], "Senders", "transactions", &st->senders);
	top_fetch(t, &tt[6], "Recipients", "RCPTs", &st->recipients_top);
	top_fetch(t, &tt[7], "Enhanced status codes", "replies", &st->enhanced);
	tt[7].keys = TT_ENHANCED;
	tt[4].keys = TT_REASON;
	top_fetch(t, &tt[8], "AUTH failures by client", "failures",
	    &st->auth_fail_clients);
	top_pair(t, c, &tt[0], &tt[1]);
	top_pair(t, c, &tt[2], &tt[3]);
	top_pair(t, c, &tt[4], NULL);
	top_pair(t, c, &tt[5], &tt[6]);
	/* Alone on their rows: room for the meanings. */
	top_pair(t, c, &tt[7], NULL);
	top_pair(t, c, &tt[8], NULL);
}

static void
view_events(struct tui *t, const struct tui_status *s, struct canvas *c)
{
	static const struct stats_recent *rl[STATS_RECENT];
	const struct stats_recent *r;
	struct pen p;
	size_t n, i;
	char when[16];
	int y;

	n = recent_list(t, s->st, rl, t->sort[VIEW_EVENTS]);
	if (n == 0 && (y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_put(&p, P_DIM,
		    t->filter[0] ? "no event matches the filter"
				 : "no reject, tempfail, bounce, lost "
				   "transaction or AUTH failure yet");
	}
	for (i = 0; i < n; i++) {
		r = rl[i];
		if ((y = cv_next(c)) >= 0) {
			pen_at(&p, t, y, 1);
			fmt_clock(r->ts, when, sizeof(when));
			pen_printf(&p, P_DIM, "%s  ", when);
			pen_printf(&p, recent_paint(r->kind), "%-12s",
			    stats_recent_kind_name(r->kind));
			if (r->code > 0)
				pen_printf(&p, P_NORMAL, " %3d", r->code);
			else
				pen_put(&p, P_NORMAL, "    ");
			pen_printf(&p, P_DIM, "  session %" PRIu64 "  ",
			    r->session_id);
			pen_put(&p, P_NORMAL, r->client);
			pen_put(&p, P_DIM, glyph_arrow(t));
			pen_put(&p, P_NORMAL, r->server);
		}
		if ((y = cv_next(c)) >= 0) {
			pen_at(&p, t, y, 11);
			if (r->kind == RECENT_AUTH_FAILURE) {
				pen_put(&p, P_NORMAL, "user ");
				pen_wire(&p, P_NORMAL, r->from, 0);
			} else {
				pen_put(&p, P_NORMAL, "<");
				pen_wire(&p, P_NORMAL, r->from, COLS / 3);
				pen_put(&p, P_NORMAL, ">");
				pen_put(&p, P_DIM, glyph_arrow(t));
				pen_put(&p, P_NORMAL, "<");
				pen_wire(&p, P_NORMAL, r->rcpt, COLS / 3);
				pen_put(&p, P_NORMAL, ">  ");
				pen_wire(&p, P_NORMAL, r->text, 0);
			}
		}
		/* What the code means, on a line of its own. */
		if (r->code > 0 && (y = cv_next(c)) >= 0) {
			pen_at(&p, t, y, 11);
			pen_printf(&p, P_DIM, "%d: ", r->code);
			pen_clipped(&p, P_DIM,
			    smtp_reply_meaning(r->code, SMTP_VERB_UNKNOWN));
		}
	}
}

static void
outcome_summary(const struct tsess *ss, char *buf, size_t size)
{
	static const char *const abbrev[SMTP_OUTCOME_COUNT] = { "open", "acc",
		"rej", "tmp", "drp", "abt", "lost" };
	size_t used = 0;
	int k;

	buf[0] = '\0';
	for (k = SMTP_OUTCOME_ACCEPTED; k < SMTP_OUTCOME_COUNT; k++)
		if (ss->outcome[k] > 0 && used < size)
			used +=
			    (size_t)snprintf(buf + used, size - used, "%s%u %s",
				used ? " " : "", ss->outcome[k], abbrev[k]);
	if (buf[0] == '\0')
		snprintf(buf, size, "-");
}

/* A session's outcomes: a refusal first, then a cut; a 421 is a
 * tempfail, not a refusal. */
static enum paint
sess_paint(const struct tsess *ss)
{
	if (ss->outcome[SMTP_OUTCOME_REJECTED] ||
	    ss->outcome[SMTP_OUTCOME_DROPPED])
		return P_BAD;
	if (ss->outcome[SMTP_OUTCOME_LOST])
		return P_LOST;
	if (ss->outcome[SMTP_OUTCOME_TEMPFAIL])
		return P_WARN;
	return P_NORMAL;
}

/* Where the columns of the session list begin. */
struct sess_cols {
	int id, client, arrow, server, helo, tx, outcome, state;
};

/* The address columns as wide as the widest address shown, within a
 * share of the width; HELO has the rest. */
static void
sess_cols(const struct tui *t, size_t n, struct sess_cols *k)
{
	int rest = COLS - 1 - 7 - 4 - 13 - 7, cw = 9, len;
	size_t i;

	for (i = 0; i < n; i++) {
		len = (int)strlen(t->list[i]->client);
		if (len > cw)
			cw = len;
		len = (int)strlen(t->list[i]->server);
		if (len > cw)
			cw = len;
	}
	cw++;
	if (cw > rest * 36 / 100)
		cw = rest * 36 / 100;
	if (cw < 10)
		cw = 10;
	k->id = 1;
	k->client = k->id + 7;
	k->arrow = k->client + cw;
	k->server = k->arrow + (t->utf8 ? 2 : 3);
	k->helo = k->server + cw + 1;
	k->state = COLS - 7;
	k->outcome = k->state - 13;
	k->tx = k->outcome - 4;
	if (k->helo > k->tx - 4)
		k->helo = k->tx - 4;
}

static void
sess_row(const struct tui *t, int y, const struct sess_cols *k,
    const struct tsess *ss, bool selected)
{
	struct pen p;
	char oc[64];

	if (selected)
		fill_row(t, y, P_SELECT);
	pen_at(&p, t, y, k->id);
	pen_printf(&p, selected ? P_SELECT : P_NORMAL, "%6" PRIu64, ss->id);
	pen_at(&p, t, y, k->client);
	p.end = k->arrow - 1;
	pen_put(&p, selected ? P_SELECT : P_NORMAL, ss->client);
	pen_at(&p, t, y, k->arrow);
	p.end = k->helo - 1;
	pen_put(&p, selected ? P_SELECT : P_DIM, t->utf8 ? "\u2192 " : "-> ");
	pen_put(&p, selected ? P_SELECT : P_NORMAL, ss->server);
	pen_at(&p, t, y, k->helo);
	p.end = k->tx - 1;
	pen_put(&p, selected ? P_SELECT : P_NORMAL, ss->helo);
	pen_at(&p, t, y, k->tx);
	pen_printf(&p, selected ? P_SELECT : P_NORMAL, "%3u", ss->transactions);
	outcome_summary(ss, oc, sizeof(oc));
	pen_at(&p, t, y, k->outcome);
	p.end = k->state - 1;
	pen_put(&p, selected ? P_SELECT : sess_paint(ss), oc);
	pen_at(&p, t, y, k->state);
	pen_put(&p,
	    selected       ? P_SELECT
		: ss->open ? P_GOOD
			   : P_DIM,
	    ss->open ? "open" : "closed");
}

static void
view_sessions(struct tui *t, const struct tui_status *s, struct canvas *c)
{
	struct sess_cols k;
	struct pen p;
	size_t n, i;
	int y, sel;

	(void)s;
	n = sess_list(t);
	sel = sess_selected(t, n);
	/* The selection stays in sight (line 0 is the column header). */
	if (sel >= 0 && sel + 1 <= c->scroll)
		c->scroll = sel;
	if (sel >= 0 && sel + 1 >= c->scroll + c->rows)
		c->scroll = sel + 2 - c->rows;
	sess_cols(t, n, &k);
	if ((y = cv_next(c)) >= 0) {
		paint(t, P_HEAD);
		put(t, y, k.id, 6, "    ID");
		put(t, y, k.client, k.helo - k.client, "CLIENT -> SERVER");
		put(t, y, k.helo, k.tx - k.helo, "HELO");
		put(t, y, k.tx, 3, " TX");
		put(t, y, k.outcome, 12, "OUTCOMES");
		put(t, y, k.state, 6, "STATE");
		paint(t, P_NORMAL);
	}
	if (n == 0 && (y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_put(&p, P_DIM,
		    t->filter[0] ? "no session matches the filter"
				 : "no session yet");
	}
	for (i = 0; i < n; i++)
		if ((y = cv_next(c)) >= 0)
			sess_row(t, y, &k, t->list[i], (int)i == sel);
}

#define TRANSCRIPT_INDENT 15 /* continuations start under the text */

/* One line of a transcript, wrapped at the width. */
static void
transcript_line(const struct tui *t, struct canvas *c, const char *line,
    const char *end, char *buf)
{
	enum paint a = P_NORMAL;
	size_t len, l, n = (size_t)(end - line);
	int y, used, cw, x = 1, w = COLS - 2;
	struct pen p;

	if (n > 0 && line[0] == '=')
		a = P_HEAD;
	else if (memmem(line, n, "  == ", 5) != NULL)
		a = P_HEAD;
	else if (memmem(line, n, "  S: 5", 6) != NULL)
		a = P_BAD;
	else if (memmem(line, n, "  S: 4", 6) != NULL)
		a = P_WARN;
	else if (memmem(line, n, "  !! ", 5) != NULL)
		a = P_WARN;
	do {
		/* As many bytes as fit in w columns. */
		used = 0;
		len = 0;
		while (line + len < end) {
			cw = char_cells(
			    t, line + len, (size_t)(end - line) - len, &l);
			if (cw < 0)
				cw = 1;
			if (used + cw > w)
				break;
			used += cw;
			len += l;
		}
		if (len == 0 && line < end)
			len = 1;
		if ((y = cv_next(c)) >= 0) {
			memcpy(buf, line, len);
			buf[len] = '\0';
			pen_at(&p, t, y, x);
			pen_put(&p, a, buf);
		}
		line += len;
		if (x == 1 && COLS > 2 * TRANSCRIPT_INDENT) {
			x += TRANSCRIPT_INDENT;
			w -= TRANSCRIPT_INDENT;
		}
	} while (line < end);
}

static void
view_transcript(struct tui *t, struct canvas *c)
{
	struct tsess *ss = sessmap_get(&t->byid, t->transcript_id);
	const char *line, *end, *stop;
	struct pen p;
	char *buf;
	int y;

	if (ss == NULL) {
		if ((y = cv_next(c)) >= 0) {
			pen_at(&p, t, y, 1);
			pen_put(&p, P_DIM, "this session is no longer kept");
		}
		return;
	}
	/* A piece of a line fits in the width: 4 bytes a column at most. */
	buf = xmalloc((size_t)(COLS > 0 ? COLS : 1) * 4 + 8);
	line = ss->text.p != NULL ? ss->text.p : "";
	stop = line + ss->text.len;
	while (line < stop) {
		end = memchr(line, '\n', (size_t)(stop - line));
		if (end == NULL)
			end = stop;
		transcript_line(t, c, line, end, buf);
		line = end + 1;
	}
	free(buf);
	if (ss->dropped > 0 && (y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_printf(&p, P_DIM,
		    "[%u more lines not kept: the dashboard keeps %u KiB of "
		    "each session]",
		    ss->dropped, TUI_TRANSCRIPT_MAX >> 10);
	}
}

static void
latency_row(const struct tui *t, struct canvas *c, const char *name,
    const struct histo *h, bool seconds)
{
	static const double qs[3] = { 0.5, 0.9, 0.99 };
	struct pen p;
	char v[32];
	int y, i;

	if ((y = cv_next(c)) < 0)
		return;
	pen_at(&p, t, y, 3);
	pen_printf(&p, P_NORMAL, "%-14s %8" PRIu64, name, h->n);
	for (i = 0; i < 4; i++) {
		double x = i < 3 ? histo_quantile(h, qs[i]) : h->max;

		if (h->n == 0)
			snprintf(v, sizeof(v), "-");
		else if (seconds)
			fmt_seconds(x, v, sizeof(v));
		else
			fmt_bytes(x, v, sizeof(v));
		pen_printf(&p, P_NORMAL, " %10s", v);
	}
}

/* The verbs whose results outside transactions are listed by name. */
static const enum smtp_verb result_verbs[] = { SMTP_VERB_VRFY, SMTP_VERB_EXPN,
	SMTP_VERB_ETRN, SMTP_VERB_ATRN, SMTP_VERB_TURN, SMTP_VERB_HELP,
	SMTP_VERB_NOOP };

/* What the server's-word model adds: refusals inside transactions,
 * assumed effects, role swaps, LMTP, command results. */
static void
protocol_lines(const struct tui *t, const struct stats *st, struct canvas *c)
{
	uint64_t other = 0;
	struct flow f;
	size_t i;
	int v;
	bool listed;

	flow_start(&f, t, c, "Protocol");
	flow_item(&f, nonzero(st->refused_in_tx, P_WARN),
	    "refused in transactions %" PRIu64, st->refused_in_tx);
	flow_item(&f, nonzero(st->assumed, P_WARN), "assumed effects %" PRIu64,
	    st->assumed);
	flow_item(&f, P_NORMAL,
	    "TURN/ATRN sessions %" PRIu64 " (%" PRIu64 " transactions)",
	    st->reversed_sessions, st->reversed);
	flow_item(&f, P_NORMAL, "LMTP sessions %" PRIu64, st->lmtp_sessions);
	flow_item(&f, P_NORMAL, "delivered %" PRIu64, st->lmtp_delivered);
	flow_item(&f, nonzero(st->lmtp_failed, P_WARN), "failed %" PRIu64,
	    st->lmtp_failed);
	flow_start(&f, t, c, "Results");
	for (i = 0; i < ARRAY_LEN(result_verbs); i++)
		flow_item(&f, P_NORMAL, "%s %" PRIu64,
		    smtp_verb_name(result_verbs[i]),
		    st->results[result_verbs[i]]);
	for (v = 0; v < SMTP_VERB_COUNT; v++) {
		listed = false;
		for (i = 0; i < ARRAY_LEN(result_verbs); i++)
			listed = listed || (int)result_verbs[i] == v;
		if (!listed)
			other += st->results[v];
	}
	flow_item(&f, nonzero(other, P_WARN), "out of place %" PRIu64, other);
}

static void
view_latency(struct tui *t, const struct tui_status *s, struct canvas *c)
{
	const struct stats *st = s->st;
	const struct reasm_stats *rs = s->rs;
	const struct topn_entry *e[8];
	struct flow f;
	struct pen p;
	size_t n, i, pk;
	int y, k;

	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_printf(&p, P_HEAD, "%-16s %8s %10s %10s %10s %10s",
		    "Latency", "count", "p50", "p90", "p99", "max");
	}
	for (k = 0; k < LAT_KINDS; k++)
		latency_row(t, c, stats_latency_name((enum stats_latency)k),
		    &st->latency[k], true);
	latency_row(t, c, "message size", &st->size, false);
	cv_next(c);

	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_put(&p, P_HEAD, "TLS");
		pen_printf(&p, P_NORMAL,
		    "   STARTTLS offered %" PRIu64 "  used %" PRIu64
		    "  implicit (465) %" PRIu64,
		    st->starttls_offered, st->starttls_used, st->implicit_tls);
	}
	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 7);
		pen_put(&p, P_NORMAL, "versions:");
		for (k = 0; k < TLSV_KINDS; k++)
			pen_printf(&p,
			    k <= TLSV_11 && st->tls_version[k] ? P_WARN
							       : P_NORMAL,
			    " %s %" PRIu64,
			    stats_tls_version_name((enum stats_tls_version)k),
			    st->tls_version[k]);
	}
	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_put(&p, P_HEAD, "AUTH");
		pen_printf(&p, P_NORMAL,
		    "  sessions %" PRIu64 "  success %" PRIu64,
		    st->auth_sessions, st->auth_success);
		pen_printf(&p, st->auth_failures ? P_BAD : P_NORMAL,
		    "  failures %" PRIu64, st->auth_failures);
	}
	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 7);
		pen_put(&p, P_NORMAL, "mechanisms:");
		n = topn_sorted(&st->auth_mechs, e, ARRAY_LEN(e));
		if (n == 0)
			pen_put(&p, P_DIM, " none");
		for (i = 0; i < n; i++) {
			pen_put(&p, P_NORMAL, " ");
			pen_wire(&p, P_NORMAL, e[i]->key, 24);
			pen_printf(&p, P_NORMAL, " %" PRIu64, e[i]->count);
		}
	}
	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 7);
		pen_put(&p, P_NORMAL, "failing clients:");
		n = topn_sorted(&st->auth_fail_clients, e, ARRAY_LEN(e));
		if (n == 0)
			pen_put(&p, P_DIM, " none");
		for (i = 0; i < n; i++) {
			pen_put(&p, P_NORMAL, " ");
			pen_wire(&p, P_BAD, e[i]->key, 48);
			pen_printf(&p, P_NORMAL, " %" PRIu64, e[i]->count);
		}
	}
	cv_next(c);
	protocol_lines(t, st, c);
	cv_next(c);

	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_put(&p, P_HEAD, "Capture");
		pen_printf(&p, P_NORMAL,
		    "  packets %" PRIu64 "  bytes %" PRIu64
		    "  mail TCP %" PRIu64 "  IPv6 %" PRIu64,
		    rs->packets, rs->bytes, rs->tcp_packets, rs->ipv6_packets);
	}
	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 7);
		pen_printf(&p, rs->no_handshake ? P_WARN : P_NORMAL,
		    "no handshake %" PRIu64, rs->no_handshake);
		pen_printf(&p, rs->gaps ? P_WARN : P_NORMAL,
		    "  gaps %" PRIu64 " (%" PRIu64 " bytes)", rs->gaps,
		    rs->gap_bytes);
		pen_printf(&p, P_NORMAL,
		    "  idle expired %" PRIu64 "  reused %" PRIu64,
		    rs->idle_expired, rs->reused);
	}
	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 7);
		pen_printf(&p, P_NORMAL,
		    "not IP %" PRIu64 "  truncated %" PRIu64
		    "  bad headers %" PRIu64 "  class E %" PRIu64
		    "  IPv6 table full %" PRIu64,
		    rs->not_ip, rs->truncated, rs->bad_header, rs->class_e,
		    rs->v6_table_full);
	}
	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 7);
		pen_printf(&p, s->cs->pcap_drops ? P_BAD : P_NORMAL,
		    "kernel drops %" PRIu64 "  interface drops %" PRIu64,
		    s->cs->pcap_drops, s->cs->pcap_ifdrops);
		pen_printf(&p, rs->nids_warnings ? P_WARN : P_NORMAL,
		    "  libnids warnings %" PRIu64, rs->nids_warnings);
		for (k = 0; k < REASM_NIDS_WARN_MAX; k++)
			if (rs->nids_warning[k] > 0 &&
			    reasm_nids_warning_name(k) != NULL)
				pen_printf(&p, P_WARN, " %s %" PRIu64,
				    reasm_nids_warning_name(k),
				    rs->nids_warning[k]);
	}
	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_put(&p, P_HEAD, "Anomalies");
		n = 0;
		for (k = 0; k < SMTP_ANOMALY_COUNT; k++)
			if (st->anomaly[k] > 0) {
				pen_printf(&p, P_WARN, " %s %" PRIu64,
				    smtp_anomaly_name((enum smtp_anomaly)k),
				    st->anomaly[k]);
				n++;
			}
		if (n == 0)
			pen_put(&p, P_DIM, " none");
	}
	/* Counters the plugins registered: a line per plugin, "name value"
	 * pairs, wrapped under it (their help texts are in the reports). */
	for (pk = 0; pk < s->ncounters; pk++) {
		const struct report_counter *rc = &s->counters[pk];
		char head[80];

		if (pk == 0 ||
		    strcmp(rc->plugin, s->counters[pk - 1].plugin) != 0) {
			snprintf(head, sizeof(head), "Plugin %s", rc->plugin);
			flow_start_at(&f, t, c, head, 18);
		}
		flow_item(&f, P_NORMAL, "%s %" PRIu64, rc->name, *rc->value);
	}
	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_put(&p, P_HEAD, "Dashboard");
		pen_printf(&p, P_NORMAL,
		    "  keeps %zu sessions (limit %d, %" PRIu64
		    " let go), %u KiB of transcript each",
		    t->nsess, TUI_SESSIONS_MAX, t->sessions_evicted,
		    TUI_TRANSCRIPT_MAX >> 10);
	}
}

struct code_count {
	int code;
	uint64_t n;
};

/* Most first, ties by code. */
static int
by_code_count(const void *a, const void *b)
{
	const struct code_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x->code - y->code;
}

/* Every reply code and enhanced status code seen, with its meaning; a
 * meaning is cut at the right edge, never wrapped. */
static void
view_codes(struct tui *t, const struct tui_status *s, struct canvas *c)
{
	static const struct topn_entry *e[TOPN_SLOTS];
	static struct code_count cc[600];
	const struct stats *st = s->st;
	int n = 0, i, y;
	char meaning[160];
	struct pen p;
	size_t ne, k;

	for (i = 0; i < 600; i++)
		if (st->reply_code[i] > 0) {
			cc[n].code = i;
			cc[n++].n = st->reply_code[i];
		}
	if (t->sort[VIEW_CODES] == 0)
		qsort(cc, (size_t)n, sizeof(cc[0]), by_code_count);
	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_printf(&p, P_HEAD, "%-9s %9s %6s  %s", "Reply", "count",
		    "share", "meaning");
	}
	if (n == 0 && (y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 3);
		pen_put(&p, P_DIM, "none yet");
	}
	for (i = 0; i < n; i++) {
		if ((y = cv_next(c)) < 0)
			continue;
		pen_at(&p, t, y, 1);
		pen_printf(&p, code_paint(cc[i].code), "%-9d", cc[i].code);
		pen_printf(&p, P_NORMAL, " %9" PRIu64 " %5.1f%%  ", cc[i].n,
		    st->replies ? 100.0 * (double)cc[i].n / (double)st->replies
				: 0.0);
		pen_clipped(&p, P_NORMAL,
		    smtp_reply_meaning(cc[i].code, SMTP_VERB_UNKNOWN));
	}
	cv_next(c);

	ne = topn_sorted(&st->enhanced, e, ARRAY_LEN(e));
	if (t->sort[VIEW_CODES] == 1)
		qsort(e, ne, sizeof(e[0]), by_key);
	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 1);
		pen_printf(&p, P_HEAD, "%-9s %9s %6s  %s", "Enhanced", "count",
		    "share", "meaning (RFC 3463)");
	}
	if (ne == 0 && (y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 3);
		pen_put(&p, P_DIM, "none yet");
	}
	for (k = 0; k < ne; k++) {
		if ((y = cv_next(c)) < 0)
			continue;
		pen_at(&p, t, y, 1);
		p.end = 10 < COLS ? 10 : COLS;
		pen_wire(
		    &p, code_paint((e[k]->key[0] - '0') * 100), e[k]->key, 0);
		pen_at(&p, t, y, 10);
		pen_printf(&p, P_NORMAL, "%c%9" PRIu64 " %5.1f%%  ",
		    e[k]->error > 0 ? '~' : ' ', e[k]->count,
		    st->enhanced.total ? 100.0 * (double)e[k]->count /
			    (double)st->enhanced.total
				       : 0.0);
		pen_clipped(&p, P_NORMAL,
		    smtp_enh_meaning(e[k]->key, meaning, sizeof(meaning)) !=
			    NULL
			? meaning
			: "not an enhanced status code");
	}
}

/* The help: the key table itself. */
static void
view_help(struct tui *t, struct canvas *c)
{
	char names[64];
	struct pen p;
	size_t i, k, used;
	int y;

	for (i = 0; i < ARRAY_LEN(bindings); i++) {
		if (bindings[i].help == NULL)
			continue;
		used = 0;
		names[0] = '\0';
		for (k = i; k < ARRAY_LEN(bindings); k++) {
			if (bindings[k].act != bindings[i].act ||
			    (k > i && bindings[k].help != NULL))
				continue;
			if (bindings[k].name != NULL && used < sizeof(names))
				used += (size_t)snprintf(names + used,
				    sizeof(names) - used, "%s%s",
				    used ? " " : "", bindings[k].name);
		}
		if ((y = cv_next(c)) < 0)
			continue;
		pen_at(&p, t, y, 2);
		pen_printf(&p, P_HEAD, "%-14s", names);
		pen_put(&p, P_NORMAL, bindings[i].help);
	}
	cv_next(c);
	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 2);
		pen_put(&p, P_DIM,
		    "In the / prompt: type, Backspace, Enter keeps the "
		    "filter, Esc cancels.");
	}
}

/* ---- the frame ---- */

static void
draw_header(struct tui *t, const struct tui_status *s)
{
	char src[256], el[32], right[80], mode[32];
	struct pen p;
	const struct capture_stats *cs = s->cs;
	const struct reasm_stats *rs = s->rs;
	int rw;

	/* Row 0: what, where from, how long. */
	fill_row(t, 0, P_TITLE);
	escape_into(src, sizeof(src), s->source ? s->source : "",
	    s->source ? strlen(s->source) : 0);
	if (s->live)
		snprintf(mode, sizeof(mode), "live");
	else if (s->speed > 0)
		snprintf(mode, sizeof(mode), "replay %gx", s->speed);
	else
		snprintf(mode, sizeof(mode), "replay max");
	fmt_hms(s->elapsed, el, sizeof(el));
	snprintf(right, sizeof(right), "elapsed %s ", el);
	rw = (int)strlen(right);
	pen_at(&p, t, 0, 1);
	p.end = COLS - rw - 1;
	pen_put(&p, P_TITLE, "smtpscope  ");
	pen_put(&p, P_TITLE, src);
	pen_printf(&p, P_TITLE, "  %s", mode);
	if (COLS - rw > 0) {
		pen_at(&p, t, 0, COLS - rw);
		pen_put(&p, P_TITLE, right);
	}

	/* Row 1: the state, then the capture's health. */
	pen_at(&p, t, 1, 1);
	if (s->finished)
		pen_printf(&p, P_FLAG, " replay over %s press q ",
		    t->utf8 ? "\u2014" : "-");
	if (t->paused)
		pen_put(&p, P_FLAG, " PAUSED ");
	/* An output that cannot be written (a full disk) stays in sight
	 * while it fails; what it lost, after. */
	for (rw = 0; rw < (int)s->noutputs; rw++)
		if (s->outputs[rw].failing)
			pen_printf(&p, P_FLAG,
			    " %s: %s, %" PRIu64 " not written ",
			    s->outputs[rw].key, strerror(s->outputs[rw].errnum),
			    s->outputs[rw].not_written);
	if (p.x > 1)
		pen_put(&p, P_NORMAL, "  ");
	pen_printf(&p, P_NORMAL, "pkt/s %.0f  Mbit/s %.2f", t->pps, t->mbps);
	pen_printf(&p, cs->pcap_drops ? P_BAD : P_NORMAL, "  drops %" PRIu64,
	    cs->pcap_drops);
	pen_printf(&p, rs->nids_warnings ? P_WARN : P_NORMAL,
	    "  nids warn %" PRIu64, rs->nids_warnings);
	pen_printf(&p, P_NORMAL, "  active %" PRIu64, s->st->sessions_active);
	for (rw = 0; rw < (int)s->noutputs; rw++)
		if (!s->outputs[rw].failing && s->outputs[rw].not_written > 0)
			pen_printf(&p, P_BAD, "  %s not written %" PRIu64,
			    s->outputs[rw].key, s->outputs[rw].not_written);

	/* Row 2: the views. */
	pen_at(&p, t, 2, 0);
	for (rw = 0; rw < VIEW_COUNT; rw++) {
		if ((enum view)rw == t->view)
			pen_printf(
			    &p, P_SELECT, "[%d %s]", rw + 1, views[rw].label);
		else
			pen_printf(
			    &p, P_DIM, " %d %s ", rw + 1, views[rw].label);
		pen_put(&p, P_NORMAL, " ");
	}
}

static void
draw_title(struct tui *t, const struct canvas *c, int total)
{
	char pos[48], what[256];
	struct pen p;
	struct tsess *ss;
	size_t n;

	if (t->help) {
		snprintf(what, sizeof(what), "Keys  (Esc, q or h: back)");
	} else if (t->transcript) {
		ss = sessmap_get(&t->byid, t->transcript_id);
		snprintf(what, sizeof(what),
		    "Transcript of session %" PRIu64 "%s%s%s%s  %s  (Esc or q: "
		    "back)",
		    t->transcript_id, ss ? "  " : "", ss ? ss->client : "",
		    ss ? " -> " : "", ss ? ss->server : "",
		    ss == NULL     ? "gone"
			: ss->open ? "open"
				   : "closed");
	} else if (t->view == VIEW_SESSIONS) {
		n = 0;
		for (ss = t->newest; ss != NULL; ss = ss->older)
			n += sess_matches(t, ss);
		snprintf(what, sizeof(what),
		    "Sessions  (%zu of %zu kept, %s; Enter: transcript)", n,
		    t->nsess, views[t->view].sort[t->sort[t->view]]);
	} else if (views[t->view].sorts > 1) {
		snprintf(what, sizeof(what), "%s  (%s; s: order)",
		    views[t->view].title,
		    views[t->view].sort[t->sort[t->view]]);
	} else {
		snprintf(what, sizeof(what), "%s", views[t->view].title);
	}
	pos[0] = '\0';
	if (total > c->rows)
		snprintf(pos, sizeof(pos), " %d-%d of %d ", c->scroll + 1,
		    c->scroll + c->rows < total ? c->scroll + c->rows : total,
		    total);
	pen_at(&p, t, 3, 1);
	p.end = COLS - (int)strlen(pos);
	pen_put(&p, P_HEAD, what);
	if (t->filter[0] != '\0' && !t->help && !t->transcript &&
	    (t->view == VIEW_SESSIONS || t->view == VIEW_EVENTS ||
		t->view == VIEW_OVERVIEW)) {
		pen_put(&p, P_NORMAL, "  filter \"");
		pen_put(&p, P_WARN, t->filter);
		pen_put(&p, P_NORMAL, "\"");
	}
	if (pos[0] != '\0') {
		pen_at(&p, t, 3, COLS - (int)strlen(pos));
		pen_put(&p, P_DIM, pos);
	}
}

static void
draw_status(struct tui *t)
{
	struct pen p;
	int y = LINES - 1;
	size_t i;

	pen_at(&p, t, y, 0);
	if (t->prompt) {
		pen_put(&p, P_HEAD, "Filter (address or domain): ");
		pen_put(&p, P_NORMAL, t->filter);
		curs_set(1);
		move(y, p.x < COLS ? p.x : COLS - 1);
		return;
	}
	if (t->notice[0] != '\0' && now_mono() < t->notice_until) {
		pen_put(&p, P_WARN, t->notice);
		return;
	}
	t->notice[0] = '\0';
	/* The hints come from the key table too. */
	for (i = 0; i < ARRAY_LEN(bindings); i++)
		if (bindings[i].hint != NULL)
			pen_printf(&p, P_DIM, "%s%s %s", p.x > 0 ? "  " : "",
			    bindings[i].name, bindings[i].hint);
}

static void
draw_body(struct tui *t, const struct tui_status *s, struct canvas *c)
{
	if (t->help)
		view_help(t, c);
	else if (t->transcript)
		view_transcript(t, c);
	else {
		switch (t->view) {
		case VIEW_OVERVIEW:
			view_overview(t, s, c);
			break;
		case VIEW_TOP:
			view_top(t, s, c);
			break;
		case VIEW_EVENTS:
			view_events(t, s, c);
			break;
		case VIEW_SESSIONS:
			view_sessions(t, s, c);
			break;
		case VIEW_CODES:
			view_codes(t, s, c);
			break;
		default:
			view_latency(t, s, c);
			break;
		}
	}
}

static int *
scroll_of(struct tui *t)
{
	if (t->help)
		return &t->help_scroll;
	if (t->transcript)
		return &t->transcript_scroll;
	return &t->scroll[t->view];
}

/* Rates from the change of the counters between frames. */
static void
rates_update(struct tui *t, const struct tui_status *s)
{
	double dt = s->elapsed - t->rate_elapsed;

	if (t->paused)
		return;
	if (!t->rate_valid || s->rs->packets < t->rate_packets) {
		t->rate_valid = true;
	} else if (dt >= 1.0) {
		t->pps = (double)(s->rs->packets - t->rate_packets) / dt;
		t->mbps = (double)(s->rs->bytes - t->rate_bytes) * 8 / dt / 1e6;
	} else {
		return;
	}
	t->rate_elapsed = s->elapsed;
	t->rate_packets = s->rs->packets;
	t->rate_bytes = s->rs->bytes;
}

static void
draw(struct tui *t, const struct tui_status *live_s)
{
	struct tui_status frozen_s;
	const struct tui_status *s = live_s;
	struct canvas c;
	int *scroll, total;

	/* A live run paused shows the figures of the moment it paused. */
	if (t->paused && live_s->live) {
		if (t->frozen == NULL) {
			t->frozen = xmalloc(sizeof(*t->frozen));
			memcpy(t->frozen, live_s->st, sizeof(*t->frozen));
			t->frozen_rs = *live_s->rs;
			t->frozen_cs = *live_s->cs;
		}
		frozen_s = *live_s;
		frozen_s.st = t->frozen;
		frozen_s.rs = &t->frozen_rs;
		frozen_s.cs = &t->frozen_cs;
		s = &frozen_s;
	} else {
		rates_update(t, s);
	}

	erase();
	curs_set(0);
	if (COLS < TUI_MIN_COLS || LINES < TUI_MIN_LINES) {
		char msg[64];

		snprintf(msg, sizeof(msg), "smtpscope: %dx%d is too small",
		    COLS, LINES);
		put(t, 0, 0, COLS, msg);
		put(t, 1, 0, COLS, "q quits");
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	draw_header(t, s);
	scroll = scroll_of(t);
	c.top = 4;
	c.rows = LINES - 5;
	c.scroll = *scroll;
	c.line = 0;
	t->page = c.rows;
	draw_body(t, s, &c);
	total = c.line;
	if (c.scroll > 0 && c.scroll > total - c.rows) {
		/* Past the end (End, or the content shrank): again, in range.
		 */
		c.scroll = total - c.rows > 0 ? total - c.rows : 0;
		c.line = 0;
		erase();
		draw_header(t, s);
		draw_body(t, s, &c);
	}
	*scroll = c.scroll;
	draw_title(t, &c, total);
	draw_status(t);
	wnoutrefresh(stdscr);
	doupdate();
}

/* ---- keys ---- */

static void
view_set(struct tui *t, enum view v)
{
	t->view = v;
	t->help = false;
	t->transcript = false;
}

static void
move_by(struct tui *t, int delta)
{
	int *scroll;
	size_t n;

	if (!t->help && !t->transcript && t->view == VIEW_SESSIONS) {
		n = sess_list(t);
		if (sess_selected(t, n) < 0)
			return;
		t->sel += delta;
		if (t->sel < 0)
			t->sel = 0;
		if ((size_t)t->sel >= n)
			t->sel = (int)n - 1;
		t->sel_id = t->list[t->sel]->id;
		return;
	}
	/* Held in range here; the frame brings it back to the content. */
	scroll = scroll_of(t);
	if (delta > INT32_MAX / 2 - *scroll)
		*scroll = INT32_MAX / 2;
	else if (*scroll + delta < 0)
		*scroll = 0;
	else
		*scroll += delta;
}

static void
open_selected(struct tui *t)
{
	size_t n;

	if (t->help || t->transcript || t->view != VIEW_SESSIONS) {
		notice(t, "Enter opens a transcript from the session list (4)");
		return;
	}
	n = sess_list(t);
	if (sess_selected(t, n) < 0)
		return;
	t->transcript = true;
	t->transcript_id = t->list[t->sel]->id;
	t->transcript_scroll = 0;
}

/* A key in the / prompt: the filter follows what is typed. */
static void
prompt_key(struct tui *t, int ch)
{
	size_t n = strlen(t->filter);

	if (ch == KEY_RESIZE)
		return;
	if (ch == KEY_ESCAPE) {
		memcpy(t->filter, t->filter_before, sizeof(t->filter));
		t->prompt = false;
	} else if (ch == '\r' || ch == '\n' || ch == KEY_ENTER) {
		t->prompt = false;
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == KEY_CTRL('h')) {
		if (n > 0)
			t->filter[n - 1] = '\0';
	} else if (ch == KEY_CTRL('u')) {
		t->filter[0] = '\0';
	} else if (ch >= 0x20 && ch < 0x7f && n + 1 < sizeof(t->filter)) {
		t->filter[n] = (char)ch;
		t->filter[n + 1] = '\0';
	}
	t->scroll[VIEW_EVENTS] = t->scroll[VIEW_SESSIONS] = 0;
}

static enum tui_action
act(struct tui *t, const struct tui_status *s, enum act a)
{
	int page = t->page > 1 ? t->page - 1 : 1;

	switch (a) {
	case ACT_QUIT:
		if (t->help || t->transcript) {
			t->help = t->transcript = false;
			break;
		}
		return TUI_QUIT;
	case ACT_BACK:
		if (t->help || t->transcript)
			t->help = t->transcript = false;
		else if (t->filter[0] != '\0') {
			t->filter[0] = '\0';
			notice(t, "filter cleared");
		}
		break;
	case ACT_PAUSE:
		if (s->finished && !t->paused) {
			notice(t, "the replay is over: nothing to pause");
			break;
		}
		t->paused = !t->paused;
		free(t->frozen);
		t->frozen = NULL;
		break;
	case ACT_VIEW_NEXT:
		view_set(t, (enum view)((t->view + 1) % VIEW_COUNT));
		break;
	case ACT_VIEW_PREV:
		view_set(
		    t, (enum view)((t->view + VIEW_COUNT - 1) % VIEW_COUNT));
		break;
	case ACT_VIEW_1:
	case ACT_VIEW_2:
	case ACT_VIEW_3:
	case ACT_VIEW_4:
	case ACT_VIEW_5:
	case ACT_VIEW_6:
		view_set(t, (enum view)(a - ACT_VIEW_1));
		break;
	case ACT_UP:
		move_by(t, -1);
		break;
	case ACT_DOWN:
		move_by(t, 1);
		break;
	case ACT_PAGE_UP:
		move_by(t, -page);
		break;
	case ACT_PAGE_DOWN:
		move_by(t, page);
		break;
	case ACT_HOME:
		move_by(t, -(INT32_MAX / 2));
		break;
	case ACT_END:
		move_by(t, INT32_MAX / 2);
		break;
	case ACT_OPEN:
		open_selected(t);
		break;
	case ACT_FILTER:
		memcpy(t->filter_before, t->filter, sizeof(t->filter));
		t->prompt = true;
		break;
	case ACT_SORT:
		if (t->help || t->transcript || views[t->view].sorts < 2) {
			notice(t, "nothing to order here");
			break;
		}
		t->sort[t->view] =
		    (t->sort[t->view] + 1) % views[t->view].sorts;
		t->scroll[t->view] = 0;
		break;
	case ACT_RESET:
		free(t->frozen);
		t->frozen = NULL;
		notice(t, "counters reset");
		return TUI_RESET;
	case ACT_HELP:
		t->help = !t->help;
		t->help_scroll = 0;
		break;
	case ACT_REDRAW:
		clearok(curscr, TRUE);
		break;
	case ACT_RESIZE:
		/* curses has the new LINES and COLS; the frame lays out. */
		break;
	}
	return TUI_CONTINUE;
}

static enum tui_action
on_key(struct tui *t, const struct tui_status *s, int ch)
{
	size_t i;

	if (t->prompt) {
		prompt_key(t, ch);
		return TUI_CONTINUE;
	}
	for (i = 0; i < ARRAY_LEN(bindings); i++)
		if (bindings[i].key == ch)
			return act(t, s, bindings[i].act);
	return TUI_CONTINUE;
}

/* Keys waiting (the first one awaited up to wait_ms). */
static enum tui_action
read_keys(struct tui *t, const struct tui_status *s, int wait_ms)
{
	enum tui_action a = TUI_CONTINUE;
	int ch, n;

	timeout(wait_ms > 0 ? wait_ms : 0);
	for (n = 0; n < TUI_KEYS_PER_TICK && a == TUI_CONTINUE; n++) {
		if ((ch = getch()) == ERR)
			break;
		t->dirty = true;
		a = on_key(t, s, ch);
		timeout(0);
	}
	return a;
}

/* A frame if one is due (a tick went by, or a key came). */
static enum tui_action
frame(struct tui *t, const struct tui_status *s)
{
	double now = now_mono();

	if (!t->dirty && now < t->next_frame)
		return TUI_CONTINUE;
	draw(t, s);
	t->dirty = false;
	t->next_frame = now + TUI_FRAME_MS / 1e3;
	t->frames++;
	if (t->o.max_frames > 0 && t->frames >= t->o.max_frames)
		return TUI_QUIT;
	return TUI_CONTINUE;
}

static int
ms_to_next_frame(const struct tui *t)
{
	double d = (t->next_frame - now_mono()) * 1e3;

	if (d < 1)
		return 1;
	return d > TUI_FRAME_MS ? TUI_FRAME_MS : (int)d;
}

/* main's SIGINT or SIGTERM came while they were held. */
static bool
stop_pending(void)
{
	sigset_t pending;

	return sigpending(&pending) == 0 &&
	    (sigismember(&pending, SIGINT) == 1 ||
		sigismember(&pending, SIGTERM) == 1);
}

enum tui_action
tui_tick(struct tui *t, const struct tui_status *s)
{
	enum tui_action a;
	sigset_t hold, old;

	if (t == NULL || t != the_tui || !curses_on)
		return TUI_QUIT;
	if ((a = read_keys(t, s, 0)) != TUI_CONTINUE)
		return a;
	if (t->paused && !s->live && !s->finished) {
		/*
		 * A paused replay waits here. main's SIGINT and SIGTERM are
		 * held meanwhile and looked for between keys; one of them
		 * ends the pause, and released, it reaches main's handler,
		 * which stops the run (and calls here once more: unpaused).
		 */
		sigemptyset(&hold);
		sigaddset(&hold, SIGINT);
		sigaddset(&hold, SIGTERM);
		sigprocmask(SIG_BLOCK, &hold, &old);
		while (t->paused && a == TUI_CONTINUE) {
			if (stop_pending()) {
				t->paused = false;
				break;
			}
			if ((a = frame(t, s)) == TUI_CONTINUE)
				a = read_keys(t, s, TUI_PAUSE_POLL_MS);
		}
		sigprocmask(SIG_SETMASK, &old, NULL);
		return a;
	}
	if ((a = frame(t, s)) != TUI_CONTINUE)
		return a;
	/* Over: the figures stay; wait here for a key or the next tick
	 * rather than have main spin. */
	if (s->finished)
		a = read_keys(t, s, ms_to_next_frame(t));
	return a;
}

/* ---- opening and closing ---- */

struct tui *
tui_open(const struct tui_options *o, char *err, size_t errlen)
{
	struct tui *t;
	FILE *in = stdin, *tty_in = NULL;
	const char *term = getenv("TERM");
	SCREEN *scr;
	short bg = -1;
	int i;

	if (the_tui != NULL) {
		snprintf(err, errlen, "the dashboard is already open");
		return NULL;
	}
	if (!isatty(STDOUT_FILENO)) {
		snprintf(err, errlen,
		    "the dashboard needs a terminal, and standard output is "
		    "not one (use -w, --report or --transcript instead)");
		return NULL;
	}
	if (term == NULL || term[0] == '\0') {
		snprintf(err, errlen,
		    "the dashboard needs to know the terminal: TERM is not "
		    "set");
		return NULL;
	}
	if (!isatty(STDIN_FILENO)) {
		/* stdin may be the capture (-r -): keys from the terminal. */
		if ((tty_in = fopen("/dev/tty", "r")) == NULL) {
			snprintf(err, errlen,
			    "the dashboard reads keys from a terminal, and "
			    "there is none to read from");
			return NULL;
		}
		in = tty_in;
	}
	setlocale(LC_CTYPE, "");
	tty_saved_ok = tcgetattr(STDOUT_FILENO, &tty_saved) == 0;
	if ((scr = newterm(NULL, stdout, in)) == NULL) {
		snprintf(err, errlen,
		    "the dashboard cannot use this terminal (TERM=%.64s)",
		    term);
		if (tty_in != NULL)
			fclose(tty_in);
		return NULL;
	}
	set_term(scr);
	t = xcalloc(1, sizeof(*t));
	t->o = *o;
	t->scr = scr;
	t->tty_in = tty_in;
	t->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	t->dirty = true;
	sessmap_init(&t->byid);
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (!o->no_color && has_colors() && start_color() == OK) {
		t->color = true;
		if (use_default_colors() != OK)
			bg = COLOR_BLACK;
		for (i = 0; i < P_COUNT; i++)
			if (paints[i].fg >= 0)
				init_pair((short)i, paints[i].fg,
				    paints[i].bg >= 0 ? paints[i].bg : bg);
	}
	restore_len = 0;
	restore_add("sgr0");
	restore_add("cnorm");
	restore_add("rmkx");
	restore_add("rmcup");
	the_tui = t;
	curses_on = 1;
	signals_catch();
	if (!atexit_done && atexit(at_exit) == 0)
		atexit_done = true;
	return t;
}

static void
free_sess(void *arg, void *val)
{
	(void)arg;
	sess_free(val);
}

void
tui_close(struct tui *t)
{
	if (t == NULL || t != the_tui)
		return;
	terminal_restore();
	signals_release();
	delscreen(t->scr);
	if (t->tty_in != NULL)
		fclose(t->tty_in);
	sessmap_each(&t->byid, free_sess, NULL);
	sessmap_free(&t->byid);
	free(t->frozen);
	the_tui = NULL;
	free(t);
}
