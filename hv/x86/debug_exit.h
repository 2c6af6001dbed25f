/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The debug-exit port, for test kernels: a guest write of value V ends lkvm
 * with exit status (V << 1) | 1, the convention of QEMU's isa-debug-exit
 * device (QEMU docs, "isa-debug-exit"), which kvm-unit-tests and other
 * test kernels rely on. The shell sees that status modulo 256, so
 * V = 0 (a pass, by the kvm-unit-tests convention) gives status 1, and
 * status 0 is never produced by this port.
 */
#ifndef LKVM_X86_DEBUG_EXIT_H
#define LKVM_X86_DEBUG_EXIT_H

struct kvm;

#define DEBUG_EXIT_DEFAULT_PORT 0xf4
#define DEBUG_EXIT_DEFAULT_SIZE 4	/* bytes */

/*
 * debug_exit_init - claim I/O ports [@port, @port + @size) on kvm->pio.
 * @size: 1, 2 or 4 bytes. A write of any width at any offset ends the run
 * through vm_request_exit(VM_END_DEBUG_EXIT) with status (V << 1) | 1,
 * V being the value written (zero-extended, as wide as the access); reads
 * return all ones (no state to read, as QEMU's device).
 * Returns 0, or -1 if the arguments are out of range or the ports are
 * taken (error logged).
 */
int debug_exit_init(struct kvm *kvm, int port, int size);

/* debug_exit_status - the exit status for a written value @v (the rule above). */
int debug_exit_status(unsigned int v);

#endif
