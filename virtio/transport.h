/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two virtio transports: what each one's attach does, for
 * virtio/transports.c's table and for tests that attach by hand.
 * Sources: virtio 1.2 sections 4.1 (virtio over PCI) and 4.2 (virtio over
 * MMIO, version 2).
 */
#ifndef LKVM_VIRTIO_TRANSPORT_H
#define LKVM_VIRTIO_TRANSPORT_H

#include "virtio/virtio.h"

/*
 * virtio_pci_attach - put @vdev on PCI bus 0 as a modern virtio function
 * (vendor 0x1af4, device 0x1040 + ID): capabilities for the common,
 * notify, ISR and device configuration in a 64-bit memory BAR, MSI-X with
 * INTx fallback, notifications through ioeventfd where KVM has it.
 * Call after pci_init(). Returns 0, or -1 with an error logged.
 */
int virtio_pci_attach(struct kvm *kvm, struct virtio_device *vdev);

/*
 * virtio_mmio_attach - give @vdev a virtio-mmio (version 2) register
 * window of VIRTIO_MMIO_SIZE bytes in [VIRTIO_MMIO_START, VIRTIO_MMIO_END)
 * and its own legacy IRQ line, and announce it to a Linux guest with
 * "virtio_mmio.device=4K@ADDR:IRQ" (kvm_cmdline_append()).
 * Returns 0, or -1 with an error logged (no window or IRQ left).
 */
int virtio_mmio_attach(struct kvm *kvm, struct virtio_device *vdev);

/* The transports' ops, as virtio/transports.c lists them. */
extern const struct virtio_transport_ops virtio_pci_transport;
extern const struct virtio_transport_ops virtio_mmio_transport;

/*
 * virtio_mmio_reset_layout - forget the MMIO windows and IRQs handed out
 * (for unit tests that build several VMs in one process).
 */
void virtio_mmio_reset_layout(void);

/*
 * virtio_use_ioeventfd - may transports register ioeventfds with KVM?
 * True unless the environment sets LKVM_VIRTIO_NO_IOEVENTFD (tests use it
 * to exercise the notify path through vCPU exits).
 */
bool virtio_use_ioeventfd(struct kvm *kvm);

#endif
