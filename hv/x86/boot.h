/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading a guest image and the BSP's first register state.
 * hv/x86/boot.c picks the loader by looking at the image: multiboot v1
 * header, bzImage (x86 boot protocol), or an ELF64 vmlinux.
 */
#ifndef LKVM_X86_BOOT_H
#define LKVM_X86_BOOT_H

#include "hv/kvm.h"

/* The CPU mode the BSP starts in. */
enum boot_cpu_mode {
	BOOT_MODE_LONG,		/* 64-bit, paging on with lkvm's identity map of 0-4 GiB,
				 * GDT at BOOT_GDT_GPA (CS 0x10, DS 0x18) */
	BOOT_MODE_PROTECTED,	/* 32-bit flat, paging off (multiboot spec 3.2) */
};

/* Initial BSP state a loader asks for; lkvm builds GDT/page tables for it. */
struct boot_cpu_state {
	enum boot_cpu_mode mode;
	u64 rip;
	u64 rsp;
	u64 rax, rbx, rsi;
};

/* What kind of image -k named. */
enum image_kind { IMAGE_BZIMAGE, IMAGE_VMLINUX, IMAGE_MULTIBOOT };

/*
 * boot_load - load cfg->kernel (and initrd/modules, command line) into guest
 * RAM and fill @cpu. Builds boot structures (boot_params, e820, firmware
 * tables) as the image kind needs. On failure prints one error line naming
 * the input and returns -1.
 */
int boot_load(struct kvm *kvm, struct boot_cpu_state *cpu);

/*
 * boot_setup_bsp - put vCPU 0 in @cpu's state with KVM_SET_SREGS/REGS
 * (Documentation/virt/kvm/api.rst). Returns 0 or -1.
 */
int boot_setup_bsp(struct vcpu *vcpu, const struct boot_cpu_state *cpu);

/*
 * multiboot_probe - find a multiboot v1 header (magic 0x1BADB002 with a
 * valid checksum, 4-byte aligned, in the first 8 KiB). Returns its offset,
 * or -1 if there is none. Source: Multiboot Specification 0.6.96 section 3.1.
 */
long multiboot_probe(const u8 *img, size_t len);

/*
 * multiboot_load - load a multiboot v1 image and its modules
 * (kvm->cfg->modules) per the multiboot spec, build the multiboot
 * information structure at MULTIBOOT_INFO_GPA, and set @cpu to protected
 * mode with EAX = 0x2BADB002, EBX = the info structure's GPA.
 * Returns 0, or -1 with a one-line reason in @err.
 */
int multiboot_load(struct kvm *kvm, const u8 *img, size_t len,
		   struct boot_cpu_state *cpu, char *err, size_t errlen);

#endif
