// SPDX-License-Identifier: GPL-2.0
/*
 * Booting x86 guests: pick the loader for the image, load it, build the
 * firmware tables, and put the BSP in the mode the image expects.
 * Sources: x86 boot protocol (Documentation/arch/x86/boot.rst, "64-bit Boot
 * Protocol"), Multiboot Specification 0.6.96, Intel SDM vol. 3A ch. 9.8.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hv/x86/acpi.h"
#include "hv/x86/boot.h"
#include "hv/x86/bzimage.h"
#include "hv/x86/cmdline.h"
#include "hv/x86/elf_load.h"
#include "hv/x86/layout.h"
#include "hv/x86/mptable.h"
#include "util/decompress.h"
#include "util/log.h"
#include "util/symbols.h"

/* Boot GDT selectors: __BOOT_CS/__BOOT_DS of the 64-bit boot protocol. */
#define GDT_SEL_CODE32 0x08
#define GDT_SEL_CODE64 0x10
#define GDT_SEL_DATA 0x18

#define CR0_PE (1ULL << 0)
#define CR0_MP (1ULL << 1)
#define CR0_ET (1ULL << 4)
#define CR0_NE (1ULL << 5)
#define CR0_WP (1ULL << 16)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define PTE_P 0x1ULL
#define PTE_RW 0x2ULL
#define PTE_PS 0x80ULL

/* Linux's COMMAND_LINE_SIZE on x86 when the header does not say (< 2.06). */
#define LINUX_OLD_CMDLINE_MAX 255

static void write_gdt(struct kvm *kvm)
{
	u64 gdt[4] = {
		0,
		0x00cf9b000000ffffULL,	/* 0x08: 32-bit code, flat */
		0x00af9b000000ffffULL,	/* 0x10: 64-bit code */
		0x00cf93000000ffffULL,	/* 0x18: data, flat */
	};

	guest_write(&kvm->mem, BOOT_GDT_GPA, gdt, sizeof(gdt));
}

/* Identity map of 0-4 GiB with 2 MiB pages: all the boot protocol asks for. */
static void write_page_tables(struct kvm *kvm)
{
	u64 *pml4 = gpa_to_hva(&kvm->mem, BOOT_PML4_GPA, 4096);
	u64 *pdpt = gpa_to_hva(&kvm->mem, BOOT_PDPT_GPA, 4096);
	u64 *pd = gpa_to_hva(&kvm->mem, BOOT_PD_GPA, 4 * 4096);

	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = BOOT_PDPT_GPA | PTE_P | PTE_RW;
	for (int i = 0; i < 4; i++)
		pdpt[i] = (BOOT_PD_GPA + i * 4096) | PTE_P | PTE_RW;
	for (int i = 0; i < 4 * 512; i++)
		pd[i] = ((u64)i * SZ_2M) | PTE_P | PTE_RW | PTE_PS;
}

static struct kvm_segment flat_seg(u16 sel, u8 type, bool code64)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .dpl = 0, .db = !code64, .s = 1, .l = code64, .g = 1,
	};
}

int boot_setup_bsp(struct vcpu *vcpu, const struct boot_cpu_state *cpu)
{
	struct kvm_sregs s;
	struct kvm_regs r = {
		.rip = cpu->rip, .rsp = cpu->rsp, .rax = cpu->rax, .rbx = cpu->rbx,
		.rsi = cpu->rsi, .rflags = 0x2,
	};
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
	bool lm = cpu->mode == BOOT_MODE_LONG;

	if (vcpu_ioctl(vcpu, KVM_GET_SREGS, &s) < 0)
		goto fail;
	s.cs = flat_seg(lm ? GDT_SEL_CODE64 : GDT_SEL_CODE32, 0xb, lm);
	s.ds = s.es = s.fs = s.gs = s.ss = flat_seg(GDT_SEL_DATA, 0x3, false);
	s.gdt.base = BOOT_GDT_GPA;
	s.gdt.limit = 4 * 8 - 1;
	s.idt.base = 0;
	s.idt.limit = 0;
	/* A usable busy 64-bit TSS: VM entry checks TR even if nothing uses it. */
	s.tr = (struct kvm_segment){ .limit = 0x67, .type = 0xb, .present = 1 };
	s.ldt = (struct kvm_segment){ .type = 0x2, .present = 1, .limit = 0xffff };
	if (lm) {
		s.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
		s.cr3 = BOOT_PML4_GPA;
		s.cr4 = CR4_PAE;
		s.efer = EFER_LME | EFER_LMA;
	} else {
		s.cr0 = CR0_PE | CR0_ET;
		s.cr3 = 0;
		s.cr4 = 0;
		s.efer = 0;
	}
	if (vcpu_ioctl(vcpu, KVM_SET_SREGS, &s) < 0 ||
	    vcpu_ioctl(vcpu, KVM_SET_REGS, &r) < 0 ||
	    vcpu_ioctl(vcpu, KVM_SET_FPU, &fpu) < 0)
		goto fail;
	return 0;
fail:
	pr_err("cannot set up vCPU 0 registers: %s", strerror(errno));
	return -1;
}

/* e820 map: what lkvm gives Linux in boot_params (and multiboot its mmap). */
static int build_e820(const struct kvm *kvm, struct boot_e820_entry *e, int max)
{
	const struct guest_mem *mem = &kvm->mem;
	int n = 0;

	if (max < 5)
		return 0;
	e[n++] = (struct boot_e820_entry){ 0, EBDA_GPA, E820_TYPE_RAM };
	e[n++] = (struct boot_e820_entry){ EBDA_GPA, BIOS_END - EBDA_GPA, E820_TYPE_RESERVED };
	if (mem->banks[0].size > BIOS_END)
		e[n++] = (struct boot_e820_entry){ BIOS_END, mem->banks[0].size - BIOS_END,
						   E820_TYPE_RAM };
	if (mem->nr_banks > 1)
		e[n++] = (struct boot_e820_entry){ mem->banks[1].gpa, mem->banks[1].size,
						   E820_TYPE_RAM };
	return n;
}

struct linux_image {
	u64 entry;		/* 64-bit entry GPA */
	u64 kernel_end;		/* first free GPA above what the kernel needs */
	struct setup_header hdr;
	bool have_hdr;		/* hdr came from a bzImage */
};

/* decompress_ops.consumed and elf_load_opts.copied: drop the pages of the
 * mapped kernel file that have been read (they would count as lkvm's
 * memory until exit; read again, they come back from the file). */
static void drop_pages(void *arg __unused, const u8 *in, size_t n)
{
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t lo, hi;

	if (pg <= 0)
		return;
	lo = ALIGN_DOWN((uintptr_t)in, (uintptr_t)pg);
	hi = ALIGN_DOWN((uintptr_t)in + n, (uintptr_t)pg);
	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

static int load_vmlinux(struct kvm *kvm, const char *what, const u8 *elf, size_t len,
			struct linux_image *li)
{
	struct elf_image img;
	char err[256];

	/* @elf is the mapped kernel file: drop its pages once copied */
	if (elf_load_opts(&kvm->mem, elf, len, &(struct elf_load_opts){ .copied = drop_pages },
			  &img, err, sizeof(err)) < 0) {
		pr_err("%s: %s", what, err);
		return -1;
	}
	li->entry = img.entry;
	li->kernel_end = MAX(li->kernel_end, img.load_end);
	return 0;
}

/* What the streaming decompression of a vmlinux needs to know. */
struct vmlinux_stream {
	u64 need;		/* bytes of the file the loader reads, once known */
};

/*
 * decompress_ops.progress for a vmlinux: refuse what is not an ELF64 file
 * as soon as its header is out (a bomb of zeros stops after its first
 * window), refuse a file larger than the room, and stop decoding once every
 * byte the loader reads is out: program headers, PT_LOAD data and the
 * section header table (libelf's elf_memory checks it). Every field is
 * hostile; sums are checked against @cap before they are used.
 */
static int vmlinux_progress(void *arg, const u8 *out, size_t len, size_t cap, char *err,
			    size_t errlen)
{
	struct vmlinux_stream *vs = arg;
	Elf64_Ehdr eh;
	u64 need;

	if (len < sizeof(eh))
		return 0;
	if (elf_class(out, len) != 64)
		return set_err(err, errlen,
			       "payload does not decompress to a 64-bit ELF vmlinux (first bytes %02x %02x %02x %02x)",
			       out[0], out[1], out[2], out[3]);
	memcpy(&eh, out, sizeof(eh));
	if (!eh.e_phnum || eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff > cap ||
	    (u64)eh.e_phnum * sizeof(Elf64_Phdr) > cap - eh.e_phoff)
		return set_err(err, errlen,
			       "vmlinux program headers (%u of %u bytes at %#llx) are missing or lie beyond the %zu bytes of room",
			       eh.e_phnum, eh.e_phentsize, (unsigned long long)eh.e_phoff, cap);
	need = eh.e_phoff + (u64)eh.e_phnum * sizeof(Elf64_Phdr);
	if (len < need)
		return 0;
	if (eh.e_shoff) {
		u64 n = eh.e_shnum ? eh.e_shnum : 1;	/* 0: the count is in section 0 */

		if (eh.e_shoff > cap || n * eh.e_shentsize > cap - eh.e_shoff)
			goto too_big;
		need = MAX(need, eh.e_shoff + n * eh.e_shentsize);
	}
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, out + eh.e_phoff + (u64)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || !ph.p_filesz)
			continue;
		if (ph.p_offset > cap || ph.p_filesz > cap - ph.p_offset)
			goto too_big;
		need = MAX(need, ph.p_offset + ph.p_filesz);
	}
	vs->need = need;
	return len >= need;
too_big:
	return set_err(err, errlen,
		       "vmlinux is larger than the %zu MiB of guest RAM above the kernel it is decompressed in: use a larger -m",
		       cap >> 20);
}


/*
 * Give the guest RAM host decompression used back to the host
 * (MADV_DONTNEED: the guest finds zeros there, as in any untouched RAM),
 * after noting lkvm's own memory at this peak for the memory report.
 */
static void release_region(struct kvm *kvm, u8 *region, size_t size)
{
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t lo, hi;
	u64 hwm = kvm_peak_rss(), ram = kvm_ram_resident(kvm);

	if (pg <= 0)
		return;
	lo = ALIGN_UP((uintptr_t)region, (uintptr_t)pg);
	hi = ALIGN_DOWN((uintptr_t)region + size, (uintptr_t)pg);
	if (hi <= lo || madvise((void *)lo, hi - lo, MADV_DONTNEED) < 0)
		return;
	kvm->load_hwm = hwm;
	kvm->load_own = hwm > ram ? hwm - ram : 0;
}

/*
 * Host decompression straight into guest RAM: the payload is decoded into
 * the free RAM above what the kernel needs (pref_address + init_size, up to
 * the end of the first bank), the decoders' work memory comes from the top
 * of it, and the vmlinux's segments are copied from there to their
 * addresses. lkvm allocates nothing as large as the kernel, and a bomb
 * stops at the RAM there is.
 */
static int host_decompress(struct kvm *kvm, const char *path, const struct bzimage *bz,
			   struct linux_image *li)
{
	enum compression c = compression_detect(bz->payload, bz->payload_size);
	struct vmlinux_stream vs = { 0 };
	const struct decompress_ops ops = { vmlinux_progress, drop_pages, &vs };
	u64 lo = ALIGN_UP(li->kernel_end, SZ_2M), top = kvm->mem.banks[0].size;
	struct elf_image img;
	char err[256];
	size_t vlen;
	u64 t0 = now_ns();
	u8 *region;

	if (lo >= top || !(region = gpa_to_hva(&kvm->mem, lo, top - lo))) {
		pr_err("kernel '%s' needs memory up to %llu MiB and room above it to be decompressed in: use a larger -m",
		       path, (unsigned long long)(li->kernel_end >> 20) + 1);
		return -1;
	}
	if (decompress_into(bz->payload, bz->payload_size, region, top - lo, &ops, &vlen,
			    err, sizeof(err)) < 0) {
		pr_err("kernel '%s': %s%s", path, err,
		       strstr(err, "-m") ? "" : strstr(err, "room") || strstr(err, "memory") ?
		       " (use a larger -m, or --no-host-decompress)" : " (try --no-host-decompress)");
		return -1;
	}
	pr_info("decompressed the %s payload of %s on the host into guest RAM at %#llx: %zu -> %zu bytes in %llu ms",
		compression_name(c), path, (unsigned long long)lo, bz->payload_size, vlen,
		(unsigned long long)((now_ns() - t0) / 1000000));
	if (elf_load_opts(&kvm->mem, region, vlen, &(struct elf_load_opts){ .avoid = lo, .avoid_size = vlen },
			  &img, err, sizeof(err)) < 0) {
		pr_err("kernel '%s': %s", path, err);
		return -1;
	}
	li->entry = img.entry;
	li->kernel_end = MAX(li->kernel_end, img.load_end);
	release_region(kvm, region, top - lo);
	return 0;
}

static int load_bzimage(struct kvm *kvm, const char *path, const u8 *buf, size_t len,
			struct linux_image *li)
{
	const struct vm_config *cfg = kvm->cfg;
	struct bzimage bz;
	char err[256];

	if (bzimage_parse(buf, len, &bz, err, sizeof(err)) < 0) {
		pr_err("kernel '%s': %s", path, err);
		return -1;
	}
	li->hdr = bz.hdr;
	li->have_hdr = true;
	/* Whatever the loader, the kernel may use init_size bytes from its
	 * preferred address (decompression buffer, brk, early page tables). */
	li->kernel_end = bz.hdr.pref_address + bz.hdr.init_size;

	if (cfg->host_decompress)
		return host_decompress(kvm, path, &bz, li);

	/* In-guest decompression: the protected-mode kernel at code32_start,
	 * entered at its 64-bit entry point 0x200 bytes in. */
	u64 load = KERNEL_DEFAULT_GPA;

	if (guest_write(&kvm->mem, load, bz.pm, bz.pm_size) < 0) {
		pr_err("kernel '%s' (%zu bytes) does not fit in %llu MiB of guest RAM: use a larger -m",
		       path, bz.pm_size, (unsigned long long)(cfg->ram_size >> 20));
		return -1;
	}
	li->hdr.code32_start = load;
	li->entry = load + BZ_ENTRY64_OFFSET;
	li->kernel_end = MAX(li->kernel_end, ALIGN_UP(load, SZ_2M) + bz.hdr.init_size);
	li->kernel_end = MAX(li->kernel_end, load + bz.pm_size);
	return 0;
}

/* A vmlinux has no setup_header: give the kernel one as a loader would. */
static void default_setup_header(struct setup_header *h)
{
	memset(h, 0, sizeof(*h));
	h->boot_flag = BZ_BOOT_FLAG;
	h->header = BZ_HDR_MAGIC;
	h->version = 0x020f;
	h->loadflags = LOADED_HIGH;
	h->kernel_alignment = SZ_2M;
	h->initrd_addr_max = 0x7fffffff;
	h->cmdline_size = 2047;
}

static int load_initrd(struct kvm *kvm, const struct linux_image *li,
		       struct boot_params *bp)
{
	const struct vm_config *cfg = kvm->cfg;
	const char *path;
	u64 top, addr;
	struct stat st;
	size_t len;
	int fd;
	u8 *data;

	if (cfg->nr_modules == 0)
		return 0;
	if (cfg->nr_modules > 1) {
		pr_err("a Linux kernel takes one initrd, but %d were given with -i/--module",
		       cfg->nr_modules);
		return -1;
	}
	path = cfg->modules[0].path;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		pr_err("cannot read initrd '%s': %s", path, fd < 0 ? strerror(errno) : "not a regular file");
		goto fail;
	}
	len = (size_t)st.st_size;
	top = MIN((u64)li->hdr.initrd_addr_max + 1, kvm->mem.banks[0].size);
	if (len > top || ALIGN_DOWN(top - len, 4096) < ALIGN_UP(li->kernel_end, 4096)) {
		pr_err("initrd '%s' (%zu MiB) does not fit between the kernel and %#llx: use a larger -m",
		       path, len >> 20, (unsigned long long)top);
		goto fail;
	}
	addr = ALIGN_DOWN(top - len, 4096);
	/* read straight into guest RAM: no copy in lkvm's own memory */
	data = gpa_to_hva(&kvm->mem, addr, len);
	for (size_t done = 0; done < len;) {
		ssize_t r = pread(fd, data + done, len - done, (off_t)done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			pr_err("cannot read initrd '%s': %s", path,
			       r < 0 ? strerror(errno) : "file shrank while being read");
			goto fail;
		}
		done += (size_t)r;
	}
	close(fd);
	bp->hdr.ramdisk_image = (u32)addr;
	bp->hdr.ramdisk_size = (u32)len;
	bp->ext_ramdisk_image = addr >> 32;
	bp->ext_ramdisk_size = (u64)len >> 32;
	pr_debug("initrd %s: %zu bytes at %#llx", path, len, (unsigned long long)addr);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

static int boot_linux(struct kvm *kvm, const char *path, const u8 *buf, size_t len,
		      bool is_bzimage, u64 rsdp, struct boot_cpu_state *cpu)
{
	const struct vm_config *cfg = kvm->cfg;
	struct linux_image li = { 0 };
	struct boot_params *bp;
	u32 cmdline_max;
	char *cmdline;
	bool pvm;
	int n, tsc_khz;

	if (is_bzimage) {
		if (load_bzimage(kvm, path, buf, len, &li) < 0)
			return -1;
	} else {
		default_setup_header(&li.hdr);
		if (load_vmlinux(kvm, path, buf, len, &li) < 0)
			return -1;
	}
	if (li.kernel_end > kvm->mem.banks[0].size) {
		pr_err("kernel '%s' needs memory up to %llu MiB: use a larger -m",
		       path, (unsigned long long)(li.kernel_end >> 20) + 1);
		return -1;
	}

	bp = gpa_to_hva(&kvm->mem, BOOT_PARAMS_GPA, sizeof(*bp));
	memset(bp, 0, sizeof(*bp));
	bp->hdr = li.hdr;
	bp->hdr.type_of_loader = LOADER_TYPE_UNDEFINED;
	bp->hdr.loadflags &= ~QUIET_FLAG;
	bp->acpi_rsdp_addr = rsdp;
	bp->e820_entries = build_e820(kvm, bp->e820_table, E820_MAX_ENTRIES_ZEROPAGE);

	cmdline_max = li.hdr.version >= 0x0206 ? li.hdr.cmdline_size : LINUX_OLD_CMDLINE_MAX;
	cmdline_max = MIN(cmdline_max, (u32)BOOT_CMDLINE_MAX - 1);
	cmdline = gpa_to_hva(&kvm->mem, BOOT_CMDLINE_GPA, BOOT_CMDLINE_MAX);
	pvm = cfg->pvm_quirks && kvm->flavour == KVM_FLAVOUR_PVM;
	tsc_khz = pvm && kvm->vm_fd >= 0 ? vm_ioctl(kvm, KVM_GET_TSC_KHZ, 0) : 0;
	n = linux_cmdline_build_devices(cmdline, cmdline_max + 1, cfg->params, cfg->console,
					pvm, tsc_khz > 0 ? tsc_khz : 0, kvm->cmdline_extra);
	if (n < 0) {
		pr_err("kernel command line is longer than the %u bytes '%s' accepts: shorten -p",
		       cmdline_max, path);
		return -1;
	}
	bp->hdr.cmd_line_ptr = BOOT_CMDLINE_GPA;
	bp->ext_cmd_line_ptr = 0;
	pr_info("kernel command line: %s", cmdline);

	if (load_initrd(kvm, &li, bp) < 0)
		return -1;

	kvm->is_linux = true;
	cpu->mode = BOOT_MODE_LONG;
	cpu->rip = li.entry;
	cpu->rsi = BOOT_PARAMS_GPA;
	cpu->rsp = BOOT_STACK_TOP;
	return 0;
}

/* Map @path read-only (pages are read on first touch and can be dropped
 * again). Returns the mapping and *@len, or NULL with errno (0: empty). */
static u8 *map_file(const char *path, size_t *len)
{
	struct stat st;
	void *p = MAP_FAILED;
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0)
		e = errno;
	else if (S_ISDIR(st.st_mode))
		e = EISDIR;
	else if (!S_ISREG(st.st_mode))
		e = EINVAL;
	else if (!st.st_size)
		e = 0;
	else {
		*len = (size_t)st.st_size;
		p = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
		e = errno;
	}
	close(fd);
	errno = e;
	return p == MAP_FAILED ? NULL : p;
}

int boot_load(struct kvm *kvm, struct boot_cpu_state *cpu)
{
	const struct vm_config *cfg = kvm->cfg;
	const char *path = cfg->kernel;
	char err[256];
	size_t len;
	u8 *buf;
	u64 rsdp;
	long mb;
	int ret = -1;

	buf = map_file(path, &len);
	if (!buf) {
		pr_err("cannot read kernel '%s': %s", path, errno ? strerror(errno) : "file is empty");
		return -1;
	}

	write_gdt(kvm);
	write_page_tables(kvm);
	rsdp = acpi_build(&kvm->mem, cfg->nr_cpus);
	if (!rsdp || mptable_build(&kvm->mem, cfg->nr_cpus) < 0) {
		pr_err("cannot build the ACPI/MP tables for %d vCPUs", cfg->nr_cpus);
		goto out;
	}

	if (len >= 0x206 && !memcmp(buf + 0x202, "HdrS", 4)) {
		ret = boot_linux(kvm, path, buf, len, true, rsdp, cpu);
	} else if (elf_class(buf, len) == 64 && multiboot_probe(buf, len) < 0) {
		ret = boot_linux(kvm, path, buf, len, false, rsdp, cpu);
	} else if ((mb = multiboot_probe(buf, len)) >= 0) {
		if (cfg->nr_modules > MAX_MODULES) {
			pr_err("too many modules");
			goto out;
		}
		ret = multiboot_load(kvm, buf, len, cpu, err, sizeof(err));
		if (ret < 0)
			pr_err("multiboot image '%s': %s", path, err);
		if (!cpu->rsp)
			cpu->rsp = BOOT_STACK_TOP;
	} else {
		pr_err("kernel '%s' is not a bzImage, a vmlinux ELF or a multiboot image "
		       "(pass a kernel with -k)", path);
	}
	if (ret == 0 && !kvm->symbols_path) {
		/* An ELF image (vmlinux, multiboot ELF) carries its own symbols. */
		if (cfg->symbols)
			kvm->symbols_path = cfg->symbols;
		else if (elf_class(buf, len))
			kvm->symbols_path = path;
		else
			kvm->symbols_path = symtab_find_for_kernel(path);
		if (kvm->symbols_path)
			pr_info("guest symbols from %s", kvm->symbols_path);
	}
out:
	munmap(buf, len);
	return ret;
}
