/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpscope: a passive SMTP traffic analyzer. This file is the command
 * line: it parses options, wires capture -> reassembly -> dissector ->
 * sinks (statistics, logs, reports, dashboard), and turns every user
 * mistake into one sentence and an exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <malloc.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <unistd.h>

#include "capture.h"
#include "event.h"
#include "jsonlog.h"
#include "plugins.h"
#include "reasm.h"
#include "smtp/codes.h"
#include "smtp/message.h"
#include "report.h"
#include "stats.h"
#include "transcript.h"
#include "tui.h"
#include "util.h"
#include "v6map.h"
#include "zeeklog.h"

#define SMTPSCOPE_VERSION "0.2.0"
#define MAX_FILES 4096
#define MAX_PORTS 65535
/* Standard output was a pipe (or socket) whose reader went away: the run
 * stopped at once. 128 + SIGPIPE, what a shell shows for a program that
 * a broken pipe killed; smtpscope still finishes its other outputs. */
#define EXIT_BROKEN_PIPE 141

enum report_format { REPORT_NONE, REPORT_TEXT, REPORT_JSON, REPORT_HTML };

struct options {
	const char *files[MAX_FILES];
	size_t nfiles;
	const char *iface, *filter, *wfile, *user, *zeekdir, *outfile;
	uint16_t ports[MAX_PORTS];
	size_t nports;
	unsigned long max_sessions, idle, buffer_mb, max_frames;
	/* Memory: the limit and the pools' budgets (0: derived). */
	uint64_t memory_limit, session_bytes, ooo_bytes, fragment_bytes;
	unsigned long v6_max;
	unsigned long stats_interval;
	double speed; /* -1: not given */
	enum report_format report;
	bool verify, quiet, promisc, transcript, tui, no_tui, no_color;
	bool trace_states;
	bool memory_plan; /* --memory-plan: print the budgets, exit */
	const char *plugins[PLUGINS_MAX]; /* --plugin, in order */
	size_t nplugins;
	mode_t umask; /* --umask */
	bool umask_set;
};

/* The file mode creation mask in force (main() sets it): logs, reports
 * and plugins' files hold addresses and subjects. */
#define DEFAULT_UMASK_ADD 027
static mode_t file_umask = 077;

/* What the signal handlers and the tick see. */
static struct {
	struct capture *capture;
	volatile sig_atomic_t snapshot; /* SIGUSR1: write the report */
	volatile sig_atomic_t stopping;
} sig;

static void usage(FILE *f);
static void fail(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

static void
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
	    "  -r FILE              read a capture (pcap or pcapng; - is "
	    "stdin);\n"
	    "                       repeat to read several files in order\n"
	    "  -i IFACE             capture live on IFACE (any: all of them)\n"
	    "  -f EXPR              BPF filter, ANDed with the mail-port "
	    "filter\n"
	    "      --ports LIST     mail ports to follow (default "
	    "25,465,587,24,366:\n"
	    "                       SMTP, submission, LMTP, ODMR)\n"
	    "  -B MB                kernel capture buffer, live (default 64)\n"
	    "  -p, --no-promisc     do not put the interface in promiscuous "
	    "mode\n"
	    "  -Z USER              drop root privileges after opening the "
	    "capture\n"
	    "      --plugin NAME[:key=value,...]  load a plugin (repeatable, "
	    "in order)\n"
	    "      --list-plugins   the plugins found, with their "
	    "descriptions\n"
	    "      --verify-checksums  drop segments with bad TCP checksums\n"
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
	    "output\n"
	    "  -w FILE              JSON Lines log (- is stdout)\n"
	    "      --zeek-log DIR   write DIR/smtp.log in Zeek's format\n"
	    "      --transcript     print each session as a dialogue on "
	    "stdout\n"
	    "      --report FMT     text, json or html: at the end, on "
	    "SIGUSR1\n"
	    "  -o FILE              where the report goes (default stdout)\n"
	    "      --umask MASK     new logs and reports get mode 0666 & "
	    "~MASK (octal;\n"
	    "                       default: the umask with 027 added, so "
	    "0640)\n"
	    "dashboard\n"
	    "      --tui            the live dashboard (default for -i on a "
	    "terminal)\n"
	    "      --no-tui         never the dashboard\n"
	    "      --speed X|max    replay -r files at X times capture pace "
	    "(default 1\n"
	    "                       with --tui, else max)\n"
	    "      --max-frames N   leave the dashboard after N frames\n"
	    "      --no-color       a plain dashboard\n"
	    "      --stats-interval S  live without a dashboard: a statistics "
	    "line\n"
	    "                       on stderr every S seconds (default 10, "
	    "0: never)\n"
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
parse_ports(const char *list, uint16_t *ports, size_t *n)
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
	return *n > 0 ? 0 : -1;
}

enum {
	OPT_PORTS = 256,
	OPT_VERIFY,
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
};

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

/* --trace-states: one line per change of a session's state. */
static void
trace_state(void *arg, const struct smtp_session_info *si, const char *from,
    const char *to, const char *why)
{
	(void)arg;
	fprintf(stderr, "smtpscope: session %" PRIu64 ": %s -> %s (%s)\n",
	    si->id, from, to, why);
}

/* The memory options into a reassembly configuration. */
static void
memory_config(const struct options *o, struct reasm_config *rc)
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
	memory_config(o, &rc);
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

static void
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "ports", required_argument, NULL, OPT_PORTS },
		{ "verify-checksums", no_argument, NULL, OPT_VERIFY },
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
		{ "stats-interval", required_argument, NULL,
		    OPT_STATS_INTERVAL },
		{ "plugin", required_argument, NULL, OPT_PLUGIN },
		{ "list-plugins", no_argument, NULL, OPT_LIST_PLUGINS },
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
		{ "no-promisc", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int ch;

	memset(o, 0, sizeof(*o));
	o->idle = REASM_DEFAULT_IDLE_TIMEOUT;
	o->buffer_mb = 64;
	o->stats_interval = 10;
	o->speed = -1;
	o->promisc = true;
	opterr = 0; /* our own sentences, not getopt's */
	while ((ch = getopt_long(
		    argc, argv, ":r:i:f:w:Z:B:o:pqhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			if (o->nfiles >= MAX_FILES)
				fail(EXIT_USAGE,
				    "too many -r files (the limit is %d)",
				    MAX_FILES);
			o->files[o->nfiles++] = optarg;
			break;
		case 'i':
			o->iface = optarg;
			break;
		case 'f':
			o->filter = optarg;
			break;
		case 'w':
			o->wfile = optarg;
			break;
		case 'o':
			o->outfile = optarg;
			break;
		case 'Z':
			o->user = optarg;
			break;
		case 'B':
			if (!parse_ulong(optarg, 1, 4096, &o->buffer_mb))
				fail(EXIT_USAGE,
				    "-B wants a buffer size in MB from 1 to "
				    "4096, not \"%s\"",
				    optarg);
			break;
		case 'p':
			o->promisc = false;
			break;
		case 'q':
			o->quiet = true;
			break;
		case OPT_PORTS:
			if (parse_ports(optarg, o->ports, &o->nports) != 0)
				fail(EXIT_USAGE,
				    "--ports wants a list like 25,587,2525 or "
				    "2500-2599, not \"%s\"",
				    optarg);
			break;
		case OPT_VERIFY:
			o->verify = true;
			break;
		case OPT_MAX_SESSIONS:
			if (!parse_ulong(
				optarg, 16, 16u << 20, &o->max_sessions))
				fail(EXIT_USAGE,
				    "--max-sessions wants a number from 16 to "
				    "16777216, not \"%s\"",
				    optarg);
			break;
		case OPT_MEMORY_LIMIT:
			if (!parse_size(optarg, REASM_MEMORY_LIMIT_MIN,
				1ull << 40, &o->memory_limit))
				fail(EXIT_USAGE,
				    "--memory-limit wants a size from 64M to "
				    "1024G (like 512M or 2G), not \"%s\"",
				    optarg);
			break;
		case OPT_MAX_SESSION_BYTES:
			if (!parse_size(optarg, REASM_SESSION_BYTES_MIN,
				1ull << 40, &o->session_bytes))
				fail(EXIT_USAGE,
				    "--max-session-bytes wants a size from 8M "
				    "to 1024G, not \"%s\"",
				    optarg);
			break;
		case OPT_MAX_OOO_BYTES:
			if (!parse_size(
				optarg, 64u << 10, 1ull << 40, &o->ooo_bytes))
				fail(EXIT_USAGE,
				    "--max-ooo-bytes wants a size from 64K to "
				    "1024G, not \"%s\"",
				    optarg);
			break;
		case OPT_MAX_FRAGMENT_BYTES:
			if (!parse_size(optarg, 256u << 10, 1ull << 40,
				&o->fragment_bytes))
				fail(EXIT_USAGE,
				    "--max-fragment-bytes wants a size from "
				    "256K to 1024G, not \"%s\"",
				    optarg);
			break;
		case OPT_MAX_IPV6_STANDINS:
			if (!parse_ulong(optarg, 1024, V6MAP_MAX, &o->v6_max))
				fail(EXIT_USAGE,
				    "--max-ipv6-standins wants a number from "
				    "1024 to %u, not \"%s\"",
				    V6MAP_MAX, optarg);
			break;
		case OPT_MEMORY_PLAN:
			o->memory_plan = true;
			break;
		case OPT_IDLE:
			if (!parse_ulong(optarg, 1, 86400 * 7, &o->idle))
				fail(EXIT_USAGE,
				    "--idle-timeout wants seconds from 1 to "
				    "604800, not \"%s\"",
				    optarg);
			break;
		case OPT_ZEEK:
			o->zeekdir = optarg;
			break;
		case OPT_TRANSCRIPT:
			o->transcript = true;
			break;
		case OPT_REPORT:
			if (strcmp(optarg, "text") == 0)
				o->report = REPORT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				o->report = REPORT_JSON;
			else if (strcmp(optarg, "html") == 0)
				o->report = REPORT_HTML;
			else
				fail(EXIT_USAGE,
				    "--report wants text, json or html, not "
				    "\"%s\"",
				    optarg);
			break;
		case OPT_TUI:
			o->tui = true;
			break;
		case OPT_NO_TUI:
			o->no_tui = true;
			break;
		case OPT_SPEED:
			if (strcmp(optarg, "max") == 0) {
				o->speed = 0;
				break;
			}
			errno = 0;
			o->speed = strtod(optarg, &end);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    !(o->speed > 0 && o->speed <= 1e6))
				fail(EXIT_USAGE,
				    "--speed wants a factor like 1, 10 or 0.5, "
				    "or max, not \"%s\"",
				    optarg);
			break;
		case OPT_MAX_FRAMES:
			if (!parse_ulong(optarg, 1, 1ul << 30, &o->max_frames))
				fail(EXIT_USAGE,
				    "--max-frames wants a number of frames, "
				    "not "
				    "\"%s\"",
				    optarg);
			break;
		case OPT_NO_COLOR:
			o->no_color = true;
			break;
		case OPT_STATS_INTERVAL:
			if (!parse_ulong(optarg, 0, 86400, &o->stats_interval))
				fail(EXIT_USAGE,
				    "--stats-interval wants seconds from 0 to "
				    "86400, not \"%s\"",
				    optarg);
			break;
		case OPT_PLUGIN:
			if (o->nplugins >= PLUGINS_MAX)
				fail(EXIT_USAGE,
				    "too many --plugin (the limit is %d)",
				    PLUGINS_MAX);
			o->plugins[o->nplugins++] = optarg;
			break;
		case OPT_LIST_PLUGINS:
			plugins_list(stdout);
			exit(EXIT_OK);
		case OPT_EXPLAIN:
			explain(optarg);
			break;
		case OPT_TRACE_STATES:
			o->trace_states = true;
			break;
		case OPT_UMASK:
			if (!parse_umask(optarg, &o->umask))
				fail(EXIT_USAGE,
				    "--umask wants an octal mask from 0 to "
				    "0777 "
				    "(like 027), not \"%s\"",
				    optarg);
			o->umask_set = true;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		case 'V':
			printf("smtpscope %s\n", SMTPSCOPE_VERSION);
			exit(EXIT_OK);
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
			fail(EXIT_USAGE,
			    "unknown option %s (see smtpscope --help)",
			    argv[optind - 1]);
		}
	}
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
	if (o->outfile != NULL && o->report == REPORT_NONE)
		fail(EXIT_USAGE, "%s",
		    "-o names the report's file: add --report");
	if (o->nports == 0) {
		/* SMTP, implicit-TLS submission, submission, LMTP (RFC
		 * 2033), On-Demand Mail Relay (RFC 2645). */
		static const uint16_t defaults[] = { 25, 465, 587, 24, 366 };

		memcpy(o->ports, defaults, sizeof(defaults));
		o->nports = ARRAY_LEN(defaults);
	}
	/* The dashboard is the default for a live run on a terminal. */
	if (o->iface != NULL && !o->no_tui && isatty(STDOUT_FILENO) &&
	    o->wfile == NULL && !o->transcript &&
	    (o->report == REPORT_NONE || o->outfile != NULL))
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
	{
		/* The budgets must fit in the limit: said now, not after
		 * the capture opened. */
		struct reasm_config rc;
		char err[512];

		memset(&rc, 0, sizeof(rc));
		memory_config(o, &rc);
		if (reasm_plan(&rc, err, sizeof(err)) != 0)
			fail(EXIT_USAGE, "%s", err);
	}
	if (o->speed < 0)
		o->speed = o->tui && o->nfiles > 0 ? 1 : 0;
	if (o->speed > 0 && o->nfiles == 0)
		o->speed = 0; /* live traffic comes at its own pace */
}

static void
drop_privileges(const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (pw == NULL)
		fail(EXIT_USAGE, "-Z: there is no user named %s", user);
	if (getuid() != 0 && geteuid() != 0)
		return; /* nothing to drop */
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 ||
	    setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
		fail(EXIT_USAGE, "-Z: cannot become %s", user);
	if (setuid(0) == 0)
		fail(EXIT_USAGE,
		    "-Z: privileges of root still held after switching to %s",
		    user);
}

static void
on_stop(int signo)
{
	(void)signo;
	sig.stopping = 1;
	if (sig.capture != NULL)
		capture_stop(sig.capture);
}

static void
on_usr1(int signo)
{
	(void)signo;
	sig.snapshot = 1;
}

static double
wall_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Everything a run holds. */
struct run {
	struct options *o;
	struct stats *st;
	struct jsonlog log;
	bool have_log;
	struct zeeklog zeek;
	bool have_zeek;
	struct transcript transcript;
	bool have_transcript;
	struct tui *tui;
	bool tui_quit;
	struct plugin_set *plugins;
	double last_plugin_tick;
	char source[512];
	double wall_start;
	double last_stats_line;
	int status;
	/* The outputs of records, for the dashboard, the reports and the
	 * exit status; their sentences while the dashboard holds the
	 * terminal, for stderr after it. */
	struct report_output outputs[3];
	const struct recfile *output_rf[3];
	size_t noutputs;
	char output_names[3][4200];
	struct dbuf said;
	unsigned said_dropped;
	bool stdout_used; /* -w -, --transcript or the report go there */
	bool stdout_pipe; /* and it is a pipe or a socket */
	bool broken_pipe; /* whose reader went away */
};

/*
 * Whether the reader of standard output went away: a write to it failed
 * with EPIPE, or, for a pipe or a socket, poll() says no one reads it
 * any more (seen even before the next write, and cheap: a tick's call).
 */
static bool
stdout_broken(struct run *r)
{
	struct pollfd pfd;

	if (r->broken_pipe)
		return true;
	if (!r->stdout_used)
		return false;
	if ((r->have_log && r->log.is_stdout && r->log.out.broken_pipe) ||
	    (r->have_transcript && r->transcript.out.broken_pipe))
		r->broken_pipe = true;
	else if (r->stdout_pipe) {
		pfd.fd = STDOUT_FILENO;
		pfd.events = 0;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) == 1 &&
		    (pfd.revents & (POLLERR | POLLHUP)) != 0)
			r->broken_pipe = true;
	}
	return r->broken_pipe;
}

/* Each output's figures, from its writer (also once it is closed). */
static void
outputs_update(struct run *r)
{
	size_t i;

	for (i = 0; i < r->noutputs; i++) {
		r->outputs[i].not_written = r->output_rf[i]->not_written;
		r->outputs[i].failing = r->output_rf[i]->failing;
		r->outputs[i].errnum = r->output_rf[i]->errnum;
	}
}

static void
report_info_fill(struct run *r, struct report_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->source = r->source;
	ri->live = r->o->iface != NULL;
	ri->wall_start = r->wall_start;
	ri->wall_now = wall_now();
	ri->version = SMTPSCOPE_VERSION;
	ri->rs = reasm_stats();
	ri->cs = capture_stats(sig.capture);
	plugins_report_counters(r->plugins, ri);
	outputs_update(r);
	ri->outputs = r->outputs;
	ri->noutputs = r->noutputs;
}

/* What a plugin's tick() sees of the capture. */
static void
health_fill(struct run *r, struct smtpscope_health *h)
{
	const struct reasm_stats *rs = reasm_stats();
	const struct capture_stats *cs = capture_stats(sig.capture);

	memset(h, 0, sizeof(*h));
	h->struct_size = sizeof(*h);
	h->now = capture_last_ts(sig.capture);
	h->live = r->o->iface != NULL;
	h->packets = rs->packets;
	h->bytes = rs->bytes;
	h->pcap_drops = cs->pcap_drops;
	h->pcap_ifdrops = cs->pcap_ifdrops;
	h->sessions = rs->sessions;
	h->active_sessions = rs->active;
	h->gaps = rs->gaps;
	h->no_handshake = rs->no_handshake;
}

/*
 * What a report may be written into in place: a FIFO, a terminal or
 * /dev/null. Never another device: a link planted at the report's name
 * could point at a disk, and merely opening some (a watchdog) acts.
 * Before the open (fd -1) a terminal is known by its major number (Linux:
 * 4 and 5 the consoles and /dev/tty, 136-143 the pseudo-terminals); after
 * it, by isatty().
 */
static bool
report_in_place_ok(const struct stat *sb, int fd)
{
	struct stat null;
	unsigned maj;

	if (S_ISFIFO(sb->st_mode))
		return true;
	if (!S_ISCHR(sb->st_mode))
		return false;
	if (stat("/dev/null", &null) == 0 && S_ISCHR(null.st_mode) &&
	    sb->st_rdev == null.st_rdev)
		return true;
	if (fd >= 0)
		return isatty(fd) != 0;
	maj = major(sb->st_rdev);
	return maj == 4 || maj == 5 || (maj >= 136 && maj <= 143);
}

/*
 * The report's file, or NULL after one sentence on stderr. A regular file
 * (or a new one) is replaced by rename() from a temporary file that
 * mkstemp() makes beside it, ".NAME.XXXXXX": its name cannot be guessed
 * and it is created with O_EXCL, so nothing planted in the folder (a link
 * at NAME.tmp to a root-owned file) is ever followed, and a reader (or a
 * SIGUSR1 snapshot) never sees half a report. A FIFO, a terminal or
 * /dev/null is written in place (renaming over /dev/null as root would
 * replace the device); anything else is refused.
 */
static FILE *
report_open(const char *path, char *tmp, size_t tmplen, bool *atomic)
{
	const char *slash = strrchr(path, '/');
	struct stat sb;
	bool exists;
	FILE *f;
	int fd;

	*atomic = false;
	tmp[0] = '\0';
	exists = stat(path, &sb) == 0;
	if (!exists && errno != ENOENT) {
		fprintf(stderr, "smtpscope: cannot write the report %s: %s\n",
		    path, strerror(errno));
		return NULL;
	}
	if (!exists || S_ISREG(sb.st_mode)) {
		*atomic = true;
		if (slash != NULL)
			snprintf(tmp, tmplen, "%.*s/.%s.XXXXXX",
			    (int)(slash - path), path, slash + 1);
		else
			snprintf(tmp, tmplen, ".%s.XXXXXX", path);
		if (strlen(tmp) + 1 >= tmplen ||
		    (fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
			fprintf(stderr,
			    "smtpscope: cannot write the report %s: no "
			    "temporary file beside it: %s\n",
			    path, strerror(errno));
			tmp[0] = '\0';
			return NULL;
		}
		/* mkstemp() makes it 0600: the report's mode as a new file
		 * of ours would have (--umask). */
		(void)fchmod(fd, 0666 & ~file_umask);
	} else {
		if (!report_in_place_ok(&sb, -1))
			goto refuse;
		fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr,
			    "smtpscope: cannot write the report %s: %s\n", path,
			    strerror(errno));
			return NULL;
		}
		if (fstat(fd, &sb) != 0 || !report_in_place_ok(&sb, fd)) {
			close(fd);
			goto refuse;
		}
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "smtpscope: cannot write the report %s: %s\n",
		    path, strerror(errno));
		close(fd);
		if (*atomic)
			unlink(tmp);
		return NULL;
	}
	return f;
refuse:
	fprintf(stderr,
	    "smtpscope: the report %s is neither a regular file nor a FIFO, "
	    "a terminal or /dev/null: not written\n",
	    path);
	return NULL;
}

/*
 * Write the report: to standard output or through report_open(). A
 * report that cannot be written whole leaves no trace: its temporary
 * file is removed (an older report stays as it was), and standard output
 * that is a regular file is cut back to where the report began.
 */
static int
write_report(struct run *r)
{
	struct report_info ri;
	char tmp[4096];
	FILE *f = stdout;
	bool atomic = false;
	off_t start = -1;
	struct stat sb;
	int rc, err = 0;

	report_info_fill(r, &ri);
	if (r->o->outfile != NULL && strcmp(r->o->outfile, "-") != 0 &&
	    (f = report_open(r->o->outfile, tmp, sizeof(tmp), &atomic)) == NULL)
		return -1;
	/* Where it begins: appended (>>), at the end whatever the offset. */
	if (f == stdout && fflush(stdout) == 0 &&
	    fstat(STDOUT_FILENO, &sb) == 0 && S_ISREG(sb.st_mode))
		start = (fcntl(STDOUT_FILENO, F_GETFL) & O_APPEND) != 0
		    ? sb.st_size
		    : lseek(STDOUT_FILENO, 0, SEEK_CUR);
	errno = 0;
	switch (r->o->report) {
	case REPORT_TEXT:
		rc = report_text(f, r->st, &ri);
		break;
	case REPORT_JSON:
		rc = report_json(f, r->st, &ri);
		break;
	case REPORT_HTML:
		rc = report_html(f, r->st, &ri);
		break;
	default:
		rc = 0;
		break;
	}
	/* The first error's errno: later calls may change it. */
	if (rc != 0)
		err = errno;
	if (f != stdout) {
		if (fflush(f) != 0 && rc == 0) {
			rc = -1;
			err = errno;
		}
		if (fclose(f) != 0 && rc == 0) {
			rc = -1;
			err = errno;
		}
		if (rc == 0 && atomic && rename(tmp, r->o->outfile) != 0) {
			rc = -1;
			err = errno;
		}
		if (rc != 0) {
			if (atomic)
				unlink(tmp);
			fprintf(stderr,
			    "smtpscope: writing the report %s failed: %s%s\n",
			    r->o->outfile, strerror(err != 0 ? err : EIO),
			    atomic ? "; nothing of it was kept, and a report "
				     "there before is as it was"
				   : "");
		}
	} else if (fflush(stdout) != 0 || rc != 0) {
		if (err == 0)
			err = errno;
		if (err == EPIPE || stdout_broken(r))
			r->broken_pipe = true;
		else {
			/* Never half a report: what stdio holds is let go,
			 * and a file is cut back. */
			__fpurge(stdout);
			clearerr(stdout);
			if (start >= 0 && ftruncate(STDOUT_FILENO, start) == 0)
				(void)lseek(STDOUT_FILENO, start, SEEK_SET);
			fprintf(stderr,
			    "smtpscope: writing the report (standard output) "
			    "failed: %s%s\n",
			    strerror(err != 0 ? err : EIO),
			    start >= 0 ? "; nothing of it was kept" : "");
		}
		rc = -1;
	}
	return rc;
}

/* A live run without a dashboard: one statistics line now and then. */
static void
stats_line(struct run *r, double now)
{
	const struct capture_stats *cs;
	const struct reasm_stats *rs;

	if (r->o->quiet || r->o->stats_interval == 0 || r->tui != NULL ||
	    now - r->last_stats_line < (double)r->o->stats_interval)
		return;
	r->last_stats_line = now;
	cs = capture_stats(sig.capture);
	rs = reasm_stats();
	fprintf(stderr,
	    "smtpscope: %.0fs: %lu packets, %lu sessions (%lu open), %lu "
	    "transactions, %lu accepted, %lu rejected, %lu tempfail, %lu "
	    "lost; kernel drops %lu\n",
	    now - r->wall_start, (unsigned long)rs->packets,
	    (unsigned long)r->st->sessions,
	    (unsigned long)r->st->sessions_active,
	    (unsigned long)r->st->transactions,
	    (unsigned long)r->st->messages_accepted,
	    (unsigned long)r->st->outcome[SMTP_OUTCOME_REJECTED],
	    (unsigned long)r->st->outcome[SMTP_OUTCOME_TEMPFAIL],
	    (unsigned long)r->st->outcome[SMTP_OUTCOME_LOST],
	    (unsigned long)cs->pcap_drops);
}

static void
tui_status_fill(struct run *r, struct tui_status *ts, bool finished)
{
	memset(ts, 0, sizeof(*ts));
	ts->st = r->st;
	ts->rs = reasm_stats();
	ts->cs = capture_stats(sig.capture);
	ts->source = r->source;
	ts->live = r->o->iface != NULL;
	ts->finished = finished;
	ts->capture_time = capture_last_ts(sig.capture);
	ts->elapsed = wall_now() - r->wall_start;
	ts->speed = r->o->speed;
	if (r->plugins != NULL) {
		struct report_info ri;

		memset(&ri, 0, sizeof(ri));
		plugins_report_counters(r->plugins, &ri);
		ts->counters = ri.counters;
		ts->ncounters = ri.ncounters;
	}
	outputs_update(r);
	ts->outputs = r->outputs;
	ts->noutputs = r->noutputs;
}

static void
tui_step(struct run *r, bool finished)
{
	struct tui_status ts;

	tui_status_fill(r, &ts, finished);
	switch (tui_tick(r->tui, &ts)) {
	case TUI_QUIT:
		r->tui_quit = true;
		capture_stop(sig.capture);
		break;
	case TUI_RESET:
		stats_reset(r->st);
		break;
	case TUI_CONTINUE:
		break;
	}
}

/* Between packet batches (and while a replay waits). */
static void
tick(void *arg)
{
	struct run *r = arg;
	double now = wall_now();

	if (r->o->iface != NULL)
		reasm_clock(now);
	if (sig.snapshot) {
		sig.snapshot = 0;
		if (r->o->report != REPORT_NONE && r->tui == NULL)
			write_report(r);
	}

	if (r->tui != NULL && !r->tui_quit)
		tui_step(r, false);
	if (r->plugins != NULL && now - r->last_plugin_tick >= 1.0) {
		struct smtpscope_health h;

		r->last_plugin_tick = now;
		health_fill(r, &h);
		plugins_tick(r->plugins, &h);
	}
	if (r->o->iface != NULL) {
		/* A reader of the logs sees each batch as it comes. */
		if (r->have_log)
			jsonlog_flush(&r->log);
		if (r->have_zeek)
			zeeklog_flush(&r->zeek);
		if (r->have_transcript)
			transcript_flush(&r->transcript);
		stats_line(r, now);
	}
	/* No one reads our standard output any more: stop now rather than
	 * write into the void until the capture ends (or forever, live). */
	if (stdout_broken(r))
		capture_stop(sig.capture);
}

static void
describe_source(struct run *r)
{
	const struct options *o = r->o;

	if (o->iface != NULL)
		snprintf(r->source, sizeof(r->source), "%s", o->iface);
	else if (o->nfiles == 1)
		snprintf(r->source, sizeof(r->source), "%s", o->files[0]);
	else
		snprintf(r->source, sizeof(r->source), "%s (+%zu more)",
		    o->files[0], o->nfiles - 1);
}

/*
 * A sentence of an output's writer (it cannot write, it writes again):
 * on stderr at once; while the dashboard holds the terminal, on its
 * status line at once and on stderr once it is gone.
 */
static void
output_say(void *arg, const char *msg)
{
	struct run *r = arg;

	if (r->tui == NULL || !isatty(STDERR_FILENO)) {
		fprintf(stderr, "smtpscope: %s\n", msg);
		return;
	}
	tui_notice(r->tui, msg);
	if (r->said.len + strlen(msg) + 16 > r->said.max) {
		r->said_dropped++;
		return;
	}
	dbuf_adds(&r->said, "smtpscope: ");
	dbuf_adds(&r->said, msg);
	dbuf_addc(&r->said, '\n');
}

/* What the dashboard kept for stderr. */
static void
output_said(struct run *r)
{
	if (r->said.len > 0)
		fputs(dbuf_str(&r->said), stderr);
	if (r->said_dropped > 0)
		fprintf(stderr,
		    "smtpscope: (and %u more such sentences, not kept)\n",
		    r->said_dropped);
	dbuf_free(&r->said);
	r->said_dropped = 0;
}

static void
output_add(struct run *r, struct recfile *rf, const char *key, const char *name)
{
	size_t i = r->noutputs++;

	rf->say = output_say;
	rf->say_arg = r;
	snprintf(r->output_names[i], sizeof(r->output_names[i]), "%s", name);
	r->outputs[i].key = key;
	r->outputs[i].name = r->output_names[i];
	r->output_rf[i] = rf;
}

static void
open_sinks(struct run *r, struct event_bus *bus)
{
	struct tui_options to;
	char err[1024];

	dbuf_init(&r->said, 16 << 10);
	event_bus_subscribe(bus, stats_on_event, r->st);
	if (r->o->wfile != NULL) {
		if (jsonlog_open(&r->log, r->o->wfile, err, sizeof(err)) != 0)
			fail(EXIT_OUTPUT, "%s", err);
		r->have_log = true;
		output_add(r, &r->log.out, "log", r->log.out.name);
		event_bus_subscribe_types(
		    bus, jsonlog_on_event, &r->log, JSONLOG_EVENTS);
	}
	if (r->o->zeekdir != NULL) {
		if (zeeklog_open(&r->zeek, r->o->zeekdir, err, sizeof(err)) !=
		    0)
			fail(EXIT_OUTPUT, "%s", err);
		r->have_zeek = true;
		output_add(r, &r->zeek.out, "zeek_log", r->zeek.out.name);
		event_bus_subscribe(bus, zeeklog_on_event, &r->zeek);
	}
	if (r->o->transcript) {
		transcript_init(&r->transcript, STDOUT_FILENO);
		r->have_transcript = true;
		output_add(r, &r->transcript.out, "transcript",
		    r->transcript.out.name);
		event_bus_subscribe(bus, transcript_on_event, &r->transcript);
	}
	if (r->o->tui) {
		memset(&to, 0, sizeof(to));
		to.max_frames = r->o->max_frames;
		to.no_color = r->o->no_color;
		if ((r->tui = tui_open(&to, err, sizeof(err))) == NULL)
			fail(EXIT_USAGE, "%s", err);
		event_bus_subscribe(bus, tui_on_event, r->tui);
	}
	/* After ours: a plugin sees each event after the log has it. */
	plugins_subscribe(r->plugins, bus);
}

/*
 * The transcript and the Zeek log first: the JSON log's summary counts
 * what they could not write. Each writer said what it lost; a reader of
 * standard output that went away (| head) is not worth a word, and has
 * its own exit status.
 */
static void
close_sinks(struct run *r)
{
	struct jsonlog_not_written nw = { -1, -1 };

	if (r->have_transcript) {
		if (transcript_finish(&r->transcript) != 0 &&
		    r->transcript.out.broken_pipe)
			r->broken_pipe = true;
		nw.transcript = (int64_t)r->transcript.out.not_written;
	}
	if (r->have_zeek) {
		zeeklog_close(&r->zeek);
		nw.zeek_log = (int64_t)r->zeek.out.not_written;
	}
	if (r->have_log) {
		jsonlog_summary(&r->log, r->st, reasm_stats(),
		    capture_stats(sig.capture), &nw);
		if (jsonlog_close(&r->log) != 0 && r->log.out.broken_pipe)
			r->broken_pipe = true;
	}
	outputs_update(r);
	/* Records lost to a write error (a full disk): exit status 4. A
	 * reader that went away loses the rest by its own choice. */
	for (size_t i = 0; i < r->noutputs; i++)
		if (r->outputs[i].not_written > 0 &&
		    !r->output_rf[i]->broken_pipe)
			r->status = EXIT_OUTPUT;
}

static void
summary_line(struct run *r)
{
	const struct capture_stats *cs = capture_stats(sig.capture);
	const struct stats *st = r->st;

	if (r->o->quiet)
		return;
	fprintf(stderr,
	    "smtpscope: %lu sessions, %lu transactions, %lu messages "
	    "accepted, %lu recipients accepted",
	    (unsigned long)st->sessions, (unsigned long)st->transactions,
	    (unsigned long)st->messages_accepted,
	    (unsigned long)st->recipients_accepted);
	if (cs->live)
		fprintf(stderr, "; %lu packets dropped by the kernel",
		    (unsigned long)cs->pcap_drops);
	if (reasm_stats()->no_handshake > 0)
		fprintf(stderr, "; %lu connections without handshake",
		    (unsigned long)reasm_stats()->no_handshake);
	if (reasm_stats()->clock_jumps > 0)
		fprintf(stderr,
		    "; the capture's clock jumped %lu times by over 60 s "
		    "(at most %.0f s), which idle timeouts did not count",
		    (unsigned long)reasm_stats()->clock_jumps,
		    reasm_stats()->clock_jump_max);
	fprintf(stderr, "\n");
}

/* The run's plugins, for plugins_at_exit(). */
static struct plugin_set **exit_plugins;

static void
plugins_at_exit(void)
{
	if (exit_plugins != NULL) {
		plugins_free(*exit_plugins);
		*exit_plugins = NULL;
	}
}

int
main(int argc, char **argv)
{
	static struct options o;
	static uint8_t portmap[8192], tlsmap[8192];
	static struct stats st;
	static struct run r;
	struct capture_config cc;
	struct reasm_config rc;
	struct event_bus bus;
	struct sigaction sa;
	char err[1024];
	size_t i;
	int status;

	parse_args(argc, argv, &o);
	/* Everything this run creates (logs, reports, plugins' files) holds
	 * addresses, names and subjects: not for every local user. */
	file_umask = umask(0);
	file_umask = o.umask_set ? o.umask : file_umask | DEFAULT_UMASK_ADD;
	umask(file_umask);
	/* Sessions come and go by the thousand: glibc's defaults give
	 * memory back to the kernel (and take it again) after every burst,
	 * a quarter of the run's CPU time in page faults on a busy capture.
	 * Memory stays bounded by the caps; it is only kept for reuse. */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	/* From here a SIGINT or SIGTERM ends the run in order: also during
	 * start-up (plugins, opening the capture), when it stops the capture
	 * before its first packet. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* A file size limit (ulimit -f) is a full disk like any other: a
	 * write past it fails with EFBIG, taken back and said, instead of
	 * a signal that kills the run. */
	signal(SIGXFSZ, SIG_IGN);
	/* Plugins before anything is opened: a plugin that cannot start
	 * stops the run before a packet is read. */
	if (o.nplugins > 0) {
		r.plugins = plugins_load(o.plugins, o.nplugins, o.quiet,
		    o.iface != NULL, err, sizeof(err));
		if (r.plugins == NULL)
			fail(EXIT_USAGE, "%s", err);
		/* A run that fails later still calls their fini(). */
		exit_plugins = &r.plugins;
		atexit(plugins_at_exit);
	}
	for (i = 0; i < o.nports; i++) {
		portmap[o.ports[i] >> 3] |= (uint8_t)(1u << (o.ports[i] & 7));
		if (o.ports[i] == 465)
			tlsmap[o.ports[i] >> 3] |=
			    (uint8_t)(1u << (o.ports[i] & 7));
	}
	memset(&cc, 0, sizeof(cc));
	cc.files = o.files;
	cc.nfiles = o.nfiles;
	cc.iface = o.iface;
	cc.user_filter = o.filter;
	cc.ports = o.ports;
	cc.nports = o.nports;
	cc.buffer_mb = o.buffer_mb;
	cc.promisc = o.promisc;
	cc.progress = !o.quiet && !o.tui && isatty(STDERR_FILENO);
	cc.speed = o.speed;
	sig.capture = capture_open(&cc, err, sizeof(err), &status);
	if (sig.capture == NULL)
		fail(status, "%s", err);
	/* Said even with -q: it costs CPU the user may not expect. */
	if (capture_notice(sig.capture) != NULL)
		fprintf(stderr, "smtpscope: %s\n", capture_notice(sig.capture));
	if (sig.stopping) /* a signal came while it opened */
		capture_stop(sig.capture);
	if (o.user != NULL)
		drop_privileges(o.user);
	/* As the user the run goes on as: what each plugin will need (a
	 * folder to write), before any output is created. */
	if (plugins_start(r.plugins, err, sizeof(err)) != 0)
		fail(EXIT_USAGE, "%s", err);

	stats_init(&st);
	r.o = &o;
	r.st = &st;
	r.wall_start = wall_now();
	r.last_stats_line = r.wall_start;
	describe_source(&r);
	r.stdout_used = (o.wfile != NULL && strcmp(o.wfile, "-") == 0) ||
	    o.transcript ||
	    (o.report != REPORT_NONE &&
		(o.outfile == NULL || strcmp(o.outfile, "-") == 0));
	if (r.stdout_used) {
		struct stat sb;

		r.stdout_pipe = fstat(STDOUT_FILENO, &sb) == 0 &&
		    (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode));
	}
	memset(&bus, 0, sizeof(bus));
	open_sinks(&r, &bus);

	memset(&rc, 0, sizeof(rc));
	rc.portmap = portmap;
	rc.tlsmap = tlsmap;
	rc.verify_checksums = o.verify;
	rc.live = o.iface != NULL;
	memory_config(&o, &rc);
	rc.idle_timeout = o.idle;
	rc.bus = &bus;
	if (o.iface != NULL)
		rc.capture_drops = &capture_stats(sig.capture)->pcap_drops;
	if (o.trace_states)
		rc.trace = trace_state;
	if (reasm_init(&rc, err, sizeof(err)) != 0) {
		tui_close(r.tui);
		fail(EXIT_NO_INPUT, "%s", err);
	}

	capture_run(sig.capture, tick, &r);
	/* Whatever stopped us, every open session is finished and logged. */
	reasm_finish();
	smtp_release_spares();
	if (r.plugins != NULL) {
		struct smtpscope_health h;

		health_fill(&r, &h);
		plugins_finish(r.plugins, &h);
	}

	/* A finished replay stays on screen until q. */
	while (r.tui != NULL && !r.tui_quit && !sig.stopping)
		tui_step(&r, true);
	tui_close(r.tui);
	if (r.tui != NULL && capture_notice(sig.capture) != NULL)
		fprintf(stderr, "smtpscope: %s\n", capture_notice(sig.capture));
	r.tui = NULL;
	output_said(&r);

	if (capture_warning(sig.capture) != NULL) {
		fprintf(
		    stderr, "smtpscope: %s\n", capture_warning(sig.capture));
		r.status = EXIT_DAMAGED;
	}
	if (capture_end_notice(sig.capture) != NULL)
		fprintf(
		    stderr, "smtpscope: %s\n", capture_end_notice(sig.capture));
	/* Said even with -q: the records cannot say all they should. */
	if (reasm_stats()->snap_cut > 0)
		fprintf(stderr,
		    "smtpscope: %" PRIu64 " packets of mail sessions were cut "
		    "short by the capture's snap length (%" PRIu32
		    " bytes): the %" PRIu64 " bytes they lost are gaps, and "
		    "the records mark what was not seen\n",
		    reasm_stats()->snap_cut,
		    capture_stats(sig.capture)->snaplen,
		    reasm_stats()->snap_cut_bytes);
	if (capture_stats(sig.capture)->timestamps_replaced > 0)
		fprintf(stderr,
		    "smtpscope: %" PRIu64 " packets had a timestamp before "
		    "1970 or after 9999-12-31T23:59:59 UTC, which no record "
		    "can carry: each took the previous packet's time, and "
		    "their sessions are marked timestamp_replaced\n",
		    capture_stats(sig.capture)->timestamps_replaced);
	close_sinks(&r);
	if (o.report != REPORT_NONE) {
		bool to_stdout =
		    o.outfile == NULL || strcmp(o.outfile, "-") == 0;

		/* For a reader that went away, no report at all. */
		if (!(to_stdout && stdout_broken(&r)) &&
		    write_report(&r) != 0 && !(to_stdout && r.broken_pipe))
			r.status = EXIT_OUTPUT;
	}
	summary_line(&r);
	capture_close(sig.capture);
	plugins_free(r.plugins);
	r.plugins = NULL;
	/* A failed output (4) says more than a reader that left. */
	if (r.broken_pipe && r.status != EXIT_OUTPUT)
		r.status = EXIT_BROKEN_PIPE;
	return r.status;
}
