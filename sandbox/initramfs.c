// SPDX-License-Identifier: GPL-2.0
/*
 * The on-the-fly initramfs (see initramfs.h): finding the init, the
 * kernel's release and module directory, choosing the modules, and
 * writing the cpio archive into the cache.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hv/x86/bzimage.h"
#include "sandbox/initramfs.h"
#include "sandbox/modules.h"
#include "util/cpio.h"
#include "util/decompress.h"
#include "util/log.h"
#include "util/util.h"

/* Modules the guest cannot reach its shares without, and helpful ones. */
static const char *const required_mods[] = { "virtio_pci", "9pnet_virtio", "9p", NULL };
static const char *const optional_mods[] = { "overlay", "virtio_net", "pvpanic_pci", "pvpanic",
					      NULL };

#define MODULE_MAX_SIZE (256 * SZ_1M)	/* a decompressed module */

int kernel_release(const char *kernel, char *buf, size_t size, char *err, size_t errlen)
{
	u8 hdr[0x8000];
	ssize_t n;
	size_t off, i;
	int fd = open(kernel, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return set_err(err, errlen, "%s", strerror(errno));
	n = pread(fd, hdr, sizeof(hdr), 0);
	close(fd);
	if (n < 0x210 || get_le32(hdr + 0x202) != BZ_HDR_MAGIC)
		return set_err(err, errlen, "not a bzImage (no HdrS header)");
	off = (size_t)get_le16(hdr + 0x20e) + 0x200;
	if (get_le16(hdr + 0x20e) == 0 || off >= (size_t)n)
		return set_err(err, errlen, "no kernel version string in the setup header");
	for (i = 0; off + i < (size_t)n && i + 1 < size; i++) {
		char c = (char)hdr[off + i];

		if (c == ' ' || c == 0 || c < 0x20 || c > 0x7e)
			break;
		buf[i] = c;
	}
	buf[i] = 0;
	if (!i || (off + i < (size_t)n && hdr[off + i] != ' ' && hdr[off + i] != 0))
		return set_err(err, errlen, "unreadable kernel version string");
	return 0;
}

int lkvm_init_path(char *buf, size_t size)
{
	char exe[PATH_MAX], installed[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n < 0) {
		pr_err("cannot find lkvm's own path (/proc/self/exe): %s", strerror(errno));
		return -1;
	}
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	/* installed: <prefix>/bin/lkvm and <prefix>/lib/lkvm/lkvm-init */
	snprintf(installed, sizeof(installed), "%s/../lib/lkvm/lkvm-init", exe);
	if ((size_t)snprintf(buf, size, "%s/guest/lkvm-init", exe) >= size) {
		pr_err("the guest init's path is too long");
		return -1;
	}
	if (access(buf, X_OK) == 0)
		return 0;
	if (access(installed, X_OK) == 0 && (size_t)snprintf(buf, size, "%s", installed) < size)
		return 0;
	pr_err("no guest init at %s (%s) nor at %s: build it with 'make' in lkvm's tree", buf,
	       strerror(errno), installed);
	return -1;
}

int lkvm_cache_dir(char *buf, size_t size)
{
	const char *c = getenv("LKVM_CACHE"), *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
	int n;

	if (c && *c)
		n = snprintf(buf, size, "%s", c);
	else if (x && x[0] == '/')
		n = snprintf(buf, size, "%s/lkvm", x);
	else if (h && h[0] == '/')
		n = snprintf(buf, size, "%s/.cache/lkvm", h);
	else
		return -1;
	return n > 0 && (size_t)n < size ? 0 : -1;
}

/* Does @dir hold a modules.dep? */
static bool has_dep(const char *dir)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/modules.dep", dir);
	return access(p, R_OK) == 0;
}

int modules_dir_find(const char *kernel, const char *release, const char *opt,
		     char *buf, size_t size)
{
	char kdir[PATH_MAX], *slash;

	if (opt) {
		if (snprintf(buf, size, "%s", opt) > 0 && has_dep(buf))
			return 1;
		if (release && snprintf(buf, size, "%s/%s", opt, release) > 0 && has_dep(buf))
			return 1;
		if (release && snprintf(buf, size, "%s/lib/modules/%s", opt, release) > 0 &&
		    has_dep(buf))
			return 1;
		pr_err("--modules %s: no modules.dep there%s%s (give the directory depmod made, such as /lib/modules/VERSION)",
		       opt, release ? " nor for kernel release " : "", release ? release : "");
		return -1;
	}
	if (!release)
		return 0;
	snprintf(kdir, sizeof(kdir), "%s", kernel);
	slash = strrchr(kdir, '/');
	if (slash)
		*slash = 0;
	else
		snprintf(kdir, sizeof(kdir), ".");
	if (snprintf(buf, size, "%s/lib/modules/%s", kdir, release) > 0 && has_dep(buf))
		return 1;
	if (snprintf(buf, size, "/lib/modules/%s", release) > 0 && has_dep(buf))
		return 1;
	return 0;
}

/* FNV-1a, 64 bits, over @len bytes, continuing from @h. */
static u64 fnv(u64 h, const void *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		h = (h ^ ((const u8 *)p)[i]) * 0x100000001b3ULL;
	return h;
}

/* Add module @rel of @dir as lib/modules/<name>.ko, decompressed if need be. */
static int add_module(struct cpio *c, const char *dir, const char *rel, char *order, size_t osize)
{
	char path[PATH_MAX], name[80], err[256];
	u8 *buf, *plain = NULL;
	size_t len, plain_len;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	buf = read_file(path, &len);
	if (!buf) {
		pr_err("module %s: %s", path, strerror(errno));
		return -1;
	}
	if (compression_detect(buf, len) != COMP_NONE) {
		if (decompress(buf, len, MODULE_MAX_SIZE, &plain, &plain_len, err, sizeof(err)) < 0) {
			pr_err("module %s: %s", path, err);
			free(buf);
			return -1;
		}
		free(buf);
		buf = plain;
		len = plain_len;
	}
	mod_name(rel, name, sizeof(name) - 3);
	strcat(name, ".ko");
	snprintf(path, sizeof(path), "lib/modules/%s", name);
	ret = cpio_add_file(c, path, 0644, buf, len);
	free(buf);
	if (strlen(order) + strlen(name) + 2 < osize) {
		strcat(order, name);
		strcat(order, "\n");
	}
	return ret;
}

/* Write the archive to @tmp. */
static int write_cpio(const char *tmp, const struct initramfs_req *r, const struct mod_list *m)
{
	struct cpio c;
	char order[MODS_MAX * 80] = "";
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), ret = 0;

	if (fd < 0) {
		pr_err("cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	cpio_init(&c, fd);
	if (cpio_add_dir(&c, "dev", 0755) < 0 || cpio_add_chardev(&c, "dev/console", 0600, 5, 1) < 0 ||
	    cpio_add_dir(&c, "proc", 0755) < 0 || cpio_add_dir(&c, "sys", 0755) < 0 ||
	    cpio_add_dir(&c, "lib", 0755) < 0 || cpio_add_dir(&c, "lib/modules", 0755) < 0 ||
	    cpio_add_path(&c, "init", 0755, r->init) < 0)
		ret = -1;
	for (int i = 0; i < m->nr && !ret; i++)
		ret = add_module(&c, r->mod_dir, m->paths[i], order, sizeof(order));
	if (!ret && m->nr && cpio_add_file(&c, "lib/modules/order", 0644, order, strlen(order)) < 0)
		ret = -1;
	if (!ret && cpio_finish(&c) < 0)
		ret = -1;
	if (ret && c.err)
		pr_err("cannot write %s: %s", tmp, strerror(c.err));
	if (close(fd) < 0 && !ret) {
		pr_err("cannot write %s: %s", tmp, strerror(errno));
		ret = -1;
	}
	return ret;
}

/* Choose the modules of @r->mod_dir; 0, or -1 after an error line. */
static int choose(const struct initramfs_req *r, struct mod_list *m)
{
	char p[PATH_MAX], err[256];
	char *dep, *builtin;
	size_t dlen, blen = 0;
	int ret;

	memset(m, 0, sizeof(*m));
	if (!r->mod_dir)
		return 0;
	snprintf(p, sizeof(p), "%s/modules.dep", r->mod_dir);
	dep = read_file(p, &dlen);
	if (!dep) {
		pr_err("%s: %s", p, strerror(errno));
		return -1;
	}
	snprintf(p, sizeof(p), "%s/modules.builtin", r->mod_dir);
	builtin = read_file(p, &blen);
	ret = modules_resolve(dep, dlen, builtin, blen, required_mods, optional_mods, m, err,
			      sizeof(err));
	if (ret < 0)
		pr_err("kernel modules in %s: %s: the guest needs CONFIG_VIRTIO_PCI, CONFIG_NET_9P_VIRTIO and CONFIG_9P_FS (see lkvm setup --kconfig)",
		       r->mod_dir, err);
	free(dep);
	free(builtin);
	return ret;
}

/* mkdir -p @dir (mode 0755); true if it is then a writable directory. */
static bool make_dirs(char *dir)
{
	for (char *s = dir + 1; ; s++) {
		if (*s == '/' || !*s) {
			char c = *s;

			*s = 0;
			mkdir(dir, 0755);
			*s = c;
			if (!c)
				break;
		}
	}
	return access(dir, W_OK | X_OK) == 0;
}

/*
 * The initramfs cache: <cache dir>/sandbox, or ${TMPDIR:-/tmp}/lkvm-UID/sandbox
 * when that cannot be written (a read-only home). 0, or -1 if neither.
 */
static int cache_subdir(char *dir, size_t size)
{
	const char *t = getenv("TMPDIR");
	struct stat st;

	if (lkvm_cache_dir(dir, size - 16) == 0) {
		strcat(dir, "/sandbox");
		if (make_dirs(dir))
			return 0;
	}
	/* A shared /tmp: lkvm-UID must be our own private directory, no symlink. */
	if ((size_t)snprintf(dir, size, "%s/lkvm-%u", t && *t == '/' ? t : "/tmp",
			     (unsigned int)getuid()) >= size - 16)
		return -1;
	mkdir(dir, 0700);
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 077))
		return -1;
	strcat(dir, "/sandbox");
	return make_dirs(dir) ? 0 : -1;
}

int initramfs_get(const struct initramfs_req *r, char *path, size_t size)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 32];
	struct mod_list m;
	struct stat st;
	size_t len;
	u8 *init;
	u64 h = 0xcbf29ce484222325ULL;

	if (choose(r, &m) < 0)
		return -1;
	init = read_file(r->init, &len);
	if (!init) {
		pr_err("guest init %s: %s", r->init, strerror(errno));
		mod_list_free(&m);
		return -1;
	}
	h = fnv(h, init, len);
	free(init);
	if (r->mod_dir)
		h = fnv(h, r->mod_dir, strlen(r->mod_dir) + 1);
	for (int i = 0; i < m.nr; i++) {
		char p[PATH_MAX];

		snprintf(p, sizeof(p), "%s/%s", r->mod_dir, m.paths[i]);
		if (stat(p, &st) == 0) {
			h = fnv(h, &st.st_size, sizeof(st.st_size));
			h = fnv(h, &st.st_mtime, sizeof(st.st_mtime));
		}
		h = fnv(h, m.paths[i], strlen(m.paths[i]) + 1);
	}
	if (cache_subdir(dir, sizeof(dir)) < 0) {
		pr_err("no writable cache directory for the initramfs: set LKVM_CACHE");
		mod_list_free(&m);
		return -1;
	}
	if ((size_t)snprintf(path, size, "%s/initramfs-%s-%016llx.cpio", dir,
			     r->release ? r->release : "any", (unsigned long long)h) >= size) {
		pr_err("the initramfs path in %s is too long", dir);
		mod_list_free(&m);
		return -1;
	}
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		mod_list_free(&m);
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	if (write_cpio(tmp, r, &m) < 0) {
		unlink(tmp);
		mod_list_free(&m);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		pr_err("cannot make the initramfs %s: %s", path, strerror(errno));
		unlink(tmp);
		mod_list_free(&m);
		return -1;
	}
	pr_info("initramfs %s: the init and %d modules", path, m.nr);
	mod_list_free(&m);
	return 0;
}

int initramfs_for_kernel(const char *kernel, const char *modules_opt, char *path, size_t size)
{
	char release[128], err[256], init[PATH_MAX], mods[PATH_MAX];
	struct initramfs_req r = { 0 };
	int found;

	if (lkvm_init_path(init, sizeof(init)) < 0)
		return -1;
	r.init = init;
	if (kernel_release(kernel, release, sizeof(release), err, sizeof(err)) == 0) {
		r.release = release;
	} else if (!modules_opt) {
		pr_info("kernel %s: %s: no modules looked for (give --modules DIR if it needs some)",
			kernel, err);
	}
	found = modules_dir_find(kernel, r.release, modules_opt, mods, sizeof(mods));
	if (found < 0)
		return -1;
	if (found) {
		r.mod_dir = mods;
		pr_info("kernel modules from %s", mods);
	} else if (r.release) {
		pr_info("no module directory for kernel %s: its virtio, 9p and overlayfs must be built in",
			release);
	}
	return initramfs_get(&r, path, size);
}
