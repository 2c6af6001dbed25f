/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86 Linux boot protocol: the setup header a bzImage carries at 0x1F1, the
 * zero page (struct boot_params) a loader hands to the kernel, and a parser
 * that splits a bzImage file into its real-mode setup, its protected-mode
 * kernel and the compressed payload inside the latter.
 *
 * Source: Linux Documentation/arch/x86/boot.rst ("THE LINUX/x86 BOOT
 * PROTOCOL") for the header, Documentation/arch/x86/zero-page.rst for the
 * zero page. Every multi-byte field is little-endian, as on the guest.
 */
#ifndef LKVM_X86_BZIMAGE_H
#define LKVM_X86_BZIMAGE_H

#include <stddef.h>

#include "util/util.h"

/* Offsets and magics in the image file (boot protocol, "the real-mode kernel header"). */
#define BZ_HDR_OFFSET		0x1F1		/* struct setup_header in file and zero page */
#define BZ_BOOT_FLAG		0xAA55		/* boot_flag at 0x1FE */
#define BZ_HDR_MAGIC		0x53726448	/* "HdrS" at 0x202, read little-endian */
#define BZ_SECTOR_SIZE		512		/* setup_sects counts these */
#define BZ_DEFAULT_SETUP_SECTS	4		/* setup_sects 0 means 4 (boot protocol) */
#define BZ_MIN_VERSION		0x020C		/* 2.12: xloadflags, 64-bit entry */

/* loadflags bits (boot protocol, field loadflags). */
#define LOADED_HIGH		(1 << 0)	/* protected-mode code goes at 1 MiB */
#define KASLR_FLAG		(1 << 1)	/* set by the kernel itself */
#define QUIET_FLAG		(1 << 5)	/* suppress early messages */
#define KEEP_SEGMENTS		(1 << 6)	/* obsolete since 2.07 */
#define CAN_USE_HEAP		(1 << 7)	/* heap_end_ptr is valid */

/* xloadflags bits (boot protocol 2.12+, field xloadflags). */
#define XLF_KERNEL_64			(1 << 0)	/* 64-bit entry at code32_start + 0x200 */
#define XLF_CAN_BE_LOADED_ABOVE_4G	(1 << 1)
#define XLF_EFI_HANDOVER_32		(1 << 2)
#define XLF_EFI_HANDOVER_64		(1 << 3)
#define XLF_EFI_KEXEC			(1 << 4)
#define XLF_5LEVEL			(1 << 5)
#define XLF_5LEVEL_ENABLED		(1 << 6)

/* Offset of the 64-bit entry point from the start of the protected-mode
 * kernel (boot protocol, "64-bit boot protocol"). */
#define BZ_ENTRY64_OFFSET	0x200

/* type_of_loader value for a boot loader without an assigned ID. */
#define LOADER_TYPE_UNDEFINED	0xFF

/* E820 entry types (ACPI 6.4 section 15, "System Address Map Interfaces"). */
#define E820_TYPE_RAM		1
#define E820_TYPE_RESERVED	2
#define E820_TYPE_ACPI		3
#define E820_TYPE_NVS		4
#define E820_TYPE_UNUSABLE	5
#define E820_MAX_ENTRIES_ZEROPAGE 128

/*
 * struct setup_header - the real-mode kernel header, at 0x1F1 in both the
 * image file and the zero page. Field names and offsets are those of the
 * boot protocol's table (offsets below are from the start of the file).
 * Fields newer than the image's protocol version are zero in our copy.
 */
struct setup_header {
	u8  setup_sects;		/* 0x1F1: size of setup in 512-byte sectors, minus the boot sector */
	u16 root_flags;			/* 0x1F2 */
	u32 syssize;			/* 0x1F4: protected-mode size in 16-byte paragraphs */
	u16 ram_size;			/* 0x1F8: obsolete */
	u16 vid_mode;			/* 0x1FA */
	u16 root_dev;			/* 0x1FC */
	u16 boot_flag;			/* 0x1FE: 0xAA55 */
	u16 jump;			/* 0x200: short jmp; its offset byte bounds the header */
	u32 header;			/* 0x202: "HdrS" */
	u16 version;			/* 0x206: protocol version, major << 8 | minor */
	u32 realmode_swtch;		/* 0x208 */
	u16 start_sys_seg;		/* 0x20C: obsolete */
	u16 kernel_version;		/* 0x20E: offset of the version string - 0x200 */
	u8  type_of_loader;		/* 0x210 */
	u8  loadflags;			/* 0x211 */
	u16 setup_move_size;		/* 0x212 */
	u32 code32_start;		/* 0x214: protected-mode load address */
	u32 ramdisk_image;		/* 0x218: initrd GPA, low 32 bits */
	u32 ramdisk_size;		/* 0x21C: initrd size in bytes, low 32 bits */
	u32 bootsect_kludge;		/* 0x220: obsolete */
	u16 heap_end_ptr;		/* 0x224 */
	u8  ext_loader_ver;		/* 0x226 */
	u8  ext_loader_type;		/* 0x227 */
	u32 cmd_line_ptr;		/* 0x228: command line GPA, low 32 bits */
	u32 initrd_addr_max;		/* 0x22C: highest byte an initrd may occupy */
	u32 kernel_alignment;		/* 0x230 */
	u8  relocatable_kernel;		/* 0x234 */
	u8  min_alignment;		/* 0x235: log2 */
	u16 xloadflags;			/* 0x236 */
	u32 cmdline_size;		/* 0x238: max command line length, without NUL */
	u32 hardware_subarch;		/* 0x23C */
	u64 hardware_subarch_data;	/* 0x240 */
	u32 payload_offset;		/* 0x248: from the start of protected-mode code */
	u32 payload_length;		/* 0x24C */
	u64 setup_data;			/* 0x250: GPA of a struct setup_data list */
	u64 pref_address;		/* 0x258: preferred load address */
	u32 init_size;			/* 0x260: bytes of memory the kernel needs from its load address */
	u32 handover_offset;		/* 0x264: EFI handover entry */
	u32 kernel_info_offset;		/* 0x268: protocol 2.15 */
} __attribute__((packed));

#define SH_OFF(f) (BZ_HDR_OFFSET + offsetof(struct setup_header, f))
_Static_assert(SH_OFF(setup_sects) == 0x1F1, "setup_sects");
_Static_assert(SH_OFF(root_flags) == 0x1F2, "root_flags");
_Static_assert(SH_OFF(syssize) == 0x1F4, "syssize");
_Static_assert(SH_OFF(ram_size) == 0x1F8, "ram_size");
_Static_assert(SH_OFF(vid_mode) == 0x1FA, "vid_mode");
_Static_assert(SH_OFF(root_dev) == 0x1FC, "root_dev");
_Static_assert(SH_OFF(boot_flag) == 0x1FE, "boot_flag");
_Static_assert(SH_OFF(jump) == 0x200, "jump");
_Static_assert(SH_OFF(header) == 0x202, "header");
_Static_assert(SH_OFF(version) == 0x206, "version");
_Static_assert(SH_OFF(realmode_swtch) == 0x208, "realmode_swtch");
_Static_assert(SH_OFF(start_sys_seg) == 0x20C, "start_sys_seg");
_Static_assert(SH_OFF(kernel_version) == 0x20E, "kernel_version");
_Static_assert(SH_OFF(type_of_loader) == 0x210, "type_of_loader");
_Static_assert(SH_OFF(loadflags) == 0x211, "loadflags");
_Static_assert(SH_OFF(setup_move_size) == 0x212, "setup_move_size");
_Static_assert(SH_OFF(code32_start) == 0x214, "code32_start");
_Static_assert(SH_OFF(ramdisk_image) == 0x218, "ramdisk_image");
_Static_assert(SH_OFF(ramdisk_size) == 0x21C, "ramdisk_size");
_Static_assert(SH_OFF(bootsect_kludge) == 0x220, "bootsect_kludge");
_Static_assert(SH_OFF(heap_end_ptr) == 0x224, "heap_end_ptr");
_Static_assert(SH_OFF(ext_loader_ver) == 0x226, "ext_loader_ver");
_Static_assert(SH_OFF(ext_loader_type) == 0x227, "ext_loader_type");
_Static_assert(SH_OFF(cmd_line_ptr) == 0x228, "cmd_line_ptr");
_Static_assert(SH_OFF(initrd_addr_max) == 0x22C, "initrd_addr_max");
_Static_assert(SH_OFF(kernel_alignment) == 0x230, "kernel_alignment");
_Static_assert(SH_OFF(relocatable_kernel) == 0x234, "relocatable_kernel");
_Static_assert(SH_OFF(min_alignment) == 0x235, "min_alignment");
_Static_assert(SH_OFF(xloadflags) == 0x236, "xloadflags");
_Static_assert(SH_OFF(cmdline_size) == 0x238, "cmdline_size");
_Static_assert(SH_OFF(hardware_subarch) == 0x23C, "hardware_subarch");
_Static_assert(SH_OFF(hardware_subarch_data) == 0x240, "hardware_subarch_data");
_Static_assert(SH_OFF(payload_offset) == 0x248, "payload_offset");
_Static_assert(SH_OFF(payload_length) == 0x24C, "payload_length");
_Static_assert(SH_OFF(setup_data) == 0x250, "setup_data");
_Static_assert(SH_OFF(pref_address) == 0x258, "pref_address");
_Static_assert(SH_OFF(init_size) == 0x260, "init_size");
_Static_assert(SH_OFF(handover_offset) == 0x264, "handover_offset");
_Static_assert(SH_OFF(kernel_info_offset) == 0x268, "kernel_info_offset");
_Static_assert(sizeof(struct setup_header) == 0x26C - BZ_HDR_OFFSET, "setup_header size");
#undef SH_OFF

/* One E820 map entry: @size bytes at @addr of E820_TYPE_* @type
 * (zero-page.rst, e820_table; types from ACPI 6.4 section 15). */
struct boot_e820_entry {
	u64 addr;
	u64 size;
	u32 type;
} __attribute__((packed));
_Static_assert(sizeof(struct boot_e820_entry) == 20, "boot_e820_entry size");

/*
 * struct boot_params - the 4 KiB "zero page" a 64-bit (or 32-bit) boot
 * loader fills and passes to the kernel in RSI (zero-page.rst). Only the
 * fields lkvm sets are named; the rest is padding that must stay zero.
 */
struct boot_params {
	u8  screen_info[0x40];		/* 0x000: struct screen_info */
	u8  apm_bios_info[0x14];	/* 0x040 */
	u8  _pad1[4];			/* 0x054 */
	u64 tboot_addr;			/* 0x058 */
	u8  ist_info[0x10];		/* 0x060 */
	u64 acpi_rsdp_addr;		/* 0x070: GPA of the ACPI RSDP (protocol 2.14) */
	u8  _pad2[8];			/* 0x078 */
	u8  hd0_info[0x10];		/* 0x080: obsolete */
	u8  hd1_info[0x10];		/* 0x090: obsolete */
	u8  sys_desc_table[0x10];	/* 0x0A0: obsolete */
	u8  olpc_ofw_header[0x10];	/* 0x0B0 */
	u32 ext_ramdisk_image;		/* 0x0C0: initrd GPA, high 32 bits */
	u32 ext_ramdisk_size;		/* 0x0C4: initrd size, high 32 bits */
	u32 ext_cmd_line_ptr;		/* 0x0C8: command line GPA, high 32 bits */
	u8  _pad3[0x13C - 0x0CC];	/* 0x0CC */
	u32 cc_blob_address;		/* 0x13C */
	u8  edid_info[0x80];		/* 0x140 */
	u8  efi_info[0x20];		/* 0x1C0 */
	u32 alt_mem_k;			/* 0x1E0: KiB of memory above 1 MiB (legacy) */
	u32 scratch;			/* 0x1E4 */
	u8  e820_entries;		/* 0x1E8: used entries of e820_table */
	u8  eddbuf_entries;		/* 0x1E9 */
	u8  edd_mbr_sig_buf_entries;	/* 0x1EA */
	u8  kbd_status;			/* 0x1EB */
	u8  secure_boot;		/* 0x1EC */
	u8  _pad5[2];			/* 0x1ED */
	u8  sentinel;			/* 0x1EF: must be 0, or the kernel clears bogus fields */
	u8  _pad6;			/* 0x1F0 */
	struct setup_header hdr;	/* 0x1F1 */
	u8  _pad7[0x290 - 0x1F1 - sizeof(struct setup_header)];
	u32 edd_mbr_sig_buffer[16];	/* 0x290 */
	struct boot_e820_entry e820_table[E820_MAX_ENTRIES_ZEROPAGE]; /* 0x2D0 */
	u8  _pad8[48];			/* 0xCD0 */
	u8  eddbuf[0x1EC];		/* 0xD00 */
	u8  _pad9[0x1000 - 0xEEC];	/* 0xEEC */
} __attribute__((packed));

_Static_assert(offsetof(struct boot_params, screen_info) == 0x000, "screen_info");
_Static_assert(offsetof(struct boot_params, tboot_addr) == 0x058, "tboot_addr");
_Static_assert(offsetof(struct boot_params, acpi_rsdp_addr) == 0x070, "acpi_rsdp_addr");
_Static_assert(offsetof(struct boot_params, ext_ramdisk_image) == 0x0C0, "ext_ramdisk_image");
_Static_assert(offsetof(struct boot_params, ext_ramdisk_size) == 0x0C4, "ext_ramdisk_size");
_Static_assert(offsetof(struct boot_params, ext_cmd_line_ptr) == 0x0C8, "ext_cmd_line_ptr");
_Static_assert(offsetof(struct boot_params, cc_blob_address) == 0x13C, "cc_blob_address");
_Static_assert(offsetof(struct boot_params, edid_info) == 0x140, "edid_info");
_Static_assert(offsetof(struct boot_params, efi_info) == 0x1C0, "efi_info");
_Static_assert(offsetof(struct boot_params, alt_mem_k) == 0x1E0, "alt_mem_k");
_Static_assert(offsetof(struct boot_params, e820_entries) == 0x1E8, "e820_entries");
_Static_assert(offsetof(struct boot_params, sentinel) == 0x1EF, "sentinel");
_Static_assert(offsetof(struct boot_params, hdr) == 0x1F1, "hdr");
_Static_assert(offsetof(struct boot_params, edd_mbr_sig_buffer) == 0x290, "edd_mbr_sig_buffer");
_Static_assert(offsetof(struct boot_params, e820_table) == 0x2D0, "e820_table");
_Static_assert(offsetof(struct boot_params, eddbuf) == 0xD00, "eddbuf");
_Static_assert(sizeof(struct boot_params) == 4096, "boot_params size");

/*
 * struct bzimage - a parsed bzImage. The pointers point into the caller's
 * file buffer (no copies); they stay valid as long as that buffer does.
 */
struct bzimage {
	struct setup_header hdr;	/* copy of the image's header, newer fields zeroed */
	const u8 *setup;		/* real-mode part: boot sector + setup_sects sectors */
	size_t setup_size;		/* its size in bytes: ((setup_sects ?: 4) + 1) * 512 */
	const u8 *pm;			/* protected-mode kernel, loaded at code32_start / pref_address */
	size_t pm_size;			/* bytes: the rest of the file */
	const u8 *payload;		/* compressed vmlinux inside pm (payload_offset) */
	size_t payload_size;		/* bytes (payload_length) */
	u16 version;			/* boot protocol version, e.g. 0x020f for 2.15 */
};

/*
 * bzimage_parse - validate a bzImage file and locate its parts.
 * @buf, @len: the whole file (hostile: every offset is checked).
 * @bz: out; pointers into @buf.
 * @err, @errlen: out, a one-line reason on failure.
 * Requires boot protocol 2.12 or later (xloadflags), XLF_KERNEL_64 and
 * LOADED_HIGH, so that the kernel can be entered in 64-bit mode.
 * Returns 0, or -1 with @err set (e.g. "not a bzImage: no HdrS magic at
 * 0x202", "file truncated: setup needs 2560 bytes, file has 1000").
 * Source: boot.rst, "The real-mode kernel header" and "Loading the rest of
 * the kernel".
 */
int bzimage_parse(const u8 *buf, size_t len, struct bzimage *bz, char *err, size_t errlen);

#endif
