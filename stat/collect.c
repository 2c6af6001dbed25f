// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm stat's collector: source choice, start-up and snapshots (see
 * stat/collect.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "stat/collect.h"
#include "util/log.h"
#include "util/parse-options.h"

static const struct parse_flag src_names[] = {
	{ "bpf", STAT_SRC_BPF }, { "trace", STAT_SRC_TRACE },
	{ "stats", STAT_SRC_STATS }, { "lkvm", STAT_SRC_LKVM },
};

int stat_sources_parse(const char *list, u32 *out, const char **bad)
{
	return parse_flag_list(list, src_names, ARRAY_SIZE(src_names), out, bad);
}

const char *stat_sources_name(u32 bits, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(src_names); i++)
		if (bits & src_names[i].bits)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? "," : "",
				 src_names[i].name);
	if (!buf[0])
		snprintf(buf, len, "none");
	return buf;
}

static void __printf(2, 3) note(struct stat_collect *c, const char *fmt, ...)
{
	va_list ap;

	if (c->nr_notes >= (int)ARRAY_SIZE(c->notes))
		return;
	va_start(ap, fmt);
	vsnprintf(c->notes[c->nr_notes++], sizeof(c->notes[0]), fmt, ap);
	va_end(ap);
}

static bool denied(int e)
{
	return e == EPERM || e == EACCES;
}

/* Start the event source. Returns 0, or -1 after pr_err for a --source that
 * cannot run. */
static int start_events(struct stat_collect *c, const struct stat_collect_opts *o)
{
	u32 want = o->sources ? o->sources & (STAT_SRC_BPF | STAT_SRC_TRACE)
			      : (o->stream ? STAT_SRC_TRACE : STAT_SRC_BPF | STAT_SRC_TRACE);
	char bpf_err[256] = "", trace_err[256] = "";
	int bpf_errno = 0, trace_errno = 0;

	if (!want)
		return 0;
	if (o->stream && (want & STAT_SRC_BPF) && !(want & STAT_SRC_TRACE)) {
		pr_err("record writes the event stream, which BPF does not give (it counts in the kernel): use --source trace");
		return -1;
	}
	if (c->nr_tids == 0) {
		snprintf(bpf_err, sizeof(bpf_err), "no vCPU threads found in process %d", (int)c->g.pid);
		if (o->sources) {
			pr_err("%s", bpf_err);
			return -1;
		}
		note(c, "events: %s", bpf_err);
		return 0;
	}
	if ((want & STAT_SRC_BPF) && !o->stream) {
		c->bpf = stat_bpf_open(c->g.pid, c->tids, c->nr_tids, bpf_err, sizeof(bpf_err));
		if (c->bpf) {
			c->have |= STAT_SRC_BPF;
			snprintf(c->events_from, sizeof(c->events_from), "bpf (%s)",
				 stat_bpf_attached(c->bpf));
			if (stat_bpf_sample(c->bpf) > 1)
				note(c, "latencies and guest functions sampled: 1 exit in %u per vCPU (counts exact; --sample 1 times all)",
				     stat_bpf_sample(c->bpf));
			return 0;
		}
		bpf_errno = errno;
		if (o->sources == STAT_SRC_BPF || (o->sources && !(want & STAT_SRC_TRACE))) {
			pr_err("BPF: %s", bpf_err);
			return -1;
		}
	}
	if (want & STAT_SRC_TRACE) {
		c->trace = stat_trace_open(c->tids, c->nr_tids, o->buf_pages, trace_err,
					   sizeof(trace_err));
		if (c->trace) {
			c->have |= STAT_SRC_TRACE;
			snprintf(c->events_from, sizeof(c->events_from), "trace (%s)",
				 stat_trace_events(c->trace));
			if (bpf_err[0])
				note(c, "BPF: %s; using the trace stream", bpf_err);
			return 0;
		}
		trace_errno = errno;
		if (o->sources & STAT_SRC_TRACE) {
			pr_err("tracepoints: %s", trace_err);
			return -1;
		}
	}
	if ((!bpf_errno || denied(bpf_errno)) && (!trace_errno || denied(trace_errno))) {
		pr_warn("no privilege for BPF or tracepoints (run as root, or with CAP_BPF and CAP_PERFMON): using KVM stats and lkvm's own accounting");
		note(c, "no privilege for BPF or tracepoints: no per-event tables");
	} else {
		if (bpf_err[0])
			note(c, "BPF: %s", bpf_err);
		if (trace_err[0])
			note(c, "tracepoints: %s", trace_err);
		pr_warn("no event source (%s): using KVM stats and lkvm's own accounting",
			trace_err[0] ? trace_err : bpf_err);
	}
	return 0;
}

int stat_collect_start(struct stat_collect *c, const struct stat_collect_opts *o)
{
	bool auto_src = !o->sources;
	char why[256];
	int n;

	memset(c, 0, sizeof(*c));
	if (stat_guest_find(o->name, o->pid, &c->g) < 0)
		return -1;
	n = stat_guest_vcpu_tids(&c->g, c->tids, STAT_MAX_VCPUS, 2000);
	if (n < 0) {
		pr_err("guest '%s' (pid %d) is gone", c->g.name, (int)c->g.pid);
		goto fail;
	}
	for (int i = 0; i < STAT_MAX_VCPUS; i++)
		if (c->tids[i])
			c->nr_tids = i + 1;
	if (c->g.nr_vcpus && (u32)c->nr_tids < c->g.nr_vcpus)
		c->nr_tids = (int)MIN(c->g.nr_vcpus, STAT_MAX_VCPUS);
	if (!c->g.nr_vcpus)
		c->g.nr_vcpus = (u32)c->nr_tids;
	c->t0 = now_ns();
	if (start_events(c, o) < 0)
		goto fail;

	if (auto_src || (o->sources & STAT_SRC_STATS)) {
		n = stat_guest_stats_fds(&c->g, &c->kfd, why, sizeof(why));
		if (n >= 0) {
			c->nr_kfd = n;
			c->have |= STAT_SRC_STATS;
		} else if (!auto_src) {
			pr_err("%s", why);
			goto fail;
		} else {
			note(c, "stats: %s", why);
		}
	}
	if (auto_src || (o->sources & STAT_SRC_LKVM)) {
		struct exit_acct a;

		if (stat_guest_acct(&c->g, &a, why, sizeof(why)) == 0) {
			exit_acct_free(&a);
			c->have |= STAT_SRC_LKVM;
		} else if (!auto_src) {
			pr_err("%s", why);
			goto fail;
		} else {
			note(c, "lkvm: %s", why);
		}
	}
	if (!c->have) {
		pr_err("no source can profile guest '%s' here (see the notes with --loglevel info)",
		       c->g.name);
		for (int i = 0; i < c->nr_notes; i++)
			pr_info("%s", c->notes[i]);
		goto fail;
	}
	return 0;
fail:
	stat_collect_stop(c);
	return -1;
}

static void on_event(void *opaque, const struct stat_event *ev)
{
	struct stat_collect *c = opaque;

	stat_agg_event(&c->live, ev);
	if (c->writer)
		stat_writer_event(c->writer, ev);
}

void stat_collect_pump(struct stat_collect *c, int timeout_ms)
{
	if (!c->trace) {
		nanosleep(&(struct timespec){ .tv_sec = timeout_ms / 1000,
					      .tv_nsec = (timeout_ms % 1000) * 1000000L }, NULL);
		return;
	}
	stat_trace_wait(c->trace, timeout_ms);
	stat_trace_drain(c->trace, on_event, c);
	c->live.lost = stat_collect_lost(c);
}

u64 stat_collect_lost(const struct stat_collect *c)
{
	u64 n = 0;

	if (c->trace)
		for (int i = 0; i < stat_trace_nr_vcpus(c->trace); i++)
			n += stat_trace_lost(c->trace, i);
	return n;
}

u32 stat_collect_snapshot(struct stat_collect *c, struct stat_agg *agg,
			  struct kstat_snap *ks, struct exit_acct *ac)
{
	u32 got = 0;
	char why[256];

	if (agg) {
		memset(agg, 0, sizeof(*agg));
		if (c->bpf && stat_bpf_snapshot(c->bpf, agg) == 0)
			got |= STAT_SRC_BPF;
		else if (c->trace) {
			stat_agg_copy(agg, &c->live);
			got |= STAT_SRC_TRACE;
		}
	}
	if (ks) {
		memset(ks, 0, sizeof(*ks));
		if (c->nr_kfd && kstat_snap_take(c->kfd, c->nr_kfd, ks) == 0)
			got |= STAT_SRC_STATS;
	}
	if (ac) {
		memset(ac, 0, sizeof(*ac));
		if ((c->have & STAT_SRC_LKVM) && stat_guest_acct(&c->g, ac, why, sizeof(why)) == 0)
			got |= STAT_SRC_LKVM;
	}
	return got;
}

void stat_collect_view(const struct stat_collect *c, struct stat_view *v)
{
	v->name = c->g.name;
	v->pid = (int)c->g.pid;
	v->nr_vcpus = c->g.nr_vcpus;
	v->flavour = c->g.flavour;
	v->events_from = c->events_from[0] ? c->events_from : NULL;
	v->nr_notes = 0;
	for (int i = 0; i < c->nr_notes && i < (int)ARRAY_SIZE(v->notes); i++)
		v->notes[v->nr_notes++] = c->notes[i];
}

void stat_collect_stop(struct stat_collect *c)
{
	stat_bpf_close(c->bpf);
	c->bpf = NULL;
	stat_trace_close(c->trace);
	c->trace = NULL;
	if (c->kfd)
		stat_guest_stats_close(c->kfd, c->nr_kfd);
	c->kfd = NULL;
	c->nr_kfd = 0;
	stat_agg_free(&c->live);
	stat_guest_close(&c->g);
}
