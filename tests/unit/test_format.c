/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the numbers the reports and the dashboard share
 * (src/report/format.c): one unit rule for the text report's seconds and
 * the dashboard's compact ones. */
#include <stdio.h>
#include <string.h>

#include "report/format.h"

#include "check.h"

static void
secs(int line, double v, const char *text, const char *compact)
{
	char b[32];

	fmt_secs_text(v, b, sizeof(b));
	check_str_at(__FILE__, line, "text", b, text);
	fmt_secs_compact(v, b, sizeof(b));
	check_str_at(__FILE__, line, "compact", b, compact);
}

static void
bytes(int line, double v, const char *text, const char *compact)
{
	char b[32];

	fmt_bytes_text(v, b, sizeof(b));
	check_str_at(__FILE__, line, "text", b, text);
	fmt_bytes_compact(v, b, sizeof(b));
	check_str_at(__FILE__, line, "compact", b, compact);
}

int
main(void)
{
	secs(__LINE__, 0, "0 us", "0us");
	secs(__LINE__, 0.000012, "12 us", "12us");
	secs(__LINE__, 0.0034, "3.4 ms", "3.4ms");
	secs(__LINE__, 0.999, "999.0 ms", "999.0ms");
	secs(__LINE__, 1.234, "1.23 s", "1.23s");
	secs(__LINE__, 99.5, "99.50 s", "99.50s");
	secs(__LINE__, 123.4, "123.40 s", "123s");
	bytes(__LINE__, 512, "512 B", "512");
	bytes(__LINE__, 1500, "1.5 KB", "1500");
	bytes(__LINE__, 12345, "12.3 KB", "12.3k");
	bytes(__LINE__, 45600000, "45.6 MB", "45.6M");
	CHECK_STR(fmt_utc(0, TF_CLOCK).s, "-");
	CHECK_STR(fmt_utc(1796533857.5, TF_CLOCK).s, "05:10:57");
	CHECK_STR(fmt_utc(1796533857.5, TF_FULL).s, "2026-12-06 05:10:57");
	return check_done("format");
}
