/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The help: the key table itself (keys.c), with the views' keys in
 * their place (views.c).
 */

#include "tui/views.h"

/* One row: the keys, what they do. */
static void
help_row(struct tui *t, struct canvas *c, const char *names, const char *help)
{
	struct pen p;
	int y;

	if ((y = cv_next(c)) < 0)
		return;
	pen_at(&p, t, y, 2);
	pen_printf(&p, P_HEAD, "%-14s", names);
	pen_put(&p, P_NORMAL, help);
}

/* The names of the keys of row i and of the rows after it without help
 * (other keys for the same action). */
static void
key_names(size_t i, char *names, size_t size)
{
	const struct binding *b = tui_bindings;
	size_t k, used = 0;

	names[0] = '\0';
	for (k = i; k < tui_nbindings; k++) {
		if (b[k].act != b[i].act || (k > i && b[k].help != NULL))
			continue;
		if (b[k].name != NULL && used < size)
			used += (size_t)snprintf(names + used, size - used,
			    "%s%s", used ? " " : "", b[k].name);
	}
}

/* The help: the key table itself, the views' keys in their place. */
void
view_help(struct tui *t, const struct tui_status *s, struct canvas *c)
{
	char names[64];
	struct pen p;
	size_t i, v;
	int y;

	for (i = 0; i < tui_nbindings; i++) {
		if (tui_bindings[i].act == ACT_VIEW) {
			for (v = 0; v < tui_nviews; v++) {
				snprintf(names, sizeof(names), "%c",
				    tui_views[v].key);
				help_row(t, c, names, tui_views[v].help);
			}
			continue;
		}
		if (tui_bindings[i].help == NULL)
			continue;
		key_names(i, names, sizeof(names));
		help_row(t, c, names, tui_bindings[i].help);
	}
	cv_next(c);
	if ((y = cv_next(c)) >= 0) {
		pen_at(&p, t, y, 2);
		pen_put(&p, P_DIM,
		    "In the / prompt: type, Backspace, Enter keeps the "
		    "filter, Esc cancels.");
	}
}
