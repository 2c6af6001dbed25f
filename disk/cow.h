/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copy-on-write overlay over a read-only base image. The overlay is a
 * sparse file: a 4 KiB header, a bitmap with one bit per 4 KiB block of
 * the base (set: the block lives in the overlay), then the blocks at
 * their own offsets from a 1 MiB aligned data area. Reads take each block
 * from the overlay where it was written, else from the base; a write to
 * part of an unmapped block first copies the rest of it from the base.
 *
 * The header records the base's identity (size, mtime, inode) so that a
 * named overlay is reused only with the base it was made from. lkvm's
 * own format (no external specification); all fields little endian.
 *
 * Crash safety: the bitmap is written only by cow_flush() and
 * cow_close(), after the blocks it maps were synced, so a bit on disk
 * never points at a block that is not.
 */
#ifndef LKVM_DISK_COW_H
#define LKVM_DISK_COW_H

#include <sys/uio.h>

#include "util/util.h"

#define COW_BLOCK_SIZE	4096
#define COW_MAGIC	"LKVMCOW1"

struct cow;

/*
 * cow_open - an overlay for the base open as @base_fd (@base_path names
 * it in errors) of @size bytes. @overlay: a file to create or reuse, or
 * NULL for an anonymous temporary file dropped at close. A reused
 * overlay must carry this base's identity. The named overlay is locked
 * (OFD write lock). Returns the overlay, or NULL with one error logged.
 */
struct cow *cow_open(int base_fd, const char *base_path, u64 size, const char *overlay);

/* cow_read / cow_write - @iov (@cnt entries) at byte @off of the disk;
 * the range must lie within the disk. Return 0 or a negative errno. */
int cow_read(struct cow *c, const struct iovec *iov, int cnt, u64 off);
int cow_write(struct cow *c, const struct iovec *iov, int cnt, u64 off);

/* cow_write_zeroes - @len bytes of zeroes at @off (through the overlay). */
int cow_write_zeroes(struct cow *c, u64 off, u64 len);

/* cow_flush - sync the overlay's blocks, then its bitmap. 0 or -errno. */
int cow_flush(struct cow *c);

/* cow_close - flush, release the lock, free @c. */
void cow_close(struct cow *c);

/* cow_block_mapped - is block @block (COW_BLOCK_SIZE bytes) in the overlay? */
bool cow_block_mapped(struct cow *c, u64 block);

/* cow_blocks_mapped - how many blocks the overlay holds. */
u64 cow_blocks_mapped(struct cow *c);

#endif
