// SPDX-License-Identifier: GPL-2.0
/*
 * GSI routing table and irqfds. Source: Documentation/virt/kvm/api.rst
 * (KVM_SET_GSI_ROUTING, KVM_IRQFD, KVM_SIGNAL_MSI, KVM_CAP_IRQ_ROUTING).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hv/irq.h"
#include "hv/kvm.h"
#include "util/log.h"

#define NR_IRQCHIP_GSIS	24
#define NR_PIC_GSIS	16

struct msi_route {
	bool used;
	u64 addr;
	u32 data;
};

static struct {
	pthread_mutex_t lock;
	int next_gsi;
	struct msi_route routes[IRQ_MAX_GSI];
} irq = { .lock = PTHREAD_MUTEX_INITIALIZER, .next_gsi = IRQ_FIRST_MSI_GSI };

void irq_reset(void)
{
	pthread_mutex_lock(&irq.lock);
	irq.next_gsi = IRQ_FIRST_MSI_GSI;
	memset(irq.routes, 0, sizeof(irq.routes));
	pthread_mutex_unlock(&irq.lock);
}

static void add_irqchip(struct kvm_irq_routing *t, u32 gsi, u32 chip, u32 pin)
{
	struct kvm_irq_routing_entry *e = &t->entries[t->nr++];

	memset(e, 0, sizeof(*e));
	e->gsi = gsi;
	e->type = KVM_IRQ_ROUTING_IRQCHIP;
	e->u.irqchip.irqchip = chip;
	e->u.irqchip.pin = pin;
}

/* Build the full table and hand it to KVM. Caller holds irq.lock. */
static int commit_locked(struct kvm *kvm)
{
	size_t max = NR_IRQCHIP_GSIS + NR_PIC_GSIS + IRQ_MAX_GSI;
	struct kvm_irq_routing *t = xzalloc(sizeof(*t) + max * sizeof(t->entries[0]));
	int ret;

	for (u32 gsi = 0; gsi < NR_IRQCHIP_GSIS; gsi++) {
		if (gsi < NR_PIC_GSIS)
			add_irqchip(t, gsi, gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
				    gsi % 8);
		add_irqchip(t, gsi, KVM_IRQCHIP_IOAPIC, gsi);
	}
	for (int gsi = IRQ_FIRST_MSI_GSI; gsi < irq.next_gsi; gsi++) {
		struct kvm_irq_routing_entry *e = &t->entries[t->nr++];

		memset(e, 0, sizeof(*e));
		e->gsi = gsi;
		e->type = KVM_IRQ_ROUTING_MSI;
		e->u.msi.address_lo = (u32)irq.routes[gsi].addr;
		e->u.msi.address_hi = (u32)(irq.routes[gsi].addr >> 32);
		e->u.msi.data = irq.routes[gsi].data;
	}
	ret = vm_ioctl(kvm, KVM_SET_GSI_ROUTING, t);
	if (ret < 0)
		pr_warn_once("KVM_SET_GSI_ROUTING: %s (MSI-X falls back to KVM_SIGNAL_MSI)",
			     strerror(errno));
	free(t);
	return ret < 0 ? -1 : 0;
}

int irq_msi_route(struct kvm *kvm, int *gsi, u64 addr, u32 data)
{
	int ret;

	if (kvm->vm_fd < 0 ||
	    sys_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_ROUTING) <= 0)
		return -1;
	pthread_mutex_lock(&irq.lock);
	if (*gsi < 0) {
		if (irq.next_gsi >= IRQ_MAX_GSI) {
			pthread_mutex_unlock(&irq.lock);
			pr_warn_once("out of MSI GSIs (%d)", IRQ_MAX_GSI);
			return -1;
		}
		*gsi = irq.next_gsi++;
	}
	if (*gsi < IRQ_FIRST_MSI_GSI || *gsi >= irq.next_gsi) {
		pthread_mutex_unlock(&irq.lock);
		return -1;
	}
	irq.routes[*gsi] = (struct msi_route){ .used = true, .addr = addr, .data = data };
	ret = commit_locked(kvm);
	pthread_mutex_unlock(&irq.lock);
	return ret;
}

int irq_irqfd(struct kvm *kvm, int fd, int gsi, bool assign)
{
	struct kvm_irqfd req = {
		.fd = (u32)fd,
		.gsi = (u32)gsi,
		.flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
	};

	if (kvm->vm_fd < 0 || fd < 0 || gsi < 0)
		return -1;
	if (vm_ioctl(kvm, KVM_IRQFD, &req) < 0) {
		pr_warn_once("KVM_IRQFD: %s (MSI-X falls back to KVM_SIGNAL_MSI)", strerror(errno));
		return -1;
	}
	return 0;
}

int irq_signal_msi(struct kvm *kvm, u64 addr, u32 data)
{
	struct kvm_msi msi = {
		.address_lo = (u32)addr,
		.address_hi = (u32)(addr >> 32),
		.data = data,
	};

	if (kvm->vm_fd < 0)
		return -1;
	if (vm_ioctl(kvm, KVM_SIGNAL_MSI, &msi) < 0) {
		pr_warn_once("KVM_SIGNAL_MSI: %s", strerror(errno));
		return -1;
	}
	return 0;
}
