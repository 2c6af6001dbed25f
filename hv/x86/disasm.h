/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One-instruction x86 disassembly for debug dumps, through capstone
 * loaded on first use: its 1.3 MB of relocated tables cost more at
 * start-up than everything else lkvm links (issue 12), and only a dump
 * of a vCPU's code needs them.
 */
#ifndef LKVM_X86_DISASM_H
#define LKVM_X86_DISASM_H

#include <stddef.h>
#include <stdint.h>

/*
 * x86_disasm_one - disassemble the instruction at the start of @bytes
 * (@len bytes, at most 15 matter) fetched from guest address @rip, in a
 * code segment of @bits (16, 32 or 64). Writes "mnemonic operands" into
 * @out (@size bytes, NUL-terminated).
 * Returns 1 when decoded, 0 when the bytes are no instruction, -1 when
 * capstone cannot be loaded (@out then says why).
 */
int x86_disasm_one(const uint8_t *bytes, size_t len, uint64_t rip, int bits,
		   char *out, size_t size);

#endif
