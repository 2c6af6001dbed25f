/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Why /dev/kvm cannot be used, in one line a user can act on. The facts
 * are gathered from the host (kvm_dev_probe) and classified by a pure
 * function (kvm_dev_diagnose) that unit tests drive through every case.
 * Sources: Documentation/virt/kvm/api.rst ("The KVM API", /dev/kvm), the
 * /proc/cpuinfo "flags" line (vmx, svm), /sys/module/<name> for loaded
 * modules, and the kvm_pvm module's boot message.
 */
#ifndef LKVM_KVM_DIAG_H
#define LKVM_KVM_DIAG_H

#include <stddef.h>

#include "util/util.h"

/* The environment variable that names the KVM device instead of /dev/kvm
 * (tests use it to run as if a host had no KVM). */
#define LKVM_DEV_KVM_ENV "LKVM_DEV_KVM"

/* The message kvm_pvm prints when it refuses to load inside a PVM guest. */
#define KVM_PVM_GUEST_MSG "kvm-pvm: this kernel is itself a kvm-pvm guest"

/* What is known about the host's KVM device, as facts only. */
struct kvm_dev_facts {
	const char *path;	/* the device path tried ("/dev/kvm") */
	bool exists;		/* stat() found it */
	int open_errno;		/* errno of open(O_RDWR), 0 if it opened */
	bool cpu_vmx, cpu_svm;	/* flags in /proc/cpuinfo */
	bool mod_kvm, mod_intel, mod_amd, mod_pvm; /* /sys/module/{kvm,kvm_intel,kvm_amd,kvm_pvm} */
	bool pvm_guest;		/* the kernel log says KVM_PVM_GUEST_MSG */
	const char *group;	/* group owning the device, NULL if unknown */
};

/* Which case applies. */
enum kvm_dev_problem {
	KVM_DEV_OK,		/* opened */
	KVM_DEV_PVM_GUEST,	/* this kernel is a PVM guest: kvm_pvm cannot bind */
	KVM_DEV_NO_VIRT,	/* the CPU exposes neither VMX nor SVM (nested virt off) */
	KVM_DEV_NO_MODULE,	/* VMX/SVM present but no vendor module loaded */
	KVM_DEV_NO_NODE,	/* a module is loaded but the device node is missing */
	KVM_DEV_PERMISSION,	/* exists, open failed with EACCES/EPERM */
	KVM_DEV_OPEN_FAILED,	/* exists, open failed otherwise */
};

/*
 * kvm_dev_diagnose - classify @f and write one line (no newline) into
 * @msg (@len bytes) that names the case, what to do, and that
 * `scripts/nested-kvm -- COMMAND` runs the tests anyway. Pure: reads only @f.
 * Returns the case; for KVM_DEV_OK @msg is "".
 */
enum kvm_dev_problem kvm_dev_diagnose(const struct kvm_dev_facts *f, char *msg, size_t len);

/*
 * kvm_dev_probe - fill @f for @path from the host: stat, open (the fd is
 * closed again), /proc/cpuinfo, /sys/module and, when readable, the kernel
 * log (/dev/kmsg). @group is stored in @grpbuf (@grplen bytes).
 */
void kvm_dev_probe(const char *path, struct kvm_dev_facts *f, char *grpbuf, size_t grplen);

/* kvm_dev_path - the KVM device to open: $LKVM_DEV_KVM if set and not
 * empty, else "/dev/kvm". Never NULL. */
const char *kvm_dev_path(void);

#endif
