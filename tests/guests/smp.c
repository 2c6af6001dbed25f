// SPDX-License-Identifier: GPL-2.0
/*
 * smp: start every AP with INIT-SIPI-SIPI through the local APIC, and have
 * each CPU print its APIC ID, in the order of the CPU list, so the output
 * does not depend on timing. The CPU list comes from the ACPI MADT
 * (processor local APIC entries, enabled ones), or from "cpus=N" on the
 * command line (APIC IDs 0..N-1), which wins.
 * Sources: Intel SDM vol. 3 sections 8.4.4 (MP initialization) and 10.6.1
 * (ICR); ACPI 6.4 sections 5.2.5 (RSDP), 5.2.7-8 (RSDT/XSDT), 5.2.12 (MADT).
 */
#include "runtime/asm.h"
#include "runtime/hw.h"
#include "runtime/rt.h"

#define LAPIC_ID	0x20
#define LAPIC_SVR	0xf0
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
#define ICR_INIT	0x00000500
#define ICR_STARTUP	0x00000600
#define ICR_PENDING	0x00001000
#define ICR_ASSERT	0x00004000
#define ICR_ALL_BUT_SELF 0x000c0000

extern const u8 tramp_start[], tramp_end[];

static u32 apic_ids[MAX_CPUS];
static int nr_cpus;
static volatile int turn;	/* index in apic_ids of the CPU that may print */

static u32 lapic_read(u32 reg)
{
	return mmio_read32(LAPIC_BASE + reg);
}

static void lapic_write(u32 reg, u32 v)
{
	mmio_write32(LAPIC_BASE + reg, v);
}

static u32 my_apic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

/* Enabled processor local APIC entries (type 0, flags bit 0), in order. */
static int cpus_from_madt(void)
{
	const struct acpi_table *madt = acpi_find("APIC");
	u32 off = sizeof(*madt) + 8;	/* local APIC address, flags */
	int n = 0;

	if (!madt)
		return 0;
	while (off + 2 <= madt->length && n < MAX_CPUS) {
		const u8 *e = (const u8 *)madt + off;

		if (e[1] < 2)
			break;
		if (e[0] == 0 && e[1] >= 8 && (e[4] & 1))
			apic_ids[n++] = e[3];
		off += e[1];
	}
	return n;
}

/* Wait for my turn in the CPU list, print, pass the turn on. */
static void report(u32 id)
{
	int me = -1;

	for (int i = 0; i < nr_cpus; i++)
		if (apic_ids[i] == id)
			me = i;
	if (me < 0) {
		console_lock();
		printf("cpu with apic id %u is not in the cpu list\n", id);
		console_unlock();
		return;
	}
	while (turn != me)
		cpu_relax();
	console_lock();
	printf("cpu %d: apic id %u\n", me, id);
	console_unlock();
	__atomic_store_n(&turn, me + 1, __ATOMIC_RELEASE);
}

void ap_main(int slot)
{
	(void)slot;
	report(my_apic_id());
}

static void send_ipi(u32 icr)
{
	lapic_write(LAPIC_ICR_HI, 0);
	lapic_write(LAPIC_ICR_LO, icr);
	while (lapic_read(LAPIC_ICR_LO) & ICR_PENDING)
		cpu_relax();
}

static u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

int main(struct mb_info *mbi)
{
	u64 want = cmdline_num("cpus", 0), deadline;

	(void)mbi;
	if (want) {
		nr_cpus = want > MAX_CPUS ? MAX_CPUS : (int)want;
		for (int i = 0; i < nr_cpus; i++)
			apic_ids[i] = (u32)i;
	} else {
		nr_cpus = cpus_from_madt();
	}
	if (!nr_cpus) {
		printf("smp: no ACPI MADT and no cpus=N on the command line\n");
		return 2;
	}
	printf("smp: %d cpus\n", nr_cpus);
	if (nr_cpus > 1) {
		memcpy((void *)TRAMPOLINE_GPA, tramp_start, (size_t)(tramp_end - tramp_start));
		lapic_write(LAPIC_SVR, lapic_read(LAPIC_SVR) | 0x100);	/* APIC on */
		send_ipi(ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_INIT);
		send_ipi(ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_STARTUP | (TRAMPOLINE_GPA >> 12));
		send_ipi(ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_STARTUP | (TRAMPOLINE_GPA >> 12));
	}
	report(my_apic_id());
	/* 10^11 TSC cycles: 25-50 s at the usual TSC rates, below the tests' 60 s. */
	deadline = rdtsc() + 100000000000ull;
	while (turn < nr_cpus && rdtsc() < deadline)
		cpu_relax();
	if (turn < nr_cpus) {
		printf("smp: timeout: %d of %d cpus reported\n", turn, nr_cpus);
		return 3;
	}
	printf("smp: all %d cpus up\n", nr_cpus);
	return 0;
}
