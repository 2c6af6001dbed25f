/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exception entry stubs, the CPL3 switch (run_user) and its way back.
 *
 * run_user() enters CPL3 with IRETQ (SDM vol. 3 section 6.14.3 frame:
 * SS, RSP, RFLAGS, CS, RIP). Port I/O at CPL3 is allowed by the TSS I/O
 * permission bitmap (rt.c), and also by RFLAGS.IOPL = 3 where the CPU
 * keeps it (SDM vol. 1 section 19.5): PVM hosts drop the IOPL an IRETQ
 * sets, but honour the bitmap.
 *
 * The way back is a #UD at user_return_insn: the CPU switches to TSS.RSP0
 * and CPL0, and ud_entry resumes run_user's caller. Neither SYSCALL nor a
 * DPL3 `int $n` gate is used: on PVM hosts SYSCALL does not leave user
 * mode and `int $n` from CPL3 arrives as #UD; an exception works on every
 * host the same way.
 */
#include "asm.h"

	.text
	.code64

/*
 * One 16-byte stub per exception vector 0-31. Vectors without a CPU error
 * code push a zero so that every frame has the same layout (SDM vol. 3
 * table 6-1 lists which ones push an error code).
 */
	.balign 16
	.globl trap_stubs
trap_stubs:
	.set vec, 0
	.rept 32
	.balign 16
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$vec
	jmp	trap_common
	.set vec, vec + 1
	.endr

/* Save the GPRs in struct trap_frame order and report; never returns. */
trap_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rdi
	andq	$-16, %rsp
	call	trap_handler
	ud2

/* long run_user(long (*fn)(long), long arg) */
	.globl run_user
run_user:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, user_saved_rsp
	pushq	$(SEL_UDATA | 3)
	pushq	$user_stack_top
	pushq	$0x3002			/* IOPL = 3, IF = 0, reserved bit 1 */
	pushq	$(SEL_UCODE | 3)
	pushq	$user_trampoline
	iretq

/* CPL3: call fn(arg), hand its value back through the gate. */
user_trampoline:
	movq	%rdi, %rax
	movq	%rsi, %rdi
	call	*%rax
	movq	%rax, %rdi
user_return_insn:
	ud2

/* #UD: the user return if it came from user_return_insn at CPL3, else a
 * real exception for trap_common. RDI (fn's value) is left intact. */
	.globl ud_entry
ud_entry:
	cmpq	$user_return_insn, (%rsp)	/* RIP; #UD pushes no error code */
	jne	1f
	testb	$3, 8(%rsp)			/* CS RPL */
	jnz	user_return
1:	jmp	trap_stubs + 6 * 16

/* CPL0, on TSS.RSP0: drop the exception frame and return from run_user. */
user_return:
	LOAD_DATA_SEGMENTS
	movq	user_saved_rsp, %rsp
	movq	%rdi, %rax
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret

	.data
	.balign 8
user_saved_rsp:
	.quad 0

	.bss
	.balign 4096
	.space 0x4000
user_stack_top:
	.space 0x2000
	.globl trap_stack_top
trap_stack_top:
