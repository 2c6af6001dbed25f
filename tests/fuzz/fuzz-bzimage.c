// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel loading as lkvm run -k FILE does it (hv/x86/boot.c boot_load),
 * with host decompression, the default: the file classified as a bzImage,
 * a vmlinux ELF or a multiboot image; for a bzImage the setup header
 * (hv/x86/bzimage.c), the payload's format detected and decompressed
 * straight into guest RAM above the kernel (util/decompress.c
 * decompress_into: gzip, bzip2, lzma, xz, lz4, zstd, or none), the vmlinux
 * checked while it streams and its segments loaded (hv/x86/elf_load.c),
 * then boot_params, the e820 map and the command line. Source:
 * Documentation/arch/x86/boot.rst.
 *
 * Input: the kernel file (held in a memfd that boot_load maps by its
 * /proc/self/fd path), loaded into a 64 MiB guest. Checked: a loaded
 * kernel's entry lies in guest RAM, no sanitizer report, a bomb never
 * costs more than -rss_limit_mb.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv/kvm.h"
#include "hv/x86/boot.h"
#include "tests/fuzz/fuzz.h"

#define RAM_SIZE	(64ULL << 20)

static struct vm_config cfg = {
	.params = "console=ttyS0",
	.symbols = "/dev/null",		/* no System.map search per input */
	.ram_size = RAM_SIZE,
	.nr_cpus = 1,
	.host_decompress = true,
};
static struct kvm kvm = { .vm_fd = -1, .sys_fd = -1, .cfg = &cfg };
static char path[64];
static int fd;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_level = LOG_ERROR;
	fd = memfd_create("fuzz-kernel", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	cfg.kernel = path;
	guest_mem_layout(&kvm.mem, calloc(1, RAM_SIZE), RAM_SIZE);
	return 0;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct boot_cpu_state cpu = { 0 };

	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	if (boot_load(&kvm, &cpu) == 0 && cpu.rip >= RAM_SIZE)
		abort();
	return 0;
}
