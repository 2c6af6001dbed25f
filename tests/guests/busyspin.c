// SPDX-License-Identifier: GPL-2.0
/*
 * busyspin: spin at CPL0 without a single exit for loops=N iterations
 * (default 2^30), then pass; with relax=1 each iteration executes PAUSE,
 * as a lock or an AP wait loop does (SVM's pause filter may then exit). A guest that never exits is what left the
 * nested-SVM L1's CPUs in soft lockups (tests/nested.t): while it spins,
 * only the host's interrupts can take the vCPU out of the guest.
 */
#include "runtime/rt.h"

int main(struct mb_info *mbi)
{
	u64 n = cmdline_num("loops", 1ull << 30), i;
	int relax = cmdline_num("relax", 0) != 0;

	(void)mbi;
	printf("busyspin: %llu loops%s\n", (unsigned long long)n, relax ? " with PAUSE" : "");
	for (i = 0; i < n; i++) {
		if (relax)
			cpu_relax();
		else
			__asm__ volatile("" ::: "memory");
	}
	printf("busyspin: done\n");
	return 0;
}
