/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Compressors for the unit tests that need kernel-style compressed payloads
 * (test-decompress, test-bzimage): each returns a malloc'd stream with
 * 4 spare bytes + @pad at its end (room for the size trailer Linux appends),
 * and its length in *@clen. Header-only; abort() on library failure.
 */
#ifndef LKVM_TEST_COMPRESS_FIXTURES_H
#define LKVM_TEST_COMPRESS_FIXTURES_H

#include <bzlib.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdlib.h>
#include <zlib.h>
#include <zstd.h>

#include "util/util.h"

#define LZ4_LEGACY_MAGIC 0x184C2102U

static inline void put_le32(u8 *p, u32 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
	p[2] = (u8)(v >> 16);
	p[3] = (u8)(v >> 24);
}

/* Each compressor returns a malloc'd stream with 4 spare bytes + @pad at
 * its end, and its length in *@clen. */
static inline u8 *c_gzip(const u8 *in, size_t n, size_t *clen, size_t pad)
{
	z_stream zs = { 0 };
	size_t cap;
	u8 *out;

	deflateInit2(&zs, 9, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY);
	cap = deflateBound(&zs, n) + 64;
	out = malloc(cap + 4 + pad);
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		abort();
	*clen = zs.total_out;
	deflateEnd(&zs);
	return out;
}

static inline u8 *c_bzip2(const u8 *in, size_t n, size_t *clen, size_t pad)
{
	unsigned int cap = (unsigned int)(n + n / 100 + 1024);
	u8 *out = malloc(cap + 4 + pad);

	if (BZ2_bzBuffToBuffCompress((char *)out, &cap, (char *)in, (unsigned int)n, 9, 0, 0) != BZ_OK)
		abort();
	*clen = cap;
	return out;
}

static inline u8 *c_lzma(const u8 *in, size_t n, size_t *clen, size_t pad)
{
	lzma_stream ls = LZMA_STREAM_INIT;
	lzma_options_lzma opt;
	size_t cap = n + n / 2 + 4096;
	u8 *out = malloc(cap + 4 + pad);

	lzma_lzma_preset(&opt, 2);
	if (lzma_alone_encoder(&ls, &opt) != LZMA_OK)
		abort();
	ls.next_in = in;
	ls.avail_in = n;
	ls.next_out = out;
	ls.avail_out = cap;
	if (lzma_code(&ls, LZMA_FINISH) != LZMA_STREAM_END)
		abort();
	*clen = ls.total_out;
	lzma_end(&ls);
	return out;
}

static inline u8 *c_xz(const u8 *in, size_t n, size_t *clen, size_t pad)
{
	size_t cap = lzma_stream_buffer_bound(n);
	u8 *out = malloc(cap + 4 + pad);

	*clen = 0;
	if (lzma_easy_buffer_encode(2, LZMA_CHECK_CRC32, NULL, in, n, out, clen, cap) != LZMA_OK)
		abort();
	return out;
}

/* With a content checksum, as the lz4 tool writes by default. */
static inline u8 *c_lz4f(const u8 *in, size_t n, size_t *clen, size_t pad)
{
	LZ4F_preferences_t prefs = { .frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled };
	size_t cap = LZ4F_compressFrameBound(n, &prefs);
	u8 *out = malloc(cap + 4 + pad);

	*clen = LZ4F_compressFrame(out, cap, in, n, &prefs);
	if (LZ4F_isError(*clen))
		abort();
	return out;
}

/* Legacy lz4 frame in blocks of @block bytes of input (Linux uses 8 MiB;
 * smaller blocks give several blocks from small test data). */
static inline u8 *c_lz4_legacy_blocks(const u8 *in, size_t n, size_t *clen, size_t pad, size_t block)
{
	size_t nblocks = (n + block - 1) / block;
	size_t cap = 4 + nblocks * (4 + (size_t)LZ4_compressBound((int)block));
	u8 *out = malloc(cap + 4 + pad);
	size_t pos = 4;

	put_le32(out, LZ4_LEGACY_MAGIC);
	for (size_t off = 0; off < n; off += block) {
		int len = (int)MIN(block, n - off);
		int c = LZ4_compress_default((const char *)in + off, (char *)out + pos + 4, len,
					     LZ4_compressBound(len));

		if (c <= 0)
			abort();
		put_le32(out + pos, (u32)c);
		pos += 4 + (size_t)c;
	}
	*clen = pos;
	return out;
}

static inline u8 *c_lz4_legacy(const u8 *in, size_t n, size_t *clen, size_t pad)
{
	return c_lz4_legacy_blocks(in, n, clen, pad, 8U << 20);
}

/* With a checksum, as the zstd tool (and so the Linux build) writes. */
static inline u8 *c_zstd(const u8 *in, size_t n, size_t *clen, size_t pad)
{
	size_t cap = ZSTD_compressBound(n);
	u8 *out = malloc(cap + 4 + pad);
	ZSTD_CCtx *z = ZSTD_createCCtx();

	ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, 9);
	ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1);
	*clen = ZSTD_compress2(z, out, cap, in, n);
	if (ZSTD_isError(*clen))
		abort();
	ZSTD_freeCCtx(z);
	return out;
}

#endif
