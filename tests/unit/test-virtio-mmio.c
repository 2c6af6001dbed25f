// SPDX-License-Identifier: GPL-2.0
/*
 * virtio/mmio.c: the virtio-mmio version 2 register file (virtio 1.2
 * section 4.2.2) through the MMIO bus, with a test device whose I/O
 * thread answers each request: identification, feature selection, queue
 * set-up, notification (the exit path: no KVM here), InterruptStatus and
 * InterruptACK, the kick watch a vhost back end turns off, configuration
 * space and generation, a hostile chain ending in DEVICE_NEEDS_RESET,
 * reset, the command-line words and the window/IRQ allocation. No
 * /dev/kvm.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv/kvm.h"
#include "hv/x86/layout.h"
#include "tests/tap.h"
#include "tests/unit/virtq-driver.h"
#include "util/log.h"
#include "virtio/transport.h"
#include "virtio/virtio.h"

#define RAM_SIZE	(1024 * 1024)
#define BUF_GPA		0x10000

static struct kvm kvm = {
	.vm_fd = -1,
	.sys_fd = -1,
	.end_lock = PTHREAD_MUTEX_INITIALIZER,
	.end_cond = PTHREAD_COND_INITIALIZER,
};
static u64 base = VIRTIO_MMIO_START;
static struct virtio_device dev, dev2;
static u8 config[6] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
static int nr_notifies;

/* The test device: answer each chain with "pong" in its writable part. */
static void echo_notify(struct virtio_device *vdev, struct virtqueue *vq)
{
	struct virtq_elem *e = virtq_elem_alloc(vq);

	__atomic_fetch_add(&nr_notifies, 1, __ATOMIC_SEQ_CST);
	while (virtq_pop(vq, e) == 1) {
		size_t n = virtq_elem_to_guest(e, 0, "pong", 4);

		virtq_push(vq, e, (u32)n);
	}
	virtq_notify(vq);
	free(e);
}

static const struct virtio_dev_ops echo_ops = { .queue_notify = echo_notify };

static u32 rd(u64 off)
{
	u32 v = 0;

	bus_access(&kvm.mmio, base + off, (u8 *)&v, 4, false, NULL);
	return v;
}

static void wr(u64 off, u32 v)
{
	bus_access(&kvm.mmio, base + off, (u8 *)&v, 4, true, NULL);
}

static void setup_queue(void)
{
	memset(ram, 0, 0x8000);
	wr(0x070, 0);
	wr(0x070, 1);
	wr(0x070, 3);
	wr(0x024, 1);
	wr(0x020, 1);		/* VERSION_1 */
	wr(0x070, 0xb);
	wr(0x030, 0);
	wr(0x038, 8);
	wr(0x080, DESC_GPA);
	wr(0x084, 0);
	wr(0x090, AVAIL_GPA);
	wr(0x094, 0);
	wr(0x0a0, USED_GPA);
	wr(0x0a4, 0);
	wr(0x044, 1);
	wr(0x070, 0xf);
}

static void test_identity(void)
{
	u16 v16 = 0x1234;

	is_int(rd(0x000), 0x74726976, "MagicValue 'virt'");
	is_int(rd(0x004), 2, "Version 2 (no legacy)");
	is_int(rd(0x008), 31, "DeviceID");
	ok(rd(0x00c) != 0, "VendorID set");
	bus_access(&kvm.mmio, base + 0x000, (u8 *)&v16, 2, false, NULL);
	is_int(v16, 0, "16-bit register reads return 0 (32-bit access only)");
	is_int(rd(0x002), 0, "unaligned register read returns 0");
	wr(0x014, 1);
	is_int(rd(0x010), 1, "DeviceFeatures word 1: VERSION_1");
	wr(0x014, 0);
	is_int(rd(0x010), (1u << 28) | (1u << 29) | 0x4, "word 0: INDIRECT_DESC, EVENT_IDX, device bit 2");
	wr(0x014, 7);
	is_int(rd(0x010), 0, "word 7: empty");
	wr(0x030, 0);
	is_int(rd(0x034), 16, "QueueNumMax of queue 0");
	wr(0x030, 1);
	is_int(rd(0x034), 0, "QueueNumMax of a queue that does not exist: 0");
	is_int(rd(0x0b0), 0xffffffff, "no shared memory regions (SHMLen -1)");
}

static void test_negotiation(void)
{
	wr(0x070, 0);
	is_int(rd(0x070), 0, "status reset");
	wr(0x070, 3);
	wr(0x024, 0);
	wr(0x020, 1u << 28);
	wr(0x070, 0xb);
	ok(!(rd(0x070) & 8), "FEATURES_OK refused without VERSION_1");
	wr(0x024, 1);
	wr(0x020, 1);
	wr(0x070, 0xb);
	ok(rd(0x070) & 8, "FEATURES_OK with VERSION_1 + INDIRECT_DESC");
}

static void test_queue(void)
{
	setup_queue();
	is_int(rd(0x070), 0xf, "driver ready: status 0xf");
	ok(rd(0x044) == 1 && rd(0x038) == 8 && rd(0x080) == DESC_GPA && rd(0x0a0) == USED_GPA,
	   "queue 0 configuration reads back");
	wr(0x080, 0x5000);
	is_int(rd(0x080), DESC_GPA, "queue address frozen while the queue is ready");

	set_desc(0, BUF_GPA, 16, VIRTQ_DESC_F_WRITE, 0);
	publish(0);
	wr(0x050, 0);
	ok(WAIT_FOR(used_idx() == 1), "QueueNotify: the I/O thread answered");
	ok(!memcmp(ram + BUF_GPA, "pong", 4), "answer written to the buffer");
	ok(WAIT_FOR(rd(0x060) & 1), "InterruptStatus: used buffer bit");
	wr(0x064, 1);
	is_int(rd(0x060), 0, "InterruptACK clears it");
	wr(0x050, 5);
	wr(0x050, 0xffffffff);
	ok(rd(0x000) == 0x74726976, "notify of a queue that does not exist is ignored");
}

/* A back end that takes the kicks itself (vhost-net) unwatches them: a
 * kick then leaves the I/O thread asleep and uncounted, until the queue
 * is watched again (then the thread looks at it once). */
static void test_watch_kick(void)
{
	u64 kicks;
	int before;

	ok(virtio_dev_watch_kick(&dev, 0, false) == 0, "virtio_dev_watch_kick: queue 0 unwatched");
	ok(virtio_dev_watch_kick(&dev, 1, false) < 0 && virtio_dev_watch_kick(&dev, -1, true) < 0,
	   "... a queue the device does not have is refused");
	usleep(100 * 1000);	/* a look already under way (DRIVER_OK's) ends */
	kicks = __atomic_load_n(&dev.vqs[0].nr_kicks, __ATOMIC_SEQ_CST);
	before = __atomic_load_n(&nr_notifies, __ATOMIC_SEQ_CST);
	wr(0x050, 0);
	wr(0x050, 0);
	usleep(100 * 1000);
	is_int(__atomic_load_n(&nr_notifies, __ATOMIC_SEQ_CST), before,
	       "... kicks do not wake the I/O thread");
	ok(virtio_dev_watch_kick(&dev, 0, true) == 0 &&
	   WAIT_FOR(__atomic_load_n(&nr_notifies, __ATOMIC_SEQ_CST) == before + 1),
	   "... watched again, it looks at the queue once");
	is_int(__atomic_load_n(&dev.vqs[0].nr_kicks, __ATOMIC_SEQ_CST) - kicks, 1,
	       "... and counts that look, not the two kicks it slept through");
}

static void test_config(void)
{
	u8 b = 0;
	u32 gen = rd(0x0fc);

	is_int(rd(0x100), 0x44332211, "config space, 32-bit read");
	bus_access(&kvm.mmio, base + 0x105, &b, 1, false, NULL);
	is_int(b, 0x66, "config space, byte read");
	is_int(rd(0x104), 0x6655, "a read straddling the end of the config space: zeros past it");
	virtio_config_changed(&dev);
	is_int(rd(0x0fc), gen + 1, "ConfigGeneration bumped by a change");
	ok(rd(0x060) & 2, "InterruptStatus: configuration change bit");
	wr(0x064, 2);
}

static void test_hostile(void)
{
	setup_queue();
	set_desc(0, RAM_SIZE + 0x1000, 16, VIRTQ_DESC_F_WRITE, 0);
	publish(0);
	wr(0x050, 0);
	ok(WAIT_FOR(rd(0x070) & VIRTIO_STATUS_NEEDS_RESET),
	   "buffer outside RAM: DEVICE_NEEDS_RESET");
	ok(rd(0x060) & 2, "and a configuration change interrupt");
	is_int(used_idx(), 0, "nothing used");
	publish(0);
	wr(0x050, 0);
	usleep(20000);
	is_int(used_idx(), 0, "a broken device ignores further notifications");

	wr(0x070, 0);
	ok(rd(0x070) == 0 && rd(0x044) == 0 && rd(0x060) == 0,
	   "reset: status, QueueReady and InterruptStatus cleared");
	setup_queue();
	set_desc(0, BUF_GPA, 16, VIRTQ_DESC_F_WRITE, 0);
	publish(0);
	wr(0x050, 0);
	ok(WAIT_FOR(used_idx() == 1), "works again after the reset");

	wr(0x044, 0);
	is_int(rd(0x044), 0, "QueueReady 0 stops the queue");
	setup_queue();
	wr(0x030, 0);
	wr(0x044, 0);
	wr(0x080, 0x5);		/* misaligned */
	wr(0x044, 1);
	ok((rd(0x070) & VIRTIO_STATUS_NEEDS_RESET) && rd(0x044) == 0,
	   "enabling a misaligned queue: DEVICE_NEEDS_RESET, queue not ready");
	wr(0x070, 0);
}

int main(void)
{
	log_level = LOG_ERROR;
	ram = calloc(1, RAM_SIZE);
	guest_mem_layout(&kvm.mem, ram, RAM_SIZE);
	bus_init(&kvm.pio, "pio");
	bus_init(&kvm.mmio, "mmio");
	virtio_mmio_reset_layout();

	dev.name = "virtio-test";
	dev.device_id = 31;
	dev.ops = &echo_ops;
	dev.device_features = 0x4;
	dev.config = config;
	dev.config_size = sizeof(config);
	dev.nr_queues = 1;
	dev.queue_size = 16;
	is_int(virtio_dev_register(&kvm, &dev, VIRTIO_TRANSPORT_MMIO), 0, "device on MMIO");
	dev2.name = "virtio-test2";
	dev2.device_id = 4;
	dev2.ops = &echo_ops;
	dev2.nr_queues = 1;
	is_int(virtio_dev_register(&kvm, &dev2, VIRTIO_TRANSPORT_MMIO), 0, "second device");
	is_str(kvm.cmdline_extra,
	       "virtio_mmio.device=4K@0xfeb00000:5 virtio_mmio.device=4K@0xfeb01000:6",
	       "each device announced on the kernel command line, own window and IRQ");
	is_str(dev.label, "virtio-test (mmio 0xfeb00000)", "log label names the window");

	test_identity();
	test_negotiation();
	test_queue();
	test_watch_kick();
	test_config();
	test_hostile();

	base = VIRTIO_MMIO_START + VIRTIO_MMIO_SIZE;
	is_int(rd(0x008), 4, "the second window answers with its own device");
	virtio_exit_all();
	ok(dev.nr_started == 0 && dev2.nr_started == 0, "virtio_exit_all joined the I/O threads");
	virtio_exit_all();
	free(kvm.cmdline_extra);
	free(ram);
	return done_testing();
}
