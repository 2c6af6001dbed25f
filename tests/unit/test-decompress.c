// SPDX-License-Identifier: GPL-2.0
/*
 * util/decompress.c: every format round-trips through the real libraries,
 * with the size trailer and padding a Linux build appends; corrupt and
 * truncated streams fail naming their format; the output cap holds.
 */
#include <bzlib.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "tests/tap.h"
#include "util/decompress.h"

#define LZ4_LEGACY_MAGIC 0x184C2102U

static void put_le32(u8 *p, u32 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
	p[2] = (u8)(v >> 16);
	p[3] = (u8)(v >> 24);
}

/* Compressible but not trivial: text with pseudo-random numbers. */
static u8 *make_data(size_t n)
{
	u8 *d = malloc(n);
	u32 x = 12345;
	size_t i = 0;

	while (i < n) {
		char word[32];
		int k;

		x = x * 1103515245 + 12345;
		k = snprintf(word, sizeof(word), "sym_%u ", (x >> 16) % 997);
		for (int j = 0; j < k && i < n; j++)
			d[i++] = (u8)word[j];
	}
	return d;
}

/* Each compressor returns a malloc'd stream with 4 spare bytes + @pad at
 * its end, and its length in *@clen. */
static u8 *c_gzip(const u8 *in, size_t n, size_t *clen, size_t pad)
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

static u8 *c_bzip2(const u8 *in, size_t n, size_t *clen, size_t pad)
{
	unsigned int cap = (unsigned int)(n + n / 100 + 1024);
	u8 *out = malloc(cap + 4 + pad);

	if (BZ2_bzBuffToBuffCompress((char *)out, &cap, (char *)in, (unsigned int)n, 9, 0, 0) != BZ_OK)
		abort();
	*clen = cap;
	return out;
}

static u8 *c_lzma(const u8 *in, size_t n, size_t *clen, size_t pad)
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

static u8 *c_xz(const u8 *in, size_t n, size_t *clen, size_t pad)
{
	size_t cap = lzma_stream_buffer_bound(n);
	u8 *out = malloc(cap + 4 + pad);

	*clen = 0;
	if (lzma_easy_buffer_encode(2, LZMA_CHECK_CRC32, NULL, in, n, out, clen, cap) != LZMA_OK)
		abort();
	return out;
}

/* With a content checksum, as the lz4 tool writes by default. */
static u8 *c_lz4f(const u8 *in, size_t n, size_t *clen, size_t pad)
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
static u8 *c_lz4_legacy_blocks(const u8 *in, size_t n, size_t *clen, size_t pad, size_t block)
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

static u8 *c_lz4_legacy(const u8 *in, size_t n, size_t *clen, size_t pad)
{
	return c_lz4_legacy_blocks(in, n, clen, pad, 8U << 20);
}

/* With a checksum, as the zstd tool (and so the Linux build) writes. */
static u8 *c_zstd(const u8 *in, size_t n, size_t *clen, size_t pad)
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

static const struct fmt {
	const char *name;
	enum compression c;
	u8 *(*compress)(const u8 *, size_t, size_t *, size_t);
} fmts[] = {
	{ "gzip", COMP_GZIP, c_gzip },
	{ "bzip2", COMP_BZIP2, c_bzip2 },
	{ "lzma", COMP_LZMA, c_lzma },
	{ "xz", COMP_XZ, c_xz },
	{ "lz4", COMP_LZ4, c_lz4f },
	{ "lz4", COMP_LZ4, c_lz4_legacy },
	{ "zstd", COMP_ZSTD, c_zstd },
};

static const char *variant(const struct fmt *f)
{
	if (f->compress == c_lz4f)
		return "lz4 frame";
	if (f->compress == c_lz4_legacy)
		return "lz4 legacy";
	return f->name;
}

/* Decompress and compare with @want; one TAP line. */
static void check_round_trip(const char *what, const u8 *c, size_t clen, const u8 *want, size_t n,
			     size_t max_out)
{
	char err[256] = "";
	u8 *out = NULL;
	size_t out_len = 0;
	int rc = decompress(c, clen, max_out, &out, &out_len, err, sizeof(err));

	ok(rc == 0 && out_len == n && !memcmp(out, want, n), "%s", what);
	if (rc)
		diag("  error: %s", err);
	else if (out_len != n)
		diag("  got %zu bytes, want %zu", out_len, n);
	free(out);
}

/* Must fail with an error that names @name and contains @word. */
static void check_fails(const char *what, const u8 *c, size_t clen, size_t max_out,
			const char *name, const char *word)
{
	char err[256] = "";
	u8 *out = (u8 *)1;
	size_t out_len = 1;
	int rc = decompress(c, clen, max_out, &out, &out_len, err, sizeof(err));

	ok(rc == -1 && !out && !out_len && strstr(err, name) && strstr(err, word), "%s", what);
	diag("  -> %s", rc ? err : "(succeeded)");
	if (!rc)
		free(out);
}

static void test_format(const struct fmt *f, const u8 *data, size_t n)
{
	char what[128];
	size_t clen;
	u8 *c = f->compress(data, n, &clen, 256);
	u8 *cut;

	is_int(compression_detect(c, clen), f->c, variant(f));
	is_str(compression_name(compression_detect(c, clen)), f->name, "  and named");

	snprintf(what, sizeof(what), "%s: round trip", variant(f));
	check_round_trip(what, c, clen, data, n, 1 << 30);

	/* What a Linux build appends: the size, then maybe padding. */
	put_le32(c + clen, (u32)n);
	snprintf(what, sizeof(what), "%s: with the 4-byte size trailer", variant(f));
	check_round_trip(what, c, clen + 4, data, n, 1 << 30);
	memset(c + clen + 4, 0, 256);
	snprintf(what, sizeof(what), "%s: with size trailer and zero padding", variant(f));
	check_round_trip(what, c, clen + 4 + 256, data, n, 1 << 30);

	snprintf(what, sizeof(what), "%s: exactly at the output cap", variant(f));
	check_round_trip(what, c, clen + 4, data, n, n);
	snprintf(what, sizeof(what), "%s: one byte over the cap is refused", variant(f));
	check_fails(what, c, clen + 4, n - 1, f->name, "more than");

	snprintf(what, sizeof(what), "%s: truncated stream fails", variant(f));
	check_fails(what, c, clen / 2, 1 << 30, f->name, "payload");

	/*
	 * Garbage in the middle of the stream. Legacy lz4 has no checksum, so
	 * garbage there may decode; give its first sequence a match offset
	 * before the start of the output instead, which no decoder accepts.
	 */
	cut = malloc(clen);
	memcpy(cut, c, clen);
	if (f->compress == c_lz4_legacy)
		memcpy(cut + 8, "\x00\xff\xff", 3);
	else
		memset(cut + clen / 2, 0xA5, 64);
	snprintf(what, sizeof(what), "%s: corrupt stream fails", variant(f));
	check_fails(what, cut, clen, 1 << 30, f->name, "payload");
	free(cut);
	free(c);
}

static void test_lz4_legacy_blocks(const u8 *data, size_t n)
{
	size_t clen;
	u8 *c = c_lz4_legacy_blocks(data, n, &clen, 64, n / 2 + 1);
	u8 *two;

	check_round_trip("lz4 legacy: 2 blocks", c, clen, data, n, 1 << 30);
	put_le32(c + clen, (u32)n);
	memset(c + clen + 4, 0, 64);
	check_round_trip("lz4 legacy: 2 blocks + size trailer + padding", c, clen + 68, data, n,
			 1 << 30);

	/* A second frame after the first: decoding stops at its magic. */
	two = malloc(2 * clen);
	memcpy(two, c, clen);
	memcpy(two + clen, c, clen);
	check_round_trip("lz4 legacy: stops at a following frame's magic", two, 2 * clen, data, n,
			 1 << 30);

	/* A block size pointing past the input, that is no trailer. */
	put_le32(two + 4, (u32)(2 * clen));
	check_fails("lz4 legacy: block size beyond the input", two, clen, 1 << 30, "lz4",
		    "truncated");
	free(two);
	free(c);
}

static void test_bombs(void)
{
	const size_t big = 2U << 20;
	u8 *zeros = calloc(1, big);

	for (size_t i = 0; i < ARRAY_SIZE(fmts); i++) {
		char what[128];
		size_t clen;
		u8 *c = fmts[i].compress(zeros, big, &clen, 0);

		snprintf(what, sizeof(what), "%s: %zu-byte stream of 2 MiB refused under a 256 KiB cap",
			 variant(&fmts[i]), clen);
		check_fails(what, c, clen, 256 << 10, fmts[i].name, "more than");
		free(c);
	}
	free(zeros);
}

static void test_detect(void)
{
	static const u8 elf[] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0 };
	static const u8 lzo[] = { 0x89, 'L', 'Z', 'O', 0, 0x0d, 0x0a, 0x1a, 0x0a };
	static const u8 junk[] = { 'h', 'e', 'l', 'l', 'o' };
	char err[256] = "";
	u8 *out = NULL;
	size_t out_len = 0;

	is_int(compression_detect(junk, sizeof(junk)), COMP_NONE, "unknown magic is COMP_NONE");
	is_int(compression_detect((const u8 *)"\x1f", 1), COMP_NONE, "short buffer is COMP_NONE");
	is_int(compression_detect(NULL, 0), COMP_NONE, "NULL is COMP_NONE");
	is_str(compression_name(COMP_NONE), "none", "COMP_NONE is named none");
	is_int(compression_detect(lzo, sizeof(lzo)), COMP_LZO, "lzop magic detected");
	check_fails("lzo is refused by name", lzo, sizeof(lzo), 1 << 20, "lzo", "not supported");
	check_fails("junk is refused", junk, sizeof(junk), 1 << 20, "no known compression", "68 65 6c 6c");
	ok(decompress(elf, sizeof(elf), 1 << 20, &out, &out_len, err, sizeof(err)) == 0 &&
		   out_len == sizeof(elf) && !memcmp(out, elf, sizeof(elf)),
	   "an uncompressed ELF payload is passed through");
	free(out);
	check_fails("uncompressed ELF over the cap is refused", elf, sizeof(elf), 4, "uncompressed",
		    "limit");
}

int main(void)
{
	const size_t n = 100000;
	u8 *data = make_data(n);

	test_detect();
	for (size_t i = 0; i < ARRAY_SIZE(fmts); i++)
		test_format(&fmts[i], data, n);
	test_lz4_legacy_blocks(data, n);
	test_bombs();
	free(data);
	return done_testing();
}
