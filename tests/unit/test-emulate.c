// SPDX-License-Identifier: GPL-2.0
/*
 * hv/x86/emulate.c: x86_modrm_ea(), the 64-bit ModRM/SIB decoder behind the
 * ldmxcsr/stmxcsr fallback. Every expected value is worked out by hand from
 * the Intel SDM vol. 2A tables 2-2 (32/64-bit ModRM), 2-3 (SIB) and section
 * 2.2.1 (REX, RIP-relative addressing), not from the code under test;
 * then every ModRM/SIB/REX combination of ldmxcsr is compared against
 * capstone's independent decoding.
 */
#include <capstone/capstone.h>
#include <string.h>

#include "hv/x86/emulate.h"
#include "tests/tap.h"

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

static const char *const rn[16] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

/* Distinct register values: 0x0101000000 * (n + 1) + n, so a wrong
 * register, scale or missing term never gives the expected sum. */
static u64 r[16];

#define REX_B 0x41
#define REX_X 0x42
#define REX_XB 0x43
#define REX_W 0x48

static void check(const char *name, const u8 *b, int len, u8 rex, u64 rip, int want_used,
		  u64 want_ea)
{
	u64 ea = 0xdeadbeefdeadbeefULL;
	int used = x86_modrm_ea(b, len, r, rex, rip, &ea);

	if (!ok(used == want_used && (want_used < 0 || ea == want_ea), "%s", name))
		diag("  got used %d ea %#llx, want used %d ea %#llx", used,
		     (unsigned long long)ea, want_used, (unsigned long long)want_ea);
}

#define CHECK(name, rex, rip, used, ea, ...)                                   \
	do {                                                                   \
		const u8 __b[] = { __VA_ARGS__ };                              \
		check(name, __b, sizeof(__b), rex, rip, used, ea);             \
	} while (0)

static void test_mod00(void)
{
	char name[64];

	/* ModRM 00 000 rm: [reg] for rm = 0-3, 6, 7 (4 = SIB, 5 = RIP). */
	for (int rm = 0; rm < 8; rm++) {
		u8 b = (u8)rm;

		if (rm == 4 || rm == 5)
			continue;
		snprintf(name, sizeof(name), "mod 00 rm %d: [%s]", rm, rn[rm]);
		check(name, &b, 1, 0, 0, 1, r[rm]);
		snprintf(name, sizeof(name), "mod 00 rm %d + REX.B: [%s]", rm, rn[rm + 8]);
		check(name, &b, 1, REX_B, 0, 1, r[rm + 8]);
		snprintf(name, sizeof(name), "mod 00 rm %d + REX.W (no extension): [%s]", rm, rn[rm]);
		check(name, &b, 1, REX_W, 0, 1, r[rm]);
		snprintf(name, sizeof(name), "mod 00 rm %d + REX.X only: [%s]", rm, rn[rm]);
		check(name, &b, 1, REX_X, 0, 1, r[rm]);
	}
	/* The reg field never matters: 00 111 011 = [rbx]. */
	CHECK("ModRM 0x3b (reg 7): [rbx]", 0, 0, 1, r[RBX], 0x3b);
}

static void test_mod01_mod10(void)
{
	char name[64];

	for (int rm = 0; rm < 8; rm++) {
		if (rm == 4)
			continue;
		/* 01 000 rm, disp8 = -8 (0xf8, sign-extended). */
		u8 b8[2] = { (u8)(0x40 | rm), 0xf8 };
		/* 10 000 rm, disp32 = 0x12345678. */
		u8 b32[5] = { (u8)(0x80 | rm), 0x78, 0x56, 0x34, 0x12 };

		snprintf(name, sizeof(name), "mod 01 rm %d: [%s - 8]", rm, rn[rm]);
		check(name, b8, 2, 0, 0, 2, r[rm] - 8);
		snprintf(name, sizeof(name), "mod 01 rm %d + REX.B: [%s - 8]", rm, rn[rm + 8]);
		check(name, b8, 2, REX_B, 0, 2, r[rm + 8] - 8);
		snprintf(name, sizeof(name), "mod 10 rm %d: [%s + 0x12345678]", rm, rn[rm]);
		check(name, b32, 5, 0, 0, 5, r[rm] + 0x12345678);
		snprintf(name, sizeof(name), "mod 10 rm %d + REX.B: [%s + 0x12345678]", rm,
			 rn[rm + 8]);
		check(name, b32, 5, REX_B, 0, 5, r[rm + 8] + 0x12345678);
	}
	CHECK("mod 01 disp8 +0x7f: [rsi + 0x7f]", 0, 0, 2, r[RSI] + 0x7f, 0x46, 0x7f);
	CHECK("mod 01 disp8 0x80 = -128: [rsi - 128]", 0, 0, 2, r[RSI] - 128, 0x46, 0x80);
	CHECK("mod 10 disp32 0xfffffff0 = -16: [rdi - 16]", 0, 0, 5, r[RDI] - 16,
	      0x87, 0xf0, 0xff, 0xff, 0xff);
	CHECK("mod 10 disp32 0x80000000 = -2^31: [rdi - 2^31]", 0, 0, 5, r[RDI] - 0x80000000ULL,
	      0x87, 0x00, 0x00, 0x00, 0x80);
	/* Bytes after the operand (an immediate) are not consumed. */
	CHECK("mod 01 with trailing bytes: uses 2", 0, 0, 2, r[RBX] + 1, 0x43, 0x01, 0xaa, 0xbb);
}

static void test_sib(void)
{
	static const u8 scale_bits[4] = { 0x00, 0x40, 0x80, 0xc0 };
	char name[96];

	/* ModRM 00 000 100 + SIB ss 001 000: [rax + rcx * 2^ss]. */
	for (int ss = 0; ss < 4; ss++) {
		snprintf(name, sizeof(name), "SIB scale %d: [rax + rcx*%d]", 1 << ss, 1 << ss);
		CHECK(name, 0, 0, 2, r[RAX] + (r[RCX] << ss), 0x04, (u8)(scale_bits[ss] | 0x08));
	}
	/* The ldmxcsr case from the brief: 0f ae 54 24 08 = ldmxcsr [rsp+8].
	 * ModRM 0x54 = 01 010 100 (disp8, /2, SIB); SIB 0x24 = 00 100 100
	 * (no index, base rsp). */
	CHECK("54 24 08: [rsp + 8]", 0, 0, 3, r[RSP] + 8, 0x54, 0x24, 0x08);
	/* Index 100 = none: scale is ignored. */
	CHECK("SIB index none: [rax]", 0, 0, 2, r[RAX], 0x04, 0x20);
	CHECK("SIB index none, scale 8 ignored: [rax]", 0, 0, 2, r[RAX], 0x04, 0xe0);
	CHECK("SIB index none, base rsp: [rsp]", 0, 0, 2, r[RSP], 0x04, 0x24);
	/* REX.X makes index 100 r12, which is a real index. */
	CHECK("SIB index 100 + REX.X: [rax + r12]", REX_X, 0, 2, r[RAX] + r[R12], 0x04, 0x20);
	CHECK("SIB index 100 + REX.X, scale 8: [rax + r12*8]", REX_X, 0, 2,
	      r[RAX] + (r[R12] << 3), 0x04, 0xe0);
	CHECK("SIB + REX.X: [rax + r9*4]", REX_X, 0, 2, r[RAX] + (r[R9] << 2), 0x04, 0x88);
	CHECK("SIB + REX.B: [r8 + rcx*4]", REX_B, 0, 2, r[R8] + (r[RCX] << 2), 0x04, 0x88);
	CHECK("SIB + REX.XB: [r8 + r9*4]", REX_XB, 0, 2, r[R8] + (r[R9] << 2), 0x04, 0x88);
	CHECK("SIB base 100 + REX.B: [r12]", REX_B, 0, 2, r[R12], 0x04, 0x24);
	CHECK("SIB [rdi + rsi*8 + disp8 0x10]", 0, 0, 3, r[RDI] + (r[RSI] << 3) + 0x10,
	      0x44, 0xf7, 0x10);
	CHECK("SIB [rbx + rdx*2 + disp32 -0x100]", 0, 0, 6, r[RBX] + (r[RDX] << 1) - 0x100,
	      0x84, 0x53, 0x00, 0xff, 0xff, 0xff);

	/* Base 101 with mod 00: no base, disp32 follows the SIB. */
	CHECK("SIB base 101 mod 00, no index: [disp32 0x1000]", 0, 0, 6, 0x1000,
	      0x04, 0x25, 0x00, 0x10, 0x00, 0x00);
	CHECK("SIB base 101 mod 00: [rcx*4 + disp32 0x1000]", 0, 0, 6,
	      (r[RCX] << 2) + 0x1000, 0x04, 0x8d, 0x00, 0x10, 0x00, 0x00);
	CHECK("SIB base 101 mod 00, disp32 -16 sign-extended", 0, 0, 6, (u64)-16,
	      0x04, 0x25, 0xf0, 0xff, 0xff, 0xff);
	/* REX.B does not turn it into r13 (SDM table 2-5 note). */
	CHECK("SIB base 101 mod 00 + REX.B: still no base", REX_B, 0, 6,
	      (r[RCX] << 2) + 0x1000, 0x04, 0x8d, 0x00, 0x10, 0x00, 0x00);
	/* Base 101 with mod 01/10: rbp (or r13 with REX.B). */
	CHECK("SIB base 101 mod 01: [rbp + 8]", 0, 0, 3, r[RBP] + 8, 0x44, 0x25, 0x08);
	CHECK("SIB base 101 mod 01 + REX.B: [r13 + 8]", REX_B, 0, 3, r[R13] + 8,
	      0x44, 0x25, 0x08);
	CHECK("SIB base 101 mod 10: [rbp + rcx + 0x100]", 0, 0, 6, r[RBP] + r[RCX] + 0x100,
	      0x84, 0x0d, 0x00, 0x01, 0x00, 0x00);
}

static void test_rip_relative(void)
{
	/* ldmxcsr [rip + disp32] = 0f ae 15 <disp32> at A: ModRM at A + 2,
	 * the instruction ends at A + 7 and the address is A + 7 + disp32
	 * (SDM 2.2.1.6: relative to the next instruction). */
	const u64 a = 0xffffffff81234560ULL;

	CHECK("RIP-relative +0x100: end of insn + disp", 0, a + 2, 5, a + 7 + 0x100,
	      0x15, 0x00, 0x01, 0x00, 0x00);
	CHECK("RIP-relative -0x10", 0, a + 2, 5, a + 7 - 0x10, 0x15, 0xf0, 0xff, 0xff, 0xff);
	CHECK("RIP-relative disp 0: the next instruction", 0, a + 2, 5, a + 7,
	      0x15, 0x00, 0x00, 0x00, 0x00);
	/* With a REX prefix (41 0f ae 15 ...), ModRM at A + 3, end at A + 8.
	 * REX.B does not make it [r13] (SDM table 2-7). */
	CHECK("RIP-relative + REX.B: still RIP", REX_B, a + 3, 5, a + 8 + 0x40,
	      0x15, 0x40, 0x00, 0x00, 0x00);
	/* stmxcsr [rip + disp] = 0f ae 1d <disp32>: reg 3, same rule. */
	CHECK("stmxcsr RIP-relative (ModRM 0x1d)", 0, a + 2, 5, a + 7 + 0x2000,
	      0x1d, 0x00, 0x20, 0x00, 0x00);
	/* mod 00 rm 101 via SIB is absolute, not RIP-relative. */
	CHECK("SIB base 101 is not RIP-relative", 0, a + 2, 6, 0x100,
	      0x04, 0x25, 0x00, 0x01, 0x00, 0x00);
	/* Wrap-around of the 64-bit sum is the hardware's too. */
	CHECK("RIP-relative wraps mod 2^64", 0, 0xfffffffffffffff0ULL, 5, 0x15,
	      0x15, 0x20, 0x00, 0x00, 0x00);
}

static void test_errors(void)
{
	/* Register operands (mod 11) are not memory. */
	for (int rm = 0; rm < 8; rm++) {
		u8 b[6] = { (u8)(0xc0 | rm), 0x24, 0, 0, 0, 0 };
		char name[48];

		snprintf(name, sizeof(name), "mod 11 rm %d: -1", rm);
		check(name, b, 6, 0, 0, -1, 0);
	}
	CHECK("mod 11 with REX.B: -1", REX_B, 0, -1, 0, 0xd4);

	/* Every prefix of a complete operand is too short. */
	static const struct {
		const char *name;
		u8 b[7];
		int full;
	} t[] = {
		{ "[rax]", { 0x00 }, 1 },
		{ "[rbp + disp8]", { 0x45, 0xf8 }, 2 },
		{ "[rsi + disp32]", { 0x86, 1, 2, 3, 4 }, 5 },
		{ "[rip + disp32]", { 0x15, 1, 2, 3, 4 }, 5 },
		{ "[rax + rcx*4]", { 0x04, 0x88 }, 2 },
		{ "[rsp + disp8]", { 0x44, 0x24, 0x08 }, 3 },
		{ "[rsp + disp32]", { 0x84, 0x24, 1, 2, 3, 4 }, 6 },
		{ "[disp32] via SIB", { 0x04, 0x25, 1, 2, 3, 4 }, 6 },
	};
	u64 ea;

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		bool short_fail = true;

		for (int l = 0; l < t[i].full; l++)
			if (x86_modrm_ea(t[i].b, l, r, 0, 0x1000, &ea) != -1)
				short_fail = false;
		ok(short_fail, "%s: every truncation (0..%d bytes) gives -1", t[i].name,
		   t[i].full - 1);
		ok(x86_modrm_ea(t[i].b, t[i].full, r, 0, 0x1000, &ea) == t[i].full,
		   "%s: %d bytes are enough", t[i].name, t[i].full);
	}
	ok(x86_modrm_ea(t[0].b, -1, r, 0, 0, &ea) == -1, "negative length: -1");
}

/* Capstone's register id -> our encoding index, or -1 for "none". */
static int cs_reg_index(unsigned int reg)
{
	static const unsigned int map[16] = {
		X86_REG_RAX, X86_REG_RCX, X86_REG_RDX, X86_REG_RBX,
		X86_REG_RSP, X86_REG_RBP, X86_REG_RSI, X86_REG_RDI,
		X86_REG_R8, X86_REG_R9, X86_REG_R10, X86_REG_R11,
		X86_REG_R12, X86_REG_R13, X86_REG_R14, X86_REG_R15,
	};

	for (int i = 0; i < 16; i++)
		if (map[i] == reg)
			return i;
	return -1;
}

/*
 * Decode "[rex] 0f ae modrm [sib] [disp]" (ldmxcsr) with capstone and with
 * x86_modrm_ea; both must agree on the address and the length. Returns
 * 1 if they agree, 0 if not, -1 if capstone did not decode it.
 */
static int compare_one(csh cs, u8 rex, u8 modrm, u8 sib, u32 disp, char *why, size_t whylen)
{
	const u64 at = 0xffffffff81000000ULL;
	u8 b[16];
	int n = 0, op, used;
	cs_insn *insn;
	u64 ea, want;

	if (rex)
		b[n++] = rex;
	b[n++] = 0x0f;
	b[n++] = 0xae;
	op = n;
	b[n++] = modrm;
	b[n++] = sib;
	memcpy(b + n, &disp, 4);
	n += 4;

	if (cs_disasm(cs, b, n, at, 1, &insn) != 1)
		return -1;
	if (insn->id != X86_INS_LDMXCSR || insn->detail->x86.op_count != 1 ||
	    insn->detail->x86.operands[0].type != X86_OP_MEM) {
		cs_free(insn, 1);
		return -1;
	}
	const x86_op_mem *m = &insn->detail->x86.operands[0].mem;

	if (m->base == X86_REG_RIP) {
		want = at + insn->size + (u64)m->disp;
	} else {
		int bi = cs_reg_index(m->base), ii = cs_reg_index(m->index);

		want = (u64)m->disp;
		if (bi >= 0)
			want += r[bi];
		if (ii >= 0)
			want += r[ii] * (u64)m->scale;
	}
	used = x86_modrm_ea(b + op, n - op, r, rex, at + op, &ea);
	if (used != insn->size - op || ea != want) {
		snprintf(why, whylen, "%s %s: capstone %#llx (%d bytes), got %#llx (%d bytes)",
			 insn->mnemonic, insn->op_str, (unsigned long long)want,
			 insn->size - op, (unsigned long long)ea, used);
		cs_free(insn, 1);
		return 0;
	}
	cs_free(insn, 1);
	return 1;
}

static void test_against_capstone(void)
{
	static const u8 rexes[] = { 0, REX_B, REX_X, REX_XB, REX_W | 7 };
	int agree = 0, differ = 0, undecoded = 0;
	char why[256] = "";
	csh cs;

	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK) {
		skip("capstone cannot open x86-64");
		return;
	}
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	for (size_t x = 0; x < ARRAY_SIZE(rexes); x++) {
		for (int mod = 0; mod < 3; mod++) {
			for (int rm = 0; rm < 8; rm++) {
				int nsib = rm == 4 ? 256 : 1;

				for (int sib = 0; sib < nsib; sib++) {
					u8 modrm = (u8)(mod << 6 | 2 << 3 | rm);
					u32 disp = 0x9abcdef0U ^ (u32)(sib * 0x01010101U);
					char w[256];
					int c = compare_one(cs, rexes[x], modrm, (u8)sib, disp,
							    w, sizeof(w));

					if (c == 1)
						agree++;
					else if (c == 0 && differ++ == 0)
						memcpy(why, w, sizeof(why));
					else if (c < 0)
						undecoded++;
				}
			}
		}
	}
	cs_close(&cs);
	if (!ok(differ == 0 && agree > 3000,
		"capstone agrees on all %d ldmxcsr operand encodings", agree))
		diag("  %d differ, first: %s", differ, why);
	is_int(undecoded, 0, "capstone decoded every encoding");
}

int main(void)
{
	for (int i = 0; i < 16; i++)
		r[i] = 0x0101000000ULL * (u64)(i + 1) + (u64)i;

	test_mod00();
	test_mod01_mod10();
	test_sib();
	test_rip_relative();
	test_errors();
	test_against_capstone();
	return done_testing();
}
