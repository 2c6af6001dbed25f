// SPDX-License-Identifier: GPL-2.0
/*
 * stat-counts: a guest that makes exactly known numbers of exits, so that
 * `lkvm stat` can be checked against them (tests/stat.t) and timed
 * (bench/stat). After an NMI (`lkvm debug --nmi 0`, the "go" a recorder
 * gives once it is attached; "go=1" starts at once) it makes, with nothing
 * else in between:
 *   - "pio=N" (100000) one-byte `out`s to "port=P" (0x80, lkvm's "post"
 *     device) at CPL3;
 *   - "mmio=N" (20000) 4-byte writes at CPL3 to offset 4 of the pvpanic
 *     PCI device's BAR0: a register that ignores writes, so the MMIO range
 *     has an lkvm device behind it (named "pvpanic" in lkvm stat's MMIO
 *     table and device table) and nothing happens but the exit;
 *   - "cpuid=N" (5000) `cpuid` of leaf 0 and "msr=N" (5000) `rdmsr` of
 *     IA32_APIC_BASE (0x1b) at CPL0, where the host emulates them, so
 *     kvm_cpuid and kvm_msr fire (at CPL3 CPUID runs natively on PVM
 *     hosts and RDMSR faults);
 * then sets stat_done to 1 and, with "end=wait" (the default), spins at
 * CPL3 until a second NMI, so a recorder can be stopped while the guest
 * makes no exit at all; "end=exit" ends at once. "tsc=1" prints the TSC
 * cycles of the PIO loop (bench/stat). The final report line:
 *   stat-counts: pio 100000 port 0x80 mmio 20000 at 0x... cpuid 5000 msr 5000
 * Sources: PCI Local Bus Specification 3.0 section 3.2.2.3.2 (configuration
 * mechanism #1) and 6.2.5.1 (BARs); QEMU docs/specs/pvpanic.rst (PCI IDs);
 * Intel SDM vol. 3A 6.7 (NMI), vol. 4 (IA32_APIC_BASE).
 */
#include "runtime/asm.h"
#include "runtime/rt.h"

#define PCI_ADDR	0xcf8
#define PCI_DATA	0xcfc
#define PVPANIC_ID	0x00111b36	/* device 0x0011, vendor 0x1b36 */
#define MSR_APIC_BASE	0x1b

volatile u64 stat_done;
static u16 port;
static u64 mmio_addr;

static u32 pci_read32(int dev, int reg)
{
	outl(PCI_ADDR, 0x80000000u | (u32)dev << 11 | (u32)reg);
	return inl(PCI_DATA);
}

/* BAR0 of the pvpanic device on bus 0, or 0. */
static u64 find_pvpanic(void)
{
	for (int dev = 0; dev < 32; dev++) {
		u32 bar;

		if (pci_read32(dev, 0) != PVPANIC_ID)
			continue;
		bar = pci_read32(dev, 0x10);
		if (bar & 1)
			return 0;	/* an I/O BAR: not what this test needs */
		return bar & ~0xfu;
	}
	return 0;
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((u64)hi << 32) | lo;
}

/* CPL3: wait until @arg NMIs arrived. No exit happens while it spins. */
__attribute__((noinline)) long wait_nmis(long arg)
{
	while (nmi_count < (u64)arg)
		cpu_relax();
	return 0;
}

/* CPL3: @n port writes; returns their TSC cycles. */
__attribute__((noinline)) long pio_loop(long n)
{
	u16 p = port;
	u64 t0 = rdtsc();

	for (long i = 0; i < n; i++)
		outb(p, 0);
	return (long)(rdtsc() - t0);
}

/* CPL3: @n MMIO writes to the ignored pvpanic register. */
__attribute__((noinline)) long mmio_loop(long n)
{
	volatile u32 *reg = (volatile u32 *)(mmio_addr + 4);

	for (long i = 0; i < n; i++)
		*reg = 0;
	return 0;
}

/* CPL0: @n CPUID and @m RDMSR instructions, which the host emulates. */
__attribute__((noinline)) static void cpl0_loop(u64 n, u64 m)
{
	u32 r[4];

	for (u64 i = 0; i < n; i++)
		cpuid(0, 0, r);
	for (u64 i = 0; i < m; i++)
		(void)rdmsr(MSR_APIC_BASE);
}

int main(struct mb_info *mbi)
{
	u64 n_pio = cmdline_num("pio", 100000), n_mmio = cmdline_num("mmio", 20000);
	u64 n_cpuid = cmdline_num("cpuid", 5000), n_msr = cmdline_num("msr", 5000);
	int go = cmdline_num("go", 0) != 0;
	char end[8];
	long cycles = 0;

	(void)mbi;
	port = (u16)cmdline_num("port", 0x80);
	if (!cmdline_value("end", end, sizeof(end)))
		memcpy(end, "wait", 5);
	mmio_addr = find_pvpanic();
	if (n_mmio && !mmio_addr) {
		printf("stat-counts: no pvpanic PCI device with a memory BAR\n");
		return 2;
	}
	nmi_counter_install();
	printf("stat-counts: ready, done flag at %p, mmio at %#lx\n", (void *)&stat_done,
	       (unsigned long)mmio_addr);
	if (!go)
		run_user(wait_nmis, 1);

	/* The counted part: nothing else may exit between here and stat_done. */
	if (n_pio)
		cycles = run_user(pio_loop, (long)n_pio);
	if (n_mmio)
		run_user(mmio_loop, (long)n_mmio);
	cpl0_loop(n_cpuid, n_msr);
	stat_done = 1;

	if (!memcmp(end, "wait", 5))
		run_user(wait_nmis, go ? 1 : 2);
	printf("stat-counts: pio %lu port %#x mmio %lu at %#lx cpuid %lu msr %lu\n", n_pio, port,
	       n_mmio, (unsigned long)mmio_addr + 4, n_cpuid, n_msr);
	if (cmdline_num("tsc", 0))
		printf("stat-counts: tsc cycles %ld\n", cycles);
	return 0;
}
