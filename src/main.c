/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpscope: a passive SMTP traffic analyzer. This file is the command
 * line: it parses options, wires capture -> reassembly -> dissector ->
 * sinks, and turns every user mistake into one sentence and an exit
 * status.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "capture.h"
#include "event.h"
#include "jsonlog.h"
#include "reasm.h"
#include "stats.h"
#include "transcript.h"
#include "util.h"
#include "zeeklog.h"

#define SMTPSCOPE_VERSION "0.1.0"
#define MAX_FILES 4096
#define MAX_PORTS 1024

static struct capture *the_capture;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: smtpscope -r FILE [-r FILE ...] [options]\n"
	    "       smtpscope -i IFACE [options]\n"
	    "\n"
	    "  -r FILE              read a capture (pcap or pcapng; - is "
	    "stdin);\n"
	    "                       repeat to read several files in order\n"
	    "  -i IFACE             capture live on IFACE (any: all of them)\n"
	    "  -f EXPR              BPF filter, ANDed with the mail-port "
	    "filter\n"
	    "      --ports LIST     mail ports to follow (default "
	    "25,465,587)\n"
	    "  -w FILE              JSON Lines log (- is stdout)\n"
	    "      --zeek-log DIR   write DIR/smtp.log in Zeek's format\n"
	    "      --transcript     print each session as a dialogue on "
	    "stdout\n"
	    "  -Z USER              drop root privileges after opening the "
	    "capture\n"
	    "  -B MB                kernel capture buffer, live (default 64)\n"
	    "  -p, --no-promisc     do not put the interface in promiscuous "
	    "mode\n"
	    "      --verify-checksums  drop segments with bad TCP checksums\n"
	    "      --max-sessions N concurrent TCP sessions followed "
	    "(default 65536)\n"
	    "      --idle-timeout S free a session idle for S seconds "
	    "(default 600)\n"
	    "  -q                   quiet: no progress bar, no summary on "
	    "stderr\n"
	    "  -h, --help           this help\n"
	    "  -V, --version        the version\n"
	    "\n"
	    "Exit status: 0 success, 1 damaged input (results cover what was "
	    "read),\n"
	    "2 usage error, 3 a capture could not be opened, 4 a log could "
	    "not be written.\n");
}

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

static int
parse_ports(const char *list, uint16_t *ports, size_t *n)
{
	char buf[4096], *p, *end;
	unsigned long a, b, v;

	if (strlen(list) >= sizeof(buf))
		return -1;
	memcpy(buf, list, strlen(list) + 1);
	*n = 0;
	for (p = buf; *p != '\0'; p = end) {
		end = strchr(p, ',');
		if (end != NULL)
			*end++ = '\0';
		else
			end = p + strlen(p);
		{
			char *dash = strchr(p, '-');

			if (dash != NULL) {
				*dash = '\0';
				if (!parse_ulong(p, 1, 65535, &a) ||
				    !parse_ulong(dash + 1, 1, 65535, &b) ||
				    b < a)
					return -1;
			} else {
				if (!parse_ulong(p, 1, 65535, &a))
					return -1;
				b = a;
			}
		}
		for (v = a; v <= b; v++) {
			if (*n >= MAX_PORTS)
				return -1;
			ports[(*n)++] = (uint16_t)v;
		}
	}
	return *n > 0 ? 0 : -1;
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
		    "-Z: privileges of root still held after "
		    "switching to %s",
		    user);
}

static void
on_signal(int sig)
{
	(void)sig;
	if (the_capture != NULL)
		capture_stop(the_capture);
}

struct run {
	struct jsonlog log;
	bool have_log;
	struct zeeklog zeek;
	bool have_zeek;
	struct transcript transcript;
	bool have_transcript;
	bool live;
};

static void
tick(void *arg)
{
	struct run *r = arg;

	struct timeval tv;

	if (!r->live)
		return;
	gettimeofday(&tv, NULL);
	reasm_clock((double)tv.tv_sec + (double)tv.tv_usec / 1e6);
	/* Live: a reader of the log sees each batch as it comes. */
	if (r->have_log)
		jsonlog_flush(&r->log);
	if (r->have_zeek)
		zeeklog_flush(&r->zeek);
}

enum {
	OPT_PORTS = 256,
	OPT_VERIFY,
	OPT_MAX_SESSIONS,
	OPT_IDLE,
	OPT_ZEEK,
	OPT_TRANSCRIPT,
};

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ports", required_argument, NULL, OPT_PORTS },
		{ "verify-checksums", no_argument, NULL, OPT_VERIFY },
		{ "max-sessions", required_argument, NULL, OPT_MAX_SESSIONS },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE },
		{ "zeek-log", required_argument, NULL, OPT_ZEEK },
		{ "transcript", no_argument, NULL, OPT_TRANSCRIPT },
		{ "no-promisc", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *files[MAX_FILES];
	static uint16_t ports[MAX_PORTS];
	static uint8_t portmap[8192], tlsmap[8192];
	struct capture_config cc;
	struct reasm_config rc;
	struct event_bus bus;
	static struct stats st;
	struct run run;
	const char *iface = NULL, *filter = NULL, *wfile = NULL, *user = NULL;
	const char *zeekdir = NULL;
	bool transcript = false;
	unsigned long max_sessions = REASM_DEFAULT_MAX_SESSIONS;
	unsigned long idle = REASM_DEFAULT_IDLE_TIMEOUT, buffer_mb = 64;
	size_t nfiles = 0, nports = 0, i;
	bool verify = false, quiet = false, promisc = true;
	char err[1024];
	int ch, status = EXIT_OK;
	struct sigaction sa;

	opterr = 0; /* our own sentences, not getopt's */
	while ((ch = getopt_long(
		    argc, argv, ":r:i:f:w:Z:B:pqhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			if (nfiles >= MAX_FILES)
				fail(EXIT_USAGE,
				    "too many -r files (the "
				    "limit is %d)",
				    MAX_FILES);
			files[nfiles++] = optarg;
			break;
		case 'i':
			iface = optarg;
			break;
		case 'f':
			filter = optarg;
			break;
		case 'w':
			wfile = optarg;
			break;
		case 'Z':
			user = optarg;
			break;
		case 'B':
			if (!parse_ulong(optarg, 1, 4096, &buffer_mb))
				fail(EXIT_USAGE,
				    "-B wants a buffer size in MB from 1 to "
				    "4096, not \"%s\"",
				    optarg);
			break;
		case 'p':
			promisc = false;
			break;
		case 'q':
			quiet = true;
			break;
		case OPT_PORTS:
			if (parse_ports(optarg, ports, &nports) != 0)
				fail(EXIT_USAGE,
				    "--ports wants a list like 25,587,2525 or "
				    "2500-2599, not \"%s\"",
				    optarg);
			break;
		case OPT_VERIFY:
			verify = true;
			break;
		case OPT_ZEEK:
			zeekdir = optarg;
			break;
		case OPT_TRANSCRIPT:
			transcript = true;
			break;
		case OPT_MAX_SESSIONS:
			if (!parse_ulong(optarg, 16, 16u << 20, &max_sessions))
				fail(EXIT_USAGE,
				    "--max-sessions wants a number from 16 to "
				    "16777216, not \"%s\"",
				    optarg);
			break;
		case OPT_IDLE:
			if (!parse_ulong(optarg, 1, 86400 * 7, &idle))
				fail(EXIT_USAGE,
				    "--idle-timeout wants seconds from 1 to "
				    "604800, not \"%s\"",
				    optarg);
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("smtpscope %s\n", SMTPSCOPE_VERSION);
			return EXIT_OK;
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
	if (nfiles == 0 && iface == NULL) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (nfiles > 0 && iface != NULL)
		fail(EXIT_USAGE, "%s", "use -r or -i, not both");
	if (nports == 0) {
		ports[0] = 25;
		ports[1] = 465;
		ports[2] = 587;
		nports = 3;
	}
	for (i = 0; i < nports; i++) {
		portmap[ports[i] >> 3] |= (uint8_t)(1u << (ports[i] & 7));
		if (ports[i] == 465)
			tlsmap[ports[i] >> 3] |=
			    (uint8_t)(1u << (ports[i] & 7));
	}

	memset(&cc, 0, sizeof(cc));
	cc.files = files;
	cc.nfiles = nfiles;
	cc.iface = iface;
	cc.user_filter = filter;
	cc.ports = ports;
	cc.nports = nports;
	cc.buffer_mb = buffer_mb;
	cc.promisc = promisc;
	cc.progress = !quiet && isatty(STDERR_FILENO);
	the_capture = capture_open(&cc, err, sizeof(err), &status);
	if (the_capture == NULL)
		fail(status, "%s", err);
	status = EXIT_OK;
	if (user != NULL)
		drop_privileges(user);

	memset(&bus, 0, sizeof(bus));
	stats_init(&st);
	memset(&run, 0, sizeof(run));
	run.live = iface != NULL;
	event_bus_subscribe(&bus, stats_on_event, &st);
	if (wfile != NULL) {
		if (jsonlog_open(&run.log, wfile, err, sizeof(err)) != 0) {
			capture_close(the_capture);
			fail(EXIT_OUTPUT, "%s", err);
		}
		run.have_log = true;
		event_bus_subscribe(&bus, jsonlog_on_event, &run.log);
	}
	if (zeekdir != NULL) {
		if (zeeklog_open(&run.zeek, zeekdir, err, sizeof(err)) != 0) {
			capture_close(the_capture);
			fail(EXIT_OUTPUT, "%s", err);
		}
		run.have_zeek = true;
		event_bus_subscribe(&bus, zeeklog_on_event, &run.zeek);
	}
	if (transcript) {
		if (wfile != NULL && strcmp(wfile, "-") == 0)
			fail(EXIT_USAGE, "%s",
			    "--transcript and -w - both want stdout: give -w a "
			    "file");
		transcript_init(&run.transcript, stdout);
		run.have_transcript = true;
		event_bus_subscribe(&bus, transcript_on_event, &run.transcript);
	}

	memset(&rc, 0, sizeof(rc));
	rc.portmap = portmap;
	rc.tlsmap = tlsmap;
	rc.verify_checksums = verify;
	rc.max_sessions = max_sessions;
	rc.idle_timeout = idle;
	rc.bus = &bus;
	if (reasm_init(&rc, err, sizeof(err)) != 0)
		fail(EXIT_NO_INPUT, "%s", err);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	capture_run(the_capture, tick, &run);
	/* Whatever stopped us, every open session is finished and logged. */
	reasm_finish();

	if (capture_warning(the_capture) != NULL) {
		fprintf(
		    stderr, "smtpscope: %s\n", capture_warning(the_capture));
		status = EXIT_DAMAGED;
	}
	if (run.have_log) {
		jsonlog_summary(
		    &run.log, &st, reasm_stats(), capture_stats(the_capture));
		if (jsonlog_close(&run.log) != 0) {
			/* A reader that went away (| head) is not worth a
			 * word; a full disk is. */
			if (run.log.errnum != EPIPE)
				fprintf(stderr,
				    "smtpscope: writing the log %s failed: "
				    "%s\n",
				    wfile, strerror(run.log.errnum));
			status = EXIT_OUTPUT;
		}
	}
	if (run.have_zeek && zeeklog_close(&run.zeek) != 0) {
		fprintf(stderr, "smtpscope: writing %s/smtp.log failed: %s\n",
		    zeekdir, strerror(run.zeek.errnum));
		status = EXIT_OUTPUT;
	}
	if (run.have_transcript) {
		transcript_finish(&run.transcript);
		if (run.transcript.error && errno != EPIPE)
			status = EXIT_OUTPUT;
	}
	if (!quiet) {
		const struct capture_stats *cs = capture_stats(the_capture);

		fprintf(stderr,
		    "smtpscope: %lu sessions, %lu transactions, %lu messages "
		    "accepted, %lu recipients accepted",
		    (unsigned long)st.sessions, (unsigned long)st.transactions,
		    (unsigned long)st.messages_accepted,
		    (unsigned long)st.recipients_accepted);
		if (cs->live)
			fprintf(stderr, "; %lu packets dropped by the kernel",
			    (unsigned long)cs->pcap_drops);
		if (reasm_stats()->no_handshake > 0)
			fprintf(stderr, "; %lu connections without handshake",
			    (unsigned long)reasm_stats()->no_handshake);
		fprintf(stderr, "\n");
	}
	capture_close(the_capture);
	return status;
}
