// SPDX-License-Identifier: GPL-2.0
/*
 * pc-testdev for test kernels: scratch port, flush-page port, IRQ-line
 * ports and an MMIO RAM window (see testdev.h for each one's rules).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv/kvm.h"
#include "hv/x86/layout.h"
#include "hv/x86/testdev.h"
#include "util/log.h"

/* The device: the scratch bytes and the I/O RAM, under one lock. */
struct testdev {
	struct kvm *kvm;
	pthread_mutex_t lock;
	u8 scratch[TESTDEV_SCRATCH_LEN];
	u8 ioram[TESTDEV_IORAM_SIZE];
};

/* Make KVM drop its mappings of the guest page at @gpa: a protection change
 * reaches KVM through the MMU notifier; the page's content stays. */
static void testdev_flush_page(struct testdev *td, u32 gpa)
{
	long page = sysconf(_SC_PAGESIZE);
	u8 *hva = gpa_to_hva(&td->kvm->mem, gpa & ~(u64)(page - 1), page);

	if (!hva)
		return;		/* not RAM: nothing to flush */
	if (mprotect(hva, page, PROT_READ) < 0 ||
	    mprotect(hva, page, PROT_READ | PROT_WRITE) < 0)
		pr_warn_once("testdev: flush page %#x: mprotect failed", gpa);
}

static void testdev_port_access(void *opaque, u64 offset, u8 *data, u32 len,
				bool is_write, struct vcpu *vcpu)
{
	struct testdev *td = opaque;

	pthread_mutex_lock(&td->lock);
	if (offset < TESTDEV_SCRATCH_LEN) {
		for (u32 i = 0; i < len; i++) {
			u64 at = offset + i;

			if (at >= TESTDEV_SCRATCH_LEN) {
				if (!is_write)
					data[i] = 0xff;
			} else if (is_write) {
				td->scratch[at] = data[i];
			} else {
				data[i] = td->scratch[at];
			}
		}
	} else if (is_write && len == 4) {
		u32 gpa;

		memcpy(&gpa, data, 4);
		testdev_flush_page(td, gpa);
	} else if (!is_write) {
		memset(data, 0xff, len);
	}
	pthread_mutex_unlock(&td->lock);
}

static void testdev_irq_access(void *opaque, u64 offset, u8 *data, u32 len,
			       bool is_write, struct vcpu *vcpu)
{
	struct testdev *td = opaque;

	if (!is_write) {
		memset(data, 0, len);
		return;
	}
	/* The bus keeps offset + len within the 24 ports. */
	kvm_irq_line(td->kvm, offset, data[0] != 0);
}

static void testdev_ioram_access(void *opaque, u64 offset, u8 *data, u32 len,
				 bool is_write, struct vcpu *vcpu)
{
	struct testdev *td = opaque;

	if (offset >= TESTDEV_IORAM_SIZE || len > TESTDEV_IORAM_SIZE - offset) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&td->lock);
	if (is_write)
		memcpy(td->ioram + offset, data, len);
	else
		memcpy(data, td->ioram + offset, len);
	pthread_mutex_unlock(&td->lock);
}

int testdev_init(struct kvm *kvm)
{
	struct testdev *td = xzalloc(sizeof(*td));

	td->kvm = kvm;
	pthread_mutex_init(&td->lock, NULL);
	if (bus_register(&kvm->pio, TESTDEV_PORT_SCRATCH, TESTDEV_SCRATCH_LEN + 1,
			 "testdev", testdev_port_access, td) < 0)
		goto fail;
	if (bus_register(&kvm->pio, TESTDEV_PORT_IRQ, TESTDEV_NR_IRQS, "testdev-irq",
			 testdev_irq_access, td) < 0) {
		bus_unregister(&kvm->pio, TESTDEV_PORT_SCRATCH);
		goto fail;
	}
	if (bus_register(&kvm->mmio, TESTDEV_IORAM_GPA, TESTDEV_IORAM_SIZE,
			 "testdev-ioram", testdev_ioram_access, td) < 0) {
		bus_unregister(&kvm->pio, TESTDEV_PORT_IRQ);
		bus_unregister(&kvm->pio, TESTDEV_PORT_SCRATCH);
		goto fail;
	}
	return 0;
fail:
	pthread_mutex_destroy(&td->lock);
	free(td);
	return -1;
}

void testdev_exit(struct kvm *kvm)
{
	struct testdev *td = bus_find_opaque(&kvm->pio, testdev_port_access);

	if (!td)
		return;
	bus_unregister(&kvm->mmio, TESTDEV_IORAM_GPA);
	bus_unregister(&kvm->pio, TESTDEV_PORT_IRQ);
	bus_unregister(&kvm->pio, TESTDEV_PORT_SCRATCH);
	pthread_mutex_destroy(&td->lock);
	free(td);
}
