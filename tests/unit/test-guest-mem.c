// SPDX-License-Identifier: GPL-2.0
/*
 * hv/guest_mem.c: the bank layout around the PCI hole and gpa_to_hva's
 * bounds against hostile (gpa, len) pairs: exact ends, one past, 64-bit
 * wrap-around, the hole, the second bank. guest_read/guest_write copy all
 * or nothing. Large RAM sizes are address space only (MAP_NORESERVE);
 * just a few pages are ever touched.
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "hv/guest_mem.h"
#include "tests/tap.h"

#define HOLE GUEST_PCI_HOLE_START	/* 3 GiB */

static u8 *reserve(u64 size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

static void test_layout(u8 *hva)
{
	struct guest_mem m;

	guest_mem_layout(&m, hva, 64 * SZ_1M);
	ok(m.nr_banks == 1 && m.ram_size == 64 * SZ_1M && m.banks[0].gpa == 0 &&
	   m.banks[0].size == 64 * SZ_1M && m.banks[0].hva == hva, "64 MiB: one bank at 0");

	guest_mem_layout(&m, hva, HOLE);
	ok(m.nr_banks == 1 && m.banks[0].size == HOLE, "3 GiB exactly: one bank");

	guest_mem_layout(&m, hva, HOLE + 1);
	ok(m.nr_banks == 2 && m.banks[0].size == HOLE && m.banks[1].gpa == SZ_4G &&
	   m.banks[1].size == 1 && m.banks[1].hva == hva + HOLE,
	   "3 GiB + 1: second bank of 1 byte at 4 GiB");

	guest_mem_layout(&m, hva, 3 * SZ_1G + SZ_1G / 2);
	ok(m.nr_banks == 2 && m.banks[0].size == HOLE && m.banks[1].gpa == SZ_4G &&
	   m.banks[1].size == SZ_1G / 2 && m.ram_size == 3 * SZ_1G + SZ_1G / 2,
	   "3.5 GiB: 3 GiB low + 0.5 GiB at 4 GiB");
}

static void test_one_bank(u8 *hva)
{
	const u64 sz = 64 * SZ_1M;
	struct guest_mem m;

	guest_mem_layout(&m, hva, sz);
	ok(gpa_to_hva(&m, 0, 1) == hva, "gpa 0 -> start");
	ok(gpa_to_hva(&m, 0, sz) == hva, "whole RAM in one range");
	ok(gpa_to_hva(&m, 0, sz + 1) == NULL, "whole RAM + 1: NULL");
	ok(gpa_to_hva(&m, sz - 1, 1) == hva + sz - 1, "last byte");
	ok(gpa_to_hva(&m, sz - 4, 4) == hva + sz - 4, "last 4 bytes, ending exactly at the end");
	ok(gpa_to_hva(&m, sz - 4, 5) == NULL, "4 bytes before the end, len 5: NULL");
	ok(gpa_to_hva(&m, sz, 1) == NULL, "one past the end: NULL");
	ok(gpa_to_hva(&m, sz + 1, 1) == NULL, "two past the end: NULL");
	ok(gpa_to_hva(&m, 0x1000, 0x1000) == hva + 0x1000, "page at 4 KiB");
	ok(gpa_to_hva(&m, 1, UINT64_MAX) == NULL, "gpa 1, len UINT64_MAX (wraps): NULL");
	ok(gpa_to_hva(&m, 0, UINT64_MAX) == NULL, "gpa 0, len UINT64_MAX: NULL");
	ok(gpa_to_hva(&m, sz - 1, UINT64_MAX) == NULL, "last byte, len UINT64_MAX: NULL");
	ok(gpa_to_hva(&m, UINT64_MAX, 1) == NULL, "gpa UINT64_MAX: NULL");
	ok(gpa_to_hva(&m, UINT64_MAX, UINT64_MAX) == NULL, "gpa and len UINT64_MAX: NULL");
	ok(gpa_to_hva(&m, UINT64_MAX - 0xfff, 0x2000) == NULL,
	   "range wrapping past 2^64 into RAM: NULL");
	ok(gpa_to_hva(&m, 0x1000, UINT64_MAX - 0xfff) == NULL,
	   "gpa + len == 2^64 exactly: NULL");
	ok(gpa_to_hva(&m, HOLE, 1) == NULL, "gpa in the PCI hole: NULL");
	ok(gpa_to_hva(&m, SZ_4G, 1) == NULL, "no second bank: 4 GiB is NULL");
}

static void test_two_banks(u8 *hva)
{
	const u64 ram = 4 * SZ_1G;	/* 3 GiB low + 1 GiB at 4 GiB */
	const u64 top = SZ_4G + SZ_1G;
	struct guest_mem m;

	guest_mem_layout(&m, hva, ram);
	ok(m.nr_banks == 2 && m.banks[1].gpa == SZ_4G && m.banks[1].size == SZ_1G,
	   "4 GiB: banks 3 GiB + 1 GiB");
	ok(gpa_to_hva(&m, HOLE - 1, 1) == hva + HOLE - 1, "last low byte");
	ok(gpa_to_hva(&m, HOLE - 1, 2) == NULL, "last low byte, len 2 (into the hole): NULL");
	ok(gpa_to_hva(&m, HOLE - 0x1000, SZ_4G) == NULL, "low bank across the hole to bank 2: NULL");
	ok(gpa_to_hva(&m, HOLE, 1) == NULL, "first hole byte: NULL");
	ok(gpa_to_hva(&m, 0xFEE00000ULL, 4) == NULL, "LAPIC page in the hole: NULL");
	ok(gpa_to_hva(&m, SZ_4G - 1, 1) == NULL, "last hole byte: NULL");
	ok(gpa_to_hva(&m, SZ_4G - 1, 2) == NULL, "last hole byte, len 2 (into bank 2): NULL");
	ok(gpa_to_hva(&m, SZ_4G, 1) == hva + HOLE, "4 GiB -> right after the low bank in the host");
	ok(gpa_to_hva(&m, SZ_4G, SZ_1G) == hva + HOLE, "all of bank 2");
	ok(gpa_to_hva(&m, SZ_4G, SZ_1G + 1) == NULL, "bank 2 + 1: NULL");
	ok(gpa_to_hva(&m, top - 1, 1) == hva + ram - 1, "last byte of bank 2");
	ok(gpa_to_hva(&m, top - 8, 8) == hva + ram - 8, "last 8 bytes of bank 2");
	ok(gpa_to_hva(&m, top - 8, 9) == NULL, "last 8 bytes + 1: NULL");
	ok(gpa_to_hva(&m, top, 1) == NULL, "one past bank 2: NULL");
	ok(gpa_to_hva(&m, SZ_4G + 1, UINT64_MAX) == NULL, "bank 2, len UINT64_MAX: NULL");
	ok(gpa_to_hva(&m, top - 1, UINT64_MAX) == NULL, "bank 2 end, len UINT64_MAX: NULL");
	ok(gpa_to_hva(&m, 0, ram) == NULL, "the RAM size as one range from 0: NULL");
}

static void test_read_write(u8 *hva)
{
	const u64 ram = 4 * SZ_1G;
	struct guest_mem m;
	u8 src[16], dst[16], pat[16];

	guest_mem_layout(&m, hva, ram);
	for (int i = 0; i < 16; i++)
		src[i] = (u8)(0xa0 + i);
	memset(pat, 0x5a, sizeof(pat));

	ok(guest_write(&m, 0x2000, src, 16) == 0 && !memcmp(hva + 0x2000, src, 16),
	   "guest_write low bank");
	memcpy(dst, pat, 16);
	ok(guest_read(&m, 0x2000, dst, 16) == 0 && !memcmp(dst, src, 16), "guest_read it back");

	ok(guest_write(&m, SZ_4G + 0x100, src, 16) == 0 && !memcmp(hva + HOLE + 0x100, src, 16),
	   "guest_write bank 2 lands after the low bank in the host");
	memcpy(dst, pat, 16);
	ok(guest_read(&m, SZ_4G + 0x100, dst, 16) == 0 && !memcmp(dst, src, 16),
	   "guest_read bank 2");

	memset(hva + HOLE - 8, 0x11, 8);
	ok(guest_write(&m, HOLE - 8, src, 16) == -1, "write across the hole: -1");
	ok(hva[HOLE - 8] == 0x11 && hva[HOLE - 1] == 0x11, "... and nothing was written");
	memcpy(dst, pat, 16);
	ok(guest_read(&m, HOLE - 8, dst, 16) == -1 && !memcmp(dst, pat, 16),
	   "read across the hole: -1, nothing copied");
	ok(guest_read(&m, SZ_4G + SZ_1G - 8, dst, 16) == -1 && !memcmp(dst, pat, 16),
	   "read past the end of RAM: -1, nothing copied");
	ok(guest_write(&m, UINT64_MAX - 7, src, 16) == -1, "write wrapping 2^64: -1");
	ok(guest_read(&m, HOLE, dst, 4) == -1, "read in the hole: -1");
	ok(guest_write(&m, 0, src, 0) == 0, "zero-length write at 0: 0");
}

int main(void)
{
	u8 *hva = reserve(4 * SZ_1G);

	test_layout(hva);
	test_one_bank(hva);
	test_two_banks(hva);
	test_read_write(hva);
	return done_testing();
}
