/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control socket of a running guest: one thread serves list, stop,
 * pause, resume, debug and stat requests from other lkvm processes of the
 * same user. Sources: Documentation/control-protocol.txt, unix(7)
 * (SO_PEERCRED, SCM_RIGHTS), Documentation/virt/kvm/api.rst (KVM_NMI,
 * KVM_GET_STATS_FD).
 */
#ifndef LKVM_CONTROL_H
#define LKVM_CONTROL_H

#include "util/term.h"
#include "util/util.h"

struct kvm;

/*
 * control_start - claim guest name @name (util/ctl-client.h ctl_listen:
 * $XDG_RUNTIME_DIR/lkvm/<name>.sock or ~/.lkvm/<name>.sock, 0600, a stale
 * socket replaced), register an atexit handler that removes it on every
 * exit() (die() included), and start the thread that serves it for @kvm.
 * Call once, after the vCPUs are created and before they run.
 * Returns 0, or -1 after printing one error line (the name is taken by a
 * running guest, the directory is not usable, the thread cannot start).
 */
int control_start(struct kvm *kvm, const char *name);

/*
 * control_stop - stop the thread, close every connection (a waiting
 * `lkvm stop` sees the end) and remove the socket. Idempotent; call before
 * kvm_teardown() since requests use the vCPU fds.
 */
void control_stop(void);

/*
 * control_console_set - the console device behind control_console_deliver,
 * control_console_break and `lkvm debug --sysrq`: @deliver and @brk, called
 * with @opaque. Default: serial8250_term_deliver/serial8250_term_break on
 * COM1. Call before term_start_input().
 */
void control_console_set(term_deliver_fn deliver, term_break_fn brk, void *opaque);

/*
 * control_console_deliver - a term_deliver_fn (util/term.h) that holds
 * console input while the guest is paused by `lkvm pause` (returns 0: the
 * terminal offers it again later, every 16 ms at most) and otherwise
 * passes it to the console device. Breaks held during a pause go first.
 */
size_t control_console_deliver(void *opaque, const u8 *buf, size_t len);

/*
 * control_console_break - a term_break_fn that sends the break to the
 * console device, or holds it until the guest resumes.
 */
void control_console_break(void *opaque);

#endif
