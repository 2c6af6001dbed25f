// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-mmio version 2 (virtio/mmio.c) as a guest drives it: every
 * register of the window at every width and offset, mixed with the device
 * serving its queues. Source: virtio 1.2 section 4.2.2.
 *
 * Input: the operations of tests/fuzz/virtio-ops.h; the region byte is
 * ignored (one window: offsets from its base, past its end included), PCI
 * config writes do nothing. Every input starts from a reset device.
 */
#include "hv/x86/layout.h"
#include "tests/fuzz/virtio-ops.h"

static struct bus *fuzz_reg_bus(void) { return &kvm.mmio; }

static u64 fuzz_reg_addr(u8 region, u16 off)
{
	return VIRTIO_MMIO_START + off;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	virtio_mmio_reset_layout();
	fz_setup(virtio_mmio_attach);
	return 0;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz f = { data, size };
	u32 zero = 0;

	bus_access(&kvm.mmio, VIRTIO_MMIO_START + 0x070, (u8 *)&zero, 4, true, NULL);
	memset(ram, 0, FZ_RAM_SIZE);
	fz_run(&f, false);
	return 0;
}
