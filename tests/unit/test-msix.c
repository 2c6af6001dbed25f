// SPDX-License-Identifier: GPL-2.0
/*
 * hv/msix.c's hand-over of a vector's irqfd to a producer outside lkvm
 * (msix_vector_irqfd, for vhost-net) and the notification that takes it
 * back (msix_set_notify). Without /dev/kvm nothing can be routed, so the
 * test gives two vectors a route and an irqfd by hand, as route_locked()
 * leaves them, and checks that the fd is handed out only while the
 * message is deliverable as it stands (PCI 3.0 section 6.8.2.9: a masked
 * vector's interrupts must become pending bits, which only msix_signal()
 * sets), that every guest write that changes that tells the owner, and
 * that a message rewritten where routing fails takes the fd back.
 */
#include <string.h>
#include <sys/eventfd.h>

#include "hv/kvm.h"
#include "hv/msix.h"
#include "hv/pci.h"
#include "tests/tap.h"
#include "util/log.h"

#define NVEC	3
#define TABLE	0x4000
#define PBA	0x5000

static struct kvm kvm = { .vm_fd = -1, .sys_fd = -1 };
static struct pci_device dev;
static struct pci_msix m;
static int nr_notified;

static void count_notify(void *opaque)
{
	(*(int *)opaque)++;
	/* the lock is free: the owner may ask again from here */
	msix_vector_irqfd(&m, 0);
}

/* The guest writes Message Control (Enable, Function Mask). */
static void control(bool enable, bool mask)
{
	pci_cfg_set16(&dev, m.cap + PCI_MSIX_FLAGS,
		      (u16)((NVEC - 1) | (enable ? PCI_MSIX_FLAGS_ENABLE : 0) |
			    (mask ? PCI_MSIX_FLAGS_MASKALL : 0)));
	msix_config_update(&m, &dev);
}

/* The guest writes 32 bits at @off of vector @v's table entry. */
static void entry_write(int v, u32 off, u32 val)
{
	msix_table_access(&m, (u64)v * MSIX_ENTRY_SIZE + off, (u8 *)&val, 4, true);
}

static u64 pba(void)
{
	u64 p = 0;

	msix_pba_access(&m, 0, (u8 *)&p, 8, false);
	return p;
}

int main(void)
{
	int fd[2], n;

	log_level = LOG_ERROR;
	is_int(msix_init(&m, &kvm, &dev, NVEC, 0, TABLE, PBA) > 0, 1, "msix_init: 3 vectors");
	msix_set_notify(&m, count_notify, &nr_notified);
	for (int v = 0; v < 2; v++) {
		fd[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		entry_write(v, 0, 0xfee00000);
		entry_write(v, 8, 0x40 + (u32)v);
		/* what route_locked() leaves behind where KVM routes MSIs */
		m.vec[v].gsi = 24 + v;
		m.vec[v].irqfd = fd[v];
		m.vec[v].dirty = false;
	}

	nr_notified = 0;
	is_int(msix_vector_irqfd(&m, 0), -1, "MSI-X disabled: no irqfd");
	control(true, false);
	ok(nr_notified == 1, "enabling MSI-X tells the owner");
	is_int(msix_vector_irqfd(&m, 0), -1, "enabled, vector still masked (reset state): no irqfd");
	entry_write(0, 12, 0);
	entry_write(1, 12, 0);
	ok(nr_notified == 3, "unmasking each vector tells the owner");
	ok(msix_vector_irqfd(&m, 0) == fd[0] && msix_vector_irqfd(&m, 1) == fd[1],
	   "enabled and unmasked: each vector's own irqfd");
	is_int(msix_vector_irqfd(&m, 2), -1, "vector 2, masked since the reset: no irqfd");
	is_int(msix_vector_irqfd(&m, 0xffff), -1, "VIRTIO_MSI_NO_VECTOR: no irqfd");
	is_int(msix_vector_irqfd(&m, NVEC), -1, "a vector past the table: no irqfd");

	n = nr_notified;
	entry_write(0, 12, 1);
	ok(nr_notified == n + 1 && msix_vector_irqfd(&m, 0) == -1 && msix_vector_irqfd(&m, 1) == fd[1],
	   "vector 0 masked: the owner is told, and vector 0 has no irqfd (vector 1 keeps its)");
	ok(msix_signal(&m, 0) && pba() == 1, "... its interrupt, relayed, is a pending bit");
	entry_write(0, 12, 0);
	ok(pba() == 0 && msix_vector_irqfd(&m, 0) == fd[0] && nr_notified == n + 2,
	   "unmasked: the pending interrupt went out, the irqfd is back, the owner told");
	n = nr_notified;
	entry_write(0, 12, 0);
	ok(nr_notified == n, "a write that changes nothing tells nobody");

	control(true, true);
	ok(nr_notified == n + 1 && msix_vector_irqfd(&m, 0) == -1 && msix_vector_irqfd(&m, 1) == -1,
	   "Function Mask: the owner is told, no vector has an irqfd");
	control(true, false);
	ok(msix_vector_irqfd(&m, 1) == fd[1], "Function Mask cleared: the irqfd is back");
	n = nr_notified;
	control(false, false);
	ok(nr_notified == n + 1 && msix_vector_irqfd(&m, 1) == -1,
	   "MSI-X disabled (INTx): the owner is told, no irqfd");
	control(true, false);

	/* A new message for an unmasked vector is routed at once; routing
	 * fails without KVM, so the fd must come back. */
	n = nr_notified;
	entry_write(1, 8, 0x51);
	ok(nr_notified == n + 1 && msix_vector_irqfd(&m, 1) == -1 && msix_vector_irqfd(&m, 0) == -1,
	   "a message rewritten while unmasked, routing unavailable: the owner is told, no irqfd");

	msix_exit(&m);		/* closes the irqfds */
	ok(m.vec[0].irqfd == -1 && m.vec[1].irqfd == -1, "msix_exit lets go of the irqfds");
	return done_testing();
}
