/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The clickhouse plugin's spool: batches the server did not take, kept in
 * order until it does. With a folder, each batch is a file
 * NNNNNNNNNNNN.TABLE.jsonl (a zero-padded number that grows, the table,
 * one row a line), written under a temporary name, fsync'd and renamed
 * into place, so that a crash leaves whole batches or none; files left by
 * an earlier run are taken up at spool_open() and sent first. Without a
 * folder the batches stay in memory and die with the run. Either way the
 * spool holds at most max bytes. Used by the sender thread alone (and by
 * init(), start() and fini() while that thread does not run).
 */
#ifndef CH_SPOOL_H
#define CH_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPOOL_TABLE_MAX 16         /* bytes of a table's name, NUL too */
#define SPOOL_FILE_MAX (64u << 20) /* a bigger file is none of ours */

struct spool_item {
	struct spool_item *next;
	uint64_t num;
	char table[SPOOL_TABLE_MAX];
	size_t bytes;
	size_t rows; /* a file of an earlier run: counted when read */
	char *data;  /* in memory: the rows; on disk: NULL */
};

struct spool {
	char *dir; /* NULL: in memory */
	int dirfd; /* locked (flock) while open */
	uint64_t max, bytes;
	size_t count;
	uint64_t next_num;
	struct spool_item *head, *tail;
	size_t found, skipped; /* files of an earlier run taken, left */
};

enum spool_result {
	SPOOL_OK,
	SPOOL_FULL, /* over max: the batch is not kept */
	SPOOL_IO,   /* the file could not be written: errno says why */
};

/* A spool in dir (NULL: in memory) for the tables named in tables[]:
 * the folder created (0700) when missing, locked against a second
 * smtpscope, and the batches found in it indexed. -1 with one sentence
 * in err. */
int spool_open(struct spool *s, const char *dir, uint64_t max,
    const char *const *tables, size_t ntables, char *err, size_t errlen);
/* A file can be written, synced and removed in the folder (or -1 with
 * one sentence in err). Nothing to do in memory. */
int spool_check(struct spool *s, char *err, size_t errlen);
/* The batch (len bytes, rows rows) of table kept at the end. */
enum spool_result spool_push(struct spool *s, const char *table,
    const char *data, size_t len, size_t rows);
/* The oldest batch: its table, rows and bytes. *data is malloc'd (the
 * caller frees it). -1 when it cannot be read (errno says why; the
 * caller drops it). */
int spool_read_head(struct spool *s, char **data, size_t *len, size_t *rows);
/* The oldest batch gone (its file removed). */
void spool_drop_head(struct spool *s);
/* The oldest batch out of the spool, its file left where it is (one
 * that cannot be read). */
void spool_forget_head(struct spool *s);
static inline bool
spool_empty(const struct spool *s)
{
	return s->head == NULL;
}
/* Everything released; files stay for the next run. */
void spool_close(struct spool *s);

#endif
