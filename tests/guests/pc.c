// SPDX-License-Identifier: GPL-2.0
/*
 * pc: the legacy PC devices a test kernel written for QEMU's pc machine
 * expects, probed the way such kernels do, with output that does not
 * depend on the VMM's device IDs or on the time of day:
 *  - PCI configuration mechanism #1 (PCI Local Bus spec 3.0 section
 *    3.2.2.3.2): CONFIG_ADDRESS reads back, 00:00.0 is a host bridge
 *    (class 06/00), a missing function reads all ones;
 *  - CMOS RTC (MC146818A data sheet): 24-hour mode, valid time fields;
 *  - PIT channel 2 (Intel 8254 data sheet), gated by port 0x61 bit 0: the
 *    latched count goes down.
 * Each check prints one line; the exit code counts the failed ones.
 */
#include "runtime/rt.h"

#define PCI_CONFIG_ADDRESS	0xcf8
#define PCI_CONFIG_DATA		0xcfc

static u32 pci_read32(int bus, int dev, int fn, int reg)
{
	outl(PCI_CONFIG_ADDRESS, 0x80000000u | (u32)bus << 16 | (u32)dev << 11 |
				 (u32)fn << 8 | (u32)(reg & 0xfc));
	return inl(PCI_CONFIG_DATA);
}

static int check(int good, const char *what)
{
	printf("%s: %s\n", what, good ? "ok" : "FAILED");
	return !good;
}

static u8 cmos_read(u8 reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static int bcd_ok(u8 v, u8 max)
{
	return (v & 0xf) <= 9 && (v >> 4) <= 9 && ((v >> 4) * 10 + (v & 0xf)) <= max;
}

static int check_rtc(void)
{
	u8 b, sec, min, hour;
	int n = 0;

	/* Wait out an update in progress (register A bit 7), bounded. */
	while ((cmos_read(0x0a) & 0x80) && n++ < 1000)
		cpu_relax();
	b = cmos_read(0x0b);
	sec = cmos_read(0x00);
	min = cmos_read(0x02);
	hour = cmos_read(0x04);
	if (b & 0x04)	/* binary mode */
		return check(sec < 60 && min < 60 && hour < 24 && (b & 0x02),
			     "rtc: 24-hour mode, time fields valid");
	return check(bcd_ok(sec, 59) && bcd_ok(min, 59) && bcd_ok(hour, 23) && (b & 0x02),
		     "rtc: 24-hour mode, time fields valid");
}

static u16 pit2_latch(void)
{
	u8 lo, hi;

	outb(0x43, 0x80);	/* counter latch command, channel 2 */
	lo = inb(0x42);
	hi = inb(0x42);
	return (u16)(hi << 8 | lo);
}

static int check_pit(void)
{
	u16 a, b;
	int n = 0;

	outb(0x61, (inb(0x61) & ~0x02) | 0x01);	/* gate on, speaker off */
	outb(0x43, 0xb0);	/* channel 2, lobyte/hibyte, mode 0 */
	outb(0x42, 0xff);
	outb(0x42, 0xff);
	a = pit2_latch();
	do {
		b = pit2_latch();
	} while (b == a && n++ < 1000);
	return check(b < a, "pit: channel 2 counts down");
}

int main(struct mb_info *mbi)
{
	u32 id, class;
	int failed = 0;

	(void)mbi;
	outl(PCI_CONFIG_ADDRESS, 0x80000000u);
	failed += check(inl(PCI_CONFIG_ADDRESS) == 0x80000000u,
			"pci: CONFIG_ADDRESS reads back");
	id = pci_read32(0, 0, 0, 0);
	class = pci_read32(0, 0, 0, 8) >> 8;
	failed += check((id & 0xffff) != 0xffff && (class >> 8) == 0x0600,
			"pci: 00:00.0 is a host bridge");
	failed += check(pci_read32(0, 31, 7, 0) == 0xffffffffu,
			"pci: a missing function reads all ones");
	failed += check_rtc();
	failed += check_pit();
	return failed;
}
