/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Real-mode start of an application processor. A STARTUP IPI with vector
 * VV starts the AP in real mode at VV00:0000 (SDM vol. 3 section 8.4.4.1,
 * "Typical BSP Initialization Sequence"); smp_start_aps() copies these
 * bytes to TRAMPOLINE_GPA first. The code is position-independent within
 * its segment: CS = DS = TRAMPOLINE_GPA >> 4, offsets from tramp_start.
 * It loads the runtime's GDT, sets CR0.PE and jumps to ap_entry32, which
 * continues into long mode like the BSP did (entry.S).
 */
#include "asm.h"

	.section .rodata
	.code16
	.globl tramp_start, tramp_end
tramp_start:
	cli
	movw	%cs, %ax
	movw	%ax, %ds
	lgdtl	tramp_gdt_ptr - tramp_start
	movl	%cr0, %eax
	orl	$1, %eax		/* CR0.PE */
	movl	%eax, %cr0
	ljmpl	$SEL_CODE32, $ap_entry32

	.balign 4
tramp_gdt_ptr:
	.word	GDT_SIZE - 1
	.long	gdt
tramp_end:
	.code64
