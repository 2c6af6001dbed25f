// SPDX-License-Identifier: GPL-2.0
/*
 * `lkvm version`: the version lkvm was built from and, when /dev/kvm can be
 * opened, the KVM API version the host offers, so a bug report carries both
 * sides of the ABI.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "builtin.h"
#include "hv/kvm_diag.h"
#include "util/parse-options.h"

#ifndef LKVM_VERSION
#define LKVM_VERSION "unknown"
#endif

/* KVM_GET_API_VERSION of /dev/kvm (Documentation/virt/kvm/api.rst 4.1),
 * or -1 if the device cannot be opened or queried. */
static int kvm_api_version(void)
{
	int fd = open(kvm_dev_path(), O_RDWR | O_CLOEXEC);
	int v;

	if (fd < 0)
		return -1;
	v = ioctl(fd, KVM_GET_API_VERSION, 0);
	close(fd);
	return v;
}

int cmd_version(int argc, const char **argv)
{
	static const char *const usage[] = { "lkvm version", NULL };
	const struct option opts[] = { OPT_END() };
	int api;

	if (parse_options(argc, argv, opts, usage, 0) > 0)
		parse_options_error("version", "unexpected argument '%s'", argv[0]);
	printf("lkvm version %s\n", LKVM_VERSION);
	api = kvm_api_version();
	if (api >= 0)
		printf("KVM API version %d\n", api);
	return 0;
}
