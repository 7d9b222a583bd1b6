/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A session's transcript, opened from the session list: what
 * --transcript writes, kept by model.c (64 KiB a session), wrapped at
 * the width.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/views.h"

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

void
view_transcript(struct tui *t, const struct tui_status *s, struct canvas *c)
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

void
transcript_title(struct tui *t, char *buf, size_t size)
{
	struct tsess *ss = sessmap_get(&t->byid, t->transcript_id);

	snprintf(buf, size,
	    "Transcript of session %" PRIu64 "%s%s%s%s  %s  (Esc or q: "
	    "back)",
	    t->transcript_id, ss ? "  " : "", ss ? ss->client : "",
	    ss ? " -> " : "", ss ? ss->server : "",
	    ss == NULL     ? "gone"
		: ss->open ? "open"
			   : "closed");
}
