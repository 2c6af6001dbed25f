// SPDX-License-Identifier: GPL-2.0
/*
 * MP spec 1.4 tables: floating pointer at the start of the MP table area,
 * configuration table right behind it, base entries only, sorted by type
 * as section 4.3 requires.
 * Source: Intel MultiProcessor Specification 1.4, chapter 4.
 */
#include <string.h>

#include "hv/x86/layout.h"
#include "hv/x86/mptable.h"
#include "util/log.h"

/* MP Floating Pointer Structure (MP spec 1.4 section 4.1). */
struct mpf {
	char signature[4];	/* "_MP_" */
	u32 config_table;	/* GPA of the configuration table */
	u8 length;		/* in 16-byte units: 1 */
	u8 spec_rev;		/* 4: version 1.4 */
	u8 checksum;		/* all 16 bytes sum to 0 */
	u8 feature1;		/* 0: a configuration table is present */
	u8 feature2;		/* bit 7 IMCRP; 0: virtual wire mode */
	u8 feature3[3];
} __attribute__((packed));

/* MP Configuration Table Header (MP spec 1.4 section 4.2). */
struct mpc_header {
	char signature[4];	/* "PCMP" */
	u16 length;		/* base table bytes, header included */
	u8 spec_rev;
	u8 checksum;		/* base table sums to 0 */
	char oem_id[8];
	char product_id[12];
	u32 oem_table;
	u16 oem_table_size;
	u16 entry_count;
	u32 lapic_address;
	u16 ext_length;
	u8 ext_checksum;
	u8 reserved;
} __attribute__((packed));

/* Entry types (MP spec 1.4 table 4-3). */
#define MP_PROCESSOR	0
#define MP_BUS		1
#define MP_IOAPIC	2
#define MP_IOINT	3
#define MP_LOCALINT	4

/* Processor entry (MP spec 1.4 section 4.3.1). */
struct mpc_cpu {
	u8 type;
	u8 apic_id;
	u8 apic_version;
	u8 flags;		/* bit 0 EN, bit 1 BP */
	u32 signature;		/* CPUID.1 EAX: stepping, model, family */
	u32 features;		/* CPUID.1 EDX */
	u32 reserved[2];
} __attribute__((packed));

/* Bus entry (MP spec 1.4 section 4.3.2). */
struct mpc_bus {
	u8 type;
	u8 bus_id;
	char bus_type[6];	/* space padded, table 4-8 */
} __attribute__((packed));

/* I/O APIC entry (MP spec 1.4 section 4.3.3). */
struct mpc_ioapic {
	u8 type;
	u8 apic_id;
	u8 apic_version;
	u8 flags;		/* bit 0 EN */
	u32 address;
} __attribute__((packed));

/* I/O and local interrupt assignment entries (MP spec 1.4 4.3.4, 4.3.5). */
struct mpc_int {
	u8 type;
	u8 int_type;		/* table 4-11 */
	u16 flags;		/* polarity bits 0-1, trigger bits 2-3; 0: bus default */
	u8 src_bus;
	u8 src_irq;
	u8 dst_apic;		/* IOAPIC ID, or local APIC ID (0xFF: all) */
	u8 dst_pin;		/* IOAPIC INTIN# or LINTIN# */
} __attribute__((packed));

#define MP_CPU_EN	(1u << 0)
#define MP_CPU_BP	(1u << 1)
#define MP_IOAPIC_EN	(1u << 0)
#define MP_INT_INT	0
#define MP_INT_NMI	1
#define MP_INT_EXTINT	3
#define MP_ALL_LAPICS	0xFF
#define MP_BUS_ISA	0
#define MP_BUS_PCI	1
#define MP_NR_ISA_IRQS	16

/*
 * Versions the in-kernel irqchip reports in its version registers: an
 * integrated xAPIC (0x14) and an 82093AA-style IOAPIC (0x11).
 */
#define MP_LAPIC_VERSION	0x14
#define MP_IOAPIC_VERSION	0x11
/* A family 6 CPU with an FPU and a local APIC; the OS reads CPUID itself. */
#define MP_CPU_SIGNATURE	0x600
#define MP_CPU_FEATURES		((1u << 0) | (1u << 9))

_Static_assert(sizeof(struct mpf) == 16, "MP floating pointer");
_Static_assert(sizeof(struct mpc_header) == 44, "MP config header");
_Static_assert(sizeof(struct mpc_cpu) == 20, "MP processor entry");
_Static_assert(sizeof(struct mpc_bus) == 8, "MP bus entry");
_Static_assert(sizeof(struct mpc_ioapic) == 8, "MP IOAPIC entry");
_Static_assert(sizeof(struct mpc_int) == 8, "MP interrupt entry");

/* Byte that makes @len bytes at @p sum to 0 (MP spec 1.4 4.1 and 4.2). */
static u8 mp_checksum(const void *p, size_t len)
{
	const u8 *b = p;
	u8 sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += b[i];
	return (u8)-sum;
}

int mptable_build(const struct guest_mem *mem, int nr_cpus)
{
	u64 table_len = sizeof(struct mpc_header) +
			(u64)nr_cpus * sizeof(struct mpc_cpu) +
			2 * sizeof(struct mpc_bus) + sizeof(struct mpc_ioapic) +
			(MP_NR_ISA_IRQS + 2) * sizeof(struct mpc_int);
	u64 total = sizeof(struct mpf) + table_len;
	struct mpc_header *h;
	struct mpf *mpf;
	u8 *area, *p;
	u16 entries = 0;

	if (nr_cpus < 1 || nr_cpus > MPTABLE_MAX_CPUS) {
		pr_err("mptable: %d vCPUs: the table describes 1 to %d",
		       nr_cpus, MPTABLE_MAX_CPUS);
		return -1;
	}
	/* Bounded by MPTABLE_MAX_CPUS, so the u16 length cannot overflow. */
	if (total > MPTABLE_AREA_SIZE || table_len > 0xFFFF) {
		pr_err("mptable: %llu bytes do not fit in the MP table area",
		       (unsigned long long)total);
		return -1;
	}
	area = gpa_to_hva(mem, MPTABLE_AREA_GPA, MPTABLE_AREA_SIZE);
	if (!area) {
		pr_err("mptable: the MP table area %#llx+%#llx is not guest RAM",
		       MPTABLE_AREA_GPA, MPTABLE_AREA_SIZE);
		return -1;
	}
	memset(area, 0, MPTABLE_AREA_SIZE);
	mpf = (struct mpf *)area;
	h = (struct mpc_header *)(mpf + 1);
	p = (u8 *)(h + 1);

	for (int i = 0; i < nr_cpus; i++) {
		struct mpc_cpu *c = (struct mpc_cpu *)p;

		*c = (struct mpc_cpu){
			.type = MP_PROCESSOR, .apic_id = i,
			.apic_version = MP_LAPIC_VERSION,
			.flags = MP_CPU_EN | (i == 0 ? MP_CPU_BP : 0),
			.signature = MP_CPU_SIGNATURE,
			.features = MP_CPU_FEATURES,
		};
		p += sizeof(*c);
		entries++;
	}

	/* Bus IDs are numbered from 0 (section 4.3.2); PCI is bus 1 here. */
	for (int i = 0; i < 2; i++) {
		struct mpc_bus *b = (struct mpc_bus *)p;

		b->type = MP_BUS;
		b->bus_id = i == 0 ? MP_BUS_ISA : MP_BUS_PCI;
		memcpy(b->bus_type, i == 0 ? "ISA   " : "PCI   ", 6);
		p += sizeof(*b);
		entries++;
	}

	*(struct mpc_ioapic *)p = (struct mpc_ioapic){
		.type = MP_IOAPIC, .apic_id = nr_cpus,
		.apic_version = MP_IOAPIC_VERSION, .flags = MP_IOAPIC_EN,
		.address = IOAPIC_GPA,
	};
	p += sizeof(struct mpc_ioapic);
	entries++;

	/*
	 * ISA IRQ n on IOAPIC pin n, as KVM's default GSI routing wires them;
	 * flags 0 = ISA's own convention (edge, active high). IRQ 2 is listed
	 * too: nothing raises it, and an identity map leaves no gap to explain.
	 */
	for (int irq = 0; irq < MP_NR_ISA_IRQS; irq++) {
		*(struct mpc_int *)p = (struct mpc_int){
			.type = MP_IOINT, .int_type = MP_INT_INT, .flags = 0,
			.src_bus = MP_BUS_ISA, .src_irq = irq,
			.dst_apic = nr_cpus, .dst_pin = irq,
		};
		p += sizeof(struct mpc_int);
		entries++;
	}

	/* Virtual wire mode: the 8259 on LINT0, NMI on LINT1 of every CPU. */
	*(struct mpc_int *)p = (struct mpc_int){
		.type = MP_LOCALINT, .int_type = MP_INT_EXTINT,
		.src_bus = MP_BUS_ISA, .src_irq = 0,
		.dst_apic = MP_ALL_LAPICS, .dst_pin = 0,
	};
	p += sizeof(struct mpc_int);
	*(struct mpc_int *)p = (struct mpc_int){
		.type = MP_LOCALINT, .int_type = MP_INT_NMI,
		.src_bus = MP_BUS_ISA, .src_irq = 0,
		.dst_apic = MP_ALL_LAPICS, .dst_pin = 1,
	};
	p += sizeof(struct mpc_int);
	entries += 2;

	memcpy(h->signature, "PCMP", 4);
	h->length = (u16)(p - (u8 *)h);
	h->spec_rev = 4;
	memcpy(h->oem_id, "LKVM    ", 8);
	memcpy(h->product_id, "LKVM        ", 12);
	h->entry_count = entries;
	h->lapic_address = LAPIC_GPA;
	h->checksum = mp_checksum(h, h->length);

	memcpy(mpf->signature, "_MP_", 4);
	mpf->config_table = (u32)(MPTABLE_AREA_GPA + sizeof(*mpf));
	mpf->length = 1;
	mpf->spec_rev = 4;
	mpf->checksum = mp_checksum(mpf, sizeof(*mpf));

	pr_debug("mptable: %u entries, %u bytes at %#llx for %d vCPUs",
		 entries, h->length, MPTABLE_AREA_GPA, nr_cpus);
	return 0;
}
