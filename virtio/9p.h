/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio 9P transport device (virtio device ID 9): one host directory
 * served over 9P2000.L (virtio/9p-server.h), found by the guest through
 * its mount tag. Sources: virtio 1.2 section 5 (device ID 9, "9P
 * transport"; the specification has no chapter for it) and Linux's uapi
 * <linux/virtio_9p.h>: feature bit 0 VIRTIO_9P_MOUNT_TAG, configuration
 * { le16 tag_len; u8 tag[tag_len]; } with no NUL. One request queue: a
 * chain carries a T-message in its readable part and receives the
 * R-message in its writable part.
 */
#ifndef LKVM_VIRTIO_9P_H
#define LKVM_VIRTIO_9P_H

#include "virtio/9p-opts.h"
#include "virtio/virtio.h"

struct p9_stats;

#define VIRTIO_ID_9P		9
#define VIRTIO_9P_MOUNT_TAG	0	/* feature bit: the tag is in config space */

/*
 * virtio_9p_init - a 9p device behind @transport sharing the directory
 * @o->path under the tag @o->tag (read-only if @o->ro). The server runs
 * on the device's worker threads with lkvm's rights. Returns 0, or -1 with
 * one error line (the directory cannot be opened, no transport slot).
 */
int virtio_9p_init(struct kvm *kvm, enum virtio_transport transport,
		   const struct p9_share_opts *o);

/*
 * virtio_9p_create - one device per --9p share of kvm->cfg, in
 * command-line order, on --virtio-transport (the shape of the device
 * table's creators). Returns 0, or -1 with one error line.
 */
int virtio_9p_create(struct kvm *kvm);

/*
 * virtio_9p_stats - a snapshot of the counters of the @index-th 9p device
 * made (command-line order) into @st. Returns 0, or -1 if there is no
 * such device.
 */
int virtio_9p_stats(int index, struct p9_stats *st);

#endif
