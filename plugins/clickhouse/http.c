/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The clickhouse plugin's HTTP client: one libcurl easy handle (its
 * connection kept from one batch to the next), used by the sender thread
 * alone. The user and the password go in ClickHouse's headers
 * X-ClickHouse-User and X-ClickHouse-Key, never in the URL, so that no
 * log or error text holds them.
 */
#include "clickhouse.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_ANSWER_KEPT 200 /* bytes of an error answer kept */

struct ch_http {
	CURL *curl;
	struct curl_slist *headers;
	bool (*stop)(void *);
	void *stop_arg;
	char answer[HTTP_ANSWER_KEPT + 1];
	size_t answer_len;
	struct ch_answer *keep; /* the request's whole answer, or NULL */
	char curl_err[CURL_ERROR_SIZE];
};

/* The answer: whole in h->keep when asked (up to its max), else its
 * first bytes (an error's text); the rest read and dropped. */
static size_t
on_answer(char *data, size_t size, size_t nmemb, void *arg)
{
	struct ch_http *h = arg;
	size_t n = size * nmemb, room = HTTP_ANSWER_KEPT - h->answer_len;
	struct ch_answer *a = h->keep;

	if (room > n)
		room = n;
	memcpy(h->answer + h->answer_len, data, room);
	h->answer_len += room;
	if (a != NULL && !a->over) {
		char *p;

		if (n > a->max - a->len) {
			a->over = true;
			return n;
		}
		if ((p = realloc(a->p, a->len + n + 1)) == NULL) {
			a->over = true;
			return n;
		}
		a->p = p;
		memcpy(a->p + a->len, data, n);
		a->len += n;
		a->p[a->len] = '\0';
	}
	return n;
}

static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	struct ch_http *h = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return h->stop != NULL && h->stop(h->stop_arg) ? 1 : 0;
}

/* A header "Name: value" added to the list (false: out of memory). The
 * text is wiped after use: it may hold the password. */
static bool
add_header(struct ch_http *h, const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 3;
	struct curl_slist *l;
	char *line = malloc(n);

	if (line == NULL)
		return false;
	snprintf(line, n, "%s: %s", name, value);
	l = curl_slist_append(h->headers, line);
	explicit_bzero(line, n);
	free(line);
	if (l == NULL)
		return false;
	h->headers = l;
	return true;
}

struct ch_http *
ch_http_new(const struct ch_args *a, bool (*stop)(void *), void *stop_arg)
{
	struct ch_http *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->stop = stop;
	h->stop_arg = stop_arg;
	if ((h->curl = curl_easy_init()) == NULL)
		goto fail;
	/* No "Expect: 100-continue" round trip before each batch. */
	if (!add_header(h, "Expect", "") ||
	    !add_header(h, "Content-Type", "text/plain; charset=utf-8") ||
	    (a->user != NULL && !add_header(h, "X-ClickHouse-User", a->user)) ||
	    (a->password != NULL &&
		!add_header(h, "X-ClickHouse-Key", a->password)))
		goto fail;
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->headers);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_answer);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(h->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h->curl, CURLOPT_XFERINFODATA, h);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->curl_err);
	curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85 */
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "smtpscope-clickhouse");
	return h;
fail:
	ch_http_free(h);
	return NULL;
}

void
ch_http_free(struct ch_http *h)
{
	if (h == NULL)
		return;
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	curl_slist_free_all(h->headers);
	free(h);
}

/* The server's answer as one short line: its first line. */
static void
answer_line(const struct ch_http *h, char *out, size_t size)
{
	snprintf(out, size, "%.*s", (int)strcspn(h->answer, "\r\n"), h->answer);
}

int
ch_http_post(struct ch_http *h, const char *url, const char *data, size_t len,
    double timeout, struct ch_answer *answer, char *why, size_t whylen)
{
	long ms = (long)(timeout * 1000), status = 0;
	char line[HTTP_ANSWER_KEPT + 1];
	CURLcode rc;

	if (ms < 1)
		ms = 1;
	h->answer_len = 0;
	h->curl_err[0] = '\0';
	h->keep = answer;
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, data);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS, ms);
	rc = curl_easy_perform(h->curl);
	h->keep = NULL;
	h->answer[h->answer_len] = '\0';
	if (rc != CURLE_OK) {
		snprintf(why, whylen, "%s",
		    h->curl_err[0] != '\0' ? h->curl_err
					   : curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status == 200 && answer != NULL && answer->over) {
		snprintf(why, whylen, "an answer over %zu bytes", answer->max);
		return -1;
	}
	if (status == 200)
		return 0;
	answer_line(h, line, sizeof(line));
	snprintf(why, whylen, "HTTP %ld%s%s", status,
	    line[0] != '\0' ? ": " : "", line);
	return -1;
}

char *
ch_http_url(const char *base)
{
	static const char settings[] = "/?input_format_skip_unknown_fields=1";
	size_t n = strlen(base) + sizeof(settings);
	char *url = malloc(n);

	if (url != NULL)
		snprintf(url, n, "%s%s", base, settings);
	return url;
}
