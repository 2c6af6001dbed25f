/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test device for test kernels (`lkvm run --test-dev`), with the
 * semantics of QEMU's pc-testdev that kvm-unit-tests relies on:
 *   0xe0-0xe3  scratch register: byte, word or dword writes store, reads
 *              return what was stored at those bytes;
 *   0xe4       flush page: a dword write of a GPA makes KVM drop its
 *              mappings of that page (the next access faults them back in);
 *   0x2000+n   IRQ line n (n < 24): a write of non-zero raises GSI n, of
 *              zero lowers it (KVM_IRQ_LINE: the PIC for n < 16 and the
 *              IOAPIC); reads return 0;
 *   TESTDEV_IORAM_GPA  64 KiB of MMIO RAM: every access exits to lkvm and
 *              reads return what was written.
 * Source: QEMU hw/misc/pc-testdev.c's documented behaviour as used by
 * kvm-unit-tests (x86/emulator.c, x86/ioapic.c, x86/eventinj.c).
 */
#ifndef LKVM_X86_TESTDEV_H
#define LKVM_X86_TESTDEV_H

#include "util/util.h"

struct kvm;

#define TESTDEV_PORT_SCRATCH	0xe0
#define TESTDEV_SCRATCH_LEN	4
#define TESTDEV_PORT_FLUSH	0xe4
#define TESTDEV_PORT_IRQ	0x2000
#define TESTDEV_NR_IRQS		24

/*
 * testdev_init - register the ports and the I/O RAM window on @kvm.
 * Returns 0, or -1 if a range is taken (logged by the bus).
 */
int testdev_init(struct kvm *kvm);

/* testdev_exit - unregister and free the device of testdev_init(), if any. */
void testdev_exit(struct kvm *kvm);

#endif
