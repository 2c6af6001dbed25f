/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HPET: an event timer block at HPET_GPA with a 64-bit main counter at
 * 100 MHz (period 10 ns) driven by the host's CLOCK_MONOTONIC, and
 * HPET_NR_TIMERS comparators whose registers read back what was written
 * (three, as on QEMU's pc machine: Linux built with HPET_EMULATE_RTC
 * ignores an HPET with fewer than two). No interrupts are delivered: no
 * legacy replacement route, no FSB delivery, an empty interrupt route
 * capability, so an OS uses it as a clocksource only. Source: IA-PC HPET specification 1.0a, sections 2.3 (registers)
 * and 3.2.4 (ACPI table, built in acpi.c).
 */
#ifndef LKVM_X86_HPET_H
#define LKVM_X86_HPET_H

#include "util/util.h"

struct kvm;

/* Register offsets (HPET spec 1.0a table 2). */
#define HPET_GCAP_ID		0x000
#define HPET_GEN_CONF		0x010
#define HPET_GINTR_STA		0x020
#define HPET_MAIN_COUNTER	0x0f0
#define HPET_T0_CONF		0x100
#define HPET_T0_COMPARATOR	0x108
#define HPET_T0_FSB_ROUTE	0x110
#define HPET_TIMER_STRIDE	0x20	/* timer N at HPET_T0_CONF + N * stride */
#define HPET_NR_TIMERS		3

#define HPET_PERIOD_FS		10000000ULL	/* 10 ns in femtoseconds */
#define HPET_GEN_ENABLE		(1u << 0)
#define HPET_GEN_LEG_RT		(1u << 1)

/* Timer N configuration bits (HPET spec 1.0a section 2.3.8). */
#define HPET_TN_INT_TYPE	(1u << 1)
#define HPET_TN_INT_ENB		(1u << 2)
#define HPET_TN_TYPE_PERIODIC	(1u << 3)
#define HPET_TN_PER_INT_CAP	(1u << 4)
#define HPET_TN_SIZE_CAP	(1u << 5)
#define HPET_TN_VAL_SET		(1u << 6)
#define HPET_TN_32MODE		(1u << 8)

/* The registers, apart from KVM so they can be unit-tested. */
struct hpet_regs {
	u64 conf;		/* GEN_CONF: ENABLE_CNF, LEG_RT_CNF */
	u64 counter_base;	/* main counter value at @base_ns */
	u64 base_ns;		/* host ns when the counter last started */
	u64 t_conf[HPET_NR_TIMERS];	/* timer N configuration (writable bits) */
	u64 t_cmp[HPET_NR_TIMERS];	/* timer N comparator */
};

/* hpet_gcap_id - the GCAP_ID register: period 10 ns in fs (bits 63:32),
 * vendor 0x8086, 64-bit counter, HPET_NR_TIMERS timers (NUM_TIM_CAP is the
 * last timer's number), revision 1. */
u64 hpet_gcap_id(void);

/*
 * hpet_io - one guest access at byte @offset of the block: @len 4 or 8,
 * aligned to @len; @now_ns is the host's CLOCK_MONOTONIC in ns. The main
 * counter advances one tick per 10 ns while ENABLE_CNF is set and holds
 * its value while it is clear (then it is writable). Other accesses read
 * as zero and write nothing.
 */
void hpet_io(struct hpet_regs *h, u64 now_ns, u64 offset, u8 *data, u32 len,
	     bool is_write);

/* hpet_init - register the block at HPET_GPA on @kvm->mmio. Returns 0 or -1. */
int hpet_init(struct kvm *kvm);

#endif
