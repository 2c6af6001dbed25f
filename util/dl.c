// SPDX-License-Identifier: GPL-2.0
/*
 * util/dl.h: a library opened on first use. Source: dlopen(3), dlsym(3).
 */
#include <dlfcn.h>
#include <stdio.h>

#include "util/dl.h"

int dl_load(const char *soname, const struct dl_sym *syms, size_t n, char *why, size_t len)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	void *addr[n ? n : 1];

	if (!h) {
		snprintf(why, len, "%s", dlerror());
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		addr[i] = dlsym(h, syms[i].name);
		if (!addr[i]) {
			snprintf(why, len, "%s lacks %s", soname, syms[i].name);
			dlclose(h);
			return -1;
		}
	}
	for (size_t i = 0; i < n; i++)
		*syms[i].slot = addr[i];
	return 0;
}
