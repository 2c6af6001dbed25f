// SPDX-License-Identifier: GPL-2.0
/*
 * hv/x86/disasm.c: capstone reached through dlopen() (not linked into
 * lkvm; issue 12), in each code segment size, and the answers for bytes
 * that are no instruction.
 */
#include <dlfcn.h>
#include <string.h>

#include "hv/x86/disasm.h"
#include "tests/tap.h"

int main(void)
{
	static const unsigned char hlt[] = { 0xf4 };
	static const unsigned char mov64[] = { 0x48, 0x89, 0xd8 };	/* mov rax, rbx */
	static const unsigned char mov16[] = { 0x89, 0xd8 };		/* mov ax, bx */
	static const unsigned char bad[] = { 0x0f, 0x0a };	/* 0f 0a: no opcode */
	static const unsigned char cut[] = { 0x48, 0x8b };		/* needs a ModRM byte */
	char out[160];

	ok(!dlsym(RTLD_DEFAULT, "cs_open"), "capstone is not linked in: loaded on first use");
	is_int(x86_disasm_one(hlt, sizeof(hlt), 0x1000, 64, out, sizeof(out)), 1, "hlt decodes");
	is_str(out, "hlt ", "hlt: mnemonic, no operands");
	is_int(x86_disasm_one(mov64, sizeof(mov64), 0, 64, out, sizeof(out)), 1, "64-bit mov");
	is_str(out, "mov rax, rbx", "64-bit: REX.W gives rax, rbx");
	is_int(x86_disasm_one(mov16, sizeof(mov16), 0, 16, out, sizeof(out)), 1, "16-bit mov");
	is_str(out, "mov ax, bx", "16-bit code: ax, bx");
	is_int(x86_disasm_one(mov16, sizeof(mov16), 0, 32, out, sizeof(out)), 1, "32-bit mov");
	is_str(out, "mov eax, ebx", "32-bit code: eax, ebx");
	is_int(x86_disasm_one(bad, sizeof(bad), 0, 64, out, sizeof(out)), 0, "0f 0a: not decodable");
	is_str(out, "(not decodable)", "and says so");
	is_int(x86_disasm_one(cut, sizeof(cut), 0, 64, out, sizeof(out)), 0,
	       "a truncated instruction is not decodable");
	is_int(x86_disasm_one(hlt, sizeof(hlt), 0, 64, out, 4), 1, "a short output buffer");
	is_int((int)strlen(out), 3, "is cut and terminated");
	return done_testing();
}
