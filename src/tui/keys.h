/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The dashboard's keys (keys.c): a table binds each key to an action,
 * and the same table is the help screen and the hints of the status
 * line. The views' own keys (1-9) are in the table of views (views.c).
 */
#ifndef SMTPSCOPE_TUI_KEYS_H
#define SMTPSCOPE_TUI_KEYS_H

#include <stddef.h>

#include "tui/model.h"

/* What a key does. */
enum act {
	ACT_QUIT,
	ACT_BACK,
	ACT_PAUSE,
	ACT_VIEW_NEXT,
	ACT_VIEW_PREV,
	ACT_VIEW, /* a view's own key: the table of views */
	ACT_UP,
	ACT_DOWN,
	ACT_PAGE_UP,
	ACT_PAGE_DOWN,
	ACT_HOME,
	ACT_END,
	ACT_OPEN,
	ACT_FILTER,
	ACT_SORT,
	ACT_SORT_PREV,
	ACT_TABLE, /* the Servers view: the next breakdown table */
	ACT_RESET,
	ACT_ZONE,
	ACT_HELP,
	ACT_REDRAW,
	ACT_RESIZE,
};

/*
 * A row of the key table: a key, its action and its line in the help.
 * A row without help is another key for the action of the row above it
 * with help (the help lists it beside that one). The ACT_VIEW row
 * stands for the views' keys, in their place in the help.
 */
struct binding {
	int key;
	const char *name; /* in the help; NULL: not listed */
	enum act act;
	const char *help;
	const char *hint; /* in the status line, after the name */
};

extern const struct binding tui_bindings[];
extern const size_t tui_nbindings;

/* The hint of a row for the status line ("1-6 views" for Tab). */
const char *binding_hint(const struct binding *b, char *buf, size_t size);
/* Keys waiting (the first one awaited up to wait_ms). */
enum tui_action keys_read(
    struct tui *t, const struct tui_status *s, int wait_ms);

#endif
