/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The parts the HTML report is built of (html.h): wire text escaped for
 * HTML, cards, key-value tables and top tables.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "event/codes.h"
#include "lib/util.h"
#include "report/html.h"

#define SHARE_BAR_PX 56.0 /* widest bar in a top table */

/*
 * Text from the wire (or from the command line): made safe UTF-8 with
 * no controls first, then HTML-escaped, quotes included, so that it is
 * text in an element and in an attribute alike.
 */
void
html_put_wire(struct html *h, const char *s)
{
	struct dbuf b;
	size_t n, i;

	if (s == NULL)
		s = "";
	n = strlen(s);
	/* A byte becomes at most four ("\xNN"): the cap never cuts. */
	dbuf_init(&b, 4 * n + 4);
	text_append_escaped(&b, (const uint8_t *)s, n);
	for (i = 0; i < b.len; i++) {
		switch (b.p[i]) {
		case '&':
			put(h, "&amp;");
			break;
		case '<':
			put(h, "&lt;");
			break;
		case '>':
			put(h, "&gt;");
			break;
		case '"':
			put(h, "&quot;");
			break;
		case '\'':
			put(h, "&#39;");
			break;
		default:
			fputc(b.p[i], h->f);
			break;
		}
	}
	dbuf_free(&b);
}

void
html_card(struct html *h, const char *id, const char *cls, const char *label,
    uint64_t v, const char *sub)
{
	putf(h,
	    "<div class=\"card %s\" id=\"card-%s\"><span class=\"k\">%s</span>"
	    "<span class=\"v\">%s</span><span class=\"s\">%s</span></div>\n",
	    cls, id, label, fmt_num(v).s, sub);
}

/* What the codes at the start of a text mean ("550 5.1.1 ..." as the
 * reasons table keys it, or an enhanced code alone): a line each. */
void
html_code_meanings(struct html *h, int code, const char *enh)
{
	char buf[160];

	if (code > 0) {
		putf(h, "<span class=\"meaning\">%03d: ", code);
		html_put_wire(h, smtp_reply_meaning(code, SMTP_VERB_UNKNOWN));
		put(h, "</span>");
	}
	if (enh != NULL && smtp_enh_meaning(enh, buf, sizeof(buf)) != NULL) {
		put(h, "<span class=\"meaning\">");
		html_put_wire(h, enh);
		put(h, ": ");
		html_put_wire(h, buf);
		put(h, "</span>");
	}
}

/* The reply code and enhanced code a reason key starts with. */
void
reason_key_codes(const char *key, int *code, char *enh, size_t size)
{
	size_t n = 0;

	*code = 0;
	enh[0] = '\0';
	if (strlen(key) < 3 || !ascii_isdigit((unsigned char)key[0]) ||
	    !ascii_isdigit((unsigned char)key[1]) ||
	    !ascii_isdigit((unsigned char)key[2]) ||
	    (key[3] != '\0' && key[3] != ' '))
		return;
	*code = (key[0] - '0') * 100 + (key[1] - '0') * 10 + (key[2] - '0');
	if (key[3] != ' ')
		return;
	key += 4;
	while (key[n] != '\0' && key[n] != ' ' && n + 1 < size) {
		enh[n] = key[n];
		n++;
	}
	enh[n] = '\0';
}

/* A top table's meaning cell: what an enhanced code, or the codes a
 * reason starts with, mean. */
static void
top_meaning_cell(struct html *h, const char *key, enum top_meaning m)
{
	char enh[16], meaning[160];
	int code;

	if (m == TOP_ENHANCED) {
		put(h, "<td class=\"meaning\">");
		if (smtp_enh_meaning(key, meaning, sizeof(meaning)) != NULL)
			html_put_wire(h, meaning);
		else
			put(h, "not an enhanced status code");
		put(h, "</td>");
	} else if (m == TOP_REASON) {
		reason_key_codes(key, &code, enh, sizeof(enh));
		put(h, "<td>");
		html_code_meanings(h, code, enh[0] ? enh : NULL);
		put(h, "</td>");
	}
}

/* Row i of a top table, its bar scaled to the first row's count;
 * returns whether its count may be over. */
static bool
top_row(struct html *h, const struct topn *t, const struct topn_entry *const *e,
    size_t i, enum top_meaning m)
{
	double w = SHARE_BAR_PX * (double)e[i]->count /
	    (double)(e[0]->count ? e[0]->count : 1);

	putf(h, "<tr><td class=\"n rank\">%zu</td><td class=\"key\">", i + 1);
	html_put_wire(h, e[i]->key);
	putf(h, "</td><td class=\"n\">%s", fmt_num(e[i]->count).s);
	if (e[i]->error > 0)
		putf(h, "<sup class=\"err\">&#177;%s</sup>",
		    fmt_num(e[i]->error).s);
	putf(h,
	    "</td><td class=\"share\"><span class=\"bar\" "
	    "style=\"width:%spx\"></span>%s</td>",
	    co(w < 1 ? 1 : w).s, fmt_pct(e[i]->count, t->total).s);
	top_meaning_cell(h, e[i]->key, m);
	put(h, "</tr>\n");
	return e[i]->error > 0;
}

/*
 * A top table. Counts come from a space-saving table of TOPN_SLOTS keys:
 * when it was full, a count may be over by its error, shown as +-.
 */
void
html_top_table(struct html *h, const char *id, const char *title,
    const struct topn *t, const char *keyname, const char *what, size_t rows,
    enum top_meaning m)
{
	const struct topn_entry *e[TOPN_SLOTS];
	size_t n, i;
	uint64_t shown = 0;
	bool approx = false;

	if (rows > TOPN_SLOTS)
		rows = TOPN_SLOTS;
	n = topn_sorted(t, e, rows);
	putf(h, "<div id=\"top-%s\">\n<h3>%s</h3>\n", id, title);
	if (n == 0) {
		put(h, "<p class=\"none\">None seen.</p>\n</div>\n");
		return;
	}
	putf(h,
	    "<table class=\"top\" id=\"table-%s\"><colgroup>"
	    "<col class=\"rank\"><col%s><col class=\"count\">"
	    "<col class=\"share\">%s</colgroup>\n"
	    "<thead><tr><th class=\"n\">#</th><th>%s</th><th class=\"n\">%s"
	    "</th><th>Share</th>%s</tr></thead>\n<tbody>\n",
	    id, m == TOP_ENHANCED ? " class=\"code\"" : "",
	    m == TOP_REASON         ? "<col class=\"meaning\">"
		: m == TOP_ENHANCED ? "<col>"
				    : "",
	    keyname, what, m != TOP_PLAIN ? "<th>Meaning</th>" : "");
	for (i = 0; i < n; i++) {
		approx = top_row(h, t, e, i, m) || approx;
		shown += e[i]->count;
	}
	put(h, "</tbody></table>\n");
	if (t->total > shown || approx) {
		put(h, "<p class=\"note\">");
		if (t->total > shown)
			putf(h, "%s more %s not in these rows. ",
			    fmt_num(t->total - shown).s, what);
		if (approx)
			putf(h,
			    "Over %d distinct keys were seen: a count marked "
			    "&#177; may be over by that much.",
			    TOPN_SLOTS);
		put(h, "</p>\n");
	}
	put(h, "</div>\n");
}

void
html_kv_open(struct html *h, const char *id)
{
	putf(h, "<table class=\"kv\" id=\"%s\"><tbody>\n", id);
}

void
html_kv_close(struct html *h)
{
	put(h, "</tbody></table>\n");
}

/* A row of a key-value table; warn marks a count worth a look. */
void
html_kv(struct html *h, const char *label, const char *value, const char *note,
    bool warn)
{
	putf(h,
	    "<tr><th>%s</th><td class=\"n%s\">%s</td><td class=\"note\">%s"
	    "</td></tr>\n",
	    label, warn ? " warn" : "", value, note != NULL ? note : "");
}

void
html_kv_num(
    struct html *h, const char *label, uint64_t v, const char *note, bool warn)
{
	html_kv(h, label, fmt_num(v).s, note, warn && v > 0);
}

/* A count worth a postmaster's look, as a card that turns red. */
void
html_warn_card(struct html *h, const char *id, const char *label, uint64_t v,
    const char *sub)
{
	html_card(h, id, v > 0 ? "warn" : "", label, v, sub);
}
