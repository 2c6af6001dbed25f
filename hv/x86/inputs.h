/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fail early: read and classify every input of `lkvm run` before /dev/kvm
 * is opened, so that a wrong kernel path is reported as such on any host.
 */
#ifndef LKVM_X86_INPUTS_H
#define LKVM_X86_INPUTS_H

#include "hv/config.h"
#include "hv/x86/boot.h"

/*
 * boot_check_inputs - check cfg->kernel (readable regular file, not empty;
 * a bzImage whose setup header and payload format lkvm can boot, a 64-bit
 * x86-64 vmlinux whose program headers lie inside the file, or a multiboot
 * image), each -i/--module file (readable regular file), the option
 * combinations that depend on the kernel's kind (one initrd for Linux),
 * and --symbols (holds symbols). Needs no KVM and no guest RAM.
 * Prints one error line per bad input, naming it and the fault, e.g.
 * "kernel 'x': file truncated: setup needs 20480 bytes, file has 600".
 * @kind: out (may be NULL), the kernel's kind when it is good.
 * Returns the number of bad inputs (0: all good).
 */
int boot_check_inputs(const struct vm_config *cfg, enum image_kind *kind);

#endif
