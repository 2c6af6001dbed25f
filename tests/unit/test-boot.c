// SPDX-License-Identifier: GPL-2.0
/*
 * hv/x86/boot.c: boot_load() on a hand-filled struct kvm (no /dev/kvm) with
 * test kernels written to a temporary directory: a minimal ELF64 vmlinux, a
 * synthetic bzImage whose gzip payload is that vmlinux (host-side and
 * in-guest decompression), an initrd, and inputs that must fail. Checks the
 * zero page (x86 boot protocol, zero-page.rst), the e820 map, the command
 * line, the ACPI RSDP pointer, the identity page tables and the BSP state.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bzlib.h>
#include <zlib.h>

#include "hv/kvm.h"
#include "hv/x86/boot.h"
#include "hv/x86/bzimage.h"
#include "hv/x86/layout.h"
#include "tests/tap.h"

#define KLOAD		0x1000000ULL		/* p_paddr of the test vmlinux */
#define KVIRT		0xffffffff81000000ULL	/* its p_vaddr */
#define KENTRY_OFF	0x40			/* entry inside the segment */
#define KCODE		0x180			/* bytes of "code" in the file */
#define KMEMSZ		0x10000ULL		/* with the bss */
#define KEND		(KLOAD + KMEMSZ)
#define USER_P		"root=/dev/vda rw lkvm.test=1"

/* bzImage layout, as tests/unit/test-bzimage.c builds one. */
#define SETUP_SECTS	4
#define SETUP_SIZE	((SETUP_SECTS + 1) * 512)
#define PAYLOAD_OFF	0x400
#define BZ_INIT_SIZE	0x1000000U

static char dir[64];
static char files[32][128];
static int nr_files;

/* ---- files ---- */

static const char *write_tmp(const char *name, const void *data, size_t len)
{
	char *path = files[nr_files++];
	int fd;

	snprintf(path, sizeof(files[0]), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write_all(fd, data, len) < 0) {
		perror(path);
		exit(1);
	}
	close(fd);
	return path;
}

/* ---- images ---- */

static void put_le16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static void put_le32(u8 *p, u32 v)
{
	put_le16(p, (u16)v);
	put_le16(p + 2, (u16)(v >> 16));
}

static void put_le64(u8 *p, u64 v)
{
	put_le32(p, (u32)v);
	put_le32(p + 4, (u32)(v >> 32));
}

static u8 code_byte(size_t i)
{
	return (u8)(i * 7 + 3);
}

/*
 * A vmlinux as the Linux build lays one out: ET_EXEC, one PT_LOAD linked at
 * KVIRT and loaded at KLOAD, KCODE bytes in the file and a bss up to
 * KMEMSZ. @entry is e_entry (physical, or virtual to be translated).
 */
static u8 *make_elf(u64 entry, size_t *len)
{
	const size_t off = 0x1000;
	u8 *f = calloc(1, off + KCODE);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)f;
	Elf64_Phdr *ph = (Elf64_Phdr *)(f + sizeof(*eh));

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = entry;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 1;
	ph->p_type = PT_LOAD;
	ph->p_flags = PF_R | PF_X;
	ph->p_offset = off;
	ph->p_vaddr = KVIRT;
	ph->p_paddr = KLOAD;
	ph->p_filesz = KCODE;
	ph->p_memsz = KMEMSZ;
	ph->p_align = 0x1000;
	for (size_t i = 0; i < KCODE; i++)
		f[off + i] = code_byte(i);
	*len = off + KCODE;
	return f;
}

/* gzip (RFC 1952) of @in plus the 4-byte little-endian size the kernel's
 * build appends to the payload. */
static u8 *gzip_with_size(const u8 *in, size_t n, size_t *clen)
{
	z_stream zs = { 0 };
	size_t cap;
	u8 *out;

	if (deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	cap = deflateBound(&zs, n) + 4;
	out = malloc(cap);
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		abort();
	*clen = zs.total_out + 4;
	put_le32(out + zs.total_out, (u32)n);
	deflateEnd(&zs);
	return out;
}

struct bz_opts {
	u32 initrd_addr_max;
	u32 cmdline_size;
	u8 loadflags;
};

/* A bzImage (boot protocol 2.15) around @payload; *@pm_off is where the
 * protected-mode part starts in the file. */
static u8 *make_bzimage(const u8 *payload, size_t plen, const struct bz_opts *o, size_t *len)
{
	size_t pm_size = ALIGN_UP(PAYLOAD_OFF + plen + 0x100, (size_t)16);
	u8 *f = calloc(1, SETUP_SIZE + pm_size);

	f[0x1F1] = SETUP_SECTS;
	put_le32(f + 0x1F4, (u32)(pm_size / 16));	/* syssize */
	put_le16(f + 0x1FE, 0xAA55);
	f[0x200] = 0xEB;
	f[0x201] = 0x6A;
	memcpy(f + 0x202, "HdrS", 4);
	put_le16(f + 0x206, 0x020F);
	f[0x211] = o->loadflags;
	put_le32(f + 0x214, 0x100000);			/* code32_start */
	put_le32(f + 0x22C, o->initrd_addr_max);
	put_le32(f + 0x230, 0x200000);			/* kernel_alignment */
	f[0x234] = 1;					/* relocatable_kernel */
	put_le16(f + 0x236, XLF_KERNEL_64);
	put_le32(f + 0x238, o->cmdline_size);
	put_le32(f + 0x248, PAYLOAD_OFF);
	put_le32(f + 0x24C, (u32)plen);
	put_le64(f + 0x258, KLOAD);			/* pref_address */
	put_le32(f + 0x260, BZ_INIT_SIZE);
	/* "Decompressor code": a pattern that differs from the ELF's. */
	for (size_t i = 0; i < PAYLOAD_OFF; i++)
		f[SETUP_SIZE + i] = (u8)(0xe0 ^ i);
	memcpy(f + SETUP_SIZE + PAYLOAD_OFF, payload, plen);
	*len = SETUP_SIZE + pm_size;
	return f;
}

/* ---- the fake VM ---- */

struct vm {
	struct kvm kvm;
	struct vm_config cfg;
	struct boot_cpu_state cpu;
	u8 *ram;
	u64 size;
	bool mapped;
};

static void vm_new(struct vm *v, u64 size, const char *kernel)
{
	memset(v, 0, sizeof(*v));
	v->size = size;
	if (size >= SZ_1G) {
		v->ram = mmap(NULL, size, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (v->ram == MAP_FAILED) {
			perror("mmap");
			exit(1);
		}
		v->mapped = true;
	} else {
		v->ram = calloc(1, size);
		if (!v->ram)
			abort();
	}
	guest_mem_layout(&v->kvm.mem, v->ram, size);
	v->kvm.ram = v->ram;
	v->kvm.cfg = &v->cfg;
	v->kvm.flavour = KVM_FLAVOUR_VMX;
	v->cfg.kernel = kernel;
	v->cfg.params = USER_P;
	v->cfg.nr_cpus = 1;
	v->cfg.ram_size = size;
	v->cfg.console = CONSOLE_SERIAL;
	v->cfg.host_decompress = true;
	v->cfg.pvm_quirks = true;
	v->cfg.debug_exit_port = -1;
}

static void vm_free(struct vm *v)
{
	if (v->kvm.symbols_path && v->kvm.symbols_path != v->cfg.kernel &&
	    v->kvm.symbols_path != v->cfg.symbols)
		free((void *)v->kvm.symbols_path);
	if (v->mapped)
		munmap(v->ram, v->size);
	else
		free(v->ram);
}

static int vm_boot(struct vm *v)
{
	return boot_load(&v->kvm, &v->cpu);
}

static int vm_boot_fail(struct vm *v)
{
	int r;

	quiet(true);
	r = vm_boot(v);
	quiet(false);
	return r;
}

/* Boot that must fail; its stderr (the error line) goes into @msg. */
static int vm_boot_msg(struct vm *v, char *msg, size_t len)
{
	char path[200];
	int fd, saved, r;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/stderr", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	r = vm_boot(v);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, msg, len - 1, 0);
	msg[n > 0 ? n : 0] = 0;
	close(fd);
	unlink(path);
	return r;
}

/* Bytes of the fake guest RAM resident in this process (mincore). */
static u64 ram_resident(struct vm *v)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t pages = v->size / (size_t)pg;
	unsigned char *vec = malloc(pages);
	u64 n = 0;

	if (mincore(v->ram, v->size, vec) == 0)
		for (size_t i = 0; i < pages; i++)
			n += vec[i] & 1;
	free(vec);
	return n * (u64)pg;
}

static struct boot_params *zero_page(struct vm *v)
{
	return (struct boot_params *)(v->ram + BOOT_PARAMS_GPA);
}

static const char *cmdline(struct vm *v)
{
	return (const char *)v->ram + BOOT_CMDLINE_GPA;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a >= b && !strcmp(s + a - b, tail);
}

/* ---- checks shared by every Linux boot ---- */

static void check_zero_page(struct vm *v, const char *what)
{
	struct boot_params *bp = zero_page(v);

	is_int(bp->hdr.boot_flag, 0xAA55, "zero page: boot_flag 0xAA55");
	ok(!memcmp(&bp->hdr.header, "HdrS", 4), "%s: zero page: header \"HdrS\"", what);
	is_int(bp->hdr.type_of_loader, 0xff, "zero page: type_of_loader 0xff (undefined)");
	is_int(bp->hdr.cmd_line_ptr, BOOT_CMDLINE_GPA, "zero page: cmd_line_ptr");
	is_int(bp->ext_cmd_line_ptr, 0, "zero page: ext_cmd_line_ptr 0");
	ok(bp->hdr.loadflags & LOADED_HIGH, "%s: loadflags LOADED_HIGH", what);
	ok(!(bp->hdr.loadflags & QUIET_FLAG), "%s: loadflags QUIET_FLAG clear", what);
	is_int(bp->sentinel, 0, "zero page: sentinel 0");
	ok(ends_with(cmdline(v), v->cfg.params), "%s: command line '%s' ends with -p", what,
	   cmdline(v));
	ok(bp->acpi_rsdp_addr >= ACPI_AREA_GPA && bp->acpi_rsdp_addr < BIOS_END &&
	   (bp->acpi_rsdp_addr & 15) == 0 &&
	   !memcmp(v->ram + bp->acpi_rsdp_addr, "RSD PTR ", 8),
	   "%s: acpi_rsdp_addr %#llx points at \"RSD PTR \"", what,
	   (unsigned long long)bp->acpi_rsdp_addr);
	{
		u8 sum = 0;

		for (int i = 0; i < 20; i++)
			sum += v->ram[bp->acpi_rsdp_addr + i];
		is_int(sum, 0, "RSDP checksum (first 20 bytes) is 0");
	}
	{
		bool mp = false;

		for (u64 a = MPTABLE_AREA_GPA; a < BIOS_END; a += 16)
			if (!memcmp(v->ram + a, "_MP_", 4))
				mp = true;
		ok(mp, "%s: MP floating pointer in 0xF0000-0xFFFFF", what);
	}
}

static void check_e820(struct vm *v, const char *what)
{
	struct boot_params *bp = zero_page(v);
	struct boot_e820_entry *e = bp->e820_table;
	u64 low = MIN(v->size, GUEST_PCI_HOLE_START);
	int n = v->size > low ? 4 : 3;
	u64 ram = 0;

	is_int(bp->e820_entries, n, what);
	ok(e[0].addr == 0 && e[0].size == EBDA_GPA && e[0].type == E820_TYPE_RAM,
	   "%s: e820[0] RAM 0-0x9FC00", what);
	ok(e[1].addr == EBDA_GPA && e[1].size == BIOS_END - EBDA_GPA &&
	   e[1].type == E820_TYPE_RESERVED, "%s: e820[1] reserved 0x9FC00-0x100000", what);
	ok(e[2].addr == BIOS_END && e[2].size == low - BIOS_END && e[2].type == E820_TYPE_RAM,
	   "%s: e820[2] RAM 1 MiB-%#llx", what, (unsigned long long)low);
	if (n == 4)
		ok(e[3].addr == SZ_4G && e[3].size == v->size - low && e[3].type == E820_TYPE_RAM,
		   "%s: e820[3] RAM at 4 GiB, %llu MiB", what,
		   (unsigned long long)((v->size - low) >> 20));
	for (int i = 0; i < bp->e820_entries; i++)
		if (e[i].type == E820_TYPE_RAM)
			ram += e[i].size;
	is_int(ram, v->size - (BIOS_END - EBDA_GPA), "e820 RAM = -m minus the BIOS hole");
}

static void check_paging_and_cpu(struct vm *v, u64 entry, const char *what)
{
	const u64 *pml4 = (const u64 *)(v->ram + BOOT_PML4_GPA);
	const u64 *pdpt = (const u64 *)(v->ram + BOOT_PDPT_GPA);
	const u64 *pd = (const u64 *)(v->ram + BOOT_PD_GPA);
	const u64 *gdt = (const u64 *)(v->ram + BOOT_GDT_GPA);
	bool pml4_ok = pml4[0] == (BOOT_PDPT_GPA | 3), pdpt_ok = true, pd_ok = true;

	for (int i = 1; i < 512; i++)
		pml4_ok &= pml4[i] == 0;
	for (int i = 0; i < 512; i++)
		pdpt_ok &= pdpt[i] == (i < 4 ? (BOOT_PD_GPA + (u64)i * 4096) | 3 : 0);
	for (int i = 0; i < 4 * 512; i++)
		pd_ok &= pd[i] == (((u64)i << 21) | 0x83);
	ok(pml4_ok, "%s: PML4 has one present entry -> PDPT", what);
	ok(pdpt_ok, "%s: PDPT maps four PDs (0-4 GiB)", what);
	ok(pd_ok, "%s: 2048 PDEs identity-map 0-4 GiB with 2 MiB pages (P|RW|PS)", what);
	ok(gdt[2] == 0x00af9b000000ffffULL && gdt[3] == 0x00cf93000000ffffULL,
	   "%s: GDT 0x10 = 64-bit code, 0x18 = data", what);

	is_int(v->cpu.mode, BOOT_MODE_LONG, "cpu mode: long");
	is_int(v->cpu.rip, entry, "rip = 64-bit entry");
	is_int(v->cpu.rsi, BOOT_PARAMS_GPA, "rsi = boot_params");
	ok(v->kvm.is_linux, "%s: kvm->is_linux", what);
}

static bool kernel_loaded(struct vm *v)
{
	for (size_t i = 0; i < KCODE; i++)
		if (v->ram[KLOAD + i] != code_byte(i))
			return false;
	for (u64 i = KCODE; i < KMEMSZ; i++)
		if (v->ram[KLOAD + i])
			return false;
	return true;
}

/* ---- tests ---- */

static void test_vmlinux(const char *vmlinux)
{
	struct vm v;

	vm_new(&v, 64 * SZ_1M, vmlinux);
	/* The bss must be zeroed by the loader, not found zero. */
	memset(v.ram + KLOAD, 0xcc, KMEMSZ);
	is_int(vm_boot(&v), 0, "vmlinux, 64 MiB: boot_load 0");
	ok(kernel_loaded(&v), "vmlinux: segment at p_paddr 0x1000000, bss zeroed");
	check_zero_page(&v, "vmlinux");
	is_int(zero_page(&v)->hdr.version, 0x020f, "vmlinux: synthesized header version 2.15");
	is_int(zero_page(&v)->hdr.initrd_addr_max, 0x7fffffff, "vmlinux: initrd_addr_max");
	is_int(zero_page(&v)->hdr.cmdline_size, 2047, "vmlinux: cmdline_size 2047");
	is_str(cmdline(&v), "console=ttyS0 " USER_P, "VMX host: console=ttyS0 then -p, no quirks");
	check_e820(&v, "vmlinux 64 MiB: 3 e820 entries");
	check_paging_and_cpu(&v, KLOAD + KENTRY_OFF, "vmlinux");
	is_int(zero_page(&v)->hdr.ramdisk_image, 0, "no initrd: ramdisk_image 0");
	ok(v.kvm.symbols_path && !strcmp(v.kvm.symbols_path, vmlinux),
	   "vmlinux is its own symbol file");
	vm_free(&v);

	/* PVM host: quirks go between the console and -p; off with --no-pvm-quirks. */
	vm_new(&v, 64 * SZ_1M, vmlinux);
	v.kvm.flavour = KVM_FLAVOUR_PVM;
	is_int(vm_boot(&v), 0, "vmlinux on PVM: boot_load 0");
	ok(!strncmp(cmdline(&v), "console=ttyS0 noxsave", 21) &&
	   strstr(cmdline(&v), " clearcpuid=") && ends_with(cmdline(&v), " " USER_P),
	   "PVM host: quirks after the console, -p last");
	vm_free(&v);

	vm_new(&v, 64 * SZ_1M, vmlinux);
	v.kvm.flavour = KVM_FLAVOUR_PVM;
	v.cfg.pvm_quirks = false;
	v.cfg.console = CONSOLE_VIRTIO;
	v.cfg.params = NULL;
	is_int(vm_boot(&v), 0, "PVM, --no-pvm-quirks, no -p: boot_load 0");
	is_str(cmdline(&v), "console=hvc0", "no quirks when turned off; virtio console");
	vm_free(&v);

	/* Devices' parameters (virtio-mmio) go between lkvm's and -p. */
	vm_new(&v, 64 * SZ_1M, vmlinux);
	kvm_cmdline_append(&v.kvm, "virtio_mmio.device=4K@0xfeb00000:5");
	kvm_cmdline_append(&v.kvm, "virtio_mmio.device=4K@0xfeb01000:6");
	is_int(vm_boot(&v), 0, "vmlinux with virtio-mmio devices: boot_load 0");
	is_str(cmdline(&v), "console=ttyS0 virtio_mmio.device=4K@0xfeb00000:5 "
	       "virtio_mmio.device=4K@0xfeb01000:6 " USER_P,
	       "kvm->cmdline_extra between the console and -p");
	free(v.kvm.cmdline_extra);
	vm_free(&v);
}

static void test_vmlinux_virtual_entry(void)
{
	size_t len;
	u8 *elf = make_elf(KVIRT + KENTRY_OFF, &len);
	const char *path = write_tmp("vmlinux-virt", elf, len);
	struct vm v;

	vm_new(&v, 64 * SZ_1M, path);
	is_int(vm_boot(&v), 0, "vmlinux with a virtual e_entry: boot_load 0");
	is_int(v.cpu.rip, KLOAD + KENTRY_OFF, "virtual e_entry translated to its physical address");
	vm_free(&v);
	free(elf);
}

static void test_big_ram(const char *vmlinux)
{
	struct vm v;

	vm_new(&v, 3 * SZ_1G + SZ_1G / 2, vmlinux);
	is_int(vm_boot(&v), 0, "vmlinux, 3.5 GiB: boot_load 0");
	check_e820(&v, "3.5 GiB: 4 e820 entries");
	vm_free(&v);
}

static void test_initrd(const char *vmlinux)
{
	const size_t ilen = 0x12345;
	u8 *data = malloc(ilen);
	const char *initrd, *initrd2;
	struct boot_params *bp;
	struct vm v;
	u64 at;

	for (size_t i = 0; i < ilen; i++)
		data[i] = (u8)(i ^ (i >> 8) ^ 0x5a);
	initrd = write_tmp("initrd", data, ilen);

	vm_new(&v, 64 * SZ_1M, vmlinux);
	v.cfg.modules[0].path = initrd;
	v.cfg.nr_modules = 1;
	is_int(vm_boot(&v), 0, "vmlinux + initrd: boot_load 0");
	bp = zero_page(&v);
	at = bp->hdr.ramdisk_image | (u64)bp->ext_ramdisk_image << 32;
	is_int(bp->hdr.ramdisk_size, ilen, "ramdisk_size = file size");
	is_int(bp->ext_ramdisk_size, 0, "ext_ramdisk_size 0");
	ok(at % 4096 == 0, "ramdisk_image %#llx page-aligned", (unsigned long long)at);
	ok(at >= KEND, "initrd above the kernel (ends at %#llx)", (unsigned long long)KEND);
	ok(at + ilen <= 64 * SZ_1M && at + ilen - 1 <= bp->hdr.initrd_addr_max,
	   "initrd below the end of RAM and initrd_addr_max");
	ok(!memcmp(v.ram + at, data, ilen), "initrd contents in guest RAM");
	ok(kernel_loaded(&v), "kernel intact after the initrd");
	vm_free(&v);

	/* 3.5 GiB: initrd_addr_max (0x7fffffff) is below the end of low RAM. */
	vm_new(&v, 3 * SZ_1G + SZ_1G / 2, vmlinux);
	v.cfg.modules[0].path = initrd;
	v.cfg.nr_modules = 1;
	is_int(vm_boot(&v), 0, "3.5 GiB + initrd: boot_load 0");
	bp = zero_page(&v);
	at = bp->hdr.ramdisk_image;
	ok(at + ilen <= 0x80000000ULL && at + ilen > 0x80000000ULL - 2 * 4096 && at % 4096 == 0,
	   "initrd ends at or just below initrd_addr_max + 1 (at %#llx)", (unsigned long long)at);
	ok(!memcmp(v.ram + at, data, ilen), "initrd contents at the top");
	vm_free(&v);

	/* The space between the kernel's end and the end of RAM, to the byte. */
	{
		const u64 ram = KEND + 0x3f0000;	/* 20 MiB */
		const size_t fit = ram - KEND;
		u8 *big = calloc(1, fit + 1);
		const char *p_fit, *p_over;

		big[0] = 0x42;
		big[fit - 1] = 0x43;
		p_fit = write_tmp("initrd-fit", big, fit);
		p_over = write_tmp("initrd-over", big, fit + 1);
		vm_new(&v, ram, vmlinux);
		v.cfg.modules[0].path = p_fit;
		v.cfg.nr_modules = 1;
		is_int(vm_boot(&v), 0, "initrd filling RAM from the kernel's end exactly: 0");
		is_int(zero_page(&v)->hdr.ramdisk_image, KEND, "... placed right at the kernel's end");
		ok(v.ram[KEND] == 0x42 && v.ram[ram - 1] == 0x43, "... first and last byte in place");
		vm_free(&v);
		vm_new(&v, ram, vmlinux);
		v.cfg.modules[0].path = p_over;
		v.cfg.nr_modules = 1;
		is_int(vm_boot_fail(&v), -1, "one byte more: -1");
		vm_free(&v);
		free(big);
	}

	initrd2 = write_tmp("initrd2", data, 100);
	vm_new(&v, 64 * SZ_1M, vmlinux);
	v.cfg.modules[0].path = initrd;
	v.cfg.modules[1].path = initrd2;
	v.cfg.nr_modules = 2;
	is_int(vm_boot_fail(&v), -1, "two modules for a Linux kernel: -1");
	vm_free(&v);

	vm_new(&v, 64 * SZ_1M, vmlinux);
	v.cfg.modules[0].path = "/nonexistent/lkvm-test-initrd";
	v.cfg.nr_modules = 1;
	is_int(vm_boot_fail(&v), -1, "missing initrd: -1");
	vm_free(&v);
	free(data);
}

static const u8 *bz_pm;		/* the protected-mode part of the last bzImage */
static size_t bz_pm_size;

static const char *write_bzimage(const char *name, const u8 *elf, size_t elf_len,
				 const struct bz_opts *o, u8 **keep)
{
	size_t clen, len;
	u8 *gz = gzip_with_size(elf, elf_len, &clen);
	u8 *bz = make_bzimage(gz, clen, o, &len);
	const char *path = write_tmp(name, bz, len);

	free(gz);
	bz_pm = bz + SETUP_SIZE;
	bz_pm_size = len - SETUP_SIZE;
	*keep = bz;
	return path;
}

static void test_bzimage(const u8 *elf, size_t elf_len)
{
	const struct bz_opts def = {
		.initrd_addr_max = 0x7fffffff, .cmdline_size = 2047,
		.loadflags = LOADED_HIGH | QUIET_FLAG,
	};
	struct boot_params *bp;
	u8 *img;
	const char *path = write_bzimage("bzImage", elf, elf_len, &def, &img);
	struct vm v;

	/* Host decompression: the vmlinux inside, entered at its ELF entry. */
	vm_new(&v, 64 * SZ_1M, path);
	is_int(vm_boot(&v), 0, "bzImage, host decompression: boot_load 0");
	ok(kernel_loaded(&v), "bzImage (host): decompressed vmlinux at 0x1000000");
	check_zero_page(&v, "bzImage (host)");
	bp = zero_page(&v);
	ok(bp->hdr.version == 0x020f && bp->hdr.setup_sects == SETUP_SECTS &&
	   bp->hdr.xloadflags == XLF_KERNEL_64 && bp->hdr.pref_address == KLOAD &&
	   bp->hdr.init_size == BZ_INIT_SIZE && bp->hdr.payload_offset == PAYLOAD_OFF &&
	   bp->hdr.cmdline_size == 2047 && bp->hdr.initrd_addr_max == 0x7fffffff &&
	   bp->hdr.kernel_alignment == 0x200000 && bp->hdr.relocatable_kernel == 1,
	   "bzImage (host): setup header copied into the zero page");
	is_int(bp->hdr.code32_start, 0x100000, "bzImage (host): code32_start as in the image");
	check_e820(&v, "bzImage (host): 3 e820 entries");
	check_paging_and_cpu(&v, KLOAD + KENTRY_OFF, "bzImage (host)");
	vm_free(&v);

	/* In-guest decompression: the pm part at 1 MiB, entry 0x200 into it. */
	vm_new(&v, 64 * SZ_1M, path);
	v.cfg.host_decompress = false;
	is_int(vm_boot(&v), 0, "bzImage, in-guest decompression: boot_load 0");
	ok(!memcmp(v.ram + KERNEL_DEFAULT_GPA, bz_pm, bz_pm_size),
	   "bzImage (guest): protected-mode part at 0x100000");
	ok(v.ram[KLOAD] == 0, "bzImage (guest): nothing decompressed at 0x1000000");
	check_zero_page(&v, "bzImage (guest)");
	is_int(zero_page(&v)->hdr.code32_start, 0x100000, "bzImage (guest): code32_start 0x100000");
	check_paging_and_cpu(&v, 0x100000 + 0x200, "bzImage (guest)");
	vm_free(&v);

	/* init_size counts against RAM whatever the loader: 16 + 16 MiB > 24 MiB. */
	vm_new(&v, 24 * SZ_1M, path);
	is_int(vm_boot_fail(&v), -1, "bzImage whose init_size does not fit in RAM: -1");
	vm_free(&v);
	vm_new(&v, 24 * SZ_1M, path);
	v.cfg.host_decompress = false;
	is_int(vm_boot_fail(&v), -1, "... with in-guest decompression too: -1");
	vm_free(&v);
	free(img);

	/* A lower initrd_addr_max in the image is honoured (1 GiB of RAM). */
	{
		const struct bz_opts low = { .initrd_addr_max = 0x2fffffff, .cmdline_size = 2047,
					     .loadflags = LOADED_HIGH };
		const char *p = write_bzimage("bzImage-lowinitrd", elf, elf_len, &low, &img);
		static const u8 rd[5000] = { 1, 2, 3 };
		const char *ird = write_tmp("initrd-small", rd, sizeof(rd));

		vm_new(&v, SZ_1G, p);
		v.cfg.modules[0].path = ird;
		v.cfg.nr_modules = 1;
		is_int(vm_boot(&v), 0, "bzImage with initrd_addr_max 0x2fffffff: boot_load 0");
		bp = zero_page(&v);
		ok(bp->hdr.ramdisk_image + sizeof(rd) - 1 <= 0x2fffffffULL &&
		   bp->hdr.ramdisk_image == ALIGN_DOWN(0x30000000ULL - sizeof(rd), 4096ULL),
		   "initrd at the top of the allowed range (%#x)", bp->hdr.ramdisk_image);
		ok(bp->hdr.ramdisk_image >= KLOAD + BZ_INIT_SIZE, "initrd above pref_address + init_size");
		vm_free(&v);
		free(img);
	}

	/* cmdline_size 255 in the image: a 256-byte line is refused. */
	{
		const struct bz_opts small = { .initrd_addr_max = 0x7fffffff, .cmdline_size = 255,
					       .loadflags = LOADED_HIGH };
		const char *p = write_bzimage("bzImage-cmdline255", elf, elf_len, &small, &img);
		char user[300];

		memset(user, 'x', sizeof(user));
		user[255 - strlen("console=ttyS0 ")] = 0;
		vm_new(&v, 64 * SZ_1M, p);
		v.cfg.params = user;
		is_int(vm_boot(&v), 0, "255-byte command line, cmdline_size 255: 0");
		is_int(strlen(cmdline(&v)), 255, "... all of it in guest RAM");
		vm_free(&v);
		user[255 - strlen("console=ttyS0 ")] = 'x';
		user[256 - strlen("console=ttyS0 ")] = 0;
		vm_new(&v, 64 * SZ_1M, p);
		v.cfg.params = user;
		is_int(vm_boot_fail(&v), -1, "256-byte command line, cmdline_size 255: -1");
		vm_free(&v);
		free(img);
	}

	/* A corrupt gzip payload fails with host decompression. */
	{
		size_t len;
		u8 junk[64];
		u8 *bz;

		memset(junk, 0, sizeof(junk));
		junk[0] = 0x1f;
		junk[1] = 0x8b;
		junk[2] = 8;
		bz = make_bzimage(junk, sizeof(junk), &def, &len);
		vm_new(&v, 64 * SZ_1M, write_tmp("bzImage-badgz", bz, len));
		is_int(vm_boot_fail(&v), -1, "bzImage with a corrupt gzip payload: -1");
		vm_free(&v);
		free(bz);
	}
}

static void test_failures(const char *vmlinux)
{
	struct vm v;
	char user[2100];

	/* -p limit: vmlinux gets cmdline_size 2047 (bytes without the NUL). */
	memset(user, 'p', sizeof(user));
	user[2047 - strlen("console=ttyS0 ")] = 0;
	vm_new(&v, 64 * SZ_1M, vmlinux);
	v.cfg.params = user;
	is_int(vm_boot(&v), 0, "2047-byte command line: 0");
	is_int(strlen(cmdline(&v)), 2047, "... in guest RAM");
	vm_free(&v);
	user[2047 - strlen("console=ttyS0 ")] = 'p';
	user[2048 - strlen("console=ttyS0 ")] = 0;
	vm_new(&v, 64 * SZ_1M, vmlinux);
	v.cfg.params = user;
	is_int(vm_boot_fail(&v), -1, "2048-byte command line (over cmdline_size): -1");
	vm_free(&v);

	/* RAM: the kernel needs [0x1000000, 0x1010000). */
	vm_new(&v, KEND, vmlinux);
	is_int(vm_boot(&v), 0, "RAM ending exactly at the kernel's end: 0");
	vm_free(&v);
	vm_new(&v, KEND - 0x1000, vmlinux);
	is_int(vm_boot_fail(&v), -1, "RAM 4 KiB short of the kernel's bss: -1");
	vm_free(&v);
	vm_new(&v, 8 * SZ_1M, vmlinux);
	is_int(vm_boot_fail(&v), -1, "8 MiB for a kernel at 16 MiB: -1");
	vm_free(&v);

	vm_new(&v, 64 * SZ_1M, "/nonexistent/lkvm-test-kernel");
	is_int(vm_boot_fail(&v), -1, "missing kernel file: -1");
	vm_free(&v);

	vm_new(&v, 64 * SZ_1M, write_tmp("empty", "", 0));
	is_int(vm_boot_fail(&v), -1, "empty kernel file: -1");
	vm_free(&v);

	{
		char text[8192];

		for (size_t i = 0; i < sizeof(text); i++)
			text[i] = "not a kernel\n"[i % 13];
		vm_new(&v, 64 * SZ_1M, write_tmp("text", text, sizeof(text)));
		is_int(vm_boot_fail(&v), -1, "a text file: -1");
		vm_free(&v);
	}
	{
		/* An ELF32 without a multiboot header is neither kind. */
		u8 e32[sizeof(Elf32_Ehdr)] = { 0 };

		memcpy(e32, ELFMAG, SELFMAG);
		e32[EI_CLASS] = ELFCLASS32;
		e32[EI_DATA] = ELFDATA2LSB;
		e32[EI_VERSION] = EV_CURRENT;
		vm_new(&v, 64 * SZ_1M, write_tmp("elf32", e32, sizeof(e32)));
		is_int(vm_boot_fail(&v), -1, "ELF32 without a multiboot header: -1");
		vm_free(&v);
	}
	{
		/* "HdrS" but protocol 2.02: too old for a 64-bit entry. */
		u8 old[4096] = { 0 };

		put_le16(old + 0x1FE, 0xAA55);
		memcpy(old + 0x202, "HdrS", 4);
		put_le16(old + 0x206, 0x0202);
		vm_new(&v, 64 * SZ_1M, write_tmp("bzImage-old", old, sizeof(old)));
		is_int(vm_boot_fail(&v), -1, "bzImage with boot protocol 2.02: -1");
		vm_free(&v);
	}

	vm_new(&v, 64 * SZ_1M, vmlinux);
	v.cfg.nr_cpus = 0;
	is_int(vm_boot_fail(&v), -1, "0 vCPUs (no ACPI tables possible): -1");
	vm_free(&v);
}

/* bzip2 (libbz2) of @head followed by @zeros zero bytes, compressed in
 * pieces so that no buffer of that size exists; plus Linux's size trailer. */
static u8 *bzip2_zeros(const u8 *head, size_t hlen, u64 zeros, size_t *clen)
{
	static u8 chunk[1 << 20];
	size_t cap = 1 << 20;
	u8 *out = malloc(cap);
	bz_stream bs = { 0 };
	int ret;

	BZ2_bzCompressInit(&bs, 9, 0, 0);
	bs.next_out = (char *)out;
	bs.avail_out = (unsigned int)cap;
	bs.next_in = (char *)(uintptr_t)head;
	bs.avail_in = (unsigned int)hlen;
	while (bs.avail_in)
		BZ2_bzCompress(&bs, BZ_RUN);
	for (u64 left = zeros; left;) {
		size_t n = MIN(left, (u64)sizeof(chunk));

		bs.next_in = (char *)chunk;
		bs.avail_in = (unsigned int)n;
		while (bs.avail_in)
			BZ2_bzCompress(&bs, BZ_RUN);
		left -= n;
	}
	do
		ret = BZ2_bzCompress(&bs, BZ_FINISH);
	while (ret == BZ_FINISH_OK);
	*clen = cap - bs.avail_out;
	BZ2_bzCompressEnd(&bs);
	put_le32(out + *clen, (u32)(hlen + zeros));
	*clen += 4;
	return out;
}

/*
 * Host decompression into guest RAM and decompression bombs: the vmlinux
 * is decoded straight into the RAM above the kernel, a payload that is no
 * ELF stops after its first window, headers pointing beyond the RAM are
 * refused before their data is decoded, and decoding stops once the
 * loader has every byte it reads (whatever follows).
 */
static void test_bombs(const u8 *elf, size_t elf_len)
{
	const struct bz_opts def = { .initrd_addr_max = 0x7fffffff, .cmdline_size = 2047,
				     .loadflags = LOADED_HIGH };
	size_t clen, len;
	char msg[1024];
	struct vm v;
	u8 *c, *bz;
	const char *p;
	u64 res;

	/* 128 MiB of zeros, bzip2'd into a few hundred bytes (tests/bomb.t
	 * runs lkvm on 1 GiB of them) */
	c = bzip2_zeros(NULL, 0, 128ULL << 20, &clen);
	bz = make_bzimage(c, clen, &def, &len);
	p = write_tmp("bomb-zeros", bz, len);
	vm_new(&v, SZ_1G, p);
	ok(vm_boot_msg(&v, msg, sizeof(msg)) == -1, "bzip2 bomb of 128 MiB zeros (%zu bytes): refused", clen);
	ok(strstr(msg, "does not decompress to a 64-bit ELF vmlinux") &&
	   strchr(msg, '\n') == msg + strlen(msg) - 1, "... with one line: %.*s",
	   (int)strcspn(msg, "\n"), msg);
	res = ram_resident(&v);
	ok(res < (4ULL << 20), "... after touching %llu KiB of guest RAM (< 4 MiB)",
	   (unsigned long long)(res >> 10));
	vm_free(&v);
	free(bz);
	free(c);

	/* an ELF header whose segment claims 2 GiB, then zeros */
	{
		u8 *hdr = malloc(elf_len);
		Elf64_Phdr *ph;

		memcpy(hdr, elf, elf_len);
		ph = (Elf64_Phdr *)(hdr + sizeof(Elf64_Ehdr));
		ph->p_filesz = ph->p_memsz = 2ULL << 30;
		c = bzip2_zeros(hdr, sizeof(Elf64_Ehdr) + sizeof(*ph), 64ULL << 20, &clen);
		bz = make_bzimage(c, clen, &def, &len);
		p = write_tmp("bomb-elf", bz, len);
		vm_new(&v, SZ_1G, p);
		is_int(vm_boot_msg(&v, msg, sizeof(msg)), -1,
		       "ELF header with a 2 GiB segment, then 64 MiB of zeros: refused");
		ok(strstr(msg, "vmlinux is larger than the") && strstr(msg, "use a larger -m"),
		   "... saying it does not fit: %.*s", (int)strcspn(msg, "\n"), msg);
		res = ram_resident(&v);
		ok(res < (4ULL << 20), "... after touching %llu KiB of guest RAM",
		   (unsigned long long)(res >> 10));
		vm_free(&v);
		free(bz);
		free(c);
		free(hdr);
	}

	/* a good vmlinux followed by 64 MiB of zeros: decoding stops at its end */
	c = bzip2_zeros(elf, elf_len, 64ULL << 20, &clen);
	bz = make_bzimage(c, clen, &def, &len);
	p = write_tmp("vmlinux-then-zeros", bz, len);
	vm_new(&v, SZ_1G, p);
	is_int(vm_boot(&v), 0, "vmlinux followed by 64 MiB of zeros: boots");
	ok(kernel_loaded(&v), "... its segment loaded at 0x1000000");
	res = ram_resident(&v);
	ok(res < (8ULL << 20), "... decoding stopped at the vmlinux's end: %llu KiB of RAM touched",
	   (unsigned long long)(res >> 10));
	/* the decompressed file was at ALIGN_UP(pref_address + init_size, 2M) */
	ok(memcmp(v.ram + KLOAD + BZ_INIT_SIZE, ELFMAG, SELFMAG) != 0 &&
	   v.ram[KLOAD + BZ_INIT_SIZE] == 0 && v.kvm.load_hwm > 0,
	   "... and the RAM it was decompressed in was given back (zeros there now)");
	vm_free(&v);
	free(bz);
	free(c);

	/* room: a vmlinux must fit in the RAM above pref_address + init_size */
	c = bzip2_zeros(elf, elf_len, 0, &clen);
	bz = make_bzimage(c, clen, &def, &len);
	p = write_tmp("bzImage-bz2", bz, len);
	vm_new(&v, 32 * SZ_1M, p);
	is_int(vm_boot_msg(&v, msg, sizeof(msg)), -1,
	       "RAM ends at pref_address + init_size: no room to decompress in");
	ok(strstr(msg, "use a larger -m") != NULL, "... says to use a larger -m: %.*s",
	   (int)strcspn(msg, "\n"), msg);
	vm_free(&v);
	vm_new(&v, 40 * SZ_1M, p);
	is_int(vm_boot(&v), 0, "bzip2 payload with 6 MiB of room above the kernel: boots");
	ok(kernel_loaded(&v), "... loaded");
	vm_free(&v);
	free(bz);
	free(c);
}

int main(void)
{
	size_t elf_len;
	u8 *elf = make_elf(KLOAD + KENTRY_OFF, &elf_len);
	const char *vmlinux;

	snprintf(dir, sizeof(dir), "/tmp/lkvm-test-boot.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	vmlinux = write_tmp("vmlinux", elf, elf_len);

	test_vmlinux(vmlinux);
	test_vmlinux_virtual_entry();
	test_big_ram(vmlinux);
	test_initrd(vmlinux);
	test_bzimage(elf, elf_len);
	test_failures(vmlinux);
	test_bombs(elf, elf_len);

	for (int i = 0; i < nr_files; i++)
		unlink(files[i]);
	rmdir(dir);
	free(elf);
	return done_testing();
}
