/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest symbol tables, to turn guest addresses into "name+0xoff" in register
 * dumps, `lkvm debug` and `lkvm stat`. Sources: a System.map (the
 * `nm -n` output a kernel build writes: "ffffffff81000000 T _text") or
 * the .symtab of an ELF file (gABI 4.1 chapter 4, "Symbol Table").
 */
#ifndef LKVM_SYMBOLS_H
#define LKVM_SYMBOLS_H

#include <stddef.h>

#include "util/util.h"

/* Opaque: a sorted array of symbols. Immutable once loaded, so lookups
 * from several threads are safe. */
struct symtab;

/*
 * symtab_load - load symbols from @path: an ELF file's .symtab (functions,
 * objects and untyped code labels) or a System.map.
 * @err, @errlen: out, a one-line reason on failure.
 * Returns a new table (free with symtab_free()), or NULL with @err set if
 * the file cannot be read or holds no symbols in either form.
 */
struct symtab *symtab_load(const char *path, char *err, size_t errlen);

/*
 * symtab_lookup - the symbol containing @addr (a guest virtual address).
 * A symbol with a size (ELF) covers [start, start + size); one without
 * (System.map) covers up to the next symbol, and the last such symbol only
 * its own address. Binary search: O(log n).
 * @offset: out (may be NULL), @addr - the symbol's start in bytes.
 * Returns the name (owned by @st), or NULL if no symbol contains @addr.
 */
const char *symtab_lookup(const struct symtab *st, u64 addr, u64 *offset);

/* symtab_count - the number of symbols in @st (0 for NULL). */
size_t symtab_count(const struct symtab *st);

/* symtab_free - release @st; NULL is allowed. */
void symtab_free(struct symtab *st);

/*
 * symtab_find_for_kernel - guess a symbol file for the kernel image at
 * @kernel_path. Tried in order, the first readable one wins:
 *  - inside a kernel tree (".../arch/<arch>/boot/<image>"): the tree's
 *    System.map, then its vmlinux;
 *  - for "<dir>/vmlinuz-<ver>": <dir>/System.map-<ver>, then the vmlinux of
 *    Debian's -dbg package (/usr/lib/debug/boot/vmlinux-<ver>, then
 *    /usr/lib/debug/lib/modules/<ver>/vmlinux);
 *  - for any path K: "K.map", dirname(K)/System.map, dirname(K)/vmlinux.
 * A vmlinux candidate counts only if it is an ELF file and not K itself.
 * Returns a malloc'd path, or NULL if nothing was found.
 */
char *symtab_find_for_kernel(const char *kernel_path);

#endif
