// SPDX-License-Identifier: GPL-2.0
/*
 * Log2 histograms and their percentile estimates (see stat/hist.h).
 */
#include <string.h>

#include "stat/hist.h"

unsigned int hist_bucket(u64 v)
{
	unsigned int b = v ? 64 - (unsigned int)__builtin_clzll(v) : 0;

	return b < HIST_BUCKETS ? b : HIST_BUCKETS - 1;	/* 2^63 and up share the last */
}

u64 hist_bucket_lo(unsigned int b)
{
	if (b == 0)
		return 0;
	if (b >= HIST_BUCKETS)
		b = HIST_BUCKETS - 1;
	return 1ULL << (b - 1);
}

u64 hist_bucket_hi(unsigned int b)
{
	if (b == 0)
		return 1;
	if (b >= HIST_BUCKETS - 1)
		return UINT64_MAX;
	return 1ULL << b;
}

static u64 sat_add(u64 a, u64 b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void hist_add(struct hist *h, u64 v)
{
	if (!h->count || v < h->min)
		h->min = v;
	if (!h->count || v > h->max)
		h->max = v;
	h->count++;
	h->sum = sat_add(h->sum, v);
	h->bucket[hist_bucket(v)]++;
	h->bucket_sum[hist_bucket(v)] = sat_add(h->bucket_sum[hist_bucket(v)], v);
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	if (!src->count)
		return;
	if (!dst->count || src->min < dst->min)
		dst->min = src->min;
	if (!dst->count || src->max > dst->max)
		dst->max = src->max;
	dst->count = sat_add(dst->count, src->count);
	dst->sum = sat_add(dst->sum, src->sum);
	for (int i = 0; i < HIST_BUCKETS; i++) {
		dst->bucket[i] = sat_add(dst->bucket[i], src->bucket[i]);
		dst->bucket_sum[i] = sat_add(dst->bucket_sum[i], src->bucket_sum[i]);
	}
}

static u64 sub0(u64 a, u64 b)
{
	return a > b ? a - b : 0;
}

void hist_sub(struct hist *out, const struct hist *a, const struct hist *b)
{
	struct hist r;
	int lo = -1, hi = -1;

	memset(&r, 0, sizeof(r));
	for (int i = 0; i < HIST_BUCKETS; i++) {
		r.bucket[i] = sub0(a->bucket[i], b->bucket[i]);
		r.bucket_sum[i] = r.bucket[i] ? sub0(a->bucket_sum[i], b->bucket_sum[i]) : 0;
		r.count += r.bucket[i];
		if (r.bucket[i]) {
			if (lo < 0)
				lo = i;
			hi = i;
		}
	}
	r.sum = sub0(a->sum, b->sum);
	if (lo >= 0) {
		r.min = MAX(hist_bucket_lo((unsigned int)lo), a->min);
		r.max = MIN(hist_bucket_hi((unsigned int)hi) - (hi ? 1 : 0), a->max);
		if (r.min > r.max)
			r.min = r.max;
	}
	*out = r;
}

double hist_mean(const struct hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}

double hist_percentile(const struct hist *h, double p)
{
	u64 rank, seen = 0;
	double r;

	if (!h->count)
		return 0.0;
	if (p <= 0)
		return (double)h->min;
	if (p >= 100)
		return (double)h->max;
	r = p / 100.0 * (double)h->count;
	rank = (u64)r;
	if ((double)rank < r)
		rank++;		/* ceil without libm */
	if (rank < 1)
		rank = 1;
	for (unsigned int i = 0; i < HIST_BUCKETS; i++) {
		u64 n = h->bucket[i];
		double lo, hi, mean, half, v;

		if (!n)
			continue;
		if (seen + n < rank) {
			seen += n;
			continue;
		}
		lo = (double)MAX(hist_bucket_lo(i), h->min);
		hi = (double)MIN(hist_bucket_hi(i), h->max == UINT64_MAX ? UINT64_MAX : h->max + 1);
		if (hi < lo)
			hi = lo;
		/* Centre the spread on the bucket's mean when it is known and
		 * inside the bucket; else use the whole [lo, hi). */
		mean = (double)h->bucket_sum[i] / (double)n;
		if (h->bucket_sum[i] && mean >= lo && mean <= hi) {
			half = MIN(mean - lo, hi - mean);
			lo = mean - half;
			hi = mean + half;
		}
		/* The rank is the (rank - seen)-th of n values: the middle of its slice. */
		v = lo + (hi - lo) * ((double)(rank - seen) - 0.5) / (double)n;
		if (v < (double)h->min)
			v = (double)h->min;
		if (v > (double)h->max)
			v = (double)h->max;
		return v;
	}
	return (double)h->max;
}
