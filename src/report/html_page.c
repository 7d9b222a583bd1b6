/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HTML report's page around its sections (html.h): the head with its
 * stylesheet (inline: readable on screen, printable, no font or image
 * fetched, as the Content-Security-Policy demands), the header with what
 * the report covers, the footer.
 */
#include <stdio.h>

#include "report/html.h"

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
    /* Sortable without a script: the checked radio button's column
     * gives each row its place (--oN, computed by the report). */
    ".sortable{position:relative;overflow-x:auto}\n"
    ".sortable>input{position:absolute;opacity:0;pointer-events:none}\n"
    ".sortable tbody{display:flex;flex-direction:column}\n"
    ".sortable tr{display:grid;grid-template-columns:minmax(9em,2fr) "
    "repeat(9,minmax(4.5em,1fr))}\n"
    ".sortable.c9 tr{grid-template-columns:minmax(9em,2fr) "
    "repeat(8,minmax(4.5em,1fr))}\n"
    ".sortable label{cursor:pointer;text-decoration:underline dotted}\n"
    ".sortable>input:nth-of-type(1):checked~table tr{order:var(--o0)}\n"
    ".sortable>input:nth-of-type(2):checked~table tr{order:var(--o1)}\n"
    ".sortable>input:nth-of-type(3):checked~table tr{order:var(--o2)}\n"
    ".sortable>input:nth-of-type(4):checked~table tr{order:var(--o3)}\n"
    ".sortable>input:nth-of-type(5):checked~table tr{order:var(--o4)}\n"
    ".sortable>input:nth-of-type(6):checked~table tr{order:var(--o5)}\n"
    ".sortable>input:nth-of-type(7):checked~table tr{order:var(--o6)}\n"
    ".sortable>input:nth-of-type(8):checked~table tr{order:var(--o7)}\n"
    ".sortable>input:nth-of-type(9):checked~table tr{order:var(--o8)}\n"
    ".sortable>input:nth-of-type(10):checked~table tr{order:var(--o9)}\n"
    ".left-out{font-weight:600}\n"
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

void
html_page_head(struct html *h)
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
	html_put_wire(h, ri->version);
	put(h, "\">\n<title>smtpscope report: ");
	html_put_wire(h, ri->source);
	put(h, "</title>\n<style>\n");
	put(h, page_style);
	put(h, "</style>\n</head>\n<body>\n<div class=\"wrap\">\n");
}

static void
meta_item(struct html *h, const char *label, const char *value)
{
	putf(h, "<div><dt>%s</dt><dd>%s</dd></div>\n", label, value);
}

void
html_page_header(struct html *h)
{
	const struct stats *st = h->st;
	const struct report_info *ri = h->ri;
	char buf[160];

	put(h, "<header>\n<h1>SMTP traffic report <small>smtpscope ");
	html_put_wire(h, ri->version);
	put(h,
	    "</small></h1>\n<p class=\"source\"><span class=\"key\" "
	    "id=\"source\">");
	html_put_wire(h, ri->source);
	putf(h, "</span> &middot; %s</p>\n",
	    ri->note != NULL ? "records"
		: ri->live   ? "live capture"
			     : "capture file");
	if (ri->note != NULL) {
		put(h, "<p class=\"note\" id=\"note\">");
		html_put_wire(h, ri->note);
		put(h, "</p>\n");
	}
	put(h, "<dl class=\"meta\">\n");
	if (st->last_ts > 0) {
		snprintf(buf, sizeof(buf), "%s &ndash; %s",
		    fmt_utc(st->first_ts, TF_FULL).s,
		    fmt_utc(st->last_ts, TF_FULL).s);
		meta_item(h, "Period covered (UTC)", buf);
		meta_item(h, "Traffic span",
		    fmt_duration(st->last_ts - st->first_ts).s);
	} else
		meta_item(h, "Period covered (UTC)", "no SMTP traffic seen");
	if (ri->interval_seq > 0) {
		snprintf(buf, sizeof(buf), "%s &ndash; %s",
		    fmt_utc(ri->interval_start, TF_FULL).s,
		    fmt_utc(ri->interval_end, TF_FULL).s);
		meta_item(h, "Interval (UTC, --rotate)", buf);
	}
	if (ri->live && ri->wall_start > 0)
		meta_item(h, "Capturing since (UTC)",
		    fmt_utc(ri->wall_start, TF_FULL).s);
	meta_item(h, "Report written (UTC)", fmt_utc(ri->wall_now, TF_FULL).s);
	put(h, "</dl>\n<nav><a href=\"#overview\">Overview</a>");
	if (h->st->alerting)
		put(h, "<a href=\"#alerts\">Alerts</a>");
	if (h->st->tracking)
		put(h, "<a href=\"#messages\">Messages</a>");
	put(h,
	    "<a href=\"#security\">Security</a>"
	    "<a href=\"#protocol\">Protocol details</a>"
	    "<a href=\"#over-time\">Over time</a>"
	    "<a href=\"#per-day-hour\">Per day and hour</a>"
	    "<a href=\"#replies\">Reply codes</a>"
	    "<a href=\"#reasons\">Rejections</a>"
	    "<a href=\"#by-key\">By server, client, domain, address</a>"
	    "<a href=\"#who\">Servers, clients, senders</a>"
	    "<a href=\"#tls-auth\">TLS and AUTH</a>"
	    "<a href=\"#latency\">Latency</a>"
	    "<a href=\"#sizes\">Sizes</a>"
	    "<a href=\"#sessions\">Sessions</a>"
	    "<a href=\"#recent\">Recent events</a>"
	    "<a href=\"#health\">Capture health</a></nav>\n</header>\n");
}

void
html_page_foot(struct html *h)
{
	put(h, "<footer>Written by smtpscope ");
	html_put_wire(h, h->ri->version);
	putf(h,
	    " at %s UTC from passive observation of the wire: what the "
	    "packets showed, not the servers' logs. Counts in the top tables "
	    "are exact unless marked &#177;.</footer>\n</div>\n</body>\n"
	    "</html>\n",
	    fmt_utc(h->ri->wall_now, TF_FULL).s);
}
