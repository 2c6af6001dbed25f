/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The initramfs of lkvm sandbox and lkvm run --rootfs, built on the fly:
 * /init (the static lkvm-init found next to lkvm), /dev/console, and the
 * kernel modules the guest needs to reach its 9p shares (virtio_pci,
 * 9pnet_virtio, 9p, overlay, their dependencies) when the kernel has them
 * as modules. Kept under the cache directory by kernel release and a hash
 * of the init and the modules, so a second start reuses it.
 */
#ifndef LKVM_SANDBOX_INITRAMFS_H
#define LKVM_SANDBOX_INITRAMFS_H

#include <stddef.h>

/*
 * kernel_release - the release string of bzImage @kernel ("6.1.0-28-cloud-amd64"),
 * the first word of the string its setup header's kernel_version points at
 * (Linux Documentation/arch/x86/boot.rst). Returns 0 with @buf set, or -1
 * with a reason in @err (unreadable, not a bzImage, no version string).
 */
int kernel_release(const char *kernel, char *buf, size_t size, char *err, size_t errlen);

/*
 * lkvm_init_path - where the guest init is: "guest/lkvm-init" in the
 * directory of the running lkvm (/proc/self/exe; the build tree), else
 * "../lib/lkvm/lkvm-init" from there (make install), into @buf. Returns 0
 * if it is an executable file, or -1 after one error line naming the
 * paths and `make`.
 */
int lkvm_init_path(char *buf, size_t size);

/*
 * lkvm_cache_dir - lkvm's cache directory: $LKVM_CACHE, else
 * $XDG_CACHE_HOME/lkvm, else $HOME/.cache/lkvm. 0, or -1 if none fits.
 */
int lkvm_cache_dir(char *buf, size_t size);

/*
 * modules_dir_find - the kernel's module directory (the one holding
 * modules.dep): @opt (--modules DIR: DIR itself, DIR/@release or
 * DIR/lib/modules/@release), else lib/modules/@release next to @kernel,
 * else /lib/modules/@release. @release may be NULL (only @opt then).
 * Returns 1 with @buf set, 0 when there is none (all built in, or a
 * kernel without modules), -1 after an error line when @opt has no
 * modules.dep.
 */
int modules_dir_find(const char *kernel, const char *release, const char *opt,
		     char *buf, size_t size);

/* What initramfs_get() puts in the initramfs. */
struct initramfs_req {
	const char *init;	/* the lkvm-init binary */
	const char *mod_dir;	/* module directory, or NULL for none */
	const char *release;	/* kernel release, or NULL (names the cache file) */
};

/*
 * initramfs_get - the path of an initramfs for @r, built (cpio newc,
 * uncompressed) into <cache dir>/sandbox (or a private
 * ${TMPDIR:-/tmp}/lkvm-UID/sandbox when that is not writable) unless
 * there already, into @path. Returns 0, or -1 after an error line (a required module neither
 * built in nor in the module directory, unwritable cache, ...).
 */
int initramfs_get(const struct initramfs_req *r, char *path, size_t size);

/*
 * initramfs_for_kernel - initramfs_get() for booting @kernel: its release
 * (bzImage only), its module directory (@modules_opt, from --modules, or
 * found as modules_dir_find() says) and lkvm-init next to lkvm. Returns
 * 0 with the initramfs path in @path, or -1 after an error line.
 */
int initramfs_for_kernel(const char *kernel, const char *modules_opt, char *path, size_t size);

#endif
