/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The streaming MIME walker (see mime.h). Bytes go through one line-start
 * matcher that holds the first bytes of each line only while they could
 * still be a boundary line of an open multipart ("--" boundary ["--"]
 * blanks, innermost first, as RFC 2046 and Python's email package read
 * it); everything else goes on at once to the current sink: the header
 * section of the entity being read, the decoder and hashes of a leaf, or
 * nowhere (preambles, epilogues, parts over max_parts).
 *
 * The line end before a boundary line belongs to the boundary (RFC 2046):
 * it is not content of the leaf that the boundary ends, also when that is
 * an outer multipart's boundary (an inner one not closed), as Python's
 * email package reads it too.
 */
#include "mime.h"
#include "mimehdr.h"

#include "lib/base64.h"
#include "lib/qp.h"

#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "--" boundary "--", some blanks, a CR. */
#define HEAD_MAX (2 + MIME_BOUNDARY_MAX + 2 + 64 + 1)

enum mode {
	MODE_HEADER, /* reading an entity's header section */
	MODE_LEAF,   /* decoding and hashing a leaf */
	MODE_SKIP,   /* preamble, epilogue, a part not recorded */
};

enum cte { CTE_RAW, CTE_BASE64, CTE_QP };

/* How far the current line start matches one open boundary. */
enum match {
	MATCH_DEAD,
	MATCH_PREFIX,   /* within "--boundary" */
	MATCH_AFTER,    /* right after it */
	MATCH_DASH1,    /* one "-" after it */
	MATCH_OPEN_WS,  /* blanks after "--boundary" */
	MATCH_CLOSE_WS, /* "--boundary--" and blanks */
};

struct frame {
	char *b;
	size_t blen;
	unsigned depth; /* of the multipart */
	bool digest;    /* multipart/digest: parts default to message/rfc822 */
	uint8_t st;     /* enum match at the current line start */
	bool cr;        /* a CR ended the match: only LF may follow */
};

struct mime_walker {
	struct mime_limits lim;
	struct mime_stats stats;
	double ts;
	bool finished;
	unsigned recursion;

	struct frame *frames;
	size_t nframes;

	enum mode mode;
	bool at_line_start;
	uint8_t head[HEAD_MAX];
	size_t head_len, alive;

	/* The entity whose header section is read. */
	unsigned ent_depth;
	bool ent_default_msg;
	unsigned ent_limits;
	uint8_t *hdr;
	size_t hdr_len, hdr_cap;
	bool hdr_over;   /* over max_header */
	bool line_over;  /* the current line was not all kept */
	size_t line_off; /* where the current line starts in hdr */
	uint64_t line_len;
	uint8_t line_last;
	bool skip_gap; /* a gap while skipping: the next entity is suspect */

	/* The leaf being decoded: parts[nparts - 1]. */
	enum cte cte;
	char pending_eol[2]; /* the last line end, held: a boundary's? */
	size_t pending_len;
	bool held_cr; /* a CR at the end of a chunk: its LF may follow */
	struct base64_stream b64; /* base64 and quoted-printable decoders */
	struct qp_stream qp;      /* (lib/): which one cte says */
	struct md5_ctx md5;
	struct sha1_ctx sha1;
	struct sha256_ctx sha256;

	struct mime_part *parts;
	size_t nparts, parts_cap;
	bool parts_over;
};

static void feed(struct mime_walker *w, const uint8_t *p, size_t n);

/* ---- decoding and hashing ---------------------------------------------- */

static void
hash_bytes(struct mime_walker *w, const uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	w->parts[w->nparts - 1].size += n;
	md5_update(&w->md5, n, p);
	sha1_update(&w->sha1, n, p);
	sha256_update(&w->sha256, n, p);
}

/* Where the decoders hand their bytes. */
static void
hash_out(void *arg, const uint8_t *p, size_t n)
{
	hash_bytes(arg, p, n);
}

/* Content of the leaf, still encoded. */
static void
leaf_content(struct mime_walker *w, const uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	switch (w->cte) {
	case CTE_BASE64:
		base64_stream_feed(&w->b64, p, n, hash_out, w);
		break;
	case CTE_QP:
		qp_stream_feed(&w->qp, p, n, hash_out, w);
		break;
	case CTE_RAW:
		hash_bytes(w, p, n);
		break;
	}
}

/* The held line end and CR: the line goes on, they are content. */
static void
leaf_release(struct mime_walker *w)
{
	if (w->pending_len > 0) {
		leaf_content(
		    w, (const uint8_t *)w->pending_eol, w->pending_len);
		w->pending_len = 0;
	}
	if (w->held_cr) {
		leaf_content(w, (const uint8_t *)"\r", 1);
		w->held_cr = false;
	}
}

static void
leaf_bytes(struct mime_walker *w, const uint8_t *p, size_t n)
{
	if (n == 0) {
		/* An empty line begins (a held CR waits for its LF). */
		if (w->pending_len > 0) {
			leaf_content(
			    w, (const uint8_t *)w->pending_eol, w->pending_len);
			w->pending_len = 0;
		}
		return;
	}
	leaf_release(w);
	if (n > 0 && p[n - 1] == '\r') {
		leaf_content(w, p, n - 1);
		w->held_cr = true;
	} else
		leaf_content(w, p, n);
}

static void
leaf_line_end(struct mime_walker *w)
{
	if (w->held_cr) {
		memcpy(w->pending_eol, "\r\n", 2);
		w->pending_len = 2;
	} else {
		w->pending_eol[0] = '\n';
		w->pending_len = 1;
	}
	w->held_cr = false;
}

static void
leaf_finish(struct mime_walker *w, bool drop_eol, unsigned limits)
{
	struct mime_part *pt = &w->parts[w->nparts - 1];
	bool bad = false;

	if (drop_eol) {
		w->pending_len = 0;
		w->held_cr = false;
	}
	leaf_release(w);
	if (w->cte == CTE_BASE64) {
		base64_stream_end(&w->b64);
		bad = w->b64.bad;
	} else if (w->cte == CTE_QP) {
		qp_stream_end(&w->qp, hash_out, w);
		bad = w->qp.bad;
	}
	md5_digest(&w->md5, sizeof(pt->md5), pt->md5);
	sha1_digest(&w->sha1, sizeof(pt->sha1), pt->sha1);
	sha256_digest(&w->sha256, sizeof(pt->sha256), pt->sha256);
	pt->limits |= limits;
	pt->bad_encoding = bad;
	if (bad)
		w->stats.bad_encoding++;
	w->mode = MODE_SKIP;
}

/* ---- entities ----------------------------------------------------------- */

static void
start_entity(struct mime_walker *w, unsigned depth, bool default_msg)
{
	w->mode = MODE_HEADER;
	w->ent_depth = depth;
	w->ent_default_msg = default_msg;
	w->ent_limits = w->skip_gap ? MIME_LIMIT_GAP : 0;
	w->skip_gap = false;
	w->hdr_len = 0;
	w->hdr_over = false;
	w->line_over = false;
	w->line_off = 0;
	w->line_len = 0;
	w->line_last = 0;
}

static void
start_leaf(struct mime_walker *w, struct mime_fields *f, const char *type,
    unsigned depth, unsigned limits)
{
	struct mime_part *pt;

	if (w->nparts >= w->lim.max_parts) {
		if (!w->parts_over) {
			w->parts_over = true;
			w->stats.parts++;
			if (w->nparts > 0)
				w->parts[w->nparts - 1].limits |=
				    MIME_LIMIT_PARTS;
		}
		w->mode = MODE_SKIP;
		return;
	}
	if (w->nparts == w->parts_cap) {
		size_t cap = w->parts_cap ? w->parts_cap * 2 : 4;
		struct mime_part *np;

		if (cap > w->lim.max_parts)
			cap = w->lim.max_parts;
		if ((np = realloc(w->parts, cap * sizeof(*np))) == NULL) {
			w->mode = MODE_SKIP; /* out of memory: not recorded */
			return;
		}
		w->parts = np;
		w->parts_cap = cap;
	}
	pt = &w->parts[w->nparts++];
	memset(pt, 0, sizeof(*pt));
	pt->index = (unsigned)(w->nparts - 1);
	pt->depth = depth;
	pt->ts = w->ts;
	snprintf(pt->mime_type, sizeof(pt->mime_type), "%s", type);
	pt->has_disposition = f->has_disposition;
	memcpy(pt->disposition, f->disposition, sizeof(pt->disposition));
	pt->has_encoding = f->has_encoding;
	memcpy(pt->encoding, f->encoding, sizeof(pt->encoding));
	pt->filename = f->filename;
	pt->filename_len = f->filename_len;
	f->filename = NULL;
	pt->limits = limits;
	if (strcmp(f->encoding, "base64") == 0)
		w->cte = CTE_BASE64;
	else if (strcmp(f->encoding, "quoted-printable") == 0)
		w->cte = CTE_QP;
	else
		w->cte = CTE_RAW;
	w->pending_len = 0;
	w->held_cr = false;
	base64_stream_init(&w->b64);
	qp_stream_init(&w->qp);
	md5_init(&w->md5);
	sha1_init(&w->sha1);
	sha256_init(&w->sha256);
	w->mode = MODE_LEAF;
}

static bool
push_frame(
    struct mime_walker *w, struct mime_fields *f, unsigned depth, bool digest)
{
	struct frame *nf, *fr;

	if ((nf = realloc(w->frames, (w->nframes + 1) * sizeof(*nf))) == NULL)
		return false;
	w->frames = nf;
	fr = &w->frames[w->nframes++];
	fr->b = f->boundary;
	fr->blen = f->boundary_len;
	fr->depth = depth;
	fr->digest = digest;
	f->boundary = NULL;
	fr->cr = false;
	if (w->head_len == 0) {
		fr->st = MATCH_PREFIX;
		w->alive++;
	} else
		fr->st = MATCH_DEAD;
	return true;
}

static void
pop_frame(struct mime_walker *w)
{
	w->nframes--;
	free(w->frames[w->nframes].b);
}

static bool
encoding_is_identity(const struct mime_fields *f)
{
	return !f->has_encoding || f->encoding[0] == '\0' ||
	    strcmp(f->encoding, "7bit") == 0 ||
	    strcmp(f->encoding, "8bit") == 0 ||
	    strcmp(f->encoding, "binary") == 0;
}

/* The header section of the entity is over: what is it? */
static void
end_headers(struct mime_walker *w)
{
	struct mime_fields f;
	unsigned depth = w->ent_depth, limits = w->ent_limits;
	const char *type;

	mime_fields_parse(w->hdr, w->hdr_len, &f);
	if (f.type[0] != '\0')
		type = f.type;
	else if (f.has_type || !w->ent_default_msg)
		type = "text/plain";
	else
		type = "message/rfc822";
	w->hdr_len = 0;
	w->ent_limits = 0;
	if (strncmp(type, "multipart/", 10) == 0 &&
	    (f.boundary != NULL || f.boundary_too_long)) {
		if (f.boundary_too_long) {
			w->stats.boundary++;
			limits |= MIME_LIMIT_BOUNDARY;
		} else if (depth >= w->lim.max_depth) {
			w->stats.depth++;
			limits |= MIME_LIMIT_DEPTH;
		} else if (push_frame(w, &f, depth,
			       strcmp(type, "multipart/digest") == 0)) {
			w->mode = MODE_SKIP;
			w->skip_gap = (limits & MIME_LIMIT_GAP) != 0;
			mime_fields_free(&f);
			return;
		}
	} else if (strncmp(type, "message/", 8) == 0 &&
	    strcmp(type, "message/delivery-status") != 0 &&
	    encoding_is_identity(&f)) {
		if (depth >= w->lim.max_depth) {
			w->stats.depth++;
			limits |= MIME_LIMIT_DEPTH;
		} else {
			start_entity(w, depth + 1, false);
			w->ent_limits |= limits & MIME_LIMIT_GAP;
			mime_fields_free(&f);
			return;
		}
	}
	start_leaf(w, &f, type, depth, limits);
	mime_fields_free(&f);
}

/* Python's email package: is this line a header field (or a fold)? */
static bool
header_like(const uint8_t *l, size_t n)
{
	size_t i;

	if (n >= 5 && memcmp(l, "From ", 5) == 0)
		return true;
	if (n >= 1 && (l[0] == ' ' || l[0] == '\t'))
		return true;
	for (i = 0; i < n; i++) {
		if (l[i] == ':')
			return true;
		if (l[i] < 0x21 || l[i] > 0x7e)
			return false;
	}
	return false;
}

static void
header_bytes(struct mime_walker *w, const uint8_t *p, size_t n)
{
	size_t room, take;

	if (n == 0)
		return;
	w->line_len += n;
	w->line_last = p[n - 1];
	room =
	    w->lim.max_header > w->hdr_len ? w->lim.max_header - w->hdr_len : 0;
	take = n < room ? n : room;
	if (take < n) {
		w->line_over = true;
		if (!w->hdr_over) {
			w->hdr_over = true;
			w->stats.header++;
			w->ent_limits |= MIME_LIMIT_HEADER;
		}
	}
	if (take == 0)
		return;
	if (w->hdr_len + take > w->hdr_cap) {
		size_t cap = w->hdr_cap ? w->hdr_cap : 1024;
		uint8_t *nh;

		while (cap < w->hdr_len + take)
			cap *= 2;
		if (cap > w->lim.max_header)
			cap = w->lim.max_header;
		if ((nh = realloc(w->hdr, cap)) == NULL) {
			w->line_over = true;
			return;
		}
		w->hdr = nh;
		w->hdr_cap = cap;
	}
	memcpy(w->hdr + w->hdr_len, p, take);
	w->hdr_len += take;
}

static void
header_line_end(struct mime_walker *w)
{
	size_t n = w->hdr_len - w->line_off;
	uint8_t *copy;

	if (w->line_len == 0 || (w->line_len == 1 && w->line_last == '\r')) {
		w->hdr_len = w->line_off; /* the empty line is not a field */
		end_headers(w);
		return;
	}
	if (!w->line_over && !header_like(w->hdr + w->line_off, n) &&
	    w->recursion < 4 * (w->lim.max_depth + 2)) {
		/* Not a field: the body begins with this line (Python reads
		 * it again as the first body line). */
		if ((copy = malloc(n + 1)) != NULL) {
			memcpy(copy, w->hdr + w->line_off, n);
			copy[n] = '\n';
			w->hdr_len = w->line_off;
			end_headers(w);
			w->recursion++;
			feed(w, copy, n + 1);
			w->recursion--;
			free(copy);
			return;
		}
	}
	if (!w->hdr_over)
		header_bytes(w, (const uint8_t *)"\n", 1);
	w->line_off = w->hdr_len;
	w->line_len = 0;
	w->line_last = 0;
	w->line_over = false;
}

/* ---- lines and boundaries ---------------------------------------------- */

static void
sink_bytes(struct mime_walker *w, const uint8_t *p, size_t n)
{
	switch (w->mode) {
	case MODE_HEADER:
		header_bytes(w, p, n);
		break;
	case MODE_LEAF:
		leaf_bytes(w, p, n);
		break;
	case MODE_SKIP:
		break;
	}
}

static void
sink_line_end(struct mime_walker *w)
{
	switch (w->mode) {
	case MODE_HEADER:
		header_line_end(w);
		break;
	case MODE_LEAF:
		leaf_line_end(w);
		break;
	case MODE_SKIP:
		break;
	}
}

static void
head_reset(struct mime_walker *w)
{
	size_t i;

	w->head_len = 0;
	w->at_line_start = true;
	for (i = 0; i < w->nframes; i++) {
		w->frames[i].st = MATCH_PREFIX;
		w->frames[i].cr = false;
	}
	w->alive = w->nframes;
}

/* c appended to the line start; the frames it may still match. */
static size_t
head_push(struct mime_walker *w, uint8_t c)
{
	size_t pos = w->head_len, i;
	bool blank = c == ' ' || c == '\t';

	w->head[w->head_len++] = c;
	for (i = 0; i < w->nframes; i++) {
		struct frame *f = &w->frames[i];
		uint8_t st = f->st;

		if (st == MATCH_DEAD)
			continue;
		if (f->cr)
			st = MATCH_DEAD;
		else if (st == MATCH_PREFIX) {
			uint8_t want = pos < 2 ? '-' : (uint8_t)f->b[pos - 2];

			if (c != want)
				st = MATCH_DEAD;
			else if (pos + 1 == 2 + f->blen)
				st = MATCH_AFTER;
		} else if (c == '\r' && st != MATCH_DASH1)
			f->cr = true;
		else if (st == MATCH_AFTER)
			st = c == '-' ? MATCH_DASH1
			    : blank   ? MATCH_OPEN_WS
				      : MATCH_DEAD;
		else if (st == MATCH_DASH1)
			st = c == '-' ? MATCH_CLOSE_WS : MATCH_DEAD;
		else if (!blank)
			st = MATCH_DEAD;
		if (st == MATCH_DEAD)
			w->alive--;
		f->st = st;
	}
	return w->alive;
}

/* The innermost frame the whole line start matches, or -1. */
static long
head_match(const struct mime_walker *w, bool *close)
{
	size_t i;

	for (i = w->nframes; i-- > 0;) {
		uint8_t st = w->frames[i].st;

		if (st == MATCH_AFTER || st == MATCH_OPEN_WS ||
		    st == MATCH_CLOSE_WS) {
			*close = st == MATCH_CLOSE_WS;
			return (long)i;
		}
	}
	return -1;
}

/* A boundary line of frames[j]: what was open in it ends. */
static void
boundary_hit(struct mime_walker *w, long j, bool close)
{
	unsigned guard = 0;

	while (w->mode == MODE_HEADER && guard++ <= w->lim.max_depth + 1)
		end_headers(w);
	if (w->mode == MODE_HEADER)
		w->mode = MODE_SKIP;
	if (w->mode == MODE_LEAF)
		leaf_finish(w, true, 0);
	while ((long)w->nframes > j + 1)
		pop_frame(w);
	if (close) {
		pop_frame(w);
		w->mode = MODE_SKIP;
	} else
		start_entity(w, w->frames[j].depth + 1, w->frames[j].digest);
	head_reset(w);
}

/* The line start is no boundary: it goes to the sink. */
static void
head_flush(struct mime_walker *w)
{
	sink_bytes(w, w->head, w->head_len);
	w->head_len = 0;
	w->at_line_start = false;
}

static void
feed(struct mime_walker *w, const uint8_t *p, size_t n)
{
	const uint8_t *nl;
	size_t k;
	bool close;
	long j;

	while (n > 0) {
		if (w->at_line_start) {
			if (*p == '\n') {
				p++;
				n--;
				if ((j = head_match(w, &close)) >= 0) {
					boundary_hit(w, j, close);
					continue;
				}
				sink_bytes(w, w->head, w->head_len);
				head_reset(w);
				sink_line_end(w);
				continue;
			}
			if (w->head_len == HEAD_MAX) {
				head_flush(w);
				continue;
			}
			if (head_push(w, *p) == 0 || w->nframes == 0) {
				p++;
				n--;
				head_flush(w);
				continue;
			}
			p++;
			n--;
			continue;
		}
		nl = memchr(p, '\n', n);
		k = nl != NULL ? (size_t)(nl - p) : n;
		sink_bytes(w, p, k);
		if (nl == NULL)
			return;
		p += k + 1;
		n -= k + 1;
		head_reset(w);
		sink_line_end(w);
	}
}

/* ---- the interface ------------------------------------------------------ */

struct mime_walker *
mime_walker_new(const struct mime_limits *lim)
{
	struct mime_walker *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->lim = *lim;
	if (w->lim.max_parts == 0)
		w->lim.max_parts = 1;
	start_entity(w, 0, false);
	head_reset(w);
	return w;
}

void
mime_walker_set_time(struct mime_walker *w, double ts)
{
	w->ts = ts;
}

void
mime_walker_feed(struct mime_walker *w, const uint8_t *p, size_t n)
{
	if (!w->finished && n > 0)
		feed(w, p, n);
}

void
mime_walker_gap(struct mime_walker *w, size_t n)
{
	if (w->finished || n == 0)
		return;
	if (w->at_line_start)
		head_flush(w);
	w->at_line_start = false;
	switch (w->mode) {
	case MODE_LEAF:
		w->parts[w->nparts - 1].limits |= MIME_LIMIT_GAP;
		leaf_release(w);
		break;
	case MODE_HEADER:
		w->ent_limits |= MIME_LIMIT_GAP;
		w->line_len += n;
		w->line_last = 0;
		w->line_over = true;
		break;
	case MODE_SKIP:
		w->skip_gap = true;
		break;
	}
}

void
mime_walker_finish(struct mime_walker *w, bool complete)
{
	unsigned guard = 0;
	bool close;
	long j;

	if (w->finished)
		return;
	if (w->at_line_start && w->head_len > 0) {
		if ((j = head_match(w, &close)) >= 0)
			boundary_hit(w, j, close);
		else
			head_flush(w);
	}
	while (w->mode == MODE_HEADER && guard++ <= w->lim.max_depth + 1)
		end_headers(w);
	if (w->mode == MODE_LEAF)
		leaf_finish(w, false, complete ? 0 : MIME_LIMIT_CUT);
	while (w->nframes > 0)
		pop_frame(w);
	w->mode = MODE_SKIP;
	w->finished = true;
}

size_t
mime_walker_nparts(const struct mime_walker *w)
{
	return w->nparts;
}

const struct mime_part *
mime_walker_part(const struct mime_walker *w, size_t i)
{
	return i < w->nparts ? &w->parts[i] : NULL;
}

const struct mime_stats *
mime_walker_stats(const struct mime_walker *w)
{
	return &w->stats;
}

void
mime_walker_free(struct mime_walker *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->nframes; i++)
		free(w->frames[i].b);
	free(w->frames);
	for (i = 0; i < w->nparts; i++)
		free(w->parts[i].filename);
	free(w->parts);
	free(w->hdr);
	free(w);
}
