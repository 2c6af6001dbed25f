// SPDX-License-Identifier: GPL-2.0
/*
 * fw_cfg (hv/x86/fw_cfg.c) through the PIO bus, against a plain buffer as
 * guest RAM: selector and data ports, the fixed items, the big-endian file
 * directory, named files, DMA transfers and their errors, name checks.
 * Source: QEMU docs/specs/fw_cfg.rst.
 */
#include <endian.h>
#include <fcntl.h>
#include <unistd.h>

#include "hv/kvm.h"
#include "hv/x86/fw_cfg.h"
#include "tests/tap.h"

#define RAM_SIZE (2 * SZ_1M)

static struct vm_config cfg;
static struct kvm kvm = {
	.vm_fd = -1,
	.end_lock = PTHREAD_MUTEX_INITIALIZER,
	.end_cond = PTHREAD_COND_INITIALIZER,
};
static u8 *ram;

static u32 get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static u16 get_be16(const u8 *p)
{
	return p[0] << 8 | p[1];
}

static void io(u16 port, void *data, u32 len, bool is_write)
{
	bus_access(&kvm.pio, port, data, len, is_write, NULL);
}

static void select_key(u16 key)
{
	io(FW_CFG_PORT_SEL, &key, 2, true);
}

static void read_data(void *buf, u32 len)
{
	u8 *b = buf;

	for (u32 i = 0; i < len; i++)
		io(FW_CFG_PORT_DATA, &b[i], 1, false);
}

static u64 read_le(u16 key, u32 len)
{
	u8 b[8] = { 0 };

	select_key(key);
	read_data(b, len);
	return get_le64(b);
}

/* Start the DMA access structure at @gpa: high half, then low half. */
static void dma_kick(u64 gpa)
{
	u32 hi = htobe32(gpa >> 32), lo = htobe32((u32)gpa);

	io(FW_CFG_PORT_DMA, &hi, 4, true);
	io(FW_CFG_PORT_DMA + 4, &lo, 4, true);
}

static u32 dma(u64 gpa, u32 control, u32 length, u64 addr)
{
	u32 be[4] = { htobe32(control), htobe32(length) };
	u64 a = htobe64(addr);

	memcpy(&be[2], &a, 8);
	memcpy(ram + gpa, be, 16);
	dma_kick(gpa);
	memcpy(&control, ram + gpa, 4);
	return be32toh(control);
}

static void test_fixed(void)
{
	char sig[5] = { 0 };
	u8 sig2[8];

	select_key(FW_CFG_SIGNATURE);
	read_data(sig, 4);
	is_str(sig, "QEMU", "signature item reads QEMU");
	select_key(FW_CFG_SIGNATURE);
	read_data(sig, 2);
	is_str(sig, "QEMU", "re-selecting starts the item again");
	is_int(read_le(FW_CFG_ID, 4), FW_CFG_ID_TRADITIONAL | FW_CFG_ID_DMA, "ID: traditional and DMA");
	is_int(read_le(FW_CFG_NB_CPUS, 2), 3, "NB_CPUS is -c");
	is_int(read_le(FW_CFG_MAX_CPUS, 2), 3, "MAX_CPUS is -c");
	is_int(read_le(FW_CFG_RAM_SIZE, 8), 256 * SZ_1M, "RAM_SIZE is -m in bytes");
	select_key(FW_CFG_NB_CPUS);
	read_data(sig2, 4);
	ok(sig2[0] == 3 && sig2[1] == 0 && sig2[2] == 0 && sig2[3] == 0,
	   "reading past an item's end gives zeros");
	is_int(read_le(0x1234, 8), 0, "an absent key reads as zeros");
	{
		u8 v = 0x5a;

		select_key(FW_CFG_SIGNATURE);
		io(FW_CFG_PORT_DATA, &v, 1, true);	/* ignored */
		read_data(sig, 4);
		is_str(sig, "QEMU", "data writes are ignored");
	}
	io(FW_CFG_PORT_DMA, sig2, 4, false);
	io(FW_CFG_PORT_DMA + 4, sig2 + 4, 4, false);
	ok(!memcmp(sig2, "QEMU CFG", 8), "the DMA register reads \"QEMU CFG\"");
}

static void test_dir(void)
{
	u8 dir[4 + 3 * 64];
	char buf[64] = { 0 };

	select_key(FW_CFG_FILE_DIR);
	read_data(dir, sizeof(dir));
	is_int(get_be32(dir), 2, "file directory: count 2, big endian");
	is_str((char *)dir + 4 + 8, "etc/a-first", "entry 0 is the first name in order");
	is_int(get_be32(dir + 4), 6, "entry 0 size, big endian");
	is_int(get_be16(dir + 4 + 4), FW_CFG_FILE_FIRST, "entry 0 select 0x20, big endian");
	is_str((char *)dir + 4 + 64 + 8, "opt/lkvm/z", "entry 1");
	is_int(get_be16(dir + 4 + 64 + 4), FW_CFG_FILE_FIRST + 1, "entry 1 select 0x21");
	is_int(get_be32(dir + 4 + 64), 11, "entry 1 size: the file's size");
	select_key(FW_CFG_FILE_FIRST);
	read_data(buf, 6);
	is_str(buf, "x,y=,z", "string= file content, commas kept");
	select_key(FW_CFG_FILE_FIRST + 1);
	memset(buf, 0, sizeof(buf));
	read_data(buf, 11);
	is_str(buf, "from a file", "file= content");
}

static void test_dma(void)
{
	u64 desc = 0x1000, dst = 0x2000;

	memset(ram + dst, 0xee, 16);
	is_int(dma(desc, FW_CFG_DMA_SELECT | FW_CFG_DMA_READ | (FW_CFG_FILE_FIRST + 1) << 16,
		   11, dst), 0, "DMA select+read: control back to 0");
	ok(!memcmp(ram + dst, "from a file", 11) && ram[dst + 11] == 0xee,
	   "DMA read copies the item, not a byte more");
	is_int(dma(desc, FW_CFG_DMA_SELECT | FW_CFG_DMA_SKIP | FW_CFG_SIGNATURE << 16, 2, 0), 0,
	       "DMA skip");
	is_int(dma(desc, FW_CFG_DMA_READ, 4, dst), 0, "DMA read after skip");
	ok(!memcmp(ram + dst, "MU\0\0", 4), "skip advanced 2 bytes; the rest reads as zeros");
	is_int(dma(desc, FW_CFG_DMA_SELECT | FW_CFG_DMA_READ | FW_CFG_SIGNATURE << 16, 4,
		   RAM_SIZE - 2), FW_CFG_DMA_ERROR, "DMA into non-RAM: the error bit");
	is_int(dma(desc, FW_CFG_DMA_SELECT | FW_CFG_DMA_WRITE | FW_CFG_SIGNATURE << 16, 4, dst),
	       FW_CFG_DMA_ERROR, "DMA write: the error bit (items are read-only)");
	quiet(true);
	dma_kick(RAM_SIZE + 0x1000);	/* access structure outside RAM: ignored */
	quiet(false);
	ok(1, "DMA access structure outside RAM is ignored");
}

static void test_names(void)
{
	char long_name[FW_CFG_NAME_MAX + 2];

	ok(fw_cfg_name_valid("etc/foo") && fw_cfg_name_valid("opt/org.example/bar-1_2"),
	   "names: etc/foo, opt/org.example/bar-1_2");
	ok(!fw_cfg_name_valid("") && !fw_cfg_name_valid("/etc") && !fw_cfg_name_valid("etc/") &&
	   !fw_cfg_name_valid("etc//a") && !fw_cfg_name_valid("etc/a b") &&
	   !fw_cfg_name_valid("etc/\n"), "names: empty, leading/trailing slash, //, space refused");
	memset(long_name, 'a', sizeof(long_name));
	long_name[FW_CFG_NAME_MAX] = 0;
	ok(fw_cfg_name_valid(long_name), "a 55-character name is valid");
	long_name[FW_CFG_NAME_MAX] = 'a';
	long_name[FW_CFG_NAME_MAX + 1] = 0;
	ok(!fw_cfg_name_valid(long_name), "a 56-character name is not");
}

static void test_init_errors(void)
{
	static struct vm_config bad;
	static struct kvm k2 = { .vm_fd = -1 };

	bad = cfg;
	bad.nr_fw_cfg = 1;
	bad.fw_cfg[0] = (struct fw_cfg_file_opt){ .name = "etc/x", .path = "/nonexistent/x" };
	k2.cfg = &bad;
	bus_init(&k2.pio, "pio");
	quiet(true);
	is_int(fw_cfg_init(&k2), -1, "a missing file= fails");
	bad.nr_fw_cfg = 2;
	bad.fw_cfg[0] = (struct fw_cfg_file_opt){ .name = "etc/x", .string = "1" };
	bad.fw_cfg[1] = (struct fw_cfg_file_opt){ .name = "etc/x", .string = "2" };
	is_int(fw_cfg_init(&k2), -1, "a name given twice fails");
	bad.nr_fw_cfg = 1;
	bad.fw_cfg[0] = (struct fw_cfg_file_opt){ .name = "etc/x", .path = "/dev/null" };
	is_int(fw_cfg_init(&k2), -1, "a file= that is not a regular file fails");
	quiet(false);
	is_int(k2.pio.nr_ranges, 0, "failures leave no ports registered");
}

int main(void)
{
	char path[] = "/tmp/lkvm-fwcfg-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, "from a file", 11) != 11)
		return 1;
	close(fd);
	ram = calloc(1, RAM_SIZE);
	guest_mem_layout(&kvm.mem, ram, RAM_SIZE);
	cfg.nr_cpus = 3;
	cfg.ram_size = 256 * SZ_1M;
	cfg.nr_fw_cfg = 2;
	cfg.fw_cfg[0] = (struct fw_cfg_file_opt){ .name = "opt/lkvm/z", .path = path };
	cfg.fw_cfg[1] = (struct fw_cfg_file_opt){ .name = "etc/a-first", .string = "x,y=,z" };
	kvm.cfg = &cfg;
	bus_init(&kvm.pio, "pio");
	is_int(fw_cfg_init(&kvm), 0, "fw_cfg_init with two files");
	unlink(path);
	test_fixed();
	test_dir();
	test_dma();
	test_names();
	test_init_errors();
	fw_cfg_exit(&kvm);
	is_int(kvm.pio.nr_ranges, 0, "fw_cfg_exit unregisters the ports");
	free(ram);
	return done_testing();
}
