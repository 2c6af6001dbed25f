/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The user's terminal: raw mode while the guest owns it (restored on every
 * way out), an input thread that feeds the guest console and understands
 * Ctrl-A escapes, and SIGINT/SIGTERM/SIGHUP turned into a clean VM exit.
 * Source: POSIX termios (General Terminal Interface, XBD chapter 11).
 */
#ifndef LKVM_TERM_H
#define LKVM_TERM_H

#include "util/util.h"

struct kvm;

/* The escape prefix: Ctrl-A, as in screen and QEMU. */
#define TERM_ESCAPE_CHAR 0x01

/*
 * term_init - if stdin is a terminal, save its settings and make it raw
 * (no echo, no line editing, no signals from Ctrl-C, no output
 * post-processing: the guest sends its own \r\n) and set log_crlf. Also
 * registers term_restore() with atexit() and on SIGSEGV, SIGBUS, SIGABRT,
 * SIGFPE and SIGILL (restore, then die of the signal as before), and
 * ignores SIGPIPE so a closed output pipe is an error, not a silent death
 * with the terminal left raw. Call once, from the main thread.
 */
void term_init(void);

/*
 * term_restore - put the terminal back as term_init() found it. Idempotent
 * and async-signal-safe (only tcsetattr); a no-op if nothing was changed.
 */
void term_restore(void);

/* What an escape sequence asks for. */
enum term_action {
	TERM_ACT_NONE,		/* nothing beyond the bytes in @out */
	TERM_ACT_QUIT,		/* Ctrl-A x: end the VM */
	TERM_ACT_HELP,		/* Ctrl-A h: list the escapes */
	TERM_ACT_BREAK,		/* Ctrl-A b: send a break (sysrq prefix) */
	TERM_ACT_CONSOLE,	/* Ctrl-A c: reserved for a monitor, no effect */
};

/* Escape parser state: whether the last byte was an unconsumed Ctrl-A. */
struct term_esc {
	bool armed;
};

/*
 * term_esc_feed - run one input byte @c through the escape parser @st.
 * Writes the 0-2 bytes the guest must receive to @out and their count to
 * @nout, and returns the action to take. Ctrl-A Ctrl-A gives one Ctrl-A;
 * Ctrl-A followed by a key that is not an escape passes both bytes
 * through, so a mistyped escape loses nothing. Pure: no I/O, no globals.
 */
enum term_action term_esc_feed(struct term_esc *st, u8 c, u8 out[2], size_t *nout);

/* term_help_text - the escape list printed by Ctrl-A h ("\n"-separated). */
const char *term_help_text(void);

/*
 * term_deliver_fn - give @len bytes of @buf to the guest. Returns how many
 * were taken; the rest are offered again later (after 1 ms, backing off
 * to 16 ms while the guest takes nothing).
 */
typedef size_t (*term_deliver_fn)(void *opaque, const u8 *buf, size_t len);
/* term_break_fn - send a break to the guest console. */
typedef void (*term_break_fn)(void *opaque);

/*
 * term_set_break_handler - what Ctrl-A b calls, with the @opaque of
 * term_start_input(). Without one, Ctrl-A b does nothing. Call before
 * term_start_input().
 */
void term_set_break_handler(term_break_fn fn);

/*
 * term_start_input - start the thread that reads stdin, handles escapes
 * (Ctrl-A x ends @kvm with VM_END_USER and status 0) and passes the rest
 * to @deliver, in order, breaks included. At end of file it stops reading
 * but leaves the VM running. Input the guest does not take is buffered
 * (4 KiB) and then dropped, so escapes keep working when the guest does
 * not read its console. Returns 0, or -1 if the thread cannot start.
 */
int term_start_input(struct kvm *kvm, term_deliver_fn deliver, void *opaque);

/* term_stop_input - stop and join the input thread, if it runs. */
void term_stop_input(void);

/*
 * term_install_signals - turn SIGINT, SIGTERM and SIGHUP into
 * vm_request_exit(@kvm, VM_END_USER, 128 + signo, ...). The handler only
 * writes to a pipe; a thread makes the call. A third such signal while the
 * VM is still ending restores the terminal and kills the process with the
 * signal's default action, for a VM that will not stop.
 * Returns 0, or -1 (error logged) if the pipe or thread cannot be made.
 */
int term_install_signals(struct kvm *kvm);

#endif
