/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The debug-exit port, for test kernels: a guest write of value V ends lkvm
 * with exit status (V << 1) | 1, the convention of QEMU's isa-debug-exit
 * device (QEMU docs, "isa-debug-exit"), which kvm-unit-tests and other
 * test kernels rely on. The shell sees that status modulo 256, so
 * V = 0 (a pass, by the kvm-unit-tests convention) gives status 1, and
 * status 0 is never produced by this port.
 *
 * Exact mode (`--debug-exit PORT[,SIZE],exact`) ends lkvm with status V
 * itself (its low 8 bits, all the shell sees): lkvm sandbox's guest init
 * writes its command's exit status there, so lkvm exits as the command did.
 */
#ifndef LKVM_X86_DEBUG_EXIT_H
#define LKVM_X86_DEBUG_EXIT_H

struct kvm;

/* How a written value V becomes lkvm's exit status. */
enum debug_exit_mode {
	DEBUG_EXIT_QEMU,	/* (V << 1) | 1, QEMU's isa-debug-exit */
	DEBUG_EXIT_EXACT,	/* V & 0xff */
};

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

/*
 * debug_exit_init_mode - debug_exit_init() with the status rule @mode:
 * DEBUG_EXIT_QEMU as above, DEBUG_EXIT_EXACT for status V & 0xff. Same
 * arguments, same returns.
 */
int debug_exit_init_mode(struct kvm *kvm, int port, int size, enum debug_exit_mode mode);

/* debug_exit_status - the exit status for a written value @v (the rule above). */
int debug_exit_status(unsigned int v);

/* debug_exit_status_mode - the exit status for @v under @mode (0-255 for exact). */
int debug_exit_status_mode(unsigned int v, enum debug_exit_mode mode);

#endif
