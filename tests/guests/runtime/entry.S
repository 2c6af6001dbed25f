/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Payload entry: the multiboot v1 header and the 32-bit entry the loader
 * jumps to, which enters long mode and calls rt_start() in C.
 *
 * Machine state at entry (multiboot spec 0.6.96 section 3.2): 32-bit
 * protected mode, paging off, flat CS/DS, EAX = 0x2BADB002, EBX = the info
 * structure's physical address, no usable stack, interrupts off.
 * Long mode entry sequence: Intel SDM vol. 3 section 9.8.5.
 *
 * The page tables and GDT are static data, so the CPL0 code here stays a
 * few dozen instructions (each one is emulated on PVM hosts).
 */
#include "asm.h"

#define MB_HEADER_MAGIC	0x1BADB002
/* bit 0: page-aligned modules, bit 1: memory info, bit 16: a.out kludge
 * (QEMU refuses ELF64 images without it). */
#define MB_HEADER_FLAGS	((1 << 0) | (1 << 1) | (1 << 16))

	.section .multiboot, "a"
	.balign 4
mb_header:
	.long MB_HEADER_MAGIC
	.long MB_HEADER_FLAGS
	.long -(MB_HEADER_MAGIC + MB_HEADER_FLAGS)
	.long mb_header		/* header_addr */
	.long _load_start	/* load_addr */
	.long _load_end		/* load_end_addr */
	.long _bss_end		/* bss_end_addr */
	.long _start		/* entry_addr */

	.section .text.entry, "ax"
	.code32
	.globl _start
_start:
	movl	$boot_stack_top, %esp
	movl	%eax, boot_magic
	movl	%ebx, boot_info
	lgdt	gdt_ptr
	ljmp	$SEL_CODE32, $1f
1:	ENTER_LONG_MODE bsp_entry64

/* APs arrive here from the real-mode trampoline, in protected mode with
 * this GDT loaded and CS = SEL_CODE32. */
	.globl ap_entry32
ap_entry32:
	ENTER_LONG_MODE ap_entry64

	.code64
bsp_entry64:
	LOAD_DATA_SEGMENTS
	movq	$boot_stack_top, %rsp
	movl	boot_magic, %edi
	movl	boot_info, %esi
	call	rt_start
	ud2

/* Each AP takes the next stack slot; ap_main() never returns. */
ap_entry64:
	LOAD_DATA_SEGMENTS
	movl	$1, %eax
	lock xaddl %eax, ap_next_slot
	cmpl	$MAX_CPUS, %eax
	jae	2f
	movl	%eax, %edi
	incl	%eax
	shll	$AP_STACK_SHIFT, %eax
	leaq	ap_stacks(%rax), %rsp
	call	rt_ap_start
2:	cli
	hlt
	jmp	2b

	.data
boot_magic:	.long 0
boot_info:	.long 0
ap_next_slot:	.long 0

/*
 * GDT (Intel SDM vol. 3 section 3.4.5). Descriptor fields: limit 0xfffff
 * with G=1, P=1, S=1; type 0xA code / 0x2 data; L=1 for 64-bit code.
 */
	.balign 16
	.globl gdt, gdt_tss
gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* SEL_CODE64: DPL0, L=1 */
	.quad 0x00cf92000000ffff	/* SEL_DATA:   DPL0 */
	.quad 0x00cff2000000ffff	/* SEL_UDATA:  DPL3 */
	.quad 0x00affa000000ffff	/* SEL_UCODE:  DPL3, L=1 */
gdt_tss:
	.quad 0, 0			/* SEL_TSS: 16 bytes, set by rt_start */
	.quad 0x00cf9a000000ffff	/* SEL_CODE32: DPL0, D=1 */
gdt_end:
	.if gdt_end - gdt != GDT_SIZE
	.error "GDT_SIZE in asm.h does not match the GDT"
	.endif
	.globl gdt_ptr
gdt_ptr:
	.word gdt_end - gdt - 1
	.quad gdt

/*
 * Identity map of 0-4 GiB with 2 MiB pages (SDM vol. 3 section 4.5), all
 * user-accessible so that run_user() code can reach its data. The fourth
 * GiB (MMIO: local APIC, I/O APIC) is mapped cache-disabled.
 */
#define PTE_P	0x1
#define PTE_RW	0x2
#define PTE_US	0x4
#define PTE_PWT	0x8
#define PTE_PCD	0x10
#define PTE_PS	0x80
#define PTE_TABLE (PTE_P | PTE_RW | PTE_US)

	.balign 4096
	.globl pml4
pml4:
	.quad pdpt + PTE_TABLE
	.fill 511, 8, 0
pdpt:
	.quad pd + PTE_TABLE
	.quad pd + 0x1000 + PTE_TABLE
	.quad pd + 0x2000 + PTE_TABLE
	.quad pd + 0x3000 + PTE_TABLE
	.fill 508, 8, 0
pd:
	.set addr, 0
	.rept 1536
	.quad addr + (PTE_P | PTE_RW | PTE_US | PTE_PS)
	.set addr, addr + 0x200000
	.endr
	.rept 512
	.quad addr + (PTE_P | PTE_RW | PTE_US | PTE_PS | PTE_PCD | PTE_PWT)
	.set addr, addr + 0x200000
	.endr

	.bss
	.balign 4096
	.space BOOT_STACK_SIZE
boot_stack_top:
	.balign 4096
	.globl ap_stacks
ap_stacks:
	.space MAX_CPUS << AP_STACK_SHIFT
