/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The records a fleet of sensors put into ClickHouse (the clickhouse
 * plugin, docs/clickhouse.sql), read back for smtpscope trace: one
 * SELECT over ClickHouse's HTTP interface (libcurl), its answer in
 * TabSeparatedRaw, "sensor TAB run TAB record" a line, in order of
 * sensor, run and record number, streamed line by line to the caller.
 * Each record is the JSON log's own line, kept whole in the "record"
 * column: the trace reads it exactly as it reads a log file.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "trace/store.h"

#define ERR_BODY_MAX 1024 /* of an error's text kept for the sentence */

struct fetch {
	const struct store_query *q;
	struct dbuf line;
	bool skipping; /* the rest of a line over the limit */
	long code;     /* HTTP status, once the body starts */
	CURL *curl;
	struct dbuf errbody; /* the body of an answer other than 200 */
	bool server_error;   /* an exception written into a 200 answer */
	uint64_t lines, skipped;
};

/* One line of the answer: "sensor\trun\trecord". */
static void
answer_line(struct fetch *f, const char *s, size_t n)
{
	const char *t1, *t2;
	char sensor[STORE_SENSOR_MAX + 1], num[24];
	size_t sl, rl;
	unsigned long long run;
	char *end;

	f->lines++;
	/* ClickHouse writes an exception met while streaming into the
	 * answer itself ("Code: 241, e.displayText() = ..."). */
	if (n >= 6 && memcmp(s, "Code: ", 6) == 0) {
		f->server_error = true;
		dbuf_add(&f->errbody, s, n < ERR_BODY_MAX ? n : ERR_BODY_MAX);
		return;
	}
	if ((t1 = memchr(s, '\t', n)) == NULL ||
	    (t2 = memchr(t1 + 1, '\t', n - (size_t)(t1 + 1 - s))) == NULL) {
		f->skipped++;
		return;
	}
	sl = (size_t)(t1 - s);
	rl = (size_t)(t2 - t1 - 1);
	if (sl == 0 || sl > STORE_SENSOR_MAX || rl == 0 || rl >= sizeof(num)) {
		f->skipped++;
		return;
	}
	memcpy(sensor, s, sl);
	sensor[sl] = '\0';
	memcpy(num, t1 + 1, rl);
	num[rl] = '\0';
	run = strtoull(num, &end, 10);
	if (*end != '\0') {
		f->skipped++;
		return;
	}
	f->q->on_record(
	    f->q->arg, sensor, (uint64_t)run, t2 + 1, n - (size_t)(t2 + 1 - s));
}

static size_t
on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct fetch *f = arg;
	size_t n = size * nmemb, k;
	char *nl;

	if (f->code == 0)
		curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &f->code);
	if (f->code != 200) {
		if (f->errbody.len < ERR_BODY_MAX)
			dbuf_add(&f->errbody, p,
			    n < ERR_BODY_MAX - f->errbody.len
				? n
				: ERR_BODY_MAX - f->errbody.len);
		return n;
	}
	for (k = 0; k < n;) {
		nl = memchr(p + k, '\n', n - k);
		if (!f->skipping)
			dbuf_add(&f->line, p + k,
			    (size_t)((nl != NULL ? nl : p + n) - (p + k)));
		if (f->line.truncated)
			f->skipping = true;
		if (nl == NULL)
			break;
		if (f->skipping)
			f->skipped++;
		else if (f->line.len > 0)
			answer_line(f, f->line.p, f->line.len);
		dbuf_reset(&f->line);
		f->line.truncated = false;
		f->skipping = false;
		k = (size_t)(nl + 1 - p);
	}
	return n;
}

/* The error text of an answer, as one line of printable text. */
static void
say_body(char *err, size_t errlen, const char *what, const struct dbuf *b)
{
	struct dbuf t;
	size_t i, n = b->len;

	while (n > 0 && (b->p[n - 1] == '\n' || b->p[n - 1] == '\r'))
		n--;
	dbuf_init(&t, 4 * ERR_BODY_MAX);
	for (i = 0; i < n; i++)
		if (b->p[i] == '\n' || b->p[i] == '\r')
			b->p[i] = ' ';
	text_append_escaped(&t, (const uint8_t *)b->p, n);
	snprintf(err, errlen, "%s: %s", what, n > 0 ? dbuf_str(&t) : "");
	dbuf_free(&t);
}

int
store_fetch(const struct store_query *q, struct store_result *res, char *err,
    size_t errlen)
{
	char cerr[CURL_ERROR_SIZE];
	struct curl_slist *hdr = NULL;
	struct fetch f;
	struct dbuf h;
	CURLcode rc;
	int ret = -1;

	memset(&f, 0, sizeof(f));
	memset(res, 0, sizeof(*res));
	f.q = q;
	dbuf_init(&f.line, q->line_max);
	dbuf_init(&f.errbody, 2 * ERR_BODY_MAX);
	dbuf_init(&h, 1024);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (f.curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "cannot start libcurl");
		goto out;
	}
	cerr[0] = '\0';
	curl_easy_setopt(f.curl, CURLOPT_URL, q->url);
	curl_easy_setopt(f.curl, CURLOPT_POSTFIELDS, q->sql);
	curl_easy_setopt(f.curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(f.curl, CURLOPT_WRITEDATA, &f);
	curl_easy_setopt(f.curl, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(f.curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(f.curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(f.curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (q->user != NULL) {
		dbuf_adds(&h, "X-ClickHouse-User: ");
		dbuf_adds(&h, q->user);
		hdr = curl_slist_append(hdr, dbuf_str(&h));
	}
	if (q->key != NULL) {
		dbuf_reset(&h);
		dbuf_adds(&h, "X-ClickHouse-Key: ");
		dbuf_adds(&h, q->key);
		hdr = curl_slist_append(hdr, dbuf_str(&h));
	}
	if (hdr != NULL)
		curl_easy_setopt(f.curl, CURLOPT_HTTPHEADER, hdr);
	rc = curl_easy_perform(f.curl);
	if (f.code == 0)
		curl_easy_getinfo(f.curl, CURLINFO_RESPONSE_CODE, &f.code);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "ClickHouse at %s: %s", q->url,
		    cerr[0] != '\0' ? cerr : curl_easy_strerror(rc));
		goto out;
	}
	if (f.code != 200) {
		char what[96];

		snprintf(what, sizeof(what), "ClickHouse answered %ld", f.code);
		say_body(err, errlen, what, &f.errbody);
		goto out;
	}
	/* The last line, without its newline. */
	if (!f.skipping && f.line.len > 0)
		answer_line(&f, f.line.p, f.line.len);
	if (f.server_error) {
		say_body(err, errlen, "ClickHouse failed while answering",
		    &f.errbody);
		goto out;
	}
	ret = 0;
out:
	res->lines = f.lines;
	res->skipped = f.skipped;
	curl_slist_free_all(hdr);
	if (f.curl != NULL)
		curl_easy_cleanup(f.curl);
	dbuf_free(&f.line);
	dbuf_free(&f.errbody);
	/* The key was in it. */
	if (h.p != NULL)
		explicit_bzero(h.p, h.cap);
	dbuf_free(&h);
	return ret;
}

/* 'text' as a ClickHouse string literal: quotes and backslashes
 * escaped; anything below a blank as \xHH. */
void
store_quote(struct dbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	dbuf_addc(b, '\'');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\'' || c == '\\') {
			dbuf_addc(b, '\\');
			dbuf_addc(b, (char)c);
		} else if (c < 0x20 || c == 0x7f) {
			dbuf_adds(b, "\\x");
			dbuf_addc(b, hex[c >> 4]);
			dbuf_addc(b, hex[c & 15]);
		} else {
			dbuf_addc(b, (char)c);
		}
	}
	dbuf_addc(b, '\'');
}
