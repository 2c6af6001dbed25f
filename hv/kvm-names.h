/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of KVM capabilities, exit reasons and ioctls, taken from the
 * <linux/kvm.h> the build uses: scripts/gen-kvm-names.sh writes the tables
 * into $(OUT)/gen/kvm-names.c at build time, so with `make KERNEL_DIR=` a
 * capability or ioctl new in that tree is named with no change here.
 * Source: Documentation/virt/kvm/api.rst (KVM_CAP_*, KVM_EXIT_*, ioctls).
 */
#ifndef LKVM_KVM_NAMES_H
#define LKVM_KVM_NAMES_H

#include <stdbool.h>

/* One named constant: its value (a capability number, exit reason or ioctl
 * request number) and its full name ("KVM_CAP_IRQCHIP"). */
struct kvm_name {
	unsigned long value;
	const char *name;
};

/* A generated table: @nr entries in header order (then a { 0, NULL } end). */
struct kvm_name_table {
	const struct kvm_name *names;
	unsigned int nr;
};

/* The build's tables (generated) and the path of the header they come from. */
extern const struct kvm_name_table kvm_caps, kvm_exits, kvm_ioctls;
extern const char kvm_names_header[];

/*
 * kvm_name_of - the name of @value in @t (the first in header order when
 * two share a value), or NULL when the header does not name it.
 */
const char *kvm_name_of(const struct kvm_name_table *t, unsigned long value);

/*
 * kvm_value_of - look @name up in @t: the full name ("KVM_CAP_IRQCHIP") or
 * without @prefix ("IRQCHIP", any case). Returns true and sets *@value when
 * found.
 */
bool kvm_value_of(const struct kvm_name_table *t, const char *prefix,
		  const char *name, unsigned long *value);

#endif
