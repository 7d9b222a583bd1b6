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
#include <math.h>
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

#include "event/event.h"
#include "lib/util.h"
#include "net/capture.h"
#include "net/pcapout.h"
#include "net/reasm.h"
#include "net/v6map.h"
#include "options.h"
#include "plugin/plugins.h"
#include "report/report.h"
#include "sinks/alerts.h"
#include "sinks/jsonlog.h"
#include "sinks/rotate.h"
#include "sinks/stats.h"
#include "sinks/transcript.h"
#include "sinks/zeeklog.h"
#include "smtp/smtp.h"
#include "trace/reportcmd.h"
#include "trace/trace.h"
#include "track/track.h"
#include "tui/tui.h"

/* The file mode creation mask in force (main() sets it): logs, reports
 * and plugins' files hold addresses and subjects. */
#define DEFAULT_UMASK_ADD 027
static mode_t file_umask = 077;

/* What the signal handlers and the tick see. */
static struct {
	struct capture *capture;
	volatile sig_atomic_t snapshot; /* SIGUSR1: write the report */
	volatile sig_atomic_t reopen;   /* SIGHUP: the outputs anew */
	volatile sig_atomic_t tui;      /* the dashboard holds the terminal */
	volatile sig_atomic_t stopping;
} sig;

/* --pcap-out: the frames of the sessions followed. */
static struct pcapout pcap_out;
static bool have_pcap_out, pcap_out_failed;

/* --trace-states: one line per change of a session's state. */
static void
trace_state(void *arg, const struct smtp_session_info *si, const char *from,
    const char *to, const char *why)
{
	(void)arg;
	fprintf(stderr, "smtpscope: session %" PRIu64 ": %s -> %s (%s)\n",
	    si->id, from, to, why);
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

/* SIGHUP: reopen the outputs (logrotate); with the dashboard, its
 * terminal hung up, which ends the run as it always did. */
static void
on_hup(int signo)
{
	if (sig.tui)
		on_stop(signo);
	else
		sig.reopen = 1;
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
	/* What the dashboard shows: st until its first reset ('r'), then
	 * statistics of its own, so that a reset never touches what is
	 * written (the log's summary, the reports, the exit summary). */
	struct stats *view_st;
	struct event_bus *bus;
	struct jsonlog log;
	bool have_log;
	/* The JSON log's records for the plugins that asked, when there is
	 * no -w (with -w they come from log). */
	struct jsonlog reclog;
	bool have_reclog;
	struct zeeklog zeek;
	bool have_zeek;
	struct transcript transcript;
	bool have_transcript;
	struct tui *tui;
	bool tui_quit;
	struct tracker *track; /* NULL with --no-track */
	struct alerts *alerts; /* NULL with --no-alerts */
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
	struct health health; /* the last snapshot (health_snapshot()) */
	const struct recfile *output_rf[3];
	size_t noutputs;
	char output_names[3][4200];
	struct dbuf said;
	unsigned said_dropped;
	bool stdout_used; /* -w -, --transcript or the report go there */
	bool stdout_pipe; /* and it is a pipe or a socket */
	bool broken_pipe; /* whose reader went away */
	/* What files closed before the one now (--rotate, SIGHUP) did not
	 * write, per output (NULL: it has no such files). */
	const uint64_t *output_closed[3];
	/* --rotate: the interval under way, [ival_start, ival_end) (seq 0:
	 * none yet), its own statistics, and the capture's figures when it
	 * began; the names of its files. */
	struct stats *ist;
	uint64_t ival_seq;
	double ival_start, ival_end;
	struct health ival_base;
	char log_path[4200];
	char zeek_file[4200];
	char log_base[4200], zeek_base[4200]; /* their names without .N */
	unsigned ival_nth;                    /* the N */
	double next_report; /* --report-every, on the run's clock */
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
		r->outputs[i].not_written = r->output_rf[i]->not_written +
		    (r->output_closed[i] != NULL ? *r->output_closed[i] : 0);
		r->outputs[i].failing = r->output_rf[i]->failing;
		r->outputs[i].errnum = r->output_rf[i]->errnum;
	}
}

/* The capture's health, one snapshot for everything that shows it: the
 * log's summary, the reports, the dashboard, the plugins. */
static const struct health *
health_snapshot(struct run *r)
{
	r->health.cs = *capture_stats(sig.capture);
	r->health.rs = *reasm_stats();
	r->health.now = capture_last_ts(sig.capture);
	r->health.live = r->o->iface != NULL;
	return &r->health;
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
	ri->localtime = r->o->localtime;
	ri->health = health_snapshot(r);
	plugins_report_counters(r->plugins, ri);
	outputs_update(r);
	ri->outputs = r->outputs;
	ri->noutputs = r->noutputs;
}

/* The capture's figures of the interval under way (--rotate), or of the
 * run. */
static const struct health *
interval_health(struct run *r, struct health *out)
{
	const struct health *h = health_snapshot(r);

	if (r->ist == NULL || r->ival_seq == 0)
		return h;
	rotate_health_since(h, &r->ival_base, out);
	return out;
}

/*
 * Write the report: to standard output or through report_open(). A
 * report that cannot be written whole leaves no trace: its temporary
 * file is removed (an older report stays as it was), and standard output
 * that is a regular file is cut back to where the report began.
 */
static int
write_report(struct run *r, const struct report_spec *spec)
{
	struct report_info ri;
	struct health hd;
	const struct stats *st = r->ist != NULL ? r->ist : r->st;
	const char *path = spec->outfile;
	char tmp[4096], name[4200];
	FILE *f = stdout;
	bool atomic = false;
	off_t start = -1;
	struct stat sb;
	int rc, err = 0;

	report_info_fill(r, &ri);
	if (r->ist != NULL && r->ival_seq > 0) {
		/* The interval's report, in the interval's file. */
		ri.health = interval_health(r, &hd);
		ri.interval_seq = r->ival_seq;
		ri.interval_start = r->ival_start;
		/* Not over yet (--rotate-size alone): until now. */
		ri.interval_end = isfinite(r->ival_end) ? r->ival_end
		    : r->o->iface != NULL               ? ri.wall_now
					  : capture_last_ts(sig.capture);
		/* Events of the interval may carry earlier times (a session
		 * closed now that opened before): its period is its own. */
		if (r->ist->last_ts > 0 && r->ist->first_ts < r->ival_start)
			r->ist->first_ts = r->ival_start;
		if (path != NULL && strcmp(path, "-") != 0) {
			if (rotate_name_nth(path, r->ival_start, r->ival_nth,
				name, sizeof(name)) != 0) {
				fprintf(stderr,
				    "smtpscope: the report's name %s makes "
				    "too long or an empty name: not written\n",
				    path);
				return -1;
			}
			path = name;
		}
	}
	if (path != NULL && strcmp(path, "-") != 0 &&
	    (f = report_open(
		 path, 0666 & ~file_umask, tmp, sizeof(tmp), &atomic)) == NULL)
		return -1;
	/* Where it begins: appended (>>), at the end whatever the offset. */
	if (f == stdout && fflush(stdout) == 0 &&
	    fstat(STDOUT_FILENO, &sb) == 0 && S_ISREG(sb.st_mode))
		start = (fcntl(STDOUT_FILENO, F_GETFL) & O_APPEND) != 0
		    ? sb.st_size
		    : lseek(STDOUT_FILENO, 0, SEEK_CUR);
	errno = 0;
	switch (spec->format) {
	case REPORT_TEXT:
		rc = report_text(f, st, &ri);
		break;
	case REPORT_JSON:
		rc = report_json(f, st, &ri);
		break;
	case REPORT_HTML:
		rc = report_html(f, st, &ri);
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
		if (rc == 0 && atomic && rename(tmp, path) != 0) {
			rc = -1;
			err = errno;
		}
		if (rc != 0) {
			if (atomic)
				unlink(tmp);
			fprintf(stderr,
			    "smtpscope: writing the report %s failed: %s%s\n",
			    path, strerror(err != 0 ? err : EIO),
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

/* Every report (SIGUSR1, --report-every, an interval's end): a report
 * that cannot be written makes the exit status 4. */
static void
write_reports(struct run *r)
{
	size_t i;

	for (i = 0; i < r->o->nreports; i++)
		if (write_report(r, &r->o->reports[i]) != 0 && !r->broken_pipe)
			r->status = EXIT_OUTPUT;
}

static void output_say(void *arg, const char *msg);

/* The outputs' names as their writers have them now. */
static void
output_names_update(struct run *r)
{
	size_t i;

	for (i = 0; i < r->noutputs; i++)
		if (r->output_rf[i]->name != NULL)
			snprintf(r->output_names[i], sizeof(r->output_names[i]),
			    "%s", r->output_rf[i]->name);
}

/*
 * The log and the Zeek log go on in the files named log and zeek_file
 * (in the Zeek log's folder): a new interval's (--rotate) or the same
 * names again (SIGHUP). first: the run's first files, which must open.
 * A file that cannot be opened later is said, the old one goes on, and
 * the exit status is 4.
 */
static void
outputs_reopen(
    struct run *r, const char *log, const char *zeek_file, bool first)
{
	char err[1024], msg[1200];

	if (r->have_log && log != NULL &&
	    jsonlog_reopen(&r->log, log, err, sizeof(err)) != 0) {
		if (first)
			fail(EXIT_OUTPUT, "%s", err);
		snprintf(msg, sizeof(msg), "%s; the log goes on in %s", err,
		    r->log.out.name);
		output_say(r, msg);
		r->status = EXIT_OUTPUT;
	}
	if (r->have_zeek && first) {
		void (*say)(void *, const char *) = r->zeek.out.say;
		void *arg = r->zeek.out.say_arg;

		if (zeeklog_open_file(&r->zeek, r->o->zeekdir, zeek_file, err,
			sizeof(err)) != 0)
			fail(EXIT_OUTPUT, "%s", err);
		r->zeek.out.say = say;
		r->zeek.out.say_arg = arg;
	} else if (r->have_zeek &&
	    zeeklog_reopen(
		&r->zeek, r->o->zeekdir, zeek_file, err, sizeof(err)) != 0) {
		snprintf(msg, sizeof(msg), "%s; the Zeek log goes on in %s",
		    err, r->zeek.out.name);
		output_say(r, msg);
		r->status = EXIT_OUTPUT;
	}
	output_names_update(r);
}

/* SIGHUP: every output of ours in a file anew under its name (logrotate
 * moved the old one away), at a record boundary: the old files get what
 * was held for them, the new ones the rest. Reports are replaced whole
 * each time anyway; standard output stays. */
static void
reopen_on_hup(struct run *r)
{
	if (r->ist != NULL) {
		if (r->ival_seq > 0)
			outputs_reopen(r, r->log_path, r->zeek_file, false);
		return;
	}
	outputs_reopen(
	    r, r->log.is_stdout ? NULL : r->o->wfile, "smtp.log", false);
}

/* The log's summary of the interval under way, which ends at end. */
static void
interval_summary(struct run *r, double end)
{
	struct jsonlog_not_written nw = { -1, -1 };
	struct health hd;

	r->ival_end = end;
	if (!r->have_log && !r->have_reclog)
		return;
	if (r->have_zeek)
		nw.zeek_log = (int64_t)r->zeek.out.not_written;
	if (r->have_transcript)
		nw.transcript = (int64_t)r->transcript.out.not_written;
	{
		struct jsonlog *log = r->have_log ? &r->log : &r->reclog;

		log->interval.on = true;
		log->interval.seq = r->ival_seq;
		log->interval.start = r->ival_start;
		log->interval.end = end;
		jsonlog_summary(log, r->ist, interval_health(r, &hd), &nw);
	}
}

/*
 * An interval begins at t: with --rotate the one that holds t, from its
 * aligned start when aligned (else from t: --rotate-size cut the one
 * before), without --rotate from t until the logs reach --rotate-size.
 * Its statistics, its files: named from its start, with ".N" when they
 * would take the names of the interval before (--rotate-size within one
 * second, a pattern coarser than the interval).
 */
static void
interval_begin(struct run *r, double t, bool aligned)
{
	const struct options *o = r->o;
	bool first = r->ival_seq == 0;
	char log[4200] = "", zeek[4200] = "";
	char log0[4200] = "", zeek0[4200] = "";

	r->ival_start = t;
	r->ival_end = INFINITY;
	if (o->rotate > 0) {
		double a = rotate_interval_start(t, (double)o->rotate);

		r->ival_start = aligned ? a : t;
		r->ival_end = a + (double)o->rotate;
	}
	r->ival_seq++;
	stats_reset(r->ist);
	r->ist->tracking = r->st->tracking;
	r->ival_base = *health_snapshot(r);
	r->log.message_records = 0;
	if ((o->wfile != NULL &&
		rotate_name(o->wfile, r->ival_start, log0, sizeof(log0)) !=
		    0) ||
	    rotate_name("smtp.log", r->ival_start, zeek0, sizeof(zeek0)) != 0)
		fail(EXIT_OUTPUT,
		    "-w %s: the name for the interval is too long or empty",
		    o->wfile);
	if (!first && strcmp(zeek0, r->zeek_base) == 0 &&
	    strcmp(log0, r->log_base) == 0)
		r->ival_nth++;
	else
		r->ival_nth = 0;
	snprintf(r->log_base, sizeof(r->log_base), "%s", log0);
	snprintf(r->zeek_base, sizeof(r->zeek_base), "%s", zeek0);
	if ((o->wfile != NULL &&
		rotate_name_nth(o->wfile, r->ival_start, r->ival_nth, log,
		    sizeof(log)) != 0) ||
	    rotate_name_nth("smtp.log", r->ival_start, r->ival_nth, zeek,
		sizeof(zeek)) != 0)
		fail(EXIT_OUTPUT,
		    "-w %s: the name for the interval is too long or empty",
		    o->wfile);
	outputs_reopen(r, o->wfile != NULL ? log : NULL, zeek, first);
	snprintf(r->log_path, sizeof(r->log_path), "%s", log);
	snprintf(r->zeek_file, sizeof(r->zeek_file), "%s", zeek);
}

/* --rotate-size: a log of the interval has reached it. */
static bool
rotate_size_reached(const struct run *r)
{
	uint64_t max = r->o->rotate_size;

	return max > 0 &&
	    ((r->have_log && r->log.out.size + r->log.out.buf.len >= max) ||
		(r->have_zeek &&
		    r->zeek.out.size + r->zeek.out.buf.len >= max));
}

/*
 * --rotate's clock reached t (or, with --rotate-size, a packet comes):
 * the interval under way ends when its time is up or its logs are full
 * (its summary, its reports), and the next begins. Returns when to be
 * called again: the interval's end, or with --rotate-size at every
 * packet (-INFINITY).
 */
static double
rotate_clock(void *arg, double t)
{
	struct run *r = arg;
	double due = r->o->rotate_size > 0 ? -INFINITY : 0;

	if (r->ival_seq == 0)
		interval_begin(r, t, true);
	else if (t >= r->ival_end) {
		interval_summary(r, r->ival_end);
		write_reports(r);
		interval_begin(r, t, true);
	} else if (rotate_size_reached(r)) {
		interval_summary(r, t);
		write_reports(r);
		interval_begin(r, t, false);
	}
	return due < 0 ? due : r->ival_end;
}

/* --report-every: the reports now and then, on the run's clock. */
static void
report_every(struct run *r, double now)
{
	double t = r->o->iface != NULL ? now : capture_last_ts(sig.capture);

	if (t <= 0)
		return;
	if (r->next_report == 0)
		r->next_report = t + (double)r->o->report_every;
	else if (t >= r->next_report) {
		r->next_report = t + (double)r->o->report_every;
		write_reports(r);
	}
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
	ts->st = r->view_st;
	ts->health = health_snapshot(r);
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

/* The dashboard's counters from zero: its own statistics from now on. */
static void
view_reset(struct run *r)
{
	if (r->view_st == r->st) {
		r->view_st = xmalloc(sizeof(*r->view_st));
		stats_init(r->view_st);
		r->view_st->sessions_active = r->st->sessions_active;
		r->view_st->tracking = r->st->tracking;
		r->view_st->alerting = r->st->alerting;
		event_bus_subscribe_types(r->bus, stats_on_event, r->view_st,
		    EVENT_ALL_BUT_BODY | EVENT_BIT(SMTP_EV_MESSAGE) |
			EVENT_BIT(SMTP_EV_ALERT) | EVENT_BIT(SMTP_EV_ATTEMPT));
	} else
		stats_reset(r->view_st);
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
		view_reset(r);
		break;
	case TUI_CONTINUE:
		break;
	}
}

static void alerts_tick(struct run *r);

/* Between packet batches (and while a replay waits). */
static void
tick(void *arg)
{
	struct run *r = arg;
	double now = wall_now();

	if (r->o->iface != NULL)
		reasm_clock(now);
	if (r->ist != NULL && r->o->iface != NULL)
		(void)rotate_clock(r, now);
	if (sig.reopen) {
		sig.reopen = 0;
		reopen_on_hup(r);
	}
	if (sig.snapshot) {
		sig.snapshot = 0;
		if (r->o->nreports > 0 && r->tui == NULL)
			write_reports(r);
	}
	if (r->o->report_every > 0)
		report_every(r, now);

	alerts_tick(r);
	if (r->tui != NULL && !r->tui_quit)
		tui_step(r, false);
	if (r->plugins != NULL && now - r->last_plugin_tick >= 1.0) {
		r->last_plugin_tick = now;
		plugins_tick(r->plugins, health_snapshot(r));
	}
	if (have_pcap_out && r->o->iface != NULL)
		pcapout_tick(&pcap_out, now);
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
	event_bus_subscribe_types(bus, stats_on_event, r->st,
	    EVENT_ALL_BUT_BODY | EVENT_BIT(SMTP_EV_MESSAGE) |
		EVENT_BIT(SMTP_EV_ALERT) | EVENT_BIT(SMTP_EV_ATTEMPT));
	/* --rotate: the interval's own statistics; the files are opened
	 * by the first interval (interval_begin()). */
	if (r->o->rotate > 0 || r->o->rotate_size > 0) {
		r->ist = xmalloc(sizeof(*r->ist));
		stats_init(r->ist);
		event_bus_subscribe_types(bus, stats_on_event, r->ist,
		    EVENT_ALL_BUT_BODY | EVENT_BIT(SMTP_EV_MESSAGE) |
			EVENT_BIT(SMTP_EV_ALERT) | EVENT_BIT(SMTP_EV_ATTEMPT));
	}
	if (r->o->wfile != NULL) {
		if (r->ist == NULL &&
		    jsonlog_open(&r->log, r->o->wfile, err, sizeof(err)) != 0)
			fail(EXIT_OUTPUT, "%s", err);
		r->have_log = true;
		output_add(r, &r->log.out, "log",
		    r->ist == NULL ? r->log.out.name : "the log");
		r->output_closed[r->noutputs - 1] = &r->log.closed_not_written;
		event_bus_subscribe_types(
		    bus, jsonlog_on_event, &r->log, JSONLOG_EVENTS);
		if (plugins_want_records(r->plugins)) {
			r->log.on_record = plugins_record;
			r->log.on_record_arg = r->plugins;
		}
	} else if (plugins_want_records(r->plugins)) {
		jsonlog_open_records(&r->reclog);
		r->reclog.on_record = plugins_record;
		r->reclog.on_record_arg = r->plugins;
		r->have_reclog = true;
		event_bus_subscribe_types(
		    bus, jsonlog_on_event, &r->reclog, JSONLOG_EVENTS);
	}
	if (r->o->zeekdir != NULL) {
		if (r->ist == NULL &&
		    zeeklog_open(&r->zeek, r->o->zeekdir, err, sizeof(err)) !=
			0)
			fail(EXIT_OUTPUT, "%s", err);
		r->have_zeek = true;
		output_add(r, &r->zeek.out, "zeek_log",
		    r->ist == NULL ? r->zeek.out.name : "the Zeek log");
		r->output_closed[r->noutputs - 1] = &r->zeek.closed_not_written;
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
		to.history = r->o->tui_history;
		to.localtime = r->o->localtime;
		if ((r->tui = tui_open(&to, err, sizeof(err))) == NULL)
			fail(EXIT_USAGE, "%s", err);
		sig.tui = 1;
		event_bus_subscribe_types(bus, tui_on_event, r->tui,
		    EVENT_ALL_BUT_BODY | EVENT_BIT(SMTP_EV_ALERT) |
			EVENT_BIT(SMTP_EV_ATTEMPT));
	}
	/* After the sinks: a message settled by a transaction is logged
	 * after that transaction. */
	if (!r->o->no_track) {
		struct track_config tc;

		tc.window = (double)r->o->track_window;
		tc.max_messages = r->o->track_max;
		tc.max_bytes = 0;
		r->track = track_open(&tc, bus);
		r->st->tracking = true;
	}
	/* After ours: a plugin sees each event after the log has it. */
	plugins_subscribe(r->plugins, bus);
	/* Last: an alert follows the record of what raised it. */
	if (!r->o->no_alerts) {
		r->alerts = xmalloc(sizeof(*r->alerts));
		r->st->alerting = true;
		if (r->ist != NULL)
			r->ist->alerting = true;
		alerts_init(r->alerts, &r->o->alerts, bus);
		event_bus_subscribe_types(
		    bus, alerts_on_event, r->alerts, ALERTS_EVENTS);
	}
}

/* The alerts' clock and the kernel's drops, between packets: the
 * capture's clock, which live is the wall's (so that an alert clears
 * when the traffic stops too). */
static void
alerts_tick(struct run *r)
{
	const struct capture_stats *cs;
	double t;

	if (r->alerts == NULL)
		return;
	cs = capture_stats(sig.capture);
	t = capture_last_ts(sig.capture);
	if (r->o->iface != NULL && wall_now() > t)
		t = wall_now();
	alerts_clock(r->alerts, t, cs->pcap_drops + cs->pcap_ifdrops);
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
		if (r->ist != NULL)
			interval_summary(r, r->ival_end);
		else
			jsonlog_summary(
			    &r->log, r->st, health_snapshot(r), &nw);
		if (jsonlog_close(&r->log) != 0 && r->log.out.broken_pipe)
			r->broken_pipe = true;
	}
	if (r->have_reclog) {
		/* The plugins' records end with the summary, as a log would
		 * (an interval's, with --rotate). */
		if (r->ist != NULL)
			interval_summary(r, r->ival_end);
		else
			jsonlog_summary(
			    &r->reclog, r->st, health_snapshot(r), &nw);
		jsonlog_close(&r->reclog);
		r->have_reclog = false;
	}
	outputs_update(r);
	/* Records lost to a write error (a full disk): exit status 4. A
	 * reader that went away loses the rest by its own choice. */
	for (size_t i = 0; i < r->noutputs; i++)
		if (r->outputs[i].not_written > 0 &&
		    !r->output_rf[i]->broken_pipe)
			r->status = EXIT_OUTPUT;
}

/* -v: the capture's and the reassembly's counters, at the end. */
static void
verbose_counters(const struct capture_stats *cs, const struct reasm_stats *rs)
{
	fprintf(stderr,
	    "smtpscope: capture: %" PRIu64 " packets read from %zu file%s",
	    cs->packets, cs->files_read, cs->files_read == 1 ? "" : "s");
	if (cs->live)
		fprintf(stderr,
		    ", %" PRIu64 " dropped by the kernel, %" PRIu64
		    " by the interface",
		    cs->pcap_drops, cs->pcap_ifdrops);
	fprintf(stderr,
	    "\nsmtpscope: reassembly: %" PRIu64 " packets, %" PRIu64
	    " TCP on the mail ports (%" PRIu64 " IPv6), %" PRIu64
	    " not IP, %" PRIu64 " truncated, %" PRIu64 " bad headers; %" PRIu64
	    " connections with a handshake, %" PRIu64 " without, %" PRIu64
	    " idle expired, %" PRIu64 " evicted; %" PRIu64 " gaps (%" PRIu64
	    " bytes)\n",
	    rs->packets, rs->tcp_packets, rs->ipv6_packets, rs->not_ip,
	    rs->truncated, rs->bad_header, rs->sessions, rs->no_handshake,
	    rs->idle_expired,
	    rs->sessions_evicted + rs->sessions_evicted_memory, rs->gaps,
	    rs->gap_bytes);
	fprintf(stderr,
	    "smtpscope: receiver: %" PRIu64 " fragments (%" PRIu64
	    " datagrams), %" PRIu64 " segments held out of order, %" PRIu64
	    " conflicting, %" PRIu64 " dropped; %" PRIu64 " RSTs and %" PRIu64
	    " SYNs ignored; %" PRIu64 " libnids warnings\n",
	    rs->fragments, rs->reassembled, rs->ooo_segments, rs->ooo_conflicts,
	    rs->ooo_dropped, rs->rst_ignored, rs->syn_ignored,
	    rs->nids_warnings);
}

/* 1234567 as "1,234,567". */
static void
thousands(char *buf, size_t size, uint64_t v)
{
	char digits[32];
	size_t n, i, o = 0;

	n = (size_t)snprintf(
	    digits, sizeof(digits), "%llu", (unsigned long long)v);
	for (i = 0; i < n && o + 2 < size; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
}

/* TCP on other ports and no session on the mail ports: the ports may
 * be the reason, said in one sentence. */
static void
no_smtp_hint(const struct options *o)
{
	const struct reasm_stats *rs = reasm_stats();
	char n[32];
	size_t i;

	if (o->ports_any || rs->sessions > 0 || rs->no_handshake > 0 ||
	    rs->other_tcp_packets == 0)
		return;
	thousands(n, sizeof(n), rs->other_tcp_packets);
	fprintf(
	    stderr, "smtpscope: no SMTP on port%s ", o->nports > 1 ? "s" : "");
	for (i = 0; i < o->nports && i < 8; i++)
		fprintf(stderr, "%s%u", i ? "," : "", (unsigned)o->ports[i]);
	if (o->nports > 8)
		fprintf(stderr, ",...");
	fprintf(stderr, ": %s TCP packet%s on other ports; try --ports any\n",
	    n, rs->other_tcp_packets == 1 ? "" : "s");
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
	if (r->o->ports_any)
		fprintf(stderr,
		    "; %lu connections on other ports judged by their "
		    "content: %lu SMTP (%lu in HTTP CONNECT tunnels)",
		    (unsigned long)reasm_stats()->content_judged,
		    (unsigned long)reasm_stats()->content_smtp,
		    (unsigned long)reasm_stats()->content_tunnels);
	if (reasm_stats()->midstream > 0)
		fprintf(stderr,
		    "; %lu picked up mid-stream (%lu with only the client's "
		    "side, %lu only the server's)",
		    (unsigned long)reasm_stats()->midstream,
		    (unsigned long)reasm_stats()->one_sided_client,
		    (unsigned long)reasm_stats()->one_sided_server);
	if (reasm_stats()->clock_jumps > 0)
		fprintf(stderr,
		    "; the capture's clock jumped %lu times by over 60 s "
		    "(at most %.0f s), which idle timeouts did not count",
		    (unsigned long)reasm_stats()->clock_jumps,
		    reasm_stats()->clock_jump_max);
	fprintf(stderr, "\n");
	if (r->o->verbose > 0)
		verbose_counters(cs, reasm_stats());
	no_smtp_hint(r->o);
}

static void
open_pcap_out(struct run *r, struct event_bus *bus)
{
	char err[1024];

	if (r->o->pcap_out == NULL)
		return;
	if (pcapout_open(&pcap_out, r->o->pcap_out, r->o->pcap_sessions,
		r->o->npcap_sessions, err, sizeof(err)) != 0)
		fail(EXIT_OUTPUT, "%s", err);
	pcap_out.out.say = output_say;
	pcap_out.out.say_arg = r;
	have_pcap_out = true;
	event_bus_subscribe_types(
	    bus, pcapout_on_event, &pcap_out, PCAPOUT_EVENTS);
	capture_set_pcapout(sig.capture, &pcap_out);
}

/* After the last session closed: the last frames decided, the file
 * closed, what it holds said (not with -q). */
static void
close_pcap_out(struct run *r)
{
	if (!have_pcap_out)
		return;
	capture_set_pcapout(sig.capture, NULL);
	if (pcapout_close(&pcap_out) != 0 && !pcap_out.out.broken_pipe)
		pcap_out_failed = true;
	if (pcap_out.out.broken_pipe)
		r->broken_pipe = true;
	if (pcap_out.other_linktype > 0)
		fprintf(stderr,
		    "smtpscope: --pcap-out: %" PRIu64 " packets of the "
		    "sessions followed were left out: their link type is not "
		    "the file's (link type %d, the first packet's)\n",
		    pcap_out.other_linktype, pcap_out.linktype);
	if (pcap_out.early > 0)
		fprintf(stderr,
		    "smtpscope: --pcap-out: %" PRIu64 " packets were "
		    "decided early (over %u MiB waited): a handshake among "
		    "them may be missing\n",
		    pcap_out.early, PCAPOUT_QUEUE_MAX >> 20);
	if (!r->o->quiet)
		fprintf(stderr,
		    "smtpscope: --pcap-out: %" PRIu64 " packets of %" PRIu64
		    " sessions\n",
		    pcap_out.frames, pcap_out.sessions);
	pcapout_free(&pcap_out);
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

/* The process as the run needs it: its umask, malloc's habits, and
 * which signals end it in order. */
static void
setup_process(const struct options *o)
{
	struct sigaction sa;

	/* Everything this run creates (logs, reports, plugins' files) holds
	 * addresses, names and subjects: not for every local user. */
	file_umask = umask(0);
	file_umask = o->umask_set ? o->umask : file_umask | DEFAULT_UMASK_ADD;
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
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* A file size limit (ulimit -f) is a full disk like any other: a
	 * write past it fails with EFBIG, taken back and said, instead of
	 * a signal that kills the run. */
	signal(SIGXFSZ, SIG_IGN);
}

/* Plugins before anything is opened: a plugin that cannot start stops
 * the run before a packet is read. */
static void
load_plugins(struct run *r, const struct options *o)
{
	char err[1024];

	if (o->nplugins == 0)
		return;
	r->plugins = plugins_load(o->plugins, o->nplugins, o->quiet,
	    o->iface != NULL, err, sizeof(err));
	if (r->plugins == NULL)
		fail(EXIT_USAGE, "%s", err);
	/* A run that fails later still calls their fini(). */
	exit_plugins = &r->plugins;
	atexit(plugins_at_exit);
}

/* The files or the interface the options name, opened (sig.capture). */
static void
open_capture(const struct options *o)
{
	struct capture_config cc;
	char err[1024];
	int status;

	memset(&cc, 0, sizeof(cc));
	cc.files = o->files;
	cc.nfiles = o->nfiles;
	cc.iface = o->iface;
	cc.user_filter = o->filter;
	cc.ports = o->ports;
	cc.nports = o->ports_any ? 0 : o->nports; /* any: "tcp" */
	cc.buffer_mb = o->buffer_mb;
	cc.promisc = o->promisc;
	cc.progress = !o->quiet && !o->tui && isatty(STDERR_FILENO);
	cc.speed = o->speed;
	cc.max_packets = o->count;
	sig.capture = capture_open(&cc, err, sizeof(err), &status);
	if (sig.capture == NULL)
		fail(status, "%s", err);
	if (o->verbose > 0) {
		char *ft =
		    capture_filter_text(o->ports, o->nports, o->filter, true);

		capture_describe(sig.capture, stderr);
		fprintf(stderr, "smtpscope: filter (Ethernet): %s\n", ft);
		free(ft);
	}
	/* Said even with -q: it costs CPU the user may not expect. */
	if (capture_notice(sig.capture) != NULL)
		fprintf(stderr, "smtpscope: %s\n", capture_notice(sig.capture));
	if (sig.stopping) /* a signal came while it opened */
		capture_stop(sig.capture);
}

/* Reassembly on the ports followed, its sessions' events to bus. */
static void
start_reassembly(struct run *r, struct event_bus *bus)
{
	static uint8_t portmap[8192], tlsmap[8192];
	const struct options *o = r->o;
	struct reasm_config rc;
	char err[1024];
	size_t i;

	for (i = 0; i < o->nports; i++) {
		portmap[o->ports[i] >> 3] |= (uint8_t)(1u << (o->ports[i] & 7));
		if (o->ports[i] == 465)
			tlsmap[o->ports[i] >> 3] |=
			    (uint8_t)(1u << (o->ports[i] & 7));
	}
	memset(&rc, 0, sizeof(rc));
	rc.portmap = portmap;
	rc.tlsmap = tlsmap;
	rc.any_port = o->ports_any;
	rc.verify_checksums = o->verify;
	rc.no_midstream = o->no_midstream;
	rc.live = o->iface != NULL;
	options_memory_config(o, &rc);
	rc.idle_timeout = o->idle;
	rc.bus = bus;
	rc.community_id = o->wfile != NULL || o->zeekdir != NULL ||
	    plugins_want_records(r->plugins);
	rc.community_id_seed = (uint16_t)o->community_id_seed;
	if (o->iface != NULL)
		rc.capture_drops = &capture_stats(sig.capture)->pcap_drops;
	if (o->trace_states)
		rc.trace = trace_state;
	if (reasm_init(&rc, err, sizeof(err)) != 0) {
		tui_close(r->tui);
		fail(EXIT_NO_INPUT, "%s", err);
	}
}

/* What the capture could not give as it should, said at the end (even
 * with -q: the records cannot say all they should). */
static void
say_capture_notices(struct run *r)
{
	if (capture_warning(sig.capture) != NULL) {
		fprintf(
		    stderr, "smtpscope: %s\n", capture_warning(sig.capture));
		r->status = EXIT_DAMAGED;
	}
	if (capture_end_notice(sig.capture) != NULL)
		fprintf(
		    stderr, "smtpscope: %s\n", capture_end_notice(sig.capture));
	if (capture_overlap_notice(sig.capture) != NULL)
		fprintf(stderr, "smtpscope: %s\n",
		    capture_overlap_notice(sig.capture));
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
}

/* The logs closed, the report written, the summary said. */
static void
finish_outputs(struct run *r)
{
	const struct options *o = r->o;
	size_t i;

	if (r->ist != NULL) {
		/* The last interval ends with the run: its files are there
		 * even when no packet came. */
		double end = o->iface != NULL ? wall_now()
					      : capture_last_ts(sig.capture);

		if (r->ival_seq == 0)
			interval_begin(r,
			    o->iface != NULL || end <= 0 ? r->wall_start : end,
			    true);
		if (end < r->ival_start)
			end = r->ival_start;
		if (end < r->ival_end)
			r->ival_end = end;
	}
	close_sinks(r);
	/* After the logs' summaries (which plugins that asked for the
	 * records get), before the reports (which show the plugins'
	 * counters as their fini() left them). */
	if (r->plugins != NULL)
		plugins_finish(r->plugins, health_snapshot(r));
	for (i = 0; i < o->nreports; i++) {
		const char *out = o->reports[i].outfile;
		bool to_stdout = out == NULL || strcmp(out, "-") == 0;

		/* For a reader that went away, no report at all. */
		if (!(to_stdout && stdout_broken(r)) &&
		    write_report(r, &o->reports[i]) != 0 &&
		    !(to_stdout && r->broken_pipe))
			r->status = EXIT_OUTPUT;
	}
	summary_line(r);
	free(r->ist);
	r->ist = NULL;
}

int
main(int argc, char **argv)
{
	static struct options o;
	static struct stats st;
	static struct run r;
	struct event_bus bus;
	char err[1024];

	if (argc > 1 && strcmp(argv[1], "trace") == 0)
		return trace_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "report") == 0)
		return reportcmd_main(argc - 1, argv + 1, SMTPSCOPE_VERSION);
	options_parse(argc, argv, &o);
	setup_process(&o);
	load_plugins(&r, &o);
	open_capture(&o);
	if (o.user != NULL)
		drop_privileges(o.user);
	/* As the user the run goes on as: what each plugin will need (a
	 * folder to write), before any output is created. */
	if (plugins_start(r.plugins, err, sizeof(err)) != 0)
		fail(EXIT_USAGE, "%s", err);

	stats_init(&st);
	r.o = &o;
	r.st = &st;
	r.view_st = &st;
	r.wall_start = wall_now();
	r.last_stats_line = r.wall_start;
	describe_source(&r);
	r.stdout_used =
	    (o.wfile != NULL && strcmp(o.wfile, "-") == 0) || o.transcript;
	for (size_t i = 0; i < o.nreports; i++)
		if (o.reports[i].outfile == NULL ||
		    strcmp(o.reports[i].outfile, "-") == 0)
			r.stdout_used = true;
	if (r.stdout_used) {
		struct stat sb;

		r.stdout_pipe = fstat(STDOUT_FILENO, &sb) == 0 &&
		    (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode));
	}
	memset(&bus, 0, sizeof(bus));
	r.bus = &bus;
	open_sinks(&r, &bus);
	open_pcap_out(&r, &bus);
	start_reassembly(&r, &bus);
	if (r.ist != NULL) {
		/* Live, the first interval's files now (wall time); from
		 * files, at the first packet (its time). */
		capture_clock_hook(sig.capture, rotate_clock, &r,
		    o.iface != NULL ? rotate_clock(&r, r.wall_start)
				    : -INFINITY);
	}

	capture_run(sig.capture, tick, &r);
	/* Whatever stopped us, every open session is finished and logged. */
	reasm_finish();
	close_pcap_out(&r);
	track_finish(r.track);
	alerts_tick(&r);
	smtp_release_spares();
	/* The plugins are finished with the outputs (finish_outputs()):
	 * they get the logs' summaries, and go on (a scrape, a store being
	 * sent to) while a finished replay stays on screen. */

	/* A finished replay stays on screen until q; the plugins' counters
	 * go on moving there (a store still being sent to). */
	while (r.tui != NULL && !r.tui_quit && !sig.stopping) {
		tui_step(&r, true);
		if (r.plugins != NULL &&
		    wall_now() - r.last_plugin_tick >= 1.0) {
			r.last_plugin_tick = wall_now();
			plugins_tick(r.plugins, health_snapshot(&r));
		}
	}
	tui_close(r.tui);
	sig.tui = 0;
	if (r.tui != NULL && capture_notice(sig.capture) != NULL)
		fprintf(stderr, "smtpscope: %s\n", capture_notice(sig.capture));
	r.tui = NULL;
	output_said(&r);

	say_capture_notices(&r);
	finish_outputs(&r);
	capture_close(sig.capture);
	plugins_free(r.plugins);
	r.plugins = NULL;
	track_close(r.track);
	free(r.alerts);
	if (r.view_st != r.st)
		free(r.view_st);
	if (pcap_out_failed)
		r.status = EXIT_OUTPUT;
	/* A failed output (4) says more than a reader that left. */
	if (r.broken_pipe && r.status != EXIT_OUTPUT)
		r.status = EXIT_BROKEN_PIPE;
	return r.status;
}
