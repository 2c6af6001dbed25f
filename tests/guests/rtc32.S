/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtc32: a 32-bit multiboot v1 payload that never leaves protected mode
 * (paging off) and polls the CMOS RTC forever: index port 0x70, data port
 * 0x71 (MC146818A data sheet: register 0x0a bit 7 is UIP). Its only exits
 * are those PIO accesses (and interrupts of the host), so every guest RIP
 * lkvm stat reports for it lies in rtc_poll, below 4 GiB. Used by
 * tests/stat.t; built on its own (tests/guests/Makefile.inc), not with the
 * 64-bit runtime. Multiboot spec 0.6.96 sections 3.1 and 3.2.
 */
#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	((1 << 1) | (1 << 16))	/* memory info, a.out kludge */

	.section .multiboot, "a"
	.balign 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long mb_header		/* header_addr */
	.long _load_start	/* load_addr */
	.long _load_end		/* load_end_addr */
	.long _bss_end		/* bss_end_addr */
	.long _start		/* entry_addr */

	.text
	.code32
	.globl _start
_start:
	cli
	.globl rtc_poll
	.type rtc_poll, @function
rtc_poll:
	movb	$0x0a, %al
	outb	%al, $0x70
	inb	$0x71, %al
	jmp	rtc_poll
	.size rtc_poll, . - rtc_poll
