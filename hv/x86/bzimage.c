// SPDX-License-Identifier: GPL-2.0
/*
 * bzImage parsing (boot.rst, "The real-mode kernel header"). The file is
 * untrusted: every read below is bounded by @len before it happens.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hv/x86/bzimage.h"

int bzimage_parse(const u8 *buf, size_t len, struct bzimage *bz, char *err, size_t errlen)
{
	/* Up to and including the version field: enough to identify the file. */
	const size_t ident_end = BZ_HDR_OFFSET + offsetof(struct setup_header, version) + 2;
	unsigned int sects;
	size_t setup_size;
	u16 version;

	memset(bz, 0, sizeof(*bz));
	if (!buf || len < ident_end)
		return set_err(err, errlen, "not a bzImage: file is only %zu bytes", len);
	if (get_le16(buf + 0x1FE) != BZ_BOOT_FLAG)
		return set_err(err, errlen, "not a bzImage: no 0xAA55 boot flag at 0x1FE");
	if (get_le32(buf + 0x202) != BZ_HDR_MAGIC)
		return set_err(err, errlen, "not a bzImage: no HdrS magic at 0x202");

	version = get_le16(buf + 0x206);
	if (version < BZ_MIN_VERSION)
		return set_err(err, errlen,
			       "boot protocol %u.%02u is too old: lkvm needs 2.12 or later (64-bit entry, xloadflags)",
			       version >> 8, version & 0xFF);

	/* The boot sector counts as one more sector than setup_sects says. */
	sects = buf[BZ_HDR_OFFSET] ? buf[BZ_HDR_OFFSET] : BZ_DEFAULT_SETUP_SECTS;
	setup_size = ((size_t)sects + 1) * BZ_SECTOR_SIZE;
	if (len < setup_size)
		return set_err(err, errlen, "file truncated: setup needs %zu bytes, file has %zu",
			       setup_size, len);

	/* setup_size >= 1024 > end of the header, so the copy is in bounds. */
	_Static_assert(BZ_HDR_OFFSET + sizeof(struct setup_header) <= 2 * BZ_SECTOR_SIZE,
		       "header inside the smallest setup");
	memcpy(&bz->hdr, buf + BZ_HDR_OFFSET, sizeof(bz->hdr));
	/* Before 2.15 these bytes are setup code, not kernel_info_offset. */
	if (version < 0x020F)
		bz->hdr.kernel_info_offset = 0;
	bz->version = version;

	if (!(bz->hdr.xloadflags & XLF_KERNEL_64))
		return set_err(err, errlen, "kernel cannot be entered in 64-bit mode (XLF_KERNEL_64 not set)");
	if (!(bz->hdr.loadflags & LOADED_HIGH))
		return set_err(err, errlen,
			       "not a bzImage: LOADED_HIGH is clear (a zImage loads at 0x10000, which lkvm does not support)");

	bz->setup = buf;
	bz->setup_size = setup_size;
	bz->pm = buf + setup_size;
	bz->pm_size = len - setup_size;
	if (!bz->pm_size)
		return set_err(err, errlen, "file truncated: nothing after the %zu-byte setup", setup_size);
	/* syssize counts 16-byte paragraphs; signed images may have more. */
	if ((u64)bz->hdr.syssize * 16 > bz->pm_size)
		return set_err(err, errlen,
			       "file truncated: protected-mode kernel needs %llu bytes (syssize), file has %zu",
			       (unsigned long long)bz->hdr.syssize * 16, bz->pm_size);

	if (!bz->hdr.payload_length)
		return set_err(err, errlen, "bzImage has no payload (payload_length is 0)");
	if ((u64)bz->hdr.payload_offset + bz->hdr.payload_length > bz->pm_size)
		return set_err(err, errlen,
			       "payload at %#x+%#x lies outside the %zu-byte protected-mode kernel",
			       bz->hdr.payload_offset, bz->hdr.payload_length, bz->pm_size);
	bz->payload = bz->pm + bz->hdr.payload_offset;
	bz->payload_size = bz->hdr.payload_length;
	return 0;
}
