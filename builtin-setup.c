// SPDX-License-Identifier: GPL-2.0
/*
 * lkvm setup: make, remove and describe rootfs directories for 9p-root
 * guests (Documentation/lkvm-setup.txt). `lkvm setup NAME` creates
 * <state dir>/rootfs/NAME with empty mount points, the config naming the
 * host directories to bind (sandbox/spec.h), etc-local and a copy of the
 * guest init; `lkvm run --rootfs NAME` boots it (sandbox/rootfs.h).
 * `--kconfig` prints the kernel config fragment lkvm guests need.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "sandbox/initramfs.h"
#include "sandbox/rootfs.h"
#include "sandbox/spec.h"
#include "util/ctl-client.h"
#include "util/exit-status.h"
#include "util/log.h"
#include "util/parse-options.h"

/* Empty directories of a rootfs: mount points and its writable homes. */
static const char *const rootfs_dirs[] = {
	"dev", "proc", "sys", "tmp", "run", "root", "home", "etc-local",
	"bin", "sbin", "lib", "lib64", "usr", "etc",
};

/* Host directories bound read-only into the guest, when the host has them. */
static const char *const host_binds[] = { "/bin", "/sbin", "/lib", "/lib64", "/usr", "/etc" };

/*
 * The kernel options a guest needs under lkvm with everything built in,
 * for scripts/kconfig/merge_config.sh (Documentation/lkvm-setup.txt).
 */
static const char *const kconfig[] = {
	"# lkvm guest: virtio over PCI, 9p and overlayfs, serial console",
	"CONFIG_PCI=y", "CONFIG_VIRTIO_MENU=y", "CONFIG_VIRTIO=y", "CONFIG_VIRTIO_PCI=y",
	"CONFIG_VIRTIO_MMIO=y", "CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES=y",
	"CONFIG_VIRTIO_BLK=y", "CONFIG_NETDEVICES=y", "CONFIG_NET_CORE=y", "CONFIG_VIRTIO_NET=y",
	"CONFIG_VIRTIO_CONSOLE=y", "CONFIG_HW_RANDOM=y", "CONFIG_HW_RANDOM_VIRTIO=y",
	"CONFIG_NET=y", "CONFIG_INET=y", "CONFIG_NET_9P=y", "CONFIG_NET_9P_VIRTIO=y",
	"CONFIG_NETWORK_FILESYSTEMS=y", "CONFIG_9P_FS=y", "CONFIG_9P_FS_POSIX_ACL=y",
	"CONFIG_OVERLAY_FS=y", "CONFIG_TTY=y", "CONFIG_SERIAL_8250=y",
	"CONFIG_SERIAL_8250_CONSOLE=y", "CONFIG_PVPANIC=y", "CONFIG_PVPANIC_MMIO=y",
	"CONFIG_PVPANIC_PCI=y", "CONFIG_ACPI=y", "CONFIG_DEVTMPFS=y", "CONFIG_DEVTMPFS_MOUNT=y",
	"CONFIG_TMPFS=y", "CONFIG_TMPFS_POSIX_ACL=y", "CONFIG_BLK_DEV_INITRD=y",
	"CONFIG_BINFMT_ELF=y", "CONFIG_BINFMT_SCRIPT=y", "CONFIG_UNIX=y", "CONFIG_PROC_FS=y",
	"CONFIG_SYSFS=y", "CONFIG_UNIX98_PTYS=y", "CONFIG_FILE_LOCKING=y",
	"CONFIG_X86_IOPL_IOPERM=y", "CONFIG_DEVMEM=y", "CONFIG_DEVPORT=y",
	"CONFIG_HYPERVISOR_GUEST=y", "CONFIG_PARAVIRT=y", "CONFIG_KVM_GUEST=y",
};

static int write_text(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

	if (fd < 0 || write_all(fd, text, strlen(text)) < 0 || close(fd) < 0) {
		pr_err("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	size_t len;
	char *buf = read_file(from, &len);
	int fd, ret = 0;

	if (!buf) {
		pr_err("cannot read %s: %s", from, strerror(errno));
		return -1;
	}
	fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0 || write_all(fd, buf, len) < 0 || close(fd) < 0) {
		pr_err("cannot write %s: %s", to, strerror(errno));
		ret = -1;
	}
	free(buf);
	return ret;
}

/* Make <state dir>/rootfs (and the state dir), both private. */
static int make_base(char *base, size_t size)
{
	char dir[PATH_MAX];

	if (ctl_sock_dir(dir, sizeof(dir)) < 0 || rootfs_base(base, size) < 0) {
		pr_err("no state directory: set XDG_RUNTIME_DIR or HOME");
		return -1;
	}
	if ((mkdir(dir, 0700) < 0 && errno != EEXIST) || (mkdir(base, 0700) < 0 && errno != EEXIST)) {
		pr_err("cannot create %s: %s", base, strerror(errno));
		return -1;
	}
	return 0;
}

static int setup_create(const char *name)
{
	char base[PATH_MAX], dir[PATH_MAX], p[PATH_MAX + 64], init[PATH_MAX];
	char conf[1024];
	size_t n;

	if (lkvm_init_path(init, sizeof(init)) < 0 || make_base(base, sizeof(base)) < 0)
		return EXIT_LKVM_ERROR;
	if (rootfs_path(name, dir, sizeof(dir)) < 0) {
		pr_err("rootfs path for '%s': %s", name, strerror(errno));
		return EXIT_LKVM_ERROR;
	}
	if (mkdir(dir, 0755) < 0) {
		if (errno == EEXIST)
			pr_err("rootfs '%s' exists (%s): remove it first with 'lkvm setup --remove %s'",
			       name, dir, name);
		else
			pr_err("cannot create %s: %s", dir, strerror(errno));
		return EXIT_LKVM_ERROR;
	}
	for (size_t i = 0; i < ARRAY_SIZE(rootfs_dirs); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, rootfs_dirs[i]);
		if (mkdir(p, !strcmp(rootfs_dirs[i], "tmp") ? 01777 :
			  !strcmp(rootfs_dirs[i], "root") ? 0700 : 0755) < 0) {
			pr_err("cannot create %s: %s", p, strerror(errno));
			return EXIT_LKVM_ERROR;
		}
	}
	n = (size_t)snprintf(conf, sizeof(conf),
			     "# lkvm rootfs '%s': host directories bound read-only at the same\n"
			     "# path in the guest (lkvm help setup). Edit freely.\n", name);
	for (size_t i = 0; i < ARRAY_SIZE(host_binds); i++) {
		struct stat st;

		if (stat(host_binds[i], &st) == 0 && S_ISDIR(st.st_mode))
			n += (size_t)snprintf(conf + n, sizeof(conf) - n, "bind %s\n", host_binds[i]);
	}
	snprintf(p, sizeof(p), "%s/%s", dir, ROOTFS_CONF_NAME);
	if (write_text(p, conf, 0644) < 0)
		return EXIT_LKVM_ERROR;
	snprintf(p, sizeof(p), "%s/etc-local/hostname", dir);
	snprintf(conf, sizeof(conf), "%s\n", name);
	if (write_text(p, conf, 0644) < 0)
		return EXIT_LKVM_ERROR;
	snprintf(p, sizeof(p), "%s/lkvm-init", dir);
	if (copy_file(init, p, 0755) < 0)
		return EXIT_LKVM_ERROR;
	printf("%s\n", dir);
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	int r = flag == FTW_DP ? rmdir(path) : unlink(path);

	if (r < 0)
		pr_err("cannot remove %s: %s", path, strerror(errno));
	return r < 0 ? -1 : 0;
}

static int setup_remove(const char *name)
{
	char dir[PATH_MAX];
	struct stat st;

	if (rootfs_path(name, dir, sizeof(dir)) < 0) {
		pr_err("rootfs path for '%s': %s", name, strerror(errno));
		return EXIT_LKVM_ERROR;
	}
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		pr_err("no rootfs '%s' (%s)", name, dir);
		return EXIT_LKVM_ERROR;
	}
	/* depth first, never following a symlink out of the rootfs */
	if (nftw(dir, remove_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
		return EXIT_LKVM_ERROR;
	return 0;
}

int cmd_setup(int argc, const char **argv)
{
	static const char *const usage[] = {
		"lkvm setup NAME", "lkvm setup --remove NAME", "lkvm setup --kconfig", NULL,
	};
	bool remove = false, print_kconfig = false;
	const struct option opts[] = {
		OPT_BOOLEAN(0, "remove", &remove, "delete rootfs NAME and everything in it"),
		OPT_BOOLEAN(0, "kconfig", &print_kconfig,
			    "print the kernel config fragment for lkvm guests (merge_config.sh)"),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, usage, 0);
	if (print_kconfig) {
		if (argc > 0 || remove)
			parse_options_error("setup", "--kconfig takes no NAME and no --remove");
		for (size_t i = 0; i < ARRAY_SIZE(kconfig); i++)
			printf("%s\n", kconfig[i]);
		return 0;
	}
	if (argc != 1)
		parse_options_error("setup", argc ? "one NAME at a time" : "a rootfs NAME is needed");
	if (!ctl_name_valid(argv[0]))
		parse_options_error("setup", "'%s': use 1 to %d letters, digits, '.', '_' or '-'",
				    argv[0], CTL_NAME_MAX);
	return remove ? setup_remove(argv[0]) : setup_create(argv[0]);
}
