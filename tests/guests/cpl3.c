// SPDX-License-Identifier: GPL-2.0
/*
 * cpl3: count to 10^8 at CPL3 (native speed on PVM hosts, where CPL0 is
 * emulated) and come back to CPL0. "loops=N" changes the count.
 */
#include "runtime/rt.h"

static long spin(long n)
{
	long i = n;

	asm volatile("1: dec %0; jnz 1b" : "+r"(i));
	return n - i;
}

int main(struct mb_info *mbi)
{
	u64 n = cmdline_num("loops", 100000000);
	long done;

	(void)mbi;
	if (!n)
		n = 1;
	done = run_user(spin, (long)n);
	if ((u64)done != n) {
		printf("cpl3 loop: %ld of %lu iterations\n", done, n);
		return 1;
	}
	printf("cpl3 loop done\n");
	return 0;
}
