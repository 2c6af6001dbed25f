// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk: drive the block device (virtio 1.2 section 5.2) through the
 * runtime's polling driver, over PCI or lkvm's MMIO window. Set-up runs
 * at CPL0; every request is issued at CPL3 (run_user) because guest CPL0
 * code is emulated on PVM hosts.
 *
 * The host prepares the image: byte at offset o is ((o >> 9) * 31 + o) & 0xff.
 * Checks, one line each: capacity, GET_ID (the serial), reading sectors 0-7
 * and checking the pattern, writing sectors 8-15 (byte i of the write is
 * 0x5a ^ i) and reading them back, FLUSH, a read past the end refused with
 * IOERR; on a read-only disk (VIRTIO_BLK_F_RO) the write is refused.
 * Options on the command line:
 *   hang=1     after "flushed", spin at CPL3 for ever (the host kills lkvm)
 *   hostile=1  then send a 8-byte header: the device must need a reset
 *   bench=r4k|w4k|seq1m n=N  only N requests of that kind (bench/blk)
 */
#include "runtime/virtio.h"

#define F_RO		5
#define F_FLUSH		9
#define T_IN		0
#define T_OUT		1
#define T_FLUSH		4
#define T_GET_ID	8
#define SPINS		4000000000ULL
#define BIG		(1024 * 1024)

struct req_hdr {
	u32 type, reserved;
	u64 sector;
};

static u8 qpage[4096] __attribute__((aligned(4096)));
static u8 data[BIG] __attribute__((aligned(4096)));
static struct req_hdr hdr __attribute__((aligned(16)));
static volatile u8 status;
static struct vio_dev dev;
static struct vio_queue q;
static u64 capacity, features;
static char mode[16];

/* One request: header, optional data (@dir_in: device-writable), status.
 * Returns the status byte, or -1 if it never completed. */
static int request(u32 type, u64 sector, u32 len, int dir_in, u32 hdr_len)
{
	u32 id, used_len;
	int d = 0;

	hdr.type = type;
	hdr.reserved = 0;
	hdr.sector = sector;
	status = 0xff;
	q.desc[d] = (struct vio_desc){ (u64)&hdr, hdr_len, VIO_DESC_F_NEXT, d + 1 };
	d++;
	if (len) {
		q.desc[d] = (struct vio_desc){ (u64)data, len,
			VIO_DESC_F_NEXT | (dir_in ? VIO_DESC_F_WRITE : 0), d + 1 };
		d++;
	}
	q.desc[d] = (struct vio_desc){ (u64)&status, 1, VIO_DESC_F_WRITE, 0 };
	vio_publish(&q, 0);
	vio_kick(&dev, &q);
	if (vio_wait_used(&q, hdr_len < 16 ? 20000000ULL : SPINS, &id, &used_len) < 0)
		return -1;
	return status;
}

static u8 pattern(u64 off) { return (u8)((off >> 9) * 31 + off); }

static long bench(long n)
{
	u64 x = 88172645463325252ULL, span = capacity > 2048 ? capacity - 2048 : 1;
	long bad = 0;

	for (long i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (mode[0] == 'r')
			bad += request(T_IN, (x % span) & ~7ULL, 4096, 1, 16) != 0;
		else if (mode[0] == 'w')
			bad += request(T_OUT, (x % span) & ~7ULL, 4096, 0, 16) != 0;
		else
			bad += request(T_IN, (i * 2048) % span, BIG, 1, 16) != 0;
	}
	return bad;
}

static long checks(long hang)
{
	int r;

	printf("virtio-blk: capacity %lu sectors\n", (unsigned long)capacity);
	memset(data, 0, 64);
	r = request(T_GET_ID, 0, 20, 1, 16);
	data[20] = 0;
	printf("virtio-blk: get_id status %d serial '%s'\n", r, (char *)data);

	r = request(T_IN, 0, 4096, 1, 16);
	for (u32 i = 0; i < 4096 && r == 0; i++)
		if (data[i] != pattern(i))
			r = 100;
	printf("virtio-blk: read sectors 0-7: %s\n", r == 0 ? "ok" : "FAILED");

	for (u32 i = 0; i < 4096; i++)
		data[i] = 0x5a ^ (u8)i;
	r = request(T_OUT, 8, 4096, 0, 16);
	if (features & (1ULL << F_RO)) {
		printf("virtio-blk: read-only: write %s\n", r == 1 ? "refused with IOERR" : "NOT REFUSED");
	} else {
		memset(data, 0, 4096);
		if (r == 0)
			r = request(T_IN, 8, 4096, 1, 16);
		for (u32 i = 0; i < 4096 && r == 0; i++)
			if (data[i] != (0x5a ^ (u8)i))
				r = 100;
		printf("virtio-blk: wrote sectors 8-15 and read them back: %s\n", r == 0 ? "ok" : "FAILED");
		r = request(T_FLUSH, 0, 0, 0, 16);
		if (r == 0)
			printf("virtio-blk: flushed\n");
		else
			printf("virtio-blk: flush status %d\n", r);
		while (hang)
			asm volatile("pause");
	}
	r = request(T_IN, capacity - 1, 1024, 1, 16);
	printf("virtio-blk: read past the end: %s\n", r == 1 ? "IOERR" : "NOT REFUSED");
	return 0;
}

/* A header of 8 bytes: the device cannot answer it (5.2.6.1) and must
 * fault instead; the request never completes. */
static long hostile(long unused)
{
	(void)unused;
	return request(T_IN, 0, 512, 1, 8);
}

int main(struct mb_info *mbi)
{
	u64 want = (1ULL << VIO_F_VERSION_1) | (1ULL << F_RO) | (1ULL << F_FLUSH);
	long n = (long)cmdline_num("n", 100);

	(void)mbi;
	if (vio_find(&dev, 2) < 0) {
		printf("virtio-blk: no device\n");
		return 1;
	}
	printf("virtio-blk: found on %s\n", vio_transport(&dev));
	features = vio_negotiate(&dev, want);
	if (features == ~0ULL || !(features & (1ULL << VIO_F_VERSION_1))) {
		printf("virtio-blk: feature negotiation failed\n");
		return 2;
	}
	if (vio_queue_setup(&dev, &q, 0, 8, qpage) < 0) {
		printf("virtio-blk: no queue 0\n");
		return 3;
	}
	vio_driver_ok(&dev);
	capacity = vio_cfg_read32(&dev, 0) | (u64)vio_cfg_read32(&dev, 4) << 32;
	if (cmdline_value("bench", mode, sizeof(mode))) {
		long bad = run_user(bench, n);

		printf("virtio-blk: bench %s: %ld requests at CPL3, %ld failed\n", mode, n, bad);
		return bad ? 6 : 0;
	}
	run_user(checks, (long)cmdline_num("hang", 0));
	if (cmdline_num("hostile", 0)) {
		run_user(hostile, 0);
		printf("virtio-blk: 8-byte header: status %#x%s\n", vio_status(&dev),
		       vio_status(&dev) & VIO_NEEDS_RESET ? " (needs reset)" : "");
	}
	return 0;
}
