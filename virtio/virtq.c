// SPDX-License-Identifier: GPL-2.0
/*
 * Split virtqueue walking for devices. Source: virtio 1.2 section 2.7:
 * 2.7.5 (descriptor table), 2.7.5.3 (indirect descriptors), 2.7.6
 * (available ring), 2.7.8 (used ring), 2.7.7 and 2.7.10 (notification
 * suppression), 2.7.13 (device-side processing).
 *
 * The driver may change guest memory at any time, so every descriptor is
 * read exactly once into a local copy and only that copy is checked and
 * used. Ring indices are read with acquire and published with release
 * ordering, the EVENT_IDX checks behind a full fence.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/virtio.h"
#include "virtio/virtq.h"

void virtq_init(struct virtqueue *vq, struct virtio_device *vdev,
		const struct guest_mem *mem, u16 index, u16 num_max)
{
	vq->vdev = vdev;
	vq->mem = mem;
	vq->index = index;
	vq->num_max = num_max;
	vq->num = num_max;	/* the default the driver reads back (4.1.4.3) */
	vq->msix_vector = 0xffff;	/* VIRTIO_MSI_NO_VECTOR */
	vq->desc_gpa = vq->avail_gpa = vq->used_gpa = 0;
	vq->enabled = false;
	vq->kick_fd = -1;
	pthread_mutex_init(&vq->lock, NULL);
	vq->ready = false;
	vq->gen = 0;
	vq->desc = NULL;
	vq->avail = vq->used = NULL;
	vq->last_avail = vq->used_idx = vq->signalled_used = 0;
	vq->signalled_valid = false;
	vq->nr_popped = vq->nr_notified = vq->nr_kicks = 0;
}

int virtq_start(struct virtqueue *vq, bool event_idx, bool indirect,
		char *why, size_t len)
{
	u16 num = vq->num;
	void *desc, *avail, *used;

	if (!num || (num & (num - 1)) || num > vq->num_max) {
		snprintf(why, len, "queue size %u is not a power of 2 up to %u",
			 num, vq->num_max);
		return -1;
	}
	if ((vq->desc_gpa & 15) || (vq->avail_gpa & 1) || (vq->used_gpa & 3)) {
		snprintf(why, len, "misaligned rings (descriptors %#llx, available %#llx, used %#llx)",
			 (unsigned long long)vq->desc_gpa, (unsigned long long)vq->avail_gpa,
			 (unsigned long long)vq->used_gpa);
		return -1;
	}
	desc = gpa_to_hva(vq->mem, vq->desc_gpa, VIRTQ_DESC_BYTES(num));
	avail = gpa_to_hva(vq->mem, vq->avail_gpa, VIRTQ_AVAIL_BYTES(num));
	used = gpa_to_hva(vq->mem, vq->used_gpa, VIRTQ_USED_BYTES(num));
	if (!desc || !avail || !used) {
		snprintf(why, len, "%s ring at %#llx is outside guest RAM",
			 !desc ? "descriptor" : !avail ? "available" : "used",
			 (unsigned long long)(!desc ? vq->desc_gpa :
					      !avail ? vq->avail_gpa : vq->used_gpa));
		return -1;
	}
	pthread_mutex_lock(&vq->lock);
	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	vq->last_avail = vq->used_idx = vq->signalled_used = 0;
	vq->signalled_valid = false;
	vq->event_idx = event_idx;
	vq->indirect = indirect;
	vq->ready = true;
	pthread_mutex_unlock(&vq->lock);
	return 0;
}

void virtq_stop(struct virtqueue *vq)
{
	pthread_mutex_lock(&vq->lock);
	vq->ready = false;
	vq->gen++;
	vq->desc = NULL;
	vq->avail = vq->used = NULL;
	vq->last_avail = vq->used_idx = vq->signalled_used = 0;
	vq->signalled_valid = false;
	pthread_mutex_unlock(&vq->lock);
}

struct virtq_elem *virtq_elem_alloc(const struct virtqueue *vq)
{
	u32 cap = vq->num_max ? vq->num_max : 1;
	struct virtq_elem *e = xzalloc(sizeof(*e) + cap * sizeof(struct iovec));

	e->cap = cap;
	return e;
}

/* ---- ring accessors (the rings are mapped, checked and aligned) -------- */

static u16 avail_flags(const struct virtqueue *vq)
{
	return __atomic_load_n(&vq->avail[0], __ATOMIC_RELAXED);
}

/* The driver's index, with acquire: the entries and buffers it published
 * before it are visible after this load. */
static u16 avail_idx(const struct virtqueue *vq)
{
	return __atomic_load_n(&vq->avail[1], __ATOMIC_ACQUIRE);
}

static u16 avail_ring(const struct virtqueue *vq, u16 slot)
{
	return __atomic_load_n(&vq->avail[2 + slot], __ATOMIC_RELAXED);
}

static u16 used_event(const struct virtqueue *vq)
{
	return __atomic_load_n(&vq->avail[2 + vq->num], __ATOMIC_RELAXED);
}

/* avail_event follows the used ring's entries: u16 index 2 + 4 * num. */
static void set_avail_event(struct virtqueue *vq, u16 v)
{
	__atomic_store_n(&vq->used[2 + 4 * (u32)vq->num], v, __ATOMIC_RELAXED);
}

/* One descriptor copied out of guest memory (possibly unaligned in an
 * indirect table); only the copy is used afterwards. */
static void read_desc(const volatile struct virtq_desc *table, u32 i,
		      struct virtq_desc *d)
{
	memcpy(d, (const void *)(uintptr_t)&table[i], sizeof(*d));
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* ---- chain walking ------------------------------------------------------ */

#define FAULT(...) do { snprintf(why, whylen, __VA_ARGS__); return -1; } while (0)

static int add_buffer(struct virtq_elem *e, void *hva, u32 len, bool write)
{
	u32 n = (u32)e->nr_out + e->nr_in;

	if (n >= e->cap)
		return -1;
	if (write) {
		e->iov[n] = (struct iovec){ .iov_base = hva, .iov_len = len };
		e->nr_in++;
		e->in_len += len;
	} else {
		e->iov[n] = (struct iovec){ .iov_base = hva, .iov_len = len };
		e->nr_out++;
		e->out_len += len;
	}
	return 0;
}

/* Walk the chain starting at descriptor @head into @e. */
static int walk_chain(struct virtqueue *vq, u16 head, struct virtq_elem *e,
		      char *why, size_t whylen)
{
	const volatile struct virtq_desc *table = vq->desc;
	u32 table_size = vq->num, i = head, count = 0;
	bool in_indirect = false;
	const char *where = "descriptor";

	e->head = head;
	e->nr_out = e->nr_in = 0;
	e->out_len = e->in_len = 0;
	for (;;) {
		struct virtq_desc d;

		if (++count > vq->num)
			FAULT("descriptor chain from head %u is longer than the queue size %u (a loop?)",
			      head, vq->num);
		read_desc(table, i, &d);
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			void *t;

			if (!vq->indirect)
				FAULT("descriptor %u is indirect, but VIRTIO_F_INDIRECT_DESC was not negotiated", i);
			if (in_indirect)
				FAULT("indirect table entry %u is itself indirect (nested indirect tables)", i);
			if (d.flags & VIRTQ_DESC_F_NEXT)
				FAULT("indirect descriptor %u also has the NEXT flag", i);
			if (!d.len || d.len % sizeof(struct virtq_desc) ||
			    d.len / sizeof(struct virtq_desc) > vq->num)
				FAULT("indirect descriptor %u: table of %u bytes is not 1 to %u descriptors",
				      i, d.len, vq->num);
			t = gpa_to_hva(vq->mem, d.addr, d.len);
			if (!t)
				FAULT("indirect descriptor %u: table at %#llx (%u bytes) is outside guest RAM",
				      i, (unsigned long long)d.addr, d.len);
			table = t;
			table_size = d.len / sizeof(struct virtq_desc);
			i = 0;
			in_indirect = true;
			where = "indirect table entry";
			count--;	/* the table's entries count, not the pointer */
			continue;
		}
		if (!(d.flags & VIRTQ_DESC_F_WRITE) && e->nr_in)
			FAULT("%s %u is device-readable but follows a device-writable one", where, i);
		if (d.len) {
			void *hva = gpa_to_hva(vq->mem, d.addr, d.len);

			if (!hva)
				FAULT("%s %u: buffer at %#llx (%u bytes) is outside guest RAM",
				      where, i, (unsigned long long)d.addr, d.len);
			if (add_buffer(e, hva, d.len, d.flags & VIRTQ_DESC_F_WRITE) < 0)
				FAULT("descriptor chain from head %u has more than %u buffers",
				      head, e->cap);
		}
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		if (d.next >= table_size)
			FAULT("%s %u: next index %u is past the %s size %u", where, i, d.next,
			      in_indirect ? "indirect table" : "queue", table_size);
		i = d.next;
	}
	if (e->out_len > UINT32_MAX || e->in_len > UINT32_MAX)
		FAULT("descriptor chain from head %u is longer than 4 GiB", head);
	return 0;
}

static int pop_locked(struct virtqueue *vq, struct virtq_elem *e, bool arm, char *why,
		      size_t whylen)
{
	u16 avail, pending, head;

	if (!vq->ready || __atomic_load_n(&vq->vdev->broken, __ATOMIC_ACQUIRE))
		return -1;
	avail = avail_idx(vq);
	pending = avail - vq->last_avail;
	if (!pending && vq->event_idx && arm) {
		/* Ask for a notification at the next entry, then look again:
		 * the driver may have added one before it saw the request. */
		set_avail_event(vq, vq->last_avail);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		avail = avail_idx(vq);
		pending = avail - vq->last_avail;
	}
	if (!pending)
		return 0;
	if (pending > vq->num)
		FAULT("available index %u is %u entries ahead of the device (queue size %u)",
		      avail, pending, vq->num);
	head = avail_ring(vq, vq->last_avail & (vq->num - 1));
	if (head >= vq->num)
		FAULT("available ring entry %u names descriptor %u, past the queue size %u",
		      vq->last_avail, head, vq->num);
	if (walk_chain(vq, head, e, why, whylen) < 0)
		return -1;
	/* avail_event stays where the last empty look left it: the driver
	 * adds without a notification while the device is still at work
	 * (it comes back for them), and asks for one once it found none. */
	vq->last_avail++;
	e->gen = vq->gen;
	vq->nr_popped++;
	return 1;
}

static int pop(struct virtqueue *vq, struct virtq_elem *elem, bool arm)
{
	char why[200];
	int ret;

	why[0] = 0;
	pthread_mutex_lock(&vq->lock);
	ret = pop_locked(vq, elem, arm, why, sizeof(why));
	pthread_mutex_unlock(&vq->lock);
	if (ret < 0 && why[0])
		virtio_dev_fail(vq->vdev, vq, "%s", why);
	return ret;
}

int virtq_pop(struct virtqueue *vq, struct virtq_elem *elem)
{
	return pop(vq, elem, true);
}

int virtq_pop_quiet(struct virtqueue *vq, struct virtq_elem *elem)
{
	return pop(vq, elem, false);
}

void virtq_push(struct virtqueue *vq, const struct virtq_elem *elem, u32 len)
{
	volatile struct virtq_used_elem *ue;
	u16 slot;

	pthread_mutex_lock(&vq->lock);
	if (!vq->ready || elem->gen != vq->gen) {
		pthread_mutex_unlock(&vq->lock);
		return;
	}
	if (len > elem->in_len)
		len = (u32)elem->in_len;
	slot = vq->used_idx & (vq->num - 1);
	ue = (volatile struct virtq_used_elem *)(vq->used + 2) + slot;
	ue->id = elem->head;
	ue->len = len;
	vq->used_idx++;
	/* Release: the entry (and the data the device wrote) before the index. */
	__atomic_store_n(&vq->used[1], vq->used_idx, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&vq->lock);
}

void virtq_push_many(struct virtqueue *vq, struct virtq_elem *const *elems,
		     const u32 *lens, int n)
{
	pthread_mutex_lock(&vq->lock);
	for (int i = 0; i < n; i++) {
		volatile struct virtq_used_elem *ue;
		u32 len = lens[i];

		if (!vq->ready || elems[i]->gen != vq->gen)
			break;
		if (len > elems[i]->in_len)
			len = (u32)elems[i]->in_len;
		ue = (volatile struct virtq_used_elem *)(vq->used + 2) +
		     ((vq->used_idx + i) & (vq->num - 1));
		ue->id = elems[i]->head;
		ue->len = len;
		if (i == n - 1) {
			vq->used_idx += (u16)n;
			__atomic_store_n(&vq->used[1], vq->used_idx, __ATOMIC_RELEASE);
		}
	}
	pthread_mutex_unlock(&vq->lock);
}

void virtq_unpop(struct virtqueue *vq, u32 gen, u16 n)
{
	pthread_mutex_lock(&vq->lock);
	if (vq->ready && gen == vq->gen && n <= vq->nr_popped) {
		/* avail_event stays: the look that found too few buffers set
		 * it to the driver's index, so the next one added notifies */
		vq->last_avail -= n;
		vq->nr_popped -= n;
	}
	pthread_mutex_unlock(&vq->lock);
}

bool virtq_should_notify(struct virtqueue *vq)
{
	bool need;

	pthread_mutex_lock(&vq->lock);
	if (!vq->ready) {
		pthread_mutex_unlock(&vq->lock);
		return false;
	}
	/* The used index must be visible before the driver's flags are read
	 * (it may be re-enabling interrupts right now). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	{
		u16 old = vq->signalled_used, cur = vq->used_idx;
		bool valid = vq->signalled_valid;

		vq->signalled_used = cur;
		vq->signalled_valid = true;
		if (cur == old)
			need = false;	/* nothing used since the last decision */
		else if (vq->event_idx)
			need = !valid || vring_need_event(used_event(vq), cur, old);
		else
			need = !(avail_flags(vq) & VIRTQ_AVAIL_F_NO_INTERRUPT);
	}
	pthread_mutex_unlock(&vq->lock);
	return need;
}

int virtq_describe(struct virtqueue *vq, char *buf, size_t len)
{
	int n;

	pthread_mutex_lock(&vq->lock);
	if (!vq->ready) {
		pthread_mutex_unlock(&vq->lock);
		return snprintf(buf, len, "not ready");
	}
	n = snprintf(buf, len, "avail idx %u flags %#x, device at %u; used idx %u",
		     avail_idx(vq), avail_flags(vq), vq->last_avail, vq->used_idx);
	if (vq->event_idx)
		n += snprintf(buf + n, len > (size_t)n ? len - n : 0,
			      ", used_event %u, avail_event %u", used_event(vq),
			      __atomic_load_n(&vq->used[2 + 4 * (u32)vq->num], __ATOMIC_RELAXED));
	n += snprintf(buf + n, len > (size_t)n ? len - n : 0, ", last decision at %u%s",
		      vq->signalled_used, vq->signalled_valid ? "" : " (none)");
	pthread_mutex_unlock(&vq->lock);
	return n;
}

bool virtq_notify(struct virtqueue *vq)
{
	struct virtio_device *vdev = vq->vdev;

	if (!virtq_should_notify(vq))
		return false;
	__atomic_fetch_add(&vq->nr_notified, 1, __ATOMIC_RELAXED);
	if (vdev->tops && vdev->tops->signal_queue)
		vdev->tops->signal_queue(vdev, vq);
	return true;
}

size_t virtq_elem_to_guest(const struct virtq_elem *elem, u64 offset,
			   const void *src, size_t len)
{
	const u8 *s = src;
	size_t done = 0;

	for (u32 k = elem->nr_out; k < (u32)elem->nr_out + elem->nr_in && done < len; k++) {
		const struct iovec *v = &elem->iov[k];
		size_t n;

		if (offset >= v->iov_len) {
			offset -= v->iov_len;
			continue;
		}
		n = MIN(v->iov_len - offset, len - done);
		memcpy((u8 *)v->iov_base + offset, s + done, n);
		done += n;
		offset = 0;
	}
	return done;
}

size_t virtq_elem_from_guest(const struct virtq_elem *elem, u64 offset,
			     void *dst, size_t len)
{
	u8 *d = dst;
	size_t done = 0;

	for (u32 k = 0; k < elem->nr_out && done < len; k++) {
		const struct iovec *v = &elem->iov[k];
		size_t n;

		if (offset >= v->iov_len) {
			offset -= v->iov_len;
			continue;
		}
		n = MIN(v->iov_len - offset, len - done);
		memcpy(d + done, (const u8 *)v->iov_base + offset, n);
		done += n;
		offset = 0;
	}
	return done;
}
