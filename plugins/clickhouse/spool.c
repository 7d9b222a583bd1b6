/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The spool (spool.h). Files are named by a number that only grows
 * (12 digits, zero-padded, so that the names sort as the numbers do),
 * the table and ".jsonl"; ".tmp-" names are batches being written, and
 * one left by a crash is removed at the next open. The folder is locked
 * (flock on the folder itself) for as long as the spool is open: two
 * smtpscope runs sending one folder's batches twice, or numbering two
 * batches alike, is refused at once.
 */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPOOL_NUM_DIGITS 12
#define SPOOL_SUFFIX ".jsonl"
#define SPOOL_TMP_PREFIX ".tmp-"

static void
item_name(const struct spool_item *it, char *buf, size_t size)
{
	snprintf(buf, size, "%0*llu.%s" SPOOL_SUFFIX, SPOOL_NUM_DIGITS,
	    (unsigned long long)it->num, it->table);
}

static void
append_item(struct spool *s, struct spool_item *it)
{
	it->next = NULL;
	if (s->tail != NULL)
		s->tail->next = it;
	else
		s->head = it;
	s->tail = it;
	s->count++;
	s->bytes += it->bytes;
}

/* The number and table of a spool file's name ("000000000042.
 * transactions.jsonl"), for a table of tables[]; false for any other
 * name. */
static bool
parse_name(const char *name, const char *const *tables, size_t ntables,
    uint64_t *num, char *table)
{
	const char *p = name, *dot;
	uint64_t v = 0;
	size_t digits = 0, i, tlen;

	while (*p >= '0' && *p <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p++ - '0');
		digits++;
	}
	if (digits < SPOOL_NUM_DIGITS || *p != '.')
		return false;
	p++;
	if ((dot = strchr(p, '.')) == NULL || strcmp(dot, SPOOL_SUFFIX) != 0)
		return false;
	tlen = (size_t)(dot - p);
	for (i = 0; i < ntables; i++)
		if (strlen(tables[i]) == tlen &&
		    memcmp(tables[i], p, tlen) == 0 && tlen < SPOOL_TABLE_MAX) {
			memcpy(table, p, tlen);
			table[tlen] = '\0';
			*num = v;
			return true;
		}
	return false;
}

static int
by_number(const void *a, const void *b)
{
	const struct spool_item *x = *(const struct spool_item *const *)a;
	const struct spool_item *y = *(const struct spool_item *const *)b;

	return x->num < y->num ? -1 : x->num > y->num;
}

/* The batches an earlier run left, in the order of their numbers; its
 * half-written files removed. */
static int
scan(struct spool *s, const char *const *tables, size_t ntables, char *err,
    size_t errlen)
{
	struct spool_item **all = NULL, *it;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	if ((fd = dup(s->dirfd)) < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "cannot read the spool folder %.200s: %s",
		    s->dir, strerror(errno));
		return -1;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		char table[SPOOL_TABLE_MAX];
		uint64_t num;

		if (strncmp(de->d_name, SPOOL_TMP_PREFIX,
			strlen(SPOOL_TMP_PREFIX)) == 0) {
			(void)unlinkat(s->dirfd, de->d_name, 0);
			continue;
		}
		if (!parse_name(de->d_name, tables, ntables, &num, table))
			continue;
		if (fstatat(s->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) !=
			0 ||
		    !S_ISREG(st.st_mode) || st.st_size <= 0 ||
		    (uint64_t)st.st_size > SPOOL_FILE_MAX) {
			s->skipped++;
			continue;
		}
		if (n == cap) {
			struct spool_item **grown;

			cap = cap != 0 ? cap * 2 : 64;
			if ((grown = realloc(all, cap * sizeof(*all))) == NULL)
				goto nomem;
			all = grown;
		}
		if ((it = calloc(1, sizeof(*it))) == NULL)
			goto nomem;
		it->num = num;
		memcpy(it->table, table, sizeof(table));
		it->bytes = (size_t)st.st_size;
		all[n++] = it;
	}
	closedir(d);
	if (n > 0)
		qsort(all, n, sizeof(*all), by_number);
	for (i = 0; i < n; i++) {
		append_item(s, all[i]);
		if (all[i]->num >= s->next_num)
			s->next_num = all[i]->num + 1;
	}
	s->found = n;
	free(all);
	return 0;
nomem:
	closedir(d);
	for (i = 0; i < n; i++)
		free(all[i]);
	free(all);
	snprintf(err, errlen, "out of memory reading the spool folder");
	return -1;
}

int
spool_open(struct spool *s, const char *dir, uint64_t max,
    const char *const *tables, size_t ntables, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->dirfd = -1;
	s->max = max;
	s->next_num = 1;
	if (dir == NULL)
		return 0;
	if ((s->dir = strdup(dir)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen,
		    "cannot create the spool folder %.200s: %s", dir,
		    strerror(errno));
		goto fail;
	}
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		snprintf(err, errlen, "cannot open the spool folder %.200s: %s",
		    dir, strerror(errno));
		goto fail;
	}
	/* The lock is on the folder itself: no file of ours beside the
	 * batches. */
	if (flock(s->dirfd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err, errlen,
		    "the spool folder %.200s is in use by another smtpscope "
		    "(give each its own)",
		    dir);
		goto fail;
	}
	if (scan(s, tables, ntables, err, errlen) != 0)
		goto fail;
	return 0;
fail:
	spool_close(s);
	return -1;
}

/* All of data to fd. */
static int
write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* data into the folder under name, whole or not at all: a temporary
 * file written and synced, renamed, the folder synced. */
static int
write_file(struct spool *s, const char *name, const char *data, size_t len)
{
	char tmp[64];
	int fd, saved;

	snprintf(tmp, sizeof(tmp), SPOOL_TMP_PREFIX "%.40s", name);
	fd = openat(s->dirfd, tmp,
	    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		saved = errno;
		close(fd);
		(void)unlinkat(s->dirfd, tmp, 0);
		errno = saved;
		return -1;
	}
	if (close(fd) != 0 || renameat(s->dirfd, tmp, s->dirfd, name) != 0) {
		saved = errno;
		(void)unlinkat(s->dirfd, tmp, 0);
		errno = saved;
		return -1;
	}
	(void)fsync(s->dirfd);
	return 0;
}

int
spool_check(struct spool *s, char *err, size_t errlen)
{
	char name[40];

	if (s->dir == NULL)
		return 0;
	snprintf(name, sizeof(name), "check-%ld", (long)getpid());
	if (write_file(s, name, "\n", 1) != 0 ||
	    unlinkat(s->dirfd, name, 0) != 0) {
		snprintf(err, errlen,
		    "cannot write in the spool folder %.200s: %s", s->dir,
		    strerror(errno));
		return -1;
	}
	return 0;
}

enum spool_result
spool_push(struct spool *s, const char *table, const char *data, size_t len,
    size_t rows)
{
	struct spool_item *it;
	char name[64];

	if (len > s->max - (s->bytes < s->max ? s->bytes : s->max) ||
	    len > SPOOL_FILE_MAX)
		return SPOOL_FULL;
	if (strlen(table) >= SPOOL_TABLE_MAX ||
	    (it = calloc(1, sizeof(*it))) == NULL) {
		errno = ENOMEM;
		return SPOOL_IO;
	}
	it->num = s->next_num;
	memcpy(it->table, table, strlen(table) + 1);
	it->bytes = len;
	it->rows = rows;
	if (s->dir == NULL) {
		if ((it->data = malloc(len)) == NULL) {
			free(it);
			errno = ENOMEM;
			return SPOOL_IO;
		}
		memcpy(it->data, data, len);
	} else {
		item_name(it, name, sizeof(name));
		if (write_file(s, name, data, len) != 0) {
			free(it);
			return SPOOL_IO;
		}
	}
	s->next_num++;
	append_item(s, it);
	return SPOOL_OK;
}

/* Rows of a batch: its lines. */
static size_t
count_rows(const char *data, size_t len)
{
	size_t rows = 0, i;

	for (i = 0; i < len; i++)
		rows += data[i] == '\n';
	if (len > 0 && data[len - 1] != '\n')
		rows++;
	return rows;
}

int
spool_read_head(struct spool *s, char **data, size_t *len, size_t *rows)
{
	struct spool_item *it = s->head;
	char name[64], *buf;
	struct stat st;
	size_t got = 0;
	int fd, saved;

	*data = NULL;
	*len = 0;
	*rows = 0;
	if (it == NULL) {
		errno = ENOENT;
		return -1;
	}
	if (s->dir == NULL) {
		if ((*data = malloc(it->bytes)) == NULL)
			return -1;
		memcpy(*data, it->data, it->bytes);
		*len = it->bytes;
		*rows = it->rows;
		return 0;
	}
	item_name(it, name, sizeof(name));
	if ((fd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) <
	    0)
		return -1;
	if (fstat(fd, &st) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > SPOOL_FILE_MAX) {
		close(fd);
		errno = S_ISREG(st.st_mode) && st.st_size > 0 ? EFBIG : EINVAL;
		return -1;
	}
	if ((buf = malloc((size_t)st.st_size)) == NULL) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			saved = n == 0 ? EIO : errno;
			free(buf);
			close(fd);
			errno = saved;
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	/* The file as read is what the spool holds now. */
	s->bytes -= it->bytes;
	it->bytes = got;
	s->bytes += got;
	it->rows = count_rows(buf, got);
	*data = buf;
	*len = got;
	*rows = it->rows;
	return 0;
}

static void
drop_head(struct spool *s, bool remove)
{
	struct spool_item *it = s->head;
	char name[64];

	if (it == NULL)
		return;
	if (s->dir != NULL && remove) {
		item_name(it, name, sizeof(name));
		(void)unlinkat(s->dirfd, name, 0);
		(void)fsync(s->dirfd);
	}
	s->head = it->next;
	if (s->head == NULL)
		s->tail = NULL;
	s->count--;
	s->bytes -= it->bytes < s->bytes ? it->bytes : s->bytes;
	free(it->data);
	free(it);
}

void
spool_drop_head(struct spool *s)
{
	drop_head(s, true);
}

void
spool_forget_head(struct spool *s)
{
	drop_head(s, false);
}

void
spool_close(struct spool *s)
{
	struct spool_item *it, *next;

	for (it = s->head; it != NULL; it = next) {
		next = it->next;
		free(it->data);
		free(it);
	}
	s->head = s->tail = NULL;
	s->count = 0;
	s->bytes = 0;
	if (s->dirfd >= 0)
		close(s->dirfd); /* the lock goes with it */
	s->dirfd = -1;
	free(s->dir);
	s->dir = NULL;
}
