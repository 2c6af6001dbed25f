/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Libraries lkvm opens only when a run needs them (dlopen(3)): each one
 * linked in costs every lkvm process its loading and relocation at exec,
 * which is most of a short run's start-up (bench/start).
 */
#ifndef LKVM_UTIL_DL_H
#define LKVM_UTIL_DL_H

#include <stddef.h>

/* One symbol to resolve: its @name, and where its address goes. */
struct dl_sym {
	const char *name;
	void **slot;
};

/*
 * dl_load - dlopen(@soname, RTLD_NOW | RTLD_LOCAL) and store the address of
 * each of the @n symbols in @syms into its slot. Returns 0, or -1 with a
 * reason in @why (@len bytes, e.g. "libslirp.so.0: cannot open shared
 * object file: No such file or directory" or "libx.so.1 lacks x_open");
 * then no slot is written and the library is closed again.
 */
int dl_load(const char *soname, const struct dl_sym *syms, size_t n, char *why, size_t len);

#endif
