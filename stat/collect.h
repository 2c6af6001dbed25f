/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lkvm stat's collector: finds the guest, picks the sources (BPF, trace,
 * KVM stats, lkvm's accounting: automatically, or those --source asks
 * for), starts them and takes cumulative snapshots of all of them, so the
 * summary, record and top front ends differ only in what they do with the
 * snapshots. The choice: events come from BPF when it loads (summary, top)
 * or from the trace stream (record, or when BPF cannot load); without the
 * privilege for either, one line says so and the KVM stats and lkvm's own
 * accounting, which need none, carry on alone.
 */
#ifndef LKVM_STAT_COLLECT_H
#define LKVM_STAT_COLLECT_H

#include "stat/agg.h"
#include "stat/bpf.h"
#include "stat/guest.h"
#include "stat/record.h"
#include "stat/report.h"
#include "stat/trace.h"

/* What the front end asks for. */
struct stat_collect_opts {
	const char *name;	/* --name, or NULL */
	pid_t pid;		/* --pid, or 0 */
	u32 sources;		/* STAT_SRC_* from --source, or 0 for automatic */
	bool stream;		/* record: events must be a stream (trace) */
	unsigned int buf_pages;	/* trace ring buffer pages per vCPU (0: default) */
};

struct stat_collect {
	struct stat_guest g;
	u32 have;		/* STAT_SRC_* running */
	pid_t tids[STAT_MAX_VCPUS];
	int nr_tids;
	struct stat_bpf *bpf;
	struct stat_trace *trace;
	struct stat_agg live;	/* the trace stream aggregated */
	struct stat_writer *writer;	/* record: the stream also goes here */
	struct kstats_fd *kfd;
	int nr_kfd;
	u64 t0;			/* ns, CLOCK_MONOTONIC at start */
	char events_from[320];
	char notes[8][256];
	int nr_notes;
};

/*
 * stat_collect_start - find the guest and start the sources. Prints one
 * line per problem (pr_err for a fatal one, pr_warn for a source that
 * fell back) and returns -1 when nothing can run: no such guest, or a
 * --source that is not available.
 */
int stat_collect_start(struct stat_collect *c, const struct stat_collect_opts *o);

/* stat_collect_pump - move the trace stream into c->live (and the writer),
 * waiting up to @timeout_ms for data; just sleeps without a stream. */
void stat_collect_pump(struct stat_collect *c, int timeout_ms);

/*
 * stat_collect_snapshot - cumulative values of every running source:
 * events into @agg (zeroed if none), KVM stats into @ks, lkvm's accounting
 * into @ac; each is left zeroed (and its bit cleared in the return value)
 * when that source is not running or a read fails. Returns the STAT_SRC_*
 * bits filled.
 */
u32 stat_collect_snapshot(struct stat_collect *c, struct stat_agg *agg,
			  struct kstat_snap *ks, struct exit_acct *ac);

/* stat_collect_lost - events the trace stream lost so far. */
u64 stat_collect_lost(const struct stat_collect *c);

/* stat_collect_view - fill @v's guest fields, notes and event origin. */
void stat_collect_view(const struct stat_collect *c, struct stat_view *v);

/* stat_collect_stop - stop every source and close the guest. */
void stat_collect_stop(struct stat_collect *c);

/* stat_sources_parse - "bpf,trace,stats,lkvm" into STAT_SRC_* bits. Returns
 * 0, or -1 with the unknown word in *@bad. */
int stat_sources_parse(const char *list, u32 *out, const char **bad);

/* stat_sources_name - "bpf,stats,lkvm" for @bits into @buf. */
const char *stat_sources_name(u32 bits, char *buf, size_t len);

#endif
