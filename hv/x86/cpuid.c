// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hv/kvm.h"
#include "hv/x86/cpuid.h"
#include "util/log.h"

#define CPUID_1_ECX_HYPERVISOR (1U << 31)
#define CPUID_1_EDX_HTT (1U << 28)

/* Smallest s with (1 << s) >= n: the APIC ID bits a level needs. */
static u32 id_shift(int n)
{
	u32 s = 0;

	while ((1 << s) < n)
		s++;
	return s;
}

void cpuid_apply_policy(struct kvm_cpuid_entry2 *e, int n, int vcpu_id, int nr_vcpus)
{
	u32 core_shift = id_shift(nr_vcpus);

	for (int i = 0; i < n; i++) {
		struct kvm_cpuid_entry2 *c = &e[i];

		switch (c->function) {
		case 1:
			c->ebx &= 0x0000ffff;
			c->ebx |= (u32)vcpu_id << 24;
			c->ebx |= (u32)MIN(nr_vcpus, 255) << 16;
			c->ecx |= CPUID_1_ECX_HYPERVISOR;
			if (nr_vcpus > 1)
				c->edx |= CPUID_1_EDX_HTT;
			else
				c->edx &= ~CPUID_1_EDX_HTT;
			break;
		case 4:
			/* Cores per package minus one in EAX[31:26]; threads
			 * sharing each cache: one per core. */
			c->eax &= 0x3ff;
			if (c->eax & 0x1f)
				c->eax |= (u32)(MIN(nr_vcpus, 64) - 1) << 26;
			break;
		case 0xb:
		case 0x1f:
			/* Level 0: SMT (one thread per core); level 1: cores. */
			c->edx = vcpu_id;
			if (c->index == 0) {
				c->eax = 0;
				c->ebx = 1;
				c->ecx = (1 << 8) | 0;
			} else if (c->index == 1) {
				c->eax = core_shift;
				c->ebx = nr_vcpus;
				c->ecx = (2 << 8) | 1;
			} else {
				c->eax = c->ebx = 0;
				c->ecx = c->index;
			}
			break;
		case 0x80000008:
			/* AMD: NC = cores - 1, ApicIdCoreIdSize. */
			c->ecx &= ~0xf0ffU;
			c->ecx |= (u32)(MIN(nr_vcpus, 256) - 1) | (core_shift << 12);
			break;
		default:
			break;
		}
	}
}

int cpuid_setup(struct vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;
	struct kvm_cpuid2 *cpuid = NULL;
	int nent = 64;

	for (;;) {
		cpuid = xrealloc(cpuid, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));
		cpuid->nent = nent;
		if (sys_ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			break;
		if (errno != E2BIG || nent >= 4096) {
			pr_err("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
			free(cpuid);
			return -1;
		}
		nent *= 2;
	}
	cpuid_apply_policy(cpuid->entries, cpuid->nent, vcpu->id, kvm->cfg->nr_cpus);
	if (vcpu_ioctl(vcpu, KVM_SET_CPUID2, cpuid) < 0) {
		pr_err("vCPU %d: KVM_SET_CPUID2: %s", vcpu->id, strerror(errno));
		free(cpuid);
		return -1;
	}
	free(cpuid);
	return 0;
}
