// SPDX-License-Identifier: GPL-2.0
/*
 * timers: the time sources the ACPI tables describe: the FACS through the
 * FADT's 32-bit FIRMWARE_CTRL, the PM timer (PM_TMR_BLK, 24 bits at
 * 3.579545 MHz) and the HPET from its table (period, main counter). About
 * 10 ms of PM timer are measured against the HPET counter.
 * Sources: ACPI 6.4 sections 4.8.3.3 and 5.2.9; IA-PC HPET 1.0a 2.3, 3.2.4.
 */
#include "runtime/hw.h"

#define PM_TICKS	35795	/* 10 ms at 3.579545 MHz */

int main(struct mb_info *mbi)
{
	const struct acpi_table *fadt = acpi_find("FACP"), *hpet_t = acpi_find("HPET");
	const u8 *f = (const u8 *)fadt;
	u32 port, t0, t, max = 0, facs;
	u64 hpet, period, want, lo, hi;
	u32 ha, hb, h1a, h1b;
	int good;

	(void)mbi;
	if (!fadt || !hpet_t) {
		printf("timers: FADT %s, HPET table %s\n", fadt ? "found" : "missing",
		       hpet_t ? "found" : "missing");
		return 1;
	}
	facs = *(const u32 *)(f + 36);
	printf("timers: FIRMWARE_CTRL %s\n",
	       facs && !memcmp((const void *)(u64)facs, "FACS", 4) ? "points at the FACS" : "unset");
	port = *(const u32 *)(f + 76);
	printf("timers: PM_TMR_BLK %s, PM_TMR_LEN %u\n", port ? "set" : "0", f[91]);
	if (!port)
		return 1;
	hpet = *(const u64 *)((const u8 *)hpet_t + 44);
	period = mmio_read32(hpet + 4);
	printf("timers: hpet period %lu fs\n", period);
	if (!period || period > 100000000)	/* the spec's limit: 100 ns */
		return 1;
	mmio_write32(hpet + 0x10, mmio_read32(hpet + 0x10) | 1);	/* ENABLE_CNF */

	/*
	 * Each PM timer read is bracketed by HPET reads, so a vCPU descheduled
	 * between two reads widens the bracket instead of skewing the result:
	 * the HPET ticks the PM timer's interval should take must lie within
	 * [lo, hi] (2% slack).
	 */
	ha = mmio_read32(hpet + 0xf0);
	t0 = inl(port) & 0xffffff;
	hb = mmio_read32(hpet + 0xf0);
	do {
		h1a = mmio_read32(hpet + 0xf0);
		t = inl(port);
		h1b = mmio_read32(hpet + 0xf0);
		if (t > max)
			max = t;
	} while (((t - t0) & 0xffffff) < PM_TICKS);
	printf("timers: pm timer advances, 24 bits: %s\n", max <= 0xffffff ? "yes" : "no");
	/* PM ticks to HPET ticks: dt / 3579545 Hz in fs, over the period. */
	want = (u64)((t - t0) & 0xffffff) * (1000000000000000ULL / period) / 3579545ULL;
	lo = (u32)(h1a - hb);
	hi = (u32)(h1b - ha);
	good = want * 100 >= lo * 98 && want * 100 <= hi * 102;
	printf("timers: hpet counter advances: %s, rate agrees with the pm timer: %s\n",
	       hi ? "yes" : "no", good ? "yes" : "no");
	if (!good)
		printf("timers: want %lu hpet ticks, saw %lu-%lu\n", want, lo, hi);
	return good ? 0 : 1;
}
