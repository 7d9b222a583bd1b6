/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * prometheus: serves smtpscope's figures at http://ADDR:PORT/metrics in the
 * Prometheus text exposition format, for live captures and -r runs alike
 * (the server then lives until the end of the run).
 *
 *   smtpscope -i eth1 --plugin prometheus
 *   smtpscope -i eth1 --plugin prometheus:listen=[::1]:9125
 *
 * Arguments: listen=ADDR:PORT (numeric IPv4, or IPv6 in brackets; default
 * 127.0.0.1:9125); textfile=PATH writes the same text to PATH (replaced
 * whole, at most once a second of wall time and at the end) for
 * node_exporter's textfile collector or a batch run, and alone serves no
 * HTTP. The figures come from the events alone (metrics.c).
 *
 * Threads: events and ticks arrive on smtpscope's thread, which adds them
 * to the shared figures under a mutex; libmicrohttpd answers on its own
 * thread, copies the figures under the same mutex and renders the copy.
 * That thread never calls the host: its scrape counts are atomics that
 * tick() and fini() hand to the host's counters.
 *
 * Slow clients: libmicrohttpd's timeout counts only silence, so a client
 * that sends one header line every few seconds held a connection for
 * ever, and 32 of them kept /metrics unavailable. Now a client address
 * has at most PROM_PER_IP_LIMIT connections, and a watchdog thread shuts
 * down any connection whose request is not answered within
 * PROM_REQUEST_TIME_MAX seconds of its start (the connection's, or the
 * end of the previous request on it); libmicrohttpd then sees the end
 * of the stream and closes it.
 */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROM_DEFAULT_LISTEN "127.0.0.1:9125"
#define PROM_CONNECTION_LIMIT 32
#define PROM_PER_IP_LIMIT 4        /* connections from one address */
#define PROM_CONNECTION_TIMEOUT 10 /* seconds of silence */
#define PROM_REQUEST_TIME_MAX 5    /* seconds for a whole request */
#define PROM_WATCH_EVERY_MS 250    /* how often the watchdog looks */
#define PROM_CONTENT_TYPE "text/plain; version=0.0.4"

/* A connection the watchdog keeps an eye on. */
struct prom_conn {
	int fd;          /* -1: the slot is free */
	double deadline; /* monotonic seconds */
	bool cut;        /* shut down already */
};

struct prom {
	const struct smtpscope_host *host;
	char *textfile;     /* textfile=, or NULL */
	double textfile_at; /* wall time of its last writing */
	bool textfile_said; /* its write error said once */
	struct MHD_Daemon *daemon;
	pthread_mutex_t lock; /* guards figures */
	struct prom_figures figures;
	struct prom_names names; /* read-only after init */
	/* Written by the HTTP thread, read by smtpscope's. */
	atomic_uint_fast64_t scrapes, errors, cut;
	uint64_t *scrapes_counter, *errors_counter, *cut_counter;
	/* The watchdog: conns[] under conn_lock, shared with the HTTP
	 * thread's connection callbacks. */
	pthread_mutex_t conn_lock;
	pthread_cond_t wake;
	bool stopping;
	pthread_t watchdog;
	bool watchdog_running;
	struct prom_conn conns[PROM_CONNECTION_LIMIT];
};

/* ---- the listen address ---------------------------------------------------
 */

/* Up to 64 bytes of a user's argument, fit for a one-line message. */
static void
printable(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < size && i < 64 && src[i] != '\0'; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = '\0';
}

/* A decimal port, 1 to 65535. */
static int
parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > 65535)
			return -1;
	}
	if (i == 0 || s[i] != '\0' || v == 0)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* "A.B.C.D:PORT" or "[IPV6]:PORT" (value of len bytes, not terminated). */
static int
parse_listen(const char *value, size_t len, struct sockaddr_storage *ss,
    socklen_t *sslen)
{
	char buf[128], *host, *port, *end;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	uint16_t p;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, value, len);
	buf[len] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (buf[0] == '[') {
		host = buf + 1;
		if ((end = strchr(host, ']')) == NULL || end[1] != ':')
			return -1;
		*end = '\0';
		port = end + 2;
		if (parse_port(port, &p) != 0 ||
		    inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -1;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(p);
		*sslen = sizeof(*sin6);
		return 0;
	}
	if ((end = strrchr(buf, ':')) == NULL)
		return -1;
	*end = '\0';
	port = end + 1;
	if (parse_port(port, &p) != 0 ||
	    inet_pton(AF_INET, buf, &sin->sin_addr) != 1)
		return -1;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(p);
	*sslen = sizeof(*sin);
	return 0;
}

/* The listen=... value of "key=value,..." in *value and *len (NULL when
 * only textfile= is given), the textfile=... value in *tf and *tflen
 * (NULL none); -1 with err set on an unknown or repeated key. */
static int
parse_args(const char *args, const char **value, size_t *len, const char **tf,
    size_t *tflen, char *err, size_t errlen)
{
	const char *p = args, *item_end, *eq;
	char shown[72];
	bool seen = false;

	*value = NULL;
	*tf = NULL;
	*tflen = 0;
	while (p != NULL && *p != '\0') {
		item_end = strchr(p, ',');
		if (item_end == NULL)
			item_end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(item_end - p));
		if (eq != NULL && eq - p == 6 && memcmp(p, "listen", 6) == 0) {
			if (seen) {
				snprintf(err, errlen, "listen is given twice");
				return -1;
			}
			seen = true;
			*value = eq + 1;
			*len = (size_t)(item_end - eq - 1);
		} else if (eq != NULL && eq - p == 8 &&
		    memcmp(p, "textfile", 8) == 0) {
			if (*tf != NULL) {
				snprintf(
				    err, errlen, "textfile is given twice");
				return -1;
			}
			*tf = eq + 1;
			*tflen = (size_t)(item_end - eq - 1);
			if (*tflen == 0 || *tflen >= 4096) {
				snprintf(err, errlen,
				    "textfile= wants the path of a file");
				return -1;
			}
		} else if (item_end != p) {
			printable(shown, sizeof(shown), p);
			if (strchr(shown, ',') != NULL)
				*strchr(shown, ',') = '\0';
			snprintf(err, errlen,
			    "unknown argument \"%s\" (it takes "
			    "listen=ADDR:PORT and textfile=PATH)",
			    shown);
			return -1;
		}
		p = *item_end == ',' ? item_end + 1 : item_end;
	}
	if (*value == NULL && *tf == NULL) {
		*value = PROM_DEFAULT_LISTEN;
		*len = strlen(PROM_DEFAULT_LISTEN);
	}
	return 0;
}

/* A listening TCP socket on the address, or -1 with err set. */
static int
open_listener(const struct sockaddr_storage *ss, socklen_t sslen,
    const char *shown, char *err, size_t errlen)
{
	int fd, one = 1;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open a socket for %s: %s", shown,
		    strerror(errno));
		return -1;
	}
	/* Restarts do not wait for TIME_WAIT; a live listener still
	 * makes bind() fail with EADDRINUSE. */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, sslen) != 0 ||
	    listen(fd, 16) != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", shown,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- the HTTP side (libmicrohttpd's thread) ------------------------------ */

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, const char *text,
    const char *allow)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(
	    strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(
	    resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (allow != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
serve_metrics(struct prom *pr, struct MHD_Connection *conn)
{
	struct MHD_Response *resp;
	struct prom_figures *snap;
	enum MHD_Result ret;
	size_t len;
	char *text;

	if ((snap = malloc(sizeof(*snap))) == NULL)
		return MHD_NO;
	pthread_mutex_lock(&pr->lock);
	*snap = pr->figures;
	pthread_mutex_unlock(&pr->lock);
	text = prom_render(snap, &pr->names, &len);
	free(snap);
	if (text == NULL) {
		atomic_fetch_add(&pr->errors, 1);
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "cannot render the metrics\n", NULL);
	}
	resp =
	    MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(text);
		atomic_fetch_add(&pr->errors, 1);
		return MHD_NO;
	}
	MHD_add_response_header(
	    resp, MHD_HTTP_HEADER_CONTENT_TYPE, PROM_CONTENT_TYPE);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	if (ret == MHD_YES)
		atomic_fetch_add(&pr->scrapes, 1);
	else
		atomic_fetch_add(&pr->errors, 1);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **req_cls)
{
	struct prom *pr = cls;
	bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
	    strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (strcmp(url, "/metrics") != 0) {
		atomic_fetch_add(&pr->errors, 1);
		return reply(conn, MHD_HTTP_NOT_FOUND,
		    "not found: the metrics are at /metrics\n", NULL);
	}
	if (!get) {
		atomic_fetch_add(&pr->errors, 1);
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "method not allowed\n", "GET, HEAD");
	}
	return serve_metrics(pr, conn);
}

/* ---- the watchdog ------------------------------------------------------ */

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A connection starts (a slot and a deadline) or ends (its slot freed
 * before libmicrohttpd closes the socket, so the watchdog never touches
 * a descriptor that another connection may get). HTTP thread. */
static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct prom *pr = cls;
	const union MHD_ConnectionInfo *ci;
	struct prom_conn *pc = *socket_context;
	size_t i;

	pthread_mutex_lock(&pr->conn_lock);
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(
		    conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		for (i = 0; ci != NULL && i < PROM_CONNECTION_LIMIT; i++)
			if (pr->conns[i].fd < 0) {
				pc = &pr->conns[i];
				pc->fd = ci->connect_fd;
				pc->deadline =
				    mono_now() + PROM_REQUEST_TIME_MAX;
				pc->cut = false;
				*socket_context = pc;
				break;
			}
	} else if (pc != NULL) {
		pc->fd = -1;
		*socket_context = NULL;
	}
	pthread_mutex_unlock(&pr->conn_lock);
}

/* A request is over: the next one on this connection has its own time.
 * HTTP thread. */
static void
on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct prom *pr = cls;
	const union MHD_ConnectionInfo *ci;
	struct prom_conn *pc;

	(void)req_cls;
	(void)toe;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci == NULL || (pc = ci->socket_context) == NULL)
		return;
	pthread_mutex_lock(&pr->conn_lock);
	if (pc->fd >= 0 && !pc->cut)
		pc->deadline = mono_now() + PROM_REQUEST_TIME_MAX;
	pthread_mutex_unlock(&pr->conn_lock);
}

/* Shuts down every connection past its deadline, four times a second,
 * until fini(). */
static void *
watchdog_main(void *arg)
{
	struct prom *pr = arg;
	struct timespec until;
	double now;
	size_t i;

	pthread_mutex_lock(&pr->conn_lock);
	while (!pr->stopping) {
		now = mono_now();
		for (i = 0; i < PROM_CONNECTION_LIMIT; i++) {
			struct prom_conn *pc = &pr->conns[i];

			if (pc->fd < 0 || pc->cut || now < pc->deadline)
				continue;
			(void)shutdown(pc->fd, SHUT_RDWR);
			pc->cut = true;
			atomic_fetch_add(&pr->cut, 1);
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += PROM_WATCH_EVERY_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&pr->wake, &pr->conn_lock, &until);
	}
	pthread_mutex_unlock(&pr->conn_lock);
	return NULL;
}

/* Starts the daemon on the listening socket fd, and the watchdog (a
 * daemon without it is stopped by the caller); their threads block every
 * signal, so SIGINT and SIGTERM go to smtpscope's thread. */
static struct MHD_Daemon *
start_daemon(struct prom *pr, int fd, bool v6)
{
	struct MHD_Daemon *d;
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	d = MHD_start_daemon(
	    MHD_USE_AUTO_INTERNAL_THREAD | (v6 ? MHD_USE_IPv6 : 0), 0, NULL,
	    NULL, on_request, pr, MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)PROM_CONNECTION_LIMIT,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)PROM_PER_IP_LIMIT,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)PROM_CONNECTION_TIMEOUT,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, pr,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, pr, MHD_OPTION_END);
	if (d != NULL &&
	    pthread_create(&pr->watchdog, NULL, watchdog_main, pr) == 0)
		pr->watchdog_running = true;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return d;
}

static void
stop_watchdog(struct prom *pr)
{
	if (!pr->watchdog_running)
		return;
	pthread_mutex_lock(&pr->conn_lock);
	pr->stopping = true;
	pthread_cond_signal(&pr->wake);
	pthread_mutex_unlock(&pr->conn_lock);
	pthread_join(pr->watchdog, NULL);
	pr->watchdog_running = false;
}

/* ---- the plugin ------------------------------------------------------------
 */

static void
prom_destroy_locks(struct prom *pr)
{
	pthread_cond_destroy(&pr->wake);
	pthread_mutex_destroy(&pr->conn_lock);
	pthread_mutex_destroy(&pr->lock);
}

/* ---- textfile= -------------------------------------------------------------
 */

static double
wall_seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The folder of path is there and writable (a sentence in err if not). */
static bool
textfile_usable(const char *path, char *err, size_t errlen)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (slash != NULL && slash[1] == '\0') {
		snprintf(err, errlen, "textfile=%.200s names a folder", path);
		return false;
	}
	if (access(dir, W_OK) != 0) {
		snprintf(err, errlen,
		    "textfile=%.200s: cannot write in %.200s: %s", path, dir,
		    strerror(errno));
		return false;
	}
	return true;
}

/* The figures rendered into the textfile, replaced whole (a temporary
 * file beside it, then rename()): a reader never sees half of it. */
static void
textfile_write(struct prom *pr)
{
	struct prom_figures *snap;
	char tmp[4200];
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int ok;

	if (pr->textfile == NULL)
		return;
	pr->textfile_at = wall_seconds();
	if ((snap = malloc(sizeof(*snap))) != NULL) {
		pthread_mutex_lock(&pr->lock);
		*snap = pr->figures;
		pthread_mutex_unlock(&pr->lock);
		text = prom_render(snap, &pr->names, &len);
		free(snap);
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", pr->textfile, (long)getpid());
	ok = text != NULL && (f = fopen(tmp, "w")) != NULL;
	if (ok) {
		ok = fwrite(text, 1, len, f) == len;
		ok = fclose(f) == 0 && ok;
		ok = ok && rename(tmp, pr->textfile) == 0;
		if (!ok)
			unlink(tmp);
	}
	free(text);
	if (!ok) {
		atomic_fetch_add(&pr->errors, 1);
		if (!pr->textfile_said)
			pr->host->log(pr->host->ctx, SMTPSCOPE_LOG_WARNING,
			    "cannot write %s: %s", pr->textfile,
			    strerror(errno));
		pr->textfile_said = true;
	}
}

/* textfile= alone: no HTTP server, no watchdog. */
static int
textfile_init(const struct smtpscope_host *host, const char *tf, size_t tflen,
    void **state, char *err, size_t errlen)
{
	struct prom *pr = calloc(1, sizeof(*pr));

	if (pr == NULL || (pr->textfile = strndup(tf, tflen)) == NULL) {
		free(pr);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!textfile_usable(pr->textfile, err, errlen) ||
	    pthread_mutex_init(&pr->lock, NULL) != 0 ||
	    pthread_mutex_init(&pr->conn_lock, NULL) != 0 ||
	    pthread_cond_init(&pr->wake, NULL) != 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "cannot create a mutex");
		free(pr->textfile);
		free(pr);
		return -1;
	}
	pr->host = host;
	prom_names_fill(&pr->names, host);
	atomic_init(&pr->scrapes, 0);
	atomic_init(&pr->errors, 0);
	atomic_init(&pr->cut, 0);
	pr->errors_counter = host->counter(host->ctx, "scrape_errors",
	    "requests refused (404, 405) or failed, and textfile writes "
	    "failed");
	host->log(host->ctx, SMTPSCOPE_LOG_INFO, "writing %s", pr->textfile);
	*state = pr;
	return 0;
}

static int
prom_init(const struct smtpscope_host *host, const char *args, void **state,
    char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	const char *value, *tf;
	char shown[80], what[72];
	struct prom *pr;
	size_t len = 0, tflen, i;
	int fd;

	if (parse_args(args != NULL ? args : "", &value, &len, &tf, &tflen, err,
		errlen) != 0)
		return -1;
	if (value == NULL)
		return textfile_init(host, tf, tflen, state, err, errlen);
	printable(what, sizeof(what) < len + 1 ? sizeof(what) : len + 1, value);
	snprintf(shown, sizeof(shown), "%s%s", what, len > 64 ? "..." : "");
	if (parse_listen(value, len, &ss, &sslen) != 0) {
		snprintf(err, errlen,
		    "listen=%s is not ADDR:PORT (numeric IPv4, IPv6 in "
		    "brackets, port 1-65535)",
		    shown);
		return -1;
	}
	if ((pr = calloc(1, sizeof(*pr))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pr->host = host;
	if (tf != NULL && (pr->textfile = strndup(tf, tflen)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(pr);
		return -1;
	}
	if (pr->textfile != NULL &&
	    !textfile_usable(pr->textfile, err, errlen)) {
		free(pr->textfile);
		free(pr);
		return -1;
	}
	prom_names_fill(&pr->names, host);
	atomic_init(&pr->scrapes, 0);
	atomic_init(&pr->errors, 0);
	atomic_init(&pr->cut, 0);
	for (i = 0; i < PROM_CONNECTION_LIMIT; i++)
		pr->conns[i].fd = -1;
	if (pthread_mutex_init(&pr->lock, NULL) != 0 ||
	    pthread_mutex_init(&pr->conn_lock, NULL) != 0 ||
	    pthread_cond_init(&pr->wake, NULL) != 0) {
		snprintf(err, errlen, "cannot create a mutex");
		free(pr->textfile);
		free(pr);
		return -1;
	}
	pr->scrapes_counter = host->counter(
	    host->ctx, "scrapes", "requests for /metrics answered");
	pr->errors_counter = host->counter(host->ctx, "scrape_errors",
	    "requests refused (404, 405) or failed");
	pr->cut_counter = host->counter(host->ctx, "requests_cut",
	    "connections closed: a request not answered within 5 s");
	if ((fd = open_listener(&ss, sslen, shown, err, errlen)) < 0) {
		prom_destroy_locks(pr);
		free(pr->textfile);
		free(pr);
		return -1;
	}
	pr->daemon = start_daemon(pr, fd, ss.ss_family == AF_INET6);
	if (pr->daemon == NULL || !pr->watchdog_running) {
		snprintf(
		    err, errlen, "cannot start the HTTP server on %s", shown);
		if (pr->daemon != NULL)
			MHD_stop_daemon(pr->daemon); /* closes fd */
		else
			close(fd);
		prom_destroy_locks(pr);
		free(pr->textfile);
		free(pr);
		return -1;
	}
	host->log(
	    host->ctx, SMTPSCOPE_LOG_INFO, "serving http://%s/metrics", shown);
	*state = pr;
	return 0;
}

static void
prom_event(void *state, const struct smtpscope_event *ev)
{
	struct prom *pr = state;

	if (ev->type == SMTPSCOPE_EV_BODY)
		return;
	pthread_mutex_lock(&pr->lock);
	prom_figures_event(&pr->figures, ev);
	pthread_mutex_unlock(&pr->lock);
}

/* The HTTP thread's counts into the host's counters (on this thread). */
static void
sync_counters(struct prom *pr)
{
	if (pr->scrapes_counter != NULL)
		*pr->scrapes_counter = atomic_load(&pr->scrapes);
	if (pr->errors_counter != NULL)
		*pr->errors_counter = atomic_load(&pr->errors);
	if (pr->cut_counter != NULL)
		*pr->cut_counter = atomic_load(&pr->cut);
}

/* host->counters()'s callback, under pr->lock. */
static void
take_counter(void *arg, const char *plugin, const char *name, const char *help,
    uint64_t value)
{
	struct prom *pr = arg;

	(void)help;
	prom_figures_plugin_counter(&pr->figures, plugin, name, value);
}

/* Every plugin's counters, ours included, as of now (revision 7). */
static void
take_counters(struct prom *pr)
{
	if (!SMTPSCOPE_HAS(struct smtpscope_host, pr->host, counters) ||
	    pr->host->counters == NULL)
		return;
	pthread_mutex_lock(&pr->lock);
	pr->figures.nplugin_counters = 0;
	pr->host->counters(pr->host->ctx, take_counter, pr);
	pthread_mutex_unlock(&pr->lock);
}

static void
prom_tick(void *state, const struct smtpscope_health *h)
{
	struct prom *pr = state;

	sync_counters(pr);
	take_counters(pr);
	pthread_mutex_lock(&pr->lock);
	prom_figures_health(&pr->figures, h);
	pthread_mutex_unlock(&pr->lock);
	if (pr->textfile != NULL && wall_seconds() - pr->textfile_at >= 1.0)
		textfile_write(pr);
	sync_counters(pr);
}

static void
prom_fini(void *state)
{
	struct prom *pr = state;

	/* The watchdog first (it may shut down the daemon's sockets), then
	 * the HTTP thread, which closes the listening socket. */
	stop_watchdog(pr);
	if (pr->daemon != NULL)
		MHD_stop_daemon(pr->daemon);
	sync_counters(pr);
	take_counters(pr);
	textfile_write(pr);
	prom_destroy_locks(pr);
	free(pr->textfile);
	free(pr);
}

SMTPSCOPE_PLUGIN_DEFINE(.name = "prometheus", .version = "1.0",
    .description = "serves the figures at /metrics for Prometheus",
    .init = prom_init, .on_event = prom_event, .tick = prom_tick,
    .fini = prom_fini);
