/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fw_cfg: the QEMU firmware configuration interface, offered to test
 * kernels (kvm-unit-tests reads the CPU count and RAM size from it). lkvm
 * runs no firmware; this is only the key/value channel. I/O ports:
 * selector 0x510 (16-bit write), data 0x511 (8-bit read), DMA address
 * 0x514-0x51b (big endian; a write of the low half at 0x518 starts the
 * transfer). Source: QEMU docs/specs/fw_cfg.rst ("Guest-side interface",
 * "Selector", "Data", "DMA interface", "File directory").
 */
#ifndef LKVM_X86_FW_CFG_H
#define LKVM_X86_FW_CFG_H

#include "util/util.h"

struct kvm;
struct vm_config;

#define FW_CFG_PORT_SEL		0x510
#define FW_CFG_PORT_DATA	0x511
#define FW_CFG_PORT_DMA		0x514
#define FW_CFG_PORTS_LEN	12	/* 0x510-0x51b */

/* Selector keys (fw_cfg.rst, "Selector Register"). */
#define FW_CFG_SIGNATURE	0x00	/* "QEMU" */
#define FW_CFG_ID		0x01	/* u32 LE: bit 0 traditional, bit 1 DMA */
#define FW_CFG_RAM_SIZE		0x03	/* u64 LE, bytes */
#define FW_CFG_NB_CPUS		0x05	/* u16 LE */
#define FW_CFG_MAX_CPUS		0x0f	/* u16 LE */
#define FW_CFG_FILE_DIR		0x19	/* big-endian file directory */
#define FW_CFG_FILE_FIRST	0x20	/* first named file's key */

#define FW_CFG_ID_TRADITIONAL	(1u << 0)
#define FW_CFG_ID_DMA		(1u << 1)

/* DMA control bits (fw_cfg.rst, "DMA interface"), big endian in memory. */
#define FW_CFG_DMA_ERROR	(1u << 0)
#define FW_CFG_DMA_READ		(1u << 1)
#define FW_CFG_DMA_SKIP		(1u << 2)
#define FW_CFG_DMA_SELECT	(1u << 3)
#define FW_CFG_DMA_WRITE	(1u << 4)
/* What reading the DMA address register returns: "QEMU CFG". */
#define FW_CFG_DMA_SIGNATURE	0x51454d5520434647ULL

#define FW_CFG_NAME_MAX		55	/* name bytes; 56 with the NUL */
#define FW_CFG_MAX_FILES	32
#define FW_CFG_FILE_MAX_SIZE	(16 * SZ_1M)

/*
 * fw_cfg_name_valid - whether @name may name a user file: 1 to
 * FW_CFG_NAME_MAX characters from [A-Za-z0-9._-/], not starting or ending
 * with '/', no "//" (fw_cfg.rst, "File directory": names are paths such as
 * "etc/foo" or "opt/org.example/bar").
 */
bool fw_cfg_name_valid(const char *name);

/*
 * fw_cfg_init - register the fw_cfg ports on @kvm->pio with the items
 * SIGNATURE, ID (traditional + DMA), RAM_SIZE (cfg->ram_size), NB_CPUS
 * and MAX_CPUS (cfg->nr_cpus), FILE_DIR, and cfg->fw_cfg files (their
 * content read now from the file or taken from the string). DMA reaches
 * guest RAM through @kvm->mem. Returns 0, or -1 with one error line
 * (a file missing, unreadable or larger than FW_CFG_FILE_MAX_SIZE, a
 * duplicate name, ports taken).
 */
int fw_cfg_init(struct kvm *kvm);

/*
 * fw_cfg_check_inputs - before /dev/kvm is opened: check that each
 * --fw-cfg file= of @cfg can be read and is small enough. Returns the
 * number of bad ones, each reported in one error line.
 */
int fw_cfg_check_inputs(const struct vm_config *cfg);

/* fw_cfg_exit - unregister and free the device of fw_cfg_init(), if any. */
void fw_cfg_exit(struct kvm *kvm);

#endif
