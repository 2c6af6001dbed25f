/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvpanic: a device the guest kernel writes to when it panics, so that
 * lkvm can end the run with a panic status instead of waiting forever.
 * Source: QEMU's pvpanic interface as documented for its guests
 * (docs/specs/pvpanic.rst: PCI ID 1b36:0011, one byte at BAR0 offset 0;
 * ISA port 0x505), implemented by Linux drivers/misc/pvpanic.
 */
#ifndef LKVM_PVPANIC_H
#define LKVM_PVPANIC_H

struct kvm;

/* Event bits: read as the supported set, written by the guest. */
#define PVPANIC_PANICKED	(1u << 0)
#define PVPANIC_CRASH_LOADED	(1u << 1)

#define PVPANIC_ISA_PORT	0x505

/*
 * pvpanic_init - register the PCI pvpanic device (1b36:0011, class
 * 0x088000, a 16-byte MMIO BAR0) and the same register at I/O port 0x505
 * for kernels that find it through ACPI (QEMU0001) instead of PCI.
 * A PANICKED write ends the VM: VM_END_PANIC, EXIT_GUEST_PANIC; a
 * CRASH_LOADED write is logged (a crash kernel takes over) and the VM runs on.
 * Needs pci_init() first. Returns 0, or -1 (error logged).
 */
int pvpanic_init(struct kvm *kvm);

#endif
