/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PC helpers for payloads: ACPI table lookup, IDT gates, the I/O APIC and
 * a counting interrupt handler.
 * Sources: ACPI 6.4 sections 5.2.5-5.2.8; Intel SDM vol. 3 sections 6.14.1
 * (64-bit IDT gates), 11.8.5 (EOI); 82093AA I/O APIC data sheet.
 */
#ifndef GUEST_HW_H
#define GUEST_HW_H

#include "runtime/rt.h"

#define LAPIC_BASE	0xfee00000ULL
#define IOAPIC_BASE	0xfec00000ULL

/* Common ACPI table header (ACPI 6.4 section 5.2.6). */
struct acpi_table {
	char sig[4];
	u32 length;
	u8 revision, checksum;
	char oem[6], oem_table[8];
	u32 oem_rev, creator, creator_rev;
} __attribute__((packed));

/* acpi_find - the table with signature @sig through the RSDP's XSDT (or
 * RSDT), or NULL. */
const struct acpi_table *acpi_find(const char *sig);

/* idt_set_gate - vector @vec runs @fn (an interrupt gate, DPL 0). */
void idt_set_gate(int vec, void (*fn)(void));

/* ioapic_route - pin @pin to vector @vec on APIC ID 0: edge/active high,
 * or level/active low if @level. ioapic_mask - mask @pin. */
void ioapic_route(int pin, int vec, int level);
void ioapic_mask(int pin);

/* irq_count_entry - an interrupt handler that adds 1 to irq_count and
 * sends the local APIC an EOI; lapic_enable - SVR software enable, PICs
 * masked. */
extern volatile u64 irq_count;
void irq_count_entry(void);
void lapic_enable(void);

#endif
