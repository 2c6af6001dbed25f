/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A made-up <linux/kvm.h> for the name generator's test
 * (scripts/gen-kvm-names.sh): a capability, an exit reason and an ioctl that
 * no kernel has, sub-codes inside a struct that are not exit reasons, an
 * ioctl on another architecture's (incomplete) struct, and a define split
 * over two lines. Written for lkvm; not a copy of any kernel header.
 */
#ifndef SAMPLE_KVM_H
#define SAMPLE_KVM_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define KVMIO 0xAE

#define KVM_GET_API_VERSION       _IO(KVMIO,   0x00)
#define KVM_CREATE_VM             _IO(KVMIO,   0x01)

struct kvm_foo_bar {
	__u64 addr;
	__u32 flags;
#define KVM_EXIT_FOO_SUBCODE 7		/* inside a struct: not an exit reason */
	__u32 pad;
};

/* Exit reasons. */
#define KVM_EXIT_UNKNOWN          0
#define KVM_EXIT_IO               2
#define KVM_EXIT_FOO_BAR          77	/* new in the series under review */

#define KVM_CAP_IRQCHIP 0
#define KVM_CAP_USER_MEMORY 3
#define KVM_CAP_FOO_BAR 999

#define KVM_SET_FOO_BAR           _IOW(KVMIO,  0xf9, \
				       struct kvm_foo_bar)
#define KVM_OTHER_ARCH_ONLY       _IOW(KVMIO,  0xfa, struct kvm_not_on_this_arch)

#endif
