/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exit statuses of lkvm (documented in Documentation/lkvm-run.txt, EXIT
 * STATUS). A multiboot test kernel's debug-exit write V gives
 * (V << 1) | 1, always odd (1..255 as the shell sees it), so every status
 * lkvm chooses itself is even: a harness tells "the test said pass/fail"
 * from "the VMM failed" by the low bit alone. 124 and 126-127 are left to
 * timeout(1) and the shell; 128+N is what a shell shows for a death by
 * signal N, which is how `lkvm run` ends on SIGINT, SIGTERM and SIGHUP.
 */
#ifndef LKVM_EXIT_STATUS_H
#define LKVM_EXIT_STATUS_H

#define EXIT_GUEST_OFF 0	/* guest powered off or rebooted, Ctrl-A x, lkvm stop */
#define EXIT_GUEST_PANIC 2	/* guest kernel panicked (pvpanic) */
#define EXIT_LKVM_ERROR 120	/* lkvm failed: bad input, host failure, out of memory */
#define EXIT_GUEST_CRASH 122	/* triple fault, unhandled exit or emulation failure */
#define EXIT_USAGE 128		/* bad command line (every command) */

#endif
