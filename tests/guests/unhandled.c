// SPDX-License-Identifier: GPL-2.0
/*
 * unhandled: crash the CPU for good. With an empty IDT (limit 0) the #UD of
 * ud2 cannot be delivered, nor can the #GP and #DF that follow, so the CPU
 * shuts down: a triple fault (SDM vol. 3 section 6.15, "Interrupt 8").
 * The VMM sees KVM_EXIT_SHUTDOWN; lkvm dumps the registers and exits 3.
 */
#include "runtime/rt.h"

int main(struct mb_info *mbi)
{
	static const struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) no_idt = { 0, 0 };

	(void)mbi;
	printf("triple fault next\n");
	asm volatile("lidt %0; ud2" : : "m"(no_idt));
	return 0;
}
