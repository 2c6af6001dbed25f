// SPDX-License-Identifier: GPL-2.0
/*
 * Time sources for test kernels: the HPET registers (hv/x86/hpet.c)
 * against a fake clock, the ACPI PM timer's value (acpi_pm.c) and its
 * port, and the port 0x92 fast reset.
 * Sources: IA-PC HPET specification 1.0a section 2.3; ACPI 6.4 4.8.3.3.
 */
#include <unistd.h>

#include "hv/kvm.h"
#include "hv/x86/acpi.h"
#include "hv/x86/hpet.h"
#include "hv/x86/layout.h"
#include "hv/x86/legacy.h"
#include "tests/tap.h"

static struct kvm kvm = {
	.vm_fd = -1,
	.end_lock = PTHREAD_MUTEX_INITIALIZER,
	.end_cond = PTHREAD_COND_INITIALIZER,
	.pause_lock = PTHREAD_MUTEX_INITIALIZER,
	.pause_cond = PTHREAD_COND_INITIALIZER,
};

static u64 rd(struct hpet_regs *h, u64 now, u64 off, u32 len)
{
	u64 v = 0;

	hpet_io(h, now, off, (u8 *)&v, len, false);
	return v;
}

static void wr(struct hpet_regs *h, u64 now, u64 off, u64 v, u32 len)
{
	hpet_io(h, now, off, (u8 *)&v, len, true);
}

static void test_hpet(void)
{
	struct hpet_regs h = { 0 };
	u64 cap = rd(&h, 0, HPET_GCAP_ID, 8);

	is_int(cap >> 32, 10000000, "GCAP_ID: period 10 ns in fs");
	is_int((cap >> 16) & 0xffff, 0x8086, "GCAP_ID: vendor");
	ok((cap & (1 << 13)) && !(cap & (1 << 15)) && ((cap >> 8) & 0x1f) == 2 && (cap & 0xff) == 1,
	   "GCAP_ID: 64-bit counter, no legacy route, three timers, revision 1");
	is_int(rd(&h, 0, HPET_GCAP_ID + 4, 4), 10000000, "GCAP_ID high dword by itself");
	is_int(rd(&h, 1000, HPET_MAIN_COUNTER, 8), 0, "counter halted while ENABLE_CNF is 0");
	wr(&h, 1000, HPET_MAIN_COUNTER, 500, 8);
	is_int(rd(&h, 5000, HPET_MAIN_COUNTER, 8), 500, "counter writable while halted");
	wr(&h, 10000, HPET_GEN_CONF, HPET_GEN_ENABLE, 8);
	is_int(rd(&h, 10000, HPET_GEN_CONF, 8), HPET_GEN_ENABLE, "GEN_CONF reads ENABLE_CNF");
	is_int(rd(&h, 20000, HPET_MAIN_COUNTER, 8), 500 + 1000, "10 us later: 1000 ticks more");
	wr(&h, 20000, HPET_MAIN_COUNTER, 0, 8);
	is_int(rd(&h, 20000, HPET_MAIN_COUNTER, 8), 1500, "counter not writable while running");
	is_int(rd(&h, 30000, HPET_MAIN_COUNTER, 4), 2500, "counter low dword");
	{
		u64 big = 3ULL * 3600 * 1000000000ULL * 24;	/* 3 days: no overflow */

		is_int(rd(&h, 10000 + big, HPET_MAIN_COUNTER, 8), 500 + big / 10,
		       "3 days of running: exact, no overflow");
		is_int(rd(&h, 10000 + big, HPET_MAIN_COUNTER + 4, 4), (500 + big / 10) >> 32,
		       "counter high dword");
	}
	wr(&h, 40000, HPET_GEN_CONF, 0, 8);
	is_int(rd(&h, 90000, HPET_MAIN_COUNTER, 8), 3500, "stopping keeps the count");

	ok((rd(&h, 0, HPET_T0_CONF, 8) & (HPET_TN_SIZE_CAP | HPET_TN_PER_INT_CAP)) ==
		   (HPET_TN_SIZE_CAP | HPET_TN_PER_INT_CAP) && (rd(&h, 0, HPET_T0_CONF, 8) >> 32) == 0,
	   "T0_CONF: 64-bit, periodic capable, no interrupt routes");
	wr(&h, 0, HPET_T0_CONF, HPET_TN_INT_ENB | HPET_TN_TYPE_PERIODIC | (1ULL << 14), 8);
	is_int(rd(&h, 0, HPET_T0_CONF, 8) & 0xffff,
	       HPET_TN_INT_ENB | HPET_TN_TYPE_PERIODIC | HPET_TN_SIZE_CAP | HPET_TN_PER_INT_CAP,
	       "T0_CONF: writable bits stick, FSB enable does not");
	wr(&h, 0, HPET_T0_COMPARATOR, 0x123456789aULL, 8);
	is_int(rd(&h, 0, HPET_T0_COMPARATOR, 8), 0x123456789aULL, "T0 comparator reads back");
	wr(&h, 0, HPET_T0_COMPARATOR + 4, 0x77, 4);
	is_int(rd(&h, 0, HPET_T0_COMPARATOR, 8), 0x773456789aULL,
	       "T0 comparator: a dword write to the high half");
	wr(&h, 0, HPET_T0_CONF, HPET_TN_32MODE, 8);
	is_int(rd(&h, 0, HPET_T0_COMPARATOR, 8), 0x3456789a, "32-bit mode: comparator reads 32 bits");
	wr(&h, 0, HPET_T0_COMPARATOR + 2 * HPET_TIMER_STRIDE, 0xabcdef, 8);
	ok(rd(&h, 0, HPET_T0_COMPARATOR + 2 * HPET_TIMER_STRIDE, 8) == 0xabcdef &&
	   rd(&h, 0, HPET_T0_COMPARATOR + HPET_TIMER_STRIDE, 8) == 0 &&
	   rd(&h, 0, HPET_T0_COMPARATOR, 8) == 0x3456789a, "timer 2's comparator is its own");
	ok((rd(&h, 0, HPET_T0_CONF + HPET_TIMER_STRIDE, 8) & HPET_TN_SIZE_CAP) &&
	   rd(&h, 0, HPET_T0_CONF + 3 * HPET_TIMER_STRIDE, 8) == 0,
	   "timers 1 and 2 exist, timer 3 does not");
	is_int(rd(&h, 0, 0x300, 8), 0, "a hole reads 0");
	is_int(rd(&h, 0, HPET_GCAP_ID + 2, 4), 0, "a misaligned access reads 0");
	wr(&h, 0, HPET_GCAP_ID, 0, 8);
	is_int(rd(&h, 0, HPET_GCAP_ID, 8), cap, "GCAP_ID is read-only");
}

static void test_pm_timer(void)
{
	u32 v0, v1;

	is_int(acpi_pm_tmr_value(0), 0, "PM timer at 0 ns");
	is_int(acpi_pm_tmr_value(1000000000ULL), 3579545 & 0xffffff, "one second: 3579545 ticks");
	is_int(acpi_pm_tmr_value(1000), 3, "1 us: 3 ticks");
	is_int(acpi_pm_tmr_value(4687500000ULL), (u32)(4687500000ULL * 3579545ULL / 1000000000ULL) & 0xffffff,
	       "the counter wraps at 24 bits");
	ok(acpi_pm_tmr_value(~0ULL) <= 0xffffff, "never more than 24 bits");

	bus_init(&kvm.pio, "pio");
	is_int(acpi_pm_init(&kvm), 0, "acpi_pm_init");
	bus_access(&kvm.pio, ACPI_PM_TMR_PORT, (u8 *)&v0, 4, false, NULL);
	usleep(2000);
	bus_access(&kvm.pio, ACPI_PM_TMR_PORT, (u8 *)&v1, 4, false, NULL);
	ok(v0 <= 0xffffff && v1 <= 0xffffff && ((v1 - v0) & 0xffffff) >= 7000,
	   "PM_TMR port: 24 bits, 2 ms apart at least 7000 ticks (%u -> %u)", v0, v1);
	acpi_pm_exit(&kvm);
}

static void test_port92(void)
{
	u8 v = 0;

	is_int(port92_init(&kvm), 0, "port92_init");
	bus_access(&kvm.pio, 0x92, &v, 1, false, NULL);
	is_int(v, 2, "port 0x92 reads A20 on");
	v = 2;
	bus_access(&kvm.pio, 0x92, &v, 1, true, NULL);
	is_int(kvm.end, VM_END_NONE, "writing bit 0 clear: no reset");
	v = 3;
	bus_access(&kvm.pio, 0x92, &v, 1, true, NULL);
	ok(kvm.end == VM_END_REBOOT && kvm.exit_status == EXIT_GUEST_OFF,
	   "bit 0 from 0 to 1: reboot, status 0, as 0xCF9");
}

int main(void)
{
	test_hpet();
	test_pm_timer();
	test_port92();
	return done_testing();
}
