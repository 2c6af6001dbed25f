// SPDX-License-Identifier: GPL-2.0
/*
 * `lkvm stat`: profile a running guest's exits. Option parsing and the
 * order of things only; the work is in stat/ (collect.c picks and runs the
 * sources, report.c prints, record.c reads and writes files, top.c is the
 * live view). Documentation/lkvm-stat.txt is the manual.
 *
 *   lkvm stat [--name N | --pid P] [-d SECONDS]     summary after SECONDS
 *   lkvm stat record [-d SECONDS] [-o FILE]           save the event stream
 *   lkvm stat report [-i FILE]                        tables from a file
 *   lkvm stat top [-d SECONDS] [--batch]              live view
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "builtin.h"
#include "stat/collect.h"
#include "stat/record.h"
#include "stat/report.h"
#include "stat/top.h"
#include "util/log.h"
#include "util/parse-options.h"
#include "util/symbols.h"

#define DEFAULT_FILE	"lkvm-stat.data"

static volatile sig_atomic_t stop_req;

static void on_stop(int sig)
{
	stop_req = sig;
}

/* SIGINT/SIGTERM end a measurement early but still print or save it. No
 * SA_RESTART, so the wait in poll() returns. */
static void catch_stop(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* Options every subcommand shares. */
struct stat_args {
	const char *name;
	int pid;
	const char *duration;
	const char *source;
	const char *symbols;
	const char *sort;
	const char *event;
	const char *file;
	const char *filter;
	const char *loglevel;
	int vcpu;
	int top;
	int pages;
	int iterations;
	int sample;
	bool batch;
};

static double parse_seconds(const char *cmd, const char *s, double def)
{
	char *end;
	double v;

	if (!s)
		return def;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 1e6)
		parse_options_error(cmd, "-d: '%s' is not a number of seconds (0 < s <= 1000000)", s);
	return v;
}

/* Apply the options that mean the same everywhere to @v and @o. */
static void common_setup(const char *cmd, struct stat_args *a, struct stat_view *v,
			 struct stat_collect_opts *o)
{
	const char *bad;

	if (a->loglevel && log_level_parse(a->loglevel, &log_level) < 0)
		parse_options_error(cmd, "--loglevel: '%s' is not error, warning, info or debug",
				    a->loglevel);
	if (v) {
		v->vcpu = a->vcpu;
		v->top = a->top;
		v->sort = STAT_SORT_COUNT;
		if (a->sort && !strcmp(a->sort, "time"))
			v->sort = STAT_SORT_TIME;
		else if (a->sort && strcmp(a->sort, "count"))
			parse_options_error(cmd, "--sort: '%s' is not count or time", a->sort);
		v->sections = RS_ALL;
		if (a->event && stat_report_sections(a->event, &v->sections, &bad) < 0)
			parse_options_error(cmd, "--event: unknown '%s' (exits, user, pio, mmio, msr, cpuid, func, stats, lkvm, all)",
					    bad);
	}
	if (o) {
		memset(o, 0, sizeof(*o));
		o->name = a->name;
		o->pid = a->pid;
		if (a->name && a->pid)
			parse_options_error(cmd, "--name and --pid: give one");
		if (a->source && stat_sources_parse(a->source, &o->sources, &bad) < 0)
			parse_options_error(cmd, "--source: unknown '%s' (bpf, trace, stats, lkvm)", bad);
		if (a->pages < 0 || (a->pages & (a->pages - 1)))
			parse_options_error(cmd, "--buffer-pages: %d is not a power of two", a->pages);
		o->buf_pages = (unsigned int)a->pages;
		if (a->sample < 0 || stat_bpf_set_sample((unsigned int)a->sample) < 0)
			parse_options_error(cmd, "--sample: %d is not a power of two from 1 to 65536", a->sample);
	}
}

/* Load the symbol table for a report; a failure becomes a note. */
static struct symtab *load_symbols(const char *path, struct stat_view *v, char *why, size_t len)
{
	struct symtab *st;
	char err[256];

	if (!path || !*path)
		return NULL;
	st = symtab_load(path, err, sizeof(err));
	if (!st) {
		snprintf(why, len, "symbols: %s", err);
		if (v->nr_notes < (int)ARRAY_SIZE(v->notes))
			v->notes[v->nr_notes++] = why;
		return NULL;
	}
	v->sym = st;
	v->sym_path = path;
	return st;
}

#define COMMON_OPTS(a) \
	OPT_STRING('n', "name", &(a).name, "NAME", "the guest (see 'lkvm list'); default: the only one running"), \
	OPT_UINTEGER(0, "pid", &(a).pid, "the guest's lkvm run by process id instead"), \
	OPT_STRING(0, "source", &(a).source, "LIST", "bpf,trace,stats,lkvm: use only these (default: automatic)"), \
	OPT_STRING(0, "loglevel", &(a).loglevel, "LEVEL", "error, warning, info or debug")

#define REPORT_OPTS(a) \
	OPT_STRING(0, "sort", &(a).sort, "KEY", "count (default) or time (latency total)"), \
	OPT_INTEGER(0, "vcpu", &(a).vcpu, "only vCPU N"), \
	OPT_STRING(0, "event", &(a).event, "LIST", "tables: exits,user,pio,mmio,msr,cpuid,func,stats,lkvm (default all)"), \
	OPT_UINTEGER(0, "top", &(a).top, "rows per table (default 10)"), \
	OPT_STRING(0, "symbols", &(a).symbols, "FILE", "System.map or ELF for guest functions")

/* Wait @seconds (or until SIGINT or the guest's end), pumping the stream
 * and refreshing lkvm's accounting, which ends with the guest, every second. */
static void measure(struct stat_collect *c, double seconds, struct exit_acct *last_ac)
{
	u64 end = c->t0 + (u64)(seconds * 1e9), next_ac = 0;

	while (!stop_req && now_ns() < end) {
		u64 left = (end - now_ns()) / 1000000ULL;

		stat_collect_pump(c, (int)MIN(left + 1, 100));
		if (!stat_guest_alive(&c->g)) {
			pr_info("guest '%s' ended", c->g.name);
			break;
		}
		if ((c->have & STAT_SRC_LKVM) && now_ns() >= next_ac) {
			struct exit_acct a;

			if (stat_collect_snapshot(c, NULL, NULL, &a) & STAT_SRC_LKVM) {
				exit_acct_free(last_ac);
				*last_ac = a;
			}
			next_ac = now_ns() + 1000000000ULL;
		}
	}
	stat_collect_pump(c, 0);
}

static int do_summary(struct stat_args *a)
{
	struct stat_collect c;
	struct stat_collect_opts o;
	struct stat_view v = { 0 };
	struct stat_agg agg;
	struct kstat_snap ks0, ks1;
	struct exit_acct ac0, ac1, last_ac = { 0 }, devs = { 0 };
	struct symtab *st;
	char *sym, why[300];
	u32 got0, got1;
	double seconds;

	common_setup("stat", a, &v, &o);
	seconds = parse_seconds("stat", a->duration, 5);
	if (stat_collect_start(&c, &o) < 0)
		return 1;
	if (a->vcpu >= 0 && (u32)a->vcpu >= c.g.nr_vcpus) {
		pr_err("--vcpu %d: guest '%s' has %u vCPU%s", a->vcpu, c.g.name, c.g.nr_vcpus,
		       c.g.nr_vcpus == 1 ? "" : "s");
		stat_collect_stop(&c);
		return 1;
	}
	catch_stop();
	got0 = stat_collect_snapshot(&c, NULL, &ks0, &ac0);
	fprintf(stderr, "lkvm stat: profiling guest '%s' for %.1f s (Ctrl-C ends early)\n",
		c.g.name, seconds);
	measure(&c, seconds, &last_ac);
	got1 = stat_collect_snapshot(&c, &agg, &ks1, &ac1);
	if (!(got1 & STAT_SRC_LKVM) && last_ac.ts) {
		ac1 = last_ac;		/* the guest ended: its last accounting */
		memset(&last_ac, 0, sizeof(last_ac));
	}
	stat_collect_view(&c, &v);
	if (!(got1 & STAT_SRC_LKVM) && ac1.ts && v.nr_notes < (int)ARRAY_SIZE(v.notes))
		v.notes[v.nr_notes++] = "the guest ended: lkvm's accounting is its last, up to 1 s before the end";
	v.seconds = (double)(now_ns() - c.t0) / 1e9;
	if (c.have & (STAT_SRC_BPF | STAT_SRC_TRACE))
		v.agg = &agg;
	if ((got0 & got1) & STAT_SRC_STATS) {
		v.ks0 = &ks0;
		v.ks1 = &ks1;
	}
	if ((got0 & STAT_SRC_LKVM) && ac1.ts) {
		v.ac0 = &ac0;
		v.ac1 = &ac1;
	} else if (stat_guest_acct(&c.g, &devs, why, sizeof(why)) == 0) {
		v.devices = &devs;	/* names for ports and MMIO, not a source */
	}
	sym = stat_guest_symbols(&c.g, a->symbols);
	st = load_symbols(sym, &v, why, sizeof(why));
	stat_report_print(stdout, &v);
	symtab_free(st);
	free(sym);
	stat_agg_free(&agg);
	kstat_snap_free(&ks0);
	kstat_snap_free(&ks1);
	exit_acct_free(&ac0);
	exit_acct_free(&ac1);
	exit_acct_free(&last_ac);
	exit_acct_free(&devs);
	stat_collect_stop(&c);
	return 0;
}

static int do_record(struct stat_args *a)
{
	struct stat_collect c;
	struct stat_collect_opts o;
	struct stat_writer w;
	struct stat_rec_info *info = xzalloc(sizeof(*info));
	struct kstat_snap ks;
	struct exit_acct ac, last_ac = { 0 };
	const char *file = a->file ? a->file : DEFAULT_FILE;
	char err[512], srcs[64], *sym;
	struct timespec rt;
	double seconds;
	u64 lost = 0;
	u32 got;
	int ret = 0;

	common_setup("stat record", a, NULL, &o);
	o.stream = true;
	seconds = parse_seconds("stat record", a->duration, 1e6);
	if (stat_collect_start(&c, &o) < 0) {
		free(info);
		return 1;
	}
	catch_stop();
	clock_gettime(CLOCK_REALTIME, &rt);
	info->pid = (u32)c.g.pid;
	info->nr_vcpus = c.g.nr_vcpus;
	info->flavour = c.g.flavour;
	info->sources = c.have;
	info->start_real_ns = (u64)rt.tv_sec * 1000000000ULL + (u64)rt.tv_nsec;
	info->start_ns = c.t0;
	snprintf(info->name, sizeof(info->name), "%s", c.g.name);
	snprintf(info->kernel, sizeof(info->kernel), "%s", c.g.kernel);
	sym = stat_guest_symbols(&c.g, a->symbols);
	snprintf(info->symbols, sizeof(info->symbols), "%s", sym ? sym : "");
	free(sym);
	if (stat_writer_open(&w, file, info, err, sizeof(err)) < 0) {
		pr_err("%s", err);
		stat_collect_stop(&c);
		free(info);
		return 1;
	}
	free(info);
	got = stat_collect_snapshot(&c, NULL, &ks, &ac);
	if (got & STAT_SRC_STATS)
		stat_writer_kstats(&w, 0, &ks);
	if (got & STAT_SRC_LKVM)
		stat_writer_acct(&w, 0, &ac);
	kstat_snap_free(&ks);
	exit_acct_free(&ac);
	c.writer = &w;
	fprintf(stderr, "lkvm stat: recording guest '%s' (%s) into %s; Ctrl-C ends\n", c.g.name,
		stat_sources_name(c.have, srcs, sizeof(srcs)), file);
	measure(&c, seconds, &last_ac);
	c.writer = NULL;
	if (c.trace)
		for (int i = 0; i < stat_trace_nr_vcpus(c.trace); i++)
			if (stat_trace_lost(c.trace, i)) {
				stat_writer_lost(&w, (u32)i, stat_trace_lost(c.trace, i));
				lost += stat_trace_lost(c.trace, i);
			}
	got = stat_collect_snapshot(&c, NULL, &ks, &ac);
	if (!(got & STAT_SRC_LKVM) && last_ac.ts) {
		ac = last_ac;
		got |= STAT_SRC_LKVM;
		memset(&last_ac, 0, sizeof(last_ac));
	}
	if (got & STAT_SRC_STATS)
		stat_writer_kstats(&w, 1, &ks);
	if (got & STAT_SRC_LKVM)
		stat_writer_acct(&w, 1, &ac);
	else if (stat_guest_acct(&c.g, &ac, err, sizeof(err)) == 0)
		stat_writer_acct(&w, 2, &ac);	/* device names for the report */
	kstat_snap_free(&ks);
	exit_acct_free(&ac);
	exit_acct_free(&last_ac);
	{
		u64 n = w.nr_events, dur = now_ns() - c.t0;

		if (stat_writer_close(&w, dur, err, sizeof(err)) < 0) {
			pr_err("%s: %s", file, err);
			ret = 1;
		} else {
			fprintf(stderr, "lkvm stat: %llu events%s in %.2f s written to %s\n",
				(unsigned long long)n, lost ? " (some lost: see the report)" : "",
				(double)dur / 1e9, file);
		}
	}
	stat_collect_stop(&c);
	return ret;
}

static int do_report(struct stat_args *a)
{
	struct stat_recording r;
	struct stat_view v = { 0 };
	struct stat_agg agg = { 0 };
	struct symtab *st = NULL;
	const char *file = a->file ? a->file : DEFAULT_FILE;
	char err[600], why[300], from[400], srcs[64];

	common_setup("stat report", a, &v, NULL);
	if (stat_recording_read(file, &r, err, sizeof(err)) < 0) {
		pr_err("%s", err);
		return 1;
	}
	if (a->vcpu >= 0 && r.info.nr_vcpus && (u32)a->vcpu >= r.info.nr_vcpus) {
		pr_err("--vcpu %d: the guest had %u vCPU%s", a->vcpu, r.info.nr_vcpus,
		       r.info.nr_vcpus == 1 ? "" : "s");
		stat_recording_free(&r);
		return 1;
	}
	stat_view_from_recording(&v, &r, &agg);
	snprintf(from, sizeof(from), "recorded in %s from %s", file,
		 stat_sources_name(r.info.sources, srcs, sizeof(srcs)));
	v.events_from = from;
	st = load_symbols(a->symbols ? a->symbols : r.info.symbols, &v, why, sizeof(why));
	stat_report_print(stdout, &v);
	symtab_free(st);
	stat_agg_free(&agg);
	stat_recording_free(&r);
	return 0;
}

static int do_top(struct stat_args *a)
{
	struct stat_collect c;
	struct stat_collect_opts o;
	struct stat_top_opts t = { 0 };
	int ret;

	common_setup("stat top", a, NULL, &o);
	t.interval_ms = (int)(parse_seconds("stat top", a->duration, 1) * 1000);
	if (t.interval_ms < 100)
		t.interval_ms = 100;
	t.batch = a->batch;
	t.iterations = a->iterations;
	t.filter = a->filter;
	if (stat_collect_start(&c, &o) < 0)
		return 1;
	ret = stat_top_run(&c, &t);
	stat_collect_stop(&c);
	return ret;
}

int cmd_stat(int argc, const char **argv)
{
	static const char *const usage[] = {
		"lkvm stat [--name NAME | --pid PID] [-d SECONDS] [<options>]",
		"lkvm stat record [--name NAME] [-d SECONDS] [-o FILE]",
		"lkvm stat report [-i FILE] [--sort count|time] [--vcpu N] [--event LIST]",
		"lkvm stat top [--name NAME] [-d SECONDS] [--batch]",
		NULL,
	};
	static const char *const rec_usage[] = {
		"lkvm stat record [--name NAME | --pid PID] [-d SECONDS] [-o FILE]", NULL,
	};
	static const char *const rep_usage[] = {
		"lkvm stat report [-i FILE] [--sort count|time] [--vcpu N] [--event LIST]", NULL,
	};
	static const char *const top_usage[] = {
		"lkvm stat top [--name NAME | --pid PID] [-d SECONDS] [--batch [--iterations N]]", NULL,
	};
	struct stat_args a = { .vcpu = -1 };
	const struct option opts[] = {
		OPT_GROUP("Which guest:"),
		COMMON_OPTS(a),
		OPT_GROUP("Summary:"),
		OPT_STRING('d', "duration", &a.duration, "SECONDS", "measure this long (default 5)"),
		OPT_UINTEGER(0, "sample", &a.sample, "BPF: time 1 exit in N per vCPU, a power of two (default 64; 1: all)"),
		REPORT_OPTS(a),
		OPT_END(),
	};
	const struct option rec_opts[] = {
		OPT_GROUP("Which guest:"),
		COMMON_OPTS(a),
		OPT_GROUP("Recording:"),
		OPT_STRING('d', "duration", &a.duration, "SECONDS", "stop after this long (default: Ctrl-C or the guest's end)"),
		OPT_STRING('o', "output", &a.file, "FILE", "record file (default " DEFAULT_FILE ")"),
		OPT_UINTEGER(0, "buffer-pages", &a.pages, "ring buffer pages per vCPU, a power of two (default 1024)"),
		OPT_STRING(0, "symbols", &a.symbols, "FILE", "System.map or ELF to note in the file"),
		OPT_END(),
	};
	const struct option rep_opts[] = {
		OPT_STRING('i', "input", &a.file, "FILE", "record file (default " DEFAULT_FILE ")"),
		REPORT_OPTS(a),
		OPT_STRING(0, "loglevel", &a.loglevel, "LEVEL", "error, warning, info or debug"),
		OPT_END(),
	};
	const struct option top_opts[] = {
		OPT_GROUP("Which guest:"),
		COMMON_OPTS(a),
		OPT_GROUP("View:"),
		OPT_STRING('d', "delay", &a.duration, "SECONDS", "refresh period (default 1)"),
		OPT_UINTEGER(0, "sample", &a.sample, "BPF: time 1 exit in N per vCPU, a power of two (default 64; 1: all)"),
		OPT_BOOLEAN(0, "batch", &a.batch, "plain text blocks on stdout, no screen (like top -b)"),
		OPT_UINTEGER(0, "iterations", &a.iterations, "with --batch: stop after N blocks"),
		OPT_STRING(0, "filter", &a.filter, "TEXT", "show only rows whose name contains TEXT"),
		OPT_END(),
	};

	if (argc > 1 && !strcmp(argv[1], "record")) {
		argv[1] = "stat record";
		argc = parse_options(argc - 1, argv + 1, rec_opts, rec_usage, 0);
		if (argc)
			parse_options_error("stat record", "unexpected argument '%s'", argv[1]);
		return do_record(&a);
	}
	if (argc > 1 && !strcmp(argv[1], "report")) {
		argv[1] = "stat report";
		argc = parse_options(argc - 1, argv + 1, rep_opts, rep_usage, 0);
		if (argc)
			parse_options_error("stat report", "unexpected argument '%s'", argv[1]);
		return do_report(&a);
	}
	if (argc > 1 && (!strcmp(argv[1], "top") || !strcmp(argv[1], "live"))) {
		argv[1] = "stat top";
		argc = parse_options(argc - 1, argv + 1, top_opts, top_usage, 0);
		if (argc)
			parse_options_error("stat top", "unexpected argument '%s'", argv[1]);
		return do_top(&a);
	}
	argc = parse_options(argc, argv, opts, usage, 0);
	if (argc)
		parse_options_error("stat", "unexpected argument '%s' (subcommands: record, report, top)",
				    argv[0]);
	return do_summary(&a);
}
