// SPDX-License-Identifier: GPL-2.0
/*
 * virtio/blk.c's request parser (blk_parse) against chains in a fake
 * guest memory (a malloc'd buffer): every request type, headers split
 * across descriptors, the status byte in the last writable byte, and the
 * hostile cases of virtio 1.2 section 5.2.6: no writable status byte and
 * short headers (device faults), ranges past the capacity and sector
 * overflow, partial sectors, writes to read-only disks, unknown types and
 * segment flags (answered with IOERR / UNSUPP).
 */
#include <stdlib.h>
#include <string.h>

#include "tests/tap.h"
#include "virtio/blk.h"

#define CAP	2048	/* sectors */

static u8 *ram;
static struct virtq_elem *elem;
static struct blk_parsed p;
static char why[160];

/* Build a chain: @nout readable parts then @nin writable parts, each
 * given as (offset in ram, length) pairs. */
static void chain(int nout, int nin, const u64 *parts)
{
	elem->nr_out = nout;
	elem->nr_in = nin;
	elem->out_len = elem->in_len = 0;
	elem->head = 3;
	for (int i = 0; i < nout + nin; i++) {
		elem->iov[i].iov_base = ram + parts[2 * i];
		elem->iov[i].iov_len = parts[2 * i + 1];
		if (i < nout)
			elem->out_len += parts[2 * i + 1];
		else
			elem->in_len += parts[2 * i + 1];
	}
}

static void header(u64 at, u32 type, u64 sector)
{
	memcpy(ram + at, &type, 4);
	memset(ram + at + 4, 0, 4);
	memcpy(ram + at + 8, &sector, 8);
}

static void segment(u64 at, u64 sector, u32 num, u32 flags)
{
	memcpy(ram + at, &sector, 8);
	memcpy(ram + at + 8, &num, 4);
	memcpy(ram + at + 12, &flags, 4);
}

static int parse(bool ro) { return blk_parse(elem, CAP, ro, &p, why, sizeof(why)); }

int main(void)
{
	ram = calloc(1, 1 << 20);
	elem = calloc(1, sizeof(*elem) + 8 * sizeof(struct iovec));
	elem->cap = 8;

	/* IN: header, 2 data buffers, status */
	header(0, VIRTIO_BLK_T_IN, 10);
	chain(1, 3, (u64[]){ 0, 16, 0x1000, 1024, 0x2000, 512, 0x3000, 1 });
	ok(parse(false) == 0 && p.result == VIRTIO_BLK_S_OK && p.type == VIRTIO_BLK_T_IN &&
	   p.offset == 10 * 512 && p.len == 1536 && p.data_len == 1536 && p.nr_data == 2 &&
	   p.status == ram + 0x3000, "IN: range, data buffers, status byte");

	/* IN with the status byte sharing the last data buffer */
	chain(1, 2, (u64[]){ 0, 16, 0x1000, 512, 0x2000, 513 });
	ok(parse(false) == 0 && p.result == VIRTIO_BLK_S_OK && p.len == 1024 && p.nr_data == 2 &&
	   p.data[1].iov_len == 512 && p.status == ram + 0x2000 + 512,
	   "IN: the status is the last writable byte, even inside a data buffer");

	/* OUT: header split over two descriptors, data after it in the same one */
	header(0x100, VIRTIO_BLK_T_OUT, CAP - 2);
	chain(2, 1, (u64[]){ 0x100, 10, 0x10a, 6 + 1024, 0x3000, 1 });
	ok(parse(false) == 0 && p.result == VIRTIO_BLK_S_OK && p.type == VIRTIO_BLK_T_OUT &&
	   p.offset == (CAP - 2) * 512ULL && p.len == 1024 && p.nr_data == 1 &&
	   p.data[0].iov_base == ram + 0x110, "OUT: split header, data up to the last sector");
	ok(parse(true) == 0 && p.result == VIRTIO_BLK_S_IOERR, "OUT to a read-only disk: IOERR");

	/* ranges */
	header(0x100, VIRTIO_BLK_T_OUT, CAP - 1);
	ok(parse(false) == 0 && p.result == VIRTIO_BLK_S_IOERR, "OUT past the end: IOERR");
	header(0, VIRTIO_BLK_T_IN, ~0ULL);
	chain(1, 2, (u64[]){ 0, 16, 0x1000, 512, 0x3000, 1 });
	ok(parse(false) == 0 && p.result == VIRTIO_BLK_S_IOERR, "sector 2^64-1: IOERR (no overflow)");
	header(0, VIRTIO_BLK_T_IN, ~0ULL / 512 + 1);
	ok(parse(false) == 0 && p.result == VIRTIO_BLK_S_IOERR, "sector * 512 overflowing: IOERR");
	header(0, VIRTIO_BLK_T_IN, CAP);
	chain(1, 1, (u64[]){ 0, 16, 0x3000, 1 });
	ok(parse(false) == 0 && p.result == VIRTIO_BLK_S_OK && p.len == 0,
	   "a zero-length read at the capacity is fine");
	header(0, VIRTIO_BLK_T_IN, 0);
	chain(1, 2, (u64[]){ 0, 16, 0x1000, 100, 0x3000, 1 });
	ok(parse(false) == 0 && p.result == VIRTIO_BLK_S_IOERR, "a partial sector: IOERR");

	/* faults: the device cannot answer */
	header(0, VIRTIO_BLK_T_IN, 0);
	chain(2, 0, (u64[]){ 0, 16, 0x1000, 512 });
	ok(parse(false) < 0 && strstr(why, "no device-writable status byte"), "no writable part: fault");
	chain(1, 2, (u64[]){ 0, 8, 0x1000, 512, 0x3000, 1 });
	ok(parse(false) < 0 && strstr(why, "header of 8 bytes"), "an 8-byte header: fault");
	chain(0, 1, (u64[]){ 0x3000, 1 });
	ok(parse(false) < 0, "no header at all: fault");

	/* FLUSH, GET_ID, unknown */
	header(0, VIRTIO_BLK_T_FLUSH, 12345678);
	chain(1, 1, (u64[]){ 0, 16, 0x3000, 1 });
	ok(parse(false) == 0 && p.result == VIRTIO_BLK_S_OK && p.type == VIRTIO_BLK_T_FLUSH,
	   "FLUSH ignores the sector");
	ok(parse(true) == 0 && p.result == VIRTIO_BLK_S_OK, "FLUSH on a read-only disk is fine");
	header(0, VIRTIO_BLK_T_GET_ID, 0);
	chain(1, 2, (u64[]){ 0, 16, 0x1000, 20, 0x3000, 1 });
	ok(parse(false) == 0 && p.result == VIRTIO_BLK_S_OK && p.data_len == 20, "GET_ID: 20 bytes");
	header(0, 10, 0);
	ok(parse(false) == 0 && p.result == VIRTIO_BLK_S_UNSUPP, "GET_LIFETIME: UNSUPP");
	header(0, 0x7fffffff, 0);
	ok(parse(false) == 0 && p.result == VIRTIO_BLK_S_UNSUPP, "an unknown type: UNSUPP");

	/* DISCARD / WRITE_ZEROES */
	header(0, VIRTIO_BLK_T_DISCARD, 0);
	segment(16, 8, 16, 0);
	chain(1, 1, (u64[]){ 0, 32, 0x3000, 1 });
	ok(parse(false) == 0 && p.result == VIRTIO_BLK_S_OK && p.offset == 4096 && p.len == 8192,
	   "DISCARD: one segment");
	header(0, VIRTIO_BLK_T_WRITE_ZEROES, 0);
	segment(16, 0, 8, VIRTIO_BLK_WZ_F_UNMAP);
	ok(parse(false) == 0 && p.result == VIRTIO_BLK_S_OK && p.unmap && p.len == 4096,
	   "WRITE_ZEROES with unmap");
	ok(parse(true) == 0 && p.result == VIRTIO_BLK_S_IOERR, "WRITE_ZEROES on a read-only disk: IOERR");
	segment(16, 0, 8, 2);
	ok(parse(false) == 0 && p.result == VIRTIO_BLK_S_UNSUPP, "an unknown segment flag: UNSUPP");
	segment(16, CAP - 4, 8, 0);
	ok(parse(false) == 0 && p.result == VIRTIO_BLK_S_IOERR, "a segment past the end: IOERR");
	segment(16, ~0ULL - 2, 8, 0);
	ok(parse(false) == 0 && p.result == VIRTIO_BLK_S_IOERR, "a segment wrapping around: IOERR");
	segment(16, 0, VIRTIO_BLK_MAX_DISCARD + 1, 0);
	ok(parse(false) == 0 && p.result == VIRTIO_BLK_S_IOERR, "a segment over max_discard_sectors: IOERR");
	chain(1, 1, (u64[]){ 0, 48, 0x3000, 1 });
	ok(parse(false) == 0 && p.result == VIRTIO_BLK_S_IOERR, "two segments (max_discard_seg 1): IOERR");
	chain(1, 1, (u64[]){ 0, 24, 0x3000, 1 });
	ok(parse(false) == 0 && p.result == VIRTIO_BLK_S_IOERR, "half a segment: IOERR");

	/* iovec slicing */
	{
		struct iovec src[3] = { { ram, 10 }, { ram + 100, 20 }, { ram + 200, 30 } }, dst[3];

		ok(disk_iov_slice(src, 3, 5, 30, dst, 3) == 3 && dst[0].iov_base == ram + 5 &&
		   dst[0].iov_len == 5 && dst[1].iov_len == 20 && dst[2].iov_len == 5,
		   "disk_iov_slice across three entries");
		ok(disk_iov_slice(src, 3, 0, 61, dst, 3) < 0, "disk_iov_slice past the end fails");
		ok(disk_iov_slice(src, 3, 0, 60, dst, 2) < 0, "disk_iov_slice with too few slots fails");
	}
	free(elem);
	free(ram);
	return done_testing();
}
