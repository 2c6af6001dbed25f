// SPDX-License-Identifier: GPL-2.0
/*
 * MP tables built into a fake guest memory, found and walked the way an OS
 * does (offsets from MP spec 1.4 chapter 4, independent of mptable.c).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv/x86/layout.h"
#include "hv/x86/mptable.h"
#include "tests/tap.h"

#define RAM_SIZE SZ_2M
#define FILL 0x5A

static u8 *ram;
static struct guest_mem mem;

static u16 rd16(const u8 *p) { u16 v; memcpy(&v, p, 2); return v; }
static u32 rd32(const u8 *p) { u32 v; memcpy(&v, p, 4); return v; }

static u8 sum8(const u8 *p, size_t len)
{
	u8 s = 0;

	while (len--)
		s += *p++;
	return s;
}

/* Scan 0xF0000-0xFFFFF on 16-byte boundaries (MP spec 1.4 section 4). */
static u64 find_mpf(void)
{
	for (u64 a = 0xF0000; a < 0x100000; a += 16)
		if (!memcmp(ram + a, "_MP_", 4) && ram[a + 8] == 1 &&
		    sum8(ram + a, 16) == 0)
			return a;
	return 0;
}

/* Entry size by type (MP spec 1.4 table 4-3), 0 if unknown. */
static int entry_size(u8 type)
{
	return type == 0 ? 20 : type <= 4 ? 8 : 0;
}

static void test_build(int nr_cpus)
{
	char what[32];
	u64 mpf_gpa, cfg_gpa;
	const u8 *mpf, *h, *e, *end;
	int nr_cpu = 0, nr_bsp = 0, nr_isa = 0, nr_pci = 0, nr_ioapic = 0;
	int nr_extint = 0, nr_nmi = 0, nr_entries = 0, last_type = 0;
	bool cpus_ok = true, sorted = true, walk_ok = true, outside_ok = true;
	u32 isa_irqs = 0;
	u16 len;

	snprintf(what, sizeof(what), "%d vCPUs", nr_cpus);
	memset(ram, FILL, RAM_SIZE);
	is_int(mptable_build(&mem, nr_cpus), 0, "mptable_build succeeds");
	for (u64 a = 0; a < RAM_SIZE; a++) {
		if (a == MPTABLE_AREA_GPA)
			a += MPTABLE_AREA_SIZE;
		if (a < RAM_SIZE && ram[a] != FILL) {
			outside_ok = false;
			break;
		}
	}
	ok(outside_ok, "%s: nothing written outside the MP table area", what);
	mpf_gpa = find_mpf();
	ok(mpf_gpa != 0, "%s: floating pointer found with a valid checksum", what);
	if (!mpf_gpa)
		return;
	mpf = ram + mpf_gpa;
	is_int(mpf[9], 4, "floating pointer: spec revision 1.4");
	is_int(mpf[11], 0, "floating pointer: configuration table present (feature 1 == 0)");

	cfg_gpa = rd32(mpf + 4);
	ok(cfg_gpa >= MPTABLE_AREA_GPA && cfg_gpa + 44 <= MPTABLE_AREA_GPA + MPTABLE_AREA_SIZE,
	   "%s: configuration table in the MP area", what);
	if (cfg_gpa < MPTABLE_AREA_GPA || cfg_gpa + 44 > MPTABLE_AREA_GPA + MPTABLE_AREA_SIZE)
		return;
	h = ram + cfg_gpa;
	len = rd16(h + 4);
	ok(!memcmp(h, "PCMP", 4) && h[6] == 4, "%s: PCMP header, revision 1.4", what);
	ok(len >= 44 && cfg_gpa + len <= MPTABLE_AREA_GPA + MPTABLE_AREA_SIZE &&
	   sum8(h, len) == 0, "%s: configuration table checksum", what);
	is_int(rd32(h + 36), LAPIC_GPA, "local APIC address");
	ok(rd16(h + 40) == 0, "%s: no extended table", what);

	end = h + len;
	for (e = h + 44; e < end; e += entry_size(e[0])) {
		int sz = entry_size(e[0]);

		if (!sz || e + sz > end) {
			walk_ok = false;
			break;
		}
		nr_entries++;
		if (e[0] < last_type)
			sorted = false;
		last_type = e[0];
		switch (e[0]) {
		case 0:
			if (e[1] != nr_cpu || !(e[3] & 1))
				cpus_ok = false;
			if (e[3] & 2)
				nr_bsp += e[1] == 0 ? 1 : 100;
			nr_cpu++;
			break;
		case 1:
			if (e[1] == 0 && !memcmp(e + 2, "ISA   ", 6))
				nr_isa++;
			if (e[1] == 1 && !memcmp(e + 2, "PCI   ", 6))
				nr_pci++;
			break;
		case 2:
			nr_ioapic++;
			ok(e[1] == nr_cpus && (e[3] & 1) && rd32(e + 4) == IOAPIC_GPA,
			   "%s: IOAPIC id %d, enabled, at %#llx", what, nr_cpus, IOAPIC_GPA);
			break;
		case 3:
			/* ISA IRQ n -> IOAPIC pin n, INT, bus-default flags. */
			if (e[1] == 0 && rd16(e + 2) == 0 && e[4] == 0 && e[5] < 16 &&
			    e[6] == nr_cpus && e[7] == e[5])
				isa_irqs |= 1u << e[5];
			else
				isa_irqs |= 1u << 31;
			break;
		case 4:
			if (e[1] == 3 && e[6] == 0xFF && e[7] == 0)
				nr_extint++;
			if (e[1] == 1 && e[6] == 0xFF && e[7] == 1)
				nr_nmi++;
			break;
		}
	}
	ok(walk_ok && e == end, "%s: entries fill the base table exactly", what);
	is_int(nr_entries, rd16(h + 34), "entry count matches the header");
	ok(sorted, "%s: entries sorted by type", what);
	is_int(nr_cpu, nr_cpus, "processor entries == nr_cpus");
	ok(cpus_ok, "%s: processors enabled, APIC ID == index", what);
	is_int(nr_bsp, 1, "exactly one BSP, APIC ID 0");
	ok(nr_isa == 1 && nr_pci == 1, "%s: ISA bus 0 and PCI bus 1", what);
	is_int(nr_ioapic, 1, "one IOAPIC entry");
	is_int(isa_irqs, 0xFFFF, "ISA IRQs 0-15 on IOAPIC pins 0-15");
	ok(nr_extint == 1 && nr_nmi == 1, "%s: ExtINT on LINT0, NMI on LINT1", what);
}

int main(void)
{
	static const int cpus[] = { 1, 2, 4, 64, MPTABLE_MAX_CPUS };
	struct guest_mem small;
	int null = open("/dev/null", O_WRONLY), saved = dup(STDERR_FILENO);

	ram = malloc(RAM_SIZE);
	if (!ram)
		return 1;
	guest_mem_layout(&mem, ram, RAM_SIZE);
	for (size_t i = 0; i < ARRAY_SIZE(cpus); i++)
		test_build(cpus[i]);

	/* The failures log errors on purpose: keep them off prove's output. */
	dup2(null, STDERR_FILENO);
	is_int(mptable_build(&mem, 0), -1, "0 vCPUs fails");
	is_int(mptable_build(&mem, MPTABLE_MAX_CPUS + 1), -1, "MPTABLE_MAX_CPUS + 1 fails");
	guest_mem_layout(&small, ram, MPTABLE_AREA_GPA + MPTABLE_AREA_SIZE - 1);
	is_int(mptable_build(&small, 1), -1, "MP area not all RAM fails");
	dup2(saved, STDERR_FILENO);
	free(ram);
	return done_testing();
}
