// SPDX-License-Identifier: GPL-2.0
/* PC helpers for payloads (hw.h). */
#include "runtime/hw.h"

volatile u64 irq_count;

/* Save the caller-saved registers, count, EOI, IRETQ. */
asm(".text\n"
    ".globl irq_count_entry\n"
    "irq_count_entry:\n"
    "	push %rax\n"
    "	lock incq irq_count(%rip)\n"
    "	mov $0xfee000b0, %eax\n"
    "	movl $0, (%rax)\n"
    "	pop %rax\n"
    "	iretq\n");

const struct acpi_table *acpi_find(const char *sig)
{
	const u8 *rsdp = NULL;
	const struct acpi_table *root;
	int xsdt, n;

	/* On a 16-byte boundary in 0xE0000-0xFFFFF (ACPI 6.4 5.2.5.1). */
	for (u64 p = 0xe0000; p < 0x100000 && !rsdp; p += 16)
		if (*(const u64 *)p == 0x2052545020445352ull)	/* "RSD PTR " */
			rsdp = (const u8 *)p;
	if (!rsdp)
		return NULL;
	xsdt = rsdp[15] >= 2 && *(const u64 *)(rsdp + 24);
	root = xsdt ? (const void *)*(const u64 *)(rsdp + 24)
		    : (const void *)(u64)*(const u32 *)(rsdp + 16);
	if (root->length < sizeof(*root))
		return NULL;
	n = (int)((root->length - sizeof(*root)) / (xsdt ? 8 : 4));
	for (int i = 0; i < n; i++) {
		const u8 *e = (const u8 *)(root + 1) + i * (xsdt ? 8 : 4);
		u64 a = xsdt ? *(const u64 *)e : *(const u32 *)e;
		const struct acpi_table *t = (const void *)a;

		if (a && a < 0x100000000ull && !memcmp(t->sig, sig, 4))
			return t;
	}
	return NULL;
}

void idt_set_gate(int vec, void (*fn)(void))
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) idtr;
	u16 cs;
	u64 a = (u64)fn;
	volatile u32 *g;

	asm volatile("sidt %0" : "=m"(idtr));
	asm volatile("mov %%cs, %0" : "=r"(cs));
	g = (volatile u32 *)(idtr.base + 16 * vec);
	g[0] = (u32)(a & 0xffff) | (u32)cs << 16;
	g[1] = (u32)(a & 0xffff0000) | 0x8e00;	/* present, DPL 0, interrupt gate */
	g[2] = (u32)(a >> 32);
	g[3] = 0;
}

void ioapic_route(int pin, int vec, int level)
{
	u32 lo = vec | (level ? (1u << 15) | (1u << 13) : 0);

	mmio_write32(IOAPIC_BASE, 0x10 + 2 * pin + 1);
	mmio_write32(IOAPIC_BASE + 0x10, 0);		/* destination: APIC ID 0 */
	mmio_write32(IOAPIC_BASE, 0x10 + 2 * pin);
	mmio_write32(IOAPIC_BASE + 0x10, lo);
}

void ioapic_mask(int pin)
{
	mmio_write32(IOAPIC_BASE, 0x10 + 2 * pin);
	mmio_write32(IOAPIC_BASE + 0x10, 1u << 16);
}

void lapic_enable(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	mmio_write32(LAPIC_BASE + 0xf0, 0x1ff);
}
