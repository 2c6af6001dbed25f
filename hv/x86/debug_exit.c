// SPDX-License-Identifier: GPL-2.0
/*
 * The debug-exit I/O port (see debug_exit.h): the way a test kernel ends
 * the VM with a result, compatible with QEMU's isa-debug-exit, and in
 * exact mode the way lkvm sandbox's guest init reports its command's
 * exit status.
 */
#include <string.h>

#include "hv/kvm.h"
#include "hv/x86/debug_exit.h"

int debug_exit_status(unsigned int v)
{
	/* Computed in unsigned: V up to 0xffffffff, the shift wraps as QEMU's. */
	return (int)((v << 1) | 1);
}

int debug_exit_status_mode(unsigned int v, enum debug_exit_mode mode)
{
	return mode == DEBUG_EXIT_EXACT ? (int)(v & 0xff) : debug_exit_status(v);
}

/* A write of the access's bytes ends the run with @mode's status. */
static void debug_exit_write(struct kvm *kvm, u8 *data, u32 len, bool is_write,
			     enum debug_exit_mode mode)
{
	u32 v = 0;

	if (!is_write) {
		memset(data, 0xff, len);
		return;
	}
	/* x86 is little-endian; at most 4 bytes count, as the port is at most 4 wide. */
	memcpy(&v, data, MIN(len, (u32)sizeof(v)));
	vm_request_exit(kvm, VM_END_DEBUG_EXIT, debug_exit_status_mode(v, mode),
			"guest wrote %#x to the debug-exit port", v);
}

static void debug_exit_access(void *opaque, u64 offset, u8 *data, u32 len, bool is_write,
			      struct vcpu *vcpu)
{
	debug_exit_write(opaque, data, len, is_write, DEBUG_EXIT_QEMU);
}

static void debug_exit_exact_access(void *opaque, u64 offset, u8 *data, u32 len,
				    bool is_write, struct vcpu *vcpu)
{
	debug_exit_write(opaque, data, len, is_write, DEBUG_EXIT_EXACT);
}

int debug_exit_init(struct kvm *kvm, int port, int size)
{
	return debug_exit_init_mode(kvm, port, size, DEBUG_EXIT_QEMU);
}

int debug_exit_init_mode(struct kvm *kvm, int port, int size, enum debug_exit_mode mode)
{
	if (port < 0 || port > 0xffff || (size != 1 && size != 2 && size != 4) ||
	    port + size > 0x10000) {
		pr_err("debug-exit port %d (%#x) size %d: need a size of 1, 2 or 4 and all ports within 0-0xffff",
		       port, (unsigned int)port, size);
		return -1;
	}
	return bus_register(&kvm->pio, (u64)port, (u64)size, "debug-exit",
			    mode == DEBUG_EXIT_EXACT ? debug_exit_exact_access : debug_exit_access,
			    kvm);
}
