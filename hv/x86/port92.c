// SPDX-License-Identifier: GPL-2.0
/*
 * Port 0x92, "system control port A" (PS/2 fast A20 and fast reset):
 * bit 0 going from 0 to 1 resets the machine, which ends the run as the
 * 0xCF9 reset does; bit 1 (A20 gate) reads back, A20 itself is always on.
 * Source: IBM PS/2 hardware interface technical reference (system control
 * port A); Intel ICH data sheets (port 92h, "fast A20 and init").
 */
#include <pthread.h>

#include "hv/kvm.h"
#include "hv/x86/legacy.h"

#define PORT92_RESET	(1u << 0)
#define PORT92_A20	(1u << 1)

static pthread_mutex_t port92_lock = PTHREAD_MUTEX_INITIALIZER;
static u8 port92_value = PORT92_A20;

static void port92_access(void *opaque, u64 offset, u8 *data, u32 len,
			  bool is_write, struct vcpu *vcpu)
{
	struct kvm *kvm = opaque;
	bool reset = false;

	pthread_mutex_lock(&port92_lock);
	if (!is_write) {
		data[0] = port92_value;
		for (u32 i = 1; i < len; i++)
			data[i] = 0xff;
	} else {
		reset = (data[0] & PORT92_RESET) && !(port92_value & PORT92_RESET);
		port92_value = data[0] & (PORT92_A20 | PORT92_RESET);
	}
	pthread_mutex_unlock(&port92_lock);
	if (reset)
		vm_request_exit(kvm, VM_END_REBOOT, EXIT_GUEST_OFF,
				"guest rebooted (fast reset through port 0x92)");
}

int port92_init(struct kvm *kvm)
{
	pthread_mutex_lock(&port92_lock);
	port92_value = PORT92_A20;
	pthread_mutex_unlock(&port92_lock);
	return bus_register(&kvm->pio, 0x92, 1, "port92", port92_access, kvm);
}
