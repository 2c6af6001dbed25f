/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `lkvm stat top`: a live view of a guest's exits, refreshed every
 * interval, in the manner of kvm_stat: one row per exit reason (and per
 * exit to userspace, lkvm accounting reason and KVM statistic) with its
 * total, its rate over the last interval and its mean latency, or per-vCPU
 * rate columns. An ncurses screen on a terminal (fits 80x24; keys: v
 * per-vCPU columns, s sort, f filter, q quit; the terminal is restored on
 * every way out), or plain text blocks with --batch, like `top -b`.
 */
#ifndef LKVM_STAT_TOP_H
#define LKVM_STAT_TOP_H

#include "stat/collect.h"

struct stat_top_opts {
	int interval_ms;	/* refresh period */
	bool batch;		/* plain text on stdout */
	int iterations;		/* batch: blocks to print (0: until the guest ends) */
	const char *filter;	/* initial filter, or NULL */
};

/* stat_top_run - show the view until q, SIGINT/SIGTERM, the guest's end or
 * the last batch iteration. Returns the exit status (0, or 1 when the
 * screen could not be set up). */
int stat_top_run(struct stat_collect *c, const struct stat_top_opts *o);

/* One row of the view: what the batch text and the screen print. */
struct top_row {
	char name[64];
	u64 total;		/* since stat started */
	u64 delta;		/* in the last interval */
	double mean_us;		/* of the last interval; < 0 when not measured */
	u64 *dv;		/* per vCPU deltas, nr_vcpus entries */
};

/* Cumulative snapshots of every source at one time (ns, CLOCK_MONOTONIC). */
struct top_snap {
	struct stat_agg agg;
	struct kstat_snap ks;
	struct exit_acct ac;
	u64 ts;
};

/*
 * top_rows - the rows for the interval between snapshots @prev and @now,
 * totals counted from @base (any source may be absent: zeroed), with
 * @nr_vcpus per-vCPU columns, sorted by @sort_by (0 rate, 1 total, 2 name)
 * and filtered by @filter (a case-insensitive substring, NULL for all).
 * Returns the number of rows, in *@out (free with top_rows_free).
 */
int top_rows(const struct top_snap *base, const struct top_snap *prev, const struct top_snap *now,
	     u32 nr_vcpus, int sort_by, const char *filter, struct top_row **out);
void top_rows_free(struct top_row *r, int n);

#endif
