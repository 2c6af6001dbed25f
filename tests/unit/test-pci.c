// SPDX-License-Identifier: GPL-2.0
/*
 * PCI bus: config mechanism #1, host bridge, absent devices, BAR sizing,
 * moving BARs and bus dispatch, hostile BAR values, capabilities, the
 * 0xCF9 reset and pvpanic. No /dev/kvm: buses only.
 */
#include <string.h>

#include "hv/kvm.h"
#include "hv/pci.h"
#include "hv/pvpanic.h"
#include "hv/x86/layout.h"
#include "tests/tap.h"

static struct kvm kvm = {
	.vm_fd = -1,
	.end_lock = PTHREAD_MUTEX_INITIALIZER,
	.end_cond = PTHREAD_COND_INITIALIZER,
};

static void pio_write(struct kvm *k, u16 port, u32 val, u32 len)
{
	bus_access(&k->pio, port, (u8 *)&val, len, true, NULL);
}

static u32 pio_read(struct kvm *k, u16 port, u32 len)
{
	u32 val = 0;

	bus_access(&k->pio, port, (u8 *)&val, len, false, NULL);
	return val;
}

static u32 cfg_addr(int slot, int fn, int reg)
{
	return 0x80000000u | slot << 11 | fn << 8 | (reg & 0xfc);
}

static u32 cfg_read(struct kvm *k, int slot, int reg, u32 len)
{
	pio_write(k, 0xcf8, cfg_addr(slot, 0, reg), 4);
	return pio_read(k, 0xcfc + (reg & 3), len);
}

static void cfg_write(struct kvm *k, int slot, int reg, u32 val, u32 len)
{
	pio_write(k, 0xcf8, cfg_addr(slot, 0, reg), 4);
	pio_write(k, 0xcfc + (reg & 3), val, len);
}

/* The test device: remembers the last access of each BAR. */
struct hit {
	u64 offset;
	u32 len;
	bool write;
	int count;
};
static struct hit hits[6];
static int cfg_writes;

static void bar_access(void *opaque, u64 offset, u8 *data, u32 len,
		       bool is_write, struct vcpu *vcpu)
{
	struct hit *h = opaque;

	h->offset = offset;
	h->len = len;
	h->write = is_write;
	h->count++;
	if (!is_write)
		memset(data, 0x5a, len);
}

static void on_cfg_write(struct pci_device *dev, u32 offset, u32 len)
{
	cfg_writes++;
}

static struct pci_device testdev;

static void test_config_space(void)
{
	pio_write(&kvm, 0xcf8, 0x80000000, 4);
	is_int(pio_read(&kvm, 0xcf8, 4), 0x80000000, "CONFIG_ADDRESS reads back (Linux type 1 check)");
	is_int(cfg_read(&kvm, 0, 0x00, 4), 0x00081b36, "host bridge 1b36:0008 at 00:00.0");
	is_int(cfg_read(&kvm, 0, 0x08, 4) >> 8, 0x060000, "host bridge class 0x060000");
	is_int(cfg_read(&kvm, 0, 0x0e, 1), 0, "header type 0, single function");
	is_int(cfg_read(&kvm, 0, 0x02, 2), 0x0008, "word read at offset 2");
	is_int(cfg_read(&kvm, 0, 0x03, 1), 0x00, "byte read at offset 3");
	is_int(cfg_read(&kvm, 0, 0x01, 1), 0x1b, "byte read at offset 1");
	is_int(cfg_read(&kvm, 7, 0x00, 4), 0xffffffff, "absent slot reads all ones");
	pio_write(&kvm, 0xcf8, cfg_addr(0, 1, 0), 4);
	is_int(pio_read(&kvm, 0xcfc, 4), 0xffffffff, "function 1 absent");
	pio_write(&kvm, 0xcf8, cfg_addr(0, 0, 0) | 1 << 16, 4);
	is_int(pio_read(&kvm, 0xcfc, 4), 0xffffffff, "bus 1 absent");
	pio_write(&kvm, 0xcf8, cfg_addr(0, 0, 0) & ~0x80000000u, 4);
	is_int(pio_read(&kvm, 0xcfc, 4), 0xffffffff, "enable bit clear: all ones");
	cfg_write(&kvm, 0, 0x00, 0x12345678, 4);
	is_int(cfg_read(&kvm, 0, 0x00, 4), 0x00081b36, "vendor/device are read-only");
	cfg_write(&kvm, 0, 0x3c, 0x0b, 1);
	is_int(cfg_read(&kvm, 0, 0x3c, 1), 0x0b, "interrupt line is writable");
	pio_write(&kvm, 0xcfb, 0x01, 1);	/* Linux's type 2 probe byte */
	is_int(pio_read(&kvm, 0xcf8, 1), 0xff, "byte reads of 0xCF8 are not CONFIG_ADDRESS");
}

static int register_testdev(void)
{
	static const u8 vcap[8] = { PCI_CAP_ID_VNDR, 0, 8, 1, 2, 3, 4, 5 };
	int slot;

	pci_set_ids(&testdev, 0x1af4, 0x10ff, 0xff0000, 3);
	testdev.name = "testdev";
	testdev.nr_bars = 4;
	testdev.bar[0] = (struct pci_bar){ .size = 0x4000, .is_64 = true,
					   .access = bar_access, .opaque = &hits[0] };
	testdev.bar[2] = (struct pci_bar){ .size = 0x20, .is_io = true,
					   .access = bar_access, .opaque = &hits[2] };
	testdev.bar[3] = (struct pci_bar){ .size = 0x100,
					   .access = bar_access, .opaque = &hits[3] };
	testdev.cfg_write = on_cfg_write;
	is_int(pci_add_cap(&testdev, vcap, sizeof(vcap)), 0x40, "first capability at 0x40");
	is_int(pci_add_cap(&testdev, vcap, sizeof(vcap)), 0x48, "second one after it");
	slot = pci_register(&kvm, &testdev);
	is_int(slot, 1, "test device in slot 1");
	return slot;
}

static void test_bars(int slot)
{
	u64 bar0 = testdev.bar[0].addr, bar3 = testdev.bar[3].addr;
	u32 io = testdev.bar[2].addr, lo, hi, v;
	u8 data[4];

	is_int(cfg_read(&kvm, slot, 0x06, 2) & PCI_STATUS_CAP_LIST, PCI_STATUS_CAP_LIST,
	       "status: capability list");
	is_int(cfg_read(&kvm, slot, 0x34, 1), 0x40, "capability pointer");
	is_int(cfg_read(&kvm, slot, 0x41, 1), 0x48, "capabilities chained");
	ok(bar0 >= PCI_MMIO_START && bar0 < PCI_MMIO_END && !(bar0 & 0x3fff),
	   "64-bit BAR0 naturally aligned in the MMIO window");
	ok(io >= PCI_IO_START && io < PCI_IO_END && !(io & 0x1f), "I/O BAR2 in the I/O window");
	is_int(cfg_read(&kvm, slot, 0x04, 2) & 3, 3, "I/O and memory decoding on");
	is_int(cfg_read(&kvm, slot, 0x10, 4), (u32)bar0 | 4, "BAR0 register: address, 64-bit type");

	/* Sizing as Linux does it: decode off, all ones, read, restore. */
	cfg_write(&kvm, slot, 0x04, 0, 2);
	cfg_write(&kvm, slot, 0x10, 0xffffffff, 4);
	cfg_write(&kvm, slot, 0x14, 0xffffffff, 4);
	cfg_write(&kvm, slot, 0x18, 0xffffffff, 4);
	cfg_write(&kvm, slot, 0x1c, 0xffffffff, 4);
	lo = cfg_read(&kvm, slot, 0x10, 4);
	hi = cfg_read(&kvm, slot, 0x14, 4);
	is_int(lo, 0xffffc004, "64-bit BAR sizing: low mask and type");
	is_int(hi, 0xffffffff, "64-bit BAR sizing: high dword all writable");
	is_int(cfg_read(&kvm, slot, 0x18, 4), 0x0000ffe1, "I/O BAR sizing: 32 bytes, I/O bit");
	is_int(cfg_read(&kvm, slot, 0x1c, 4), 0xffffff00, "32-bit BAR sizing: 256 bytes");
	is_int(cfg_read(&kvm, slot, 0x20, 4), 0, "unused BAR reads 0 after all ones");
	cfg_write(&kvm, slot, 0x30, 0xfffff800, 4);
	is_int(cfg_read(&kvm, slot, 0x30, 4), 0, "no expansion ROM");
	cfg_write(&kvm, slot, 0x10, (u32)bar0, 4);
	cfg_write(&kvm, slot, 0x14, bar0 >> 32, 4);
	cfg_write(&kvm, slot, 0x18, io, 4);
	cfg_write(&kvm, slot, 0x1c, (u32)bar3, 4);
	ok(!bus_access(&kvm.mmio, bar0, data, 4, false, NULL), "decode off: BAR0 not on the bus");
	cfg_write(&kvm, slot, 0x04, 3, 2);
	ok(cfg_writes > 0, "config write hook called");

	ok(bus_access(&kvm.mmio, bar0 + 8, data, 4, false, NULL), "decode on: BAR0 on the bus");
	is_int(hits[0].offset, 8, "BAR0 access at offset 8");
	v = pio_read(&kvm, io + 4, 2);
	is_int(v, 0x5a5a, "I/O BAR read through the window");
	is_int(hits[2].offset, 4, "I/O BAR access at offset 4");

	/* Move BAR3 and the I/O BAR. */
	{
		u64 nb3 = PCI_MMIO_START + 0x10000000;

		cfg_write(&kvm, slot, 0x1c, (u32)nb3, 4);
		ok(!bus_access(&kvm.mmio, bar3, data, 1, false, NULL), "moved BAR3: old address gone");
		ok(bus_access(&kvm.mmio, nb3 + 0x10, data, 1, true, NULL), "moved BAR3: new address decodes");
		is_int(hits[3].offset, 0x10, "moved BAR3: offset relative to the new base");
		cfg_write(&kvm, slot, 0x18, 0xd000, 2);
		pio_read(&kvm, 0xd000 + 2, 1);
		is_int(hits[2].offset, 2, "moved I/O BAR decodes at 0xd000");
		hits[2].count = 0;
		is_int(pio_read(&kvm, io, 1), 0xff, "old I/O address reads all ones");
		is_int(hits[2].count, 0, "and does not reach the device");
		bar3 = nb3;
	}

	/* Hostile values: onto RAM, onto another BAR, half a 64-bit write. */
	cfg_write(&kvm, slot, 0x1c, 0x1000, 4);
	ok(!bus_access(&kvm.mmio, 0x1000, data, 1, false, NULL), "BAR on RAM: left unmapped");
	cfg_write(&kvm, slot, 0x1c, (u32)bar0, 4);
	hits[3].count = 0;
	bus_access(&kvm.mmio, bar0, data, 1, false, NULL);
	is_int(hits[3].count, 0, "BAR onto another BAR: the first keeps its range");
	cfg_write(&kvm, slot, 0x1c, (u32)bar3, 4);
	ok(bus_access(&kvm.mmio, bar3, data, 1, false, NULL), "moved back: maps again");
	cfg_write(&kvm, slot, 0x14, 0xffffffff, 4);
	ok(!bus_access(&kvm.mmio, bar0, data, 1, false, NULL), "64-bit BAR moved far away: unmapped");
	cfg_write(&kvm, slot, 0x14, bar0 >> 32, 4);
	ok(bus_access(&kvm.mmio, bar0, data, 1, false, NULL), "and back");
	cfg_write(&kvm, slot, 0x18, 0x3f8, 4);
	ok(testdev.bar[2].mapped == false, "I/O BAR outside the window: unmapped");
	for (int reg = 0; reg < 256; reg++) {
		cfg_write(&kvm, slot, reg, 0xffffffff, 1 << (reg % 3));
		cfg_read(&kvm, slot, reg, 1 << (reg % 3));
	}
	ok(1, "writes of all ones at every offset and width survived");
	is_int(cfg_read(&kvm, slot, 0x00, 4), 0x10ff1af4, "IDs intact after that");

	/* Status bits are write-1-to-clear. */
	testdev.cfg[PCI_STATUS + 1] |= 0x80;
	cfg_write(&kvm, slot, 0x06, 0x8000, 2);
	is_int(cfg_read(&kvm, slot, 0x06, 2) & 0x8000, 0, "status parity error cleared by writing 1");
	is_int(cfg_read(&kvm, slot, 0x06, 2) & PCI_STATUS_CAP_LIST, PCI_STATUS_CAP_LIST,
	       "status capability bit is read-only");
}

static void test_alloc(void)
{
	u64 a = pci_alloc_mmio(0x3000), b = pci_alloc_mmio(0x10);

	ok(a && !(a & 0x3fff), "pci_alloc_mmio aligns to the size's power of two");
	ok(b >= a + 0x3000, "allocations do not overlap");
	is_int(pci_alloc_mmio(0), 0, "size 0 fails");
	is_int(pci_alloc_mmio(SZ_4G), 0, "too big fails");
}

/* Bump allocation stops below the virtio-mmio windows (virtio/mmio.c). */
static void test_alloc_limit(void)
{
	u64 a, end = 0;
	int n = 0;

	while ((a = pci_alloc_mmio(SZ_1G / 4)) != 0 && n++ < 64)
		end = MAX(end, a + SZ_1G / 4);
	ok(end && end <= VIRTIO_MMIO_START,
	   "BAR space runs out at %#llx, below the virtio-mmio window at %#llx",
	   (unsigned long long)end, (unsigned long long)VIRTIO_MMIO_START);
	a = pci_alloc_mmio(0x1000);
	ok(a && a + 0x1000 <= VIRTIO_MMIO_START, "small allocations still fit below it");
	while ((a = pci_alloc_mmio(0x100000)) != 0 && n++ < 4096)
		end = MAX(end, a + 0x100000);
	ok(end <= VIRTIO_MMIO_START, "never past it");
}

static void test_reset(void)
{
	pio_write(&kvm, 0xcf9, 0x02, 1);
	is_int(kvm.end, VM_END_NONE, "0xCF9 SYS_RST alone does nothing");
	pio_write(&kvm, 0xcf9, 0x06, 1);
	is_int(kvm.end, VM_END_REBOOT, "0xCF9 RST_CPU reboots");
}

static void test_pvpanic(void)
{
	static struct kvm k2 = {
		.vm_fd = -1,
		.end_lock = PTHREAD_MUTEX_INITIALIZER,
		.end_cond = PTHREAD_COND_INITIALIZER,
	};
	u32 bar;
	u8 v = 0;

	bus_init(&k2.pio, "pio");
	bus_init(&k2.mmio, "mmio");
	if (!ok(pci_init(&k2) == 0 && pvpanic_init(&k2) == 0, "pvpanic registered"))
		return;
	is_int(cfg_read(&k2, 1, 0x00, 4), 0x00111b36, "pvpanic 1b36:0011 in slot 1");
	is_int(cfg_read(&k2, 1, 0x08, 4) >> 8, 0x088000, "class 0x088000");
	bar = cfg_read(&k2, 1, 0x10, 4) & ~0xfu;
	bus_access(&k2.mmio, bar, &v, 1, false, NULL);
	is_int(v, 3, "BAR0 byte 0: PANICKED | CRASH_LOADED supported");
	is_int(pio_read(&k2, 0x505, 1), 3, "ISA port 0x505 too");
	v = 2;
	bus_access(&k2.mmio, bar, &v, 1, true, NULL);
	is_int(k2.end, VM_END_NONE, "CRASH_LOADED does not end the VM");
	v = 1;
	bus_access(&k2.mmio, bar, &v, 1, true, NULL);
	is_int(k2.end, VM_END_PANIC, "PANICKED ends the VM");
	is_int(k2.exit_status, EXIT_GUEST_PANIC, "with the panic status");
}

int main(void)
{
	int slot;

	log_level = LOG_ERROR;	/* the hostile-BAR cases warn by design */
	bus_init(&kvm.pio, "pio");
	bus_init(&kvm.mmio, "mmio");
	if (!ok(pci_init(&kvm) == 0, "pci_init"))
		return done_testing();
	test_config_space();
	slot = register_testdev();
	if (slot > 0)
		test_bars(slot);
	test_alloc();
	test_reset();
	test_pvpanic();
	test_alloc_limit();	/* last: it uses up the MMIO window */
	return done_testing();
}
