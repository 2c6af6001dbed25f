// SPDX-License-Identifier: GPL-2.0
/*
 * memmap: print mem_lower, mem_upper and the multiboot memory map
 * (multiboot spec 0.6.96 section 3.3), one line per entry, then the total
 * of the available (type 1) RAM in KiB.
 */
#include "runtime/rt.h"

int main(struct mb_info *mbi)
{
	u64 total = 0;
	u32 off = 0;

	if (mbi->flags & MB_INFO_MEMORY)
		printf("mem_lower %u KiB, mem_upper %u KiB\n", mbi->mem_lower, mbi->mem_upper);
	if (!(mbi->flags & MB_INFO_MMAP)) {
		printf("no memory map\n");
		return 1;
	}
	/* Each entry's size field does not count itself (spec 3.3). */
	while (off + 4 <= mbi->mmap_length) {
		const struct mb_mmap_entry *e =
			(const struct mb_mmap_entry *)(u64)(mbi->mmap_addr + off);

		printf("mmap %#012lx-%#012lx type %u\n", e->base_addr,
		       e->base_addr + e->length, e->type);
		if (e->type == 1)
			total += e->length;
		off += e->size + 4;
	}
	printf("available %lu KiB\n", total >> 10);
	return 0;
}
