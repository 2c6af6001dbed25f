// SPDX-License-Identifier: GPL-2.0
/*
 * Multiboot v1 loader (Multiboot Specification 0.6.96): finds the header,
 * loads the image by its a.out-kludge addresses or its ELF program headers
 * (ELF32 or ELF64, at p_paddr), places the modules, and builds the boot
 * information structure at MULTIBOOT_INFO_GPA.
 *
 * Every input is hostile: the image, its header and the module files are
 * checked against the file size and guest RAM before a byte is copied.
 * The kernel may load below 1 MiB (kvm-unit-tests' real-mode test links at
 * 16 KiB) as long as it stays clear of what lkvm keeps there for it: the
 * boot GDT, this structure and the EBDA/ACPI/MP area from 0x9FC00 (see
 * mb_low_reserved). Modules go at or above 1 MiB.
 */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/x86/boot.h"
#include "hv/x86/elf_load.h"
#include "hv/x86/layout.h"
#include "hv/x86/multiboot.h"

#define MB_PAGE			0x1000ULL
#define MB_MAX_SEGMENTS		64	/* PT_LOADs; real kernels have a handful */
#define MB_LOADER_NAME		"lkvm"

/* Offset of the first valid header in @img, or -1 (spec 3.1.1). */
long multiboot_probe(const u8 *img, size_t len)
{
	size_t limit = MIN(len, (size_t)MB_SEARCH_LIMIT);

	if (!img || limit < MB_HEADER_BASE_SIZE)
		return -1;
	for (size_t off = 0; off + MB_HEADER_BASE_SIZE <= limit; off += MB_HEADER_ALIGN) {
		u32 magic = get_le32(img + off);

		if (magic != MB_HEADER_MAGIC)
			continue;
		if (magic + get_le32(img + off + 4) + get_le32(img + off + 8) == 0)
			return (long)off;
	}
	return -1;
}

/* The a.out-kludge address fields must describe one image inside the file. */
static int check_aout_fields(const struct mb_header *h, size_t hdr_off, size_t len,
			     char *err, size_t errlen)
{
	if (h->header_addr < h->load_addr)
		return set_err(err, errlen, "header_addr %#x is below load_addr %#x (flag 16 addresses)",
			       h->header_addr, h->load_addr);
	if (h->header_addr - h->load_addr > hdr_off)
		return set_err(err, errlen,
			       "header_addr %#x - load_addr %#x puts the load start before the file's start",
			       h->header_addr, h->load_addr);
	if (h->load_end_addr && h->load_end_addr < h->load_addr)
		return set_err(err, errlen, "load_end_addr %#x is below load_addr %#x",
			       h->load_end_addr, h->load_addr);
	if (h->load_end_addr) {
		size_t file_off = hdr_off - (h->header_addr - h->load_addr);

		if ((u64)h->load_end_addr - h->load_addr > len - file_off)
			return set_err(err, errlen,
				       "image truncated: load_addr %#x to load_end_addr %#x needs %u bytes from file offset %#zx, the file has %zu",
				       h->load_addr, h->load_end_addr, h->load_end_addr - h->load_addr,
				       file_off, len);
	}
	if (h->bss_end_addr && h->bss_end_addr < MAX(h->load_addr, h->load_end_addr))
		return set_err(err, errlen, "bss_end_addr %#x is below the end of the loaded data",
			       h->bss_end_addr);
	return 0;
}

int multiboot_parse_header(const u8 *img, size_t len, struct mb_image_header *out,
			   char *err, size_t errlen)
{
	struct mb_header *h = &out->hdr;
	long off = multiboot_probe(img, len);
	size_t have;
	u32 unknown;

	memset(out, 0, sizeof(*out));
	if (off < 0)
		return set_err(err, errlen,
			       "no multiboot header (magic %#x with a valid checksum) in the first %d bytes",
			       MB_HEADER_MAGIC, MB_SEARCH_LIMIT);
	out->offset = (size_t)off;
	have = MIN(len - (size_t)off, sizeof(*h));
	memcpy(h, img + off, have);

	if (h->flags & MB_FLAG_VIDEO_MODE)
		return set_err(err, errlen, "video mode requested (flag 2): not supported");
	unknown = h->flags & MB_FLAGS_REQUIRED_MASK & ~MB_FLAGS_KNOWN_REQUIRED;
	if (unknown)
		return set_err(err, errlen, "unsupported required flags %#x (bits 0-15 the loader must honour)",
			       unknown);
	if (!(h->flags & MB_FLAG_AOUT_KLUDGE)) {
		if (!elf_class(img, len))
			return set_err(err, errlen,
				       "flag 16 (a.out kludge addresses) is clear but the image is not ELF: no way to load it");
		return 0;
	}
	if (have < MB_HEADER_AOUT_SIZE)
		return set_err(err, errlen,
			       "header truncated: flag 16 needs %d bytes of header at offset %#lx, the file has %zu",
			       MB_HEADER_AOUT_SIZE, off, have);
	return check_aout_fields(h, (size_t)off, len, err, errlen);
}

/* Where the kernel landed: [start, end) in guest RAM and its entry point. */
struct mb_span {
	u64 start, end, entry;
};

/* What lkvm keeps below 1 MiB while a multiboot kernel starts: [start, end). */
static const struct mb_reserved {
	u64 start, end;
	const char *what;
} mb_low_reserved[] = {
	{ BOOT_GDT_GPA, BOOT_GDT_GPA + MB_PAGE, "lkvm's boot GDT" },
	{ MULTIBOOT_INFO_GPA, MULTIBOOT_INFO_GPA + MULTIBOOT_INFO_MAX,
	  "lkvm's multiboot information" },
	{ EBDA_GPA, BIOS_END, "the EBDA, ACPI and MP tables" },
};

/* Is [@start, @start + @size) in guest RAM, clear of mb_low_reserved? */
static int check_ram(const struct guest_mem *mem, u64 start, u64 size, const char *what,
		     char *err, size_t errlen)
{
	for (size_t i = 0; i < ARRAY_SIZE(mb_low_reserved); i++) {
		const struct mb_reserved *r = &mb_low_reserved[i];

		if (start < r->end && start + size > r->start && start + size >= start)
			return set_err(err, errlen,
				       "%s at %#llx-%#llx overlaps %s at %#llx-%#llx: link it within %#llx-%#llx or %#llx-%#llx, or at or above 1 MiB",
				       what, (unsigned long long)start,
				       (unsigned long long)(start + size),
				       r->what, (unsigned long long)r->start,
				       (unsigned long long)r->end, BOOT_GDT_GPA + MB_PAGE,
				       MULTIBOOT_INFO_GPA, MULTIBOOT_INFO_GPA + MULTIBOOT_INFO_MAX,
				       EBDA_GPA);
	}
	if (start + size < start || start + size > SZ_4G)
		return set_err(err, errlen, "%s at %#llx+%#llx goes past 4 GiB", what,
			       (unsigned long long)start, (unsigned long long)size);
	if (start + size > GUEST_PCI_HOLE_START)
		return set_err(err, errlen,
			       "%s at %#llx-%#llx reaches the PCI hole at %#llx, where there is no RAM",
			       what, (unsigned long long)start, (unsigned long long)(start + size),
			       GUEST_PCI_HOLE_START);
	if (!gpa_to_hva(mem, start, size))
		return set_err(err, errlen,
			       "load address %#llx outside guest RAM (use a larger -m): %s needs %#llx-%#llx",
			       (unsigned long long)start, what, (unsigned long long)start,
			       (unsigned long long)(start + size));
	return 0;
}

static int load_aout(const struct guest_mem *mem, const u8 *img, size_t len,
		     const struct mb_image_header *ih, struct mb_span *span, char *err, size_t errlen)
{
	const struct mb_header *h = &ih->hdr;
	size_t file_off = ih->offset - (h->header_addr - h->load_addr);
	u64 load_size = h->load_end_addr ? (u64)h->load_end_addr - h->load_addr : len - file_off;
	u64 end = h->bss_end_addr ? h->bss_end_addr : h->load_addr + load_size;
	u8 *dst;

	/* With load_end_addr 0 the data ends with the file: only now known. */
	if (end < h->load_addr + load_size)
		return set_err(err, errlen, "bss_end_addr %#x is below the end of the loaded data %#llx",
			       h->bss_end_addr, (unsigned long long)(h->load_addr + load_size));
	if (check_ram(mem, h->load_addr, end - h->load_addr, "image", err, errlen))
		return -1;
	if (h->entry_addr < h->load_addr || h->entry_addr - h->load_addr >= load_size)
		return set_err(err, errlen, "entry point %#x outside the image (%#x-%#llx)",
			       h->entry_addr, h->load_addr,
			       (unsigned long long)(h->load_addr + load_size));
	dst = gpa_to_hva(mem, h->load_addr, end - h->load_addr);
	memcpy(dst, img + file_off, load_size);
	memset(dst + load_size, 0, end - h->load_addr - load_size);
	*span = (struct mb_span){ h->load_addr, end, h->entry_addr };
	return 0;
}

/* PT_LOAD segments of an ELF32 or ELF64 image, checked (gABI 4.1 ch. 5). */
struct mb_segs {
	GElf_Phdr ph[MB_MAX_SEGMENTS];
	int n;
};

static int collect_segments(Elf *e, int cls, size_t len, const struct guest_mem *mem,
			    struct mb_segs *s, char *err, size_t errlen)
{
	size_t phnum, entsize = cls == 64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	GElf_Ehdr eh;

	if (!gelf_getehdr(e, &eh))
		return set_err(err, errlen, "ELF header: %s", elf_errmsg(-1));
	if (eh.e_machine != (cls == 64 ? EM_X86_64 : EM_386))
		return set_err(err, errlen, "ELF%d machine %u is not %s", cls, eh.e_machine,
			       cls == 64 ? "x86-64" : "i386");
	if (eh.e_phnum == PN_XNUM || eh.e_phoff > len ||
	    (eh.e_phnum && eh.e_phentsize != entsize) || eh.e_phnum > (len - eh.e_phoff) / entsize)
		return set_err(err, errlen, "ELF program headers lie outside the %zu-byte file", len);
	phnum = eh.e_phnum;
	s->n = 0;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph))
			return set_err(err, errlen, "ELF program header %zu: %s", i, elf_errmsg(-1));
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		if (s->n == MB_MAX_SEGMENTS)
			return set_err(err, errlen, "more than %d loadable segments", MB_MAX_SEGMENTS);
		if (ph.p_filesz > ph.p_memsz)
			return set_err(err, errlen, "segment %zu: file size %#llx above its memory size %#llx",
				       i, (unsigned long long)ph.p_filesz, (unsigned long long)ph.p_memsz);
		if (ph.p_filesz && (ph.p_offset > len || ph.p_filesz > len - ph.p_offset))
			return set_err(err, errlen, "segment %zu: data lies outside the %zu-byte file",
				       i, len);
		if (check_ram(mem, ph.p_paddr, ph.p_memsz, "segment", err, errlen))
			return -1;
		for (int j = 0; j < s->n; j++) {
			const GElf_Phdr *o = &s->ph[j];

			if (ph.p_paddr < o->p_paddr + o->p_memsz && o->p_paddr < ph.p_paddr + ph.p_memsz)
				return set_err(err, errlen,
					       "overlapping sections: segments at %#llx+%#llx and %#llx+%#llx",
					       (unsigned long long)o->p_paddr,
					       (unsigned long long)o->p_memsz,
					       (unsigned long long)ph.p_paddr,
					       (unsigned long long)ph.p_memsz);
		}
		s->ph[s->n++] = ph;
	}
	if (!s->n)
		return set_err(err, errlen, "ELF has no loadable (PT_LOAD) segment");
	return 0;
}

/* The entry as a physical address: e_entry in a segment's physical range,
 * or in its virtual range (translated). */
static int elf_entry(const struct mb_segs *s, u64 entry, u64 *phys)
{
	for (int i = 0; i < s->n; i++)
		if (entry >= s->ph[i].p_paddr && entry - s->ph[i].p_paddr < s->ph[i].p_filesz) {
			*phys = entry;
			return 0;
		}
	for (int i = 0; i < s->n; i++)
		if (entry >= s->ph[i].p_vaddr && entry - s->ph[i].p_vaddr < s->ph[i].p_filesz) {
			*phys = entry - s->ph[i].p_vaddr + s->ph[i].p_paddr;
			return 0;
		}
	return -1;
}

static int load_elf(const struct guest_mem *mem, const u8 *img, size_t len,
		    struct mb_span *span, char *err, size_t errlen)
{
	int cls = elf_class(img, len);
	struct mb_segs *s;
	GElf_Ehdr eh;
	Elf *e = NULL;
	u64 entry;
	int rc = -1;

	if (len < (cls == 64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)) || img[EI_DATA] != ELFDATA2LSB)
		return set_err(err, errlen, "ELF header truncated or not little-endian");
	if (elf_version(EV_CURRENT) == EV_NONE)
		return set_err(err, errlen, "libelf: %s", elf_errmsg(-1));
	/* libelf only reads a native-order image; it needs a non-const pointer. */
	e = elf_memory((char *)(uintptr_t)img, len);
	if (!e)
		return set_err(err, errlen, "ELF: %s", elf_errmsg(-1));
	s = xzalloc(sizeof(*s));
	if (!gelf_getehdr(e, &eh)) {
		set_err(err, errlen, "ELF header: %s", elf_errmsg(-1));
		goto out;
	}
	if (collect_segments(e, cls, len, mem, s, err, errlen))
		goto out;
	if (elf_entry(s, eh.e_entry, &entry) || entry >= SZ_4G) {
		set_err(err, errlen, "entry point %#llx outside the image",
			(unsigned long long)eh.e_entry);
		goto out;
	}
	span->start = UINT64_MAX;
	span->end = 0;
	for (int i = 0; i < s->n; i++) {
		const GElf_Phdr *ph = &s->ph[i];
		u8 *dst = gpa_to_hva(mem, ph->p_paddr, ph->p_memsz);

		/* p_offset was checked only where there is file data. */
		if (ph->p_filesz)
			memcpy(dst, img + ph->p_offset, ph->p_filesz);
		memset(dst + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
		span->start = MIN(span->start, ph->p_paddr);
		span->end = MAX(span->end, ph->p_paddr + ph->p_memsz);
	}
	span->entry = entry;
	rc = 0;
out:
	free(s);
	elf_end(e);
	return rc;
}

/* The info structure under construction: a host copy, placed at the end. */
struct mb_builder {
	u8 buf[MULTIBOOT_INFO_MAX];
	u32 used;
};

/* Reserve @size bytes (8-aligned) of the info area; returns the offset or
 * -1 if the 64 KiB are exhausted. */
static long mb_alloc(struct mb_builder *b, size_t size)
{
	u32 off = (u32)ALIGN_UP((u64)b->used, 8);

	if (size > MULTIBOOT_INFO_MAX - off)
		return -1;
	b->used = off + (u32)size;
	return off;
}

static u32 mb_gpa(long off)
{
	return (u32)(MULTIBOOT_INFO_GPA + (u64)off);
}

/* Copy a NUL-terminated string in; returns its GPA, or 0 if it does not fit. */
static u32 mb_add_string(struct mb_builder *b, const char *s)
{
	size_t n = strlen(s) + 1;
	long off = mb_alloc(b, n);

	if (off < 0)
		return 0;
	memcpy(b->buf + off, s, n);
	return mb_gpa(off);
}

/* The memory map lkvm also gives Linux (e820): low RAM below the EBDA,
 * the BIOS area reserved, RAM from 1 MiB, and the bank above 4 GiB. */
static void mb_add_mmap(struct mb_builder *b, const struct guest_mem *mem, struct mb_info *info)
{
	struct mb_mmap_entry e[4];
	int n = 0;
	u64 low = mem->banks[0].size;
	long off;

	e[n++] = (struct mb_mmap_entry){ .base_addr = 0, .length = MIN(low, EBDA_GPA),
					 .type = MB_MMAP_AVAILABLE };
	e[n++] = (struct mb_mmap_entry){ .base_addr = EBDA_GPA, .length = BIOS_END - EBDA_GPA,
					 .type = MB_MMAP_RESERVED };
	if (low > BIOS_END)
		e[n++] = (struct mb_mmap_entry){ .base_addr = BIOS_END, .length = low - BIOS_END,
						 .type = MB_MMAP_AVAILABLE };
	if (mem->nr_banks > 1)
		e[n++] = (struct mb_mmap_entry){ .base_addr = mem->banks[1].gpa,
						 .length = mem->banks[1].size,
						 .type = MB_MMAP_AVAILABLE };
	for (int i = 0; i < n; i++)
		e[i].size = sizeof(e[i]) - sizeof(e[i].size);
	off = mb_alloc(b, sizeof(e[0]) * n);	/* the first allocation after the info: fits */
	memcpy(b->buf + off, e, sizeof(e[0]) * n);
	info->mmap_addr = mb_gpa(off);
	info->mmap_length = (u32)(sizeof(e[0]) * n);
	info->mem_lower = (u32)(MIN(low, EBDA_GPA) >> 10);
	info->mem_upper = low > BIOS_END ? (u32)((low - BIOS_END) >> 10) : 0;
	info->flags |= MB_INFO_MEMORY | MB_INFO_MMAP;
}

/* "IMAGE PARAMS", the way GRUB and QEMU pass it: the first word is the
 * image, so test kernels that skip argv[0] (kvm-unit-tests) see the same
 * arguments under both. */
static int mb_add_cmdline(struct mb_builder *b, const struct vm_config *cfg, struct mb_info *info,
			  char *err, size_t errlen)
{
	const char *image = cfg->kernel ? cfg->kernel : "";
	const char *params = cfg->params ? cfg->params : "";
	char *line;
	int ret;

	if (asprintf(&line, "%s%s%s", image, *params ? " " : "", params) < 0)
		return set_err(err, errlen, "out of memory");
	info->cmdline = mb_add_string(b, line);
	ret = info->cmdline ? 0 : set_err(err, errlen,
					  "command line of %zu bytes does not fit in the %llu KiB info area",
					  strlen(line), MULTIBOOT_INFO_MAX >> 10);
	free(line);
	info->flags |= MB_INFO_CMDLINE;
	return ret;
}

/* Load each module file page-aligned from @next, below the top of low RAM. */
static int mb_add_modules(struct mb_builder *b, const struct guest_mem *mem,
			  const struct vm_config *cfg, u64 next, struct mb_info *info,
			  char *err, size_t errlen)
{
	int n = cfg->nr_modules;
	u64 top = mem->banks[0].size;
	struct mb_module *mods;
	long off;

	if (n < 0 || n > MAX_MODULES)
		return set_err(err, errlen, "%d modules: at most %d", n, MAX_MODULES);
	off = mb_alloc(b, sizeof(*mods) * (size_t)(n ? n : 1));
	if (off < 0)
		return set_err(err, errlen, "no room for the module list");
	info->mods_addr = mb_gpa(off);
	info->mods_count = (u32)n;
	info->flags |= MB_INFO_MODS;
	for (int i = 0; i < n; i++) {
		const struct boot_module *m = &cfg->modules[i];
		struct mb_module rec = { 0 };
		size_t len;
		u8 *data;

		next = ALIGN_UP(next, MB_PAGE);
		data = read_file(m->path, &len);
		if (!data)
			return set_err(err, errlen, "cannot read module '%s': %s", m->path,
				       strerror(errno));
		if (next > top || len > top - next) {
			set_err(err, errlen,
				"module '%s' (%zu bytes) does not fit in guest RAM below %#llx (use a larger -m)",
				m->path, len, (unsigned long long)top);
			free(data);
			return -1;
		}
		guest_write(mem, next, data, len);
		free(data);
		rec.mod_start = (u32)next;
		rec.mod_end = (u32)(next + len);
		rec.string = mb_add_string(b, m->string ? m->string : m->path);
		if (!rec.string)
			return set_err(err, errlen, "module strings do not fit in the %llu KiB info area",
				       MULTIBOOT_INFO_MAX >> 10);
		/* The list was allocated before the strings; @off stays valid. */
		memcpy(b->buf + off + i * sizeof(rec), &rec, sizeof(rec));
		next += len;
	}
	return 0;
}

int multiboot_load(struct kvm *kvm, const u8 *img, size_t len,
		   struct boot_cpu_state *cpu, char *err, size_t errlen)
{
	const struct guest_mem *mem = &kvm->mem;
	struct mb_image_header ih;
	struct mb_builder *b;
	struct mb_info info = { 0 };
	struct mb_span span = { 0 };
	long off;
	int rc = -1;

	if (multiboot_parse_header(img, len, &ih, err, errlen))
		return -1;
	if (ih.hdr.flags & MB_FLAG_AOUT_KLUDGE) {
		if (load_aout(mem, img, len, &ih, &span, err, errlen))
			return -1;
	} else if (load_elf(mem, img, len, &span, err, errlen)) {
		return -1;
	}
	if (!gpa_to_hva(mem, MULTIBOOT_INFO_GPA, MULTIBOOT_INFO_MAX))
		return set_err(err, errlen, "guest RAM too small for the multiboot information");

	b = xzalloc(sizeof(*b));
	off = mb_alloc(b, sizeof(info));	/* at MULTIBOOT_INFO_GPA itself */
	mb_add_mmap(b, mem, &info);
	if (mb_add_cmdline(b, kvm->cfg, &info, err, errlen) ||
	    mb_add_modules(b, mem, kvm->cfg, MAX(span.end, BIOS_END), &info, err, errlen))
		goto out;
	info.boot_loader_name = mb_add_string(b, MB_LOADER_NAME);
	if (info.boot_loader_name)
		info.flags |= MB_INFO_LOADER_NAME;
	memcpy(b->buf + off, &info, sizeof(info));
	guest_write(mem, MULTIBOOT_INFO_GPA, b->buf, b->used);

	memset(cpu, 0, sizeof(*cpu));
	cpu->mode = BOOT_MODE_PROTECTED;
	cpu->rip = span.entry;
	cpu->rax = MB_BOOTLOADER_MAGIC;
	cpu->rbx = MULTIBOOT_INFO_GPA;
	rc = 0;
out:
	free(b);
	return rc;
}
