// SPDX-License-Identifier: GPL-2.0
/*
 * hv/x86/cpuid.c: cpuid_apply_policy() on hand-built tables shaped like
 * KVM_GET_SUPPORTED_CPUID's output, for 1, 2, 3, 4 and 64 vCPUs. Expected
 * values come from the Intel SDM vol. 2A CPUID pages (leaves 1, 4, 0xB,
 * 0x1F) and the AMD APM vol. 3 appendix E (0x80000008).
 */
#include <string.h>

#include "hv/x86/cpuid.h"
#include "tests/tap.h"

#define HYPERVISOR_BIT (1U << 31)	/* leaf 1 ECX */
#define HTT_BIT (1U << 28)		/* leaf 1 EDX */

/* Host-like values the policy must keep where it has no opinion. */
#define L1_EBX 0xAABB1234U	/* [15:8] CLFLUSH size, [7:0] brand index */
#define L1_ECX 0x7ffafbffU
#define L4_EAX(type, level) (((0x3fU) << 14) | ((level) << 5) | (type) | (1U << 8))
#define L88_ECX 0x0003ffffU	/* PerfTscSize [17:16] set, everything else too */

enum {
	E_L0, E_L1, E_L4_0, E_L4_1, E_L4_2, E_L4_3, E_L4_4,
	E_B0, E_B1, E_B2, E_1F0, E_1F1, E_1F2, E_7, E_88, E_NR
};

static void fill(struct kvm_cpuid_entry2 *e, bool host_htt)
{
	memset(e, 0, E_NR * sizeof(*e));
	e[E_L0] = (struct kvm_cpuid_entry2){ .function = 0, .eax = 0x1f, .ebx = 0x756e6547 };
	e[E_L1] = (struct kvm_cpuid_entry2){ .function = 1, .eax = 0x906ea, .ebx = L1_EBX,
					     .ecx = L1_ECX, .edx = host_htt ? 0xbfebfbffU :
					     0xbfebfbffU & ~HTT_BIT };
	/* Leaf 4: L1d, L1i, L2, L3 and the null terminator (type 0). */
	for (int i = 0; i < 5; i++) {
		static const u32 type[5] = { 1, 2, 3, 3, 0 }, level[5] = { 1, 1, 2, 3, 0 };

		e[E_L4_0 + i] = (struct kvm_cpuid_entry2){
			.function = 4, .index = i, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
			.eax = type[i] ? L4_EAX(type[i], level[i]) | (7U << 26) : 0,
			.ebx = 0x1c0003f, .ecx = 0x3f, .edx = i,
		};
	}
	for (int i = 0; i < 3; i++) {
		e[E_B0 + i] = (struct kvm_cpuid_entry2){
			.function = 0xb, .index = i, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
			.eax = 0x55, .ebx = 0x66, .ecx = 0x77, .edx = 0x88,
		};
		e[E_1F0 + i] = e[E_B0 + i];
		e[E_1F0 + i].function = 0x1f;
	}
	e[E_7] = (struct kvm_cpuid_entry2){ .function = 7, .ebx = 0x029c6fbf, .ecx = 0x40000000 };
	e[E_88] = (struct kvm_cpuid_entry2){ .function = 0x80000008, .eax = 0x3027, .ecx = L88_ECX };
}

static u32 ceil_log2(int n)
{
	u32 s = 0;

	while ((1U << s) < (u32)n)
		s++;
	return s;
}

static void check_topology_leaf(const struct kvm_cpuid_entry2 *e, u32 leaf, int id, int n,
				u32 shift)
{
	char name[128];

	/* Subleaf 0: SMT level, one thread per core. */
	snprintf(name, sizeof(name), "n=%d id=%d: leaf %#x.0 EAX shift 0", n, id, leaf);
	is_int(e[0].eax & 0x1f, 0, name);
	snprintf(name, sizeof(name), "n=%d id=%d: leaf %#x.0 EBX one logical processor", n, id, leaf);
	is_int(e[0].ebx & 0xffff, 1, name);
	snprintf(name, sizeof(name), "n=%d id=%d: leaf %#x.0 ECX type SMT (1), level 0", n, id, leaf);
	is_int(e[0].ecx & 0xffff, (1 << 8) | 0, name);
	snprintf(name, sizeof(name), "n=%d id=%d: leaf %#x.0 EDX x2APIC ID", n, id, leaf);
	is_int(e[0].edx, id, name);

	/* Subleaf 1: core level, all vCPUs in one package. */
	snprintf(name, sizeof(name), "n=%d id=%d: leaf %#x.1 EAX shift ceil(log2 n) = %u",
		 n, id, leaf, shift);
	is_int(e[1].eax & 0x1f, shift, name);
	snprintf(name, sizeof(name), "n=%d id=%d: leaf %#x.1 EBX %d logical processors",
		 n, id, leaf, n);
	is_int(e[1].ebx & 0xffff, n, name);
	snprintf(name, sizeof(name), "n=%d id=%d: leaf %#x.1 ECX type core (2), level 1", n, id, leaf);
	is_int(e[1].ecx & 0xffff, (2 << 8) | 1, name);
	snprintf(name, sizeof(name), "n=%d id=%d: leaf %#x.1 EDX x2APIC ID", n, id, leaf);
	is_int(e[1].edx, id, name);
	snprintf(name, sizeof(name), "n=%d id=%d: leaf %#x: 2^shift covers every APIC ID",
		 n, id, leaf);
	ok((1ULL << (e[1].eax & 0x1f)) >= (u64)n && (u32)id >> (e[1].eax & 0x1f) == 0, "%s", name);

	/* Subleaf 2: invalid level (type 0), level number echoed, EAX=EBX=0. */
	snprintf(name, sizeof(name), "n=%d id=%d: leaf %#x.2 invalid (EAX=EBX=0, ECX=2)",
		 n, id, leaf);
	ok(e[2].eax == 0 && e[2].ebx == 0 && e[2].ecx == 2, "%s", name);
	snprintf(name, sizeof(name), "n=%d id=%d: leaf %#x.2 EDX x2APIC ID", n, id, leaf);
	is_int(e[2].edx, id, name);
}

static void check(int n, int id, bool host_htt)
{
	struct kvm_cpuid_entry2 e[E_NR], orig[E_NR];
	u32 shift = ceil_log2(n);
	char name[128];

	fill(e, host_htt);
	memcpy(orig, e, sizeof(e));
	cpuid_apply_policy(e, E_NR, id, n);

	/* Leaf 1. */
	snprintf(name, sizeof(name), "n=%d id=%d: leaf 1 EBX[31:24] initial APIC ID", n, id);
	is_int(e[E_L1].ebx >> 24, id, name);
	snprintf(name, sizeof(name), "n=%d id=%d: leaf 1 EBX[23:16] logical count %d", n, id, n);
	is_int((e[E_L1].ebx >> 16) & 0xff, n, name);
	snprintf(name, sizeof(name), "n=%d id=%d: leaf 1 EBX[15:0] kept", n, id);
	is_int(e[E_L1].ebx & 0xffff, L1_EBX & 0xffff, name);
	snprintf(name, sizeof(name), "n=%d id=%d: leaf 1 ECX hypervisor bit set, rest kept", n, id);
	is_int(e[E_L1].ecx, L1_ECX | HYPERVISOR_BIT, name);
	snprintf(name, sizeof(name), "n=%d id=%d (host HTT %d): leaf 1 EDX HTT %s", n, id,
		 host_htt, n > 1 ? "set" : "clear");
	is_int(!!(e[E_L1].edx & HTT_BIT), n > 1, name);
	snprintf(name, sizeof(name), "n=%d id=%d: leaf 1 EDX other bits kept", n, id);
	is_int(e[E_L1].edx & ~HTT_BIT, orig[E_L1].edx & ~HTT_BIT, name);

	/* Leaf 4: cores per package - 1 in EAX[31:26] for real caches. */
	for (int i = 0; i < 4; i++) {
		const struct kvm_cpuid_entry2 *c = &e[E_L4_0 + i];

		snprintf(name, sizeof(name), "n=%d id=%d: leaf 4.%d EAX[31:26] = %d", n, id, i, n - 1);
		is_int(c->eax >> 26, n - 1, name);
		snprintf(name, sizeof(name), "n=%d id=%d: leaf 4.%d EAX[9:0] type/level kept",
			 n, id, i);
		is_int(c->eax & 0x3ff, orig[E_L4_0 + i].eax & 0x3ff, name);
		snprintf(name, sizeof(name), "n=%d id=%d: leaf 4.%d EAX[25:14] one thread per cache",
			 n, id, i);
		is_int((c->eax >> 14) & 0xfff, 0, name);
		snprintf(name, sizeof(name), "n=%d id=%d: leaf 4.%d EBX/ECX/EDX kept", n, id, i);
		ok(c->ebx == orig[E_L4_0 + i].ebx && c->ecx == orig[E_L4_0 + i].ecx &&
		   c->edx == orig[E_L4_0 + i].edx, "%s", name);
	}
	snprintf(name, sizeof(name), "n=%d id=%d: leaf 4.4 (null cache type) stays zero", n, id);
	is_int(e[E_L4_4].eax, 0, name);

	check_topology_leaf(&e[E_B0], 0xb, id, n, shift);
	check_topology_leaf(&e[E_1F0], 0x1f, id, n, shift);

	/* 0x80000008 ECX: NC [7:0] = n - 1, ApicIdCoreIdSize [15:12]. */
	snprintf(name, sizeof(name), "n=%d id=%d: 0x80000008 ECX[7:0] NC = %d", n, id, n - 1);
	is_int(e[E_88].ecx & 0xff, n - 1, name);
	snprintf(name, sizeof(name), "n=%d id=%d: 0x80000008 ECX[15:12] ApicIdCoreIdSize = %u",
		 n, id, shift);
	is_int((e[E_88].ecx >> 12) & 0xf, shift, name);
	snprintf(name, sizeof(name), "n=%d id=%d: 0x80000008 ECX other bits, EAX kept", n, id);
	ok((e[E_88].ecx & ~0xf0ffU) == (L88_ECX & ~0xf0ffU) && e[E_88].eax == orig[E_88].eax,
	   "%s", name);

	snprintf(name, sizeof(name), "n=%d id=%d: leaves 0 and 7 untouched", n, id);
	ok(!memcmp(&e[E_L0], &orig[E_L0], sizeof(e[0])) && !memcmp(&e[E_7], &orig[E_7], sizeof(e[0])),
	   "%s", name);
}

int main(void)
{
	static const int counts[] = { 1, 2, 3, 4, 64 };

	for (size_t i = 0; i < ARRAY_SIZE(counts); i++) {
		int n = counts[i];

		check(n, 0, true);
		if (n > 1)
			check(n, n - 1, false);
		else
			check(n, 0, false);
	}

	/* An empty table, and one with only unrelated leaves: nothing to do. */
	{
		struct kvm_cpuid_entry2 e = { .function = 0x40000000, .eax = 1, .ebx = 2 };

		cpuid_apply_policy(NULL, 0, 0, 1);
		cpuid_apply_policy(&e, 1, 3, 4);
		ok(e.function == 0x40000000 && e.eax == 1 && e.ebx == 2 && e.ecx == 0,
		   "unrelated leaf untouched");
	}
	return done_testing();
}
