/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which kernel modules the sandbox's initramfs carries, in load order:
 * the modules asked for and their dependencies, from a kernel's
 * modules.dep, skipping those modules.builtin lists. Source: depmod(8)
 * and modules.dep(5) ("module: dep dep ...", paths relative to the
 * module directory; the kernel's own file lists a module's whole
 * dependency closure).
 */
#ifndef LKVM_SANDBOX_MODULES_H
#define LKVM_SANDBOX_MODULES_H

#include <stddef.h>

#define MODS_MAX 64	/* modules one initramfs carries */

/* The chosen modules: paths relative to the module directory, deps first. */
struct mod_list {
	char *paths[MODS_MAX];	/* malloc'd */
	int nr;
};

/*
 * mod_name - the module name of @path ("kernel/fs/9p/9p.ko.xz" -> "9p"),
 * with '-' read as '_' (as the kernel does), into @buf (@size bytes).
 */
void mod_name(const char *path, char *buf, size_t size);

/*
 * modules_resolve - the load order for the modules named in @required and
 * @optional (NULL-terminated lists of names), from the text of
 * modules.dep (@dep, @dep_len bytes) and modules.builtin (@builtin, may
 * be NULL). Built-in modules are skipped; a missing optional module too;
 * a missing required one is an error. Returns 0 with @out filled (free
 * with mod_list_free), or -1 with a reason in @err naming the module.
 */
int modules_resolve(const char *dep, size_t dep_len, const char *builtin, size_t builtin_len,
		    const char *const *required, const char *const *optional,
		    struct mod_list *out, char *err, size_t errlen);

/* mod_list_free - free @l's paths. */
void mod_list_free(struct mod_list *l);

#endif
