// SPDX-License-Identifier: GPL-2.0
/*
 * CMOS RTC against a fake clock (BCD/binary, 12/24-hour, UIP, register C,
 * setting the time) and against the host's; then the other legacy.h
 * devices: the i8042 probe replies and reset line, and port 0x80.
 */
#include <time.h>

#include "hv/kvm.h"
#include "hv/x86/legacy.h"
#include "tests/tap.h"

static struct kvm kvm = {
	.vm_fd = -1,
	.end_lock = PTHREAD_MUTEX_INITIALIZER,
	.end_cond = PTHREAD_COND_INITIALIZER,
};

static struct timespec fake_now;

static void fake_clock(struct timespec *ts)
{
	*ts = fake_now;
}

static void outb(u16 port, u8 val)
{
	bus_access(&kvm.pio, port, &val, 1, true, NULL);
}

static u8 inb(u16 port)
{
	u8 val = 0;

	bus_access(&kvm.pio, port, &val, 1, false, NULL);
	return val;
}

static u8 cmos(u8 reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static void cmos_set(u8 reg, u8 val)
{
	outb(0x70, reg);
	outb(0x71, val);
}

static void test_formats(void)
{
	/* 2024-02-29 13:45:30.5 UTC, a Thursday. */
	fake_now.tv_sec = 1709214330;
	fake_now.tv_nsec = 500000000;

	is_int(cmos(0x0b), 0x02, "register B: BCD, 24-hour");
	is_int(cmos(0x00), 0x30, "BCD seconds");
	is_int(cmos(0x02), 0x45, "BCD minutes");
	is_int(cmos(0x04), 0x13, "BCD hours, 24-hour");
	is_int(cmos(0x06), 5, "day of week (Sunday = 1)");
	is_int(cmos(0x07), 0x29, "BCD day of month");
	is_int(cmos(0x08), 0x02, "BCD month");
	is_int(cmos(0x09), 0x24, "BCD year");
	is_int(cmos(0x32), 0x20, "BCD century at 0x32");
	is_int(cmos(0x0d), 0x80, "register D: VRT");

	cmos_set(0x0b, 0x06);
	is_int(cmos(0x00), 30, "binary seconds");
	is_int(cmos(0x04), 13, "binary hours");
	is_int(cmos(0x09), 24, "binary year");
	cmos_set(0x0b, 0x04);
	is_int(cmos(0x04), 0x81, "binary 12-hour: 1 PM");
	cmos_set(0x0b, 0x00);
	is_int(cmos(0x04), 0x81, "BCD 12-hour: 1 PM");
	fake_now.tv_sec -= 13 * 3600 + 45 * 60;	/* 00:00:30 */
	is_int(cmos(0x04), 0x12, "BCD 12-hour: midnight is 12 AM");
	fake_now.tv_sec += 13 * 3600 + 45 * 60;
	cmos_set(0x0b, 0x02);
}

static void test_uip(void)
{
	fake_now.tv_nsec = 500000000;
	is_int(cmos(0x0a), 0x26, "register A mid-second: UIP clear");
	fake_now.tv_nsec = 999900000;
	is_int(cmos(0x0a), 0xa6, "UIP set just before the update");
	fake_now.tv_nsec = 1000000;
	is_int(cmos(0x0a), 0xa6, "UIP set during the update");
	fake_now.tv_nsec = 3000000;
	is_int(cmos(0x0a), 0x26, "UIP clear after it");
	cmos_set(0x0a, 0xff);
	is_int(cmos(0x0a) & 0x7f, 0x7f, "register A bits 0-6 writable");
	cmos_set(0x0a, 0x26);
}

static void test_reg_c(void)
{
	fake_now.tv_nsec = 500000000;
	cmos(0x0c);
	is_int(cmos(0x0c), 0, "register C cleared by reading it");
	fake_now.tv_sec += 1;
	cmos_set(0x0b, 0x12);			/* UIE */
	is_int(cmos(0x0c) & 0xb0, 0x90, "update flag after a second, IRQF with UIE");
	is_int(cmos(0x0c), 0, "register C cleared again");
	fake_now.tv_nsec += 2000000;
	cmos_set(0x0b, 0x42);			/* PIE, 1024 Hz */
	is_int(cmos(0x0c), 0xc0, "periodic flag after 2 ms, IRQF with PIE");
	cmos_set(0x0b, 0x02);
}

static void test_set_time(void)
{
	fake_now.tv_nsec = 500000000;
	cmos_set(0x0b, 0x82);			/* SET */
	cmos_set(0x09, 0x01);
	cmos_set(0x08, 0x02);
	cmos_set(0x07, 0x03);
	cmos_set(0x04, 0x04);
	cmos_set(0x02, 0x05);
	cmos_set(0x00, 0x06);
	fake_now.tv_sec += 5;
	is_int(cmos(0x00), 0x06, "SET: the clock stands still");
	is_int(cmos(0x0a) & 0x80, 0, "SET: no UIP");
	cmos_set(0x0b, 0x02);
	is_int(cmos(0x09), 0x01, "set year sticks");
	is_int(cmos(0x08), 0x02, "set month sticks");
	is_int(cmos(0x07), 0x03, "set day sticks");
	is_int(cmos(0x04), 0x04, "set hour sticks");
	is_int(cmos(0x06), 7, "day of week follows the date (2001-02-03: Saturday)");
	fake_now.tv_sec += 10;
	is_int(cmos(0x00), 0x16, "and the clock runs on from it");

	cmos_set(0x0b, 0x06);			/* binary, no SET */
	cmos_set(0x02, 59);
	is_int(cmos(0x02), 59, "binary minute write without SET");
	is_int(cmos(0x04), 4, "hour unchanged");
	cmos_set(0x0b, 0x02);

	/* Hostile values: never crash, the clock keeps running. */
	cmos_set(0x0b, 0x86);
	cmos_set(0x08, 0xff);
	cmos_set(0x32, 0xff);
	cmos_set(0x0b, 0x06);
	ok(1, "garbage time survived");
	cmos_set(0x0b, 0x02);
}

static void test_ram(void)
{
	cmos_set(0x40, 0x5a);
	is_int(cmos(0x40), 0x5a, "CMOS RAM keeps a byte");
	outb(0x70, 0xc0);			/* NMI mask bit + index 0x40 */
	is_int(inb(0x71), 0x5a, "index bit 7 (NMI mask) ignored");
	{
		u16 w = 0x41 | (0x77 << 8);

		bus_access(&kvm.pio, 0x70, (u8 *)&w, 2, true, NULL);
		is_int(cmos(0x41), 0x77, "outw 0x70: index and data at once");
	}
	is_int(inb(0x70), 0xff, "index port reads 0xff");
}

static void test_host_time(void)
{
	time_t t;
	struct tm tm;
	int guest_s, host_s, diff;
	u8 h, m, s;

	rtc_set_clock(NULL);
	cmos_set(0x0b, 0x86);			/* SET, then back: offset from the fake */
	cmos_set(0x0b, 0x06);
	bus_exit(&kvm.pio);
	bus_init(&kvm.pio, "pio");
	rtc_init(&kvm);
	do {
		s = cmos(0x00);
		m = cmos(0x02);
		h = cmos(0x04);
	} while (s != cmos(0x00));
	t = time(NULL);
	gmtime_r(&t, &tm);
	guest_s = ((h >> 4) * 10 + (h & 15)) * 3600 + ((m >> 4) * 10 + (m & 15)) * 60 +
		  (s >> 4) * 10 + (s & 15);
	host_s = tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
	diff = (host_s - guest_s + 86400) % 86400;
	ok(diff <= 2 || diff >= 86398, "RTC within 2 s of the host's UTC time");
	if (diff > 2 && diff < 86398)
		diag("guest %d s, host %d s", guest_s, host_s);
}

static void test_i8042(void)
{
	ok(i8042_init(&kvm) == 0, "i8042 registered");
	is_int(inb(0x64) & 0x01, 0, "i8042: output buffer empty");
	outb(0x64, 0xaa);
	is_int(inb(0x64) & 0x01, 1, "self-test reply waiting");
	is_int(inb(0x60), 0x55, "self-test passed");
	outb(0x64, 0x20);
	is_int(inb(0x60), 0x65, "command byte as a BIOS leaves it");
	outb(0x64, 0x60);
	outb(0x60, 0x47);
	outb(0x64, 0x20);
	is_int(inb(0x60), 0x47, "command byte written");
	outb(0x64, 0xa9);
	is_int(inb(0x60), 0x00, "mouse interface test");
	outb(0x64, 0xab);
	is_int(inb(0x60), 0x00, "keyboard interface test");
	outb(0x64, 0xd3);
	outb(0x60, 0x5a);
	is_int(inb(0x64) & 0x21, 0x21, "mouse loop: byte flagged as mouse data");
	is_int(inb(0x60), 0x5a, "mouse loop returns the byte");
	outb(0x60, 0xf2);
	is_int(inb(0x60), 0xfa, "keyboard identify: ACK");
	is_int(inb(0x60), 0xab, "keyboard ID byte 1");
	is_int(inb(0x60), 0x41, "keyboard ID byte 2 (translated)");
	outb(0x60, 0xed);
	outb(0x60, 0x07);
	is_int(inb(0x60), 0xfa, "set LEDs: ACK");
	is_int(inb(0x60), 0xfa, "LED value: ACK");
	outb(0x64, 0xd4);
	outb(0x60, 0xf2);
	is_int(inb(0x60), 0xfe, "no mouse: commands to it are refused");
	outb(0x64, 0xd0);
	is_int(inb(0x60) & 0x03, 0x03, "output port: reset line high, A20 on");
	is_int(kvm.end, VM_END_NONE, "no reset yet");
	outb(0x64, 0xfe);
	is_int(kvm.end, VM_END_REBOOT, "command 0xFE reboots");
	is_int(kvm.exit_status, EXIT_GUEST_OFF, "with the guest-off status");

	ok(port80_init(&kvm) == 0, "port 0x80 registered");
	outb(0x80, 0x12);
	is_int(inb(0x80), 0xff, "port 0x80 reads 0xff");
}

int main(void)
{
	bus_init(&kvm.pio, "pio");
	rtc_set_clock(fake_clock);
	fake_now.tv_sec = 1709214330;
	if (!ok(rtc_init(&kvm) == 0, "RTC registered"))
		return done_testing();
	test_formats();
	test_uip();
	test_reg_c();
	test_set_time();
	test_ram();
	test_host_time();
	test_i8042();
	return done_testing();
}
