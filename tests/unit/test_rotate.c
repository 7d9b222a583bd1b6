/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of sinks/rotate: intervals aligned on the epoch, the names
 * of rotated files (a strftime pattern in UTC, or Zeek's stamp before the
 * extension), and the capture's figures of one interval.
 */
#include <stdio.h>
#include <string.h>

#include "sinks/rotate.h"

#include "check.h"

/* 2026-01-31T13:05:09Z */
#define T0 1769864709.25

static void
expect_name(int line, const char *pattern, double start, const char *want)
{
	char out[256];

	if (rotate_name(pattern, start, out, sizeof(out)) != 0)
		snprintf(out, sizeof(out), "(refused)");
	check_str_at(__FILE__, line, pattern, out, want);
}

static void
test_interval(void)
{
	CHECK(rotate_interval_start(T0, 3600) == 1769864400.0);
	CHECK(rotate_interval_start(T0, 60) == 1769864700.0);
	CHECK(rotate_interval_start(T0, 1) == 1769864709.0);
	CHECK(rotate_interval_start(1769864400.0, 3600) == 1769864400.0);
}

static void
test_names(void)
{
	char small[8];

	expect_name(__LINE__, "smtp-%Y%m%d-%H%M%S.jsonl", T0,
	    "smtp-20260131-130509.jsonl");
	expect_name(__LINE__, "/var/log/smtp-%H.jsonl", 1769864400.0,
	    "/var/log/smtp-13.jsonl");
	expect_name(__LINE__, "100%%.jsonl", T0, "100%.jsonl");
	/* No pattern: Zeek's stamp before the extension. */
	expect_name(
	    __LINE__, "smtp.log", 1769864400.0, "smtp.2026-01-31-13-00-00.log");
	expect_name(__LINE__, "out/mail.jsonl", T0,
	    "out/mail.2026-01-31-13-05-09.jsonl");
	expect_name(
	    __LINE__, "out.d/mail", T0, "out.d/mail.2026-01-31-13-05-09");
	expect_name(__LINE__, ".hidden", T0, ".hidden.2026-01-31-13-05-09");
	expect_name(__LINE__, "a.tar.gz", T0, "a.tar.2026-01-31-13-05-09.gz");
	/* What does not fit, or makes nothing, is refused. */
	CHECK(rotate_name("%Y%m%d%H%M%S", T0, small, sizeof(small)) == -1);
	CHECK(rotate_name("smtp.log", T0, small, sizeof(small)) == -1);
	CHECK(rotate_name("%p", T0, small, 1) == -1);
	CHECK(rotate_is_pattern("a%H") && !rotate_is_pattern("a.jsonl"));
	/* The nth interval begun under the same name. */
	CHECK(rotate_name_nth("s-%H%M%S.jsonl", T0, 0, small, sizeof(small)) ==
	    -1);
	{
		char out[128];

		CHECK(rotate_name_nth(
			  "s-%H%M%S.jsonl", T0, 2, out, sizeof(out)) == 0);
		CHECK_STR(out, "s-130509.2.jsonl");
		CHECK(rotate_name_nth("log", T0, 1, out, sizeof(out)) == 0);
		CHECK_STR(out, "log.2026-01-31-13-05-09.1");
		CHECK(rotate_name_nth("d/smtp.log", T0, 0, out, sizeof(out)) ==
		    0);
		CHECK_STR(out, "d/smtp.2026-01-31-13-05-09.log");
	}
}

static void
test_health(void)
{
	struct health now, base, out;

	memset(&now, 0, sizeof(now));
	memset(&base, 0, sizeof(base));
	now.cs.live = true;
	now.cs.packets = 100;
	now.cs.pcap_drops = 7;
	now.rs.packets = 90;
	now.rs.gaps = 3;
	now.rs.nids_warning[2] = 5;
	now.rs.active = 4;
	now.rs.active_max = 9;
	now.rs.clock_jump_max = 61.5;
	base.cs.packets = 40;
	base.cs.pcap_drops = 2;
	base.rs.packets = 30;
	base.rs.gaps = 3;
	base.rs.nids_warning[2] = 1;
	base.rs.active_max = 8;
	rotate_health_since(&now, &base, &out);
	CHECK_UINT(out.cs.packets, 60);
	CHECK_UINT(out.cs.pcap_drops, 5);
	CHECK_UINT(out.rs.packets, 60);
	CHECK_UINT(out.rs.gaps, 0);
	CHECK_UINT(out.rs.nids_warning[2], 4);
	/* Not counters: as now. */
	CHECK_UINT(out.rs.active, 4);
	CHECK_UINT(out.rs.active_max, 9);
	CHECK(out.rs.clock_jump_max == 61.5 && out.cs.live);
}

int
main(void)
{
	test_interval();
	test_names();
	test_health();
	return check_done("rotate");
}
