/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The events lkvm stat works with: one fixed record per KVM tracepoint hit
 * on a vCPU thread, whatever produced it (perf ring buffers for `record`
 * and the live trace source, or a record file for `report`), and the keys
 * that name an exit reason. Sources: the kvm tracepoints' format files
 * (/sys/kernel/tracing/events/kvm/<name>/format), Intel SDM vol. 3C
 * appendix C (VMX basic exit reasons), AMD APM vol. 2 appendix C (SVM exit
 * codes), Documentation/virt/kvm/api.rst (KVM_EXIT_*).
 */
#ifndef LKVM_STAT_EVENT_H
#define LKVM_STAT_EVENT_H

#include "util/util.h"

/* Event types (struct stat_event.type); also the record file's values. */
enum stat_ev_type {
	SEV_EXIT = 1,		/* kvm_exit: code = exit reason, size = isa (1 VMX, 2 SVM),
				 * addr = guest RIP, data = info1 */
	SEV_ENTRY = 2,		/* kvm_entry: addr = RIP */
	SEV_USER_EXIT = 3,	/* kvm_userspace_exit: code = KVM_EXIT_*, data = errno
				 * (as s32; negative: KVM_RUN failed, e.g. -EINTR) */
	SEV_PIO = 4,		/* kvm_pio: code = port, size = bytes, addr = count,
				 * data = value, SEV_F_WRITE */
	SEV_MMIO = 5,		/* kvm_mmio: addr = GPA, size = bytes, code = type
				 * (0 unsatisfied read, 1 read, 2 write), data = value */
	SEV_MSR = 6,		/* kvm_msr: code = index, data = value, SEV_F_WRITE,
				 * SEV_F_FAULT (#GP) */
	SEV_CPUID = 7,		/* kvm_cpuid: code = leaf, size = subleaf */
	SEV_EMULATE = 8,	/* kvm_emulate_insn: addr = RIP, size = length,
				 * SEV_F_FAULT if the emulation failed */
	SEV_RUN = 9,		/* the vCPU thread is back in KVM_RUN (kvm_fpu, load 1) */
	SEV_TYPE_MAX
};

#define SEV_F_WRITE	(1u << 0)
#define SEV_F_FAULT	(1u << 1)

/* kvm_mmio's type field (include/trace/events/kvm.h). */
#define SEV_MMIO_UNSATISFIED_READ	0
#define SEV_MMIO_READ			1
#define SEV_MMIO_WRITE			2

/* One event, 40 bytes in a record file (stat/record.h has the layout). */
struct stat_event {
	u64 ts;			/* ns, CLOCK_MONOTONIC */
	u32 vcpu;		/* vCPU index */
	u16 type;		/* enum stat_ev_type */
	u16 flags;		/* SEV_F_* */
	u32 code;
	u32 size;
	u64 addr;
	u64 data;
};

/*
 * Exit reason keys: a class in bits 32-39 and the class's own code below.
 * On VMX and SVM hosts kvm_exit names every exit; on PVM hosts, where it
 * never fires, the exits are known by the events KVM emits while handling
 * them (class EV); exits that reach the VMM are also counted by KVM_EXIT_*
 * reason (class USER).
 */
enum stat_cls {
	STAT_CLS_VMX = 1,	/* VMX basic exit reason (SDM vol. 3C appendix C) */
	STAT_CLS_SVM = 2,	/* SVM exit code (APM vol. 2 appendix C) */
	STAT_CLS_EV = 3,	/* enum stat_ev_reason */
	STAT_CLS_USER = 4,	/* KVM_EXIT_* below 64; STAT_USER_ERR | 4 (EINTR) or 11
				 * (EAGAIN) when KVM_RUN was interrupted; STAT_USER_ERR
				 * alone for any other error or reason ("OTHER") */
};

enum stat_ev_reason {
	STAT_EV_IO = 1,		/* kvm_pio */
	STAT_EV_MMIO = 2,	/* kvm_mmio read or write */
	STAT_EV_MSR_READ = 3,	/* kvm_msr */
	STAT_EV_MSR_WRITE = 4,
	STAT_EV_CPUID = 5,	/* kvm_cpuid */
	STAT_EV_EMULATE = 6,	/* kvm_emulate_insn: overlaps the others on PVM */
};

#define STAT_USER_ERR		0x10000u

#define STAT_KEY(cls, code)	(((u64)(cls) << 32) | (u32)(code))
#define STAT_KEY_CLS(key)	((unsigned int)((key) >> 32) & 0xff)
#define STAT_KEY_CODE(key)	((u32)(key))

/*
 * stat_reason_name - a short name for an exit reason key into @buf (@len
 * bytes, 32 is enough): "IO_INSTRUCTION" (VMX), "NPF" (SVM), "IO" (event
 * class), "HLT", "EINTR" or "OTHER" (userspace class; the table says
 * which class);
 * unknown codes print as "vmx:0x..", "svm:0x..". Returns @buf or a
 * static string.
 */
const char *stat_reason_name(u64 key, char *buf, size_t len);

/* stat_reason_async - true for an exit reason key (VMX or SVM class) the
 * guest did not cause with the instruction at its RIP: host interrupts,
 * NMIs, SMIs, INIT/SIPI, interrupt and NMI windows (SB_EXIT_ASYNC in
 * stat/bpf-maps.h has the list). False for every other class. */
bool stat_reason_async(u64 key);

/* stat_msr_name - the architectural name of MSR @index (SDM vol. 4), or
 * NULL for one lkvm stat does not know. */
const char *stat_msr_name(u32 index);

/* stat_ev_type_name - "kvm_exit", "kvm_pio", ... for an event type, or "?". */
const char *stat_ev_type_name(unsigned int type);

#endif
