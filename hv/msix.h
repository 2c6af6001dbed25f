/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MSI-X for a PCI function of lkvm's: the capability, the vector table
 * and the pending bit array that live in one of the function's memory
 * BARs, and delivery through KVM GSI routes and irqfds (hv/irq.h).
 * Sources: PCI Local Bus Specification 3.0 section 6.8.2 (MSI-X
 * capability and table structures), 6.8.2.9 (per-vector masking and the
 * pending bits); Intel SDM vol. 3 section 11.11 (message format).
 */
#ifndef LKVM_MSIX_H
#define LKVM_MSIX_H

#include <pthread.h>

#include "hv/pci.h"

#define MSIX_MAX_VECTORS	64	/* one 64-bit PBA word */
#define MSIX_ENTRY_SIZE		16

/* One table entry and how it reaches KVM. */
struct msix_vector {
	u32 addr_lo, addr_hi, data, ctrl;	/* the guest-visible entry */
	int gsi;		/* KVM GSI routed to this message, or -1 */
	int irqfd;		/* eventfd attached to @gsi, or -1 */
	bool dirty;		/* the message changed since it was routed */
	u64 nr_sent;		/* interrupts delivered (statistics, tests) */
};

/* A function's MSI-X state. Embedded in the device; see msix_init(). */
struct pci_msix {
	struct kvm *kvm;
	int nr;			/* vectors */
	int cap;		/* capability offset in config space */
	pthread_mutex_t lock;
	bool enabled;		/* message control: MSI-X Enable */
	bool masked;		/* message control: Function Mask */
	bool use_irqfd;		/* routes + irqfds work; else KVM_SIGNAL_MSI */
	u64 pba;
	struct msix_vector vec[MSIX_MAX_VECTORS];
	/* told when msix_vector_irqfd() may answer otherwise (msix_set_notify) */
	void (*notify)(void *opaque);
	void *notify_opaque;
};

/*
 * msix_init - give @dev (before pci_register) an MSI-X capability with
 * @nr vectors (1..MSIX_MAX_VECTORS), its table at @table_off and PBA at
 * @pba_off of BAR @bar (offsets 8-byte aligned; each in its own 4 KiB
 * page as PCI 3.0 recommends). Every vector starts masked. The device's
 * BAR callback passes table and PBA accesses to msix_table_access() and
 * msix_pba_access(), and its cfg_write hook calls msix_config_update().
 * Returns the capability offset, or -1 if it does not fit.
 */
int msix_init(struct pci_msix *m, struct kvm *kvm, struct pci_device *dev, int nr,
	      int bar, u32 table_off, u32 pba_off);

/* Guest access of @len bytes at @off into the table (off < 16 * nr). */
void msix_table_access(struct pci_msix *m, u64 off, u8 *data, u32 len, bool is_write);
/* Guest access into the PBA (read-only). */
void msix_pba_access(struct pci_msix *m, u64 off, u8 *data, u32 len, bool is_write);

/* msix_config_update - the guest wrote config space: pick up Enable and
 * Function Mask from @dev's capability and send pending vectors now
 * unmasked. Call from the cfg_write hook (PCI lock held). */
void msix_config_update(struct pci_msix *m, const struct pci_device *dev);

/*
 * msix_signal - raise vector @v. Returns false when MSI-X is disabled (the
 * caller signals INTx instead); true otherwise: sent, left pending while
 * masked, or dropped when @v is not a vector (VIRTIO_MSI_NO_VECTOR).
 * Thread-safe.
 */
bool msix_signal(struct pci_msix *m, u16 v);

/* msix_is_enabled - the MSI-X Enable bit as last written. */
bool msix_is_enabled(struct pci_msix *m);

/*
 * msix_vector_irqfd - the eventfd KVM turns into vector @v's message by
 * itself (KVM_IRQFD on the vector's GSI route: api.rst "KVM_IRQFD" and
 * "KVM_SET_GSI_ROUTING"), for a producer outside lkvm such as vhost.
 * Only while the message is deliverable as it stands: MSI-X enabled, the
 * function and the vector unmasked (PCI 3.0 section 6.8.2.9: a masked
 * vector's interrupts must become pending bits, which only msix_signal()
 * sets) and the route current; the vector is routed now if it was not
 * yet. Returns the fd (owned by @m, open until msix_exit()), or -1: @v is
 * not a vector, it is masked or disabled, or routing is unavailable.
 * Thread-safe.
 */
int msix_vector_irqfd(struct pci_msix *m, u16 v);

/*
 * msix_set_notify - call @fn(@opaque) after any guest write that may
 * change what msix_vector_irqfd() answers: MSI-X Enable or Function Mask
 * written, a vector's mask bit or message written. Called on the vCPU
 * thread of the write, with @m's lock released (@fn may call
 * msix_signal() and msix_vector_irqfd()), before the write completes.
 */
void msix_set_notify(struct pci_msix *m, void (*fn)(void *opaque), void *opaque);

/* msix_exit - detach and close the irqfds. */
void msix_exit(struct pci_msix *m);

#endif
