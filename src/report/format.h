/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the three reports share: numbers, shares, durations, sizes and
 * times formatted once, the quantiles of a histogram, the grouping of
 * the plugins' counters. Numbers meant for HTML and SVG are formatted
 * without printf's %f, so that no locale puts a decimal comma into a
 * coordinate.
 */
#ifndef SMTPSCOPE_REPORT_FORMAT_H
#define SMTPSCOPE_REPORT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/report.h"
#include "sinks/histo.h"
#include "sinks/stats.h"

/* A formatted number or label, returned by value (C11 temporaries). */
struct numstr {
	char s[64];
};

/* part as a percentage of whole; 0 when whole is 0. */
double percent_of(uint64_t part, uint64_t whole);

/* 1234567 as "1,234,567". */
struct numstr fmt_num(uint64_t v);
/* v with a fixed number of decimals (0 to 6), always a decimal point. */
struct numstr fmt_fixed(double v, int decimals);
/* fmt_fixed() without trailing zeros: "12.50" is "12.5", "3.0" is "3". */
struct numstr fmt_trimmed(double v, int decimals);
/* Three significant digits, for v >= 0. */
struct numstr fmt_sig3(double v);
/* part's share of whole as "12.5%". */
struct numstr fmt_pct(uint64_t part, uint64_t whole);

/*
 * Seconds and bytes in the unit that suits them. The unit changes at
 * 1 ms, 1 s and each factor of 1000; eps > 1 makes it change a hair
 * early (a value that rounds up to the next unit is shown in it).
 */
enum secs_unit { SECS_US, SECS_MS, SECS_S };
enum secs_unit secs_unit(double v, double eps);
/* Divides *v by 1000 until it is under 1000 (at most four times, TB);
 * returns how many times. */
int scale_thousands(double *v, double eps);

/* The text report's: "12 us", "3.4 ms", "1.25 s"; "512 B", "1.5 KB". */
void fmt_secs_text(double v, char *buf, size_t size);
void fmt_bytes_text(double v, char *buf, size_t size);
/* The same for a narrow column (the dashboard): "12us", "3.4ms",
 * "1.23s", "123s"; "950", "12.3k", "45.6M". */
void fmt_secs_compact(double v, char *buf, size_t size);
void fmt_bytes_compact(double v, char *buf, size_t size);
/* The HTML report's, three significant digits: "12.5 &#181;s", "3 ms",
 * "0" for nothing; "512 B", "1.5 kB". */
struct numstr fmt_secs_html(double v);
struct numstr fmt_bytes_html(double v);

/* A span of time, in words: "under a second", "3 min 20 s", "2 h 05 min". */
struct numstr fmt_duration(double s);

/* Whole seconds of a timestamp, kept in range for the conversion. */
int64_t whole_seconds(double ts);

enum time_form { TF_FULL, TF_MINUTE, TF_CLOCK, TF_CLOCK_MIN, TF_DATE };
/* A timestamp in UTC: "2024-05-01 12:00:59", "2024-05-01 12:00",
 * "12:00:59", "12:00", "2024-05-01"; "-" for none. */
struct numstr fmt_utc(double ts, enum time_form form);

/* What an alert measured, in words: "60% of 5 transactions in 10 min
 * were rejected (threshold 50%)", "5 AUTH failures in 10 min
 * (threshold 5)". */
void fmt_alert(const struct stats_alert *a, char *buf, size_t size);

/* The quantiles of a histogram (min and mean 0 for an empty one). */
struct quantiles {
	double min, p50, p90, p99, max, mean;
};
void histo_quantiles(const struct histo *h, struct quantiles *q);

/* Whether the k-th plugin counter is its plugin's first (the counters
 * come grouped by plugin). */
bool counter_starts_plugin(const struct report_info *ri, size_t k);

#endif
