// SPDX-License-Identifier: GPL-2.0
/*
 * hv/kvm_diag.c: kvm_dev_diagnose() over every combination that decides
 * the case (device present?, open errno, CPU flags, loaded modules, the
 * PVM guest message), and that each message names the case, what to do and
 * scripts/nested-kvm. Pure function: no host state is read.
 */
#include <errno.h>
#include <string.h>

#include "hv/kvm_diag.h"
#include "tests/tap.h"

static char msg[1024];

static enum kvm_dev_problem diag_of(struct kvm_dev_facts f)
{
	f.path = "/dev/kvm";
	return kvm_dev_diagnose(&f, msg, sizeof(msg));
}

static void has(const char *needle, const char *name)
{
	ok(strstr(msg, needle) != NULL, "%s: says '%s'", name, needle);
	if (!strstr(msg, needle))
		diag("message: %s", msg);
}

static void one_line(const char *name)
{
	ok(!strchr(msg, '\n') && strlen(msg) < sizeof(msg) - 1, "%s: one whole line", name);
	has("scripts/nested-kvm -- COMMAND", name);
}

int main(void)
{
	struct kvm_dev_facts f;

	f = (struct kvm_dev_facts){ .exists = true };
	is_int(diag_of(f), KVM_DEV_OK, "opened: OK");
	is_str(msg, "", "opened: no message");

	/* permission: with and without the owning group */
	f = (struct kvm_dev_facts){ .exists = true, .open_errno = EACCES, .group = "kvm",
				    .cpu_vmx = true, .mod_intel = true };
	is_int(diag_of(f), KVM_DEV_PERMISSION, "EACCES: permission");
	has("join the group 'kvm'", "EACCES");
	has("usermod -aG kvm", "EACCES");
	one_line("EACCES");
	f.open_errno = EPERM;
	f.group = "hypervisor";
	is_int(diag_of(f), KVM_DEV_PERMISSION, "EPERM: permission");
	has("'hypervisor'", "EPERM, other group");
	f.group = NULL;
	is_int(diag_of(f), KVM_DEV_PERMISSION, "EPERM, group unknown: permission");
	has("read-write access", "group unknown");
	one_line("group unknown");

	f = (struct kvm_dev_facts){ .exists = true, .open_errno = ENXIO };
	is_int(diag_of(f), KVM_DEV_OPEN_FAILED, "ENXIO: other open failure");
	has(strerror(ENXIO), "ENXIO");
	one_line("ENXIO");

	/* missing device: a PVM guest kernel wins over everything else */
	f = (struct kvm_dev_facts){ .pvm_guest = true, .mod_kvm = true };
	is_int(diag_of(f), KVM_DEV_PVM_GUEST, "PVM guest kernel");
	has(KVM_PVM_GUEST_MSG, "PVM guest");
	has("does not exist", "PVM guest");
	one_line("PVM guest");

	f = (struct kvm_dev_facts){ 0 };
	is_int(diag_of(f), KVM_DEV_NO_VIRT, "no VMX/SVM, nothing loaded");
	has("neither VMX nor SVM", "no virt");
	has("nested virtualization is off", "no virt");
	one_line("no virt");
	f.mod_kvm = true;
	is_int(diag_of(f), KVM_DEV_NO_VIRT, "no VMX/SVM, kvm loaded");
	has("no vendor module", "kvm without vendor module");

	f = (struct kvm_dev_facts){ .cpu_vmx = true };
	is_int(diag_of(f), KVM_DEV_NO_MODULE, "VMX, no module");
	has("modprobe kvm_intel", "VMX, no module");
	one_line("VMX, no module");
	f = (struct kvm_dev_facts){ .cpu_svm = true, .mod_kvm = true };
	is_int(diag_of(f), KVM_DEV_NO_MODULE, "SVM, only kvm loaded");
	has("modprobe kvm_amd", "SVM, no module");

	f = (struct kvm_dev_facts){ .cpu_vmx = true, .mod_kvm = true, .mod_intel = true };
	is_int(diag_of(f), KVM_DEV_NO_NODE, "kvm_intel loaded, no node");
	has("mknod /dev/kvm c 10 232", "no node");
	has("kvm_intel", "no node");
	f = (struct kvm_dev_facts){ .mod_pvm = true };
	is_int(diag_of(f), KVM_DEV_NO_NODE, "kvm_pvm loaded, no node");
	has("kvm_pvm is loaded", "kvm_pvm, no node");
	one_line("no node");

	/* the path is the one tried, e.g. $LKVM_DEV_KVM */
	f = (struct kvm_dev_facts){ .path = "/nonexistent/kvm" };
	kvm_dev_diagnose(&f, msg, sizeof(msg));
	has("/nonexistent/kvm does not exist", "custom path");

	/* a tiny buffer is truncated, never overrun */
	{
		char small[16];

		memset(small, 'x', sizeof(small));
		f = (struct kvm_dev_facts){ 0 };
		kvm_dev_diagnose(&f, small, 8);
		ok(strlen(small) == 7 && small[8] == 'x', "short buffer: truncated in bounds");
	}
	return done_testing();
}
