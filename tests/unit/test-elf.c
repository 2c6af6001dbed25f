// SPDX-License-Identifier: GPL-2.0
/*
 * hv/x86/elf_load.c against small ELF64 images written by hand in memory,
 * loaded into a plain buffer standing in for guest RAM.
 */
#include <elf.h>

#include "hv/guest_mem.h"
#include "hv/x86/elf_load.h"
#include "tests/tap.h"
#include "util/util.h"

#define RAM_SIZE	(8ULL << 20)
#define KVA		0xffffffff81000000ULL	/* like a vmlinux: virtual != physical */
#define TEXT_GPA	0x100000ULL
#define DATA_GPA	0x300000ULL
#define FILE_SIZE	0x2100

/*
 * A vmlinux-like image: PT_LOAD text (0x200 bytes at file 0x1000), a
 * PT_NOTE, and PT_LOAD data with bss (0x100 file bytes, 0x3000 in memory).
 * Entry: the virtual address of text + 0x10.
 */
static u8 *make_elf(size_t *len)
{
	u8 *f = calloc(1, FILE_SIZE);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)f;
	Elf64_Phdr *ph = (Elf64_Phdr *)(f + sizeof(*eh));

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = KVA + 0x10;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 3;
	ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0x1000,
			      .p_vaddr = KVA, .p_paddr = TEXT_GPA, .p_filesz = 0x200,
			      .p_memsz = 0x200, .p_align = 0x1000 };
	ph[1] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = 0x1000, .p_vaddr = KVA,
			      .p_paddr = 0x7fffffffffffULL, .p_filesz = 0x10, .p_memsz = 0x10 };
	ph[2] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 0x2000,
			      .p_vaddr = KVA + 0x200000, .p_paddr = DATA_GPA, .p_filesz = 0x100,
			      .p_memsz = 0x3000, .p_align = 0x1000 };
	for (int i = 0; i < 0x200; i++)
		f[0x1000 + i] = (u8)(i * 7 + 1);
	for (int i = 0; i < 0x100; i++)
		f[0x2000 + i] = (u8)(i * 3 + 2);
	*len = FILE_SIZE;
	return f;
}

static Elf64_Phdr *phdr(u8 *f, int i)
{
	return (Elf64_Phdr *)(f + sizeof(Elf64_Ehdr)) + i;
}

static u8 *ram;
static struct guest_mem mem;

static void ram_fill(void)
{
	memset(ram, 0xCC, RAM_SIZE);
}

/* Every byte of guest RAM still 0xCC? */
static bool ram_untouched(void)
{
	for (u64 i = 0; i < RAM_SIZE; i++)
		if (ram[i] != 0xCC)
			return false;
	return true;
}

static void expect_fail(const char *what, const u8 *f, size_t len, const char *want)
{
	struct elf_image img;
	char err[256] = "";
	int rc;

	ram_fill();
	rc = elf_load(&mem, f, len, &img, err, sizeof(err));
	ok(rc == -1 && strstr(err, want) && ram_untouched(), "%s", what);
	diag("  -> %s", rc ? err : "(loaded)");
}

static void test_good(void)
{
	struct elf_image img;
	char err[256] = "";
	size_t len;
	u8 *f = make_elf(&len);
	bool bss_zero = true;
	int rc;

	ram_fill();
	rc = elf_load(&mem, f, len, &img, err, sizeof(err));
	if (!ok(rc == 0, "vmlinux-like ELF loads"))
		diag("  error: %s", err);
	ok(!memcmp(ram + TEXT_GPA, f + 0x1000, 0x200), "text segment at its p_paddr");
	ok(!memcmp(ram + DATA_GPA, f + 0x2000, 0x100), "data segment at its p_paddr");
	for (u64 i = 0x100; i < 0x3000; i++)
		bss_zero &= ram[DATA_GPA + i] == 0;
	ok(bss_zero, "bss (p_memsz beyond p_filesz) zeroed");
	ok(ram[TEXT_GPA - 1] == 0xCC && ram[TEXT_GPA + 0x200] == 0xCC &&
		   ram[DATA_GPA + 0x3000] == 0xCC,
	   "nothing written outside the segments");
	is_int(img.entry, TEXT_GPA + 0x10, "virtual e_entry translated to its physical address");
	is_int(img.load_start, TEXT_GPA, "load_start is the lowest p_paddr");
	is_int(img.load_end, DATA_GPA + 0x3000, "load_end is the end of the highest segment");

	((Elf64_Ehdr *)f)->e_entry = DATA_GPA + 0x40;
	ok(!elf_load(&mem, f, len, &img, err, sizeof(err)) && img.entry == DATA_GPA + 0x40,
	   "physical e_entry kept as is");
	free(f);
}

static void test_bad(void)
{
	size_t len;
	u8 *good = make_elf(&len);
	u8 *f = malloc(len);
	static const char not_elf[] = "#!/bin/sh\necho hello\n";
	struct guest_mem big;

#define FRESH() memcpy(f, good, len)
	expect_fail("not ELF", (const u8 *)not_elf, sizeof(not_elf), "not an ELF file");
	expect_fail("empty", good, 0, "not an ELF file");
	expect_fail("truncated to the identification", good, 16,
		    "ELF file truncated: 16 bytes, the ELF header alone is 64");
	expect_fail("truncated inside the program headers", good, 100,
		    "ELF program headers (3 at file offset 0x40) lie outside the 100-byte file");
	expect_fail("truncated inside the text segment", good, 0x1100,
		    "segment 0: data at file offset 0x1000+0x200 lies outside the 4352-byte file");

	FRESH();
	f[EI_CLASS] = ELFCLASS32;
	expect_fail("ELF32 rejected", f, len, "ELF32 image");
	FRESH();
	f[EI_DATA] = ELFDATA2MSB;
	expect_fail("big-endian rejected", f, len, "little-endian");
	FRESH();
	((Elf64_Ehdr *)f)->e_machine = EM_386;
	expect_fail("EM_386 rejected", f, len, "not x86-64");
	FRESH();
	((Elf64_Ehdr *)f)->e_type = ET_REL;
	expect_fail("relocatable object rejected", f, len, "not an executable");
	FRESH();
	((Elf64_Ehdr *)f)->e_phoff = 0x7ffffffffffffff0ULL;
	expect_fail("program headers outside the file", f, len, "program headers");
	FRESH();
	phdr(f, 2)->p_paddr = RAM_SIZE - 0x1000;
	expect_fail("segment outside RAM", f, len,
		    "segment 2 at 0x7ff000+0x3000 does not fit in 8 MiB of guest RAM: use a larger -m");
	FRESH();
	phdr(f, 2)->p_paddr = 0xfffffffffffff000ULL;
	expect_fail("segment whose end wraps 64 bits", f, len, "does not fit");
	FRESH();
	phdr(f, 2)->p_filesz = 0x4000;
	expect_fail("p_filesz > p_memsz", f, len, "p_filesz 0x4000 is larger than p_memsz 0x3000");
	FRESH();
	phdr(f, 0)->p_offset = 0xfffffffffffffff0ULL;
	expect_fail("p_offset + p_filesz wraps", f, len, "lies outside");
	FRESH();
	((Elf64_Ehdr *)f)->e_entry = 0x5000;
	expect_fail("entry outside every segment", f, len, "entry point 0x5000 is outside");
	FRESH();
	phdr(f, 0)->p_type = PT_NULL;
	phdr(f, 2)->p_type = PT_NULL;
	expect_fail("no PT_LOAD", f, len, "no loadable");

	/* A 4 GiB guest: the low bank ends where the PCI hole starts. Only
	 * the layout is used (nothing is copied on failure). */
	guest_mem_layout(&big, ram, 4ULL << 30);
	{
		struct elf_image img;
		char err[256] = "";
		int rc;

		FRESH();
		phdr(f, 2)->p_paddr = GUEST_PCI_HOLE_START - 0x1000;
		rc = elf_load(&big, f, len, &img, err, sizeof(err));
		ok(rc == -1 && strstr(err, "PCI hole"), "segment reaching into the PCI hole");
		diag("  -> %s", rc ? err : "(loaded)");
	}

	/* Every truncation fails cleanly (or loads, at full length). */
	{
		int loaded = 0;
		struct elf_image img;
		char err[256];

		for (size_t l = 0; l <= len; l += 7)
			loaded += !elf_load(&mem, good, l, &img, err, sizeof(err));
		loaded += !elf_load(&mem, good, len, &img, err, sizeof(err));
		ok(loaded == 1 || (loaded == 2 && len % 7 == 0), "only the whole file loads (%d)",
		   loaded);
	}
#undef FRESH
	free(f);
	free(good);
}

static void test_class(void)
{
	static const u8 e64[] = { 0x7f, 'E', 'L', 'F', ELFCLASS64 };
	static const u8 e32[] = { 0x7f, 'E', 'L', 'F', ELFCLASS32 };
	static const u8 ebad[] = { 0x7f, 'E', 'L', 'F', 9 };

	is_int(elf_class(e64, sizeof(e64)), 64, "elf_class: ELFCLASS64");
	is_int(elf_class(e32, sizeof(e32)), 32, "elf_class: ELFCLASS32");
	is_int(elf_class(ebad, sizeof(ebad)), 0, "elf_class: invalid class");
	is_int(elf_class(e64, 4), 0, "elf_class: too short for the class byte");
	is_int(elf_class((const u8 *)"\x1f\x8b\x08\x00\x00", 5), 0, "elf_class: gzip is not ELF");
	is_int(elf_class(NULL, 0), 0, "elf_class: NULL");
}

/*
 * The guest RAM @f's PT_LOAD segments need: their highest physical end,
 * rounded up to 1 MiB, plus 1 MiB. A sanitizer or debug build of this test
 * is far larger than 8 MiB, so its size comes from the file.
 */
static u64 ram_needed(const u8 *f, size_t len)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f;
	u64 end = 0;

	if (len < sizeof(*eh) || eh->e_phoff > len ||
	    (u64)eh->e_phnum * sizeof(Elf64_Phdr) > len - eh->e_phoff)
		return RAM_SIZE;
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(f + eh->e_phoff) + i;

		if (ph->p_type == PT_LOAD)
			end = MAX(end, ph->p_paddr + ph->p_memsz);
	}
	return ((end + SZ_1M - 1) & ~(u64)(SZ_1M - 1)) + SZ_1M;
}

/* A real linker's output: this test binary (PIE, so p_paddr is near 0). */
static void test_self(void)
{
	struct elf_image img;
	struct guest_mem big;
	char err[256] = "";
	size_t len;
	u8 *self = read_file("/proc/self/exe", &len), *bigram;
	u64 size;
	int rc;

	if (!self) {
		skip("cannot read /proc/self/exe");
		return;
	}
	size = ram_needed(self, len);
	bigram = calloc(1, size);
	guest_mem_layout(&big, bigram, size);
	rc = elf_load(&big, self, len, &img, err, sizeof(err));
	ok(rc == 0 && img.entry == ((Elf64_Ehdr *)self)->e_entry && img.load_start < img.load_end,
	   "this test binary loads into %llu MiB (entry %#llx, %#llx-%#llx)",
	   (unsigned long long)(size >> 20), (unsigned long long)img.entry,
	   (unsigned long long)img.load_start, (unsigned long long)img.load_end);
	if (rc)
		diag("  error: %s", err);
	free(bigram);
	free(self);
}

int main(void)
{
	ram = malloc(RAM_SIZE);
	guest_mem_layout(&mem, ram, RAM_SIZE);
	test_class();
	test_good();
	test_bad();
	test_self();
	free(ram);
	return done_testing();
}
