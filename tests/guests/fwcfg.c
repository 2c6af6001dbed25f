// SPDX-License-Identifier: GPL-2.0
/*
 * fwcfg: what a test kernel reads through fw_cfg (QEMU docs/specs/
 * fw_cfg.rst): the signature, the CPU count and RAM size (as kvm-unit-tests
 * does), and with "file=NAME" that file from the big-endian directory,
 * read once through the data port and once by DMA when the ID says so.
 */
#include "runtime/rt.h"

#define SEL	0x510
#define DATA	0x511
#define DMA	0x514

static void sel(u16 key)
{
	outw(SEL, key);
}

static void rd(void *buf, u32 len)
{
	u8 *b = buf;

	for (u32 i = 0; i < len; i++)
		b[i] = inb(DATA);
}

static u64 item_le(u16 key, u32 len)
{
	u8 b[8] = { 0 };
	u64 v = 0;

	sel(key);
	rd(b, len);
	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

static u32 be32(const u8 *p)
{
	return (u32)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static u32 bswap32(u32 v)
{
	return __builtin_bswap32(v);
}

/* One DMA transfer of @len bytes of @key into @dst; returns the control
 * word the device left (0 on success). */
static u32 dma_read(u16 key, void *dst, u32 len)
{
	static volatile struct {
		u32 control, length;
		u64 address;
	} __attribute__((packed, aligned(16))) a;
	u64 gpa = (u64)&a;

	a.control = bswap32((u32)key << 16 | 0x08 | 0x02);	/* select, read */
	a.length = bswap32(len);
	a.address = __builtin_bswap64((u64)dst);
	outl(DMA, bswap32((u32)(gpa >> 32)));
	outl(DMA + 4, bswap32((u32)gpa));
	return bswap32(a.control);
}

int main(struct mb_info *mbi)
{
	char sig[5] = { 0 }, name[57], buf[64];
	u8 cnt[4], e[64];
	u32 id, n, size = 0;
	u16 key = 0;

	(void)mbi;
	sel(0);
	rd(sig, 4);
	printf("fwcfg: signature %s\n", sig);
	id = (u32)item_le(1, 4);
	printf("fwcfg: id traditional %s, dma %s\n", id & 1 ? "yes" : "no", id & 2 ? "yes" : "no");
	printf("fwcfg: cpus %lu\n", item_le(5, 2));
	printf("fwcfg: ram %lu MiB\n", item_le(3, 8) >> 20);
	if (!cmdline_value("file", name, sizeof(name)))
		return 0;
	sel(0x19);
	rd(cnt, 4);
	n = be32(cnt);
	for (u32 i = 0; i < n && !key; i++) {
		rd(e, 64);
		e[63] = 0;
		if (!strncmp((const char *)e + 8, name, 56)) {
			size = be32(e);
			key = (u16)(e[4] << 8 | e[5]);
		}
	}
	if (!key) {
		printf("fwcfg: file %s not found\n", name);
		return 1;
	}
	printf("fwcfg: file %s, %u bytes\n", name, size);
	if (size > sizeof(buf) - 1)
		size = sizeof(buf) - 1;
	memset(buf, 0, sizeof(buf));
	sel(key);
	rd(buf, size);
	printf("fwcfg: data port: %s\n", buf);
	if (id & 2) {
		u32 c;

		memset(buf, 0, sizeof(buf));
		c = dma_read(key, buf, size);
		printf("fwcfg: dma control %#x: %s\n", c, buf);
	}
	return 0;
}
