// SPDX-License-Identifier: GPL-2.0
/*
 * bzImage loading as lkvm run does it with host decompression (the
 * default): the setup header (hv/x86/bzimage.c), the payload's format
 * detected and decompressed on the host (util/decompress.c: gzip, bzip2,
 * lzma, xz, lz4, zstd, or none) with the output capped at guest RAM, and
 * the vmlinux ELF inside loaded into guest RAM (hv/x86/elf_load.c); then
 * the protected-mode kernel copied as for in-guest decompression. Source:
 * Documentation/arch/x86/boot.rst.
 *
 * Input: a bzImage file. Checked: every part bzimage_parse returns lies
 * inside the file, the decompressed size respects the cap, no sanitizer
 * report, no more memory than -rss_limit_mb.
 */
#include <stdlib.h>

#include "hv/guest_mem.h"
#include "hv/x86/bzimage.h"
#include "hv/x86/elf_load.h"
#include "tests/fuzz/fuzz.h"
#include "util/decompress.h"

#define RAM_SIZE	(64ULL << 20)	/* guest RAM, and the decompression cap */

static u8 *ram;
static struct guest_mem mem;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_level = LOG_ERROR;
	ram = calloc(1, RAM_SIZE);
	guest_mem_layout(&mem, ram, RAM_SIZE);
	return 0;
}

static bool inside(const u8 *p, size_t l, const u8 *buf, size_t len)
{
	return p >= buf && p <= buf + len && l <= (size_t)(buf + len - p);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct bzimage bz;
	struct elf_image img;
	char err[256];
	u8 *vmlinux = NULL;
	size_t vlen = 0;

	if (bzimage_parse(data, size, &bz, err, sizeof(err)) < 0)
		return 0;
	if (!inside(bz.setup, bz.setup_size, data, size) || !inside(bz.pm, bz.pm_size, data, size) ||
	    !inside(bz.payload, bz.payload_size, data, size))
		abort();
	compression_name(compression_detect(bz.payload, bz.payload_size));
	if (decompress(bz.payload, bz.payload_size, RAM_SIZE, &vmlinux, &vlen, err,
		       sizeof(err)) == 0) {
		if (vlen > RAM_SIZE)
			abort();
		elf_load(&mem, vmlinux, vlen, &img, err, sizeof(err));
		free(vmlinux);
	} else if (vmlinux) {
		abort();	/* documented: *out is NULL on failure */
	}
	guest_write(&mem, 0x100000, bz.pm, bz.pm_size);
	return 0;
}
