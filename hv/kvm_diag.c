// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kvm diagnosis: gather facts (kvm_dev_probe), then classify them
 * without touching the host (kvm_dev_diagnose). See hv/kvm_diag.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hv/kvm_diag.h"

#define NESTED_HINT "; to run lkvm and its tests anyway: scripts/nested-kvm -- COMMAND"

const char *kvm_dev_path(void)
{
	const char *p = getenv(LKVM_DEV_KVM_ENV);

	return p && *p ? p : "/dev/kvm";
}

enum kvm_dev_problem kvm_dev_diagnose(const struct kvm_dev_facts *f, char *msg, size_t len)
{
	const char *path = f->path ? f->path : "/dev/kvm";
	enum kvm_dev_problem p;

	if (f->exists && !f->open_errno) {
		if (len)
			msg[0] = 0;
		return KVM_DEV_OK;
	}
	if (f->exists) {
		if (f->open_errno == EACCES || f->open_errno == EPERM) {
			p = KVM_DEV_PERMISSION;
			if (f->group && *f->group)
				snprintf(msg, len,
					 "cannot open %s: %s: join the group '%s' that owns it (sudo usermod -aG %s $USER, then log in again)" NESTED_HINT,
					 path, strerror(f->open_errno), f->group, f->group);
			else
				snprintf(msg, len,
					 "cannot open %s: %s: ask for read-write access to it" NESTED_HINT,
					 path, strerror(f->open_errno));
		} else {
			p = KVM_DEV_OPEN_FAILED;
			snprintf(msg, len, "cannot open %s: %s" NESTED_HINT, path,
				 strerror(f->open_errno));
		}
		return p;
	}
	if (f->pvm_guest) {
		snprintf(msg, len,
			 "%s does not exist: this kernel is itself a PVM guest, so kvm_pvm does not bind (\"" KVM_PVM_GUEST_MSG "\" in dmesg); lkvm needs a host kernel with KVM or a VM with nested virtualization" NESTED_HINT,
			 path);
		return KVM_DEV_PVM_GUEST;
	}
	if (f->mod_intel || f->mod_amd || f->mod_pvm) {
		snprintf(msg, len,
			 "%s does not exist although %s is loaded: create the node (mknod %s c 10 232) or mount devtmpfs" NESTED_HINT,
			 path, f->mod_pvm ? "kvm_pvm" : f->mod_intel ? "kvm_intel" : "kvm_amd", path);
		return KVM_DEV_NO_NODE;
	}
	if (!f->cpu_vmx && !f->cpu_svm) {
		snprintf(msg, len,
			 "%s does not exist: the CPU exposes neither VMX nor SVM (in a VM: nested virtualization is off; on bare metal: enable VT-x/AMD-V in the firmware; a PVM guest kernel says \"" KVM_PVM_GUEST_MSG "\" in dmesg)%s" NESTED_HINT,
			 path, f->mod_kvm ? "; kvm is loaded but has no vendor module to serve it" : "");
		return KVM_DEV_NO_VIRT;
	}
	snprintf(msg, len, "%s does not exist: no KVM module is loaded: run 'sudo modprobe %s'" NESTED_HINT,
		 path, f->cpu_vmx ? "kvm_intel" : "kvm_amd");
	return KVM_DEV_NO_MODULE;
}

static bool has_module(const char *name)
{
	char p[128];

	snprintf(p, sizeof(p), "/sys/module/%s", name);
	return !access(p, F_OK);
}

/* The "flags" line of /proc/cpuinfo: does it hold @flag as a word? */
static void cpu_flags(bool *vmx, bool *svm)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *fp = fopen("/proc/cpuinfo", "r");

	*vmx = *svm = false;
	if (!fp)
		return;
	while (getline(&line, &cap, fp) > 0) {
		if (strncmp(line, "flags", 5))
			continue;
		*vmx = strstr(line, " vmx ") || strstr(line, " vmx\n");
		*svm = strstr(line, " svm ") || strstr(line, " svm\n");
		break;
	}
	free(line);
	fclose(fp);
}

/* Does the kernel log (when we may read it) hold KVM_PVM_GUEST_MSG? */
static bool kmsg_says_pvm_guest(void)
{
	char rec[2048];
	bool found = false;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return false;
	for (int n = 0; n < 100000 && !found; n++) {
		ssize_t r = read(fd, rec, sizeof(rec) - 1);

		if (r < 0 && errno == EPIPE)	/* record overwritten: go on */
			continue;
		if (r <= 0)
			break;
		rec[r] = 0;
		found = strstr(rec, KVM_PVM_GUEST_MSG) != NULL;
	}
	close(fd);
	return found;
}

void kvm_dev_probe(const char *path, struct kvm_dev_facts *f, char *grpbuf, size_t grplen)
{
	struct stat st;
	int fd;

	memset(f, 0, sizeof(*f));
	f->path = path;
	f->exists = !stat(path, &st);
	if (f->exists) {
		struct group *g = getgrgid(st.st_gid);

		if (g && grplen) {
			snprintf(grpbuf, grplen, "%s", g->gr_name);
			f->group = grpbuf;
		}
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			f->open_errno = errno;
		else
			close(fd);
	}
	cpu_flags(&f->cpu_vmx, &f->cpu_svm);
	f->mod_kvm = has_module("kvm");
	f->mod_intel = has_module("kvm_intel");
	f->mod_amd = has_module("kvm_amd");
	f->mod_pvm = has_module("kvm_pvm");
	if (!f->exists)
		f->pvm_guest = kmsg_says_pvm_guest();
}
