/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest physical layout lkvm uses on x86 (all GPAs, bytes). Low memory holds
 * what firmware would: boot structures, page tables and the tables Linux
 * scans for (ACPI RSDP in 0xE0000-0xFFFFF, MP floating pointer in
 * 0xF0000-0xFFFFF). Sources: x86 boot protocol (Documentation/arch/x86/boot.rst),
 * ACPI 6.4 section 5.2.5.1, MP spec 1.4 section 4.
 */
#ifndef LKVM_X86_LAYOUT_H
#define LKVM_X86_LAYOUT_H

#define BOOT_GDT_GPA		0x1000ULL	/* 4 KiB: boot GDT */
#define BOOT_PARAMS_GPA		0x7000ULL	/* 4 KiB: struct boot_params (zero page) */
#define BOOT_PML4_GPA		0x9000ULL	/* 4 KiB: PML4 */
#define BOOT_PDPT_GPA		0xA000ULL	/* 4 KiB: PDPT */
#define BOOT_PD_GPA		0xB000ULL	/* 4 x 4 KiB: PDs mapping 0-4 GiB with 2 MiB pages */
#define BOOT_STACK_TOP		0x1F000ULL	/* initial stack for test kernels */
#define BOOT_CMDLINE_GPA	0x20000ULL	/* kernel command line */
#define BOOT_CMDLINE_MAX	0x10000ULL	/* its size limit, with the NUL */
#define MULTIBOOT_INFO_GPA	0x30000ULL	/* multiboot info + strings + mmap (64 KiB) */
#define MULTIBOOT_INFO_MAX	0x10000ULL
#define EBDA_GPA		0x9FC00ULL	/* reserved up to 1 MiB from here */
#define ACPI_AREA_GPA		0xE0000ULL	/* 64 KiB: RSDP first, then the tables */
#define ACPI_AREA_SIZE		0x10000ULL
#define MPTABLE_AREA_GPA	0xF0000ULL	/* 64 KiB: MP floating pointer + config table */
#define MPTABLE_AREA_SIZE	0x10000ULL
#define BIOS_END		0x100000ULL
#define KERNEL_DEFAULT_GPA	0x100000ULL	/* bzImage protected-mode code (code32_start) */

/* Fixed MMIO at the top of the 32-bit space (Intel SDM vol. 3 10.4.1, 82093AA). */
#define IOAPIC_GPA		0xFEC00000ULL
#define LAPIC_GPA		0xFEE00000ULL
/* Window for PCI BARs and other lkvm MMIO devices: [start, end). */
#define PCI_MMIO_START		0xC0000000ULL
#define PCI_MMIO_END		0xFEC00000ULL
/*
 * virtio-mmio register windows (virtio 1.2 section 4.2), 4 KiB each, at
 * the top of the PCI window: PCI BARs are allocated below
 * VIRTIO_MMIO_START. Device N (in creation order) is at
 * VIRTIO_MMIO_START + N * VIRTIO_MMIO_SIZE, so test payloads can find them.
 */
#define VIRTIO_MMIO_START	0xFEB00000ULL
#define VIRTIO_MMIO_END		PCI_MMIO_END
#define VIRTIO_MMIO_SIZE	0x1000ULL

/* ACPI fixed-hardware ports (FADT PM1a blocks), handled by hv/x86/acpi_pm.c. */
#define ACPI_PM1A_EVT_PORT	0x600	/* 4 bytes: PM1_STS, PM1_EN */
#define ACPI_PM1A_CNT_PORT	0x604	/* 2 bytes: PM1_CNT */
#define ACPI_PM_TMR_PORT	0x608	/* 4 bytes: PM_TMR (24-bit) */
#define ACPI_SCI_IRQ		9

/* HPET register block (IA-PC HPET specification 1.0a, 1 KiB). */
#define HPET_GPA		0xFED00000ULL
#define HPET_SIZE		0x400ULL

/* pc-testdev's I/O RAM window (hv/x86/testdev.c, --test-dev). */
#define TESTDEV_IORAM_GPA	0xFF000000ULL
#define TESTDEV_IORAM_SIZE	0x10000ULL

#endif
