// SPDX-License-Identifier: GPL-2.0
/*
 * virtio/virtq.c and virtio/core.c against a fake guest memory (a malloc'd
 * buffer, so ASan catches any access outside it): chain walking with
 * direct and indirect descriptors, the used ring, EVENT_IDX arithmetic
 * and notification suppression, every hostile descriptor case (each must
 * fail, set DEVICE_NEEDS_RESET, send one config interrupt, and touch
 * nothing outside guest RAM), feature negotiation and status transitions,
 * reset, and configuration space bounds. No /dev/kvm, no threads.
 */
#include <stdlib.h>
#include <string.h>

#include "hv/kvm.h"
#include "tests/tap.h"
#include "util/log.h"
#include "virtio/virtio.h"

#define RAM_SIZE	(1024 * 1024)
#define DESC_GPA	0x1000
#define AVAIL_GPA	0x2000
#define USED_GPA	0x3000
#define TABLE_GPA	0x4000
#define BUF_GPA		0x10000

static u8 *ram;
static struct guest_mem mem;
static struct virtio_device vdev;
static u8 config[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static int nr_queue_irqs, nr_config_irqs, nr_config_writes;
static struct virtq_elem *elem;

static void t_signal_queue(struct virtio_device *d, struct virtqueue *vq) { nr_queue_irqs++; }
static void t_signal_config(struct virtio_device *d) { nr_config_irqs++; }
static void t_queue_notify(struct virtio_device *d, struct virtqueue *vq) { }

static void t_config_write(struct virtio_device *d, u32 off, const u8 *data, u32 len)
{
	nr_config_writes++;
	memcpy(d->config + off, data, len);
}

static const struct virtio_transport_ops tops = {
	.signal_queue = t_signal_queue,
	.signal_config = t_signal_config,
};
static const struct virtio_dev_ops ops = {
	.queue_notify = t_queue_notify,
	.config_write = t_config_write,
};

/* ---- the guest's side of the rings --------------------------------------- */

static void g_desc(u64 table, int i, u64 addr, u32 len, u16 flags, u16 next)
{
	struct virtq_desc d = { addr, len, flags, next };

	memcpy(ram + table + 16 * i, &d, sizeof(d));
}

static u16 g_avail_idx;

static void g_publish(u16 head)
{
	u16 *avail = (u16 *)(ram + AVAIL_GPA);

	avail[2 + (g_avail_idx % vdev.vqs[0].num)] = head;
	avail[1] = ++g_avail_idx;
}

static u16 g_used_idx(void) { return ((u16 *)(ram + USED_GPA))[1]; }
static u32 g_used_id(int i) { return ((u32 *)(ram + USED_GPA + 4))[2 * i]; }
static u32 g_used_len(int i) { return ((u32 *)(ram + USED_GPA + 4))[2 * i + 1]; }
static void g_set_used_event(u16 v) { ((u16 *)(ram + AVAIL_GPA))[2 + vdev.vqs[0].num] = v; }
static u16 g_avail_event(void) { return ((u16 *)(ram + USED_GPA))[2 + 4 * vdev.vqs[0].num]; }

/* Reset the device and bring queue 0 up with @num entries and @features. */
static int bring_up(u16 num, u64 features)
{
	struct virtqueue *vq = &vdev.vqs[0];
	int ret;

	pthread_mutex_lock(&vdev.lock);
	virtio_set_status_locked(&vdev, 0);
	memset(ram, 0, 0x8000);
	g_avail_idx = 0;
	virtio_set_status_locked(&vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_set_driver_features_locked(&vdev, 0, (u32)features);
	virtio_set_driver_features_locked(&vdev, 1, (u32)(features >> 32));
	virtio_set_status_locked(&vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				 VIRTIO_STATUS_FEATURES_OK);
	vq->num = num;
	vq->desc_gpa = DESC_GPA;
	vq->avail_gpa = AVAIL_GPA;
	vq->used_gpa = USED_GPA;
	ret = virtio_queue_enable_locked(&vdev, vq);
	virtio_set_status_locked(&vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				 VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	pthread_mutex_unlock(&vdev.lock);
	nr_queue_irqs = nr_config_irqs = 0;
	return ret;
}

#define V1 VIRTIO_BIT(VIRTIO_F_VERSION_1)
#define IND VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC)
#define EVI VIRTIO_BIT(VIRTIO_F_EVENT_IDX)

/* ---- normal operation ---------------------------------------------------- */

static void test_chains(void)
{
	struct virtqueue *vq = &vdev.vqs[0];

	is_int(bring_up(8, V1), 0, "queue of 8 comes up");
	is_int(virtq_pop(vq, elem), 0, "empty ring: nothing to pop");

	g_desc(DESC_GPA, 3, BUF_GPA, 100, VIRTQ_DESC_F_NEXT, 5);
	g_desc(DESC_GPA, 5, BUF_GPA + 100, 20, VIRTQ_DESC_F_NEXT, 1);
	g_desc(DESC_GPA, 1, BUF_GPA + 0x1000, 300, VIRTQ_DESC_F_WRITE, 0);
	g_publish(3);
	is_int(virtq_pop(vq, elem), 1, "chain 3 -> 5 -> 1 popped");
	ok(elem->head == 3 && elem->nr_out == 2 && elem->nr_in == 1 &&
	   elem->out_len == 120 && elem->in_len == 300,
	   "two readable buffers (120 bytes), then one writable (300 bytes)");
	ok(elem->iov[0].iov_base == ram + BUF_GPA && elem->iov[1].iov_base == ram + BUF_GPA + 100 &&
	   elem->iov[2].iov_base == ram + BUF_GPA + 0x1000, "iovecs point into guest RAM");
	is_int(virtq_pop(vq, elem), 0, "ring empty again");

	virtq_push(vq, elem, 1000);
	ok(g_used_idx() == 1 && g_used_id(0) == 3 && g_used_len(0) == 300,
	   "used ring: head 3, length clamped to the writable 300 bytes");
	virtq_notify(vq);
	is_int(nr_queue_irqs, 1, "interrupt without suppression");

	/* Zero-length descriptors are skipped, not mapped. */
	g_desc(DESC_GPA, 0, 0, 0, VIRTQ_DESC_F_NEXT, 2);
	g_desc(DESC_GPA, 2, BUF_GPA, 8, VIRTQ_DESC_F_WRITE, 0);
	g_publish(0);
	is_int(virtq_pop(vq, elem), 1, "chain with a zero-length descriptor popped");
	ok(elem->nr_out == 0 && elem->nr_in == 1, "zero-length buffer dropped from the iovecs");

	/* Wrap-around of the 16-bit indices and of the ring. */
	for (int i = 0; i < 20; i++) {
		g_desc(DESC_GPA, 4, BUF_GPA, 4, VIRTQ_DESC_F_WRITE, 0);
		g_publish(4);
		if (virtq_pop(vq, elem) != 1)
			break;
		virtq_push(vq, elem, 4);
	}
	is_int(g_used_idx(), 21, "20 more round trips through an 8-entry ring");
}

static void test_indirect(void)
{
	struct virtqueue *vq = &vdev.vqs[0];

	is_int(bring_up(8, V1 | IND), 0, "queue with INDIRECT_DESC");
	g_desc(TABLE_GPA, 0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 2);
	g_desc(TABLE_GPA, 2, BUF_GPA + 16, 32, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	g_desc(TABLE_GPA, 1, BUF_GPA + 48, 64, VIRTQ_DESC_F_WRITE, 0);
	g_desc(DESC_GPA, 6, TABLE_GPA, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	g_publish(6);
	is_int(virtq_pop(vq, elem), 1, "indirect chain popped");
	ok(elem->head == 6 && elem->nr_out == 1 && elem->nr_in == 2 && elem->out_len == 16 &&
	   elem->in_len == 96 && elem->iov[2].iov_base == ram + BUF_GPA + 48,
	   "its table order 0 -> 2 -> 1: one readable, two writable");

	/* A direct prefix then an indirect table. */
	g_desc(DESC_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	g_desc(DESC_GPA, 1, TABLE_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	g_desc(TABLE_GPA, 0, BUF_GPA + 8, 8, VIRTQ_DESC_F_WRITE, 0);
	g_publish(0);
	is_int(virtq_pop(vq, elem), 1, "direct descriptor then an indirect table");
	ok(elem->nr_out == 1 && elem->nr_in == 1, "both parts collected");
}

static void test_copy(void)
{
	struct virtqueue *vq = &vdev.vqs[0];
	u8 out[10];

	bring_up(8, V1);
	memcpy(ram + BUF_GPA, "abcdef", 6);
	g_desc(DESC_GPA, 0, BUF_GPA, 3, VIRTQ_DESC_F_NEXT, 1);
	g_desc(DESC_GPA, 1, BUF_GPA + 3, 3, VIRTQ_DESC_F_NEXT, 2);
	g_desc(DESC_GPA, 2, BUF_GPA + 0x100, 2, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 3);
	g_desc(DESC_GPA, 3, BUF_GPA + 0x200, 4, VIRTQ_DESC_F_WRITE, 0);
	g_publish(0);
	virtq_pop(vq, elem);
	memset(out, 0, sizeof(out));
	is_int(virtq_elem_from_guest(elem, 2, out, sizeof(out)), 4, "read 4 bytes from offset 2");
	is_str((char *)out, "cdef", "across the two readable buffers");
	is_int(virtq_elem_to_guest(elem, 1, "WXYZ!", 5), 5, "write 5 bytes at offset 1");
	ok(!memcmp(ram + BUF_GPA + 0x100, "\0W", 2) && !memcmp(ram + BUF_GPA + 0x200, "XYZ!", 4),
	   "across the two writable buffers");
	is_int(virtq_elem_to_guest(elem, 5, "12345", 5), 1, "a write past the end is cut short");
}

static void test_event_idx(void)
{
	struct virtqueue *vq = &vdev.vqs[0];

	ok(vring_need_event(0, 1, 0), "need_event: event 0 passed by 0 -> 1");
	ok(!vring_need_event(1, 1, 0), "need_event: event 1 not passed by 0 -> 1");
	ok(vring_need_event(3, 10, 2), "need_event: event 3 inside (2, 10]");
	ok(!vring_need_event(10, 10, 2), "need_event: event 10 not passed yet");
	ok(vring_need_event(0xffff, 0, 0xfffe), "need_event: wrap, event 0xffff passed by 0xfffe -> 0");
	ok(vring_need_event(0xfffe, 2, 0xfff0), "need_event: wrap, event before 0 passed");
	ok(!vring_need_event(5, 0x0003, 0xfff0), "need_event: wrap, event ahead not passed");
	ok(!vring_need_event(7, 7, 7), "need_event: no progress, no event");

	bring_up(8, V1 | EVI);
	g_desc(DESC_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_WRITE, 0);
	g_publish(0);
	ok(virtq_pop_quiet(vq, elem) == 1 && virtq_pop_quiet(vq, elem) == 0 && g_avail_event() == 0,
	   "pop_quiet: the chain, then empty with avail_event left at 0 (no kick asked for)");
	ok(virtq_pop(vq, elem) == 0 && g_avail_event() == 1, "... virtq_pop then asks for entry 1");

	bring_up(8, V1 | EVI);
	for (int i = 0; i < 3; i++) {
		g_desc(DESC_GPA, i, BUF_GPA, 8, VIRTQ_DESC_F_WRITE, 0);
		g_publish(i);
	}
	virtq_pop(vq, elem);
	is_int(g_avail_event(), 0, "avail_event stays while the device has work: no kicks");
	virtq_pop(vq, elem);
	virtq_pop(vq, elem);
	is_int(virtq_pop(vq, elem), 0, "empty");
	is_int(g_avail_event(), 3, "avail_event = next entry the device wants");
	virtq_unpop(vq, elem->gen, 2);
	is_int(g_avail_event(), 3,
	       "given back chains keep avail_event at the driver's index: its next add notifies");
	virtq_pop(vq, elem);
	virtq_pop(vq, elem);

	g_set_used_event(1);	/* interrupt when entry 1 (the second) is used */
	virtq_push(vq, elem, 0);
	virtq_notify(vq);
	is_int(nr_queue_irqs, 1, "first notification always goes out");
	virtq_push(vq, elem, 0);
	virtq_notify(vq);
	is_int(nr_queue_irqs, 2, "used index passed used_event 1: interrupt");
	virtq_push(vq, elem, 0);
	virtq_notify(vq);
	is_int(nr_queue_irqs, 2, "used_event not moved: no interrupt");
	g_set_used_event(5);
	for (int i = 0; i < 3; i++) {
		virtq_push(vq, elem, 0);
		virtq_notify(vq);
	}
	is_int(nr_queue_irqs, 3, "one interrupt when the used index crosses 5");
	{
		char d[200];

		virtq_describe(vq, d, sizeof(d));
		ok(!strcmp(d, "avail idx 3 flags 0, device at 3; used idx 6, used_event 5, "
			      "avail_event 3, last decision at 6"),
		   "the debug report has the ring's indices (%s)", d);
	}

	bring_up(8, V1);
	((u16 *)(ram + AVAIL_GPA))[0] = VIRTQ_AVAIL_F_NO_INTERRUPT;
	g_desc(DESC_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_WRITE, 0);
	g_publish(0);
	virtq_pop(vq, elem);
	virtq_push(vq, elem, 8);
	virtq_notify(vq);
	is_int(nr_queue_irqs, 0, "VIRTQ_AVAIL_F_NO_INTERRUPT without EVENT_IDX: no interrupt");
	((u16 *)(ram + AVAIL_GPA))[0] = 0;
	virtq_push(vq, elem, 8);
	virtq_notify(vq);
	is_int(nr_queue_irqs, 1, "flag cleared: interrupt");
}

/* ---- hostile rings ------------------------------------------------------- */

/* Check that a queue fault happened: pop failed, NEEDS_RESET, one config
 * interrupt, nothing written to the used ring. */
static void expect_fault(int popped, const char *what)
{
	ok(popped == -1 && (virtio_status(&vdev) & VIRTIO_STATUS_NEEDS_RESET) &&
	   nr_config_irqs == 1 && g_used_idx() == 0, "hostile: %s", what);
}

static void test_hostile(void)
{
	struct virtqueue *vq = &vdev.vqs[0];
	u64 ram_end = RAM_SIZE;

	bring_up(8, V1);
	g_desc(DESC_GPA, 0, ram_end - 8, 16, VIRTQ_DESC_F_WRITE, 0);
	g_publish(0);
	expect_fault(virtq_pop(vq, elem), "buffer straddling the end of RAM");
	is_int(virtq_pop(vq, elem), -1, "a broken device pops nothing more");
	is_int(nr_config_irqs, 1, "and reports the fault only once");

	bring_up(8, V1);
	g_desc(DESC_GPA, 0, 0xfffffffffffff000ULL, 0x2000, VIRTQ_DESC_F_WRITE, 0);
	g_publish(0);
	expect_fault(virtq_pop(vq, elem), "addr + len wraps around 2^64");

	bring_up(8, V1);
	g_desc(DESC_GPA, 0, ram_end, 1, 0, 0);
	g_publish(0);
	expect_fault(virtq_pop(vq, elem), "buffer right after RAM");

	bring_up(8, V1);
	g_desc(DESC_GPA, 0, BUF_GPA, 0xffffffff, VIRTQ_DESC_F_WRITE, 0);
	g_publish(0);
	expect_fault(virtq_pop(vq, elem), "4 GiB length");

	bring_up(8, V1);
	g_desc(DESC_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	g_desc(DESC_GPA, 1, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 0);
	g_publish(0);
	expect_fault(virtq_pop(vq, elem), "chain looping 0 -> 1 -> 0");

	bring_up(8, V1);
	g_desc(DESC_GPA, 3, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 3);
	g_publish(3);
	expect_fault(virtq_pop(vq, elem), "descriptor pointing at itself");

	bring_up(8, V1);
	g_publish(8);
	expect_fault(virtq_pop(vq, elem), "head index == queue size");

	bring_up(8, V1);
	g_desc(DESC_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 0xffff);
	g_publish(0);
	expect_fault(virtq_pop(vq, elem), "next index 0xffff");

	bring_up(8, V1);
	g_desc(DESC_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	g_desc(DESC_GPA, 1, BUF_GPA, 8, 0, 0);
	g_publish(0);
	expect_fault(virtq_pop(vq, elem), "readable descriptor after a writable one");

	bring_up(8, V1);
	g_desc(DESC_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	g_desc(DESC_GPA, 1, 0, 0, 0, 0);
	g_publish(0);
	expect_fault(virtq_pop(vq, elem), "empty readable descriptor after a writable one");

	bring_up(8, V1);
	((u16 *)(ram + AVAIL_GPA))[1] = 9;
	expect_fault(virtq_pop(vq, elem), "available index 9 ahead with a queue of 8");

	bring_up(8, V1);
	g_desc(DESC_GPA, 0, TABLE_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	g_desc(TABLE_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_WRITE, 0);
	g_publish(0);
	expect_fault(virtq_pop(vq, elem), "indirect without VIRTIO_F_INDIRECT_DESC");

	bring_up(8, V1 | IND);
	g_desc(DESC_GPA, 0, TABLE_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
	g_desc(TABLE_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	g_desc(TABLE_GPA, 1, TABLE_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	g_publish(0);
	expect_fault(virtq_pop(vq, elem), "nested indirect table");

	bring_up(8, V1 | IND);
	g_desc(DESC_GPA, 0, TABLE_GPA, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	g_publish(0);
	expect_fault(virtq_pop(vq, elem), "indirect descriptor with NEXT");

	static const u32 bad_sizes[] = { 0, 17, 9 * 16 };
	for (size_t i = 0; i < ARRAY_SIZE(bad_sizes); i++) {
		bring_up(8, V1 | IND);
		g_desc(DESC_GPA, 0, TABLE_GPA, bad_sizes[i], VIRTQ_DESC_F_INDIRECT, 0);
		g_publish(0);
		expect_fault(virtq_pop(vq, elem), bad_sizes[i] == 0 ? "indirect table of 0 bytes" :
			     bad_sizes[i] == 17 ? "indirect table of 17 bytes" :
			     "indirect table longer than the queue");
	}

	bring_up(8, V1 | IND);
	g_desc(DESC_GPA, 0, ram_end - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	g_publish(0);
	expect_fault(virtq_pop(vq, elem), "indirect table straddling the end of RAM");

	bring_up(8, V1 | IND);
	g_desc(DESC_GPA, 0, TABLE_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
	g_desc(TABLE_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 2);
	g_publish(0);
	expect_fault(virtq_pop(vq, elem), "next index past the indirect table");

	bring_up(8, V1 | IND);
	g_desc(DESC_GPA, 0, TABLE_GPA, 64, VIRTQ_DESC_F_INDIRECT, 0);
	for (int i = 0; i < 4; i++)
		g_desc(TABLE_GPA, i, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, (i + 1) % 4);
	g_publish(0);
	expect_fault(virtq_pop(vq, elem), "loop inside an indirect table");

	bring_up(8, V1 | IND);
	g_desc(DESC_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	g_desc(DESC_GPA, 1, TABLE_GPA, 8 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	for (int i = 0; i < 8; i++)
		g_desc(TABLE_GPA, i, BUF_GPA, 8, i < 7 ? VIRTQ_DESC_F_NEXT : 0, i + 1);
	g_publish(0);
	expect_fault(virtq_pop(vq, elem), "direct + indirect descriptors longer than the queue");
}

/* Queue configurations the driver may write: each bad one is refused. */
static void test_bad_rings(void)
{
	struct virtqueue *vq = &vdev.vqs[0];
	static const struct {
		u16 num;
		u64 desc, avail, used;
		const char *what;
	} bad[] = {
		{ 6, DESC_GPA, AVAIL_GPA, USED_GPA, "queue size 6 (not a power of 2)" },
		{ 0, DESC_GPA, AVAIL_GPA, USED_GPA, "queue size 0" },
		{ 32, DESC_GPA, AVAIL_GPA, USED_GPA, "queue size above the maximum" },
		{ 8, DESC_GPA + 8, AVAIL_GPA, USED_GPA, "descriptor table not 16-byte aligned" },
		{ 8, DESC_GPA, AVAIL_GPA + 1, USED_GPA, "available ring not 2-byte aligned" },
		{ 8, DESC_GPA, AVAIL_GPA, USED_GPA + 2, "used ring not 4-byte aligned" },
		{ 8, RAM_SIZE - 64, AVAIL_GPA, USED_GPA, "descriptor table past the end of RAM" },
		{ 8, DESC_GPA, RAM_SIZE - 4, USED_GPA, "available ring past the end of RAM" },
		{ 8, DESC_GPA, AVAIL_GPA, 0xfffffffffffffff0ULL, "used ring at the top of the address space" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int ret;

		bring_up(8, V1);
		pthread_mutex_lock(&vdev.lock);
		virtio_set_status_locked(&vdev, 0);
		virtio_set_status_locked(&vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
		virtio_set_driver_features_locked(&vdev, 1, 1);
		virtio_set_status_locked(&vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
					 VIRTIO_STATUS_FEATURES_OK);
		vq->num = bad[i].num;
		vq->desc_gpa = bad[i].desc;
		vq->avail_gpa = bad[i].avail;
		vq->used_gpa = bad[i].used;
		ret = virtio_queue_enable_locked(&vdev, vq);
		pthread_mutex_unlock(&vdev.lock);
		ok(ret == -1 && !vq->enabled && !vq->ready &&
		   (virtio_status(&vdev) & VIRTIO_STATUS_NEEDS_RESET), "bad ring: %s", bad[i].what);
	}
}

/* ---- negotiation, status, reset, config ---------------------------------- */

static void test_status(void)
{
	u8 s;

	pthread_mutex_lock(&vdev.lock);
	virtio_set_status_locked(&vdev, 0);
	is_int(virtio_status(&vdev), 0, "reset: status 0");
	is_int(virtio_device_features_locked(&vdev, 1), 1, "device offers VERSION_1 (bit 32)");
	ok((virtio_device_features_locked(&vdev, 0) & ((1u << 28) | (1u << 29))) == (3u << 28),
	   "device offers INDIRECT_DESC and EVENT_IDX");
	is_int(virtio_device_features_locked(&vdev, 0) & 0xff, 0x5a, "and its own bits");
	is_int(virtio_device_features_locked(&vdev, 2), 0, "feature word 2 is empty");

	virtio_set_status_locked(&vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_set_driver_features_locked(&vdev, 0, 0x2);
	virtio_set_driver_features_locked(&vdev, 1, 1);
	is_int(virtio_driver_features_locked(&vdev, 0), 0x2, "driver features read back");
	virtio_set_status_locked(&vdev, 0x0b);
	ok(virtio_status(&vdev) & VIRTIO_STATUS_FEATURES_OK, "FEATURES_OK with a subset + VERSION_1");
	ok(virtio_has_feature(&vdev, 1) && virtio_has_feature(&vdev, VIRTIO_F_VERSION_1) &&
	   !virtio_has_feature(&vdev, 3), "accepted features recorded");
	virtio_set_driver_features_locked(&vdev, 0, 0x8);
	is_int(virtio_driver_features_locked(&vdev, 0), 0x2, "features frozen after FEATURES_OK");
	virtio_set_status_locked(&vdev, 0x0f | VIRTIO_STATUS_NEEDS_RESET);
	s = virtio_status(&vdev);
	ok((s & VIRTIO_STATUS_DRIVER_OK) && !(s & VIRTIO_STATUS_NEEDS_RESET),
	   "DRIVER_OK set; the driver cannot set NEEDS_RESET");
	virtio_set_status_locked(&vdev, VIRTIO_STATUS_ACKNOWLEDGE);
	is_int(virtio_status(&vdev), s, "the driver cannot clear status bits (only reset)");

	virtio_set_status_locked(&vdev, 0);
	virtio_set_status_locked(&vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_set_driver_features_locked(&vdev, 0, 0x2);
	virtio_set_status_locked(&vdev, 0x0b);
	ok(!(virtio_status(&vdev) & VIRTIO_STATUS_FEATURES_OK), "FEATURES_OK refused without VERSION_1");
	virtio_set_status_locked(&vdev, 0x0f);
	ok(!(virtio_status(&vdev) & VIRTIO_STATUS_DRIVER_OK), "DRIVER_OK refused without FEATURES_OK");

	virtio_set_status_locked(&vdev, 0);
	virtio_set_status_locked(&vdev, 3);
	virtio_set_driver_features_locked(&vdev, 0, 0x100);
	virtio_set_driver_features_locked(&vdev, 1, 1);
	virtio_set_status_locked(&vdev, 0x0b);
	ok(!(virtio_status(&vdev) & VIRTIO_STATUS_FEATURES_OK), "FEATURES_OK refused for a feature not offered");
	pthread_mutex_unlock(&vdev.lock);
}

static void test_reset(void)
{
	struct virtqueue *vq = &vdev.vqs[0];
	struct virtq_elem *old = virtq_elem_alloc(vq);

	bring_up(8, V1);
	g_desc(DESC_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_WRITE, 0);
	g_publish(0);
	virtq_pop(vq, old);
	virtio_dev_fail(&vdev, vq, "test fault");
	ok((virtio_status(&vdev) & VIRTIO_STATUS_NEEDS_RESET) && nr_config_irqs == 1,
	   "virtio_dev_fail: NEEDS_RESET and a config interrupt");
	bring_up(8, V1);
	ok(!(virtio_status(&vdev) & VIRTIO_STATUS_NEEDS_RESET) && vq->ready,
	   "reset clears NEEDS_RESET; the queue comes up again");
	virtq_push(vq, old, 8);
	is_int(g_used_idx(), 0, "a chain popped before the reset is not pushed after it");
	pthread_mutex_lock(&vdev.lock);
	virtio_set_status_locked(&vdev, 0);
	pthread_mutex_unlock(&vdev.lock);
	ok(!vq->ready && !vq->enabled && vq->num == vq->num_max && !vq->desc_gpa &&
	   vq->msix_vector == VIRTIO_MSI_NO_VECTOR, "reset: queue configuration back to defaults");
	ok(!virtio_dev_begin(&vdev), "a reset device is not live");
	free(old);
}

static void test_config(void)
{
	u8 buf[8];

	pthread_mutex_lock(&vdev.lock);
	virtio_config_read_locked(&vdev, 6, buf, 4);
	ok(buf[0] == 7 && buf[1] == 8 && buf[2] == 0 && buf[3] == 0,
	   "config read past the end reads zeros");
	virtio_config_read_locked(&vdev, 0xfffffffe, buf, 4);
	ok(!buf[0] && !buf[1] && !buf[2] && !buf[3], "config read at offset 2^32 - 2: zeros, no wrap");
	nr_config_writes = 0;
	virtio_config_write_locked(&vdev, 2, (const u8 *)"\xaa\xbb", 2);
	ok(nr_config_writes == 1 && config[2] == 0xaa && config[3] == 0xbb, "config write in bounds");
	virtio_config_write_locked(&vdev, 7, (const u8 *)"\xcc\xdd", 2);
	virtio_config_write_locked(&vdev, 0xffffffff, (const u8 *)"\xcc\xdd", 2);
	is_int(nr_config_writes, 1, "config writes past the end are dropped");
	pthread_mutex_unlock(&vdev.lock);
	{
		u32 gen = vdev.config_gen;

		virtio_config_changed(&vdev);
		ok(vdev.config_gen == gen + 1 && nr_config_irqs >= 1,
		   "config change: generation bumped, interrupt sent");
	}
}

int main(void)
{
	log_level = LOG_ERROR;	/* the hostile cases warn by design */
	ram = malloc(RAM_SIZE);
	memset(ram, 0, RAM_SIZE);
	guest_mem_layout(&mem, ram, RAM_SIZE);

	vdev.name = "virtio-test";
	vdev.device_id = 99;
	vdev.ops = &ops;
	vdev.device_features = 0x5a;
	vdev.config = config;
	vdev.config_size = sizeof(config);
	vdev.nr_queues = 1;
	vdev.queue_size = 16;
	is_int(virtio_dev_init(NULL, &vdev, &mem), 0, "virtio_dev_init");
	vdev.tops = &tops;
	elem = virtq_elem_alloc(&vdev.vqs[0]);
	is_int(elem->cap, 16, "elements hold a whole queue's worth of buffers");

	test_chains();
	test_indirect();
	test_copy();
	test_event_idx();
	test_hostile();
	test_bad_rings();
	test_status();
	test_reset();
	test_config();

	free(elem);
	free(ram);
	return done_testing();
}
