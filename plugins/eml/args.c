/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The eml plugin's arguments: comma-separated key=value pairs. Any string
 * may come from the command line: every failure is one sentence, and the
 * text quoted in it is short (the host escapes it).
 */
#include "eml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARG_SHOWN 40 /* bytes of a bad argument quoted back */

static bool
span_is(const char *p, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(p, word, n) == 0;
}

/* A byte count: digits, optionally k, m, g or t (powers of 1024). */
static int
parse_bytes(const char *p, size_t n, uint64_t *out)
{
	uint64_t v = 0, mult = 1;
	size_t i;

	if (n > 0) {
		switch (p[n - 1]) {
		case 'k':
		case 'K':
			mult = 1ULL << 10;
			n--;
			break;
		case 'm':
		case 'M':
			mult = 1ULL << 20;
			n--;
			break;
		case 'g':
		case 'G':
			mult = 1ULL << 30;
			n--;
			break;
		case 't':
		case 'T':
			mult = 1ULL << 40;
			n--;
			break;
		default:
			break;
		}
	}
	if (n == 0 || n > 20)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned d;

		if (p[i] < '0' || p[i] > '9')
			return -1;
		d = (unsigned)(p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

/* keep=accepted|all|NAME+NAME...: outcome names as the host gives them. */
static int
parse_keep(
    const struct smtpscope_host *host, const char *p, size_t n, unsigned *keep)
{
	const char *end = p + n, *plus;
	unsigned o;

	*keep = 0;
	if (span_is(p, n, "all")) {
		for (o = SMTPSCOPE_OUTCOME_NONE; o < SMTPSCOPE_OUTCOME_COUNT;
		     o++)
			*keep |= 1u << o;
		return 0;
	}
	while (p <= end) {
		size_t len;
		bool found = false;

		plus = memchr(p, '+', (size_t)(end - p));
		len = plus != NULL ? (size_t)(plus - p) : (size_t)(end - p);
		for (o = SMTPSCOPE_OUTCOME_NONE; o < SMTPSCOPE_OUTCOME_COUNT;
		     o++) {
			const char *name = host->outcome_name(o);

			if (name != NULL && span_is(p, len, name)) {
				*keep |= 1u << o;
				found = true;
			}
		}
		if (!found)
			return -1;
		if (plus == NULL)
			break;
		p = plus + 1;
	}
	return 0;
}

int
eml_args_parse(const struct smtpscope_host *host, const char *args,
    struct eml_args *a, char *err, size_t errlen)
{
	const char *p = args != NULL ? args : "";
	unsigned seen = 0;

	memset(a, 0, sizeof(*a));
	a->keep = 1u << SMTPSCOPE_OUTCOME_ACCEPTED;
	a->full = EML_FULL_OLDEST;
	while (*p != '\0') {
		const char *comma = strchr(p, ','), *eq, *v;
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		size_t klen, vlen;
		unsigned bit;

		eq = memchr(p, '=', len);
		if (eq == NULL || eq == p) {
			snprintf(err, errlen,
			    "argument \"%.*s\" is not key=value (keys: dir, "
			    "keep, max_size, max_disk, full)",
			    (int)(len < ARG_SHOWN ? len : ARG_SHOWN), p);
			goto fail;
		}
		klen = (size_t)(eq - p);
		v = eq + 1;
		vlen = len - klen - 1;
		if (span_is(p, klen, "dir"))
			bit = 1;
		else if (span_is(p, klen, "keep"))
			bit = 2;
		else if (span_is(p, klen, "max_size"))
			bit = 4;
		else if (span_is(p, klen, "max_disk"))
			bit = 8;
		else if (span_is(p, klen, "full"))
			bit = 16;
		else {
			snprintf(err, errlen,
			    "unknown argument \"%.*s\" (keys: dir, keep, "
			    "max_size, max_disk, full)",
			    (int)(klen < ARG_SHOWN ? klen : ARG_SHOWN), p);
			goto fail;
		}
		if (seen & bit) {
			snprintf(err, errlen, "argument %.*s given twice",
			    (int)klen, p);
			goto fail;
		}
		seen |= bit;
		switch (bit) {
		case 1:
			if (vlen == 0 || memchr(v, '\0', vlen) != NULL) {
				snprintf(err, errlen, "dir= is empty");
				goto fail;
			}
			if ((a->dir = malloc(vlen + 1)) == NULL) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			memcpy(a->dir, v, vlen);
			a->dir[vlen] = '\0';
			break;
		case 2:
			if (parse_keep(host, v, vlen, &a->keep) != 0) {
				snprintf(err, errlen,
				    "keep=%.*s: want all, or outcome names "
				    "joined by '+' (accepted, rejected, "
				    "tempfail, lost, aborted, dropped)",
				    (int)(vlen < ARG_SHOWN ? vlen : ARG_SHOWN),
				    v);
				goto fail;
			}
			break;
		case 4:
			if (parse_bytes(v, vlen, &a->max_size) != 0) {
				snprintf(err, errlen,
				    "max_size=%.*s is not a byte count "
				    "(digits, optionally k, m, g or t)",
				    (int)(vlen < ARG_SHOWN ? vlen : ARG_SHOWN),
				    v);
				goto fail;
			}
			a->has_max_size = true;
			break;
		case 8:
			if (parse_bytes(v, vlen, &a->max_disk) != 0 ||
			    a->max_disk == 0) {
				snprintf(err, errlen,
				    "max_disk=%.*s is not a byte count above "
				    "0 (digits, optionally k, m, g or t)",
				    (int)(vlen < ARG_SHOWN ? vlen : ARG_SHOWN),
				    v);
				goto fail;
			}
			break;
		default:
			if (span_is(v, vlen, "oldest"))
				a->full = EML_FULL_OLDEST;
			else if (span_is(v, vlen, "stop"))
				a->full = EML_FULL_STOP;
			else {
				snprintf(err, errlen,
				    "full=%.*s: want oldest or stop",
				    (int)(vlen < ARG_SHOWN ? vlen : ARG_SHOWN),
				    v);
				goto fail;
			}
			break;
		}
		if (comma == NULL)
			break;
		p = comma + 1;
		if (*p == '\0') {
			snprintf(err, errlen, "an argument is empty");
			goto fail;
		}
	}
	if (a->dir == NULL) {
		snprintf(err, errlen,
		    "dir=PATH is required (where the .eml files go)");
		goto fail;
	}
	return 0;
fail:
	eml_args_free(a);
	return -1;
}

void
eml_args_free(struct eml_args *a)
{
	free(a->dir);
	a->dir = NULL;
}
