// SPDX-License-Identifier: GPL-2.0
/*
 * Table-driven fallback for instructions KVM could not emulate. Each entry
 * names the instruction, how to match it, and what finishing it means.
 * Add an entry when a guest stops on a new one: the register dump prints the
 * bytes and their disassembly.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hv/kvm.h"
#include "hv/x86/emulate.h"
#include "util/log.h"

#define RFLAGS_AC (1ULL << 18)
#define X86_VEC_BP 3

struct emu_ctx {
	struct vcpu *vcpu;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	const u8 *insn;		/* bytes at RIP */
	int len;		/* how many are valid */
	int prefix_len;		/* legacy + REX prefixes before the opcode */
	u8 rex;
	u64 seg_base;		/* FS/GS override base, else 0 */
};

struct emu_entry {
	const char *name;
	u8 opcode[3];		/* after prefixes */
	u8 opcode_len;
	s8 modrm_reg;		/* -1: no ModRM; else the /digit that must match */
	/* Finish the instruction. Returns 0, or -1 to give up. */
	int (*finish)(struct emu_ctx *ctx, int insn_len);
	u64 count;
};

static int put_regs(struct emu_ctx *ctx)
{
	if (vcpu_ioctl(ctx->vcpu, KVM_SET_REGS, &ctx->regs) < 0) {
		pr_err("vCPU %d: KVM_SET_REGS: %s", ctx->vcpu->id, strerror(errno));
		return -1;
	}
	return 0;
}

/* int3: a trap, so RIP moves past it before #BP is delivered. */
static int finish_int3(struct emu_ctx *ctx, int insn_len)
{
	struct kvm_vcpu_events ev;

	ctx->regs.rip += insn_len;
	if (put_regs(ctx) < 0)
		return -1;
	if (vcpu_ioctl(ctx->vcpu, KVM_GET_VCPU_EVENTS, &ev) < 0)
		return -1;
	ev.exception.injected = 1;
	ev.exception.nr = X86_VEC_BP;
	ev.exception.has_error_code = 0;
	ev.exception.error_code = 0;
	ev.flags = 0;
	return vcpu_ioctl(ctx->vcpu, KVM_SET_VCPU_EVENTS, &ev) < 0 ? -1 : 0;
}

static int finish_clac(struct emu_ctx *ctx, int insn_len)
{
	ctx->regs.rflags &= ~RFLAGS_AC;
	ctx->regs.rip += insn_len;
	return put_regs(ctx);
}

static int finish_stac(struct emu_ctx *ctx, int insn_len)
{
	ctx->regs.rflags |= RFLAGS_AC;
	ctx->regs.rip += insn_len;
	return put_regs(ctx);
}

/* fwait: no x87 exception can be pending in a guest that never unmasks them. */
static int finish_skip(struct emu_ctx *ctx, int insn_len)
{
	ctx->regs.rip += insn_len;
	return put_regs(ctx);
}

static void regs16(const struct kvm_regs *r, u64 out[16])
{
	u64 v[16] = { r->rax, r->rcx, r->rdx, r->rbx, r->rsp, r->rbp, r->rsi, r->rdi,
		      r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15 };

	memcpy(out, v, sizeof(v));
}

int x86_modrm_ea(const u8 *insn, int len, const u64 r[16], u8 rex,
		 u64 next_rip_base, u64 *ea)
{
	int used = 1, mod, rm, base, index, scale;
	u64 addr = 0;
	s64 disp = 0;

	if (len < 1)
		return -1;
	mod = insn[0] >> 6;
	rm = insn[0] & 7;
	if (mod == 3)
		return -1;
	if (rm == 4) {
		if (len < 2)
			return -1;
		scale = insn[1] >> 6;
		index = ((insn[1] >> 3) & 7) | ((rex & 2) << 2);
		base = (insn[1] & 7) | ((rex & 1) << 3);
		used = 2;
		if (index != 4)
			addr += r[index] << scale;
		if ((base & 7) == 5 && mod == 0) {
			if (len < used + 4)
				return -1;
			disp = (s32)(insn[used] | insn[used + 1] << 8 |
				     insn[used + 2] << 16 | (u32)insn[used + 3] << 24);
			used += 4;
		} else {
			addr += r[base];
		}
	} else if (rm == 5 && mod == 0) {
		/* RIP-relative: relative to the end of the instruction, which
		 * the caller knows once it has counted the displacement. */
		if (len < 5)
			return -1;
		disp = (s32)(insn[1] | insn[2] << 8 | insn[3] << 16 | (u32)insn[4] << 24);
		*ea = next_rip_base + 5 + disp;
		return 5;
	} else {
		addr += r[rm | ((rex & 1) << 3)];
	}
	if (mod == 1) {
		if (len < used + 1)
			return -1;
		disp = (s8)insn[used];
		used += 1;
	} else if (mod == 2) {
		if (len < used + 4)
			return -1;
		disp = (s32)(insn[used] | insn[used + 1] << 8 |
			     insn[used + 2] << 16 | (u32)insn[used + 3] << 24);
		used += 4;
	}
	*ea = addr + disp;
	return used;
}

/* Guest virtual -> guest physical through the vCPU's page tables. */
static int translate(struct vcpu *vcpu, u64 gva, u64 *gpa)
{
	struct kvm_translation tr = { .linear_address = gva };

	if (vcpu_ioctl(vcpu, KVM_TRANSLATE, &tr) < 0 || !tr.valid)
		return -1;
	*gpa = tr.physical_address;
	return 0;
}

/* Access @len bytes at guest virtual @gva, page by page. */
static int guest_virt_access(struct vcpu *vcpu, u64 gva, void *buf, u64 len, bool write)
{
	u8 *p = buf;

	while (len) {
		u64 gpa, chunk = MIN(len, 4096 - (gva & 4095));
		int ret;

		if (translate(vcpu, gva, &gpa) < 0)
			return -1;
		ret = write ? guest_write(&vcpu->kvm->mem, gpa, p, chunk) :
			      guest_read(&vcpu->kvm->mem, gpa, p, chunk);
		if (ret < 0)
			return -1;
		gva += chunk;
		p += chunk;
		len -= chunk;
	}
	return 0;
}

/* ldmxcsr m32 (0F AE /2) and stmxcsr m32 (0F AE /3): MXCSR through KVM_GET/SET_FPU. */
static int finish_mxcsr(struct emu_ctx *ctx, bool load)
{
	int op = ctx->prefix_len + 2;	/* ModRM after 0F AE */
	struct kvm_fpu fpu;
	u64 r[16], ea;
	u32 v;
	int used;

	regs16(&ctx->regs, r);
	used = x86_modrm_ea(ctx->insn + op, ctx->len - op, r, ctx->rex,
			    ctx->regs.rip + op, &ea);
	if (used < 0)
		return -1;
	ea += ctx->seg_base;
	if (vcpu_ioctl(ctx->vcpu, KVM_GET_FPU, &fpu) < 0)
		return -1;
	if (load) {
		if (guest_virt_access(ctx->vcpu, ea, &v, 4, false) < 0)
			return -1;
		/* Reserved MXCSR bits would be #GP on hardware. */
		if (v & 0xffff0000U)
			return -1;
		fpu.mxcsr = v;
		if (vcpu_ioctl(ctx->vcpu, KVM_SET_FPU, &fpu) < 0)
			return -1;
	} else {
		v = fpu.mxcsr;
		if (guest_virt_access(ctx->vcpu, ea, &v, 4, true) < 0)
			return -1;
	}
	ctx->regs.rip += op + used;
	return put_regs(ctx);
}

static int finish_ldmxcsr(struct emu_ctx *ctx, int insn_len __unused)
{
	return finish_mxcsr(ctx, true);
}

static int finish_stmxcsr(struct emu_ctx *ctx, int insn_len __unused)
{
	return finish_mxcsr(ctx, false);
}

static struct emu_entry emu_table[] = {
	{ "int3",    { 0xcc },             1, -1, finish_int3, 0 },
	{ "clac",    { 0x0f, 0x01, 0xca }, 3, -1, finish_clac, 0 },
	{ "stac",    { 0x0f, 0x01, 0xcb }, 3, -1, finish_stac, 0 },
	{ "fwait",   { 0x9b },             1, -1, finish_skip, 0 },
	{ "ldmxcsr", { 0x0f, 0xae },       2,  2, finish_ldmxcsr, 0 },
	{ "stmxcsr", { 0x0f, 0xae },       2,  3, finish_stmxcsr, 0 },
};

int x86_fetch_insn(struct vcpu *vcpu, u8 buf[15])
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	u64 gva;
	int n;

	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR &&
	    run->emulation_failure.suberror == KVM_INTERNAL_ERROR_EMULATION &&
	    run->emulation_failure.ndata >= 3 &&
	    (run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) &&
	    run->emulation_failure.insn_size > 0) {
		n = MIN(run->emulation_failure.insn_size, 15);
		memcpy(buf, run->emulation_failure.insn_bytes, n);
		return n;
	}
	if (vcpu_ioctl(vcpu, KVM_GET_REGS, &regs) < 0 ||
	    vcpu_ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return 0;
	gva = sregs.cs.base + regs.rip;
	/* Shorten the read until it no longer crosses into an unmapped page. */
	for (n = 15; n > 0; n--)
		if (guest_virt_access(vcpu, gva, buf, n, false) == 0)
			return n;
	return 0;
}

static bool is_legacy_prefix(u8 b)
{
	return b == 0x66 || b == 0x67 || b == 0xf2 || b == 0xf3 || b == 0x2e ||
	       b == 0x36 || b == 0x3e || b == 0x26 || b == 0x64 || b == 0x65;
}

int x86_emulate_fallback(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct emu_ctx ctx = { .vcpu = vcpu };
	u8 insn[15];
	int p = 0, fs_gs = 0;

	if (run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION)
		return -1;
	ctx.len = x86_fetch_insn(vcpu, insn);
	ctx.insn = insn;
	if (!ctx.len)
		return -1;
	if (vcpu_ioctl(vcpu, KVM_GET_REGS, &ctx.regs) < 0 ||
	    vcpu_ioctl(vcpu, KVM_GET_SREGS, &ctx.sregs) < 0)
		return -1;
	/* 64-bit code only: the decoder assumes long-mode addressing. */
	if (!ctx.sregs.cs.l)
		return -1;
	while (p < ctx.len && is_legacy_prefix(insn[p])) {
		if (insn[p] == 0x64 || insn[p] == 0x65)
			fs_gs = insn[p];
		p++;
	}
	if (p < ctx.len && (insn[p] & 0xf0) == 0x40)
		ctx.rex = insn[p++];
	ctx.prefix_len = p;
	ctx.seg_base = fs_gs == 0x64 ? ctx.sregs.fs.base :
		       fs_gs == 0x65 ? ctx.sregs.gs.base : 0;

	for (size_t i = 0; i < ARRAY_SIZE(emu_table); i++) {
		struct emu_entry *e = &emu_table[i];

		if (p + e->opcode_len > ctx.len ||
		    memcmp(insn + p, e->opcode, e->opcode_len))
			continue;
		if (e->modrm_reg >= 0) {
			if (p + e->opcode_len >= ctx.len ||
			    ((insn[p + e->opcode_len] >> 3) & 7) != e->modrm_reg)
				continue;
		} else if (p) {
			/* Prefixed forms of the simple ones are not expected. */
			continue;
		}
		if (e->finish(&ctx, p + e->opcode_len) < 0) {
			pr_err("vCPU %d: could not finish '%s' at %#llx", vcpu->id,
			       e->name, (unsigned long long)ctx.regs.rip);
			return -1;
		}
		if (__atomic_add_fetch(&e->count, 1, __ATOMIC_RELAXED) == 1)
			pr_debug("vCPU %d: finished '%s' for KVM (first time)",
				 vcpu->id, e->name);
		vcpu->nr_emulated++;
		return 0;
	}
	return -1;
}

void x86_emulate_report(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(emu_table); i++)
		if (emu_table[i].count)
			pr_debug("lkvm finished %llu '%s' instruction(s) KVM could not emulate",
				 (unsigned long long)emu_table[i].count, emu_table[i].name);
}
