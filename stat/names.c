// SPDX-License-Identifier: GPL-2.0
/*
 * Names for lkvm stat's tables: exit reasons (Intel SDM vol. 3C appendix C
 * "VMX basic exit reasons"; AMD APM vol. 2 appendix C "SVM intercept exit
 * codes"; KVM_EXIT_* from Documentation/virt/kvm/api.rst through
 * kvm_exit_reason_name()) and common MSRs (Intel SDM vol. 4 chapter 2,
 * Documentation/virt/kvm/x86/msr.rst for KVM's paravirtual ones).
 */
#include <stdio.h>
#include <string.h>

#include "hv/kvm.h"
#include "stat/bpf-maps.h"
#include "stat/event.h"

static const char *const vmx_names[] = {
	[0] = "EXCEPTION_NMI", [1] = "EXTERNAL_INTERRUPT", [2] = "TRIPLE_FAULT",
	[3] = "INIT_SIGNAL", [4] = "SIPI", [5] = "IO_SMI", [6] = "OTHER_SMI",
	[7] = "INTERRUPT_WINDOW", [8] = "NMI_WINDOW", [9] = "TASK_SWITCH",
	[10] = "CPUID", [11] = "GETSEC", [12] = "HLT", [13] = "INVD",
	[14] = "INVLPG", [15] = "RDPMC", [16] = "RDTSC", [17] = "RSM",
	[18] = "VMCALL", [19] = "VMCLEAR", [20] = "VMLAUNCH", [21] = "VMPTRLD",
	[22] = "VMPTRST", [23] = "VMREAD", [24] = "VMRESUME", [25] = "VMWRITE",
	[26] = "VMXOFF", [27] = "VMXON", [28] = "CR_ACCESS", [29] = "DR_ACCESS",
	[30] = "IO_INSTRUCTION", [31] = "MSR_READ", [32] = "MSR_WRITE",
	[33] = "INVALID_STATE", [34] = "MSR_LOAD_FAIL", [36] = "MWAIT",
	[37] = "MONITOR_TRAP_FLAG", [39] = "MONITOR", [40] = "PAUSE",
	[41] = "MCE_DURING_VMENTRY", [43] = "TPR_BELOW_THRESHOLD",
	[44] = "APIC_ACCESS", [45] = "EOI_INDUCED", [46] = "GDTR_IDTR",
	[47] = "LDTR_TR", [48] = "EPT_VIOLATION", [49] = "EPT_MISCONFIG",
	[50] = "INVEPT", [51] = "RDTSCP", [52] = "PREEMPTION_TIMER",
	[53] = "INVVPID", [54] = "WBINVD", [55] = "XSETBV", [56] = "APIC_WRITE",
	[57] = "RDRAND", [58] = "INVPCID", [59] = "VMFUNC", [60] = "ENCLS",
	[61] = "RDSEED", [62] = "PML_FULL", [63] = "XSAVES", [64] = "XRSTORS",
	[66] = "SPP", [67] = "UMWAIT", [68] = "TPAUSE", [69] = "LOADIWKEY",
	[74] = "BUS_LOCK", [75] = "NOTIFY",
};

/* SVM codes 0x60 and up that are not in a numbered group. */
static const char *const svm_names[] = {
	[0x60 - 0x60] = "INTR", [0x61 - 0x60] = "NMI", [0x62 - 0x60] = "SMI",
	[0x63 - 0x60] = "INIT", [0x64 - 0x60] = "VINTR", [0x65 - 0x60] = "CR0_SEL_WRITE",
	[0x66 - 0x60] = "IDTR_READ", [0x67 - 0x60] = "GDTR_READ", [0x68 - 0x60] = "LDTR_READ",
	[0x69 - 0x60] = "TR_READ", [0x6a - 0x60] = "IDTR_WRITE", [0x6b - 0x60] = "GDTR_WRITE",
	[0x6c - 0x60] = "LDTR_WRITE", [0x6d - 0x60] = "TR_WRITE", [0x6e - 0x60] = "RDTSC",
	[0x6f - 0x60] = "RDPMC", [0x70 - 0x60] = "PUSHF", [0x71 - 0x60] = "POPF",
	[0x72 - 0x60] = "CPUID", [0x73 - 0x60] = "RSM", [0x74 - 0x60] = "IRET",
	[0x75 - 0x60] = "SWINT", [0x76 - 0x60] = "INVD", [0x77 - 0x60] = "PAUSE",
	[0x78 - 0x60] = "HLT", [0x79 - 0x60] = "INVLPG", [0x7a - 0x60] = "INVLPGA",
	[0x7b - 0x60] = "IOIO", [0x7c - 0x60] = "MSR", [0x7d - 0x60] = "TASK_SWITCH",
	[0x7e - 0x60] = "FERR_FREEZE", [0x7f - 0x60] = "SHUTDOWN", [0x80 - 0x60] = "VMRUN",
	[0x81 - 0x60] = "VMMCALL", [0x82 - 0x60] = "VMLOAD", [0x83 - 0x60] = "VMSAVE",
	[0x84 - 0x60] = "STGI", [0x85 - 0x60] = "CLGI", [0x86 - 0x60] = "SKINIT",
	[0x87 - 0x60] = "RDTSCP", [0x88 - 0x60] = "ICEBP", [0x89 - 0x60] = "WBINVD",
	[0x8a - 0x60] = "MONITOR", [0x8b - 0x60] = "MWAIT", [0x8c - 0x60] = "MWAIT_COND",
	[0x8d - 0x60] = "XSETBV", [0x8e - 0x60] = "RDPRU", [0x8f - 0x60] = "EFER_WRITE_TRAP",
	[0xa0 - 0x60] = "INVLPGB", [0xa1 - 0x60] = "INVLPGB_ILLEGAL",
	[0xa2 - 0x60] = "INVPCID", [0xa3 - 0x60] = "MCOMMIT", [0xa4 - 0x60] = "TLBSYNC",
	[0xa5 - 0x60] = "BUS_LOCK", [0xa6 - 0x60] = "IDLE_HLT",
};

static const char *const ev_names[] = {
	[STAT_EV_IO] = "IO", [STAT_EV_MMIO] = "MMIO", [STAT_EV_MSR_READ] = "MSR_READ",
	[STAT_EV_MSR_WRITE] = "MSR_WRITE", [STAT_EV_CPUID] = "CPUID",
	[STAT_EV_EMULATE] = "EMULATE",
};

static const char *svm_name(u32 code, char *buf, size_t len)
{
	static const char *const grp[] = { "READ_CR", "WRITE_CR", "READ_DR", "WRITE_DR" };

	if (code < 0x40) {
		snprintf(buf, len, "%s%u", grp[code >> 4], code & 0xf);
		return buf;
	}
	if (code < 0x60) {
		snprintf(buf, len, "EXCP%u", code - 0x40);
		return buf;
	}
	if (code >= 0x90 && code < 0xa0) {
		snprintf(buf, len, "CR%u_WRITE_TRAP", code - 0x90);
		return buf;
	}
	if (code - 0x60 < ARRAY_SIZE(svm_names) && svm_names[code - 0x60])
		return svm_names[code - 0x60];
	switch (code) {
	case 0x400: return "NPF";
	case 0x401: return "AVIC_INCOMPLETE_IPI";
	case 0x402: return "AVIC_NOACCEL";
	case 0x403: return "VMGEXIT";
	case 0xffffffffu: return "INVALID";
	}
	snprintf(buf, len, "svm:%#x", code);
	return buf;
}

bool stat_reason_async(u64 key)
{
	return SB_EXIT_ASYNC(STAT_KEY_CLS(key), STAT_KEY_CODE(key));
}

const char *stat_reason_name(u64 key, char *buf, size_t len)
{
	u32 code = STAT_KEY_CODE(key);
	const char *n = NULL;

	switch (STAT_KEY_CLS(key)) {
	case STAT_CLS_VMX:
		/* Bits 16-31 are flags (bit 31: VM-entry failure). */
		if ((code & 0xffff) < ARRAY_SIZE(vmx_names))
			n = vmx_names[code & 0xffff];
		if (n && !(code >> 16))
			break;
		if (n)
			snprintf(buf, len, "%s|%#x", n, code & 0xffff0000u);
		else
			snprintf(buf, len, "vmx:%#x", code);
		return buf;
	case STAT_CLS_SVM:
		n = svm_name(code, buf, len);
		break;
	case STAT_CLS_EV:
		if (code < ARRAY_SIZE(ev_names))
			n = ev_names[code];
		break;
	case STAT_CLS_USER:
		if (code & STAT_USER_ERR) {
			u32 e = code & 0xffff;

			n = e == 4 ? "EINTR" : e == 11 ? "EAGAIN" : e == 0 ? "OTHER" : NULL;
			if (!n) {
				snprintf(buf, len, "errno%u", e);
				return buf;
			}
		} else {
			n = kvm_exit_reason_name(code);
			if (!strcmp(n, "UNKNOWN") && code) {
				snprintf(buf, len, "EXIT_%u", code);
				return buf;
			}
		}
		break;
	}
	if (!n) {
		snprintf(buf, len, "%u:%#x", STAT_KEY_CLS(key), code);
		return buf;
	}
	if (n != buf)
		snprintf(buf, len, "%s", n);
	return buf;
}

struct msr_name {
	u32 index;
	const char *name;
};

static const struct msr_name msr_names[] = {
	{ 0x10, "IA32_TIME_STAMP_COUNTER" }, { 0x11, "KVM_WALL_CLOCK" },
	{ 0x12, "KVM_SYSTEM_TIME" }, { 0x1b, "IA32_APIC_BASE" },
	{ 0x3a, "IA32_FEATURE_CONTROL" }, { 0x3b, "IA32_TSC_ADJUST" },
	{ 0x48, "IA32_SPEC_CTRL" }, { 0x49, "IA32_PRED_CMD" },
	{ 0x8b, "IA32_BIOS_SIGN_ID" }, { 0x10a, "IA32_ARCH_CAPABILITIES" },
	{ 0xe7, "IA32_MPERF" }, { 0xe8, "IA32_APERF" }, { 0xfe, "IA32_MTRRCAP" },
	{ 0x174, "IA32_SYSENTER_CS" }, { 0x175, "IA32_SYSENTER_ESP" },
	{ 0x176, "IA32_SYSENTER_EIP" }, { 0x179, "IA32_MCG_CAP" },
	{ 0x17a, "IA32_MCG_STATUS" }, { 0x1a0, "IA32_MISC_ENABLE" },
	{ 0x1d9, "IA32_DEBUGCTL" }, { 0x277, "IA32_PAT" },
	{ 0x2ff, "IA32_MTRR_DEF_TYPE" }, { 0x6e0, "IA32_TSC_DEADLINE" },
	{ 0x802, "X2APIC_ID" }, { 0x803, "X2APIC_VERSION" }, { 0x808, "X2APIC_TPR" },
	{ 0x80b, "X2APIC_EOI" }, { 0x80f, "X2APIC_SIVR" }, { 0x830, "X2APIC_ICR" },
	{ 0x832, "X2APIC_LVT_TIMER" }, { 0x838, "X2APIC_INIT_COUNT" },
	{ 0x839, "X2APIC_CUR_COUNT" }, { 0x83e, "X2APIC_DIV_CONF" },
	{ 0xc0000080, "IA32_EFER" }, { 0xc0000081, "IA32_STAR" },
	{ 0xc0000082, "IA32_LSTAR" }, { 0xc0000083, "IA32_CSTAR" },
	{ 0xc0000084, "IA32_FMASK" }, { 0xc0000100, "IA32_FS_BASE" },
	{ 0xc0000101, "IA32_GS_BASE" }, { 0xc0000102, "IA32_KERNEL_GS_BASE" },
	{ 0xc0000103, "IA32_TSC_AUX" },
	{ 0x4b564d00, "KVM_WALL_CLOCK_NEW" }, { 0x4b564d01, "KVM_SYSTEM_TIME_NEW" },
	{ 0x4b564d02, "KVM_ASYNC_PF_EN" }, { 0x4b564d03, "KVM_STEAL_TIME" },
	{ 0x4b564d04, "KVM_PV_EOI_EN" }, { 0x4b564d05, "KVM_POLL_CONTROL" },
	{ 0x4b564d06, "KVM_ASYNC_PF_INT" }, { 0x4b564d07, "KVM_ASYNC_PF_ACK" },
	/* More of KVM_GET_MSR_INDEX_LIST's and the feature MSRs (lkvm features). */
	{ 0x34, "MSR_SMI_COUNT" }, { 0xce, "MSR_PLATFORM_INFO" },
	{ 0x10b, "IA32_FLUSH_CMD" }, { 0x122, "IA32_TSX_CTRL" },
	{ 0x140, "MSR_MISC_FEATURES_ENABLES" }, { 0x17b, "IA32_MCG_CTL" },
	{ 0x1db, "MSR_LASTBRANCHFROMIP" }, { 0x1dc, "MSR_LASTBRANCHTOIP" },
	{ 0x1dd, "MSR_LASTINTFROMIP" }, { 0x1de, "MSR_LASTINTTOIP" },
	{ 0x1fc, "MSR_POWER_CTL" }, { 0x345, "IA32_PERF_CAPABILITIES" },
	{ 0x480, "IA32_VMX_BASIC" }, { 0x481, "IA32_VMX_PINBASED_CTLS" },
	{ 0x482, "IA32_VMX_PROCBASED_CTLS" }, { 0x483, "IA32_VMX_EXIT_CTLS" },
	{ 0x484, "IA32_VMX_ENTRY_CTLS" }, { 0x485, "IA32_VMX_MISC" },
	{ 0x486, "IA32_VMX_CR0_FIXED0" }, { 0x487, "IA32_VMX_CR0_FIXED1" },
	{ 0x488, "IA32_VMX_CR4_FIXED0" }, { 0x489, "IA32_VMX_CR4_FIXED1" },
	{ 0x48a, "IA32_VMX_VMCS_ENUM" }, { 0x48b, "IA32_VMX_PROCBASED_CTLS2" },
	{ 0x48c, "IA32_VMX_EPT_VPID_CAP" }, { 0x48d, "IA32_VMX_TRUE_PINBASED_CTLS" },
	{ 0x48e, "IA32_VMX_TRUE_PROCBASED_CTLS" }, { 0x48f, "IA32_VMX_TRUE_EXIT_CTLS" },
	{ 0x490, "IA32_VMX_TRUE_ENTRY_CTLS" }, { 0x491, "IA32_VMX_VMFUNC" },
	{ 0xda0, "IA32_XSS" }, { 0xc0010015, "AMD_HWCR" },
	{ 0xc0010117, "AMD_VM_HSAVE_PA" }, { 0xc001011f, "AMD_VIRT_SPEC_CTRL" },
	{ 0xc0011029, "AMD_DE_CFG" },
};

const char *stat_msr_name(u32 index)
{
	for (size_t i = 0; i < ARRAY_SIZE(msr_names); i++)
		if (msr_names[i].index == index)
			return msr_names[i].name;
	return NULL;
}

const char *stat_ev_type_name(unsigned int type)
{
	static const char *const n[] = {
		[SEV_EXIT] = "kvm_exit", [SEV_ENTRY] = "kvm_entry",
		[SEV_USER_EXIT] = "kvm_userspace_exit", [SEV_PIO] = "kvm_pio",
		[SEV_MMIO] = "kvm_mmio", [SEV_MSR] = "kvm_msr", [SEV_CPUID] = "kvm_cpuid",
		[SEV_EMULATE] = "kvm_emulate_insn", [SEV_RUN] = "kvm_fpu",
	};

	return type < ARRAY_SIZE(n) && n[type] ? n[type] : "?";
}
