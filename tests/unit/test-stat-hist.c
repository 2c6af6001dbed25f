// SPDX-License-Identifier: GPL-2.0
/*
 * stat/hist.c: log2 bucket boundaries, adding, merging and subtracting
 * histograms, the exact mean, and the percentile estimates (nearest rank,
 * placed inside a bucket around the bucket's own mean, clamped to min/max).
 */
#include <string.h>

#include "stat/hist.h"
#include "tests/tap.h"

static int near(double got, double want, double tol)
{
	double d = got > want ? got - want : want - got;

	return d <= tol;
}

#define is_near(got, want, tol, name)                                          \
	({                                                                     \
		double __g = (got), __w = (want);                              \
		int __r = ok(near(__g, __w, (tol)), "%s", name);               \
		if (!__r)                                                      \
			diag("  got %.4f, want %.4f (+-%.4f)", __g, __w, (double)(tol)); \
		__r;                                                           \
	})

static void test_buckets(void)
{
	is_int(hist_bucket(0), 0, "0 is bucket 0");
	is_int(hist_bucket(1), 1, "1 is bucket 1");
	is_int(hist_bucket(2), 2, "2 starts bucket 2");
	is_int(hist_bucket(3), 2, "3 is in bucket 2");
	is_int(hist_bucket(4), 3, "4 starts bucket 3");
	is_int(hist_bucket(1023), 10, "1023 ends bucket 10");
	is_int(hist_bucket(1024), 11, "1024 starts bucket 11");
	is_int(hist_bucket(1ULL << 62), 63, "2^62 is the last bucket");
	is_int(hist_bucket(UINT64_MAX), 63, "UINT64_MAX stays in the last bucket");
	is_int(hist_bucket_lo(11), 1024, "bucket 11 starts at 1024");
	is_int(hist_bucket_hi(11), 2048, "bucket 11 ends before 2048");
	is_int(hist_bucket_lo(0), 0, "bucket 0 starts at 0");
	is_int(hist_bucket_hi(0), 1, "bucket 0 ends before 1");
	ok(hist_bucket_hi(63) == UINT64_MAX, "the last bucket is open-ended");
	for (unsigned int b = 1; b < 63; b++)
		if (hist_bucket(hist_bucket_lo(b)) != b || hist_bucket(hist_bucket_hi(b) - 1) != b) {
			ok(0, "bucket %u holds its own bounds", b);
			return;
		}
	ok(1, "every bucket 1..62 holds its own bounds");
}

static void test_add_mean(void)
{
	struct hist h;

	memset(&h, 0, sizeof(h));
	is_near(hist_mean(&h), 0, 0, "empty: mean 0");
	is_near(hist_percentile(&h, 50), 0, 0, "empty: p50 0");
	hist_add(&h, 1000);
	hist_add(&h, 3000);
	hist_add(&h, 5000);
	is_int(h.count, 3, "count");
	is_int(h.sum, 9000, "sum");
	is_int(h.min, 1000, "min");
	is_int(h.max, 5000, "max");
	is_near(hist_mean(&h), 3000, 1e-9, "the mean is exact");
	is_int(h.bucket[hist_bucket(1000)], 1, "1000 in its bucket");
	is_int(h.bucket_sum[hist_bucket(5000)], 5000, "bucket sums kept");
	is_near(hist_percentile(&h, 100), 5000, 0, "p100 is the max");
	is_near(hist_percentile(&h, 0), 1000, 0, "p0 is the min");
	/* Each value is alone in its bucket: the bucket's mean is the value. */
	is_near(hist_percentile(&h, 50), 3000, 0, "p50 of 1000, 3000, 5000 is 3000");
	is_near(hist_percentile(&h, 34), 3000, 0, "p34 is the second value (rank 2)");
	is_near(hist_percentile(&h, 33), 1000, 0, "p33 is the first value (rank 1)");
}

static void test_percentiles(void)
{
	struct hist h;

	/* One repeated value: every percentile is that value. */
	memset(&h, 0, sizeof(h));
	for (int i = 0; i < 1000; i++)
		hist_add(&h, 12345);
	is_near(hist_percentile(&h, 50), 12345, 0, "constant: p50 exact");
	is_near(hist_percentile(&h, 99), 12345, 0, "constant: p99 exact");

	/* 1..1000 uniformly: estimates within a few percent of the truth. */
	memset(&h, 0, sizeof(h));
	for (int i = 1; i <= 1000; i++)
		hist_add(&h, (u64)i);
	is_near(hist_mean(&h), 500.5, 1e-9, "uniform: mean exact");
	is_near(hist_percentile(&h, 50), 500, 20, "uniform: p50 near 500");
	is_near(hist_percentile(&h, 99), 990, 20, "uniform: p99 near 990");
	is_near(hist_percentile(&h, 10), 100, 10, "uniform: p10 near 100");

	/* Values bunched at the low end of a bucket: the estimate follows the
	 * bucket's mean instead of its middle. */
	memset(&h, 0, sizeof(h));
	for (int i = 0; i < 900; i++)
		hist_add(&h, 8200 + (u64)(i % 100));	/* bucket [8192, 16384) */
	for (int i = 0; i < 100; i++)
		hist_add(&h, 70000);
	ok(hist_percentile(&h, 50) < 8400, "bunched: p50 (%.0f) stays near the bunch",
	   hist_percentile(&h, 50));
	is_near(hist_percentile(&h, 99), 70000, 0, "bunched: p99 in the outliers' bucket");
	ok(hist_percentile(&h, 50) <= hist_percentile(&h, 90) &&
	   hist_percentile(&h, 90) <= hist_percentile(&h, 99), "percentiles are monotonic");
}

static void test_merge_sub(void)
{
	struct hist a, b, m, d;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&m, 0, sizeof(m));
	for (int i = 1; i <= 100; i++)
		hist_add(&a, (u64)i * 10);
	for (int i = 1; i <= 50; i++)
		hist_add(&b, (u64)i * 1000);
	hist_merge(&m, &a);
	hist_merge(&m, &b);
	is_int(m.count, 150, "merge: counts add");
	is_int(m.sum, a.sum + b.sum, "merge: sums add");
	is_int(m.min, 10, "merge: min of both");
	is_int(m.max, 50000, "merge: max of both");

	/* m minus a is what b added, as between two snapshots. */
	hist_sub(&d, &m, &a);
	is_int(d.count, 50, "sub: count of the later values");
	is_int(d.sum, b.sum, "sub: their sum");
	ok(!memcmp(d.bucket, b.bucket, sizeof(b.bucket)), "sub: their buckets");
	ok(d.min >= hist_bucket_lo(hist_bucket(1000)) && d.min <= 1000, "sub: min within its bucket");
	ok(d.max == 50000, "sub: max clamped to the later max");
	hist_sub(&d, &a, &a);
	is_int(d.count, 0, "sub: a snapshot minus itself is empty");
	hist_sub(&d, &a, &m);
	is_int(d.count, 0, "sub: a smaller minus a larger clamps at 0");

	/* Saturation instead of wrapping. */
	memset(&a, 0, sizeof(a));
	hist_add(&a, UINT64_MAX);
	hist_add(&a, UINT64_MAX);
	ok(a.sum == UINT64_MAX, "sum saturates");
	is_near(hist_percentile(&a, 50), (double)UINT64_MAX, 0, "huge values: p50 is the value");
}

int main(void)
{
	test_buckets();
	test_add_mean();
	test_percentiles();
	test_merge_sub();
	return done_testing();
}
