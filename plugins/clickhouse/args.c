/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The clickhouse plugin's arguments: comma-separated key=value pairs.
 * Any string may come from the command line: every failure is one
 * sentence, the text quoted in it is short (the host escapes it), and
 * the password is never in it.
 */
#include "clickhouse.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"

#define ARG_SHOWN 60 /* bytes of a bad argument quoted back */
#define ARG_KEYS \
	"url, database, sensor, spool, spool_max, batch, flush, " \
	"queue_max, user, password_file, timeout, dump"

enum arg_key {
	K_URL,
	K_DATABASE,
	K_SENSOR,
	K_SPOOL,
	K_SPOOL_MAX,
	K_BATCH,
	K_FLUSH,
	K_QUEUE_MAX,
	K_USER,
	K_PASSWORD_FILE,
	K_TIMEOUT,
	K_DUMP,
	K_COUNT
};

static const char *const key_names[K_COUNT] = {
	[K_URL] = "url",
	[K_DATABASE] = "database",
	[K_SENSOR] = "sensor",
	[K_SPOOL] = "spool",
	[K_SPOOL_MAX] = "spool_max",
	[K_BATCH] = "batch",
	[K_FLUSH] = "flush",
	[K_QUEUE_MAX] = "queue_max",
	[K_USER] = "user",
	[K_PASSWORD_FILE] = "password_file",
	[K_TIMEOUT] = "timeout",
	[K_DUMP] = "dump",
};

static int
shown(size_t n)
{
	return (int)(n < ARG_SHOWN ? n : ARG_SHOWN);
}

/* Seconds: digits, optionally a point and up to 6 more, in [min, max]. */
static bool
parse_seconds(const char *s, double min, double max, double *out)
{
	double v = 0, scale = 1;
	size_t i = 0, frac = 0;

	if (s[0] < '0' || s[0] > '9')
		return false;
	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (s[i] - '0');
		if (v > 1e9)
			return false;
	}
	if (s[i] == '.') {
		for (i++; s[i] >= '0' && s[i] <= '9'; i++, frac++) {
			if (frac >= 6)
				return false;
			scale /= 10;
			v += (s[i] - '0') * scale;
		}
		if (frac == 0)
			return false;
	}
	if (s[i] != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Printable ASCII without blanks: a user's name, a URL. */
static bool
all_graphic(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/* url=: http:// or https:// (when libcurl speaks TLS), a host, no user
 * or password in it (user= and password_file= say those), no query and
 * no fragment. The trailing slash is dropped. */
static int
check_url(char *url, char *err, size_t errlen)
{
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
	const char *host, *end;
	size_t n = strlen(url);

	if (n > CH_URL_MAX || !all_graphic(url)) {
		snprintf(err, errlen,
		    "url= must be a URL of printable characters, at most %d",
		    CH_URL_MAX);
		return -1;
	}
	if (strncmp(url, "http://", 7) == 0) {
		host = url + 7;
	} else if (strncmp(url, "https://", 8) == 0) {
		if (cv == NULL || !(cv->features & CURL_VERSION_SSL)) {
			snprintf(err, errlen,
			    "url=%.*s: this libcurl has no TLS; use http://",
			    shown(n), url);
			return -1;
		}
		host = url + 8;
	} else {
		snprintf(err, errlen,
		    "url=%.*s is not http://HOST:PORT (nor https://)", shown(n),
		    url);
		return -1;
	}
	end = host + strcspn(host, "/");
	if (end == host || *host == ':') {
		snprintf(err, errlen, "url=%.*s names no host", shown(n), url);
		return -1;
	}
	if (memchr(host, '@', (size_t)(end - host)) != NULL) {
		snprintf(err, errlen,
		    "url= must not hold a user or a password (give user= and "
		    "password_file=)");
		return -1;
	}
	if (strpbrk(url, "?#") != NULL) {
		snprintf(err, errlen,
		    "url=%.*s: no query or fragment, please (the plugin writes "
		    "the query)",
		    shown(n), url);
		return -1;
	}
	while (n > 0 && url[n - 1] == '/' && url + n - 1 >= end)
		url[--n] = '\0';
	return 0;
}

static bool
name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > CH_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!ascii_isalpha((unsigned char)s[i]) &&
		    !ascii_isdigit((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/* The sensor's name: any bytes but control characters, at most
 * CH_SENSOR_MAX. */
static bool
sensor_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > CH_SENSOR_MAX)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* The first line of path: the password. Never quoted in err. */
static int
read_password(const char *path, char **out, char *err, size_t errlen)
{
	char buf[CH_PASSWORD_MAX + 2];
	size_t n, i;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "cannot read password_file=%.200s: %s",
		    path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read password_file=%.200s: %s",
		    path, strerror(errno));
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[n] = '\0';
	n = strcspn(buf, "\n");
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n > CH_PASSWORD_MAX) {
		snprintf(err, errlen,
		    "password_file=%.200s: the password is over %d bytes", path,
		    CH_PASSWORD_MAX);
		explicit_bzero(buf, sizeof(buf));
		return -1;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f) {
			snprintf(err, errlen,
			    "password_file=%.200s: the password holds a "
			    "control "
			    "character",
			    path);
			explicit_bzero(buf, sizeof(buf));
			return -1;
		}
	*out = strndup(buf, n);
	explicit_bzero(buf, sizeof(buf));
	if (*out == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* The value of each key given (NULL: not given). */
static int
split(const char *args, char *val[K_COUNT], char *err, size_t errlen)
{
	const char *p = args;

	while (*p != '\0') {
		const char *comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t klen;
		int k;

		if (len == 0) {
			p++;
			continue;
		}
		if (eq == NULL || eq == p) {
			snprintf(err, errlen,
			    "argument \"%.*s\" is not key=value "
			    "(keys: " ARG_KEYS ")",
			    shown(len), p);
			return -1;
		}
		klen = (size_t)(eq - p);
		for (k = 0; k < K_COUNT; k++)
			if (strlen(key_names[k]) == klen &&
			    memcmp(key_names[k], p, klen) == 0)
				break;
		if (k == K_COUNT) {
			snprintf(err, errlen,
			    "unknown argument \"%.*s\" (keys: " ARG_KEYS ")",
			    shown(klen), p);
			return -1;
		}
		if (val[k] != NULL) {
			snprintf(err, errlen, "argument %s given twice",
			    key_names[k]);
			return -1;
		}
		if ((val[k] = strndup(eq + 1, len - klen - 1)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

static char *
take(char **v)
{
	char *s = *v;

	*v = NULL;
	return s;
}

int
ch_args_parse(const char *args, struct ch_args *a, char *err, size_t errlen)
{
	char *val[K_COUNT] = { NULL };
	char host[256];
	unsigned long n;
	int k, rc = -1;

	memset(a, 0, sizeof(*a));
	a->batch = CH_DEFAULT_BATCH;
	a->flush = CH_DEFAULT_FLUSH;
	a->timeout = CH_DEFAULT_TIMEOUT;
	a->queue_max = CH_DEFAULT_QUEUE_MAX;
	a->spool_max = CH_DEFAULT_SPOOL_MAX;
	if (split(args != NULL ? args : "", val, err, errlen) != 0)
		goto out;
	if (val[K_URL] == NULL || val[K_URL][0] == '\0') {
		snprintf(err, errlen,
		    "url= is needed: the server's HTTP interface, "
		    "url=http://HOST:8123");
		goto out;
	}
	if (check_url(val[K_URL], err, errlen) != 0)
		goto out;
	a->url = take(&val[K_URL]);
	if (val[K_DATABASE] != NULL && !name_ok(val[K_DATABASE])) {
		snprintf(err, errlen,
		    "database=%.*s: letters, digits and _ only, at most %d",
		    shown(strlen(val[K_DATABASE])), val[K_DATABASE],
		    CH_NAME_MAX);
		goto out;
	}
	a->database = val[K_DATABASE] != NULL ? take(&val[K_DATABASE])
					      : strdup(CH_DEFAULT_DATABASE);
	if (val[K_SENSOR] == NULL) {
		if (gethostname(host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "unknown");
		host[sizeof(host) - 1] = '\0';
		val[K_SENSOR] = strdup(host);
		if (val[K_SENSOR] != NULL && !sensor_ok(val[K_SENSOR])) {
			snprintf(err, errlen,
			    "this host's name is no sensor name: give "
			    "sensor=NAME");
			goto out;
		}
	} else if (!sensor_ok(val[K_SENSOR])) {
		snprintf(err, errlen,
		    "sensor= wants a name of 1 to %d bytes, no control "
		    "characters",
		    CH_SENSOR_MAX);
		goto out;
	}
	a->sensor = take(&val[K_SENSOR]);
	if (val[K_SPOOL] != NULL) {
		if (val[K_SPOOL][0] == '\0') {
			snprintf(err, errlen, "spool= wants a folder");
			goto out;
		}
		a->spool = take(&val[K_SPOOL]);
	}
	if (val[K_SPOOL_MAX] != NULL &&
	    !parse_size(
		val[K_SPOOL_MAX], 1ull << 20, 1ull << 50, &a->spool_max)) {
		snprintf(err, errlen,
		    "spool_max=%.*s is not a size of 1M or more (digits, "
		    "optionally K, M or G)",
		    shown(strlen(val[K_SPOOL_MAX])), val[K_SPOOL_MAX]);
		goto out;
	}
	/* In memory, the batches the server did not take share the
	 * run's memory: a smaller bound unless one is given. */
	if (a->spool == NULL && val[K_SPOOL_MAX] == NULL)
		a->spool_max = CH_DEFAULT_MEMORY_SPOOL_MAX;
	if (val[K_QUEUE_MAX] != NULL &&
	    !parse_size(
		val[K_QUEUE_MAX], 1ull << 20, 1ull << 40, &a->queue_max)) {
		snprintf(err, errlen,
		    "queue_max=%.*s is not a size of 1M or more (digits, "
		    "optionally K, M or G)",
		    shown(strlen(val[K_QUEUE_MAX])), val[K_QUEUE_MAX]);
		goto out;
	}
	if (val[K_BATCH] != NULL) {
		if (!parse_ulong(val[K_BATCH], 1, 1000000, &n)) {
			snprintf(err, errlen,
			    "batch=%.*s is not a number of rows from 1 to "
			    "1000000",
			    shown(strlen(val[K_BATCH])), val[K_BATCH]);
			goto out;
		}
		a->batch = n;
	}
	if (val[K_FLUSH] != NULL &&
	    !parse_seconds(val[K_FLUSH], 0.01, 3600, &a->flush)) {
		snprintf(err, errlen,
		    "flush=%.*s is not seconds from 0.01 to 3600 (e.g. 0.5)",
		    shown(strlen(val[K_FLUSH])), val[K_FLUSH]);
		goto out;
	}
	if (val[K_TIMEOUT] != NULL &&
	    !parse_seconds(val[K_TIMEOUT], 0.1, 3600, &a->timeout)) {
		snprintf(err, errlen,
		    "timeout=%.*s is not seconds from 0.1 to 3600 (e.g. 10)",
		    shown(strlen(val[K_TIMEOUT])), val[K_TIMEOUT]);
		goto out;
	}
	if (val[K_USER] != NULL) {
		if (val[K_USER][0] == '\0' ||
		    strlen(val[K_USER]) > CH_NAME_MAX ||
		    !all_graphic(val[K_USER])) {
			snprintf(err, errlen,
			    "user= wants a name of 1 to %d printable "
			    "characters",
			    CH_NAME_MAX);
			goto out;
		}
		a->user = take(&val[K_USER]);
	}
	if (val[K_PASSWORD_FILE] != NULL) {
		if (val[K_PASSWORD_FILE][0] == '\0') {
			snprintf(err, errlen, "password_file= wants a file");
			goto out;
		}
		if (read_password(
			val[K_PASSWORD_FILE], &a->password, err, errlen) != 0)
			goto out;
		if (a->user == NULL && (a->user = strdup("default")) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	if (val[K_DUMP] != NULL) {
		if (val[K_DUMP][0] == '\0') {
			snprintf(err, errlen, "dump= wants a file");
			goto out;
		}
		a->dump = take(&val[K_DUMP]);
	}
	if (a->database == NULL || a->sensor == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	for (k = 0; k < K_COUNT; k++)
		free(val[k]);
	if (rc != 0)
		ch_args_free(a);
	return rc;
}

void
ch_args_free(struct ch_args *a)
{
	free(a->url);
	free(a->database);
	free(a->sensor);
	free(a->spool);
	free(a->user);
	if (a->password != NULL) {
		explicit_bzero(a->password, strlen(a->password));
		free(a->password);
	}
	free(a->dump);
	memset(a, 0, sizeof(*a));
}
