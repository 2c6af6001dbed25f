// SPDX-License-Identifier: GPL-2.0
/*
 * hv/bus.c: registration (overlap on each side, contained, containing,
 * adjacent, wrap), dispatch (offsets, accesses straddling two ranges or a
 * range and a gap are not dispatched), unregistration, all-ones reads of
 * unowned addresses, and the per-range access counter.
 */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "hv/bus.h"
#include "tests/tap.h"

/* What the last callback saw. */
struct dev {
	const char *name;
	int calls;
	u64 offset;
	u32 len;
	bool is_write;
	u8 data[8];
};

static void dev_access(void *opaque, u64 offset, u8 *data, u32 len, bool is_write,
		       struct vcpu *vcpu)
{
	struct dev *d = opaque;

	d->calls++;
	d->offset = offset;
	d->len = len;
	d->is_write = is_write;
	if (is_write) {
		memcpy(d->data, data, len);
	} else {
		for (u32 i = 0; i < len; i++)
			data[i] = (u8)(0x10 + i);
	}
}

static int reg(struct bus *b, u64 base, u64 len, struct dev *d)
{
	return bus_register(b, base, len, d->name, dev_access, d);
}

static int reg_fail(struct bus *b, u64 base, u64 len, struct dev *d)
{
	int r;

	quiet(true);
	r = reg(b, base, len, d);
	quiet(false);
	return r;
}

static bool sorted(const struct bus *b)
{
	for (int i = 1; i < b->nr_ranges; i++)
		if (b->ranges[i - 1].base + b->ranges[i - 1].len > b->ranges[i].base)
			return false;
	return true;
}

static void test_register(void)
{
	struct dev a = { .name = "a" }, x = { .name = "x" };
	struct bus b;

	bus_init(&b, "mmio");
	is_int(reg(&b, 0x1000, 0x1000, &a), 0, "register [0x1000, 0x2000)");
	is_int(reg_fail(&b, 0x1000, 0x1000, &x), -1, "same range again: rejected");
	is_int(reg_fail(&b, 0x800, 0x801, &x), -1, "overlap on the left by one byte: rejected");
	is_int(reg_fail(&b, 0x1fff, 0x800, &x), -1, "overlap on the right by one byte: rejected");
	is_int(reg_fail(&b, 0x1100, 0x100, &x), -1, "contained: rejected");
	is_int(reg_fail(&b, 0x1fff, 1, &x), -1, "last byte: rejected");
	is_int(reg_fail(&b, 0x800, 0x2000, &x), -1, "containing: rejected");
	is_int(reg_fail(&b, 0, UINT64_MAX, &x), -1, "everything: rejected");
	is_int(b.nr_ranges, 1, "rejections changed nothing");

	is_int(reg(&b, 0x800, 0x800, &x), 0, "adjacent on the left [0x800, 0x1000): OK");
	is_int(reg(&b, 0x2000, 0x10, &x), 0, "adjacent on the right [0x2000, 0x2010): OK");
	is_int(reg_fail(&b, 0xfff, 0x1002, &x), -1, "spanning a range and both neighbours: rejected");
	is_int(reg_fail(&b, 0x2008, 0x100, &x), -1, "overlapping the right neighbour: rejected");
	is_int(reg(&b, 0x2010, 1, &x), 0, "1-byte range after it: OK");
	is_int(b.nr_ranges, 4, "four ranges");
	ok(sorted(&b), "ranges sorted and disjoint");

	is_int(reg_fail(&b, 0x5000, 0, &x), -1, "zero length: rejected");
	is_int(reg_fail(&b, UINT64_MAX - 0xf, 0x20, &x), -1, "wrapping past 2^64: rejected");
	is_int(reg_fail(&b, UINT64_MAX, UINT64_MAX, &x), -1, "base and len UINT64_MAX: rejected");
	is_int(reg_fail(&b, 0x3000, UINT64_MAX, &x), -1, "len UINT64_MAX: rejected");
	is_int(reg(&b, UINT64_MAX - 0x1000, 0x1000, &x), 0, "range ending at 2^64 - 1: OK");
	is_int(reg(&b, 0, 0x10, &x), 0, "range at 0: OK");
	is_int(b.nr_ranges, 6, "six ranges");
	ok(sorted(&b), "still sorted");
	{
		u8 data[4];

		ok(bus_access(&b, UINT64_MAX - 4, data, 4, false, NULL),
		   "last 4 bytes of the top range: dispatched");
		ok(!bus_access(&b, UINT64_MAX - 2, data, 4, false, NULL),
		   "access running past the top range (and 2^64): not dispatched");
	}
	bus_exit(&b);
}

static void test_dispatch(void)
{
	struct dev a = { .name = "a" }, c = { .name = "c" };
	struct bus b;
	u8 data[8];

	bus_init(&b, "pio");
	reg(&b, 0x3f8, 8, &a);		/* [0x3f8, 0x400) */
	reg(&b, 0x400, 8, &c);		/* adjacent: [0x400, 0x408) */

	memset(data, 0, sizeof(data));
	ok(bus_access(&b, 0x3fd, data, 1, false, NULL) && a.calls == 1 && a.offset == 5 &&
	   a.len == 1 && !a.is_write && data[0] == 0x10, "read at 0x3fd: device a, offset 5");
	data[0] = 0x41;
	data[1] = 0x42;
	ok(bus_access(&b, 0x3f8, data, 2, true, NULL) && a.calls == 2 && a.offset == 0 &&
	   a.len == 2 && a.is_write && a.data[0] == 0x41 && a.data[1] == 0x42,
	   "write of 2 at the base: offset 0, data passed");
	ok(bus_access(&b, 0x3fc, data, 4, false, NULL) && a.calls == 3 && a.offset == 4,
	   "4-byte read ending exactly at the end of a");
	ok(bus_access(&b, 0x3ff, data, 1, false, NULL) && a.calls == 4 && a.offset == 7,
	   "last byte of a");
	ok(bus_access(&b, 0x400, data, 8, false, NULL) && c.calls == 1 && c.offset == 0 &&
	   c.len == 8, "8-byte read of all of c");
	ok(bus_access(&b, 0x407, data, 1, true, NULL) && c.calls == 2 && c.offset == 7,
	   "last byte of c");

	/* Straddling a and c: owned by neither as a whole. */
	memset(data, 0, sizeof(data));
	ok(!bus_access(&b, 0x3fe, data, 4, false, NULL), "read straddling a and c: not dispatched");
	ok(a.calls == 4 && c.calls == 2, "... neither device called");
	ok(!memcmp(data, "\xff\xff\xff\xff", 4) && data[4] == 0, "... reads all ones (4 bytes only)");
	memset(data, 0x77, sizeof(data));
	ok(!bus_access(&b, 0x3ff, data, 2, true, NULL) && a.calls == 4 && c.calls == 2 &&
	   data[0] == 0x77, "write straddling a and c: dropped, data untouched");

	/* Straddling c and the gap after it, and the gap before a. */
	ok(!bus_access(&b, 0x406, data, 4, false, NULL) && c.calls == 2,
	   "read straddling c's end into the gap: not dispatched");
	ok(!bus_access(&b, 0x3f6, data, 4, false, NULL) && a.calls == 4,
	   "read from the gap into a: not dispatched");
	memset(data, 0, sizeof(data));
	ok(!bus_access(&b, 0x80, data, 1, false, NULL) && data[0] == 0xff,
	   "unowned 1-byte read: all ones");
	memset(data, 0, sizeof(data));
	ok(!bus_access(&b, 0x1000, data, 8, false, NULL) &&
	   !memcmp(data, "\xff\xff\xff\xff\xff\xff\xff\xff", 8), "unowned 8-byte read: all ones");
	ok(!bus_access(&b, UINT64_MAX - 1, data, 4, false, NULL),
	   "access at the top of the address space: not dispatched");

	/* Counters: only dispatched accesses count. */
	is_int(b.ranges[0].nr_accesses, 4, "a counted 4 accesses");
	is_int(b.ranges[1].nr_accesses, 2, "c counted 2 accesses");

	/* Unregister. */
	is_int(bus_unregister(&b, 0x3fc), -1, "unregister at a non-base address: -1");
	is_int(b.nr_ranges, 2, "... nothing removed");
	is_int(bus_unregister(&b, 0x3f8), 0, "unregister a");
	is_int(bus_unregister(&b, 0x3f8), -1, "unregister a again: -1");
	memset(data, 0, sizeof(data));
	ok(!bus_access(&b, 0x3f8, data, 1, false, NULL) && a.calls == 4 && data[0] == 0xff,
	   "a's range now unowned");
	ok(bus_access(&b, 0x400, data, 1, false, NULL) && c.calls == 3, "c still dispatched");
	is_int(b.ranges[0].nr_accesses, 3, "c's counter kept across the removal");
	is_int(reg(&b, 0x3f0, 0x10, &a), 0, "a larger range where a was: OK");
	ok(bus_access(&b, 0x3f0, data, 1, false, NULL) && a.calls == 5 && a.offset == 0,
	   "re-registered range dispatched from its new base");
	is_int(bus_unregister(&b, 0x400), 0, "unregister c");
	is_int(bus_unregister(&b, 0x3f0), 0, "unregister a");
	is_int(b.nr_ranges, 0, "bus empty");
	ok(!bus_access(&b, 0x3f0, data, 1, false, NULL), "empty bus: nothing dispatched");
	bus_exit(&b);
}

/* Many ranges registered out of order: binary search finds each one. */
static void test_many(void)
{
	static struct dev d[64];
	struct bus b;
	bool all_ok = true, hit_right = true, gaps_empty = true;
	u8 data[4];

	bus_init(&b, "mmio");
	for (int i = 0; i < 64; i++) {
		int k = (i * 37) % 64;	/* a permutation of 0..63 */

		d[k].name = "dev";
		if (reg(&b, 0xd0000000ULL + (u64)k * 0x2000, 0x1000, &d[k]) < 0)
			all_ok = false;
	}
	ok(all_ok && b.nr_ranges == 64 && sorted(&b), "64 ranges out of order: sorted");
	for (int k = 0; k < 64; k++) {
		u64 base = 0xd0000000ULL + (u64)k * 0x2000;

		if (!bus_access(&b, base + 0xffc, data, 4, false, NULL) || d[k].calls != 1 ||
		    d[k].offset != 0xffc)
			hit_right = false;
		if (bus_access(&b, base + 0x1000, data, 4, false, NULL) ||
		    bus_access(&b, base - 1, data, 1, false, NULL))
			gaps_empty = false;
	}
	ok(hit_right, "each range found at its last word");
	ok(gaps_empty, "gaps between them unowned");
	bus_exit(&b);
}

static void other_access(void *opaque, u64 offset, u8 *data, u32 len, bool is_write,
			 struct vcpu *vcpu)
{
}

/* bus_find_opaque: the lowest range with that handler, NULL for none. */
static void test_find_opaque(void)
{
	struct bus b;
	struct dev hi = { .name = "hi" }, lo = { .name = "lo" }, other = { .name = "other" };

	bus_init(&b, "pio");
	ok(bus_find_opaque(&b, dev_access) == NULL, "find_opaque on an empty bus: NULL");
	reg(&b, 0x200, 4, &hi);
	reg(&b, 0x100, 4, &lo);
	bus_register(&b, 0x50, 4, other.name, other_access, &other);
	ok(bus_find_opaque(&b, dev_access) == &lo, "find_opaque: the lowest range of that handler");
	ok(bus_find_opaque(&b, other_access) == &other, "find_opaque: another handler's device");
	bus_unregister(&b, 0x50);
	ok(bus_find_opaque(&b, other_access) == NULL, "find_opaque after unregister: NULL");
	bus_exit(&b);
}

int main(void)
{
	test_find_opaque();
	test_register();
	test_dispatch();
	test_many();
	return done_testing();
}
