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
#include "tests/unit/compress-fixtures.h"
#include "util/decompress.h"

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

/* ---- decompress_into(): into a fixed region, with hooks ---- */

#define GUARD 4096
#define GUARD_BYTE 0x5a

/* A region of @size bytes between two guard areas. */
static u8 *region_new(size_t size)
{
	u8 *b = malloc(size + 2 * GUARD);

	memset(b, GUARD_BYTE, size + 2 * GUARD);
	return b + GUARD;
}

static bool guards_intact(const u8 *r, size_t size)
{
	for (size_t i = 0; i < GUARD; i++)
		if (r[-1 - (long)i] != GUARD_BYTE || r[size + i] != GUARD_BYTE)
			return false;
	return true;
}

struct hook_log {
	size_t calls, last_len, stop_at;
	const u8 *in;			/* consumed: the expected next start */
	size_t consumed, consumed_calls;
	bool consumed_in_order;
	bool fail;
};

static int hook_progress(void *arg, const u8 *out __unused, size_t len, size_t cap __unused,
			 char *err, size_t errlen)
{
	struct hook_log *h = arg;

	h->calls++;
	h->last_len = len;
	if (h->fail)
		return set_err(err, errlen, "hook refuses it");
	return h->stop_at && len >= h->stop_at;
}

static void hook_consumed(void *arg, const u8 *in, size_t n)
{
	struct hook_log *h = arg;

	if (in != h->in + h->consumed)
		h->consumed_in_order = false;
	h->consumed += n;
	h->consumed_calls++;
}

static void test_into(const struct fmt *f, const u8 *data, size_t n)
{
	const size_t size = 4U << 20;
	struct hook_log h = { .consumed_in_order = true };
	const struct decompress_ops ops = { hook_progress, hook_consumed, &h };
	char err[256] = "";
	size_t clen, out_len = 0;
	u8 *c = f->compress(data, n, &clen, 64);
	u8 *r = region_new(size);
	int rc;

	/* Linux's size trailer and padding follow the stream */
	put_le32(c + clen, (u32)n);
	memset(c + clen + 4, 0, 64);
	h.in = c;
	rc = decompress_into(c, clen + 68, r, size, &ops, &out_len, err, sizeof(err));
	ok(rc == 0 && out_len == n && !memcmp(r, data, n) && guards_intact(r, size),
	   "%s: into a region: round trip, nothing written outside it", variant(f));
	if (rc)
		diag("  error: %s", err);
	ok(h.calls >= 1 && h.last_len == n, "%s: progress hook saw all %zu bytes (%zu calls)",
	   variant(f), h.last_len, h.calls);

	/* the hook has enough: decoding stops there and succeeds */
	h = (struct hook_log){ .stop_at = 1000, .in = c, .consumed_in_order = true };
	memset(r, 0, size);
	rc = decompress_into(c, clen, r, size, &ops, &out_len, err, sizeof(err));
	ok(rc == 0 && out_len >= 1000 && !memcmp(r, data, out_len),
	   "%s: progress hook says enough: stops with %zu good bytes", variant(f), out_len);

	/* the hook refuses: the error is the hook's */
	h = (struct hook_log){ .fail = true, .in = c, .consumed_in_order = true };
	rc = decompress_into(c, clen, r, size, &ops, &out_len, err, sizeof(err));
	ok(rc == -1 && !strcmp(err, "hook refuses it"), "%s: progress hook's error is returned",
	   variant(f));

	/* too small a region: refused, and not one byte outside it */
	{
		u8 *small = region_new(n / 2);

		rc = decompress_into(c, clen, small, n / 2, NULL, &out_len, err, sizeof(err));
		ok(rc == -1 && guards_intact(small, n / 2) &&
		   (strstr(err, "bytes of room") || strstr(err, "memory") || strstr(err, "initialise")),
		   "%s: region smaller than the output: refused, guards intact", variant(f));
		diag("  -> %s", rc ? err : "(succeeded)");
		free(small - GUARD);
	}
	free(r - GUARD);
	free(c);
}

/* Large input: the consumed hook walks it in order, in pieces. */
static void test_into_consumed(const struct fmt *f)
{
	const size_t n = 3U << 20, size = 8U << 20;
	u8 *noise = malloc(n);
	struct hook_log h = { .consumed_in_order = true };
	const struct decompress_ops ops = { NULL, hook_consumed, &h };
	char err[256] = "";
	size_t clen, out_len;
	u8 *c, *r = region_new(size);
	u32 x = 1;
	int rc;

	for (size_t i = 0; i < n; i++) {
		x = x * 1664525 + 1013904223;
		noise[i] = (u8)(x >> 24);
	}
	c = f->compress(noise, n, &clen, 0);
	h.in = c;
	rc = decompress_into(c, clen, r, size, &ops, &out_len, err, sizeof(err));
	ok(rc == 0 && out_len == n && !memcmp(r, noise, n) && h.consumed_calls >= 1 &&
	   h.consumed_in_order && h.consumed <= clen && h.consumed >= clen - (2U << 20),
	   "%s: 3 MiB of noise: consumed hook walked %zu of %zu input bytes in order (%zu calls)",
	   variant(f), h.consumed, clen, h.consumed_calls);
	if (rc)
		diag("  error: %s", err);
	free(r - GUARD);
	free(c);
	free(noise);
}

/* A bomb into a region: stops at the region's end, touches nothing else. */
static void test_into_bombs(void)
{
	const size_t big = 32U << 20, size = 8U << 20;
	u8 *zeros = calloc(1, big);

	for (size_t i = 0; i < ARRAY_SIZE(fmts); i++) {
		char err[256] = "";
		size_t clen, out_len;
		u8 *c = fmts[i].compress(zeros, big, &clen, 0);
		u8 *r = region_new(size);
		int rc = decompress_into(c, clen, r, size, NULL, &out_len, err, sizeof(err));

		ok(rc == -1 && strstr(err, "more than the") && strstr(err, fmts[i].name) &&
		   guards_intact(r, size),
		   "%s: %zu-byte stream of 32 MiB into an 8 MiB region: refused at its end",
		   variant(&fmts[i]), clen);
		diag("  -> %s", rc ? err : "(succeeded)");
		free(r - GUARD);
		free(c);
	}
	free(zeros);
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
	for (size_t i = 0; i < ARRAY_SIZE(fmts); i++)
		test_into(&fmts[i], data, n);
	for (size_t i = 0; i < ARRAY_SIZE(fmts); i++)
		test_into_consumed(&fmts[i]);
	test_into_bombs();
	free(data);
	return done_testing();
}
