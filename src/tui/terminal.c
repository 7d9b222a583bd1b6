/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The dashboard's terminal: taken over by tui_open() and given back on
 * every way out: tui_close, exit (atexit) and the fatal signals.
 */
#include "tui/draw.h"

#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
/* After the model: term.h defines lines, columns... as macros. */
#include <term.h>
#include <termios.h>
#include <unistd.h>

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

bool
tui_is_open(const struct tui *t)
{
	return t != NULL && t == the_tui;
}

bool
terminal_is_on(void)
{
	return curses_on;
}

/* Why the dashboard cannot start, in err; else the stream to read keys
 * from in *in (a /dev/tty of ours in *tty_in, or NULL). */
static bool
terminal_check(char *err, size_t errlen, FILE **in, FILE **tty_in)
{
	const char *term = getenv("TERM");

	*in = stdin;
	*tty_in = NULL;
	if (the_tui != NULL) {
		snprintf(err, errlen, "the dashboard is already open");
		return false;
	}
	if (!isatty(STDOUT_FILENO)) {
		snprintf(err, errlen,
		    "the dashboard needs a terminal, and standard output is "
		    "not one (use -w, --report or --transcript instead)");
		return false;
	}
	if (term == NULL || term[0] == '\0') {
		snprintf(err, errlen,
		    "the dashboard needs to know the terminal: TERM is not "
		    "set");
		return false;
	}
	if (!isatty(STDIN_FILENO)) {
		/* stdin may be the capture (-r -): keys from the terminal. */
		if ((*tty_in = fopen("/dev/tty", "r")) == NULL) {
			snprintf(err, errlen,
			    "the dashboard reads keys from a terminal, and "
			    "there is none to read from");
			return false;
		}
		*in = *tty_in;
	}
	return true;
}

/* The modes and colours of the dashboard, on the screen just made. */
static void
curses_modes(struct tui *t)
{
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (!t->o.no_color && has_colors() && start_color() == OK) {
		t->color = true;
		paints_init();
	}
}

struct tui *
tui_open(const struct tui_options *o, char *err, size_t errlen)
{
	struct tui *t;
	FILE *in, *tty_in;
	SCREEN *scr;

	if (!terminal_check(err, errlen, &in, &tty_in))
		return NULL;
	setlocale(LC_CTYPE, "");
	tty_saved_ok = tcgetattr(STDOUT_FILENO, &tty_saved) == 0;
	if ((scr = newterm(NULL, stdout, in)) == NULL) {
		snprintf(err, errlen,
		    "the dashboard cannot use this terminal (TERM=%.64s)",
		    getenv("TERM"));
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
	model_init(t);
	curses_modes(t);
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

void
tui_close(struct tui *t)
{
	if (!tui_is_open(t))
		return;
	terminal_restore();
	signals_release();
	delscreen(t->scr);
	if (t->tty_in != NULL)
		fclose(t->tty_in);
	sessions_free(t);
	free(t->frozen);
	the_tui = NULL;
	free(t);
}
