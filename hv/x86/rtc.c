// SPDX-License-Identifier: GPL-2.0
/*
 * CMOS real-time clock. The time registers are computed from the host's
 * clock plus an offset on every read, so there is no update timer; the
 * offset changes when the guest sets the time. Source: Motorola MC146818A
 * data sheet (registers A-D, SET/UIP rules, BCD and 12-hour formats);
 * century byte at 0x32 as the ACPI FADT CENTURY field names it (ACPI 6.4
 * table 5.9).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "hv/kvm.h"
#include "hv/x86/legacy.h"
#include "util/log.h"

#define RTC_PORT	0x70
#define RTC_NR_PORTS	2
#define CMOS_SIZE	128

enum {
	REG_SEC = 0x00,
	REG_SEC_ALARM = 0x01,
	REG_MIN = 0x02,
	REG_MIN_ALARM = 0x03,
	REG_HOUR = 0x04,
	REG_HOUR_ALARM = 0x05,
	REG_WDAY = 0x06,
	REG_MDAY = 0x07,
	REG_MONTH = 0x08,
	REG_YEAR = 0x09,
	REG_A = 0x0a,
	REG_B = 0x0b,
	REG_C = 0x0c,
	REG_D = 0x0d,
	REG_CENTURY = 0x32,
};

#define A_UIP		0x80
#define A_DV_MASK	0x70
#define A_DV_NORMAL	0x20	/* 32.768 kHz time base, running */
#define A_RS_MASK	0x0f

#define B_SET		0x80
#define B_PIE		0x40
#define B_AIE		0x20
#define B_UIE		0x10
#define B_DM_BINARY	0x04
#define B_24H		0x02

#define C_IRQF		0x80
#define C_PF		0x40
#define C_AF		0x20
#define C_UF		0x10

#define D_VRT		0x80	/* battery good */

#define NS_PER_SEC	1000000000LL
/* UIP rises 244 us before an update, which then takes up to 1984 us. */
#define UIP_LEAD_NS	244000LL
#define UIP_UPDATE_NS	1984000LL

static struct {
	pthread_mutex_t lock;
	struct kvm *kvm;
	u8 index;
	u8 ram[CMOS_SIZE];	/* everything but the computed registers */
	s64 offset;		/* guest time - host time, seconds */
	bool frozen;		/* SET: the time stands in set_tm */
	struct tm set_tm;
	struct timespec last_c;	/* host time of the last register C read */
} rtc = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void (*clock_fn)(struct timespec *ts);

void rtc_set_clock(void (*now)(struct timespec *ts))
{
	clock_fn = now;
}

static void host_now(struct timespec *ts)
{
	if (clock_fn)
		clock_fn(ts);
	else
		clock_gettime(CLOCK_REALTIME, ts);
}

static bool binary_mode(void)
{
	return rtc.ram[REG_B] & B_DM_BINARY;
}

static u8 to_reg(unsigned int v)
{
	v %= 100;
	return binary_mode() ? v : ((v / 10) << 4) | (v % 10);
}

/* Hostile input: any byte decodes to 0..165 in BCD, 0..255 in binary. */
static int from_reg(u8 v)
{
	return binary_mode() ? v : (v >> 4) * 10 + (v & 0x0f);
}

static u8 hour_to_reg(int hour)
{
	int h12;

	if (rtc.ram[REG_B] & B_24H)
		return to_reg(hour);
	h12 = hour % 12 ? hour % 12 : 12;
	return to_reg(h12) | (hour >= 12 ? 0x80 : 0);
}

static int hour_from_reg(u8 v)
{
	int h;

	if (rtc.ram[REG_B] & B_24H)
		return from_reg(v);
	h = from_reg(v & 0x7f);
	if (h == 12)
		h = 0;
	return (v & 0x80) ? h + 12 : h;
}

/* The guest's current time, broken down (or the time being set). */
static void guest_tm(const struct timespec *now, struct tm *tm)
{
	time_t t;

	if (rtc.frozen) {
		*tm = rtc.set_tm;
		return;
	}
	t = now->tv_sec + rtc.offset;
	if (!gmtime_r(&t, tm))
		memset(tm, 0, sizeof(*tm));
}

/* Make @tm the guest's time from now on. */
static void set_guest_time(const struct timespec *now, struct tm *tm)
{
	struct tm copy = *tm;
	time_t t;

	errno = 0;
	t = timegm(&copy);
	if (t == (time_t)-1 && errno)
		return;		/* unrepresentable: keep the old time */
	rtc.offset = (s64)t - now->tv_sec;
}

static bool uip(const struct timespec *now)
{
	if (rtc.frozen || (rtc.ram[REG_A] & A_DV_MASK) != A_DV_NORMAL)
		return false;
	return now->tv_nsec >= NS_PER_SEC - UIP_LEAD_NS ||
	       now->tv_nsec < UIP_UPDATE_NS;
}

/* Periodic interrupt period in ns for rate select @rs, 0 if off. */
static s64 periodic_ns(unsigned int rs)
{
	if (!rs)
		return 0;
	if (rs <= 2)
		rs += 7;	/* rates 1 and 2 alias 8 and 9 at 32.768 kHz */
	return NS_PER_SEC * (1LL << (rs - 1)) / 32768;
}

static bool alarm_field_matches(u8 alarm, u8 now)
{
	return (alarm & 0xc0) == 0xc0 || alarm == now;	/* 11xxxxxx: don't care */
}

/* Register C: flags earned since the last read, then cleared. */
static u8 read_c(const struct timespec *now)
{
	s64 elapsed = (now->tv_sec - rtc.last_c.tv_sec) * NS_PER_SEC +
		      (now->tv_nsec - rtc.last_c.tv_nsec);
	s64 period = periodic_ns(rtc.ram[REG_A] & A_RS_MASK);
	u8 b = rtc.ram[REG_B], c = 0;
	struct tm tm;

	if (!rtc.frozen && now->tv_sec != rtc.last_c.tv_sec && elapsed > 0)
		c |= C_UF;
	if (period && elapsed >= period)
		c |= C_PF;
	guest_tm(now, &tm);
	if (!rtc.frozen && (c & C_UF) &&
	    alarm_field_matches(rtc.ram[REG_SEC_ALARM], to_reg(tm.tm_sec)) &&
	    alarm_field_matches(rtc.ram[REG_MIN_ALARM], to_reg(tm.tm_min)) &&
	    alarm_field_matches(rtc.ram[REG_HOUR_ALARM], hour_to_reg(tm.tm_hour)))
		c |= C_AF;
	if (((c & C_PF) && (b & B_PIE)) || ((c & C_AF) && (b & B_AIE)) ||
	    ((c & C_UF) && (b & B_UIE)))
		c |= C_IRQF;
	rtc.last_c = *now;
	return c;
}

static u8 time_reg(u8 reg, const struct timespec *now)
{
	struct tm tm;

	guest_tm(now, &tm);
	switch (reg) {
	case REG_SEC:
		return to_reg(tm.tm_sec);
	case REG_MIN:
		return to_reg(tm.tm_min);
	case REG_HOUR:
		return hour_to_reg(tm.tm_hour);
	case REG_WDAY:
		return to_reg(tm.tm_wday + 1);
	case REG_MDAY:
		return to_reg(tm.tm_mday);
	case REG_MONTH:
		return to_reg(tm.tm_mon + 1);
	case REG_YEAR:
		return to_reg((unsigned int)(tm.tm_year + 1900) % 100);
	default:	/* REG_CENTURY */
		return to_reg((unsigned int)(tm.tm_year + 1900) / 100);
	}
}

static u8 cmos_read(u8 reg)
{
	struct timespec now;

	host_now(&now);
	switch (reg) {
	case REG_SEC:
	case REG_MIN:
	case REG_HOUR:
	case REG_WDAY:
	case REG_MDAY:
	case REG_MONTH:
	case REG_YEAR:
	case REG_CENTURY:
		return time_reg(reg, &now);
	case REG_A:
		return (rtc.ram[REG_A] & ~A_UIP) | (uip(&now) ? A_UIP : 0);
	case REG_C:
		return read_c(&now);
	case REG_D:
		return D_VRT;
	default:
		return rtc.ram[reg & (CMOS_SIZE - 1)];
	}
}

static void write_b(const struct timespec *now, u8 val)
{
	bool was_set = rtc.ram[REG_B] & B_SET;

	if (val & B_SET)
		val &= ~B_UIE;	/* SET clears UIE (data sheet, register B) */
	if ((val & B_SET) && !was_set) {
		guest_tm(now, &rtc.set_tm);
		rtc.frozen = true;
	}
	rtc.ram[REG_B] = val;
	if (!(val & B_SET) && was_set) {
		rtc.frozen = false;
		set_guest_time(now, &rtc.set_tm);
	}
}

static void cmos_write(u8 reg, u8 val)
{
	struct timespec now;
	struct tm tm;
	int year;

	host_now(&now);
	switch (reg) {
	case REG_SEC:
	case REG_MIN:
	case REG_HOUR:
	case REG_MDAY:
	case REG_MONTH:
	case REG_YEAR:
	case REG_CENTURY:
		break;
	case REG_WDAY:
		return;		/* derived from the date here */
	case REG_A:
		rtc.ram[REG_A] = val & ~A_UIP;
		return;
	case REG_B:
		write_b(&now, val);
		return;
	case REG_C:
	case REG_D:
		return;		/* read-only */
	default:
		rtc.ram[reg & (CMOS_SIZE - 1)] = val;
		return;
	}

	/* A time field: change it in the running (or frozen) time. */
	guest_tm(&now, &tm);
	year = tm.tm_year + 1900;
	switch (reg) {
	case REG_SEC:
		tm.tm_sec = from_reg(val);
		break;
	case REG_MIN:
		tm.tm_min = from_reg(val);
		break;
	case REG_HOUR:
		tm.tm_hour = hour_from_reg(val);
		break;
	case REG_MDAY:
		tm.tm_mday = from_reg(val);
		break;
	case REG_MONTH:
		tm.tm_mon = from_reg(val) - 1;
		break;
	case REG_YEAR:
		tm.tm_year = (year / 100) * 100 + from_reg(val) - 1900;
		break;
	case REG_CENTURY:
		tm.tm_year = from_reg(val) * 100 + year % 100 - 1900;
		break;
	}
	if (rtc.frozen) {
		/* Kept as written; normalised when SET is released. */
		rtc.set_tm = tm;
		return;
	}
	set_guest_time(&now, &tm);
}

static void rtc_access(void *opaque, u64 offset, u8 *data, u32 len,
		       bool is_write, struct vcpu *vcpu)
{
	pthread_mutex_lock(&rtc.lock);
	/* outw 0x70 sets the index and writes the data in one go. */
	for (u32 i = 0; i < len; i++) {
		u64 port = offset + i;

		if (port == 0) {
			if (is_write)
				rtc.index = data[i] & 0x7f;	/* bit 7: NMI mask */
			else
				data[i] = 0xff;			/* write-only */
		} else if (port == 1) {
			if (is_write)
				cmos_write(rtc.index, data[i]);
			else
				data[i] = cmos_read(rtc.index);
		} else if (!is_write) {
			data[i] = 0xff;
		}
	}
	pthread_mutex_unlock(&rtc.lock);
}

int rtc_init(struct kvm *kvm)
{
	pthread_mutex_lock(&rtc.lock);
	rtc.kvm = kvm;
	rtc.index = 0;
	memset(rtc.ram, 0, sizeof(rtc.ram));
	rtc.ram[REG_A] = A_DV_NORMAL | 0x06;	/* 1024 Hz periodic rate */
	rtc.ram[REG_B] = B_24H;			/* BCD, 24-hour, as a BIOS leaves it */
	rtc.offset = 0;
	rtc.frozen = false;
	host_now(&rtc.last_c);
	pthread_mutex_unlock(&rtc.lock);
	return bus_register(&kvm->pio, RTC_PORT, RTC_NR_PORTS, "rtc",
			    rtc_access, NULL);
}
