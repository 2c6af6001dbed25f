/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the libFuzzer targets (tests/fuzz/README): a reader
 * that takes little-endian values from the fuzzer's input and yields zeros
 * once it runs out, so that every input is a valid script.
 */
#ifndef LKVM_FUZZ_H
#define LKVM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/log.h"
#include "util/util.h"

/* The input still to be read. */
struct fz {
	const u8 *p;
	size_t n;
};

/* fz_u8/16/32/64 - the next value (little endian), 0 past the end. */
static inline u64 fz_le(struct fz *f, int bytes)
{
	u64 v = 0;

	for (int i = 0; i < bytes && f->n; i++, f->p++, f->n--)
		v |= (u64)*f->p << (8 * i);
	return v;
}
static inline u8 fz_u8(struct fz *f) { return (u8)fz_le(f, 1); }
static inline u16 fz_u16(struct fz *f) { return (u16)fz_le(f, 2); }
static inline u32 fz_u32(struct fz *f) { return (u32)fz_le(f, 4); }
static inline u64 fz_u64(struct fz *f) { return fz_le(f, 8); }

/* fz_take - up to @n bytes of input, consumed; *@got says how many. */
static inline const u8 *fz_take(struct fz *f, size_t n, size_t *got)
{
	const u8 *p = f->p;

	*got = n < f->n ? n : f->n;
	f->p += *got;
	f->n -= *got;
	return p;
}

/* The fuzzers' entry points (libFuzzer calls them). */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

#endif
