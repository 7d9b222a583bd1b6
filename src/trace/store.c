/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The records a fleet of sensors put into ClickHouse (the clickhouse
 * plugin, docs/clickhouse.sql), read back for smtpscope trace: one
 * SELECT over ClickHouse's HTTP interface (libcurl), its answer in
 * TabSeparatedRaw, "sensor TAB run TAB record" a line, in order of
 * sensor, run and record number, streamed line by line to the caller.
 * Each record is the JSON log's own line, kept whole in the "record"
 * column: the trace reads it exactly as it reads a log file.
 *
 * libcurl is opened when a trace asks for the store (dlopen()), never
 * linked: it and the 28 libraries it brings are 5.5 MB of every run's
 * memory otherwise (the capture's hostile-sessions bound counts it).
 */
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "trace/store.h"

#define ERR_BODY_MAX 1024 /* of an error's text kept for the sentence */

/* What store_fetch() calls of libcurl. */
static struct {
	void *dl;
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
} C;

/* libcurl's functions, once; false with a sentence in err. */
static bool
curl_open(char *err, size_t errlen)
{
	static const char *const names[] = { "libcurl.so.4",
		"libcurl-gnutls.so.4", "libcurl.so" };
	size_t i;

	if (C.dl != NULL)
		return true;
	for (i = 0; i < sizeof(names) / sizeof(names[0]) && C.dl == NULL; i++)
		C.dl = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (C.dl == NULL) {
		snprintf(err, errlen,
		    "reading ClickHouse needs libcurl (Debian: libcurl4), "
		    "which cannot be loaded: %s",
		    dlerror());
		return false;
	}
	*(void **)&C.global_init = dlsym(C.dl, "curl_global_init");
	*(void **)&C.easy_init = dlsym(C.dl, "curl_easy_init");
	*(void **)&C.easy_setopt = dlsym(C.dl, "curl_easy_setopt");
	*(void **)&C.easy_perform = dlsym(C.dl, "curl_easy_perform");
	*(void **)&C.easy_getinfo = dlsym(C.dl, "curl_easy_getinfo");
	*(void **)&C.easy_cleanup = dlsym(C.dl, "curl_easy_cleanup");
	*(void **)&C.easy_strerror = dlsym(C.dl, "curl_easy_strerror");
	*(void **)&C.slist_append = dlsym(C.dl, "curl_slist_append");
	*(void **)&C.slist_free_all = dlsym(C.dl, "curl_slist_free_all");
	if (C.global_init == NULL || C.easy_init == NULL ||
	    C.easy_setopt == NULL || C.easy_perform == NULL ||
	    C.easy_getinfo == NULL || C.easy_cleanup == NULL ||
	    C.easy_strerror == NULL || C.slist_append == NULL ||
	    C.slist_free_all == NULL) {
		snprintf(err, errlen, "the libcurl found lacks functions");
		dlclose(C.dl);
		C.dl = NULL;
		return false;
	}
	return true;
}

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
		C.easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &f->code);
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
	if (!curl_open(err, errlen))
		goto out;
	if (C.global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (f.curl = C.easy_init()) == NULL) {
		snprintf(err, errlen, "cannot start libcurl");
		goto out;
	}
	cerr[0] = '\0';
	C.easy_setopt(f.curl, CURLOPT_URL, q->url);
	C.easy_setopt(f.curl, CURLOPT_POSTFIELDS, q->sql);
	C.easy_setopt(f.curl, CURLOPT_WRITEFUNCTION, on_body);
	C.easy_setopt(f.curl, CURLOPT_WRITEDATA, &f);
	C.easy_setopt(f.curl, CURLOPT_ERRORBUFFER, cerr);
	C.easy_setopt(f.curl, CURLOPT_NOSIGNAL, 1L);
	C.easy_setopt(f.curl, CURLOPT_CONNECTTIMEOUT, 10L);
	C.easy_setopt(f.curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (q->user != NULL) {
		dbuf_adds(&h, "X-ClickHouse-User: ");
		dbuf_adds(&h, q->user);
		hdr = C.slist_append(hdr, dbuf_str(&h));
	}
	if (q->key != NULL) {
		dbuf_reset(&h);
		dbuf_adds(&h, "X-ClickHouse-Key: ");
		dbuf_adds(&h, q->key);
		hdr = C.slist_append(hdr, dbuf_str(&h));
	}
	if (hdr != NULL)
		C.easy_setopt(f.curl, CURLOPT_HTTPHEADER, hdr);
	rc = C.easy_perform(f.curl);
	if (f.code == 0)
		C.easy_getinfo(f.curl, CURLINFO_RESPONSE_CODE, &f.code);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "ClickHouse at %s: %s", q->url,
		    cerr[0] != '\0' ? cerr : C.easy_strerror(rc));
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
	if (hdr != NULL)
		C.slist_free_all(hdr);
	if (f.curl != NULL)
		C.easy_cleanup(f.curl);
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
