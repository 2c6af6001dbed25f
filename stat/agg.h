/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Aggregation for lkvm stat: per-vCPU tables of counters (exit reasons,
 * PIO ports, MMIO addresses, MSRs, CPUID leaves, guest RIPs) with latency
 * histograms on exit reasons. Filled either event by event
 * (stat_agg_event, from a trace stream or a record file) or row by row
 * from the BPF maps, which aggregate the same way in the kernel.
 *
 * Latency pairing (the same rules as stat/stat.bpf.c):
 *  - kvm_exit to the next kvm_entry on the vCPU: the whole exit (VMX, SVM);
 *  - kvm_userspace_exit to the next ioctl(KVM_RUN): the VMM's share, per
 *    KVM_EXIT_* reason;
 *  - a kvm_pio / kvm_mmio write or unsatisfied read / kvm_msr event whose
 *    exit went to the VMM (the matching KVM_EXIT_IO / MMIO / X86_RDMSR /
 *    X86_WRMSR follows) to the next ioctl(KVM_RUN): the exit as far as it
 *    is visible on hosts where kvm_exit never fires (PVM).
 * "The next ioctl(KVM_RUN)" is seen as kvm_fpu with load=1 (SEV_RUN), which
 * KVM_RUN emits as it loads the guest's FPU state, before entering the guest.
 */
#ifndef LKVM_STAT_AGG_H
#define LKVM_STAT_AGG_H

#include "stat/event.h"
#include "stat/hist.h"
#include "util/util.h"

#define STAT_MAX_VCPUS 1024	/* vCPU indexes above are refused */

/* One counter. reads/writes split @count where the event has a direction. */
struct stat_row {
	u64 key;
	u64 count;
	u64 reads;
	u64 writes;
	struct hist *lat;	/* ns; NULL until a latency was added */
};

/* A hash table of rows by key. Zeroed is empty. */
struct stat_table {
	struct stat_row *rows;	/* dense, in insertion order */
	u32 nr, cap;
	u32 *slots;		/* open addressing: row index + 1, 0 = empty */
	u32 nr_slots;		/* power of two, or 0 */
};

/* stat_table_get - the row for @key, inserted (zeroed) if missing. Never
 * returns NULL (allocation failures die). Pointers stay valid only until
 * the next insertion. */
struct stat_row *stat_table_get(struct stat_table *t, u64 key);

/* stat_table_find - the row for @key, or NULL. */
const struct stat_row *stat_table_find(const struct stat_table *t, u64 key);

/* stat_row_lat - @r's histogram, allocated on first use. */
struct hist *stat_row_lat(struct stat_row *r);

/* stat_table_free - release @t's memory and zero it. */
void stat_table_free(struct stat_table *t);

/* Tables of a vCPU. */
enum stat_tab {
	ST_REASON,	/* key STAT_KEY(cls, code) */
	ST_PIO,		/* key port */
	ST_MMIO,	/* key guest physical address */
	ST_MSR,		/* key MSR index */
	ST_CPUID,	/* key leaf */
	ST_RIP,		/* key guest RIP (kvm_exit, or kvm_emulate_insn without it);
			 * writes: the exits at it the guest did not cause
			 * (stat_reason_async) */
	ST_NR
};

/* Latency pairing state of one vCPU's event stream (see the top). */
struct stat_pairing {
	u64 exit_ts, exit_key;	/* open kvm_exit */
	u64 ev_ts, ev_key;	/* last pio/mmio/msr event */
	u32 ev_user;		/* its KVM_EXIT_* if it went to the VMM, else 0 */
	u64 user_ts, user_key;	/* open kvm_userspace_exit */
};

struct stat_vcpu {
	struct stat_table t[ST_NR];
	struct stat_pairing p;
	bool seen;		/* any event or row for this vCPU */
};

struct stat_agg {
	u32 nr_vcpus;		/* highest vCPU index seen + 1 */
	struct stat_vcpu *vcpu;
	u64 nr_events;		/* events added with stat_agg_event */
	u64 lost;		/* events the source dropped */
	u64 first_ts, last_ts;	/* ns, of the events added */
	bool have_hw;		/* kvm_exit seen: VMX/SVM exit reasons are known */
};

/* stat_agg_vcpu - the aggregate of vCPU @idx, growing @a; NULL if @idx >=
 * STAT_MAX_VCPUS. */
struct stat_vcpu *stat_agg_vcpu(struct stat_agg *a, u32 idx);

/* stat_agg_event - account one event (see the pairing rules above).
 * Events of a vCPU must come in time order. Returns -1 for a vCPU index
 * out of range or an unknown type (the event is ignored), else 0. */
int stat_agg_event(struct stat_agg *a, const struct stat_event *ev);

/* stat_agg_total - the sum of every vCPU of @a into @out (zeroed first);
 * @only >= 0 takes that vCPU alone. */
void stat_agg_total(const struct stat_agg *a, int only, struct stat_vcpu *out);

/* stat_vcpu_merge - add @src's rows into @dst. */
void stat_vcpu_merge(struct stat_vcpu *dst, const struct stat_vcpu *src);

/* stat_vcpu_free - release @v's tables. */
void stat_vcpu_free(struct stat_vcpu *v);

/*
 * stat_agg_sub - @now minus @before into @out (zeroed first), row by row,
 * for the live view's per-interval rates: both are cumulative snapshots
 * of one source, @before taken first.
 */
void stat_agg_sub(struct stat_agg *out, const struct stat_agg *now,
		  const struct stat_agg *before);

/* stat_agg_copy - a deep copy of @src into @dst (zeroed first). */
void stat_agg_copy(struct stat_agg *dst, const struct stat_agg *src);

/* stat_agg_free - release everything and zero @a. */
void stat_agg_free(struct stat_agg *a);

/* stat_user_ev_reason - the event-class reason whose exit a KVM_EXIT_*
 * @reason completes in the VMM (IO, MMIO, MSR), or 0. */
u32 stat_user_ev_reason(u32 kvm_exit_reason);

#endif
