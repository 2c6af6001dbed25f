// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-hostile: hand the entropy device (virtio 1.2 section 5.4) one
 * malformed buffer chain at a time and check that it stops with
 * DEVICE_NEEDS_RESET (status bit 64, section 2.1.2) and a configuration
 * change interrupt, that the guest keeps running, and that after a reset
 * the device works again. Each case breaks one rule of section 2.7:
 *   outside-ram     a buffer beyond guest RAM (2.7.5)
 *   wrap            addr + len wraps around 2^64
 *   loop            a chain that loops (longer than the queue, 2.7.5.2)
 *   head-index      an available ring entry past the queue size (2.7.6)
 *   next-index      a next field past the queue size
 *   order           a device-readable descriptor after a writable one (2.7.4.2)
 *   nested-indirect an indirect table with an indirect entry (2.7.5.3.1)
 *   indirect-size   an indirect table whose length is not a multiple of 16
 *   avail-jump      the available index moved more than the queue size
 *   no-writable     an entropy request without a writable buffer (5.4.6.1):
 *                   a device rule, not a ring rule ("lkvm=1" runs it)
 *   bad-ring        a queue whose used ring is outside RAM ("lkvm=1")
 * Prints one line per case; the exit code counts the failures.
 */
#include "runtime/virtio.h"

#define SPINS		200000ULL
#define FAR_AWAY	0x7f00000000ULL	/* no RAM and no MMIO up there */

static u8 qpage[4096] __attribute__((aligned(4096)));
static u8 buf[64] __attribute__((aligned(64)));
static struct vio_desc ind[2] __attribute__((aligned(16)));
static struct vio_dev dev;
static struct vio_queue q;

static void desc(int i, u64 addr, u32 len, u16 flags, u16 next)
{
	q.desc[i] = (struct vio_desc){ addr, len, flags, next };
}

static void c_outside(void) { desc(0, FAR_AWAY, 16, VIO_DESC_F_WRITE, 0); vio_publish(&q, 0); }
static void c_wrap(void) { desc(0, 0xfffffffffffff000ULL, 0x2000, VIO_DESC_F_WRITE, 0); vio_publish(&q, 0); }
static void c_head(void) { desc(0, (u64)buf, 16, VIO_DESC_F_WRITE, 0); vio_publish(&q, 200); }
static void c_next(void) { desc(0, (u64)buf, 16, VIO_DESC_F_WRITE | VIO_DESC_F_NEXT, 9); vio_publish(&q, 0); }
static void c_nowrite(void) { desc(0, (u64)buf, 16, 0, 0); vio_publish(&q, 0); }
static void c_isize(void) { desc(0, (u64)ind, 17, VIO_DESC_F_INDIRECT, 0); vio_publish(&q, 0); }

static void c_loop(void)
{
	desc(0, (u64)buf, 16, VIO_DESC_F_WRITE | VIO_DESC_F_NEXT, 1);
	desc(1, (u64)buf + 16, 16, VIO_DESC_F_WRITE | VIO_DESC_F_NEXT, 0);
	vio_publish(&q, 0);
}

static void c_order(void)
{
	desc(0, (u64)buf, 16, VIO_DESC_F_WRITE | VIO_DESC_F_NEXT, 1);
	desc(1, (u64)buf + 16, 16, 0, 0);
	vio_publish(&q, 0);
}

static void c_nested(void)
{
	ind[0] = (struct vio_desc){ (u64)ind, sizeof(ind), VIO_DESC_F_INDIRECT, 0 };
	ind[1] = (struct vio_desc){ (u64)buf, 16, VIO_DESC_F_WRITE, 0 };
	desc(0, (u64)ind, sizeof(ind), VIO_DESC_F_INDIRECT, 0);
	vio_publish(&q, 0);
}

static void c_jump(void)
{
	desc(0, (u64)buf, 16, VIO_DESC_F_WRITE, 0);
	q.avail[2] = 0;
	q.next_avail += 100;
	q.avail[1] = q.next_avail;
}

static const struct hcase {
	const char *name;
	void (*inject)(void);
	int lkvm_only;
} cases[] = {
	{ "outside-ram", c_outside, 0 },
	{ "wrap", c_wrap, 0 },
	{ "loop", c_loop, 0 },
	{ "head-index", c_head, 0 },
	{ "next-index", c_next, 0 },
	{ "order", c_order, 0 },
	{ "nested-indirect", c_nested, 0 },
	{ "indirect-size", c_isize, 0 },
	{ "avail-jump", c_jump, 0 },
	{ "no-writable", c_nowrite, 1 },
};

/* Negotiate VERSION_1 and INDIRECT_DESC, set queue 0 up, DRIVER_OK. */
static int bring_up(void)
{
	u64 want = 1ULL << VIO_F_VERSION_1 | 1ULL << VIO_F_INDIRECT_DESC;

	if (vio_negotiate(&dev, want) != want || vio_queue_setup(&dev, &q, 0, 8, qpage) < 0)
		return -1;
	vio_driver_ok(&dev);
	return 0;
}

static int wait_needs_reset(void)
{
	for (u64 i = 0; i < SPINS; i++)
		if (vio_status(&dev) & VIO_NEEDS_RESET)
			return 0;
	return -1;
}

static int run_case(const struct hcase *c)
{
	if (bring_up() < 0) {
		printf("hostile %s: device did not come up\n", c->name);
		return 1;
	}
	vio_isr(&dev);		/* start from a clear interrupt status */
	c->inject();
	vio_kick(&dev, &q);
	if (wait_needs_reset() < 0) {
		printf("hostile %s: NOT detected (status %#x)\n", c->name, vio_status(&dev));
		return 1;
	}
	printf("hostile %s: needs reset, config interrupt %s\n", c->name,
	       (vio_isr(&dev) & 2) ? "yes" : "no");
	return 0;
}

/* The used ring goes far beyond RAM: lkvm refuses the queue at enable. */
static int bad_ring(void)
{
	u64 want = 1ULL << VIO_F_VERSION_1;

	if (vio_negotiate(&dev, want) != want || vio_queue_setup(&dev, &q, 0, 8, qpage) < 0)
		return 1;
	vio_reset(&dev);
	vio_negotiate(&dev, want);
	if (dev.is_mmio) {
		*(volatile u32 *)(dev.base + 0x030) = 0;
		*(volatile u32 *)(dev.base + 0x0a0) = (u32)FAR_AWAY;
		*(volatile u32 *)(dev.base + 0x0a4) = (u32)(FAR_AWAY >> 32);
		*(volatile u32 *)(dev.base + 0x044) = 1;
	} else {
		*(volatile u16 *)(dev.common + 0x16) = 0;
		*(volatile u32 *)(dev.common + 0x30) = (u32)FAR_AWAY;
		*(volatile u32 *)(dev.common + 0x34) = (u32)(FAR_AWAY >> 32);
		*(volatile u16 *)(dev.common + 0x1c) = 1;
	}
	if (wait_needs_reset() < 0) {
		printf("hostile bad-ring: NOT detected (status %#x)\n", vio_status(&dev));
		return 1;
	}
	printf("hostile bad-ring: needs reset\n");
	return 0;
}

int main(struct mb_info *mbi)
{
	int lkvm = cmdline_num("lkvm", 0) != 0, failed = 0;
	u32 id, len;

	(void)mbi;
	if (vio_find(&dev, 4) < 0) {
		printf("hostile: no virtio-rng device\n");
		return 1;
	}
	printf("hostile: virtio-rng on %s\n", vio_transport(&dev));
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (lkvm || !cases[i].lkvm_only)
			failed += run_case(&cases[i]);
	if (lkvm)
		failed += bad_ring();

	/* After a reset the device serves requests again. */
	if (bring_up() < 0) {
		printf("hostile: device did not come back\n");
		return failed + 1;
	}
	desc(0, (u64)buf, sizeof(buf), VIO_DESC_F_WRITE, 0);
	vio_publish(&q, 0);
	vio_kick(&dev, &q);
	if (vio_wait_used(&q, 2000000, &id, &len) < 0 || len != sizeof(buf)) {
		printf("hostile: no answer after reset\n");
		return failed + 1;
	}
	printf("hostile: device works after reset\n");
	vio_reset(&dev);
	return failed;
}
