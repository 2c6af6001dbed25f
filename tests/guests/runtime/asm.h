/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Constants shared by the runtime's assembly and C: GDT selectors (the
 * layout of gdt in entry.S), stack sizes, and the long-mode switch.
 */
#ifndef GUEST_ASM_H
#define GUEST_ASM_H

#define SEL_CODE64	0x08
#define SEL_DATA	0x10
#define SEL_UDATA	0x18	/* user selectors are used with RPL 3 */
#define SEL_UCODE	0x20
#define SEL_TSS		0x28
#define SEL_CODE32	0x38
#define GDT_SIZE	0x40	/* bytes: 8 descriptors, the TSS one is two */

#define MAX_CPUS	64
#define AP_STACK_SHIFT	12	/* 4 KiB per AP */
#define BOOT_STACK_SIZE	0x4000

/* The real-mode AP trampoline is copied here (SIPI vector 0x08). */
#define TRAMPOLINE_GPA	0x8000

#ifdef __ASSEMBLER__
/* 32-bit protected mode -> long mode, then far jump to \target (SDM vol. 3
 * 9.8.5: CR4.PAE, CR3, EFER.LME, CR0.PG). The GDT must be loaded. */
.macro ENTER_LONG_MODE target
	movw	$SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	%cr4, %eax
	orl	$0x20, %eax		/* CR4.PAE */
	movl	%eax, %cr4
	movl	$0xc0000080, %ecx	/* IA32_EFER */
	rdmsr
	orl	$0x100, %eax		/* EFER.LME */
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000001, %eax	/* CR0.PG | CR0.PE */
	movl	%eax, %cr0
	ljmp	$SEL_CODE64, $\target
.endm

.macro LOAD_DATA_SEGMENTS
	movw	$SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
.endm
#endif

#endif
