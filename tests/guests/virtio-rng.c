// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-rng: drive the entropy device (virtio 1.2 section 5.4) through
 * the runtime's polling driver: find it (PCI or lkvm's MMIO window),
 * negotiate VERSION_1 (plus INDIRECT_DESC and EVENT_IDX: "indirect=1",
 * "event_idx=1"), read 64 bytes and check they are neither all zero nor
 * one repeated byte; then "n=N" more requests (default 16) at CPL3, so
 * the notify writes and used-ring polls run natively as MMIO from user
 * mode. With "indirect=1" the first request goes through an indirect
 * table of two 32-byte buffers (2.7.5.3).
 */
#include "runtime/virtio.h"

#define REQ		64
#define CPL0_SPINS	2000000ULL
#define CPL3_SPINS	4000000000ULL

static u8 qpage[4096] __attribute__((aligned(4096)));
static u8 buf[REQ] __attribute__((aligned(64)));
static struct vio_desc itable[2] __attribute__((aligned(16)));
static struct vio_dev dev;
static struct vio_queue q;

/* Not all zero and not one byte repeated: 64 random bytes fail this with
 * probability 2^-504. */
static int looks_random(const u8 *p, int n)
{
	for (int i = 1; i < n; i++)
		if (p[i] != p[0])
			return 1;
	return 0;
}

static int request(u64 spins, int indirect)
{
	u32 id, len;

	memset(buf, 0, sizeof(buf));
	if (indirect) {
		itable[0] = (struct vio_desc){ (u64)buf, REQ / 2, VIO_DESC_F_WRITE | VIO_DESC_F_NEXT, 1 };
		itable[1] = (struct vio_desc){ (u64)buf + REQ / 2, REQ / 2, VIO_DESC_F_WRITE, 0 };
		q.desc[0] = (struct vio_desc){ (u64)itable, sizeof(itable), VIO_DESC_F_INDIRECT, 0 };
	} else {
		q.desc[0] = (struct vio_desc){ (u64)buf, REQ, VIO_DESC_F_WRITE, 0 };
	}
	vio_publish(&q, 0);
	vio_kick(&dev, &q);
	if (vio_wait_used(&q, spins, &id, &len) < 0)
		return -1;
	if (id != 0 || len != REQ)
		return -2;
	return looks_random(buf, REQ) ? 0 : -3;
}

/* At CPL3: @n requests; returns how many came back random. */
static long user_requests(long n)
{
	long good = 0;

	for (long i = 0; i < n; i++)
		if (request(CPL3_SPINS, 0) == 0)
			good++;
	return good;
}

int main(struct mb_info *mbi)
{
	u64 want = 1ULL << VIO_F_VERSION_1, got;
	int indirect = cmdline_num("indirect", 0) != 0, r;
	long n = (long)cmdline_num("n", 16), good;

	(void)mbi;
	if (indirect)
		want |= 1ULL << VIO_F_INDIRECT_DESC;
	if (cmdline_num("event_idx", 0))
		want |= 1ULL << VIO_F_EVENT_IDX;
	if (vio_find(&dev, 4) < 0) {
		printf("virtio-rng: no device\n");
		return 1;
	}
	printf("virtio-rng: found on %s\n", vio_transport(&dev));
	got = vio_negotiate(&dev, want);
	if (got != want) {
		printf("virtio-rng: feature negotiation failed\n");
		return 2;
	}
	if (vio_queue_setup(&dev, &q, 0, 8, qpage) < 0) {
		printf("virtio-rng: no queue 0\n");
		return 3;
	}
	vio_driver_ok(&dev);
	printf("virtio-rng: status %#x\n", vio_status(&dev));
	r = request(CPL0_SPINS, indirect);
	if (r < 0) {
		printf("virtio-rng: request failed (%d)\n", r);
		return 4;
	}
	printf("virtio-rng: %d random bytes%s\n", REQ, indirect ? " through an indirect table" : "");
	good = run_user(user_requests, n);
	printf("virtio-rng: %ld of %ld requests at CPL3 random\n", good, n);
	return good == n ? 0 : 5;
}
