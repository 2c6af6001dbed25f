/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lkvm's DSDT, compiled at build time by iasl (acpica-tools) into a C array
 * that hv/x86/acpi.c copies into guest memory. acpi.c rewrites the header's
 * creator fields and checksum, so only the body matters here.
 *
 * Keep in sync with C:
 *   - \_S5 SLP_TYPa == ACPI_S5_SLP_TYP (hv/x86/acpi.h), checked by acpi_pm.c
 *     when the guest writes PM1_CNT;
 *   - the memory window == [PCI_MMIO_START, PCI_MMIO_END) of
 *     hv/x86/layout.h (tests/unit/test-acpi.c checks the AML bytes).
 * Sources: ACPI 6.4 sections 7.4.2 (\_Sx), 6.2.2 (_CRS),
 * 6.2.13 (_PRT), 6.5.5 (_BBN), 19.6 (ASL resource macros); PCI Firmware
 * 3.2 section 4.1 (host bridge _CRS).
 */
DefinitionBlock ("", "DSDT", 2, "LKVM  ", "LKVMTBL ", 1)
{
    /*
     * S5 (soft off). SLP_TYPa/SLP_TYPb = 5 is an arbitrary lkvm choice: the
     * OS writes it to PM1a_CNT.SLP_TYP together with SLP_EN to power off.
     */
    Name (\_S5, Package (4) { 5, 5, 0, 0 })

    Scope (\_SB)
    {
        /* The one PCI host bridge: segment 0, config through ports 0xCF8-0xCFF. */
        Device (PCI0)
        {
            Name (_HID, EisaId ("PNP0A03"))
            Name (_UID, 0)
            Name (_BBN, 0)
            /* No _ADR: a device has _HID or _ADR, not both (ACPI 6.4 6.1). */

            /*
             * What the bridge decodes for its children: Linux only accepts
             * BARs inside these windows.
             */
            Name (_CRS, ResourceTemplate ()
            {
                WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
                    0x0000, 0x0000, 0x00FF, 0x0000, 0x0100)
                /* Config address/data ports, used by the bridge itself. */
                IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0000, 0x0CF7, 0x0000, 0x0CF8)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0D00, 0xFFFF, 0x0000, 0xF300)
                /* PCI_MMIO_START .. PCI_MMIO_END - 1 (below the IOAPIC). */
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed,
                    NonCacheable, ReadWrite,
                    0x00000000, 0xC0000000, 0xFEBFFFFF, 0x00000000, 0x3EC00000)
            })

            /*
             * Legacy INTx routing in APIC mode: slot S pin P (0 = INTA) goes
             * to GSI 16 + ((S + P) mod 4), the usual swizzle, so the four
             * IOAPIC pins above the ISA range are shared evenly. These GSIs
             * are level-triggered, active-low (ACPI 6.4 section 6.2.13).
             * Entries: { address (slot << 16 | 0xFFFF), pin, source 0, GSI }.
             */
            Name (_PRT, Package ()
            {
                Package () { 0x0000FFFF, 0, 0, 16 }, Package () { 0x0000FFFF, 1, 0, 17 },
                Package () { 0x0000FFFF, 2, 0, 18 }, Package () { 0x0000FFFF, 3, 0, 19 },
                Package () { 0x0001FFFF, 0, 0, 17 }, Package () { 0x0001FFFF, 1, 0, 18 },
                Package () { 0x0001FFFF, 2, 0, 19 }, Package () { 0x0001FFFF, 3, 0, 16 },
                Package () { 0x0002FFFF, 0, 0, 18 }, Package () { 0x0002FFFF, 1, 0, 19 },
                Package () { 0x0002FFFF, 2, 0, 16 }, Package () { 0x0002FFFF, 3, 0, 17 },
                Package () { 0x0003FFFF, 0, 0, 19 }, Package () { 0x0003FFFF, 1, 0, 16 },
                Package () { 0x0003FFFF, 2, 0, 17 }, Package () { 0x0003FFFF, 3, 0, 18 },
                Package () { 0x0004FFFF, 0, 0, 16 }, Package () { 0x0004FFFF, 1, 0, 17 },
                Package () { 0x0004FFFF, 2, 0, 18 }, Package () { 0x0004FFFF, 3, 0, 19 },
                Package () { 0x0005FFFF, 0, 0, 17 }, Package () { 0x0005FFFF, 1, 0, 18 },
                Package () { 0x0005FFFF, 2, 0, 19 }, Package () { 0x0005FFFF, 3, 0, 16 },
                Package () { 0x0006FFFF, 0, 0, 18 }, Package () { 0x0006FFFF, 1, 0, 19 },
                Package () { 0x0006FFFF, 2, 0, 16 }, Package () { 0x0006FFFF, 3, 0, 17 },
                Package () { 0x0007FFFF, 0, 0, 19 }, Package () { 0x0007FFFF, 1, 0, 16 },
                Package () { 0x0007FFFF, 2, 0, 17 }, Package () { 0x0007FFFF, 3, 0, 18 },
                Package () { 0x0008FFFF, 0, 0, 16 }, Package () { 0x0008FFFF, 1, 0, 17 },
                Package () { 0x0008FFFF, 2, 0, 18 }, Package () { 0x0008FFFF, 3, 0, 19 },
                Package () { 0x0009FFFF, 0, 0, 17 }, Package () { 0x0009FFFF, 1, 0, 18 },
                Package () { 0x0009FFFF, 2, 0, 19 }, Package () { 0x0009FFFF, 3, 0, 16 },
                Package () { 0x000AFFFF, 0, 0, 18 }, Package () { 0x000AFFFF, 1, 0, 19 },
                Package () { 0x000AFFFF, 2, 0, 16 }, Package () { 0x000AFFFF, 3, 0, 17 },
                Package () { 0x000BFFFF, 0, 0, 19 }, Package () { 0x000BFFFF, 1, 0, 16 },
                Package () { 0x000BFFFF, 2, 0, 17 }, Package () { 0x000BFFFF, 3, 0, 18 },
                Package () { 0x000CFFFF, 0, 0, 16 }, Package () { 0x000CFFFF, 1, 0, 17 },
                Package () { 0x000CFFFF, 2, 0, 18 }, Package () { 0x000CFFFF, 3, 0, 19 },
                Package () { 0x000DFFFF, 0, 0, 17 }, Package () { 0x000DFFFF, 1, 0, 18 },
                Package () { 0x000DFFFF, 2, 0, 19 }, Package () { 0x000DFFFF, 3, 0, 16 },
                Package () { 0x000EFFFF, 0, 0, 18 }, Package () { 0x000EFFFF, 1, 0, 19 },
                Package () { 0x000EFFFF, 2, 0, 16 }, Package () { 0x000EFFFF, 3, 0, 17 },
                Package () { 0x000FFFFF, 0, 0, 19 }, Package () { 0x000FFFFF, 1, 0, 16 },
                Package () { 0x000FFFFF, 2, 0, 17 }, Package () { 0x000FFFFF, 3, 0, 18 },
                Package () { 0x0010FFFF, 0, 0, 16 }, Package () { 0x0010FFFF, 1, 0, 17 },
                Package () { 0x0010FFFF, 2, 0, 18 }, Package () { 0x0010FFFF, 3, 0, 19 },
                Package () { 0x0011FFFF, 0, 0, 17 }, Package () { 0x0011FFFF, 1, 0, 18 },
                Package () { 0x0011FFFF, 2, 0, 19 }, Package () { 0x0011FFFF, 3, 0, 16 },
                Package () { 0x0012FFFF, 0, 0, 18 }, Package () { 0x0012FFFF, 1, 0, 19 },
                Package () { 0x0012FFFF, 2, 0, 16 }, Package () { 0x0012FFFF, 3, 0, 17 },
                Package () { 0x0013FFFF, 0, 0, 19 }, Package () { 0x0013FFFF, 1, 0, 16 },
                Package () { 0x0013FFFF, 2, 0, 17 }, Package () { 0x0013FFFF, 3, 0, 18 },
                Package () { 0x0014FFFF, 0, 0, 16 }, Package () { 0x0014FFFF, 1, 0, 17 },
                Package () { 0x0014FFFF, 2, 0, 18 }, Package () { 0x0014FFFF, 3, 0, 19 },
                Package () { 0x0015FFFF, 0, 0, 17 }, Package () { 0x0015FFFF, 1, 0, 18 },
                Package () { 0x0015FFFF, 2, 0, 19 }, Package () { 0x0015FFFF, 3, 0, 16 },
                Package () { 0x0016FFFF, 0, 0, 18 }, Package () { 0x0016FFFF, 1, 0, 19 },
                Package () { 0x0016FFFF, 2, 0, 16 }, Package () { 0x0016FFFF, 3, 0, 17 },
                Package () { 0x0017FFFF, 0, 0, 19 }, Package () { 0x0017FFFF, 1, 0, 16 },
                Package () { 0x0017FFFF, 2, 0, 17 }, Package () { 0x0017FFFF, 3, 0, 18 },
                Package () { 0x0018FFFF, 0, 0, 16 }, Package () { 0x0018FFFF, 1, 0, 17 },
                Package () { 0x0018FFFF, 2, 0, 18 }, Package () { 0x0018FFFF, 3, 0, 19 },
                Package () { 0x0019FFFF, 0, 0, 17 }, Package () { 0x0019FFFF, 1, 0, 18 },
                Package () { 0x0019FFFF, 2, 0, 19 }, Package () { 0x0019FFFF, 3, 0, 16 },
                Package () { 0x001AFFFF, 0, 0, 18 }, Package () { 0x001AFFFF, 1, 0, 19 },
                Package () { 0x001AFFFF, 2, 0, 16 }, Package () { 0x001AFFFF, 3, 0, 17 },
                Package () { 0x001BFFFF, 0, 0, 19 }, Package () { 0x001BFFFF, 1, 0, 16 },
                Package () { 0x001BFFFF, 2, 0, 17 }, Package () { 0x001BFFFF, 3, 0, 18 },
                Package () { 0x001CFFFF, 0, 0, 16 }, Package () { 0x001CFFFF, 1, 0, 17 },
                Package () { 0x001CFFFF, 2, 0, 18 }, Package () { 0x001CFFFF, 3, 0, 19 },
                Package () { 0x001DFFFF, 0, 0, 17 }, Package () { 0x001DFFFF, 1, 0, 18 },
                Package () { 0x001DFFFF, 2, 0, 19 }, Package () { 0x001DFFFF, 3, 0, 16 },
                Package () { 0x001EFFFF, 0, 0, 18 }, Package () { 0x001EFFFF, 1, 0, 19 },
                Package () { 0x001EFFFF, 2, 0, 16 }, Package () { 0x001EFFFF, 3, 0, 17 },
                Package () { 0x001FFFFF, 0, 0, 19 }, Package () { 0x001FFFFF, 1, 0, 16 },
                Package () { 0x001FFFFF, 2, 0, 17 }, Package () { 0x001FFFFF, 3, 0, 18 }
            })
        }
    }
}
