// SPDX-License-Identifier: GPL-2.0
/*
 * Port 0x80: POST codes on real boards, and the port Linux writes to for
 * an I/O delay (io_delay=0x80, its default). Claiming it keeps those
 * writes from being logged as unhandled. Source: IBM PC/AT technical
 * reference (port map); Linux Documentation/admin-guide/kernel-parameters
 * (io_delay=).
 */
#include <string.h>

#include "hv/kvm.h"
#include "hv/x86/legacy.h"

static void port80_access(void *opaque, u64 offset, u8 *data, u32 len,
			  bool is_write, struct vcpu *vcpu)
{
	if (!is_write)
		memset(data, 0xff, len);
}

int port80_init(struct kvm *kvm)
{
	return bus_register(&kvm->pio, 0x80, 1, "post", port80_access, NULL);
}
