/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event/codes.h"
#include "lib/util.h"
#include "net/capture.h"
#include "net/v6map.h"

static void usage(FILE *f);

void
fail(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "smtpscope: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(status);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: smtpscope -r FILE [-r FILE ...] [options]\n"
	    "       smtpscope -i IFACE [options]\n"
	    "\n"
	    "input\n"
	    "  -r FILE              read a capture (pcap or pcapng, or one "
	    "compressed\n"
	    "                       with gzip, xz, zstd or bzip2; - is "
	    "stdin); repeat\n"
	    "                       to read several, in the time order of "
	    "their packets\n"
	    "  -i IFACE             capture live on IFACE (any: all of them)\n"
	    "  -f EXPR              BPF filter, ANDed with the mail-port "
	    "filter\n"
	    "      --ports LIST     mail ports to follow (default "
	    "25,465,587,24,366:\n"
	    "                       SMTP, submission, LMTP, ODMR); \"any\" "
	    "in it: every\n"
	    "                       other TCP connection too, kept if its "
	    "first bytes\n"
	    "                       are SMTP (also inside an HTTP CONNECT "
	    "tunnel)\n"
	    "  -B MB                kernel capture buffer, live (default 64)\n"
	    "  -c N                 stop after N packets on the mail ports "
	    "(as tcpdump -c)\n"
	    "  -D                   list the interfaces one can capture on, "
	    "then exit\n"
	    "  -p, --no-promisc     do not put the interface in promiscuous "
	    "mode\n"
	    "  -Z USER              drop root privileges after opening the "
	    "capture\n"
	    "      --plugin NAME[:key=value,...]  load a plugin (repeatable, "
	    "in order)\n"
	    "      --list-plugins   the plugins found, with their "
	    "descriptions\n"
	    "      --clickhouse-schema  the SQL of the tables the clickhouse "
	    "plugin\n"
	    "                       writes into (docs/clickhouse.sql), then "
	    "exit\n"
	    "      --verify-checksums  drop segments with bad TCP checksums\n"
	    "      --no-midstream  do not pick up connections whose handshake\n"
	    "                       was not seen (only count them)\n"
	    "      --idle-timeout S free a session idle for S seconds "
	    "(default 600)\n"
	    "memory (SIZE in bytes, or with K, M or G; each pool evicts its "
	    "oldest when full)\n"
	    "      --memory-limit SIZE  the whole program (default 1G, at "
	    "least 64M);\n"
	    "                       the budgets below are shared out of it "
	    "unless given\n"
	    "      --max-sessions N concurrent TCP sessions followed "
	    "(default: one for\n"
	    "                       each 12K of the pools' share, at most "
	    "65536)\n"
	    "      --max-session-bytes SIZE  what the sessions hold "
	    "(default: the rest)\n"
	    "      --max-ooo-bytes SIZE  TCP segments waiting out of order "
	    "(default:\n"
	    "                       1/32 of the pools' share)\n"
	    "      --max-fragment-bytes SIZE  IP fragments waiting "
	    "(default: 1/256)\n"
	    "      --max-ipv6-standins N  IPv6 addresses mapped at once "
	    "(default: two\n"
	    "                       for each TCP stream followed)\n"
	    "      --memory-plan    print the budgets these give, then exit\n"
	    "message tracking (on by default: `message` records, drops, "
	    "bounces)\n"
	    "      --track-window S a message is settled after S seconds "
	    "without news,\n"
	    "                       and one a relay holds that long is "
	    "dropped (default 900)\n"
	    "      --track-max N    messages followed at once; the oldest "
	    "is settled\n"
	    "                       early beyond (default 20000)\n"
	    "      --no-track       no message tracking\n"
	    "alerts (on by default: `alert` records, the reports, the "
	    "dashboard)\n"
	    "      --alert NAME=V[,NAME=V...]  a threshold (0 turns one off): "
	    "reject_rate,\n"
	    "                       tempfail_rate, lost_rate (%% of "
	    "transactions; 50, 30, 10),\n"
	    "                       rate_min (20), auth_failures (5 from a "
	    "client),\n"
	    "                       auth_window (600 s), greeting_latency "
	    "(5 s),\n"
	    "                       final_latency (30 s), latency_min (5), "
	    "kernel_drops (1),\n"
	    "                       window (600 s)\n"
	    "      --no-alerts      no alerts\n"
	    "output\n"
	    "  -w FILE              JSON Lines log (- is stdout)\n"
	    "      --zeek-log DIR   write DIR/smtp.log in Zeek's format\n"
	    "      --transcript     print each session as a dialogue on "
	    "stdout\n"
	    "      --report FMT     text, json or html: at the end, on "
	    "SIGUSR1;\n"
	    "                       repeatable, each with its own -o\n"
	    "  -o FILE              where the --report before it goes "
	    "(default stdout)\n"
	    "      --report-every S rewrite the report files every S "
	    "seconds (atomically)\n"
	    "      --rotate S       new log, Zeek log and report files every "
	    "S seconds,\n"
	    "                       named from -w/-o's strftime pattern "
	    "(UTC) or with\n"
	    "                       the interval's start before the "
	    "extension\n"
	    "      --rotate-size SIZE  also when the JSON or Zeek log "
	    "reaches SIZE\n"
	    "                       (bytes, or with K, M or G)\n"
	    "      --localtime      days, hours and clocks of the reports and "
	    "the dashboard\n"
	    "                       in local time (TZ, else the system's "
	    "zone), not UTC\n"
	    "      --umask MASK     new logs and reports get mode 0666 & "
	    "~MASK (octal;\n"
	    "                       default: the umask with 027 added, so "
	    "0640)\n"
	    "      --community-id-seed N  the seed of the Community ID "
	    "in the logs\n"
	    "                       (0 to 65535, default 0, as Zeek's and "
	    "Suricata's)\n"
	    "      --pcap-out FILE  the packets of the sessions followed, "
	    "as read, with\n"
	    "                       their handshakes and teardowns (pcap; "
	    "- is stdout)\n"
	    "      --pcap-sessions LIST  only these sessions (the log's "
	    "session_id: 3,7,10-12)\n"
	    "dashboard\n"
	    "      --tui            the live dashboard (default for -i on a "
	    "terminal)\n"
	    "      --no-tui         never the dashboard\n"
	    "      --speed X|max    replay -r files at X times capture pace "
	    "(default 1\n"
	    "                       with --tui, else max)\n"
	    "      --max-frames N   leave the dashboard after N frames\n"
	    "      --no-color       a plain dashboard\n"
	    "      --tui-history N  sessions and event lines the dashboard "
	    "keeps\n"
	    "                       (default 5000, 10 to 100000)\n"
	    "      --stats-interval S  live without a dashboard: a statistics "
	    "line\n"
	    "                       on stderr every S seconds (default 10, "
	    "0: never)\n"
	    "  -v                   more on stderr: each input, the filter, "
	    "and at the end\n"
	    "                       the capture's and the reassembly's "
	    "counters\n"
	    "  -q                   quiet: no progress bar, no summary on "
	    "stderr\n"
	    "      --trace-states   each change of a session's state on "
	    "stderr\n"
	    "      --explain CODE   what a reply code (550), an enhanced "
	    "code (5.1.1)\n"
	    "                       or both (\"550 5.7.1\") mean, then "
	    "exit\n"
	    "  -h, --help           this help\n"
	    "  -V, --version        the version\n"
	    "\n"
	    "Exit status: 0 success, 1 damaged input (results cover what was "
	    "read),\n"
	    "2 usage error, 3 a capture could not be opened, 4 an output "
	    "could not be\n"
	    "written, 141 the reader of standard output went away (the run "
	    "stopped).\n");
}

/* "25,587,2525-2530": each port once, in the order given. Any list or
 * range is fine: the kernel's filter stays small (capture.c). */
static int
parse_ports(const char *list, uint16_t *ports, size_t *n, bool *any)
{
	static uint8_t seen[8192];
	char buf[4096], *p, *end, *dash;
	unsigned long a, b, v;

	if (strlen(list) >= sizeof(buf))
		return -1;
	memcpy(buf, list, strlen(list) + 1);
	memset(seen, 0, sizeof(seen));
	*n = 0;
	for (p = buf; *p != '\0'; p = end) {
		end = strchr(p, ',');
		if (end != NULL)
			*end++ = '\0';
		else
			end = p + strlen(p);
		if (strcmp(p, "any") == 0) {
			*any = true;
			continue;
		}
		if ((dash = strchr(p, '-')) != NULL) {
			*dash = '\0';
			if (!parse_ulong(p, 1, 65535, &a) ||
			    !parse_ulong(dash + 1, 1, 65535, &b) || b < a)
				return -1;
		} else {
			if (!parse_ulong(p, 1, 65535, &a))
				return -1;
			b = a;
		}
		for (v = a; v <= b; v++) {
			if ((seen[v >> 3] >> (v & 7)) & 1)
				continue;
			seen[v >> 3] |= (uint8_t)(1u << (v & 7));
			ports[(*n)++] = (uint16_t)v;
		}
	}
	return *n > 0 || *any ? 0 : -1;
}

enum {
	OPT_PORTS = 256,
	OPT_VERIFY,
	OPT_NO_MIDSTREAM,
	OPT_MAX_SESSIONS,
	OPT_IDLE,
	OPT_ZEEK,
	OPT_TRANSCRIPT,
	OPT_REPORT,
	OPT_TUI,
	OPT_NO_TUI,
	OPT_SPEED,
	OPT_MAX_FRAMES,
	OPT_NO_COLOR,
	OPT_TUI_HISTORY,
	OPT_LOCALTIME,
	OPT_STATS_INTERVAL,
	OPT_PLUGIN,
	OPT_LIST_PLUGINS,
	OPT_EXPLAIN,
	OPT_TRACE_STATES,
	OPT_UMASK,
	OPT_MEMORY_LIMIT,
	OPT_MAX_SESSION_BYTES,
	OPT_MAX_OOO_BYTES,
	OPT_MAX_FRAGMENT_BYTES,
	OPT_MAX_IPV6_STANDINS,
	OPT_MEMORY_PLAN,
	OPT_NO_TRACK,
	OPT_TRACK_WINDOW,
	OPT_ALERT,
	OPT_NO_ALERTS,
	OPT_TRACK_MAX,
	OPT_ROTATE,
	OPT_REPORT_EVERY,
	OPT_ROTATE_SIZE,
	OPT_COMMUNITY_ID_SEED,
	OPT_PCAP_OUT,
	OPT_PCAP_SESSIONS,
	OPT_CLICKHOUSE_SCHEMA,
};

/* -o before any --report (the only one, later). */
static const char *early_outfile;

const char *
report_format_name(enum report_format f)
{
	switch (f) {
	case REPORT_TEXT:
		return "text";
	case REPORT_JSON:
		return "json";
	case REPORT_HTML:
		return "html";
	case REPORT_NONE:
		break;
	}
	return "none";
}

/* -o FILE: the file of the --report before it. */
static void
opt_outfile(struct options *o, const char *file)
{
	struct report_spec *last =
	    o->nreports > 0 ? &o->reports[o->nreports - 1] : NULL;

	if (last == NULL) {
		if (early_outfile != NULL)
			fail(EXIT_USAGE,
			    "-o %s and -o %s: each --report takes the one -o "
			    "after it",
			    early_outfile, file);
		early_outfile = file;
	} else if (last->outfile != NULL)
		fail(EXIT_USAGE,
		    "-o %s follows --report %s, whose file is already %s: "
		    "each --report takes the one -o after it",
		    file, report_format_name(last->format), last->outfile);
	else
		last->outfile = file;
}

static bool
to_stdout(const char *file)
{
	return file == NULL || strcmp(file, "-") == 0;
}

static bool
reports_on_stdout(const struct options *o)
{
	size_t i;

	for (i = 0; i < o->nreports; i++)
		if (to_stdout(o->reports[i].outfile))
			return true;
	return false;
}

/* Two outputs named alike that would share a file: not "-" (standard
 * output, checked apart) nor /dev/null, which holds nothing. */
static bool
same_file(const char *a, const char *b)
{
	return !to_stdout(a) && !to_stdout(b) && strcmp(a, b) == 0 &&
	    strcmp(a, "/dev/null") != 0;
}

/*
 * The reports with their files, each output in a file or on standard
 * output of its own: two formats never share one (refused, as
 * --transcript with -w - is).
 */
static void
check_reports(struct options *o)
{
	size_t i, j;

	if (early_outfile != NULL) {
		if (o->nreports == 0)
			fail(EXIT_USAGE, "%s",
			    "-o names the report's file: add --report");
		if (o->nreports > 1 || o->reports[0].outfile != NULL)
			fail(EXIT_USAGE,
			    "-o %s comes before any --report: with several "
			    "reports, give each its -o after it",
			    early_outfile);
		o->reports[0].outfile = early_outfile;
	}
	for (i = 0; i < o->nreports; i++) {
		const struct report_spec *a = &o->reports[i];
		const char *fa = report_format_name(a->format);

		for (j = i + 1; j < o->nreports; j++) {
			const struct report_spec *b = &o->reports[j];

			if (to_stdout(a->outfile) && to_stdout(b->outfile))
				fail(EXIT_USAGE,
				    "--report %s and --report %s would both "
				    "go to standard output: give each its "
				    "own -o FILE",
				    fa, report_format_name(b->format));
			if (same_file(a->outfile, b->outfile))
				fail(EXIT_USAGE,
				    "--report %s and --report %s both name %s: "
				    "one file holds one format",
				    fa, report_format_name(b->format),
				    a->outfile);
		}
		if (to_stdout(a->outfile)) {
			if (o->wfile != NULL && strcmp(o->wfile, "-") == 0)
				fail(EXIT_USAGE,
				    "-w - and --report %s both want standard "
				    "output: give the report -o FILE",
				    fa);
			if (o->transcript)
				fail(EXIT_USAGE,
				    "--transcript and --report %s both want "
				    "standard output: give the report -o FILE",
				    fa);
			if (o->report_every > 0)
				fail(EXIT_USAGE,
				    "--report-every replaces the report's "
				    "file: "
				    "give --report %s -o FILE",
				    fa);
			if (o->rotate > 0 || o->rotate_size > 0)
				fail(EXIT_USAGE,
				    "--rotate writes a report each interval: "
				    "give --report %s -o FILE",
				    fa);
		} else if (o->wfile != NULL && same_file(o->wfile, a->outfile))
			fail(EXIT_USAGE,
			    "-w and the --report %s's -o both name %s: one "
			    "file holds one format",
			    fa, a->outfile);
	}
	if (o->report_every > 0 && o->nreports == 0)
		fail(EXIT_USAGE, "%s",
		    "--report-every wants a --report FMT -o FILE to rewrite");
	if (o->rotate_size > 0 && o->wfile == NULL && o->zeekdir == NULL)
		fail(EXIT_USAGE, "%s",
		    "--rotate-size measures the logs: give -w FILE or "
		    "--zeek-log DIR");
	if (o->rotate > 0 || o->rotate_size > 0) {
		if (o->wfile != NULL && strcmp(o->wfile, "-") == 0)
			fail(EXIT_USAGE, "%s",
			    "--rotate cannot rotate standard output: give -w "
			    "a file");
		if (o->wfile == NULL && o->zeekdir == NULL && o->nreports == 0)
			fail(EXIT_USAGE, "%s",
			    "--rotate wants something to rotate: -w FILE, "
			    "--zeek-log DIR or --report FMT -o FILE");
	}
	if (o->nreports > 0) {
		o->report = o->reports[0].format;
		o->outfile = o->reports[0].outfile;
	}
}

/* An octal file mode creation mask, 0 to 0777. */
static bool
parse_umask(const char *s, mode_t *out)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '7' && i < 4; i++)
		v = v * 8 + (unsigned)(s[i] - '0');
	if (i == 0 || s[i] != '\0' || v > 0777)
		return false;
	*out = (mode_t)v;
	return true;
}

/* --clickhouse-schema: docs/clickhouse.sql as the build embedded it, and
 * exit. */
static void __attribute__((noreturn)) clickhouse_schema_print(void)
{
	fwrite(clickhouse_schema, 1, clickhouse_schema_len, stdout);
	exit(fflush(stdout) == 0 && !ferror(stdout) ? EXIT_OK : EXIT_OUTPUT);
}

/* --explain CODE: the meaning, and exit. */
static void __attribute__((noreturn)) explain(const char *query)
{
	struct dbuf out;
	int rc;

	dbuf_init(&out, 1 << 16);
	rc = smtp_explain(query, &out);
	if (rc != 0) {
		fprintf(stderr, "smtpscope: %s", dbuf_str(&out));
		dbuf_free(&out);
		exit(EXIT_USAGE);
	}
	fputs(dbuf_str(&out), stdout);
	dbuf_free(&out);
	exit(fflush(stdout) == 0 && !ferror(stdout) ? EXIT_OK : EXIT_OUTPUT);
}

void
options_memory_config(const struct options *o, struct reasm_config *rc)
{
	rc->max_sessions = o->max_sessions;
	rc->memory_limit = o->memory_limit;
	rc->session_bytes = o->session_bytes;
	rc->ooo_bytes = o->ooo_bytes;
	rc->fragment_bytes = o->fragment_bytes;
	rc->v6_max = (uint32_t)o->v6_max;
}

/* --memory-plan: the budgets the memory options give, one "name
 * bytes" line each (docs/smtpscope.1), then exit. */
static void __attribute__((noreturn)) memory_plan(const struct options *o)
{
	struct reasm_config rc;
	struct reasm_plan_figures f;
	char err[512];

	memset(&rc, 0, sizeof(rc));
	options_memory_config(o, &rc);
	if (reasm_plan(&rc, err, sizeof(err)) != 0)
		fail(EXIT_USAGE, "%s", err);
	reasm_plan_figures(&rc, &f);
	printf("memory_limit %" PRIu64 "\n"
	       "pools %" PRIu64 "\n"
	       "pools_planned %" PRIu64 "\n"
	       "max_sessions %lu\n"
	       "session_slots_bytes %" PRIu64 "\n"
	       "max_session_bytes %" PRIu64 "\n"
	       "max_ooo_bytes %" PRIu64 "\n"
	       "max_fragment_bytes %" PRIu64 "\n"
	       "max_ipv6_standins %" PRIu32 "\n"
	       "ipv6_standins_bytes %" PRIu64 "\n",
	    rc.memory_limit, f.limit, f.total, rc.max_sessions, f.slots,
	    f.sessions, f.ooo, f.fragments, rc.v6_max, f.standins);
	exit(fflush(stdout) == 0 && !ferror(stdout) ? EXIT_OK : EXIT_OUTPUT);
}

/* Where the capture comes from and how it is read. */
static bool
opt_input(struct options *o, int ch)
{
	char *end;

	switch (ch) {
	case 'r':
		if (o->nfiles >= MAX_FILES)
			fail(EXIT_USAGE, "too many -r files (the limit is %d)",
			    MAX_FILES);
		o->files[o->nfiles++] = optarg;
		return true;
	case 'i':
		o->iface = optarg;
		return true;
	case 'f':
		o->filter = optarg;
		return true;
	case 'B':
		if (!parse_ulong(optarg, 1, 4096, &o->buffer_mb))
			fail(EXIT_USAGE,
			    "-B wants a buffer size in MB from 1 to "
			    "4096, not \"%s\"",
			    optarg);
		return true;
	case 'p':
		o->promisc = false;
		return true;
	case 'c':
		if (!parse_ulong(optarg, 1, ULONG_MAX, &o->count))
			fail(EXIT_USAGE,
			    "-c wants a number of packets, not \"%s\"", optarg);
		return true;
	case 'v':
		o->verbose++;
		return true;
	case OPT_PORTS:
		o->ports_any = false;
		if (parse_ports(optarg, o->ports, &o->nports, &o->ports_any) !=
		    0)
			fail(EXIT_USAGE,
			    "--ports wants a list like 25,587,2525, "
			    "2500-2599 or any, not \"%s\"",
			    optarg);
		return true;
	case OPT_VERIFY:
		o->verify = true;
		return true;
	case OPT_NO_MIDSTREAM:
		o->no_midstream = true;
		return true;
	case OPT_SPEED:
		if (strcmp(optarg, "max") == 0) {
			o->speed = 0;
			return true;
		}
		errno = 0;
		o->speed = strtod(optarg, &end);
		if (errno != 0 || *end != '\0' || end == optarg ||
		    !(o->speed > 0 && o->speed <= 1e6))
			fail(EXIT_USAGE,
			    "--speed wants a factor like 1, 10 or 0.5, "
			    "or max, not \"%s\"",
			    optarg);
		return true;
	case OPT_MAX_FRAMES:
		if (!parse_ulong(optarg, 1, 1ul << 30, &o->max_frames))
			fail(EXIT_USAGE,
			    "--max-frames wants a number of frames, "
			    "not "
			    "\"%s\"",
			    optarg);
		return true;
	}
	return false;
}

/* What is written, where, and what is shown. */
static bool
opt_output(struct options *o, int ch)
{
	switch (ch) {
	case 'w':
		o->wfile = optarg;
		return true;
	case 'o':
		opt_outfile(o, optarg);
		return true;
	case 'Z':
		o->user = optarg;
		return true;
	case 'q':
		o->quiet = true;
		return true;
	case OPT_ZEEK:
		o->zeekdir = optarg;
		return true;
	case OPT_TRANSCRIPT:
		o->transcript = true;
		return true;
	case OPT_REPORT:
		if (o->nreports >= REPORTS_MAX)
			fail(EXIT_USAGE, "too many --report (the limit is %d)",
			    REPORTS_MAX);
		if (strcmp(optarg, "text") == 0)
			o->reports[o->nreports++].format = REPORT_TEXT;
		else if (strcmp(optarg, "json") == 0)
			o->reports[o->nreports++].format = REPORT_JSON;
		else if (strcmp(optarg, "html") == 0)
			o->reports[o->nreports++].format = REPORT_HTML;
		else
			fail(EXIT_USAGE,
			    "--report wants text, json or html, not "
			    "\"%s\"",
			    optarg);
		return true;
	case OPT_ROTATE:
		if (!parse_ulong(optarg, 1, 86400 * 366, &o->rotate))
			fail(EXIT_USAGE,
			    "--rotate wants seconds from 1 to 31622400, not "
			    "\"%s\"",
			    optarg);
		return true;
	case OPT_ROTATE_SIZE:
		if (!parse_size(optarg, 4096, 1ull << 40, &o->rotate_size))
			fail(EXIT_USAGE,
			    "--rotate-size wants a size from 4K to 1024G (like "
			    "100M), not \"%s\"",
			    optarg);
		return true;
	case OPT_REPORT_EVERY:
		if (!parse_ulong(optarg, 1, 86400 * 366, &o->report_every))
			fail(EXIT_USAGE,
			    "--report-every wants seconds from 1 to 31622400, "
			    "not \"%s\"",
			    optarg);
		return true;
	case OPT_TUI:
		o->tui = true;
		return true;
	case OPT_NO_TUI:
		o->no_tui = true;
		return true;
	case OPT_NO_COLOR:
		o->no_color = true;
		return true;
	case OPT_TUI_HISTORY:
		if (!parse_ulong(optarg, 10, 100000, &o->tui_history))
			fail(EXIT_USAGE,
			    "--tui-history wants a number of sessions from 10 "
			    "to 100000, not \"%s\"",
			    optarg);
		return true;
	case OPT_LOCALTIME:
		o->localtime = true;
		return true;
	case OPT_STATS_INTERVAL:
		if (!parse_ulong(optarg, 0, 86400, &o->stats_interval))
			fail(EXIT_USAGE,
			    "--stats-interval wants seconds from 0 to "
			    "86400, not \"%s\"",
			    optarg);
		return true;
	case OPT_PLUGIN:
		if (o->nplugins >= PLUGINS_MAX)
			fail(EXIT_USAGE, "too many --plugin (the limit is %d)",
			    PLUGINS_MAX);
		o->plugins[o->nplugins++] = optarg;
		return true;
	case OPT_TRACE_STATES:
		o->trace_states = true;
		return true;
	case OPT_UMASK:
		if (!parse_umask(optarg, &o->umask))
			fail(EXIT_USAGE,
			    "--umask wants an octal mask from 0 to "
			    "0777 "
			    "(like 027), not \"%s\"",
			    optarg);
		o->umask_set = true;
		return true;
	}
	return false;
}

/* Memory budgets and timeouts. */
static bool
opt_memory(struct options *o, int ch)
{
	switch (ch) {
	case OPT_MAX_SESSIONS:
		if (!parse_ulong(optarg, 16, 16u << 20, &o->max_sessions))
			fail(EXIT_USAGE,
			    "--max-sessions wants a number from 16 to "
			    "16777216, not \"%s\"",
			    optarg);
		return true;
	case OPT_MEMORY_LIMIT:
		if (!parse_size(optarg, REASM_MEMORY_LIMIT_MIN, 1ull << 40,
			&o->memory_limit))
			fail(EXIT_USAGE,
			    "--memory-limit wants a size from 64M to "
			    "1024G (like 512M or 2G), not \"%s\"",
			    optarg);
		return true;
	case OPT_MAX_SESSION_BYTES:
		if (!parse_size(optarg, REASM_SESSION_BYTES_MIN, 1ull << 40,
			&o->session_bytes))
			fail(EXIT_USAGE,
			    "--max-session-bytes wants a size from 8M "
			    "to 1024G, not \"%s\"",
			    optarg);
		return true;
	case OPT_MAX_OOO_BYTES:
		if (!parse_size(optarg, 64u << 10, 1ull << 40, &o->ooo_bytes))
			fail(EXIT_USAGE,
			    "--max-ooo-bytes wants a size from 64K to "
			    "1024G, not \"%s\"",
			    optarg);
		return true;
	case OPT_MAX_FRAGMENT_BYTES:
		if (!parse_size(
			optarg, 256u << 10, 1ull << 40, &o->fragment_bytes))
			fail(EXIT_USAGE,
			    "--max-fragment-bytes wants a size from "
			    "256K to 1024G, not \"%s\"",
			    optarg);
		return true;
	case OPT_MAX_IPV6_STANDINS:
		if (!parse_ulong(optarg, 1024, V6MAP_MAX, &o->v6_max))
			fail(EXIT_USAGE,
			    "--max-ipv6-standins wants a number from "
			    "1024 to %u, not \"%s\"",
			    V6MAP_MAX, optarg);
		return true;
	case OPT_MEMORY_PLAN:
		o->memory_plan = true;
		return true;
	case OPT_NO_TRACK:
		o->no_track = true;
		return true;
	case OPT_ALERT: {
		char err[256];

		if (alerts_config_parse(&o->alerts, optarg, err, sizeof(err)) !=
		    0)
			fail(EXIT_USAGE, "%s", err);
		return true;
	}
	case OPT_NO_ALERTS:
		o->no_alerts = true;
		return true;
	case OPT_TRACK_WINDOW:
		if (!parse_ulong(optarg, 1, 86400 * 30, &o->track_window))
			fail(EXIT_USAGE,
			    "--track-window wants seconds from 1 to "
			    "2592000, not \"%s\"",
			    optarg);
		return true;
	case OPT_TRACK_MAX:
		if (!parse_ulong(optarg, 16, 1ul << 24, &o->track_max))
			fail(EXIT_USAGE,
			    "--track-max wants a number of messages from 16 "
			    "to 16777216, not \"%s\"",
			    optarg);
		return true;
	case OPT_IDLE:
		if (!parse_ulong(optarg, 1, 86400 * 7, &o->idle))
			fail(EXIT_USAGE,
			    "--idle-timeout wants seconds from 1 to "
			    "604800, not \"%s\"",
			    optarg);
		return true;
	}
	return false;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* "3,7,10-12": session ids, sorted, each once. */
static bool
parse_sessions(const char *list, uint64_t *ids, size_t *n)
{
	const char *p = list;
	unsigned long long a, b;
	char *end;
	size_t i, k;

	*n = 0;
	for (;;) {
		if (*p < '0' || *p > '9')
			return false;
		errno = 0;
		a = strtoull(p, &end, 10);
		b = a;
		if (*end == '-') {
			p = end + 1;
			if (*p < '0' || *p > '9')
				return false;
			b = strtoull(p, &end, 10);
		}
		if (errno != 0 || a == 0 || b < a ||
		    b - a >= MAX_PCAP_SESSIONS - *n)
			return false;
		for (k = 0; k <= b - a; k++)
			ids[(*n)++] = (uint64_t)(a + k);
		if (*end == '\0')
			break;
		if (*end != ',')
			return false;
		p = end + 1;
	}
	qsort(ids, *n, sizeof(*ids), cmp_u64);
	for (i = k = 0; i < *n; i++)
		if (k == 0 || ids[k - 1] != ids[i])
			ids[k++] = ids[i];
	*n = k;
	return true;
}

/* How records join other tools' (Zeek, Suricata), and the packets of
 * the sessions for Wireshark. */
static bool
opt_flows(struct options *o, int ch)
{
	switch (ch) {
	case OPT_PCAP_OUT:
		o->pcap_out = optarg;
		return true;
	case OPT_PCAP_SESSIONS:
		if (!parse_sessions(
			optarg, o->pcap_sessions, &o->npcap_sessions))
			fail(EXIT_USAGE,
			    "--pcap-sessions wants session ids (the log's "
			    "session_id) like 3,7,10-12, at most %d, not "
			    "\"%s\"",
			    MAX_PCAP_SESSIONS, optarg);
		return true;
	case OPT_COMMUNITY_ID_SEED:
		if (!parse_ulong(optarg, 0, 65535, &o->community_id_seed))
			fail(EXIT_USAGE,
			    "--community-id-seed wants a number from 0 to "
			    "65535, not \"%s\"",
			    optarg);
		return true;
	}
	return false;
}

/* --pcap-out and --pcap-sessions with the rest. */
static void
flows_check(const struct options *o)
{
	if (o->npcap_sessions > 0 && o->pcap_out == NULL)
		fail(EXIT_USAGE, "%s",
		    "--pcap-sessions chooses what --pcap-out writes: add "
		    "--pcap-out FILE");
	if (o->pcap_out == NULL || strcmp(o->pcap_out, "-") != 0)
		return;
	if ((o->wfile != NULL && strcmp(o->wfile, "-") == 0) || o->transcript ||
	    o->tui ||
	    (o->report != REPORT_NONE &&
		(o->outfile == NULL || strcmp(o->outfile, "-") == 0)))
		fail(EXIT_USAGE, "%s",
		    "--pcap-out - wants stdout to itself: give the log, the "
		    "transcript or the report a file, or --pcap-out a file");
}

/* The options that answer and exit, and the mistakes getopt finds. */
static void __attribute__((noreturn)) opt_answer(int ch, char **argv)
{
	switch (ch) {
	case OPT_LIST_PLUGINS:
		plugins_list(stdout);
		exit(EXIT_OK);
	case OPT_EXPLAIN:
		explain(optarg);
	case OPT_CLICKHOUSE_SCHEMA:
		clickhouse_schema_print();
	case 'h':
		usage(stdout);
		exit(EXIT_OK);
	case 'V':
		printf("smtpscope %s\n", SMTPSCOPE_VERSION);
		exit(EXIT_OK);
	case 'D':
		exit(capture_list_interfaces(stdout, stderr));
	case ':':
		fail(EXIT_USAGE,
		    "%s needs an argument (see smtpscope "
		    "--help)",
		    argv[optind - 1]);
	case '?':
	default:
		if (optopt != 0)
			fail(EXIT_USAGE,
			    "unknown option -%c (see smtpscope --help)",
			    optopt);
		fail(EXIT_USAGE, "unknown option %s (see smtpscope --help)",
		    argv[optind - 1]);
	}
}

/* What the options say together: contradictions refused, defaults that
 * depend on others filled in. */
static void
options_check(int argc, char **argv, struct options *o)
{
	if (optind < argc)
		fail(EXIT_USAGE,
		    "unexpected argument \"%s\" (a filter goes after -f)",
		    argv[optind]);
	if (o->memory_plan)
		memory_plan(o);
	if (o->nfiles == 0 && o->iface == NULL) {
		usage(stderr);
		exit(EXIT_USAGE);
	}
	if (o->nfiles > 0 && o->iface != NULL)
		fail(EXIT_USAGE, "%s", "use -r or -i, not both");
	if (o->tui && o->no_tui)
		fail(EXIT_USAGE, "%s",
		    "--tui and --no-tui contradict each other");
	check_reports(o);
	if (o->nports == 0) {
		/* SMTP, implicit-TLS submission, submission, LMTP (RFC
		 * 2033), On-Demand Mail Relay (RFC 2645). */
		static const uint16_t defaults[] = { 25, 465, 587, 24, 366 };

		memcpy(o->ports, defaults, sizeof(defaults));
		o->nports = ARRAY_LEN(defaults);
	}
	/* The dashboard is the default for a live run on a terminal. */
	if (o->iface != NULL && !o->no_tui && isatty(STDOUT_FILENO) &&
	    o->wfile == NULL && !o->transcript && !reports_on_stdout(o))
		o->tui = true;
	if (o->tui) {
		if ((o->wfile != NULL && strcmp(o->wfile, "-") == 0) ||
		    o->transcript)
			fail(EXIT_USAGE, "%s",
			    "the dashboard uses the terminal: -w - and "
			    "--transcript want stdout too");
	}
	if (o->transcript && o->wfile != NULL && strcmp(o->wfile, "-") == 0)
		fail(EXIT_USAGE, "%s",
		    "--transcript and -w - both want stdout: give -w a file");
	flows_check(o);
	{
		/* The budgets must fit in the limit: said now, not after
		 * the capture opened. */
		struct reasm_config rc;
		char err[512];

		memset(&rc, 0, sizeof(rc));
		options_memory_config(o, &rc);
		if (reasm_plan(&rc, err, sizeof(err)) != 0)
			fail(EXIT_USAGE, "%s", err);
	}
	if (o->speed < 0)
		o->speed = o->tui && o->nfiles > 0 ? 1 : 0;
	if (o->speed > 0 && o->nfiles == 0)
		o->speed = 0; /* live traffic comes at its own pace */
}

void
options_parse(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "ports", required_argument, NULL, OPT_PORTS },
		{ "verify-checksums", no_argument, NULL, OPT_VERIFY },
		{ "no-midstream", no_argument, NULL, OPT_NO_MIDSTREAM },
		{ "max-sessions", required_argument, NULL, OPT_MAX_SESSIONS },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE },
		{ "zeek-log", required_argument, NULL, OPT_ZEEK },
		{ "transcript", no_argument, NULL, OPT_TRANSCRIPT },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "tui", no_argument, NULL, OPT_TUI },
		{ "no-tui", no_argument, NULL, OPT_NO_TUI },
		{ "speed", required_argument, NULL, OPT_SPEED },
		{ "max-frames", required_argument, NULL, OPT_MAX_FRAMES },
		{ "no-color", no_argument, NULL, OPT_NO_COLOR },
		{ "tui-history", required_argument, NULL, OPT_TUI_HISTORY },
		{ "localtime", no_argument, NULL, OPT_LOCALTIME },
		{ "stats-interval", required_argument, NULL,
		    OPT_STATS_INTERVAL },
		{ "plugin", required_argument, NULL, OPT_PLUGIN },
		{ "list-plugins", no_argument, NULL, OPT_LIST_PLUGINS },
		{ "clickhouse-schema", no_argument, NULL,
		    OPT_CLICKHOUSE_SCHEMA },
		{ "explain", required_argument, NULL, OPT_EXPLAIN },
		{ "trace-states", no_argument, NULL, OPT_TRACE_STATES },
		{ "umask", required_argument, NULL, OPT_UMASK },
		{ "memory-limit", required_argument, NULL, OPT_MEMORY_LIMIT },
		{ "max-session-bytes", required_argument, NULL,
		    OPT_MAX_SESSION_BYTES },
		{ "max-ooo-bytes", required_argument, NULL, OPT_MAX_OOO_BYTES },
		{ "max-fragment-bytes", required_argument, NULL,
		    OPT_MAX_FRAGMENT_BYTES },
		{ "max-ipv6-standins", required_argument, NULL,
		    OPT_MAX_IPV6_STANDINS },
		{ "memory-plan", no_argument, NULL, OPT_MEMORY_PLAN },
		{ "no-track", no_argument, NULL, OPT_NO_TRACK },
		{ "alert", required_argument, NULL, OPT_ALERT },
		{ "no-alerts", no_argument, NULL, OPT_NO_ALERTS },
		{ "track-window", required_argument, NULL, OPT_TRACK_WINDOW },
		{ "track-max", required_argument, NULL, OPT_TRACK_MAX },
		{ "rotate", required_argument, NULL, OPT_ROTATE },
		{ "report-every", required_argument, NULL, OPT_REPORT_EVERY },
		{ "rotate-size", required_argument, NULL, OPT_ROTATE_SIZE },
		{ "community-id-seed", required_argument, NULL,
		    OPT_COMMUNITY_ID_SEED },
		{ "pcap-out", required_argument, NULL, OPT_PCAP_OUT },
		{ "pcap-sessions", required_argument, NULL, OPT_PCAP_SESSIONS },
		{ "no-promisc", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->idle = REASM_DEFAULT_IDLE_TIMEOUT;
	o->buffer_mb = 64;
	o->stats_interval = 10;
	o->speed = -1;
	alerts_config_default(&o->alerts);
	o->promisc = true;
	opterr = 0; /* our own sentences, not getopt's */
	while ((ch = getopt_long(argc, argv, ":r:i:f:w:Z:B:o:c:pqhvDV",
		    longopts, NULL)) != -1)
		if (!opt_input(o, ch) && !opt_output(o, ch) &&
		    !opt_memory(o, ch) && !opt_flows(o, ch))
			opt_answer(ch, argv);
	options_check(argc, argv, o);
}
