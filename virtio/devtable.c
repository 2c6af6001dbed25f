// SPDX-License-Identifier: GPL-2.0
/*
 * The table of virtio device kinds `lkvm run` creates, in creation order
 * (PCI slots and MMIO windows are handed out in this order). A new device
 * is one file with a creator plus one line here.
 */
#include "hv/kvm.h"
#include "virtio/9p.h"
#include "virtio/devices.h"

static const struct virtio_dev_type dev_types[] = {
	{ "console", virtio_console_create },
	{ "rng", virtio_rng_create },
	{ "blk", virtio_blk_create },
	{ "net", virtio_net_create },
	{ "9p", virtio_9p_create },
};

int virtio_devices_create(struct kvm *kvm)
{
	for (size_t i = 0; i < ARRAY_SIZE(dev_types); i++)
		if (dev_types[i].create(kvm) < 0)
			return -1;
	return 0;
}
