// SPDX-License-Identifier: GPL-2.0
/*
 * spin: a guest for the control-socket tests (tests/control.t). At CPL3
 * it spins in spin_loop(), adding 1 to spin_counter each iteration, so
 * `lkvm pause` stops the counter and `lkvm debug --dump` finds RIP in
 * spin_loop. An NMI handler (IDT vector 2) adds 1 to nmi_count, which the
 * loop prints as "spin: nmi N". The loop polls PM1_STS.PWRBTN_STS; on a
 * power-button press (`lkvm stop`) it powers the guest off through
 * PM1a_CNT (SLP_TYP = 5, SLP_EN), as an ACPI OS would.
 * Sources: Intel SDM vol. 3A sections 6.7 (NMI), 6.14.1 (64-bit IDT gate);
 * ACPI 6.4 sections 4.8.2.2.1 (power button), 4.8.3.1-2 (PM1 registers).
 */
#include "runtime/asm.h"
#include "runtime/rt.h"

#define PM1_STS		0x600	/* lkvm's FADT PM1a_EVT_BLK: status, then enable */
#define PM1_EN		0x602
#define PM1_CNT		0x604
#define PWRBTN		(1u << 8)
#define SLP_TYP_S5	(5u << 10)
#define SLP_EN		(1u << 13)
#define INNER_LOOPS	(1u << 20)	/* between checks: a few ms at CPL3 */

volatile u64 spin_counter;

/* CPL3: spin until the power button is pressed. */
__attribute__((noinline)) long spin_loop(long arg)
{
	u64 seen = 0;

	(void)arg;
	for (;;) {
		for (u32 i = 0; i < INNER_LOOPS; i++)
			spin_counter++;
		if (nmi_count != seen) {
			seen = nmi_count;
			printf("spin: nmi %lu\n", seen);
		}
		if (inw(PM1_STS) & PWRBTN)
			return 1;
	}
}

int main(struct mb_info *mbi)
{
	(void)mbi;
	nmi_counter_install();
	outw(PM1_EN, PWRBTN);
	printf("spin: counter at %p, nmi count at %p\n", (void *)&spin_counter,
	       (void *)&nmi_count);
	run_user(spin_loop, 0);
	printf("spin: power button after %lu iterations\n", spin_counter);
	outw(PM1_STS, PWRBTN);		/* write 1 to clear */
	outw(PM1_CNT, SLP_TYP_S5 | SLP_EN);
	printf("spin: still running after S5\n");
	return 3;
}
