// SPDX-License-Identifier: GPL-2.0
/*
 * The table of virtio transports the core attaches devices through,
 * indexed by enum virtio_transport. A new transport is one file that
 * fills a struct virtio_transport_ops, plus one line here; the core
 * (virtio/core.c) names none of them.
 */
#include "virtio/transport.h"

const struct virtio_transport_ops *const virtio_transports[VIRTIO_NR_TRANSPORTS] = {
	[VIRTIO_TRANSPORT_PCI] = &virtio_pci_transport,
	[VIRTIO_TRANSPORT_MMIO] = &virtio_mmio_transport,
};
