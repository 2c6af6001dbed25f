/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Finishing instructions that the host's KVM failed to emulate
 * (KVM_EXIT_INTERNAL_ERROR / KVM_INTERNAL_ERROR_EMULATION). Needed on PVM
 * hosts, whose emulator lacks some instructions (DESIGN.md section 4); on
 * VMX/SVM hosts this never runs.
 */
#ifndef LKVM_X86_EMULATE_H
#define LKVM_X86_EMULATE_H

#include "util/util.h"

struct vcpu;

/*
 * x86_emulate_fallback - finish the instruction at the vCPU's RIP if it is
 * one lkvm knows (int3, clac, stac, fwait, ldmxcsr, stmxcsr), and count it.
 * Returns 0 when the vCPU can go on, -1 when it cannot (the caller dumps).
 */
int x86_emulate_fallback(struct vcpu *vcpu);

/*
 * x86_fetch_insn - the instruction bytes at the vCPU's RIP: from the exit's
 * emulation_failure data when KVM gave them, else read through the guest's
 * page tables (KVM_TRANSLATE). Returns the number of bytes in @buf (up to
 * 15), 0 if none could be read.
 */
int x86_fetch_insn(struct vcpu *vcpu, u8 buf[15]);

/* Print how many instructions of each kind lkvm finished (debug level). */
void x86_emulate_report(void);

/*
 * x86_modrm_ea - effective address of a ModRM memory operand in 64-bit mode.
 * @insn: bytes from the ModRM byte on; @len: how many; @regs16: the 16
 * general registers in encoding order (RAX, RCX, RDX, RBX, RSP, RBP, RSI,
 * RDI, R8..R15); @rex: the REX prefix or 0; @next_rip_base: the guest
 * address of the ModRM byte (RIP-relative operands count from the end of
 * the instruction, assumed to have no immediate).
 * Returns the bytes used by ModRM/SIB/displacement, or -1 if the operand is
 * a register or the bytes run out. Source: Intel SDM vol. 2A section 2.1-2.2.
 */
int x86_modrm_ea(const u8 *insn, int len, const u64 regs16[16], u8 rex,
		 u64 next_rip_base, u64 *ea);

#endif
