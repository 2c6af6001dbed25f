// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel payload decompression with the system libraries' streaming APIs.
 * The output grows as needed up to the caller's cap, so a hostile stream can
 * neither overflow a buffer nor exhaust memory; the 4-byte size Linux
 * appends to its payloads is only used as a first guess.
 */
#define ZLIB_CONST
#define ZSTD_STATIC_LINKING_ONLY	/* ZSTD_d_stableOutBuffer, a parameter of the shared library */
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
#include <zstd_errors.h>

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
 * Where decoded bytes go. Two kinds:
 *  - growable (decompress()): a malloc'd buffer that doubles up to
 *    @limit = max + 1 bytes; being able to hold one byte more than allowed
 *    is how a bomb is told apart from a stream of exactly @max bytes;
 *  - a fixed region (decompress_into()): output from its start, the
 *    decoders' work memory (zlib, libbz2, liblzma allocations) from its
 *    end, so neither costs any memory outside the region; output windows
 *    are at most STEP bytes so that the caller's progress hook sees the
 *    output early (a bomb is stopped after its first window).
 */
struct sink {
	u8 *p;
	size_t len;		/* bytes written */
	size_t cap;		/* bytes usable for output */
	size_t max;		/* caller's cap, for messages */
	size_t limit;		/* growable: largest cap we may allocate */
	bool fixed;		/* a caller's region, not malloc'd */
	size_t region;		/* fixed: the region's size */
	size_t arena;		/* fixed: bytes taken from its end for work memory */
	size_t window_end;	/* fixed: end of the window the decoder may write */
	bool done;		/* the progress hook has all it needs */
	size_t in_piece;	/* fixed: next input piece for paced decoders */
	size_t step;		/* fixed: next output window (step_of()) */
	size_t in_dropped;	/* input bytes reported to ops->consumed */
	const u8 *in;
	const struct decompress_ops *ops;
};

/* Largest output window handed to a decoder in a fixed region. */
#define STEP		(1U << 20)
/* The first output window in a fixed region. */
#define FIRST_STEP	(64U << 10)
/* Input pieces in a fixed region start this small and double up to STEP. */
#define FIRST_PIECE	256
/* ops->consumed is called once this much more input has been read. */
#define DROP_EVERY	(1U << 20)

static int sink_init(struct sink *s, size_t max, size_t hint)
{
	memset(s, 0, sizeof(*s));
	s->max = max;
	s->limit = max == SIZE_MAX ? SIZE_MAX : max + 1;
	s->cap = MIN(MAX(hint, (size_t)4096), s->limit);
	s->p = malloc(s->cap);
	return s->p ? 0 : -1;
}

/* Make room for more output. Returns 0, -1 at the limit (bomb), -2 if out
 * of memory. */
static int sink_grow(struct sink *s)
{
	size_t ncap;
	u8 *np;

	if (s->fixed || s->cap >= s->limit)
		return -1;
	ncap = s->cap > s->limit / 2 ? s->limit : s->cap * 2;
	np = realloc(s->p, ncap);
	if (!np)
		return -2;
	s->p = np;
	s->cap = ncap;
	return 0;
}

/* Shared error reporting for every format. */
struct dctx {
	const char *name;
	char *err;
	size_t errlen;
};

/* Turn a sink_grow() failure @r into the caller's error. */
static int sink_fail(struct dctx *d, struct sink *s, int r)
{
	if (r == -1 && s->fixed)
		return set_err(d->err, d->errlen,
			       "%s payload decompresses to more than the %zu bytes of room there are for it: refusing it (corrupt, a decompression bomb, or too little memory)",
			       d->name, s->cap);
	if (r == -1)
		return set_err(d->err, d->errlen,
			       "%s payload decompresses to more than %zu bytes: refusing it (corrupt, or a decompression bomb)",
			       d->name, s->max);
	if (r)
		return set_err(d->err, d->errlen, "%s payload: out of memory after %zu bytes of output",
			       d->name, s->len);
	return 0;
}

/*
 * The next output window: *@room bytes at s->p + s->len, at most @most.
 * Grows a growable sink when it is full. Returns 0, or -1 with the error
 * set (bomb, out of memory).
 */
static int sink_room(struct dctx *d, struct sink *s, size_t most, size_t *room)
{
	if (s->len >= s->cap) {
		int r = sink_grow(s);

		if (r)
			return sink_fail(d, s, r);
	}
	*room = MIN(s->cap - s->len, most);
	s->window_end = s->len + *room;
	return 0;
}

/* The window size for decoders that keep their own small history: in a
 * fixed region it starts small, so that the work memory decoders allocate
 * on their first call (libbz2's block arrays, liblzma's dictionary) finds
 * room at the region's end, and doubles up to STEP. */
static size_t step_of(struct sink *s)
{
	if (!s->fixed)
		return CHUNK_MAX;
	if (!s->step)
		s->step = FIRST_STEP;
	else if (s->step < STEP)
		s->step *= 2;
	return s->step;
}

/* The next input piece from @pos (of @len): paced in a fixed region so that
 * one call cannot expand a tiny input into the whole region unseen. */
static size_t in_piece(struct sink *s, size_t pos, size_t len)
{
	size_t n = len - pos;

	if (!s->fixed)
		return MIN(n, (size_t)CHUNK_MAX);
	if (!s->in_piece)
		s->in_piece = FIRST_PIECE;
	n = MIN(n, s->in_piece);
	if (s->in_piece < STEP)
		s->in_piece *= 2;
	return n;
}

/*
 * After a decoder call: @produced more bytes of output, input read up to
 * offset @in_pos. Tells the caller's hooks. Returns 0, or -1 with the
 * error set by the progress hook; sets s->done when the hook has enough.
 */
static int sink_advance(struct dctx *d, struct sink *s, size_t produced, size_t in_pos)
{
	const struct decompress_ops *ops = s->ops;
	int r;

	s->len += produced;
	if (!ops)
		return 0;
	if (ops->consumed && in_pos - s->in_dropped >= DROP_EVERY) {
		ops->consumed(ops->arg, s->in + s->in_dropped, in_pos - s->in_dropped);
		s->in_dropped = in_pos;
	}
	if (!ops->progress || !produced)
		return 0;
	r = ops->progress(ops->arg, s->p, s->len, s->cap, d->err, d->errlen);
	if (r < 0)
		return -1;
	s->done = r > 0;
	return 0;
}

/* Work memory for the decoders from the end of a fixed region (a bump
 * allocator: frees are no-ops; the region is used once). NULL when it
 * would reach the output written or being written. */
static void *arena_alloc(struct sink *s, size_t n)
{
	n = ALIGN_UP(n, (size_t)64);
	if (n > s->region - s->arena || s->region - s->arena - n < MAX(s->len, s->window_end))
		return NULL;
	s->arena += n;
	s->cap = s->region - s->arena;
	return s->p + s->cap;
}

static void *z_alloc(void *opaque, uInt items, uInt size)
{
	if (size && items > SIZE_MAX / size)
		return NULL;
	return arena_alloc(opaque, (size_t)items * size);
}

static void *bz_alloc(void *opaque, int items, int size)
{
	if (items < 0 || size < 0 || (size && (size_t)items > SIZE_MAX / (size_t)size))
		return NULL;
	return arena_alloc(opaque, (size_t)items * (size_t)size);
}

static void *lz_alloc(void *opaque, size_t items, size_t size)
{
	if (size && items > SIZE_MAX / size)
		return NULL;
	return arena_alloc(opaque, items * size);
}

static void z_free(void *opaque __unused, void *p __unused) { }
static void bz_free(void *opaque __unused, void *p __unused) { }
static void lz_free(void *opaque __unused, void *p __unused) { }

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
static int do_gzip(struct dctx *d, const u8 *in, size_t len, struct sink *s)
{
	z_stream zs;
	size_t pos = 0;
	int ret, rc = -1;

	memset(&zs, 0, sizeof(zs));
	if (s->fixed) {
		zs.zalloc = z_alloc;
		zs.zfree = z_free;
		zs.opaque = s;
	}
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return set_err(d->err, d->errlen, "gzip: cannot initialise zlib");
	while (!s->done) {
		size_t in_before, out_room;

		if (sink_room(d, s, step_of(s), &out_room))
			goto out;
		if (!zs.avail_in && pos < len) {
			zs.next_in = in + pos;
			zs.avail_in = (uInt)in_piece(s, pos, len);
			pos += zs.avail_in;
		}
		in_before = zs.avail_in;
		zs.next_out = s->p + s->len;
		zs.avail_out = (uInt)out_room;
		ret = inflate(&zs, Z_NO_FLUSH);
		if (sink_advance(d, s, out_room - zs.avail_out, pos - zs.avail_in))
			goto out;
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
static int do_bzip2(struct dctx *d, const u8 *in, size_t len, struct sink *s)
{
	bz_stream bs;
	size_t pos = 0;
	int ret, rc = -1;

	memset(&bs, 0, sizeof(bs));
	if (s->fixed) {
		bs.bzalloc = bz_alloc;
		bs.bzfree = bz_free;
		bs.opaque = s;
	}
	if (BZ2_bzDecompressInit(&bs, 0, 0) != BZ_OK)
		return set_err(d->err, d->errlen, "bzip2: cannot initialise libbz2");
	while (!s->done) {
		unsigned int in_before;
		size_t out_room;

		if (sink_room(d, s, step_of(s), &out_room))
			goto out;
		if (!bs.avail_in && pos < len) {
			/* libbz2 never writes through next_in. */
			bs.next_in = (char *)(uintptr_t)(in + pos);
			bs.avail_in = (unsigned int)in_piece(s, pos, len);
			pos += bs.avail_in;
		}
		in_before = bs.avail_in;
		bs.next_out = (char *)(s->p + s->len);
		bs.avail_out = (unsigned int)out_room;
		ret = BZ2_bzDecompress(&bs);
		if (sink_advance(d, s, out_room - bs.avail_out, pos - bs.avail_in))
			goto out;
		if (ret == BZ_STREAM_END)
			break;
		if (ret == BZ_DATA_ERROR || ret == BZ_DATA_ERROR_MAGIC) {
			corrupt(d, "invalid block data");
			goto out;
		}
		if (ret == BZ_MEM_ERROR) {
			set_err(d->err, d->errlen, "bzip2: out of memory for the decoder");
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
	case LZMA_MEM_ERROR: return "out of memory for the decoder's dictionary";
	default: return "decoder error";
	}
}

/* xz and lzma_alone with liblzma. Without LZMA_CONCATENATED the xz decoder
 * stops after the first stream, so padding and the size trailer are left. */
static int do_lzma(struct dctx *d, bool xz, const u8 *in, size_t len, struct sink *s)
{
	lzma_stream ls = LZMA_STREAM_INIT;
	lzma_allocator al = { lz_alloc, lz_free, s };
	size_t pos = 0;
	lzma_ret ret;
	int rc = -1;

	if (s->fixed)
		ls.allocator = &al;
	ret = xz ? lzma_stream_decoder(&ls, LZMA_MEMLIMIT, 0)
		 : lzma_alone_decoder(&ls, LZMA_MEMLIMIT);
	if (ret != LZMA_OK)
		return set_err(d->err, d->errlen, "%s: cannot initialise liblzma", d->name);
	while (!s->done) {
		size_t in_before, out_room;

		if (sink_room(d, s, s->fixed ? step_of(s) : SIZE_MAX, &out_room))
			goto out;
		if (!ls.avail_in && pos < len) {
			ls.next_in = in + pos;
			ls.avail_in = s->fixed ? in_piece(s, pos, len) : len - pos;
			pos += ls.avail_in;
		}
		in_before = ls.avail_in;
		ls.next_out = s->p + s->len;
		ls.avail_out = out_room;
		ret = lzma_code(&ls, LZMA_RUN);
		if (sink_advance(d, s, out_room - ls.avail_out, pos - ls.avail_in))
			goto out;
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
 * frame is decoded and flushed. In a fixed region the output buffer is
 * stable (ZSTD_d_stableOutBuffer), so the decoder keeps no window of its
 * own: it reads its history from the output. */
static int do_zstd(struct dctx *d, const u8 *in, size_t len, struct sink *s)
{
	ZSTD_DCtx *z = ZSTD_createDCtx();
	ZSTD_inBuffer ib = { in, 0, 0 };
	int rc = -1;

	if (!z)
		return set_err(d->err, d->errlen, "zstd: cannot initialise libzstd");
	if (s->fixed && ZSTD_isError(ZSTD_DCtx_setParameter(z, ZSTD_d_stableOutBuffer, 1))) {
		set_err(d->err, d->errlen, "zstd: libzstd lacks a stable output buffer");
		goto out;
	}
	while (!s->done) {
		size_t in_before = ib.pos, before, ret, room;
		ZSTD_outBuffer obuf;

		if (sink_room(d, s, SIZE_MAX, &room))
			goto out;
		if (ib.pos == ib.size && ib.size < len)
			ib.size += in_piece(s, ib.size, len);
		/* stable: the same buffer every call, zstd moves pos */
		obuf = s->fixed ? (ZSTD_outBuffer){ s->p, s->cap, s->len }
				: (ZSTD_outBuffer){ s->p + s->len, room, 0 };
		before = obuf.pos;
		ret = ZSTD_decompressStream(z, &obuf, &ib);
		if (ZSTD_isError(ret) && s->fixed &&
		    ZSTD_getErrorCode(ret) == ZSTD_error_dstSize_tooSmall) {
			s->len = obuf.pos;
			sink_fail(d, s, -1);
			goto out;
		}
		if (ZSTD_isError(ret)) {
			corrupt(d, ZSTD_getErrorName(ret));
			goto out;
		}
		if (sink_advance(d, s, obuf.pos - before, ib.pos))
			goto out;
		if (!ret)
			break;
		if (in_before == ib.pos && obuf.pos == before) {
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
 * end of the frame. With the whole room as output, LZ4F decodes straight
 * into it instead of through its own block buffer. */
static int do_lz4_frame(struct dctx *d, const u8 *in, size_t len, struct sink *s)
{
	LZ4F_dctx *z;
	size_t pos = 0;
	int rc = -1;

	if (LZ4F_isError(LZ4F_createDecompressionContext(&z, LZ4F_VERSION)))
		return set_err(d->err, d->errlen, "lz4: cannot initialise liblz4");
	while (!s->done) {
		size_t src, dst, ret;

		if (sink_room(d, s, SIZE_MAX, &dst))
			goto out;
		src = s->fixed ? in_piece(s, pos, len) : len - pos;
		ret = LZ4F_decompress(z, s->p + s->len, &dst, in + pos, &src, NULL);
		pos += src;
		if (LZ4F_isError(ret)) {
			corrupt(d, LZ4F_getErrorName(ret));
			goto out;
		}
		if (sink_advance(d, s, dst, pos))
			goto out;
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
 * is recognised by being equal to the output so far. A block is decoded
 * straight into the output when a whole block fits there, else through a
 * block buffer (allocated only then) so that an overflow is told apart from
 * corruption.
 */
static int do_lz4_legacy(struct dctx *d, const u8 *in, size_t len, struct sink *s)
{
	const size_t max_block = (size_t)LZ4_compressBound(LZ4_LEGACY_BLOCK);
	size_t pos = 4;
	u8 *block = NULL;
	int rc = -1;

	while (len - pos >= 4 && !s->done) {
		u32 csize = get_le32(in + pos);
		size_t room;
		int n;

		if (csize == LZ4_LEGACY_MAGIC || csize == 0)
			break;
		if (s->len && csize == s->len)
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
		while (s->cap - s->len < LZ4_LEGACY_BLOCK && !sink_grow(s))
			;
		if (s->len < s->cap && s->cap - s->len >= LZ4_LEGACY_BLOCK) {
			n = LZ4_decompress_safe((const char *)in + pos, (char *)s->p + s->len,
						(int)csize, LZ4_LEGACY_BLOCK);
			if (n < 0) {
				corrupt(d, "invalid block data");
				goto out;
			}
		} else {
			if (!block && !(block = malloc(LZ4_LEGACY_BLOCK))) {
				set_err(d->err, d->errlen, "lz4: out of memory");
				goto out;
			}
			n = LZ4_decompress_safe((const char *)in + pos, (char *)block, (int)csize,
						LZ4_LEGACY_BLOCK);
			if (n < 0) {
				corrupt(d, "invalid block data");
				goto out;
			}
			if (sink_room(d, s, SIZE_MAX, &room))
				goto out;
			if ((size_t)n > room) {
				sink_fail(d, s, -1);
				goto out;
			}
			memcpy(s->p + s->len, block, (size_t)n);
		}
		pos += csize;
		if (sink_advance(d, s, (size_t)n, pos))
			goto out;
	}
	if (!s->len) {
		truncated(d);
		goto out;
	}
	rc = 0;
out:
	free(block);
	return rc;
}

/* Run the decoder for @c over @in into @s. */
static int run_decoder(struct dctx *d, enum compression c, const u8 *in, size_t len,
		       struct sink *s)
{
	s->in = in;
	switch (c) {
	case COMP_GZIP: return do_gzip(d, in, len, s);
	case COMP_BZIP2: return do_bzip2(d, in, len, s);
	case COMP_LZMA: return do_lzma(d, false, in, len, s);
	case COMP_XZ: return do_lzma(d, true, in, len, s);
	case COMP_ZSTD: return do_zstd(d, in, len, s);
	case COMP_LZ4:
		return in[0] == 0x02 ? do_lz4_legacy(d, in, len, s) : do_lz4_frame(d, in, len, s);
	default:
		return set_err(d->err, d->errlen, "internal error: format %d", c);
	}
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
	struct sink ob;
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

	if (sink_init(&ob, max_out, size_hint(in, len, max_out)))
		return set_err(err, errlen, "%s: out of memory", d.name);
	rc = run_decoder(&d, c, in, len, &ob);
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

int decompress_into(const u8 *in, size_t len, u8 *region, size_t size,
		    const struct decompress_ops *ops, size_t *out_len, char *err, size_t errlen)
{
	enum compression c = compression_detect(in, len);
	struct dctx d = { compression_name(c), err, errlen };
	struct sink s;
	int rc;

	*out_len = 0;
	if (c == COMP_NONE || c == COMP_LZO) {
		u8 *tmp;
		size_t n;

		/* the messages of decompress(); an ELF is copied in place */
		if (c == COMP_LZO || len < 4 || memcmp(in, "\177ELF", 4))
			return decompress(in, len, 0, &tmp, &n, err, errlen);
		if (len > size)
			return set_err(err, errlen, "uncompressed payload is %zu bytes, more than the %zu-byte room",
				       len, size);
		memcpy(region, in, len);
		*out_len = len;
		return 0;
	}
	memset(&s, 0, sizeof(s));
	s.p = region;
	s.cap = s.max = s.limit = s.region = size;
	s.fixed = true;
	s.ops = ops;
	rc = run_decoder(&d, c, in, len, &s);
	if (rc)
		return -1;
	*out_len = s.len;
	return 0;
}
