/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Log2 latency histograms for lkvm stat: bucket 0 holds the value 0,
 * bucket i (1..62) the values in [2^(i-1), 2^i) and bucket 63 everything
 * from 2^62 up, so 64 buckets cover every u64. The BPF program
 * (stat/stat.bpf.c) fills the same layout in the kernel, so both feed one
 * set of percentile code. Exact count, sum, min and max ride along, and
 * each bucket keeps the sum of its values too: the mean is exact,
 * percentiles are estimates that keep each bucket's own mean.
 */
#ifndef LKVM_STAT_HIST_H
#define LKVM_STAT_HIST_H

#include "util/util.h"

#define HIST_BUCKETS 64

/* One histogram of values (ns in lkvm stat). All zero is empty. */
struct hist {
	u64 count;
	u64 sum;		/* saturates at UINT64_MAX instead of wrapping */
	u64 min;		/* valid when count > 0 */
	u64 max;
	u64 bucket[HIST_BUCKETS];
	u64 bucket_sum[HIST_BUCKETS];	/* sum of the values in each bucket */
};

/* hist_bucket - the bucket of @v: 0 for 0, else 1 + floor(log2(v)), at
 * most 63. */
unsigned int hist_bucket(u64 v);

/* hist_bucket_lo / hist_bucket_hi - the smallest value bucket @b holds,
 * and one past its largest (UINT64_MAX for bucket 63). */
u64 hist_bucket_lo(unsigned int b);
u64 hist_bucket_hi(unsigned int b);

/* hist_add - account one value @v. */
void hist_add(struct hist *h, u64 v);

/* hist_merge - add every value of @src into @dst. */
void hist_merge(struct hist *dst, const struct hist *src);

/*
 * hist_sub - @a minus @b into @out, for the values added between two
 * snapshots of one growing histogram (@b taken first). Buckets, count and
 * sum are subtracted (clamped at 0 if @b is not a prefix of @a); min and
 * max cannot be recovered, so they become the bounds of the lowest and
 * highest non-empty bucket, clamped by @a's min and max.
 */
void hist_sub(struct hist *out, const struct hist *a, const struct hist *b);

/* hist_mean - sum / count, or 0 for an empty histogram. */
double hist_mean(const struct hist *h);

/*
 * hist_percentile - estimate the @p-th percentile (0 < p <= 100) of @h.
 * The rank is ceil(p/100 * count) (the nearest-rank definition). Inside
 * the bucket that holds that rank, its values are taken as spread evenly
 * over the widest interval that lies in the bucket (narrowed by min and
 * max) and is centred on the bucket's own mean, and the rank is placed in
 * it linearly; the result is clamped to [min, max], so p=100 is exactly
 * max and a histogram of one repeated value answers that value. Returns 0
 * for an empty histogram.
 */
double hist_percentile(const struct hist *h, double p);

#endif
