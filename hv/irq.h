/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GSI routing for message-signalled interrupts: lkvm's copy of KVM's
 * routing table (the irqchip defaults plus one MSI route per GSI handed
 * out), irqfds, and KVM_SIGNAL_MSI as the fallback.
 * Source: Documentation/virt/kvm/api.rst (KVM_SET_GSI_ROUTING,
 * KVM_IRQFD, KVM_SIGNAL_MSI).
 *
 * KVM_SET_GSI_ROUTING replaces the whole table, so every commit carries
 * the routes the in-kernel PIC and IOAPIC need, as KVM sets them up by
 * default: GSI 0-15 to PIC pin (GSI mod 8) of the master (0-7) or slave
 * (8-15) and to IOAPIC pin GSI; GSI 16-23 to IOAPIC pin GSI only.
 */
#ifndef LKVM_IRQ_H
#define LKVM_IRQ_H

#include "util/util.h"

struct kvm;

#define IRQ_FIRST_MSI_GSI	24	/* GSIs below belong to the irqchips */
#define IRQ_MAX_GSI		1024	/* lkvm's limit on GSIs it hands out */

/*
 * irq_msi_route - route GSI *@gsi to the MSI message @addr/@data (Intel
 * SDM vol. 3 section 11.11: address 0xFEExxxxx, data = vector and
 * delivery mode), allocating a GSI from IRQ_FIRST_MSI_GSI on when *@gsi is
 * negative, then install the whole table. Thread-safe.
 * Returns 0, or -1 when KVM has no routing (KVM_CAP_IRQ_ROUTING), the
 * GSIs ran out or the ioctl failed (the caller then uses irq_signal_msi).
 */
int irq_msi_route(struct kvm *kvm, int *gsi, u64 addr, u32 data);

/*
 * irq_irqfd - attach (@assign) or detach eventfd @fd to @gsi: each write
 * to @fd then raises the GSI inside KVM without an ioctl. Returns 0 or -1.
 */
int irq_irqfd(struct kvm *kvm, int fd, int gsi, bool assign);

/* irq_signal_msi - inject one MSI directly (KVM_SIGNAL_MSI). Returns 0 or -1. */
int irq_signal_msi(struct kvm *kvm, u64 addr, u32 data);

/* irq_reset - forget every MSI route (unit tests, a new VM). */
void irq_reset(void);

#endif
