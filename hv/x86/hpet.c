// SPDX-License-Identifier: GPL-2.0
/*
 * HPET event timer block: capabilities, configuration, interrupt status,
 * main counter and each timer's configuration and comparator. The counter is
 * computed from the host's monotonic clock when read, so it costs nothing
 * while the guest does not look at it.
 * Source: IA-PC HPET specification 1.0a, section 2.3.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hv/kvm.h"
#include "hv/x86/hpet.h"
#include "hv/x86/layout.h"

#define HPET_VENDOR_ID		0x8086ULL
#define HPET_COUNT_SIZE_CAP	(1ULL << 13)	/* 64-bit main counter */
#define HPET_REV_ID		1ULL
/* Timer 0 bits a guest may set; the rest are capabilities or unsupported. */
#define HPET_T0_RW		(HPET_TN_INT_TYPE | HPET_TN_INT_ENB | HPET_TN_TYPE_PERIODIC | \
				 HPET_TN_32MODE)

u64 hpet_gcap_id(void)
{
	/* NUM_TIM_CAP (bits 12:8) is the last timer's number. */
	return (HPET_PERIOD_FS << 32) | (HPET_VENDOR_ID << 16) | HPET_COUNT_SIZE_CAP |
	       ((u64)(HPET_NR_TIMERS - 1) << 8) | HPET_REV_ID;
}

static u64 hpet_counter(const struct hpet_regs *h, u64 now_ns)
{
	if (!(h->conf & HPET_GEN_ENABLE))
		return h->counter_base;
	/* ns to ticks: ns * 10^6 fs/ns / period, in 128 bits (no overflow). */
	return h->counter_base +
	       (u64)((unsigned __int128)(now_ns - h->base_ns) * 1000000ULL / HPET_PERIOD_FS);
}

/* Timer number of a timer register at @reg, or -1; its offset in @off. */
static int hpet_timer(u64 reg, u64 *off)
{
	u64 n;

	if (reg < HPET_T0_CONF)
		return -1;
	n = (reg - HPET_T0_CONF) / HPET_TIMER_STRIDE;
	if (n >= HPET_NR_TIMERS)
		return -1;
	*off = HPET_T0_CONF + (reg - HPET_T0_CONF) % HPET_TIMER_STRIDE;
	return (int)n;
}

/* The 64-bit register at @reg (8-aligned), or 0 for a hole. */
static u64 hpet_read64(const struct hpet_regs *h, u64 now_ns, u64 reg)
{
	u64 off;
	int t = hpet_timer(reg, &off);

	if (t >= 0) {
		if (off == HPET_T0_CONF)
			/* Route capability (bits 63:32) empty: no interrupt delivery. */
			return h->t_conf[t] | HPET_TN_PER_INT_CAP | HPET_TN_SIZE_CAP;
		if (off == HPET_T0_COMPARATOR)
			return (h->t_conf[t] & HPET_TN_32MODE) ? (u32)h->t_cmp[t] : h->t_cmp[t];
		return 0;
	}
	switch (reg) {
	case HPET_GCAP_ID: return hpet_gcap_id();
	case HPET_GEN_CONF: return h->conf;
	case HPET_GINTR_STA: return 0;
	case HPET_MAIN_COUNTER: return hpet_counter(h, now_ns);
	default: return 0;
	}
}

static void hpet_write64(struct hpet_regs *h, u64 now_ns, u64 reg, u64 v)
{
	u64 off;
	int t = hpet_timer(reg, &off);

	if (t >= 0) {
		if (off == HPET_T0_CONF)
			h->t_conf[t] = v & HPET_T0_RW;
		else if (off == HPET_T0_COMPARATOR)
			h->t_cmp[t] = (h->t_conf[t] & HPET_TN_32MODE) ? (u32)v : v;
		return;
	}
	switch (reg) {
	case HPET_GEN_CONF: {
		u64 counter = hpet_counter(h, now_ns);

		/* Starting or stopping keeps the count where it is. */
		h->counter_base = counter;
		h->base_ns = now_ns;
		h->conf = v & (HPET_GEN_ENABLE | HPET_GEN_LEG_RT);
		break;
	}
	case HPET_MAIN_COUNTER:
		/* Writable only while halted (HPET spec 1.0a section 2.3.7). */
		if (!(h->conf & HPET_GEN_ENABLE))
			h->counter_base = v;
		break;
	default:	/* read-only, write-1-to-clear with nothing set, or holes */
		break;
	}
}

void hpet_io(struct hpet_regs *h, u64 now_ns, u64 offset, u8 *data, u32 len,
	     bool is_write)
{
	u64 reg = offset & ~7ULL, shift = (offset & 7) * 8, v, mask;

	if ((len != 4 && len != 8) || (offset & (len - 1)) || offset + len > HPET_SIZE) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	mask = len == 8 ? ~0ULL : 0xffffffffULL << shift;
	v = hpet_read64(h, now_ns, reg);
	if (!is_write) {
		v >>= shift;
		for (u32 i = 0; i < len; i++)
			data[i] = (u8)(v >> (8 * i));
		return;
	}
	{
		u64 w = 0;

		for (u32 i = 0; i < len; i++)
			w |= (u64)data[i] << (8 * i);
		v = (v & ~mask) | ((w << shift) & mask);
	}
	hpet_write64(h, now_ns, reg, v);
}

/* The device: registers under a lock, vCPUs race on them. */
struct hpet {
	pthread_mutex_t lock;
	struct hpet_regs regs;
};

static void hpet_access(void *opaque, u64 offset, u8 *data, u32 len, bool is_write,
			struct vcpu *vcpu)
{
	struct hpet *h = opaque;

	pthread_mutex_lock(&h->lock);
	hpet_io(&h->regs, now_ns(), offset, data, len, is_write);
	pthread_mutex_unlock(&h->lock);
}

int hpet_init(struct kvm *kvm)
{
	struct hpet *h = xzalloc(sizeof(*h));

	pthread_mutex_init(&h->lock, NULL);
	if (bus_register(&kvm->mmio, HPET_GPA, HPET_SIZE, "hpet", hpet_access, h) < 0) {
		pthread_mutex_destroy(&h->lock);
		free(h);
		return -1;
	}
	return 0;
}
