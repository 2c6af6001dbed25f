// SPDX-License-Identifier: GPL-2.0
/*
 * disk/cow.c: block mapping of the copy-on-write overlay against a small
 * base file: reads from the base until a block is written, partial-block
 * writes copy the rest of the block up, whole-block writes, runs that
 * cross mapped and unmapped blocks, write-zeroes, a short last block,
 * persistence and reuse of a named overlay, and refusal of another base.
 * The base is never modified. Files live in a temporary directory.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "disk/cow.h"
#include "disk/disk.h"
#include "tests/tap.h"
#include "util/log.h"

#define SIZE	(16 * COW_BLOCK_SIZE + 1024)	/* a short last block */

static char dir[] = "/tmp/lkvm-test-cow.XXXXXX";
static char base_path[256], ovl_path[256];
static u8 ref[SIZE];

static u8 base_byte(u64 o) { return (u8)(o * 7 + (o >> 12)); }

static int rd(struct cow *c, void *buf, u64 len, u64 off)
{
	struct iovec v = { buf, len };

	return cow_read(c, &v, 1, off);
}

static int wr(struct cow *c, const void *buf, u64 len, u64 off)
{
	struct iovec v = { (void *)buf, len };

	return cow_write(c, &v, 1, off);
}

/* Does the whole disk read back as @ref? */
static int matches(struct cow *c)
{
	static u8 got[SIZE];

	return rd(c, got, SIZE, 0) == 0 && !memcmp(got, ref, SIZE);
}

static int base_untouched(void)
{
	static u8 got[SIZE];
	FILE *f = fopen(base_path, "rb");
	int ok = f && fread(got, 1, SIZE, f) == SIZE;

	if (f)
		fclose(f);
	for (u64 o = 0; ok && o < SIZE; o++)
		ok = got[o] == base_byte(o);
	return ok;
}

int main(void)
{
	static u8 buf[3 * COW_BLOCK_SIZE];
	struct cow *c;
	int fd;

	log_level = LOG_ERROR;
	if (!mkdtemp(dir))
		return 1;
	snprintf(base_path, sizeof(base_path), "%s/base", dir);
	snprintf(ovl_path, sizeof(ovl_path), "%s/ovl", dir);
	for (u64 o = 0; o < SIZE; o++)
		ref[o] = base_byte(o);
	fd = open(base_path, O_RDWR | O_CREAT, 0644);
	if (fd < 0 || write(fd, ref, SIZE) != SIZE)
		return 1;
	close(fd);
	fd = open(base_path, O_RDONLY);

	c = cow_open(fd, base_path, SIZE, NULL);
	ok(c != NULL, "anonymous overlay opens");
	ok(matches(c) && cow_blocks_mapped(c) == 0, "fresh overlay: every block reads from the base");

	/* 100 bytes in the middle of block 1: copy-up of the rest */
	memset(buf, 0xaa, 100);
	memset(ref + COW_BLOCK_SIZE + 50, 0xaa, 100);
	ok(wr(c, buf, 100, COW_BLOCK_SIZE + 50) == 0, "partial-block write");
	ok(cow_block_mapped(c, 1) && !cow_block_mapped(c, 0) && !cow_block_mapped(c, 2) &&
	   cow_blocks_mapped(c) == 1, "partial write maps exactly its block");
	ok(matches(c), "partial write: the rest of the block copied up from the base");

	/* blocks 3..5 whole, from a 3-entry iovec split at odd places */
	for (int i = 0; i < 3 * COW_BLOCK_SIZE; i++)
		buf[i] = (u8)(i ^ 0x33);
	memcpy(ref + 3 * COW_BLOCK_SIZE, buf, 3 * COW_BLOCK_SIZE);
	{
		struct iovec v[3] = { { buf, 1000 }, { buf + 1000, 9000 },
				      { buf + 10000, 3 * COW_BLOCK_SIZE - 10000 } };

		ok(cow_write(c, v, 3, 3 * COW_BLOCK_SIZE) == 0, "whole-block write from 3 iovecs");
	}
	ok(cow_block_mapped(c, 3) && cow_block_mapped(c, 4) && cow_block_mapped(c, 5) &&
	   cow_blocks_mapped(c) == 4, "whole-block write maps blocks 3-5");
	ok(matches(c), "reads mix overlay and base blocks");

	/* unaligned write across blocks 6 (tail), 7 (whole), 8 (head) */
	memset(buf, 0x11, 2 * COW_BLOCK_SIZE);
	memset(ref + 7 * COW_BLOCK_SIZE - 512, 0x11, 2 * COW_BLOCK_SIZE);
	ok(wr(c, buf, 2 * COW_BLOCK_SIZE, 7 * COW_BLOCK_SIZE - 512) == 0, "write across three blocks");
	ok(cow_block_mapped(c, 6) && cow_block_mapped(c, 7) && cow_block_mapped(c, 8) &&
	   cow_blocks_mapped(c) == 7 && matches(c), "head, whole and tail blocks mapped and right");

	/* a read inside one run */
	ok(rd(c, buf, 512, 4 * COW_BLOCK_SIZE + 512) == 0 &&
	   !memcmp(buf, ref + 4 * COW_BLOCK_SIZE + 512, 512), "read inside a mapped block");

	/* write zeroes: whole blocks and a partial one */
	memset(ref + 10 * COW_BLOCK_SIZE, 0, 2 * COW_BLOCK_SIZE + 100);
	ok(cow_write_zeroes(c, 10 * COW_BLOCK_SIZE, 2 * COW_BLOCK_SIZE + 100) == 0 && matches(c) &&
	   cow_block_mapped(c, 12), "write zeroes reads back as zeroes, over the base");

	/* the short last block */
	memset(buf, 0x77, 1024);
	memset(ref + 16 * COW_BLOCK_SIZE, 0x77, 1024);
	ok(wr(c, buf, 1024, 16 * COW_BLOCK_SIZE) == 0 && matches(c) && cow_block_mapped(c, 16),
	   "the disk's short last block");
	ok(wr(c, buf, 1024, SIZE - 512) < 0 && rd(c, buf, 1024, SIZE - 512) < 0,
	   "I/O past the end refused");
	ok(cow_flush(c) == 0, "flush");
	cow_close(c);
	ok(base_untouched(), "the base file is unchanged");

	/* named overlay: persists, reused with the same base */
	for (u64 o = 0; o < SIZE; o++)
		ref[o] = base_byte(o);
	c = cow_open(fd, base_path, SIZE, ovl_path);
	ok(c != NULL, "named overlay created");
	memset(buf, 0x42, 512);
	memset(ref + 5 * COW_BLOCK_SIZE, 0x42, 512);
	ok(c && wr(c, buf, 512, 5 * COW_BLOCK_SIZE) == 0, "write through it");
	cow_close(c);
	c = cow_open(fd, base_path, SIZE, ovl_path);
	ok(c && cow_blocks_mapped(c) == 1 && cow_block_mapped(c, 5) && matches(c),
	   "reopened: the bitmap and the block are back");
	cow_close(c);

	/* another base (a changed mtime) is refused */
	{
		struct timeval tv[2] = { { 1000000000, 0 }, { 1000000000, 0 } };

		utimes(base_path, tv);
	}
	c = cow_open(fd, base_path, SIZE, ovl_path);
	ok(c == NULL, "an overlay of another base is refused");
	c = cow_open(fd, base_path, SIZE, base_path);
	ok(c == NULL, "the base as its own overlay is refused");
	ok(base_untouched(), "the base file is still unchanged");

	close(fd);
	unlink(base_path);
	unlink(ovl_path);
	rmdir(dir);
	return done_testing();
}
