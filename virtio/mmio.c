// SPDX-License-Identifier: GPL-2.0
/*
 * Virtio over MMIO, version 2 (no legacy). Source: virtio 1.2 section 4.2:
 * 4.2.2 (register layout), 4.2.3 (initialization, notifications,
 * InterruptStatus/InterruptACK). Linux finds the devices through its
 * virtio_mmio.device=<size>@<base>:<irq> parameter
 * (Documentation/admin-guide/kernel-parameters.txt).
 *
 * Interrupt: each device has a legacy ISA IRQ line of its own (GSI 5, 6,
 * 7, 10, 11, 14, 15: the ones no lkvm device uses). With ACPI, Linux maps
 * only the ISA IRQs (0-15) for devices that ACPI does not describe, so a
 * GSI above 15 would not work for a command-line device. The line is held
 * high while InterruptStatus is non-zero, which works whether the guest
 * programs the pin edge- (the ISA default) or level-triggered.
 * Notifications: one ioeventfd per queue on QueueNotify with the queue
 * index as datamatch, so a kick costs no exit to lkvm.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hv/kvm.h"
#include "hv/x86/layout.h"
#include "util/log.h"
#include "virtio/transport.h"
#include "virtio/virtio.h"

#define MMIO_MAGIC		0x74726976	/* "virt" */
#define MMIO_VERSION		2
#define MMIO_VENDOR		0x4d564b4c	/* "LKVM" */

/* Register offsets (4.2.2). */
#define REG_MAGIC		0x000
#define REG_VERSION		0x004
#define REG_DEVICE_ID		0x008
#define REG_VENDOR_ID		0x00c
#define REG_DEVICE_FEATURES	0x010
#define REG_DEVICE_FEATURES_SEL	0x014
#define REG_DRIVER_FEATURES	0x020
#define REG_DRIVER_FEATURES_SEL	0x024
#define REG_QUEUE_SEL		0x030
#define REG_QUEUE_NUM_MAX	0x034
#define REG_QUEUE_NUM		0x038
#define REG_QUEUE_READY		0x044
#define REG_QUEUE_NOTIFY	0x050
#define REG_INTERRUPT_STATUS	0x060
#define REG_INTERRUPT_ACK	0x064
#define REG_STATUS		0x070
#define REG_QUEUE_DESC_LOW	0x080
#define REG_QUEUE_DESC_HIGH	0x084
#define REG_QUEUE_DRIVER_LOW	0x090
#define REG_QUEUE_DRIVER_HIGH	0x094
#define REG_QUEUE_DEVICE_LOW	0x0a0
#define REG_QUEUE_DEVICE_HIGH	0x0a4
#define REG_SHM_SEL		0x0ac
#define REG_SHM_LEN_LOW		0x0b0
#define REG_SHM_LEN_HIGH	0x0b4
#define REG_SHM_BASE_LOW	0x0b8
#define REG_SHM_BASE_HIGH	0x0bc
#define REG_CONFIG_GENERATION	0x0fc
#define REG_CONFIG		0x100

#define INT_USED_BUFFER		1
#define INT_CONFIG		2

static const u8 mmio_irqs[] = { 5, 6, 7, 10, 11, 14, 15 };

static pthread_mutex_t layout_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int nr_windows, nr_irqs;

struct virtio_mmio {
	struct virtio_device *vdev;
	struct kvm *kvm;
	u64 base;
	u32 gsi;
	/* registers, under vdev->lock */
	u32 dfsel, gfsel, queue_sel;
	/* interrupt, under irq_lock */
	pthread_mutex_t irq_lock;
	u32 int_status;
	bool line;
	bool ioeventfd;
};

void virtio_mmio_reset_layout(void)
{
	pthread_mutex_lock(&layout_lock);
	nr_windows = nr_irqs = 0;
	pthread_mutex_unlock(&layout_lock);
}

/* ---- interrupt -------------------------------------------------------------- */

static void update_line_locked(struct virtio_mmio *vm)
{
	bool level = vm->int_status != 0;

	if (level == vm->line)
		return;
	vm->line = level;
	kvm_irq_line(vm->kvm, vm->gsi, level);
}

static void mmio_raise(struct virtio_mmio *vm, u32 bit)
{
	pthread_mutex_lock(&vm->irq_lock);
	vm->int_status |= bit;
	update_line_locked(vm);
	pthread_mutex_unlock(&vm->irq_lock);
}

static void vm_signal_queue(struct virtio_device *vdev, struct virtqueue *vq)
{
	mmio_raise(vdev->transport, INT_USED_BUFFER);
}

static void vm_signal_config(struct virtio_device *vdev)
{
	mmio_raise(vdev->transport, INT_CONFIG);
}

static void vm_reset(struct virtio_device *vdev)
{
	struct virtio_mmio *vm = vdev->transport;

	vm->dfsel = vm->gfsel = vm->queue_sel = 0;
	pthread_mutex_lock(&vm->irq_lock);
	vm->int_status = 0;
	update_line_locked(vm);
	pthread_mutex_unlock(&vm->irq_lock);
}

/* ---- registers ---------------------------------------------------------------- */

static struct virtqueue *selected_vq(struct virtio_mmio *vm)
{
	return vm->queue_sel < (u32)vm->vdev->nr_queues ? &vm->vdev->vqs[vm->queue_sel] : NULL;
}

static u32 reg_read(struct virtio_mmio *vm, u32 off)
{
	struct virtio_device *vdev = vm->vdev;
	struct virtqueue *vq = selected_vq(vm);
	u32 v;

	switch (off) {
	case REG_MAGIC:
		return MMIO_MAGIC;
	case REG_VERSION:
		return MMIO_VERSION;
	case REG_DEVICE_ID:
		return vdev->device_id;
	case REG_VENDOR_ID:
		return MMIO_VENDOR;
	case REG_DEVICE_FEATURES:
		return virtio_device_features_locked(vdev, vm->dfsel);
	case REG_QUEUE_NUM_MAX:
		return vq ? vq->num_max : 0;	/* 0: no such queue */
	case REG_QUEUE_NUM:
		return vq ? vq->num : 0;
	case REG_QUEUE_READY:
		return vq ? vq->enabled : 0;
	case REG_INTERRUPT_STATUS:
		pthread_mutex_lock(&vm->irq_lock);
		v = vm->int_status;
		pthread_mutex_unlock(&vm->irq_lock);
		return v;
	case REG_STATUS:
		return virtio_status(vdev);
	case REG_QUEUE_DESC_LOW:
		return vq ? (u32)vq->desc_gpa : 0;
	case REG_QUEUE_DESC_HIGH:
		return vq ? (u32)(vq->desc_gpa >> 32) : 0;
	case REG_QUEUE_DRIVER_LOW:
		return vq ? (u32)vq->avail_gpa : 0;
	case REG_QUEUE_DRIVER_HIGH:
		return vq ? (u32)(vq->avail_gpa >> 32) : 0;
	case REG_QUEUE_DEVICE_LOW:
		return vq ? (u32)vq->used_gpa : 0;
	case REG_QUEUE_DEVICE_HIGH:
		return vq ? (u32)(vq->used_gpa >> 32) : 0;
	case REG_SHM_LEN_LOW:
	case REG_SHM_LEN_HIGH:
	case REG_SHM_BASE_LOW:
	case REG_SHM_BASE_HIGH:
		return 0xffffffff;	/* no shared memory regions: length -1 */
	case REG_CONFIG_GENERATION:
		return __atomic_load_n(&vdev->config_gen, __ATOMIC_ACQUIRE);
	default:
		return 0;
	}
}

/* Replace half @hi of the 64-bit *@addr, unless the queue runs. */
static void set_half(struct virtqueue *vq, u64 *addr, bool hi, u32 v)
{
	if (!vq || vq->enabled)
		return;
	if (hi)
		*addr = (*addr & 0xffffffffULL) | (u64)v << 32;
	else
		*addr = (*addr & ~0xffffffffULL) | v;
}

static void reg_write(struct virtio_mmio *vm, u32 off, u32 v)
{
	struct virtio_device *vdev = vm->vdev;
	struct virtqueue *vq = selected_vq(vm);

	switch (off) {
	case REG_DEVICE_FEATURES_SEL:
		vm->dfsel = v;
		break;
	case REG_DRIVER_FEATURES:
		virtio_set_driver_features_locked(vdev, vm->gfsel, v);
		break;
	case REG_DRIVER_FEATURES_SEL:
		vm->gfsel = v;
		break;
	case REG_QUEUE_SEL:
		vm->queue_sel = v;
		break;
	case REG_QUEUE_NUM:
		if (vq && !vq->enabled)
			vq->num = (u16)MIN(v, 0xffffu);
		break;
	case REG_QUEUE_READY:
		if (!vq)
			break;
		if (v == 1) {
			virtio_queue_enable_locked(vdev, vq);
		} else if (v == 0 && vq->enabled) {
			virtq_stop(vq);
			vq->enabled = false;
		}
		break;
	case REG_QUEUE_NOTIFY:
		/* Reached only without ioeventfd: the exit path. */
		if (v < (u32)vdev->nr_queues)
			virtio_queue_kick(&vdev->vqs[v]);
		break;
	case REG_INTERRUPT_ACK:
		pthread_mutex_lock(&vm->irq_lock);
		vm->int_status &= ~v;
		update_line_locked(vm);
		pthread_mutex_unlock(&vm->irq_lock);
		break;
	case REG_STATUS:
		virtio_set_status_locked(vdev, (u8)v);
		break;
	case REG_QUEUE_DESC_LOW:
	case REG_QUEUE_DESC_HIGH:
		set_half(vq, vq ? &vq->desc_gpa : NULL, off == REG_QUEUE_DESC_HIGH, v);
		break;
	case REG_QUEUE_DRIVER_LOW:
	case REG_QUEUE_DRIVER_HIGH:
		set_half(vq, vq ? &vq->avail_gpa : NULL, off == REG_QUEUE_DRIVER_HIGH, v);
		break;
	case REG_QUEUE_DEVICE_LOW:
	case REG_QUEUE_DEVICE_HIGH:
		set_half(vq, vq ? &vq->used_gpa : NULL, off == REG_QUEUE_DEVICE_HIGH, v);
		break;
	default:
		break;	/* read-only or unused (SHMSel: no regions) */
	}
}

static void mmio_access(void *opaque, u64 off, u8 *data, u32 len, bool is_write,
			struct vcpu *vcpu)
{
	struct virtio_mmio *vm = opaque;
	struct virtio_device *vdev = vm->vdev;
	u32 v = 0;

	pthread_mutex_lock(&vdev->lock);
	if (off >= REG_CONFIG) {
		/* Device configuration: any width (4.2.2.2). */
		if (is_write)
			virtio_config_write_locked(vdev, off - REG_CONFIG, data, len);
		else
			virtio_config_read_locked(vdev, off - REG_CONFIG, data, len);
	} else if (len != 4 || (off & 3)) {
		/* Registers take aligned 32-bit accesses only (4.2.2.2). */
		if (!is_write)
			memset(data, 0, len);
	} else if (is_write) {
		memcpy(&v, data, 4);
		reg_write(vm, off, v);
	} else {
		v = reg_read(vm, off);
		memcpy(data, &v, 4);
	}
	pthread_mutex_unlock(&vdev->lock);
}

/* ---- set-up ------------------------------------------------------------------- */

static void set_ioeventfds(struct virtio_mmio *vm, bool assign)
{
	for (int q = 0; q < vm->vdev->nr_queues; q++) {
		struct kvm_ioeventfd io = {
			.datamatch = (u64)q,
			.addr = vm->base + REG_QUEUE_NOTIFY,
			.len = 4,
			.fd = vm->vdev->vqs[q].kick_fd,
			.flags = KVM_IOEVENTFD_FLAG_DATAMATCH |
				 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
		};

		if (vm_ioctl(vm->kvm, KVM_IOEVENTFD, &io) < 0 && assign) {
			pr_warn("%s: KVM_IOEVENTFD: %s; notifications take the exit path",
				vm->vdev->label, strerror(errno));
			while (--q >= 0) {
				io.datamatch = (u64)q;
				io.fd = vm->vdev->vqs[q].kick_fd;
				io.flags = KVM_IOEVENTFD_FLAG_DATAMATCH | KVM_IOEVENTFD_FLAG_DEASSIGN;
				vm_ioctl(vm->kvm, KVM_IOEVENTFD, &io);
			}
			vm->ioeventfd = false;
			return;
		}
	}
}

static void vm_exit(struct virtio_device *vdev)
{
	struct virtio_mmio *vm = vdev->transport;

	if (vm->ioeventfd)
		set_ioeventfds(vm, false);
	vm->ioeventfd = false;
}

const struct virtio_transport_ops virtio_mmio_transport = {
	.name = "mmio",
	.attach = virtio_mmio_attach,
	.signal_queue = vm_signal_queue,
	.signal_config = vm_signal_config,
	.reset = vm_reset,
	.exit = vm_exit,
};

int virtio_mmio_attach(struct kvm *kvm, struct virtio_device *vdev)
{
	struct virtio_mmio *vm;
	char word[96];
	u64 base;
	u32 gsi;

	pthread_mutex_lock(&layout_lock);
	if (nr_windows >= (VIRTIO_MMIO_END - VIRTIO_MMIO_START) / VIRTIO_MMIO_SIZE ||
	    nr_irqs >= ARRAY_SIZE(mmio_irqs)) {
		pthread_mutex_unlock(&layout_lock);
		pr_err("%s: too many virtio-mmio devices (at most %zu): use --virtio-transport pci",
		       vdev->name, ARRAY_SIZE(mmio_irqs));
		return -1;
	}
	base = VIRTIO_MMIO_START + nr_windows++ * VIRTIO_MMIO_SIZE;
	gsi = mmio_irqs[nr_irqs++];
	pthread_mutex_unlock(&layout_lock);

	vm = xzalloc(sizeof(*vm));
	vm->vdev = vdev;
	vm->kvm = kvm;
	vm->base = base;
	vm->gsi = gsi;
	pthread_mutex_init(&vm->irq_lock, NULL);
	vdev->transport = vm;
	vdev->tops = &virtio_mmio_transport;
	snprintf(vdev->label, sizeof(vdev->label), "%s (mmio %#llx)", vdev->name,
		 (unsigned long long)base);
	if (bus_register(&kvm->mmio, base, VIRTIO_MMIO_SIZE, vdev->name, mmio_access, vm) < 0)
		return -1;
	vm->ioeventfd = virtio_use_ioeventfd(kvm);
	if (vm->ioeventfd)
		set_ioeventfds(vm, true);
	snprintf(word, sizeof(word), "virtio_mmio.device=4K@%#llx:%u",
		 (unsigned long long)base, gsi);
	kvm_cmdline_append(kvm, word);
	pr_debug("%s: IRQ %u, %s notifications", vdev->label, gsi,
		 vm->ioeventfd ? "ioeventfd" : "exit-path");
	return 0;
}
