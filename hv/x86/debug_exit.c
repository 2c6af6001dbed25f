// SPDX-License-Identifier: GPL-2.0
/*
 * The debug-exit I/O port (see debug_exit.h): the way a test kernel ends
 * the VM with a result, compatible with QEMU's isa-debug-exit.
 */
#include <string.h>

#include "hv/kvm.h"
#include "hv/x86/debug_exit.h"

int debug_exit_status(unsigned int v)
{
	/* Computed in unsigned: V up to 0xffffffff, the shift wraps as QEMU's. */
	return (int)((v << 1) | 1);
}

static void debug_exit_access(void *opaque, u64 offset, u8 *data, u32 len, bool is_write,
			      struct vcpu *vcpu)
{
	struct kvm *kvm = opaque;
	u32 v = 0;

	if (!is_write) {
		memset(data, 0xff, len);
		return;
	}
	/* x86 is little-endian; at most 4 bytes count, as the port is at most 4 wide. */
	memcpy(&v, data, MIN(len, (u32)sizeof(v)));
	vm_request_exit(kvm, VM_END_DEBUG_EXIT, debug_exit_status(v),
			"guest wrote %#x to the debug-exit port", v);
}

int debug_exit_init(struct kvm *kvm, int port, int size)
{
	if (port < 0 || port > 0xffff || (size != 1 && size != 2 && size != 4) ||
	    port + size > 0x10000) {
		pr_err("debug-exit port %d (%#x) size %d: need a size of 1, 2 or 4 and all ports within 0-0xffff",
		       port, (unsigned int)port, size);
		return -1;
	}
	return bus_register(&kvm->pio, (u64)port, (u64)size, "debug-exit", debug_exit_access, kvm);
}
