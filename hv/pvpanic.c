// SPDX-License-Identifier: GPL-2.0
/*
 * pvpanic device model. Source: QEMU docs/specs/pvpanic.rst (register
 * layout and event bits), PCI Local Bus Specification 3.0 appendix D
 * (class 0x08 subclass 0x80: other system peripheral).
 */
#include <string.h>

#include "hv/kvm.h"
#include "hv/pci.h"
#include "hv/pvpanic.h"
#include "util/log.h"

#define PVPANIC_BAR_SIZE	16
#define PVPANIC_EVENTS		(PVPANIC_PANICKED | PVPANIC_CRASH_LOADED)

static struct pci_device pvpanic_pci;
static struct kvm *pvpanic_kvm;

static void pvpanic_access(void *opaque, u64 offset, u8 *data, u32 len,
			   bool is_write, struct vcpu *vcpu)
{
	if (!is_write) {
		memset(data, 0, len);
		if (offset == 0)
			data[0] = PVPANIC_EVENTS;
		return;
	}
	if (offset != 0)
		return;
	if (data[0] & PVPANIC_PANICKED)
		vm_request_exit(pvpanic_kvm, VM_END_PANIC, EXIT_GUEST_PANIC,
				"guest kernel panicked (pvpanic)");
	else if (data[0] & PVPANIC_CRASH_LOADED)
		pr_info("guest loaded a crash kernel (pvpanic)");
}

int pvpanic_init(struct kvm *kvm)
{
	struct pci_device *dev = &pvpanic_pci;

	pvpanic_kvm = kvm;
	memset(dev, 0, sizeof(*dev));
	dev->name = "pvpanic";
	pci_set_ids(dev, 0x1b36, 0x0011, 0x088000, 0);
	dev->nr_bars = 1;
	dev->bar[0].size = PVPANIC_BAR_SIZE;
	dev->bar[0].access = pvpanic_access;
	if (pci_register(kvm, dev) < 0)
		return -1;
	return bus_register(&kvm->pio, PVPANIC_ISA_PORT, 1, "pvpanic-isa",
			    pvpanic_access, NULL);
}
