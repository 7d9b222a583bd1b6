/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The table of views, as htop binds keys to actions: each view is a
 * row with its key, its names, its orders, its draw function and its
 * own keys. The tab bar, the help, the keys 1-9, Tab and s all read it.
 */
#include <stdio.h>
#include <string.h>

#include "tui/views.h"

const struct tui_view tui_views[] = {
	{
	    .key = '1',
	    .label = "Overview",
	    .title = "Overview",
	    .help = "overview",
	    .flags = TV_FILTER_SHOWN,
	    .sorts = 1,
	    .sort = { "" },
	    .draw = view_overview,
	},
	{
	    .key = '2',
	    .label = "Top",
	    .title = "Top tables",
	    .help = "top tables: servers, clients, relays, domains... (Enter: "
		    "its sessions)",
	    .flags = TV_FILTER_SHOWN,
	    .sorts = 2,
	    .sort = { "by count", "by name" },
	    .draw = view_top,
	    .act = top_act,
	    .title_line = top_title,
	},
	{
	    .key = '3',
	    .label = "Events",
	    .title = "Recent events",
	    .help = "events, grouped: rejects, tempfails, bounces, lost, AUTH "
		    "(Enter)",
	    .flags = TV_FILTER_SHOWN | TV_FILTER_TOP,
	    .sorts = 4,
	    .sort = { "newest first", "oldest first", "by code",
		"most events" },
	    .draw = view_events,
	    .act = events_act,
	    .title_line = events_title,
	},
	{
	    .key = '4',
	    .label = "Sessions",
	    .title = "Sessions",
	    .help = "sessions (Enter: the transcript)",
	    .flags = TV_FILTER_SHOWN | TV_FILTER_TOP,
	    .sorts = 4,
	    .sort = { "newest first", "oldest first", "most transactions",
		"by client" },
	    .draw = view_sessions,
	    .act = sessions_act,
	    .title_line = sessions_title,
	},
	{
	    .key = '5',
	    .label = "Latency",
	    .title = "Latencies, TLS and AUTH",
	    .help = "latencies, TLS, AUTH, protocol details, capture health",
	    .sorts = 1,
	    .sort = { "" },
	    .draw = view_latency,
	},
	{
	    .key = '6',
	    .label = "Codes",
	    .title = "Reply codes and what they mean",
	    .help = "reply codes and enhanced status codes, with their "
		    "meanings",
	    .sorts = 2,
	    .sort = { "by count", "by code" },
	    .draw = view_codes,
	},
	{
	    .key = '7',
	    .label = "Servers",
	    .title = "By server",
	    .help = "servers (b: clients, domains): outcomes, latency, TLS "
		    "(Enter)",
	    .flags = TV_FILTER_SHOWN | TV_FILTER_TOP,
	    .sorts = 11,
	    .sort = { "count", "accepted", "rejected", "tempfail", "lost",
		"bytes", "p50", "p99", "greeting", "tls", "name" },
	    .draw = view_servers,
	    .act = servers_act,
	    .title_line = servers_title,
	},
};

const size_t tui_nviews = ARRAY_LEN(tui_views);

_Static_assert(ARRAY_LEN(tui_views) <= TUI_VIEWS_MAX,
    "more views than struct tui keeps a scroll and an order for");

/* Drawn over the views: nothing to order, no filter. */
static const struct tui_view help_page = {
	.title = "Keys  (Esc, q or h: back)",
	.draw = view_help,
};

static const struct tui_view transcript_page = {
	.title = "Transcript",
	.draw = view_transcript,
	.title_line = transcript_title,
};

const struct tui_view *
tui_page(const struct tui *t)
{
	if (t->help)
		return &help_page;
	if (t->transcript)
		return &transcript_page;
	return &tui_views[t->view];
}

int *
tui_page_scroll(struct tui *t)
{
	if (t->help)
		return &t->help_scroll;
	if (t->transcript)
		return &t->transcript_scroll;
	return &t->scroll[t->view];
}

void
tui_view_set(struct tui *t, unsigned v)
{
	t->view = v;
	t->help = false;
	t->transcript = false;
}

void
tui_open_sessions_of(struct tui *t, const char *key)
{
	char msg[TOPN_KEY_MAX + 64];
	size_t v;

	escape_into(t->filter, sizeof(t->filter), key, strlen(key));
	for (v = 0; v < tui_nviews; v++)
		if (tui_views[v].act == sessions_act)
			tui_view_set(t, (unsigned)v);
	t->scroll[t->view] = 0;
	t->sel = 0;
	t->sel_id = 0;
	snprintf(msg, sizeof(msg), "the sessions of %s (Esc: all)", t->filter);
	tui_notice(t, msg);
}

void
view_unfiltered_note(const struct tui *t, struct canvas *c, bool below)
{
	struct flow f;

	if (t->filter[0] == '\0')
		return;
	flow_start(&f, t, c, "Filter");
	flow_item(&f, P_WARN,
	    "(all traffic, unfiltered: \"%s\" narrows the Overview's "
	    "Filtered line, Top, Events, Sessions, Codes and Servers%s)",
	    t->filter,
	    below ? "; under the table, the latencies of what matches" : "");
	cv_next(c);
}
