// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "hv/guest_mem.h"

void guest_mem_layout(struct guest_mem *mem, u8 *hva, u64 ram_size)
{
	u64 low = MIN(ram_size, GUEST_PCI_HOLE_START);

	memset(mem, 0, sizeof(*mem));
	mem->ram_size = ram_size;
	mem->banks[0] = (struct mem_bank){ .gpa = 0, .size = low, .hva = hva };
	mem->nr_banks = 1;
	if (ram_size > low) {
		mem->banks[1] = (struct mem_bank){
			.gpa = GUEST_PCI_HOLE_END,
			.size = ram_size - low,
			.hva = hva + low,
		};
		mem->nr_banks = 2;
	}
}

void *gpa_to_hva(const struct guest_mem *mem, u64 gpa, u64 len)
{
	for (int i = 0; i < mem->nr_banks; i++) {
		const struct mem_bank *b = &mem->banks[i];

		if (gpa < b->gpa || gpa - b->gpa > b->size)
			continue;
		if (len > b->size - (gpa - b->gpa))
			return NULL;
		return b->hva + (gpa - b->gpa);
	}
	return NULL;
}

int guest_write(const struct guest_mem *mem, u64 gpa, const void *src, u64 len)
{
	void *dst = gpa_to_hva(mem, gpa, len);

	if (!dst)
		return -1;
	memcpy(dst, src, len);
	return 0;
}

int guest_read(const struct guest_mem *mem, u64 gpa, void *dst, u64 len)
{
	const void *src = gpa_to_hva(mem, gpa, len);

	if (!src)
		return -1;
	memcpy(dst, src, len);
	return 0;
}
