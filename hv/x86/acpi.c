// SPDX-License-Identifier: GPL-2.0
/*
 * Static ACPI tables for x86 guests, laid out in the ACPI area of low
 * memory: RSDP, then FACS, DSDT, FADT, MADT, XSDT and RSDT.
 * Source: ACPI 6.4 chapter 5.
 */
#include <string.h>

#include "hv/x86/acpi.h"
#include "hv/x86/hpet.h"
#include "hv/x86/layout.h"
#include "util/log.h"

/*
 * The DSDT body, compiled from hv/x86/acpi_dsdt.dsl by iasl into
 * $(O)/hv/x86/acpi_dsdt.hex (array acpi_dsdt_aml_code). Until the build
 * rule exists the tree still compiles, and acpi_build() fails at run time.
 */
#if __has_include("hv/x86/acpi_dsdt.hex")
#include "hv/x86/acpi_dsdt.hex"
#define HAVE_DSDT 1
#else
static const unsigned char acpi_dsdt_aml_code[1];
#define HAVE_DSDT 0
#endif

#define ACPI_OEM_ID		"LKVM  "
#define ACPI_OEM_TABLE_ID	"LKVMTBL "
#define ACPI_OEM_REVISION	1
#define ACPI_CREATOR_ID		"LKVM"
#define ACPI_CREATOR_REVISION	1

/* System description table header (ACPI 6.4 section 5.2.6). */
struct acpi_header {
	char signature[4];
	u32 length;		/* bytes, header included */
	u8 revision;
	u8 checksum;		/* whole table sums to 0 mod 256 */
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	char creator_id[4];
	u32 creator_revision;
} __attribute__((packed));

/* Generic Address Structure (ACPI 6.4 section 5.2.3.2). */
struct acpi_gas {
	u8 space_id;		/* 1 = system I/O */
	u8 bit_width;
	u8 bit_offset;
	u8 access_size;		/* 1 byte, 2 word, 3 dword, 4 qword */
	u64 address;
} __attribute__((packed));

#define ACPI_GAS_SYSTEM_IO	1
#define ACPI_GAS_ACCESS_BYTE	1
#define ACPI_GAS_ACCESS_WORD	2
#define ACPI_GAS_ACCESS_DWORD	3
#define ACPI_GAS_SYSTEM_MEMORY	0

/* Root System Description Pointer, revision 2 (ACPI 6.4 section 5.2.5.3). */
struct acpi_rsdp {
	char signature[8];	/* "RSD PTR " */
	u8 checksum;		/* first 20 bytes sum to 0 */
	char oem_id[6];
	u8 revision;		/* 2: ACPI 2.0+ with XSDT */
	u32 rsdt_address;
	u32 length;		/* 36 */
	u64 xsdt_address;
	u8 extended_checksum;	/* all 36 bytes sum to 0 */
	u8 reserved[3];
} __attribute__((packed));

/* Fixed ACPI Description Table, revision 6 (ACPI 6.4 section 5.2.9). */
struct acpi_fadt {
	struct acpi_header h;
	u32 firmware_ctrl;	/* FACS */
	u32 dsdt;
	u8 reserved0;
	u8 preferred_pm_profile;
	u16 sci_int;
	u32 smi_cmd;
	u8 acpi_enable;
	u8 acpi_disable;
	u8 s4bios_req;
	u8 pstate_cnt;
	u32 pm1a_evt_blk;
	u32 pm1b_evt_blk;
	u32 pm1a_cnt_blk;
	u32 pm1b_cnt_blk;
	u32 pm2_cnt_blk;
	u32 pm_tmr_blk;
	u32 gpe0_blk;
	u32 gpe1_blk;
	u8 pm1_evt_len;
	u8 pm1_cnt_len;
	u8 pm2_cnt_len;
	u8 pm_tmr_len;
	u8 gpe0_blk_len;
	u8 gpe1_blk_len;
	u8 gpe1_base;
	u8 cst_cnt;
	u16 p_lvl2_lat;		/* us; > 100 means no C2 */
	u16 p_lvl3_lat;		/* us; > 1000 means no C3 */
	u16 flush_size;
	u16 flush_stride;
	u8 duty_offset;
	u8 duty_width;
	u8 day_alrm;
	u8 mon_alrm;
	u8 century;
	u16 iapc_boot_arch;
	u8 reserved1;
	u32 flags;
	struct acpi_gas reset_reg;
	u8 reset_value;
	u16 arm_boot_arch;
	u8 minor_version;
	u64 x_firmware_ctrl;
	u64 x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	u64 hypervisor_vendor_id;
} __attribute__((packed));

/* FADT flags (ACPI 6.4 table 5.10). */
#define FADT_F_WBINVD		(1u << 0)
#define FADT_F_PROC_C1		(1u << 2)
#define FADT_F_PWR_BUTTON	(1u << 4)	/* 1: no fixed-feature power button */
#define FADT_F_SLP_BUTTON	(1u << 5)	/* 1: no fixed-feature sleep button */
#define FADT_F_FIX_RTC		(1u << 6)	/* 1: no RTC_STS wake in PM1 */
#define FADT_F_TMR_VAL_EXT	(1u << 8)	/* 0: the PM timer is 24 bits (left clear) */
#define FADT_F_RESET_REG_SUP	(1u << 10)

/* IA-PC boot architecture flags (ACPI 6.4 table 5.11). */
#define FADT_BOOT_LEGACY_DEVICES (1u << 0)
#define FADT_BOOT_8042		 (1u << 1)

/* Firmware ACPI Control Structure, version 2 (ACPI 6.4 section 5.2.10). */
struct acpi_facs {
	char signature[4];	/* "FACS"; no checksum */
	u32 length;		/* 64 */
	u32 hardware_signature;
	u32 firmware_waking_vector;
	u32 global_lock;
	u32 flags;
	u64 x_firmware_waking_vector;
	u8 version;
	u8 reserved0[3];
	u32 ospm_flags;
	u8 reserved1[24];
} __attribute__((packed));

/* MADT header after the common one (ACPI 6.4 section 5.2.12). */
struct acpi_madt {
	struct acpi_header h;
	u32 lapic_address;
	u32 flags;
} __attribute__((packed));

#define MADT_PCAT_COMPAT	(1u << 0)	/* dual 8259s present */

/* MADT entry types (ACPI 6.4 table 5.45). */
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_INT_OVERRIDE	2
#define MADT_LAPIC_NMI		4

/* Processor Local APIC (ACPI 6.4 section 5.2.12.2). */
struct madt_lapic {
	u8 type;
	u8 length;		/* 8 */
	u8 processor_uid;
	u8 apic_id;
	u32 flags;		/* bit 0: enabled */
} __attribute__((packed));

/* I/O APIC (ACPI 6.4 section 5.2.12.3). */
struct madt_ioapic {
	u8 type;
	u8 length;		/* 12 */
	u8 ioapic_id;
	u8 reserved;
	u32 address;
	u32 gsi_base;
} __attribute__((packed));

/* Interrupt Source Override (ACPI 6.4 section 5.2.12.5). */
struct madt_int_override {
	u8 type;
	u8 length;		/* 10 */
	u8 bus;			/* 0: ISA */
	u8 source;		/* ISA IRQ */
	u32 gsi;
	u16 flags;		/* MPS INTI flags */
} __attribute__((packed));

/* Local APIC NMI (ACPI 6.4 section 5.2.12.7). */
struct madt_lapic_nmi {
	u8 type;
	u8 length;		/* 6 */
	u8 processor_uid;	/* 0xFF: all processors */
	u16 flags;		/* MPS INTI flags */
	u8 lint;
} __attribute__((packed));

/* MPS INTI flags (ACPI 6.4 table 5.50). */
#define MPS_INTI_ACTIVE_HIGH	0x1
#define MPS_INTI_EDGE		(0x1 << 2)
#define MPS_INTI_LEVEL		(0x3 << 2)

#define MADT_LAPIC_ENABLED	(1u << 0)
#define MADT_ALL_PROCESSORS	0xFF

_Static_assert(sizeof(struct acpi_header) == 36, "ACPI header");
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS");
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT flags");
_Static_assert(offsetof(struct acpi_fadt, x_firmware_ctrl) == 132, "FADT X_");
_Static_assert(offsetof(struct acpi_fadt, x_pm1a_evt_blk) == 148, "FADT X_PM1a");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT");
_Static_assert(sizeof(struct acpi_facs) == 64, "FACS");
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT");
_Static_assert(sizeof(struct madt_lapic) == 8, "MADT LAPIC");
_Static_assert(sizeof(struct madt_ioapic) == 12, "MADT IOAPIC");
_Static_assert(sizeof(struct madt_int_override) == 10, "MADT ISO");
_Static_assert(sizeof(struct madt_lapic_nmi) == 6, "MADT NMI");

/* Bump allocator over the host mapping of the ACPI area. */
struct acpi_area {
	u8 *hva;	/* host address of ACPI_AREA_GPA */
	u64 used;	/* bytes handed out so far */
};

/*
 * Reserve @size bytes aligned to @align (a power of two) in @a.
 * Returns the host pointer and stores the GPA in @gpa, or NULL if the area
 * is full.
 */
static void *acpi_alloc(struct acpi_area *a, u64 size, u64 align, u64 *gpa)
{
	u64 off = ALIGN_UP(a->used, align);

	if (off > ACPI_AREA_SIZE || size > ACPI_AREA_SIZE - off)
		return NULL;
	a->used = off + size;
	*gpa = ACPI_AREA_GPA + off;
	return a->hva + off;
}

/* Byte that makes the @len bytes at @p sum to 0 once stored in place of a
 * zero checksum field (ACPI 6.4 section 5.2.6). */
static u8 acpi_checksum(const void *p, size_t len)
{
	const u8 *b = p;
	u8 sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += b[i];
	return (u8)-sum;
}

/* Fill the common header of a table of @len bytes; checksum comes last. */
static void acpi_header_init(struct acpi_header *h, const char *sig, u32 len,
			     u8 revision)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = revision;
	h->checksum = 0;
	memcpy(h->oem_id, ACPI_OEM_ID, 6);
	memcpy(h->oem_table_id, ACPI_OEM_TABLE_ID, 8);
	h->oem_revision = ACPI_OEM_REVISION;
	memcpy(h->creator_id, ACPI_CREATOR_ID, 4);
	h->creator_revision = ACPI_CREATOR_REVISION;
}

/* Set the checksum of the complete table @h (h->length bytes). */
static void acpi_header_checksum(struct acpi_header *h)
{
	h->checksum = 0;
	h->checksum = acpi_checksum(h, h->length);
}

/* A GAS for @bytes bytes of I/O ports at @port (ACPI 6.4 table 5.1). */
static struct acpi_gas gas_io(u16 port, u8 bytes, u8 access_size)
{
	return (struct acpi_gas){
		.space_id = ACPI_GAS_SYSTEM_IO,
		.bit_width = bytes * 8,
		.bit_offset = 0,
		.access_size = access_size,
		.address = port,
	};
}

/* Whether the compiled DSDT is present and its header is sane. */
static bool acpi_dsdt_ok(void)
{
	const struct acpi_header *src = (const void *)acpi_dsdt_aml_code;

	if (!HAVE_DSDT) {
		pr_err("acpi: lkvm was built without its DSDT (hv/x86/acpi_dsdt.dsl needs iasl from acpica-tools)");
		return false;
	}
	if (sizeof(acpi_dsdt_aml_code) < sizeof(*src) ||
	    src->length != sizeof(acpi_dsdt_aml_code) ||
	    memcmp(src->signature, "DSDT", 4)) {
		pr_err("acpi: the compiled DSDT is malformed");
		return false;
	}
	return true;
}

/* Copy the compiled DSDT and make it ours: lkvm's creator, new checksum. */
static int acpi_build_dsdt(struct acpi_area *a, u64 *gpa)
{
	struct acpi_header *h = acpi_alloc(a, sizeof(acpi_dsdt_aml_code), 16, gpa);

	if (!h)
		return -1;
	memcpy(h, acpi_dsdt_aml_code, sizeof(acpi_dsdt_aml_code));
	memcpy(h->oem_id, ACPI_OEM_ID, 6);
	memcpy(h->oem_table_id, ACPI_OEM_TABLE_ID, 8);
	h->oem_revision = ACPI_OEM_REVISION;
	memcpy(h->creator_id, ACPI_CREATOR_ID, 4);
	h->creator_revision = ACPI_CREATOR_REVISION;
	acpi_header_checksum(h);
	return 0;
}

static int acpi_build_facs(struct acpi_area *a, u64 *gpa)
{
	/* The FACS must be 64-byte aligned (ACPI 6.4 section 5.2.10). */
	struct acpi_facs *facs = acpi_alloc(a, sizeof(*facs), 64, gpa);

	if (!facs)
		return -1;
	memcpy(facs->signature, "FACS", 4);
	facs->length = sizeof(*facs);
	facs->version = 2;
	return 0;
}

static int acpi_build_fadt(struct acpi_area *a, u64 facs, u64 dsdt, u64 *gpa)
{
	struct acpi_fadt *f = acpi_alloc(a, sizeof(*f), 16, gpa);

	if (!f)
		return -1;
	acpi_header_init(&f->h, "FACP", sizeof(*f), 6);
	f->minor_version = 4;
	/*
	 * ACPI 6.4 table 5.9: an OSPM uses a usable non-zero X_FIRMWARE_CTRL
	 * and then ignores FIRMWARE_CTRL. The FACS is below 4 GiB, so the
	 * 32-bit field carries it (test kernels such as kvm-unit-tests' s3
	 * read only that one) and X_FIRMWARE_CTRL stays 0: one pointer, so
	 * Linux does not map and list the FACS twice. Above 4 GiB only the
	 * 64-bit field could hold it.
	 */
	if (facs < SZ_4G) {
		f->firmware_ctrl = (u32)facs;
		f->x_firmware_ctrl = 0;
	} else {
		f->firmware_ctrl = 0;
		f->x_firmware_ctrl = facs;
	}
	f->dsdt = (u32)dsdt;
	f->x_dsdt = dsdt;
	f->sci_int = ACPI_SCI_IRQ;
	/* SMI_CMD 0: no legacy mode to leave, SCI_EN is always 1. */
	f->smi_cmd = 0;
	f->pm1a_evt_blk = ACPI_PM1A_EVT_PORT;
	f->pm1_evt_len = ACPI_PM1_EVT_LEN;
	f->x_pm1a_evt_blk = gas_io(ACPI_PM1A_EVT_PORT, ACPI_PM1_EVT_LEN,
				   ACPI_GAS_ACCESS_WORD);
	f->pm1a_cnt_blk = ACPI_PM1A_CNT_PORT;
	f->pm1_cnt_len = ACPI_PM1_CNT_LEN;
	f->x_pm1a_cnt_blk = gas_io(ACPI_PM1A_CNT_PORT, ACPI_PM1_CNT_LEN,
				   ACPI_GAS_ACCESS_WORD);
	/* The 24-bit PM timer (TMR_VAL_EXT clear in the flags, acpi_pm.c). */
	f->pm_tmr_blk = ACPI_PM_TMR_PORT;
	f->pm_tmr_len = ACPI_PM_TMR_LEN;
	f->x_pm_tmr_blk = gas_io(ACPI_PM_TMR_PORT, ACPI_PM_TMR_LEN, ACPI_GAS_ACCESS_DWORD);
	/* No GPE blocks, C2 or C3. */
	f->p_lvl2_lat = 101;
	f->p_lvl3_lat = 1001;
	f->iapc_boot_arch = FADT_BOOT_LEGACY_DEVICES | FADT_BOOT_8042;
	f->century = 0x32;	/* CMOS index of the century byte (hv/x86/rtc.c) */
	f->flags = FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_SLP_BUTTON |
		   FADT_F_FIX_RTC | FADT_F_RESET_REG_SUP;
	/* Reset by pulsing the CPU reset line through the i8042. */
	f->reset_reg = gas_io(0x64, 1, ACPI_GAS_ACCESS_BYTE);
	f->reset_value = 0xFE;
	acpi_header_checksum(&f->h);
	return 0;
}

static int acpi_build_madt(struct acpi_area *a, int nr_cpus, u64 *gpa)
{
	u64 len = sizeof(struct acpi_madt) +
		  (u64)nr_cpus * sizeof(struct madt_lapic) +
		  sizeof(struct madt_ioapic) + sizeof(struct madt_int_override) +
		  sizeof(struct madt_lapic_nmi);
	struct acpi_madt *madt = acpi_alloc(a, len, 16, gpa);
	struct madt_ioapic *ioapic;
	struct madt_int_override *iso;
	struct madt_lapic_nmi *nmi;
	u8 *p;

	if (!madt)
		return -1;
	acpi_header_init(&madt->h, "APIC", len, 5);
	madt->lapic_address = LAPIC_GPA;
	madt->flags = MADT_PCAT_COMPAT;
	p = (u8 *)(madt + 1);

	for (int i = 0; i < nr_cpus; i++) {
		struct madt_lapic *l = (struct madt_lapic *)p;

		/* The OS boots CPUs in this order; the BSP (APIC ID 0) comes first. */
		*l = (struct madt_lapic){
			.type = MADT_LAPIC, .length = sizeof(*l),
			.processor_uid = i, .apic_id = i,
			.flags = MADT_LAPIC_ENABLED,
		};
		p += sizeof(*l);
	}

	ioapic = (struct madt_ioapic *)p;
	*ioapic = (struct madt_ioapic){
		.type = MADT_IOAPIC, .length = sizeof(*ioapic),
		.ioapic_id = nr_cpus, .address = IOAPIC_GPA, .gsi_base = 0,
	};
	p += sizeof(*ioapic);

	/*
	 * ISA IRQ n is GSI n (KVM's default routing), edge/high, so only the
	 * SCI, which is level-triggered, needs an override.
	 */
	iso = (struct madt_int_override *)p;
	*iso = (struct madt_int_override){
		.type = MADT_INT_OVERRIDE, .length = sizeof(*iso),
		.bus = 0, .source = ACPI_SCI_IRQ, .gsi = ACPI_SCI_IRQ,
		.flags = MPS_INTI_ACTIVE_HIGH | MPS_INTI_LEVEL,
	};
	p += sizeof(*iso);

	/* NMIs arrive on LINT1 of every local APIC (virtual wire mode). */
	nmi = (struct madt_lapic_nmi *)p;
	*nmi = (struct madt_lapic_nmi){
		.type = MADT_LAPIC_NMI, .length = sizeof(*nmi),
		.processor_uid = MADT_ALL_PROCESSORS,
		.flags = MPS_INTI_ACTIVE_HIGH | MPS_INTI_EDGE, .lint = 1,
	};

	acpi_header_checksum(&madt->h);
	return 0;
}

/* IA-PC HPET table (IA-PC HPET specification 1.0a, section 3.2.4). */
struct acpi_hpet {
	struct acpi_header h;
	u32 event_timer_block_id;	/* bits 31:0 of the GCAP_ID register */
	struct acpi_gas base;		/* system memory, the register block */
	u8 hpet_number;
	u16 min_clock_tick;		/* main-counter ticks, periodic mode */
	u8 page_protection;
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_hpet) == 56, "HPET table");

static int acpi_build_hpet(struct acpi_area *a, u64 *gpa)
{
	struct acpi_hpet *t = acpi_alloc(a, sizeof(*t), 16, gpa);

	if (!t)
		return -1;
	acpi_header_init(&t->h, "HPET", sizeof(*t), 1);
	t->event_timer_block_id = (u32)hpet_gcap_id();
	t->base = (struct acpi_gas){
		.space_id = ACPI_GAS_SYSTEM_MEMORY, .bit_width = 64,
		.access_size = 0, .address = HPET_GPA,
	};
	t->hpet_number = 0;
	t->min_clock_tick = 128;
	acpi_header_checksum(&t->h);
	return 0;
}

/* XSDT (64-bit pointers) or RSDT (32-bit) listing @n tables. */
static int acpi_build_sdt(struct acpi_area *a, const char *sig,
			  const u64 *tables, int n, u64 *gpa)
{
	u32 entry = !memcmp(sig, "XSDT", 4) ? 8 : 4;
	u32 len = sizeof(struct acpi_header) + n * entry;
	struct acpi_header *h = acpi_alloc(a, len, 16, gpa);
	u8 *p;

	if (!h)
		return -1;
	acpi_header_init(h, sig, len, 1);
	p = (u8 *)(h + 1);
	for (int i = 0; i < n; i++) {
		u32 lo = (u32)tables[i];

		/* Entries follow the 36-byte header, so they are unaligned. */
		if (entry == 8)
			memcpy(p + i * 8, &tables[i], 8);
		else
			memcpy(p + i * 4, &lo, 4);
	}
	acpi_header_checksum(h);
	return 0;
}

u64 acpi_build(const struct guest_mem *mem, int nr_cpus)
{
	struct acpi_area a = { 0 };
	u64 rsdp_gpa, facs, dsdt, fadt, madt, hpet, xsdt, rsdt, tables[3];
	struct acpi_rsdp *rsdp;

	if (nr_cpus < 1 || nr_cpus > ACPI_MAX_CPUS) {
		pr_err("acpi: %d vCPUs: the tables describe 1 to %d", nr_cpus,
		       ACPI_MAX_CPUS);
		return 0;
	}
	if (!acpi_dsdt_ok())
		return 0;
	a.hva = gpa_to_hva(mem, ACPI_AREA_GPA, ACPI_AREA_SIZE);
	if (!a.hva) {
		pr_err("acpi: the ACPI area %#llx+%#llx is not guest RAM",
		       ACPI_AREA_GPA, ACPI_AREA_SIZE);
		return 0;
	}
	memset(a.hva, 0, ACPI_AREA_SIZE);

	/* The RSDP first: the OS finds it on a 16-byte boundary. */
	rsdp = acpi_alloc(&a, sizeof(*rsdp), 16, &rsdp_gpa);
	if (!rsdp ||
	    acpi_build_facs(&a, &facs) ||
	    acpi_build_dsdt(&a, &dsdt) ||
	    acpi_build_fadt(&a, facs, dsdt, &fadt) ||
	    acpi_build_madt(&a, nr_cpus, &madt) ||
	    acpi_build_hpet(&a, &hpet))
		goto full;
	tables[0] = fadt;
	tables[1] = madt;
	tables[2] = hpet;
	/* Both roots: the RSDT serves OSes that predate ACPI 2.0 or force it. */
	if (acpi_build_sdt(&a, "XSDT", tables, ARRAY_SIZE(tables), &xsdt) ||
	    acpi_build_sdt(&a, "RSDT", tables, ARRAY_SIZE(tables), &rsdt))
		goto full;

	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, ACPI_OEM_ID, 6);
	rsdp->revision = 2;
	rsdp->rsdt_address = (u32)rsdt;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt_address = xsdt;
	rsdp->checksum = acpi_checksum(rsdp, 20);
	rsdp->extended_checksum = acpi_checksum(rsdp, sizeof(*rsdp));

	pr_debug("acpi: RSDP at %#llx, %llu bytes of tables for %d vCPUs",
		 (unsigned long long)rsdp_gpa, (unsigned long long)a.used,
		 nr_cpus);
	return rsdp_gpa;

full:
	/* No RSDP signature was written, so the OS finds no half-built tables. */
	pr_err("acpi: tables for %d vCPUs do not fit in the %llu-byte ACPI area",
	       nr_cpus, ACPI_AREA_SIZE);
	return 0;
}
