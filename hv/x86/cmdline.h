/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Linux kernel command line lkvm passes: its defaults, the PVM quirks,
 * then the user's -p, which wins on conflict.
 */
#ifndef LKVM_X86_CMDLINE_H
#define LKVM_X86_CMDLINE_H

#include "hv/kvm.h"

/*
 * linux_cmdline_build - write the command line for a Linux guest into @out
 * (@size bytes with the NUL).
 * @user: the user's -p (may be NULL); @console: which console gets
 * "console=" unless @user has one; @pvm_quirks: append the PVM parameters
 * (noxsave nosmap nosmep clearcpuid=... nopv io_delay=none, and with a
 * non-zero @tsc_khz "tsc_early_khz=@tsc_khz tsc=reliable"), each skipped
 * when @user sets the same key.
 * Returns the length, or -1 if it does not fit in @size.
 */
int linux_cmdline_build(char *out, size_t size, const char *user,
			enum console_type console, bool pvm_quirks,
			unsigned int tsc_khz);

/*
 * linux_cmdline_build_devices - linux_cmdline_build() plus the parameters
 * devices asked for (@devices, space-separated, may be NULL: kvm->
 * cmdline_extra, e.g. "virtio_mmio.device=4K@0xfeb00000:5"), put after
 * lkvm's defaults and before @user, and never dropped: a user's own
 * virtio_mmio.device= adds a device, it does not replace lkvm's.
 * Returns the length, or -1 if it does not fit in @size.
 */
int linux_cmdline_build_devices(char *out, size_t size, const char *user,
				enum console_type console, bool pvm_quirks,
				unsigned int tsc_khz, const char *devices);

/*
 * cmdline_has_key - does the command line @cmdline contain parameter @key
 * (either "key" or "key=...") as a whole word? Quoted values are skipped.
 */
bool cmdline_has_key(const char *cmdline, const char *key);

/* The clearcpuid= value lkvm uses on PVM hosts ("141,151,..."): feature bit
 * numbers from arch/x86/include/asm/cpufeatures.h (Linux 6.1). */
const char *pvm_clearcpuid_bits(void);

#endif
