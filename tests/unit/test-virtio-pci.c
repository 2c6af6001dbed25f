// SPDX-License-Identifier: GPL-2.0
/*
 * virtio/pci.c and hv/msix.c: a test device on PCI bus 0 seen through
 * configuration mechanism #1 and its BAR (virtio 1.2 section 4.1): IDs,
 * the capability list (common, notify, ISR, device, PCI access window,
 * MSI-X), the common configuration structure with every access width,
 * queue set-up and notification (the exit path: no KVM here), ISR
 * read-to-clear, MSI-X vectors, masking and pending bits (PCI 3.0
 * section 6.8.2), and DEVICE_NEEDS_RESET. No /dev/kvm.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv/kvm.h"
#include "hv/msix.h"
#include "hv/pci.h"
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
static struct virtio_device dev;
static u8 config[4] = { 0xde, 0xad, 0xbe, 0xef };
static int slot;
static u64 bar;
static u32 common, notify, isr, device, notify_mult;
static int msix_cap, cfg_cap;

static void echo_notify(struct virtio_device *vdev, struct virtqueue *vq)
{
	struct virtq_elem *e = virtq_elem_alloc(vq);

	while (virtq_pop(vq, e) == 1)
		virtq_push(vq, e, (u32)virtq_elem_to_guest(e, 0, "pong", 4));
	virtq_notify(vq);
	free(e);
}

static int nr_irqs_changed;

static void count_irqs_changed(struct virtio_device *vdev)
{
	nr_irqs_changed++;
}

static const struct virtio_dev_ops echo_ops = {
	.queue_notify = echo_notify,
	.irqs_changed = count_irqs_changed,
};

/* ---- config space and BAR accessors -------------------------------------- */

static u32 cfg_read(int reg, u32 len)
{
	u32 a = 0x80000000u | slot << 11 | (reg & 0xfc), v = 0;

	bus_access(&kvm.pio, 0xcf8, (u8 *)&a, 4, true, NULL);
	bus_access(&kvm.pio, 0xcfc + (reg & 3), (u8 *)&v, len, false, NULL);
	return v;
}

static void cfg_write(int reg, u32 v, u32 len)
{
	u32 a = 0x80000000u | slot << 11 | (reg & 0xfc);

	bus_access(&kvm.pio, 0xcf8, (u8 *)&a, 4, true, NULL);
	bus_access(&kvm.pio, 0xcfc + (reg & 3), (u8 *)&v, len, true, NULL);
}

static u64 mrd(u64 off, u32 len)
{
	u64 v = 0;

	bus_access(&kvm.mmio, bar + off, (u8 *)&v, len, false, NULL);
	return v;
}

static void mwr(u64 off, u64 v, u32 len)
{
	bus_access(&kvm.mmio, bar + off, (u8 *)&v, len, true, NULL);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_ids(void)
{
	u32 lo, hi;

	for (slot = 1; slot < 32; slot++)
		if ((cfg_read(0, 4) & 0xffff) == 0x1af4)
			break;
	ok(slot < 32, "virtio function found on bus 0 (slot %d)", slot);
	is_int(cfg_read(0, 4), 0x105f1af4, "vendor 0x1af4, device 0x1040 + 31");
	is_int(cfg_read(8, 4), 0x07800001, "class from the device, revision 1 (modern)");
	is_int(cfg_read(0x2c, 4), 0x11001af4, "subsystem 0x1af4:0x1100 (>= 0x40)");
	is_int(cfg_read(0x3d, 1), 1, "interrupt pin INTA");
	is_int(cfg_read(0x3c, 1), 16 + slot % 4, "interrupt line: the _PRT GSI");
	ok(cfg_read(6, 2) & PCI_STATUS_CAP_LIST, "capability list present");

	lo = cfg_read(0x10, 4);
	hi = cfg_read(0x14, 4);
	is_int(lo & 0xf, 0x4, "BAR0: 64-bit memory, not prefetchable");
	bar = (lo & ~0xfULL) | (u64)hi << 32;
	ok(bar >= PCI_MMIO_START && bar + 0x8000 <= VIRTIO_MMIO_START && !(bar & 0x7fff),
	   "BAR0 at %#llx: in the PCI window, below the virtio-mmio window, aligned",
	   (unsigned long long)bar);
	cfg_write(0x10, 0xffffffff, 4);
	is_int(cfg_read(0x10, 4), 0xffff8004, "BAR0 sizing: 32 KiB");
	cfg_write(0x10, (u32)bar, 4);
}

static void test_caps(void)
{
	int guard = 0, types = 0;

	for (int c = cfg_read(0x34, 1); c && guard++ < 48; c = cfg_read(c + 1, 1)) {
		int id = cfg_read(c, 1);

		if (id == 0x11) {
			msix_cap = c;
			continue;
		}
		if (id != 0x09)
			continue;
		int type = cfg_read(c + 3, 1);
		u32 off = cfg_read(c + 8, 4), len = cfg_read(c + 12, 4);

		if (cfg_read(c + 4, 1) != 0)
			continue;
		types |= 1 << type;
		switch (type) {
		case 1: common = off; ok(len >= 0x38, "common cfg: %u bytes", len); break;
		case 2: notify = off; notify_mult = cfg_read(c + 16, 4);
			is_int(len, 2 * notify_mult, "notify region covers both queues"); break;
		case 3: isr = off; break;
		case 4: device = off; is_int(len, 4, "device cfg: the device's 4 bytes"); break;
		case 5: cfg_cap = c; is_int(cfg_read(c + 2, 1), 20, "PCI access capability: 20 bytes"); break;
		}
	}
	is_int(types, 0x3e, "all five virtio capabilities (common, notify, ISR, device, PCI cfg)");
	is_int(notify_mult, 4, "notify_off_multiplier 4");
	ok(msix_cap, "MSI-X capability present");
	is_int(cfg_read(msix_cap + 2, 2), 2, "MSI-X table size 3 (queues + config)");
	is_int(cfg_read(msix_cap + 4, 4), 0x4000, "MSI-X table in BAR0 at 0x4000");
	is_int(cfg_read(msix_cap + 8, 4), 0x5000, "MSI-X PBA in BAR0 at 0x5000");
}

static void setup_queue(void)
{
	memset(ram, 0, 0x8000);
	mwr(common + 0x14, 0, 1);
	mwr(common + 0x14, 3, 1);
	mwr(common + 0x08, 1, 4);
	mwr(common + 0x0c, 1, 4);
	mwr(common + 0x14, 0xb, 1);
	mwr(common + 0x16, 0, 2);
	mwr(common + 0x18, 8, 2);
	mwr(common + 0x20, DESC_GPA, 8);		/* one 64-bit write */
	mwr(common + 0x28, AVAIL_GPA, 4);		/* two 32-bit halves */
	mwr(common + 0x2c, 0, 4);
	mwr(common + 0x30, USED_GPA, 4);
	mwr(common + 0x34, 0, 4);
	mwr(common + 0x1c, 1, 2);
	mwr(common + 0x14, 0xf, 1);
}

static void test_common(void)
{
	is_int(mrd(common + 0x12, 2), 2, "num_queues 2");
	mwr(common + 0x00, 1, 4);
	is_int(mrd(common + 0x04, 4), 1, "device_feature word 1: VERSION_1");
	mwr(common + 0x00, 0, 4);
	is_int(mrd(common + 0x04, 4), 3u << 28, "word 0: INDIRECT_DESC and EVENT_IDX");
	mwr(common + 0x14, 0, 1);
	mwr(common + 0x14, 3, 1);
	mwr(common + 0x08, 1, 4);
	mwr(common + 0x0c, 1, 4);
	mwr(common + 0x14, 0xb, 1);
	is_int(mrd(common + 0x14, 1), 0xb, "FEATURES_OK accepted");
	mwr(common + 0x16, 1, 2);
	is_int(mrd(common + 0x18, 2), 16, "queue 1: size 16 by default");
	is_int(mrd(common + 0x1e, 2), 1, "queue 1: queue_notify_off 1");
	mwr(common + 0x16, 9, 2);
	is_int(mrd(common + 0x18, 2), 0, "queue 9 does not exist: size 0");
	mwr(common + 0x16, 0, 2);
	mwr(common + 0x1a, 1, 2);
	is_int(mrd(common + 0x1a, 2), 1, "queue_msix_vector 1 accepted");
	mwr(common + 0x1a, 3, 2);
	is_int(mrd(common + 0x1a, 2), 0xffff, "vector 3 (past the table): NO_VECTOR");
	mwr(common + 0x10, 2, 2);
	is_int(mrd(common + 0x10, 2), 2, "config_msix_vector 2 accepted");
	is_int(mrd(common + 0x38, 4), 0, "fields past queue_device read 0");
	is_int(mrd(0x7ff8, 8), 0, "unused BAR space reads 0");

	setup_queue();
	is_int(mrd(common + 0x14, 1), 0xf, "driver ready");
	ok(mrd(common + 0x20, 8) == DESC_GPA && mrd(common + 0x28, 8) == AVAIL_GPA &&
	   mrd(common + 0x30, 8) == USED_GPA && mrd(common + 0x1c, 2) == 1,
	   "queue 0 addresses read back (64-bit and split writes)");
	mwr(common + 0x20, 0x7000, 8);
	is_int(mrd(common + 0x20, 8), DESC_GPA, "address frozen once enabled");
	is_int(mrd(device, 4), 0xefbeadde, "device configuration through the BAR");
	is_int(mrd(device + 3, 1), 0xef, "device configuration, byte access");
}

static void test_notify_intx(void)
{
	set_desc(0, BUF_GPA, 8, VIRTQ_DESC_F_WRITE, 0);
	publish(0);
	mrd(isr, 1);
	mwr(notify + 0 * notify_mult, 0, 2);
	ok(WAIT_FOR(used_idx() == 1), "notify write (exit path) reached the I/O thread");
	ok(!memcmp(ram + BUF_GPA, "pong", 4), "answer in the buffer");
	ok(WAIT_FOR(mrd(isr, 1) == 1), "ISR: queue interrupt (MSI-X off: INTx)");
	is_int(mrd(isr, 1), 0, "ISR cleared by the read");
}

static void test_msix(void)
{
	u64 table = 0x4000, pba = 0x5000;

	ok(mrd(table + 12, 4) & 1, "MSI-X vectors start masked");
	mwr(table + 16 * 1, 0xfee00000, 4);
	mwr(table + 16 * 1 + 8, 0x41, 4);
	ok(mrd(table + 16, 4) == 0xfee00000 && mrd(table + 24, 4) == 0x41, "table entry reads back");
	nr_irqs_changed = 0;
	mwr(table + 16 * 1 + 12, 0, 4);		/* unmask vector 1 */
	ok(nr_irqs_changed == 1, "unmasking a vector tells the device its irqfds may have changed");
	cfg_write(msix_cap + 2, 0xc000, 2);	/* enable + function mask */
	is_int(cfg_read(msix_cap + 2, 2), 0xc002, "Enable and Function Mask written");
	ok(nr_irqs_changed == 2, "... and so does enabling MSI-X");

	mwr(common + 0x16, 0, 2);
	ok(mrd(common + 0x1a, 2) == 0xffff, "queue 0 vector reset to NO_VECTOR");
	mwr(common + 0x1a, 1, 2);
	ok(nr_irqs_changed == 3, "... and giving a queue a vector");
	ok(dev.tops->queue_irqfd && dev.tops->queue_irqfd(&dev, &dev.vqs[0]) == -1,
	   "queue_irqfd: none while the vector is behind the Function Mask");
	set_desc(0, BUF_GPA, 8, VIRTQ_DESC_F_WRITE, 0);
	publish(0);
	mwr(notify, 0, 2);
	ok(WAIT_FOR(mrd(pba, 8) == 2), "function masked: vector 1 pending in the PBA");
	is_int(mrd(isr, 1), 0, "with MSI-X on, no INTx queue bit");
	cfg_write(msix_cap + 2, 0x8000, 2);	/* unmask the function */
	is_int(mrd(pba, 8), 0, "function unmasked: the pending vector was sent");
	ok(nr_irqs_changed == 4 && dev.tops->queue_irqfd(&dev, &dev.vqs[0]) == -1,
	   "... the device told; still no irqfd: KVM cannot route here, interrupts stay lkvm's");

	mwr(table + 16 * 1 + 12, 1, 4);		/* mask vector 1 only */
	is_int(nr_irqs_changed, 5, "masking a vector tells the device");
	publish(0);
	mwr(notify, 0, 2);
	ok(WAIT_FOR(mrd(pba, 8) == 2), "vector masked: pending again");
	mwr(table + 16 * 1 + 12, 0, 4);
	is_int(mrd(pba, 8), 0, "vector unmasked: sent");
	mwr(pba, ~0ULL, 8);
	is_int(mrd(pba, 8), 0, "PBA is read-only");
	is_int(mrd(table + 16 * 5, 4), 0xffffffff, "entry past the table reads all ones");
	cfg_write(msix_cap + 2, 0, 2);
}

static void test_cfg_window(void)
{
	u32 d = cfg_cap + 16;

	cfg_write(cfg_cap + 4, 0, 1);		/* BAR 0 */
	cfg_write(cfg_cap + 8, common + 0x12, 4);	/* num_queues */
	cfg_write(cfg_cap + 12, 2, 4);
	is_int(cfg_read(d, 2), 2, "PCI access window reads num_queues through config space");
	cfg_write(cfg_cap + 8, common + 0x16, 4);	/* queue_select */
	cfg_write(d, 1, 2);
	is_int(mrd(common + 0x16, 2), 1, "and writes queue_select");
	cfg_write(cfg_cap + 12, 3, 4);			/* bad length */
	cfg_write(d, 0, 2);
	is_int(mrd(common + 0x16, 2), 1, "a length of 3 is ignored");
	mwr(common + 0x16, 0, 2);
}

static void test_hostile(void)
{
	setup_queue();
	mrd(isr, 1);
	set_desc(0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 0);	/* loops to itself */
	publish(0);
	mwr(notify, 0, 2);
	ok(WAIT_FOR(mrd(common + 0x14, 1) & VIRTIO_STATUS_NEEDS_RESET),
	   "looping chain: DEVICE_NEEDS_RESET");
	is_int(mrd(isr, 1), 2, "ISR: configuration change");
	is_int(used_idx(), 0, "nothing used");
	mwr(common + 0x14, 0, 1);
	is_int(mrd(common + 0x14, 1), 0, "reset clears it");
	setup_queue();
	set_desc(0, BUF_GPA, 8, VIRTQ_DESC_F_WRITE, 0);
	publish(0);
	mwr(notify, 0, 2);
	ok(WAIT_FOR(used_idx() == 1), "the device works after the reset");
}

int main(void)
{
	log_level = LOG_ERROR;
	ram = calloc(1, RAM_SIZE);
	guest_mem_layout(&kvm.mem, ram, RAM_SIZE);
	bus_init(&kvm.pio, "pio");
	bus_init(&kvm.mmio, "mmio");
	is_int(pci_init(&kvm), 0, "pci_init");

	dev.name = "virtio-test";
	dev.device_id = 31;
	dev.pci_class_hi = 0x0780;
	dev.ops = &echo_ops;
	dev.config = config;
	dev.config_size = sizeof(config);
	dev.nr_queues = 2;
	dev.queue_size = 16;
	is_int(virtio_dev_register(&kvm, &dev, VIRTIO_TRANSPORT_PCI), 0, "device on PCI");

	test_ids();
	test_caps();
	test_common();
	test_notify_intx();
	test_msix();
	test_cfg_window();
	test_hostile();

	virtio_exit_all();
	ok(dev.nr_started == 0, "I/O thread joined");
	free(ram);
	return done_testing();
}
