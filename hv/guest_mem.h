/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest physical memory: the GPA -> HVA map of guest RAM. Kept free of KVM so
 * that loaders and device models can be unit-tested on a plain buffer.
 *
 * x86 layout: RAM below the PCI hole is one bank at GPA 0 (at most
 * GUEST_PCI_HOLE_START bytes), the rest is a second bank at GPA 4 GiB.
 * Both banks live in one host mapping, low bank first.
 */
#ifndef LKVM_GUEST_MEM_H
#define LKVM_GUEST_MEM_H

#include "util/util.h"

/* Start of the 32-bit PCI/MMIO hole; RAM above it moves to 4 GiB. */
#define GUEST_PCI_HOLE_START 0xC0000000ULL
#define GUEST_PCI_HOLE_END SZ_4G

/* One contiguous range of guest RAM: @size bytes at @gpa, mapped at @hva. */
struct mem_bank {
	u64 gpa;
	u64 size;
	u8 *hva;
};

/* All guest RAM. @ram_size is the total in bytes (the -m value). */
struct guest_mem {
	u64 ram_size;
	int nr_banks;
	struct mem_bank banks[2];
};

/*
 * guest_mem_layout - split @ram_size bytes at @hva into banks around the PCI
 * hole. @hva must point to @ram_size bytes. Never fails.
 */
void guest_mem_layout(struct guest_mem *mem, u8 *hva, u64 ram_size);

/*
 * gpa_to_hva - host address of guest range [@gpa, @gpa + @len).
 * Returns NULL unless the whole range lies inside one RAM bank (so the
 * caller may touch @len bytes). Overflow-safe for hostile @gpa and @len.
 */
void *gpa_to_hva(const struct guest_mem *mem, u64 gpa, u64 len);

/* Copy @len bytes to/from guest RAM at @gpa. Returns 0, or -1 if the range
 * is not entirely RAM (nothing is copied then). */
int guest_write(const struct guest_mem *mem, u64 gpa, const void *src, u64 len);
int guest_read(const struct guest_mem *mem, u64 gpa, void *dst, u64 len);

#endif
