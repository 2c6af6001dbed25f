// SPDX-License-Identifier: GPL-2.0
/*
 * fw_cfg for test kernels: selector, data and DMA registers over a small
 * table of items, some fixed (signature, ID, RAM size, CPU counts), the
 * file directory, and the user's named files.
 * Source: QEMU docs/specs/fw_cfg.rst (register semantics, item keys, file
 * directory layout, DMA access structure).
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hv/kvm.h"
#include "hv/x86/fw_cfg.h"
#include "util/log.h"

_Static_assert(MAX_FW_CFG_FILES == FW_CFG_MAX_FILES, "one limit");

/* One item: @len bytes at @data (owned). */
struct fw_cfg_item {
	u16 key;
	u8 *data;
	u32 len;
	char name[FW_CFG_NAME_MAX + 1];	/* files only */
};

/* The device: items sorted by key, current selection and offset. */
struct fw_cfg {
	struct kvm *kvm;
	pthread_mutex_t lock;	/* vCPUs may race on the registers */
	struct fw_cfg_item *items;
	int nr_items;
	int cur;		/* index into @items, or -1 for an absent key */
	u32 off;		/* read offset in the selected item */
	u64 dma_addr;		/* DMA address register (high half latched) */
};

/* Directory entry (fw_cfg.rst "File directory"): every field big endian. */
struct fw_cfg_dir_entry {
	u32 size;
	u16 select;
	u16 reserved;
	char name[FW_CFG_NAME_MAX + 1];
} __attribute__((packed));

/* DMA access structure in guest memory, big endian. */
struct fw_cfg_dma_access {
	u32 control;
	u32 length;
	u64 address;
} __attribute__((packed));

_Static_assert(sizeof(struct fw_cfg_dir_entry) == 64, "fw_cfg dir entry");
_Static_assert(sizeof(struct fw_cfg_dma_access) == 16, "fw_cfg DMA access");

bool fw_cfg_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > FW_CFG_NAME_MAX || name[0] == '/' || name[len - 1] == '/' ||
	    strstr(name, "//"))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '/'))
			return false;
	}
	return true;
}

static struct fw_cfg_item *fw_cfg_add(struct fw_cfg *fw, u16 key, const void *data, u32 len)
{
	struct fw_cfg_item *it;

	fw->items = xrealloc(fw->items, (fw->nr_items + 1) * sizeof(*fw->items));
	it = &fw->items[fw->nr_items++];
	memset(it, 0, sizeof(*it));
	it->key = key;
	it->len = len;
	it->data = xmalloc(len ? len : 1);
	if (len)
		memcpy(it->data, data, len);
	return it;
}

static void fw_cfg_add_le(struct fw_cfg *fw, u16 key, u64 v, u32 bytes)
{
	u8 b[8];

	for (u32 i = 0; i < bytes; i++)
		b[i] = (u8)(v >> (8 * i));
	fw_cfg_add(fw, key, b, bytes);
}

static int name_cmp(const void *a, const void *b)
{
	const struct fw_cfg_file_opt *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* Open @path for reading and check it may be an fw_cfg file (a regular
 * file of at most FW_CFG_FILE_MAX_SIZE bytes): returns the fd with its
 * size in @st, or -1 after one error line. */
static int open_file_item(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		pr_err("--fw-cfg file=%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		pr_err("--fw-cfg file=%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if ((u64)st->st_size > FW_CFG_FILE_MAX_SIZE) {
		pr_err("--fw-cfg file=%s: %lld bytes, more than the %d MiB an fw_cfg file may hold",
		       path, (long long)st->st_size, (int)(FW_CFG_FILE_MAX_SIZE >> 20));
		close(fd);
		return -1;
	}
	return fd;
}

int fw_cfg_check_inputs(const struct vm_config *cfg)
{
	struct stat st;
	int bad = 0, fd;

	for (int i = 0; i < cfg->nr_fw_cfg; i++) {
		if (!cfg->fw_cfg[i].path)
			continue;
		fd = open_file_item(cfg->fw_cfg[i].path, &st);
		if (fd < 0)
			bad++;
		else
			close(fd);
	}
	return bad;
}

/* Read all of @path (at most FW_CFG_FILE_MAX_SIZE bytes). */
static u8 *read_whole(const char *path, u32 *len)
{
	struct stat st;
	u8 *buf;
	ssize_t n;
	u64 got = 0;
	int fd = open_file_item(path, &st);

	if (fd < 0)
		return NULL;
	buf = xmalloc(st.st_size ? st.st_size : 1);
	while (got < (u64)st.st_size) {
		n = read(fd, buf + got, st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	*len = got;
	return buf;
}

/* The file items and the directory, keys from FW_CFG_FILE_FIRST in name order. */
static int fw_cfg_add_files(struct fw_cfg *fw, const struct vm_config *cfg)
{
	struct fw_cfg_file_opt sorted[MAX_FW_CFG_FILES];
	int n = cfg->nr_fw_cfg;
	u32 dir_len = 4 + n * sizeof(struct fw_cfg_dir_entry);
	u8 *dir = xzalloc(dir_len);
	u32 count_be = htobe32(n);

	memcpy(sorted, cfg->fw_cfg, n * sizeof(sorted[0]));
	qsort(sorted, n, sizeof(sorted[0]), name_cmp);
	memcpy(dir, &count_be, 4);
	for (int i = 0; i < n; i++) {
		struct fw_cfg_dir_entry e = { 0 };
		struct fw_cfg_item *it;
		u8 *data;
		u32 len;

		if (i && !strcmp(sorted[i].name, sorted[i - 1].name)) {
			pr_err("--fw-cfg name=%s given twice: give each name once", sorted[i].name);
			free(dir);
			return -1;
		}
		if (sorted[i].path) {
			data = read_whole(sorted[i].path, &len);
			if (!data) {
				free(dir);
				return -1;
			}
		} else {
			len = strlen(sorted[i].string);
			data = (u8 *)xstrdup(sorted[i].string);
		}
		it = fw_cfg_add(fw, FW_CFG_FILE_FIRST + i, data, len);
		free(data);
		snprintf(it->name, sizeof(it->name), "%s", sorted[i].name);
		e.size = htobe32(len);
		e.select = htobe16(FW_CFG_FILE_FIRST + i);
		memcpy(e.name, it->name, sizeof(e.name));
		memcpy(dir + 4 + i * sizeof(e), &e, sizeof(e));
	}
	fw_cfg_add(fw, FW_CFG_FILE_DIR, dir, dir_len);
	free(dir);
	return 0;
}

/* Select @key: offset back to 0; an absent key reads as zeros. */
static void fw_cfg_select(struct fw_cfg *fw, u16 key)
{
	fw->cur = -1;
	fw->off = 0;
	for (int i = 0; i < fw->nr_items; i++)
		if (fw->items[i].key == key)
			fw->cur = i;
}

/* Next data byte: 0 past the end or for an absent key. */
static u8 fw_cfg_next(struct fw_cfg *fw)
{
	const struct fw_cfg_item *it;

	if (fw->cur < 0)
		return 0;
	it = &fw->items[fw->cur];
	if (fw->off >= it->len)
		return 0;
	return it->data[fw->off++];
}

/* Run the DMA access structure at @gpa (fw_cfg.rst "DMA interface"). */
static void fw_cfg_dma(struct fw_cfg *fw, u64 gpa)
{
	const struct guest_mem *mem = &fw->kvm->mem;
	struct fw_cfg_dma_access a;
	u32 control, length, status = 0;
	u64 addr;

	if (guest_read(mem, gpa, &a, sizeof(a)) < 0) {
		pr_warn_once("fw_cfg: DMA access structure at %#llx is not RAM",
			     (unsigned long long)gpa);
		return;
	}
	control = be32toh(a.control);
	length = be32toh(a.length);
	addr = be64toh(a.address);
	if (control & FW_CFG_DMA_SELECT)
		fw_cfg_select(fw, control >> 16);
	if (control & FW_CFG_DMA_WRITE) {
		status = FW_CFG_DMA_ERROR;	/* items are read-only */
	} else if (control & FW_CFG_DMA_READ) {
		u8 buf[256];

		while (length) {
			u32 chunk = MIN(length, (u32)sizeof(buf));

			for (u32 i = 0; i < chunk; i++)
				buf[i] = fw_cfg_next(fw);
			if (guest_write(mem, addr, buf, chunk) < 0) {
				status = FW_CFG_DMA_ERROR;
				break;
			}
			addr += chunk;
			length -= chunk;
		}
	} else if (control & FW_CFG_DMA_SKIP) {
		while (length--)
			fw_cfg_next(fw);
	}
	/* Done: control becomes 0, or keeps only the error bit. */
	a.control = htobe32(status);
	guest_write(mem, gpa, &a.control, sizeof(a.control));
}

static void fw_cfg_access(void *opaque, u64 offset, u8 *data, u32 len,
			  bool is_write, struct vcpu *vcpu)
{
	struct fw_cfg *fw = opaque;
	u64 port = FW_CFG_PORT_SEL + offset;

	pthread_mutex_lock(&fw->lock);
	if (port == FW_CFG_PORT_SEL && len == 2 && is_write) {
		fw_cfg_select(fw, data[0] | (data[1] << 8));
	} else if (port == FW_CFG_PORT_DATA && !is_write) {
		/* 8-bit register; wider reads take successive bytes. */
		for (u32 i = 0; i < len; i++)
			data[i] = fw_cfg_next(fw);
	} else if (port >= FW_CFG_PORT_DMA && port + len <= FW_CFG_PORT_DMA + 8 &&
		   (len == 4 || len == 8) && !((port - FW_CFG_PORT_DMA) & 3)) {
		/* Big endian: byte 0 of the register is bit 63..56. */
		u32 at = port - FW_CFG_PORT_DMA;

		if (!is_write) {
			for (u32 i = 0; i < len; i++)
				data[i] = (u8)(FW_CFG_DMA_SIGNATURE >> (8 * (7 - at - i)));
		} else {
			for (u32 i = 0; i < len; i++) {
				u32 shift = 8 * (7 - at - i);

				fw->dma_addr = (fw->dma_addr & ~(0xffULL << shift)) |
					       ((u64)data[i] << shift);
			}
			/* Writing the low half starts the transfer. */
			if (at + len == 8) {
				u64 gpa = fw->dma_addr;

				fw->dma_addr = 0;
				fw_cfg_dma(fw, gpa);
			}
		}
	} else if (!is_write) {
		memset(data, 0, len);	/* selector reads, odd widths */
	}
	pthread_mutex_unlock(&fw->lock);
}

static void fw_cfg_free(struct fw_cfg *fw)
{
	for (int i = 0; i < fw->nr_items; i++)
		free(fw->items[i].data);
	free(fw->items);
	pthread_mutex_destroy(&fw->lock);
	free(fw);
}

int fw_cfg_init(struct kvm *kvm)
{
	const struct vm_config *cfg = kvm->cfg;
	struct fw_cfg *fw = xzalloc(sizeof(*fw));

	fw->kvm = kvm;
	fw->cur = -1;
	pthread_mutex_init(&fw->lock, NULL);
	fw_cfg_add(fw, FW_CFG_SIGNATURE, "QEMU", 4);
	fw_cfg_add_le(fw, FW_CFG_ID, FW_CFG_ID_TRADITIONAL | FW_CFG_ID_DMA, 4);
	fw_cfg_add_le(fw, FW_CFG_RAM_SIZE, cfg->ram_size, 8);
	fw_cfg_add_le(fw, FW_CFG_NB_CPUS, cfg->nr_cpus, 2);
	fw_cfg_add_le(fw, FW_CFG_MAX_CPUS, cfg->nr_cpus, 2);
	if (cfg->nr_fw_cfg > MAX_FW_CFG_FILES || fw_cfg_add_files(fw, cfg) < 0 ||
	    bus_register(&kvm->pio, FW_CFG_PORT_SEL, FW_CFG_PORTS_LEN, "fw_cfg",
			 fw_cfg_access, fw) < 0) {
		fw_cfg_free(fw);
		return -1;
	}
	return 0;
}

void fw_cfg_exit(struct kvm *kvm)
{
	struct fw_cfg *fw = bus_find_opaque(&kvm->pio, fw_cfg_access);

	if (!fw)
		return;
	bus_unregister(&kvm->pio, FW_CFG_PORT_SEL);
	fw_cfg_free(fw);
}
