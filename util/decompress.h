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

#endif
