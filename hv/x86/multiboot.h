/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multiboot v1: the image header a test kernel carries and the information
 * structure the loader hands it. Source: Multiboot Specification 0.6.96,
 * sections 3.1 (OS image format), 3.2 (machine state) and 3.3 (boot
 * information format). The loader itself is declared in hv/x86/boot.h
 * (multiboot_probe, multiboot_load).
 */
#ifndef LKVM_X86_MULTIBOOT_H
#define LKVM_X86_MULTIBOOT_H

#include "util/util.h"

#define MB_HEADER_MAGIC		0x1BADB002u
#define MB_BOOTLOADER_MAGIC	0x2BADB002u	/* EAX at the kernel's entry */
#define MB_SEARCH_LIMIT		8192		/* bytes: the header lies in these */
#define MB_HEADER_ALIGN		4

/* Header flags (spec 3.1.2). Bits 0-15 are requirements, 16-31 optional. */
#define MB_FLAG_PAGE_ALIGN	(1u << 0)	/* modules on 4 KiB boundaries */
#define MB_FLAG_MEMORY_INFO	(1u << 1)	/* mem_* and mmap_* wanted */
#define MB_FLAG_VIDEO_MODE	(1u << 2)	/* a graphics mode wanted */
#define MB_FLAG_AOUT_KLUDGE	(1u << 16)	/* load by the address fields */
#define MB_FLAGS_REQUIRED_MASK	0xffffu
#define MB_FLAGS_KNOWN_REQUIRED	(MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO | MB_FLAG_VIDEO_MODE)

/* The header as stored in the image (spec 3.1.1), little-endian. */
struct mb_header {
	u32 magic;
	u32 flags;
	u32 checksum;		/* magic + flags + checksum == 0 (mod 2^32) */
	/* Valid with MB_FLAG_AOUT_KLUDGE: */
	u32 header_addr;	/* physical address of this header */
	u32 load_addr;		/* where the text segment starts */
	u32 load_end_addr;	/* end of the data to load; 0 = to the file's end */
	u32 bss_end_addr;	/* end of the bss to zero; 0 = no bss */
	u32 entry_addr;
	/* Valid with MB_FLAG_VIDEO_MODE: */
	u32 mode_type, width, height, depth;
} __attribute__((packed));

#define MB_HEADER_BASE_SIZE	12	/* magic, flags, checksum */
#define MB_HEADER_AOUT_SIZE	32	/* ... through entry_addr */

/* mb_info.flags (spec 3.3): which fields the loader filled. */
#define MB_INFO_MEMORY		(1u << 0)
#define MB_INFO_BOOTDEV		(1u << 1)
#define MB_INFO_CMDLINE		(1u << 2)
#define MB_INFO_MODS		(1u << 3)
#define MB_INFO_MMAP		(1u << 6)
#define MB_INFO_LOADER_NAME	(1u << 9)

/* The boot information structure (spec 3.3); addresses are 32-bit GPAs. */
struct mb_info {
	u32 flags;
	u32 mem_lower;		/* KiB of RAM from 0 */
	u32 mem_upper;		/* KiB of RAM from 1 MiB to the first hole */
	u32 boot_device;
	u32 cmdline;
	u32 mods_count;
	u32 mods_addr;
	u32 syms[4];
	u32 mmap_length;	/* bytes of mmap entries */
	u32 mmap_addr;
	u32 drives_length;
	u32 drives_addr;
	u32 config_table;
	u32 boot_loader_name;
	u32 apm_table;
	u32 vbe_control_info;
	u32 vbe_mode_info;
	u16 vbe_mode;
	u16 vbe_interface_seg;
	u16 vbe_interface_off;
	u16 vbe_interface_len;
} __attribute__((packed));

/* A module: bytes [mod_start, mod_end) and its string's GPA (spec 3.3). */
struct mb_module {
	u32 mod_start;
	u32 mod_end;
	u32 string;
	u32 reserved;
} __attribute__((packed));

/* A memory map entry; @size counts the bytes after itself (spec 3.3). */
struct mb_mmap_entry {
	u32 size;
	u64 base_addr;
	u64 length;
	u32 type;
} __attribute__((packed));

#define MB_MMAP_AVAILABLE	1
#define MB_MMAP_RESERVED	2

/* A parsed, validated header: where it is and how to load the image. */
struct mb_image_header {
	size_t offset;		/* of the header in the file, bytes */
	struct mb_header hdr;	/* fields beyond what the file holds are 0 */
};

/*
 * multiboot_parse_header - find and check the multiboot header of @img
 * (@len bytes, hostile): the first 4-byte-aligned magic with a valid
 * checksum wholly in the first 8 KiB; required flags lkvm honours (bits
 * 0 and 1; bit 2, a video mode, is refused; any other bit of 0-15 is an
 * unknown requirement); with flag 16 the address fields must be present
 * and consistent (header_addr >= load_addr, load_end_addr and
 * bss_end_addr not below load_addr, the load start not before the file's
 * start); without it the image must be ELF.
 * Returns 0 with @out filled, or -1 with a one-line reason in @err.
 */
int multiboot_parse_header(const u8 *img, size_t len, struct mb_image_header *out,
			   char *err, size_t errlen);

#endif
