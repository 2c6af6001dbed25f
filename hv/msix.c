// SPDX-License-Identifier: GPL-2.0
/*
 * MSI-X table, PBA and delivery. Sources: PCI Local Bus Specification 3.0
 * section 6.8.2 (capability layout, table entry layout, Vector Control
 * Mask bit, pending bits), Documentation/virt/kvm/api.rst (GSI routing,
 * irqfd, KVM_SIGNAL_MSI).
 *
 * A vector's message is routed to a KVM GSI lazily (when unmasked while
 * enabled, or at its first interrupt) and re-routed when the guest
 * rewrote it (at once if it is deliverable then); interrupts then cost
 * one eventfd write (irqfd). Where routing or irqfd is missing,
 * KVM_SIGNAL_MSI sends each message. A deliverable vector's irqfd may be
 * handed to a producer outside lkvm (msix_vector_irqfd()); the owner is
 * told after each write that may take it back (msix_set_notify()).
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hv/irq.h"
#include "hv/kvm.h"
#include "hv/msix.h"
#include "util/log.h"

#define CTRL_MASKBIT	PCI_MSIX_ENTRY_CTRL_MASKBIT

int msix_init(struct pci_msix *m, struct kvm *kvm, struct pci_device *dev, int nr,
	      int bar, u32 table_off, u32 pba_off)
{
	u8 cap[12] = { PCI_CAP_ID_MSIX };
	u16 ctrl;
	int off;

	if (nr < 1 || nr > MSIX_MAX_VECTORS || bar < 0 || bar >= PCI_NR_BARS ||
	    (table_off & 7) || (pba_off & 7))
		return -1;
	memset(m, 0, sizeof(*m));
	m->kvm = kvm;
	m->nr = nr;
	m->use_irqfd = true;
	pthread_mutex_init(&m->lock, NULL);
	for (int i = 0; i < nr; i++) {
		m->vec[i].ctrl = CTRL_MASKBIT;
		m->vec[i].gsi = m->vec[i].irqfd = -1;
	}
	ctrl = (u16)(nr - 1);	/* table size, N - 1 encoded */
	cap[2] = (u8)ctrl;
	cap[3] = (u8)(ctrl >> 8);
	for (int k = 0; k < 4; k++) {
		cap[4 + k] = (u8)((table_off | (u32)bar) >> (8 * k));
		cap[8 + k] = (u8)((pba_off | (u32)bar) >> (8 * k));
	}
	off = pci_add_cap(dev, cap, sizeof(cap));
	if (off < 0)
		return -1;
	/* Only Enable (bit 15) and Function Mask (bit 14) are writable. */
	dev->wmask[off + PCI_MSIX_FLAGS + 1] = 0xc0;
	m->cap = off;
	return off;
}

static u64 msg_addr(const struct msix_vector *e)
{
	return e->addr_lo | (u64)e->addr_hi << 32;
}

/* Route @e to a GSI with an irqfd if that works here. Lock held. */
static void route_locked(struct pci_msix *m, struct msix_vector *e)
{
	if (!m->use_irqfd || (!e->dirty && e->gsi >= 0))
		return;
	if (irq_msi_route(m->kvm, &e->gsi, msg_addr(e), e->data) < 0) {
		m->use_irqfd = false;
		return;
	}
	if (e->irqfd < 0) {
		int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

		if (fd < 0 || irq_irqfd(m->kvm, fd, e->gsi, true) < 0) {
			if (fd >= 0)
				close(fd);
			m->use_irqfd = false;
			return;
		}
		e->irqfd = fd;
	}
	e->dirty = false;
}

static void deliver_locked(struct pci_msix *m, int v)
{
	struct msix_vector *e = &m->vec[v];
	u64 one = 1;

	e->nr_sent++;
	route_locked(m, e);
	if (m->use_irqfd && e->irqfd >= 0 && !e->dirty &&
	    write(e->irqfd, &one, sizeof(one)) == sizeof(one))
		return;
	irq_signal_msi(m->kvm, msg_addr(e), e->data);
}

/* Drop the lock, then tell the owner if msix_vector_irqfd() may answer
 * otherwise now (@changed). */
static void notify_unlock(struct pci_msix *m, bool changed)
{
	void (*fn)(void *opaque) = changed ? m->notify : NULL;
	void *opaque = m->notify_opaque;

	pthread_mutex_unlock(&m->lock);
	if (fn)
		fn(opaque);
}

static bool vector_masked(const struct pci_msix *m, int v)
{
	return m->masked || (m->vec[v].ctrl & CTRL_MASKBIT);
}

/* Send what became deliverable (unmasked, enabled) and is pending. */
static void flush_pending_locked(struct pci_msix *m)
{
	if (!m->enabled)
		return;
	for (int v = 0; v < m->nr; v++) {
		if (vector_masked(m, v))
			continue;
		route_locked(m, &m->vec[v]);	/* ahead of the first interrupt */
		if (m->pba & (1ULL << v)) {
			m->pba &= ~(1ULL << v);
			deliver_locked(m, v);
		}
	}
}

void msix_table_access(struct pci_msix *m, u64 off, u8 *data, u32 len, bool is_write)
{
	u64 v = off / MSIX_ENTRY_SIZE, in = off % MSIX_ENTRY_SIZE;
	struct msix_vector *e;
	u8 bytes[MSIX_ENTRY_SIZE];
	bool changed = false;

	if (v >= (u64)m->nr || in + len > MSIX_ENTRY_SIZE) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&m->lock);
	e = &m->vec[v];
	memcpy(bytes + 0, &e->addr_lo, 4);
	memcpy(bytes + 4, &e->addr_hi, 4);
	memcpy(bytes + 8, &e->data, 4);
	memcpy(bytes + 12, &e->ctrl, 4);
	if (!is_write) {
		memcpy(data, bytes + in, len);
	} else {
		bool was_masked = e->ctrl & CTRL_MASKBIT;
		u32 lo, hi, d, c;

		memcpy(bytes + in, data, len);
		memcpy(&lo, bytes + 0, 4);
		memcpy(&hi, bytes + 4, 4);
		memcpy(&d, bytes + 8, 4);
		memcpy(&c, bytes + 12, 4);
		if (lo != e->addr_lo || hi != e->addr_hi || d != e->data) {
			e->dirty = true;
			changed = true;
		}
		e->addr_lo = lo;
		e->addr_hi = hi;
		e->data = d;
		e->ctrl = c & CTRL_MASKBIT;	/* the other bits are reserved */
		if (was_masked != (bool)(e->ctrl & CTRL_MASKBIT))
			changed = true;
		if (was_masked && !(e->ctrl & CTRL_MASKBIT))
			flush_pending_locked(m);
		else if (e->dirty && m->enabled && !vector_masked(m, (int)v))
			route_locked(m, e);	/* its irqfd may be out of lkvm's hands */
	}
	notify_unlock(m, changed);
}

void msix_pba_access(struct pci_msix *m, u64 off, u8 *data, u32 len, bool is_write)
{
	u64 pba;

	if (is_write)
		return;		/* read-only (6.8.2.10) */
	memset(data, 0, len);
	pthread_mutex_lock(&m->lock);
	pba = m->pba;
	pthread_mutex_unlock(&m->lock);
	for (u32 i = 0; i < len; i++)
		if (off + i < sizeof(pba))
			data[i] = (u8)(pba >> (8 * (off + i)));
}

void msix_config_update(struct pci_msix *m, const struct pci_device *dev)
{
	u16 ctrl = pci_cfg_get16(dev, m->cap + PCI_MSIX_FLAGS);
	bool changed;

	pthread_mutex_lock(&m->lock);
	changed = m->enabled != (bool)(ctrl & PCI_MSIX_FLAGS_ENABLE) ||
		  m->masked != (bool)(ctrl & PCI_MSIX_FLAGS_MASKALL);
	m->enabled = ctrl & PCI_MSIX_FLAGS_ENABLE;
	m->masked = ctrl & PCI_MSIX_FLAGS_MASKALL;
	flush_pending_locked(m);
	notify_unlock(m, changed);
}

bool msix_is_enabled(struct pci_msix *m)
{
	bool on;

	pthread_mutex_lock(&m->lock);
	on = m->enabled;
	pthread_mutex_unlock(&m->lock);
	return on;
}

int msix_vector_irqfd(struct pci_msix *m, u16 v)
{
	int fd = -1;

	pthread_mutex_lock(&m->lock);
	if (m->enabled && v < m->nr && !vector_masked(m, v)) {
		struct msix_vector *e = &m->vec[v];

		route_locked(m, e);
		if (m->use_irqfd && e->irqfd >= 0 && !e->dirty)
			fd = e->irqfd;
	}
	pthread_mutex_unlock(&m->lock);
	return fd;
}

void msix_set_notify(struct pci_msix *m, void (*fn)(void *opaque), void *opaque)
{
	pthread_mutex_lock(&m->lock);
	m->notify = fn;
	m->notify_opaque = opaque;
	pthread_mutex_unlock(&m->lock);
}

bool msix_signal(struct pci_msix *m, u16 v)
{
	pthread_mutex_lock(&m->lock);
	if (!m->enabled) {
		pthread_mutex_unlock(&m->lock);
		return false;
	}
	if (v < m->nr) {
		if (vector_masked(m, v))
			m->pba |= 1ULL << v;
		else
			deliver_locked(m, v);
	}
	pthread_mutex_unlock(&m->lock);
	return true;
}

void msix_exit(struct pci_msix *m)
{
	pthread_mutex_lock(&m->lock);
	for (int v = 0; v < m->nr; v++) {
		struct msix_vector *e = &m->vec[v];

		if (e->irqfd >= 0) {
			irq_irqfd(m->kvm, e->irqfd, e->gsi, false);
			close(e->irqfd);
			e->irqfd = -1;
		}
	}
	pthread_mutex_unlock(&m->lock);
}
