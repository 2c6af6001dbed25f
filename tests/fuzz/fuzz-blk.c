// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk request parsing (virtio/blk.c blk_parse): the header, data
 * and status parts of a chain split in every way a driver can, for every
 * request type, against a disk of any capacity, read-only or not. Source:
 * virtio 1.2 section 5.2.6.
 *
 * Input: u8 readable parts (0-8), u8 writable parts (0-8), u8 read-only,
 * u64 capacity in sectors, u16 length of each part (1 to 4096: virtq_pop
 * never yields an empty one), then the parts' bytes
 * (zeros past the end). Each part is its own allocation, so any access
 * beyond a part is caught. Checked: the status byte is the last writable
 * byte, the data iovecs lie inside the parts and add up to data_len, and
 * a disk offset + length never passes the capacity when the result is OK.
 */
#include <stdlib.h>

#include "tests/fuzz/fuzz.h"
#include "virtio/blk.h"

#define MAX_PARTS	8

static struct virtq_elem *elem;
static volatile u8 sink;	/* data bytes read, so that reads are not optimised out */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_level = LOG_ERROR;
	elem = calloc(1, sizeof(*elem) + 2 * MAX_PARTS * sizeof(struct iovec));
	elem->cap = 2 * MAX_PARTS;
	return 0;
}

/* Is [@b, @b + @l) inside one of the chain's parts? */
static bool in_parts(const u8 *b, size_t l)
{
	for (int i = 0; i < elem->nr_out + elem->nr_in; i++) {
		const u8 *s = elem->iov[i].iov_base;

		if (b >= s && l <= elem->iov[i].iov_len && b - s <= (ptrdiff_t)(elem->iov[i].iov_len - l))
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz f = { data, size };
	struct blk_parsed p;
	char why[160];
	u8 nout = fz_u8(&f) % (MAX_PARTS + 1), nin = fz_u8(&f) % (MAX_PARTS + 1);
	bool ro = fz_u8(&f) & 1;
	u64 cap = fz_u64(&f), sum = 0;
	u16 len[2 * MAX_PARTS];

	elem->nr_out = nout;
	elem->nr_in = nin;
	elem->out_len = elem->in_len = 0;
	elem->head = 0;
	for (int i = 0; i < nout + nin; i++)
		len[i] = 1 + fz_u16(&f) % 4096;	/* virtq_pop drops empty parts */
	for (int i = 0; i < nout + nin; i++) {
		size_t got;
		const u8 *src = fz_take(&f, len[i], &got);
		u8 *b = malloc(len[i]);

		memset(b, 0, len[i]);
		memcpy(b, src, got);
		elem->iov[i].iov_base = b;
		elem->iov[i].iov_len = len[i];
		*(i < nout ? &elem->out_len : &elem->in_len) += len[i];
	}
	if (blk_parse(elem, cap, ro, &p, why, sizeof(why)) == 0) {
		const struct iovec *last = &elem->iov[nout + nin - 1];

		if (!nin || p.status != (u8 *)last->iov_base + last->iov_len - 1)
			abort();
		*p.status = p.result;
		if (p.nr_data < 0 || p.nr_data > VIRTIO_BLK_DATA_IOV)
			abort();
		for (int i = 0; i < p.nr_data; i++) {
			if (p.data[i].iov_len && !in_parts(p.data[i].iov_base, p.data[i].iov_len))
				abort();
			for (size_t k = 0; k < p.data[i].iov_len; k += 512)
				sink ^= ((u8 *)p.data[i].iov_base)[k];
			sum += p.data[i].iov_len;
		}
		if (sum != p.data_len)
			abort();
		if (p.result == VIRTIO_BLK_S_OK && cap <= UINT64_MAX / 512 &&
		    (p.type == VIRTIO_BLK_T_IN || p.type == VIRTIO_BLK_T_OUT) &&
		    (p.offset > cap * 512 || p.len > cap * 512 - p.offset))
			abort();
	}
	for (int i = 0; i < nout + nin; i++)
		free(elem->iov[i].iov_base);
	return 0;
}
