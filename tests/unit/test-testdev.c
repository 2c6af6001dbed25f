// SPDX-License-Identifier: GPL-2.0
/*
 * The test device (hv/x86/testdev.c) through the buses: scratch port
 * widths, the flush-page port keeping the page's content, the IRQ-line
 * ports' range, the I/O RAM window and its edges.
 */
#include <sys/mman.h>

#include "hv/kvm.h"
#include "hv/x86/layout.h"
#include "hv/x86/testdev.h"
#include "tests/tap.h"

#define RAM_SIZE (1 * SZ_1M)

static struct kvm kvm = { .vm_fd = -1 };

static u32 pio(u16 port, u32 v, u32 len, bool is_write)
{
	bus_access(&kvm.pio, port, (u8 *)&v, len, is_write, NULL);
	return v;
}

static u64 mmio(u64 gpa, u64 v, u32 len, bool is_write, bool *found)
{
	*found = bus_access(&kvm.mmio, gpa, (u8 *)&v, len, is_write, NULL);
	return v;
}

int main(void)
{
	u8 *ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bool found;

	if (ram == MAP_FAILED)
		return 1;
	guest_mem_layout(&kvm.mem, ram, RAM_SIZE);
	bus_init(&kvm.pio, "pio");
	bus_init(&kvm.mmio, "mmio");
	is_int(testdev_init(&kvm), 0, "testdev_init");

	pio(0xe0, 0x12345678, 4, true);
	is_int(pio(0xe0, 0, 4, false), 0x12345678, "scratch: dword write, dword read");
	is_int(pio(0xe0, 0, 1, false) & 0xff, 0x78, "scratch: byte 0 of it");
	is_int(pio(0xe2, 0, 2, false) & 0xffff, 0x1234, "scratch: word at 0xe2");
	pio(0xe1, 0xab, 1, true);
	is_int(pio(0xe0, 0, 4, false), 0x1234ab78, "scratch: a byte write changes that byte only");
	pio(0xe2, 0xcdef, 2, true);
	is_int(pio(0xe0, 0, 4, false), 0xcdefab78, "scratch: a word write at 0xe2");
	is_int(pio(0xe3, 0, 1, false) & 0xff, 0xcd, "scratch: byte 3");

	ram[0x5123] = 0x42;
	pio(0xe4, 0x5123, 4, true);
	is_int(ram[0x5123], 0x42, "flush page: content kept");
	ram[0x5124] = 0x43;
	is_int(ram[0x5124], 0x43, "flush page: still writable after");
	pio(0xe4, 0xfff00000, 4, true);
	ok(1, "flush page of a non-RAM address is ignored");

	is_int(pio(0x2000, 0xffffffff, 1, false) & 0xff, 0, "IRQ line port reads 0");
	ok(bus_access(&kvm.pio, 0x2000 + 23, (u8 *)&(u32){ 1 }, 1, true, NULL),
	   "IRQ line 23 is a test-device port");
	ok(!bus_access(&kvm.pio, 0x2000 + 24, (u8 *)&(u32){ 1 }, 1, true, NULL),
	   "IRQ line 24 is not");

	mmio(TESTDEV_IORAM_GPA, 0x1122334455667788ULL, 8, true, &found);
	is_int(mmio(TESTDEV_IORAM_GPA, 0, 8, false, &found), 0x1122334455667788ULL,
	       "I/O RAM: a qword reads back");
	is_int(mmio(TESTDEV_IORAM_GPA + 2, 0, 2, false, &found) & 0xffff, 0x5566,
	       "I/O RAM: a word inside it");
	mmio(TESTDEV_IORAM_GPA + TESTDEV_IORAM_SIZE - 4, 0xa5a5a5a5, 4, true, &found);
	ok(found && mmio(TESTDEV_IORAM_GPA + TESTDEV_IORAM_SIZE - 4, 0, 4, false, &found) ==
			    0xa5a5a5a5, "I/O RAM: its last dword");
	mmio(TESTDEV_IORAM_GPA + TESTDEV_IORAM_SIZE, 0, 4, false, &found);
	ok(!found, "I/O RAM: nothing past its 64 KiB");

	testdev_exit(&kvm);
	ok(kvm.pio.nr_ranges == 0 && kvm.mmio.nr_ranges == 0, "testdev_exit unregisters all");
	return done_testing();
}
