// SPDX-License-Identifier: GPL-2.0
/*
 * Multiboot v1 loader: header search and checks, a.out-kludge and ELF32 /
 * ELF64 loading into a fake guest RAM, and the information structure
 * (Multiboot Specification 0.6.96 sections 3.1-3.3). No /dev/kvm needed:
 * multiboot_load only uses kvm->mem and kvm->cfg.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv/kvm.h"
#include "hv/x86/boot.h"
#include "hv/x86/layout.h"
#include "hv/x86/multiboot.h"
#include "tests/tap.h"

#define LOAD	0x100000u

static char err[512];

/* A fake VM: @mib MiB of anonymous, lazily backed RAM. */
struct fake_vm {
	struct kvm kvm;
	struct vm_config cfg;
	u8 *ram;
	u64 size;
};

static void vm_new(struct fake_vm *v, u64 mib)
{
	memset(v, 0, sizeof(*v));
	v->size = mib << 20;
	v->ram = mmap(NULL, v->size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (v->ram == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	guest_mem_layout(&v->kvm.mem, v->ram, v->size);
	v->cfg.kernel = "/images/test.elf";
	v->kvm.cfg = &v->cfg;
}

static void vm_free(struct fake_vm *v)
{
	munmap(v->ram, v->size);
}

static void put32(u8 *p, u32 v)
{
	memcpy(p, &v, 4);
}

/* Write a header at @off of @img: magic, @flags, checksum, then 5 words. */
static void put_header(u8 *img, size_t off, u32 flags, const u32 aout[5])
{
	put32(img + off, MB_HEADER_MAGIC);
	put32(img + off + 4, flags);
	put32(img + off + 8, -(MB_HEADER_MAGIC + flags));
	for (int i = 0; aout && i < 5; i++)
		put32(img + off + 12 + 4 * i, aout[i]);
}

/* An a.out-kludge image of @len bytes loaded at LOAD, header at 0x40,
 * entry at 0x80, with @bss bytes of bss; byte i of the file is (u8)i. */
static u8 *aout_image(size_t len, u32 bss, u32 flags)
{
	u8 *img = malloc(len);
	u32 a[5] = { LOAD + 0x40, LOAD, LOAD + (u32)len, LOAD + (u32)len + bss, LOAD + 0x80 };

	for (size_t i = 0; i < len; i++)
		img[i] = (u8)i;
	put_header(img, 0x40, flags | MB_FLAG_AOUT_KLUDGE, a);
	return img;
}

static void test_probe(void)
{
	u8 img[16384] = { 0 };

	put_header(img, 0, 0, NULL);
	is_int(multiboot_probe(img, sizeof(img)), 0, "probe: header at offset 0");
	is_int(multiboot_probe(img, 11), -1, "probe: truncated file (11 bytes) has no header");
	memset(img, 0, 16);
	put_header(img, 4096, 0, NULL);
	is_int(multiboot_probe(img, sizeof(img)), 4096, "probe: header at 4 KiB");
	memset(img + 4096, 0, 16);
	put_header(img, 8180, 0, NULL);
	is_int(multiboot_probe(img, sizeof(img)), 8180, "probe: header ending at 8 KiB exactly");
	memset(img + 8180, 0, 16);
	put_header(img, 8184, 0, NULL);
	is_int(multiboot_probe(img, sizeof(img)), -1, "probe: header crossing 8 KiB is not found");
	memset(img + 8184, 0, 16);
	put_header(img, 8192, 0, NULL);
	is_int(multiboot_probe(img, sizeof(img)), -1, "probe: header past 8 KiB is not found");
	memset(img + 8192, 0, 16);
	put_header(img, 2, 0, NULL);
	is_int(multiboot_probe(img, sizeof(img)), -1, "probe: misaligned header is not found");
	memset(img, 0, 16);
	put_header(img, 0, 0, NULL);
	put32(img + 8, 0x12345678);
	is_int(multiboot_probe(img, sizeof(img)), -1, "probe: bad checksum is refused");
	is_int(multiboot_probe(NULL, 0), -1, "probe: empty input");
}

/* Parse @img and check the error mentions @want (NULL: success expected). */
static void parse_case(const u8 *img, size_t len, const char *want, const char *name)
{
	struct mb_image_header ih;
	int rc = multiboot_parse_header(img, len, &ih, err, sizeof(err));

	if (!want) {
		ok(rc == 0, "%s", name);
		if (rc)
			diag("error: %s", err);
		return;
	}
	ok(rc == -1 && strstr(err, want), "%s", name);
	if (rc != -1 || !strstr(err, want))
		diag("rc %d, error \"%s\", want \"%s\"", rc, rc ? err : "", want);
}

static void test_parse(void)
{
	u8 *img = aout_image(0x200, 0x100, MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO);
	u8 small[64] = { 0 };
	u32 a[5];

	parse_case(img, 0x200, NULL, "parse: valid a.out-kludge header");
	parse_case(img, 0x48, "no multiboot header", "parse: file cut inside the header");
	parse_case(img, 0x50, "header truncated", "parse: file cut inside the address fields");
	put_header(img, 0x40, MB_FLAG_AOUT_KLUDGE | MB_FLAG_VIDEO_MODE, NULL);
	parse_case(img, 0x200, "video mode requested (flag 2): not supported", "parse: video flag refused");
	put_header(img, 0x40, MB_FLAG_AOUT_KLUDGE | (1u << 5), NULL);
	parse_case(img, 0x200, "unsupported required flags 0x20", "parse: unknown required flag refused");
	put_header(img, 0x40, MB_FLAG_AOUT_KLUDGE | (1u << 20), NULL);
	parse_case(img, 0x200, NULL, "parse: unknown optional flag ignored");

	put_header(small, 0, MB_FLAG_MEMORY_INFO, NULL);
	parse_case(small, sizeof(small), "not ELF", "parse: no flag 16 and not ELF conflict");

	a[0] = LOAD + 0x40; a[1] = LOAD + 0x80; a[2] = 0; a[3] = 0; a[4] = LOAD + 0x80;
	put_header(img, 0x40, MB_FLAG_AOUT_KLUDGE, a);
	parse_case(img, 0x200, "header_addr", "parse: header_addr below load_addr");
	a[0] = LOAD + 0x1000; a[1] = LOAD;
	put_header(img, 0x40, MB_FLAG_AOUT_KLUDGE, a);
	parse_case(img, 0x200, "before the file's start", "parse: load start before the file");
	a[0] = LOAD + 0x40; a[2] = LOAD - 1;
	put_header(img, 0x40, MB_FLAG_AOUT_KLUDGE, a);
	parse_case(img, 0x200, "load_end_addr", "parse: load_end_addr below load_addr");
	a[2] = LOAD + 0x400;
	put_header(img, 0x40, MB_FLAG_AOUT_KLUDGE, a);
	parse_case(img, 0x200, "image truncated", "parse: load_end_addr past the file's end");
	a[2] = LOAD + 0x200; a[3] = LOAD + 0x100;
	put_header(img, 0x40, MB_FLAG_AOUT_KLUDGE, a);
	parse_case(img, 0x200, "bss_end_addr", "parse: bss_end_addr below load_end_addr");
	free(img);
}

static int load(struct fake_vm *v, const u8 *img, size_t len, struct boot_cpu_state *cpu)
{
	int rc = multiboot_load(&v->kvm, img, len, cpu, err, sizeof(err));

	if (rc)
		diag("multiboot_load: %s", err);
	return rc;
}

static void load_fails(struct fake_vm *v, const u8 *img, size_t len, const char *want,
		       const char *name)
{
	struct boot_cpu_state cpu;
	int rc = multiboot_load(&v->kvm, img, len, &cpu, err, sizeof(err));

	ok(rc == -1 && strstr(err, want), "%s", name);
	if (rc != -1 || !strstr(err, want))
		diag("rc %d, error \"%s\", want \"%s\"", rc, rc ? err : "", want);
}

static void test_aout(void)
{
	struct fake_vm v;
	struct boot_cpu_state cpu;
	u8 *img = aout_image(0x3000, 0x2000, MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO);
	const u8 *ram;
	u32 a[5] = { LOAD + 0x40, LOAD, LOAD + 0x3000, LOAD + 0x5000, LOAD + 0x80 };
	int good = 1;

	vm_new(&v, 16);
	memset(v.ram + LOAD, 0xaa, 0x10000);
	ok(load(&v, img, 0x3000, &cpu) == 0, "a.out: image loads");
	ram = v.ram + LOAD;
	for (int i = 0; i < 0x3000; i++)
		good &= ram[i] == (u8)i || (i >= 0x40 && i < 0x60);
	ok(good && !memcmp(ram + 0x40, img + 0x40, 32), "a.out: file bytes at load_addr");
	good = 1;
	for (int i = 0x3000; i < 0x5000; i++)
		good &= ram[i] == 0;
	ok(good, "a.out: bss zeroed up to bss_end_addr");
	is_int(ram[0x5000], 0xaa, "a.out: nothing written past bss_end_addr");
	is_int(cpu.mode, BOOT_MODE_PROTECTED, "cpu: 32-bit protected mode");
	is_int(cpu.rip, LOAD + 0x80, "cpu: rip = entry_addr");
	is_int(cpu.rax, 0x2BADB002, "cpu: eax = 0x2BADB002");
	is_int(cpu.rbx, MULTIBOOT_INFO_GPA, "cpu: ebx = info structure");

	/* load_end_addr 0: load to the end of the file; bss_end 0: no bss. */
	a[2] = 0; a[3] = 0;
	put_header(img, 0x40, MB_FLAG_AOUT_KLUDGE, a);
	memset(v.ram + LOAD, 0xaa, 0x10000);
	ok(load(&v, img, 0x2000, &cpu) == 0 && v.ram[LOAD + 0x1fff] == 0xff &&
	   v.ram[LOAD + 0x2000] == 0xaa, "a.out: load_end_addr 0 loads the whole file");

	a[3] = LOAD + 0x1000;	/* bss end inside the file's data */
	put_header(img, 0x40, MB_FLAG_AOUT_KLUDGE, a);
	load_fails(&v, img, 0x2000, "bss_end_addr 0x101000 is below the end of the loaded data",
		   "a.out: bss_end_addr inside the data loaded to the file's end");
	a[3] = 0;
	a[4] = LOAD + 0x2000;
	put_header(img, 0x40, MB_FLAG_AOUT_KLUDGE, a);
	load_fails(&v, img, 0x2000, "entry point 0x102000 outside the image", "a.out: entry outside");

	a[0] = 0x4000040; a[1] = 0x4000000; a[4] = 0x4000080;
	put_header(img, 0x40, MB_FLAG_AOUT_KLUDGE, a);
	load_fails(&v, img, 0x2000, "load address 0x4000000 outside guest RAM (use a larger -m)",
		   "a.out: load address past the end of RAM");
	/* Below 1 MiB: allowed where lkvm keeps nothing (real-mode tests). */
	a[0] = 0x4040; a[1] = 0x4000; a[2] = 0; a[3] = 0x8000; a[4] = 0x4080;
	put_header(img, 0x40, MB_FLAG_AOUT_KLUDGE, a);
	memset(v.ram + 0x4000, 0xaa, 0x5000);
	ok(load(&v, img, 0x2000, &cpu) == 0 && cpu.rip == 0x4080 && v.ram[0x5fff] == 0xff &&
	   v.ram[0x6000] == 0 && v.ram[0x8000] == 0xaa,
	   "a.out: loads at 0x4000, below 1 MiB, clear of lkvm's tables");
	a[0] = 0x1040; a[1] = 0x1000; a[3] = 0; a[4] = 0x1080;
	put_header(img, 0x40, MB_FLAG_AOUT_KLUDGE, a);
	load_fails(&v, img, 0x2000, "overlaps lkvm's boot GDT at 0x1000-0x2000",
		   "a.out: over the boot GDT: refused, naming it");
	a[0] = 0x2f040; a[1] = 0x2f000; a[4] = 0x2f080;
	put_header(img, 0x40, MB_FLAG_AOUT_KLUDGE, a);
	load_fails(&v, img, 0x2000, "image at 0x2f000-0x31000 overlaps lkvm's multiboot information at 0x30000-0x40000",
		   "a.out: into the multiboot information: refused, naming it");
	a[0] = 0x9f040; a[1] = 0x9f000; a[4] = 0x9f080;
	put_header(img, 0x40, MB_FLAG_AOUT_KLUDGE, a);
	load_fails(&v, img, 0x2000, "overlaps the EBDA, ACPI and MP tables at 0x9fc00-0x100000",
		   "a.out: into the EBDA: refused, naming it");
	free(img);
	vm_free(&v);
}

/* A minimal ELF (class @cls) with @n PT_LOADs; segment i: file bytes
 * [0x1000 * (i + 1), +0x100) of value 0x11 * (i + 1), loaded at paddr[i],
 * memsz 0x200. A multiboot header (flags 3) opens segment 0. */
static u8 *elf_image(int cls, int n, const u64 *paddr, u64 entry, size_t *len)
{
	size_t size = 0x1000 * (size_t)(n + 1);
	u8 *img = calloc(1, size);

	for (int i = 0; i < n; i++)
		memset(img + 0x1000 * (i + 1), 0x11 * (i + 1), 0x100);
	put_header(img, 0x1000, MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO, NULL);
	memcpy(img, ELFMAG, SELFMAG);
	img[EI_CLASS] = cls == 64 ? ELFCLASS64 : ELFCLASS32;
	img[EI_DATA] = ELFDATA2LSB;
	img[EI_VERSION] = EV_CURRENT;
	if (cls == 32) {
		Elf32_Ehdr *eh = (Elf32_Ehdr *)img;
		Elf32_Phdr *ph = (Elf32_Phdr *)(img + sizeof(*eh));

		eh->e_type = ET_EXEC;
		eh->e_machine = EM_386;
		eh->e_version = EV_CURRENT;
		eh->e_entry = (u32)entry;
		eh->e_phoff = sizeof(*eh);
		eh->e_ehsize = sizeof(*eh);
		eh->e_phentsize = sizeof(*ph);
		eh->e_phnum = (u16)n;
		for (int i = 0; i < n; i++)
			ph[i] = (Elf32_Phdr){ .p_type = PT_LOAD, .p_offset = 0x1000 * (u32)(i + 1),
					      .p_vaddr = (u32)paddr[i] + 0xc0000000u,
					      .p_paddr = (u32)paddr[i], .p_filesz = 0x100,
					      .p_memsz = 0x200, .p_flags = PF_R | PF_X };
	} else {
		Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
		Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof(*eh));

		eh->e_type = ET_EXEC;
		eh->e_machine = EM_X86_64;
		eh->e_version = EV_CURRENT;
		eh->e_entry = entry;
		eh->e_phoff = sizeof(*eh);
		eh->e_ehsize = sizeof(*eh);
		eh->e_phentsize = sizeof(*ph);
		eh->e_phnum = (u16)n;
		for (int i = 0; i < n; i++)
			ph[i] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 0x1000 * (u64)(i + 1),
					      .p_vaddr = paddr[i], .p_paddr = paddr[i],
					      .p_filesz = 0x100, .p_memsz = 0x200,
					      .p_flags = PF_R | PF_X };
	}
	*len = size;
	return img;
}

static void test_elf(void)
{
	struct fake_vm v;
	struct boot_cpu_state cpu;
	u64 paddr[2] = { 0x200000, 0x300000 };
	size_t len;
	u8 *img;

	vm_new(&v, 16);
	memset(v.ram + 0x200000, 0xaa, 0x1000);
	memset(v.ram + 0x300000, 0xaa, 0x1000);
	img = elf_image(32, 2, paddr, 0x200010, &len);
	ok(load(&v, img, len, &cpu) == 0, "ELF32: image loads");
	ok(v.ram[0x200000] == 0x02 /* the header's magic, 0x1BADB002 LE */ &&
	   v.ram[0x2000ff] == 0x11 && v.ram[0x300000] == 0x22 && v.ram[0x3000ff] == 0x22,
	   "ELF32: segments at p_paddr");
	ok(v.ram[0x200100] == 0 && v.ram[0x2001ff] == 0 && v.ram[0x200200] == 0xaa,
	   "ELF32: p_memsz beyond p_filesz zeroed, nothing more");
	is_int(cpu.rip, 0x200010, "ELF32: entry");
	free(img);

	img = elf_image(32, 2, paddr, 0xc0300020, &len);
	ok(load(&v, img, len, &cpu) == 0 && cpu.rip == 0x300020,
	   "ELF32: virtual entry translated to its physical address");
	free(img);

	img = elf_image(32, 2, paddr, 0x400000, &len);
	load_fails(&v, img, len, "entry point 0x400000 outside the image", "ELF32: entry outside");
	free(img);

	paddr[1] = 0x200100;
	img = elf_image(32, 2, paddr, 0x200010, &len);
	load_fails(&v, img, len, "overlapping sections", "ELF32: overlapping segments refused");
	free(img);

	paddr[1] = 0x2000000;
	img = elf_image(32, 2, paddr, 0x200010, &len);
	load_fails(&v, img, len, "load address 0x2000000 outside guest RAM (use a larger -m)",
		   "ELF32: segment past the end of RAM");
	free(img);

	paddr[1] = 0x300000;
	img = elf_image(64, 2, paddr, 0x300010, &len);
	ok(load(&v, img, len, &cpu) == 0 && cpu.rip == 0x300010 && v.ram[0x300000] == 0x22,
	   "ELF64 without flag 16: loaded by program headers");
	img[EI_CLASS] = ELFCLASS32;	/* 64-bit headers read as 32-bit: garbage */
	ok(multiboot_load(&v.kvm, img, len, &cpu, err, sizeof(err)) == -1,
	   "ELF class/header mismatch refused");
	free(img);

	/* Found by fuzz-multiboot: a bss-only segment (p_filesz 0) whose
	 * p_offset lies far past the file was used for img + p_offset, a
	 * pointer overflow (UBSan: make check SANITIZE=1). */
	paddr[0] = 0x200000;
	img = elf_image(64, 2, paddr, 0x200010, &len);
	((Elf64_Phdr *)(img + sizeof(Elf64_Ehdr)))[1].p_filesz = 0;
	((Elf64_Phdr *)(img + sizeof(Elf64_Ehdr)))[1].p_offset = 0xfffffff900001000ULL;
	memset(v.ram + 0x300000, 0xaa, 0x1000);
	ok(load(&v, img, len, &cpu) == 0 && v.ram[0x300000] == 0 && v.ram[0x3001ff] == 0 &&
	   v.ram[0x300200] == 0xaa, "ELF64: a bss-only segment's p_offset is not used");
	free(img);
	vm_free(&v);
}

static const struct mb_info *info_of(const struct fake_vm *v)
{
	return (const struct mb_info *)(v->ram + MULTIBOOT_INFO_GPA);
}

static const void *at(const struct fake_vm *v, u64 gpa)
{
	return gpa_to_hva(&v->kvm.mem, gpa, 1);
}

static const struct mb_mmap_entry *mmap_entry(const struct fake_vm *v, int i)
{
	const struct mb_info *mi = info_of(v);

	if ((u32)(i + 1) * sizeof(struct mb_mmap_entry) > mi->mmap_length)
		return NULL;
	return (const struct mb_mmap_entry *)at(v, mi->mmap_addr + (u64)i * 24);
}

static int mmap_is(const struct fake_vm *v, int i, u64 base, u64 len, u32 type)
{
	const struct mb_mmap_entry *e = mmap_entry(v, i);

	if (!e) {
		diag("no mmap entry %d", i);
		return 0;
	}
	if (e->size != 20 || e->base_addr != base || e->length != len || e->type != type) {
		diag("mmap %d: size %u base %#llx len %#llx type %u", i, e->size,
		     (unsigned long long)e->base_addr, (unsigned long long)e->length, e->type);
		return 0;
	}
	return 1;
}

static char *temp_file(const char *content, size_t len)
{
	char *path = strdup("/tmp/lkvm-test-mb.XXXXXX");
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, content, len) != (ssize_t)len) {
		perror("temp file");
		exit(1);
	}
	close(fd);
	return path;
}

static void test_info(void)
{
	struct fake_vm v;
	struct boot_cpu_state cpu;
	u8 *img = aout_image(0x3000, 0x1800, MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO);
	char *m1 = temp_file("first module\n", 13), *m2 = temp_file("2", 1);
	const struct mb_info *mi;
	const struct mb_module *mods;
	char *big;

	vm_new(&v, 256);
	v.cfg.params = "code=5 verbose";
	v.cfg.modules[0] = (struct boot_module){ m1, NULL };
	v.cfg.modules[1] = (struct boot_module){ m2, "second arg" };
	v.cfg.nr_modules = 2;
	ok(load(&v, img, 0x3000, &cpu) == 0, "info: image with two modules loads");
	mi = info_of(&v);
	is_int(mi->flags, MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MMAP |
		MB_INFO_LOADER_NAME, "info: flags memory, cmdline, mods, mmap, loader name");
	is_int(mi->mem_lower, 639, "info: mem_lower = 639 KiB (RAM below the EBDA)");
	is_int(mi->mem_upper, 255 * 1024, "info: mem_upper = 255 MiB in KiB for -m 256");
	is_int(mi->mmap_length, 3 * 24, "info: three mmap entries for -m 256");
	ok(mmap_is(&v, 0, 0, 0x9fc00, 1), "info: mmap RAM 0-0x9fc00");
	ok(mmap_is(&v, 1, 0x9fc00, 0x60400, 2), "info: mmap reserved 0x9fc00-1 MiB");
	ok(mmap_is(&v, 2, 0x100000, 255ull << 20, 1), "info: mmap RAM 1 MiB-256 MiB");
	is_str((const char *)at(&v, mi->cmdline), "/images/test.elf code=5 verbose",
	       "info: cmdline is the image name, then -p");
	is_str((const char *)at(&v, mi->boot_loader_name), "lkvm", "info: boot loader name");
	is_int(mi->mods_count, 2, "info: two modules");
	mods = at(&v, mi->mods_addr);
	is_int(mods[0].mod_start, LOAD + 0x5000, "info: module 0 page-aligned after the bss");
	is_int(mods[0].mod_end - mods[0].mod_start, 13, "info: module 0 size");
	ok(!memcmp(at(&v, mods[0].mod_start), "first module\n", 13), "info: module 0 content");
	is_str((const char *)at(&v, mods[0].string), m1, "info: module 0 string = its path");
	is_int(mods[1].mod_start, LOAD + 0x6000, "info: module 1 on the next page");
	ok(mods[1].mod_end == mods[1].mod_start + 1 && *(const u8 *)at(&v, mods[1].mod_start) == '2',
	   "info: module 1 content");
	is_str((const char *)at(&v, mods[1].string), "second arg", "info: module 1 string given");

	v.cfg.modules[1].path = "/nonexistent/module";
	load_fails(&v, img, 0x3000, "cannot read module '/nonexistent/module'", "info: missing module file");
	v.cfg.nr_modules = 0;
	v.cfg.params = NULL;
	ok(load(&v, img, 0x3000, &cpu) == 0 && info_of(&v)->mods_count == 0 &&
	   !strcmp(at(&v, info_of(&v)->cmdline), "/images/test.elf"),
	   "info: no modules, no -p: count 0, cmdline the image name");
	big = malloc(70000);
	memset(big, 'x', 69999);
	big[69999] = 0;
	v.cfg.params = big;
	load_fails(&v, img, 0x3000, "does not fit", "info: command line over 64 KiB refused");
	free(big);
	vm_free(&v);

	/* Low RAM is too small for a module above the kernel. */
	vm_new(&v, 2);
	v.cfg.modules[0] = (struct boot_module){ m1, NULL };
	v.cfg.nr_modules = 1;
	{
		char *huge = calloc(1, 0x100000);
		char *m3 = temp_file(huge, 0x100000);

		v.cfg.modules[0].path = m3;
		load_fails(&v, img, 0x3000, "does not fit in guest RAM below 0x200000",
			   "info: module past the top of RAM refused");
		unlink(m3);
		free(m3);
		free(huge);
	}
	vm_free(&v);

	/* Above the PCI hole: low RAM ends at 3 GiB, the rest is at 4 GiB. */
	vm_new(&v, 3500);
	ok(load(&v, img, 0x3000, &cpu) == 0, "info: -m 3500 loads");
	mi = info_of(&v);
	is_int(mi->mem_upper, (3ull << 20) - 1024, "info: mem_upper stops at the PCI hole");
	is_int(mi->mmap_length, 4 * 24, "info: four mmap entries for -m 3500");
	ok(mmap_is(&v, 2, 0x100000, 0xc0000000 - 0x100000, 1), "info: mmap RAM 1 MiB-3 GiB");
	ok(mmap_is(&v, 3, 0x100000000, (3500ull << 20) - 0xc0000000, 1),
	   "info: mmap RAM from 4 GiB holds the rest");
	vm_free(&v);

	unlink(m1);
	unlink(m2);
	free(m1);
	free(m2);
	free(img);
}

int main(void)
{
	test_probe();
	test_parse();
	test_aout();
	test_elf();
	test_info();
	return done_testing();
}
