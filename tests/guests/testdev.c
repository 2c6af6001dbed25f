// SPDX-License-Identifier: GPL-2.0
/*
 * testdev: pc-testdev as kvm-unit-tests uses it: the scratch port
 * 0xe0-0xe3 at three widths, the flush-page port 0xe4, the I/O RAM at
 * 0xff000000 and an IRQ line raised through port 0x2000+n, routed by the
 * I/O APIC as an edge to a vector whose handler counts.
 */
#include "runtime/hw.h"

#define IORAM	0xff000000ULL
#define LINE	10
#define VEC	0x50
#define SPINS	200000

static volatile u32 page_word __attribute__((aligned(4096))) = 0x5a5a1234;

int main(struct mb_info *mbi)
{
	volatile u64 *io = (volatile u64 *)IORAM;
	u64 before;

	(void)mbi;
	outl(0xe0, 0x12345678);
	printf("testdev: scratch dword %#x, byte 1 %#x, word 2 %#x\n", inl(0xe0), inb(0xe1),
	       inw(0xe2));
	outb(0xe3, 0xab);
	outw(0xe0, 0xcdef);
	printf("testdev: after byte and word writes %#x\n", inl(0xe0));

	outl(0xe4, (u32)(u64)&page_word);
	printf("testdev: flushed page reads %#x\n", page_word);

	io[0] = 0x1122334455667788ULL;
	mmio_write32(IORAM + 0x100, 0xcafef00d);
	printf("testdev: ioram %#lx %#x %#x\n", io[0], mmio_read32(IORAM + 4),
	       mmio_read32(IORAM + 0x100));

	lapic_enable();
	idt_set_gate(VEC, irq_count_entry);
	ioapic_route(LINE, VEC, 0);
	before = irq_count;
	asm volatile("sti");
	outb(0x2000 + LINE, 1);
	for (int i = 0; i < SPINS && irq_count == before; i++)
		cpu_relax();
	asm volatile("cli");
	outb(0x2000 + LINE, 0);
	ioapic_mask(LINE);
	printf("testdev: irq line %d %s\n", LINE,
	       irq_count == before + 1 ? "interrupt" : "no interrupt");
	return irq_count == before + 1 ? 0 : 1;
}
