// SPDX-License-Identifier: GPL-2.0
/*
 * hv/x86/bzimage.c: synthetic bzImages built in memory, one per payload
 * compression (compressed here with the real libraries, then found and
 * decompressed back to the fake vmlinux), and every way a header can be
 * wrong. Also: no crash on any truncation or header byte flip.
 */
#include <bzlib.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "hv/x86/bzimage.h"
#include "hv/x86/elf_load.h"
#include "tests/tap.h"
#include "tests/unit/compress-fixtures.h"
#include "util/decompress.h"

#define SETUP_SECTS	4
#define SETUP_SIZE	((SETUP_SECTS + 1) * 512)
#define PAYLOAD_OFF	0x400	/* in the pm part, after some "decompressor code" */

static void put_le16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static void put_le64(u8 *p, u64 v)
{
	put_le32(p, (u32)v);
	put_le32(p + 4, (u32)(v >> 32));
}

/* A stand-in vmlinux: an ELF64 identification and compressible filler. */
static u8 *fake_vmlinux(size_t n)
{
	u8 *v = malloc(n);

	for (size_t i = 0; i < n; i++)
		v[i] = (u8)("lkvm fake vmlinux "[i % 18] ^ (i / 1000));
	memcpy(v, "\177ELF\2\1\1", 7);
	return v;
}

static const struct {
	const char *name;
	u8 *(*compress)(const u8 *, size_t, size_t *, size_t);
} fmts[] = {
	{ "gzip", c_gzip }, { "bzip2", c_bzip2 }, { "lzma", c_lzma },
	{ "xz", c_xz }, { "lz4", c_lz4_legacy }, { "zstd", c_zstd },
};

/*
 * Build a bzImage: boot sector + setup with a 2.15 header, then a
 * protected-mode part holding @payload (@plen bytes) at PAYLOAD_OFF,
 * padded to whole 16-byte paragraphs. Returns the file; *@len its size.
 */
static u8 *make_bzimage(const u8 *payload, size_t plen, size_t *len)
{
	size_t pm_size = ALIGN_UP(PAYLOAD_OFF + plen + 0x100, (size_t)16);
	u8 *f = calloc(1, SETUP_SIZE + pm_size);

	f[0x1F1] = SETUP_SECTS;
	put_le32(f + 0x1F4, (u32)(pm_size / 16));	/* syssize */
	put_le16(f + 0x1FE, 0xAA55);
	f[0x200] = 0xEB;				/* jmp to past the header */
	f[0x201] = 0x6A;
	memcpy(f + 0x202, "HdrS", 4);
	put_le16(f + 0x206, 0x020F);
	f[0x211] = LOADED_HIGH | CAN_USE_HEAP;
	put_le32(f + 0x214, 0x100000);			/* code32_start */
	put_le32(f + 0x22C, 0x7FFFFFFF);		/* initrd_addr_max */
	put_le32(f + 0x230, 0x200000);			/* kernel_alignment */
	f[0x234] = 1;					/* relocatable_kernel */
	f[0x235] = 21;
	put_le16(f + 0x236, XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G);
	put_le32(f + 0x238, 2047);			/* cmdline_size */
	put_le32(f + 0x248, PAYLOAD_OFF);
	put_le32(f + 0x24C, (u32)plen);
	put_le64(f + 0x258, 0x1000000);			/* pref_address */
	put_le32(f + 0x260, 0x2000000);			/* init_size */
	put_le32(f + 0x268, 0x1234);			/* kernel_info_offset */
	memset(f + SETUP_SIZE, 0x90, PAYLOAD_OFF);	/* "code" */
	memcpy(f + SETUP_SIZE + PAYLOAD_OFF, payload, plen);
	*len = SETUP_SIZE + pm_size;
	return f;
}

static void test_good(void)
{
	const size_t vlen = 64 << 10;
	u8 *vmlinux = fake_vmlinux(vlen);

	for (size_t i = 0; i < ARRAY_SIZE(fmts); i++) {
		const char *name = fmts[i].name;
		size_t clen, len, out_len = 0;
		u8 *c = fmts[i].compress(vmlinux, vlen, &clen, 0), *f, *out = NULL;
		struct bzimage bz;
		char err[256] = "";
		int rc;

		/* The Linux build appends the uncompressed size. */
		c = realloc(c, clen + 4);
		put_le32(c + clen, (u32)vlen);
		f = make_bzimage(c, clen + 4, &len);
		rc = bzimage_parse(f, len, &bz, err, sizeof(err));
		if (!ok(rc == 0, "%s bzImage parses", name))
			diag("  error: %s", err);
		ok(bz.version == 0x020F && bz.setup == f && bz.setup_size == SETUP_SIZE &&
			   bz.pm == f + SETUP_SIZE && bz.pm_size == len - SETUP_SIZE,
		   "%s: version 2.15, setup and pm located", name);
		ok(bz.payload == f + SETUP_SIZE + PAYLOAD_OFF && bz.payload_size == clen + 4,
		   "%s: payload located", name);
		is_str(compression_name(compression_detect(bz.payload, bz.payload_size)), name,
		       "  payload compression detected");
		rc = decompress(bz.payload, bz.payload_size, 1 << 30, &out, &out_len, err, sizeof(err));
		ok(rc == 0 && out_len == vlen && !memcmp(out, vmlinux, vlen) &&
			   elf_class(out, out_len) == 64,
		   "%s: payload decompresses to the ELF64 vmlinux", name);
		if (rc)
			diag("  error: %s", err);
		free(out);
		free(f);
		free(c);
	}
	free(vmlinux);
}

/* Parse @f (@len bytes) expecting failure with @want inside the message. */
static void expect_fail(const char *what, const u8 *f, size_t len, const char *want)
{
	struct bzimage bz;
	char err[256] = "";
	int rc = bzimage_parse(f, len, &bz, err, sizeof(err));

	ok(rc == -1 && strstr(err, want), "%s", what);
	diag("  -> %s", rc ? err : "(accepted)");
}

static void test_bad(void)
{
	static const u8 payload[64] = { 0x1f, 0x8b };
	size_t len;
	u8 *good = make_bzimage(payload, sizeof(payload), &len);
	u8 *f = malloc(len);
	struct bzimage bz;
	char err[256];

#define FRESH() memcpy(f, good, len)
	ok(bzimage_parse(good, len, &bz, err, sizeof(err)) == 0, "reference image parses");
	is_int(bz.hdr.code32_start, 0x100000, "hdr.code32_start copied");
	is_int(bz.hdr.pref_address, 0x1000000, "hdr.pref_address copied");
	is_int(bz.hdr.init_size, 0x2000000, "hdr.init_size copied");
	is_int(bz.hdr.kernel_info_offset, 0x1234, "hdr.kernel_info_offset kept at 2.15");

	expect_fail("empty buffer", NULL, 0, "not a bzImage: file is only 0 bytes");
	expect_fail("a 100-byte file", good, 100, "not a bzImage");
	expect_fail("truncated inside the setup", good, 1000,
		    "file truncated: setup needs 2560 bytes, file has 1000");
	expect_fail("nothing after the setup", good, SETUP_SIZE, "file truncated");
	expect_fail("truncated protected-mode part (syssize)", good, len - 16,
		    "protected-mode kernel needs");

	FRESH();
	f[0x1FE] = 0;
	expect_fail("bad boot_flag", f, len, "no 0xAA55 boot flag");
	FRESH();
	f[0x205] = 'T';		/* "HdrT" */
	expect_fail("bad HdrS", f, len, "not a bzImage: no HdrS magic at 0x202");
	FRESH();
	put_le16(f + 0x206, 0x0202);
	expect_fail("protocol 2.02", f, len, "boot protocol 2.02 is too old: lkvm needs 2.12");
	FRESH();
	put_le16(f + 0x206, 0x020B);
	expect_fail("protocol 2.11", f, len, "boot protocol 2.11 is too old");
	FRESH();
	put_le16(f + 0x206, 0x020C);
	ok(!bzimage_parse(f, len, &bz, err, sizeof(err)) && bz.hdr.kernel_info_offset == 0,
	   "protocol 2.12 accepted, kernel_info_offset (2.15) zeroed");
	FRESH();
	put_le16(f + 0x236, XLF_CAN_BE_LOADED_ABOVE_4G);
	expect_fail("no XLF_KERNEL_64", f, len, "(XLF_KERNEL_64 not set)");
	FRESH();
	f[0x211] = CAN_USE_HEAP;
	expect_fail("no LOADED_HIGH (zImage)", f, len, "LOADED_HIGH");
	FRESH();
	put_le32(f + 0x24C, (u32)len);
	expect_fail("payload longer than the file", f, len, "lies outside");
	FRESH();
	put_le32(f + 0x248, 0xFFFFFFF0);
	put_le32(f + 0x24C, 0x20);
	expect_fail("payload offset+length wrapping 32 bits", f, len, "lies outside");
	FRESH();
	put_le32(f + 0x24C, 0);
	expect_fail("no payload", f, len, "payload_length is 0");
	FRESH();
	put_le32(f + 0x1F4, 0xFFFFFFFF);
	expect_fail("huge syssize", f, len, "file truncated");

	/* setup_sects 0 means 4: same layout as the reference image. */
	FRESH();
	f[0x1F1] = 0;
	ok(!bzimage_parse(f, len, &bz, err, sizeof(err)) && bz.setup_size == SETUP_SIZE,
	   "setup_sects 0 means 4");
	/* A larger setup_sects moves the pm part and the payload with it. */
	FRESH();
	f[0x1F1] = 5;
	put_le32(f + 0x1F4, (u32)(len - 3072) / 16);
	put_le32(f + 0x248, 0x100);
	ok(!bzimage_parse(f, len, &bz, err, sizeof(err)) && bz.setup_size == 3072 &&
		   bz.pm == f + 3072 && bz.pm_size == len - 3072 && bz.payload == f + 3072 + 0x100,
	   "setup_sects 5: pm at 3072");
	FRESH();
	f[0x1F1] = 0xFF;
	expect_fail("setup_sects 255 beyond the file", f, len, "setup needs 131072 bytes");

	/* Every truncation and every single-byte change in the header region
	 * must give a clean answer (run under ASan/valgrind to see reads). */
	{
		int crashes = 0, accepted = 0;

		for (size_t l = 0; l <= len; l++)
			if (!bzimage_parse(good, l, &bz, err, sizeof(err)))
				accepted++;
		for (size_t off = 0x1F1; off < 0x26C; off++)
			for (int v = 0; v < 256; v += 17) {
				FRESH();
				f[off] = (u8)v;
				if (!bzimage_parse(f, len, &bz, err, sizeof(err)) &&
				    (bz.payload < f || bz.payload + bz.payload_size > f + len ||
				     bz.pm + bz.pm_size != f + len))
					crashes++;
			}
		is_int(accepted, 1, "only the full length of the file parses");
		is_int(crashes, 0, "header byte changes never yield ranges outside the file");
	}
#undef FRESH
	free(f);
	free(good);
}

int main(void)
{
	test_good();
	test_bad();
	return done_testing();
}
