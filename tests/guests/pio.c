// SPDX-License-Identifier: GPL-2.0
/*
 * pio: N one-byte `out` instructions to an I/O port from CPL3, so each is
 * one exit to the VMM and nothing else runs: the benchmark payload of
 * bench/exit. "n=N" (default 100000), "port=P" (default 0x80, the POST port
 * every PC VMM owns and ignores), "tsc=1" also prints the TSC cycles the
 * N writes took, read at CPL3 right around the loop (RDTSC, SDM vol. 2B),
 * so the VMM's start-up is not counted.
 */
#include "runtime/rt.h"

static u16 port;

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((u64)hi << 32) | lo;
}

/* Returns the TSC cycles of @n writes. */
static long outs(long n)
{
	u16 p = port;
	u64 t0 = rdtsc();

	for (long i = 0; i < n; i++)
		outb(p, 0);
	return (long)(rdtsc() - t0);
}

int main(struct mb_info *mbi)
{
	u64 n = cmdline_num("n", 100000);
	long cycles;

	(void)mbi;
	port = (u16)cmdline_num("port", 0x80);
	cycles = run_user(outs, (long)n);
	printf("pio: %lu writes to port %#x\n", n, port);
	if (cmdline_num("tsc", 0))
		printf("pio: tsc cycles %ld\n", cycles);
	return 0;
}
