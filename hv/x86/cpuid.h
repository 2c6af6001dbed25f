/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CPUID each vCPU sees: KVM_GET_SUPPORTED_CPUID shaped with lkvm's
 * topology and policy, set with KVM_SET_CPUID2 (Documentation/virt/kvm/api.rst).
 * On PVM hosts the guest reads the host's CPUID whatever is set; the table is
 * set anyway so that KVM's own view (MSRs, APIC) is consistent.
 */
#ifndef LKVM_X86_CPUID_H
#define LKVM_X86_CPUID_H

#include <linux/kvm.h>

#include "util/util.h"

struct vcpu;

/*
 * cpuid_apply_policy - shape @n entries (from KVM_GET_SUPPORTED_CPUID) for
 * vCPU @vcpu_id of @nr_vcpus: APIC IDs in leaves 1, 0xB and 0x1F, one core
 * per vCPU, one package, logical counts in leaves 1, 4 and 0x80000008; the
 * hypervisor bit set. Pure: no ioctls. Source: Intel SDM vol. 2A CPUID,
 * AMD APM vol. 3 appendix E.
 */
void cpuid_apply_policy(struct kvm_cpuid_entry2 *e, int n, int vcpu_id, int nr_vcpus);

/* cpuid_setup - KVM_GET_SUPPORTED_CPUID, policy, KVM_SET_CPUID2 for @vcpu.
 * Returns 0 or -1 (error printed). */
int cpuid_setup(struct vcpu *vcpu);

#endif
