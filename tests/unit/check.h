/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The unit tests' one harness. Each check counts once, passed or failed;
 * a failure prints file:line and what was wrong on stderr; check_done()
 * prints the line tests/run.sh reads, "NAME: N passed, N failed", and
 * gives main() its exit status.
 *
 *   CHECK(cond)              the expression is the message
 *   CHECKF(cond, fmt, ...)   a message of one's own, printf-style
 *   CHECK_STR(got, want)     strings, got and want shown (NULL == NULL)
 *   CHECK_INT(got, want)     signed integers, got and want shown
 *   CHECK_UINT(got, want)    unsigned integers, got and want shown
 *
 * Each is an expression that says whether the check held, so a test can
 * stop at the first failure of a loop. A helper that checks for its
 * caller passes the caller's __FILE__ and __LINE__ to check_at(),
 * check_str_at(), check_int_at() or check_uint_at().
 */
#ifndef SMTPSCOPE_TESTS_CHECK_H
#define SMTPSCOPE_TESTS_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static unsigned check_passed, check_failed;

static inline bool check_at(const char *file, int line, bool ok,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static inline bool
check_at(const char *file, int line, bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		check_passed++;
		return true;
	}
	check_failed++;
	fprintf(stderr, "%s:%d: FAIL: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return false;
}

static inline bool
check_str_at(const char *file, int line, const char *what, const char *got,
    const char *want)
{
	bool same =
	    got == NULL || want == NULL ? got == want : strcmp(got, want) == 0;

	return check_at(file, line, same, "%s: got \"%s\", want \"%s\"", what,
	    got != NULL ? got : "(null)", want != NULL ? want : "(null)");
}

static inline bool
check_int_at(
    const char *file, int line, const char *what, long long got, long long want)
{
	return check_at(file, line, got == want, "%s: got %lld, want %lld",
	    what, got, want);
}

static inline bool
check_uint_at(const char *file, int line, const char *what,
    unsigned long long got, unsigned long long want)
{
	return check_at(file, line, got == want, "%s: got %llu, want %llu",
	    what, got, want);
}

#define CHECK(cond) check_at(__FILE__, __LINE__, (cond) != 0, "%s", #cond)
#define CHECKF(cond, ...) check_at(__FILE__, __LINE__, (cond) != 0, __VA_ARGS__)
#define CHECK_STR(got, want) \
	check_str_at(__FILE__, __LINE__, #got, (got), (want))
#define CHECK_INT(got, want) \
	check_int_at(__FILE__, __LINE__, #got, (got), (want))
#define CHECK_UINT(got, want) \
	check_uint_at(__FILE__, __LINE__, #got, (got), (want))

/* The summary line and main()'s exit status. */
static inline int
check_done(const char *name)
{
	printf("%s: %u passed, %u failed\n", name, check_passed, check_failed);
	return check_failed > 0 ? 1 : 0;
}

#endif
