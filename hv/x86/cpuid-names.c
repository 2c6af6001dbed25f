// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID feature flag names (hv/x86/cpuid-names.h), written from the Intel
 * SDM vol. 2A CPUID tables 3-10, 3-11 and the leaf 07H table, and the AMD
 * APM vol. 3 appendix E for CPUID Fn8000_0001_E[CD]X.
 */
#include <stddef.h>

#include "hv/x86/cpuid-names.h"

static const char *const leaf1_ecx[32] = {
	"sse3", "pclmulqdq", "dtes64", "monitor", "ds_cpl", "vmx", "smx", "est",
	"tm2", "ssse3", "cnxt_id", "sdbg", "fma", "cx16", "xtpr", "pdcm",
	NULL, "pcid", "dca", "sse4_1", "sse4_2", "x2apic", "movbe", "popcnt",
	"tsc_deadline", "aes", "xsave", "osxsave", "avx", "f16c", "rdrand", "hypervisor",
};

static const char *const leaf1_edx[32] = {
	"fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce",
	"cx8", "apic", NULL, "sep", "mtrr", "pge", "mca", "cmov",
	"pat", "pse36", "psn", "clfsh", NULL, "ds", "acpi", "mmx",
	"fxsr", "sse", "sse2", "ss", "htt", "tm", NULL, "pbe",
};

static const char *const leaf7_ebx[32] = {
	"fsgsbase", "tsc_adjust", "sgx", "bmi1", "hle", "avx2", "fdp_excptn_only", "smep",
	"bmi2", "erms", "invpcid", "rtm", "rdt_m", "zero_fcs_fds", "mpx", "rdt_a",
	"avx512f", "avx512dq", "rdseed", "adx", "smap", "avx512_ifma", NULL, "clflushopt",
	"clwb", "intel_pt", "avx512pf", "avx512er", "avx512cd", "sha_ni", "avx512bw", "avx512vl",
};

static const char *const leaf7_ecx[32] = {
	"prefetchwt1", "avx512_vbmi", "umip", "pku", "ospke", "waitpkg", "avx512_vbmi2", "cet_ss",
	"gfni", "vaes", "vpclmulqdq", "avx512_vnni", "avx512_bitalg", "tme", "avx512_vpopcntdq", NULL,
	"la57", NULL, NULL, NULL, NULL, NULL, "rdpid", "keylocker",
	"bus_lock_detect", "cldemote", NULL, "movdiri", "movdir64b", "enqcmd", "sgx_lc", "pks",
};

static const char *const leaf7_edx[32] = {
	NULL, "sgx_keys", "avx512_4vnniw", "avx512_4fmaps", "fsrm", "uintr", NULL, NULL,
	"avx512_vp2intersect", "srbds_ctrl", "md_clear", "rtm_always_abort", NULL, "tsx_force_abort",
	"serialize", "hybrid",
	"tsxldtrk", NULL, "pconfig", "arch_lbr", "cet_ibt", NULL, "amx_bf16", "avx512_fp16",
	"amx_tile", "amx_int8", "ibrs_ibpb", "stibp", "l1d_flush", "arch_capabilities",
	"core_capabilities", "ssbd",
};

static const char *const ext1_ecx[32] = {
	"lahf_lm", "cmp_legacy", "svm", "extapic", "cr8_legacy", "abm", "sse4a", "misalignsse",
	"3dnowprefetch", "osvw", "ibs", "xop", "skinit", "wdt", NULL, "lwp",
	"fma4", "tce", NULL, "nodeid_msr", NULL, "tbm", "topoext", "perfctr_core",
	"perfctr_nb", NULL, "bpext", "ptsc", "perfctr_llc", "mwaitx", "addr_mask_ext", NULL,
};

/* AMD repeats most of leaf 1 EDX here; Intel defines only syscall, nx,
 * pdpe1gb, rdtscp and lm. */
static const char *const ext1_edx[32] = {
	"fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce",
	"cx8", "apic", NULL, "syscall", "mtrr", "pge", "mca", "cmov",
	"pat", "pse36", NULL, "mp", "nx", NULL, "mmxext", "mmx",
	"fxsr", "fxsr_opt", "pdpe1gb", "rdtscp", NULL, "lm", "3dnowext", "3dnow",
};

/* The table for (@function, @index, @reg), or NULL. */
static const char *const *table(u32 function, u32 index, enum cpuid_reg reg)
{
	switch (function) {
	case 1:
		return reg == CPUID_ECX ? leaf1_ecx : reg == CPUID_EDX ? leaf1_edx : NULL;
	case 7:
		if (index != 0)
			return NULL;
		return reg == CPUID_EBX ? leaf7_ebx : reg == CPUID_ECX ? leaf7_ecx :
		       reg == CPUID_EDX ? leaf7_edx : NULL;
	case 0x80000001:
		return reg == CPUID_ECX ? ext1_ecx : reg == CPUID_EDX ? ext1_edx : NULL;
	default:
		return NULL;
	}
}

const char *cpuid_flag_name(u32 function, u32 index, enum cpuid_reg reg, unsigned int bit)
{
	const char *const *t = table(function, index, reg);

	return t && bit < 32 ? t[bit] : NULL;
}

bool cpuid_has_flag_names(u32 function, u32 index, enum cpuid_reg reg)
{
	return table(function, index, reg) != NULL;
}
