/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading an x86-64 ELF executable (a Linux vmlinux, or a test guest) into
 * guest RAM by its program headers. Source: System V ABI gABI 4.1 chapter 5
 * ("Program Loading"), x86-64 psABI 1.0 for EM_X86_64.
 */
#ifndef LKVM_X86_ELF_LOAD_H
#define LKVM_X86_ELF_LOAD_H

#include <stddef.h>

#include "hv/guest_mem.h"
#include "util/util.h"

/*
 * struct elf_image - where an ELF landed. All values are guest physical
 * addresses (from p_paddr): @entry the entry point, [@load_start,
 * @load_end) the span covered by PT_LOAD segments (end exclusive).
 */
struct elf_image {
	u64 entry;
	u64 load_start;
	u64 load_end;
};

/*
 * elf_load - copy every PT_LOAD segment of @elf (@len bytes, hostile) to its
 * p_paddr in guest RAM, zero-filling p_memsz beyond p_filesz (the bss).
 * The entry is e_entry; if it is a virtual address (inside a segment's
 * [p_vaddr, p_vaddr + p_memsz) and in no segment's physical range) it is
 * translated through that segment.
 * @mem: guest RAM; every segment must lie inside one bank. NULL checks the
 *       image only (headers, segments inside the file) and copies nothing.
 * @img: out. @err, @errlen: out, a one-line reason on failure.
 * Errors: not ELF, not ELFCLASS64 little-endian EM_X86_64, no PT_LOAD,
 * p_filesz > p_memsz, data outside the file, a segment outside guest RAM,
 * an entry outside every segment. Segments already copied stay in RAM.
 * Returns 0, or -1 with @err set.
 */
int elf_load(const struct guest_mem *mem, const u8 *elf, size_t len, struct elf_image *img,
	     char *err, size_t errlen);

/* How elf_load_opts() differs from elf_load(). */
struct elf_load_opts {
	/* @elf itself lies in guest RAM at [avoid, avoid + avoid_size) (GPAs):
	 * a segment that would overlap it is refused before anything is
	 * copied. avoid_size 0 checks nothing. */
	u64 avoid, avoid_size;
	/* Called after each piece (at most 1 MiB) of @elf is copied, with the
	 * piece's source, e.g. to drop the pages of a mapped file. May be NULL. */
	void (*copied)(void *arg, const u8 *src, size_t n);
	void *arg;
};

/* elf_load_opts - elf_load() with @opts (NULL: none). Same returns. */
int elf_load_opts(const struct guest_mem *mem, const u8 *elf, size_t len,
		  const struct elf_load_opts *opts, struct elf_image *img, char *err, size_t errlen);

/*
 * elf_class - is @buf (@len bytes) an ELF file (gABI 4.1 "ELF
 * Identification")? Returns 64 for ELFCLASS64, 32 for ELFCLASS32, 0 if it
 * is not ELF or the class byte is invalid.
 */
int elf_class(const u8 *buf, size_t len);

#endif
