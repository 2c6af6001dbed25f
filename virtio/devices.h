/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtio devices lkvm offers, as `lkvm run` creates them.
 * Sources: virtio 1.2 sections 5.3 (console device), 5.4 (entropy device).
 */
#ifndef LKVM_VIRTIO_DEVICES_H
#define LKVM_VIRTIO_DEVICES_H

#include "virtio/virtio.h"

/*
 * One kind of virtio device `lkvm run` can create: @create reads
 * kvm->cfg (hv/config.h) and creates as many devices of the kind as it
 * asks for (none is fine). Returns 0, or -1 with an error logged.
 */
struct virtio_dev_type {
	const char *name;
	int (*create)(struct kvm *kvm);
};

/*
 * virtio_devices_create - create every device kvm->cfg asks for, kind by
 * kind in the order of virtio/devtable.c's table (which fixes their PCI
 * slots and MMIO windows). Call before boot_load(): virtio-mmio devices
 * go on the kernel command line. Returns 0, or -1 (error logged).
 */
int virtio_devices_create(struct kvm *kvm);

/* The table's creators (one per device file). */
int virtio_console_create(struct kvm *kvm);
int virtio_rng_create(struct kvm *kvm);
int virtio_blk_create(struct kvm *kvm);
int virtio_net_create(struct kvm *kvm);

/*
 * virtio_rng_init - an entropy device (ID 4) behind @transport whose
 * requests are filled from getrandom(2). Returns 0, or -1 (error logged).
 */
int virtio_rng_init(struct kvm *kvm, enum virtio_transport transport);

/* Bytes of entropy handed to the guest so far, and in how many requests. */
void virtio_rng_stats(u64 *bytes, u64 *requests);

/*
 * virtio_console_init - a console device (ID 3) with one port (no
 * VIRTIO_CONSOLE_F_MULTIPORT): what the guest writes to its transmitq
 * goes to @out_fd (stdout for `lkvm run`); virtio_console_deliver()
 * feeds its receiveq. Linux names it hvc0. Returns 0, or -1.
 */
int virtio_console_init(struct kvm *kvm, enum virtio_transport transport, int out_fd);

/*
 * virtio_console_deliver - util/term.h's term_deliver_fn for the console
 * (@opaque unused): copy @len input bytes into the guest's receive
 * buffers. Returns how many it took (0 while the driver is not ready or
 * has no buffer posted).
 */
size_t virtio_console_deliver(void *opaque, const u8 *buf, size_t len);

/*
 * virtio_console_break - util/term.h's term_break_fn: Linux's hvc driver
 * has no break; it takes Ctrl-O (0x0f) followed by a key as a sysrq
 * (CONFIG_MAGIC_SYSRQ, drivers/tty/hvc/hvc_console.c), so send that. If
 * the guest has no receive buffer yet, the Ctrl-O waits and goes ahead of
 * the next input virtio_console_deliver() is given.
 */
void virtio_console_break(void *opaque);

/* Bytes the guest wrote to its console so far. */
u64 virtio_console_bytes_out(void);

#endif
