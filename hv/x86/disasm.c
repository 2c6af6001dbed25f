// SPDX-License-Identifier: GPL-2.0
/*
 * Capstone, opened with dlopen() the first time a debug dump needs it.
 * Sources: capstone 4 API (cs_open, cs_disasm, cs_free, cs_close);
 * dlopen(3). The soname comes from the build (CAPSTONE_SONAME).
 */
#include <capstone/capstone.h>
#include <pthread.h>
#include <stdio.h>

#include "hv/x86/disasm.h"
#include "util/dl.h"
#include "util/util.h"

#ifndef CAPSTONE_SONAME
#define CAPSTONE_SONAME "libcapstone.so"
#endif

static struct {
	cs_err (*open)(cs_arch, cs_mode, csh *);
	size_t (*disasm)(csh, const uint8_t *, size_t, uint64_t, size_t, cs_insn **);
	void (*free)(cs_insn *, size_t);
	cs_err (*close)(csh *);
	char error[160];	/* empty: loaded */
} cs;
static pthread_once_t cs_once = PTHREAD_ONCE_INIT;

static void cs_load(void)
{
	const struct dl_sym syms[] = {
		{ "cs_open", (void **)&cs.open }, { "cs_disasm", (void **)&cs.disasm },
		{ "cs_free", (void **)&cs.free }, { "cs_close", (void **)&cs.close },
	};
	char why[128];

	if (dl_load(CAPSTONE_SONAME, syms, ARRAY_SIZE(syms), why, sizeof(why)) < 0)
		snprintf(cs.error, sizeof(cs.error), "capstone not loadable: %s", why);
}

int x86_disasm_one(const uint8_t *bytes, size_t len, uint64_t rip, int bits,
		   char *out, size_t size)
{
	cs_mode mode = bits == 64 ? CS_MODE_64 : bits == 32 ? CS_MODE_32 : CS_MODE_16;
	cs_insn *insn;
	csh h;
	int ret = 0;

	pthread_once(&cs_once, cs_load);
	if (cs.error[0]) {
		snprintf(out, size, "(%s)", cs.error);
		return -1;
	}
	if (cs.open(CS_ARCH_X86, mode, &h) != CS_ERR_OK) {
		snprintf(out, size, "(capstone cannot open x86 mode %d)", bits);
		return -1;
	}
	if (cs.disasm(h, bytes, len, rip, 1, &insn) == 1) {
		snprintf(out, size, "%s %s", insn->mnemonic, insn->op_str);
		cs.free(insn, 1);
		ret = 1;
	} else {
		snprintf(out, size, "(not decodable)");
	}
	cs.close(&h);
	return ret;
}
