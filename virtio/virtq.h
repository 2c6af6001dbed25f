/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Split virtqueues as a device sees them: the driver's descriptor table and
 * available ring, the device's used ring, and the notification suppression
 * rules. Source: virtio 1.2 section 2.7 (split virtqueues), 2.7.5.3
 * (indirect descriptors), 2.7.7 and 2.7.10 (used buffer notification
 * suppression, VIRTIO_F_EVENT_IDX).
 *
 * Everything in guest memory is hostile: each descriptor is copied once,
 * checked, and turned into host iovecs only if the whole buffer is guest
 * RAM. A fault makes virtq_pop() fail and puts the device into
 * DEVICE_NEEDS_RESET through virtio_dev_fail() (virtio/virtio.h).
 *
 * Locking: vq->lock guards the ring state; pop and push may run on
 * different threads (a device's I/O thread pops, an io_uring completion
 * thread pushes). Ring configuration changes only under the device lock
 * with the queue disabled.
 */
#ifndef LKVM_VIRTQ_H
#define LKVM_VIRTQ_H

#include <pthread.h>
#include <sys/uio.h>

#include "hv/guest_mem.h"
#include "util/util.h"

struct virtio_device;

/* Descriptor flags (virtio 1.2 section 2.7.5). */
#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2
#define VIRTQ_DESC_F_INDIRECT	4
/* Available ring flag: the driver asks for no used-buffer interrupts (2.7.6). */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
/* Used ring flag: the device asks for no available-buffer notifications (2.7.8). */
#define VIRTQ_USED_F_NO_NOTIFY	1

/* Largest queue size lkvm devices offer; split queue sizes are powers of 2. */
#define VIRTQ_MAX_SIZE		1024

/* Guest-memory layouts (little endian; x86 hosts only). Sizes: 2.7. */
struct virtq_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

struct virtq_used_elem {
	u32 id;
	u32 len;
};

/* Bytes each ring part occupies for a queue of @num entries, including the
 * EVENT_IDX words (used_event, avail_event) that are always reserved. */
#define VIRTQ_DESC_BYTES(num)	(16ULL * (num))
#define VIRTQ_AVAIL_BYTES(num)	(6ULL + 2ULL * (num))
#define VIRTQ_USED_BYTES(num)	(6ULL + 8ULL * (num))

/*
 * One virtqueue. Fields above "ring state" are configured by the transport
 * (under the device lock, while !enabled); the rest belong to virtq.c.
 */
struct virtqueue {
	struct virtio_device *vdev;	/* owner, for fault reports and interrupts */
	const struct guest_mem *mem;
	u16 index;		/* queue number within the device */
	u16 num_max;		/* largest size the device accepts (power of 2) */
	u16 num;		/* size the driver chose */
	u16 msix_vector;	/* PCI: vector for used-buffer interrupts */
	u64 desc_gpa, avail_gpa, used_gpa;
	bool enabled;		/* queue_enable / QueueReady */
	int kick_fd;		/* eventfd signalled on each driver notification */

	pthread_mutex_t lock;
	/* ring state, under @lock */
	bool ready;		/* rings mapped and checked: pop/push allowed */
	bool event_idx;		/* VIRTIO_F_EVENT_IDX negotiated */
	bool indirect;		/* VIRTIO_F_INDIRECT_DESC negotiated */
	u32 gen;		/* bumped on each disable: stale pushes are dropped */
	volatile struct virtq_desc *desc;
	volatile u16 *avail;	/* flags, idx, ring[num], used_event */
	volatile u16 *used;	/* flags, idx, then ring and avail_event */
	u16 last_avail;		/* next available ring entry the device takes */
	u16 used_idx;		/* the used index the device published */
	u16 signalled_used;	/* used index at the last notification decision */
	bool signalled_valid;	/* signalled_used means something */
	u64 nr_popped, nr_notified;	/* statistics: chains taken, interrupts raised */
	u64 nr_kicks;		/* driver notifications the device read (2.7.13) */
};

/*
 * One buffer chain taken from the available ring: device-readable parts
 * first (iov[0..nr_out)), then device-writable parts (iov[nr_out..
 * nr_out + nr_in)). Zero-length descriptors are dropped. Allocated with
 * virtq_elem_alloc() for one queue; reused from pop to pop.
 */
struct virtq_elem {
	u16 head;		/* descriptor index that goes into the used ring */
	u32 gen;		/* queue generation at pop time */
	u16 nr_out, nr_in;
	u32 cap;		/* iov entries allocated */
	u64 out_len, in_len;	/* bytes in the readable / writable parts */
	struct iovec iov[];
};

/*
 * virtq_init - set up @vq (index @index, at most @num_max entries, a power
 * of 2 up to VIRTQ_MAX_SIZE) of device @vdev over guest memory @mem.
 * The kick eventfd is created by the caller. Never fails.
 */
void virtq_init(struct virtqueue *vq, struct virtio_device *vdev,
		const struct guest_mem *mem, u16 index, u16 num_max);

/*
 * virtq_start - check the driver's configuration (size a power of 2 no
 * larger than num_max; desc 16-, avail 2-, used 4-byte aligned; all three
 * parts entirely in guest RAM, virtio 1.2 2.7) and map the rings.
 * @event_idx/@indirect: negotiated features. Call with the device lock
 * held. Returns 0, or -1 with the fault written to @why (@len bytes);
 * the queue then stays unready.
 */
int virtq_start(struct virtqueue *vq, bool event_idx, bool indirect,
		char *why, size_t len);

/* virtq_stop - unmap the rings and reset the indices (device reset or
 * queue reset); pushes of chains popped before are dropped from now on. */
void virtq_stop(struct virtqueue *vq);

/*
 * virtq_elem_alloc - a chain holder able to take any legal chain of @vq
 * (its num_max descriptors). Dies on allocation failure; free() it.
 */
struct virtq_elem *virtq_elem_alloc(const struct virtqueue *vq);

/*
 * virtq_pop - take the next available chain into @elem.
 * Returns 1 with @elem filled, 0 if the ring is empty (with EVENT_IDX the
 * device has asked to be notified of the next one), or -1 if the queue is
 * not ready, the device is broken, or the chain is malformed. A malformed
 * chain calls virtio_dev_fail() naming the queue and the fault:
 *  - the available index ran more than the queue size ahead;
 *  - a head or next index past the queue (or indirect table) size;
 *  - a buffer not entirely in guest RAM (this also catches addr + len
 *    overflowing);
 *  - a chain longer than the queue size (a loop);
 *  - a device-readable descriptor after a device-writable one;
 *  - an indirect descriptor without VIRTIO_F_INDIRECT_DESC, with
 *    VIRTQ_DESC_F_NEXT, inside an indirect table, or whose table is empty,
 *    not a multiple of 16 bytes, longer than the queue or not in RAM;
 *  - a chain whose total length does not fit in 32 bits.
 */
int virtq_pop(struct virtqueue *vq, struct virtq_elem *elem);

/*
 * virtq_pop_quiet - virtq_pop(), except that an empty ring leaves
 * avail_event where it is (virtio 1.2 2.7.10): the driver goes on adding
 * without notifications, for a device that comes back by itself (a
 * timer) and asks for them again with virtq_pop() once it finds nothing.
 * Same returns and faults.
 */
int virtq_pop_quiet(struct virtqueue *vq, struct virtq_elem *elem);

/*
 * virtq_push - return @elem's chain through the used ring with @len bytes
 * written by the device (virtio 1.2 2.7.8). Dropped if the queue was
 * reset since @elem was popped. Does not interrupt: see virtq_notify().
 * @len is clamped to the chain's writable length.
 */
void virtq_push(struct virtqueue *vq, const struct virtq_elem *elem, u32 len);

/*
 * virtq_push_many - return @n chains (@elems[i] with @lens[i] bytes
 * written) through the used ring in this order, publishing the used index
 * once at the end, so the driver sees all of them or none (virtio-net's
 * merged receive buffers, virtio 1.2 5.1.6.4). Dropped like virtq_push()
 * if the queue was reset since they were popped.
 */
void virtq_push_many(struct virtqueue *vq, struct virtq_elem *const *elems,
		     const u32 *lens, int n);

/*
 * virtq_unpop - give back the last @n chains virtq_pop() took (generation
 * @gen, from elem->gen), as if they had not been taken: they are popped
 * again next time. Ignored if the queue was reset meanwhile.
 */
void virtq_unpop(struct virtqueue *vq, u32 gen, u16 n);

/*
 * virtq_should_notify - does the driver want an interrupt for the buffers
 * pushed since the last call? VIRTQ_AVAIL_F_NO_INTERRUPT without
 * EVENT_IDX, used_event with it (2.7.7, 2.7.10). Updates the record of
 * what was signalled, so call it once per notification decision.
 */
bool virtq_should_notify(struct virtqueue *vq);

/*
 * virtq_describe - the ring's state for a debug report into @buf (@len
 * bytes, NUL-terminated): the driver's available index and flags, where
 * the device is, the used index, the EVENT_IDX words and the used index
 * of the last notification decision. Returns what snprintf() returns.
 */
int virtq_describe(struct virtqueue *vq, char *buf, size_t len);

/*
 * virtq_notify - interrupt the driver through the transport if
 * virtq_should_notify() says so. Returns whether it did. Thread-safe.
 */
bool virtq_notify(struct virtqueue *vq);

/*
 * vring_need_event - the EVENT_IDX test (2.7.10): with the used index
 * moved from @old to @new, has it passed @event (new - event - 1 <
 * new - old, in 16-bit wrap-around arithmetic)?
 */
static inline bool vring_need_event(u16 event, u16 new_idx, u16 old)
{
	return (u16)(new_idx - event - 1) < (u16)(new_idx - old);
}

/*
 * virtq_elem_to_guest - copy @len bytes of @src into @elem's writable part
 * starting @offset bytes into it. Returns the bytes copied (less than
 * @len if the part is shorter).
 */
size_t virtq_elem_to_guest(const struct virtq_elem *elem, u64 offset,
			   const void *src, size_t len);

/* virtq_elem_from_guest - copy up to @len bytes of @elem's readable part,
 * from @offset on, into @dst. Returns the bytes copied. */
size_t virtq_elem_from_guest(const struct virtq_elem *elem, u64 offset,
			     void *dst, size_t len);

#endif
