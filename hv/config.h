/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct vm_config: everything `lkvm run` parsed from its options, handed to
 * hv/ to build the VM. Builtins fill it; devices only read it.
 */
#ifndef LKVM_CONFIG_H
#define LKVM_CONFIG_H

#include "util/log.h"
#include "util/util.h"

#define MAX_MODULES 16
#define MAX_DISKS 16
#define MAX_NETS 8		/* -n/--network NICs */
#define MAX_FW_CFG_FILES 32	/* == FW_CFG_MAX_FILES (hv/x86/fw_cfg.h) */
#define MAX_9P_SHARES 16

struct disk_opts;
struct net_opts;
struct p9_share_opts;

enum console_type { CONSOLE_SERIAL, CONSOLE_VIRTIO };

struct vm_config {
	const char *kernel;		/* -k: bzImage, vmlinux ELF or multiboot image */
	/* -i FILE and --module FILE[,STRING], in command-line order. Linux takes
	 * exactly one (the initrd); multiboot images take them all as modules. */
	struct boot_module {
		const char *path;
		const char *string;	/* multiboot module string, or NULL */
	} modules[MAX_MODULES];
	int nr_modules;
	const char *params;		/* -p: user's kernel command line */
	const char *symbols;		/* --symbols: System.map or vmlinux */
	const char *name;		/* --name; default "guest-<pid>" */
	u64 ram_size;			/* -m, in bytes */
	int nr_cpus;			/* -c */
	enum console_type console;
	bool debug_exits;		/* --debug-exits: log every exit */
	bool host_decompress;		/* default true; --no-host-decompress */
	bool pvm_quirks;		/* default true; --no-pvm-quirks */
	int debug_exit_port;		/* --debug-exit: -1 off, else I/O port */
	int debug_exit_size;		/* its width in bytes (1, 2 or 4) */
	bool debug_exit_set;		/* the user gave --debug-exit / --no-debug-exit */
	bool debug_exit_exact;		/* ,exact: status V, not (V << 1) | 1 */
	/* virtio devices (virtio/): transports are enum virtio_transport
	 * values (0 pci, 1 mmio) */
	int virtio_transport;		/* --virtio-transport: default for every device */
	bool rng;			/* --rng */
	int rng_transport;		/* --rng=TRANSPORT, or -1 for the default */
	/* -d/--disk (disk/disk.h struct disk_opts), in command-line order */
	struct disk_opts *disks[MAX_DISKS];
	int nr_disks;
	/* -n/--network (net/opts.h struct net_opts), in command-line order:
	 * eth0, eth1...; builtin-run.c adds one user NIC for a Linux guest
	 * given no -n, and -n none leaves the list empty */
	struct net_opts *nets[MAX_NETS];
	int nr_nets;
	/* --9p HOSTDIR[,TAG][,ro] (virtio/9p-opts.h), in command-line order */
	struct p9_share_opts *shares[MAX_9P_SHARES];
	int nr_shares;
	/* --fw-cfg name=NAME,file=PATH|string=TEXT, in command-line order;
	 * exactly one of @path and @string is set */
	struct fw_cfg_file_opt {
		const char *name;
		const char *path;
		const char *string;
	} fw_cfg[MAX_FW_CFG_FILES];
	int nr_fw_cfg;
	int test_dev;			/* --test-dev: -1 default (on for multiboot), 0, 1 */
};

#endif
