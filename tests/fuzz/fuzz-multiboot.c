// SPDX-License-Identifier: GPL-2.0
/*
 * Multiboot v1 loading (hv/x86/multiboot.c, lkvm run -k on a test
 * kernel): the header search and checks, the a.out-kludge address fields
 * or the ELF inside, the image copied into 8 MiB of guest RAM, and the
 * multiboot information (memory map, command line, loader name) built.
 * Source: Multiboot Specification 0.6.96, sections 3.1 and 3.3.
 *
 * Input: the image file. Checked: a loaded image enters in protected mode
 * with EAX = 0x2BADB002, no sanitizer report.
 */
#include <stdlib.h>

#include "hv/kvm.h"
#include "hv/x86/boot.h"
#include "hv/x86/multiboot.h"
#include "tests/fuzz/fuzz.h"

#define RAM_SIZE	(8ULL << 20)

static struct vm_config cfg = { .kernel = "fuzz.elf", .params = "console=ttyS0", .ram_size = RAM_SIZE };
static struct kvm kvm = { .vm_fd = -1, .sys_fd = -1, .cfg = &cfg };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_level = LOG_ERROR;
	guest_mem_layout(&kvm.mem, calloc(1, RAM_SIZE), RAM_SIZE);
	return 0;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct mb_image_header ih;
	struct boot_cpu_state cpu;
	char err[256];

	multiboot_probe(data, size);
	multiboot_parse_header(data, size, &ih, err, sizeof(err));
	if (multiboot_load(&kvm, data, size, &cpu, err, sizeof(err)) == 0 &&
	    (cpu.mode != BOOT_MODE_PROTECTED || cpu.rax != 0x2BADB002))
		abort();
	return 0;
}
