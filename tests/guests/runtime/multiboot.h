/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The multiboot v1 information structure as the guest sees it.
 * Source: Multiboot Specification 0.6.96, section 3.3 ("Boot information
 * format"). All addresses are 32-bit physical addresses.
 */
#ifndef GUEST_MULTIBOOT_H
#define GUEST_MULTIBOOT_H

#include <stdint.h>

#define MB_BOOT_MAGIC		0x2BADB002	/* EAX at entry */

/* mb_info.flags: which fields are valid. */
#define MB_INFO_MEMORY		(1u << 0)	/* mem_lower, mem_upper */
#define MB_INFO_CMDLINE		(1u << 2)
#define MB_INFO_MODS		(1u << 3)
#define MB_INFO_MMAP		(1u << 6)
#define MB_INFO_LOADER_NAME	(1u << 9)

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower;		/* KiB of RAM from 0 */
	uint32_t mem_upper;		/* KiB of RAM from 1 MiB up to the first hole */
	uint32_t boot_device;
	uint32_t cmdline;		/* GPA of a C string */
	uint32_t mods_count;
	uint32_t mods_addr;		/* GPA of mods_count struct mb_module */
	uint32_t syms[4];
	uint32_t mmap_length;		/* bytes */
	uint32_t mmap_addr;		/* GPA of the first struct mb_mmap_entry */
	uint32_t drives_length;
	uint32_t drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;	/* GPA of a C string */
	uint32_t apm_table;
	uint32_t vbe_control_info;
	uint32_t vbe_mode_info;
	uint16_t vbe_mode;
	uint16_t vbe_interface_seg;
	uint16_t vbe_interface_off;
	uint16_t vbe_interface_len;
};

/* One module: bytes [mod_start, mod_end) and its string. */
struct mb_module {
	uint32_t mod_start;
	uint32_t mod_end;
	uint32_t string;
	uint32_t reserved;
};

/* One memory map entry; @size counts the bytes after itself (20 usually). */
struct mb_mmap_entry {
	uint32_t size;
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;			/* 1 = available RAM, others reserved */
} __attribute__((packed));

#endif
