/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host-side decompression of a kernel payload (the compressed vmlinux inside
 * a bzImage), so that lkvm can skip the guest's own decompressor, which is
 * very slow on hosts that emulate ring-0 code.
 *
 * Formats are those a Linux build can produce (CONFIG_KERNEL_*). The build
 * appends a 4-byte little-endian uncompressed size after the stream and the
 * stream may be followed by padding: every decoder stops at the end of its
 * stream and ignores what follows. Input is untrusted.
 *
 * Sources: RFC 1952 (gzip), the .xz file format 1.0.4 and liblzma's
 * lzma_alone format, the lz4 Frame format 1.6 (and its "legacy frame"
 * section), RFC 8878 (zstd), and the bzip2 1.0 format as libbz2 reads it.
 */
#ifndef LKVM_DECOMPRESS_H
#define LKVM_DECOMPRESS_H

#include <stddef.h>

#include "util/util.h"

enum compression {
	COMP_NONE,	/* no known magic (an ELF image is passed through as is) */
	COMP_GZIP,	/* RFC 1952: 1f 8b */
	COMP_BZIP2,	/* "BZh" */
	COMP_LZMA,	/* lzma_alone (.lzma): 5d 00 00 */
	COMP_XZ,	/* xz file format 1.0.4 section 2.1.1: fd 37 7a 58 5a 00 */
	COMP_LZ4,	/* lz4 legacy frame 02 21 4c 18, or lz4 frame 04 22 4d 18 */
	COMP_ZSTD,	/* RFC 8878 section 3.1.1: 28 b5 2f fd */
	COMP_LZO,	/* lzop: 89 4c 5a 4f; recognised only to name it in errors */
};

/* compression_detect - the format of @buf (@len bytes) by its magic bytes.
 * Returns COMP_NONE when no magic matches; never fails. */
enum compression compression_detect(const u8 *buf, size_t len);

/* compression_name - a short lower-case name ("gzip", "xz", ...) for
 * messages; "none" for COMP_NONE. Never NULL. */
const char *compression_name(enum compression c);

/*
 * decompress - decompress @in (@len bytes, format detected by magic) into a
 * new malloc'd buffer.
 * @max_out: output cap in bytes; a stream that would decompress beyond it is
 *           refused (decompression bomb), not truncated.
 * @out, @out_len: out, the buffer (free() it) and its length in bytes.
 * @err, @errlen: out, a one-line reason naming the format on failure
 *           (e.g. "xz payload is corrupt: compressed data is corrupt").
 * An uncompressed ELF image (COMP_NONE with an ELF magic) is copied.
 * Returns 0, or -1 with @err set and *@out NULL.
 */
int decompress(const u8 *in, size_t len, size_t max_out, u8 **out, size_t *out_len,
	       char *err, size_t errlen);

/* What the caller of decompress_into() wants to hear while it runs. */
struct decompress_ops {
	/*
	 * progress - called after each piece of output with all of it so far
	 * (@out, @len bytes) and the room there is (@cap bytes). Returns 0 to
	 * go on, 1 when the caller has all it needs (decoding stops there and
	 * succeeds), or -1 with @err set to fail. May be NULL.
	 */
	int (*progress)(void *arg, const u8 *out, size_t len, size_t cap, char *err, size_t errlen);
	/*
	 * consumed - @in (@n bytes) has been read and will not be read again,
	 * e.g. to drop the pages of a mapped file. May be NULL.
	 */
	void (*consumed)(void *arg, const u8 *in, size_t n);
	void *arg;
};

/*
 * decompress_into - decompress @in (@len bytes, format detected by magic)
 * into the caller's @region (@size bytes, e.g. free guest RAM), with no
 * output buffer of its own: output fills the region from its start, and
 * the decoders' work memory (zlib's window, libbz2's block arrays,
 * liblzma's dictionary) comes from its end. zstd decodes with a stable
 * output buffer and lz4 straight into the output, so neither keeps a
 * window either. Output comes in windows of at most 1 MiB and input in
 * pieces that start at 256 bytes, so @ops->progress sees a bomb's first
 * output before it fills the region.
 * @ops: may be NULL. @out_len: out, the bytes of output at @region.
 * Errors: as decompress(); a stream larger than the room left by the work
 * memory is refused ("decompresses to more than the N bytes of room").
 * Returns 0 (the stream ended, or @ops->progress said it had enough), or
 * -1 with @err set. On failure the region holds partial output.
 */
int decompress_into(const u8 *in, size_t len, u8 *region, size_t size,
		    const struct decompress_ops *ops, size_t *out_len, char *err, size_t errlen);

#endif
