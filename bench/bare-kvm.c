// SPDX-License-Identifier: GPL-2.0
/*
 * bare-kvm: the least a VMM can do to run a guest payload, as the baseline
 * of bench/exit. It loads one multiboot image by its a.out-kludge header
 * (Multiboot Specification 0.6.96 section 3.1.3; every tests/guests payload
 * has one), gives it a command line, enters it in 32-bit protected mode
 * (spec section 3.2) and loops on KVM_RUN (Documentation/virt/kvm/api.rst)
 * with only what the payload needs: COM1 output, the LSR read, the
 * debug-exit port 0xf4 and a counter for writes to the benchmark port.
 *
 * usage: bare-kvm IMAGE [CMDLINE] [PORT]
 * Prints the guest's serial output on stdout and, on stderr, the number of
 * writes to PORT (default 0x80) and the time between the first and the
 * last one, so the per-exit cost excludes start-up. Exits with the
 * debug-exit status (V << 1) | 1, or 3 on any other end.
 *
 * usage: bare-kvm --tsc-hz
 * Prints the host's TSC rate in Hz, measured against CLOCK_MONOTONIC over
 * 200 ms, so bench/exit can turn the TSC cycles a payload counted into
 * time (a guest's TSC runs at the host's rate unless the VMM scales it).
 * Standalone on purpose: it links nothing of lkvm.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RAM_SIZE	(64u << 20)
#define INFO_GPA	0x30000u	/* multiboot info */
#define CMDLINE_GPA	0x31000u
#define MB_MAGIC	0x1BADB002u
#define MB_AOUT_KLUDGE	(1u << 16)
#define MB_INFO_MEMORY	(1u << 0)
#define MB_INFO_CMDLINE	(1u << 2)

static void fail(const char *what)
{
	fprintf(stderr, "bare-kvm: %s: %s\n", what, strerror(errno));
	exit(3);
}

static void bad(const char *what)
{
	fprintf(stderr, "bare-kvm: %s\n", what);
	exit(3);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static int print_tsc_hz(void)
{
	struct timespec d = { 0, 200000000 };
	uint64_t t0 = now_ns(), c0 = rdtsc(), t1, c1;

	nanosleep(&d, NULL);
	t1 = now_ns();
	c1 = rdtsc();
	printf("%.0f\n", (double)(c1 - c0) * 1e9 / (double)(t1 - t0));
	return 0;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* Copy the image into @ram by its a.out-kludge header; returns the entry. */
static uint32_t load_image(const char *path, uint8_t *ram)
{
	uint32_t hdr_addr, load, load_end, bss_end, entry;
	size_t off, len, file_off, size;
	struct stat st;
	uint8_t *img;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0)
		fail(path);
	len = (size_t)st.st_size;
	img = malloc(len ? len : 1);
	if (!img || read(fd, img, len) != (ssize_t)len)
		fail(path);
	close(fd);
	for (off = 0; off + 32 <= len && off < 8192; off += 4)
		if (rd32(img + off) == MB_MAGIC &&
		    rd32(img + off) + rd32(img + off + 4) + rd32(img + off + 8) == 0)
			break;
	if (off + 32 > len || off >= 8192 || !(rd32(img + off + 4) & MB_AOUT_KLUDGE))
		bad("no multiboot header with a.out-kludge addresses in the first 8 KiB");
	hdr_addr = rd32(img + off + 12);
	load = rd32(img + off + 16);
	load_end = rd32(img + off + 20);
	bss_end = rd32(img + off + 24);
	entry = rd32(img + off + 28);
	if (hdr_addr < load || hdr_addr - load > off)
		bad("bad header_addr/load_addr");
	file_off = off - (hdr_addr - load);
	size = load_end ? load_end - load : len - file_off;
	if (load_end && load_end < load)
		bad("bad load_end_addr");
	if (size > len - file_off || load < 0x100000 || load >= RAM_SIZE ||
	    size > RAM_SIZE - load || (bss_end && (bss_end < load + size || bss_end > RAM_SIZE)))
		bad("image does not fit in the file or in 64 MiB of RAM");
	memcpy(ram + load, img + file_off, size);
	if (bss_end)
		memset(ram + load + size, 0, bss_end - load - size);
	free(img);
	return entry;
}

/* The multiboot info: memory sizes and "bare-kvm CMDLINE" (spec 3.3). */
static void write_info(uint8_t *ram, const char *cmdline)
{
	uint32_t info[8] = { 0 };

	snprintf((char *)ram + CMDLINE_GPA, 4096, "bare-kvm %s", cmdline);
	info[0] = MB_INFO_MEMORY | MB_INFO_CMDLINE;
	info[1] = 639;
	info[2] = (RAM_SIZE >> 10) - 1024;
	info[4] = CMDLINE_GPA;
	memcpy(ram + INFO_GPA, info, sizeof(info));
}

/* Flat 32-bit segments, paging off: multiboot spec 3.2 machine state. */
static void setup_cpu(int kvm, int vcpu, uint32_t entry)
{
	struct kvm_segment code = { .base = 0, .limit = 0xffffffff, .selector = 0x08,
				    .type = 11, .present = 1, .s = 1, .db = 1, .g = 1 };
	struct kvm_segment data = code;
	struct kvm_cpuid2 *cpuid;
	struct kvm_sregs sregs;
	struct kvm_regs regs = { 0 };
	int n = 256;

	cpuid = calloc(1, sizeof(*cpuid) + n * sizeof(cpuid->entries[0]));
	cpuid->nent = (uint32_t)n;
	/* Without a CPUID that shows long mode, KVM refuses EFER.LME on VMX/SVM. */
	if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid) < 0)
		fail("KVM_GET_SUPPORTED_CPUID");
	if (ioctl(vcpu, KVM_SET_CPUID2, cpuid) < 0)
		fail("KVM_SET_CPUID2");
	free(cpuid);

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		fail("KVM_GET_SREGS");
	data.type = 3;
	data.selector = 0x10;
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.cr0 = 0x11;	/* PE | ET */
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		fail("KVM_SET_SREGS");
	regs.rip = entry;
	regs.rax = 0x2BADB002;
	regs.rbx = INFO_GPA;
	regs.rflags = 2;
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		fail("KVM_SET_REGS");
}

int main(int argc, char **argv)
{
	struct kvm_userspace_memory_region region = { 0 };
	unsigned long port = argc > 3 ? strtoul(argv[3], NULL, 0) : 0x80;
	uint64_t count = 0, t_first = 0, t_last = 0;
	struct kvm_run *run;
	uint8_t *ram;
	int kvm, vm, vcpu, status = 3;
	long run_size;

	if (argc == 2 && !strcmp(argv[1], "--tsc-hz"))
		return print_tsc_hz();
	if (argc < 2) {
		fprintf(stderr, "usage: bare-kvm IMAGE [CMDLINE] [PORT] | bare-kvm --tsc-hz\n");
		return 2;
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		fail("/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		fail("KVM_CREATE_VM");
	/* Intel needs a TSS area for its real-mode support; harmless elsewhere. */
	if (ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SET_TSS_ADDR) > 0)
		ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000UL);
	if (ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0)
		fail("KVM_CREATE_IRQCHIP");
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		fail("mmap");
	region.memory_size = RAM_SIZE;
	region.userspace_addr = (uintptr_t)ram;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		fail("KVM_SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		fail("KVM_CREATE_VCPU");
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		fail("mmap kvm_run");
	setup_cpu(kvm, vcpu, load_image(argv[1], ram));
	write_info(ram, argc > 2 ? argv[2] : "");

	for (;;) {
		uint8_t *data;

		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			fail("KVM_RUN");
		}
		if (run->exit_reason != KVM_EXIT_IO) {
			fprintf(stderr, "bare-kvm: exit reason %u\n", run->exit_reason);
			break;
		}
		data = (uint8_t *)run + run->io.data_offset;
		if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == port) {
			t_last = now_ns();
			if (!count++)
				t_first = t_last;
		} else if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == 0x3f8) {
			fwrite(data, 1, run->io.size * run->io.count, stdout);
		} else if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == 0xf4) {
			uint32_t v = 0;

			memcpy(&v, data, run->io.size < 4 ? run->io.size : 4);
			status = (int)((v << 1) | 1);
			break;
		} else if (run->io.direction == KVM_EXIT_IO_IN) {
			/* LSR: transmitter empty; any other port reads as absent. */
			memset(data, run->io.port == 0x3fd ? 0x20 : 0xff,
			       (size_t)run->io.size * run->io.count);
		}
	}
	fflush(stdout);
	if (count > 1)
		fprintf(stderr, "bare-kvm: %llu writes to port %#lx in %llu ns: %.2f us/exit\n",
			(unsigned long long)count, port,
			(unsigned long long)(t_last - t_first),
			(double)(t_last - t_first) / 1000.0 / (double)(count - 1));
	return status;
}
