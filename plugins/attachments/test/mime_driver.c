/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MIME walker alone, for tests/t-plugin-attachments.sh: reads one
 * message from a file and prints a JSON line per part, then one of the
 * limits hit. -s also walks the message split at every byte offset, and
 * one byte at a time, and fails (exit 1) unless every walk prints the
 * same. -g OFF:LEN turns bytes OFF..OFF+LEN into a gap (never captured).
 *
 *   cc -Isrc -Iplugins/attachments -o drv \
 *       plugins/attachments/test/mime_driver.c \
 *       plugins/attachments/{mime,mimehdr}.c src/lib/{util,base64,qp,hex}.c \
 *       -lnettle
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/hex.h"
#include "lib/util.h"
#include "mime.h"

static struct mime_limits lim = { 8, 100, 16384 };
static long gap_off = -1, gap_len;

/* Feeds msg[from..to), with the gap applied. */
static void
feed_range(struct mime_walker *w, const uint8_t *msg, size_t from, size_t to)
{
	size_t gs, ge, a, b;

	if (gap_off < 0) {
		mime_walker_feed(w, msg + from, to - from);
		return;
	}
	gs = (size_t)gap_off;
	ge = gs + (size_t)gap_len;
	/* before the gap, in it, after it */
	a = from < gs ? from : gs;
	b = to < gs ? to : gs;
	if (from < gs && b > a)
		mime_walker_feed(w, msg + a, b - a);
	a = from > gs ? from : gs;
	b = to < ge ? to : ge;
	if (b > a)
		mime_walker_gap(w, b - a);
	a = from > ge ? from : ge;
	if (to > a)
		mime_walker_feed(w, msg + a, to - a);
}

/* A JSON string, quotes included, as the plugin writes it; NULL: null. */
static void
json_str(struct dbuf *b, const uint8_t *s, size_t n)
{
	if (s == NULL) {
		DBUF_LIT(b, "null");
		return;
	}
	dbuf_addc(b, '"');
	json_escape_str(b, s, n);
	dbuf_addc(b, '"');
}

static void
json_cstr(struct dbuf *b, const char *s)
{
	json_str(b, (const uint8_t *)s, s != NULL ? strlen(s) : 0);
}

static void
print_walk(struct mime_walker *w, struct dbuf *b)
{
	const struct mime_stats *st = mime_walker_stats(w);
	const struct mime_part *pt;
	size_t i;

	for (i = 0; i < mime_walker_nparts(w); i++) {
		pt = mime_walker_part(w, i);
		dbuf_printf(b,
		    "{\"part\":%u,\"depth\":%u,\"mime_type\":", pt->index,
		    pt->depth);
		json_cstr(b, pt->mime_type);
		dbuf_adds(b, ",\"disposition\":");
		json_cstr(b,
		    pt->has_disposition && pt->disposition[0] ? pt->disposition
							      : NULL);
		dbuf_adds(b, ",\"filename\":");
		json_str(
		    b, (const uint8_t *)pt->filename, pt->filename_len);
		dbuf_adds(b, ",\"transfer_encoding\":");
		json_cstr(b,
		    pt->has_encoding && pt->encoding[0] ? pt->encoding : NULL);
		dbuf_printf(b, ",\"size\":%llu,\"md5\":\"",
		    (unsigned long long)pt->size);
		hex_append(b, pt->md5, sizeof(pt->md5));
		dbuf_adds(b, "\",\"sha1\":\"");
		hex_append(b, pt->sha1, sizeof(pt->sha1));
		dbuf_adds(b, "\",\"sha256\":\"");
		hex_append(b, pt->sha256, sizeof(pt->sha256));
		dbuf_printf(b, "\",\"limits\":%u,\"bad_encoding\":%s}\n",
		    pt->limits, pt->bad_encoding ? "true" : "false");
	}
	dbuf_printf(b,
	    "{\"stats\":{\"depth\":%llu,\"parts\":%llu,\"header\":%llu,"
	    "\"boundary\":%llu,",
	    (unsigned long long)st->depth, (unsigned long long)st->parts,
	    (unsigned long long)st->header, (unsigned long long)st->boundary);
	dbuf_printf(b, "\"bad_encoding\":%llu}}\n",
	    (unsigned long long)st->bad_encoding);
}

/* The walk of msg fed in pieces at the offsets cuts[0..ncuts). */
static void
walk(const uint8_t *msg, size_t n, const size_t *cuts, size_t ncuts,
    struct dbuf *out)
{
	struct mime_walker *w = mime_walker_new(&lim);
	size_t from = 0, i;

	if (w == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	for (i = 0; i < ncuts; i++) {
		feed_range(w, msg, from, cuts[i]);
		from = cuts[i];
	}
	feed_range(w, msg, from, n);
	mime_walker_finish(w, true);
	print_walk(w, out);
	mime_walker_free(w);
}

int
main(int argc, char **argv)
{
	struct dbuf whole, other;
	uint8_t *msg = NULL;
	size_t n = 0, cap = 0, k, *cuts;
	bool splits = false;
	FILE *f;
	int c;

	while ((c = getopt(argc, argv, "d:p:H:sg:")) != -1) {
		switch (c) {
		case 'd':
			lim.max_depth = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'p':
			lim.max_parts = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'H':
			lim.max_header = strtoul(optarg, NULL, 10);
			break;
		case 's':
			splits = true;
			break;
		case 'g':
			if (sscanf(optarg, "%ld:%ld", &gap_off, &gap_len) != 2)
				return 2;
			break;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc || (f = fopen(argv[optind], "rb")) == NULL) {
		fprintf(stderr,
		    "usage: mime_driver [-s] [-d N] [-p N] [-H N] "
		    "[-g OFF:LEN] FILE\n");
		return 2;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((msg = realloc(msg, cap)) == NULL)
				return 2;
		}
		k = fread(msg + n, 1, cap - n, f);
		if (k == 0)
			break;
		n += k;
	}
	fclose(f);
	dbuf_init(&whole, SIZE_MAX / 2);
	dbuf_init(&other, SIZE_MAX / 2);
	walk(msg, n, NULL, 0, &whole);
	fwrite(whole.p, 1, whole.len, stdout);
	fflush(stdout);
	if (splits) {
		for (k = 0; k <= n; k++) {
			dbuf_reset(&other);
			walk(msg, n, &k, 1, &other);
			if (other.len != whole.len ||
			    memcmp(other.p, whole.p, whole.len) != 0) {
				fprintf(stderr, "split at %zu differs:\n%s", k,
				    dbuf_str(&other));
				free(msg);
				dbuf_free(&whole);
				dbuf_free(&other);
				return 1;
			}
		}
		if ((cuts = malloc((n + 1) * sizeof(*cuts))) == NULL)
			return 2;
		for (k = 0; k < n; k++)
			cuts[k] = k + 1;
		dbuf_reset(&other);
		walk(msg, n, cuts, n, &other);
		free(cuts);
		if (other.len != whole.len ||
		    memcmp(other.p, whole.p, whole.len) != 0) {
			fprintf(stderr, "byte at a time differs:\n%s",
			    dbuf_str(&other));
			free(msg);
			dbuf_free(&whole);
			dbuf_free(&other);
			return 1;
		}
	}
	free(msg);
	dbuf_free(&whole);
	dbuf_free(&other);
	return 0;
}
