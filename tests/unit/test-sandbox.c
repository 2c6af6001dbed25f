// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm sandbox's host side without a guest: module load order from a
 * modules.dep (sandbox/modules.c), the run argv scan (sandbox/runargs.c),
 * the kernel release from a bzImage header, finding the module directory
 * and building the initramfs into a cache (sandbox/initramfs.c), whose
 * archive is read back: /init, /dev/console, the modules and their order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hv/x86/bzimage.h"
#include "sandbox/initramfs.h"
#include "sandbox/modules.h"
#include "sandbox/runargs.h"
#include "tests/tap.h"
#include "util/cpio.h"

static const char dep[] =
	"kernel/drivers/virtio/virtio.ko:\n"
	"kernel/drivers/virtio/virtio_ring.ko:\n"
	"kernel/drivers/virtio/virtio_pci_modern_dev.ko:\n"
	"kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko\n"
	"kernel/fs/netfs/netfs.ko:\n"
	"kernel/fs/fscache/fscache.ko: kernel/fs/netfs/netfs.ko\n"
	"kernel/net/9p/9pnet.ko:\n"
	"kernel/net/9p/9pnet_virtio.ko: kernel/net/9p/9pnet.ko kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko\n"
	"kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko kernel/fs/fscache/fscache.ko kernel/fs/netfs/netfs.ko\n"
	"kernel/drivers/misc/pvpanic/pvpanic-pci.ko: kernel/drivers/misc/pvpanic/pvpanic.ko\n"
	"kernel/drivers/misc/pvpanic/pvpanic.ko:\n";

static const char *const req[] = { "virtio_pci", "9pnet_virtio", "9p", NULL };
static const char *const opt[] = { "overlay", "pvpanic_pci", NULL };

/* Index of module @name in @l, or -1. */
static int pos(const struct mod_list *l, const char *name)
{
	for (int i = 0; i < l->nr; i++) {
		char n[64];

		mod_name(l->paths[i], n, sizeof(n));
		if (!strcmp(n, name))
			return i;
	}
	return -1;
}

static void test_modules(void)
{
	struct mod_list l;
	char err[256], n[64];
	bool deps_first;

	mod_name("kernel/drivers/misc/pvpanic/pvpanic-pci.ko.xz", n, sizeof(n));
	is_str(n, "pvpanic_pci", "mod_name: directory and .ko.xz dropped, '-' read as '_'");

	ok(modules_resolve(dep, strlen(dep), NULL, 0, req, opt, &l, err, sizeof(err)) == 0,
	   "resolve the sandbox's modules");
	is_int(l.nr, 11, "eleven modules: three asked for, their deps, pvpanic_pci and pvpanic");
	deps_first = pos(&l, "virtio") < pos(&l, "virtio_pci") &&
		     pos(&l, "virtio_ring") < pos(&l, "virtio_pci") &&
		     pos(&l, "9pnet") < pos(&l, "9pnet_virtio") &&
		     pos(&l, "netfs") < pos(&l, "fscache") && pos(&l, "fscache") < pos(&l, "9p") &&
		     pos(&l, "pvpanic") < pos(&l, "pvpanic_pci");
	ok(deps_first, "every module comes after its dependencies");
	ok(pos(&l, "overlay") < 0, "a missing optional module is skipped");
	mod_list_free(&l);

	{
		static const char builtin[] = "kernel/fs/9p/9p.ko\nkernel/drivers/virtio/virtio_pci.ko\n";

		ok(modules_resolve(dep, strlen(dep), builtin, strlen(builtin), req, NULL, &l, err,
				   sizeof(err)) == 0 && pos(&l, "9p") < 0 && pos(&l, "virtio_pci") < 0 &&
		   pos(&l, "9pnet_virtio") >= 0 && pos(&l, "fscache") < 0,
		   "built-in modules (modules.builtin) are skipped, with what only they needed");
		mod_list_free(&l);
	}
	{
		static const char *const want[] = { "overlay", NULL };

		ok(modules_resolve(dep, strlen(dep), NULL, 0, want, NULL, &l, err, sizeof(err)) == -1 &&
		   strstr(err, "overlay"), "a missing required module fails, naming it: %s", err);
	}
	{
		static const char cyc[] = "a.ko: b.ko\nb.ko: a.ko\n";
		static const char *const want[] = { "a", NULL };

		ok(modules_resolve(cyc, strlen(cyc), NULL, 0, want, NULL, &l, err, sizeof(err)) == -1 &&
		   strstr(err, "cycle"), "a dependency cycle fails: %s", err);
	}
	{
		static const char lack[] = "a.ko: gone.ko\n";
		static const char *const want[] = { "a", NULL };

		ok(modules_resolve(lack, strlen(lack), NULL, 0, want, NULL, &l, err, sizeof(err)) == -1 &&
		   strstr(err, "gone"), "a dependency modules.dep lacks fails: %s", err);
	}
}

static void test_runargs(void)
{
	struct user_opts o;
	struct runargs pass = { 0 };
	char err[256];
	const char *a1[] = { "sandbox", "-m", "1G", "-kbz", "--rw", "/a", "--rw=/b", "-p", "quiet",
			     "--modules=/m", "--loglevel", "info", "-c", "2", "--", "sh", "-c",
			     "exit 7", NULL };
	const char *a2[] = { "sandbox", "-i", "x", NULL };
	const char *a3[] = { "sandbox", "--rw", NULL };
	const char *a4[] = { "run", "--rootfs", "r1", "--params=x y", "--debug-exit", "-c", "1", NULL };
	const char *a5[] = { "run", "--rootfs=r1", "--", "cmd", NULL };
	const char *a6[] = { "sandbox", "make", NULL };
	const char *a7[] = { "sandbox", "-m", "1G", "make", NULL };

	ok(runargs_scan("sandbox", 18, a1, &o, &pass, err, sizeof(err)) == 0, "sandbox: scan");
	is_str(o.kernel, "bz", "-kFILE");
	ok(o.nr_rw == 2 && !strcmp(o.rw[0], "/a") && !strcmp(o.rw[1], "/b"), "--rw DIR and --rw=DIR");
	is_str(o.params, "quiet", "-p taken out");
	is_str(o.modules, "/m", "--modules=DIR");
	ok(o.loglevel && !o.debug_exit && !o.help, "--loglevel noticed (and passed on)");
	ok(o.nr_command == 3 && !strcmp(o.command[0], "sh") && !strcmp(o.command[2], "exit 7"),
	   "the command after --");
	ok(pass.n == 7 && !strcmp(pass.v[0], "sandbox") && !strcmp(pass.v[1], "-m") &&
	   !strcmp(pass.v[2], "1G") && !strcmp(pass.v[3], "--loglevel") &&
	   !strcmp(pass.v[5], "-c") && !strcmp(pass.v[6], "2") && !pass.v[7],
	   "run options pass through in order, NULL-terminated");
	free(pass.v);
	memset(&pass, 0, sizeof(pass));
	ok(runargs_scan("sandbox", 3, a2, &o, &pass, err, sizeof(err)) == -1 &&
	   strstr(err, "initramfs"), "sandbox: -i refused: %s", err);
	free(pass.v);
	memset(&pass, 0, sizeof(pass));
	ok(runargs_scan("sandbox", 2, a3, &o, &pass, err, sizeof(err)) == -1 &&
	   strstr(err, "needs a value"), "sandbox: --rw without a value: %s", err);
	free(pass.v);
	memset(&pass, 0, sizeof(pass));
	ok(runargs_scan("run", 7, a4, &o, &pass, err, sizeof(err)) == 0 &&
	   !strcmp(o.rootfs, "r1") && !strcmp(o.params, "x y") && o.debug_exit &&
	   pass.n == 4, "run: --rootfs NAME, --params=, --debug-exit noticed and passed on");
	ok(runargs_has_rootfs(7, a4) && runargs_has_rootfs(4, a5) && !runargs_has_rootfs(2, a3),
	   "runargs_has_rootfs: --rootfs and --rootfs= before --");
	free(pass.v);
	memset(&pass, 0, sizeof(pass));
	ok(runargs_scan("run", 4, a5, &o, &pass, err, sizeof(err)) == -1 && strstr(err, "cmd"),
	   "run: a word after -- is refused: %s", err);
	free(pass.v);
	memset(&pass, 0, sizeof(pass));
	ok(runargs_scan("sandbox", 2, a6, &o, &pass, err, sizeof(err)) == -1 && strstr(err, "after --"),
	   "sandbox: a command without -- is refused: %s", err);
	free(pass.v);
	memset(&pass, 0, sizeof(pass));
	ok(runargs_scan("sandbox", 4, a7, &o, &pass, err, sizeof(err)) == -1 && strstr(err, "'make'"),
	   "sandbox: ... also after an option's value: %s", err);
	free(pass.v);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f))
		abort();
}

/* A file that is a bzImage as far as its setup header goes. */
static void fake_bzimage(const char *path, const char *version)
{
	static u8 img[0x1000];

	memset(img, 0, sizeof(img));
	img[0x1fe] = 0x55;
	img[0x1ff] = 0xaa;
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0f;
	img[0x207] = 0x02;
	if (version) {
		img[0x20e] = 0x00;	/* string at 0x200 + 0x600 */
		img[0x20f] = 0x06;
		memcpy(img + 0x800, version, strlen(version) + 1);
	}
	write_file(path, img, sizeof(img));
}

static void test_initramfs(void)
{
	char tmp[] = "/tmp/lkvm-test-sandbox.XXXXXX", p[1024], rel[128], err[256], out[1024];
	char mods[256], found[512];
	struct initramfs_req r = { 0 };
	size_t len, off = 0;
	u8 *buf;
	char names[1024] = "";
	const char *order = NULL;
	u32 order_len = 0;

	if (!mkdtemp(tmp))
		abort();
	snprintf(p, sizeof(p), "%s/bzImage", tmp);
	fake_bzimage(p, "6.1.0-99-test (builder@host) #1 SMP");
	ok(kernel_release(p, rel, sizeof(rel), err, sizeof(err)) == 0 && !strcmp(rel, "6.1.0-99-test"),
	   "kernel_release: the first word of the version string: %s", rel);
	fake_bzimage(p, NULL);
	ok(kernel_release(p, rel, sizeof(rel), err, sizeof(err)) == -1,
	   "kernel_release: no version string: %s", err);
	write_file(p, "\x7f" "ELF", 4);
	ok(kernel_release(p, rel, sizeof(rel), err, sizeof(err)) == -1 && strstr(err, "bzImage"),
	   "kernel_release: not a bzImage: %s", err);

	/* A module directory next to the kernel: lib/modules/<release>/. */
	fake_bzimage(p, "6.1.0-99-test #1");
	snprintf(mods, sizeof(mods), "%s/lib/modules/6.1.0-99-test/kernel", tmp);
	snprintf(out, sizeof(out), "mkdir -p %s/a", mods);
	if (system(out))
		abort();
	snprintf(out, sizeof(out), "%s/lib/modules/6.1.0-99-test/modules.dep", tmp);
	{
		static const char d[] = "kernel/a/virtio_pci.ko: kernel/a/virtio.ko\nkernel/a/virtio.ko:\n"
					"kernel/a/9pnet_virtio.ko:\nkernel/a/9p.ko:\n";

		write_file(out, d, strlen(d));
	}
	for (const char *m = "virtio_pci\0virtio\0" "9pnet_virtio\0" "9p\0"; *m; m += strlen(m) + 1) {
		snprintf(out, sizeof(out), "%s/a/%s.ko", mods, m);
		write_file(out, m, strlen(m));
	}
	ok(modules_dir_find(p, "6.1.0-99-test", NULL, found, sizeof(found)) == 1 &&
	   strstr(found, "/lib/modules/6.1.0-99-test"), "modules_dir_find: next to the kernel: %s",
	   found);
	ok(modules_dir_find(p, "6.1.0-98-none", NULL, found, sizeof(found)) == 0,
	   "modules_dir_find: none for another release");
	snprintf(out, sizeof(out), "%s", tmp);
	ok(modules_dir_find(p, "6.1.0-99-test", out, found, sizeof(found)) == 1 &&
	   strstr(found, "/lib/modules/6.1.0-99-test"),
	   "modules_dir_find: --modules DIR with lib/modules/<release> inside");
	quiet(true);
	ok(modules_dir_find(p, "6.1.0-99-test", "/nonexistent", rel, sizeof(rel)) == -1,
	   "modules_dir_find: --modules without modules.dep fails");
	quiet(false);

	/* The initramfs, in a cache under the temp dir. */
	snprintf(out, sizeof(out), "%s/cache", tmp);
	setenv("LKVM_CACHE", out, 1);
	snprintf(out, sizeof(out), "%s/init", tmp);
	write_file(out, "#!init", 6);
	r.init = out;
	r.mod_dir = found;
	r.release = "6.1.0-99-test";
	ok(initramfs_get(&r, p, sizeof(p)) == 0 && strstr(p, "/cache/sandbox/initramfs-6.1.0-99-test-"),
	   "initramfs_get: built into the cache: %s", p);
	buf = read_file(p, &len);
	while (buf && off < len) {
		size_t nsz, fsz;
		char f[9] = { 0 }, *name;

		if (memcmp(buf + off, CPIO_NEWC_MAGIC, 6))
			break;
		memcpy(f, buf + off + 6 + 8 * 11, 8);
		nsz = strtoul(f, NULL, 16);
		memcpy(f, buf + off + 6 + 8 * 6, 8);
		fsz = strtoul(f, NULL, 16);
		name = (char *)buf + off + CPIO_HDR_SIZE;
		if (!strcmp(name, CPIO_TRAILER))
			break;
		strcat(names, name);
		strcat(names, " ");
		off = ALIGN_UP(off + CPIO_HDR_SIZE + nsz, 4);
		if (!strcmp(name, "lib/modules/order")) {
			order = (char *)buf + off;
			order_len = (u32)fsz;
		}
		off = ALIGN_UP(off + fsz, 4);
	}
	is_str(names, "dev dev/console proc sys lib lib/modules init lib/modules/virtio.ko "
		      "lib/modules/virtio_pci.ko lib/modules/9pnet_virtio.ko lib/modules/9p.ko "
		      "lib/modules/order ", "the archive: init, console, modules, their order");
	ok(order && order_len == strlen("virtio.ko\nvirtio_pci.ko\n9pnet_virtio.ko\n9p.ko\n") &&
	   !memcmp(order, "virtio.ko\nvirtio_pci.ko\n9pnet_virtio.ko\n9p.ko\n", order_len),
	   "lib/modules/order lists them deps first");
	free(buf);
	{
		char again[1024];
		struct stat a, b;

		stat(p, &a);
		ok(initramfs_get(&r, again, sizeof(again)) == 0 && !strcmp(again, p) &&
		   stat(again, &b) == 0 && a.st_ino == b.st_ino, "a second call reuses the cached file");
		write_file(out, "#!init2", 7);
		ok(initramfs_get(&r, again, sizeof(again)) == 0 && strcmp(again, p),
		   "another init gives another file");
	}
	r.mod_dir = NULL;
	ok(initramfs_get(&r, p, sizeof(p)) == 0, "no module directory: the init alone");
	snprintf(out, sizeof(out), "rm -rf %s", tmp);
	if (system(out))
		abort();
}

int main(void)
{
	test_modules();
	test_runargs();
	test_initramfs();
	return done_testing();
}
