// SPDX-License-Identifier: GPL-2.0
/*
 * Input checks before KVM (see hv/x86/inputs.h). The kernel is mapped, not
 * read: only the pages the checks look at are touched. Image formats: x86
 * boot protocol (boot.rst), gABI 4.1 ch. 5, Multiboot 0.6.96 section 3.1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hv/x86/bzimage.h"
#include "hv/x86/elf_load.h"
#include "hv/x86/inputs.h"
#include "util/decompress.h"
#include "util/log.h"
#include "util/symbols.h"

/* Open @path as a regular, readable file; prints "WHAT 'path': reason". */
static int open_input(const char *what, const char *path, size_t *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		pr_err("%s '%s': %s", what, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		pr_err("%s '%s': %s", what, path,
		       S_ISDIR(st.st_mode) ? "is a directory, not a file" : "not a regular file");
		close(fd);
		return -1;
	}
	*size = (size_t)st.st_size;
	return fd;
}

/* A bzImage: its header, and a payload this lkvm can decompress. */
static int check_bzimage(const struct vm_config *cfg, const u8 *img, size_t len)
{
	struct bzimage bz;
	enum compression c;
	char err[256];

	if (bzimage_parse(img, len, &bz, err, sizeof(err)) < 0) {
		pr_err("kernel '%s': %s", cfg->kernel, err);
		return -1;
	}
	if (!cfg->host_decompress)
		return 0;
	c = compression_detect(bz.payload, bz.payload_size);
	if (c == COMP_LZO) {
		pr_err("kernel '%s': lzo payloads are not supported on the host: use --no-host-decompress",
		       cfg->kernel);
		return -1;
	}
	if (c == COMP_NONE && elf_class(bz.payload, bz.payload_size) != 64) {
		pr_err("kernel '%s': payload is in no known compression format: use --no-host-decompress",
		       cfg->kernel);
		return -1;
	}
	return 0;
}

static int check_kernel(const struct vm_config *cfg, enum image_kind *kind)
{
	char err[256];
	size_t len;
	int fd, rc = -1;
	u8 *img;

	fd = open_input("kernel", cfg->kernel, &len);
	if (fd < 0)
		return -1;
	if (!len) {
		pr_err("kernel '%s': file is empty", cfg->kernel);
		close(fd);
		return -1;
	}
	img = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (img == MAP_FAILED) {
		pr_err("kernel '%s': cannot map it: %s", cfg->kernel, strerror(errno));
		return -1;
	}
	if (len >= 0x206 && !memcmp(img + 0x202, "HdrS", 4)) {
		*kind = IMAGE_BZIMAGE;
		rc = check_bzimage(cfg, img, len);
	} else if (elf_class(img, len) == 64 && multiboot_probe(img, len) < 0) {
		struct elf_image ei;

		*kind = IMAGE_VMLINUX;
		rc = elf_load(NULL, img, len, &ei, err, sizeof(err));
		if (rc < 0)
			pr_err("kernel '%s': %s", cfg->kernel, err);
	} else if (multiboot_probe(img, len) >= 0) {
		*kind = IMAGE_MULTIBOOT;
		rc = 0;
	} else if (elf_class(img, len)) {
		pr_err("kernel '%s': ELF%d image without a multiboot header: lkvm boots 64-bit x86-64 vmlinux files",
		       cfg->kernel, elf_class(img, len));
	} else {
		pr_err("kernel '%s': not a bzImage, a vmlinux ELF or a multiboot image (first bytes %02x %02x %02x %02x)",
		       cfg->kernel, img[0], len > 1 ? img[1] : 0, len > 2 ? img[2] : 0,
		       len > 3 ? img[3] : 0);
	}
	munmap(img, len);
	return rc;
}

int boot_check_inputs(const struct vm_config *cfg, enum image_kind *kind)
{
	enum image_kind k = IMAGE_MULTIBOOT;
	bool kernel_ok = false;
	int bad = 0;

	if (cfg->kernel) {
		kernel_ok = check_kernel(cfg, &k) == 0;
		bad += !kernel_ok;
	}
	for (int i = 0; i < cfg->nr_modules; i++) {
		const char *what = kernel_ok && k == IMAGE_MULTIBOOT ? "module" : "initrd";
		size_t size;
		int fd = open_input(what, cfg->modules[i].path, &size);

		if (fd < 0)
			bad++;
		else
			close(fd);
	}
	if (kernel_ok && k != IMAGE_MULTIBOOT && cfg->nr_modules > 1) {
		pr_err("kernel '%s' is Linux, which takes one initrd, but %d were given with -i/--module",
		       cfg->kernel, cfg->nr_modules);
		bad++;
	}
	if (cfg->symbols) {
		char err[256];
		struct symtab *st = symtab_load(cfg->symbols, err, sizeof(err));

		if (!st) {
			pr_err("--symbols %s", err);
			bad++;
		}
		symtab_free(st);
	}
	if (kind)
		*kind = k;
	return bad;
}
