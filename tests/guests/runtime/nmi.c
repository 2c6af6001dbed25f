// SPDX-License-Identifier: GPL-2.0
/*
 * An NMI counter for payloads that lkvm debug --nmi or lkvm stat drive:
 * nmi_counter_install() points IDT vector 2 at a handler that adds 1 to
 * nmi_count and returns.
 */
#include "runtime/asm.h"
#include "runtime/rt.h"

volatile u64 nmi_count;

/* IRETQ restores RFLAGS, so the flags INC changes need no saving. */
void nmi_entry(void);
asm(".text\n"
    ".globl nmi_entry\n"
    "nmi_entry:\n"
    "	incq nmi_count(%rip)\n"
    "	iretq\n");

/* 64-bit interrupt gate (SDM vol. 3A figure 6-8). */
struct gate {
	u16 off0, sel;
	u8 ist, type_attr;
	u16 off1;
	u32 off2, reserved;
} __attribute__((packed));

void nmi_counter_install(void)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) idtr;
	struct gate *idt;
	u64 a = (u64)nmi_entry;

	asm volatile("sidt %0" : "=m"(idtr));
	idt = (struct gate *)idtr.base;
	idt[2] = (struct gate){
		.off0 = (u16)a, .sel = SEL_CODE64, .type_attr = 0x8e,
		.off1 = (u16)(a >> 16), .off2 = (u32)(a >> 32),
	};
}
