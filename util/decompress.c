// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel payload decompression with the system libraries' streaming APIs.
 * The output grows as needed up to the caller's cap, so a hostile stream can
 * neither overflow a buffer nor exhaust memory; the 4-byte size Linux
 * appends to its payloads is only used as a first guess.
 */
#define ZLIB_CONST
#include <bzlib.h>
#include <limits.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "util/decompress.h"

/* Legacy lz4 frame (what `lz4 -l` writes): magic, then blocks of a 4-byte
 * compressed size and an LZ4 block of at most 8 MiB of output each. */
#define LZ4_LEGACY_MAGIC	0x184C2102U
#define LZ4_LEGACY_BLOCK	(8U << 20)

/* liblzma may allocate the dictionary the header asks for: Linux uses at
 * most 64 MiB (lzma -9), so 512 MiB leaves room and bounds hostile headers. */
#define LZMA_MEMLIMIT		(512ULL << 20)

/* Largest chunk handed to APIs whose lengths are 32-bit (zlib, bzip2). */
#define CHUNK_MAX		(1U << 30)

enum compression compression_detect(const u8 *buf, size_t len)
{
	static const struct {
		enum compression c;
		u8 len;
		u8 magic[6];
	} magics[] = {
		{ COMP_GZIP, 2, { 0x1f, 0x8b } },
		{ COMP_BZIP2, 3, { 'B', 'Z', 'h' } },
		{ COMP_LZMA, 3, { 0x5d, 0x00, 0x00 } },
		{ COMP_XZ, 6, { 0xfd, '7', 'z', 'X', 'Z', 0x00 } },
		{ COMP_LZ4, 4, { 0x02, 0x21, 0x4c, 0x18 } },
		{ COMP_LZ4, 4, { 0x04, 0x22, 0x4d, 0x18 } },
		{ COMP_ZSTD, 4, { 0x28, 0xb5, 0x2f, 0xfd } },
		{ COMP_LZO, 4, { 0x89, 'L', 'Z', 'O' } },
	};

	if (!buf)
		return COMP_NONE;
	for (size_t i = 0; i < ARRAY_SIZE(magics); i++)
		if (len >= magics[i].len && !memcmp(buf, magics[i].magic, magics[i].len))
			return magics[i].c;
	return COMP_NONE;
}

const char *compression_name(enum compression c)
{
	switch (c) {
	case COMP_GZIP: return "gzip";
	case COMP_BZIP2: return "bzip2";
	case COMP_LZMA: return "lzma";
	case COMP_XZ: return "xz";
	case COMP_LZ4: return "lz4";
	case COMP_ZSTD: return "zstd";
	case COMP_LZO: return "lzo";
	case COMP_NONE: break;
	}
	return "none";
}

/*
 * Output buffer that grows by doubling up to @limit = max + 1 bytes: being
 * able to hold one byte more than allowed is how a bomb is told apart from
 * a stream of exactly @max bytes.
 */
struct outbuf {
	u8 *p;
	size_t len;	/* bytes written */
	size_t cap;	/* bytes allocated */
	size_t max;	/* caller's cap */
	size_t limit;	/* largest cap we may allocate */
};

static int ob_init(struct outbuf *ob, size_t max, size_t hint)
{
	ob->max = max;
	ob->limit = max == SIZE_MAX ? SIZE_MAX : max + 1;
	ob->len = 0;
	ob->cap = MIN(MAX(hint, (size_t)4096), ob->limit);
	ob->p = malloc(ob->cap);
	return ob->p ? 0 : -1;
}

/* Make room for more output. Returns 0, -1 at the limit (bomb), -2 if out
 * of memory. */
static int ob_grow(struct outbuf *ob)
{
	size_t ncap;
	u8 *np;

	if (ob->cap >= ob->limit)
		return -1;
	ncap = ob->cap > ob->limit / 2 ? ob->limit : ob->cap * 2;
	np = realloc(ob->p, ncap);
	if (!np)
		return -2;
	ob->p = np;
	ob->cap = ncap;
	return 0;
}

/* Append @n bytes, growing as needed. Returns as ob_grow(). */
static int ob_append(struct outbuf *ob, const u8 *src, size_t n)
{
	while (ob->cap - ob->len < n) {
		int r = ob_grow(ob);

		if (r)
			return r;
	}
	memcpy(ob->p + ob->len, src, n);
	ob->len += n;
	return 0;
}

/* Shared error reporting for every format. */
struct dctx {
	const char *name;
	char *err;
	size_t errlen;
};

/* Turn an ob_grow()/ob_append() failure @r into the caller's error. */
static int ob_fail(struct dctx *d, struct outbuf *ob, int r)
{
	if (r == -1)
		return set_err(d->err, d->errlen,
			       "%s payload decompresses to more than %zu bytes: refusing it (corrupt, or a decompression bomb)",
			       d->name, ob->max);
	if (r)
		return set_err(d->err, d->errlen, "%s payload: out of memory after %zu bytes of output",
			       d->name, ob->len);
	return r ? -1 : 0;
}

static int grow_or_fail(struct dctx *d, struct outbuf *ob)
{
	return ob_fail(d, ob, ob_grow(ob));
}

static int corrupt(struct dctx *d, const char *why)
{
	return set_err(d->err, d->errlen, "%s payload is corrupt: %s", d->name, why);
}

static int truncated(struct dctx *d)
{
	return set_err(d->err, d->errlen, "%s payload is truncated: input ends inside the stream",
		       d->name);
}

/* gzip (RFC 1952) with zlib; the member's end stops decoding. */
static int do_gzip(struct dctx *d, const u8 *in, size_t len, struct outbuf *ob)
{
	z_stream zs;
	size_t pos = 0;
	int ret, rc = -1;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return set_err(d->err, d->errlen, "gzip: cannot initialise zlib");
	for (;;) {
		size_t in_before, out_room;

		if (ob->len == ob->cap && grow_or_fail(d, ob))
			goto out;
		if (!zs.avail_in && pos < len) {
			zs.next_in = in + pos;
			zs.avail_in = (uInt)MIN(len - pos, (size_t)CHUNK_MAX);
			pos += zs.avail_in;
		}
		in_before = zs.avail_in;
		out_room = MIN(ob->cap - ob->len, (size_t)CHUNK_MAX);
		zs.next_out = ob->p + ob->len;
		zs.avail_out = (uInt)out_room;
		ret = inflate(&zs, Z_NO_FLUSH);
		ob->len += out_room - zs.avail_out;
		if (ret == Z_STREAM_END)
			break;
		if (ret == Z_NEED_DICT || ret == Z_DATA_ERROR || ret == Z_STREAM_ERROR) {
			corrupt(d, zs.msg ? zs.msg : "invalid data");
			goto out;
		}
		if (ret == Z_MEM_ERROR) {
			set_err(d->err, d->errlen, "gzip: out of memory");
			goto out;
		}
		/* No progress with room left: the input ran out. */
		if (in_before == zs.avail_in && zs.avail_out == out_room) {
			truncated(d);
			goto out;
		}
	}
	rc = 0;
out:
	inflateEnd(&zs);
	return rc;
}

/* bzip2 with libbz2: one stream, trailing bytes ignored. */
static int do_bzip2(struct dctx *d, const u8 *in, size_t len, struct outbuf *ob)
{
	bz_stream bs;
	size_t pos = 0;
	int ret, rc = -1;

	memset(&bs, 0, sizeof(bs));
	if (BZ2_bzDecompressInit(&bs, 0, 0) != BZ_OK)
		return set_err(d->err, d->errlen, "bzip2: cannot initialise libbz2");
	for (;;) {
		unsigned int in_before, out_room;

		if (ob->len == ob->cap && grow_or_fail(d, ob))
			goto out;
		if (!bs.avail_in && pos < len) {
			/* libbz2 never writes through next_in. */
			bs.next_in = (char *)(uintptr_t)(in + pos);
			bs.avail_in = (unsigned int)MIN(len - pos, (size_t)CHUNK_MAX);
			pos += bs.avail_in;
		}
		in_before = bs.avail_in;
		out_room = (unsigned int)MIN(ob->cap - ob->len, (size_t)CHUNK_MAX);
		bs.next_out = (char *)(ob->p + ob->len);
		bs.avail_out = out_room;
		ret = BZ2_bzDecompress(&bs);
		ob->len += out_room - bs.avail_out;
		if (ret == BZ_STREAM_END)
			break;
		if (ret == BZ_DATA_ERROR || ret == BZ_DATA_ERROR_MAGIC) {
			corrupt(d, "invalid block data");
			goto out;
		}
		if (ret != BZ_OK) {
			set_err(d->err, d->errlen, "bzip2: decoder error %d", ret);
			goto out;
		}
		if (in_before == bs.avail_in && bs.avail_out == out_room) {
			truncated(d);
			goto out;
		}
	}
	rc = 0;
out:
	BZ2_bzDecompressEnd(&bs);
	return rc;
}

static const char *lzma_reason(lzma_ret r)
{
	switch (r) {
	case LZMA_FORMAT_ERROR: return "not in the expected format";
	case LZMA_OPTIONS_ERROR: return "unsupported options in the header";
	case LZMA_DATA_ERROR: return "compressed data is corrupt";
	case LZMA_MEMLIMIT_ERROR: return "needs more than 512 MiB of decoder memory";
	case LZMA_MEM_ERROR: return "out of memory";
	default: return "decoder error";
	}
}

/* xz and lzma_alone with liblzma. Without LZMA_CONCATENATED the xz decoder
 * stops after the first stream, so padding and the size trailer are left. */
static int do_lzma(struct dctx *d, bool xz, const u8 *in, size_t len, struct outbuf *ob)
{
	lzma_stream ls = LZMA_STREAM_INIT;
	lzma_ret ret;
	int rc = -1;

	ret = xz ? lzma_stream_decoder(&ls, LZMA_MEMLIMIT, 0)
		 : lzma_alone_decoder(&ls, LZMA_MEMLIMIT);
	if (ret != LZMA_OK)
		return set_err(d->err, d->errlen, "%s: cannot initialise liblzma", d->name);
	ls.next_in = in;
	ls.avail_in = len;
	for (;;) {
		size_t in_before, out_room;

		if (ob->len == ob->cap && grow_or_fail(d, ob))
			goto out;
		in_before = ls.avail_in;
		out_room = ob->cap - ob->len;
		ls.next_out = ob->p + ob->len;
		ls.avail_out = out_room;
		ret = lzma_code(&ls, LZMA_RUN);
		ob->len += out_room - ls.avail_out;
		if (ret == LZMA_STREAM_END)
			break;
		if (ret != LZMA_OK) {
			corrupt(d, lzma_reason(ret));
			goto out;
		}
		if (in_before == ls.avail_in && ls.avail_out == out_room) {
			truncated(d);
			goto out;
		}
	}
	rc = 0;
out:
	lzma_end(&ls);
	return rc;
}

/* zstd (RFC 8878): one frame; ZSTD_decompressStream returns 0 once the
 * frame is decoded and flushed. */
static int do_zstd(struct dctx *d, const u8 *in, size_t len, struct outbuf *ob)
{
	ZSTD_DCtx *z = ZSTD_createDCtx();
	ZSTD_inBuffer ib = { in, len, 0 };
	int rc = -1;

	if (!z)
		return set_err(d->err, d->errlen, "zstd: cannot initialise libzstd");
	for (;;) {
		size_t in_before = ib.pos, ret;
		ZSTD_outBuffer obuf;

		if (ob->len == ob->cap && grow_or_fail(d, ob))
			goto out;
		obuf = (ZSTD_outBuffer){ ob->p + ob->len, ob->cap - ob->len, 0 };
		ret = ZSTD_decompressStream(z, &obuf, &ib);
		ob->len += obuf.pos;
		if (ZSTD_isError(ret)) {
			corrupt(d, ZSTD_getErrorName(ret));
			goto out;
		}
		if (!ret)
			break;
		if (in_before == ib.pos && !obuf.pos) {
			truncated(d);
			goto out;
		}
	}
	rc = 0;
out:
	ZSTD_freeDCtx(z);
	return rc;
}

/* lz4 frame format (lz4 Frame format 1.6.x) with LZ4F; returns 0 at the
 * end of the frame. */
static int do_lz4_frame(struct dctx *d, const u8 *in, size_t len, struct outbuf *ob)
{
	LZ4F_dctx *z;
	size_t pos = 0;
	int rc = -1;

	if (LZ4F_isError(LZ4F_createDecompressionContext(&z, LZ4F_VERSION)))
		return set_err(d->err, d->errlen, "lz4: cannot initialise liblz4");
	for (;;) {
		size_t src = len - pos, dst, ret;

		if (ob->len == ob->cap && grow_or_fail(d, ob))
			goto out;
		dst = ob->cap - ob->len;
		ret = LZ4F_decompress(z, ob->p + ob->len, &dst, in + pos, &src, NULL);
		pos += src;
		ob->len += dst;
		if (LZ4F_isError(ret)) {
			corrupt(d, LZ4F_getErrorName(ret));
			goto out;
		}
		if (!ret)
			break;
		if (!src && !dst) {
			truncated(d);
			goto out;
		}
	}
	rc = 0;
out:
	LZ4F_freeDecompressionContext(z);
	return rc;
}

/*
 * Legacy lz4 frame. It has no end marker: it ends with the input, at a
 * block size equal to the magic (a following frame), at a zero size
 * (padding), or at the 4-byte uncompressed-size trailer Linux appends, which
 * is recognised by being equal to the output so far.
 */
static int do_lz4_legacy(struct dctx *d, const u8 *in, size_t len, struct outbuf *ob)
{
	const size_t max_block = (size_t)LZ4_compressBound(LZ4_LEGACY_BLOCK);
	size_t pos = 4;
	u8 *block;
	int rc = -1;

	block = malloc(LZ4_LEGACY_BLOCK);
	if (!block)
		return set_err(d->err, d->errlen, "lz4: out of memory");
	while (len - pos >= 4) {
		u32 csize = get_le32(in + pos);
		int n, r;

		if (csize == LZ4_LEGACY_MAGIC || csize == 0)
			break;
		if (ob->len && csize == ob->len)
			break;
		pos += 4;
		if (csize > len - pos) {
			truncated(d);
			goto out;
		}
		if (csize > max_block) {
			corrupt(d, "block larger than any 8 MiB block compresses to");
			goto out;
		}
		n = LZ4_decompress_safe((const char *)in + pos, (char *)block, (int)csize,
					LZ4_LEGACY_BLOCK);
		if (n < 0) {
			corrupt(d, "invalid block data");
			goto out;
		}
		pos += csize;
		r = ob_append(ob, block, (size_t)n);
		if (r) {
			ob_fail(d, ob, r);
			goto out;
		}
	}
	if (!ob->len) {
		truncated(d);
		goto out;
	}
	rc = 0;
out:
	free(block);
	return rc;
}

/* First output buffer size: the Linux size trailer when plausible, else a
 * guess from the input size. */
static size_t size_hint(const u8 *in, size_t len, size_t max_out)
{
	size_t guess = len > SIZE_MAX / 4 ? SIZE_MAX : len * 4;

	if (len >= 8) {
		size_t t = get_le32(in + len - 4);

		if (t >= len / 2 && t <= max_out)
			return t + 4096;
	}
	return MIN(MAX(guess, (size_t)(1 << 20)), max_out);
}

int decompress(const u8 *in, size_t len, size_t max_out, u8 **out, size_t *out_len,
	       char *err, size_t errlen)
{
	enum compression c = compression_detect(in, len);
	struct dctx d = { compression_name(c), err, errlen };
	struct outbuf ob;
	int rc;

	*out = NULL;
	*out_len = 0;
	if (c == COMP_NONE) {
		if (!in)
			return set_err(err, errlen, "no payload");
		if (len < 4 || memcmp(in, "\177ELF", 4))
			return set_err(err, errlen,
				       "payload is in no known compression format (first bytes %02x %02x %02x %02x)",
				       len > 0 ? in[0] : 0, len > 1 ? in[1] : 0,
				       len > 2 ? in[2] : 0, len > 3 ? in[3] : 0);
		if (len > max_out)
			return set_err(err, errlen, "uncompressed payload is %zu bytes, more than the %zu-byte limit",
				       len, max_out);
		*out = malloc(len);
		if (!*out)
			return set_err(err, errlen, "out of memory for a %zu-byte payload", len);
		memcpy(*out, in, len);
		*out_len = len;
		return 0;
	}
	if (c == COMP_LZO)
		return set_err(err, errlen,
			       "lzo payloads are not supported: build the kernel with KERNEL_LZ4, KERNEL_ZSTD, KERNEL_XZ or KERNEL_GZIP");

	if (ob_init(&ob, max_out, size_hint(in, len, max_out)))
		return set_err(err, errlen, "%s: out of memory", d.name);
	switch (c) {
	case COMP_GZIP: rc = do_gzip(&d, in, len, &ob); break;
	case COMP_BZIP2: rc = do_bzip2(&d, in, len, &ob); break;
	case COMP_LZMA: rc = do_lzma(&d, false, in, len, &ob); break;
	case COMP_XZ: rc = do_lzma(&d, true, in, len, &ob); break;
	case COMP_ZSTD: rc = do_zstd(&d, in, len, &ob); break;
	case COMP_LZ4:
		rc = in[0] == 0x02 ? do_lz4_legacy(&d, in, len, &ob)
				   : do_lz4_frame(&d, in, len, &ob);
		break;
	default: rc = set_err(err, errlen, "internal error: format %d", c); break;
	}
	/* A stream may end exactly at the limit + 1 buffer: still a bomb. */
	if (!rc && ob.len > max_out)
		rc = set_err(err, errlen,
			     "%s payload decompresses to more than %zu bytes: refusing it (corrupt, or a decompression bomb)",
			     d.name, max_out);
	if (rc) {
		free(ob.p);
		return -1;
	}
	if (ob.len < ob.cap) {
		u8 *np = realloc(ob.p, ob.len ? ob.len : 1);

		if (np)
			ob.p = np;
	}
	*out = ob.p;
	*out_len = ob.len;
	return 0;
}
