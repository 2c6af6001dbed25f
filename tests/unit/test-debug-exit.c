// SPDX-License-Identifier: GPL-2.0
/*
 * The debug-exit port: status (V << 1) | 1 for a write of V (QEMU
 * isa-debug-exit convention), every access width, argument checks; exact
 * mode (status V, lkvm sandbox's exit status path).
 * Runs on a zeroed struct kvm with only its PIO bus: no /dev/kvm.
 */
#include <string.h>

#include "hv/kvm.h"
#include "hv/x86/debug_exit.h"
#include "tests/tap.h"

static void vm_reset(struct kvm *kvm)
{
	memset(kvm, 0, sizeof(*kvm));
	pthread_mutex_init(&kvm->end_lock, NULL);
	pthread_cond_init(&kvm->end_cond, NULL);
	bus_init(&kvm->pio, "pio");
}

static void write_port(struct kvm *kvm, u64 port, u32 v, u32 len)
{
	u8 data[4];

	memcpy(data, &v, sizeof(data));
	bus_access(&kvm->pio, port, data, len, true, NULL);
}

int main(void)
{
	struct kvm kvm;
	u8 data[4];

	is_int(debug_exit_status(0), 1, "status: V=0 (pass) is 1");
	is_int(debug_exit_status(5), 11, "status: V=5 is 11");
	is_int(debug_exit_status(0x7f) & 0xff, 255, "status: V=0x7f is 255");
	is_int(debug_exit_status(0x80) & 0xff, 1, "status: V=0x80 wraps to 1 modulo 256, as QEMU's");

	vm_reset(&kvm);
	is_int(debug_exit_init(&kvm, DEBUG_EXIT_DEFAULT_PORT, DEBUG_EXIT_DEFAULT_SIZE), 0,
	       "init at 0xf4, 4 bytes");
	memset(data, 0, sizeof(data));
	bus_access(&kvm.pio, 0xf4, data, 4, false, NULL);
	ok(data[0] == 0xff && data[3] == 0xff, "a read returns all ones, ends nothing");
	is_int(kvm.end, VM_END_NONE, "no end after a read");
	write_port(&kvm, 0xf4, 5, 4);
	is_int(kvm.end, VM_END_DEBUG_EXIT, "a 4-byte write ends the run as a debug exit");
	is_int(kvm.exit_status, 11, "with status (5 << 1) | 1");
	ok(strstr(kvm.end_msg, "0x5") != NULL, "the message names the value: %s", kvm.end_msg);
	is_int(debug_exit_init(&kvm, 0xf6, 1), -1, "a second device over the same ports is refused");
	bus_exit(&kvm.pio);

	vm_reset(&kvm);
	debug_exit_init(&kvm, 0x501, 2);
	write_port(&kvm, 0x502, 0x1234, 1);
	is_int(kvm.exit_status, (0x34 << 1) | 1, "1-byte write at offset 1: the byte written counts");
	bus_exit(&kvm.pio);

	is_int(debug_exit_status_mode(7, DEBUG_EXIT_EXACT), 7, "exact: V=7 is 7");
	is_int(debug_exit_status_mode(0, DEBUG_EXIT_EXACT), 0, "exact: V=0 is 0 (success)");
	is_int(debug_exit_status_mode(128 + 9, DEBUG_EXIT_EXACT), 137, "exact: 128+SIGKILL is 137");
	is_int(debug_exit_status_mode(0x1ff, DEBUG_EXIT_EXACT), 255, "exact: only the low 8 bits count");
	is_int(debug_exit_status_mode(5, DEBUG_EXIT_QEMU), 11, "qemu mode through _mode: 11");

	vm_reset(&kvm);
	is_int(debug_exit_init_mode(&kvm, 0xf4, 4, DEBUG_EXIT_EXACT), 0, "exact: init at 0xf4, 4 bytes");
	bus_access(&kvm.pio, 0xf4, data, 4, false, NULL);
	is_int(kvm.end, VM_END_NONE, "exact: no end after a read");
	write_port(&kvm, 0xf4, 7, 4);
	is_int(kvm.end, VM_END_DEBUG_EXIT, "exact: a write ends the run as a debug exit");
	is_int(kvm.exit_status, 7, "exact: with status 7, as written");
	is_int(debug_exit_init_mode(&kvm, 0xf4, 1, DEBUG_EXIT_QEMU), -1,
	       "exact: a second device over its ports is refused");
	bus_exit(&kvm.pio);

	vm_reset(&kvm);
	debug_exit_init_mode(&kvm, 0xf4, 4, DEBUG_EXIT_EXACT);
	write_port(&kvm, 0xf4, 0, 4);
	is_int(kvm.end, VM_END_DEBUG_EXIT, "exact: a write of 0 ends the run too");
	is_int(kvm.exit_status, 0, "exact: with status 0");
	bus_exit(&kvm.pio);

	vm_reset(&kvm);
	is_int(debug_exit_init_mode(&kvm, 0xfffe, 4, DEBUG_EXIT_EXACT), -1,
	       "exact: range past port 0xffff refused");
	bus_exit(&kvm.pio);

	vm_reset(&kvm);
	is_int(debug_exit_init(&kvm, 0xf4, 3), -1, "size 3 refused");
	is_int(debug_exit_init(&kvm, 0xfffe, 4), -1, "range past port 0xffff refused");
	is_int(debug_exit_init(&kvm, -1, 1), -1, "negative port refused");
	is_int(debug_exit_init(&kvm, 0xffff, 1), 0, "port 0xffff, 1 byte accepted");
	bus_exit(&kvm.pio);
	return done_testing();
}
