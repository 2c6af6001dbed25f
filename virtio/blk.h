/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio block device (virtio 1.2 section 5.2) over a disk (disk/disk.h).
 * The request parser is separate from the device so that unit tests can
 * feed it hostile chains.
 */
#ifndef LKVM_VIRTIO_BLK_H
#define LKVM_VIRTIO_BLK_H

#include "disk/disk.h"
#include "virtio/virtio.h"

/* Feature bits (5.2.3). */
#define VIRTIO_BLK_F_SEG_MAX		2
#define VIRTIO_BLK_F_RO			5
#define VIRTIO_BLK_F_BLK_SIZE		6
#define VIRTIO_BLK_F_FLUSH		9
#define VIRTIO_BLK_F_MQ			12
#define VIRTIO_BLK_F_DISCARD		13
#define VIRTIO_BLK_F_WRITE_ZEROES	14

/* Request types (5.2.6). */
#define VIRTIO_BLK_T_IN			0
#define VIRTIO_BLK_T_OUT		1
#define VIRTIO_BLK_T_FLUSH		4
#define VIRTIO_BLK_T_GET_ID		8
#define VIRTIO_BLK_T_DISCARD		11
#define VIRTIO_BLK_T_WRITE_ZEROES	13

/* Status byte values (5.2.6). */
#define VIRTIO_BLK_S_OK			0
#define VIRTIO_BLK_S_IOERR		1
#define VIRTIO_BLK_S_UNSUPP		2

#define VIRTIO_BLK_ID_BYTES		20	/* GET_ID reply */
#define VIRTIO_BLK_HDR_BYTES		16	/* type, reserved, sector */
#define VIRTIO_BLK_SEG_BYTES		16	/* discard / write zeroes segment */
#define VIRTIO_BLK_WZ_F_UNMAP		1	/* segment flag */
#define VIRTIO_BLK_MAX_DISCARD		(1u << 22)	/* sectors per segment (2 GiB) */
#define VIRTIO_BLK_DATA_IOV		VIRTQ_MAX_SIZE

/* Configuration layout up to write_zeroes_may_unmap (5.2.4). */
struct virtio_blk_config {
	u64 capacity;			/* 512-byte sectors */
	u32 size_max;
	u32 seg_max;
	u16 cylinders;
	u8 heads, sectors;
	u32 blk_size;
	u8 physical_block_exp, alignment_offset;
	u16 min_io_size;
	u32 opt_io_size;
	u8 writeback, unused0;
	u16 num_queues;
	u32 max_discard_sectors;
	u32 max_discard_seg;
	u32 discard_sector_alignment;
	u32 max_write_zeroes_sectors;
	u32 max_write_zeroes_seg;
	u8 write_zeroes_may_unmap;
	u8 unused1[3];
} __attribute__((packed));

/*
 * One parsed request. @data: the buffers the request's data lives in:
 * the device-writable bytes before the status byte (IN, GET_ID) or the
 * readable bytes after the header (OUT, DISCARD, WRITE_ZEROES).
 */
struct blk_parsed {
	u32 type;
	u64 sector;
	u8 *status;			/* the last device-writable byte */
	u8 result;			/* VIRTIO_BLK_S_OK: go on; else complete with it */
	u64 offset, len;		/* bytes on the disk (IN, OUT, DISCARD, WRITE_ZEROES) */
	bool unmap;			/* WRITE_ZEROES may leave a hole */
	int nr_data;
	u64 data_len;
	struct iovec data[VIRTIO_BLK_DATA_IOV];
};

/*
 * blk_parse - check and decode the chain in @elem for a disk of
 * @capacity sectors (read-only if @ro). Returns 0 with @p filled (and
 * p->result telling whether to do the request or complete it at once
 * with IOERR / UNSUPP), or -1 for a chain the device cannot even answer
 * (no device-writable status byte, a header shorter than 16 bytes;
 * virtio 1.2 5.2.6.1 requires both): the caller then faults the device,
 * and @why says why.
 * Range and format errors in the request itself are answered:
 *  - sector + length past the capacity (overflow-safe), a data length
 *    that is not whole sectors -> IOERR;
 *  - a write to a read-only disk -> IOERR;
 *  - an unknown type, unknown segment flags -> UNSUPP;
 *  - DISCARD / WRITE_ZEROES with other than one 16-byte segment, or more
 *    than VIRTIO_BLK_MAX_DISCARD sectors -> IOERR.
 */
int blk_parse(const struct virtq_elem *elem, u64 capacity, bool ro,
	      struct blk_parsed *p, char *why, size_t why_len);

/*
 * virtio_blk_init - a block device (ID 2) for the disk described by @o
 * behind @transport, with @nr_queues request queues (one per vCPU,
 * clamped to VIRTIO_MAX_QUEUES). Returns 0, or -1 with one error logged.
 * Disks are closed (synced, unlocked) by the device's exit callback.
 */
int virtio_blk_init(struct kvm *kvm, enum virtio_transport transport,
		    const struct disk_opts *o, int nr_queues);

#endif
