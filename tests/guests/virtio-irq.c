// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-irq: the entropy device's used-buffer interrupts reach the CPU.
 * On PCI, first through INTx (MSI-X off: the IOAPIC pin named by the
 * Interrupt Line register, level-triggered, with the ISR read as the
 * acknowledgement: virtio 1.2 section 4.1.4.5), then through MSI-X
 * (table entry 0 aimed at the local APIC, vector 0 for queue 0: 4.1.5.1.2,
 * PCI 3.0 section 6.8.2). On MMIO, through the device's IRQ line
 * (lkvm's first virtio-mmio device has IRQ 5), acknowledged with
 * InterruptACK (4.2.2). Each case takes one request and waits, with
 * interrupts enabled, for the handler to run.
 * Sources: Intel SDM vol. 3 sections 6.14.1 (64-bit IDT gates), 11.4.7
 * (local APIC SVR), 11.8.5 (EOI), 11.11 (MSI address and data); 82093AA
 * I/O APIC data sheet (IOREGSEL/IOWIN, redirection table).
 */
#include "runtime/hw.h"
#include "runtime/virtio.h"

#define LAPIC_EOI	(LAPIC_BASE + 0xb0)
#define VEC_INTX	0x41
#define VEC_MSIX	0x42
#define VEC_MMIO	0x43
#define MMIO_IRQ	5
#define SPINS		20000000ULL

static u8 qpage[4096] __attribute__((aligned(4096)));
static u8 buf[32];
static struct vio_dev dev;
static struct vio_queue q;
static volatile int nr_irqs, ack_from_handler;
static volatile u32 last_status;

/* Interrupt entry: save the caller-saved registers, call irq_handler(),
 * return with IRETQ. The stack is 16-byte aligned at the call. */
asm(".text\n"
    ".globl irq_entry\n"
    "irq_entry:\n"
    "	push %rax; push %rcx; push %rdx; push %rsi; push %rdi\n"
    "	push %r8; push %r9; push %r10; push %r11\n"
    "	cld\n"
    "	call irq_handler\n"
    "	pop %r11; pop %r10; pop %r9; pop %r8\n"
    "	pop %rdi; pop %rsi; pop %rdx; pop %rcx; pop %rax\n"
    "	iretq\n");
void irq_entry(void);
void irq_handler(void);

void irq_handler(void)
{
	/* Level-triggered sources must be quiet before the EOI. */
	if (ack_from_handler)
		last_status = vio_isr(&dev);
	nr_irqs++;
	mmio_write32(LAPIC_EOI, 0);
}

static int bring_up(void)
{
	u64 want = 1ULL << VIO_F_VERSION_1;

	if (vio_negotiate(&dev, want) != want || vio_queue_setup(&dev, &q, 0, 8, qpage) < 0)
		return -1;
	return 0;
}

/* One request with interrupts on; returns 0 once the handler ran. */
static int request_and_wait(void)
{
	u32 id, len;
	int before = nr_irqs;

	q.desc[0] = (struct vio_desc){ (u64)buf, sizeof(buf), VIO_DESC_F_WRITE, 0 };
	vio_publish(&q, 0);
	asm volatile("sti");
	vio_kick(&dev, &q);
	for (u64 i = 0; i < SPINS && nr_irqs == before; i++)
		cpu_relax();
	asm volatile("cli");
	if (vio_wait_used(&q, 1000, &id, &len) < 0)
		return -2;
	return nr_irqs > before ? 0 : -1;
}

static int test_intx(void)
{
	int pin = pci_cfg_read16(dev.slot, 0x3c) & 0xff, r;

	if (bring_up() < 0)
		return 1;
	vio_driver_ok(&dev);
	ack_from_handler = 1;
	ioapic_route(pin, VEC_INTX, 1);
	r = request_and_wait();
	ioapic_mask(pin);
	printf("virtio-irq: intx %s, ISR %#x\n", r ? "no interrupt" : "interrupt", last_status);
	return r != 0 || !(last_status & 1);
}

static int test_msix(void)
{
	u64 t = dev.msix_table;
	int r;

	if (!dev.msix_cap || !t) {
		printf("virtio-irq: no MSI-X\n");
		return 1;
	}
	if (bring_up() < 0)
		return 1;
	mmio_write32(t + 0, (u32)LAPIC_BASE);	/* entry 0: to APIC ID 0 */
	mmio_write32(t + 4, 0);
	mmio_write32(t + 8, VEC_MSIX);		/* fixed, edge */
	mmio_write32(t + 12, 0);		/* unmasked */
	pci_cfg_write16(dev.slot, dev.msix_cap + 2, 0x8000);	/* MSI-X Enable */
	*(volatile u16 *)(dev.common + 0x16) = 0;	/* queue_select 0 */
	*(volatile u16 *)(dev.common + 0x1a) = 0;	/* queue_msix_vector 0 */
	if (*(volatile u16 *)(dev.common + 0x1a) != 0) {
		printf("virtio-irq: MSI-X vector refused\n");
		return 1;
	}
	vio_driver_ok(&dev);
	ack_from_handler = 0;
	r = request_and_wait();
	printf("virtio-irq: msix %s\n", r ? "no interrupt" : "interrupt");
	vio_reset(&dev);
	pci_cfg_write16(dev.slot, dev.msix_cap + 2, 0);
	return r != 0;
}

static int test_mmio(void)
{
	int r;

	if (bring_up() < 0)
		return 1;
	vio_driver_ok(&dev);
	ack_from_handler = 1;
	ioapic_route(MMIO_IRQ, VEC_MMIO, 0);
	r = request_and_wait();
	ioapic_mask(MMIO_IRQ);
	printf("virtio-irq: mmio irq %s, InterruptStatus %#x\n",
	       r ? "no interrupt" : "interrupt", last_status);
	return r != 0 || !(last_status & 1);
}

int main(struct mb_info *mbi)
{
	int failed = 0;

	(void)mbi;
	if (vio_find(&dev, 4) < 0) {
		printf("virtio-irq: no virtio-rng device\n");
		return 1;
	}
	printf("virtio-irq: virtio-rng on %s\n", vio_transport(&dev));
	/* No legacy PIC interrupts; the local APIC on (SVR bit 8). */
	lapic_enable();	/* PICs masked, LAPIC software-enabled */
	idt_set_gate(VEC_INTX, irq_entry);
	idt_set_gate(VEC_MSIX, irq_entry);
	idt_set_gate(VEC_MMIO, irq_entry);
	if (dev.is_mmio) {
		failed += test_mmio();
	} else {
		failed += test_intx();
		failed += test_msix();
	}
	vio_reset(&dev);
	return failed;
}
