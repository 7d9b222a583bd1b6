/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "plugin/plugins.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event/plugin_abi.h"
#include "lib/util.h"

struct plugin {
	struct plugin_set *set;
	char *path;
	void *dl;
	const struct smtpscope_plugin *desc;
	/* Members appended to the descriptor after ABI 2 shipped, or NULL
	 * when the plugin's descriptor is too short to hold them. */
	int (*start)(void *state, char *err, size_t errlen);
	void *state;
	bool ready;        /* init() succeeded: fini() is due */
	bool want_body;    /* asked for SMTP_EV_BODY */
	bool want_records; /* asked for SMTPSCOPE_EV_RECORD */
	bool records_only; /* and for no other event */
	struct smtpscope_host host;
	size_t first_counter; /* its counters in set->counters */
};

struct plugin_set {
	struct plugin p[PLUGINS_MAX];
	size_t n;
	bool quiet;
	struct report_counter counters[PLUGINS_MAX * PLUGIN_COUNTERS_MAX];
	uint64_t values[PLUGINS_MAX * PLUGIN_COUNTERS_MAX];
	char names[PLUGINS_MAX * PLUGIN_COUNTERS_MAX][49];
	char *helps[PLUGINS_MAX * PLUGIN_COUNTERS_MAX];
	size_t ncounters;
	bool finished;
	struct abi abi;   /* each event as the plugins see it */
	bool any_body;    /* a plugin asked for bodies */
	bool any_records; /* a plugin asked for the JSON log's records */
	bool any_events;  /* a plugin takes the dissector's events */
};

/* --- host services ----------------------------------------------------- */

static void
host_log(void *ctx, enum smtpscope_log_level level, const char *fmt, ...)
{
	struct plugin *pl = ctx;
	char msg[1024];
	struct dbuf b;
	va_list ap;

	if (level == SMTPSCOPE_LOG_INFO && pl->set->quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* The plugin's text is escaped like wire data: one line, no
	 * terminal controls. */
	dbuf_init(&b, sizeof(msg) * 4);
	text_append_escaped(&b, (const uint8_t *)msg, strlen(msg));
	fprintf(stderr, "smtpscope: plugin %s: %s%s\n", pl->desc->name,
	    level == SMTPSCOPE_LOG_ERROR         ? "error: "
		: level == SMTPSCOPE_LOG_WARNING ? "warning: "
						 : "",
	    dbuf_str(&b));
	dbuf_free(&b);
}

static bool
counter_name_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return i > 0 && i <= 48;
}

static uint64_t *
host_counter(void *ctx, const char *name, const char *help)
{
	struct plugin *pl = ctx;
	struct plugin_set *ps = pl->set;
	size_t i, k;

	if (name == NULL || !counter_name_ok(name))
		return NULL;
	for (i = pl->first_counter; i < ps->ncounters; i++)
		if (strcmp(ps->names[i], name) == 0)
			return NULL;
	if (ps->ncounters - pl->first_counter >= PLUGIN_COUNTERS_MAX ||
	    ps->ncounters >= ARRAY_LEN(ps->counters))
		return NULL;
	k = ps->ncounters++;
	snprintf(ps->names[k], sizeof(ps->names[k]), "%s", name);
	ps->helps[k] = xstrdup(help != NULL ? help : "");
	ps->values[k] = 0;
	ps->counters[k].plugin = pl->desc->name;
	ps->counters[k].name = ps->names[k];
	ps->counters[k].help = ps->helps[k];
	ps->counters[k].value = &ps->values[k];
	return &ps->values[k];
}

static void
host_want_body(void *ctx)
{
	struct plugin *pl = ctx;

	pl->want_body = true;
}

static void
host_want_records(void *ctx)
{
	struct plugin *pl = ctx;

	pl->want_records = true;
	pl->set->any_records = true;
}

static void
host_records_only(void *ctx)
{
	struct plugin *pl = ctx;

	pl->records_only = true;
}

static void
host_counters(void *ctx,
    void (*fn)(void *arg, const char *plugin, const char *name,
	const char *help, uint64_t value),
    void *arg)
{
	const struct plugin_set *ps = ((struct plugin *)ctx)->set;
	size_t i;

	for (i = 0; i < ps->ncounters; i++)
		fn(arg, ps->counters[i].plugin, ps->counters[i].name,
		    ps->counters[i].help, ps->values[i]);
}

/* --- finding and loading ----------------------------------------------- */

static bool
name_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
			s[i] == '-'))
			return false;
	return n > 0 && n <= 64;
}

/* The search path as a list of folders (a NULL-terminated array of
 * strings in one allocation's worth of dbuf text). */
static size_t
search_dirs(char *buf, size_t size, const char *dirs[], size_t max)
{
	const char *env = getenv("SMTPSCOPE_PLUGIN_PATH");
	size_t n = 0, used = 0, len;
	const char *p, *colon;

#ifdef SMTPSCOPE_BUILD_PLUGIN_DIR
	dirs[n++] = SMTPSCOPE_BUILD_PLUGIN_DIR;
#endif
	for (p = env; p != NULL && *p != '\0' && n + 1 < max; p = colon + 1) {
		colon = strchr(p, ':');
		len = colon != NULL ? (size_t)(colon - p) : strlen(p);
		if (len > 0 && used + len + 1 <= size) {
			memcpy(buf + used, p, len);
			buf[used + len] = '\0';
			dirs[n++] = buf + used;
			used += len + 1;
		}
		if (colon == NULL)
			break;
	}
	dirs[n++] = SMTPSCOPE_PLUGIN_DIR;
	return n;
}

static bool
is_file(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* --- trust ------------------------------------------------------------ */

/* A path as a message shows it: escaped like wire data, capped. */
static void
shown_path(char *buf, size_t size, const char *path)
{
	struct dbuf b;

	dbuf_init(&b, 4096);
	text_append_escaped(&b, (const uint8_t *)path, strlen(path));
	snprintf(buf, size, "%s", dbuf_str(&b));
	dbuf_free(&b);
}

/*
 * Whether the plugin file at path may be loaded (plugins.h): 0 with its
 * resolved path in *resolved (to free), or -1 with the reason, one
 * clause, in why.
 */
static int
plugin_trusted(const char *path, char **resolved, char *why, size_t whylen)
{
	uid_t me = geteuid();
	char shown[1024], *real, *walk, *slash;
	struct passwd *pw;
	struct stat sb;
	bool file = true;

	*resolved = NULL;
	if ((real = realpath(path, NULL)) == NULL) {
		shown_path(shown, sizeof(shown), path);
		snprintf(why, whylen, "%s cannot be resolved: %s", shown,
		    strerror(errno));
		return -1;
	}
	/* The file, then each folder up to the root. realpath() left no
	 * symbolic link: lstat() sees what the loader will open. */
	walk = xstrdup(real);
	for (;;) {
		shown_path(shown, sizeof(shown), walk);
		if (lstat(walk, &sb) != 0) {
			snprintf(why, whylen, "%s: %s", shown, strerror(errno));
			goto refused;
		}
		if (file ? !S_ISREG(sb.st_mode) : !S_ISDIR(sb.st_mode)) {
			snprintf(why, whylen, "%s is not a %s", shown,
			    file ? "regular file" : "folder");
			goto refused;
		}
		if (sb.st_uid != 0 && sb.st_uid != me) {
			pw = getpwuid(sb.st_uid);
			if (pw != NULL)
				snprintf(why, whylen,
				    "%s belongs to %s, not to root%s", shown,
				    pw->pw_name, me != 0 ? " or you" : "");
			else
				snprintf(why, whylen,
				    "%s belongs to uid %lu, not to root%s",
				    shown, (unsigned long)sb.st_uid,
				    me != 0 ? " or you" : "");
			goto refused;
		}
		/* A sticky folder (/tmp) lets no one replace what another
		 * owns: its entries are checked in their turn. */
		if ((sb.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
		    (file || (sb.st_mode & S_ISVTX) == 0)) {
			snprintf(why, whylen,
			    "%s is writable by others than its owner (mode "
			    "%04o)",
			    shown, (unsigned)(sb.st_mode & 07777));
			goto refused;
		}
		if (strcmp(walk, "/") == 0)
			break;
		slash = strrchr(walk, '/');
		if (slash == NULL)
			break;
		if (slash == walk)
			slash[1] = '\0';
		else
			*slash = '\0';
		file = false;
	}
	free(walk);
	*resolved = real;
	return 0;
refused:
	free(walk);
	free(real);
	return -1;
}

/* The sentence for a plugin refused by plugin_trusted(). */
static void
refused_sentence(char *err, size_t errlen, const char *shown, const char *why)
{
	snprintf(err, errlen,
	    "plugin %s refused: %s; smtpscope runs a plugin only from a file "
	    "and folders that no one but root%s can change",
	    shown, why, geteuid() != 0 ? " and you" : "");
}

/* The .so of NAME, or NULL (err says where it looked). */
static char *
find_plugin(const char *name, size_t nlen, char *err, size_t errlen)
{
	char envbuf[4096], path[4096];
	const char *dirs[34];
	struct dbuf looked;
	size_t nd, i;

	nd = search_dirs(envbuf, sizeof(envbuf), dirs, ARRAY_LEN(dirs));
	for (i = 0; i < nd; i++) {
		snprintf(
		    path, sizeof(path), "%s/%.*s.so", dirs[i], (int)nlen, name);
		if (is_file(path))
			return xstrdup(path);
	}
	dbuf_init(&looked, 2048);
	for (i = 0; i < nd; i++) {
		if (i > 0)
			dbuf_adds(&looked, ", ");
		text_append_escaped(
		    &looked, (const uint8_t *)dirs[i], strlen(dirs[i]));
	}
	snprintf(err, errlen,
	    "plugin %.*s not found (looked for %.*s.so in %s; "
	    "--list-plugins shows what there is)",
	    (int)nlen, name, (int)nlen, name, dbuf_str(&looked));
	dbuf_free(&looked);
	return NULL;
}

/* The size of the plugin's descriptor object (its ELF symbol's), 0 when
 * unknown. */
static size_t
descriptor_size(const struct smtpscope_plugin *d)
{
	const ElfW(Sym) *sym = NULL;
	Dl_info info;

	if (dladdr1(d, &info, (void **)&sym, RTLD_DL_SYMENT) == 0 ||
	    sym == NULL)
		return 0;
	return (size_t)sym->st_size;
}

/* dlopen() and the descriptor's checks; the path is the plugin's. */
static int
open_plugin(struct plugin *pl, const char *shown, char *err, size_t errlen)
{
	const struct smtpscope_plugin *d;
	const char *e;

	pl->dl = dlopen(pl->path, RTLD_NOW | RTLD_LOCAL);
	if (pl->dl == NULL) {
		e = dlerror();
		snprintf(err, errlen, "plugin %s cannot be loaded: %s", shown,
		    e != NULL ? e : "dlopen failed");
		return -1;
	}
	d = dlsym(pl->dl, SMTPSCOPE_PLUGIN_SYMBOL);
	if (d == NULL) {
		snprintf(err, errlen,
		    "plugin %s (%s) is not an smtpscope plugin: it has no "
		    "symbol %s",
		    shown, pl->path, SMTPSCOPE_PLUGIN_SYMBOL);
		return -1;
	}
	if (d->abi != SMTPSCOPE_PLUGIN_ABI) {
		snprintf(err, errlen,
		    "plugin %s (%s) was built for plugin ABI %u; this "
		    "smtpscope has ABI %u: rebuild it against this "
		    "include/smtpscope/plugin.h",
		    shown, pl->path, d->abi, (unsigned)SMTPSCOPE_PLUGIN_ABI);
		return -1;
	}
	if (d->name == NULL || !name_ok(d->name, strlen(d->name)) ||
	    d->on_event == NULL || d->init == NULL) {
		snprintf(err, errlen,
		    "plugin %s (%s) has a bad descriptor (a name of "
		    "[a-z0-9_-], init and on_event are required)",
		    shown, pl->path);
		return -1;
	}
	pl->desc = d;
	/* A plugin built before start() was appended has a shorter
	 * descriptor: what lies beyond it is not ours to read. */
	if (descriptor_size(d) >=
	    offsetof(struct smtpscope_plugin, start) + sizeof(d->start))
		pl->start = d->start;
	return 0;
}

static void
unload(struct plugin *pl)
{
	if (pl->ready && pl->desc->fini != NULL)
		pl->desc->fini(pl->state);
	pl->ready = false;
	/* Not dlclose(): a plugin's threads or atexit handlers may still
	 * point into it; the process ends soon after. */
	free(pl->path);
	pl->path = NULL;
}

struct plugin_set *
plugins_load(const char *const *specs, size_t n, bool quiet, bool live,
    char *err, size_t errlen)
{
	struct plugin_set *ps = xcalloc(1, sizeof(*ps));
	char shown[128], ierr[512], why[1536], *real;
	size_t i;

	ps->quiet = quiet;
	abi_init(&ps->abi);
	for (i = 0; i < n; i++) {
		const char *spec = specs[i], *colon = strchr(spec, ':');
		size_t nlen =
		    colon != NULL ? (size_t)(colon - spec) : strlen(spec);
		const char *args = colon != NULL ? colon + 1 : "";
		struct plugin *pl;
		int rc;

		if (ps->n >= PLUGINS_MAX) {
			snprintf(
			    err, errlen, "at most %d plugins", PLUGINS_MAX);
			goto fail;
		}
		pl = &ps->p[ps->n];
		memset(pl, 0, sizeof(*pl));
		pl->set = ps;
		snprintf(shown, sizeof(shown), "%.*s",
		    (int)(nlen < 100 ? nlen : 100), spec);
		if (memchr(spec, '/', nlen) != NULL) {
			pl->path = xmemdup0(spec, nlen);
			if (!is_file(pl->path)) {
				snprintf(err, errlen, "plugin %s: no such file",
				    shown);
				free(pl->path);
				goto fail;
			}
		} else if (!name_ok(spec, nlen)) {
			snprintf(err, errlen,
			    "--plugin %s: a plugin name is letters, digits, "
			    "'_' and '-' (or a path to a .so), then "
			    "optionally :key=value,...",
			    shown);
			goto fail;
		} else if ((pl->path = find_plugin(spec, nlen, err, errlen)) ==
		    NULL)
			goto fail;
		if (plugin_trusted(pl->path, &real, why, sizeof(why)) != 0) {
			refused_sentence(err, errlen, shown, why);
			free(pl->path);
			goto fail;
		}
		free(pl->path);
		pl->path = real; /* what was checked is what is opened */
		ps->n++;
		if (open_plugin(pl, shown, err, errlen) != 0)
			goto fail;
		abi_host_services(&pl->host);
		pl->host.ctx = pl;
		pl->host.log = host_log;
		pl->host.counter = host_counter;
		pl->host.want_body = host_want_body;
		pl->host.want_records = host_want_records;
		pl->host.counters = host_counters;
		pl->host.records_only = host_records_only;
		pl->host.live = live;
		pl->first_counter = ps->ncounters;
		ierr[0] = '\0';
		rc = pl->desc->init(
		    &pl->host, args, &pl->state, ierr, sizeof(ierr));
		if (rc != 0) {
			struct dbuf b;

			dbuf_init(&b, sizeof(ierr) * 4);
			text_append_escaped(
			    &b, (const uint8_t *)ierr, strlen(ierr));
			snprintf(err, errlen, "plugin %s: %s", pl->desc->name,
			    ierr[0] != '\0' ? dbuf_str(&b) : "its init failed");
			dbuf_free(&b);
			goto fail;
		}
		pl->ready = true;
	}
	return ps;
fail:
	plugins_finish(ps, NULL);
	plugins_free(ps);
	return NULL;
}

int
plugins_start(struct plugin_set *ps, char *err, size_t errlen)
{
	char serr[512];
	struct dbuf b;
	size_t i;

	for (i = 0; ps != NULL && i < ps->n; i++) {
		struct plugin *pl = &ps->p[i];

		if (!pl->ready || pl->start == NULL)
			continue;
		serr[0] = '\0';
		if (pl->start(pl->state, serr, sizeof(serr)) == 0)
			continue;
		dbuf_init(&b, sizeof(serr) * 4);
		text_append_escaped(&b, (const uint8_t *)serr, strlen(serr));
		snprintf(err, errlen, "plugin %s: %s", pl->desc->name,
		    serr[0] != '\0' ? dbuf_str(&b) : "its start failed");
		dbuf_free(&b);
		return -1;
	}
	return 0;
}

/* One sink for all the plugins: each event is put in the ABI's
 * structures once, then handed to each plugin in order of loading
 * (bodies only to those that asked). */
static void
plugin_sink(void *arg, const struct smtp_event *ev)
{
	struct plugin_set *ps = arg;
	const struct smtpscope_event *out = abi_event(&ps->abi, ev);
	bool body = ev->type == SMTP_EV_BODY;
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (ps->p[i].ready && !ps->p[i].records_only &&
		    (!body || ps->p[i].want_body))
			ps->p[i].desc->on_event(ps->p[i].state, out);
}

bool
plugins_want_records(const struct plugin_set *ps)
{
	return ps != NULL && ps->any_records;
}

void
plugins_record(void *arg, double ts, const char *type, size_t type_len,
    const char *json, size_t len)
{
	struct plugin_set *ps = arg;
	struct smtpscope_event ev;
	char tname[ABI_RECORD_TYPE_MAX];
	size_t i;

	if (ps->finished)
		return;
	abi_record_event(&ev, tname, ts, type, type_len, json, len);
	for (i = 0; i < ps->n; i++)
		if (ps->p[i].ready && ps->p[i].want_records)
			ps->p[i].desc->on_event(ps->p[i].state, &ev);
}

void
plugins_subscribe(struct plugin_set *ps, struct event_bus *bus)
{
	size_t i;

	if (ps == NULL || ps->n == 0)
		return;
	for (i = 0; i < ps->n; i++) {
		ps->any_body |= ps->p[i].want_body;
		ps->any_events |= !ps->p[i].records_only;
	}
	/* Plugins that take records only: the events are not even put in
	 * the ABI's structures. */
	if (!ps->any_events)
		return;
	/* The tracker's settled messages too (ABI revision 3), the
	 * alerts (revision 4) and the connection attempts (revision 5). */
	event_bus_subscribe_types(bus, plugin_sink, ps,
	    EVENT_ALL_BUT_BODY | EVENT_BIT(SMTP_EV_MESSAGE) |
		EVENT_BIT(SMTP_EV_ALERT) | EVENT_BIT(SMTP_EV_ATTEMPT) |
		(ps->any_body ? EVENT_BIT(SMTP_EV_BODY) : 0));
}

void
plugins_tick(struct plugin_set *ps, const struct health *h)
{
	struct smtpscope_health out;
	size_t i;

	abi_health(h, &out);
	for (i = 0; ps != NULL && !ps->finished && i < ps->n; i++)
		if (ps->p[i].ready && ps->p[i].desc->tick != NULL)
			ps->p[i].desc->tick(ps->p[i].state, &out);
}

void
plugins_finish(struct plugin_set *ps, const struct health *h)
{
	size_t i;

	if (ps == NULL || ps->finished)
		return;
	if (h != NULL)
		plugins_tick(ps, h);
	ps->finished = true;
	for (i = ps->n; i > 0; i--)
		unload(&ps->p[i - 1]);
}

void
plugins_free(struct plugin_set *ps)
{
	size_t i;

	if (ps == NULL)
		return;
	plugins_finish(ps, NULL);
	for (i = 0; i < ps->ncounters; i++)
		free(ps->helps[i]);
	abi_free(&ps->abi);
	free(ps);
}

void
plugins_report_counters(const struct plugin_set *ps, struct report_info *ri)
{
	ri->counters = ps != NULL ? ps->counters : NULL;
	ri->ncounters = ps != NULL ? ps->ncounters : 0;
}

/* --- --list-plugins ---------------------------------------------------- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
plugins_list(FILE *out)
{
	char envbuf[4096], path[4096], why[1536], *real;
	const char *dirs[34];
	size_t nd, i, k, nnames;
	char *names[256];
	int found = 0;

	nd = search_dirs(envbuf, sizeof(envbuf), dirs, ARRAY_LEN(dirs));
	for (i = 0; i < nd; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *de;

		if (d == NULL)
			continue;
		nnames = 0;
		while ((de = readdir(d)) != NULL && nnames < ARRAY_LEN(names)) {
			size_t len = strlen(de->d_name);

			if (len > 3 && strcmp(de->d_name + len - 3, ".so") == 0)
				names[nnames++] = xstrdup(de->d_name);
		}
		closedir(d);
		qsort(names, nnames, sizeof(names[0]), cmp_str);
		for (k = 0; k < nnames; k++) {
			struct plugin pl;
			char err[512];

			memset(&pl, 0, sizeof(pl));
			snprintf(
			    path, sizeof(path), "%s/%s", dirs[i], names[k]);
			if (!is_file(path)) {
				free(names[k]);
				continue;
			}
			/* A refused file is never opened: dlopen() alone runs
			 * its constructors. */
			if (plugin_trusted(path, &real, why, sizeof(why)) !=
			    0) {
				fprintf(out, "%-16s %-8s refused: %s\n",
				    names[k], "", why);
				found++;
				free(names[k]);
				continue;
			}
			pl.path = real;
			if (open_plugin(&pl, names[k], err, sizeof(err)) == 0)
				fprintf(out, "%-16s %-8s %s\n%16s (%s)\n",
				    pl.desc->name,
				    pl.desc->version != NULL ? pl.desc->version
							     : "",
				    pl.desc->description != NULL
					? pl.desc->description
					: "",
				    "", path);
			else
				fprintf(out, "%-16s %-8s unusable: %s\n",
				    names[k], "", err);
			found++;
			free(real);
			free(names[k]);
		}
	}
	if (found == 0) {
		fprintf(out, "no plugins found in:");
		for (i = 0; i < nd; i++)
			fprintf(out, " %s", dirs[i]);
		fputc('\n', out);
	}
	return found;
}
