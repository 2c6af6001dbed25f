/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The driver script shared by the virtio transport fuzzers (fuzz-virtio-pci,
 * fuzz-virtio-mmio): a test device with two queues of 16 and 8 config
 * bytes over 1 MiB of guest RAM, no threads and no KVM, and an interpreter
 * of the fuzzer's input as a sequence of operations a guest and the
 * device's I/O thread could do. Each op is one byte (its kind, mod 5),
 * then its arguments (little endian; zeros past the end):
 *   0 register write: u8 region, u16 offset, u8 size (1 << n % 4), u64 value
 *   1 register read:  u8 region, u16 offset, u8 size
 *   2 PCI config write (0xcf8/0xcfc): u8 register, u8 size, u32 value
 *   3 the device serves every ready queue: pop, write, push, notify
 *   4 guest RAM write: u16 GPA, u8 length, bytes
 * A transport says what a region is (fuzz_reg_addr). Checked: no sanitizer
 * report, every chain's iovecs inside guest RAM.
 */
#ifndef LKVM_FUZZ_VIRTIO_OPS_H
#define LKVM_FUZZ_VIRTIO_OPS_H

#include <stdlib.h>

#include "hv/kvm.h"
#include "tests/fuzz/fuzz.h"
#include "virtio/transport.h"
#include "virtio/virtio.h"

#define FZ_RAM_SIZE	(1024 * 1024)

static struct kvm kvm = {
	.vm_fd = -1,
	.sys_fd = -1,
	.end_lock = PTHREAD_MUTEX_INITIALIZER,
	.end_cond = PTHREAD_COND_INITIALIZER,
};
static u8 *ram;
static struct virtio_device dev;
static u8 dev_config[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static struct virtq_elem *fz_elem;
static int fz_pci_slot;		/* PCI: the device's slot on bus 0 */

/* The transport's bus address of @off in register region @region. */
static u64 fuzz_reg_addr(u8 region, u16 off);
/* The bus the registers are on. */
static struct bus *fuzz_reg_bus(void);

/* Never called: there is no I/O thread; op 3 does its work inline. */
static void fz_notify(struct virtio_device *vdev, struct virtqueue *vq) { }

static void fz_config_write(struct virtio_device *d, u32 off, const u8 *data, u32 len)
{
	memcpy(d->config + off, data, len);
}

static const struct virtio_dev_ops fz_ops = {
	.queue_notify = fz_notify,
	.config_write = fz_config_write,
};

/* Guest RAM and the device, without threads. @attach: the transport's. */
static void fz_setup(int (*attach)(struct kvm *, struct virtio_device *))
{
	log_level = LOG_ERROR;
	setenv("LKVM_VIRTIO_NO_IOEVENTFD", "1", 1);
	ram = calloc(1, FZ_RAM_SIZE);
	guest_mem_layout(&kvm.mem, ram, FZ_RAM_SIZE);
	bus_init(&kvm.pio, "pio");
	bus_init(&kvm.mmio, "mmio");
	dev.name = "virtio-fuzz";
	dev.device_id = 31;
	dev.pci_class_hi = 0x0780;
	dev.ops = &fz_ops;
	dev.device_features = 0x4;
	dev.config = dev_config;
	dev.config_size = sizeof(dev_config);
	dev.nr_queues = 2;
	dev.queue_size = 16;
	if (virtio_dev_init(&kvm, &dev, &kvm.mem) < 0 || attach(&kvm, &dev) < 0)
		abort();
	fz_elem = virtq_elem_alloc(&dev.vqs[0]);
}

static void fz_pci_cfg(u8 reg, u32 len, u32 v, bool write)
{
	u32 a = 0x80000000u | (u32)fz_pci_slot << 11 | (reg & 0xfc);

	bus_access(&kvm.pio, 0xcf8, (u8 *)&a, 4, true, NULL);
	bus_access(&kvm.pio, 0xcfc + (reg & 3), (u8 *)&v, len, write, NULL);
}

/* What the device's I/O thread does on a notification. */
static void fz_serve(void)
{
	static u8 buf[256];

	for (int q = 0; q < dev.nr_queues; q++) {
		struct virtqueue *vq = &dev.vqs[q];

		for (int i = 0; i < 64 && virtq_pop(vq, fz_elem) == 1; i++) {
			for (int k = 0; k < fz_elem->nr_out + fz_elem->nr_in; k++) {
				const u8 *b = fz_elem->iov[k].iov_base;

				if (b < ram || fz_elem->iov[k].iov_len > (size_t)(ram + FZ_RAM_SIZE - b))
					abort();
			}
			virtq_elem_from_guest(fz_elem, 0, buf, sizeof(buf));
			virtq_push(vq, fz_elem, (u32)virtq_elem_to_guest(fz_elem, 0, buf, 16));
		}
		virtq_notify(vq);
	}
}

/* Run the operations in @f. */
static void fz_run(struct fz *f, bool pci)
{
	while (f->n) {
		u8 kind = fz_u8(f) % 5;
		u8 region, size;
		u16 off, gpa;
		u64 v = 0;
		size_t n;
		const u8 *p;

		switch (kind) {
		case 0:
		case 1:
			region = fz_u8(f);
			off = fz_u16(f);
			size = (u8)(1u << (fz_u8(f) % 4));
			if (kind == 0)
				v = fz_u64(f);
			bus_access(fuzz_reg_bus(), fuzz_reg_addr(region, off), (u8 *)&v, size,
				   kind == 0, NULL);
			break;
		case 2:
			region = fz_u8(f);
			size = (u8)(1u << (fz_u8(f) % 3));
			v = fz_u32(f);
			if (pci)
				fz_pci_cfg(region, size, (u32)v, true);
			break;
		case 3:
			fz_serve();
			break;
		case 4:
			gpa = fz_u16(f);
			p = fz_take(f, fz_u8(f), &n);
			memcpy(ram + gpa, p, n);
			break;
		}
	}
}

#endif
