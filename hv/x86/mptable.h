/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Intel MultiProcessor Specification tables for x86 guests that do not use
 * ACPI (acpi=off, old kernels): the floating pointer and the configuration
 * table describing CPUs, buses, the IOAPIC and interrupt wiring.
 * Source: Intel MultiProcessor Specification 1.4, chapter 4.
 */
#ifndef LKVM_X86_MPTABLE_H
#define LKVM_X86_MPTABLE_H

#include "hv/guest_mem.h"

/* Most vCPUs: APIC IDs are 8 bits, 0xFF is reserved and the IOAPIC takes
 * ID nr_cpus (MP spec 1.4 section 4.3.1 and 4.3.3). */
#define MPTABLE_MAX_CPUS 254

/*
 * mptable_build - write the MP floating pointer at MPTABLE_AREA_GPA (where
 * an OS scanning 0xF0000-0xFFFFF finds it) followed by a configuration
 * table: @nr_cpus enabled processors with APIC IDs 0..@nr_cpus-1 (0 is the
 * BSP), bus 0 "ISA", bus 1 "PCI", the IOAPIC (ID @nr_cpus, IOAPIC_GPA),
 * ISA IRQs 0-15 on IOAPIC pins 0-15, ExtINT on LINT0 and NMI on LINT1 of
 * every local APIC. Writes only inside [MPTABLE_AREA_GPA, +MPTABLE_AREA_SIZE).
 * Returns 0, or -1 (logged) if @nr_cpus is not in 1..MPTABLE_MAX_CPUS or
 * the area is not guest RAM.
 * Source: MP spec 1.4 sections 4.1 (floating pointer), 4.2 (header), 4.3
 * (base entries).
 */
int mptable_build(const struct guest_mem *mem, int nr_cpus);

#endif
