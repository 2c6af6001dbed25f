// SPDX-License-Identifier: GPL-2.0
/*
 * hv/x86/debug.c page-table walker against hand-built tables in a fake
 * guest RAM: 4 KiB, 2 MiB and 1 GiB pages, not-present entries at each
 * level, tables outside RAM, the reserved PS bit in a PML4E, canonical
 * checks, combined permissions (RW, U/S, XD with and without EFER.NXE),
 * 5-level paging (CR4.LA57), paging off, and x86_gva_read across pages.
 * Source: Intel SDM vol. 3A section 4.5, tables 4-15 to 4-20.
 */
#include <stdlib.h>
#include <string.h>

#include "hv/guest_mem.h"
#include "hv/x86/debug.h"
#include "tests/tap.h"

#define RAM (16 * SZ_1M)
#define PML4 0x1000ULL
#define PDPT 0x2000ULL
#define PD 0x3000ULL
#define PT 0x4000ULL
#define KPDPT 0x8000ULL
#define KPD 0x9000ULL
#define PML5 0xA000ULL
#define FLAGS (PTE_P | PTE_RW | PTE_US)

static struct guest_mem mem;
static u8 *ram;

static void set(u64 table, unsigned int index, u64 entry)
{
	memcpy(ram + table + 8 * index, &entry, 8);
}

static const struct x86_paging pg4 = {
	.cr0 = X86_CR0_PG | 1, .cr3 = PML4, .cr4 = X86_CR4_PAE,
	.efer = X86_EFER_LMA | X86_EFER_NXE,
};

static void build(void)
{
	set(PML4, 0, PDPT | FLAGS);
	set(PDPT, 0, PD | FLAGS);
	set(PD, 2, PT | FLAGS);			/* 0x400000-0x5fffff: 4 KiB pages */
	set(PT, 1, 0x500000 | FLAGS);		/* 0x401000 -> 0x500000 */
	set(PT, 2, 0x700000 | PTE_P | PTE_US);	/* 0x402000 -> 0x700000, read-only */
	set(PT, 4, 0x800000 | FLAGS | PTE_XD);	/* 0x404000: no-execute */
	set(PD, 3, 0x600000 | FLAGS | PTE_PS);	/* 0x600000: 2 MiB page */
	set(PDPT, 1, 0x40000000 | FLAGS | PTE_PS);	/* 1 GiB page at 1 GiB */
	set(PDPT, 2, 0x70000000 | FLAGS);	/* PD outside RAM */
	set(PML4, 1, 0x4000000000ULL | FLAGS | PTE_PS);	/* PS in a PML4E: reserved */
	/* kernel half: 0xffffffff80000000 -> 16 MiB - 2 MiB, supervisor */
	set(PML4, 511, KPDPT | PTE_P | PTE_RW);
	set(KPDPT, 510, KPD | PTE_P | PTE_RW);
	set(KPD, 0, 0xe00000 | PTE_P | PTE_PS);
	/* 5-level: PML5[0] -> the same PML4 */
	set(PML5, 0, PML4 | FLAGS);
	memcpy(ram + 0x500ffc, "ABCD", 4);
	memcpy(ram + 0x700000, "EFGH", 4);
}

static void test_4level(void)
{
	struct pt_walk w;

	ok(x86_pt_walk(&mem, &pg4, 0x401234, &w) == 0 && w.gpa == 0x500234 &&
	   w.page_size == 4096 && w.levels == 4 && w.nr == 4, "4 KiB page: GPA, size, 4 steps");
	ok(w.lv[0].level == 4 && w.lv[0].table == PML4 && w.lv[0].index == 0 &&
	   w.lv[3].level == 1 && w.lv[3].table == PT && w.lv[3].index == 1 &&
	   w.lv[3].entry == (0x500000 | FLAGS), "4 KiB page: each level's table, index, entry");
	ok(w.writable && w.user && !w.nx, "4 KiB page: writable, user, executable");

	ok(x86_pt_walk(&mem, &pg4, 0x402010, &w) == 0 && w.gpa == 0x700010 && !w.writable,
	   "read-only PTE: translation read-only");
	ok(x86_pt_walk(&mem, &pg4, 0x404000, &w) == 0 && w.nx, "XD with EFER.NXE: no-execute");
	{
		struct x86_paging no_nxe = pg4;

		no_nxe.efer &= ~X86_EFER_NXE;
		ok(x86_pt_walk(&mem, &no_nxe, 0x404000, &w) == 0 && !w.nx,
		   "XD without EFER.NXE: ignored");
	}

	ok(x86_pt_walk(&mem, &pg4, 0x7fedcb, &w) == 0 && w.gpa == 0x7fedcb &&
	   w.page_size == SZ_2M && w.nr == 3, "2 MiB page: offset kept, walk ends at the PD");
	ok(x86_pt_walk(&mem, &pg4, 0x40000000 + 0x12345678, &w) == 0 &&
	   w.gpa == 0x40000000 + 0x12345678 && w.page_size == SZ_1G && w.nr == 2,
	   "1 GiB page: walk ends at the PDPT");
	ok(x86_pt_walk(&mem, &pg4, 0xffffffff80123456ULL, &w) == 0 && w.gpa == 0xf23456 &&
	   !w.user && w.lv[0].index == 511 && w.lv[1].index == 510,
	   "kernel address: upper half, supervisor");

	ok(x86_pt_walk(&mem, &pg4, 0x403000, &w) < 0 && w.nr == 4 &&
	   strstr(w.fault, "not present"), "PTE not present: fault at level 1");
	ok(x86_pt_walk(&mem, &pg4, 0x800000, &w) < 0 && w.nr == 3 &&
	   strstr(w.fault, "not present"), "PDE not present: fault at level 2");
	ok(x86_pt_walk(&mem, &pg4, 0xc0000000, &w) < 0 && w.nr == 2,
	   "PDPTE not present: fault at level 3");
	ok(x86_pt_walk(&mem, &pg4, 0x10000000000ULL, &w) < 0 && w.nr == 1 &&
	   w.lv[0].index == 2, "PML4E not present: fault at level 4");
	ok(x86_pt_walk(&mem, &pg4, 0x80000000, &w) < 0 && strstr(w.fault, "not in guest RAM") &&
	   w.nr == 3 && !w.lv[2].readable, "table outside RAM: fault, never read");
	ok(x86_pt_walk(&mem, &pg4, 0x8000000000ULL, &w) < 0 && strstr(w.fault, "reserved"),
	   "PS in a PML4E: reserved-bit fault");
	ok(x86_pt_walk(&mem, &pg4, 0x0000800000000000ULL, &w) < 0 &&
	   strstr(w.fault, "canonical") && w.nr == 0, "non-canonical address: no table read");
	ok(x86_pt_walk(&mem, &pg4, 0xffff800000000000ULL, &w) < 0 && strstr(w.fault, "not present"),
	   "lowest canonical upper-half address is walked");
}

static void test_other_modes(void)
{
	struct x86_paging pg5 = pg4, off = { 0 }, legacy = { .cr0 = X86_CR0_PG | 1, .cr3 = PML4 };
	struct pt_walk w;
	struct x86_paging hostile = pg4;

	pg5.cr3 = PML5;
	pg5.cr4 |= X86_CR4_LA57;
	ok(x86_pt_walk(&mem, &pg5, 0x401234, &w) == 0 && w.gpa == 0x500234 && w.levels == 5 &&
	   w.nr == 5 && w.lv[0].level == 5 && w.lv[0].table == PML5, "5-level: 5 steps, same page");
	ok(x86_pt_walk(&mem, &pg5, 0x0001000000401234ULL, &w) < 0 && w.nr == 1 &&
	   w.lv[0].index == 1, "5-level: a 57-bit address walks from PML5[1]");
	ok(x86_pt_walk(&mem, &pg4, 0x0001000000401234ULL, &w) < 0 && strstr(w.fault, "canonical"),
	   "4-level: the same address is not canonical");
	ok(x86_pt_walk(&mem, &pg5, 0x0100000000000000ULL, &w) < 0 && strstr(w.fault, "canonical"),
	   "5-level: bit 56 set without the upper bits is not canonical");

	ok(x86_pt_walk(&mem, &off, 0x12345, &w) == 0 && w.gpa == 0x12345 && w.levels == 0,
	   "paging off: GPA = GVA");
	ok(x86_pt_walk(&mem, &legacy, 0x401000, &w) < 0 && strstr(w.fault, "32-bit"),
	   "32-bit paging: refused with a reason");

	/* PML4 in the last page of RAM; its last entry points past the end. */
	hostile.cr3 = RAM - 4096;
	set(RAM - 4096, 511, RAM | FLAGS);
	ok(x86_pt_walk(&mem, &hostile, 0xffffff8000000000ULL, &w) < 0 && w.nr == 2 &&
	   w.lv[0].readable && !w.lv[1].readable && strstr(w.fault, "not in guest RAM"),
	   "last entry of RAM read, the table it points to past RAM refused");
	hostile.cr3 = 0xfffffffffffff000ULL;
	ok(x86_pt_walk(&mem, &hostile, 0xffffffffffffffffULL, &w) < 0 &&
	   strstr(w.fault, "not in guest RAM"), "CR3 with every address bit set: refused");
}

static void test_read(void)
{
	char b[16] = "";
	char *text = NULL;
	size_t len = 0;
	struct pt_walk w;
	FILE *fp;

	is_int(x86_gva_read(&mem, &pg4, 0x401ffc, b, 8), 8, "gva read across two pages: all bytes");
	ok(!memcmp(b, "ABCDEFGH", 8), "gva read: the two physical pages in order");
	is_int(x86_gva_read(&mem, &pg4, 0x402ffe, b, 4), 2, "gva read into an unmapped page stops");
	is_int(x86_gva_read(&mem, &pg4, 0x40000000, b, 4), 0,
	       "gva read of a page outside RAM: nothing");

	fp = open_memstream(&text, &len);
	x86_pt_walk(&mem, &pg4, 0x401234, &w);
	x86_pt_walk_print(fp, &w);
	x86_pt_walk(&mem, &pg4, 0x403000, &w);
	x86_pt_walk_print(fp, &w);
	fclose(fp);
	ok(text && strstr(text, "PML4[  0]") && strstr(text, "PT  [  1]") &&
	   strstr(text, "=> GPA 0000000000500234 (4 KiB page, writable, user, executable)") &&
	   strstr(text, "not present"), "print: levels, entries and the result");
	free(text);
}

int main(void)
{
	ram = calloc(1, RAM);
	guest_mem_layout(&mem, ram, RAM);
	build();
	test_4level();
	test_other_modes();
	test_read();
	free(ram);
	return done_testing();
}
