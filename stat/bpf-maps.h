/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The maps shared by stat/stat.bpf.c (kernel side) and stat/bpf.c (user
 * side): their key and value layouts and the numbers that go in them.
 * Plain __u32/__u64 only, so both compilers read it; stat/bpf.c checks at
 * build time that the numbers equal those of stat/event.h and stat/agg.h.
 */
#ifndef LKVM_STAT_BPF_MAPS_H
#define LKVM_STAT_BPF_MAPS_H

#define SB_CLS_VMX	1
#define SB_CLS_SVM	2
#define SB_CLS_EV	3
#define SB_CLS_USER	4
#define SB_EV_IO	1
#define SB_EV_MMIO	2
#define SB_EV_MSR_READ	3
#define SB_EV_MSR_WRITE	4
#define SB_EV_CPUID	5
#define SB_EV_EMULATE	6
#define SB_USER_ERR	0x10000
#define SB_KEY(cls, code) (((__u64)(cls) << 32) | (__u32)(code))
#define SB_TAB_REASON	0
#define SB_TAB_PIO	1
#define SB_TAB_MMIO	2
#define SB_TAB_MSR	3
#define SB_TAB_CPUID	4
#define SB_TAB_RIP	5
/*
 * Exits the guest did not cause with the instruction at their RIP: host
 * interrupts, NMIs, SMIs, INIT and SIPI, interrupt and NMI windows, the
 * preemption timer (VMX basic reasons 1, 3-8 and 52, SDM vol. 3C appendix
 * C; SVM codes 0x60-0x64 INTR, NMI, SMI, INIT, VINTR, APM vol. 2 appendix
 * C). Their RIP is only where the guest was interrupted. @cls is SB_CLS_*.
 */
#define SB_EXIT_ASYNC(cls, code)						\
	((cls) == SB_CLS_VMX ? (((code) & 0xffff) == 1 || ((code) & 0xffff) == 52 ||	\
				(((code) & 0xffff) >= 3 && ((code) & 0xffff) <= 8)) :	\
	 (cls) == SB_CLS_SVM ? ((code) >= 0x60 && (code) <= 0x64) : 0)
#define SB_BUCKETS	64
#define SB_MAX_THREADS	1024
#define SB_MAX_COUNTS	65536
#define SB_MAX_HISTS	4096
#define SB_DEF_SAMPLE	64	/* time one exit in this many per vCPU */
#define SB_NR_EV	8	/* event-class reasons, by STAT_EV_* */
#define SB_NR_USER	67	/* KVM_EXIT_* 0-63, then EINTR, EAGAIN, other errors */
#define SB_USER_EINTR	64
#define SB_USER_EAGAIN	65
#define SB_USER_EOTHER	66

/* threads: thread id -> the vCPU it runs, its open pairings, and the
 * counts of the reasons that fit an array (no hash update per exit). */
struct sb_tstate {
	__u32 vcpu;
	__u32 ev_user;
	__u32 n_lat, n_user, n_rip;	/* exits seen, for the 1-in-N sampling */
	/* The last counts key and the counts not yet added to the counts map
	 * (valid while pc_count != 0): a run of exits on one port costs no
	 * hash lookup each. User space adds them in at each snapshot. */
	__u32 pc_tab;
	__u64 pc_key, pc_count, pc_reads, pc_writes;
	__u64 exit_ts, exit_key;
	__u64 ev_ts, ev_key;
	__u64 user_ts, user_key;
	__u64 ev_count[SB_NR_EV];
	__u64 user_count[SB_NR_USER];
};

/* counts: (vCPU, table, key) -> counters. */
struct sb_ckey {
	__u32 vcpu;
	__u32 tab;
	__u64 key;
};

struct sb_cval {
	__u64 count, reads, writes;
};

/* hists: (vCPU, reason key) -> a log2 histogram of ns (stat/hist.h). */
struct sb_hkey {
	__u32 vcpu;
	__u32 pad;
	__u64 key;
};

struct sb_hval {
	__u64 count, sum, min, max;
	__u64 bucket[SB_BUCKETS];
	__u64 bucket_sum[SB_BUCKETS];
};

#endif
