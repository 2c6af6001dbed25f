// SPDX-License-Identifier: GPL-2.0
/*
 * ELF64 x86-64 loader with libelf (gABI 4.1 chapter 5, "Program Loading").
 * Every segment is validated before the first byte is copied, so a bad
 * image leaves guest RAM untouched.
 */
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hv/x86/elf_load.h"

int elf_class(const u8 *buf, size_t len)
{
	if (!buf || len <= EI_CLASS || memcmp(buf, ELFMAG, SELFMAG))
		return 0;
	switch (buf[EI_CLASS]) {
	case ELFCLASS32: return 32;
	case ELFCLASS64: return 64;
	default: return 0;
	}
}

/* Does [@start, @start + @size) contain @addr? Overflow-safe. */
static bool range_has(u64 start, u64 size, u64 addr)
{
	return addr >= start && addr - start < size;
}

/* Why a segment has no place in guest RAM, phrased for the user. */
static int seg_misfit(const struct guest_mem *mem, size_t i, const GElf_Phdr *ph,
		      char *err, size_t errlen)
{
	u64 start = ph->p_paddr, size = ph->p_memsz;
	bool wraps = start + size < start;

	if (!wraps && start < GUEST_PCI_HOLE_END && start + size > GUEST_PCI_HOLE_START)
		return set_err(err, errlen,
			       "segment %zu at %#llx+%#llx overlaps the PCI hole at %#llx-%#llx, where there is no RAM",
			       i, (unsigned long long)start, (unsigned long long)size,
			       GUEST_PCI_HOLE_START, GUEST_PCI_HOLE_END);
	return set_err(err, errlen,
		       "segment %zu at %#llx+%#llx does not fit in %llu MiB of guest RAM: use a larger -m",
		       i, (unsigned long long)start, (unsigned long long)size,
		       (unsigned long long)(mem->ram_size >> 20));
}

/* The checks gABI and our memory impose on one PT_LOAD header; it must
 * not overlap [@avoid, @avoid + @avoid_size) either. */
static int seg_check(const struct guest_mem *mem, size_t i, const GElf_Phdr *ph, size_t len,
		     u64 avoid, u64 avoid_size, char *err, size_t errlen)
{
	if (ph->p_filesz > ph->p_memsz)
		return set_err(err, errlen, "segment %zu: p_filesz %#llx is larger than p_memsz %#llx",
			       i, (unsigned long long)ph->p_filesz, (unsigned long long)ph->p_memsz);
	if (ph->p_filesz && (ph->p_offset > len || ph->p_filesz > len - ph->p_offset))
		return set_err(err, errlen,
			       "segment %zu: data at file offset %#llx+%#llx lies outside the %zu-byte file",
			       i, (unsigned long long)ph->p_offset, (unsigned long long)ph->p_filesz, len);
	if (mem && !gpa_to_hva(mem, ph->p_paddr, ph->p_memsz))
		return seg_misfit(mem, i, ph, err, errlen);
	/* in RAM, so p_paddr + p_memsz does not wrap */
	if (avoid_size && ph->p_paddr < avoid + avoid_size && avoid < ph->p_paddr + ph->p_memsz)
		return set_err(err, errlen,
			       "segment %zu at %#llx+%#llx overlaps the guest RAM at %#llx+%#llx where it was decompressed",
			       i, (unsigned long long)ph->p_paddr, (unsigned long long)ph->p_memsz,
			       (unsigned long long)avoid, (unsigned long long)avoid_size);
	return 0;
}

int elf_load(const struct guest_mem *mem, const u8 *elf, size_t len, struct elf_image *img,
	     char *err, size_t errlen)
{
	return elf_load_opts(mem, elf, len, NULL, img, err, errlen);
}

/* Copies go in pieces of this size, each reported to opts->copied. */
#define COPY_PIECE (1U << 20)

int elf_load_opts(const struct guest_mem *mem, const u8 *elf, size_t len,
		  const struct elf_load_opts *opts, struct elf_image *img, char *err, size_t errlen)
{
	u64 avoid = opts ? opts->avoid : 0, avoid_size = opts ? opts->avoid_size : 0;
	GElf_Ehdr eh;
	GElf_Phdr ph;
	size_t phnum, nload = 0;
	u64 entry = 0, lo = UINT64_MAX, hi = 0;
	bool entry_found = false;
	Elf *e = NULL;
	int cls, rc = -1;

	memset(img, 0, sizeof(*img));
	cls = elf_class(elf, len);
	if (!cls)
		return set_err(err, errlen, "not an ELF file");
	if (cls != 64)
		return set_err(err, errlen, "ELF%d image: lkvm loads 64-bit (ELFCLASS64) x86-64 images only", cls);
	if (len < sizeof(Elf64_Ehdr))
		return set_err(err, errlen, "ELF file truncated: %zu bytes, the ELF header alone is %zu",
			       len, sizeof(Elf64_Ehdr));
	if (elf[EI_DATA] != ELFDATA2LSB)
		return set_err(err, errlen, "not a little-endian ELF file");

	if (elf_version(EV_CURRENT) == EV_NONE)
		return set_err(err, errlen, "libelf: %s", elf_errmsg(-1));
	/*
	 * libelf wants a writable image but only reads it: for a native-order
	 * (little-endian on this x86 host) file it converts nothing in place.
	 */
	e = elf_memory((char *)(uintptr_t)elf, len);
	if (!e)
		return set_err(err, errlen, "ELF: %s", elf_errmsg(-1));
	if (!gelf_getehdr(e, &eh)) {
		set_err(err, errlen, "ELF header: %s", elf_errmsg(-1));
		goto out;
	}
	if (eh.e_machine != EM_X86_64) {
		set_err(err, errlen, "ELF machine %u is not x86-64 (EM_X86_64)", eh.e_machine);
		goto out;
	}
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
		set_err(err, errlen, "ELF type %u is not an executable", eh.e_type);
		goto out;
	}
	if (elf_getphdrnum(e, &phnum)) {
		set_err(err, errlen, "ELF program headers: %s", elf_errmsg(-1));
		goto out;
	}
	/* libelf silently reports fewer headers for a truncated table. */
	if (eh.e_phnum != PN_XNUM)
		phnum = eh.e_phnum;
	if (eh.e_phoff > len || (phnum && eh.e_phentsize != sizeof(Elf64_Phdr)) ||
	    phnum > (len - eh.e_phoff) / sizeof(Elf64_Phdr)) {
		set_err(err, errlen, "ELF program headers (%zu at file offset %#llx) lie outside the %zu-byte file",
			phnum, (unsigned long long)eh.e_phoff, len);
		goto out;
	}

	/* Pass 1: validate every segment and find the span and the entry. */
	for (size_t i = 0; i < phnum; i++) {
		if (!gelf_getphdr(e, (int)i, &ph)) {
			set_err(err, errlen, "ELF program header %zu: %s", i, elf_errmsg(-1));
			goto out;
		}
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		if (seg_check(mem, i, &ph, len, avoid, avoid_size, err, errlen))
			goto out;
		nload++;
		lo = MIN(lo, ph.p_paddr);
		hi = MAX(hi, ph.p_paddr + ph.p_memsz);
		if (range_has(ph.p_paddr, ph.p_memsz, eh.e_entry)) {
			entry = eh.e_entry;
			entry_found = true;
		}
	}
	if (!nload) {
		set_err(err, errlen, "ELF has no loadable (PT_LOAD) segment");
		goto out;
	}
	/* Not physical: a kernel virtual address, translated by its segment. */
	for (size_t i = 0; i < phnum && !entry_found; i++) {
		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (ph.p_memsz && range_has(ph.p_vaddr, ph.p_memsz, eh.e_entry)) {
			entry = eh.e_entry - ph.p_vaddr + ph.p_paddr;
			entry_found = true;
		}
	}
	if (!entry_found) {
		set_err(err, errlen, "ELF entry point %#llx is outside every loadable segment",
			(unsigned long long)eh.e_entry);
		goto out;
	}

	/* Pass 2: copy; every range was checked in pass 1. */
	for (size_t i = 0; mem && i < phnum; i++) {
		u8 *dst;

		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		dst = gpa_to_hva(mem, ph.p_paddr, ph.p_memsz);
		for (u64 off = 0; off < ph.p_filesz; off += COPY_PIECE) {
			size_t n = (size_t)MIN((u64)COPY_PIECE, ph.p_filesz - off);

			memcpy(dst + off, elf + ph.p_offset + off, n);
			if (opts && opts->copied)
				opts->copied(opts->arg, elf + ph.p_offset + off, n);
		}
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
	}
	img->entry = entry;
	img->load_start = lo;
	img->load_end = hi;
	rc = 0;
out:
	elf_end(e);
	return rc;
}
