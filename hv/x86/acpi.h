/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ACPI for x86 guests: the static tables firmware would leave in low memory
 * (acpi.c, with the DSDT from acpi_dsdt.dsl) and the PM1a fixed-hardware
 * registers a guest uses to power itself off (acpi_pm.c).
 * Source: ACPI 6.4 chapters 4 (fixed hardware) and 5 (tables).
 */
#ifndef LKVM_X86_ACPI_H
#define LKVM_X86_ACPI_H

#include "hv/guest_mem.h"
#include "util/util.h"

struct kvm;

/*
 * Most vCPUs the tables describe: xAPIC IDs are 8 bits, 0xFF is the
 * broadcast ID, and the IOAPIC takes ID nr_cpus. More would need x2APIC
 * MADT entries (ACPI 6.4 section 5.2.12.12).
 */
#define ACPI_MAX_CPUS 254

/*
 * SLP_TYPa the DSDT's \_S5 package declares (acpi_dsdt.dsl); a PM1_CNT
 * write with SLP_EN and this SLP_TYP powers the guest off.
 */
#define ACPI_S5_SLP_TYP 5

/* PM1_STS / PM1_EN bits (ACPI 6.4 tables 4.16 and 4.17). */
#define ACPI_PM1_TMR		(1u << 0)
#define ACPI_PM1_BM_STS		(1u << 4)
#define ACPI_PM1_GBL		(1u << 5)
#define ACPI_PM1_PWRBTN		(1u << 8)
#define ACPI_PM1_SLPBTN		(1u << 9)
#define ACPI_PM1_RTC		(1u << 10)
#define ACPI_PM1_WAK_STS	(1u << 15)

/* PM1_CNT bits (ACPI 6.4 table 4.18). */
#define ACPI_PM1_CNT_SCI_EN	(1u << 0)
#define ACPI_PM1_CNT_BM_RLD	(1u << 1)
#define ACPI_PM1_CNT_GBL_RLS	(1u << 2)
#define ACPI_PM1_CNT_SLP_TYP_SHIFT 10
#define ACPI_PM1_CNT_SLP_TYP	(7u << ACPI_PM1_CNT_SLP_TYP_SHIFT)
#define ACPI_PM1_CNT_SLP_EN	(1u << 13)

/* Sizes of the PM1a blocks in bytes, as declared in the FADT. */
#define ACPI_PM1_EVT_LEN 4
#define ACPI_PM1_CNT_LEN 2
#define ACPI_PM_TMR_LEN 4

/* The PM timer's rate (ACPI 6.4 section 4.8.3.3): 3.579545 MHz. */
#define ACPI_PM_TMR_HZ 3579545ULL

/*
 * acpi_pm_tmr_value - the 24-bit PM_TMR value at host time @ns
 * (CLOCK_MONOTONIC): ticks of ACPI_PM_TMR_HZ since @ns = 0, modulo 2^24.
 * Source: ACPI 6.4 section 4.8.3.3 (TMR_VAL_EXT clear in the FADT).
 */
u32 acpi_pm_tmr_value(u64 ns);

/*
 * acpi_build - write RSDP, XSDT, RSDT, FADT, FACS, MADT and DSDT into the
 * ACPI area [ACPI_AREA_GPA, +ACPI_AREA_SIZE) of @mem, RSDP first so that
 * an OS scanning 0xE0000-0xFFFFF finds it. The MADT lists @nr_cpus enabled
 * local APICs (IDs 0..@nr_cpus-1) and the IOAPIC (ID @nr_cpus, GSI base 0).
 * Writes nothing outside the ACPI area.
 * Returns the RSDP's GPA, or 0 (with an error logged) if @nr_cpus is not in
 * 1..ACPI_MAX_CPUS, the area is not guest RAM, or the tables do not fit.
 * Source: ACPI 6.4 sections 5.2.5 (RSDP), 5.2.7-5.2.12.
 */
u64 acpi_build(const struct guest_mem *mem, int nr_cpus);

/*
 * The PM1a register file, kept apart from KVM so its rules can be tested:
 * PM1_STS bits are write-1-to-clear, PM1_EN is read/write, PM1_CNT reads
 * SCI_EN as 1 (no SMI_CMD: the platform is always in ACPI mode).
 * Source: ACPI 6.4 sections 4.8.3.1 and 4.8.3.2.
 */
struct acpi_pm1 {
	u16 sts;	/* PM1_STS */
	u16 en;		/* PM1_EN */
	u16 cnt;	/* PM1_CNT bits that read back: BM_RLD, SLP_TYP */
};

/*
 * acpi_pm1_evt_io - one guest access to the PM1a event block: @len bytes
 * (1, 2 or 4) at byte @offset (0-1 PM1_STS, 2-3 PM1_EN), little endian.
 * A read fills @data; an access outside the block reads all ones and
 * writes nothing.
 */
void acpi_pm1_evt_io(struct acpi_pm1 *pm1, u64 offset, u8 *data, u32 len,
		     bool is_write);

/*
 * acpi_pm1_cnt_io - one guest access to PM1a_CNT: @len bytes (1 or 2) at
 * byte @offset. Returns true if the access is a write that asks for S5
 * (see acpi_pm1_cnt_is_s5), false otherwise; out-of-block accesses are
 * ignored (reads give all ones).
 */
bool acpi_pm1_cnt_io(struct acpi_pm1 *pm1, u64 offset, u8 *data, u32 len,
		     bool is_write);

/* acpi_pm1_cnt_is_s5 - true if writing @value to PM1_CNT enters S5: SLP_EN
 * set and SLP_TYP == ACPI_S5_SLP_TYP (ACPI 6.4 section 16.1.7). */
bool acpi_pm1_cnt_is_s5(u16 value);

/* acpi_pm1_sci_pending - level of the SCI: some PM1_STS bit whose PM1_EN
 * bit is set (ACPI 6.4 section 4.8.3.1). */
bool acpi_pm1_sci_pending(const struct acpi_pm1 *pm1);

/*
 * acpi_pm_init - register the PM1a event (ACPI_PM1A_EVT_PORT, 4 bytes),
 * control (ACPI_PM1A_CNT_PORT, 2 bytes) and PM timer (ACPI_PM_TMR_PORT,
 * 4 bytes, read-only) port ranges on @kvm->pio. An S5
 * request ends the run with vm_request_exit(VM_END_POWEROFF, EXIT_GUEST_OFF).
 * Returns 0, or -1 if a port range is taken (logged by the bus).
 */
int acpi_pm_init(struct kvm *kvm);

/* acpi_pm_exit - unregister and free the device of acpi_pm_init(), if any.
 * Only once no vCPU runs and no thread can press the power button. */
void acpi_pm_exit(struct kvm *kvm);

/*
 * acpi_pm_power_button - a press of the fixed-feature power button: sets
 * PWRBTN_STS and, while PWRBTN_EN is set, raises the SCI (GSI ACPI_SCI_IRQ,
 * level) until the guest clears the status. Safe from any thread; does
 * nothing (with a warning) before acpi_pm_init().
 * Source: ACPI 6.4 section 4.8.2.2.1.
 */
void acpi_pm_power_button(struct kvm *kvm);

#endif
