// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI tables built into a fake guest memory, checked the way an OS finds
 * and reads them (offsets from ACPI 6.4 chapter 5, independent of acpi.c's
 * structs), decompiled with iasl when it is installed; and the PM1a
 * register rules of acpi_pm.c.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hv/kvm.h"
#include "hv/x86/acpi.h"
#include "hv/x86/hpet.h"
#include "hv/x86/layout.h"
#include "tests/tap.h"

#define RAM_SIZE SZ_2M
#define FILL 0xA5

static u8 *ram;
static struct guest_mem mem;

static u16 rd16(const u8 *p) { u16 v; memcpy(&v, p, 2); return v; }
static u32 rd32(const u8 *p) { u32 v; memcpy(&v, p, 4); return v; }
static u64 rd64(const u8 *p) { u64 v; memcpy(&v, p, 8); return v; }

static u8 sum8(const u8 *p, size_t len)
{
	u8 s = 0;

	while (len--)
		s += *p++;
	return s;
}

/* Host pointer to a table at @gpa if its header and whole length lie in
 * the ACPI area; NULL otherwise. */
static const u8 *table_at(u64 gpa)
{
	u32 len;

	if (gpa < ACPI_AREA_GPA || gpa + 36 > ACPI_AREA_GPA + ACPI_AREA_SIZE)
		return NULL;
	len = rd32(ram + gpa + 4);
	if (len < 36 || gpa + len > ACPI_AREA_GPA + ACPI_AREA_SIZE)
		return NULL;
	return ram + gpa;
}

/* What a table check reports: its signature, checksum and creator. */
static void check_header(const u8 *t, const char *sig, const char *what)
{
	ok(t && !memcmp(t, sig, 4), "%s: %.4s table present", what, sig);
	if (!t)
		return;
	ok(sum8(t, rd32(t + 4)) == 0, "%s: %.4s checksum", what, sig);
	ok(!memcmp(t + 10, "LKVM  ", 6) && !memcmp(t + 16, "LKVMTBL ", 8) &&
	   !memcmp(t + 28, "LKVM", 4), "%s: %.4s OEM and creator IDs", what, sig);
}

/* Scan 0xE0000-0xFFFFF on 16-byte boundaries like an OS (ACPI 6.4 5.2.5.1). */
static u64 find_rsdp(void)
{
	for (u64 a = 0xE0000; a < 0x100000; a += 16)
		if (!memcmp(ram + a, "RSD PTR ", 8) && sum8(ram + a, 20) == 0)
			return a;
	return 0;
}

/* Find the root table entry with signature @sig; @esz is 4 (RSDT) or 8. */
static u64 root_entry(const u8 *root, int esz, const char *sig)
{
	u32 n = (rd32(root + 4) - 36) / esz;

	for (u32 i = 0; i < n; i++) {
		u64 gpa = esz == 8 ? rd64(root + 36 + i * 8) : rd32(root + 36 + i * 4);
		const u8 *t = table_at(gpa);

		if (t && !memcmp(t, sig, 4))
			return gpa;
	}
	return 0;
}

static void check_madt(const u8 *m, int nr_cpus, const char *what)
{
	u32 len = rd32(m + 4);
	int nr_lapic = 0, nr_ioapic = 0, nr_sci_iso = 0, nr_other_iso = 0, nr_nmi = 0;
	bool ids_ok = true, bad_entry = false;

	is_int(rd32(m + 36), LAPIC_GPA, "MADT local APIC address");
	ok(rd32(m + 40) & 1, "%s: MADT PCAT_COMPAT", what);
	for (u32 off = 44; off < len;) {
		const u8 *e = m + off;

		if (off + 2 > len || e[1] < 2 || off + e[1] > len) {
			bad_entry = true;
			break;
		}
		switch (e[0]) {
		case 0:		/* Processor Local APIC */
			if (e[1] != 8 || !(rd32(e + 4) & 1) || e[2] != nr_lapic ||
			    e[3] != nr_lapic)
				ids_ok = false;
			nr_lapic++;
			break;
		case 1:		/* I/O APIC */
			nr_ioapic++;
			ok(e[1] == 12 && e[2] == nr_cpus && rd32(e + 4) == IOAPIC_GPA &&
			   rd32(e + 8) == 0, "%s: IOAPIC id %d at %#llx, GSI base 0",
			   what, nr_cpus, IOAPIC_GPA);
			break;
		case 2:		/* Interrupt Source Override */
			if (e[1] == 10 && e[2] == 0 && e[3] == ACPI_SCI_IRQ &&
			    rd32(e + 4) == ACPI_SCI_IRQ && rd16(e + 8) == 0xD)
				nr_sci_iso++;
			else
				nr_other_iso++;
			break;
		case 4:		/* Local APIC NMI */
			if (e[1] == 6 && e[2] == 0xFF && e[5] == 1)
				nr_nmi++;
			break;
		default:
			bad_entry = true;
		}
		off += e[1];
	}
	ok(!bad_entry, "%s: MADT entries well formed", what);
	is_int(nr_lapic, nr_cpus, "MADT local APIC entries == nr_cpus");
	ok(ids_ok, "%s: local APICs enabled, UID == APIC ID == index", what);
	is_int(nr_ioapic, 1, "MADT has one IOAPIC");
	is_int(nr_sci_iso, 1, "MADT SCI override: IRQ 9 -> GSI 9, level, active high");
	is_int(nr_other_iso, 0, "MADT has no other override (no IRQ0 -> GSI2)");
	is_int(nr_nmi, 1, "MADT NMI on LINT1 of all processors");
}

/* Value of the AML integer at @p (ZeroOp, OneOp, BytePrefix), or -1. */
static int aml_small_int(const u8 *p)
{
	if (p[0] == 0x00 || p[0] == 0x01)
		return p[0];
	if (p[0] == 0x0A)
		return p[1];
	return -1;
}

static void check_dsdt(const u8 *d)
{
	u32 len = rd32(d + 4);
	const u8 *s5 = memmem(d, len, "_S5_", 4);
	u32 window[4] = {
		(u32)PCI_MMIO_START, (u32)(PCI_MMIO_END - 1), 0,
		(u32)(PCI_MMIO_END - PCI_MMIO_START),
	};

	ok(s5 != NULL, "DSDT has \\_S5_");
	/* NameOp _S5_ PackageOp PkgLength(1 byte) NumElements SLP_TYPa ... */
	ok(s5 && s5 + 9 <= d + len && s5[4] == 0x12 &&
	   aml_small_int(s5 + 7) == ACPI_S5_SLP_TYP,
	   "\\_S5 SLP_TYPa == ACPI_S5_SLP_TYP (%d)", ACPI_S5_SLP_TYP);
	ok(memmem(d, len, "PCI0", 4) != NULL, "DSDT has PCI0");
	ok(memmem(d, len, window, sizeof(window)) != NULL,
	   "DSDT _CRS memory window == [PCI_MMIO_START, PCI_MMIO_END)");
}

/* Write @len bytes at @p to @dir/@name. Returns 0 or -1. */
static int dump(const char *dir, const char *name, const u8 *p, size_t len)
{
	char path[512];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	ret = fwrite(p, 1, len, f) == len ? 0 : -1;
	return fclose(f) || ret ? -1 : 0;
}

/*
 * iasl -d each table; iasl's own complaints (bad checksums, lengths,
 * unknown fields) show up as errors or warnings in its output. The RSDP is
 * left out: iasl does not take a bare RSDP as a table file.
 */
static void check_iasl(const u8 *xsdt, const u8 *rsdt, const u8 *fadt,
		       const u8 *facs, const u8 *madt, const u8 *dsdt, const u8 *hpet)
{
	static const char *names[] = { "xsdt", "rsdt", "facp", "facs", "apic", "dsdt", "hpet" };
	const u8 *tables[] = { xsdt, rsdt, fadt, facs, madt, dsdt, hpet };
	char dir[] = "/tmp/lkvm-test-acpi.XXXXXX", cmd[1024];

	if (system("command -v iasl >/dev/null 2>&1")) {
		skip("iasl not installed (acpica-tools)");
		return;
	}
	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char file[32], dsl[600];
		size_t len = rd32(tables[i] + 4);
		int st;
		struct stat sb;

		snprintf(file, sizeof(file), "%s.dat", names[i]);
		if (dump(dir, file, tables[i], len)) {
			ok(0, "write %s", file);
			continue;
		}
		snprintf(cmd, sizeof(cmd),
			 "cd %s && iasl -d %s > %s.log 2>&1 && "
			 "! grep -Ei 'error|warning|invalid|incorrect|mismatch' %s.log",
			 dir, file, names[i], names[i]);
		st = system(cmd);
		snprintf(dsl, sizeof(dsl), "%s/%s.dsl", dir, names[i]);
		ok(st == 0 && stat(dsl, &sb) == 0 && sb.st_size > 0,
		   "iasl -d %s: decompiles without errors or warnings", file);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		diag("could not remove %s", dir);
}

static void test_build(int nr_cpus, bool run_iasl)
{
	char what[32];
	u64 rsdp_gpa, xsdt_gpa, rsdt_gpa, fadt_gpa, madt_gpa, dsdt_gpa, facs_gpa, hpet_gpa;
	const u8 *rsdp, *xsdt, *rsdt, *fadt, *madt, *dsdt, *facs = NULL, *hpet;
	u64 ret;
	bool outside_ok = true;

	snprintf(what, sizeof(what), "%d vCPUs", nr_cpus);
	memset(ram, FILL, RAM_SIZE);
	ret = acpi_build(&mem, nr_cpus);
	rsdp_gpa = find_rsdp();
	ok(ret != 0 && ret == rsdp_gpa, "%s: acpi_build returns the RSDP found by scanning (%#llx)",
	   what, (unsigned long long)rsdp_gpa);
	for (u64 a = 0; a < RAM_SIZE; a++) {
		if (a == ACPI_AREA_GPA)
			a += ACPI_AREA_SIZE;
		if (a < RAM_SIZE && ram[a] != FILL) {
			outside_ok = false;
			break;
		}
	}
	ok(outside_ok, "%s: nothing written outside the ACPI area", what);
	if (!rsdp_gpa)
		return;
	rsdp = ram + rsdp_gpa;
	ok(rsdp[15] == 2 && rd32(rsdp + 20) == 36 && sum8(rsdp, 36) == 0,
	   "%s: RSDP revision 2, length 36, extended checksum", what);
	ok(!memcmp(rsdp + 9, "LKVM  ", 6), "%s: RSDP OEM ID", what);

	xsdt_gpa = rd64(rsdp + 24);
	rsdt_gpa = rd32(rsdp + 16);
	xsdt = table_at(xsdt_gpa);
	rsdt = table_at(rsdt_gpa);
	check_header(xsdt, "XSDT", what);
	check_header(rsdt, "RSDT", what);
	if (!xsdt || !rsdt)
		return;

	fadt_gpa = root_entry(xsdt, 8, "FACP");
	madt_gpa = root_entry(xsdt, 8, "APIC");
	ok(fadt_gpa && madt_gpa, "%s: XSDT lists FACP and APIC", what);
	hpet_gpa = root_entry(xsdt, 8, "HPET");
	ok(hpet_gpa && root_entry(rsdt, 4, "HPET") == hpet_gpa, "%s: XSDT and RSDT list HPET", what);
	hpet = table_at(hpet_gpa);
	check_header(hpet, "HPET", what);
	ok(hpet && rd32(hpet + 4) == 56 && rd32(hpet + 36) == (u32)hpet_gcap_id() &&
	   hpet[40] == 0 && rd64(hpet + 44) == HPET_GPA && hpet[52] == 0,
	   "%s: HPET table: 56 bytes, block ID, memory base 0xfed00000, number 0", what);
	ok(root_entry(rsdt, 4, "FACP") == fadt_gpa &&
	   root_entry(rsdt, 4, "APIC") == madt_gpa, "%s: RSDT lists the same", what);
	fadt = table_at(fadt_gpa);
	madt = table_at(madt_gpa);
	check_header(fadt, "FACP", what);
	check_header(madt, "APIC", what);
	if (!fadt || !madt)
		return;

	/* FADT (ACPI 6.4 table 5.9). */
	ok(rd32(fadt + 4) == 276 && fadt[8] == 6, "%s: FADT revision 6, 276 bytes", what);
	dsdt_gpa = rd64(fadt + 140);
	facs_gpa = rd32(fadt + 36);
	ok(rd32(fadt + 40) == dsdt_gpa && facs_gpa && facs_gpa < SZ_4G && rd64(fadt + 132) == 0,
	   "%s: FADT DSDT pointers agree, FACS below 4 GiB in FIRMWARE_CTRL, X_FIRMWARE_CTRL 0 (ACPI 6.4 table 5.9)", what);
	is_int(fadt[108], 0x32, "FADT CENTURY is CMOS index 0x32");
	dsdt = table_at(dsdt_gpa);
	check_header(dsdt, "DSDT", what);
	if (facs_gpa >= ACPI_AREA_GPA && facs_gpa + 64 <= ACPI_AREA_GPA + ACPI_AREA_SIZE)
		facs = ram + facs_gpa;
	ok(facs && !memcmp(facs, "FACS", 4) && rd32(facs + 4) == 64 &&
	   IS_ALIGNED(facs_gpa, 64), "%s: FADT points to a 64-byte aligned FACS", what);
	is_int(rd16(fadt + 46), ACPI_SCI_IRQ, "FADT SCI_INT");
	is_int(rd32(fadt + 48), 0, "FADT SMI_CMD 0 (always ACPI mode)");
	is_int(rd32(fadt + 56), ACPI_PM1A_EVT_PORT, "FADT PM1a_EVT_BLK");
	is_int(rd32(fadt + 64), ACPI_PM1A_CNT_PORT, "FADT PM1a_CNT_BLK");
	ok(fadt[88] == 4 && fadt[89] == 2 && fadt[91] == 4 && rd32(fadt + 76) == ACPI_PM_TMR_PORT,
	   "%s: FADT PM1_EVT_LEN 4, PM1_CNT_LEN 2, PM_TMR_BLK with PM_TMR_LEN 4", what);
	ok(fadt[208] == 1 && fadt[209] == 32 && fadt[211] == 3 &&
	   rd64(fadt + 212) == ACPI_PM_TMR_PORT && !(rd32(fadt + 112) & (1u << 8)),
	   "%s: FADT X_PM_TMR_BLK agrees; TMR_VAL_EXT clear (24-bit timer)", what);
	ok(fadt[148] == 1 && fadt[149] == 32 && rd64(fadt + 152) == ACPI_PM1A_EVT_PORT &&
	   fadt[172] == 1 && fadt[173] == 16 && rd64(fadt + 176) == ACPI_PM1A_CNT_PORT,
	   "%s: FADT X_PM1a_EVT_BLK and X_PM1a_CNT_BLK", what);
	is_int(rd16(fadt + 109), 0x3, "FADT IAPC_BOOT_ARCH: legacy devices, 8042");
	ok((rd32(fadt + 112) & 0x431) == 0x421,
	   "%s: FADT flags WBINVD, SLP_BUTTON, RESET_REG_SUP, not PWR_BUTTON", what);
	ok(fadt[116] == 1 && fadt[117] == 8 && rd64(fadt + 120) == 0x64 && fadt[128] == 0xFE,
	   "%s: FADT reset register: I/O port 0x64 value 0xFE", what);

	check_madt(madt, nr_cpus, what);
	if (dsdt)
		check_dsdt(dsdt);
	if (run_iasl && dsdt && facs && hpet)
		check_iasl(xsdt, rsdt, fadt, facs, madt, dsdt, hpet);
}

static void test_failures(void)
{
	struct guest_mem small;

	quiet(true);	/* the failures below log errors on purpose */
	is_int(acpi_build(&mem, 0), 0, "0 vCPUs fails");
	is_int(acpi_build(&mem, ACPI_MAX_CPUS + 1), 0, "ACPI_MAX_CPUS + 1 vCPUs fails");
	guest_mem_layout(&small, ram, ACPI_AREA_GPA + ACPI_AREA_SIZE - 1);
	is_int(acpi_build(&small, 1), 0, "ACPI area not all RAM fails");
	quiet(false);
}

/* PM1 event block: STS write-1-to-clear, EN read/write, any access width. */
static void test_pm1_evt(void)
{
	struct acpi_pm1 r = { 0 };
	u8 d[4];

	r.sts = ACPI_PM1_PWRBTN | ACPI_PM1_WAK_STS;
	acpi_pm1_evt_io(&r, 0, d, 2, false);
	is_int(rd16(d), ACPI_PM1_PWRBTN | ACPI_PM1_WAK_STS, "PM1_STS reads its bits");
	memcpy(d, (u16[]){ 0 }, 2);
	acpi_pm1_evt_io(&r, 0, d, 2, true);
	is_int(r.sts, ACPI_PM1_PWRBTN | ACPI_PM1_WAK_STS, "PM1_STS: writing 0 keeps bits");
	memcpy(d, (u16[]){ ACPI_PM1_PWRBTN }, 2);
	acpi_pm1_evt_io(&r, 0, d, 2, true);
	is_int(r.sts, ACPI_PM1_WAK_STS, "PM1_STS: writing 1 clears that bit only");
	d[0] = ACPI_PM1_WAK_STS >> 8;
	acpi_pm1_evt_io(&r, 1, d, 1, true);
	is_int(r.sts, 0, "PM1_STS: byte write to the high byte clears WAK_STS");

	memcpy(d, (u16[]){ ACPI_PM1_PWRBTN | ACPI_PM1_GBL }, 2);
	acpi_pm1_evt_io(&r, 2, d, 2, true);
	is_int(r.en, ACPI_PM1_PWRBTN | ACPI_PM1_GBL, "PM1_EN is read/write");
	memset(d, 0, 4);
	acpi_pm1_evt_io(&r, 2, d, 2, false);
	is_int(rd16(d), ACPI_PM1_PWRBTN | ACPI_PM1_GBL, "PM1_EN reads back");
	r.sts = ACPI_PM1_PWRBTN;
	memcpy(d, (u32[]){ ACPI_PM1_PWRBTN | (ACPI_PM1_GBL << 16) }, 4);
	acpi_pm1_evt_io(&r, 0, d, 4, true);
	ok(r.sts == 0 && r.en == ACPI_PM1_GBL, "PM1 dword write: clears STS and sets EN");
	acpi_pm1_evt_io(&r, 0, d, 4, false);
	is_int(rd32(d), ACPI_PM1_GBL << 16, "PM1 dword read: STS low, EN high");

	acpi_pm1_evt_io(&r, 3, d, 2, false);
	ok(d[0] == 0xff && d[1] == 0xff, "PM1 event: read past the block gives all ones");
	memcpy(d, (u16[]){ 0xffff }, 2);
	acpi_pm1_evt_io(&r, 3, d, 2, true);
	is_int(r.en, ACPI_PM1_GBL, "PM1 event: write past the block is dropped");
}

/* PM1 control: SCI_EN reads 1, SLP_EN + SLP_TYP 5 is S5, nothing else. */
static void test_pm1_cnt(void)
{
	struct acpi_pm1 r = { 0 };
	u16 slp_typ = ACPI_S5_SLP_TYP << ACPI_PM1_CNT_SLP_TYP_SHIFT;
	u8 d[2];

	acpi_pm1_cnt_io(&r, 0, d, 2, false);
	is_int(rd16(d), ACPI_PM1_CNT_SCI_EN, "PM1_CNT reads SCI_EN set");
	memcpy(d, &slp_typ, 2);
	ok(!acpi_pm1_cnt_io(&r, 0, d, 2, true), "SLP_TYP without SLP_EN is not S5");
	acpi_pm1_cnt_io(&r, 0, d, 2, false);
	is_int(rd16(d), slp_typ | ACPI_PM1_CNT_SCI_EN, "PM1_CNT reads back SLP_TYP");
	memcpy(d, (u16[]){ slp_typ | ACPI_PM1_CNT_SLP_EN }, 2);
	ok(acpi_pm1_cnt_io(&r, 0, d, 2, true), "SLP_TYP 5 + SLP_EN is S5");
	acpi_pm1_cnt_io(&r, 0, d, 2, false);
	ok(!(rd16(d) & ACPI_PM1_CNT_SLP_EN), "SLP_EN does not read back");
	d[0] = (slp_typ | ACPI_PM1_CNT_SLP_EN) >> 8;
	ok(acpi_pm1_cnt_io(&r, 1, d, 1, true), "byte write of the high byte is S5 too");
	quiet(true);	/* the unsupported sleep type warns */
	memcpy(d, (u16[]){ ACPI_PM1_CNT_SLP_EN }, 2);
	ok(!acpi_pm1_cnt_io(&r, 0, d, 2, true), "SLP_TYP 0 + SLP_EN is ignored");
	quiet(false);
	ok(!acpi_pm1_cnt_io(&r, 2, d, 1, true), "write past PM1_CNT is ignored");
	ok(acpi_pm1_cnt_is_s5(0x3400) && !acpi_pm1_cnt_is_s5(0x1400) &&
	   !acpi_pm1_cnt_is_s5(0x2000) && acpi_pm1_cnt_is_s5(0x3401),
	   "acpi_pm1_cnt_is_s5 on raw values");

	r = (struct acpi_pm1){ .sts = ACPI_PM1_PWRBTN };
	ok(!acpi_pm1_sci_pending(&r), "no SCI while PWRBTN_EN is clear");
	r.en = ACPI_PM1_PWRBTN;
	ok(acpi_pm1_sci_pending(&r), "SCI once PWRBTN_EN is set");
	r.sts = 0;
	ok(!acpi_pm1_sci_pending(&r), "SCI drops when the status is cleared");
}

/* The device on a real PIO bus; no irq level change, so no KVM is needed. */
static void test_pm_bus(void)
{
	struct kvm kvm;
	u8 d[2];

	memset(&kvm, 0, sizeof(kvm));
	bus_init(&kvm.pio, "pio");
	quiet(true);
	acpi_pm_power_button(&kvm);	/* before init: warns, no crash */
	is_int(acpi_pm_init(&kvm), 0, "acpi_pm_init registers its ports");
	is_int(acpi_pm_init(&kvm), -1, "a second acpi_pm_init fails (ports taken)");
	quiet(false);
	ok(bus_access(&kvm.pio, ACPI_PM1A_CNT_PORT, d, 2, false, NULL) &&
	   rd16(d) == ACPI_PM1_CNT_SCI_EN, "PM1_CNT via the bus reads SCI_EN");
	acpi_pm_power_button(&kvm);
	ok(bus_access(&kvm.pio, ACPI_PM1A_EVT_PORT, d, 2, false, NULL) &&
	   rd16(d) == ACPI_PM1_PWRBTN, "power button sets PWRBTN_STS");
	memcpy(d, (u16[]){ ACPI_PM1_PWRBTN }, 2);
	bus_access(&kvm.pio, ACPI_PM1A_EVT_PORT, d, 2, true, NULL);
	bus_access(&kvm.pio, ACPI_PM1A_EVT_PORT, d, 2, false, NULL);
	is_int(rd16(d), 0, "guest clears PWRBTN_STS via the bus");
	ok(!bus_access(&kvm.pio, ACPI_PM1A_CNT_PORT + 1, d, 2, false, NULL),
	   "access straddling the end of PM1_CNT is not the device's");
	acpi_pm_exit(&kvm);
	ok(kvm.pio.nr_ranges == 0, "acpi_pm_exit unregisters both ranges");
	bus_exit(&kvm.pio);
}

int main(void)
{
	static const int cpus[] = { 1, 2, 4, 64, ACPI_MAX_CPUS };

	ram = malloc(RAM_SIZE);
	if (!ram)
		return 1;
	guest_mem_layout(&mem, ram, RAM_SIZE);
	for (size_t i = 0; i < ARRAY_SIZE(cpus); i++)
		test_build(cpus[i], cpus[i] == 4);
	test_failures();
	test_pm1_evt();
	test_pm1_cnt();
	test_pm_bus();
	free(ram);
	return done_testing();
}
